/* Workflow commands over REST: POST /api/v1/findings/{id}/actions for one
 * finding, POST /api/v1/findings/actions for a selection (ids or a
 * filter). Both end in workflow_apply (db/q_workflow.c); a bulk command
 * runs one transaction per finding, so each gets its own verdict and
 * event. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "common/fftime.h"
#include "common/mem.h"
#include "common/rc.h"
#include "common/str.h"
#include "daemon/auth/auth.h"
#include "db/q_workflow.h"

#define BULK_MAX 5000

/* the string members of a command body and where they go in wf_data */
static const struct {
	const char *name;
	size_t off;
} data_fields[] = {
	{ "justification", offsetof(struct wf_data, justification) },
	{ "review_date", offsetof(struct wf_data, review_date) },
	{ "revalidation_date", offsetof(struct wf_data, revalidation_date) },
	{ "due_date", offsetof(struct wf_data, due_date) },
	{ "recipient_email", offsetof(struct wf_data, recipient_email) },
	{ "recipient_name", offsetof(struct wf_data, recipient_name) },
	{ "tracker", offsetof(struct wf_data, tracker) },
	{ "assignee", offsetof(struct wf_data, assignee) },
	{ "vector", offsetof(struct wf_data, vector) },
	{ "text", offsetof(struct wf_data, text) },
	{ "vex_justification", offsetof(struct wf_data, vex_justification) },
};

static const char *const single_allowed[] = {
	"action", "justification", "review_date", "revalidation_date", "due_date", "recipient_email",
	"recipient_name", "tracker", "assignee", "vector", "text", "vex_justification", "message",
	"row_version", NULL,
};
static const char *const bulk_allowed[] = {
	"action", "justification", "review_date", "revalidation_date", "due_date", "recipient_email",
	"recipient_name", "tracker", "assignee", "vector", "text", "vex_justification", "message",
	"ids", "filter", NULL,
};

static int bad_field(struct http_resp *resp, const char *name, const char *what)
{
	char ptr[80];
	api_pointer(ptr, sizeof(ptr), name);
	http_problem(resp, 422, "Validation failed", ptr, "%s %s", name, what);
	return -1;
}

/* reads action and data from body into cmd (strings borrowed from body) */
static int parse_command(json_t *body, struct http_resp *resp, struct workflow_cmd *cmd)
{
	json_t *a = json_object_get(body, "action");
	if (!json_is_string(a))
		return bad_field(resp, "action", "is required: the name of a workflow event (e.g. accept)");
	if (wf_event_parse(json_string_value(a), &cmd->event)) {
		char names[400];
		wf_event_mask_format((1u << WF_EV_COUNT) - 1, names, sizeof(names));
		http_problem(resp, 422, "Validation failed", "/action", "'%s' is not an action; actions are %s",
			     json_string_value(a), names);
		return -1;
	}
	for (size_t i = 0; i < sizeof(data_fields) / sizeof(data_fields[0]); i++) {
		json_t *v = json_object_get(body, data_fields[i].name);
		if (!v || json_is_null(v))
			continue;
		if (!json_is_string(v))
			return bad_field(resp, data_fields[i].name, "must be a string");
		*(const char **)(void *)((char *)&cmd->data + data_fields[i].off) = json_string_value(v);
	}
	json_t *m = json_object_get(body, "message");
	if (m && !json_is_null(m) && !json_is_string(m))
		return bad_field(resp, "message", "must be a string");
	cmd->message = json_string_value(m);
	json_t *rv = json_object_get(body, "row_version");
	if (rv && !json_is_null(rv) && (!json_is_integer(rv) || json_integer_value(rv) < 1))
		return bad_field(resp, "row_version", "must be a positive integer (the finding's row_version)");
	cmd->expect_version = rv ? (int)json_integer_value(rv) : 0;
	return 0;
}

/* the problem document of a refused command: 409 names the current state
 * and the allowed events, 422 points at the field */
