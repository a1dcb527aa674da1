"""Reads of the finder: which buildings fit a creative's discipline, stage and wishes.

Every active space of an active building that is free today (no tenancy runs on it) or is
offered in an open call (published, today between its opening and closing) is scored against
one synthetic applicant — the creative's stage and chain, their wishes, no waiting time and no
bonus — by the fit the allocation rounds use (`broedplaats.matching.score_matrix`) with each
building's fit weights (its own, else its city's, else the defaults). A building ranks by its
best space's fit as shown (one decimal), then whether the creative would complete the chain
there, then its free spaces, then its id.

The database ranks: one statement (`_Ranking`) finds the candidate spaces (the spaces whose
stored let period does not cover today, checked against the running tenancies),
scores them, takes each building's best fit, free spaces and whether it completes the chain,
orders the buildings and cuts the page; beside the page it gives the count, the first
buildings that would complete the chain with nothing free, and the shown buildings' candidate
spaces. Only the page's buildings
are then read in full: those spaces with their stages and facilities, scored once more by
`score_matrix` itself for the best space and the parts of its fit, the reasons in words and the
open calls. A page computes nothing for the buildings it does not show, and the number of
queries is fixed (docs/benchmarks.md, "The finder, ranked in the database").

The score in SQL is `score_matrix`'s float32 arithmetic, operation by operation (`_Sql.f32`
rounds each result to float32 as numpy does), so the fits, their ties and their rounding to one
decimal (half to even, as numpy and `round` do) are exactly those of the pure function, which
the page's breakdown shows. `tests/broedplaats/views/test_finder_ranking.py` compares the two
on a varied world.

Which buildings house the creative's stage of the chain (a tenant of the chain in that stage
today) is the same for every visitor on a day and costs more than the rest of the statement at
national scale: `housed_buildings` reads it once and keeps it in the shared cache until a
tenancy, stage move, creative, space or building changes (`broedplaats.housing`); the
statement takes the building ids.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import numpy as np
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet, Value
from django.utils import formats
from django.utils.translation import gettext as _

from broedplaats.housing import housing_version
from broedplaats.matching import Spaces, Weights, bitmask, components, score_matrix
from broedplaats.matching.scoring import COMPONENTS
from broedplaats.models import Building, Call, City, Facility, FitWeights, Space
from broedplaats.selectors.matching import Indexes, Wishes, applicant_arrays, weights_for
from broedplaats.selectors.places import known_free_on, let_unknown_on, tenancies_running
from chains.formatting import money
from chains.models import Chain, Creative, Discipline, Stage, StageMove

PER_PAGE = 24
# A page number past the last asks for the last page (as Paginator.get_page does).
_LAST_PAGE = 2**31 - 1


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


@dataclass(frozen=True)
class Ranked:
    """One ranked building as the database gives it: its best space's fit in tenths (925 is
    92.5, the fit as shown), whether the chain is in its focus and whether the creative would
    complete it there, and its spaces free today."""

    building_id: int
    tenths: int
    in_focus: bool
    completes: bool
    free: int

    @property
    def fit(self) -> float:
        return self.tenths / 10


@dataclass
class Ranking:
    """Ranked buildings, best first (all of them, or one page), how many there are, and the
    buildings with nothing free or offered where the creative would complete the chain (by
    city name, name and id; all of them, or the first page's worth) and how many."""

    wish: FinderWish
    on: date
    rows: list[Ranked]
    count: int
    completing_elsewhere: list[int] = field(default_factory=list)
    completing_count: int = 0
    first: int = 0  # how many ranked buildings come before `rows`
    candidates: dict[int, bool] = field(default_factory=dict)  # a page's spaces: let?

    def ranked_ids(self) -> list[int]:
        return [row.building_id for row in self.rows]

    def row_of(self, building_id: int) -> Ranked:
        return next(row for row in self.rows if row.building_id == building_id)

    def fit_of(self, building_id: int) -> float:
        return self.row_of(building_id).fit


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
    calls: list[Call]  # open calls, each with `open_spaces`: its active spaces by code
    free_spaces: int
    completes_chain: bool


@dataclass
class FinderPage:
    wish: FinderWish
    page: Page
    buildings: list[BuildingFit]
    completing: list[Building]
    completing_count: int


# --- the ranking: one statement ------------------------------------------------------------------

_FLOAT32 = struct.Struct("f")


def _float32(value: float | None) -> float | None:
    """The float32 nearest to `value` (ties to even), as a Python float."""
    return None if value is None else _FLOAT32.unpack(_FLOAT32.pack(value))[0]


def _tenths(value: float | None) -> int | None:
    """A float32 in tenths, half to even: `round(value, 1)` times ten."""
    return None if value is None else round(value * 10)


def _f32(value) -> float:
    """A wish or a constant as numpy's float32, given to SQL as the double it equals."""
    return float(np.float32(float(value)))


class _Probed(Exists):
    """EXISTS as a probe per outer row: `OFFSET 0` keeps PostgreSQL from turning it into a
    (hashed) semi- or anti-join over every inner row; the rows found are the same. SQLite
    accepts the clause and ignores it."""

    template = "EXISTS(%(subquery)s OFFSET 0)"


class _Sql:
    """The spelling of what the statement needs on PostgreSQL and on SQLite.

    `f32` rounds a number to float32 as numpy rounds the result of each float32 operation. An
    operation on float32 values done in double precision and then rounded so gives numpy's
    float32 result exactly (a double carries more than twice a float32's digits, so rounding
    twice never shows): PostgreSQL casts to real (where real with real is computed in single
    precision, which is the same), SQLite has no single precision and gets a function."""

    def __init__(self):
        self.postgresql = connection.vendor == "postgresql"
        if not self.postgresql:
            connection.ensure_connection()
            raw = connection.connection
            raw.create_function("finder_float32", 1, _float32, deterministic=True)
            raw.create_function("finder_tenths", 1, _tenths, deterministic=True)

    def f32(self, sql: str) -> str:
        return f"CAST({sql} AS real)" if self.postgresql else f"finder_float32({sql})"

    def tenths(self, sql: str) -> str:
        # PostgreSQL's round of a double is rint: half to even. Ten times a float32 is exact.
        if self.postgresql:
            return f"CAST(ROUND(CAST({sql} AS double precision) * 10) AS integer)"
        return f"finder_tenths({sql})"

    def greatest(self, *terms: str) -> str:
        return f"{'GREATEST' if self.postgresql else 'MAX'}({', '.join(terms)})"

    def least(self, *terms: str) -> str:
        return f"{'LEAST' if self.postgresql else 'MIN'}({', '.join(terms)})"


HOUSED_TIMEOUT = 24 * 60 * 60  # a reading is for one day; the next has its own key


def housed_buildings(*, chain: Chain, stage: Stage, on: date) -> list[int]:
    """The buildings with `chain` in focus where a tenant of the chain is in `stage` on `on`
    (their newest stage move on or before it, the later id first on the same day): those
    where a creative in that stage would not complete the chain. Kept in the shared cache
    for the day under the housing version (`broedplaats.housing`), which every change to the
    rows it is read from replaces; read again when the cache has no reading."""
    key = f"finder-housed:{housing_version()}:{chain.pk}:{stage.pk}:{on.isoformat()}"
    found = cache.get(key)
    if found is None:
        found = _housed_now(chain=chain, stage=stage, on=on)
        cache.set(key, found, HOUSED_TIMEOUT)
    return found


def _housed_now(*, chain: Chain, stage: Stage, on: date) -> list[int]:
    """`housed_buildings` read from the rows. The tenants' current stage is looked up only
    for the chain's running tenants in the buildings with the chain in focus, gathered first
    (a materialized step, so that PostgreSQL does not probe the moves of every running
    tenant)."""
    params: list = []

    def sub(queryset: QuerySet) -> str:
        return _sql_of(queryset, params)

    today = connection.ops.adapt_datefield_value(on)
    focus = Building.objects.filter(archived=False, chain_focus=chain).order_by().values("id")
    statement = f"""
WITH tenants AS MATERIALIZED (
    SELECT s.building_id, r.creative_id
    FROM ({sub(tenancies_running(on).order_by().values("space_id", "creative_id"))}) r
    JOIN {Space._meta.db_table} s ON s.id = r.space_id
    JOIN {Creative._meta.db_table} c ON c.id = r.creative_id
    WHERE s.building_id IN ({sub(focus)})
    AND c.discipline_id IN ({sub(Discipline.objects.filter(chain=chain).order_by().values("id"))}))
SELECT DISTINCT t.building_id FROM tenants t
WHERE (SELECT m.to_stage_id FROM {StageMove._meta.db_table} m
       WHERE m.creative_id = t.creative_id AND m.moved_on <= %s
       ORDER BY m.moved_on DESC, m.id DESC LIMIT 1) = %s
ORDER BY t.building_id"""
    params.extend([today, stage.pk])
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return [row[0] for row in cursor.fetchall()]


def _sql_of(queryset: QuerySet, params: list) -> str:
    """A queryset's SQL for a statement written by hand; its parameters appended to `params`
    in reading order."""
    query_sql, query_params = queryset.query.sql_with_params()
    params.extend(query_params)
    return query_sql


def _ids_of(model, ids: list[int]) -> QuerySet:
    """The rows of `ids` as a subquery of their ids (none: a query that finds none)."""
    rows = model.objects.order_by().values("id")
    return rows.filter(pk__in=ids) if ids else rows.filter(pk__isnull=True)


class _Ranking:
    """The ranking statement for a wish on a day (see `statement`), and its rows."""

    def __init__(self, wish: FinderWish, on: date, stage_ids: list[int]):
        self.wish, self.on, self.stage_ids = wish, on, stage_ids
        self.sql = _Sql()
        self.params: list = []

    # Each helper appends its parameters as it writes its text, so the statement is written
    # strictly in reading order and the parameters follow it.
    def param(self, value) -> str:
        self.params.append(value)
        return "%s"

    def number(self, value: float) -> str:
        return f"CAST({self.param(value)} AS double precision)"

    def sub(self, queryset: QuerySet) -> str:
        return _sql_of(queryset, self.params)

    def bounded(self, value: str, points: str, *, low=None, high=None) -> str:
        """An area's or a rent's points against the wished bounds, as `score_matrix` computes
        them: 1 - (low - value) / low below, 1 - (value - high) / high above, clipped to
        [0, 1], times the points. A bound not given adds numpy's exact zero: left out."""
        f32, greatest = self.sql.f32, self.sql.greatest
        fraction = None
        if low is not None and low > 0:
            inverse = _f32(np.float32(1) / np.float32(float(low)))
            below = greatest(f32(f"{self.number(_f32(low))} - {value}"), "0")
            fraction = f32(f"1 - {f32(f'{below} * {self.number(inverse)}')}")
        if high is not None:
            # numpy's stand-in for 1 / 0: anything above a maximum of 0 gets nothing.
            inverse = _f32(np.float32(1) / np.float32(float(high))) if high > 0 else _f32(1e30)
            above = greatest(f32(f"{value} - {self.number(_f32(high))}"), "0")
            fraction = f32(f"{fraction or '1'} - {f32(f'{above} * {self.number(inverse)}')}")
        if fraction is None:
            return points
        return f32(f"{self.sql.least(greatest(fraction, '0'), '1')} * {points}")

    def score(self) -> str:
        """A candidate's fit: `score_matrix`'s sum for one applicant, without waiting time or
        bonus (numpy adds their exact zeros), clipped to [0, 100]."""
        wish, f32 = self.wish, self.sql.f32
        categorical = f32(
            f32("CASE WHEN st.space_id IS NULL OR st.serves = 1 THEN p.stage ELSE 0 END"
                " + CASE WHEN f.building_id IS NOT NULL THEN p.chain ELSE 0 END")
            + " + CASE WHEN f.building_id IS NOT NULL AND h.building_id IS NULL"
              " THEN p.completeness ELSE 0 END")
        area = self.bounded(f32("CAST(c.area_m2 AS double precision)"), "p.area",
                            low=wish.min_area, high=wish.max_area)
        rent = self.bounded(f32("CAST(c.monthly_rent AS double precision)"), "p.rent",
                            high=wish.max_rent)
        facilities = "p.facilities"
        if self.wished:
            share = f32(f"CAST(COALESCE(w.n, 0) AS double precision) / {len(self.wished)}")
            facilities = f32(f"{share} * p.facilities")
        total = f32(f"{categorical} + {area}")
        total = f32(f"{total} + {rent}")
        total = f32(f"{total} + {facilities}")
        return self.sql.least(self.sql.greatest(total, "0"), "100")

    @property
    def wished(self) -> list[int]:
        return sorted({facility.pk for facility in self.wish.facilities})

    def steps(self) -> str:
        """The statement's common table expressions, written in reading order."""
        wish, on, sql = self.wish, self.on, self.sql
        self.params = []
        buildings = Building.objects.filter(archived=False)
        if wish.city is not None:
            buildings = buildings.filter(city=wish.city)
        weights, defaults = FitWeights._meta.db_table, Weights()
        chosen = ", ".join(f"COALESCE(o.{part}, c.{part}, {int(getattr(defaults, part))}) "
                           f"AS {part}" for part in COMPONENTS)
        parts = " + ".join(COMPONENTS)
        position = self.stage_ids.index(wish.stage.pk)
        serving = self.stage_ids[position:position + 2]  # the creative's stage and the next
        points = ", ".join(
            f"{sql.f32(f'CAST({part} AS double precision) * 100 / total')} AS {part}"
            for part in COMPONENTS)
        # The candidates: the free spaces and the let ones in an open call (a few). The free
        # ones are those the stored let period calls free (no look at a tenancy) and, of those
        # it does not answer for (none after the nightly roll-over), the ones no tenancy holds:
        # each probed for a running tenancy (`_Probed`), where an anti-join would hash all
        # 28,304 running tenancies. Not free_on's OR with a scalar probe: PostgreSQL guesses
        # a handful pass it and then joins the steps below by loops (4x slower); apart, it
        # estimates each part (docs/benchmarks.md, "The finder's indexes").
        in_scope = Space.objects.filter(archived=False, building__in=buildings).order_by()
        let = tenancies_running(on).filter(space=OuterRef("pk"))
        offered = Call.spaces.through.objects.filter(
            space=OuterRef("pk"), call__published_at__isnull=False, call__opens_on__lte=on,
            call__closes_on__gte=on)
        columns = ("id", "building_id", "area_m2", "monthly_rent", "is_let")
        text = f"""
WITH focus (building_id, name, city_name) AS MATERIALIZED (
    {self.sub(buildings.filter(chain_focus=wish.chain).order_by()
              .values("id", "name", "city__name"))}),
housed (building_id) AS (
    {self.sub(_ids_of(Building, housed_buildings(chain=wish.chain, stage=wish.stage, on=on)))}),
candidates (id, building_id, area_m2, monthly_rent, is_let) AS MATERIALIZED (
    {self.sub(in_scope.filter(known_free_on(on)).annotate(is_let=Value(False))
              .values(*columns))}
    UNION ALL
    {self.sub(in_scope.filter(let_unknown_on(on), ~_Probed(let)).annotate(is_let=Value(False))
              .values(*columns))}
    UNION ALL
    {self.sub(in_scope.filter(Exists(offered), Exists(let)).annotate(is_let=Value(True))
              .values(*columns))}),
points AS (
    SELECT building_id, {points} FROM (
        SELECT chosen.*, CAST({parts} AS double precision) AS total FROM (
            SELECT b.id AS building_id, {chosen}
            FROM {Building._meta.db_table} b
            LEFT JOIN {weights} o ON o.building_id = b.id
            LEFT JOIN {weights} c ON c.city_id = b.city_id
            WHERE b.id IN (SELECT building_id FROM candidates)) chosen) summed),
serving AS (
    SELECT space_id, MAX(CASE WHEN stage_id IN ({", ".join(self.param(pk) for pk in serving)})
                         THEN 1 ELSE 0 END) AS serves
    FROM {Space.stages.through._meta.db_table}
    WHERE space_id IN (SELECT id FROM candidates) GROUP BY space_id),
wished AS (
    SELECT space_id, COUNT(*) AS n FROM {Space.facilities.through._meta.db_table}
    WHERE space_id IN (SELECT id FROM candidates)
    AND facility_id IN ({", ".join(self.param(pk) for pk in self.wished) or "NULL"})
    GROUP BY space_id),
scored AS (
    SELECT c.id AS space_id, c.building_id, c.is_let,
           f.building_id IS NOT NULL AS in_focus,
           f.building_id IS NOT NULL AND h.building_id IS NULL AS completes,
           {self.score()} AS score
    FROM candidates c
    JOIN points p ON p.building_id = c.building_id
    LEFT JOIN serving st ON st.space_id = c.id
    LEFT JOIN wished w ON w.space_id = c.id
    LEFT JOIN focus f ON f.building_id = c.building_id
    LEFT JOIN housed h ON h.building_id = c.building_id),
ranked AS MATERIALIZED (
    SELECT building_id, MAX({sql.tenths("score")}) AS tenths,
           MAX(CASE WHEN in_focus THEN 1 ELSE 0 END) AS in_focus,
           MAX(CASE WHEN completes THEN 1 ELSE 0 END) AS completes,
           SUM(CASE WHEN is_let THEN 0 ELSE 1 END) AS free
    FROM scored GROUP BY building_id),
ordered AS (
    SELECT ranked.*, COUNT(*) OVER () AS total,
           ROW_NUMBER() OVER (ORDER BY tenths DESC, completes DESC, free DESC, building_id)
           AS position
    FROM ranked),
completing AS (
    SELECT building_id, COUNT(*) OVER () AS total,
           ROW_NUMBER() OVER (ORDER BY city_name, name, building_id) AS position
    FROM focus
    WHERE building_id NOT IN (SELECT building_id FROM housed)
    AND building_id NOT IN (SELECT building_id FROM ranked))"""
        return text

    def statement(self, *, page: int | None, size: int) -> str:
        """The ranking: with `page`, that page of `size` ranked buildings (the last page when
        it asks beyond), the first `size` completing ones, and the shown buildings' candidate
        spaces (whether let); without, every ranked and completing building."""
        text = self.steps()
        if page is None:
            return text + """
SELECT 0 AS part, building_id, tenths, in_focus, completes, free, total, position
FROM ordered
UNION ALL
SELECT 1, building_id, 0, 1, 1, 0, total, position FROM completing
ORDER BY part, position"""
        last = self.sql.greatest(f"(total + {size - 1}) / {size}", "1")
        return text + f""",
shown AS (
    SELECT * FROM ordered
    WHERE (position - 1) / {size} = {self.sql.least(self.param(page), last)} - 1)
SELECT 0 AS part, building_id, tenths, in_focus, completes, free, total, position FROM shown
UNION ALL
SELECT 1, building_id, 0, 1, 1, 0, total, position FROM completing WHERE position <= {size}
UNION ALL
SELECT 2, building_id, CASE WHEN is_let THEN 1 ELSE 0 END, 0, 0, 0, 0, id FROM candidates
WHERE building_id IN (SELECT building_id FROM shown)
ORDER BY part, position"""

    def space_scores(self) -> dict[int, float]:
        """Every candidate space's fit as the statement computes it (for the tests)."""
        # As a double: PostgreSQL would write a real in its shortest decimal, not exactly.
        statement = self.steps() + (
            "\nSELECT space_id, CAST(score AS double precision) FROM scored")
        with connection.cursor() as cursor:
            cursor.execute(statement, self.params)
            return {space_id: float(score) for space_id, score in cursor.fetchall()}

    def rows(self, *, page: int | None, size: int) -> Ranking:
        statement = self.statement(page=page, size=size)
        with connection.cursor() as cursor:
            cursor.execute(statement, self.params)
            found = cursor.fetchall()
        ranked = [row for row in found if row[0] == 0]
        completing = [row for row in found if row[0] == 1]
        return Ranking(
            candidates={row[7]: bool(row[2]) for row in found if row[0] == 2},
            wish=self.wish, on=self.on,
            rows=[Ranked(building_id=row[1], tenths=int(row[2]), in_focus=bool(row[3]),
                         completes=bool(row[4]), free=int(row[5])) for row in ranked],
            count=int(ranked[0][6]) if ranked else 0,
            first=int(ranked[0][7]) - 1 if ranked else 0,
            completing_elsewhere=[row[1] for row in completing],
            completing_count=int(completing[0][6]) if completing else 0)


def _stage_ids() -> list[int]:
    return list(Stage.objects.order_by("order").values_list("pk", flat=True))


def finder_ranking(*, wish: FinderWish, on: date, page: int | None = None,
                   per_page: int = PER_PAGE) -> Ranking:
    """The buildings ranked for the wish (see the module): every one, or with `page` that
    page (the last one when it asks beyond); and the buildings that would complete the chain
    with nothing free, all of them or the first `per_page`. One statement."""
    return _Ranking(wish, on, _stage_ids()).rows(page=page, size=per_page)


def candidate_scores(*, wish: FinderWish, on: date) -> dict[int, float]:
    """Every candidate space's fit as the ranking statement computes it, by space id."""
    return _Ranking(wish, on, _stage_ids()).space_scores()


# --- one page, with the reasons in words -----------------------------------------------------------

class _Shown:
    """The ranking as a Paginator's list: its length is the count, and its one slice the
    page's rows the statement returned (the Paginator asks for no other)."""

    def __init__(self, ranking: Ranking):
        self.ranking = ranking

    def count(self) -> int:
        return self.ranking.count

    def __len__(self) -> int:
        return self.ranking.count

    def __getitem__(self, key: slice) -> list[Ranked]:
        first = self.ranking.first
        if key.start != first or key.stop < first + len(self.ranking.rows):
            raise IndexError(f"the ranking holds rows {first}.. only, not {key}")
        return self.ranking.rows


def _page_number(page: int | str | None) -> int:
    """The page asked for as Paginator.get_page reads it: not a number, the first; below 1,
    the last."""
    try:
        number = int(page) if page is not None else 1
    except (TypeError, ValueError):
        return 1
    return number if 1 <= number <= _LAST_PAGE else _LAST_PAGE


def finder_page(*, wish: FinderWish, on: date, page: int | str | None = 1,
                per_page: int = PER_PAGE) -> FinderPage:
    """A page of the ranked buildings with each one's best space, the fit's reasons, its
    open calls and free spaces; and the buildings that would complete a chain with the
    creative although nothing is free there now. A fixed number of queries; nothing is read
    or computed for the ranked buildings not shown."""
    indexes = Indexes.load()
    stage_ids = sorted(indexes.stage, key=indexes.stage.get)
    ranking = _Ranking(wish, on, stage_ids).rows(page=_page_number(page), size=per_page)
    number = ranking.first // per_page + 1 if ranking.rows else 1
    shown = Paginator(_Shown(ranking), per_page).page(number)
    ids = ranking.ranked_ids()
    buildings = Building.objects.filter(pk__in=[*ids, *ranking.completing_elsewhere]) \
        .select_related("city").in_bulk()
    # The shown buildings' candidate spaces with their stages and facilities as plain ids
    # (only ids are scored and reasoned about; no Stage or Facility rows are built).
    spaces: dict[int, list[Space]] = {pk: [] for pk in ids}
    by_id = {}
    for space in Space.objects.filter(pk__in=ranking.candidates).order_by("building", "pk"):
        space.is_let = ranking.candidates[space.pk]
        space.stage_ids, space.facility_ids = [], set()
        spaces[space.building_id].append(space)
        by_id[space.pk] = space
    for space_id, stage_id in Space.stages.through.objects.filter(
            space__in=ranking.candidates).values_list("space_id", "stage_id"):
        by_id[space_id].stage_ids.append(stage_id)
    for space_id, facility_id in Space.facilities.through.objects.filter(
            space__in=ranking.candidates).values_list("space_id", "facility_id"):
        by_id[space_id].facility_ids.add(facility_id)
    open_calls = Call.objects.filter(building__in=ids, published_at__isnull=False,
                                     opens_on__lte=on, closes_on__gte=on)
    calls: dict[int, list[Call]] = {}
    for call in open_calls.order_by("closes_on", "title", "pk"):
        call.open_spaces = []
        calls.setdefault(call.building_id, []).append(call)
    # Which active spaces each call offers (they are among the candidates read above). A
    # query of its own, not a prefetch, so that it runs whether or not a call was found.
    by_call = {call.pk: call for building in calls.values() for call in building}
    for call_id, space_id in (Call.spaces.through.objects
                              .filter(call__in=open_calls, space__archived=False)
                              .order_by("space__code").values_list("call_id", "space_id")):
        by_call[call_id].open_spaces.append(by_id[space_id])
    fits = _fits(wish, ranking.rows, buildings, spaces, indexes)
    for fit in fits:
        fit.calls = calls.get(fit.building.pk, [])
    return FinderPage(wish=wish, page=shown, buildings=fits,
                      completing=[buildings[pk] for pk in ranking.completing_elsewhere],
                      completing_count=ranking.completing_count)


def _fits(wish: FinderWish, rows: list[Ranked], buildings: dict[int, Building],
          spaces: dict[int, list[Space]], indexes: Indexes) -> list[BuildingFit]:
    """The shown buildings' candidate spaces scored by `score_matrix` itself (one call per
    set of weights), each building's best space — the highest fit, then free today, then
    cheaper, then older; its fit is the one the ranking ordered by — and the parts of its
    fit (`components`, for the best spaces only)."""
    if not rows:
        return []
    chain, stage = indexes.chain[wish.chain.pk], indexes.stage[wish.stage.pk]
    columns = [space for row in rows for space in spaces[row.building_id]]
    housed = np.zeros((len(rows), max(len(indexes.chain), 1)), dtype=np.uint64)
    for b, row in enumerate(rows):
        if row.in_focus and not row.completes:
            housed[b, chain] = bitmask([stage])
    arrays = Spaces(
        stages=[bitmask(indexes.stage[pk] for pk in space.stage_ids) for space in columns],
        building=[b for b, row in enumerate(rows) for _space in spaces[row.building_id]],
        area=[float(space.area_m2) for space in columns],
        rent=[float(space.monthly_rent) for space in columns],
        facilities=[bitmask(indexes.facility[pk] for pk in space.facility_ids)
                    for space in columns],
        focus=[bitmask([chain]) if row.in_focus else 0 for row in rows], housed=housed)
    applicant = applicant_arrays([Wishes(
        stage_id=wish.stage.pk, chain_id=wish.chain.pk, min_area=wish.min_area,
        max_area=wish.max_area, max_rent=wish.max_rent,
        facility_ids=[f.pk for f in wish.facilities])], indexes)
    weights = weights_for([buildings[row.building_id] for row in rows])
    ids = np.array([space.pk for space in columns], dtype=np.int64)
    let = np.array([space.is_let for space in columns], dtype=bool)
    best = np.zeros(len(rows), dtype=np.int64)
    scores = np.zeros(len(columns), dtype=np.float32)
    parts: dict[int, dict[str, float]] = {}
    groups: dict[Weights, list[int]] = {}
    for b, row in enumerate(rows):
        groups.setdefault(weights[row.building_id], []).append(b)
    for group_weights, group in groups.items():
        in_group = np.flatnonzero(np.isin(arrays.building, group))
        scores[in_group] = score_matrix(applicant, arrays.take(in_group), group_weights)[0]
        for b in group:
            mine = np.flatnonzero(arrays.building == b)
            order = np.lexsort((ids[mine], arrays.rent[mine], let[mine], -scores[mine]))
            best[b] = mine[order[0]]
        chosen = arrays.take(best[group])
        points = components(applicant, chosen, group_weights)
        for k, b in enumerate(group):
            parts[b] = {name: float(points[name][0, k]) for name in COMPONENTS}
            parts[b]["bonus"] = float(applicant.bonus[0])
            parts[b]["total"] = float(scores[best[b]])
    fits = []
    for b, row in enumerate(rows):
        space, weight = columns[best[b]], weights[row.building_id]
        fits.append(BuildingFit(
            building=buildings[row.building_id], fit=round(parts[b]["total"], 1), space=space,
            space_free=not space.is_let,
            parts={name: round(value, 1) for name, value in parts[b].items()},
            reasons=reasons(wish, space, parts[b], weight, completes=row.completes,
                            in_focus=row.in_focus),
            calls=[], free_spaces=row.free, completes_chain=row.completes))
    return fits


# --- reasons in words -------------------------------------------------------------------------------

def _m2(value) -> str:
    value = Decimal(value)
    places = 0 if value == value.to_integral_value() else 1
    return formats.number_format(value, places, use_l10n=True, force_grouping=True) + " m²"


def reasons(wish: FinderWish, space: Space, parts: dict[str, float], weights: Weights, *,
            completes: bool, in_focus: bool) -> list[Reason]:
    """The parts of a fit in words, in the order of the score (waiting time left out: the
    finder assumes none, a round counts it). `space.facility_ids`: the ids of its
    facilities."""
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
        text = _("%(rent)s a month; you gave no maximum rent.") % {"rent": money(rent)}
    elif rent > wish.max_rent:
        text = _("%(rent)s a month is above your maximum of %(max)s.") % {
            "rent": money(rent), "max": money(wish.max_rent)}
    else:
        text = _("%(rent)s a month is within your maximum of %(max)s.") % {
            "rent": money(rent), "max": money(wish.max_rent)}
    result.append(reason("rent", text))

    if not wish.facilities:
        text = _("You wished no facilities.")
    else:
        has = space.facility_ids
        missing = [str(f) for f in wish.facilities if f.pk not in has]
        if not missing:
            text = _("Has every facility you wish.")
        else:
            text = _("Has %(n)s of the %(total)s facilities you wish; misses %(names)s.") % {
                "n": len(wish.facilities) - len(missing), "total": len(wish.facilities),
                "names": ", ".join(missing)}
    result.append(reason("facilities", text))
    return result
