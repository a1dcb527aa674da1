"""Matching over the API: programmers' allocation rounds (run, change by hand, confirm,
discard), committee criteria and scores, a building's fit weights; a creative's ranking of a
call's spaces and their place in its newest round; pathways, public to read.

The same services as the pages do every write, and their ValidationError becomes a 400 with
the same field keys (`service_errors`). What a user may see comes from the scoping querysets
below, so another programmer's round, call or building is a 404 and a creative reaches only
their own applications. A committee member sees only their own scores and every applicant's
mean, never another member's scores.
"""

import django_filters
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from broedplaats.api.allocation import AllocationViewMixin
from broedplaats.api.errors import service_errors
from broedplaats.api.serializers import matching as io
from broedplaats.api.serializers.allocation import OfferOutput
from broedplaats.filters import DatedFilterSet, IdFilter, YesNoFilter
from broedplaats.matching import Weights
from broedplaats.models import (
    FIT_COMPONENTS,
    AllocationMethod,
    AllocationRound,
    Application,
    Building,
    City,
    CommitteeCriterion,
    CommitteeScore,
    FitWeights,
    Pathway,
    RoundEntry,
    RoundStatus,
    Space,
)
from broedplaats.permissions import IsCreative, IsProgrammer
from broedplaats.selectors import (
    applications_for_creative,
    buildings_for_programmer,
    calls_for_programmer,
    offers_for_programmer,
)
from broedplaats.selectors.matching import (
    committee_means,
    committee_scores_of,
    criteria_for_programmer,
    may_edit_pathway,
    own_round_entries,
    pathways_public,
    round_details,
    rounds_for_programmer,
    with_left_out,
)
from broedplaats.services import (
    application_choices_set,
    committee_criteria_set,
    committee_score_record,
    fit_weights_reset,
    fit_weights_set,
    pathway_archive,
    pathway_save,
    round_adjust,
    round_confirm,
    round_discard,
    round_run,
)

# --- filters -------------------------------------------------------------------------------------

class RoundFilter(DatedFilterSet):
    call = IdFilter(method="filter_call", label=gettext_lazy("Open call"))
    status = django_filters.ChoiceFilter(choices=RoundStatus.choices)
    method = django_filters.ChoiceFilter(choices=AllocationMethod.choices)

    class Meta:
        model = AllocationRound
        fields = ["call", "status", "method"]

    def filter_call(self, queryset, name, value):
        return queryset.filter(Exists(AllocationRound.calls.through.objects.filter(
            allocationround=OuterRef("pk"), call=value)))


class CommitteeScoreFilter(DatedFilterSet):
    call = IdFilter(field_name="criterion__call")
    application = IdFilter(field_name="application")

    class Meta:
        model = CommitteeScore
        fields = ["call", "application"]


class PathwayFilter(django_filters.FilterSet):
    city = django_filters.CharFilter(field_name="city__slug")
    chain = django_filters.CharFilter(field_name="chain__slug")
    archived = YesNoFilter(label=gettext_lazy("Archived (left out: only the active ones)"))

    class Meta:
        model = Pathway
        fields = ["city", "chain", "archived"]


# --- programmers: rounds -------------------------------------------------------------------------

