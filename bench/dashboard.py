"""Benchmark: the city bureau's throughput dashboard against hand-written SQL, on PostgreSQL.

For one city (default Amsterdam, the demo bureau's city) and the bureau's scope (today, the
default period, that city), each figure of `broedplaats.selectors.throughput.FIGURES` is
computed by its selector (`figure_table(figure, scope, suppressed=True)`, as the page asks for
it) and by a hand-written SQL query for the same numbers: the floor, what a careful DBA would
write on PostgreSQL (CTEs, FILTER, ROLLUP, percentile_cont, generate_series), run through
`connection.cursor()`. Each figure is run once to warm up and to check that the floor's numbers
equal the selector's unsuppressed ones (floats to 0.1); then both are timed `--repeat` times,
taking turns, and the medians count. Then the whole page, `/home/bureau/` fetched with Django's
test Client logged in as `demo-bureau`, is timed against the sum of the floors, and page 2 of
the building table and a chain filter must make the same number of queries as the first page
(within 2, for the filter's choice lists).

    .venv/bin/python bench/dashboard.py [--database-url postgres://...] [--city amsterdam]
                                        [--repeat 5] [--seed N] [--explain]

The database is the seeded demo (`seed_demo --scale 100`, see docs/benchmarks.md); nothing is
written to it except the stage spells (`throughput_refresh`, the nightly precompute, run and
timed on its own line only when the table is empty or holds no spell of the city, as after a
reseed), the planner statistics of tables autovacuum would analyse (`ANALYZE`: this server runs
without autovacuum; `--no-analyze` skips it) and the test client's session row (deleted at the
end; the login does not touch `last_login`).
`--seed N` instead creates a throwaway database next to the given one, seeds
`seed_demo --scale N` into it, measures, and drops it. `--explain` prints
`EXPLAIN (ANALYZE, BUFFERS)` of the slowest query of every figure above 2x its floor.

A figure whose floor gives other numbers prints a MISMATCH line; the script then exits with
status 1 (after the rest of the run).

Last line: `dashboard: worst_figure_ratio=<x> page_ratio=<y> queries=<n>`: the largest
selector / floor ratio of a figure, the page's median time over the sum of the floors' medians,
and the queries the first page makes. Targets: every figure within 2x, the page within 3x, the
query count constant.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/demo_helper_scale"
BUREAU_USER = "demo-bureau"
TOLERANCE = 0.1 + 1e-9
FIGURE_TARGET, PAGE_TARGET, QUERY_SLACK = 2.0, 3.0, 2
# The tables the dashboard reads: analysed first when autovacuum would (see analyze_stale).
TABLES = ("broedplaats_space", "broedplaats_building", "broedplaats_building_chain_focus",
          "broedplaats_tenancy", "broedplaats_application", "broedplaats_offer",
          "broedplaats_call", "broedplaats_call_spaces", "broedplaats_socialreturn",
          "broedplaats_pathway", "broedplaats_pathwaystep",
          "broedplaats_stagespell", "chains_creative", "chains_discipline", "chains_chain",
          "chains_stage", "chains_stagemove")


# --- the floors: one hand-written query a figure ------------------------------------------------
#
# Every query takes the same parameters (see `floor_params`): the city, today, the period
# (`start`, `end` inclusive, `end_excl` = end + 1 day), its length in days, the first day of its
# first month, the first of the trends' twenty quarters, the cohort years, the waiting statuses
# of a candidate list, the time zone and the stage ids. Active spaces are those not archived in
# buildings not archived; a tenancy runs on a day when
# start <= day < coalesce(actual_end, planned_end).

ACTIVE = """
    active AS (
        SELECT s.id, s.kind, s.area_m2, s.code, s.building_id, b.name AS building, b.postcode
        FROM broedplaats_space s
        JOIN broedplaats_building b ON b.id = s.building_id
        WHERE b.city_id = %(city)s AND NOT s.archived AND NOT b.archived
    )"""

# Tenancies of the city's spaces (any space, archived or not: as the people figures count).
CITY_TENANCIES = """
    FROM broedplaats_tenancy t
    JOIN broedplaats_space s ON s.id = t.space_id
    JOIN broedplaats_building b ON b.id = s.building_id
    WHERE b.city_id = %(city)s"""

RUNNING_TODAY = """EXISTS (
            SELECT 1 FROM broedplaats_tenancy t
            WHERE t.space_id = a.id AND t.start <= %(today)s
              AND COALESCE(t.actual_end, t.planned_end) > %(today)s)"""

SQL = {}

SQL["occupancy"] = f"""
    WITH {ACTIVE},
    flagged AS (SELECT a.kind, a.area_m2, {RUNNING_TODAY} AS let FROM active a)
    SELECT kind, count(*), count(*) FILTER (WHERE let),
           COALESCE(sum(area_m2), 0), COALESCE(sum(area_m2) FILTER (WHERE let), 0)
    FROM flagged
    GROUP BY ROLLUP (kind)
    ORDER BY kind NULLS LAST
"""

SQL["occupancy-monthly"] = f"""
    WITH {ACTIVE},
    lets AS (
        SELECT t.start, COALESCE(t.actual_end, t.planned_end) AS ends, a.area_m2
        FROM broedplaats_tenancy t
        JOIN active a ON a.id = t.space_id
        WHERE t.start <= %(end)s AND COALESCE(t.actual_end, t.planned_end) > %(first_month)s
    ),
    changes AS (  -- +1 on the first first-of-a-month a tenancy holds, -1 on the first after
        SELECT GREATEST(date_trunc('month', (start - 1)::timestamp) + interval '1 month',
                        %(first_month)s::timestamp) AS month, 1 AS n, area_m2 AS area
        FROM lets
        UNION ALL
        SELECT date_trunc('month', (ends - 1)::timestamp) + interval '1 month', -1, -area_m2
        FROM lets
    ),
    per_month AS (SELECT month, sum(n) AS n, sum(area) AS area FROM changes GROUP BY month)
    SELECT m.month::date, sum(COALESCE(p.n, 0)) OVER w, sum(COALESCE(p.area, 0)) OVER w,
           (SELECT count(*) FROM active)
    FROM generate_series(%(first_month)s::timestamp, %(end)s::timestamp, interval '1 month')
         AS m(month)
    LEFT JOIN per_month p ON p.month = m.month
    WINDOW w AS (ORDER BY m.month)
    ORDER BY m.month
