#include "q_scan.h"

#include <libpq/libpq-fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/mem.h"
#include "common/rc.h"

#define LL(buf, v) snprintf(buf, sizeof(buf), "%lld", (long long)(v))

/* copies the spooled report into a new large object; returns its oid or 0 */
static Oid store_report(struct db *db, int fd)
{
	PGconn *pg = db_pg(db);
	Oid oid = lo_creat(pg, INV_READ | INV_WRITE);
	if (oid == InvalidOid)
		return 0;
	int lo = lo_open(pg, oid, INV_WRITE);
	if (lo < 0)
		return 0;
	/* 1 MiB a write: a 300 MB report is 300 round trips, not 4,600 */
	enum { CHUNK = 1 << 20 };
	char *chunk = xmalloc(CHUNK);
	ssize_t n = -1;
	Oid ok = 0;
	if (lseek(fd, 0, SEEK_SET) < 0)
		goto out;
	while ((n = read(fd, chunk, CHUNK)) > 0) {
		if (lo_write(pg, lo, chunk, (size_t)n) != (int)n)
			goto out;
	}
	if (n == 0 && lo_close(pg, lo) == 0)
		ok = oid;
out:
	free(chunk);
	return ok;
}

int scan_create(struct db *db, const struct scan_new *s, long long *scan_id)
{
	char org[24], asset[24], user[24], token[24], oid[24], size[24];
	LL(org, s->org_id);
	LL(asset, s->asset_id);
	LL(user, s->user_id);
	LL(token, s->token_id);
	LL(size, s->size);
	int rc = db_begin(db);
	if (rc)
		return rc;
	Oid o = store_report(db, s->spool_fd);
	if (!o) {
		log_error("scan", "could not store the report: %s", PQerrorMessage(db_pg(db)));
		rc = FF_ETEMP;
		goto fail;
	}
	snprintf(oid, sizeof(oid), "%u", o);
	const char *p[] = { org, asset, s->scanner, s->target ? s->target : "", s->ref, s->partial ? "t" : "f",
			    s->format, oid, size, s->user_id ? user : NULL, s->token_id ? token : NULL };
	PGresult *r = db_exec(db,
		"WITH sc AS (INSERT INTO scan_scope (org_id, asset_id, scanner, target) VALUES ($1, $2, $3, $4)"
		"  ON CONFLICT (asset_id, scanner, target) DO UPDATE SET scanner = excluded.scanner RETURNING id),"
		" a AS (SELECT default_branch FROM asset WHERE id = $2)"
		" INSERT INTO scan (org_id, asset_id, scope_id, ref, is_default_ref, partial, format, report_oid,"
		"  report_size, uploaded_by, token_id)"
		" SELECT $1, $2, sc.id, coalesce($5, a.default_branch), coalesce($5, a.default_branch) = a.default_branch,"
		"  $6::bool, $7, $8::oid, $9, $10, $11 FROM sc, a RETURNING id", 11, p);
	if (!r) {
		rc = db_last_rc(db);
		goto fail;
	}
	*scan_id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	char ids[24], payload[64], key[40];
	LL(ids, *scan_id);
	snprintf(payload, sizeof(payload), "{\"scan_id\": %s}", ids);
	snprintf(key, sizeof(key), "scan-%s", ids);
	const char *q[] = { org, payload, key };
	if ((rc = db_cmd(db, "INSERT INTO job (org_id, kind, payload, idempotency_key) VALUES ($1, 'scan.import', $2::jsonb, $3)",
			 3, q)) ||
	    (rc = db_cmd(db, "SELECT pg_notify('ff_job', '')", 0, NULL)) || (rc = db_commit(db)))
		goto fail;
	return FF_OK;
fail:
	db_rollback(db);
	return rc;
}

