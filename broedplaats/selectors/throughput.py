"""Reads of the throughput dashboards: every figure as one table of aggregate rows.

Each figure is computed by the database (aggregate, annotate, Subquery, Exists, date
truncation, percentiles) for a `Scope`: the cities or buildings the reader may see, the
filters (building, chain, discipline, kind of space) and a period. No function here loops over
data rows; Python only shapes the few aggregate rows a figure has (a row per stage, month,
chain...). The definitions (what counts as a wait, a move, an outflow) are in
docs/throughput.md, and each table names the filters that apply to it.

A count of people below 5 is suppressed by `suppress` (shown as "< 5"), and so is every
figure derived from fewer than 5 people (a median, a share): see `Column.base`.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from django.core.exceptions import EmptyResultSet
from django.db import connection, connections
from django.db.models import (
    Count,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import (
    Coalesce,
    ExtractYear,
    Greatest,
    Least,
    Substr,
    TruncDate,
    TruncQuarter,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from broedplaats.db import DaysBetween, Percentile, grouped_with_subtotals
from broedplaats.db_router import dashboard_reads
from broedplaats.models import (
    ACTIVE_APPLICATION_STATUSES,
    Application,
    ApplicationStatus,
    Building,
    Call,
    EndReason,
    Figure,
    FigureSnapshot,
    Offer,
    OfferStatus,
    PathwayStep,
    SocialReturn,
    SocialReturnKind,
    Space,
    SpaceKind,
    StageSpell,
    Tenancy,
)
from broedplaats.selectors.places import running_on, tenancies_running
from chains.models import Chain, Discipline, Stage, StageCode, StageMove

SMALL = "< 5"  # what a suppressed count of people reads, everywhere
THRESHOLD = 5
WAITING_STATUSES = sorted(ACTIVE_APPLICATION_STATUSES - {ApplicationStatus.DRAFT})
DOORSTROMING = (EndReason.NEXT_STAGE, EndReason.OUTFLOW_TO_MARKET)
COHORT_YEARS = (1, 2, 3, 5)
LENGTH_BUCKETS = (  # tenancy length in days: [low, high)
    ("lt1", _("under 1 year"), 0, 365),
    ("1-2", _("1–2 years"), 365, 730),
    ("2-3", _("2–3 years"), 730, 1096),
    ("3-5", _("3–5 years"), 1096, 1826),
    ("5+", _("5 years or more"), 1826, None),
)

# Filters a figure can take; each table lists those that apply to it.
CITY, BUILDING, CHAIN, DISCIPLINE, KIND, PERIOD = (
    "city", "building", "chain", "discipline", "space_kind", "period")
ALL_FILTERS = frozenset({CITY, BUILDING, CHAIN, DISCIPLINE, KIND, PERIOD})
FILTER_LABELS = {CITY: _("city"), BUILDING: _("building"), CHAIN: _("chain"),
                 DISCIPLINE: _("discipline"), KIND: _("kind of space"), PERIOD: _("period")}


# --- the shapes ---------------------------------------------------------------------------------

class Kind:
    """How a column's values read: the page, the CSV and the API format them by it."""

    TEXT, PEOPLE, COUNT, SHARE, DAYS, AREA, HOURS, DATE, RATIO = (
        "text", "people", "count", "share", "days", "area", "hours", "date", "ratio")
    MIXED = "mixed"  # each row says its own kind in "unit" (tables of measures)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = Kind.COUNT
    base: str | None = None  # the people column this value is derived from (suppressed with it)


@dataclass
class Table:
    """One figure: its columns and rows of plain values (str, int, float, date or None)."""

    figure: str
    title: str
    columns: list[Column]
    rows: list[dict]
    filters: frozenset[str] = ALL_FILTERS
    note: str = ""
    extra: dict = field(default_factory=dict)
    computed_at: datetime | None = None  # computed ahead at that time; None: just now

    @property
    def label(self) -> str:
        return str(Figure(self.figure).label)


@dataclass(frozen=True)
class Scope:
    """What a dashboard shows: whose buildings, which filters, which period (inclusive)."""

    today: date
    start: date
    end: date
    city_ids: tuple[int, ...] | None = None  # None: every city (an admin)
    building_ids: tuple[int, ...] | None = None  # a programmer's buildings, or the chosen one
    chain_id: int | None = None
    discipline_id: int | None = None
    discipline_chain_id: int | None = None
    space_kind: str = ""

    @property
    def period_days(self) -> int:
        return (self.end - self.start).days + 1


def default_period(today: date) -> tuple[date, date]:
    """The last twelve months: from the first day of the month a year ago up to today."""
    return date(today.year - 1, today.month, 1), today


# --- scoping ------------------------------------------------------------------------------------

def _in_scope(scope: Scope, *, building: str, creative: str | None = None,
              kind: str | None = None) -> Q:
    """The scope as a Q on a model reaching a building by `building` (a lookup path), its
    creative by `creative` and its kind of space by `kind`. Without a creative path, chain and
    discipline mean the building's chain focus."""
    def path(suffix: str) -> str:  # building "" is the Building model itself
        return f"{building}__{suffix}" if building else suffix

    q = Q()
    if scope.city_ids is not None:
        q &= Q(**{path("city__in"): scope.city_ids})
    if scope.building_ids is not None:
        q &= Q(**{f"{building}__in" if building else "pk__in": scope.building_ids})
    if creative:
        if scope.chain_id:
            q &= Q(**{f"{creative}__discipline__chain": scope.chain_id})
        if scope.discipline_id:
            q &= Q(**{f"{creative}__discipline": scope.discipline_id})
    else:
        chain = scope.discipline_chain_id or scope.chain_id
        if chain:
            q &= Q(**{path("chain_focus"): chain})
        if scope.chain_id and scope.discipline_chain_id and scope.chain_id != scope.discipline_chain_id:
            q &= Q(pk__in=[])  # a discipline of another chain: nothing
    if kind and scope.space_kind:
        q &= Q(**{kind: scope.space_kind})
    return q


def _spaces(scope: Scope) -> QuerySet[Space]:
    """The active spaces of active buildings in scope."""
    return Space.objects.filter(archived=False, building__archived=False).filter(
        _in_scope(scope, building="building", kind="kind"))


def _space_tenancies(scope: Scope) -> QuerySet[Tenancy]:
    """Tenancies (any time) of the active spaces of active buildings in scope (`_spaces`), with
    `ends`. Filtered along the tenancy's own join to its space, not `space__in=_spaces(...)`,
    which joined the spaces twice (once to filter, once for their area). A chain focus is one
    chain, so its join matches a building once and no tenancy is counted twice."""
    return Tenancy.objects.filter(space__archived=False, space__building__archived=False).filter(
        _in_scope(scope, building="space__building", kind="space__kind")
    ).annotate(ends=Coalesce("actual_end", "planned_end"))


def _tenancies(scope: Scope) -> QuerySet[Tenancy]:
    """Tenancies in scope (any time), with `ends`: the day the space is free again."""
    return Tenancy.objects.filter(
        _in_scope(scope, building="space__building", creative="creative", kind="space__kind")
    ).annotate(ends=Coalesce("actual_end", "planned_end"))


def _spells(scope: Scope) -> QuerySet[StageSpell]:
    """Stage spells begun at a building in scope (see docs/throughput.md)."""
    q = Q(building__isnull=False)
    if scope.city_ids is not None:
        q &= Q(city__in=scope.city_ids)
    if scope.building_ids is not None:
        q &= Q(building__in=scope.building_ids)
    if scope.chain_id:
        q &= Q(chain=scope.chain_id)
    if scope.discipline_id:
        q &= Q(discipline=scope.discipline_id)
    return StageSpell.objects.filter(q)


def _share(part, whole) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _stage_names() -> dict[int, str]:
    return {stage.pk: str(stage) for stage in Stage.objects.all()}


