"""Programmers' pages for allocation rounds, committee scoring and fit weights, and the public
call page's "how applicants are judged": who may see them, running each method, refusals
beside their field with nothing stored, hand changes, confirming (offers and mail) and query
counts.

The world (as in test_matching_services.py, with dates around today because the pages use
today): a building of the fashion chain housing fashion tenants at idea and making; a
published call offers S1 (30 m², €200, idea), S2 (45 m², €300, making) and S3 (60 m², €450,
distribution, daylight). Five fashion applicants are screened eligible.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import formats, translation

from broedplaats.models import (
    AllocationMethod,
    AllocationRound,
    CommitteeCriterion,
    CommitteeScore,
    FitWeights,
    Offer,
    RoundChange,
    RoundStatus,
)
from broedplaats.roles import CITY_BUREAU, CREATIVE, PROGRAMMER
from broedplaats.services import (
    call_create,
    call_publish,
    committee_criteria_set,
    committee_score_record,
    round_run,
    tenancy_create,
)
from tests.factories import (
    BuildingFactory,
    CreativeFactory,
    PolicyFactory,
    SpaceFactory,
    UserFactory,
)
from tests.worlds import matching_applicant, matching_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def client():
    """Pages in English: the site's default language is Dutch."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def world(db, today):
    world = matching_world(publish_on=today, opens_on=today - timedelta(days=1),
                           closes_on=today + timedelta(days=30),
                           tenants_moved_on=today - timedelta(days=900),
                           tenancies_start=today - timedelta(days=300),
                           tenancies_end=today + timedelta(days=400))
    return {**world, "today": today, "start": today + timedelta(days=40),
            "reply_by": today + timedelta(days=14)}


def apply(world, *, at=None, call=None, screened=True, **wishes):
    return matching_applicant(world, on=world["today"],
                              moved_on=world["today"] - timedelta(days=300),
                              at=at or world["stages"][0], call=call, screened=screened, **wishes)


@pytest.fixture
def applicants(world):
    idea, making, distribution = world["stages"]
    return [
        apply(world, at=idea, max_rent=Decimal(250)),
        apply(world, at=making, min_area_m2=Decimal(40), max_area_m2=Decimal(50)),
        apply(world, at=distribution, min_area_m2=Decimal(55)),
        apply(world, at=making),
        apply(world, at=idea),
    ]


def run(world, method=AllocationMethod.RANKING, seed=5):
    return round_run(calls=[world["call"]], method=method, on=world["today"],
                     start=world["start"], reply_by=world["reply_by"], seed=seed,
                     by=world["programmer"])


def form_data(world, **changes):
    return {"method": AllocationMethod.RANKING, "start": world["start"].isoformat(),
            "reply_by": world["reply_by"].isoformat(), "seed": "", **changes}


def logged_in(client, user):
    client.force_login(user)
    return client


def pages(world, round_):
    return [
        reverse("programmer-call-rounds", args=[world["call"].pk]),
        reverse("programmer-round-new"),
        reverse("programmer-round", args=[round_.pk]),
        reverse("programmer-call-committee", args=[world["call"].pk]),
        reverse("programmer-building-weights", args=[world["building"].slug]),
    ]


def writes(world, round_):
    entry = round_.entries.filter(space__isnull=False).first()
    return [
        (reverse("programmer-call-rounds", args=[world["call"].pk]), form_data(world)),
        (reverse("programmer-round-adjust", args=[round_.pk, entry.pk]), {"space": ""}),
        (reverse("programmer-round-confirm", args=[round_.pk]), {}),
        (reverse("programmer-round-discard", args=[round_.pk]), {}),
        (reverse("programmer-call-committee", args=[world["call"].pk]), {}),
        (reverse("programmer-call-criteria", args=[world["call"].pk]), {"criteria": "Plan"}),
        (reverse("programmer-building-weights", args=[world["building"].slug]),
         {"stage": 1, "chain": 1, "completeness": 1, "area": 1, "rent": 1, "facilities": 1,
          "wait": 1, "wait_full_days": 365}),
    ]


# --- who may see the pages ---------------------------------------------------------------------

def test_each_page_renders_for_the_calls_programmer(client, world, applicants):
    round_ = run(world)
    logged_in(client, world["programmer"])
    for url in pages(world, round_):
        response = client.get(url)
        assert response.status_code == 200, url
    detail = client.get(pages(world, round_)[2]).content.decode()
    assert applicants[2].creative.name in detail and "S3" in detail


