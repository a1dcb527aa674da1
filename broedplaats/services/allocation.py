"""Writes of allocation: open calls, applications and their workflow, screening and offers.

Every application status change goes through `application_transition`, which refuses what the
workflow (models.APPLICATION_TRANSITIONS) does not allow and records who and when.

Writes that touch an offer lock its space, then the offer(s), then the application(s), in the
order of `broedplaats.services.LOCK_ORDER`, and start again on a deadlock
(`chains.locking.retry_on_conflict`).
"""

from datetime import date, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from broedplaats.models import (
    APPLICATION_TRANSITIONS,
    ApplicantNote,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Building,
    Call,
    City,
    Offer,
    OfferStatus,
    Screening,
    SocialReturn,
    Space,
    Tenancy,
)
from broedplaats.notifications import (
    notify_application_status,
    notify_offer_made,
    notify_offer_withdrawn,
)
from broedplaats.selectors import (
    offers_past_deadline,
    policy_in_force,
    screening_valid_on,
    tenancies_overlapping,
)
from broedplaats.services.places import (
    add_months,
    note_check,
    space_taken,
    tenancy_create,
    tenancy_date_check,
)
from chains.formatting import long_date
from chains.history import history_by
from chains.locking import LockRace, lock_rows, retry_on_conflict
from chains.models import Creative

__all__ = [
    "call_create",
    "call_update",
    "call_publish",
    "call_close",
    "application_create",
    "application_transition",
    "application_submit",
    "application_withdraw",
    "applicant_note_add",
    "screening_record",
    "offer_make",
    "offer_accept",
    "offer_decline",
    "offer_withdraw",
    "offers_expire",
    "social_return_record",
]

User = AbstractBaseUser | None


# --- calls -------------------------------------------------------------------------------------

def _call_spaces_check(building: Building, spaces) -> None:
    """A call offers active spaces of its own building only."""
    foreign = [space.code for space in spaces if space.building_id != building.pk]
    if foreign:
        raise ValidationError({"spaces": _("These spaces are not in %(building)s: %(codes)s.")
                               % {"building": building, "codes": ", ".join(foreign)}})
    archived = [space.code for space in spaces if space.archived]
    if archived:
        raise ValidationError({"spaces": _("These spaces are archived: %(codes)s.")
                               % {"codes": ", ".join(archived)}})


CALL_CRITERIA = ("spaces", "chains", "disciplines", "stages", "facilities")


CALL_LONGEST_OPEN = timedelta(days=366)


def _call_dates_check(call: Call) -> None:
    """Said on the closing date, where the user looks (the constraint would say it for the
    whole form)."""
    if call.opens_on and call.closes_on and call.closes_on < call.opens_on:
        raise ValidationError({"closes_on": _("A call cannot close before it opens.")})
    if call.opens_on and call.closes_on and call.closes_on - call.opens_on > CALL_LONGEST_OPEN:
        raise ValidationError({"closes_on": _("A call stays open for a year at most.")})


def _call_publishable_check(call: Call, on: date) -> None:
    """Published calls are listed: only one with a space, open within a year of today."""
    if not call.spaces.exists():
        raise ValidationError({"spaces": _("Choose at least one space before publishing.")})
    _call_dates_check(call)
    if call.opens_on < on - timedelta(days=366):
        raise ValidationError({"opens_on": _("A call opens at most a year before it is "
                                             "published.")})
    if call.opens_on > on + timedelta(days=366):
        raise ValidationError({"opens_on": _("A call opens within a year from today.")})
    if call.closes_on < on:
        raise ValidationError({"closes_on": _("This call closed on %(date)s; move its closing "
                                              "date to publish it.") % {"date": long_date(call.closes_on)}})


