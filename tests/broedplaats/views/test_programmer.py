"""Programmers' pages: applicants table and detail (notes, screening, status, offers) and the
tenancy timeline; who may see them, service refusals as form errors, and query counts."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from broedplaats.models import ApplicantNote, ApplicationStatus, Offer, Tenancy
from broedplaats.roles import CITY_BUREAU, CREATIVE, PROGRAMMER
from broedplaats.services import (
    application_create,
    application_submit,
    screening_record,
)
from tests.factories import (
    BuildingFactory,
    CreativeFactory,
    PolicyFactory,
    SpaceFactory,
    TenancyFactory,
    UserFactory,
)
from tests.worlds import place_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def client():
    """Pages in English: the site's default language is Dutch."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def place(db, today):
    """A building under a policy with a programmer, two spaces and an open published call."""
    return place_world(today)


@pytest.fixture
def other_place(db, today):
    """Another programmer's building, with an applicant and a tenancy."""
    policy = PolicyFactory()
    building = BuildingFactory(city=policy.city, programmers=[UserFactory(roles=[PROGRAMMER])])
    space = SpaceFactory(building=building)
    application = application_create(creative=CreativeFactory(), building=building, on=today)
    application_submit(application=application, on=today)
    tenancy = TenancyFactory(space=space, start=today - timedelta(days=30),
                             planned_end=today + timedelta(days=300))
    return {"building": building, "application": application, "tenancy": tenancy}


def submitted(place, today, creative=None):
    application = application_create(creative=creative or CreativeFactory(), call=place["call"],
                                     on=today)
    return application_submit(application=application, on=today)


def logged_in(client, user):
    client.force_login(user)
    return client


def pages(place, application, tenancy):
    return [
        reverse("programmer-applicants"),
        reverse("programmer-applicant-detail", args=[application.pk]),
        reverse("programmer-tenancies", args=[place["building"].slug]),
    ]


# --- pages render, and who may see them --------------------------------------------------------

def test_each_page_renders_for_the_programmer(client, place, today):
    application = submitted(place, today)
    tenancy = TenancyFactory(space=place["spaces"][0], start=today - timedelta(days=30),
                             planned_end=today + timedelta(days=300))
    logged_in(client, place["programmer"])
    for url in pages(place, application, tenancy):
        response = client.get(url)
        assert response.status_code == 200, url
        assert application.creative.name in response.content.decode() or url.endswith(
            "/tenancies/")
    timeline = client.get(pages(place, application, tenancy)[2]).content.decode()
    assert tenancy.creative.name in timeline


def test_another_buildings_applicant_and_tenancy_are_not_found(client, place, other_place):
    logged_in(client, place["programmer"])
    application, tenancy = other_place["application"], other_place["tenancy"]
    assert client.get(reverse("programmer-applicant-detail",
                              args=[application.pk])).status_code == 404
    assert client.post(reverse("programmer-applicant-note", args=[application.pk]),
                       {"text": "psst"}).status_code == 404
    assert client.get(reverse("programmer-tenancies",
                              args=[other_place["building"].slug])).status_code == 404
    assert client.post(reverse("programmer-tenancy-end", args=[tenancy.pk]),
                       {f"end-{tenancy.pk}-on": "2026-01-01",
                        f"end-{tenancy.pk}-reason": "terminated"}).status_code == 404
    assert ApplicantNote.objects.count() == 0
    assert Tenancy.objects.get(pk=tenancy.pk).actual_end is None
    listed = client.get(reverse("programmer-applicants")).context["page"].object_list
    assert application.pk not in [row.pk for row in listed]


@pytest.mark.parametrize("role", [CREATIVE, CITY_BUREAU])
def test_other_roles_are_forbidden(client, place, today, role):
    application = submitted(place, today)
    logged_in(client, UserFactory(roles=[role]))
    for url in pages(place, application, None):
        assert client.get(url).status_code == 403, url
    response = client.post(reverse("programmer-applicant-note", args=[application.pk]),
                           {"text": "hi"})
    assert response.status_code == 403


def test_anonymous_is_sent_to_log_in(client, place, today):
    application = submitted(place, today)
    for url in pages(place, application, None):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


# --- applicants table --------------------------------------------------------------------------

def test_applicants_table_filters_by_status_and_screening(client, place, today):
    screened = submitted(place, today)
    screening_record(creative=screened.creative, city=place["building"].city, on=today,
                     professional_practice=True, income_within_limit=True)
    waiting = submitted(place, today)
    logged_in(client, place["programmer"])
    rows = client.get(reverse("programmer-applicants"),
                      {"status": "eligible"}).context["page"].object_list
    assert [row.pk for row in rows] == [screened.pk]
    rows = client.get(reverse("programmer-applicants"),
                      {"screening": "none"}).context["page"].object_list
    assert [row.pk for row in rows] == [waiting.pk]


