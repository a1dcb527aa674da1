from datetime import date
from decimal import Decimal

import pytest
from django.http import QueryDict
from django.utils import timezone
from django.utils.http import urlencode

from broedplaats.filters import BuildingFilter, SpaceFilter
from broedplaats.models import SpaceKind
from broedplaats.selectors import building_list, space_list
from tests.factories import (
    BuildingFactory,
    ChainFactory,
    CityFactory,
    SpaceFactory,
    TenancyFactory,
    facility,
    stage,
)

pytestmark = pytest.mark.django_db

ON = date(2025, 6, 1)


def let(space, *, start=date(2025, 1, 1), end=date(2025, 7, 1)):
    """A tenancy holding the space from start until (not including) end."""
    return TenancyFactory(space=space, start=start, planned_end=end)


def query(data: dict) -> QueryDict:
    """Form data as a request sends it (a list value repeats the key)."""
    return QueryDict(urlencode(data, doseq=True))


def buildings(data, *, on=ON):
    filterset = BuildingFilter(query(data), queryset=building_list(on=on), on=on)
    assert filterset.is_valid(), filterset.errors
    return list(filterset.qs)


def spaces(data, *, on=ON):
    filterset = SpaceFilter(query(data), queryset=space_list(on=on), on=on)
    assert filterset.is_valid(), filterset.errors
    return list(filterset.qs)


# --- BuildingFilter ---------------------------------------------------------------------------

def test_no_filter_values_keep_every_active_building():
    first, second = BuildingFactory(), BuildingFactory()
    BuildingFactory(archived=True)
    assert set(buildings({})) == {first, second}


def test_city_filter_keeps_buildings_of_that_city():
    amsterdam = CityFactory(slug="amsterdam")
    in_amsterdam = BuildingFactory(city=amsterdam)
    BuildingFactory(city=CityFactory(slug="rotterdam"))
    assert buildings({"city": "amsterdam"}) == [in_amsterdam]


def test_chain_filter_keeps_buildings_whose_focus_contains_the_chain():
    fashion, games = ChainFactory(slug="fashion"), ChainFactory(slug="games")
    both = BuildingFactory(chains=[fashion, games])
    BuildingFactory(chains=[games])
    BuildingFactory()
    assert buildings({"chain": "fashion"}) == [both]


def test_stage_filter_keeps_buildings_with_an_active_space_serving_the_stage():
    serving = SpaceFactory(stages=[stage("making")]).building
    SpaceFactory(stages=[stage("idea")])
    SpaceFactory(stages=[stage("making")], archived=True)
    assert buildings({"stage": "making"}) == [serving]


def test_space_kind_filter_keeps_buildings_with_an_active_space_of_that_kind():
    with_workshop = SpaceFactory(kind=SpaceKind.WORKSHOP).building
    SpaceFactory(kind=SpaceKind.DESK)
    SpaceFactory(kind=SpaceKind.WORKSHOP, archived=True)
    assert buildings({"space_kind": "workshop"}) == [with_workshop]


def test_free_now_keeps_buildings_with_an_active_space_no_tenancy_holds():
    partly_let = BuildingFactory()
    let(SpaceFactory(building=partly_let))
    SpaceFactory(building=partly_let)
    fully_let = BuildingFactory()
    let(SpaceFactory(building=fully_let))
    only_archived_free = BuildingFactory()
    SpaceFactory(building=only_archived_free, archived=True)
    BuildingFactory()  # no spaces at all
    assert buildings({"free_now": "true"}) == [partly_let]


def test_free_now_false_keeps_buildings_with_no_free_space():
    fully_let = BuildingFactory()
    let(SpaceFactory(building=fully_let))
    without_spaces = BuildingFactory()
    SpaceFactory()  # a building with a free space
    result = buildings({"free_now": "false"})
    assert fully_let in result and without_spaces in result
    assert all(building.free_count == 0 for building in result)


