#!/usr/bin/env bash
# scripts/pg.sh - a PostgreSQL 15 cluster in a directory of ours.
#   pg.sh start DIR PORT   create (initdb) when missing, start; prints the libpq string
#   pg.sh stop DIR         fast stop
# PostgreSQL refuses to run as root: as root the cluster belongs to the
# 'postgres' system user (created by Debian's postgresql package); otherwise
# to the calling user. The socket lives in DIR/sock; no TCP listener.
set -euo pipefail
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
cmd=${1:?usage: pg.sh start DIR PORT | stop DIR}
dir=$(realpath -m "${2:?DIR}")

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
start)
  port=${3:?PORT}
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$dir"
    # the postgres user must be able to reach DIR
    p=$dir; while [ "$p" != / ]; do p=$(dirname "$p"); chmod o+x "$p" 2>/dev/null || true; done
  fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_owner "$PGBIN/initdb" -D "$dir/data" --auth=trust -E UTF8 --locale=C.UTF-8 -U postgres >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
  fi
  as_owner mkdir -p "$dir/sock"
  if ! as_owner "$PGBIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    as_owner "$PGBIN/pg_ctl" -D "$dir/data" -w -t 60 -l "$dir/server.log" \
      -o "-p $port -k $dir/sock -c listen_addresses='' -c max_connections=200 -c fsync=${PG_FSYNC:-on}" start >/dev/null \
      || { tail -20 "$dir/server.log" >&2; exit 1; }
  fi
  as_owner "$PGBIN/psql" -h "$dir/sock" -p "$port" -U postgres -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = 'flawfix'" | grep -q 1 \
    || as_owner "$PGBIN/createdb" -h "$dir/sock" -p "$port" -U postgres flawfix
  echo "host=$dir/sock port=$port dbname=flawfix user=postgres"
  ;;
stop)
  if [ -f "$dir/data/PG_VERSION" ]; then
    as_owner "$PGBIN/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
  fi
  ;;
*)
  echo "usage: pg.sh start DIR PORT | stop DIR" >&2; exit 2 ;;
esac
