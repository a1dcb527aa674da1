"""`manage.py seed_demo`: the demo is built, believable, repeatable and keeps every rule.

The scale-1 demo is built once for the module (inside a transaction rolled back at the end), so
the invariant checks below read the same data without rebuilding it.
"""

import io
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from decimal import ROUND_UP, Decimal
from itertools import groupby
from statistics import median

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Sum
from django.db.models.functions import Coalesce
from django.test import override_settings
from django.utils import timezone

from broedplaats import roles
from broedplaats.demo import demo_flush
from broedplaats.history import TRACKED_MODELS
from broedplaats.models import (
    APPLICATION_TRANSITIONS,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Building,
    Call,
    City,
    ClusterType,
    EndReason,
    Offer,
    OfferStatus,
    OperatorKind,
    Policy,
    Screening,
    SocialReturn,
    SocialReturnKind,
    Space,
    SpaceKind,
    Tenancy,
)
from broedplaats.selectors import screening_valid_on, spaces_with_occupancy, tenancies_running
from broedplaats.services import add_months
from broedplaats.services.allocation import application_create, application_submit
from chains.models import Chain, Creative, Stage, StageMove
from chains.selectors import creative_current_stage
from chains.services import creative_create, stage_move_record

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 24)
ARGS = ("--seed", "2026", "--today", TODAY.isoformat())
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The scale-1 demo and the command's output, shared by the module, rolled back after it."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER):
        with transaction.atomic():
            out = io.StringIO()
            call_command("seed_demo", *ARGS, stdout=out)
            yield out.getvalue()
            transaction.set_rollback(True)


def seed(*args: str) -> str:
    out = io.StringIO()
    with override_settings(PASSWORD_HASHERS=FAST_HASHER):
        call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def fingerprint() -> tuple[list, ...]:
    """Everything that makes the demo what it is, without primary keys or the timestamps of
    the open calls (the services write those at the current time)."""
    creatives = list(Creative.objects.order_by("pk").values_list(
        "name", "kvk_number", "kind", "discipline__slug", "archived"))
    tenancies = list(Tenancy.objects.order_by("pk").values_list(
        "space__building__slug", "space__code", "creative__name", "creative__kvk_number", "start",
        "planned_end", "actual_end", "end_reason", "monthly_rent"))
    moves = list(StageMove.objects.order_by("pk").values_list(
        "creative__name", "moved_on", "from_stage__code", "to_stage__code", "to_market",
        "building__slug"))
    applications = list(Application.objects.filter(call__isnull=True).order_by("pk").values_list(
        "creative__name", "building__slug", "status", "stage__code", "submitted_at", "created_at"))
    events = list(ApplicationEvent.objects.filter(
        application__call__isnull=True, at__lt=noon_of(TODAY + timedelta(days=1))
    ).order_by("pk").values_list("application__creative__name", "from_status", "to_status", "at"))
    offers = list(Offer.objects.filter(status=OfferStatus.ACCEPTED).order_by("pk").values_list(
        "space__code", "tenancy__start", "offered_on", "reply_by", "made_at", "responded_at"))
    social = list(SocialReturn.objects.order_by("pk").values_list(
        "tenancy__creative__name", "kind", "on", "hours", "description", "recorded_at"))
    return creatives, tenancies, moves, applications, events, offers, social


def tenancy_end():
    return Coalesce("actual_end", "planned_end")


def policy_on(policies: list[Policy], city_id: int, day: date) -> Policy:
    return next(p for p in policies if p.city_id == city_id and p.valid_from <= day
                and (p.valid_to is None or day <= p.valid_to))


def test_demo_has_the_expected_rough_counts(demo):
    assert City.objects.count() == 2
    assert Policy.objects.count() == 5
    assert Chain.objects.count() == 8
    assert Building.objects.count() == 12
    assert Space.objects.count() == 300
    assert Creative.objects.count() == 1100
    # project cycles: about 15 moves a creative, 1.7 million at --scale 100
    assert 14_000 <= StageMove.objects.count() <= 20_000
    assert StageMove.objects.count() / Creative.objects.count() >= 13
    assert 600 <= Tenancy.objects.count() <= 3000
    for chain in Chain.objects.all():
        assert 3 <= chain.disciplines.count() <= 5
        assert chain.stage_notes.count() == 3