"""

SQL["vacancy"] = f"""
    WITH {ACTIVE},
    let_days AS (
        SELECT t.space_id,
               sum(LEAST(COALESCE(t.actual_end, t.planned_end), %(end_excl)s)
                   - GREATEST(t.start, %(start)s)) AS days
        FROM broedplaats_tenancy t
        JOIN active a ON a.id = t.space_id
        WHERE t.start < %(end_excl)s AND COALESCE(t.actual_end, t.planned_end) > %(start)s
        GROUP BY t.space_id
    )
    SELECT a.kind, count(*), count(*) * %(period_days)s - COALESCE(sum(l.days), 0)
    FROM active a
    LEFT JOIN let_days l ON l.space_id = a.id
    GROUP BY ROLLUP (a.kind)
    ORDER BY a.kind NULLS LAST
"""

SQL["longest-vacant"] = f"""
    WITH {ACTIVE}
    SELECT a.building, a.code, a.area_m2, last.ends
    FROM active a
    LEFT JOIN LATERAL (
        SELECT max(COALESCE(t.actual_end, t.planned_end)) AS ends
        FROM broedplaats_tenancy t
        WHERE t.space_id = a.id AND COALESCE(t.actual_end, t.planned_end) <= %(today)s
    ) last ON true
    WHERE NOT {RUNNING_TODAY}
    ORDER BY last.ends ASC NULLS FIRST, a.building, a.code
    LIMIT 10
"""

SQL["demand"] = """
    WITH apps AS NOT MATERIALIZED (  -- inlined into each use, to use its indexes
        SELECT a.creative_id, a.call_id, a.status, a.submitted_at
        FROM broedplaats_application a
        JOIN broedplaats_building b ON b.id = a.building_id
        WHERE b.city_id = %(city)s
    ),
    calls AS (
        SELECT c.id
        FROM broedplaats_call c
        JOIN broedplaats_building b ON b.id = c.building_id
        WHERE b.city_id = %(city)s AND c.published_at IS NOT NULL
          AND c.opens_on BETWEEN %(start)s AND %(end)s
    ),
    applied AS (
        SELECT DISTINCT creative_id FROM apps
        WHERE (submitted_at AT TIME ZONE %(tz)s)::date BETWEEN %(start)s AND %(end)s
    ),
    waits AS (
        SELECT tn.start - (ap.submitted_at AT TIME ZONE %(tz)s)::date AS wait
        FROM broedplaats_offer o
        JOIN broedplaats_tenancy tn ON tn.id = o.tenancy_id
        JOIN broedplaats_application ap ON ap.id = o.application_id
        JOIN broedplaats_space s ON s.id = o.space_id
        JOIN broedplaats_building b ON b.id = s.building_id
        WHERE b.city_id = %(city)s AND o.status = 'accepted' AND ap.submitted_at IS NOT NULL
          AND tn.start BETWEEN %(start)s AND %(end)s
    )
    SELECT
        (SELECT count(DISTINCT creative_id) FROM apps
         WHERE call_id IS NULL AND status = ANY(%(waiting)s)),
        (SELECT count(*) FROM calls),
        (SELECT count(DISTINCT cs.space_id) FROM broedplaats_call_spaces cs
         WHERE cs.call_id IN (SELECT id FROM calls)),
        (SELECT count(DISTINCT creative_id) FROM apps
         WHERE call_id IN (SELECT id FROM calls) AND status <> 'draft'),
        (SELECT count(*) FROM applied),
        (SELECT count(*) FROM applied p WHERE EXISTS (
            SELECT 1 FROM apps a WHERE a.creative_id = p.creative_id AND a.status = 'accepted')),
        w.placed, w.median, w.p90
    FROM (SELECT count(*) AS placed,
                 percentile_cont(0.5) WITHIN GROUP (ORDER BY wait) AS median,
                 percentile_cont(0.9) WITHIN GROUP (ORDER BY wait) AS p90
          FROM waits) w
"""

SQL["waits"] = """
    WITH waits AS (
        SELECT ch.name AS chain, tn.start - (ap.submitted_at AT TIME ZONE %(tz)s)::date AS wait
        FROM broedplaats_offer o
        JOIN broedplaats_tenancy tn ON tn.id = o.tenancy_id
        JOIN broedplaats_application ap ON ap.id = o.application_id
        JOIN chains_creative c ON c.id = ap.creative_id
        JOIN chains_discipline d ON d.id = c.discipline_id
        JOIN chains_chain ch ON ch.id = d.chain_id
        JOIN broedplaats_space s ON s.id = o.space_id
        JOIN broedplaats_building b ON b.id = s.building_id
        WHERE b.city_id = %(city)s AND o.status = 'accepted' AND ap.submitted_at IS NOT NULL
          AND tn.start BETWEEN %(start)s AND %(end)s
    )
    SELECT chain, count(*),
           percentile_cont(0.5) WITHIN GROUP (ORDER BY wait),
           percentile_cont(0.9) WITHIN GROUP (ORDER BY wait)
    FROM waits
    GROUP BY ROLLUP (chain)
    ORDER BY chain NULLS LAST
