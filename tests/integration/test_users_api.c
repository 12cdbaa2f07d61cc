/* Users and roles over REST (issue 6), end to end on a real daemon and a
 * throwaway PostgreSQL: create (generated and given password, both log
 * in), list / get with the read roles, every refused body with its JSON
 * pointer and nothing written, PATCH of role / e-mail / disabled with
 * exactly the expected audit events, disabling ends the web session and
 * stops the token, the last enabled admin cannot be demoted or disabled
 * (also when two admins demote each other at once), members cannot write,
 * and a second organisation's admin neither sees nor changes org 1's
 * users. Last, the audit chain verifies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "tests/harness/th.h"

static struct th_daemon D;
static char DSN[512];
static char tok_mem[128], tok_sec[128], tok_aud[128];

#define MEM_PW "member password of some length"
#define BOB_PW "bob's own password, long enough"
#define EVE_TOKEN "fft_users_test_other_organisation_admin_0123456789"

static json_t *jparse(const char *s)
{
	json_error_t e;
	json_t *v = json_loads(s ? s : "", 0, &e);
	if (!v)
		fail_msg("not JSON: %s (%s)", s ? s : "(null)", e.text);
	return v;
}

static void assert_sql(const char *want, const char *q)
{
	char *got = th_sqlf(DSN, "%s", q);
	if (strcmp(got, want) != 0)
		fail_msg("%s\n  got  '%s'\n  want '%s'", q, got, want);
	free(got);
}

static long long count_events(void)
{
	char *s = th_sqlf(DSN, "SELECT count(*) FROM event");
	long long n = strtoll(s, NULL, 10);
	free(s);
	return n;
}

/* everything a refused request must leave alone */
static char *snapshot(void)
{
	return th_sqlf(DSN, "SELECT (SELECT count(*) FROM app_user) || '/' || (SELECT count(*) FROM event) || '/' ||"
		    " (SELECT count(*) FROM session) || '/' || (SELECT md5(string_agg(u.name || ':' || m.org_id || ':' ||"
		    " m.role || ':' || u.disabled || ':' || coalesce(u.email, '-') || ':' || coalesce(u.password_hash, '-'),"
		    " ',' ORDER BY u.name)) FROM app_user u JOIN membership m ON m.user_id = u.id)");
}

static int cli_user(const char *name, const char *role, const char *pw)
{
	const char *add[] = { "user", "add", name, "--role", role, "--password-stdin", NULL };
	char in[128];
	snprintf(in, sizeof(in), "%s\n", pw);
	return th_run(DSN, add, NULL, in, NULL, NULL);
}

static int cli_token(const char *name, char *dst)
{
	const char *tc[] = { "token", "create", "--user", name, "--scope", "write", NULL };
	char *out = NULL;
	int rc = th_run(DSN, tc, NULL, NULL, &out, NULL);
	if (!rc)
		th_last_line(out, dst, 128);
	free(out);
	return rc;
}

static int setup(void **state)
{
	(void)state;
	snprintf(DSN, sizeof(DSN), "%s", th_db_new("users"));
	if (th_daemon_start(&D, DSN, NULL))
		return -1;
	if (cli_user("mem", "member", MEM_PW) || cli_user("sec", "security", MEM_PW) ||
	    cli_user("aud", "auditor", MEM_PW) || cli_token("mem", tok_mem) || cli_token("sec", tok_sec) ||
	    cli_token("aud", tok_aud))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	th_daemon_stop(&D, SIGTERM);
	return 0;
}

/* log in; fills cookie ("Cookie: ff_session=...") when asked; returns the status */
static long login(const char *name, const char *pw, char *cookie, size_t cn)
{
	char *out = NULL, *h = NULL;
	json_t *b = json_pack("{s:s, s:s}", "name", name, "password", pw);
	char *body = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	long st = th_http_h(&D, "POST", "/api/v1/session", NULL, body, &out, &h);
	const char *c = h ? strcasestr(h, "Set-Cookie: ") : NULL;
	if (st == 201 && cookie && c)
		snprintf(cookie, cn, "Cookie: %.*s", (int)strcspn(c + 12, ";\r\n"), c + 12);
	free(body);
	free(out);
	free(h);
	return st;
}

