#!/usr/bin/env bash
# Import of large reports through the daemon (upload -> stored report ->
# scan.import job -> findings, diff and events): a 100,000-result SARIF and
# a 50,000-vulnerability Trivy report built from the real fixture records;
# first import and unchanged re-import in findings/s, the daemon's peak RSS
# growth during each, and in the same run the ceiling: PostgreSQL COPY of the
# same number of rows into a scratch table with a primary key and a unique
# 64-hex fingerprint.
set -euo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${FF_BENCH_OUT:-/tmp}/import; rm -rf "$out"; mkdir -p "$out"; chmod 755 "$out"
gen=$out/gen_reports
cc -O2 -o "$gen" "$here/gen_reports.c" $(pkg-config --cflags --libs jansson)
pgport=$((30000 + RANDOM % 10000))
dsn=$(PG_FSYNC=${FF_BENCH_FSYNC:-on} "$root/scripts/pg.sh" start "$out/pg" "$pgport")
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; "$root/scripts/pg.sh" stop "$out/pg"; }
trap cleanup EXIT
# no feed sync from the internet while measuring (FLAWFIX_FEEDS_SYNC_TIME empty)
export FLAWFIX_FEEDS_SYNC_TIME= FLAWFIX_DATABASE_URL=$dsn FLAWFIX_SECRET_KEY_FILE=$out/key FLAWFIX_LOG_LEVEL=warn FLAWFIX_SCAN_WAIT_SECONDS=600 \
  FLAWFIX_MAX_REPORT_BODY=2147483648 FLAWFIX_JOB_LEASE_SECONDS=600
"$bin" migrate >"$out/migrate.log" 2>&1 || { cat "$out/migrate.log" >&2; exit 1; }
"$bin" user add bench --role admin >/dev/null 2>&1
T=$("$bin" token create --user bench 2>/dev/null)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export FLAWFIX_LISTEN=127.0.0.1:$port
"$bin" serve >"$out/serve.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -fs "http://$FLAWFIX_LISTEN/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
rss() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }
psqlc() { runuser -u postgres -- psql -h "$out/pg/sock" -p "$pgport" -U postgres -d flawfix -qtA "$@"; }

# the ceiling: COPY n rows (id, 64-hex fingerprint, state, seen_at) into a table with PK + UNIQUE
copy_rate() {
  local n=$1
  [[ "$n" =~ ^[0-9]+$ ]] || { echo 0; return; }
  awk -v n="$n" 'BEGIN { srand(7); for (i = 1; i <= n; i++) { s = ""; for (k = 0; k < 8; k++) s = s sprintf("%08x", int(rand() * 4294967295)); printf "%d\t%s\t1\t2026-01-01 00:00:00+00\n", i, s } }' >"$out/copy.tsv"
  psqlc -c "DROP TABLE IF EXISTS scratch; CREATE TABLE scratch (id bigint PRIMARY KEY, fingerprint text UNIQUE, state int, seen_at timestamptz)"
  local t0 t1
  t0=$(date +%s.%N)
  psqlc -c "\\copy scratch FROM '$out/copy.tsv'"
  t1=$(date +%s.%N)
  awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }'
}

import_once() { # slug file -> prints "seconds peak_rss_kb new still"
  local slug=$1 file=$2 base peak t0 t1 sampler
  base=$(rss)
  ( while kill -0 $pid 2>/dev/null; do rss; sleep 0.05; done ) >"$out/rss.samples" &
  sampler=$!
  t0=$(date +%s.%N)
  curl -s -o "$out/scan.json" -H "Authorization: Bearer $T" --data-binary @"$file" \
    "http://$FLAWFIX_LISTEN/api/v1/assets/$slug/scans?scanner=bench&target=t"
  t1=$(date +%s.%N)
  kill $sampler 2>/dev/null; wait $sampler 2>/dev/null || true
  peak=$(sort -n "$out/rss.samples" | tail -1)
  echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') $((peak - base)) $(jq -r '.diff.new' "$out/scan.json") $(jq -r '.diff.still_present' "$out/scan.json")"
}

for spec in "sarif 100000" "trivy 50000" "sarif 10000"; do
  set -- $spec; kind=$1; n=$2
  "$gen" "$kind" "$n" "$out/$kind-$n.json" "$root/tests/fixtures/scanners" >/dev/null
  slug="$kind-$n"
  curl -fs -o /dev/null -H "Authorization: Bearer $T" -H 'Content-Type: application/json' -X POST "http://$FLAWFIX_LISTEN/api/v1/assets" \
    -d "{\"name\":\"$slug\",\"slug\":\"$slug\",\"kind\":\"application\",\"technical_owners\":[\"bench\"]}"
  read -r s1 g1 new1 _ < <(import_once "$slug" "$out/$kind-$n.json")
  [[ "$new1" =~ ^[0-9]+$ ]] || { echo "import of $kind $n failed: $(cat "$out/scan.json")" >&2; continue; }
  read -r s2 g2 _ still2 < <(import_once "$slug" "$out/$kind-$n.json")
  ceiling=$(copy_rate "$new1")
  size=$(du -m "$out/$kind-$n.json" | cut -f1)
  echo "ROW|import $kind $n results (${size} MB), first: findings/s|$(awk -v n="$new1" -v s="$s1" 'BEGIN { printf "%.0f", n / s }')|$ceiling|rows/s|COPY $new1 rows, PK + unique fingerprint"
  echo "ROW|import $kind $n, re-import unchanged: findings/s|$(awk -v n="$still2" -v s="$s2" 'BEGIN { printf "%.0f", n / s }')|$ceiling|rows/s|COPY $new1 rows, PK + unique fingerprint"
  echo "ROW|import $kind $n: daemon peak RSS growth, first / re-import|$((g1 / 1024)) / $((g2 / 1024))||MB|"
done
