#!/usr/bin/env bash
# Starts the production server (scripts/serve_production.sh) on DATABASE_URL, runs the mixed load
# (scripts/loadtest.py) against it for DURATION seconds at CONCURRENCY, prints the figures, stops it.
# Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_1m scripts/loadtest.sh [DURATION] [CONCURRENCY]
# The per-user API rate limit (1200/min) is raised for the run: it measures capacity, not the limiter.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
DURATION=${1:-60}
CONCURRENCY=${2:-16}
PORT=${PORT:-8765}
export GUNICORN_BIND="127.0.0.1:$PORT" API_RATE_LIMIT=${API_RATE_LIMIT:-1000000/min}
# Database connections live through the run (production: 60 s), so the PostgreSQL backends that served
# it are still there when loadtest.py adds up their CPU.
export DB_CONN_MAX_AGE=${DB_CONN_MAX_AGE:-600}
# Mail is built and handed over, then dropped (Django's dummy backend): the run measures the helpdesk,
# not a mail server, nor the console backend printing every message into the server's log.
export EMAIL_BACKEND=${EMAIL_BACKEND:-django.core.mail.backends.dummy.EmailBackend}
# Work already waiting for the workers competes with the load: a freshly seeded database's running
# clocks pass their targets by the thousand in its first hours, each breach a notification to send.
echo "waiting in the outbox before the run: $(psql "$DATABASE_URL" -Atc \
    "SELECT count(*) FROM notifications_delivery WHERE status = 'pending' AND due_at <= now()" 2>/dev/null || echo '?')"
scripts/serve_production.sh > var/loadtest-server.log 2>&1 &
SERVER=$!
trap 'kill -TERM $SERVER 2>/dev/null; wait $SERVER 2>/dev/null' EXIT
for _ in $(seq 1 100); do
    curl -fs -o /dev/null "http://127.0.0.1:$PORT/v1/schema" && break
    sleep 0.3
done
$BIN/python scripts/loadtest.py --url "http://127.0.0.1:$PORT" --duration "$DURATION" --concurrency "$CONCURRENCY"
