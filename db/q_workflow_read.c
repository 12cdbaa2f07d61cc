/* The workflow's settings, selections, queues and the auditors' event
 * list (the writes of a command are in q_workflow.c). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fftime.h"
#include "common/mem.h"
#include "common/rc.h"
#include "q_workflow.h"

#define LL(buf, v) snprintf(buf, sizeof(buf), "%lld", (long long)(v))

static void policy_kv(const char *key, const char *value, void *ctx)
{
	json_object_set_new((json_t *)ctx, key, json_string(value));
}

int workflow_policy_json(struct db *db, long long org_id, long long asset_id, char **out)
{
	struct wf_policy p;
	int rc = workflow_policy_load(db, org_id, asset_id, &p);
	if (rc)
		return rc;
	json_t *o = json_object();
	wf_policy_each(&p, policy_kv, o);
	*out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return FF_OK;
}

/* a JSON value as wf_policy_set reads it; false when of no usable type */
static bool value_text(json_t *v, char *out, size_t n)
{
	if (json_is_string(v))
		snprintf(out, n, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(out, n, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(out, n, "%.1f", json_real_value(v));
	else if (json_is_boolean(v))
		snprintf(out, n, "%s", json_is_true(v) ? "true" : "false");
	else
		return false;
	return true;
}

static int policy_store(struct db *db, long long org_id, long long asset_id, const char *key, const char *value)
{
	char org[24], asset[24];
	LL(org, org_id);
	LL(asset, asset_id);
	const char *p[] = { org, asset_id ? asset : NULL, key, value };
	if (!value)
		return db_cmd(db, "DELETE FROM policy_setting WHERE org_id = $1 AND coalesce(asset_id, 0) ="
				  " coalesce($2::bigint, 0) AND key = $3 AND $4::text IS NULL", 4, p);
	return db_cmd(db, "INSERT INTO policy_setting (org_id, asset_id, key, value) VALUES ($1, $2, $3, $4)"
			  " ON CONFLICT (org_id, (coalesce(asset_id, 0)), key)"
			  " DO UPDATE SET value = EXCLUDED.value, updated_at = now()", 4, p);
}

/* checks every key/value on a scratch policy; bad names the first bad one */
static int policy_validate(json_t *o, char *bad, size_t badlen)
{
	struct wf_policy scratch;
	wf_policy_defaults(&scratch);
	const char *key;
	json_t *v;
	json_object_foreach(o, key, v) {
		char text[64];
		const char *err = NULL;
		if (json_is_null(v))
			continue;
		if (!value_text(v, text, sizeof(text))) {
			snprintf(bad, badlen, "%s: must be a string, number or boolean", key);
			return FF_EINVAL;
		}
		int rc = wf_policy_set(&scratch, key, text, &err);
		if (rc == FF_ENOTFOUND) {
			snprintf(bad, badlen, "%s: unknown setting", key);
			return FF_EINVAL;
		}
		if (rc) {
			snprintf(bad, badlen, "%s: %s", key, err ? err : "invalid value");
			return FF_EINVAL;
		}
	}
	return FF_OK;
}

int workflow_policy_put(struct db *db, long long org_id, long long asset_id, const char *settings_json,
			const struct audit_actor *actor, char *bad, size_t badlen)
{
	json_t *o = json_loads(settings_json, 0, NULL);
	int rc = json_is_object(o) ? policy_validate(o, bad, badlen) : FF_EINVAL;
	if (rc)
		goto out;
	if ((rc = db_begin(db)))
		goto out;
	const char *key;
	json_t *v;
	json_object_foreach(o, key, v) {
		char text[64];
		bool has = !json_is_null(v) && value_text(v, text, sizeof(text));
		if ((rc = policy_store(db, org_id, asset_id, key, has ? text : NULL)))
			goto fail;
	}
	json_t *pl = json_object();
	json_object_set_new(pl, "asset_id", asset_id ? json_integer(asset_id) : json_null());
	json_object_set(pl, "settings", o);
	char *payload = json_dumps(pl, JSON_COMPACT);
	json_decref(pl);
	struct audit_event ev = { .org_id = org_id, .asset_id = asset_id, .type = "policy.updated", .payload = payload };
	rc = audit_append(db, actor, &ev);
	free(payload);
	if (rc || (rc = db_commit(db)))
		goto fail;
	goto out;
fail:
	db_rollback(db);
out:
	json_decref(o);
	return rc;
}

int workflow_select(struct db *db, long long org_id, const struct workflow_filter *f, int max, long long **ids,
		    int *n)
{
	char org[24], lim[24], user[24];
	LL(org, org_id);
	LL(lim, max + 1);
	LL(user, f->restrict_user_id);
	const char *p[] = { org, lim, f->asset, f->state, f->severity, f->kind, f->cve, user };
	*ids = NULL;
	*n = 0;
	PGresult *r = db_exec(db,
		"SELECT f.id FROM finding f JOIN asset a ON a.id = f.asset_id WHERE f.org_id = $1"
		" AND ($3::text IS NULL OR a.slug = $3)"
		" AND ($4::text IS NULL OR f.state = ANY(string_to_array($4, ',')))"
		" AND ($5::text IS NULL OR f.severity = ANY(string_to_array($5, ',')))"
		" AND ($6::text IS NULL OR f.kind = $6)"
		" AND ($7::text IS NULL OR f.vuln_ids @> ARRAY[$7::text] OR f.primary_id = $7)"
		" AND ($8::bigint = 0 OR EXISTS (SELECT 1 FROM asset_owner o WHERE o.asset_id = f.asset_id"
		"      AND o.user_id = $8::bigint))"
		" ORDER BY f.id LIMIT $2::int",
		8, p);
	if (!r)
		return db_last_rc(db);
	int rows = PQntuples(r), rc = FF_OK;
	if (rows > max) {
		rc = FF_ETOOBIG;
	} else {
		*ids = xcalloc((size_t)rows + 1, sizeof(**ids));
		for (int i = 0; i < rows; i++)
			(*ids)[i] = strtoll(PQgetvalue(r, i, 0), NULL, 10);
		*n = rows;
	}
	PQclear(r);
	return rc;
}

/* the queues: which findings, and the date each is sorted and shown by */
static const struct {
	const char *name, *where, *date;
} queues[] = {
	{ "acceptance-review", "f.state = 'accepted'", "f.review_date" },
	{ "false-positive-revalidation", "f.state = 'false_positive'", "f.revalidation_date" },
	{ "approvals", "f.state = 'acceptance_requested'", "(f.state_changed_at AT TIME ZONE 'UTC')::date" },
	{ "sla-breaches",
	  "f.state IN ('open', 'acceptance_requested', 'mitigating', 'verifying')"
	  " AND f.due_date IS NOT NULL AND f.due_date < current_date",
	  "f.due_date" },
};

int workflow_queue_json(struct db *db, long long org_id, const char *queue, long long restrict_user_id,
			int within_days, long long after_id, int limit, char **out)
{
	size_t q = 0;
	while (q < sizeof(queues) / sizeof(queues[0]) && strcmp(queues[q].name, queue) != 0)
		q++;
	if (q == sizeof(queues) / sizeof(queues[0]))
		return FF_ENOTFOUND;
	char sql[2600], org[24], user[24], within[24], after[24], lim[24];
	snprintf(sql, sizeof(sql),
		 "WITH page AS (SELECT f.id, f.requester_id, f.treatment, %s AS qdate FROM finding f WHERE f.org_id = $1 AND %s"
		 " AND ($2::bigint = 0 OR EXISTS (SELECT 1 FROM asset_owner o WHERE o.asset_id = f.asset_id"
		 "      AND o.user_id = $2::bigint))"
		 " AND ($3::int < 0 OR %s <= current_date + $3::int) AND f.id > $4::bigint"
		 " ORDER BY f.id LIMIT $5::int + 1)"
		 " SELECT json_build_object('queue', $6::text, 'items', coalesce((SELECT json_agg(ff_finding_json(f2)"
		 "   || jsonb_build_object('queue_date', p.qdate, 'days_left', p.qdate - current_date,"
		 "   'requester', (SELECT name FROM app_user WHERE id = p.requester_id), 'treatment', p.treatment)"
		 "   ORDER BY p.id) FROM (SELECT * FROM page ORDER BY id LIMIT $5::int) p JOIN finding f2 ON f2.id = p.id), '[]'),"
		 " 'next_cursor', CASE WHEN (SELECT count(*) FROM page) > $5::int THEN"
		 "   (SELECT id::text FROM page ORDER BY id LIMIT 1 OFFSET $5::int - 1) END)::text",
		 queues[q].date, queues[q].where, queues[q].date);
	LL(org, org_id);
	LL(user, restrict_user_id);
	LL(within, within_days);
	LL(after, after_id);
	LL(lim, limit);
	const char *p[] = { org, user, within, after, lim, queue };
	PGresult *r = db_exec(db, sql, 6, p);
	if (!r)
		return db_last_rc(db);
	*out = xstrdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	return FF_OK;
}

/* the page of events a filter selects; $9 is the page size */
#define EVENTS_PAGE_SQL \
	"WITH page AS (SELECT e.* FROM event e WHERE e.org_id = $1" \
	" AND ($2::text IS NULL OR e.type = $2)" \
	" AND ($3::text IS NULL OR e.actor_name = $3)" \
	" AND ($4::text IS NULL OR e.asset_id = (SELECT id FROM asset WHERE org_id = $1 AND slug = $4))" \
	" AND ($5::bigint = 0 OR e.finding_id = $5::bigint)" \
	" AND ($6::timestamptz IS NULL OR e.created_at >= $6::timestamptz)" \
	" AND ($7::timestamptz IS NULL OR e.created_at < $7::timestamptz)" \
	" AND e.id > $8::bigint" \
	" AND ($10::bigint = 0 OR EXISTS (SELECT 1 FROM asset_owner o WHERE o.asset_id = e.asset_id" \
	"      AND o.user_id = $10::bigint))" \
	" ORDER BY e.id LIMIT $9::int + 1)"

#define EVENTS_NEXT_SQL \
	"CASE WHEN (SELECT count(*) FROM page) > $9::int THEN" \
	"   (SELECT id::text FROM page ORDER BY id LIMIT 1 OFFSET $9::int - 1) END"

/* one CSV field: quoted, quotes doubled */
#define Q(x) "'\"' || replace(coalesce((" x ")::text, ''), '\"', '\"\"') || '\"'"

static const char events_json_sql[] = EVENTS_PAGE_SQL
	" SELECT json_build_object('items', coalesce((SELECT json_agg(json_build_object('id', e.id, 'seq', e.seq,"
	"  'type', e.type, 'asset', (SELECT slug FROM asset WHERE id = e.asset_id), 'asset_id', e.asset_id,"
	"  'finding_id', e.finding_id, 'from_state', e.from_state, 'to_state', e.to_state,"
	"  'actor', e.actor_name, 'actor_type', e.actor_type, 'actor_id', e.actor_id, 'source', e.source,"
	"  'justification', e.justification, 'payload', e.payload, 'created_at', e.created_at,"
	"  'prev_hash', e.prev_hash, 'hash', e.hash) ORDER BY e.id)"
	"  FROM (SELECT * FROM page ORDER BY id LIMIT $9::int) e), '[]'),"
	" 'next_cursor', " EVENTS_NEXT_SQL ")::text, NULL";

static const char events_csv_sql[] = EVENTS_PAGE_SQL
	" SELECT coalesce((SELECT string_agg(concat_ws(',', e.id, e.seq, " Q("e.created_at") ", " Q("e.type") ","
	"  " Q("(SELECT slug FROM asset WHERE id = e.asset_id)") ", e.finding_id, " Q("e.from_state") ","
	"  " Q("e.to_state") ", " Q("e.actor_type") ", " Q("e.actor_id") ", " Q("e.actor_name") ","
	"  " Q("e.source") ", " Q("e.justification") ", " Q("e.payload") ", e.prev_hash, e.hash), E'\\r\\n'"
	"  ORDER BY e.id) FROM (SELECT * FROM page ORDER BY id LIMIT $9::int) e), ''), " EVENTS_NEXT_SQL;

#define EVENTS_CSV_HEADER \
	"id,seq,created_at,type,asset,finding_id,from_state,to_state,actor_type,actor_id,actor,source," \
	"justification,payload,prev_hash,hash\r\n"

int workflow_events_json(struct db *db, long long org_id, const struct event_filter *f, char **out)
{
	char org[24], fid[24], after[24], lim[24], user[24];
	LL(org, org_id);
	LL(fid, f->finding_id);
	LL(after, f->after_id);
	LL(lim, f->limit);
	LL(user, f->restrict_user_id);
	const char *p[] = { org, f->type, f->actor, f->asset, fid, f->since, f->until, after, lim, user };
	PGresult *r = db_exec(db, f->csv ? events_csv_sql : events_json_sql, 10, p);
	if (!r)
		return db_last_rc(db);
	if (f->csv) {
		const char *rows = PQgetvalue(r, 0, 0);
		*out = xasprintf(EVENTS_CSV_HEADER "%s%s", rows, rows[0] ? "\r\n" : "");
	} else {
		*out = xstrdup(PQgetvalue(r, 0, 0));
	}
	if (f->next_cursor && f->next_cursor_len)
		snprintf(f->next_cursor, f->next_cursor_len, "%s", PQgetisnull(r, 0, 1) ? "" : PQgetvalue(r, 0, 1));
	PQclear(r);
	return FF_OK;
}

static const char *const due_where[] = {
	[WORKFLOW_DUE_REOPEN] =
		"(f.state = 'accepted' AND (f.review_date <= current_date OR 'auto-accepted' = ANY(f.tags)))"
		" OR (f.state = 'false_positive' AND f.revalidation_date <= current_date)",
	[WORKFLOW_DUE_AUTO_ACCEPT] =
		"f.state = 'open' AND f.score10 IS NOT NULL"
		" AND coalesce((SELECT value FROM policy_setting ps WHERE ps.org_id = f.org_id AND ps.asset_id = f.asset_id"
		"   AND ps.key = 'auto_accept'), (SELECT value FROM policy_setting ps WHERE ps.org_id = f.org_id"
		"   AND ps.asset_id IS NULL AND ps.key = 'auto_accept'), 'false') = 'true'"
		" AND f.score10 < 10 * coalesce((SELECT value FROM policy_setting ps WHERE ps.org_id = f.org_id"
		"   AND ps.asset_id = f.asset_id AND ps.key = 'auto_accept_below'), (SELECT value FROM policy_setting ps"
		"   WHERE ps.org_id = f.org_id AND ps.asset_id IS NULL AND ps.key = 'auto_accept_below'), '4.0')::numeric",
	[WORKFLOW_DUE_REMIND] =
		"(f.state = 'accepted' AND f.review_date > current_date AND f.review_date <= current_date + 366)"
		" OR (f.state = 'false_positive' AND f.revalidation_date > current_date"
		"     AND f.revalidation_date <= current_date + 366)",
	[WORKFLOW_DUE_SLA] =
		"f.state IN ('open', 'acceptance_requested', 'mitigating', 'verifying') AND f.due_date IS NULL",
};

static int64_t day_col(PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

int workflow_due_candidates(struct db *db, enum workflow_due_kind kind, long long after_id, int limit,
			    struct workflow_due_row **rows, int *n)
{
	char sql[2048], lim[16], after[24];
	snprintf(sql, sizeof(sql),
		 "SELECT f.id, f.org_id, f.asset_id, f.state, f.severity, coalesce(f.score10, -1),"
		 " ((f.first_seen AT TIME ZONE 'UTC')::date - date '1970-01-01'),"
		 " f.review_date - date '1970-01-01', f.revalidation_date - date '1970-01-01',"
		 " 'auto-accepted' = ANY(f.tags) FROM finding f WHERE (%s) AND f.id > $2::bigint"
		 " ORDER BY f.id LIMIT $1::int",
		 due_where[kind]);
	LL(lim, limit);
	LL(after, after_id);
	const char *p[] = { lim, after };
	*rows = NULL;
	*n = 0;
	PGresult *r = db_exec(db, sql, 2, p);
	if (!r)
		return db_last_rc(db);
	*n = PQntuples(r);
	*rows = xcalloc((size_t)*n + 1, sizeof(**rows));
	for (int i = 0; i < *n; i++) {
		struct workflow_due_row *d = &(*rows)[i];
		d->id = strtoll(PQgetvalue(r, i, 0), NULL, 10);
		d->org_id = strtoll(PQgetvalue(r, i, 1), NULL, 10);
		d->asset_id = strtoll(PQgetvalue(r, i, 2), NULL, 10);
		if (wf_state_parse(PQgetvalue(r, i, 3), &d->f.state))
			d->f.state = WF_S_OPEN;
		if (ff_severity_parse(PQgetvalue(r, i, 4), &d->f.severity))
			d->f.severity = FF_SEV_UNKNOWN;
		d->f.score10 = (int)strtol(PQgetvalue(r, i, 5), NULL, 10);
		d->f.first_seen_day = day_col(r, i, 6);
		d->f.review_date = day_col(r, i, 7);
		d->f.revalidation_date = day_col(r, i, 8);
		d->f.auto_accepted = PQgetvalue(r, i, 9)[0] == 't';
	}
	PQclear(r);
	return FF_OK;
}

int workflow_reminder_info(struct db *db, long long finding_id, char **out)
{
	char id[24];
	LL(id, finding_id);
	const char *p[] = { id };
	PGresult *r = db_exec(db,
		"SELECT json_build_object('id', f.id, 'title', coalesce(f.title, f.primary_id, f.rule_id, 'finding'),"
		" 'asset', a.slug, 'state', f.state, 'severity', f.severity, 'review_date', f.review_date,"
		" 'revalidation_date', f.revalidation_date,"
		" 'recipients', coalesce((SELECT json_agg(DISTINCT u.email) FROM asset_owner o JOIN app_user u ON u.id = o.user_id"
		"   WHERE o.asset_id = f.asset_id AND u.email IS NOT NULL AND NOT u.disabled), '[]'))::text"
		" FROM finding f JOIN asset a ON a.id = f.asset_id WHERE f.id = $1",
		1, p);
	if (!r)
		return db_last_rc(db);
	int rc = PQntuples(r) == 1 ? FF_OK : FF_ENOTFOUND;
	if (!rc)
		*out = xstrdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	return rc;
}

int workflow_set_sla_due(struct db *db, long long finding_id, int64_t day)
{
	char id[24], d[11];
	LL(id, finding_id);
	ff_days_to_date(day, d);
	const char *p[] = { id, d };
	return db_cmd(db, "UPDATE finding SET due_date = $2::date WHERE id = $1 AND due_date IS NULL", 2, p);
}
