#!/usr/bin/env bash
# Property-based test of the JSON API against its own OpenAPI document with schemathesis (PyPI):
# every operation, every check (`-c all`), as the national admin, on a fresh demo database.
# Usage: tools/api-fuzz.sh [EXAMPLES [ST-OPTIONS…]]   (default: 20 examples per operation,
# deterministic generation; CI runs a short form). E.g. `tools/api-fuzz.sh 100 --seed 7` for a
# longer random run.
set -euo pipefail
cd "$(dirname "$0")/.."
EXAMPLES="${1:-20}"
shift || true
OPTIONS=("$@")
[ ${#OPTIONS[@]} -gt 0 ] || OPTIONS=(--generation-deterministic)
BIN="${PANTAU_BIN:-${CARGO_TARGET_DIR:-target}/debug/pantau}"
PORT="${PANTAU_FUZZ_PORT:-18093}"
WORK="$(mktemp -d)"
trap 'kill "$SERVER" 2>/dev/null || true; rm -rf "$WORK"' EXIT

command -v st >/dev/null || pip install -q --disable-pip-version-check --root-user-action=ignore schemathesis==4.32.5
DB="sqlite://$WORK/fuzz.db"
"$BIN" --database-url "$DB" demo >/dev/null 2>&1
TOKEN="$("$BIN" --database-url "$DB" user token --username admin.pusat --name api-fuzz 2>/dev/null | tail -1)"
"$BIN" --database-url "$DB" serve --addr "127.0.0.1:$PORT" --data-dir "$WORK/data" >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done

st --config-file tools/schemathesis.toml run "http://127.0.0.1:$PORT/api/openapi.json" \
  --url "http://127.0.0.1:$PORT" -H "Authorization: Bearer $TOKEN" \
  -c all -n "$EXAMPLES" --no-color "${OPTIONS[@]}"
