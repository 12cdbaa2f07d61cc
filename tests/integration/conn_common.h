/* tests/integration/conn_common.h - the connector round trips, shared by
 * test_conn_jira.c and test_conn_gitlab.c: each file describes its fake in
 * a struct suite and runs the same scenarios against it through conn_*.
 * Header-only on purpose (static functions), kept apart from th.c. */
#ifndef FF_TESTS_INTEGRATION_CONN_COMMON_H
#define FF_TESTS_INTEGRATION_CONN_COMMON_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/crypto.h"
#include "common/rc.h"
#include "connectors/conn.h"
#include "connectors/http_client.h"
#include "tests/fakes/fakeproc.h"

/* not every test file runs every scenario of this header */
#pragma GCC diagnostic ignored "-Wunused-function"

struct suite {
	const char *name;
	const char *script;             /* fake in tests/fakes/ */
	const char *const *args;        /* extra fake arguments */
	const char *kind;
	enum conn_mode mode;
	const char *user, *token, *project;
	const char *close_to, *reopen_to; /* /_control/transition "to" values */
	const char *sink_path;          /* where the fake delivers webhooks */
	int id_is_number;               /* control endpoints take the id as a JSON number */
};

static const struct suite *S;
static struct fakeproc tracker, sink;
static int key_seq;

static long cc_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* ---- talking to the fakes' control endpoints --------------------------- */

static json_t *ctl(const struct fakeproc *f, const char *method, const char *path, json_t *body)
{
	char url[256];
	char *payload = body ? json_dumps(body, JSON_COMPACT) : NULL;
	snprintf(url, sizeof(url), "%s/_control/%s", f->base, path);
	struct http_header h[] = { { "Content-Type", "application/json", 0 } };
	struct hc_request req = { .method = method, .url = url, .headers = h, .nheaders = 1,
				  .body = payload, .body_len = payload ? strlen(payload) : 0 };
	struct hc_response r;
	assert_int_equal(hc_perform(&req, &r), FF_OK);
	assert_int_equal(r.status, 200);
	json_t *j = json_loads(r.body, 0, NULL);
	assert_non_null(j);
	hc_response_free(&r);
	free(payload);
	json_decref(body);
	return j;
}

static json_t *issue_ref(const char *id)
{
	return S->id_is_number ? json_integer(strtoll(id, NULL, 10)) : json_string(id);
}

static void ctl_fail(int status, int count, const char *retry_after)
{
	json_t *b = json_pack("{s:i, s:i}", "status", status, "count", count);
	if (retry_after)
		json_object_set_new(b, "retry_after", json_string(retry_after));
	json_decref(ctl(&tracker, "POST", "fail", b));
}

static void ctl_human(const char *what, const char *id, const char *key, const char *value)
{
	json_t *b = json_pack("{s:o}", "issue", issue_ref(id));
	if (key)
		json_object_set_new(b, key, json_string(value));
	json_decref(ctl(&tracker, "POST", what, b));
}

static const json_t *labels_of(const json_t *issue)
{
	const json_t *l = json_object_get(json_object_get(issue, "fields"), "labels");
	return l ? l : json_object_get(issue, "labels");
}

static int has_label(const json_t *issue, const char *label)
{
	size_t i;
	json_t *v;
	json_array_foreach(labels_of(issue), i, v)
		if (strcmp(json_string_value(v), label) == 0)
			return 1;
	return 0;
}

/* how many (not deleted) tickets of the fake carry label */
static int count_with_label(const char *label)
{
	json_t *st = ctl(&tracker, "GET", "state", NULL);
	int n = 0;
	size_t i;
	json_t *it;
	json_array_foreach(json_object_get(st, "issues"), i, it)
		if (!json_is_true(json_object_get(it, "deleted")) && has_label(it, label))
			n++;
	json_decref(st);
	return n;
}

static int api_count(const char *method_path)
{
	json_t *c = ctl(&tracker, "GET", "counts", NULL);
	int n = (int)json_integer_value(json_object_get(json_object_get(c, "counts"), method_path));
	json_decref(c);
	return n;
}

