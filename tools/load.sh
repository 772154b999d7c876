#!/usr/bin/env bash
# Load test with wrk (Debian package): serves Pantau with the demo data on a fresh SQLite file and
# drives the main pages (signed in through the login form) and API endpoints (API token) in turn,
# reporting requests/second, latency and errors (non-2xx/3xx answers and socket errors).
#
#   tools/load.sh [seconds per endpoint] [connections]      e.g. tools/load.sh 10 64
#   PANTAU_BIN=path/to/pantau picks the binary (default target/release/pantau).
# Exits non-zero if any endpoint answered with an error.
set -euo pipefail
secs="${1:-10}"
conns="${2:-64}"
bin="${PANTAU_BIN:-target/release/pantau}"
command -v wrk >/dev/null || { echo "wrk is required (apt install wrk)" >&2; exit 1; }
tmp="$(mktemp -d)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
export PANTAU_DATABASE_URL="sqlite://$tmp/load.db" RUST_LOG=warn
"$bin" serve --demo --addr "127.0.0.1:$port" --data-dir "$tmp" >/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 1 360); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.5; done
curl -sf "$base/healthz" >/dev/null || { echo "server did not start" >&2; exit 1; }

# A browser session: the login form's double-submit CSRF cookie, then the session cookie.
jar="$tmp/cookies"
curl -sf -c "$jar" "$base/login" >/dev/null
csrf="$(awk '$6 == "pantau_login_csrf" {print $7}' "$jar")"
curl -sf -b "$jar" -c "$jar" -o /dev/null \
  --data-urlencode "csrf_token=$csrf" --data-urlencode "username=admin.pusat" \
  --data-urlencode "password=Pantau-Demo-2026" --data-urlencode "next=/" "$base/login"
session="$(awk '$6 == "pantau_session" {print $7}' "$jar")"
[ -n "$session" ] || { echo "sign-in failed" >&2; exit 1; }
token="$("$bin" user token --username analis.pusat --name load-test --days 1 | tail -1)"
writer="$("$bin" user token --username admin.pusat --name load-test --days 1 | tail -1)"

printf '\n| endpoint (%s s, %s connections) | requests/s | ratio to /healthz | mean latency | errors |\n|---|---|---|---|---|\n' "$secs" "$conns"
failed=0
baseline=""
run() {
  local label="$1" path="$2" header="$3" script="${4:-}" out rps lat errs ratio
  # With a script, the script makes each request and `path` only labels the row.
  local url="$base$path"
  [ -z "$script" ] || url="$base/"
  out="$(wrk -t2 -c"$conns" -d"${secs}s" -H "$header" ${script:+-s "$script"} "$url" 2>&1)"
  rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
  lat="$(awk '$1 == "Latency" {print $2}' <<<"$out")"
  errs="$(awk '/Non-2xx or 3xx responses/ {n += $NF} /Socket errors/ {gsub(",", ""); n += $4 + $6 + $8 + $10} END {print n + 0}' <<<"$out")"
  [ -n "$baseline" ] || baseline="$rps"
  ratio="$(awk -v a="$rps" -v b="$baseline" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "-"}')"
  printf '| %s `%s` | %s | %s | %s | %s |\n' "$label" "$path" "$rps" "$ratio" "$lat" "$errs"
  [ "$errs" = 0 ] || failed=1
}
cookie="Cookie: pantau_session=$session"
bearer="Authorization: Bearer $token"
# The baseline, measured in the same run: a handler that asks the database one trivial question.
run "baseline" "/healthz" "Accept: text/plain"
run "page" "/" "$cookie"
run "page" "/dasbor" "$cookie"
run "page" "/ibm" "$cookie"
run "page" "/ibm/target" "$cookie"
run "page" "/sni" "$cookie"
run "page" "/paket" "$cookie"
run "page" "/ibm/laporan" "$cookie"
run "API" "/api/v1/me" "$bearer"
run "API" "/api/v1/ibm/units" "$bearer"
run "API" "/api/v1/dashboard/ibm?year=2025" "$bearer"
run "API" "/api/v1/dashboard/sni?year=2026" "$bearer"
run "API" "/api/v1/satker" "$bearer"
run "static" "/static/css/pantau.css" "Accept: text/css"

# Report submissions: each request one unit's report for one month of this year, cycling over
# the operating units and then the months (a later round corrects an earlier round's report).
curl -sf -H "Authorization: Bearer $writer" "$base/api/v1/ibm/units?status=operasional&limit=1000" \
  | python3 -c '
import datetime, json, sys
ids = [u["id"] for u in json.load(sys.stdin)["items"]]
today = datetime.date.today()
print("local ids = {%s}" % ",".join(map(str, ids)))
print("local year, months = %d, %d" % (today.year, today.month))' > "$tmp/submit.lua"
cat >> "$tmp/submit.lua" <<'LUA'
wrk.headers["Content-Type"] = "application/json"
local made = 0
function setup(thread)
  thread:set("tid", made)
  made = made + 1
end
local n = 0
request = function()
  n = n + 1
  local i = n * 2 + tid
  local unit = ids[(i % #ids) + 1]
  local month = (math.floor(i / #ids) % months) + 1
  local body = string.format('{"period":"%d-%02d","lines":[{"kind":"activity","item_code":"sosialisasi","count":2},'
    .. '{"kind":"service","item_code":"skrining","sex":"l","age_band":"18_25","count":3}]}', year, month)
  return wrk.format("POST", "/api/v1/ibm/units/" .. unit .. "/reports", nil, body)
end
LUA
run "API" "POST /api/v1/ibm/units/{id}/reports" "Authorization: Bearer $writer" "$tmp/submit.lua"
exit "$failed"
