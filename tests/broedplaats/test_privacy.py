"""Privacy services and selectors: the export holds everything about a creative (and nothing
secret), erasure leaves none of their personal data in any table nor their files in storage
while the anonymous rows stay, and the retention period anonymises old unsuccessful
applications only."""

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import models
from django.test import Client
from django.utils import translation

from broedplaats.models import (
    ApiToken,
    ApplicantNote,
    Application,
    ApplicationEvent,
    Erasure,
    IdempotentRequest,
    Screening,
    SocialReturn,
    Tenancy,
)
from broedplaats.selectors.privacy import creative_export, creative_export_write
from broedplaats.services import (
    applicant_note_add,
    application_create,
    application_submit,
    application_transition,
    applications_past_retention,
    creative_erase,
    retention_apply,
)
from chains.models import Creative, PortfolioImage, StageMove
from tests.factories import BuildingFactory, CreativeFactory, UserFactory
from tests.worlds import ABOUT, PERSONAL, privacy_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

AT = datetime(2026, 3, 1, 12, tzinfo=UTC)


@pytest.fixture
def world(today):
    return privacy_world(today)


def text_columns():
    """Every text column of every model: (model, field name)."""
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField | models.JSONField):
                yield model, field.name


def rows_holding(needle: str) -> list[str]:
    """Where a string is still stored: 'model.field' for each text column holding it."""
    found = []
    for model, name in text_columns():
        rows = model._default_manager
        if isinstance(model._meta.get_field(name), models.JSONField):
            # Searched as the text it is stored as, the same on SQLite and PostgreSQL.
            held = any(needle.lower() in json.dumps(value, ensure_ascii=False).lower()
                       for value in rows.values_list(name, flat=True))
        else:
            held = rows.filter(**{f"{name}__icontains": needle}).exists()
        if held:
            found.append(f"{model._meta.label}.{name}")
    return found


# --- export ------------------------------------------------------------------------------------

def test_export_holds_everything_about_the_creative(world):
    data = json.loads(json.dumps(creative_export(creative=world["creative"], at=AT),
                                 default=str))
    profile = data["profile"]
    for key in ("name", "email", "phone", "kvk_number", "website", "bio"):
        assert profile[key] == PERSONAL[key]
    assert data["account"]["username"] == PERSONAL["username"]
    assert data["account"]["date_joined"]
    assert [row["caption"] for row in data["portfolio"]] == [ABOUT["caption"], ""]
    applied, declined = data["applications"]
    assert applied["motivation"] == ABOUT["motivation"]
    assert applied["programmers_notes"][0]["text"] == ABOUT["note"]
    assert applied["portfolio_selection"] == [world["images"][0].pk]
    assert [change["to_status"] for change in applied["status_changes"]][:2] == [
        "submitted", "eligible"] or applied["status_changes"]
    assert declined["status"] == "withdrawn"
    assert declined["status_changes"][-1]["note"] == ABOUT["note"]
    assert data["offers"][0]["status"] == "accepted"
    assert data["screenings"][0]["eligible"] is True
    assert data["tenancies"][0]["social_return"][0]["description"] == ABOUT["social"]
    assert [move["note"] for move in data["stage_moves"]] == ["", ABOUT["move"]]
    assert data["api_tokens"][0]["name"] == "Fenna's script"


def test_export_never_holds_a_token_hash_nor_a_password(world):
    text = json.dumps(creative_export(creative=world["creative"], at=AT), default=str)
    assert world["token"].key_hash not in text
    assert world["user"].password not in text
    assert "key_hash" not in text and "password" not in text


def test_export_zip_has_data_json_and_the_portfolio_originals(world):
    out = io.BytesIO()
    creative_export_write(creative=world["creative"], at=AT, out=out)
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        data = json.loads(archive.read("data.json"))
        assert data["profile"]["name"] == PERSONAL["name"]
        files = [row["file"] for row in data["portfolio"]]
        assert sorted(names) == sorted(["data.json", *files])
        with default_storage.open(world["images"][0].image.name) as original:
            assert archive.read(files[0]) == original.read()


def test_export_query_count_does_not_grow_with_rows(world, today,
                                                   django_assert_max_num_queries):
    """17 queries for a creative with one of everything, and as many with many more."""
    with django_assert_max_num_queries(17):
        creative_export_write(creative=world["creative"], at=AT, out=io.BytesIO())
    creative = world["creative"]
    for _n in range(6):
        draft = application_create(creative=creative, building=BuildingFactory(), on=today,
                                   motivation="meer")
        applicant_note_add(application=draft, text="nog een", by=world["place"]["programmer"])
        application_submit(application=draft, on=today)
    with django_assert_max_num_queries(17):
        creative_export_write(creative=creative, at=AT, out=io.BytesIO())


