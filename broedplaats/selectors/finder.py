"""Reads of the finder: which buildings fit a creative's discipline, stage and wishes.

Every active space of an active building that is free today (no tenancy runs on it) or is
offered in an open call (published, today between its opening and closing) is scored against
one synthetic applicant — the creative's stage and chain, their wishes, no waiting time and no
bonus — by the same pure function the allocation rounds use (`broedplaats.matching.score_matrix`)
with each building's fit weights (`selectors.matching.weights_for`). A building ranks by its best
space's fit.

It holds at national scale: a fixed number of queries whatever the number of spaces (the
spaces, their stages, the wished facilities among theirs, the chain focus, the buildings that
house the chain's stage now, the weights), the arrays built and scored with numpy, and the
reasons in words (which need names, calls and facilities) only for the page shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import numpy as np
from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils import formats
from django.utils.translation import gettext as _

from broedplaats.matching import Applicants, Spaces, Weights, breakdown, score_matrix
from broedplaats.models import Building, Call, City, Facility, Space
from broedplaats.selectors.matching import Indexes, Wishes, applicant_arrays, weights_for
from broedplaats.selectors.places import tenancies_running
from broedplaats.selectors.throughput import Scope, tenants_with_stage
from chains.models import Chain, Discipline, Stage

PER_PAGE = 24


@dataclass(frozen=True)
class FinderWish:
    """What a creative looks for: discipline (hence chain) and stage are required; the rest
    narrows nothing, it only scores (an unmet wish costs points, it does not hide a building),
    except `city`, which limits the buildings."""

    discipline: Discipline
    stage: Stage
    min_area: Decimal | None = None
    max_area: Decimal | None = None
    max_rent: Decimal | None = None
    facilities: tuple[Facility, ...] = ()
    city: City | None = None

    @property
    def chain(self) -> Chain:
        return self.discipline.chain


@dataclass
class Ranking:
    """Every candidate space as arrays (columns of `spaces`), and the buildings ranked by
    their best space's fit. Index b of the per-building arrays is `building_ids[b]`."""

    wish: FinderWish
    on: date
    applicant: Applicants
    spaces: Spaces
    space_ids: np.ndarray  # (m,) Space pks, aligned with the columns
    let: np.ndarray  # (m,) bool: a tenancy runs on the space today (it is in an open call)
    scores: np.ndarray  # (m,) float32
    building_ids: np.ndarray  # (B,)
    weights: dict[int, Weights]
    best: np.ndarray  # (B,) the column of each building's best space
    free: np.ndarray  # (B,) spaces free today
    completes: np.ndarray  # (B,) bool: chain in focus, stage not housed there now
    order: np.ndarray  # (B,) building indices, best first
    completing_elsewhere: list[int] = field(default_factory=list)  # nothing free, would complete

    def ranked_ids(self) -> list[int]:
        return [int(pk) for pk in self.building_ids[self.order]]

    def fit_of(self, building_id: int) -> float:
        b = int(np.searchsorted(self.building_ids, building_id))
        return round(float(self.scores[self.best[b]]), 1)


@dataclass
class Reason:
    """One part of a fit in words, with the points it earned of the most it could."""

    part: str
    text: str
    points: float
    max_points: float

    @property
    def met(self) -> bool:
        return self.points >= self.max_points - 0.05


@dataclass
class BuildingFit:
    """One shown building: its best space, the fit's parts and the reasons in words."""

    building: Building
    fit: float
    space: Space
    space_free: bool
    parts: dict[str, float]
    reasons: list[Reason]
    calls: list[Call]
    free_spaces: int
    completes_chain: bool


@dataclass
class FinderPage:
    wish: FinderWish
    page: Page
    buildings: list[BuildingFit]
    completing: list[Building]
    completing_count: int


# --- the ranking: a fixed number of queries, numpy for the rest ---------------------------------

