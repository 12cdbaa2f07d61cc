/* connectors/conn.h - ticket trackers behind one ops table (OpenSMTPD-style
 * backends: a static const ops struct, capability bits, a registry by name).
 * Callers use the conn_* wrappers, never ops-> directly; an operation a
 * backend does not have (NULL in its table) answers FF_ENOTSUP.
 *
 * Connectors never touch the database: everything that must survive a
 * restart (delivery ids, remembered comment ids, ticket rows) is handed to
 * the caller, which stores it. */
#ifndef FF_CONNECTORS_CONN_H
#define FF_CONNECTORS_CONN_H

#include <stddef.h>
#include <time.h>

#include "connectors/http_client.h"

enum conn_cap {
	CONN_CAP_WEBHOOK = 1 << 0,   /* the tracker pushes changes */
	CONN_CAP_POLL = 1 << 1,      /* changes can be listed since a time */
	CONN_CAP_ASSIGN = 1 << 2,
	CONN_CAP_LABELS = 1 << 3,
	CONN_CAP_SIGNED_HOOKS = 1 << 4, /* webhooks carry an HMAC signature */
};

enum conn_mode { CONN_MODE_DEFAULT = 0, CONN_MODE_CLOUD, CONN_MODE_DC };

/* where a remote ticket stands, by category (never by status name) */
enum conn_status { CONN_STATUS_UNKNOWN = 0, CONN_STATUS_OPEN, CONN_STATUS_DONE };

/* one extra remote field: name as the tracker knows it, value as JSON text
 * (e.g. {"priority", "{\"name\":\"High\"}"} or {"customfield_10010", "\"x\""}) */
struct conn_field {
	const char *name;
	const char *json;
};

/* A tracker instance. Strings are borrowed by conn_open(), which copies
 * what it keeps. */
struct conn_config {
	const char *kind;            /* "jira", "gitlab", "redmine" */
	const char *base_url;        /* e.g. https://acme.atlassian.net, no trailing slash needed */
	enum conn_mode mode;         /* Jira: CLOUD (REST v3, ADF) or DC (REST v2, wiki) */
	const char *user;            /* Jira Cloud e-mail / DC Basic user; NULL: token alone */
	const char *token;           /* API token, PAT, PRIVATE-TOKEN or Redmine key (secret) */
	const char *project;         /* Jira key, GitLab id or path, Redmine id or identifier */
	const char *issue_type;      /* Jira issue type name, Redmine tracker id; NULL = default */
	const char *const *labels;   /* labels put on every ticket (no spaces) */
	int nlabels;
	const struct conn_field *fields; /* field mapping: extra fields on create */
	int nfields;
	const char *webhook_secret;  /* Jira/Redmine HMAC key, GitLab token; NULL = none */
	const char *close_status;    /* Redmine status id to close with; NULL = first closed */
	const char *reopen_status;   /* Redmine status id to reopen with; NULL = first open */
	const char *proxy;           /* NULL = environment */
	long timeout_ms;             /* per request; 0 = 30 s */
	int max_attempts;            /* 0 = 4 */
	long max_backoff_ms;         /* 0 = 30 s */
	int page_size;               /* list pages; 0 = 50 */
};

/* what we want a ticket to say */
struct conn_issue_spec {
	const char *key;             /* our key, e.g. "ff-42": a label, and a marker line */
	const char *title;
	const char *body;            /* Markdown (GitLab, Redmine) or plain text; Jira Cloud
				      * turns it into ADF, Jira DC sends it as wiki text */
	const char *body_adf;        /* Jira Cloud only: a ready ADF document (JSON), optional */
	const char *const *labels;   /* extra labels for this ticket */
	int nlabels;
	const char *assignee;        /* accountId / name / user id; NULL = none */
	const char *due_date;        /* YYYY-MM-DD or NULL */
};

/* a remote ticket as we see it */
struct conn_issue {
	char id[64];                 /* what every other call takes: Jira id, GitLab iid, Redmine id */
	char key[64];                /* human key: SEC-24, group/project#7, #123 */
	char url[512];               /* for people */
	enum conn_status status;
	char status_name[64];
	char updated[40];            /* as the tracker wrote it */
};

/* a webhook as received: header names any case, the raw body bytes */
struct conn_webhook_in {
	const struct http_header *headers;
	int nheaders;
	const char *body;
	size_t body_len;
};

enum conn_event_kind {
	CONN_EV_IGNORED = 0,         /* nothing for FlawFix (edits, creations, test pings) */
	CONN_EV_STATUS,              /* status category changed: see status */
	CONN_EV_COMMENT,             /* a comment was created: see comment_id, text */
	CONN_EV_DELETED,             /* the ticket was deleted */
};