def test_demo_covers_every_kind_of_space_operator_and_cluster(demo):
    assert set(Space.objects.values_list("kind", flat=True)) == set(SpaceKind.values)
    assert set(Building.objects.values_list("operator_kind", flat=True)) == set(OperatorKind.values)
    assert set(Building.objects.values_list("cluster_type", flat=True)) == set(ClusterType.values)


def test_most_spaces_are_let_today_some_free_and_creatives_wait(demo):
    let = spaces_with_occupancy(TODAY).filter(is_let=True).count()
    assert 0.7 * 300 <= let < 300
    renting = tenancies_running(TODAY).values("creative")
    waiting = Creative.objects.filter(tenancies__isnull=True).exclude(pk__in=renting)
    assert waiting.count() >= 30


def test_every_policy_has_a_cap_for_every_kind_of_space(demo):
    for policy in Policy.objects.prefetch_related("rent_caps"):
        assert {cap.space_kind for cap in policy.rent_caps.all()} == set(SpaceKind.values)
    amsterdam = Policy.objects.filter(city__slug="amsterdam").order_by("valid_from")
    assert amsterdam[0].income_limit == Decimal("38150.00")
    rotterdam_now = Policy.objects.get(city__slug="rotterdam", valid_to__isnull=True)
    assert rotterdam_now.rent_caps.get(space_kind=SpaceKind.STUDIO).max_rent_per_m2_year == Decimal("64.29")


def test_same_seed_gives_the_same_data(demo):
    first = fingerprint()
    seed(*ARGS, "--flush", "--quiet")
    assert fingerprint() == first


def test_flush_rebuilds_but_leaves_an_existing_admin_alone(demo, settings):
    settings.PASSWORD_HASHERS = FAST_HASHER
    admin = get_user_model().objects.get(username="admin")
    admin.set_password("my-own-password")
    admin.save()
    out = seed(*ARGS, "--flush", "--quiet")
    admin.refresh_from_db()
    assert admin.check_password("my-own-password")
    assert "password was left as it was" in out
    assert Building.objects.count() == 12


def test_seeding_a_database_with_buildings_is_refused_without_flush(demo):
    with pytest.raises(CommandError, match="--flush"):
        seed(*ARGS, "--quiet")


def test_if_empty_leaves_a_seeded_database_alone_and_prints_the_logins(demo):
    before = (Building.objects.count(), Creative.objects.count(), Tenancy.objects.count())
    out = seed(*ARGS, "--if-empty")
    assert (Building.objects.count(), Creative.objects.count(), Tenancy.objects.count()) == before
    assert "nothing seeded" in out
    assert "demo-programmer" in out and "demo-broedplaats" in out


def test_no_two_tenancies_of_a_space_overlap(demo):
    other = Tenancy.objects.annotate(end=tenancy_end()).filter(
        space=OuterRef("space"), start__lt=OuterRef("end"), end__gt=OuterRef("start"),
    ).exclude(pk=OuterRef("pk"))
    assert not Tenancy.objects.annotate(end=tenancy_end()).filter(Exists(other)).exists()


def test_no_creative_holds_two_tenancies_at_once(demo):
    other = Tenancy.objects.annotate(end=tenancy_end()).filter(
        creative=OuterRef("creative"), start__lt=OuterRef("end"), end__gt=OuterRef("start"),
    ).exclude(pk=OuterRef("pk"))
    assert not Tenancy.objects.annotate(end=tenancy_end()).filter(Exists(other)).exists()


def test_every_tenancy_rent_is_within_the_cap_or_has_an_exception(demo):
    policies = list(Policy.objects.prefetch_related("rent_caps"))
    excepted = 0
    for tenancy in Tenancy.objects.select_related("space__building"):
        space = tenancy.space
        policy = policy_on(policies, space.building.city_id, tenancy.start)
        cap = next(c for c in policy.rent_caps.all() if c.space_kind == space.kind)
        per_m2_year = (tenancy.monthly_rent * 12 / space.area_m2).quantize(Decimal("0.01"), ROUND_UP)
        if tenancy.rent_exception_reason:
            excepted += 1
        else:
            assert per_m2_year <= cap.max_rent_per_m2_year, tenancy
    assert 0 < excepted < Tenancy.objects.count() * 0.05


