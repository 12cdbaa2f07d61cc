/* Jira backend: Cloud REST v3 (ADF bodies, Basic e-mail:token, enhanced
 * JQL search with nextPageToken) and Data Center REST v2 (wiki strings,
 * Bearer PAT or Basic, startAt paging). protocols.md section 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/mem.h"
#include "common/rc.h"
#include "connectors/conn_impl.h"
#include "jira.h"

static int cloud(const struct conn *c)
{
	return c->mode == CONN_MODE_CLOUD;
}

static int jira_init(struct conn *c)
{
	if (c->mode == CONN_MODE_DEFAULT)
		c->mode = strstr(c->base_url, ".atlassian.net") ? CONN_MODE_CLOUD : CONN_MODE_DC;
	c->api = cloud(c) ? "/rest/api/3" : "/rest/api/2";
	if (cloud(c) && (!c->user || !*c->user)) {
		conn_set_error(c, "jira cloud needs user (the account e-mail) with the api token");
		return FF_EINVAL;
	}
	if (c->user && *c->user) {
		c->basic = 1;
	} else {
		c->auth_value = xasprintf("Bearer %s", c->token);
		c->auth[0] = (struct http_header){ "Authorization", c->auth_value, 1 };
		c->nauth = 1;
	}
	if (!c->issue_type)
		c->issue_type = xstrdup("Bug");
	return FF_OK;
}

static enum conn_status jira_status_map(const char *category)
{
	static const char *const done[] = { "done", NULL }, *const open[] = { "new", "indeterminate", NULL };
	return conn_status_by_name(category, done, open);
}

static void issue_from_json(const struct conn *c, const json_t *j, struct conn_issue *out)
{
	cj_id(j, "id", out->id, sizeof(out->id));
	cj_id(j, "key", out->key, sizeof(out->key));
	snprintf(out->url, sizeof(out->url), "%s/browse/%s", c->base_url, out->key);
	const json_t *st = cj_path(j, "fields.status");
	snprintf(out->status_name, sizeof(out->status_name), "%s", cj_str(st, "name"));
	out->status = jira_status_map(cj_str(json_object_get(st, "statusCategory"), "key"));
	snprintf(out->updated, sizeof(out->updated), "%s", cj_str(json_object_get(j, "fields"), "updated"));
}

static int jira_whoami(struct conn *c, char *id, size_t idlen, char *name, size_t namelen)
{
	return conn_whoami_get(c, "/myself", NULL, cloud(c) ? "accountId" : "name", "displayName", id, idlen, name,
			       namelen);
}

static json_t *rich_text(const struct conn *c, const char *text)
{
	return cloud(c) ? jira_adf_from_text(text) : json_string(text ? text : "");
}

static json_t *labels_json(const struct conn *c, const struct conn_issue_spec *spec)
{
	json_t *l = json_array();
	for (int i = 0; i < c->nlabels; i++)
		json_array_append_new(l, json_string(c->labels[i]));
	for (int i = 0; i < spec->nlabels; i++)
		json_array_append_new(l, json_string(spec->labels[i]));
	if (spec->key)
		json_array_append_new(l, json_string(spec->key));
	return l;
}

static int description_json(const struct conn *c, const struct conn_issue_spec *spec, json_t **out)
{
	char marker[128];
	conn_marker(spec->key ? spec->key : "", marker, sizeof(marker));
	if (cloud(c) && spec->body_adf) {
		json_error_t e;
		*out = json_loads(spec->body_adf, 0, &e);
		if (!json_is_object(*out)) {
			conn_set_error((struct conn *)c, "body_adf is not a JSON object: %s", e.text);
			return FF_EINVAL;
		}
		json_array_append_new(json_object_get(*out, "content"),
				      json_pack("{s:s, s:[{s:s, s:s}]}", "type", "paragraph", "content",
						"type", "text", "text", marker));
		return FF_OK;
	}
	char *text = xasprintf("%s\n\n%s", spec->body ? spec->body : "", marker);
	*out = rich_text(c, text);
	free(text);
	return FF_OK;
}

static int add_mapped_fields(struct conn *c, json_t *fields)
{
	for (int i = 0; i < c->nfields; i++) {
		json_t *v = json_loads(c->fields[i].json, JSON_DECODE_ANY, NULL);
		if (!v) {
			conn_set_error(c, "field mapping %s is not JSON", c->fields[i].name);
			return FF_EINVAL;
		}
		json_object_set_new(fields, c->fields[i].name, v);
	}
	return FF_OK;
}

static json_t *fields_json(struct conn *c, const struct conn_issue_spec *spec, int create)
{
	json_t *f = json_object();
	json_t *desc = NULL;
	if (create) {
		json_object_set_new(f, "project", json_pack("{s:s}", "key", c->project));
		json_object_set_new(f, "issuetype", json_pack("{s:s}", "name", c->issue_type));
		if (add_mapped_fields(c, f) != FF_OK)
			goto fail;
	}
	if (spec->title)
		json_object_set_new(f, "summary", json_string(spec->title));
	if (spec->body || spec->body_adf) {
		if (description_json(c, spec, &desc) != FF_OK)
			goto fail;
		json_object_set_new(f, "description", desc);
	}
	json_object_set_new(f, "labels", labels_json(c, spec));
	if (spec->assignee)
		json_object_set_new(f, "assignee",
				    json_pack("{s:s}", cloud(c) ? "accountId" : "name", spec->assignee));
	if (spec->due_date)
		json_object_set_new(f, "duedate", json_string(spec->due_date));
	return f;
fail:
	json_decref(f);
	return NULL;
}

static int jira_create(struct conn *c, const struct conn_issue_spec *spec, struct conn_issue *out)
{
	struct conn_reply r = { 0 };
	int rc = FF_EINVAL;
	json_t *fields = fields_json(c, spec, 1);
	if (!fields)
		goto out;
	json_t *body = json_pack("{s:o}", "fields", fields);
	rc = conn_call(c, "POST", "/issue", body, &r);
	json_decref(body);
	if (rc != FF_OK)
		goto out;
	issue_from_json(c, r.json, out);
	out->status = CONN_STATUS_OPEN;
	if (!out->id[0]) {
		conn_set_error(c, "create answered without an issue id");
		rc = FF_EPERM;
	}
out:
	conn_reply_free(&r);
	return rc;
}

static int jira_update(struct conn *c, const char *id, const struct conn_issue_spec *spec)
{
	struct conn_reply r;
	json_t *fields = fields_json(c, spec, 0);
	if (!fields)
		return FF_EINVAL;
	json_t *body = json_pack("{s:o}", "fields", fields);
	char *path = xasprintf("/issue/%s", id);
	int rc = conn_call(c, "PUT", path, body, &r);
	conn_reply_free(&r);
	json_decref(body);
	free(path);
	return rc;
}

static int jira_get(struct conn *c, const char *id, struct conn_issue *out)
{
	struct conn_reply r;
	char *path = xasprintf("/issue/%s?fields=status,updated,summary,labels,resolution", id);
	int rc = conn_call(c, "GET", path, NULL, &r);
	if (rc == FF_OK)
		issue_from_json(c, r.json, out);
	conn_reply_free(&r);
	free(path);
	return rc;
}

/* one page of a JQL search: Cloud /search/jql with a token, DC /search
 * with startAt. *next gets the next token (Cloud) or "" at the end. */
