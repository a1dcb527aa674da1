"""Worlds that several test files build alike: plain functions the files' fixtures call, so a
world is described once. Where the copies differed, the difference is an argument; each file
passes its own values explicitly."""

from datetime import date, timedelta

from broedplaats.roles import PROGRAMMER
from broedplaats.services import call_create, call_publish
from tests.factories import BuildingFactory, PolicyFactory, SpaceFactory, UserFactory


def place_world(today: date, **policy) -> dict:
    """A building under a policy (made with `policy` as its fields) with a programmer, two
    spaces and a call open from yesterday for a month, published today.

    Keys: policy, programmer, building, spaces, call."""
    policy = PolicyFactory(**policy)
    programmer = UserFactory(roles=[PROGRAMMER])
    building = BuildingFactory(city=policy.city, programmers=[programmer])
    spaces = [SpaceFactory(building=building), SpaceFactory(building=building)]
    call = call_create(building=building, title="Ateliers", spaces=spaces,
                       opens_on=today - timedelta(days=1), closes_on=today + timedelta(days=30),
                       by=programmer)
    call_publish(call=call, on=today, by=programmer)
    return {"policy": policy, "programmer": programmer, "building": building, "spaces": spaces,
            "call": call}

