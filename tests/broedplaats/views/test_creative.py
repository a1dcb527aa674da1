"""Creatives' pages: public open calls, applying, my applications (history, list position)
and my offers; refusals as messages, who may see what, and query counts."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from broedplaats.models import Application, ApplicationStatus, Offer, OfferStatus, Tenancy
from broedplaats.roles import CREATIVE, PROGRAMMER
from broedplaats.services import (
    application_create,
    application_submit,
    application_transition,
    call_create,
    call_publish,
    offer_make,
    screening_record,
)
from chains.formatting import long_date
from tests.factories import (
    BuildingFactory,
    CreativeFactory,
    PolicyFactory,
    SpaceFactory,
    UserFactory,
    facility,
    stage,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def client_for(user=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


def creative_user():
    """A user in the creative group with their own Creative profile."""
    user = UserFactory(roles=[CREATIVE])
    CreativeFactory(user=user)
    return user


def open_call(building, today, *, title="Ateliers", spaces=(), published=True):
    call = call_create(building=building, title=title, spaces=spaces,
                       opens_on=today - timedelta(days=1), closes_on=today + timedelta(days=30))
    if published:
        call_publish(call=call, on=today)
    return call


@pytest.fixture
def place(db, today):
    """A building under a policy with a programmer, two spaces and a published open call."""
    policy = PolicyFactory()
    programmer = UserFactory(roles=[PROGRAMMER])
    building = BuildingFactory(city=policy.city, programmers=[programmer])
    spaces = [SpaceFactory(building=building), SpaceFactory(building=building)]
    call = open_call(building, today, spaces=spaces)
    return {"programmer": programmer, "building": building, "spaces": spaces, "call": call}


def submitted(creative, today, *, call=None, building=None):
    application = application_create(creative=creative, call=call, building=building, on=today)
    return application_submit(application=application, on=today)


def offered(place, creative, today, *, reply_by, on):
    application = submitted(creative, today, call=place["call"])
    screening_record(creative=creative, city=place["building"].city, on=on,
                     professional_practice=True, income_within_limit=True)
    application.refresh_from_db()
    return offer_make(application=application, space=place["spaces"][0],
                      start=today + timedelta(days=14), reply_by=reply_by, on=on)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- public calls ------------------------------------------------------------------------------

def test_call_list_shows_only_published_calls_open_today(place, today):
    building = place["building"]
    open_call(building, today, title="Draft", published=False)
    closed = call_create(building=building, title="Closed", opens_on=today - timedelta(days=30),
                         closes_on=today - timedelta(days=1), spaces=place["spaces"])
    call_publish(call=closed, on=today - timedelta(days=30))
    future = call_create(building=building, title="Future", opens_on=today + timedelta(days=2),
                         closes_on=today + timedelta(days=9), spaces=place["spaces"])
    call_publish(call=future, on=today)

    response = client_for().get(reverse("call-list"))

    assert response.status_code == 200
    rows = list(response.context["calls"])
    assert [(c.title, c.space_count) for c in rows] == [("Ateliers", 2)]
    assert "Ateliers" in response.content.decode()


def test_call_detail_shows_criteria_spaces_and_an_apply_button_for_creatives(place, today):
    call = place["call"]
    call.stages.set([stage("making")])
    call.facilities.set([facility("water")])
    page = client_for(creative_user()).get(reverse("call-detail", args=[call.pk])).content.decode()
    assert "Making" in page and "Water" in page
    assert place["spaces"][0].code in page
    assert f"{reverse('creative-application-new')}?call={call.pk}" in page


def test_unpublished_call_detail_is_404(place, today):
    draft = open_call(place["building"], today, title="Draft", published=False)
    assert client_for().get(reverse("call-detail", args=[draft.pk])).status_code == 404


def test_call_list_and_detail_query_counts_do_not_grow(place, today,
                                                       django_assert_max_num_queries):
    client = client_for()
    with CaptureQueriesContext(connection) as few_list:
        client.get(reverse("call-list"))
    with CaptureQueriesContext(connection) as few_detail:
        client.get(reverse("call-detail", args=[place["call"].pk]))
    for n in range(10):
        building = BuildingFactory()
        open_call(building, today, title=f"Call {n}",
                  spaces=[SpaceFactory(building=building) for _ in range(3)])
    place["call"].spaces.add(*[SpaceFactory(building=place["building"]) for _ in range(5)])
    place["call"].stages.set([stage("idea"), stage("making")])

    with django_assert_max_num_queries(len(few_list.captured_queries)):
        response = client.get(reverse("call-list"))
    assert len(response.context["calls"]) == 11
    with django_assert_max_num_queries(len(few_detail.captured_queries)):
        client.get(reverse("call-detail", args=[place["call"].pk]))


# --- applying ----------------------------------------------------------------------------------

def test_applying_saves_a_draft_with_the_wishes(place, today):
    user = creative_user()
    response = client_for(user).post(
        f"{reverse('creative-application-new')}?call={place['call'].pk}",
        {"min_area_m2": "20", "max_area_m2": "40", "max_rent": "500", "stage": stage("making").pk,
         "facilities": [facility("water").pk], "motivation": "Keramiek", "action": "draft"},
    )
    assert response.status_code == 302, response.context["form"].errors
    application = Application.objects.get()
    assert application.status == ApplicationStatus.DRAFT
    assert (application.creative.user, application.call, application.max_rent) == (
        user, place["call"], 500)
    assert [f.code for f in application.facilities.all()] == ["water"]


def test_submitting_a_draft_moves_it_to_submitted(place, today):
    user = creative_user()
    application = application_create(creative=user.creative, call=place["call"], on=today)
    response = client_for(user).post(reverse("creative-application-submit",
                                             args=[application.pk]))
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_apply_and_submit_at_once(place, today):
    user = creative_user()
    client_for(user).post(f"{reverse('creative-application-new')}?call={place['call'].pk}",
                          {"motivation": "Nu", "action": "submit"})
    assert Application.objects.get().status == ApplicationStatus.SUBMITTED


def test_joining_a_candidate_list_by_building(place, today):
    user = creative_user()
    url = f"{reverse('creative-application-new')}?building={place['building'].slug}"
    assert client_for(user).get(url).status_code == 200
    client_for(user).post(url, {"action": "submit"})
    application = Application.objects.get()
    assert (application.call, application.building) == (None, place["building"])


def test_service_refusal_shows_on_the_form(place, today):
    user = creative_user()
    application_create(creative=user.creative, call=place["call"], on=today)
    response = client_for(user).post(
        f"{reverse('creative-application-new')}?call={place['call'].pk}", {"action": "draft"})
    assert response.status_code == 200
    assert "You already have an application to this call." in str(
        response.context["form"].errors)
    assert Application.objects.count() == 1


def test_submitting_after_the_call_closed_shows_the_message(place, today):
    user = creative_user()
    application = application_create(creative=user.creative, call=place["call"], on=today)
    call = place["call"]
    call.closes_on = today - timedelta(days=1)
    call.save()

    response = client_for(user).post(reverse("creative-application-submit",
                                             args=[application.pk]))

    assert messages_of(response) == [
        f"This call closed on {long_date(call.closes_on)}."]
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT


def test_withdraw(place, today):
    user = creative_user()
    application = submitted(user.creative, today, call=place["call"])
    response = client_for(user).post(reverse("creative-application-withdraw",
                                             args=[application.pk]))
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN


# --- my applications ---------------------------------------------------------------------------

def test_my_applications_show_status_history_and_only_my_own(place, today):
    user = creative_user()
    mine = submitted(user.creative, today, call=place["call"])
    submitted(CreativeFactory(), today, call=place["call"])

    response = client_for(user).get(reverse("creative-applications"))

    assert [a.pk for a in response.context["applications"]] == [mine.pk]
    page = response.content.decode()
    assert "Draft → Submitted" in page or "Draft \u2192 Submitted" in page


def test_candidate_list_position_counts_earlier_active_submissions(place, today):
    building = place["building"]
    first = submitted(CreativeFactory(), today, building=building)
    withdrawn = submitted(CreativeFactory(), today, building=building)
    application_create(creative=CreativeFactory(), building=building, on=today)  # a draft
    submitted(CreativeFactory(), today, call=place["call"])  # a call, not the list
    submitted(CreativeFactory(), today, building=BuildingFactory())  # another building
    user = creative_user()
    mine = submitted(user.creative, today, building=building)
    later = submitted(CreativeFactory(), today, building=building)
    # submitted_at comes from the clock; make the order explicit
    base = timezone.now()
    for n, application in enumerate([first, withdrawn, mine, later]):
        Application.objects.filter(pk=application.pk).update(
            submitted_at=base - timedelta(hours=10 - n))
    Application.objects.filter(pk=withdrawn.pk).update(status=ApplicationStatus.WITHDRAWN)

    response = client_for(user).get(reverse("creative-applications"))

    (row,) = response.context["applications"]
    assert row.list_position == 2
    assert "Position on the candidate list" in response.content.decode()


def test_my_applications_query_count_does_not_grow(place, today,
                                                   django_assert_max_num_queries):
    user = creative_user()
    client = client_for(user)
    submitted(user.creative, today, building=place["building"])
    offered(place, user.creative, today, reply_by=today + timedelta(days=7), on=today)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("creative-applications"))
    for _ in range(8):
        building = BuildingFactory(city=place["building"].city)
        call = open_call(building, today, spaces=[SpaceFactory(building=building)])
        application = application_transition(
            application=submitted(user.creative, today, call=call), to=ApplicationStatus.ELIGIBLE)
        offer_make(application=application, space=call.spaces.get(),
                   start=today + timedelta(days=14), reply_by=today + timedelta(days=7), on=today)
        submitted(user.creative, today, building=building)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("creative-applications"))
    assert len(response.context["applications"]) == 18
    assert len(response.context["offers"]) == 9


# --- my offers ---------------------------------------------------------------------------------

def test_accepting_an_offer_creates_a_tenancy(place, today):
    user = creative_user()
    offer = offered(place, user.creative, today, reply_by=today + timedelta(days=7), on=today)

    response = client_for(user).post(reverse("creative-offer-accept", args=[offer.pk]))

    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.status == OfferStatus.ACCEPTED
    tenancy = Tenancy.objects.get()
    assert (tenancy.creative, tenancy.space) == (user.creative, place["spaces"][0])


def test_declining_an_offer(place, today):
    user = creative_user()
    offer = offered(place, user.creative, today, reply_by=today + timedelta(days=7), on=today)
    client_for(user).post(reverse("creative-offer-decline", args=[offer.pk]))
    offer.refresh_from_db()
    assert offer.status == OfferStatus.DECLINED
    assert offer.application.status == ApplicationStatus.DECLINED


def test_an_open_offer_past_its_deadline_shows_as_expired(place, today):
    user = creative_user()
    offered(place, user.creative, today, reply_by=today - timedelta(days=3),
            on=today - timedelta(days=10))
    response = client_for(user).get(reverse("creative-applications"))
    (row,) = response.context["offers"]
    assert (row.status, row.effective_status) == ("open", "expired")
    assert reverse("creative-offer-accept", args=[row.pk]) not in response.content.decode()


def test_accepting_an_expired_offer_shows_the_message_and_creates_nothing(place, today):
    user = creative_user()
    deadline = today - timedelta(days=3)
    offer = offered(place, user.creative, today, reply_by=deadline,
                    on=today - timedelta(days=10))

    response = client_for(user).post(reverse("creative-offer-accept", args=[offer.pk]))

    assert messages_of(response) == [f"This offer expired on {long_date(deadline)}."]
    assert not Tenancy.objects.exists()
    assert Offer.objects.get().status == OfferStatus.OPEN


# --- who may see what --------------------------------------------------------------------------

def test_another_creatives_application_and_offer_are_404(place, today):
    other = CreativeFactory()
    offer = offered(place, other, today, reply_by=today + timedelta(days=7), on=today)
    application = offer.application
    client = client_for(creative_user())
    for name, pk in [("creative-application-submit", application.pk),
                     ("creative-application-withdraw", application.pk),
                     ("creative-offer-accept", offer.pk),
                     ("creative-offer-decline", offer.pk)]:
        assert client.post(reverse(name, args=[pk])).status_code == 404, name
    assert not Tenancy.objects.exists()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.OFFERED


MY_PAGES = ["creative-applications", "creative-application-new"]


@pytest.mark.parametrize("name", MY_PAGES)
def test_programmer_gets_403_on_my_pages(place, name):
    response = client_for(place["programmer"]).get(
        f"{reverse(name)}?call={place['call'].pk}")
    assert response.status_code == 403


def test_programmer_gets_403_on_my_actions(place, today):
    offer = offered(place, CreativeFactory(), today, reply_by=today + timedelta(days=7), on=today)
    client = client_for(place["programmer"])
    assert client.post(reverse("creative-offer-accept", args=[offer.pk])).status_code == 403
    assert client.post(reverse("creative-application-withdraw",
                               args=[offer.application_id])).status_code == 403


@pytest.mark.parametrize("name", MY_PAGES)
def test_anonymous_is_sent_to_log_in(place, name):
    response = client_for().get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_anonymous_post_is_sent_to_log_in(place, today):
    application = submitted(CreativeFactory(), today, call=place["call"])
    response = client_for().post(reverse("creative-application-withdraw", args=[application.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