static void wait_deliveries(void)
{
	for (int i = 0; i < 200; i++) {
		json_t *d = ctl(&tracker, "GET", "deliveries", NULL);
		int idle = json_is_true(json_object_get(d, "idle"));
		json_decref(d);
		if (idle)
			return;
		struct timespec ts = { 0, 50 * 1000000L };
		nanosleep(&ts, NULL);
	}
	fail_msg("webhook deliveries did not finish");
}

/* ---- instances ---------------------------------------------------------- */

static const char *const base_labels[] = { "flawfix" };

static struct conn *open_conn(const char *token, int page_size)
{
	struct conn_config cfg = { .kind = S->kind, .base_url = tracker.base, .mode = S->mode,
				   .user = S->user, .token = token ? token : S->token,
				   .project = S->project, .labels = base_labels, .nlabels = 1,
				   .webhook_secret = "hook-secret-1", .timeout_ms = 5000,
				   .max_attempts = 3, .max_backoff_ms = 200, .page_size = page_size };
	struct conn *c = NULL;
	char err[256] = "";
	int rc = conn_open(&cfg, &c, err, sizeof(err));
	if (rc != FF_OK)
		fail_msg("conn_open: %s", err);
	return c;
}

static void next_key(char *out, size_t n)
{
	snprintf(out, n, "ff-%s-%d", S->name, ++key_seq);
}

static int cc_setup(void **state)
{
	(void)state;
	ff_crypto_init();
	if (fakeproc_start(&tracker, S->script, S->args) != 0)
		return -1;
	if (fakeproc_start(&sink, "hook_sink.py", NULL) != 0)
		return -1;
	char url[256];
	snprintf(url, sizeof(url), "%s%s", sink.base, S->sink_path);
	json_t *b = json_pack("{s:s, s:s}", "url", url, S->id_is_number ? "token" : "secret",
			      "hook-secret-1");
	json_decref(ctl(&tracker, "POST", "webhook", b));
	return 0;
}

static int cc_teardown(void **state)
{
	(void)state;
	fakeproc_stop(&tracker);
	fakeproc_stop(&sink);
	return 0;
}

/* ---- scenarios ---------------------------------------------------------- */

static void t_roundtrip(void **state)
{
	(void)state;
	struct conn *c = open_conn(NULL, 0);
	char key[64], self[128], cid[64];
	next_key(key, sizeof(key));
	assert_int_equal(conn_whoami(c, self, sizeof(self), NULL, 0), FF_OK);
	assert_true(self[0] != '\0');
	assert_string_equal(conn_self_id(c), self);
	const char *extra[] = { "sev-high" };
	struct conn_issue_spec spec = { .key = key, .title = "CVE-2024-1234 in openssl 3.0.1",
					.body = "Severity: high\n\nDetails: https://ff.example/f/42",
					.labels = extra, .nlabels = 1 };
	struct conn_issue is;
	int created = -1;
	assert_int_equal(conn_issue_create(c, &spec, &is, &created), FF_OK);
	assert_int_equal(created, 1);
	assert_true(is.id[0] && is.key[0] && is.url[0]);
	assert_int_equal(is.status, CONN_STATUS_OPEN);
	assert_int_equal(count_with_label(key), 1);
	assert_int_equal(count_with_label("sev-high"), 1);

	assert_int_equal(conn_comment_add(c, is.id, "Mitigation started", cid, sizeof(cid)), FF_OK);
	assert_true(cid[0] != '\0');

	assert_int_equal(conn_status_set(c, is.id, CONN_STATUS_DONE), FF_OK);
	struct conn_issue got;
	assert_int_equal(conn_issue_get(c, is.id, &got), FF_OK);
	assert_int_equal(got.status, CONN_STATUS_DONE);
	/* already done: no second transition */
	assert_int_equal(conn_status_set(c, is.id, CONN_STATUS_DONE), FF_OK);
	assert_int_equal(conn_status_set(c, is.id, CONN_STATUS_OPEN), FF_OK);
	assert_int_equal(conn_issue_get(c, is.id, &got), FF_OK);
	assert_int_equal(got.status, CONN_STATUS_OPEN);
	assert_string_equal(got.id, is.id);

	struct conn_issue_spec upd = { .key = key, .title = "CVE-2024-1234 in openssl (updated)" };
	assert_int_equal(conn_issue_update(c, is.id, &upd), FF_OK);
	assert_int_equal(count_with_label(key), 1);
	conn_close(c);
}

