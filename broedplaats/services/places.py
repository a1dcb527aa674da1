"""Writes of the place side. Every rule is checked here, with the message users see.

The same checks back the admin forms (`tenancy_check`, `space_check`, `policy_check`) so the
admin, the pages and the API refuse the same things with the same words.
"""

import calendar
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import IntegrityError, transaction
from django.db.models import DateField, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from broedplaats import limits
from broedplaats.models import (
    ApplicantNote,
    Building,
    City,
    EndReason,
    Offer,
    OfferStatus,
    Policy,
    Space,
    SpacePhoto,
    Tenancy,
    normalize_postcode,
    rent_per_m2_year,
)
from broedplaats.selectors import (
    let_unknown_on,
    policy_in_force,
    rent_cap_for,
    tenancies_overlapping,
)
from chains.formatting import long_date, money
from chains.history import history_by
from chains.locking import lock_rows, retry_on_conflict
from chains.models import Creative, Stage
from chains.services import image_row_add, image_row_remove, stage_move_record

__all__ = [
    "add_months",
    "policy_check",
    "policy_create",
    "rent_cap_check",
    "building_create",
    "building_update",
    "building_archive",
    "space_check",
    "space_create",
    "space_update",
    "space_archive",
    "space_unarchive",
    "space_let_refresh",
    "space_let_roll_over",
    "SPACE_PHOTO_LIMIT",
    "space_photo_add",
    "space_photo_remove",
    "overlap_message",
    "SPACE_TAKEN",
    "space_taken",
    "tenancy_check",
    "tenancy_save",
    "tenancy_create",
    "tenancy_end",
    "tenancy_renew",
    "tenancy_actions",
    "tenancy_cancel",
    "tenancy_date_check",
    "tenancy_stage_move",
]


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clipped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- policy ----------------------------------------------------------------------------------

def policy_check(policy: Policy) -> None:
    """Refuse a policy whose period overlaps another policy of the same city."""
    far_future = date(9999, 12, 31)
    overlapping = Policy.objects.filter(city_id=policy.city_id).exclude(pk=policy.pk).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=policy.valid_from),
        valid_from__lte=policy.valid_to or far_future,
    )
    if overlapping.exists():
        raise ValidationError(
            {"valid_from": _("Another policy of this city covers part of this period.")}
        )


@transaction.atomic
def policy_create(*, city: City, rent_caps: dict[str, Decimal] | None = None, **fields) -> Policy:
    """A new dated policy for a city, with its rent caps per space kind."""
    lock_rows(City.objects.filter(pk=city.pk))
    policy = Policy(city=city, **fields)
    policy.full_clean(validate_constraints=False)
    # The overlap is policy_check's job (same field and message on every database); the
    # PostgreSQL exclusion constraint backs it at save. Validating that constraint here
    # crashes on PostgreSQL for an open-ended policy (untyped 'infinity' in the model's
    # expression), so skip it: it is the only constraint that refers to city.
    policy.validate_constraints(exclude={"city"})
    policy_check(policy)
    policy.save()
    for kind, cap in (rent_caps or {}).items():
        policy.rent_caps.create(space_kind=kind, max_rent_per_m2_year=cap)
    return policy


# --- rent cap --------------------------------------------------------------------------------

def rent_cap_check(
    *, city: City, space_kind: str, area_m2: Decimal, monthly_rent: Decimal, on: date,
    exception_reason: str = "", field: str = "monthly_rent",
) -> None:
    """Refuse rent per m² per year above the policy cap for the space kind, unless excepted."""
    if not area_m2 or area_m2 <= 0 or monthly_rent is None:
        return  # the field validators report these
    cap = rent_cap_for(policy=policy_in_force(city=city, on=on), space_kind=space_kind)
    if cap is None or exception_reason.strip():
        return
    per_m2_year = rent_per_m2_year(monthly_rent, area_m2)
    if per_m2_year > cap.max_rent_per_m2_year:
        raise ValidationError({field: _(
            "The rent comes to %(rent)s per m² per year, above the cap of %(cap)s per m² per "
            "year for this kind of space in %(city)s. Lower the rent, or record an exception "
            "with a reason."
        ) % {"rent": money(per_m2_year), "cap": money(cap.max_rent_per_m2_year),
             "city": city}})


# --- buildings and spaces --------------------------------------------------------------------