def _localized(row: dict, prefix: str) -> str:
    """The English name where the language is English and one is given, else the Dutch one."""
    from django.utils.translation import get_language

    english = row.get(f"{prefix}_en")
    if (get_language() or "nl").startswith("en") and english:
        return english
    return row.get(prefix) or ""


# --- occupancy ----------------------------------------------------------------------------------

def occupancy(scope: Scope) -> Table:
    """Spaces and m² let now (on `today`), per kind of space and in all.

    The running tenancy is joined (at most one a space, which the database guarantees), so
    "let" is tested once a space; an EXISTS would be repeated in each aggregate's FILTER."""
    rows = list(
        _spaces(scope)
        .annotate(now=FilteredRelation("tenancies",
                                       condition=running_on(scope.today, "tenancies__")))
        .values("kind")
        .annotate(spaces=Count("pk"), let=Count("now"),
                  area=Sum("area_m2"), let_area=Sum("area_m2", filter=Q(now__isnull=False)))
        .order_by("kind")
    )
    total = {"kind": str(_("All spaces")), "is_total": True, "spaces": 0, "let": 0, "area": 0, "let_area": 0}
    labels = dict(SpaceKind.choices)
    for row in rows:
        for key in ("spaces", "let", "area", "let_area"):
            total[key] += row[key] or 0
        row["kind"] = str(labels.get(row["kind"], row["kind"]))
    for row in [*rows, total]:
        row["area"] = float(row["area"] or 0)
        row["let_area"] = float(row["let_area"] or 0)
        row["share"] = _share(row["let"], row["spaces"])
        row["area_share"] = _share(row["let_area"], row["area"])
    return Table(
        Figure.OCCUPANCY, str(_("Occupancy now")), [
            Column("kind", _("Kind of space"), Kind.TEXT),
            Column("spaces", _("Spaces")), Column("let", _("Let")),
            Column("share", _("Occupancy"), Kind.SHARE),
            Column("area", _("Area"), Kind.AREA), Column("let_area", _("Area let"), Kind.AREA),
            Column("area_share", _("Area occupancy"), Kind.SHARE),
        ], [*rows, total] if rows else [],
        filters=ALL_FILTERS - {PERIOD},
        note=_("Active spaces on today's date; a space is let when a tenancy holds it that day."),
    )


def _months(start: date, end: date, limit: int = 60) -> list[date]:
    """The first days of the months from the month of `start` to that of `end` (at most
    `limit`, the latest)."""
    months, day = [], date(start.year, start.month, 1)
    while day <= end:
        months.append(day)
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return months[-limit:]


def _snapshots(scope: Scope, days: list[date], *, area: bool = True) -> dict:
    """Spaces let (`n<index>`) and, with `area`, their m² (`a<index>`) on each of `days` (one
    query; tenancies overlapping the days)."""
    if not days:
        return {}
    aggregates = {}
    for index, day in enumerate(days):
        on = Q(start__lte=day, ends__gt=day)
        aggregates[f"n{index}"] = Count("pk", filter=on)
        if area:
            aggregates[f"a{index}"] = Sum("space__area_m2", filter=on)
    return (
        _space_tenancies(scope)
        .filter(start__lte=max(days), ends__gt=min(days))
        .aggregate(**aggregates)
    )


def occupancy_monthly(scope: Scope) -> Table:
    """Spaces and m² let on the first day of each month of the period."""
    months = _months(scope.start, scope.end) or [scope.start]
    totals = _spaces(scope).aggregate(spaces=Count("pk"), area=Sum("area_m2"))
    spaces, area = totals["spaces"], float(totals["area"] or 0)
    let = _snapshots(scope, months)
    rows = []
    for index, month in enumerate(months):
        n, a = let[f"n{index}"] or 0, float(let[f"a{index}"] or 0)
        rows.append({"month": month, "let": n, "share": _share(n, spaces), "let_area": a,
                     "area_share": _share(a, area)})
    return Table(
        Figure.OCCUPANCY_MONTHLY, str(_("Occupancy per month")), [
            Column("month", _("Month"), Kind.DATE), Column("let", _("Spaces let")),
            Column("share", _("Occupancy"), Kind.SHARE),
            Column("let_area", _("Area let"), Kind.AREA),
            Column("area_share", _("Area occupancy"), Kind.SHARE),
        ], rows if spaces else [],
        note=_("On the first day of each month, against today's active spaces."),
        extra={"spaces": spaces, "area": area},
    )


def vacancy(scope: Scope) -> Table:
    """Days in the period that spaces stood empty, per kind of space: in all and per space."""
    period_end = scope.end + timedelta(days=1)  # exclusive, like tenancy ends
    let_days = {
        row["space__kind"]: row["days"] or 0
        for row in _space_tenancies(scope)
        .filter(start__lt=period_end, ends__gt=scope.start)
        .values("space__kind")
        .annotate(days=Sum(DaysBetween(Least("ends", Value(period_end)),
                                       Greatest("start", Value(scope.start)))))
        .order_by()
    }
    labels = dict(SpaceKind.choices)
    rows, all_spaces, all_vacant = [], 0, 0
    for row in _spaces(scope).values("kind").annotate(spaces=Count("pk")).order_by("kind"):
        vacant = row["spaces"] * scope.period_days - let_days.get(row["kind"], 0)
        all_spaces, all_vacant = all_spaces + row["spaces"], all_vacant + vacant
        rows.append({"kind": str(labels.get(row["kind"], row["kind"])), "spaces": row["spaces"],
                     "vacancy_days": vacant, "per_space": round(vacant / row["spaces"], 1)})
    if rows:
        rows.append({"kind": str(_("All spaces")), "is_total": True, "spaces": all_spaces,
                     "vacancy_days": all_vacant, "per_space": round(all_vacant / all_spaces, 1)})
    return Table(
        Figure.VACANCY, str(_("Vacancy days")), [
            Column("kind", _("Kind of space"), Kind.TEXT), Column("spaces", _("Spaces")),
            Column("vacancy_days", _("Vacancy days"), Kind.DAYS),
            Column("per_space", _("Per space"), Kind.DAYS),
        ], rows, note=_("Days in the period on which no tenancy held the space."),
    )


def longest_vacant(scope: Scope, limit: int = 10) -> Table:
    """The spaces empty today that have stood empty longest (never let first)."""
    on = scope.today
    tenancies = Tenancy.objects.annotate(ends=Coalesce("actual_end", "planned_end"))
    last_end = tenancies.filter(space=OuterRef("pk"), ends__lte=on).order_by("-ends")
    rows = list(
        _spaces(scope)
        .exclude(Exists(tenancies_running(on).filter(space=OuterRef("pk"))))
        .annotate(since=Subquery(last_end.values("ends")[:1]))
        .order_by(F("since").asc(nulls_first=True), "building__name", "code")
        .values("building__name", "building__slug", "code", "kind", "area_m2", "since")[:limit]
    )
    labels = dict(SpaceKind.choices)
    return Table(
        Figure.LONGEST_VACANT, str(_("Longest-vacant spaces")), [
            Column("building", _("Building"), Kind.TEXT), Column("space", _("Space"), Kind.TEXT),
            Column("kind", _("Kind of space"), Kind.TEXT), Column("area", _("Area"), Kind.AREA),
            Column("since", _("Empty since"), Kind.DATE), Column("days", _("Days empty"), Kind.DAYS),
        ], [{"building": row["building__name"], "slug": row["building__slug"],
             "space": row["code"], "kind": str(labels.get(row["kind"], row["kind"])),
             "area": float(row["area_m2"]), "since": row["since"],
             "days": (on - row["since"]).days if row["since"] else None} for row in rows],
        filters=ALL_FILTERS - {PERIOD},
        note=_("Spaces no tenancy holds today; 'empty since' is the end of the last tenancy "
               "(empty: never let)."),
    )


