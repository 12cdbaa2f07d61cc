/* Foundation, end to end against a real PostgreSQL and a real daemon:
 * the asset API, every API error case leaving the database unchanged,
 * the audit chain and its tamper detection, migrations under concurrency,
 * the CLI's secrets on stdout, configuration errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/harness/th.h"

static struct th_daemon D;
static const char *DSN;
static char DSNBUF[512];

static int setup(void **state)
{
	(void)state;
	snprintf(DSNBUF, sizeof(DSNBUF), "%s", th_db_new("found"));
	DSN = DSNBUF;
	const char *env[] = { "FLAWFIX_MAX_JSON_BODY=4096", NULL };
	return th_daemon_start(&D, DSN, env);
}

static int teardown(void **state)
{
	(void)state;
	th_daemon_stop(&D, SIGTERM);
	return 0;
}

static json_t *jparse(const char *s)
{
	json_error_t e;
	json_t *v = json_loads(s, 0, &e);
	if (!v)
		fail_msg("not JSON: %s (%s)", s, e.text);
	return v;
}

/* the state an error must not change */
static char *db_fingerprint(void)
{
	return th_sql(DSN, "SELECT (SELECT count(*) FROM asset) || '/' || (SELECT count(*) FROM event) || '/' ||"
			   " coalesce((SELECT max(updated_at)::text FROM asset), '-') || '/' ||"
			   " (SELECT count(*) FROM asset_owner)");
}

static void test_asset_lifecycle(void **state)
{
	(void)state;
	char *out = NULL;
	long st = th_http(&D, "POST", "/api/v1/assets", D.token,
			  "{\"name\":\"Shop Backend\",\"kind\":\"application\",\"technical_owners\":[\"admin\"],"
			  "\"environment\":\"production\",\"confidentiality_requirement\":\"high\","
			  "\"integrity_requirement\":\"medium\",\"availability_requirement\":\"low\","
			  "\"internet_exposed\":true,\"tags\":[\"pci\",\"web\"],\"functional_group\":\"payments\","
			  "\"system_type\":\"web application\",\"importance\":\"primary\",\"owner\":\"Team Shop\","
			  "\"category\":\"customer facing\",\"location\":\"eu-central\",\"default_branch\":\"develop\"}",
			  &out);
	assert_int_equal(st, 201);
	json_t *a = jparse(out);
	assert_string_equal(json_string_value(json_object_get(a, "slug")), "shop-backend");
	assert_string_equal(json_string_value(json_object_get(a, "confidentiality_requirement")), "high");
	assert_string_equal(json_string_value(json_object_get(a, "default_branch")), "develop");
	assert_string_equal(json_string_value(json_array_get(json_object_get(a, "technical_owners"), 0)), "admin");
	assert_true(json_is_true(json_object_get(a, "internet_exposed")));
	json_decref(a);
	free(out);

	st = th_http(&D, "PATCH", "/api/v1/assets/shop-backend", D.token, "{\"availability_requirement\":\"high\"}",
		     &out);
	assert_int_equal(st, 200);
	a = jparse(out);
	assert_string_equal(json_string_value(json_object_get(a, "availability_requirement")), "high");
	assert_string_equal(json_string_value(json_object_get(a, "integrity_requirement")), "medium");
	json_decref(a);
	free(out);
	/* the change is an event with old and new value */
	char *ev = th_sql(DSN, "SELECT payload->'changes'->'availability_requirement'->>'old' || '>' ||"
			       " (payload->'changes'->'availability_requirement'->>'new') FROM event"
			       " WHERE type = 'asset.updated' ORDER BY id DESC LIMIT 1");
	assert_string_equal(ev, "low>high");
	free(ev);

	st = th_http(&D, "GET", "/api/v1/assets?tag=pci", D.token, NULL, &out);
	assert_int_equal(st, 200);
	a = jparse(out);
	assert_int_equal(json_array_size(json_object_get(a, "items")), 1);
	assert_true(json_is_null(json_object_get(a, "next_cursor")));
	json_decref(a);
	free(out);

	st = th_http(&D, "GET", "/api/v1/assets?tag=nope", D.token, NULL, &out);
	a = jparse(out);
	assert_int_equal(json_array_size(json_object_get(a, "items")), 0);
	json_decref(a);
	free(out);

	st = th_http(&D, "POST", "/api/v1/assets/shop-backend/archive", D.token, NULL, &out);
	assert_int_equal(st, 200);
	a = jparse(out);
	assert_true(json_is_true(json_object_get(a, "archived")));
	json_decref(a);
	free(out);
	/* archived assets leave the default list, stay readable, refuse changes */
	st = th_http(&D, "GET", "/api/v1/assets?tag=pci", D.token, NULL, &out);
	a = jparse(out);
	assert_int_equal(json_array_size(json_object_get(a, "items")), 0);
	json_decref(a);
	free(out);
	st = th_http(&D, "GET", "/api/v1/assets?tag=pci&include_archived=true", D.token, NULL, &out);
	a = jparse(out);
	assert_int_equal(json_array_size(json_object_get(a, "items")), 1);
	json_decref(a);
	free(out);
	assert_int_equal(th_http(&D, "GET", "/api/v1/assets/shop-backend", D.token, NULL, NULL), 200);
	assert_int_equal(th_http(&D, "PATCH", "/api/v1/assets/shop-backend", D.token, "{\"owner\":\"x\"}", NULL),
			 409);
	char *n = th_sql(DSN, "SELECT count(*) FROM event WHERE asset_id IS NOT NULL");
	assert_string_equal(n, "3"); /* created, updated, archived */
	free(n);
}

