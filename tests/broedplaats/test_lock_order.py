"""Every service that locks rows of several models locks them in LOCK_ORDER (and one model's
rows in id order), as docs/architecture.md says; and retry_on_conflict retries what it should,
only where it can.

The locks are recorded as `lock_rows` is called, so these run on SQLite too (where the
locks themselves are no-ops); test_races.py races the same services on PostgreSQL.
"""

import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import OperationalError, transaction

from broedplaats.models import AllocationMethod, EndReason, Space
from broedplaats.services import (
    LOCK_ORDER,
    application_create,
    application_submit,
    application_withdraw,
    offer_accept,
    offer_decline,
    offer_make,
    offer_withdraw,
    offers_expire,
    policy_create,
    round_confirm,
    round_run,
    screening_record,
    space_archive,
    tenancy_cancel,
    tenancy_create,
    tenancy_end,
    tenancy_renew,
)
from chains import locking
from chains.locking import (
    LockRace,
    conflict_message,
    is_conflict,
    lock_rows,
    recording_locks,
    retry_on_conflict,
)
from tests.factories import CityFactory, CreativeFactory, stage
from tests.worlds import matching_applicant, matching_world, offer_world, place_world, tenancy_world

pytestmark = pytest.mark.usefixtures("english")

ORDER = {model._meta.label: index for index, model in enumerate(LOCK_ORDER)}


def assert_in_lock_order(recorded: list) -> None:
    """Each lock of rows not yet held comes after every lock before it: a later model, or the
    same model with higher ids. Rows already held may be locked again in any place."""
    held: set = set()
    last = (-1, 0)
    for label, pks in recorded:
        new = sorted(pk for pk in pks if (label, pk) not in held)
        if not new:
            continue
        assert label in ORDER, f"{label} is locked but not in LOCK_ORDER"
        assert (ORDER[label], new[0]) > last, f"{label} {new} locked after {last}: {recorded}"
        last = (ORDER[label], new[-1])
        held |= {(label, pk) for pk in pks}


def locks_of(call) -> list:
    with recording_locks() as recorded:
        call()
    assert recorded, "nothing was locked"
    return recorded


def labels(recorded: list) -> list[str]:
    return [label for label, pks in recorded if pks]


# --- the list itself -------------------------------------------------------------------------

def test_the_architecture_document_gives_the_same_lock_order():
    text = (Path(settings.BASE_DIR) / "docs" / "architecture.md").read_text()
    section = text.split("## Lock order", 1)[1].split("\n## ", 1)[0]
    named = re.findall(r"^\d+\. `(\w+)`", section, flags=re.MULTILINE)
    assert named == [model.__name__ for model in LOCK_ORDER]


def test_the_check_refuses_an_application_locked_before_its_offer():
    """The order application_withdraw had: the deadlock with offer_accept."""
    with pytest.raises(AssertionError):
        assert_in_lock_order([("broedplaats.Application", (1,)), ("broedplaats.Offer", (1,))])
    with pytest.raises(AssertionError):  # and one model's rows against their ids
        assert_in_lock_order([("broedplaats.Space", (2,)), ("broedplaats.Space", (1,))])
    assert_in_lock_order([("broedplaats.Space", (1,)), ("broedplaats.Offer", (5,)),
                          ("broedplaats.Space", (1,)), ("broedplaats.Application", (3,))])


# --- offers and applications -----------------------------------------------------------------

@pytest.fixture
def offered(db, today):
    return offer_world(today)


def test_accepting_locks_space_offer_application_then_creative(offered, today):
    recorded = locks_of(lambda: offer_accept(offer=offered["offer"], on=today))
    assert_in_lock_order(recorded)
    assert labels(recorded)[:3] == ["broedplaats.Space", "broedplaats.Offer",
                                    "broedplaats.Application"]
    assert "chains.Creative" in labels(recorded)


def test_withdrawing_an_offered_application_locks_its_offer_first(offered):
    application = offered["applications"][0]
    recorded = locks_of(lambda: application_withdraw(application=application))
    assert_in_lock_order(recorded)
    assert labels(recorded)[:3] == ["broedplaats.Space", "broedplaats.Offer",
                                    "broedplaats.Application"]
    offered["offer"].refresh_from_db()
    assert offered["offer"].status == "withdrawn"


