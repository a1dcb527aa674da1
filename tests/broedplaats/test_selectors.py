from datetime import date
from decimal import Decimal

import pytest

from broedplaats.models import EndReason
from broedplaats.selectors import (
    building_chain_stages,
    building_list,
    building_spaces,
    policy_in_force,
    rent_cap_for,
    space_is_free,
    space_list,
    tenancies_overlapping,
    tenancies_running,
)
from broedplaats.services import tenancy_end
from tests.factories import (
    BuildingFactory,
    ChainFactory,
    CityFactory,
    PolicyFactory,
    SpaceFactory,
    TenancyFactory,
    stage,
)

pytestmark = pytest.mark.django_db

ON = date(2025, 6, 1)


# --- policy_in_force -------------------------------------------------------------------------

@pytest.fixture
def city():
    return CityFactory()


def test_open_ended_policy_is_in_force_from_its_first_day(city):
    policy = PolicyFactory(city=city, valid_from=date(2020, 1, 1), valid_to=None)
    assert policy_in_force(city=city, on=date(2020, 1, 1)) == policy
    assert policy_in_force(city=city, on=date(2099, 1, 1)) == policy


def test_no_policy_is_in_force_before_the_first_one(city):
    PolicyFactory(city=city, valid_from=date(2020, 1, 1))
    assert policy_in_force(city=city, on=date(2019, 12, 31)) is None


def test_ended_policy_is_in_force_on_its_last_day_only_up_to_it(city):
    policy = PolicyFactory(city=city, valid_from=date(2020, 1, 1), valid_to=date(2024, 12, 31))
    assert policy_in_force(city=city, on=date(2024, 12, 31)) == policy
    assert policy_in_force(city=city, on=date(2025, 1, 1)) is None


def test_policy_in_force_picks_the_one_covering_the_date(city):
    old = PolicyFactory(city=city, valid_from=date(2020, 1, 1), valid_to=date(2024, 12, 31))
    new = PolicyFactory(city=city, valid_from=date(2025, 1, 1), valid_to=None)
    assert policy_in_force(city=city, on=date(2024, 6, 1)) == old
    assert policy_in_force(city=city, on=date(2025, 6, 1)) == new


def test_policy_of_another_city_is_not_in_force(city):
    PolicyFactory(valid_from=date(2020, 1, 1))
    assert policy_in_force(city=city, on=ON) is None


def test_city_without_policies_has_none_in_force(city):
    assert policy_in_force(city=city, on=ON) is None


def test_rent_cap_for_finds_the_kind_or_none(city):
    policy = PolicyFactory(city=city, caps={"studio": Decimal("90"), "desk": Decimal("150")})
    assert rent_cap_for(policy=policy, space_kind="desk").max_rent_per_m2_year == Decimal("150")
    assert rent_cap_for(policy=policy, space_kind="workshop") is None
    assert rent_cap_for(policy=None, space_kind="studio") is None


# --- tenancies_running and tenancies_overlapping ---------------------------------------------

@pytest.fixture
def tenancy():
    """2025-01-01 until 2026-01-01 (exclusive)."""
    return TenancyFactory(start=date(2025, 1, 1), planned_end=date(2026, 1, 1))


def test_tenancy_runs_from_its_start_until_the_day_before_its_end(tenancy):
    assert not tenancies_running(date(2024, 12, 31)).exists()
    assert list(tenancies_running(date(2025, 1, 1))) == [tenancy]
    assert list(tenancies_running(date(2025, 12, 31))) == [tenancy]
    assert not tenancies_running(date(2026, 1, 1)).exists()


def test_ended_tenancy_runs_until_its_actual_end(tenancy):
    tenancy_end(tenancy=tenancy, on=date(2025, 3, 1), reason=EndReason.OTHER)
    assert list(tenancies_running(date(2025, 2, 28))) == [tenancy]
    assert not tenancies_running(date(2025, 3, 1)).exists()


@pytest.mark.parametrize(("start", "end"), [
    (date(2024, 6, 1), date(2025, 1, 2)),   # runs into its first day
    (date(2025, 12, 31), date(2026, 6, 1)),  # starts on its last day
    (date(2025, 3, 1), date(2025, 4, 1)),   # inside it
    (date(2024, 1, 1), date(2027, 1, 1)),   # around it
])
def test_period_meeting_a_tenancy_overlaps_it(tenancy, start, end):
    assert list(tenancies_overlapping(space=tenancy.space, start=start, end=end)) == [tenancy]


@pytest.mark.parametrize(("start", "end"), [
    (date(2024, 1, 1), date(2025, 1, 1)),  # ends the day it starts
    (date(2026, 1, 1), date(2027, 1, 1)),  # starts the day it ends
])
def test_adjacent_period_does_not_overlap(tenancy, start, end):
    assert not tenancies_overlapping(space=tenancy.space, start=start, end=end).exists()


def test_period_after_an_early_end_does_not_overlap(tenancy):
    tenancy_end(tenancy=tenancy, on=date(2025, 3, 1), reason=EndReason.OTHER)
    assert not tenancies_overlapping(space=tenancy.space, start=date(2025, 3, 1),
                                     end=date(2025, 12, 1)).exists()


def test_tenancy_of_another_space_does_not_overlap(tenancy):
    other = SpaceFactory(building=tenancy.space.building)
    assert not tenancies_overlapping(space=other, start=date(2025, 1, 1),
                                     end=date(2026, 1, 1)).exists()


