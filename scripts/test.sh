#!/usr/bin/env bash
# scripts/test.sh - the whole test suite (make test): installs what is
# missing, builds with ASan+UBSan and -Werror, starts one throwaway
# PostgreSQL 15 cluster for the run, runs unit and integration tests in
# parallel with ctest, stops and removes the cluster.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --test || exit 1
BUILD=${FF_TEST_BUILD:-build/asan}
mkdir -p "$(dirname "$BUILD")"
jobs=$(nproc)
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Debug -DFF_SANITIZE=ON -DFF_WERROR=ON >"$BUILD.cmake.log" 2>&1 \
  || { cat "$BUILD.cmake.log"; exit 1; }
cmake --build "$BUILD" -j"$jobs" 2>&1 | grep -E 'error|warning|Error' ; [ "${PIPESTATUS[0]}" -eq 0 ] || exit 1

pgdir=$(mktemp -d /tmp/fftest-pg.XXXXXX)
port=$((20000 + RANDOM % 20000))
cleanup() { scripts/pg.sh stop "$pgdir"; rm -rf "$pgdir"; }
trap cleanup EXIT
PG_FSYNC=off scripts/pg.sh start "$pgdir" "$port" >/dev/null || exit 1
export FF_TEST_PG_ADMIN="host=$pgdir/sock port=$port dbname=postgres user=postgres"
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

log=$(mktemp /tmp/fftest-ctest.XXXXXX)
ctest --test-dir "$BUILD" -j"$jobs" --output-on-failure ${FF_TEST_ARGS:-} 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
# the cmocka summary of every test program (ctest keeps their output)
last="$BUILD/Testing/Temporary/LastTest.log"
if [ -f "$last" ]; then
  echo "cmocka summary:"
  awk '/^[0-9]+\/[0-9]+ Testing: / { name = $3 }
       /^\[  PASSED  \] [0-9]+ test/ { printf "  %-40s %s\n", name, $0 }
       /^\[  FAILED  \] [0-9]+ test/ { printf "  %-40s %s\n", name, $0 }' "$last"
fi
# the closing line in the plain form CI reads
summary=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -1)
total=$(echo "$summary" | sed -E 's/.* out of ([0-9]+).*/\1/')
failed=$(echo "$summary" | sed -E 's/.*, ([0-9]+) tests failed.*/\1/')
rm -f "$log"
# the short fuzzing run (STYLE.md), after the tests so it does not compete
# with their timing: fixed seed and run counts, clang build in build/fuzz
if [ -z "${FF_TEST_ARGS:-}" ] && [ -n "$summary" ]; then
  echo "fuzzing (scripts/fuzz.sh):"
  total=$((total + 1))
  if ! scripts/fuzz.sh; then
    failed=$((failed + 1))
    rc=1
  fi
fi
if [ -n "$summary" ]; then
  echo "$((total - failed)) passed, $failed failed"
fi
exit "$rc"
