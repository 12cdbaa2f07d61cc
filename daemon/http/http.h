/* daemon/http/http.h - the HTTP server (libmicrohttpd), requests, responses,
 * problem+json errors (RFC 9457) and the route table.
 *
 * Handlers never call the outside world (STYLE.md habit 9): they validate,
 * write to PostgreSQL, enqueue jobs and answer. */
#ifndef FF_DAEMON_HTTP_HTTP_H
#define FF_DAEMON_HTTP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

struct MHD_Connection;
struct db;

/* who is calling (daemon/auth) */
struct principal {
	long long user_id, org_id, token_id, asset_id;
	char user_name[130];
	char role[16];  /* admin, security, member, auditor */
	char scope[16]; /* read, write, upload; "session" for the web UI */
};

#define HTTP_MAX_PARAMS 4
#define HTTP_MAX_FORM 16

struct http_req {
	const char *method;
	const char *url;                /* path without the query string */
	struct MHD_Connection *conn;
	struct buf body;
	bool body_too_big;
	size_t body_limit;
	const struct route *route;
	int route_index;
	const char *param_names[HTTP_MAX_PARAMS];
	char *param_values[HTTP_MAX_PARAMS];
	int nparams;
	bool authenticated;
	struct principal who;
	int64_t start_us;
	int status;                     /* the answer's status, for metrics */
	/* BODY_SPOOL routes: the body (or the multipart file part) goes to an
	 * unlinked temporary file, so memory does not grow with the upload */
	int spool_fd;                   /* -1 when none */
	size_t spool_size;
	struct MHD_PostProcessor *pp;   /* multipart/form-data uploads */
	char *form_keys[HTTP_MAX_FORM];
	char *form_values[HTTP_MAX_FORM];
	int nform;
	bool spool_error;
};

struct http_resp {
	int status;
	char *body;                     /* owned */
	size_t len;
	const char *content_type;
	char *location;                 /* owned, optional */
	char *extra_header_name, *extra_header_value; /* owned, optional */
};

/* what a route needs from its caller */
enum route_auth {
	AUTH_NONE = 0,   /* public: probes, openapi */
	AUTH_READ,       /* any read-capable token or session */
	AUTH_WRITE,      /* write scope */
	AUTH_UPLOAD,     /* write scope, or an upload token for the asset in the path */
	AUTH_READ_UPLOAD,/* read scope, or an upload token (the handler checks its asset) */
};

enum body_mode { BODY_JSON = 0, BODY_SPOOL = 1 };

typedef void (*http_handler)(struct http_req *req, struct http_resp *resp, struct db *db);

struct route {
	const char *method;
	const char *pattern;            /* "/api/v1/assets/{slug}" */
	http_handler handler;
	enum route_auth auth;
	enum body_mode body_mode;       /* BODY_JSON: max_json_body in memory; BODY_SPOOL: max_report_body to a file */
};

extern const struct route http_routes[];
extern const int http_routes_len;

/* request accessors; returned strings are borrowed for the request's life */
const char *http_param(const struct http_req *req, const char *name);
const char *http_query(const struct http_req *req, const char *name);
const char *http_header(const struct http_req *req, const char *name);
/* http_form: a multipart form field (not the file), or the query parameter
 * of the same name when the body was not multipart */
const char *http_form(const struct http_req *req, const char *name);

/* responses: http_json takes ownership of body (JSON text) */
void http_json(struct http_resp *resp, int status, char *body);
void http_json_const(struct http_resp *resp, int status, const char *body);
void http_text(struct http_resp *resp, int status, const char *ctype, char *body, size_t len);
/* http_problem: application/problem+json with title, detail and (when not
 * NULL) a JSON pointer to the offending field */
void http_problem(struct http_resp *resp, int status, const char *title, const char *pointer,
		  const char *detail_fmt, ...) __attribute__((format(printf, 5, 6)));
/* http_db_error answers a database failure by its result code */
void http_db_error(struct http_resp *resp, int rc, struct db *db);

/* route matching (daemon/http/router.c): index into http_routes or -1;
 * *method_mismatch is set when the path exists with another method. */
int http_route_match(const char *method, const char *path, struct http_req *req, bool *method_mismatch);

/* server lifecycle (daemon/http/server.c) */
int http_start(const char *listen, int threads, char *err, size_t errlen);
/* http_quiesce stops accepting, waits up to grace_ms for in-flight
 * requests, then stops the server. */
void http_stop(int64_t grace_ms);
int http_inflight(void);

/* metrics (daemon/http/metrics.c) */
void http_metrics_observe(int route_index, int status, int64_t micros);
void http_metrics_write(struct buf *out);

#endif
