"""A tenancy's own page and endpoints: the tenant's stage moves (recorded with who and when,
dated within the tenancy) and social return; refusals, 404 for other buildings, query counts."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from broedplaats.models import SocialReturn
from broedplaats.roles import CREATIVE, PROGRAMMER
from chains.models import StageMove
from tests.factories import (
    BuildingFactory,
    PolicyFactory,
    SpaceFactory,
    StageMoveFactory,
    TenancyFactory,
    UserFactory,
    stage,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def let(db, today):
    """A running tenancy of a creative who moved into 'idea' before it started."""
    policy = PolicyFactory()
    programmer = UserFactory(roles=[PROGRAMMER])
    building = BuildingFactory(city=policy.city, programmers=[programmer])
    tenancy = TenancyFactory(space=SpaceFactory(building=building),
                             start=today - timedelta(days=200),
                             planned_end=today + timedelta(days=500))
    StageMoveFactory(creative=tenancy.creative, to_stage=stage("idea"),
                     moved_on=today - timedelta(days=300))
    return {"programmer": programmer, "tenancy": tenancy}


@pytest.fixture
def elsewhere(db, today):
    building = BuildingFactory(programmers=[UserFactory(roles=[PROGRAMMER])])
    return TenancyFactory(space=SpaceFactory(building=building), start=today - timedelta(days=9),
                          planned_end=today + timedelta(days=90))


def page_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def api_client(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


# --- page --------------------------------------------------------------------------------------

def test_programmer_records_a_stage_move_on_the_tenancy_page(let, today):
    client = page_client(let["programmer"])
    tenancy = let["tenancy"]
    assert client.get(reverse("programmer-tenancy-detail", args=[tenancy.pk])).status_code == 200
    response = client.post(reverse("programmer-tenancy-stage-move", args=[tenancy.pk]), {
        "moved_on": (today - timedelta(days=3)).isoformat(), "to": stage("making").pk,
        "note": "Eerste serie"})
    assert response.status_code == 302
    move = StageMove.objects.get(creative=tenancy.creative, to_stage=stage("making"))
    assert (move.from_stage, move.building, move.recorded_by, move.note) == (
        stage("idea"), tenancy.space.building, let["programmer"], "Eerste serie")
    page = client.get(reverse("programmer-tenancy-detail", args=[tenancy.pk]))
    assert [m.pk for m in page.context["history"]][-1] == move.pk


def test_moving_out_to_the_market(let, today):
    client = page_client(let["programmer"])
    client.post(reverse("programmer-tenancy-stage-move", args=[let["tenancy"].pk]),
                {"moved_on": today.isoformat(), "to": "market"})
    move = StageMove.objects.filter(creative=let["tenancy"].creative).last()
    assert (move.to_market, move.to_stage) == (True, None)


@pytest.mark.parametrize(("days", "to", "message"), [
    (1, "making", "cannot be dated after today"),
    (-250, "making", "within the tenancy"),
    (-3, "idea", "already in the stage"),
])
def test_refused_stage_moves_are_form_errors_and_store_nothing(let, today, days, to, message):
    client = page_client(let["programmer"])
    response = client.post(reverse("programmer-tenancy-stage-move", args=[let["tenancy"].pk]), {
        "moved_on": (today + timedelta(days=days)).isoformat(), "to": stage(to).pk})
    assert response.status_code == 400
    assert message in str(response.context["move_form"].errors)
    assert StageMove.objects.filter(creative=let["tenancy"].creative).count() == 1


def test_a_move_dated_before_the_last_one_is_refused(let, today):
    StageMoveFactory(creative=let["tenancy"].creative, to_stage=stage("making"),
                     from_stage=stage("idea"), moved_on=today - timedelta(days=5))
    response = page_client(let["programmer"]).post(
        reverse("programmer-tenancy-stage-move", args=[let["tenancy"].pk]),
        {"moved_on": (today - timedelta(days=10)).isoformat(), "to": stage("distribution").pk})
    assert response.status_code == 400
    assert "cannot be dated before it" in str(response.context["move_form"].errors)


def test_social_return_is_logged_and_totalled(let, today):
    client = page_client(let["programmer"])
    url = reverse("programmer-tenancy-social-return", args=[let["tenancy"].pk])
    for hours in ("2.5", "3"):
        assert client.post(url, {"kind": "workshop", "on": today.isoformat(),
                                 "hours": hours}).status_code == 302
    page = client.get(reverse("programmer-tenancy-detail", args=[let["tenancy"].pk]))
    assert page.context["hours"] == 5.5
    assert "5.50 hours in all." in page.content.decode()
    assert SocialReturn.objects.filter(recorded_by=let["programmer"]).count() == 2


@pytest.mark.parametrize(("data", "field"), [
    ({"kind": "workshop", "on": "2001-01-01", "hours": "2"}, "on"),
    ({"kind": "workshop", "on": "today", "hours": "0.1"}, "hours"),
    ({"kind": "party", "on": "today", "hours": "2"}, "kind"),
    ({"kind": "workshop", "on": "gisteren", "hours": "2"}, "on"),
])
def test_bad_social_return_is_a_form_error(let, today, data, field):
    data = {**data, "on": today.isoformat() if data["on"] == "today" else data["on"]}
    response = page_client(let["programmer"]).post(
        reverse("programmer-tenancy-social-return", args=[let["tenancy"].pk]), data)
    assert response.status_code == 400
    assert response.context["return_form"].errors[field]
    assert not SocialReturn.objects.exists()


def test_another_buildings_tenancy_is_not_found(let, elsewhere, today):
    client = page_client(let["programmer"])
    assert client.get(reverse("programmer-tenancy-detail", args=[elsewhere.pk])).status_code == 404
    assert client.post(reverse("programmer-tenancy-stage-move", args=[elsewhere.pk]), {
        "moved_on": today.isoformat(), "to": "market"}).status_code == 404
    assert client.post(reverse("programmer-tenancy-social-return", args=[elsewhere.pk]), {
        "kind": "workshop", "on": today.isoformat(), "hours": "1"}).status_code == 404
    assert not StageMove.objects.filter(creative=elsewhere.creative).exists()
    assert not SocialReturn.objects.exists()


def test_a_creative_cannot_use_the_tenancy_page(let):
    client = page_client(UserFactory(roles=[CREATIVE]))
    assert client.get(reverse("programmer-tenancy-detail",
                              args=[let["tenancy"].pk])).status_code == 403


def test_tenancy_page_query_count_does_not_grow(let, today, django_assert_max_num_queries):
    client = page_client(let["programmer"])
    url = reverse("programmer-tenancy-detail", args=[let["tenancy"].pk])
    client.get(url)
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for n in range(10):
        SocialReturn.objects.create(tenancy=let["tenancy"], kind="workshop", hours=1,
                                    on=today - timedelta(days=n), recorded_by=let["programmer"])
    StageMoveFactory(creative=let["tenancy"].creative, to_stage=stage("making"),
                     from_stage=stage("idea"), moved_on=today - timedelta(days=50),
                     building=let["tenancy"].space.building)
    with django_assert_max_num_queries(len(few)):
        response = client.get(url)
    assert len(response.context["activities"]) == 10


# --- API ---------------------------------------------------------------------------------------

def api_url(name, pk):
    return reverse(f"api:{name}", args=[pk])


def test_api_records_and_lists_stage_moves(let, today):
    client = api_client(let["programmer"])
    url = api_url("programmer-tenancy-stage-moves", let["tenancy"].pk)
    response = client.post(url, {"moved_on": today.isoformat(), "to_stage": "making",
                                 "note": "Atelier"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["from_stage"] == "idea"
    assert response.json()["building"] == let["tenancy"].space.building.slug
    history = client.get(url).json()
    assert [move["to_stage"] for move in history] == ["idea", "making"]
    assert history[-1]["recorded_by"] == let["programmer"].username


@pytest.mark.parametrize(("data", "field"), [
    ({"moved_on": "tomorrow", "to_stage": "making"}, "moved_on"),
    ({"moved_on": "today", "to_stage": "making", "to_market": True}, "to_stage"),
    ({"moved_on": "today", "to_stage": "nowhere"}, "to_stage"),
    ({"moved_on": "today"}, "to_stage"),
])
def test_api_refuses_bad_stage_moves_with_the_field(let, today, data, field):
    dates = {"today": today.isoformat(), "tomorrow": (today + timedelta(days=1)).isoformat()}
    data = {**data, "moved_on": dates[data["moved_on"]]}
    response = api_client(let["programmer"]).post(
        api_url("programmer-tenancy-stage-moves", let["tenancy"].pk), data, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert StageMove.objects.filter(creative=let["tenancy"].creative).count() == 1


def test_api_lists_social_return(let, today):
    SocialReturn.objects.create(tenancy=let["tenancy"], kind="open_studio", hours=4, on=today)
    response = api_client(let["programmer"]).get(
        api_url("programmer-tenancy-social-return", let["tenancy"].pk))
    assert [row["kind"] for row in response.json()] == ["open_studio"]


def test_api_hides_another_buildings_tenancy(let, elsewhere, today):
    client = api_client(let["programmer"])
    for name in ("programmer-tenancy-stage-moves", "programmer-tenancy-social-return"):
        assert client.get(api_url(name, elsewhere.pk)).status_code == 404
    assert client.post(api_url("programmer-tenancy-stage-moves", elsewhere.pk),
                       {"moved_on": today.isoformat(), "to_market": True},
                       format="json").status_code == 404
    assert not StageMove.objects.filter(creative=elsewhere.creative).exists()
