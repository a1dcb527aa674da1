"""Allocation rounds, fit weights, committee scores and pathways, through the services.

The world: a building in a city under a policy, with the fashion chain in focus, housing a
fashion tenant at idea and one at making (no distribution: a missing link). A published call
offers three studios:
- S1: 30 m², €200, serves idea
- S2: 45 m², €300, serves making
- S3: 60 m², €450, serves distribution, has daylight
Five fashion applicants, screened eligible, apply with wishes; one more applicant is not
screened (left out) and one is screened ineligible (left out).
"""

from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pytest
from django.core.exceptions import ValidationError

from broedplaats.matching import blocking_pairs, lottery_numbers
from broedplaats.models import (
    AllocationMethod,
    AllocationRound,
    ApplicationStatus,
    CommitteeScore,
    EndReason,
    Offer,
    OfferStatus,
    RoundChange,
    RoundStatus,
)
from broedplaats.selectors.matching import round_inputs
from broedplaats.services import (
    application_choices_set,
    committee_criteria_set,
    committee_score_record,
    fit_weights_set,
    pathway_save,
    round_adjust,
    round_confirm,
    round_discard,
    round_run,
    tenancy_create,
)
from tests.factories import (
    BuildingFactory,
    CreativeFactory,
    SpaceFactory,
    TenancyFactory,
    UserFactory,
)
from tests.worlds import matching_applicant, matching_world

TODAY = date(2026, 3, 2)
START = date(2026, 5, 1)
REPLY_BY = date(2026, 3, 16)
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def world(db):
    # As this file always had it: the programmer is in no group.
    return matching_world(publish_on=TODAY, opens_on=date(2026, 3, 1),
                          closes_on=date(2026, 3, 31), tenants_moved_on=date(2024, 1, 1),
                          tenancies_start=date(2025, 1, 1), tenancies_end=date(2027, 1, 1),
                          programmer_roles=())


def _apply(world, *, at, screened=True, eligible=True, **wishes):
    return matching_applicant(world, on=TODAY, moved_on=date(2023, 6, 1), at=at,
                              screened=screened, eligible=eligible, **wishes)


@pytest.fixture
def applicants(world):
    idea, making, distribution = world["stages"]
    return [
        _apply(world, at=idea, max_rent=Decimal(250)),
        _apply(world, at=making, min_area_m2=Decimal(40), max_area_m2=Decimal(50)),
        _apply(world, at=distribution, min_area_m2=Decimal(55)),
        _apply(world, at=making),
        _apply(world, at=idea),
    ]


def _run(world, method, **extra):
    return round_run(calls=[world["call"]], method=method, on=TODAY, start=START,
                     reply_by=REPLY_BY, by=world["programmer"], **extra)


def _proposal(round_):
    return {entry.application_id: entry.space_id
            for entry in round_.entries.all() if entry.space_id}


def test_inputs_leave_out_the_unscreened_and_the_ineligible_with_reasons(world, applicants):
    unscreened = _apply(world, at=world["stages"][0], screened=False)
    ineligible = _apply(world, at=world["stages"][0], eligible=False)
    inputs = round_inputs(calls=[world["call"]], on=TODAY, start=START)
    reasons = {c.application_id: c.excluded for c in inputs.candidates}
    assert reasons[unscreened.pk] == "not screened yet"
    assert reasons[ineligible.pk] == "screened: not eligible"
    assert {c.application_id for c in inputs.taking_part()} == {a.pk for a in applicants}
    assert inputs.scores.shape == (5, 3) and inputs.feasible.all()