def test_tenancy_ended_on_its_start_overlaps_nothing(tenancy):
    tenancy_end(tenancy=tenancy, on=date(2025, 1, 1), reason=EndReason.OTHER)
    assert not tenancies_overlapping(space=tenancy.space, start=date(2024, 1, 1),
                                     end=date(2027, 1, 1)).exists()


# --- space_is_free ---------------------------------------------------------------------------

def test_space_is_free_before_and_after_a_tenancy_but_not_during(tenancy):
    assert space_is_free(space=tenancy.space, on=date(2024, 12, 31))
    assert not space_is_free(space=tenancy.space, on=date(2025, 1, 1))
    assert not space_is_free(space=tenancy.space, on=date(2025, 12, 31))
    assert space_is_free(space=tenancy.space, on=date(2026, 1, 1))


def test_archived_space_is_never_free():
    space = SpaceFactory(archived=True)
    assert not space_is_free(space=space, on=ON)


def test_space_without_tenancies_is_free():
    assert space_is_free(space=SpaceFactory(), on=ON)


# --- building_list ---------------------------------------------------------------------------

@pytest.fixture
def building():
    """Four spaces: one free, one let on ON, one let only later, one archived."""
    building = BuildingFactory(name="De Werf")
    SpaceFactory(building=building, code="A-free", area_m2=Decimal("10"))
    let = SpaceFactory(building=building, code="B-let", area_m2=Decimal("20"))
    TenancyFactory(space=let, start=date(2025, 1, 1), planned_end=date(2026, 1, 1))
    later = SpaceFactory(building=building, code="C-later", area_m2=Decimal("30"))
    TenancyFactory(space=later, start=date(2025, 9, 1), planned_end=date(2026, 9, 1))
    SpaceFactory(building=building, code="D-archived", area_m2=Decimal("99"), archived=True)
    return building


def test_building_list_counts_active_spaces(building):
    row = building_list(on=ON).get(pk=building.pk)
    assert row.space_count == 3


def test_building_list_counts_free_spaces_without_archived_or_let_ones(building):
    row = building_list(on=ON).get(pk=building.pk)
    assert row.free_count == 2


def test_building_list_free_count_follows_the_date(building):
    assert building_list(on=date(2025, 10, 1)).get(pk=building.pk).free_count == 1
    assert building_list(on=date(2027, 1, 1)).get(pk=building.pk).free_count == 3


def test_building_list_sums_active_area(building):
    assert building_list(on=ON).get(pk=building.pk).total_area == Decimal("60")


def test_building_list_counts_zero_for_building_without_spaces():
    empty = BuildingFactory()
    row = building_list(on=ON).get(pk=empty.pk)
    assert (row.space_count, row.free_count, row.total_area) == (0, 0, None)


def test_building_list_leaves_out_archived_buildings_unless_asked():
    kept, archived = BuildingFactory(), BuildingFactory(archived=True)
    assert list(building_list(on=ON)) == [kept]
    assert set(building_list(on=ON, include_archived=True)) == {kept, archived}


def test_building_list_counts_do_not_multiply_with_chain_focus(building):
    building.chain_focus.set(ChainFactory.create_batch(3))
    row = building_list(on=ON).get(pk=building.pk)
    assert (row.space_count, row.free_count) == (3, 2)


def test_building_list_runs_in_two_queries(building, django_assert_max_num_queries):
    BuildingFactory.create_batch(3, chains=[ChainFactory()])
    with django_assert_max_num_queries(2):
        rows = list(building_list(on=ON))
        assert [row.city.name for row in rows]
        assert [list(row.chain_focus.all()) for row in rows]


# --- building_spaces and space_list ----------------------------------------------------------

def test_building_spaces_marks_let_spaces_and_leaves_out_archived(building):
    rows = {space.code: space.is_let for space in building_spaces(building=building, on=ON)}
    assert rows == {"A-free": False, "B-let": True, "C-later": False}


def test_space_list_leaves_out_spaces_of_archived_buildings(building):
    SpaceFactory(building=BuildingFactory(archived=True))
    assert {space.code for space in space_list(on=ON)} == {"A-free", "B-let", "C-later"}


# --- building_chain_stages -------------------------------------------------------------------

def test_building_chain_stages_flags_stages_served_by_active_spaces():
    fashion = ChainFactory(name="Mode")
    building = BuildingFactory(chains=[fashion])
    SpaceFactory(building=building, stages=[stage("idea")])
    SpaceFactory(building=building, stages=[stage("making"), stage("idea")])
    SpaceFactory(building=building, stages=[stage("distribution")], archived=True)
    rows = building_chain_stages(building=building)
    assert [row["chain"] for row in rows] == [fashion]
    assert [(s.code, housed) for s, housed in rows[0]["stages"]] == [
        ("idea", True), ("making", True), ("distribution", False)
    ]


def test_building_chain_stages_has_a_row_per_chain_in_focus():
    chains = ChainFactory.create_batch(2)
    building = BuildingFactory(chains=chains)
    SpaceFactory(building=building, stages=[stage("distribution")])
    rows = building_chain_stages(building=building)
    assert {row["chain"] for row in rows} == set(chains)
    assert all([housed for _, housed in row["stages"]] == [False, False, True] for row in rows)


def test_building_chain_stages_is_empty_without_chain_focus():
    building = BuildingFactory()
    SpaceFactory(building=building, stages=[stage("idea")])
    assert building_chain_stages(building=building) == []


def test_building_chain_stages_ignores_other_buildings_spaces():
    building = BuildingFactory(chains=[ChainFactory()])
    SpaceFactory(stages=[stage("making")])
    rows = building_chain_stages(building=building)
    assert [housed for _, housed in rows[0]["stages"]] == [False, False, False]
