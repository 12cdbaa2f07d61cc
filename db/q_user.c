#include "q_user.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "common/rc.h"

/* jansson builds every payload: names and e-mail addresses come from callers */
static int event_json(struct db *db, const struct audit_actor *actor, struct audit_event *ev, json_t *payload)
{
	char *text = json_dumps(payload, JSON_COMPACT);
	json_decref(payload);
	ev->payload = text;
	int rc = text ? audit_append(db, actor, ev) : FF_EINVAL;
	free(text);
	return rc;
}

static int user_events_add(struct db *db, long long org_id, const struct audit_actor *actor, const char *name,
			   long long id, const char *role)
{
	struct audit_event ev = { .org_id = org_id, .type = "user.created" };
	int rc = event_json(db, actor, &ev, json_pack("{s:s, s:I, s:s}", "user", name, "user_id", (json_int_t)id,
						      "role", role));
	if (rc)
		return rc;
	struct audit_event ev2 = { .org_id = org_id, .type = "membership.changed", .to_state = role };
	return event_json(db, actor, &ev2, json_pack("{s:s, s:s}", "user", name, "role", role));
}

int user_add(struct db *db, long long org_id, const char *name, const char *email, const char *role,
	     const char *pw_hash, const struct audit_actor *actor, long long *id)
{
	char org[24];
	snprintf(org, sizeof(org), "%lld", org_id);
	int rc = db_begin(db);
	if (rc)
		return rc;
	const char *p[] = { org, name, email, pw_hash };
	PGresult *r = db_exec(db,
		"INSERT INTO app_user (org_id, name, email, password_hash) VALUES ($1, $2, $3, $4) RETURNING id",
		4, p);
	if (!r) {
		rc = db_last_rc(db);
		goto fail;
	}
	*id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	char ids[24];
	snprintf(ids, sizeof(ids), "%lld", *id);
	PQclear(r);
	const char *m[] = { org, ids, role };
	if ((rc = db_cmd(db, "INSERT INTO membership (org_id, user_id, role) VALUES ($1, $2, $3::ff_role)", 3, m)))
		goto fail;
	rc = user_events_add(db, org_id, actor, name, *id, role);
	if (rc || (rc = db_commit(db)))
		goto fail;
	return FF_OK;
fail:
	db_rollback(db);
	return rc;
}

int user_set_password(struct db *db, const char *name, const char *pw_hash, const struct audit_actor *actor)
{
	int rc = db_begin(db);
	if (rc)
		return rc;
	const char *p[] = { name, pw_hash };
	PGresult *r = db_exec_one(db, "UPDATE app_user SET password_hash = $2 WHERE name = $1 RETURNING org_id, id", 2, p,
				  &rc);
	if (!r)
		goto fail;
	long long org = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	json_t *payload = json_pack("{s:s, s:I}", "user", name, "user_id",
				    (json_int_t)strtoll(PQgetvalue(r, 0, 1), NULL, 10));
	PQclear(r);
	struct audit_event ev = { .org_id = org, .type = "user.password_changed" };
	rc = event_json(db, actor, &ev, payload);
	if (rc || (rc = db_commit(db)))
		goto fail;
	return FF_OK;
fail:
	db_rollback(db);
	return rc;
}

static int one_text(struct db *db, const char *sql, int n, const char *const *p, char **out)
{
	PGresult *r = db_exec(db, sql, n, p);
	if (!r)
		return db_last_rc(db);
	*out = xstrdup(PQntuples(r) ? PQgetvalue(r, 0, 0) : "[]");
	PQclear(r);
	return FF_OK;
}

int user_list_json(struct db *db, long long org_id, char **out)
{
	char org[24];
	snprintf(org, sizeof(org), "%lld", org_id);
	const char *p[] = { org };
	return one_text(db,
		"SELECT coalesce(json_agg(json_build_object('name', u.name, 'email', u.email, 'role', m.role,"
		" 'disabled', u.disabled, 'created_at', u.created_at) ORDER BY u.name), '[]')::text"
		" FROM app_user u JOIN membership m ON m.user_id = u.id WHERE m.org_id = $1", 1, p, out);
}

