#include "conn.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "common/crypto.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/rc.h"
#include "conn_impl.h"

#define MOD "conn"

static const struct conn_ops *const registry[] = { &conn_jira_ops, &conn_gitlab_ops,
						    &conn_redmine_ops, NULL };

const struct conn_ops *conn_lookup(const char *name)
{
	for (size_t i = 0; name && registry[i]; i++)
		if (strcmp(registry[i]->name, name) == 0)
			return registry[i];
	return NULL;
}

int conn_registry_check(char *err, size_t errlen)
{
	for (size_t i = 0; registry[i]; i++) {
		const struct conn_ops *o = registry[i];
		if (!o->init || !o->issue_create || !o->find_by_key || !o->comment_add ||
		    !o->status_set) {
			snprintf(err, errlen, "connector %s lacks a required operation", o->name);
			return FF_EPERM;
		}
		for (size_t j = i + 1; registry[j]; j++) {
			if (strcmp(o->name, registry[j]->name) == 0) {
				snprintf(err, errlen, "connector %s registered twice", o->name);
				return FF_EPERM;
			}
		}
	}
	return FF_OK;
}

/* ---- instances --------------------------------------------------------- */

static char *dup_trim_slash(const char *s)
{
	char *d = xstrdup(s);
	size_t n = d ? strlen(d) : 0;
	while (n > 0 && d[n - 1] == '/')
		d[--n] = '\0';
	return d;
}

static int check_config(const struct conn_config *cfg, char *err, size_t errlen)
{
	if (!cfg->base_url || (strncmp(cfg->base_url, "http://", 7) != 0 &&
			       strncmp(cfg->base_url, "https://", 8) != 0)) {
		snprintf(err, errlen, "base_url must start with http:// or https://");
		return FF_EINVAL;
	}
	if (!cfg->token || !*cfg->token) {
		snprintf(err, errlen, "token is missing");
		return FF_EINVAL;
	}
	if (!cfg->project || !*cfg->project) {
		snprintf(err, errlen, "project is missing");
		return FF_EINVAL;
	}
	for (int i = 0; i < cfg->nlabels; i++) {
		if (!cfg->labels[i] || !*cfg->labels[i] || strpbrk(cfg->labels[i], " \t,")) {
			snprintf(err, errlen, "label %d is empty or contains a space or comma", i);
			return FF_EINVAL;
		}
	}
	return FF_OK;
}

static void copy_config(struct conn *c, const struct conn_config *cfg)
{
	c->kind = xstrdup(cfg->kind);
	c->base_url = dup_trim_slash(cfg->base_url);
	c->user = xstrdup(cfg->user);
	c->token = xstrdup(cfg->token);
	c->project = xstrdup(cfg->project);
	c->issue_type = xstrdup(cfg->issue_type);
	c->webhook_secret = xstrdup(cfg->webhook_secret);
	c->close_status = xstrdup(cfg->close_status);
	c->reopen_status = xstrdup(cfg->reopen_status);
	c->proxy = xstrdup(cfg->proxy);
	c->nlabels = cfg->nlabels;
	c->labels = xcalloc((size_t)cfg->nlabels + 1, sizeof(char *));
	for (int i = 0; i < cfg->nlabels; i++)
		c->labels[i] = xstrdup(cfg->labels[i]);
	c->nfields = cfg->nfields;
	c->fields = xcalloc((size_t)cfg->nfields + 1, sizeof(struct conn_field));
	for (int i = 0; i < cfg->nfields; i++) {
		c->fields[i].name = xstrdup(cfg->fields[i].name);
		c->fields[i].json = xstrdup(cfg->fields[i].json);
	}
	c->mode = cfg->mode;
	c->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 30000;
	c->max_attempts = cfg->max_attempts > 0 ? cfg->max_attempts : 4;
	c->max_backoff_ms = cfg->max_backoff_ms > 0 ? cfg->max_backoff_ms : 30000;
	c->page_size = cfg->page_size > 0 ? cfg->page_size : 50;
}

