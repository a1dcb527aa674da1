"""Worlds that several test files build alike: plain functions the files' fixtures call, so a
world is described once. Where the copies differed, the difference is an argument; each file
passes its own values explicitly."""

from datetime import date, timedelta
from decimal import Decimal

from broedplaats.roles import CREATIVE, PROGRAMMER
from broedplaats.services import (
    application_create,
    application_submit,
    call_create,
    call_publish,
    offer_make,
    screening_record,
    tenancy_create,
)
from tests.factories import (
    BuildingFactory,
    ChainFactory,
    CreativeFactory,
    DisciplineFactory,
    PolicyFactory,
    SpaceFactory,
    StageMoveFactory,
    TenancyFactory,
    UserFactory,
    facility,
    stage,
)


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


def matching_world(*, publish_on: date, opens_on: date, closes_on: date,
                   tenants_moved_on: date, tenancies_start: date, tenancies_end: date,
                   programmer_roles=(PROGRAMMER,)) -> dict:
    """A building of the fashion chain in a city under a policy, housing a fashion tenant at
    idea (T1) and one at making (T2), so distribution is the missing link. A call, published
    on `publish_on`, offers three studios:
    - S1: 30 m², €200, serves idea
    - S2: 45 m², €300, serves making
    - S3: 60 m², €450, serves distribution, has daylight

    Keys: city, policy, building, call, programmer, spaces [S1, S2, S3], designer (the
    fashion discipline), fashion, stages [idea, making, distribution], daylight."""
    policy = PolicyFactory()
    city = policy.city
    fashion = ChainFactory(slug="fashion", name="Mode", name_en="Fashion")
    designer = DisciplineFactory(chain=fashion, slug="designer")
    idea, making, distribution = stage("idea"), stage("making"), stage("distribution")
    programmer = UserFactory(roles=list(programmer_roles))
    building = BuildingFactory(city=city, chains=[fashion], programmers=[programmer])
    daylight = facility("daylight")
    s1 = SpaceFactory(building=building, code="S1", area_m2=Decimal(30),
                      monthly_rent=Decimal(200), stages=[idea])
    s2 = SpaceFactory(building=building, code="S2", area_m2=Decimal(45),
                      monthly_rent=Decimal(300), stages=[making])
    s3 = SpaceFactory(building=building, code="S3", area_m2=Decimal(60),
                      monthly_rent=Decimal(450), stages=[distribution], facilities=[daylight])
    for code, at in (("T1", idea), ("T2", making)):
        tenant = CreativeFactory(discipline=designer)
        StageMoveFactory(creative=tenant, to_stage=at, moved_on=tenants_moved_on)
        TenancyFactory(space=SpaceFactory(building=building, code=code), creative=tenant,
                       start=tenancies_start, planned_end=tenancies_end)
    call = call_create(building=building, title="Ateliers", spaces=[s1, s2, s3],
                       opens_on=opens_on, closes_on=closes_on, by=programmer)
    call_publish(call=call, on=publish_on, by=programmer)
    return {"city": city, "policy": policy, "building": building, "call": call,
            "programmer": programmer, "spaces": [s1, s2, s3], "designer": designer,
            "fashion": fashion, "stages": [idea, making, distribution], "daylight": daylight}


def matching_applicant(world: dict, *, on: date, moved_on: date, at, call=None, screened=True,
                       eligible=True, creative=None, **wishes):
    """A fashion designer (made with the fields in `creative`) at stage `at` since `moved_on`
    who applies to `call` (the world's by default) on `on` with `wishes`; unless not
    `screened`, screened that day in the call's city as professional, within the income
    limit if `eligible`. Returns the application, fresh from the database."""
    call = call or world["call"]
    creative = CreativeFactory(discipline=world["designer"], **(creative or {}))
    StageMoveFactory(creative=creative, to_stage=at, moved_on=moved_on)
    application = application_create(creative=creative, call=call, on=on, **wishes)
    application_submit(application=application, on=on)
    if screened:
        screening_record(creative=creative, city=call.building.city, on=on,
                         professional_practice=True, income_within_limit=eligible)
    application.refresh_from_db()
    return application


def offer_world(today: date, *, applicants: int = 1, offered: bool = True,
                reply_by: date | None = None, start: date | None = None) -> dict:
    """place_world with `applicants` creatives (each a user of the creative group with a
    profile) who applied to the call and were screened eligible today; unless not `offered`,
    the first got an offer of the first space, starting `start` (in two weeks) and to be
    answered by `reply_by` (in a week).

    Keys: place_world's, and users, creatives, applications, offer (or None)."""
    world = place_world(today)
    users, creatives, applications = [], [], []
    for _ in range(applicants):
        user = UserFactory(roles=[CREATIVE])
        creative = CreativeFactory(user=user)
        application = application_create(creative=creative, call=world["call"], on=today)
        application_submit(application=application, on=today)
        screening_record(creative=creative, city=world["building"].city, on=today,
                         professional_practice=True, income_within_limit=True)
        application.refresh_from_db()
        users.append(user)
        creatives.append(creative)
        applications.append(application)
    offer = None
    if offered:
        offer = offer_make(application=applications[0], space=world["spaces"][0],
                           start=start or today + timedelta(days=14),
                           reply_by=reply_by or today + timedelta(days=7), on=today,
                           by=world["programmer"])
    return {**world, "users": users, "creatives": creatives, "applications": applications,
            "offer": offer}


def tenancy_world(today: date) -> dict:
    """place_world with a creative renting its first space since a month ago, for the
    policy's standard term (two years).

    Keys: place_world's, and creative, tenancy."""
    world = place_world(today)
    creative = CreativeFactory()
    tenancy = tenancy_create(space=world["spaces"][0], creative=creative,
                             start=today - timedelta(days=30))
    return {**world, "creative": creative, "tenancy": tenancy}
