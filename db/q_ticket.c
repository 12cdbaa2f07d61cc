#include "q_ticket.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/crypto.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/rc.h"
#include "jobs.h"

#define LL(buf, v) snprintf(buf, sizeof(buf), "%lld", (long long)(v))

/* the REST form of a tracker: never the sealed columns */
#define TRACKER_JSON \
	"json_build_object('id', t.id, 'name', t.name, 'kind', t.kind, 'mode', t.mode, 'base_url', t.base_url," \
	" 'project', t.project, 'issue_type', t.issue_type, 'labels', t.labels, 'fields', t.fields," \
	" 'user', t.user_name, 'has_token', t.token_enc IS NOT NULL," \
	" 'has_webhook_secret', t.webhook_secret_enc IS NOT NULL, 'close_status', t.close_status," \
	" 'reopen_status', t.reopen_status, 'integration_user', json_build_object('id', t.integration_user_id," \
	" 'name', t.integration_user_name), 'webhook_path', '/api/v1/webhooks/' || t.kind || '/' || t.id," \
	" 'created_at', t.created_at, 'updated_at', t.updated_at)::text"

/* one_text: the first column of the first row, or FF_ENOTFOUND */
static int one_text(struct db *db, const char *sql, int n, const char *const *p, char **out)
{
	PGresult *r = db_exec(db, sql, n, p);
	if (!r)
		return db_last_rc(db);
	int rc = PQntuples(r) >= 1 && !PQgetisnull(r, 0, 0) ? FF_OK : FF_ENOTFOUND;
	if (!rc && out)
		*out = xstrdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	return rc;
}

static int audit(struct db *db, long long org_id, const struct audit_actor *actor, const char *type,
		 const char *payload)
{
	if (!actor)
		return FF_OK;
	struct audit_event ev = { .org_id = org_id, .type = type, .payload = payload };
	return audit_append(db, actor, &ev);
}

/* run body (one statement returning JSON) and its audit event in one
 * transaction; the event payload is the JSON itself (it has no secrets) */
static int write_audited(struct db *db, long long org_id, const char *sql, int n, const char *const *p,
			 const struct audit_actor *actor, const char *type, char **out)
{
	int rc = db_begin(db);
	if (rc)
		return rc;
	char *json = NULL;
	if ((rc = one_text(db, sql, n, p, &json)) || (rc = audit(db, org_id, actor, type, json)) ||
	    (rc = db_commit(db))) {
		db_rollback(db);
		free(json);
		return rc;
	}
	*out = json;
	return FF_OK;
}

int tracker_create(struct db *db, long long org_id, const char *in_json, const char *token,
		   const char *secret, const uint8_t key[32], const struct audit_actor *actor, char **out)
{
	char org[24];
	LL(org, org_id);
	char *tok = ff_secret_seal(key, token);
	char *sec = secret ? ff_secret_seal(key, secret) : NULL;
	const char *p[] = { org, in_json, tok, sec };
	int rc = write_audited(db, org_id,
		"WITH j AS (SELECT $2::jsonb AS j), t AS (INSERT INTO tracker (org_id, name, kind, mode, base_url,"
		" project, issue_type, labels, fields, user_name, token_enc, webhook_secret_enc, close_status,"
		" reopen_status) SELECT $1, j->>'name', j->>'kind', coalesce(j->>'mode', 'default'), j->>'base_url',"
		" j->>'project', j->>'issue_type', coalesce(ARRAY(SELECT jsonb_array_elements_text(j->'labels')), '{}'),"
		" coalesce(j->'fields', '{}'), j->>'user', $3, $4, j->>'close_status', j->>'reopen_status' FROM j"
		" RETURNING *) SELECT " TRACKER_JSON " FROM t",
		4, p, actor, "tracker.created", out);
	free(tok);
	free(sec);
	return rc;
}

