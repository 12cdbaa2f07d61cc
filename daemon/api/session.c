/* /api/v1/session: log in (name + password -> session cookie and CSRF
 * token), who am I, log out. Failed logins are throttled per user name and
 * per client address; every success and failure is an audit event. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "api.h"
#include "common/cfg.h"
#include "common/crypto.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/rc.h"
#include "common/str.h"
#include "daemon/auth/auth.h"
#include "db/q_session.h"

static void client_addr(const struct http_req *req, char *out, size_t n)
{
	snprintf(out, n, "unknown");
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!ci || !ci->client_addr)
		return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out, (socklen_t)n);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out, (socklen_t)n);
}

/* login events belong to the user's organisation, or the first one for an
 * unknown name */
static void login_event(struct db *db, long long org_id, long long user_id, const char *name, const char *addr,
			const char *type, const char *why)
{
	char id[24], *payload;
	snprintf(id, sizeof(id), "%lld", user_id);
	json_t *p = json_pack("{s:s, s:s}", "user", name, "address", addr);
	if (why)
		json_object_set_new(p, "reason", json_string(why));
	payload = json_dumps(p, JSON_COMPACT);
	json_decref(p);
	struct audit_actor a = { .type = "user", .id = user_id ? id : NULL, .name = name, .source = "ui" };
	struct audit_event ev = { .org_id = org_id ? org_id : 1, .type = type, .payload = payload };
	if (audit_append(db, &a, &ev))
		log_warn("auth", "could not record login event type=%s user=%s", type, name);
	free(payload);
}

static char g_dummy[128];
static pthread_once_t g_dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy(void)
{
	char *pw = ff_password_new();
	if (ff_password_hash(pw, g_dummy))
		g_dummy[0] = '\0';
	free(pw);
}

static const char *dummy_hash(void)
{
	pthread_once(&g_dummy_once, make_dummy);
	return g_dummy[0] ? g_dummy : NULL;
}

static void too_many(struct http_resp *resp, int wait)
{
	http_problem(resp, 429, "Too many requests", NULL,
		     "too many failed logins for this user name or address; try again in %d seconds", wait);
	resp->extra_header_name = xstrdup("Retry-After");
	resp->extra_header_value = xasprintf("%d", wait);
}

static void start_session(struct http_resp *resp, struct db *db, const struct login_user *u, const char *name)
{
	char *token = ff_token_new("ffs_");
	char hash[65], csrf_raw[24], csrf[49];
	ff_sha256_hex(token, strlen(token), hash);
	ff_random(csrf_raw, sizeof(csrf_raw));
	ff_hex(csrf_raw, sizeof(csrf_raw), csrf);
	int ttl = (int)cfg_int("session_ttl_seconds");
	int rc = session_create(db, u, hash, csrf, ttl);
	if (rc) {
		free(token);
		http_db_error(resp, rc, db);
		return;
	}
	bool secure = str_starts_with(cfg_str("public_url"), "https:");
	resp->extra_header_name = xstrdup("Set-Cookie");
	resp->extra_header_value = xasprintf(AUTH_COOKIE "=%s; Path=/; HttpOnly; SameSite=Lax; Max-Age=%d%s", token,
					     ttl, secure ? "; Secure" : "");
	free(token);
	json_t *o = json_pack("{s:s, s:s, s:s, s:i}", "user", name, "role", u->role, "csrf_token", csrf,
			      "expires_in", ttl);
	http_json(resp, 201, json_dumps(o, JSON_COMPACT));
	json_decref(o);
}

/* the checks of one attempt, in a transaction so the event and the
 * throttle counters commit together */
