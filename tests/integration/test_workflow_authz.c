/* Who may do what, end to end: every route x principal (anonymous, admin,
 * security, member with and without a relation to the asset, auditor,
 * read / upload tokens, an admin of a second organisation), with 0 leaks
 * of the other organisation's data; then web sessions: login, cookie
 * flags, CSRF, logout, throttling with 429 + Retry-After, login events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "daemon/http/http.h"
#include "tests/harness/th.h"

static struct th_daemon D;
static char DSN[512];

enum { P_ANON, P_ADMIN, P_SEC, P_MIA, P_NED, P_AUD, P_READ, P_UPLOAD, P_EVE, P_COUNT };
static const char *const pnames[P_COUNT] = { "anonymous", "admin", "security", "member-owner", "member-other",
					     "auditor", "read-token", "upload-token", "other-org-admin" };
static char tok[P_COUNT][128];
static long long F1, S1, F2; /* a finding and a scan of org 1, a finding of org 2 */

#define EVE_TOKEN "fft_other_organisation_admin_token_0123456789abcdef"
#define WEB_PW "correct horse battery staple"

static int user(const char *name, const char *role, const char *pw)
{
	const char *add[] = { "user", "add", name, "--role", role, "--password-stdin", NULL };
	char in[128];
	snprintf(in, sizeof(in), "%s\n", pw ? pw : "a long enough password 1");
	return th_run(DSN, add, NULL, in, NULL, NULL);
}

static int token(const char *name, const char *scope, const char *asset, char *dst)
{
	const char *tc[] = { "token", "create", "--user", name, "--scope", scope, asset ? "--asset" : NULL, asset, NULL };
	char *out = NULL;
	int rc = th_run(DSN, tc, NULL, NULL, &out, NULL);
	if (!rc)
		th_last_line(out, dst, 128);
	free(out);
	return rc;
}

static int seed_org2(void)
{
	return th_sql_ok(DSN, "INSERT INTO org (slug, name) VALUES ('other', 'ORG2-SECRET Other Org')") &&
	       th_sql_ok(DSN, "INSERT INTO app_user (org_id, name, email) SELECT id, 'eve', 'ORG2-SECRET@other.example'"
			      " FROM org WHERE slug = 'other'") &&
	       th_sql_ok(DSN, "INSERT INTO membership (org_id, user_id, role) SELECT u.org_id, u.id, 'admin'"
			      " FROM app_user u WHERE name = 'eve'") &&
	       th_sql_ok(DSN, "INSERT INTO api_token (org_id, user_id, token_hash, prefix, scope) SELECT org_id, id,"
			      " encode(sha256('" EVE_TOKEN "'::bytea), 'hex'), 'fft_othe', 'write' FROM app_user WHERE name = 'eve'") &&
	       th_sql_ok(DSN, "INSERT INTO asset (org_id, name, slug, kind) SELECT id, 'ORG2-SECRET vault', 'vault',"
			      " 'application' FROM org WHERE slug = 'other'") &&
	       th_sql_ok(DSN, "INSERT INTO asset_owner (org_id, asset_id, user_id, role) SELECT a.org_id, a.id, u.id,"
			      " 'technical' FROM asset a, app_user u WHERE a.slug = 'vault' AND u.name = 'eve'") &&
	       th_sql_ok(DSN, "INSERT INTO finding (org_id, asset_id, fingerprint, kind, title, severity, score10)"
			      " SELECT org_id, id, 'org2-fp', 'sca', 'ORG2-SECRET finding', 'high', 80 FROM asset"
			      " WHERE slug = 'vault'") &&
	       th_sql_ok(DSN, "INSERT INTO event (org_id, asset_id, actor_type, actor_name, source, type, justification,"
			      " prev_hash, hash) SELECT org_id, id, 'user', 'eve', 'api', 'asset.created', 'ORG2-SECRET',"
			      " '', '' FROM asset WHERE slug = 'vault'");
}

