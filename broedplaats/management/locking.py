"""One run at a time of a scheduled command, across machines: an advisory lock per command.

When two machines (or a timer and a person) start the same command at once, the second finds
the lock taken, says so and exits 0 without doing any work. The lock is PostgreSQL's
session-level advisory lock (`pg_try_advisory_lock`) on a key derived from the command's name,
held on the default connection for the whole run and released in `finally`; were the process
to die, PostgreSQL releases it with the session (inside a transaction opened by the caller, the
transaction's lock instead). It is a session lock, not a transaction one,
because a command commits several transactions (`refresh_throughput` rebuilds the spells,
then computes the figures). A pooler in transaction mode (PgBouncer) would hand the session to
others between transactions: the commands connect to PostgreSQL directly (docs/deploy.md).

On SQLite (development, one machine) an exclusive `flock` on a file beside the database file
does the same for processes on that machine.
"""

import fcntl
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.translation import gettext as _

NAMESPACE = "broedplaats.command"


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for a name (the same on every machine and Python run,
    unlike hash()), as pg_try_advisory_lock(bigint) takes it."""
    digest = hashlib.sha256(f"{NAMESPACE}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def advisory_lock(name: str, *, using: str = DEFAULT_DB_ALIAS) -> Iterator[bool]:
    """Try to take the lock `name` without waiting; yields whether this run holds it."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with _postgres_lock(connection, lock_key(name)) as held:
            yield held
    else:
        with _file_lock(connection, name) as held:
            yield held


@contextmanager
def _postgres_lock(connection, key: int) -> Iterator[bool]:
    if connection.in_atomic_block:
        # Called inside a transaction (a test, or code that opened one): a session lock would
        # outlive a rollback and could not be released in an aborted transaction, so the
        # transaction's own lock, released when it ends.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [key])
            yield cursor.fetchone()[0]
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        held = cursor.fetchone()[0]
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


@contextmanager
def _file_lock(connection, name: str) -> Iterator[bool]:
    database = str(connection.settings_dict["NAME"])
    if database == ":memory:" or database.startswith("file:"):
        # A database no other process can open needs no lock against other processes.
        yield True
        return
    path = Path(f"{database}.{name}.lock")
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class LockedCommand(BaseCommand):
    """A scheduled command that runs under its advisory lock: `handle_locked` does the work,
    or, when another run holds the lock, nothing is done and the command exits 0."""

    lock_name: str = ""

    def handle(self, *args, **options):
        name = self.lock_name or self.__module__.rsplit(".", 1)[-1]
        with advisory_lock(name) as held:
            if not held:
                self.stdout.write(_("Another run of %(command)s holds the lock; nothing done.")
                                  % {"command": name})
                return
            self.handle_locked(*args, **options)

    def handle_locked(self, *args, **options):  # pragma: no cover
        raise NotImplementedError
