/* responses and request accessors */
#include <jansson.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "common/rc.h"
#include "db/db.h"
#include "http.h"

const char *http_query(const struct http_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_form(const struct http_req *req, const char *name)
{
	for (int i = 0; i < req->nform; i++)
		if (strcmp(req->form_keys[i], name) == 0)
			return req->form_values[i];
	return http_query(req, name);
}

const char *http_header(const struct http_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

void http_json(struct http_resp *resp, int status, char *body)
{
	free(resp->body);
	resp->status = status;
	resp->body = body;
	resp->len = strlen(body);
	resp->content_type = "application/json";
}

void http_json_const(struct http_resp *resp, int status, const char *body)
{
	http_json(resp, status, xstrdup(body));
}

void http_text(struct http_resp *resp, int status, const char *ctype, char *body, size_t len)
{
	free(resp->body);
	resp->status = status;
	resp->body = body;
	resp->len = len;
	resp->content_type = ctype;
}

static const char *problem_slug(int status)
{
	switch (status) {
	case 400: return "bad-request";
	case 401: return "unauthorized";
	case 403: return "forbidden";
	case 404: return "not-found";
	case 405: return "method-not-allowed";
	case 409: return "conflict";
	case 413: return "payload-too-large";
	case 415: return "unsupported-media-type";
	case 422: return "validation-error";
	case 429: return "too-many-requests";
	case 503: return "service-unavailable";
	default: return "internal-error";
	}
}

void http_problem(struct http_resp *resp, int status, const char *title, const char *pointer,
		  const char *fmt, ...)
{
	char detail[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	json_t *p = json_object();
	char type[128];
	snprintf(type, sizeof(type), "https://flawfix.dev/problems/%s", problem_slug(status));
	json_object_set_new(p, "type", json_string(type));
	json_object_set_new(p, "title", json_string(title));
	json_object_set_new(p, "status", json_integer(status));
	json_object_set_new(p, "detail", json_string(detail));
	if (pointer) {
		json_object_set_new(p, "pointer", json_string(pointer));
		json_t *e = json_object();
		json_object_set_new(e, "detail", json_string(detail));
		json_object_set_new(e, "pointer", json_string(pointer));
		json_t *errs = json_array();
		json_array_append_new(errs, e);
		json_object_set_new(p, "errors", errs);
	}
	char *s = json_dumps(p, JSON_COMPACT);
	json_decref(p);
	http_json(resp, status, s);
	resp->content_type = "application/problem+json";
}

void http_db_error(struct http_resp *resp, int rc, struct db *db)
{
	switch (rc) {
	case FF_ENOTFOUND:
		http_problem(resp, 404, "Not found", NULL, "the resource does not exist");
		break;
	case FF_ECONFLICT:
		http_problem(resp, 409, "Conflict", NULL, "%s", db ? db_last_error(db) : "conflict");
		break;
	case FF_ETEMP:
		http_problem(resp, 503, "Service unavailable", NULL, "the database is busy or unreachable; retry");
		break;
	default:
		http_problem(resp, 500, "Internal error", NULL, "the request could not be completed");
		break;
	}
}
