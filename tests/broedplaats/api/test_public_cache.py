"""Anonymous JSON reads of the public building and space lists come from the shared cache
(broedplaats/api/public_cache.py): the same answer without a query, a letting shown at once,
logged-in callers and other formats answered fresh, and the throttles still counting."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from broedplaats.api.pagination import PageNumberPagination
from broedplaats.services import tenancy_create
from tests.api import client_for, url
from tests.factories import (
    BuildingFactory,
    CreativeFactory,
    PolicyFactory,
    SpaceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = date(2025, 6, 1)


@pytest.fixture(autouse=True)
def cached(settings, monkeypatch):
    settings.API_PUBLIC_CACHE_SECONDS = 60
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)


@pytest.fixture
def space():
    return SpaceFactory(building=BuildingFactory(city=PolicyFactory().city))


def get(client, path):
    return get_from(client, path)


def get_from(client, path, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, **headers)
    return response, len(queries)


@pytest.mark.parametrize("name", ["building-list", "space-list"])
def test_an_anonymous_list_is_read_once_then_answered_from_the_cache(space, name):
    client = client_for()
    first, first_queries = get(client, url(name))
    second, second_queries = get(client, url(name))
    assert first.status_code == second.status_code == 200
    assert first_queries > 0
    assert second_queries == 0
    assert second.json() == first.json()
    assert second["Content-Type"] == "application/json"


def test_a_letting_shows_at_once(space):
    client = client_for()
    assert client.get(url("space-list")).json()["results"][0]["is_let"] is False
    tenancy_create(space=space, creative=CreativeFactory(), start=date(2025, 1, 1),
                   planned_end=date(2026, 1, 1))
    response, queries = get(client, url("space-list"))
    assert queries > 0
    assert response.json()["results"][0]["is_let"] is True


def test_each_query_string_and_language_is_kept_apart(space):
    client = client_for()
    everything = client.get(url("space-list")).json()
    none = client.get(url("space-list") + "?min_area=5000").json()
    assert everything["count"] == 1 and none["count"] == 0
    dutch = APIClient(HTTP_ACCEPT_LANGUAGE="nl")
    dutch.get(url("space-list"))
    _response, queries = get(dutch, url("space-list"))
    assert queries == 0
    _response, queries = get(client, url("space-list") + "?min_area=5000")
    assert queries == 0


def test_a_logged_in_caller_is_answered_fresh(space):
    client = client_for(UserFactory())
    client.get(url("space-list"))
    _response, queries = get(client, url("space-list"))
    assert queries > 0


def test_the_browsable_api_is_answered_fresh(space):
    client = client_for()
    client.get(url("space-list") + "?format=api")
    response, queries = get(client, url("space-list") + "?format=api")
    assert response.status_code == 200
    assert queries > 0


def test_no_cache_when_switched_off(space, settings):
    settings.API_PUBLIC_CACHE_SECONDS = 0
    client = client_for()
    client.get(url("space-list"))
    _response, queries = get(client, url("space-list"))
    assert queries > 0


def test_an_error_is_not_kept(space):
    client = client_for()
    assert client.get(url("space-list") + "?free_now=maybe").status_code == 400
    response, queries = get(client, url("space-list") + "?free_now=maybe")
    assert response.status_code == 400
    assert queries > 0 or response.json()  # answered by the view again, with its message


def test_the_throttle_counts_the_answers_from_the_cache(space, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {"anon": "3/day", "user": "600/min"}}
    client = client_for()
    statuses = [client.get(url("space-list")).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_each_host_is_kept_apart(space, settings, monkeypatch):
    """The links to the next page name the host the list was asked by."""
    settings.ALLOWED_HOSTS = ["a.example", "b.example"]
    monkeypatch.setattr(PageNumberPagination, "page_size", 1)
    SpaceFactory(building=space.building)
    client = client_for()
    assert client.get(url("space-list"), HTTP_HOST="a.example").json()["next"].startswith(
        "http://a.example/")
    response, queries = get_from(client, url("space-list"), HTTP_HOST="b.example")
    assert queries > 0
    assert response.json()["next"].startswith("http://b.example/")


def test_the_kept_answer_carries_the_headers_of_the_view_and_of_every_middleware(space):
    client = client_for()
    fresh = client.get(url("space-list"))
    kept, queries = get(client, url("space-list"))
    assert queries == 0
    assert kept.content == fresh.content
    for name in ("Content-Type", "Vary", "Allow", "Content-Language", "X-Frame-Options",
                 "X-Content-Type-Options", "Content-Security-Policy"):
        assert kept[name] == fresh[name], name
    assert "Accept" in kept["Vary"] and "Accept-Language" in kept["Vary"]


@pytest.mark.parametrize("headers", [
    {"HTTP_ACCEPT": "text/html"},  # a browser: the browsable API
    {"HTTP_ACCEPT": "application/json; indent=4"},
    {"HTTP_COOKIE": "sessionid=abc"},
], ids=["html", "indented", "session-cookie"])
def test_other_forms_of_request_are_answered_by_the_view(space, headers):
    client = client_for()
    client.get(url("space-list"))
    response, queries = get_from(client, url("space-list"), **headers)
    assert response.status_code == 200
    assert queries > 0


def test_a_format_in_the_query_or_the_path_is_answered_by_the_view(space):
    client = client_for()
    client.get(url("space-list"))
    for path in (url("space-list") + "?format=json", "/api/spaces.json"):
        client.get(path)
        response, queries = get(client, path)
        assert response.status_code == 200, path
        assert queries > 0, path


def test_a_refused_credential_is_refused_although_the_list_is_kept(space):
    client = client_for()
    client.get(url("space-list"))
    response = client.get(url("space-list"), HTTP_AUTHORIZATION="Token not-a-token")
    assert response.status_code == 401


def test_a_kept_list_past_the_rate_is_refused_by_the_view_with_retry_after(space, settings):
    client = client_for()
    client.get(url("space-list"))
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {"anon": "2/day", "user": "600/min"}}
    assert [client.get(url("space-list")).status_code for _ in range(2)] == [200, 200]
    response = client.get(url("space-list"))
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_one_space_is_never_answered_from_the_cache(space):
    client = client_for()
    client.get(url("space-detail", space.pk))
    response, queries = get(client, url("space-detail", space.pk))
    assert response.status_code == 200
    assert queries > 0