def test_the_distribution_applicant_gains_most_from_the_missing_link(world, applicants):
    inputs = round_inputs(calls=[world["call"]], on=TODAY, start=START)
    row = [c.application_id for c in inputs.taking_part()].index(applicants[2].pk)
    s3 = [s.code for s in inputs.spaces].index("S3")
    parts = inputs.breakdown(row, s3)
    # Default weights sum to 100: stage 25 (S3 serves distribution), chain 20 (fashion in
    # focus), completeness 10 (the building houses no fashion distribution now), area 15
    # (60 m² within "from 55"), rent 15 (no wish), facilities 10 (no wish), wait 0 (no
    # candidate list, applied today): 95.
    assert parts == pytest.approx({"stage": 25, "chain": 20, "completeness": 10, "area": 15,
                                   "rent": 15, "facilities": 10, "wait": 0, "bonus": 0,
                                   "total": 95})
    idea_row = [c.application_id for c in inputs.taking_part()].index(applicants[0].pk)
    # The idea applicant in S1 (serves idea; fashion idea is housed, so no completeness):
    # 25 + 20 + 0 + 15 + 15 (rent 200 <= 250) + 10 + 0 = 85.
    assert inputs.breakdown(idea_row, 0)["total"] == pytest.approx(85)


def test_a_lottery_round_is_stored_and_rerun_from_its_seed(world, applicants):
    first = _run(world, AllocationMethod.LOTTERY, seed=12345)
    assert first.seed == 12345 and first.status == RoundStatus.PROPOSED
    entries = list(first.entries.order_by("position"))
    numbers = lottery_numbers(12345, [e.creative_id for e in entries])
    assert [e.creative_id for e in entries] == sorted(numbers, key=numbers.get)
    assert len({e.space_id for e in entries if e.space_id}) == 3
    again = _run(world, AllocationMethod.LOTTERY, seed=12345)
    assert [e.creative_id for e in again.entries.order_by("position")] == \
        [e.creative_id for e in entries]
    assert _proposal(again) == _proposal(first)
    assert first.inputs["applicants"][0]["lottery"] == numbers[first.inputs["applicants"][0]
                                                               ["creative"]]


def test_ranking_puts_the_best_fit_first(world, applicants):
    round_ = _run(world, AllocationMethod.RANKING, seed=1)
    entries = list(round_.entries.order_by("position"))
    values = [e.value for e in entries]
    assert values == sorted(values, reverse=True)
    assert entries[0].application_id == applicants[2].pk  # 95, the missing link
    assert entries[0].space.code == "S3"


def test_a_committee_round_needs_scores_and_breaks_ties_by_lottery(world, applicants):
    with pytest.raises(ValidationError) as error:
        _run(world, AllocationMethod.COMMITTEE)
    assert "method" in error.value.message_dict
    criteria = committee_criteria_set(call=world["call"], names=["Kwaliteit", "Plan"])
    member = world["programmer"]
    # Means: a0 8, a1 8, a2 5, a3 9, a4 unscored.
    for application, (q, p) in zip(applicants[:4], [(8, 8), (9, 7), (5, 5), (9, 9)],
                                   strict=True):
        committee_score_record(criterion=criteria[0], application=application, member=member,
                               score=q)
        committee_score_record(criterion=criteria[1], application=application, member=member,
                               score=p)
    round_ = _run(world, AllocationMethod.COMMITTEE, seed=99)
    entries = list(round_.entries.order_by("position"))
    assert entries[0].application_id == applicants[3].pk
    tied = [e for e in entries if e.application_id in (applicants[0].pk, applicants[1].pk)]
    assert [e.lottery for e in tied] == sorted(e.lottery for e in tied)
    assert entries[-1].application_id == applicants[4].pk and entries[-1].value is None


def test_committee_scores_out_of_range_or_by_outsiders_are_refused(world, applicants):
    criterion = committee_criteria_set(call=world["call"], names=["Kwaliteit"])[0]
    for bad in (-1, 11, "7", 7.5):
        with pytest.raises(ValidationError) as error:
            committee_score_record(criterion=criterion, application=applicants[0],
                                   member=world["programmer"], score=bad)
        assert "score" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        committee_score_record(criterion=criterion, application=applicants[0],
                               member=UserFactory(), score=5)
    assert "member" in error.value.message_dict
    assert not CommitteeScore.objects.exists()


