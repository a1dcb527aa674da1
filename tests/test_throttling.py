"""The API's throttles: per anonymous IP and per user, 429 with Retry-After once the rate is
used up, counted in a cache every process shares (the database's table by default, Redis when
REDIS_URL is set). docs/security.md."""

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache, caches
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from broedplaats.api.throttling import AnonRateThrottle, UserRateThrottle, WindowCounterThrottle
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
# Redis database 5 for these tests (bench/load.sh uses 6), or one of its own for each further
# pytest-xdist worker (gw1 8, gw2 9, ...): the tests empty their database.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
REDIS_URL = f"redis://127.0.0.1:6379/{5 if _WORKER in ('gw0', 'master') else 7 + int(_WORKER[2:])}"


@pytest.fixture
def rates(settings):
    def set_rates(anon="1000/min", user="1000/min"):
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                                   "DEFAULT_THROTTLE_RATES": {"anon": anon, "user": user}}
    return set_rates


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def still_clock(monkeypatch):
    """The throttles' clock stopped half a minute into a window: a test's calls never
    straddle two windows (where the earlier calls start to slide out of the count)."""
    monkeypatch.setattr(WindowCounterThrottle, "timer", staticmethod(Clock(600_030.0)))


def get(client, ip="10.1.0.1"):
    return client.get(reverse("api:building-list"), REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE="en")


@pytest.mark.usefixtures("still_clock")
def test_anonymous_calls_past_the_rate_get_429_with_retry_after(rates):
    rates(anon="3/min")
    api = APIClient()
    assert [get(api).status_code for _ in range(3)] == [200, 200, 200]
    response = get(api)
    assert response.status_code == 429
    assert int(response["Retry-After"]) == 30  # the rest of the window
    assert response.json()["detail"].startswith("Request was throttled.")


@pytest.mark.usefixtures("still_clock")
def test_the_anonymous_rate_is_per_ip_address(rates):
    rates(anon="2/min")
    api = APIClient()
    get(api, ip="10.1.1.1"), get(api, ip="10.1.1.1")
    assert get(api, ip="10.1.1.1").status_code == 429
    assert get(api, ip="10.1.1.2").status_code == 200


