/* The risk-treatment workflow end to end: a real daemon on a throwaway
 * PostgreSQL, every command through POST /api/v1/findings/{id}/actions
 * (or the bulk route), the scheduler for expiry and auto-accept, and the
 * audit chain checked at the end. Findings are seeded with SQL. */
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
#include <time.h>
#include <dirent.h>
#include <unistd.h>

#include "tests/harness/th.h"

static struct th_daemon D;
static char DSN[512];

/* users of the default organisation and their write tokens */
enum { U_SEC, U_MIA, U_ROB, U_NED, U_AUD, U_COUNT };
static const char *const unames[U_COUNT] = { "sec", "mia", "rob", "ned", "aud" };
static const char *const uroles[U_COUNT] = { "security", "member", "member", "member", "auditor" };
static char tok[U_COUNT][128];

static json_t *jparse(const char *s)
{
	json_error_t e;
	json_t *v = json_loads(s, 0, &e);
	if (!v)
		fail_msg("not JSON: %s (%s)", s, e.text);
	return v;
}

static void make_token(int u)
{
	const char *add[] = { "user", "add", unames[u], "--role", uroles[u], "--email", NULL, NULL };
	char email[64];
	snprintf(email, sizeof(email), "%s@example.test", unames[u]);
	add[6] = email;
	assert_int_equal(th_run(DSN, add, NULL, NULL, NULL, NULL), 0);
	const char *tc[] = { "token", "create", "--user", unames[u], "--scope", "write", NULL };
	char *out = NULL;
	assert_int_equal(th_run(DSN, tc, NULL, NULL, &out, NULL), 0);
	char *nl = strrchr(out, '\n');
	if (nl)
		*nl = '\0';
	nl = strrchr(out, '\n');
	snprintf(tok[u], sizeof(tok[u]), "%s", nl ? nl + 1 : out);
	free(out);
}

/* the asset "app" (mia technical owner, rob risk owner) and "ops" (sec
 * only); ned belongs to none */
static int setup(void **state)
{
	(void)state;
	snprintf(DSN, sizeof(DSN), "%s", th_db_new("wfapi"));
	const char *env[] = { "FLAWFIX_WORKFLOW_DUE_SECONDS=1", "FLAWFIX_WORKFLOW_REMIND_SECONDS=1", NULL };
	if (th_daemon_start(&D, DSN, env))
		return -1;
	for (int u = 0; u < U_COUNT; u++)
		make_token(u);
	if (th_http(&D, "POST", "/api/v1/assets", D.token,
		    "{\"name\":\"app\",\"kind\":\"application\",\"technical_owners\":[\"mia\"],\"risk_owners\":[\"rob\"]}",
		    NULL) != 201)
		return -1;
	if (th_http(&D, "POST", "/api/v1/assets", D.token,
		    "{\"name\":\"ops\",\"kind\":\"infrastructure\",\"technical_owners\":[\"sec\"]}", NULL) != 201)
		return -1;
	/* mitigate names a tracker of the organisation; this one listens nowhere
	 * (the tickets tests cover what happens behind the command) */
	if (th_http(&D, "POST", "/api/v1/trackers", D.token, "{\"name\":\"jira\",\"kind\":\"jira\",\"mode\":\"dc\",\"base_url\":\"http://127.0.0.1:9\",\"project\":\"SEC\",\"token\":\"t\"}", NULL) != 201)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	th_daemon_stop(&D, SIGTERM);
	return 0;
}

/* n open findings on asset slug with severity and score; returns the first id */
static long long seed(const char *slug, int n, const char *severity, int score10)
{
	static int serial;
	int k = ++serial;
	char *s = th_sqlf(DSN, "WITH ins AS (INSERT INTO finding (org_id, asset_id, fingerprint, kind, title, severity, score10,"
		       " primary_id, vuln_ids) SELECT 1, (SELECT id FROM asset WHERE slug = '%s'), 'fp-%d-' || g, 'sca',"
		       " 'CVE-2026-%d' || g || ' in libdemo', '%s', %d, 'CVE-2026-%d' || g, ARRAY['CVE-2026-%d' || g]"
		       " FROM generate_series(1, %d) g RETURNING id) SELECT min(id) FROM ins",
		       slug, k, k, severity, score10, k, k, n);
	long long id = strtoll(s, NULL, 10);
	free(s);
	return id;
}

static char *day(int offset)
{
	return th_sqlf(DSN, "SELECT (current_date + %d)::text", offset);
}

/* POST an action; returns the status, *out the parsed answer */
static long act(int u, long long id, const char *body, json_t **out)
{
	char path[96], *resp = NULL;
	snprintf(path, sizeof(path), "/api/v1/findings/%lld/actions", id);
	long st = th_http(&D, "POST", path, u < 0 ? D.token : tok[u], body, &resp);
	if (out)
		*out = jparse(resp);
	free(resp);
	return st;
}

