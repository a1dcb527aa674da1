"""Services for buildings, spaces and policies: every refusal names its field and stores nothing."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from broedplaats.models import Building, Policy, PolicyRentCap, Space, SpaceKind
from broedplaats.services import (
    building_archive,
    building_create,
    building_update,
    policy_check,
    policy_create,
    space_archive,
    space_check,
    space_create,
    space_update,
)
from tests.factories import (
    BuildingFactory,
    ChainFactory,
    CityFactory,
    PolicyFactory,
    SpaceFactory,
    UserFactory,
    facility,
    stage,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

POSTCODE_MESSAGE = ("Enter a Dutch postcode such as 1012 AB (four digits, a space, two capital "
                    "letters).")
ON = date(2025, 6, 1)


@pytest.fixture
def city():
    return CityFactory(name="Amsterdam", slug="amsterdam")


@pytest.fixture
def building(city):
    """A building in a city whose studio cap is €90/m²/yr."""
    PolicyFactory(city=city)
    return BuildingFactory(city=city)


def building_fields(city, **overrides) -> dict:
    fields = {
        "city": city, "name": "De Werf", "slug": "de-werf", "address": "Werfstraat 1",
        "postcode": "1012 AB", "operator_name": "Stichting De Werf",
        "operator_kind": "foundation", "cluster_type": "mixed",
    }
    return fields | overrides


def space_fields(building, **overrides) -> dict:
    """A 40 m² studio at €250 a month: €75/m²/yr."""
    fields = {"building": building, "code": "A1", "kind": SpaceKind.STUDIO,
              "area_m2": Decimal("40.00"), "monthly_rent": Decimal("250.00")}
    return fields | overrides


def cap_message(rent: str, cap: str, city: str = "Amsterdam") -> str:
    return (f"The rent comes to €{rent} per m² per year, above the cap of €{cap} per m² per "
            f"year for this kind of space in {city}. Lower the rent, or record an exception "
            "with a reason.")


# --- buildings -------------------------------------------------------------------------------

def test_building_create_stores_chain_focus_and_programmers(city):
    chain, programmer = ChainFactory(), UserFactory()
    building = building_create(**building_fields(city), chain_focus=[chain],
                               programmers=[programmer])
    assert list(building.chain_focus.all()) == [chain]
    assert list(building.programmers.all()) == [programmer]


@pytest.mark.parametrize("given", ["1012ab", "1012 ab", " 1012AB ", "1012  AB"])
def test_building_create_normalises_postcode(city, given):
    building = building_create(**building_fields(city, postcode=given))
    building.refresh_from_db()
    assert building.postcode == "1012 AB"


@pytest.mark.parametrize("postcode", ["0123 AB", "1234", "1234 A1", "12345 AB", "1234 ABC"])
def test_building_with_postcode_not_in_dutch_format_is_refused(city, postcode):
    with pytest.raises(ValidationError) as error:
        building_create(**building_fields(city, postcode=postcode))
    assert POSTCODE_MESSAGE in error.value.message_dict["postcode"]
    assert not Building.objects.exists()


def test_building_update_normalises_postcode(building):
    building_update(building=building, postcode="2011ab")
    building.refresh_from_db()
    assert building.postcode == "2011 AB"


def test_building_update_with_bad_postcode_is_refused(building):
    with pytest.raises(ValidationError) as error:
        building_update(building=building, postcode="1234")
    assert error.value.message_dict == {"postcode": [POSTCODE_MESSAGE]}
    building.refresh_from_db()
    assert building.postcode == "1012 AB"


def test_building_update_replaces_chain_focus_only_when_given(building):
    first, second = ChainFactory(), ChainFactory()
    building_update(building=building, chain_focus=[first])
    building_update(building=building, name="Nieuwe naam")
    assert list(building.chain_focus.all()) == [first]
    building_update(building=building, chain_focus=[second])
    assert list(building.chain_focus.all()) == [second]


def test_building_archive_sets_archived(building):
    building_archive(building=building)
    building.refresh_from_db()
    assert building.archived is True


# --- spaces: fields --------------------------------------------------------------------------

def test_space_create_stores_facilities_and_stages(building):
    space = space_create(on=ON, **space_fields(building), facilities=[facility("daylight")],
                         stages=[stage("making")])
    assert [f.code for f in space.facilities.all()] == ["daylight"]
    assert [s.code for s in space.stages.all()] == ["making"]


def test_space_rent_is_stored_as_decimal_euros(building):
    space = space_create(on=ON, **space_fields(building, monthly_rent="249.5"))
    space.refresh_from_db()
    assert space.monthly_rent == Decimal("249.50")
    assert isinstance(space.monthly_rent, Decimal)


@pytest.mark.parametrize("area", [Decimal("0"), Decimal("-10")])
def test_space_without_positive_area_is_refused(building, area):
    with pytest.raises(ValidationError) as error:
        space_create(on=ON, **space_fields(building, area_m2=area))
    assert error.value.message_dict == {
        "area_m2": ["Ensure this value is greater than or equal to 1."]
    }
    assert not Space.objects.exists()


def test_space_with_negative_rent_is_refused(building):
    with pytest.raises(ValidationError) as error:
        space_create(on=ON, **space_fields(building, monthly_rent=Decimal("-1.00")))
    assert error.value.message_dict == {
        "monthly_rent": ["Ensure this value is greater than or equal to 0."]
    }
    assert not Space.objects.exists()


def test_space_rent_with_fractions_of_a_cent_is_refused(building):
    with pytest.raises(ValidationError) as error:
        space_create(on=ON, **space_fields(building, monthly_rent=Decimal("250.005")))
    assert error.value.message_dict == {
        "monthly_rent": ["Ensure that there are no more than 2 decimal places."]
    }
    assert not Space.objects.exists()


def test_space_with_duplicate_code_in_building_is_refused(building):
    space_create(on=ON, **space_fields(building, code="A1"))
    with pytest.raises(ValidationError) as error:
        space_create(on=ON, **space_fields(building, code="A1"))
    assert error.value.messages == ["This building already has a space with this code."]
    assert Space.objects.count() == 1


def test_space_archive_sets_archived(building):
    space = SpaceFactory(building=building)
    space_archive(space=space)
    space.refresh_from_db()
    assert space.archived is True


# --- spaces: rent cap ------------------------------------------------------------------------

def test_space_rent_at_the_cap_is_allowed(building):
    space = space_create(on=ON, **space_fields(building, monthly_rent=Decimal("300.00")))
    assert space.rent_per_m2_year == Decimal("90.00")


def test_space_rent_above_cap_is_refused_naming_the_cap(building):
    with pytest.raises(ValidationError) as error:
        space_create(on=ON, **space_fields(building, monthly_rent=Decimal("400.00")))
    assert error.value.message_dict == {"monthly_rent": [cap_message("120.00", "90.00")]}
    assert not Space.objects.exists()


def test_space_rent_a_cent_above_cap_is_refused(building):
    with pytest.raises(ValidationError) as error:
        space_create(on=ON, **space_fields(building, monthly_rent=Decimal("300.01")))
    assert error.value.message_dict == {"monthly_rent": [cap_message("90.01", "90.00")]}
    assert not Space.objects.exists()


def test_space_rent_above_cap_with_exception_reason_is_allowed(building):
    space = space_create(on=ON, **space_fields(
        building, monthly_rent=Decimal("400.00"), rent_exception_reason="Kiln and extraction"))
    space.refresh_from_db()
    assert space.rent_exception_reason == "Kiln and extraction"


def test_space_rent_above_cap_with_blank_exception_reason_is_refused(building):
    with pytest.raises(ValidationError) as error:
        space_create(on=ON, **space_fields(building, monthly_rent=Decimal("400.00"),
                                           rent_exception_reason="  \n\t "))
    assert error.value.message_dict == {"monthly_rent": [cap_message("120.00", "90.00")]}
    assert not Space.objects.exists()


def test_space_of_kind_without_cap_is_not_capped(building):
    space = space_create(on=ON, **space_fields(building, kind=SpaceKind.WORKSHOP,
                                               monthly_rent=Decimal("900.00")))
    assert space.pk


def test_space_in_city_without_policy_is_not_capped():
    space = space_create(on=ON, **space_fields(BuildingFactory(), monthly_rent=Decimal("900")))
    assert space.pk


def test_space_update_raising_rent_above_cap_is_refused(building):
    space = space_create(on=ON, **space_fields(building))
    with pytest.raises(ValidationError) as error:
        space_update(space=space, on=ON, monthly_rent=Decimal("400.00"))
    assert error.value.message_dict == {"monthly_rent": [cap_message("120.00", "90.00")]}
    space.refresh_from_db()
    assert space.monthly_rent == Decimal("250.00")


def test_space_update_shrinking_area_past_cap_is_refused(building):
    space = space_create(on=ON, **space_fields(building))
    with pytest.raises(ValidationError) as error:
        space_update(space=space, on=ON, area_m2=Decimal("20.00"))
    assert error.value.message_dict == {"monthly_rent": [cap_message("150.00", "90.00")]}
    space.refresh_from_db()
    assert space.area_m2 == Decimal("40.00")


def test_space_update_above_cap_with_exception_reason_is_allowed(building):
    space = space_create(on=ON, **space_fields(building))
    space_update(space=space, on=ON, monthly_rent=Decimal("400.00"),
                 rent_exception_reason="Includes shared workshop")
    space.refresh_from_db()
    assert space.monthly_rent == Decimal("400.00")


def test_space_update_replaces_stages_only_when_given(building):
    space = space_create(on=ON, **space_fields(building), stages=[stage("idea")])
    space_update(space=space, on=ON, description="Light")
    assert [s.code for s in space.stages.all()] == ["idea"]
    space_update(space=space, on=ON, stages=[stage("making")])
    assert [s.code for s in space.stages.all()] == ["making"]


@pytest.fixture
def dated_policies(city):
    """Studio cap €80 until 2024, €100 from 2025."""
    PolicyFactory(city=city, valid_from=date(2020, 1, 1), valid_to=date(2024, 12, 31),
                  caps={SpaceKind.STUDIO: Decimal("80.00")})
    PolicyFactory(city=city, valid_from=date(2025, 1, 1), valid_to=None,
                  caps={SpaceKind.STUDIO: Decimal("100.00")})
    return BuildingFactory(city=city)


def test_space_rent_is_checked_against_old_policy_on_an_old_date(dated_policies):
    with pytest.raises(ValidationError) as error:
        space_create(on=date(2024, 12, 31),
                     **space_fields(dated_policies, monthly_rent=Decimal("300.00")))
    assert error.value.message_dict == {"monthly_rent": [cap_message("90.00", "80.00")]}
    assert not Space.objects.exists()


def test_space_rent_is_checked_against_new_policy_on_a_new_date(dated_policies):
    space = space_create(on=date(2025, 1, 1),
                         **space_fields(dated_policies, monthly_rent=Decimal("300.00")))
    assert space.pk


def test_space_check_refuses_unsaved_space_above_cap(building):
    space = Space(**space_fields(building, monthly_rent=Decimal("400.00")))
    with pytest.raises(ValidationError) as error:
        space_check(space, on=ON)
    assert error.value.message_dict == {"monthly_rent": [cap_message("120.00", "90.00")]}


# --- policies --------------------------------------------------------------------------------

def policy_fields(city, **overrides) -> dict:
    fields = {"city": city, "valid_from": date(2025, 1, 1), "valid_to": None,
              "income_limit": Decimal("38150.00"), "standard_term_months": 24}
    return fields | overrides


OVERLAP_MESSAGE = "Another policy of this city covers part of this period."


def test_policy_create_stores_rent_caps(city):
    policy = policy_create(**policy_fields(city), rent_caps={SpaceKind.STUDIO: Decimal("64.29"),
                                                             SpaceKind.DESK: Decimal("120")})
    caps = dict(policy.rent_caps.values_list("space_kind", "max_rent_per_m2_year"))
    assert caps == {"studio": Decimal("64.29"), "desk": Decimal("120.00")}


def test_policy_overlapping_an_open_ended_one_is_refused(city):
    policy_create(**policy_fields(city, valid_from=date(2020, 1, 1)))
    with pytest.raises(ValidationError) as error:
        policy_create(**policy_fields(city, valid_from=date(2030, 1, 1),
                                      valid_to=date(2030, 12, 31)),
                      rent_caps={SpaceKind.STUDIO: Decimal("90")})
    assert error.value.message_dict == {"valid_from": [OVERLAP_MESSAGE]}
    assert Policy.objects.count() == 1
    assert not PolicyRentCap.objects.exists()


def test_policy_sharing_a_last_day_with_another_is_refused(city):
    policy_create(**policy_fields(city, valid_from=date(2020, 1, 1),
                                  valid_to=date(2024, 12, 31)))
    with pytest.raises(ValidationError) as error:
        policy_create(**policy_fields(city, valid_from=date(2024, 12, 31)))
    assert error.value.message_dict == {"valid_from": [OVERLAP_MESSAGE]}
    assert Policy.objects.count() == 1


def test_open_ended_policy_starting_before_a_later_one_is_refused(city):
    policy_create(**policy_fields(city, valid_from=date(2025, 1, 1),
                                  valid_to=date(2025, 12, 31)))
    with pytest.raises(ValidationError) as error:
        policy_create(**policy_fields(city, valid_from=date(2020, 1, 1), valid_to=None))
    assert error.value.message_dict == {"valid_from": [OVERLAP_MESSAGE]}
    assert Policy.objects.count() == 1


def test_policy_starting_the_day_after_the_previous_one_is_allowed(city):
    policy_create(**policy_fields(city, valid_from=date(2020, 1, 1),
                                  valid_to=date(2024, 12, 31)))
    policy_create(**policy_fields(city, valid_from=date(2025, 1, 1)))
    assert Policy.objects.count() == 2


def test_policies_of_different_cities_may_overlap(city):
    policy_create(**policy_fields(city))
    policy_create(**policy_fields(CityFactory()))
    assert Policy.objects.count() == 2


def test_policy_ending_before_it_starts_is_refused(city):
    with pytest.raises(ValidationError) as error:
        policy_create(**policy_fields(city, valid_from=date(2025, 1, 1),
                                      valid_to=date(2024, 12, 31)))
    assert error.value.messages == ["A policy must end on or after the day it starts."]
    assert not Policy.objects.exists()


def test_policy_check_ignores_the_policy_itself(city):
    policy = policy_create(**policy_fields(city))
    policy.valid_to = date(2026, 12, 31)
    policy_check(policy)  # no error: a policy does not overlap itself
