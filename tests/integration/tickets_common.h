/* tests/integration/tickets_common.h - the ticket scenarios of issue 7 on a
 * real daemon + throwaway PostgreSQL + a tracker (a fake from tests/fakes,
 * or a real Redmine). Each test_tickets_<kind>.c describes its tracker in
 * a struct tsuite and runs these scenarios in order (they build on each
 * other: the findings of the lifecycle are used by the slash commands).
 * Header-only on purpose (static functions), kept apart from th.c. */
#ifndef FF_TESTS_INTEGRATION_TICKETS_COMMON_H
#define FF_TESTS_INTEGRATION_TICKETS_COMMON_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/crypto.h"
#include "tests/fakes/fakeproc.h"
#include "tests/harness/th.h"

#pragma GCC diagnostic ignored "-Wunused-function"

struct tsuite {
	const char *name;
	const char *script;            /* fake in tests/fakes/, NULL: base_url given */
	const char *const *args;
	const char *kind, *mode, *user, *token, *project;
	const char *hook_secret_field; /* /_control/webhook: "secret" (Jira) or "token" (GitLab) */
	const char *close_to, *reopen_to;
	int id_is_number;              /* control endpoints take the id as a JSON number */
	const char *human_id, *human_name; /* the fake's human: remote id, display name */
	int polling;                   /* Redmine: a real server, polled, no control endpoints */
	const char *rm_key;            /* Redmine: the admin's API key */
	const char *rm_closed;         /* Redmine: a closed status id */
	const char *human_email;       /* the human's e-mail at the tracker */
	const char *assignee_needle;   /* how the tracker's ticket shows the human as assignee */
};

static const struct tsuite *S;
static struct fakeproc tracker;
static struct th_daemon D;
static char DSN[512];
static char BASE[64];                 /* the tracker's base URL */
static long long TRACKER;
static long long F_SQLI, F_XSS;        /* the lifecycle's findings */
static char DAEMON_ENV_DIE[] = "FLAWFIX_TEST_DIE_AFTER_TICKET_CREATE=1";

static const char *const daemon_env[] = {
	"FLAWFIX_JOB_POLL_MS=20", "FLAWFIX_SCAN_WAIT_SECONDS=30", "FLAWFIX_TICKET_SYNC_SECONDS=86400",
	"FLAWFIX_JOB_BACKOFF_BASE_MS=200", "FLAWFIX_JOB_BACKOFF_MAX_SECONDS=1", "FLAWFIX_JOB_LEASE_SECONDS=3",
	"FLAWFIX_PUBLIC_URL=https://flawfix.example.test",
	/* no feed sync: without network its NVD retries hold the daemon's stop for minutes */
	"FLAWFIX_NVD_URL=/nonexistent/nvd", "FLAWFIX_KEV_URL=/nonexistent/kev", "FLAWFIX_EPSS_URL=/nonexistent/epss",
	"FLAWFIX_EXPLOITDB_URL=/nonexistent/exploitdb",
	NULL,
};
/* Redmine is polled: once a second */
static const char *const daemon_env_poll[] = {
	"FLAWFIX_JOB_POLL_MS=20", "FLAWFIX_SCAN_WAIT_SECONDS=30", "FLAWFIX_TICKET_SYNC_SECONDS=1",
	"FLAWFIX_JOB_BACKOFF_BASE_MS=200", "FLAWFIX_JOB_BACKOFF_MAX_SECONDS=1", "FLAWFIX_JOB_LEASE_SECONDS=3",
	"FLAWFIX_PUBLIC_URL=https://flawfix.example.test",
	/* no feed sync: without network its NVD retries hold the daemon's stop for minutes */
	"FLAWFIX_NVD_URL=/nonexistent/nvd", "FLAWFIX_KEV_URL=/nonexistent/kev", "FLAWFIX_EPSS_URL=/nonexistent/epss",
	"FLAWFIX_EXPLOITDB_URL=/nonexistent/exploitdb",
	NULL,
};

static void tk_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static json_t *jparse(const char *s)
{
	json_error_t e;
	json_t *v = s ? json_loads(s, 0, &e) : NULL;
	if (!v)
		fail_msg("not JSON: %s", s ? s : "(null)");
	return v;
}

