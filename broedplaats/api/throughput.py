"""Read-only endpoints of the throughput figures, JSON or CSV (`?format=csv`), with the same
filters as the dashboards. A bureau sees its cities, a programmer their buildings, anyone a
city's public figures (open data); small counts of people read "< 5" as on the pages."""

import csv
import io
from datetime import date

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from broedplaats.api.errors import form_errors
from broedplaats.filters import ThroughputFilterForm
from broedplaats.models import Building, City, Figure, PublicFigure
from broedplaats.selectors import throughput as figures


class FigureCSVRenderer(BaseRenderer):
    """A figure's rows as CSV: a header of the column labels in the reader's language (as on
    the page: Dutch by default, English for Accept-Language en), then the values as the API
    gives them (ISO dates, '.' decimals, "< 5" for a suppressed count, empty for no value).
    Scripts that need stable names read the JSON, whose columns carry their keys."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        out = io.StringIO()
        writer = csv.writer(out)
        if not isinstance(data, dict) or "columns" not in data:  # an error
            writer.writerow([gettext("Field"), gettext("Error")])
            for key, value in (data or {}).items():
                writer.writerow([key, " ".join(map(str, value if isinstance(value, list)
                                                   else [value]))])
            return out.getvalue().encode(self.charset)
        keys = [column["key"] for column in data["columns"]]
        writer.writerow([column["label"] for column in data["columns"]])
        for row in data["rows"]:
            writer.writerow(["" if row.get(key) is None else row[key] for key in keys])
        return out.getvalue().encode(self.charset)


FILTER_PARAMETERS = [
    OpenApiParameter("city", str, description="A city's slug (of the cities you may see)."),
    OpenApiParameter("building", str, description="A building's slug."),
    OpenApiParameter("chain", str, description="A chain's slug."),
    OpenApiParameter("discipline", str, description="A discipline's slug."),
    OpenApiParameter("space_kind", str, enum=[kind for kind, _label in figures.SpaceKind.choices]),
    OpenApiParameter("start", OpenApiTypes.DATE,
                     description="First day of the period (default: a year ago, from the 1st)."),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Last day of the period (default today)."),
    OpenApiParameter("format", str, enum=["json", "csv"]),
]
FIGURE_PARAMETER = OpenApiParameter("figure", str, OpenApiParameter.PATH, enum=Figure.values)
FigureOutput = inline_serializer("FigureOutput", {
    "figure": serializers.ChoiceField(choices=Figure.choices),
    "title": serializers.CharField(),
    "start": serializers.DateField(), "end": serializers.DateField(),
    "today": serializers.DateField(),
    "computed_at": serializers.DateTimeField(
        allow_null=True, help_text="When the nightly run computed this figure ahead (a city-wide "
        "view: the whole city, or one chain, discipline or kind of space, over the default "
        "period); null when it was computed for this request."),
    "filters_applied": serializers.ListField(child=serializers.CharField()),
    "suppressed": serializers.BooleanField(),
    "note": serializers.CharField(),
    "columns": serializers.ListField(child=serializers.DictField()),
    "rows": serializers.ListField(child=serializers.DictField(),
                                  help_text="Values by column key; a suppressed count is \"< 5\"."),
})


def _value(value):
    return value.isoformat() if isinstance(value, date) else value


def figure_output(table: figures.Table, scope: figures.Scope, *, suppressed: bool) -> dict:
    keys = [column.key for column in table.columns]
    extra = [key for key in ("unit", "is_total") if any(key in row for row in table.rows)]
    return {
        "figure": table.figure, "title": table.title,
        "start": scope.start.isoformat(), "end": scope.end.isoformat(),
        "today": scope.today.isoformat(),
        "computed_at": table.computed_at.isoformat() if table.computed_at else None,
        "filters_applied": sorted(table.filters), "suppressed": suppressed,
        "note": str(table.note),
        "columns": [{"key": column.key, "label": str(column.label), "kind": column.kind}
                    for column in table.columns],
        "rows": [{key: _value(row.get(key)) for key in keys + extra} for row in table.rows],
    }


class _FigureView(APIView):
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, FigureCSVRenderer]

    def respond(self, request, figure: str, base: figures.Scope, *, cities, buildings,
                suppressed: bool, filename: str):
        if figure not in Figure.values:
            raise Http404
        form = ThroughputFilterForm(request.query_params, cities=cities, buildings=buildings,
                                    today=base.today)
        if not form.is_valid():
            raise form_errors(form)
        scope = form.scope(base)
        table = figures.figure_table(figure, scope, suppressed=suppressed)
        response = Response(figure_output(table, scope, suppressed=suppressed))
        if request.accepted_renderer.format == "csv":
            response["Content-Disposition"] = (
                f'attachment; filename="{filename}-{figure}-{scope.start}-{scope.end}.csv"')
        return response


class ThroughputFigureView(_FigureView):
    """One throughput figure for the cities (bureau) or buildings (programmer) you may see."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[FIGURE_PARAMETER, *FILTER_PARAMETERS], responses=FigureOutput)
    def get(self, request, figure: str):
        today = timezone.localdate()
        base = figures.scope_for(request.user, today=today)
        if base is None:
            raise PermissionDenied("Throughput figures are for city bureaus and programmers.")
        if base.city_ids is None and base.building_ids is None:
            cities, buildings = City.objects.all(), Building.objects.all()
        elif base.building_ids is not None:
            cities = City.objects.none()
            buildings = Building.objects.filter(pk__in=base.building_ids)
        else:
            cities = City.objects.filter(pk__in=base.city_ids)
            buildings = Building.objects.filter(city__in=cities)
        return self.respond(request, figure, base, cities=cities, buildings=buildings,
                            suppressed=figures.suppressed_for(request.user), filename="broedplaats")


class OpenDataFigureView(_FigureView):
    """A figure a city publishes as open data: no login, small counts suppressed."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(parameters=[OpenApiParameter("slug", str, OpenApiParameter.PATH),
                               FIGURE_PARAMETER, *FILTER_PARAMETERS], responses=FigureOutput)
    def get(self, request, slug: str, figure: str):
        city = City.objects.filter(slug=slug).first()
        if city is None or not PublicFigure.objects.filter(city=city, figure=figure).exists():
            raise Http404
        today = timezone.localdate()
        start, end = figures.default_period(today)
        base = figures.Scope(today=today, start=start, end=end, city_ids=(city.pk,))
        return self.respond(request, figure, base, cities=City.objects.filter(pk=city.pk),
                            buildings=Building.objects.filter(city=city, archived=False),
                            suppressed=True, filename=city.slug)
