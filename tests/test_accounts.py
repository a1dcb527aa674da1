"""Forgotten password and changing one's password: Django's own views, styled, the reset mail
sent after commit, and no page that tells whether an address has an account. Personal API
tokens: made, shown once, revoked on the account page."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from broedplaats.models import ApiToken
from broedplaats.services import api_token_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

OLD = "pass-word-123"  # UserFactory's password
NEW = "lindeboom-werkplaats-7"


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def anna():
    return UserFactory(username="anna@example.org", email="anna@example.org")


def ask_reset(client, email, callbacks):
    with callbacks(execute=True):
        return client.post(reverse("password_reset"), {"email": email})


def link_in(mail) -> str:
    return urlsplit(re.search(r"https?://\S+", mail.body).group()).path


def errors_beside(response, field: str) -> str:
    """The error text shown in the same paragraph as the field's input, which points at it."""
    html = response.content.decode()
    paragraph = re.search(rf'<p>(?:(?!</p>).)*name="{field}"(?:(?!</p>).)*</p>', html, re.S)
    assert paragraph, f"no {field} on the page"
    assert f"id_{field}_error" in re.search(r"<input[^>]*>", paragraph.group()).group()
    return "".join(re.findall(rf'<span class="error" id="id_{field}_error">(.*?)</span>',
                              paragraph.group()))


def logs_in(client, username: str, password: str) -> bool:
    """Log in through the page, as a user does (Client.login passes no request, which the
    lockout's backend needs to count the attempt)."""
    response = client.post(reverse("login"), {"username": username, "password": password})
    return response.status_code == 302


# --- forgotten password ----------------------------------------------------------------------

def test_login_page_links_to_the_reset_page(client):
    response = client.get(reverse("login"))
    assert reverse("password_reset") in response.content.decode()


def test_reset_end_to_end_sets_a_password_that_logs_in(
    client, anna, mailoutbox, django_capture_on_commit_callbacks
):
    response = ask_reset(client, "Anna@Example.org", django_capture_on_commit_callbacks)
    assert response["Location"] == reverse("password_reset_done")
    [mail] = mailoutbox
    assert mail.to == ["anna@example.org"]
    assert mail.subject == "Choose a new password for Broedplaats"
    assert "Your username is anna@example.org." in mail.body
    # The link redirects to a URL without the token (Django keeps it in the session).
    response = client.get(link_in(mail), follow=True)
    assert "Choose a new password" in response.content.decode()
    response = client.post(response.redirect_chain[-1][0],
                           {"new_password1": NEW, "new_password2": NEW})
    assert response["Location"] == reverse("password_reset_complete")
    assert "Your new password is saved" in client.get(response["Location"]).content.decode()
    assert not logs_in(client, "anna@example.org", OLD)
    assert logs_in(client, "anna@example.org", NEW)


def test_reset_answers_an_unknown_address_exactly_like_a_known_one(
    client, anna, mailoutbox, django_capture_on_commit_callbacks
):
    known = ask_reset(client, "anna@example.org", django_capture_on_commit_callbacks)
    unknown = ask_reset(client, "nobody@example.org", django_capture_on_commit_callbacks)
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert [mail.to for mail in mailoutbox] == [["anna@example.org"]]


def test_reset_mail_waits_for_the_commit(
    client, anna, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("password_reset"), {"email": "anna@example.org"})
    assert mailoutbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert len(mailoutbox) == 1


def test_reset_refuses_a_malformed_address_beside_the_field(client, mailoutbox):
    response = client.post(reverse("password_reset"), {"email": "not-an-address"})
    assert response.status_code == 200
    assert errors_beside(response, "email") == "Enter a valid email address."


