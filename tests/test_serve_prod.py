"""scripts/serve-prod: refuses to start without the production settings, and otherwise checks,
migrates, collects the static files and execs gunicorn with the sizes from the environment.

The commands it runs are recorded by a stand-in for Python (PYTHON=...), so the test needs no
collectstatic (seconds) nor a server; docs/deploy.md describes a real start."""

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {"SECRET_KEY": "x7#kq" * 12, "ALLOWED_HOSTS": "broedplaats.example.org",
              "DATABASE_URL": "postgres://broedplaats@db:5432/broedplaats"}


def serve(tmp_path: Path, **env: str | None) -> tuple[subprocess.CompletedProcess, list[str]]:
    log = tmp_path / "commands"
    stand_in = tmp_path / "python"
    stand_in.write_text(f'#!/bin/sh\necho "$*" >> {log}\n')
    stand_in.chmod(0o755)
    keep = {key: value for key, value in os.environ.items() if key in ("PATH", "HOME", "LANG")}
    keep.update({key: value for key, value in env.items() if value is not None})
    result = subprocess.run(["bash", str(ROOT / "scripts/serve-prod")], env={
        **keep, "PYTHON": str(stand_in)}, capture_output=True, text=True, timeout=30)
    return result, log.read_text().splitlines() if log.exists() else []


@pytest.mark.parametrize(("missing", "message"), [
    ({"SECRET_KEY": None}, "SECRET_KEY is not set"),
    ({"DATABASE_URL": None}, "DATABASE_URL is not set"),
    ({"DATABASE_URL": "sqlite:///db.sqlite3"}, "DATABASE_URL is not PostgreSQL"),
    ({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS is not set"),
    ({"DEBUG": "true"}, "DEBUG is on"),
])
def test_serve_prod_refuses_to_start_without_production_settings(tmp_path, missing, message):
    result, commands = serve(tmp_path, **{**PRODUCTION, **missing})
    assert result.returncode == 2
    assert message in result.stderr
    assert commands == []  # nothing checked, migrated or served


def test_serve_prod_checks_migrates_collects_and_serves_with_gunicorn(tmp_path):
    result, commands = serve(tmp_path, **PRODUCTION, GUNICORN_WORKERS="3",
                             GUNICORN_BIND="0.0.0.0:9000", GUNICORN_TIMEOUT="45")
    assert result.returncode == 0, result.stderr
    assert commands[:3] == ["manage.py check --deploy --fail-level WARNING",
                            "manage.py migrate --no-input",
                            "manage.py collectstatic --no-input -v0"]
    gunicorn = commands[3].split()
    assert gunicorn[:3] == ["-m", "gunicorn", "broedplaats.wsgi:application"]
    options = dict(zip(gunicorn[3::2], gunicorn[4::2], strict=False))
    assert (options["--bind"], options["--workers"], options["--timeout"],
            options["--threads"]) == ("0.0.0.0:9000", "3", "45", "1")


def test_serve_prod_defaults_to_two_workers_a_cpu_plus_one_on_localhost(tmp_path):
    result, commands = serve(tmp_path, **PRODUCTION, SERVE_PROD_SKIP_MIGRATE="1")
    assert result.returncode == 0, result.stderr
    assert not any("migrate" in command for command in commands)
    options = dict(zip(commands[-1].split()[3::2], commands[-1].split()[4::2], strict=False))
    assert options["--bind"] == "127.0.0.1:8000"
    assert options["--workers"] == str(2 * len(os.sched_getaffinity(0)) + 1)  # as nproc counts
