/* connectors/conn_impl.h - what backends share; not for callers outside
 * connectors/. */
#ifndef FF_CONNECTORS_CONN_IMPL_H
#define FF_CONNECTORS_CONN_IMPL_H

#include <jansson.h>

#include "connectors/conn.h"

#define CONN_REMEMBER 64

struct conn {
	const struct conn_ops *ops;
	/* owned copies of the config strings */
	char *kind, *base_url, *user, *token, *project, *issue_type, *webhook_secret;
	char *close_status, *reopen_status, *proxy;
	char **labels;
	int nlabels;
	struct conn_field *fields;
	int nfields;
	enum conn_mode mode;
	long timeout_ms;
	int max_attempts;
	long max_backoff_ms;
	int page_size;
	/* set by the backend's init */
	const char *api;               /* path prefix: "/rest/api/3", "/api/v4", "" */
	struct http_header auth[2];
	int nauth;
	char *auth_value;              /* owned value of auth[0] when built */
	int basic;                     /* use user/token as HTTP Basic */
	/* learnt */
	char self_id[128];
	char self_name[128];
	char remembered[CONN_REMEMBER][64];
	int remembered_next;
	char last_error[512];
	void *priv;                    /* backend state, freed with free() */
};

/* an answer of the tracker */
struct conn_reply {
	long status;
	json_t *json;                  /* parsed body or NULL */
	struct hc_response raw;
};

/* conn_call sends method base_url+api+path (path may also be a full URL
 * starting with http) with body (borrowed, may be NULL) as JSON. Returns
 * FF_OK for a 2xx answer; otherwise the rc matching the status (401
 * EUNAUTH, 403 EFORBIDDEN, 404 ENOTFOUND, 400/422 EINVAL, 409 ECONFLICT,
 * 410 ENOTSUP, 429/5xx/transport ETEMP) with last_error set from the
 * error body. Free the reply with conn_reply_free in every case. */
int conn_call(struct conn *c, const char *method, const char *path, const json_t *body,
	      struct conn_reply *r);
void conn_reply_free(struct conn_reply *r);
void conn_set_error(struct conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* small jansson helpers: NULL-safe, "" for missing strings */
const char *cj_str(const json_t *o, const char *key);
/* cj_id copies a string or integer member into out; returns 1 when found */
int cj_id(const json_t *o, const char *key, char *out, size_t outlen);
const json_t *cj_path(const json_t *o, const char *dotted);
/* header value of a webhook (case-insensitive) or NULL */
const char *conn_hook_header(const struct conn_webhook_in *in, const char *name);
/* "sha256:<hex>" of the body, the delivery id of last resort */
void conn_body_digest(const struct conn_webhook_in *in, char *out, size_t outlen);
/* HMAC-SHA256 signature check of "sha256=<hex>" over the raw body */
int conn_hmac_check(const char *secret, const char *header, const struct conn_webhook_in *in);
/* the marker line put into descriptions: "flawfix-key: <key>" */
void conn_marker(const char *key, char *out, size_t outlen);

/* conn_pick_user chooses from a tracker's user search result: the only
 * entry, else the one whose match_keys (NULL-terminated member names)
 * equal who case-insensitively. Copies its id_key into id. FF_ENOTFOUND,
 * FF_ECONFLICT with last_error set. */
int conn_pick_user(struct conn *c, const json_t *users, const char *who, const char *id_key,
		   const char *const *match_keys, char *id, size_t idlen);
/* conn_status_by_name: DONE when name is one of done, OPEN when one of
 * open (NULL-terminated lists), else UNKNOWN: the backends' status maps */
enum conn_status conn_status_by_name(const char *name, const char *const *done, const char *const *open);
/* conn_whoami_get: GET path, then the user object (member `wrap` of the
 * answer, or the answer itself when wrap is NULL) gives id_key and
 * name_key; an answer without the id is FF_EPERM naming the path */
int conn_whoami_get(struct conn *c, const char *path, const char *wrap, const char *id_key, const char *name_key,
		    char *id, size_t idlen, char *name, size_t namelen);
/* conn_get_ok: GET path and report only the rc (project checks) */
int conn_get_ok(struct conn *c, const char *path);

extern const struct conn_ops conn_jira_ops;
extern const struct conn_ops conn_gitlab_ops;
extern const struct conn_ops conn_redmine_ops;

#endif