def test_reset_link_works_once(client, anna, mailoutbox, django_capture_on_commit_callbacks):
    ask_reset(client, "anna@example.org", django_capture_on_commit_callbacks)
    link = link_in(mailoutbox[0])
    response = client.get(link, follow=True)
    client.post(response.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    response = client.get(link, follow=True)
    assert response.status_code == 200
    assert "This password reset link is not valid" in response.content.decode()
    assert "<form" not in response.content.decode().split("<main ")[1]


def test_reset_refuses_a_weak_new_password_beside_the_field(
    client, anna, mailoutbox, django_capture_on_commit_callbacks
):
    ask_reset(client, "anna@example.org", django_capture_on_commit_callbacks)
    response = client.get(link_in(mailoutbox[0]), follow=True)
    response = client.post(response.redirect_chain[-1][0],
                           {"new_password1": "12345678", "new_password2": "12345678"})
    assert response.status_code == 200
    assert "This password is entirely numeric." in errors_beside(response, "new_password2")
    anna.refresh_from_db()
    assert anna.check_password(OLD)


def test_inactive_account_gets_no_reset_mail(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    """An unverified sign-up is confirmed by its own link, not by a reset (Django's rule)."""
    UserFactory(username="anna@example.org", email="anna@example.org", is_active=False)
    response = ask_reset(client, "anna@example.org", django_capture_on_commit_callbacks)
    assert response["Location"] == reverse("password_reset_done")
    assert mailoutbox == []


# --- changing one's password ---------------------------------------------------------------

def test_header_links_to_change_password_when_logged_in(client, anna):
    assert reverse("password_change") not in client.get(reverse("login")).content.decode()
    client.force_login(anna)
    page = client.get(reverse("building-list")).content.decode()
    assert reverse("password_change") in page


def test_change_password_asks_anonymous_visitors_to_log_in(client):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_change_password_saves_the_new_one_and_keeps_the_user_logged_in(client, anna):
    client.force_login(anna)
    response = client.post(reverse("password_change"), {
        "old_password": OLD, "new_password1": NEW, "new_password2": NEW})
    assert response["Location"] == reverse("password_change_done")
    assert client.get(response["Location"]).status_code == 200  # still logged in
    anna.refresh_from_db()
    assert anna.check_password(NEW)


def test_change_password_requires_the_old_one(client, anna):
    client.force_login(anna)
    response = client.post(reverse("password_change"), {
        "old_password": "wrong-guess-1", "new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 200
    assert errors_beside(response, "old_password") == (
        "Your old password was entered incorrectly. Please enter it again.")
    anna.refresh_from_db()
    assert anna.check_password(OLD)


def test_change_password_refuses_a_weak_new_one_beside_the_field(client, anna):
    client.force_login(anna)
    response = client.post(reverse("password_change"), {
        "old_password": OLD, "new_password1": "anna1", "new_password2": "anna1"})
    assert response.status_code == 200
    errors = errors_beside(response, "new_password2")
    assert "This password is too short. It must contain at least 8 characters." in errors
    anna.refresh_from_db()
    assert anna.check_password(OLD)


def test_change_password_refuses_two_different_new_ones(client, anna):
    client.force_login(anna)
    response = client.post(reverse("password_change"), {
        "old_password": OLD, "new_password1": NEW, "new_password2": NEW + "x"})
    assert errors_beside(response, "new_password2") == "The two password fields didn’t match."


def test_password_messages_are_dutch_by_default(client, anna):
    """Dutch is the default language; Django ships Dutch for its password messages."""
    del client.defaults["HTTP_ACCEPT_LANGUAGE"]
    client.force_login(anna)
    response = client.post(reverse("password_change"), {
        "old_password": OLD, "new_password1": "12345678", "new_password2": "12345678"})
    assert "Dit wachtwoord bevat alleen cijfers." in errors_beside(response, "new_password2")
    response = client.post(reverse("password_change"), {
        "old_password": "fout", "new_password1": NEW, "new_password2": NEW})
    assert errors_beside(response, "old_password") == (
        "Uw oude wachtwoord is niet juist ingevoerd. Voer het opnieuw in.")


# --- personal API tokens -----------------------------------------------------------------------

def make_token(client, days, name="Sync script"):
    from django.utils import timezone

    return client.post(reverse("account-tokens"), {
        "name": name, "expires_on": (timezone.localdate() + timedelta(days=days)).isoformat()})


def test_header_links_to_the_api_tokens_when_logged_in(client, anna):
    assert reverse("account-tokens") not in client.get(reverse("login")).content.decode()
    client.force_login(anna)
    assert reverse("account-tokens") in client.get(reverse("building-list")).content.decode()


def test_the_token_page_suggests_an_expiry_the_user_can_change(client, anna, today):
    client.force_login(anna)
    page = client.get(reverse("account-tokens")).content.decode()
    assert f'value="{(today + timedelta(days=90)).isoformat()}"' in page
    assert "You have no tokens yet." in page


def test_a_user_makes_a_token_and_sees_its_key_once(client, anna):
    client.force_login(anna)
    response = make_token(client, 30)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    key = re.search(r'<code id="new-token-key">([^<]+)</code>', response.content.decode())[1]
    token = ApiToken.objects.get(user=anna)
    assert (token.name, token.key_hash) == ("Sync script", ApiToken.hash_of(key))
    later = client.get(reverse("account-tokens")).content.decode()
    assert key not in later
    assert "Sync script" in later and token.prefix in later
    # The key works in the API.
    api = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get(reverse("api:my-token-list")).wsgi_request.user == anna


def test_the_token_list_scrolls_in_its_own_box_on_a_phone(client, anna):
    """Seven columns do not fit 390 px: the table scrolls inside its region, not the page
    (seen at 605 px wide before)."""
    client.force_login(anna)
    make_token(client, 30)
    html = client.get(reverse("account-tokens")).content.decode()
    region = html.index('<div class="table-scroll" tabindex="0" role="region" '
                        'aria-labelledby="tokens-title">')
    assert 'id="tokens-title"' in html
    assert region < html.index("<table") < html.index("</table>") < html.index("</div>", region)


def test_a_token_beyond_a_year_is_refused_beside_the_field(client, anna):
    client.force_login(anna)
    response = make_token(client, 366)
    assert response.status_code == 400
    assert "A token expires within 365 days" in errors_beside(response, "expires_on")
    assert not ApiToken.objects.exists()


def test_a_token_without_a_name_is_refused_beside_the_field(client, anna):
    client.force_login(anna)
    response = make_token(client, 30, name="")
    assert response.status_code == 400
    assert errors_beside(response, "name") == "This field is required."
    assert not ApiToken.objects.exists()


def test_a_user_revokes_their_token_on_the_page(client, anna, today):
    token, key = api_token_create(user=anna, name="Old script", on=today,
                                  expires_on=today + timedelta(days=10))
    client.force_login(anna)
    response = client.post(reverse("account-token-revoke", args=[token.pk]), follow=True)
    page = response.content.decode()
    assert "The token “Old script” is revoked." in page
    assert "Revoked" in page
    token.refresh_from_db()
    assert token.revoked_at is not None
    api = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get(reverse("api:building-list")).status_code == 401


def test_another_users_token_cannot_be_revoked_on_the_page(client, anna, today):
    token, _key = api_token_create(user=UserFactory(), name="Theirs", on=today,
                                   expires_on=today + timedelta(days=10))
    client.force_login(anna)
    assert client.post(reverse("account-token-revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
