"""Figures computed ahead: the nightly run stores each city's usual dashboard views (the
whole city, each chain, each discipline, each kind of space, over the default period, in each
language); the bureau's page, its API and open data read them for that day, say when they were
computed, and compute every other view (a building, another period, two filters together) live."""

from dataclasses import replace
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from broedplaats.models import Figure, FigureSnapshot, PublicFigure, SpaceKind
from broedplaats.roles import CITY_BUREAU
from broedplaats.selectors import throughput as figures
from broedplaats.services import figures_precompute, throughput_refresh
from tests.factories import (
    BuildingFactory,
    ChainFactory,
    CityFactory,
    CreativeFactory,
    DisciplineFactory,
    SpaceFactory,
    StageMoveFactory,
    TenancyFactory,
    UserFactory,
)


@pytest.fixture
def city(db, today, stages):
    """Amsterdam: a fashion building with three studios, two let; Rotterdam: one building."""
    fashion = ChainFactory(name="Mode", name_en="Fashion", slug="fashion")
    ChainFactory(name="Film", name_en="Film", slug="film")
    designer = DisciplineFactory(chain=fashion, slug="designer")
    amsterdam = CityFactory(name="Amsterdam", slug="amsterdam")
    rotterdam = CityFactory(name="Rotterdam", slug="rotterdam")
    building = BuildingFactory(city=amsterdam, name="Atelierhuis", chains=[fashion])
    for code in ("1.01", "1.02"):
        creative = CreativeFactory(discipline=designer)
        TenancyFactory(space=SpaceFactory(building=building, code=code), creative=creative,
                       start=today - timedelta(days=400), planned_end=today + timedelta(days=300))
        StageMoveFactory(creative=creative, to_stage=stages[0],
                         moved_on=today - timedelta(days=300), building=building)
    SpaceFactory(building=building, code="1.03")
    BuildingFactory(city=rotterdam, name="Loods")
    throughput_refresh()
    bureau = UserFactory(username="bureau", roles=[CITY_BUREAU])
    amsterdam.bureau_members.add(bureau)
    return {"amsterdam": amsterdam, "rotterdam": rotterdam, "building": building,
            "fashion": fashion, "designer": designer, "bureau": bureau}


def city_scope(city, today, **narrow):
    start, end = figures.default_period(today)
    return replace(figures.Scope(today=today, start=start, end=end,
                                 city_ids=(city["amsterdam"].pk,)), **narrow)


def occupancy_total(table) -> tuple:
    total = next(row for row in table.rows if row.get("is_total"))
    return total["spaces"], total["let"]


def test_the_nightly_run_stores_each_citys_views_in_each_language(city, today):
    views = 1 + 2 + 1 + len(SpaceKind.values)  # the city, 2 chains, 1 discipline, the kinds
    assert figures_precompute(on=today) == 2 * views
    stored = set(FigureSnapshot.objects.filter(city=city["amsterdam"])
                 .values_list("view", "language"))
    assert ("", "nl") in stored and ("", "en") in stored
    assert (f"chain={city['fashion'].pk}", "en") in stored
    assert ("kind=studio", "nl") in stored
    assert (f"discipline={city['designer'].pk}", "nl") in stored
    # A second run replaces the first: one row a view, language and day; one city's run
    # replaces only that city's.
    figures_precompute(on=today + timedelta(days=1))
    assert set(FigureSnapshot.objects.values_list("on", flat=True)) == {today + timedelta(days=1)}
    assert FigureSnapshot.objects.count() == 2 * views * 2
    assert figures_precompute(on=today + timedelta(days=2), cities=[city["rotterdam"]]) == views
    assert dict(FigureSnapshot.objects.values_list("city", "on").distinct()) == {
        city["amsterdam"].pk: today + timedelta(days=1),
        city["rotterdam"].pk: today + timedelta(days=2)}


@pytest.mark.usefixtures("english")
def test_stored_figures_equal_the_live_ones_when_computed(city, today):
    figures_precompute(on=today, cities=[city["amsterdam"]])
    for narrow in ({}, {"chain_id": city["fashion"].pk}, {"space_kind": "studio"},
                   {"discipline_id": city["designer"].pk,
                    "discipline_chain_id": city["fashion"].pk}):
        scope = city_scope(city, today, **narrow)
        ahead = figures.tables_ahead(scope)
        assert set(ahead) == set(Figure.values)
        for code in Figure.values:
            live = figures.FIGURES[Figure(code)](scope)
            assert ahead[code].rows == live.rows, (narrow, code)
            assert ahead[code].title == live.title
            assert ahead[code].computed_at is not None and live.computed_at is None
    assert occupancy_total(figures.figure_table("occupancy", city_scope(city, today))) == (3, 2)


