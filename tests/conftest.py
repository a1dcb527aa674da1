import pytest
from django.db import connection

from tests.factories import stage


def pytest_collection_modifyitems(config, items):
    """Tests marked postgres_only are skipped on SQLite (e.g. exclusion constraints, real
    concurrency)."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def is_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def stages(db):
    """The three stages in order: idea, making, distribution."""
    return [stage("idea"), stage("making"), stage("distribution")]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Real hashing costs ~100 ms a user; tests need users, not security."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _own_cache(settings, request):
    """Each test counts the API's throttles afresh, in its own memory cache: no test is
    throttled by the calls of the tests before it, and the database cache's few queries a call
    stay out of the query counts; nor does the finder's housing outlive its test's rows.
    tests/test_throttling.py tests the shared caches themselves."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": request.node.nodeid}}


@pytest.fixture
def unthrottled(settings):
    """For a test that makes more API calls than a person would in a minute (e.g. a schema
    run): rates no test reaches. The throttles read them on every call."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        "anon": "1000000/min", "user": "1000000/min"}}


@pytest.fixture
def english():
    """Assert the English source messages, whatever LANGUAGE_CODE (Dutch) says."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def today():
    from django.utils import timezone

    return timezone.localdate()


@pytest.fixture
def media(settings, tmp_path):
    """Uploads go to the test's own directory, never into the repository."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
