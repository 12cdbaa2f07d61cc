#!/usr/bin/env bash
# Rescoring of 1,000,000 findings (10 assets, 50,000 CVEs with CVSS 3.1 and
# 4.0 base vectors from the NVD mirror, 5% of them in CISA KEV):
# first scoring (every finding written, each with its audit event), an
# unchanged pass (read and compute only), and a KEV update touching 5% of the
# CVEs. Ceiling in the same run: PostgreSQL reading the same scoring inputs
# (COPY of the join to /dev/null).
set -euo pipefail
bin=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${FF_BENCH_OUT:-/tmp}/rescore; rm -rf "$out"; mkdir -p "$out"; chmod 755 "$out"
N=${FF_BENCH_FINDINGS:-1000000}
pgport=$((30000 + RANDOM % 10000))
dsn=$(PG_FSYNC=${FF_BENCH_FSYNC:-on} "$root/scripts/pg.sh" start "$out/pg" "$pgport")
trap '"$root/scripts/pg.sh" stop "$out/pg"' EXIT
export FLAWFIX_DATABASE_URL=$dsn FLAWFIX_LOG_LEVEL=warn
"$bin" migrate >"$out/migrate.log" 2>&1 || { cat "$out/migrate.log" >&2; exit 1; }
psqlc() { runuser -u postgres -- psql -h "$out/pg/sock" -p "$pgport" -U postgres -d flawfix -qtA -v ON_ERROR_STOP=1 "$@"; }
psqlc <<SQL
INSERT INTO asset (org_id, name, slug, kind, confidentiality_requirement, internet_exposed)
  SELECT 1, 'bench ' || i, 'bench-' || i, 'application', (ARRAY['low','medium','high','not_defined'])[1 + i % 4], i % 2 = 0
  FROM generate_series(1, 10) i;
INSERT INTO cve (id, base_version, base_vector, base_score, base_source, base_type, published, last_modified)
  SELECT 'CVE-2099-' || lpad(i::text, 5, '0'),
    CASE WHEN i % 2 = 0 THEN '3.1' ELSE '4.0' END,
    CASE WHEN i % 2 = 0 THEN (ARRAY['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'CVSS:3.1/AV:N/AC:H/PR:L/UI:R/S:C/C:L/I:L/A:N',
                                  'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N'])[1 + i % 3]
         ELSE (ARRAY['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N',
                     'CVSS:4.0/AV:N/AC:H/AT:P/PR:L/UI:A/VC:L/VI:L/VA:N/SC:L/SI:N/SA:N',
                     'CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N'])[1 + i % 3] END,
    0, 'nvd@nist.gov', 'Primary', now(), now()
  FROM generate_series(1, 50000) i;
INSERT INTO kev (cve_id, vendor, product, name, date_added, due_date, ransomware, required_action, short_description)
  SELECT 'CVE-2099-' || lpad(i::text, 5, '0'), 'v', 'p', 'n', '2024-01-02', '2024-02-02', 'Unknown', 'patch', 'd'
  FROM generate_series(1, 50000) i WHERE i % 20 = 0;
INSERT INTO finding (org_id, asset_id, fingerprint, kind, primary_id, vuln_ids, severity)
  SELECT 1, (SELECT min(id) FROM asset) + i % 10, md5(i::text), 'sca', 'CVE-2099-' || lpad((1 + i % 50000)::text, 5, '0'),
    ARRAY['CVE-2099-' || lpad((1 + i % 50000)::text, 5, '0')], 'unknown'
  FROM generate_series(1, $N) i;
ANALYZE;
SQL
rate() { sed -nE 's/^rescored ([0-9]+) findings in ([0-9.]+) s.*/\1 \2/p' "$1" | awk '{ printf "%.0f", $1 / $2 }'; }
"$bin" feeds rescore --all >"$out/first.txt"
"$bin" feeds rescore --all >"$out/again.txt"
# ceiling: PostgreSQL reading the same inputs
t0=$(date +%s.%N)
psqlc -c "\\copy (SELECT f.id, f.primary_id, c.base_vector, c.base_version, k.cve_id IS NOT NULL, a.confidentiality_requirement,
  a.integrity_requirement, a.availability_requirement, a.internet_exposed, f.composed_vector, f.score10, f.severity, f.explanation
  FROM finding f JOIN asset a ON a.id = f.asset_id LEFT JOIN cve c ON c.id = f.primary_id LEFT JOIN kev k ON k.cve_id = f.primary_id) TO '/dev/null'"
t1=$(date +%s.%N)
ceiling=$(awk -v n="$N" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }')
# a KEV update: 5% more CVEs exploited in the wild
psqlc <<'SQL'
INSERT INTO kev (cve_id, vendor, product, name, date_added, due_date, ransomware, required_action, short_description)
  SELECT 'CVE-2099-' || lpad(i::text, 5, '0'), 'v', 'p', 'n', '2026-12-01', '2027-01-01', 'Known', 'patch', 'd'
  FROM generate_series(1, 50000) i WHERE i % 20 = 1;
INSERT INTO feed_change (source, cve_id, reason) SELECT 'kev', 'CVE-2099-' || lpad(i::text, 5, '0'), 'added'
  FROM generate_series(1, 50000) i WHERE i % 20 = 1;
SQL
"$bin" feeds rescore >"$out/kev.txt"
echo "ROW|first scoring of $N findings (all written + events)|$(rate "$out/first.txt")|$ceiling|findings/s|PostgreSQL reading the inputs"
echo "ROW|rescoring $N findings, nothing changed|$(rate "$out/again.txt")|$ceiling|findings/s|PostgreSQL reading the inputs"
echo "ROW|KEV update of 5% of CVEs: $(sed -nE 's/^rescored ([0-9]+) findings.*/\1/p' "$out/kev.txt") findings rescored|$(rate "$out/kev.txt")||findings/s|"
cat "$out"/first.txt "$out"/again.txt "$out"/kev.txt >&2
