"""The throughput dashboards: the city bureau's home, the figures on the programmer's home,
and the open data a city publishes.

Views parse the filters (ThroughputFilterForm), ask the selectors for the figures of the
reader's scope and render them: a chart, the same numbers as a table, and a CSV link (the
API's, with the same filters). A bureau and the public see small counts of people as "< 5".
"""

from dataclasses import replace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from broedplaats.filters import ThroughputFilterForm
from broedplaats.models import Building, City, Figure, PublicFigure, ThroughputRefresh
from broedplaats.roles import require_role, roles_of
from broedplaats.selectors import throughput as figures
from broedplaats.services import figure_publish, figure_unpublish
from broedplaats.views.charts import chart_for
from chains.models import Stage

BUILDINGS_PER_PAGE = 24

# The dashboard's sections: a heading and the figures under it, in reading order.
SECTIONS = (
    (gettext_lazy("Occupancy"),
     (Figure.OCCUPANCY, Figure.OCCUPANCY_MONTHLY, Figure.VACANCY, Figure.LONGEST_VACANT)),
    (gettext_lazy("Demand and waiting"), (Figure.DEMAND, Figure.WAITS)),
    (gettext_lazy("Along the chain"),
     (Figure.FLOWS, Figure.TIME_IN_STAGE, Figure.COHORTS, Figure.COMPLETENESS,
      Figure.PATHWAYS)),
    (gettext_lazy("Tenancies"), (Figure.TENANCIES, Figure.END_REASONS, Figure.TENANCY_LENGTH)),
    (gettext_lazy("Social return and spread"),
     (Figure.SOCIAL_RETURN, Figure.DISTRICTS, Figure.DISCIPLINES)),
    (gettext_lazy("Trends"), (Figure.TRENDS,)),
)


def _month(day) -> str:
    # "maart 2026" / "March 2026": Django's "M" capitalises the Dutch abbreviation ("Mrt").
    return formats.date_format(day, "YEAR_MONTH_FORMAT")


def _figure_block(figure: str, table, *, query: str, api_name: str, api_kwargs: dict) -> dict:
    csv = reverse(api_name, kwargs={**api_kwargs, "figure": figure})
    return {"table": table, "chart": chart_for(table, month_label=_month),
            "chart_id": f"chart-{figure}", "csv": f"{csv}?{query}&format=csv" if query
            else f"{csv}?format=csv"}


def _sections(scope, *, suppressed: bool, query: str, only=None, api_name="api:throughput-figure",
              api_kwargs=None) -> list[dict]:
    sections = []
    wanted = [key for _title, keys in SECTIONS for key in keys if only is None or key in only]
    tables = figures.figure_tables(scope, wanted, suppressed=suppressed)
    for title, keys in SECTIONS:
        shown = [key for key in keys if key in tables]
        if shown:
            sections.append({"title": title, "figures": [
                _figure_block(key, tables[key], query=query, api_name=api_name,
                              api_kwargs=api_kwargs or {}) for key in shown]})
    return sections


def _query(request, *drop: str) -> str:
    query = request.GET.copy()
    for key in ("page", "format", *drop):
        query.pop(key, None)
    return query.urlencode()


def _building_table(request, scope) -> tuple:
    """A page of the scope's buildings, sorted by a stored column, with their figures."""
    order = request.GET.get("sort", "name")
    if order not in figures.BUILDING_ORDERS:
        order = "name"
    ids = figures.buildings_in_scope(scope).order_by(*figures.BUILDING_ORDERS[order], "pk") \
        .values_list("pk", flat=True)
    page = Paginator(ids, BUILDINGS_PER_PAGE).get_page(request.GET.get("page"))
    return page, figures.building_rows(scope, list(page.object_list)), order


def _dashboard_context(request, *, base, cities: QuerySet[City], buildings: QuerySet[Building],
                       suppressed: bool, choose_city: bool) -> dict:
    form = ThroughputFilterForm(request.GET, cities=cities, buildings=buildings,
                                today=base.today, choose_city=choose_city)
    scope = form.scope(base)
    query = _query(request)
    page, rows, order = _building_table(request, scope)
    refresh = ThroughputRefresh.objects.order_by("-finished_at").first()
    sections = _sections(scope, suppressed=suppressed, query=query)
    return {
        "form": form, "scope": scope, "sections": sections,
        "computed_at": _computed_at(sections),
        "page": page, "building_rows": rows, "order": order, "query": _query(request, "sort"),
        "page_query": _query(request), "refresh": refresh, "suppressed": suppressed,
        "stages": list(Stage.objects.order_by("order")), "small": figures.SMALL,
        "sort_columns": [("name", _("Building")), ("city", _("City")),
                         ("cluster", _("Cluster type"))],
    }


