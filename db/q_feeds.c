/* Feed mirrors: COPY into a temporary stage, one merge statement per batch
 * (STYLE.md habit 18; DESIGN.md section 8's staging-table pattern). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/rc.h"
#include "q_feeds.h"

#define COPY_FLUSH (256 * 1024)

struct src_def {
	const char *name;
	int ncols;
	const char *stage;          /* column definitions after "n bigint" */
	const char *merge;          /* $1 = snapshot; returns (written, changed) */
};

static const struct src_def srcs[FEEDS_NSRC] = {
	[FEEDS_NVD] = {
		"nvd", 14,
		"id text, cna text, published text, last_modified text, vuln_status text, rejected boolean, "
		"description text, cwes text, metrics text, base_version text, base_vector text, base_score text, "
		"base_source text, base_type text",
		"WITH s AS (SELECT DISTINCT ON (id) * FROM ff_stage ORDER BY id, n DESC), "
		"ch AS (SELECT s.id FROM s LEFT JOIN cve c ON c.id = s.id WHERE c.id IS NULL OR "
		"  (c.base_version, c.base_vector, c.rejected) IS DISTINCT FROM (s.base_version, s.base_vector, s.rejected)), "
		"up AS (INSERT INTO cve AS c (id, cna, published, last_modified, vuln_status, rejected, description, cwes, "
		"  metrics, base_version, base_vector, base_score, base_source, base_type, synced_at) "
		"  SELECT id, cna, published::timestamp AT TIME ZONE 'UTC', last_modified::timestamp AT TIME ZONE 'UTC', "
		"  vuln_status, rejected, description, ARRAY(SELECT jsonb_array_elements_text(s.cwes::jsonb)), "
		"  metrics::jsonb, base_version, base_vector, base_score::numeric, base_source, base_type, now() FROM s "
		"  ON CONFLICT (id) DO UPDATE SET cna = EXCLUDED.cna, published = EXCLUDED.published, "
		"  last_modified = EXCLUDED.last_modified, vuln_status = EXCLUDED.vuln_status, rejected = EXCLUDED.rejected, "
		"  description = EXCLUDED.description, cwes = EXCLUDED.cwes, metrics = EXCLUDED.metrics, "
		"  base_version = EXCLUDED.base_version, base_vector = EXCLUDED.base_vector, "
		"  base_score = EXCLUDED.base_score, base_source = EXCLUDED.base_source, base_type = EXCLUDED.base_type, "
		"  synced_at = now() "
		"  WHERE (c.cna, c.published, c.last_modified, c.vuln_status, c.rejected, c.description, c.cwes, c.metrics, "
		"  c.base_version, c.base_vector, c.base_score, c.base_source, c.base_type) IS DISTINCT FROM "
		"  (EXCLUDED.cna, EXCLUDED.published, EXCLUDED.last_modified, EXCLUDED.vuln_status, EXCLUDED.rejected, "
		"  EXCLUDED.description, EXCLUDED.cwes, EXCLUDED.metrics, EXCLUDED.base_version, EXCLUDED.base_vector, "
		"  EXCLUDED.base_score, EXCLUDED.base_source, EXCLUDED.base_type) RETURNING 1), "
		"chg AS (INSERT INTO feed_change (source, cve_id, reason) "
		"  SELECT 'nvd', id, 'nvd base metrics or status' FROM ch RETURNING 1) "
		"SELECT (SELECT count(*) FROM up), (SELECT count(*) FROM chg) WHERE $1::boolean IS NOT NULL",
	},
	[FEEDS_KEV] = {
		"kev", 11,
		"cve_id text, vendor text, product text, name text, date_added text, due_date text, ransomware text, "
		"required_action text, short_description text, notes text, cwes text",
		"WITH s AS (SELECT DISTINCT ON (cve_id) * FROM ff_stage ORDER BY cve_id, n DESC), "
		"added AS (SELECT s.cve_id FROM s WHERE NOT EXISTS (SELECT 1 FROM kev k WHERE k.cve_id = s.cve_id)), "
		"del AS (DELETE FROM kev k WHERE $1 AND NOT EXISTS (SELECT 1 FROM ff_stage s WHERE s.cve_id = k.cve_id) "
		"  RETURNING k.cve_id), "
		"up AS (INSERT INTO kev AS k (cve_id, vendor, product, name, date_added, due_date, ransomware, "
		"  required_action, short_description, notes, cwes, synced_at) "
		"  SELECT cve_id, vendor, product, name, date_added::date, due_date::date, ransomware, required_action, "
		"  short_description, coalesce(notes, ''), coalesce(string_to_array(NULLIF(cwes, ''), ','), '{}'), now() "
		"  FROM s ON CONFLICT (cve_id) DO UPDATE SET vendor = EXCLUDED.vendor, product = EXCLUDED.product, "
		"  name = EXCLUDED.name, date_added = EXCLUDED.date_added, due_date = EXCLUDED.due_date, "
		"  ransomware = EXCLUDED.ransomware, required_action = EXCLUDED.required_action, "
		"  short_description = EXCLUDED.short_description, notes = EXCLUDED.notes, cwes = EXCLUDED.cwes, "
		"  synced_at = now() "
		"  WHERE (k.vendor, k.product, k.name, k.date_added, k.due_date, k.ransomware, k.required_action, "
		"  k.short_description, k.notes, k.cwes) IS DISTINCT FROM (EXCLUDED.vendor, EXCLUDED.product, "
		"  EXCLUDED.name, EXCLUDED.date_added, EXCLUDED.due_date, EXCLUDED.ransomware, EXCLUDED.required_action, "
		"  EXCLUDED.short_description, EXCLUDED.notes, EXCLUDED.cwes) RETURNING 1), "
		"chg AS (INSERT INTO feed_change (source, cve_id, reason) "
		"  SELECT 'kev', cve_id, 'kev added' FROM added UNION ALL SELECT 'kev', cve_id, 'kev removed' FROM del "
		"  RETURNING 1) "
		"SELECT (SELECT count(*) FROM up) + (SELECT count(*) FROM del), (SELECT count(*) FROM chg)",
	},
	[FEEDS_EPSS] = {
		"epss", 5,
		"cve_id text, score text, percentile text, model_version text, score_date text",
		"WITH s AS (SELECT DISTINCT ON (cve_id) * FROM ff_stage ORDER BY cve_id, n DESC), "
		"del AS (DELETE FROM epss e WHERE $1 AND NOT EXISTS (SELECT 1 FROM ff_stage s WHERE s.cve_id = e.cve_id) "
		"  RETURNING 1), "
		"up AS (INSERT INTO epss AS e (cve_id, score, percentile, model_version, score_date) "
		"  SELECT cve_id, score::float8, percentile::float8, model_version, score_date::date FROM s "
		"  ON CONFLICT (cve_id) DO UPDATE SET score = EXCLUDED.score, percentile = EXCLUDED.percentile, "
		"  model_version = EXCLUDED.model_version, score_date = EXCLUDED.score_date "
		"  WHERE (e.score, e.percentile, e.model_version, e.score_date) IS DISTINCT FROM "
		"  (EXCLUDED.score, EXCLUDED.percentile, EXCLUDED.model_version, EXCLUDED.score_date) RETURNING 1) "
		"SELECT (SELECT count(*) FROM up) + (SELECT count(*) FROM del), 0",
	},
	[FEEDS_EXPLOITDB] = {
		"exploitdb", 8,
		"exploit_id text, cve_id text, file text, description text, type text, platform text, "
		"date_published text, verified boolean",
		"WITH s AS (SELECT DISTINCT ON (exploit_id, cve_id) * FROM ff_stage ORDER BY exploit_id, cve_id, n DESC), "
		"gained AS (SELECT DISTINCT s.cve_id FROM s WHERE NOT EXISTS (SELECT 1 FROM exploit e WHERE e.cve_id = s.cve_id)), "
		"lost AS (SELECT DISTINCT e.cve_id FROM exploit e WHERE $1 AND NOT EXISTS "
		"  (SELECT 1 FROM ff_stage s WHERE s.cve_id = e.cve_id)), "
		"del AS (DELETE FROM exploit e WHERE $1 AND NOT EXISTS (SELECT 1 FROM ff_stage s "
		"  WHERE s.exploit_id::bigint = e.exploit_id AND s.cve_id = e.cve_id) RETURNING 1), "
		"up AS (INSERT INTO exploit AS e (exploit_id, cve_id, file, description, type, platform, date_published, "
		"  verified) SELECT exploit_id::bigint, cve_id, file, description, type, platform, "
		"  NULLIF(date_published, '')::date, verified FROM s "
		"  ON CONFLICT (exploit_id, cve_id) DO UPDATE SET file = EXCLUDED.file, description = EXCLUDED.description, "
		"  type = EXCLUDED.type, platform = EXCLUDED.platform, date_published = EXCLUDED.date_published, "
		"  verified = EXCLUDED.verified "
		"  WHERE (e.file, e.description, e.type, e.platform, e.date_published, e.verified) IS DISTINCT FROM "
		"  (EXCLUDED.file, EXCLUDED.description, EXCLUDED.type, EXCLUDED.platform, EXCLUDED.date_published, "
		"  EXCLUDED.verified) RETURNING 1), "
		"chg AS (INSERT INTO feed_change (source, cve_id, reason) "
		"  SELECT 'exploitdb', cve_id, 'exploit added' FROM gained UNION ALL "
		"  SELECT 'exploitdb', cve_id, 'exploit removed' FROM lost RETURNING 1) "
		"SELECT (SELECT count(*) FROM up) + (SELECT count(*) FROM del), (SELECT count(*) FROM chg)",
	},
};

