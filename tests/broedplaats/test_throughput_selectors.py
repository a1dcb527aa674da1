"""Every throughput figure against a small hand-built world whose answers are worked out by
hand in the comments, including suppression of small counts and empty periods."""

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from broedplaats.models import (
    Application,
    ApplicationStatus,
    EndReason,
    Offer,
    OfferStatus,
    SocialReturn,
    SpaceKind,
)
from broedplaats.selectors import throughput as t
from broedplaats.services import throughput_refresh
from tests.factories import (
    BuildingFactory,
    ChainFactory,
    CityFactory,
    CreativeFactory,
    DisciplineFactory,
    SpaceFactory,
    StageMoveFactory,
    TenancyFactory,
)

TODAY = date(2026, 6, 15)
START, END = date(2025, 7, 1), date(2026, 6, 15)  # 350 days
AMS = ZoneInfo("Europe/Amsterdam")


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=AMS)


@pytest.fixture
def world(db, stages):
    """City A: building A1 (postcode 1011, fashion focus) with s1, s2 (studios 20 and 30 m²),
    s3 (workshop 50 m²), s4 (desk 10 m², never let); building A2 (1012, music focus) with s5
    (studio 40 m²). City B: building B1 with s6 (studio 25 m²), outside city A's scope.

    Tenancies:
      t1 s1 fashion c1 2024-01-01 → planned 2027-01-01, running, renewed once
      t2 s2 fashion c2 2023-01-01 → ended 2025-09-01, next stage (974 days)
      t3 s2 music   c3 2025-10-01 → planned 2027-10-01, running, term exception
      t4 s3 fashion c4 2020-01-01 → ended 2026-01-01, outflow to the market (2192 days)
      t5 s5 music   c5 2025-01-01 → ended 2025-12-01, terminated (334 days)
      t6 s6 (city B)  2025-01-01 → planned 2027-01-01, running
    """
    fashion, music = ChainFactory(name="Mode", name_en="Fashion"), ChainFactory(
        name="Muziek", name_en="Music")
    designer = DisciplineFactory(chain=fashion, name="Modeontwerper")
    composer = DisciplineFactory(chain=music, name="Componist")
    city_a, city_b = CityFactory(name="A"), CityFactory(name="B")
    a1 = BuildingFactory(city=city_a, name="A1", postcode="1011 AA", chains=[fashion])
    a2 = BuildingFactory(city=city_a, name="A2", postcode="1012 BB", chains=[music])
    b1 = BuildingFactory(city=city_b, name="B1", postcode="3011 AA", chains=[music])
    s1 = SpaceFactory(building=a1, code="s1", area_m2=Decimal(20))
    s2 = SpaceFactory(building=a1, code="s2", area_m2=Decimal(30))
    s3 = SpaceFactory(building=a1, code="s3", kind=SpaceKind.WORKSHOP, area_m2=Decimal(50))
    s4 = SpaceFactory(building=a1, code="s4", kind=SpaceKind.DESK, area_m2=Decimal(10),
                      monthly_rent=Decimal(50))
    s5 = SpaceFactory(building=a2, code="s5", area_m2=Decimal(40))
    s6 = SpaceFactory(building=b1, code="s6", area_m2=Decimal(25))
    c = [CreativeFactory(discipline=d) for d in (designer, designer, composer, designer,
                                                   composer, composer)]
    tenancies = [
        TenancyFactory(space=s1, creative=c[0], start=date(2024, 1, 1),
                       planned_end=date(2027, 1, 1), renewals=1),
        TenancyFactory(space=s2, creative=c[1], start=date(2023, 1, 1),
                       planned_end=date(2026, 1, 1), actual_end=date(2025, 9, 1),
                       end_reason=EndReason.NEXT_STAGE),
        TenancyFactory(space=s2, creative=c[2], start=date(2025, 10, 1),
                       planned_end=date(2027, 10, 1), term_exception_reason="Long project"),
        TenancyFactory(space=s3, creative=c[3], start=date(2020, 1, 1),
                       planned_end=date(2026, 6, 1), actual_end=date(2026, 1, 1),
                       end_reason=EndReason.OUTFLOW_TO_MARKET),
        TenancyFactory(space=s5, creative=c[4], start=date(2025, 1, 1),
                       planned_end=date(2027, 1, 1), actual_end=date(2025, 12, 1),
                       end_reason=EndReason.TERMINATED),
        TenancyFactory(space=s6, creative=c[5], start=date(2025, 1, 1),
                       planned_end=date(2027, 1, 1)),
    ]
    return {"a": city_a, "b": city_b, "a1": a1, "a2": a2, "fashion": fashion, "music": music,
            "designer": designer, "spaces": [s1, s2, s3, s4, s5, s6], "creatives": c,
            "tenancies": tenancies, "stages": stages}


