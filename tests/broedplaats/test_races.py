"""Two processes racing on every pair of conflicting writes on a space, an offer and an
application: one outcome, a clear message for the loser, never a 500 and never a deadlock.

Each side runs in its own forked process with its own connection (tests/processes.py), over
the API where there is an endpoint and by the service otherwise (the nightly expiry). Only
PostgreSQL has the row locks and deadlocks in question; SQLite serialises every writer.
"""

import time
from datetime import date, timedelta
from functools import partial

import pytest
from django.db.models import Count, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from rest_framework.test import APIClient

from broedplaats.models import (
    AllocationMethod,
    AllocationRound,
    Application,
    ApplicationStatus,
    Offer,
    OfferStatus,
    Space,
    Tenancy,
)
from broedplaats.services import (
    application_withdraw,
    offer_make,
    offers_expire,
    round_confirm,
    round_run,
    space_archive,
    tenancy_create,
)
from chains import locking
from chains.formatting import long_date
from chains.locking import conflict_message, lock_rows, retry_on_conflict
from chains.models import Creative
from tests.processes import api_post, deadlocks_so_far, race_processes
from tests.worlds import matching_applicant, matching_world, offer_world, tenancy_world

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("english")]

ROUNDS = 2


@pytest.fixture(autouse=True)
def deadlocks():
    """Not one deadlock, not even one retried away: the lock order keeps them apart. A test
    that makes them on purpose says how many it expects."""
    expected = {"count": 0}
    before = deadlocks_so_far()
    yield expected
    after = deadlocks_so_far()
    for _ in range(20):  # a session's figures arrive as it ends: give the last one a moment
        if after - before >= expected["count"]:
            break
        time.sleep(0.1)
        after = deadlocks_so_far()
    assert after - before == expected["count"], f"{after - before} deadlock(s)"


def client(user) -> APIClient:
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(user)
    return api


def post(user, name: str, pk: int, data: dict | None = None):
    return partial(api_post, client(user), reverse(f"api:{name}", args=[pk]), data)


def answered(status: str) -> str:
    return f"This offer is {OfferStatus(status).label} and can no longer be answered."


def cannot_go(current: str, to: str) -> str:
    return (f"An application cannot go from {ApplicationStatus(current).label} to "
            f"{ApplicationStatus(to).label}.")


def no_errors(results) -> list[str]:
    """The outcome of each side; fails on a 500, an exception or a hung process."""
    errors = [detail for kind, detail in results if kind == "error"]
    assert not errors, "\n".join(errors)
    return [kind for kind, _detail in results]


def one_wins(results, *, if_first_wins: list[str], if_second_wins: list[str]) -> int:
    """Exactly one side went through; the other got the message for that order. Returns the
    winner's index."""
    kinds = no_errors(results)
    assert sorted(kinds) == ["ok", "refused"], results
    winner = kinds.index("ok")
    assert results[1 - winner][1] == (if_first_wins if winner == 0 else if_second_wins)
    return winner


def assert_consistent() -> None:
    """What no interleaving may leave behind."""
    # An accepted offer has its tenancy and an accepted application; an open one an offered
    # application; an offered application exactly one open offer.
    assert not Offer.objects.filter(status=OfferStatus.ACCEPTED).filter(
        Q(tenancy__isnull=True) | ~Q(application__status=ApplicationStatus.ACCEPTED)).exists()
    assert not Offer.objects.filter(status=OfferStatus.OPEN).exclude(
        application__status=ApplicationStatus.OFFERED).exists()
    assert not Application.objects.filter(status=ApplicationStatus.OFFERED).annotate(
        open=Count("offers", filter=Q(offers__status=OfferStatus.OPEN))).exclude(open=1).exists()
    assert not Application.objects.filter(status=ApplicationStatus.ACCEPTED).annotate(
        accepted=Count("offers", filter=Q(offers__status=OfferStatus.ACCEPTED))).exclude(
        accepted=1).exists()
    # No two tenancies of a space at once.
    tenancies = list(Tenancy.objects.annotate(until=Coalesce("actual_end", "planned_end"))
                     .order_by("space_id", "start"))
    for before, after in zip(tenancies, tenancies[1:], strict=False):
        if before.space_id == after.space_id:
            assert before.until <= after.start, (before, after)