int scan_json(struct db *db, long long org_id, long long scan_id, char **out, char *status, size_t statuslen)
{
	char org[24], id[24];
	LL(org, org_id);
	LL(id, scan_id);
	const char *p[] = { org, id };
	PGresult *r = db_exec(db,
		"SELECT json_build_object('id', s.id, 'asset', a.slug, 'scanner', sc.scanner, 'target', sc.target,"
		" 'ref', s.ref, 'default_ref', s.is_default_ref, 'partial', s.partial, 'status', s.status,"
		" 'format', coalesce(s.detected_format, s.format), 'tool', json_build_object('name', s.tool_name,"
		" 'version', s.tool_version), 'report_size', s.report_size, 'findings', s.findings,"
		" 'diff', coalesce(s.diff, json_build_object('new', s.n_new, 'still_present', s.n_still_present,"
		"   'fixed', s.n_fixed, 'reopened', s.n_reopened)::jsonb),"
		" 'error', s.error, 'sql_statements', s.sql_statements, 'created_at', s.created_at, 'started_at', s.started_at,"
		" 'finished_at', s.finished_at, 'url', '/api/v1/scans/' || s.id)::text, s.status"
		" FROM scan s JOIN asset a ON a.id = s.asset_id JOIN scan_scope sc ON sc.id = s.scope_id"
		" WHERE s.org_id = $1 AND s.id = $2", 2, p);
	if (!r)
		return db_last_rc(db);
	int rc = PQntuples(r) == 1 ? FF_OK : FF_ENOTFOUND;
	if (!rc) {
		*out = xstrdup(PQgetvalue(r, 0, 0));
		if (status)
			snprintf(status, statuslen, "%s", PQgetvalue(r, 0, 1));
	}
	PQclear(r);
	return rc;
}

int scan_list_json(struct db *db, long long org_id, long long asset_id, long long before_id, int limit,
		   char **out)
{
	char org[24], asset[24], before[24], lim[16];
	LL(org, org_id);
	LL(asset, asset_id);
	LL(before, before_id > 0 ? before_id : 9223372036854775807LL);
	LL(lim, limit);
	const char *p[] = { org, asset, before, lim };
	PGresult *r = db_exec(db,
		"WITH page AS (SELECT s.* FROM scan s WHERE s.org_id = $1 AND s.asset_id = $2 AND s.id < $3"
		"  ORDER BY s.id DESC LIMIT $4::int + 1), shown AS (SELECT * FROM page ORDER BY id DESC LIMIT $4::int)"
		" SELECT json_build_object('items', coalesce((SELECT json_agg(json_build_object('id', s.id,"
		"  'scanner', sc.scanner, 'target', sc.target, 'ref', s.ref, 'status', s.status, 'findings', s.findings,"
		"  'new', s.n_new, 'still_present', s.n_still_present, 'fixed', s.n_fixed, 'reopened', s.n_reopened,"
		"  'created_at', s.created_at) ORDER BY s.id DESC) FROM shown s JOIN scan_scope sc ON sc.id = s.scope_id), '[]'),"
		"  'next_cursor', CASE WHEN (SELECT count(*) FROM page) > $4::int THEN (SELECT min(id) FROM shown)::text END)::text",
		4, p);
	if (!r)
		return db_last_rc(db);
	*out = xstrdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	return FF_OK;
}

static PGresult *counted(struct db *db, struct scan_import *si, const char *sql, int n, const char *const *p)
{
	si->statements++;
	return db_exec(db, sql, n, p);
}

static int counted_cmd(struct db *db, struct scan_import *si, const char *sql, int n, const char *const *p)
{
	si->statements++;
	return db_cmd(db, sql, n, p);
}

