/* Issue 7 with GitLab (tests/fakes/gitlab_fake.py): the whole ticket life,
 * slash commands, FlawFix comments, webhook auth/replay, outages, kill -9. */
#include "tickets_common.h"

static const char *const gl_args[] = { "--project", "acme/web", "--project-id", "4", "--token", "gl-token", NULL };

static const struct tsuite gitlab = {
	.name = "gitlab", .script = "gitlab_fake.py", .args = gl_args, .kind = "gitlab", .token = "gl-token",
	.project = "acme/web", .hook_secret_field = "token", .close_to = "close", .reopen_to = "reopen",
	.id_is_number = 1, .human_id = "7", .human_name = "jsmith",
	.human_email = "jane@example.com", .assignee_needle = "\"assignees\":[{\"id\":7,",
};

static int setup(void **state)
{
	S = &gitlab;
	return tk_setup(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_tracker_rest),
		cmocka_unit_test(t_lifecycle),
		cmocka_unit_test(t_flawfix_comment),
		cmocka_unit_test(t_slash_commands),
		cmocka_unit_test(t_webhook_auth_replay),
		cmocka_unit_test(t_outage),
		cmocka_unit_test(t_no_binding),
		cmocka_unit_test(t_reconcile_lost_webhook),
		cmocka_unit_test(t_kill9),
		cmocka_unit_test(t_identity_match),
		cmocka_unit_test(t_audit_chain),
	};
	return cmocka_run_group_tests_name("tickets_gitlab", tests, setup, tk_teardown);
}
