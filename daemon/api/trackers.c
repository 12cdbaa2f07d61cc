/* /api/v1/trackers (tracker instances, their test, identities), the asset
 * binding and the webhook endpoints. Secrets go in (token,
 * webhook_secret) and never come out. The handlers never call a tracker,
 * except POST .../test, which runs conn_check directly with a short
 * timeout (15 s per request, 2 attempts) because the caller waits for the
 * verdict. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "common/mem.h"
#include "common/rc.h"
#include "common/str.h"
#include "daemon/auth/auth.h"
#include "daemon/tickets.h"
#include "db/jobs.h"
#include "db/q_ticket.h"

static const char *const tracker_fields[] = {
	"name", "kind", "mode", "base_url", "project", "issue_type", "labels", "fields", "user", "token",
	"webhook_secret", "close_status", "reopen_status", NULL,
};

static bool admin_only(struct http_req *req, struct http_resp *resp)
{
	if (auth_role_in(req, "admin"))
		return true;
	auth_forbid(resp, "tracker configuration needs the admin role");
	return false;
}

static bool tracker_id(struct http_req *req, struct http_resp *resp, long long *id)
{
	if (str_to_ll(http_param(req, "id"), 1, 9223372036854775807LL, id) == FF_OK)
		return true;
	http_problem(resp, 404, "Not found", NULL, "no tracker '%s'", http_param(req, "id"));
	return false;
}

static int bad(struct http_resp *resp, const char *field, const char *what)
{
	char ptr[80];
	api_pointer(ptr, sizeof(ptr), field);
	http_problem(resp, 422, "Invalid field", ptr, "%s %s", field, what);
	return -1;
}

static int check_string(json_t *b, const char *name, bool required, struct http_resp *resp)
{
	json_t *v = json_object_get(b, name);
	if (!v)
		return required ? bad(resp, name, "is required") : 0;
	if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > 2000)
		return bad(resp, name, "must be a non-empty string of at most 2000 characters");
	return 0;
}

static int check_enum(json_t *b, const char *name, const char *const *allowed, struct http_resp *resp)
{
	const char *v = json_string_value(json_object_get(b, name));
	if (!json_object_get(b, name))
		return 0;
	for (int i = 0; v && allowed[i]; i++)
		if (strcmp(v, allowed[i]) == 0)
			return 0;
	return bad(resp, name, "has a value that is not allowed");
}

/* validation shared by create (required = true) and patch */
static int check_tracker(json_t *b, bool create, struct http_resp *resp)
{
	static const char *const str_req[] = { "name", "kind", "base_url", "project", "token", NULL };
	static const char *const str_opt[] = { "issue_type", "user", "webhook_secret", "close_status", "reopen_status",
					       "mode", NULL };
	static const char *const kinds[] = { "jira", "gitlab", "redmine", NULL };
	static const char *const modes[] = { "default", "cloud", "dc", NULL };
	if (api_check_fields(b, tracker_fields, resp))
		return -1;
	if (!create && json_object_get(b, "kind"))
		return bad(resp, "kind", "cannot change (create another tracker)");
	for (int i = 0; str_req[i]; i++)
		if (check_string(b, str_req[i], create, resp))
			return -1;
	for (int i = 0; str_opt[i]; i++)
		if (check_string(b, str_opt[i], false, resp))
			return -1;
	if (check_enum(b, "kind", kinds, resp) || check_enum(b, "mode", modes, resp))
		return -1;
	const char *url = json_string_value(json_object_get(b, "base_url"));
	if (url && strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)
		return bad(resp, "base_url", "must start with https:// (or http://)");
	const char *kind = json_string_value(json_object_get(b, "kind"));
	if (create && kind && strcmp(kind, "jira") == 0 && !json_object_get(b, "mode"))
		return bad(resp, "mode", "is required for Jira (cloud or dc)");
	json_t *l = json_object_get(b, "labels"), *v;
	size_t i;
	if (l && (!json_is_array(l) || json_array_size(l) > 16))
		return bad(resp, "labels", "must be an array of at most 16 labels");
	json_array_foreach(l, i, v)
		if (!json_is_string(v) || !json_string_length(v) || strchr(json_string_value(v), ' '))
			return bad(resp, "labels", "must hold non-empty labels without spaces");
	json_t *f = json_object_get(b, "fields");
	if (f && (!json_is_object(f) || json_object_size(f) > 16))
		return bad(resp, "fields", "must be an object of at most 16 remote field names and JSON values");
	return 0;
}

static void answer_json(struct http_resp *resp, int rc, struct db *db, int status, char *out, const char *what)
{
	if (rc == FF_OK)
		http_json(resp, status, out);
	else if (rc == FF_ENOTFOUND)
		http_problem(resp, 404, "Not found", NULL, "%s", what);
	else if (rc == FF_ECONFLICT)
		http_problem(resp, 409, "Conflict", "/name", "a tracker with that name exists");
	else
		http_db_error(resp, rc, db);
}