static int search_page(struct conn *c, const char *jql, int max, const char *token, long start,
		       struct conn_reply *r)
{
	char *q = hc_url_escape(jql);
	char *tok = token && *token ? hc_url_escape(token) : NULL;
	char *path = NULL;
	if (cloud(c))
		path = xasprintf("/search/jql?jql=%s&fields=status,updated,summary,labels&maxResults=%d%s%s",
				 q, max, tok ? "&nextPageToken=" : "", tok ? tok : "");
	else
		path = xasprintf("/search?jql=%s&fields=status,updated,summary,labels&maxResults=%d&startAt=%ld",
				 q, max, start);
	int rc = conn_call(c, "GET", path, NULL, r);
	free(q);
	free(tok);
	free(path);
	return rc;
}

static int jira_find(struct conn *c, const char *key, struct conn_issue *out)
{
	struct conn_reply r;
	char *jql = xasprintf("project = \"%s\" AND labels = \"%s\"", c->project, key);
	int rc = search_page(c, jql, 5, NULL, 0, &r);
	if (rc == FF_OK) {
		const json_t *first = json_array_get(json_object_get(r.json, "issues"), 0);
		if (first)
			issue_from_json(c, first, out);
		else
			rc = FF_ENOTFOUND;
	}
	conn_reply_free(&r);
	free(jql);
	return rc;
}

