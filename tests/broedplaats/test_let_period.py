"""The stored let period of a space (`let_from`, `let_until`): kept by the tenancy services,
rolled over nightly, filled by migration 0013, and read by "free now" without ever changing its
answer (selectors.free_on against the running tenancies themselves)."""

import importlib
from datetime import date, timedelta
from io import StringIO
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from broedplaats.filters import BuildingFilter, SpaceFilter
from broedplaats.models import EndReason, Space
from broedplaats.selectors import building_list
from broedplaats.selectors.finder import FinderWish, candidate_scores
from broedplaats.services import (
    space_let_refresh,
    space_let_roll_over,
    space_update,
    tenancy_cancel,
    tenancy_create,
    tenancy_end,
    tenancy_renew,
)
from tests.broedplaats.let_periods import exactly_free, free_by_stored_period
from tests.factories import (
    BuildingFactory,
    CreativeFactory,
    DisciplineFactory,
    PolicyFactory,
    SpaceFactory,
    TenancyFactory,
)

pytestmark = pytest.mark.django_db

TODAY = date(2025, 6, 1)


@pytest.fixture
def today(monkeypatch):
    """The services store the period as of today (timezone.localdate): pinned here."""
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    return TODAY


@pytest.fixture
def building():
    return BuildingFactory(city=PolicyFactory().city)


@pytest.fixture
def space(building):
    return SpaceFactory(building=building)


def period(space: Space) -> tuple[date | None, date | None]:
    space.refresh_from_db(fields=["let_from", "let_until"])
    return space.let_from, space.let_until


def let(space: Space, start: date, end: date, **fields):
    return tenancy_create(space=space, creative=CreativeFactory(), start=start,
                          planned_end=end, **fields)


# --- kept by the services --------------------------------------------------------------------

def test_letting_stores_the_running_tenancys_period(space, today):
    let(space, date(2025, 1, 1), date(2026, 1, 1))
    assert period(space) == (date(2025, 1, 1), date(2026, 1, 1))


def test_letting_from_a_later_day_stores_that_period_until_one_runs(space, today):
    let(space, date(2025, 9, 1), date(2026, 9, 1))
    assert period(space) == (date(2025, 9, 1), date(2026, 9, 1))
    let(space, date(2025, 1, 1), date(2025, 9, 1))  # now one runs today, before it
    assert period(space) == (date(2025, 1, 1), date(2025, 9, 1))


def test_a_tenancy_that_ended_before_today_is_not_stored(space, today):
    let(space, date(2024, 1, 1), date(2025, 6, 1))  # free again today: the end is exclusive
    assert period(space) == (None, None)


def test_renewing_stores_the_new_planned_end(space, today):
    tenancy = let(space, date(2025, 1, 1), date(2026, 1, 1))
    tenancy_renew(tenancy=tenancy, planned_end=date(2027, 1, 1), on=today)
    assert period(space) == (date(2025, 1, 1), date(2027, 1, 1))


def test_ending_early_stores_the_next_tenancy_or_none(space, today):
    first = let(space, date(2025, 1, 1), date(2026, 1, 1))
    tenancy_end(tenancy=first, on=today, reason=EndReason.OTHER)
    assert period(space) == (None, None)
    following = let(space, date(2025, 8, 1), date(2026, 8, 1))
    assert period(space) == (date(2025, 8, 1), date(2026, 8, 1))
    tenancy_end(tenancy=following, on=date(2025, 8, 1), reason=EndReason.OTHER)
    assert period(space) == (None, None)


def test_ending_later_than_today_stores_the_actual_end(space, today):
    tenancy = let(space, date(2025, 1, 1), date(2026, 1, 1))
    tenancy_end(tenancy=tenancy, on=date(2025, 7, 1), reason=EndReason.OTHER)
    assert period(space) == (date(2025, 1, 1), date(2025, 7, 1))


def test_cancelling_stores_the_next_tenancy_and_never_the_cancelled_one(space, today):
    soon = let(space, date(2025, 7, 1), date(2025, 9, 1))
    let(space, date(2025, 9, 1), date(2026, 9, 1))
    assert period(space) == (date(2025, 7, 1), date(2025, 9, 1))
    tenancy_cancel(tenancy=soon, on=today, reason="Changed their mind")
    assert period(space) == (date(2025, 9, 1), date(2026, 9, 1))