@transaction.atomic
def building_create(*, chain_focus=(), programmers=(), **fields) -> Building:
    """A new building; the postcode is normalised to '1234 AB'."""
    if "postcode" in fields:
        fields["postcode"] = normalize_postcode(fields["postcode"])
    building = Building(**fields)
    building.full_clean()
    building.save()
    building.chain_focus.set(chain_focus)
    building.programmers.set(programmers)
    return building


@transaction.atomic
def building_update(*, building: Building, chain_focus=None, programmers=None,
                    **fields) -> Building:
    if "postcode" in fields:
        fields["postcode"] = normalize_postcode(fields["postcode"])
    for name, value in fields.items():
        setattr(building, name, value)
    building.full_clean()
    building.save()
    if chain_focus is not None:
        building.chain_focus.set(chain_focus)
    if programmers is not None:
        building.programmers.set(programmers)
    return building


@transaction.atomic
def building_archive(*, building: Building) -> Building:
    """Archive instead of delete: its tenancies and history stay countable."""
    building.archived = True
    building.save(update_fields=["archived"])
    return building


def space_check(space: Space, *, on: date) -> None:
    """The rules a space must meet beyond its fields: the city's rent cap."""
    rent_cap_check(
        city=space.building.city, space_kind=space.kind, area_m2=space.area_m2,
        monthly_rent=space.monthly_rent, on=on,
        exception_reason=space.rent_exception_reason,
    )


@transaction.atomic
def space_create(*, on: date, facilities=(), stages=(), **fields) -> Space:
    """A new space; refused when its rent is above the city's cap without an exception."""
    space = Space(**fields)
    space.full_clean()
    space_check(space, on=on)
    space.save()
    space.facilities.set(facilities)
    space.stages.set(stages)
    return space


@transaction.atomic
def space_update(*, space: Space, on: date, facilities=None, stages=None, **fields) -> Space:
    for name, value in fields.items():
        setattr(space, name, value)
    space.full_clean()
    space_check(space, on=on)
    space.save()
    if facilities is not None:
        space.facilities.set(facilities)
    if stages is not None:
        space.stages.set(stages)
    return space


@retry_on_conflict
def space_archive(*, space: Space, on: date | None = None) -> Space:
    """Archive a space: no new call, offer or tenancy takes it; its history stays.

    Refused while it is let or promised: a tenancy running on or after `on`, or an open offer.
    """
    lock_rows(Space.objects.filter(pk=space.pk))
    on = on or timezone.localdate()
    if tenancies_overlapping(space=space, start=on, end=date.max).exists():
        raise ValidationError({"archived": _(
            "This space is let (now or later). End its tenancies before archiving it.")})
    if Offer.objects.filter(space=space, status=OfferStatus.OPEN).exists():
        raise ValidationError({"archived": _(
            "This space has an open offer. Withdraw it or let it expire before archiving.")})
    space.archived = True
    space.save(update_fields=["archived"])
    return space


@transaction.atomic
def space_unarchive(*, space: Space) -> Space:
    """Bring an archived space back into use."""
    space.archived = False
    space.save(update_fields=["archived"])
    return space


def space_let_refresh(*, spaces=None, on: date) -> int:
    """Store each space's let period (`let_from`, `let_until`) as known on `on`
    (`let_known_on`): its tenancy running on `on`, else its next one to start, else none. One
    UPDATE for any number of spaces; `spaces` is a queryset, ids or Space rows, None for all.
    Returns how many spaces it wrote.

    "Free now" believes a known period without a look (selectors.free_on), so it must be read
    whole: callers hold the spaces' row locks, as the tenancy services do, so that no tenancy
    of them changes while it is read here, and call it after their own tenancy writes (each of
    which empties `let_known_on`, migration 0017's trigger).
    """
    # A cancelled tenancy ends on its start and holds no day: it is nobody's period.
    ahead = (Tenancy.objects.filter(space=OuterRef("pk"))
             .annotate(until=Coalesce("actual_end", "planned_end"))
             .filter(until__gt=on).filter(until__gt=F("start")).order_by("start"))
    if spaces is None:
        targets = Space.objects.all()
    elif isinstance(spaces, QuerySet):
        targets = Space.objects.filter(pk__in=spaces.order_by().values("pk"))
    else:
        targets = Space.objects.filter(pk__in=[getattr(space, "pk", space) for space in spaces])
    return targets.update(let_from=Subquery(ahead.values("start")[:1]),
                          let_until=Subquery(ahead.values("until")[:1]),
                          let_known_on=Value(on, output_field=DateField()))


