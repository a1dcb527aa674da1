"""Pages offer only the actions the current state allows, and the actions that were missing:
withdrawing an offer, cancelling a tenancy before it starts, closing a call now."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from broedplaats import limits
from broedplaats.models import (
    ApplicantNote,
    ApplicationEvent,
    ApplicationStatus,
    EndReason,
    Offer,
    OfferStatus,
    Tenancy,
)
from broedplaats.roles import CREATIVE, PROGRAMMER
from broedplaats.services import (
    application_create,
    application_submit,
    application_transition,
    call_close,
    call_create,
    offer_accept,
    offer_decline,
    offer_make,
    offer_withdraw,
    screening_record,
    tenancy_cancel,
    tenancy_create,
)
from tests.factories import (
    BuildingFactory,
    CreativeFactory,
    TenancyFactory,
    UserFactory,
)
from tests.worlds import place_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

S = ApplicationStatus


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def place(db, today):
    """A building under a policy with a programmer, two spaces and an open published call."""
    return place_world(today)


def application_in(place, today, *path):
    """A submitted application to the call, moved along `path` by the workflow."""
    application = application_create(creative=CreativeFactory(), call=place["call"], on=today)
    application_submit(application=application, on=today)
    for status in path:
        application_transition(application=application, to=status)
    return application


def detail(client, place, application):
    client.force_login(place["programmer"])
    return client.get(reverse("programmer-applicant-detail", args=[application.pk]))


def status_choices(response) -> set[str]:
    form = response.context.get("transition_form")
    return {value for value, _label in form.fields["to"].widget.choices} if form else set()


# --- 1. the applicant page -------------------------------------------------------------------

@pytest.mark.parametrize(("path", "moves", "screening", "offer"), [
    ((), {S.SCREENING, S.ELIGIBLE, S.INELIGIBLE}, True, False),
    ((S.SCREENING,), {S.ELIGIBLE, S.INELIGIBLE}, True, False),
    ((S.ELIGIBLE,), {S.SHORTLISTED, S.INELIGIBLE}, True, True),
    ((S.ELIGIBLE, S.SHORTLISTED), {S.INELIGIBLE}, True, True),
    ((S.INELIGIBLE,), {S.SCREENING, S.ELIGIBLE}, True, False),
    ((S.ELIGIBLE, S.OFFERED), set(), False, False),
    ((S.ELIGIBLE, S.OFFERED, S.DECLINED), set(), False, False),
    ((S.ELIGIBLE, S.OFFERED, S.ACCEPTED), set(), False, False),
    ((S.WITHDRAWN,), set(), False, False),
])
def test_applicant_page_offers_only_what_the_status_allows(client, place, today, path, moves,
                                                          screening, offer):
    application = application_in(place, today, *path)
    response = detail(client, place, application)
    assert response.status_code == 200
    assert status_choices(response) == moves
    assert application.status not in status_choices(response)
    html = response.content.decode()
    assert ('id="status-form"' in html) == bool(moves)
    assert ('id="screening-form"' in html) == screening
    assert ('id="offer-form"' in html) == offer


def test_a_stale_status_post_gets_the_services_message(client, place, today):
    application = application_in(place, today, S.ELIGIBLE, S.OFFERED, S.DECLINED)
    client.force_login(place["programmer"])
    response = client.post(reverse("programmer-applicant-transition", args=[application.pk]),
                           {"to": "eligible"})
    assert response.status_code == 400
    assert "An application cannot go from Declined" in response.content.decode()
    application.refresh_from_db()
    assert application.status == S.DECLINED


# --- 2. withdrawing an offer -----------------------------------------------------------------

def offered(place, today, email="anna@example.org"):
    application = application_create(creative=CreativeFactory(email=email), call=place["call"],
                                     on=today)
    application_submit(application=application, on=today)
    screening_record(creative=application.creative, city=place["building"].city, on=today,
                     professional_practice=True, income_within_limit=True)
    application.refresh_from_db()
    return offer_make(application=application, space=place["spaces"][0],
                      start=today + timedelta(days=14), reply_by=today + timedelta(days=7),
                      on=today, by=place["programmer"])


def test_withdrawing_an_offer_makes_the_applicant_eligible_and_mails_them(
        place, today, mailoutbox, django_capture_on_commit_callbacks, settings):
    settings.LANGUAGE_CODE = "en"
    offer = offered(place, today)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        offer_withdraw(offer=offer, by=place["programmer"], note="Ruimte gaat naar renovatie")
    offer.refresh_from_db()
    assert (offer.status, offer.responded_by) == (OfferStatus.WITHDRAWN, place["programmer"])
    offer.application.refresh_from_db()
    assert offer.application.status == S.ELIGIBLE
    event = ApplicationEvent.objects.filter(application=offer.application).latest("pk")
    assert (event.from_status, event.to_status, event.by, event.note) == (
        S.OFFERED, S.ELIGIBLE, place["programmer"], "Ruimte gaat naar renovatie")
    (mail,) = mailoutbox  # the withdrawal mail only, no second "status changed" mail
    assert mail.to == ["anna@example.org"]
    assert "withdrawn" in mail.subject
    assert "stays in the running" in mail.body


@pytest.mark.parametrize("answer", ["decline", "withdraw"])
def test_only_an_open_offer_can_be_withdrawn(place, today, answer):
    offer = offered(place, today)
    if answer == "decline":
        offer_decline(offer=offer, on=today)
    else:
        offer_withdraw(offer=offer)
    with pytest.raises(ValidationError, match="only an open offer can be withdrawn"):
        offer_withdraw(offer=offer)


def test_an_offered_applicant_is_not_moved_back_by_hand_while_the_offer_is_open(place, today):
    offer = offered(place, today)
    with pytest.raises(ValidationError, match="withdraw the offer instead"):
        application_transition(application=offer.application, to=S.ELIGIBLE)
    assert Offer.objects.get().status == OfferStatus.OPEN


def test_withdraw_button_only_beside_an_open_offer(client, place, today):
    offer = offered(place, today)
    html = detail(client, place, offer.application).content.decode()
    assert f'id="withdraw-offer-{offer.pk}"' in html
    offer_withdraw(offer=offer)
    html = detail(client, place, offer.application).content.decode()
    assert "withdraw-offer-" not in html
    assert 'id="offer-form"' in html  # eligible again: a new offer can be made


def test_programmer_withdraws_an_offer_from_the_applicant_page(client, place, today):
    offer = offered(place, today)
    client.force_login(place["programmer"])
    response = client.post(reverse("programmer-offer-withdraw", args=[offer.pk]), follow=True)
    assert response.status_code == 200
    assert f"The offer of {offer.space} is withdrawn." in response.content.decode()
    assert Offer.objects.get().status == OfferStatus.WITHDRAWN


def test_withdrawing_an_answered_offer_on_the_page_says_why(client, place, today):
    offer = offered(place, today)
    offer_decline(offer=offer, on=today)
    client.force_login(place["programmer"])
    response = client.post(reverse("programmer-offer-withdraw", args=[offer.pk]), follow=True)
    assert "only an open offer can be withdrawn" in response.content.decode()
    assert Offer.objects.get().status == OfferStatus.DECLINED


def test_another_programmer_cannot_withdraw_the_offer(client, place, today):
    offer = offered(place, today)
    other = UserFactory(roles=[PROGRAMMER])
    BuildingFactory(city=place["building"].city, programmers=[other])
    client.force_login(other)
    assert client.post(reverse("programmer-offer-withdraw", args=[offer.pk])).status_code == 404
    assert APIClient().post(reverse("api:programmer-offer-withdraw", args=[offer.pk])
                            ).status_code in (401, 403)
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_login(other)
    assert api.post(reverse("api:programmer-offer-withdraw", args=[offer.pk])).status_code == 404
    assert Offer.objects.get().status == OfferStatus.OPEN


def test_api_withdraws_an_offer_and_refuses_it_twice(place, today):
    offer = offered(place, today)
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_login(place["programmer"])
    url = reverse("api:programmer-offer-withdraw", args=[offer.pk])
    response = api.post(url, {"note": "Vergissing"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "withdrawn"
    response = api.post(url, {}, format="json")
    assert response.status_code == 400
    assert "only an open offer can be withdrawn" in response.json()["status"][0]


# --- 3. declined by the creative, or not accepted by the programmer --------------------------

def declined_by_creative(place, today):
    user = UserFactory(roles=[CREATIVE])
    creative = CreativeFactory(user=user, email="anna@example.org")
    application = application_create(creative=creative, call=place["call"], on=today)
    application_submit(application=application, on=today)
    screening_record(creative=creative, city=place["building"].city, on=today,
                     professional_practice=True, income_within_limit=True)
    application.refresh_from_db()
    offer = offer_make(application=application, space=place["spaces"][0],
                       start=today + timedelta(days=14), reply_by=today + timedelta(days=7),
                       on=today)
    return user, offer


def test_the_creative_reads_their_decline_as_declined_by_them(client, place, today):
    user, offer = declined_by_creative(place, today)
    client.force_login(user)
    response = client.post(reverse("creative-offer-decline", args=[offer.pk]), follow=True)
    html = response.content.decode()
    assert "You declined the offer." in html
    assert "Declined by you" in html
    assert ">Declined<" not in html


def test_the_programmer_reads_who_declined(client, place, today):
    _user, offer = declined_by_creative(place, today)
    offer_decline(offer=offer, on=today)
    html = detail(client, place, offer.application).content.decode()
    assert "Declined by the creative" in html
    assert 'id="status-form"' not in html and 'id="offer-form"' not in html


def test_the_creative_reads_a_rejection_as_not_accepted(client, place, today):
    user = UserFactory(roles=[CREATIVE])
    application = application_create(creative=CreativeFactory(user=user), call=place["call"],
                                     on=today)
    application_submit(application=application, on=today)
    application_transition(application=application, to=S.INELIGIBLE, by=place["programmer"])
    client.force_login(user)
    html = client.get(reverse("creative-applications")).content.decode()
    assert "Not accepted" in html
    assert "Declined by you" not in html


def test_status_mails_say_what_happened(place, today, mailoutbox, settings,
                                        django_capture_on_commit_callbacks):
    settings.LANGUAGE_CODE = "en"
    _user, offer = declined_by_creative(place, today)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        offer_decline(offer=offer, on=today)
    (mail,) = mailoutbox
    assert mail.subject == "Your application is now: Declined by you"
    assert "You declined the offer" in mail.body

    rejected = application_in(place, today)
    rejected.creative.email = "bo@example.org"
    rejected.creative.save()
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        application_transition(application=rejected, to=S.INELIGIBLE)
    (mail,) = mailoutbox
    assert mail.subject == "Your application is now: Not accepted"
    assert "did not accept this application" in mail.body
    assert "declined" not in mail.body.lower()


# --- 4. the tenancy timeline and a tenancy's actions --------------------------------------------

def actions_page(client, place, tenancy):
    client.force_login(place["programmer"])
    response = client.get(reverse("programmer-tenancy-actions", args=[tenancy.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_tenancys_actions_follow_its_state(client, place, today):
    space, other = place["spaces"]
    past = TenancyFactory(space=space, start=today - timedelta(days=800),
                          planned_end=today - timedelta(days=100))  # ran out, never ended
    ended = TenancyFactory(space=space, start=today - timedelta(days=90),
                           planned_end=today + timedelta(days=300), actual_end=today - timedelta(
                               days=10), end_reason=EndReason.TERMINATED)
    running = TenancyFactory(space=other, start=today - timedelta(days=30),
                             planned_end=today + timedelta(days=300))
    future = TenancyFactory(space=space, start=today + timedelta(days=30),
                            planned_end=today + timedelta(days=400))
    for tenancy in (past, ended):
        html = actions_page(client, place, tenancy)
        for form in ("renew", "end", "cancel"):
            assert f'id="{form}-{tenancy.pk}"' not in html
    html = actions_page(client, place, running)
    assert f'id="renew-{running.pk}"' in html and f'id="end-{running.pk}"' in html
    assert f'id="cancel-{running.pk}"' not in html
    html = actions_page(client, place, future)
    assert f'id="renew-{future.pk}"' not in html
    assert f'id="end-{future.pk}"' in html and f'id="cancel-{future.pk}"' in html
    # The timeline offers no form: it leads the current and coming tenancies to their actions,
    # the others to their page.
    timeline = client.get(reverse("programmer-tenancies", args=[place["building"].slug]))
    html = timeline.content.decode()
    assert "<form method=\"post\" action=\"/programmer/tenancies/" not in html
    for tenancy in (running, future):
        assert reverse("programmer-tenancy-actions", args=[tenancy.pk]) in html
    for tenancy in (past, ended):
        assert reverse("programmer-tenancy-actions", args=[tenancy.pk]) not in html


def test_renewing_beyond_the_policy_says_a_reason_is_needed(client, place, today):
    running = TenancyFactory(space=place["spaces"][0], start=today - timedelta(days=30),
                             planned_end=today + timedelta(days=300),
                             renewals=place["policy"].max_renewals)
    html = actions_page(client, place, running)
    assert f'id="renew-{running.pk}"' in html
    assert "renewing again needs an exception reason" in html


def test_renewals_left_need_no_reason(client, place, today):
    running = TenancyFactory(space=place["spaces"][0], start=today - timedelta(days=30),
                             planned_end=today + timedelta(days=300))
    assert "renewing again needs an exception reason" not in actions_page(client, place, running)


# --- 5. cancelling a tenancy that has not started --------------------------------------------

def test_cancelling_a_future_tenancy_frees_the_space_and_keeps_the_row(place, today):
    tenancy = TenancyFactory(space=place["spaces"][0], start=today + timedelta(days=30),
                             planned_end=today + timedelta(days=400))
    tenancy_cancel(tenancy=tenancy, on=today, by=place["programmer"], reason="Bouwvertraging")
    tenancy.refresh_from_db()
    assert (tenancy.actual_end, tenancy.end_reason, tenancy.ended_by) == (
        tenancy.start, EndReason.OTHER, place["programmer"])
    assert tenancy.ended_at is not None
    assert tenancy.cancel_reason == "Bouwvertraging"  # kept without an application too
    # the space is free for the same period again
    tenancy_create(space=place["spaces"][0], creative=CreativeFactory(),
                   start=today + timedelta(days=30), planned_end=today + timedelta(days=400))
    assert Tenancy.objects.count() == 2


@pytest.mark.parametrize("days", [0, -30])
def test_a_started_tenancy_cannot_be_cancelled(place, today, days):
    tenancy = TenancyFactory(space=place["spaces"][0], start=today + timedelta(days=days),
                             planned_end=today + timedelta(days=400))
    with pytest.raises(ValidationError, match="end it instead of cancelling it"):
        tenancy_cancel(tenancy=tenancy, on=today)
    tenancy.refresh_from_db()
    assert tenancy.actual_end is None


def test_an_ended_tenancy_cannot_be_cancelled(place, today):
    tenancy = TenancyFactory(space=place["spaces"][0], start=today + timedelta(days=30),
                             planned_end=today + timedelta(days=400))
    tenancy_cancel(tenancy=tenancy, on=today)
    with pytest.raises(ValidationError, match="already ended"):
        tenancy_cancel(tenancy=tenancy, on=today)


def test_cancelling_an_accepted_offer_tenancy_notes_the_reason_on_the_application(place, today):
    offer = offered(place, today)
    offer_accept(offer=offer, on=today)
    offer.refresh_from_db()
    tenancy_cancel(tenancy=offer.tenancy, on=today, by=place["programmer"],
                   reason="Creative verhuist")
    note = ApplicantNote.objects.get(application=offer.application)
    assert "cancelled before its start" in note.text and "Creative verhuist" in note.text
    assert note.author == place["programmer"]


def test_programmer_cancels_from_the_tenancy_page(client, place, today):
    tenancy = TenancyFactory(space=place["spaces"][0], start=today + timedelta(days=30),
                             planned_end=today + timedelta(days=400))
    client.force_login(place["programmer"])
    page = client.get(reverse("programmer-tenancy-detail", args=[tenancy.pk]))
    assert 'id="cancel-form"' in page.content.decode()
    response = client.post(reverse("programmer-tenancy-cancel", args=[tenancy.pk]),
                           {"next": "detail"}, follow=True)
    html = response.content.decode()
    assert "is cancelled" in html
    assert 'id="cancel-form"' not in html
    tenancy.refresh_from_db()
    assert tenancy.actual_end == tenancy.start


def test_cancelling_a_running_tenancy_on_the_page_says_why(client, place, today):
    tenancy = TenancyFactory(space=place["spaces"][0], start=today - timedelta(days=3),
                             planned_end=today + timedelta(days=400))
    client.force_login(place["programmer"])
    assert 'id="cancel-form"' not in client.get(
        reverse("programmer-tenancy-detail", args=[tenancy.pk])).content.decode()
    response = client.post(reverse("programmer-tenancy-cancel", args=[tenancy.pk]), follow=True)
    assert "end it instead of cancelling it" in response.content.decode()
    tenancy.refresh_from_db()
    assert tenancy.actual_end is None


def test_another_programmer_cannot_cancel(client, place, today):
    tenancy = TenancyFactory(space=place["spaces"][0], start=today + timedelta(days=30),
                             planned_end=today + timedelta(days=400))
    other = UserFactory(roles=[PROGRAMMER])
    client.force_login(other)
    assert client.post(reverse("programmer-tenancy-cancel", args=[tenancy.pk])).status_code \
        == 404
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_login(other)
    assert api.post(reverse("api:programmer-tenancy-cancel", args=[tenancy.pk])
                    ).status_code == 404
    tenancy.refresh_from_db()
    assert tenancy.actual_end is None


def test_api_cancels_a_future_tenancy_and_refuses_a_running_one(place, today):
    future = TenancyFactory(space=place["spaces"][0], start=today + timedelta(days=30),
                            planned_end=today + timedelta(days=400))
    running = TenancyFactory(space=place["spaces"][1], start=today - timedelta(days=30),
                             planned_end=today + timedelta(days=400))
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_login(place["programmer"])
    response = api.post(reverse("api:programmer-tenancy-cancel", args=[future.pk]),
                        {"reason": "Dubbel geboekt"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["end_reason"] == "other"
    response = api.post(reverse("api:programmer-tenancy-cancel", args=[running.pk]))
    assert response.status_code == 400
    assert "end it instead" in response.json()["actual_end"][0]


# --- 6. closing a call now -------------------------------------------------------------------

def test_closing_an_open_call_makes_today_its_last_day(place, today):
    call = call_close(call=place["call"], on=today, by=place["programmer"])
    call.refresh_from_db()
    assert call.closes_on == today
    assert call.closed_by == place["programmer"] and call.closed_at is not None
    assert call.is_open(today) and not call.is_open(today + timedelta(days=1))


def test_only_an_open_call_can_be_closed(place, today):
    draft = call_create(building=place["building"], title="Concept",
                        opens_on=today, closes_on=today + timedelta(days=30))
    with pytest.raises(ValidationError, match="Only an open call can be closed."):
        call_close(call=draft, on=today)
    with pytest.raises(ValidationError, match="Only an open call can be closed."):
        call_close(call=place["call"], on=place["call"].closes_on + timedelta(days=1))
    call_close(call=place["call"], on=today)
    with pytest.raises(ValidationError, match="already closes today"):
        call_close(call=place["call"], on=today)


def test_a_cancel_reason_or_status_note_beyond_the_limit_is_refused_and_nothing_changes(
        place, today):
    """These notes are stored without a model's full_clean() on the way (an event's note, the
    application's own note on a cancellation), so the services bound them themselves."""
    tenancy = TenancyFactory(space=place["spaces"][-1], start=today + timedelta(days=30),
                             planned_end=today + timedelta(days=400))
    with pytest.raises(ValidationError) as refused:
        tenancy_cancel(tenancy=tenancy, on=today, reason="x" * (limits.STATUS_NOTE + 1))
    assert "cancel_reason" in refused.value.message_dict
    tenancy.refresh_from_db()
    assert tenancy.actual_end is None
    offer = offered(place, today)
    with pytest.raises(ValidationError) as refused:
        offer_withdraw(offer=offer, note="x" * (limits.STATUS_NOTE + 1))
    assert "note" in refused.value.message_dict
    offer.refresh_from_db()
    assert offer.status == OfferStatus.OPEN
    application = offer.application
    with pytest.raises(ValidationError) as refused:
        application_transition(application=application, to=ApplicationStatus.ELIGIBLE,
                               note="x" * (limits.STATUS_NOTE + 1))
    assert "note" in refused.value.message_dict
    application.refresh_from_db()
    assert application.status == ApplicationStatus.OFFERED
    offer_withdraw(offer=offer, note="x" * limits.STATUS_NOTE)  # at the limit: kept
    event = ApplicationEvent.objects.filter(application=application).latest("pk")
    assert len(event.note) == limits.STATUS_NOTE