/* the newest event of a type as "actor_type:actor_name:source:from>to" */
static char *last_event(const char *type)
{
	return th_sqlf(DSN, "SELECT actor_type || ':' || actor_name || ':' || source || ':' || coalesce(from_state, '') || '>'"
		    " || coalesce(to_state, '') FROM event WHERE type = '%s' ORDER BY id DESC LIMIT 1", type);
}

static void test_create_with_generated_and_given_password(void **state)
{
	(void)state;
	char *out = NULL, *h = NULL, auth[200];
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", D.token);
	const char *hdr[] = { auth, NULL };
	long long ev0 = count_events();
	assert_int_equal(th_http_h(&D, "POST", "/api/v1/users", hdr,
				   "{\"name\":\"alice\",\"role\":\"security\",\"email\":\"alice@example.test\"}", &out, &h),
			 201);
	assert_non_null(strcasestr(h, "Location: /api/v1/users/alice"));
	json_t *u = jparse(out);
	assert_string_equal(json_string_value(json_object_get(u, "name")), "alice");
	assert_string_equal(json_string_value(json_object_get(u, "role")), "security");
	assert_string_equal(json_string_value(json_object_get(u, "email")), "alice@example.test");
	assert_true(json_is_false(json_object_get(u, "disabled")));
	assert_non_null(json_string_value(json_object_get(u, "created_at")));
	const char *pw = json_string_value(json_object_get(u, "password"));
	assert_non_null(pw);
	assert_true(strlen(pw) >= 12);
	/* the generated password works, once the answer is the only place it was shown */
	assert_int_equal(login("alice", pw, NULL, 0), 201);
	assert_sql("alice@example.test:security:1",
		   "SELECT u.email || ':' || m.role || ':' || m.org_id FROM app_user u JOIN membership m"
		   " ON m.user_id = u.id WHERE u.name = 'alice'");
	/* user.created, membership.changed, and the login */
	assert_int_equal(count_events(), ev0 + 3);
	char *e = last_event("user.created");
	assert_string_equal(e, "user:admin:api:>");
	free(e);
	e = last_event("membership.changed");
	assert_string_equal(e, "user:admin:api:>security");
	free(e);
	assert_sql("alice", "SELECT payload->>'user' FROM event WHERE type = 'user.created' ORDER BY id DESC LIMIT 1");
	json_decref(u);
	free(out);
	free(h);
	/* a given password is used and never echoed */
	assert_int_equal(th_http(&D, "POST", "/api/v1/users", D.token,
				 "{\"name\":\"bob\",\"role\":\"member\",\"password\":\"" BOB_PW "\"}", &out),
			 201);
	u = jparse(out);
	assert_null(json_object_get(u, "password"));
	assert_null(strstr(out, "bob's own"));
	assert_true(json_is_null(json_object_get(u, "email")));
	json_decref(u);
	free(out);
	assert_int_equal(login("bob", BOB_PW, NULL, 0), 201);
	assert_int_equal(login("bob", "not bob's password at all", NULL, 0), 401);
}

static bool has_name(json_t *items, const char *name)
{
	size_t i;
	json_t *v;
	json_array_foreach(items, i, v)
		if (strcmp(json_string_value(json_object_get(v, "name")), name) == 0)
			return true;
	return false;
}