def test_applicants_table_orders_by_submission_and_pages_by_50(client, place, today):
    first = submitted(place, today)
    for _ in range(50):
        submitted(place, today)
    logged_in(client, place["programmer"])
    page = client.get(reverse("programmer-applicants")).context["page"]
    assert (page.paginator.count, len(page.object_list), page.paginator.num_pages) == (51, 50, 2)
    assert page.object_list[0].pk == first.pk
    newest_first = client.get(reverse("programmer-applicants"), {"order": "-submitted_at"})
    assert newest_first.context["page"].object_list[0].pk != first.pk


def test_applicants_table_htmx_request_gets_only_the_results(client, place, today):
    submitted(place, today)
    logged_in(client, place["programmer"])
    response = client.get(reverse("programmer-applicants"), HTTP_HX_REQUEST="true")
    assert "<html" not in response.content.decode()
    assert "<table" in response.content.decode()


def _count_queries(client, url, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(limit) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_applicants_table_query_count_stays_constant(client, place, today,
                                                     django_assert_max_num_queries):
    for _ in range(3):
        submitted(place, today)
    logged_in(client, place["programmer"])
    url = reverse("programmer-applicants")
    client.get(url)  # warm the session and content types
    # 12 for the table, 10 for the fit column (the page's wishes, spaces, chain focus and
    # current tenants, weights, and the stage, chain and facility indices).
    few = _count_queries(client, url, django_assert_max_num_queries, 22)
    for _ in range(27):
        submitted(place, today)
    many = _count_queries(client, url, django_assert_max_num_queries, few)
    assert many == few
    for order in ("fit", "wait", "-submitted_at"):
        assert _count_queries(client, f"{url}?order={order}", django_assert_max_num_queries,
                              few + 2) <= few + 2


# --- applicant detail: notes, screening, status, offers ----------------------------------------

def test_note_is_added_and_shown(client, place, today):
    application = submitted(place, today)
    logged_in(client, place["programmer"])
    response = client.post(reverse("programmer-applicant-note", args=[application.pk]),
                           {"text": "Sterk portfolio"}, follow=True)
    assert response.status_code == 200
    assert ApplicantNote.objects.get().author == place["programmer"]
    assert "Sterk portfolio" in response.content.decode()


def test_screening_form_makes_the_application_eligible(client, place, today):
    application = submitted(place, today)
    logged_in(client, place["programmer"])
    response = client.post(reverse("programmer-applicant-screening", args=[application.pk]),
                           {"professional_practice": "on", "income_within_limit": "on",
                            "reasons": "KvK en portfolio"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ELIGIBLE
    screening = application.creative.screenings.get()
    assert (screening.decided_on, screening.city) == (today, place["building"].city)


def test_refused_transition_is_shown_on_the_form(client, place, today):
    application = submitted(place, today)
    logged_in(client, place["programmer"])
    response = client.post(reverse("programmer-applicant-transition", args=[application.pk]),
                           {"to": "shortlisted"})
    assert response.status_code == 400
    assert "An application cannot go from Submitted to Shortlisted." in response.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_offer_to_an_unscreened_applicant_shows_the_service_message(client, place, today):
    application = submitted(place, today)
    logged_in(client, place["programmer"])
    response = client.post(reverse("programmer-applicant-offer", args=[application.pk]), {
        "space": place["spaces"][0].pk, "start": today + timedelta(days=14),
        "reply_by": today + timedelta(days=7),
    })
    assert response.status_code == 400
    assert ("Only an eligible or shortlisted applicant can get an offer"
            in response.content.decode())
    assert not Offer.objects.exists()


def test_offer_to_a_screened_applicant_is_made(client, place, today):
    application = submitted(place, today)
    screening_record(creative=application.creative, city=place["building"].city, on=today,
                     professional_practice=True, income_within_limit=True)
    logged_in(client, place["programmer"])
    response = client.post(reverse("programmer-applicant-offer", args=[application.pk]), {
        "space": place["spaces"][0].pk, "start": today + timedelta(days=14),
        "reply_by": today + timedelta(days=7),
    })
    assert response.status_code == 302
    offer = Offer.objects.get()
    assert (offer.application, offer.space, offer.made_by) == (
        application, place["spaces"][0], place["programmer"])


def test_offer_form_only_lists_spaces_of_the_call(client, place, today):
    application = submitted(place, today)
    screening_record(creative=application.creative, city=place["building"].city, on=today,
                     professional_practice=True, income_within_limit=True)  # offerable
    outside = SpaceFactory(building=place["building"])
    logged_in(client, place["programmer"])
    form = client.get(reverse("programmer-applicant-detail",
                              args=[application.pk])).context["offer_form"]
    assert set(form.fields["space"].queryset) == set(place["spaces"])
    assert outside not in form.fields["space"].queryset


# --- tenancy timeline --------------------------------------------------------------------------

def test_ending_with_outflow_records_the_stage_move(client, place, today):
    tenancy = TenancyFactory(space=place["spaces"][0], start=today - timedelta(days=60),
                             planned_end=today + timedelta(days=300))
    logged_in(client, place["programmer"])
    response = client.post(reverse("programmer-tenancy-end", args=[tenancy.pk]), {
        f"end-{tenancy.pk}-on": today.isoformat(),
        f"end-{tenancy.pk}-reason": "outflow_to_market",
        f"end-{tenancy.pk}-note": "Eigen atelier in Noord",
    })
    assert response.status_code == 302
    tenancy.refresh_from_db()
    assert (tenancy.actual_end, tenancy.end_reason) == (today, "outflow_to_market")
    move = tenancy.creative.stage_moves.get()
    assert move.to_market and move.building == place["building"]


def test_ending_for_next_stage_without_stage_shows_the_service_message(client, place, today):
    tenancy = TenancyFactory(space=place["spaces"][0], start=today - timedelta(days=60),
                             planned_end=today + timedelta(days=300))
    logged_in(client, place["programmer"])
    response = client.post(reverse("programmer-tenancy-end", args=[tenancy.pk]), {
        f"end-{tenancy.pk}-on": today.isoformat(), f"end-{tenancy.pk}-reason": "next_stage",
    })
    assert response.status_code == 400
    assert "Choose the stage the creative moves on to." in response.content.decode()
    tenancy.refresh_from_db()
    assert tenancy.actual_end is None


def test_ending_for_the_next_stage_records_the_move_to_that_stage(client, place, today, stages):
    tenancy = TenancyFactory(space=place["spaces"][0], start=today - timedelta(days=60),
                             planned_end=today + timedelta(days=300))
    logged_in(client, place["programmer"])
    response = client.post(reverse("programmer-tenancy-end", args=[tenancy.pk]), {
        f"end-{tenancy.pk}-on": today.isoformat(), f"end-{tenancy.pk}-reason": "next_stage",
        f"end-{tenancy.pk}-to_stage": stages[2].pk,
    })
    assert response.status_code == 302
    assert tenancy.creative.stage_moves.get().to_stage == stages[2]


def test_renewing_from_the_actions_page_extends_the_planned_end(client, place, today):
    tenancy = TenancyFactory(space=place["spaces"][0], start=today - timedelta(days=60),
                             planned_end=today + timedelta(days=300))
    logged_in(client, place["programmer"])
    actions = client.get(reverse("programmer-tenancy-actions", args=[tenancy.pk]))
    assert f'name="renew-{tenancy.pk}-planned_end"' in actions.content.decode()
    response = client.post(reverse("programmer-tenancy-renew", args=[tenancy.pk]), {
        f"renew-{tenancy.pk}-planned_end": (today + timedelta(days=600)).isoformat(),
        "from": "2026-01", "page": "1",
    })
    # back to the part of the timeline the user came from
    assert response.status_code == 302
    assert response["Location"] == (reverse("programmer-tenancies", args=[place["building"].slug])
                                    + "?from=2026-01&page=1")
    tenancy.refresh_from_db()
    assert (tenancy.planned_end, tenancy.renewals) == (today + timedelta(days=600), 1)


def test_a_renewal_says_the_new_end_as_a_dutch_date(place, today):
    tenancy = TenancyFactory(space=place["spaces"][0], start=today - timedelta(days=60),
                             planned_end=today + timedelta(days=300))
    client = Client(HTTP_ACCEPT_LANGUAGE="nl")
    logged_in(client, place["programmer"])
    new_end = today + timedelta(days=600)
    response = client.post(reverse("programmer-tenancy-renew", args=[tenancy.pk]), {
        f"renew-{tenancy.pk}-planned_end": new_end.isoformat()}, follow=True)
    with translation.override("nl"):
        dutch = date_format(new_end, "DATE_FORMAT")  # e.g. 1 maart 2027
    assert dutch in [str(message) for message in response.context["messages"]][0]
    assert new_end.isoformat() not in response.content.decode()


def test_renewing_beyond_the_policy_shows_the_service_message(client, place, today):
    tenancy = TenancyFactory(space=place["spaces"][0], start=today - timedelta(days=60),
                             planned_end=today + timedelta(days=300), renewals=2)
    logged_in(client, place["programmer"])
    response = client.post(reverse("programmer-tenancy-renew", args=[tenancy.pk]), {
        f"renew-{tenancy.pk}-planned_end": (today + timedelta(days=400)).isoformat(),
    })
    assert response.status_code == 400
    assert "allows at most 2 renewal(s)" in response.content.decode()
    tenancy.refresh_from_db()
    assert tenancy.planned_end == today + timedelta(days=300)


def test_renewing_another_buildings_tenancy_is_not_found(client, place, other_place, today):
    tenancy = other_place["tenancy"]
    logged_in(client, place["programmer"])
    response = client.post(reverse("programmer-tenancy-renew", args=[tenancy.pk]),
                           {f"renew-{tenancy.pk}-planned_end": "2099-01-01"})
    assert response.status_code == 404
    tenancy.refresh_from_db()
    assert tenancy.renewals == 0


def test_date_fields_render_iso_dates_for_the_browser_picker():
    from datetime import date

    from broedplaats.views.forms.programmer import DateInput

    with translation.override("nl"):
        html = DateInput().render("on", date(2026, 11, 24))
    assert 'value="2026-11-24"' in html