def test_close_button_only_on_an_open_call(client, place, today):
    client.force_login(place["programmer"])
    url = reverse("programmer-call-edit", args=[place["call"].pk])
    assert 'id="close-call"' in client.get(url).content.decode()
    response = client.post(reverse("programmer-call-close", args=[place["call"].pk]),
                           follow=True)
    html = response.content.decode()
    assert "The call closes at the end of today." in html
    assert 'id="close-call"' not in html
    draft = call_create(building=place["building"], title="Concept",
                        opens_on=today, closes_on=today + timedelta(days=30))
    assert 'id="close-call"' not in client.get(
        reverse("programmer-call-edit", args=[draft.pk])).content.decode()
    response = client.post(reverse("programmer-call-close", args=[draft.pk]), follow=True)
    assert "Only an open call can be closed." in response.content.decode()


def test_another_programmer_cannot_close_the_call(client, place, today):
    other = UserFactory(roles=[PROGRAMMER])
    client.force_login(other)
    assert client.post(reverse("programmer-call-close", args=[place["call"].pk])
                       ).status_code == 404
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_login(other)
    assert api.post(reverse("api:programmer-call-close", args=[place["call"].pk])
                    ).status_code == 404
    place["call"].refresh_from_db()
    assert place["call"].closes_on == today + timedelta(days=30)


def test_api_closes_an_open_call(place, today):
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_login(place["programmer"])
    url = reverse("api:programmer-call-close", args=[place["call"].pk])
    response = api.post(url)
    assert response.status_code == 200, response.json()
    assert response.json()["closes_on"] == today.isoformat()
    response = api.post(url)
    assert response.status_code == 400
    assert "already closes today" in response.json()["closes_on"][0]