int tracker_patch(struct db *db, long long org_id, long long id, const char *in_json, const char *token,
		  const char *secret, const uint8_t key[32], const struct audit_actor *actor, char **out)
{
	char org[24], ids[24];
	LL(org, org_id);
	LL(ids, id);
	char *tok = token ? ff_secret_seal(key, token) : NULL;
	char *sec = secret ? ff_secret_seal(key, secret) : NULL;
	const char *p[] = { org, ids, in_json, tok, sec };
	int rc = write_audited(db, org_id,
		"WITH j AS (SELECT $3::jsonb AS j), t AS (UPDATE tracker t SET"
		" name = CASE WHEN j ? 'name' THEN j->>'name' ELSE name END,"
		" mode = CASE WHEN j ? 'mode' THEN j->>'mode' ELSE mode END,"
		" base_url = CASE WHEN j ? 'base_url' THEN j->>'base_url' ELSE base_url END,"
		" project = CASE WHEN j ? 'project' THEN j->>'project' ELSE project END,"
		" issue_type = CASE WHEN j ? 'issue_type' THEN j->>'issue_type' ELSE issue_type END,"
		" labels = CASE WHEN j ? 'labels' THEN ARRAY(SELECT jsonb_array_elements_text(j->'labels')) ELSE labels END,"
		" fields = CASE WHEN j ? 'fields' THEN j->'fields' ELSE fields END,"
		" user_name = CASE WHEN j ? 'user' THEN j->>'user' ELSE user_name END,"
		" close_status = CASE WHEN j ? 'close_status' THEN j->>'close_status' ELSE close_status END,"
		" reopen_status = CASE WHEN j ? 'reopen_status' THEN j->>'reopen_status' ELSE reopen_status END,"
		" token_enc = coalesce($4, token_enc), webhook_secret_enc = coalesce($5, webhook_secret_enc),"
		" updated_at = now() FROM j WHERE t.org_id = $1 AND t.id = $2 RETURNING t.*)"
		" SELECT " TRACKER_JSON " FROM t",
		5, p, actor, "tracker.updated", out);
	free(tok);
	free(sec);
	return rc;
}

int tracker_get_json(struct db *db, long long org_id, long long id, char **out)
{
	char org[24], ids[24];
	LL(org, org_id);
	LL(ids, id);
	const char *p[] = { org, ids };
	return one_text(db, "SELECT " TRACKER_JSON " FROM tracker t WHERE t.org_id = $1 AND t.id = $2", 2, p, out);
}

int tracker_list_json(struct db *db, long long org_id, char **out)
{
	char org[24];
	LL(org, org_id);
	const char *p[] = { org };
	return one_text(db,
		"SELECT json_build_object('items', coalesce(json_agg(x.j ORDER BY x.id), '[]'))::text FROM"
		" (SELECT t.id, (" TRACKER_JSON ")::json AS j FROM tracker t WHERE t.org_id = $1) x",
		1, p, out);
}

static char *col(PGresult *r, int c)
{
	return PQgetisnull(r, 0, c) ? NULL : xstrdup(PQgetvalue(r, 0, c));
}