def scope_of(world, **changes) -> t.Scope:
    return replace(t.Scope(today=TODAY, start=START, end=END, city_ids=(world["a"].pk,)),
                   **changes)


def raw(figure, scope) -> t.Table:
    return t.figure_table(figure, scope, suppressed=False)


def by(table: t.Table, key: str) -> dict:
    return {row[key]: row for row in table.rows}


# --- occupancy -------------------------------------------------------------------------------------

def test_occupancy_counts_spaces_and_area_let_today_per_kind(world, english):
    rows = by(raw("occupancy", scope_of(world)), "kind")
    # Studios s1, s2, s5 (90 m²): s1 and s2 let (50 m²). Workshop s3 and desk s4 empty.
    assert rows["Studio"] | {} == {"kind": "Studio", "spaces": 3, "let": 2, "share": 66.7,
                                   "area": 90.0, "let_area": 50.0, "area_share": 55.6}
    assert (rows["Workshop"]["let"], rows["Desk"]["let"]) == (0, 0)
    assert rows["All spaces"] == {"kind": "All spaces", "is_total": True, "spaces": 5, "let": 2,
                                  "share": 40.0, "area": 150.0, "let_area": 50.0, "area_share": 33.3}


def test_occupancy_filters_by_building_kind_and_chain_focus(world, english):
    only_a2 = by(raw("occupancy", scope_of(world, building_ids=(world["a2"].pk,))), "kind")
    assert only_a2["All spaces"]["spaces"] == 1 and only_a2["All spaces"]["let"] == 0
    workshops = by(raw("occupancy", scope_of(world, space_kind=SpaceKind.WORKSHOP)), "kind")
    assert list(workshops) == ["Workshop", "All spaces"]
    fashion = by(raw("occupancy", scope_of(world, chain_id=world["fashion"].pk)), "kind")
    assert fashion["All spaces"]["spaces"] == 4  # only A1 has fashion in focus


def test_occupancy_of_a_city_without_spaces_is_empty(world):
    empty = CityFactory(name="Empty")
    assert raw("occupancy", scope_of(world, city_ids=(empty.pk,))).rows == []


def test_occupancy_monthly_snapshots_the_first_of_each_month(world):
    rows = by(raw("occupancy-monthly", scope_of(world)), "month")
    assert len(rows) == 12  # July 2025 to June 2026
    # 1 July 2025: t1, t2, t4, t5 hold s1, s2, s3, s5 → 4 of 5 spaces, 140 of 150 m².
    assert rows[date(2025, 7, 1)] == {"month": date(2025, 7, 1), "let": 4, "share": 80.0,
                                      "let_area": 140.0, "area_share": 93.3}
    # 1 October 2025: t2 ended 1 Sep, t3 starts that day → still s1, s2, s3, s5.
    assert rows[date(2025, 10, 1)]["let"] == 4
    # 1 December 2025: t5 ends that day (exclusive) → s1, s2, s3.
    assert rows[date(2025, 12, 1)]["let"] == 3
    # 1 June 2026: s1, s2.
    assert rows[date(2026, 6, 1)]["let"] == 2


