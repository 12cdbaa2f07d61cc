/* connectors/conn.c and the backends' pure parts: registry, config checks,
 * webhook signatures and parsing (fixture payloads), replay and echo. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/crypto.h"
#include "common/rc.h"
#include "connectors/conn.h"

/* HMAC-SHA256("It is a secret", jira_issue_updated_done.json), computed
 * with Python's hmac module, not with our code */
#define JIRA_FIXTURE_SIG "sha256=ad64869edb715e5a31f137c281736abdd5cd536552c1441b52a834ca3e55f23b"

static char *slurp(const char *name, size_t *len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/tests/fixtures/connectors/%s", FF_SOURCE_DIR, name);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)n + 1);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	b[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return b;
}

static struct conn *open_kind(const char *kind, enum conn_mode mode, const char *secret)
{
	struct conn_config cfg = { .kind = kind, .base_url = "https://t.example/", .mode = mode,
				   .user = "bot@example.com", .token = "tok", .project = "SEC",
				   .webhook_secret = secret };
	struct conn *c = NULL;
	char err[128];
	assert_int_equal(conn_open(&cfg, &c, err, sizeof(err)), FF_OK);
	return c;
}

static int setup(void **state)
{
	(void)state;
	return ff_crypto_init();
}

static void test_registry(void **state)
{
	(void)state;
	char err[128] = "";
	assert_int_equal(conn_registry_check(err, sizeof(err)), FF_OK);
	assert_non_null(conn_lookup("jira"));
	assert_non_null(conn_lookup("gitlab"));
	assert_non_null(conn_lookup("redmine"));
	assert_null(conn_lookup("trac"));
	assert_null(conn_lookup(NULL));
	struct conn *c = open_kind("gitlab", CONN_MODE_DEFAULT, NULL);
	assert_true(conn_has_cap(c, CONN_CAP_WEBHOOK));
	assert_false(conn_has_cap(c, CONN_CAP_SIGNED_HOOKS));
	/* GitLab has no journal polling: NULL in its table, ENOTSUP here */
	assert_int_equal(conn_events_since(c, "1", 0, NULL, NULL), FF_ENOTSUP);
	assert_non_null(strstr(conn_last_error(c), "events_since"));
	conn_close(c);
}

static void test_config_checks(void **state)
{
	(void)state;
	struct conn *c = NULL;
	char err[128];
	const char *bad_labels[] = { "ok", "has space" };
	struct conn_config cfg = { .kind = "jira", .base_url = "https://x", .mode = CONN_MODE_CLOUD,
				   .user = "u", .token = "t", .project = "SEC" };
	cfg.kind = "trac";
	assert_int_equal(conn_open(&cfg, &c, err, sizeof(err)), FF_ENOTFOUND);
	cfg.kind = "jira";
	cfg.base_url = "ftp://x";
	assert_int_equal(conn_open(&cfg, &c, err, sizeof(err)), FF_EINVAL);
	assert_non_null(strstr(err, "base_url"));
	cfg.base_url = "https://x";
	cfg.token = "";
	assert_int_equal(conn_open(&cfg, &c, err, sizeof(err)), FF_EINVAL);
	assert_non_null(strstr(err, "token"));
	cfg.token = "t";
	cfg.labels = bad_labels;
	cfg.nlabels = 2;
	assert_int_equal(conn_open(&cfg, &c, err, sizeof(err)), FF_EINVAL);
	assert_non_null(strstr(err, "label 1"));
	cfg.nlabels = 0;
	cfg.user = NULL; /* cloud needs the e-mail for Basic auth */
	assert_int_equal(conn_open(&cfg, &c, err, sizeof(err)), FF_EINVAL);
	assert_non_null(strstr(err, "e-mail"));
	assert_null(c);
	cfg.mode = CONN_MODE_DC; /* DC takes a bare PAT */
	assert_int_equal(conn_open(&cfg, &c, err, sizeof(err)), FF_OK);
	conn_close(c);
}

