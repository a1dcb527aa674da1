"""The audit history: a change through each service is stored with who, when and what; the
rows written by UPDATE are not left out; the erasure finds a creative's personal history."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from broedplaats.history import (
    PERSONAL_HISTORY_FIELDS,
    TRACKED_MODELS,
)
from broedplaats.models import (
    Application,
    Call,
    EndReason,
    Offer,
    OfferStatus,
    Screening,
    Space,
    Tenancy,
)
from broedplaats.roles import PROGRAMMER
from broedplaats.services import (
    application_withdraw,
    call_close,
    offer_accept,
    offer_decline,
    offer_withdraw,
    offers_expire,
    space_let_refresh,
    tenancy_cancel,
    tenancy_end,
    tenancy_renew,
)
from broedplaats.services.privacy import creative_erase
from chains.models import Creative, StageMove
from chains.services import creative_update, stage_move_record
from tests.factories import CreativeFactory, UserFactory, stage
from tests.worlds import offer_world, place_world, tenancy_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def latest(instance):
    return instance.history.order_by("-history_date", "-history_id").first()


def changed(record) -> dict:
    """{field: (old, new)} of a historical row against the one before it."""
    delta = record.diff_against(record.prev_record)
    return {change.field: (change.old, change.new) for change in delta.changes}


def test_every_tracked_model_keeps_a_history():
    assert {model.__name__ for model in TRACKED_MODELS} == {
        "Building", "Space", "Call", "Application", "Offer", "Screening", "Tenancy",
        "StageMove", "Creative", "Policy"}
    for model in TRACKED_MODELS:
        assert model.history.model._meta.db_table.startswith(model._meta.app_label)


# --- who, when and what, through each service ---------------------------------------------------

def test_a_call_keeps_who_created_published_and_closed_it_and_its_spaces(today):
    world = place_world(today)
    call, programmer = world["call"], world["programmer"]
    records = list(call.history.order_by("history_date", "history_id"))
    assert records[0].history_type == "+"
    assert {record.history_user for record in records} == {programmer}
    # the spaces set after the first save are in a version of their own
    assert {row.space_id for row in records[-1].spaces.all()} == {
        space.pk for space in world["spaces"]}
    call_close(call=call, on=today + timedelta(days=2), by=programmer)
    record = latest(call)
    assert record.history_user == programmer
    assert changed(record)["closes_on"] == (today + timedelta(days=30), today + timedelta(days=2))
    assert record.history_date is not None


def test_an_offer_accepted_names_the_creative_and_starts_a_tenancy_with_history(today):
    world = offer_world(today)
    offer, user = world["offer"], world["users"][0]
    assert latest(offer).history_user == world["programmer"]  # who made it
    offer_accept(offer=offer, on=today, by=user)
    record = latest(offer)
    assert record.history_user == user
    assert changed(record)["status"] == (OfferStatus.OPEN, OfferStatus.ACCEPTED)
    tenancy = Tenancy.objects.get(offer=offer)
    assert latest(tenancy).history_type == "+" and latest(tenancy).history_user == user
    application = latest(Application.objects.get(pk=offer.application_id))
    assert application.status == "accepted" and application.history_user == user


def test_a_declined_and_a_withdrawn_offer_keep_who_and_why(today):
    world = offer_world(today, applicants=2)
    offer_decline(offer=world["offer"], on=today, by=world["users"][0])
    assert latest(world["offer"]).history_user == world["users"][0]
    second = Offer.objects.create(application=world["applications"][1], space=world["spaces"][1],
                                  start=today + timedelta(days=14), offered_on=today,
                                  reply_by=today + timedelta(days=7))
    offer_withdraw(offer=second, by=world["programmer"], note="Space needs repairs")
    record = latest(second)
    assert (record.status, record.history_user, record.history_change_reason) == (
        OfferStatus.WITHDRAWN, world["programmer"], "Space needs repairs")


def test_withdrawing_an_application_records_its_open_offer_too(today):
    """The open offer was withdrawn with one UPDATE, out of the history; now row by row."""
    world = offer_world(today)
    user = world["users"][0]
    application_withdraw(application=world["applications"][0], by=user)
    record = latest(world["offer"])
    assert record.status == OfferStatus.WITHDRAWN
    assert record.history_user == user
    assert record.history_change_reason == "The application was withdrawn."


def test_the_nightly_expiry_records_no_user_and_the_reason(today):
    world = offer_world(today, reply_by=today)
    assert offers_expire(on=today + timedelta(days=1)) == 1
    record = latest(world["offer"])
    assert record.status == OfferStatus.EXPIRED
    assert record.history_user is None
    assert record.history_change_reason.startswith("Reply deadline")
    application = latest(world["applications"][0])
    assert application.status == "expired" and application.history_change_reason


def test_tenancy_end_renew_and_cancel_record_who(today):
    world = tenancy_world(today)
    tenancy, programmer = world["tenancy"], world["programmer"]
    tenancy_renew(tenancy=tenancy, on=today, by=programmer)
    assert latest(tenancy).history_user == programmer
    assert "planned_end" in changed(latest(tenancy))
    tenancy_end(tenancy=tenancy, on=today, reason=EndReason.TERM_ENDED, by=programmer)
    record = latest(tenancy)
    assert record.history_user == programmer
    assert changed(record)["actual_end"] == (None, today)
    coming = Tenancy.objects.create(space=world["spaces"][1], creative=CreativeFactory(),
                                    start=today + timedelta(days=10),
                                    planned_end=today + timedelta(days=400), monthly_rent=200)
    tenancy_cancel(tenancy=coming, on=today, reason="Changed plans", by=programmer)
    assert latest(coming).history_user == programmer
    assert latest(coming).cancel_reason == "Changed plans"


def test_a_screening_and_a_stage_move_record_who(today):
    world = offer_world(today, offered=False)
    screening = Screening.objects.filter(creative=world["creatives"][0]).get()
    assert latest(screening).history_type == "+"
    programmer = world["programmer"]
    move = stage_move_record(creative=world["creatives"][0], on=today, to_stage=stage("idea"),
                             by=programmer)
    assert latest(move).history_user == programmer


def test_a_change_in_a_request_names_the_logged_in_user(today):
    """Services without `by` (space_archive here) get the user from the request."""
    world = place_world(today)
    space = Space.objects.create(building=world["building"], code="X1", kind="studio",
                                 area_m2=20, monthly_rent=100)
    client = Client()
    client.force_login(world["programmer"])
    client.post(reverse("programmer-space-archive", args=[space.pk]))
    record = latest(space)
    assert record.archived is True
    assert record.history_user == world["programmer"]


def test_a_creative_update_outside_a_request_is_recorded_without_a_user():
    creative = CreativeFactory(name="Anna")
    creative_update(creative=creative, name="Anna de Klei")
    record = latest(creative)
    assert changed(record)["name"] == ("Anna", "Anna de Klei")
    assert record.history_user is None


def test_the_let_period_cache_is_not_history(today):
    world = tenancy_world(today)
    space = world["spaces"][0]
    before = space.history.count()
    space_let_refresh(spaces=[space], on=today)
    assert space.history.count() == before
    fields = {field.name for field in Space.history.model._meta.fields}
    assert not fields & {"let_from", "let_until", "let_known_on"}


# --- the erasure's map ----------------------------------------------------------------------------

def test_the_personal_fields_are_columns_of_their_historical_models():
    for entry in PERSONAL_HISTORY_FIELDS:
        names = {field.name for field in entry.model._meta.fields}
        assert set(entry.fields) <= names, entry.model
    assert {entry.model for entry in PERSONAL_HISTORY_FIELDS} >= {
        Creative.history.model, Application.history.model, Screening.history.model,
        StageMove.history.model, Tenancy.history.model}


def test_anonymising_blanks_one_creatives_history_and_leaves_others(today):
    world = offer_world(today, applicants=2)
    erased, kept = world["creatives"]
    creative_update(creative=erased, email="erased@example.org", bio="Ceramics since 2001")
    application = world["applications"][0]
    application.motivation = "I need a kiln"
    application.save()
    stage_move_record(creative=erased, on=today, to_stage=stage("idea"), note="Moved to idea")
    assert Creative.history.filter(id=erased.pk, email="erased@example.org").exists()
    erasure = creative_erase(creative=erased, by=None, at=timezone.now())
    assert erasure.counts["history: historicalcreative"] > 0
    assert not Creative.history.filter(id=erased.pk).exclude(email="").exists()
    assert not Creative.history.filter(id=erased.pk).exclude(name="").exists()
    assert not Application.history.filter(creative=erased).exclude(motivation="").exists()
    assert not StageMove.history.filter(creative=erased).exclude(note="").exists()
    assert Creative.history.filter(id=kept.pk).exclude(name="").exists()
    # the links stay: the figures still count the rows
    assert Application.history.filter(creative=erased).exists()


def test_no_page_or_api_route_writes_history():
    """History is written by saves only: no URL names a historical model or a revert."""
    from django.urls import get_resolver

    names = [name for name in get_resolver().reverse_dict if isinstance(name, str)]
    assert not [name for name in names if "revert" in name]
    assert not [name for name in names if name.startswith("historical")]


def test_a_programmer_user_is_recorded_by_name_on_a_call(today):
    programmer = UserFactory(roles=[PROGRAMMER], first_name="Piet", last_name="Klaassen")
    world = place_world(today)
    world["building"].programmers.add(programmer)
    call_close(call=Call.objects.get(pk=world["call"].pk), on=today + timedelta(days=1),
               by=programmer)
    assert latest(world["call"]).history_user.get_full_name() == "Piet Klaassen"