/* wait_sql waits up to ms for the query's first value to equal want */
static void wait_sql(int ms, const char *want, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void wait_sql(int ms, const char *want, const char *fmt, ...)
{
	char q[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(q, sizeof(q), fmt, ap);
	va_end(ap);
	char *got = NULL;
	for (int waited = 0; waited <= ms; waited += 50) {
		free(got);
		got = th_sql(DSN, q);
		if (got && strcmp(got, want) == 0) {
			free(got);
			return;
		}
		tk_sleep_ms(50);
	}
	char *log = th_read_file(D.log);
	size_t n = log ? strlen(log) : 0;
	fprintf(stderr, "---- daemon log (tail) ----\n%s\n", log ? log + (n > 6000 ? n - 6000 : 0) : "");
	free(log);
	fail_msg("waited %d ms for %s: got '%s', want '%s'", ms, q, got ? got : "(error)", want);
}

/* ---- the tracker's control endpoints (the fakes) ---- */

static json_t *ctl(const char *method, const char *path, json_t *body)
{
	struct th_daemon f;
	memset(&f, 0, sizeof(f));
	snprintf(f.url, sizeof(f.url), "%s", tracker.base);
	char p[128], *out = NULL;
	char *b = body ? json_dumps(body, JSON_COMPACT) : NULL;
	snprintf(p, sizeof(p), "/_control/%s", path);
	long st = th_http(&f, method, p, NULL, b, &out);
	if (st != 200)
		fail_msg("control %s %s: %ld %s", method, path, st, out ? out : "");
	json_t *j = jparse(out);
	free(out);
	free(b);
	json_decref(body);
	return j;
}

/* a Redmine REST call as the admin, or as another user (switch user) */
static json_t *rm_rest(const char *method, const char *path, const char *body, const char *as)
{
	struct th_daemon f;
	memset(&f, 0, sizeof(f));
	snprintf(f.url, sizeof(f.url), "%s", BASE);
	char kh[160], sh[96], *out = NULL;
	const char *h[4] = { kh, NULL, NULL, NULL };
	snprintf(kh, sizeof(kh), "X-Redmine-API-Key: %s", S->rm_key);
	if (as) {
		snprintf(sh, sizeof(sh), "X-Redmine-Switch-User: %s", as);
		h[1] = sh;
	}
	long st = th_http_h(&f, method, path, h, body, &out, NULL);
	if (st < 200 || st > 299)
		fail_msg("redmine %s %s: %ld %s", method, path, st, out ? out : "");
	json_t *j = out && out[0] ? json_loads(out, 0, NULL) : NULL;
	free(out);
	return j;
}

static json_t *issue_ref(const char *id)
{
	return S->id_is_number ? json_integer(strtoll(id, NULL, 10)) : json_string(id);
}

static void human(const char *what, const char *remote_id, const char *key, const char *value)
{
	if (S->polling) {
		char path[96];
		json_t *b = strcmp(what, "comment") == 0 ? json_pack("{s:{s:s}}", "issue", "notes", value)
			    : json_pack("{s:{s:s}}", "issue", "status_id",
					strcmp(value, S->close_to) == 0 ? S->rm_closed : "1");
		char *body = json_dumps(b, JSON_COMPACT);
		snprintf(path, sizeof(path), "/issues/%s.json", remote_id);
		json_decref(rm_rest("PUT", path, body, "jsmith"));
		free(body);
		json_decref(b);
		return;
	}
	json_t *b = json_pack("{s:o}", "issue", issue_ref(remote_id));
	json_object_set_new(b, key, json_string(value));
	json_decref(ctl("POST", what, b));
}

static void wait_deliveries(void)
{
	if (S->polling) {
		tk_sleep_ms(2500); /* two polls */
		return;
	}
	for (int i = 0; i < 400; i++) {
		json_t *d = ctl("GET", "deliveries", NULL);
		int idle = json_is_true(json_object_get(d, "idle"));
		json_decref(d);
		if (idle)
			return;
		tk_sleep_ms(50);
	}
	fail_msg("webhook deliveries did not finish");
}

static int has_label(const json_t *issue, const char *label)
{
	const json_t *l = json_object_get(json_object_get(issue, "fields"), "labels");
	if (!l)
		l = json_object_get(issue, "labels");
	size_t i;
	json_t *v;
	json_array_foreach(l, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), label) == 0)
			return 1;
	return 0;
}

/* the fake's tickets carrying our key, and the text of the one found */
static int rm_tickets_with_key(long long finding, char **text)
{
	char marker[48], path[128];
	snprintf(marker, sizeof(marker), "flawfix-key: ff-%lld", finding);
	json_t *l = rm_rest("GET", "/issues.json?project_id=flawfix-test&status_id=*&limit=100", NULL, NULL);
	int n = 0;
	size_t i;
	json_t *it;
	json_array_foreach(json_object_get(l, "issues"), i, it) {
		const char *d = json_string_value(json_object_get(it, "description"));
		const char *m = d ? strstr(d, marker) : NULL;
		if (!m || (m[strlen(marker)] != '\0' && m[strlen(marker)] != '\n' && m[strlen(marker)] != '\r'))
			continue;
		n++;
		if (text) {
			snprintf(path, sizeof(path), "/issues/%lld.json?include=journals",
				 (long long)json_integer_value(json_object_get(it, "id")));
			json_t *full = rm_rest("GET", path, NULL, NULL);
			free(*text);
			*text = json_dumps(full, JSON_COMPACT);
			json_decref(full);
		}
	}
	json_decref(l);
	return n;
}

static int tickets_with_key(long long finding, char **text)
{
	if (S->polling)
		return rm_tickets_with_key(finding, text);
	char label[32];
	snprintf(label, sizeof(label), "ff-%lld", finding);
	json_t *st = ctl("GET", "state", NULL);
	int n = 0;
	size_t i;
	json_t *it;
	json_array_foreach(json_object_get(st, "issues"), i, it) {
		if (json_is_true(json_object_get(it, "deleted")) || !has_label(it, label))
			continue;
		n++;
		if (text) {
			free(*text);
			*text = json_dumps(it, JSON_COMPACT);
		}
	}
	json_decref(st);
	return n;
}

/* wait until the ticket's JSON (as the fake shows it) contains needle */
static char *wait_ticket_text(long long finding, const char *needle)
{
	char *text = NULL;
	for (int i = 0; i < 200; i++) {
		if (tickets_with_key(finding, &text) == 1 && strstr(text, needle))
			return text;
		tk_sleep_ms(50);
	}
	fail_msg("ticket of finding %lld never said '%s': %s", finding, needle, text ? text : "(none)");
	return NULL;
}

/* ---- FlawFix side ---- */

static const char *sarif(int with_sqli, int with_xss)
{
	static char buf[4096];
	const char *sqli =
		"{\"ruleId\":\"sqli\",\"level\":\"error\",\"message\":{\"text\":\"SQL injection in the order search\"},"
		"\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":\"app/db.py\"},\"region\":{\"startLine\":10}}}]}";
	const char *xss =
		"{\"ruleId\":\"xss\",\"level\":\"warning\",\"message\":{\"text\":\"Reflected XSS in the profile page\"},"
		"\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":\"app/views.py\"},\"region\":{\"startLine\":40}}}]}";
	snprintf(buf, sizeof(buf),
		 "{\"version\":\"2.1.0\",\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\",\"runs\":[{"
		 "\"tool\":{\"driver\":{\"name\":\"semgrep\",\"version\":\"1.0\",\"rules\":[{\"id\":\"sqli\"},{\"id\":\"xss\"}]}},"
		 "\"results\":[%s%s%s]}]}",
		 with_sqli ? sqli : "", with_sqli && with_xss ? "," : "", with_xss ? xss : "");
	return buf;
}