def test_free_now_agrees_with_the_free_count_annotation():
    for n in range(3):
        building = BuildingFactory()
        for _ in range(n):
            let(SpaceFactory(building=building))
        SpaceFactory(building=building, archived=True)
    SpaceFactory()
    free = buildings({"free_now": "true"})
    assert free and all(building.free_count > 0 for building in free)
    assert {b.pk for b in buildings({}) if b.free_count > 0} == {b.pk for b in free}


@pytest.mark.parametrize(
    ("on", "free"),
    [
        (date(2024, 12, 31), True),  # before the tenancy starts
        (date(2025, 1, 1), False),  # first day
        (date(2025, 6, 30), False),  # last day
        (date(2025, 7, 1), True),  # the end date is exclusive
    ],
)
def test_free_now_respects_the_tenancies_running_on_the_date(on, free):
    space = SpaceFactory()
    let(space, start=date(2025, 1, 1), end=date(2025, 7, 1))
    assert buildings({"free_now": "true"}, on=on) == ([space.building] if free else [])


def test_free_now_counts_an_ended_tenancy_as_over_from_its_actual_end():
    space = SpaceFactory()
    TenancyFactory(space=space, start=date(2025, 1, 1), planned_end=date(2026, 1, 1),
                   actual_end=date(2025, 5, 1), end_reason="other")
    assert buildings({"free_now": "true"}) == [space.building]


def test_free_now_uses_the_filtersets_date_not_the_querysets():
    space = SpaceFactory()
    let(space, start=date(2025, 1, 1), end=date(2025, 7, 1))
    filterset = BuildingFilter({"free_now": "true"}, queryset=building_list(on=date(2024, 1, 1)),
                               on=ON)
    assert list(filterset.qs) == []


def test_space_filters_must_hold_for_one_and_the_same_space():
    mixed = BuildingFactory()
    SpaceFactory(building=mixed, kind=SpaceKind.DESK, stages=[stage("making")])  # free desk
    let(SpaceFactory(building=mixed, kind=SpaceKind.WORKSHOP, stages=[stage("making")]))
    SpaceFactory(building=mixed, kind=SpaceKind.WORKSHOP, stages=[stage("idea")])  # free, idea
    right = BuildingFactory()
    SpaceFactory(building=right, kind=SpaceKind.WORKSHOP, stages=[stage("making")])
    assert buildings({"space_kind": "workshop", "stage": "making", "free_now": "true"}) == [right]


def test_free_now_false_with_a_kind_keeps_buildings_whose_spaces_of_that_kind_are_all_let():
    desks_let = BuildingFactory()
    let(SpaceFactory(building=desks_let, kind=SpaceKind.DESK))
    SpaceFactory(building=desks_let, kind=SpaceKind.STUDIO)  # free, but not a desk
    SpaceFactory(kind=SpaceKind.STUDIO)  # no desk at all
    assert buildings({"space_kind": "desk", "free_now": "false"}) == [desks_let]


def test_building_filters_never_duplicate_a_building():
    fashion, games = ChainFactory(slug="fashion"), ChainFactory(slug="games")
    city = CityFactory(slug="utrecht")
    building = BuildingFactory(city=city, chains=[fashion, games])
    for _ in range(3):
        SpaceFactory(building=building, kind=SpaceKind.WORKSHOP,
                     stages=[stage("idea"), stage("making")],
                     facilities=[facility("water"), facility("kiln")])
    result = buildings({"city": "utrecht", "chain": "fashion", "stage": "making",
                        "space_kind": "workshop", "free_now": "true"})
    assert result == [building]
    assert result[0].space_count == 3 and result[0].free_count == 3


@pytest.mark.parametrize(
    ("field", "value"),
    [("city", "nowhere"), ("chain", "nothing"), ("stage", "dreaming"),
     ("space_kind", "castle"), ("free_now", "maybe")],
)
def test_an_invalid_building_filter_value_is_a_form_error_on_that_field(field, value):
    CityFactory(slug="amsterdam")
    filterset = BuildingFilter({field: value}, queryset=building_list(on=ON), on=ON)
    assert not filterset.is_valid()
    assert list(filterset.errors) == [field]


