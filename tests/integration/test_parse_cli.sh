#!/usr/bin/env bash
# `flawfix parse` end to end ($1 = the flawfix binary): --help, --json on
# real reports (counts and fields taken from the reports with jq, not typed
# in), gzip input, --format, --target in fingerprints, stdin, and the
# non-zero exit with a positioned error for unreadable reports.
set -uo pipefail
bin=${1:?usage: test_parse_cli.sh FLAWFIX_BINARY}
src=$(cd "$(dirname "$0")/../.." && pwd)
fx=$src/tests/fixtures/scanners
tmp=$(mktemp -d /tmp/ffparse.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; fails=$((fails + 1)); fi; }

"$bin" parse --help >"$tmp/help" 2>&1
check "--help exits 0 and names --format" '[ $? = 0 ] && grep -q -- "--format" "$tmp/help"'

g=$fx/grype/DefectDojo-django-DefectDojo/check_all_fields.json
"$bin" parse --json "$g" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "grype report parses (rc $rc)" '[ "$rc" = 0 ]'
check "one JSON line per match" '[ "$(grep -c "^{" "$tmp/out")" = "$(jq ".matches | length" "$g")" ]'
check "only JSON on stdout" '[ "$(grep -vc "^{" "$tmp/out")" = 0 ]'
check "summary names the format and count on stderr" \
  'grep -q "format=grype findings=$(jq ".matches | length" "$g")" "$tmp/err"'
check "first finding: rule, package, version" \
  '[ "$(head -1 "$tmp/out" | jq -r "[.rule_id,.package,.version]|join(\" \")")" = "$(jq -r ".matches[0] | [.vulnerability.id,.artifact.name,.artifact.version]|join(\" \")" "$g")" ]'
check "required keys present" \
  'head -1 "$tmp/out" | jq -e "has(\"fingerprint\") and has(\"kind\") and has(\"vuln_ids\") and has(\"severity\") and has(\"fixed_version\") and has(\"file\") and has(\"line\")" >/dev/null'

gzip -c "$g" >"$tmp/r.gz"
"$bin" parse --json "$tmp/r.gz" >"$tmp/outgz" 2>/dev/null
check "gzip input gives the same findings" 'cmp -s "$tmp/out" "$tmp/outgz"'
"$bin" parse --json - <"$g" >"$tmp/outstdin" 2>/dev/null
check "stdin (-) gives the same findings" 'cmp -s "$tmp/out" "$tmp/outstdin"'

"$bin" parse --json --target other "$g" >"$tmp/out2" 2>/dev/null
check "--target changes dependency fingerprints" \
  '[ "$(head -1 "$tmp/out" | jq -r .fingerprint)" != "$(head -1 "$tmp/out2" | jq -r .fingerprint)" ]'

s=$fx/sarif/DefectDojo-django-DefectDojo/njsscan.sarif
"$bin" parse --format sarif "$s" >"$tmp/plain" 2>"$tmp/err"
check "plain table for a declared format" '[ $? = 0 ] && [ "$(wc -l <"$tmp/plain")" = "$(jq "[.runs[].results[]] | length" "$s")" ]'

"$bin" parse --format trivy "$s" >/dev/null 2>"$tmp/err"
rc=$?
check "wrong declared format exits 1 (rc $rc)" '[ "$rc" = 1 ] && grep -q "declared format trivy but the content is sarif" "$tmp/err"'

head -c 1500 "$s" >"$tmp/trunc.sarif"
"$bin" parse --json "$tmp/trunc.sarif" >/dev/null 2>"$tmp/err"
rc=$?
check "truncated report exits 1 with line, column, byte and pointer (rc $rc)" \
  '[ "$rc" = 1 ] && grep -Eq "invalid JSON.* at line [0-9]+, column [0-9]+ \(byte 1500, pointer /runs/0/" "$tmp/err"'

echo '{"hello": 1}' >"$tmp/unknown.json"
"$bin" parse "$tmp/unknown.json" >/dev/null 2>"$tmp/err"
check "unknown format exits 1" '[ $? = 1 ] && grep -q "unknown format" "$tmp/err"'
"$bin" parse --format nosuch "$s" >/dev/null 2>&1
check "unknown --format value exits 2" '[ $? = 2 ]'
"$bin" parse "$tmp/missing.json" >/dev/null 2>"$tmp/err"
check "missing file exits 1" '[ $? = 1 ] && grep -q "could not open" "$tmp/err"'
"$bin" parse --max-results 2 "$g" >/dev/null 2>"$tmp/err"
check "--max-results is enforced" '[ $? = 1 ] && grep -q "more than 2 findings" "$tmp/err"'

[ "$fails" = 0 ] && echo "all parse CLI checks passed"
exit $((fails > 0))
