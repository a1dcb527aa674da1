"""Personal API tokens in the admin: listed without their keys, revoked through the service,
never added or changed there."""

from datetime import timedelta

import pytest
from django.urls import reverse

from broedplaats.models import ApiToken
from broedplaats.services import api_token_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(admin_client):
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def token(today):
    return api_token_create(user=UserFactory(username="anna"), name="Sync script", on=today,
                            expires_on=today + timedelta(days=30))


def test_the_token_list_shows_name_owner_and_prefix_but_no_key(admin_client, token):
    row, key = token
    page = admin_client.get(reverse("admin:broedplaats_apitoken_changelist")).content.decode()
    assert "Sync script" in page and "anna" in page and row.prefix in page
    assert key not in page and row.key_hash not in page


def test_an_admin_revokes_selected_tokens(admin_client, token):
    row, _key = token
    response = admin_client.post(reverse("admin:broedplaats_apitoken_changelist"), {
        "action": "revoke", "_selected_action": [row.pk]}, follow=True)
    assert "1 token is revoked." in response.content.decode()
    row.refresh_from_db()
    assert row.revoked_at is not None


def test_tokens_are_not_added_or_changed_in_the_admin(admin_client, token):
    row, _key = token
    assert admin_client.get(reverse("admin:broedplaats_apitoken_add")).status_code == 403
    response = admin_client.post(reverse("admin:broedplaats_apitoken_change", args=[row.pk]),
                                 {"name": "Other", "expires_on": "2099-01-01"})
    assert response.status_code == 403
    assert ApiToken.objects.get(pk=row.pk).name == "Sync script"
