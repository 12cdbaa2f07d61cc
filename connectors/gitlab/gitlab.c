/* GitLab backend: REST v4 issues and notes with PRIVATE-TOKEN, offset
 * pagination by x-next-page, webhooks with X-Gitlab-Token. protocols.md
 * section 2. Issue ids are the project-scoped iid. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/crypto.h"
#include "common/mem.h"
#include "common/rc.h"
#include "connectors/conn_impl.h"

struct gl_priv {
	char project_esc[768];         /* URL-encoded project id or path */
};

static const char *proj(const struct conn *c)
{
	return ((const struct gl_priv *)c->priv)->project_esc;
}

static int gl_init(struct conn *c)
{
	struct gl_priv *p = xcalloc(1, sizeof(*p));
	char *esc = hc_url_escape(c->project);
	size_t n = strlen(esc);
	c->priv = p;
	if (n >= sizeof(p->project_esc)) {
		free(esc);
		conn_set_error(c, "project path is too long");
		return FF_EINVAL;
	}
	memcpy(p->project_esc, esc, n + 1);
	free(esc);
	c->api = "/api/v4";
	c->auth[0] = (struct http_header){ "PRIVATE-TOKEN", c->token, 1 };
	c->nauth = 1;
	return FF_OK;
}

static enum conn_status gl_status_map(const char *state)
{
	static const char *const done[] = { "closed", NULL }, *const open[] = { "opened", "reopened", NULL };
	return conn_status_by_name(state, done, open);
}

static void issue_from_json(const struct conn *c, const json_t *j, struct conn_issue *out)
{
	cj_id(j, "iid", out->id, sizeof(out->id));
	const char *full = cj_str(json_object_get(j, "references"), "full");
	if (*full)
		snprintf(out->key, sizeof(out->key), "%s", full);
	else
		if (snprintf(out->key, sizeof(out->key), "%s#%s", c->project, out->id) >=
		    (int)sizeof(out->key))
			snprintf(out->key, sizeof(out->key), "#%.60s", out->id);
	snprintf(out->url, sizeof(out->url), "%s", cj_str(j, "web_url"));
	snprintf(out->status_name, sizeof(out->status_name), "%s", cj_str(j, "state"));
	out->status = gl_status_map(out->status_name);
	snprintf(out->updated, sizeof(out->updated), "%s", cj_str(j, "updated_at"));
}

static int gl_whoami(struct conn *c, char *id, size_t idlen, char *name, size_t namelen)
{
	return conn_whoami_get(c, "/user", NULL, "id", "username", id, idlen, name, namelen);
}

static char *labels_csv(const struct conn *c, const struct conn_issue_spec *spec)
{
	struct buf b = { 0 };
	buf_puts(&b, "");
	for (int i = 0; i < c->nlabels; i++)
		buf_printf(&b, "%s%s", b.len ? "," : "", c->labels[i]);
	for (int i = 0; i < spec->nlabels; i++)
		buf_printf(&b, "%s%s", b.len ? "," : "", spec->labels[i]);
	if (spec->key)
		buf_printf(&b, "%s%s", b.len ? "," : "", spec->key);
	return buf_steal(&b);
}

static json_t *issue_body(struct conn *c, const struct conn_issue_spec *spec, int create)
{
	json_t *o = json_object();
	if (spec->title)
		json_object_set_new(o, "title", json_string(spec->title));
	if (spec->body) {
		char *d = xasprintf("%s\n\n<!-- flawfix-key: %s -->", spec->body,
				    spec->key ? spec->key : "");
		json_object_set_new(o, "description", json_string(d));
		free(d);
	}
	char *l = labels_csv(c, spec);
	json_object_set_new(o, "labels", json_string(l));
	free(l);
	if (spec->assignee) {
		long long uid = strtoll(spec->assignee, NULL, 10);
		json_object_set_new(o, "assignee_ids", json_pack("[I]", (json_int_t)uid));
	}
	if (spec->due_date)
		json_object_set_new(o, "due_date", json_string(spec->due_date));
	for (int i = 0; create && i < c->nfields; i++) {
		json_t *v = json_loads(c->fields[i].json, JSON_DECODE_ANY, NULL);
		if (v)
			json_object_set_new(o, c->fields[i].name, v);
	}
	return o;
}