"""

SPELLS_ENDED = """
    FROM broedplaats_stagespell sp
    WHERE sp.city_id = %(city)s AND sp.building_id IS NOT NULL
      AND sp.ended_on BETWEEN %(start)s AND %(end)s"""

SQL["time-in-stage"] = f"""
    WITH spells AS (SELECT sp.stage_order, sp.chain_id, sp.days {SPELLS_ENDED})
    SELECT sp.stage_order, ch.name, count(*),
           percentile_cont(0.25) WITHIN GROUP (ORDER BY sp.days),
           percentile_cont(0.5) WITHIN GROUP (ORDER BY sp.days),
           percentile_cont(0.75) WITHIN GROUP (ORDER BY sp.days)
    FROM spells sp
    JOIN chains_chain ch ON ch.id = sp.chain_id
    GROUP BY GROUPING SETS ((sp.stage_order, ch.name), (sp.stage_order))
    ORDER BY sp.stage_order, ch.name NULLS LAST
"""

SQL["flows"] = f"""
    WITH spells AS (SELECT sp.stage_order, sp.stage_id, sp.next_stage_id, sp.to_market
                    {SPELLS_ENDED})
    SELECT sp.stage_id, sp.next_stage_id, sp.to_market, count(*)
    FROM spells sp
    LEFT JOIN chains_stage nxt ON nxt.id = sp.next_stage_id
    GROUP BY sp.stage_order, sp.stage_id, sp.next_stage_id, sp.to_market, nxt."order"
    ORDER BY sp.stage_order, COALESCE(nxt."order", 9)
"""

SQL["cohorts"] = """
    SELECT sp.stage_order, EXTRACT(year FROM sp.started_on)::int AS year, count(*),
           count(*) FILTER (WHERE sp.reached_next_on - sp.started_on <= 365),
           count(*) FILTER (WHERE sp.reached_next_on - sp.started_on <= 730),
           count(*) FILTER (WHERE sp.reached_next_on - sp.started_on <= 1096),
           count(*) FILTER (WHERE sp.reached_next_on - sp.started_on <= 1826)
    FROM broedplaats_stagespell sp
    WHERE sp.city_id = %(city)s AND sp.building_id IS NOT NULL AND sp.first_entry
      AND sp.started_on >= make_date(%(cohort_first)s, 1, 1)
      AND sp.started_on < make_date(%(cohort_last)s + 1, 1, 1)
    GROUP BY 1, 2
    ORDER BY 1, 2
"""

SQL["tenancy-length"] = f"""
    WITH ended AS (
        SELECT t.actual_end - t.start AS days {CITY_TENANCIES}
          AND t.actual_end BETWEEN %(start)s AND %(end)s
    )
    SELECT count(*),
           count(*) FILTER (WHERE days < 365),
           count(*) FILTER (WHERE days >= 365 AND days < 730),
           count(*) FILTER (WHERE days >= 730 AND days < 1096),
           count(*) FILTER (WHERE days >= 1096 AND days < 1826),
           count(*) FILTER (WHERE days >= 1826)
    FROM ended
"""

SQL["end-reasons"] = f"""
    SELECT t.end_reason, count(*) {CITY_TENANCIES}
      AND t.actual_end BETWEEN %(start)s AND %(end)s
    GROUP BY t.end_reason
"""

SQL["tenancies"] = f"""
    WITH period AS (
        SELECT t.actual_end BETWEEN %(start)s AND %(end)s AS ended,
               t.start < %(end_excl)s
                   AND COALESCE(t.actual_end, t.planned_end) > %(start)s AS running,
               t.actual_end - t.start AS days, t.end_reason, t.renewals,
               t.term_exception_reason, t.rent_exception_reason
        {CITY_TENANCIES}
          AND (t.actual_end BETWEEN %(start)s AND %(end)s
               OR (t.start < %(end_excl)s
                   AND COALESCE(t.actual_end, t.planned_end) > %(start)s))
    )
    SELECT count(*) FILTER (WHERE ended),
           count(*) FILTER (WHERE ended AND end_reason IN ('next_stage', 'outflow_to_market')),
           percentile_cont(0.5) WITHIN GROUP (ORDER BY days) FILTER (WHERE ended),
           count(*) FILTER (WHERE running),
           count(*) FILTER (WHERE running AND renewals > 0),
           COALESCE(sum(renewals) FILTER (WHERE running), 0),
           count(*) FILTER (WHERE running AND term_exception_reason <> ''),
           count(*) FILTER (WHERE running AND rent_exception_reason <> '')
    FROM period
"""

SQL["completeness"] = """
    WITH focus AS (
        SELECT f.building_id, f.chain_id
        FROM broedplaats_building_chain_focus f
        JOIN broedplaats_building b ON b.id = f.building_id
        WHERE b.city_id = %(city)s AND NOT b.archived
    ),
    housed AS (  -- (building, chain, stage) of every tenant now, in their newest stage
        SELECT DISTINCT s.building_id, d.chain_id, now.to_stage_id AS stage_id
        FROM broedplaats_tenancy t
        JOIN broedplaats_space s ON s.id = t.space_id
        JOIN broedplaats_building b ON b.id = s.building_id
        JOIN chains_creative c ON c.id = t.creative_id
        JOIN chains_discipline d ON d.id = c.discipline_id
        CROSS JOIN LATERAL (
            SELECT m.to_stage_id FROM chains_stagemove m
            WHERE m.creative_id = t.creative_id AND m.moved_on <= %(today)s
            ORDER BY m.moved_on DESC, m.id DESC
            LIMIT 1
        ) now
        WHERE b.city_id = %(city)s AND t.start <= %(today)s
          AND COALESCE(t.actual_end, t.planned_end) > %(today)s
          AND now.to_stage_id IS NOT NULL
    ),
    cells AS (
        SELECT f.building_id, f.chain_id,
               COALESCE(array_agg(h.stage_id) FILTER (WHERE h.stage_id IS NOT NULL), '{}')
                   AS stages
        FROM focus f
        LEFT JOIN housed h ON h.building_id = f.building_id AND h.chain_id = f.chain_id
        GROUP BY f.building_id, f.chain_id
    )
    SELECT ch.name, count(DISTINCT c.building_id),
           %(stage_counts)s,
           count(DISTINCT c.building_id) FILTER (WHERE NOT c.stages @> %(stage_ids)s::bigint[])
    FROM cells c
    JOIN chains_chain ch ON ch.id = c.chain_id
    GROUP BY ROLLUP (ch.name)
    ORDER BY ch.name NULLS LAST
