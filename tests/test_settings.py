"""Production settings come from the environment and pass Django's deployment checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # DJANGO_ALLOW_ASYNC_UNSAFE is set while browser tests run; a deployment never has it.
    dropped = {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {k: v for k, v in os.environ.items() if k not in dropped}
    environment.update(env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=120)


def test_production_settings_pass_check_deploy():
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DEBUG="false", SECRET_KEY="x7#kq" * 12, ALLOWED_HOSTS="broedplaats.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", DEBUG="false", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_postgresql_connections_run_without_jit():
    # The dashboard's aggregates lose 20-40 ms each to JIT compilation (docs/benchmarks.md).
    result = _manage("shell", "-v", "0", "-c",
                     "from django.db import connection\n"
                     "with connection.cursor() as cursor:\n"
                     "    cursor.execute('SHOW jit')\n"
                     "    print('jit', cursor.fetchone()[0])",
                     DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "jit off"


@pytest.mark.django_db
def test_the_system_checks_pass_with_the_database_checks_on_either_database():
    """`runserver` and `migrate` run the model checks against the database too: on SQLite the
    covering index of the running tenancies would warn on every command (models.W040)."""
    call_command("check", "--database", "default", "--fail-level", "WARNING")