static int gl_create(struct conn *c, const struct conn_issue_spec *spec, struct conn_issue *out)
{
	struct conn_reply r;
	json_t *body = issue_body(c, spec, 1);
	char *path = xasprintf("/projects/%s/issues", proj(c));
	int rc = conn_call(c, "POST", path, body, &r);
	if (rc == FF_OK)
		issue_from_json(c, r.json, out);
	if (rc == FF_OK && !out->id[0]) {
		conn_set_error(c, "create answered without an iid");
		rc = FF_EPERM;
	}
	conn_reply_free(&r);
	json_decref(body);
	free(path);
	return rc;
}

static int put_issue(struct conn *c, const char *id, json_t *body, struct conn_issue *out)
{
	struct conn_reply r;
	char *path = xasprintf("/projects/%s/issues/%s", proj(c), id);
	int rc = conn_call(c, "PUT", path, body, &r);
	if (rc == FF_OK && out)
		issue_from_json(c, r.json, out);
	conn_reply_free(&r);
	free(path);
	return rc;
}

static int gl_update(struct conn *c, const char *id, const struct conn_issue_spec *spec)
{
	json_t *body = issue_body(c, spec, 0);
	int rc = put_issue(c, id, body, NULL);
	json_decref(body);
	return rc;
}

static int gl_get(struct conn *c, const char *id, struct conn_issue *out)
{
	struct conn_reply r;
	char *path = xasprintf("/projects/%s/issues/%s", proj(c), id);
	int rc = conn_call(c, "GET", path, NULL, &r);
	if (rc == FF_OK)
		issue_from_json(c, r.json, out);
	conn_reply_free(&r);
	free(path);
	return rc;
}

static int gl_find(struct conn *c, const char *key, struct conn_issue *out)
{
	struct conn_reply r;
	char *k = hc_url_escape(key);
	char *path = xasprintf("/projects/%s/issues?labels=%s&state=all&per_page=5", proj(c), k);
	int rc = conn_call(c, "GET", path, NULL, &r);
	if (rc == FF_OK) {
		const json_t *first = json_array_get(r.json, 0);
		if (first)
			issue_from_json(c, first, out);
		else
			rc = FF_ENOTFOUND;
	}
	conn_reply_free(&r);
	free(path);
	free(k);
	return rc;
}

static int gl_comment(struct conn *c, const char *id, const char *text, char *cid, size_t cidlen)
{
	struct conn_reply r;
	json_t *body = json_pack("{s:s}", "body", text ? text : "");
	char *path = xasprintf("/projects/%s/issues/%s/notes", proj(c), id);
	int rc = conn_call(c, "POST", path, body, &r);
	if (rc == FF_OK && !cj_id(r.json, "id", cid, cidlen)) {
		conn_set_error(c, "note answered without an id");
		rc = FF_EPERM;
	}
	conn_reply_free(&r);
	json_decref(body);
	free(path);
	return rc;
}

/* the notes page by page (x-next-page) */
static int gl_comment_find(struct conn *c, const char *id, const char *needle, char *cid, size_t cidlen)
{
	char page[32] = "1";
	int rc = FF_ENOTFOUND;
	for (int pages = 0; pages < 10000 && page[0] && rc == FF_ENOTFOUND; pages++) {
		struct conn_reply r;
		char *path = xasprintf("/projects/%s/issues/%s/notes?sort=asc&per_page=%d&page=%s", proj(c), id,
				       c->page_size, page);
		int crc = conn_call(c, "GET", path, NULL, &r);
		free(path);
		size_t i;
		json_t *n;
		json_array_foreach(crc == FF_OK ? r.json : NULL, i, n) {
			char author[64] = "";
			cj_id(json_object_get(n, "author"), "id", author, sizeof(author));
			if (strcmp(author, c->self_id) == 0 && strstr(cj_str(n, "body"), needle) &&
			    cj_id(n, "id", cid, cidlen)) {
				rc = FF_OK;
				break;
			}
		}
		if (!hc_header_get(&r.raw, "x-next-page", page, sizeof(page)))
			page[0] = '\0';
		conn_reply_free(&r);
		if (crc != FF_OK)
			return crc;
	}
	return rc;
}