def test_a_refused_letting_leaves_the_stored_period(space, today):
    let(space, date(2025, 1, 1), date(2026, 1, 1))
    with pytest.raises(Exception):  # noqa: B017,PT011 - the overlap refusal, any form
        let(space, date(2025, 3, 1), date(2025, 4, 1))
    assert period(space) == (date(2025, 1, 1), date(2026, 1, 1))


def test_saving_a_space_read_earlier_does_not_write_back_its_period(space, today):
    stale = Space.objects.get(pk=space.pk)
    tenancy = let(space, date(2025, 1, 1), date(2026, 1, 1))
    tenancy_end(tenancy=tenancy, on=today, reason=EndReason.OTHER)
    let(space, date(2025, 8, 1), date(2026, 8, 1))
    space_update(space=stale, on=today, description="North light")
    assert period(space) == (date(2025, 8, 1), date(2026, 8, 1))
    assert Space.objects.get(pk=space.pk).description == "North light"


def test_half_a_period_is_refused_by_the_database(space):
    with pytest.raises(IntegrityError), transaction.atomic():
        Space.objects.filter(pk=space.pk).update(let_from=date(2025, 1, 1))


# --- kept through the admin (which lets through the services and never deletes) -----------

@pytest.fixture
def admin(admin_client):
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return admin_client


def tenancy_form(tenancy, **fields) -> dict:
    return {"space": tenancy.space_id, "creative": tenancy.creative_id,
            "start": tenancy.start.isoformat(), "planned_end": tenancy.planned_end.isoformat(),
            "monthly_rent": str(tenancy.monthly_rent), "rent_exception_reason": "",
            "term_exception_reason": "", **fields}


def test_admin_letting_inline_under_the_space_stores_the_period(admin: Client, space, today):
    data = {
        "building": space.building_id, "code": space.code, "kind": space.kind,
        "area_m2": str(space.area_m2), "monthly_rent": str(space.monthly_rent),
        "rent_exception_reason": "", "description": "",
        "tenancies-TOTAL_FORMS": 1, "tenancies-INITIAL_FORMS": 0,
        "tenancies-MIN_NUM_FORMS": 0, "tenancies-MAX_NUM_FORMS": 1000,
        "tenancies-0-id": "", "tenancies-0-space": space.pk,
        "tenancies-0-creative": CreativeFactory().pk, "tenancies-0-start": "2025-01-01",
        "tenancies-0-planned_end": "2026-01-01", "tenancies-0-monthly_rent": "250.00",
        "tenancies-0-rent_exception_reason": "", "tenancies-0-term_exception_reason": "",
    }
    response = admin.post(reverse("admin:broedplaats_space_change", args=[space.pk]), data)
    assert response.status_code == 302
    assert period(space) == (date(2025, 1, 1), date(2026, 1, 1))


def test_admin_moving_a_tenancy_to_another_space_stores_both_periods(admin, building, today):
    old_space, new_space = SpaceFactory(building=building), SpaceFactory(building=building)
    tenancy = let(old_space, date(2025, 1, 1), date(2026, 1, 1))
    response = admin.post(reverse("admin:broedplaats_tenancy_change", args=[tenancy.pk]),
                          tenancy_form(tenancy, space=new_space.pk))
    assert response.status_code == 302
    assert period(old_space) == (None, None)
    assert period(new_space) == (date(2025, 1, 1), date(2026, 1, 1))


def test_admin_shortening_a_tenancy_stores_the_shorter_period(admin, space, today):
    tenancy = let(space, date(2025, 1, 1), date(2026, 1, 1))
    response = admin.post(reverse("admin:broedplaats_tenancy_change", args=[tenancy.pk]),
                          tenancy_form(tenancy, start="2025-07-01"))
    assert response.status_code == 302
    assert period(space) == (date(2025, 7, 1), date(2026, 1, 1))


def test_admin_ending_a_tenancy_stores_the_period(admin, space, today):
    tenancy = let(space, date(2025, 1, 1), date(2026, 1, 1))
    response = admin.post(reverse("admin:broedplaats_tenancy_end", args=[tenancy.pk]),
                          {"on": "2025-06-01", "reason": EndReason.OTHER, "to_stage": "",
                           "note": ""})
    assert response.status_code == 302, response.content
    assert period(space) == (None, None)


