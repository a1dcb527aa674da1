"""A creative signs up, gets a verification link by mail, and the link activates the account."""

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from broedplaats.roles import CREATIVE
from chains.models import Creative
from chains.services import CREATIVE_GROUP, creative_sign_up
from tests.factories import DisciplineFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "korenbloem-atelier-42"
INVALID_LINK = ("This verification link is not valid: it is incomplete, has been used already, "
                "or has expired.")


@pytest.fixture(autouse=True)
def english(client):
    """Assert the English source messages: pages ask for English, services run in it."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def discipline():
    return DisciplineFactory(name="Modeontwerper", name_en="Fashion designer")


def sign_up_data(discipline, **overrides) -> dict:
    return {"email": "Anna@Example.org", "password": PASSWORD, "name": "Anna de Vries",
            "kind": "person", "discipline": discipline.pk} | overrides


def sign_up(client, discipline, **overrides):
    return client.post(reverse("creative-signup"), sign_up_data(discipline, **overrides))


def link_in(mail) -> str:
    """The path of the verification link in a mail."""
    return urlsplit(re.search(r"https?://\S+", mail.body).group()).path


def without_csrf(response) -> str:
    """A page's HTML without its CSRF token, which differs on every request."""
    return re.sub(r"[A-Za-z0-9]{64}", "", response.content.decode())


def test_sign_up_page_is_public(client, discipline):
    response = client.get(reverse("creative-signup"))
    assert response.status_code == 200
    assert "Fashion designer" in response.content.decode()


