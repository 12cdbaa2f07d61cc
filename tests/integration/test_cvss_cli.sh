#!/usr/bin/env bash
# `flawfix cvss` end to end ($1 = the flawfix binary): valid and malformed
# vectors through --json on stdin, the plain output, arguments, --help, the
# non-zero exit, and the positioned errors on stderr. Expected scores are
# taken from the reference fixtures (tests/fixtures/cvss), not typed in.
set -uo pipefail
bin=${1:?usage: test_cvss_cli.sh FLAWFIX_BINARY}
src=$(cd "$(dirname "$0")/../.." && pwd)
fx=$src/tests/fixtures/cvss
tmp=$(mktemp -d /tmp/ffcvss.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; fails=$((fails + 1)); fi; }

# reference rows: 200 v4 base, 200 v4 full, 200 v3.1, 100 v3.0
zcat "$fx/v4-base-all.tsv.gz" | awk 'NR % 521 == 1' | head -200 >"$tmp/v4b"
zcat "$fx/v4-full-random.tsv.gz" | awk 'NR % 97 == 3' | head -200 >"$tmp/v4f"
sed -E 's/ - \(([0-9.]+), ([0-9.]+), ([0-9.]+)\)$/\t\1\t\2\t\3/' "$fx/v31/first-random31" | head -200 >"$tmp/v31"
sed -E 's/ - \(([0-9.]+), ([0-9.]+), ([0-9.]+)\)$/\t\1\t\2\t\3/' "$fx/v31/first-random3" | head -100 >"$tmp/v30"

# valid lines interleaved with malformed ones (and a CRLF line)
{
  head -100 "$tmp/v4b" | cut -f1
  echo 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:L:H/SC:H/SI:H/SA:H'
  tail -100 "$tmp/v4b" | cut -f1
  echo 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:L/SI:H'
  cut -f1 "$tmp/v4f"
  echo 'CVSS:4.0'
  cut -f1 "$tmp/v31"
  printf '%s\r\n' "$(head -1 "$tmp/v30" | cut -f1)"
  tail -n +2 "$tmp/v30" | cut -f1
  echo 'cvss:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'
  echo 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/CR:H/E:A'
  echo ' CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H'
} >"$tmp/in"
"$bin" cvss --json <"$tmp/in" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "exit status is 1 with malformed lines (got $rc)" '[ "$rc" = 1 ]'
check "700 JSON lines for 700 valid vectors" '[ "$(wc -l <"$tmp/out")" = 700 ]'
check "6 errors on stderr" '[ "$(wc -l <"$tmp/err")" = 6 ]'
check "error names line, offset and metric (extra :value)" \
  'grep -q "^flawfix cvss: line 101: offset 48, metric VA: more than one .:. in metric VA" "$tmp/err"'
check "error for a missing trailing Base metric" \
  'grep -q "^flawfix cvss: line 202: offset 58, metric SA: missing Base metric SA" "$tmp/err"'
check "error for the bare prefix" 'grep -q "^flawfix cvss: line 403: offset 8: nothing but the prefix" "$tmp/err"'
check "error for lower-case prefix" 'grep -q "line 704: offset 0: the prefix is case-sensitive" "$tmp/err"'
check "error for out-of-order metrics" 'grep -q "line 705: offset 69, metric E: metric E is out of order" "$tmp/err"'
check "error for a leading blank" 'grep -q "line 706: offset 0: leading blank" "$tmp/err"'

python3 - "$tmp" <<'PY' >"$tmp/cmp" 2>&1
import json, sys
t = sys.argv[1]
out = [json.loads(l) for l in open(t + "/out")]
def rows(name): return [l.rstrip("\n").split("\t") for l in open(t + "/" + name)]
v4 = rows("v4b") + rows("v4f")
v3 = rows("v31") + rows("v30")
bad = 0
for o, r in zip(out[:400], v4):
    if o["version"] != "4.0" or abs(o["score"] - float(r[1])) > 1e-9 or o["severity"] != r[2].lower() or o["macrovector"] != r[3]:
        bad += 1; print("v4", r, o)