static char *state_of(long long id)
{
	return th_sqlf(DSN, "SELECT state FROM finding WHERE id = %lld", id);
}

static void assert_state(long long id, const char *want)
{
	char *s = state_of(id);
	assert_string_equal(s, want);
	free(s);
}

/* everything a refused command must leave alone */
static char *snapshot(void)
{
	return th_sqlf(DSN, "SELECT (SELECT count(*) FROM event) || '/' || (SELECT count(*) FROM job) || '/' ||"
		    " (SELECT count(*) FROM comment) || '/' || (SELECT count(*) FROM transfer) || '/' ||"
		    " (SELECT md5(string_agg(id || state || row_version || coalesce(review_date::text, '') ||"
		    "  coalesce(revalidation_date::text, '') || treatment::text || tags::text, ',' ORDER BY id)) FROM finding)");
}

static void set_policy(const char *path, const char *body)
{
	char *out = NULL;
	long st = th_http(&D, "PUT", path, D.token, body, &out);
	if (st != 200)
		fail_msg("policy %s: %ld %s", path, st, out);
	free(out);
}

static void test_four_eyes(void **state)
{
	(void)state;
	set_policy("/api/v1/assets/app/policy", "{\"four_eyes\": true}");
	long long f = seed("app", 1, "high", 75);
	char *rd = day(30), body[512];
	snprintf(body, sizeof(body),
		 "{\"action\":\"accept\",\"justification\":\"compensating WAF rule blocks the vulnerable path\","
		 "\"review_date\":\"%s\"}", rd);
	json_t *r;
	assert_int_equal(act(U_MIA, f, body, &r), 200);
	assert_string_equal(json_string_value(json_object_get(r, "state")), "acceptance_requested");
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "event"), "type")), "accept");
	json_decref(r);
	/* the requester may not approve their own request */
	char *before = snapshot();
	assert_int_equal(act(U_MIA, f, "{\"action\":\"approve\",\"justification\":\"looks fine to me, approved\"}", &r),
			 403);
	json_decref(r);
	char *after = snapshot();
	assert_string_equal(before, after);
	free(before);
	free(after);
	/* the risk owner rejects, mia asks again, the risk owner approves */
	assert_int_equal(act(U_ROB, f, "{\"action\":\"reject\",\"justification\":\"the WAF rule is not deployed in eu\"}",
			     &r), 200);
	assert_string_equal(json_string_value(json_object_get(r, "state")), "open");
	json_decref(r);
	assert_int_equal(act(U_MIA, f, body, &r), 200);
	assert_string_equal(json_string_value(json_object_get(r, "state")), "acceptance_requested");
	json_decref(r);
	char *req = th_sqlf(DSN, "SELECT (SELECT name FROM app_user WHERE id = requester_id) FROM finding WHERE id = %lld", f);
	assert_string_equal(req, "mia");
	free(req);
	assert_int_equal(act(U_ROB, f, "{\"action\":\"approve\",\"justification\":\"rule now deployed everywhere\"}", &r),
			 200);
	assert_string_equal(json_string_value(json_object_get(r, "state")), "accepted");
	json_decref(r);
	char *hist = th_sqlf(DSN, "SELECT string_agg(type || ':' || actor_name || ':' || from_state || '>' || to_state, ' ' ORDER BY id)"
			  " FROM event WHERE finding_id = %lld", f);
	assert_string_equal(hist, "accept:mia:open>acceptance_requested reject:rob:acceptance_requested>open "
				  "accept:mia:open>acceptance_requested approve:rob:acceptance_requested>accepted");
	free(hist);
	char *row = th_sqlf(DSN, "SELECT review_date::text || '|' || (requester_id IS NULL) || '|' || (treatment ? 'approve')"
			 " FROM finding WHERE id = %lld", f);
	char want[64];
	snprintf(want, sizeof(want), "%s|true|true", rd);
	assert_string_equal(row, want);
	free(row);
	/* the approval queue is empty again, the review queue lists it */
	char *out = NULL;
	assert_int_equal(th_http(&D, "GET", "/api/v1/queues/acceptance-review", tok[U_SEC], NULL, &out), 200);
	assert_non_null(strstr(out, "\"queue_date\""));
	free(out);
	free(rd);
	set_policy("/api/v1/assets/app/policy", "{\"four_eyes\": null}");
}