@transaction.atomic
def call_create(*, building: Building, spaces=(), chains=(), disciplines=(), stages=(),
                facilities=(), by: User = None, **fields) -> Call:
    """A draft open call of a building; its spaces must be active spaces of that building."""
    if building.archived:
        raise ValidationError({"building": _("%(building)s is archived.")
                               % {"building": building}})
    call = history_by(Call(building=building, created_by=by, **fields), by)
    _call_dates_check(call)
    call.full_clean()
    _call_spaces_check(building, spaces)
    call.save()
    call.spaces.set(spaces)
    call.chains.set(chains)
    call.disciplines.set(disciplines)
    call.stages.set(stages)
    call.facilities.set(facilities)
    return call


@transaction.atomic
def call_update(*, call: Call, **changes) -> Call:
    """Change a call's text, dates, method, spaces or criteria; its building stays.

    Criteria given (spaces, chains, ...) replace the old ones; those not given stay.
    """
    lock_rows(Call.objects.filter(pk=call.pk))
    if "building" in changes and changes.pop("building").pk != call.building_id:
        raise ValidationError({"building": _("A call stays with its building; make a new call "
                                             "for another building.")})
    criteria = {name: changes.pop(name) for name in CALL_CRITERIA if name in changes}
    for name, value in changes.items():
        setattr(call, name, value)
    _call_dates_check(call)
    call.full_clean()
    if "spaces" in criteria:
        # Spaces already offered may have been archived since; only new ones are checked.
        current = set(call.spaces.values_list("pk", flat=True))
        _call_spaces_check(call.building,
                           [space for space in criteria["spaces"] if space.pk not in current])
    call.save()
    for name, rows in criteria.items():
        getattr(call, name).set(rows)
    return call


@transaction.atomic
def call_publish(*, call: Call, on: date, by: User = None) -> Call:
    """Publish a call that offers a space and is open within a year of `on`: from then on it
    is listed and open between its dates."""
    if call.published_at is not None:
        raise ValidationError({"published_at": _("This call is already published.")})
    _call_publishable_check(call, on)
    call.published_at = timezone.now()
    call.published_by = by
    history_by(call, by).save(update_fields=["published_at", "published_by"])
    return call


@transaction.atomic
def call_close(*, call: Call, on: date, by: User = None) -> Call:
    """Close an open call early: today becomes its last day to apply, and who closed it and
    when are kept on the call. Applications already in stay as they are."""
    lock_rows(Call.objects.filter(pk=call.pk))
    call.refresh_from_db(fields=["published_at", "opens_on", "closes_on"])
    if not call.is_open(on):
        raise ValidationError({"closes_on": _("Only an open call can be closed.")})
    if call.closes_on == on:
        raise ValidationError({"closes_on": _("This call already closes today.")})
    call.closes_on = on
    call.closed_at, call.closed_by = timezone.now(), by
    call.full_clean()
    history_by(call, by).save(update_fields=["closes_on", "closed_at", "closed_by"])
    return call


# --- applications ------------------------------------------------------------------------------

@retry_on_conflict
def application_transition(*, application: Application, to: str, by: User = None,
                           note: str = "", notify: bool = True) -> Application:
    """Move an application to another status, if the workflow allows it, and record it.

    `notify=False` when the caller mails the creative itself, better than a status mail."""
    note_check(note, field="note")
    lock_rows(Application.objects.filter(pk=application.pk))
    current = Application.objects.values_list("status", flat=True).get(pk=application.pk)
    if to not in APPLICATION_TRANSITIONS[current]:
        raise ValidationError({"status": _(
            "An application cannot go from %(from)s to %(to)s."
        ) % {"from": ApplicationStatus(current).label, "to": ApplicationStatus(to).label}})
    if current == ApplicationStatus.OFFERED and to == ApplicationStatus.ELIGIBLE and \
            Offer.objects.filter(application=application, status=OfferStatus.OPEN).exists():
        raise ValidationError({"status": _(
            "This applicant has an open offer; withdraw the offer instead.")})
    application.status = to
    changed = ["status"]
    if to == ApplicationStatus.SUBMITTED:
        application.submitted_at = timezone.now()
        changed.append("submitted_at")
    history_by(application, by, note).save(update_fields=changed)
    ApplicationEvent.objects.create(application=application, from_status=current,
                                    to_status=to, by=by, note=note)
    if notify and to != ApplicationStatus.OFFERED:  # the offer mail says it better
        notify_application_status(application, old=current)
    return application


