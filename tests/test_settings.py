"""Production settings come from the environment and pass Django's deployment checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args: str, **env: str | None) -> subprocess.CompletedProcess:
    # DJANGO_ALLOW_ASYNC_UNSAFE is set while browser tests run; a deployment never has it.
    # A variable given as None is unset.
    dropped = {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", *(k for k, v in env.items() if v is None)}
    environment = {k: v for k, v in os.environ.items() if k not in dropped}
    environment.update({k: v for k, v in env.items() if v is not None})
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


# --- production stack (issue 11): docs/deploy.md -------------------------------------------------

PRODUCTION = {"DEBUG": "false", "SECRET_KEY": "x7#kq" * 12,
              "ALLOWED_HOSTS": "broedplaats.example.org"}
S3 = {"MEDIA_S3_BUCKET": "broedplaats-media", "MEDIA_S3_ENDPOINT_URL": "https://s3.example.org",
      "MEDIA_S3_REGION": "nl-ams", "MEDIA_S3_ACCESS_KEY_ID": "key",
      "MEDIA_S3_SECRET_ACCESS_KEY": "secret"}
REPLICA = {"DATABASE_URL": "postgres://app@db-primary:5432/broedplaats",
           "DATABASE_REPLICA_URL": "postgres://reader@db-replica:5432/broedplaats"}
SHOW_SETTINGS = (
    "import json\n"
    "from django.conf import settings as s\n"
    "print(json.dumps({'middleware': s.MIDDLEWARE[:2], 'storages': s.STORAGES,\n"
    "    'databases': {alias: {key: db.get(key) for key in ('HOST', 'CONN_MAX_AGE',\n"
    "        'CONN_HEALTH_CHECKS', 'TEST', 'OPTIONS')} for alias, db in s.DATABASES.items()},\n"
    "    'routers': s.DATABASE_ROUTERS, 'email': [s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT,\n"
    "        s.EMAIL_USE_TLS, s.EMAIL_HOST_USER]}))"
)


def _settings(**env: str | None) -> dict:
    import json

    result = _manage("shell", "-v", "0", "-c", SHOW_SETTINGS, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_with_s3_media_and_a_replica_passes_check_deploy():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION, **S3,
                     **REPLICA)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_serves_hashed_compressed_static_files_and_s3_media_of_safe_types():
    production = _settings(**PRODUCTION, **S3, **REPLICA,
                           EMAIL_URL="smtp+tls://mailer:pw@smtp.example.org:587")
    assert production["middleware"] == ["django.middleware.security.SecurityMiddleware",
                                        "whitenoise.middleware.WhiteNoiseMiddleware"]
    assert production["storages"]["staticfiles"]["BACKEND"] == (
        "broedplaats.storage.ProductionStaticFilesStorage")
    media = production["storages"]["default"]
    assert media["BACKEND"] == "broedplaats.storage.SafeS3Storage"
    assert {key: media["OPTIONS"][key] for key in (
        "bucket_name", "endpoint_url", "region_name", "querystring_auth", "file_overwrite")} == {
        "bucket_name": "broedplaats-media", "endpoint_url": "https://s3.example.org",
        "region_name": "nl-ams", "querystring_auth": True, "file_overwrite": False}
    # Persistent connections by default in production, checked before each request's reuse.
    default, replica = production["databases"]["default"], production["databases"]["replica"]
    assert (default["CONN_MAX_AGE"], default["CONN_HEALTH_CHECKS"]) == (60, True)
    assert replica["HOST"] == "db-replica" and replica["TEST"]["MIRROR"] == "default"
    assert replica["OPTIONS"] == {"options": "-c jit=off"}
    assert production["routers"] == ["broedplaats.db_router.ReplicaRouter"]
    assert production["email"] == ["django.core.mail.backends.smtp.EmailBackend",
                                   "smtp.example.org", 587, True, "mailer"]


def test_development_needs_no_collectstatic_no_bucket_and_no_replica():
    development = _settings(DEBUG=None, CONN_MAX_AGE=None, DATABASE_REPLICA_URL=None,
                            MEDIA_S3_BUCKET=None, EMAIL_URL=None)
    assert development["storages"] == {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    assert list(development["databases"]) == ["default"]
    assert development["databases"]["default"]["CONN_MAX_AGE"] == 0
    assert development["email"][0] == "django.core.mail.backends.console.EmailBackend"


def test_conn_max_age_from_the_environment_wins_in_production():
    assert _settings(**PRODUCTION, CONN_MAX_AGE="0")["databases"]["default"]["CONN_MAX_AGE"] == 0
