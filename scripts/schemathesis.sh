#!/usr/bin/env bash
# Checks that the API does what /v1/schema says: schemathesis with all checks against a throwaway
# server on 127.0.0.1 (a temporary SQLite database with the demo data, no rate limits, the demo
# admin's token), bounded by examples per operation and a time budget. The server and its files are
# removed on exit. Not part of `make test`: it takes minutes.
#
#   scripts/schemathesis.sh                      # defaults below
#   MAX_EXAMPLES=20 MAX_TIME=120 scripts/schemathesis.sh --seed 1   # extra arguments go to schemathesis
#
# Business rules it reports as failures are expected: docs/api.md, "Checking the schema against the code".
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(cd "${BIN:-.venv/bin}" && pwd)
PORT=${PORT:-8765}
MAX_EXAMPLES=${MAX_EXAMPLES:-25}
MAX_TIME=${MAX_TIME:-600}

WORK=$(mktemp -d)
SERVER=
cleanup() {
    if [ -n "$SERVER" ]; then
        kill "$SERVER" 2>/dev/null || true
        wait "$SERVER" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

unset REDIS_URL
export HELPDESK_VAR_DIR=$WORK
export DATABASE_URL=sqlite:///$WORK/helpdesk.sqlite3
export MEDIA_ROOT=$WORK/media
export API_RATE_LIMIT= API_LOGIN_RATE_LIMIT=  # empty: no throttling, so 429s do not hide real answers
export DEBUG=false ALLOWED_HOSTS=127.0.0.1

$BIN/python manage.py migrate --noinput -v0
$BIN/python manage.py demo_data >/dev/null
TOKEN=$($BIN/python manage.py shell -c "
from accounts.models import User
from accounts.services import token_issue
print(token_issue(user=User.objects.get(email='admin@example.com'), name='schemathesis')[1])" | tail -n 1)

$BIN/python manage.py runserver "127.0.0.1:$PORT" --noreload >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 50); do  # up to 10 s
    if $BIN/python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/v1/schema')" 2>/dev/null; then
        break
    fi
    sleep 0.2
done

# Revoking the token the run authenticates with would turn every later call into a 401. Run from the
# temporary folder, so schemathesis's .schemathesis/ cache (it replays earlier failures) goes with it.
set +e
cd "$WORK" && $BIN/schemathesis run "http://127.0.0.1:$PORT/v1/schema" \
    --checks all \
    --header "Authorization: Bearer $TOKEN" \
    --exclude-operation-id auth_token_revoke \
    --max-examples "$MAX_EXAMPLES" \
    --max-time "$MAX_TIME" \
    --workers 1 \
    --no-color \
    "$@"
STATUS=$?
set -e
if ! kill -0 "$SERVER" 2>/dev/null; then
    echo "The server exited during the run; the end of its log:" && tail -n 40 "$WORK/server.log"
fi
if grep -q "Traceback" "$WORK/server.log"; then
    echo "The server logged errors:" && grep -A30 "Traceback" "$WORK/server.log" | head -120
fi
exit $STATUS
