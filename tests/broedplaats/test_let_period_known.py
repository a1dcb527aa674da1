"""The day a space's let period was stored (`let_known_on`) and the database trigger that
empties it whenever a tenancy of the space is written (migration 0017).

"Free now" believes a known period without reading the tenancies (selectors.free_on), so
these tests prove the two halves of that promise: every way a tenancy can be written forgets
the period, and the services store it again after their write. A long random walk of service
calls, writes past the services and nightly roll-overs then checks "free now" against the
tenancies themselves after every step, on many days around it.
"""

import importlib
import random
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from broedplaats.filters import BuildingFilter, SpaceFilter
from broedplaats.models import EndReason, Space, Tenancy
from broedplaats.selectors import building_list
from broedplaats.selectors.finder import FinderWish, candidate_scores
from broedplaats.services import (
    space_let_refresh,
    space_let_roll_over,
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
def building():
    return BuildingFactory(city=PolicyFactory().city)


@pytest.fixture
def day(monkeypatch):
    """The services store the period as of today: a day the test moves (`day.today`)."""
    class Day:
        today = TODAY
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: Day.today)
    return Day


def known_on(space: Space) -> date | None:
    return Space.objects.values_list("let_known_on", flat=True).get(pk=space.pk)


@pytest.fixture
def known(building, day):
    """Two spaces whose periods are known today: one let now, one free."""
    let_space, free_space = SpaceFactory(building=building), SpaceFactory(building=building)
    tenancy_create(space=let_space, creative=CreativeFactory(), start=date(2025, 1, 1),
                   planned_end=date(2026, 1, 1))
    space_let_refresh(spaces=[free_space], on=TODAY)
    assert known_on(let_space) == known_on(free_space) == TODAY
    return let_space, free_space


# --- every write of a tenancy forgets the period ----------------------------------------------

def test_a_tenancy_inserted_past_the_services_forgets_its_spaces_period(known):
    let_space, free_space = known
    TenancyFactory(space=free_space, start=date(2025, 5, 1), planned_end=date(2025, 7, 1))
    assert known_on(free_space) is None
    assert known_on(let_space) == TODAY  # only its own space
    assert free_space.pk not in free_by_stored_period(TODAY)


def test_a_bulk_insert_forgets_the_period_of_each_space(known):
    let_space, free_space = known
    Tenancy.objects.bulk_create([
        Tenancy(space=free_space, creative=CreativeFactory(), start=date(2025, 5, 1),
                planned_end=date(2025, 7, 1), monthly_rent=free_space.monthly_rent),
        Tenancy(space=let_space, creative=CreativeFactory(), start=date(2026, 1, 1),
                planned_end=date(2026, 7, 1), monthly_rent=let_space.monthly_rent),
    ])
    assert known_on(free_space) is known_on(let_space) is None
    assert free_by_stored_period(TODAY) == exactly_free(TODAY) == set()


@pytest.mark.parametrize("change", [
    {"start": date(2025, 7, 1)},
    {"planned_end": date(2025, 6, 1)},
    {"actual_end": date(2025, 6, 1), "end_reason": EndReason.OTHER},
])
def test_an_update_of_the_days_a_tenancy_holds_forgets_the_period(known, change):
    let_space, _free_space = known
    Tenancy.objects.filter(space=let_space).update(**change)
    assert known_on(let_space) is None
    assert let_space.pk in free_by_stored_period(TODAY) == exactly_free(TODAY)


def test_moving_a_tenancy_to_another_space_forgets_both_periods(known):
    let_space, free_space = known
    Tenancy.objects.filter(space=let_space).update(space=free_space)
    assert known_on(let_space) is known_on(free_space) is None
    assert free_by_stored_period(TODAY) == exactly_free(TODAY) == {let_space.pk}


def test_deleting_a_tenancy_forgets_the_period(known):
    let_space, _free_space = known
    with connection.cursor() as cursor:  # the admin and the services refuse; SQL can
        cursor.execute(f"DELETE FROM {Tenancy._meta.db_table} WHERE space_id = %s",
                       [let_space.pk])
    assert known_on(let_space) is None
    assert let_space.pk in free_by_stored_period(TODAY)


