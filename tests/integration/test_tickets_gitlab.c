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

int main(void)
{
	return tk_main(&gitlab, "tickets_gitlab");
}