def test_every_space_rent_is_within_todays_cap_or_has_an_exception(demo):
    policies = list(Policy.objects.prefetch_related("rent_caps"))
    for space in Space.objects.select_related("building").filter(rent_exception_reason=""):
        policy = policy_on(policies, space.building.city_id, TODAY)
        cap = next(c for c in policy.rent_caps.all() if c.space_kind == space.kind)
        assert space.monthly_rent * 12 / space.area_m2 <= cap.max_rent_per_m2_year, space


def test_every_planned_term_is_within_the_policy_terms_or_has_an_exception(demo):
    """A tenancy runs a standard term and one more for each renewal, as `tenancy_renew`
    allows; longer only with a term exception."""
    policies = list(Policy.objects.all())
    for tenancy in Tenancy.objects.select_related("space__building"):
        policy = policy_on(policies, tenancy.space.building.city_id, tenancy.start)
        longest = add_months(tenancy.start, policy.standard_term_months * (1 + tenancy.renewals))
        assert tenancy.start < tenancy.planned_end
        assert tenancy.planned_end <= longest or tenancy.term_exception_reason
        assert tenancy.renewals <= policy.max_renewals or tenancy.term_exception_reason
        assert tenancy.actual_end is None or tenancy.start < tenancy.actual_end <= TODAY


def test_every_stage_history_follows_the_rules(demo):
    moves = StageMove.objects.order_by("creative", "moved_on", "id").values_list(
        "creative", "moved_on", "from_stage__order", "to_stage__order", "to_market")
    histories = 0
    steps = Counter()
    for _creative, history in groupby(moves, key=lambda move: move[0]):
        histories += 1
        history = list(history)
        first = history[0]
        assert first[2] is None and first[3] in (1, 2) and not first[4]  # into idea or making
        for before, after in zip(history, history[1:], strict=False):
            assert not before[4], "nothing follows a move out to the market"
            assert before[1] <= after[1]
            assert after[2] == before[3]
            assert after[4] or after[3] != after[2], "a move changes the stage"
            steps[after[2], "market" if after[4] else after[3]] += 1
        assert all(move[1] <= TODAY for move in history)
    assert histories == Creative.objects.count()
    # Project cycles: idea → making → distribution, then the next project starts at idea; a
    # dropped project goes back from making to idea. Nothing skips making on the way up.
    assert set(steps) == {(1, 2), (2, 3), (3, 1), (2, 1), (1, "market"), (2, "market"),
                          (3, "market")}
    assert steps[3, 1] > steps[2, 1] > 0


def test_histories_replay_through_the_stage_move_service(demo):
    """The real service accepts the demo's histories move by move, with the same from-stages:
    the two longest histories and a few that end at the market, replayed on fresh creatives."""
    stages = {stage.pk: stage for stage in Stage.objects.all()}
    # the full service costs a dozen queries a move: a sample, not all 10,000 moves
    longest = Creative.objects.annotate(moves=Count("stage_moves")).order_by("-moves", "pk")[:2]
    to_market = Creative.objects.filter(stage_moves__to_market=True).order_by("pk")[:4]
    replayed = 0
    for original in [*longest, *to_market]:
        copy = creative_create(name=f"Replay of {original.name}", discipline=original.discipline)
        for move in original.stage_moves.order_by("moved_on", "id"):
            recorded = stage_move_record(
                creative=copy, on=move.moved_on, to_market=move.to_market,
                to_stage=stages.get(move.to_stage_id), building=move.building)
            assert recorded.from_stage_id == move.from_stage_id
            replayed += 1
        assert creative_current_stage(creative=copy) == creative_current_stage(creative=original)
    assert replayed >= 100


def test_moves_per_creative_follow_the_chains_cadence(demo):
    """Fashion shows two collections a year, a film takes years: more moves in fashion."""
    moves = Counter(StageMove.objects.values_list("creative__discipline__chain__slug", flat=True))
    creatives = Counter(Creative.objects.values_list("discipline__chain__slug", flat=True))
    average = {slug: moves[slug] / creatives[slug] for slug in creatives}
    assert average["fashion"] > average["visual-arts"] > average["film-media"]
    assert average["performing-arts"] > average["games-digital"]


