"""Reads of allocation: screening, applications, calls, offers and tenancies, scoped to who asks."""

from datetime import date

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from broedplaats.models import (
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
    Space,
    Tenancy,
)
from broedplaats.selectors.places import space_photos_prefetch
from chains.models import PortfolioImage, Stage


def screening_valid_on(*, creative, city: City, on: date) -> Screening | None:
    """The creative's newest screening for a city that is valid on a date, if any.

    Valid means decided on or before the date and `valid_until` after it; an ineligible
    outcome is returned too (it is valid, just negative).
    """
    return (
        Screening.objects.filter(creative=creative, city=city, decided_on__lte=on,
                                 valid_until__gt=on)
        .order_by("-decided_on", "-id")
        .first()
    )


def offers_past_deadline(on: date) -> QuerySet[Offer]:
    """Open offers whose reply deadline passed before the date."""
    return Offer.objects.filter(status=OfferStatus.OPEN, reply_by__lt=on)


# --- access scoping: what a user may see of allocation ----------------------------------------
# Pages and API build on these: an object outside a user's scope is simply not in the queryset,
# so asking for it gives 404 and never reveals that it exists. Superusers see everything.

def _scoped(qs: QuerySet, user, **lookup) -> QuerySet:
    """`qs` narrowed to `lookup` for an ordinary user; all of it for a superuser."""
    if user is None or not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    return qs.filter(**lookup)


def applications_with_screening(on: date) -> QuerySet[Application]:
    """Applications with who, where and what prefetched, and the applicant's screening state
    on a date for the building's city: `screening_valid` and `screening_any` (booleans)."""
    screenings = Screening.objects.filter(creative=OuterRef("creative"),
                                          city=OuterRef("building__city"))
    return (
        Application.objects.select_related("creative__discipline", "building__city", "call",
                                           "stage")
        .prefetch_related("facilities")
        .annotate(
            screening_any=Exists(screenings),
            screening_valid=Exists(screenings.filter(decided_on__lte=on, valid_until__gt=on)),
        )
        .order_by("-created_at", "-id")
    )


def _with_history(qs: QuerySet[Application]) -> QuerySet[Application]:
    return qs.prefetch_related(
        Prefetch("events", queryset=ApplicationEvent.objects.select_related("by")),
        Prefetch("portfolio_images", queryset=PortfolioImage.objects.order_by("position")),
    )


def applications_for_creative(user, *, on: date) -> QuerySet[Application]:
    """The applications of the user's own creative, with their status history."""
    return _with_history(_scoped(applications_with_screening(on), user, creative__user=user))


def applications_for_programmer(user, *, on: date, notes: bool = False) -> QuerySet[Application]:
    """Applications to the buildings the user programs, with history (and private notes).

    Drafts stay the creative's own until submitted, so they are left out.
    """
    qs = _with_history(_scoped(applications_with_screening(on), user,
                               building__programmers=user))
    qs = qs.exclude(status=ApplicationStatus.DRAFT)
    if notes:
        qs = qs.prefetch_related(
            Prefetch("notes", queryset=ApplicantNote.objects.select_related("author")))
    return qs


def calls_for_programmer(user) -> QuerySet[Call]:
    """Calls of the buildings the user programs, with their spaces and criteria."""
    return _scoped(
        Call.objects.select_related("building__city").prefetch_related(
            "spaces", "chains", "disciplines", "stages", "facilities"
        ).order_by("-opens_on", "title", "id"),
        user, building__programmers=user,
    )


def _offer_rows() -> QuerySet[Offer]:
    return Offer.objects.select_related(
        "space__building__city", "application__creative", "application__call"
    ).order_by("-offered_on", "-id")


def offers_for_creative(user) -> QuerySet[Offer]:
    """Offers made on the user's own creative's applications."""
    return _scoped(_offer_rows(), user, application__creative__user=user)


def offers_for_programmer(user) -> QuerySet[Offer]:
    """Offers of spaces in the buildings the user programs."""
    return _scoped(_offer_rows(), user, space__building__programmers=user)