def test_vacancy_days_per_kind_over_the_period(world, english):
    rows = by(raw("vacancy", scope_of(world)), "kind")
    # Studios: 3 × 350 days minus let days t1 350, t2 62 (1 Jul–1 Sep), t3 258 (1 Oct–16 Jun),
    # t5 153 (1 Jul–1 Dec) = 1050 − 823 = 227, 75.7 a space.
    assert rows["Studio"] == {"kind": "Studio", "spaces": 3, "vacancy_days": 227, "per_space": 75.7}
    assert rows["Workshop"]["vacancy_days"] == 350 - 184  # t4 let it 1 Jul – 1 Jan
    assert rows["Desk"]["vacancy_days"] == 350
    assert rows["All spaces"] == {"kind": "All spaces", "is_total": True, "spaces": 5,
                                  "vacancy_days": 743,
                                  "per_space": 148.6}


def test_longest_vacant_lists_never_let_first_then_longest_empty(world):
    rows = raw("longest-vacant", scope_of(world)).rows
    assert [(row["space"], row["since"], row["days"]) for row in rows] == [
        ("s4", None, None), ("s5", date(2025, 12, 1), 196), ("s3", date(2026, 1, 1), 165)]


# --- demand and waits --------------------------------------------------------------------------

def _placed(world, creative, tenancy, submitted: date):
    application = Application.objects.create(
        creative=creative, building=tenancy.space.building, status=ApplicationStatus.ACCEPTED,
        submitted_at=noon(submitted))
    Offer.objects.create(application=application, space=tenancy.space, status=OfferStatus.ACCEPTED,
                         start=tenancy.start, offered_on=tenancy.start, reply_by=tenancy.start,
                         tenancy=tenancy)
    return application


@pytest.fixture
def applications(world):
    """t3 began 2025-10-01 from an application of 2024-10-01 (365 days' wait). Six more
    creatives wait on A1's candidate list since 2025-08-01 and every 30 days after, one in
    B. A withdrawn application to A2 (2025-09-01) is not waiting."""
    c = world["creatives"]
    _placed(world, c[2], world["tenancies"][2], date(2024, 10, 1))
    waiting = [CreativeFactory(discipline=world["designer"]) for _ in range(6)]
    for index, creative in enumerate(waiting):
        Application.objects.create(creative=creative, building=world["a1"],
                                   status=ApplicationStatus.SUBMITTED,
                                   submitted_at=noon(date(2025, 8, 1) + timedelta(days=30 * index)))
    Application.objects.create(creative=c[4], building=world["a2"],
                               status=ApplicationStatus.WITHDRAWN,
                               submitted_at=noon(date(2025, 9, 1)))
    b_creative = CreativeFactory(discipline=world["designer"])
    Application.objects.create(creative=b_creative, building=BuildingFactory(city=world["b"]),
                               status=ApplicationStatus.SUBMITTED, submitted_at=noon(date(2026, 1, 1)))
    return waiting


def test_demand_counts_lists_applicants_and_placements(world, applications, english):
    rows = by(raw("demand", scope_of(world)), "measure")
    assert rows["On candidate lists now"]["value"] == 6
    # Applied in the period: the six waiting (1 Aug – 28 Dec 2025) and the withdrawn one;
    # the placed one applied before the period.
    assert rows["Applied in the period"]["value"] == 7
    assert rows["Of them placed so far"]["value"] == 0
    assert rows["Share placed"]["value"] == 0.0
    assert rows["Tenancies begun from an application"]["value"] == 1
    assert rows["Median wait (days)"]["value"] == 365.0
    assert rows["90th percentile wait (days)"]["value"] == 365.0


def test_waits_give_median_and_90th_percentile_per_chain(world, applications, english):
    # Four more music tenancies begun in the period with waits of 100, 200, 300 and 400 days:
    # with t3's 365 the waits are 100, 200, 300, 365, 400: median 300, p90 = 365 + 0.6 × 35 = 386.
    a2 = world["a2"]
    for index, wait in enumerate((100, 200, 300, 400)):
        space = SpaceFactory(building=a2, code=f"w{index}")
        creative = CreativeFactory(discipline=world["creatives"][2].discipline)
        tenancy = TenancyFactory(space=space, creative=creative, start=date(2026, 2, 1),
                                 planned_end=date(2028, 2, 1))
        _placed(world, creative, tenancy, date.fromordinal(date(2026, 2, 1).toordinal() - wait))
    rows = by(raw("waits", scope_of(world)), "chain")
    assert rows["Music"] == {"chain": "Music", "placed": 5, "median": 300.0, "p90": 386.0}
    assert rows["All chains"]["placed"] == 5