def test_project_moves_keep_the_tenancy(demo):
    """A project move (an artist exhibiting: into distribution) is recorded during the tenancy
    and the tenancy runs on, also when the space does not serve the project's new stage."""
    served = defaultdict(set)
    for space, order in Space.stages.through.objects.values_list("space", "stage__order"):
        served[space].add(order)
    tenancies = defaultdict(list)
    for creative, space, start, end in Tenancy.objects.annotate(end=tenancy_end()).values_list(
        "creative", "space", "start", "end"
    ):
        tenancies[creative].append((start, end, space))
    kept, kept_unserved = 0, 0
    for creative, moved_on, order in StageMove.objects.filter(to_market=False).values_list(
        "creative", "moved_on", "to_stage__order"
    ):
        for start, end, space in tenancies[creative]:
            if start < moved_on < end:  # the tenancy runs on after the move
                kept += 1
                kept_unserved += order not in served[space]
    assert kept > 2 * Tenancy.objects.count()
    assert kept_unserved > 500


def test_a_career_move_the_space_does_not_serve_ends_the_tenancy(demo):
    """Tenancies end as "next stage" only on a career move recorded in the tenancy's building
    on its last day: to a stage the space does not serve, or, in an incubator (which pushes
    its tenants on), to any next stage."""
    ended = Tenancy.objects.filter(end_reason=EndReason.NEXT_STAGE).select_related("space__building")
    assert ended.exists()
    assert ended.count() < StageMove.objects.count() / 20
    pushed_on = 0
    for tenancy in ended:
        served = set(tenancy.space.stages.values_list("pk", flat=True))
        move = StageMove.objects.get(creative=tenancy.creative_id, moved_on=tenancy.actual_end,
                                     building=tenancy.space.building_id, to_market=False)
        if move.to_stage_id in served:
            assert tenancy.space.building.cluster_type == ClusterType.INCUBATOR
            pushed_on += 1
    assert pushed_on > 0


def test_creatives_who_left_the_sector_are_archived_and_their_history_stops(demo):
    left = Tenancy.objects.filter(end_reason=EndReason.LEFT_SECTOR)
    assert left.exists()
    for tenancy in left.select_related("creative"):
        assert tenancy.creative.archived
        assert not tenancy.creative.stage_moves.filter(moved_on__gt=tenancy.actual_end).exists()
        assert not tenancy.creative.tenancies.filter(start__gt=tenancy.actual_end).exists()
    # most creatives are still active; some went to the market, some left
    total = Creative.objects.count()
    at_market = Creative.objects.filter(stage_moves__to_market=True).count()
    archived = Creative.objects.filter(archived=True).count()
    assert 0.05 * total < at_market < 0.4 * total
    assert 0.05 * total < archived < 0.35 * total
    assert total - at_market - archived > total / 2


def test_moves_during_a_tenancy_name_its_building(demo):
    tenancies = defaultdict(list)
    for creative, start, end, building in Tenancy.objects.annotate(end=tenancy_end()).values_list(
        "creative", "start", "end", "space__building"
    ):
        tenancies[creative].append((start, end, building))
    in_a_tenancy = 0
    for creative, moved_on, building in StageMove.objects.values_list("creative", "moved_on", "building"):
        running = [b for start, end, b in tenancies[creative] if start <= moved_on < end]
        if running:
            in_a_tenancy += 1
            assert building == running[0]
    assert in_a_tenancy > 0


def test_outflow_to_the_market_ends_with_a_move_to_the_market(demo):
    outflows = Tenancy.objects.filter(end_reason=EndReason.OUTFLOW_TO_MARKET)
    assert outflows.exists()
    for tenancy in outflows.select_related("space"):
        assert StageMove.objects.filter(
            creative=tenancy.creative_id, to_market=True, moved_on=tenancy.actual_end,
            building=tenancy.space.building_id, from_stage__isnull=False,
        ).exists()


def test_demo_users_have_their_roles_and_links(demo):
    users = get_user_model().objects.prefetch_related("groups")
    creative = users.get(username="demo-creative")
    programmer = users.get(username="demo-programmer")
    bureau = users.get(username="demo-bureau")
    assert [g.name for g in creative.groups.all()] == [roles.CREATIVE]
    assert creative.creative.tenancies.exists()
    assert [g.name for g in programmer.groups.all()] == [roles.PROGRAMMER]
    assert 2 <= programmer.programmed_buildings.count() <= 3
    assert [g.name for g in bureau.groups.all()] == [roles.CITY_BUREAU]
    assert list(bureau.bureau_cities.values_list("slug", flat=True)) == ["amsterdam"]
    assert users.get(username="admin").is_superuser
    assert creative.check_password("demo-broedplaats")
    assert "demo-creative" in demo and "demo-broedplaats" in demo


