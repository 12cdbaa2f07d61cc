/* Issue 7 with a real Redmine (tests/harness/redmine.sh: Debian's redmine +
 * SQLite + puma on loopback), polled by updated_on / journals: the whole
 * ticket life, slash commands, FlawFix comments and kill -9. Outages and
 * webhook signatures are covered with the fakes (a real Redmine cannot be
 * told to answer 503, and this version has no webhooks). When the harness
 * cannot start Redmine, every test is skipped with the reason printed. */
#include <unistd.h>

#include "tickets_common.h"

static char rm_dir[256], rm_url[64], rm_key[128], rm_human[32], rm_closed[16], rm_assignee[64];
static int rm_up;
static struct tsuite redmine = {
	.name = "redmine", .kind = "redmine", .project = "flawfix-test", .close_to = "close", .reopen_to = "reopen",
	.human_name = "Jane Smith", .polling = 1, .human_email = "jane@example.com",
};

static void rm_make_human(void)
{
	json_t *j = rm_rest("POST", "/users.json",
			    "{\"user\":{\"login\":\"jsmith\",\"firstname\":\"Jane\",\"lastname\":\"Smith\","
			    "\"mail\":\"jane@example.com\",\"password\":\"Secret-Pass-123\"}}", NULL);
	snprintf(rm_human, sizeof(rm_human), "%lld",
		 (long long)json_integer_value(json_object_get(json_object_get(j, "user"), "id")));
	json_decref(j);
	char body[128];
	snprintf(body, sizeof(body), "{\"membership\":{\"user_id\":%s,\"role_ids\":[3]}}", rm_human);
	json_decref(rm_rest("POST", "/projects/flawfix-test/memberships.json", body, NULL));
	json_t *st = rm_rest("GET", "/issue_statuses.json", NULL, NULL);
	size_t i;
	json_t *it;
	json_array_foreach(json_object_get(st, "issue_statuses"), i, it)
		if (json_is_true(json_object_get(it, "is_closed")) && !rm_closed[0])
			snprintf(rm_closed, sizeof(rm_closed), "%lld", (long long)json_integer_value(json_object_get(it, "id")));
	json_decref(st);
}

static int setup(void **state)
{
	snprintf(rm_dir, sizeof(rm_dir), "/tmp/ff-tk-redmine-%d", (int)getpid());
	char cmd[1024], line[256];
	snprintf(cmd, sizeof(cmd), "sh %s/tests/harness/redmine.sh start %s 2>%s.err", FF_SOURCE_DIR, rm_dir, rm_dir);
	FILE *p = popen(cmd, "r");
	while (p && fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "URL=", 4) == 0)
			snprintf(rm_url, sizeof(rm_url), "%.63s", line + 4);
		if (strncmp(line, "KEY=", 4) == 0)
			snprintf(rm_key, sizeof(rm_key), "%.127s", line + 4);
	}
	int rc = p ? pclose(p) : -1;
	rm_up = rc == 0 && rm_url[0] && rm_key[0];
	if (!rm_up) {
		fprintf(stderr, "redmine harness failed (exit %d), see %s.err: tests skipped\n", rc, rm_dir);
		return 0;
	}
	redmine.token = rm_key;
	redmine.rm_key = rm_key;
	S = &redmine;
	snprintf(BASE, sizeof(BASE), "%s", rm_url);
	rm_make_human();
	redmine.human_id = rm_human;
	snprintf(rm_assignee, sizeof(rm_assignee), "\"assigned_to\":{\"id\":%s,", rm_human);
	redmine.assignee_needle = rm_assignee;
	redmine.rm_closed = rm_closed;
	return tk_setup(state);
}

static int teardown(void **state)
{
	if (rm_up)
		tk_teardown(state);
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "sh %s/tests/harness/redmine.sh stop %s && rm -rf %s %s.err", FF_SOURCE_DIR, rm_dir,
		 rm_dir, rm_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "redmine stop failed\n");
	return 0;
}

#define RM(fn)                                  \
	static void rm_##fn(void **state)       \
	{                                       \
		if (!rm_up)                     \
			skip();                 \
		fn(state);                      \
	}
RM(t_tracker_rest)
RM(t_lifecycle)
RM(t_flawfix_comment)
RM(t_comment_once_after_crash)
RM(t_slash_commands)
RM(t_no_binding)
RM(t_reconcile_lost_webhook)
RM(t_kill9)
RM(t_identity_match)
RM(t_audit_chain)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rm_t_tracker_rest),
		cmocka_unit_test(rm_t_lifecycle),
		cmocka_unit_test(rm_t_flawfix_comment),
		cmocka_unit_test(rm_t_comment_once_after_crash),
		cmocka_unit_test(rm_t_slash_commands),
		cmocka_unit_test(rm_t_no_binding),
		cmocka_unit_test(rm_t_reconcile_lost_webhook),
		cmocka_unit_test(rm_t_kill9),
		cmocka_unit_test(rm_t_identity_match),
		cmocka_unit_test(rm_t_audit_chain),
	};
	return cmocka_run_group_tests_name("tickets_redmine", tests, setup, teardown);
}
