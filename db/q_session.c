#include "q_session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/rc.h"

#define LL(buf, v) snprintf(buf, sizeof(buf), "%lld", (long long)(v))

int login_user_get(struct db *db, const char *name, struct login_user *out)
{
	const char *p[] = { name };
	PGresult *r = db_exec(db,
		"SELECT u.id, u.org_id, coalesce(u.password_hash, ''), m.role, u.disabled"
		" FROM app_user u JOIN membership m ON m.user_id = u.id AND m.org_id = u.org_id WHERE u.name = $1",
		1, p);
	if (!r)
		return db_last_rc(db);
	int rc = PQntuples(r) == 1 ? FF_OK : FF_ENOTFOUND;
	if (!rc) {
		out->id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
		out->org_id = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
		snprintf(out->password_hash, sizeof(out->password_hash), "%s", PQgetvalue(r, 0, 2));
		snprintf(out->role, sizeof(out->role), "%s", PQgetvalue(r, 0, 3));
		out->disabled = PQgetvalue(r, 0, 4)[0] == 't';
	}
	PQclear(r);
	return rc;
}

int login_throttle_wait(struct db *db, const char *user_key, const char *addr_key, int *wait_seconds)
{
	const char *p[] = { user_key, addr_key };
	PGresult *r = db_exec(db,
		"SELECT coalesce(max(ceil(extract(epoch FROM locked_until - now())))::int, 0) FROM login_throttle"
		" WHERE key IN ($1, $2) AND locked_until > now()",
		2, p);
	if (!r)
		return db_last_rc(db);
	*wait_seconds = (int)strtol(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return FF_OK;
}

static int fail_one(struct db *db, const char *key, int limit, int window_s, int lock_s)
{
	char lim[16], win[16], lock[16];
	LL(lim, limit);
	LL(win, window_s);
	LL(lock, lock_s);
	const char *p[] = { key, lim, win, lock };
	int rc = db_cmd(db,
		"INSERT INTO login_throttle AS t (key, failures, window_start) VALUES ($1, 1, now())"
		" ON CONFLICT (key) DO UPDATE SET"
		"  failures = CASE WHEN t.window_start < now() - $2::int * interval '1 second' THEN 1 ELSE t.failures + 1 END,"
		"  window_start = CASE WHEN t.window_start < now() - $2::int * interval '1 second' THEN now()"
		"   ELSE t.window_start END",
		2, (const char *const[]){ key, win });
	if (rc)
		return rc;
	/* the limit reached: lock the key and start counting anew */
	return db_cmd(db,
		"UPDATE login_throttle SET locked_until = now() + $4::int * interval '1 second', failures = 0,"
		" window_start = now() WHERE key = $1 AND failures >= $2::int AND $3::int > 0",
		4, p);
}

int login_throttle_fail(struct db *db, const char *user_key, const char *addr_key, int user_limit,
			int addr_limit, int window_s, int lock_s)
{
	int rc = fail_one(db, user_key, user_limit, window_s, lock_s);
	if (!rc)
		rc = fail_one(db, addr_key, addr_limit, window_s, lock_s);
	return rc;
}

int login_throttle_reset(struct db *db, const char *key)
{
	const char *p[] = { key };
	return db_cmd(db, "DELETE FROM login_throttle WHERE key = $1 AND (locked_until IS NULL OR locked_until <= now())",
		      1, p);
}

int session_create(struct db *db, const struct login_user *u, const char *token_hash, const char *csrf, int ttl_s)
{
	char org[24], user[24], ttl[16];
	LL(org, u->org_id);
	LL(user, u->id);
	LL(ttl, ttl_s);
	const char *p[] = { org, user, token_hash, csrf, ttl };
	return db_cmd(db,
		      "INSERT INTO session (org_id, user_id, token_hash, csrf_token, expires_at)"
		      " VALUES ($1, $2, $3, $4, now() + $5::int * interval '1 second')",
		      5, p);
}

int session_lookup(struct db *db, const char *token_hash, struct principal_row *out, char *csrf, size_t csrflen)
{
	const char *p[] = { token_hash };
	PGresult *r = db_exec(db,
		"UPDATE session s SET last_seen_at = now() FROM app_user u, membership m"
		" WHERE s.token_hash = $1 AND s.expires_at > now() AND u.id = s.user_id AND NOT u.disabled"
		" AND m.user_id = u.id AND m.org_id = s.org_id"
		" RETURNING s.id, u.id, s.org_id, u.name, m.role, s.csrf_token",
		1, p);
	if (!r)
		return db_last_rc(db);
	int rc = PQntuples(r) == 1 ? FF_OK : FF_ENOTFOUND;
	if (!rc) {
		memset(out, 0, sizeof(*out));
		out->token_id = 0;
		out->user_id = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
		out->org_id = strtoll(PQgetvalue(r, 0, 2), NULL, 10);
		snprintf(out->user_name, sizeof(out->user_name), "%s", PQgetvalue(r, 0, 3));
		snprintf(out->role, sizeof(out->role), "%s", PQgetvalue(r, 0, 4));
		snprintf(out->scope, sizeof(out->scope), "session");
		snprintf(csrf, csrflen, "%s", PQgetvalue(r, 0, 5));
	}
	PQclear(r);
	return rc;
}

int session_delete(struct db *db, const char *token_hash)
{
	const char *p[] = { token_hash };
	PGresult *r = db_exec(db, "DELETE FROM session WHERE token_hash = $1 RETURNING id", 1, p);
	if (!r)
		return db_last_rc(db);
	int rc = PQntuples(r) == 1 ? FF_OK : FF_ENOTFOUND;
	PQclear(r);
	return rc;
}