static void refusal(struct http_resp *resp, const struct workflow_result *r)
{
	static const struct {
		int status;
		const char *title;
	} titles[] = { { 403, "Forbidden" }, { 404, "Not found" }, { 409, "Conflict" }, { 422, "Validation failed" } };
	int st = 500;
	const char *title = "Internal error";
	for (size_t i = 0; i < sizeof(titles) / sizeof(titles[0]); i++)
		if (titles[i].status == r->status) {
			st = r->status;
			title = titles[i].title;
		}
	char ptr[80] = "";
	if (st == 422 && r->res.field)
		api_pointer(ptr, sizeof(ptr), r->res.field);
	http_problem(resp, st, title, ptr[0] ? ptr : NULL, "%s", r->detail);
	if (st != 409)
		return;
	json_t *p = json_loads(resp->body, 0, NULL);
	json_object_set_new(p, "state", json_string(r->from));
	json_t *allowed = json_array();
	char tmp[sizeof(r->allowed)];
	snprintf(tmp, sizeof(tmp), "%s", r->allowed);
	for (char *s = tmp, *e; s && *s; s = e ? e + 2 : NULL) {
		e = strstr(s, ", ");
		if (e)
			*e = '\0';
		json_array_append_new(allowed, json_string(s));
	}
	json_object_set_new(p, "allowed_events", allowed);
	json_object_set_new(p, "stale", json_boolean(r->stale));
	char detail[1024];
	snprintf(detail, sizeof(detail), "%s (state %s; allowed events: %s)", r->detail, r->from,
		 r->allowed[0] ? r->allowed : "none");
	json_object_set_new(p, "detail", json_string(detail));
	http_json(resp, 409, json_dumps(p, JSON_COMPACT));
	resp->content_type = "application/problem+json";
	json_decref(p);
}

static void fill_actor(struct http_req *req, struct workflow_cmd *cmd, struct audit_actor *a, char *idbuf,
		       size_t idlen)
{
	auth_actor(req, a, idbuf, idlen);
	cmd->org_id = req->who.org_id;
	cmd->actor_kind = WF_ACTOR_USER;
	cmd->user_id = req->who.user_id;
	cmd->audit = a;
	cmd->now_ms = ff_now_ms();
}

void api_finding_action(struct http_req *req, struct http_resp *resp, struct db *db)
{
	long long id;
	if (str_to_ll(http_param(req, "id"), 1, 9223372036854775807LL, &id)) {
		http_problem(resp, 404, "Not found", NULL, "no finding '%s'", http_param(req, "id"));
		return;
	}
	json_t *body = api_body_object(req, resp);
	if (!body || api_check_fields(body, single_allowed, resp))
		goto out;
	struct workflow_cmd cmd = { .finding_id = id };
	struct audit_actor actor;
	char idbuf[24];
	if (parse_command(body, resp, &cmd))
		goto out;
	fill_actor(req, &cmd, &actor, idbuf, sizeof(idbuf));
	struct workflow_result r;
	int rc = workflow_apply(db, &cmd, &r);
	if (rc == FF_OK) {
		json_t *o = json_pack("{s:I, s:s, s:s, s:i}", "finding_id", (json_int_t)id, "state", r.to, "from_state",
				      r.from, "row_version", r.row_version);
		json_object_set_new(o, "event", json_loads(r.event_json, 0, NULL));
		http_json(resp, 200, json_dumps(o, JSON_COMPACT));
		json_decref(o);
	} else if (r.status == 500) {
		http_db_error(resp, rc, db);
	} else {
		refusal(resp, &r);
	}
	workflow_result_clear(&r);
out:
	json_decref(body);
}