class ProgrammerRoundViewSet(AllocationViewMixin, mixins.ListModelMixin,
                             mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Allocation rounds over calls of the user's buildings: list, read, run (create), change
    a proposal by hand, confirm (make the offers) or discard."""

    permission_classes = [IsProgrammer]
    filterset_class = RoundFilter
    ordering_fields = ["run_at", "start"]

    def get_queryset(self):
        rounds = rounds_for_programmer(self.request.user)
        return rounds if self.action == "list" else round_details(rounds)

    def get_serializer_class(self):
        return io.RoundOutput if self.action == "list" else io.RoundDetailOutput

    def fresh(self, obj):
        return with_left_out(super().fresh(obj))

    def retrieve(self, request, *args, **kwargs):
        return Response(self.get_serializer(with_left_out(self.get_object())).data)

    @extend_schema(request=io.RoundRunInput, responses={201: io.RoundDetailOutput})
    def create(self, request, *args, **kwargs):
        """Run a round over published calls of one city; the proposal waits for review."""
        data = self.parse(io.RoundRunInput,
                          calls=calls_for_programmer(request.user).prefetch_related(None))
        with service_errors():
            round_ = round_run(on=self.on, by=request.user, **data)
        return self.render(round_, status.HTTP_201_CREATED)

    @extend_schema(request=io.RoundAdjustInput, responses=io.RoundDetailOutput)
    @action(detail=True, methods=["post"])
    def adjust(self, request, pk=None):
        """Give an entry another space (or none); whoever held it gets the entry's space."""
        round_ = self.get_object()
        data = self.parse(io.RoundAdjustInput, entries=RoundEntry.objects.filter(round=round_))
        with service_errors():
            round_adjust(round=round_, entry=data["entry"], space=data["space"],
                         by=request.user)
        return self.render(round_)

    @extend_schema(request=None, responses={201: OfferOutput(many=True)})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """Make the proposal's offers, all or none; returns the offers made."""
        round_ = self.get_object()
        with service_errors():
            offers = round_confirm(round=round_, on=self.on, by=request.user)
        rows = offers_for_programmer(request.user).filter(pk__in=[offer.pk for offer in offers])
        return Response(OfferOutput(rows, many=True, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=io.RoundDetailOutput)
    @action(detail=True, methods=["post"])
    def discard(self, request, pk=None):
        round_ = self.get_object()
        with service_errors():
            round_discard(round=round_, by=request.user)
        return self.render(round_)


# --- programmers: the committee ------------------------------------------------------------------

class CallCriteriaView(GenericAPIView):
    """The criteria a call's committee scores on. PUT replaces them (names in order); criteria
    already scored must stay."""

    permission_classes = [IsProgrammer]
    serializer_class = io.CriteriaOutput

    def get_queryset(self):
        return calls_for_programmer(self.request.user).prefetch_related(None).prefetch_related(
            Prefetch("criteria", queryset=CommitteeCriterion.objects.order_by("order", "id")))

    def get(self, request, pk):
        return Response(io.CriteriaOutput(self.get_object()).data)

    @extend_schema(request=io.CriteriaInput, responses=io.CriteriaOutput)
    def put(self, request, pk):
        call = self.get_object()
        serializer = io.CriteriaInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            committee_criteria_set(call=call, names=serializer.validated_data["criteria"])
        return Response(io.CriteriaOutput(self.get_object()).data)


class CommitteeScoreViewSet(AllocationViewMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The user's own committee scores (filter by call or application); score an applicant
    on a criterion; and per applicant of a call the mean over every member (`means`)."""

    permission_classes = [IsProgrammer]
    serializer_class = io.CommitteeScoreOutput
    filterset_class = CommitteeScoreFilter
    ordering_fields = ["scored_at", "score"]

    def get_queryset(self):
        return committee_scores_of(self.request.user)

    @extend_schema(request=io.CommitteeScoreInput, responses={201: io.CommitteeScoreOutput})
    def create(self, request, *args, **kwargs):
        user = request.user
        calls = calls_for_programmer(user).values("pk")
        data = self.parse(io.CommitteeScoreInput, criteria=criteria_for_programmer(user),
                          applications=Application.objects.filter(call__in=calls))
        with service_errors():
            row = committee_score_record(member=user, **data)
        return Response(self.get_serializer(self.get_queryset().get(pk=row.pk)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("call", OpenApiTypes.INT, required=True,
                                     description="A call of your buildings.")],
        responses={200: io.CommitteeMeanOutput(many=True),
                   404: OpenApiResponse(description="Not a call of your buildings.")},
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def means(self, request):
        """Every scorable applicant of a call with the mean of all members' scores."""
        value = request.query_params.get("call", "")
        if not value.isdigit():
            raise ValidationError({"call": [_("Give the id of one of your calls.")]})
        call = get_object_or_404(calls_for_programmer(request.user).prefetch_related(None),
                                 pk=int(value))
        return Response(io.CommitteeMeanOutput(committee_means(call), many=True).data)


# --- programmers: fit weights --------------------------------------------------------------------

def _weight_values(row: FitWeights | None) -> dict:
    if row is None:
        weights = Weights()
        return {name: getattr(weights, name) for name in (*FIT_COMPONENTS, "wait_full_days")}
    return {**row.points(), "wait_full_days": row.wait_full_days}


def fit_weights_state(building: Building) -> dict:
    """The weights a building's scores use, their source, and the city's defaults (one
    query)."""
    rows = list(FitWeights.objects.filter(Q(building=building) | Q(city=building.city_id))
                .select_related("updated_by"))
    own = next((row for row in rows if row.building_id == building.pk), None)
    city = next((row for row in rows if row.city_id == building.city_id), None)
    used = own or city
    values = _weight_values(used)
    scaled = Weights(**values).normalised()
    return {
        "building": building.slug,
        "source": "building" if own else "city" if city else "default",
        **values,
        "percentages": {name: round(float(scaled[name]), 1) for name in FIT_COMPONENTS},
        "city_defaults": _weight_values(city),
        "updated_by": own.updated_by.get_username() if own and own.updated_by else None,
        "updated_at": own.updated_at if own else None,
    }


class BuildingWeightsView(GenericAPIView):
    """A building's fit weights: GET what its scores use; PUT its own (each 0–100, not all 0;
    full waiting points after 30–3,650 days); DELETE to use the city's again."""

    permission_classes = [IsProgrammer]
    serializer_class = io.FitWeightsOutput
    lookup_field = "slug"

    def get_queryset(self):
        return buildings_for_programmer(self.request.user)

    def get(self, request, slug):
        return Response(io.FitWeightsOutput(fit_weights_state(self.get_object())).data)

    @extend_schema(request=io.FitWeightsInput, responses=io.FitWeightsOutput)
    def put(self, request, slug):
        building = self.get_object()
        serializer = io.FitWeightsInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            fit_weights_set(building=building, by=request.user, **serializer.validated_data)
        return Response(io.FitWeightsOutput(fit_weights_state(building)).data)

    @extend_schema(request=None, responses={200: io.FitWeightsOutput})
    def delete(self, request, slug):
        """Back to the city's weights: the building's own are removed."""
        building = self.get_object()
        fit_weights_reset(building=building, by=request.user)
        return Response(io.FitWeightsOutput(fit_weights_state(building)).data)


# --- creatives: their own application's ranking and round ---------------------------------------

class _MyApplicationView(AllocationViewMixin, GenericAPIView):
    permission_classes = [IsCreative]
    filter_backends = []

    def get_queryset(self):
        return applications_for_creative(self.request.user, on=self.on).prefetch_related(None)


class MyApplicationChoicesView(_MyApplicationView):
    """The applicant's ranking of their call's spaces (for stable matching). PUT replaces it:
    space ids, most wanted first."""

    serializer_class = io.ChoicesOutput

    def _state(self, application: Application) -> dict:
        spaces = (Space.objects.filter(calls=application.call_id, archived=False)
                  .select_related("building").order_by("building__name", "code")
                  if application.call_id else Space.objects.none())
        return {"application": application.pk,
                "choices": list(application.choices.values_list("space", flat=True)),
                "spaces": spaces}

    def get(self, request, pk):
        return Response(io.ChoicesOutput(self._state(self.get_object())).data)

    @extend_schema(request=io.ChoicesInput, responses=io.ChoicesOutput)
    def put(self, request, pk):
        application = self.get_object()
        data = self.parse(io.ChoicesInput)
        with service_errors():
            application_choices_set(application=application, spaces=data["choices"])
        return Response(io.ChoicesOutput(self._state(application)).data)


class MyApplicationRoundView(_MyApplicationView):
    """Where the user's application stands in the newest round of its call that was not
    discarded: their position, lottery number, proposed space and fit. Nobody else's."""

    serializer_class = io.MyRoundPlaceOutput

    def get(self, request, pk):
        application = self.get_object()
        entry = own_round_entries([application]).get(application.pk)
        round_ = None
        if entry is not None:
            round_ = entry.round
            round_.applicants = RoundEntry.objects.filter(round=round_).count()
        return Response(io.MyRoundPlaceOutput(
            {"application": application.pk, "round": round_, "entry": entry}).data)


# --- pathways ------------------------------------------------------------------------------------

class PathwayViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Pathways: anyone reads them (the active ones unless `archived` is given); the city's
    bureau, or programmers of every building on one, create, change (PUT) and archive."""

    serializer_class = io.PathwayOutput
    filter_backends = [DjangoFilterBackend]
    filterset_class = PathwayFilter

    def get_permissions(self):
        if self.action in ("list", "retrieve"):
            return [AllowAny()]
        return [IsAuthenticated()]

    def get_queryset(self):
        pathways = pathways_public()
        if self.action == "list" and "archived" not in self.request.query_params:
            pathways = pathways.filter(archived=False)
        return pathways

    def _allowed(self, *, city: City, buildings: list[Building]) -> None:
        if not may_edit_pathway(self.request.user, city=city, buildings=buildings):
            raise PermissionDenied(_(
                "Only the city bureau of %(city)s, or a programmer of every building on the "
                "pathway, may change it.") % {"city": city})

    def _save(self, request, pathway: Pathway | None) -> Pathway:
        serializer = io.PathwayInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        steps = [(step["building"], step["stage"]) for step in data.pop("steps")]
        self._allowed(city=data["city"], buildings=[building for building, _stage in steps])
        with service_errors():
            return pathway_save(pathway=pathway, steps=steps, by=request.user, **data)

    def _render(self, pathway: Pathway, code=status.HTTP_200_OK) -> Response:
        return Response(io.PathwayOutput(pathways_public().get(pk=pathway.pk)).data, status=code)

    @extend_schema(request=io.PathwayInput, responses={201: io.PathwayOutput})
    def create(self, request, *args, **kwargs):
        return self._render(self._save(request, None), status.HTTP_201_CREATED)

    @extend_schema(request=io.PathwayInput, responses=io.PathwayOutput)
    def update(self, request, *args, **kwargs):
        """Replace a pathway's fields and steps (you must be allowed on it before and after)."""
        pathway = self.get_object()
        self._allowed(city=pathway.city, buildings=[step.building for step in pathway.steps.all()])
        return self._render(self._save(request, pathway))

    @extend_schema(request=None, responses=io.PathwayOutput)
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        """Archive a pathway: it gives no priority from now on."""
        pathway = self.get_object()
        self._allowed(city=pathway.city, buildings=[step.building for step in pathway.steps.all()])
        with service_errors():
            pathway_archive(pathway=pathway, by=request.user)
        return self._render(pathway)