static void test_list_and_get(void **state)
{
	(void)state;
	char *out = NULL;
	/* admin, security and auditor read the list */
	const char *readers[] = { D.token, tok_sec, tok_aud };
	for (int r = 0; r < 3; r++) {
		assert_int_equal(th_http(&D, "GET", "/api/v1/users", readers[r], NULL, &out), 200);
		json_t *l = jparse(out);
		json_t *items = json_object_get(l, "items");
		assert_true(json_is_null(json_object_get(l, "next_cursor")));
		char *n = th_sqlf(DSN, "SELECT count(*) FROM membership WHERE org_id = 1");
		assert_int_equal((long long)json_array_size(items), strtoll(n, NULL, 10));
		free(n);
		assert_true(has_name(items, "admin") && has_name(items, "alice") && has_name(items, "mem"));
		json_t *first = json_array_get(items, 0);
		const char *keys[] = { "name", "email", "role", "disabled", "created_at" };
		for (int k = 0; k < 5; k++)
			assert_non_null(json_object_get(first, keys[k]));
		assert_null(strstr(out, "password"));
		assert_null(strstr(out, "argon2"));
		json_decref(l);
		free(out);
	}
	/* a member gets 403 for the list and others' records, 200 for their own */
	assert_int_equal(th_http(&D, "GET", "/api/v1/users", tok_mem, NULL, NULL), 403);
	assert_int_equal(th_http(&D, "GET", "/api/v1/users/alice", tok_mem, NULL, NULL), 403);
	assert_int_equal(th_http(&D, "GET", "/api/v1/users/nobody", tok_mem, NULL, NULL), 403);
	assert_int_equal(th_http(&D, "GET", "/api/v1/users/mem", tok_mem, NULL, &out), 200);
	json_t *u = jparse(out);
	assert_string_equal(json_string_value(json_object_get(u, "role")), "member");
	json_decref(u);
	free(out);
	assert_int_equal(th_http(&D, "GET", "/api/v1/users/alice", tok_aud, NULL, &out), 200);
	u = jparse(out);
	assert_string_equal(json_string_value(json_object_get(u, "email")), "alice@example.test");
	json_decref(u);
	free(out);
	assert_int_equal(th_http(&D, "GET", "/api/v1/users/nobody", D.token, NULL, NULL), 404);
}

struct bad_case {
	const char *method, *path, *body, *pointer;
};