def test_an_invalid_value_leaves_that_filter_out_and_keeps_the_others():
    kept = BuildingFactory(city=CityFactory(slug="amsterdam"))
    BuildingFactory()
    filterset = BuildingFilter({"city": "amsterdam", "free_now": "maybe"},
                               queryset=building_list(on=ON), on=ON)
    assert list(filterset.qs) == [kept]


def test_the_filterset_date_defaults_to_the_local_date():
    assert BuildingFilter().on == timezone.localdate()
    assert SpaceFilter().on == timezone.localdate()


def test_the_building_filter_form_offers_the_filters_in_order():
    assert list(BuildingFilter().form.fields) == ["city", "chain", "stage", "space_kind", "free_now"]


# --- SpaceFilter ------------------------------------------------------------------------------

def test_space_filter_by_building_slug():
    space = SpaceFactory(building=BuildingFactory(slug="de-fabriek"))
    SpaceFactory()
    assert spaces({"building": "de-fabriek"}) == [space]


def test_space_filter_by_city_slug():
    space = SpaceFactory(building=BuildingFactory(city=CityFactory(slug="rotterdam")))
    SpaceFactory()
    assert spaces({"city": "rotterdam"}) == [space]


def test_space_filter_by_kind():
    workshop = SpaceFactory(kind=SpaceKind.WORKSHOP)
    SpaceFactory(kind=SpaceKind.STUDIO)
    assert spaces({"kind": "workshop"}) == [workshop]


def test_space_filter_by_stage_does_not_duplicate_spaces_serving_several_stages():
    both = SpaceFactory(stages=[stage("idea"), stage("making"), stage("distribution")])
    SpaceFactory(stages=[stage("idea")])
    assert spaces({"stage": "making"}) == [both]


def test_space_filter_by_facilities_keeps_spaces_that_have_all_of_them():
    both = SpaceFactory(facilities=[facility("water"), facility("kiln"), facility("daylight")])
    SpaceFactory(facilities=[facility("water")])
    SpaceFactory()
    assert len(spaces({"facility": "water"})) == 2
    assert spaces({"facility": ["water", "kiln"]}) == [both]


def test_space_filter_free_now_respects_the_date():
    space = SpaceFactory()
    let(space, start=date(2025, 1, 1), end=date(2025, 7, 1))
    other = SpaceFactory()
    assert spaces({"free_now": "true"}) == [other]
    assert spaces({"free_now": "false"}) == [space]
    assert set(spaces({"free_now": "true"}, on=date(2025, 7, 1))) == {space, other}


def test_space_filter_by_area_range():
    SpaceFactory(area_m2=Decimal("20.00"))
    middle = SpaceFactory(area_m2=Decimal("40.00"))
    SpaceFactory(area_m2=Decimal("80.00"))
    assert spaces({"min_area": "30", "max_area": "40"}) == [middle]


def test_space_filter_by_max_rent():
    cheap = SpaceFactory(monthly_rent=Decimal("199.99"))
    SpaceFactory(monthly_rent=Decimal("200.01"))
    assert spaces({"max_rent": "200"}) == [cheap]


def test_space_filter_on_an_archived_building_is_a_form_error():
    SpaceFactory(building=BuildingFactory(slug="gesloten", archived=True))
    filterset = SpaceFilter({"building": "gesloten"}, queryset=space_list(on=ON), on=ON)
    assert list(filterset.errors) == ["building"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("building", "nowhere"), ("city", "nowhere"), ("kind", "castle"), ("stage", "dreaming"),
     ("facility", "jacuzzi"), ("free_now", "maybe"), ("min_area", "big"), ("max_rent", "cheap")],
)
def test_an_invalid_space_filter_value_is_a_form_error_on_that_field(field, value):
    filterset = SpaceFilter({field: value}, queryset=space_list(on=ON), on=ON)
    assert not filterset.is_valid()
    assert list(filterset.errors) == [field]