static int gl_status_set(struct conn *c, const char *id, enum conn_status target)
{
	struct conn_issue cur = { 0 };
	int rc = gl_get(c, id, &cur);
	if (rc != FF_OK || cur.status == target)
		return rc;
	json_t *body = json_pack("{s:s}", "state_event", target == CONN_STATUS_DONE ? "close" : "reopen");
	rc = put_issue(c, id, body, &cur);
	json_decref(body);
	return rc;
}

static int gl_list_changed(struct conn *c, const char *since, conn_issue_cb cb, void *ud)
{
	char page[32] = "1";
	char *s = hc_url_escape(since ? since : "");
	char *lab = c->nlabels ? hc_url_escape(c->labels[0]) : NULL;
	int rc = FF_OK;
	for (int pages = 0; pages < 10000 && page[0]; pages++) {
		struct conn_reply r;
		char *path = xasprintf("/projects/%s/issues?state=all&updated_after=%s&order_by=updated_at"
				       "&sort=asc&per_page=%d&page=%s%s%s",
				       proj(c), s, c->page_size, page, lab ? "&labels=" : "", lab ? lab : "");
		rc = conn_call(c, "GET", path, NULL, &r);
		free(path);
		size_t i;
		json_t *it;
		json_array_foreach(rc == FF_OK ? r.json : NULL, i, it) {
			struct conn_issue is = { 0 };
			issue_from_json(c, it, &is);
			rc = cb(&is, ud);
			if (rc)
				break;
		}
		/* never loop on totals: they vanish past 10,000 rows */
		if (!hc_header_get(&r.raw, "x-next-page", page, sizeof(page)))
			page[0] = '\0';
		conn_reply_free(&r);
		if (rc != FF_OK)
			break;
	}
	free(s);
	free(lab);
	return rc;
}

static int gl_verify(const struct conn *c, const struct conn_webhook_in *in)
{
	const char *tok = conn_hook_header(in, "X-Gitlab-Token");
	if (!tok || !c->webhook_secret)
		return FF_EUNAUTH;
	return ff_str_ct_equal(tok, c->webhook_secret) ? FF_OK : FF_EUNAUTH;
}

static void delivery_id(const struct conn_webhook_in *in, struct conn_event *ev)
{
	static const char *const hdr[] = { "Idempotency-Key", "X-Gitlab-Event-UUID", NULL };
	for (size_t i = 0; hdr[i]; i++) {
		const char *v = conn_hook_header(in, hdr[i]);
		if (v && *v) {
			snprintf(ev->delivery_id, sizeof(ev->delivery_id), "%s", v);
			return;
		}
	}
	conn_body_digest(in, ev->delivery_id, sizeof(ev->delivery_id));
}

static void issue_hook(const json_t *j, struct conn_event *ev)
{
	const json_t *oa = json_object_get(j, "object_attributes");
	const char *action = cj_str(oa, "action");
	cj_id(oa, "iid", ev->issue_id, sizeof(ev->issue_id));
	ev->status = gl_status_map(cj_str(oa, "state"));
	/* the Test button sends no action: a no-op; "update" counts only when
	 * the state changed */
	if (strcmp(action, "close") == 0 || strcmp(action, "reopen") == 0 ||
	    (strcmp(action, "update") == 0 && cj_path(j, "changes.state_id")))
		ev->kind = CONN_EV_STATUS;
}

