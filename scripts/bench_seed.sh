#!/usr/bin/env bash
# Times `seed_data` on a fresh SQLite database (default 100,000 requests), then on a fresh PostgreSQL
# database if one answers at 127.0.0.1:5432. Usage: scripts/bench_seed.sh [REQUESTS]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
REQUESTS=${1:-100000}
WORK=$(mktemp -d)
PG_DB="helpdesk_bench_seed_$$"
cleanup() {
    rm -rf "$WORK"
    dropdb -h 127.0.0.1 -U postgres --if-exists "$PG_DB" 2>/dev/null || true
}
trap cleanup EXIT

bench() {
    echo "== $1"
    DATABASE_URL=$2 $BIN/python manage.py migrate -v0
    /usr/bin/time -f "wall %es, max RSS %MKB" env DATABASE_URL="$2" \
        $BIN/python manage.py seed_data --requests "$REQUESTS"
}

bench "SQLite" "sqlite:///$WORK/seed.sqlite3"
if createdb -h 127.0.0.1 -U postgres "$PG_DB" 2>/dev/null; then
    bench "PostgreSQL" "postgres://postgres@127.0.0.1:5432/$PG_DB"
else
    echo "== PostgreSQL: not reachable at 127.0.0.1:5432, skipped"
fi