# --- an offer answered while something else happens to it ----------------------------------

def test_accept_and_withdrawing_the_application(today):
    for _ in range(ROUNDS):
        world = offer_world(today)
        offer, application, user = world["offer"], world["applications"][0], world["users"][0]

        results = race_processes(post(user, "my-offer-accept", offer.pk),
                                 post(user, "my-application-withdraw", application.pk))

        winner = one_wins(results, if_first_wins=[cannot_go("accepted", "withdrawn")],
                          if_second_wins=[answered(OfferStatus.WITHDRAWN)])
        offer.refresh_from_db()
        application.refresh_from_db()
        if winner == 0:
            assert (offer.status, application.status) == ("accepted", "accepted")
        else:
            assert (offer.status, application.status) == ("withdrawn", "withdrawn")
            assert not Tenancy.objects.filter(space=offer.space).exists()
        assert_consistent()


def test_accept_and_decline(today):
    for _ in range(ROUNDS):
        world = offer_world(today)
        offer, user = world["offer"], world["users"][0]

        results = race_processes(post(user, "my-offer-accept", offer.pk),
                                 post(user, "my-offer-decline", offer.pk))

        winner = one_wins(results, if_first_wins=[answered(OfferStatus.ACCEPTED)],
                          if_second_wins=[answered(OfferStatus.DECLINED)])
        offer.refresh_from_db()
        assert offer.status == ("accepted", "declined")[winner]
        assert Tenancy.objects.filter(space=offer.space).count() == (1, 0)[winner]
        assert_consistent()


def test_accept_twice_at_once(today):
    """A double click: one tenancy, and the second click is told the offer is accepted."""
    for _ in range(ROUNDS):
        world = offer_world(today)
        offer, user = world["offer"], world["users"][0]

        results = race_processes(post(user, "my-offer-accept", offer.pk),
                                 post(user, "my-offer-accept", offer.pk))

        message = [answered(OfferStatus.ACCEPTED)]
        one_wins(results, if_first_wins=message, if_second_wins=message)
        assert Tenancy.objects.filter(space=offer.space).count() == 1
        assert_consistent()


def test_accept_and_the_programmer_withdrawing_the_offer(today):
    for _ in range(ROUNDS):
        world = offer_world(today)
        offer = world["offer"]

        results = race_processes(
            post(world["users"][0], "my-offer-accept", offer.pk),
            post(world["programmer"], "programmer-offer-withdraw", offer.pk, {"note": "Oops"}))

        winner = one_wins(
            results,
            if_first_wins=[f"This offer is {OfferStatus.ACCEPTED.label}; only an open offer can "
                           "be withdrawn."],
            if_second_wins=[answered(OfferStatus.WITHDRAWN)])
        offer.refresh_from_db()
        offer.application.refresh_from_db()
        assert (offer.status, offer.application.status) == (
            ("accepted", "accepted"), ("withdrawn", "eligible"))[winner]
        assert_consistent()


def test_accept_and_the_nightly_expiry(today):
    """The creative accepts on the last day while the job that runs after it already
    expires: the offer is either let or expired, never both."""
    for _ in range(ROUNDS):
        world = offer_world(today, reply_by=today)
        offer = world["offer"]

        results = race_processes(post(world["users"][0], "my-offer-accept", offer.pk),
                                 partial(offers_expire, on=today + timedelta(days=1)))

        kinds = no_errors(results)
        offer.refresh_from_db()
        offer.application.refresh_from_db()
        if kinds[0] == "ok":
            assert results[1] == ("ok", 0)
            assert (offer.status, offer.application.status) == ("accepted", "accepted")
        else:
            assert results == [("refused", [answered(OfferStatus.EXPIRED)]), ("ok", 1)]
            assert (offer.status, offer.application.status) == ("expired", "expired")
        assert_consistent()


