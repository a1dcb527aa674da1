"""A form or an API call sent twice (a double click, a client retrying after a lost answer, two
tabs at once) makes one record: one application per creative and call, one tenancy per offer.

The rules hold it: the conditional unique constraints `application_one_active_per_call` and
`_per_list` in the database, and an offer answered only while it is open (under its row lock).
The second request gets a clear answer, never a 500: the form's error, the page's message, the
API's 400; or, over the API with an `Idempotency-Key`, the first answer again
(`Idempotent-Replayed: true`; broedplaats/api/idempotency.py).
"""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from broedplaats.api.idempotency import HEADER, REPLAYED
from broedplaats.models import (
    Application,
    ApplicationStatus,
    IdempotentRequest,
    OfferStatus,
    Tenancy,
)
from broedplaats.roles import CREATIVE
from tests.api import client_for as api_client_for
from tests.api import url
from tests.concurrency import race, shared_database  # noqa: F401 (fixture)
from tests.factories import CreativeFactory, UserFactory
from tests.processes import api_post, race_processes
from tests.worlds import offer_world, place_world

pytestmark = [pytest.mark.usefixtures("english")]
db = pytest.mark.django_db
real_transactions = pytest.mark.django_db(transaction=True)

ALREADY = "You already have an application to this call."
RACED = "You already have an application here."  # the insert lost the race to the constraint
ACCEPTED_ALREADY = "This offer is Accepted and can no longer be answered."


def creative_user():
    user = UserFactory(roles=[CREATIVE])
    CreativeFactory(user=user)
    return user


def page_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def apply_url(call) -> str:
    return f"{reverse('creative-application-new')}?call={call.pk}"


def applications(user) -> list:
    return list(Application.objects.filter(creative__user=user)
                .values_list("status", flat=True))


# --- applying twice on the page ---------------------------------------------------------------

@db
def test_the_application_form_sent_twice_makes_one_application(today):
    world = place_world(today)
    user = creative_user()
    client = page_client(user)
    first = client.post(apply_url(world["call"]), {"action": "submit"})
    second = client.post(apply_url(world["call"]), {"action": "submit"})
    assert first.status_code == 302
    assert second.status_code == 200  # the form again, with what is wrong
    assert ALREADY in str(second.context["form"].errors)
    assert applications(user) == [ApplicationStatus.SUBMITTED]


@real_transactions
def test_the_application_form_sent_twice_at_once_makes_one_application(today):
    world = place_world(today)
    user = creative_user()
    path = apply_url(world["call"])

    def send():
        response = page_client(user).post(path, {"action": "submit"})
        errors = response.context["form"].errors if response.status_code == 200 else None
        return response.status_code, str(errors or "")

    results = race(send, send)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(status for status, _errors in results) == [200, 302], results
    refused = next(errors for status, errors in results if status == 200)
    assert ALREADY in refused or RACED in refused
    assert applications(user) == [ApplicationStatus.SUBMITTED]


# --- accepting twice on the page --------------------------------------------------------------

@db
def test_accepting_an_offer_twice_on_the_page_makes_one_tenancy(today):
    world = offer_world(today)
    client = page_client(world["users"][0])
    path = reverse("creative-offer-accept", args=[world["offer"].pk])
    first = client.post(path)
    second = client.post(path)
    assert (first.status_code, second.status_code) == (302, 302)
    said = [str(m) for m in get_messages(second.wsgi_request)]
    assert ACCEPTED_ALREADY in said
    assert Tenancy.objects.count() == 1
    world["offer"].refresh_from_db()
    assert world["offer"].status == OfferStatus.ACCEPTED


# --- the API without a key: the rule refuses the repeat ---------------------------------------

@db
def test_an_application_posted_twice_to_the_api_makes_one(today):
    world = place_world(today)
    user = creative_user()
    api = api_client_for(user)
    first = api.post(url("my-application-list"), {"call": world["call"].pk}, format="json")
    second = api.post(url("my-application-list"), {"call": world["call"].pk}, format="json")
    assert first.status_code == 201
    assert second.status_code == 400
    assert second.json() == {"non_field_errors": [ALREADY]}
    assert applications(user) == [ApplicationStatus.DRAFT]


@db
def test_an_offer_accepted_twice_over_the_api_makes_one_tenancy(today):
    world = offer_world(today)
    api = api_client_for(world["users"][0])
    path = url("my-offer-accept", world["offer"].pk)
    assert api.post(path).status_code == 200
    second = api.post(path)
    assert second.status_code == 400
    assert second.json() == {"status": [ACCEPTED_ALREADY]}
    assert Tenancy.objects.count() == 1


# --- the API with an Idempotency-Key: the repeat gets the first answer -------------------------

@db
def test_an_application_posted_twice_with_one_key_is_made_once_and_answered_twice(today):
    world = place_world(today)
    user = creative_user()
    api = api_client_for(user, **{f"HTTP_{HEADER.upper().replace('-', '_')}": "apply-1"})
    body = {"call": world["call"].pk, "motivation": "Ik maak keramiek."}
    first = api.post(url("my-application-list"), body, format="json")
    second = api.post(url("my-application-list"), body, format="json")
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json()
    assert REPLAYED not in first
    assert second[REPLAYED] == "true"
    assert applications(user) == [ApplicationStatus.DRAFT]
    assert IdempotentRequest.objects.filter(user=user, key="apply-1", status=201).count() == 1


def keyed(user, key: str):
    return api_client_for(user, HTTP_IDEMPOTENCY_KEY=key)


@db
def test_an_offer_accepted_twice_with_one_key_answers_the_acceptance_twice(today):
    world = offer_world(today)
    api = keyed(world["users"][0], "accept-7f3a")
    path = url("my-offer-accept", world["offer"].pk)
    first, second = api.post(path), api.post(path)
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json()["status"] == "accepted"
    assert second.json() == first.json()
    assert second[REPLAYED] == "true"
    assert Tenancy.objects.count() == 1


