"""The building list and the API lists cut their page over ids first and count per row shown
(PagedByIds, subqueries per building): the same rows, order and numbers as counting every
building before the cut, and a query count that does not grow with the rows."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from broedplaats.models import Building, EndReason, Tenancy
from broedplaats.selectors import space_is_free, tenancies_running
from broedplaats.selectors.places import running_on
from broedplaats.views.public import BUILDINGS_PER_PAGE
from chains.models import StageCode
from tests.factories import (
    BuildingFactory,
    ChainFactory,
    CityFactory,
    SpaceFactory,
    TenancyFactory,
    facility,
    stage,
)

pytestmark = pytest.mark.django_db


def _let_now(space):
    today = timezone.localdate()
    return TenancyFactory(space=space, start=today - timedelta(days=30),
                          planned_end=today + timedelta(days=300))


def _buildings(count: int) -> list:
    """`count` buildings over two cities (names out of creation order), each with 0-3 active
    spaces, some let today, one archived space, and an archived building that is never shown."""
    cities = [CityFactory(name="Zaandam", slug="zaandam"), CityFactory(name="Amsterdam",
                                                                       slug="amsterdam")]
    chain = ChainFactory()
    buildings = []
    for n in range(count):
        building = BuildingFactory(city=cities[n % 2], name=f"Pand {(n * 7) % count:03d}",
                                   chains=[chain])
        for s in range(n % 4):
            space = SpaceFactory(building=building, area_m2=Decimal(10 + s),
                                 stages=[stage("idea")], facilities=[facility("water")])
            if (n + s) % 3 == 0:
                _let_now(space)
        SpaceFactory(building=building, archived=True, area_m2=Decimal("99"))
        buildings.append(building)
    BuildingFactory(city=cities[0], archived=True)
    return buildings


def _expected(buildings) -> list[tuple]:
    """The list worked out by hand: (slug, active spaces, free today), by city then name."""
    today = timezone.localdate()
    rows = []
    for building in sorted(buildings, key=lambda b: (b.city.name, b.name)):
        active = [space for space in building.spaces.all() if not space.archived]
        free = [space for space in active if space_is_free(space=space, on=today)]
        rows.append((building.slug, len(active), len(free)))
    return rows


def test_building_list_pages_show_the_same_rows_order_and_counts(client):
    expected = _expected(_buildings(30))
    shown = []
    for number in (1, 2):
        page = client.get(reverse("building-list"), {"page": number}).context["page"]
        assert page.paginator.count == 30
        shown += [(b.slug, b.space_count, b.free_count) for b in page.object_list]
    assert len(expected) > BUILDINGS_PER_PAGE
    assert shown == expected


def test_building_list_free_now_keeps_the_order_and_counts(client):
    expected = [row for row in _expected(_buildings(30)) if row[2]]
    response = client.get(reverse("building-list"), {"free_now": "true"},
                          headers={"HX-Request": "true"})
    shown = [(b.slug, b.space_count, b.free_count) for b in response.context["page"].object_list]
    assert shown == expected[:BUILDINGS_PER_PAGE]
    assert response.context["page"].paginator.count == len(expected)


def test_building_list_page_out_of_range_shows_the_last_page(client):
    expected = _expected(_buildings(30))
    for number in ("99", "nonsense"):
        response = client.get(reverse("building-list"), {"page": number})
        assert response.status_code == 200
    page = client.get(reverse("building-list"), {"page": "99"}).context["page"]
    assert [b.slug for b in page.object_list] == [row[0] for row in expected[BUILDINGS_PER_PAGE:]]


def test_api_building_list_gives_the_same_rows_order_and_counts():
    expected = _expected(_buildings(30))
    rows = APIClient().get(reverse("api:building-list")).json()["results"]
    assert [(row["slug"], row["space_count"], row["free_count"]) for row in rows] == expected


def test_api_building_list_orders_by_free_count_over_all_rows():
    expected = _expected(_buildings(30))
    response = APIClient().get(reverse("api:building-list"), {"ordering": "-free_count"})
    free = [row["free_count"] for row in response.json()["results"]]
    assert free == sorted((row[2] for row in expected), reverse=True)


def test_api_space_list_gives_the_same_rows_order_and_let_flags():
    buildings = _buildings(30)
    today = timezone.localdate()
    spaces = sorted((space for b in buildings for space in b.spaces.all() if not space.archived),
                    key=lambda space: (space.building.name, space.code))
    expected = [(space.pk, not space_is_free(space=space, on=today)) for space in spaces][:50]
    rows = APIClient().get(reverse("api:space-list")).json()["results"]
    assert [(row["id"], row["is_let"]) for row in rows] == expected


def test_api_list_page_out_of_range_is_a_404_not_a_500():
    _buildings(3)
    response = APIClient().get(reverse("api:building-list"), {"page": 99})
    assert response.status_code == 404


@pytest.mark.parametrize("count", [3, 30])
@pytest.mark.parametrize("query", [{}, {"free_now": "true"}, {"page": "2"}])
def test_building_list_htmx_results_query_count_is_constant(client, django_assert_max_num_queries,
                                                            count, query):
    _buildings(count)
    # page count, the page's ids and rows (one query), chain focus
    with django_assert_max_num_queries(3):
        response = client.get(reverse("building-list"), query, headers={"HX-Request": "true"})
    assert response.status_code == 200


@pytest.mark.parametrize("count", [3, 30])
def test_api_building_list_query_count_is_constant(django_assert_max_num_queries, count):
    _buildings(count)
    # page count, the page's ids and rows (one query), chain focus
    with django_assert_max_num_queries(3):
        response = APIClient().get(reverse("api:building-list"), {"free_now": "true"})
    assert response.status_code == 200


@pytest.mark.parametrize("count", [3, 30])
def test_api_space_list_query_count_is_constant(django_assert_max_num_queries, count):
    _buildings(count)
    # page count, the page's ids and rows (one query), facilities, stages
    with django_assert_max_num_queries(4):
        response = APIClient().get(reverse("api:space-list"), {"free_now": "false"})
    assert response.status_code == 200


# --- counts for the rows shown only, the filter evaluated once ------------------------------------

BUILDING_IDS_IN = re.compile(r'"broedplaats_building"\."id" IN \(([\d, ]+)\)')
COUNTS = re.compile(r'AS "free_count"')


def _free_buildings(count: int) -> list:
    """`count` buildings in one city, each with a free space and a let one."""
    city = CityFactory(name="Zaandam", slug="zaandam")
    buildings = []
    for n in range(count):
        building = BuildingFactory(city=city, name=f"Pand {n:03d}")
        SpaceFactory(building=building)
        _let_now(SpaceFactory(building=building))
        buildings.append(building)
    return buildings


def _counted_ids(queries) -> list[list[int]]:
    """Per query that computes the per-building counts: the building ids it is restricted to."""
    counted = []
    for query in queries:
        if COUNTS.search(query["sql"]):
            match = BUILDING_IDS_IN.search(query["sql"].rsplit(" WHERE ", 1)[-1])
            assert match, f"counts for every building, not the page's: {query['sql']}"
            counted.append([int(pk) for pk in match.group(1).split(",")])
    return counted


@pytest.mark.parametrize("count", [3, 60])
def test_building_list_free_now_counts_only_the_rows_shown(client, count):
    _free_buildings(count)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("building-list"), {"free_now": "true"},
                              headers={"HX-Request": "true"})
    shown = [building.pk for building in response.context["page"].object_list]
    assert len(shown) == min(count, BUILDINGS_PER_PAGE)
    assert response.context["page"].paginator.count == count
    # One query computes the counts, for exactly the buildings shown, named by their ids.
    assert _counted_ids(captured.captured_queries) == [shown]
    # The free-now filter runs in one query only (the total with the page's ids), not again
    # for the count or the page's rows: only that query reads tenancies outside its SELECT.
    filtering = [query for query in captured.captured_queries
                 if "broedplaats_tenancy" in query["sql"].split(" FROM ", 1)[-1].split(
                     "AS \"free_count\"")[-1] and not COUNTS.search(query["sql"])]
    assert len(filtering) == 1


@pytest.mark.parametrize("count", [3, 60])
def test_api_building_list_free_now_counts_only_the_rows_shown(count):
    _free_buildings(count)
    with CaptureQueriesContext(connection) as captured:
        body = APIClient().get(reverse("api:building-list"), {"free_now": "true"}).json()
    assert body["count"] == count
    shown = [row["slug"] for row in body["results"]]
    assert len(shown) == min(count, 50)
    counted = _counted_ids(captured.captured_queries)
    assert len(counted) == 1 and len(counted[0]) == len(shown)
    assert sorted(Building.objects.filter(pk__in=counted[0]).values_list("slug", flat=True)) \
        == sorted(shown)


@pytest.mark.parametrize("count", [3, 60])
def test_api_building_list_page_2_counts_only_its_rows(count):
    _free_buildings(count)
    with CaptureQueriesContext(connection) as captured:
        response = APIClient().get(reverse("api:building-list"), {"free_now": "true", "page": 2})
    if count <= 50:
        assert response.status_code == 404
        return
    shown = [row["slug"] for row in response.json()["results"]]
    assert len(shown) == count - 50
    counted = _counted_ids(captured.captured_queries)
    assert len(counted) == 1
    assert sorted(Building.objects.filter(pk__in=counted[0]).values_list("slug", flat=True)) \
        == sorted(shown)


@pytest.mark.parametrize("count", [3, 60])
def test_api_space_list_free_now_flags_only_the_rows_shown(count):
    buildings = _free_buildings(count)
    with CaptureQueriesContext(connection) as captured:
        rows = APIClient().get(reverse("api:space-list"), {"free_now": "true"}).json()["results"]
    today = timezone.localdate()
    free = sorted((space for b in buildings for space in b.spaces.all()
                   if space_is_free(space=space, on=today)),
                  key=lambda space: (space.building.name, space.code))
    assert [(row["id"], row["is_let"]) for row in rows] == [(space.pk, False)
                                                             for space in free][:50]
    # `is_let` is computed in the query that reads the page's rows, which is restricted to
    # the page's ids (read with the count, `COUNT(*) OVER ()`), not for every space.
    let_flags = [query["sql"] for query in captured.captured_queries if 'AS "is_let"' in query["sql"]]
    assert len(let_flags) == 1
    cut = re.search(r'"broedplaats_space"\."id" IN \(([\d, ]+)\)', let_flags[0])
    assert cut and sorted(int(pk) for pk in cut.group(1).split(",")) \
        == sorted(row["id"] for row in rows)
    assert len(rows) == min(count, 50)
    assert sum("OVER ()" in query["sql"] for query in captured.captured_queries) == 1
    assert len(captured.captured_queries) == 4  # count with ids, page, facilities, stages


def test_api_space_list_by_stage_cuts_the_page_apart_from_the_count():
    """Other filters keep the separate count: the page is cut along the name index and stops
    after its rows, where a window would read every row (docs/benchmarks.md)."""
    for building in _free_buildings(3):
        for space in building.spaces.all():
            space.stages.set([stage(StageCode.MAKING)])
    with CaptureQueriesContext(connection) as captured:
        response = APIClient().get(reverse("api:space-list"), {"stage": "making"})
    assert response.status_code == 200 and response.json()["count"] == 6
    assert not any("OVER ()" in query["sql"] for query in captured.captured_queries)
    let_flags = [query["sql"] for query in captured.captured_queries if 'AS "is_let"' in query["sql"]]
    assert len(let_flags) == 1
    assert re.search(r'"broedplaats_space"\."id" IN \(SELECT .* LIMIT \d+\)', let_flags[0])


def test_tenancies_running_is_running_on_in_the_form_an_index_serves():
    """tenancies_running (COALESCE(actual_end, planned_end) > on) holds the same tenancies as
    running_on (the end that counts spelled out), on every day around their ends."""
    start = date(2025, 1, 1)
    tenancies = [
        TenancyFactory(start=start, planned_end=date(2025, 7, 1)),  # runs as planned
        TenancyFactory(start=start, planned_end=date(2025, 7, 1), actual_end=date(2025, 3, 1),
                       end_reason=EndReason.OTHER),  # ended early
        TenancyFactory(start=start, planned_end=date(2025, 3, 1), actual_end=date(2025, 7, 1),
                       end_reason=EndReason.OTHER),  # ended after its planned end
        TenancyFactory(start=start, planned_end=date(2025, 7, 1), actual_end=start,
                       end_reason=EndReason.OTHER),  # cancelled on its start
        TenancyFactory(start=date(2025, 5, 1), planned_end=date(2025, 9, 1)),  # starts later
    ]
    ids = [tenancy.pk for tenancy in tenancies]
    for day in (date(2024, 12, 31), start, date(2025, 2, 28), date(2025, 3, 1),
                date(2025, 4, 30), date(2025, 5, 1), date(2025, 6, 30), date(2025, 7, 1),
                date(2025, 8, 31), date(2025, 9, 1)):
        spelled_out = set(Tenancy.objects.filter(running_on(day), pk__in=ids)
                          .values_list("pk", flat=True))
        assert set(tenancies_running(day).filter(pk__in=ids).values_list("pk", flat=True)) \
            == spelled_out, day
    assert set(tenancies_running(date(2025, 4, 30)).filter(pk__in=ids)
               .values_list("pk", flat=True)) == {ids[0], ids[2]}
