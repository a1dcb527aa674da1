"""Allocation over the API: creatives' applications and offers, programmers' calls, applicants,
screening, offers and tenancies.

Every write calls the same service as the pages; the input serializer only checks types. A
service's ValidationError becomes a 400 (409 for a taken space) with the same field keys and
messages (`api.errors.service_errors`). Rows come from the scoping selectors, so another's object is a 404.
"""


from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings

from broedplaats import limits
from broedplaats.api.errors import service_errors
from broedplaats.api.idempotency import idempotent
from broedplaats.api.places import DatedFilterBackend, DatedViewMixin
from broedplaats.api.serializers import allocation as io
from broedplaats.api.serializers.fields import StrictCharField
from broedplaats.filters import (
    ApplicantFilter,
    DatedFilterSet,
    MyApplicationFilter,
    PublicCallFilter,
    TenancyFilter,
)
from broedplaats.permissions import IsCreative, IsProgrammer
from broedplaats.selectors import (
    applications_for_creative,
    applications_for_programmer,
    calls_for_programmer,
    calls_open_published,
    calls_published,
    offers_for_creative,
    offers_for_programmer,
    tenancies_for_creative,
    tenancies_for_programmer,
)
from broedplaats.services import (
    applicant_note_add,
    application_create,
    application_submit,
    application_transition,
    application_withdraw,
    call_close,
    call_create,
    call_publish,
    call_update,
    offer_accept,
    offer_decline,
    offer_make,
    offer_withdraw,
    screening_record,
    social_return_record,
    tenancy_cancel,
    tenancy_end,
    tenancy_renew,
    tenancy_stage_move,
)
from chains.models import Creative, StageMove
from chains.selectors import creative_history


class AllocationFilterBackend(DatedFilterBackend):
    """Also FilterSets made from `filterset_fields` take the view's day."""

    filterset_base = DatedFilterSet


class AllocationViewMixin(DatedViewMixin):
    """Today's date for services, selectors, filters and serializers alike."""

    filter_backends = [AllocationFilterBackend, OrderingFilter]

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "on": self.on}

    def fresh(self, obj):
        """The object read again through the scoped queryset, after a service changed it."""
        return self.get_queryset().get(pk=obj.pk)

    def render(self, obj, code=status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.fresh(obj)).data, status=code)

    def parse(self, serializer_class, **kwargs) -> dict:
        serializer = serializer_class(data=self.request.data, **kwargs)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


# --- open calls, public -------------------------------------------------------------------------

class CallViewSet(AllocationViewMixin, viewsets.ReadOnlyModelViewSet):
    """Published calls: the list holds those open today (soonest closing first) with the
    spaces they offer; any published call can be read by its id."""

    permission_classes = [AllowAny]
    serializer_class = io.PublicCallOutput
    filterset_class = PublicCallFilter
    ordering_fields = ["closes_on", "opens_on", "title"]

    def get_queryset(self):
        if self.action == "list":
            return calls_open_published(self.on)
        return calls_published()


# --- creatives ---------------------------------------------------------------------------------

class MyApplicationViewSet(AllocationViewMixin, mixins.ListModelMixin,
                           mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The user's own applications with their history; create a draft, submit, withdraw."""

    permission_classes = [IsCreative]
    serializer_class = io.ApplicationOutput
    filterset_class = MyApplicationFilter
    ordering_fields = ["created_at", "submitted_at", "status"]

    def get_queryset(self):
        return applications_for_creative(self.request.user, on=self.on)

    @idempotent
    def create(self, request, *args, **kwargs):
        data = self.parse(io.ApplicationCreateInput, user=request.user)
        creative = Creative.objects.filter(user=request.user).first()
        if creative is None:
            raise ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [
                _("Make your creative profile first; then you can apply.")]})
        with service_errors():
            application = application_create(creative=creative, on=self.on, by=request.user,
                                             **data)
        return self.render(application, status.HTTP_201_CREATED)

    @idempotent  # outside @action, so the schema's header parameter lands on the action
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        application = self.get_object()
        with service_errors():
            application_submit(application=application, on=self.on, by=request.user)
        return self.render(application)

    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        application = self.get_object()
        with service_errors():
            application_withdraw(application=application, by=request.user)
        return self.render(application)