static int jira_comment(struct conn *c, const char *id, const char *text, char *cid, size_t cidlen)
{
	struct conn_reply r;
	json_t *body = json_pack("{s:o}", "body", rich_text(c, text));
	char *path = xasprintf("/issue/%s/comment", id);
	int rc = conn_call(c, "POST", path, body, &r);
	if (rc == FF_OK && !cj_id(r.json, "id", cid, cidlen)) {
		conn_set_error(c, "comment answered without an id");
		rc = FF_EPERM;
	}
	conn_reply_free(&r);
	json_decref(body);
	free(path);
	return rc;
}

/* the comments page by page (startAt, maxResults, total); the body is
 * searched as JSON text, which holds the needle as written in ADF and in
 * wiki text alike */
static int jira_comment_find(struct conn *c, const char *id, const char *needle, char *cid, size_t cidlen)
{
	long start = 0, total = 0;
	int rc = FF_ENOTFOUND;
	do {
		struct conn_reply r;
		char *path = xasprintf("/issue/%s/comment?startAt=%ld&maxResults=%d", id, start, c->page_size);
		int crc = conn_call(c, "GET", path, NULL, &r);
		free(path);
		const json_t *list = json_object_get(r.json, "comments");
		total = (long)json_integer_value(json_object_get(r.json, "total"));
		size_t i, n = json_array_size(list);
		json_t *cm;
		json_array_foreach(crc == FF_OK ? list : NULL, i, cm) {
			char author[128] = "";
			cj_id(json_object_get(cm, "author"), cloud(c) ? "accountId" : "name", author, sizeof(author));
			if (strcmp(author, c->self_id) != 0)
				continue;
			char *body = json_dumps(json_object_get(cm, "body"), JSON_ENCODE_ANY);
			int hit = body && strstr(body, needle);
			free(body);
			if (hit && cj_id(cm, "id", cid, cidlen)) {
				rc = FF_OK;
				break;
			}
		}
		conn_reply_free(&r);
		if (crc != FF_OK)
			return crc;
		if (rc == FF_OK || n == 0)
			break;
		start += (long)n;
	} while (start < total);
	return rc;
}

/* the transition whose target is in the wanted category: done for DONE;
 * for OPEN a "new" target is preferred over "indeterminate" */
static const char *pick_transition(const json_t *list, enum conn_status target)
{
	const char *second = NULL;
	size_t i;
	json_t *t;
	json_array_foreach(list, i, t) {
		const char *cat = cj_str(cj_path(t, "to.statusCategory"), "key");
		const char *id = cj_str(t, "id");
		if (target == CONN_STATUS_DONE && strcmp(cat, "done") == 0)
			return id;
		if (target == CONN_STATUS_OPEN && strcmp(cat, "new") == 0)
			return id;
		if (target == CONN_STATUS_OPEN && strcmp(cat, "indeterminate") == 0 && !second)
			second = id;
	}
	return second;
}

static int jira_status_set(struct conn *c, const char *id, enum conn_status target)
{
	struct conn_issue cur = { 0 };
	struct conn_reply r = { 0 };
	char *path = NULL;
	json_t *body = NULL;
	int rc = jira_get(c, id, &cur);
	if (rc != FF_OK || cur.status == target)
		goto out;
	path = xasprintf("/issue/%s/transitions", id);
	rc = conn_call(c, "GET", path, NULL, &r);
	if (rc != FF_OK)
		goto out;
	const char *tid = pick_transition(json_object_get(r.json, "transitions"), target);
	if (!tid || !*tid) {
		conn_set_error(c, "no transition of issue %s leads to a %s status", id,
			       target == CONN_STATUS_DONE ? "done" : "to-do");
		rc = FF_EPERM;
		goto out;
	}
	body = json_pack("{s:{s:s}}", "transition", "id", tid);
	conn_reply_free(&r);
	rc = conn_call(c, "POST", path, body, &r);
out:
	conn_reply_free(&r);
	json_decref(body);
	free(path);
	return rc;
}

