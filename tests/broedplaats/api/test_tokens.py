"""Personal API tokens: made from a password at /api/token/ (through authenticate(), so a
lockout sees it), named and expiring, stored hashed, refused with 401 once expired, revoked or
unknown; a user lists and revokes their own over the API."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from rest_framework.test import APIClient

from broedplaats import limits
from broedplaats.models import ApiToken
from broedplaats.roles import CITY_BUREAU, CREATIVE, PROGRAMMER
from broedplaats.services import api_token_create, api_token_revoke
from tests.api import url
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

PASSWORD = "pass-word-123"  # UserFactory's


def client_with(key: str | None = None) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if key is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client



def log_in(client, today, **changes):
    body = {"username": "anna", "password": PASSWORD, "name": "Sync script",
            "expires_on": (today + timedelta(days=30)).isoformat(), **changes}
    return client.post(url("token"), {k: v for k, v in body.items() if v is not None},
                       format="json")


@pytest.fixture
def anna(db):
    return UserFactory(username="anna", roles=[PROGRAMMER])


def make(user, today, days=30, name="Script"):
    return api_token_create(user=user, name=name, on=today,
                            expires_on=today + timedelta(days=days))


# --- making a token from a password ------------------------------------------------------------

def test_a_password_log_in_makes_a_named_expiring_token_that_authenticates(anna, today):
    response = log_in(client_with(), today)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["name"], body["expires_on"]) == ("Sync script",
                                                  (today + timedelta(days=30)).isoformat())
    key = body["token"]
    assert body["prefix"] == key[:8]
    me = client_with(key).get(url("my-token-list"))
    assert me.status_code == 200
    assert me.wsgi_request.user == anna


def test_the_key_is_stored_only_as_its_hash(anna, today):
    key = log_in(client_with(), today).json()["token"]
    token = ApiToken.objects.get()
    assert token.key_hash == ApiToken.hash_of(key) != key
    stored = [str(value) for value in ApiToken.objects.values_list().get()]
    assert key not in stored


def test_the_log_in_checks_the_password_through_authenticate_with_the_request(
    anna, today, monkeypatch
):
    calls = []

    def spy(request=None, **credentials):
        calls.append((request, credentials))
        return anna

    monkeypatch.setattr("broedplaats.api.accounts.authenticate", spy)
    assert log_in(client_with(), today, password="whatever").status_code == 201
    [(request, credentials)] = calls
    assert isinstance(request, HttpRequest)
    assert credentials == {"username": "anna", "password": "whatever"}


def test_a_wrong_password_makes_no_token(anna, today):
    response = log_in(client_with(), today, password="wrong")
    assert response.status_code == 400
    assert "Unable to log in" in response.json()["non_field_errors"][0]
    assert not ApiToken.objects.exists()


def test_an_inactive_account_gets_no_token(anna, today):
    anna.is_active = False
    anna.save()
    assert log_in(client_with(), today).status_code == 400
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("field", ["name", "expires_on", "username", "password"])
def test_a_log_in_without_a_field_is_a_400_naming_it(anna, today, field):
    response = log_in(client_with(), today, **{field: None})
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(("days", "message"), [
    (0, "must expire after today"),
    (-3, "must expire after today"),
    (limits.API_TOKEN_MAX_DAYS + 1, f"within {limits.API_TOKEN_MAX_DAYS} days"),
])
def test_an_expiry_not_after_today_or_beyond_a_year_is_refused(anna, today, days, message):
    response = log_in(client_with(), today, expires_on=(today + timedelta(days=days)).isoformat())
    assert response.status_code == 400
    assert message in response.json()["expires_on"][0]
    assert not ApiToken.objects.exists()


def test_the_longest_expiry_is_accepted(anna, today):
    days = limits.API_TOKEN_MAX_DAYS
    response = log_in(client_with(), today, expires_on=(today + timedelta(days=days)).isoformat())
    assert response.status_code == 201


def test_a_user_holds_a_bounded_number_of_live_tokens(anna, today):
    for n in range(limits.API_TOKENS_PER_USER):
        make(anna, today, name=f"T{n}")
    with pytest.raises(ValidationError) as refused:
        make(anna, today, name="One more")
    assert "name" in refused.value.message_dict
    api_token_revoke(token=ApiToken.objects.first(), at=timezone.now())
    make(anna, today, name="One more")  # a revoked one no longer counts


# --- using a token -----------------------------------------------------------------------------

def test_an_expired_token_is_refused_with_401(anna, today):
    token, key = make(anna, today)
    ApiToken.objects.filter(pk=token.pk).update(expires_on=today)  # expires today
    response = client_with(key).get(url("my-token-list"))
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]
    assert response["WWW-Authenticate"] == "Token"


def test_a_token_works_until_the_day_before_it_expires(anna, today):
    token, key = make(anna, today)
    ApiToken.objects.filter(pk=token.pk).update(expires_on=today + timedelta(days=1))
    assert client_with(key).get(url("my-token-list")).status_code == 200


def test_a_revoked_token_is_refused_with_401(anna, today):
    token, key = make(anna, today)
    api_token_revoke(token=token, at=timezone.now())
    response = client_with(key).get(url("building-list"))
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


@pytest.mark.parametrize("header", ["Token not-a-real-token", "Token", "Token a b",
                                    "Bearer not-a-real-token"])
def test_an_unknown_or_malformed_token_is_refused_with_401(db, header):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en", HTTP_AUTHORIZATION=header)
    assert client.get(url("building-list")).status_code == 401


def test_a_token_of_an_inactive_account_is_refused(anna, today):
    _token, key = make(anna, today)
    anna.is_active = False
    anna.save()
    assert client_with(key).get(url("building-list")).status_code == 401


def test_a_bearer_header_works_as_well(anna, today):
    _token, key = make(anna, today)
    client = APIClient(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get(url("my-token-list")).wsgi_request.user == anna


def test_using_a_token_notes_when_it_was_last_used(anna, today):
    token, key = make(anna, today)
    assert token.last_used_at is None
    client_with(key).get(url("building-list"))
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_token_acts_with_its_users_role_and_no_more(anna, today):
    creative = UserFactory(roles=[CREATIVE])
    _token, key = make(creative, today)
    assert client_with(key).get(url("programmer-tenancy-list")).status_code == 403
    _token, key = make(anna, today, name="Other")
    assert client_with(key).get(url("programmer-tenancy-list")).status_code == 200


def test_an_anonymous_call_to_an_own_list_is_asked_for_credentials(db):
    response = client_with().get(url("my-token-list"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


# --- listing and revoking one's own tokens -----------------------------------------------------

def test_a_user_lists_only_their_own_tokens_without_keys(anna, today):
    own, key = make(anna, today, name="Mine")
    make(UserFactory(roles=[CITY_BUREAU]), today, name="Theirs")
    rows = client_with(key).get(url("my-token-list")).json()["results"]
    assert [(row["id"], row["name"], row["state"]) for row in rows] == [(own.pk, "Mine",
                                                                         "active")]
    assert "token" not in rows[0] and "key_hash" not in rows[0]


@pytest.mark.parametrize("count", [2, 15])
def test_the_token_list_costs_the_same_queries_for_any_number(
    anna, today, django_assert_max_num_queries, count
):
    for n in range(count):
        make(anna, today, name=f"T{n}")
    client = APIClient()
    client.force_login(anna)
    with django_assert_max_num_queries(4):  # session, user, the count, the page
        assert client.get(url("my-token-list")).json()["count"] == count


def test_a_user_revokes_their_own_token_and_it_stops_working(anna, today):
    token, key = make(anna, today)
    _other, other_key = make(anna, today, name="Still used")
    response = client_with(other_key).post(url("my-token-revoke", token.pk))
    assert response.status_code == 200
    assert response.json()["state"] == "revoked"
    assert client_with(key).get(url("building-list")).status_code == 401
    assert client_with(other_key).get(url("building-list")).status_code == 200


def test_revoking_a_token_twice_keeps_the_first_time(anna, today):
    token, _key = make(anna, today)
    first = api_token_revoke(token=token, at=timezone.now()).revoked_at
    again = api_token_revoke(token=token, at=timezone.now() + timedelta(hours=1)).revoked_at
    assert again == first


def test_another_users_token_is_not_found_and_stays_valid(anna, today):
    theirs, their_key = make(UserFactory(), today)
    _mine, key = make(anna, today)
    client = client_with(key)
    assert client.get(url("my-token-detail", theirs.pk)).status_code == 404
    assert client.post(url("my-token-revoke", theirs.pk)).status_code == 404
    assert client_with(their_key).get(url("building-list")).status_code == 200


def test_anonymous_cannot_revoke_a_token(anna, today):
    token, _key = make(anna, today)
    assert client_with().post(url("my-token-revoke", token.pk)).status_code == 401
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_selector_finds_no_tokens_for_anonymous():
    from broedplaats.selectors.accounts import api_tokens_of

    assert not api_tokens_of(AnonymousUser()).exists()
