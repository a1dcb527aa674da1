"""The API's errors, by class: JSON everywhere under /api/, 401 for a missing login, DRF's two
bodies, a service's ValidationError as a 400 naming the field (409 for a taken space), and
the regressions the schemathesis run found (tests/broedplaats/api/test_conformance.py)."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.test import APIClient

from broedplaats.api.errors import api_exception_handler
from broedplaats.models import Offer
from broedplaats.roles import CREATIVE
from broedplaats.services import (
    SPACE_TAKEN,
    application_create,
    application_submit,
    screening_record,
)
from tests.api import client_for, url
from tests.factories import CreativeFactory, StageMoveFactory, TenancyFactory, UserFactory
from tests.worlds import place_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]




@pytest.fixture
def place(db, today):
    return place_world(today)


# --- JSON everywhere under /api/ -----------------------------------------------------------------

@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete", "options"])
def test_an_unknown_api_path_is_a_json_404_for_every_method(method):
    response = getattr(client_for(), method)("/api/no-such-thing/42/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}
    assert "Allow" not in response


def test_an_api_path_without_its_slash_is_a_json_404_saying_so():
    response = client_for().get("/api/buildings")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found. The API's paths end in a slash."}


def test_an_unknown_page_of_the_site_stays_an_html_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_method_an_endpoint_does_not_take_is_a_json_405_with_allow():
    response = client_for(UserFactory()).delete(url("building-list"))
    assert response.status_code == 405
    assert response.json() == {"detail": 'Method "DELETE" not allowed.'}
    assert "GET" in response["Allow"]


def test_a_page_past_the_last_is_a_json_404():
    response = client_for().get(url("building-list"), {"page": 99})
    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid page."}


def test_an_unexpected_error_is_a_json_500():
    client = client_for(raise_request_exception=False)
    with mock.patch("broedplaats.api.places.building_list", side_effect=RuntimeError("boom")):
        response = client.get(url("building-list"))
    assert response.status_code == 500
    assert response.json() == {"detail": "A server error occurred."}


def test_a_body_that_is_not_json_is_a_400_in_the_field_shape(place):
    response = client_for(place["programmer"]).post(
        url("programmer-call-list"), "{not json", content_type="application/json")
    assert response.status_code == 400
    assert list(response.json()) == ["non_field_errors"]


# --- 401 and 403 ---------------------------------------------------------------------------------

def test_an_anonymous_call_to_a_login_only_endpoint_is_401_with_www_authenticate():
    response = client_for().get(url("my-application-list"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert "detail" in response.json()


def test_an_anonymous_write_is_401_not_403():
    response = client_for().post(url("pathway-list"), {}, format="json")
    assert response.status_code == 401


def test_a_wrong_token_is_401_even_where_no_login_is_needed():
    response = client_for(HTTP_AUTHORIZATION="Token wrong").get(url("building-list"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_logged_in_user_without_the_role_is_403_not_401():
    response = client_for(UserFactory()).get(url("programmer-call-list"))
    assert response.status_code == 403
    assert "WWW-Authenticate" not in response


def test_a_session_write_without_csrf_is_still_refused(place):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(place["programmer"])
    response = client.post(url("programmer-call-publish", place["call"].pk))
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


# --- a service's ValidationError -----------------------------------------------------------------

def test_a_django_validation_error_anywhere_in_a_view_is_a_400_naming_the_field():
    response = api_exception_handler(DjangoValidationError({"start": "Too early."}), {})
    assert response.status_code == 400
    assert response.data == {"start": ["Too early."]}


def test_a_django_validation_error_of_the_whole_input_is_under_non_field_errors():
    response = api_exception_handler(DjangoValidationError("Not now."), {})
    assert (response.status_code, response.data) == (400, {"non_field_errors": ["Not now."]})


def test_a_refusal_because_the_space_is_taken_is_a_409():
    error = DjangoValidationError({"start": DjangoValidationError("Let.", code=SPACE_TAKEN)})
    response = api_exception_handler(error, {})
    assert (response.status_code, response.data) == (409, {"start": ["Let."]})


def test_a_taken_space_mixed_with_another_refusal_stays_a_400():
    error = DjangoValidationError({"start": DjangoValidationError("Let.", code=SPACE_TAKEN),
                                   "reply_by": "Too late."})
    assert api_exception_handler(error, {}).status_code == 400


def test_offering_a_let_space_is_a_409_naming_the_start(place, today):
    space = place["spaces"][0]
    TenancyFactory(space=space, start=today - timedelta(days=30),
                   planned_end=today + timedelta(days=300))
    creative = CreativeFactory(user=UserFactory(roles=[CREATIVE]))
    StageMoveFactory(creative=creative)
    application = application_create(creative=creative, call=place["call"], on=today)
    application_submit(application=application, on=today)
    screening_record(creative=creative, city=place["building"].city, on=today,
                     professional_practice=True, income_within_limit=True)
    response = client_for(place["programmer"]).post(
        url("programmer-application-offer", application.pk),
        {"space": space.pk, "start": today + timedelta(days=14),
         "reply_by": today + timedelta(days=7)}, format="json")
    assert response.status_code == 409
    assert list(response.json()) == ["start"]
    assert not Offer.objects.exists()


def test_a_bad_finder_query_is_a_400_naming_the_field():
    response = client_for().get(url("finder"), {"stage": "idea"})
    assert response.status_code == 400
    assert "discipline" in response.json()


# --- found by schemathesis -----------------------------------------------------------------------

def test_an_event_without_a_user_renders_by_as_null_as_documented(place, today):
    creative_user = UserFactory(roles=[CREATIVE])
    creative = CreativeFactory(user=creative_user)
    application_create(creative=creative, call=place["call"], on=today)  # no `by`
    events = client_for(creative_user).get(url("my-application-list")).json()["results"][0][
        "events"]
    assert events[0]["by"] is None


def test_an_empty_optional_filter_filters_nothing(place, today):
    creative = CreativeFactory(user=UserFactory(roles=[CREATIVE]))
    application = application_create(creative=creative, call=place["call"], on=today)
    application_submit(application=application, on=today)
    response = client_for(place["programmer"]).get(url("programmer-application-list"),
                                                    {"stage": "", "status": ""})
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [application.pk]


def test_a_tenancys_stage_moves_and_social_return_are_plain_lists(place, today):
    tenancy = TenancyFactory(space=place["spaces"][1], start=today - timedelta(days=10),
                             planned_end=today + timedelta(days=300))
    StageMoveFactory(creative=tenancy.creative)
    client = client_for(place["programmer"])
    moves = client.get(url("programmer-tenancy-stage-moves", tenancy.pk)).json()
    activities = client.get(url("programmer-tenancy-social-return", tenancy.pk)).json()
    assert isinstance(moves, list) and moves[0]["recorded_by"] is None
    assert activities == []


def test_resetting_fit_weights_answers_200_with_the_weights(place):
    response = client_for(place["programmer"]).delete(
        url("programmer-building-weights", place["building"].slug))
    assert response.status_code == 200
    assert response.json()["source"] == "default"


@pytest.mark.parametrize("value", ["-569791337929580358926336", "99999999999999999999", "0", "1.5"])
def test_an_id_filter_out_of_the_databases_range_is_a_400_not_a_500(place, value):
    response = client_for(place["programmer"]).get(url("programmer-committee-score-list"),
                                                    {"call": value})
    assert response.status_code == 400
    assert list(response.json()) == ["call"]


def test_an_id_filter_in_range_still_filters(place):
    client = client_for(place["programmer"])
    response = client.get(url("programmer-application-list"), {"call": place["call"].pk + 1000})
    assert (response.status_code, response.json()["count"]) == (200, 0)


def test_a_number_where_text_is_expected_is_a_400_not_stored_as_text(place):
    call = place["call"]
    response = client_for(place["programmer"]).patch(url("programmer-call-detail", call.pk),
                                                     {"title": 0}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["title"]
    assert type(call).objects.get(pk=call.pk).title == call.title


def test_committee_criteria_must_be_text(place):
    response = client_for(place["programmer"]).put(
        url("programmer-call-criteria", place["call"].pk), {"criteria": [0]}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["criteria"]


def test_an_empty_page_parameter_is_the_first_page_as_documented():
    response = client_for().get(url("stage-list"), {"page": ""})
    assert response.status_code == 200


def test_a_page_given_twice_is_the_404_of_an_invalid_page():
    response = client_for().get(url("stage-list") + "?page=1&page=")
    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid page."}