int scan_import_begin(struct db *db, long long scan_id, struct scan_import *si)
{
	char id[24];
	LL(id, scan_id);
	memset(si, 0, sizeof(*si));
	si->lo_fd = -1;
	si->scan_id = scan_id;
	int rc = counted_cmd(db, si, "BEGIN", 0, NULL);
	if (rc)
		return rc;
	const char *p[] = { id };
	PGresult *r = counted(db, si,
		"UPDATE scan s SET status = 'running', started_at = clock_timestamp() FROM scan_scope sc"
		" WHERE s.id = $1 AND sc.id = s.scope_id AND s.status IN ('queued', 'running')"
		" RETURNING s.org_id, s.asset_id, s.scope_id, sc.scanner, sc.target, s.ref, coalesce(s.format, ''),"
		" s.partial, s.is_default_ref, s.report_oid", 1, p);
	if (!r) {
		rc = db_last_rc(db);
		goto fail;
	}
	if (PQntuples(r) != 1 || PQgetisnull(r, 0, 9)) {
		PQclear(r);
		rc = FF_ENOTFOUND;
		goto fail;
	}
	si->org_id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	si->asset_id = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
	si->scope_id = strtoll(PQgetvalue(r, 0, 2), NULL, 10);
	snprintf(si->scanner, sizeof(si->scanner), "%s", PQgetvalue(r, 0, 3));
	snprintf(si->target, sizeof(si->target), "%s", PQgetvalue(r, 0, 4));
	snprintf(si->ref, sizeof(si->ref), "%s", PQgetvalue(r, 0, 5));
	snprintf(si->format, sizeof(si->format), "%s", PQgetvalue(r, 0, 6));
	si->partial = PQgetvalue(r, 0, 7)[0] == 't';
	si->is_default_ref = PQgetvalue(r, 0, 8)[0] == 't';
	si->report_oid = (unsigned int)strtoul(PQgetvalue(r, 0, 9), NULL, 10);
	PQclear(r);
	if ((rc = counted_cmd(db, si,
		"CREATE TEMP TABLE stage (ord bigserial, fingerprint text NOT NULL, kind text, rule_id text,"
		" primary_id text, vuln_ids text[], title text, description text, tool_severity text, severity text,"
		" tool_cvss jsonb, pkg_name text, purl text, version text, fixed_version text, file text,"
		" start_line int, end_line int, snippet text, cwes text[], image text, layer text, target text,"
		" vex_state text, vex_justification text, tool_name text) ON COMMIT DROP", 0, NULL)))
		goto fail;
	si->statements++;
	si->lo_fd = lo_open(db_pg(db), si->report_oid, INV_READ);
	if (si->lo_fd < 0) {
		log_error("scan", "could not open the stored report scan=%lld: %s", scan_id, PQerrorMessage(db_pg(db)));
		rc = FF_EPERM;
		goto fail;
	}
	return FF_OK;
fail:
	db_rollback(db);
	return rc;
}

/* the report is read from the large object in 1 MiB pieces whatever the
 * parser asks for, so a 300 MB report costs 300 round trips, not 5,000 */
#define LO_CHUNK (1 << 20)

ssize_t scan_import_read(struct db *db, struct scan_import *si, void *buf, size_t n)
{
	if (!si->chunk)
		si->chunk = xmalloc(LO_CHUNK);
	if (si->chunk_pos >= si->chunk_len) {
		si->statements++;
		int got = lo_read(db_pg(db), si->lo_fd, si->chunk, LO_CHUNK);
		if (got < 0)
			return -1;
		si->chunk_len = (size_t)got;
		si->chunk_pos = 0;
		if (got == 0)
			return 0;
	}
	size_t take = si->chunk_len - si->chunk_pos;
	if (take > n)
		take = n;
	memcpy(buf, si->chunk + si->chunk_pos, take);
	si->chunk_pos += take;
	return (ssize_t)take;
}

int scan_import_stage(struct db *db, struct scan_import *si, const char *rows, size_t len)
{
	si->statements++;
	int rc = db_copy_begin(db,
		"COPY stage (fingerprint, kind, rule_id, primary_id, vuln_ids, title, description, tool_severity,"
		" severity, tool_cvss, pkg_name, purl, version, fixed_version, file, start_line, end_line, snippet,"
		" cwes, image, layer, target, vex_state, vex_justification, tool_name) FROM STDIN");
	if (rc)
		return rc;
	if ((rc = db_copy_put(db, rows, len))) {
		db_copy_abort(db, "import stopped");
		return rc;
	}
	return db_copy_end(db);
}