struct feeds_batch {
	struct db *db;
	const struct src_def *def;
	enum feeds_src src;
	int snapshot;
	long long n;
	struct buf out;
	char err[256];
};

int feeds_src_ncols(enum feeds_src src)
{
	return srcs[src].ncols;
}

int feeds_src_parse(const char *name)
{
	for (int i = 0; name && i < FEEDS_NSRC; i++)
		if (strcmp(srcs[i].name, name) == 0)
			return i;
	return -1;
}

const char *feeds_src_name(enum feeds_src src)
{
	return srcs[src].name;
}

static int fail_pg(struct feeds_batch *b, const char *what)
{
	snprintf(b->err, sizeof(b->err), "%s: %s", what, PQerrorMessage(db_pg(b->db)));
	return FF_EPERM;
}

int feeds_batch_begin(struct db *db, enum feeds_src src, int snapshot, struct feeds_batch **out)
{
	struct feeds_batch *b = xcalloc(1, sizeof(*b));
	char *ddl = xasprintf("CREATE TEMP TABLE ff_stage (n bigint, %s) ON COMMIT DROP", srcs[src].stage);
	int rc;
	b->db = db;
	b->def = &srcs[src];
	b->src = src;
	b->snapshot = snapshot;
	buf_init(&b->out, 0);
	*out = NULL;
	rc = db_begin(db);
	if (!rc)
		rc = db_cmd(db, ddl, 0, NULL);
	free(ddl);
	if (rc)
		goto fail;
	if ((rc = db_copy_begin(db, "COPY ff_stage FROM STDIN"))) {
		log_error("db", "could not start COPY: %s", db_last_error(db));
		goto fail;
	}
	*out = b;
	return FF_OK;
fail:
	db_rollback(db);
	buf_free(&b->out);
	free(b);
	return rc;
}

