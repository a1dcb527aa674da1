"""The matching API: programmers' rounds, committee criteria and scores, fit weights; a
creative's ranking of spaces and place in a round; pathways. Every refusal names its field
and writes nothing; every role reaches only its own rows; lists keep their query counts.

The world (as in test_matching_services, with dates from today): a fashion building housing
fashion tenants at idea and making, with three studios in a published call (S1 idea, S2
making, S3 distribution with daylight) and five screened fashion applicants; the first has a
user account.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from broedplaats.models import (
    AllocationRound,
    ApplicationChoice,
    CommitteeCriterion,
    CommitteeScore,
    FitWeights,
    Offer,
    Pathway,
    RoundChange,
    RoundEntry,
    RoundStatus,
)
from broedplaats.roles import CITY_BUREAU, CREATIVE, PROGRAMMER
from broedplaats.services import (
    application_choices_set,
    call_create,
    call_publish,
    committee_criteria_set,
    committee_score_record,
    fit_weights_set,
    pathway_save,
    round_discard,
    round_run,
    tenancy_create,
)
from tests.api import client_for, url
from tests.factories import (
    BuildingFactory,
    CreativeFactory,
    SpaceFactory,
    TenancyFactory,
    UserFactory,
)
from tests.worlds import matching_applicant, matching_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

NAMES = ["Anouk Visser", "Bram de Wit", "Chaya Obi", "Daan Smit", "Esra Kaya"]




def a_programmer(**building):
    user = UserFactory(roles=[PROGRAMMER])
    BuildingFactory(programmers=[user], **building)
    return user


def _apply(world, today, *, at, name, user=None, screened=True, eligible=True, call=None,
           **wishes):
    return matching_applicant(world, on=today, moved_on=today - timedelta(days=900), at=at,
                              call=call, screened=screened, eligible=eligible,
                              creative={"name": name, "user": user}, **wishes)


@pytest.fixture
def world(db, today):
    world = matching_world(publish_on=today, opens_on=today - timedelta(days=1),
                           closes_on=today + timedelta(days=30),
                           tenants_moved_on=today - timedelta(days=800),
                           tenancies_start=today - timedelta(days=400),
                           tenancies_end=today + timedelta(days=400))
    return {**world, "today": today, "start": today + timedelta(days=30),
            "reply_by": today + timedelta(days=14)}


@pytest.fixture
def applicants(world, today):
    idea, making, distribution = world["stages"]
    owner = UserFactory(roles=[CREATIVE])
    return [
        _apply(world, today, at=idea, name=NAMES[0], user=owner, max_rent=Decimal(250)),
        _apply(world, today, at=making, name=NAMES[1], min_area_m2=Decimal(40),
               max_area_m2=Decimal(50)),
        _apply(world, today, at=distribution, name=NAMES[2], min_area_m2=Decimal(55)),
        _apply(world, today, at=making, name=NAMES[3]),
        _apply(world, today, at=idea, name=NAMES[4]),
    ]


def run(world, method="ranking", **extra):
    return round_run(calls=[world["call"]], method=method, on=world["today"],
                     start=world["start"], reply_by=world["reply_by"], by=world["programmer"],
                     **extra)


def run_body(world, **changes):
    return {"calls": [world["call"].pk], "method": "ranking",
            "start": world["start"].isoformat(), "reply_by": world["reply_by"].isoformat(),
            **changes}


# --- rounds: run, read, change, confirm, discard ----------------------------------------------

def test_programmer_runs_a_ranking_round_and_reads_the_proposal(world, applicants):
    client = client_for(world["programmer"])

    response = client.post(url("programmer-round-list"), run_body(world, seed=42),
                           format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["method"], body["seed"], body["status"], body["calls"]) == (
        "ranking", 42, "proposed", [world["call"].pk])
    assert body["run_by"] == world["programmer"].username and body["decided_by"] is None
    assert body["actions"] == ["adjust", "confirm", "discard"]
    assert sorted(body["spaces"]) == sorted(s.pk for s in world["spaces"])
    entries = body["entries"]
    assert [e["position"] for e in entries] == [1, 2, 3, 4, 5]
    values = [e["value"] for e in entries]
    assert values == sorted(values, reverse=True)
    # The distribution applicant fills the building's missing link: 95 points in S3.
    first = entries[0]
    assert first["creative"]["name"] == NAMES[2]
    assert first["application"] == applicants[2].pk
    assert first["space"]["code"] == first["proposed_space"]["code"] == "S3"
    assert first["breakdown"]["total"] == pytest.approx(95)
    assert first["breakdown"]["space"] == world["spaces"][2].pk
    assert {"stage", "chain", "completeness", "area", "rent", "facilities", "wait",
            "bonus"} <= set(first["breakdown"])
    assert sum(1 for e in entries if e["space"]) == 3
    assert (body["applicants"], body["proposals"]) == (5, 3)

    detail = client.get(url("programmer-round-detail", body["id"])).json()
    assert detail["entries"] == entries
    listed = client.get(url("programmer-round-list")).json()["results"]
    assert [(r["id"], r["applicants"], r["proposals"]) for r in listed] == [(body["id"], 5, 3)]


def test_a_round_lists_the_left_out_applicants_and_spaces_with_reasons(world, applicants,
                                                                        today):
    _apply(world, today, at=world["stages"][0], name="Fenna Bos", screened=False)
    TenancyFactory(space=world["spaces"][0], start=today - timedelta(days=10),
                   planned_end=today + timedelta(days=400))

    body = client_for(world["programmer"]).post(url("programmer-round-list"),
                                                run_body(world), format="json").json()

    left_out = [e for e in body["entries"] if e["excluded"]]
    assert [(e["creative"]["name"], e["excluded"], e["space"]) for e in left_out] == [
        ("Fenna Bos", "not screened yet", None)]
    assert left_out[0]["position"] == len(body["entries"])
    assert body["spaces_left_out"] == [{
        "space": {"id": world["spaces"][0].pk, "code": "S1",
                  "building": world["building"].slug},
        "reason": "let on the start date"}]


def test_the_same_seed_draws_the_same_lottery(world, applicants):
    client = client_for(world["programmer"])
    body = run_body(world, method="lottery", seed=2026)
    first = client.post(url("programmer-round-list"), body, format="json").json()
    again = client.post(url("programmer-round-list"), body, format="json").json()
    assert [(e["creative"]["id"], e["lottery"]) for e in first["entries"]] == \
        [(e["creative"]["id"], e["lottery"]) for e in again["entries"]]
    assert all(e["value"] is None for e in first["entries"])


@pytest.mark.parametrize(("changes", "field"), [
    ({"calls": []}, "calls"),
    ({"calls": [999999]}, "calls"),
    ({"method": "dice"}, "method"),
    ({"start": "not a date"}, "start"),
    ({"reply_by": None}, "reply_by"),
    ({"seed": -1}, "seed"),
    ({"seed": "abc"}, "seed"),
])
def test_running_a_round_with_bad_input_is_a_400_naming_the_field(world, applicants, changes,
                                                                  field):
    response = client_for(world["programmer"]).post(url("programmer-round-list"),
                                                    run_body(world, **changes), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not AllocationRound.objects.exists()


@pytest.mark.parametrize(("days_start", "days_reply", "field"), [
    (-1, -1, "start"),
    (30, 31, "reply_by"),
    (30, -1, "reply_by"),
    (400, 14, "start"),
])
def test_round_dates_the_service_refuses_are_a_400_naming_the_field(world, applicants, today,
                                                                    days_start, days_reply,
                                                                    field):
    body = run_body(world, start=(today + timedelta(days=days_start)).isoformat(),
                    reply_by=(today + timedelta(days=days_reply)).isoformat())
    response = client_for(world["programmer"]).post(url("programmer-round-list"), body,
                                                    format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not AllocationRound.objects.exists()


def test_a_round_over_an_unpublished_or_another_programmers_call_is_refused(world, applicants,
                                                                            today):
    draft = call_create(building=world["building"], title="Concept",
                        opens_on=today, closes_on=today + timedelta(days=9))
    other = a_programmer()
    elsewhere = other.programmed_buildings.get()
    foreign = call_create(building=elsewhere, title="Elders",
                          spaces=[SpaceFactory(building=elsewhere)],
                          opens_on=today, closes_on=today + timedelta(days=9))
    call_publish(call=foreign, on=today)
    client = client_for(world["programmer"])
    for call in (draft, foreign):
        response = client.post(url("programmer-round-list"), run_body(world, calls=[call.pk]),
                               format="json")
        assert response.status_code == 400
        assert list(response.json()) == ["calls"]
    assert not AllocationRound.objects.exists()


def test_a_committee_round_without_scores_is_refused_under_method(world, applicants):
    response = client_for(world["programmer"]).post(
        url("programmer-round-list"), run_body(world, method="committee"), format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["method"]


def test_a_hand_change_swaps_two_applicants_and_is_listed(world, applicants):
    round_ = run(world)
    holder = round_.entries.get(space__code="S3")
    other = round_.entries.exclude(pk=holder.pk).filter(space__isnull=False).first()
    other_code = other.space.code

    response = client_for(world["programmer"]).post(
        url("programmer-round-adjust", round_.pk),
        {"entry": other.pk, "space": world["spaces"][2].pk}, format="json")

    assert response.status_code == 200, response.json()
    entries = {e["id"]: e for e in response.json()["entries"]}
    assert entries[other.pk]["space"]["code"] == "S3"
    assert entries[other.pk]["proposed_space"]["code"] == other_code
    assert entries[holder.pk]["space"]["code"] == other_code
    assert entries[other.pk]["breakdown"]["space"] == world["spaces"][2].pk
    changes = response.json()["changes"]
    assert [(c["entry"], c["from_space"]["code"], c["to_space"]["code"], c["by"])
            for c in changes] == [
        (other.pk, other_code, "S3", world["programmer"].username),
        (holder.pk, "S3", other_code, world["programmer"].username)]


def test_a_hand_change_to_no_space_frees_it(world, applicants):
    round_ = run(world)
    holder = round_.entries.get(space__code="S3")
    response = client_for(world["programmer"]).post(
        url("programmer-round-adjust", round_.pk), {"entry": holder.pk, "space": None},
        format="json")
    assert response.status_code == 200, response.json()
    holder.refresh_from_db()
    assert holder.space is None and response.json()["proposals"] == 2


def test_bad_hand_changes_are_a_400_naming_the_field_and_change_nothing(world, applicants,
                                                                        today):
    round_ = run(world)
    elsewhere = run(world, method="lottery")
    entry = round_.entries.filter(space__isnull=False).first()
    stray = SpaceFactory(building=world["building"], code="S9")
    before = list(round_.entries.values_list("pk", "space"))
    client = client_for(world["programmer"])
    for body, field in [
        ({"entry": elsewhere.entries.first().pk, "space": None}, "entry"),
        ({"entry": entry.pk, "space": stray.pk}, "space"),
        ({"entry": entry.pk, "space": 999999}, "space"),
        ({"entry": entry.pk}, "space"),
        ({"space": None}, "entry"),
    ]:
        response = client.post(url("programmer-round-adjust", round_.pk), body, format="json")
        assert response.status_code == 400, body
        assert list(response.json()) == [field], response.json()
    assert list(round_.entries.values_list("pk", "space")) == before
    assert not RoundChange.objects.exists()


def test_confirming_makes_the_offers_and_closes_the_round(world, applicants):
    round_ = run(world)
    client = client_for(world["programmer"])

    response = client.post(url("programmer-round-confirm", round_.pk))

    assert response.status_code == 201, response.json()
    offers = response.json()
    assert sorted(o["space"] for o in offers) == ["S1", "S2", "S3"]
    assert {(o["start"], o["reply_by"], o["status"]) for o in offers} == {
        (world["start"].isoformat(), world["reply_by"].isoformat(), "open")}
    assert Offer.objects.count() == 3
    detail = client.get(url("programmer-round-detail", round_.pk)).json()
    assert (detail["status"], detail["decided_by"], detail["actions"]) == (
        "confirmed", world["programmer"].username, [])
    entry = round_.entries.first()
    for name, body in [("programmer-round-confirm", {}), ("programmer-round-discard", {}),
                       ("programmer-round-adjust", {"entry": entry.pk, "space": None})]:
        response = client.post(url(name, round_.pk), body, format="json")
        assert response.status_code == 400
        assert list(response.json()) == ["status"]
    assert Offer.objects.count() == 3


def test_confirming_after_a_space_was_let_meanwhile_offers_nothing(world, applicants):
    round_ = run(world)
    tenancy_create(space=world["spaces"][1], creative=CreativeFactory(),
                   start=world["start"] - timedelta(days=5))

    response = client_for(world["programmer"]).post(url("programmer-round-confirm", round_.pk))

    assert response.status_code == 400
    assert "S2" in response.json()["space"][0]
    assert not Offer.objects.exists()
    round_.refresh_from_db()
    assert round_.status == RoundStatus.PROPOSED


def test_discarding_a_round_keeps_it_readable_without_actions(world, applicants):
    round_ = run(world)
    client = client_for(world["programmer"])
    response = client.post(url("programmer-round-discard", round_.pk))
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["actions"]) == ("discarded", [])
    assert client.get(url("programmer-round-list"), {"status": "discarded"}).json()["count"] == 1
    assert client.get(url("programmer-round-list"), {"status": "proposed"}).json()["count"] == 0


def test_rounds_filter_by_call(world, applicants, today):
    other_call = call_create(building=world["building"], title="Later", spaces=world["spaces"],
                             opens_on=today, closes_on=today + timedelta(days=9))
    call_publish(call=other_call, on=today)
    _apply(world, today, at=world["stages"][0], name="Gijs Mol", call=other_call)
    mine = run(world)
    round_run(calls=[other_call], method="lottery", on=today, start=world["start"],
              reply_by=world["reply_by"])
    client = client_for(world["programmer"])
    path = url("programmer-round-list")
    assert [r["id"] for r in client.get(path, {"call": world["call"].pk}).json()["results"]] \
        == [mine.pk]
    assert client.get(path).json()["count"] == 2
    assert client.get(path, {"call": "x"}).status_code == 400


def test_a_city_wide_round_is_hidden_from_a_programmer_of_only_one_of_its_buildings(
    world, applicants, today
):
    second = BuildingFactory(city=world["city"], programmers=[world["programmer"]])
    call = call_create(building=second, title="Tweede", spaces=[SpaceFactory(building=second)],
                       opens_on=today, closes_on=today + timedelta(days=9))
    call_publish(call=call, on=today)
    partner = UserFactory(roles=[PROGRAMMER])
    world["building"].programmers.add(partner)
    client = client_for(world["programmer"])
    response = client.post(url("programmer-round-list"),
                           run_body(world, calls=[world["call"].pk, call.pk]), format="json")
    assert response.status_code == 201, response.json()
    city_wide = response.json()["id"]
    own = run(world)

    partner_client = client_for(partner)
    assert [r["id"] for r in partner_client.get(url("programmer-round-list")).json()["results"]] \
        == [own.pk]
    assert partner_client.get(url("programmer-round-detail", city_wide)).status_code == 404
    assert partner_client.post(url("programmer-round-confirm", city_wide)).status_code == 404
    assert client.get(url("programmer-round-list")).json()["count"] == 2


def test_round_list_and_detail_keep_their_query_counts(world, applicants,
                                                       django_assert_max_num_queries):
    client = client_for(world["programmer"])
    first = run(world)

    def grow(count):
        for _ in range(count):
            round_ = run(world, method="lottery")
            round_discard(round=round_)
        creatives = CreativeFactory.create_batch(count, discipline=world["designer"])
        RoundEntry.objects.bulk_create(
            RoundEntry(round=first, creative=c, application=applicants[0], position=100 + i,
                       lottery=0.5, excluded="not screened yet")
            for i, c in enumerate(creatives))

    # session, user, roles, count, page, calls
    with django_assert_max_num_queries(7):
        client.get(url("programmer-round-list"))
    # + the round, entries, changes, spaces left out
    with django_assert_max_num_queries(9):
        client.get(url("programmer-round-detail", first.pk))
    grow(25)
    with django_assert_max_num_queries(7):
        assert client.get(url("programmer-round-list")).json()["count"] == 26
    with django_assert_max_num_queries(9):
        assert len(client.get(url("programmer-round-detail", first.pk)).json()["entries"]) == 30


# --- the committee -------------------------------------------------------------------------------

def test_programmer_sets_and_reads_a_calls_criteria(world):
    client = client_for(world["programmer"])
    path = url("programmer-call-criteria", world["call"].pk)
    assert client.get(path).json() == {"call": world["call"].pk, "criteria": []}

    response = client.put(path, {"criteria": ["Kwaliteit", " Plan  van aanpak ", "kwaliteit"]},
                          format="json")

    assert response.status_code == 200, response.json()
    assert [(c["name"], c["order"]) for c in response.json()["criteria"]] == [
        ("Kwaliteit", 0), ("Plan van aanpak", 1)]
    assert client.get(path).json() == response.json()


def test_criteria_refusals_name_criteria_and_keep_the_old_ones(world, applicants):
    criteria = committee_criteria_set(call=world["call"], names=["Kwaliteit", "Plan"])
    committee_score_record(criterion=criteria[0], application=applicants[0],
                           member=world["programmer"], score=7)
    client = client_for(world["programmer"])
    path = url("programmer-call-criteria", world["call"].pk)
    for body in ({"criteria": []}, {"criteria": ["Plan"]}, {"criteria": [f"C{i}" for i in
                                                                         range(11)]}):
        response = client.put(path, body, format="json")
        assert response.status_code == 400
        assert list(response.json()) == ["criteria"]
    assert client.put(path, {"criteria": "Kwaliteit"}, format="json").status_code == 400
    assert list(CommitteeCriterion.objects.values_list("name", flat=True)) == ["Kwaliteit",
                                                                                "Plan"]


@pytest.fixture
def committee(world, applicants):
    criteria = committee_criteria_set(call=world["call"], names=["Kwaliteit", "Plan"])
    partner = UserFactory(roles=[PROGRAMMER])
    world["building"].programmers.add(partner)
    for application, score in zip(applicants[:3], (4, 6, 8), strict=True):
        for criterion in criteria:
            committee_score_record(criterion=criterion, application=application,
                                   member=partner, score=score)
    return {"criteria": criteria, "partner": partner}


def test_a_member_scores_and_sees_only_their_own_scores_and_the_means(world, applicants,
                                                                      committee):
    client = client_for(world["programmer"])
    criterion = committee["criteria"][0]

    response = client.post(url("programmer-committee-score-list"), {
        "criterion": criterion.pk, "application": applicants[0].pk, "score": 10},
        format="json")

    assert response.status_code == 201, response.json()
    assert (response.json()["score"], response.json()["criterion_name"],
            response.json()["creative"]) == (10, "Kwaliteit", NAMES[0])
    again = client.post(url("programmer-committee-score-list"), {
        "criterion": criterion.pk, "application": applicants[0].pk, "score": 9}, format="json")
    assert again.status_code == 201 and again.json()["id"] == response.json()["id"]

    rows = client.get(url("programmer-committee-score-list"),
                      {"call": world["call"].pk}).json()["results"]
    assert [(r["application"], r["criterion"], r["score"]) for r in rows] == [
        (applicants[0].pk, criterion.pk, 9)]
    partner_ids = set(CommitteeScore.objects.filter(member=committee["partner"])
                      .values_list("pk", flat=True))
    assert not partner_ids & {r["id"] for r in rows}

    means = client.get(url("programmer-committee-score-means"),
                       {"call": world["call"].pk}).json()
    by_application = {m["application"]: (m["mean"], m["members"]) for m in means}
    # Applicant 0: partner 4 and 4, the member 9: (4 + 4 + 9) / 3.
    assert by_application[applicants[0].pk] == (pytest.approx(17 / 3), 2)
    assert by_application[applicants[2].pk] == (8, 1)
    assert by_application[applicants[4].pk] == (None, 0)
    assert [m["application"] for m in means][:2] == [applicants[2].pk, applicants[1].pk]
    assert set(means[0]) == {"application", "creative", "status", "mean", "members"}


@pytest.mark.parametrize(("score", "field"), [(11, "score"), (-1, "score"), ("7.5", "score"),
                                              (None, "score")])
def test_a_score_out_of_range_is_a_400_naming_score(world, applicants, committee, score, field):
    response = client_for(world["programmer"]).post(url("programmer-committee-score-list"), {
        "criterion": committee["criteria"][0].pk, "application": applicants[4].pk,
        "score": score}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not CommitteeScore.objects.filter(member=world["programmer"]).exists()


def test_scoring_outside_ones_reach_is_refused(world, applicants, committee, today):
    other = a_programmer(city=world["city"])
    foreign_call = call_create(building=other.programmed_buildings.get(), title="Elders",
                               opens_on=today, closes_on=today + timedelta(days=9))
    foreign_criterion = committee_criteria_set(call=foreign_call, names=["X"])[0]
    unscreened = _apply(world, today, at=world["stages"][0], name="Fenna Bos", screened=False)
    client = client_for(world["programmer"])
    criterion = committee["criteria"][0]
    for body, field in [
        ({"criterion": foreign_criterion.pk, "application": applicants[0].pk}, "criterion"),
        ({"criterion": criterion.pk, "application": 999999}, "application"),
        ({"criterion": criterion.pk, "application": unscreened.pk}, "application"),
    ]:
        response = client.post(url("programmer-committee-score-list"), {**body, "score": 5},
                               format="json")
        assert response.status_code == 400
        assert list(response.json()) == [field], response.json()
    assert not CommitteeScore.objects.filter(member=world["programmer"]).exists()
    # Another programmer sees neither the call's means nor anyone's scores.
    other_client = client_for(other)
    assert other_client.get(url("programmer-committee-score-means"),
                            {"call": world["call"].pk}).status_code == 404
    assert other_client.get(url("programmer-committee-score-list")).json()["results"] == []
    assert client.get(url("programmer-committee-score-means")).status_code == 400


def test_committee_lists_keep_their_query_counts(world, applicants, committee,
                                                 django_assert_max_num_queries):
    client = client_for(world["programmer"])
    call = world["call"]

    def score_all():
        for application in call.applications.filter(status="eligible"):
            for criterion in committee["criteria"]:
                committee_score_record(criterion=criterion, application=application,
                                       member=world["programmer"], score=5)

    score_all()
    # session, user, roles, the member's calls subquery in one: count, page
    with django_assert_max_num_queries(6):
        assert client.get(url("programmer-committee-score-list")).json()["count"] == 10
    with django_assert_max_num_queries(5):
        assert len(client.get(url("programmer-committee-score-means"),
                              {"call": call.pk}).json()) == 5
    for i in range(10):
        _apply(world, world["today"], at=world["stages"][1],
               name=f"Extra {i}")
    score_all()
    with django_assert_max_num_queries(6):
        assert client.get(url("programmer-committee-score-list")).json()["count"] == 30
    with django_assert_max_num_queries(5):
        assert len(client.get(url("programmer-committee-score-means"),
                              {"call": call.pk}).json()) == 15


# --- fit weights ---------------------------------------------------------------------------------

WEIGHTS = {"stage": 40, "chain": 20, "completeness": 20, "area": 10, "rent": 10,
           "facilities": 0, "wait": 0}


def test_programmer_reads_and_sets_a_buildings_fit_weights(world):
    client = client_for(world["programmer"])
    path = url("programmer-building-weights", world["building"].slug)

    state = client.get(path).json()
    assert (state["source"], state["stage"], state["wait_full_days"]) == ("default", 25, 730)
    fit_weights_set(city=world["city"], stage=50, chain=50, completeness=0, area=0, rent=0,
                    facilities=0, wait=0)
    state = client.get(path).json()
    assert (state["source"], state["stage"], state["percentages"]["stage"]) == ("city", 50, 50)

    response = client.put(path, {**WEIGHTS, "wait_full_days": 365}, format="json")

    assert response.status_code == 200, response.json()
    state = response.json()
    assert state["source"] == "building"
    assert {name: state[name] for name in WEIGHTS} == WEIGHTS
    assert state["percentages"] == {**{k: float(v) for k, v in WEIGHTS.items()}}
    assert state["city_defaults"]["stage"] == 50
    assert state["updated_by"] == world["programmer"].username
    assert FitWeights.objects.get(building=world["building"]).wait_full_days == 365

    back = client.delete(path)
    assert back.status_code == 200 and back.json()["source"] == "city"
    assert not FitWeights.objects.filter(building=world["building"]).exists()
    other = client_for(UserFactory(roles=[PROGRAMMER]))
    client.put(path, WEIGHTS, format="json")
    assert other.delete(path).status_code == 404
    assert FitWeights.objects.filter(building=world["building"]).exists()


@pytest.mark.parametrize(("body", "field"), [
    # All seven at 0: said beside the first weight, stage.
    ({**WEIGHTS, "stage": 0, "chain": 0, "completeness": 0, "area": 0, "rent": 0},
     "stage"),
    ({**WEIGHTS, "rent": 101}, "rent"),
    ({**WEIGHTS, "area": -5}, "area"),
    ({**WEIGHTS, "wait_full_days": 10}, "wait_full_days"),
    ({k: v for k, v in WEIGHTS.items() if k != "chain"}, "chain"),
    ({**WEIGHTS, "wait": "veel"}, "wait"),
])
def test_bad_fit_weights_are_a_400_naming_the_field_and_store_nothing(world, body, field):
    response = client_for(world["programmer"]).put(
        url("programmer-building-weights", world["building"].slug), body, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not FitWeights.objects.exists()


# --- the creative's own ranking and round --------------------------------------------------------

def test_creative_ranks_the_calls_spaces(world, applicants):
    owner = applicants[0].creative.user
    s1, s2, s3 = world["spaces"]
    client = client_for(owner)
    path = url("my-application-choices", applicants[0].pk)

    state = client.get(path).json()
    assert state["choices"] == []
    assert [s["code"] for s in state["spaces"]] == ["S1", "S2", "S3"]

    response = client.put(path, {"choices": [s3.pk, s1.pk]}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["choices"] == [s3.pk, s1.pk]
    assert list(ApplicationChoice.objects.values_list("space", "rank")) == [(s3.pk, 1),
                                                                            (s1.pk, 2)]


def test_bad_rankings_are_a_400_naming_choices_and_keep_the_old_one(world, applicants):
    owner = applicants[0].creative.user
    s1, s2, s3 = world["spaces"]
    application_choices_set(application=applicants[0], spaces=[s2])
    stray = SpaceFactory(building=world["building"], code="S9")
    client = client_for(owner)
    for choices in ([s1.pk, s1.pk], [stray.pk], [999999], "S1"):
        response = client.put(url("my-application-choices", applicants[0].pk),
                              {"choices": choices}, format="json")
        assert response.status_code == 400
        assert list(response.json()) == ["choices"], response.json()
    assert list(ApplicationChoice.objects.values_list("space", flat=True)) == [s2.pk]


def test_creative_sees_only_their_own_place_in_the_newest_round(world, applicants):
    owner = applicants[0].creative.user
    client = client_for(owner)
    path = url("my-application-round", applicants[0].pk)
    assert client.get(path).json() == {"application": applicants[0].pk, "round": None,
                                       "entry": None}

    old = run(world, method="lottery", seed=1)
    newest = run(world, method="ranking", seed=2)
    round_discard(round=run(world, method="lottery", seed=3))

    response = client.get(path)

    assert response.status_code == 200
    body = response.json()
    assert body["round"]["id"] == newest.pk != old.pk
    assert (body["round"]["method"], body["round"]["status"], body["round"]["seed"],
            body["round"]["applicants"]) == ("ranking", "proposed", 2, 5)
    own = newest.entries.get(creative=applicants[0].creative)
    entry = body["entry"]
    assert (entry["position"], entry["lottery"], entry["value"]) == (
        own.position, own.lottery, own.value)
    assert entry["breakdown"]["total"] == pytest.approx(own.breakdown["total"])
    assert (entry["proposed_space"] or {}).get("id") == own.space_id
    assert set(entry) == {"position", "lottery", "value", "proposed_space", "score",
                          "breakdown", "excluded"}
    # Nobody else's name, id or numbers: the body holds no "creative" at all, and no other
    # entry's lottery number.
    text = response.content.decode()
    assert "creative" not in text
    for other in applicants[1:]:
        assert other.creative.name not in text
    for other in newest.entries.exclude(creative=applicants[0].creative):
        assert repr(other.lottery) not in text


def test_an_applicant_left_out_of_the_round_sees_why(world, applicants, today):
    user = UserFactory(roles=[CREATIVE])
    late = _apply(world, today, at=world["stages"][0], name="Fenna Bos", user=user,
                  screened=False)
    run(world)
    entry = client_for(user).get(url("my-application-round", late.pk)).json()["entry"]
    assert (entry["excluded"], entry["proposed_space"], entry["breakdown"]) == (
        "not screened yet", None, {})


# --- pathways ------------------------------------------------------------------------------------

@pytest.fixture
def route(world):
    """An academy and the world's building, both in the city; a bureau member of the city."""
    academy = BuildingFactory(city=world["city"], chains=[world["fashion"]], slug="academie")
    bureau = UserFactory(roles=[CITY_BUREAU])
    world["city"].bureau_members.add(bureau)
    return {"academy": academy, "bureau": bureau}


