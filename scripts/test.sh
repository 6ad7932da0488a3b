#!/usr/bin/env bash
# The whole suite: lint, then pytest on SQLite, then on the real PostgreSQL at 127.0.0.1:5432.
# Under CI (CI=true) PostgreSQL and Redis are mandatory: they are started if stopped, and the tests
# that need them fail (never skip) when they are missing. The real-worker tests run on the PostgreSQL pass.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PG_URL=${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/helpdesk}
status=0

# The browser tests drive Debian's chromium (Playwright's own browser download does not work here).
if ! command -v chromium >/dev/null 2>&1; then
    echo "== installing chromium for the browser tests"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null \
        || echo "could not install chromium: the browser tests will skip (and fail under CI)"
fi

echo "== ruff"
$BIN/ruff check . && $BIN/ruff format --check . || status=1

echo "== pytest on SQLite"
env -u DATABASE_URL -u REDIS_URL $BIN/pytest -n 2 -q "$@" || status=1

redis_up() { $BIN/python -c "import redis; redis.Redis(host='127.0.0.1', port=6379, socket_timeout=3).ping()" 2>/dev/null; }
if ! redis_up && [ "${CI:-}" = "true" ]; then
    echo "Redis is not answering; starting it"
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no || true
    for _ in $(seq 1 20); do redis_up && break; sleep 0.5; done
fi

pg_up() { $BIN/python -c "import psycopg; psycopg.connect('$PG_URL'.rsplit('/', 1)[0] + '/postgres', connect_timeout=3).close()" 2>/dev/null; }
if ! pg_up && [ "${CI:-}" = "true" ]; then
    echo "PostgreSQL is not answering; starting it"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    for _ in $(seq 1 30); do pg_up && break; sleep 1; done
fi
if pg_up; then
    echo "== pytest on PostgreSQL ($PG_URL)"
    env -u REDIS_URL DATABASE_URL=$PG_URL $BIN/pytest -n 2 -q "$@" || status=1
elif [ "${CI:-}" = "true" ]; then
    echo "FAIL: PostgreSQL at $PG_URL is required under CI and is not reachable"
    status=1
else
    echo "SKIPPED: the PostgreSQL run (nothing answers at $PG_URL); CI runs it"
fi
exit $status
