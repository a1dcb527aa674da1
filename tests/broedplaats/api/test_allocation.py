"""The allocation API: creatives' applications and offers, programmers' calls, applicants,
screening, offers and tenancies; their refusals, who may see what, and query counts."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from broedplaats.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Offer,
    OfferStatus,
    SocialReturn,
    Tenancy,
)
from broedplaats.roles import CITY_BUREAU, CREATIVE, PROGRAMMER
from broedplaats.services import (
    application_create,
    application_submit,
    call_create,
    call_publish,
    offer_make,
    screening_record,
    tenancy_create,
)
from broedplaats.services.places import add_months
from chains.formatting import long_date
from tests.api import client_for, url
from tests.factories import (
    BuildingFactory,
    CreativeFactory,
    DisciplineFactory,
    PolicyFactory,
    SpaceFactory,
    TenancyFactory,
    UserFactory,
    stage,
)
from tests.worlds import place_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]



def creative_user(**kwargs):
    """A user in the creative group with their own Creative profile."""
    user = UserFactory(roles=[CREATIVE])
    CreativeFactory(user=user, **kwargs)
    return user


@pytest.fixture
def place(db, today):
    """A building under a policy with a programmer, two spaces and a published call open
    from yesterday for a month."""
    return place_world(today)


def submitted(place, creative, today):
    application = application_create(creative=creative, call=place["call"], on=today)
    return application_submit(application=application, on=today)


def screened(application, today, *, on=None):
    screening_record(creative=application.creative, city=application.building.city,
                     on=on or today, professional_practice=True, income_within_limit=True)
    application.refresh_from_db()
    return application



# --- the happy path ----------------------------------------------------------------------------

def test_creative_applies_programmer_screens_and_offers_creative_accepts_and_gets_tenancy(
    place, today
):
    creative = creative_user()
    me, programmer = client_for(creative), client_for(place["programmer"])

    response = me.post(url("my-application-list"),
                       {"call": place["call"].pk, "motivation": "Keramiek"}, format="json")
    assert response.status_code == 201, response.json()
    application_id = response.json()["id"]
    assert response.json()["status"] == "draft"

    response = me.post(url("my-application-submit", application_id))
    assert response.status_code == 200
    assert [e["to_status"] for e in response.json()["events"]] == ["draft", "submitted"]

    response = programmer.post(url("programmer-application-screening", application_id),
                               {"professional_practice": True, "income_within_limit": True,
                                "reasons": "Werkt professioneel."}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["eligible"] is True
    detail = programmer.get(url("programmer-application-detail", application_id)).json()
    assert detail["status"] == "eligible"
    assert detail["screening"] == "valid"

    space = place["spaces"][0]
    response = programmer.post(
        url("programmer-application-offer", application_id),
        {"space": space.pk, "start": today + timedelta(days=14),
         "reply_by": today + timedelta(days=7)}, format="json")
    assert response.status_code == 201, response.json()
    offer_id = response.json()["id"]

    offers = me.get(url("my-offer-list")).json()["results"]
    assert [(o["id"], o["effective_status"]) for o in offers] == [(offer_id, "open")]

    response = me.post(url("my-offer-accept", offer_id))
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "accepted"
    tenancy = Tenancy.objects.get(space=space)
    assert tenancy.creative.user == creative
    assert response.json()["tenancy"] == tenancy.pk
    assert me.get(url("my-application-detail", application_id)).json()["status"] == "accepted"
    tenancies = programmer.get(url("programmer-tenancy-list")).json()["results"]
    assert [t["id"] for t in tenancies] == [tenancy.pk]


def test_programmer_creates_and_publishes_a_call_for_their_building(place, today):
    programmer = client_for(place["programmer"])
    response = programmer.post(url("programmer-call-list"), {
        "building": place["building"].slug, "title": "Zomer", "spaces": [place["spaces"][1].pk],
        "stages": ["making"], "opens_on": today, "closes_on": today + timedelta(days=10),
        "allocation_method": "lottery",
    }, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["published_at"] is None
    assert response.json()["stages"] == ["making"]

    response = programmer.post(url("programmer-call-publish", response.json()["id"]))
    assert response.status_code == 200
    assert response.json()["is_open"] is True


def test_programmer_changes_a_call(place, today):
    programmer = client_for(place["programmer"])
    call = place["call"]
    response = programmer.patch(url("programmer-call-detail", call.pk), {
        "title": "Winter", "spaces": [place["spaces"][1].pk], "stages": ["idea"]},
        format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["title"], response.json()["spaces"], response.json()["stages"]) == (
        "Winter", [place["spaces"][1].pk], ["idea"])
    assert response.json()["closes_on"] == call.closes_on.isoformat()  # left out: kept


@pytest.mark.parametrize(("body", "field"), [
    ({"closes_on": "2000-01-01"}, "closes_on"),
    ({"title": ""}, "title"),
    ({"allocation_method": "dice"}, "allocation_method"),
    ({"spaces": [999999]}, "spaces"),
])
def test_changing_a_call_badly_is_a_400_naming_the_field(place, body, field):
    call = place["call"]
    response = client_for(place["programmer"]).patch(url("programmer-call-detail", call.pk),
                                                     body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    stored = type(call).objects.get(pk=call.pk)
    assert (stored.title, stored.closes_on) == (call.title, call.closes_on)


def test_another_programmer_cannot_change_a_call(place):
    other = client_for(actor_programmer())
    response = other.patch(url("programmer-call-detail", place["call"].pk), {"title": "X"},
                           format="json")
    assert response.status_code == 404
    assert type(place["call"]).objects.get(pk=place["call"].pk).title != "X"


def actor_programmer():
    user = UserFactory(roles=[PROGRAMMER])
    BuildingFactory(programmers=[user])
    return user


def test_creative_withdraws_and_the_open_offer_goes_with_it(place, today):
    creative = creative_user()
    application = screened(submitted(place, creative.creative, today), today)
    offer = offer_make(application=application, space=place["spaces"][0],
                       start=today + timedelta(days=14), reply_by=today + timedelta(days=7),
                       on=today)

    response = client_for(creative).post(url("my-application-withdraw", application.pk))

    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    offer.refresh_from_db()
    assert offer.status == OfferStatus.WITHDRAWN


def test_programmer_ends_a_tenancy_and_logs_social_return(place, today):
    tenancy = TenancyFactory(space=place["spaces"][0], start=today - timedelta(days=60),
                             planned_end=today + timedelta(days=300))
    programmer = client_for(place["programmer"])

    response = programmer.post(url("programmer-tenancy-social-return", tenancy.pk), {
        "kind": "workshop", "on": today - timedelta(days=5), "hours": "3.50"}, format="json")
    assert response.status_code == 201, response.json()
    assert SocialReturn.objects.get().hours == 3.5

    response = programmer.post(url("programmer-tenancy-end", tenancy.pk),
                               {"on": today, "reason": "outflow_to_market"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["actual_end"] == today.isoformat()
    assert response.json()["end_reason"] == "outflow_to_market"
    assert tenancy.creative.stage_moves.get().to_market


def test_ending_for_the_next_stage_over_the_api_records_the_move(place, today):
    tenancy = TenancyFactory(space=place["spaces"][0], start=today - timedelta(days=60),
                             planned_end=today + timedelta(days=300))
    programmer = client_for(place["programmer"])
    response = programmer.post(url("programmer-tenancy-end", tenancy.pk),
                               {"on": today, "reason": "next_stage"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"to_stage": ["Choose the stage the creative moves on to."]}
    response = programmer.post(url("programmer-tenancy-end", tenancy.pk),
                               {"on": today, "reason": "next_stage", "to_stage": "distribution",
                                "note": "Eigen showroom"}, format="json")
    assert response.status_code == 200, response.json()
    move = tenancy.creative.stage_moves.get()
    assert (move.to_stage.code, move.note, move.recorded_by) == (
        "distribution", "Eigen showroom", place["programmer"]
    )


def test_open_offer_past_its_deadline_reads_as_expired(place, today):
    creative = creative_user()
    past = today - timedelta(days=10)
    application = screened(submitted(place, creative.creative, today), today, on=past)
    offer_make(application=application, space=place["spaces"][0], start=today,
               reply_by=today - timedelta(days=3), on=past)

    row = client_for(creative).get(url("my-offer-list")).json()["results"][0]

    assert (row["status"], row["effective_status"]) == ("open", "expired")


# --- refusals: 400 with the service's field and message ------------------------------------------

def test_offer_to_an_unscreened_applicant_is_refused(place, today):
    application = submitted(place, CreativeFactory(), today)
    programmer = client_for(place["programmer"])
    programmer.post(url("programmer-application-transition", application.pk),
                    {"to": "eligible"}, format="json")

    response = programmer.post(url("programmer-application-offer", application.pk), {
        "space": place["spaces"][0].pk, "start": today, "reply_by": today + timedelta(days=7),
    }, format="json")

    assert response.status_code == 400
    assert response.json() == {"application": [
        f"{application.creative} has no valid positive screening on {long_date(today)}; "
        "screen them first."]}
    assert not Offer.objects.exists()


def test_a_transition_the_workflow_does_not_allow_is_refused(place, today):
    application = screened(submitted(place, CreativeFactory(), today), today)

    response = client_for(place["programmer"]).post(
        url("programmer-application-transition", application.pk), {"to": "screening"},
        format="json")

    assert response.status_code == 400
    assert response.json() == {"status": ["An application cannot go from Eligible to Screening."]}
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ELIGIBLE


def test_programmer_cannot_skip_to_accepted_by_a_transition(place, today):
    application = submitted(place, CreativeFactory(), today)

    response = client_for(place["programmer"]).post(
        url("programmer-application-transition", application.pk), {"to": "accepted"},
        format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["to"]


def test_accepting_an_expired_offer_is_refused(place, today):
    creative = creative_user()
    past = today - timedelta(days=10)
    application = screened(submitted(place, creative.creative, today), today, on=past)
    deadline = today - timedelta(days=3)
    offer = offer_make(application=application, space=place["spaces"][0], start=today,
                       reply_by=deadline, on=past)

    response = client_for(creative).post(url("my-offer-accept", offer.pk))

    assert response.status_code == 400
    assert response.json() == {"reply_by": [f"This offer expired on {long_date(deadline)}."]}
    assert not Tenancy.objects.exists()


def test_applying_to_a_closed_call_is_refused(place, today):
    creative = creative_user()
    call = call_create(building=place["building"], title="Voorbij", spaces=place["spaces"],
                       opens_on=today - timedelta(days=30), closes_on=today - timedelta(days=1))
    call_publish(call=call, on=today - timedelta(days=30))

    response = client_for(creative).post(url("my-application-list"), {"call": call.pk},
                                         format="json")

    assert response.status_code == 400
    assert response.json() == {"call": ["This call is not open."]}


def test_a_call_closing_before_it_opens_is_refused_on_the_closing_date(place, today):
    response = client_for(place["programmer"]).post(url("programmer-call-list"), {
        "building": place["building"].slug, "title": "Fout", "opens_on": today,
        "closes_on": today - timedelta(days=1), "allocation_method": "lottery"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"closes_on": ["A call cannot close before it opens."]}


def test_a_call_without_an_allocation_method_is_refused_naming_it(place, today):
    response = client_for(place["programmer"]).post(url("programmer-call-list"), {
        "building": place["building"].slug, "title": "Zonder methode", "opens_on": today,
        "closes_on": today + timedelta(days=10)}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["allocation_method"]
    assert not place["building"].calls.filter(title="Zonder methode").exists()


def test_ending_a_tenancy_twice_is_refused(place, today):
    tenancy = TenancyFactory(space=place["spaces"][0], start=today - timedelta(days=60),
                             planned_end=today + timedelta(days=300))
    programmer = client_for(place["programmer"])
    body = {"on": today, "reason": "left_sector"}
    programmer.post(url("programmer-tenancy-end", tenancy.pk), body, format="json")

    response = programmer.post(url("programmer-tenancy-end", tenancy.pk), body, format="json")

    assert response.status_code == 400
    assert response.json() == {"actual_end": [
        f"This tenancy has already ended on {long_date(today)}."]}


def test_a_creative_user_without_a_profile_sees_nothing_and_cannot_apply(place):
    user = UserFactory(roles=[CREATIVE])
    client = client_for(user)

    assert client.get(url("my-application-list")).json()["results"] == []
    response = client.post(url("my-application-list"), {"call": place["call"].pk},
                           format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["non_field_errors"]


# --- who may see what ----------------------------------------------------------------------------

@pytest.fixture
def world(place, today):
    """One of each object, owned by `owner` (a creative) and `place["programmer"]`."""
    owner = creative_user()
    application = screened(submitted(place, owner.creative, today), today)
    offer = offer_make(application=application, space=place["spaces"][0],
                       start=today + timedelta(days=7), reply_by=today + timedelta(days=5),
                       on=today)
    tenancy = TenancyFactory(space=place["spaces"][1], start=today - timedelta(days=60),
                             planned_end=today + timedelta(days=300))
    return {"owner": owner, "programmer": place["programmer"],
            "application": application.pk, "offer": offer.pk, "call": place["call"].pk,
            "tenancy": tenancy.pk}


CREATIVE_ENDPOINTS = [
    ("get", "my-application-detail", "application"),
    ("post", "my-application-withdraw", "application"),
    ("post", "my-application-submit", "application"),
    ("get", "my-offer-detail", "offer"),
    ("post", "my-offer-accept", "offer"),
    ("post", "my-offer-decline", "offer"),
]
PROGRAMMER_ENDPOINTS = [
    ("get", "programmer-call-detail", "call"),
    ("post", "programmer-call-publish", "call"),
    ("get", "programmer-application-detail", "application"),
    ("post", "programmer-application-transition", "application"),
    ("post", "programmer-application-screening", "application"),
    ("post", "programmer-application-offer", "application"),
    ("get", "programmer-offer-detail", "offer"),
    ("get", "programmer-tenancy-detail", "tenancy"),
    ("post", "programmer-tenancy-end", "tenancy"),
    ("post", "programmer-tenancy-renew", "tenancy"),
    ("post", "programmer-tenancy-social-return", "tenancy"),
    ("get", "programmer-tenancy-social-return", "tenancy"),
    ("get", "programmer-tenancy-stage-moves", "tenancy"),
    ("post", "programmer-tenancy-stage-moves", "tenancy"),
]


def actor(name, world):
    """The user of each role in the matrix; `owner` is the object's own creative/programmer."""
    if name == "anonymous":
        return None
    if name == "other creative":
        return creative_user()
    if name == "other programmer":
        user = UserFactory(roles=[PROGRAMMER])
        BuildingFactory(programmers=[user])
        return user
    if name == "bureau":
        return UserFactory(roles=[CITY_BUREAU])
    return world[name]


