from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from broedplaats.models import SpaceKind
from broedplaats.roles import CITY_BUREAU, CREATIVE, PROGRAMMER
from tests.factories import (
    BuildingFactory,
    ChainFactory,
    CityFactory,
    CreativeFactory,
    SpaceFactory,
    StageMoveFactory,
    TenancyFactory,
    UserFactory,
    facility,
    stage,
)

pytestmark = pytest.mark.django_db


def _let_now(space):
    today = timezone.localdate()
    return TenancyFactory(space=space, start=today - timedelta(days=30),
                          planned_end=today + timedelta(days=300))


def _populate(buildings: int):
    """Buildings with chains, spaces serving stages, facilities and running tenancies."""
    city = CityFactory(slug="amsterdam", name="Amsterdam")
    chain = ChainFactory(slug="fashion")
    for _ in range(buildings):
        building = BuildingFactory(city=city, chains=[chain, ChainFactory()])
        for _ in range(3):
            space = SpaceFactory(building=building, stages=[stage("idea"), stage("making")],
                                 facilities=[facility("water")])
        _let_now(space)


def test_building_list_is_public_and_shows_free_counts(client):
    building = BuildingFactory(name="De Zwijger")
    SpaceFactory(building=building)
    _let_now(SpaceFactory(building=building))
    response = client.get(reverse("building-list"))
    assert response.status_code == 200
    row = next(b for b in response.context["page"].object_list if b.pk == building.pk)
    assert (row.space_count, row.free_count) == (2, 1)
    assert "De Zwijger" in response.content.decode()


def test_building_list_hides_archived_buildings(client):
    BuildingFactory(name="Gesloten pand", archived=True)
    response = client.get(reverse("building-list"))
    assert "Gesloten pand" not in response.content.decode()


def test_building_list_filters_by_city(client):
    BuildingFactory(name="In Rotterdam", city=CityFactory(slug="rotterdam", name="Rotterdam"))
    BuildingFactory(name="In Amsterdam", city=CityFactory(slug="amsterdam", name="Amsterdam"))
    html = client.get(reverse("building-list"), {"city": "rotterdam"}).content.decode()
    assert "In Rotterdam" in html and "In Amsterdam" not in html


def test_building_list_filters_free_now(client):
    full = BuildingFactory(name="Vol pand")
    _let_now(SpaceFactory(building=full))
    SpaceFactory(building=BuildingFactory(name="Pand met plek"))
    html = client.get(reverse("building-list"), {"free_now": "true"}).content.decode()
    assert "Pand met plek" in html and "Vol pand" not in html


def test_building_list_filters_by_space_kind_and_stage(client):
    SpaceFactory(building=BuildingFactory(name="Werkplaatsen"), kind=SpaceKind.WORKSHOP,
                 stages=[stage("making")])
    SpaceFactory(building=BuildingFactory(name="Ateliers"), kind=SpaceKind.STUDIO,
                 stages=[stage("idea")])
    html = client.get(reverse("building-list"), {"space_kind": "workshop"}).content.decode()
    assert "Werkplaatsen" in html and "Ateliers" not in html
    html = client.get(reverse("building-list"), {"stage": "idea"}).content.decode()
    assert "Ateliers" in html and "Werkplaatsen" not in html


def test_building_list_shows_an_error_for_an_unknown_filter_value(client):
    response = client.get(reverse("building-list"), {"city": "atlantis"})
    assert response.status_code == 200
    assert response.context["filter"].errors["city"]


def test_building_list_htmx_request_renders_only_the_results(client):
    BuildingFactory(name="Htmx pand")
    response = client.get(reverse("building-list"), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "Htmx pand" in html and "<html" not in html


def test_building_list_query_count_does_not_grow_with_rows(client, django_assert_max_num_queries):
    _populate(2)
    with django_assert_max_num_queries(8) as few:
        client.get(reverse("building-list"))
    _populate_more = 20
    city = CityFactory(slug="amsterdam")
    for _ in range(_populate_more):
        building = BuildingFactory(city=city, chains=[ChainFactory()])
        _let_now(SpaceFactory(building=building))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("building-list"))
    assert response.context["page"].paginator.count == 22


def test_building_detail_shows_spaces_chain_stages_and_what_is_free(client):
    chain = ChainFactory(name="Mode", slug="mode")
    building = BuildingFactory(chains=[chain])
    SpaceFactory(building=building, code="A1", stages=[stage("making")])
    _let_now(SpaceFactory(building=building, code="B2", stages=[stage("idea")]))
    response = client.get(building.get_absolute_url())
    assert response.status_code == 200
    assert [s.code for s in response.context["free_spaces"]] == ["A1"]
    (row,) = response.context["chain_stages"]
    assert row["chain"] == chain
    assert [(s.code, housed) for s, housed in row["stages"]] == [
        ("idea", True), ("making", True), ("distribution", False)
    ]


def test_building_detail_of_archived_building_is_404(client):
    building = BuildingFactory(archived=True)
    assert client.get(building.get_absolute_url()).status_code == 404


def test_building_detail_query_count_does_not_grow_with_spaces(
    client, django_assert_max_num_queries
):
    building = BuildingFactory(chains=[ChainFactory(), ChainFactory()])
    for _ in range(2):
        SpaceFactory(building=building, stages=[stage("idea")], facilities=[facility("kiln")])
    with django_assert_max_num_queries(12) as few:
        client.get(building.get_absolute_url())
    for _ in range(25):
        _let_now(SpaceFactory(building=building, stages=[stage("making"), stage("idea")],
                              facilities=[facility("kiln"), facility("water")]))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(building.get_absolute_url())
    assert len(response.context["spaces"]) == 27