@pytest.mark.parametrize("answer", [
    lambda offer, today: offer_decline(offer=offer, on=today),
    lambda offer, today: offer_withdraw(offer=offer, note="Space needed for repairs"),
], ids=["decline", "withdraw"])
def test_answering_or_taking_back_an_offer_keeps_the_order(offered, today, answer):
    assert_in_lock_order(locks_of(lambda: answer(offered["offer"], today)))


def test_expiring_offers_keeps_the_order(db, today):
    world = offer_world(today, reply_by=today)
    recorded = locks_of(lambda: offers_expire(on=today + timedelta(days=1)))
    assert_in_lock_order(recorded)
    world["offer"].refresh_from_db()
    assert world["offer"].status == "expired"


def test_making_an_offer_over_one_past_its_deadline_keeps_the_order(db, today):
    """The lapsed offer and its application are expired in the same step, locked up front."""
    world = offer_world(today, applicants=2, reply_by=today)
    later = today + timedelta(days=1)
    recorded = locks_of(lambda: offer_make(
        application=world["applications"][1], space=world["spaces"][0],
        start=today + timedelta(days=14), reply_by=today + timedelta(days=7), on=later))
    assert_in_lock_order(recorded)
    applications = [pk for label, pks in recorded if label == "broedplaats.Application"
                    for pk in pks]
    assert set(applications) >= {a.pk for a in world["applications"]}
    world["applications"][0].refresh_from_db()
    assert world["applications"][0].status == "expired"


def test_a_screening_locks_the_applications_it_moves_in_id_order(db, today):
    world = offer_world(today, offered=False)
    other = place_world(today)
    other["building"].city = world["building"].city
    other["building"].save()
    creative = CreativeFactory()
    for call in (world["call"], other["call"]):
        application_submit(application=application_create(creative=creative, call=call,
                                                          on=today), on=today)
    recorded = locks_of(lambda: screening_record(
        creative=creative, city=world["building"].city, on=today, professional_practice=True,
        income_within_limit=True))
    assert_in_lock_order(recorded)
    assert len({pk for label, pks in recorded if label == "broedplaats.Application"
                for pk in pks}) == 2


def test_confirming_a_round_locks_every_space_before_any_application(db):
    on, start, reply_by = date(2026, 3, 2), date(2026, 5, 1), date(2026, 3, 16)
    world = matching_world(publish_on=on, opens_on=date(2026, 3, 1), closes_on=date(2026, 3, 31),
                           tenants_moved_on=date(2024, 1, 1), tenancies_start=date(2025, 1, 1),
                           tenancies_end=date(2027, 1, 1))
    for at in world["stages"]:
        matching_applicant(world, on=on, moved_on=date(2023, 6, 1), at=at)
    round_ = round_run(calls=[world["call"]], method=AllocationMethod.RANKING, on=on,
                       start=start, reply_by=reply_by, seed=5)
    recorded = locks_of(lambda: round_confirm(round=round_, on=on))
    assert_in_lock_order(recorded)
    assert len({pk for label, pks in recorded if label == "broedplaats.Space"
                for pk in pks}) == 3


# --- tenancies and spaces --------------------------------------------------------------------

@pytest.fixture
def let(db, today):
    return tenancy_world(today)


def test_ending_a_tenancy_with_a_stage_move_locks_the_space_then_the_creative(let, today):
    to_stage = stage("making")
    recorded = locks_of(lambda: tenancy_end(tenancy=let["tenancy"], on=today,
                                            reason=EndReason.NEXT_STAGE, to_stage=to_stage))
    assert_in_lock_order(recorded)
    assert labels(recorded) == ["broedplaats.Space", "chains.Creative"]


@pytest.mark.parametrize("write", [
    lambda world, today: tenancy_renew(tenancy=world["tenancy"], on=today),
    lambda world, today: tenancy_create(space=world["spaces"][1], creative=CreativeFactory(),
                                        start=today),
    lambda world, today: space_archive(space=world["spaces"][1], on=today),
], ids=["renew", "create", "archive"])
def test_tenancy_and_space_writes_keep_the_order(let, today, write):
    assert_in_lock_order(locks_of(lambda: write(let, today)))


