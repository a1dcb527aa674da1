"""The admin of the place side: every page renders, and saves obey the services' rules."""

import threading
import time
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from broedplaats.models import Building, Policy, Space, SpaceKind, Tenancy
from broedplaats.services import space_photo_add
from tests.factories import (
    BuildingFactory,
    ChainFactory,
    CityFactory,
    CreativeFactory,
    PolicyFactory,
    SpaceFactory,
    TenancyFactory,
    facility,
)
from tests.images import image_bytes, upload

pytestmark = pytest.mark.django_db

OVERLAP = "This space already has a tenancy in this period."


@pytest.fixture(autouse=True)
def english(admin_client):
    """The services' messages are asserted in English; the site's default language is Dutch."""
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def space():
    """A 40 m² studio at €250 a month in a city whose policy caps studios at €90/m²/yr."""
    policy = PolicyFactory()
    return SpaceFactory(building=BuildingFactory(city=policy.city))


@pytest.fixture
def tenancy(space):
    return TenancyFactory(space=space, start=date(2025, 1, 1), planned_end=date(2026, 1, 1))


def errors_of(response) -> list[str]:
    """Every error message on an admin form page: the form's and its inlines'."""
    assert response.status_code == 200
    messages = [m for errors in response.context["adminform"].form.errors.values() for m in errors]
    for inline in response.context["inline_admin_formsets"]:
        messages += inline.formset.non_form_errors()
        for form_errors in inline.formset.errors:
            messages += [m for errors in form_errors.values() for m in errors]
    return messages


def tenancy_data(space, creative, **fields) -> dict:
    return {
        "space": space.pk, "creative": creative.pk, "start": "2025-01-01",
        "planned_end": "2026-01-01", "monthly_rent": "250.00", "rent_exception_reason": "",
        "term_exception_reason": "", "actual_end": "", "end_reason": "", **fields,
    }


def space_data(space, rows=(), existing=()) -> dict:
    """The space's change form with its tenancy inline: `existing` rows first, then new `rows`."""
    data = {
        "building": space.building_id, "code": space.code, "kind": space.kind,
        "area_m2": str(space.area_m2), "monthly_rent": str(space.monthly_rent),
        "rent_exception_reason": "", "description": "",
        "tenancies-TOTAL_FORMS": len(existing) + len(rows),
        "tenancies-INITIAL_FORMS": len(existing),
        "tenancies-MIN_NUM_FORMS": 0, "tenancies-MAX_NUM_FORMS": 1000,
    }
    for index, row in enumerate([*existing, *rows]):
        row = {"id": "", "space": space.pk, "actual_end": "", "end_reason": "",
               "rent_exception_reason": "", "term_exception_reason": "", **row}
        data.update({f"tenancies-{index}-{name}": value for name, value in row.items()})
    return data


def inline_row(tenancy: Tenancy) -> dict:
    return {"id": tenancy.pk, "creative": tenancy.creative_id, "start": tenancy.start.isoformat(),
            "planned_end": tenancy.planned_end.isoformat(), "monthly_rent": str(tenancy.monthly_rent)}


def new_row(creative, start="2025-01-01", planned_end="2026-01-01", rent="250.00") -> dict:
    return {"creative": creative.pk, "start": start, "planned_end": planned_end, "monthly_rent": rent}


# --- every page renders ----------------------------------------------------------------------

MODELS = ["city", "policy", "building", "facility", "space", "tenancy"]


@pytest.fixture
def rows(tenancy):
    """One row of every model, linked together."""
    tenancy.space.facilities.set([facility("kiln")])
    tenancy.space.building.chain_focus.set([ChainFactory()])
    return {"city": tenancy.space.building.city, "policy": Policy.objects.get(),
            "building": tenancy.space.building, "facility": facility("kiln"),
            "space": tenancy.space, "tenancy": tenancy}


@pytest.mark.parametrize("model", MODELS)
def test_changelist_renders(admin_client, rows, model):
    assert admin_client.get(reverse(f"admin:broedplaats_{model}_changelist")).status_code == 200


@pytest.mark.parametrize("model", MODELS)
def test_add_page_renders(admin_client, rows, model):
    assert admin_client.get(reverse(f"admin:broedplaats_{model}_add")).status_code == 200


@pytest.mark.parametrize("model", MODELS)
def test_change_page_renders(admin_client, rows, model):
    url = reverse(f"admin:broedplaats_{model}_change", args=[rows[model].pk])
    assert admin_client.get(url).status_code == 200