static int setup(void **state)
{
	(void)state;
	snprintf(DSN, sizeof(DSN), "%s", th_db_new("wfauthz"));
	const char *env[] = { "FLAWFIX_LOGIN_MAX_FAILURES=5", "FLAWFIX_LOGIN_MAX_FAILURES_PER_ADDRESS=40",
			      "FLAWFIX_LOGIN_LOCKOUT_SECONDS=120", NULL };
	if (th_daemon_start(&D, DSN, env))
		return -1;
	snprintf(tok[P_ADMIN], sizeof(tok[P_ADMIN]), "%s", D.token);
	if (user("sec", "security", NULL) || user("mia", "member", NULL) || user("ned", "member", NULL) ||
	    user("aud", "auditor", WEB_PW) || user("web", "member", WEB_PW))
		return -1;
	if (th_http(&D, "POST", "/api/v1/assets", D.token,
		    "{\"name\":\"app\",\"kind\":\"application\",\"technical_owners\":[\"mia\",\"web\"]}", NULL) != 201 ||
	    th_http(&D, "POST", "/api/v1/assets", D.token,
		    "{\"name\":\"junk\",\"kind\":\"application\",\"technical_owners\":[\"mia\"]}", NULL) != 201)
		return -1;
	if (token("sec", "write", NULL, tok[P_SEC]) || token("mia", "write", NULL, tok[P_MIA]) ||
	    token("ned", "write", NULL, tok[P_NED]) || token("aud", "write", NULL, tok[P_AUD]) ||
	    token("admin", "read", NULL, tok[P_READ]) || token("admin", "upload", "app", tok[P_UPLOAD]))
		return -1;
	snprintf(tok[P_EVE], sizeof(tok[P_EVE]), "%s", EVE_TOKEN);
	/* org 1's user list must not reach eve */
	if (!th_sql_ok(DSN, "UPDATE app_user SET email = 'ORG1-MARK@org1.example' WHERE name = 'mia'") || !seed_org2())
		return -1;
	F1 = th_sql_ll(DSN, "%s", "WITH ins AS (INSERT INTO finding (org_id, asset_id, fingerprint, kind, title, severity, score10)"
		    " SELECT 1, id, 'org1-fp', 'sca', 'ORG1-MARK finding', 'high', 80 FROM asset WHERE slug = 'app'"
		    " AND org_id = 1 RETURNING id) SELECT id FROM ins");
	F2 = th_sql_ll(DSN, "%s", "SELECT id FROM finding WHERE fingerprint = 'org2-fp'");
	char *out = NULL;
	char *rep = th_read_file(FF_SOURCE_DIR "/tests/fixtures/scanners/trivy/DefectDojo-django-DefectDojo/scheme_2_no_vuln.json");
	long st = th_http_ct(&D, "POST", "/api/v1/assets/app/scans?scanner=trivy&target=img", tok[P_UPLOAD],
			     "application/json", rep, rep ? strlen(rep) : 0, &out);
	json_t *o = json_loads(out ? out : "", 0, NULL);
	S1 = json_integer_value(json_object_get(o, "id"));
	json_decref(o);
	free(out);
	free(rep);
	if ((st == 201 || st == 202 || st == 200) && F1 > 0 && F2 > 0 && S1 > 0)
		return 0;
	fprintf(stderr, "setup: upload %ld, F1 %lld, F2 %lld, S1 %lld\n", st, F1, F2, S1);
	return -1;
}

static int teardown(void **state)
{
	(void)state;
	th_daemon_stop(&D, SIGTERM);
	return 0;
}

/* expected outcome per principal: A allowed (2xx, or a domain 404/409/422
 * that is not about access), U 401, F 403, N 404 (does not exist for the
 * caller) */
struct route_case {
	const char *method, *path, *body;
	const char expect[P_COUNT + 1]; /* in the order of pnames */
};

static char *expand(const char *path)
{
	char out[256];
	const char *f1 = strstr(path, "{F1}"), *s1 = strstr(path, "{S1}");
	if (f1)
		snprintf(out, sizeof(out), "%.*s%lld%s", (int)(f1 - path), path, F1, f1 + 4);
	else if (s1)
		snprintf(out, sizeof(out), "%.*s%lld%s", (int)(s1 - path), path, S1, s1 + 4);
	else
		snprintf(out, sizeof(out), "%s", path);
	return strdup(out);
}