def status_of(world, who, method, name, obj):
    client = client_for(actor(who, world))
    return getattr(client, method)(url(name, world[obj]), {}, format="json").status_code


ANONYMOUS = (401, 403)


@pytest.mark.parametrize(("method", "name", "obj"), CREATIVE_ENDPOINTS)
@pytest.mark.parametrize(("who", "expected"), [
    ("anonymous", ANONYMOUS), ("other creative", (404,)), ("other programmer", (403,)),
    ("bureau", (403,)), ("programmer", (403,)),
])
def test_creative_endpoints_refuse_everyone_but_the_owner(world, who, expected, method, name,
                                                          obj):
    assert status_of(world, who, method, name, obj) in expected


@pytest.mark.parametrize(("method", "name", "obj"), PROGRAMMER_ENDPOINTS)
@pytest.mark.parametrize(("who", "expected"), [
    ("anonymous", ANONYMOUS), ("other creative", (403,)), ("owner", (403,)),
    ("other programmer", (404,)), ("bureau", (403,)),
])
def test_programmer_endpoints_refuse_everyone_but_the_buildings_programmer(
    world, who, expected, method, name, obj
):
    assert status_of(world, who, method, name, obj) in expected


@pytest.mark.parametrize(("method", "name", "obj", "who"), [
    *[(*endpoint, "owner") for endpoint in CREATIVE_ENDPOINTS],
    *[(*endpoint, "programmer") for endpoint in PROGRAMMER_ENDPOINTS],
])
def test_the_owner_reaches_every_endpoint(world, method, name, obj, who):
    # An empty POST body may be refused (400) or be enough (withdraw, accept): never 403/404.
    expected = (200,) if method == "get" else (200, 201, 400)
    assert status_of(world, who, method, name, obj) in expected