# --- tenancies -----------------------------------------------------------------------------------

def test_tenancy_length_buckets_the_tenancies_ended_in_the_period(world, english):
    rows = by(raw("tenancy-length", scope_of(world)), "length")
    # Ended in the period: t2 (974 days: 2–3 years), t4 (2192: 5+), t5 (334: under 1 year).
    assert {key: row["tenancies"] for key, row in rows.items()} == {
        "under 1 year": 1, "1–2 years": 0, "2–3 years": 1, "3–5 years": 0, "5 years or more": 1}
    assert rows["2–3 years"]["share"] == 33.3


def test_end_reasons_count_every_reason_of_the_period(world, english):
    rows = by(raw("end-reasons", scope_of(world)), "reason")
    assert rows["Next stage in another building"]["tenancies"] == 1
    assert rows["Outflow to the market"]["tenancies"] == 1
    assert rows["Terminated"]["tenancies"] == 1
    assert rows["End of term, not renewed"]["tenancies"] == 0


def test_doorstroming_rate_renewals_and_exceptions(world, english):
    rows = by(raw("tenancies", scope_of(world)), "measure")
    assert rows["Tenancies ended in the period"]["value"] == 3
    assert rows["Ended moving on (next stage or market)"]["value"] == 2  # t2 and t4
    assert rows["Doorstroming rate"]["value"] == 66.7
    assert rows["Median length of ended tenancies (days)"]["value"] == 974.0
    # Running at some time in the period: t1..t5 in A.
    assert rows["Tenancies running in the period"]["value"] == 5
    assert rows["Of them renewed at least once"]["value"] == 1
    assert rows["With a term exception"]["value"] == 1


def test_an_empty_period_gives_no_rows_and_no_errors(world, english):
    empty = scope_of(world, start=date(2010, 1, 1), end=date(2010, 12, 31))
    assert raw("tenancy-length", empty).rows == []
    assert raw("end-reasons", empty).rows == []
    assert raw("waits", empty).rows == []
    summary = by(raw("tenancies", empty), "measure")
    assert summary["Doorstroming rate"]["value"] is None


# --- stages ----------------------------------------------------------------------------------------

@pytest.fixture
def moves(world):
    """Stage histories at building A1 (c1, c2) and B1 (c6, outside A):
      c1: idea 2023-01-01 → making 2024-01-01 (365 d) → distribution 2025-09-01 (609 d) →
          market 2026-02-01 (153 d)
      c2: idea 2025-08-01 → making 2025-10-01 (61 d), still making
      c6: idea 2025-08-01 at B1 → making 2025-09-01
    """
    idea, making, distribution = world["stages"]
    c, a1 = world["creatives"], world["a1"]
    b1 = world["spaces"][5].building
    for creative, history in (
        (c[0], [(idea, date(2023, 1, 1)), (making, date(2024, 1, 1)),
                (distribution, date(2025, 9, 1)), (None, date(2026, 2, 1))]),
        (c[1], [(idea, date(2025, 8, 1)), (making, date(2025, 10, 1))]),
    ):
        previous = None
        for stage, day in history:
            StageMoveFactory(creative=creative, from_stage=previous, to_stage=stage,
                             to_market=stage is None, moved_on=day, building=a1)
            previous = stage
    StageMoveFactory(creative=c[5], to_stage=idea, moved_on=date(2025, 8, 1), building=b1)
    StageMoveFactory(creative=c[5], from_stage=idea, to_stage=making, moved_on=date(2025, 9, 1),
                     building=b1)
    throughput_refresh()


def test_flows_count_the_moves_of_the_period_by_stage(world, moves, english):
    rows = raw("flows", scope_of(world)).rows
    # In the period (from 1 Jul 2025): c1 making → distribution (1 Sep), distribution → market
    # (1 Feb 2026); c2 idea → making (1 Oct). c6's move was at B1, outside A.
    assert [(row["from"], row["to"], row["moves"]) for row in rows] == [
        ("Idea (bedenken)", "Making (maken)", 1),
        ("Making (maken)", "Distribution (verspreiden)", 1),
        ("Distribution (verspreiden)", "Market", 1),
    ]