int tracker_load(struct db *db, long long org_id, long long id, const uint8_t key[32], struct tracker_row *out)
{
	char org[24], ids[24];
	LL(org, org_id);
	LL(ids, id);
	const char *p[] = { org, ids };
	memset(out, 0, sizeof(*out));
	PGresult *r = db_exec(db,
		"SELECT org_id, kind, mode, base_url, project, issue_type, user_name, token_enc, webhook_secret_enc,"
		" close_status, reopen_status, integration_user_id, integration_user_name, poll_since,"
		" to_json(labels)::text, fields::text FROM tracker WHERE ($1::bigint = 0 OR org_id = $1::bigint) AND id = $2",
		2, p);
	if (!r)
		return db_last_rc(db);
	int rc = PQntuples(r) == 1 ? FF_OK : FF_ENOTFOUND;
	if (rc)
		goto out;
	out->id = id;
	out->org_id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	char **dst[] = { &out->kind, &out->mode, &out->base_url, &out->project, &out->issue_type, &out->user };
	for (int i = 0; i < 6; i++)
		*dst[i] = col(r, i + 1);
	out->token = ff_secret_open(key, PQgetvalue(r, 0, 7));
	out->secret = PQgetisnull(r, 0, 8) ? NULL : ff_secret_open(key, PQgetvalue(r, 0, 8));
	char **rest[] = { &out->close_status, &out->reopen_status, &out->self_id, &out->self_name, &out->poll_since,
			  &out->labels_json, &out->fields_json };
	for (int i = 0; i < 7; i++)
		*rest[i] = col(r, i + 9);
	if (!out->token || (!PQgetisnull(r, 0, 8) && !out->secret)) {
		log_error("tickets", "tracker secrets do not open with the key file tracker=%lld", id);
		rc = FF_EPERM;
	}
out:
	PQclear(r);
	return rc;
}

void tracker_row_clear(struct tracker_row *t)
{
	char *all[] = { t->kind, t->mode, t->base_url, t->project, t->issue_type, t->user, t->token, t->secret,
			t->close_status, t->reopen_status, t->self_id, t->self_name, t->poll_since, t->labels_json,
			t->fields_json };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		free(all[i]);
	memset(t, 0, sizeof(*t));
}

int tracker_id_by_name(struct db *db, long long org_id, const char *name, long long *id)
{
	char org[24], *v = NULL;
	LL(org, org_id);
	const char *p[] = { org, name };
	int rc = one_text(db, "SELECT id::text FROM tracker WHERE org_id = $1 AND name = $2", 2, p, &v);
	if (!rc)
		*id = strtoll(v, NULL, 10);
	free(v);
	return rc;
}

int tracker_set_self(struct db *db, long long id, const char *remote_id, const char *remote_name)
{
	char ids[24];
	LL(ids, id);
	const char *p[] = { ids, remote_id, remote_name };
	return db_cmd(db, "UPDATE tracker SET integration_user_id = $2, integration_user_name = $3 WHERE id = $1", 3, p);
}

int tracker_set_poll_since(struct db *db, long long id, const char *since)
{
	char ids[24];
	LL(ids, id);
	const char *p[] = { ids, since };
	return db_cmd(db, "UPDATE tracker SET poll_since = $2 WHERE id = $1 AND $2::text IS NOT NULL", 2, p);
}

int tracker_mark_reconciled(struct db *db, long long id)
{
	char ids[24];
	LL(ids, id);
	const char *p[] = { ids };
	return db_cmd(db, "UPDATE tracker SET reconciled_at = now() WHERE id = $1", 1, p);
}

int tracker_ids(struct db *db, const char *kind, long long **ids, int *n)
{
	const char *p[] = { kind };
	PGresult *r = db_exec(db, "SELECT id FROM tracker WHERE $1::text IS NULL OR kind = $1 ORDER BY id", 1, p);
	if (!r)
		return db_last_rc(db);
	*n = PQntuples(r);
	*ids = xcalloc((size_t)*n + 1, sizeof(**ids));
	for (int i = 0; i < *n; i++)
		(*ids)[i] = strtoll(PQgetvalue(r, i, 0), NULL, 10);
	PQclear(r);
	return FF_OK;
}

int asset_tracker_bind(struct db *db, long long org_id, const char *slug, long long tracker_id,
		       const char *project, const struct audit_actor *actor, char **out)
{
	char org[24], tr[24];
	LL(org, org_id);
	LL(tr, tracker_id);
	const char *p[] = { org, slug, tr, project };
	return write_audited(db, org_id,
		"WITH a AS (UPDATE asset a SET tracker_id = nullif($3::bigint, 0), tracker_project = $4, updated_at = now()"
		" WHERE a.org_id = $1 AND a.slug = $2 AND ($3::bigint = 0 OR EXISTS (SELECT 1 FROM tracker t"
		" WHERE t.id = $3::bigint AND t.org_id = $1)) RETURNING a.id, a.slug, a.tracker_id, a.tracker_project)"
		" SELECT json_build_object('asset', a.slug, 'asset_id', a.id, 'tracker_id', a.tracker_id,"
		" 'project', coalesce(a.tracker_project, t.project))::text FROM a LEFT JOIN tracker t ON t.id = a.tracker_id",
		4, p, actor, "asset.tracker_bound", out);
}