def test_sign_up_creates_inactive_user_with_creative_and_group(
    client, discipline, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_up(client, discipline)
    assert response.status_code == 302
    assert response["Location"] == reverse("creative-signup-done")
    creative = Creative.objects.select_related("user").get()
    assert (creative.name, creative.discipline, creative.kind) == ("Anna de Vries", discipline,
                                                                   "person")
    assert creative.user.username == creative.user.email == creative.email == "anna@example.org"
    assert not creative.user.is_active
    assert list(creative.user.groups.values_list("name", flat=True)) == [CREATIVE]


def test_sign_up_sends_one_mail_with_a_working_link(
    client, discipline, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sign_up(client, discipline)
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["anna@example.org"]
    response = client.get(link_in(mailoutbox[0]))
    assert response.status_code == 200
    assert "Confirm and log in" in response.content.decode()


def test_sign_up_mail_waits_for_the_commit(
    client, discipline, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sign_up(client, discipline)
    assert mailoutbox == []
    for callback in callbacks:  # the commit: the mail goes (and the finder's cache is told)
        callback()
    assert len(mailoutbox) == 1


def test_failed_sign_up_sends_no_mail_and_stores_nothing(
    discipline, mailoutbox, django_capture_on_commit_callbacks
):
    # The user row is written before the creative is refused (name too long): all rolls back.
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        creative_sign_up(email="anna@example.org", password=PASSWORD, name="x" * 201,
                         discipline=discipline, kind="person", site_url="http://testserver")
    assert mailoutbox == []
    assert not get_user_model().objects.filter(username="anna@example.org").exists()


def test_sign_up_with_a_known_address_answers_as_for_a_new_one(
    client, discipline, mailoutbox, django_capture_on_commit_callbacks
):
    """The page never tells whether an address has an account: same redirect, same page."""
    UserFactory(username="anna@example.org", email="anna@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        known = sign_up(client, discipline, email="ANNA@example.org")
        new = sign_up(client, discipline, email="bram@example.org")
    assert (known.status_code, known["Location"]) == (new.status_code, new["Location"])
    assert without_csrf(client.get(known["Location"])) == without_csrf(client.get(new["Location"]))


def test_sign_up_with_a_known_address_makes_no_second_account_and_mails_the_owner(
    client, discipline, mailoutbox, django_capture_on_commit_callbacks
):
    owner = UserFactory(username="anna@example.org", email="anna@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        sign_up(client, discipline, email="ANNA@example.org", password="another-secret-77")
    assert get_user_model().objects.get() == owner
    assert not Creative.objects.exists()
    owner.refresh_from_db()
    assert owner.check_password("pass-word-123")  # the attempt changes nothing
    [mail] = mailoutbox
    assert mail.to == ["anna@example.org"]
    assert mail.subject == "Someone tried to sign up with your email address"
    assert "http://testserver" + reverse("password_reset") in mail.body
    assert "http://testserver" + reverse("login") in mail.body
    assert "/verify/" not in mail.body


def test_sign_up_attempt_mail_waits_for_the_commit(
    client, discipline, mailoutbox, django_capture_on_commit_callbacks
):
    UserFactory(username="anna@example.org", email="anna@example.org")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sign_up(client, discipline)
    assert mailoutbox == []
    for callback in callbacks:  # the commit: the mail goes (and the finder's cache is told)
        callback()
    assert len(mailoutbox) == 1


def test_sign_up_again_before_verifying_sends_the_verification_link_again(
    client, discipline, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sign_up(client, discipline)
        sign_up(client, discipline, password="another-secret-77")
    first, again = mailoutbox
    assert again.subject == "Someone tried to sign up with your email address"
    assert get_user_model().objects.count() == Creative.objects.count() == 1
    response = client.post(link_in(again))
    assert response["Location"] == reverse("creative-home")
    # Activated with the password of the first sign-up; the second one was not stored.
    client.logout()
    # Through the log-in page: Client.login passes no request, which the lockout needs.
    response = client.post(reverse("login"), {"username": "anna@example.org", "password": PASSWORD})
    assert response.status_code == 302


def test_sign_up_with_a_known_address_still_refuses_a_weak_password(
    client, discipline, mailoutbox, django_capture_on_commit_callbacks
):
    """The same errors as for a new address, and then no mail either."""
    UserFactory(username="anna@example.org", email="anna@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_up(client, discipline, password="12345678")
    assert response.status_code == 200
    assert "This password is entirely numeric." in response.context["form"].errors["password"]
    assert "email" not in response.context["form"].errors
    assert mailoutbox == []


def test_sign_up_with_a_known_address_checks_the_profile_like_a_new_one(
    discipline, mailoutbox, django_capture_on_commit_callbacks
):
    UserFactory(username="anna@example.org", email="anna@example.org")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as known:
        creative_sign_up(email="anna@example.org", password=PASSWORD, name="x" * 201,
                         discipline=discipline, kind="person", site_url="http://testserver")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as new:
        creative_sign_up(email="bram@example.org", password=PASSWORD, name="x" * 201,
                         discipline=discipline, kind="person", site_url="http://testserver")
    assert known.value.message_dict == new.value.message_dict
    assert mailoutbox == []


def test_weak_password_is_refused(client, discipline, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_up(client, discipline, password="12345678")
    assert response.status_code == 200
    assert "This password is entirely numeric." in response.context["form"].errors["password"]
    assert not get_user_model().objects.exists()


def test_verifying_activates_the_account_and_logs_in(
    client, discipline, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sign_up(client, discipline)
    response = client.post(link_in(mailoutbox[0]))
    assert response.status_code == 302
    assert response["Location"] == reverse("creative-home")
    assert get_user_model().objects.get(username="anna@example.org").is_active
    assert client.get(reverse("creative-home")).status_code == 200


def test_verification_link_works_once(
    client, discipline, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sign_up(client, discipline)
    link = link_in(mailoutbox[0])
    client.post(link)
    client.logout()
    response = client.post(link)
    assert response.status_code == 400
    assert INVALID_LINK in response.content.decode()


@pytest.mark.parametrize("method", ["get", "post"])
def test_bad_token_shows_a_friendly_page(
    client, discipline, mailoutbox, method, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sign_up(client, discipline)
    uidb64 = link_in(mailoutbox[0]).rstrip("/").split("/")[-2]
    url = reverse("creative-verify", kwargs={"uidb64": uidb64, "token": "abc-123"})
    response = getattr(client, method)(url)
    assert response.status_code == 400
    assert INVALID_LINK in response.content.decode()
    assert not get_user_model().objects.get(username="anna@example.org").is_active


def test_link_for_unknown_user_shows_a_friendly_page(client):
    response = client.get(reverse("creative-verify", kwargs={"uidb64": "!!", "token": "x-y"}))
    assert response.status_code == 400
    assert INVALID_LINK in response.content.decode()


def test_cannot_log_in_before_verifying(client, discipline, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sign_up(client, discipline)
    response = client.post(reverse("login"), {"username": "anna@example.org",
                                              "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_chains_names_the_same_creative_group_as_the_roles():
    assert CREATIVE_GROUP == CREATIVE
