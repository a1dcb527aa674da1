"""Accepting an offer is one transaction: a failure anywhere after the tenancy is inserted, an
exception or the process killed outright, leaves no tenancy, the offer open, the application
offered and the space's let period as it was; the offer can then be accepted as if nothing
had happened.

The tests run with real transactions (`transaction=True`), so the service's transaction is the
outermost one, as in a request, not a savepoint inside the test's.
"""

import os
import signal

import pytest
from django.core.exceptions import ValidationError

from broedplaats.models import ApplicationStatus, Offer, OfferStatus, Space, Tenancy
from broedplaats.services import allocation, offer_accept
from tests.processes import run_in_process
from tests.worlds import offer_world

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("english")]


class Crash(Exception):
    pass


def _state(world) -> dict:
    """What an accepted offer changes: tenancies, the offer, the application, the space."""
    offer = Offer.objects.get(pk=world["offer"].pk)
    space = Space.objects.get(pk=offer.space_id)
    return {
        "tenancies": list(Tenancy.objects.values_list("pk", flat=True)),
        "offer": (offer.status, offer.tenancy_id, offer.responded_at, offer.responded_by_id),
        "application": offer.application.status,
        "events": offer.application.events.count(),
        "let": (space.let_from, space.let_until, space.let_known_on),
    }


def _assert_nothing_kept(world, before: dict) -> None:
    after = _state(world)
    assert after == before
    assert after["tenancies"] == []
    assert after["offer"][0] == OfferStatus.OPEN
    assert after["application"] == ApplicationStatus.OFFERED


def _tenancy_then(monkeypatch, failure):
    """tenancy_create as offer_accept calls it, with `failure(tenancy)` right after the insert.
    Records the tenancy it inserted, to show there was one to roll back."""
    inserted = []
    original = allocation.tenancy_create

    def create_then_fail(**kwargs):
        tenancy = original(**kwargs)
        assert Tenancy.objects.filter(pk=tenancy.pk).exists()  # in this transaction
        inserted.append(tenancy.pk)
        failure(tenancy)
        return tenancy

    monkeypatch.setattr(allocation, "tenancy_create", create_then_fail)
    return inserted


def test_a_failure_recording_the_application_move_keeps_nothing(monkeypatch, today):
    world = offer_world(today)
    before = _state(world)
    original = allocation.tenancy_create
    inserted = []

    def recording(**kwargs):
        tenancy = original(**kwargs)
        inserted.append(tenancy.pk)
        return tenancy

    def fail(**kwargs):
        raise Crash("the application's status move failed")

    monkeypatch.setattr(allocation, "tenancy_create", recording)
    monkeypatch.setattr(allocation, "application_transition", fail)  # the last step
    with pytest.raises(Crash):
        offer_accept(offer=world["offer"], on=today, by=world["users"][0])
    assert inserted, "the tenancy was inserted before the failure"
    assert not Tenancy.objects.filter(pk__in=inserted).exists()
    _assert_nothing_kept(world, before)


def test_a_failure_saving_the_offer_keeps_nothing(monkeypatch, today):
    world = offer_world(today)
    before = _state(world)
    inserted = _tenancy_then(monkeypatch, lambda tenancy: None)
    original_save = Offer.save

    def save(self, *args, **kwargs):
        if self.status == OfferStatus.ACCEPTED:
            raise Crash("the offer could not be saved")
        return original_save(self, *args, **kwargs)

    monkeypatch.setattr(Offer, "save", save)
    with pytest.raises(Crash):
        offer_accept(offer=world["offer"], on=today, by=world["users"][0])
    assert inserted
    _assert_nothing_kept(world, before)


def test_after_a_failure_the_offer_is_accepted_once(monkeypatch, today):
    world = offer_world(today)
    def crash(tenancy):
        raise Crash("after the insert")

    _tenancy_then(monkeypatch, crash)
    with pytest.raises(Crash):
        offer_accept(offer=world["offer"], on=today, by=world["users"][0])
    monkeypatch.undo()
    offer = offer_accept(offer=world["offer"], on=today, by=world["users"][0])
    assert Tenancy.objects.count() == 1
    assert offer.tenancy.space_id == world["spaces"][0].pk
    assert _state(world)["let"][0] == offer.start  # the let period follows the one tenancy


@pytest.mark.postgres_only
def test_a_process_killed_after_the_tenancy_insert_commits_nothing(today):
    """SIGKILL in the middle of the transaction: no COMMIT was sent, so PostgreSQL rolls it
    back when the connection drops, and its row locks go with it."""
    world = offer_world(today)
    before = _state(world)
    offer_pk, user_pk = world["offer"].pk, world["users"][0].pk

    def accept_and_die(report):
        original = allocation.tenancy_create

        def create_then_die(**kwargs):
            tenancy = original(**kwargs)
            report(("inserted", tenancy.pk))
            os.kill(os.getpid(), signal.SIGKILL)

        allocation.tenancy_create = create_then_die  # in the child only
        from django.contrib.auth import get_user_model
        offer_accept(offer=Offer.objects.get(pk=offer_pk), on=today,
                     by=get_user_model().objects.get(pk=user_pk))
        report(("returned", None))  # never reached

    killed_by, reported = run_in_process(accept_and_die)
    assert killed_by == signal.SIGKILL, reported
    assert [kind for kind, _pk in reported] == ["inserted"], reported
    inserted = reported[0][1]
    assert not Tenancy.objects.filter(pk=inserted).exists()
    _assert_nothing_kept(world, before)
    # No lock outlived the process: the offer is answered at once, with one tenancy.
    offer = offer_accept(offer=Offer.objects.get(pk=offer_pk), on=today, by=world["users"][0])
    assert offer.status == OfferStatus.ACCEPTED
    assert Tenancy.objects.count() == 1


def test_a_refusal_after_the_insert_keeps_nothing_either(monkeypatch, today):
    """A service refusal (a ValidationError) late in the transaction: the same."""
    world = offer_world(today)
    before = _state(world)

    def refuse(tenancy):
        raise ValidationError("refused late")

    _tenancy_then(monkeypatch, refuse)
    with pytest.raises(ValidationError):
        offer_accept(offer=world["offer"], on=today, by=world["users"][0])
    _assert_nothing_kept(world, before)
