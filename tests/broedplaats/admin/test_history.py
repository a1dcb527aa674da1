"""The admin shows each tracked model's audit history to read; a version is never reverted or
edited, and no historical model is an admin page of its own."""

import pytest
from django.contrib import admin
from django.urls import reverse

from broedplaats.history import TRACKED_MODELS, is_history_model
from broedplaats.models import Building
from broedplaats.services import building_update
from tests.factories import BuildingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def building():
    building = BuildingFactory(name="De Werf")
    building_update(building=building, name="De Nieuwe Werf")
    return building


def version_url(building, record) -> str:
    return reverse("admin:broedplaats_building_simple_history", args=[building.pk,
                                                                       record.history_id])


def test_every_tracked_model_has_its_history_in_the_admin():
    for model in TRACKED_MODELS:
        model_admin = admin.site._registry[model]
        assert hasattr(model_admin, "history_form_view"), model


def test_no_historical_model_is_registered_in_the_admin():
    assert not [model for model in admin.site._registry if is_history_model(model)]


def test_the_history_list_shows_the_changes(admin_client, building):
    response = admin_client.get(reverse("admin:broedplaats_building_history", args=[building.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "De Nieuwe Werf" in html


def test_a_version_is_shown_read_only_without_a_revert_button(admin_client, building):
    first = building.history.earliest("history_date")
    response = admin_client.get(version_url(building, first))
    assert response.status_code == 200
    html = response.content.decode()
    assert "De Werf" in html
    assert 'name="address"' not in html  # shown, not an input
    assert 'name="_save"' not in html and 'name="_change_history"' not in html


def test_posting_to_a_version_changes_nothing(admin_client, building):
    first = building.history.earliest("history_date")
    rows = building.history.count()
    response = admin_client.post(version_url(building, first), {"name": "Reverted"})
    assert response.status_code == 405
    building.refresh_from_db()
    assert building.name == "De Nieuwe Werf"
    assert Building.history.filter(id=building.pk).count() == rows
