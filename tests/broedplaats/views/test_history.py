"""A building's history page: its programmers (and admins) see every change to the building's
records with who, when and what, newest first, 24 a page, in a fixed number of queries; other
programmers do not find it, creatives and the bureau are refused."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from broedplaats.roles import CITY_BUREAU, CREATIVE, PROGRAMMER
from broedplaats.selectors.history import HISTORY_PER_PAGE
from broedplaats.services import call_close, offer_accept, space_update
from tests.factories import BuildingFactory, SpaceFactory, UserFactory
from tests.worlds import offer_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(today):
    return offer_world(today)


def history_url(building, page=None) -> str:
    url = reverse("programmer-building-history", args=[building.slug])
    return f"{url}?page={page}" if page else url


def page_of(user, building, language="nl", page=None):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client.get(history_url(building, page))


def test_a_change_shows_when_who_which_record_and_what_in_dutch(world, today):
    programmer = world["programmer"]
    programmer.first_name, programmer.last_name = "Piet", "Klaassen"
    programmer.save()
    call_close(call=world["call"], on=today + timedelta(days=2), by=programmer)
    response = page_of(programmer, world["building"])
    assert response.status_code == 200
    html = response.content.decode()
    first = html.split("<tbody>")[1].split("</tr>")[0]  # newest first
    assert "Piet Klaassen" in first
    assert "Ateliers" in first
    closes = (today + timedelta(days=30)).strftime("%-d-%-m-%Y")
    closed = (today + timedelta(days=2)).strftime("%-d-%-m-%Y")
    assert f"{closes} → {closed}" in first  # Dutch short dates, old → new


def test_offers_tenancies_and_applicants_appear_with_their_names(world, today):
    offer_accept(offer=world["offer"], on=today, by=world["users"][0])
    html = page_of(world["programmer"], world["building"], "en").content.decode()
    name = world["creatives"][0].name
    assert f"{world['spaces'][0].code} → {name}" in html  # the offer
    assert "Status: Open → Accepted" in html
    assert f"{world['spaces'][0].code}: {name}" in html  # the tenancy


def test_another_buildings_changes_are_not_shown(world, today):
    other = BuildingFactory(city=world["building"].city, name="Elders")
    space = SpaceFactory(building=other, code="ELDERS-1")
    space_update(space=space, on=today, description="Changed elsewhere")
    html = page_of(world["programmer"], world["building"], "en").content.decode()
    assert "ELDERS-1" not in html and "Changed elsewhere" not in html


def test_pages_hold_24_changes_newest_first(world, today):
    space = world["spaces"][1]
    for number in range(HISTORY_PER_PAGE + 3):
        space_update(space=space, on=today, description=f"Version {number}")
    html = page_of(world["programmer"], world["building"], "en").content.decode()
    rows = html.split("<tbody>")[1].split("</tbody>")[0].count("<tr>")
    assert rows == HISTORY_PER_PAGE
    assert html.index(f"Version {HISTORY_PER_PAGE + 2}") < html.index(f"Version {HISTORY_PER_PAGE}")
    second = page_of(world["programmer"], world["building"], "en", page=2).content.decode()
    assert "Version 0" in second


# Log-in and role (3), the building, count and page (3), then per kind on a page (8 kinds) its
# rows and the versions before them, one per tracked many-to-many (2), and one per kind of
# object a changed foreign key names: a bound the rows never raise.
MOST_QUERIES = 36


def test_queries_do_not_grow_with_the_changes(world, today, django_assert_max_num_queries):
    client = Client()
    client.force_login(world["programmer"])
    with django_assert_max_num_queries(MOST_QUERIES):
        client.get(history_url(world["building"]))
    for number in range(40):
        space_update(space=world["spaces"][number % 2], on=today, description=f"V {number}",
                     monthly_rent=200 + number)
    offer_accept(offer=world["offer"], on=today, by=world["users"][0])
    call_close(call=world["call"], on=today + timedelta(days=2), by=world["programmer"])
    for page in (1, 2, 3):
        with django_assert_max_num_queries(MOST_QUERIES):
            assert client.get(history_url(world["building"], page)).status_code == 200


def test_another_programmer_does_not_find_it(world):
    stranger = UserFactory(roles=[PROGRAMMER])
    BuildingFactory(programmers=[stranger])
    assert page_of(stranger, world["building"]).status_code == 404


@pytest.mark.parametrize("role", [CREATIVE, CITY_BUREAU])
def test_creatives_and_the_bureau_are_refused(world, role):
    assert page_of(UserFactory(roles=[role]), world["building"]).status_code == 403


def test_an_admin_sees_any_buildings_history(world):
    admin = UserFactory(is_superuser=True, is_staff=True)
    assert page_of(admin, world["building"]).status_code == 200


def test_the_page_has_no_form_that_writes(world):
    html = page_of(world["programmer"], world["building"]).content.decode()
    main = html.split("<main")[1].split("</main>")[0]
    assert "<form" not in main and "<input" not in main
