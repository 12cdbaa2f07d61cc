/* Issue 7 with Jira Cloud (REST v3, ADF) on tests/fakes/jira_fake.py:
 * the whole ticket life, slash commands, FlawFix comments, webhook
 * signature/replay, outages, lost webhooks, kill -9, identities. */
#include "tickets_common.h"

static const char *const cloud_args[] = { "--mode", "cloud", "--user", "bot@example.com", "--token", "jira-token",
					  NULL };

static const struct tsuite cloud = {
	.name = "jira-cloud", .script = "jira_fake.py", .args = cloud_args, .kind = "jira", .mode = "cloud",
	.user = "bot@example.com", .token = "jira-token", .project = "SEC", .hook_secret_field = "secret",
	.close_to = "done", .reopen_to = "new", .human_id = "557058:c9eb-human", .human_name = "Paula Human",
	.human_email = "paula@example.com", .assignee_needle = "557058:c9eb-human",
};

static int setup(void **state)
{
	S = &cloud;
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
	return cmocka_run_group_tests_name("tickets_jira_cloud", tests, setup, tk_teardown);
}