@transaction.atomic
def application_create(*, creative: Creative, on: date, call: Call | None = None,
                       building: Building | None = None, facilities=(), portfolio_images=(),
                       by: User = None, **wishes) -> Application:
    """A draft application to an open call, or onto a building's candidate list, showing the
    chosen images of the creative's own portfolio."""
    if any(image.creative_id != creative.pk for image in portfolio_images):
        raise ValidationError({"portfolio_images": _(
            "Choose images of your own portfolio.")})
    if call is not None:
        if not call.is_open(on):
            raise ValidationError({"call": _("This call is not open.")})
        building = call.building
    if building is None or building.archived:
        raise ValidationError({"building": _("Choose an open call or a building.")})
    application = history_by(
        Application(creative=creative, call=call, building=building, **wishes), by)
    application.full_clean()
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError as error:  # a second active application raced this one
        raise ValidationError({"call": _("You already have an application here.")}) from error
    application.facilities.set(facilities)
    application.portfolio_images.set(portfolio_images)
    ApplicationEvent.objects.create(application=application, to_status=application.status,
                                    by=by)
    return application


def application_submit(*, application: Application, on: date, by: User = None) -> Application:
    """Submit a draft; a call only takes submissions while it is open."""
    if application.call is not None and not application.call.is_open(on):
        raise ValidationError({"call": _("This call closed on %(date)s.")
                               % {"date": long_date(application.call.closes_on)}})
    return application_transition(application=application, to=ApplicationStatus.SUBMITTED,
                                  by=by)


@retry_on_conflict
def application_withdraw(*, application: Application, by: User = None) -> Application:
    """The creative withdraws; an open offer on the application is withdrawn with it.

    The open offers' spaces and the offers are locked before the application (the lock
    order), so an answer to the offer at the same moment waits instead of deadlocking."""
    open_offers = Offer.objects.filter(application=application, status=OfferStatus.OPEN)
    seen = list(open_offers.values_list("pk", "space_id"))
    lock_rows(Space.objects.filter(pk__in=[space_id for _pk, space_id in seen]))
    locked = set(lock_rows(Offer.objects.filter(pk__in=[pk for pk, _space_id in seen])))
    lock_rows(Application.objects.filter(pk=application.pk))
    if set(open_offers.values_list("pk", flat=True)) - locked:
        raise LockRace("an offer was made before the application was locked")
    application_transition(application=application, to=ApplicationStatus.WITHDRAWN, by=by)
    # Saved one by one, not by one UPDATE, so the audit history has each (an application has
    # an open offer or two at most).
    for offer in open_offers.order_by("pk"):
        offer.status = OfferStatus.WITHDRAWN
        offer.responded_at, offer.responded_by = timezone.now(), by
        history_by(offer, by, _("The application was withdrawn.")).save(
            update_fields=["status", "responded_at", "responded_by"])
    return application


@transaction.atomic
def applicant_note_add(*, application: Application, text: str, by: User = None) -> ApplicantNote:
    """A programmer's private note on an applicant; the creative never sees it."""
    note = ApplicantNote(application=application, text=text.strip(), author=by)
    note.full_clean()
    note.save()
    return note


# --- screening ---------------------------------------------------------------------------------

WAITING_FOR_SCREENING = (ApplicationStatus.SUBMITTED, ApplicationStatus.SCREENING,
                         ApplicationStatus.INELIGIBLE, ApplicationStatus.ELIGIBLE,
                         ApplicationStatus.SHORTLISTED)