# --- free now stays exact, whatever is stored --------------------------------------------------

@pytest.fixture
def stale_world(building):
    """Spaces whose stored periods are missing, old or early, with tenancies written past the
    services (as factories and bulk writes do):

    - bare: no tenancy, nothing stored;
    - unstored: let 2025-03-01 – 2025-09-01 by a factory, nothing stored;
    - rolled: its 2024 tenancy stored, which ended on 2025-03-01 when the next one began;
    - early: stored as of 2025-01-01, when its tenancy had not begun (from 2025-03-01);
    - cancelled: a tenancy ended on its start, and a later one; stored from before both.
    """
    spaces = {name: SpaceFactory(building=building)
              for name in ("bare", "unstored", "rolled", "early", "cancelled")}
    TenancyFactory(space=spaces["unstored"], start=date(2025, 3, 1),
                   planned_end=date(2025, 9, 1))
    TenancyFactory(space=spaces["rolled"], start=date(2024, 3, 1), planned_end=date(2025, 3, 1))
    TenancyFactory(space=spaces["rolled"], start=date(2025, 3, 1), planned_end=date(2025, 9, 1))
    TenancyFactory(space=spaces["early"], start=date(2025, 3, 1), planned_end=date(2025, 9, 1))
    TenancyFactory(space=spaces["cancelled"], start=date(2025, 3, 1),
                   planned_end=date(2025, 9, 1), actual_end=date(2025, 3, 1),
                   end_reason=EndReason.OTHER)
    TenancyFactory(space=spaces["cancelled"], start=date(2025, 4, 1),
                   planned_end=date(2025, 9, 1))
    space_let_refresh(spaces=[spaces["rolled"]], on=date(2024, 6, 1))
    space_let_refresh(spaces=[spaces["early"]], on=date(2025, 1, 1))
    return spaces


BOUNDARIES = [date(2024, 2, 29), date(2024, 3, 1), date(2025, 2, 28), date(2025, 3, 1),
              date(2025, 3, 31), date(2025, 4, 1), date(2025, 8, 31), date(2025, 9, 1)]


def test_stale_world_holds_what_it_says(stale_world):
    assert period(stale_world["rolled"]) == (date(2024, 3, 1), date(2025, 3, 1))
    assert period(stale_world["early"]) == (date(2025, 3, 1), date(2025, 9, 1))
    assert period(stale_world["unstored"]) == (None, None)


@pytest.mark.parametrize("on", BOUNDARIES)
def test_free_now_by_stored_period_is_exact_when_periods_are_missing_or_stale(stale_world, on):
    assert free_by_stored_period(on) == exactly_free(on)


@pytest.mark.parametrize("on", BOUNDARIES)
def test_free_now_is_exact_after_a_refresh_on_another_day(stale_world, on):
    space_let_refresh(on=date(2025, 5, 1))
    assert free_by_stored_period(on) == exactly_free(on)


@pytest.mark.parametrize("on", BOUNDARIES)
@pytest.mark.parametrize("free", [True, False])
def test_space_filter_free_now_is_exact_either_way(stale_world, on, free):
    found = SpaceFilter({"free_now": "true" if free else "false"}, Space.objects.all(), on=on).qs
    expected = exactly_free(on) if free else set(Space.objects.values_list("pk", flat=True)) - \
        exactly_free(on)
    assert set(found.values_list("pk", flat=True)) == expected


@pytest.mark.parametrize("on", [date(2025, 2, 28), date(2025, 3, 1), date(2025, 9, 1)])
def test_building_free_counts_and_filter_are_exact(stale_world, building, on):
    other = BuildingFactory(city=building.city)
    TenancyFactory(space=SpaceFactory(building=other), start=date(2025, 3, 1),
                   planned_end=date(2025, 9, 1))
    free = exactly_free(on)
    counts = {row.pk: row.free_count for row in building_list(on=on)}
    assert counts == {b.pk: b.spaces.filter(pk__in=free).count() for b in (building, other)}
    found = set(BuildingFilter({"free_now": "true"}, building_list(on=on), on=on).qs)
    assert found == {b for b in (building, other) if counts[b.pk]}
    let_only = set(BuildingFilter({"free_now": "false"}, building_list(on=on), on=on).qs)
    assert let_only == {b for b in (building, other) if not counts[b.pk]}