static void test_false_positive_owner_only(void **state)
{
	(void)state;
	long long f = seed("app", 3, "medium", 55);
	const char *body = "{\"action\":\"mark_false_positive\",\"justification\":\"the vulnerable function is never"
			   " linked in\",\"vex_justification\":\"code_not_reachable\"}";
	json_t *r;
	char *before = snapshot();
	/* rob is risk owner only, ned has no relation, aud is an auditor */
	assert_int_equal(act(U_ROB, f, body, &r), 403);
	json_decref(r);
	assert_int_equal(act(U_NED, f, body, &r), 404);
	json_decref(r);
	assert_int_equal(act(U_AUD, f, body, &r), 403);
	json_decref(r);
	char *after = snapshot();
	assert_string_equal(before, after);
	free(before);
	free(after);
	assert_int_equal(act(U_MIA, f, body, &r), 200);
	assert_string_equal(json_string_value(json_object_get(r, "state")), "false_positive");
	json_decref(r);
	/* revalidation date: the policy's 6 months from today */
	char *rv = th_sqlf(DSN, "SELECT revalidation_date = (current_date + interval '6 months')::date FROM finding WHERE id = %lld",
			f);
	assert_string_equal(rv, "t");
	free(rv);
	/* security may too */
	assert_int_equal(act(U_SEC, f + 1, body, &r), 200);
	json_decref(r);
}

static void test_refusals_change_nothing(void **state)
{
	(void)state;
	long long f = seed("app", 1, "critical", 95);
	char *far = day(200), *near = day(10), body[600];
	struct {
		const char *what;
		int user;
		char body[600];
		long status;
		const char *pointer;
	} cases[] = {
		{ "transition not in the table", U_SEC, "{\"action\":\"approve\",\"justification\":\"approve an open one\"}",
		  409, NULL },
		{ "missing justification", U_MIA, "", 422, "/justification" },
		{ "blank justification", U_MIA, "", 422, "/justification" },
		{ "review date beyond the policy", U_MIA, "", 422, "/review_date" },
		{ "unknown action", U_MIA, "{\"action\":\"bless\"}", 422, "/action" },
		{ "unknown member", U_MIA, "{\"action\":\"comment\",\"text\":\"x\",\"colour\":\"red\"}", 422, "/colour" },
		{ "stale row_version", U_MIA, "", 409, NULL },
		{ "auditor", U_AUD, "{\"action\":\"comment\",\"text\":\"auditors only read\"}", 403, NULL },
		{ "member without relation", U_NED, "{\"action\":\"comment\",\"text\":\"hello\"}", 404, NULL },
		{ "system-only event", U_SEC, "{\"action\":\"auto_accept\"}", 403, NULL },
		{ "bad vector", U_SEC, "{\"action\":\"reassess\",\"justification\":\"our own scoring says so\","
				       "\"vector\":\"CVSS:4.0/AV:Q\"}", 422, "/vector" },
	};
	snprintf(cases[1].body, sizeof(cases[1].body), "{\"action\":\"accept\",\"review_date\":\"%s\"}", near);
	snprintf(cases[2].body, sizeof(cases[2].body), "{\"action\":\"accept\",\"justification\":\"   \",\"review_date\":\"%s\"}",
		 near);
	snprintf(cases[3].body, sizeof(cases[3].body),
		 "{\"action\":\"accept\",\"justification\":\"we accept this for a long while\",\"review_date\":\"%s\"}", far);
	snprintf(cases[6].body, sizeof(cases[6].body),
		 "{\"action\":\"accept\",\"justification\":\"we accept this for a short while\",\"review_date\":\"%s\","
		 "\"row_version\":7}", near);
	char *before = snapshot();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *r;
		long st = act(cases[i].user, f, cases[i].body, &r);
		if (st != cases[i].status)
			fail_msg("%s: status %ld, want %ld", cases[i].what, st, cases[i].status);
		if (cases[i].pointer)
			assert_string_equal(json_string_value(json_object_get(r, "pointer")), cases[i].pointer);
		if (st == 409) {
			/* names the current state and the allowed events */
			assert_string_equal(json_string_value(json_object_get(r, "state")), "open");
			json_t *allowed = json_object_get(r, "allowed_events");
			bool has_accept = false;
			for (size_t k = 0; k < json_array_size(allowed); k++)
				has_accept |= strcmp(json_string_value(json_array_get(allowed, k)), "accept") == 0;
			assert_true(has_accept);
			assert_non_null(strstr(json_string_value(json_object_get(r, "detail")), "open"));
		}
		json_decref(r);
		char *after = snapshot();
		if (strcmp(before, after) != 0)
			fail_msg("%s changed the database", cases[i].what);
		free(after);
	}
	free(before);
	/* the same command with the right version passes */
	json_t *r;
	snprintf(body, sizeof(body),
		 "{\"action\":\"accept\",\"justification\":\"we accept this for a short while\",\"review_date\":\"%s\","
		 "\"row_version\":1}", near);
	assert_int_equal(act(U_MIA, f, body, &r), 200);
	assert_int_equal(json_integer_value(json_object_get(r, "row_version")), 2);
	json_decref(r);
	/* renew with a stale version: 409 stale, nothing written */
	before = snapshot();
	snprintf(body, sizeof(body), "{\"action\":\"renew\",\"justification\":\"still compensated by the WAF\","
				     "\"review_date\":\"%s\",\"row_version\":1}", near);
	assert_int_equal(act(U_MIA, f, body, &r), 409);
	assert_true(json_is_true(json_object_get(r, "stale")));
	json_decref(r);
	char *after = snapshot();
	assert_string_equal(before, after);
	free(before);
	free(after);
	free(far);
	free(near);
}

