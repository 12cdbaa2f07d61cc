/* Every (state, event, actor) combination through the REST API against a
 * real PostgreSQL: the answer follows the transition table (the pure
 * wf_check is the oracle), and an audit event is written exactly when the
 * command was allowed - never for a refusal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fftime.h"
#include "tests/harness/th.h"
#include "workflow/policy.h"
#include "workflow/wf.h"

static struct th_daemon D;
static char DSN[512];

enum { A_ADMIN, A_SECURITY, A_TECH, A_RISK, A_OUTSIDER, A_AUDITOR, A_COUNT };
static const char *names[A_COUNT] = { "admin", "sec", "tech", "risk", "out", "aud" };
static const char *roles[A_COUNT] = { "admin", "security", "member", "member", "member", "auditor" };
static char tok[A_COUNT][128];
static long long uid[A_COUNT];

static char *sqlf(const char *fmt, long long a)
{
	char sql[512];
	snprintf(sql, sizeof(sql), fmt, a);
	return th_sql(DSN, sql);
}

static int setup(void **state)
{
	(void)state;
	snprintf(DSN, sizeof(DSN), "%s", th_db_new("wfmx"));
	if (th_daemon_start(&D, DSN, NULL))
		return -1;
	snprintf(tok[A_ADMIN], sizeof(tok[A_ADMIN]), "%s", D.token);
	for (int a = 1; a < A_COUNT; a++) {
		const char *add[] = { "user", "add", names[a], "--role", roles[a], NULL };
		const char *tc[] = { "token", "create", "--user", names[a], NULL };
		char *t = NULL;
		if (th_run(DSN, add, NULL, NULL, NULL, NULL) || th_run(DSN, tc, NULL, NULL, &t, NULL))
			return -1;
		t[strcspn(t, "\n")] = '\0';
		snprintf(tok[a], sizeof(tok[a]), "%s", t);
		free(t);
	}
	for (int a = 0; a < A_COUNT; a++) {
		char sql[128];
		snprintf(sql, sizeof(sql), "SELECT id FROM app_user WHERE name = '%s'", names[a]);
		char *v = th_sql(DSN, sql);
		uid[a] = strtoll(v, NULL, 10);
		free(v);
	}
	/* mitigate names a tracker of the organisation; this one listens nowhere
	 * (the tickets tests cover what happens behind the command) */
	if (th_http(&D, "POST", "/api/v1/trackers", D.token, "{\"name\":\"jira\",\"kind\":\"jira\",\"mode\":\"dc\",\"base_url\":\"http://127.0.0.1:9\",\"project\":\"SEC\",\"token\":\"t\"}", NULL) != 201)
		return -1;
	return th_http(&D, "POST", "/api/v1/assets", D.token,
		       "{\"name\":\"matrix\",\"kind\":\"application\",\"technical_owners\":[\"tech\"],\"risk_owners\":[\"risk\"]}",
		       NULL) == 201 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	th_daemon_stop(&D, SIGTERM);
	return 0;
}

static struct wf_actor actor_of(int a)
{
	struct wf_actor w = { .kind = WF_ACTOR_USER, .id = uid[a] };
	static const enum wf_role r[A_COUNT] = { WF_ROLE_ADMIN, WF_ROLE_SECURITY, WF_ROLE_MEMBER, WF_ROLE_MEMBER,
						 WF_ROLE_MEMBER, WF_ROLE_AUDITOR };
	w.role = r[a];
	if (a == A_TECH)
		w.rel = WF_REL_MEMBER | WF_REL_TECH_OWNER;
	if (a == A_RISK)
		w.rel = WF_REL_MEMBER | WF_REL_RISK_OWNER;
	return w;
}