ROLL_OVER_BATCH = 900  # ids a statement: within SQLite's oldest limit of bound parameters


@transaction.atomic
def space_let_roll_over(*, on: date) -> int:
    """The nightly step: refresh the spaces whose stored let period does not answer for `on`
    (not known, known for a later day, or ended), so that "free now" reads no tenancy. Returns
    how many it refreshed. Their rows are locked first, so no tenancy of them changes
    meanwhile."""
    ids = lock_rows(Space.objects.filter(let_unknown_on(on)))
    for first in range(0, len(ids), ROLL_OVER_BATCH):
        space_let_refresh(spaces=ids[first:first + ROLL_OVER_BATCH], on=on)
    return len(ids)


def _let_refresh_today(*space_ids: int) -> None:
    """Refresh the let period of a tenancy's space(s) after a change, as of today: any day
    keeps reads exact, today keeps the spaces to check few."""
    space_let_refresh(spaces=[pk for pk in space_ids if pk is not None],
                      on=timezone.localdate())


# --- space photos ----------------------------------------------------------------------------

SPACE_PHOTO_LIMIT = 12


def space_photo_add(*, space: Space, file, caption: str = "",
                    by: AbstractBaseUser | None = None) -> SpacePhoto:
    """Add an uploaded photo to a space, with its thumbnails; the same checks and storage as
    a portfolio image (chains.services.image_row_add)."""
    return image_row_add(
        owner=Space.objects.filter(pk=space.pk),
        rows=SpacePhoto.objects.filter(space=space),
        limit=SPACE_PHOTO_LIMIT,
        too_many=ngettext(
            "A space has at most %(limit)d photo. Remove it before adding another.",
            "A space has at most %(limit)d photos. Remove one before adding another.",
            SPACE_PHOTO_LIMIT,
        ) % {"limit": SPACE_PHOTO_LIMIT},
        file=file,
        make=lambda processed, position: SpacePhoto(
            space=space, caption=caption.strip(), uploaded_by=by, width=processed.width,
            height=processed.height, position=position),
    )


def space_photo_remove(*, photo: SpacePhoto) -> None:
    """Remove a photo; its files are deleted once that is committed."""
    image_row_remove(row=photo, owner=Space.objects.filter(pk=photo.space_id))


# --- tenancies -------------------------------------------------------------------------------

# The code of a refusal because the space is let or promised in the period: the request was
# right, the space's state is in the way (the API answers 409 Conflict, see api/errors.py).
SPACE_TAKEN = "space_taken"


def overlap_message() -> str:
    return _("This space already has a tenancy in this period.")


def space_taken(field: str, message: str | None = None) -> ValidationError:
    """The refusal, on `field`, when the space is let or promised in the period."""
    return ValidationError({field: ValidationError(message or overlap_message(),
                                                   code=SPACE_TAKEN)})


def _term_check(tenancy: Tenancy, policy: Policy | None) -> None:
    """The planned end at most the policy's standard term from the start, one more standard
    term for each renewal (a new tenancy has none)."""
    if policy is None:
        return
    months = policy.standard_term_months * (1 + tenancy.renewals)
    longest = add_months(tenancy.start, months)
    if tenancy.planned_end > longest:
        raise ValidationError({"planned_end": _(
            "The policy of %(city)s allows a term of at most %(months)s months (until "
            "%(date)s). Shorten the term, or record an exception with a reason."
        ) % {"city": tenancy.space.building.city, "months": months,
             "date": long_date(longest)}})