static void test_treatments_and_jobs(void **state)
{
	(void)state;
	long long f = seed("app", 4, "high", 80);
	char *due = day(20), body[700];
	json_t *r;
	snprintf(body, sizeof(body), "{\"action\":\"transfer\",\"justification\":\"the hosting provider owns this\","
				     "\"recipient_email\":\"risk@provider.example\",\"recipient_name\":\"Provider Risk Desk\","
				     "\"due_date\":\"%s\",\"message\":\"please patch the base image\"}", due);
	assert_int_equal(act(U_MIA, f, body, &r), 200);
	assert_string_equal(json_string_value(json_object_get(r, "state")), "transferred");
	json_decref(r);
	char *t = th_sqlf(DSN, "SELECT recipient_email || '|' || recipient_name || '|' || due_date || '|' || message"
		       " FROM transfer WHERE finding_id = %lld", f);
	char want[256];
	snprintf(want, sizeof(want), "risk@provider.example|Provider Risk Desk|%s|please patch the base image", due);
	assert_string_equal(t, want);
	free(t);
	char *j = th_sqlf(DSN, "SELECT count(*) || ':' || min(payload->>'recipient_email') FROM job WHERE kind = 'mail.transfer'"
		       " AND (payload->>'finding_id')::bigint = %lld", f);
	assert_string_equal(j, "1:risk@provider.example");
	free(j);
	assert_int_equal(act(U_MIA, f + 1, "{\"action\":\"mitigate\",\"tracker\":\"jira\",\"assignee\":\"mia\"}", &r), 200);
	assert_string_equal(json_string_value(json_object_get(r, "state")), "mitigating");
	json_decref(r);
	j = th_sqlf(DSN, "SELECT count(*) FROM job WHERE kind = 'ticket.create' AND (payload->>'finding_id')::bigint = %lld", f + 1);
	assert_string_equal(j, "1");
	free(j);
	assert_int_equal(act(U_ROB, f + 2, "{\"action\":\"comment\",\"text\":\"discussed in the risk board\"}", &r), 200);
	json_decref(r);
	char *c = th_sqlf(DSN, "SELECT author_name || ':' || source || ':' || text FROM comment WHERE finding_id = %lld", f + 2);
	assert_string_equal(c, "rob:api:discussed in the risk board");
	free(c);
	/* reassess: the override vector is scored */
	assert_int_equal(act(U_SEC, f + 3, "{\"action\":\"reassess\",\"justification\":\"only reachable from the admin"
					  " network\",\"vector\":\"CVSS:3.1/AV:A/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N\"}",
			     &r),
			 200);
	json_decref(r);
	char *s = th_sqlf(DSN, "SELECT override_vector || '|' || score10 || '|' || severity FROM finding WHERE id = %lld", f + 3);
	assert_string_equal(s, "CVSS:3.1/AV:A/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N|18|low");
	free(s);
	assert_int_equal(act(U_MIA, f + 2, "{\"action\":\"avoid\",\"justification\":\"the feature was removed in 4.2\"}", &r),
			 200);
	assert_string_equal(json_string_value(json_object_get(r, "state")), "avoided");
	json_decref(r);
	free(due);
}

static bool wait_state(long long id, const char *want, int ms)
{
	for (int waited = 0; waited <= ms; waited += 100) {
		char *s = state_of(id);
		bool ok = strcmp(s, want) == 0;
		free(s);
		if (ok)
			return true;
		usleep(100 * 1000);
	}
	return false;
}