"""

SQL["social-return"] = """
    SELECT r.kind, count(*), sum(r.hours), count(DISTINCT t.creative_id)
    FROM broedplaats_socialreturn r
    JOIN broedplaats_tenancy t ON t.id = r.tenancy_id
    JOIN broedplaats_space s ON s.id = t.space_id
    JOIN broedplaats_building b ON b.id = s.building_id
    WHERE b.city_id = %(city)s AND r."on" BETWEEN %(start)s AND %(end)s
    GROUP BY ROLLUP (r.kind)
    ORDER BY r.kind NULLS LAST
"""

SQL["districts"] = f"""
    WITH {ACTIVE},
    flagged AS (
        SELECT substr(a.postcode, 1, 4) AS district, a.building_id, {RUNNING_TODAY} AS let
        FROM active a
    )
    SELECT district, count(DISTINCT building_id), count(*), count(*) FILTER (WHERE let)
    FROM flagged
    GROUP BY district
    ORDER BY district
"""

SQL["disciplines"] = f"""
    WITH tenants AS (
        SELECT c.discipline_id, count(DISTINCT t.creative_id) AS n
        {CITY_TENANCIES.replace("WHERE", "JOIN chains_creative c ON c.id = t.creative_id WHERE")}
          AND t.start <= %(today)s AND COALESCE(t.actual_end, t.planned_end) > %(today)s
        GROUP BY c.discipline_id
    ),
    waiting AS (
        SELECT c.discipline_id, count(DISTINCT a.creative_id) AS n
        FROM broedplaats_application a
        JOIN broedplaats_building b ON b.id = a.building_id
        JOIN chains_creative c ON c.id = a.creative_id
        WHERE b.city_id = %(city)s AND a.call_id IS NULL AND a.status = ANY(%(waiting)s)
        GROUP BY c.discipline_id
    )
    SELECT d.name, ch.name, COALESCE(tn.n, 0), COALESCE(w.n, 0)
    FROM tenants tn
    FULL JOIN waiting w USING (discipline_id)
    JOIN chains_discipline d ON d.id = discipline_id
    JOIN chains_chain ch ON ch.id = d.chain_id
    ORDER BY ch.name, d.name
"""

SQL["trends"] = f"""
    WITH {ACTIVE},
    lets AS (
        SELECT t.start, COALESCE(t.actual_end, t.planned_end) AS ends
        FROM broedplaats_tenancy t
        JOIN active a ON a.id = t.space_id
        WHERE t.start <= %(end)s AND COALESCE(t.actual_end, t.planned_end) > %(first_quarter)s
    ),
    changes AS (  -- +1 on the first quarter's first day a tenancy holds, -1 on the first after
        SELECT GREATEST(date_trunc('quarter', (start - 1)::timestamp) + interval '3 months',
                        %(first_quarter)s::timestamp) AS quarter, 1 AS n
        FROM lets
        UNION ALL
        SELECT date_trunc('quarter', (ends - 1)::timestamp) + interval '3 months', -1
        FROM lets
    ),
    per_quarter AS (SELECT quarter, sum(n) AS n FROM changes GROUP BY quarter),
    ended AS (
        SELECT date_trunc('quarter', t.actual_end::timestamp) AS quarter, count(*) AS n,
               count(*) FILTER (WHERE t.end_reason IN ('next_stage', 'outflow_to_market'))
                   AS moved_on
        {CITY_TENANCIES}
          AND t.actual_end BETWEEN %(first_quarter)s AND %(end)s
        GROUP BY 1
    )
    SELECT q.quarter::date, sum(COALESCE(p.n, 0)) OVER (ORDER BY q.quarter),
           (SELECT count(*) FROM active), COALESCE(e.n, 0), COALESCE(e.moved_on, 0)
    FROM generate_series(%(first_quarter)s::timestamp,
                         %(first_quarter)s::timestamp + interval '57 months',
                         interval '3 months') AS q(quarter)
    LEFT JOIN per_quarter p ON p.quarter = q.quarter
    LEFT JOIN ended e ON e.quarter = q.quarter
    ORDER BY q.quarter