static int flush(struct feeds_batch *b)
{
	if (b->out.len && db_copy_put(b->db, b->out.data, b->out.len))
		return fail_pg(b, "could not send rows");
	buf_reset(&b->out);
	return FF_OK;
}

int feeds_batch_row(struct feeds_batch *b, const char *const *cols)
{
	buf_printf(&b->out, "%lld", ++b->n);
	for (int i = 0; i < b->def->ncols; i++) {
		buf_putc(&b->out, '\t');
		db_copy_field(&b->out, cols[i]);
	}
	buf_putc(&b->out, '\n');
	return b->out.len >= COPY_FLUSH ? flush(b) : FF_OK;
}

static int end_copy(struct feeds_batch *b)
{
	if (flush(b))
		return FF_EPERM;
	int rc = db_copy_end(b->db);
	if (rc == FF_ETEMP)
		return fail_pg(b, "could not end COPY");
	if (rc) {
		snprintf(b->err, sizeof(b->err), "staging rejected a row: %s", db_last_error(b->db));
		return FF_EINVAL;
	}
	return FF_OK;
}

static int merge(struct feeds_batch *b, long long *written, long long *changed)
{
	const char *p[1] = { b->snapshot ? "true" : "false" };
	if (db_cmd(b->db, "ANALYZE ff_stage", 0, NULL)) {
		snprintf(b->err, sizeof(b->err), "%s", db_last_error(b->db));
		return FF_EPERM;
	}
	PGresult *r = db_exec(b->db, b->def->merge, 1, p);
	if (!r) {
		snprintf(b->err, sizeof(b->err), "merge into %s failed: %s", b->def->name, db_last_error(b->db));
		return db_last_rc(b->db) == FF_EPERM ? FF_EINVAL : db_last_rc(b->db);
	}
	*written = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	*changed = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
	PQclear(r);
	return FF_OK;
}

