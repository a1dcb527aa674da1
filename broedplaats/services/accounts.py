"""Writes of a user's own account: personal API tokens (made, used, revoked).

The key is made here and returned once; only its SHA-256 is stored (ApiToken.hash_of). The
token a key belongs to is found by broedplaats.selectors.accounts.api_token_for_key.
"""

import secrets
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from broedplaats import limits
from broedplaats.models import ApiToken
from chains.formatting import long_date
from chains.services import lock_rows

KEY_PREFIX = "bp_"
# last_used_at is written at most once a minute per token: a busy script is not a write a call.
LAST_USED_EVERY = timedelta(minutes=1)

__all__ = ["api_token_create", "api_token_revoke", "api_token_touch"]


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
