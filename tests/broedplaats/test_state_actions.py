"""Pages offer only the actions the current state allows, and the actions that were missing:
withdrawing an offer, cancelling a tenancy before it starts, closing a call now."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from broedplaats.models import ApplicationStatus
from broedplaats.roles import PROGRAMMER
from broedplaats.services import (
    application_create,
    application_submit,
    application_transition,
    call_create,
    call_publish,
)
from tests.factories import (
    BuildingFactory,
    CreativeFactory,
    PolicyFactory,
    SpaceFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

S = ApplicationStatus


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def place(db, today):
    """A building under a policy with a programmer, two spaces and an open published call."""
    policy = PolicyFactory()
    programmer = UserFactory(roles=[PROGRAMMER])
    building = BuildingFactory(city=policy.city, programmers=[programmer])
    spaces = [SpaceFactory(building=building), SpaceFactory(building=building)]
    call = call_create(building=building, title="Ateliers", spaces=spaces,
                       opens_on=today - timedelta(days=1), closes_on=today + timedelta(days=30),
                       by=programmer)
    call_publish(call=call, by=programmer)
    return {"policy": policy, "programmer": programmer, "building": building, "spaces": spaces,
            "call": call}


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