@pytest.mark.parametrize("narrow, key", [
    ({}, ""),
    ({"chain_id": 7}, "chain=7"),
    ({"space_kind": "desk"}, "kind=desk"),
    ({"discipline_id": 3, "discipline_chain_id": 7}, "discipline=3"),
    ({"chain_id": 7, "space_kind": "desk"}, None),
    ({"building_ids": (1,)}, None),
    ({"city_ids": (1, 2)}, None),
    ({"city_ids": None}, None),
])
def test_which_scopes_are_views_computed_ahead(narrow, key, today):
    start, end = figures.default_period(today)
    scope = replace(figures.Scope(today=today, start=start, end=end, city_ids=(1,)), **narrow)
    assert figures.snapshot_key(scope) == key
    assert figures.snapshot_key(replace(scope, start=start + timedelta(days=1))) is None


def test_the_bureau_page_reads_the_views_computed_ahead_that_day(client, city, today,
                                                                 django_assert_max_num_queries):
    client.force_login(city["bureau"])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with django_assert_max_num_queries(80) as live:
        html = client.get(reverse("bureau-home")).content.decode()
    assert "computed ahead" not in html
    figures_precompute(on=today, cities=[city["amsterdam"]])
    # A studio let after the nightly run: the city's view still shows the night's figures
    # and says when they were computed; a building's view is computed now and has it.
    TenancyFactory(space=city["building"].spaces.get(code="1.03"),
                   start=today - timedelta(days=1), planned_end=today + timedelta(days=300))
    with django_assert_max_num_queries(len(live.captured_queries) - 30):
        response = client.get(reverse("bureau-home"))
    html = response.content.decode()
    assert "These figures were computed ahead on" in html
    occupancy = next(block["table"] for section in response.context["sections"]
                     for block in section["figures"] if block["table"].figure == "occupancy")
    assert occupancy_total(occupancy) == (3, 2)
    response = client.get(reverse("bureau-home"), {"building": city["building"].slug})
    assert "computed ahead" not in response.content.decode()
    occupancy = next(block["table"] for section in response.context["sections"]
                     for block in section["figures"] if block["table"].figure == "occupancy")
    assert occupancy_total(occupancy) == (3, 3)
    # A chain's and a discipline's views are stored too; a chain and a kind together are not,
    # nor another period.
    chained = client.get(reverse("bureau-home"), {"chain": "fashion"}).content.decode()
    assert "computed ahead" in chained
    discipline = client.get(reverse("bureau-home"), {"discipline": city["designer"].slug})
    assert "computed ahead" in discipline.content.decode()
    both = client.get(reverse("bureau-home"), {"chain": "fashion", "space_kind": "studio"})
    assert both.status_code == 200 and "computed ahead" not in both.content.decode()
    period = client.get(reverse("bureau-home"),
                        {"start": (today - timedelta(days=100)).isoformat()})
    assert period.status_code == 200 and "computed ahead" not in period.content.decode()


def test_yesterdays_figures_are_not_shown_today(client, city, today):
    figures_precompute(on=today - timedelta(days=1), cities=[city["amsterdam"]])
    client.force_login(city["bureau"])
    html = client.get(reverse("bureau-home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "computed ahead" not in html
    assert figures.tables_ahead(city_scope(city, today)) == {}


def test_each_language_reads_its_own_stored_figures(client, city, today):
    figures_precompute(on=today, cities=[city["amsterdam"]])
    client.force_login(city["bureau"])
    dutch = client.get(reverse("bureau-home"), HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    english = client.get(reverse("bureau-home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "vooruit berekend" in dutch and "Bezetting nu" in dutch
    assert "computed ahead" in english and "Occupancy now" in english
    assert "Occupancy now" not in dutch


def test_the_api_and_open_data_say_when_a_figure_was_computed(client, city, today):
    figures_precompute(on=today, cities=[city["amsterdam"]])
    client.force_login(city["bureau"])
    url = reverse("api:throughput-figure", args=["occupancy"])
    ahead = client.get(url).json()
    assert ahead["computed_at"] is not None
    assert client.get(url, {"building": city["building"].slug}).json()["computed_at"] is None
    client.logout()
    PublicFigure.objects.create(city=city["amsterdam"], figure="occupancy")
    public = client.get(reverse("api:open-data-figure", args=["amsterdam", "occupancy"])).json()
    assert public["computed_at"] == ahead["computed_at"]
    page = client.get(reverse("open-data-city", args=["amsterdam"]), HTTP_ACCEPT_LANGUAGE="en")
    assert "computed ahead" in page.content.decode()


def test_the_nightly_command_rebuilds_the_spells_then_computes_the_views(city, today):
    out = StringIO()
    call_command("refresh_throughput", stdout=out)
    assert "stage spells" in out.getvalue()
    assert "Computed the figures of 22 views ahead" in out.getvalue()
    assert set(FigureSnapshot.objects.values_list("on", flat=True)) == {today}
    FigureSnapshot.objects.all().delete()
    call_command("refresh_throughput", "--no-figures", stdout=StringIO())
    assert not FigureSnapshot.objects.exists()