def test_time_in_stage_gives_quartiles_of_stays_ended_in_the_period(world, moves, english):
    rows = raw("time-in-stage", scope_of(world)).rows
    stays = {(row["stage"], row["chain"]): row for row in rows}
    # Ended in the period: c2 idea 61 days, c1 making 609, c1 distribution 153.
    assert stays[("Idea (bedenken)", "Fashion")]["median"] == 61.0
    assert stays[("Making (maken)", "Fashion")]["median"] == 609.0
    assert stays[("Distribution (verspreiden)", "All chains")]["median"] == 153.0


def test_cohorts_share_reaching_the_next_stage_within_years(world, moves, english):
    rows = {(row["stage"], row["year"]): row for row in raw(
        "cohorts", scope_of(world, end=TODAY)).rows}
    idea_2023 = rows[("Idea (bedenken)", 2023)]
    # c1 entered idea in 2023 and reached making after 365 days: within 1 year, and the
    # 1-year figure of 2023 is known (the end of 2024 has passed); 3 and 5 years are not yet.
    assert idea_2023["entered"] == 1
    assert idea_2023["y1"] == 100.0 and idea_2023["y2"] == 100.0
    assert idea_2023["y3"] is None and idea_2023["y5"] is None
    making_2024 = rows[("Making (maken)", 2024)]
    assert making_2024["y1"] == 0.0  # 609 days
    # c2's 2025 idea entry: no year has fully passed yet.
    assert rows[("Idea (bedenken)", 2025)]["y1"] is None


def test_refresh_rebuilds_the_spells_from_scratch(world, moves):
    from broedplaats.models import StageSpell

    first = StageSpell.objects.count()
    refresh = throughput_refresh()
    assert refresh.spells == first == StageSpell.objects.count() == 7  # 8 moves, 1 to market


# --- completeness, social return, spread, trends ------------------------------------------------

def test_completeness_counts_buildings_housing_each_stage_of_their_focus(world, moves, english):
    rows = by(raw("completeness", scope_of(world)), "chain")
    # Today c1 (fashion, t1 in A1) is out to the market since February: no stage.
    # c2 (fashion, no tenancy now) does not count. c3 (music, t3 in A1) has no moves; A1's focus
    # is fashion only, A2 (music) has no tenant now. So nothing is housed.
    assert rows["Fashion"] == {"chain": "Fashion", "buildings": 1, "idea": 0, "making": 0,
                               "distribution": 0, "complete": 0, "missing": 1}
    StageMoveFactory(creative=world["creatives"][2], to_stage=world["stages"][1],
                     moved_on=date(2026, 1, 1), building=world["a1"])
    world["a1"].chain_focus.add(world["music"])
    rows = by(raw("completeness", scope_of(world)), "chain")
    assert rows["Music"]["making"] == 1 and rows["Music"]["buildings"] == 2
    assert rows["Buildings, any chain"]["missing"] == 2


def test_social_return_sums_hours_and_activities_of_the_period(world, english):
    t1, t3 = world["tenancies"][0], world["tenancies"][2]
    for tenancy, day, hours in ((t1, date(2025, 8, 1), "2.5"), (t1, date(2026, 3, 1), "4"),
                                (t3, date(2025, 12, 1), "1.25"), (t1, date(2024, 1, 5), "8")):
        SocialReturn.objects.create(tenancy=tenancy, kind="workshop", on=day, hours=Decimal(hours))
    rows = by(raw("social-return", scope_of(world)), "kind")
    assert rows["All activities"] == {"kind": "All activities", "is_total": True, "activities": 3,
                                      "hours": 7.75,
                                      "tenants": 2}


def test_districts_group_by_the_postcode_digits(world):
    rows = by(raw("districts", scope_of(world)), "district")
    assert rows["1011"] == {"district": "1011", "buildings": 1, "spaces": 4, "let": 2,
                            "share": 50.0}
    assert rows["1012"]["let"] == 0 and "3011" not in rows


