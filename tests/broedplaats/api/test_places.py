from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from broedplaats.models import SpaceKind
from broedplaats.services import api_token_create
from tests.factories import (
    BuildingFactory,
    ChainFactory,
    CityFactory,
    SpaceFactory,
    TenancyFactory,
    UserFactory,
    facility,
    stage,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def let_today(space):
    """A tenancy that holds the space today (the API's "now" is the local date)."""
    today = timezone.localdate()
    return TenancyFactory(space=space, start=today - timedelta(days=30),
                          planned_end=today + timedelta(days=365))


def slugs(response):
    return [row["slug"] for row in response.json()["results"]]


def ids(response):
    return [row["id"] for row in response.json()["results"]]


# --- buildings --------------------------------------------------------------------------------

def test_building_list_is_public_and_shows_each_building_with_its_counts(api):
    fashion = ChainFactory(slug="fashion")
    building = BuildingFactory(
        slug="de-fabriek", name="De Fabriek", city=CityFactory(slug="amsterdam", name="Amsterdam"),
        address="Werkstraat 1", postcode="1012 AB", latitude=Decimal("52.370216"),
        longitude=Decimal("4.895168"), chains=[fashion],
    )
    let_today(SpaceFactory(building=building))
    SpaceFactory(building=building)
    SpaceFactory(building=building, archived=True)

    response = api.get(reverse("api:building-list"))

    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert row == {
        "url": "http://testserver/api/buildings/de-fabriek/",
        "slug": "de-fabriek",
        "name": "De Fabriek",
        "city": {"slug": "amsterdam", "name": "Amsterdam"},
        "address": "Werkstraat 1",
        "postcode": "1012 AB",
        "coordinates": {"latitude": "52.370216", "longitude": "4.895168"},
        "operator_name": "Stichting Ateliers",
        "operator_kind": "foundation",
        "cluster_type": "mixed",
        "chain_focus": ["fashion"],
        "temporary_until": None,
        "space_count": 2,
        "free_count": 1,
    }


def test_building_list_hides_archived_buildings(api):
    BuildingFactory(slug="open")
    BuildingFactory(slug="closed", archived=True)
    assert slugs(api.get(reverse("api:building-list"))) == ["open"]


def test_building_detail_is_found_by_slug_with_spaces_and_chain_stage_coverage(api):
    fashion = ChainFactory(slug="fashion")
    building = BuildingFactory(slug="de-fabriek", chains=[fashion])
    SpaceFactory(building=building, code="A1", stages=[stage("making")],
                 facilities=[facility("water")])
    let_today(SpaceFactory(building=building, code="B2", stages=[stage("idea")]))
    SpaceFactory(building=building, code="C3", stages=[stage("distribution")], archived=True)

    response = api.get(reverse("api:building-detail", kwargs={"slug": "de-fabriek"}))

    assert response.status_code == 200
    body = response.json()
    assert [(s["code"], s["is_let"], s["stages"]) for s in body["spaces"]] == [
        ("A1", False, ["making"]), ("B2", True, ["idea"]),
    ]
    assert body["spaces"][0]["facilities"] == ["water"]
    assert body["chain_stages"] == [{
        "chain": "fashion", "name": fashion.name,
        "stages": [{"stage": "idea", "housed": True}, {"stage": "making", "housed": True},
                   {"stage": "distribution", "housed": False}],
    }]
    assert (body["space_count"], body["free_count"]) == (2, 1)


def test_archived_building_detail_is_not_found(api):
    BuildingFactory(slug="closed", archived=True)
    assert api.get(reverse("api:building-detail", kwargs={"slug": "closed"})).status_code == 404


def test_building_list_filters_by_city_and_chain(api):
    amsterdam, fashion = CityFactory(slug="amsterdam"), ChainFactory(slug="fashion")
    BuildingFactory(slug="match", city=amsterdam, chains=[fashion])
    BuildingFactory(slug="other-chain", city=amsterdam)
    BuildingFactory(slug="other-city", chains=[fashion])
    response = api.get(reverse("api:building-list"), {"city": "amsterdam", "chain": "fashion"})
    assert slugs(response) == ["match"]


def test_building_list_filters_free_now_on_todays_tenancies(api):
    let_today(SpaceFactory(building=BuildingFactory(slug="full")))
    SpaceFactory(building=BuildingFactory(slug="room"))
    assert slugs(api.get(reverse("api:building-list"), {"free_now": "true"})) == ["room"]
    assert slugs(api.get(reverse("api:building-list"), {"free_now": "false"})) == ["full"]


def test_building_list_filters_by_stage_and_space_kind(api):
    SpaceFactory(building=BuildingFactory(slug="match"), kind=SpaceKind.WORKSHOP,
                 stages=[stage("making")])
    SpaceFactory(building=BuildingFactory(slug="idea-only"), kind=SpaceKind.WORKSHOP,
                 stages=[stage("idea")])
    response = api.get(reverse("api:building-list"), {"stage": "making", "space_kind": "workshop"})
    assert slugs(response) == ["match"]


def test_building_list_orders_by_free_count(api):
    one = BuildingFactory(slug="one-free")
    SpaceFactory(building=one)
    two = BuildingFactory(slug="two-free")
    SpaceFactory.create_batch(2, building=two)
    response = api.get(reverse("api:building-list"), {"ordering": "-free_count"})
    assert slugs(response) == ["two-free", "one-free"]


def test_building_list_paginates_by_fifty(api):
    city = CityFactory()
    BuildingFactory.create_batch(51, city=city)
    first = api.get(reverse("api:building-list")).json()
    assert (first["count"], len(first["results"]), first["previous"]) == (51, 50, None)
    second = api.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None


@pytest.mark.parametrize(
    ("field", "value"),
    [("free_now", "maybe"), ("city", "nowhere"), ("chain", "nothing"), ("stage", "dreaming")],
)
def test_building_list_refuses_a_bad_filter_value_naming_the_field(api, field, value):
    response = api.get(reverse("api:building-list"), {field: value})
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert response.json()[field]  # a message a client can show


# --- spaces -----------------------------------------------------------------------------------

def test_space_list_shows_money_and_area_as_decimal_strings(api):
    space = SpaceFactory(
        building=BuildingFactory(slug="de-fabriek", city=CityFactory(slug="amsterdam")),
        code="A1", kind=SpaceKind.STUDIO, area_m2=Decimal("40.00"),
        monthly_rent=Decimal("250.00"), stages=[stage("making"), stage("idea")],
        facilities=[facility("water"), facility("daylight")],
    )

    (row,) = api.get(reverse("api:space-list")).json()["results"]

    assert row == {
        "id": space.pk,
        "url": f"http://testserver/api/spaces/{space.pk}/",
        "building": "de-fabriek",
        "city": "amsterdam",
        "code": "A1",
        "kind": "studio",
        "area_m2": "40.00",
        "monthly_rent": "250.00",
        "rent_per_m2_year": "75.00",
        "facilities": ["daylight", "water"],
        "stages": ["idea", "making"],
        "is_let": False,
    }


def test_space_list_marks_spaces_let_today(api):
    let_space = let_today(SpaceFactory()).space
    response = api.get(reverse("api:space-list"))
    assert {row["id"]: row["is_let"] for row in response.json()["results"]} == {let_space.pk: True}


def test_space_list_hides_archived_spaces_and_spaces_of_archived_buildings(api):
    active = SpaceFactory()
    SpaceFactory(archived=True)
    SpaceFactory(building=BuildingFactory(archived=True))
    assert ids(api.get(reverse("api:space-list"))) == [active.pk]


def test_space_detail_is_found_by_id(api):
    space = SpaceFactory(code="W7")
    response = api.get(reverse("api:space-detail", kwargs={"pk": space.pk}))
    assert response.status_code == 200 and response.json()["code"] == "W7"


def test_archived_space_detail_is_not_found(api):
    space = SpaceFactory(archived=True)
    assert api.get(reverse("api:space-detail", kwargs={"pk": space.pk})).status_code == 404


def test_space_list_filters_free_now_facilities_and_rent(api):
    match = SpaceFactory(facilities=[facility("kiln"), facility("water")],
                         monthly_rent=Decimal("200.00"))
    let_today(SpaceFactory(facilities=[facility("kiln"), facility("water")],
                           monthly_rent=Decimal("200.00")))
    SpaceFactory(facilities=[facility("kiln")], monthly_rent=Decimal("200.00"))
    SpaceFactory(facilities=[facility("kiln"), facility("water")], monthly_rent=Decimal("300.00"))
    response = api.get(reverse("api:space-list"), {
        "free_now": "true", "facility": ["kiln", "water"], "max_rent": "250",
    })
    assert ids(response) == [match.pk]


def test_space_list_filters_by_building_kind_stage_and_area(api):
    building = BuildingFactory(slug="de-fabriek")
    match = SpaceFactory(building=building, kind=SpaceKind.WORKSHOP, stages=[stage("making")],
                         area_m2=Decimal("60.00"))
    SpaceFactory(building=building, kind=SpaceKind.WORKSHOP, stages=[stage("making")],
                 area_m2=Decimal("20.00"))
    SpaceFactory(building=building, kind=SpaceKind.STUDIO, stages=[stage("making")],
                 area_m2=Decimal("60.00"))
    SpaceFactory(kind=SpaceKind.WORKSHOP, stages=[stage("making")], area_m2=Decimal("60.00"))
    response = api.get(reverse("api:space-list"), {
        "building": "de-fabriek", "kind": "workshop", "stage": "making", "min_area": "50",
    })
    assert ids(response) == [match.pk]


def test_space_list_orders_by_monthly_rent(api):
    dear = SpaceFactory(monthly_rent=Decimal("290.00"))
    cheap = SpaceFactory(monthly_rent=Decimal("100.00"))
    response = api.get(reverse("api:space-list"), {"ordering": "monthly_rent"})
    assert ids(response) == [cheap.pk, dear.pk]


def test_space_list_paginates_by_fifty(api):
    SpaceFactory.create_batch(51, building=BuildingFactory())
    first = api.get(reverse("api:space-list")).json()
    assert (first["count"], len(first["results"])) == (51, 50)
    assert len(api.get(first["next"]).json()["results"]) == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("free_now", "maybe"), ("min_area", "big"), ("facility", "jacuzzi"), ("city", "nowhere")],
)
def test_space_list_refuses_a_bad_filter_value_naming_the_field(api, field, value):
    response = api.get(reverse("api:space-list"), {field: value})
    assert response.status_code == 400
    assert list(response.json()) == [field]


