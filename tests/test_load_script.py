"""bench/load.sh in its short mode (LOAD_SECONDS=3, LOAD_SCALE=1): it seeds or reuses its
database, serves the app with gunicorn, runs wrk on every endpoint, stops by itself, leaves no
gunicorn behind, and ends with `load: errors=0 list_vs_floor=<r>`.

PostgreSQL only (the script's database is one), and only where wrk is installed. The database
is `<the test run's database>_load1`, seeded on the first run (about a minute) and reused.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed"),
    pytest.mark.skipif(shutil.which("psql") is None, reason="psql is not installed"),
]

LAST_LINE = re.compile(r"^load: errors=(\d+) list_vs_floor=(\d+\.\d\d)$")


def test_the_short_load_run_ends_with_no_errors_and_its_summary_line():
    url = urlsplit(os.environ["DATABASE_URL"])
    database = f"{url.path.lstrip('/')}_load1"
    env = {**os.environ, "PYTHON": sys.executable, "LOAD_SECONDS": "3", "LOAD_SCALE": "1",
           "LOAD_DB": database, "LOAD_SERVER": f"{url.scheme}://{url.netloc}",
           "LOAD_WORKERS": "2"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(["bash", "bench/load.sh"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=600)
    output = result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    match = LAST_LINE.match(lines[-1]) if lines else None
    assert match, output[-3000:]
    assert match.group(1) == "0", output[-3000:]
    assert result.returncode == 0, output[-3000:]
    for name in ("floor", "building-list", "finder", "api-spaces", "bureau-home"):
        rate = re.search(rf"^{name}\s+(\d+\.\d+)", result.stdout, re.M)
        assert rate and float(rate.group(1)) > 0, (name, output[-3000:])
    # The trap stopped gunicorn on the way out.
    pid = int(re.search(r"gunicorn pid (\d+)", result.stdout).group(1))
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
