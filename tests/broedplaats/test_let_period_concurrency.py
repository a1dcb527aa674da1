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

from broedplaats.models import EndReason, Space
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

    assert results["rolled"] == 1
    space.refresh_from_db()
    assert (space.let_from, space.let_until) == (None, None)
    assert Space.objects.filter(free_on(date(2025, 8, 1)), pk=space.pk).exists()