int conn_open(const struct conn_config *cfg, struct conn **out, char *err, size_t errlen)
{
	int rc = FF_ENOTFOUND;
	struct conn *c = NULL;
	*out = NULL;
	const struct conn_ops *ops = conn_lookup(cfg->kind);
	if (!ops) {
		snprintf(err, errlen, "unknown tracker kind %s", cfg->kind ? cfg->kind : "(null)");
		goto out;
	}
	rc = check_config(cfg, err, errlen);
	if (rc != FF_OK)
		goto out;
	c = xcalloc(1, sizeof(*c));
	c->ops = ops;
	copy_config(c, cfg);
	rc = ops->init(c);
	if (rc != FF_OK) {
		snprintf(err, errlen, "%s", c->last_error);
		goto out;
	}
	*out = c;
	c = NULL;
out:
	conn_close(c);
	return rc;
}

void conn_close(struct conn *c)
{
	if (!c)
		return;
	free(c->kind);
	free(c->base_url);
	free(c->user);
	free(c->token);
	free(c->project);
	free(c->issue_type);
	free(c->webhook_secret);
	free(c->close_status);
	free(c->reopen_status);
	free(c->proxy);
	for (int i = 0; i < c->nlabels; i++)
		free(c->labels[i]);
	free(c->labels);
	for (int i = 0; i < c->nfields; i++) {
		free((char *)c->fields[i].name);
		free((char *)c->fields[i].json);
	}
	free(c->fields);
	free(c->auth_value);
	free(c->priv);
	free(c);
}

const struct conn_ops *conn_backend(const struct conn *c)
{
	return c->ops;
}

const char *conn_last_error(const struct conn *c)
{
	return c->last_error;
}

int conn_has_cap(const struct conn *c, unsigned cap)
{
	return (c->ops->caps & cap) == cap;
}

const char *conn_self_id(const struct conn *c)
{
	return c->self_id;
}

void conn_set_error(struct conn *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->last_error, sizeof(c->last_error), fmt, ap);
	va_end(ap);
}

/* ---- wrappers ---------------------------------------------------------- */

