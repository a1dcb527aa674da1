"""Benchmark: the public pages and the API lists at scale 100 against scale 1, on PostgreSQL.

Two databases, measured in the same run: `--small-url` (by default a throwaway database
seeded here with `seed_demo --scale 1`, dropped at the end) and `--large-url` (by default
`helper_d_scale`, which holds `seed_demo --scale 100`; only read). Each page is fetched with
Django's test Client, anonymous, over one persistent connection (so the figures are the page's
own work, not connecting): once to warm up, then `--repeat` times in each of `--rounds`
rounds that take turns between the databases (a worker process per database and round), and
the median counts. The queries of one request are counted; they must be equal at both scales.
The rows each page shows are printed beside them (scale 1 has 12 buildings: less than a page).

Then, on the large database only, `/api/buildings/` and `/api/spaces/` are timed three ways:
a fresh connection per request (`CONN_MAX_AGE=0`, Django's default), a persistent one
(`CONN_MAX_AGE=60`), and a persistent one with PostgreSQL's JIT switched back on (`SET jit=on`;
the app's connections run with `jit=off`, see broedplaats/settings.py).

    .venv/bin/python bench/pages.py [--small-url postgres://...] [--large-url postgres://...]
                                    [--repeat 7] [--rounds 2] [--today 2026-11-24]

Role pages (programmer, creative, bureau homes) are not measured yet.

Last line: `pages: worst_scale_ratio=<x> worst_page=<name>`: the largest median time at scale
100 over the same page's at scale 1. Target: every page within 1.5x, the same query count.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
LARGE_URL = "postgres://postgres@127.0.0.1:5432/helper_d_scale"
SCALE_TARGET = 1.5
# name, path, htmx; "{building}" is the first building of the list that has spaces.
PAGES = [
    ("building-list", "/", False),
    ("building-list-free-now-htmx", "/?free_now=true", True),
    ("building-list-page-2", "/?page=2", False),
    ("building-detail", "/buildings/{building}/", False),
    ("call-list", "/calls/", False),
    ("api-buildings", "/api/buildings/", False),
    ("api-buildings-free-now", "/api/buildings/?free_now=true", False),
    ("api-spaces", "/api/spaces/", False),
    ("api-spaces-free-now", "/api/spaces/?free_now=true", False),
]
CONNECTION_PAGES = ["api-buildings", "api-spaces"]


# --- the worker: one database, one process -------------------------------------------------------

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


def worker(database_url: str, repeat: int, connections_too: bool) -> dict:
    setup_django(database_url)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from broedplaats.models import Building

    building = (Building.objects.filter(archived=False, spaces__archived=False)
                .order_by("city__name", "name").values_list("slug", flat=True).first())
    client = Client()

    last = {}

    def fetch(path: str, htmx: bool) -> float:
        headers = {"HX-Request": "true"} if htmx else {}
        start = time.perf_counter()
        response = client.get(path, headers=headers)
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{path}: status {response.status_code}")
        last["response"] = response
        return elapsed

    def rows_shown(response) -> int:
        """Rows on the page: an API list's results, a page's table rows (less the header)."""
        if response["Content-Type"].startswith("application/json"):
            return len(response.json().get("results", []))
        return max(response.content.decode().count("<tr") - 1, 0)

    def measure(pages, max_age: int, jit: bool | None = None) -> tuple[dict, dict]:
        connection.close()
        connection.settings_dict["CONN_MAX_AGE"] = max_age
        times, queries = {}, {}
        rows.clear()
        for name, path, htmx in pages:
            path = path.format(building=building)
            if jit is not None:
                fetch(path, htmx)  # opens the persistent connection
                with connection.cursor() as cursor:
                    cursor.execute(f"SET jit = {'on' if jit else 'off'}")
            fetch(path, htmx)
            times[name] = [fetch(path, htmx) for _ in range(repeat)]
            with CaptureQueriesContext(connection) as captured:
                fetch(path, htmx)
            queries[name] = len(captured.captured_queries)
            rows[name] = rows_shown(last["response"])
        connection.close()
        return times, queries

    rows = {}
    times, queries = measure(PAGES, max_age=60)
    result = {"times": times, "queries": queries, "rows": dict(rows)}
    if connections_too:
        pages = [page for page in PAGES if page[0] in CONNECTION_PAGES]
        result["fresh"] = measure(pages, max_age=0)[0]
        result["persistent"] = measure(pages, max_age=60, jit=False)[0]
        result["jit"] = measure(pages, max_age=60, jit=True)[0]
    return result


# --- the parent ----------------------------------------------------------------------------------

def psql(server_url: str, sql: str) -> None:
    subprocess.run(["psql", server_url, "-q", "-c", sql], check=True, capture_output=True)


def seeded_database(large_url: str, today: str) -> tuple[str, str]:
    """Create, migrate and seed a throwaway scale-1 database beside `large_url`; return its URL
    and the maintenance URL to drop it from."""
    parts = urlsplit(large_url)
    name = f"bench_pages_{os.getpid()}"
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    url = urlunsplit(parts._replace(path=f"/{name}"))
    psql(maintenance, f"CREATE DATABASE {name}")
    env = {**os.environ, "DATABASE_URL": url}
    start = time.perf_counter()
    for args in (["migrate", "--no-input", "-v0"],
                 ["seed_demo", "--scale", "1", "--today", today, "--quiet"]):
        result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                                capture_output=True, text=True)
        if result.returncode:
            sys.stderr.write(result.stdout + result.stderr)
            psql(maintenance, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            raise SystemExit(f"manage.py {' '.join(args)} failed")
    print(f"seeded {name}: seed_demo --scale 1 --today {today} in "
          f"{time.perf_counter() - start:.1f} s", flush=True)
    return url, maintenance


def run_worker(database_url: str, repeat: int, connections_too: bool) -> dict:
    args = [sys.executable, __file__, "--worker", database_url, "--repeat", str(repeat)]
    if connections_too:
        args.append("--connections")
    result = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
    if result.returncode:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit("worker failed")
    return json.loads(result.stdout.strip().splitlines()[-1])


def merge(runs: list[dict], key: str) -> dict[str, float]:
    """The median per page over all timed requests of all rounds."""
    pages = runs[0][key]
    return {name: statistics.median([t for run in runs for t in run[key][name]])
            for name in pages}


def compare(small_url: str, large_url: str, repeat: int, rounds: int) -> int:
    small_runs, large_runs = [], []
    for round_ in range(rounds):
        small_runs.append(run_worker(small_url, repeat, connections_too=False))
        large_runs.append(run_worker(large_url, repeat, connections_too=round_ == rounds - 1))
    small, large = merge(small_runs, "times"), merge(large_runs, "times")
    small_q, large_q = small_runs[-1]["queries"], large_runs[-1]["queries"]
    small_r, large_r = small_runs[-1]["rows"], large_runs[-1]["rows"]
    print(f"\n{'page':<30} {'scale 1':>9} {'scale 100':>10} {'ratio':>6} {'queries':>8} "
          f"{'rows':>8}")
    worst, worst_page, status = 0.0, "", 0
    for name, _path, _htmx in PAGES:
        ratio = large[name] / small[name]
        flags = []
        if ratio > SCALE_TARGET:
            flags.append(f"above {SCALE_TARGET}x")
        if small_q[name] != large_q[name]:
            flags.append("QUERIES DIFFER")
            status = 1
        print(f"{name:<30} {small[name]:>7.1f}ms {large[name]:>8.1f}ms {ratio:>5.2f}x "
              f"{small_q[name]:>4}/{large_q[name]:<3} {small_r[name]:>4}/{large_r[name]:<3} "
              f"{' '.join(flags)}")
        if ratio > worst:
            worst, worst_page = ratio, name
    last = large_runs[-1]
    fresh, persistent, jit = (merge([last], key) for key in ("fresh", "persistent", "jit"))
    print(f"\nscale 100, connection and JIT ({repeat} requests each, median):")
    print(f"{'page':<30} {'fresh':>9} {'persistent':>11} {'persistent+jit':>15}")
    for name in CONNECTION_PAGES:
        print(f"{name:<30} {fresh[name]:>7.1f}ms {persistent[name]:>9.1f}ms "
              f"{jit[name]:>13.1f}ms")
    print(f"\npages: worst_scale_ratio={worst:.2f} worst_page={worst_page}")
    return status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small-url", help="scale 1 (default: seeded into a throwaway database)")
    parser.add_argument("--large-url", default=LARGE_URL, help="scale 100 (only read)")
    parser.add_argument("--repeat", type=int, default=7, help="timed requests a page and round")
    parser.add_argument("--rounds", type=int, default=2, help="turns between the databases")
    parser.add_argument("--today", default="2026-11-24", help="the seeded demo's today")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--connections", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.repeat < 1 or options.rounds < 1:
        parser.error("--repeat and --rounds must be at least 1")
    if options.worker:
        print(json.dumps(worker(options.worker, options.repeat, options.connections)))
        return
    if options.small_url:
        raise SystemExit(compare(options.small_url, options.large_url, options.repeat,
                                 options.rounds))
    url, maintenance = seeded_database(options.large_url, options.today)
    try:
        status = compare(url, options.large_url, options.repeat, options.rounds)
    finally:
        psql(maintenance, f"DROP DATABASE IF EXISTS {urlsplit(url).path[1:]} WITH (FORCE)")
    raise SystemExit(status)


if __name__ == "__main__":
    main()