def _bitmasks(pairs: list[tuple[int, int]], space_ids: np.ndarray, positions: dict[int, int],
              m: int) -> np.ndarray:
    """(m,) uint64: for rows of (space id, other id), bit positions[other id] set in the
    space's mask (spaces not among `space_ids` are skipped)."""
    mask = np.zeros(m, dtype=np.uint64)
    if not pairs or not m:
        return mask
    spaces, others = np.array(pairs, dtype=np.int64).T
    sorted_ids = np.sort(space_ids)
    order = np.argsort(space_ids, kind="stable")
    at = np.searchsorted(sorted_ids, spaces)
    found = (at < m) & (sorted_ids[np.minimum(at, m - 1)] == spaces)
    lookup = np.full(max(max(positions, default=0), int(others.max())) + 1, -1, dtype=np.int64)
    lookup[list(positions)] = list(positions.values())
    bit = lookup[others]
    found &= bit >= 0
    np.bitwise_or.at(mask, order[at[found]],
                     np.left_shift(np.uint64(1), bit[found].astype(np.uint64)))
    return mask


def finder_ranking(*, wish: FinderWish, on: date) -> Ranking:
    """Score every candidate space for the wish and rank the buildings (see the module)."""
    running = tenancies_running(on).filter(space=OuterRef("pk"))
    in_open_call = Call.spaces.through.objects.filter(
        space=OuterRef("pk"), call__published_at__isnull=False, call__opens_on__lte=on,
        call__closes_on__gte=on)
    active = Q(archived=False, building__archived=False)
    if wish.city is not None:
        active &= Q(building__city=wish.city)
    rows = list(
        Space.objects.filter(active)
        .annotate(is_let=Exists(running), offered=Exists(in_open_call))
        .filter(Q(is_let=False) | Q(offered=True))
        .order_by("building_id", "pk")
        .values_list("pk", "building_id", "building__city_id", "area_m2", "monthly_rent",
                     "is_let"))
    m = len(rows)
    columns = list(zip(*rows, strict=True)) if rows else [()] * 6
    space_ids = np.array(columns[0], dtype=np.int64)
    space_building = np.array(columns[1], dtype=np.int64)
    building_ids, building_of = np.unique(space_building, return_inverse=True)
    building_of = building_of.reshape(-1).astype(np.int64)
    city_of = {int(b): int(c) for b, c in zip(columns[1], columns[2], strict=True)}
    let = np.array(columns[5], dtype=bool)

    indexes = Indexes.load()
    # The stages each space serves, and (only when some are wished) which wished facilities it
    # has; read for the active spaces in scope, without repeating the tests of the list above.
    through = Q(space__archived=False, space__building__archived=False)
    if wish.city is not None:
        through &= Q(space__building__city=wish.city)
    stages = _bitmasks(list(Space.stages.through.objects.filter(through)
                            .values_list("space_id", "stage_id")), space_ids, indexes.stage, m)
    facilities = np.zeros(m, dtype=np.uint64)
    if wish.facilities:
        facilities = _bitmasks(list(Space.facilities.through.objects.filter(
            through, facility__in=[f.pk for f in wish.facilities])
            .values_list("space_id", "facility_id")), space_ids, indexes.facility, m)

    chain = wish.chain
    focus_rows = Building.chain_focus.through.objects.filter(chain=chain, building__archived=False)
    if wish.city is not None:
        focus_rows = focus_rows.filter(building__city=wish.city)
    in_focus = set(focus_rows.values_list("building_id", flat=True))
    scope = Scope(today=on, start=on, end=on,
                  city_ids=(wish.city.pk,) if wish.city is not None else None)
    housed = set(tenants_with_stage(scope).filter(chain_ref=chain.pk, stage_ref=wish.stage.pk)
                 .order_by().values_list("building_ref", flat=True).distinct())

    chain_bit = np.uint64(1 << indexes.chain[chain.pk]) if chain.pk in indexes.chain else None
    stage_bit = np.uint64(1 << indexes.stage[wish.stage.pk])
    count = len(building_ids)
    focus_flags = np.array([int(b) in in_focus for b in building_ids], dtype=bool)
    housed_flags = np.array([int(b) in housed for b in building_ids], dtype=bool)
    focus = np.zeros(count, dtype=np.uint64)
    house = np.zeros((count, max(len(indexes.chain), 1)), dtype=np.uint64)
    if chain_bit is not None:
        focus[focus_flags] = chain_bit
        house[housed_flags, indexes.chain[chain.pk]] = stage_bit
    spaces = Spaces(
        stages=stages, building=building_of,
        area=np.array(columns[3], dtype=np.float64), rent=np.array(columns[4], dtype=np.float64),
        facilities=facilities, focus=focus, housed=house)
    applicant = applicant_arrays([Wishes(
        stage_id=wish.stage.pk, chain_id=chain.pk, min_area=wish.min_area,
        max_area=wish.max_area, max_rent=wish.max_rent,
        facility_ids=[f.pk for f in wish.facilities])], indexes)

    # Buildings with the same weights are scored together (most share their city's).
    weights = weights_for([Building(pk=int(b), city_id=city_of[int(b)]) for b in building_ids])
    scores = np.zeros(m, dtype=np.float32)
    by_weights: dict[Weights, list[int]] = {}
    for b, pk in enumerate(building_ids):
        by_weights.setdefault(weights[int(pk)], []).append(b)
    for group_weights, group in by_weights.items():
        columns_of = np.flatnonzero(np.isin(building_of, group))
        scores[columns_of] = score_matrix(applicant, spaces.take(columns_of), group_weights)[0]

    # Each building's best space: highest fit, then free today, then cheaper, then oldest.
    by_building = np.lexsort((space_ids, spaces.rent, let, -scores, building_of))
    _unique, first = np.unique(building_of[by_building], return_index=True)
    best = by_building[first]
    free = np.bincount(building_of, weights=~let, minlength=count).astype(np.int64)
    completes = focus_flags & ~housed_flags
    shown_fit = np.round(scores[best].astype(np.float64), 1)
    order = np.lexsort((building_ids, -free, -completes.astype(np.int64), -shown_fit))

    listed = {int(b) for b in building_ids}
    elsewhere = sorted(pk for pk in in_focus - housed if pk not in listed)
    return Ranking(wish=wish, on=on, applicant=applicant, spaces=spaces, space_ids=space_ids,
                   let=let, scores=scores, building_ids=building_ids, weights=weights,
                   best=best, free=free, completes=completes, order=order,
                   completing_elsewhere=elsewhere)


