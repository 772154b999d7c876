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

printf '\n| endpoint (%s s, %s connections) | requests/s | ratio to /healthz | mean latency | errors |\n|---|---|---|---|---|\n' "$secs" "$conns"
failed=0
baseline=""
run() {
  local label="$1" path="$2" header="$3" out rps lat errs ratio
  out="$(wrk -t2 -c"$conns" -d"${secs}s" -H "$header" "$base$path" 2>&1)"
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
exit "$failed"
