"""The nightly roll-over of the stored let periods and a tenancy change at the same moment: the
roll-over must not store a period read before the change (a cancelled tenancy's, say), or
"free now" would call the space let for the whole of it.

The roll-over locks the spaces it refreshes before it reads their tenancies, as the tenancy
services lock the space before they change one; so it waits for the change and then reads it.
"""

import threading
from datetime import date

import pytest
from django.db import connection, transaction
from django.utils import timezone

from broedplaats.models import EndReason, Space, Tenancy
from broedplaats.selectors import free_on
from broedplaats.services import space_let_refresh, space_let_roll_over, tenancy_cancel
from tests.concurrency import shared_database  # noqa: F401 (autouse fixture)
from tests.factories import BuildingFactory, PolicyFactory, SpaceFactory, TenancyFactory

TODAY = date(2025, 6, 1)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_roll_over_waits_for_a_cancel_and_does_not_store_the_cancelled_period(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    space = SpaceFactory(building=BuildingFactory(city=PolicyFactory().city))
    TenancyFactory(space=space, start=date(2024, 6, 1), planned_end=date(2025, 5, 1),
                   actual_end=date(2025, 5, 1), end_reason=EndReason.OTHER)
    upcoming = TenancyFactory(space=space, start=date(2025, 7, 1), planned_end=date(2026, 7, 1))
    space_let_refresh(spaces=[space], on=date(2025, 1, 1))  # the ended one: uncovered today

    cancelled, release, results = threading.Event(), threading.Event(), {}

    def cancel():
        try:
            with transaction.atomic():
                tenancy_cancel(tenancy=upcoming, on=TODAY, reason="Found another place")
                cancelled.set()
                release.wait(timeout=10)  # hold the space's lock while the roll-over starts
        finally:
            cancelled.set()
            connection.close()

    def roll_over():
        try:
            cancelled.wait(timeout=10)
            results["rolled"] = space_let_roll_over(on=TODAY)
        except Exception as error:  # the test asserts what the thread got
            results["rolled"] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=cancel), threading.Thread(target=roll_over)]
    for thread in threads:
        thread.start()
    threading.Event().wait(0.5)  # let the roll-over reach the lock (passing earlier proves less)
    release.set()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"

    # It waited for the cancel, then found the row known as of today (the cancel stored it)
    # and left it: PostgreSQL checks a locked row's condition again once it may lock it.
    assert results["rolled"] == 0
    space.refresh_from_db()
    assert (space.let_from, space.let_until, space.let_known_on) == (None, None, TODAY)
    assert Space.objects.filter(free_on(date(2025, 8, 1)), pk=space.pk).exists()


def _hold_then_release(first, second) -> dict:
    """Run `first` in a transaction that stays open until `second` (another thread) has had
    time to reach the rows `first` locked; return what each got."""
    began, results = threading.Event(), {}

    def hold():
        try:
            with transaction.atomic():
                results["first"] = first()
                began.set()
                threading.Event().wait(0.5)  # `second` now waits for our locks, or is wrong
        except Exception as error:  # the test asserts what the thread got
            results["first"] = error
        finally:
            began.set()
            connection.close()

    def follow():
        try:
            began.wait(timeout=10)
            with transaction.atomic():
                results["second"] = second()
        except Exception as error:  # the test asserts what the thread got
            results["second"] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=hold), threading.Thread(target=follow)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_tenancy_written_past_the_services_during_a_roll_over_leaves_the_period_unknown(
    monkeypatch,
):
    """The roll-over stores the period as known without the tenancy that another transaction
    inserts meanwhile (it cannot see it); the trigger's update of the space waits for the
    roll-over's lock and then forgets what it stored. Written `... AND let_known_on IS NOT
    NULL`, it would skip the row it saw empty and "free now" would miss the tenancy."""
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    space = SpaceFactory(building=BuildingFactory(city=PolicyFactory().city))
    assert Space.objects.filter(pk=space.pk, let_known_on__isnull=True).exists()

    results = _hold_then_release(
        lambda: space_let_roll_over(on=TODAY),
        lambda: TenancyFactory(space=space, start=date(2025, 5, 1), planned_end=date(2025, 9, 1)))
    assert results["first"] == 1
    assert isinstance(results["second"], Tenancy)
    space.refresh_from_db()
    assert space.let_known_on is None
    assert not Space.objects.filter(free_on(TODAY), pk=space.pk).exists()
    assert space_let_roll_over(on=TODAY) == 1
    space.refresh_from_db()
    assert (space.let_from, space.let_until, space.let_known_on) == (
        date(2025, 5, 1), date(2025, 9, 1), TODAY)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_roll_over_during_a_write_past_the_services_reads_the_tenancy(monkeypatch):
    """The other order: the insert's trigger holds the space's row, the roll-over waits for it
    and then reads the committed tenancy into the period it stores."""
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    space = SpaceFactory(building=BuildingFactory(city=PolicyFactory().city))

    results = _hold_then_release(
        lambda: TenancyFactory(space=space, start=date(2025, 5, 1), planned_end=date(2025, 9, 1)),
        lambda: space_let_roll_over(on=TODAY))
    assert isinstance(results["first"], Tenancy)
    assert results["second"] == 1
    space.refresh_from_db()
    assert (space.let_from, space.let_until, space.let_known_on) == (
        date(2025, 5, 1), date(2025, 9, 1), TODAY)
    assert not Space.objects.filter(free_on(TODAY), pk=space.pk).exists()
