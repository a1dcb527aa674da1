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


# The personal data of the creative of `privacy_world`: strings found nowhere else, so a scan
# of every text column can tell whether any of them is left.
PERSONAL = {
    "name": "Fenna Zwartkruis", "email": "fenna.zwartkruis@voorbeeld.nl",
    "phone": "+31 6 1234 9876", "kvk_number": "87654321",
    "website": "https://fenna-zwartkruis.example",
    "bio": "Keramiste uit Zaandam met een eigen gasoven sinds 2019.",
    "username": "fennazk",
}
# Free texts others wrote about her, quoting her name.
ABOUT = {
    "motivation": "Ik zoek een atelier voor mijn keramiek, Fenna Zwartkruis",
    "note": "Zwartkruis maakte een sterke indruk",
    "move": "Zwartkruis gaat de markt op",
    "social": "Draaiworkshop door Zwartkruis",
    "caption": "Vaas van Zwartkruis",
}


def privacy_world(today: date) -> dict:
    """A creative with an account and every kind of row about her: a portfolio of two images
    (one chosen for an application), an application with a motivation, a status note and a
    programmer's note, a screening, an accepted offer and its tenancy (a rent exception, social
    return), an unsuccessful application, stage moves with a note, an API token.
    Needs the `media` fixture. Keys: creative, user, place (place_world's), tenancy,
    application, declined, images, token."""
    from broedplaats.services import (
        api_token_create,
        applicant_note_add,
        application_transition,
        offer_accept,
        social_return_record,
    )
    from chains.services import portfolio_image_add
    from tests.images import image_bytes, upload

    place = place_world(today)
    user = UserFactory(username=PERSONAL["username"], email=PERSONAL["email"],
                       first_name="Fenna", last_name="Zwartkruis", roles=[CREATIVE])
    creative = CreativeFactory(user=user, **{key: PERSONAL[key] for key in (
        "name", "email", "phone", "kvk_number", "website", "bio")})
    images = [portfolio_image_add(creative=creative, file=upload(image_bytes(size=(60, 40))),
                                  caption=ABOUT["caption"]),
              portfolio_image_add(creative=creative, file=upload(image_bytes(size=(50, 40))))]
    StageMoveFactory(creative=creative, moved_on=today - timedelta(days=800))
    application = application_create(creative=creative, call=place["call"], on=today,
                                     motivation=ABOUT["motivation"], portfolio_images=images[:1])
    application_submit(application=application, on=today)
    applicant_note_add(application=application, text=ABOUT["note"], by=place["programmer"])
    screening_record(creative=creative, city=place["building"].city, on=today,
                     professional_practice=True, income_within_limit=True)
    offer = offer_make(application=application, space=place["spaces"][0],
                       start=today + timedelta(days=14), reply_by=today + timedelta(days=7),
                       on=today, by=place["programmer"])
    offer_accept(offer=offer, on=today, by=user)
    offer.refresh_from_db()
    tenancy = offer.tenancy
    tenancy.rent_exception_reason = "Oven van " + PERSONAL["name"]
    tenancy.save(update_fields=["rent_exception_reason"])
    social_return_record(tenancy=tenancy, kind="workshop", on=tenancy.start, hours=2,
                         description=ABOUT["social"], by=place["programmer"])
    other = BuildingFactory(city=place["building"].city)
    declined = application_create(creative=creative, building=other, on=today,
                                  motivation=ABOUT["motivation"])
    application_submit(application=declined, on=today)
    application_transition(application=declined, to="withdrawn", note=ABOUT["note"],
                           notify=False)
    from chains.services import stage_move_record

    stage_move_record(creative=creative, on=today - timedelta(days=10), to_stage=stage("making"),
                      building=place["building"], note=ABOUT["move"], by=place["programmer"])
    token, _key = api_token_create(user=user, name="Fenna's script", on=today,
                                   expires_on=today + timedelta(days=30))
    return {"creative": creative, "user": user, "place": place, "tenancy": tenancy,
            "application": application, "declined": declined, "images": images,
            "token": token}
