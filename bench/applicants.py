"""Benchmark: the programmer's applicants table with N applicants on one call against 50.

Each size gets a throwaway database of its own (files under /tmp; PostgreSQL databases created
and dropped here), built with the migrations: one city with a policy, one building with a
programmer, one published open call and n applications on that call from n creatives, in a
spread of statuses, disciplines and stages, some with a screening (valid or expired), each with
its status history. n=50 is the baseline, measured in the same run.

The programmer's table (`programmer-applicants`) is fetched with Django's test Client, logged
in as the programmer: first, middle and last page, a status + discipline filter, a screening
filter, the other ordering and an htmx request. Each is fetched once to warm up, to check what
the page shows and to count its queries; then all are timed `--repeat` times, in turn and
alternating between the two sizes (one process holds a connection to each database), so that
a busy moment of the machine falls on every request and both sizes alike. The median counts.

    .venv/bin/python bench/applicants.py [--applicants 5000] [--repeat 15]
                                         [--postgres postgres://postgres@127.0.0.1:5432]

Last line: `applicants n=N sqlite=<ms>ms (x<ratio>) postgresql=<ms>ms (x<ratio>)
queries=<q50>/<qN>`: the median over all measured requests at n=N, its ratio to the same median
at n=50, and the median number of queries a request makes at both sizes.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = 50
RESULT_MARK = "BENCH-RESULT "


# --- the parent: one worker process per database engine ----------------------------------------

def psql(server: str, sql: str) -> None:
    subprocess.run(["psql", f"{server}/postgres", "-q", "-c", sql], check=True,
                   capture_output=True)


def postgres_reachable(server: str) -> bool:
    try:
        psql(server, "SELECT 1")
    except (OSError, subprocess.CalledProcessError):
        return False
    return True


def worker(database_url: str, big_name: str, applicants: int, repeat: int) -> dict:
    """Seed and measure in a fresh process: the settings read DATABASE_URL (the baseline's
    database) once, at start-up; the worker opens the second database itself."""
    # DEBUG is switched off in the worker after start-up (see setup_django).
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "true",
           "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    result = subprocess.run(
        [sys.executable, __file__, "--worker", big_name, "--applicants", str(applicants),
         "--repeat", str(repeat)], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"the worker failed ({database_url}, {big_name})")
    line = next(line for line in reversed(result.stdout.splitlines())
                if line.startswith(RESULT_MARK))
    return json.loads(line[len(RESULT_MARK):])


def run_sqlite(applicants: int, repeat: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        return worker(f"sqlite:///{folder}/n{BASELINE}.sqlite3", f"{folder}/n{applicants}.sqlite3",
                      applicants, repeat)


def run_postgres(server: str, applicants: int, repeat: int) -> dict:
    small, big = (f"bench_applicants_{os.getpid()}_{n}" for n in (BASELINE, applicants))
    psql(server, f"CREATE DATABASE {small}")
    try:
        psql(server, f"CREATE DATABASE {big}")
        try:
            return worker(f"{server}/{small}", big, applicants, repeat)
        finally:
            psql(server, f"DROP DATABASE {big}")
    finally:
        psql(server, f"DROP DATABASE {small}")


def report(name: str, result: dict, applicants: int) -> tuple[float, float, list, list]:
    """Print one database's table; return the medians over all requests and the query counts."""
    small_n, big_n = str(BASELINE), str(applicants)
    seeded = result["seed_s"]
    print(f"\n{name}: seeded n={BASELINE} in {seeded[small_n]:.1f} s, n={applicants} in "
          f"{seeded[big_n]:.1f} s; {result['repeat']} timed runs a request and size")
    print(f"  {'request':<22} {'matches':>11} {'n=' + small_n:>9} {'n=' + big_n:>9}"
          f" {'ratio':>7} {'queries':>9}")
    for label, sizes in result["requests"].items():
        small, big = sizes[small_n], sizes[big_n]
        matches = f"{small['count']}/{big['count']}"
        queries = f"{small['queries']}/{big['queries']}"
        flag = "" if small["queries"] == big["queries"] else "  <- queries differ"
        print(f"  {label:<22} {matches:>11} {small['ms']:7.1f}ms {big['ms']:7.1f}ms"
              f" x{big['ms'] / small['ms']:5.2f} {queries:>9}{flag}")
    print(f"  time in SQL (all queries) and in the slowest query, n={BASELINE} -> n={applicants}:")
    for label, sizes in result["requests"].items():
        small, big = sizes[small_n], sizes[big_n]
        ms, sql = big["slowest"]
        print(f"    {label:<22} all {small['sql_ms']:5.1f} -> {big['sql_ms']:5.1f}ms, "
              f"slowest {small['slowest'][0]:5.1f} -> {ms:5.1f}ms  {sql[:40]}...")
    small_ms = statistics.median(sizes[small_n]["ms"] for sizes in result["requests"].values())
    big_ms = statistics.median(sizes[big_n]["ms"] for sizes in result["requests"].values())
    print(f"  median over the requests: n={BASELINE} {small_ms:.1f}ms, n={applicants} "
          f"{big_ms:.1f}ms, x{big_ms / small_ms:.2f}", flush=True)
    return (small_ms, big_ms, [sizes[small_n]["queries"] for sizes in result["requests"].values()],
            [sizes[big_n]["queries"] for sizes in result["requests"].values()])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applicants", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=15,
                        help="timed runs of each request at each size (the median counts)")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432",
                        help="server URL without database; empty to skip PostgreSQL")
    parser.add_argument("--worker", help=argparse.SUPPRESS)  # the second database's name
    options = parser.parse_args()
    if options.applicants <= BASELINE:
        parser.error(f"--applicants must be above the baseline of {BASELINE}")
    if options.worker:
        result = measure(options.worker, options.applicants, options.repeat)
        print(RESULT_MARK + json.dumps(result))
        return

    runners = [("sqlite", lambda: run_sqlite(options.applicants, options.repeat))]
    if options.postgres and postgres_reachable(options.postgres):
        runners.append(("postgresql",
                        lambda: run_postgres(options.postgres, options.applicants, options.repeat)))
    elif options.postgres:
        print(f"PostgreSQL not reachable at {options.postgres}: skipped")
    parts, queries = {"postgresql": "postgresql=skipped"}, {}
    for name, runner in runners:
        small_ms, big_ms, small_q, big_q = report(name, runner(), options.applicants)
        parts[name] = f"{name}={big_ms:.1f}ms (x{big_ms / small_ms:.2f})"
        queries[name] = (small_q, big_q)
    small_q, big_q = queries["sqlite"]
    for name, (other_small, other_big) in queries.items():
        if other_small != small_q or other_big != big_q:
            print(f"note: {name} makes other query counts than sqlite")
    print(f"\napplicants n={options.applicants} {parts['sqlite']} {parts['postgresql']} "
          f"queries={statistics.median(small_q):g}/{statistics.median(big_q):g}")