static char outcome(long st)
{
	if (st == 401)
		return 'U';
	if (st == 403)
		return 'F';
	if (st == 404)
		return 'N';
	return st >= 200 && st < 500 ? 'A' : '?';
}

static void test_route_role_matrix(void **state)
{
	(void)state;
	/*                                                              anon admin sec mia ned aud read upload eve */
	static const struct route_case cases[] = {
		{ "GET", "/healthz", NULL, "AAAAAAAAA" },
		{ "GET", "/readyz", NULL, "AAAAAAAAA" },
		{ "GET", "/metrics", NULL, "AAAAAAAAA" },
		{ "GET", "/api/v1/openapi.json", NULL, "AAAAAAAAA" },
		{ "GET", "/api/v1/assets", NULL, "UAAAAAAFA" },
		{ "POST", "/api/v1/assets", "{\"name\":\"m\",\"kind\":\"application\",\"technical_owners\":[\"admin\"]}",
		  "UAAFFFFFA" },
		{ "GET", "/api/v1/assets/app", NULL, "UAAANAAFN" },
		{ "PATCH", "/api/v1/assets/app", "{\"owner\":\"Team App\"}", "UAAANFFFN" },
		{ "POST", "/api/v1/assets/junk/archive", NULL, "UAAFFFFFN" },
		{ "POST", "/api/v1/assets/app/scans?scanner=trivy&target=m", "{}", "UAAAFFFAN" },
		{ "GET", "/api/v1/assets/app/scans", NULL, "UAAAFAAFN" },
		{ "GET", "/api/v1/scans/{S1}", NULL, "UAAANAAAN" },
		{ "GET", "/api/v1/findings", NULL, "UAAAAAAFA" },
		{ "GET", "/api/v1/findings/{F1}", NULL, "UAAANAAFN" },
		{ "GET", "/api/v1/findings/{F1}/events", NULL, "UAAANAAFN" },
		{ "POST", "/api/v1/findings/{F1}/actions", "{\"action\":\"comment\",\"text\":\"matrix\"}", "UAAANFFFN" },
		{ "POST", "/api/v1/findings/actions", "{\"action\":\"comment\",\"text\":\"matrix\",\"ids\":[{F1}]}",
		  "UAAAAFFFA" },
		{ "GET", "/api/v1/events", NULL, "UAAAAAAFA" },
		{ "GET", "/api/v1/queues/approvals", NULL, "UAAAAAAFA" },
		{ "GET", "/api/v1/policy", NULL, "UAAAAAAFA" },
		{ "PUT", "/api/v1/policy", "{\"reminder_days\": 14}", "UAFFFFFFA" },
		{ "GET", "/api/v1/assets/app/policy", NULL, "UAAAFAAFN" },
		{ "PUT", "/api/v1/assets/app/policy", "{\"reminder_days\": 10}", "UAAFFFFFN" },
		{ "POST", "/api/v1/session", "{\"name\":\"nobody{P}\",\"password\":\"wrong\"}", "UUUUUUUUU" },
		{ "GET", "/api/v1/session", NULL, "UAAAAAAFA" },
		{ "DELETE", "/api/v1/session", NULL, "UAAAAAAFA" },
		/* users (issue 6): admins, security and auditors read; a member reads only their own record;
		 * only admins write; eve sees and changes only her organisation's users */
		{ "GET", "/api/v1/users", NULL, "UAAFFAAFA" },
		{ "POST", "/api/v1/users", "{\"name\":\"u{P}\",\"role\":\"member\"}", "UAFFFFFFA" },
		{ "GET", "/api/v1/users/mia", NULL, "UAAAFAAFN" },
		{ "PATCH", "/api/v1/users/ned", "{\"email\":\"ned@org1.example\"}", "UAFFFFFFN" },
		/* trackers (issue 7): configuration is the admin's; tracker 1 is org 1's (admin creates it first) */
		{ "POST", "/api/v1/trackers", "{\"name\":\"m\",\"kind\":\"gitlab\",\"base_url\":\"http://127.0.0.1:9\","
		  "\"project\":\"p\",\"token\":\"t\"}", "UAFFFFFFA" },
		{ "GET", "/api/v1/trackers", NULL, "UAAAAAAFA" },
		{ "GET", "/api/v1/trackers/1", NULL, "UAAAAAAFN" },
		{ "PATCH", "/api/v1/trackers/1", "{\"project\":\"q\"}", "UAFFFFFFN" },
		{ "POST", "/api/v1/trackers/1/test", NULL, "UAFFFFFFN" },
		{ "GET", "/api/v1/trackers/1/identities", NULL, "UAAAAAAFN" },
		{ "PUT", "/api/v1/trackers/1/identities", "{\"user\":\"mia\",\"remote_id\":\"r1\"}", "UAFFFFFFN" },
		{ "POST", "/api/v1/trackers/1/identities/match", NULL, "UAFFFFFFN" },
		{ "PUT", "/api/v1/assets/app/tracker", "{\"tracker_id\":1}", "UAAFFFFFN" },
		/* webhooks: the signature is the authentication, whoever calls */
		{ "POST", "/api/v1/webhooks/gitlab/1", "{\"object_kind\":\"note\"}", "UUUUUUUUU" },
		{ "POST", "/api/v1/webhooks/jira/1", "{}", "NNNNNNNNN" },
		{ "POST", "/api/v1/webhooks/redmine/1", "{}", "NNNNNNNNN" },
	};
	int mismatches = 0, leaks = 0, checked = 0;
	bool covered[64] = { false };
	assert_true(http_routes_len <= 64);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *path = expand(cases[i].path);
		struct http_req rq;
		bool mm = false;
		memset(&rq, 0, sizeof(rq));
		char bare[256];
		snprintf(bare, sizeof(bare), "%.*s", (int)strcspn(path, "?"), path);
		int ri = http_route_match(cases[i].method, bare, &rq, &mm);
		for (int k = 0; k < rq.nparams; k++)
			free(rq.param_values[k]);
		if (ri >= 0)
			covered[ri] = true;
		for (int p = 0; p < P_COUNT; p++) {
			char *out = NULL, *body = cases[i].body ? expand(cases[i].body) : NULL;
			char *pp = body ? strstr(body, "{P}") : NULL;
			if (pp) { /* one user name per principal: the throttle counts per name */
				pp[0] = 'p';
				pp[1] = (char)('0' + p);
				pp[2] = 'x';
			}
			long st = th_http(&D, cases[i].method, path, p == P_ANON ? NULL : tok[p], body, &out);
			char got = outcome(st);
			checked++;
			if (got != cases[i].expect[p]) {
				print_error("%s %s as %s: %ld (%c), want %c: %.200s\n", cases[i].method, path, pnames[p], st,
					    got, cases[i].expect[p], out);
				mismatches++;
			}
			/* no response of org 1 shows org 2's data, and the reverse */
			const char *foreign = p == P_EVE ? "ORG1-MARK" : "ORG2-SECRET";
			if (out && strstr(out, foreign)) {
				print_error("LEAK: %s %s as %s shows %s\n", cases[i].method, path, pnames[p], foreign);
				leaks++;
			}
			/* a bulk command by eve on org 1's finding: refused as not found */
			if (p == P_EVE && strstr(path, "/findings/actions") && !strstr(out, "\"status\":404"))
				leaks++;
			free(out);
			free(body);
		}
		free(path);
	}
	/* every route of the daemon is in the matrix */
	for (int r = 0; r < http_routes_len; r++)
		if (!covered[r])
			fail_msg("route %s %s is not in the matrix", http_routes[r].method, http_routes[r].pattern);
	print_message("authorisation matrix: %d routes, %d requests, %d mismatches, %d leaks\n", http_routes_len, checked,
		      mismatches, leaks);
	assert_int_equal(mismatches, 0);
	assert_int_equal(leaks, 0);
	/* org 1 principals cannot reach org 2's finding at all */
	char path[96];
	snprintf(path, sizeof(path), "/api/v1/findings/%lld/actions", F2);
	for (int p = P_ADMIN; p < P_EVE; p++)
		if (p != P_AUD && p != P_READ && p != P_UPLOAD)
			assert_int_equal(th_http(&D, "POST", path, tok[p], "{\"action\":\"comment\",\"text\":\"x\"}", NULL),
					 404);
	char *n = th_sqlf(DSN, "SELECT count(*) FROM event WHERE finding_id = %lld", F2);
	assert_string_equal(n, "0");
	free(n);
}