# --- demand and waiting -------------------------------------------------------------------------

def _placements(scope: Scope) -> QuerySet[Offer]:
    """Accepted offers whose tenancy starts in the period, with `wait`: days from the
    application's submission to the tenancy's start."""
    return (
        Offer.objects.filter(status=OfferStatus.ACCEPTED, tenancy__isnull=False,
                             tenancy__start__gte=scope.start, tenancy__start__lte=scope.end,
                             application__submitted_at__isnull=False)
        .filter(_in_scope(scope, building="space__building", creative="application__creative",
                          kind="space__kind"))
        .annotate(wait=DaysBetween(F("tenancy__start"), TruncDate("application__submitted_at")))
    )


def _wait_stats() -> dict:
    return {"placed": Count("pk"), "median": Percentile("wait", 0.5),
            "p90": Percentile("wait", 0.9)}


def demand(scope: Scope) -> Table:
    """Candidate lists now, calls of the period and their applicants, applicants placed, and
    the wait from application to tenancy."""
    apps = Application.objects.filter(
        _in_scope(scope, building="building", creative="creative"))
    waiting = apps.filter(call__isnull=True, status__in=WAITING_STATUSES).aggregate(
        n=Count("creative", distinct=True))["n"]
    calls = Call.objects.filter(published_at__isnull=False, opens_on__gte=scope.start,
                                opens_on__lte=scope.end).filter(
        _in_scope(scope, building="building"))
    if scope.space_kind:
        calls = calls.filter(spaces__kind=scope.space_kind).distinct()
    call_ids = calls.values("pk")
    call_spaces = Space.objects.filter(calls__in=call_ids).filter(
        **({"kind": scope.space_kind} if scope.space_kind else {})).values("pk").distinct().count()
    call_applicants = apps.filter(call__in=call_ids).exclude(status=ApplicationStatus.DRAFT) \
        .aggregate(n=Count("creative", distinct=True))["n"]
    # Submitted on a day of the period (in the current time zone, as `__date` would read it),
    # as a range of moments: no conversion of every application's time to a date.
    submitted = apps.filter(
        submitted_at__gte=timezone.make_aware(datetime.combine(scope.start, time.min)),
        submitted_at__lt=timezone.make_aware(datetime.combine(scope.end + timedelta(days=1),
                                                              time.min)))
    placed_ever = Application.objects.filter(creative=OuterRef("creative"),
                                             status=ApplicationStatus.ACCEPTED).filter(
        _in_scope(scope, building="building"))
    applicants = submitted.aggregate(
        n=Count("creative", distinct=True),
        placed=Count("creative", distinct=True, filter=Q(Exists(placed_ever))),
    )
    waits = _placements(scope).aggregate(**_wait_stats())
    rows = [
        {"measure": str(_("On candidate lists now")), "value": waiting, "unit": Kind.PEOPLE},
        {"measure": str(_("Open calls opened in the period")), "value": calls.count(),
         "unit": Kind.COUNT},
        {"measure": str(_("Spaces in those calls")), "value": call_spaces, "unit": Kind.COUNT},
        {"measure": str(_("Applicants to those calls")), "value": call_applicants,
         "unit": Kind.PEOPLE},
        {"measure": str(_("Applicants per space")),
         "value": round(call_applicants / call_spaces, 1) if call_spaces else None,
         "unit": Kind.RATIO, "base": call_applicants},
        {"measure": str(_("Applied in the period")), "value": applicants["n"], "unit": Kind.PEOPLE},
        {"measure": str(_("Of them placed so far")), "value": applicants["placed"],
         "unit": Kind.PEOPLE},
        {"measure": str(_("Share placed")), "value": _share(applicants["placed"], applicants["n"]),
         "unit": Kind.SHARE, "base": applicants["n"]},
        {"measure": str(_("Tenancies begun from an application")), "value": waits["placed"],
         "unit": Kind.PEOPLE},
        {"measure": str(_("Median wait (days)")), "value": _round(waits["median"]),
         "unit": Kind.DAYS, "base": waits["placed"]},
        {"measure": str(_("90th percentile wait (days)")), "value": _round(waits["p90"]),
         "unit": Kind.DAYS, "base": waits["placed"]},
    ]
    return Table(
        Figure.DEMAND, str(_("Demand")), [
            Column("measure", _("Measure"), Kind.TEXT), Column("value", _("Value"), Kind.MIXED),
        ], rows,
        note=_("A wait runs from the day an application was submitted to the start of the "
               "tenancy its accepted offer created; counted for tenancies begun in the period."),
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def waits(scope: Scope) -> Table:
    """Median and 90th-percentile wait per chain, for tenancies begun in the period."""
    groups, totals = grouped_with_subtotals(
        _placements(scope), named={
            "chain": F("application__creative__discipline__chain__name"),
            "chain_en": F("application__creative__discipline__chain__name_en")},
        aggregates=_wait_stats(), order_by=["chain"])
    rows = [
        {"chain": _localized(row, "chain"), "placed": row["placed"],
         "median": _round(row["median"]), "p90": _round(row["p90"])}
        for row in groups
    ]
    if total := totals.get(()):
        rows.append({"chain": str(_("All chains")), "is_total": True, "placed": total["placed"],
                     "median": _round(total["median"]), "p90": _round(total["p90"])})
    return Table(
        Figure.WAITS, str(_("Waiting time to a tenancy")), [
            Column("chain", _("Chain"), Kind.TEXT), Column("placed", _("Tenancies begun"), Kind.PEOPLE),
            Column("median", _("Median wait"), Kind.DAYS, base="placed"),
            Column("p90", _("90th percentile"), Kind.DAYS, base="placed"),
        ], rows,
        note=_("From submitted application to tenancy start, for tenancies begun in the period."),
    )


# --- stages: time in stage, flows, cohorts (from the stage spells) -------------------------------

def _quartiles() -> dict:
    return {"spells": Count("pk"), "q1": Percentile("days", 0.25),
            "median": Percentile("days", 0.5), "q3": Percentile("days", 0.75)}


def time_in_stage(scope: Scope) -> Table:
    """Quartiles of the days spent in each stage, per chain, for stays that ended in the period."""
    spells = _spells(scope).filter(ended_on__gte=scope.start, ended_on__lte=scope.end)
    names = _stage_names()
    rows = []
    chains, subtotals = grouped_with_subtotals(
        spells, fields=["stage", "stage_order"],
        named={"chain_name": F("chain__name"), "chain_name_en": F("chain__name_en")},
        aggregates=_quartiles(), keep=["stage"], order_by=["stage_order", "chain_name"])
    per_stage = {stage: row for (stage,), row in subtotals.items()}
    current = None
    for row in chains:
        if current is not None and row["stage"] != current:
            rows.append(_stage_total(per_stage[current], names))
        current = row["stage"]
        rows.append({"stage": names[row["stage"]], "chain": _localized(row, "chain_name"),
                     **{key: _round(row[key]) if key != "spells" else row[key]
                        for key in ("spells", "q1", "median", "q3")}})
    if current is not None:
        rows.append(_stage_total(per_stage[current], names))
    return Table(
        Figure.TIME_IN_STAGE, str(_("Time in stage")), [
            Column("stage", _("Stage"), Kind.TEXT), Column("chain", _("Chain"), Kind.TEXT),
            Column("spells", _("Stays"), Kind.PEOPLE),
            Column("q1", _("First quartile"), Kind.DAYS, base="spells"),
            Column("median", _("Median"), Kind.DAYS, base="spells"),
            Column("q3", _("Third quartile"), Kind.DAYS, base="spells"),
        ], rows, filters=ALL_FILTERS - {KIND},
        note=_("Days from a move into a stage to the next move, for stays that ended in the "
               "period and began at a building in scope."),
    )


def _stage_total(row: dict, names: dict[int, str]) -> dict:
    return {"stage": names[row["stage"]], "chain": str(_("All chains")), "is_total": True,
            "spells": row["spells"],
            "q1": _round(row["q1"]), "median": _round(row["median"]), "q3": _round(row["q3"])}


def flows(scope: Scope) -> Table:
    """Moves in the period from each stage to the next stage or out to the market."""
    names = _stage_names()
    market = str(_("Market"))
    rows = [
        {"from": names[row["stage"]],
         "to": market if row["to_market"] else names[row["next_stage"]],
         "moves": row["moves"]}
        for row in _spells(scope).filter(ended_on__gte=scope.start, ended_on__lte=scope.end)
        .values("stage", "stage_order", "next_stage", "to_market")
        .annotate(moves=Count("pk"), next_order=Coalesce("next_stage__order", Value(9)))
        .order_by("stage_order", "next_order")
    ]
    return Table(
        Figure.FLOWS, str(_("Flows between stages")), [
            Column("from", _("From"), Kind.TEXT), Column("to", _("To"), Kind.TEXT),
            Column("moves", _("Moves"), Kind.PEOPLE),
        ], rows, filters=ALL_FILTERS - {KIND},
        note=_("Stage moves in the period out of a stay that began at a building in scope: on "
               "to the next stage, back to idea for a new project, or out to the market."),
    )


def cohorts(scope: Scope) -> Table:
    """Of the creatives who first entered a stage in a year, the share that reached the next
    stage (from distribution: the market) within 1, 2, 3 and 5 years."""
    last = scope.end.year
    first = min(scope.start.year, last - 7)
    within = {f"y{years}": Count("pk", filter=Q(days_to_next__lte=round(365.25 * years)))
              for years in COHORT_YEARS}
    names = _stage_names()
    rows = []
    for row in (
        _spells(scope).filter(first_entry=True, started_on__year__gte=first,
                              started_on__year__lte=last)
        .annotate(year=ExtractYear("started_on"),
                  days_to_next=DaysBetween(F("reached_next_on"), F("started_on")))
        .values("stage", "stage_order", "year").annotate(entered=Count("pk"), **within)
        .order_by("stage_order", "year")
    ):
        item = {"stage": names[row["stage"]], "year": row["year"], "entered": row["entered"]}
        for years in COHORT_YEARS:
            # Known only once every member of the cohort has had the full time.
            known = date(row["year"] + years, 12, 31) <= scope.today
            item[f"y{years}"] = _share(row[f"y{years}"], row["entered"]) if known else None
        rows.append(item)
    return Table(
        Figure.COHORTS, str(_("Cohorts")), [
            Column("stage", _("Stage"), Kind.TEXT), Column("year", _("Entered in"), Kind.TEXT),
            Column("entered", _("Creatives"), Kind.PEOPLE),
            *[Column(f"y{years}", _("within %(n)s year(s)") % {"n": years}, Kind.SHARE,
                     base="entered") for years in COHORT_YEARS],
        ], rows, filters=ALL_FILTERS - {KIND},
        note=_("First entries into a stage at a building in scope, by year (period end and "
               "the seven years before); a share is empty until the whole cohort has had the "
               "time."),
    )


# --- tenancies ----------------------------------------------------------------------------------

def _ended(scope: Scope) -> QuerySet[Tenancy]:
    return _tenancies(scope).filter(actual_end__gte=scope.start, actual_end__lte=scope.end)


def tenancy_length(scope: Scope) -> Table:
    """How long the tenancies that ended in the period ran."""
    length = DaysBetween(F("actual_end"), F("start"))
    ended = _ended(scope).annotate(length=length)
    buckets = {}
    for key, _label, low, high in LENGTH_BUCKETS:
        q = Q(length__gte=low) & (Q(length__lt=high) if high is not None else Q())
        buckets[key] = Count("pk", filter=q)
    counts = ended.aggregate(total=Count("pk"), **buckets)
    rows = [{"length": str(label), "tenancies": counts[key],
             "share": _share(counts[key], counts["total"]), "total": counts["total"]}
            for key, label, _low, _high in LENGTH_BUCKETS] if counts["total"] else []
    return Table(
        Figure.TENANCY_LENGTH, str(_("Tenancy length")), [
            Column("length", _("Length"), Kind.TEXT), Column("tenancies", _("Tenancies"), Kind.PEOPLE),
            Column("share", _("Share"), Kind.SHARE, base="total"),
        ], rows, note=_("Tenancies that ended in the period, by the time from start to end."),
    )


def end_reasons(scope: Scope) -> Table:
    """Tenancies ended in the period per end reason."""
    counts = dict(_ended(scope).values_list("end_reason").annotate(n=Count("pk")).order_by())
    total = sum(counts.values())
    rows = [{"reason": str(label), "tenancies": counts.get(value, 0),
             "share": _share(counts.get(value, 0), total), "total": total}
            for value, label in EndReason.choices] if total else []
    return Table(
        Figure.END_REASONS, str(_("End reasons")), [
            Column("reason", _("End reason"), Kind.TEXT),
            Column("tenancies", _("Tenancies"), Kind.PEOPLE),
            Column("share", _("Share"), Kind.SHARE, base="total"),
        ], rows, note=_("Tenancies that ended in the period."),
    )


def tenancy_summary(scope: Scope) -> Table:
    """Doorstroming rate, length, renewals and exceptions of the period's tenancies."""
    ended = _ended(scope).annotate(length=DaysBetween(F("actual_end"), F("start"))).aggregate(
        n=Count("pk"), moved_on=Count("pk", filter=Q(end_reason__in=DOORSTROMING)),
        median=Percentile("length", 0.5))
    period_end = scope.end + timedelta(days=1)
    running = _tenancies(scope).filter(start__lt=period_end, ends__gt=scope.start).aggregate(
        n=Count("pk"), renewed=Count("pk", filter=Q(renewals__gt=0)), renewals=Sum("renewals"),
        term=Count("pk", filter=~Q(term_exception_reason="")),
        rent=Count("pk", filter=~Q(rent_exception_reason="")))
    rows = [
        {"measure": str(_("Tenancies ended in the period")), "value": ended["n"],
         "unit": Kind.PEOPLE},
        {"measure": str(_("Ended moving on (next stage or market)")), "value": ended["moved_on"],
         "unit": Kind.PEOPLE},
        {"measure": str(_("Doorstroming rate")), "value": _share(ended["moved_on"], ended["n"]),
         "unit": Kind.SHARE, "base": ended["n"]},
        {"measure": str(_("Median length of ended tenancies (days)")),
         "value": _round(ended["median"]), "unit": Kind.DAYS, "base": ended["n"]},
        {"measure": str(_("Tenancies running in the period")), "value": running["n"],
         "unit": Kind.PEOPLE},
        {"measure": str(_("Of them renewed at least once")), "value": running["renewed"],
         "unit": Kind.PEOPLE},
        {"measure": str(_("Renewals in all")), "value": running["renewals"] or 0,
         "unit": Kind.COUNT, "base": running["renewed"]},
        {"measure": str(_("With a term exception")), "value": running["term"],
         "unit": Kind.PEOPLE},
        {"measure": str(_("With a rent cap exception")), "value": running["rent"],
         "unit": Kind.PEOPLE},
    ]
    return Table(
        Figure.TENANCIES, str(_("Doorstroming, renewals and exceptions")), [
            Column("measure", _("Measure"), Kind.TEXT), Column("value", _("Value"), Kind.MIXED),
        ], rows,
        note=_("Doorstroming: the share of tenancies ended in the period whose reason is "
               "'next stage in another building' or 'outflow to the market'."),
    )


# --- chain completeness -------------------------------------------------------------------------

def tenants_with_stage(scope: Scope) -> QuerySet[Tenancy]:
    """Tenancies running today in scope, with the building, the tenant's chain and their
    current stage (their newest stage move on or before today)."""
    latest = StageMove.objects.filter(creative=OuterRef("creative"), moved_on__lte=scope.today) \
        .order_by("-moved_on", "-id").values("to_stage")[:1]
    on = scope.today
    return (
        Tenancy.objects.filter(_in_scope(
            replace(scope, chain_id=None, discipline_id=None, discipline_chain_id=None,
                    space_kind=""), building="space__building"))
        .annotate(ends=Coalesce("actual_end", "planned_end"))
        .filter(start__lte=on, ends__gt=on)
        .annotate(building_ref=F("space__building"), chain_ref=F("creative__discipline__chain"),
                  stage_ref=Subquery(latest, output_field=IntegerField()))
    )


def _housed_triples(scope: Scope, chain: int | None) -> QuerySet:
    """The distinct (building, chain in its focus, current stage) of the current tenants of
    that chain (stage None: a tenant with no stage now). DISTINCT keeps the tenant's stage, a
    subquery per tenancy, from being inlined and looked up again for each stage column."""
    tenants = tenants_with_stage(scope).filter(
        space__building__archived=False,
        space__building__chain_focus=F("creative__discipline__chain"))
    if chain:
        tenants = tenants.filter(chain_ref=chain)
    return tenants.values("building_ref", "chain_ref", "stage_ref").distinct().order_by()


def _housed_pairs_sql(scope: Scope, stages: list[Stage], chain: int | None) -> tuple[str, tuple]:
    """One row per (building, chain in its focus) with a current tenant of that chain, with a
    1 or 0 per stage (`s<stage pk>`): whether such a tenant is in that stage now."""
    q = connection.ops.quote_name
    triples_sql, triples_params = _housed_triples(scope, chain).query.sql_with_params()
    columns = ", ".join(f"MAX(CASE WHEN t.{q('stage_ref')} = %s THEN 1 ELSE 0 END) AS "
                        f"{q(f's{stage.pk}')}" for stage in stages)
    return (f"SELECT t.{q('building_ref')}, t.{q('chain_ref')}, {columns} "
            f"FROM ({triples_sql}) t GROUP BY t.{q('building_ref')}, t.{q('chain_ref')}",
            (*(stage.pk for stage in stages), *triples_params))


def completeness(scope: Scope) -> Table:
    """Per chain: the buildings with it in their focus, how many house each stage of it now
    (a tenant of that chain in that stage), and how many miss a link.

    The tenants' current stages are grouped once per (building, chain) in SQL (a common
    table expression); the same statement counts from it per chain and the buildings housing
    every stage of every chain in their focus (a correlated test per building and stage would
    look up every tenant's newest move again and again)."""
    stages = list(Stage.objects.order_by("order"))
    chain = scope.discipline_chain_id or scope.chain_id
    focus = Building.chain_focus.through.objects.filter(
        building__archived=False, **({"chain": chain} if chain else {}),
    ).filter(_in_scope(replace(scope, chain_id=None, discipline_id=None,
                               discipline_chain_id=None, space_kind=""), building="building"))
    per_chain = {row["chain"]: row for row in focus.values(
        "chain", chain_name=F("chain__name"), chain_name_en=F("chain__name_en"),
    ).annotate(buildings=Count("pk")).order_by()}
    housed, complete_buildings, total = {}, 0, 0
    if per_chain and stages:
        q = connection.ops.quote_name
        pairs_sql, pairs_params = _housed_pairs_sql(scope, stages, chain)
        columns = [q(f"s{stage.pk}") for stage in stages]
        every = " AND ".join(f"p.{column} = 1" for column in columns)
        sums = ", ".join(f"SUM(p.{column})" for column in columns)
        blanks = ", ".join("NULL" for _column in columns)
        focus_sql, focus_params = focus.values(focus_building=F("building")) \
            .annotate(n=Count("pk")).order_by().query.sql_with_params()
        # Raw SQL passes no router: the connection the querysets inside it were routed to.
        with connections[focus.db].cursor() as cursor:
            cursor.execute(
                f"WITH p AS ({pairs_sql}), f AS ({focus_sql}) "
                f"SELECT 0, p.{q('chain_ref')}, {sums}, "
                f"SUM(CASE WHEN {every} THEN 1 ELSE 0 END) FROM p GROUP BY p.{q('chain_ref')} "
                f"UNION ALL SELECT 1, NULL, {blanks}, COUNT(*) FROM ("
                f"SELECT p.{q('building_ref')} AS b, "
                f"SUM(CASE WHEN {every} THEN 1 ELSE 0 END) AS c FROM p "
                f"GROUP BY p.{q('building_ref')}) x JOIN f ON f.{q('focus_building')} = x.b "
                f"WHERE x.c = f.{q('n')} "
                f"UNION ALL SELECT 2, NULL, {blanks}, COUNT(*) FROM f",
                (*pairs_params, *focus_params))
            for part, chain_ref, *counts in cursor.fetchall():
                if part == 0:
                    housed[chain_ref] = counts
                elif part == 1:
                    complete_buildings = counts[-1]
                else:
                    total = counts[-1]
    rows = []
    for chain_id, row in sorted(per_chain.items(), key=lambda item: item[1]["chain_name"]):
        counts = housed.get(chain_id, (0,) * (len(stages) + 1))
        rows.append({"chain": _localized(row, "chain_name"), "buildings": row["buildings"],
                     **{stage.code: int(counts[index] or 0) for index, stage in enumerate(stages)},
                     "complete": int(counts[-1] or 0),
                     "missing": row["buildings"] - int(counts[-1] or 0)})
    if rows:
        rows.append({"chain": str(_("Buildings, any chain")), "is_total": True,
                     "buildings": total, **{stage.code: None for stage in stages},
                     "complete": complete_buildings, "missing": total - complete_buildings})
    return Table(
        Figure.COMPLETENESS, str(_("Chain completeness")), [
            Column("chain", _("Chain"), Kind.TEXT),
            Column("buildings", _("Buildings with it in focus")),
            *[Column(stage.code, str(stage), Kind.COUNT) for stage in stages],
            Column("complete", _("Housing every stage")),
            Column("missing", _("Missing a link")),
        ], rows, filters=ALL_FILTERS - {KIND, PERIOD},
        note=_("Now: a building houses a stage of a chain in its focus when a current tenant of "
               "that chain is in that stage. Counts are buildings."),
    )


def building_chain_cells(scope: Scope, building_ids: list[int]) -> set[tuple[int, int, int]]:
    """(building, chain, stage) triples housed today, for the given buildings only."""
    return set(
        tenants_with_stage(scope).filter(space__building__in=building_ids)
        .exclude(stage_ref__isnull=True)
        .values_list("building_ref", "chain_ref", "stage_ref").distinct()
    )


# --- pathways -----------------------------------------------------------------------------------

# A pathway's priority lasts its months counted as 31 days each, as the rounds count it
# (`selectors.matching`), so the figure counts exactly the moves that had the priority.
PRIORITY_MONTH_DAYS = 31


def pathway_moves(scope: Scope, *, pathway_ids: list[int] | None = None) -> list[dict]:
    """One row per pair of consecutive steps (A → B) of the pathways in scope (archived ones
    too: their moves stay counted): `left`, the tenancies at building A that ended in the
    period with the reason "next stage", and `arrived`, how many of those creatives started a
    tenancy at building B on or after that end and within the pathway's priority months.

    One statement. The pairs (each step joined to the next one of its pathway) and the leaving
    tenancies (ended for the next stage in the period at a pair's first building: an indexed
    look-up per building) are common table expressions compiled from querysets; each pair
    then counts its own from the second, which is read once. (The same counts as a join and a
    GROUP BY in the ORM took 1.5 times as long in the database, sorting every joined tenancy;
    see bench/dashboard.py.) A pair is in scope when its pathway is in the cities and chain of
    the scope and either building is among the scope's buildings; chain, discipline and kind of
    space also apply to the leaving tenancy and its creative, like the other people figures."""
    pairs = PathwayStep.objects.annotate(following=FilteredRelation(
        "pathway__steps", condition=Q(pathway__steps__order=F("order") + 1)),
    ).filter(following__isnull=False)
    if scope.city_ids is not None:
        pairs = pairs.filter(pathway__city__in=scope.city_ids)
    if scope.building_ids is not None:
        pairs = pairs.filter(Q(building__in=scope.building_ids)
                             | Q(following__building__in=scope.building_ids))
    chain = scope.discipline_chain_id or scope.chain_id
    if chain:
        pairs = pairs.filter(pathway__chain=chain)
    if pathway_ids is not None:
        pairs = pairs.filter(pathway__in=pathway_ids)
    leaving = Tenancy.objects.filter(
        _in_scope(replace(scope, city_ids=None, building_ids=None), building="space__building",
                  creative="creative", kind="space__kind"),
        end_reason=EndReason.NEXT_STAGE, actual_end__gte=scope.start, actual_end__lte=scope.end,
        space__building__in=pairs.order_by().values("building"),
    ).values(left_building=F("space__building"), left_creative=F("creative"),
             left_end=F("actual_end")).order_by()
    pairs = pairs.values(
        "pathway", "order", "building", to_building=F("following__building"),
        to_stage=F("following__stage__code"), to_building_name=F("following__building__name"),
        pathway_name=F("pathway__name"), pathway_archived=F("pathway__archived"),
        from_building_name=F("building__name"), city_name=F("pathway__city__name"),
        months=F("pathway__priority_months"),
    ).order_by()
    try:
        pairs_sql, pairs_params = pairs.query.get_compiler(using=pairs.db).as_sql()
        leaving_sql, leaving_params = leaving.query.get_compiler(using=leaving.db).as_sql()
    except EmptyResultSet:  # e.g. a programmer without buildings
        return []
    q = connection.ops.quote_name
    tenancy, space = Tenancy._meta, Space._meta
    column = {name: q(meta.get_field(name).column) for meta, name in (
        (tenancy, "start"), (tenancy, "creative"), (tenancy, "space"), (space, "building"))}
    start, end = f"n.{column['start']}", f"l.{q('left_end')}"
    days = (f"julianday({start}) - julianday({end})" if connection.vendor == "sqlite"
            else f"{start} - {end}")
    own = f"l.{q('left_building')} = p.{q('building')}"
    with connections[pairs.db].cursor() as cursor:
        cursor.execute(
            f"WITH p AS ({pairs_sql}), l AS ({leaving_sql}) "
            f"SELECT p.*, (SELECT COUNT(*) FROM l WHERE {own}) AS {q('left')}, "
            f"(SELECT COUNT(DISTINCT l.{q('left_creative')}) FROM l WHERE {own} AND EXISTS ("
            f"SELECT 1 FROM {q(tenancy.db_table)} n JOIN {q(space.db_table)} s "
            f"ON s.{q(space.pk.column)} = n.{column['space']} "
            f"WHERE s.{column['building']} = p.{q('to_building')} "
            f"AND n.{column['creative']} = l.{q('left_creative')} AND {start} >= {end} "
            f"AND {days} <= p.{q('months')} * {PRIORITY_MONTH_DAYS})) AS {q('arrived')} "
            f"FROM p ORDER BY p.{q('city_name')}, p.{q('pathway_name')}, p.{q('pathway')}, "
            f"p.{q('order')}",
            (*pairs_params, *leaving_params))
        names = [description[0] for description in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def pathways(scope: Scope) -> Table:
    """Per pathway and pair of consecutive steps: tenancies at the first building that ended
    for the next stage in the period, and how many of those creatives started at the next
    building within the pathway's priority."""
    names = dict(StageCode.choices)
    rows = []
    for row in pathway_moves(scope):
        name = row["pathway_name"]
        if row["pathway_archived"]:
            name = _("%(name)s (archived)") % {"name": name}
        rows.append({"pathway": str(name), "pathway_id": row["pathway"], "order": row["order"],
                     "from": row["from_building_name"], "to": row["to_building_name"],
                     "stage": str(names.get(row["to_stage"], "")), "left": row["left"],
                     "arrived": row["arrived"], "share": _share(row["arrived"], row["left"])})
    return Table(
        Figure.PATHWAYS, str(_("Moves along pathways")), [
            Column("pathway", _("Pathway"), Kind.TEXT), Column("from", _("From"), Kind.TEXT),
            Column("to", _("To"), Kind.TEXT), Column("stage", _("Stage there"), Kind.TEXT),
            Column("left", _("Left for the next stage"), Kind.PEOPLE),
            Column("arrived", _("Arrived within the priority"), Kind.PEOPLE),
            Column("share", _("Share arrived"), Kind.SHARE, base="left"),
        ], rows,
        note=_("Tenancies at a step's building that ended in the period with the reason 'next "
               "stage in another building', and of those creatives, how many started a tenancy "
               "at the next step's building within the pathway's priority (a month counts 31 "
               "days)."),
    )


# --- social return, spread, trends -------------------------------------------------------------

def social_return(scope: Scope) -> Table:
    """Social-return activities and hours in the period, per kind of activity."""
    returns = SocialReturn.objects.filter(on__gte=scope.start, on__lte=scope.end).filter(
        _in_scope(scope, building="tenancy__space__building", creative="tenancy__creative",
                  kind="tenancy__space__kind"))
    stats = {"activities": Count("pk"), "hours": Sum("hours"),
             "tenants": Count("tenancy__creative", distinct=True)}
    labels = dict(SocialReturnKind.choices)
    groups, totals = grouped_with_subtotals(returns, fields=["kind"], aggregates=stats,
                                            order_by=["kind"])
    rows = [{"kind": str(labels.get(row["kind"], row["kind"])), "activities": row["activities"],
             "hours": float(row["hours"] or 0), "tenants": row["tenants"]}
            for row in groups]
    if total := totals.get(()):
        rows.append({"kind": str(_("All activities")), "is_total": True,
                     "activities": total["activities"],
                     "hours": float(total["hours"] or 0), "tenants": total["tenants"]})
    return Table(
        Figure.SOCIAL_RETURN, str(_("Social return")), [
            Column("kind", _("Activity"), Kind.TEXT),
            Column("tenants", _("Tenants"), Kind.PEOPLE),
            Column("activities", _("Activities"), Kind.COUNT, base="tenants"),
            Column("hours", _("Hours"), Kind.HOURS, base="tenants"),
        ], rows, note=_("Activities dated in the period; hours per building are in the "
                        "building table."),
    )


def districts(scope: Scope) -> Table:
    """Buildings, spaces and tenancies now per district (the postcode's four digits)."""
    running = tenancies_running(scope.today).filter(space=OuterRef("pk"))
    rows = [
        {**row, "share": _share(row["let"], row["spaces"])}
        for row in _spaces(scope).annotate(district=Substr("building__postcode", 1, 4),
                                           is_let=Exists(running))
        .values("district")
        .annotate(buildings=Count("building", distinct=True), spaces=Count("pk"),
                  let=Count("pk", filter=Q(is_let=True)))
        .order_by("district")
    ]
    return Table(
        Figure.DISTRICTS, str(_("Spread over districts")), [
            Column("district", _("Postcode area"), Kind.TEXT),
            Column("buildings", _("Buildings")), Column("spaces", _("Spaces")),
            Column("let", _("Tenants now"), Kind.PEOPLE),
            Column("share", _("Occupancy"), Kind.SHARE),
        ], rows, filters=ALL_FILTERS - {PERIOD},
        note=_("Active spaces per postcode area of their building, and those let today."),
    )


def disciplines(scope: Scope) -> Table:
    """Tenants now and creatives waiting on candidate lists, per discipline."""
    on = scope.today
    tenants = dict(
        _tenancies(scope).filter(start__lte=on, ends__gt=on)
        .values_list("creative__discipline").annotate(n=Count("creative", distinct=True))
        .order_by())
    waiting = dict(
        Application.objects.filter(call__isnull=True, status__in=WAITING_STATUSES)
        .filter(_in_scope(scope, building="building", creative="creative"))
        .values_list("creative__discipline").annotate(n=Count("creative", distinct=True))
        .order_by())
    shown = Discipline.objects.filter(pk__in=set(tenants) | set(waiting)).select_related("chain") \
        .order_by("chain__name", "name")
    rows = [{"discipline": d.display_name, "chain": d.chain.display_name,
             "tenants": tenants.get(d.pk, 0), "waiting": waiting.get(d.pk, 0)} for d in shown]
    return Table(
        Figure.DISCIPLINES, str(_("Spread over disciplines")), [
            Column("discipline", _("Discipline"), Kind.TEXT), Column("chain", _("Chain"), Kind.TEXT),
            Column("tenants", _("Tenants now"), Kind.PEOPLE),
            Column("waiting", _("On candidate lists"), Kind.PEOPLE),
        ], rows, filters=ALL_FILTERS - {PERIOD},
        note=_("Today: creatives renting in scope, and those waiting on a candidate list."),
    )


def _quarters(today: date, count: int = 20) -> list[date]:
    first_month = 3 * ((today.month - 1) // 3) + 1
    quarters, year, month = [], today.year, first_month
    for _i in range(count):
        quarters.append(date(year, month, 1))
        month -= 3
        if month < 1:
            month += 12
            year -= 1
    return quarters[::-1]


def trends(scope: Scope) -> Table:
    """Occupancy on the first day of each quarter and the doorstroming rate of the tenancies
    ended in it, for the last five years (twenty quarters up to the period's end)."""
    quarters = _quarters(scope.end)
    totals = _spaces(scope).aggregate(spaces=Count("pk"))
    let = _snapshots(scope, quarters, area=False)  # the shares of spaces only
    ended = {
        row["quarter"]: row for row in _tenancies(scope)
        .filter(actual_end__gte=quarters[0], actual_end__lte=scope.end)
        .annotate(quarter=TruncQuarter("actual_end"))
        .values("quarter").annotate(n=Count("pk"), moved_on=Count(
            "pk", filter=Q(end_reason__in=DOORSTROMING))).order_by()
    }
    rows = []
    for index, quarter in enumerate(quarters):
        row = ended.get(quarter, {"n": 0, "moved_on": 0})
        rows.append({"quarter": f"{quarter.year} Q{(quarter.month - 1) // 3 + 1}",
                     "occupancy": _share(let[f"n{index}"] or 0, totals["spaces"]),
                     "ended": row["n"], "doorstroming": _share(row["moved_on"], row["n"])})
    return Table(
        Figure.TRENDS, str(_("Trends per quarter")), [
            Column("quarter", _("Quarter"), Kind.TEXT),
            Column("occupancy", _("Occupancy"), Kind.SHARE),
            Column("ended", _("Tenancies ended"), Kind.PEOPLE),
            Column("doorstroming", _("Doorstroming rate"), Kind.SHARE, base="ended"),
        ], rows, filters=ALL_FILTERS - {PERIOD},
        note=_("Occupancy on the first day of each quarter against today's active spaces; the "
               "rate over the tenancies that ended in the quarter."),
    )


FIGURES = {
    Figure.OCCUPANCY: occupancy,
    Figure.OCCUPANCY_MONTHLY: occupancy_monthly,
    Figure.VACANCY: vacancy,
    Figure.LONGEST_VACANT: longest_vacant,
    Figure.DEMAND: demand,
    Figure.WAITS: waits,
    Figure.TIME_IN_STAGE: time_in_stage,
    Figure.FLOWS: flows,
    Figure.TENANCY_LENGTH: tenancy_length,
    Figure.END_REASONS: end_reasons,
    Figure.TENANCIES: tenancy_summary,
    Figure.COHORTS: cohorts,
    Figure.COMPLETENESS: completeness,
    Figure.SOCIAL_RETURN: social_return,
    Figure.DISTRICTS: districts,
    Figure.DISCIPLINES: disciplines,
    Figure.TRENDS: trends,
    Figure.PATHWAYS: pathways,
}


def figure_tables(scope: Scope, codes=None, *, suppressed: bool = True) -> dict[str, Table]:
    """The figures (`codes`, by default all) for a scope: those of a view computed ahead for
    today in the reader's language as they were computed (`Table.computed_at`), the others
    now; with small counts of people suppressed unless told otherwise. Read from the read
    replica when there is one (broedplaats/db_router.py)."""
    with dashboard_reads():
        ahead = tables_ahead(scope)
        tables = {}
        for code in codes or Figure.values:
            table = ahead.get(code) or FIGURES[Figure(code)](scope)
            tables[code] = suppress(table) if suppressed else table
    return tables


def figure_table(figure: str, scope: Scope, *, suppressed: bool = True) -> Table:
    """One figure for a scope (see `figure_tables`)."""
    return figure_tables(scope, [figure], suppressed=suppressed)[figure]


# --- computed ahead -----------------------------------------------------------------------------
# A bureau's dashboard aggregates a whole city: at national scale (Amsterdam's 334 buildings
# in `seed_demo --scale 100`) five times the work of a city of 8, for figures that change
# slowly. So the nightly run computes each city's usual views ahead (`views_ahead`) and the
# page reads them: see docs/throughput.md, "Computed ahead".

def snapshot_key(scope: Scope) -> str | None:
    """The name of the city-wide view a scope is, or None when it is not one that is computed
    ahead: one city, no building chosen, the default period, at most one of chain, discipline
    or kind of space."""
    if (scope.city_ids is None or len(scope.city_ids) != 1 or scope.building_ids is not None
            or (scope.start, scope.end) != default_period(scope.today)):
        return None
    chosen = [name for name, value in (("chain", scope.chain_id),
                                       ("discipline", scope.discipline_id),
                                       ("kind", scope.space_kind)) if value]
    if len(chosen) > 1:
        return None
    if not chosen:
        return ""
    value = {"chain": scope.chain_id, "discipline": scope.discipline_id,
             "kind": scope.space_kind}[chosen[0]]
    return f"{chosen[0]}={value}"


def views_ahead(city_id: int, *, on: date) -> list[Scope]:
    """The views of a city computed ahead for a day: the whole city, each chain, each
    discipline and each kind of space, over the default period (52 views in the demo's
    chains; about 7 minutes for 6 cities at `seed_demo --scale 100`)."""
    start, end = default_period(on)
    city = Scope(today=on, start=start, end=end, city_ids=(city_id,))
    return [
        city,
        *(replace(city, chain_id=pk) for pk in Chain.objects.order_by("pk")
          .values_list("pk", flat=True)),
        *(replace(city, discipline_id=pk, discipline_chain_id=chain) for pk, chain in
          Discipline.objects.order_by("pk").values_list("pk", "chain_id")),
        *(replace(city, space_kind=kind) for kind in SpaceKind.values),
    ]


def _language() -> str:
    from django.conf import settings
    from django.utils.translation import get_language

    current = get_language() or settings.LANGUAGE_CODE
    return next((code for code, _name in settings.LANGUAGES if current.startswith(code)),
                settings.LANGUAGE_CODE)


def tables_ahead(scope: Scope) -> dict[str, Table]:
    """The unsuppressed figures of the scope's view computed ahead for its day in the current
    language; empty when there are none (another view, or not computed that day yet)."""
    key = snapshot_key(scope)
    if key is None:
        return {}
    stored = FigureSnapshot.objects.filter(
        city_id=scope.city_ids[0], on=scope.today, view=key, language=_language(),
    ).values_list("tables", flat=True).first()
    # Written only by figures_precompute from this application's own objects.
    return pickle.loads(stored) if stored is not None else {}  # noqa: S301


# --- suppression --------------------------------------------------------------------------------

def _small(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < THRESHOLD


def suppress(table: Table) -> Table:
    """A copy of the table where each count of people from 1 to 4 reads SMALL, and every
    value derived from fewer than 5 people (its `base`) is empty (None)."""
    kinds = {column.key: column for column in table.columns}
    rows = []
    for row in table.rows:
        out = dict(row)
        for key, column in kinds.items():
            kind = row.get("unit", column.kind) if column.kind == Kind.MIXED else column.kind
            base = row.get("base") if column.kind == Kind.MIXED else (
                row.get(column.base) if column.base else None)
            if column.base or (column.kind == Kind.MIXED and "base" in row):
                if base is not None and base < THRESHOLD and not _small_zero(base, row.get(key)):
                    out[key] = None
            if kind == Kind.PEOPLE and _small(row.get(key)):
                out[key] = SMALL
        rows.append(out)
    return replace(table, rows=rows)


def _small_zero(base, value) -> bool:
    """A value over nobody stays as it is (None or 0): there is no one to recognise."""
    return base == 0 and value in (None, 0)


# --- who sees what, the building table, the programmer's actions ---------------------------------

def scope_for(user, *, today: date) -> Scope | None:
    """The widest scope a user may see: an admin every city, a bureau member their cities, a
    programmer their buildings; None for anyone else."""
    from broedplaats.roles import roles_of

    start, end = default_period(today)
    roles = roles_of(user)
    if roles.admin:
        return Scope(today=today, start=start, end=end)
    if roles.city_bureau:
        return Scope(today=today, start=start, end=end,
                     city_ids=tuple(user.bureau_cities.values_list("pk", flat=True)))
    if roles.programmer:
        return Scope(today=today, start=start, end=end,
                     building_ids=tuple(user.programmed_buildings.values_list("pk", flat=True)))
    return None


def buildings_in_scope(scope: Scope) -> QuerySet[Building]:
    """The buildings of a scope (chain and discipline: those with it in their focus)."""
    return Building.objects.filter(archived=False).filter(
        _in_scope(replace(scope, space_kind=""), building=""))


BUILDING_ORDERS = {"name": ("name",), "-name": ("-name",), "city": ("city__name", "name"),
                   "-city": ("-city__name", "name"), "cluster": ("cluster_type", "name"),
                   "-cluster": ("-cluster_type", "name")}


def building_rows(scope: Scope, ids: list[int]) -> list[Building]:
    """The given buildings (a page of the table) with their figures for the scope: spaces,
    let today, area, candidate list, tenancies ended and moved on in the period, social-return
    hours, and the chain × stage cells they house now. Nothing is computed for other rows."""
    on, period_end = scope.today, scope.end
    spaces = Space.objects.filter(building=OuterRef("pk"), archived=False)
    if scope.space_kind:
        spaces = spaces.filter(kind=scope.space_kind)
    # Filtered on the building directly: `space__in=spaces` would resolve OuterRef against
    # the tenancy, not the building, and match nothing.
    let = tenancies_running(on).filter(
        space__building=OuterRef("pk"), space__archived=False,
        **({"space__kind": scope.space_kind} if scope.space_kind else {}))
    people = _in_scope(replace(scope, city_ids=None, building_ids=None),
                       building="space__building", creative="creative", kind="space__kind")
    ended = Tenancy.objects.filter(people, space__building=OuterRef("pk"),
                                   actual_end__gte=scope.start, actual_end__lte=period_end)
    waiting = Application.objects.filter(
        _in_scope(replace(scope, city_ids=None, building_ids=None), building="building",
                  creative="creative"),
        building=OuterRef("pk"), call__isnull=True, status__in=WAITING_STATUSES)
    hours = SocialReturn.objects.filter(
        _in_scope(replace(scope, city_ids=None, building_ids=None),
                  building="tenancy__space__building", creative="tenancy__creative",
                  kind="tenancy__space__kind"),
        tenancy__space__building=OuterRef("pk"), on__gte=scope.start, on__lte=period_end)

    buildings = list(
        Building.objects.filter(pk__in=ids).select_related("city")
        .prefetch_related("chain_focus")
        .annotate(
            space_count=Coalesce(Subquery(spaces.order_by().values("building").annotate(
                n=Count("pk")).values("n")[:1], output_field=IntegerField()), 0),
            area=Subquery(spaces.order_by().values("building").annotate(
                n=Sum("area_m2")).values("n")[:1]),
            let_count=Coalesce(Subquery(let.order_by().values("space__building").annotate(
                n=Count("pk")).values("n")[:1], output_field=IntegerField()), 0),
            waiting=Coalesce(Subquery(waiting.order_by().values("building").annotate(
                n=Count("creative", distinct=True)).values("n")[:1],
                output_field=IntegerField()), 0),
            ended=Coalesce(Subquery(ended.order_by().values("space__building").annotate(
                n=Count("pk")).values("n")[:1], output_field=IntegerField()), 0),
            moved_on=Coalesce(Subquery(ended.filter(end_reason__in=DOORSTROMING).order_by()
                                       .values("space__building").annotate(n=Count("pk"))
                                       .values("n")[:1], output_field=IntegerField()), 0),
            hours=Subquery(hours.order_by().values("tenancy__space__building").annotate(
                n=Sum("hours")).values("n")[:1]),
        )
    )
    cells = building_chain_cells(scope, ids)
    stages = list(Stage.objects.order_by("order"))
    order = {pk: index for index, pk in enumerate(ids)}
    buildings.sort(key=lambda building: order[building.pk])
    for building in buildings:
        building.occupancy = _share(building.let_count, building.space_count)
        building.doorstroming = _share(building.moved_on, building.ended)
        building.chain_cells = [
            (chain, [(stage, (building.pk, chain.pk, stage.pk) in cells) for stage in stages])
            for chain in building.chain_focus.all()
        ]
    return buildings


def programmer_actions(user, *, on: date, limit: int = 10) -> dict:
    """What a programmer should act on: applications waiting for screening, open offers whose
    reply date falls within a week, tenancies ending within 90 days, spaces empty today."""
    from broedplaats.selectors.allocation import (
        applications_for_programmer,
        offers_for_programmer,
        spaces_for_programmer,
        tenancies_for_programmer,
    )

    screening = applications_for_programmer(user, on=on).filter(
        status__in=[ApplicationStatus.SUBMITTED, ApplicationStatus.SCREENING])
    offers = offers_for_programmer(user).filter(
        status=OfferStatus.OPEN, reply_by__gte=on, reply_by__lte=on + timedelta(days=7)
    ).order_by("reply_by", "pk")
    ending = tenancies_for_programmer(user).filter(
        actual_end__isnull=True, planned_end__gt=on, planned_end__lte=on + timedelta(days=90),
        start__lte=on).order_by("planned_end", "pk")
    running = tenancies_running(on).filter(space=OuterRef("pk"))
    vacant = spaces_for_programmer(user).filter(archived=False, building__archived=False) \
        .exclude(Exists(running)).order_by("building__name", "code")
    return {
        "screening": screening.count(),
        "offers": list(offers[:limit]), "offers_count": offers.count(),
        "ending": list(ending[:limit]), "ending_count": ending.count(),
        "vacant": list(vacant[:limit]), "vacant_count": vacant.count(),
    }


def suppressed_for(user) -> bool:
    """Whether a reader sees small counts suppressed: everyone but admins and programmers (who
    see only their own buildings, whose tenants they know by name anyway)."""
    from broedplaats.roles import roles_of

    roles = roles_of(user)
    return not (roles.admin or (roles.programmer and not roles.city_bureau))