int identity_put(struct db *db, long long org_id, long long tracker_id, const char *user_name,
		 const char *remote_id, const char *remote_name, const char *source,
		 const struct audit_actor *actor, char **out)
{
	char org[24], tr[24];
	LL(org, org_id);
	LL(tr, tracker_id);
	const char *p[] = { org, tr, user_name, remote_id, remote_name, source };
	return write_audited(db, org_id,
		"WITH i AS (INSERT INTO tracker_identity (tracker_id, user_id, remote_id, remote_name, source)"
		" SELECT t.id, u.id, $4, $5, $6 FROM tracker t JOIN membership m ON m.org_id = t.org_id"
		" JOIN app_user u ON u.id = m.user_id WHERE t.org_id = $1 AND t.id = $2 AND u.name = $3"
		" ON CONFLICT (tracker_id, user_id) DO UPDATE SET remote_id = excluded.remote_id,"
		" remote_name = excluded.remote_name, source = excluded.source RETURNING *)"
		" SELECT json_build_object('tracker_id', i.tracker_id, 'user', $3, 'user_id', i.user_id,"
		" 'remote_id', i.remote_id, 'remote_name', i.remote_name, 'source', i.source)::text FROM i",
		6, p, actor, "tracker.identity_set", out);
}

int identity_list_json(struct db *db, long long org_id, long long tracker_id, char **out)
{
	char org[24], tr[24];
	LL(org, org_id);
	LL(tr, tracker_id);
	const char *p[] = { org, tr };
	return one_text(db,
		"SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM tracker WHERE org_id = $1 AND id = $2) THEN NULL ELSE"
		" json_build_object('items', coalesce((SELECT json_agg(json_build_object('user', u.name, 'user_id', u.id,"
		" 'remote_id', i.remote_id, 'remote_name', i.remote_name, 'source', i.source) ORDER BY u.name)"
		" FROM tracker_identity i JOIN app_user u ON u.id = i.user_id WHERE i.tracker_id = $2), '[]'))::text END",
		2, p, out);
}

int identity_unmatched_json(struct db *db, long long org_id, long long tracker_id, char **out)
{
	char org[24], tr[24];
	LL(org, org_id);
	LL(tr, tracker_id);
	const char *p[] = { org, tr };
	return one_text(db,
		"SELECT coalesce(json_agg(json_build_object('user', u.name, 'email', u.email) ORDER BY u.id), '[]')::text"
		" FROM membership m JOIN app_user u ON u.id = m.user_id WHERE m.org_id = $1 AND u.email IS NOT NULL"
		" AND NOT EXISTS (SELECT 1 FROM tracker_identity i WHERE i.tracker_id = $2 AND i.user_id = u.id)",
		2, p, out);
}

int identity_user(struct db *db, long long tracker_id, const char *remote_id, long long *user_id,
		  char *user_name, size_t namelen)
{
	char tr[24];
	LL(tr, tracker_id);
	const char *p[] = { tr, remote_id };
	*user_id = 0;
	PGresult *r = db_exec(db,
		"SELECT u.id, u.name FROM tracker_identity i JOIN app_user u ON u.id = i.user_id"
		" WHERE i.tracker_id = $1 AND i.remote_id = $2 AND NOT u.disabled", 2, p);
	if (!r)
		return db_last_rc(db);
	if (PQntuples(r) == 1) {
		*user_id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
		snprintf(user_name, namelen, "%s", PQgetvalue(r, 0, 1));
	}
	PQclear(r);
	return FF_OK;
}