@retry_on_conflict
def screening_record(*, creative: Creative, city: City, on: date, professional_practice: bool,
                     income_within_limit: bool, reasons: str = "", by: User = None) -> Screening:
    """Record a screening against the city's policy in force; only outcome and reasons are kept.

    The creative's applications in that city that wait on screening follow the outcome.
    """
    policy = policy_in_force(city=city, on=on)
    if policy is None:
        raise ValidationError({"decided_on": _("%(city)s has no policy for %(date)s.")
                               % {"city": city, "date": long_date(on)}})
    eligible = professional_practice and income_within_limit
    screening = Screening(
        creative=creative, city=city, policy=policy, decided_on=on,
        valid_until=add_months(on, policy.screening_validity_months),
        professional_practice=professional_practice, income_within_limit=income_within_limit,
        eligible=eligible, reasons=reasons, decided_by=by,
    )
    screening.full_clean()
    history_by(screening, by).save()
    outcome = ApplicationStatus.ELIGIBLE if eligible else ApplicationStatus.INELIGIBLE
    waiting = Application.objects.filter(creative=creative, building__city=city,
                                         status__in=WAITING_FOR_SCREENING)
    lock_rows(Application.objects.filter(pk__in=list(waiting.values_list("pk", flat=True))))
    for application in waiting.order_by("pk"):
        if application.status == outcome or outcome not in APPLICATION_TRANSITIONS[
            application.status
        ]:
            continue
        application_transition(application=application, to=outcome, by=by,
                               note=_("Screening of %(date)s") % {"date": on.isoformat()})
    return screening


# --- offers ------------------------------------------------------------------------------------

OFFERABLE = (ApplicationStatus.ELIGIBLE, ApplicationStatus.SHORTLISTED)


def _offer_dates_check(*, city: City, start: date, reply_by: date, on: date) -> None:
    """An offer the creative can accept: it starts from today to a year ahead under a policy
    in force, and is answered between today and the start."""
    if start < on:
        raise ValidationError({"start": _("The tenancy cannot start before today.")})
    if start > on + timedelta(days=366):
        raise ValidationError({"start": _("The tenancy starts within a year from today.")})
    if policy_in_force(city=city, on=start) is None:
        raise ValidationError({"start": _("%(city)s has no policy for %(date)s.")
                               % {"city": city, "date": long_date(start)}})
    if reply_by < on:
        raise ValidationError({"reply_by": _("The reply deadline cannot be before today.")})
    if reply_by > start:
        raise ValidationError({"reply_by": _("The reply deadline cannot be after the start.")})


def _lock_offer_rows(*, space_id: int, offers, application_ids) -> None:
    """Lock in the lock order: the space, these offers, then these applications (each set in
    id order)."""
    lock_rows(Space.objects.filter(pk=space_id))
    lock_rows(offers)
    lock_rows(Application.objects.filter(pk__in=list(application_ids)))


def _stale_offers(space: Space, on: date):
    """The space's offers still open though past their deadline: expired, but not yet told."""
    return Offer.objects.filter(space=space, status=OfferStatus.OPEN, reply_by__lt=on)


def _expire(offer: Offer) -> None:
    """Expire an open offer past its deadline and its application; its rows are locked."""
    offer.status = OfferStatus.EXPIRED
    history_by(offer, reason=_("Reply deadline %(date)s passed.")
               % {"date": offer.reply_by.isoformat()}).save(update_fields=["status"])
    application = offer.application
    application.refresh_from_db(fields=["status"])
    if application.status == ApplicationStatus.OFFERED:
        application_transition(application=application, to=ApplicationStatus.EXPIRED,
                               note=_("Reply deadline %(date)s passed.")
                               % {"date": offer.reply_by.isoformat()})