static void upload(const char *doc)
{
	char *out = NULL;
	long st = th_http_ct(&D, "POST", "/api/v1/assets/app/scans?scanner=semgrep", D.token, "application/octet-stream",
			     doc, strlen(doc), &out);
	if (st != 201)
		fail_msg("upload: %ld %s", st, out ? out : "");
	free(out);
}

static void day(int offset, char out[11])
{
	time_t t = time(NULL) + (time_t)offset * 86400;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

static void mitigate(long long id)
{
	char body[512], path[96], due[11], *out = NULL;
	day(20, due);
	snprintf(body, sizeof(body),
		 "{\"action\":\"mitigate\",\"tracker\":\"%s\",\"assignee\":\"admin\",\"due_date\":\"%s\","
		 "\"justification\":\"fix it in the next sprint\"}", S->name, due);
	snprintf(path, sizeof(path), "/api/v1/findings/%lld/actions", id);
	long st = th_http(&D, "POST", path, D.token, body, &out);
	if (st != 200)
		fail_msg("mitigate %lld: %ld %s", id, st, out ? out : "");
	free(out);
}

static char *remote_id_of(long long finding)
{
	return th_sqlf(DSN, "SELECT coalesce(remote_id, '') FROM ticket WHERE finding_id = %lld", finding);
}

static void register_hook(void)
{
	if (S->polling)
		return;
	char url[256];
	snprintf(url, sizeof(url), "%s/api/v1/webhooks/%s/%lld", D.url, S->kind, TRACKER);
	json_t *b = json_pack("{s:s, s:s}", "url", url, S->hook_secret_field, "hook-secret-1");
	json_decref(ctl("POST", "webhook", b));
}

static int tk_setup(void **state)
{
	(void)state;
	ff_crypto_init();
	if (S->script) {
		if (fakeproc_start(&tracker, S->script, S->args) != 0)
			return -1;
		snprintf(BASE, sizeof(BASE), "%s", tracker.base);
	}
	snprintf(DSN, sizeof(DSN), "%s", th_db_new("tickets"));
	memset(&D, 0, sizeof(D)); /* a second group: a new database, a new admin token */
	if (th_daemon_start(&D, DSN, S->polling ? daemon_env_poll : daemon_env))
		return -1;
	if (th_http(&D, "POST", "/api/v1/assets", D.token,
		    "{\"name\":\"app\",\"slug\":\"app\",\"kind\":\"application\",\"technical_owners\":[\"admin\"]}", NULL) != 201)
		return -1;
	json_t *t = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:[s]}", "name", S->name, "kind", S->kind, "base_url", BASE,
			      "project", S->project, "token", S->token, "webhook_secret", "hook-secret-1", "labels",
			      "flawfix");
	if (S->mode)
		json_object_set_new(t, "mode", json_string(S->mode));
	if (S->user)
		json_object_set_new(t, "user", json_string(S->user));
	char *body = json_dumps(t, JSON_COMPACT), *out = NULL;
	json_decref(t);
	long st = th_http(&D, "POST", "/api/v1/trackers", D.token, body, &out);
	free(body);
	if (st != 201) {
		fprintf(stderr, "tracker create: %ld %s\n", st, out);
		return -1;
	}
	json_t *tj = jparse(out);
	TRACKER = (long long)json_integer_value(json_object_get(tj, "id"));
	json_decref(tj);
	free(out);
	char bind[64];
	snprintf(bind, sizeof(bind), "{\"tracker_id\":%lld}", TRACKER);
	if (th_http(&D, "PUT", "/api/v1/assets/app/tracker", D.token, bind, NULL) != 200)
		return -1;
	register_hook();
	return 0;
}

static int tk_teardown(void **state)
{
	(void)state;
	th_daemon_stop(&D, SIGTERM);
	if (S->script)
		fakeproc_stop(&tracker);
	return 0;
}

/* ---- scenarios ---- */

/* the tracker configuration over REST: secrets stored sealed, never shown,
 * and the test says what is wrong */
static void t_tracker_rest(void **state)
{
	(void)state;
	char path[96], *out = NULL;
	snprintf(path, sizeof(path), "/api/v1/trackers/%lld", TRACKER);
	assert_int_equal(th_http(&D, "GET", path, D.token, NULL, &out), 200);
	assert_null(strstr(out, S->token));
	assert_null(strstr(out, "hook-secret-1"));
	json_t *tj = jparse(out);
	assert_true(json_is_true(json_object_get(tj, "has_token")));
	assert_true(json_is_true(json_object_get(tj, "has_webhook_secret")));
	json_decref(tj);
	free(out);
	char *sealed = th_sqlf(DSN, "SELECT token_enc FROM tracker WHERE id = %lld", TRACKER);
	assert_null(strstr(sealed, S->token));
	assert_int_equal(strncmp(sealed, "v1:", 3), 0);
	free(sealed);
	snprintf(path, sizeof(path), "/api/v1/trackers/%lld/test", TRACKER);
	out = NULL;
	assert_int_equal(th_http(&D, "POST", path, D.token, NULL, &out), 200);
	json_t *j = jparse(out);
	if (!json_is_true(json_object_get(j, "ok")))
		fail_msg("test of a good tracker: %s", out);
	json_decref(j);
	free(out);
	/* a wrong token: the test names the credentials */
	snprintf(path, sizeof(path), "/api/v1/trackers/%lld", TRACKER);
	assert_int_equal(th_http(&D, "PATCH", path, D.token, "{\"token\":\"wrong-token\"}", NULL), 200);
	snprintf(path, sizeof(path), "/api/v1/trackers/%lld/test", TRACKER);
	out = NULL;
	assert_int_equal(th_http(&D, "POST", path, D.token, NULL, &out), 200);
	j = jparse(out);
	assert_false(json_is_true(json_object_get(j, "ok")));
	assert_string_equal(json_string_value(json_object_get(j, "problem")), "credentials");
	json_decref(j);
	free(out);
	json_t *fix = json_pack("{s:s}", "token", S->token);
	char *fb = json_dumps(fix, JSON_COMPACT);
	json_decref(fix);
	snprintf(path, sizeof(path), "/api/v1/trackers/%lld", TRACKER);
	assert_int_equal(th_http(&D, "PATCH", path, D.token, fb, NULL), 200);
	free(fb);
	/* bad input */
	assert_int_equal(th_http(&D, "POST", "/api/v1/trackers", D.token,
				 "{\"name\":\"x\",\"kind\":\"bugzilla\",\"base_url\":\"https://x\",\"project\":\"p\",\"token\":\"t\"}",
				 NULL), 422);
	assert_int_equal(th_http(&D, "POST", "/api/v1/trackers", D.token,
				 "{\"name\":\"x\",\"kind\":\"gitlab\",\"base_url\":\"ftp://x\",\"project\":\"p\",\"token\":\"t\"}",
				 NULL), 422);
}