/* our comment found again by a line of its text, across pages of 2; a
 * person's comment with the same line is not ours */
static void t_comment_find_paginates(void **state)
{
	(void)state;
	struct conn *c = open_conn(NULL, 2);
	char key[64], cid[64], want[64] = "", found[64] = "";
	next_key(key, sizeof(key));
	struct conn_issue_spec spec = { .key = key, .title = "comment search", .body = "five comments" };
	struct conn_issue is;
	assert_int_equal(conn_issue_create(c, &spec, &is, NULL), FF_OK);
	for (int i = 1; i <= 5; i++) {
		char text[96];
		snprintf(text, sizeof(text), "status note %d\n\nflawfix-ref: job-%d", i, 700 + i);
		assert_int_equal(conn_comment_add(c, is.id, text, cid, sizeof(cid)), FF_OK);
		if (i == 5)
			snprintf(want, sizeof(want), "%s", cid);
	}
	/* a person pasted a line like ours: it is not ours */
	ctl_human("comment", is.id, "body", "copied from elsewhere: flawfix-ref: job-799");
	assert_int_equal(conn_comment_find(c, is.id, "flawfix-ref: job-705", found, sizeof(found)), FF_OK);
	assert_string_equal(found, want);
	assert_int_equal(conn_comment_find(c, is.id, "flawfix-ref: job-799", found, sizeof(found)), FF_ENOTFOUND);
	conn_close(c);
}

static void t_find_before_create(void **state)
{
	(void)state;
	char key[64];
	next_key(key, sizeof(key));
	struct conn_issue_spec spec = { .key = key, .title = "t", .body = "b" };
	struct conn_issue a, b, f;
	int created = -1;
	struct conn *c = open_conn(NULL, 0);
	assert_int_equal(conn_find_by_key(c, key, &f), FF_ENOTFOUND);
	assert_int_equal(conn_issue_create(c, &spec, &a, &created), FF_OK);
	assert_int_equal(created, 1);
	conn_close(c);
	/* a "restarted daemon" (new instance, nothing remembered) retries the job */
	c = open_conn(NULL, 0);
	assert_int_equal(conn_issue_create(c, &spec, &b, &created), FF_OK);
	assert_int_equal(created, 0);
	assert_string_equal(a.id, b.id);
	assert_int_equal(conn_find_by_key(c, key, &f), FF_OK);
	assert_string_equal(f.id, a.id);
	assert_int_equal(count_with_label(key), 1);
	/* a key that is a prefix of another one is not confused with it */
	char shorter[64];
	snprintf(shorter, sizeof(shorter), "%.*s", (int)strlen(key) - 1, key);
	assert_int_equal(conn_find_by_key(c, shorter, &f), FF_ENOTFOUND);
	conn_close(c);
}

static void t_outage_503_then_success(void **state)
{
	(void)state;
	char key[64];
	next_key(key, sizeof(key));
	struct conn *c = open_conn(NULL, 0);
	struct conn_issue_spec spec = { .key = key, .title = "outage", .body = "b" };
	struct conn_issue is;
	int created = -1;
	/* two failures: the client's three attempts get through */
	ctl_fail(503, 2, "0");
	assert_int_equal(conn_issue_create(c, &spec, &is, &created), FF_OK);
	assert_int_equal(created, 1);
	assert_int_equal(count_with_label(key), 1);
	/* a longer outage: the job fails as temporary, its retry later finds
	 * nothing created twice */
	char key2[64];
	next_key(key2, sizeof(key2));
	spec.key = key2;
	ctl_fail(503, 5, NULL);
	assert_int_equal(conn_issue_create(c, &spec, &is, &created), FF_ETEMP);
	assert_int_equal(count_with_label(key2), 0);
	ctl_fail(503, 0, NULL);
	assert_int_equal(conn_issue_create(c, &spec, &is, &created), FF_OK);
	assert_int_equal(created, 1);
	assert_int_equal(conn_issue_create(c, &spec, &is, &created), FF_OK);
	assert_int_equal(created, 0);
	assert_int_equal(count_with_label(key2), 1);
	conn_close(c);
}

