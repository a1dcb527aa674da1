from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from broedplaats.models import EndReason, SpaceKind, Tenancy
from broedplaats.services import add_months, tenancy_create, tenancy_end
from tests.factories import (
    BuildingFactory,
    CreativeFactory,
    PolicyFactory,
    SpaceFactory,
    TenancyFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def space():
    policy = PolicyFactory()
    return SpaceFactory(building=BuildingFactory(city=policy.city))


def test_tenancy_defaults_to_policy_term_and_space_rent(space):
    tenancy = tenancy_create(space=space, creative=CreativeFactory(), start=date(2025, 3, 1))
    assert tenancy.planned_end == date(2027, 3, 1)
    assert tenancy.monthly_rent == Decimal("250.00")


def test_overlapping_tenancy_is_refused(space):
    tenancy_create(space=space, creative=CreativeFactory(), start=date(2025, 1, 1),
                   planned_end=date(2026, 1, 1))
    with pytest.raises(ValidationError) as error:
        tenancy_create(space=space, creative=CreativeFactory(), start=date(2025, 12, 1),
                       planned_end=date(2026, 6, 1))
    assert error.value.message_dict == {
        "start": ["This space already has a tenancy in this period."]
    }
    assert Tenancy.objects.count() == 1


def test_tenancy_may_start_on_the_day_the_previous_one_ends(space):
    tenancy_create(space=space, creative=CreativeFactory(), start=date(2025, 1, 1),
                   planned_end=date(2026, 1, 1))
    follower = tenancy_create(space=space, creative=CreativeFactory(), start=date(2026, 1, 1),
                              planned_end=date(2027, 1, 1))
    assert follower.pk


def test_ended_tenancy_frees_the_space_from_its_end(space):
    first = tenancy_create(space=space, creative=CreativeFactory(), start=date(2025, 1, 1),
                           planned_end=date(2026, 1, 1))
    tenancy_end(tenancy=first, on=date(2025, 6, 1), reason=EndReason.OUTFLOW_TO_MARKET)
    second = tenancy_create(space=space, creative=CreativeFactory(), start=date(2025, 6, 1),
                            planned_end=date(2026, 6, 1))
    assert second.pk


def test_rent_above_cap_is_refused_naming_the_cap(space):
    with pytest.raises(ValidationError) as error:
        tenancy_create(space=space, creative=CreativeFactory(), start=date(2025, 1, 1),
                       monthly_rent=Decimal("400.00"))
    message = error.value.message_dict["monthly_rent"][0]
    assert "€120.00" in message and "€90.00" in message


def test_rent_above_cap_with_exception_reason_is_allowed(space):
    tenancy = tenancy_create(space=space, creative=CreativeFactory(), start=date(2025, 1, 1),
                             monthly_rent=Decimal("400.00"),
                             rent_exception_reason="Includes kiln use")
    assert tenancy.monthly_rent == Decimal("400.00")


def test_term_longer_than_policy_is_refused(space):
    with pytest.raises(ValidationError) as error:
        tenancy_create(space=space, creative=CreativeFactory(), start=date(2025, 1, 1),
                       planned_end=date(2027, 1, 2))
    assert "24 months" in error.value.message_dict["planned_end"][0]


def test_term_longer_than_policy_with_exception_is_allowed(space):
    tenancy = tenancy_create(space=space, creative=CreativeFactory(), start=date(2025, 1, 1),
                             planned_end=date(2028, 1, 1),
                             term_exception_reason="Live/work re-test passed")
    assert tenancy.planned_end == date(2028, 1, 1)


def test_add_months_clips_to_month_end():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 11, 15), 14) == date(2026, 1, 15)


def test_kind_without_cap_is_not_capped(space):
    space.kind = SpaceKind.WORKSHOP
    tenancy = tenancy_create(space=space, creative=CreativeFactory(), start=date(2025, 1, 1),
                             monthly_rent=Decimal("900.00"))
    assert tenancy.pk


@pytest.mark.postgres_only
def test_database_refuses_overlap_even_past_the_service(space):
    from django.db import IntegrityError, transaction

    TenancyFactory(space=space, start=date(2025, 1, 1), planned_end=date(2026, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        TenancyFactory(space=space, start=date(2025, 6, 1), planned_end=date(2026, 6, 1))