def _computed_at(sections: list[dict]):
    """When the figures shown were computed ahead (the earliest), or None when just now."""
    times = [block["table"].computed_at for section in sections for block in section["figures"]
             if block["table"].computed_at]
    return min(times, default=None)


def _bureau_cities(user) -> QuerySet[City]:
    """The cities a bureau member watches; every city for an admin."""
    return City.objects.all() if roles_of(user).admin else City.objects.filter(bureau_members=user)


@login_required
def bureau_home(request):
    """The city bureau's dashboard: every figure for their city (a choice of their cities)."""
    require_role(request.user, "city_bureau")
    today = timezone.localdate()
    base = figures.scope_for(request.user, today=today)
    cities = _bureau_cities(request.user)
    if not cities.exists():
        return render(request, "broedplaats/home_bureau.html", {"cities": cities})
    if base.city_ids is None or len(base.city_ids) > 1:
        # One city at a time: the chosen one, else the first.
        chosen = request.GET.get("city") or cities.first().slug
        city = cities.filter(slug=chosen).first() or cities.first()
        base = replace(base, city_ids=(city.pk,))
    buildings = Building.objects.filter(city_id=base.city_ids[0], archived=False)
    context = _dashboard_context(request, base=base, cities=cities, buildings=buildings,
                                 suppressed=True, choose_city=cities.count() > 1)
    city = City.objects.get(pk=context["scope"].city_ids[0])
    context.update(
        cities=cities, city=city,
        public=set(PublicFigure.objects.filter(city=city).values_list("figure", flat=True)),
        can_publish=True,
    )
    return render(request, "broedplaats/home_bureau.html", context)


@login_required
@require_POST
def figure_publish_view(request, slug: str):
    """A bureau member makes a figure of their city public, or private again."""
    require_role(request.user, "city_bureau")
    cities = _bureau_cities(request.user)
    city = get_object_or_404(cities, slug=slug)
    figure = request.POST.get("figure", "")
    try:
        if request.POST.get("public") == "true":
            figure_publish(city=city, figure=figure, by=request.user)
            messages.success(request, _("%(figure)s is now public open data.")
                             % {"figure": Figure(figure).label})
        else:
            if figure not in Figure.values:
                raise ValidationError({"figure": _("Choose a figure from the list.")})
            figure_unpublish(city=city, figure=figure)
            messages.success(request, _("%(figure)s is no longer public.")
                             % {"figure": Figure(figure).label})
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(f"{reverse('bureau-home')}?city={city.slug}#{figure}")


@login_required
def programmer_home(request):
    """A programmer's buildings: the actions waiting, the figures, and the building table."""
    require_role(request.user, "programmer")
    today = timezone.localdate()
    base = figures.scope_for(request.user, today=today)
    if base is None or base.building_ids is None:  # an admin without buildings of their own
        base = replace(figures.Scope(today=today, start=base.start, end=base.end),
                               building_ids=tuple(request.user.programmed_buildings.values_list(
                                   "pk", flat=True)))
    buildings = Building.objects.filter(pk__in=base.building_ids)
    context = _dashboard_context(request, base=base, cities=City.objects.none(),
                                 buildings=buildings, suppressed=False, choose_city=False)
    context.update(actions=figures.programmer_actions(request.user, on=today),
                   has_buildings=bool(base.building_ids), today=today, manage=True)
    return render(request, "broedplaats/home_programmer.html", context)


def open_data_index(request):
    """The cities that publish figures, with links to them."""
    cities = City.objects.filter(public_figures__isnull=False).distinct().order_by("name")
    return render(request, "broedplaats/open_data_index.html", {"cities": cities})


def open_data(request, slug: str):
    """A city's public figures, for anyone: small counts suppressed as for the bureau."""
    city = get_object_or_404(City, slug=slug)
    public = set(PublicFigure.objects.filter(city=city).values_list("figure", flat=True))
    if not public:
        raise Http404
    today = timezone.localdate()
    start, end = figures.default_period(today)
    base = figures.Scope(today=today, start=start, end=end, city_ids=(city.pk,))
    form = ThroughputFilterForm(request.GET, cities=City.objects.none(),
                                buildings=Building.objects.filter(city=city, archived=False),
                                today=today, choose_city=False)
    scope = form.scope(base)
    sections = _sections(scope, suppressed=True, query=_query(request), only=public,
                         api_name="api:open-data-figure", api_kwargs={"slug": city.slug})
    return render(request, "broedplaats/open_data.html",
                  {"city": city, "form": form, "sections": sections, "scope": scope,
                   "computed_at": _computed_at(sections),
                   "refresh": ThroughputRefresh.objects.order_by("-finished_at").first(),
                   "small": figures.SMALL})
