"""Two programmers letting one space at the same moment: exactly one of them succeeds.

Each thread has its own database connection, so the services' locking (IMMEDIATE transactions
on SQLite, a row lock plus the exclusion constraint on PostgreSQL) is what keeps them apart.
"""

from datetime import date, timedelta
from functools import partial

import pytest
from django.core.exceptions import ValidationError

from broedplaats.models import Tenancy
from broedplaats.services import tenancy_create
from tests.concurrency import race, shared_database  # noqa: F401 (autouse fixture)
from tests.factories import BuildingFactory, CreativeFactory, PolicyFactory, SpaceFactory

ROUNDS = 5
OVERLAP = {"start": ["This space already has a tenancy in this period."]}
MONTHS = ("January February March April May June July August September October November "
          "December").split()


def english_date(day: date) -> str:
    """As the racing threads write it: they run in English (tests/concurrency.py)."""
    return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"


@pytest.mark.django_db(transaction=True)
def test_concurrent_overlapping_tenancies_let_exactly_one_through():
    policy = PolicyFactory()
    building = BuildingFactory(city=policy.city)
    for round_ in range(ROUNDS):
        space = SpaceFactory(building=building)
        start = date(2025, 1, 1) + timedelta(days=round_)

        results = race(
            partial(tenancy_create, space=space, creative=CreativeFactory(), start=start,
                    planned_end=date(2026, 1, 1)),
            partial(tenancy_create, space=space, creative=CreativeFactory(),
                    start=start + timedelta(days=30), planned_end=date(2026, 6, 1)),
        )

        created = [r for r in results if isinstance(r, Tenancy)]
        refused = [r for r in results if isinstance(r, ValidationError)]
        assert (len(created), len(refused)) == (1, 1), f"round {round_}: {results!r}"
        assert refused[0].message_dict == OVERLAP
        assert list(Tenancy.objects.filter(space=space)) == created


@pytest.mark.django_db(transaction=True)
def test_concurrent_lettings_of_different_spaces_both_succeed():
    policy = PolicyFactory()
    building = BuildingFactory(city=policy.city)

    results = race(*[
        partial(tenancy_create, space=SpaceFactory(building=building), creative=CreativeFactory(),
                start=date(2025, 1, 1))
        for _ in range(2)
    ])

    assert all(isinstance(r, Tenancy) for r in results), results
    assert Tenancy.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_lettings_to_one_creative_let_exactly_one_through():
    # Spaces in different cities, so no shared building or city row serialises the two.
    buildings = [BuildingFactory(city=PolicyFactory().city) for _ in range(2)]  # 1 at a time
    creative = CreativeFactory(name="Anna")
    for round_ in range(ROUNDS):
        spaces = [SpaceFactory(building=building) for building in buildings]
        start = date(2030 + round_ * 3, 1, 1)

        results = race(*[
            partial(tenancy_create, space=space, creative=creative, start=start)
            for space in spaces
        ])

        created = [r for r in results if isinstance(r, Tenancy)]
        refused = [r for r in results if isinstance(r, ValidationError)]
        assert (len(created), len(refused)) == (1, 1), f"round {round_}: {results!r}"
        assert refused[0].message_dict == {"creative": [
            f"Anna already holds 1 tenancy(ies) on {english_date(start)}; the policy allows 1 "
            "at a time."
        ]}
        assert Tenancy.objects.filter(space__in=spaces).count() == 1