# --- the worker: seed both databases, measure the table on each -------------------------------

def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "broedplaats.settings")
    import django
    from django.conf import settings

    django.setup()
    # Production-like rendering: no query log, no template debug information. (Running with
    # DEBUG=false from the start would switch on the HTTPS redirect and the manifest storage.)
    settings.DEBUG = False


def open_second_database(name: str):
    """A connection like the default one to another database, to swap in as "default"."""
    from copy import deepcopy

    from django.db import connections
    from django.db.utils import load_backend

    settings_dict = deepcopy(connections["default"].settings_dict)
    settings_dict["NAME"] = name
    return load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, "default")


def seed(applicants: int):
    """The reference rows through the services, then the applicants with bulk_create.

    Returns the programmer, the call and the plan (one tuple a row: status, discipline slug,
    screening state) to check the counts the page shows against.
    """
    import random
    from datetime import date, timedelta
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import transaction
    from django.utils import timezone

    from broedplaats import notifications, roles
    from broedplaats.demo import CHAINS
    from broedplaats.models import (
        Application,
        ApplicationEvent,
        ApplicationStatus,
        City,
        ClusterType,
        Facility,
        OperatorKind,
        Screening,
        SpaceKind,
    )
    from broedplaats.services import (
        building_create,
        call_create,
        call_publish,
        policy_create,
        space_create,
    )
    from chains.models import Chain, Creative, Discipline, Stage

    S = ApplicationStatus
    rng = random.Random(2026)
    today = timezone.localdate()  # the view filters screenings on the real today
    now = timezone.now()
    with transaction.atomic(), notifications.muted():
        for spec in CHAINS:
            chain = Chain.objects.create(slug=spec.slug, name=spec.name, name_en=spec.name_en,
                                         description=spec.description)
            Discipline.objects.bulk_create(
                Discipline(chain=chain, slug=slug, name=name, name_en=name_en)
                for slug, name, name_en in spec.disciplines)
        city = City.objects.create(name="Benchstad", slug="benchstad")
        policy = policy_create(
            city=city, valid_from=date(2020, 1, 1), valid_to=None,
            income_limit=Decimal("38150.00"), standard_term_months=24, max_renewals=2,
            screening_validity_months=12, max_tenancies_per_creative=1,
            rent_caps={SpaceKind.STUDIO: Decimal("90.00"), SpaceKind.WORKSHOP: Decimal("80.00")})
        programmer = get_user_model().objects.create_user("bench-programmer", "p@example.org")
        programmer.groups.add(Group.objects.get(name=roles.PROGRAMMER))
        focus = list(Chain.objects.filter(slug__in=("visual-arts", "crafts-food")))
        building = building_create(
            city=city, name="De Benchfabriek", slug="de-benchfabriek", address="Werkstraat 1",
            postcode="1012 AB", operator_name="Stichting Ateliers",
            operator_kind=OperatorKind.FOUNDATION, cluster_type=ClusterType.ARTISTS_ZONE,
            chain_focus=focus, programmers=[programmer])
        stages = list(Stage.objects.order_by("order"))
        spaces = [space_create(on=today, building=building, code=f"A{i:02d}", kind=kind,
                               area_m2=Decimal("40.00"), monthly_rent=Decimal("250.00"),
                               stages=stages[1:])
                  for i, kind in enumerate((SpaceKind.STUDIO, SpaceKind.STUDIO,
                                            SpaceKind.WORKSHOP, SpaceKind.WORKSHOP), start=1)]
        call = call_create(
            building=building, spaces=spaces, chains=focus, stages=stages[1:],
            title="Open oproep: vier ateliers", text="De Benchfabriek zoekt makers.",
            opens_on=today - timedelta(weeks=1), closes_on=today + timedelta(weeks=3),
            by=programmer)
        call_publish(call=call, on=today, by=programmer)

        # Most applicants come from the call's chains, a few from elsewhere; some disciplines
        # are far more popular than others.
        focus_disciplines = list(Discipline.objects.filter(chain__in=focus).order_by("slug"))
        other_disciplines = list(Discipline.objects.exclude(chain__in=focus).order_by("slug"))
        focus_weights = [2 ** (len(focus_disciplines) - i) for i in range(len(focus_disciplines))]
        facilities = list(Facility.objects.order_by("code"))
        statuses = [S.SUBMITTED] * 35 + [S.SCREENING] * 10 + [S.ELIGIBLE] * 20 + \
            [S.INELIGIBLE] * 10 + [S.SHORTLISTED] * 15 + [S.WITHDRAWN] * 10
        plan = []
        for _ in range(applicants):
            if rng.random() < 0.9:
                discipline = rng.choices(focus_disciplines, weights=focus_weights)[0]
            else:
                discipline = rng.choice(other_disciplines)
            status = rng.choice(statuses)
            if status in (S.ELIGIBLE, S.INELIGIBLE, S.SHORTLISTED):
                screening = "valid"
            elif status in (S.SUBMITTED, S.SCREENING) and rng.random() < 0.15:
                screening = "expired"  # screened for an earlier call; must be screened again
            else:
                screening = "none"
            plan.append((status, discipline, rng.choice(stages), screening))

        creatives = [Creative(name=f"Maker {i + 1:05d}", discipline=discipline,
                              email=f"maker{i + 1}@example.org")
                     for i, (_, discipline, _, _) in enumerate(plan)]
        for creative in creatives:  # field rules; the database holds keys and constraints
            creative.full_clean(exclude=["discipline"], validate_unique=False,
                                validate_constraints=False)
        Creative.objects.bulk_create(creatives, batch_size=2000)
        creatives = list(Creative.objects.order_by("pk"))

        # Submitted over the week the call has been open, in applicant order.
        week = timedelta(weeks=1)
        applications = [
            Application(
                creative=creative, building=building, call=call, status=status, stage=stage,
                min_area_m2=Decimal(rng.choice((20, 30, 40))), max_area_m2=Decimal("60.00"),
                max_rent=Decimal(rng.choice((250, 300, 400))),
                motivation="Ik zoek een vaste werkplek om mijn praktijk verder uit te bouwen.",
                submitted_at=now - week + week * (i + 1) / (applicants + 1))
            for i, (creative, (status, _, stage, _)) in enumerate(zip(creatives, plan,
                                                                      strict=True))]
        for application in applications:
            application.full_clean(exclude=["creative", "building", "call", "stage"],
                                   validate_unique=False, validate_constraints=False)
        Application.objects.bulk_create(applications, batch_size=2000)
        applications = list(Application.objects.order_by("pk"))
        Application.facilities.through.objects.bulk_create(
            [Application.facilities.through(application=application, facility=facility)
             for application in applications[::3] for facility in rng.sample(facilities, 2)],
            batch_size=2000)

        # Each application's history as the services would have written it.
        paths = {
            S.SUBMITTED: (S.SUBMITTED,), S.SCREENING: (S.SUBMITTED, S.SCREENING),
            S.ELIGIBLE: (S.SUBMITTED, S.ELIGIBLE), S.INELIGIBLE: (S.SUBMITTED, S.INELIGIBLE),
            S.SHORTLISTED: (S.SUBMITTED, S.ELIGIBLE, S.SHORTLISTED),
            S.WITHDRAWN: (S.SUBMITTED, S.WITHDRAWN),
        }
        events, screenings = [], []
        for application, (status, _, _, screening) in zip(applications, plan, strict=True):
            events.append(ApplicationEvent(application=application, to_status=S.DRAFT))
            previous = S.DRAFT
            for step in paths[status]:
                by = None if step in (S.SUBMITTED, S.WITHDRAWN) else programmer
                note = f"Screening of {today - timedelta(days=3)}" \
                    if step in (S.ELIGIBLE, S.INELIGIBLE) else ""
                events.append(ApplicationEvent(application=application, from_status=previous,
                                               to_status=step, by=by, note=note))
                previous = step
            if screening == "none":
                continue
            decided = today - timedelta(days=3 if screening == "valid" else 730)
            eligible = status != S.INELIGIBLE
            screenings.append(Screening(
                creative_id=application.creative_id, city=city, policy=policy,
                professional_practice=True, income_within_limit=eligible, eligible=eligible,
                reasons="" if eligible else "Inkomen boven de grens van het beleid.",
                decided_on=decided, valid_until=decided + timedelta(days=365),
                decided_by=programmer))
        for row in events + screenings:
            row.full_clean(exclude=["application", "by", "creative", "city", "policy",
                                    "decided_by"], validate_unique=False,
                           validate_constraints=False)
        ApplicationEvent.objects.bulk_create(events, batch_size=2000)
        Screening.objects.bulk_create(screenings, batch_size=2000)
    return programmer, call, [(status, discipline.slug, screening)
                              for status, discipline, _, screening in plan]


