"""Row locks and what to do when two transactions still collide.

Every service that locks several rows locks them in one order (the list is in
`docs/architecture.md`, "Lock order", and `broedplaats.services.LOCK_ORDER`): by model in that
order, and within a model by primary key. Two transactions that both keep to it wait for each
other but never deadlock. Where one can still happen (a row locked by a plain UPDATE, a
three-way race), `retry_on_conflict` runs the whole transaction again and, when it keeps
failing, says so with a message instead of a 500.

chains sits under broedplaats (the arrow points one way), so the order's place-side models are
named there; this module only holds the mechanism.
"""

import functools
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.exceptions import ValidationError
from django.db import DatabaseError, models, transaction
from django.utils.translation import gettext as _

__all__ = [
    "ATTEMPTS",
    "LockRace",
    "conflict_message",
    "is_conflict",
    "lock_rows",
    "recording_locks",
    "retry_on_conflict",
]

# SQLSTATEs PostgreSQL answers when it aborts one of two colliding transactions.
DEADLOCK_DETECTED = "40P01"
SERIALIZATION_FAILURE = "40001"
CONFLICT_STATES = frozenset({DEADLOCK_DETECTED, SERIALIZATION_FAILURE})

ATTEMPTS = 4  # read at call time, so a test can lower it

_recorded: ContextVar[list | None] = ContextVar("locks_recorded", default=None)
_retrying: ContextVar[bool] = ContextVar("locks_retrying", default=False)


class LockRace(Exception):
    """Raised by a service that found, once its locks were held, rows it had not locked in
    order (e.g. an offer made between reading and locking): the transaction starts again."""


def lock_rows(queryset: models.QuerySet) -> list:
    """Lock exactly these rows, in primary-key order, until the surrounding transaction ends;
    returns their primary keys.

    FOR NO KEY UPDATE: a row referenced by a foreign key being inserted (an offer's space, an
    event's application) takes a key-share lock, which this does not block. Ordering by pk
    replaces any default ordering, so no join locks a related table. Outside a transaction
    there is nothing to hold, so nothing is done.
    """
    if not transaction.get_connection(queryset.db).in_atomic_block:
        return []
    pks = list(queryset.select_for_update(no_key=True).order_by("pk")
               .values_list("pk", flat=True))
    recorded = _recorded.get()
    if recorded is not None:
        recorded.append((queryset.model._meta.label, tuple(pks)))
    return pks


@contextmanager
def recording_locks() -> Iterator[list]:
    """Collect, in order, every `lock_rows` call made inside: (model label, locked pks)."""
    recorded: list = []
    token = _recorded.set(recorded)
    try:
        yield recorded
    finally:
        _recorded.reset(token)


def is_conflict(error: BaseException) -> bool:
    """True for a deadlock or serialization failure (also when Django wrapped the driver's
    error), and for a `LockRace`: errors a new attempt of the same transaction can get past."""
    if isinstance(error, LockRace):
        return True
    if not isinstance(error, DatabaseError):
        return False
    for candidate in (error, error.__cause__):
        state = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if state in CONFLICT_STATES:
            return True
    return False


def conflict_message() -> str:
    return _("Someone else changed this at the same moment. Please try again.")


def retry_on_conflict(func: Callable) -> Callable:
    """Run `func` in its own transaction (`transaction.atomic`, so the decorated service needs
    none of its own) and start it again on a deadlock or serialization failure, up to
    `ATTEMPTS` times; the last failure becomes a ValidationError with `conflict_message()`.

    Inside another service's retry, it only runs once (as a savepoint) and lets the conflict
    through: the transaction aborted is the outer one, so only the outer one can retry.
    Inside a transaction opened elsewhere (a view, the admin, a test) it cannot retry either,
    but still answers a conflict with the message.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if _retrying.get():
            with transaction.atomic():
                return func(*args, **kwargs)
        if transaction.get_connection().in_atomic_block:
            try:
                with transaction.atomic():
                    return func(*args, **kwargs)
            except (DatabaseError, LockRace) as error:
                if is_conflict(error):
                    raise ValidationError(conflict_message(), code="conflict") from error
                raise
        attempts = max(1, ATTEMPTS)
        for attempt in range(1, attempts + 1):
            token = _retrying.set(True)
            try:
                with transaction.atomic():
                    return func(*args, **kwargs)
            except (DatabaseError, LockRace) as error:
                if not is_conflict(error):
                    raise
                if attempt == attempts:
                    raise ValidationError(conflict_message(), code="conflict") from error
            finally:
                _retrying.reset(token)
            # Both losers of a deadlock retrying in step would meet again: wait a little,
            # a random while, longer each time.
            time.sleep(random.uniform(0, 0.02 * attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    return wrapper