@pytest.mark.parametrize("name", ["my-application-list", "my-offer-list"])
def test_creative_lists_hold_only_own_rows(world, name):
    other = client_for(creative_user())
    assert other.get(url(name)).json()["results"] == []
    assert len(client_for(world["owner"]).get(url(name)).json()["results"]) == 1


@pytest.mark.parametrize("name", ["programmer-call-list", "programmer-application-list",
                                  "programmer-offer-list", "programmer-tenancy-list"])
def test_programmer_lists_hold_only_their_buildings_rows(world, name):
    assert client_for(actor("other programmer", world)).get(url(name)).json()["results"] == []
    assert len(client_for(world["programmer"]).get(url(name)).json()["results"]) == 1


def test_programmer_does_not_see_drafts_nor_do_creatives_see_private_notes(place, today):
    owner = creative_user()
    draft = application_create(creative=owner.creative, call=place["call"], on=today)

    response = client_for(place["programmer"]).get(url("programmer-application-detail",
                                                       draft.pk))
    assert response.status_code == 404
    assert "notes" not in client_for(owner).get(url("my-application-detail", draft.pk)).json()


def test_programmer_adds_a_private_note_the_creative_never_sees(place, today):
    owner = creative_user()
    application = submitted(place, owner.creative, today)
    response = client_for(place["programmer"]).post(
        url("programmer-application-notes", application.pk), {"text": "Sterk portfolio"},
        format="json")
    assert response.status_code == 201, response.json()
    assert [n["text"] for n in response.json()["notes"]] == ["Sterk portfolio"]
    assert "Sterk portfolio" not in client_for(owner).get(
        url("my-application-detail", application.pk)).content.decode()