class MyOfferViewSet(AllocationViewMixin, viewsets.ReadOnlyModelViewSet):
    """Offers on the user's own applications; accept or decline before the deadline."""

    permission_classes = [IsCreative]
    serializer_class = io.OfferOutput
    filterset_fields = ["status"]
    ordering_fields = ["offered_on", "reply_by"]

    def get_queryset(self):
        return offers_for_creative(self.request.user)

    @idempotent
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        offer = self.get_object()
        with service_errors():
            offer_accept(offer=offer, on=self.on, by=request.user)
        return self.render(offer)

    @idempotent
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        offer = self.get_object()
        with service_errors():
            offer_decline(offer=offer, on=self.on, by=request.user)
        return self.render(offer)


class MyTenancyViewSet(AllocationViewMixin, viewsets.ReadOnlyModelViewSet):
    """The user's own tenancies, newest start first; `current=true` for those holding their
    space today."""

    permission_classes = [IsCreative]
    serializer_class = io.TenancyOutput
    filterset_class = TenancyFilter
    ordering_fields = ["start", "planned_end"]

    def get_queryset(self):
        return tenancies_for_creative(self.request.user)


class MyStageMovesView(GenericAPIView):
    """Your own stage history along the chain (idea → making → distribution, or out to the
    market), oldest first, as your programmers recorded it."""

    permission_classes = [IsCreative]
    serializer_class = io.StageMoveOutput
    queryset = StageMove.objects.none()  # for the schema: the rows are the creative's history
    pagination_class = None

    @extend_schema(responses=io.StageMoveOutput(many=True))
    def get(self, request):
        creative = Creative.objects.filter(user=request.user).first()
        if creative is None:
            raise Http404(_("Your account is not linked to a creative profile yet."))
        return Response(io.StageMoveOutput(creative_history(creative=creative), many=True).data)


# --- programmers -------------------------------------------------------------------------------