/* "2024-05-01T10:07:33Z" -> "2024/05/01 10:07" (JQL has minute resolution;
 * the caller's overlap and de-duplication make up for it) */
static int jql_time(const char *iso, char *out, size_t outlen)
{
	int y, mo, d, h, mi;
	if (!iso || sscanf(iso, "%4d-%2d-%2dT%2d:%2d", &y, &mo, &d, &h, &mi) != 5)
		return FF_EINVAL;
	snprintf(out, outlen, "%04d/%02d/%02d %02d:%02d", y, mo, d, h, mi);
	return FF_OK;
}

static int page_issues(struct conn *c, const json_t *issues, conn_issue_cb cb, void *ud)
{
	size_t i;
	json_t *it;
	json_array_foreach(issues, i, it) {
		struct conn_issue is = { 0 };
		issue_from_json(c, it, &is);
		int stop = cb(&is, ud);
		if (stop)
			return stop;
	}
	return FF_OK;
}

static int jira_list_changed(struct conn *c, const char *since, conn_issue_cb cb, void *ud)
{
	char when[32], token[1024] = "";
	int rc = jql_time(since, when, sizeof(when));
	if (rc != FF_OK) {
		conn_set_error(c, "since is not an ISO-8601 time: %s", since ? since : "(null)");
		return rc;
	}
	char *jql = xasprintf("project = \"%s\"%s%s%s AND updated >= \"%s\" ORDER BY updated ASC",
			      c->project, c->nlabels ? " AND labels = \"" : "",
			      c->nlabels ? c->labels[0] : "", c->nlabels ? "\"" : "", when);
	long start = 0;
	for (int pages = 0; pages < 10000; pages++) {
		struct conn_reply r;
		rc = search_page(c, jql, c->page_size, token, start, &r);
		const json_t *issues = json_object_get(r.json, "issues");
		if (rc == FF_OK)
			rc = page_issues(c, issues, cb, ud);
		int more = 0;
		if (cloud(c)) {
			snprintf(token, sizeof(token), "%s", cj_str(r.json, "nextPageToken"));
			more = token[0] != '\0';
		} else {
			start += (long)json_array_size(issues);
			more = json_array_size(issues) > 0 &&
			       start < (long)json_integer_value(json_object_get(r.json, "total"));
		}
		conn_reply_free(&r);
		if (rc != FF_OK || !more)
			break;
	}
	free(jql);
	return rc;
}

static int jira_verify(const struct conn *c, const struct conn_webhook_in *in)
{
	return conn_hmac_check(c->webhook_secret, conn_hook_header(in, "X-Hub-Signature"), in);
}

static void actor_from(const struct conn *c, const json_t *user, struct conn_event *ev)
{
	cj_id(user, cloud(c) ? "accountId" : "name", ev->actor_id, sizeof(ev->actor_id));
	snprintf(ev->actor_name, sizeof(ev->actor_name), "%s", cj_str(user, "displayName"));
}

static int changelog_has_status(const json_t *j)
{
	size_t i;
	json_t *it;
	json_array_foreach(cj_path(j, "changelog.items"), i, it)
		if (strcmp(cj_str(it, "field"), "status") == 0)
			return 1;
	return 0;
}

/* comment.self ".../rest/api/2/issue/10010/comment/10000" names the issue */
static void issue_from_comment_self(const json_t *comment, struct conn_event *ev)
{
	const char *self = cj_str(comment, "self");
	const char *p = strstr(self, "/issue/");
	if (!p || ev->issue_id[0])
		return;
	p += 7;
	size_t n = strcspn(p, "/");
	snprintf(ev->issue_id, sizeof(ev->issue_id), "%.*s", (int)n, p);
}

static void comment_event(const struct conn *c, const json_t *comment, struct conn_event *ev)
{
	ev->kind = CONN_EV_COMMENT;
	cj_id(comment, "id", ev->comment_id, sizeof(ev->comment_id));
	actor_from(c, json_object_get(comment, "author"), ev);
	ev->text = jira_adf_to_text(json_object_get(comment, "body"));
	issue_from_comment_self(comment, ev);
}

