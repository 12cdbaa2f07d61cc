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

int main(void)
{
	return tk_main(&cloud, "tickets_jira_cloud");
}