/* token and secret out of the body: they go to the sealed columns only */
static char *take(json_t *b, const char *name)
{
	const char *v = json_string_value(json_object_get(b, name));
	char *s = v ? xstrdup(v) : NULL;
	json_object_del(b, name);
	return s;
}

static void tracker_write(struct http_req *req, struct http_resp *resp, struct db *db, bool create)
{
	long long id = 0;
	json_t *b = NULL;
	char *token = NULL, *secret = NULL, *in = NULL, *out = NULL, idbuf[24];
	uint8_t key[32];
	if (!admin_only(req, resp) || (!create && !tracker_id(req, resp, &id)))
		return;
	if (!(b = api_body_object(req, resp)) || check_tracker(b, create, resp))
		goto out;
	if (tickets_key(key)) {
		http_problem(resp, 500, "Internal error", NULL, "the secrets key could not be loaded");
		goto out;
	}
	token = take(b, "token");
	secret = take(b, "webhook_secret");
	in = json_dumps(b, JSON_COMPACT);
	struct audit_actor a;
	auth_actor(req, &a, idbuf, sizeof(idbuf));
	int rc = create ? tracker_create(db, req->who.org_id, in, token, secret, key, &a, &out)
			: tracker_patch(db, req->who.org_id, id, in, token, secret, key, &a, &out);
	answer_json(resp, rc, db, create ? 201 : 200, out, "no such tracker");
out:
	json_decref(b);
	free(token);
	free(secret);
	free(in);
}

void api_tracker_create(struct http_req *req, struct http_resp *resp, struct db *db)
{
	tracker_write(req, resp, db, true);
}

void api_tracker_patch(struct http_req *req, struct http_resp *resp, struct db *db)
{
	tracker_write(req, resp, db, false);
}

void api_tracker_list(struct http_req *req, struct http_resp *resp, struct db *db)
{
	char *out = NULL;
	int rc = tracker_list_json(db, req->who.org_id, &out);
	answer_json(resp, rc, db, 200, out, "");
}

void api_tracker_get(struct http_req *req, struct http_resp *resp, struct db *db)
{
	long long id;
	char *out = NULL;
	if (!tracker_id(req, resp, &id))
		return;
	int rc = tracker_get_json(db, req->who.org_id, id, &out);
	answer_json(resp, rc, db, 200, out, "no such tracker");
}

void api_tracker_test(struct http_req *req, struct http_resp *resp, struct db *db)
{
	long long id;
	char msg[600];
	if (!admin_only(req, resp) || !tracker_id(req, resp, &id))
		return;
	int rc = tickets_test(db, req->who.org_id, id, msg, sizeof(msg));
	if (rc == FF_ENOTFOUND && strcmp(msg, "no such tracker") == 0) {
		http_problem(resp, 404, "Not found", NULL, "no tracker %lld", id);
		return;
	}
	static const struct {
		int rc;
		const char *problem;
	} kinds[] = { { FF_OK, "ok" }, { FF_EUNAUTH, "credentials" }, { FF_EFORBIDDEN, "permission" },
		      { FF_ENOTFOUND, "project" }, { FF_ETEMP, "unreachable" } };
	const char *problem = "error";
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (kinds[i].rc == rc)
			problem = kinds[i].problem;
	json_t *o = json_pack("{s:b, s:s, s:s}", "ok", rc == FF_OK, "problem", problem, "detail", msg);
	http_json(resp, 200, json_dumps(o, JSON_COMPACT));
	json_decref(o);
}

void api_tracker_identities(struct http_req *req, struct http_resp *resp, struct db *db)
{
	long long id;
	char *out = NULL;
	if (!tracker_id(req, resp, &id))
		return;
	int rc = identity_list_json(db, req->who.org_id, id, &out);
	answer_json(resp, rc, db, 200, out, "no such tracker");
}

void api_tracker_identity_put(struct http_req *req, struct http_resp *resp, struct db *db)
{
	static const char *const allowed[] = { "user", "remote_id", "remote_name", NULL };
	long long id;
	char *out = NULL, idbuf[24];
	json_t *b = NULL;
	if (!admin_only(req, resp) || !tracker_id(req, resp, &id))
		return;
	if (!(b = api_body_object(req, resp)) || api_check_fields(b, allowed, resp) ||
	    check_string(b, "user", true, resp) || check_string(b, "remote_id", true, resp) ||
	    check_string(b, "remote_name", false, resp))
		goto out;
	struct audit_actor a;
	auth_actor(req, &a, idbuf, sizeof(idbuf));
	int rc = identity_put(db, req->who.org_id, id, json_string_value(json_object_get(b, "user")),
			      json_string_value(json_object_get(b, "remote_id")),
			      json_string_value(json_object_get(b, "remote_name")), "admin", &a, &out);
	if (rc == FF_ECONFLICT)
		http_problem(resp, 409, "Conflict", "/remote_id", "that remote account belongs to another user");
	else
		answer_json(resp, rc, db, 200, out, "no such tracker or user in this organisation");
out:
	json_decref(b);
}