int user_get_json(struct db *db, long long org_id, const char *name, char **out)
{
	char org[24];
	snprintf(org, sizeof(org), "%lld", org_id);
	const char *p[] = { org, name };
	PGresult *r = db_exec(db,
		"SELECT json_build_object('name', u.name, 'email', u.email, 'role', m.role, 'disabled', u.disabled,"
		" 'created_at', u.created_at)::text"
		" FROM app_user u JOIN membership m ON m.user_id = u.id AND m.org_id = $1 WHERE u.name = $2", 2, p);
	if (!r)
		return db_last_rc(db);
	int rc = PQntuples(r) == 1 ? FF_OK : FF_ENOTFOUND;
	if (rc == FF_OK)
		*out = xstrdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	return rc;
}

/* one user's row before and after a change */
struct user_state {
	long long id;
	char ids[24];
	const char *email; /* NULL = none */
	char role[16];
	bool disabled;
};

/* The lock order of every change is: the organisation's admin memberships
 * (by user id), then the user's rows. Two concurrent demotions of the last
 * two admins wait for each other here instead of both seeing one left. */
static int lock_admins(struct db *db, const char *org)
{
	const char *p[] = { org };
	PGresult *r = db_exec(db,
		"SELECT user_id FROM membership WHERE org_id = $1 AND role = 'admin' ORDER BY user_id FOR UPDATE", 1, p);
	if (!r)
		return db_last_rc(db);
	PQclear(r);
	return FF_OK;
}

/* on success *res holds the row (email points into it); caller PQclear()s */
static int lock_user(struct db *db, const char *org, const char *name, struct user_state *u, PGresult **res)
{
	const char *p[] = { org, name };
	PGresult *r = db_exec(db,
		"SELECT u.id, u.email, m.role, u.disabled FROM app_user u"
		" JOIN membership m ON m.user_id = u.id AND m.org_id = $1 WHERE u.name = $2 FOR UPDATE OF u, m", 2, p);
	if (!r)
		return db_last_rc(db);
	if (PQntuples(r) != 1) {
		PQclear(r);
		return FF_ENOTFOUND;
	}
	u->id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	snprintf(u->ids, sizeof(u->ids), "%lld", u->id);
	u->email = PQgetisnull(r, 0, 1) ? NULL : PQgetvalue(r, 0, 1);
	snprintf(u->role, sizeof(u->role), "%s", PQgetvalue(r, 0, 2));
	u->disabled = PQgetvalue(r, 0, 3)[0] == 't';
	*res = r;
	return FF_OK;
}

/* FF_ECONFLICT when no other enabled admin is left; the caller holds the
 * admin memberships' locks, and this statement's snapshot is newer */
static int other_admin_left(struct db *db, const char *org, const char *ids)
{
	const char *p[] = { org, ids };
	PGresult *r = db_exec(db,
		"SELECT count(*) FROM membership m JOIN app_user u ON u.id = m.user_id"
		" WHERE m.org_id = $1 AND m.role = 'admin' AND NOT u.disabled AND m.user_id <> $2", 2, p);
	if (!r)
		return db_last_rc(db);
	int rc = strtoll(PQgetvalue(r, 0, 0), NULL, 10) > 0 ? FF_OK : FF_ECONFLICT;
	PQclear(r);
	return rc;
}