static void login(struct http_resp *resp, struct db *db, const char *name, const char *password, const char *addr)
{
	char ukey[160], akey[80];
	snprintf(ukey, sizeof(ukey), "user:%s", name);
	snprintf(akey, sizeof(akey), "addr:%s", addr);
	int wait = 0, rc = login_throttle_wait(db, ukey, akey, &wait);
	if (!rc && wait > 0) {
		too_many(resp, wait);
		login_event(db, 0, 0, name, addr, "login.throttled", "locked");
		return;
	}
	struct login_user u = { 0 };
	rc = rc ? rc : login_user_get(db, name, &u);
	if (rc && rc != FF_ENOTFOUND) {
		http_db_error(resp, rc, db);
		return;
	}
	/* an unknown name costs the same Argon2id verification as a known one,
	 * so the answer's timing does not tell which names exist */
	const char *hash = rc == FF_OK && u.password_hash[0] ? u.password_hash : dummy_hash();
	bool verified = hash && ff_password_verify(hash, password);
	bool ok = rc == FF_OK && !u.disabled && u.password_hash[0] && verified;
	if ((rc = db_begin(db))) {
		http_db_error(resp, rc, db);
		return;
	}
	if (!ok) {
		login_throttle_fail(db, ukey, akey, (int)cfg_int("login_max_failures"),
				    (int)cfg_int("login_max_failures_per_address"), (int)cfg_int("login_window_seconds"),
				    (int)cfg_int("login_lockout_seconds"));
		login_event(db, u.org_id, u.id, name, addr, "login.failed",
			    u.id == 0 ? "unknown user" : (u.disabled ? "disabled" : "wrong password"));
		db_commit(db);
		http_problem(resp, 401, "Unauthorized", NULL, "the user name or password is wrong");
		return;
	}
	login_throttle_reset(db, ukey);
	login_event(db, u.org_id, u.id, name, addr, "login.succeeded", NULL);
	start_session(resp, db, &u, name);
	if (resp->status == 201 && db_commit(db))
		http_db_error(resp, FF_ETEMP, db);
}

void api_session_create(struct http_req *req, struct http_resp *resp, struct db *db)
{
	static const char *const allowed[] = { "name", "password", NULL };
	if (!db) {
		http_problem(resp, 503, "Database unavailable", NULL, "the database cannot be reached; try again later");
		return;
	}
	json_t *b = api_body_object(req, resp);
	if (!b || api_check_fields(b, allowed, resp))
		goto out;
	const char *name = json_string_value(json_object_get(b, "name"));
	const char *password = json_string_value(json_object_get(b, "password"));
	if (!name || !*name || strlen(name) > 128) {
		http_problem(resp, 422, "Validation failed", "/name", "name is required (a user name)");
		goto out;
	}
	if (!password || !*password || strlen(password) > 1024) {
		http_problem(resp, 422, "Validation failed", "/password", "password is required");
		goto out;
	}
	char addr[64];
	client_addr(req, addr, sizeof(addr));
	login(resp, db, name, password, addr);
out:
	json_decref(b);
}

void api_session_get(struct http_req *req, struct http_resp *resp, struct db *db)
{
	(void)db;
	json_t *o = json_pack("{s:s, s:s, s:s}", "user", req->who.user_name, "role", req->who.role, "scope",
			      req->who.scope);
	http_json(resp, 200, json_dumps(o, JSON_COMPACT));
	json_decref(o);
}

void api_session_delete(struct http_req *req, struct http_resp *resp, struct db *db)
{
	char value[128], hash[65];
	if (strcmp(req->who.scope, "session") != 0 || !auth_session_cookie(req, value, sizeof(value))) {
		http_problem(resp, 409, "Conflict", NULL, "there is no session to end: bearer tokens are revoked with"
							   " flawfix token revoke");
		return;
	}
	ff_sha256_hex(value, strlen(value), hash);
	int rc = db_begin(db);
	if (!rc)
		rc = session_delete(db, hash);
	if (!rc) {
		char idbuf[24];
		struct audit_actor a;
		auth_actor(req, &a, idbuf, sizeof(idbuf));
		struct audit_event ev = { .org_id = req->who.org_id, .type = "logout" };
		rc = audit_append(db, &a, &ev);
	}
	if (rc || (rc = db_commit(db))) {
		http_db_error(resp, rc, db);
		return;
	}
	resp->extra_header_name = xstrdup("Set-Cookie");
	resp->extra_header_value = xstrdup(AUTH_COOKIE "=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
	http_text(resp, 204, "text/plain", xstrdup(""), 0);
}