def pathway_body(world, route, **changes):
    return {"city": world["city"].slug, "chain": "fashion", "name": "Academie naar atelier",
            "priority": "bonus", "bonus_points": 20, "priority_months": 12,
            "steps": [{"building": route["academy"].slug, "stage": "idea"},
                      {"building": world["building"].slug, "stage": "making"}], **changes}


def test_city_bureau_creates_changes_and_archives_a_pathway_anyone_can_read(world, route):
    client = client_for(route["bureau"])

    response = client.post(url("pathway-list"), pathway_body(world, route), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert [(s["order"], s["building"], s["stage"]) for s in body["steps"]] == [
        (1, "academie", "idea"), (2, world["building"].slug, "making")]
    assert (body["priority"], body["bonus_points"], body["archived"]) == ("bonus", 20, False)

    anonymous = client_for()
    assert [p["id"] for p in anonymous.get(url("pathway-list")).json()["results"]] == [body["id"]]
    assert anonymous.get(url("pathway-detail", body["id"])).json() == body

    response = client.put(url("pathway-detail", body["id"]),
                          pathway_body(world, route, name="Snelle route", priority="first"),
                          format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["name"], response.json()["priority"]) == ("Snelle route", "first")

    response = client.post(url("pathway-archive", body["id"]))
    assert response.status_code == 200 and response.json()["archived"] is True
    assert anonymous.get(url("pathway-list")).json()["results"] == []
    assert anonymous.get(url("pathway-list"), {"archived": "true"}).json()["count"] == 1
    response = client.put(url("pathway-detail", body["id"]), pathway_body(world, route),
                          format="json")
    assert response.status_code == 400 and list(response.json()) == ["name"]


def test_a_programmer_of_every_step_may_save_a_pathway_others_may_not(world, route):
    route["academy"].programmers.add(world["programmer"])
    response = client_for(world["programmer"]).post(url("pathway-list"),
                                                    pathway_body(world, route), format="json")
    assert response.status_code == 201, response.json()
    created = response.json()["id"]

    half = UserFactory(roles=[PROGRAMMER])
    world["building"].programmers.add(half)
    other_bureau = UserFactory(roles=[CITY_BUREAU])
    BuildingFactory().city.bureau_members.add(other_bureau)
    creative = UserFactory(roles=[CREATIVE])
    for user in (half, other_bureau, creative):
        client = client_for(user)
        assert client.post(url("pathway-list"), pathway_body(world, route),
                           format="json").status_code == 403
        assert client.put(url("pathway-detail", created), pathway_body(world, route, name="X"),
                          format="json").status_code == 403
        assert client.post(url("pathway-archive", created)).status_code == 403
    anonymous = client_for()
    assert anonymous.post(url("pathway-list"), pathway_body(world, route),
                          format="json").status_code in (401, 403)
    assert anonymous.post(url("pathway-archive", created)).status_code in (401, 403)
    assert Pathway.objects.get().name == "Academie naar atelier"
    assert not Pathway.objects.get().archived


@pytest.mark.parametrize(("changes", "field"), [
    ({"steps": [{"building": "academie", "stage": "idea"}]}, "steps"),
    ({"steps": [{"building": "academie", "stage": "later"},
                {"building": "academie", "stage": "idea"}]}, "steps"),
    ({"steps": [{"building": "nowhere", "stage": "idea"}]}, "steps"),
    ({"bonus_points": 99}, "bonus_points"),
    ({"priority_months": 0}, "priority_months"),
    ({"priority": "always"}, "priority"),
    ({"chain": "nothing"}, "chain"),
    ({"name": ""}, "name"),
])
def test_bad_pathways_are_a_400_naming_the_field_and_store_nothing(world, route, changes,
                                                                   field):
    response = client_for(route["bureau"]).post(url("pathway-list"),
                                                pathway_body(world, route, **changes),
                                                format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field], response.json()
    assert not Pathway.objects.exists()


@pytest.mark.parametrize("field", ["priority", "bonus_points", "priority_months"])
def test_a_pathway_leaving_out_its_priority_is_a_400_naming_the_field(world, route, field):
    body = pathway_body(world, route)
    del body[field]
    response = client_for(route["bureau"]).post(url("pathway-list"), body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field], response.json()
    assert not Pathway.objects.exists()


def test_a_pathway_through_an_archived_building_is_refused_under_steps(world, route):
    closed = BuildingFactory(city=world["city"], archived=True, slug="dicht")
    body = pathway_body(world, route, steps=[{"building": closed.slug, "stage": "idea"},
                                             {"building": world["building"].slug,
                                              "stage": "making"}])
    response = client_for(route["bureau"]).post(url("pathway-list"), body, format="json")
    assert response.status_code == 400
    assert "archived" in response.json()["steps"][0]
    assert not Pathway.objects.exists()


def test_pathway_list_keeps_its_query_count(world, route, django_assert_max_num_queries):
    idea, making, _distribution = world["stages"]

    def add(count):
        for i in range(count):
            pathway_save(city=world["city"], chain=world["fashion"], name=f"Route {i}",
                         steps=[(route["academy"], idea), (world["building"], making)])

    add(2)
    client = client_for()
    # count, page, steps with building and stage
    with django_assert_max_num_queries(3):
        client.get(url("pathway-list"))
    Pathway.objects.all().delete()
    add(20)
    with django_assert_max_num_queries(3):
        assert client.get(url("pathway-list")).json()["count"] == 20


# --- who may reach what --------------------------------------------------------------------------

@pytest.fixture
def objects(world, applicants):
    round_ = run(world)
    return {"round": round_.pk, "call": world["call"].pk, "building": world["building"].slug,
            "application": applicants[0].pk, "entry": round_.entries.first().pk}


PROGRAMMER_ENDPOINTS = [
    ("get", "programmer-round-detail", "round", {}),
    ("post", "programmer-round-adjust", "round", {"entry": None, "space": None}),
    ("post", "programmer-round-confirm", "round", {}),
    ("post", "programmer-round-discard", "round", {}),
    ("get", "programmer-call-criteria", "call", {}),
    ("put", "programmer-call-criteria", "call", {"criteria": ["Kwaliteit"]}),
    ("get", "programmer-building-weights", "building", {}),
    ("put", "programmer-building-weights", "building", WEIGHTS),
]
CREATIVE_ENDPOINTS = [
    ("get", "my-application-choices", "application", {}),
    ("put", "my-application-choices", "application", {"choices": []}),
    ("get", "my-application-round", "application", {}),
]


def actor(name, world, applicants):
    if name == "anonymous":
        return None
    if name == "owner":
        return applicants[0].creative.user
    if name == "programmer":
        return world["programmer"]
    if name == "other creative":
        user = UserFactory(roles=[CREATIVE])
        CreativeFactory(user=user)
        return user
    if name == "other programmer":
        return a_programmer(city=world["city"])
    user = UserFactory(roles=[CITY_BUREAU])
    world["city"].bureau_members.add(user)
    return user


def status_of(world, applicants, objects, who, method, name, obj, body):
    client = client_for(actor(who, world, applicants))
    return getattr(client, method)(url(name, objects[obj]), body, format="json").status_code


ANONYMOUS = (401, 403)


@pytest.mark.parametrize(("method", "name", "obj", "body"), PROGRAMMER_ENDPOINTS)
@pytest.mark.parametrize(("who", "expected"), [
    ("anonymous", ANONYMOUS), ("owner", (403,)), ("other creative", (403,)),
    ("other programmer", (404,)), ("bureau", (403,)), ("programmer", (200, 201, 400)),
])
def test_programmer_endpoints_refuse_all_but_the_buildings_programmer(
    world, applicants, objects, who, expected, method, name, obj, body
):
    before = (AllocationRound.objects.filter(status=RoundStatus.PROPOSED).count(),
              CommitteeCriterion.objects.count(), FitWeights.objects.count())
    code = status_of(world, applicants, objects, who, method, name, obj, body)
    assert code in expected
    if who != "programmer":
        assert (AllocationRound.objects.filter(status=RoundStatus.PROPOSED).count(),
                CommitteeCriterion.objects.count(), FitWeights.objects.count()) == before


@pytest.mark.parametrize(("method", "name", "obj", "body"), CREATIVE_ENDPOINTS)
@pytest.mark.parametrize(("who", "expected"), [
    ("anonymous", ANONYMOUS), ("other creative", (404,)), ("programmer", (403,)),
    ("bureau", (403,)), ("owner", (200,)),
])
def test_creative_endpoints_refuse_all_but_the_owner(world, applicants, objects, who, expected,
                                                     method, name, obj, body):
    assert status_of(world, applicants, objects, who, method, name, obj, body) in expected


@pytest.mark.parametrize("name", ["programmer-round-list", "programmer-committee-score-list"])
@pytest.mark.parametrize(("who", "expected"), [
    ("anonymous", ANONYMOUS), ("owner", (403,)), ("bureau", (403,)),
])
def test_programmer_lists_refuse_other_roles(world, applicants, name, who, expected):
    client = client_for(actor(who, world, applicants))
    assert client.get(url(name)).status_code in expected
    assert client.post(url(name), {}, format="json").status_code in expected


def test_another_programmer_sees_no_rounds_and_cannot_run_one_over_the_call(world, applicants,
                                                                          objects):
    client = client_for(a_programmer(city=world["city"]))
    assert client.get(url("programmer-round-list")).json()["results"] == []
    response = client.post(url("programmer-round-list"), run_body(world), format="json")
    assert response.status_code == 400 and list(response.json()) == ["calls"]
    assert AllocationRound.objects.count() == 1


# --- the schema ----------------------------------------------------------------------------------

def test_the_schema_documents_every_matching_path_with_its_parameters(client):
    paths = client.get(reverse("api:schema"), {"format": "json"}).json()["paths"]

    def parameters(path, method):
        return {p["name"]: p for p in paths[path][method].get("parameters", [])}

    assert {"call", "status", "method", "page"} <= set(parameters("/api/programmer/rounds/",
                                                                  "get"))
    assert "requestBody" in paths["/api/programmer/rounds/"]["post"]
    for action in ("adjust", "confirm", "discard"):
        assert "id" in parameters(f"/api/programmer/rounds/{{id}}/{action}/", "post")
    assert "requestBody" in paths["/api/programmer/rounds/{id}/adjust/"]["post"]
    assert "id" in parameters("/api/programmer/rounds/{id}/", "get")
    for path, name in [("/api/programmer/calls/{id}/criteria/", "id"),
                       ("/api/programmer/buildings/{slug}/weights/", "slug"),
                       ("/api/me/applications/{id}/choices/", "id")]:
        assert name in parameters(path, "get") and name in parameters(path, "put")
        assert "requestBody" in paths[path]["put"]
    assert "id" in parameters("/api/me/applications/{id}/round/", "get")
    assert {"call", "application"} <= set(parameters("/api/programmer/committee-scores/", "get"))
    assert "requestBody" in paths["/api/programmer/committee-scores/"]["post"]
    means = parameters("/api/programmer/committee-scores/means/", "get")
    assert means["call"]["required"] is True
    assert {"city", "chain", "archived"} <= set(parameters("/api/pathways/", "get"))
    assert {"get", "put"} <= set(paths["/api/pathways/{id}/"])
    assert "patch" not in paths["/api/pathways/{id}/"]
    assert "id" in parameters("/api/pathways/{id}/archive/", "post")