# --- query counts -----------------------------------------------------------------------------

def _buildings_with_everything(count: int) -> None:
    """Buildings with chains, and spaces with stages, facilities and a tenancy running today."""
    city = CityFactory()
    chains = [ChainFactory(), ChainFactory()]
    for _ in range(count):
        building = BuildingFactory(city=city, chains=chains)
        for _ in range(2):
            space = SpaceFactory(building=building, stages=[stage("idea"), stage("making")],
                                 facilities=[facility("water"), facility("kiln")])
        let_today(space)


@pytest.mark.parametrize("count", [3, 30])
def test_building_list_query_count_does_not_grow_with_rows(api, django_assert_max_num_queries,
                                                           count):
    _buildings_with_everything(count)
    # page count, the page, chain focus
    with django_assert_max_num_queries(3):
        response = api.get(reverse("api:building-list"), {"free_now": "true", "stage": "idea"})
    assert response.json()["count"] == count


@pytest.mark.parametrize("count", [3, 30])
def test_building_list_with_a_city_filter_adds_one_query(api, django_assert_max_num_queries,
                                                         count):
    _buildings_with_everything(count)
    city = CityFactory(slug="amsterdam")
    BuildingFactory(city=city)
    # the city lookup, page count, the page, chain focus
    with django_assert_max_num_queries(4):
        response = api.get(reverse("api:building-list"), {"city": "amsterdam"})
    assert response.json()["count"] == 1