def test_decline_and_withdrawing_the_application(today):
    for _ in range(ROUNDS):
        world = offer_world(today)
        offer, application, user = world["offer"], world["applications"][0], world["users"][0]

        results = race_processes(post(user, "my-offer-decline", offer.pk),
                                 post(user, "my-application-withdraw", application.pk))

        winner = one_wins(results, if_first_wins=[cannot_go("declined", "withdrawn")],
                          if_second_wins=[answered(OfferStatus.WITHDRAWN)])
        offer.refresh_from_db()
        application.refresh_from_db()
        assert (offer.status, application.status) == (
            ("declined", "declined"), ("withdrawn", "withdrawn"))[winner]
        assert_consistent()


def test_expiry_and_withdrawing_the_application(today):
    for _ in range(ROUNDS):
        world = offer_world(today, reply_by=today)
        offer, application = world["offer"], world["applications"][0]

        results = race_processes(partial(offers_expire, on=today + timedelta(days=1)),
                                 post(world["users"][0], "my-application-withdraw",
                                      application.pk))

        no_errors(results)
        offer.refresh_from_db()
        application.refresh_from_db()
        if results[0] == ("ok", 1):
            assert results[1] == ("refused", [cannot_go("expired", "withdrawn")])
            assert (offer.status, application.status) == ("expired", "expired")
        else:
            assert results == [("ok", 0), ("ok", results[1][1])]
            assert (offer.status, application.status) == ("withdrawn", "withdrawn")
        assert_consistent()


def test_the_programmer_withdrawing_the_offer_and_the_creative_the_application(today):
    """Both may go through (offer first, then the eligible application); the application
    ends withdrawn either way and no offer stays open."""
    for _ in range(ROUNDS):
        world = offer_world(today)
        offer, application = world["offer"], world["applications"][0]

        results = race_processes(
            post(world["programmer"], "programmer-offer-withdraw", offer.pk),
            post(world["users"][0], "my-application-withdraw", application.pk))

        kinds = no_errors(results)
        assert kinds[1] == "ok", results
        if kinds[0] == "refused":
            assert results[0][1] == [f"This offer is {OfferStatus.WITHDRAWN.label}; only an "
                                     "open offer can be withdrawn."]
        offer.refresh_from_db()
        application.refresh_from_db()
        assert (offer.status, application.status) == ("withdrawn", "withdrawn")
        assert_consistent()


# --- an offer made while something else happens ----------------------------------------------

def test_withdrawing_the_application_while_an_offer_is_made(today):
    """Made first, the offer is withdrawn with the application; withdrawn first, no offer."""
    for _ in range(ROUNDS):
        world = offer_world(today, offered=False)
        application, space = world["applications"][0], world["spaces"][0]
        offer = {"space": space.pk, "start": (today + timedelta(days=14)).isoformat(),
                 "reply_by": (today + timedelta(days=7)).isoformat()}

        results = race_processes(
            post(world["users"][0], "my-application-withdraw", application.pk),
            post(world["programmer"], "programmer-application-offer", application.pk, offer))

        kinds = no_errors(results)
        assert kinds[0] == "ok", results
        if kinds[1] == "refused":
            assert results[1][1] == ["Only an eligible or shortlisted applicant can get an "
                                     f"offer (this one is {ApplicationStatus.WITHDRAWN.label})."]
            assert not Offer.objects.filter(application=application).exists()
        else:
            assert Offer.objects.get(application=application).status == "withdrawn"
        application.refresh_from_db()
        assert application.status == "withdrawn"
        assert_consistent()


