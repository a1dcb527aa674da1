"""Issue 9: a building's tenancy timeline in a browser, at a desktop's 1280 px and a phone's
390 px. The chart scrolls inside its own box and the page never sideways; a bar leads to the
tenancy's actions; ending it with a date before its start shows the error once, beside the
date, which has the focus and is in view. With BROEDPLAATS_SCREENSHOTS=1 the timeline is saved
for the docs (docs/screenshots/timeline-1280.png, -390.png); otherwise into the test's
directory."""

import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format

from broedplaats.models import EndReason
from broedplaats.roles import PROGRAMMER
from tests.e2e.steps import log_in
from tests.factories import (
    BuildingFactory,
    CreativeFactory,
    PolicyFactory,
    SpaceFactory,
    TenancyFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
NAMES = ["Studio Noord", "Anna de Klei", "Mateo Veenstra", "Collectief Kadewerk", "Iris Tahiri",
         "Lotte de Boer", "Ruiswerk B.V.", "Youssef Dekker", "Julia Prins", "Rookkamer",
         "Sven Kuipers", "Fatima Yilmaz", "Olga Veenstra", "Koen van den Berg"]


@pytest.fixture
def ndsm():
    """A building of 12 spaces, one free: in each other space a past tenancy and a current one
    (sometimes after a free gap, once after ending early), in two a coming one after the
    current; Anna de Klei rents A.01 now."""
    today = timezone.localdate()
    policy = PolicyFactory(valid_from=date(2015, 1, 1))
    programmer = UserFactory(username="prog", roles=[PROGRAMMER])
    building = BuildingFactory(name="NDSM-werf", slug="ndsm", city=policy.city,
                               programmers=[programmer])
    creatives = iter(CreativeFactory(name=name) for name in NAMES * 3)
    anna = None
    for index in range(12):
        space = SpaceFactory(building=building, code=f"A.{index + 1:02d}")
        if index == 5:
            continue  # free all year
        past_end = today - timedelta(days=30 + 20 * index)
        ended_early = index == 4
        TenancyFactory(space=space, creative=next(creatives),
                       start=past_end - timedelta(days=700),
                       planned_end=past_end + timedelta(days=200 if ended_early else 0),
                       actual_end=past_end if ended_early else None,
                       end_reason=EndReason.OUTFLOW_TO_MARKET if ended_early else "")
        start = past_end + timedelta(days=21 if index % 2 else 0)  # sometimes a free gap
        coming = index in (3, 8)
        end = today + timedelta(days=90) if coming else start + timedelta(days=730)
        tenancy = TenancyFactory(space=space, creative=next(creatives), start=start,
                                 planned_end=end)
        if coming:
            TenancyFactory(space=space, creative=next(creatives),
                           start=end + timedelta(days=14), planned_end=end + timedelta(days=744))
        anna = anna or tenancy
    return {"building": building, "anna": anna, "today": today}


def screenshot_path(tmp_path, width: int) -> Path:
    folder = SCREENSHOTS if os.environ.get("BROEDPLAATS_SCREENSHOTS") else tmp_path
    return folder / f"timeline-{width}.png"


def assert_no_sideways_scroll(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", [1280, 390])
def test_a_bar_leads_to_the_tenancy_and_a_bad_end_date_shows_beside_it(page, ndsm, tmp_path,
                                                                        width):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, "prog")
    page.goto("/programmer/buildings/ndsm/tenancies/")
    assert page.locator("h1").inner_text() == "Huurovereenkomsten van NDSM-werf"
    assert_no_sideways_scroll(page, width)

    # The chart: 12 rows, months as columns, today marked; in its own named scrolling box.
    region = page.get_by_role("region")
    assert region.get_attribute("aria-labelledby") == "tl-period"
    assert page.locator(".tl-rows > li").count() == 12
    assert page.locator(".tl-scale > span").count() == 12
    assert page.locator(".tl-today").count() == 1
    scroll = page.evaluate("[...document.querySelectorAll('.tl-scroll')].map("
                           "box => [box.scrollWidth, box.clientWidth])")[0]
    if width == 390:
        assert scroll[0] > scroll[1]  # the chart scrolls inside its box
    else:
        assert scroll[0] <= scroll[1]
    # The list beside it: the current and coming tenancies, each with its actions.
    assert page.locator(".tl-list tbody tr").count() == 13
    page.screenshot(path=str(screenshot_path(tmp_path, width)), full_page=True)

    # A bar is a link named in full; focused, it shows its dates.
    anna = ndsm["anna"]
    with translation.override("nl"):
        start = date_format(anna.start, "DATE_FORMAT")  # 1 maart 2026
    bar = page.get_by_role("link", name=f"Anna de Klei, A.01, {start} – ")
    assert bar.count() == 1
    assert bar.locator(".tl-more").bounding_box()["width"] <= 1  # hidden until hover or focus
    bar.focus()
    assert bar.locator(".tl-more").bounding_box()["width"] > 50  # not only to a reader
    assert start in bar.inner_text()
    bar.click()
    page.wait_for_url(f"**/programmer/tenancies/{anna.pk}/actions/**")
    assert_no_sideways_scroll(page, width)
    assert page.locator(f"form#renew-{anna.pk}").count() == 1
    assert page.locator(f"form#cancel-{anna.pk}").count() == 0  # running: not cancellable

    # Ending it before its start: refused, once, beside the date, which gets the focus.
    end_form = page.locator(f"form#end-{anna.pk}")
    field = f"end-{anna.pk}-on"
    end_form.locator(f"input[name='{field}']").fill(
        (anna.start - timedelta(days=1)).isoformat())
    end_form.locator(f"select[name='end-{anna.pk}-reason']").select_option("other")
    end_form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    errors = page.locator(".error")
    assert errors.count() == 1
    assert "Het einde kan niet voor het begin liggen" in errors.inner_text()
    described = page.locator(f"input[name='{field}']").get_attribute("aria-describedby")
    assert errors.get_attribute("id") in described.split()
    assert page.evaluate("document.activeElement.name") == field
    in_view = page.evaluate(
        "(() => { const box = document.activeElement.getBoundingClientRect();"
        " return box.top >= 0 && box.bottom <= window.innerHeight; })()")
    assert in_view
    assert_no_sideways_scroll(page, width)
    anna.refresh_from_db()
    assert anna.actual_end is None

    # Ended on a good date, back on the timeline: the bar is past, no longer actionable.
    page.locator(f"input[name='{field}']").fill(ndsm["today"].isoformat())
    page.locator(f"form#end-{anna.pk} button[type=submit]").click()
    page.wait_for_url("**/programmer/buildings/ndsm/tenancies/?from=*")
    anna.refresh_from_db()
    assert anna.actual_end == ndsm["today"]
    assert page.locator(f"a.tl-bar[href^='/programmer/tenancies/{anna.pk}/actions/']").count() \
        == 0
    assert page.locator(".tl-list tbody tr").count() == 12
