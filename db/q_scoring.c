#include "q_scoring.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/rc.h"

#define LL(buf, v) snprintf(buf, sizeof(buf), "%lld", (long long)(v))

int scoring_feed_mark(struct db *db, long long *from, long long *to)
{
	PGresult *r = db_exec(db,
		"SELECT s.last_feed_change_id, coalesce((SELECT max(id) FROM feed_change), 0)"
		" FROM scoring_state s WHERE s.id = 1", 0, NULL);
	if (!r)
		return db_last_rc(db);
	*from = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	*to = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
	PQclear(r);
	return FF_OK;
}

/* bump when the arithmetic of workflow/risk.c changes: every finding is
 * then rescored once */
#define SCORING_VERSION "risk-1"

PGresult *scoring_load(struct db *db, enum scoring_scope scope, long long arg, long long from_mark,
		       long long to_mark, long long after, int limit, int force, long long *last_id, long long *seen)
{
	char sc[24], a[24], fm[24], tm[24], af[24], lim[16];
	LL(sc, scope);
	LL(a, arg);
	LL(fm, from_mark);
	LL(tm, to_mark);
	LL(af, after);
	LL(lim, limit);
	const char *p[] = { sc, a, fm, tm, af, lim, force ? "t" : "f" };
	/* a window of findings by id; of those, the ones whose inputs digest
	 * differs from the stored one come back with their inputs */
	PGresult *r = db_exec(db,
		"WITH win AS (SELECT f.id FROM finding f WHERE f.id > $5::bigint AND f.primary_id IS NOT NULL AND CASE $1::int"
		"  WHEN 0 THEN f.asset_id = $2::bigint"
		"  WHEN 1 THEN f.primary_id IN (SELECT cve_id FROM feed_change WHERE id > $3::bigint AND id <= $4::bigint)"
		"  WHEN 3 THEN f.id = $2::bigint"
		"  ELSE true END ORDER BY f.id LIMIT $6::int),"
		" x AS (SELECT f.id, f.org_id, f.asset_id, f.primary_id, c.base_vector, c.base_version,"
		"  CASE WHEN c.base_vector IS NULL THEN NULL ELSE coalesce(c.base_source, 'nvd') ||"
		"   CASE WHEN c.base_type IS NULL THEN '' ELSE ' (' || c.base_type || ')' END END AS nvd_source,"
		"  to_char(coalesce(c.last_modified, c.published), 'YYYY-MM-DD') AS nvd_date,"
		/* the best vector the scanner carried: 4.0 > 3.1 > 3.0 */
		"  (SELECT t->>'vector' FROM jsonb_array_elements(f.tool_cvss) t"
		"    WHERE t->>'vector' LIKE 'CVSS:4.0/%' OR t->>'vector' LIKE 'CVSS:3._/%'"
		"    ORDER BY t->>'vector' DESC LIMIT 1) AS tool_vector,"
		"  k.cve_id IS NOT NULL AS in_kev, to_char(k.date_added, 'YYYY-MM-DD') AS kev_date,"
		"  (SELECT string_agg(DISTINCT e.exploit_id::text, ',') FROM exploit e WHERE e.cve_id = f.primary_id) AS exploits,"
		"  a.confidentiality_requirement, a.integrity_requirement, a.availability_requirement,"
		"  a.internet_exposed, a.keep_network_av, f.override_vector, f.override_justification,"
		"  f.composed_vector, f.score10, f.severity, f.score_version, f.base_vector AS old_base, f.base_source,"
		"  f.tool_severity, coalesce(c.rejected, false) AS rejected, k.cve_id AS kev_id, f.explanation::text AS expl,"
		"  CASE WHEN $1::int = 1 THEN (SELECT string_agg(DISTINCT fc.source || ': ' || fc.reason, '; ')"
		"   FROM feed_change fc WHERE fc.cve_id = f.primary_id AND fc.id > $3::bigint AND fc.id <= $4::bigint) END AS why,"
		"  f.score_inputs"
		"  FROM win JOIN finding f ON f.id = win.id JOIN asset a ON a.id = f.asset_id"
		"  LEFT JOIN cve c ON c.id = f.primary_id LEFT JOIN kev k ON k.cve_id = f.primary_id),"
		" y AS (SELECT x.*, md5(concat_ws('|', '" SCORING_VERSION "', base_vector, nvd_source, nvd_date, tool_vector,"
		"  kev_date, exploits, confidentiality_requirement, integrity_requirement, availability_requirement,"
		"  internet_exposed, keep_network_av, override_vector, override_justification)) AS inputs FROM x)"
		" SELECT id, org_id, asset_id, primary_id, base_vector, base_version, nvd_source, nvd_date, tool_vector,"
		"  in_kev, kev_date, exploits, confidentiality_requirement, integrity_requirement, availability_requirement,"
		"  internet_exposed, keep_network_av, override_vector, override_justification, composed_vector, score10,"
		"  severity, score_version, old_base, base_source, tool_severity, rejected, kev_id, expl, why, inputs"
		" FROM y WHERE $7::bool OR score_inputs IS DISTINCT FROM inputs"
		" UNION ALL SELECT max(id), count(*), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
		"  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '#last' FROM win"
		" ORDER BY 1", 7, p);
	*last_id = 0;
	if (!r)
		return NULL;
	/* the last row carries the window's end (inputs '#last'); drop it */
	int n = PQntuples(r);
	for (int i = 0; i < n; i++) {
		if (strcmp(PQgetvalue(r, i, SC_INPUTS), "#last") == 0 && !PQgetisnull(r, i, SC_ID)) {
			*last_id = strtoll(PQgetvalue(r, i, SC_ID), NULL, 10);
			*seen += strtoll(PQgetvalue(r, i, SC_ORG), NULL, 10);
		}
	}
	return r;
}