static int jira_parse(const struct conn *c, const struct conn_webhook_in *in, struct conn_event *ev)
{
	json_t *j = json_loadb(in->body ? in->body : "", in->body_len, 0, NULL);
	if (!json_is_object(j)) {
		json_decref(j);
		return FF_EINVAL;
	}
	const char *did = conn_hook_header(in, "X-Atlassian-Webhook-Identifier");
	if (did && *did)
		snprintf(ev->delivery_id, sizeof(ev->delivery_id), "%s", did);
	else
		conn_body_digest(in, ev->delivery_id, sizeof(ev->delivery_id));
	const json_t *issue = json_object_get(j, "issue");
	cj_id(issue, "id", ev->issue_id, sizeof(ev->issue_id));
	cj_id(issue, "key", ev->issue_key, sizeof(ev->issue_key));
	ev->status = jira_status_map(cj_str(cj_path(issue, "fields.status.statusCategory"), "key"));
	actor_from(c, json_object_get(j, "user"), ev);
	const char *what = cj_str(j, "webhookEvent");
	const json_t *comment = json_object_get(j, "comment");
	if (strcmp(what, "jira:issue_deleted") == 0)
		ev->kind = CONN_EV_DELETED;
	else if (strcmp(what, "comment_created") == 0 && comment)
		comment_event(c, comment, ev);
	else if (strcmp(what, "jira:issue_updated") == 0 && changelog_has_status(j))
		ev->kind = CONN_EV_STATUS;
	else if (strcmp(what, "jira:issue_updated") == 0 && comment &&
		 strcmp(cj_str(j, "issue_event_type_name"), "issue_commented") == 0)
		comment_event(c, comment, ev); /* same comment id as comment_created */
	json_decref(j);
	return FF_OK;
}

static int jira_project_check(struct conn *c)
{
	char *k = hc_url_escape(c->project);
	char *path = xasprintf("/project/%s", k);
	int rc = conn_get_ok(c, path);
	free(path);
	free(k);
	return rc;
}

static int jira_user_find(struct conn *c, const char *who, char *id, size_t idlen)
{
	static const char *const keys_cloud[] = { "emailAddress", "accountId", NULL };
	static const char *const keys_dc[] = { "name", "emailAddress", "key", NULL };
	struct conn_reply r;
	char *q = hc_url_escape(who);
	char *path = xasprintf("/user/search?%s=%s", cloud(c) ? "query" : "username", q);
	int rc = conn_call(c, "GET", path, NULL, &r);
	if (rc == FF_OK)
		rc = conn_pick_user(c, r.json, who, cloud(c) ? "accountId" : "name",
				    cloud(c) ? keys_cloud : keys_dc, id, idlen);
	conn_reply_free(&r);
	free(path);
	free(q);
	return rc;
}

/* an admin webhook (REST registration needs a Jira administrator) */
static int jira_hook_register(struct conn *c, const char *url)
{
	struct conn_reply r;
	char *jql = xasprintf("project = \"%s\"", c->project);
	json_t *body = json_pack("{s:s, s:s, s:[s,s,s], s:{s:s}, s:b, s:s}", "name", "flawfix",
				 "url", url, "events", "jira:issue_updated", "jira:issue_deleted",
				 "comment_created", "filters", "issue-related-events-section", jql,
				 "excludeBody", 0, "secret", c->webhook_secret);
	char *full = xasprintf("%s/rest/webhooks/1.0/webhook", c->base_url);
	int rc = conn_call(c, "POST", full, body, &r);
	conn_reply_free(&r);
	json_decref(body);
	free(full);
	free(jql);
	return rc;
}

const struct conn_ops conn_jira_ops = {
	.name = "jira",
	.caps = CONN_CAP_WEBHOOK | CONN_CAP_POLL | CONN_CAP_ASSIGN | CONN_CAP_LABELS |
		CONN_CAP_SIGNED_HOOKS,
	.init = jira_init,
	.whoami = jira_whoami,
	.issue_create = jira_create,
	.issue_update = jira_update,
	.issue_get = jira_get,
	.find_by_key = jira_find,
	.comment_add = jira_comment,
	.comment_find = jira_comment_find,
	.status_set = jira_status_set,
	.status_map = jira_status_map,
	.webhook_verify = jira_verify,
	.webhook_parse = jira_parse,
	.list_changed = jira_list_changed,
	.project_check = jira_project_check,
	.user_find = jira_user_find,
	.hook_register = jira_hook_register,
};