@db
def test_submitting_twice_with_one_key_answers_the_submission_twice(today):
    world = place_world(today)
    user = creative_user()
    created = api_client_for(user).post(url("my-application-list"), {"call": world["call"].pk},
                                        format="json").json()
    api = keyed(user, "submit-1")
    path = url("my-application-submit", created["id"])
    first, second = api.post(path), api.post(path)
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json() == first.json()
    assert second[REPLAYED] == "true"
    assert applications(user) == [ApplicationStatus.SUBMITTED]
    # Without the key the repeat is refused by the workflow, with what it says.
    third = api_client_for(user).post(path)
    assert third.status_code == 400
    assert third.json() == {"status": ["An application cannot go from Submitted to Submitted."]}


@db
def test_one_key_for_another_request_is_refused_and_changes_nothing(today):
    world = place_world(today)
    user = creative_user()
    api = keyed(user, "same")
    assert api.post(url("my-application-list"), {"call": world["call"].pk},
                    format="json").status_code == 201
    other = api.post(url("my-application-list"), {"building": world["building"].slug},
                     format="json")
    assert other.status_code == 400
    assert "This Idempotency-Key was used for another request" in (
        other.json()["non_field_errors"][0])
    assert Application.objects.filter(creative__user=user).count() == 1


@db
def test_a_refused_request_keeps_neither_its_key_nor_anything_else(today):
    world = place_world(today)
    user = creative_user()
    api = keyed(user, "too-late")
    world["call"].closes_on = today - timedelta(days=1)
    world["call"].save()
    refused = api.post(url("my-application-list"), {"call": world["call"].pk}, format="json")
    assert refused.status_code == 400
    assert REPLAYED not in refused
    assert not IdempotentRequest.objects.exists()
    assert not Application.objects.exists()
    # The refusal no longer holds: the same key, sent again, goes through.
    world["call"].closes_on = today + timedelta(days=1)
    world["call"].save()
    assert api.post(url("my-application-list"), {"call": world["call"].pk},
                    format="json").status_code == 201


@db
def test_a_key_is_kept_for_a_day_and_per_user(today):
    world = place_world(today)
    anna, bram = creative_user(), creative_user()
    body = {"call": world["call"].pk}
    assert keyed(anna, "k").post(url("my-application-list"), body,
                                 format="json").status_code == 201
    # Bram's "k" is his own.
    bram_answer = keyed(bram, "k").post(url("my-application-list"), body, format="json")
    assert bram_answer.status_code == 201 and REPLAYED not in bram_answer
    # After 24 hours Anna's key is forgotten: it may name a new request.
    IdempotentRequest.objects.filter(user=anna).update(
        created_at=IdempotentRequest.objects.get(user=anna).created_at - timedelta(hours=25))
    again = keyed(anna, "k").post(url("my-application-list"),
                                  {"building": world["building"].slug}, format="json")
    assert again.status_code == 201 and REPLAYED not in again
    assert IdempotentRequest.objects.filter(user=anna).count() == 1


@db
@pytest.mark.parametrize("key", ["", "x" * 256, "sleutel-é", "tab\there"])
def test_an_unusable_key_is_refused(today, key):
    world = place_world(today)
    user = creative_user()
    response = keyed(user, key).post(url("my-application-list"), {"call": world["call"].pk},
                                     format="json")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [
        "The Idempotency-Key header must be 1 to 255 printable ASCII characters."]}
    assert not Application.objects.exists()


# --- at the same moment, in two processes (PostgreSQL) ------------------------------------------

@pytest.mark.postgres_only
@real_transactions
def test_two_api_posts_of_one_application_at_once_make_one(today):
    world = place_world(today)
    user = creative_user()

    def post():
        return api_post(api_client_for(user), url("my-application-list"),
                        {"call": world["call"].pk})["id"]

    results = race_processes(post, post)
    assert sorted(kind for kind, _ in results) == ["ok", "refused"], results
    refused = next(detail for kind, detail in results if kind == "refused")
    assert refused in ([ALREADY], [RACED])
    assert applications(user) == [ApplicationStatus.DRAFT]


@pytest.mark.postgres_only
@real_transactions
def test_two_api_posts_with_one_key_at_once_make_one_and_both_get_it(today):
    """The second waits for the first's transaction on the key's unique index, then replays
    its answer: both succeed, with the same application."""
    world = place_world(today)
    user = creative_user()

    def post():
        response = keyed(user, "at-once").post(url("my-application-list"),
                                               {"call": world["call"].pk}, format="json")
        return response.status_code, response.json(), response.get(REPLAYED)

    results = race_processes(post, post)
    assert [kind for kind, _ in results] == ["ok", "ok"], results
    (status_a, body_a, replayed_a), (status_b, body_b, replayed_b) = [v for _, v in results]
    assert (status_a, status_b) == (201, 201)
    assert body_a == body_b
    assert sorted([replayed_a or "", replayed_b or ""]) == ["", "true"]
    assert applications(user) == [ApplicationStatus.DRAFT]


@pytest.mark.postgres_only
@real_transactions
def test_two_keyed_acceptances_at_once_make_one_tenancy(today):
    world = offer_world(today)
    user, offer = world["users"][0], world["offer"]

    def accept():
        response = keyed(user, "accept-once").post(url("my-offer-accept", offer.pk))
        return response.status_code, response.json()["status"]

    results = race_processes(accept, accept)
    assert [value for _kind, value in results] == [(200, "accepted"), (200, "accepted")], results
    assert Tenancy.objects.count() == 1