@pytest.mark.usefixtures("still_clock")
def test_a_client_cannot_dodge_the_rate_with_a_forwarded_for_header(rates):
    rates(anon="2/min")
    api = APIClient()
    for n in range(2):
        api.get(reverse("api:building-list"), HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    response = api.get(reverse("api:building-list"), HTTP_X_FORWARDED_FOR="192.0.2.9")
    assert response.status_code == 429


@pytest.mark.usefixtures("still_clock")
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


@pytest.mark.usefixtures("still_clock")
def test_logged_in_calls_do_not_use_up_the_anonymous_rate_of_their_address(rates):
    rates(anon="2/min", user="1000/min")
    api = APIClient()
    api.force_authenticate(UserFactory())
    for _ in range(3):
        assert get(api, ip="10.1.3.1").status_code == 200
    assert get(APIClient(), ip="10.1.3.1").status_code == 200


@pytest.mark.usefixtures("still_clock")
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


def _redis_reachable() -> bool:
    try:
        import redis

        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception:
        return False


@pytest.fixture
def redis_cache(settings):
    """The default cache in this worker's own Redis database, emptied before and after; the
    test is skipped when Redis is not reachable. Yields a client of that database."""
    if not _redis_reachable():
        pytest.skip(f"Redis not reachable at {REDIS_URL}")
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": REDIS_URL}}
    yield client
    client.flushdb()


# --- the sliding-window counter ----------------------------------------------------------------

@pytest.fixture(params=["locmem", "redis"])
def clock(request, monkeypatch, settings):
    """A clock at the start of a minute's window (10,000 × 60), and the counts kept in the
    tests' cache (read, then incr) or in Redis (one script)."""
    if request.param == "redis":
        request.getfixturevalue("redis_cache")
    clock = Clock(600_000.0)
    monkeypatch.setattr(WindowCounterThrottle, "timer", staticmethod(clock))
    return clock


def anonymous(ip="10.4.0.1"):
    request = RequestFactory().get("/api/buildings/", REMOTE_ADDR=ip)
    request.user = AnonymousUser()
    return request


def test_calls_of_the_previous_window_weigh_by_the_part_still_in_the_period(rates, clock):
    rates(anon="10/min")
    throttle = AnonRateThrottle()
    assert all(throttle.allow_request(anonymous(), None) for _ in range(10))
    assert not throttle.allow_request(anonymous(), None)
    # 15 s into the next window, three quarters of those ten still count: 7.5, room for 3.
    clock.now += 75
    assert [AnonRateThrottle().allow_request(anonymous(), None) for _ in range(4)] == [
        True, True, True, False]
    # Half a minute later a quarter of them count: 2.5 + 3, room for 5 more.
    clock.now += 30
    assert sum(AnonRateThrottle().allow_request(anonymous(), None) for _ in range(8)) == 5
    # Two windows on nothing counts.
    clock.now += 120
    assert all(AnonRateThrottle().allow_request(anonymous(), None) for _ in range(10))


def test_retry_after_says_when_a_call_is_allowed_again(rates, clock):
    rates(anon="10/min")
    clock.now += 20  # 20 s into the window
    throttle = AnonRateThrottle()
    for _ in range(10):
        throttle.allow_request(anonymous(), None)
    assert not throttle.allow_request(anonymous(), None)
    assert throttle.wait() == 40  # the rest of the window: then these ten weigh 10 × (1 − 0)
    clock.now += 40 + 6  # 6 s into the next one they weigh 9: one more call
    assert AnonRateThrottle().allow_request(anonymous(), None)
    throttle = AnonRateThrottle()
    assert not throttle.allow_request(anonymous(), None)  # 9 + 1
    # The earlier ones slide out: 10 × (1 − t/60) + 1 < 10 from t = 6 s on, i.e. at once; the
    # estimate at 6 s is exactly 10, so the next is allowed just after.
    assert 0 < throttle.wait() <= 1


def test_the_state_of_a_client_is_two_numbers_whatever_its_rate(rates, clock):
    """DRF's own throttles keep the time of every call in the period: at a high rate tens of
    thousands of them, read and written whole on each call."""
    rates(anon="1000000/min")
    throttle = AnonRateThrottle()
    for _ in range(500):
        throttle.allow_request(anonymous(ip="10.4.1.1"), None)
    clock.now += 61
    for _ in range(300):
        throttle.allow_request(anonymous(ip="10.4.1.1"), None)
    key = throttle.key
    assert cache.get_many([f"{key}:10000", f"{key}:10001"]) == {
        f"{key}:10000": 500, f"{key}:10001": 300}


def test_with_redis_calls_at_the_same_moment_are_all_counted(rates, redis_cache):
    """Eight threads calling at once: every call counted (DRF's read-then-write of its list
    loses the calls another worker made in between)."""
    rates(anon="1000000/day")
    barrier = threading.Barrier(8)

    def call_fifty():
        barrier.wait()
        for _ in range(50):
            AnonRateThrottle().allow_request(anonymous(ip="10.4.2.1"), None)

    threads = [threading.Thread(target=call_fifty) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(int(redis_cache.get(key))
               for key in redis_cache.keys("*throttle_anon_10.4.2.1:*")) == 400


# --- the shared caches ------------------------------------------------------------------------

def test_the_database_cache_holds_the_counts_for_every_process(rates, settings):
    """The default: the table `migrate` created, which every process reads and writes."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                                   "LOCATION": "broedplaats_cache"}}
    rates(anon="3/day")  # a day's window: the test does not straddle two
    api = APIClient()
    get(api, ip="10.2.0.1"), get(api, ip="10.2.0.1")
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM broedplaats_cache")
        keys = [row[0] for row in cursor.fetchall() if "throttle_anon_10.2.0.1" in row[0]]
    assert len(keys) == 1
    # Another cache client (as in another worker) reads the same two calls and adds its own.
    other = caches.create_connection("default")
    key = keys[0].split(":", 2)[-1]  # the table's key is prefix:version:key
    assert other.get(key) == 2
    other.incr(key)
    assert get(api, ip="10.2.0.1").status_code == 429


def test_with_redis_two_processes_share_the_counts(rates, redis_cache):
    rates(anon="3/day")  # a day's window: the test does not straddle two
    api = APIClient()
    assert get(api, ip="10.3.0.1").status_code == 200
    # Another process, set up as a second worker would be (REDIS_URL), sees that call and makes
    # two of its own from the same address...
    code = (
        "from django.contrib.auth.models import AnonymousUser\n"
        "from django.test import RequestFactory\n"
        "from broedplaats.api.throttling import AnonRateThrottle\n"
        "import os, redis\n"
        "r = redis.Redis.from_url(os.environ['REDIS_URL'])\n"
        "print(sum(int(r.get(key)) for key in r.keys('*throttle_anon_10.3.0.1:*')))\n"
        "request = RequestFactory().get('/api/buildings/', REMOTE_ADDR='10.3.0.1')\n"
        "request.user = AnonymousUser()\n"
        "print([AnonRateThrottle().allow_request(request, None) for _ in range(3)])\n"
    )
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment.update(REDIS_URL=REDIS_URL, API_THROTTLE_ANON="3/day")
    result = subprocess.run([sys.executable, "manage.py", "shell", "-v", "0", "-c", code],
                            cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["1", "[True, True, False]"]
    # ...which this process counts: the fourth call is refused.
    assert get(api, ip="10.3.0.1").status_code == 429


def test_the_unthrottled_fixture_lifts_the_rates(unthrottled):
    api = APIClient()  # more calls than the default anonymous rate, to the cheapest endpoint
    assert {api.get(reverse("api:api-root")).status_code for _ in range(130)} == {200}