int feeds_batch_commit(struct feeds_batch *b, const char *cursor_json, long long *written, long long *changed,
		       char *err, size_t errlen)
{
	long long w = 0, c = 0;
	const char *p[2] = { b->def->name, cursor_json };
	int rc = end_copy(b);
	if (!rc)
		rc = merge(b, &w, &c);
	if (!rc && db_cmd(b->db, "UPDATE feed_state SET resume_cursor = $2::jsonb, last_attempt = now() WHERE source = $1",
			  2, p)) {
		rc = db_last_rc(b->db);
		snprintf(b->err, sizeof(b->err), "%s", db_last_error(b->db));
	}
	if (!rc)
		rc = db_commit(b->db);
	if (rc) {
		snprintf(err, errlen, "%s", b->err[0] ? b->err : db_last_error(b->db));
		db_rollback(b->db);
	}
	if (written)
		*written = w;
	if (changed)
		*changed = c;
	buf_free(&b->out);
	free(b);
	return rc;
}

void feeds_batch_abort(struct feeds_batch *b)
{
	if (!b)
		return;
	db_copy_abort(b->db, "batch discarded");
	db_rollback(b->db);
	buf_free(&b->out);
	free(b);
}

int feeds_state_attempt(struct db *db, enum feeds_src src)
{
	const char *p[1] = { srcs[src].name };
	return db_cmd(db, "UPDATE feed_state SET last_attempt = now() WHERE source = $1", 1, p);
}

static const char *const count_sql[FEEDS_NSRC] = {
	[FEEDS_NVD] = "(SELECT count(*) FROM cve)",
	[FEEDS_KEV] = "(SELECT count(*) FROM kev)",
	[FEEDS_EPSS] = "(SELECT count(*) FROM epss)",
	[FEEDS_EXPLOITDB] = "(SELECT count(*) FROM exploit)",
};

int feeds_state_success(struct db *db, enum feeds_src src, long long read, long long written, const char *sync_mark)
{
	char r[32], w[32];
	snprintf(r, sizeof(r), "%lld", read);
	snprintf(w, sizeof(w), "%lld", written);
	const char *p[4] = { srcs[src].name, r, w, sync_mark };
	char *sql = xasprintf("UPDATE feed_state SET last_success = now(), last_attempt = now(), records = %s, "
			      "last_read = $2::bigint, last_written = $3::bigint, last_error = NULL, "
			      "last_error_at = NULL, resume_cursor = NULL, sync_mark = coalesce($4, sync_mark) "
			      "WHERE source = $1",
			      count_sql[src]);
	int rc = db_cmd(db, sql, 4, p);
	free(sql);
	return rc;
}