/* mitigate -> ticket with the rendered fields -> human comment -> closed ->
 * verifying -> rescan: the finding gone is fixed with a closing comment,
 * the one still reported goes back to mitigating and its ticket reopens */
static void t_lifecycle(void **state)
{
	(void)state;
	upload(sarif(1, 1));
	F_SQLI = th_sql_ll(DSN, "SELECT id FROM finding WHERE rule_id = 'sqli'");
	F_XSS = th_sql_ll(DSN, "SELECT id FROM finding WHERE rule_id = 'xss'");
	mitigate(F_SQLI);
	mitigate(F_XSS);
	wait_sql(20000, "2", "SELECT count(*) FROM ticket WHERE remote_id IS NOT NULL");
	/* the rendered ticket */
	char *sev = th_sqlf(DSN, "SELECT initcap(severity) FROM finding WHERE id = %lld", F_SQLI);
	char link[128], title[128], due[11];
	snprintf(link, sizeof(link), "https://flawfix.example.test/findings/%lld", F_SQLI);
	snprintf(title, sizeof(title), "[%s] SQL injection in the order search", sev);
	day(20, due);
	char *text = wait_ticket_text(F_SQLI, title);
	assert_non_null(strstr(text, "app/db.py"));
	assert_non_null(strstr(text, link));
	assert_non_null(strstr(text, due));
	free(text);
	free(sev);
	assert_int_equal(tickets_with_key(F_XSS, NULL), 1);
	char *r_sqli = remote_id_of(F_SQLI), *r_xss = remote_id_of(F_XSS);
	/* a human comment becomes a FlawFix comment with the remote author */
	human("comment", r_sqli, "body", "looking into it today");
	wait_sql(15000, "1", "SELECT count(*) FROM comment WHERE finding_id = %lld AND source = 'ticket'"
			     " AND text = 'looking into it today' AND author_name = '%s'", F_SQLI, S->human_name);
	/* closed at the tracker: verifying, never fixed */
	human("transition", r_sqli, "to", S->close_to);
	human("transition", r_xss, "to", S->close_to);
	wait_sql(15000, "verifying verifying",
		 "SELECT string_agg(state, ' ' ORDER BY id) FROM finding WHERE id IN (%lld, %lld)", F_SQLI, F_XSS);
	char who[160];
	snprintf(who, sizeof(who), "tracker_user %s", S->human_name);
	wait_sql(5000, who, "SELECT actor_type || ' ' || actor_name FROM event WHERE finding_id = %lld"
			    " AND type = 'ticket_closed'", F_SQLI);
	/* the rescan decides */
	upload(sarif(0, 1));
	wait_sql(5000, "fixed mitigating",
		 "SELECT string_agg(state, ' ' ORDER BY id) FROM finding WHERE id IN (%lld, %lld)", F_SQLI, F_XSS);
	wait_sql(20000, "done done", "SELECT string_agg(state, ' ' ORDER BY kind) FROM job WHERE kind IN"
				     " ('ticket.close', 'ticket.reopen')");
	text = wait_ticket_text(F_SQLI, "no longer reports this finding");
	free(text);
	text = wait_ticket_text(F_XSS, "still reports this finding");
	free(text);
	wait_sql(5000, "open", "SELECT remote_state FROM ticket WHERE finding_id = %lld", F_XSS);
	wait_sql(5000, "1", "SELECT count(*) FROM event WHERE finding_id = %lld AND type = 'ticket_reopened'", F_XSS);
	/* exactly one ticket each, all the way */
	assert_int_equal(tickets_with_key(F_SQLI, NULL), 1);
	assert_int_equal(tickets_with_key(F_XSS, NULL), 1);
	free(r_sqli);
	free(r_xss);
}

/* slash commands: unmapped -> refused with a reply; mapped -> a workflow
 * command with the FlawFix user as actor; our replies never loop */
