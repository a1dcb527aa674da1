"""Input no person means is refused at the first form: the service names the field, the page
shows it beside the field, the API answers 400 naming it, and nothing is stored."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import formats
from rest_framework.test import APIClient

from broedplaats.models import Call, Offer
from broedplaats.services import (
    application_create,
    application_submit,
    call_create,
    call_publish,
    call_update,
    offer_make,
    screening_record,
)
from tests.factories import (
    CreativeFactory,
)
from tests.worlds import place_world

TODAY = date(2026, 3, 2)
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def place(db, today):
    """A building under a policy that ends in 200 days, a programmer, two spaces and a call
    open from yesterday for a month, published today."""
    return place_world(today, valid_to=today + timedelta(days=200))


def eligible(place, today):
    application = application_create(creative=CreativeFactory(), call=place["call"], on=today)
    application_submit(application=application, on=today)
    screening_record(creative=application.creative, city=place["building"].city, on=today,
                     professional_practice=True, income_within_limit=True)
    application.refresh_from_db()
    return application


def page_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def api_client(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


# --- offers ------------------------------------------------------------------------------------

def _offer(place, today, *, start, reply_by):
    return offer_make(application=eligible(place, today), space=place["spaces"][0], start=start,
                      reply_by=reply_by, on=today)


@pytest.mark.parametrize(("start_days", "reply_days", "field", "message"), [
    (-1, -1, "start", "The tenancy cannot start before today."),
    (-36500, -1, "start", "The tenancy cannot start before today."),
    (367, 7, "start", "The tenancy starts within a year from today."),
    (14, -1, "reply_by", "The reply deadline cannot be before today."),
    (14, 15, "reply_by", "The reply deadline cannot be after the start."),
])
def test_offer_dates_no_one_means_are_refused_on_their_field(place, today, start_days,
                                                              reply_days, field, message):
    with pytest.raises(ValidationError) as error:
        _offer(place, today, start=today + timedelta(days=start_days),
               reply_by=today + timedelta(days=reply_days))
    assert error.value.message_dict == {field: [message]}
    assert not Offer.objects.exists()


def test_offer_starting_where_no_policy_is_in_force_is_refused_naming_the_date(place, today):
    start = today + timedelta(days=201)  # the day after the policy ends
    with pytest.raises(ValidationError) as error:
        _offer(place, today, start=start, reply_by=today + timedelta(days=7))
    assert error.value.message_dict == {"start": [
        f"{place['building'].city} has no policy for {formats.date_format(start)}."]}
    assert not Offer.objects.exists()


def test_offer_on_its_limits_is_made(place, today):
    offer = _offer(place, today, start=today, reply_by=today)
    assert (offer.start, offer.reply_by) == (today, today)


def test_offer_page_shows_a_start_in_1900_beside_the_start_field(place, today):
    application = eligible(place, today)
    response = page_client(place["programmer"]).post(
        reverse("programmer-applicant-offer", args=[application.pk]),
        {"space": place["spaces"][0].pk, "start": "1900-01-01", "reply_by": today})
    assert response.status_code == 400
    assert response.context["offer_form"].errors == {
        "start": ["The tenancy cannot start before today."]}
    assert not Offer.objects.exists()


def test_offer_api_answers_400_naming_the_start(place, today):
    application = eligible(place, today)
    response = api_client(place["programmer"]).post(
        reverse("api:programmer-application-offer", args=[application.pk]),
        {"space": place["spaces"][0].pk, "start": "1900-01-01", "reply_by": str(today)},
        format="json")
    assert response.status_code == 400
    assert response.json() == {"start": ["The tenancy cannot start before today."]}
    assert not Offer.objects.exists()


# --- calls -------------------------------------------------------------------------------------

def _draft(place, *, opens_on, closes_on, spaces=None):
    return call_create(building=place["building"], title="Zomer", opens_on=opens_on,
                       closes_on=closes_on,
                       spaces=place["spaces"] if spaces is None else spaces)


@pytest.mark.parametrize(("opens_days", "closes_days", "field", "message"), [
    (-30, -1, "closes_on", "This call closed on {day}; move its closing date to publish it."),
    (-367, -360, "opens_on", "A call opens at most a year before it is published."),
    (367, 380, "opens_on", "A call opens within a year from today."),
])
def test_calls_outside_a_year_of_today_are_not_published(place, opens_days, closes_days,
                                                         field, message):
    call = _draft(place, opens_on=TODAY + timedelta(days=opens_days),
                  closes_on=TODAY + timedelta(days=closes_days))
    with pytest.raises(ValidationError) as error:
        call_publish(call=call, on=TODAY)
    closed_on = formats.date_format(TODAY + timedelta(days=closes_days))
    assert error.value.message_dict == {field: [message.format(day=closed_on)]}
    call.refresh_from_db()
    assert call.published_at is None


def test_a_call_with_no_space_is_not_published(place):
    call = _draft(place, opens_on=TODAY, closes_on=TODAY + timedelta(days=30), spaces=[])
    with pytest.raises(ValidationError) as error:
        call_publish(call=call, on=TODAY)
    assert error.value.message_dict == {
        "spaces": ["Choose at least one space before publishing."]}


def test_a_call_open_longer_than_a_year_is_refused_on_create_update_and_publish(place):
    with pytest.raises(ValidationError) as error:
        _draft(place, opens_on=TODAY, closes_on=date(9999, 12, 31))
    assert error.value.message_dict == {"closes_on": ["A call stays open for a year at most."]}
    call = _draft(place, opens_on=TODAY, closes_on=TODAY + timedelta(days=366))
    with pytest.raises(ValidationError) as error:
        call_update(call=call, opens_on=date(1900, 1, 1))
    assert error.value.message_dict == {"closes_on": ["A call stays open for a year at most."]}
    call.refresh_from_db()
    call_publish(call=call, on=TODAY)  # a year and a day (leap years) is still fine
    assert call.published_at is not None


def test_publishing_at_once_from_1900_to_9999_on_the_page_is_refused_beside_the_date(
        place, today):
    response = page_client(place["programmer"]).post(
        reverse("programmer-call-new", args=[place["building"].slug]),
        {"title": "Altijd", "opens_on": "1900-01-01", "closes_on": "9999-12-31",
         "allocation_method": "lottery", "spaces": [place["spaces"][0].pk],
         "action": "publish"})
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "closes_on": ["A call stays open for a year at most."]}
    assert not Call.objects.filter(title="Altijd").exists()  # not kept as a draft either


def test_publish_button_shows_a_missing_space_beside_the_spaces(place, today):
    call = _draft(place, opens_on=today, closes_on=today + timedelta(days=30), spaces=[])
    response = page_client(place["programmer"]).post(
        reverse("programmer-call-publish", args=[call.pk]))
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "spaces": ["Choose at least one space before publishing."]}
    assert "Choose at least one space before publishing." in response.content.decode()
    call.refresh_from_db()
    assert call.published_at is None


def test_publishing_a_closed_call_over_the_api_answers_400_naming_the_closing_date(place,
                                                                                   today):
    call = _draft(place, opens_on=today - timedelta(days=30),
                  closes_on=today - timedelta(days=1))
    response = api_client(place["programmer"]).post(
        reverse("api:programmer-call-publish", args=[call.pk]))
    assert response.status_code == 400
    assert list(response.json()) == ["closes_on"]
    call.refresh_from_db()
    assert call.published_at is None
