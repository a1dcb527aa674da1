"""The lists an integrator needs to find an id: cities (their slugs), open calls with their
spaces, a creative's own tenancies, the programmer's tenancies by creative or current; and
writes that never happen on a default the caller did not choose."""

from datetime import timedelta

import pytest

from broedplaats.models import Screening
from broedplaats.roles import CITY_BUREAU, CREATIVE, PROGRAMMER
from broedplaats.services import application_create, application_submit, call_create, call_publish
from tests.api import client_for, url
from tests.factories import (
    BuildingFactory,
    CityFactory,
    CreativeFactory,
    SpaceFactory,
    TenancyFactory,
    UserFactory,
)
from tests.worlds import place_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]




def creative_user():
    user = UserFactory(roles=[CREATIVE])
    return user, CreativeFactory(user=user)


@pytest.fixture
def place(db, today):
    return place_world(today)


# --- cities ------------------------------------------------------------------------------------

def test_anyone_lists_the_cities_by_name_with_the_slug_the_city_filter_takes(db):
    utrecht = CityFactory(name="Utrecht", slug="utrecht")
    CityFactory(name="Amsterdam", slug="amsterdam")
    response = client_for().get(url("city-list"))
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(row["slug"], row["name"]) for row in rows] == [("amsterdam", "Amsterdam"),
                                                            ("utrecht", "Utrecht")]
    # The slug found here is the one the building list filters on.
    BuildingFactory(city=utrecht, name="Werkplaats")
    BuildingFactory(name="Elders")
    buildings = client_for().get(url("building-list"), {"city": rows[1]["slug"]}).json()
    assert [row["name"] for row in buildings["results"]] == ["Werkplaats"]


def test_a_city_is_read_by_its_slug_and_an_unknown_one_is_not_found(db):
    CityFactory(name="Rotterdam", slug="rotterdam")
    response = client_for().get(url("city-detail", "rotterdam"))
    assert response.status_code == 200
    assert response.json()["name"] == "Rotterdam"
    assert response.json()["url"].endswith(url("city-detail", "rotterdam"))
    assert client_for().get(url("city-detail", "atlantis")).status_code == 404


@pytest.mark.parametrize("count", [3, 30])
def test_the_city_list_costs_the_same_queries_for_any_number(db, django_assert_max_num_queries,
                                                            count):
    for _ in range(count):
        CityFactory()
    with django_assert_max_num_queries(2):  # the count and the page
        assert client_for().get(url("city-list")).json()["count"] == count


# --- open calls --------------------------------------------------------------------------------

def test_anyone_lists_the_calls_open_today_with_the_spaces_they_offer(place, today):
    response = client_for().get(url("call-list"))
    assert response.status_code == 200
    [row] = response.json()["results"]
    call = place["call"]
    assert (row["id"], row["title"], row["building"], row["city"], row["is_open"]) == (
        call.pk, "Ateliers", place["building"].slug, place["building"].city.slug, True)
    assert sorted(space["id"] for space in row["spaces"]) == sorted(
        space.pk for space in place["spaces"])
    assert set(row["spaces"][0]) == {"id", "code", "kind", "area_m2", "monthly_rent"}


def test_drafts_and_closed_calls_are_not_listed_and_a_draft_is_not_found(place, today):
    programmer = place["programmer"]
    draft = call_create(building=place["building"], title="Concept", opens_on=today,
                        closes_on=today + timedelta(days=5), by=programmer)
    closed = call_create(building=place["building"], title="Voorbij",
                         opens_on=today - timedelta(days=30), closes_on=today - timedelta(days=1),
                         spaces=place["spaces"], by=programmer)
    call_publish(call=closed, on=today - timedelta(days=30), by=programmer)

    listed = client_for().get(url("call-list")).json()["results"]
    assert [row["title"] for row in listed] == ["Ateliers"]
    assert client_for().get(url("call-detail", draft.pk)).status_code == 404
    response = client_for().get(url("call-detail", closed.pk))
    assert response.status_code == 200
    assert response.json()["is_open"] is False


def test_open_calls_are_filtered_by_city_and_building(place, today):
    elsewhere = BuildingFactory(programmers=[place["programmer"]])
    call = call_create(building=elsewhere, title="Elders", opens_on=today,
                       closes_on=today + timedelta(days=5), spaces=[SpaceFactory(building=elsewhere)],
                       by=place["programmer"])
    call_publish(call=call, on=today, by=place["programmer"])
    api = client_for()
    by_city = api.get(url("call-list"), {"city": elsewhere.city.slug}).json()["results"]
    assert [row["title"] for row in by_city] == ["Elders"]
    by_building = api.get(url("call-list"), {"building": place["building"].slug}).json()
    assert [row["title"] for row in by_building["results"]] == ["Ateliers"]


@pytest.mark.parametrize("count", [2, 12])
def test_the_open_call_list_costs_the_same_queries_for_any_number(
    place, today, django_assert_max_num_queries, count
):
    for n in range(count):
        call = call_create(building=place["building"], title=f"Call {n}", opens_on=today,
                           closes_on=today + timedelta(days=5), spaces=place["spaces"],
                           stages=[], by=place["programmer"])
        call_publish(call=call, on=today, by=place["programmer"])
    # the count, the page, then spaces, chains, disciplines, stages and facilities
    with django_assert_max_num_queries(7):
        response = client_for().get(url("call-list"))
    assert response.json()["count"] == count + 1