static void t_slash_commands(void **state)
{
	(void)state;
	char *r = remote_id_of(F_XSS);
	assert_true(r[0]);
	human("comment", r, "body", "/accept the risk is small");
	char *text = wait_ticket_text(F_XSS, "is not linked to a FlawFix user");
	free(text);
	wait_sql(1000, "mitigating", "SELECT state FROM finding WHERE id = %lld", F_XSS);
	/* link the human to admin */
	char path[96], body[256];
	snprintf(path, sizeof(path), "/api/v1/trackers/%lld/identities", TRACKER);
	snprintf(body, sizeof(body), "{\"user\":\"admin\",\"remote_id\":\"%s\",\"remote_name\":\"%s\"}", S->human_id,
		 S->human_name);
	assert_int_equal(th_http(&D, "PUT", path, D.token, body, NULL), 200);
	human("comment", r, "body", "/comment the patch is in review");
	wait_sql(15000, "admin", "SELECT author_name FROM comment WHERE finding_id = %lld AND text = 'the patch is in review'",
		 F_XSS);
	/* authorised, but the state machine says no: the reply says why; the
	 * tracker fails while we reply, so the reply waits for a retry, once */
	if (!S->polling)
		json_decref(ctl("POST", "fail", json_pack("{s:i, s:i}", "status", 503, "count", 4)));
	human("comment", r, "body", "/false-positive the input is escaped by the template engine");
	text = wait_ticket_text(F_XSS, "false-positive was not applied");
	free(text);
	if (!S->polling) {
		wait_sql(10000, "done", "SELECT state FROM job j JOIN ticket_delivery d ON d.id = (j.payload->>'delivery')::bigint"
					" WHERE j.kind = 'ticket.event' AND d.outcome LIKE '%%seen before; its reply posted now'");
		assert_true(th_sql_ll(DSN, "SELECT max(attempts) FROM job WHERE kind = 'ticket.event'") > 1);
	}
	tk_sleep_ms(500);
	text = NULL;
	assert_int_equal(tickets_with_key(F_XSS, &text), 1);
	const char *first = strstr(text, "false-positive was not applied");
	assert_non_null(first);
	assert_null(strstr(first + 1, "false-positive was not applied"));
	free(text);
	wait_sql(1000, "mitigating", "SELECT state FROM finding WHERE id = %lld", F_XSS);
	human("comment", r, "body", "/reopen the fix was reverted");
	wait_sql(15000, "open", "SELECT state FROM finding WHERE id = %lld", F_XSS);
	wait_sql(5000, "user admin", "SELECT actor_type || ' ' || actor_name FROM event WHERE finding_id = %lld"
				     " AND type = 'reopen'", F_XSS);
	text = wait_ticket_text(F_XSS, "applied by admin");
	free(text);
	/* our own replies came back as webhooks and were dropped */
	wait_deliveries();
	wait_sql(10000, "0", "SELECT count(*) FROM job WHERE kind IN ('ticket.create', 'ticket.comment', 'ticket.close',"
			     " 'ticket.reopen', 'ticket.event') AND state IN ('queued', 'running')");
	if (!S->polling) {
		char *echoes = th_sqlf(DSN, "SELECT count(*) FROM ticket_delivery WHERE outcome = 'echo of our own write'");
		assert_true(strtoll(echoes, NULL, 10) >= 1);
		free(echoes);
	}
	char *before = th_sqlf(DSN, "SELECT count(*) FROM comment WHERE finding_id = %lld", F_XSS);
	tk_sleep_ms(1500);
	wait_deliveries();
	char *after = th_sqlf(DSN, "SELECT count(*) FROM comment WHERE finding_id = %lld", F_XSS);
	assert_string_equal(before, after);
	free(before);
	free(after);
	free(r);
}

/* a FlawFix comment appears in the ticket (and its echo is dropped) */
static void t_flawfix_comment(void **state)
{
	(void)state;
	char path[96], *out = NULL;
	snprintf(path, sizeof(path), "/api/v1/findings/%lld/actions", F_SQLI);
	long st = th_http(&D, "POST", path, D.token, "{\"action\":\"comment\",\"text\":\"retest scheduled for Friday\"}",
			  &out);
	if (st != 200)
		fail_msg("comment: %ld %s", st, out);
	free(out);
	char *text = wait_ticket_text(F_SQLI, "retest scheduled for Friday");
	free(text);
	wait_deliveries();
	wait_sql(10000, "0", "SELECT count(*) FROM job WHERE kind IN ('ticket.create', 'ticket.comment', 'ticket.close',"
			     " 'ticket.reopen', 'ticket.event') AND state IN ('queued', 'running')");
	wait_sql(1000, "1", "SELECT count(*) FROM comment WHERE finding_id = %lld AND text LIKE '%%retest scheduled%%'",
		 F_SQLI);
}

/* a seeded open finding on the asset; returns its id */
static long long seed_finding(const char *title)
{
	return th_sql_ll(DSN, "INSERT INTO finding (org_id, asset_id, fingerprint, kind, title, severity, score10, file)"
		      " SELECT 1, id, md5('%s'), 'sast', '%s', 'high', 75, 'src/x.c' FROM asset WHERE slug = 'app'"
		      " RETURNING id", title, title);
}

