"""A new user logs in as each role and browses buildings and spaces in Dutch and English."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from broedplaats.roles import CITY_BUREAU, CREATIVE, PROGRAMMER
from tests.e2e.steps import log_in
from tests.factories import (
    BuildingFactory,
    ChainFactory,
    CityFactory,
    CreativeFactory,
    SpaceFactory,
    StageMoveFactory,
    TenancyFactory,
    UserFactory,
    stage,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]



@pytest.fixture
def demo():
    city = CityFactory(name="Amsterdam", slug="amsterdam")
    chain = ChainFactory(name="Mode", name_en="Fashion", slug="mode")
    programmer = UserFactory(username="prog", roles=[PROGRAMMER])
    building = BuildingFactory(name="De Ceuvel", slug="de-ceuvel", city=city, chains=[chain],
                               programmers=[programmer])
    SpaceFactory(building=building, code="A1", stages=[stage("idea")])
    let = SpaceFactory(building=building, code="B2", stages=[stage("making")])
    today = timezone.localdate()
    TenancyFactory(space=let, start=today - timedelta(days=60), planned_end=today + timedelta(days=300))
    creative_user = UserFactory(username="maker", roles=[CREATIVE])
    creative = CreativeFactory(user=creative_user, name="Anna Maker")
    StageMoveFactory(creative=creative, to_stage=stage("idea"), moved_on=today - timedelta(days=90))
    bureau = UserFactory(username="bureau", roles=[CITY_BUREAU])
    city.bureau_members.add(bureau)
    return building


@pytest.mark.parametrize(
    ("username", "heading_nl", "heading_en"),
    [
        ("maker", "Mijn overzicht", "My overview"),
        ("prog", "Mijn broedplaatsen", "My buildings"),
        ("bureau", "Stadsoverzicht", "City overview"),
    ],
)
def test_each_role_logs_in_and_browses_in_dutch_and_english(
    page, demo, username, heading_nl, heading_en
):
    log_in(page, username)
    assert page.locator("h1").inner_text() == heading_nl

    page.click("nav >> text=Broedplaatsen")
    page.click("text=De Ceuvel")
    assert page.locator("h1").inner_text() == "De Ceuvel"
    assert page.locator("text=1 ruimte nu vrij").count() == 1

    page.click("button[name=language][value=en]")
    assert page.locator("h1").inner_text() == "De Ceuvel"
    assert page.locator("text=1 space free now").count() == 1
    assert page.locator("html").get_attribute("lang") == "en"

    page.click("nav >> text=Buildings")
    assert page.locator("h1").inner_text() == "Broedplaatsen"
    page.goto("/home/")
    assert page.locator("h1").inner_text() == heading_en


def test_filtering_the_building_list_updates_results_in_place(page, demo):
    BuildingFactory(name="Ander Pand", city=CityFactory(name="Rotterdam", slug="rotterdam"))
    page.goto("/")
    assert page.locator("text=2 broedplaatsen").count() == 1
    page.select_option("select[name=city]", "rotterdam")
    page.wait_for_url(re.compile(r"city=rotterdam"))
    page.locator("text=1 broedplaats").wait_for()
    assert page.locator("#results").inner_text().count("Ander Pand") == 1
    assert "De Ceuvel" not in page.locator("#results").inner_text()