def test_another_programmer_finds_none_of_it_and_changes_nothing(client, world, applicants):
    round_ = run(world)
    other = UserFactory(roles=[PROGRAMMER])
    BuildingFactory(city=world["city"], programmers=[other])
    logged_in(client, other)
    for url in pages(world, round_):
        if url == reverse("programmer-round-new"):
            continue  # their own (empty) page
        assert client.get(url).status_code == 404, url
    for url, data in writes(world, round_):
        assert client.post(url, data).status_code == 404, url
    assert AllocationRound.objects.count() == 1
    assert not RoundChange.objects.exists() and not Offer.objects.exists()
    assert not CommitteeCriterion.objects.exists() and not FitWeights.objects.exists()
    round_.refresh_from_db()
    assert round_.status == RoundStatus.PROPOSED
    # The city-wide form does not offer another programmer's calls.
    form = client.get(reverse("programmer-round-new")).context["form"]
    assert world["call"].pk not in form.fields["calls"].calls


def test_a_round_with_another_programmers_call_is_not_found(client, world, applicants):
    """A round is the programmer's only when every one of its calls is."""
    other = UserFactory(roles=[PROGRAMMER])
    elsewhere = BuildingFactory(city=world["city"], chains=[world["fashion"]],
                                programmers=[other])
    space = SpaceFactory(building=elsewhere, code="X1")
    call = call_create(building=elsewhere, title="Elders", spaces=[space],
                       opens_on=world["today"], closes_on=world["today"] + timedelta(days=9))
    call_publish(call=call, on=world["today"])
    round_ = round_run(calls=[world["call"], call], method=AllocationMethod.LOTTERY,
                       on=world["today"], start=world["start"], reply_by=world["reply_by"])
    logged_in(client, world["programmer"])
    assert client.get(reverse("programmer-round", args=[round_.pk])).status_code == 404
    listed = client.get(reverse("programmer-call-rounds", args=[world["call"].pk]))
    assert round_.pk not in [r.pk for r in listed.context["rounds"]]


@pytest.mark.parametrize("role", [CREATIVE, CITY_BUREAU])
def test_other_roles_are_forbidden(client, world, applicants, role):
    round_ = run(world)
    logged_in(client, UserFactory(roles=[role]))
    for url in pages(world, round_):
        assert client.get(url).status_code == 403, url
    for url, data in writes(world, round_):
        assert client.post(url, data).status_code == 403, url
    assert AllocationRound.objects.count() == 1 and not Offer.objects.exists()


def test_anonymous_is_sent_to_log_in(client, world, applicants):
    round_ = run(world)
    for url in pages(world, round_):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    for url, data in writes(world, round_):
        response = client.post(url, data)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


# --- running a round ---------------------------------------------------------------------------

def test_the_form_defaults_to_the_calls_method_and_sensible_dates(client, world):
    logged_in(client, world["programmer"])
    form = client.get(reverse("programmer-call-rounds", args=[world["call"].pk])).context["form"]
    today = world["today"]
    start = form.initial["start"]
    assert form.initial["method"] == world["call"].allocation_method
    assert start.day == 1 and today < start <= today + timedelta(days=31)
    assert form.initial["reply_by"] == min(today + timedelta(days=14), start)
    assert [value for value, _label in form.fields["method"].choices] == AllocationMethod.values


@pytest.mark.parametrize("method", AllocationMethod.values)
def test_running_each_method_stores_a_round_and_shows_it(client, world, applicants, method):
    if method == AllocationMethod.COMMITTEE:
        criterion = committee_criteria_set(call=world["call"], names=["Kwaliteit"])[0]
        for score, application in enumerate(applicants):
            committee_score_record(criterion=criterion, application=application,
                                   member=world["programmer"], score=score + 4)
    logged_in(client, world["programmer"])
    response = client.post(reverse("programmer-call-rounds", args=[world["call"].pk]),
                           form_data(world, method=method, seed="424242"))
    round_ = AllocationRound.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("programmer-round", args=[round_.pk])
    assert (round_.method, round_.seed, round_.run_by) == (method, 424242, world["programmer"])
    assert round_.entries.filter(space__isnull=False).count() == 3
    page = client.get(response.url).content.decode()
    assert "424242" in page and "Confirm and make the offers" in page
    assert page.count('class="row-form"') == 5