@pytest.mark.parametrize("on", BOUNDARIES)
def test_finder_candidates_are_exactly_the_free_spaces(stale_world, stages, on):
    wish = FinderWish(discipline=DisciplineFactory(), stage=stages[1])
    assert set(candidate_scores(wish=wish, on=on)) == exactly_free(on)


# --- the bulk refresh, the nightly roll-over, the migration's fill ---------------------------

def stored() -> dict[int, tuple]:
    return {pk: (start, until) for pk, start, until
            in Space.objects.values_list("pk", "let_from", "let_until")}


def test_refreshing_every_space_is_one_statement(stale_world, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert space_let_refresh(on=date(2025, 3, 1)) == 5
    assert stored() == {
        stale_world["bare"].pk: (None, None),
        stale_world["unstored"].pk: (date(2025, 3, 1), date(2025, 9, 1)),
        stale_world["rolled"].pk: (date(2025, 3, 1), date(2025, 9, 1)),
        stale_world["early"].pk: (date(2025, 3, 1), date(2025, 9, 1)),
        stale_world["cancelled"].pk: (date(2025, 4, 1), date(2025, 9, 1)),
    }


def test_refreshing_a_queryset_of_spaces_is_one_statement_and_touches_no_other(
    stale_world, django_assert_num_queries
):
    before = stored()
    with django_assert_num_queries(1):
        space_let_refresh(spaces=Space.objects.filter(pk=stale_world["unstored"].pk),
                          on=date(2025, 3, 1))
    after = stored()
    assert after.pop(stale_world["unstored"].pk) == (date(2025, 3, 1), date(2025, 9, 1))
    before.pop(stale_world["unstored"].pk)
    assert after == before


def test_nightly_roll_over_refreshes_only_the_spaces_not_known(stale_world, today):
    covered = SpaceFactory(building=stale_world["bare"].building)
    Space.objects.filter(pk=covered.pk).update(  # known and covering today: left as it is
        let_from=date(2025, 1, 1), let_until=date(2026, 1, 1), let_known_on=date(2025, 1, 1))
    output = StringIO()
    call_command("refresh_let_periods", stdout=output)
    # bare, unstored and cancelled (never known), rolled (ended); not early (known, covering)
    assert output.getvalue().strip() == "Refreshed the let period of 4 space(s)."
    assert stored()[covered.pk] == (date(2025, 1, 1), date(2026, 1, 1))
    assert period(stale_world["rolled"]) == (date(2025, 3, 1), date(2025, 9, 1))
    assert set(Space.objects.values_list("let_known_on", flat=True)) == {
        today, date(2025, 1, 1)}
    assert space_let_roll_over(on=today) == 0  # every period now answers for today
    assert space_let_roll_over(on=date(2025, 9, 1)) == 4  # all but covered end then


def test_nightly_roll_over_of_many_spaces_is_exact(building, today):
    spaces = SpaceFactory.create_batch(3, building=building)
    for offset, space in enumerate(spaces):
        TenancyFactory(space=space, start=today - timedelta(days=offset),
                       planned_end=today + timedelta(days=offset + 1))
    assert space_let_roll_over(on=today) == 3
    assert free_by_stored_period(today) == exactly_free(today) == set()
    assert [period(space) for space in spaces] == [
        (today - timedelta(days=n), today + timedelta(days=n + 1)) for n in range(3)]


def test_migration_fills_the_periods_as_the_service_does(stale_world):
    fill = importlib.import_module("broedplaats.migrations.0013_space_let_period")
    schema_editor = SimpleNamespace(connection=connection,
                                    execute=lambda sql: connection.cursor().execute(sql))
    fill.fill_let_periods(apps, schema_editor, on=date(2025, 3, 1))
    filled = stored()
    Space.objects.update(let_from=None, let_until=None)
    space_let_refresh(on=date(2025, 3, 1))
    assert filled == stored()
    assert filled[stale_world["rolled"].pk] == (date(2025, 3, 1), date(2025, 9, 1))