static void t_rate_limit_429(void **state)
{
	(void)state;
	char key[64];
	next_key(key, sizeof(key));
	struct conn *c = open_conn(NULL, 0);
	struct conn_issue_spec spec = { .key = key, .title = "rate", .body = "b" };
	struct conn_issue is;
	int created = -1;
	ctl_fail(429, 2, "1");
	long t0 = cc_now_ms();
	assert_int_equal(conn_issue_create(c, &spec, &is, &created), FF_OK);
	/* Retry-After: 1 is capped by max_backoff_ms (200 ms) in this config */
	assert_true(cc_now_ms() - t0 >= 300);
	assert_int_equal(created, 1);
	assert_int_equal(count_with_label(key), 1);
	conn_close(c);
}

struct collected {
	int n;
	char ids[64][64];
};

static int collect(const struct conn_issue *is, void *ud)
{
	struct collected *col = ud;
	for (int i = 0; i < col->n; i++)
		if (strcmp(col->ids[i], is->id) == 0)
			fail_msg("issue %s listed twice", is->id);
	if (col->n < 64)
		snprintf(col->ids[col->n++], sizeof(col->ids[0]), "%s", is->id);
	return 0;
}

static void t_list_changed_paginates(void **state, const char *list_path)
{
	(void)state;
	struct conn *c = open_conn(NULL, 3);
	struct conn_issue is;
	char ids[7][64];
	for (int i = 0; i < 7; i++) {
		char key[64];
		next_key(key, sizeof(key));
		struct conn_issue_spec spec = { .key = key, .title = "page", .body = "b" };
		assert_int_equal(conn_issue_create(c, &spec, &is, NULL), FF_OK);
		snprintf(ids[i], sizeof(ids[i]), "%s", is.id);
	}
	/* one ticket last changed in 2001: outside the window */
	json_t *b = json_pack("{s:o, s:f}", "issue", issue_ref(ids[0]), "updated", 978307200.0);
	json_decref(ctl(&tracker, "POST", "touch", b));
	json_t *st = ctl(&tracker, "GET", "state", NULL);
	int total = (int)json_array_size(json_object_get(st, "issues"));
	json_decref(st);
	int before = api_count(list_path);
	struct collected col = { 0 };
	assert_int_equal(conn_list_changed(c, "2020-01-01T00:00:00Z", collect, &col), FF_OK);
	int pages = api_count(list_path) - before;
	/* every ticket but the old one, each once, over ceil(n/3) pages */
	assert_int_equal(col.n, total - 1);
	assert_int_equal(pages, (total - 1 + 2) / 3);
	for (int i = 1; i < 7; i++) {
		int found = 0;
		for (int k = 0; k < col.n; k++)
			found |= strcmp(col.ids[k], ids[i]) == 0;
		assert_true(found);
	}
	for (int k = 0; k < col.n; k++)
		assert_string_not_equal(col.ids[k], ids[0]);
	/* a window in the future lists nothing */
	struct collected none = { 0 };
	assert_int_equal(conn_list_changed(c, "2099-01-01T00:00:00Z", collect, &none), FF_OK);
	assert_int_equal(none.n, 0);
	conn_close(c);
}

static void t_bad_credentials(void **state)
{
	(void)state;
	struct conn *c = open_conn("wrong-token", 0);
	char id[64];
	assert_int_equal(conn_whoami(c, id, sizeof(id), NULL, 0), FF_EUNAUTH);
	struct conn_issue f;
	assert_int_equal(conn_find_by_key(c, "ff-x", &f), FF_EUNAUTH);
	assert_true(strstr(conn_last_error(c), "401") != NULL);
	conn_close(c);
}

static void t_check_and_users(void **state, const char *human_query, const char *human_id)
{
	(void)state;
	struct conn *c = open_conn(NULL, 0);
	assert_int_equal(conn_check(c), FF_OK);
	char id[128] = "";
	assert_int_equal(conn_user_find(c, human_query, id, sizeof(id)), FF_OK);
	assert_string_equal(id, human_id);
	assert_int_equal(conn_user_find(c, "nobody@nowhere.example", id, sizeof(id)), FF_ENOTFOUND);
	assert_int_equal(conn_user_find(c, "", id, sizeof(id)), FF_EINVAL);
	conn_close(c);
	/* a wrong token and a wrong project are told apart */
	c = open_conn("wrong", 0);
	assert_int_equal(conn_check(c), FF_EUNAUTH);
	assert_non_null(strstr(conn_last_error(c), "credentials refused"));
	conn_close(c);
	struct conn_config cfg = { .kind = S->kind, .base_url = tracker.base, .mode = S->mode,
				   .user = S->user, .token = S->token, .project = "NOPE",
				   .max_attempts = 1 };
	char err[128];
	assert_int_equal(conn_open(&cfg, &c, err, sizeof(err)), FF_OK);
	assert_int_equal(conn_check(c), FF_ENOTFOUND);
	assert_non_null(strstr(conn_last_error(c), "project NOPE not found"));
	conn_close(c);
}