def tenancy_check(tenancy: Tenancy) -> None:
    """Every rule a new or changed tenancy must meet: term, rent cap, overlap, one at a time."""
    space, start = tenancy.space, tenancy.start
    if tenancy.planned_end and start and tenancy.planned_end <= start:
        raise ValidationError({"planned_end": _("The planned end must be after the start.")})
    if space.archived and tenancy.pk is None:
        raise ValidationError({"space": _("This space is archived and cannot be let.")})
    city = space.building.city
    policy = policy_in_force(city=city, on=start)
    if not tenancy.term_exception_reason.strip():
        _term_check(tenancy, policy)
    rent_cap_check(
        city=city, space_kind=space.kind, area_m2=space.area_m2,
        monthly_rent=tenancy.monthly_rent, on=start,
        exception_reason=tenancy.rent_exception_reason,
    )
    if tenancies_overlapping(space=space, start=start, end=tenancy.end).exclude(
        pk=tenancy.pk
    ).exists():
        raise space_taken("start")
    allowed = policy.max_tenancies_per_creative if policy else 1
    # Count over the whole period, not only on its start (a changed tenancy too, without
    # itself): the most held at once is reached on the start or on another tenancy's start.
    others = list(
        Tenancy.objects.filter(creative=tenancy.creative, start__lt=tenancy.end)
        .annotate(effective_end=Coalesce("actual_end", "planned_end"))
        .filter(effective_end__gt=start)
        .exclude(pk=tenancy.pk)
    )
    for day in sorted({start} | {other.start for other in others if other.start > start}):
        held = sum(1 for other in others if other.start <= day < other.effective_end)
        if held >= allowed:
            raise ValidationError({"creative": _(
                "%(creative)s already holds %(count)s tenancy(ies) on %(date)s; the policy "
                "allows %(allowed)s at a time."
            ) % {"creative": tenancy.creative, "count": held, "date": long_date(day),
                 "allowed": allowed}})


@transaction.atomic
def tenancy_save(tenancy: Tenancy) -> Tenancy:
    """Check and save a tenancy, holding the space's row lock so checks and insert are one step.

    On PostgreSQL the exclusion constraint is the last word under concurrency; its violation
    is turned into the same message the check gives.
    """
    return _tenancy_save(tenancy)


def _tenancy_save(tenancy: Tenancy) -> Tenancy:
    """tenancy_save inside a transaction its caller opened."""
    # A changed tenancy may move to another space: both spaces' let periods change, so
    # both are held (in id order, so two such moves cannot wait on each other).
    moved_from = (Tenancy.objects.filter(pk=tenancy.pk).values_list("space_id", flat=True)
                  .first() if tenancy.pk is not None else None)
    lock_rows(Space.objects.filter(pk__in={tenancy.space_id, moved_from} - {None}))
    # Also the creative's row (always after the space, so no deadlock): two lettings to
    # one creative on different spaces must not both pass the one-at-a-time check.
    lock_rows(Creative.objects.filter(pk=tenancy.creative_id))
    if tenancy.pk is None:  # archived meanwhile? (tenancy_check refuses a new one then)
        tenancy.space.refresh_from_db(fields=["archived"])
    tenancy.full_clean(validate_constraints=False)
    tenancy_check(tenancy)
    tenancy.validate_constraints()
    try:
        with transaction.atomic():
            tenancy.save()
    except IntegrityError as error:
        if "tenancy_no_overlap" in str(error):
            raise space_taken("start") from error
        raise
    _let_refresh_today(tenancy.space_id, moved_from)
    return tenancy


@retry_on_conflict
def tenancy_create(
    *,
    space: Space,
    creative: Creative,
    start: date,
    planned_end: date | None = None,
    monthly_rent: Decimal | None = None,
    rent_exception_reason: str = "",
    term_exception_reason: str = "",
    by: AbstractBaseUser | None = None,
) -> Tenancy:
    """Let a space to a creative. Planned end defaults to the policy's standard term, rent to
    the space's rent."""
    if planned_end is None:
        policy = policy_in_force(city=space.building.city, on=start)
        if policy is None:
            raise ValidationError({"planned_end": _(
                "%(city)s has no policy for %(date)s; give a planned end."
            ) % {"city": space.building.city, "date": long_date(start)}})
        planned_end = add_months(start, policy.standard_term_months)
    tenancy = Tenancy(
        space=space, creative=creative, start=start, planned_end=planned_end,
        monthly_rent=space.monthly_rent if monthly_rent is None else monthly_rent,
        rent_exception_reason=rent_exception_reason,
        term_exception_reason=term_exception_reason,
        created_by=by,
    )
    return _tenancy_save(history_by(tenancy, by))


