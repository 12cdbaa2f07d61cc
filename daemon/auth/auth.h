/* daemon/auth/auth.h - who is calling and what they may do.
 * Bearer tokens (stored hashed) for CI and scripts; scopes read, write and
 * upload (one asset). Session cookies (HttpOnly, SameSite=Lax) for the web
 * UI, with a CSRF token required on state-changing requests. Roles per organisation: admin, security, member,
 * auditor. */
#ifndef FF_DAEMON_AUTH_AUTH_H
#define FF_DAEMON_AUTH_AUTH_H

#include <stdbool.h>

#include "daemon/http/http.h"
#include "db/audit.h"

/* auth_check authenticates req for its route's auth level; on failure it
 * writes the 401/403 problem into resp and returns false. */
bool auth_check(struct http_req *req, struct http_resp *resp, struct db *db);
#define AUTH_COOKIE "ff_session"
/* auth_session_cookie copies the session cookie's value into out; false
 * when the request carries none (or it does not fit) */
bool auth_session_cookie(const struct http_req *req, char *out, size_t outlen);
/* auth_session_route: the login/logout resource, which auditors may use */
bool auth_session_route(const struct http_req *req);
/* auth_role_in: true when the caller's role is one of the '|'-separated
 * names ("admin|security"). */
bool auth_role_in(const struct http_req *req, const char *roles);
/* auth_forbid writes a 403 naming what the caller lacks. Returns false. */
bool auth_forbid(struct http_resp *resp, const char *what);
/* auth_actor fills an audit actor for the caller (strings borrowed from req
 * and from idbuf, which must outlive the actor). */
void auth_actor(const struct http_req *req, struct audit_actor *a, char *idbuf, size_t idlen);

#endif