/* ---- webhooks: what the fake delivered to the sink ---------------------- */

struct hook {
	struct http_header h[24];
	int nh;
	char *body;
	json_t *src;                    /* keeps the strings alive */
};

static int received(struct hook *out, int max)
{
	json_t *r = ctl(&sink, "GET", "received", NULL);
	size_t i;
	json_t *it;
	int n = 0;
	json_array_foreach(json_object_get(r, "received"), i, it) {
		if (n >= max)
			break;
		struct hook *hk = &out[n++];
		memset(hk, 0, sizeof(*hk));
		hk->src = json_incref(it);
		const char *k;
		json_t *v;
		json_object_foreach(json_object_get(it, "headers"), k, v) {
			if (hk->nh < 24)
				hk->h[hk->nh++] = (struct http_header){ k, json_string_value(v), 0 };
		}
		hk->body = (char *)json_string_value(json_object_get(it, "body"));
	}
	json_decref(r);
	return n;
}

static void hooks_free(struct hook *h, int n)
{
	for (int i = 0; i < n; i++)
		json_decref(h[i].src);
}

static struct conn_webhook_in hook_in(const struct hook *h)
{
	return (struct conn_webhook_in){ h->h, h->nh, h->body, strlen(h->body) };
}

/* the first delivered event of kind about issue id, parsed; 1 when found */
static int find_event(struct conn *c, struct hook *hk, int n, enum conn_event_kind kind,
		      const char *id, const char *text, struct conn_event *out)
{
	for (int i = 0; i < n; i++) {
		struct conn_webhook_in in = hook_in(&hk[i]);
		struct conn_event ev;
		assert_int_equal(conn_webhook_verify(c, &in), FF_OK);
		assert_int_equal(conn_webhook_parse(c, &in, &ev), FF_OK);
		if (ev.kind == kind && strcmp(ev.issue_id, id) == 0 &&
		    (!text || (ev.text && strstr(ev.text, text)))) {
			*out = ev;
			return 1;
		}
		conn_event_free(&ev);
	}
	return 0;
}

static void t_webhooks(void **state)
{
	(void)state;
	struct conn *c = open_conn(NULL, 0);
	char key[64], cid[64];
	next_key(key, sizeof(key));
	assert_int_equal(conn_whoami(c, NULL, 0, NULL, 0), FF_OK);
	struct conn_issue_spec spec = { .key = key, .title = "hooks", .body = "b" };
	struct conn_issue is;
	assert_int_equal(conn_issue_create(c, &spec, &is, NULL), FF_OK);
	wait_deliveries();
	json_decref(ctl(&sink, "POST", "clear", NULL));

	/* our own comment comes back as an echo */
	assert_int_equal(conn_comment_add(c, is.id, "FlawFix: ticket opened", cid, sizeof(cid)), FF_OK);
	ctl_human("comment", is.id, "body", "/accept vendor patch scheduled for Q3");
	ctl_human("transition", is.id, "to", S->close_to);
	wait_deliveries();

	struct hook hk[32];
	int n = received(hk, 32);
	assert_true(n >= 3);
	struct conn_event ev;
	assert_true(find_event(c, hk, n, CONN_EV_COMMENT, is.id, "FlawFix: ticket opened", &ev));
	assert_string_equal(ev.comment_id, cid);
	assert_true(conn_event_is_echo(c, &ev));
	conn_event_free(&ev);

	assert_true(find_event(c, hk, n, CONN_EV_COMMENT, is.id, "/accept", &ev));
	assert_false(conn_event_is_echo(c, &ev));
	assert_string_not_equal(ev.actor_id, conn_self_id(c));
	assert_true(ev.delivery_id[0] != '\0');
	struct conn_slash sl;
	assert_int_equal(conn_slash_parse(ev.text, &sl), FF_OK);
	assert_int_equal(sl.kind, CONN_SLASH_ACCEPT);
	assert_string_equal(sl.arg, "vendor patch scheduled for Q3");
	conn_slash_free(&sl);
	conn_event_free(&ev);

	assert_true(find_event(c, hk, n, CONN_EV_STATUS, is.id, NULL, &ev));
	assert_int_equal(ev.status, CONN_STATUS_DONE);
	assert_false(conn_event_is_echo(c, &ev));
	conn_event_free(&ev);

	/* signatures: a changed body, a missing header, a wrong secret */
	struct conn_webhook_in in = hook_in(&hk[0]);
	char *tampered = strdup(hk[0].body);
	tampered[strlen(tampered) / 2] ^= 1;
	in.body = tampered;
	if (S->id_is_number) /* GitLab's token does not sign the body */
		assert_int_equal(conn_webhook_verify(c, &in), FF_OK);
	else
		assert_int_equal(conn_webhook_verify(c, &in), FF_EUNAUTH);
	free(tampered);
	in = hook_in(&hk[0]);
	in.nheaders = 0;
	assert_int_equal(conn_webhook_verify(c, &in), FF_EUNAUTH);
	hooks_free(hk, n);
	conn_close(c);
}

