"""Privacy: the record that a creative's personal data was erased (docs/privacy.md).

The record says who erased whom and when, and nothing the erasure removed: the creative is
named by the id of the anonymous row that stays behind.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from chains.models import Creative


class ErasureRequest(models.TextChoices):
    SELF = "self", _("The creative themselves")
    ADMIN = "admin", _("An admin, on request")


class Erasure(models.Model):
    """One creative's erasure: the first one is kept, a repeat changes nothing here."""

    creative = models.OneToOneField(Creative, on_delete=models.PROTECT, related_name="erasure",
                                    verbose_name=_("creative (anonymous)"))
    requested = models.CharField(_("requested by"), max_length=10,
                                 choices=ErasureRequest.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                           blank=True, related_name="+", verbose_name=_("erased by"))
    at = models.DateTimeField(_("erased at"))
    # What was removed, as counts per kind of row (no content): for the register of processing.
    counts = models.JSONField(_("rows erased or anonymised"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("erasure")
        verbose_name_plural = _("erasures")

    def __str__(self):
        return f"#{self.creative_id} ({self.at:%Y-%m-%d})"