def test_an_empty_note_is_refused(place, today):
    application = submitted(place, creative_user().creative, today)
    response = client_for(place["programmer"]).post(
        url("programmer-application-notes", application.pk), {"text": ""}, format="json")
    assert response.status_code == 400 and "text" in response.json()


# --- query counts, pagination and filters ----------------------------------------------------

def add_applications(place, count, *, discipline=None, status=ApplicationStatus.SUBMITTED,
                     creative=None, stage_=None):
    """`count` applications to the call, each with a recorded event, made in bulk."""
    creatives = [creative] * count if creative else CreativeFactory.create_batch(
        count, discipline=discipline or DisciplineFactory())
    rows = Application.objects.bulk_create([
        Application(creative=c, call=place["call"], building=place["building"], status=status,
                    stage=stage_)
        for c in creatives
    ])
    ApplicationEvent.objects.bulk_create([
        ApplicationEvent(application=row, to_status=status) for row in rows])
    for row in rows:
        row.facilities.set([])
    return rows


def count_queries(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_programmer_applications_list_keeps_a_constant_query_count(place, today):
    client = client_for(place["programmer"])
    add_applications(place, 3)
    few = count_queries(client, url("programmer-application-list"))
    add_applications(place, 27)
    assert count_queries(client, url("programmer-application-list")) == few <= 10


def test_creative_applications_list_keeps_a_constant_query_count(place, today):
    owner = creative_user()
    client = client_for(owner)
    add_applications(place, 3, creative=owner.creative, status=ApplicationStatus.WITHDRAWN)
    few = count_queries(client, url("my-application-list"))
    add_applications(place, 27, creative=owner.creative, status=ApplicationStatus.WITHDRAWN)
    assert count_queries(client, url("my-application-list")) == few <= 10


def test_offer_and_tenancy_lists_keep_a_constant_query_count(place, today):
    owner = creative_user()
    creative_client, programmer_client = client_for(owner), client_for(place["programmer"])

    def add(count):
        for _ in range(count):
            space = SpaceFactory(building=place["building"])
            application = add_applications(place, 1, creative=owner.creative,
                                           status=ApplicationStatus.DECLINED)[0]
            Offer.objects.create(application=application, space=space, start=today,
                                 offered_on=today, reply_by=today, status=OfferStatus.DECLINED)
            TenancyFactory(space=space, start=today, planned_end=today + timedelta(days=30))

    paths = [(creative_client, url("my-offer-list")),
             (programmer_client, url("programmer-offer-list")),
             (programmer_client, url("programmer-tenancy-list")),
             (programmer_client, url("programmer-call-list"))]
    add(3)
    few = [count_queries(client, path) for client, path in paths]
    add(27)
    assert [count_queries(client, path) for client, path in paths] == few


def test_programmer_applications_paginate_and_filter(place, today):
    painters, potters = DisciplineFactory(slug="painting"), DisciplineFactory(slug="ceramics")
    add_applications(place, 55, discipline=painters)
    screened_rows = add_applications(place, 5, discipline=potters, stage_=stage("making"))
    for row in screened_rows[:3]:
        screened(row, today)
    client = client_for(place["programmer"])
    path = url("programmer-application-list")

    first = client.get(path).json()
    assert (first["count"], len(first["results"])) == (60, 50)
    assert len(client.get(first["next"]).json()["results"]) == 10

    def ids(**query):
        response = client.get(path, query)
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    potter_ids = {row.pk for row in screened_rows}
    assert ids(discipline="ceramics") == potter_ids
    assert ids(stage="making") == potter_ids
    assert ids(screening="valid") == {row.pk for row in screened_rows[:3]}
    assert ids(status="eligible") == {row.pk for row in screened_rows[:3]}
    assert ids(screening="none", discipline="ceramics") == {row.pk for row in screened_rows[3:]}
    assert client.get(path, {"call": place["call"].pk}).json()["count"] == 60
    assert client.get(path, {"call": place["call"].pk + 1}).json()["count"] == 0
    assert client.get(path, {"screening": "maybe"}).status_code == 400


def test_screening_filter_tells_an_expired_screening_from_none(place, today):
    long_ago = today - timedelta(days=800)
    old, fresh = add_applications(place, 2)
    screening_record(creative=old.creative, city=place["building"].city, on=long_ago,
                     professional_practice=True, income_within_limit=True)

    rows = client_for(place["programmer"]).get(url("programmer-application-list"),
                                               {"screening": "expired"}).json()["results"]

    assert [(row["id"], row["screening"]) for row in rows] == [(old.pk, "expired")]


# --- renewing a tenancy ----------------------------------------------------------------------

def test_programmer_renews_a_tenancy_by_one_standard_term(place, today):
    tenancy = tenancy_create(space=place["spaces"][0], creative=CreativeFactory(),
                             start=today - timedelta(days=60))
    programmer = client_for(place["programmer"])
    planned_end = add_months(tenancy.planned_end, 24)
    response = programmer.post(url("programmer-tenancy-renew", tenancy.pk),
                               {"planned_end": planned_end.isoformat()}, format="json")
    assert response.status_code == 200
    assert response.json()["planned_end"] == planned_end.isoformat()
    assert response.json()["renewals"] == 1


def test_renewing_with_an_empty_body_is_refused_naming_planned_end(place, today):
    tenancy = tenancy_create(space=place["spaces"][0], creative=CreativeFactory(),
                             start=today - timedelta(days=60))
    planned_end = tenancy.planned_end
    response = client_for(place["programmer"]).post(url("programmer-tenancy-renew", tenancy.pk),
                                                    {}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["planned_end"]
    tenancy.refresh_from_db()
    assert (tenancy.planned_end, tenancy.renewals) == (planned_end, 0)


def test_renewing_beyond_the_policy_over_the_api_is_refused_with_a_field_message(place, today):
    tenancy = TenancyFactory(space=place["spaces"][0], start=today - timedelta(days=60),
                             planned_end=today + timedelta(days=300), renewals=2)
    programmer = client_for(place["programmer"])
    response = programmer.post(url("programmer-tenancy-renew", tenancy.pk),
                               {"planned_end": (today + timedelta(days=400)).isoformat()},
                               format="json")
    assert response.status_code == 400
    assert "at most 2 renewal(s)" in response.json()["exception_reason"][0]
    response = programmer.post(url("programmer-tenancy-renew", tenancy.pk),
                               {"planned_end": (today + timedelta(days=400)).isoformat(),
                                "exception_reason": "Lopend project"}, format="json")
    assert response.status_code == 200
    assert response.json()["renewals"] == 3
    assert "Lopend project" in response.json()["term_exception_reason"]


def test_renewing_to_an_earlier_end_over_the_api_is_refused(place, today):
    tenancy = TenancyFactory(space=place["spaces"][0], start=today - timedelta(days=60),
                             planned_end=today + timedelta(days=300))
    response = client_for(place["programmer"]).post(
        url("programmer-tenancy-renew", tenancy.pk),
        {"planned_end": (today + timedelta(days=10)).isoformat()}, format="json")
    assert response.status_code == 400
    assert "must be after the current one" in response.json()["planned_end"][0]


def test_renewing_another_programmers_tenancy_is_not_found(place, today):
    policy = PolicyFactory()
    building = BuildingFactory(city=policy.city, programmers=[UserFactory(roles=[PROGRAMMER])])
    tenancy = TenancyFactory(space=SpaceFactory(building=building),
                             start=today - timedelta(days=60),
                             planned_end=today + timedelta(days=300))
    response = client_for(place["programmer"]).post(
        url("programmer-tenancy-renew", tenancy.pk), {}, format="json")
    assert response.status_code == 404
    tenancy.refresh_from_db()
    assert (tenancy.planned_end, tenancy.renewals) == (today + timedelta(days=300), 0)


LIST_ENDPOINTS = [
    ("my-application-list", ("owner", "other creative")),
    ("my-offer-list", ("owner", "other creative")),
    ("programmer-call-list", ("programmer", "other programmer")),
    ("programmer-application-list", ("programmer", "other programmer")),
    ("programmer-offer-list", ("programmer", "other programmer")),
    ("programmer-tenancy-list", ("programmer", "other programmer")),
]


@pytest.mark.parametrize(("name", "allowed"), LIST_ENDPOINTS)
@pytest.mark.parametrize("who", ["anonymous", "owner", "other creative", "programmer",
                                 "other programmer", "bureau"])
def test_list_endpoints_by_role(world, name, allowed, who):
    """Lists (GET) and creating (POST, where there is one) by every role: the lists' own role
    gets them (its rows only, tested above), anyone else is refused."""
    client = client_for(actor(who, world))
    response = client.get(url(name))
    if who in allowed:
        assert response.status_code == 200
    else:
        assert response.status_code in (ANONYMOUS if who == "anonymous" else (403,))
    if name in ("my-application-list", "programmer-call-list"):
        created = client.post(url(name), {}, format="json")
        assert created.status_code in ((400,) if who in allowed else
                                       ANONYMOUS if who == "anonymous" else (403,))
