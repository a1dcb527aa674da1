from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from broedplaats.models import EndReason, SpaceKind, Tenancy
from broedplaats.selectors import space_is_free, tenancies_running
from broedplaats.services import (
    add_months,
    tenancy_create,
    tenancy_end,
    tenancy_renew,
    tenancy_save,
)
from tests.factories import (
    BuildingFactory,
    CityFactory,
    CreativeFactory,
    PolicyFactory,
    SpaceFactory,
    StageMoveFactory,
    TenancyFactory,
    UserFactory,
    stage,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

OVERLAP = {"start": ["This space already has a tenancy in this period."]}


def cap_message(rent: str, cap: str, city: str) -> str:
    return (f"The rent comes to €{rent} per m² per year, above the cap of €{cap} per m² per "
            f"year for this kind of space in {city}. Lower the rent, or record an exception "
            "with a reason.")


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
    assert error.value.message_dict == {
        "monthly_rent": [cap_message("120.00", "90.00", space.building.city.name)]
    }
    assert not Tenancy.objects.exists()


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
    assert not Tenancy.objects.exists()


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


# --- overlap ---------------------------------------------------------------------------------

def test_tenancy_inside_another_is_refused(space):
    tenancy_create(space=space, creative=CreativeFactory(), start=date(2025, 1, 1),
                   planned_end=date(2026, 1, 1))
    with pytest.raises(ValidationError) as error:
        tenancy_create(space=space, creative=CreativeFactory(), start=date(2025, 3, 1),
                       planned_end=date(2025, 4, 1))
    assert error.value.message_dict == OVERLAP
    assert Tenancy.objects.count() == 1


def test_tenancy_around_another_is_refused(space):
    tenancy_create(space=space, creative=CreativeFactory(), start=date(2025, 3, 1),
                   planned_end=date(2025, 4, 1))
    with pytest.raises(ValidationError) as error:
        tenancy_create(space=space, creative=CreativeFactory(), start=date(2025, 1, 1),
                       planned_end=date(2026, 1, 1))
    assert error.value.message_dict == OVERLAP
    assert Tenancy.objects.count() == 1


def test_tenancy_ending_on_the_day_the_next_one_starts_is_allowed(space):
    tenancy_create(space=space, creative=CreativeFactory(), start=date(2026, 1, 1),
                   planned_end=date(2027, 1, 1))
    earlier = tenancy_create(space=space, creative=CreativeFactory(), start=date(2025, 1, 1),
                             planned_end=date(2026, 1, 1))
    assert earlier.pk


def test_same_period_on_another_space_is_allowed(space):
    other = SpaceFactory(building=space.building)
    tenancy_create(space=space, creative=CreativeFactory(), start=date(2025, 1, 1),
                   planned_end=date(2026, 1, 1))
    tenancy = tenancy_create(space=other, creative=CreativeFactory(), start=date(2025, 1, 1),
                             planned_end=date(2026, 1, 1))
    assert tenancy.pk


def test_tenancy_overlapping_the_original_planned_end_of_an_ended_one_is_allowed(space):
    first = tenancy_create(space=space, creative=CreativeFactory(), start=date(2025, 1, 1),
                           planned_end=date(2026, 1, 1))
    tenancy_end(tenancy=first, on=date(2025, 3, 1), reason=EndReason.LEFT_SECTOR)
    second = tenancy_create(space=space, creative=CreativeFactory(), start=date(2025, 9, 1),
                            planned_end=date(2026, 9, 1))
    assert second.pk


def test_tenancy_starting_before_an_early_end_is_refused(space):
    first = tenancy_create(space=space, creative=CreativeFactory(), start=date(2025, 1, 1),
                           planned_end=date(2026, 1, 1))
    tenancy_end(tenancy=first, on=date(2025, 6, 1), reason=EndReason.LEFT_SECTOR)
    with pytest.raises(ValidationError) as error:
        tenancy_create(space=space, creative=CreativeFactory(), start=date(2025, 5, 31),
                       planned_end=date(2026, 5, 1))
    assert error.value.message_dict == OVERLAP
    assert Tenancy.objects.count() == 1


# --- fields ----------------------------------------------------------------------------------

def test_tenancy_ending_on_its_start_is_refused(space):
    with pytest.raises(ValidationError) as error:
        tenancy_create(space=space, creative=CreativeFactory(), start=date(2025, 1, 1),
                       planned_end=date(2025, 1, 1))
    assert error.value.message_dict == {
        "planned_end": ["The planned end must be after the start."]
    }
    assert not Tenancy.objects.exists()


def test_tenancy_ending_before_its_start_is_refused(space):
    with pytest.raises(ValidationError) as error:
        tenancy_create(space=space, creative=CreativeFactory(), start=date(2025, 1, 1),
                       planned_end=date(2024, 6, 1))
    assert error.value.message_dict == {
        "planned_end": ["The planned end must be after the start."]
    }
    assert not Tenancy.objects.exists()


def test_tenancy_with_negative_rent_is_refused(space):
    with pytest.raises(ValidationError) as error:
        tenancy_create(space=space, creative=CreativeFactory(), start=date(2025, 1, 1),
                       monthly_rent=Decimal("-10.00"))
    assert error.value.message_dict == {
        "monthly_rent": ["Ensure this value is greater than or equal to 0."]
    }
    assert not Tenancy.objects.exists()


def test_tenancy_rent_is_stored_in_euros_and_cents(space):
    tenancy = tenancy_create(space=space, creative=CreativeFactory(), start=date(2025, 1, 1),
                             monthly_rent=Decimal("199.9"))
    tenancy.refresh_from_db()
    assert tenancy.monthly_rent == Decimal("199.90")


def test_tenancy_on_archived_space_is_refused(space):
    space.archived = True
    space.save()
    with pytest.raises(ValidationError) as error:
        tenancy_create(space=space, creative=CreativeFactory(), start=date(2025, 1, 1))
    assert error.value.message_dict == {"space": ["This space is archived and cannot be let."]}
    assert not Tenancy.objects.exists()


def test_tenancy_records_who_created_it(space):
    programmer = UserFactory()
    tenancy = tenancy_create(space=space, creative=CreativeFactory(), start=date(2025, 1, 1),
                             by=programmer)
    tenancy.refresh_from_db()
    assert tenancy.created_by == programmer


def test_tenancy_without_policy_and_without_planned_end_is_refused():
    space = SpaceFactory(building=BuildingFactory(city=CityFactory(name="Utrecht")))
    with pytest.raises(ValidationError) as error:
        tenancy_create(space=space, creative=CreativeFactory(), start=date(2025, 1, 1))
    assert error.value.message_dict == {
        "planned_end": ["Utrecht has no policy for January 1, 2025; give a planned end."]
    }
    assert not Tenancy.objects.exists()


def test_tenancy_without_policy_is_neither_capped_nor_term_limited():
    space = SpaceFactory()
    tenancy = tenancy_create(space=space, creative=CreativeFactory(), start=date(2025, 1, 1),
                             planned_end=date(2035, 1, 1), monthly_rent=Decimal("5000"))
    assert tenancy.pk


# --- rent cap and term -----------------------------------------------------------------------

def test_rent_above_cap_with_blank_exception_reason_is_refused(space):
    with pytest.raises(ValidationError) as error:
        tenancy_create(space=space, creative=CreativeFactory(), start=date(2025, 1, 1),
                       monthly_rent=Decimal("400.00"), rent_exception_reason="   ")
    assert error.value.message_dict == {
        "monthly_rent": [cap_message("120.00", "90.00", space.building.city.name)]
    }
    assert not Tenancy.objects.exists()


def test_rent_exception_reason_is_stored(space):
    tenancy = tenancy_create(space=space, creative=CreativeFactory(), start=date(2025, 1, 1),
                             monthly_rent=Decimal("400.00"), rent_exception_reason="Kiln")
    tenancy.refresh_from_db()
    assert tenancy.rent_exception_reason == "Kiln"


@pytest.fixture
def space_under_dated_policies():
    """Studio cap €80 and 12 months until 2024; €100 and 24 months from 2025."""
    city = CityFactory(name="Rotterdam")
    PolicyFactory(city=city, valid_from=date(2020, 1, 1), valid_to=date(2024, 12, 31),
                  standard_term_months=12, caps={SpaceKind.STUDIO: Decimal("80.00")})
    PolicyFactory(city=city, valid_from=date(2025, 1, 1), standard_term_months=24,
                  caps={SpaceKind.STUDIO: Decimal("100.00")})
    return SpaceFactory(building=BuildingFactory(city=city))


def test_rent_is_capped_by_the_policy_in_force_on_the_start(space_under_dated_policies):
    with pytest.raises(ValidationError) as error:
        tenancy_create(space=space_under_dated_policies, creative=CreativeFactory(),
                       start=date(2024, 6, 1), monthly_rent=Decimal("300.00"))
    assert error.value.message_dict == {
        "monthly_rent": [cap_message("90.00", "80.00", "Rotterdam")]
    }
    assert not Tenancy.objects.exists()


def test_rent_under_the_newer_policy_cap_is_allowed(space_under_dated_policies):
    tenancy = tenancy_create(space=space_under_dated_policies, creative=CreativeFactory(),
                             start=date(2025, 1, 1), monthly_rent=Decimal("300.00"))
    assert tenancy.pk


def test_default_term_comes_from_the_policy_in_force(space_under_dated_policies):
    tenancy = tenancy_create(space=space_under_dated_policies, creative=CreativeFactory(),
                             start=date(2024, 3, 1), monthly_rent=Decimal("200.00"))
    assert tenancy.planned_end == date(2025, 3, 1)


def test_term_is_limited_by_the_policy_in_force_on_the_start(space_under_dated_policies):
    with pytest.raises(ValidationError) as error:
        tenancy_create(space=space_under_dated_policies, creative=CreativeFactory(),
                       start=date(2024, 3, 1), planned_end=date(2025, 3, 2),
                       monthly_rent=Decimal("200.00"))
    assert error.value.message_dict == {"planned_end": [
        "The policy of Rotterdam allows a term of at most 12 months (until March 1, 2025). "
        "Shorten the term, or record an exception with a reason."
    ]}
    assert not Tenancy.objects.exists()


def test_term_exactly_the_policy_term_is_allowed(space):
    tenancy = tenancy_create(space=space, creative=CreativeFactory(), start=date(2025, 1, 1),
                             planned_end=date(2027, 1, 1))
    assert tenancy.pk


def test_term_longer_than_policy_with_blank_exception_is_refused(space):
    with pytest.raises(ValidationError) as error:
        tenancy_create(space=space, creative=CreativeFactory(), start=date(2025, 1, 1),
                       planned_end=date(2028, 1, 1), term_exception_reason="\t ")
    assert list(error.value.message_dict) == ["planned_end"]
    assert "at most 24 months (until January 1, 2027)" in error.value.message_dict["planned_end"][0]
    assert not Tenancy.objects.exists()


# --- one tenancy at a time -------------------------------------------------------------------

def test_creative_holding_a_running_tenancy_is_refused_a_second(space):
    creative = CreativeFactory(name="Anna")
    tenancy_create(space=space, creative=creative, start=date(2025, 1, 1))
    with pytest.raises(ValidationError) as error:
        tenancy_create(space=SpaceFactory(building=space.building), creative=creative,
                       start=date(2025, 6, 1))
    assert error.value.message_dict == {"creative": [
        "Anna already holds 1 tenancy(ies) on June 1, 2025; the policy allows 1 at a time."
    ]}
    assert Tenancy.objects.count() == 1


def test_creative_with_a_later_tenancy_is_refused_one_running_into_it(space):
    creative = CreativeFactory(name="Anna")
    tenancy_create(space=space, creative=creative, start=date(2025, 6, 1))
    with pytest.raises(ValidationError) as error:
        tenancy_create(space=SpaceFactory(building=space.building), creative=creative,
                       start=date(2025, 1, 1))
    assert error.value.message_dict == {"creative": [
        "Anna already holds 1 tenancy(ies) on June 1, 2025; the policy allows 1 at a time."
    ]}
    assert Tenancy.objects.count() == 1


def test_creative_may_take_a_new_tenancy_when_the_old_one_ends(space):
    creative = CreativeFactory()
    first = tenancy_create(space=space, creative=creative, start=date(2025, 1, 1))
    tenancy_end(tenancy=first, on=date(2025, 6, 1), reason=EndReason.NEXT_STAGE,
                to_stage=stage("making"))
    second = tenancy_create(space=SpaceFactory(building=space.building), creative=creative,
                            start=date(2025, 6, 1))
    assert second.pk


def test_creative_may_hold_two_tenancies_when_the_policy_allows_two():
    policy = PolicyFactory(max_tenancies_per_creative=2)
    building = BuildingFactory(city=policy.city)
    creative = CreativeFactory()
    tenancy_create(space=SpaceFactory(building=building), creative=creative,
                   start=date(2025, 1, 1))
    second = tenancy_create(space=SpaceFactory(building=building), creative=creative,
                            start=date(2025, 2, 1))
    assert second.pk


def test_creative_is_refused_a_third_when_the_policy_allows_two():
    policy = PolicyFactory(max_tenancies_per_creative=2)
    building = BuildingFactory(city=policy.city)
    creative = CreativeFactory(name="Duo Noord")
    for start in (date(2025, 1, 1), date(2025, 2, 1)):
        tenancy_create(space=SpaceFactory(building=building), creative=creative, start=start)
    with pytest.raises(ValidationError) as error:
        tenancy_create(space=SpaceFactory(building=building), creative=creative,
                       start=date(2025, 3, 1))
    assert error.value.message_dict == {"creative": [
        "Duo Noord already holds 2 tenancy(ies) on March 1, 2025; the policy allows 2 at a time."
    ]}
    assert Tenancy.objects.count() == 2


def test_two_separate_tenancies_inside_a_new_one_count_once_each_when_two_are_allowed():
    policy = PolicyFactory(max_tenancies_per_creative=2)
    building = BuildingFactory(city=policy.city)
    creative = CreativeFactory()
    tenancy_create(space=SpaceFactory(building=building), creative=creative,
                   start=date(2025, 2, 1), planned_end=date(2025, 4, 1))
    tenancy_create(space=SpaceFactory(building=building), creative=creative,
                   start=date(2025, 6, 1), planned_end=date(2025, 8, 1))
    spanning = tenancy_create(space=SpaceFactory(building=building), creative=creative,
                              start=date(2025, 1, 1), planned_end=date(2026, 1, 1))
    assert spanning.pk


# --- ending ----------------------------------------------------------------------------------

@pytest.fixture
def running(space):
    return tenancy_create(space=space, creative=CreativeFactory(), start=date(2025, 1, 1),
                          planned_end=date(2026, 1, 1))


def test_tenancy_end_records_date_reason_and_who(running):
    programmer = UserFactory()
    tenancy_end(tenancy=running, on=date(2025, 9, 1), reason=EndReason.OUTFLOW_TO_MARKET,
                by=programmer)
    running.refresh_from_db()
    assert running.actual_end == date(2025, 9, 1)
    assert running.end_reason == EndReason.OUTFLOW_TO_MARKET
    assert running.ended_by == programmer
    assert running.ended_at is not None
    assert running.end == date(2025, 9, 1)


def test_ending_a_tenancy_twice_is_refused(running):
    tenancy_end(tenancy=running, on=date(2025, 9, 1), reason=EndReason.TERMINATED)
    with pytest.raises(ValidationError) as error:
        tenancy_end(tenancy=running, on=date(2025, 10, 1), reason=EndReason.OTHER)
    assert error.value.message_dict == {
        "actual_end": ["This tenancy has already ended on September 1, 2025."]
    }
    running.refresh_from_db()
    assert (running.actual_end, running.end_reason) == (date(2025, 9, 1), EndReason.TERMINATED)


def test_ending_with_an_unknown_reason_is_refused(running):
    with pytest.raises(ValidationError) as error:
        tenancy_end(tenancy=running, on=date(2025, 9, 1), reason="bored")
    assert error.value.message_dict == {"end_reason": ["Choose an end reason from the list."]}
    running.refresh_from_db()
    assert running.actual_end is None


def test_ending_without_a_reason_is_refused(running):
    with pytest.raises(ValidationError) as error:
        tenancy_end(tenancy=running, on=date(2025, 9, 1), reason="")
    assert error.value.message_dict == {"end_reason": ["Choose an end reason from the list."]}
    running.refresh_from_db()
    assert running.actual_end is None


def test_ending_before_the_start_is_refused(running):
    with pytest.raises(ValidationError) as error:
        tenancy_end(tenancy=running, on=date(2024, 12, 31), reason=EndReason.OTHER)
    assert error.value.message_dict == {
        "actual_end": ["The end cannot be before the start (January 1, 2025)."]
    }
    running.refresh_from_db()
    assert running.actual_end is None


def test_ending_past_the_planned_end_into_the_next_tenancy_is_refused(running):
    tenancy_create(space=running.space, creative=CreativeFactory(), start=date(2026, 1, 1),
                   planned_end=date(2027, 1, 1))
    with pytest.raises(ValidationError) as error:
        tenancy_end(tenancy=running, on=date(2026, 2, 1), reason=EndReason.OTHER)
    assert error.value.message_dict == {
        "actual_end": ["This space already has a tenancy in this period."]
    }
    running.refresh_from_db()
    assert running.actual_end is None


def test_ending_past_the_planned_end_of_a_free_space_is_allowed(running):
    tenancy_end(tenancy=running, on=date(2026, 2, 1), reason=EndReason.OTHER)
    running.refresh_from_db()
    assert running.actual_end == date(2026, 2, 1)


def test_space_is_free_from_the_end_date(running):
    tenancy_end(tenancy=running, on=date(2025, 9, 1), reason=EndReason.NEXT_STAGE,
                to_stage=stage("making"))
    assert not space_is_free(space=running.space, on=date(2025, 8, 31))
    assert space_is_free(space=running.space, on=date(2025, 9, 1))


def test_ended_tenancy_is_no_longer_running_from_the_end_date(running):
    tenancy_end(tenancy=running, on=date(2025, 9, 1), reason=EndReason.NEXT_STAGE,
                to_stage=stage("making"))
    assert list(tenancies_running(date(2025, 8, 31))) == [running]
    assert not tenancies_running(date(2025, 9, 1)).exists()


def test_tenancy_end_refuses_a_stale_copy_of_an_ended_tenancy(space):
    tenancy = tenancy_create(space=space, creative=CreativeFactory(), start=date(2025, 1, 1),
                             planned_end=date(2026, 1, 1))
    stale = Tenancy.objects.get(pk=tenancy.pk)
    tenancy_end(tenancy=tenancy, on=date(2025, 6, 1), reason=EndReason.OUTFLOW_TO_MARKET)
    with pytest.raises(ValidationError) as error:
        tenancy_end(tenancy=stale, on=date(2025, 9, 1), reason=EndReason.OTHER)
    assert "already ended on June 1, 2025" in error.value.message_dict["actual_end"][0]
    assert Tenancy.objects.get(pk=tenancy.pk).actual_end == date(2025, 6, 1)


def test_changing_a_tenancy_to_a_creative_who_already_rents_is_refused(space):
    busy = CreativeFactory()
    tenancy_create(space=SpaceFactory(building=space.building), creative=busy,
                   start=date(2025, 1, 1), planned_end=date(2026, 1, 1))
    tenancy = tenancy_create(space=space, creative=CreativeFactory(), start=date(2025, 1, 1),
                             planned_end=date(2026, 1, 1))
    tenancy.creative = busy
    with pytest.raises(ValidationError) as error:
        tenancy_save(tenancy)
    assert "already holds 1" in error.value.message_dict["creative"][0]


def test_ending_with_outflow_records_the_move_to_the_market(space):
    creative = CreativeFactory()
    tenancy = tenancy_create(space=space, creative=creative, start=date(2025, 1, 1))
    tenancy_end(tenancy=tenancy, on=date(2025, 6, 1), reason=EndReason.OUTFLOW_TO_MARKET)
    (move,) = creative.stage_moves.all()
    assert (move.to_market, move.moved_on, move.building) == (
        True, date(2025, 6, 1), space.building
    )


def test_ending_with_next_stage_records_the_move(space):
    creative = CreativeFactory()
    tenancy = tenancy_create(space=space, creative=creative, start=date(2025, 1, 1))
    tenancy_end(tenancy=tenancy, on=date(2025, 6, 1), reason=EndReason.NEXT_STAGE,
                to_stage=stage("distribution"), note="Eigen winkel")
    (move,) = creative.stage_moves.all()
    assert (move.to_stage, move.note) == (stage("distribution"), "Eigen winkel")


def test_ending_with_next_stage_without_a_stage_is_refused_and_changes_nothing(space):
    tenancy = tenancy_create(space=space, creative=CreativeFactory(), start=date(2025, 1, 1))
    with pytest.raises(ValidationError) as error:
        tenancy_end(tenancy=tenancy, on=date(2025, 6, 1), reason=EndReason.NEXT_STAGE)
    assert error.value.message_dict == {"to_stage": ["Choose the stage the creative moves on to."]}
    tenancy.refresh_from_db()
    assert tenancy.actual_end is None


def test_ending_with_a_move_the_history_refuses_stores_nothing(space):
    creative = CreativeFactory()
    tenancy = tenancy_create(space=space, creative=creative, start=date(2025, 1, 1))
    StageMoveFactory(creative=creative, to_stage=stage("making"), moved_on=date(2025, 8, 1))
    with pytest.raises(ValidationError):
        tenancy_end(tenancy=tenancy, on=date(2025, 6, 1), reason=EndReason.OUTFLOW_TO_MARKET)
    tenancy.refresh_from_db()
    assert tenancy.actual_end is None and creative.stage_moves.count() == 1


# --- renewing (policy: 24-month term, at most 2 renewals) ------------------------------------

RENEWED_ON = date(2026, 6, 1)


@pytest.fixture
def let(space):
    """A tenancy of the standard term: 1 Jan 2025 until 1 Jan 2027."""
    return tenancy_create(space=space, creative=CreativeFactory(), start=date(2025, 1, 1))


def test_renewal_defaults_to_one_standard_term_from_the_planned_end(let):
    tenancy_renew(tenancy=let, on=RENEWED_ON)
    let.refresh_from_db()
    assert (let.planned_end, let.renewals, let.term_exception_reason) == (
        date(2029, 1, 1), 1, "")


def test_renewals_within_the_policy_are_allowed_up_to_the_maximum(let):
    tenancy_renew(tenancy=let, on=RENEWED_ON)
    tenancy_renew(tenancy=let, on=RENEWED_ON, planned_end=date(2030, 1, 1))
    let.refresh_from_db()
    assert (let.planned_end, let.renewals) == (date(2030, 1, 1), 2)


def test_renewal_beyond_the_maximum_is_refused_with_a_message(let):
    tenancy_renew(tenancy=let, on=RENEWED_ON)
    tenancy_renew(tenancy=let, on=RENEWED_ON)
    with pytest.raises(ValidationError) as error:
        tenancy_renew(tenancy=let, on=RENEWED_ON)
    assert error.value.message_dict == {"exception_reason": [
        f"The policy of {let.space.building.city} allows at most 2 renewal(s); this tenancy "
        "has had 2. Record an exception with a reason to renew it again."]}
    let.refresh_from_db()
    assert (let.planned_end, let.renewals) == (date(2031, 1, 1), 2)


def test_renewal_beyond_the_maximum_with_an_exception_is_allowed_and_recorded(let):
    programmer = UserFactory(username="jansen")
    tenancy_renew(tenancy=let, on=RENEWED_ON)
    tenancy_renew(tenancy=let, on=RENEWED_ON)
    tenancy_renew(tenancy=let, on=date(2030, 9, 1), exception_reason="  Lopend project  ",
                  by=programmer)
    let.refresh_from_db()
    assert (let.planned_end, let.renewals) == (date(2033, 1, 1), 3)
    assert let.term_exception_reason == (
        "Renewal 3 until 2033-01-01, recorded on 2030-09-01 by jansen: Lopend project")


def test_a_second_exception_is_appended_to_the_first(space):
    tenancy = tenancy_create(space=space, creative=CreativeFactory(), start=date(2025, 1, 1),
                             planned_end=date(2028, 1, 1), term_exception_reason="Bouwproject")
    tenancy_renew(tenancy=tenancy, on=RENEWED_ON, exception_reason="Nog een jaar")
    tenancy.refresh_from_db()
    assert tenancy.term_exception_reason.splitlines() == [
        "Bouwproject", "Renewal 1 until 2030-01-01, recorded on 2026-06-01 by –: Nog een jaar"]


def test_renewal_longer_than_the_standard_terms_is_refused_without_an_exception(let):
    with pytest.raises(ValidationError) as error:
        tenancy_renew(tenancy=let, on=RENEWED_ON, planned_end=date(2029, 1, 2))
    assert "at most 48 months (until January 1, 2029)" in error.value.message_dict["planned_end"][0]
    let.refresh_from_db()
    assert (let.planned_end, let.renewals) == (date(2027, 1, 1), 0)


def test_an_earlier_term_exception_does_not_stretch_a_renewal(space):
    tenancy = tenancy_create(space=space, creative=CreativeFactory(), start=date(2025, 1, 1),
                             planned_end=date(2028, 1, 1), term_exception_reason="Bouwproject")
    with pytest.raises(ValidationError) as error:
        tenancy_renew(tenancy=tenancy, on=RENEWED_ON)
    assert "at most 48 months" in error.value.message_dict["planned_end"][0]


def test_renewal_not_after_the_current_planned_end_is_refused(let):
    for planned_end in (date(2027, 1, 1), date(2026, 12, 1)):
        with pytest.raises(ValidationError) as error:
            tenancy_renew(tenancy=let, on=RENEWED_ON, planned_end=planned_end)
        assert error.value.message_dict == {"planned_end": [
            "The new planned end must be after the current one (January 1, 2027)."]}
    let.refresh_from_db()
    assert let.renewals == 0


def test_renewal_into_the_next_tenancy_is_refused(let):
    tenancy_create(space=let.space, creative=CreativeFactory(), start=date(2028, 1, 1))
    with pytest.raises(ValidationError) as error:
        tenancy_renew(tenancy=let, on=RENEWED_ON)
    assert error.value.message_dict == {
        "planned_end": ["This space already has a tenancy in this period."]}
    tenancy_renew(tenancy=let, on=RENEWED_ON, planned_end=date(2028, 1, 1))
    let.refresh_from_db()
    assert let.planned_end == date(2028, 1, 1)


def test_renewing_an_ended_tenancy_is_refused_even_from_a_stale_copy(let):
    stale = Tenancy.objects.get(pk=let.pk)
    tenancy_end(tenancy=let, on=date(2026, 1, 1), reason=EndReason.OTHER)
    with pytest.raises(ValidationError) as error:
        tenancy_renew(tenancy=stale, on=RENEWED_ON)
    assert error.value.message_dict == {
        "planned_end": ["This tenancy has already ended on January 1, 2026."]}
    assert Tenancy.objects.get(pk=let.pk).renewals == 0


def test_new_tenancies_still_keep_to_one_standard_term(space):
    with pytest.raises(ValidationError) as error:
        tenancy_create(space=space, creative=CreativeFactory(), start=date(2025, 1, 1),
                       planned_end=date(2027, 1, 2))
    assert "at most 24 months (until January 1, 2027)" in error.value.message_dict["planned_end"][0]