# --- open calls and applications -----------------------------------------------------------------

def open_calls():
    return Call.objects.filter(published_at__isnull=False, opens_on__lte=TODAY,
                               closes_on__gte=TODAY)


def test_the_demo_has_published_open_calls_of_spaces_free_today_and_after(demo):
    calls = list(open_calls().prefetch_related("spaces", "chains", "stages"))
    assert len(calls) == 4
    for call in calls:
        assert call.is_open(TODAY) and call.title and call.text
        assert 2 <= call.spaces.count() <= 4
        assert call.chains.exists() and call.stages.exists()
        for space in call.spaces.all():
            assert space.building_id == call.building_id
            assert not space.tenancies.annotate(ends=tenancy_end()).filter(
                ends__gt=TODAY).exists()
    assert "open calls" in demo and "applications" in demo


def test_each_building_of_the_demo_programmer_has_an_open_call_and_rotterdam_one(demo):
    programmer = get_user_model().objects.get(username="demo-programmer")
    for building in programmer.programmed_buildings.all():
        assert open_calls().filter(building=building).count() == 1
    assert open_calls().filter(building__city__slug="rotterdam").count() == 1


def test_demo_call_applications_are_in_several_states_with_their_events(demo):
    to_calls = Application.objects.filter(call__isnull=False)
    statuses = Counter(to_calls.values_list("status", flat=True))
    assert {ApplicationStatus.SUBMITTED, ApplicationStatus.ELIGIBLE, ApplicationStatus.INELIGIBLE,
            ApplicationStatus.SHORTLISTED, ApplicationStatus.OFFERED} <= set(statuses)
    for application in to_calls.prefetch_related("events"):
        events = list(application.events.all())
        assert events[0].to_status == ApplicationStatus.DRAFT
        assert events[-1].to_status == application.status
        assert not tenancies_running(TODAY).filter(creative=application.creative_id).exists()
    screened = to_calls.exclude(status=ApplicationStatus.SUBMITTED)
    assert all(Screening.objects.filter(creative=a.creative_id).exists() for a in screened)


def test_the_demo_has_one_open_offer_on_a_called_space(demo):
    offer = Offer.objects.exclude(status=OfferStatus.ACCEPTED).get()
    assert offer.status == OfferStatus.OPEN
    assert offer.reply_by > TODAY and offer.start > offer.reply_by
    assert offer.application.call.spaces.filter(pk=offer.space_id).exists()


def test_the_demo_creative_has_no_application_to_a_call_and_can_apply(demo):
    creative = Creative.objects.get(user__username="demo-creative")
    assert not creative.applications.filter(call__isnull=False).exists()
    # the way to the studio they rent: an accepted place on a candidate list
    assert creative.applications.filter(call__isnull=True, status=ApplicationStatus.ACCEPTED).exists()
    call = open_calls().first()
    application = application_create(creative=creative, call=call, on=TODAY, by=creative.user)
    application_submit(application=application, on=TODAY, by=creative.user)
    assert application.status == ApplicationStatus.SUBMITTED


def test_flush_removes_calls_and_applications(demo):
    with transaction.atomic():
        demo_flush()
        assert not Call.objects.exists() and not Application.objects.exists()
        assert not Offer.objects.exists() and not Screening.objects.exists()
        assert not ApplicationEvent.objects.exists() and not SocialReturn.objects.exists()
        assert not Tenancy.objects.exists() and not StageMove.objects.exists()
        assert not Building.objects.exists()
        # Their audit history goes with them, and the flush itself records no deletions.
        assert not any(model.history.exists() for model in TRACKED_MODELS)
        transaction.set_rollback(True)


def test_bulk_written_demo_rows_have_no_history_only_service_writes_do(demo):
    """The demo writes its bulk (creatives, moves, tenancies) with COPY or executemany, which
    no history records; only what it writes through the services (the open calls and their
    applicants) has history, so the history tables stay small."""
    assert not StageMove.history.exists() or StageMove.history.count() < 100
    assert Creative.history.count() < 100
    assert Tenancy.history.count() < Tenancy.objects.count() / 4
    assert Call.history.exists()