def test_raw_sql_forgets_the_period_too(known):
    let_space, _free_space = known
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Tenancy._meta.db_table} SET planned_end = %s "
                       "WHERE space_id = %s", [TODAY, let_space.pk])
    assert known_on(let_space) is None


def test_writing_what_does_not_decide_the_days_keeps_the_period(known):
    let_space, _free_space = known
    Tenancy.objects.filter(space=let_space).update(monthly_rent=1, renewals=1,
                                                   cancel_reason="typo")
    assert known_on(let_space) == TODAY


def test_a_failed_write_keeps_the_period(known):
    let_space, _free_space = known
    with pytest.raises(DatabaseError), transaction.atomic():
        Tenancy.objects.filter(space=let_space).update(planned_end=date(2024, 1, 1))  # < start
    assert known_on(let_space) == TODAY


# --- the services store it again, known as of today -------------------------------------------

def test_each_service_leaves_the_period_known_as_of_today(building, day):
    space, creative = SpaceFactory(building=building), CreativeFactory()
    tenancy = tenancy_create(space=space, creative=creative, start=date(2025, 1, 1),
                             planned_end=date(2026, 1, 1))
    assert known_on(space) == TODAY
    day.today = date(2025, 7, 1)
    tenancy_renew(tenancy=tenancy, planned_end=date(2027, 1, 1), on=day.today)
    assert known_on(space) == day.today
    day.today = date(2025, 8, 1)
    tenancy_end(tenancy=tenancy, on=day.today, reason=EndReason.OTHER)
    assert known_on(space) == day.today
    later = tenancy_create(space=space, creative=CreativeFactory(), start=date(2025, 9, 1),
                           planned_end=date(2026, 9, 1))
    day.today = date(2025, 8, 15)
    tenancy_cancel(tenancy=later, on=day.today, reason="Changed their mind")
    assert known_on(space) == day.today
    assert free_by_stored_period(day.today) == exactly_free(day.today) == {space.pk}


def test_a_period_known_for_a_later_day_is_not_believed_earlier(building, day):
    space = SpaceFactory(building=building)
    TenancyFactory(space=space, start=date(2025, 1, 1), planned_end=date(2025, 3, 1))
    space_let_refresh(spaces=[space], on=TODAY)  # nothing ahead of June: free, known then
    assert free_by_stored_period(TODAY) == {space.pk}
    assert free_by_stored_period(date(2025, 2, 1)) == exactly_free(date(2025, 2, 1)) == set()


