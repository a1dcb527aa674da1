"""The finder as an endpoint: `GET /api/finder/` with the page's parameters, no login.

The same form parses the query as on the page (`views.finder.FinderForm`), so bad input is a
400 naming the field with the page's message; the ranking is `selectors.finder.finder_page`.
Money and areas go out as strings ("250.00"), as elsewhere in the API.
"""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from broedplaats.api.errors import form_errors
from broedplaats.models import FacilityCode, SpaceKind
from broedplaats.selectors.finder import PER_PAGE, FinderPage, finder_page
from broedplaats.views.finder import FinderForm
from chains.models import StageCode


class FinderReasonOutput(serializers.Serializer):
    part = serializers.CharField(help_text="stage, chain, completeness, area, rent or facilities")
    text = serializers.CharField()
    points = serializers.FloatField()
    max_points = serializers.FloatField()


class FinderSpaceOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    kind = serializers.ChoiceField(choices=SpaceKind.choices)
    area_m2 = serializers.DecimalField(max_digits=7, decimal_places=2)
    monthly_rent = serializers.DecimalField(max_digits=9, decimal_places=2)
    free_now = serializers.BooleanField(help_text="False: let now, offered in an open call.")


class FinderCallOutput(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    closes_on = serializers.DateField()
    spaces = serializers.ListField(child=serializers.CharField(), help_text="Space codes.")


class FinderBuildingOutput(serializers.Serializer):
    building = serializers.CharField(help_text="The building's slug.")
    name = serializers.CharField()
    city = serializers.CharField(help_text="The city's slug.")
    fit = serializers.FloatField(help_text="The best space's fit, 0–100.")
    parts = serializers.DictField(child=serializers.FloatField(),
                                  help_text="The fit's points per part, and bonus and total.")
    reasons = FinderReasonOutput(many=True)
    space = FinderSpaceOutput(help_text="The best-fitting space.")
    free_spaces = serializers.IntegerField(help_text="Spaces free today.")
    completes_chain = serializers.BooleanField(
        help_text="The chain is in the building's focus and no tenant of it is in the stage.")
    open_calls = FinderCallOutput(many=True)


class FinderPlaceOutput(serializers.Serializer):
    building = serializers.CharField()
    name = serializers.CharField()
    city = serializers.CharField()


class FinderOutput(serializers.Serializer):
    discipline = serializers.CharField()
    chain = serializers.CharField()
    stage = serializers.ChoiceField(choices=StageCode.choices)
    count = serializers.IntegerField(help_text="Buildings with a free space or an open call.")
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    results = FinderBuildingOutput(many=True)
    would_complete_a_chain = FinderPlaceOutput(
        many=True, help_text=f"Buildings with nothing free now where the creative would "
                             f"complete a chain (the first {PER_PAGE}).")
    would_complete_a_chain_count = serializers.IntegerField()


def finder_output(result: FinderPage) -> dict:
    wish, page = result.wish, result.page
    return {
        "discipline": wish.discipline.slug, "chain": wish.chain.slug, "stage": wish.stage.code,
        "count": page.paginator.count, "page": page.number, "pages": page.paginator.num_pages,
        "results": [{
            "building": row.building.slug, "name": row.building.name,
            "city": row.building.city.slug, "fit": row.fit, "parts": row.parts,
            "reasons": [vars(reason) for reason in row.reasons],
            "space": {"id": row.space.pk, "code": row.space.code, "kind": row.space.kind,
                      "area_m2": row.space.area_m2, "monthly_rent": row.space.monthly_rent,
                      "free_now": row.space_free},
            "free_spaces": row.free_spaces, "completes_chain": row.completes_chain,
            "open_calls": [{"id": call.pk, "title": call.title, "closes_on": call.closes_on,
                            "spaces": [space.code for space in call.open_spaces]}
                           for call in row.calls],
        } for row in result.buildings],
        "would_complete_a_chain": [{"building": b.slug, "name": b.name, "city": b.city.slug}
                                   for b in result.completing],
        "would_complete_a_chain_count": result.completing_count,
    }


PARAMETERS = [
    OpenApiParameter("discipline", str, required=True, description="A discipline's slug."),
    OpenApiParameter("stage", str, required=True, enum=StageCode.values),
    OpenApiParameter("min_area", OpenApiTypes.DECIMAL, description="Area from (m², at least 0)."),
    OpenApiParameter("max_area", OpenApiTypes.DECIMAL,
                     description="Area up to (m², at least the area from)."),
    OpenApiParameter("max_rent", OpenApiTypes.DECIMAL,
                     description="Monthly rent up to (€, at least 0)."),
    OpenApiParameter("facilities", str, many=True, enum=FacilityCode.values,
                     description="Wished facilities; repeat the parameter for several.",
                     explode=True),
    OpenApiParameter("city", str, description="A city's slug; empty: every city."),
    OpenApiParameter("page", int, description=f"{PER_PAGE} buildings a page, from 1."),
]


class FinderView(APIView):
    """Buildings ranked by how well their free spaces and open calls fit a creative."""

    permission_classes = [AllowAny]

    @extend_schema(parameters=PARAMETERS, responses=FinderOutput)
    def get(self, request):
        query = request.query_params.copy()
        query.pop("page", None)
        query.pop("format", None)
        form = FinderForm(query)
        if not form.is_valid():
            raise form_errors(form)
        result = finder_page(wish=form.wish(), on=timezone.localdate(),
                             page=request.query_params.get("page"))
        return Response(FinderOutput(finder_output(result)).data)
