"""docs/deploy.md, "Backup and restore": a custom-format pg_dump of the database, restored with
pg_restore into a new database, gives the city bureau the same throughput figures.

PostgreSQL only, and skipped when pg_dump or pg_restore is missing. The demo (seed_demo,
scale 1) is seeded into the test database, dumped, restored into `<test database>_restore`
(dropped after), and the figures of a city are computed by the same code from each."""

import json
import os
import shutil
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connections

ROOT = Path(__file__).resolve().parent.parent
TODAY = "2026-03-02"
FIGURES = ("occupancy", "occupancy-monthly", "vacancy", "demand", "waits", "time-in-stage",
           "flows", "cohorts", "completeness", "tenancies", "end-reasons", "tenancy-length",
           "districts", "disciplines")
# The figures of each city, computed live (not read from the views computed ahead).
FIGURES_AS_JSON = f"""
import json
from datetime import date
from broedplaats.models import City, Figure
from broedplaats.selectors import throughput as t
today = date.fromisoformat({TODAY!r})
start, end = t.default_period(today)
out = {{}}
for city in City.objects.order_by("slug"):
    scope = t.Scope(today=today, start=start, end=end, city_ids=(city.pk,))
    out[city.slug] = {{code: t.FIGURES[Figure(code)](scope).rows for code in {FIGURES!r}}}
print(json.dumps(out, default=str, sort_keys=True))
"""


def binary(name: str) -> str | None:
    return shutil.which(name) or next(
        (str(path) for path in [Path("/usr/lib/postgresql/15/bin") / name] if path.exists()),
        None)


def figures_of(url: str) -> dict:
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", FIGURES_AS_JSON],
        cwd=ROOT, env={**environment, "DATABASE_URL": url, "DATABASE_REPLICA_URL": ""},
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def libpq(settings_dict: dict, name: str) -> tuple[list[str], str]:
    """pg_* connection options and a DATABASE_URL for database `name` on the same server."""
    host, port = settings_dict["HOST"] or "127.0.0.1", str(settings_dict["PORT"] or 5432)
    user, password = settings_dict["USER"] or "postgres", settings_dict["PASSWORD"] or ""
    auth = f"{user}:{password}@" if password else f"{user}@"
    return (["--host", host, "--port", port, "--username", user],
            f"postgres://{auth}{host}:{port}/{name}")


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_restored_dump_gives_the_same_throughput_figures(tmp_path):
    pg_dump, pg_restore = binary("pg_dump"), binary("pg_restore")
    if not (pg_dump and pg_restore):
        pytest.skip("pg_dump or pg_restore is not installed")
    call_command("seed_demo", "--scale", "1", "--today", TODAY, "--quiet", stdout=StringIO())
    settings_dict = connections["default"].settings_dict
    source = settings_dict["NAME"]
    restored = f"{source}_restore"
    options, source_url = libpq(settings_dict, source)
    _options, restored_url = libpq(settings_dict, restored)
    environment = {**os.environ, **({"PGPASSWORD": settings_dict["PASSWORD"]}
                                    if settings_dict["PASSWORD"] else {})}
    dump = tmp_path / "broedplaats.dump"

    def psql_admin(sql: str) -> None:
        with connections["default"].cursor() as cursor:
            cursor.execute(sql)

    psql_admin(f'DROP DATABASE IF EXISTS "{restored}"')
    try:
        subprocess.run([pg_dump, *options, "--format=custom", "--file", str(dump), source],
                       env=environment, check=True, capture_output=True, timeout=120)
        psql_admin(f'CREATE DATABASE "{restored}"')
        subprocess.run([pg_restore, *options, "--no-owner", "--exit-on-error",
                        "--dbname", restored, str(dump)],
                       env=environment, check=True, capture_output=True, timeout=120)
        before, after = figures_of(source_url), figures_of(restored_url)
    finally:
        psql_admin(f'DROP DATABASE IF EXISTS "{restored}"')
    assert before == after
    # Not two empty answers: the demo's cities have tenants, waits and moves along the chain.
    assert before and all(before[city]["occupancy"] for city in before)
    assert any(before[city]["waits"] and before[city]["flows"] and before[city]["time-in-stage"]
               for city in before)
