/* GitLab connector against tests/fakes/gitlab_fake.py */
#include "conn_common.h"

static const char *const gl_args[] = { "--project", "acme/web", "--project-id", "4", "--token",
				       "glpat-test", NULL };

static const struct suite gitlab = {
	.name = "gl", .script = "gitlab_fake.py", .args = gl_args, .kind = "gitlab",
	.token = "glpat-test", .project = "acme/web", .close_to = "close", .reopen_to = "reopen",
	.sink_path = "/hooks/gitlab", .id_is_number = 1,
};

static int setup_gl(void **state)
{
	S = &gitlab;
	return cc_setup(state);
}

static void t_users(void **state)
{
	t_check_and_users(state, "jane@example.com", "7");
}

static void t_pages(void **state)
{
	t_list_changed_paginates(state, "GET /api/v4/projects/acme%2Fweb/issues");
}

static void t_wrong_token_header(void **state)
{
	(void)state;
	struct conn *c = open_conn(NULL, 0);
	char key[64];
	next_key(key, sizeof(key));
	struct conn_issue_spec spec = { .key = key, .title = "tok", .body = "b" };
	struct conn_issue is;
	assert_int_equal(conn_issue_create(c, &spec, &is, NULL), FF_OK);
	wait_deliveries();
	json_decref(ctl(&sink, "POST", "clear", NULL));
	ctl_human("comment", is.id, "body", "hello");
	wait_deliveries();
	struct hook hk[8];
	int n = received(hk, 8);
	assert_true(n >= 1);
	for (int i = 0; i < hk[0].nh; i++)
		if (strcmp(hk[0].h[i].name, "x-gitlab-token") == 0)
			hk[0].h[i].value = "not-the-secret";
	struct conn_webhook_in in = hook_in(&hk[0]);
	assert_int_equal(conn_webhook_verify(c, &in), FF_EUNAUTH);
	/* the issue's own "open" hook on create is not an event for us */
	assert_string_equal(json_string_value(json_object_get(json_object_get(hk[0].src, "headers"),
							      "x-gitlab-event")), "Note Hook");
	hooks_free(hk, n);
	conn_close(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_roundtrip),
		cmocka_unit_test(t_find_before_create),
		cmocka_unit_test(t_comment_find_paginates),
		cmocka_unit_test(t_outage_503_then_success),
		cmocka_unit_test(t_rate_limit_429),
		cmocka_unit_test(t_pages),
		cmocka_unit_test(t_bad_credentials),
		cmocka_unit_test(t_webhooks),
		cmocka_unit_test(t_webhook_retry_is_replay),
		cmocka_unit_test(t_wrong_token_header),
		cmocka_unit_test(t_users),
		cmocka_unit_test(t_hook_register),
	};
	return cmocka_run_group_tests_name("gitlab", tests, setup_gl, cc_teardown);
}
