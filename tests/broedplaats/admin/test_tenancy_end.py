"""The admin ends a tenancy only through tenancy_end, on the tenancy's end page."""

from datetime import date

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from broedplaats.models import EndReason, Tenancy
from broedplaats.services import tenancy_end
from chains.models import StageMove
from tests.factories import (
    BuildingFactory,
    PolicyFactory,
    SpaceFactory,
    StageMoveFactory,
    TenancyFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NEEDS_STAGE = "Choose the stage the creative moves on to."


@pytest.fixture(autouse=True)
def english(admin_client):
    """The services' messages are asserted in English; the site's default language is Dutch."""
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def tenancy():
    """A running tenancy, 2025-01-01 until 2026-01-01, in a city with a policy."""
    policy = PolicyFactory()
    space = SpaceFactory(building=BuildingFactory(city=policy.city))
    return TenancyFactory(space=space, start=date(2025, 1, 1), planned_end=date(2026, 1, 1))


def end_url(tenancy: Tenancy) -> str:
    return reverse("admin:broedplaats_tenancy_end", args=[tenancy.pk])


def change_url(tenancy: Tenancy) -> str:
    return reverse("admin:broedplaats_tenancy_change", args=[tenancy.pk])


def end_data(**fields) -> dict:
    return {"on": "2025-06-01", "reason": EndReason.OUTFLOW_TO_MARKET, "to_stage": "",
            "note": "", **fields}


def errors_of(response) -> list[str]:
    """Every error message on the end form, its fields' and its own."""
    assert response.status_code == 400
    return [message for errors in response.context["form"].errors.values() for message in errors]


def staff_client(*permissions: str) -> Client:
    user = UserFactory(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(
        content_type__app_label="broedplaats", codename__in=permissions))
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


# --- the change form does not end tenancies --------------------------------------------------

def test_end_fields_are_read_only_on_the_change_form(admin_client, tenancy):
    response = admin_client.get(change_url(tenancy))
    assert response.status_code == 200
    fields = response.context["adminform"].form.fields
    assert not {"actual_end", "end_reason", "ended_by", "ended_at"} & set(fields)


def test_posting_an_end_on_the_change_form_does_not_end_the_tenancy(admin_client, tenancy):
    data = {
        "space": tenancy.space_id, "creative": tenancy.creative_id, "start": "2025-01-01",
        "planned_end": "2026-01-01", "monthly_rent": str(tenancy.monthly_rent),
        "rent_exception_reason": "", "term_exception_reason": "",
        "actual_end": "2025-06-01", "end_reason": EndReason.OUTFLOW_TO_MARKET,
    }
    response = admin_client.post(change_url(tenancy), data)
    assert response.status_code == 302
    tenancy.refresh_from_db()
    assert tenancy.actual_end is None and tenancy.end_reason == "" and tenancy.ended_by is None
    assert not StageMove.objects.exists()


def test_posting_an_end_inline_under_the_space_does_not_end_the_tenancy(admin_client, tenancy):
    space = tenancy.space
    data = {
        "building": space.building_id, "code": space.code, "kind": space.kind,
        "area_m2": str(space.area_m2), "monthly_rent": str(space.monthly_rent),
        "rent_exception_reason": "", "description": "",
        "tenancies-TOTAL_FORMS": 1, "tenancies-INITIAL_FORMS": 1,
        "tenancies-MIN_NUM_FORMS": 0, "tenancies-MAX_NUM_FORMS": 1000,
        "tenancies-0-id": tenancy.pk, "tenancies-0-space": space.pk,
        "tenancies-0-creative": tenancy.creative_id, "tenancies-0-start": "2025-01-01",
        "tenancies-0-planned_end": "2026-01-01",
        "tenancies-0-monthly_rent": str(tenancy.monthly_rent),
        "tenancies-0-rent_exception_reason": "", "tenancies-0-term_exception_reason": "",
        "tenancies-0-actual_end": "2025-06-01", "tenancies-0-end_reason": EndReason.OTHER,
    }
    response = admin_client.post(reverse("admin:broedplaats_space_change", args=[space.pk]), data)
    assert response.status_code == 302
    tenancy.refresh_from_db()
    assert tenancy.actual_end is None and tenancy.end_reason == ""


def test_change_form_of_a_running_tenancy_links_to_its_end_page(admin_client, tenancy):
    assert end_url(tenancy) in admin_client.get(change_url(tenancy)).text


def test_change_form_of_an_ended_tenancy_has_no_end_link(admin_client, tenancy):
    tenancy_end(tenancy=tenancy, on=date(2025, 3, 1), reason=EndReason.OTHER)
    assert end_url(tenancy) not in admin_client.get(change_url(tenancy)).text


# --- the end page ----------------------------------------------------------------------------

def test_end_page_renders_with_today_as_the_end_date(
    admin_client, tenancy, today, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        response = admin_client.get(end_url(tenancy))
    assert response.status_code == 200
    assert response.context["form"]["on"].value() == today
    assert "End tenancy" in response.text


def test_ending_with_outflow_to_the_market_records_the_end_and_the_stage_move(
    admin_client, admin_user, tenancy
):
    response = admin_client.post(end_url(tenancy), end_data(note="Own studio in town"))
    assert response.status_code == 302 and response.url == change_url(tenancy)
    tenancy.refresh_from_db()
    assert tenancy.actual_end == date(2025, 6, 1)
    assert tenancy.end_reason == EndReason.OUTFLOW_TO_MARKET
    assert tenancy.ended_by == admin_user and tenancy.ended_at is not None
    move = StageMove.objects.get(creative=tenancy.creative)
    assert move.to_market and move.to_stage is None
    assert move.moved_on == date(2025, 6, 1) and move.building == tenancy.space.building
    assert move.note == "Own studio in town" and move.recorded_by == admin_user


def test_ending_says_so_and_is_in_the_history(admin_client, tenancy):
    response = admin_client.post(end_url(tenancy), end_data(), follow=True)
    assert f"The tenancy of {tenancy.creative} is ended." in response.text
    assert LogEntry.objects.get(object_id=str(tenancy.pk)).get_change_message() == (
        "Changed actual end, end reason, ended by and ended at."
    )


def test_ending_with_next_stage_records_the_move_into_that_stage(admin_client, tenancy, stages):
    making = stages[1]
    response = admin_client.post(end_url(tenancy), end_data(reason=EndReason.NEXT_STAGE,
                                                            to_stage=making.pk))
    assert response.status_code == 302
    move = StageMove.objects.get(creative=tenancy.creative)
    assert move.to_stage == making and not move.to_market


def test_next_stage_without_a_stage_is_refused_and_stores_nothing(admin_client, tenancy):
    response = admin_client.post(end_url(tenancy), end_data(reason=EndReason.NEXT_STAGE))
    assert response.context["form"].errors["to_stage"] == [NEEDS_STAGE]
    assert NEEDS_STAGE in response.text
    tenancy.refresh_from_db()
    assert tenancy.actual_end is None and tenancy.end_reason == ""
    assert not StageMove.objects.exists()


def test_ending_an_ended_tenancy_is_refused(admin_client, tenancy):
    tenancy_end(tenancy=tenancy, on=date(2025, 3, 1), reason=EndReason.OTHER)
    response = admin_client.post(end_url(tenancy), end_data())
    assert errors_of(response) == ["This tenancy has already ended on March 1, 2025."]
    tenancy.refresh_from_db()
    assert tenancy.actual_end == date(2025, 3, 1) and tenancy.end_reason == EndReason.OTHER
    assert not StageMove.objects.exists()


def test_end_before_the_start_is_refused(admin_client, tenancy):
    response = admin_client.post(end_url(tenancy), end_data(on="2024-12-01"))
    assert errors_of(response) == ["The end cannot be before the start (January 1, 2025)."]
    assert Tenancy.objects.get(pk=tenancy.pk).actual_end is None


def test_refused_stage_move_leaves_the_tenancy_running_and_shows_it_so(admin_client, tenancy):
    # The service sets the end on its copy before the stage move is refused; the page must show
    # the stored tenancy, not that copy.
    StageMoveFactory(creative=tenancy.creative, moved_on=date(2025, 7, 1))
    response = admin_client.post(end_url(tenancy), end_data())
    assert any("cannot be dated before it" in message for message in errors_of(response))
    assert response.context["original"].actual_end is None
    assert Tenancy.objects.get(pk=tenancy.pk).actual_end is None
    assert StageMove.objects.count() == 1


def test_unparsable_date_is_a_form_error(admin_client, tenancy):
    response = admin_client.post(end_url(tenancy), end_data(on="not a date"))
    assert response.context["form"].errors["on"]
    assert response.status_code == 400


def test_end_page_of_an_unknown_tenancy_is_not_found(admin_client, tenancy):
    url = reverse("admin:broedplaats_tenancy_end", args=[tenancy.pk + 1000])
    assert admin_client.get(url).status_code == 404
    assert admin_client.post(url, end_data()).status_code == 404


# --- who may end -----------------------------------------------------------------------------

def test_non_staff_user_is_sent_to_the_admin_login(tenancy):
    client = Client()
    client.force_login(UserFactory())
    response = client.post(end_url(tenancy), end_data())
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    assert Tenancy.objects.get(pk=tenancy.pk).actual_end is None


def test_staff_without_change_permission_is_forbidden(tenancy):
    client = staff_client("view_tenancy")
    assert client.get(end_url(tenancy)).status_code == 403
    assert client.post(end_url(tenancy), end_data()).status_code == 403
    assert Tenancy.objects.get(pk=tenancy.pk).actual_end is None


def test_staff_with_change_permission_may_end(tenancy):
    client = staff_client("view_tenancy", "change_tenancy")
    assert client.get(end_url(tenancy)).status_code == 200
    assert client.post(end_url(tenancy), end_data()).status_code == 302
    assert Tenancy.objects.get(pk=tenancy.pk).actual_end == date(2025, 6, 1)


def test_view_only_change_form_has_no_end_link(tenancy):
    response = staff_client("view_tenancy").get(change_url(tenancy))
    assert response.status_code == 200
    assert end_url(tenancy) not in response.text
