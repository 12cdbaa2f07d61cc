/* JSON request bodies: parsed whole (bounded by max_json_body before we get
 * here), duplicates rejected, errors positioned. */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "common/str.h"

json_t *api_body_object(struct http_req *req, struct http_resp *resp)
{
	const char *ct = http_header(req, "Content-Type");
	/* curl -d sends application/x-www-form-urlencoded unless told otherwise;
	 * the body is read as JSON all the same, any other type is refused */
	if (ct && strncmp(ct, "application/json", 16) != 0 && strncmp(ct, "application/merge-patch+json", 28) != 0 &&
	    strncmp(ct, "application/x-www-form-urlencoded", 33) != 0) {
		http_problem(resp, 415, "Unsupported media type", NULL,
			     "send the body as application/json, not %s", ct);
		return NULL;
	}
	if (req->body.len == 0) {
		http_problem(resp, 400, "Malformed JSON", "", "the request body is empty; a JSON object is expected");
		return NULL;
	}
	json_error_t err;
	json_t *v = json_loadb(req->body.data, req->body.len, JSON_REJECT_DUPLICATES, &err);
	if (!v) {
		http_problem(resp, 400, "Malformed JSON", "",
			     "the body is not valid JSON: %s at line %d, column %d (byte %d)", err.text, err.line,
			     err.column, err.position);
		return NULL;
	}
	if (!json_is_object(v)) {
		json_decref(v);
		http_problem(resp, 422, "Validation failed", "", "the body must be a JSON object");
		return NULL;
	}
	return v;
}

void api_pointer(char *out, size_t n, const char *key)
{
	size_t o = 0;
	if (n < 2) {
		if (n)
			out[0] = '\0';
		return;
	}
	out[o++] = '/';
	for (const char *k = key; *k && o + 3 < n; k++) {
		if (*k == '~') {
			out[o++] = '~';
			out[o++] = '0';
		} else if (*k == '/') {
			out[o++] = '~';
			out[o++] = '1';
		} else {
			out[o++] = *k;
		}
	}
	out[o] = '\0';
}

int api_check_fields(json_t *obj, const char *const *allowed, struct http_resp *resp)
{
	const char *key;
	json_t *val;
	json_object_foreach(obj, key, val) {
		int ok = 0;
		for (const char *const *a = allowed; *a; a++)
			if (strcmp(*a, key) == 0)
				ok = 1;
		if (!ok) {
			char ptr[256];
			api_pointer(ptr, sizeof(ptr), key);
			http_problem(resp, 422, "Validation failed", ptr, "unknown field '%s'", key);
			return -1;
		}
	}
	return 0;
}

int api_limit(struct http_req *req, struct http_resp *resp, int def, int max)
{
	const char *s = http_query(req, "limit");
	long long v = def;
	if (s && str_to_ll(s, 1, max, &v)) {
		http_problem(resp, 422, "Validation failed", NULL,
			     "query parameter limit must be an integer from 1 to %d, not '%s'", max, s);
		return -1;
	}
	return (int)v;
}

long long api_cursor(struct http_req *req, struct http_resp *resp)
{
	const char *s = http_query(req, "cursor");
	long long v = 0;
	if (s && str_to_ll(s, 0, 9223372036854775807LL, &v)) {
		http_problem(resp, 422, "Validation failed", NULL,
			     "query parameter cursor must be a value from next_cursor, not '%s'", s);
		return -1;
	}
	return v;
}

long long api_id_param(struct http_req *req, struct http_resp *resp, const char *what)
{
	long long id;
	if (str_to_ll(http_param(req, "id"), 1, 9223372036854775807LL, &id)) {
		http_problem(resp, 404, "Not found", NULL, "no %s '%s'", what, http_param(req, "id"));
		return -1;
	}
	return id;
}