# --- erasure -----------------------------------------------------------------------------------

def erased(world, **kwargs) -> Erasure:
    return creative_erase(creative=world["creative"], by=kwargs.pop("by", world["user"]),
                          at=AT, **kwargs)


def test_erasure_leaves_no_personal_string_in_any_table(world):
    LogEntry.objects.create(
        user=UserFactory(is_staff=True), content_type=ContentType.objects.get_for_model(Creative),
        object_id=str(world["creative"].pk), object_repr=PERSONAL["name"], action_flag=CHANGE,
        change_message=f'[{{"changed": {{"fields": ["{PERSONAL["name"]}"]}}}}]')
    # The answer kept for an application sent with an Idempotency-Key names the creative.
    IdempotentRequest.objects.create(
        user=world["user"], key="apply-1", fingerprint="f" * 64, status=201, created_at=AT,
        body={"id": 1, "creative": {"name": PERSONAL["name"]}, "motivation": ABOUT["motivation"]})
    before = {key: rows_holding(value) for key, value in {**PERSONAL, **ABOUT}.items()}
    assert before["name"] and before["motivation"] and before["note"]  # the scan finds them
    erased(world)
    for needle in [*PERSONAL.values(), *ABOUT.values(), "Zwartkruis"]:
        assert rows_holding(needle) == [], needle


def test_erasure_deletes_the_portfolio_files_from_storage(world, django_capture_on_commit_callbacks):
    names = [getattr(image, field).name for image in world["images"]
             for field in ("image", "thumb_400", "thumb_1200")]
    assert all(default_storage.exists(name) for name in names)
    with django_capture_on_commit_callbacks(execute=True):
        erased(world)
    assert not PortfolioImage.objects.filter(creative=world["creative"]).exists()
    assert not any(default_storage.exists(name) for name in names)


def test_erasure_closes_the_account(world):
    client = Client()
    client.force_login(world["user"])
    erased(world)
    user = get_user_model().objects.get(pk=world["user"].pk)
    assert not user.is_active and not user.has_usable_password()
    assert user.username == f"erased-user-{user.pk}" and user.email == ""
    assert not user.groups.exists()
    assert not ApiToken.objects.filter(user=user).exists()
    assert client.get("/api/me/profile/").status_code in (401, 403)  # the session is gone
    response = Client().post("/accounts/login/", {"username": PERSONAL["username"],
                                                  "password": "pass-word-123"})
    assert response.status_code == 200 and "_auth_user_id" not in response.wsgi_request.session


def test_erasure_keeps_the_rows_the_figures_count(world):
    creative = world["creative"]
    counted = {model: model.objects.filter(**lookup).count() for model, lookup in [
        (Application, {"creative": creative}), (Tenancy, {"creative": creative}),
        (StageMove, {"creative": creative}), (Screening, {"creative": creative}),
        (ApplicationEvent, {"application__creative": creative}),
        (SocialReturn, {"tenancy__creative": creative})]}
    tenancy = Tenancy.objects.get(pk=world["tenancy"].pk)
    erased(world)
    assert counted == {model: model.objects.filter(**lookup).count() for model, lookup in [
        (Application, {"creative": creative}), (Tenancy, {"creative": creative}),
        (StageMove, {"creative": creative}), (Screening, {"creative": creative}),
        (ApplicationEvent, {"application__creative": creative}),
        (SocialReturn, {"tenancy__creative": creative})]}
    after = Tenancy.objects.get(pk=tenancy.pk)
    assert (after.start, after.planned_end, after.monthly_rent, after.end_reason) == (
        tenancy.start, tenancy.planned_end, tenancy.monthly_rent, tenancy.end_reason)
    assert after.rent_exception_reason  # still counted as an exception, its text gone
    creative.refresh_from_db()
    assert creative.discipline_id == world["creative"].discipline_id and creative.archived
    screening = Screening.objects.get(creative=creative)
    assert screening.eligible and screening.professional_practice
    assert not ApplicantNote.objects.filter(application__creative=creative).exists()


def test_erasure_is_recorded_once_and_repeating_it_is_harmless(world):
    admin = UserFactory(is_staff=True, is_superuser=True)
    first = erased(world, by=admin, requested="admin")
    second = creative_erase(creative=world["creative"], by=None, at=AT + timedelta(days=1))
    assert first == second and Erasure.objects.count() == 1
    assert (second.by, second.at, second.requested) == (admin, AT, "admin")
    assert second.counts["applications"] == 2 and second.counts["portfolio images"] == 2
    assert PERSONAL["name"] not in json.dumps(second.counts)


def test_erasure_of_a_creative_without_account(today):
    creative = CreativeFactory(name="Zonder Account", phone="0201234567")
    creative_erase(creative=creative, by=None, at=AT)
    creative.refresh_from_db()
    assert creative.name == f"erased-{creative.pk}" and creative.phone == ""