int feeds_state_error(struct db *db, enum feeds_src src, const char *msg)
{
	const char *p[2] = { srcs[src].name, msg };
	return db_cmd(db, "UPDATE feed_state SET last_error = $2, last_error_at = now(), last_attempt = now() "
			  "WHERE source = $1",
		      2, p);
}

int feeds_state_get(struct db *db, enum feeds_src src, char **cursor_json, char **sync_mark)
{
	const char *p[1] = { srcs[src].name };
	*cursor_json = *sync_mark = NULL;
	PGresult *r = db_exec(db, "SELECT resume_cursor::text, sync_mark FROM feed_state WHERE source = $1", 1, p);
	if (!r)
		return db_last_rc(db);
	if (PQntuples(r) == 1) {
		*cursor_json = PQgetisnull(r, 0, 0) ? NULL : xstrdup(PQgetvalue(r, 0, 0));
		*sync_mark = PQgetisnull(r, 0, 1) ? NULL : xstrdup(PQgetvalue(r, 0, 1));
	}
	PQclear(r);
	return FF_OK;
}

int feeds_status_json(struct db *db, char **out)
{
	PGresult *r = db_exec(db,
			      "SELECT coalesce(json_agg(json_build_object('source', source, 'last_success', last_success, "
			      "'last_attempt', last_attempt, 'records', records, 'last_read', last_read, "
			      "'last_written', last_written, 'last_error', last_error, 'last_error_at', last_error_at, "
			      "'resume_cursor', resume_cursor, 'sync_mark', sync_mark) ORDER BY CASE source "
			      "WHEN 'nvd' THEN 1 WHEN 'kev' THEN 2 WHEN 'epss' THEN 3 ELSE 4 END), '[]')::text "
			      "FROM feed_state",
			      0, NULL);
	if (!r)
		return db_last_rc(db);
	*out = xstrdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	return FF_OK;
}

int feeds_changed_since(struct db *db, long long after_id, long limit, feeds_change_cb cb, void *ctx,
			long long *last_id)
{
	char a[32], l[32];
	snprintf(a, sizeof(a), "%lld", after_id);
	snprintf(l, sizeof(l), "%ld", limit > 0 ? limit : 0);
	const char *p[2] = { a, limit > 0 ? l : NULL };
	PGresult *r = db_exec(db, "SELECT id, source, cve_id, reason FROM feed_change WHERE id > $1::bigint "
				  "ORDER BY id LIMIT $2::bigint",
			      2, p);
	if (!r)
		return db_last_rc(db);
	*last_id = after_id;
	for (int i = 0; i < PQntuples(r); i++) {
		long long id = strtoll(PQgetvalue(r, i, 0), NULL, 10);
		cb(ctx, id, PQgetvalue(r, i, 1), PQgetvalue(r, i, 2), PQgetvalue(r, i, 3));
		*last_id = id;
	}
	PQclear(r);
	return FF_OK;
}

int feeds_due(struct db *db, const char *hhmm, int *due)
{
	const char *p[1] = { hhmm };
	*due = 0;
	PGresult *r = db_exec(db,
			      "SELECT (now() AT TIME ZONE 'UTC')::time >= $1::time AND bool_or(last_attempt IS NULL OR "
			      "last_attempt < (date_trunc('day', now() AT TIME ZONE 'UTC') + $1::time) AT TIME ZONE 'UTC') "
			      "FROM feed_state",
			      1, p);
	if (!r)
		return db_last_rc(db);
	*due = PQgetvalue(r, 0, 0)[0] == 't';
	PQclear(r);
	return FF_OK;
}
