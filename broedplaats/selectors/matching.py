"""Reads of matching: what an allocation round (or a single fit score) needs from the
database, gathered in a fixed number of queries and turned into the plain arrays of
`broedplaats.matching`.

Who may take part (the hard constraints, never scores):
- the application is eligible or shortlisted and the creative's screening for the city is
  positive and valid on the day the offers are made;
- the creative rents fewer spaces on the start date than the policy allows at once;
- a space is active, in one of the round's calls, free from the start date for a month
  (as `offer_make` checks), and has no open offer.
A creative with applications to several of the round's calls takes part once; a space of a
call is open to them only when they applied to that call.
"""

from __future__ import annotations

import functools
import itertools
import operator
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import SimpleNamespace

import numpy as np
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import (
    Avg,
    Count,
    Exists,
    F,
    FloatField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from broedplaats.db import DaysBetween
from broedplaats.matching import Applicants, Spaces, Weights, breakdown, score_matrix
from broedplaats.models import (
    AllocationRound,
    Application,
    ApplicationChoice,
    ApplicationStatus,
    Building,
    Call,
    City,
    CommitteeCriterion,
    CommitteeScore,
    EndReason,
    Facility,
    FitWeights,
    Offer,
    OfferStatus,
    Pathway,
    PathwayPriority,
    PathwayStep,
    Policy,
    RoundChange,
    RoundEntry,
    RoundStatus,
    Screening,
    Space,
    Tenancy,
)
from broedplaats.roles import roles_of
from broedplaats.selectors.allocation import calls_for_programmer
from broedplaats.selectors.places import (
    buildings_run_by,
    cities_watched_by,
    policy_in_force,
    running_on,
)
from chains.models import Chain, Creative, Stage, StageMove

OFFERABLE = (ApplicationStatus.ELIGIBLE, ApplicationStatus.SHORTLISTED)
# Applications that are still in play, with the reason those not offerable are left out.
IN_PLAY = (ApplicationStatus.SUBMITTED, ApplicationStatus.SCREENING, ApplicationStatus.ELIGIBLE,
           ApplicationStatus.INELIGIBLE, ApplicationStatus.SHORTLISTED,
           ApplicationStatus.OFFERED)
WAITING_ON_LIST = (ApplicationStatus.SUBMITTED, ApplicationStatus.SCREENING,
                   ApplicationStatus.ELIGIBLE, ApplicationStatus.SHORTLISTED)


def weights_for(buildings: list[Building]) -> dict[int, Weights]:
    """Each building's fit weights: its own, else its city's, else the defaults (one query)."""
    stored = list(FitWeights.objects.filter(
        Q(building__in=[b.pk for b in buildings]) | Q(city__in={b.city_id for b in buildings})))
    own = {row.building_id: row for row in stored if row.building_id}
    city = {row.city_id: row for row in stored if row.city_id}
    result = {}
    for building in buildings:
        row = own.get(building.pk) or city.get(building.city_id)
        result[building.pk] = (Weights(**row.points(), wait_full_days=row.wait_full_days)
                               if row else Weights())
    return result


@dataclass
class Candidate:
    """One creative in a round: their applications (per call), what the score reads, and
    why they are left out (empty: they take part)."""

    creative_id: int
    name: str
    applications: dict[int, int]  # call id -> application id
    stage_id: int | None
    chain_id: int | None
    wait_days: int
    bonus: float = 0.0
    first_in_line: bool = False
    pathway: str = ""
    excluded: str = ""
    choices: list[int] = field(default_factory=list)  # space ids, most wanted first
    committee: float | None = None

    @property
    def application_id(self) -> int:
        return next(iter(self.applications.values()))


@dataclass
class RoundInputs:
    """Everything a round's method works on. `candidates` lists every creative in play;
    `rows` are the indices of those taking part, aligned with the rows of `scores` and
    `feasible`; `spaces` are the spaces open in the round, aligned with the columns."""

    on: date
    start: date
    calls: list[Call]
    candidates: list[Candidate]
    rows: list[int]
    spaces: list[Space]
    spaces_left_out: dict[int, str]
    applicants: Applicants
    space_arrays: dict[int, tuple[Spaces, list[int]]]  # building id -> (arrays, columns)
    weights: dict[int, Weights]
    scores: np.ndarray
    feasible: np.ndarray

    def taking_part(self) -> list[Candidate]:
        return [self.candidates[index] for index in self.rows]

    def breakdown(self, row: int, column: int) -> dict[str, float]:
        """The parts of the fit of row `row` (an index into `rows`) and column `column`."""
        space = self.spaces[column]
        arrays, columns = self.space_arrays[space.building_id]
        return breakdown(self.applicants, arrays, self.weights[space.building_id], row,
                         columns.index(column))


def _indices(values) -> dict[int, int]:
    return {value: index for index, value in enumerate(sorted(values))}


def _bits(ids, index: dict[int, int]) -> int:
    mask = 0
    for pk in ids:
        if pk in index:
            mask |= 1 << index[pk]
    return mask


def _pathway_priority(creative_ids, buildings: set[int], on: date) -> dict:
    """Per creative: the best pathway priority they hold into one of `buildings` — they
    ended a tenancy for the next stage at a pathway's step within its months, and the next
    step is in one of those buildings. Returns {creative: (bonus, first, pathway name)}."""
    steps = list(PathwayStep.objects.filter(pathway__archived=False)
                 .select_related("pathway").order_by("pathway", "order"))
    following = {}  # (pathway id, building) -> next step building
    by_pathway: dict[int, list[PathwayStep]] = {}
    for step in steps:
        by_pathway.setdefault(step.pathway_id, []).append(step)
    for pathway_steps in by_pathway.values():
        for here, there in zip(pathway_steps, pathway_steps[1:], strict=False):
            if there.building_id in buildings:
                following.setdefault(here.building_id, []).append((here.pathway, there))
    if not following:
        return {}
    ended = (Tenancy.objects.filter(creative__in=creative_ids, end_reason=EndReason.NEXT_STAGE,
                                    space__building__in=list(following),
                                    actual_end__lte=on, actual_end__gt=on - timedelta(days=5 * 366))
             .values_list("creative", "space__building", "actual_end"))
    result = {}
    for creative, building, ended_on in ended:
        for pathway, _next in following.get(building, []):
            if (on - ended_on).days > pathway.priority_months * 31:
                continue
            first = pathway.priority == PathwayPriority.FIRST
            bonus = 0.0 if first else float(pathway.bonus_points)
            best = result.get(creative)
            if best is None or (first, bonus) > (best[1], best[0]):
                result[creative] = (bonus, first, pathway.name)
    return result


def round_inputs(*, calls: list[Call], on: date, start: date,
                 creative_ids: list[int] | None = None) -> RoundInputs:
    """Gather a round over `calls` (published calls of one city): offers made on `on`, for
    tenancies starting on `start`. With `creative_ids`, only those creatives (to explain one
    applicant's fit without scoring everyone)."""
    calls = list(calls)
    call_ids = [call.pk for call in calls]
    buildings = {call.building_id: call.building for call in calls}
    city = calls[0].building.city if calls else None
    policy: Policy | None = policy_in_force(city=city, on=start) if city else None
    allowed = policy.max_tenancies_per_creative if policy else 1

    applications = Application.objects.filter(call__in=call_ids, status__in=IN_PLAY)
    if creative_ids is not None:
        applications = applications.filter(creative__in=creative_ids)
    # Plain tuples as the driver gives them: a city-wide round reads tens of thousands of
    # applications, and Django's per-row work (converters, dicts) would cost more than the
    # whole score.
    rows = _raw_rows(applications.order_by("creative_id", "submitted_at", "pk").values_list(
        "pk", "creative_id", "call_id", "status", "stage_id",
        Cast("min_area_m2", FloatField()), Cast("max_area_m2", FloatField()),
        Cast("max_rent", FloatField()), "creative__discipline__chain", "creative__name",
        DaysBetween(Value(on), TruncDate("submitted_at"))))
    # What is read once a creative (not once an application): stage, screening, rentals,
    # time on a candidate list.
    latest = StageMove.objects.filter(creative=OuterRef("pk"), moved_on__lte=on) \
        .order_by("-moved_on", "-id")
    screened = Screening.objects.filter(creative=OuterRef("pk"), city=city, eligible=True,
                                        decided_on__lte=on, valid_until__gt=on)
    holding = Tenancy.objects.filter(running_on(start), creative=OuterRef("pk")) \
        .values("creative").annotate(n=Count("pk")).values("n")
    on_list = Application.objects.filter(
        creative=OuterRef("pk"), call__isnull=True, building__city=city,
        status__in=WAITING_ON_LIST, submitted_at__isnull=False,
    ).values("creative").annotate(since=Min("submitted_at")).values("since")
    in_play = applications.values("creative")
    facts = {row[0]: row[1:] for row in _raw_rows(Creative.objects.filter(pk__in=in_play)
                                                   .values_list(
        "pk", Subquery(latest.values("to_stage")[:1]), Exists(screened),
        Coalesce(Subquery(holding), 0), DaysBetween(Value(on), TruncDate(Subquery(on_list)))))}
    in_round = Q(application__call__in=call_ids, application__status__in=IN_PLAY)
    if creative_ids is not None:
        in_round &= Q(application__creative__in=creative_ids)
    wished = {}
    for application_id, facility_id in Application.facilities.through.objects.filter(
            in_round).values_list("application", "facility"):
        wished.setdefault(application_id, []).append(facility_id)
    choices = {}
    for application_id, space_id in ApplicationChoice.objects.filter(in_round).order_by(
            "application", "rank").values_list("application", "space"):
        choices.setdefault(application_id, []).append(space_id)
    committee = dict(
        CommitteeScore.objects.filter(in_round, criterion__call__in=call_ids)
        .values_list("application").annotate(mean=Avg("score")).order_by())
    priority = _pathway_priority(in_play, set(buildings), on)

    candidates, first_application = [], {}
    reason_of = functools.lru_cache(maxsize=None)(_left_out)  # few distinct answers
    for creative_id, group in itertools.groupby(rows, key=operator.itemgetter(1)):
        own = list(group)
        stage_now, is_screened, rents, listed = facts[creative_id]
        reasons = [reason_of(row[3], bool(is_screened), rents, allowed) for row in own]
        usable = [row for row, reason in zip(own, reasons, strict=True) if not reason]
        shown = usable or own  # wishes and stage are read from the first usable one
        (pk, _creative, _call, _status, stage_id, min_area, max_area, rent_max, chain_id, name,
         waited) = shown[0]
        waited = listed if listed is not None else waited
        bonus, first_in_line, pathway = priority.get(creative_id, (0.0, False, ""))
        ranked = []
        for row in shown:
            ranked += [space for space in choices.get(row[0], []) if space not in ranked]
        means = [committee[row[0]] for row in shown if row[0] in committee]
        candidates.append(Candidate(
            creative_id=creative_id, name=name,
            applications={row[2]: row[0] for row in reversed(shown)},
            stage_id=stage_id or stage_now, chain_id=chain_id,
            wait_days=max(0, waited or 0),
            bonus=bonus, first_in_line=first_in_line, pathway=pathway,
            excluded="" if usable else reasons[0], choices=ranked,
            committee=float(means[0]) if means else None,
        ))
        first_application[creative_id] = SimpleNamespace(
            pk=pk, min_area=min_area, max_area=max_area, rent_max=rent_max)

    spaces, left_out = _round_spaces(call_ids, on, start)
    rows = [index for index, candidate in enumerate(candidates) if not candidate.excluded]
    # The spaces' buildings (a call offers its own building's spaces; should one not, it is
    # still scored under its own building's focus and weights).
    for space in spaces:
        buildings.setdefault(space.building_id, space.building)
    return _arrays(on, start, calls, candidates, rows, spaces, left_out, wished,
                   first_application, list(buildings.values()))


def _left_out(status: str, screened: bool, rents: int, allowed: int) -> str:
    """Why an application cannot get an offer in a round ("" when it can)."""
    if status == ApplicationStatus.OFFERED:
        return _("has an open offer")
    if status == ApplicationStatus.INELIGIBLE:
        return _("screened: not eligible")
    if status not in OFFERABLE:
        return _("not screened yet")
    if not screened:
        return _("no valid positive screening")
    if rents >= allowed:
        return ngettext(
            "already rents %(n)s space on the start date (the policy allows %(allowed)s)",
            "already rents %(n)s spaces on the start date (the policy allows %(allowed)s)",
            rents) % {"n": rents, "allowed": allowed}
    return ""


def _raw_rows(queryset) -> list[tuple]:
    """A values_list queryset's rows as the database driver gives them: no model field
    converters (so cast in SQL what needs it) and no per-row Django work."""
    try:
        sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    except EmptyResultSet:
        return []
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _round_spaces(call_ids: list[int], on: date, start: date) -> tuple[list[Space], dict]:
    """The calls' spaces open in the round, and why each other space is left out. Each
    space carries `round_calls`, `stage_ids` and `facility_ids` (read as plain ids)."""
    month = start + timedelta(days=31)
    let = Tenancy.objects.filter(space=OuterRef("pk"), start__lt=month).annotate(
        ends=Coalesce("actual_end", "planned_end")).filter(ends__gt=start)
    offered = Offer.objects.filter(space=OuterRef("pk"), status=OfferStatus.OPEN,
                                   reply_by__gte=on)
    rows = list(
        Space.objects.filter(calls__in=call_ids).distinct()
        .annotate(is_let=Exists(let), has_offer=Exists(offered))
        .select_related("building").order_by("building__name", "code")
    )
    calls_of, stages_of, facilities_of = {}, {}, {}
    for space_id, call_id in Call.spaces.through.objects.filter(
            call__in=call_ids).values_list("space", "call"):
        calls_of.setdefault(space_id, []).append(call_id)
    for space_id, stage_id in Space.stages.through.objects.filter(
            space__in=Space.objects.filter(calls__in=call_ids)).values_list("space", "stage"):
        stages_of.setdefault(space_id, []).append(stage_id)
    for space_id, facility_id in Space.facilities.through.objects.filter(
            space__in=Space.objects.filter(calls__in=call_ids)).values_list("space",
                                                                            "facility"):
        facilities_of.setdefault(space_id, []).append(facility_id)
    spaces, left_out = [], {}
    for space in rows:
        space.round_calls = sorted(set(calls_of.get(space.pk, ())))
        space.stage_ids = sorted(set(stages_of.get(space.pk, ())))
        space.facility_ids = sorted(set(facilities_of.get(space.pk, ())))
        if space.archived:
            left_out[space.pk] = _("archived")
        elif space.is_let:
            left_out[space.pk] = _("let on the start date")
        elif space.has_offer:
            left_out[space.pk] = _("has an open offer")
        else:
            spaces.append(space)
    return spaces, left_out


@dataclass(frozen=True)
class Indexes:
    """Stages, chains and facilities as the small indices the pure scoring takes."""

    stage: dict[int, int]
    chain: dict[int, int]
    facility: dict[int, int]

    @classmethod
    def load(cls) -> Indexes:
        stages = list(Stage.objects.order_by("order").values_list("pk", flat=True))
        return cls(stage={pk: index for index, pk in enumerate(stages)},
                   chain=_indices(Chain.objects.values_list("pk", flat=True)),
                   facility=_indices(Facility.objects.values_list("pk", flat=True)))


@dataclass
class Wishes:
    """One applicant as the score reads them (ids, not indices)."""

    stage_id: int | None
    chain_id: int | None
    min_area: object = None  # Decimal, float or None
    max_area: object = None
    max_rent: object = None
    facility_ids: list[int] = field(default_factory=list)
    wait_days: int = 0
    bonus: float = 0.0


def applicant_arrays(rows: list[Wishes], indexes: Indexes) -> Applicants:
    """The pure scoring's applicant rows for these wishes."""
    def amount(value):
        return float(value) if value is not None else np.nan

    return Applicants(
        stage=np.array([indexes.stage.get(w.stage_id, -1) for w in rows], dtype=np.int64),
        chain=np.array([indexes.chain.get(w.chain_id, -1) for w in rows], dtype=np.int64),
        min_area=np.array([amount(w.min_area) for w in rows], dtype=np.float64),
        max_area=np.array([amount(w.max_area) for w in rows], dtype=np.float64),
        max_rent=np.array([amount(w.max_rent) for w in rows], dtype=np.float64),
        facilities=np.array([_bits(w.facility_ids, indexes.facility) for w in rows],
                            dtype=np.uint64),
        wait_days=np.array([w.wait_days for w in rows], dtype=np.int64),
        bonus=np.array([w.bonus for w in rows], dtype=np.float64),
    )


@dataclass
class BuildingContext:
    """What the chain parts of a score read of each building: its chain focus and the
    (chain, stage) pairs it houses now."""

    focus: dict[int, set[int]]
    housed: dict[int, set[tuple[int, int]]]

    @classmethod
    def load(cls, building_ids: list[int], on: date) -> BuildingContext:
        focus: dict[int, set[int]] = {}
        for building_id, chain_id in Building.chain_focus.through.objects.filter(
                building__in=building_ids).values_list("building", "chain"):
            focus.setdefault(building_id, set()).add(chain_id)
        return cls(focus=focus, housed=_housed(building_ids, on))


def building_space_arrays(building_id: int, spaces: list[Space], context: BuildingContext,
                          indexes: Indexes, *, stage_ids: dict | None = None,
                          facility_ids: dict | None = None) -> Spaces:
    """The pure scoring's columns for spaces of one building: their stages and facilities
    from `stage_ids` / `facility_ids` ({space id: [ids]}) when given, else prefetched."""
    if stage_ids is None:
        stage_ids = {space.pk: [s.pk for s in space.stages.all()] for space in spaces}
    if facility_ids is None:
        facility_ids = {space.pk: [f.pk for f in space.facilities.all()] for space in spaces}
    house = np.zeros((1, max(len(indexes.chain), 1)), dtype=np.uint64)
    for chain_id, stage_id in context.housed.get(building_id, ()):
        if chain_id in indexes.chain and stage_id in indexes.stage:
            house[0, indexes.chain[chain_id]] |= np.uint64(1 << indexes.stage[stage_id])
    return Spaces(
        stages=np.array([_bits(stage_ids.get(space.pk, ()), indexes.stage)
                         for space in spaces], dtype=np.uint64),
        building=np.zeros(len(spaces), dtype=np.int64),
        area=np.array([float(space.area_m2) for space in spaces], dtype=np.float64),
        rent=np.array([float(space.monthly_rent) for space in spaces], dtype=np.float64),
        facilities=np.array([_bits(facility_ids.get(space.pk, ()), indexes.facility)
                             for space in spaces], dtype=np.uint64),
        focus=np.array([_bits(context.focus.get(building_id, ()), indexes.chain)],
                       dtype=np.uint64),
        housed=house,
    )


def _arrays(on, start, calls, candidates, rows, spaces, left_out, wished, first_application,
            buildings) -> RoundInputs:
    indexes = Indexes.load()
    taking_part = [candidates[index] for index in rows]
    wishes = []
    for candidate in taking_part:
        first = first_application[candidate.creative_id]
        wishes.append(Wishes(
            stage_id=candidate.stage_id, chain_id=candidate.chain_id,
            min_area=first.min_area, max_area=first.max_area, max_rent=first.rent_max,
            facility_ids=wished.get(first.pk, []), wait_days=candidate.wait_days,
            bonus=candidate.bonus))
    applicants = applicant_arrays(wishes, indexes)
    weights = weights_for(buildings)
    context = BuildingContext.load([b.pk for b in buildings], on)
    n, m = len(taking_part), len(spaces)
    scores = np.zeros((n, m), dtype=np.float32)
    space_arrays = {}
    for building in buildings:
        columns = [j for j, space in enumerate(spaces) if space.building_id == building.pk]
        if not columns:
            continue
        chosen = [spaces[j] for j in columns]
        arrays = building_space_arrays(
            building.pk, chosen, context, indexes,
            stage_ids={space.pk: space.stage_ids for space in chosen},
            facility_ids={space.pk: space.facility_ids for space in chosen})
        space_arrays[building.pk] = (arrays, columns)
        if n:
            scores[:, columns] = score_matrix(applicants, arrays, weights[building.pk])
    # A space is open to a candidate who applied to one of its calls: (n x calls) @ (calls x m).
    call_index = {call.pk: index for index, call in enumerate(calls)}
    # (float32: the product runs in BLAS; an integer one does not)
    applied = np.zeros((n, len(calls)), dtype=np.float32)
    for i, candidate in enumerate(taking_part):
        for call_id in candidate.applications:
            applied[i, call_index[call_id]] = 1
    offered_in = np.zeros((len(calls), m), dtype=np.float32)
    for j, space in enumerate(spaces):
        for call_id in space.round_calls:
            offered_in[call_index[call_id], j] = 1
    feasible = (applied @ offered_in) > 0
    return RoundInputs(on=on, start=start, calls=calls, candidates=candidates, rows=rows,
                       spaces=spaces, spaces_left_out=left_out, applicants=applicants,
                       space_arrays=space_arrays, weights=weights, scores=scores,
                       feasible=feasible)


def _housed(ids: list[int], on: date) -> dict[int, set[tuple[int, int]]]:
    """(chain, stage) pairs each building houses on a date: a current tenant of that chain
    whose newest stage move puts them in that stage."""
    from broedplaats.selectors.throughput import Scope, building_chain_cells
    scope = Scope(today=on, start=on, end=on, building_ids=tuple(ids))
    result: dict[int, set] = {}
    for building_id, chain_id, stage_id in building_chain_cells(scope, ids):
        result.setdefault(building_id, set()).add((chain_id, stage_id))
    return result


@dataclass(frozen=True)
class Fit:
    """An application's best fit: the score, and the space it is for."""

    score: float
    space_id: int


def _wishes_of(applications, on: date) -> tuple[list[dict], dict[int, Wishes]]:
    """The applications' rows (pk, call, building) and their wishes as the score reads them,
    in three queries whatever their number."""
    latest = StageMove.objects.filter(creative=OuterRef("creative"), moved_on__lte=on) \
        .order_by("-moved_on", "-id")
    rows = list(with_waiting_since(applications.order_by()).values(
        "pk", "call_id", "building_id", "stage_id", "min_area_m2", "max_area_m2", "max_rent",
        "waiting_since", chain=F("creative__discipline__chain"),
        stage_now=Subquery(latest.values("to_stage")[:1])))
    wished: dict[int, list[int]] = {}
    for application_id, facility_id in Application.facilities.through.objects.filter(
            application__in=[row["pk"] for row in rows]).values_list("application", "facility"):
        wished.setdefault(application_id, []).append(facility_id)
    wishes = {}
    for row in rows:
        since = row["waiting_since"]
        wishes[row["pk"]] = Wishes(
            stage_id=row["stage_id"] or row["stage_now"], chain_id=row["chain"],
            min_area=row["min_area_m2"], max_area=row["max_area_m2"], max_rent=row["max_rent"],
            facility_ids=wished.get(row["pk"], []),
            wait_days=max(0, (on - since.date()).days) if since else 0)
    return rows, wishes


def _scores(wishes: list[Wishes], building_id: int, spaces: list[Space], on: date,
            context: BuildingContext | None = None, indexes: Indexes | None = None,
            weights: Weights | None = None) -> np.ndarray:
    indexes = indexes or Indexes.load()
    context = context or BuildingContext.load([building_id], on)
    if weights is None:
        weights = weights_for(list(Building.objects.filter(pk=building_id)))[building_id]
    return score_matrix(applicant_arrays(wishes, indexes),
                        building_space_arrays(building_id, spaces, context, indexes), weights)


@dataclass
class _FitContext:
    """What scoring applications against the spaces they could get reads, loaded once:
    their rows and wishes, the active spaces of their buildings, each call's spaces, the
    indices, the buildings' chain context and weights."""

    rows: list[dict]
    wishes: dict[int, Wishes]
    spaces: list[Space]
    in_call: dict[int, set[int]]
    indexes: Indexes
    context: BuildingContext
    weights: dict[int, Weights]

    @classmethod
    def load(cls, applications, on: date) -> _FitContext | None:
        rows, wishes = _wishes_of(applications, on)
        if not rows:
            return None
        building_ids = sorted({row["building_id"] for row in rows})
        call_ids = sorted({row["call_id"] for row in rows if row["call_id"]})
        spaces = list(Space.objects.filter(building__in=building_ids, archived=False)
                      .prefetch_related("stages", "facilities").order_by("building", "code"))
        in_call: dict[int, set[int]] = {}
        for call_id, space_id in Call.spaces.through.objects.filter(call__in=call_ids) \
                .values_list("call", "space"):
            in_call.setdefault(call_id, set()).add(space_id)
        return cls(rows=rows, wishes=wishes, spaces=spaces, in_call=in_call,
                   indexes=Indexes.load(), context=BuildingContext.load(building_ids, on),
                   weights=weights_for(list(Building.objects.filter(pk__in=building_ids))))

    def open_to(self, row: dict, space: Space) -> bool:
        """The application could get the space: its call offers it, or, on a candidate
        list, it is the building's."""
        return space.building_id == row["building_id"] and (
            row["call_id"] is None or space.pk in self.in_call.get(row["call_id"], ()))


def application_fits(applications, *, on: date) -> dict[int, Fit]:
    """Each application's best fit over the spaces it could get: its call's active spaces,
    or, on a candidate list, its building's. A fixed number of queries whatever the number
    of applications (the applicants table sorts by it); applications with no space to fit
    are left out of the result."""
    fit = _FitContext.load(applications, on)
    if fit is None:
        return {}
    result = {}
    for building_id in sorted({row["building_id"] for row in fit.rows}):
        own = [row for row in fit.rows if row["building_id"] == building_id]
        columns = [space for space in fit.spaces if space.building_id == building_id]
        if not columns:
            continue
        scores = _scores([fit.wishes[row["pk"]] for row in own], building_id, columns, on,
                         fit.context, fit.indexes, fit.weights[building_id])
        for i, row in enumerate(own):
            allowed = np.array([fit.open_to(row, space) for space in columns])
            if not allowed.any():
                continue
            masked = np.where(allowed, scores[i], -1.0)
            j = int(np.argmax(masked))
            result[row["pk"]] = Fit(score=round(float(masked[j]), 1), space_id=columns[j].pk)
    return result


def space_fits(application: Application, spaces: list[Space], *, on: date) -> dict[int, float]:
    """The application's fit for each of these spaces of its building (the offer form ranks
    them by it). `spaces` need their stages and facilities prefetched."""
    if not spaces:
        return {}
    _rows, wishes = _wishes_of(Application.objects.filter(pk=application.pk), on)
    scores = _scores([wishes[application.pk]], application.building_id, spaces, on)
    return {space.pk: round(float(score), 1) for space, score in zip(spaces, scores[0],
                                                                     strict=True)}


def with_waiting_since(applications):
    """Applications annotated with `waiting_since`: when the creative joined a candidate list
    of the building's city that they are still on (the earliest), else the submission. The
    waiting time the fit score counts, and the applicants table sorts by."""
    on_list = Application.objects.filter(
        creative=OuterRef("creative"), call__isnull=True, building__city=OuterRef("building__city"),
        status__in=WAITING_ON_LIST, submitted_at__isnull=False,
    ).values("creative").annotate(since=Min("submitted_at")).values("since")
    return applications.annotate(waiting_since=Coalesce(Subquery(on_list), "submitted_at"))


def own_fits(applications: list[Application], *, on: date) -> dict[int, dict]:
    """For a creative's own applications still in play: the best-fitting space and the fit's
    breakdown ({"space": Space, "parts": {...}}), in a fixed number of queries."""
    ids = [a.pk for a in applications if a.status in IN_PLAY or a.status == "draft"]
    fit = _FitContext.load(Application.objects.filter(pk__in=ids), on) if ids else None
    if fit is None:
        return {}
    result = {}
    for row in fit.rows:
        columns = [space for space in fit.spaces if fit.open_to(row, space)]
        if not columns:
            continue
        building_id = row["building_id"]
        applicants = applicant_arrays([fit.wishes[row["pk"]]], fit.indexes)
        arrays = building_space_arrays(building_id, columns, fit.context, fit.indexes)
        scores = score_matrix(applicants, arrays, fit.weights[building_id])
        j = int(np.argmax(scores[0]))
        result[row["pk"]] = {"space": columns[j],
                             "parts": breakdown(applicants, arrays, fit.weights[building_id],
                                                0, j)}
    return result


def own_round_entries(applications: list[Application]) -> dict[int, RoundEntry]:
    """Per application: the creative's own entry in the newest round over its call that was
    not discarded (position, lottery number, proposed space, fit). Never anyone else's."""
    by_call = {a.call_id: a for a in applications if a.call_id}
    if not by_call:
        return {}
    creative_ids = {a.creative_id for a in applications}
    entries = (RoundEntry.objects.filter(creative__in=creative_ids,
                                         round__calls__in=list(by_call))
               .exclude(round__status=RoundStatus.DISCARDED)
               .select_related("round", "space", "proposed_space")
               .annotate(call_id=F("round__calls")).order_by("-round__run_at", "-round_id"))
    result = {}
    for entry in entries:
        application = by_call.get(entry.call_id)
        if application and application.pk not in result \
                and entry.creative_id == application.creative_id:
            result[application.pk] = entry
    return result


# --- scoping: what each user may read (pages and API alike) -----------------------------------

def _round_calls():
    return AllocationRound.calls.through.objects.filter(allocationround=OuterRef("pk"))


def rounds_for_programmer(user) -> QuerySet[AllocationRound]:
    """Rounds whose every call is of a building the user programs (all for a superuser), with
    how many entries each holds and how many have a space proposed now.

    Every call, not some: a city-wide round shows the applicants of all its calls, so a
    programmer of only one of its buildings must not read it."""
    if user is None or not user.is_authenticated:
        return AllocationRound.objects.none()
    rounds = AllocationRound.objects.all()
    if not user.is_superuser:
        rounds = rounds.filter(Exists(_round_calls())).exclude(
            Exists(_round_calls().exclude(call__building__programmers=user)))
    return (
        rounds.select_related("city", "run_by", "decided_by")
        .prefetch_related("calls")
        .annotate(applicants=Count("entries"),
                  proposals=Count("entries", filter=Q(entries__space__isnull=False)))
        .order_by("-run_at", "-id")
    )


def round_details(rounds: QuerySet[AllocationRound]) -> QuerySet[AllocationRound]:
    return rounds.prefetch_related(
        Prefetch("entries", queryset=RoundEntry.objects.select_related(
            "creative", "proposed_space__building", "space__building").order_by("position")),
        Prefetch("changes", queryset=RoundChange.objects.select_related(
            "entry__creative", "from_space__building", "to_space__building", "by")),
    )


def with_left_out(round_: AllocationRound) -> AllocationRound:
    """Attach the spaces the round left out, with their reasons (one query)."""
    reasons = {int(pk): reason for pk, reason in round_.inputs.get("spaces_left_out", {}).items()}
    spaces = Space.objects.filter(pk__in=reasons).select_related("building").order_by(
        "building__name", "code")
    round_.left_out = [{"space": space, "reason": reasons[space.pk]} for space in spaces]
    return round_


def criteria_for_programmer(user) -> QuerySet[CommitteeCriterion]:
    return CommitteeCriterion.objects.filter(call__in=calls_for_programmer(user).values("pk"))


def committee_scores_of(user) -> QuerySet[CommitteeScore]:
    """The user's own committee scores on calls of the buildings they program."""
    if user is None or not user.is_authenticated:
        return CommitteeScore.objects.none()
    return (
        CommitteeScore.objects.filter(member=user,
                                      criterion__call__in=calls_for_programmer(user).values("pk"))
        .select_related("criterion", "application__creative")
        .order_by("criterion__call", "application", "criterion__order", "criterion_id")
    )


def committee_means(call: Call) -> QuerySet[Application]:
    """The call's scorable applicants (eligible, shortlisted) and anyone already scored, with
    the mean over every member's scores and how many members scored them; best mean first."""
    on_call = Q(committee_scores__criterion__call=call)
    scored = CommitteeScore.objects.filter(application=OuterRef("pk"), criterion__call=call)
    return (
        Application.objects.filter(call=call)
        .filter(Q(status__in=(ApplicationStatus.ELIGIBLE, ApplicationStatus.SHORTLISTED))
                | Exists(scored))
        .select_related("creative")
        .annotate(mean=Avg("committee_scores__score", filter=on_call),
                  members=Count("committee_scores__member", filter=on_call, distinct=True))
        .order_by(F("mean").desc(nulls_last=True), "creative__name", "pk")
    )


def pathways_public() -> QuerySet[Pathway]:
    """Pathways with their steps in order (they describe buildings, not people)."""
    return Pathway.objects.select_related("city", "chain").prefetch_related(
        Prefetch("steps", queryset=PathwayStep.objects.select_related("building", "stage")
                 .order_by("order"))
    ).order_by("city__name", "name", "pk")


def may_edit_pathway(user, *, city: City, buildings: list[Building]) -> bool:
    """A city bureau member of the city, or a programmer of every building on it (or an
    admin)."""
    roles = roles_of(user)
    if roles.admin:
        return True
    if roles.city_bureau and user.bureau_cities.filter(pk=city.pk).exists():
        return True
    if roles.programmer:
        ids = {building.pk for building in buildings}
        mine = set(Building.objects.filter(pk__in=ids, programmers=user)
                   .values_list("pk", flat=True))
        return ids <= mine
    return False


def bureau_city_ids(user) -> set[int]:
    if not roles_of(user).city_bureau:
        return set()
    return set(cities_watched_by(user).values_list("pk", flat=True))


def programmed_ids(user) -> set[int]:
    if not roles_of(user).programmer:
        return set()
    return set(buildings_run_by(user).values_list("pk", flat=True))


def editable_pathways(user) -> QuerySet[Pathway]:
    """Active pathways the user may change: an admin any; a bureau member those of their
    cities; a programmer those whose every step is a building they program."""
    pathways = Pathway.objects.filter(archived=False)
    roles = roles_of(user)
    if roles.admin:
        return pathways
    allowed = Q(pk__in=[])
    if roles.city_bureau:
        allowed |= Exists(City.bureau_members.through.objects.filter(
            city=OuterRef("city"), user=user))
    if roles.programmer:
        foreign = PathwayStep.objects.filter(pathway=OuterRef("pk")).exclude(
            Exists(Building.programmers.through.objects.filter(
                building=OuterRef("building"), user=user)))
        allowed |= ~Exists(foreign)
    return pathways.filter(allowed)


def committee_sheet(call: Call, member) -> tuple[list, list, dict]:
    """The call's criteria; its applicants who can be scored, each with the `mean` of every
    member's scores and how many `members` scored; and the logged-in member's own scores by
    (application id, criterion id). Three queries."""
    criteria = list(call.criteria.all())
    scored = Q(committee_scores__criterion__call=call)
    applications = list(
        Application.objects.filter(call=call, status__in=OFFERABLE).select_related("creative")
        .annotate(mean=Avg("committee_scores__score", filter=scored),
                  members=Count("committee_scores__member", distinct=True, filter=scored))
        .order_by("creative__name", "pk"))
    own = {(application, criterion): score for application, criterion, score in
           CommitteeScore.objects.filter(criterion__call=call, member=member)
           .values_list("application", "criterion", "score")}
    return criteria, applications, own