int identity_remote(struct db *db, long long tracker_id, const char *user_name, char *remote_id, size_t n)
{
	char tr[24];
	LL(tr, tracker_id);
	const char *p[] = { tr, user_name };
	char *v = NULL;
	remote_id[0] = '\0';
	int rc = one_text(db, "SELECT i.remote_id FROM tracker_identity i JOIN app_user u ON u.id = i.user_id"
			    " WHERE i.tracker_id = $1 AND u.name = $2", 2, p, &v);
	if (rc == FF_OK)
		snprintf(remote_id, n, "%s", v);
	free(v);
	return rc == FF_ENOTFOUND ? FF_OK : rc;
}

int ticket_finding_json(struct db *db, long long finding_id, char **out)
{
	char ids[24];
	LL(ids, finding_id);
	const char *p[] = { ids };
	return one_text(db,
		"SELECT json_build_object('id', f.id, 'org_id', f.org_id, 'asset_id', f.asset_id, 'asset', a.slug,"
		" 'asset_name', a.name, 'state', f.state, 'title', f.title, 'description', f.description,"
		" 'severity', f.severity, 'score10', f.score10, 'explanation', f.explanation, 'package', f.pkg_name,"
		" 'version', f.version, 'fixed_version', f.fixed_version, 'file', f.file, 'line', f.start_line,"
		" 'primary_id', f.primary_id, 'vuln_ids', to_json(f.vuln_ids), 'cwes', to_json(f.cwes),"
		" 'due_date', f.due_date, 'treatment', f.treatment, 'tracker_id', a.tracker_id,"
		" 'project', a.tracker_project, 'ticket', (SELECT json_build_object('remote_id', t.remote_id,"
		" 'remote_key', t.remote_key, 'tracker_id', t.tracker_id) FROM ticket t WHERE t.finding_id = f.id))::text"
		" FROM finding f JOIN asset a ON a.id = f.asset_id WHERE f.id = $1",
		1, p, out);
}

int ticket_begin(struct db *db, long long org_id, long long tracker_id, long long finding_id, const char *our_key,
		 const char *project)
{
	char org[24], tr[24], f[24];
	LL(org, org_id);
	LL(tr, tracker_id);
	LL(f, finding_id);
	const char *p[] = { org, tr, f, our_key, project };
	return db_cmd(db,
		"INSERT INTO ticket (org_id, tracker_id, finding_id, our_key, project) VALUES ($1, $2, $3, $4, $5)"
		" ON CONFLICT (finding_id) DO NOTHING", 5, p);
}

int ticket_created(struct db *db, long long finding_id, const char *remote_id, const char *remote_key,
		   const char *url, const char *remote_state)
{
	char f[24];
	LL(f, finding_id);
	const char *p[] = { f, remote_id, remote_key, url, remote_state };
	return db_cmd(db,
		"UPDATE ticket SET remote_id = $2, remote_key = $3, url = $4, remote_state = $5, last_synced = now(),"
		" last_error = NULL WHERE finding_id = $1", 5, p);
}

int ticket_note(struct db *db, long long finding_id, const char *error, const char *state)
{
	char f[24];
	LL(f, finding_id);
	const char *p[] = { f, error, state };
	return db_cmd(db,
		"UPDATE ticket SET last_error = $2, remote_state = coalesce($3, remote_state),"
		" last_synced = CASE WHEN $2 IS NULL THEN now() ELSE last_synced END WHERE finding_id = $1", 3, p);
}

#define TICKET_REF_COLS \
	"t.id, t.org_id, t.tracker_id, t.finding_id, f.asset_id, t.last_journal, t.remote_id," \
	" coalesce(t.remote_key, ''), f.state, f.severity, coalesce(t.project, '')"

