"""Reads of a creative's overview: where they rent and whether they may renew, their path
along the chain as stage spells, and what they wait on (open applications and offers).

Each read is one query for any number of rows; the spells are built in Python from the
creative's stage history (chains.selectors.creative_history), read once.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from django.db.models import F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.timesince import TIME_STRINGS

from broedplaats.models import (
    Application,
    ApplicationStatus,
    Building,
    Offer,
    OfferStatus,
    Tenancy,
)
from broedplaats.selectors.places import policies_in_force
from chains.models import Creative, Stage, StageMove

# Applications still in the running before an offer: the creative waits on the building.
OPEN_APPLICATION_STATUSES = (ApplicationStatus.SUBMITTED, ApplicationStatus.SCREENING,
                             ApplicationStatus.ELIGIBLE, ApplicationStatus.SHORTLISTED)


# --- tenancies and renewal -----------------------------------------------------------------------

def with_renewal_limit(tenancies: QuerySet[Tenancy]) -> QuerySet[Tenancy]:
    """`tenancies` annotated with `policy_max_renewals`: the most renewals the city's policy in
    force on each tenancy's start allows (None when the city has no policy for that day), the
    policy services.tenancy_renew applies, read in the same query."""
    policy = policies_in_force(city=OuterRef("space__building__city"), on=OuterRef("start"))
    return tenancies.annotate(policy_max_renewals=Subquery(policy.values("max_renewals")[:1]))


def renewals_used_up(tenancy: Tenancy) -> bool:
    """The tenancy has had every renewal its policy allows; another needs an exception with a
    reason (services.tenancy_renew). Needs `policy_max_renewals` (with_renewal_limit)."""
    limit = tenancy.policy_max_renewals
    return limit is not None and tenancy.renewals >= limit


def can_renew(tenancy: Tenancy, *, on: date) -> bool:
    """The tenancy may be renewed within the policy on a day: it runs (services.tenancy_actions
    offers "renew") and renewals are left."""
    # Imported here: the services import the selectors package.
    from broedplaats.services import tenancy_actions

    return "renew" in tenancy_actions(tenancy, on=on) and not renewals_used_up(tenancy)


def tenancies_ahead_of(*, creative: Creative, on: date) -> list[Tenancy]:
    """The creative's tenancies that hold a space on a day or start after it (cancelled ones,
    ended on their start, left out), by start, with space and building. Each gets `running`,
    `can_renew`, `renewals_used_up` and `renewals_left` (None without a policy)."""
    tenancies = list(with_renewal_limit(
        Tenancy.objects.filter(creative=creative)
        .annotate(until=Coalesce("actual_end", "planned_end"))
        .filter(until__gt=on)
        .exclude(until=F("start"))
        .select_related("space__building")
        .order_by("start", "id")
    ))
    for tenancy in tenancies:
        tenancy.running = tenancy.start <= on
        tenancy.renewals_used_up = renewals_used_up(tenancy)
        tenancy.can_renew = can_renew(tenancy, on=on)
        limit = tenancy.policy_max_renewals
        tenancy.renewals_left = None if limit is None else max(limit - tenancy.renewals, 0)
    return tenancies


# --- the path along the chain ------------------------------------------------------------------

def length_in_words(start: date, end: date) -> str:
    """Whole years and months from `start` to `end` ("2 jaar 3 maanden"); days under a month.
    Django's own words for the units, so they read in the active language."""
    months = (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)
    years, months = divmod(max(months, 0), 12)
    parts = ([TIME_STRINGS["year"] % {"num": years}] if years else []) + (
        [TIME_STRINGS["month"] % {"num": months}] if months else [])
    if not parts:
        parts = [TIME_STRINGS["day"] % {"num": max((end - start).days, 0)}]
    return " ".join(str(part) for part in parts)


@dataclass(frozen=True)
class Spell:
    """A stay in one stage (or out on the market) at one building: from the first of its
    consecutive moves to the next move elsewhere (`ended_on`), or still on (`ended_on` None,
    counted up to the day asked for, `until`). `share` is its part of the whole path in
    percent."""

    stage: Stage | None
    building: Building | None
    started_on: date
    ended_on: date | None
    until: date
    moves: int
    share: float = 0.0

    @property
    def to_market(self) -> bool:
        return self.stage is None

    @property
    def current(self) -> bool:
        return self.ended_on is None

    @property
    def code(self) -> str:
        """For the colour: the stage's code, or "market"."""
        return self.stage.code if self.stage else "market"

    @property
    def days(self) -> int:
        return max((self.until - self.started_on).days, 0)

    @property
    def length(self) -> str:
        return length_in_words(self.started_on, self.until)


def _spell_key(move: StageMove) -> tuple:
    return (move.to_stage_id, move.to_market, move.building_id)


def stage_spells(moves: Sequence[StageMove], *, on: date) -> list[Spell]:
    """The spells of a history read oldest first (creative_history): consecutive moves into the
    same stage at the same building make one spell; moves after `on` are not on the path yet.
    No query beyond the moves' own stages and buildings (joined by creative_history)."""
    groups: list[list[StageMove]] = []
    for move in moves:
        if move.moved_on > on:
            break
        if groups and _spell_key(groups[-1][0]) == _spell_key(move):
            groups[-1].append(move)
        else:
            groups.append([move])
    spells = []
    for index, group in enumerate(groups):
        first = group[0]
        ended_on = groups[index + 1][0].moved_on if index + 1 < len(groups) else None
        spells.append(Spell(stage=first.to_stage, building=first.building,
                            started_on=first.moved_on, ended_on=ended_on,
                            until=ended_on or on, moves=len(group)))
    total = sum(spell.days for spell in spells)
    return [
        replace(spell, share=round(100 * spell.days / total, 1) if total
                else round(100 / len(spells), 1))
        for spell in spells
    ]


# --- what the creative waits on ----------------------------------------------------------------

def open_applications_of(*, creative: Creative) -> QuerySet[Application]:
    """The creative's applications still in the running before an offer, with call and
    building; those whose call closes first come first, candidate lists last."""
    return (
        Application.objects.filter(creative=creative, status__in=OPEN_APPLICATION_STATUSES)
        .select_related("call", "building")
        .order_by(F("call__closes_on").asc(nulls_last=True), "submitted_at", "id")
    )


def open_offers_of(*, creative: Creative, on: date) -> QuerySet[Offer]:
    """The creative's offers still open on a day (the reply deadline not passed), with space
    and building, the nearest deadline first."""
    return (
        Offer.objects.filter(application__creative=creative, status=OfferStatus.OPEN,
                             reply_by__gte=on)
        .select_related("space__building", "application__call")
        .order_by("reply_by", "id")
    )