def test_stable_matching_follows_the_applicants_rankings_without_blocking_pairs(world,
                                                                                 applicants):
    s1, s2, s3 = world["spaces"]
    for application in applicants:
        application_choices_set(application=application, spaces=[s3, s2, s1])
    round_ = _run(world, AllocationMethod.STABLE_MATCHING, seed=7)
    inputs = round_inputs(calls=[world["call"]], on=TODAY, start=START)
    people = inputs.taking_part()
    column = {s.pk: j for j, s in enumerate(inputs.spaces)}
    preferences = [[column[s] for s in c.choices] for c in people]
    lottery = np.array([round_.entries.get(creative_id=c.creative_id).lottery for c in people])
    assignment = np.array([
        column.get(round_.entries.get(creative_id=c.creative_id).space_id, -1) for c in people])
    priority = np.round(inputs.scores.astype(np.float64), 1)
    assert blocking_pairs(preferences, priority, [1, 1, 1], assignment,
                          tie_break=lottery) == []
    # Everyone wants S3 most; it goes to the best fit for it, the distribution applicant.
    assert round_.entries.get(space=s3).application_id == applicants[2].pk


def test_optimal_assignment_maximises_the_total_fit(world, applicants):
    from scipy.optimize import linear_sum_assignment

    round_ = _run(world, AllocationMethod.OPTIMAL, seed=3)
    inputs = round_inputs(calls=[world["call"]], on=TODAY, start=START)
    rows, cols = linear_sum_assignment(inputs.scores, maximize=True)
    best = float(inputs.scores[rows, cols].sum())
    assert sum(e.score for e in round_.entries.all() if e.space_id) == pytest.approx(best,
                                                                                    abs=0.01)


def test_a_round_without_eligible_applicants_is_refused_and_stores_nothing(world):
    _apply(world, at=world["stages"][0], screened=False)
    with pytest.raises(ValidationError) as error:
        _run(world, AllocationMethod.LOTTERY)
    assert "calls" in error.value.message_dict
    assert not AllocationRound.objects.exists()


@pytest.mark.parametrize(("field", "start", "reply_by"), [
    ("start", TODAY - timedelta(days=1), TODAY - timedelta(days=1)),
    ("reply_by", START, TODAY - timedelta(days=1)),
    ("reply_by", START, START + timedelta(days=1)),
    ("start", date(2030, 1, 1), REPLY_BY),
])
def test_round_dates_are_checked(world, applicants, field, start, reply_by):
    with pytest.raises(ValidationError) as error:
        round_run(calls=[world["call"]], method=AllocationMethod.LOTTERY, on=TODAY,
                  start=start, reply_by=reply_by)
    assert field in error.value.message_dict


def test_confirming_makes_the_offers_through_the_offer_service(world, applicants):
    round_ = _run(world, AllocationMethod.RANKING, seed=5)
    offers = round_confirm(round=round_, on=TODAY, by=world["programmer"])
    assert len(offers) == 3
    assert {o.space_id for o in offers} == {s.pk for s in world["spaces"]}
    assert all(o.reply_by == REPLY_BY and o.start == START for o in offers)
    for offer in offers:
        offer.application.refresh_from_db()
        assert offer.application.status == ApplicationStatus.OFFERED
    round_.refresh_from_db()
    assert round_.status == RoundStatus.CONFIRMED and round_.decided_by == world["programmer"]
    with pytest.raises(ValidationError):
        round_confirm(round=round_, on=TODAY)


def test_confirming_after_a_space_was_let_meanwhile_offers_nothing(world, applicants):
    round_ = _run(world, AllocationMethod.RANKING, seed=5)
    s2 = world["spaces"][1]
    tenancy_create(space=s2, creative=CreativeFactory(), start=date(2026, 4, 1))
    with pytest.raises(ValidationError) as error:
        round_confirm(round=round_, on=TODAY)
    assert "S2" in error.value.message_dict["space"][0]
    assert not Offer.objects.exists()
    round_.refresh_from_db()
    assert round_.status == RoundStatus.PROPOSED


