#include "auth.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/crypto.h"
#include "common/rc.h"
#include "db/q_session.h"
#include "db/q_user.h"

static bool unauthorised(struct http_resp *resp, const char *detail)
{
	http_problem(resp, 401, "Unauthorized", NULL, "%s", detail);
	resp->extra_header_name = strdup("WWW-Authenticate");
	resp->extra_header_value = strdup("Bearer realm=\"flawfix\"");
	return false;
}

bool auth_forbid(struct http_resp *resp, const char *what)
{
	http_problem(resp, 403, "Forbidden", NULL, "%s", what);
	return false;
}

static bool scope_allows(const struct http_req *req, struct http_resp *resp)
{
	const char *scope = req->who.scope;
	enum route_auth need = req->route->auth;
	if (strcmp(scope, "upload") == 0) {
		if (need != AUTH_UPLOAD && need != AUTH_READ_UPLOAD)
			return auth_forbid(resp, "an upload token may only upload reports for its asset and read their scans");
		return true; /* the handler checks the asset against who.asset_id */
	}
	if (need == AUTH_READ_UPLOAD)
		return true;
	if (strcmp(scope, "read") == 0 && need != AUTH_READ)
		return auth_forbid(resp, "this token has the read scope; the request needs write");
	if (strcmp(req->who.role, "auditor") == 0 && need != AUTH_READ)
		return auth_forbid(resp, "auditors have read-only access");
	return true;
}

static void take_principal(struct http_req *req, const struct principal_row *row)
{
	req->who.user_id = row->user_id;
	req->who.org_id = row->org_id;
	req->who.token_id = row->token_id;
	req->who.asset_id = row->asset_id;
	snprintf(req->who.user_name, sizeof(req->who.user_name), "%s", row->user_name);
	snprintf(req->who.role, sizeof(req->who.role), "%s", row->role);
	snprintf(req->who.scope, sizeof(req->who.scope), "%s", row->scope);
	req->authenticated = true;
}

static bool bearer(struct http_req *req, struct http_resp *resp, struct db *db, const char *h)
{
	if (strncasecmp(h, "Bearer ", 7) != 0)
		return unauthorised(resp, "the Authorization header must use the Bearer scheme");
	const char *tok = h + 7;
	while (*tok == ' ')
		tok++;
	char hash[65];
	ff_sha256_hex(tok, strlen(tok), hash);
	struct principal_row row;
	int rc = auth_token_lookup(db, hash, &row);
	if (rc == FF_ENOTFOUND)
		return unauthorised(resp, "the token is unknown, revoked or expired");
	if (rc) {
		http_db_error(resp, rc, db);
		return false;
	}
	take_principal(req, &row);
	return scope_allows(req, resp);
}

static bool safe_method(const char *m)
{
	return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0 || strcmp(m, "OPTIONS") == 0;
}

/* a session cookie: state-changing requests must echo the session's CSRF
 * token in X-CSRF-Token (a cross-site form cannot read or send it) */
static bool cookie(struct http_req *req, struct http_resp *resp, struct db *db, const char *value)
{
	char hash[65], csrf[128];
	ff_sha256_hex(value, strlen(value), hash);
	struct principal_row row;
	int rc = session_lookup(db, hash, &row, csrf, sizeof(csrf));
	if (rc == FF_ENOTFOUND)
		return unauthorised(resp, "the session is unknown or expired; log in again");
	if (rc) {
		http_db_error(resp, rc, db);
		return false;
	}
	take_principal(req, &row);
	if (!safe_method(req->method)) {
		const char *sent = http_header(req, "X-CSRF-Token");
		if (!sent || !ff_str_ct_equal(sent, csrf))
			return auth_forbid(resp, "state-changing requests with a session need the X-CSRF-Token header"
						 " returned at login");
	}
	if (strcmp(row.role, "auditor") == 0 && req->route->auth != AUTH_READ &&
	    req->route->auth != AUTH_READ_UPLOAD && !auth_session_route(req))
		return auth_forbid(resp, "auditors have read-only access");
	return true;
}

bool auth_session_cookie(const struct http_req *req, char *out, size_t outlen)
{
	const char *c = http_header(req, "Cookie");
	const char *name = AUTH_COOKIE "=";
	size_t nl = strlen(name);
	while (c && *c) {
		while (*c == ' ' || *c == ';')
			c++;
		const char *end = strchr(c, ';');
		size_t len = end ? (size_t)(end - c) : strlen(c);
		if (len > nl && strncmp(c, name, nl) == 0 && len - nl < outlen) {
			snprintf(out, outlen, "%.*s", (int)(len - nl), c + nl);
			return true;
		}
		c = end;
	}
	return false;
}

bool auth_session_route(const struct http_req *req)
{
	return strcmp(req->route->pattern, "/api/v1/session") == 0;
}

bool auth_check(struct http_req *req, struct http_resp *resp, struct db *db)
{
	const char *h = http_header(req, "Authorization");
	if (h && *h)
		return bearer(req, resp, db, h);
	char value[128];
	if (auth_session_cookie(req, value, sizeof(value)))
		return cookie(req, resp, db, value);
	return unauthorised(resp, "authentication required: send 'Authorization: Bearer <token>' or log in"
				  " (POST /api/v1/session)");
}

bool auth_role_in(const struct http_req *req, const char *roles)
{
	size_t n = strlen(req->who.role);
	const char *p = roles;
	while (p && *p) {
		const char *e = strchr(p, '|');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l == n && strncmp(p, req->who.role, n) == 0)
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

void auth_actor(const struct http_req *req, struct audit_actor *a, char *idbuf, size_t idlen)
{
	snprintf(idbuf, idlen, "%lld", req->who.user_id);
	a->type = "user";
	a->id = idbuf;
	a->name = req->who.user_name;
	a->source = strcmp(req->who.scope, "session") == 0 ? "ui" : "api";
}