@pytest.mark.parametrize(
    ("roles", "home"),
    [
        ([CREATIVE], "creative-home"),
        ([PROGRAMMER], "programmer-home"),
        ([CITY_BUREAU], "bureau-home"),
    ],
)
def test_login_lands_each_role_on_its_home(client, roles, home):
    UserFactory(username="someone", roles=roles)
    response = client.post(reverse("login"), {"username": "someone", "password": "pass-word-123"},
                           follow=True)
    assert response.redirect_chain[-1][0] == reverse(home)
    assert response.status_code == 200


def test_login_with_a_wrong_password_shows_an_error(client):
    UserFactory(username="someone")
    response = client.post(reverse("login"), {"username": "someone", "password": "nope"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_logout_is_a_post_and_ends_the_session(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302  # back to the login page


HOMES = ["creative-home", "programmer-home", "bureau-home"]
ROLE_OF_HOME = {"creative-home": CREATIVE, "programmer-home": PROGRAMMER,
                "bureau-home": CITY_BUREAU}


@pytest.mark.parametrize("page", HOMES)
def test_role_home_asks_anonymous_users_to_log_in(client, page):
    response = client.get(reverse(page))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("page", HOMES)
@pytest.mark.parametrize("role", [CREATIVE, PROGRAMMER, CITY_BUREAU])
def test_role_home_is_only_for_its_role(client, page, role):
    client.force_login(UserFactory(roles=[role]))
    expected = 200 if ROLE_OF_HOME[page] == role else 403
    assert client.get(reverse(page)).status_code == expected


@pytest.mark.parametrize("page", HOMES)
def test_role_homes_open_for_admins(client, page):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert client.get(reverse(page)).status_code == 200


def test_programmer_home_lists_only_their_buildings(client):
    programmer = UserFactory(roles=[PROGRAMMER])
    BuildingFactory(name="Mijn pand", programmers=[programmer])
    BuildingFactory(name="Ander pand")
    client.force_login(programmer)
    html = client.get(reverse("programmer-home")).content.decode()
    assert "Mijn pand" in html and "Ander pand" not in html


def test_bureau_home_shows_occupancy_of_their_city_only(client):
    bureau = UserFactory(roles=[CITY_BUREAU])
    amsterdam = CityFactory(name="Amsterdam", slug="amsterdam")
    amsterdam.bureau_members.add(bureau)
    building = BuildingFactory(city=amsterdam)
    SpaceFactory(building=building)
    _let_now(SpaceFactory(building=building))
    SpaceFactory(building=BuildingFactory(city=CityFactory(name="Utrecht", slug="utrecht")))
    client.force_login(bureau)
    response = client.get(reverse("bureau-home"))
    table = next(block["table"] for section in response.context["sections"]
                 for block in section["figures"] if block["table"].figure == "occupancy")
    total = table.rows[-1]
    assert (total["spaces"], total["let"], total["share"]) == (2, 1, 50.0)


def test_creative_home_shows_current_stage_from_history(client):
    user = UserFactory(roles=[CREATIVE])
    creative = CreativeFactory(user=user)
    StageMoveFactory(creative=creative, to_stage=stage("idea"), moved_on=timezone.localdate()
                     - timedelta(days=400))
    StageMoveFactory(creative=creative, from_stage=stage("idea"), to_stage=stage("making"),
                     moved_on=timezone.localdate() - timedelta(days=10))
    client.force_login(user)
    response = client.get(reverse("creative-home"))
    assert response.context["latest"].to_stage == stage("making")


def test_pages_render_in_english_when_chosen(client):
    BuildingFactory()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("building-list")).content.decode()
    assert 'lang="en"' in html and "Log in" in html


def test_pages_are_dutch_by_default(client):
    html = client.get(reverse("building-list")).content.decode()
    assert 'lang="nl"' in html and "Inloggen" in html


def test_bureau_home_query_count_does_not_grow_with_buildings(
    client, django_assert_max_num_queries
):
    bureau = UserFactory(roles=[CITY_BUREAU])
    city = CityFactory(name="Amsterdam", slug="amsterdam")
    city.bureau_members.add(bureau)
    client.force_login(bureau)

    def add_buildings(count):
        for _ in range(count):
            building = BuildingFactory(city=city, chains=[ChainFactory()])
            _let_now(SpaceFactory(building=building))

    add_buildings(2)
    with django_assert_max_num_queries(70) as few:
        client.get(reverse("bureau-home"))
    add_buildings(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("bureau-home"))
    assert response.context["page"].paginator.count == 32
    assert len(response.context["building_rows"]) == 24


def test_programmer_home_query_count_does_not_grow_with_buildings(
    client, django_assert_max_num_queries
):
    programmer = UserFactory(roles=[PROGRAMMER])
    client.force_login(programmer)

    def add_buildings(count):
        for _ in range(count):
            _let_now(SpaceFactory(building=BuildingFactory(programmers=[programmer])))

    add_buildings(2)
    with django_assert_max_num_queries(80) as few:
        client.get(reverse("programmer-home"))
    add_buildings(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("programmer-home"))
    assert response.context["page"].paginator.count == 32
    assert len(response.context["building_rows"]) == 24


def test_building_page_invites_creatives_onto_the_candidate_list(client):
    building = BuildingFactory()
    client.force_login(UserFactory(roles=[CREATIVE]))
    html = client.get(building.get_absolute_url()).content.decode()
    assert f"/me/applications/new/?building={building.slug}" in html


def test_building_page_shows_no_candidate_list_link_to_visitors(client):
    building = BuildingFactory()
    html = client.get(building.get_absolute_url()).content.decode()
    assert "/me/applications/new/" not in html
