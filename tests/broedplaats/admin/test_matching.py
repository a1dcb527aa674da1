"""The admin of matching: fit weights edited under the same rules as the service; rounds,
committee scores and pathways shown read-only."""

from datetime import date

import pytest
from django.urls import reverse

from broedplaats.models import (
    AllocationRound,
    Call,
    CommitteeCriterion,
    FitWeights,
    Pathway,
    RoundEntry,
)
from tests.factories import (
    BuildingFactory,
    ChainFactory,
    CityFactory,
    CreativeFactory,
    UserFactory,
)

pytestmark = pytest.mark.usefixtures("english")


def _call():
    return Call.objects.create(building=BuildingFactory(), title="Ateliers",
                               opens_on=date(2026, 3, 1), closes_on=date(2026, 3, 31))

WEIGHTS = {"stage": 25, "chain": 20, "completeness": 10, "area": 15, "rent": 15,
           "facilities": 10, "wait": 5, "wait_full_days": 730}


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_a_citys_default_weights_are_added_and_recorded(admin_client):
    city = CityFactory()
    response = admin_client.post(reverse("admin:broedplaats_fitweights_add"),
                                 {"city": city.pk, **WEIGHTS, "area": 40})
    assert response.status_code == 302
    weights = FitWeights.objects.get()
    assert (weights.city, weights.area, weights.updated_by.is_superuser) == (city, 40, True)


@pytest.mark.parametrize(("change", "message"), [
    ({"stage": 0, "chain": 0, "completeness": 0, "area": 0, "rent": 0, "facilities": 0,
      "wait": 0}, "At least one weight must be above 0."),
    ({"area": 101}, "Ensure this value is less than or equal to 100."),
    ({"wait_full_days": 5}, "Ensure this value is greater than or equal to 30."),
])
def test_weights_out_of_range_are_refused_beside_the_field(admin_client, change, message):
    city = CityFactory()
    response = admin_client.post(reverse("admin:broedplaats_fitweights_add"),
                                 {"city": city.pk, **WEIGHTS, **change})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not FitWeights.objects.exists()


def test_weights_belong_to_a_city_or_a_building_not_both(admin_client):
    building = BuildingFactory()
    response = admin_client.post(reverse("admin:broedplaats_fitweights_add"),
                                 {"city": building.city_id, "building": building.pk, **WEIGHTS})
    assert response.status_code == 200
    assert "Weights belong to a city or to a building." in response.content.decode()
    assert not FitWeights.objects.exists()


def test_a_round_is_shown_read_only_with_its_entries(admin_client):
    call = _call()
    round_ = AllocationRound.objects.create(city=call.building.city, method="lottery",
                                           seed=42, start=date(2026, 5, 1),
                                           reply_by=date(2026, 4, 1), inputs={"spaces": []})
    round_.calls.set([call])
    creative = CreativeFactory(name="Ada Ateliers")
    from broedplaats.models import Application
    application = Application.objects.create(creative=creative, building=call.building,
                                             call=call, status="eligible")
    RoundEntry.objects.create(round=round_, creative=creative, application=application,
                              position=1, lottery=0.25)
    listing = admin_client.get(reverse("admin:broedplaats_allocationround_changelist"))
    assert listing.status_code == 200 and "42" in listing.content.decode()
    detail = admin_client.get(reverse("admin:broedplaats_allocationround_change",
                                      args=[round_.pk]))
    html = detail.content.decode()
    assert detail.status_code == 200 and "Ada Ateliers" in html
    assert 'name="seed"' not in html  # read-only
    assert admin_client.get(reverse("admin:broedplaats_allocationround_add")).status_code == 403


def test_committee_criteria_and_pathways_are_listed(admin_client):
    call = _call()
    CommitteeCriterion.objects.create(call=call, name="Artistieke kwaliteit")
    pathway = Pathway.objects.create(city=call.building.city, chain=ChainFactory(),
                                     name="Academie naar werkplaats")
    assert "Artistieke kwaliteit" in admin_client.get(
        reverse("admin:broedplaats_committeecriterion_changelist")).content.decode()
    response = admin_client.post(reverse("admin:broedplaats_pathway_changelist"),
                                 {"action": "archive", "_selected_action": [pathway.pk]})
    assert response.status_code == 302
    pathway.refresh_from_db()
    assert pathway.archived