static void test_expiry_reopens(void **state)
{
	(void)state;
	long long f = seed("app", 2, "high", 72);
	char *rd = day(5), body[512];
	json_t *r;
	snprintf(body, sizeof(body), "{\"action\":\"accept\",\"justification\":\"accepted until the next release\","
				     "\"review_date\":\"%s\"}", rd);
	assert_int_equal(act(U_MIA, f, body, &r), 200);
	json_decref(r);
	assert_int_equal(act(U_MIA, f + 1, "{\"action\":\"mark_false_positive\",\"justification\":\"test fixture only,"
					   " never deployed\"}", &r), 200);
	json_decref(r);
	/* time passes: the dates are yesterday */
	assert_true(th_sql_ok(DSN, "UPDATE finding SET review_date = current_date - 1 WHERE state = 'accepted'"
				   " AND review_date IS NOT NULL AND NOT 'auto-accepted' = ANY(tags)"));
	char q[128];
	snprintf(q, sizeof(q), "UPDATE finding SET revalidation_date = current_date - 1 WHERE id = %lld", f + 1);
	assert_true(th_sql_ok(DSN, q));
	assert_true(wait_state(f, "open", 10000));
	assert_true(wait_state(f + 1, "open", 10000));
	char *ev = th_sqlf(DSN, "SELECT string_agg(actor_type || ':' || source || ':' || from_state || ':' || justification, ' | '"
			" ORDER BY id) FROM event WHERE type = 'reopen' AND finding_id IN (%lld, %lld)", f, f + 1);
	assert_string_equal(ev, "system:scheduler:accepted:acceptance expired | "
				"system:scheduler:false_positive:false positive revalidation date passed");
	free(ev);
	free(rd);
}

/* the maildir message that mentions needle, or NULL */
static char *find_mail(const char *needle)
{
	char dir[256];
	snprintf(dir, sizeof(dir), "%s/mail/new", D.dir);
	DIR *d = opendir(dir);
	char *found = NULL;
	for (struct dirent *e = d ? readdir(d) : NULL; e && !found; e = readdir(d)) {
		if (e->d_name[0] == '.')
			continue;
		char path[600];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		char *m = th_read_file(path);
		if (m && strstr(m, needle))
			found = m;
		else
			free(m);
	}
	if (d)
		closedir(d);
	return found;
}

static void test_reminders_reach_the_maildir(void **state)
{
	(void)state;
	long long f = seed("app", 1, "high", 73);
	char *rd = day(7), body[512], needle[128];
	json_t *r;
	/* a scanner's title with a line break must not add a header field */
	snprintf(body, sizeof(body), "UPDATE finding SET title = E'Open redirect\\r\\nBcc: all@example.org' WHERE id = %lld", f);
	assert_true(th_sql_ok(DSN, body));
	snprintf(body, sizeof(body), "{\"action\":\"accept\",\"justification\":\"accepted for one more sprint only\","
				     "\"review_date\":\"%s\"}", rd);
	assert_int_equal(act(U_MIA, f, body, &r), 200);
	json_decref(r);
	snprintf(needle, sizeof(needle), "finding %lld (", f);
	char *m = NULL;
	for (int i = 0; i < 100 && !m; i++) {
		m = find_mail(needle);
		if (!m)
			usleep(100 * 1000);
	}
	assert_non_null(m);
	char subject[128];
	snprintf(subject, sizeof(subject), "acceptance review due %s", rd);
	assert_non_null(strstr(m, subject));
	assert_non_null(strstr(m, "mia@example.test"));
	assert_non_null(strstr(m, "rob@example.test"));
	assert_non_null(strstr(m, "Auto-Submitted: auto-generated"));
	char *end = strstr(m, "\r\n\r\n"); /* the header ends there */
	assert_non_null(end);
	*end = '\0';
	assert_null(strstr(m, "\nBcc:"));
	assert_non_null(strstr(m, ": Open redirect  Bcc: all@example.org"));
	free(m);
	usleep(2500 * 1000); /* more scheduler passes: still one reminder per date */
	char *n = th_sqlf(DSN, "SELECT count(*) FROM job WHERE kind = 'mail.reminder' AND idempotency_key = 'remind:%lld:%s'", f, rd);
	assert_string_equal(n, "1");
	free(n);
	free(rd);
}

