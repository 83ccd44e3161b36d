#!/usr/bin/env bash
# Install what the tests need, lint, and run the whole suite twice: on SQLite, then on
# PostgreSQL, each spread over TEST_WORKERS (default 2) pytest-xdist workers.
#   - Python and front-end packages (scripts/setup.sh --test)
#   - Chromium and a CJK font from Debian's packages when missing (browser tests), faketime
#   - a PostgreSQL server from Debian's packages when missing, started here on a free local
#     port in a throw-away directory and stopped at the end
#   - a Redis server (the shared cache) likewise, and nginx (the deployment test starts its own)
# Extra arguments go to pytest (e.g. scripts/test.sh -k calendar). TEST_DB=sqlite|postgresql
# runs one database only.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_install() {
  if [ "$(id -u)" != 0 ]; then
    echo "test: please install Debian packages: $* (needs root)" >&2; exit 1
  fi
  if [ -z "${APT_UPDATED:-}" ]; then apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

scripts/setup.sh --test

# the browser tests drive Chromium's headless shell (Debian's chromium-headless-shell: the same
# Blink and V8 without the desktop browser around them, a third less CPU per page — the suite is
# CPU-bound on two cores); CHROMIUM=/usr/bin/chromium runs them in the full browser instead
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium-headless-shell}"
if [ ! -x "$CHROMIUM" ]; then
  echo "test: installing Chromium's headless shell from Debian's packages"
  apt_install chromium-headless-shell
fi
if ! fc-list 2>/dev/null | grep -qi "cjk\|wenquanyi\|droid sans fallback"; then
  echo "test: installing a CJK font (screenshots show Chinese)"
  apt_install fonts-wqy-microhei fontconfig
fi
if ! command -v pdftotext >/dev/null; then
  echo "test: installing poppler-utils (the brief's PDF is read back with pdftotext)"
  apt_install poppler-utils
fi

if ! command -v faketime >/dev/null; then
  echo "test: installing faketime (the one clock is tested at 23:30 UTC)"
  apt_install faketime
fi

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ "${TEST_DB:-all}" != sqlite ] && [ -z "$PG_BIN" ]; then
  echo "test: installing PostgreSQL from Debian's packages"
  apt_install postgresql
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi

PG_DIR=""
cleanup() {
  if [ -n "$PG_DIR" ] && [ -d "$PG_DIR" ]; then
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
  fi
}
trap cleanup EXIT

# --- Redis (the shared cache) and nginx (the deployment test) ------------------------------------
# A throw-away redis-server on a free local port for the whole command (TEST_REDIS_URL): the cache
# tests use it on both runs, and on the PostgreSQL run every app the tests build keeps its cache
# there, as in production. nginx is only installed here; the deployment test starts its own.
if ! command -v redis-server >/dev/null; then
  echo "test: installing redis-server from Debian's packages"
  apt_install redis-server
fi
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  echo "test: installing nginx from Debian's packages"
  apt_install nginx
fi
REDIS_DIR=$(mktemp -d /tmp/hrss-redis.XXXXXX)
stop_redis() {
  if [ -f "$REDIS_DIR/redis.pid" ]; then kill "$(cat "$REDIS_DIR/redis.pid")" 2>/dev/null || true; fi
  rm -rf "$REDIS_DIR"
}
trap 'cleanup; stop_redis' EXIT
REDIS_PORT=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$REDIS_DIR" \
  --daemonize yes --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log" --maxmemory 256mb \
  --maxmemory-policy allkeys-lru
export TEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
.venv/bin/python -c 'import os, sys, time, redis
client = redis.Redis.from_url(os.environ["TEST_REDIS_URL"])
for _ in range(100):
    try:
        sys.exit(not client.ping())
    except redis.ConnectionError:
        time.sleep(0.1)
sys.exit("redis-server did not start")'
echo "test: Redis $(redis-server --version | awk '{print $3}' | cut -d= -f2) on 127.0.0.1:$REDIS_PORT"

# PostgreSQL refuses to run as root: use the postgres account Debian's package makes
as_pg() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start_postgres() {
  PG_DIR=$(mktemp -d /tmp/hrss-pg.XXXXXX)
  [ "$(id -u)" = 0 ] && chown postgres "$PG_DIR"
  PG_PORT=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U hrss --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null
  as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U hrss hrss_test
  echo "test: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"
}

# --- lint, then the suite on each database -----------------------------------------------------
# Each database's run spreads its test files over TEST_WORKERS pytest-xdist workers (default 2,
# one a core: the browser tests keep Chromium busy, more workers only slow each other down). A
# test file stays on one worker (--dist loadfile): its module fixtures (a live server, a city of
# its own) are made once.
echo "=== lint (ruff) ==="
.venv/bin/ruff check .

# Compiled bytecode kept, outside the tree: a machine that sets PYTHONDONTWRITEBYTECODE makes every
# worker, server and subprocess compile each module it imports again (and every create_app its
# Dash pages): about a tenth of the suite's time.
unset PYTHONDONTWRITEBYTECODE
export PYTHONPYCACHEPREFIX="$PWD/build/pycache"

WORKERS=${TEST_WORKERS:-2}
PYTEST=(.venv/bin/python -m pytest -p no:cacheprovider -n "$WORKERS" --dist loadfile "$@")
started=$(date +%s)
status=0
run_sqlite() { env -u TEST_DATABASE_URL "${PYTEST[@]}"; }
run_postgresql() {
  # the server is thrown away at the end: the tests need not drop their databases one by one
  TEST_PG_THROWAWAY=1 TEST_DATABASE_URL="postgresql+psycopg://hrss@127.0.0.1:$PG_PORT/hrss_test" "${PYTEST[@]}"
}
case "${TEST_DB:-all}" in
  sqlite) echo "=== tests on SQLite ($WORKERS workers) ==="; run_sqlite || status=$? ;;
  postgresql) start_postgres; echo "=== tests on PostgreSQL ($WORKERS workers) ==="; run_postgresql || status=$? ;;
  *)
    # Both databases at once: each run waits on its browser, its server or its database part of the
    # time, and the other fills those gaps (and the tail of a run whose last file is long).
    start_postgres
    LOGS=$(mktemp -d /tmp/hrss-test-logs.XXXXXX)
    echo "=== tests on SQLite and PostgreSQL at once ($WORKERS workers each) ==="
    run_sqlite > "$LOGS/sqlite.log" 2>&1 & sqlite_pid=$!
    run_postgresql > "$LOGS/postgresql.log" 2>&1 & pg_pid=$!
    wait "$sqlite_pid" || status=$?
    echo "=== tests on SQLite ==="; cat "$LOGS/sqlite.log"
    wait "$pg_pid" || status=$?
    echo "=== tests on PostgreSQL ==="; cat "$LOGS/postgresql.log"
    rm -rf "$LOGS" ;;
esac
echo "test: $(( $(date +%s) - started )) s for the suite"
exit $status