def test_a_hand_change_swaps_spaces_and_is_recorded(world, applicants):
    round_ = _run(world, AllocationMethod.RANKING, seed=5)
    holder = round_.entries.get(space__code="S3")
    other = round_.entries.exclude(pk=holder.pk).filter(space__isnull=False).first()
    other_space = other.space
    round_adjust(round=round_, entry=other, space=world["spaces"][2], by=world["programmer"])
    other.refresh_from_db()
    holder.refresh_from_db()
    assert other.space.code == "S3" and other.proposed_space == other_space
    assert holder.space == other_space
    assert other.breakdown["space"] == world["spaces"][2].pk
    assert RoundChange.objects.filter(round=round_).count() == 2
    round_discard(round=round_, by=world["programmer"])
    with pytest.raises(ValidationError):
        round_adjust(round=round_, entry=other, space=None)


def test_fit_weights_per_building_change_the_scores(world, applicants):
    with pytest.raises(ValidationError):
        fit_weights_set(building=world["building"], stage=0, chain=0, completeness=0, area=0,
                        rent=0, facilities=0, wait=0)
    with pytest.raises(ValidationError):
        fit_weights_set(building=world["building"], stage=101)
    fit_weights_set(building=world["building"], stage=0, chain=0, completeness=0, area=100,
                    rent=0, facilities=0, wait=0)
    inputs = round_inputs(calls=[world["call"]], on=TODAY, start=START)
    row = [c.application_id for c in inputs.taking_part()].index(applicants[1].pk)
    # Area only: 40-50 m² wished; S2 is 45 (100), S1 is 30: 1 - 10/40 = 0.75 (75).
    assert inputs.scores[row, 1] == pytest.approx(100)
    assert inputs.scores[row, 0] == pytest.approx(75)


def test_pathway_priority_adds_its_bonus_and_is_shown(world, applicants):
    academy = BuildingFactory(city=world["city"], chains=[world["call"].building.chain_focus
                                                          .first()])
    idea, making, _distribution = world["stages"]
    pathway_save(city=world["city"], chain=academy.chain_focus.first(), name="Academie",
                 steps=[(academy, idea), (world["building"], making)], bonus_points=20)
    alumnus = applicants[3]
    TenancyFactory(space=SpaceFactory(building=academy), creative=alumnus.creative,
                   start=date(2024, 1, 1), planned_end=date(2026, 6, 1),
                   actual_end=date(2026, 2, 1), end_reason=EndReason.NEXT_STAGE)
    inputs = round_inputs(calls=[world["call"]], on=TODAY, start=START)
    candidate = next(c for c in inputs.taking_part() if c.application_id == alumnus.pk)
    assert candidate.bonus == 20 and candidate.pathway == "Academie"
    row = inputs.taking_part().index(candidate)
    assert inputs.breakdown(row, 0)["bonus"] == 20


def test_a_pathway_through_an_archived_building_is_refused(world):
    closed = BuildingFactory(city=world["city"], archived=True)
    idea, making, _distribution = world["stages"]
    with pytest.raises(ValidationError) as error:
        pathway_save(city=world["city"], chain=world["call"].building.chain_focus.first(),
                     name="Dicht", steps=[(closed, idea), (world["building"], making)])
    assert "archived" in error.value.message_dict["steps"][0]
    with pytest.raises(ValidationError):
        pathway_save(city=world["city"], chain=world["call"].building.chain_focus.first(),
                     name="Terug", steps=[(world["building"], making), (closed, idea)])


def test_an_open_offer_on_a_space_leaves_it_out(world, applicants):
    round_ = _run(world, AllocationMethod.LOTTERY, seed=1)
    round_confirm(round=round_, on=TODAY)
    assert Offer.objects.filter(status=OfferStatus.OPEN).count() == 3
    with pytest.raises(ValidationError) as error:
        _run(world, AllocationMethod.LOTTERY)
    assert "calls" in error.value.message_dict


# --- fit in the daily pages --------------------------------------------------------------------

def _programmer_client(client, world):
    from tests.factories import group

    world["programmer"].groups.add(group("programmer"))
    client.force_login(world["programmer"])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_the_applicants_table_shows_and_sorts_by_fit(client, world, applicants):
    from django.urls import reverse

    _programmer_client(client, world)
    html = client.get(reverse("programmer-applicants"), {"order": "fit"}).content.decode()
    names = [a.creative.name for a in applicants]
    positions = sorted(names, key=html.index)
    assert positions[0] == applicants[2].creative.name  # 95: the missing link, first
    assert ">95<" in html.replace(" ", "")
    by_date = client.get(reverse("programmer-applicants"), {"order": "submitted_at"})
    assert sorted(names, key=by_date.content.decode().index) == names