# --- tenancies end, candidate lists, waits, social return ---------------------------------------

def candidate_lists(*, as_seeded: bool = False):
    """The applications on buildings' candidate lists. `as_seeded` leaves out those of the
    open calls' applicants: their screening, through the services on `today`, moved their
    waiting applications on at the current time, as it does in the product."""
    lists = Application.objects.filter(call__isnull=True)
    if as_seeded:
        lists = lists.exclude(creative__in=call_applicants())
    return lists


def call_applicants():
    return Application.objects.filter(call__isnull=False).values("creative")


def noon_of(day: date):
    return timezone.make_aware(datetime.combine(day, time(12)))


def test_no_tenancy_past_its_planned_end_lacks_an_actual_end_and_reason(demo):
    assert not Tenancy.objects.filter(planned_end__lte=TODAY, actual_end__isnull=True).exists()
    assert not Tenancy.objects.filter(actual_end__isnull=False, end_reason="").exists()
    running = Tenancy.objects.filter(actual_end__isnull=True)
    assert running.exists() and not running.filter(start__gt=TODAY).exists()


def test_a_term_not_renewed_ends_on_its_planned_end_as_end_of_term(demo):
    term_ended = Tenancy.objects.filter(end_reason=EndReason.TERM_ENDED)
    assert term_ended.count() > Tenancy.objects.count() / 10
    assert not term_ended.exclude(actual_end=F("planned_end")).exists()
    assert not term_ended.filter(ended_at__isnull=True).exists()
    for tenancy in term_ended.filter(space__building__programmers__username="demo-programmer")[:5]:
        assert tenancy.ended_by.username == "demo-programmer"
        assert tenancy.ended_at == noon_of(tenancy.actual_end)


def test_renewals_extend_the_tenancy_instead_of_adding_a_back_to_back_one(demo):
    ends = {(t.creative_id, t.space_id, t.end): t for t in Tenancy.objects.all()}
    for tenancy in Tenancy.objects.all():
        assert (tenancy.creative_id, tenancy.space_id, tenancy.start) not in ends, tenancy
    renewed = Tenancy.objects.filter(renewals__gte=1).select_related("space__building")
    assert renewed.count() > Tenancy.objects.count() / 10
    policies = list(Policy.objects.all())
    for tenancy in renewed[:50]:
        term = policy_on(policies, tenancy.space.building.city_id, tenancy.start).standard_term_months
        assert tenancy.end > add_months(tenancy.start, term) or tenancy.actual_end


def test_candidate_list_applications_were_submitted_in_the_past(demo):
    lists = candidate_lists(as_seeded=True)
    assert lists.count() > Tenancy.objects.count()
    assert not lists.filter(submitted_at__isnull=True).exists()
    assert not lists.filter(submitted_at__gte=noon_of(TODAY) + timedelta(hours=1)).exists()
    assert not lists.exclude(created_at=F("submitted_at")).exists()
    # the list of a building opens when it is announced, never later than its first tenancy
    statuses = Counter(lists.values_list("status", flat=True))
    assert set(statuses) == {ApplicationStatus.ACCEPTED, ApplicationStatus.WITHDRAWN,
                             ApplicationStatus.SUBMITTED, ApplicationStatus.ELIGIBLE}


def test_at_most_one_active_application_per_creative_on_a_building_list(demo):
    active = candidate_lists().filter(status__in=[ApplicationStatus.SUBMITTED,
                                                  ApplicationStatus.ELIGIBLE])
    assert active.exists()
    doubles = active.values("creative", "building").annotate(n=Count("pk")).filter(n__gt=1)
    assert not doubles.exists()
    # and none for a creative who rents on `today`
    assert not active.filter(creative__in=tenancies_running(TODAY).values("creative")).exists()


def test_accepted_applications_lead_through_an_accepted_offer_to_their_tenancy(demo):
    accepted = candidate_lists().filter(status=ApplicationStatus.ACCEPTED)
    assert accepted.count() == Tenancy.objects.count()  # every letting came from a list
    offers = Offer.objects.filter(application__in=accepted).select_related(
        "application", "tenancy", "space")
    assert offers.count() == accepted.count()
    for offer in offers:
        application, tenancy = offer.application, offer.tenancy
        assert offer.status == OfferStatus.ACCEPTED
        assert tenancy.creative_id == application.creative_id and tenancy.space_id == offer.space_id
        assert offer.space.building_id == application.building_id
        assert application.submitted_at.date() <= offer.offered_on <= offer.reply_by <= tenancy.start
        assert offer.start == tenancy.start
        assert offer.made_at.date() == offer.offered_on
        assert offer.offered_on <= timezone.localtime(offer.responded_at).date() <= offer.reply_by


