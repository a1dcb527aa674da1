"""The database unreachable: pages answer the site's 503 page in the user's language and the API
a JSON 503 in its error shape, both with Retry-After; nothing is a 500, nothing shows a
traceback, and answering reads nothing from the database.

The failure is simulated here (every new cursor raises as a refused connection does), on
whichever database the tests run; tests/test_database_down_server.py stops a real PostgreSQL
under a running gunicorn and starts it again.
"""

import pytest
from django.db import InterfaceError, OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client, RequestFactory, override_settings
from django.urls import include, path
from rest_framework.views import APIView

from broedplaats.roles import CREATIVE
from broedplaats.unavailable import RETRY_AFTER_SECONDS, database_unavailable
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REFUSED = ('connection failed: connection to server at "127.0.0.1", port 5432 failed: '
           "Connection refused")


def _page_down(request):
    raise OperationalError(REFUSED)


class _ApiDown(APIView):
    authentication_classes = []
    permission_classes = []

    def get(self, request):
        raise InterfaceError("connection already closed")


def _bug(request):
    raise RuntimeError("a bug")


def _session_down(request):
    request.session["seen"] = True  # saved on the way out, by SessionMiddleware: it fails there
    from django.http import HttpResponse
    return HttpResponse("ok")


urlpatterns = [
    path("test-down/page/", _page_down),
    path("test-down/session/", _session_down),
    path("test-down/bug/", _bug),
    path("api/test-down/", _ApiDown.as_view()),
    path("", include("broedplaats.urls")),
]
handler500 = "broedplaats.api.errors.server_error"  # as broedplaats.urls

production = override_settings(DEBUG=False, ROOT_URLCONF=__name__)


@pytest.fixture
def database_down(monkeypatch):
    """From now on every query fails as it does when the server refuses connections."""
    def refuse(self, *args, **kwargs):
        raise OperationalError(REFUSED)

    monkeypatch.setattr(BaseDatabaseWrapper, "_cursor", refuse)


def _client(language: str = "en", user=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_login(user)
    client.raise_request_exception = False  # a 500 must show as a 500, not as an exception
    return client


def _assert_page_503(response, language: str = "en") -> str:
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "503.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert '/static/css/site.css"' in html and 'href="/"' in html
    assert "Traceback" not in html and "Connection refused" not in html
    assert "OperationalError" not in html and "InterfaceError" not in html
    return html


def _assert_api_503(response) -> None:
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response.json() == {
        "detail": "The service is unavailable for a moment. Please try again shortly."}


def test_connection_health_checks_are_on(settings):
    """A persistent connection the server closed meanwhile is dropped before it is reused."""
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


@production
@pytest.mark.parametrize("language", ["nl", "en"])
def test_a_view_losing_the_database_gets_the_503_page_in_the_users_language(language):
    html = _assert_page_503(_client(language).get("/test-down/page/"), language)
    if language == "en":
        assert "Unavailable for a moment" in html
        assert "Try again shortly" in html


@production
def test_an_api_view_losing_the_database_gets_a_json_503():
    _assert_api_503(_client().get("/api/test-down/"))


@production
def test_a_middleware_losing_the_database_gets_the_503_too(monkeypatch):
    """The session saved after the view (outside it) fails: handler500 answers the 503."""
    from django.contrib.sessions.backends.db import SessionStore

    def refuse(self, *args, **kwargs):
        raise OperationalError(REFUSED)

    monkeypatch.setattr(SessionStore, "save", refuse)
    _assert_page_503(_client().get("/test-down/session/"))


@production
def test_a_real_page_with_the_database_gone_is_a_503(database_down):
    _assert_page_503(_client().get("/"))


@pytest.fixture
def logged_in_then_down(monkeypatch):
    user = UserFactory(roles=[CREATIVE])
    client = _client(user=user)

    def refuse(self, *args, **kwargs):
        raise OperationalError(REFUSED)

    monkeypatch.setattr(BaseDatabaseWrapper, "_cursor", refuse)
    return client


@production
def test_a_session_lookup_failing_on_a_page_is_a_503(logged_in_then_down):
    _assert_page_503(logged_in_then_down.get("/home/creative/"))


@production
def test_a_real_api_list_with_the_database_gone_is_a_json_503(database_down):
    _assert_api_503(_client().get("/api/spaces/"))


@production
def test_an_api_session_lookup_failing_is_a_json_503(logged_in_then_down):
    _assert_api_503(logged_in_then_down.get("/api/me/applications/"))


@production
def test_other_errors_are_still_the_500():
    """Only a lost database is a 503; a bug stays a 500, so it is noticed."""
    assert _client().get("/test-down/bug/").status_code == 500


def test_answering_the_503_reads_nothing_from_the_database(django_assert_num_queries):
    request = RequestFactory().get("/", HTTP_ACCEPT_LANGUAGE="en")
    with django_assert_num_queries(0):
        response = database_unavailable(request, OperationalError(REFUSED))
    assert response.status_code == 503
    assert b"Unavailable for a moment" in response.content


@production
def test_the_health_check_answers_without_the_database(database_down, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = _client().get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert response["Content-Type"].startswith("text/plain")
    assert "no-cache" in response["Cache-Control"]


def test_the_health_check_only_answers_reads():
    assert _client().post("/healthz").status_code == 405