def test_an_empty_seed_is_drawn_and_the_same_seed_draws_the_same_line(client, world,
                                                                      applicants):
    logged_in(client, world["programmer"])
    url = reverse("programmer-call-rounds", args=[world["call"].pk])
    client.post(url, form_data(world, method=AllocationMethod.LOTTERY))
    first = AllocationRound.objects.get()
    client.post(url, form_data(world, method=AllocationMethod.LOTTERY, seed=str(first.seed)))
    again = AllocationRound.objects.exclude(pk=first.pk).get()
    assert again.seed == first.seed
    line = [e.creative_id for e in first.entries.order_by("position")]
    assert [e.creative_id for e in again.entries.order_by("position")] == line


@pytest.mark.parametrize(("field", "changes"), [
    ("reply_by", lambda w: {"reply_by": (w["start"] + timedelta(days=1)).isoformat()}),
    ("reply_by", lambda w: {"reply_by": (w["today"] - timedelta(days=1)).isoformat()}),
    ("start", lambda w: {"start": (w["today"] - timedelta(days=2)).isoformat(),
                         "reply_by": (w["today"] - timedelta(days=3)).isoformat()}),
    ("start", lambda w: {"start": "31-02-2026"}),
    ("seed", lambda w: {"seed": "-4"}),
    ("seed", lambda w: {"seed": "lucky"}),
    ("method", lambda w: {"method": "astrology"}),
])
def test_a_refused_round_shows_the_error_beside_its_field_and_stores_nothing(
        client, world, applicants, field, changes):
    logged_in(client, world["programmer"])
    response = client.post(reverse("programmer-call-rounds", args=[world["call"].pk]),
                           form_data(world, **changes(world)))
    assert response.status_code == 400
    form = response.context["form"]
    assert list(form.errors) == [field]
    page = response.content.decode()
    assert f'name="{field}"' in page and str(form.errors[field][0]) in page.replace(
        "&#x27;", "'")
    assert not AllocationRound.objects.exists()


def test_a_committee_round_without_scores_is_refused_beside_the_method(client, world,
                                                                        applicants):
    logged_in(client, world["programmer"])
    response = client.post(reverse("programmer-call-rounds", args=[world["call"].pk]),
                           form_data(world, method=AllocationMethod.COMMITTEE))
    assert response.status_code == 400
    assert "committee has not scored anyone" in response.context["form"].errors["method"][0]
    assert not AllocationRound.objects.exists()


def test_a_round_without_eligible_applicants_is_refused(client, world):
    apply(world, screened=False)
    logged_in(client, world["programmer"])
    response = client.post(reverse("programmer-call-rounds", args=[world["call"].pk]),
                           form_data(world))
    assert response.status_code == 400
    assert "No applicant of these calls" in response.context["form"].non_field_errors()[0]
    assert not AllocationRound.objects.exists()


def test_an_unpublished_call_shows_no_run_form(client, world):
    draft = call_create(building=world["building"], title="Concept", spaces=world["spaces"],
                        opens_on=world["today"], closes_on=world["today"] + timedelta(days=9))
    logged_in(client, world["programmer"])
    page = client.get(reverse("programmer-call-rounds", args=[draft.pk])).content.decode()
    assert "Publish the call first" in page and "Run the round" not in page


def test_a_city_wide_round_takes_several_calls_of_one_city(client, world, applicants):
    second = BuildingFactory(city=world["city"], chains=[world["fashion"]],
                             programmers=[world["programmer"]])
    space = SpaceFactory(building=second, code="B1")
    call = call_create(building=second, title="Werkplaatsen", spaces=[space],
                       opens_on=world["today"], closes_on=world["today"] + timedelta(days=9))
    call_publish(call=call, on=world["today"])
    both = apply(world, call=call)
    logged_in(client, world["programmer"])
    page = client.get(reverse("programmer-round-new")).content.decode()
    assert second.name in page and world["building"].name in page  # grouped by building
    response = client.post(reverse("programmer-round-new"), form_data(
        world, calls=[world["call"].pk, call.pk], method=AllocationMethod.STABLE_MATCHING))
    round_ = AllocationRound.objects.get()
    assert response.status_code == 302
    assert set(round_.calls.all()) == {world["call"], call}
    assert round_.entries.count() == 6 and round_.entries.get(creative=both.creative)
    detail = client.get(response.url).content.decode()
    assert "B1" in detail and second.name in detail


