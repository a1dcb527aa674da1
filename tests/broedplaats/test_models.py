"""The database holds the invariants itself: these tests go past the services on purpose.

Each refusal runs in its own atomic block so the test can check nothing was stored.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import translation

from broedplaats.models import Building, EndReason, Policy, Space, Tenancy
from chains.models import Creative, StageMove
from tests.factories import (
    BuildingFactory,
    CityFactory,
    CreativeFactory,
    DisciplineFactory,
    PolicyFactory,
    SpaceFactory,
    StageMoveFactory,
    TenancyFactory,
    stage,
)

pytestmark = pytest.mark.django_db

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def building_fields(**overrides) -> dict:
    fields = {
        "city": CityFactory(), "name": "De Werf", "slug": "de-werf", "address": "Werfstraat 1",
        "postcode": "1012 AB", "operator_name": "Stichting", "operator_kind": "foundation",
        "cluster_type": "mixed",
    }
    return fields | overrides


# --- space -----------------------------------------------------------------------------------

def test_database_refuses_space_with_zero_area():
    building = BuildingFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Space.objects.create(building=building, code="A1", kind="studio",
                             area_m2=Decimal("0"), monthly_rent=Decimal("100"))
    assert not Space.objects.exists()


def test_database_refuses_update_to_negative_area():
    space = SpaceFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Space.objects.filter(pk=space.pk).update(area_m2=Decimal("-5"))
    space.refresh_from_db()
    assert space.area_m2 == Decimal("40.00")


def test_database_refuses_negative_space_rent():
    building = BuildingFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Space.objects.bulk_create([Space(building=building, code="A1", kind="studio",
                                         area_m2=Decimal("20"), monthly_rent=Decimal("-1"))])
    assert not Space.objects.exists()


def test_database_refuses_duplicate_space_code_in_one_building():
    space = SpaceFactory(code="A1")
    with pytest.raises(IntegrityError), transaction.atomic():
        SpaceFactory(building=space.building, code="A1")
    assert Space.objects.count() == 1


# --- building --------------------------------------------------------------------------------

@pytest.mark.parametrize("postcode", ["1012ab", "1012 ab", "0123 AB", "1234", "1234 A1"])
def test_database_refuses_postcode_not_in_dutch_format(postcode):
    with pytest.raises(IntegrityError), transaction.atomic():
        Building.objects.create(**building_fields(postcode=postcode))
    assert not Building.objects.exists()


def test_database_accepts_dutch_postcode():
    building = Building.objects.create(**building_fields(postcode="1012 AB"))
    assert building.pk


def test_database_refuses_latitude_without_longitude():
    with pytest.raises(IntegrityError), transaction.atomic():
        Building.objects.create(**building_fields(latitude=Decimal("52.37")))
    assert not Building.objects.exists()


# --- tenancy ---------------------------------------------------------------------------------

def test_database_refuses_planned_end_on_start():
    with pytest.raises(IntegrityError), transaction.atomic():
        TenancyFactory(start=date(2025, 1, 1), planned_end=date(2025, 1, 1))
    assert not Tenancy.objects.exists()


def test_database_refuses_planned_end_before_start():
    tenancy = TenancyFactory(start=date(2025, 1, 1), planned_end=date(2026, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Tenancy.objects.filter(pk=tenancy.pk).update(planned_end=date(2024, 12, 31))
    tenancy.refresh_from_db()
    assert tenancy.planned_end == date(2026, 1, 1)


def test_database_refuses_actual_end_before_start():
    tenancy = TenancyFactory(start=date(2025, 1, 1), planned_end=date(2026, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Tenancy.objects.filter(pk=tenancy.pk).update(actual_end=date(2024, 12, 1),
                                                     end_reason=EndReason.OTHER)
    tenancy.refresh_from_db()
    assert tenancy.actual_end is None


def test_database_refuses_actual_end_without_end_reason():
    tenancy = TenancyFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Tenancy.objects.filter(pk=tenancy.pk).update(actual_end=date(2025, 1, 1))
    tenancy.refresh_from_db()
    assert tenancy.actual_end is None


def test_database_refuses_end_reason_without_actual_end():
    with pytest.raises(IntegrityError), transaction.atomic():
        TenancyFactory(end_reason=EndReason.TERMINATED)
    assert not Tenancy.objects.exists()


def test_database_accepts_actual_end_with_end_reason():
    tenancy = TenancyFactory(start=date(2025, 1, 1), planned_end=date(2026, 1, 1))
    Tenancy.objects.filter(pk=tenancy.pk).update(actual_end=date(2025, 6, 1),
                                                 end_reason=EndReason.OTHER)
    tenancy.refresh_from_db()
    assert tenancy.actual_end == date(2025, 6, 1)


def test_database_refuses_negative_tenancy_rent():
    with pytest.raises(IntegrityError), transaction.atomic():
        TenancyFactory(monthly_rent=Decimal("-0.01"))
    assert not Tenancy.objects.exists()


@pytest.mark.postgres_only
def test_database_refuses_overlapping_tenancies_in_bulk():
    space = SpaceFactory()
    creatives = CreativeFactory.create_batch(2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Tenancy.objects.bulk_create([
            Tenancy(space=space, creative=creatives[0], start=date(2025, 1, 1),
                    planned_end=date(2026, 1, 1), monthly_rent=Decimal("250")),
            Tenancy(space=space, creative=creatives[1], start=date(2025, 12, 31),
                    planned_end=date(2026, 6, 1), monthly_rent=Decimal("250")),
        ])
    assert not Tenancy.objects.exists()


@pytest.mark.postgres_only
def test_database_refuses_extending_actual_end_into_next_tenancy():
    first = TenancyFactory(start=date(2025, 1, 1), planned_end=date(2026, 1, 1))
    TenancyFactory(space=first.space, start=date(2026, 1, 1), planned_end=date(2027, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Tenancy.objects.filter(pk=first.pk).update(actual_end=date(2026, 2, 1),
                                                   end_reason=EndReason.OTHER)
    first.refresh_from_db()
    assert first.actual_end is None


@pytest.mark.postgres_only
def test_database_allows_tenancy_starting_on_previous_end():
    first = TenancyFactory(start=date(2025, 1, 1), planned_end=date(2026, 1, 1))
    TenancyFactory(space=first.space, start=date(2026, 1, 1), planned_end=date(2027, 1, 1))
    assert Tenancy.objects.count() == 2


@pytest.mark.postgres_only
def test_database_allows_overlapping_periods_on_different_spaces():
    TenancyFactory(start=date(2025, 1, 1), planned_end=date(2026, 1, 1))
    TenancyFactory(start=date(2025, 1, 1), planned_end=date(2026, 1, 1))
    assert Tenancy.objects.count() == 2


# --- policy ----------------------------------------------------------------------------------

def test_database_refuses_policy_ending_before_it_starts():
    city = CityFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        PolicyFactory(city=city, valid_from=date(2025, 1, 1), valid_to=date(2024, 12, 31))
    assert not Policy.objects.exists()


def test_database_refuses_policy_with_zero_term():
    with pytest.raises(IntegrityError), transaction.atomic():
        PolicyFactory(standard_term_months=0)
    assert not Policy.objects.exists()


@pytest.mark.postgres_only
def test_database_refuses_overlapping_policies_of_one_city():
    city = CityFactory()
    PolicyFactory(city=city, valid_from=date(2020, 1, 1), valid_to=date(2024, 12, 31))
    with pytest.raises(IntegrityError), transaction.atomic():
        PolicyFactory(city=city, valid_from=date(2024, 12, 31), valid_to=None)
    assert Policy.objects.count() == 1


@pytest.mark.postgres_only
def test_database_refuses_policy_inside_an_open_ended_one():
    city = CityFactory()
    PolicyFactory(city=city, valid_from=date(2020, 1, 1), valid_to=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        PolicyFactory(city=city, valid_from=date(2030, 1, 1), valid_to=date(2030, 12, 31))
    assert Policy.objects.count() == 1


@pytest.mark.postgres_only
def test_database_allows_consecutive_policies_and_other_cities():
    city = CityFactory()
    PolicyFactory(city=city, valid_from=date(2020, 1, 1), valid_to=date(2024, 12, 31))
    PolicyFactory(city=city, valid_from=date(2025, 1, 1), valid_to=None)
    PolicyFactory(valid_from=date(2020, 1, 1), valid_to=None)
    assert Policy.objects.count() == 3


# --- creative --------------------------------------------------------------------------------

@pytest.mark.parametrize("kvk", ["1234567", "1234567a", "ABCDEFGH"])
def test_database_refuses_kvk_number_not_8_digits(kvk):
    discipline = DisciplineFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Creative.objects.create(name="Maker", discipline=discipline, kvk_number=kvk)
    assert not Creative.objects.exists()


def test_database_refuses_duplicate_kvk_number():
    CreativeFactory(kvk_number="12345678")
    with pytest.raises(IntegrityError), transaction.atomic():
        CreativeFactory(kvk_number="12345678")
    assert Creative.objects.count() == 1


def test_database_allows_many_creatives_without_kvk_number():
    CreativeFactory.create_batch(2, kvk_number="")
    assert Creative.objects.count() == 2


# --- stage move ------------------------------------------------------------------------------

def test_database_refuses_stage_move_to_neither_stage_nor_market():
    creative = CreativeFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        StageMove.objects.create(creative=creative, to_stage=None, to_market=False,
                                 moved_on=date(2025, 1, 1))
    assert not StageMove.objects.exists()


def test_database_refuses_stage_move_to_both_stage_and_market():
    creative = CreativeFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        StageMove.objects.create(creative=creative, to_stage=stage("making"), to_market=True,
                                 moved_on=date(2025, 1, 1))
    assert not StageMove.objects.exists()


def test_database_refuses_stage_move_that_keeps_the_stage():
    creative = CreativeFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        StageMove.objects.create(creative=creative, from_stage=stage("idea"),
                                 to_stage=stage("idea"), moved_on=date(2025, 1, 1))
    assert not StageMove.objects.exists()


# --- nothing a dashboard counts is deleted ---------------------------------------------------

def test_building_with_spaces_cannot_be_deleted():
    space = SpaceFactory()
    with pytest.raises(ProtectedError), transaction.atomic():
        space.building.delete()
    assert Building.objects.filter(pk=space.building_id).exists()


def test_building_with_stage_history_cannot_be_deleted():
    building = BuildingFactory()
    StageMoveFactory(building=building)
    with pytest.raises(ProtectedError), transaction.atomic():
        building.delete()
    assert Building.objects.filter(pk=building.pk).exists()


def test_space_with_tenancies_cannot_be_deleted():
    tenancy = TenancyFactory()
    with pytest.raises(ProtectedError), transaction.atomic():
        tenancy.space.delete()
    assert Space.objects.filter(pk=tenancy.space_id).exists()


def test_creative_with_tenancies_cannot_be_deleted():
    tenancy = TenancyFactory()
    with pytest.raises(ProtectedError), transaction.atomic():
        tenancy.creative.delete()
    assert Creative.objects.filter(pk=tenancy.creative_id).exists()


def test_creative_with_stage_history_cannot_be_deleted():
    move = StageMoveFactory()
    with pytest.raises(ProtectedError), transaction.atomic():
        move.creative.delete()
    assert Creative.objects.filter(pk=move.creative_id).exists()


def test_city_with_policies_cannot_be_deleted():
    policy = PolicyFactory()
    with pytest.raises(ProtectedError), transaction.atomic():
        policy.city.delete()
    assert Policy.objects.filter(pk=policy.pk).exists()


def test_space_without_tenancies_can_be_deleted():
    space = SpaceFactory()
    space.delete()
    assert not Space.objects.filter(pk=space.pk).exists()


# --- model validation (admin forms run it) gives errors, not database crashes ----------------

def test_tenancy_ending_before_it_starts_fails_validation_with_a_message():
    tenancy = Tenancy(space=SpaceFactory(), creative=CreativeFactory(), start=date(2025, 1, 1),
                      planned_end=date(2024, 1, 1), monthly_rent=Decimal("100"))
    with translation.override("en"), pytest.raises(ValidationError) as error:
        tenancy.full_clean()
    assert error.value.messages == ["The planned end must be after the start."]


def test_policy_ending_before_it_starts_fails_validation_with_a_message():
    policy = PolicyFactory(valid_from=date(2020, 1, 1), valid_to=date(2026, 1, 1))
    policy.valid_to = date(2019, 1, 1)
    with translation.override("en"), pytest.raises(ValidationError) as error:
        policy.full_clean()
    assert error.value.messages == ["A policy must end on or after the day it starts."]


def test_open_ended_policy_passes_model_validation():
    policy = Policy(city=CityFactory(), valid_from=date(2025, 1, 1), valid_to=None,
                    income_limit=Decimal("38150"), standard_term_months=24)
    policy.full_clean()