def test_candidate_list_histories_run_in_order_through_the_workflow(demo):
    steps = Counter()
    histories = defaultdict(list)
    for event in ApplicationEvent.objects.filter(application__call__isnull=True).order_by(
            "application", "at", "id"):
        histories[event.application_id].append(event)
    applications = {a.pk: a for a in candidate_lists(as_seeded=True)}
    assert set(applications) <= set(histories)
    for pk, application in applications.items():
        events = histories[pk]
        assert (events[0].from_status, events[0].to_status) == ("", ApplicationStatus.SUBMITTED)
        assert events[0].at == application.submitted_at
        for before, after in zip(events, events[1:], strict=False):
            assert after.from_status == before.to_status and before.at < after.at
            assert after.to_status in APPLICATION_TRANSITIONS[before.to_status]
            steps[before.to_status, after.to_status] += 1
        assert events[-1].to_status == application.status
        assert events[-1].at < noon_of(TODAY) + timedelta(hours=4)
    assert steps[ApplicationStatus.ELIGIBLE, ApplicationStatus.OFFERED] > 0
    assert steps[ApplicationStatus.SUBMITTED, ApplicationStatus.WITHDRAWN] > 0


def test_every_offer_on_a_list_went_to_a_creative_with_a_valid_screening(demo):
    for offer in Offer.objects.filter(status=OfferStatus.ACCEPTED).select_related(
            "application__building")[:300]:
        application = offer.application
        assert screening_valid_on(creative=application.creative,
                                  city=application.building.city, on=offer.offered_on).eligible


def waits_by_city() -> dict[str, list[int]]:
    """Days from joining a list to the start of the tenancy, per city."""
    waits = defaultdict(list)
    for city, submitted_at, start in Offer.objects.filter(status=OfferStatus.ACCEPTED).values_list(
            "application__building__city__slug", "application__submitted_at", "tenancy__start"):
        waits[city].append((start - timezone.localtime(submitted_at).date()).days)
    return waits


def test_waits_differ_between_amsterdam_and_rotterdam(demo):
    waits = waits_by_city()
    amsterdam, rotterdam = median(waits["amsterdam"]), median(waits["rotterdam"])
    assert 180 < amsterdam < 3 * 365 and 180 < rotterdam < 3 * 365
    assert abs(amsterdam - rotterdam) > 14
    # a few years for the last tenth
    assert sorted(waits["amsterdam"])[int(0.9 * len(waits["amsterdam"]))] > 365


def test_candidate_lists_hold_a_share_of_the_stock_and_some_are_never_placed(demo):
    waiting = candidate_lists().filter(status__in=[ApplicationStatus.SUBMITTED,
                                                   ApplicationStatus.ELIGIBLE])
    for city in ("amsterdam", "rotterdam"):
        stock = Space.objects.filter(building__city__slug=city, archived=False).count()
        assert waiting.filter(building__city__slug=city).count() > stock / 3
    assert candidate_lists().filter(status=ApplicationStatus.WITHDRAWN).exists()


def test_incubators_push_on_and_artists_zones_keep_their_tenants(demo):
    def share(cluster, **filters):
        tenancies = Tenancy.objects.filter(space__building__cluster_type=cluster)
        return tenancies.filter(**filters).count() / tenancies.count()
    assert share(ClusterType.INCUBATOR, end_reason=EndReason.NEXT_STAGE) > \
        share(ClusterType.ARTISTS_ZONE, end_reason=EndReason.NEXT_STAGE)
    assert share(ClusterType.ARTISTS_ZONE, renewals__gte=1) > share(ClusterType.INCUBATOR, renewals__gte=1)


def test_social_return_lies_within_its_tenancy_and_not_after_today(demo):
    activities = SocialReturn.objects.select_related("tenancy")
    assert activities.count() > Tenancy.objects.count()
    for activity in activities:
        tenancy = activity.tenancy
        assert tenancy.start <= activity.on < tenancy.end and activity.on <= TODAY
        assert Decimal("1") <= activity.hours <= Decimal("16") and activity.hours * 4 % 1 == 0
        assert activity.description and activity.kind in SocialReturnKind.values
        assert activity.on <= timezone.localtime(activity.recorded_at).date() <= TODAY