static void test_every_state_event_actor(void **state)
{
	(void)state;
	char *fid = th_sql(DSN, "WITH ins AS (INSERT INTO finding (org_id, asset_id, fingerprint, kind, title, severity,"
				" primary_id, vuln_ids) SELECT 1, id, 'matrix-1', 'sca', 'CVE-2026-0001 in libmatrix', 'medium',"
				" 'CVE-2026-0001', ARRAY['CVE-2026-0001'] FROM asset WHERE slug = 'matrix' RETURNING id)"
				" SELECT id FROM ins");
	long long id = strtoll(fid, NULL, 10);
	free(fid);
	char *d30 = th_sql(DSN, "SELECT (current_date + 30)::text");
	char body[2048];
	struct wf_policy pol;
	wf_policy_defaults(&pol);
	int combos = 0, allowed = 0, mismatches = 0;
	for (int s = WF_S_OPEN; s < WF_S_COUNT; s++) {
		for (int e = 0; e < WF_EV_COUNT; e++) {
			for (int a = 0; a < A_COUNT; a++) {
				/* the finding in state s; a pending acceptance was requested by sec */
				char sql[512];
				snprintf(sql, sizeof(sql),
					 "UPDATE finding SET state = '%s', requester_id = %s, tags = '{}', review_date = NULL,"
					 " revalidation_date = NULL WHERE id = %lld",
					 wf_state_name((enum wf_state)s),
					 s == WF_S_ACCEPTANCE_REQUESTED ? "(SELECT id FROM app_user WHERE name = 'sec')" : "NULL",
					 id);
				assert_true(th_sql_ok(DSN, sql));
				snprintf(body, sizeof(body),
					 "{\"action\":\"%s\",\"justification\":\"A justification long enough for every policy minimum.\","
					 "\"review_date\":\"%s\",\"revalidation_date\":\"%s\",\"due_date\":\"%s\","
					 "\"recipient_email\":\"owner@example.org\",\"recipient_name\":\"Risk Owner\",\"tracker\":\"jira\","
					 "\"assignee\":\"tech\",\"vector\":\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\","
					 "\"text\":\"a note\",\"vex_justification\":\"code_not_reachable\"}",
					 wf_event_name((enum wf_event)e), d30, d30, d30);
				struct wf_cmd cmd = { .event = (enum wf_event)e, .actor = actor_of(a), .now_ms = ff_now_ms(),
						      .data = { .justification = "A justification long enough for every policy minimum.",
								.review_date = d30, .revalidation_date = d30, .due_date = d30,
								.recipient_email = "owner@example.org", .recipient_name = "Risk Owner",
								.tracker = "jira", .assignee = "tech",
								.vector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
								.text = "a note", .vex_justification = "code_not_reachable" } };
				struct wf_facts facts = { .severity = FF_SEV_MEDIUM, .score10 = -1,
							  .requester_id = s == WF_S_ACCEPTANCE_REQUESTED ? uid[A_SECURITY] : 0 };
				struct wf_result res;
				wf_check((enum wf_state)s, &cmd, &pol, &facts, &res);
				long want = res.verdict == WF_ALLOW ? 200 : wf_http_status(res.verdict);
				if (a == A_OUTSIDER)
					want = 404; /* a member without relation to the asset does not see it */
				char *before = sqlf("SELECT count(*) FROM event WHERE finding_id = %lld", id);
				char path[96], *out = NULL;
				snprintf(path, sizeof(path), "/api/v1/findings/%lld/actions", id);
				long st = th_http(&D, "POST", path, tok[a], body, &out);
				char *after = sqlf("SELECT count(*) FROM event WHERE finding_id = %lld", id);
				char *now = sqlf("SELECT state FROM finding WHERE id = %lld", id);
				long delta = strtol(after, NULL, 10) - strtol(before, NULL, 10);
				const char *want_state = wf_state_name(res.verdict == WF_ALLOW ? res.to : (enum wf_state)s);
				if (a == A_OUTSIDER)
					want_state = wf_state_name((enum wf_state)s);
				if (st != want || delta != (want == 200 ? 1 : 0) || strcmp(now, want_state) != 0) {
					mismatches++;
					print_message("%s + %s by %s: status %ld (want %ld), %ld events (want %d), state %s (want %s): %.200s\n",
						      wf_state_name((enum wf_state)s), wf_event_name((enum wf_event)e), names[a], st, want,
						      delta, want == 200, now, want_state, out);
				}
				allowed += want == 200;
				combos++;
				free(before);
				free(after);
				free(now);
				free(out);
			}
		}
	}
	print_message("%d combinations, %d allowed, %d mismatches\n", combos, allowed, mismatches);
	assert_int_equal(mismatches, 0);
	assert_int_equal(combos, (WF_S_COUNT - 1) * WF_EV_COUNT * A_COUNT);
	assert_true(allowed > 50);
	free(d30);
	const char *verify[] = { "audit", "verify", NULL };
	assert_int_equal(th_run(DSN, verify, NULL, NULL, NULL, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_state_event_actor),
	};
	return cmocka_run_group_tests_name("workflow matrix (database)", tests, setup, teardown);
}
