"""E-mails to creatives about their applications, offers and tenancies.

Services call `notify_*` inside their transaction; each mail is handed to
`transaction.on_commit`, so nothing is sent for a write that rolls back. Mails are written in
the default language (Dutch); the backend is the console in development, SMTP by EMAIL_URL.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from broedplaats.models import Application, Offer, OfferStatus, ScheduledRun
from broedplaats.selectors import tenancies_running
from chains.models import Creative

_muted: ContextVar[bool] = ContextVar("notifications_muted", default=False)

OFFER_REMINDER_DAYS = 2
TENANCY_ENDING_DAYS = 90


@contextmanager
def muted() -> Iterator[None]:
    """No mails from the services inside this block (e.g. seeding demo data with made-up
    addresses)."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def _address(creative: Creative) -> str:
    return creative.email or (creative.user.email if creative.user else "")


def _send(creative: Creative, template: str, context: dict) -> None:
    """Queue one mail to a creative for after the commit; nothing when they have no address."""
    address = _address(creative)
    if not address or _muted.get():
        return

    def send():
        with translation.override(settings.LANGUAGE_CODE):
            text = render_to_string(f"broedplaats/emails/{template}.txt",
                                    {"creative": creative, **context})
        subject, _, body = text.strip().partition("\n")
        send_mail(subject.strip(), body.strip() + "\n", None, [address])

    transaction.on_commit(send)


def notify_application_status(application: Application, old: str) -> None:
    """'Application received' on submission, 'status changed' on every later change."""
    template = "application_received" if application.status == "submitted" else \
        "application_status"
    _send(application.creative, template, {"application": application, "old": old})


def notify_offer_made(offer: Offer) -> None:
    _send(offer.application.creative, "offer_made", {"offer": offer})


def notify_offer_withdrawn(offer: Offer) -> None:
    """The programmer took an offer back; the application stays in the running."""
    _send(offer.application.creative, "offer_withdrawn", {"offer": offer})


def send_reminders(*, on: date) -> dict[str, int]:
    """Daily: offers whose reply deadline is in OFFER_REMINDER_DAYS days, tenancies that end in
    TENANCY_ENDING_DAYS days. Each mail goes out once: a second run for the same day finds the
    day recorded (`ScheduledRun`, in the same transaction as the mails) and sends nothing."""
    offers = Offer.objects.filter(
        status=OfferStatus.OPEN, reply_by=on + timedelta(days=OFFER_REMINDER_DAYS)
    ).select_related("application__creative__user", "space__building")
    ending_on = on + timedelta(days=TENANCY_ENDING_DAYS)
    tenancies = (
        tenancies_running(on)
        .filter(actual_end__isnull=True, planned_end=ending_on)
        .select_related("creative__user", "space__building")
    )
    with transaction.atomic():
        # The unique (job, day) row is the claim: written with the mails, or not at all.
        _run, first = ScheduledRun.objects.get_or_create(job="send_reminders", on=on)
        if not first:
            return {"offers": 0, "tenancies": 0}
        for offer in offers:
            _send(offer.application.creative, "offer_expiring", {"offer": offer})
        for tenancy in tenancies:
            _send(tenancy.creative, "tenancy_ending", {"tenancy": tenancy})
    return {"offers": len(offers), "tenancies": len(tenancies)}