static void test_status_map(void **state)
{
	(void)state;
	struct conn *j = open_kind("jira", CONN_MODE_CLOUD, NULL);
	struct conn *g = open_kind("gitlab", CONN_MODE_DEFAULT, NULL);
	struct conn *r = open_kind("redmine", CONN_MODE_DEFAULT, NULL);
	assert_int_equal(conn_status_map(j, "done"), CONN_STATUS_DONE);
	assert_int_equal(conn_status_map(j, "new"), CONN_STATUS_OPEN);
	assert_int_equal(conn_status_map(j, "indeterminate"), CONN_STATUS_OPEN);
	assert_int_equal(conn_status_map(j, "Done"), CONN_STATUS_UNKNOWN); /* a name, not a category */
	assert_int_equal(conn_status_map(g, "closed"), CONN_STATUS_DONE);
	assert_int_equal(conn_status_map(g, "opened"), CONN_STATUS_OPEN);
	assert_int_equal(conn_status_map(r, "true"), CONN_STATUS_DONE);
	assert_int_equal(conn_status_map(r, "false"), CONN_STATUS_OPEN);
	assert_int_equal(conn_status_map(r, NULL), CONN_STATUS_UNKNOWN);
	conn_close(j);
	conn_close(g);
	conn_close(r);
}

