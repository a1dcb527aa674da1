"""A real outage: gunicorn serves the app against a PostgreSQL of its own, the server stops
under it and starts again. While it is down a page answers the site's 503 page and the API a
JSON 503, both with Retry-After (never a 500, never a traceback); once it is back the same
gunicorn worker answers 200 again, without a restart (Django drops the broken persistent
connection, CONN_MAX_AGE=60 with CONN_HEALTH_CHECKS).

The throwaway server is initdb'd into a temporary directory, on a free port, and removed at
the end: the shared server the other tests use is never stopped. PostgreSQL refuses to run as
root, so as root it runs as the `postgres` user.
"""

import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(not (PG_BIN / "initdb").exists(), reason=f"no initdb in {PG_BIN}"),
    pytest.mark.skipif(shutil.which("gunicorn", path=str(Path(sys.executable).parent)) is None,
                       reason="gunicorn is not installed"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivatePostgres:
    """A PostgreSQL server in a temporary directory, for this test alone."""

    def __init__(self):
        self.directory = Path(tempfile.mkdtemp(prefix="wtfaults-pg-"))
        self.data = self.directory / "data"
        self.port = free_port()
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            owner = pwd.getpwnam("postgres")
            os.chown(self.directory, owner.pw_uid, owner.pw_gid)

    def run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_postgres else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self.run(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                 "--no-sync", "-E", "UTF8")

    def start(self) -> None:
        self.run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-w", "-l",
                 str(self.directory / "log"), "-o",
                 f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off",
                 "start")

    def stop(self) -> None:
        self.run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-w", "-m", "fast", "stop")

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def remove(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture
def private_postgres():
    server = PrivatePostgres()
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.remove()


def get(url: str, language: str = "en"):
    """(status, headers, body) of a GET, whatever the status."""
    request = urllib.request.Request(url, headers={"Accept-Language": language})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def wait_for(url: str, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "gunicorn exited"
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {seconds} s")


def test_database_down_is_a_503_and_back_is_a_200_without_a_restart(private_postgres):
    database = "wtfaults_down"
    private_postgres.run(str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p",
                         str(private_postgres.port), "-U", "postgres", database)
    env = {**os.environ, "DATABASE_URL": private_postgres.url(database), "DEBUG": "false",
           "SECRET_KEY": "test-only-" + "x" * 50, "ALLOWED_HOSTS": "127.0.0.1",
           "SECURE_SSL_REDIRECT": "false", "CONN_MAX_AGE": "60", "PYTHONPATH": str(ROOT),
           "DJANGO_SETTINGS_MODULE": "tests.served_settings"}
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v0"], cwd=ROOT,
                   env=env, check=True, capture_output=True, timeout=300)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # One sync worker: every request goes to the same process and its persistent connection.
    gunicorn = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "broedplaats.wsgi", "-b", f"127.0.0.1:{port}",
         "-w", "1", "--timeout", "30", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for(f"{base}/healthz", gunicorn)
        assert get(f"{base}/")[0] == 200
        assert get(f"{base}/api/spaces/")[0] == 200

        private_postgres.stop()

        for language, title in (("en", "Unavailable for a moment"), ("nl", None)):
            status, headers, body = get(f"{base}/", language)
            assert status == 503, body[:500]
            assert headers["Retry-After"] == "30"
            assert f'<html lang="{language}">' in body
            if title:
                assert title in body
            assert "Traceback" not in body and "OperationalError" not in body
        status, headers, body = get(f"{base}/api/spaces/")
        assert status == 503, body[:500]
        assert headers["Retry-After"] == "30"
        assert headers["Content-Type"] == "application/json"
        assert json.loads(body) == {
            "detail": "The service is unavailable for a moment. Please try again shortly."}
        assert get(f"{base}/healthz")[0] == 200  # the process itself is fine

        private_postgres.start()

        # The very next requests, to the same worker: no restart, no 500 on the way.
        assert get(f"{base}/")[0] == 200
        assert get(f"{base}/api/spaces/")[0] == 200
        assert gunicorn.poll() is None
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        try:
            _, errors = gunicorn.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            gunicorn.kill()
            _, errors = gunicorn.communicate()
    assert b"Internal Server Error" not in errors, errors.decode()[-3000:]