def test_two_offers_of_one_space_at_once(today):
    for _ in range(ROUNDS):
        world = offer_world(today, applicants=2, offered=False)
        space = world["spaces"][0]
        offer = {"space": space.pk, "start": (today + timedelta(days=14)).isoformat(),
                 "reply_by": (today + timedelta(days=7)).isoformat()}

        results = race_processes(*[
            post(world["programmer"], "programmer-application-offer", application.pk, offer)
            for application in world["applications"]])

        taken = ["This space already has an open offer."]
        one_wins(results, if_first_wins=taken, if_second_wins=taken)
        assert Offer.objects.filter(space=space, status=OfferStatus.OPEN).count() == 1
        assert_consistent()


def _archive(space_id: int, on) -> int:
    return space_archive(space=Space.objects.get(pk=space_id), on=on).pk


def _make(world, application_id: int, space_id: int, today) -> int:
    return offer_make(application=Application.objects.get(pk=application_id),
                      space=Space.objects.get(pk=space_id), start=today + timedelta(days=14),
                      reply_by=today + timedelta(days=7), on=today, by=world["programmer"]).pk


def test_archiving_a_space_while_it_is_offered(today):
    for _ in range(ROUNDS):
        world = offer_world(today, offered=False)
        space, application = world["spaces"][0], world["applications"][0]

        results = race_processes(partial(_archive, space.pk, today),
                                 partial(_make, world, application.pk, space.pk, today))

        winner = one_wins(
            results,
            if_first_wins=[f"Offer an active space of {world['building']}."],
            if_second_wins=["This space has an open offer. Withdraw it or let it expire before "
                            "archiving."])
        space.refresh_from_db()
        assert space.archived == (winner == 0)
        assert Offer.objects.filter(space=space).count() == (0, 1)[winner]
        assert_consistent()


def _let(space_id: int, creative_id: int, start) -> int:
    return tenancy_create(space=Space.objects.get(pk=space_id),
                          creative=Creative.objects.get(pk=creative_id), start=start).pk


def test_archiving_a_space_while_it_is_let(today):
    for _ in range(ROUNDS):
        world = offer_world(today, offered=False)
        space, creative = world["spaces"][0], world["creatives"][0]

        results = race_processes(partial(_archive, space.pk, today),
                                 partial(_let, space.pk, creative.pk, today))

        winner = one_wins(
            results,
            if_first_wins=["This space is archived and cannot be let."],
            if_second_wins=["This space is let (now or later). End its tenancies before "
                            "archiving it."])
        space.refresh_from_db()
        assert space.archived == (winner == 0)
        assert Tenancy.objects.filter(space=space).count() == (0, 1)[winner]


def _confirm(round_id: int, on) -> int:
    return len(round_confirm(round=AllocationRound.objects.get(pk=round_id), on=on))


def _withdraw(application_id: int) -> str:
    return application_withdraw(application=Application.objects.get(pk=application_id)).status


def test_confirming_a_round_while_an_applicant_in_it_withdraws():
    """Confirmed first, the applicant's new offer is withdrawn with the application;
    withdrawn first, the round is refused as a whole and offers nothing."""
    on = date(2026, 3, 2)
    for _ in range(ROUNDS):
        world = matching_world(publish_on=on, opens_on=date(2026, 3, 1),
                               closes_on=date(2026, 3, 31), tenants_moved_on=date(2024, 1, 1),
                               tenancies_start=date(2025, 1, 1), tenancies_end=date(2027, 1, 1))
        for at in world["stages"]:
            matching_applicant(world, on=on, moved_on=date(2023, 6, 1), at=at)
        round_ = round_run(calls=[world["call"]], method=AllocationMethod.RANKING, on=on,
                           start=date(2026, 5, 1), reply_by=date(2026, 3, 16), seed=5)
        application = round_.entries.filter(space__isnull=False).first().application

        results = race_processes(partial(_confirm, round_.pk, on),
                                 partial(_withdraw, application.pk))

        kinds = no_errors(results)
        assert results[1] == ("ok", "withdrawn"), results
        round_.refresh_from_db()
        if kinds[0] == "ok":
            assert round_.status == "confirmed"
            assert Offer.objects.get(application=application).status == "withdrawn"
        else:
            assert "Only an eligible or shortlisted applicant can get an offer" in \
                results[0][1][0]
            assert round_.status == "proposed"
            assert not Offer.objects.filter(application__call=world["call"]).exists()
        assert_consistent()