for o, r in zip(out[400:], v3):
    got = (o["base_score"], o["temporal_score"], o["environmental_score"])
    if any(abs(g - float(x)) > 1e-9 for g, x in zip(got, r[1:4])) or o["score"] != o["environmental_score"]:
        bad += 1; print("v3", r, o)
    if o["version"] != r[0][5:8]: bad += 1; print("version", r, o)
# canonical: base vectors come out unchanged, explicit X is dropped
for o, r in zip(out[:200], v4):
    if o["vector"] != r[0]: bad += 1; print("canon", r[0], o["vector"])
for o in out[200:400]:
    if ":X" in o["vector"]: bad += 1; print("X kept", o["vector"])
keys4 = {"vector", "version", "score", "severity", "macrovector"}
keys3 = {"vector", "version", "score", "severity", "base_score", "temporal_score", "environmental_score"}
bad += sum(1 for o in out[:400] if set(o) != keys4) + sum(1 for o in out[400:] if set(o) != keys3)
print("mismatches", bad)
PY
check "JSON scores, severities, MacroVectors, keys equal the fixtures ($(tail -1 "$tmp/cmp"))" 'grep -q "^mismatches 0$" "$tmp/cmp"'

# a NUL inside a line and an over-long line are errors; numbering goes on
{ printf '%s\0junk\n' "$(head -1 "$tmp/v4b" | cut -f1)"; head -c 5000 /dev/zero | tr '\0' A; echo
  head -1 "$tmp/v31" | cut -f1; printf '%s' "$(head -1 "$tmp/v30" | cut -f1)"; } >"$tmp/odd"
"$bin" cvss --json <"$tmp/odd" >"$tmp/oddout" 2>"$tmp/odderr"
rc=$?
check "NUL byte rejected at its offset" 'grep -q "line 1: offset [0-9]*: byte 0x00 not allowed" "$tmp/odderr"'
check "over-long line rejected" 'grep -q "line 2: offset 1024: line longer than 1024 bytes" "$tmp/odderr"'
check "lines after them (and a last line without newline) still scored, exit 1" \
  '[ "$rc" = 1 ] && [ "$(wc -l <"$tmp/oddout")" = 2 ]'

# all valid: exit 0; arguments; plain output
good=$(head -1 "$tmp/v4b" | cut -f1)
"$bin" cvss "$good" >"$tmp/plain" 2>&1
rc=$?
check "valid argument exits 0" '[ "$rc" = 0 ]'
check "plain output has vector, version, score, severity, MacroVector" \
  '[ "$(cat "$tmp/plain")" = "$(awk -F"\t" "NR==1 {printf \"%s\t4.0\t%s\t%s\tmacrovector=%s\", \$1, \$2, tolower(\$3), \$4}" "$tmp/v4b")" ]'
"$bin" cvss --json "$good" 'CVSS:3.1/AV:N' >"$tmp/args" 2>"$tmp/argserr"
rc=$?
check "arguments: one good, one bad -> exit 1, one line each" \
  '[ "$rc" = 1 ] && [ "$(wc -l <"$tmp/args")" = 1 ] && grep -q "argument 2: offset 13, metric AC: missing Base metric AC" "$tmp/argserr"'
"$bin" cvss --help >"$tmp/help" 2>&1
check "--help exits 0 and documents --json" '[ $? = 0 ] && grep -q -- "--json" "$tmp/help"'
"$bin" cvss --bogus </dev/null >/dev/null 2>&1
check "unknown option exits 2" '[ $? = 2 ]'

[ "$fails" = 0 ] && echo "all cvss CLI checks passed" && exit 0
echo "$fails cvss CLI check(s) failed"; cat "$tmp/cmp" | head -20; exit 1