def test_a_city_wide_round_over_two_cities_is_refused_beside_the_calls(client, world,
                                                                       applicants):
    policy = PolicyFactory()
    elsewhere = BuildingFactory(city=policy.city, programmers=[world["programmer"]])
    call = call_create(building=elsewhere, title="Elders", spaces=[SpaceFactory(
        building=elsewhere)], opens_on=world["today"],
        closes_on=world["today"] + timedelta(days=9))
    call_publish(call=call, on=world["today"])
    logged_in(client, world["programmer"])
    response = client.post(reverse("programmer-round-new"),
                           form_data(world, calls=[world["call"].pk, call.pk]))
    assert response.status_code == 400
    assert response.context["form"].errors["calls"] == ["A round takes the calls of one city."]
    assert not AllocationRound.objects.exists()
    response = client.post(reverse("programmer-round-new"), form_data(world))
    assert "calls" in response.context["form"].errors  # none chosen


# --- the round page ----------------------------------------------------------------------------

def test_the_round_page_shows_the_breakdown_left_out_and_the_seed(client, world, applicants):
    unscreened = apply(world, screened=False)
    tenancy_create(space=world["spaces"][0], creative=CreativeFactory(),
                   start=world["start"] - timedelta(days=5))
    round_ = run(world, seed=77)
    logged_in(client, world["programmer"])
    response = client.get(reverse("programmer-round", args=[round_.pk]))
    page = response.content.decode()
    assert "77" in page and "Anyone can re-run the draw with this seed" in page
    assert "S1: let on the start date" in page  # the space left out, and why
    assert unscreened.creative.name in page and "not screened yet" in page
    for label in ("Stage", "Chain", "Missing link", "Area", "Rent", "Facilities",
                  "Waiting time"):
        assert f"<dt>{label}</dt>" in page
    top = response.context["entries"][0]
    assert top.application_id == applicants[2].pk  # the missing link
    assert dict(top.parts)["Missing link"] == pytest.approx(10)
    assert reverse("programmer-applicant-detail", args=[top.application_id]) in page


def test_a_hand_change_swaps_and_is_listed(client, world, applicants):
    round_ = run(world)
    holder = round_.entries.get(space__code="S3")
    other = round_.entries.filter(space__code="S1").get()
    logged_in(client, world["programmer"])
    response = client.post(reverse("programmer-round-adjust", args=[round_.pk, other.pk]),
                           {"space": world["spaces"][2].pk}, follow=True)
    assert response.status_code == 200
    other.refresh_from_db()
    holder.refresh_from_db()
    assert (other.space.code, holder.space.code) == ("S3", "S1")
    assert RoundChange.objects.filter(round=round_).count() == 2
    changes = response.content.decode().split('id="proposal"')[1]
    assert f"{other.creative.name},\n        S1 → S3" in changes
    assert f"{holder.creative.name},\n        S3 → S1" in changes
    assert "changed by hand" in changes


def test_a_hand_change_to_no_space_frees_it(client, world, applicants):
    round_ = run(world)
    entry = round_.entries.get(space__code="S2")
    logged_in(client, world["programmer"])
    client.post(reverse("programmer-round-adjust", args=[round_.pk, entry.pk]), {"space": ""})
    entry.refresh_from_db()
    assert entry.space is None and entry.proposed_space.code == "S2"


def test_a_hand_change_to_a_space_outside_the_choice_is_refused_in_its_row(client, world,
                                                                           applicants):
    round_ = run(world)
    entry = round_.entries.get(space__code="S2")
    stranger = SpaceFactory(building=world["building"], code="Z9")
    logged_in(client, world["programmer"])
    response = client.post(reverse("programmer-round-adjust", args=[round_.pk, entry.pk]),
                           {"space": stranger.pk})
    assert response.status_code == 400
    row = next(e for e in response.context["entries"] if e.pk == entry.pk)
    assert row.form.errors["space"]
    assert response.content.decode().count('class="error"') == 1
    entry.refresh_from_db()
    assert entry.space.code == "S2" and not RoundChange.objects.exists()