static void test_auto_accept_and_score_rise(void **state)
{
	(void)state;
	assert_int_equal(th_http(&D, "POST", "/api/v1/assets", D.token,
				 "{\"name\":\"lab\",\"kind\":\"application\",\"technical_owners\":[\"mia\"]}", NULL),
			 201);
	long long low = seed("lab", 1, "low", 31);
	long long high = seed("lab", 1, "high", 71);
	set_policy("/api/v1/assets/lab/policy", "{\"auto_accept\": true, \"auto_accept_below\": \"4.0\"}");
	assert_true(wait_state(low, "accepted", 10000));
	char *s = th_sqlf(DSN, "SELECT array_to_string(tags, ',') || '|' || (review_date = current_date + 90) FROM finding"
		       " WHERE id = %lld", low);
	assert_string_equal(s, "auto-accepted|true");
	free(s);
	usleep(1500 * 1000); /* one more scheduler pass: the high one stays open */
	assert_state(high, "open");
	char *ev = th_sqlf(DSN, "SELECT actor_type || ':' || type FROM event WHERE finding_id = %lld ORDER BY id DESC LIMIT 1", low);
	assert_string_equal(ev, "system:auto_accept");
	free(ev);
	/* the score rises above the threshold: reopened by the system */
	char q[128];
	snprintf(q, sizeof(q), "UPDATE finding SET score10 = 65, severity = 'medium' WHERE id = %lld", low);
	assert_true(th_sql_ok(DSN, q));
	assert_true(wait_state(low, "open", 10000));
	ev = th_sqlf(DSN, "SELECT type || ':' || justification || ':' || (array_length(f.tags, 1) IS NULL) FROM event e"
		  " JOIN finding f ON f.id = e.finding_id WHERE e.finding_id = %lld ORDER BY e.id DESC LIMIT 1", low);
	assert_string_equal(ev, "reopen:score rose to or above the auto-accept threshold:true");
	free(ev);
	set_policy("/api/v1/assets/lab/policy", "{\"auto_accept\": false}");
}

static void test_sla_breach_queue(void **state)
{
	(void)state;
	long long f = seed("ops", 1, "high", 78);
	char q[160];
	snprintf(q, sizeof(q), "UPDATE finding SET first_seen = now() - interval '100 days' WHERE id = %lld", f);
	assert_true(th_sql_ok(DSN, q));
	char *due = NULL;
	for (int i = 0; i < 100; i++) {
		due = th_sqlf(DSN, "SELECT coalesce((due_date - current_date)::text, '') FROM finding WHERE id = %lld", f);
		if (due[0])
			break;
		free(due);
		due = NULL;
		usleep(100 * 1000);
	}
	assert_non_null(due);
	assert_string_equal(due, "-70"); /* high: 30 days SLA from first seen */
	free(due);
	char *out = NULL;
	assert_int_equal(th_http(&D, "GET", "/api/v1/queues/sla-breaches?limit=1000", tok[U_SEC], NULL, &out), 200);
	json_t *r = jparse(out), *it;
	size_t i;
	bool found = false;
	json_array_foreach(json_object_get(r, "items"), i, it)
		if (json_integer_value(json_object_get(it, "id")) == f) {
			found = true;
			assert_int_equal(json_integer_value(json_object_get(it, "days_left")), -70);
		}
	assert_true(found);
	json_decref(r);
	free(out);
	/* mia does not belong to ops: not in her queue */
	assert_int_equal(th_http(&D, "GET", "/api/v1/queues/sla-breaches?limit=1000", tok[U_MIA], NULL, &out), 200);
	r = jparse(out);
	json_array_foreach(json_object_get(r, "items"), i, it)
		assert_true(json_integer_value(json_object_get(it, "id")) != f);
	json_decref(r);
	free(out);
}

static void test_bulk_accept_1000(void **state)
{
	(void)state;
	assert_int_equal(th_http(&D, "POST", "/api/v1/assets", D.token,
				 "{\"name\":\"bulk\",\"kind\":\"application\",\"technical_owners\":[\"mia\"]}", NULL),
			 201);
	seed("bulk", 1000, "medium", 50);
	long long events_before = th_sql_ll(DSN, "SELECT count(*) FROM event%s", "");
	char *rd = day(60), body[512], *out = NULL;
	snprintf(body, sizeof(body), "{\"action\":\"accept\",\"justification\":\"legacy system, replaced in Q3\","
				     "\"review_date\":\"%s\",\"filter\":{\"asset\":\"bulk\",\"state\":\"open\"}}", rd);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(th_http(&D, "POST", "/api/v1/findings/actions", tok[U_MIA], body, &out), 200);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	json_t *r = jparse(out);
	assert_int_equal(json_integer_value(json_object_get(r, "selected")), 1000);
	assert_int_equal(json_integer_value(json_object_get(r, "applied")), 1000);
	assert_int_equal(json_array_size(json_object_get(r, "results")), 1000);
	json_decref(r);
	free(out);
	print_message("bulk accept of 1000 findings: %.2f s\n",
		      (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	assert_int_equal(th_sql_ll(DSN, "SELECT count(*) FROM event%s", "") - events_before, 1000);
	char *n = th_sqlf(DSN, "SELECT count(*) FROM finding f JOIN asset a ON a.id = f.asset_id WHERE a.slug = 'bulk'"
		       " AND f.state = 'accepted' AND f.review_date = '%s'", rd);
	assert_string_equal(n, "1000");
	free(n);
	/* by ids, a mix: accepted ones refuse (409) one by one, the open one passes */
	long long extra = seed("bulk", 1, "medium", 50);
	snprintf(body, sizeof(body), "{\"action\":\"comment\",\"text\":\"bulk note\",\"ids\":[%lld, %lld, 999999999]}",
		 extra, extra - 1);
	assert_int_equal(th_http(&D, "POST", "/api/v1/findings/actions", tok[U_MIA], body, &out), 200);
	r = jparse(out);
	assert_int_equal(json_integer_value(json_object_get(r, "applied")), 2);
	json_t *res = json_object_get(r, "results");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(res, 2), "status")), 404);
	json_decref(r);
	free(out);
	free(rd);
}