/* The set-based import. $1 org, $2 asset, $3 scan, $4 scope, $5 complete (bool). */
static const char *const apply_sql[] = {
	/* one row per fingerprint: the first occurrence in the report wins */
	"CREATE TEMP TABLE s ON COMMIT DROP AS SELECT DISTINCT ON (fingerprint) * FROM stage ORDER BY fingerprint, ord",
	/* temporary tables have no statistics: without them the planner takes
	 * 100,000 staged rows for a handful and joins them in nested loops */
	"ANALYZE s (fingerprint)",
	/* new findings */
	"WITH ins AS (INSERT INTO finding (org_id, asset_id, fingerprint, kind, rule_id, primary_id, vuln_ids, title,"
	" description, tool_severity, severity, tool_cvss, pkg_name, purl, version, fixed_version, file, start_line,"
	" end_line, snippet, cwes, image, layer, target, vex_state, vex_justification, last_scan_id)"
	" SELECT $1, $2, s.fingerprint, s.kind, s.rule_id, s.primary_id, s.vuln_ids, s.title, s.description,"
	" s.tool_severity, s.severity, s.tool_cvss, s.pkg_name, s.purl, s.version, s.fixed_version, s.file,"
	" s.start_line, s.end_line, s.snippet, s.cwes, s.image, s.layer, s.target, s.vex_state, s.vex_justification, $3"
	" FROM s ON CONFLICT (asset_id, fingerprint) DO NOTHING RETURNING id)"
	" INSERT INTO scan_change (org_id, scan_id, finding_id, change) SELECT $1, $3, id, 'new' FROM ins",
	/* fixed before, reported again: reopened */
	"WITH re AS (UPDATE finding f SET state = 'open', state_changed_at = now(), row_version = f.row_version + 1,"
	" updated_at = now() FROM s WHERE f.asset_id = $2 AND f.fingerprint = s.fingerprint AND f.state = 'fixed'"
	" RETURNING f.id)"
	" INSERT INTO scan_change (org_id, scan_id, finding_id, change) SELECT $1, $3, id, 'reopened' FROM re",
	/* every reported finding: seen now, tool data refreshed (lines move) */
	"UPDATE finding f SET last_seen = now(), last_scan_id = $3, title = s.title, description = s.description,"
	" version = s.version, fixed_version = s.fixed_version, file = s.file, start_line = s.start_line,"
	" end_line = s.end_line, snippet = s.snippet, tool_severity = s.tool_severity, tool_cvss = s.tool_cvss,"
	" vex_state = s.vex_state, vex_justification = s.vex_justification"
	" FROM s WHERE f.asset_id = $2 AND f.fingerprint = s.fingerprint AND f.last_scan_id IS DISTINCT FROM $3",
	/* verifying, still reported: the fix did not work; back to mitigating,
	 * the ticket is reopened with a comment (ticket.reopen) */
	"CREATE TEMP TABLE vr ON COMMIT DROP AS SELECT f.id FROM finding f JOIN s ON f.asset_id = $2"
	" AND f.fingerprint = s.fingerprint WHERE f.state = 'verifying' ORDER BY f.id FOR UPDATE OF f",
	"UPDATE finding f SET state = 'mitigating', state_changed_at = now(), row_version = f.row_version + 1,"
	" updated_at = now() FROM vr WHERE f.id = vr.id",
	"INSERT INTO event (org_id, asset_id, finding_id, actor_type, actor_id, actor_name, source, type,"
	" from_state, to_state, payload, prev_hash, hash)"
	" SELECT $1, $2, vr.id, 'system', $3::text, 'scan ' || $3, 'worker', 'ticket_reopened', 'verifying', 'mitigating',"
	" jsonb_build_object('scan_id', $3, 'scope_id', $4, 'reason', 'still reported after the ticket was closed'), '', ''"
	" FROM vr ORDER BY vr.id",
	"INSERT INTO job (org_id, kind, payload, idempotency_key) SELECT $1, 'ticket.reopen',"
	" jsonb_build_object('finding_id', vr.id, 'scan_id', $3), 'ticket.reopen:' || vr.id || ':' || $3"
	" FROM vr JOIN ticket t ON t.finding_id = vr.id ON CONFLICT DO NOTHING",
	/* this scope reports them */
	"INSERT INTO finding_source (org_id, finding_id, scope_id, tool_name, present, last_seen, last_scan_id)"
	" SELECT $1, f.id, $4, s.tool_name, true, now(), $3 FROM s JOIN finding f ON f.asset_id = $2"
	" AND f.fingerprint = s.fingerprint"
	" ON CONFLICT (finding_id, scope_id) DO UPDATE SET present = true, last_seen = now(),"
	" last_scan_id = excluded.last_scan_id, tool_name = excluded.tool_name",
	/* a complete scan: what this scope reported before and not now is gone from it */
	"UPDATE finding_source SET present = false WHERE $5::bool AND scope_id = $4 AND present AND last_scan_id <> $3",
	/* fixed: no scope reports it any more */
	"CREATE TEMP TABLE fx ON COMMIT DROP AS SELECT f.id, f.state AS old_state FROM finding f"
	" WHERE $5::bool AND f.asset_id = $2 AND f.state <> 'fixed'"
	" AND EXISTS (SELECT 1 FROM finding_source x WHERE x.finding_id = f.id AND x.scope_id = $4 AND x.last_scan_id <> $3)"
	" AND NOT EXISTS (SELECT 1 FROM finding_source x WHERE x.finding_id = f.id AND x.present)"
	" ORDER BY f.id FOR UPDATE OF f",
	"ANALYZE fx",
	"UPDATE finding f SET state = 'fixed', state_changed_at = now(), row_version = f.row_version + 1, updated_at = now()"
	" FROM fx WHERE f.id = fx.id",
	"INSERT INTO scan_change (org_id, scan_id, finding_id, change) SELECT $1, $3, id, 'fixed' FROM fx",
	/* fixed findings with a ticket: a closing comment (ticket.close) */
	"INSERT INTO job (org_id, kind, payload, idempotency_key) SELECT $1, 'ticket.close',"
	" jsonb_build_object('finding_id', fx.id, 'scan_id', $3), 'ticket.close:' || fx.id || ':' || $3"
	" FROM fx JOIN ticket t ON t.finding_id = fx.id ON CONFLICT DO NOTHING",
	/* the audit events of every state change, one per finding */
	"INSERT INTO event (org_id, asset_id, finding_id, actor_type, actor_id, actor_name, source, type,"
	" from_state, to_state, payload, prev_hash, hash)"
	" SELECT $1, $2, c.finding_id, 'system', $3::text, 'scan ' || $3, 'worker',"
	" CASE c.change WHEN 'new' THEN 'detect' WHEN 'reopened' THEN 'reappear' ELSE 'resolve_by_scan' END,"
	" CASE c.change WHEN 'new' THEN NULL WHEN 'reopened' THEN 'fixed' ELSE fx.old_state END,"
	" CASE c.change WHEN 'fixed' THEN 'fixed' ELSE 'open' END,"
	" jsonb_build_object('scan_id', $3, 'scope_id', $4, 'change', c.change), '', ''"
	" FROM scan_change c LEFT JOIN fx ON fx.id = c.finding_id WHERE c.scan_id = $3 ORDER BY c.finding_id",
	NULL,
};

