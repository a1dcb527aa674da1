"""Application and offer statuses in words that say what happened, for whom reads them.

The model labels ("Declined", "Ineligible") are the workflow's names; a creative reads
"Declined by you" for their own answer and "Not accepted" for a programmer's decision, and a
programmer reads who declined. (Labels live here, not on the choices: changing those would
change the schema's history for wording only.)
"""

from django import template
from django.utils.translation import gettext_lazy as _

from broedplaats.models import ApplicationStatus, OfferStatus

register = template.Library()

FOR_CREATIVE = {
    ApplicationStatus.DECLINED: _("Declined by you"),
    ApplicationStatus.INELIGIBLE: _("Not accepted"),
}
FOR_PROGRAMMER = {
    ApplicationStatus.DECLINED: _("Declined by the creative"),
}
OFFER_FOR_CREATIVE = {OfferStatus.DECLINED: _("Declined by you")}
OFFER_FOR_PROGRAMMER = {OfferStatus.DECLINED: _("Declined by the creative")}


def _label(choices, words: dict, value) -> str:
    if value in words:
        return str(words[value])
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value or "")


def status_for_creative(status: str) -> str:
    """An application status as the creative reads it."""
    return _label(ApplicationStatus, FOR_CREATIVE, status)


@register.filter
def for_creative(status: str) -> str:
    return status_for_creative(status)


@register.filter
def for_programmer(status: str) -> str:
    return _label(ApplicationStatus, FOR_PROGRAMMER, status)


@register.filter
def offer_for_creative(status: str) -> str:
    return _label(OfferStatus, OFFER_FOR_CREATIVE, status)


@register.filter
def offer_for_programmer(status: str) -> str:
    return _label(OfferStatus, OFFER_FOR_PROGRAMMER, status)