@retry_on_conflict
def offer_make(*, application: Application, space: Space, start: date, reply_by: date,
               on: date, by: User = None) -> Offer:
    """Offer a space to an eligible applicant whose screening is valid on the offer date."""
    # The space's open offers can only change under the space's lock, so read after it.
    lock_rows(Space.objects.filter(pk=space.pk))
    open_offers = Offer.objects.filter(space=space, status=OfferStatus.OPEN)
    _lock_offer_rows(space_id=space.pk, offers=open_offers, application_ids={
        application.pk, *open_offers.values_list("application_id", flat=True)})
    application.refresh_from_db(fields=["status"])
    space.refresh_from_db(fields=["archived"])  # as it is now, not as the caller read it
    if application.status not in OFFERABLE:
        raise ValidationError({"application": _(
            "Only an eligible or shortlisted applicant can get an offer (this one is %(status)s)."
        ) % {"status": application.get_status_display()}})
    if space.building_id != application.building_id or space.archived:
        raise ValidationError({"space": _("Offer an active space of %(building)s.")
                               % {"building": application.building}})
    if application.call_id and not application.call.spaces.filter(pk=space.pk).exists():
        raise ValidationError({"space": _("This space is not offered in the call.")})
    screening = screening_valid_on(creative=application.creative,
                                   city=application.building.city, on=on)
    if screening is None or not screening.eligible:
        raise ValidationError({"application": _(
            "%(creative)s has no valid positive screening on %(date)s; screen them first."
        ) % {"creative": application.creative, "date": long_date(on)}})
    _offer_dates_check(city=application.building.city, start=start, reply_by=reply_by, on=on)
    if Offer.objects.filter(space=space, status=OfferStatus.OPEN, reply_by__gte=on).exists():
        raise space_taken("space", _("This space already has an open offer."))
    for stale in _stale_offers(space, on).select_related("application").order_by("pk"):
        _expire(stale)  # past its deadline: expire it now, lazily
    if tenancies_overlapping(space=space, start=start, end=add_months(start, 1)).exists():
        raise space_taken("start", _("The space is let on %(date)s.") % {"date": long_date(start)})
    offer = Offer(application=application, space=space, start=start, offered_on=on,
                  reply_by=reply_by, made_by=by)
    offer.full_clean()
    history_by(offer, by).save()
    application_transition(application=application, to=ApplicationStatus.OFFERED, by=by)
    notify_offer_made(offer)
    return offer


def _open_offer(offer: Offer, on: date) -> Offer:
    """The offer as stored, locked with its space and application; refused unless still open
    and within its deadline. (A space has one open offer at most: `offer_one_open_per_space`.)
    """
    _lock_offer_rows(space_id=offer.space_id, offers=Offer.objects.filter(pk=offer.pk),
                     application_ids={offer.application_id})
    offer.refresh_from_db()
    if offer.status == OfferStatus.OPEN and offer.reply_by < on:
        raise ValidationError({"reply_by": _("This offer expired on %(date)s.")
                               % {"date": long_date(offer.reply_by)}})
    if offer.status != OfferStatus.OPEN:
        raise ValidationError({"status": _("This offer is %(status)s and can no longer be "
                                           "answered.") % {"status": offer.get_status_display()}})
    return offer


@retry_on_conflict
def offer_accept(*, offer: Offer, on: date, by: User = None) -> Offer:
    """Accept: the tenancy starts in the same transaction (planned end from the policy, rent
    from the space), and any other open offer for the space is closed."""
    offer = _open_offer(offer, on)
    tenancy = tenancy_create(space=offer.space, creative=offer.application.creative,
                             start=offer.start, by=by)
    offer.status = OfferStatus.ACCEPTED
    offer.tenancy = tenancy
    offer.responded_at, offer.responded_by = timezone.now(), by
    history_by(offer, by).save(update_fields=["status", "tenancy", "responded_at",
                                              "responded_by"])
    # One by one, for the audit history: one open offer per space leaves none here but a
    # stray (offer_one_open_per_space), so this is a look rather than a loop.
    for other in Offer.objects.filter(space=offer.space, status=OfferStatus.OPEN).exclude(
        pk=offer.pk
    ):
        other.status = OfferStatus.CLOSED
        history_by(other, by, _("The space was let to another applicant.")).save(
            update_fields=["status"])
    application_transition(application=offer.application, to=ApplicationStatus.ACCEPTED, by=by)
    return offer