static void test_refused_bodies_change_nothing(void **state)
{
	(void)state;
	char long_name[140], long_email[300], b1[400], b2[400];
	memset(long_name, 'a', 129);
	long_name[129] = '\0';
	memset(long_email, 'e', 250);
	snprintf(long_email + 250, sizeof(long_email) - 250, "@x.yz");
	snprintf(b1, sizeof(b1), "{\"name\":\"%s\",\"role\":\"member\"}", long_name);
	snprintf(b2, sizeof(b2), "{\"name\":\"carol\",\"role\":\"member\",\"email\":\"%s\"}", long_email);
	const struct bad_case cases[] = {
		{ "POST", "/api/v1/users", "{\"name\":\"carol\",\"role\":\"member\",\"admin\":true}", "/admin" },
		{ "POST", "/api/v1/users", "{\"role\":\"member\"}", "/name" },
		{ "POST", "/api/v1/users", "{\"name\":\"-carol\",\"role\":\"member\"}", "/name" },
		{ "POST", "/api/v1/users", "{\"name\":\"car ol\",\"role\":\"member\"}", "/name" },
		{ "POST", "/api/v1/users", "{\"name\":\"carol\\\"}\",\"role\":\"member\"}", "/name" },
		{ "POST", "/api/v1/users", "{\"name\":\"\",\"role\":\"member\"}", "/name" },
		{ "POST", "/api/v1/users", "{\"name\":5,\"role\":\"member\"}", "/name" },
		{ "POST", "/api/v1/users", b1, "/name" },
		{ "POST", "/api/v1/users", "{\"name\":\"carol\"}", "/role" },
		{ "POST", "/api/v1/users", "{\"name\":\"carol\",\"role\":\"owner\"}", "/role" },
		{ "POST", "/api/v1/users", "{\"name\":\"carol\",\"role\":null}", "/role" },
		{ "POST", "/api/v1/users", "{\"name\":\"carol\",\"role\":\"member\",\"email\":\"carol\"}", "/email" },
		{ "POST", "/api/v1/users", "{\"name\":\"carol\",\"role\":\"member\",\"email\":\"a@b@c.d\"}", "/email" },
		{ "POST", "/api/v1/users", "{\"name\":\"carol\",\"role\":\"member\",\"email\":\"ca rol@x.y\"}", "/email" },
		{ "POST", "/api/v1/users", "{\"name\":\"carol\",\"role\":\"member\",\"email\":\"carol@x.y\\r\\nBcc: z@z\"}",
		  "/email" },
		{ "POST", "/api/v1/users", "{\"name\":\"carol\",\"role\":\"member\",\"email\":\"@x.y\"}", "/email" },
		{ "POST", "/api/v1/users", "{\"name\":\"carol\",\"role\":\"member\",\"email\":5}", "/email" },
		{ "POST", "/api/v1/users", b2, "/email" },
		{ "POST", "/api/v1/users", "{\"name\":\"carol\",\"role\":\"member\",\"password\":\"elevenchars\"}", "/password" },
		{ "POST", "/api/v1/users", "{\"name\":\"carol\",\"role\":\"member\",\"password\":123456789012345}",
		  "/password" },
		{ "PATCH", "/api/v1/users/bob", "{\"role\":\"boss\"}", "/role" },
		{ "PATCH", "/api/v1/users/bob", "{\"disabled\":\"yes\"}", "/disabled" },
		{ "PATCH", "/api/v1/users/bob", "{\"disabled\":null}", "/disabled" },
		{ "PATCH", "/api/v1/users/bob", "{\"email\":\"bob\"}", "/email" },
		{ "PATCH", "/api/v1/users/bob", "{\"email\":[]}", "/email" },
		{ "PATCH", "/api/v1/users/bob", "{\"name\":\"bobby\"}", "/name" },
		{ "PATCH", "/api/v1/users/bob", "{\"password\":\"a new password 123\"}", "/password" },
	};
	char *before = snapshot();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = NULL;
		long st = th_http(&D, cases[i].method, cases[i].path, D.token, cases[i].body, &out);
		json_t *p = jparse(out);
		const char *ptr = json_string_value(json_object_get(p, "pointer"));
		if (st != 422 || !ptr || strcmp(ptr, cases[i].pointer) != 0)
			fail_msg("%s %s %s: %ld %s, want 422 %s", cases[i].method, cases[i].path, cases[i].body, st, out,
				 cases[i].pointer);
		json_decref(p);
		free(out);
	}
	/* a taken name: 409, nothing written */
	char *out = NULL;
	assert_int_equal(th_http(&D, "POST", "/api/v1/users", D.token, "{\"name\":\"alice\",\"role\":\"member\"}", &out),
			 409);
	assert_non_null(strstr(out, "\"pointer\":\"/name\""));
	free(out);
	assert_int_equal(th_http(&D, "PATCH", "/api/v1/users/nobody", D.token, "{\"role\":\"member\"}", NULL), 404);
	char *after = snapshot();
	assert_string_equal(before, after);
	assert_sql("0", "SELECT count(*) FROM app_user WHERE name = 'carol'");
	free(before);
	free(after);
}

static void patch_ok(const char *name, const char *body, json_t **out)
{
	char path[96], *resp = NULL;
	snprintf(path, sizeof(path), "/api/v1/users/%s", name);
	long st = th_http(&D, "PATCH", path, D.token, body, &resp);
	if (st != 200)
		fail_msg("PATCH %s %s: %ld %s", path, body, st, resp);
	*out = jparse(resp);
	free(resp);
}