def test_confirming_makes_the_offers_and_mails_them(client, world, applicants,
                                                    django_capture_on_commit_callbacks):
    round_ = run(world)
    logged_in(client, world["programmer"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("programmer-round-confirm", args=[round_.pk]),
                               follow=True)
    assert response.status_code == 200
    offers = Offer.objects.all()
    assert offers.count() == 3
    assert {o.space.code for o in offers} == {"S1", "S2", "S3"}
    assert all((o.start, o.reply_by) == (world["start"], world["reply_by"]) for o in offers)
    assert len(mail.outbox) == 3
    page = response.content.decode()
    assert "Confirmed: 3 offers went out by mail" in page
    assert "Confirm and make the offers" not in page and 'class="row-form"' not in page
    round_.refresh_from_db()
    assert round_.status == RoundStatus.CONFIRMED and round_.decided_by == world["programmer"]
    # Confirming again is refused and offers nothing more.
    again = client.post(reverse("programmer-round-confirm", args=[round_.pk]))
    assert again.status_code == 400 and Offer.objects.count() == 3


def test_confirming_after_a_space_was_let_meanwhile_offers_nothing(
        client, world, applicants, django_capture_on_commit_callbacks):
    round_ = run(world)
    tenancy_create(space=world["spaces"][1], creative=CreativeFactory(),
                   start=world["start"] - timedelta(days=10))
    logged_in(client, world["programmer"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("programmer-round-confirm", args=[round_.pk]))
    assert response.status_code == 400
    page = response.content.decode()
    assert page.count("Nothing was offered") == 1
    assert page.index("Nothing was offered") > page.index('id="proposal"')
    assert not Offer.objects.exists() and mail.outbox == []
    round_.refresh_from_db()
    assert round_.status == RoundStatus.PROPOSED
    assert "Confirm and make the offers" in page


def test_discarding_leaves_no_actions(client, world, applicants):
    round_ = run(world)
    logged_in(client, world["programmer"])
    response = client.post(reverse("programmer-round-discard", args=[round_.pk]), follow=True)
    round_.refresh_from_db()
    assert round_.status == RoundStatus.DISCARDED
    page = response.content.decode()
    assert "Confirm and make the offers" not in page and 'class="row-form"' not in page
    entry = round_.entries.filter(space__isnull=False).first()
    response = client.post(reverse("programmer-round-adjust", args=[round_.pk, entry.pk]),
                           {"space": ""})
    assert response.status_code == 400
    assert "can no longer be changed" in response.content.decode()
    assert not RoundChange.objects.exists()


def test_the_round_page_reads_dutch_dates(world, applicants):
    round_ = run(world)
    client = Client(HTTP_ACCEPT_LANGUAGE="nl")
    client.force_login(world["programmer"])
    page = client.get(reverse("programmer-round", args=[round_.pk])).content.decode()
    with translation.override("nl"):
        assert formats.date_format(world["start"], "j F Y") in page
    with translation.override("nl"):
        assert formats.date_format(world["reply_by"], "j F Y") in page


def _count_queries(client, url, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(limit) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_round_page_makes_as_many_queries_for_60_entries_as_for_5(
        client, world, applicants, django_assert_max_num_queries):
    small = run(world, method=AllocationMethod.LOTTERY)
    logged_in(client, world["programmer"])
    small_url = reverse("programmer-round", args=[small.pk])
    client.get(small_url)  # warm the session
    few = _count_queries(client, small_url, django_assert_max_num_queries, 12)
    for _ in range(55):
        apply(world)
    large = run(world, method=AllocationMethod.LOTTERY)
    assert large.entries.count() == 60
    many = _count_queries(client, reverse("programmer-round", args=[large.pk]),
                          django_assert_max_num_queries, few)
    assert many == few


def test_the_rounds_list_and_committee_sheet_keep_their_query_count(
        client, world, applicants, django_assert_max_num_queries):
    criteria = committee_criteria_set(call=world["call"], names=["Kwaliteit", "Plan"])
    logged_in(client, world["programmer"])
    run(world)
    rounds_url = reverse("programmer-call-rounds", args=[world["call"].pk])
    committee_url = reverse("programmer-call-committee", args=[world["call"].pk])
    client.get(rounds_url)
    few_rounds = _count_queries(client, rounds_url, django_assert_max_num_queries, 12)
    few_sheet = _count_queries(client, committee_url, django_assert_max_num_queries, 12)
    for _ in range(10):
        application = apply(world)
        committee_score_record(criterion=criteria[0], application=application,
                               member=world["programmer"], score=6)
    for _ in range(3):
        run(world)
    assert _count_queries(client, rounds_url, django_assert_max_num_queries,
                          few_rounds) == few_rounds
    assert _count_queries(client, committee_url, django_assert_max_num_queries,
                          few_sheet) == few_sheet


# --- the committee -----------------------------------------------------------------------------

def test_criteria_are_set_one_a_line(client, world):
    logged_in(client, world["programmer"])
    response = client.post(reverse("programmer-call-criteria", args=[world["call"].pk]),
                           {"criteria": "Artistieke kwaliteit\n\n  Plan  \r\nNetwerk"})
    assert response.status_code == 302
    assert list(world["call"].criteria.values_list("name", flat=True)) == [
        "Artistieke kwaliteit", "Plan", "Netwerk"]


def test_too_many_criteria_are_refused_beside_the_field(client, world):
    logged_in(client, world["programmer"])
    response = client.post(reverse("programmer-call-criteria", args=[world["call"].pk]),
                           {"criteria": "\n".join(f"Criterium {n}" for n in range(11))})
    assert response.status_code == 400
    assert response.context["criteria_form"].errors["criteria"] == [
        "Give at most 10 criteria."]
    assert not CommitteeCriterion.objects.exists()


def _cell(application, criterion):
    return f"score-{application.pk}-{criterion.pk}"


def test_scores_are_saved_and_the_mean_of_all_members_shown(client, world, applicants):
    kwaliteit, plan = committee_criteria_set(call=world["call"], names=["Kwaliteit", "Plan"])
    colleague = UserFactory(roles=[PROGRAMMER])
    world["building"].programmers.add(colleague)
    committee_score_record(criterion=kwaliteit, application=applicants[0], member=colleague,
                           score=3)
    logged_in(client, world["programmer"])
    response = client.post(reverse("programmer-call-committee", args=[world["call"].pk]),
                           {_cell(applicants[0], kwaliteit): "9", _cell(applicants[0], plan): "6",
                            _cell(applicants[1], plan): ""}, follow=True)
    assert response.status_code == 200
    mine = dict(CommitteeScore.objects.filter(member=world["programmer"])
                .values_list("criterion__name", "score"))
    assert mine == {"Kwaliteit": 9, "Plan": 6}
    row = next(r for r in response.context["rows"] if r["application"] == applicants[0])
    assert row["application"].mean == pytest.approx(6)  # (9 + 6 + 3) / 3
    assert row["application"].members == 2
    page = response.content.decode()
    assert "2 scores are saved." in page and "6.00" in page
    # The member's own earlier scores are filled in; the colleague's 3 is nowhere.
    assert row["cells"][0].value() == 9
    assert 'value="3"' not in page


def test_an_out_of_range_score_is_refused_beside_its_cell_and_nothing_is_saved(
        client, world, applicants):
    kwaliteit, plan = committee_criteria_set(call=world["call"], names=["Kwaliteit", "Plan"])
    logged_in(client, world["programmer"])
    response = client.post(reverse("programmer-call-committee", args=[world["call"].pk]),
                           {_cell(applicants[0], kwaliteit): "8",
                            _cell(applicants[1], plan): "11"})
    assert response.status_code == 400
    form = response.context["scores_form"]
    assert list(form.errors) == [_cell(applicants[1], plan)]
    assert response.content.decode().count('class="error"') == 1
    assert not CommitteeScore.objects.exists()


def test_an_earlier_score_cannot_be_emptied(client, world, applicants):
    kwaliteit = committee_criteria_set(call=world["call"], names=["Kwaliteit"])[0]
    committee_score_record(criterion=kwaliteit, application=applicants[0],
                           member=world["programmer"], score=7)
    logged_in(client, world["programmer"])
    response = client.post(reverse("programmer-call-committee", args=[world["call"].pk]),
                           {_cell(applicants[0], kwaliteit): "",
                            _cell(applicants[1], kwaliteit): "5"})
    assert response.status_code == 400
    assert "Your earlier score stays" in response.context["scores_form"].errors[
        _cell(applicants[0], kwaliteit)][0]
    assert list(CommitteeScore.objects.values_list("score", flat=True)) == [7]


def test_the_committee_sheet_lists_only_applicants_who_can_be_scored(client, world,
                                                                     applicants):
    committee_criteria_set(call=world["call"], names=["Kwaliteit"])
    waiting = apply(world, screened=False)
    logged_in(client, world["programmer"])
    rows = client.get(reverse("programmer-call-committee", args=[world["call"].pk])
                      ).context["rows"]
    assert {r["application"].pk for r in rows} == {a.pk for a in applicants}
    assert waiting.pk not in {r["application"].pk for r in rows}


# --- fit weights -------------------------------------------------------------------------------

def weights(**points):
    data = {"stage": 25, "chain": 20, "completeness": 10, "area": 15, "rent": 15,
            "facilities": 10, "wait": 5, "wait_full_days": 730}
    return {**data, **points}


def test_the_weights_form_shows_the_city_defaults_and_saves(client, world):
    FitWeights.objects.create(city=world["city"], stage=40, wait_full_days=365)
    logged_in(client, world["programmer"])
    url = reverse("programmer-building-weights", args=[world["building"].slug])
    page = client.get(url)
    assert page.context["form"].initial["stage"] == 40  # falls back to the city's
    assert "City default: 40." in page.content.decode()
    response = client.post(url, weights(area=100, stage=0, wait_full_days=400), follow=True)
    assert response.status_code == 200
    own = FitWeights.objects.get(building=world["building"])
    assert (own.area, own.stage, own.wait_full_days, own.updated_by) == (
        100, 0, 400, world["programmer"])
    assert "uses its own weights" in response.content.decode()
    back = client.post(url, {"reset": "1"}, follow=True)
    assert not FitWeights.objects.filter(building=world["building"]).exists()
    assert "uses the city&#x27;s weights again" in back.content.decode()
    assert back.context["form"].initial["stage"] == 40


@pytest.mark.parametrize(("data", "field"), [
    (weights(stage=0, chain=0, completeness=0, area=0, rent=0, facilities=0, wait=0), None),
    (weights(rent=101), "rent"),
    (weights(wait_full_days=10), "wait_full_days"),
    (weights(area="veel"), "area"),
])
def test_bad_weights_are_refused_and_nothing_saved(client, world, data, field):
    logged_in(client, world["programmer"])
    response = client.post(reverse("programmer-building-weights",
                                   args=[world["building"].slug]), data)
    assert response.status_code == 400
    form = response.context["form"]
    if field is None:  # all zero
        assert "At least one weight must be above 0." in str(form.errors)
    else:
        assert list(form.errors) == [field]
    assert not FitWeights.objects.exists()


# --- the public call page ----------------------------------------------------------------------

def test_the_call_page_says_how_applicants_are_judged(client, world):
    FitWeights.objects.create(building=world["building"], stage=0, chain=0, completeness=0,
                              area=60, rent=20, facilities=20, wait=0)
    page = client.get(reverse("call-detail", args=[world["call"].pk])).content.decode()
    assert "How applicants are judged" in page
    assert "<strong>Area 60%</strong>" in page and "<strong>Stage 0%</strong>" in page
    assert "The space&#x27;s area lies within the wished range." in page
    assert "one random number" in page  # the call's lottery, in plain words


def test_the_call_page_of_a_committee_call_lists_the_criteria(client, world,
                                                              django_assert_max_num_queries):
    world["call"].allocation_method = AllocationMethod.COMMITTEE
    world["call"].save()
    committee_criteria_set(call=world["call"], names=["Artistieke kwaliteit", "Plan"])
    with django_assert_max_num_queries(12):
        page = client.get(reverse("call-detail", args=[world["call"].pk])).content.decode()
    assert "<li>Artistieke kwaliteit</li>" in page and "<li>Plan</li>" in page
    assert "the mean ranks" in page


# --- links -------------------------------------------------------------------------------------

def test_the_call_list_and_form_link_to_rounds_and_committee(client, world):
    logged_in(client, world["programmer"])
    rounds = reverse("programmer-call-rounds", args=[world["call"].pk])
    committee = reverse("programmer-call-committee", args=[world["call"].pk])
    listing = client.get(reverse("programmer-calls")).content.decode()
    assert rounds in listing and committee not in listing  # a lottery call
    world["call"].allocation_method = AllocationMethod.COMMITTEE
    world["call"].save()
    form = client.get(reverse("programmer-call-edit", args=[world["call"].pk])).content.decode()
    assert rounds in form and committee in form
    spaces = client.get(reverse("programmer-spaces", args=[world["building"].slug]))
    assert reverse("programmer-building-weights",
                   args=[world["building"].slug]) in spaces.content.decode()