# --- one page, with the reasons in words -----------------------------------------------------------

def finder_page(*, wish: FinderWish, on: date, page: int | str | None = 1,
                per_page: int = PER_PAGE) -> FinderPage:
    """A page of the ranked buildings with each one's best space, the fit's reasons, its
    open calls and free spaces; and the buildings that would complete a chain with the
    creative although nothing is free there now."""
    ranking = finder_ranking(wish=wish, on=on)
    shown = Paginator(ranking.ranked_ids(), per_page).get_page(page)
    ids = list(shown.object_list)
    position = {int(pk): b for b, pk in enumerate(ranking.building_ids)}
    best_space = {pk: int(ranking.space_ids[ranking.best[position[pk]]]) for pk in ids}
    buildings = Building.objects.filter(pk__in=ids).select_related("city").in_bulk()
    spaces = Space.objects.filter(pk__in=best_space.values()).prefetch_related(
        Prefetch("facilities", queryset=Facility.objects.order_by("code"))).in_bulk()
    calls: dict[int, list[Call]] = {}
    for call in (Call.objects.filter(building__in=ids, published_at__isnull=False,
                                     opens_on__lte=on, closes_on__gte=on)
                 .order_by("closes_on", "title", "pk")
                 .prefetch_related(Prefetch("spaces", queryset=Space.objects.filter(
                     archived=False).order_by("code")))):
        calls.setdefault(call.building_id, []).append(call)
    fits = []
    for pk in ids:
        b = position[pk]
        column = int(ranking.best[b])
        parts = breakdown(ranking.applicant, ranking.spaces, ranking.weights[pk], 0, column)
        space = spaces[best_space[pk]]
        fits.append(BuildingFit(
            building=buildings[pk], fit=round(parts["total"], 1), space=space,
            space_free=not bool(ranking.let[column]),
            parts={name: round(value, 1) for name, value in parts.items()},
            reasons=reasons(wish, space, parts, ranking.weights[pk],
                            completes=bool(ranking.completes[b]),
                            in_focus=bool(ranking.spaces.focus[b])),
            calls=calls.get(pk, []), free_spaces=int(ranking.free[b]),
            completes_chain=bool(ranking.completes[b])))
    completing = list(Building.objects.filter(pk__in=ranking.completing_elsewhere)
                      .select_related("city").order_by("city__name", "name", "pk")[:per_page])
    return FinderPage(wish=wish, page=shown, buildings=fits, completing=completing,
                      completing_count=len(ranking.completing_elsewhere))