/* the neutral event of a webhook or a poll; free with conn_event_free() */
struct conn_event {
	enum conn_event_kind kind;
	char delivery_id[160];       /* the tracker's delivery id, or "sha256:<body hash>" */
	char issue_id[64];           /* as in struct conn_issue */
	char issue_key[64];
	enum conn_status status;     /* new status (STATUS) or current one when known */
	char actor_id[128];          /* accountId / DC name / GitLab or Redmine user id */
	char actor_name[128];        /* display name or username */
	char comment_id[64];
	char *text;                  /* comment text, owned, NULL for other kinds */
};

struct conn;                         /* an open instance; opaque */

typedef int (*conn_issue_cb)(const struct conn_issue *issue, void *ud);
typedef int (*conn_event_cb)(const struct conn_event *ev, void *ud);

/* The backend table. Every function may be NULL (not supported) except
 * init, issue_create, find_by_key, comment_add and status_set (checked by
 * conn_registry_check). Functions return common/rc.h codes and leave a
 * message in the instance (conn_last_error). */
struct conn_ops {
	const char *name;            /* "jira", "gitlab", "redmine" */
	unsigned caps;
	int (*init)(struct conn *c);                 /* checks the config, sets auth */
	int (*whoami)(struct conn *c, char *id, size_t idlen, char *name, size_t namelen);
	int (*issue_create)(struct conn *c, const struct conn_issue_spec *spec, struct conn_issue *out);
	int (*issue_update)(struct conn *c, const char *id, const struct conn_issue_spec *spec);
	int (*issue_get)(struct conn *c, const char *id, struct conn_issue *out);
	int (*find_by_key)(struct conn *c, const char *key, struct conn_issue *out);
	int (*comment_add)(struct conn *c, const char *id, const char *text, char *comment_id,
			   size_t idlen);
	int (*status_set)(struct conn *c, const char *id, enum conn_status target);
	enum conn_status (*status_map)(const char *category);
	int (*webhook_verify)(const struct conn *c, const struct conn_webhook_in *in);
	int (*webhook_parse)(const struct conn *c, const struct conn_webhook_in *in,
			     struct conn_event *ev);
	int (*list_changed)(struct conn *c, const char *since, conn_issue_cb cb, void *ud);
	int (*comment_find)(struct conn *c, const char *id, const char *needle, char *comment_id,
			    size_t idlen);
	int (*events_since)(struct conn *c, const char *id, long long after, conn_event_cb cb,
			    void *ud);
	int (*project_check)(struct conn *c);
	int (*user_find)(struct conn *c, const char *who, char *id, size_t idlen);
	int (*hook_register)(struct conn *c, const char *url);
};

/* conn_lookup returns the backend registered under name, or NULL. */
const struct conn_ops *conn_lookup(const char *name);
/* conn_registry_check verifies every registered backend at start-up
 * (unique names, required operations present); returns FF_OK or FF_EPERM. */
int conn_registry_check(char *err, size_t errlen);

/* conn_open checks cfg and returns a new instance in *out (free with
 * conn_close). No network traffic. FF_EINVAL with a message in err for a
 * bad config, FF_ENOTFOUND for an unknown kind. */
int conn_open(const struct conn_config *cfg, struct conn **out, char *err, size_t errlen);
void conn_close(struct conn *c);
const struct conn_ops *conn_backend(const struct conn *c);
/* conn_last_error: the message of the last failed call ("" when none) */
const char *conn_last_error(const struct conn *c);
int conn_has_cap(const struct conn *c, unsigned cap);

/* ---- the wrappers callers use ------------------------------------------ */

/* conn_whoami asks the tracker who our integration user is (Jira /myself,
 * GitLab /user, Redmine /users/current.json) and remembers it for
 * conn_event_is_echo. id/name may be NULL. */
int conn_whoami(struct conn *c, char *id, size_t idlen, char *name, size_t namelen);
/* conn_self_id: the remembered integration user id ("" before conn_whoami) */
const char *conn_self_id(const struct conn *c);
/* conn_issue_create is idempotent: it first looks for a ticket carrying
 * spec->key and returns that one (FF_OK, *created = 0) instead of creating
 * a second; *created = 1 when it made a new one. created may be NULL. */
int conn_issue_create(struct conn *c, const struct conn_issue_spec *spec, struct conn_issue *out,
		      int *created);
int conn_issue_update(struct conn *c, const char *id, const struct conn_issue_spec *spec);
int conn_issue_get(struct conn *c, const char *id, struct conn_issue *out);
/* conn_find_by_key: FF_OK with *out, or FF_ENOTFOUND */
int conn_find_by_key(struct conn *c, const char *key, struct conn_issue *out);
/* conn_comment_add posts text and remembers the new comment id (echo
 * suppression); comment_id may be NULL. */
int conn_comment_add(struct conn *c, const char *id, const char *text, char *comment_id,
		     size_t idlen);
