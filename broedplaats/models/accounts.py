"""A user's personal API tokens: named, expiring, revocable, and stored only as a hash.

The key is shown once, when the token is made; the database keeps its SHA-256, so a copy of
the database gives no one a working key. Written only through broedplaats.services.accounts.
"""

import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="api_tokens", verbose_name=_("user"))
    name = models.CharField(_("name"), max_length=100,
                            help_text=_("What the token is for, e.g. the script that uses it."))
    # The key's first characters, shown so that a user can tell their tokens apart.
    prefix = models.CharField(_("prefix"), max_length=12)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_on = models.DateField(
        _("expires on"), help_text=_("From this day on the token is refused."))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_of(key: str) -> str:
        """The stored form of a key (hashing a random 256-bit key needs no salt nor a slow
        hash: there is nothing to guess from)."""
        return hashlib.sha256(key.encode()).hexdigest()

    def state_on(self, on) -> str:
        """"revoked", "expired" or "active" on a day."""
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_on <= on else "active"


class IdempotentRequest(models.Model):
    """An API write a user sent with an `Idempotency-Key` header, and the answer it got: a
    repeat of it with the same key within a day (a client retrying after a lost answer) gets
    the same answer again instead of doing the write twice. Written only through
    broedplaats.services.accounts.idempotent_run (see broedplaats/api/idempotency.py)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+", verbose_name=_("user"))
    key = models.CharField(_("key"), max_length=255)
    # SHA-256 of the method, the path and the body: the same key for another request is refused.
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    status = models.PositiveSmallIntegerField(_("status"))
    body = models.JSONField(_("body"), null=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("idempotent request")
        verbose_name_plural = _("idempotent requests")
        constraints = [
            # Two requests with one key at the same moment: the second waits for the first
            # and then finds its answer (the insert fails), on every database.
            models.UniqueConstraint(fields=["user", "key"], name="idempotent_request_one_per_key"),
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotent_request_created")]

    def __str__(self):
        return self.key
