"""The finder's reading of who is housed where: kept in the cache for the day, read again after
every change to the rows it comes from (broedplaats.housing)."""

from datetime import timedelta

import pytest
from django.core.cache import cache

from broedplaats.housing import VERSION_KEY, housing_version
from broedplaats.selectors.finder import _housed_now, housed_buildings
from broedplaats.services import tenancy_create, tenancy_end
from chains.services import creative_update, stage_move_record
from tests.factories import (
    BuildingFactory,
    ChainFactory,
    CreativeFactory,
    DisciplineFactory,
    SpaceFactory,
    StageMoveFactory,
)
from tests.worlds import matching_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(today):
    return matching_world(publish_on=today, opens_on=today, closes_on=today + timedelta(days=30),
                          tenants_moved_on=today - timedelta(days=100),
                          tenancies_start=today - timedelta(days=90),
                          tenancies_end=today + timedelta(days=600))


def _housed(world, stage, today):
    return housed_buildings(chain=world["fashion"], stage=stage, on=today)


def test_the_buildings_housing_a_stage_of_the_chain(world, today):
    idea, making, distribution = world["stages"]
    building = world["building"].pk
    assert _housed(world, idea, today) == [building]
    assert _housed(world, making, today) == [building]
    assert _housed(world, distribution, today) == []
    # Another chain's tenants do not house this chain; the day counts (nobody rented yet).
    assert housed_buildings(chain=ChainFactory(), stage=idea, on=today) == []
    assert _housed(world, idea, today - timedelta(days=95)) == []


def test_a_reading_is_kept_for_the_day(world, today, django_assert_num_queries):
    making = world["stages"][1]
    first = _housed(world, making, today)
    with django_assert_num_queries(0):
        assert _housed(world, making, today) == first
    with django_assert_num_queries(1):  # another day has its own reading
        _housed(world, making, today + timedelta(days=1))


def _designer_renting(world, today, at):
    creative = CreativeFactory(discipline=world["designer"])
    StageMoveFactory(creative=creative, to_stage=at, moved_on=today - timedelta(days=10))
    return creative


def test_a_new_tenancy_is_seen_at_once(world, today):
    distribution = world["stages"][2]
    assert _housed(world, distribution, today) == []
    creative = _designer_renting(world, today, distribution)
    tenancy_create(space=world["spaces"][2], creative=creative, start=today,
                   planned_end=today + timedelta(days=365))
    assert _housed(world, distribution, today) == [world["building"].pk]


def test_an_ended_tenancy_and_a_stage_move_are_seen_at_once(world, today):
    idea, making, distribution = world["stages"]
    tenants = {tenancy.creative.stage_moves.get().to_stage: tenancy
               for tenancy in world["building"].spaces.get(code="T1").tenancies.all()}
    tenancy = tenants[idea]
    assert _housed(world, idea, today) == [world["building"].pk]
    tenancy_end(tenancy=tenancy, on=today, reason="next_stage", to_stage=making)
    assert _housed(world, idea, today) == []  # the only idea tenant has left

    creative = world["building"].spaces.get(code="T2").tenancies.get().creative
    assert _housed(world, distribution, today) == []
    stage_move_record(creative=creative, on=today, to_stage=distribution)
    assert _housed(world, distribution, today) == [world["building"].pk]


def test_a_changed_discipline_and_chain_focus_are_seen_at_once(world, today):
    making = world["stages"][1]
    creative = world["building"].spaces.get(code="T2").tenancies.get().creative
    assert _housed(world, making, today) == [world["building"].pk]
    creative_update(creative=creative, discipline=DisciplineFactory())  # another chain's
    assert _housed(world, making, today) == []

    other = BuildingFactory(city=world["city"])
    tenant = _designer_renting(world, today, making)
    tenancy_create(space=SpaceFactory(building=other), creative=tenant, start=today,
                   planned_end=today + timedelta(days=365))
    assert _housed(world, making, today) == []  # the chain is not in that building's focus
    other.chain_focus.add(world["fashion"])
    assert _housed(world, making, today) == [other.pk]


@pytest.mark.parametrize("change", ["tenancy", "stage move", "space", "building", "focus"])
def test_every_change_replaces_the_version(world, today, change,
                                           django_capture_on_commit_callbacks):
    """At once (the transaction reads its own writes) and again at the commit (a reading
    taken meanwhile from the old rows is left under a version nobody reads)."""
    before = housing_version()
    with django_capture_on_commit_callbacks(execute=True):
        tenancy = world["building"].spaces.get(code="T1").tenancies.get()
        if change == "tenancy":
            tenancy.save()
        elif change == "stage move":
            tenancy.creative.stage_moves.get().save()
        elif change == "space":
            world["spaces"][0].save()
        elif change == "building":
            world["building"].save()
        else:
            world["building"].chain_focus.add(ChainFactory())
        during = housing_version()
    after = housing_version()
    assert len({before, during, after}) == 3


def test_an_empty_cache_starts_a_new_version(world, today):
    making = world["stages"][1]
    version = housing_version()
    cache.set(f"finder-housed:{version}:{world['fashion'].pk}:{making.pk}:{today.isoformat()}",
              [123456])  # a reading nobody should see once the version is gone
    assert _housed(world, making, today) == [123456]
    cache.delete(VERSION_KEY)
    assert housing_version() != version
    assert _housed(world, making, today) == _housed_now(chain=world["fashion"], stage=making,
                                                        on=today) == [world["building"].pk]