/* log in as name; fills cookie ("ff_session=...") and csrf; returns the status */
static long login(const char *name, const char *pw, char *cookie, size_t cn, char *csrf, size_t sn, char **hdrs)
{
	char body[256], *out = NULL, *h = NULL;
	snprintf(body, sizeof(body), "{\"name\":\"%s\",\"password\":\"%s\"}", name, pw);
	long st = th_http_h(&D, "POST", "/api/v1/session", NULL, body, &out, &h);
	if (st == 201) {
		json_t *o = json_loads(out, 0, NULL);
		snprintf(csrf, sn, "%s", json_string_value(json_object_get(o, "csrf_token")));
		json_decref(o);
		const char *c = strcasestr(h, "Set-Cookie: ");
		if (c) {
			c += 12;
			snprintf(cookie, cn, "Cookie: %.*s", (int)strcspn(c, ";\r\n"), c);
		}
	}
	if (hdrs)
		*hdrs = h;
	else
		free(h);
	free(out);
	return st;
}

static void test_session_cookie_csrf_logout(void **state)
{
	(void)state;
	char cookie[256] = "", csrf[128] = "", *h = NULL, *out = NULL;
	long long failed0 = th_sql_ll(DSN, "%s", "SELECT count(*) FROM event WHERE type = 'login.failed'");
	assert_int_equal(login("web", "not the password", cookie, sizeof(cookie), csrf, sizeof(csrf), NULL), 401);
	assert_int_equal(th_sql_ll(DSN, "%s", "SELECT count(*) FROM event WHERE type = 'login.failed'"), failed0 + 1);
	assert_int_equal(login("web", WEB_PW, cookie, sizeof(cookie), csrf, sizeof(csrf), &h), 201);
	assert_non_null(strcasestr(h, "HttpOnly"));
	assert_non_null(strcasestr(h, "SameSite=Lax"));
	assert_null(strcasestr(h, "Secure")); /* public_url is http:// here */
	free(h);
	assert_true(strlen(csrf) >= 32);
	assert_int_equal(th_sql_ll(DSN, "%s", "SELECT count(*) FROM event WHERE type = 'login.succeeded' AND actor_name = 'web'"), 1);
	const char *hc[] = { cookie, NULL };
	assert_int_equal(th_http_h(&D, "GET", "/api/v1/session", hc, NULL, &out, NULL), 200);
	assert_non_null(strstr(out, "\"scope\":\"session\""));
	free(out);
	/* state-changing requests need the CSRF token */
	char path[96], xcsrf[200], wrong[] = "X-CSRF-Token: 0000";
	snprintf(path, sizeof(path), "/api/v1/findings/%lld/actions", F1);
	snprintf(xcsrf, sizeof(xcsrf), "X-CSRF-Token: %s", csrf);
	const char *body = "{\"action\":\"comment\",\"text\":\"from the web UI\"}";
	long long ev0 = th_sql_ll(DSN, "%s", "SELECT count(*) FROM event");
	assert_int_equal(th_http_h(&D, "POST", path, hc, body, NULL, NULL), 403);
	const char *hw[] = { cookie, wrong, NULL };
	assert_int_equal(th_http_h(&D, "POST", path, hw, body, NULL, NULL), 403);
	assert_int_equal(th_sql_ll(DSN, "%s", "SELECT count(*) FROM event"), ev0);
	const char *hok[] = { cookie, xcsrf, NULL };
	assert_int_equal(th_http_h(&D, "POST", path, hok, body, NULL, NULL), 200);
	char *src = th_sqlf(DSN, "SELECT source || ':' || actor_name FROM event WHERE finding_id = %lld ORDER BY id DESC LIMIT 1", F1);
	assert_string_equal(src, "ui:web");
	free(src);
	/* logout: the cookie is cleared and no longer works */
	assert_int_equal(th_http_h(&D, "DELETE", "/api/v1/session", hok, NULL, NULL, &h), 204);
	assert_non_null(strcasestr(h, "Max-Age=0"));
	free(h);
	assert_int_equal(th_http_h(&D, "GET", "/api/v1/session", hc, NULL, NULL, NULL), 401);
	assert_int_equal(th_sql_ll(DSN, "%s", "SELECT count(*) FROM session"), 0);
	/* an auditor's session is read-only */
	assert_int_equal(login("aud", WEB_PW, cookie, sizeof(cookie), csrf, sizeof(csrf), NULL), 201);
	snprintf(xcsrf, sizeof(xcsrf), "X-CSRF-Token: %s", csrf);
	const char *ha[] = { cookie, xcsrf, NULL };
	assert_int_equal(th_http_h(&D, "GET", "/api/v1/events", ha, NULL, NULL, NULL), 200);
	assert_int_equal(th_http_h(&D, "POST", path, ha, body, NULL, NULL), 403);
	assert_int_equal(th_http_h(&D, "DELETE", "/api/v1/session", ha, NULL, NULL, NULL), 204);
}

