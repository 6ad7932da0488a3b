#!/usr/bin/env bash
# Runs the production processes on this machine: gunicorn (gunicorn.conf.py) and one Celery worker
# with beat, against DATABASE_URL (and REDIS_URL when set), until Ctrl-C or SIGTERM stops both.
# Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_1m scripts/serve_production.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
: "${DATABASE_URL:?set DATABASE_URL}"
export ALLOWED_HOSTS=${ALLOWED_HOSTS:-127.0.0.1,localhost}
mkdir -p var
$BIN/python manage.py migrate -v0
$BIN/python manage.py collectstatic --noinput -v0
$BIN/celery -A helpdesk worker -B -l warning -c 1 --without-mingle --without-gossip -s var/beat-schedule &
WORKER=$!
$BIN/gunicorn helpdesk.wsgi -c gunicorn.conf.py &
WEB=$!
trap 'kill -TERM $WEB $WORKER 2>/dev/null; wait $WEB $WORKER 2>/dev/null' INT TERM EXIT
wait -n $WEB $WORKER