@retry_on_conflict
def tenancy_end(*, tenancy: Tenancy, on: date, reason: str, to_stage: Stage | None = None,
                note: str = "", by: AbstractBaseUser | None = None) -> Tenancy:
    """End a running tenancy on a date (the space is free from that date) with a reason.

    Outflow to the market and "next stage" are stage moves too: they are recorded in the same
    step (a next stage needs `to_stage`), so the history cannot miss them.
    """
    # Lock first and read the stored tenancy: a stale copy must not end a tenancy twice, nor
    # undo a renewal saved meanwhile (the whole row is saved below).
    lock_rows(Space.objects.filter(pk=tenancy.space_id))
    tenancy.refresh_from_db()
    if tenancy.actual_end is not None:
        raise ValidationError({"actual_end": _("This tenancy has already ended on %(date)s.")
                               % {"date": long_date(tenancy.actual_end)}})
    if reason not in EndReason.values:
        raise ValidationError({"end_reason": _("Choose an end reason from the list.")})
    if on < tenancy.start:
        raise ValidationError({"actual_end": _("The end cannot be before the start (%(date)s).")
                               % {"date": long_date(tenancy.start)}})
    # Ending after the planned end lengthens the tenancy: it must not run into the next one.
    if tenancies_overlapping(space=tenancy.space, start=tenancy.start, end=on).exclude(
        pk=tenancy.pk
    ).exists():
        raise space_taken("actual_end")
    if reason == EndReason.NEXT_STAGE and to_stage is None:
        raise ValidationError({"to_stage": _("Choose the stage the creative moves on to.")})
    tenancy.actual_end = on
    tenancy.end_reason = reason
    tenancy.ended_by = by
    tenancy.ended_at = timezone.now()
    tenancy.full_clean()
    history_by(tenancy, by).save()
    _let_refresh_today(tenancy.space_id)
    if reason in (EndReason.OUTFLOW_TO_MARKET, EndReason.NEXT_STAGE):
        stage_move_record(
            creative=tenancy.creative, on=on, building=tenancy.space.building, note=note, by=by,
            to_stage=to_stage if reason == EndReason.NEXT_STAGE else None,
            to_market=reason == EndReason.OUTFLOW_TO_MARKET,
        )
    return tenancy


@retry_on_conflict
def tenancy_renew(*, tenancy: Tenancy, planned_end: date | None = None,
                  exception_reason: str = "", on: date,
                  by: AbstractBaseUser | None = None) -> Tenancy:
    """Extend a running tenancy's planned end; by default one standard term of the policy in
    force on its start, from the current planned end.

    Each renewal counts on the tenancy. More renewals than the policy allows, or a term longer
    than the standard terms allow, need an exception reason: it is appended, dated and signed,
    to the tenancy's term exception. Refused when the tenancy has ended, when the new end is not
    after the current one, or when it runs into the space's next tenancy.
    """
    # Lock first and read the stored state: a stale copy must not renew twice or an ended one.
    lock_rows(Space.objects.filter(pk=tenancy.space_id))
    tenancy.refresh_from_db(fields=["actual_end", "planned_end", "renewals",
                                    "term_exception_reason"])
    if tenancy.actual_end is not None:
        raise ValidationError({"planned_end": _("This tenancy has already ended on %(date)s.")
                               % {"date": long_date(tenancy.actual_end)}})
    city = tenancy.space.building.city
    policy = policy_in_force(city=city, on=tenancy.start)
    reason = exception_reason.strip()
    if planned_end is None:
        if policy is None:
            raise ValidationError({"planned_end": _(
                "%(city)s has no policy for %(date)s; give a planned end."
            ) % {"city": city, "date": long_date(tenancy.start)}})
        planned_end = add_months(tenancy.planned_end, policy.standard_term_months)
    if planned_end <= tenancy.planned_end:
        raise ValidationError({"planned_end": _(
            "The new planned end must be after the current one (%(date)s)."
        ) % {"date": long_date(tenancy.planned_end)}})
    renewals = tenancy.renewals + 1
    if policy is not None and renewals > policy.max_renewals and not reason:
        raise ValidationError({"exception_reason": _(
            "The policy of %(city)s allows at most %(max)s renewal(s); this tenancy has had "
            "%(count)s. Record an exception with a reason to renew it again."
        ) % {"city": city, "max": policy.max_renewals, "count": tenancy.renewals}})
    if tenancies_overlapping(space=tenancy.space, start=tenancy.start, end=planned_end).exclude(
        pk=tenancy.pk
    ).exists():
        raise space_taken("planned_end")
    tenancy.planned_end = planned_end
    tenancy.renewals = renewals
    if reason:
        note = _("Renewal %(count)s until %(date)s, recorded on %(on)s by %(by)s: %(reason)s") % {
            "count": renewals, "date": planned_end.isoformat(), "on": on.isoformat(),
            "by": by or "–", "reason": reason}
        tenancy.term_exception_reason = "\n".join(
            part for part in (tenancy.term_exception_reason.strip(), note) if part)
    else:
        # An earlier exception does not stretch this renewal: it keeps to the standard terms.
        _term_check(tenancy, policy)
    return _tenancy_save(history_by(tenancy, by))


