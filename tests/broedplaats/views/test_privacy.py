"""The privacy page, the API's export and erasure, and the admin's actions: only the creative
themselves (or an admin in the admin) export or erase, and a wrong password erases nothing."""

import io
import json
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from broedplaats.models import Erasure
from broedplaats.roles import CITY_BUREAU, CREATIVE, PROGRAMMER
from chains.models import Creative
from tests.api import client_for, url
from tests.factories import CreativeFactory, UserFactory
from tests.worlds import PERSONAL, privacy_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media", "english")]

PASSWORD = "pass-word-123"  # UserFactory's


@pytest.fixture
def world(today):
    return privacy_world(today)


def logged_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def zip_data(content: bytes) -> tuple[dict, list[str]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return json.loads(archive.read("data.json")), archive.namelist()


# --- the page ----------------------------------------------------------------------------------

def test_the_profile_page_links_to_the_privacy_page(world):
    response = logged_in(world["user"]).get(reverse("creative-profile"))
    assert reverse("account-privacy").encode() in response.content


def test_a_creative_downloads_their_export(world, django_assert_max_num_queries):
    client = logged_in(world["user"])
    with django_assert_max_num_queries(25):
        response = client.get(reverse("account-privacy-export"))
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    data, names = zip_data(b"".join(response.streaming_content))
    assert data["profile"]["name"] == PERSONAL["name"]
    assert any(name.startswith("images/") for name in names)


def test_a_wrong_password_erases_nothing(world):
    response = logged_in(world["user"]).post(reverse("account-privacy-erase"),
                                             {"password": "wrong"})
    assert response.status_code == 400
    assert b"This is not your password." in response.content
    assert Creative.objects.get(pk=world["creative"].pk).name == PERSONAL["name"]
    assert not Erasure.objects.exists()


def test_a_creative_erases_their_account_and_is_logged_out(world):
    client = logged_in(world["user"])
    response = client.post(reverse("account-privacy-erase"), {"password": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("building-list")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("account-privacy")).status_code == 302  # to log in
    erasure = Erasure.objects.get()
    assert (erasure.creative_id, erasure.by_id, erasure.requested) == (
        world["creative"].pk, world["user"].pk, "self")


@pytest.mark.parametrize("roles", [[PROGRAMMER], [CITY_BUREAU], []])
def test_other_roles_cannot_export_nor_erase(world, roles):
    client = logged_in(UserFactory(roles=roles))
    assert client.get(reverse("account-privacy-export")).status_code == 403
    assert client.post(reverse("account-privacy-erase"),
                       {"password": PASSWORD}).status_code == 403
    assert Creative.objects.get(pk=world["creative"].pk).name == PERSONAL["name"]


def test_another_creative_exports_only_their_own(world):
    other = UserFactory(roles=[CREATIVE])
    CreativeFactory(user=other, name="Andere Maker")
    data, _names = zip_data(b"".join(
        logged_in(other).get(reverse("account-privacy-export")).streaming_content))
    assert data["profile"]["name"] == "Andere Maker"
    assert PERSONAL["name"] not in json.dumps(data)


def test_anonymous_is_sent_to_log_in(world):
    for name in ("account-privacy", "account-privacy-export"):
        response = Client().get(reverse(name))
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


# --- the API -----------------------------------------------------------------------------------

def test_api_export_is_a_zip(world, django_assert_max_num_queries):
    client = client_for(world["user"])
    with django_assert_max_num_queries(25):
        response = client.get(url("my-export"))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    data, _names = zip_data(b"".join(response.streaming_content))
    assert data["account"]["username"] == PERSONAL["username"]


def test_api_export_answers_a_zip_whatever_accept_says(world):
    response = client_for(world["user"], HTTP_ACCEPT="text/html").get(url("my-export"))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"


def test_api_erase_needs_the_password(world):
    client = client_for(world["user"])
    assert client.post(url("my-erase"), {}, format="json").status_code == 400
    response = client.post(url("my-erase"), {"password": "wrong"}, format="json")
    assert response.status_code == 400 and "password" in response.json()
    assert not Erasure.objects.exists()
    assert client.post(url("my-erase"), {"password": PASSWORD}, format="json").status_code == 204
    assert Creative.objects.get(pk=world["creative"].pk).name.startswith("erased-")
    assert not get_user_model().objects.get(pk=world["user"].pk).is_active


def test_api_refuses_other_roles_and_anonymous(world):
    assert client_for().get(url("my-export")).status_code == 401
    assert client_for().post(url("my-erase"), {"password": PASSWORD},
                             format="json").status_code == 401
    for roles in ([PROGRAMMER], [CITY_BUREAU]):
        client = client_for(UserFactory(roles=roles))
        assert client.get(url("my-export")).status_code == 403
        assert client.post(url("my-erase"), {"password": PASSWORD},
                           format="json").status_code == 403
    assert Creative.objects.get(pk=world["creative"].pk).name == PERSONAL["name"]


# --- the admin ---------------------------------------------------------------------------------

def test_admin_exports_one_creative(world):
    admin = UserFactory(is_staff=True, is_superuser=True)
    response = logged_in(admin).post(reverse("admin:chains_creative_changelist"), {
        "action": "export_personal_data", "_selected_action": [world["creative"].pk]})
    assert response["Content-Type"] == "application/zip"
    data, _names = zip_data(b"".join(response.streaming_content))
    assert data["profile"]["kvk_number"] == PERSONAL["kvk_number"]


def test_admin_erases_on_request_after_confirming(world):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client = logged_in(admin)
    changelist = reverse("admin:chains_creative_changelist")
    chosen = {"action": "erase_personal_data", "_selected_action": [world["creative"].pk]}
    response = client.post(changelist, chosen)
    assert response.status_code == 200 and b"Yes, erase" in response.content
    assert not Erasure.objects.exists()
    response = client.post(changelist, {**chosen, "post": "yes"})
    assert response.status_code == 302
    erasure = Erasure.objects.get()
    assert (erasure.by, erasure.requested) == (admin, "admin")
    assert Creative.objects.get(pk=world["creative"].pk).email == ""