struct racer {
	long long id;
	long status;
};

static void *race(void *arg)
{
	struct racer *rc = arg;
	char path[96], body[300], *rd = NULL;
	rd = th_sqlf(DSN, "SELECT (current_date + 10)::text");
	snprintf(path, sizeof(path), "/api/v1/findings/%lld/actions", rc->id);
	snprintf(body, sizeof(body), "{\"action\":\"accept\",\"justification\":\"race: only one of us may win\","
				     "\"review_date\":\"%s\"}", rd);
	rc->status = th_http(&D, "POST", path, tok[U_MIA], body, NULL);
	free(rd);
	return NULL;
}

static void test_concurrent_commands_one_winner(void **state)
{
	(void)state;
	long long f = seed("app", 1, "high", 70);
	pthread_t th[20];
	struct racer rs[20];
	for (int i = 0; i < 20; i++) {
		rs[i].id = f;
		pthread_create(&th[i], NULL, race, &rs[i]);
	}
	int ok = 0, conflict = 0;
	for (int i = 0; i < 20; i++) {
		pthread_join(th[i], NULL);
		ok += rs[i].status == 200;
		conflict += rs[i].status == 409;
	}
	assert_int_equal(ok, 1);
	assert_int_equal(conflict, 19);
	char *n = th_sqlf(DSN, "SELECT count(*) || ':' || max(row_version) FROM event e, finding f WHERE e.finding_id = %lld"
		       " AND f.id = e.finding_id AND e.type = 'accept'", f);
	assert_string_equal(n, "1:2");
	free(n);
}

static void test_events_for_auditors(void **state)
{
	(void)state;
	char *out = NULL;
	assert_int_equal(th_http(&D, "GET", "/api/v1/events?type=approve&actor=rob", tok[U_AUD], NULL, &out), 200);
	json_t *r = jparse(out);
	assert_true(json_array_size(json_object_get(r, "items")) >= 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(r, "items"), 0), "type")),
			    "approve");
	json_decref(r);
	free(out);
	/* every event, page by page: the count matches the table */
	long long total = th_sql_ll(DSN, "SELECT count(*) FROM event WHERE org_id = 1%s", ""), seen = 0;
	char path[160] = "/api/v1/events?limit=500";
	for (;;) {
		assert_int_equal(th_http(&D, "GET", path, tok[U_AUD], NULL, &out), 200);
		r = jparse(out);
		seen += (long long)json_array_size(json_object_get(r, "items"));
		const char *cur = json_string_value(json_object_get(r, "next_cursor"));
		if (cur)
			snprintf(path, sizeof(path), "/api/v1/events?limit=500&cursor=%s", cur);
		json_decref(r);
		free(out);
		if (!cur)
			break;
	}
	assert_true(seen >= total); /* the scheduler may add events meanwhile */
	assert_int_equal(th_http(&D, "GET", "/api/v1/events?since=yesterday", tok[U_AUD], NULL, NULL), 422);
	/* the CSV export: a header and one CRLF line per event (justifications
	 * hold no line breaks here) */
	char auth[200], *hdr = NULL;
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", tok[U_AUD]);
	const char *h[] = { auth, NULL };
	long long before = th_sql_ll(DSN, "SELECT max(id) FROM event WHERE org_id = 1%s", "");
	char csvpath[96];
	snprintf(csvpath, sizeof(csvpath), "/api/v1/events?format=csv&limit=10000&until=2999-01-01");
	assert_int_equal(th_http_h(&D, "GET", csvpath, h, NULL, &out, &hdr), 200);
	assert_non_null(strcasestr(hdr, "Content-Type: text/csv"));
	free(hdr);
	assert_true(strncmp(out, "id,seq,created_at,type,", 23) == 0);
	long long lines = 0, upto = 0;
	for (char *p = strstr(out, "\r\n"); p; p = strstr(p + 2, "\r\n"))
		lines++;
	char *last = th_sqlf(DSN, "SELECT count(*) FROM event WHERE org_id = 1 AND id <= %lld", before);
	upto = strtoll(last, NULL, 10);
	free(last);
	assert_true(lines - 1 >= upto);
	assert_non_null(strstr(out, "\"approve\""));
	free(out);
	assert_int_equal(th_http_h(&D, "GET", "/api/v1/events?format=csv&limit=2", h, NULL, &out, &hdr), 200);
	assert_non_null(strcasestr(hdr, "X-Next-Cursor: "));
	free(hdr);
	free(out);
	assert_int_equal(th_http(&D, "GET", "/api/v1/events?format=xml", tok[U_AUD], NULL, NULL), 422);
	/* ned belongs to no asset: sees no finding event */
	assert_int_equal(th_http(&D, "GET", "/api/v1/events?type=accept", tok[U_NED], NULL, &out), 200);
	r = jparse(out);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 0);
	json_decref(r);
	free(out);
	assert_int_equal(th_http(&D, "GET", "/api/v1/queues/nope", tok[U_SEC], NULL, NULL), 404);
}