static int occurrences(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay ? strstr(hay, needle) : NULL; p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* a comment job that posted its comment and died before it was marked
 * done runs again when its lease expires (simulated: the done job is put
 * back as running with an expired lease): the comment is not posted twice,
 * whether FlawFix had recorded it or not */
static void t_comment_once_after_crash(void **state)
{
	(void)state;
	long long a = seed_finding("comment once");
	mitigate(a);
	wait_sql(20000, "1", "SELECT count(*) FROM ticket WHERE finding_id = %lld AND remote_id IS NOT NULL", a);
	char path[96], *out = NULL;
	snprintf(path, sizeof(path), "/api/v1/findings/%lld/actions", a);
	assert_int_equal(th_http(&D, "POST", path, D.token, "{\"action\":\"comment\",\"text\":\"posted exactly once\"}",
				 &out), 200);
	free(out);
	wait_sql(15000, "done", "SELECT state FROM job WHERE kind = 'ticket.comment' AND payload->>'finding_id' = '%lld'", a);
	char *text = wait_ticket_text(a, "posted exactly once");
	assert_int_equal(occurrences(text, "posted exactly once"), 1);
	free(text);
	assert_true(th_sql_ok(DSN, "UPDATE job SET state = 'running', locked_by = 'dead-worker', finished_at = NULL,"
				   " locked_until = now() - interval '1 second' WHERE kind = 'ticket.comment'"
				   " AND state = 'done'"));
	wait_sql(15000, "done:2", "SELECT state || ':' || attempts FROM job WHERE kind = 'ticket.comment'"
				  " AND payload->>'finding_id' = '%lld'", a);
	text = NULL;
	assert_int_equal(tickets_with_key(a, &text), 1);
	assert_int_equal(occurrences(text, "posted exactly once"), 1);
	free(text);
	/* the same, but the crash came before FlawFix recorded the comment (or
	 * the tracker's answer was lost): the job finds its comment at the
	 * tracker by its flawfix-ref line */
	long long job = th_sql_ll(DSN, "SELECT id FROM job WHERE kind = 'ticket.comment' AND payload->>'finding_id' = '%lld'", a);
	char q[256];
	snprintf(q, sizeof(q), "DELETE FROM ticket_own_comment WHERE job_id = %lld", job);
	assert_true(th_sql_ok(DSN, q));
	snprintf(q, sizeof(q), "UPDATE job SET state = 'running', locked_by = 'dead-worker', finished_at = NULL,"
			       " locked_until = now() - interval '1 second' WHERE id = %lld", job);
	assert_true(th_sql_ok(DSN, q));
	wait_sql(15000, "done:3", "SELECT state || ':' || attempts FROM job WHERE id = %lld", job);
	text = NULL;
	assert_int_equal(tickets_with_key(a, &text), 1);
	assert_int_equal(occurrences(text, "posted exactly once"), 1);
	free(text);
	assert_int_equal(th_sql_ll(DSN, "SELECT count(*) FROM ticket_own_comment WHERE job_id = %lld", job), 1);
}

/* the tracker answers 503 and then 429 for a while: the jobs wait with
 * backoff and complete afterwards, every ticket created once */
static void t_outage(void **state)
{
	(void)state;
	long long a = seed_finding("outage 503");
	json_decref(ctl("POST", "fail", json_pack("{s:i, s:i}", "status", 503, "count", 6)));
	mitigate(a);
	/* while the tracker is down the finding shows the pending job and the error */
	char path[96], *out = NULL;
	snprintf(path, sizeof(path), "/api/v1/findings/%lld", a);
	int seen_error = 0;
	for (int i = 0; i < 100 && !seen_error; i++) {
		assert_int_equal(th_http(&D, "GET", path, D.token, NULL, &out), 200);
		json_t *f = jparse(out);
		json_t *t = json_object_get(f, "ticket");
		seen_error = json_string_value(json_object_get(t, "last_error")) != NULL &&
			     json_array_size(json_object_get(t, "pending")) == 1;
		json_decref(f);
		free(out);
		out = NULL;
		if (!seen_error)
			tk_sleep_ms(50);
	}
	assert_true(seen_error);
	wait_sql(30000, "1", "SELECT count(*) FROM ticket WHERE finding_id = %lld AND remote_id IS NOT NULL", a);
	assert_true(th_sql_ll(DSN, "SELECT attempts FROM job WHERE kind = 'ticket.create' AND payload->>'finding_id' = '%lld'", a) > 1);
	assert_int_equal(tickets_with_key(a, NULL), 1);
	long long b = seed_finding("outage 429");
	json_decref(ctl("POST", "fail", json_pack("{s:i, s:i, s:s}", "status", 429, "count", 4, "retry_after", "1")));
	mitigate(b);
	wait_sql(30000, "1", "SELECT count(*) FROM ticket WHERE finding_id = %lld AND remote_id IS NOT NULL", b);
	assert_int_equal(tickets_with_key(b, NULL), 1);
	wait_sql(1000, "", "SELECT coalesce(last_error, '') FROM ticket WHERE finding_id = %lld", b);
	/* /metrics counts the ticket jobs */
	assert_int_equal(th_http(&D, "GET", "/metrics", NULL, NULL, &out), 200);
	assert_non_null(strstr(out, "flawfix_jobs{kind=\"ticket.create\",state=\"done\"}"));
	free(out);
}

/* webhooks: a bad or missing signature changes nothing; a replayed
 * delivery is ignored; an unknown ticket is answered 200 and ignored */
static char *delivered_body(const char *needle)
{
	json_t *d = ctl("GET", "deliveries", NULL);
	size_t i;
	json_t *it;
	char *body = NULL;
	json_array_foreach(json_object_get(d, "deliveries"), i, it) {
		const char *b = json_string_value(json_object_get(it, "body"));
		if (b && strstr(b, needle) && !body)
			body = strdup(b);
	}
	json_decref(d);
	if (!body)
		fail_msg("no delivery of the fake contains %s", needle);
	return body;
}

/* POST body to our webhook as the tracker would, with delivery id did;
 * sign = 0: no signature/token, -1: a wrong one */
static long post_hook(const char *body, const char *did, int sign, char **out)
{
	char path[96], sig[128], idh[200];
	const char *h[6];
	int n = 0;
	snprintf(path, sizeof(path), "/api/v1/webhooks/%s/%lld", S->kind, TRACKER);
	if (strcmp(S->kind, "jira") == 0) {
		uint8_t mac[32];
		char hex[65];
		ff_hmac_sha256(sign > 0 ? "hook-secret-1" : "not-the-secret", 13, body, strlen(body), mac);
		ff_hex(mac, 32, hex);
		snprintf(sig, sizeof(sig), "X-Hub-Signature: sha256=%s", hex);
		snprintf(idh, sizeof(idh), "X-Atlassian-Webhook-Identifier: %s", did);
	} else {
		snprintf(sig, sizeof(sig), "X-Gitlab-Token: %s", sign > 0 ? "hook-secret-1" : "wrong-token");
		snprintf(idh, sizeof(idh), "Idempotency-Key: %s", did);
		h[n++] = strstr(body, "\"note\"") ? "X-Gitlab-Event: Note Hook" : "X-Gitlab-Event: Issue Hook";
	}
	if (sign)
		h[n++] = sig;
	h[n++] = idh;
	h[n] = NULL;
	return th_http_h(&D, "POST", path, h, body, out, NULL);
}

static void t_webhook_auth_replay(void **state)
{
	(void)state;
	const char *needle = strcmp(S->kind, "jira") == 0 ? "\"changelog\"" : "\"action\": \"close\"";
	char *body = delivered_body(needle), *out = NULL;
	char *before = th_sqlf(DSN, "SELECT count(*) || ' ' || (SELECT count(*) FROM event) FROM ticket_delivery");
	assert_int_equal(post_hook(body, "replay-1", 0, &out), 401);
	free(out);
	out = NULL;
	assert_int_equal(post_hook(body, "replay-1", -1, &out), 401);
	free(out);
	char *after = th_sqlf(DSN, "SELECT count(*) || ' ' || (SELECT count(*) FROM event) FROM ticket_delivery");
	assert_string_equal(before, after);
	free(after);
	/* first time: stored and queued; again: ignored */
	out = NULL;
	long st = post_hook(body, "replay-1", 1, &out);
	if (st != 202)
		fail_msg("signed delivery: %ld %s", st, out);
	free(out);
	out = NULL;
	assert_int_equal(post_hook(body, "replay-1", 1, &out), 200);
	assert_non_null(strstr(out, "seen before"));
	free(out);
	assert_int_equal(th_sql_ll(DSN, "SELECT count(*) FROM ticket_delivery WHERE delivery_id = 'replay-1'"), 1);
	wait_sql(10000, "1", "SELECT count(*) FROM ticket_delivery WHERE delivery_id = 'replay-1' AND processed_at IS NOT NULL");
	/* a ticket we do not know: 200, ignored, nothing stored */
	json_t *j = jparse(body);
	if (strcmp(S->kind, "jira") == 0) {
		json_t *is = json_object_get(j, "issue");
		json_object_set_new(is, "id", json_string("990099"));
		json_object_set_new(is, "key", json_string("SEC-990099"));
	} else {
		json_t *oa = json_object_get(j, "object_attributes");
		json_object_set_new(oa, "iid", json_integer(990099));
		json_object_set_new(oa, "id", json_integer(990099));
	}
	char *unknown = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	out = NULL;
	assert_int_equal(post_hook(unknown, "unknown-1", 1, &out), 200);
	assert_non_null(strstr(out, "unknown ticket"));
	free(out);
	assert_int_equal(th_sql_ll(DSN, "SELECT count(*) FROM ticket_delivery WHERE delivery_id = 'unknown-1'"), 0);
	free(unknown);
	free(before);
	free(body);
}

/* an asset without a binding, and a tracker name nobody knows: mitigate is
 * refused up front (422 at /tracker) and nothing changes: no event, no
 * ticket.create job parked behind a finding that would say "mitigating" */
static void t_no_binding(void **state)
{
	(void)state;
	assert_int_equal(th_http(&D, "POST", "/api/v1/assets", D.token,
				 "{\"name\":\"nob\",\"slug\":\"nob\",\"kind\":\"application\",\"technical_owners\":[\"admin\"]}",
				 NULL), 201);
	long long a = th_sql_ll(DSN, "INSERT INTO finding (org_id, asset_id, fingerprint, kind, title, severity)"
			     " SELECT 1, id, 'nob-1', 'sast', 'unbound', 'low' FROM asset WHERE slug = 'nob' RETURNING id");
	long long events = th_sql_ll(DSN, "SELECT count(*) FROM event");
	char path[96], *out = NULL;
	snprintf(path, sizeof(path), "/api/v1/findings/%lld/actions", a);
	static const struct {
		const char *body, *says;
	} cases[] = {
		{ "{\"action\":\"mitigate\",\"tracker\":\"no-such-tracker\",\"assignee\":\"admin\"}",
		  "tracker 'no-such-tracker' is not a tracker of this organisation, and asset 'nob' has no ticket tracker"
		  " binding; bind one (PUT /api/v1/assets/nob/tracker)" },
		{ "{\"action\":\"mitigate\",\"assignee\":\"admin\"}", "tracker is required" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(th_http(&D, "POST", path, D.token, cases[i].body, &out), 422);
		json_t *p = jparse(out);
		assert_string_equal(json_string_value(json_object_get(p, "pointer")), "/tracker");
		const char *detail = json_string_value(json_object_get(p, "detail"));
		if (!detail || !strstr(detail, cases[i].says))
			fail_msg("case %zu: %s", i, out);
		json_decref(p);
		free(out);
		out = NULL;
	}
	assert_int_equal(th_sql_ll(DSN, "SELECT count(*) FROM event"), events);
	assert_int_equal(th_sql_ll(DSN, "SELECT count(*) FROM job WHERE kind = 'ticket.create' AND payload->>'finding_id' = '%lld'", a), 0);
	char *st = th_sqlf(DSN, "SELECT state || ':' || row_version FROM finding WHERE id = %lld", a);
	assert_string_equal(st, "open:1");
	free(st);
	assert_int_equal(th_sql_ll(DSN, "SELECT count(*) FROM ticket WHERE finding_id = %lld", a), 0);
}

/* lost webhooks: the ticket is closed while the daemon is down (the
 * tracker gives up delivering); the reconcile at start-up repairs it */
static void t_reconcile_lost_webhook(void **state)
{
	(void)state;
	long long a = seed_finding("lost webhook");
	mitigate(a);
	wait_sql(20000, "1", "SELECT count(*) FROM ticket WHERE finding_id = %lld AND remote_id IS NOT NULL", a);
	char *r = remote_id_of(a);
	th_daemon_stop(&D, SIGTERM);
	long long before = th_sql_ll(DSN, "SELECT count(*) FROM ticket_delivery");
	human("transition", r, "to", S->close_to);
	wait_deliveries(); /* every attempt failed: nobody listens */
	assert_int_equal(th_sql_ll(DSN, "SELECT count(*) FROM ticket_delivery"), before);
	assert_int_equal(th_daemon_start(&D, DSN, S->polling ? daemon_env_poll : daemon_env), 0);
	register_hook();
	wait_sql(20000, "verifying", "SELECT state FROM finding WHERE id = %lld", a);
	/* Redmine's poll reads the journal (its author acts); the others are repaired by the reconcile */
	wait_sql(1000, S->polling ? S->human_name : "reconcile",
		 "SELECT actor_name FROM event WHERE finding_id = %lld AND type = 'ticket_closed'", a);
	assert_int_equal(tickets_with_key(a, NULL), 1);
	free(r);
}

/* kill -9 between the tracker's create and our commit: after the restart
 * exactly one ticket exists (find-before-create) */
static void t_kill9(void **state)
{
	(void)state;
	long long a = seed_finding("crash window");
	th_daemon_stop(&D, SIGTERM);
	const char *env[24];
	int n = 0;
	const char *const *base_env = S->polling ? daemon_env_poll : daemon_env;
	for (; base_env[n]; n++)
		env[n] = base_env[n];
	env[n++] = DAEMON_ENV_DIE;
	env[n] = NULL;
	assert_int_equal(th_daemon_start(&D, DSN, env), 0);
	register_hook();
	mitigate(a);
	/* the daemon kills itself right after the tracker created the ticket */
	for (int i = 0; i < 200 && tickets_with_key(a, NULL) == 0; i++)
		tk_sleep_ms(50);
	assert_int_equal(tickets_with_key(a, NULL), 1);
	/* it died by itself (SIGKILL from inside), nobody had to stop it */
	int st = 0, died = 0;
	for (int i = 0; i < 200 && !died; i++) {
		died = waitpid(D.pid, &st, WNOHANG) == D.pid;
		if (!died)
			tk_sleep_ms(50);
	}
	assert_true(died);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	D.pid = 0;
	char *rid = remote_id_of(a);
	assert_string_equal(rid, ""); /* our side never committed */
	free(rid);
	assert_int_equal(th_daemon_start(&D, DSN, base_env), 0);
	register_hook();
	wait_sql(30000, "1", "SELECT count(*) FROM ticket WHERE finding_id = %lld AND remote_id IS NOT NULL", a);
	assert_int_equal(tickets_with_key(a, NULL), 1);
	assert_int_equal(th_sql_ll(DSN, "SELECT count(*) FROM job WHERE kind = 'ticket.create' AND payload->>'finding_id' = '%lld'", a), 1);
	/* admin is linked to the human since the slash commands: the assignee */
	char *text = NULL;
	assert_int_equal(tickets_with_key(a, &text), 1);
	if (!strstr(text, S->assignee_needle))
		fail_msg("ticket without the assignee %s: %s", S->assignee_needle, text);
	free(text);
}

/* the audit chain of everything above is intact */
static void t_audit_chain(void **state)
{
	(void)state;
	const char *args[] = { "audit", "verify", NULL };
	char *out = NULL, *err = NULL;
	int rc = th_run(DSN, args, NULL, NULL, &out, &err);
	if (rc != 0)
		fail_msg("audit verify: %d %s %s", rc, out, err);
	free(out);
	free(err);
	assert_true(th_sql_ll(DSN, "SELECT count(*) FROM event WHERE type IN ('ticket_closed', 'ticket_reopened', 'comment',"
			   " 'tracker.created', 'tracker.identity_set', 'asset.tracker_bound')") >= 6);
}

/* identities matched by e-mail: a user whose address the tracker knows is
 * linked by the ticket.identities job; a user it does not know is not */
static void t_identity_match(void **state)
{
	(void)state;
	const char *add[] = { "user", "add", "paula", "--role", "member", "--email", S->human_email, NULL };
	assert_int_equal(th_run(DSN, add, NULL, NULL, NULL, NULL), 0);
	const char *add2[] = { "user", "add", "nobody", "--role", "member", "--email", "nobody@nowhere.test", NULL };
	assert_int_equal(th_run(DSN, add2, NULL, NULL, NULL, NULL), 0);
	/* free the human's account: admin moves to another one */
	char path[96], *out = NULL;
	snprintf(path, sizeof(path), "/api/v1/trackers/%lld/identities", TRACKER);
	assert_int_equal(th_http(&D, "PUT", path, D.token, "{\"user\":\"admin\",\"remote_id\":\"someone-else\"}", NULL),
			 200);
	snprintf(path, sizeof(path), "/api/v1/trackers/%lld/identities/match", TRACKER);
	assert_int_equal(th_http(&D, "POST", path, D.token, NULL, &out), 202);
	free(out);
	wait_sql(15000, "done", "SELECT state FROM job WHERE kind = 'ticket.identities'");
	char *got = th_sqlf(DSN, "SELECT i.remote_id || ' ' || i.source FROM tracker_identity i JOIN app_user u ON u.id = i.user_id"
			 " WHERE u.name = 'paula'");
	char want[160];
	snprintf(want, sizeof(want), "%s email", S->human_id);
	assert_string_equal(got, want);
	free(got);
	assert_int_equal(th_sql_ll(DSN, "SELECT count(*) FROM tracker_identity i JOIN app_user u ON u.id = i.user_id"
				" WHERE u.name = 'nobody'"), 0);
	/* the list shows both */
	snprintf(path, sizeof(path), "/api/v1/trackers/%lld/identities", TRACKER);
	out = NULL;
	assert_int_equal(th_http(&D, "GET", path, D.token, NULL, &out), 200);
	assert_non_null(strstr(out, "paula"));
	assert_non_null(strstr(out, "someone-else"));
	free(out);
}

/* the whole suite against one fake tracker (the Redmine file runs its own
 * list around a real server) */
static inline int tk_main(const struct tsuite *suite, const char *group)
{
	S = suite;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_tracker_rest),
		cmocka_unit_test(t_lifecycle),
		cmocka_unit_test(t_flawfix_comment),
		cmocka_unit_test(t_comment_once_after_crash),
		cmocka_unit_test(t_slash_commands),
		cmocka_unit_test(t_webhook_auth_replay),
		cmocka_unit_test(t_outage),
		cmocka_unit_test(t_no_binding),
		cmocka_unit_test(t_reconcile_lost_webhook),
		cmocka_unit_test(t_kill9),
		cmocka_unit_test(t_identity_match),
		cmocka_unit_test(t_audit_chain),
	};
	return cmocka_run_group_tests_name(group, tests, tk_setup, tk_teardown);
}

#endif