@pytest.mark.parametrize("count", [3, 30])
def test_building_detail_query_count_does_not_grow_with_spaces(api, django_assert_max_num_queries,
                                                               count):
    building = BuildingFactory(slug="big", chains=[ChainFactory(), ChainFactory()])
    for _ in range(count):
        let_today(SpaceFactory(building=building, stages=[stage("idea")],
                               facilities=[facility("water")]))
    # building, chain focus, spaces, their facilities, stages and photos, all stages, stages
    # served
    with django_assert_max_num_queries(8):
        response = api.get(reverse("api:building-detail", kwargs={"slug": "big"}))
    assert len(response.json()["spaces"]) == count


@pytest.mark.parametrize("count", [3, 30])
def test_space_list_query_count_does_not_grow_with_rows(api, django_assert_max_num_queries, count):
    _buildings_with_everything(count)
    # page count, the page, facilities, stages
    with django_assert_max_num_queries(4):
        response = api.get(reverse("api:space-list"), {"free_now": "false", "facility": "water"})
    assert response.json()["count"] == count


# --- authentication, permissions, schema --------------------------------------------------------

def test_a_token_from_the_token_endpoint_authenticates_requests(api, today):
    user = UserFactory(username="programmer")
    response = api.post(reverse("api:token"), {
        "username": "programmer", "password": "pass-word-123", "name": "Script",
        "expires_on": (today + timedelta(days=30)).isoformat()})
    assert response.status_code == 201
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    response = api.get(reverse("api:building-list"))
    assert response.status_code == 200
    assert response.wsgi_request.user == user