static void note_hook(const json_t *j, struct conn_event *ev)
{
	const json_t *oa = json_object_get(j, "object_attributes");
	const char *action = cj_str(oa, "action");
	cj_id(json_object_get(j, "issue"), "iid", ev->issue_id, sizeof(ev->issue_id));
	ev->status = gl_status_map(cj_str(json_object_get(j, "issue"), "state"));
	if (strcmp(cj_str(oa, "noteable_type"), "Issue") != 0 || json_is_true(json_object_get(oa, "system")))
		return;
	if (*action && strcmp(action, "create") != 0)
		return;
	ev->kind = CONN_EV_COMMENT;
	cj_id(oa, "id", ev->comment_id, sizeof(ev->comment_id));
	cj_id(oa, "author_id", ev->actor_id, sizeof(ev->actor_id));
	ev->text = xstrdup(cj_str(oa, "note"));
}

static int gl_parse(const struct conn *c, const struct conn_webhook_in *in, struct conn_event *ev)
{
	(void)c;
	json_t *j = json_loadb(in->body ? in->body : "", in->body_len, 0, NULL);
	if (!json_is_object(j)) {
		json_decref(j);
		return FF_EINVAL;
	}
	delivery_id(in, ev);
	const json_t *user = json_object_get(j, "user");
	cj_id(user, "id", ev->actor_id, sizeof(ev->actor_id));
	snprintf(ev->actor_name, sizeof(ev->actor_name), "%s", cj_str(user, "username"));
	const char *kind = cj_str(j, "object_kind");
	if (strcmp(kind, "issue") == 0)
		issue_hook(j, ev);
	else if (strcmp(kind, "note") == 0)
		note_hook(j, ev);
	if (ev->issue_id[0] &&
	    snprintf(ev->issue_key, sizeof(ev->issue_key), "%s#%s",
		     cj_str(json_object_get(j, "project"), "path_with_namespace"), ev->issue_id) >=
		    (int)sizeof(ev->issue_key))
		snprintf(ev->issue_key, sizeof(ev->issue_key), "#%.60s", ev->issue_id);
	json_decref(j);
	return FF_OK;
}

static int gl_project_check(struct conn *c)
{
	char *path = xasprintf("/projects/%s", proj(c));
	int rc = conn_get_ok(c, path);
	free(path);
	return rc;
}

/* e-mail addresses are searched (admins see them), names looked up */
static int gl_user_find(struct conn *c, const char *who, char *id, size_t idlen)
{
	static const char *const keys[] = { "username", "email", "public_email", NULL };
	struct conn_reply r;
	char *q = hc_url_escape(who);
	char *path = xasprintf("/users?%s=%s", strchr(who, '@') ? "search" : "username", q);
	int rc = conn_call(c, "GET", path, NULL, &r);
	if (rc == FF_OK)
		rc = conn_pick_user(c, r.json, who, "id", keys, id, idlen);
	conn_reply_free(&r);
	free(path);
	free(q);
	return rc;
}

static int gl_hook_register(struct conn *c, const char *url)
{
	struct conn_reply r;
	json_t *body = json_pack("{s:s, s:s, s:b, s:b, s:b, s:b, s:b, s:b}", "url", url, "token",
				 c->webhook_secret, "issues_events", 1, "confidential_issues_events", 1,
				 "note_events", 1, "confidential_note_events", 1, "push_events", 0,
				 "enable_ssl_verification", 1);
	char *path = xasprintf("/projects/%s/hooks", proj(c));
	int rc = conn_call(c, "POST", path, body, &r);
	conn_reply_free(&r);
	json_decref(body);
	free(path);
	return rc;
}

const struct conn_ops conn_gitlab_ops = {
	.name = "gitlab",
	.caps = CONN_CAP_WEBHOOK | CONN_CAP_POLL | CONN_CAP_ASSIGN | CONN_CAP_LABELS,
	.init = gl_init,
	.whoami = gl_whoami,
	.issue_create = gl_create,
	.issue_update = gl_update,
	.issue_get = gl_get,
	.find_by_key = gl_find,
	.comment_add = gl_comment,
	.comment_find = gl_comment_find,
	.status_set = gl_status_set,
	.status_map = gl_status_map,
	.webhook_verify = gl_verify,
	.webhook_parse = gl_parse,
	.list_changed = gl_list_changed,
	.project_check = gl_project_check,
	.user_find = gl_user_find,
	.hook_register = gl_hook_register,
};
