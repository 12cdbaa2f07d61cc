#!/usr/bin/env bash
# bench_parse.sh FLAWFIX - `flawfix parse` on generated large reports:
# findings/s and peak RSS, for a small and a 10x larger report of each
# kind (peak RSS must stay flat as the report grows).
# Prints ROW lines (see tests/bench/README.md); details on stderr.
set -euo pipefail
bin=${1:?usage: bench_parse.sh FLAWFIX}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
out=${FF_BENCH_OUT:-$(mktemp -d)}
mkdir -p "$out"
gen=$(dirname "$(readlink -f "$bin")")/tests/gen_reports
if [ ! -x "$gen" ]; then
  gen=$out/gen_reports
  cc -O2 -o "$gen" "$here/gen_reports.c" $(pkg-config --cflags --libs jansson)
fi

# run NAME FILE: parse, count the findings, report findings/s and peak RSS
run() {
  local name=$1 file=$2 t0 t1 n secs rss
  t0=$(date +%s.%N)
  /usr/bin/time -f '%M' -o "$out/$name.rss" "$bin" parse --json --target bench "$file" \
    >"$out/$name.jsonl" 2>"$out/$name.err"
  t1=$(date +%s.%N)
  n=$(wc -l <"$out/$name.jsonl")
  secs=$(echo "$t1 - $t0" | bc -l)
  rss=$(tail -1 "$out/$name.rss")
  echo "$name: $n findings in ${secs}s, peak RSS ${rss} KiB ($(du -h "$file" | cut -f1) report); $(tail -1 "$out/$name.err")" >&2
  printf 'ROW|flawfix parse %s|%.0f||findings/s|\n' "$name" "$(echo "$n / $secs" | bc -l)"
  printf 'ROW|flawfix parse %s peak RSS|%.1f||MiB|\n' "$name" "$(echo "$rss / 1024" | bc -l)"
  uniq_fp=$(cut -c17-80 "$out/$name.jsonl" | sort -u | wc -l)
  [ "$uniq_fp" -eq "$n" ] || echo "$name: only $uniq_fp distinct fingerprints of $n" >&2
}

for spec in sarif:10000 sarif:100000 trivy:5000 trivy:50000; do
  kind=${spec%%:*}; n=${spec##*:}
  f=$out/$kind-$n.json
  [ -s "$f" ] || "$gen" "$kind" "$n" "$f" "$src/tests/fixtures/scanners"
  run "$kind-$n" "$f"
done
