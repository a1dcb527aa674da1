"""Benchmark: seed_demo at scale N against scale 1, on SQLite and PostgreSQL.

Each database is a throwaway one (a file under /tmp; a PostgreSQL database created and
dropped here). Scale 1 is the baseline measured in the same run; the ratio says how much one
unit of demo data costs at scale N compared with scale 1 (1.0 = perfectly linear).

    .venv/bin/python bench/seed_demo.py [--scale 100] [--postgres postgres://postgres@127.0.0.1:5432]

Last line: `seed_demo scale=N sqlite=<s>s (x<ratio>) postgresql=<s>s (x<ratio>)`.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TODAY = "2026-11-24"


def manage(database_url: str, *args: str) -> str:
    env = {**os.environ, "DATABASE_URL": database_url}
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, check=True)
    return result.stdout


def psql(server: str, sql: str) -> None:
    subprocess.run(["psql", f"{server}/postgres", "-q", "-c", sql], check=True,
                   capture_output=True)


def seed_seconds(database_url: str, scale: int) -> float:
    manage(database_url, "migrate", "-v0")
    start = time.perf_counter()
    manage(database_url, "seed_demo", "--scale", str(scale), "--today", TODAY, "--quiet")
    return time.perf_counter() - start


def run_sqlite(scale: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        return seed_seconds(f"sqlite:///{folder}/bench.sqlite3", scale)


def run_postgres(server: str, scale: int) -> float:
    name = f"broedplaats_bench_{os.getpid()}"
    psql(server, f"CREATE DATABASE {name}")
    try:
        return seed_seconds(f"{server}/{name}", scale)
    finally:
        psql(server, f"DROP DATABASE {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432",
                        help="server URL without database; empty to skip PostgreSQL")
    options = parser.parse_args()
    results = []
    runners = [("sqlite", run_sqlite)]
    if options.postgres:
        runners.append(("postgresql", lambda scale: run_postgres(options.postgres, scale)))
    for name, runner in runners:
        baseline = runner(1)
        seconds = runner(options.scale)
        ratio = seconds / (baseline * options.scale)
        print(f"{name:<11} scale 1: {baseline:7.1f} s   scale {options.scale}: {seconds:7.1f} s"
              f"   cost per unit vs scale 1: x{ratio:.2f}", flush=True)
        results.append(f"{name}={seconds:.1f}s (x{ratio:.2f})")
    print(f"seed_demo scale={options.scale} " + " ".join(results))


if __name__ == "__main__":
    main()