static void ref_fill(PGresult *r, int i, struct ticket_ref *o)
{
	long long *nums[] = { &o->id, &o->org_id, &o->tracker_id, &o->finding_id, &o->asset_id, &o->last_journal };
	for (int c = 0; c < 6; c++)
		*nums[c] = strtoll(PQgetvalue(r, i, c), NULL, 10);
	snprintf(o->remote_id, sizeof(o->remote_id), "%s", PQgetvalue(r, i, 6));
	snprintf(o->remote_key, sizeof(o->remote_key), "%s", PQgetvalue(r, i, 7));
	snprintf(o->state, sizeof(o->state), "%s", PQgetvalue(r, i, 8));
	snprintf(o->severity, sizeof(o->severity), "%s", PQgetvalue(r, i, 9));
	snprintf(o->project, sizeof(o->project), "%s", PQgetvalue(r, i, 10));
}

static int ref_one(struct db *db, const char *sql, int n, const char *const *p, struct ticket_ref *out)
{
	memset(out, 0, sizeof(*out));
	PGresult *r = db_exec(db, sql, n, p);
	if (!r)
		return db_last_rc(db);
	int rc = PQntuples(r) >= 1 ? FF_OK : FF_ENOTFOUND;
	if (!rc)
		ref_fill(r, 0, out);
	PQclear(r);
	return rc;
}

int ticket_by_finding(struct db *db, long long finding_id, struct ticket_ref *out)
{
	char f[24];
	LL(f, finding_id);
	const char *p[] = { f };
	return ref_one(db, "SELECT " TICKET_REF_COLS " FROM ticket t JOIN finding f ON f.id = t.finding_id"
			   " WHERE t.finding_id = $1 AND t.remote_id IS NOT NULL", 1, p, out);
}

int ticket_by_remote(struct db *db, long long tracker_id, const char *remote_id, const char *remote_key,
		     struct ticket_ref *out)
{
	char tr[24];
	LL(tr, tracker_id);
	const char *p[] = { tr, remote_id && *remote_id ? remote_id : NULL, remote_key && *remote_key ? remote_key : NULL };
	return ref_one(db, "SELECT " TICKET_REF_COLS " FROM ticket t JOIN finding f ON f.id = t.finding_id"
			   " WHERE t.tracker_id = $1 AND (t.remote_id = $2 OR t.remote_key = $3)"
			   /* GitLab iids repeat across projects: the key (group/project#iid) decides */
			   " ORDER BY t.remote_key = $3 DESC NULLS LAST, t.id LIMIT 1",
		       3, p, out);
}

int ticket_list(struct db *db, long long tracker_id, struct ticket_ref **out, int *n)
{
	char tr[24];
	LL(tr, tracker_id);
	const char *p[] = { tr };
	PGresult *r = db_exec(db, "SELECT " TICKET_REF_COLS " FROM ticket t JOIN finding f ON f.id = t.finding_id"
				  " WHERE t.tracker_id = $1 AND t.remote_id IS NOT NULL"
				  " AND f.state IN ('mitigating', 'verifying')"
				  /* a ticket whose create/close/reopen is still to run is not drift */
				  " AND NOT EXISTS (SELECT 1 FROM job j WHERE j.kind LIKE 'ticket.%'"
				  "  AND j.kind IN ('ticket.create', 'ticket.close', 'ticket.reopen')"
				  "  AND j.state IN ('queued', 'running') AND j.payload->>'finding_id' = t.finding_id::text)"
				  " ORDER BY t.id", 1, p);
	if (!r)
		return db_last_rc(db);
	*n = PQntuples(r);
	*out = xcalloc((size_t)*n + 1, sizeof(**out));
	for (int i = 0; i < *n; i++)
		ref_fill(r, i, &(*out)[i]);
	PQclear(r);
	return FF_OK;
}