class ProgrammerCallViewSet(AllocationViewMixin, mixins.ListModelMixin,
                            mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Open calls of the user's buildings: list, create a draft, change (PATCH), publish."""

    permission_classes = [IsProgrammer]
    serializer_class = io.CallOutput
    filterset_fields = ["allocation_method"]
    ordering_fields = ["opens_on", "closes_on", "title"]

    def get_queryset(self):
        return calls_for_programmer(self.request.user)

    def create(self, request, *args, **kwargs):
        data = self.parse(io.CallCreateInput, user=request.user)
        with service_errors():
            call = call_create(by=request.user, **data)
        return self.render(call, status.HTTP_201_CREATED)

    @extend_schema(request=io.CallUpdateInput)
    def partial_update(self, request, *args, **kwargs):
        """Change a call's text, dates, method, spaces or criteria; fields left out stay."""
        call = self.get_object()
        data = self.parse(io.CallUpdateInput, user=request.user, partial=True)
        with service_errors():
            call_update(call=call, **data)
        return self.render(call)

    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        call = self.get_object()
        with service_errors():
            call_publish(call=call, on=self.on, by=request.user)
        return self.render(call)


    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close an open call early: today is its last day to apply."""
        call = self.get_object()
        with service_errors():
            call_close(call=call, on=self.on, by=request.user)
        return self.render(call)


class ProgrammerApplicationViewSet(AllocationViewMixin, mixins.ListModelMixin,
                                   mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Applicants of the user's buildings: filter, review, move, screen and offer."""

    permission_classes = [IsProgrammer]
    filterset_class = ApplicantFilter
    ordering_fields = ["created_at", "submitted_at", "status"]

    def get_queryset(self):
        return applications_for_programmer(self.request.user, on=self.on,
                                           notes=self.action != "list")

    def get_serializer_class(self):
        if self.action == "list":
            return io.ProgrammerApplicationOutput
        return io.ProgrammerApplicationDetailOutput

    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        application = self.get_object()
        data = self.parse(io.TransitionInput)
        with service_errors():
            application_transition(application=application, to=data["to"],
                                   note=data.get("note", ""), by=request.user)
        return self.render(application)

    @extend_schema(responses=io.StageMoveOutput(many=True))
    @action(detail=True, methods=["get"], url_path="stage-moves", filter_backends=[],
            pagination_class=None)
    def stage_moves(self, request, pk=None):
        """The applicant's stage history along the chain, oldest first."""
        application = self.get_object()
        history = creative_history(creative=application.creative)
        return Response(io.StageMoveOutput(history, many=True).data)

    @action(detail=True, methods=["post"])
    def notes(self, request, pk=None):
        application = self.get_object()
        data = self.parse(io.NoteInput)
        with service_errors():
            applicant_note_add(application=application, text=data["text"], by=request.user)
        return self.render(application, code=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def screening(self, request, pk=None):
        application = self.get_object()
        data = self.parse(io.ScreeningInput)
        with service_errors():
            screening = screening_record(creative=application.creative,
                                         city=application.building.city, on=self.on,
                                         by=request.user, **data)
        return Response(io.ScreeningOutput(screening).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def offer(self, request, pk=None):
        application = self.get_object()
        data = self.parse(io.OfferInput, user=request.user)
        with service_errors():
            offer = offer_make(application=application, on=self.on, by=request.user, **data)
        return Response(io.OfferOutput(offer, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)


class OfferWithdrawInput(serializers.Serializer):
    note = StrictCharField(required=False, allow_blank=True, default="",
                                 max_length=limits.STATUS_NOTE)


class ProgrammerOfferViewSet(AllocationViewMixin, viewsets.ReadOnlyModelViewSet):
    """Offers of spaces in the user's buildings."""

    permission_classes = [IsProgrammer]
    serializer_class = io.OfferOutput
    filterset_fields = ["status"]
    ordering_fields = ["offered_on", "reply_by"]

    def get_queryset(self):
        return offers_for_programmer(self.request.user)

    @extend_schema(request=OfferWithdrawInput)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Take back an open offer; the applicant is eligible again."""
        offer = self.get_object()
        data = self.parse(OfferWithdrawInput)
        with service_errors():
            offer_withdraw(offer=offer, by=request.user, note=data["note"])
        return self.render(offer)


class TenancyCancelInput(serializers.Serializer):
    reason = StrictCharField(required=False, allow_blank=True, default="",
                                   max_length=limits.STATUS_NOTE)


class ProgrammerTenancyViewSet(AllocationViewMixin, viewsets.ReadOnlyModelViewSet):
    """Tenancies of the user's buildings: renew or end one, log its social return."""

    permission_classes = [IsProgrammer]
    serializer_class = io.TenancyOutput
    filterset_class = TenancyFilter
    ordering_fields = ["start", "planned_end"]

    def get_queryset(self):
        return tenancies_for_programmer(self.request.user)

    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        tenancy = self.get_object()
        data = self.parse(io.TenancyEndInput)
        with service_errors():
            tenancy_end(tenancy=tenancy, by=request.user, **data)
        return self.render(tenancy)

    @action(detail=True, methods=["post"])
    def renew(self, request, pk=None):
        tenancy = self.get_object()
        data = self.parse(io.TenancyRenewInput)
        with service_errors():
            tenancy_renew(tenancy=tenancy, on=self.on, by=request.user, **data)
        return self.render(tenancy)

    @extend_schema(request=TenancyCancelInput)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Call off a tenancy before its start; it ends on its start, the space is free."""
        tenancy = self.get_object()
        data = self.parse(TenancyCancelInput)
        with service_errors():
            tenancy_cancel(tenancy=tenancy, on=self.on, by=request.user, reason=data["reason"])
        return self.render(tenancy)

    @extend_schema(request=io.SocialReturnInput, responses=io.SocialReturnOutput(many=True))
    @action(detail=True, methods=["get", "post"], url_path="social-return",
            pagination_class=None, filter_backends=[])
    def social_return(self, request, pk=None):
        """GET: the activities logged for the tenancy; POST: log one."""
        tenancy = self.get_object()
        if request.method == "GET":
            activities = tenancy.social_returns.order_by("-on", "-id")
            return Response(io.SocialReturnOutput(activities, many=True).data)
        data = self.parse(io.SocialReturnInput)
        with service_errors():
            activity = social_return_record(tenancy=tenancy, by=request.user, **data)
        return Response(io.SocialReturnOutput(activity).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=io.StageMoveInput, responses=io.StageMoveOutput(many=True))
    @action(detail=True, methods=["get", "post"], url_path="stage-moves",
            pagination_class=None, filter_backends=[])
    def stage_moves(self, request, pk=None):
        """GET: the tenant's stage history, oldest first; POST: record a move (to a stage or
        out to the market) dated within the tenancy."""
        tenancy = self.get_object()
        if request.method == "POST":
            data = self.parse(io.StageMoveInput)
            with service_errors():
                move = tenancy_stage_move(tenancy=tenancy, today=self.on, by=request.user,
                                          on=data["moved_on"], to_stage=data["to_stage"],
                                          to_market=data["to_market"], note=data["note"])
            return Response(io.StageMoveOutput(move).data, status=status.HTTP_201_CREATED)
        history = creative_history(creative=tenancy.creative)
        return Response(io.StageMoveOutput(history, many=True).data)