def test_disciplines_count_tenants_and_waiting(world, applications):
    rows = by(raw("disciplines", scope_of(world)), "discipline")
    assert rows["Modeontwerper"]["tenants"] == 1  # c1 (t1)
    assert rows["Modeontwerper"]["waiting"] == 6
    assert rows["Componist"]["tenants"] == 1  # c3 (t3)


def test_trends_give_twenty_quarters_of_occupancy_and_doorstroming(world):
    rows = by(raw("trends", scope_of(world)), "quarter")
    assert len(rows) == 20 and list(rows)[-1] == "2026 Q2" and list(rows)[0] == "2021 Q3"
    # 2025 Q3 (Jul–Sep): t2 ended 1 Sep by next stage; 1 Jul: 4 of 5 spaces let.
    assert rows["2025 Q3"] == {"quarter": "2025 Q3", "occupancy": 80.0, "ended": 1,
                               "doorstroming": 100.0}
    assert rows["2025 Q4"]["ended"] == 1 and rows["2025 Q4"]["doorstroming"] == 0.0  # t5
    assert rows["2024 Q1"]["ended"] == 0 and rows["2024 Q1"]["doorstroming"] is None


# --- suppression -----------------------------------------------------------------------------------

def test_counts_of_one_to_four_people_read_below_five(world, english):
    rows = by(t.figure_table("end-reasons", scope_of(world)), "reason")
    assert rows["Terminated"]["tenancies"] == t.SMALL
    assert rows["End of term, not renewed"]["tenancies"] == 0  # nobody: nothing to hide
    # Shares over fewer than five tenancies are not shown either.
    assert rows["Terminated"]["share"] is None


def test_a_median_over_fewer_than_five_is_suppressed_but_five_are_shown(world, applications,
                                                                        english):
    rows = by(t.figure_table("demand", scope_of(world)), "measure")
    assert rows["Median wait (days)"]["value"] is None
    assert rows["On candidate lists now"]["value"] == 6


def test_space_counts_are_not_people_and_stay_exact(world, english):
    rows = by(t.figure_table("occupancy", scope_of(world)), "kind")
    assert rows["Studio"]["let"] == 2


def test_a_building_housing_every_stage_of_its_focus_is_complete(world, english):
    # A1 (fashion focus) gets three current fashion tenants, in idea, making and distribution.
    a1, designer = world["a1"], world["designer"]
    for index, stage in enumerate(world["stages"]):
        creative = CreativeFactory(discipline=designer)
        TenancyFactory(space=SpaceFactory(building=a1, code=f"c{index}"), creative=creative,
                       start=date(2026, 1, 1), planned_end=date(2027, 1, 1))
        StageMoveFactory(creative=creative, to_stage=stage, moved_on=date(2026, 2, 1),
                         building=a1)
    rows = by(raw("completeness", scope_of(world)), "chain")
    assert rows["Fashion"] == {"chain": "Fashion", "buildings": 1, "idea": 1, "making": 1,
                               "distribution": 1, "complete": 1, "missing": 0}
    # A2 (music focus) houses nothing: one of the two buildings misses a link.
    assert (rows["Buildings, any chain"]["complete"], rows["Buildings, any chain"]["missing"]) == (1, 1)


# --- the rewritten queries give the numbers of the straightforward ones ------------------------