def requests_to_measure(applicants: int, plan: list) -> list[tuple[str, dict, dict, int]]:
    """(label, GET parameters, headers, applicants the page must say match) for each request."""
    from collections import Counter

    from broedplaats.views.programmer import APPLICANTS_PER_PAGE

    pages = max(1, -(-applicants // APPLICANTS_PER_PAGE))
    popular = Counter(slug for _, slug, _ in plan).most_common(1)[0][0]
    submitted_popular = sum(1 for status, slug, _ in plan
                            if status == "submitted" and slug == popular)
    expired = sum(1 for _, _, screening in plan if screening == "expired")
    return [
        ("first page", {}, {}, applicants),
        ("middle page", {"page": max(1, pages // 2)}, {}, applicants),
        ("last page", {"page": pages}, {}, applicants),
        ("status + discipline", {"status": "submitted", "discipline": popular}, {},
         submitted_popular),
        ("screening=expired", {"screening": "expired"}, {}, expired),
        ("order=-submitted_at", {"order": "-submitted_at"}, {}, applicants),
        ("htmx, page 2", {"page": min(2, pages), "order": "-submitted_at"},
         {"HX-Request": "true"}, applicants),
    ]


def check_page(label: str, response, params: dict, headers: dict, matches: int) -> None:
    """The page says how many applicants match and shows the right slice of them."""
    from broedplaats.views.programmer import APPLICANTS_PER_PAGE

    body = response.content.decode()
    shown = re.search(r'<p class="help">(\d+)', body)
    page = int(params.get("page", 1))
    rows = min(APPLICANTS_PER_PAGE, matches - (page - 1) * APPLICANTS_PER_PAGE)
    problems = []
    if response.status_code != 200:
        problems.append(f"status {response.status_code}")
    if not shown or int(shown.group(1)) != matches:
        problems.append(f"{shown and shown.group(1)} matches shown, {matches} expected")
    if body.count("<tr>") - 1 != rows:  # less the header row
        problems.append(f"{body.count('<tr>') - 1} rows on page {page}, {rows} expected")
    if ("<html" in body) == bool(headers):
        problems.append("a full page for htmx or a fragment without")
    if problems:
        raise SystemExit(f"{label}: " + "; ".join(problems))


def measure(big_name: str, applicants: int, repeat: int) -> dict:
    setup_django()
    import gc
    from contextlib import ExitStack

    from django.core.management import call_command
    from django.db import connection, connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    url = reverse("programmer-applicants")
    databases = {BASELINE: connections["default"], applicants: open_second_database(big_name)}
    seed_s, clients, requests, queries = {}, {}, {}, {}
    for n, database in databases.items():
        connections["default"] = database  # everything, the view included, uses "default"
        call_command("migrate", verbosity=0, interactive=False)
        start = time.perf_counter()
        programmer, _call, plan = seed(n)
        if connection.vendor == "postgresql":
            # Fresh tables have no statistics; autovacuum would gather them within a minute.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        seed_s[n] = time.perf_counter() - start
        clients[n] = Client()
        clients[n].force_login(programmer)
        requests[n] = requests_to_measure(n, plan)
        for label, params, headers, matches in requests[n]:  # warm up, check, count queries
            with CaptureQueriesContext(connection) as captured:
                response = clients[n].get(url, params, headers=headers)
            queries[label, n] = len(captured)
            check_page(f"{label} (n={n})", response, params, headers, matches)
    gc.collect()  # the seeding's garbage is not the page's

    # Each query is timed too, to the microsecond (the query log rounds to the millisecond).
    runs = {key: [] for key in queries}
    timed = []

    def timer(execute, sql, params_, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params_, many, context)
        finally:
            timed.append(((time.perf_counter() - start) * 1000, sql))

    with ExitStack() as stack:
        for database in databases.values():
            stack.enter_context(database.execute_wrapper(timer))
        for run in range(repeat):
            for i in range(len(requests[BASELINE])):
                for n in (BASELINE, applicants) if run % 2 else (applicants, BASELINE):
                    label, params, headers, _matches = requests[n][i]
                    connections["default"] = databases[n]
                    timed.clear()
                    start = time.perf_counter()
                    clients[n].get(url, params, headers=headers)
                    runs[label, n].append(((time.perf_counter() - start) * 1000, list(timed)))
    connections["default"] = databases[BASELINE]
    databases[applicants].close()

    results = {}
    for (label, n), timings in runs.items():
        # Queries come in the same order every run: the median time of each one.
        per_query = [(statistics.median(run[i][0] for _, run in timings), timings[0][1][i][1])
                     for i in range(len(timings[0][1]))]
        results.setdefault(label, {})[n] = {
            "ms": statistics.median(ms for ms, _ in timings),
            "sql_ms": statistics.median(sum(ms for ms, _ in run) for _, run in timings),
            "slowest": max(per_query), "queries": queries[label, n],
            "count": next(m for lbl, _, _, m in requests[n] if lbl == label),
        }
    return {"seed_s": seed_s, "repeat": repeat, "requests": results}


if __name__ == "__main__":
    main()