"""

# Per pair of consecutive steps (A -> B) of the city's pathways: tenancies at A that ended for
# the next stage in the period, and how many of those creatives started at B on or after that
# end and within the pathway's priority (a month counts 31 days, as the rounds count it).
SQL["pathways"] = """
    WITH pairs AS (
        SELECT p.id AS pathway_id, p.name, c.name AS city, p.priority_months, a."order",
               a.building_id AS from_building, b.building_id AS to_building
        FROM broedplaats_pathway p
        JOIN broedplaats_city c ON c.id = p.city_id
        JOIN broedplaats_pathwaystep a ON a.pathway_id = p.id
        JOIN broedplaats_pathwaystep b ON b.pathway_id = p.id AND b."order" = a."order" + 1
        WHERE p.city_id = %(city)s
    )
    SELECT pr.pathway_id, pr."order", l.n_left, l.n_arrived
    FROM pairs pr
    CROSS JOIN LATERAL (  -- a few pairs: each an index probe by building, then by creative
        SELECT count(*) AS n_left,
               count(DISTINCT t.creative_id) FILTER (WHERE EXISTS (
                   SELECT 1 FROM broedplaats_tenancy n
                   JOIN broedplaats_space ns ON ns.id = n.space_id
                   WHERE ns.building_id = pr.to_building AND n.creative_id = t.creative_id
                     AND n.start >= t.actual_end
                     AND n.start - t.actual_end <= pr.priority_months * 31)) AS n_arrived
        FROM broedplaats_space s
        JOIN broedplaats_tenancy t ON t.space_id = s.id
        WHERE s.building_id = pr.from_building AND t.end_reason = 'next_stage'
          AND t.actual_end BETWEEN %(start)s AND %(end)s
    ) l
    ORDER BY pr.city, pr.name, pr.pathway_id, pr."order"