#define NOTSUP(c, op)                                                              \
	do {                                                                       \
		if (!(c)->ops->op) {                                               \
			conn_set_error((c), "%s does not support " #op, (c)->ops->name); \
			return FF_ENOTSUP;                                         \
		}                                                                  \
	} while (0)

int conn_whoami(struct conn *c, char *id, size_t idlen, char *name, size_t namelen)
{
	NOTSUP(c, whoami);
	int rc = c->ops->whoami(c, c->self_id, sizeof(c->self_id), c->self_name,
				sizeof(c->self_name));
	if (rc == FF_OK && id)
		snprintf(id, idlen, "%s", c->self_id);
	if (rc == FF_OK && name)
		snprintf(name, namelen, "%s", c->self_name);
	return rc;
}

int conn_issue_create(struct conn *c, const struct conn_issue_spec *spec, struct conn_issue *out,
		      int *created)
{
	if (created)
		*created = 0;
	if (!spec->key || !*spec->key || strpbrk(spec->key, " \t,\"")) {
		conn_set_error(c, "ticket key is empty or contains a space, comma or quote");
		return FF_EINVAL;
	}
	memset(out, 0, sizeof(*out));
	int rc = c->ops->find_by_key(c, spec->key, out);
	if (rc == FF_OK) {
		log_info(MOD, "ticket exists, not created again key=%s remote=%s", spec->key, out->key);
		return FF_OK;
	}
	if (rc != FF_ENOTFOUND)
		return rc;
	rc = c->ops->issue_create(c, spec, out);
	if (rc == FF_OK && created)
		*created = 1;
	if (rc == FF_OK)
		log_info(MOD, "ticket created key=%s remote=%s", spec->key, out->key);
	return rc;
}

int conn_issue_update(struct conn *c, const char *id, const struct conn_issue_spec *spec)
{
	NOTSUP(c, issue_update);
	return c->ops->issue_update(c, id, spec);
}

int conn_issue_get(struct conn *c, const char *id, struct conn_issue *out)
{
	NOTSUP(c, issue_get);
	memset(out, 0, sizeof(*out));
	return c->ops->issue_get(c, id, out);
}

int conn_find_by_key(struct conn *c, const char *key, struct conn_issue *out)
{
	memset(out, 0, sizeof(*out));
	return c->ops->find_by_key(c, key, out);
}

int conn_comment_add(struct conn *c, const char *id, const char *text, char *comment_id,
		     size_t idlen)
{
	char cid[64] = "";
	int rc = c->ops->comment_add(c, id, text, cid, sizeof(cid));
	if (rc == FF_OK && cid[0])
		conn_remember_comment(c, cid);
	if (comment_id && idlen)
		snprintf(comment_id, idlen, "%s", cid);
	return rc;
}

int conn_comment_find(struct conn *c, const char *id, const char *needle, char *comment_id, size_t idlen)
{
	NOTSUP(c, comment_find);
	char cid[64] = "", self[128];
	/* only our own comments count: anybody can paste the needle */
	int rc = c->self_id[0] ? FF_OK : conn_whoami(c, self, sizeof(self), NULL, 0);
	if (rc)
		return rc;
	rc = c->ops->comment_find(c, id, needle, cid, sizeof(cid));
	if (rc == FF_OK && cid[0])
		conn_remember_comment(c, cid);
	if (comment_id && idlen)
		snprintf(comment_id, idlen, "%s", cid);
	return rc;
}

int conn_status_set(struct conn *c, const char *id, enum conn_status target)
{
	if (target != CONN_STATUS_OPEN && target != CONN_STATUS_DONE) {
		conn_set_error(c, "target status must be open or done");
		return FF_EINVAL;
	}
	return c->ops->status_set(c, id, target);
}

enum conn_status conn_status_map(const struct conn *c, const char *category)
{
	if (!c->ops->status_map || !category)
		return CONN_STATUS_UNKNOWN;
	return c->ops->status_map(category);
}

int conn_webhook_verify(const struct conn *c, const struct conn_webhook_in *in)
{
	if (!c->ops->webhook_verify)
		return FF_ENOTSUP;
	if (!c->webhook_secret || !*c->webhook_secret)
		return FF_EUNAUTH;
	return c->ops->webhook_verify(c, in);
}

int conn_webhook_parse(const struct conn *c, const struct conn_webhook_in *in, struct conn_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	if (!c->ops->webhook_parse)
		return FF_ENOTSUP;
	return c->ops->webhook_parse(c, in, ev);
}

int conn_list_changed(struct conn *c, const char *since, conn_issue_cb cb, void *ud)
{
	NOTSUP(c, list_changed);
	return c->ops->list_changed(c, since, cb, ud);
}

int conn_events_since(struct conn *c, const char *id, long long after, conn_event_cb cb, void *ud)
{
	NOTSUP(c, events_since);
	return c->ops->events_since(c, id, after, cb, ud);
}

int conn_check(struct conn *c)
{
	char id[128], name[128];
	int rc = conn_whoami(c, id, sizeof(id), name, sizeof(name));
	if (rc == FF_EUNAUTH) {
		conn_set_error(c, "credentials refused by %s (%s)", c->base_url, c->last_error);
		return rc;
	}
	if (rc != FF_OK)
		return rc;
	NOTSUP(c, project_check);
	rc = c->ops->project_check(c);
	if (rc == FF_ENOTFOUND || rc == FF_EFORBIDDEN)
		conn_set_error(c, "project %s not found or not visible to %s", c->project, name);
	return rc;
}

int conn_user_find(struct conn *c, const char *who, char *id, size_t idlen)
{
	NOTSUP(c, user_find);
	if (!who || !*who) {
		conn_set_error(c, "no user to look for");
		return FF_EINVAL;
	}
	return c->ops->user_find(c, who, id, idlen);
}

int conn_hook_register(struct conn *c, const char *url)
{
	NOTSUP(c, hook_register);
	if (!c->webhook_secret || !*c->webhook_secret) {
		conn_set_error(c, "no webhook secret configured");
		return FF_EINVAL;
	}
	return c->ops->hook_register(c, url);
}

void conn_event_free(struct conn_event *ev)
{
	if (!ev)
		return;
	free(ev->text);
	ev->text = NULL;
}

/* ---- echo suppression -------------------------------------------------- */

void conn_remember_comment(struct conn *c, const char *comment_id)
{
	if (!comment_id || !*comment_id)
		return;
	snprintf(c->remembered[c->remembered_next], sizeof(c->remembered[0]), "%s", comment_id);
	c->remembered_next = (c->remembered_next + 1) % CONN_REMEMBER;
}

int conn_event_is_echo(const struct conn *c, const struct conn_event *ev)
{
	if (c->self_id[0] && strcmp(ev->actor_id, c->self_id) == 0)
		return 1;
	if (!ev->comment_id[0])
		return 0;
	for (int i = 0; i < CONN_REMEMBER; i++)
		if (strcmp(c->remembered[i], ev->comment_id) == 0)
			return 1;
	return 0;
}

struct replay_slot {
	char id[160];
	time_t at;
};

struct conn_replay {
	struct replay_slot *slots;
	size_t cap;
	size_t next;
	long ttl;
};

struct conn_replay *conn_replay_new(size_t capacity, long ttl_s)
{
	struct conn_replay *r = xcalloc(1, sizeof(*r));
	r->cap = capacity ? capacity : 1;
	r->slots = xcalloc(r->cap, sizeof(*r->slots));
	r->ttl = ttl_s;
	return r;
}

void conn_replay_free(struct conn_replay *r)
{
	if (!r)
		return;
	free(r->slots);
	free(r);
}

int conn_replay_seen(struct conn_replay *r, const char *id, time_t now)
{
	if (!id || !*id)
		return 0;
	for (size_t i = 0; i < r->cap; i++) {
		struct replay_slot *s = &r->slots[i];
		if (s->id[0] && now - s->at <= r->ttl && strcmp(s->id, id) == 0)
			return 1;
	}
	/* the oldest slot makes room: a full set forgets, it never refuses */
	snprintf(r->slots[r->next].id, sizeof(r->slots[0].id), "%s", id);
	r->slots[r->next].at = now;
	r->next = (r->next + 1) % r->cap;
	return 0;
}

/* ---- HTTP and JSON helpers for backends --------------------------------- */

static void error_from_body(struct conn *c, long status, const json_t *j, const char *raw)
{
	struct buf b;
	buf_init(&b, 400);
	const json_t *msgs = json_object_get(j, "errorMessages");
	const json_t *errs = json_object_get(j, "errors");
	const json_t *msg = json_object_get(j, "message");
	size_t i;
	const char *k;
	const json_t *v;
	json_array_foreach(msgs, i, v) buf_printf(&b, "%s; ", json_string_value(v));
	if (json_is_object(errs))
		json_object_foreach((json_t *)errs, k, v) buf_printf(&b, "%s: %s; ", k, json_string_value(v));
	json_array_foreach(errs, i, v) buf_printf(&b, "%s; ", json_string_value(v));
	if (json_is_string(msg))
		buf_printf(&b, "%s", json_string_value(msg));
	else if (msg)
		buf_printf(&b, "%s", "validation failed");
	if (json_is_string(json_object_get(j, "error")))
		buf_printf(&b, "%s", cj_str(j, "error"));
	if (!b.len && raw)
		buf_printf(&b, "%.120s", raw);
	conn_set_error(c, "http %ld: %s", status, b.data ? b.data : "");
	buf_free(&b);
}

static int rc_of_status(long st)
{
	static const struct {
		long status;
		int rc;
	} map[] = { { 400, FF_EINVAL }, { 401, FF_EUNAUTH }, { 403, FF_EFORBIDDEN },
		    { 404, FF_ENOTFOUND }, { 409, FF_ECONFLICT }, { 410, FF_ENOTSUP },
		    { 412, FF_EINVAL }, { 422, FF_EINVAL }, { 0, 0 } };
	for (size_t i = 0; map[i].status; i++)
		if (map[i].status == st)
			return map[i].rc;
	return hc_status_is_temporary(st) ? FF_ETEMP : FF_EPERM;
}

int conn_call(struct conn *c, const char *method, const char *path, const json_t *body,
	      struct conn_reply *r)
{
	char *url = NULL, *payload = NULL;
	struct http_header h[5];
	int n = 0;
	memset(r, 0, sizeof(*r));
	if (strncmp(path, "http", 4) == 0)
		url = xstrdup(path);
	else
		url = xasprintf("%s%s%s", c->base_url, c->api ? c->api : "", path);
	for (int i = 0; i < c->nauth; i++)
		h[n++] = c->auth[i];
	h[n++] = (struct http_header){ "Accept", "application/json", 0 };
	if (body) {
		payload = json_dumps(body, JSON_COMPACT);
		h[n++] = (struct http_header){ "Content-Type", "application/json", 0 };
	}
	struct hc_request req = { .method = method, .url = url, .headers = h, .nheaders = n,
				  .body = payload, .body_len = payload ? strlen(payload) : 0,
				  .timeout_ms = c->timeout_ms, .max_attempts = c->max_attempts,
				  .max_backoff_ms = c->max_backoff_ms, .proxy = c->proxy,
				  .basic_user = c->basic ? c->user : NULL,
				  .basic_password = c->basic ? c->token : NULL };
	int rc = hc_perform(&req, &r->raw);
	r->status = r->raw.status;
	if (r->raw.body_len && rc != FF_ETOOBIG)
		r->json = json_loadb(r->raw.body, r->raw.body_len, 0, NULL);
	if (rc == FF_ETOOBIG || (rc != FF_OK && r->status == 0)) {
		conn_set_error(c, "%s %s: %s", method, path, r->raw.error);
	} else if (r->status < 200 || r->status > 299) {
		error_from_body(c, r->status, r->json, r->raw.body);
		rc = rc_of_status(r->status);
	} else {
		c->last_error[0] = '\0';
		rc = FF_OK;
	}
	free(url);
	free(payload);
	return rc;
}

void conn_reply_free(struct conn_reply *r)
{
	if (!r)
		return;
	json_decref(r->json);
	r->json = NULL;
	hc_response_free(&r->raw);
}

const char *cj_str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

int cj_id(const json_t *o, const char *key, char *out, size_t outlen)
{
	const json_t *v = json_object_get(o, key);
	if (json_is_string(v)) {
		snprintf(out, outlen, "%s", json_string_value(v));
		return 1;
	}
	if (json_is_integer(v)) {
		snprintf(out, outlen, "%lld", (long long)json_integer_value(v));
		return 1;
	}
	return 0;
}

const json_t *cj_path(const json_t *o, const char *dotted)
{
	char part[64];
	const char *p = dotted;
	while (o && *p) {
		size_t n = strcspn(p, ".");
		if (n >= sizeof(part))
			return NULL;
		memcpy(part, p, n);
		part[n] = '\0';
		o = json_object_get(o, part);
		p += n;
		if (*p == '.')
			p++;
	}
	return o;
}

const char *conn_hook_header(const struct conn_webhook_in *in, const char *name)
{
	for (int i = 0; i < in->nheaders; i++)
		if (in->headers[i].name && strcasecmp(in->headers[i].name, name) == 0)
			return in->headers[i].value;
	return NULL;
}

void conn_body_digest(const struct conn_webhook_in *in, char *out, size_t outlen)
{
	char hex[65];
	ff_sha256_hex(in->body ? in->body : "", in->body ? in->body_len : 0, hex);
	snprintf(out, outlen, "sha256:%s", hex);
}

int conn_hmac_check(const char *secret, const char *header, const struct conn_webhook_in *in)
{
	uint8_t mac[32];
	char hex[65], want[72];
	if (!secret || !*secret || !header || strncmp(header, "sha256=", 7) != 0)
		return FF_EUNAUTH;
	ff_hmac_sha256(secret, strlen(secret), in->body ? in->body : "", in->body ? in->body_len : 0,
		       mac);
	ff_hex(mac, sizeof(mac), hex);
	snprintf(want, sizeof(want), "%s", header + 7);
	for (char *p = want; *p; p++)
		if (*p >= 'A' && *p <= 'F')
			*p = (char)(*p - 'A' + 'a');
	return ff_str_ct_equal(hex, want) ? FF_OK : FF_EUNAUTH;
}

void conn_marker(const char *key, char *out, size_t outlen)
{
	snprintf(out, outlen, "flawfix-key: %s", key);
}

static int user_matches(const json_t *u, const char *who, const char *const *keys)
{
	for (size_t k = 0; keys[k]; k++)
		if (strcasecmp(cj_str(u, keys[k]), who) == 0)
			return 1;
	return 0;
}

int conn_pick_user(struct conn *c, const json_t *users, const char *who, const char *id_key,
		   const char *const *match_keys, char *id, size_t idlen)
{
	const json_t *pick = NULL;
	int n = 0;
	size_t i;
	json_t *u;
	if (json_array_size(users) == 1)
		pick = json_array_get(users, 0);
	json_array_foreach(pick ? NULL : users, i, u) {
		if (user_matches(u, who, match_keys)) {
			pick = u;
			n++;
		}
	}
	if (!pick) {
		conn_set_error(c, "no %s user matches %s", c->ops->name, who);
		return FF_ENOTFOUND;
	}
	if (n > 1) {
		conn_set_error(c, "%d %s users match %s", n, c->ops->name, who);
		return FF_ECONFLICT;
	}
	if (!cj_id(pick, id_key, id, idlen)) {
		conn_set_error(c, "%s user without %s", c->ops->name, id_key);
		return FF_EPERM;
	}
	return FF_OK;
}

int conn_get_ok(struct conn *c, const char *path)
{
	struct conn_reply r;
	int rc = conn_call(c, "GET", path, NULL, &r);
	conn_reply_free(&r);
	return rc;
}

static bool in_list(const char *name, const char *const *list)
{
	for (; list && *list; list++)
		if (strcmp(name, *list) == 0)
			return true;
	return false;
}

enum conn_status conn_status_by_name(const char *name, const char *const *done, const char *const *open)
{
	if (!name)
		return CONN_STATUS_UNKNOWN;
	if (in_list(name, done))
		return CONN_STATUS_DONE;
	if (in_list(name, open))
		return CONN_STATUS_OPEN;
	return CONN_STATUS_UNKNOWN;
}

int conn_whoami_get(struct conn *c, const char *path, const char *wrap, const char *id_key, const char *name_key,
		    char *id, size_t idlen, char *name, size_t namelen)
{
	struct conn_reply r;
	int rc = conn_call(c, "GET", path, NULL, &r);
	const json_t *u = wrap ? json_object_get(r.json, wrap) : r.json;
	if (rc == FF_OK) {
		if (!cj_id(u, id_key, id, idlen)) {
			conn_set_error(c, "%s answered without an id", path);
			rc = FF_EPERM;
		}
		snprintf(name, namelen, "%s", cj_str(u, name_key));
	}
	conn_reply_free(&r);
	return rc;
}