static void test_asset_filters_and_cursor(void **state)
{
	(void)state;
	for (int i = 0; i < 7; i++) {
		char body[400];
		snprintf(body, sizeof(body),
			 "{\"name\":\"Infra %d\",\"kind\":\"%s\",\"technical_owners\":[\"admin\"],"
			 "\"environment\":\"%s\",\"functional_group\":\"ops\",\"system_type\":\"%s\"}",
			 i, i % 2 ? "infrastructure" : "application", i < 3 ? "staging" : "production",
			 i % 3 ? "server" : "database");
		assert_int_equal(th_http(&D, "POST", "/api/v1/assets", D.token, body, NULL), 201);
	}
	char *out = NULL;
	th_http(&D, "GET", "/api/v1/assets?kind=infrastructure&functional_group=ops", D.token, NULL, &out);
	json_t *a = jparse(out);
	assert_int_equal(json_array_size(json_object_get(a, "items")), 3);
	json_decref(a);
	free(out);
	th_http(&D, "GET", "/api/v1/assets?environment=staging&system_type=database", D.token, NULL, &out);
	a = jparse(out);
	assert_int_equal(json_array_size(json_object_get(a, "items")), 1);
	json_decref(a);
	free(out);
	/* walk all pages of size 2: every asset exactly once */
	int seen = 0, pages = 0;
	char path[256] = "/api/v1/assets?functional_group=ops&limit=2";
	for (;;) {
		assert_int_equal(th_http(&D, "GET", path, D.token, NULL, &out), 200);
		a = jparse(out);
		seen += (int)json_array_size(json_object_get(a, "items"));
		pages++;
		const char *cur = json_string_value(json_object_get(a, "next_cursor"));
		if (!cur) {
			json_decref(a);
			free(out);
			break;
		}
		snprintf(path, sizeof(path), "/api/v1/assets?functional_group=ops&limit=2&cursor=%s", cur);
		json_decref(a);
		free(out);
	}
	assert_int_equal(seen, 7);
	assert_int_equal(pages, 4);
	assert_int_equal(th_http(&D, "GET", "/api/v1/assets?limit=0", D.token, NULL, NULL), 422);
	assert_int_equal(th_http(&D, "GET", "/api/v1/assets?cursor=abc", D.token, NULL, NULL), 422);
}

struct bad_case {
	const char *what, *method, *path, *body, *ctype;
	long status;
	const char *pointer; /* expected JSON pointer, NULL = not checked */
};