@retry_on_conflict
def offer_decline(*, offer: Offer, on: date, by: User = None) -> Offer:
    """Decline: the offer and its application end; no penalty is recorded."""
    offer = _open_offer(offer, on)
    offer.status = OfferStatus.DECLINED
    offer.responded_at, offer.responded_by = timezone.now(), by
    history_by(offer, by).save(update_fields=["status", "responded_at", "responded_by"])
    application_transition(application=offer.application, to=ApplicationStatus.DECLINED, by=by)
    return offer


@retry_on_conflict
def offer_withdraw(*, offer: Offer, by: User = None, note: str = "") -> Offer:
    """The programmer takes back an open offer: the offer is withdrawn, the applicant is
    eligible again (the event records who and why) and is told by mail."""
    note_check(note, field="note")
    _lock_offer_rows(space_id=offer.space_id, offers=Offer.objects.filter(pk=offer.pk),
                     application_ids={offer.application_id})
    offer.refresh_from_db()
    if offer.status != OfferStatus.OPEN:
        raise ValidationError({"status": _(
            "This offer is %(status)s; only an open offer can be withdrawn."
        ) % {"status": offer.get_status_display()}})
    offer.status = OfferStatus.WITHDRAWN
    offer.responded_at, offer.responded_by = timezone.now(), by
    offer.full_clean()
    history_by(offer, by, note.strip()).save(update_fields=["status", "responded_at",
                                                            "responded_by"])
    application = offer.application
    application.refresh_from_db(fields=["status"])
    if application.status == ApplicationStatus.OFFERED:
        application_transition(
            application=application, to=ApplicationStatus.ELIGIBLE, by=by, notify=False,
            note=note.strip() or _("Offer of %(space)s withdrawn.") % {"space": offer.space})
    notify_offer_withdrawn(offer)
    return offer


@retry_on_conflict
def _offer_expire(*, offer_id: int, on: date) -> bool:
    """Expire one offer if it is still open and past its deadline on `on`, in its own
    transaction; False when someone answered or took it back first."""
    ids = Offer.objects.filter(pk=offer_id).values("space_id", "application_id").first()
    if ids is None:
        return False
    _lock_offer_rows(space_id=ids["space_id"], offers=Offer.objects.filter(pk=offer_id),
                     application_ids={ids["application_id"]})
    offer = Offer.objects.select_related("application").get(pk=offer_id)
    if offer.status != OfferStatus.OPEN or offer.reply_by >= on:
        return False
    _expire(offer)
    return True


def offers_expire(*, on: date) -> int:
    """Expire every open offer past its deadline (and its application). Returns how many.

    Each offer in its own short transaction, so a nightly run holds no space for long and
    an offer answered meanwhile is left as it was answered."""
    ids = list(offers_past_deadline(on).order_by("pk").values_list("pk", flat=True))
    return sum(_offer_expire(offer_id=pk, on=on) for pk in ids)


# --- social return -----------------------------------------------------------------------------

@transaction.atomic
def social_return_record(*, tenancy: Tenancy, kind: str, on: date, hours, description: str = "",
                         by: User = None) -> SocialReturn:
    """Log hours a tenant gave back; only within the tenancy's period."""
    activity = SocialReturn(tenancy=tenancy, kind=kind, on=on, hours=hours,
                            description=description, recorded_by=by)
    activity.full_clean()
    tenancy_date_check(tenancy, on, field="on")
    activity.save()
    return activity
