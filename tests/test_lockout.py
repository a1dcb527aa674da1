"""Brute-force protection (django-axes): the log-in page, the admin's and the API's token
log-in count failures per user name and per IP address; past the limit the right password is
refused too, with 429, Retry-After and a message in the user's language, until the cool-off has
passed; a successful log-in resets the count. docs/security.md."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"  # UserFactory's
LIMIT = 3


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


@pytest.fixture
def anna():
    return UserFactory(username="anna")


def page_login(client, username, password, ip="10.0.0.1", path="login"):
    return client.post(reverse(path), {"username": username, "password": password},
                       REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE="en")


def token_fields(username, password) -> dict:
    """What the token log-in asks: the credentials, and the new token's name and expiry."""
    return {"username": username, "password": password, "name": "script",
            "expires_on": (timezone.localdate() + timedelta(days=30)).isoformat()}


def token_login(username, password, ip="10.0.0.1"):
    return APIClient().post(reverse("api:token"), token_fields(username, password),
                            REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE="en")


def fail(times, login, username="anna", ip="10.0.0.1", **kwargs):
    for _ in range(times):
        response = login(username, "wrong-password", ip=ip, **kwargs)
    return response


# --- the log-in page --------------------------------------------------------------------------

def test_page_failures_below_the_limit_leave_the_right_password_working(client, anna):
    response = fail(LIMIT - 1, lambda *a, **k: page_login(client, *a, **k))
    assert response.status_code == 200  # the form again, with its error
    assert page_login(client, "anna", PASSWORD).status_code == 302


def test_page_locks_the_user_out_and_then_refuses_the_right_password(client, anna):
    response = fail(LIMIT, lambda *a, **k: page_login(client, *a, **k))
    assert response.status_code == 429
    response = page_login(client, "anna", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert response["Retry-After"] == "900"
    html = response.content.decode()
    assert "<h1>Log-in blocked for now</h1>" in html
    assert "Too many failed log-in attempts" in html
    assert "Try again in 15 minutes." in html


def test_the_lockout_page_speaks_dutch_by_default(client, anna):
    for _ in range(LIMIT):
        response = client.post(reverse("login"), {"username": "anna", "password": "nope"})
    assert response.status_code == 429
    assert '<html lang="nl">' in response.content.decode()


def test_lockout_is_per_user_name_from_any_address(client, anna):
    for n in range(LIMIT):
        page_login(client, "anna", "wrong-password", ip=f"10.0.1.{n}")
    assert page_login(client, "anna", PASSWORD, ip="10.0.9.9").status_code == 429
    # Another user, from an address that tried nothing, still logs in.
    UserFactory(username="bob")
    assert page_login(client, "bob", PASSWORD, ip="10.0.9.8").status_code == 302


def test_lockout_is_per_ip_address_whichever_user_names_it_tries(client, anna):
    for n in range(LIMIT):
        page_login(client, f"guess{n}", "wrong-password", ip="10.0.2.1")
    assert page_login(client, "anna", PASSWORD, ip="10.0.2.1").status_code == 429
    # The same user from elsewhere is not locked: no failure was counted against her name.
    assert page_login(client, "anna", PASSWORD, ip="10.0.2.2").status_code == 302


def test_the_lockout_ends_after_the_cool_off(client, anna):
    fail(LIMIT, lambda *a, **k: page_login(client, *a, **k))
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert page_login(client, "anna", PASSWORD).status_code == 302


def test_a_successful_log_in_resets_the_count(client, anna):
    fail(LIMIT - 1, lambda *a, **k: page_login(client, *a, **k))
    assert page_login(client, "anna", PASSWORD).status_code == 302
    client.logout()
    response = fail(LIMIT - 1, lambda *a, **k: page_login(client, *a, **k))
    assert response.status_code == 200
    assert page_login(client, "anna", PASSWORD).status_code == 302


def test_the_admin_log_in_is_counted_and_locked_too(client):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    response = fail(LIMIT, lambda *a, **k: page_login(client, *a, path="admin:login", **k),
                    username="root")
    assert response.status_code == 429
    response = page_login(client, "root", PASSWORD, path="admin:login")
    assert response.status_code == 429
    assert "Log-in blocked for now" in response.content.decode()


def test_page_and_token_failures_add_up(client, anna):
    page_login(client, "anna", "wrong-password")
    fail(LIMIT - 1, token_login)
    assert page_login(client, "anna", PASSWORD).status_code == 429


# --- the API's token log-in -------------------------------------------------------------------

def test_token_failures_below_the_limit_are_a_plain_400(anna):
    response = fail(LIMIT - 1, token_login)
    assert response.status_code == 400
    assert token_login("anna", PASSWORD).status_code == 201


def test_token_log_in_locks_out_with_a_json_429(anna):
    response = fail(LIMIT, token_login)
    assert response.status_code == 429
    response = token_login("anna", PASSWORD)
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"] == "900"
    assert "token" not in response.json()
    assert response.json()["detail"] == (
        "Too many failed log-in attempts for this account or from this address. "
        "Try again in 15 minutes. Every attempt before then starts the wait again.")


def test_token_lockout_is_per_ip_address(anna):
    for n in range(LIMIT):
        token_login(f"guess{n}", "wrong-password", ip="10.0.3.1")
    assert token_login("anna", PASSWORD, ip="10.0.3.1").status_code == 429
    assert token_login("anna", PASSWORD, ip="10.0.3.2").status_code == 201


def test_token_lockout_is_per_user_name(anna):
    for n in range(LIMIT):
        token_login("anna", "wrong-password", ip=f"10.0.4.{n}")
    assert token_login("anna", PASSWORD, ip="10.0.4.99").status_code == 429


def test_token_lockout_message_in_dutch_by_default(anna):
    for _ in range(LIMIT + 1):
        response = APIClient().post(reverse("api:token"), token_fields("anna", "x"))
    assert response.status_code == 429
    assert response.json()["detail"]


def test_the_default_limits_are_set_from_the_environment():
    from django.conf import settings

    assert settings.AXES_LOCKOUT_PARAMETERS == ["username", "ip_address"]
    assert settings.AXES_RESET_ON_SUCCESS is True
    assert "axes.backends.AxesStandaloneBackend" == settings.AUTHENTICATION_BACKENDS[0]


def test_behind_a_trusted_proxy_the_client_address_comes_from_x_forwarded_for(
        client, anna, settings):
    """TRUSTED_PROXIES=1: one proxy, which appends the address it saw to X-Forwarded-For;
    what a client wrote there itself is not trusted."""
    settings.TRUSTED_PROXIES = 1

    def via_proxy(username, password, client_ip, forged=""):
        return client.post(reverse("login"), {"username": username, "password": password},
                           REMOTE_ADDR="10.9.9.9",
                           HTTP_X_FORWARDED_FOR=f"{forged}{client_ip}")

    for n in range(LIMIT):
        via_proxy(f"guess{n}", "wrong-password", "203.0.113.7", forged=f"192.0.2.{n}, ")
    assert via_proxy("anna", PASSWORD, "203.0.113.7").status_code == 429
    # Another client behind the same proxy is not locked out.
    assert via_proxy("anna", PASSWORD, "203.0.113.8").status_code == 302


def test_without_a_trusted_proxy_a_forged_x_forwarded_for_changes_nothing(client, anna):
    for n in range(LIMIT):
        client.post(reverse("login"), {"username": f"guess{n}", "password": "wrong"},
                    REMOTE_ADDR="10.8.0.1", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    response = client.post(reverse("login"), {"username": "anna", "password": PASSWORD},
                           REMOTE_ADDR="10.8.0.1", HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert response.status_code == 429
