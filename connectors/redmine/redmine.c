/* Redmine backend: REST JSON with X-Redmine-API-Key; polling by
 * updated_on with status_id=* and journals; Redmine 7 webhooks with
 * X-Redmine-Signature-256. protocols.md section 3. Our key lives in a
 * marker line of the description. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/mem.h"
#include "common/rc.h"
#include "connectors/conn_impl.h"

#define RM_MAX_STATUSES 64

struct rm_status {
	char id[16];
	int closed;
};

struct rm_priv {
	struct rm_status st[RM_MAX_STATUSES];
	int nst;                       /* 0 until /issue_statuses.json was read */
};

static int rm_init(struct conn *c)
{
	c->priv = xcalloc(1, sizeof(struct rm_priv));
	c->api = "";
	c->auth[0] = (struct http_header){ "X-Redmine-API-Key", c->token, 1 };
	c->nauth = 1;
	return FF_OK;
}

static enum conn_status rm_status_map(const char *is_closed)
{
	static const char *const done[] = { "true", NULL }, *const open[] = { "false", NULL };
	return conn_status_by_name(is_closed, done, open);
}

static enum conn_status status_of(const json_t *status)
{
	const json_t *cl = json_object_get(status, "is_closed");
	if (!json_is_boolean(cl))
		return CONN_STATUS_UNKNOWN;
	return json_is_true(cl) ? CONN_STATUS_DONE : CONN_STATUS_OPEN;
}

static void issue_from_json(const struct conn *c, const json_t *j, struct conn_issue *out)
{
	cj_id(j, "id", out->id, sizeof(out->id));
	snprintf(out->key, sizeof(out->key), "#%.60s", out->id);
	snprintf(out->url, sizeof(out->url), "%s/issues/%s", c->base_url, out->id);
	const json_t *st = json_object_get(j, "status");
	snprintf(out->status_name, sizeof(out->status_name), "%s", cj_str(st, "name"));
	out->status = status_of(st);
	snprintf(out->updated, sizeof(out->updated), "%s", cj_str(j, "updated_on"));
}

static int rm_whoami(struct conn *c, char *id, size_t idlen, char *name, size_t namelen)
{
	return conn_whoami_get(c, "/users/current.json", "user", "id", "login", id, idlen, name, namelen);
}

static json_t *issue_body(struct conn *c, const struct conn_issue_spec *spec, int create)
{
	json_t *o = json_object();
	if (create) {
		json_object_set_new(o, "project_id", json_string(c->project));
		if (c->issue_type)
			json_object_set_new(o, "tracker_id", json_string(c->issue_type));
		for (int i = 0; i < c->nfields; i++) {
			json_t *v = json_loads(c->fields[i].json, JSON_DECODE_ANY, NULL);
			if (v)
				json_object_set_new(o, c->fields[i].name, v);
		}
	}
	if (spec->title)
		json_object_set_new(o, "subject", json_string(spec->title));
	if (spec->body) {
		char marker[128];
		conn_marker(spec->key ? spec->key : "", marker, sizeof(marker));
		char *d = xasprintf("%s\n\n%s", spec->body, marker);
		json_object_set_new(o, "description", json_string(d));
		free(d);
	}
	if (spec->assignee)
		json_object_set_new(o, "assigned_to_id", json_string(spec->assignee));
	if (spec->due_date)
		json_object_set_new(o, "due_date", json_string(spec->due_date));
	return json_pack("{s:o}", "issue", o);
}

static int rm_create(struct conn *c, const struct conn_issue_spec *spec, struct conn_issue *out)
{
	struct conn_reply r;
	json_t *body = issue_body(c, spec, 1);
	int rc = conn_call(c, "POST", "/issues.json", body, &r);
	if (rc == FF_OK)
		issue_from_json(c, json_object_get(r.json, "issue"), out);
	if (rc == FF_OK && !out->id[0]) {
		conn_set_error(c, "create answered without an issue id");
		rc = FF_EPERM;
	}
	conn_reply_free(&r);
	json_decref(body);
	return rc;
}

static int put_issue(struct conn *c, const char *id, json_t *body)
{
	struct conn_reply r;
	char *path = xasprintf("/issues/%s.json", id);
	int rc = conn_call(c, "PUT", path, body, &r);
	conn_reply_free(&r);
	free(path);
	return rc;
}

static int rm_update(struct conn *c, const char *id, const struct conn_issue_spec *spec)
{
	json_t *body = issue_body(c, spec, 0);
	int rc = put_issue(c, id, body);
	json_decref(body);
	return rc;
}