#define DIFF_LIST_MAX "1000"

/* the diff with the findings of each kind (lists capped) and the untreated
 * new/still-present findings by severity, for CI's --fail-on */
static const char *diff_sql =
	"WITH ch AS (SELECT c.finding_id, c.change FROM scan_change c WHERE c.scan_id = $3),"
	" ids AS (SELECT f.id FROM s JOIN finding f ON f.asset_id = $2 AND f.fingerprint = s.fingerprint"
	"  UNION SELECT finding_id FROM ch),"
	" item AS (SELECT f.id, coalesce(ch.change, 'still_present') AS change, f.state, f.severity"
	"  FROM ids JOIN finding f ON f.id = ids.id LEFT JOIN ch ON ch.finding_id = f.id),"
	" counts AS (SELECT change, count(*) AS n FROM item GROUP BY change),"
	" listed AS (SELECT id, change FROM (SELECT id, change, row_number() OVER (PARTITION BY change ORDER BY id) rn"
	"  FROM item) x WHERE rn <= " DIFF_LIST_MAX "),"
	" lists AS (SELECT l.change, jsonb_agg(jsonb_build_object('id', f.id,"
	"  'fingerprint', f.fingerprint, 'kind', f.kind, 'rule_id', f.rule_id, 'primary_id', f.primary_id,"
	"  'title', f.title, 'severity', f.severity, 'state', f.state, 'package', f.pkg_name, 'version', f.version,"
	"  'fixed_version', f.fixed_version, 'file', f.file, 'line', f.start_line) ORDER BY f.id) AS j"
	"  FROM listed l JOIN finding f ON f.id = l.id GROUP BY l.change)"
	" SELECT jsonb_build_object("
	"  'new', coalesce((SELECT n FROM counts WHERE change = 'new'), 0),"
	"  'still_present', coalesce((SELECT n FROM counts WHERE change = 'still_present'), 0),"
	"  'fixed', coalesce((SELECT n FROM counts WHERE change = 'fixed'), 0),"
	"  'reopened', coalesce((SELECT n FROM counts WHERE change = 'reopened'), 0),"
	"  'untreated_by_severity', coalesce((SELECT jsonb_object_agg(severity, n) FROM (SELECT severity, count(*) n"
	"    FROM item WHERE change <> 'fixed' AND state = 'open' GROUP BY severity) u), '{}'),"
	"  'findings', jsonb_build_object("
	"   'new', coalesce((SELECT j FROM lists WHERE change = 'new'), '[]'),"
	"   'still_present', coalesce((SELECT j FROM lists WHERE change = 'still_present'), '[]'),"
	"   'fixed', coalesce((SELECT j FROM lists WHERE change = 'fixed'), '[]'),"
	"   'reopened', coalesce((SELECT j FROM lists WHERE change = 'reopened'), '[]')),"
	"  'lists_capped_at', " DIFF_LIST_MAX ")::text";