def test_space_changelist_shows_money_and_area_readably(admin_client, space):
    response = admin_client.get(reverse("admin:broedplaats_space_changelist"))
    assert "€250.00" in response.text and "40.00 m²" in response.text and "€75.00" in response.text


@pytest.mark.parametrize(("model", "make", "bound"), [
    (Space, lambda: SpaceFactory(facilities=[facility("kiln")]), 9),
    (Tenancy, TenancyFactory, 9),
    (Building, lambda: BuildingFactory(chains=[ChainFactory()]), 9),
], ids=["space", "tenancy", "building"])
def test_changelist_query_count_does_not_grow_with_rows(
    admin_client, django_assert_max_num_queries, model, make, bound
):
    url = reverse(f"admin:broedplaats_{model._meta.model_name}_changelist")
    for size in (3, 30):
        while model.objects.count() < size:
            make()
        with django_assert_max_num_queries(bound):
            assert admin_client.get(url).status_code == 200


# --- tenancies on their own page -------------------------------------------------------------

def test_overlapping_tenancy_is_refused_on_its_page(admin_client, tenancy):
    data = tenancy_data(tenancy.space, CreativeFactory(), start="2025-12-01",
                        planned_end="2026-06-01")
    response = admin_client.post(reverse("admin:broedplaats_tenancy_add"), data)
    assert OVERLAP in errors_of(response)
    assert Tenancy.objects.count() == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_overlapping_tenancies_give_one_save_and_one_form_error(admin_user, space):
    """Both requests wait for the space; the second then sees the first's tenancy in its check.

    The space is locked in the form's clean, not only in the save: were it locked only in the
    save, both checks would pass and the second save would fail past the form (a 500).
    """
    url = reverse("admin:broedplaats_tenancy_add")
    clients, responses = [], []
    for _ in range(2):
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(admin_user)
        clients.append((client, tenancy_data(space, CreativeFactory())))

    def post(client, data):
        try:
            responses.append(client.post(url, data))
        except Exception as error:  # a 500: what the test must rule out
            responses.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=pair) for pair in clients]
    with transaction.atomic():
        Space.objects.select_for_update().get(pk=space.pk)
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and waiting_on_locks() < 2:
            time.sleep(0.05)
    for thread in threads:
        thread.join(timeout=20)

    assert sorted(getattr(response, "status_code", 500) for response in responses) == [200, 302]
    [refused] = [response for response in responses if response.status_code == 200]
    assert OVERLAP in errors_of(refused)
    assert Tenancy.objects.count() == 1


def waiting_on_locks() -> int:
    with connection.cursor() as cursor:
        # Activity is read from a snapshot that lasts the transaction: drop it to see it anew.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                       "AND datname = current_database()")
        return cursor.fetchone()[0]


def test_rent_above_cap_is_refused_naming_the_cap(admin_client, space):
    data = tenancy_data(space, CreativeFactory(), monthly_rent="400.00")
    response = admin_client.post(reverse("admin:broedplaats_tenancy_add"), data)
    [message] = errors_of(response)
    assert "€120.00" in message and "cap of €90.00" in message
    assert not Tenancy.objects.exists()


def test_rent_above_cap_with_exception_reason_is_saved(admin_client, space):
    data = tenancy_data(space, CreativeFactory(), monthly_rent="400.00",
                        rent_exception_reason="Includes kiln use")
    response = admin_client.post(reverse("admin:broedplaats_tenancy_add"), data)
    assert response.status_code == 302
    assert Tenancy.objects.get().monthly_rent == Decimal("400.00")


def test_term_longer_than_policy_is_refused(admin_client, space):
    data = tenancy_data(space, CreativeFactory(), planned_end="2027-01-02")
    response = admin_client.post(reverse("admin:broedplaats_tenancy_add"), data)
    assert any("24 months" in message for message in errors_of(response))
    assert not Tenancy.objects.exists()


def test_creative_holding_the_most_tenancies_allowed_is_refused(admin_client, tenancy):
    other_space = SpaceFactory(building=tenancy.space.building)
    data = tenancy_data(other_space, tenancy.creative, start="2025-06-01",
                        planned_end="2026-06-01")
    response = admin_client.post(reverse("admin:broedplaats_tenancy_add"), data)
    assert any("the policy allows 1 at a time" in message for message in errors_of(response))
    assert Tenancy.objects.count() == 1