static void test_cli_finding(void **state)
{
	(void)state;
	long long f = seed("app", 1, "low", 30);
	char id[24], *out = NULL, *err = NULL;
	snprintf(id, sizeof(id), "%lld", f);
	const char *cmt[] = { "finding", "comment", id, "--as", "mia", "--text", "from a script", NULL };
	assert_int_equal(th_run(DSN, cmt, NULL, NULL, &out, &err), 0);
	assert_non_null(strstr(out, "\"status\":200"));
	free(out);
	free(err);
	const char *fp[] = { "finding", "mark_false_positive", id, "--as", "rob", "--justification", "not in our build",
			     NULL };
	assert_int_equal(th_run(DSN, fp, NULL, NULL, &out, &err), 1);
	assert_non_null(strstr(out, "\"status\":403"));
	free(out);
	free(err);
	char *src = th_sqlf(DSN, "SELECT source || ':' || actor_name FROM event WHERE finding_id = %lld ORDER BY id DESC LIMIT 1", f);
	assert_string_equal(src, "cli:mia");
	free(src);
	const char *show[] = { "finding", "show", id, NULL };
	assert_int_equal(th_run(DSN, show, NULL, NULL, &out, &err), 0);
	json_t *r = jparse(out);
	assert_string_equal(json_string_value(json_object_get(r, "state")), "open");
	json_decref(r);
	free(out);
	free(err);
}

/* last: the chain verifies and the export holds every event */
static void test_audit_verify_and_export(void **state)
{
	(void)state;
	const char *verify[] = { "audit", "verify", NULL };
	char *out = NULL, *err = NULL;
	assert_int_equal(th_run(DSN, verify, NULL, NULL, &out, &err), 0);
	free(out);
	free(err);
	th_daemon_stop(&D, SIGTERM); /* no scheduler events while counting */
	long long total = th_sql_ll(DSN, "SELECT count(*) FROM event%s", "");
	const char *exp[] = { "audit", "export", "--format", "json", NULL };
	assert_int_equal(th_run(DSN, exp, NULL, NULL, &out, &err), 0);
	json_t *r = jparse(out);
	assert_int_equal((long long)json_array_size(r), total);
	char *types = th_sqlf(DSN, "SELECT string_agg(DISTINCT type, ',' ORDER BY type) FROM event WHERE finding_id IS NOT NULL");
	for (char *t = types, *e; t && *t; t = e ? e + 1 : NULL) {
		e = strchr(t, ',');
		if (e)
			*e = '\0';
		char needle[80];
		snprintf(needle, sizeof(needle), "\"%s\"", t);
		if (!strstr(out, needle))
			fail_msg("event type %s missing from the export", t);
	}
	free(types);
	json_decref(r);
	free(out);
	free(err);
	assert_int_equal(th_daemon_start(&D, DSN, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_four_eyes),
		cmocka_unit_test(test_false_positive_owner_only),
		cmocka_unit_test(test_refusals_change_nothing),
		cmocka_unit_test(test_treatments_and_jobs),
		cmocka_unit_test(test_expiry_reopens),
		cmocka_unit_test(test_reminders_reach_the_maildir),
		cmocka_unit_test(test_auto_accept_and_score_rise),
		cmocka_unit_test(test_sla_breach_queue),
		cmocka_unit_test(test_bulk_accept_1000),
		cmocka_unit_test(test_concurrent_commands_one_winner),
		cmocka_unit_test(test_events_for_auditors),
		cmocka_unit_test(test_cli_finding),
		cmocka_unit_test(test_audit_verify_and_export),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