static void test_jira_signature(void **state)
{
	(void)state;
	size_t n;
	char *body = slurp("jira_issue_updated_done.json", &n);
	struct conn *c = open_kind("jira", CONN_MODE_CLOUD, "It is a secret");
	struct http_header h[] = { { "x-hub-signature", JIRA_FIXTURE_SIG, 0 },
				   { "X-Atlassian-Webhook-Identifier", "d-1", 0 } };
	struct conn_webhook_in in = { h, 2, body, n };
	assert_int_equal(conn_webhook_verify(c, &in), FF_OK);
	/* upper-case hex is the same signature */
	char upper[80];
	snprintf(upper, sizeof(upper), "%s", JIRA_FIXTURE_SIG);
	for (char *p = upper + 7; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	h[0].value = upper;
	assert_int_equal(conn_webhook_verify(c, &in), FF_OK);
	/* one byte of the body changed */
	body[10] ^= 1;
	h[0].value = JIRA_FIXTURE_SIG;
	assert_int_equal(conn_webhook_verify(c, &in), FF_EUNAUTH);
	body[10] ^= 1;
	/* wrong prefix, truncated, missing */
	h[0].value = JIRA_FIXTURE_SIG + 7;
	assert_int_equal(conn_webhook_verify(c, &in), FF_EUNAUTH);
	h[0].value = "sha256=ad64869e";
	assert_int_equal(conn_webhook_verify(c, &in), FF_EUNAUTH);
	in.nheaders = 0;
	assert_int_equal(conn_webhook_verify(c, &in), FF_EUNAUTH);
	conn_close(c);
	/* another secret */
	c = open_kind("jira", CONN_MODE_CLOUD, "other");
	in.nheaders = 2;
	h[0].value = JIRA_FIXTURE_SIG;
	assert_int_equal(conn_webhook_verify(c, &in), FF_EUNAUTH);
	conn_close(c);
	/* no secret configured: nothing is trusted */
	c = open_kind("jira", CONN_MODE_CLOUD, NULL);
	assert_int_equal(conn_webhook_verify(c, &in), FF_EUNAUTH);
	conn_close(c);
	free(body);
}

static void test_jira_parse_status(void **state)
{
	(void)state;
	size_t n;
	char *body = slurp("jira_issue_updated_done.json", &n);
	struct conn *c = open_kind("jira", CONN_MODE_CLOUD, "s");
	struct http_header h[] = { { "X-Atlassian-Webhook-Identifier", "3c6a1b9e-delivery", 0 } };
	struct conn_webhook_in in = { h, 1, body, n };
	struct conn_event ev;
	assert_int_equal(conn_webhook_parse(c, &in, &ev), FF_OK);
	assert_int_equal(ev.kind, CONN_EV_STATUS);
	assert_int_equal(ev.status, CONN_STATUS_DONE);
	assert_string_equal(ev.issue_id, "10002");
	assert_string_equal(ev.issue_key, "SEC-24");
	assert_string_equal(ev.actor_id, "557058:c9eb");
	assert_string_equal(ev.actor_name, "Paul");
	assert_string_equal(ev.delivery_id, "3c6a1b9e-delivery");
	assert_null(ev.text);
	conn_event_free(&ev);
	/* without the identifier header the body digest stands in */
	in.nheaders = 0;
	assert_int_equal(conn_webhook_parse(c, &in, &ev), FF_OK);
	char want[80];
	ff_sha256_hex(body, n, want + 7);
	memcpy(want, "sha256:", 7);
	assert_string_equal(ev.delivery_id, want);
	conn_event_free(&ev);
	/* not JSON */
	in.body = "{nope";
	in.body_len = 5;
	assert_int_equal(conn_webhook_parse(c, &in, &ev), FF_EINVAL);
	conn_event_free(&ev);
	conn_close(c);
	free(body);
}

static void test_jira_parse_dc_comment(void **state)
{
	(void)state;
	size_t n;
	char *body = slurp("jira_comment_created_dc.json", &n);
	struct conn *c = open_kind("jira", CONN_MODE_DC, "s");
	struct conn_webhook_in in = { NULL, 0, body, n };
	struct conn_event ev;
	assert_int_equal(conn_webhook_parse(c, &in, &ev), FF_OK);
	assert_int_equal(ev.kind, CONN_EV_COMMENT);
	/* DC 7.1+ omits "issue": the id comes from comment.self */
	assert_string_equal(ev.issue_id, "115254");
	assert_string_equal(ev.comment_id, "466578");
	assert_string_equal(ev.actor_id, "vscholten");
	assert_string_equal(ev.actor_name, "Valentijn Scholten");
	struct conn_slash s;
	assert_int_equal(conn_slash_parse(ev.text, &s), FF_OK);
	assert_int_equal(s.kind, CONN_SLASH_FALSE_POSITIVE);
	assert_string_equal(s.arg, "the vulnerable function is never called");
	conn_slash_free(&s);
	conn_event_free(&ev);
	conn_close(c);
	free(body);
}

static void test_gitlab_token_and_parse(void **state)
{
	(void)state;
	size_t n;
	char *body = slurp("gitlab_issue_close.json", &n);
	struct conn *c = open_kind("gitlab", CONN_MODE_DEFAULT, "gl-secret");
	struct http_header h[] = { { "X-Gitlab-Token", "gl-secret", 0 },
				   { "X-Gitlab-Event", "Issue Hook", 0 },
				   { "Idempotency-Key", "idem-1", 0 } };
	struct conn_webhook_in in = { h, 3, body, n };
	assert_int_equal(conn_webhook_verify(c, &in), FF_OK);
	h[0].value = "gl-secreT";
	assert_int_equal(conn_webhook_verify(c, &in), FF_EUNAUTH);
	h[0].value = "";
	assert_int_equal(conn_webhook_verify(c, &in), FF_EUNAUTH);
	in.headers = h + 1;
	in.nheaders = 2;
	assert_int_equal(conn_webhook_verify(c, &in), FF_EUNAUTH);
	struct conn_event ev;
	assert_int_equal(conn_webhook_parse(c, &in, &ev), FF_OK);
	assert_int_equal(ev.kind, CONN_EV_STATUS);
	assert_int_equal(ev.status, CONN_STATUS_DONE);
	assert_string_equal(ev.issue_id, "23");
	assert_string_equal(ev.issue_key, "gitlabhq/gitlab-test#23");
	assert_string_equal(ev.actor_id, "1");
	assert_string_equal(ev.actor_name, "root");
	assert_string_equal(ev.delivery_id, "idem-1");
	conn_event_free(&ev);
	free(body);

	body = slurp("gitlab_note.json", &n);
	in = (struct conn_webhook_in){ h + 1, 1, body, n };
	assert_int_equal(conn_webhook_parse(c, &in, &ev), FF_OK);
	assert_int_equal(ev.kind, CONN_EV_COMMENT);
	assert_string_equal(ev.issue_id, "17");
	assert_string_equal(ev.comment_id, "1241");
	assert_string_equal(ev.text, "/reopen");
	assert_int_equal(ev.status, CONN_STATUS_DONE);
	assert_int_equal(strncmp(ev.delivery_id, "sha256:", 7), 0);
	conn_event_free(&ev);
	/* a system note is GitLab talking, not a person */
	char *sys = strstr(body, "\"system\":false");
	assert_non_null(sys);
	memcpy(sys, "\"system\":true ", 14);
	assert_int_equal(conn_webhook_parse(c, &in, &ev), FF_OK);
	assert_int_equal(ev.kind, CONN_EV_IGNORED);
	conn_event_free(&ev);
	conn_close(c);
	free(body);
}

/* the fixture with object_attributes.<k> set to v (NULL removes k) and
 * changes.state_id removed when drop_state_change */
static char *variant(const char *k, const char *v, const char *state, int drop_state_change)
{
	size_t n;
	char *body = slurp("gitlab_issue_close.json", &n);
	json_t *j = json_loads(body, 0, NULL);
	free(body);
	assert_non_null(j);
	json_t *oa = json_object_get(j, "object_attributes");
	if (v)
		json_object_set_new(oa, k, json_string(v));
	else
		json_object_del(oa, k);
	json_object_set_new(oa, "state", json_string(state));
	if (drop_state_change)
		json_object_del(json_object_get(j, "changes"), "state_id");
	char *out = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return out;
}

static enum conn_event_kind gl_kind(struct conn *c, char *body, enum conn_status *st)
{
	struct conn_webhook_in in = { NULL, 0, body, strlen(body) };
	struct conn_event ev;
	assert_int_equal(conn_webhook_parse(c, &in, &ev), FF_OK);
	assert_string_equal(ev.issue_id, "23");
	*st = ev.status;
	conn_event_free(&ev);
	free(body);
	return ev.kind;
}

static void test_gitlab_issue_actions(void **state)
{
	(void)state;
	struct conn *c = open_kind("gitlab", CONN_MODE_DEFAULT, NULL);
	enum conn_status st;
	assert_int_equal(gl_kind(c, variant("action", "reopen", "opened", 0), &st), CONN_EV_STATUS);
	assert_int_equal(st, CONN_STATUS_OPEN);
	/* an edit that changed the state (old GitLab sends close + update) */
	assert_int_equal(gl_kind(c, variant("action", "update", "closed", 0), &st), CONN_EV_STATUS);
	assert_int_equal(st, CONN_STATUS_DONE);
	/* an edit without a state change is nothing for us */
	assert_int_equal(gl_kind(c, variant("action", "update", "closed", 1), &st), CONN_EV_IGNORED);
	/* the issue's creation, and the "Test" button that sends no action */
	assert_int_equal(gl_kind(c, variant("action", "open", "opened", 1), &st), CONN_EV_IGNORED);
	assert_int_equal(gl_kind(c, variant("action", NULL, "closed", 0), &st), CONN_EV_IGNORED);
	conn_close(c);
}

static void test_redmine_hook(void **state)
{
	(void)state;
	size_t n;
	char *body = slurp("redmine_issue_updated.json", &n);
	struct conn *c = open_kind("redmine", CONN_MODE_DEFAULT, "rm-secret");
	uint8_t mac[32];
	char hex[65], sig[80];
	ff_hmac_sha256("rm-secret", 9, body, n, mac);
	ff_hex(mac, 32, hex);
	snprintf(sig, sizeof(sig), "sha256=%s", hex);
	struct http_header h[] = { { "X-Redmine-Signature-256", sig, 0 } };
	struct conn_webhook_in in = { h, 1, body, n };
	assert_int_equal(conn_webhook_verify(c, &in), FF_OK);
	h[0].name = "X-Hub-Signature";
	assert_int_equal(conn_webhook_verify(c, &in), FF_EUNAUTH);
	struct conn_event ev;
	assert_int_equal(conn_webhook_parse(c, &in, &ev), FF_OK);
	assert_int_equal(ev.kind, CONN_EV_STATUS);
	assert_int_equal(ev.status, CONN_STATUS_DONE);
	assert_string_equal(ev.issue_id, "123");
	assert_string_equal(ev.actor_id, "3");
	assert_string_equal(ev.actor_name, "Jane Doe");
	conn_event_free(&ev);
	conn_close(c);
	free(body);
}

static void test_replay(void **state)
{
	(void)state;
	struct conn_replay *r = conn_replay_new(3, 60);
	assert_int_equal(conn_replay_seen(r, "a", 1000), 0);
	assert_int_equal(conn_replay_seen(r, "a", 1010), 1);
	assert_int_equal(conn_replay_seen(r, "b", 1010), 0);
	assert_int_equal(conn_replay_seen(r, "", 1010), 0);
	assert_int_equal(conn_replay_seen(r, "", 1010), 0);
	assert_int_equal(conn_replay_seen(r, NULL, 1010), 0);
	/* past the TTL the id is new again */
	assert_int_equal(conn_replay_seen(r, "b", 1071), 0);
	/* a full set forgets its oldest entry rather than refusing */
	assert_int_equal(conn_replay_seen(r, "c", 1072), 0);
	assert_int_equal(conn_replay_seen(r, "d", 1073), 0);
	assert_int_equal(conn_replay_seen(r, "e", 1074), 0);
	assert_int_equal(conn_replay_seen(r, "e", 1075), 1);
	assert_int_equal(conn_replay_seen(r, "d", 1075), 1);
	conn_replay_free(r);
	conn_replay_free(NULL);
}

static void test_echo(void **state)
{
	(void)state;
	struct conn *c = open_kind("gitlab", CONN_MODE_DEFAULT, NULL);
	struct conn_event ev = { .kind = CONN_EV_COMMENT };
	snprintf(ev.actor_id, sizeof(ev.actor_id), "42");
	snprintf(ev.comment_id, sizeof(ev.comment_id), "300");
	/* nothing known yet: not an echo (self id is learnt by conn_whoami) */
	assert_false(conn_event_is_echo(c, &ev));
	conn_remember_comment(c, "300");
	assert_true(conn_event_is_echo(c, &ev));
	snprintf(ev.comment_id, sizeof(ev.comment_id), "301");
	assert_false(conn_event_is_echo(c, &ev));
	/* the ring keeps the last 64 ids */
	for (int i = 0; i < 64; i++) {
		char id[16];
		snprintf(id, sizeof(id), "x%d", i);
		conn_remember_comment(c, id);
	}
	snprintf(ev.comment_id, sizeof(ev.comment_id), "300");
	assert_false(conn_event_is_echo(c, &ev));
	snprintf(ev.comment_id, sizeof(ev.comment_id), "x0");
	assert_true(conn_event_is_echo(c, &ev));
	conn_close(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_config_checks),
		cmocka_unit_test(test_status_map),
		cmocka_unit_test(test_jira_signature),
		cmocka_unit_test(test_jira_parse_status),
		cmocka_unit_test(test_jira_parse_dc_comment),
		cmocka_unit_test(test_gitlab_token_and_parse),
		cmocka_unit_test(test_gitlab_issue_actions),
		cmocka_unit_test(test_redmine_hook),
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_echo),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
