"""The scheduled commands (docs/allocation.md, "Cron"; docs/deploy.md): each changes nothing
when run twice in a row, and a run started while another holds the command's advisory lock
does nothing and exits 0 (broedplaats/management/locking.py)."""

import multiprocessing
import os
import pickle
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connections
from django.utils import timezone, translation

from broedplaats.management.locking import advisory_lock, lock_key
from broedplaats.models import (
    FigureSnapshot,
    IdempotentRequest,
    Offer,
    OfferStatus,
    ScheduledRun,
    Space,
    StageSpell,
)
from broedplaats.selectors import throughput
from tests.factories import (
    BuildingFactory,
    CityFactory,
    CreativeFactory,
    SpaceFactory,
    StageMoveFactory,
    TenancyFactory,
    UserFactory,
)
from tests.worlds import offer_world

COMMANDS = ["refresh_let_periods", "expire_offers", "send_reminders", "refresh_throughput",
            "anonymise_old_applications", "purge_idempotency_keys"]


def run(command: str, *args: str) -> str:
    """The command's output, in English (it speaks the active language, Dutch by default)."""
    output = StringIO()
    with translation.override("en"):
        call_command(command, *args, stdout=output)
    return output.getvalue()


# --- idempotent -----------------------------------------------------------------------------------

@pytest.fixture
def past_deadline(db, today):
    """An offer made ten days ago, to be answered by yesterday."""
    return offer_world(today - timedelta(days=10), reply_by=today - timedelta(days=1),
                       start=today + timedelta(days=5))["offer"]


def test_expire_offers_twice_expires_each_offer_once(past_deadline):
    assert run("expire_offers") == "Expired 1 offer(s).\n"
    expired = list(Offer.objects.values_list("pk", "status", "application__status"))
    assert run("expire_offers") == "Expired 0 offer(s).\n"
    assert list(Offer.objects.values_list("pk", "status", "application__status")) == expired
    assert expired[0][1] == OfferStatus.EXPIRED


def test_send_reminders_twice_on_a_day_mails_each_reminder_once(
    db, today, mailoutbox, django_capture_on_commit_callbacks
):
    offer_world(today, reply_by=today + timedelta(days=2))
    TenancyFactory(creative=CreativeFactory(email="bo@example.org"),
                   start=today - timedelta(days=100), planned_end=today + timedelta(days=90))
    with django_capture_on_commit_callbacks(execute=True):
        assert run("send_reminders") == "Reminded 1 offer(s), 1 tenancy(ies).\n"
    assert len(mailoutbox) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert run("send_reminders") == "Reminded 0 offer(s), 0 tenancy(ies).\n"
    assert len(mailoutbox) == 2
    assert list(ScheduledRun.objects.values_list("job", "on")) == [("send_reminders", today)]


def test_refresh_let_periods_twice_refreshes_nothing_the_second_time(db, today):
    building = BuildingFactory()
    let, free = SpaceFactory(building=building), SpaceFactory(building=building)
    TenancyFactory(space=let, start=today - timedelta(days=30),
                   planned_end=today + timedelta(days=300))
    assert run("refresh_let_periods") == "Refreshed the let period of 2 space(s).\n"
    stored = list(Space.objects.order_by("pk").values_list("pk", "let_from", "let_until",
                                                           "let_known_on"))
    assert run("refresh_let_periods") == "Refreshed the let period of 0 space(s).\n"
    assert list(Space.objects.order_by("pk").values_list(
        "pk", "let_from", "let_until", "let_known_on")) == stored
    assert stored[0][1:] == (today - timedelta(days=30), today + timedelta(days=300), today)
    assert free.pk == stored[1][0]


