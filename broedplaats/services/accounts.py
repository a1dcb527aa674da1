"""Writes of a user's own account: personal API tokens (made, used, revoked), and the answers
kept for the API writes they sent with an Idempotency-Key (`idempotent_run`).

The key is made here and returned once; only its SHA-256 is stored (ApiToken.hash_of). The
token a key belongs to is found by broedplaats.selectors.accounts.api_token_for_key.
"""

import secrets
from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from broedplaats import limits
from broedplaats.models import ApiToken, IdempotentRequest
from chains.formatting import long_date
from chains.locking import retry_on_conflict
from chains.services import lock_rows

KEY_PREFIX = "bp_"
# last_used_at is written at most once a minute per token: a busy script is not a write a call.
LAST_USED_EVERY = timedelta(minutes=1)

# How long the answer to a write sent with an Idempotency-Key is replayed to a repeat of it.
IDEMPOTENCY_KEPT = timedelta(hours=24)

__all__ = ["api_token_create", "api_token_revoke", "api_token_touch", "idempotent_run",
           "idempotent_requests_purge"]


@transaction.atomic
def api_token_create(*, user: AbstractBaseUser, name: str, expires_on: date,
                     on: date) -> tuple[ApiToken, str]:
    """Make a named token for a user, valid until the day before `expires_on` (after `on`, at
    most limits.API_TOKEN_MAX_DAYS ahead). Returns the row and the key, which is never
    readable again."""
    latest = on + timedelta(days=limits.API_TOKEN_MAX_DAYS)
    if expires_on <= on:
        raise ValidationError({"expires_on": _("A token must expire after today.")})
    if expires_on > latest:
        raise ValidationError({"expires_on": _(
            "A token expires within %(days)d days, on %(date)s at the latest."
        ) % {"days": limits.API_TOKEN_MAX_DAYS, "date": long_date(latest)}})
    # Locking the user serialises two creations at once, so the limit holds.
    lock_rows(get_user_model().objects.filter(pk=user.pk))
    live = ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires_on__gt=on)
    if live.count() >= limits.API_TOKENS_PER_USER:
        raise ValidationError({"name": _(
            "You have %(count)d tokens in use, the most there can be. Revoke one first."
        ) % {"count": limits.API_TOKENS_PER_USER}})
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=" ".join(name.split()), prefix=key[:8],
                     key_hash=ApiToken.hash_of(key), expires_on=expires_on)
    token.full_clean()
    token.save()
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, at: datetime) -> ApiToken:
    """Revoke a token: it is refused from now on. Revoking it again changes nothing."""
    lock_rows(ApiToken.objects.filter(pk=token.pk))
    token.refresh_from_db(fields=["revoked_at"])
    if token.revoked_at is None:
        token.revoked_at = at
        token.save(update_fields=["revoked_at"])
    return token


def api_token_touch(*, token: ApiToken, at: datetime) -> None:
    """Note that a token was used, at most once every LAST_USED_EVERY (one UPDATE, no lock:
    the newest time wins either way)."""
    if token.last_used_at is None or at - token.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=at)
        token.last_used_at = at


class _NotKept(Exception):
    """An answer that is not a success: its write, if any, is undone and nothing is kept."""

    def __init__(self, answer):
        super().__init__(answer)
        self.answer = answer


def _kept(*, user: AbstractBaseUser, key: str, fingerprint: str,
          since: datetime) -> tuple[int, object] | None:
    stored = IdempotentRequest.objects.filter(user=user, key=key, created_at__gte=since).first()
    if stored is None:
        return None
    if stored.fingerprint != fingerprint:
        raise ValidationError(_("This Idempotency-Key was used for another request in the "
                                "last 24 hours; send a new key with each new request."))
    return stored.status, stored.body


@retry_on_conflict
def _run_and_keep(*, user, key: str, fingerprint: str, now: datetime,
                  run: Callable[[], tuple[int, object]]) -> tuple[int, object]:
    IdempotentRequest.objects.filter(user=user, key=key, created_at__lt=now - IDEMPOTENCY_KEPT
                                     ).delete()  # the key may be used again after a day
    # Inserted first: a second request with this key, at the same moment, waits here for this
    # transaction and then fails on the unique constraint, finding the answer kept below.
    row = IdempotentRequest.objects.create(user=user, key=key, fingerprint=fingerprint,
                                           status=0, body=None, created_at=now)
    status, body = answer = run()
    if not 200 <= status < 300:
        raise _NotKept(answer)
    row.status, row.body = status, body
    row.save(update_fields=["status", "body"])
    return answer


def idempotent_run(*, user: AbstractBaseUser, key: str, fingerprint: str, now: datetime,
                   run: Callable[[], tuple[int, object]]) -> tuple[int, object, bool]:
    """Run a write (`run()` returns its answer: status and JSON body) once per user and key:
    the write and its answer are committed together; a repeat within IDEMPOTENCY_KEPT, even
    one sent while the first is still running, gets the kept answer (the last value: True).
    Only a success is kept: a refusal undoes the write's transaction and answers as it is,
    and a repeat tries again. The same key with another request (`fingerprint`) is refused."""
    since = now - IDEMPOTENCY_KEPT
    kept = _kept(user=user, key=key, fingerprint=fingerprint, since=since)
    if kept is not None:
        return (*kept, True)
    try:
        return (*_run_and_keep(user=user, key=key, fingerprint=fingerprint, now=now, run=run),
                False)
    except _NotKept as refused:
        return (*refused.answer, False)
    except IntegrityError:
        kept = _kept(user=user, key=key, fingerprint=fingerprint, since=since)
        if kept is None:
            raise
        return (*kept, True)


def idempotent_requests_purge(*, now: datetime) -> int:
    """Delete the answers kept longer than IDEMPOTENCY_KEPT: no repeat can get them any more,
    and their bodies may name people (an application, an accepted offer). Returns how many."""
    deleted, _by_model = IdempotentRequest.objects.filter(
        created_at__lt=now - IDEMPOTENCY_KEPT).delete()
    return deleted
