"""Benchmark: the finder (page, htmx results, API) at scale 100 against scale 1, on PostgreSQL.

The same databases and measurement as `bench/pages.py` (which seeds them): each request is
fetched with Django's test Client over a kept connection with the connection handling a server
runs around it, once to warm up and then `--repeat` times in each of `--rounds` rounds taking
turns between the databases; the median counts. CPU time is the worker's own plus its
PostgreSQL backend's. `--per-page N` cuts the results to N buildings a page at both scales
(scale 1 ranks fewer buildings than a page: 10 for the demo creative's discipline in making),
so that both pages show the same number of rows.

    .venv/bin/python bench/finder.py [--small-url URL] [--large-url URL] [--repeat 9]
                                     [--rounds 3] [--per-page N]

Last line: `finder: worst_cpu_ratio=<x> worst_page=<name>`.
"""

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pages import LARGE, SERVER, SMALL, BackendClock, placeholders, setup_django  # noqa: E402

QUERY = "discipline={discipline}&stage=making"
PAGES = [
    ("finder", f"/finder/?{QUERY}", False),
    ("finder-htmx", f"/finder/?{QUERY}", True),
    ("finder-wishes", f"/finder/?{QUERY}&min_area=35&max_area=55&max_rent=300"
                      "&facilities=daylight", False),
    ("api-finder", f"/api/finder/?{QUERY}", False),
]


def worker(database_url: str, repeat: int, per_page: int | None) -> dict:
    setup_django(database_url)
    from django.db import close_old_connections, connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from broedplaats.selectors import finder

    if per_page:
        import broedplaats.api.finder
        import broedplaats.views.finder

        finder_page = finder.finder_page
        for module in (broedplaats.views.finder, broedplaats.api.finder):
            module.finder_page = (
                lambda *, per_page_=per_page, **kwargs: finder_page(per_page=per_page_, **kwargs))
    values = placeholders()
    client, clock = Client(), BackendClock(connection)
    connection.settings_dict["CONN_MAX_AGE"] = 60
    result = {"cpu": {}, "queries": {}, "rows": {}}

    def fetch(path: str, htmx: bool):
        before_backend, before = clock(), time.process_time()
        close_old_connections()
        response = client.get(path, headers={"HX-Request": "true"} if htmx else {})
        close_old_connections()
        if response.status_code != 200:
            raise SystemExit(f"{path}: status {response.status_code}")
        return response, (time.process_time() - before) * 1000 + clock() - before_backend

    for name, path, htmx in PAGES:
        path = path.format(**values)
        fetch(path, htmx)
        result["cpu"][name] = [fetch(path, htmx)[1] for _ in range(repeat)]
        with CaptureQueriesContext(connection) as captured:
            response, _cpu = fetch(path, htmx)
        result["queries"][name] = len(captured.captured_queries)
        result["rows"][name] = (len(response.json()["results"]) if name.startswith("api")
                                else response.content.decode().count('<article aria-labelledby'))
    return result


def run(database_url: str, repeat: int, per_page: int | None) -> dict:
    args = [sys.executable, __file__, "--worker", database_url, "--repeat", str(repeat)]
    if per_page:
        args += ["--per-page", str(per_page)]
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit("worker failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small-url", default=f"{SERVER}/{SMALL}")
    parser.add_argument("--large-url", default=f"{SERVER}/{LARGE}")
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--per-page", type=int, help="buildings a page at both scales")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.worker:
        print(json.dumps(worker(options.worker, options.repeat, options.per_page)))
        return
    small, large = [], []
    for _round in range(options.rounds):
        small.append(run(options.small_url, options.repeat, options.per_page))
        large.append(run(options.large_url, options.repeat, options.per_page))
    print(f"{'page':<16} {'cpu 1':>8} {'cpu 100':>8} {'ratio':>6}  {'queries':>7}  {'rows':>6}")
    worst, worst_page = 0.0, ""
    for name, *_rest in PAGES:
        one = statistics.median(x for run_ in small for x in run_["cpu"][name])
        hundred = statistics.median(x for run_ in large for x in run_["cpu"][name])
        queries = f"{small[-1]['queries'][name]}/{large[-1]['queries'][name]}"
        rows = f"{small[-1]['rows'][name]}/{large[-1]['rows'][name]}"
        print(f"{name:<16} {one:>6.1f}ms {hundred:>6.1f}ms {hundred / one:>5.2f}x  {queries:>7}"
              f"  {rows:>6}")
        if hundred / one > worst:
            worst, worst_page = hundred / one, name
    print(f"\nfinder: worst_cpu_ratio={worst:.2f} worst_page={worst_page}")


if __name__ == "__main__":
    main()
