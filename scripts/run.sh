#!/usr/bin/env bash
# Starts the helpdesk on its embedded defaults: SQLite and Celery's filesystem transport under var/,
# one Celery worker with beat beside the web server. Environment variables (README) override.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}

$BIN/python manage.py migrate --noinput -v0
$BIN/python manage.py collectstatic --noinput -v0
$BIN/python manage.py demo_data

mkdir -p var
$BIN/celery -A helpdesk worker -B -P solo --without-mingle --without-gossip \
    -s var/celerybeat-schedule -l warning >var/celery.log 2>&1 &
WORKER=$!
trap 'kill $WORKER 2>/dev/null; wait $WORKER 2>/dev/null' EXIT INT TERM
echo "Celery worker and beat started (log: var/celery.log)."
echo "Serving on http://$HOST:$PORT/  (Ctrl-C stops everything)"
$BIN/python manage.py runserver "$HOST:$PORT" --noreload