static int get_issue_json(struct conn *c, const char *id, const char *include, struct conn_reply *r)
{
	char *path = xasprintf("/issues/%s.json%s%s", id, include ? "?include=" : "", include ? include : "");
	int rc = conn_call(c, "GET", path, NULL, r);
	free(path);
	return rc;
}

static int rm_get(struct conn *c, const char *id, struct conn_issue *out)
{
	struct conn_reply r;
	int rc = get_issue_json(c, id, NULL, &r);
	if (rc == FF_OK)
		issue_from_json(c, json_object_get(r.json, "issue"), out);
	conn_reply_free(&r);
	return rc;
}

/* the description carries the marker as a whole line (the search is a
 * "contains" filter: ff-4 would also match ff-42) */
static int has_marker_line(const char *desc, const char *marker)
{
	size_t n = strlen(marker);
	for (const char *p = strstr(desc, marker); p; p = strstr(p + 1, marker)) {
		int starts = p == desc || p[-1] == '\n';
		int ends = p[n] == '\0' || p[n] == '\r' || p[n] == '\n';
		if (starts && ends)
			return 1;
	}
	return 0;
}

static int rm_find(struct conn *c, const char *key, struct conn_issue *out)
{
	struct conn_reply r;
	char marker[128];
	conn_marker(key, marker, sizeof(marker));
	char *m = hc_url_escape(marker), *p = hc_url_escape(c->project);
	char *path = xasprintf("/issues.json?project_id=%s&status_id=*&description=~%s&limit=25", p, m);
	int rc = conn_call(c, "GET", path, NULL, &r);
	if (rc == FF_OK) {
		rc = FF_ENOTFOUND;
		size_t i;
		json_t *it;
		json_array_foreach(json_object_get(r.json, "issues"), i, it) {
			if (has_marker_line(cj_str(it, "description"), marker)) {
				issue_from_json(c, it, out);
				rc = FF_OK;
				break;
			}
		}
	}
	conn_reply_free(&r);
	free(path);
	free(m);
	free(p);
	return rc;
}

/* the journal we just wrote: the newest one by us with these notes */
static void find_own_journal(struct conn *c, const char *id, const char *text, char *cid, size_t n)
{
	struct conn_reply r;
	if (get_issue_json(c, id, "journals", &r) == FF_OK) {
		size_t i;
		json_t *jr;
		json_array_foreach(cj_path(r.json, "issue.journals"), i, jr) {
			char uid[64] = "";
			cj_id(json_object_get(jr, "user"), "id", uid, sizeof(uid));
			if (strcmp(uid, c->self_id) == 0 && strcmp(cj_str(jr, "notes"), text) == 0)
				cj_id(jr, "id", cid, n);
		}
	}
	conn_reply_free(&r);
}

/* journals come with the issue, all of them */
static int rm_comment_find(struct conn *c, const char *id, const char *needle, char *cid, size_t cidlen)
{
	struct conn_reply r;
	int rc = get_issue_json(c, id, "journals", &r);
	if (rc == FF_OK) {
		rc = FF_ENOTFOUND;
		size_t i;
		json_t *jr;
		json_array_foreach(cj_path(r.json, "issue.journals"), i, jr) {
			char author[64] = "";
			cj_id(json_object_get(jr, "user"), "id", author, sizeof(author));
			if (strcmp(author, c->self_id) == 0 && strstr(cj_str(jr, "notes"), needle) &&
			    cj_id(jr, "id", cid, cidlen)) {
				rc = FF_OK;
				break;
			}
		}
	}
	conn_reply_free(&r);
	return rc;
}

static int rm_comment(struct conn *c, const char *id, const char *text, char *cid, size_t cidlen)
{
	json_t *body = json_pack("{s:{s:s}}", "issue", "notes", text ? text : "");
	int rc = put_issue(c, id, body);
	json_decref(body);
	if (rc != FF_OK)
		return rc;
	/* Redmine answers 204 without the journal id: read it back */
	if (!c->self_id[0])
		rm_whoami(c, c->self_id, sizeof(c->self_id), c->self_name, sizeof(c->self_name));
	find_own_journal(c, id, text ? text : "", cid, cidlen);
	return FF_OK;
}

static int load_statuses(struct conn *c)
{
	struct rm_priv *p = c->priv;
	struct conn_reply r;
	if (p->nst)
		return FF_OK;
	int rc = conn_call(c, "GET", "/issue_statuses.json", NULL, &r);
	size_t i;
	json_t *s;
	json_array_foreach(rc == FF_OK ? json_object_get(r.json, "issue_statuses") : NULL, i, s) {
		if (p->nst >= RM_MAX_STATUSES)
			break;
		cj_id(s, "id", p->st[p->nst].id, sizeof(p->st[0].id));
		p->st[p->nst].closed = json_is_true(json_object_get(s, "is_closed"));
		p->nst++;
	}
	conn_reply_free(&r);
	if (rc == FF_OK && !p->nst) {
		conn_set_error(c, "redmine lists no issue statuses");
		rc = FF_EPERM;
	}
	return rc;
}