@pytest.fixture
def varied(world):
    """More of everything on top of `world`: a building with two chains in focus, an archived
    building and an archived space with tenants, tenants with several moves (two on one day, one
    out to the market, one after today), one without moves and one of a chain outside the focus."""
    from chains.models import StageMove

    idea, making, distribution = world["stages"]
    fashion, music = world["fashion"], world["music"]
    composer = DisciplineFactory(chain=music, name="Componist 2")
    both = BuildingFactory(city=world["a"], name="A3", postcode="1013 CC", chains=[fashion, music])
    gone = BuildingFactory(city=world["a"], name="A4", archived=True, chains=[fashion])
    spaces = [SpaceFactory(building=both, code=f"b{n}", kind=kind, area_m2=Decimal(10 + n))
              for n, kind in enumerate([SpaceKind.STUDIO, SpaceKind.WORKSHOP, SpaceKind.DESK,
                                        SpaceKind.STUDIO, SpaceKind.STUDIO])]
    spaces.append(SpaceFactory(building=both, code="old", archived=True))
    spaces.append(SpaceFactory(building=gone, code="g1"))
    spaces.append(SpaceFactory(building=world["a1"], code="s7"))
    moves = [  # per new tenant: (discipline, [(day, stage or None for the market), ...])
        (world["designer"], [(date(2025, 1, 1), idea), (date(2026, 2, 1), making)]),
        (composer, [(date(2026, 3, 1), idea), (date(2026, 3, 1), distribution)]),  # same day
        (world["designer"], [(date(2025, 5, 1), distribution), (date(2026, 1, 1), None)]),
        (composer, [(date(2026, 1, 1), making), (date(2026, 9, 1), distribution)]),  # future
        (world["designer"], []),
        (composer, [(date(2024, 1, 1), making)]),
        (world["designer"], [(date(2025, 1, 1), making)]),
        (composer, [(date(2025, 6, 1), idea)]),  # in A1: fashion focus only
    ]
    for space, (discipline, steps) in zip(spaces, moves, strict=True):
        creative = CreativeFactory(discipline=discipline)
        TenancyFactory(space=space, creative=creative, start=date(2025, 3, 1),
                       planned_end=date(2027, 3, 1))
        for day, stage in steps:
            StageMove.objects.create(creative=creative, to_stage=stage, to_market=stage is None,
                                     moved_on=day, building=space.building)
    TenancyFactory(space=spaces[0], creative=CreativeFactory(discipline=world["designer"]),
                   start=date(2022, 1, 1), planned_end=date(2024, 6, 1))
    return world


def _completeness_by_hand(scope: t.Scope, stages) -> dict:
    """Completeness the plain way: each running tenant's newest move on or before today."""
    from broedplaats.models import Building, Tenancy
    from chains.models import StageMove

    housed = {}  # (building, chain) -> stages housed
    for tenancy in Tenancy.objects.filter(space__building__city__in=scope.city_ids,
                                          space__building__archived=False,
                                          start__lte=scope.today):
        if (tenancy.actual_end or tenancy.planned_end) <= scope.today:
            continue
        building, chain = tenancy.space.building, tenancy.creative.discipline.chain
        if chain not in building.chain_focus.all():
            continue
        move = StageMove.objects.filter(creative=tenancy.creative, moved_on__lte=scope.today) \
            .order_by("-moved_on", "-id").first()
        housed.setdefault((building.pk, chain.pk), set())
        if move and move.to_stage_id:
            housed[(building.pk, chain.pk)].add(move.to_stage_id)
    every = {stage.pk for stage in stages}
    rows, buildings = {}, Building.objects.filter(city__in=scope.city_ids, archived=False)
    for building in buildings:
        for chain in building.chain_focus.all():
            row = rows.setdefault(chain.name_en, {"buildings": 0, "complete": 0,
                                                  **{stage.code: 0 for stage in stages}})
            row["buildings"] += 1
            cells = housed.get((building.pk, chain.pk), set())
            for stage in stages:
                row[stage.code] += stage.pk in cells
            row["complete"] += cells == every
    complete = sum(all(housed.get((b.pk, c.pk), set()) == every for c in b.chain_focus.all())
                   for b in buildings if b.chain_focus.exists())
    return {"chains": rows, "complete": complete}


def test_completeness_matches_each_tenants_newest_move_looked_up_by_hand(varied, english):
    scope = scope_of(varied)
    expected = _completeness_by_hand(scope, varied["stages"])
    rows = by(raw("completeness", scope), "chain")
    for chain, row in expected["chains"].items():
        assert {key: rows[chain][key] for key in row} == row
    assert rows["Music"]["distribution"] == 1 and rows["Music"]["making"] == 1  # varied's own
    assert rows["Buildings, any chain"]["complete"] == expected["complete"]
    assert by(raw("completeness", scope_of(varied, chain_id=varied["music"].pk)), "chain") \
        .keys() == {"Music", "Buildings, any chain"}


