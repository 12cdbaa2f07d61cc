#!/usr/bin/env bash
# REST: GET /api/v1/assets under wrk with 50 and 200 connections on
# loopback (p50, p99, requests/s), the daemon's RSS idle and under load.
# Ceiling measured in the same run: pgbench running the same list query
# straight against PostgreSQL with the same number of database connections
# the daemon has (http_threads).
set -euo pipefail
bin=$1
out=${FF_BENCH_OUT:-/tmp}/rest; rm -rf "$out"; mkdir -p "$out"; chmod 755 "$out"
root=$(cd "$(dirname "$0")/../.." && pwd)
pgport=$((30000 + RANDOM % 10000))
dsn=$(PG_FSYNC=off "$root/scripts/pg.sh" start "$out/pg" "$pgport")
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; "$root/scripts/pg.sh" stop "$out/pg"; }
trap cleanup EXIT
# no feed sync from the internet while measuring (FLAWFIX_FEEDS_SYNC_TIME empty)
export FLAWFIX_FEEDS_SYNC_TIME= FLAWFIX_DATABASE_URL=$dsn FLAWFIX_SECRET_KEY_FILE=$out/key FLAWFIX_LOG_LEVEL=warn
"$bin" migrate >"$out/migrate.log" 2>&1 || { cat "$out/migrate.log" >&2; exit 1; }
"$bin" user add bench --role admin >/dev/null 2>&1
T=$("$bin" token create --user bench 2>/dev/null)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export FLAWFIX_LISTEN=127.0.0.1:$port
threads=${FF_BENCH_HTTP_THREADS:-4}
FLAWFIX_HTTP_THREADS=$threads "$bin" serve >"$out/serve.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -fs "http://$FLAWFIX_LISTEN/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
for i in $(seq 1 50); do
  curl -fs -o /dev/null -H "Authorization: Bearer $T" -H 'Content-Type: application/json' -X POST "http://$FLAWFIX_LISTEN/api/v1/assets" \
    -d "{\"name\":\"Bench $i\",\"kind\":\"application\",\"technical_owners\":[\"bench\"],\"tags\":[\"t$((i % 5))\"]}"
done
rss() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$pid/status"; }
sleep 1
idle=$(rss)
echo "ROW|daemon RSS idle (50 assets, $threads HTTP threads)|$idle||MB|" 
cat >"$out/auth.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $T"
LUA
for c in 50 200; do
  peak=0
  ( while kill -0 $pid 2>/dev/null; do r=$(rss); echo "$r"; sleep 0.2; done ) >"$out/rss.$c" &
  sampler=$!
  wrk -t2 -c$c -d10s --latency -s "$out/auth.lua" "http://$FLAWFIX_LISTEN/api/v1/assets?limit=20" >"$out/wrk.$c" 2>&1
  kill $sampler 2>/dev/null; wait $sampler 2>/dev/null || true
  peak=$(sort -n "$out/rss.$c" | tail -1)
  rps=$(awk '/Requests\/sec/ {print $2}' "$out/wrk.$c")
  p50=$(awk '$1=="50%" {print $2}' "$out/wrk.$c")
  p99=$(awk '$1=="99%" {print $2}' "$out/wrk.$c")
  non2xx=$(awk '/Non-2xx/ {print $4}' "$out/wrk.$c")
  # pgbench: the same list statement, prepared, $threads clients (the daemon's DB connections), 10 s
  # the daemon's own list statement (db/q_asset.c) with this request's values, prepared
  python3 - "$root/db/q_asset.c" >"$out/q.sql" <<'PY'
import re, sys
src = open(sys.argv[1]).read()
body = src[src.index("int asset_list("):]
sql = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', body[body.index("db_exec_hot(db,"):body.index("11, p);")]))
vals = ["1", "0", "20", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "false", "0"]
for i in range(11, 0, -1):
    sql = sql.replace("$%d" % i, vals[i - 1] if vals[i - 1] in ("NULL", "false") else "'%s'" % vals[i - 1])
print(sql + ";")
PY
  pg_rps=$(runuser -u postgres -- /usr/lib/postgresql/15/bin/pgbench -n -h "$out/pg/sock" -p "$pgport" -U postgres \
    -M prepared -c "$threads" -j 2 -T 10 -f "$out/q.sql" flawfix 2>/dev/null | awk '/^tps/ {printf "%.0f", $3}')
  echo "ROW|GET /api/v1/assets ($c conns) requests/s|$rps|$pg_rps|req/s|pgbench same query, $threads conns"
  echo "ROW|GET /api/v1/assets ($c conns) p50 latency|$p50|||"
  echo "ROW|GET /api/v1/assets ($c conns) p99 latency|$p99|||"
  echo "ROW|daemon RSS under load ($c conns)|$peak||MB|"
  [ -z "$non2xx" ] || echo "ROW|GET /api/v1/assets ($c conns) non-2xx answers|$non2xx|||"
done
