"""Every page × every role: who gets the page, who is refused (403), who is sent to log in,
and whose object is not found (404, never revealing that it exists).

The API has its own matrix (tests/broedplaats/api/test_allocation.py). A page added to the
URLconf without a row here fails `test_every_page_is_in_the_matrix`.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from broedplaats.models import AllocationRound, PublicFigure, RoundEntry
from broedplaats.roles import CITY_BUREAU, CREATIVE, PROGRAMMER
from broedplaats.services import (
    api_token_create,
    application_create,
    application_submit,
    call_create,
    call_publish,
    offer_make,
    pathway_save,
    screening_record,
    space_photo_add,
)
from chains.services import portfolio_image_add
from tests.factories import (
    BuildingFactory,
    ChainFactory,
    CreativeFactory,
    PolicyFactory,
    SpaceFactory,
    TenancyFactory,
    UserFactory,
    stage,
)
from tests.images import image_bytes, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "media")]

ROLES = ("anonymous", "owner", "other creative", "programmer", "other programmer", "bureau",
         "admin")
LOGIN = "login"  # a redirect to the log-in page

# Pages that are not role-bound at all (or not pages): left out on purpose.
NOT_IN_MATRIX = {
    "login", "logout", "set_language",
    "creative-signup", "creative-signup-done", "creative-verify",  # tested in test_signup.py
}


@pytest.fixture
def world(db, today):
    """One of everything: `owner` (a creative) applied to and rents in the building of
    `programmer`; `other creative` and `other programmer` have their own."""
    policy = PolicyFactory()
    programmer = UserFactory(roles=[PROGRAMMER])
    building = BuildingFactory(city=policy.city, programmers=[programmer])
    spaces = [SpaceFactory(building=building) for _ in range(3)]
    call = call_create(building=building, title="Ateliers", spaces=spaces[:2],
                       opens_on=today - timedelta(days=1), closes_on=today + timedelta(days=30))
    call_publish(call=call, on=today)
    owner = UserFactory(roles=[CREATIVE])
    creative = CreativeFactory(user=owner)
    image = portfolio_image_add(creative=creative, file=upload(image_bytes(size=(40, 30))))
    application = application_create(creative=creative, call=call, on=today)
    application_submit(application=application, on=today)
    screening_record(creative=creative, city=building.city, on=today,
                     professional_practice=True, income_within_limit=True)
    offer = offer_make(application=application, space=spaces[0],
                       start=today + timedelta(days=14), reply_by=today + timedelta(days=5),
                       on=today)
    draft = application_create(creative=creative, building=building, on=today)
    tenancy = TenancyFactory(space=spaces[2], creative=creative,
                             start=today - timedelta(days=30),
                             planned_end=today + timedelta(days=300))
    photo = space_photo_add(space=spaces[1], file=upload(image_bytes(size=(40, 30))))
    PublicFigure.objects.create(city=building.city, figure="occupancy")
    # A pathway through two buildings of `programmer` (so theirs to change).
    pathway = pathway_save(city=building.city, chain=ChainFactory(), name="Route",
                           steps=[(building, stage("idea")),
                                  (BuildingFactory(city=building.city, programmers=[programmer]),
                                   stage("making"))])
    # A stored round over the call, and an application to a second call the owner can rank.
    round_ = AllocationRound.objects.create(city=building.city, method="lottery", seed=1,
                                           start=today, reply_by=today)
    round_.calls.set([call])
    entry = RoundEntry.objects.create(round=round_, creative=creative, application=application,
                                      position=1, lottery=0.5)
    second = call_create(building=building, title="Werkplaatsen", spaces=spaces[1:2],
                         opens_on=today - timedelta(days=1), closes_on=today + timedelta(days=30))
    call_publish(call=second, on=today)
    ranked = application_create(creative=creative, call=second, on=today)
    api_token, _key = api_token_create(user=owner, name="Script", on=today,
                                       expires_on=today + timedelta(days=30))
    other_creative = UserFactory(roles=[CREATIVE])
    CreativeFactory(user=other_creative)
    other_programmer = UserFactory(roles=[PROGRAMMER])
    BuildingFactory(programmers=[other_programmer])
    return {
        "users": {"anonymous": None, "owner": owner, "other creative": other_creative,
                  "programmer": programmer, "other programmer": other_programmer,
                  "bureau": UserFactory(roles=[CITY_BUREAU]),
                  "admin": UserFactory(is_superuser=True, is_staff=True)},
        "building": building.slug, "space": spaces[1].pk, "call": call.pk, "image": image.pk,
        "application": application.pk, "draft": draft.pk, "offer": offer.pk,
        "tenancy": tenancy.pk, "photo": photo.pk, "city": building.city.slug,
        "pathway": pathway.pk, "round": round_.pk, "entry": entry.pk, "ranked": ranked.pk,
        "api_token": api_token.pk,
        # A reset link that is not valid: everyone gets the page that says so.
        "uidb64": "MQ", "token": "not-a-token",
    }


def expect(anonymous, owner, other_creative, programmer, other_programmer, bureau, admin):
    return dict(zip(ROLES, (anonymous, owner, other_creative, programmer, other_programmer,
                            bureau, admin), strict=True))


PUBLIC = expect(200, 200, 200, 200, 200, 200, 200)
# A programmer's own lists: every programmer has them, filled with their own buildings' rows.
PROGRAMMER_LIST = expect(LOGIN, 403, 403, 200, 200, 403, 200)
# One of the programmer's objects: another programmer does not find it.
PROGRAMMER_OBJECT = expect(LOGIN, 403, 403, 200, 404, 403, 200)
# Writing to one (an empty form: refused with 400, or done and redirected).
PROGRAMMER_WRITE = expect(LOGIN, 403, 403, (302, 400), 404, 403, (302, 400))
# Every signed-in user's own pages (their account).
SIGNED_IN = expect(LOGIN, 200, 200, 200, 200, 200, 200)

# (url name, args from the world, query string, method, expected status per role)
MATRIX = [
    ("healthz", (), "", "get", PUBLIC),
    ("building-list", (), "", "get", PUBLIC),
    ("building-detail", ("building",), "", "get", PUBLIC),
    ("call-list", (), "", "get", PUBLIC),
    ("call-detail", ("call",), "", "get", PUBLIC),
    ("home", (), "", "get", expect(LOGIN, 302, 302, 302, 302, 302, 302)),
    ("creative-home", (), "", "get", expect(LOGIN, 200, 200, 403, 403, 403, 200)),
    ("creative-profile", (), "", "get", expect(LOGIN, 200, 200, 403, 403, 403, 403)),
    ("creative-portfolio", (), "", "get", expect(LOGIN, 200, 200, 403, 403, 403, 403)),
    ("creative-portfolio-remove", ("image",), "", "post",
     expect(LOGIN, 302, 404, 403, 403, 403, 403)),
    ("creative-applications", (), "", "get", expect(LOGIN, 200, 200, 403, 403, 403, 200)),
    ("creative-application-new", (), "?call={call}", "get",
     expect(LOGIN, 200, 200, 403, 403, 403, 404)),  # the admin has no creative profile
    ("creative-application-submit", ("draft",), "", "post",
     expect(LOGIN, 302, 404, 403, 403, 403, 302)),
    ("creative-application-withdraw", ("application",), "", "post",
     expect(LOGIN, 302, 404, 403, 403, 403, 302)),
    ("creative-application-choices", ("ranked",), "", "post",
     expect(LOGIN, 302, 404, 403, 403, 403, 302)),
    ("creative-offer-accept", ("offer",), "", "post",
     expect(LOGIN, 302, 404, 403, 403, 403, 302)),
    ("creative-offer-decline", ("offer",), "", "post",
     expect(LOGIN, 302, 404, 403, 403, 403, 302)),
    ("programmer-home", (), "", "get", PROGRAMMER_LIST),
    ("programmer-call-rounds", ("call",), "", "get", PROGRAMMER_OBJECT),
    ("programmer-call-committee", ("call",), "", "get", PROGRAMMER_OBJECT),
    ("programmer-call-criteria", ("call",), "", "post", PROGRAMMER_WRITE),
    ("programmer-round-new", (), "", "get", PROGRAMMER_LIST),
    ("programmer-round", ("round",), "", "get", PROGRAMMER_OBJECT),
    ("programmer-round-adjust", ("round", "entry"), "", "post", PROGRAMMER_WRITE),
    ("programmer-round-confirm", ("round",), "", "post", PROGRAMMER_WRITE),
    ("programmer-round-discard", ("round",), "", "post", PROGRAMMER_WRITE),
    ("programmer-building-weights", ("building",), "", "get", PROGRAMMER_OBJECT),
    ("bureau-home", (), "", "get", expect(LOGIN, 403, 403, 403, 403, 200, 200)),
    # The bureau user of the world watches no city: another city's figures are not found.
    ("bureau-figure-publish", ("city",), "", "post", expect(LOGIN, 403, 403, 403, 403, 404, 302)),
    ("open-data", (), "", "get", PUBLIC),
    ("open-data-city", ("city",), "", "get", PUBLIC),
    ("programmer-applicants", (), "", "get", PROGRAMMER_LIST),
    ("programmer-applicant-detail", ("application",), "", "get", PROGRAMMER_OBJECT),
    ("programmer-applicant-note", ("application",), "", "post", PROGRAMMER_WRITE),
    ("programmer-applicant-screening", ("application",), "", "post", PROGRAMMER_WRITE),
    ("programmer-applicant-transition", ("application",), "", "post", PROGRAMMER_WRITE),
    ("programmer-applicant-offer", ("application",), "", "post", PROGRAMMER_WRITE),
    ("programmer-offer-withdraw", ("offer",), "", "post", PROGRAMMER_WRITE),
    ("programmer-tenancies", ("building",), "", "get", PROGRAMMER_OBJECT),
    ("programmer-building-history", ("building",), "", "get", PROGRAMMER_OBJECT),
    ("programmer-tenancy-detail", ("tenancy",), "", "get", PROGRAMMER_OBJECT),
    ("programmer-tenancy-actions", ("tenancy",), "", "get", PROGRAMMER_OBJECT),
    ("programmer-tenancy-end", ("tenancy",), "", "post", PROGRAMMER_WRITE),
    ("programmer-tenancy-renew", ("tenancy",), "", "post", PROGRAMMER_WRITE),
    ("programmer-tenancy-cancel", ("tenancy",), "", "post", PROGRAMMER_WRITE),
    ("programmer-tenancy-stage-move", ("tenancy",), "", "post", PROGRAMMER_WRITE),
    ("programmer-tenancy-social-return", ("tenancy",), "", "post", PROGRAMMER_WRITE),
    ("programmer-spaces", ("building",), "", "get", PROGRAMMER_OBJECT),
    ("programmer-space-new", ("building",), "", "get", PROGRAMMER_OBJECT),
    ("programmer-space-edit", ("space",), "", "get", PROGRAMMER_OBJECT),
    ("programmer-space-archive", ("space",), "", "post", PROGRAMMER_WRITE),
    ("programmer-space-photo", ("space",), "", "post", PROGRAMMER_WRITE),
    ("programmer-space-photo-delete", ("photo",), "", "post", PROGRAMMER_WRITE),
    ("programmer-calls", (), "", "get", PROGRAMMER_LIST),
    ("programmer-call-new", ("building",), "", "get", PROGRAMMER_OBJECT),
    ("programmer-call-edit", ("call",), "", "get", PROGRAMMER_OBJECT),
    ("programmer-call-publish", ("call",), "", "post", PROGRAMMER_WRITE),
    ("programmer-call-close", ("call",), "", "post", PROGRAMMER_WRITE),
    ("finder", (), "", "get", PUBLIC),
    ("pathway-list", (), "", "get", PUBLIC),
    ("pathway-new", (), "", "get", expect(LOGIN, 403, 403, 200, 200, 200, 200)),
    # The bureau user of the world watches no city; the other programmer programs no step.
    ("pathway-edit", ("pathway",), "", "get", expect(LOGIN, 403, 403, 200, 404, 404, 200)),
    ("pathway-archive", ("pathway",), "", "post", expect(LOGIN, 403, 403, 302, 404, 404, 302)),
    # Forgotten password: open to all, it never tells whether an address has an account.
    ("password_reset", (), "", "get", PUBLIC),
    ("password_reset_done", (), "", "get", PUBLIC),
    ("password_reset_confirm", ("uidb64", "token"), "", "get", PUBLIC),
    ("password_reset_complete", (), "", "get", PUBLIC),
    ("password_change", (), "", "get", SIGNED_IN),
    ("password_change_done", (), "", "get", SIGNED_IN),
    ("account-tokens", (), "", "get", SIGNED_IN),
    # A creative's own data: no id, so no one reaches another's; the admin exports in the admin.
    ("account-privacy", (), "", "get", expect(LOGIN, 200, 200, 403, 403, 403, 403)),
    ("account-privacy-export", (), "", "get", expect(LOGIN, 200, 200, 403, 403, 403, 403)),
    # An empty form (no password): refused with 400, nothing erased.
    ("account-privacy-erase", (), "", "post", expect(LOGIN, 400, 400, 403, 403, 403, 403)),
    # Only its owner finds a token; not even an admin revokes another's on this page.
    ("account-token-revoke", ("api_token",), "", "post",
     expect(LOGIN, 302, 404, 404, 404, 404, 404)),
]


def page_names() -> set[str]:
    """Every named URL outside the admin and the API."""
    names = set()

    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace not in ("admin", "api"):
                    walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(pattern.name)

    walk(get_resolver().url_patterns)
    return names - NOT_IN_MATRIX


def test_every_page_is_in_the_matrix():
    assert page_names() == {row[0] for row in MATRIX}


@pytest.mark.parametrize(("name", "args", "query", "method", "expected"), MATRIX,
                         ids=[row[0] for row in MATRIX])
@pytest.mark.parametrize("role", ROLES)
def test_page_by_role(world, role, name, args, query, method, expected):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    user = world["users"][role]
    if user is not None:
        client.force_login(user)
    url = reverse(name, args=[world[arg] for arg in args]) + query.format(**world)
    response = getattr(client, method)(url)
    wanted = expected[role]
    if wanted == LOGIN:
        assert response.status_code == 302
        assert response.url.startswith(reverse("login")), response.url
    else:
        allowed = wanted if isinstance(wanted, tuple) else (wanted,)
        assert response.status_code in allowed, (role, name, response.status_code)
