"""Issue 9: a creative's overview in a browser, at a desktop's 1280 px and a phone's 390 px.
The path bar's segments show, nothing scrolls sideways, and the full history opens from its
<details>. With BROEDPLAATS_SCREENSHOTS=1 the two views are saved for the README
(docs/screenshots/creative-overview-1280.png, -390.png); otherwise into the test's directory."""

import os
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from broedplaats.models import Application, ApplicationStatus, Call, Offer
from broedplaats.roles import CREATIVE
from tests.e2e.steps import log_in
from tests.factories import (
    BuildingFactory,
    ChainFactory,
    CreativeFactory,
    DisciplineFactory,
    PolicyFactory,
    SpaceFactory,
    StageMoveFactory,
    TenancyFactory,
    UserFactory,
    stage,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


@pytest.fixture
def anna():
    """A ceramicist five years along her chain across three buildings, renting a workshop
    (one renewal of two used), with an open offer and two open applications."""
    today = timezone.localdate()
    policy = PolicyFactory(valid_from=date(2015, 1, 1), max_renewals=2)
    city = policy.city
    chain = ChainFactory(name="Ambacht & food", name_en="Crafts & food", slug="ambacht")
    discipline = DisciplineFactory(chain=chain, name="Keramist", slug="keramist")
    ceuvel = BuildingFactory(name="De Ceuvel", slug="de-ceuvel", city=city, chains=[chain])
    fabriek = BuildingFactory(name="Cultuurfabriek Noord", slug="cultuurfabriek", city=city,
                              chains=[chain])
    showroom = BuildingFactory(name="Het Glazen Huis", slug="glazen-huis", city=city,
                               chains=[chain])
    user = UserFactory(username="anna", roles=[CREATIVE])
    creative = CreativeFactory(user=user, name="Anna de Klei", discipline=discipline)
    idea, making, distribution = stage("idea"), stage("making"), stage("distribution")
    for months, source, target, place in [
        (62, None, idea, ceuvel), (55, None, idea, ceuvel), (46, idea, making, ceuvel),
        (27, None, making, fabriek), (8, making, distribution, showroom),
    ]:
        StageMoveFactory(creative=creative, from_stage=source, to_stage=target, building=place,
                         moved_on=months_before(today, months))
    space = SpaceFactory(building=fabriek, code="W2.07", area_m2=Decimal("55.00"),
                         monthly_rent=Decimal("410.96"))
    TenancyFactory(space=space, creative=creative, start=months_before(today, 27),
                   planned_end=months_before(today, -9), renewals=1)
    call = Call.objects.create(building=showroom, title="Winkelunits voor makers",
                               opens_on=today - timedelta(days=10),
                               closes_on=today + timedelta(days=18), published_at=timezone.now())
    Application.objects.create(creative=creative, building=showroom, call=call,
                               status=ApplicationStatus.SHORTLISTED, submitted_at=timezone.now())
    Application.objects.create(creative=creative, building=ceuvel,
                               status=ApplicationStatus.SUBMITTED, submitted_at=timezone.now())
    offered = Application.objects.create(creative=creative, building=showroom,
                                         status=ApplicationStatus.OFFERED,
                                         call=Call.objects.create(
                                             building=showroom, title="Showroom aan het IJ",
                                             opens_on=today - timedelta(days=40),
                                             closes_on=today - timedelta(days=20),
                                             published_at=timezone.now()),
                                         submitted_at=timezone.now())
    Offer.objects.create(application=offered,
                         space=SpaceFactory(building=showroom, code="S1", kind="showroom",
                                            monthly_rent=Decimal("289.50")),
                         start=months_before(today, -2), offered_on=today - timedelta(days=2),
                         reply_by=today + timedelta(days=7))
    return creative


def screenshot_path(tmp_path, width: int) -> Path:
    folder = SCREENSHOTS if os.environ.get("BROEDPLAATS_SCREENSHOTS") else tmp_path
    return folder / f"creative-overview-{width}.png"


@pytest.mark.parametrize("width", [1280, 390])
def test_the_overview_shows_the_path_bar_and_fits_the_screen(page, anna, tmp_path, width):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, "anna")
    page.goto("/home/creative/")
    assert page.locator("h1").inner_text() == "Mijn overzicht"

    segments = page.locator(".path-bar > li")
    assert segments.count() == 4  # two idea moves at De Ceuvel make one spell
    for index in range(4):
        assert segments.nth(index).is_visible()
    assert "Cultuurfabriek Noord" in segments.nth(2).inner_text()
    assert "1 jaar 7 maanden" in segments.nth(1).inner_text()  # making at De Ceuvel
    assert "€ 410,96" in page.locator(".rent-card").inner_text()

    # Wide: one row, each segment as wide as its days; narrow: stacked, full width.
    boxes = [segments.nth(index).bounding_box() for index in range(4)]
    if width == 1280:
        assert len({round(box["y"]) for box in boxes}) == 1
        assert boxes[1]["width"] > boxes[3]["width"]  # 19 months of making, 8 on show
    else:
        assert [box["y"] for box in boxes] == sorted(box["y"] for box in boxes)
        assert all(box["x"] + box["width"] <= width for box in boxes)
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    # The full list of moves opens from its summary.
    moves = page.locator("details.path-moves ol.timeline > li")
    assert not moves.first.is_visible()
    page.locator("details.path-moves > summary").click()
    assert moves.count() == 5 and moves.first.is_visible()
    page.locator("details.path-moves > summary").click()

    page.screenshot(path=str(screenshot_path(tmp_path, width)), full_page=True)
