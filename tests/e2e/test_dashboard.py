"""A city bureau member in a browser: sees every throughput figure for Amsterdam, filters by
chain and period, sees the Sankey drawn, downloads a CSV and finds no personal data."""

from datetime import timedelta

import pytest
from django.utils import timezone

from broedplaats.models import EndReason
from broedplaats.roles import CITY_BUREAU
from broedplaats.services import figures_precompute, throughput_refresh
from tests.e2e.steps import log_in
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

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

FIGURES = ("occupancy", "occupancy-monthly", "vacancy", "longest-vacant", "demand", "waits",
           "flows", "time-in-stage", "cohorts", "completeness", "tenancies", "end-reasons",
           "tenancy-length", "social-return", "districts", "disciplines", "trends")
NAMES = [f"Maker Geheim {index}" for index in range(8)]


@pytest.fixture
def amsterdam(stages):
    """Eight fashion designers with histories at one Amsterdam building: each moved idea →
    making → distribution, four of them out to the market, so the flows pass 5."""
    idea, making, distribution = stages
    today = timezone.localdate()
    fashion = ChainFactory(name="Mode", name_en="Fashion", slug="mode")
    music = ChainFactory(name="Muziek", name_en="Music", slug="muziek")
    designer = DisciplineFactory(chain=fashion, name="Modeontwerper")
    city = CityFactory(name="Amsterdam", slug="amsterdam")
    building = BuildingFactory(city=city, name="De Ceuvel", chains=[fashion, music])
    for index, name in enumerate(NAMES):
        creative = CreativeFactory(name=name, email=f"geheim{index}@example.org",
                                   discipline=designer)
        space = SpaceFactory(building=building, code=f"A{index}")
        start = today - timedelta(days=700)
        moved = [(idea, 600), (making, 300), (distribution, 100)]
        previous = None
        for stage, days in moved:
            StageMoveFactory(creative=creative, from_stage=previous, to_stage=stage,
                             moved_on=today - timedelta(days=days), building=building)
            previous = stage
        if index < 4:
            StageMoveFactory(creative=creative, from_stage=distribution, to_stage=None,
                             to_market=True, moved_on=today - timedelta(days=20),
                             building=building)
            TenancyFactory(space=space, creative=creative, start=start,
                           planned_end=today + timedelta(days=300),
                           actual_end=today - timedelta(days=20),
                           end_reason=EndReason.OUTFLOW_TO_MARKET)
        else:
            TenancyFactory(space=space, creative=creative, start=start,
                           planned_end=today + timedelta(days=300))
    throughput_refresh()
    bureau = UserFactory(username="bureau", roles=[CITY_BUREAU])
    city.bureau_members.add(bureau)
    return city


def test_the_bureau_reads_filters_and_downloads_the_dashboard(page, amsterdam):
    log_in(page, "bureau")
    assert page.locator("h1").inner_text() == "Stadsoverzicht"
    for figure in FIGURES:
        assert page.locator(f"article#{figure}").count() == 1, figure

    # Filter by chain and period: the form puts them in the URL.
    start = (timezone.localdate() - timedelta(days=400)).isoformat()
    page.select_option("select[name=chain]", "mode")
    page.fill("input[name=start]", start)
    page.click("form.dashboard-filters button[type=submit]")
    assert "chain=mode" in page.url and f"start={start}" in page.url
    assert page.locator("select[name=chain]").input_value() == "mode"

    # The Sankey diagram is drawn, and its numbers are in the table under it.
    page.locator("article#flows").scroll_into_view_if_needed()
    page.wait_for_function(
        "() => { const c = document.querySelector('article#flows canvas');"
        " return window.Chart && c && Chart.getChart(c) && Chart.getChart(c).config.type === 'sankey'; }")
    flows = page.locator("article#flows table").inner_text()
    assert "Maken" in flows and "Verspreiden" in flows and "8" in flows

    # The CSV download holds the same figure, with the same filters.
    with page.expect_download() as download:
        page.click("article#flows a.csv")
    text = open(download.value.path(), encoding="utf-8").read()
    assert text.splitlines()[0] == "Van,Naar,Stappen"  # the labels, in the reader's language
    assert any(line.endswith(",8") for line in text.splitlines())

    # No personal data anywhere on the page or in the downloads.
    body = page.content()
    for name in NAMES:
        assert name not in body and name not in text
    assert "@example.org" not in body and "@example.org" not in text
    for figure in ("disciplines", "end-reasons", "longest-vacant"):
        with page.expect_download() as download:
            page.click(f"article#{figure} a.csv")
        csv_text = open(download.value.path(), encoding="utf-8").read()
        assert not any(name in csv_text for name in NAMES) and "@example.org" not in csv_text

    # Small counts read "< 5": four went out to the market.
    assert "< 5" in page.locator("article#end-reasons table").inner_text()


def test_the_dashboard_computed_ahead_says_so_and_fits_a_phone(page, amsterdam):
    figures_precompute()
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, "bureau")
    page.wait_for_url("**/home/bureau/")
    help_text = page.locator("p.help", has_text="vooruit berekend")
    assert help_text.count() == 1 and "nachtelijke run" in help_text.inner_text()
    for figure in FIGURES:
        assert page.locator(f"article#{figure}").count() == 1, figure
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # A building's figures are computed when asked: no such line.
    page.select_option("select[name=building]", index=1)
    page.click("form.dashboard-filters button[type=submit]")
    page.wait_for_url("**building=**")
    assert page.locator("p.help", has_text="vooruit berekend").count() == 0