# --- a tenancy ended and renewed -------------------------------------------------------------

def test_ending_and_renewing_a_tenancy(today):
    """Renewed first, it is still ended; ended first, the renewal is refused."""
    for _ in range(ROUNDS):
        world = tenancy_world(today)
        tenancy = world["tenancy"]
        new_end = tenancy.planned_end + timedelta(days=365)

        results = race_processes(
            post(world["programmer"], "programmer-tenancy-end", tenancy.pk,
                 {"on": today.isoformat(), "reason": "terminated"}),
            post(world["programmer"], "programmer-tenancy-renew", tenancy.pk,
                 {"planned_end": new_end.isoformat()}))

        kinds = no_errors(results)
        assert kinds[0] == "ok", results
        if kinds[1] == "refused":
            assert results[1][1] == [f"This tenancy has already ended on {long_date(today)}."]
        tenancy.refresh_from_db()
        assert tenancy.actual_end == today
        assert tenancy.renewals == (0 if kinds[1] == "refused" else 1)
        assert_consistent()


def test_renewing_a_tenancy_twice_at_once(today):
    for _ in range(ROUNDS):
        world = tenancy_world(today)
        tenancy = world["tenancy"]
        new_end = tenancy.planned_end + timedelta(days=365)
        renew = post(world["programmer"], "programmer-tenancy-renew", tenancy.pk,
                     {"planned_end": new_end.isoformat()})

        results = race_processes(renew, renew)

        later = [f"The new planned end must be after the current one ({long_date(new_end)})."]
        one_wins(results, if_first_wins=later, if_second_wins=later)
        tenancy.refresh_from_db()
        assert (tenancy.planned_end, tenancy.renewals) == (new_end, 1)


def test_ending_a_tenancy_twice_at_once(today):
    for _ in range(ROUNDS):
        world = tenancy_world(today)
        tenancy = world["tenancy"]
        end = post(world["programmer"], "programmer-tenancy-end", tenancy.pk,
                   {"on": today.isoformat(), "reason": "terminated"})

        results = race_processes(end, end)

        ended = [f"This tenancy has already ended on {long_date(today)}."]
        one_wins(results, if_first_wins=ended, if_second_wins=ended)
        tenancy.refresh_from_db()
        assert tenancy.actual_end == today


# --- the retry itself ------------------------------------------------------------------------

attempts_made = 0


@retry_on_conflict
def _lock_crosswise(first: int, second: int) -> int:
    """Lock two spaces against the lock order's id rule, with a pause between: two of these
    in opposite order deadlock for certain."""
    global attempts_made
    attempts_made += 1
    lock_rows(Space.objects.filter(pk=first))
    time.sleep(0.3)
    lock_rows(Space.objects.filter(pk=second))
    return attempts_made


def test_a_deadlock_is_retried_until_both_go_through(today, deadlocks):
    a, b = tenancy_world(today)["spaces"]
    deadlocks["count"] = 1

    results = race_processes(partial(_lock_crosswise, a.pk, b.pk),
                             partial(_lock_crosswise, b.pk, a.pk))

    # PostgreSQL aborted one of them; it ran again once the other had committed.
    assert sorted(results) == [("ok", 1), ("ok", 2)], results


def test_a_deadlock_without_retries_left_is_a_message_not_a_500(today, deadlocks):
    a, b = tenancy_world(today)["spaces"]
    deadlocks["count"] = 1
    assert locking.ATTEMPTS > 1  # only the children run with one attempt

    results = race_processes(partial(_lock_crosswise, a.pk, b.pk),
                             partial(_lock_crosswise, b.pk, a.pk), attempts=1)

    assert sorted(results) == [("ok", 1), ("refused", [conflict_message()])], results
