/* Route matching over the static table in daemon/api/routes.c. Patterns are
 * literal segments and {name} placeholders matching one non-empty segment. */
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "http.h"

/* match one pattern; fills req params when req is not NULL */
static bool match(const char *pat, const char *path, struct http_req *req)
{
	int np = 0;
	char *vals[HTTP_MAX_PARAMS];
	const char *names[HTTP_MAX_PARAMS];
	while (*pat && *path) {
		if (*pat == '{') {
			const char *pe = strchr(pat, '}');
			const char *se = strchr(path, '/');
			size_t sl = se ? (size_t)(se - path) : strlen(path);
			if (!pe || sl == 0 || np >= HTTP_MAX_PARAMS)
				goto no;
			names[np] = pat + 1; /* up to '}' */
			vals[np++] = xstrndup(path, sl);
			pat = pe + 1;
			path += sl;
			continue;
		}
		if (*pat != *path)
			goto no;
		pat++;
		path++;
	}
	if (*pat || *path)
		goto no;
	if (req) {
		for (int i = 0; i < np; i++) {
			req->param_names[i] = names[i];
			req->param_values[i] = vals[i];
		}
		req->nparams = np;
	} else {
		for (int i = 0; i < np; i++)
			free(vals[i]);
	}
	return true;
no:
	for (int i = 0; i < np; i++)
		free(vals[i]);
	return false;
}

int http_route_match(const char *method, const char *path, struct http_req *req, bool *method_mismatch)
{
	*method_mismatch = false;
	for (int i = 0; i < http_routes_len; i++) {
		if (!match(http_routes[i].pattern, path, NULL))
			continue;
		if (strcmp(http_routes[i].method, method) != 0) {
			*method_mismatch = true;
			continue;
		}
		if (req)
			match(http_routes[i].pattern, path, req);
		return i;
	}
	return -1;
}

const char *http_param(const struct http_req *req, const char *name)
{
	size_t n = strlen(name);
	for (int i = 0; i < req->nparams; i++)
		if (strncmp(req->param_names[i], name, n) == 0 && req->param_names[i][n] == '}')
			return req->param_values[i];
	return NULL;
}
