"""The API's throttles: per anonymous IP and per user, 429 with Retry-After once the rate is
used up, counted in a cache every process shares (the database's table by default, Redis when
REDIS_URL is set). docs/security.md."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import caches
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from broedplaats.api.throttling import AnonRateThrottle, UserRateThrottle
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = "redis://127.0.0.1:6379/5"


@pytest.fixture
def rates(settings):
    def set_rates(anon="1000/min", user="1000/min"):
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                                   "DEFAULT_THROTTLE_RATES": {"anon": anon, "user": user}}
    return set_rates


def get(client, ip="10.1.0.1"):
    return client.get(reverse("api:building-list"), REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE="en")


def test_anonymous_calls_past_the_rate_get_429_with_retry_after(rates):
    rates(anon="3/min")
    api = APIClient()
    assert [get(api).status_code for _ in range(3)] == [200, 200, 200]
    response = get(api)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert response.json()["detail"].startswith("Request was throttled.")


def test_the_anonymous_rate_is_per_ip_address(rates):
    rates(anon="2/min")
    api = APIClient()
    get(api, ip="10.1.1.1"), get(api, ip="10.1.1.1")
    assert get(api, ip="10.1.1.1").status_code == 429
    assert get(api, ip="10.1.1.2").status_code == 200


def test_a_client_cannot_dodge_the_rate_with_a_forwarded_for_header(rates):
    rates(anon="2/min")
    api = APIClient()
    for n in range(2):
        api.get(reverse("api:building-list"), HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    response = api.get(reverse("api:building-list"), HTTP_X_FORWARDED_FOR="192.0.2.9")
    assert response.status_code == 429


def test_the_user_rate_is_per_user_whatever_the_address(rates):
    rates(anon="1000/min", user="2/min")
    anna, bob = UserFactory(username="anna"), UserFactory(username="bob")
    api = APIClient()
    api.force_authenticate(anna)
    get(api, ip="10.1.2.1"), get(api, ip="10.1.2.2")
    response = get(api, ip="10.1.2.3")
    assert response.status_code == 429
    assert "Retry-After" in response
    api.force_authenticate(bob)
    assert get(api, ip="10.1.2.1").status_code == 200


def test_logged_in_calls_do_not_use_up_the_anonymous_rate_of_their_address(rates):
    rates(anon="2/min", user="1000/min")
    api = APIClient()
    api.force_authenticate(UserFactory())
    for _ in range(3):
        assert get(api, ip="10.1.3.1").status_code == 200
    assert get(APIClient(), ip="10.1.3.1").status_code == 200


def test_the_token_log_in_is_throttled_like_any_anonymous_call(rates):
    rates(anon="2/min")
    api = APIClient()
    for _ in range(2):
        api.post(reverse("api:token"), {"username": "x", "password": "y"}, REMOTE_ADDR="10.1.4.1")
    response = api.post(reverse("api:token"), {"username": "x", "password": "y"},
                        REMOTE_ADDR="10.1.4.1")
    assert response.status_code == 429


def test_pages_are_not_throttled(rates, client):
    rates(anon="1/min")
    assert [client.get(reverse("building-list")).status_code for _ in range(3)] == [200] * 3


def test_the_default_rates_leave_room_for_normal_use():
    """A person clicking, or an integrator paging through a list, stays far below them."""
    from rest_framework.settings import api_settings

    assert api_settings.DEFAULT_THROTTLE_CLASSES == [AnonRateThrottle, UserRateThrottle]
    anon = AnonRateThrottle().parse_rate(api_settings.DEFAULT_THROTTLE_RATES["anon"])
    user = UserRateThrottle().parse_rate(api_settings.DEFAULT_THROTTLE_RATES["user"])
    assert anon[0] / anon[1] >= 1  # at least a call a second, sustained
    assert user[0] / user[1] >= 5


# --- the shared caches ------------------------------------------------------------------------

def test_the_database_cache_holds_the_counts_for_every_process(rates, settings):
    """The default: the table `migrate` created, which every process reads and writes."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                                   "LOCATION": "broedplaats_cache"}}
    rates(anon="3/min")
    api = APIClient()
    get(api, ip="10.2.0.1"), get(api, ip="10.2.0.1")
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM broedplaats_cache")
        keys = [row[0] for row in cursor.fetchall()]
    assert any("throttle_anon_10.2.0.1" in key for key in keys)
    # Another cache client (as in another worker) reads the same two calls and adds its own.
    other = caches.create_connection("default")
    history = other.get("throttle_anon_10.2.0.1")
    assert len(history) == 2
    other.set("throttle_anon_10.2.0.1", [history[0], *history], 60)
    assert get(api, ip="10.2.0.1").status_code == 429


def _redis_reachable() -> bool:
    try:
        import redis

        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception:
        return False


@pytest.mark.skipif(not _redis_reachable(), reason=f"Redis not reachable at {REDIS_URL}")
def test_with_redis_two_processes_share_the_counts(rates, settings):
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()  # db 5 is this test's own
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": REDIS_URL}}
    rates(anon="3/min")
    api = APIClient()
    assert get(api, ip="10.3.0.1").status_code == 200
    # Another process, set up as a second worker would be (REDIS_URL), sees that call and makes
    # two of its own from the same address...
    code = (
        "from django.core.cache import cache\n"
        "from django.contrib.auth.models import AnonymousUser\n"
        "from django.test import RequestFactory\n"
        "from broedplaats.api.throttling import AnonRateThrottle\n"
        "print(len(cache.get('throttle_anon_10.3.0.1')))\n"
        "request = RequestFactory().get('/api/buildings/', REMOTE_ADDR='10.3.0.1')\n"
        "request.user = AnonymousUser()\n"
        "print([AnonRateThrottle().allow_request(request, None) for _ in range(3)])\n"
    )
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment.update(REDIS_URL=REDIS_URL, API_THROTTLE_ANON="3/min")
    result = subprocess.run([sys.executable, "manage.py", "shell", "-v", "0", "-c", code],
                            cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["1", "[True, True, False]"]
    # ...which this process counts: the fourth call is refused.
    assert get(api, ip="10.3.0.1").status_code == 429
    redis.Redis.from_url(REDIS_URL).flushdb()


def test_the_unthrottled_fixture_lifts_the_rates(unthrottled):
    api = APIClient()  # more calls than the default anonymous rate, to the cheapest endpoint
    assert {api.get(reverse("api:api-root")).status_code for _ in range(130)} == {200}