"""


def floor_params(scope, stages) -> dict:
    from django.conf import settings

    from broedplaats.selectors.throughput import WAITING_STATUSES

    # The first of the twenty quarters up to the period's end, in months since year 0.
    first_quarter = scope.end.year * 12 + 3 * ((scope.end.month - 1) // 3) - 57
    return {
        "city": scope.city_ids[0], "today": scope.today, "start": scope.start, "end": scope.end,
        "end_excl": scope.end + timedelta(days=1), "period_days": scope.period_days,
        "first_month": date(scope.start.year, scope.start.month, 1),
        "first_quarter": date(first_quarter // 12, first_quarter % 12 + 1, 1),
        "cohort_first": min(scope.start.year, scope.end.year - 7),
        "cohort_last": scope.end.year,
        "waiting": [str(status) for status in WAITING_STATUSES], "tz": settings.TIME_ZONE,
        "stage_ids": [stage.pk for stage in stages],
    }


def floor_sql(figure: str, stages) -> str:
    sql = SQL[figure]
    if figure == "completeness":  # one count a stage, the stages named as a DBA would
        counts = ",\n           ".join(
            f"count(*) FILTER (WHERE {stage.pk} = ANY(c.stages))" for stage in stages)
        sql = sql.replace("%(stage_counts)s", counts)
    return sql


def run_floor(cursor, sql: str, params: dict) -> list[tuple]:
    cursor.execute(sql, params)
    return cursor.fetchall()


# --- comparing: the key numbers of a figure, from the selector's table and from the floor -------

def share(part, whole):
    return round(100 * part / whole, 1) if whole else None


def drop_empty_rollup(rows: list[tuple], count_index: int) -> list[tuple]:
    """ROLLUP over no rows still gives a total row; the selector shows no rows then."""
    if len(rows) == 1 and not rows[0][count_index]:
        return []
    return rows


def floor_keys(figure: str, rows: list[tuple], params: dict, context: dict) -> list[tuple]:
    """The floor's result as the tuples `selector_keys` gives for the selector's table."""
    if figure == "occupancy":
        return [(n, let, area, let_area)
                for _kind, n, let, area, let_area in drop_empty_rollup(rows, 1)]
    if figure == "occupancy-monthly":
        return [(month, let, area) for month, let, area, spaces in rows if spaces]
    if figure == "vacancy":
        return [(n, days, round(days / n, 1)) for _kind, n, days in drop_empty_rollup(rows, 1)]
    if figure == "longest-vacant":
        return [tuple(row) for row in rows]
    if figure == "demand":
        waiting, calls, spaces, applicants, applied, placed, begun, median, p90 = rows[0]
        return [(waiting,), (calls,), (spaces,), (applicants,),
                (round(applicants / spaces, 1) if spaces else None,), (applied,), (placed,),
                (share(placed, applied),), (begun,), (median,), (p90,)]
    if figure == "waits":
        return [(chain, n, median, p90) for chain, n, median, p90 in drop_empty_rollup(rows, 1)]
    if figure == "time-in-stage":
        return [(chain, n, q1, median, q3) for _order, chain, n, q1, median, q3 in rows]
    if figure == "flows":
        names = context["stage_names"]
        return [(names[stage], context["market"] if to_market else names[next_stage], n)
                for stage, next_stage, to_market, n in rows]
    if figure == "cohorts":
        today, keys = params["today"], []
        for _order, year, entered, *within in rows:
            keys.append((year, entered, *[
                share(n, entered) if date(year + years, 12, 31) <= today else None
                for years, n in zip((1, 2, 3, 5), within, strict=True)]))
        return keys
    if figure == "tenancy-length":
        total, *buckets = rows[0]
        return [(n, share(n, total)) for n in buckets] if total else []
    if figure == "end-reasons":
        from broedplaats.models import EndReason

        counts = dict(rows)
        total = sum(counts.values())
        return [(counts.get(value, 0), share(counts.get(value, 0), total))
                for value, _label in EndReason.choices] if total else []
    if figure == "tenancies":
        ended, moved_on, median, running, renewed, renewals, term, rent = rows[0]
        return [(ended,), (moved_on,), (share(moved_on, ended),), (median,), (running,),
                (renewed,), (renewals,), (term,), (rent,)]
    if figure == "completeness":
        keys = []
        for chain, buildings, *counts, missing in drop_empty_rollup(rows, 1):
            if chain is None:
                counts = [None] * len(counts)
            keys.append((chain, buildings, *counts, buildings - missing, missing))
        return keys
    if figure == "social-return":
        return [(n, hours, tenants) for _kind, n, hours, tenants in drop_empty_rollup(rows, 1)]
    if figure == "districts":
        return [tuple(row) for row in rows]
    if figure == "disciplines":
        return [tuple(row) for row in rows]
    if figure == "trends":
        return [(f"{quarter.year} Q{(quarter.month - 1) // 3 + 1}", share(let, spaces), n,
                 share(moved_on, n)) for quarter, let, spaces, n, moved_on in rows]
    if figure == "pathways":
        return [tuple(row) for row in rows]
    raise KeyError(figure)


def selector_keys(figure: str, table) -> list[tuple]:
    rows = table.rows
    total = [row.get("is_total", False) for row in rows]
    if figure == "occupancy":
        return [(r["spaces"], r["let"], r["area"], r["let_area"]) for r in rows]
    if figure == "occupancy-monthly":
        return [(r["month"], r["let"], r["let_area"]) for r in rows]
    if figure == "vacancy":
        return [(r["spaces"], r["vacancy_days"], r["per_space"]) for r in rows]
    if figure == "longest-vacant":
        return [(r["building"], r["space"], r["area"], r["since"]) for r in rows]
    if figure in ("demand", "tenancies"):
        return [(r["value"],) for r in rows]
    if figure == "waits":
        return [(None if t else r["chain"], r["placed"], r["median"], r["p90"])
                for r, t in zip(rows, total, strict=True)]
    if figure == "time-in-stage":
        return [(None if t else r["chain"], r["spells"], r["q1"], r["median"], r["q3"])
                for r, t in zip(rows, total, strict=True)]
    if figure == "flows":
        return [(r["from"], r["to"], r["moves"]) for r in rows]
    if figure == "cohorts":
        return [(r["year"], r["entered"], r["y1"], r["y2"], r["y3"], r["y5"]) for r in rows]
    if figure in ("tenancy-length", "end-reasons"):
        return [(r["tenancies"], r["share"]) for r in rows]
    if figure == "completeness":
        stage_keys = [c.key for c in table.columns[2:-2]]
        return [(None if t else r["chain"], r["buildings"], *[r[k] for k in stage_keys],
                 r["complete"], r["missing"]) for r, t in zip(rows, total, strict=True)]
    if figure == "social-return":
        return [(r["activities"], r["hours"], r["tenants"]) for r in rows]
    if figure == "districts":
        return [(r["district"], r["buildings"], r["spaces"], r["let"]) for r in rows]
    if figure == "disciplines":
        return [(r["discipline"], r["chain"], r["tenants"], r["waiting"]) for r in rows]
    if figure == "trends":
        return [(r["quarter"], r["occupancy"], r["ended"], r["doorstroming"]) for r in rows]
    if figure == "pathways":
        return [(r["pathway_id"], r["order"], r["left"], r["arrived"]) for r in rows]
    raise KeyError(figure)


def same(a, b) -> bool:
    from decimal import Decimal

    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, (int, float, Decimal)) and isinstance(b, (int, float, Decimal)) \
            and not isinstance(a, bool) and not isinstance(b, bool):
        return abs(float(a) - float(b)) <= TOLERANCE
    return a == b


def differences(expected: list[tuple], got: list[tuple]) -> list[str]:
    if len(expected) != len(got):
        return [f"{len(expected)} rows from the selector, {len(got)} from the floor"]
    found = []
    for index, (row_a, row_b) in enumerate(zip(expected, got, strict=True)):
        if len(row_a) != len(row_b) or not all(map(same, row_a, row_b)):
            found.append(f"row {index}: selector {row_a} floor {row_b}")
    return found


# --- measuring ----------------------------------------------------------------------------------

def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "broedplaats.settings"
    # DEBUG is switched off after start-up: with DEBUG=false from the start the settings would
    # switch on the HTTPS redirect and the manifest static storage.
    os.environ["DEBUG"] = "true"
    sys.path.insert(0, str(ROOT))
    import django
    from django.conf import settings

    django.setup()
    settings.DEBUG = False


def timed(function, *args, **kwargs) -> tuple[float, object]:
    """Milliseconds a call takes, and what it returns."""
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return (time.perf_counter() - start) * 1000, result


def analyze_stale(cursor) -> tuple[list[str], float]:
    """ANALYZE the dashboard's tables whose statistics autovacuum would renew (never analysed,
    or more than 50 + 10 % of their rows changed since); this server runs without it."""
    cursor.execute(
        "SELECT relname FROM pg_stat_user_tables WHERE relname = ANY(%s) AND ("
        "(last_analyze IS NULL AND last_autoanalyze IS NULL) "
        "OR n_mod_since_analyze > 50 + 0.1 * GREATEST(n_live_tup, 0)) ORDER BY relname",
        [list(TABLES)])
    tables = [name for (name,) in cursor.fetchall()]
    start = time.perf_counter()
    for table in tables:
        cursor.execute(f"ANALYZE {table}")
    return tables, time.perf_counter() - start


class SqlTimer:
    """An execute wrapper that adds up the time spent in the database while started: one
    entry in `runs` a start."""

    def __init__(self):
        self.runs, self.active = [], False

    def start(self):
        self.runs.append(0.0)
        self.active = True

    def stop(self):
        self.active = False

    def __call__(self, execute, sql, params, many, context):
        begin = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            if self.active:
                self.runs[-1] += (time.perf_counter() - begin) * 1000


def explain(cursor, sql: str, params: dict | None = None) -> None:
    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
    for (line,) in cursor.fetchall():
        print(f"      {line}")


def measure(options) -> int:
    from django.contrib.auth import get_user_model, user_logged_in
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from django.utils.translation import gettext

    from broedplaats.models import Building, City, StageSpell
    from broedplaats.selectors import throughput as selectors
    from broedplaats.services.throughput import throughput_refresh
    from broedplaats.views.bureau import BUILDINGS_PER_PAGE
    from chains.models import Chain, Stage, StageMove

    if connection.vendor != "postgresql":
        raise SystemExit(f"the floors are PostgreSQL queries; {connection.vendor} given")
    city = City.objects.filter(slug=options.city).first()
    if city is None:
        raise SystemExit(f"no city {options.city!r} in {connection.settings_dict['NAME']}: "
                         f"is the demo seeded?")
    print(f"database {connection.settings_dict['NAME']}: {StageMove.objects.count():,} stage "
          f"moves, {Building.objects.count():,} buildings; city {city.slug}", flush=True)

    # The stage spells are the nightly precompute: rebuilt here when missing, or when they
    # belong to an earlier seed (a reseed with --flush gives the city new ids).
    stale = "empty" if not StageSpell.objects.exists() else "" if StageSpell.objects.filter(
        city=city).exists() else f"from an earlier seed (none of {city.slug})"
    if stale:
        ms, refresh = timed(throughput_refresh)
        print(f"throughput_refresh (the nightly precompute; the stage spells were {stale}): "
              f"{ms / 1000:.1f} s, {refresh.spells:,} spells", flush=True)
    if options.analyze:
        with connection.cursor() as cursor:
            tables, seconds = analyze_stale(cursor)
        if tables:
            print(f"ANALYZE (statistics autovacuum would renew; this server runs without it) of "
                  f"{len(tables)} tables: {seconds:.1f} s", flush=True)

    today = timezone.localdate()  # the page's today
    start, end = selectors.default_period(today)
    scope = selectors.Scope(today=today, start=start, end=end, city_ids=(city.pk,))
    stages = list(Stage.objects.order_by("order"))
    params = floor_params(scope, stages)
    context = {"stage_names": {stage.pk: str(stage) for stage in stages},
               "market": gettext("Market")}
    print(f"scope: {city.name}, {start} - {end} (today {today}); median of {options.repeat} "
          f"timed runs after one warm-up\n", flush=True)

    print(f"{'figure':<19} {'selector':>10} {'(in SQL)':>10} {'floor':>10} {'ratio':>7} "
          f"{'queries':>8} {'rows':>5}")
    results, mismatches, sql_timer = {}, [], SqlTimer()
    for figure in selectors.FIGURES:
        figure = str(figure)
        sql = floor_sql(figure, stages)
        # Warm up both, count the selector's queries, check the floor's numbers.
        with CaptureQueriesContext(connection) as captured:
            selectors.figure_table(figure, scope, suppressed=True)
        queries = list(captured.captured_queries)
        exact = selectors.figure_table(figure, scope, suppressed=False)
        with connection.cursor() as cursor:
            rows = run_floor(cursor, sql, params)
        problems = differences(selector_keys(figure, exact),
                               floor_keys(figure, rows, params, context))
        selector_ms, floor_ms = [], []
        with connection.cursor() as cursor, connection.execute_wrapper(sql_timer):
            for run in range(options.repeat):
                # Taking turns, so a busy moment of the machine falls on both alike.
                order = ("selector", "floor") if run % 2 else ("floor", "selector")
                for which in order:
                    if which == "selector":
                        sql_timer.start()
                        selector_ms.append(timed(selectors.figure_table, figure, scope,
                                                 suppressed=True)[0])
                        sql_timer.stop()
                    else:
                        floor_ms.append(timed(run_floor, cursor, sql, params)[0])
        selector, floor = statistics.median(selector_ms), statistics.median(floor_ms)
        in_sql = statistics.median(sql_timer.runs[-options.repeat:])
        ratio = selector / floor
        results[figure] = {"selector": selector, "floor": floor, "ratio": ratio,
                           "sql": in_sql, "queries": len(queries), "captured": queries,
                           "floor_sql": sql}
        flag = "" if ratio <= FIGURE_TARGET else f"  <- above {FIGURE_TARGET:g}x"
        print(f"{figure:<19} {selector:8.1f}ms {in_sql:8.1f}ms {floor:8.1f}ms {ratio:6.2f}x "
              f"{len(queries):>8} {len(exact.rows):>5}{flag}", flush=True)
        for problem in problems:
            print(f"MISMATCH {figure}: {problem}", flush=True)
        if problems:
            mismatches.append(figure)

    selector_sum = sum(r["selector"] for r in results.values())
    floor_sum = sum(r["floor"] for r in results.values())
    worst = max(results, key=lambda f: results[f]["ratio"])
    sql_sum = sum(r["sql"] for r in results.values())
    print(f"{'sum':<19} {selector_sum:8.1f}ms {sql_sum:8.1f}ms {floor_sum:8.1f}ms "
          f"{selector_sum / floor_sum:6.2f}x {sum(r['queries'] for r in results.values()):>8}")
    print(f"worst figure: {worst} ({results[worst]['ratio']:.2f}x)\n", flush=True)

    if options.explain:
        with connection.cursor() as cursor:
            for figure, result in results.items():
                if result["ratio"] <= FIGURE_TARGET:
                    continue
                slowest = max(result["captured"], key=lambda q: float(q["time"]))
                print(f"EXPLAIN (ANALYZE, BUFFERS), {figure}: its slowest query "
                      f"({float(slowest['time']) * 1000:.0f} ms in the warm-up):")
                print(f"      {slowest['sql']}")
                explain(cursor, slowest["sql"])
                print(f"    the floor of {figure}:")
                explain(cursor, result["floor_sql"], params)
                print(flush=True)

    # The whole page, as the bureau sees it.
    user = get_user_model().objects.filter(username=BUREAU_USER).first()
    if user is None or not user.bureau_cities.filter(pk=city.pk).exists():
        raise SystemExit(f"{BUREAU_USER} is not in {city.slug}'s bureau: the page would show "
                         f"another scope")
    client = Client(HTTP_HOST="127.0.0.1")
    # Read-only: leave the user row alone.
    user_logged_in.disconnect(dispatch_uid="update_last_login")
    client.force_login(user)
    # The chain most of the city's buildings have in their focus.
    chain = (Chain.objects.filter(buildings__city=city, buildings__archived=False)
             .annotate(n=Count("buildings")).order_by("-n", "slug").first())
    buildings = selectors.buildings_in_scope(scope).count()
    multi = user.bureau_cities.count() > 1
    base = {"city": city.slug} if multi else {}
    second = "building table, page 2" if buildings > BUILDINGS_PER_PAGE else \
        f"building table, page 2 (only {buildings} buildings: page 1 again)"
    pages = [("first page", base), (second, {**base, "page": 2}),
             (f"chain={chain.slug}", {**base, "chain": chain.slug})]
    url = "/home/bureau/"
    counts, page_times, page_queries = {}, {}, {}
    for label, query in pages:  # the first page's warm-up, and the queries of each
        with CaptureQueriesContext(connection) as captured:
            page_times[label], response = timed(client.get, url, query)
        if response.status_code != 200:
            raise SystemExit(f"GET {url} {query}: status {response.status_code}")
        counts[label] = len(captured)
        page_queries[label] = list(captured.captured_queries)

    with connection.execute_wrapper(sql_timer):
        first = []
        for _run in range(options.repeat):
            sql_timer.start()
            first.append(timed(client.get, url, base)[0])
            sql_timer.stop()
    page_ms = statistics.median(first)
    page_sql = statistics.median(sql_timer.runs[-options.repeat:])
    page_ratio = page_ms / floor_sum
    print(f"page {url} ({city.slug}, logged in as {BUREAU_USER}):")
    print(f"  first page: {page_ms:.1f} ms (median of {options.repeat}; SQL {page_sql:.1f} ms of "
          f"it), {counts['first page']} queries; sum of the floors {floor_sum:.1f} ms: "
          f"{page_ratio:.2f}x")
    constant = True
    for label, _query in pages[1:]:
        difference = counts[label] - counts["first page"]
        ok = abs(difference) <= QUERY_SLACK
        constant &= ok
        print(f"  {label}: {page_times[label]:.1f} ms (1 run), {counts[label]} queries "
              f"({difference:+d}: {'constant' if ok else 'NOT CONSTANT'})")
    if options.explain:
        print("  the first page's slowest queries (warm-up):")
        for query in sorted(page_queries["first page"], key=lambda q: -float(q["time"]))[:8]:
            print(f"    {float(query['time']) * 1000:7.1f} ms  {query['sql'][:150]}")
    print(f"  targets: figures within {FIGURE_TARGET:g}x: "
          f"{'met' if results[worst]['ratio'] <= FIGURE_TARGET else 'missed'}; page within "
          f"{PAGE_TARGET:g}x: {'met' if page_ratio <= PAGE_TARGET else 'missed'}; queries "
          f"constant: {'yes' if constant else 'no'}")
    if mismatches:
        print(f"MISMATCH: the floors of {', '.join(mismatches)} do not give the selectors' numbers")
    print(f"dashboard: worst_figure_ratio={results[worst]['ratio']:.2f} "
          f"page_ratio={page_ratio:.2f} queries={counts['first page']}")
    client.logout()  # deletes the session row
    return 1 if mismatches else 0


# --- a throwaway database (--seed) --------------------------------------------------------------

def psql(server_url: str, sql: str) -> None:
    subprocess.run(["psql", server_url, "-q", "-c", sql], check=True, capture_output=True)


def seeded_database(database_url: str, scale: int) -> tuple[str, str]:
    """Create, migrate and seed a throwaway database beside `database_url`; return its URL and
    the maintenance URL to drop it from."""
    parts = urlsplit(database_url)
    name = f"bench_dashboard_{os.getpid()}"
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    url = urlunsplit(parts._replace(path=f"/{name}"))
    psql(maintenance, f"CREATE DATABASE {name}")
    today = datetime.now(ZoneInfo("Europe/Amsterdam")).date()  # the page's today
    env = {**os.environ, "DATABASE_URL": url}
    start = time.perf_counter()
    for args in (["migrate", "--no-input", "-v0"],
                 ["seed_demo", "--scale", str(scale), "--today", today.isoformat(), "--quiet"]):
        result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                                capture_output=True, text=True)
        if result.returncode:
            sys.stderr.write(result.stdout + result.stderr)
            psql(maintenance, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            raise SystemExit(f"manage.py {' '.join(args)} failed")
    print(f"seeded {name}: seed_demo --scale {scale} --today {today} in "
          f"{time.perf_counter() - start:.1f} s", flush=True)
    return url, maintenance


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or DEFAULT_URL)
    parser.add_argument("--city", default="amsterdam", help="the city's slug")
    parser.add_argument("--repeat", type=int, default=5,
                        help="timed runs of each figure, floor and page (the median counts)")
    parser.add_argument("--seed", type=int, metavar="N",
                        help="seed_demo --scale N into a throwaway database first (dropped after)")
    parser.add_argument("--explain", action="store_true",
                        help="EXPLAIN (ANALYZE, BUFFERS) the figures above 2x their floor")
    parser.add_argument("--no-analyze", dest="analyze", action="store_false",
                        help="do not ANALYZE tables whose statistics are missing or stale")
    options = parser.parse_args()
    if options.repeat < 1:
        parser.error("--repeat must be at least 1")
    if not options.seed:
        setup_django(options.database_url)
        raise SystemExit(measure(options))
    url, maintenance = seeded_database(options.database_url, options.seed)
    try:
        setup_django(url)
        status = measure(options)
        from django.db import connections

        connections.close_all()
    finally:
        psql(maintenance, f"DROP DATABASE IF EXISTS {urlsplit(url).path[1:]} WITH (FORCE)")
    raise SystemExit(status)


if __name__ == "__main__":
    main()
