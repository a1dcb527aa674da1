"""Benchmark: the public pages, the role pages and the API lists at scale 100 against scale 1, on PostgreSQL.

Two databases on one server, measured in the same run: `bench_pages_1` (`seed_demo --scale 1`)
and `bench_pages_100` (`seed_demo --scale 100`), both `--today 2026-11-24`. The first run
creates, migrates, seeds and analyses them (about 8 minutes, nearly all scale 100); later runs
reuse them: a database is reused when its comment names the same seeding and no migration is
missing from it (one that is missing is applied in place, the rows stay; if that fails, or with
`--reseed`, it is seeded again). `--small-url` and `--large-url` name other databases to read
as they are.

Each page is fetched with Django's test Client over one persistent connection, anonymous or
logged in (`force_login`) as the demo's creative, programmer or city bureau, which exist at
every scale (the programmer runs the same three buildings of unit 0 at both). Once to warm up,
then `--repeat` times in each of `--rounds` rounds that take turns between the databases (a
worker process per database and round); the median counts. Beside the wall-clock time each
request's CPU time is measured: the worker's own (`time.process_time`) plus its PostgreSQL
backend's (`/proc/<pid>/schedstat`, when the server runs on this machine). On a machine other
jobs keep busy the CPU time varies far less than the wall clock. The queries of one request
are counted; they must be equal at both scales. The rows each page shows are printed beside
them (scale 1 has 12 buildings: less than a page).

The city bureau's dashboard reads its city's views computed ahead by the nightly
`refresh_throughput` (the whole city, each chain, discipline or kind of space): the script runs
that command on a database first unless it ran there today, and prints how long it took. It
also runs the nightly `refresh_let_periods` each time (the stored let periods rolled over to
the real today: the pages read the real date, not the seeded one).
Another period is computed on each request over the whole city: printed with its ratio but not
counted in the last line; a building's view (computed on each request too) is counted.

Then, on the large database only, the building list and `/api/spaces/` are timed three ways:
a fresh connection per request (`CONN_MAX_AGE=0`), a persistent one (`CONN_MAX_AGE=60`), and a
persistent one with PostgreSQL's JIT switched back on (`SET jit=on`; the app's connections run
with `jit=off`, see broedplaats/settings.py).

    .venv/bin/python bench/pages.py [--server postgres://postgres@127.0.0.1:5432] [--reseed]
                                    [--small-url URL --large-url URL] [--pages a,b,...]
                                    [--repeat 7] [--rounds 2] [--today 2026-11-24]

Last line: `pages: worst_scale_ratio=<x> worst_page=<name>`: the largest median wall-clock time
at scale 100 over the same page's at scale 1, a list that shows more rows at scale 100 (24
buildings against 12, the dashboard's building table 24 against Amsterdam's 8, the finder's
24 buildings against 10) counted with the rows scale 1 shows (the second table). Target:
every page within 1.5x, the same query count; the exit status is 1 when a query count differs.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
SERVER = "postgres://postgres@127.0.0.1:5432"
SMALL, LARGE = "bench_pages_1", "bench_pages_100"
SCALE_TARGET = 1.5
CREATIVE, PROGRAMMER, BUREAU = "demo-creative", "demo-programmer", "demo-bureau"
# name, path, htmx, user. Placeholders: {building} the first public building with spaces,
# {programmed} the programmer's building with the most spaces, {call} the programmer's call
# with the most applications, {discipline} the demo creative's discipline; the city bureau's
# {chain} the first chain its buildings focus on, {bureau_discipline} that chain's first
# discipline (so the dashboard's building table has rows at both scales).
PAGES = [
    ("building-list", "/", False, None),
    ("building-list-free-now-htmx", "/?free_now=true", True, None),
    ("building-list-page-2", "/?page=2", False, None),
    ("building-detail", "/buildings/{building}/", False, None),
    ("call-list", "/calls/", False, None),
    ("finder", "/finder/?discipline={discipline}&stage=making", False, None),
    ("creative-home", "/home/creative/", False, CREATIVE),
    ("creative-applications", "/me/applications/", False, CREATIVE),
    ("programmer-home", "/home/programmer/", False, PROGRAMMER),
    ("programmer-applicants", "/programmer/applicants/", False, PROGRAMMER),
    ("programmer-applicants-call", "/programmer/applicants/?call={call}", False, PROGRAMMER),
    ("programmer-spaces", "/programmer/buildings/{programmed}/spaces/", False, PROGRAMMER),
    ("programmer-timeline", "/programmer/buildings/{programmed}/tenancies/", False, PROGRAMMER),
    ("programmer-calls", "/programmer/calls/", False, PROGRAMMER),
    ("bureau-home", "/home/bureau/", False, BUREAU),
    ("bureau-home-chain", "/home/bureau/?chain={chain}", False, BUREAU),
    ("bureau-home-building", "/home/bureau/?building={bureau_building}", False, BUREAU),
    ("bureau-home-discipline", "/home/bureau/?discipline={bureau_discipline}", False, BUREAU),
    ("bureau-home-period", "/home/bureau/?start={half_year}", False, BUREAU),
    ("api-buildings", "/api/buildings/", False, None),
    ("api-buildings-free-now", "/api/buildings/?free_now=true", False, None),
    ("api-spaces", "/api/spaces/", False, None),
    ("api-spaces-free-now", "/api/spaces/?free_now=true", False, None),
]
# The dashboard's view the nightly run cannot compute ahead (another period): computed on each
# view over the whole city, so proportional to its rows. Printed, not counted in the last line
# (docs/throughput.md, "Computed ahead").
LIVE_PAGES = {"bureau-home-period"}
CONNECTION_PAGES = ["building-list", "api-spaces"]
# Lists cut into pages (24 rows, the API 50): scale 1 has fewer rows than a page.
LIST_PAGES = [name for name, *_rest in PAGES
              if name.startswith(("building-list", "api-", "bureau-home", "finder"))]


# --- the worker: one database, one process -------------------------------------------------------

def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "broedplaats.settings"
    # DEBUG is switched off after start-up: with DEBUG=false from the start the settings would
    # switch on the HTTPS redirect and the manifest static storage.
    os.environ["DEBUG"] = "true"
    # Hundreds of requests a minute from one address: the throttles would answer 429. The
    # benchmark measures the pages; the throttles' own cost (their cache reads) stays in.
    os.environ["API_THROTTLE_ANON"] = os.environ["API_THROTTLE_USER"] = "1000000/min"
    sys.path.insert(0, str(ROOT))
    import django
    from django.conf import settings

    django.setup()
    settings.DEBUG = False


def placeholders() -> dict[str, str]:
    from django.db.models import Count
    from django.utils import timezone

    from broedplaats.models import Building, Call
    from chains.models import Creative, Discipline

    building = (Building.objects.filter(archived=False, spaces__archived=False)
                .order_by("city__name", "name").values_list("slug", flat=True).first())
    programmed = (Building.objects.filter(programmers__username=PROGRAMMER, archived=False)
                  .annotate(n=Count("spaces")).order_by("-n", "slug")
                  .values_list("slug", flat=True).first())
    call = (Call.objects.filter(building__programmers__username=PROGRAMMER)
            .annotate(n=Count("applications")).order_by("-n", "building__slug", "title")
            .values_list("pk", flat=True).first())
    discipline = (Creative.objects.filter(user__username=CREATIVE)
                  .values_list("discipline__slug", flat=True).first())
    watched = Building.objects.filter(archived=False, city__bureau_members__username=BUREAU)
    chain = (watched.order_by("chain_focus__slug").exclude(chain_focus=None)
             .values_list("chain_focus__slug", flat=True).first())
    bureau_discipline = (Discipline.objects.filter(chain__slug=chain).order_by("slug")
                         .values_list("slug", flat=True).first())
    today = timezone.localdate()
    half_year = date(today.year - (today.month <= 6), (today.month - 7) % 12 + 1, 1)
    return {"building": building, "programmed": programmed, "call": call,
            "discipline": discipline, "chain": chain, "bureau_discipline": bureau_discipline,
            "bureau_building": watched.order_by("name").values_list("slug", flat=True).first(),
            "half_year": half_year.isoformat()}


class BackendClock:
    """CPU time of this connection's PostgreSQL backend, in ms, when it runs on this machine."""

    def __init__(self, connection):
        self.connection = connection

    def __call__(self) -> float | None:
        raw = self.connection.connection
        if raw is None:
            return None
        try:
            with open(f"/proc/{raw.info.backend_pid}/schedstat") as stat:
                return int(stat.read().split()[0]) / 1e6
        except OSError:
            return None


