"""Migration 0016 carries DRF authtoken keys over as hashed personal tokens, so clients that
used them keep working for a while."""

import importlib
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from rest_framework.test import APIClient

from broedplaats.models import ApiToken
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module("broedplaats.migrations.0016_api_tokens")


def test_old_authtoken_keys_become_hashed_expiring_tokens_that_still_work(today):
    user = UserFactory()
    key = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, "
                       "user_id integer NOT NULL)")
        cursor.execute("INSERT INTO authtoken_token (key, user_id) VALUES (%s, %s)",
                       [key, user.pk])
    migration.carry_over_authtoken_keys(apps, SimpleNamespace(connection=connection))

    token = ApiToken.objects.get()
    assert (token.user, token.prefix, token.key_hash) == (user, key[:8], ApiToken.hash_of(key))
    assert token.expires_on == today + timedelta(days=migration.CARRIED_OVER_DAYS)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/me/tokens/").wsgi_request.user == user


def test_without_an_authtoken_table_nothing_is_carried_over():
    migration.carry_over_authtoken_keys(apps, SimpleNamespace(connection=connection))
    assert not ApiToken.objects.exists()