def test_social_return_rates_differ_between_buildings(demo):
    hours = dict(SocialReturn.objects.values_list("tenancy__space__building").annotate(Sum("hours")))
    per_space = sorted(hours.get(building.pk, 0) / building.spaces.count()
                       for building in Building.objects.all())
    assert per_space[-1] > 4 * max(per_space[0], Decimal("1"))


def test_recorded_times_are_historical_not_the_time_of_seeding(demo):
    """Django stamps `auto_now_add` fields with the current time; the demo gives them back the
    day they stand for (the open calls, written through the services on `today`, aside)."""
    late = noon_of(TODAY) + timedelta(hours=4)
    assert not ApplicationEvent.objects.filter(
        application__in=candidate_lists(as_seeded=True), at__gt=late).exists()
    assert not Offer.objects.filter(status=OfferStatus.ACCEPTED, made_at__gt=late).exists()
    assert not Screening.objects.filter(decided_on__lt=TODAY, recorded_at__gt=late).exists()
    assert not SocialReturn.objects.filter(recorded_at__gt=late).exists()
    assert not Tenancy.objects.filter(created_at__gt=late).exists()
    assert not StageMove.objects.filter(recorded_at__gt=late).exists()
    assert not Creative.objects.filter(created_at__gt=late).exists()


def test_the_demo_has_a_closed_call_per_method_to_run_a_round_on(demo):
    """One call per allocation method in the demo programmer's buildings, closed, with
    screened applicants (one of them not eligible); committee criteria scored, rankings given,
    weights and a pathway stored. A round runs on each."""
    from broedplaats.models import (
        AllocationMethod,
        ApplicationChoice,
        Call,
        CommitteeScore,
        FitWeights,
        Pathway,
    )
    from broedplaats.services import round_run

    programmer = get_user_model().objects.get(username="demo-programmer")
    calls = {call.allocation_method: call for call in Call.objects.filter(
        closes_on__lt=TODAY, building__programmers=programmer)}
    assert set(calls) == set(AllocationMethod.values)
    for method, call in calls.items():
        statuses = Counter(call.applications.values_list("status", flat=True))
        assert statuses["eligible"] >= 5 and statuses["ineligible"] == 1
        round_ = round_run(calls=[call], method=method, on=TODAY,
                           start=TODAY + timedelta(days=14), reply_by=TODAY + timedelta(days=7))
        assert round_.entries.filter(space__isnull=False).exists()
    assert CommitteeScore.objects.filter(criterion__call=calls["committee"]).count() >= 15
    assert ApplicationChoice.objects.filter(
        application__call=calls["stable_matching"]).exists()
    assert FitWeights.objects.filter(city__slug="amsterdam").exists()
    assert FitWeights.objects.filter(building__programmers=programmer).exists()
    pathway = Pathway.objects.get()
    assert [step.stage.code for step in pathway.steps.all()] == ["idea", "making",
                                                                  "distribution"]


def test_the_finder_answers_for_every_discipline_and_stage_of_the_demo(demo, client):
    """Every discipline × stage of the demo gets ranked buildings with reasons, on the page
    and in the API."""
    from django.urls import reverse

    from broedplaats.selectors.finder import FinderWish, finder_page
    from chains.models import Discipline, Stage

    stages = list(Stage.objects.order_by("order"))
    for discipline in Discipline.objects.select_related("chain"):
        for stage in stages:
            page = finder_page(wish=FinderWish(discipline=discipline, stage=stage), on=TODAY)
            assert page.buildings, (discipline, stage)
            assert all(fit.reasons for fit in page.buildings)
    discipline = Discipline.objects.order_by("pk").first()
    query = {"discipline": discipline.slug, "stage": stages[1].code}
    # The page and the API answer for today (not the demo's day): the same first building.
    data = client.get(reverse("api:finder"), query).json()
    assert data["results"] and data["results"][0]["reasons"]
    first = Building.objects.get(slug=data["results"][0]["building"])
    html = client.get(reverse("finder"), query).content.decode()
    assert 'class="finder-results"' in html and f'id="finder-{first.pk}"' in html