def test_a_staff_account_is_not_erased_as_a_creative(world):
    world["user"].is_staff = True
    world["user"].save()
    with pytest.raises(ValidationError):
        erased(world)
    assert Creative.objects.get(pk=world["creative"].pk).name == PERSONAL["name"]


def test_erasure_removes_the_log_in_records_of_the_user_name(world):
    from axes.models import AccessAttempt, AccessLog

    AccessAttempt.objects.create(username=PERSONAL["username"], ip_address="10.0.0.1",
                                 user_agent="x", failures_since_start=1, get_data="",
                                 post_data="", http_accept="", path_info="/")
    AccessLog.objects.create(username=PERSONAL["username"], ip_address="10.0.0.1",
                             user_agent="x", http_accept="", path_info="/")
    AccessLog.objects.create(username="someone-else", ip_address="10.0.0.2", user_agent="x",
                             http_accept="", path_info="/")
    erased(world)
    assert not AccessAttempt.objects.filter(username=PERSONAL["username"]).exists()
    assert list(AccessLog.objects.values_list("username", flat=True)) == ["someone-else"]


# --- retention ---------------------------------------------------------------------------------

def _age(application: Application, days: int) -> None:
    """Date an application's events and times `days` before now."""
    from django.utils import timezone

    then = timezone.now() - timedelta(days=days)
    ApplicationEvent.objects.filter(application=application).update(at=then)
    Application.objects.filter(pk=application.pk).update(created_at=then, submitted_at=then)


def test_retention_anonymises_old_unsuccessful_applications_only(world, today):
    city = world["place"]["building"].city
    city.application_retention_months = 6
    city.save()
    declined = world["declined"]
    recent = application_create(creative=CreativeFactory(), building=BuildingFactory(city=city),
                                on=today, motivation="recent")
    application_submit(application=recent, on=today)
    application_transition(application=recent, to="withdrawn", notify=False)
    for application in (declined, world["application"]):
        _age(application, 200)
    assert list(applications_past_retention(city=city, on=today)) == [declined]
    assert retention_apply(on=today, at=AT) == {city.slug: 1}
    declined.refresh_from_db()
    assert declined.motivation == "" and declined.anonymised_at == AT
    assert declined.status == "withdrawn" and declined.submitted_at is not None
    assert not ApplicationEvent.objects.filter(application=declined).exclude(note="").exists()
    # Its audit history held the motivation too: blanked in place, the versions kept.
    versions = Application.history.filter(id=declined.pk)
    assert versions.exists()
    assert not versions.exclude(motivation="").exists()
    assert not versions.exclude(history_change_reason=None).exists()
    assert Application.history.filter(id=world["application"].pk,
                                      motivation=ABOUT["motivation"]).exists()
    # The accepted one (a tenancy's) and the recent one keep their content.
    assert Application.objects.get(pk=world["application"].pk).motivation == ABOUT["motivation"]
    assert Application.objects.get(pk=recent.pk).motivation == "recent"
    # Again: nothing left to do.
    assert retention_apply(on=today, at=AT) == {city.slug: 0}


def test_retention_follows_each_citys_period(world, today):
    city = world["place"]["building"].city
    _age(world["declined"], 200)
    city.application_retention_months = 12
    city.save()
    assert retention_apply(on=today, at=AT)[city.slug] == 0
    city.application_retention_months = 3
    city.save()
    assert retention_apply(on=today, at=AT)[city.slug] == 1


def test_retention_command_reports_counts(world, today):
    _age(world["declined"], 800)
    out = io.StringIO()
    call_command("anonymise_old_applications", stdout=out)
    city = world["place"]["building"].city
    assert f"{city.slug}: 1" in out.getvalue()
    assert Application.objects.get(pk=world["declined"].pk).motivation == ""


def test_retention_command_twice_anonymises_each_application_once(world, today):
    _age(world["declined"], 800)
    first, second = io.StringIO(), io.StringIO()
    with translation.override("en"):
        call_command("anonymise_old_applications", stdout=first)
        call_command("anonymise_old_applications", stdout=second)
    assert first.getvalue().endswith("Anonymised 1 applications.\n")
    assert second.getvalue().endswith("Anonymised 0 applications.\n")


def test_screening_keeps_only_outcome_and_reasons():
    """Nothing but the outcome, its reasons, dates and who decided: no income, no documents."""
    fields = {field.name for field in Screening._meta.concrete_fields}
    assert fields == {"id", "creative", "city", "policy", "professional_practice",
                      "income_within_limit", "eligible", "reasons", "decided_on",
                      "valid_until", "decided_by", "recorded_at"}