static const char *status_for(struct conn *c, enum conn_status target)
{
	const char *conf = target == CONN_STATUS_DONE ? c->close_status : c->reopen_status;
	struct rm_priv *p = c->priv;
	if (conf)
		return conf;
	if (load_statuses(c) != FF_OK)
		return NULL;
	for (int i = 0; i < p->nst; i++)
		if (p->st[i].closed == (target == CONN_STATUS_DONE))
			return p->st[i].id;
	return NULL;
}

static int rm_status_set(struct conn *c, const char *id, enum conn_status target)
{
	struct conn_issue cur = { 0 };
	int rc = rm_get(c, id, &cur);
	if (rc != FF_OK || cur.status == target)
		return rc;
	const char *sid = status_for(c, target);
	if (!sid) {
		if (!c->last_error[0])
			conn_set_error(c, "no %s status in this redmine", target == CONN_STATUS_DONE ? "closed" : "open");
		return FF_EPERM;
	}
	json_t *body = json_pack("{s:{s:s}}", "issue", "status_id", sid);
	rc = put_issue(c, id, body);
	json_decref(body);
	return rc;
}

static int rm_list_changed(struct conn *c, const char *since, conn_issue_cb cb, void *ud)
{
	char *p = hc_url_escape(c->project);
	char *filter = xasprintf(">=%s", since ? since : "");
	char *f = hc_url_escape(filter);
	long offset = 0, total = 0;
	int rc = FF_OK;
	do {
		struct conn_reply r;
		char *path = xasprintf("/issues.json?project_id=%s&status_id=*&updated_on=%s"
				       "&sort=updated_on:asc&offset=%ld&limit=%d",
				       p, f, offset, c->page_size);
		rc = conn_call(c, "GET", path, NULL, &r);
		free(path);
		const json_t *issues = json_object_get(r.json, "issues");
		total = (long)json_integer_value(json_object_get(r.json, "total_count"));
		size_t i;
		json_t *it;
		json_array_foreach(rc == FF_OK ? issues : NULL, i, it) {
			struct conn_issue is = { 0 };
			issue_from_json(c, it, &is);
			rc = cb(&is, ud);
			if (rc)
				break;
		}
		offset += (long)json_array_size(issues);
		if (!json_array_size(issues))
			total = 0;
		conn_reply_free(&r);
	} while (rc == FF_OK && offset < total);
	free(p);
	free(filter);
	free(f);
	return rc;
}

static int journal_status_change(const json_t *journal, const char *name_key)
{
	size_t i;
	json_t *d;
	json_array_foreach(json_object_get(journal, "details"), i, d)
		if (strcmp(cj_str(d, name_key), "status_id") == 0)
			return 1;
	return 0;
}

static enum conn_status status_by_id(struct conn *c, const char *sid)
{
	struct rm_priv *p = c->priv;
	if (load_statuses(c) != FF_OK)
		return CONN_STATUS_UNKNOWN;
	for (int i = 0; i < p->nst; i++)
		if (strcmp(p->st[i].id, sid) == 0)
			return p->st[i].closed ? CONN_STATUS_DONE : CONN_STATUS_OPEN;
	return CONN_STATUS_UNKNOWN;
}

static const char *new_status_id(const json_t *journal)
{
	size_t i;
	json_t *d;
	json_array_foreach(json_object_get(journal, "details"), i, d)
		if (strcmp(cj_str(d, "name"), "status_id") == 0)
			return cj_str(d, "new_value");
	return "";
}

static int journal_events(struct conn *c, const char *id, const json_t *jr, conn_event_cb cb, void *ud)
{
	int rc = FF_OK;
	struct conn_event ev = { 0 };
	snprintf(ev.issue_id, sizeof(ev.issue_id), "%s", id);
	snprintf(ev.issue_key, sizeof(ev.issue_key), "#%.60s", id);
	cj_id(jr, "id", ev.comment_id, sizeof(ev.comment_id));
	snprintf(ev.delivery_id, sizeof(ev.delivery_id), "journal:%s", ev.comment_id);
	cj_id(json_object_get(jr, "user"), "id", ev.actor_id, sizeof(ev.actor_id));
	snprintf(ev.actor_name, sizeof(ev.actor_name), "%s", cj_str(json_object_get(jr, "user"), "name"));
	if (journal_status_change(jr, "name")) {
		ev.kind = CONN_EV_STATUS;
		ev.status = status_by_id(c, new_status_id(jr));
		rc = cb(&ev, ud);
	}
	if (rc == FF_OK && *cj_str(jr, "notes")) {
		ev.kind = CONN_EV_COMMENT;
		ev.text = xstrdup(cj_str(jr, "notes"));
		rc = cb(&ev, ud);
	}
	conn_event_free(&ev);
	return rc;
}

