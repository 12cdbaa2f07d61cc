/* flawfix finding list|show|ACTION: the findings and the workflow commands
 * of the REST API, for scripts. An action runs as the user named with
 * --as NAME (their role and asset relations apply, the event's source is
 * "cli"); each id is its own transaction, like a bulk command. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "common/fftime.h"
#include "common/rc.h"
#include "common/str.h"
#include "db/q_finding.h"
#include "db/q_session.h"
#include "db/q_workflow.h"

static const char *usage =
	"usage: flawfix finding list [--asset SLUG] [--state S[,S]] [--severity S[,S]] [--limit N] [--json]\n"
	"       flawfix finding show ID\n"
	"       flawfix finding ACTION ID [ID...] --as USER [--justification TEXT] [--review-date DATE]\n"
	"              [--revalidation-date DATE] [--due-date DATE] [--recipient-email ADDR]\n"
	"              [--recipient-name NAME] [--message TEXT] [--tracker NAME] [--assignee NAME]\n"
	"              [--vector CVSS] [--text TEXT] [--vex-justification CODE] [--row-version N]\n\n"
	"ACTION is an event of the workflow: accept, approve, reject, mitigate, transfer, avoid,\n"
	"mark_false_positive, revalidate, renew, reopen, reassess, comment. Each result is printed\n"
	"as one JSON line; the exit status is 0 when every command was applied, 1 otherwise.\n";

static int list(struct db *db, int argc, char **argv)
{
	long long limit = 100;
	const char *l = cli_opt(argc, argv, "limit");
	if (l && str_to_ll(l, 1, 1000, &limit)) {
		fprintf(stderr, "flawfix: --limit must be 1..1000\n");
		return 2;
	}
	struct finding_filter f = { .asset = cli_opt(argc, argv, "asset"), .state = cli_opt(argc, argv, "state"),
				    .severity = cli_opt(argc, argv, "severity"), .limit = (int)limit };
	char *out = NULL;
	if (finding_list_json(db, FF_DEFAULT_ORG, &f, &out)) {
		fprintf(stderr, "flawfix: %s\n", db_last_error(db));
		return 1;
	}
	if (cli_flag(argc, argv, "json")) {
		printf("%s\n", out);
	} else {
		json_t *o = json_loads(out, 0, NULL);
		json_t *items = json_object_get(o, "items");
		for (size_t i = 0; i < json_array_size(items); i++) {
			json_t *it = json_array_get(items, i);
			printf("%-8lld %-20s %-9s %-20s %s\n", (long long)json_integer_value(json_object_get(it, "id")),
			       json_string_value(json_object_get(it, "state")),
			       json_string_value(json_object_get(it, "severity")),
			       json_string_value(json_object_get(it, "asset")),
			       json_string_value(json_object_get(it, "title")) ? json_string_value(json_object_get(it, "title")) : "");
		}
		json_decref(o);
	}
	free(out);
	return 0;
}

static int show(struct db *db, int argc, char **argv)
{
	long long id;
	if (argc < 3 || str_to_ll(argv[2], 1, 9223372036854775807LL, &id)) {
		fputs(usage, stderr);
		return 2;
	}
	char *out = NULL;
	int rc = finding_get_json(db, FF_DEFAULT_ORG, id, 0, &out);
	if (rc == FF_ENOTFOUND)
		fprintf(stderr, "flawfix: no finding %lld\n", id);
	else if (rc)
		fprintf(stderr, "flawfix: %s\n", db_last_error(db));
	else
		printf("%s\n", out);
	free(out);
	return rc ? 1 : 0;
}

static void read_data(int argc, char **argv, struct workflow_cmd *cmd)
{
	static const struct {
		const char *opt;
		size_t off;
	} opts[] = {
		{ "justification", offsetof(struct wf_data, justification) },
		{ "review-date", offsetof(struct wf_data, review_date) },
		{ "revalidation-date", offsetof(struct wf_data, revalidation_date) },
		{ "due-date", offsetof(struct wf_data, due_date) },
		{ "recipient-email", offsetof(struct wf_data, recipient_email) },
		{ "recipient-name", offsetof(struct wf_data, recipient_name) },
		{ "tracker", offsetof(struct wf_data, tracker) },
		{ "assignee", offsetof(struct wf_data, assignee) },
		{ "vector", offsetof(struct wf_data, vector) },
		{ "text", offsetof(struct wf_data, text) },
		{ "vex-justification", offsetof(struct wf_data, vex_justification) },
	};
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		*(const char **)(void *)((char *)&cmd->data + opts[i].off) = cli_opt(argc, argv, opts[i].opt);
	cmd->message = cli_opt(argc, argv, "message");
}

static void print_result(long long id, const struct workflow_result *r)
{
	json_t *o = json_pack("{s:I, s:i, s:s}", "id", (json_int_t)id, "status", r->status, "state",
			      r->status == 200 ? r->to : r->from);
	if (r->status == 200)
		json_object_set_new(o, "event", json_loads(r->event_json, 0, NULL));
	else
		json_object_set_new(o, "detail", json_string(r->detail));
	if (r->status == 409)
		json_object_set_new(o, "allowed_events", json_string(r->allowed));
	if (r->status == 422 && r->res.field)
		json_object_set_new(o, "field", json_string(r->res.field));
	char *s = json_dumps(o, JSON_COMPACT);
	printf("%s\n", s);
	free(s);
	json_decref(o);
}

static int action(struct db *db, int argc, char **argv)
{
	struct workflow_cmd cmd = { .actor_kind = WF_ACTOR_USER };
	const char *as = cli_opt(argc, argv, "as");
	if (wf_event_parse(argv[1], &cmd.event)) {
		fprintf(stderr, "flawfix: '%s' is not a finding command\n%s", argv[1], usage);
		return 2;
	}
	if (!as) {
		fprintf(stderr, "flawfix: --as USER is required: the user the command is issued as\n");
		return 2;
	}
	struct login_user u;
	if (login_user_get(db, as, &u) || u.disabled) {
		fprintf(stderr, "flawfix: no enabled user '%s'\n", as);
		return 2;
	}
	long long rv = 0;
	const char *rvs = cli_opt(argc, argv, "row-version");
	if (rvs && str_to_ll(rvs, 1, 2147483647LL, &rv)) {
		fprintf(stderr, "flawfix: --row-version must be a positive integer\n");
		return 2;
	}
	char idbuf[24];
	snprintf(idbuf, sizeof(idbuf), "%lld", u.id);
	struct audit_actor actor = { .type = "user", .id = idbuf, .name = as, .source = "cli" };
	read_data(argc, argv, &cmd);
	cmd.org_id = u.org_id;
	cmd.user_id = u.id;
	cmd.audit = &actor;
	cmd.expect_version = (int)rv;
	int failed = 0, ids = 0;
	for (int i = 2; i < argc && argv[i][0] != '-'; i++, ids++) {
		struct workflow_result r;
		if (str_to_ll(argv[i], 1, 9223372036854775807LL, &cmd.finding_id)) {
			fprintf(stderr, "flawfix: '%s' is not a finding id\n", argv[i]);
			return 2;
		}
		cmd.now_ms = ff_now_ms();
		failed += workflow_apply(db, &cmd, &r) != FF_OK;
		print_result(cmd.finding_id, &r);
		workflow_result_clear(&r);
	}
	if (ids == 0) {
		fputs(usage, stderr);
		return 2;
	}
	return failed ? 1 : 0;
}

/* list, show, and every other word is a workflow action */
static const struct cli_sub subs[] = {
	{ "list", list }, { "show", show }, { NULL, action },
};

int cmd_finding(int argc, char **argv)
{
	return cli_dispatch("finding", usage, subs, argc, argv);
}
