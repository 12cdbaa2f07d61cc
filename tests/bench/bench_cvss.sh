#!/usr/bin/env bash
# CVSS scoring throughput: all 104,976 CVSS 4.0 Base vectors through
# `flawfix cvss --json` (best of 3 runs, process start included), and the
# same vectors scored in node by the npm package ae-cvss-calculator, a
# development-only peer installed here into tests/bench/node_modules
# (tests/bench/package.json). Prints vectors/s for both; the runner adds
# the ratio. Score disagreements between the two are reported on stderr.
set -euo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
out=${FF_BENCH_OUT:-/tmp}/cvss; rm -rf "$out"; mkdir -p "$out"

# every Base vector: AV x AC x AT x PR x UI x VC x VI x VA x SC x SI x SA
awk 'BEGIN {
  split("N A L P", av, " "); split("L H", ac, " "); split("N P", at, " ");
  split("N L H", pr, " "); split("N P A", ui, " "); split("H L N", cia, " ");
  for (a = 1; a <= 4; a++) for (b = 1; b <= 2; b++) for (c = 1; c <= 2; c++)
  for (d = 1; d <= 3; d++) for (e = 1; e <= 3; e++)
  for (f = 1; f <= 3; f++) for (g = 1; g <= 3; g++) for (h = 1; h <= 3; h++)
  for (i = 1; i <= 3; i++) for (j = 1; j <= 3; j++) for (k = 1; k <= 3; k++)
    printf "CVSS:4.0/AV:%s/AC:%s/AT:%s/PR:%s/UI:%s/VC:%s/VI:%s/VA:%s/SC:%s/SI:%s/SA:%s\n",
      av[a], ac[b], at[c], pr[d], ui[e], cia[f], cia[g], cia[h], cia[i], cia[j], cia[k]
}' >"$out/vectors"
n=$(wc -l <"$out/vectors")
echo "bench_cvss: $n vectors" >&2

best=""
for _ in 1 2 3; do
  t0=$(date +%s%N)
  "$bin" cvss --json <"$out/vectors" >"$out/flawfix.json"
  t1=$(date +%s%N)
  ns=$((t1 - t0))
  if [ -z "$best" ] || [ "$ns" -lt "$best" ]; then best=$ns; fi
done
[ "$(wc -l <"$out/flawfix.json")" = "$n" ] || { echo "bench_cvss: flawfix printed a wrong line count" >&2; exit 1; }
ff_rate=$(awk -v n="$n" -v ns="$best" 'BEGIN { printf "%.0f", n / (ns / 1e9) }')
echo "bench_cvss: flawfix $n vectors in $(awk -v ns="$best" 'BEGIN { printf "%.3f", ns / 1e9 }') s" >&2

# the peer, installed as a development-only dependency in this folder
npm install --prefix "$here" --no-audit --no-fund --silent >&2
read -r pn psecs < <(node "$here/cvss_peer.js" "$out/vectors")
peer_rate=$(awk -v n="$pn" -v s="$psecs" 'BEGIN { printf "%.0f", n / s }')
echo "bench_cvss: ae-cvss-calculator $pn vectors in $psecs s" >&2
diffs=$(sed -E 's/.*"score":([0-9.]+).*/\1/' "$out/flawfix.json" | paste -d' ' - "$out/vectors.peer" | awk '$1 != $2' | wc -l)
echo "bench_cvss: scores that differ between flawfix and ae-cvss-calculator: $diffs of $n" >&2

echo "ROW|CVSS 4.0 scoring, all $n base vectors (flawfix cvss --json)|$ff_rate|$peer_rate|vectors/s|ae-cvss-calculator (node $(node --version))"
