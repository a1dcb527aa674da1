"""Mails to creatives go out after the commit, and only then."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from broedplaats.notifications import send_reminders
from broedplaats.services import (
    application_create,
    application_submit,
    application_transition,
    call_create,
    call_publish,
    offer_make,
    screening_record,
    tenancy_create,
)
from tests.factories import BuildingFactory, CreativeFactory, PolicyFactory, SpaceFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 2)


@pytest.fixture
def call():
    policy = PolicyFactory()
    building = BuildingFactory(city=policy.city, name="De Gieterij")
    call = call_create(building=building, title="Ateliers voorjaar",
                       spaces=[SpaceFactory(building=building, code="A1")],
                       opens_on=date(2026, 3, 1), closes_on=date(2026, 3, 31))
    return call_publish(call=call, on=TODAY)


def _application(call, email="anna@example.org"):
    return application_create(creative=CreativeFactory(name="Anna", email=email), call=call,
                              on=TODAY)


def test_submitting_mails_a_receipt_after_commit(call, mailoutbox,
                                                 django_capture_on_commit_callbacks):
    application = _application(call)
    with django_capture_on_commit_callbacks(execute=True):
        application_submit(application=application, on=TODAY)
    (mail,) = mailoutbox
    assert mail.to == ["anna@example.org"]
    assert "Ateliers voorjaar" in mail.subject


def test_a_refused_transition_sends_nothing(call, mailoutbox,
                                            django_capture_on_commit_callbacks):
    application = _application(call)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        application_transition(application=application, to="accepted")
    assert mailoutbox == []


def test_a_rolled_back_write_sends_nothing(call, mailoutbox,
                                           django_capture_on_commit_callbacks):
    application = _application(call)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                application_submit(application=application, on=TODAY)
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
    assert (callbacks, mailoutbox) == ([], [])


def test_an_offer_mails_the_space_and_deadline(call, mailoutbox,
                                               django_capture_on_commit_callbacks):
    application = _application(call)
    application_submit(application=application, on=TODAY)
    screening_record(creative=application.creative, city=call.building.city, on=TODAY,
                     professional_practice=True, income_within_limit=True)
    application.refresh_from_db()
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        offer_make(application=application, space=call.spaces.get(), start=date(2026, 4, 1),
                   reply_by=date(2026, 3, 16), on=TODAY)
    (mail,) = mailoutbox
    assert "A1" in mail.subject and "16 maart 2026" in mail.body


def test_a_creative_without_an_address_gets_no_mail(call, mailoutbox,
                                                    django_capture_on_commit_callbacks):
    application = _application(call, email="")
    with django_capture_on_commit_callbacks(execute=True):
        application_submit(application=application, on=TODAY)
    assert mailoutbox == []


def test_reminders_for_offers_expiring_and_tenancies_ending(call, mailoutbox,
                                                           django_capture_on_commit_callbacks):
    space = SpaceFactory(building=call.building)
    tenancy_create(space=space, creative=CreativeFactory(email="bo@example.org"),
                   start=date(2025, 6, 1), planned_end=date(2026, 5, 31))
    application = _application(call)
    application_submit(application=application, on=TODAY)
    screening_record(creative=application.creative, city=call.building.city, on=TODAY,
                     professional_practice=True, income_within_limit=True)
    application.refresh_from_db()
    offer_make(application=application, space=call.spaces.get(), start=date(2026, 4, 1),
               reply_by=date(2026, 3, 4), on=TODAY)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sent = send_reminders(on=date(2026, 3, 2))
    assert sent == {"offers": 1, "tenancies": 1}
    assert sorted(mail.to[0] for mail in mailoutbox) == ["anna@example.org", "bo@example.org"]
    with django_capture_on_commit_callbacks(execute=True):
        assert send_reminders(on=date(2026, 3, 3)) == {"offers": 0, "tenancies": 0}


def test_muted_block_sends_nothing(call, mailoutbox, django_capture_on_commit_callbacks):
    from broedplaats.notifications import muted

    application = _application(call)
    with django_capture_on_commit_callbacks(execute=True), muted():
        application_submit(application=application, on=TODAY)
    assert mailoutbox == []
