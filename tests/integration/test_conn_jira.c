/* Jira connector against tests/fakes/jira_fake.py, Cloud and Data Center */
#include "conn_common.h"

static const char *const cloud_args[] = { "--mode", "cloud", "--user", "bot@example.com",
					  "--token", "jira-token", NULL };
static const char *const dc_args[] = { "--mode", "dc", "--token", "dc-pat", NULL };

static const struct suite cloud = {
	.name = "cloud", .script = "jira_fake.py", .args = cloud_args, .kind = "jira",
	.mode = CONN_MODE_CLOUD, .user = "bot@example.com", .token = "jira-token",
	.project = "SEC", .close_to = "done", .reopen_to = "new", .sink_path = "/hooks/jira",
};
static const struct suite dc = {
	.name = "dc", .script = "jira_fake.py", .args = dc_args, .kind = "jira",
	.mode = CONN_MODE_DC, .user = NULL, .token = "dc-pat",
	.project = "SEC", .close_to = "done", .reopen_to = "new", .sink_path = "/hooks/jira",
};

static int setup_cloud(void **state)
{
	S = &cloud;
	return cc_setup(state);
}

static int setup_dc(void **state)
{
	S = &dc;
	return cc_setup(state);
}

static void t_users(void **state)
{
	if (S->mode == CONN_MODE_CLOUD)
		t_check_and_users(state, "paula@example.com", "557058:c9eb-human");
	else
		t_check_and_users(state, "phuman", "phuman");
}

static void t_pages(void **state)
{
	t_list_changed_paginates(state, S->mode == CONN_MODE_CLOUD ? "GET /rest/api/3/search/jql"
								      : "GET /rest/api/2/search");
}

/* Cloud's old /search answers 410; the fake's DC answers 404 on /search/jql */
static void t_cloud_body_is_adf(void **state)
{
	(void)state;
	struct conn *c = open_conn(NULL, 0);
	char key[64];
	next_key(key, sizeof(key));
	struct conn_issue_spec spec = { .key = key, .title = "adf", .body = "line one\nline two" };
	struct conn_issue is;
	assert_int_equal(conn_issue_create(c, &spec, &is, NULL), FF_OK);
	json_t *st = ctl(&tracker, "GET", "state", NULL);
	size_t i;
	json_t *it;
	int seen = 0;
	json_array_foreach(json_object_get(st, "issues"), i, it) {
		if (strcmp(json_string_value(json_object_get(it, "id")), is.id) != 0)
			continue;
		json_t *d = json_object_get(json_object_get(it, "fields"), "description");
		if (S->mode == CONN_MODE_CLOUD) {
			assert_string_equal(json_string_value(json_object_get(d, "type")), "doc");
			char *s = json_dumps(d, 0);
			assert_non_null(strstr(s, "flawfix-key: "));
			assert_non_null(strstr(s, "hardBreak"));
			free(s);
		} else {
			assert_true(json_is_string(d));
			assert_non_null(strstr(json_string_value(d), "line one\nline two"));
			assert_non_null(strstr(json_string_value(d), "flawfix-key: "));
		}
		seen = 1;
	}
	assert_true(seen);
	json_decref(st);
	/* a label with a space is refused by Jira: invalid input, no ticket */
	char key2[64];
	next_key(key2, sizeof(key2));
	const char *bad[] = { "has space" };
	struct conn_issue_spec b = { .key = key2, .title = "x", .body = "y", .labels = bad, .nlabels = 1 };
	assert_int_equal(conn_issue_create(c, &b, &is, NULL), FF_EINVAL);
	assert_non_null(strstr(conn_last_error(c), "contains spaces"));
	assert_int_equal(count_with_label(key2), 0);
	conn_close(c);
}

static void t_deleted_event(void **state)
{
	(void)state;
	struct conn *c = open_conn(NULL, 0);
	char key[64];
	next_key(key, sizeof(key));
	struct conn_issue_spec spec = { .key = key, .title = "del", .body = "b" };
	struct conn_issue is;
	assert_int_equal(conn_issue_create(c, &spec, &is, NULL), FF_OK);
	wait_deliveries();
	json_decref(ctl(&sink, "POST", "clear", NULL));
	ctl_human("transition", is.id, "to", "done");
	ctl_human("transition", is.id, "to", "new");
	ctl_human("delete", is.id, NULL, NULL);
	wait_deliveries();
	struct hook hk[32];
	int n = received(hk, 32);
	struct conn_event ev;
	/* the reopening arrives as a status event in an open category */
	int reopened = 0;
	for (int i = 0; i < n; i++) {
		struct conn_webhook_in in = hook_in(&hk[i]);
		assert_int_equal(conn_webhook_parse(c, &in, &ev), FF_OK);
		reopened |= ev.kind == CONN_EV_STATUS && ev.status == CONN_STATUS_OPEN;
		conn_event_free(&ev);
	}
	assert_true(reopened);
	assert_true(find_event(c, hk, n, CONN_EV_DELETED, is.id, NULL, &ev));
	assert_string_equal(ev.issue_key, is.key);
	conn_event_free(&ev);
	hooks_free(hk, n);
	struct conn_issue f;
	assert_int_equal(conn_issue_get(c, is.id, &f), FF_ENOTFOUND);
	conn_close(c);
}

#define JIRA_TESTS                                     \
	cmocka_unit_test(t_roundtrip),                 \
	cmocka_unit_test(t_find_before_create),        \
	cmocka_unit_test(t_comment_find_paginates),    \
	cmocka_unit_test(t_outage_503_then_success),   \
	cmocka_unit_test(t_rate_limit_429),            \
	cmocka_unit_test(t_pages),                     \
	cmocka_unit_test(t_bad_credentials),           \
	cmocka_unit_test(t_webhooks),                  \
	cmocka_unit_test(t_webhook_retry_is_replay),   \
	cmocka_unit_test(t_users),                     \
	cmocka_unit_test(t_hook_register),             \
	cmocka_unit_test(t_cloud_body_is_adf),         \
	cmocka_unit_test(t_deleted_event)

int main(void)
{
	const struct CMUnitTest tests[] = { JIRA_TESTS };
	int fails = cmocka_run_group_tests_name("jira_cloud", tests, setup_cloud, cc_teardown);
	fails += cmocka_run_group_tests_name("jira_dc", tests, setup_dc, cc_teardown);
	return fails;
}
