#!/usr/bin/env bash
# Makes a PostgreSQL database with 1,000,000 seeded requests (SLA defaults, clocks, VACUUM ANALYZE).
# Usage: scripts/seed_1m.sh [DBNAME] [REQUESTS]   (default helpdesk_1m, 1000000; drops DBNAME first)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
DB=${1:-helpdesk_1m}
REQUESTS=${2:-1000000}
PGHOST=${PGHOST:-127.0.0.1}
export DATABASE_URL="postgres://postgres@$PGHOST:5432/$DB"
dropdb -h "$PGHOST" -U postgres --if-exists "$DB"
createdb -h "$PGHOST" -U postgres "$DB"
$PY manage.py migrate -v0
$PY manage.py shell -v0 -c "from sla.services import sla_defaults_install; sla_defaults_install()"
/usr/bin/time -f "seed_data: wall %es, CPU %Us user + %Ss system, max RSS %MKB" $PY manage.py seed_data --requests "$REQUESTS"
/usr/bin/time -f "sla_rebuild: wall %es, CPU %Us user + %Ss system, max RSS %MKB" $PY manage.py sla_rebuild
echo "DATABASE_URL=$DATABASE_URL"