static void test_bad_input_changes_nothing(void **state)
{
	(void)state;
	assert_int_equal(th_http(&D, "POST", "/api/v1/assets", D.token,
				 "{\"name\":\"Keep\",\"kind\":\"application\",\"technical_owners\":[\"admin\"]}", NULL),
			 201);
	char big[6000];
	memset(big, 'a', sizeof(big));
	memcpy(big, "{\"name\":\"", 9);
	memcpy(big + sizeof(big) - 40, "\",\"kind\":\"application\",\"technical_owners\":[]}", 39);
	big[sizeof(big) - 1] = '\0';
	static const struct bad_case cases[] = {
		{ "malformed JSON", "POST", "/api/v1/assets", "{\"name\": \"Z\", ", NULL, 400, "" },
		{ "not an object", "POST", "/api/v1/assets", "[1,2]", NULL, 422, "" },
		{ "duplicate key", "POST", "/api/v1/assets", "{\"name\":\"A\",\"name\":\"B\",\"kind\":\"application\"}", NULL, 400, "" },
		{ "unknown field", "POST", "/api/v1/assets",
		  "{\"name\":\"U\",\"kind\":\"application\",\"technical_owners\":[\"admin\"],\"colour\":\"red\"}", NULL, 422, "/colour" },
		{ "wrong type", "POST", "/api/v1/assets",
		  "{\"name\":\"W\",\"kind\":\"application\",\"technical_owners\":[\"admin\"],\"internet_exposed\":\"yes\"}", NULL, 422,
		  "/internet_exposed" },
		{ "wrong type tags", "POST", "/api/v1/assets",
		  "{\"name\":\"W\",\"kind\":\"application\",\"technical_owners\":[\"admin\"],\"tags\":[\"ok\",3]}", NULL, 422, "/tags/1" },
		{ "bad enum", "POST", "/api/v1/assets",
		  "{\"name\":\"X\",\"kind\":\"application\",\"technical_owners\":[\"admin\"],\"confidentiality_requirement\":\"extreme\"}",
		  NULL, 422, "/confidentiality_requirement" },
		{ "bad kind", "POST", "/api/v1/assets", "{\"name\":\"X\",\"kind\":\"server\",\"technical_owners\":[\"admin\"]}", NULL, 422,
		  "/kind" },
		{ "missing technical owner", "POST", "/api/v1/assets", "{\"name\":\"Y\",\"kind\":\"application\"}", NULL, 422,
		  "/technical_owners" },
		{ "empty technical owners", "POST", "/api/v1/assets",
		  "{\"name\":\"Y\",\"kind\":\"application\",\"technical_owners\":[]}", NULL, 422, "/technical_owners" },
		{ "unknown technical owner", "POST", "/api/v1/assets",
		  "{\"name\":\"Y\",\"kind\":\"application\",\"technical_owners\":[\"admin\",\"ghost\"]}", NULL, 422,
		  "/technical_owners/1" },
		{ "missing name", "POST", "/api/v1/assets", "{\"kind\":\"application\",\"technical_owners\":[\"admin\"]}", NULL, 422,
		  "/name" },
		{ "bad slug", "POST", "/api/v1/assets",
		  "{\"name\":\"S\",\"slug\":\"Bad Slug\",\"kind\":\"application\",\"technical_owners\":[\"admin\"]}", NULL, 422, "/slug" },
		{ "duplicate slug", "POST", "/api/v1/assets",
		  "{\"name\":\"Keep\",\"kind\":\"application\",\"technical_owners\":[\"admin\"]}", NULL, 409, "/slug" },
		{ "wrong media type", "POST", "/api/v1/assets", "<asset/>", "text/xml", 415, NULL },
		{ "patch null name", "PATCH", "/api/v1/assets/keep", "{\"name\":null}", NULL, 422, "/name" },
		{ "patch drop owners", "PATCH", "/api/v1/assets/keep", "{\"technical_owners\":[]}", NULL, 422, "/technical_owners" },
		{ "patch unknown field", "PATCH", "/api/v1/assets/keep", "{\"archived\":true}", NULL, 422, "/archived" },
		{ "patch missing asset", "PATCH", "/api/v1/assets/nope", "{\"owner\":\"x\"}", NULL, 404, NULL },
		{ "invalid UTF-8", "POST", "/api/v1/assets",
		  "{\"name\":\"\xff\xfe\",\"kind\":\"application\",\"technical_owners\":[\"admin\"]}", NULL, 400, "" },
		{ "unknown route", "GET", "/api/v1/nothing", NULL, NULL, 404, NULL },
		{ "wrong method", "DELETE", "/api/v1/assets/keep", NULL, NULL, 405, NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad_case *c = &cases[i];
		char *before = db_fingerprint(), *out = NULL;
		long st = th_http_ct(&D, c->method, c->path, D.token, c->ctype ? c->ctype : "application/json", c->body,
				     c->body ? strlen(c->body) : 0, &out);
		char *after = db_fingerprint();
		if (st != c->status)
			fail_msg("%s: status %ld, want %ld: %s", c->what, st, c->status, out);
		assert_string_equal(before, after);
		if (st >= 400) {
			json_t *p = jparse(out);
			assert_non_null(json_string_value(json_object_get(p, "type")));
			assert_non_null(json_string_value(json_object_get(p, "title")));
			if (c->pointer) {
				const char *ptr = json_string_value(json_object_get(p, "pointer"));
				if (!ptr || strcmp(ptr, c->pointer) != 0)
					fail_msg("%s: pointer %s, want %s", c->what, ptr ? ptr : "(none)", c->pointer);
			}
			json_decref(p);
		}
		free(before);
		free(after);
		free(out);
	}
	/* a body over the configured limit (4096 here): 413, nothing written */
	char *before = db_fingerprint(), *out = NULL;
	assert_int_equal(th_http(&D, "POST", "/api/v1/assets", D.token, big, &out), 413);
	char *after = db_fingerprint();
	assert_string_equal(before, after);
	assert_non_null(strstr(out, "limit"));
	free(before);
	free(after);
	free(out);
}

static void test_auth(void **state)
{
	(void)state;
	char *before = db_fingerprint();
	const char *body = "{\"name\":\"Auth\",\"kind\":\"application\",\"technical_owners\":[\"admin\"]}";
	assert_int_equal(th_http(&D, "GET", "/api/v1/assets", NULL, NULL, NULL), 401);
	assert_int_equal(th_http(&D, "POST", "/api/v1/assets", NULL, body, NULL), 401);
	assert_int_equal(th_http(&D, "POST", "/api/v1/assets", "fft_not-a-real-token", body, NULL), 401);
	/* a read token cannot write */
	const char *args[] = { "token", "create", "--user", "admin", "--scope", "read", NULL };
	char *rt = NULL;
	assert_int_equal(th_run(DSN, args, NULL, NULL, &rt, NULL), 0);
	rt[strcspn(rt, "\n")] = '\0';
	assert_int_equal(th_http(&D, "GET", "/api/v1/assets", rt, NULL, NULL), 200);
	assert_int_equal(th_http(&D, "POST", "/api/v1/assets", rt, body, NULL), 403);
	char *after = db_fingerprint();
	/* token creation is an event, so compare assets only */
	assert_memory_equal(before, after, strchr(before, '/') - before);
	/* a revoked token stops working at once */
	char *id = th_sql(DSN, "SELECT max(id) FROM api_token");
	const char *rev[] = { "token", "revoke", id, NULL };
	assert_int_equal(th_run(DSN, rev, NULL, NULL, NULL, NULL), 0);
	assert_int_equal(th_http(&D, "GET", "/api/v1/assets", rt, NULL, NULL), 401);
	/* tokens are stored hashed */
	char *q = th_sql(DSN, "SELECT count(*) FROM api_token WHERE token_hash LIKE 'fft_%'");
	assert_string_equal(q, "0");
	free(q);
	free(id);
	free(rt);
	free(before);
	free(after);
}

static void test_probes_and_metrics(void **state)
{
	(void)state;
	char *out = NULL;
	assert_int_equal(th_http(&D, "GET", "/healthz", NULL, NULL, NULL), 200);
	assert_int_equal(th_http(&D, "GET", "/readyz", NULL, NULL, &out), 200);
	assert_non_null(strstr(out, "ready"));
	free(out);
	assert_int_equal(th_http(&D, "GET", "/metrics", NULL, NULL, &out), 200);
	assert_non_null(strstr(out, "# TYPE flawfix_http_requests_total counter"));
	assert_non_null(strstr(out, "flawfix_http_requests_total{route=\"GET /healthz\",status=\"200\"}"));
	assert_non_null(strstr(out, "flawfix_http_request_duration_seconds_bucket"));
	assert_non_null(strstr(out, "flawfix_jobs{"));
	assert_non_null(strstr(out, "flawfix_db_connections{state=\"open\"}"));
	free(out);
	assert_int_equal(th_http(&D, "GET", "/api/v1/openapi.json", NULL, NULL, &out), 200);
	json_t *o = jparse(out);
	assert_string_equal(json_string_value(json_object_get(o, "openapi")), "3.1.0");
	json_decref(o);
	free(out);
	/* readyz says not ready when migrations are behind */
	assert_true(th_sql_ok(DSN, "UPDATE schema_migration SET version = version + 1000"
				   " WHERE version = (SELECT max(version) FROM schema_migration)"));
	assert_int_equal(th_http(&D, "GET", "/readyz", NULL, NULL, NULL), 503);
	assert_true(th_sql_ok(DSN, "UPDATE schema_migration SET version = version - 1000 WHERE version > 1000"));
	assert_int_equal(th_http(&D, "GET", "/readyz", NULL, NULL, NULL), 200);
}

static void test_audit_tamper_detected(void **state)
{
	(void)state;
	const char *verify[] = { "audit", "verify", NULL };
	char *out = NULL;
	assert_int_equal(th_run(DSN, verify, NULL, NULL, &out, NULL), 0);
	assert_non_null(strstr(out, "intact"));
	free(out);
	/* the trigger refuses changes */
	assert_false(th_sql_ok(DSN, "UPDATE event SET justification = 'x' WHERE id = 1"));
	assert_false(th_sql_ok(DSN, "DELETE FROM event WHERE id = 1"));
	assert_false(th_sql_ok(DSN, "TRUNCATE event"));
	/* a superuser who disables the trigger still gets caught */
	char *id = th_sql(DSN, "SELECT id FROM event WHERE type = 'asset.created' ORDER BY id LIMIT 1");
	char sql[512];
	snprintf(sql, sizeof(sql),
		 "BEGIN; ALTER TABLE event DISABLE TRIGGER event_no_update;"
		 " UPDATE event SET payload = jsonb_set(payload, '{name}', '\"Forged\"') WHERE id = %s;"
		 " ALTER TABLE event ENABLE TRIGGER event_no_update; COMMIT", id);
	assert_true(th_sql_ok(DSN, sql));
	assert_int_equal(th_run(DSN, verify, NULL, NULL, &out, NULL), 1);
	char want[64];
	snprintf(want, sizeof(want), "BROKEN at event %s ", id);
	if (!strstr(out, want))
		fail_msg("verify output does not name event %s: %s", id, out);
	free(out);
	free(id);
}

static void test_audit_export(void **state)
{
	(void)state;
	const char *csv[] = { "audit", "export", "--format", "csv", NULL };
	const char *js[] = { "audit", "export", "--format", "json", "--since", "2000-01-01", NULL };
	char *out = NULL, *n = th_sql(DSN, "SELECT count(*) FROM event");
	assert_int_equal(th_run(DSN, csv, NULL, NULL, &out, NULL), 0);
	int lines = 0;
	for (char *p = out; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines - 1, atoi(n)); /* header + one line per event (no newlines in fields here) */
	assert_true(strncmp(out, "id,seq,org_id,created_at,actor_type", 35) == 0);
	free(out);
	assert_int_equal(th_run(DSN, js, NULL, NULL, &out, NULL), 0);
	json_t *a = jparse(out);
	assert_int_equal((int)json_array_size(a), atoi(n));
	assert_non_null(json_object_get(json_array_get(a, 0), "hash"));
	json_decref(a);
	free(out);
	free(n);
}

static void test_cli_secrets_and_config(void **state)
{
	(void)state;
	const char *DB = th_db_new("cli");
	char dsn[512];
	snprintf(dsn, sizeof(dsn), "%s", DB);
	const char *mig[] = { "migrate", NULL };
	char *out = NULL, *err = NULL;
	assert_int_equal(th_run(dsn, mig, NULL, NULL, &out, NULL), 0);
	free(out);
	const char *add[] = { "user", "add", "carol", "--role", "security", NULL };
	assert_int_equal(th_run(dsn, add, NULL, NULL, &out, NULL), 0);
	/* the password alone on stdout */
	assert_int_equal(strlen(out), 21);
	assert_null(strchr(out, ' '));
	free(out);
	assert_int_equal(th_run(dsn, add, NULL, NULL, NULL, &err), 1); /* taken */
	assert_non_null(strstr(err, "exists"));
	free(err);
	const char *tok[] = { "token", "create", "--user", "carol", NULL };
	assert_int_equal(th_run(dsn, tok, NULL, NULL, &out, NULL), 0);
	assert_true(strncmp(out, "fft_", 4) == 0);
	assert_int_equal(strlen(out), 4 + 43 + 1);
	free(out);
	const char *tok2[] = { "token", "create", "--user", "nobody", NULL };
	assert_int_equal(th_run(dsn, tok2, NULL, NULL, &out, &err), 1);
	assert_string_equal(out, "");
	free(out);
	free(err);
	/* configuration: a bad value stops start-up naming the setting */
	const char *serve[] = { "serve", NULL };
	const char *badenv[] = { "FLAWFIX_HTTP_THREADS=many", NULL };
	assert_int_equal(th_run(dsn, serve, badenv, NULL, NULL, &err), 2);
	assert_non_null(strstr(err, "http_threads"));
	free(err);
	const char *badlisten[] = { "FLAWFIX_LISTEN=localhost", NULL };
	assert_int_equal(th_run(dsn, serve, badlisten, NULL, NULL, &err), 2);
	assert_non_null(strstr(err, "listen"));
	free(err);
	/* flawfix config redacts secrets */
	const char *cfg[] = { "config", NULL };
	const char *secret[] = { "FLAWFIX_SMTP_PASSWORD=hunter2hunter2", NULL };
	char pwdsn[600];
	snprintf(pwdsn, sizeof(pwdsn), "%s password=s3cret", dsn);
	assert_int_equal(th_run(pwdsn, cfg, secret, NULL, &out, NULL), 0);
	assert_null(strstr(out, "hunter2"));
	assert_null(strstr(out, "s3cret"));
	assert_non_null(strstr(out, "database_url"));
	free(out);
	const char *hc[] = { "config", "--help-config", NULL };
	assert_int_equal(th_run(dsn, hc, NULL, NULL, &out, NULL), 0);
	assert_non_null(strstr(out, "FLAWFIX_DATABASE_URL"));
	assert_non_null(strstr(out, "FLAWFIX_LISTEN"));
	free(out);
	/* every subcommand answers --help */
	static const char *cmds[] = { "serve", "migrate", "user", "token", "audit", "config" };
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		const char *h[] = { cmds[i], "--help", NULL };
		assert_int_equal(th_run(NULL, h, NULL, NULL, NULL, NULL), 0);
	}
}

static void test_concurrent_migrations(void **state)
{
	(void)state;
	char dsn[512];
	snprintf(dsn, sizeof(dsn), "%s", th_db_new("mig"));
	pid_t pids[4];
	for (int i = 0; i < 4; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			const char *mig[] = { "migrate", NULL };
			_exit(th_run(dsn, mig, NULL, NULL, NULL, NULL));
		}
	}
	for (int i = 0; i < 4; i++) {
		int st;
		waitpid(pids[i], &st, 0);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}
	char *n = th_sql(dsn, "SELECT count(*) = count(DISTINCT version) AND count(*) > 0 FROM schema_migration");
	assert_string_equal(n, "t");
	free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_asset_lifecycle),
		cmocka_unit_test(test_asset_filters_and_cursor),
		cmocka_unit_test(test_bad_input_changes_nothing),
		cmocka_unit_test(test_auth),
		cmocka_unit_test(test_probes_and_metrics),
		cmocka_unit_test(test_audit_export),
		cmocka_unit_test(test_audit_tamper_detected),
		cmocka_unit_test(test_cli_secrets_and_config),
		cmocka_unit_test(test_concurrent_migrations),
	};
	return cmocka_run_group_tests_name("foundation", tests, setup, teardown);
}