@pytest.mark.parametrize("changes", [
    {}, {"space_kind": SpaceKind.STUDIO}, {"chain_id": "fashion"}, {"chain_id": "music"},
    {"building_ids": "a1"}, {"city_ids": None},
    {"chain_id": "fashion", "discipline_chain_id": "music"},  # a discipline of another chain
])
def test_space_tenancies_are_the_tenancies_of_the_spaces_in_scope(varied, changes):
    # Occupancy per month, trends and vacancy read them; before, as `space__in=_spaces(scope)`.
    from broedplaats.models import Tenancy

    values = {key: (varied[value].pk if key.endswith("_id") else (varied[value].pk,))
              if isinstance(value, str) and key != "space_kind" else value
              for key, value in changes.items()}
    scope = scope_of(varied, **values)
    rows = list(t._space_tenancies(scope).values_list("pk", flat=True))
    assert len(rows) == len(set(rows))
    assert set(rows) == set(Tenancy.objects.filter(space__in=t._spaces(scope))
                            .values_list("pk", flat=True))
    if not changes:
        assert len(rows) == 12  # world's 5 in city A; varied's 7 on active spaces and buildings


def test_applied_in_the_period_counts_the_days_of_the_period_in_local_time(world, english):
    # Demand reads the period as a range of moments; the days are Amsterdam's, as `__date` reads
    # them: 23:59 before the first day and 00:00 after the last are outside, a UTC evening
    # that is already the next day in Amsterdam too.
    moments = [datetime.combine(START, time(0, 0), tzinfo=AMS),
               datetime.combine(START - timedelta(days=1), time(23, 59), tzinfo=AMS),
               datetime.combine(END, time(23, 59), tzinfo=AMS),
               datetime.combine(END + timedelta(days=1), time(0, 0), tzinfo=AMS),
               datetime.combine(START - timedelta(days=1), time(22, 30), tzinfo=ZoneInfo("UTC")),
               datetime.combine(END, time(22, 30), tzinfo=ZoneInfo("UTC"))]
    for moment in moments:
        Application.objects.create(creative=CreativeFactory(discipline=world["designer"]),
                                   building=world["a1"], status=ApplicationStatus.SUBMITTED,
                                   submitted_at=moment)
    rows = by(raw("demand", scope_of(world)), "measure")
    straightforward = Application.objects.filter(
        building__city=world["a"], submitted_at__date__gte=START, submitted_at__date__lte=END,
    ).values("creative").distinct().count()
    assert rows["Applied in the period"]["value"] == straightforward == 3


@pytest.mark.parametrize("changes", [{}, {"space_kind": SpaceKind.STUDIO}, {"chain_id": "music"}])
def test_monthly_and_quarterly_occupancy_match_the_tenancies_counted_by_hand(varied, changes):
    from broedplaats.models import Space, Tenancy

    values = {key: varied[value].pk if key == "chain_id" else value
              for key, value in changes.items()}
    scope = scope_of(varied, **values)
    spaces = Space.objects.filter(building__city=varied["a"], archived=False,
                                  building__archived=False,
                                  **({"kind": scope.space_kind} if scope.space_kind else {}),
                                  **({"building__chain_focus": scope.chain_id}
                                     if scope.chain_id else {}))
    tenancies = list(Tenancy.objects.filter(space__in=spaces).select_related("space"))

    def let_on(day):
        held = [x for x in tenancies if x.start <= day < (x.actual_end or x.planned_end)]
        return len(held), float(sum(x.space.area_m2 for x in held))

    total, area = spaces.count(), float(sum(space.area_m2 for space in spaces))
    for row in raw("occupancy-monthly", scope).rows:
        n, m2 = let_on(row["month"])
        assert (row["let"], row["share"], row["let_area"]) == (n, t._share(n, total), m2)
        assert row["area_share"] == t._share(m2, area)
    quarters = t._quarters(scope.end)
    rows = raw("trends", scope).rows
    assert [row["occupancy"] for row in rows] == [t._share(let_on(day)[0], total)
                                                  for day in quarters]
    assert any(row["occupancy"] for row in rows)