/* conn_comment_find looks through the ticket's comments (every page) for
 * one of our integration user's whose text contains needle: FF_OK with its id (remembered for echo
 * suppression), FF_ENOTFOUND when none does. Used before posting again a
 * comment whose first post may have reached the tracker (a lost answer, a
 * crash before it was recorded). */
int conn_comment_find(struct conn *c, const char *id, const char *needle, char *comment_id, size_t idlen);
/* conn_status_set moves the ticket to a status of the target category
 * (no-op when it already is there). */
int conn_status_set(struct conn *c, const char *id, enum conn_status target);
/* conn_status_map: Jira statusCategory key, GitLab state, Redmine is_closed
 * ("true"/"false") to OPEN/DONE; UNKNOWN for anything else. */
enum conn_status conn_status_map(const struct conn *c, const char *category);
/* conn_webhook_verify: FF_OK, or FF_EUNAUTH for a bad or missing
 * signature/token (also when the instance has no secret configured). */
int conn_webhook_verify(const struct conn *c, const struct conn_webhook_in *in);
/* conn_webhook_parse fills *ev (free with conn_event_free even on error);
 * FF_EINVAL for an unreadable body. Does not verify: call verify first. */
int conn_webhook_parse(const struct conn *c, const struct conn_webhook_in *in, struct conn_event *ev);
/* conn_list_changed calls cb for every ticket of the project (with our
 * labels) updated at or after since (ISO-8601 UTC "2024-05-01T10:00:00Z"),
 * oldest first, across all pages; a non-zero cb result stops and is
 * returned. */
int conn_list_changed(struct conn *c, const char *since, conn_issue_cb cb, void *ud);
/* conn_events_since (polling trackers): the comment and status events of
 * one ticket whose journal id is greater than after. */
int conn_events_since(struct conn *c, const char *id, long long after, conn_event_cb cb, void *ud);

void conn_event_free(struct conn_event *ev);

/* conn_check is the "test connection" of a tracker instance: it asks who
 * we are and whether the project is visible. FF_OK, or FF_EUNAUTH
 * ("credentials refused"), FF_EFORBIDDEN, FF_ENOTFOUND ("project ... not
 * found or not visible"), FF_ETEMP (unreachable); conn_last_error says
 * exactly which. */
int conn_check(struct conn *c);
/* conn_user_find maps an e-mail address or user name to the tracker's user
 * id (Jira accountId / DC name, GitLab user id, Redmine user id).
 * FF_ENOTFOUND when nobody matches, FF_ECONFLICT when several do. */
int conn_user_find(struct conn *c, const char *who, char *id, size_t idlen);
/* conn_hook_register asks the tracker to send its webhooks to url, signed
 * with the instance's webhook_secret (Jira admin webhook, GitLab project
 * hook with issue and note events, push events off). */
int conn_hook_register(struct conn *c, const char *url);

/* ---- echo suppression and replays (in memory; the daemon persists) ---- */

/* conn_remember_comment records a comment id we wrote (bounded ring);
 * conn_event_is_echo is 1 when ev was caused by us: its actor is our
 * integration user or its comment id is one we remember. */
void conn_remember_comment(struct conn *c, const char *comment_id);
int conn_event_is_echo(const struct conn *c, const struct conn_event *ev);

/* A bounded set of recently seen delivery ids with a time to live. */
struct conn_replay;
struct conn_replay *conn_replay_new(size_t capacity, long ttl_s);
void conn_replay_free(struct conn_replay *r);
/* conn_replay_seen returns 1 when id was seen within the TTL before now,
 * else records it and returns 0. An empty id is never a replay. */
int conn_replay_seen(struct conn_replay *r, const char *id, time_t now);

/* ---- slash commands in ticket comments (pure) ------------------------- */

enum conn_slash_kind {
	CONN_SLASH_NONE = 0,         /* not a command: a plain comment */
	CONN_SLASH_ACCEPT,
	CONN_SLASH_FALSE_POSITIVE,
	CONN_SLASH_REOPEN,
	CONN_SLASH_COMMENT,
	CONN_SLASH_UNKNOWN,          /* starts with /word we do not know */
};

struct conn_slash {
	enum conn_slash_kind kind;
	char *arg;                   /* justification / text, trimmed, owned; NULL when none */
	char error[128];             /* why FF_EINVAL */
};

/* conn_slash_parse reads a comment: the command is the first non-blank
 * text, possibly wrapped by Jira in {{ }} or by people in backticks.
 * Returns FF_OK (kind NONE for plain text), FF_EINVAL for a command missing
 * its justification/text (kind set, error says what). Free with
 * conn_slash_free. */
int conn_slash_parse(const char *text, struct conn_slash *out);
void conn_slash_free(struct conn_slash *s);
const char *conn_slash_name(enum conn_slash_kind kind);

#endif