def worker(database_url: str, repeat: int, connections_too: bool, only: list[str],
           same_rows: dict[str, int]) -> dict:
    setup_django(database_url)
    from django.contrib.auth import get_user_model
    from django.db import close_old_connections, connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework.pagination import PageNumberPagination

    from broedplaats.selectors.finder import finder_page
    from broedplaats.views import bureau, public
    from broedplaats.views import finder as finder_view

    pages = [page for page in PAGES if not only or page[0] in only]
    values = placeholders()
    clients = {None: Client()}
    for username in {user for *_page, user in pages if user}:
        clients[username] = Client()
        clients[username].force_login(get_user_model().objects.get(username=username))
    backend = BackendClock(connection)
    page_sizes = (public.BUILDINGS_PER_PAGE, PageNumberPagination.page_size,
                  bureau.BUILDINGS_PER_PAGE)
    last = {}

    def fetch(path: str, htmx: bool, user: str | None) -> tuple[float, float | None]:
        headers = {"HX-Request": "true"} if htmx else {}
        before_backend = backend()
        before_cpu, start = time.process_time(), time.perf_counter()
        # As a server does at the start and end of a request (the test Client does not): drop
        # a connection past CONN_MAX_AGE, and health-check a kept one on its first query.
        close_old_connections()
        response = clients[user].get(path, headers=headers)
        close_old_connections()
        elapsed = (time.perf_counter() - start) * 1000
        cpu = (time.process_time() - before_cpu) * 1000
        after_backend = backend()
        if response.status_code != 200:
            raise SystemExit(f"{path} as {user or 'anonymous'}: status {response.status_code}")
        last["response"] = response
        if before_backend is None or after_backend is None:
            return elapsed, None
        return elapsed, cpu + after_backend - before_backend

    def rows_shown(response) -> int:
        """Rows on the page: an API list's results, the dashboard's building table's rows, a
        page's table rows (less the header)."""
        if response["Content-Type"].startswith("application/json"):
            return len(response.json().get("results", []))
        html = response.content.decode()
        if 'aria-labelledby="finder-' in html:
            return html.count('aria-labelledby="finder-')
        if "building-table" in html:
            table = html[html.index("building-table"):]
            return max(table[:table.find("</table>")].count("<tr") - 1, 0)
        return max(html.count("<tr") - 1, 0)

    def page_size(rows: int | None) -> None:
        """Lists cut to `rows` a page (None: their own page sizes)."""
        public.BUILDINGS_PER_PAGE = rows or page_sizes[0]
        PageNumberPagination.page_size = rows or page_sizes[1]
        bureau.BUILDINGS_PER_PAGE = rows or page_sizes[2]
        finder_view.finder_page = finder_page if not rows else (
            lambda *, per_page_=rows, **kwargs: finder_page(per_page=per_page_, **kwargs))

    def measure(pages, rows_a_page: dict[str, int] | None = None) -> dict:
        connection.settings_dict["CONN_MAX_AGE"] = 60
        times, cpus, queries, rows = {}, {}, {}, {}
        for name, path, htmx, user in pages:
            path = path.format(**values)
            page_size((rows_a_page or {}).get(name))
            fetch(path, htmx, user)  # warms up (and opens the persistent connection)
            measured = [fetch(path, htmx, user) for _ in range(repeat)]
            times[name] = [wall for wall, _cpu in measured]
            cpus[name] = [cpu for _wall, cpu in measured if cpu is not None]
            with CaptureQueriesContext(connection) as captured:
                fetch(path, htmx, user)
            queries[name] = len(captured.captured_queries)
            rows[name] = rows_shown(last["response"])
        page_size(None)
        return {"times": times, "cpu": cpus, "queries": queries, "rows": rows}

    def connections(pages) -> dict[str, dict[str, list[float]]]:
        """Each page a connection per request, a kept one, and a kept one with JIT, taking turns
        request by request (the connections are opened and set outside the timing)."""
        variants = {"fresh": {}, "persistent": {}, "jit": {}}
        for name, path, htmx, user in pages:
            path = path.format(**values)
            for _ in range(repeat):
                for variant, times in variants.items():
                    connection.close()
                    connection.settings_dict["CONN_MAX_AGE"] = 0 if variant == "fresh" else 60
                    if variant != "fresh":
                        connection.ensure_connection()
                        with connection.cursor() as cursor:
                            cursor.execute(f"SET jit = {'on' if variant == 'jit' else 'off'}")
                    times.setdefault(name, []).append(fetch(path, htmx, user)[0])
        connection.close()
        return variants

    result = measure(pages)
    if same_rows:
        result["same_rows"] = measure([page for page in pages if page[0] in same_rows], same_rows)
    if connections_too:
        result.update(connections([page for page in PAGES if page[0] in CONNECTION_PAGES]))
    for client in clients.values():
        client.logout()  # deletes the session row
    return result


