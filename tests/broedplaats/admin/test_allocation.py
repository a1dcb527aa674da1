"""The admin shows the allocation workflow; state changes stay with the services."""

from datetime import date

import pytest
from django.urls import reverse

from broedplaats.models import Call
from broedplaats.services import (
    application_create,
    application_submit,
    call_create,
    call_publish,
    offer_make,
    screening_record,
    social_return_record,
    tenancy_create,
)
from tests.factories import BuildingFactory, CreativeFactory, PolicyFactory, SpaceFactory

pytestmark = pytest.mark.django_db

MODELS = ["call", "application", "screening", "offer", "socialreturn"]


@pytest.fixture
def rows():
    policy = PolicyFactory()
    building = BuildingFactory(city=policy.city)
    space = SpaceFactory(building=building)
    call = call_create(building=building, title="Ateliers", spaces=[space],
                       opens_on=date(2026, 3, 1), closes_on=date(2026, 3, 31))
    call_publish(call=call, on=date(2026, 3, 2))
    application = application_create(creative=CreativeFactory(), call=call, on=date(2026, 3, 2))
    application_submit(application=application, on=date(2026, 3, 2))
    screening = screening_record(creative=application.creative, city=policy.city,
                                 on=date(2026, 3, 2), professional_practice=True,
                                 income_within_limit=True)
    application.refresh_from_db()
    offer = offer_make(application=application, space=space, start=date(2026, 4, 1),
                       reply_by=date(2026, 3, 16), on=date(2026, 3, 2))
    tenancy = tenancy_create(space=SpaceFactory(building=building), creative=CreativeFactory(),
                             start=date(2026, 1, 1))
    activity = social_return_record(tenancy=tenancy, kind="workshop", on=date(2026, 2, 1),
                                    hours=2)
    return {"call": call, "application": application, "screening": screening, "offer": offer,
            "socialreturn": activity, "building": building}


@pytest.mark.parametrize("model", MODELS)
def test_changelist_and_change_page_render(admin_client, rows, model):
    assert admin_client.get(reverse(f"admin:broedplaats_{model}_changelist")).status_code == 200
    url = reverse(f"admin:broedplaats_{model}_change", args=[rows[model].pk])
    assert admin_client.get(url).status_code == 200


@pytest.mark.parametrize("model", ["application", "screening", "offer", "socialreturn"])
def test_workflow_rows_cannot_be_added_in_the_admin(admin_client, rows, model):
    assert admin_client.get(reverse(f"admin:broedplaats_{model}_add")).status_code == 403


def test_call_with_a_space_of_another_building_is_a_form_error(admin_client, rows):
    foreign = SpaceFactory(code="X1")
    response = admin_client.post(reverse("admin:broedplaats_call_add"), {
        "building": rows["building"].pk, "title": "Fout", "text": "", "spaces": [foreign.pk],
        "opens_on": "2026-05-01", "closes_on": "2026-05-31", "allocation_method": "lottery",
    }, headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert "These spaces are not in" in str(response.context["adminform"].form.errors["spaces"])
    assert Call.objects.count() == 1
