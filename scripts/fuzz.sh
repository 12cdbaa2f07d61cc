#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS] - builds the libFuzzer targets of tests/fuzz with
# clang (ASan + UBSan, build/fuzz), makes seed corpora from the test
# fixtures and runs every target. Without SECONDS (make test): a fixed
# number of runs with a fixed seed, so the result does not depend on the
# machine's speed; with SECONDS: that long per target (make fuzz). A crash,
# a leak or a sanitizer report fails the run and leaves the input in
# build/fuzz/findings/.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-}
B=build/fuzz
CC=clang cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Debug -DFF_FUZZ=ON >"$B.cmake.log" 2>&1 \
  || { cat "$B.cmake.log"; exit 1; }
cmake --build "$B" -j"$(nproc)" >"$B.build.log" 2>&1 || { grep -E 'error' "$B.build.log" | head -20; exit 1; }

# seed corpora: the first byte selects what the input is (see each target)
C=$B/corpus
rm -rf "$C"; mkdir -p "$C/report" "$C/cvss" "$C/webhook" "$C/text" "$B/findings"
i=0
while IFS= read -r f; do
  i=$((i + 1)); { printf '\0'; cat "$f"; } >"$C/report/fixture-$i"
done < <(find tests/fixtures/scanners -type f \( -name '*.json' -o -name '*.sarif' -o -name '*.xml' \) -size -40k | sort | head -80)
i=0
while IFS= read -r v; do
  i=$((i + 1)); printf '%s' "$v" >"$C/cvss/v-$i"
done < <(printf '%s\n' 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A/CR:H/MAV:A' \
  'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C/CR:H/IR:L/MAV:L' 'CVSS:3.0/AV:P/AC:H/PR:H/UI:R/S:C/C:L/I:N/A:N' \
  'AV:N/AC:L/Au:N/C:P/I:P/A:P')
for t in tests/fuzz/seeds/webhook/* tests/fuzz/seeds/text/*; do cp "$t" "$C/$(basename "$(dirname "$t")")/"; done
for t in templates/ticket/*.mustache; do
  { printf '\0'; cat "$t"; } >"$C/text/md-$(basename "$t")"
  { printf '\1'; cat "$t"; } >"$C/text/html-$(basename "$t")"
done

declare -A runs=([report]=30000 [cvss]=300000 [webhook]=200000 [text]=200000)
fail=0
for t in report cvss webhook text; do
  if [ -n "$secs" ]; then limit=(-max_total_time="$secs"); else limit=(-runs="${runs[$t]}" -seed=1); fi
  log=$B/fuzz_$t.log
  if "$B/tests/fuzz/fuzz_$t" "${limit[@]}" -rss_limit_mb=2048 -max_len=262144 -artifact_prefix="$B/findings/$t-" \
       "$C/$t" >"$log" 2>&1; then
    echo "fuzz_$t: $(grep -E '^Done [0-9]+ runs' "$log" | tail -1), no findings"
  else
    fail=1
    echo "fuzz_$t: FAILED (input in $B/findings/):"
    grep -E 'ERROR|SUMMARY|#[0-9]+ 0x' "$log" | head -15
  fi
done
exit $fail