# --- a creative's own tenancies ----------------------------------------------------------------

def test_a_creative_lists_only_their_own_tenancies(place, today):
    user, creative = creative_user()
    own = TenancyFactory(space=place["spaces"][0], creative=creative,
                         start=today - timedelta(days=10), planned_end=today + timedelta(days=300))
    TenancyFactory(space=place["spaces"][1], start=today - timedelta(days=10),
                   planned_end=today + timedelta(days=300))

    response = client_for(user).get(url("my-tenancy-list"))
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert (row["id"], row["space_id"], row["building"], row["creative_id"]) == (
        own.pk, own.space_id, place["building"].slug, creative.pk)


def test_a_creative_filters_their_tenancies_by_current(place, today):
    user, creative = creative_user()
    running = TenancyFactory(space=place["spaces"][0], creative=creative,
                             start=today - timedelta(days=10),
                             planned_end=today + timedelta(days=300))
    past = TenancyFactory(space=place["spaces"][1], creative=creative,
                          start=today - timedelta(days=400), planned_end=today - timedelta(days=30))
    api = client_for(user)
    current = api.get(url("my-tenancy-list"), {"current": "true"}).json()["results"]
    assert [row["id"] for row in current] == [running.pk]
    ended = api.get(url("my-tenancy-list"), {"current": "false"}).json()["results"]
    assert [row["id"] for row in ended] == [past.pk]
    response = api.get(url("my-tenancy-list"), {"current": "maybe"})
    assert response.status_code == 400
    assert "current" in response.json()


def test_another_creatives_tenancy_is_not_found(place, today):
    user, _creative = creative_user()
    tenancy = TenancyFactory(space=place["spaces"][0], start=today - timedelta(days=10),
                             planned_end=today + timedelta(days=300))
    assert client_for(user).get(url("my-tenancy-detail", tenancy.pk)).status_code == 404


@pytest.mark.parametrize("roles", [[PROGRAMMER], [CITY_BUREAU]])
def test_other_roles_are_refused_the_creatives_tenancies(place, roles):
    assert client_for(UserFactory(roles=roles)).get(url("my-tenancy-list")).status_code == 403


def test_anonymous_is_refused_the_creatives_tenancies(db):
    assert client_for().get(url("my-tenancy-list")).status_code in (401, 403)


@pytest.mark.parametrize("count", [2, 20])
def test_my_tenancies_cost_the_same_queries_for_any_number(
    db, today, django_assert_max_num_queries, count
):
    user, creative = creative_user()
    for n in range(count):
        TenancyFactory(creative=creative, start=today - timedelta(days=700 - 30 * n),
                       planned_end=today - timedelta(days=690 - 30 * n))
    api = client_for(user)
    # session, user, roles, the count, the page
    with django_assert_max_num_queries(5):
        assert api.get(url("my-tenancy-list")).json()["count"] == count


# --- the programmer's tenancies by creative and current ----------------------------------------

def test_programmer_filters_tenancies_by_creative_and_current(place, today):
    anna, bram = CreativeFactory(), CreativeFactory()
    running = TenancyFactory(space=place["spaces"][0], creative=anna,
                             start=today - timedelta(days=10),
                             planned_end=today + timedelta(days=300))
    ended = TenancyFactory(space=place["spaces"][1], creative=anna,
                           start=today - timedelta(days=400), planned_end=today - timedelta(days=30))
    other = TenancyFactory(space=place["spaces"][1], creative=bram,
                           start=today - timedelta(days=20), planned_end=today + timedelta(days=30))
    api = client_for(place["programmer"])

    def ids(**query):
        response = api.get(url("programmer-tenancy-list"), query)
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids(creative=anna.pk) == {running.pk, ended.pk}
    assert ids(current="true") == {running.pk, other.pk}
    assert ids(creative=anna.pk, current="false") == {ended.pk}
    assert ids(building=place["building"].slug) == {running.pk, ended.pk, other.pk}
    response = api.get(url("programmer-tenancy-list"), {"creative": "anna"})
    assert response.status_code == 400
    assert "creative" in response.json()


def test_the_creative_filter_never_reaches_another_programmers_tenancies(place, today):
    creative = CreativeFactory()
    TenancyFactory(space=SpaceFactory(), creative=creative, start=today - timedelta(days=10),
                   planned_end=today + timedelta(days=300))
    rows = client_for(place["programmer"]).get(url("programmer-tenancy-list"),
                                               {"creative": creative.pk}).json()["results"]
    assert rows == []


# --- no write on a default the caller did not choose ---------------------------------------------

@pytest.mark.parametrize("left_out", ["professional_practice", "income_within_limit"])
def test_a_form_encoded_screening_leaving_out_a_yes_or_no_is_refused(place, today, left_out):
    _user, creative = creative_user()
    application = application_submit(
        application=application_create(creative=creative, call=place["call"], on=today), on=today)
    body = {"professional_practice": "true", "income_within_limit": "true"}
    del body[left_out]
    response = client_for(place["programmer"]).post(
        url("programmer-application-screening", application.pk), body)  # form-encoded
    assert response.status_code == 400
    assert list(response.json()) == [left_out]
    assert not Screening.objects.exists()