def test_refresh_throughput_twice_gives_the_same_spells_and_figures(db, today, stages,
                                                                    monkeypatch):
    # The whole city's view only (each view is the same work; views_ahead is tested with the
    # figures computed ahead), so the test stays fast.
    whole_city = throughput.views_ahead
    monkeypatch.setattr(throughput, "views_ahead",
                        lambda city, *, on: whole_city(city, on=on)[:1])
    city = CityFactory()
    building = BuildingFactory(city=city)
    creative = CreativeFactory()
    TenancyFactory(space=SpaceFactory(building=building), creative=creative,
                   start=today - timedelta(days=400), planned_end=today + timedelta(days=300))
    StageMoveFactory(creative=creative, to_stage=stages[0], building=building,
                     moved_on=today - timedelta(days=300))
    StageMoveFactory(creative=creative, from_stage=stages[0], to_stage=stages[1],
                     building=building, moved_on=today - timedelta(days=100))

    def state():
        spells = sorted(StageSpell.objects.values_list(
            "creative", "stage", "started_on", "ended_on"), key=str)
        snapshots = {}
        for snapshot in FigureSnapshot.objects.filter(city=city):
            tables = pickle.loads(snapshot.tables)
            snapshots[(snapshot.on, snapshot.view, snapshot.language)] = {
                code: (table.columns, table.rows) for code, table in tables.items()}
        return spells, snapshots

    run("refresh_throughput")
    first = state()
    assert first[0] and first[1]
    run("refresh_throughput")
    assert state() == first


def test_purge_idempotency_keys_twice_deletes_each_old_answer_once(db):
    now = timezone.now()
    user = UserFactory()
    for key, age in (("old", timedelta(hours=25)), ("recent", timedelta(hours=1))):
        IdempotentRequest.objects.create(user=user, key=key, fingerprint="f" * 64, status=201,
                                         body={"id": 1}, created_at=now - age)
    assert run("purge_idempotency_keys") == "Deleted 1 kept answer(s).\n"
    assert run("purge_idempotency_keys") == "Deleted 0 kept answer(s).\n"
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["recent"]


# --- one run at a time --------------------------------------------------------------------------

def test_each_command_has_its_own_stable_key():
    keys = {name: lock_key(name) for name in COMMANDS}
    assert len(set(keys.values())) == len(COMMANDS)
    # Derived from the name alone (not Python's salted hash()): the same on every machine.
    assert lock_key("expire_offers") == lock_key("expire_offers")
    assert all(-(2**63) <= key < 2**63 for key in keys.values())


def _hold_lock_in_another_process(name: str):
    """Fork a process that takes `name`'s lock and keeps it until told; returns (pid,
    release). Raises when the child could not take it."""
    context = multiprocessing.get_context("fork")
    held_reader, held_writer = context.Pipe(duplex=False)
    go_reader, go_writer = context.Pipe(duplex=False)
    connections.close_all()  # the child must not share the parent's connection
    pid = os.fork()
    if pid == 0:  # pragma: no cover (runs in the child)
        code = 0
        try:
            with advisory_lock(name) as held:
                held_writer.send(held)
                go_reader.poll(30)
        except BaseException:
            code = 1
            held_writer.send(False)
        finally:
            connections.close_all()
            os._exit(code)
    assert held_reader.poll(20) and held_reader.recv() is True, "the holder took no lock"

    def release():
        go_writer.send(True)
        os.waitpid(pid, 0)

    return release


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("command", COMMANDS)
def test_a_run_while_another_holds_the_lock_does_nothing_and_exits_0(command, today):
    release = _hold_lock_in_another_process(command)
    try:
        output = run(command)  # an error or a non-zero exit would raise here
    finally:
        release()
    assert output == f"Another run of {command} holds the lock; nothing done.\n"
    assert not ScheduledRun.objects.exists()  # send_reminders claimed no day
    assert not FigureSnapshot.objects.exists()


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_lock_is_released_after_a_run_and_held_by_another_process_only_while_it_runs(
    past_deadline_committed
):
    release = _hold_lock_in_another_process("expire_offers")
    try:
        assert "holds the lock" in run("expire_offers")
        assert Offer.objects.get().status == OfferStatus.OPEN
        # Another command's lock is another key: it runs.
        assert run("refresh_let_periods").startswith("Refreshed")
    finally:
        release()
    assert run("expire_offers") == "Expired 1 offer(s).\n"
    with connections["default"].cursor() as cursor:  # and released it when it was done
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                       " AND pid = pg_backend_pid()")
        assert cursor.fetchone()[0] == 0


@pytest.fixture
def past_deadline_committed(transactional_db, today):
    return offer_world(today - timedelta(days=10), reply_by=today - timedelta(days=1),
                       start=today + timedelta(days=5))["offer"]
