"""Reads for a building's tenancy timeline: a period of months, the spaces of one page and,
for those spaces only, the tenancies that meet the period or can still be acted on.

The chart places each tenancy as a bar by its days within the period (percentages), so the
page is plain HTML whose size grows with the bars shown, not with the building's history.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce

from broedplaats.models import Space, Tenancy

PAST, CURRENT, COMING = "past", "current", "coming"


@dataclass(frozen=True)
class Period:
    """Whole months from `start` (a first of the month) up to `end` (exclusive)."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def months(self) -> list[date]:
        """The first day of each month in the period."""
        firsts, month = [], self.start
        while month < self.end:
            firsts.append(month)
            month = add_months(month, 1)
        return firsts

    def offset(self, day: date) -> float:
        """Where a day falls in the period, in percent of its width (0 at its first day)."""
        return round(100 * (day - self.start).days / self.days, 2)


def add_months(first: date, months: int) -> date:
    """The first of the month `months` after (or before) the month of `first`."""
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_of_months(start: date, months: int = 12) -> Period:
    """`months` whole months from the month of `start`."""
    first = start.replace(day=1)
    return Period(first, add_months(first, months))


@dataclass
class Bar:
    """A tenancy as drawn in a period: its state on the day, and where it starts and ends in
    percent of the period; `clipped_start` / `clipped_end` when it runs on beyond the period.
    `actions` are what the programmer may still do with it (the view asks
    services.tenancy_actions: selectors do not import services)."""

    tenancy: Tenancy
    state: str
    left: float
    width: float
    clipped_start: bool
    clipped_end: bool
    actions: frozenset = frozenset()

    @property
    def last_day(self) -> date:
        """The last day the space is let (end dates are exclusive)."""
        return self.tenancy.end - timedelta(days=1)


@dataclass
class Row:
    space: Space
    bars: list[Bar] = field(default_factory=list)


def timeline_spaces(*, building) -> QuerySet[Space]:
    """The building's spaces for the timeline's rows: active ones first, by code."""
    return Space.objects.filter(building=building).order_by("archived", "code", "id")


def tenancy_state(tenancy: Tenancy, *, on: date) -> str:
    """Past once its space is free again, current while it holds it, coming before its start."""
    if tenancy.end <= on:
        return PAST
    return CURRENT if tenancy.start <= on else COMING


def _still_open(on: date) -> Q:
    """Not ended and its planned end still ahead: current and coming tenancies, the ones a
    programmer may still renew, end or cancel (services.tenancy_actions)."""
    return Q(actual_end__isnull=True, planned_end__gt=on)


def timeline_tenancies(*, spaces: list[Space], period: Period, on: date) -> list[Tenancy]:
    """In one query, the tenancies of `spaces` that meet the period or that can still be acted
    on (current and coming, wherever they fall), with their creative; cancelled ones (ended
    on their start) are left out. Each gets its space from `spaces`, not another join."""
    by_id = {space.pk: space for space in spaces}
    tenancies = list(
        Tenancy.objects.filter(space__in=list(by_id))
        .annotate(effective_end=Coalesce("actual_end", "planned_end"))
        .filter(Q(start__lt=period.end, effective_end__gt=period.start)
                | _still_open(on))
        .exclude(effective_end=F("start"))
        .select_related("creative")
        .order_by("space_id", "start", "id")
    )
    for tenancy in tenancies:
        tenancy.space = by_id[tenancy.space_id]
    return tenancies


def timeline_rows(*, spaces: list[Space], period: Period,
                  on: date) -> tuple[list[Row], list[Bar]]:
    """A row per space with the bars of its tenancies in the period, and the bars of the
    tenancies still open (current and coming, not ended, wherever they fall), by space and
    start: the ones the page lists with their actions."""
    rows = {space.pk: Row(space) for space in spaces}
    still_open = []
    for tenancy in timeline_tenancies(spaces=spaces, period=period, on=on):
        start, end = max(tenancy.start, period.start), min(tenancy.end, period.end)
        left = period.offset(start)
        bar = Bar(tenancy=tenancy, state=tenancy_state(tenancy, on=on),
                  left=left, width=round(period.offset(end) - left, 2) if start < end else 0,
                  clipped_start=tenancy.start < period.start,
                  clipped_end=tenancy.end > period.end)
        if tenancy.actual_end is None and tenancy.planned_end > on:
            still_open.append(bar)
        if start < end:
            rows[tenancy.space_id].bars.append(bar)
    return list(rows.values()), still_open