static int rm_events_since(struct conn *c, const char *id, long long after, conn_event_cb cb, void *ud)
{
	struct conn_reply r;
	int rc = get_issue_json(c, id, "journals", &r);
	size_t i;
	json_t *jr;
	json_array_foreach(rc == FF_OK ? cj_path(r.json, "issue.journals") : NULL, i, jr) {
		if ((long long)json_integer_value(json_object_get(jr, "id")) <= after)
			continue;
		rc = journal_events(c, id, jr, cb, ud);
		if (rc)
			break;
	}
	conn_reply_free(&r);
	return rc;
}

static int rm_verify(const struct conn *c, const struct conn_webhook_in *in)
{
	return conn_hmac_check(c->webhook_secret, conn_hook_header(in, "X-Redmine-Signature-256"), in);
}

/* Redmine 7 webhook: {"type":"issue.updated","data":{"issue":{...},"journal":{...}}} */
static int rm_parse(const struct conn *c, const struct conn_webhook_in *in, struct conn_event *ev)
{
	(void)c;
	json_t *j = json_loadb(in->body ? in->body : "", in->body_len, 0, NULL);
	if (!json_is_object(j)) {
		json_decref(j);
		return FF_EINVAL;
	}
	conn_body_digest(in, ev->delivery_id, sizeof(ev->delivery_id));
	const json_t *issue = cj_path(j, "data.issue"), *jr = cj_path(j, "data.journal");
	const char *type = cj_str(j, "type");
	cj_id(issue, "id", ev->issue_id, sizeof(ev->issue_id));
	snprintf(ev->issue_key, sizeof(ev->issue_key), "#%.60s", ev->issue_id);
	ev->status = status_of(json_object_get(issue, "status"));
	cj_id(json_object_get(jr, "user"), "id", ev->actor_id, sizeof(ev->actor_id));
	snprintf(ev->actor_name, sizeof(ev->actor_name), "%s", cj_str(json_object_get(jr, "user"), "name"));
	if (strcmp(type, "issue.deleted") == 0) {
		ev->kind = CONN_EV_DELETED;
	} else if (strcmp(type, "issue.updated") == 0 && jr) {
		if (*cj_str(jr, "notes")) {
			ev->kind = CONN_EV_COMMENT;
			cj_id(jr, "id", ev->comment_id, sizeof(ev->comment_id));
			ev->text = xstrdup(cj_str(jr, "notes"));
		} else if (journal_status_change(jr, "prop_key")) {
			ev->kind = CONN_EV_STATUS;
		}
	}
	json_decref(j);
	return FF_OK;
}

static int rm_project_check(struct conn *c)
{
	char *p = hc_url_escape(c->project);
	char *path = xasprintf("/projects/%s.json", p);
	int rc = conn_get_ok(c, path);
	free(path);
	free(p);
	return rc;
}

/* /users.json needs an administrator's key; name= matches login, names
 * and mail */
static int rm_user_find(struct conn *c, const char *who, char *id, size_t idlen)
{
	static const char *const keys[] = { "login", "mail", NULL };
	struct conn_reply r;
	char *q = hc_url_escape(who);
	char *path = xasprintf("/users.json?name=%s", q);
	int rc = conn_call(c, "GET", path, NULL, &r);
	if (rc == FF_OK)
		rc = conn_pick_user(c, json_object_get(r.json, "users"), who, "id", keys, id, idlen);
	conn_reply_free(&r);
	free(path);
	free(q);
	return rc;
}

const struct conn_ops conn_redmine_ops = {
	.name = "redmine",
	.caps = CONN_CAP_POLL | CONN_CAP_ASSIGN | CONN_CAP_WEBHOOK | CONN_CAP_SIGNED_HOOKS,
	.init = rm_init,
	.whoami = rm_whoami,
	.issue_create = rm_create,
	.issue_update = rm_update,
	.issue_get = rm_get,
	.find_by_key = rm_find,
	.comment_add = rm_comment,
	.comment_find = rm_comment_find,
	.status_set = rm_status_set,
	.status_map = rm_status_map,
	.webhook_verify = rm_verify,
	.webhook_parse = rm_parse,
	.list_changed = rm_list_changed,
	.events_since = rm_events_since,
	.project_check = rm_project_check,
	.user_find = rm_user_find,
};