static int apply(struct db *db, struct scan_import *si, char **diff)
{
	char org[24], asset[24], scan[24], scope[24];
	LL(org, si->org_id);
	LL(asset, si->asset_id);
	LL(scan, si->scan_id);
	LL(scope, si->scope_id);
	const char *p[] = { org, asset, scan, scope, si->partial ? "f" : "t" };
	static const Oid types[] = { 20, 20, 20, 20, 16 };
	for (const char *const *q = apply_sql; *q; q++) {
		si->statements++;
		PGresult *r = db_exec_typed(db, *q, 5, types, p);
		if (!r)
			return db_last_rc(db);
		PQclear(r);
	}
	si->statements++;
	PGresult *r = db_exec_typed(db, diff_sql, 5, types, p);
	if (!r)
		return db_last_rc(db);
	*diff = xstrdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	return FF_OK;
}

static int record_done(struct db *db, struct scan_import *si, const char *diff, const char *fmt, const char *tool,
		       const char *tool_version)
{
	char scan[24];
	LL(scan, si->scan_id);
	char stmts[24];
	LL(stmts, si->statements + 3 + si->is_default_ref); /* unlink, scoring job, update, commit */
	const char *p[] = { scan, diff, fmt, tool, tool_version, stmts };
	/* the stored report has served its purpose */
	int rc = counted_cmd(db, si, "SELECT lo_unlink(report_oid) FROM scan WHERE id = $1 AND report_oid IS NOT NULL",
			     1, p);
	if (rc)
		return rc;
	/* the asset's findings get their composed scores (a job: the import stays lean) */
	if (si->is_default_ref &&
	    (rc = counted_cmd(db, si,
		"INSERT INTO job (org_id, kind, payload, idempotency_key) SELECT org_id, 'score.asset',"
		" jsonb_build_object('asset_id', asset_id, 'reason', 'scan ' || id), 'score-scan-' || id"
		" FROM scan WHERE id = $1 ON CONFLICT DO NOTHING", 1, p)))
		return rc;
	return counted_cmd(db, si,
		"UPDATE scan SET status = 'done', finished_at = clock_timestamp(), diff = $2::jsonb, detected_format = $3,"
		" tool_name = $4, tool_version = $5, report_oid = NULL, sql_statements = $6,"
		" findings = ($2::jsonb->>'new')::int + ($2::jsonb->>'still_present')::int + ($2::jsonb->>'reopened')::int,"
		" n_new = ($2::jsonb->>'new')::int, n_still_present = ($2::jsonb->>'still_present')::int,"
		" n_fixed = ($2::jsonb->>'fixed')::int, n_reopened = ($2::jsonb->>'reopened')::int"
		" WHERE id = $1", 6, p);
}

int scan_import_finish(struct db *db, struct scan_import *si, const char *fmt, const char *tool, const char *tool_version)
{
	char *diff = NULL;
	free(si->chunk);
	si->chunk = NULL;
	if (si->lo_fd >= 0) {
		lo_close(db_pg(db), si->lo_fd);
		si->lo_fd = -1;
	}
	int rc = apply(db, si, &diff);
	if (rc)
		goto fail;
	if (!si->is_default_ref) {
		/* another ref: the diff goes to CI, the asset's state stays */
		db_rollback(db);
		if ((rc = counted_cmd(db, si, "BEGIN", 0, NULL)))
			goto fail;
	}
	if ((rc = record_done(db, si, diff, fmt, tool, tool_version)) || (rc = counted_cmd(db, si, "COMMIT", 0, NULL)))
		goto fail;
	free(diff);
	return FF_OK;
fail:
	free(diff);
	db_rollback(db);
	return rc;
}

int scan_import_fail(struct db *db, struct scan_import *si, const char *error_json)
{
	char scan[24];
	LL(scan, si->scan_id);
	db_rollback(db);
	si->lo_fd = -1;
	free(si->chunk);
	si->chunk = NULL;
	const char *p[] = { scan, error_json };
	return db_cmd(db, "UPDATE scan SET status = 'failed', finished_at = now(), error = $2::jsonb WHERE id = $1", 2, p);
}