int ticket_set_journal(struct db *db, long long ticket_id, long long journal)
{
	char t[24], j[24];
	LL(t, ticket_id);
	LL(j, journal);
	const char *p[] = { t, j };
	return db_cmd(db, "UPDATE ticket SET last_journal = greatest(last_journal, $2::bigint) WHERE id = $1", 2, p);
}

int ticket_enqueue(struct db *db, long long org_id, long long finding_id, const char *kind,
		   const char *payload_json, const char *idem_key)
{
	char f[24];
	LL(f, finding_id);
	const char *p[] = { f };
	char *has = NULL;
	int rc = one_text(db, "SELECT id::text FROM ticket WHERE finding_id = $1", 1, p, &has);
	free(has);
	if (rc == FF_ENOTFOUND)
		return FF_OK;
	if (rc)
		return rc;
	json_t *pl = json_loads(payload_json ? payload_json : "{}", 0, NULL);
	if (!pl)
		pl = json_object();
	json_object_set_new(pl, "finding_id", json_integer(finding_id));
	char *text = json_dumps(pl, JSON_COMPACT);
	long long id = 0;
	rc = job_enqueue(db, org_id, kind, text, idem_key, 0, 0, &id);
	free(text);
	json_decref(pl);
	return rc;
}

int delivery_store(struct db *db, long long org_id, long long tracker_id, const char *delivery_id,
		   const char *headers_json, const char *body, size_t body_len, long long *id)
{
	char org[24], tr[24];
	LL(org, org_id);
	LL(tr, tracker_id);
	char *b = xmalloc(body_len + 1);
	memcpy(b, body, body_len);
	b[body_len] = '\0';
	const char *p[] = { org, tr, delivery_id, headers_json, b };
	char *idt = NULL;
	int rc = db_begin(db);
	if (rc)
		goto out;
	rc = one_text(db, "INSERT INTO ticket_delivery (org_id, tracker_id, delivery_id, headers, body)"
			  " VALUES ($1, $2, $3, $4::jsonb, $5) ON CONFLICT (tracker_id, delivery_id) DO NOTHING"
			  " RETURNING id::text", 5, p, &idt);
	if (rc == FF_ENOTFOUND)
		rc = FF_ECONFLICT;
	if (rc)
		goto fail;
	*id = strtoll(idt, NULL, 10);
	char payload[64], key[64];
	snprintf(payload, sizeof(payload), "{\"delivery\":%lld}", *id);
	snprintf(key, sizeof(key), "delivery:%lld", *id);
	long long jid;
	if ((rc = job_enqueue(db, org_id, "ticket.event", payload, key, 0, 0, &jid)) || (rc = db_commit(db)))
		goto fail;
	goto out;
fail:
	db_rollback(db);
out:
	free(idt);
	free(b);
	return rc;
}

int delivery_load(struct db *db, long long id, struct delivery *out)
{
	char ids[24];
	LL(ids, id);
	const char *p[] = { ids };
	memset(out, 0, sizeof(*out));
	PGresult *r = db_exec(db, "SELECT org_id, tracker_id, headers::text, body, processed_at IS NOT NULL"
				  " FROM ticket_delivery WHERE id = $1", 1, p);
	if (!r)
		return db_last_rc(db);
	int rc = PQntuples(r) == 1 ? FF_OK : FF_ENOTFOUND;
	if (!rc) {
		out->id = id;
		out->org_id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
		out->tracker_id = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
		out->headers_json = xstrdup(PQgetvalue(r, 0, 2));
		out->body = xstrdup(PQgetvalue(r, 0, 3));
		out->processed = PQgetvalue(r, 0, 4)[0] == 't';
	}
	PQclear(r);
	return rc;
}

void delivery_clear(struct delivery *d)
{
	free(d->headers_json);
	free(d->body);
	memset(d, 0, sizeof(*d));
}

int delivery_done(struct db *db, long long id, const char *outcome)
{
	char ids[24];
	LL(ids, id);
	const char *p[] = { ids, outcome };
	return db_cmd(db, "UPDATE ticket_delivery SET processed_at = now(), outcome = $2 WHERE id = $1", 2, p);
}