def test_admin_records_who_let_the_space(admin_client, admin_user, space):
    admin_client.post(reverse("admin:broedplaats_tenancy_add"),
                      tenancy_data(space, CreativeFactory()))
    assert Tenancy.objects.get().created_by == admin_user


def test_tenancies_cannot_be_deleted(admin_client, tenancy):
    response = admin_client.post(reverse("admin:broedplaats_tenancy_delete", args=[tenancy.pk]),
                                 {"post": "yes"})
    assert response.status_code == 403
    assert Tenancy.objects.filter(pk=tenancy.pk).exists()


# --- tenancies inline under their space ------------------------------------------------------

def test_overlapping_tenancy_is_refused_inline(admin_client, tenancy):
    data = space_data(tenancy.space, existing=[inline_row(tenancy)],
                      rows=[new_row(CreativeFactory(), "2025-12-01", "2026-06-01")])
    response = admin_client.post(
        reverse("admin:broedplaats_space_change", args=[tenancy.space.pk]), data
    )
    assert OVERLAP in errors_of(response)
    assert Tenancy.objects.count() == 1


def test_new_inline_tenancies_overlapping_each_other_are_refused(admin_client, space):
    data = space_data(space, rows=[new_row(CreativeFactory(), "2025-01-01", "2026-01-01"),
                                   new_row(CreativeFactory(), "2025-12-01", "2026-06-01")])
    response = admin_client.post(reverse("admin:broedplaats_space_change", args=[space.pk]), data)
    assert errors_of(response) == [OVERLAP]
    assert not Tenancy.objects.exists()


def test_inline_tenancies_following_each_other_are_saved_with_their_creator(
    admin_client, admin_user, space
):
    data = space_data(space, rows=[new_row(CreativeFactory(), "2025-01-01", "2026-01-01"),
                                   new_row(CreativeFactory(), "2026-01-01", "2027-01-01")])
    response = admin_client.post(reverse("admin:broedplaats_space_change", args=[space.pk]), data)
    assert response.status_code == 302
    assert list(Tenancy.objects.values_list("created_by", flat=True)) == [admin_user.pk] * 2


def test_inline_rent_above_cap_is_refused_naming_the_cap(admin_client, space):
    data = space_data(space, rows=[new_row(CreativeFactory(), rent="400.00")])
    response = admin_client.post(reverse("admin:broedplaats_space_change", args=[space.pk]), data)
    assert any("cap of €90.00" in message for message in errors_of(response))
    assert not Tenancy.objects.exists()


def test_unchanged_inline_tenancy_is_not_judged_again(admin_client, space):
    # Let above the cap before the rule was enforced; editing the space must still work.
    old = TenancyFactory(space=space, monthly_rent=Decimal("400.00"))
    data = space_data(space, existing=[inline_row(old)])
    data["description"] = "North light"
    response = admin_client.post(reverse("admin:broedplaats_space_change", args=[space.pk]), data)
    assert response.status_code == 302
    space.refresh_from_db()
    assert space.description == "North light"


def test_tenancy_inline_is_not_offered_before_the_space_exists(admin_client, space):
    response = admin_client.get(reverse("admin:broedplaats_space_add"))
    assert response.context["inline_admin_formsets"] == []


# --- spaces, buildings, policies -------------------------------------------------------------

def test_space_rent_above_cap_is_refused(admin_client, space):
    data = space_data(space)
    data["monthly_rent"] = "400.00"
    response = admin_client.post(reverse("admin:broedplaats_space_change", args=[space.pk]), data)
    assert any("cap of €90.00" in message for message in errors_of(response))
    space.refresh_from_db()
    assert space.monthly_rent == Decimal("250.00")


def test_space_rent_above_cap_inline_under_its_building_is_refused(admin_client, space):
    building = space.building
    data = {
        "city": building.city_id, "name": building.name, "slug": building.slug,
        "address": building.address, "postcode": building.postcode,
        "operator_name": building.operator_name, "operator_kind": building.operator_kind,
        "cluster_type": building.cluster_type,
        "spaces-TOTAL_FORMS": 1, "spaces-INITIAL_FORMS": 0,
        "spaces-MIN_NUM_FORMS": 0, "spaces-MAX_NUM_FORMS": 1000,
        "spaces-0-building": building.pk, "spaces-0-code": "B1", "spaces-0-kind": SpaceKind.STUDIO,
        "spaces-0-area_m2": "10", "spaces-0-monthly_rent": "100.00",
    }
    response = admin_client.post(reverse("admin:broedplaats_building_change", args=[building.pk]),
                                 data)
    assert any("cap of €90.00" in message for message in errors_of(response))
    assert not Space.objects.filter(code="B1").exists()