static void test_patch_writes_one_event_per_change(void **state)
{
	(void)state;
	json_t *u;
	long long ev0 = count_events();
	patch_ok("bob", "{\"role\":\"security\"}", &u);
	assert_string_equal(json_string_value(json_object_get(u, "role")), "security");
	json_decref(u);
	assert_int_equal(count_events(), ev0 + 1);
	char *e = last_event("membership.changed");
	assert_string_equal(e, "user:admin:api:member>security");
	free(e);
	assert_sql("bob:member", "SELECT (payload->>'user') || ':' || (payload->>'previous_role') FROM event"
				 " WHERE type = 'membership.changed' ORDER BY id DESC LIMIT 1");
	assert_sql("security", "SELECT m.role FROM membership m JOIN app_user u ON u.id = m.user_id WHERE u.name = 'bob'");
	/* e-mail set, then cleared with null: user.updated with old and new */
	patch_ok("bob", "{\"email\":\"bob@example.test\"}", &u);
	json_decref(u);
	assert_sql("null>\"bob@example.test\"", "SELECT (payload->'email'->'old')::text || '>' ||"
						 " (payload->'email'->'new')::text FROM event WHERE type = 'user.updated'"
						 " ORDER BY id DESC LIMIT 1");
	patch_ok("bob", "{\"email\":null}", &u);
	assert_true(json_is_null(json_object_get(u, "email")));
	json_decref(u);
	assert_sql("\"bob@example.test\">null", "SELECT (payload->'email'->'old')::text || '>' ||"
						 " (payload->'email'->'new')::text FROM event WHERE type = 'user.updated'"
						 " ORDER BY id DESC LIMIT 1");
	assert_sql("t", "SELECT email IS NULL FROM app_user WHERE name = 'bob'");
	assert_int_equal(count_events(), ev0 + 3);
	/* two kinds at once (disabled unchanged): two events, in one transaction */
	patch_ok("bob", "{\"role\":\"member\",\"email\":\"b@example.test\",\"disabled\":false}", &u);
	json_decref(u);
	assert_int_equal(count_events(), ev0 + 5);
	assert_sql("membership.changed,user.updated",
		   "SELECT string_agg(type, ',' ORDER BY type) FROM (SELECT type FROM event ORDER BY id DESC LIMIT 2) t");
	assert_sql("1", "SELECT count(DISTINCT created_at) FROM (SELECT created_at FROM event ORDER BY id DESC LIMIT 2) t");
	/* nothing changes: 200 and no event */
	char *before = snapshot();
	patch_ok("bob", "{}", &u);
	json_decref(u);
	patch_ok("bob", "{\"role\":\"member\",\"email\":\"b@example.test\",\"disabled\":false}", &u);
	assert_string_equal(json_string_value(json_object_get(u, "email")), "b@example.test");
	json_decref(u);
	char *after = snapshot();
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static void test_disable_ends_session_and_token(void **state)
{
	(void)state;
	char cookie[256] = "", tok_bob[128], *out = NULL;
	assert_int_equal(cli_token("bob", tok_bob), 0);
	assert_int_equal(login("bob", BOB_PW, cookie, sizeof(cookie)), 201);
	const char *hc[] = { cookie, NULL };
	assert_int_equal(th_http_h(&D, "GET", "/api/v1/session", hc, NULL, NULL, NULL), 200);
	assert_int_equal(th_http(&D, "GET", "/api/v1/session", tok_bob, NULL, NULL), 200);
	/* another user's session stays */
	char cookie_a[256] = "";
	assert_int_equal(cli_user("carl", "member", MEM_PW), 0);
	assert_int_equal(login("carl", MEM_PW, cookie_a, sizeof(cookie_a)), 201);
	char *sessions = th_sqlf(DSN, "SELECT count(*) FROM session s JOIN app_user u ON u.id = s.user_id WHERE u.name = 'bob'");
	assert_true(strtoll(sessions, NULL, 10) >= 1);
	char want[64];
	snprintf(want, sizeof(want), "bob:%s", sessions);
	free(sessions);
	long long ev0 = count_events();
	json_t *u;
	patch_ok("bob", "{\"disabled\":true}", &u);
	assert_true(json_is_true(json_object_get(u, "disabled")));
	json_decref(u);
	assert_int_equal(count_events(), ev0 + 1);
	char *e = last_event("user.disabled");
	assert_string_equal(e, "user:admin:api:>");
	free(e);
	assert_sql(want, "SELECT (payload->>'user') || ':' || (payload->>'sessions_deleted') FROM event"
			    " WHERE type = 'user.disabled' ORDER BY id DESC LIMIT 1");
	assert_sql("0", "SELECT count(*) FROM session s JOIN app_user u ON u.id = s.user_id WHERE u.name = 'bob'");
	assert_int_equal(th_http_h(&D, "GET", "/api/v1/session", hc, NULL, &out, NULL), 401);
	free(out);
	assert_int_equal(th_http(&D, "GET", "/api/v1/session", tok_bob, NULL, NULL), 401);
	assert_int_equal(login("bob", BOB_PW, NULL, 0), 401);
	const char *hca[] = { cookie_a, NULL };
	assert_int_equal(th_http_h(&D, "GET", "/api/v1/session", hca, NULL, NULL, NULL), 200);
	/* enabled again: the token works again, the old session stays gone */
	patch_ok("bob", "{\"disabled\":false}", &u);
	json_decref(u);
	e = last_event("user.enabled");
	assert_string_equal(e, "user:admin:api:>");
	free(e);
	assert_int_equal(th_http(&D, "GET", "/api/v1/session", tok_bob, NULL, NULL), 200);
	assert_int_equal(th_http_h(&D, "GET", "/api/v1/session", hc, NULL, NULL, NULL), 401);
}

static void test_only_admins_write(void **state)
{
	(void)state;
	const char *writers[] = { tok_mem, tok_sec, tok_aud };
	char *before = snapshot();
	for (int w = 0; w < 3; w++) {
		assert_int_equal(th_http(&D, "POST", "/api/v1/users", writers[w], "{\"name\":\"mallory\",\"role\":\"admin\"}",
					 NULL), 403);
		assert_int_equal(th_http(&D, "PATCH", "/api/v1/users/alice", writers[w], "{\"disabled\":true}", NULL), 403);
		/* not even their own role */
		assert_int_equal(th_http(&D, "PATCH", "/api/v1/users/mem", writers[w], "{\"role\":\"admin\"}", NULL), 403);
		assert_int_equal(th_http(&D, "PATCH", "/api/v1/users/nobody", writers[w], "{}", NULL), 403);
	}
	char *after = snapshot();
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static void seed_org2(void)
{
	assert_true(th_sql_ok(DSN, "INSERT INTO org (slug, name) VALUES ('other', 'Other Org')"));
	assert_true(th_sql_ok(DSN, "INSERT INTO app_user (org_id, name, email) SELECT id, 'eve', 'eve@other.example'"
				   " FROM org WHERE slug = 'other'"));
	assert_true(th_sql_ok(DSN, "INSERT INTO membership (org_id, user_id, role) SELECT u.org_id, u.id, 'admin'"
				   " FROM app_user u WHERE name = 'eve'"));
	assert_true(th_sql_ok(DSN, "INSERT INTO api_token (org_id, user_id, token_hash, prefix, scope) SELECT org_id,"
				   " id, encode(sha256('" EVE_TOKEN "'::bytea), 'hex'), 'fft_user', 'write'"
				   " FROM app_user WHERE name = 'eve'"));
}

static void test_other_organisation(void **state)
{
	(void)state;
	seed_org2();
	char *out = NULL;
	char *before = snapshot();
	assert_int_equal(th_http(&D, "GET", "/api/v1/users", EVE_TOKEN, NULL, &out), 200);
	json_t *l = jparse(out);
	json_t *items = json_object_get(l, "items");
	assert_int_equal((int)json_array_size(items), 1);
	assert_true(has_name(items, "eve"));
	assert_null(strstr(out, "alice"));
	json_decref(l);
	free(out);
	assert_int_equal(th_http(&D, "GET", "/api/v1/users/alice", EVE_TOKEN, NULL, &out), 404);
	assert_null(strstr(out, "example.test"));
	free(out);
	assert_int_equal(th_http(&D, "PATCH", "/api/v1/users/alice", EVE_TOKEN, "{\"role\":\"member\"}", NULL), 404);
	assert_int_equal(th_http(&D, "PATCH", "/api/v1/users/admin", EVE_TOKEN, "{\"disabled\":true}", NULL), 404);
	assert_int_equal(th_http(&D, "PATCH", "/api/v1/users/mem", EVE_TOKEN, "{\"email\":null}", NULL), 404);
	char *after = snapshot();
	assert_string_equal(before, after);
	free(before);
	free(after);
	/* and org 1's admin does not see eve */
	assert_int_equal(th_http(&D, "GET", "/api/v1/users/eve", D.token, NULL, NULL), 404);
	assert_int_equal(th_http(&D, "PATCH", "/api/v1/users/eve", D.token, "{\"disabled\":true}", NULL), 404);
	assert_int_equal(th_http(&D, "GET", "/api/v1/users", D.token, NULL, &out), 200);
	assert_null(strstr(out, "eve"));
	free(out);
	/* eve's new user lands in her organisation, with her organisation's events */
	assert_int_equal(th_http(&D, "POST", "/api/v1/users", EVE_TOKEN, "{\"name\":\"frank\",\"role\":\"member\"}", NULL),
			 201);
	assert_sql("2:2", "SELECT m.org_id || ':' || (SELECT count(*) FROM event e JOIN org o ON o.id = e.org_id"
			  " WHERE o.slug = 'other' AND e.payload->>'user' = 'frank') FROM membership m"
			  " JOIN app_user u ON u.id = m.user_id WHERE u.name = 'frank'");
	assert_int_equal(th_http(&D, "GET", "/api/v1/users/frank", D.token, NULL, NULL), 404);
}

static void test_last_admin_stays(void **state)
{
	(void)state;
	assert_sql("admin", "SELECT string_agg(u.name, ',') FROM membership m JOIN app_user u ON u.id = m.user_id"
			    " WHERE m.org_id = 1 AND m.role = 'admin' AND NOT u.disabled");
	char *before = snapshot(), *out = NULL;
	assert_int_equal(th_http(&D, "PATCH", "/api/v1/users/admin", D.token, "{\"role\":\"security\"}", &out), 409);
	assert_non_null(strstr(out, "without an enabled admin"));
	free(out);
	assert_int_equal(th_http(&D, "PATCH", "/api/v1/users/admin", D.token, "{\"disabled\":true}", NULL), 409);
	/* the refused change is refused whole: the e-mail part is not written either */
	assert_int_equal(th_http(&D, "PATCH", "/api/v1/users/admin", D.token,
				 "{\"email\":\"root@example.test\",\"role\":\"member\"}", NULL), 409);
	char *after = snapshot();
	assert_string_equal(before, after);
	free(after);
	free(before);
	/* a disabled second admin does not count */
	json_t *u;
	assert_int_equal(th_http(&D, "POST", "/api/v1/users", D.token, "{\"name\":\"adm2\",\"role\":\"admin\"}", NULL), 201);
	patch_ok("adm2", "{\"disabled\":true}", &u);
	json_decref(u);
	assert_int_equal(th_http(&D, "PATCH", "/api/v1/users/admin", D.token, "{\"role\":\"member\"}", NULL), 409);
	/* once enabled it does: either may step down while the other stays */
	patch_ok("adm2", "{\"disabled\":false}", &u);
	json_decref(u);
	patch_ok("adm2", "{\"role\":\"auditor\"}", &u);
	json_decref(u);
	patch_ok("adm2", "{\"role\":\"admin\"}", &u);
	json_decref(u);
	assert_sql("admin,adm2", "SELECT string_agg(u.name, ',' ORDER BY u.id) FROM membership m JOIN app_user u"
				 " ON u.id = m.user_id WHERE m.org_id = 1 AND m.role = 'admin' AND NOT u.disabled");
}

struct demoter {
	const char *token, *target;
	long status;
};

static void *demote(void *arg)
{
	struct demoter *d = arg;
	char path[96];
	snprintf(path, sizeof(path), "/api/v1/users/%s", d->target);
	d->status = th_http(&D, "PATCH", path, d->token, "{\"role\":\"member\"}", NULL);
	return NULL;
}

/* how many sessions of this test's database wait for a lock */
static long long waiting_locks(void)
{
	char *s = th_sqlf(DSN, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
		       " AND wait_event_type = 'Lock'");
	long long n = strtoll(s, NULL, 10);
	free(s);
	return n;
}

/* two admins demote each other at the same moment: one wins, one admin
 * stays. A transaction of the test holds the admin memberships until both
 * requests wait for them, so both are past authentication (as admins)
 * when the first goes ahead: the second must see the first's change. */
static void test_concurrent_demotions_leave_one_admin(void **state)
{
	(void)state;
	char tok_adm2[128];
	assert_int_equal(cli_token("adm2", tok_adm2), 0);
	PGconn *c = PQconnectdb(DSN);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	PQclear(PQexec(c, "BEGIN"));
	PGresult *r = PQexec(c, "SELECT user_id FROM membership WHERE org_id = 1 AND role = 'admin' FOR UPDATE");
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	assert_int_equal(PQntuples(r), 2);
	PQclear(r);
	struct demoter ds[2] = { { D.token, "adm2", 0 }, { tok_adm2, "admin", 0 } };
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, demote, &ds[i]);
	long long waiting = 0;
	for (int i = 0; i < 100 && (waiting = waiting_locks()) < 2; i++)
		usleep(50 * 1000);
	/* release before any assertion: a failed one must not leave the
	 * daemon's requests waiting for a lock nobody gives back */
	PQclear(PQexec(c, "COMMIT"));
	PQfinish(c);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	print_message("concurrent demotions: %ld %ld (%lld waited for the lock)\n", ds[0].status, ds[1].status,
		      waiting);
	assert_true(waiting >= 1);
	assert_int_equal((ds[0].status == 200) + (ds[1].status == 200), 1);
	/* the other is refused: 409 when both were past authentication (both
	 * waited for the lock); when one HTTP thread took both connections, the
	 * second is served after the first and its caller is no admin any more:
	 * 403. Either way no demotion left the organisation without an admin. */
	if (waiting >= 2)
		assert_int_equal((ds[0].status == 409) + (ds[1].status == 409), 1);
	else
		assert_int_equal((ds[0].status == 409 || ds[0].status == 403) +
				 (ds[1].status == 409 || ds[1].status == 403), 1);
	assert_sql("1", "SELECT count(*) FROM membership m JOIN app_user u ON u.id = m.user_id"
			" WHERE m.org_id = 1 AND m.role = 'admin' AND NOT u.disabled");
	assert_sql("1", "SELECT count(*) FROM event WHERE type = 'membership.changed' AND to_state = 'member'"
			" AND payload->>'user' IN ('admin', 'adm2') AND payload->>'previous_role' = 'admin'");
	/* when adm2 won, it puts admin back in charge */
	if (ds[1].status == 200)
		assert_int_equal(th_http(&D, "PATCH", "/api/v1/users/admin", tok_adm2, "{\"role\":\"admin\"}", NULL), 200);
}

/* last: every event written above chains */
static void test_audit_verify(void **state)
{
	(void)state;
	const char *verify[] = { "audit", "verify", NULL };
	char *out = NULL, *err = NULL;
	int rc = th_run(DSN, verify, NULL, NULL, &out, &err);
	if (rc != 0)
		fail_msg("audit verify: %d %s %s", rc, out, err);
	free(out);
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_with_generated_and_given_password),
		cmocka_unit_test(test_list_and_get),
		cmocka_unit_test(test_refused_bodies_change_nothing),
		cmocka_unit_test(test_patch_writes_one_event_per_change),
		cmocka_unit_test(test_disable_ends_session_and_token),
		cmocka_unit_test(test_only_admins_write),
		cmocka_unit_test(test_other_organisation),
		cmocka_unit_test(test_last_admin_stays),
		cmocka_unit_test(test_concurrent_demotions_leave_one_admin),
		cmocka_unit_test(test_audit_verify),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