def schema_state(database_url: str) -> dict:
    """Migrations on disk missing from the database, and ones it has that are not on disk."""
    setup_django(database_url)
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(connection)
    on_disk, applied = set(loader.disk_migrations), set(loader.applied_migrations)
    return {"missing": len(on_disk - applied), "unknown": len(applied - on_disk)}


# --- the parent ----------------------------------------------------------------------------------

def psql(server_url: str, sql: str) -> str:
    result = subprocess.run(["psql", server_url, "-qAt", "-c", sql], check=True,
                            capture_output=True, text=True)
    return result.stdout.strip()


def run_self(*args: str) -> dict:
    result = subprocess.run([sys.executable, __file__, *args], cwd=ROOT, capture_output=True,
                            text=True)
    if result.returncode:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"bench/pages.py {args[0]} failed")
    return json.loads(result.stdout.strip().splitlines()[-1])


def manage(url: str, *args: str) -> bool:
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True,
                            text=True, env={**os.environ, "DATABASE_URL": url})
    if result.returncode:
        sys.stderr.write(result.stdout[-2000:] + result.stderr[-2000:])
    return result.returncode == 0


def seeded(server: str, name: str, scale: int, today: str, reseed: bool) -> str:
    """The URL of database `name` on `server`, seeded with the demo at `scale` on `today`
    and migrated to the migrations on disk: reused when it already is, else (re)built."""
    maintenance = urlunsplit(urlsplit(server)._replace(path="/postgres"))
    url = urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
    marker = f"seed_demo --scale {scale} --today {today}"
    comment = psql(maintenance, "SELECT coalesce(shobj_description(oid, 'pg_database'), '') "
                                f"FROM pg_database WHERE datname = '{name}'")
    if comment == marker and not reseed:
        state = run_self("--schema", url)
        if not state["missing"] and not state["unknown"]:
            print(f"reusing {name} ({marker})", flush=True)
            return url
        if not state["unknown"] and manage(url, "migrate", "--no-input", "-v0"):
            # A migration may rewrite rows (0013 fills every space): autovacuum is off here.
            psql(url, "VACUUM ANALYZE")
            print(f"reusing {name} ({marker}), {state['missing']} migration(s) applied in "
                  "place", flush=True)
            return url
    start = time.perf_counter()
    psql(maintenance, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    psql(maintenance, f"CREATE DATABASE {name}")
    for args in (["migrate", "--no-input", "-v0"],
                 ["seed_demo", "--scale", str(scale), "--today", today, "--quiet"]):
        if not manage(url, *args):
            psql(maintenance, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            raise SystemExit(f"manage.py {' '.join(args)} failed on {name}")
    # Fresh statistics and visibility map, as autovacuum would leave them on a live server.
    psql(url, "VACUUM ANALYZE")
    psql(maintenance, f"COMMENT ON DATABASE {name} IS '{marker}'")
    print(f"seeded {name}: {marker} in {time.perf_counter() - start:.0f} s", flush=True)
    return url


def computed_ahead(url: str) -> None:
    """Run the nightly jobs on a database: `refresh_let_periods` (cheap, each time: the stored
    let periods rolled over to today) and `refresh_throughput` unless it has run today (the
    dashboard's city views are computed ahead for the day: a run of yesterday is not read)."""
    if not manage(url, "refresh_let_periods"):
        raise SystemExit(f"manage.py refresh_let_periods failed on {url}")
    today = run_self("--today-ahead", url)
    if today["views"]:
        return
    start = time.perf_counter()
    if not manage(url, "refresh_throughput"):
        raise SystemExit(f"manage.py refresh_throughput failed on {url}")
    print(f"nightly refresh_throughput on {urlsplit(url).path[1:]} (spells and "
          f"{run_self('--today-ahead', url)['views']} city views computed ahead) in "
          f"{time.perf_counter() - start:.0f} s", flush=True)


def run_worker(database_url: str, repeat: int, connections_too: bool, only: list[str],
               same_rows: dict[str, int] | None = None) -> dict:
    args = ["--worker", database_url, "--repeat", str(repeat)]
    if connections_too:
        args.append("--connections")
    if only:
        args += ["--pages", ",".join(only)]
    if same_rows:
        args += ["--same-rows", ",".join(f"{name}={rows}" for name, rows in same_rows.items())]
    return run_self(*args)


def merge(runs: list[dict], *keys: str) -> dict[str, float | None]:
    """The median per page over all measured requests of all rounds (`keys`: where in a run)."""
    def part(run):
        for key in keys:
            run = run[key]
        return run

    merged = {}
    for name in part(runs[0]):
        values = [value for run in runs for value in part(run)[name]]
        merged[name] = statistics.median(values) if values else None
    return merged


def cpu_columns(small: float | None, large: float | None) -> str:
    if not small or not large:
        return f"{'-':>7} {'-':>7} {'-':>6}"
    return f"{small:>5.1f}ms {large:>5.1f}ms {large / small:>5.2f}x"


def compare(small_url: str, large_url: str, repeat: int, rounds: int, only: list[str]) -> int:
    connections_too = not only or any(name in only for name in CONNECTION_PAGES)
    small_runs, large_runs, same_rows = [], [], {}
    for round_ in range(rounds):
        small_runs.append(run_worker(small_url, repeat, False, only))
        if not same_rows:
            same_rows = {name: rows for name, rows in small_runs[0]["rows"].items()
                         if name in LIST_PAGES and rows}
        large_runs.append(run_worker(large_url, repeat, connections_too and round_ == rounds - 1,
                                     only, same_rows))
    small, large = merge(small_runs, "times"), merge(large_runs, "times")
    small_cpu, large_cpu = merge(small_runs, "cpu"), merge(large_runs, "cpu")
    small_q, large_q = small_runs[-1]["queries"], large_runs[-1]["queries"]
    small_r, large_r = small_runs[-1]["rows"], large_runs[-1]["rows"]
    header = (f"{'page':<28} {'scale 1':>8} {'scale 100':>9} {'ratio':>6}   {'cpu 1':>7} "
              f"{'cpu 100':>7} {'ratio':>6}  {'queries':>7} {'rows':>8}")
    print(f"\n{header}")
    worst, worst_page, status = 0.0, "", 0
    differ = [name for name in same_rows if large_r.get(name) != small_r[name]]
    if differ:
        cut, cut_cpu = merge(large_runs, "same_rows", "times"), merge(large_runs, "same_rows", "cpu")
    for name in small:
        ratio = large[name] / small[name]
        flags = []
        if name in LIVE_PAGES:
            flags.append("live: not computed ahead, not counted")
        elif ratio > SCALE_TARGET:
            flags.append(f"above {SCALE_TARGET}x")
        if small_q[name] != large_q[name]:
            flags.append("QUERIES DIFFER")
            status = 1
        print(f"{name:<28} {small[name]:>6.1f}ms {large[name]:>7.1f}ms {ratio:>5.2f}x   "
              f"{cpu_columns(small_cpu[name], large_cpu[name])}  "
              f"{small_q[name]:>3}/{large_q[name]:<3} {small_r[name]:>4}/{large_r[name]:<3} "
              f"{' '.join(flags)}")
        # A list that shows more rows at scale 100 counts as cut to the rows of scale 1.
        counted = cut[name] / small[name] if name in differ else ratio
        if counted > worst and name not in LIVE_PAGES:
            worst, worst_page = counted, name
    if differ:
        cut_q, cut_r = large_runs[-1]["same_rows"]["queries"], large_runs[-1]["same_rows"]["rows"]
        print("\nThe lists that show more rows at scale 100, cut there to the rows scale 1 shows:")
        print(header)
        for name in differ:
            print(f"{name:<28} {small[name]:>6.1f}ms {cut[name]:>7.1f}ms "
                  f"{cut[name] / small[name]:>5.2f}x   {cpu_columns(small_cpu[name], cut_cpu[name])}"
                  f"  {small_q[name]:>3}/{cut_q[name]:<3} {small_r[name]:>4}/{cut_r[name]:<3}")
    last = large_runs[-1]
    if "fresh" in last:
        fresh, persistent, jit = (merge([last], key) for key in ("fresh", "persistent", "jit"))
        print(f"\nscale 100, connection and JIT ({repeat} requests each taking turns, median):")
        print(f"{'page':<28} {'fresh':>9} {'persistent':>11} {'persistent+jit':>15}")
        for name in fresh:
            print(f"{name:<28} {fresh[name]:>7.1f}ms {persistent[name]:>9.1f}ms "
                  f"{jit[name]:>13.1f}ms")
    print(f"\npages: worst_scale_ratio={worst:.2f} worst_page={worst_page}")
    return status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default=SERVER, help="PostgreSQL server of the two databases")
    parser.add_argument("--small-url", help=f"scale 1, read as it is (default: {SMALL})")
    parser.add_argument("--large-url", help=f"scale 100, read as it is (default: {LARGE})")
    parser.add_argument("--reseed", action="store_true", help="seed both databases again")
    parser.add_argument("--pages", default="", help="only these pages (names, comma-separated)")
    parser.add_argument("--repeat", type=int, default=7, help="timed requests a page and round")
    parser.add_argument("--rounds", type=int, default=2, help="turns between the databases")
    parser.add_argument("--today", default="2026-11-24", help="the seeded demo's today")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--schema", help=argparse.SUPPRESS)
    parser.add_argument("--today-ahead", help=argparse.SUPPRESS)
    parser.add_argument("--connections", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--same-rows", default="", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.repeat < 1 or options.rounds < 1:
        parser.error("--repeat and --rounds must be at least 1")
    only = [name for name in options.pages.split(",") if name]
    unknown = set(only) - {page[0] for page in PAGES}
    if unknown:
        parser.error(f"unknown pages: {', '.join(sorted(unknown))}")
    if options.schema:
        print(json.dumps(schema_state(options.schema)))
        return
    if options.today_ahead:
        setup_django(options.today_ahead)
        from django.utils import timezone

        from broedplaats.models import FigureSnapshot
        views = FigureSnapshot.objects.filter(on=timezone.localdate(), language="nl").count()
        print(json.dumps({"views": views}))
        return
    if options.worker:
        same_rows = dict(item.split("=") for item in options.same_rows.split(",") if item)
        print(json.dumps(worker(options.worker, options.repeat, options.connections, only,
                                {name: int(rows) for name, rows in same_rows.items()})))
        return
    small = options.small_url or seeded(options.server, SMALL, 1, options.today, options.reseed)
    large = options.large_url or seeded(options.server, LARGE, 100, options.today, options.reseed)
    for url in (small, large):
        computed_ahead(url)
    raise SystemExit(compare(small, large, options.repeat, options.rounds, only))


if __name__ == "__main__":
    main()