def tenancy_actions(tenancy: Tenancy, *, on: date) -> frozenset[str]:
    """What a programmer may still do with a tenancy on a day: renew and end it while it runs,
    end or cancel it before it starts; nothing once ended or past its planned end."""
    if tenancy.actual_end is not None or tenancy.planned_end <= on:
        return frozenset()
    if tenancy.start > on:
        return frozenset({"end", "cancel"})
    return frozenset({"renew", "end"})


@retry_on_conflict
def tenancy_cancel(*, tenancy: Tenancy, on: date, reason: str = "",
                   by: AbstractBaseUser | None = None) -> Tenancy:
    """Call off a tenancy that has not started: it ends on its start (end reason "other"), so
    the space is free again and the row stays for the record. Who, when and why are kept on the
    tenancy; the application it came from, if any, gets a private note saying so."""
    lock_rows(Space.objects.filter(pk=tenancy.space_id))
    tenancy.refresh_from_db(fields=["start", "actual_end"])
    if tenancy.actual_end is not None:
        raise ValidationError({"actual_end": _("This tenancy has already ended on %(date)s.")
                               % {"date": long_date(tenancy.actual_end)}})
    if tenancy.start <= on:
        raise ValidationError({"actual_end": _(
            "This tenancy started on %(date)s; end it instead of cancelling it."
        ) % {"date": long_date(tenancy.start)}})
    tenancy.actual_end = tenancy.start
    tenancy.end_reason = EndReason.OTHER
    tenancy.ended_by = by
    tenancy.ended_at = timezone.now()
    tenancy.cancel_reason = reason.strip()
    tenancy.full_clean()
    history_by(tenancy, by).save(update_fields=["actual_end", "end_reason", "ended_by", "ended_at",
                                "cancel_reason"])
    _let_refresh_today(tenancy.space_id)
    offer = Offer.objects.filter(tenancy=tenancy).select_related("application").first()
    if offer is not None:
        text = _("Tenancy of %(space)s cancelled before its start (%(date)s).") % {
            "space": tenancy.space, "date": tenancy.start.isoformat()}
        ApplicantNote.objects.create(application=offer.application, author=by,
                                     text=f"{text} {reason.strip()}".strip())
    return tenancy


def note_check(text: str, *, field: str, most: int = limits.STATUS_NOTE) -> None:
    """Refuse a note longer than the limit, keyed by its field, for notes a service stores
    without a model's full_clean() (an application event's, a cancellation's)."""
    try:
        MaxLengthValidator(most)(text)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from error


def tenancy_date_check(tenancy: Tenancy, on: date, *, field: str,
                       last: date | None = None) -> None:
    """Refuse a date outside the tenancy: from its start to the day before its (exclusive)
    end, or to `last` where the end day itself counts."""
    last = last or tenancy.end - timedelta(days=1)
    if not tenancy.start <= on <= last:
        raise ValidationError({field: _(
            "The date must fall within the tenancy (%(start)s – %(end)s)."
        ) % {"start": long_date(tenancy.start), "end": long_date(tenancy.end)}})


def tenancy_stage_move(*, tenancy: Tenancy, on: date, today: date, to_stage: Stage | None = None,
                       to_market: bool = False, note: str = "",
                       by: AbstractBaseUser | None = None):
    """Record a tenant's move along the chain (idea → making → distribution, or out to the
    market) while they rent here, at this tenancy's building.

    The date lies within the tenancy and not after today; the history's own rules (in date
    order, a real change) are stage_move_record's.
    """
    if on > today:
        raise ValidationError({"moved_on": _("A stage move cannot be dated after today.")})
    # The end day too: a tenant may move on the day they leave.
    tenancy_date_check(tenancy, on, field="moved_on", last=tenancy.end)
    return stage_move_record(creative=tenancy.creative, on=on, to_stage=to_stage,
                             to_market=to_market, building=tenancy.space.building, note=note,
                             by=by)
