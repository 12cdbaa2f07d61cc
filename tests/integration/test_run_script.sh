#!/usr/bin/env bash
# The README's first command in a fresh clone (no var/, no build/): ./run
# brings the daemon up and prints a token; with it an asset is created,
# listed, patched and archived with the README's curl commands; a second
# ./run reuses ./var. ($1, the test binary path, is not needed here.)
set -uo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d /tmp/ffrun.XXXXXX)
chmod 755 "$tmp"
fail() { echo "FAIL: $*"; [ -f "$tmp/run.log" ] && tail -30 "$tmp/run.log"; cleanup; exit 1; }
cleanup() {
  [ -n "${pid:-}" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$tmp"
}
git clone -q "$src" "$tmp/ff" || fail "git clone"
cd "$tmp/ff"
[ ! -e var ] && [ ! -e build ] || fail "the clone is not fresh"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
start() {
  FLAWFIX_LISTEN=127.0.0.1:$port ./run >"$tmp/run.log" 2>&1 &
  pid=$!
  for _ in $(seq 600); do
    curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.5
  done
  return 1
}
start || fail "./run did not bring the daemon up"
T=$(sed -n 's/.*API token: *\(fft_[A-Za-z0-9_-]*\).*/\1/p' "$tmp/run.log" | head -1)
[ -n "$T" ] || fail "no API token printed"
grep -q 'password:' "$tmp/run.log" || fail "no one-time password printed"
B="http://127.0.0.1:$port"
code=$(curl -s -o "$tmp/a.json" -w '%{http_code}' -H "Authorization: Bearer $T" -H 'Content-Type: application/json' \
  -X POST "$B/api/v1/assets" \
  -d '{"name": "Shop Backend", "kind": "application", "technical_owners": ["admin"],
       "environment": "production", "internet_exposed": true, "tags": ["pci"],
       "confidentiality_requirement": "high", "integrity_requirement": "medium",
       "availability_requirement": "low"}')
[ "$code" = 201 ] || fail "create: $code $(cat "$tmp/a.json")"
curl -s -H "Authorization: Bearer $T" "$B/api/v1/assets?tag=pci" | jq -e '.items | length == 1' >/dev/null || fail "list"
curl -s -H "Authorization: Bearer $T" -H 'Content-Type: application/json' \
  -X PATCH "$B/api/v1/assets/shop-backend" -d '{"availability_requirement": "high"}' \
  | jq -e '.availability_requirement == "high"' >/dev/null || fail "patch"
curl -s -H "Authorization: Bearer $T" -X POST "$B/api/v1/assets/shop-backend/archive" \
  | jq -e '.archived == true' >/dev/null || fail "archive"
[ -d var/pg/data ] || fail "no cluster under ./var/pg"
kill -TERM "$pid"; wait "$pid"; pid=
# again: ./var is reused, no new administrator, the data is there
start || fail "second ./run did not come up"
grep -q 'first start' "$tmp/run.log" && fail "second start created another administrator"
curl -s -H "Authorization: Bearer $T" "$B/api/v1/assets/shop-backend" | jq -e '.archived == true' >/dev/null \
  || fail "data not kept across restarts"
kill -TERM "$pid"; wait "$pid"; pid=
cleanup
echo "ok: ./run from a fresh clone"