def test_cancelling_a_tenancy_keeps_the_order(db, today):
    world = offer_world(today)
    offer = offer_accept(offer=world["offer"], on=today)
    assert_in_lock_order(locks_of(lambda: tenancy_cancel(tenancy=offer.tenancy, on=today)))


def test_a_policy_locks_its_city(db):
    city = CityFactory()
    recorded = locks_of(lambda: policy_create(
        city=city, valid_from=date(2020, 1, 1), income_limit=Decimal("38000"),
        standard_term_months=24, max_renewals=2, screening_validity_months=12,
        max_tenancies_per_creative=1))
    assert labels(recorded) == ["broedplaats.City"]


# --- retry_on_conflict -----------------------------------------------------------------------

@pytest.fixture
def no_wait(monkeypatch):
    """No pause between attempts."""
    monkeypatch.setattr("chains.locking.time.sleep", lambda seconds: None)


class DriverError(Exception):
    """Stands in for psycopg's error, which Django keeps as the cause of its own."""

    def __init__(self, sqlstate):
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def database_error(sqlstate: str | None) -> OperationalError:
    error = OperationalError("from the database")
    error.__cause__ = DriverError(sqlstate)
    return error


def failing(times: int, sqlstate: str | None = "40P01", result="done"):
    """A service that fails `times` times with that SQLSTATE, then returns `result`."""
    calls = []

    @retry_on_conflict
    def service():
        calls.append(transaction.get_connection().in_atomic_block)
        if len(calls) <= times:
            raise database_error(sqlstate)
        return result

    return service, calls


def test_deadlocks_and_serialization_failures_are_conflicts_other_errors_not():
    assert is_conflict(database_error("40P01"))
    assert is_conflict(database_error("40001"))
    assert is_conflict(LockRace())
    assert not is_conflict(database_error("23505"))  # a unique violation stays itself
    assert not is_conflict(database_error(None))
    assert not is_conflict(ValueError("40P01"))


@pytest.mark.django_db(transaction=True)
def test_a_conflict_runs_the_service_again_in_a_new_transaction(no_wait):
    service, calls = failing(2)
    assert service() == "done"
    assert calls == [True, True, True]  # each attempt inside its own transaction


@pytest.mark.django_db(transaction=True)
def test_a_conflict_on_every_attempt_ends_in_the_message(no_wait):
    service, calls = failing(99)
    with pytest.raises(ValidationError) as error:
        service()
    assert error.value.messages == [conflict_message()]
    assert error.value.code == "conflict"
    assert len(calls) == locking.ATTEMPTS


@pytest.mark.django_db(transaction=True)
def test_other_database_errors_are_not_retried():
    service, calls = failing(1, sqlstate="23505")
    with pytest.raises(OperationalError):
        service()
    assert len(calls) == 1


@pytest.mark.django_db(transaction=True)
def test_a_lock_race_is_retried(no_wait):
    calls = []

    @retry_on_conflict
    def service():
        calls.append(1)
        if len(calls) == 1:
            raise LockRace("an offer appeared")
        return len(calls)

    assert service() == 2


def test_inside_a_transaction_opened_elsewhere_it_runs_once_and_answers_with_the_message(db):
    service, calls = failing(1)
    with pytest.raises(ValidationError) as error:
        service()
    assert error.value.messages == [conflict_message()]
    assert len(calls) == 1


@pytest.mark.django_db(transaction=True)
def test_a_nested_service_leaves_the_retry_to_the_outer_one(no_wait):
    inner, inner_calls = failing(1)
    outer_calls = []

    @retry_on_conflict
    def outer():
        outer_calls.append(1)
        return inner()

    assert outer() == "done"
    assert (len(outer_calls), len(inner_calls)) == (2, 2)


@pytest.mark.django_db(transaction=True)
def test_lock_rows_outside_a_transaction_locks_and_records_nothing():
    space = place_world(date(2026, 1, 5))["spaces"][0]
    with recording_locks() as recorded:
        assert lock_rows(Space.objects.filter(pk=space.pk)) == []
    assert recorded == []