/* ids of a bulk command: the "ids" array or the findings "filter" selects */
static int bulk_ids(struct http_req *req, struct http_resp *resp, struct db *db, json_t *body, long long **ids,
		    int *n)
{
	json_t *arr = json_object_get(body, "ids"), *flt = json_object_get(body, "filter");
	if ((arr != NULL) == (flt != NULL)) {
		http_problem(resp, 422, "Validation failed", "/ids", "give either ids (an array of finding ids) or filter");
		return -1;
	}
	if (arr) {
		if (!json_is_array(arr) || json_array_size(arr) == 0 || json_array_size(arr) > BULK_MAX)
			return bad_field(resp, "ids", "must be an array of 1 to 5000 finding ids");
		*n = (int)json_array_size(arr);
		*ids = xcalloc((size_t)*n, sizeof(**ids));
		for (int i = 0; i < *n; i++) {
			json_t *v = json_array_get(arr, (size_t)i);
			if (!json_is_integer(v) || json_integer_value(v) < 1) {
				char ptr[32];
				snprintf(ptr, sizeof(ptr), "/ids/%d", i);
				http_problem(resp, 422, "Validation failed", ptr, "ids must hold positive integers");
				return -1;
			}
			(*ids)[i] = json_integer_value(v);
		}
		return 0;
	}
	static const char *const fallowed[] = { "asset", "state", "severity", "kind", "cve", NULL };
	if (!json_is_object(flt))
		return bad_field(resp, "filter", "must be an object with asset, state, severity, kind or cve");
	if (api_check_fields(flt, fallowed, resp))
		return -1;
	struct workflow_filter f = {
		.asset = json_string_value(json_object_get(flt, "asset")),
		.state = json_string_value(json_object_get(flt, "state")),
		.severity = json_string_value(json_object_get(flt, "severity")),
		.kind = json_string_value(json_object_get(flt, "kind")),
		.cve = json_string_value(json_object_get(flt, "cve")),
		.restrict_user_id = auth_role_in(req, "member") ? req->who.user_id : 0,
	};
	int rc = workflow_select(db, req->who.org_id, &f, BULK_MAX, ids, n);
	if (rc == FF_ETOOBIG) {
		http_problem(resp, 422, "Validation failed", "/filter", "the filter selects more than %d findings", BULK_MAX);
		return -1;
	}
	if (rc) {
		http_db_error(resp, rc, db);
		return -1;
	}
	return 0;
}

static json_t *bulk_item(long long id, const struct workflow_result *r)
{
	json_t *o = json_pack("{s:I, s:i, s:s}", "id", (json_int_t)id, "status", r->status, "state",
			      r->status == 200 ? r->to : r->from);
	if (r->status == 200) {
		json_t *ev = json_loads(r->event_json, 0, NULL);
		json_object_set(o, "event_id", json_object_get(ev, "id"));
		json_decref(ev);
		return o;
	}
	json_object_set_new(o, "detail", json_string(r->detail));
	if (r->status == 422 && r->res.field) {
		char ptr[80];
		api_pointer(ptr, sizeof(ptr), r->res.field);
		json_object_set_new(o, "pointer", json_string(ptr));
	}
	if (r->status == 409)
		json_object_set_new(o, "allowed_events", json_string(r->allowed));
	return o;
}

void api_finding_bulk_action(struct http_req *req, struct http_resp *resp, struct db *db)
{
	long long *ids = NULL;
	int n = 0, applied = 0;
	json_t *body = api_body_object(req, resp);
	if (!body || api_check_fields(body, bulk_allowed, resp))
		goto out;
	struct workflow_cmd cmd = { 0 };
	struct audit_actor actor;
	char idbuf[24];
	if (parse_command(body, resp, &cmd) || bulk_ids(req, resp, db, body, &ids, &n))
		goto out;
	fill_actor(req, &cmd, &actor, idbuf, sizeof(idbuf));
	json_t *items = json_array();
	for (int i = 0; i < n; i++) {
		struct workflow_result r;
		cmd.finding_id = ids[i];
		int rc = workflow_apply(db, &cmd, &r);
		applied += rc == FF_OK;
		json_array_append_new(items, bulk_item(ids[i], &r));
		workflow_result_clear(&r);
	}
	json_t *o = json_pack("{s:s, s:i, s:i, s:i, s:o}", "action", wf_event_name(cmd.event), "selected", n,
			      "applied", applied, "refused", n - applied, "results", items);
	http_json(resp, 200, json_dumps(o, JSON_COMPACT));
	json_decref(o);
out:
	free(ids);
	json_decref(body);
}