def tenancies_for_programmer(user) -> QuerySet[Tenancy]:
    """Tenancies of spaces in the buildings the user programs, newest start first."""
    return _scoped(
        Tenancy.objects.select_related("space__building__city", "creative").order_by(
            "-start", "-id"),
        user, space__building__programmers=user,
    )


def tenancies_for_creative(user) -> QuerySet[Tenancy]:
    """The tenancies of the user's own creative, newest start first."""
    return _scoped(
        Tenancy.objects.select_related("space__building__city", "creative").order_by(
            "-start", "-id"),
        user, creative__user=user,
    )


def spaces_for_programmer(user) -> QuerySet[Space]:
    """Spaces of the buildings the user programs (for choosing one in a call or an offer)."""
    return _scoped(Space.objects.select_related("building"), user,
                   building__programmers=user)


def space_rows_for_programmer(user) -> QuerySet[Space]:
    """The spaces of the user's buildings to manage: with facilities, stages and photos in
    order, by building, the archived ones after the active ones."""
    return spaces_for_programmer(user).prefetch_related(
        "facilities", Prefetch("stages", queryset=Stage.objects.order_by("order")),
        space_photos_prefetch(),
    ).order_by("building__name", "archived", "code", "id")


def buildings_for_programmer(user) -> QuerySet[Building]:
    """The buildings the user programs (all for a superuser)."""
    return _scoped(Building.objects.select_related("city"), user, programmers=user)


# --- creatives' pages: public open calls, own applications with list position, own offers ------

def calls_open(on: date) -> QuerySet[Call]:
    """Published calls open on a date, with their building and how many spaces they offer."""
    return (
        Call.objects.filter(published_at__isnull=False, opens_on__lte=on, closes_on__gte=on)
        .select_related("building__city")
        .annotate(space_count=Count("spaces", distinct=True))
        .order_by("closes_on", "title", "id")
    )


def calls_published() -> QuerySet[Call]:
    """Published calls (open or not) with their building, spaces and criteria."""
    return (
        Call.objects.filter(published_at__isnull=False, building__archived=False)
        .select_related("building__city")
        .prefetch_related(
            Prefetch("spaces", queryset=Space.objects.filter(archived=False).order_by("code")),
            "chains", "disciplines", "stages", "facilities",
        )
    )


def calls_open_published(on: date) -> QuerySet[Call]:
    """Published calls of active buildings open on a date, soonest closing first, with their
    active spaces and criteria: what a creative can apply to today."""
    return calls_published().filter(opens_on__lte=on, closes_on__gte=on).order_by(
        "closes_on", "title", "id")


def applications_for_creative_with_position(user, *, on: date) -> QuerySet[Application]:
    """The user's own applications with history and `list_position`: for an active
    submitted candidate-list application, 1 + how many active submitted applications on the
    same building's list were submitted earlier (None otherwise)."""
    from broedplaats.models import ACTIVE_APPLICATION_STATUSES

    waiting = sorted(ACTIVE_APPLICATION_STATUSES - {ApplicationStatus.DRAFT})
    earlier = (
        Application.objects.filter(
            building=OuterRef("building"), call__isnull=True, status__in=waiting,
            submitted_at__lt=OuterRef("submitted_at"),
        )
        .order_by()
        .values("building")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        applications_for_creative(user, on=on)
        .annotate(
            list_position=Case(
                When(call__isnull=True, status__in=waiting, submitted_at__isnull=False,
                     then=Coalesce(Subquery(earlier, output_field=IntegerField()), 0) + 1),
                default=None,
                output_field=IntegerField(),
            )
        )
    )


def offers_for_creative_on(user, *, on: date) -> QuerySet[Offer]:
    """The user's own offers; `effective_status` shows an open offer past its deadline as
    expired (lazily, on read) before `offers_expire` has run."""
    return offers_for_creative(user).annotate(
        effective_status=Case(
            When(status=OfferStatus.OPEN, reply_by__lt=on, then=Value(OfferStatus.EXPIRED.value)),
            default=F("status"),
            output_field=CharField(),
        )
    )
