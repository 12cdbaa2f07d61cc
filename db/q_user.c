#include "q_user.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "common/rc.h"

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
	char *payload = xasprintf("{\"user\": \"%s\", \"user_id\": %lld, \"role\": \"%s\"}", name, *id, role);
	struct audit_event ev = { .org_id = org_id, .type = "user.created", .payload = payload };
	rc = audit_append(db, actor, &ev);
	free(payload);
	if (rc)
		goto fail;
	struct audit_event ev2 = { .org_id = org_id, .type = "membership.changed", .to_state = role };
	char *p2 = xasprintf("{\"user\": \"%s\", \"role\": \"%s\"}", name, role);
	ev2.payload = p2;
	rc = audit_append(db, actor, &ev2);
	free(p2);
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
	PGresult *r = db_exec(db, "UPDATE app_user SET password_hash = $2 WHERE name = $1 RETURNING org_id, id", 2, p);
	if (!r) {
		rc = db_last_rc(db);
		goto fail;
	}
	if (PQntuples(r) != 1) {
		PQclear(r);
		rc = FF_ENOTFOUND;
		goto fail;
	}
	long long org = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	char *payload = xasprintf("{\"user\": \"%s\", \"user_id\": %s}", name, PQgetvalue(r, 0, 1));
	PQclear(r);
	struct audit_event ev = { .org_id = org, .type = "user.password_changed", .payload = payload };
	rc = audit_append(db, actor, &ev);
	free(payload);
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
	PGresult *r = db_exec(db,
		"INSERT INTO api_token (org_id, user_id, scope, asset_id, name, token_hash, prefix)"
		" SELECT $1, u.id, $3, a.id, $5, $6, $7 FROM app_user u"
		" JOIN membership m ON m.user_id = u.id AND m.org_id = $1"
		" LEFT JOIN asset a ON a.org_id = $1 AND a.slug = $4"
		" WHERE u.name = $2 AND ($4::text IS NULL OR a.id IS NOT NULL)"
		" RETURNING id, asset_id", 7, p);
	if (!r) {
		rc = db_last_rc(db);
		goto fail;
	}
	if (PQntuples(r) != 1) {
		PQclear(r);
		rc = FF_ENOTFOUND;
		goto fail;
	}
	*id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	char *payload = xasprintf("{\"token_id\": %lld, \"user\": \"%s\", \"scope\": \"%s\", \"prefix\": \"%s\"%s%s%s}",
				  *id, user_name, scope, prefix, asset_slug ? ", \"asset\": \"" : "",
				  asset_slug ? asset_slug : "", asset_slug ? "\"" : "");
	struct audit_event ev = { .org_id = org_id, .type = "token.created", .payload = payload,
				  .asset_id = PQgetisnull(r, 0, 1) ? 0 : strtoll(PQgetvalue(r, 0, 1), NULL, 10) };
	PQclear(r);
	rc = audit_append(db, actor, &ev);
	free(payload);
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
	PGresult *r = db_exec(db,
		"UPDATE api_token SET revoked_at = now() WHERE org_id = $1 AND id = $2 AND revoked_at IS NULL"
		" RETURNING prefix", 2, p);
	if (!r) {
		rc = db_last_rc(db);
		goto fail;
	}
	if (PQntuples(r) != 1) {
		PQclear(r);
		rc = FF_ENOTFOUND;
		goto fail;
	}
	char *payload = xasprintf("{\"token_id\": %lld, \"prefix\": \"%s\"}", id, PQgetvalue(r, 0, 0));
	PQclear(r);
	struct audit_event ev = { .org_id = org_id, .type = "token.revoked", .payload = payload };
	rc = audit_append(db, actor, &ev);
	free(payload);
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
