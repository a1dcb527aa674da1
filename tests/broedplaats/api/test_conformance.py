"""The API against its own schema, with every schemathesis check, in-process (no server).

Every operation is called as an anonymous visitor, as a creative and as a programmer, with a
few derandomised examples each: valid requests on the world's own rows, valid requests on
drawn ids, and invalid requests. What the checks are told is in `schemathesis.toml`.

Bounded for CI (about a minute per database). Run it alone with `pytest -m schemathesis`;
leave it out with `-m "not schemathesis"`. A failure prints schemathesis' report per
operation with a curl command to reproduce it; each bug found gets its own regression test
(tests/broedplaats/api/test_errors.py).
"""

from datetime import timedelta
from pathlib import Path

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig

from broedplaats.roles import CREATIVE
from broedplaats.services import (
    application_create,
    application_submit,
    offer_make,
    screening_record,
)
from tests.factories import CreativeFactory, SpaceFactory, StageMoveFactory, TenancyFactory, UserFactory
from tests.worlds import place_world

ROOT = Path(__file__).resolve().parents[3]
ROLES = ["anonymous", "creative", "programmer"]
# Examples per operation: valid on the world's rows, valid on drawn ids, invalid.
EXAMPLES = {"known": 3, "drawn": 2, "invalid": 3}

pytestmark = [pytest.mark.schemathesis, pytest.mark.django_db]


@pytest.fixture
def wsgi():
    """Django's WSGI app, inside the test's transaction: a real request's end would close the
    connection (and with it the transaction), so that is switched off as the test client does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def world(today, media):
    """A building with a programmer, spaces and a published call; a creative who applied,
    was screened and has an open offer; another creative renting a space."""
    place = place_world(today)
    creative_user = UserFactory(roles=[CREATIVE])
    creative = CreativeFactory(user=creative_user)
    StageMoveFactory(creative=creative, moved_on=today - timedelta(days=400))
    application = application_create(creative=creative, call=place["call"], on=today)
    application_submit(application=application, on=today)
    screening_record(creative=creative, city=place["building"].city, on=today,
                     professional_practice=True, income_within_limit=True)
    offer = offer_make(application=application, space=place["spaces"][0],
                       start=today + timedelta(days=14), reply_by=today + timedelta(days=7),
                       on=today, by=place["programmer"])
    tenant = CreativeFactory(discipline=creative.discipline)
    StageMoveFactory(creative=tenant, moved_on=today - timedelta(days=400))
    tenancy = TenancyFactory(space=SpaceFactory(building=place["building"]), creative=tenant,
                             start=today - timedelta(days=100),
                             planned_end=today + timedelta(days=300))
    return {**place, "creative": creative_user, "application": application, "offer": offer,
            "tenancy": tenancy}


def known_ids(world: dict, path: str) -> dict:
    """The path parameters of the world's own rows for an operation's path."""
    building, call = world["building"], world["call"]
    rows = [
        ("/api/buildings/", {"slug": building.slug}),
        ("/api/spaces/", {"id": world["spaces"][1].pk}),
        ("/api/stages/", {"code": "idea"}),
        ("/api/me/applications/", {"id": world["application"].pk}),
        ("/api/me/offers/", {"id": world["offer"].pk}),
        ("/api/programmer/applications/", {"id": world["application"].pk}),
        ("/api/programmer/offers/", {"id": world["offer"].pk}),
        ("/api/programmer/calls/", {"id": call.pk}),
        ("/api/programmer/tenancies/", {"id": world["tenancy"].pk}),
        ("/api/programmer/buildings/", {"slug": building.slug}),
        ("/api/open-data/", {"slug": building.city.slug}),
        ("/api/cities/", {"slug": building.city.slug}),
        ("/api/calls/", {"id": call.pk}),
        ("/api/me/tenancies/", {"id": world["tenancy"].pk}),
        ("/api/programmer/spaces/", {"id": world["spaces"][1].pk}),
    ]
    for prefix, parameters in rows:
        if path.startswith(prefix):
            return {name: value for name, value in parameters.items() if f"{{{name}}}" in path}
    return {}


def token_for(user, today) -> str:
    """An API token of the user, as `Authorization: Token <key>` sends it."""
    try:  # personal, expiring tokens (issue 10's API branch)
        from broedplaats.services import api_token_create
    except ImportError:  # before them: DRF's own tokens
        from rest_framework.authtoken.models import Token

        return Token.objects.create(user=user).key
    _token, key = api_token_create(user=user, name="schemathesis", on=today,
                                   expires_on=today + timedelta(days=30))
    return key


def credentials(world: dict, role: str, today) -> dict:
    """The role's headers: a token (schemathesis' ignored_auth check then knows what to leave
    out to test that the API refuses the call without it)."""
    if role == "anonymous":
        return {}
    return {"Authorization": f"Token {token_for(world[role], today)}"}


def run_operation(operation, *, mode, examples, path_parameters, headers) -> str | None:
    """A few derandomised cases of one operation, every check on each; the report or None."""
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters or None)

    @hypothesis_settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                         phases=[Phase.explicit, Phase.generate],
                         suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def run(case):
        case.call_and_validate(headers=headers)

    try:
        run()
    except Unsatisfiable:
        if mode is GenerationMode.NEGATIVE:
            return None  # no parameters and no body (GET me/profile/): nothing to make invalid
        raise
    except (Exception, BaseExceptionGroup) as error:  # schemathesis' FailureGroup, or the app's
        return f"{operation.label} ({mode.value}):\n{error}"
    return None


@pytest.mark.parametrize("role", ROLES)
def test_every_operation_keeps_to_the_schema(role, world, wsgi, today, settings):
    # Hundreds of calls a minute: rates no run reaches (the throttles read them on each call).
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        "anon": "1000000/min", "user": "1000000/min"}}
    config = SchemathesisConfig.from_path(ROOT / "schemathesis.toml")
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi, config=config)
    headers = credentials(world, role, today)
    failures, operations = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        known = known_ids(world, operation.path)
        runs = [(GenerationMode.POSITIVE, EXAMPLES["known"], known),
                (GenerationMode.POSITIVE, EXAMPLES["drawn"], {}),
                (GenerationMode.NEGATIVE, EXAMPLES["invalid"], {})]
        for mode, examples, path_parameters in runs:
            if path_parameters == {} and examples == EXAMPLES["known"] and "{" in operation.path:
                continue  # no row of the world for this path: the drawn ids cover it
            failure = run_operation(operation, mode=mode, examples=examples,
                                    path_parameters=path_parameters, headers=headers)
            if failure:
                failures.append(failure)
    assert operations > 50, "the schema lost its operations"
    assert not failures, f"{len(failures)} failing runs as {role}:\n\n" + "\n\n".join(failures)