def test_building_postcode_is_normalised(admin_client):
    city = CityFactory()
    data = {
        "city": city.pk, "name": "De Werf", "slug": "de-werf", "address": "Werfstraat 1",
        "postcode": "1012ab", "operator_name": "Stichting", "operator_kind": "foundation",
        "cluster_type": "mixed",
        "spaces-TOTAL_FORMS": 0, "spaces-INITIAL_FORMS": 0,
        "spaces-MIN_NUM_FORMS": 0, "spaces-MAX_NUM_FORMS": 1000,
    }
    response = admin_client.post(reverse("admin:broedplaats_building_add"), data)
    assert response.status_code == 302
    assert Building.objects.get(slug="de-werf").postcode == "1012 AB"


def test_overlapping_policy_is_refused(admin_client, space):
    city = space.building.city
    data = {
        "city": city.pk, "valid_from": "2024-01-01", "valid_to": "", "income_limit": "40000",
        "screening_validity_months": 12, "live_work_retest_years": 5,
        "required_screened_share": "100", "standard_term_months": 24, "max_renewals": 0,
        "max_tenancies_per_creative": 1, "source": "",
        "rent_caps-TOTAL_FORMS": 0, "rent_caps-INITIAL_FORMS": 0,
        "rent_caps-MIN_NUM_FORMS": 0, "rent_caps-MAX_NUM_FORMS": 1000,
    }
    response = admin_client.post(reverse("admin:broedplaats_policy_add"), data)
    assert errors_of(response) == ["Another policy of this city covers part of this period."]
    assert Policy.objects.count() == 1


# --- deleting and archiving ------------------------------------------------------------------

def test_deleting_a_building_with_tenancies_shows_the_protected_page(admin_client, tenancy):
    building = tenancy.space.building
    response = admin_client.post(reverse("admin:broedplaats_building_delete", args=[building.pk]),
                                 {"post": "yes"})
    assert response.status_code == 200
    assert "would require deleting the following protected related objects" in response.text
    assert Building.objects.filter(pk=building.pk).exists()


def test_deleting_a_space_with_tenancies_shows_the_protected_page(admin_client, tenancy):
    response = admin_client.post(
        reverse("admin:broedplaats_space_delete", args=[tenancy.space_id]), {"post": "yes"}
    )
    assert response.status_code == 200
    assert "would require deleting the following protected related objects" in response.text
    assert Space.objects.filter(pk=tenancy.space_id).exists()


def test_archive_action_archives_buildings(admin_client, space):
    response = admin_client.post(reverse("admin:broedplaats_building_changelist"), {
        "action": "archive_buildings", "_selected_action": [space.building_id],
    })
    assert response.status_code == 302
    space.building.refresh_from_db()
    assert space.building.archived


def test_archive_action_archives_spaces(admin_client, space):
    response = admin_client.post(reverse("admin:broedplaats_space_changelist"), {
        "action": "archive_spaces", "_selected_action": [space.pk],
    })
    assert response.status_code == 302
    space.refresh_from_db()
    assert space.archived


def test_archive_action_refuses_a_let_space_and_says_why(admin_client, space, today):
    TenancyFactory(space=space, start=today, planned_end=date(today.year + 2, 1, 1))
    free = SpaceFactory(building=space.building)
    response = admin_client.post(reverse("admin:broedplaats_space_changelist"), {
        "action": "archive_spaces", "_selected_action": [space.pk, free.pk],
    }, follow=True)
    shown = [str(message) for message in response.context["messages"]]
    assert any("This space is let" in message for message in shown)
    assert "1 row archived." in shown
    assert not Space.objects.get(pk=space.pk).archived
    assert Space.objects.get(pk=free.pk).archived


def test_space_change_page_shows_its_photos_read_only(admin_client, space, media):
    photo = space_photo_add(space=space, file=upload(image_bytes()), caption="Raam")
    response = admin_client.get(reverse("admin:broedplaats_space_change", args=[space.pk]))
    assert response.status_code == 200
    assert photo.thumb_400.url in response.content.decode()