/* the connector registers its own hook; deliveries are signed with our secret */
static void t_hook_register(void **state)
{
	(void)state;
	struct conn *c = open_conn(NULL, 0);
	char url[256], key[64];
	snprintf(url, sizeof(url), "%s/registered", sink.base);
	assert_int_equal(conn_hook_register(c, url), FF_OK);
	next_key(key, sizeof(key));
	struct conn_issue_spec spec = { .key = key, .title = "reg", .body = "b" };
	struct conn_issue is;
	assert_int_equal(conn_issue_create(c, &spec, &is, NULL), FF_OK);
	wait_deliveries();
	json_decref(ctl(&sink, "POST", "clear", NULL));
	ctl_human("comment", is.id, "body", "via the registered hook");
	wait_deliveries();
	struct hook hk[32];
	int n = received(hk, 32), on_registered = 0;
	for (int i = 0; i < n; i++) {
		if (strcmp(json_string_value(json_object_get(hk[i].src, "path")), "/registered") != 0)
			continue;
		struct conn_webhook_in in = hook_in(&hk[i]);
		assert_int_equal(conn_webhook_verify(c, &in), FF_OK);
		on_registered++;
	}
	assert_true(on_registered >= 1);
	hooks_free(hk, n);
	conn_close(c);
}

static void t_webhook_retry_is_replay(void **state)
{
	(void)state;
	struct conn *c = open_conn(NULL, 0);
	char key[64];
	next_key(key, sizeof(key));
	struct conn_issue_spec spec = { .key = key, .title = "replay", .body = "b" };
	struct conn_issue is;
	assert_int_equal(conn_issue_create(c, &spec, &is, NULL), FF_OK);
	wait_deliveries();
	json_decref(ctl(&sink, "POST", "clear", NULL));
	/* the receiver fails once: the tracker delivers the same event again */
	json_decref(ctl(&sink, "POST", "fail", json_pack("{s:i, s:i}", "status", 503, "count", 1)));
	ctl_human("comment", is.id, "body", "looked at it");
	wait_deliveries();
	struct hook hk[32];
	int n = received(hk, 32);
	assert_true(n >= 2);
	struct conn_replay *rp = conn_replay_new(128, 3600);
	int replays = 0, comments = 0;
	for (int i = 0; i < n; i++) {
		struct conn_webhook_in in = hook_in(&hk[i]);
		struct conn_event ev;
		assert_int_equal(conn_webhook_verify(c, &in), FF_OK);
		assert_int_equal(conn_webhook_parse(c, &in, &ev), FF_OK);
		if (conn_replay_seen(rp, ev.delivery_id, time(NULL)))
			replays++;
		else if (ev.kind == CONN_EV_COMMENT)
			comments++;
		conn_event_free(&ev);
	}
	assert_int_equal(replays, 1);
	assert_true(comments >= 1);
	conn_replay_free(rp);
	hooks_free(hk, n);
	conn_close(c);
}

#endif