int own_comment_add(struct db *db, long long tracker_id, const char *remote_id, long long job_id)
{
	char tr[24], job[24];
	LL(tr, tracker_id);
	LL(job, job_id);
	const char *p[] = { tr, remote_id, job_id > 0 ? job : NULL };
	return db_cmd(db, "INSERT INTO ticket_own_comment (tracker_id, remote_id, job_id) VALUES ($1, $2, $3)"
			  " ON CONFLICT DO NOTHING", 3, p);
}

int own_comment_of_job(struct db *db, long long job_id, char *remote_id, size_t len)
{
	char job[24];
	LL(job, job_id);
	const char *p[] = { job };
	char *v = NULL;
	int rc = one_text(db, "SELECT remote_id FROM ticket_own_comment WHERE job_id = $1", 1, p, &v);
	if (rc == FF_OK)
		snprintf(remote_id, len, "%s", v);
	free(v);
	return rc;
}

int own_comment_is(struct db *db, long long tracker_id, const char *remote_id)
{
	char tr[24];
	LL(tr, tracker_id);
	const char *p[] = { tr, remote_id };
	int rc = one_text(db, "SELECT 'x' FROM ticket_own_comment WHERE tracker_id = $1 AND remote_id = $2", 2, p, NULL);
	return rc == FF_OK ? 1 : rc == FF_ENOTFOUND ? 0 : rc;
}

int ticket_comment_enqueue(struct db *db, long long org_id, long long finding_id, const char *author,
			   const char *text)
{
	json_t *p = json_pack("{s:s, s:s}", "actor", author ? author : "FlawFix", "text", text ? text : "");
	char *pl = json_dumps(p, JSON_COMPACT);
	int rc = ticket_enqueue(db, org_id, finding_id, "ticket.comment", pl, NULL);
	free(pl);
	json_decref(p);
	return rc;
}

int seen_comment_add(struct db *db, long long tracker_id, const char *remote_id, const char *reply)
{
	char tr[24];
	LL(tr, tracker_id);
	const char *p[] = { tr, remote_id, reply };
	return db_cmd(db, "INSERT INTO ticket_seen_comment (tracker_id, remote_id, reply) VALUES ($1, $2, $3)"
			  " ON CONFLICT DO NOTHING", 3, p);
}

int seen_comment_get(struct db *db, long long tracker_id, const char *remote_id, int *seen, char **pending)
{
	char tr[24];
	LL(tr, tracker_id);
	const char *p[] = { tr, remote_id };
	*seen = 0;
	*pending = NULL;
	PGresult *r = db_exec(db, "SELECT reply FROM ticket_seen_comment WHERE tracker_id = $1 AND remote_id = $2", 2, p);
	if (!r)
		return db_last_rc(db);
	if (PQntuples(r) == 1) {
		*seen = 1;
		*pending = PQgetisnull(r, 0, 0) ? NULL : xstrdup(PQgetvalue(r, 0, 0));
	}
	PQclear(r);
	return FF_OK;
}

int seen_comment_replied(struct db *db, long long tracker_id, const char *remote_id)
{
	char tr[24];
	LL(tr, tracker_id);
	const char *p[] = { tr, remote_id };
	return db_cmd(db, "UPDATE ticket_seen_comment SET reply = NULL WHERE tracker_id = $1 AND remote_id = $2", 2, p);
}

int seen_comment_lock(struct db *db, long long tracker_id, const char *remote_id, int lock)
{
	char tr[24];
	LL(tr, tracker_id);
	const char *p[] = { tr, remote_id };
	return db_cmd(db, lock ? "SELECT pg_advisory_lock(hashtextextended('ff-comment:' || $1 || ':' || $2, 0))"
			       : "SELECT pg_advisory_unlock(hashtextextended('ff-comment:' || $1 || ':' || $2, 0))",
		      2, p);
}