def test_an_unknown_token_is_refused(api):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert api.get(reverse("api:building-list")).status_code == 401


def test_writes_are_not_offered_even_to_authenticated_users(api, today):
    user = UserFactory()
    _token, key = api_token_create(user=user, name="Script", on=today,
                                   expires_on=today + timedelta(days=30))
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.post(reverse("api:building-list"), {"name": "X"}).status_code == 405


def test_anonymous_writes_are_refused(api):
    assert api.post(reverse("api:building-list"), {"name": "X"}).status_code in (401, 403)


def test_the_api_root_lists_every_endpoint(api):
    response = api.get(reverse("api:api-root"))
    assert set(response.json()) == {
        "buildings", "spaces", "cities", "calls", "chains", "disciplines", "stages",
        "me/applications", "me/offers", "me/tenancies", "me/tokens", "me/portfolio",
        "programmer/spaces", "programmer/calls", "programmer/applications", "programmer/offers",
        "programmer/tenancies",
        "programmer/rounds", "programmer/committee-scores", "pathways",
    }


def test_the_schema_describes_every_endpoint(api):
    response = api.get(reverse("api:schema"), {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    for endpoint in ("buildings", "spaces", "chains", "disciplines", "stages"):
        assert f"/api/{endpoint}/" in paths


def test_the_schema_documents_the_filters(api):
    paths = api.get(reverse("api:schema"), {"format": "json"}).json()["paths"]
    params = {p["name"]: p["schema"] for p in paths["/api/buildings/"]["get"]["parameters"]}
    assert {"city", "chain", "stage", "space_kind", "free_now", "ordering", "page"} <= set(params)
    assert params["free_now"] == {"type": "boolean"}


def test_the_docs_page_is_served(api):
    assert api.get(reverse("api:docs")).status_code == 200