# --- reasons in words -------------------------------------------------------------------------------

def _euros(value) -> str:
    return "€ " + formats.number_format(Decimal(value), 2, use_l10n=True, force_grouping=True)


def _m2(value) -> str:
    value = Decimal(value)
    places = 0 if value == value.to_integral_value() else 1
    return formats.number_format(value, places, use_l10n=True, force_grouping=True) + " m²"


def reasons(wish: FinderWish, space: Space, parts: dict[str, float], weights: Weights, *,
            completes: bool, in_focus: bool) -> list[Reason]:
    """The parts of a fit in words, in the order of the score (waiting time left out: the
    finder assumes none, a round counts it)."""
    points = weights.normalised()
    stage, chain = str(wish.stage), wish.chain.display_name

    def reason(part: str, text: str) -> Reason:
        return Reason(part=part, text=text, points=round(parts[part], 1),
                      max_points=round(points[part], 1))

    result = [
        reason("stage", _("Serves the stage you are in, %(stage)s, or the next one.")
               % {"stage": stage} if parts["stage"] > 0 else
               _("Serves neither the stage you are in, %(stage)s, nor the next one.")
               % {"stage": stage}),
        reason("chain", _("%(chain)s is in the building's chain focus.") % {"chain": chain}
               if in_focus else
               _("%(chain)s is not in the building's chain focus.") % {"chain": chain}),
    ]
    if completes:
        text = _("You would complete the chain: no tenant of %(chain)s is in %(stage)s here now.")
    elif in_focus:
        text = _("%(chain)s already has a tenant in %(stage)s here.")
    else:
        text = _("No chain to complete here for %(chain)s.")
    result.append(reason("completeness", text % {"chain": chain, "stage": stage}))

    area = space.area_m2
    if wish.min_area is None and wish.max_area is None:
        text = _("%(area)s; you gave no area.") % {"area": _m2(area)}
    elif wish.min_area is not None and area < wish.min_area:
        text = _("%(area)s is below your minimum of %(min)s.") % {
            "area": _m2(area), "min": _m2(wish.min_area)}
    elif wish.max_area is not None and area > wish.max_area:
        text = _("%(area)s is above your maximum of %(max)s.") % {
            "area": _m2(area), "max": _m2(wish.max_area)}
    else:
        text = _("%(area)s is within the area you wish.") % {"area": _m2(area)}
    result.append(reason("area", text))

    rent = space.monthly_rent
    if wish.max_rent is None:
        text = _("%(rent)s a month; you gave no maximum rent.") % {"rent": _euros(rent)}
    elif rent > wish.max_rent:
        text = _("%(rent)s a month is above your maximum of %(max)s.") % {
            "rent": _euros(rent), "max": _euros(wish.max_rent)}
    else:
        text = _("%(rent)s a month is within your maximum of %(max)s.") % {
            "rent": _euros(rent), "max": _euros(wish.max_rent)}
    result.append(reason("rent", text))

    if not wish.facilities:
        text = _("You wished no facilities.")
    else:
        has = {facility.pk for facility in space.facilities.all()}
        missing = [str(f) for f in wish.facilities if f.pk not in has]
        if not missing:
            text = _("Has every facility you wish.")
        else:
            text = _("Has %(n)s of the %(total)s facilities you wish; misses %(names)s.") % {
                "n": len(wish.facilities) - len(missing), "total": len(wish.facilities),
                "names": ", ".join(missing)}
    result.append(reason("facilities", text))
    return result