int scoring_mark_inputs(struct db *db, const char *rows_json)
{
	const char *p[] = { rows_json };
	return db_cmd(db,
		"UPDATE finding f SET score_inputs = x.inputs FROM jsonb_to_recordset($1::jsonb) AS x(id bigint, inputs text)"
		" WHERE f.id = x.id", 1, p);
}

int scoring_apply(struct db *db, const char *rows_json)
{
	int rc = db_begin(db);
	if (rc)
		return rc;
	const char *p[] = { rows_json };
	if ((rc = db_cmd(db,
		"UPDATE finding f SET score10 = x.score10, severity = x.severity, score_version = x.version,"
		" composed_vector = x.composed, base_vector = x.base_vector, base_source = x.base_source,"
		" base_date = x.base_date, explanation = x.explanation, score_inputs = x.inputs, updated_at = now()"
		" FROM jsonb_to_recordset($1::jsonb) AS x(id bigint, score10 int, severity text, version text,"
		"  composed text, base_vector text, base_source text, base_date text, explanation jsonb, inputs text)"
		" WHERE f.id = x.id", 1, p)))
		goto fail;
	if ((rc = db_cmd(db,
		"INSERT INTO event (org_id, asset_id, finding_id, actor_type, actor_id, actor_name, source, type,"
		" from_state, to_state, payload, prev_hash, hash)"
		" SELECT x.org_id, x.asset_id, x.id, 'system', NULL, 'risk scoring', 'worker', 'score.changed', NULL, NULL,"
		"  jsonb_build_object('old', jsonb_build_object('vector', x.old_vector, 'score',"
		"    round(x.old_score10 / 10.0, 1), 'severity', x.old_severity),"
		"   'new', jsonb_build_object('vector', x.composed, 'score', round(x.score10 / 10.0, 1),"
		"    'severity', x.severity, 'version', x.version), 'reason', x.reason), '', ''"
		" FROM jsonb_to_recordset($1::jsonb) AS x(id bigint, org_id bigint, asset_id bigint, score10 int,"
		"  severity text, version text, composed text, event bool, old_vector text, old_score10 int,"
		"  old_severity text, reason text)"
		" WHERE x.event ORDER BY x.id", 1, p)))
		goto fail;
	if ((rc = db_commit(db)))
		goto fail;
	return FF_OK;
fail:
	db_rollback(db);
	return rc;
}

int scoring_feed_done(struct db *db, long long to_mark)
{
	char tm[24];
	LL(tm, to_mark);
	const char *p[] = { tm };
	return db_cmd(db, "UPDATE scoring_state SET last_feed_change_id = greatest(last_feed_change_id, $1::bigint),"
			  " last_run = now() WHERE id = 1", 1, p);
}

int risk_snapshot_write(struct db *db, long long asset_id)
{
	char a[24];
	LL(a, asset_id);
	const char *p[] = { a };
	return db_cmd(db,
		"INSERT INTO risk_snapshot (org_id, asset_id, day, open_total, by_severity, total_risk)"
		" SELECT a.org_id, a.id, current_date, count(f.id),"
		"  coalesce((SELECT jsonb_object_agg(s.severity, s.n) FROM (SELECT severity, count(*) n FROM finding"
		"   WHERE asset_id = a.id AND state IN ('open', 'acceptance_requested', 'mitigating', 'verifying')"
		"   GROUP BY severity) s), '{}'),"
		"  coalesce(sum(f.score10), 0) / 10.0"
		" FROM asset a LEFT JOIN finding f ON f.asset_id = a.id"
		"  AND f.state IN ('open', 'acceptance_requested', 'mitigating', 'verifying')"
		" WHERE a.archived_at IS NULL AND ($1::bigint = 0 OR a.id = $1::bigint)"
		" GROUP BY a.org_id, a.id"
		" ON CONFLICT (asset_id, day) DO UPDATE SET open_total = excluded.open_total,"
		"  by_severity = excluded.by_severity, total_risk = excluded.total_risk", 1, p);
}