static void test_login_throttling(void **state)
{
	(void)state;
	char cookie[256], csrf[128], *h = NULL;
	/* the success above reset web's count: 5 failures reach the limit */
	for (int i = 0; i < 5; i++)
		assert_int_equal(login("web", "guess", cookie, sizeof(cookie), csrf, sizeof(csrf), NULL), 401);
	/* locked: even the right password gets 429 with Retry-After */
	assert_int_equal(login("web", WEB_PW, cookie, sizeof(cookie), csrf, sizeof(csrf), &h), 429);
	const char *ra = strcasestr(h, "Retry-After: ");
	assert_non_null(ra);
	long secs = strtol(ra + 13, NULL, 10);
	assert_true(secs > 0 && secs <= 120);
	free(h);
	assert_true(th_sql_ll(DSN, "%s", "SELECT count(*) FROM event WHERE type = 'login.throttled'") >= 1);
	/* another user from the same address is not locked yet ... */
	assert_int_equal(login("aud", WEB_PW, cookie, sizeof(cookie), csrf, sizeof(csrf), NULL), 201);
	/* ... until the address reaches its own limit (40) */
	long long failures = th_sql_ll(DSN, "%s", "SELECT count(*) FROM event WHERE type = 'login.failed'");
	int tries = 0;
	long st = 401;
	while (st == 401 && tries < 60) {
		char name[32];
		snprintf(name, sizeof(name), "nobody%d", tries++);
		st = login(name, "x", cookie, sizeof(cookie), csrf, sizeof(csrf), NULL);
	}
	assert_int_equal(st, 429);
	assert_true(failures + tries - 1 >= 40);
	assert_int_equal(login("aud", WEB_PW, cookie, sizeof(cookie), csrf, sizeof(csrf), NULL), 429);
}

static void test_secure_cookie_behind_https(void **state)
{
	(void)state;
	th_daemon_stop(&D, SIGTERM);
	const char *env[] = { "FLAWFIX_PUBLIC_URL=https://flawfix.example", NULL };
	assert_int_equal(th_daemon_start(&D, DSN, env), 0);
	assert_true(th_sql_ok(DSN, "DELETE FROM login_throttle")); /* the address was locked above */
	char cookie[256], csrf[128], *h = NULL;
	assert_int_equal(login("aud", WEB_PW, cookie, sizeof(cookie), csrf, sizeof(csrf), &h), 201);
	assert_non_null(strstr(h, "; Secure"));
	assert_non_null(strcasestr(h, "HttpOnly"));
	free(h);
}

static void test_audit_verify(void **state)
{
	(void)state;
	const char *verify[] = { "audit", "verify", NULL };
	char *out = NULL, *err = NULL;
	assert_int_equal(th_run(DSN, verify, NULL, NULL, &out, &err), 0);
	free(out);
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route_role_matrix),
		cmocka_unit_test(test_session_cookie_csrf_logout),
		cmocka_unit_test(test_login_throttling),
		cmocka_unit_test(test_secure_cookie_behind_https),
		cmocka_unit_test(test_audit_verify),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