def test_the_trigger_exists_on_this_database():
    """A later migration that rebuilds the tenancy table (SQLite does for many changes) must
    make the trigger again: the tests above would fail, this one says why."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass "
                           "AND NOT tgisinternal", [Tenancy._meta.db_table])
            assert {row[0] for row in cursor.fetchall()} == {"tenancy_unknows_let"}
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                           "AND tbl_name = %s", [Tenancy._meta.db_table])
            assert {row[0] for row in cursor.fetchall()} == {
                f"tenancy_unknows_let_{event}" for event in ("insert", "update", "delete")}


# --- a long walk: "free now" against the tenancies after every step ---------------------------

def _attempt(write) -> bool:
    """Run a write in its own savepoint; True when it was stored, False when refused."""
    try:
        with transaction.atomic():
            write()
        return True
    except (ValidationError, DatabaseError):
        return False


@pytest.mark.parametrize("seed", [1, 2])
def test_free_now_stays_exact_through_a_random_walk(building, day, stages, seed):
    rng = random.Random(seed)
    other = BuildingFactory(city=building.city)
    spaces = [SpaceFactory(building=rng.choice([building, other])) for _ in range(6)]
    space_let_refresh(on=day.today)
    done = {"service": 0, "past the services": 0, "roll-over": 0}

    def some_tenancy(**conditions):
        rows = list(Tenancy.objects.filter(space__in=spaces, **conditions).order_by("pk"))
        return rng.choice(rows) if rows else None

    def let():
        start = day.today + timedelta(days=rng.randint(-20, 90))
        return tenancy_create(space=rng.choice(spaces), creative=CreativeFactory(), start=start,
                              planned_end=start + timedelta(days=rng.randint(30, 500)))

    def end():
        tenancy = some_tenancy(actual_end__isnull=True, start__lte=day.today)
        if tenancy:
            tenancy_end(tenancy=tenancy, on=day.today + timedelta(days=rng.randint(0, 40)),
                        reason=EndReason.OTHER)

    def renew():
        tenancy = some_tenancy(actual_end__isnull=True, start__lte=day.today)
        if tenancy:
            tenancy_renew(tenancy=tenancy, on=day.today,
                          planned_end=tenancy.planned_end + timedelta(days=rng.randint(30, 300)))

    def cancel():
        tenancy = some_tenancy(actual_end__isnull=True, start__gt=day.today)
        if tenancy:
            tenancy_cancel(tenancy=tenancy, on=day.today, reason="Changed their mind")

    def insert_past_services():
        start = day.today + timedelta(days=rng.randint(-60, 60))
        TenancyFactory(space=rng.choice(spaces), start=start,
                       planned_end=start + timedelta(days=rng.randint(1, 200)))

    def update_past_services():
        tenancy = some_tenancy()
        if tenancy:
            column = rng.choice(["planned_end", "actual_end", "start", "space"])
            value = (rng.choice(spaces) if column == "space"
                     else tenancy.start + timedelta(days=rng.randint(0 if column == "start" else 1,
                                                                      300)))
            ended = {"end_reason": EndReason.OTHER} if column == "actual_end" else {}
            Tenancy.objects.filter(pk=tenancy.pk).update(**{column: value}, **ended)

    services = [let, let, end, renew, cancel]
    past_services = [insert_past_services, update_past_services]
    for _step in range(60):
        choice = rng.random()
        if choice < 0.5:
            done["service"] += _attempt(rng.choice(services))
        elif choice < 0.75:
            done["past the services"] += _attempt(rng.choice(past_services))
        elif choice < 0.85:
            space_let_roll_over(on=day.today)
            done["roll-over"] += 1
        else:
            day.today += timedelta(days=rng.randint(1, 60))
        for offset in (-45, -1, 0, 1, 30, 400):
            on = day.today + timedelta(days=offset)
            assert free_by_stored_period(on) == exactly_free(on), (offset, done)
    assert min(done.values()) >= 5, done  # the walk did each kind of thing, not only refusals

    on = day.today
    free = exactly_free(on)
    found = SpaceFilter({"free_now": "true"}, Space.objects.all(), on=on).qs
    assert set(found.values_list("pk", flat=True)) == free
    counts = {row.pk: row.free_count for row in building_list(on=on)}
    assert counts == {b.pk: b.spaces.filter(pk__in=free).count() for b in (building, other)}
    assert set(BuildingFilter({"free_now": "true"}, building_list(on=on), on=on).qs) == {
        b for b in (building, other) if counts[b.pk]}
    wish = FinderWish(discipline=DisciplineFactory(), stage=stages[1])
    assert set(candidate_scores(wish=wish, on=on)) == free


def test_migration_fills_every_period_known_as_the_service_does(building, day):
    spaces = [SpaceFactory(building=building) for _ in range(3)]
    TenancyFactory(space=spaces[0], start=date(2025, 1, 1), planned_end=date(2026, 1, 1))
    TenancyFactory(space=spaces[1], start=date(2025, 9, 1), planned_end=date(2026, 1, 1))
    migration = importlib.import_module("broedplaats.migrations.0017_let_period_known")
    migration.fill_let_periods(apps, SimpleNamespace(connection=connection), on=TODAY)
    filled = list(Space.objects.order_by("pk").values_list("let_from", "let_until",
                                                           "let_known_on"))
    Space.objects.update(let_from=None, let_until=None, let_known_on=None)
    space_let_refresh(on=TODAY)
    assert filled == list(Space.objects.order_by("pk").values_list("let_from", "let_until",
                                                                   "let_known_on"))
    assert filled == [(date(2025, 1, 1), date(2026, 1, 1), TODAY),
                      (date(2025, 9, 1), date(2026, 1, 1), TODAY), (None, None, TODAY)]