def test_the_offer_form_ranks_spaces_by_fit_and_marks_open_offers(client, world, applicants):
    from django.urls import reverse
    from django.utils import timezone

    from broedplaats.services import offer_make

    today = timezone.localdate()
    s1, s2, s3 = world["spaces"]
    offer_make(application=applicants[0], space=s1, start=today + timedelta(days=30),
               reply_by=today + timedelta(days=7), on=today)
    _programmer_client(client, world)
    url = reverse("programmer-applicant-detail", args=[applicants[2].pk])
    html = client.get(url).content.decode()
    form = html[html.index('name="space"'):]
    form = form[:form.index("</select>")]
    # 95 for S3 (worked out above), then lower fits.
    assert form.index(" S3 ·") < form.index(" S2 ·") < form.index(" S1 ·")
    assert "S3 · fit 95" in form
    s1_option = form[form.rindex("<option", 0, form.index(" S1 ·")):form.index(" S1 ·")]
    assert "disabled" in s1_option and "has an open offer" in form
    response = client.post(reverse("programmer-applicant-offer", args=[applicants[2].pk]),
                           {"space": s1.pk, "start": today + timedelta(days=30),
                            "reply_by": today + timedelta(days=7)})
    assert response.status_code == 400
    assert Offer.objects.filter(space=s1).count() == 1


def _creative_client(client, application):
    from tests.factories import UserFactory, group

    user = UserFactory()
    user.groups.add(group("creative"))
    creative = application.creative
    creative.user = user
    creative.save(update_fields=["user"])
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_an_applicant_sees_their_own_fit_and_round_place_only(client, world, applicants):
    from django.urls import reverse

    round_ = _run(world, AllocationMethod.RANKING, seed=5)
    own = applicants[2]
    _creative_client(client, own)
    html = client.get(reverse("creative-applications")).content.decode()
    assert "Your fit: 95 of 100 (best for space S3)" in html
    assert "Missing link" in html
    entry = round_.entries.get(creative=own.creative)
    assert f"your place in line is {entry.position}" in html
    assert "Proposed to you: space S3." in html and str(round_.seed) in html
    for other in applicants:
        if other.pk != own.pk:
            assert other.creative.name not in html


def test_an_applicant_ranks_the_spaces_of_a_stable_matching_call(client, world, applicants):
    from django.urls import reverse

    from broedplaats.models import ApplicationChoice

    call = world["call"]
    call.allocation_method = AllocationMethod.STABLE_MATCHING
    call.save(update_fields=["allocation_method"])
    own = applicants[1]
    _creative_client(client, own)
    assert "Save my ranking" in client.get(reverse("creative-applications")).content.decode()
    s1, s2, s3 = world["spaces"]
    url = reverse("creative-application-choices", args=[own.pk])
    client.post(url, {"space": [s2.pk, s3.pk, ""]})
    assert list(ApplicationChoice.objects.filter(application=own)
                .values_list("space", flat=True)) == [s2.pk, s3.pk]
    response = client.post(url, {"space": [s2.pk, s2.pk]}, follow=True)
    assert "Rank each space once." in response.content.decode()
    assert ApplicationChoice.objects.filter(application=own).count() == 2  # kept
    other = applicants[0]
    assert client.post(reverse("creative-application-choices", args=[other.pk]),
                       {"space": [s1.pk]}).status_code == 404


def test_every_space_is_scored_under_its_own_building(world, applicants):
    # A call offers its own building's spaces (call_create checks it); a space added around
    # the service is still scored, under its own building's chain focus and weights.
    elsewhere = SpaceFactory(building=BuildingFactory(city=world["city"]), code="X1")
    world["call"].spaces.add(elsewhere)
    inputs = round_inputs(calls=[world["call"]], on=TODAY, start=START)
    column = [s.pk for s in inputs.spaces].index(elsewhere.pk)
    assert (inputs.scores[:, column] > 0).all()
