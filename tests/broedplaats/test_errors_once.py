"""Each refusal on the programmer's pages shows once, beside what it is about: a field's error
after that field (which is marked aria-invalid and points at it), any other error once at the top
of its form; and the failed form gets the focus, so the browser brings the user to it."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from broedplaats.models import Offer
from broedplaats.roles import CREATIVE, PROGRAMMER
from broedplaats.services import application_create, application_submit
from tests.broedplaats.views import test_programmer as programmer_pages
from tests.factories import BuildingFactory, CityFactory, TenancyFactory, UserFactory

place = programmer_pages.place  # the fixture: a building with a programmer, spaces and a call
submitted = programmer_pages.submitted

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def client(place):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(place["programmer"])
    return client


@pytest.fixture
def tenancy(place, today):
    return TenancyFactory(space=place["spaces"][0], start=today - timedelta(days=60),
                          planned_end=today + timedelta(days=300))


def _form(html: str, form_id: str) -> str:
    match = re.search(rf'<form [^>]*id="{form_id}".*?</form>', html, re.S)
    assert match, f"no form #{form_id}"
    return match.group(0)


def _widget(form: str, name: str) -> str:
    match = re.search(rf'<(?:input|select|textarea)\b[^>]*\bname="{name}"[^>]*>', form)
    assert match, f"no field {name}"
    return match.group(0)


def assert_once_beside_field(response, message: str, form_id: str, name: str) -> None:
    """The message shows once in the page, as the error of field `name` of form `form_id`;
    the field is marked invalid, described by that error, and focused; nothing else is."""
    assert response.status_code == 400
    html = unescape(response.content.decode())
    assert html.count(message) == 1, html.count(message)
    form = _form(html, form_id)
    widget = _widget(form, name)
    assert 'aria-invalid="true"' in widget
    described = re.search(r'aria-describedby="([^"]+)"', widget).group(1).split()
    error_id = next(ref for ref in described if ref.endswith("_error"))
    error = re.search(rf'<span class="error" id="{error_id}">(.*?)</span>', form, re.S)
    assert error and message in error.group(1)
    assert "autofocus" in widget
    assert html.count("autofocus") == 1
    assert html.count('aria-invalid="true"') == 1
    assert 'role="alert"' not in form  # not repeated at the top


def assert_once_at_top(response, message: str, form_id: str) -> None:
    """The message shows once, at the top of form `form_id`, which gets the focus."""
    assert response.status_code == 400
    html = unescape(response.content.decode())
    assert html.count(message) == 1, html.count(message)
    form = _form(html, form_id)
    top = re.search(r'<div class="errors" role="alert" tabindex="-1" autofocus>(.*?)</div>',
                    form, re.S)
    assert top and message in top.group(1)
    assert html.count("autofocus") == 1
    assert 'aria-invalid="true"' not in html


# --- the applicant's page ----------------------------------------------------------------------

def test_offer_to_an_unscreened_applicant_shows_once_at_the_top_of_the_offer(client, place,
                                                                           today):
    application = submitted(place, today)
    response = client.post(reverse("programmer-applicant-offer", args=[application.pk]), {
        "space": place["spaces"][0].pk, "start": today + timedelta(days=14),
        "reply_by": today + timedelta(days=7)})
    assert_once_at_top(response, "Only an eligible or shortlisted applicant can get an offer",
                       "offer-form")
    assert not Offer.objects.exists()


def test_offer_missing_its_reply_date_shows_once_beside_it(client, place, today):
    application = submitted(place, today)
    response = client.post(reverse("programmer-applicant-offer", args=[application.pk]), {
        "space": place["spaces"][0].pk, "start": today + timedelta(days=14)})
    assert_once_beside_field(response, "This field is required.", "offer-form", "reply_by")


def test_refused_status_change_shows_once_beside_the_status(client, place, today):
    application = submitted(place, today)
    response = client.post(reverse("programmer-applicant-transition", args=[application.pk]),
                           {"to": "shortlisted"})
    assert_once_beside_field(response, "An application cannot go from Submitted to Shortlisted.",
                             "status-form", "to")


def test_screening_without_a_policy_shows_once_at_the_top_of_the_screening(client, place,
                                                                          today):
    building = BuildingFactory(city=CityFactory(), programmers=[place["programmer"]])
    application = application_create(creative=submitted(place, today).creative,
                                     building=building, on=today)
    application_submit(application=application, on=today)
    response = client.post(reverse("programmer-applicant-screening", args=[application.pk]),
                           {"professional_practice": "on", "income_within_limit": "on"})
    assert_once_at_top(response, "has no policy for", "screening-form")


# --- a tenancy's actions (the timeline's bars lead there) and its page --------------------------

def test_ending_for_the_next_stage_without_one_shows_once_beside_the_stage(client, tenancy,
                                                                          today):
    response = client.post(reverse("programmer-tenancy-end", args=[tenancy.pk]), {
        f"end-{tenancy.pk}-on": today.isoformat(), f"end-{tenancy.pk}-reason": "next_stage"})
    assert_once_beside_field(response, "Choose the stage the creative moves on to.",
                             f"end-{tenancy.pk}", f"end-{tenancy.pk}-to_stage")


def test_ending_before_the_start_shows_once_beside_the_end_date(client, tenancy):
    response = client.post(reverse("programmer-tenancy-end", args=[tenancy.pk]), {
        f"end-{tenancy.pk}-on": (tenancy.start - timedelta(days=1)).isoformat(),
        f"end-{tenancy.pk}-reason": "other"})
    assert_once_beside_field(response, "The end cannot be before the start",
                             f"end-{tenancy.pk}", f"end-{tenancy.pk}-on")
    tenancy.refresh_from_db()
    assert tenancy.actual_end is None


def test_renewing_beyond_the_policy_shows_once_beside_the_exception_reason(client, place,
                                                                          today):
    tenancy = TenancyFactory(space=place["spaces"][0], start=today - timedelta(days=60),
                             planned_end=today + timedelta(days=300), renewals=2)
    response = client.post(reverse("programmer-tenancy-renew", args=[tenancy.pk]), {
        f"renew-{tenancy.pk}-planned_end": (today + timedelta(days=400)).isoformat()})
    assert_once_beside_field(response, "allows at most 2 renewal(s)", f"renew-{tenancy.pk}",
                             f"renew-{tenancy.pk}-exception_reason")


def test_stage_move_after_today_shows_once_beside_its_date(client, tenancy, today, stages):
    response = client.post(reverse("programmer-tenancy-stage-move", args=[tenancy.pk]), {
        "moved_on": (today + timedelta(days=1)).isoformat(), "to": stages[1].pk})
    assert_once_beside_field(response, "A stage move cannot be dated after today.",
                             "move-form", "moved_on")


def test_activity_outside_the_tenancy_shows_once_beside_its_date(client, tenancy):
    response = client.post(reverse("programmer-tenancy-social-return", args=[tenancy.pk]), {
        "kind": "workshop", "on": (tenancy.start - timedelta(days=1)).isoformat(),
        "hours": "2"})
    assert_once_beside_field(response, "The date must fall within the tenancy",
                             "return-form", "on")


# --- the permission boundary stays ---------------------------------------------------------------

def test_another_programmers_refusal_is_not_shown_to_a_creative(place, tenancy, today):
    creative = Client(HTTP_ACCEPT_LANGUAGE="en")
    creative.force_login(UserFactory(roles=[CREATIVE]))
    response = creative.post(reverse("programmer-tenancy-end", args=[tenancy.pk]), {
        f"end-{tenancy.pk}-on": today.isoformat(), f"end-{tenancy.pk}-reason": "next_stage"})
    assert response.status_code == 403
    assert "Choose the stage" not in response.content.decode()


def test_another_buildings_programmer_gets_404_not_the_form(tenancy, today):
    other = Client(HTTP_ACCEPT_LANGUAGE="en")
    other.force_login(UserFactory(roles=[PROGRAMMER]))
    response = other.post(reverse("programmer-tenancy-end", args=[tenancy.pk]), {
        f"end-{tenancy.pk}-on": today.isoformat(), f"end-{tenancy.pk}-reason": "next_stage"})
    assert response.status_code == 404


def test_an_unsent_page_focuses_nothing(client, place, today, tenancy):
    application = submitted(place, today)
    for url in (reverse("programmer-applicant-detail", args=[application.pk]),
                reverse("programmer-tenancies", args=[place["building"].slug]),
                reverse("programmer-tenancy-actions", args=[tenancy.pk]),
                reverse("programmer-tenancy-detail", args=[tenancy.pk])):
        html = client.get(url).content.decode()
        assert "autofocus" not in html
        assert 'aria-invalid="true"' not in html
