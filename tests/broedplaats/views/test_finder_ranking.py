"""The finder's ranking in the database against a straightforward reference in Python.

The reference reads every space, tenancy and stage move of a varied world with the ORM, decides
in Python which spaces are candidates (free today or offered in an open call), which buildings
house the chain in the stage now (each tenant's newest move on or before today, the later id
first on the same day) and scores each building's candidates with `score_matrix` itself; the
ranking, the pages and the buildings that would complete the chain must be exactly what the
database statement gives, fit for fit (float32, rounded as shown). The world holds values on
the rounding's edges (a rent of 303 against 300 gives 14.85 points; 315 gives 14.25), weights
that do not sum to 100, buildings and spaces archived, tenancies ended, ending today or
starting later, same-day and future stage moves, moves to the market, and open, closed,
future and unpublished calls.

Then: a page computes nothing for the buildings it does not show (every id list the page's
queries carry holds the page's buildings at most), and the number of queries does not depend
on the number of buildings, the page or whether a shown building has an open call.
"""

import random
import re
from datetime import timedelta
from decimal import Decimal

import numpy as np
import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from broedplaats.matching import score_matrix
from broedplaats.models import Building, Call, EndReason, Space, Tenancy
from broedplaats.selectors.finder import (
    FinderWish,
    candidate_scores,
    finder_page,
    finder_ranking,
)
from broedplaats.selectors.matching import (
    BuildingContext,
    Indexes,
    Wishes,
    applicant_arrays,
    building_space_arrays,
    weights_for,
)
from broedplaats.selectors.places import running_on
from broedplaats.services import call_create, call_publish, fit_weights_set
from chains.models import StageMove
from tests.factories import (
    BuildingFactory,
    ChainFactory,
    CityFactory,
    CreativeFactory,
    DisciplineFactory,
    SpaceFactory,
    StageMoveFactory,
    TenancyFactory,
    facility,
    stage,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

AREAS = ["12", "30", "35", "40", "49.5", "50", "55", "60.25", "80", "120"]
RENTS = ["0", "150", "200", "285", "300", "303", "315", "450.50", "999.99"]


# --- the world --------------------------------------------------------------------------------

@pytest.fixture
def varied(db, today):
    rng = random.Random(20261203)
    stages = [stage("idea"), stage("making"), stage("distribution")]
    facilities = [facility("daylight"), facility("water"), facility("power")]
    cities = [CityFactory(slug=f"stad-{n}", name=f"Stad {n}") for n in "ABC"]
    fashion = ChainFactory(slug="fashion", name="Mode", name_en="Fashion")
    music = ChainFactory(slug="music", name="Muziek", name_en="Music")
    disciplines = {"designer": DisciplineFactory(chain=fashion, slug="designer"),
                   "tailor": DisciplineFactory(chain=fashion, slug="tailor"),
                   "producer": DisciplineFactory(chain=music, slug="producer")}
    fit_weights_set(city=cities[1], stage=7, chain=3, completeness=11, area=13, rent=17,
                    facilities=5, wait=1)
    creatives = []
    for n in range(40):
        creative = CreativeFactory(discipline=rng.choice(list(disciplines.values())))
        day = today - timedelta(days=rng.randint(200, 900))
        for _move in range(rng.randint(0, 4)):
            if rng.random() < 0.15:
                StageMoveFactory(creative=creative, to_stage=None, to_market=True, moved_on=day)
            else:
                StageMoveFactory(creative=creative, to_stage=rng.choice(stages), moved_on=day)
            day += timedelta(days=rng.choice([0, 0, 30, 120]))  # same-day moves: the later id
        if n % 7 == 0:  # a move after today does not count yet
            StageMoveFactory(creative=creative, to_stage=rng.choice(stages),
                             moved_on=today + timedelta(days=5))
        creatives.append(creative)
    for n in range(16):
        building = BuildingFactory(
            city=rng.choice(cities), name=f"Pand {n:02d}", slug=f"pand-{n:02d}",
            chains=rng.sample([fashion, music], rng.randint(0, 2)), archived=n == 15)
        if n % 5 == 2:
            fit_weights_set(building=building, stage=rng.randint(0, 30), chain=9,
                            completeness=rng.randint(0, 20), area=15, rent=rng.randint(1, 25),
                            facilities=4, wait=3)
        offered = []
        for k in range(rng.randint(1, 6)):
            space = SpaceFactory(
                building=building, code=f"P{n:02d}-{k}", area_m2=Decimal(rng.choice(AREAS)),
                monthly_rent=Decimal(rng.choice(RENTS)),
                stages=rng.sample(stages, rng.choice([0, 1, 1, 2, 3])),
                facilities=rng.sample(facilities, rng.randint(0, 3)),
                archived=rng.random() < 0.1)
            _tenancy(rng, space, rng.choice(creatives), today)
            if not space.archived and not building.archived and rng.random() < 0.3:
                offered.append(space)
        if offered:
            _calls(rng, building, offered, today)
    return {"today": today, "stages": stages, "facilities": facilities, "cities": cities,
            "disciplines": disciplines}


def _tenancy(rng, space, creative, today):
    """None, running (ending later or by plan), ended today or before, or starting later."""
    kind = rng.choice(["free", "running", "running", "running", "ended", "ends today",
                       "later"])
    start = today - timedelta(days=rng.randint(1, 400))
    if kind == "running":
        TenancyFactory(space=space, creative=creative, start=start,
                       planned_end=today + timedelta(days=rng.randint(1, 300)))
    elif kind == "ended":
        TenancyFactory(space=space, creative=creative, start=start,
                       planned_end=today + timedelta(days=100), actual_end=today,
                       end_reason=EndReason.TERM_ENDED)
    elif kind == "ends today":
        TenancyFactory(space=space, creative=creative, start=start, planned_end=today)
    elif kind == "later":
        TenancyFactory(space=space, creative=creative, start=today + timedelta(days=3),
                       planned_end=today + timedelta(days=400))


def _calls(rng, building, spaces, today):
    kind = rng.choice(["open", "open", "closed", "future", "draft"])
    opens, closes = today - timedelta(days=10), today + timedelta(days=20)
    if kind == "closed":
        opens, closes = today - timedelta(days=40), today - timedelta(days=1)
    elif kind == "future":
        opens, closes = today + timedelta(days=1), today + timedelta(days=30)
    call = call_create(building=building, title=f"Oproep {building.name}", spaces=spaces,
                       opens_on=opens, closes_on=closes)
    if kind != "draft":
        call_publish(call=call, on=min(today, opens))


# --- the reference ------------------------------------------------------------------------------

def _reference(wish: FinderWish, on):
    """(per-space scores, ranked rows, completing ids) computed the plain way."""
    spaces = Space.objects.filter(archived=False, building__archived=False)
    focus_buildings = Building.objects.filter(archived=False, chain_focus=wish.chain)
    if wish.city is not None:
        spaces = spaces.filter(building__city=wish.city)
        focus_buildings = focus_buildings.filter(city=wish.city)
    spaces = list(spaces.select_related("building__city").prefetch_related("stages",
                                                                           "facilities"))
    running = list(Tenancy.objects.filter(running_on(on)).select_related(
        "space", "creative__discipline"))
    let = {tenancy.space_id for tenancy in running}
    offered = set(Call.spaces.through.objects.filter(
        call__published_at__isnull=False, call__opens_on__lte=on, call__closes_on__gte=on)
        .values_list("space_id", flat=True))
    candidates = [space for space in spaces if space.pk not in let or space.pk in offered]

    def stage_now(creative_id):
        moves = [move for move in StageMove.objects.filter(creative_id=creative_id)
                 if move.moved_on <= on]
        newest = max(moves, key=lambda move: (move.moved_on, move.pk), default=None)
        return newest.to_stage_id if newest else None

    in_focus = set(focus_buildings.values_list("pk", flat=True))
    housed = {tenancy.space.building_id for tenancy in running
              if tenancy.creative.discipline.chain_id == wish.chain.pk
              and stage_now(tenancy.creative_id) == wish.stage.pk}
    indexes = Indexes.load()
    applicant = applicant_arrays([Wishes(
        stage_id=wish.stage.pk, chain_id=wish.chain.pk, min_area=wish.min_area,
        max_area=wish.max_area, max_rent=wish.max_rent,
        facility_ids=[f.pk for f in wish.facilities])], indexes)
    by_building: dict[int, list[Space]] = {}
    for space in candidates:
        by_building.setdefault(space.building_id, []).append(space)
    weights = weights_for([own[0].building for own in by_building.values()])
    scores, rows = {}, []
    for pk, own in by_building.items():
        context = BuildingContext(
            focus={pk: {wish.chain.pk}} if pk in in_focus else {},
            housed={pk: {(wish.chain.pk, wish.stage.pk)}} if pk in housed else {})
        fits = score_matrix(applicant, building_space_arrays(pk, own, context, indexes),
                            weights[pk])[0]
        scores.update({space.pk: float(fit) for space, fit in zip(own, fits, strict=True)})
        best = min(own, key=lambda s: (-scores[s.pk], s.pk in let, s.monthly_rent, s.pk))
        rows.append({"building": pk, "fit": round(scores[best.pk], 1), "space": best.pk,
                     "completes": pk in in_focus and pk not in housed,
                     "free": sum(space.pk not in let for space in own)})
    rows.sort(key=lambda row: (-row["fit"], -row["completes"], -row["free"], row["building"]))
    completing = sorted(
        (b for b in focus_buildings.select_related("city")
         if b.pk not in housed and b.pk not in by_building),
        key=lambda b: (b.city.name, b.name, b.pk))
    return scores, rows, [b.pk for b in completing]


def _wishes(world):
    stages, facilities, cities = world["stages"], world["facilities"], world["cities"]
    designer, producer = world["disciplines"]["designer"], world["disciplines"]["producer"]
    return [
        FinderWish(discipline=designer, stage=stages[1]),
        FinderWish(discipline=designer, stage=stages[0], min_area=Decimal(50),
                   max_area=Decimal(55), max_rent=Decimal(300), facilities=(facilities[0],)),
        FinderWish(discipline=producer, stage=stages[2], min_area=Decimal("49.5"),
                   max_rent=Decimal("0"), facilities=tuple(facilities[:2])),
        FinderWish(discipline=producer, stage=stages[0], max_area=Decimal(0),
                   max_rent=Decimal("450.5")),
        FinderWish(discipline=designer, stage=stages[2], min_area=Decimal(0),
                   max_area=Decimal(40), facilities=tuple(facilities), city=cities[1]),
        FinderWish(discipline=world["disciplines"]["tailor"], stage=stages[1],
                   max_rent=Decimal(303), city=cities[0]),
    ]


# --- the ranking against the reference ------------------------------------------------------------

def test_the_world_is_varied_enough_to_mean_something(varied):
    scores, rows, completing = _reference(_wishes(varied)[0], varied["today"])
    assert len(rows) >= 10 and completing
    assert len({row["fit"] for row in rows}) < len(rows)  # ties for the later keys to break
    assert any(row["completes"] for row in rows) and not all(row["completes"] for row in rows)
    assert any(row["free"] == 0 for row in rows)  # ranked for an open call alone


@pytest.mark.parametrize("which", range(6))
def test_the_database_scores_every_candidate_as_score_matrix_does(varied, which):
    wish = _wishes(varied)[which]
    expected, _rows, _completing = _reference(wish, varied["today"])
    assert expected
    assert candidate_scores(wish=wish, on=varied["today"]) == expected  # float32, exactly


@pytest.mark.parametrize("which", range(6))
def test_the_ranking_is_the_references(varied, which):
    wish, today = _wishes(varied)[which], varied["today"]
    _scores, rows, completing = _reference(wish, today)
    ranking = finder_ranking(wish=wish, on=today)
    assert [(row.building_id, row.fit, row.completes, row.free) for row in ranking.rows] == [
        (row["building"], row["fit"], row["completes"], row["free"]) for row in rows]
    assert ranking.count == len(rows)
    assert ranking.completing_elsewhere == completing
    assert ranking.completing_count == len(completing)


@pytest.mark.parametrize("which", [0, 1, 3])
def test_every_page_shows_the_references_rows_with_their_best_spaces(varied, which):
    wish, today = _wishes(varied)[which], varied["today"]
    _scores, rows, completing = _reference(wish, today)
    pages = Paginator(rows, 4)
    for asked in [*range(1, pages.num_pages + 1), pages.num_pages + 3, 0, -2, "two", None]:
        expected = pages.get_page(asked)
        result = finder_page(wish=wish, on=today, page=asked, per_page=4)
        assert (result.page.number, result.page.paginator.count) == (
            expected.number, len(rows)), asked
        assert [(fit.building.pk, fit.fit, fit.space.pk, fit.free_spaces, fit.completes_chain)
                for fit in result.buildings] == [
            (row["building"], row["fit"], row["space"], row["free"], row["completes"])
            for row in expected.object_list], asked
        assert all(fit.parts["total"] == fit.fit for fit in result.buildings)
        assert [b.pk for b in result.completing] == completing[:4]
        assert result.completing_count == len(completing)


def test_a_page_lists_each_shown_buildings_open_calls_and_their_active_spaces(varied):
    wish, today = _wishes(varied)[0], varied["today"]
    shown = []
    for number in range(1, 6):
        shown += finder_page(wish=wish, on=today, page=number, per_page=4).buildings
    open_calls = Call.objects.filter(published_at__isnull=False, opens_on__lte=today,
                                     closes_on__gte=today)
    for fit in shown:
        expected = open_calls.filter(building=fit.building).order_by("closes_on", "title", "pk")
        assert [call.pk for call in fit.calls] == [call.pk for call in expected]
        for call in fit.calls:
            assert [space.code for space in call.open_spaces] == list(
                call.spaces.filter(archived=False).order_by("code")
                .values_list("code", flat=True))
    assert any(fit.calls for fit in shown)


# --- only the page's rows -------------------------------------------------------------------------

_ID_LIST = re.compile(r'(\w+|"\w+")\."(\w+)" IN \(([\d, ]+)\)')


def _id_lists(queries) -> list[tuple[str, str, set[int]]]:
    """Every literal list of ids (`"table"."column" IN (3, 5, 8)`) in the queries after the
    ranking statement (which names no ids), with its table (or alias) and column."""
    lists = []
    for query in queries:
        if query["sql"].lstrip().startswith("WITH running"):
            continue
        for table, column, ids in _ID_LIST.findall(query["sql"]):
            lists.append((table.strip('"'), column, {int(pk) for pk in ids.split(", ")}))
    return lists


def test_a_page_reads_and_scores_only_the_buildings_it_shows(varied, monkeypatch):
    import broedplaats.selectors.finder as finder

    wish, today = _wishes(varied)[0], varied["today"]
    _scores, rows, completing = _reference(wish, today)
    assert len(rows) > 6 and completing
    scored = []
    real = finder.score_matrix

    def counting(applicant, spaces, weights=None):
        scored.append(spaces.m)
        return real(applicant, spaces, weights)

    monkeypatch.setattr(finder, "score_matrix", counting)
    with CaptureQueriesContext(connection) as captured:
        result = finder_page(wish=wish, on=today, page=2, per_page=3)
    page_ids = {row["building"] for row in rows[3:6]}
    assert {fit.building.pk for fit in result.buildings} == page_ids
    their_spaces = set(Space.objects.filter(building__in=page_ids, archived=False)
                       .values_list("pk", flat=True))
    their_cities = set(Building.objects.filter(pk__in=page_ids).values_list("city", flat=True))
    lists = _id_lists(captured.captured_queries)
    assert any(column == "building_id" for _table, column, _ids in lists)
    for table, column, ids in lists:
        if column == "building_id" or (table == "broedplaats_building" and column == "id"):
            # The shown buildings; read in one go with the completing ones named beside them.
            assert ids <= page_ids | set(completing[:3]) and len(ids - set(completing)) <= 3
        elif column == "space_id" or (table == "broedplaats_space" and column == "id"):
            assert ids <= their_spaces
        elif column == "city_id":
            assert ids <= their_cities  # the shown buildings' fit weights
        else:
            raise AssertionError(f"an id list the test does not know: {table}.{column}")
    assert 0 < sum(scored) <= len(their_spaces)  # only the shown buildings' spaces scored


def test_the_number_of_queries_does_not_depend_on_the_buildings_or_the_page(
        varied, django_assert_max_num_queries):
    wish, today = _wishes(varied)[0], varied["today"]
    _scores, rows, _completing = _reference(wish, today)
    with_calls = [n for n in range(1, len(rows) + 1)
                  if Call.objects.filter(building=rows[n - 1]["building"],
                                         published_at__isnull=False, opens_on__lte=today,
                                         closes_on__gte=today).exists()]
    without = [n for n in range(1, len(rows) + 1) if n not in with_calls]
    assert with_calls and without
    finder_page(wish=wish, on=today, page=1, per_page=1)  # who is housed: read once, then kept
    with CaptureQueriesContext(connection) as first:
        finder_page(wish=wish, on=today, page=with_calls[0], per_page=1)
    for page in (without[0], len(rows) + 5, "x"):
        with CaptureQueriesContext(connection) as other:
            finder_page(wish=wish, on=today, page=page, per_page=1)
        assert len(other.captured_queries) == len(first.captured_queries), page
    making = varied["stages"][1]
    for n in range(25):
        building = BuildingFactory(city=varied["cities"][0], chains=[wish.chain],
                                   name=f"Nieuw {n:02d}")
        SpaceFactory(building=building, stages=[making])
    with django_assert_max_num_queries(len(first.captured_queries) + 1):  # housing changed
        finder_page(wish=wish, on=today, page=1, per_page=24)
    with django_assert_max_num_queries(len(first.captured_queries)):
        result = finder_page(wish=wish, on=today, page=3, per_page=24)
    assert result.page.number == 2 and result.buildings  # 3 is beyond the last: the last


def test_the_ranking_is_one_statement(varied, django_assert_num_queries):
    wish, today = _wishes(varied)[1], varied["today"]
    with django_assert_num_queries(3):  # the stages' order, who is housed, the statement
        ranking = finder_ranking(wish=wish, on=today)
    assert ranking.rows
    with django_assert_num_queries(2):  # who is housed is kept for the day
        assert finder_ranking(wish=wish, on=today) == ranking


def test_the_database_rounds_to_float32_and_to_tenths_as_numpy_does(db):
    from broedplaats.selectors.finder import _Sql

    sql = _Sql()
    number = "CAST(%s AS double precision)"
    with connection.cursor() as cursor:
        for value in (94.85, 14.85, 1 / 3, 57.857142857142854, 1e30, 0.0, 2.5e-8, 100.00001):
            cursor.execute(f"SELECT CAST({sql.f32(number)} AS double precision)", [value])
            assert cursor.fetchone()[0] == float(np.float32(value)), value
        # A fit as shown: half to even on the float32's exact value (14.25 is exact: 14.2).
        for value in (14.25, 14.35, 94.85, 0.05, 99.75, 0.25, 100.0):
            fit = float(np.float32(value))
            cursor.execute(f"SELECT {sql.tenths(number)}", [fit])
            assert cursor.fetchone()[0] == round(round(fit, 1) * 10) == int(
                np.round(np.float64(fit), 1) * 10 + 0.5), value
