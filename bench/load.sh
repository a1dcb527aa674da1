#!/usr/bin/env bash
# Load test: gunicorn against PostgreSQL with the demo at `seed_demo --scale 10`, wrk at 50
# connections on five endpoints, one after the other, each for LOAD_SECONDS:
#
#   floor        /healthz                      no database, no session: the framework's floor
#   building-list /                            the public building list
#   finder       /finder/?discipline=<slug>&stage=making
#   api-spaces   /api/spaces/                  the API's public space list
#   bureau-home  /home/bureau/                 the city bureau's dashboard, logged in as
#                                              demo-bureau (a session made in manage.py shell,
#                                              its cookie passed to wrk)
#
# Prints a table (requests/s, latency, errors per endpoint) and as its last line
#   load: errors=<n> list_vs_floor=<r>
# errors: responses other than 2xx/3xx plus socket errors (connect, read, write, timeout)
# over all endpoints; list_vs_floor: /api/spaces/ requests/s over /healthz requests/s.
# Target: errors=0 and list_vs_floor >= 0.40. Exit status 1 when errors > 0.
#
# The database (LOAD_DB, default bench_load) is seeded when it does not exist or its comment
# does not name the same seeding (as bench/pages.py marks its databases), else reused and
# only migrated. The deployment: LOAD_WORKERS gunicorn workers (default 4, gthread with
# LOAD_THREADS_PER_WORKER threads), CONN_MAX_AGE=60, DEBUG off, Redis as the shared cache
# (LOAD_REDIS_URL, database 6 by default, emptied first; the database cache without one);
# bench/load_settings.py serves static files by their plain names, and the API's throttles
# are raised to 1,000,000/min (50 connections from one address would be throttled at once:
# 120/min anonymous is per IP). The log-in is not posted, so axes sees no attempt.
#
#   bench/load.sh                              60 s an endpoint, scale 10, bench_load
#   LOAD_SECONDS=3 LOAD_SCALE=1 LOAD_DB=x bench/load.sh     the short mode (CI, the test)
#
# Other settings: LOAD_SERVER (postgres://postgres@127.0.0.1:5432), LOAD_CONNECTIONS (50),
# LOAD_WRK_THREADS (2), LOAD_PORT (a free one), PYTHON (.venv/bin/python).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
PY=${PYTHON:-$ROOT/.venv/bin/python}
SERVER=${LOAD_SERVER:-postgres://postgres@127.0.0.1:5432}
DB=${LOAD_DB:-bench_load}
SCALE=${LOAD_SCALE:-10}
DURATION=${LOAD_SECONDS:-60}
CONNECTIONS=${LOAD_CONNECTIONS:-50}
WRK_THREADS=${LOAD_WRK_THREADS:-2}
WORKERS=${LOAD_WORKERS:-4}
THREADS_PER_WORKER=${LOAD_THREADS_PER_WORKER:-2}
PORT=${LOAD_PORT:-$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
MARKER="seed_demo --scale $SCALE (bench/load.sh)"

command -v wrk >/dev/null || { echo "load: wrk is not installed" >&2; exit 2; }
[[ $DB =~ ^[a-z_][a-z0-9_]*$ ]] || { echo "load: LOAD_DB must be a plain name" >&2; exit 2; }

export DATABASE_URL="$SERVER/$DB"
export DJANGO_SETTINGS_MODULE=bench.load_settings
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
export DEBUG=false SECRET_KEY=load-test-only-not-secret-0123456789abcdefghijklmnopqrstuvwxyz
export ALLOWED_HOSTS=127.0.0.1,localhost SECURE_SSL_REDIRECT=false CONN_MAX_AGE=60
export API_THROTTLE_ANON=1000000/min API_THROTTLE_USER=1000000/min LOG_LEVEL=WARNING
# The shared cache as production runs it (docs/deploy.md): Redis, where the throttles count
# and the public lists are kept (broedplaats/api/public_cache.py). Its own database number,
# emptied first; without a Redis on LOAD_REDIS_URL the database cache serves.
REDIS=${LOAD_REDIS_URL:-redis://127.0.0.1:6379/6}
if "$PY" -c 'import sys, redis; redis.Redis.from_url(sys.argv[1]).flushdb()' "$REDIS" 2>/dev/null; then
  export REDIS_URL=$REDIS
fi

psql_at() { psql "$1" -v ON_ERROR_STOP=1 -Atqc "$2"; }
manage() { "$PY" manage.py "$@"; }

# --- the database -------------------------------------------------------------------------------
comment=$(psql_at "$SERVER/postgres" "SELECT coalesce(shobj_description(oid, 'pg_database'), '')
                                      FROM pg_database WHERE datname = '$DB'")
if [[ $comment == "$MARKER" ]]; then
  echo "reusing $DB ($MARKER)"
  manage migrate --no-input -v0
else
  start=$SECONDS
  psql_at "$SERVER/postgres" "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
  psql_at "$SERVER/postgres" "CREATE DATABASE $DB"
  manage migrate --no-input -v0
  manage seed_demo --scale "$SCALE" --quiet
  manage refresh_throughput >/dev/null  # the dashboard reads the city views computed ahead
  psql_at "$DATABASE_URL" "VACUUM ANALYZE"
  psql_at "$SERVER/postgres" "COMMENT ON DATABASE $DB IS '$MARKER'"
  echo "seeded $DB ($MARKER) in $((SECONDS - start)) s"
fi
manage refresh_let_periods >/dev/null  # the stored let periods rolled over to today

# The finder's discipline (the demo creative's) and a session of the city bureau's demo user.
found=$(manage shell -v0 -c '
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
from chains.models import Creative
user = get_user_model().objects.get(username="demo-bureau")
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
discipline = Creative.objects.filter(user__username="demo-creative").values_list(
    "discipline__slug", flat=True).first()
print(discipline, session.session_key)' | tail -1)
read -r DISCIPLINE SESSION <<<"$found"

# --- the deployment ----------------------------------------------------------------------------
LOG=$(mktemp -d)
GUNICORN_PID=
cleanup() {
  if [[ -n $GUNICORN_PID ]] && kill -0 "$GUNICORN_PID" 2>/dev/null; then
    kill -TERM "$GUNICORN_PID" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$GUNICORN_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$GUNICORN_PID" 2>/dev/null || true
  fi
  rm -rf "$LOG"
}
trap cleanup EXIT INT TERM

"$PY" -m gunicorn broedplaats.wsgi -b "127.0.0.1:$PORT" -w "$WORKERS" -k gthread \
  --threads "$THREADS_PER_WORKER" --timeout 60 --keep-alive 5 --graceful-timeout 5 --log-level warning \
  >"$LOG/gunicorn.log" 2>&1 &
GUNICORN_PID=$!
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 150); do
  curl -fsS -o /dev/null "$BASE/healthz" 2>/dev/null && break
  kill -0 "$GUNICORN_PID" 2>/dev/null || { cat "$LOG/gunicorn.log" >&2; exit 1; }
  sleep 0.2
done

echo "serving on $BASE (gunicorn pid $GUNICORN_PID)"
COOKIE="Cookie: sessionid=$SESSION"
ENDPOINTS=(
  "floor|/healthz|"
  "building-list|/|"
  "finder|/finder/?discipline=$DISCIPLINE&stage=making|"
  "api-spaces|/api/spaces/|"
  "bureau-home|/home/bureau/|$COOKIE"
)
# Each page once before it is measured: it must answer 200 (a 302 to the log-in would pass as
# a 3xx in wrk's count), and the workers warm up.
for entry in "${ENDPOINTS[@]}"; do
  IFS='|' read -r name path header <<<"$entry"
  status=$(curl -sS -o /dev/null -w '%{http_code}' ${header:+-H "$header"} "$BASE$path")
  [[ $status == 200 ]] || { echo "load: $name ($path) answered $status" >&2; exit 1; }
done

total_errors=0
declare -A RPS
printf '\n%-14s %10s %10s %10s %8s %8s\n' endpoint "req/s" "avg lat" "p99 lat" non2xx socket
for entry in "${ENDPOINTS[@]}"; do
  IFS='|' read -r name path header <<<"$entry"
  out=$(wrk -t "$WRK_THREADS" -c "$CONNECTIONS" -d "${DURATION}s" --timeout 10s --latency \
    ${header:+-H "$header"} "$BASE$path")
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' <<<"$out")
  socket=$(awk -F'[ ,]+' '/Socket errors:/ {print $4 + $6 + $8 + $10}' <<<"$out")
  avg=$(awk '$1 == "Latency" {print $2; exit}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  non2xx=${non2xx:-0} socket=${socket:-0}
  RPS[$name]=${rps:-0}
  total_errors=$((total_errors + non2xx + socket))
  printf '%-14s %10s %10s %10s %8s %8s\n' "$name" "${rps:-?}" "${avg:-?}" "${p99:-?}" \
    "$non2xx" "$socket"
done
if grep -q "Internal Server Error\|Traceback" "$LOG/gunicorn.log"; then
  echo "load: the server logged errors:" >&2
  tail -20 "$LOG/gunicorn.log" >&2
fi
ratio=$(awk -v a="${RPS[api-spaces]}" -v f="${RPS[floor]}" \
  'BEGIN {printf "%.2f", (f > 0 ? a / f : 0)}')
echo "deployment: gunicorn $WORKERS workers x $THREADS_PER_WORKER threads (gthread), CONN_MAX_AGE=60," \
  "cache ${REDIS_URL:-database};" \
  "wrk $WRK_THREADS threads, $CONNECTIONS connections, ${DURATION} s an endpoint; $DB ($MARKER)"
echo "load: errors=$total_errors list_vs_floor=$ratio"
[[ $total_errors -eq 0 ]]