static bool same_text(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int write_changes(struct db *db, const char *org, const struct user_state *old, const struct user_state *nu,
			 long long *sessions)
{
	const char *p[] = { old->ids, nu->email, nu->disabled ? "true" : "false" };
	int rc = db_cmd(db, "UPDATE app_user SET email = $2, disabled = $3::boolean WHERE id = $1", 3, p);
	const char *m[] = { org, old->ids, nu->role };
	if (!rc && strcmp(old->role, nu->role) != 0)
		rc = db_cmd(db, "UPDATE membership SET role = $3::ff_role WHERE org_id = $1 AND user_id = $2", 3, m);
	if (rc || !nu->disabled || old->disabled)
		return rc;
	/* a disabled user's web sessions end with the change */
	const char *s[] = { old->ids };
	PGresult *r = db_exec(db, "DELETE FROM session WHERE user_id = $1", 1, s);
	if (!r)
		return db_last_rc(db);
	*sessions = strtoll(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return FF_OK;
}

/* one event per kind of change */
static int change_events(struct db *db, long long org_id, const struct audit_actor *actor, const char *name,
			 const struct user_state *old, const struct user_state *nu, long long sessions)
{
	int rc = FF_OK;
	if (strcmp(old->role, nu->role) != 0) {
		struct audit_event ev = { .org_id = org_id, .type = "membership.changed", .from_state = old->role,
					  .to_state = nu->role };
		rc = event_json(db, actor, &ev, json_pack("{s:s, s:I, s:s, s:s}", "user", name, "user_id",
							  (json_int_t)old->id, "role", nu->role, "previous_role",
							  old->role));
	}
	if (!rc && old->disabled != nu->disabled) {
		struct audit_event ev = { .org_id = org_id, .type = nu->disabled ? "user.disabled" : "user.enabled" };
		json_t *pl = json_pack("{s:s, s:I}", "user", name, "user_id", (json_int_t)old->id);
		if (nu->disabled)
			json_object_set_new(pl, "sessions_deleted", json_integer(sessions));
		rc = event_json(db, actor, &ev, pl);
	}
	if (!rc && !same_text(old->email, nu->email)) {
		struct audit_event ev = { .org_id = org_id, .type = "user.updated" };
		rc = event_json(db, actor, &ev, json_pack("{s:s, s:I, s:{s:s?, s:s?}}", "user", name, "user_id",
							  (json_int_t)old->id, "email", "old", old->email, "new",
							  nu->email));
	}
	return rc;
}

int user_update(struct db *db, long long org_id, const char *name, const struct user_change *c,
		const struct audit_actor *actor, char **out)
{
	char org[24];
	struct user_state old = { 0 }, nu;
	PGresult *row = NULL;
	long long sessions = 0;
	*out = NULL;
	snprintf(org, sizeof(org), "%lld", org_id);
	int rc = db_begin(db);
	if (rc)
		return rc;
	if ((rc = lock_admins(db, org)) || (rc = lock_user(db, org, name, &old, &row)))
		goto fail;
	nu = old;
	if (c->set_email)
		nu.email = c->email;
	if (c->role)
		snprintf(nu.role, sizeof(nu.role), "%s", c->role);
	if (c->disabled >= 0)
		nu.disabled = c->disabled == 1;
	bool was_admin = strcmp(old.role, "admin") == 0 && !old.disabled;
	bool is_admin = strcmp(nu.role, "admin") == 0 && !nu.disabled;
	if (was_admin && !is_admin && (rc = other_admin_left(db, org, old.ids)))
		goto fail;
	bool changed = strcmp(old.role, nu.role) != 0 || old.disabled != nu.disabled || !same_text(old.email, nu.email);
	if (changed && ((rc = write_changes(db, org, &old, &nu, &sessions)) ||
			(rc = change_events(db, org_id, actor, name, &old, &nu, sessions))))
		goto fail;
	if ((rc = user_get_json(db, org_id, name, out)) || (rc = db_commit(db)))
		goto fail;
	PQclear(row);
	return FF_OK;
fail:
	free(*out);
	*out = NULL;
	PQclear(row);
	db_rollback(db);
	return rc;
}

int user_count(struct db *db, long long *n)
{
	PGresult *r = db_exec(db, "SELECT count(*) FROM app_user", 0, NULL);
	if (!r)
		return db_last_rc(db);
	*n = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return FF_OK;
}

int token_create(struct db *db, long long org_id, const char *user_name, const char *scope,
		 const char *asset_slug, const char *name, const char *hash, const char *prefix,
		 const struct audit_actor *actor, long long *id)
{
	char org[24];
	snprintf(org, sizeof(org), "%lld", org_id);
	int rc = db_begin(db);
	if (rc)
		return rc;
	const char *p[] = { org, user_name, scope, asset_slug, name ? name : "", hash, prefix };
	PGresult *r = db_exec_one(db,
		"INSERT INTO api_token (org_id, user_id, scope, asset_id, name, token_hash, prefix)"
		" SELECT $1, u.id, $3, a.id, $5, $6, $7 FROM app_user u"
		" JOIN membership m ON m.user_id = u.id AND m.org_id = $1"
		" LEFT JOIN asset a ON a.org_id = $1 AND a.slug = $4"
		" WHERE u.name = $2 AND ($4::text IS NULL OR a.id IS NOT NULL)"
		" RETURNING id, asset_id", 7, p, &rc);
	if (!r)
		goto fail;
	*id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	struct audit_event ev = { .org_id = org_id, .type = "token.created",
				  .asset_id = PQgetisnull(r, 0, 1) ? 0 : strtoll(PQgetvalue(r, 0, 1), NULL, 10) };
	PQclear(r);
	rc = event_json(db, actor, &ev, json_pack("{s:I, s:s, s:s, s:s, s:s?}", "token_id", (json_int_t)*id, "user",
						  user_name, "scope", scope, "prefix", prefix, "asset", asset_slug));
	if (rc || (rc = db_commit(db)))
		goto fail;
	return FF_OK;
fail:
	db_rollback(db);
	return rc;
}

int token_list_json(struct db *db, long long org_id, const char *user_name, char **out)
{
	char org[24];
	snprintf(org, sizeof(org), "%lld", org_id);
	const char *p[] = { org, user_name };
	return one_text(db,
		"SELECT coalesce(json_agg(json_build_object('id', t.id, 'user', u.name, 'name', t.name,"
		" 'prefix', t.prefix, 'scope', t.scope, 'asset', a.slug, 'created_at', t.created_at,"
		" 'last_used_at', t.last_used_at, 'revoked_at', t.revoked_at) ORDER BY t.id), '[]')::text"
		" FROM api_token t JOIN app_user u ON u.id = t.user_id LEFT JOIN asset a ON a.id = t.asset_id"
		" WHERE t.org_id = $1 AND ($2::text IS NULL OR u.name = $2)", 2, p, out);
}

int token_revoke(struct db *db, long long org_id, long long id, const struct audit_actor *actor)
{
	char org[24], ids[24];
	snprintf(org, sizeof(org), "%lld", org_id);
	snprintf(ids, sizeof(ids), "%lld", id);
	int rc = db_begin(db);
	if (rc)
		return rc;
	const char *p[] = { org, ids };
	PGresult *r = db_exec_one(db,
		"UPDATE api_token SET revoked_at = now() WHERE org_id = $1 AND id = $2 AND revoked_at IS NULL"
		" RETURNING prefix", 2, p, &rc);
	if (!r)
		goto fail;
	struct audit_event ev = { .org_id = org_id, .type = "token.revoked" };
	rc = event_json(db, actor, &ev, json_pack("{s:I, s:s}", "token_id", (json_int_t)id, "prefix", PQgetvalue(r, 0, 0)));
	PQclear(r);
	if (rc || (rc = db_commit(db)))
		goto fail;
	return FF_OK;
fail:
	db_rollback(db);
	return rc;
}

int auth_token_lookup(struct db *db, const char *hash, struct principal_row *out)
{
	const char *p[] = { hash };
	PGresult *r = db_exec_hot(db,
		"SELECT t.id, u.id, t.org_id, coalesce(t.asset_id, 0), u.name, m.role, t.scope,"
		" t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute'"
		" FROM api_token t JOIN app_user u ON u.id = t.user_id"
		" JOIN membership m ON m.user_id = u.id AND m.org_id = t.org_id"
		" WHERE t.token_hash = $1 AND t.revoked_at IS NULL"
		" AND (t.expires_at IS NULL OR t.expires_at > now()) AND NOT u.disabled", 1, p);
	if (!r)
		return db_last_rc(db);
	if (PQntuples(r) != 1) {
		PQclear(r);
		return FF_ENOTFOUND;
	}
	out->token_id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	out->user_id = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
	out->org_id = strtoll(PQgetvalue(r, 0, 2), NULL, 10);
	out->asset_id = strtoll(PQgetvalue(r, 0, 3), NULL, 10);
	snprintf(out->user_name, sizeof(out->user_name), "%s", PQgetvalue(r, 0, 4));
	snprintf(out->role, sizeof(out->role), "%s", PQgetvalue(r, 0, 5));
	snprintf(out->scope, sizeof(out->scope), "%s", PQgetvalue(r, 0, 6));
	int touch = PQgetvalue(r, 0, 7)[0] == 't';
	PQclear(r);
	if (touch) {
		char ids[24];
		snprintf(ids, sizeof(ids), "%lld", out->token_id);
		const char *q[] = { ids };
		db_cmd(db, "UPDATE api_token SET last_used_at = now() WHERE id = $1", 1, q);
	}
	return FF_OK;
}

int user_first_admin(struct db *db, long long org_id, char *out, size_t outlen)
{
	char org[24];
	snprintf(org, sizeof(org), "%lld", org_id);
	const char *p[] = { org };
	PGresult *r = db_exec(db,
		"SELECT u.name FROM app_user u JOIN membership m ON m.user_id = u.id"
		" WHERE m.org_id = $1 AND m.role = 'admin' AND NOT u.disabled ORDER BY u.id LIMIT 1", 1, p);
	if (!r)
		return db_last_rc(db);
	int rc = PQntuples(r) ? FF_OK : FF_ENOTFOUND;
	if (!rc)
		snprintf(out, outlen, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return rc;
}