void api_tracker_identity_match(struct http_req *req, struct http_resp *resp, struct db *db)
{
	long long id, job = 0;
	char *out = NULL, pl[64];
	if (!admin_only(req, resp) || !tracker_id(req, resp, &id))
		return;
	int rc = tracker_get_json(db, req->who.org_id, id, &out);
	free(out);
	if (rc == FF_OK) {
		snprintf(pl, sizeof(pl), "{\"tracker_id\":%lld}", id);
		rc = job_enqueue(db, req->who.org_id, "ticket.identities", pl, NULL, 0, 0, &job);
	}
	if (rc == FF_ENOTFOUND) {
		http_problem(resp, 404, "Not found", NULL, "no tracker %lld", id);
		return;
	}
	if (rc) {
		http_db_error(resp, rc, db);
		return;
	}
	json_t *j = json_pack("{s:s, s:I}", "status", "queued", "job", (json_int_t)job);
	http_json(resp, 202, json_dumps(j, JSON_COMPACT));
	json_decref(j);
}

void api_asset_tracker(struct http_req *req, struct http_resp *resp, struct db *db)
{
	static const char *const allowed[] = { "tracker_id", "project", NULL };
	char *out = NULL, idbuf[24];
	json_t *b = NULL;
	if (!auth_role_in(req, "admin|security")) {
		auth_forbid(resp, "binding an asset to a tracker needs the admin or security role");
		return;
	}
	if (!(b = api_body_object(req, resp)) || api_check_fields(b, allowed, resp))
		goto out;
	json_t *t = json_object_get(b, "tracker_id");
	if (!json_is_integer(t) && !json_is_null(t)) {
		bad(resp, "tracker_id", "must be a tracker id (or null to unbind)");
		goto out;
	}
	if (check_string(b, "project", false, resp))
		goto out;
	struct audit_actor a;
	auth_actor(req, &a, idbuf, sizeof(idbuf));
	int rc = asset_tracker_bind(db, req->who.org_id, http_param(req, "slug"),
				    json_is_integer(t) ? json_integer_value(t) : 0,
				    json_string_value(json_object_get(b, "project")), &a, &out);
	answer_json(resp, rc, db, 200, out, "no such asset or tracker");
out:
	json_decref(b);
}

/* ---- webhooks: no bearer auth, the signature / token is the auth ---- */

static void webhook(struct http_req *req, struct http_resp *resp, struct db *db, const char *kind)
{
	static const char *const names[] = {
		"Content-Type", "X-Hub-Signature", "X-Atlassian-Webhook-Identifier", "X-Atlassian-Webhook-Retry",
		"X-Gitlab-Token", "X-Gitlab-Event", "X-Gitlab-Event-UUID", "Idempotency-Key",
		"X-Redmine-Signature-256",
	};
	struct http_header h[sizeof(names) / sizeof(names[0])];
	int n = 0;
	long long id, delivery = 0;
	char err[400];
	if (str_to_ll(http_param(req, "tracker_id"), 1, 9223372036854775807LL, &id)) {
		http_problem(resp, 404, "Not found", NULL, "no tracker '%s'", http_param(req, "tracker_id"));
		return;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *v = http_header(req, names[i]);
		if (v)
			h[n++] = (struct http_header){ names[i], v, 1 };
	}
	struct conn_webhook_in in = { .headers = h, .nheaders = n, .body = req->body.data ? req->body.data : "",
				      .body_len = req->body.len };
	int rc = tickets_webhook(db, id, kind, &in, &delivery, err, sizeof(err));
	if (rc == FF_OK && delivery == 0) {
		json_t *j = json_pack("{s:s, s:s}", "status", "ignored", "reason", err);
		http_json(resp, 200, json_dumps(j, JSON_COMPACT));
		json_decref(j);
	} else if (rc == FF_OK) {
		char *o = NULL;
		json_t *j = json_pack("{s:s, s:I}", "status", "queued", "delivery", (json_int_t)delivery);
		o = json_dumps(j, JSON_COMPACT);
		json_decref(j);
		http_json(resp, 202, o);
	} else if (rc == FF_ECONFLICT) {
		http_json_const(resp, 200, "{\"status\":\"ignored\",\"reason\":\"delivery seen before\"}");
	} else if (rc == FF_EUNAUTH) {
		http_problem(resp, 401, "Unauthorized", NULL, "webhook signature or token refused: %s", err);
	} else if (rc == FF_ENOTFOUND) {
		http_problem(resp, 404, "Not found", NULL, "%s", err);
	} else if (rc == FF_EINVAL) {
		http_problem(resp, 400, "Bad request", NULL, "unreadable webhook body: %s", err);
	} else {
		http_db_error(resp, rc, db);
	}
}

void api_webhook_jira(struct http_req *req, struct http_resp *resp, struct db *db)
{
	webhook(req, resp, db, "jira");
}

void api_webhook_gitlab(struct http_req *req, struct http_resp *resp, struct db *db)
{
	webhook(req, resp, db, "gitlab");
}

void api_webhook_redmine(struct http_req *req, struct http_resp *resp, struct db *db)
{
	webhook(req, resp, db, "redmine");
}
