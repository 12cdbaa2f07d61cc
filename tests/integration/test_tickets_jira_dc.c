/* Issue 7 with Jira Data Center (REST v2, wiki text) on tests/fakes/jira_fake.py:
 * the whole ticket life, slash commands, FlawFix comments, webhook
 * signature/replay, outages, lost webhooks, kill -9, identities. */
#include "tickets_common.h"

static const char *const dc_args[] = { "--mode", "dc", "--token", "dc-pat", NULL };

static const struct tsuite dc = {
	.name = "jira-dc", .script = "jira_fake.py", .args = dc_args, .kind = "jira", .mode = "dc",
	.token = "dc-pat", .project = "SEC", .hook_secret_field = "secret", .close_to = "done", .reopen_to = "new",
	.human_id = "phuman", .human_name = "Paula Human", .human_email = "paula@example.com",
	.assignee_needle = "\"phuman\"",
};

int main(void)
{
	return tk_main(&dc, "tickets_jira_dc");
}
