/* The OpenAPI document describes exactly the routes of the router: every
 * route is in the document and every operation of the document is a route. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/embed.h"
#include "daemon/http/http.h"

extern const struct ff_embedded ff_api_files[];

static json_t *load_doc(void)
{
	for (const struct ff_embedded *f = ff_api_files; f->name; f++)
		if (strcmp(f->name, "openapi.json") == 0)
			return json_loadb(f->data, f->len, 0, NULL);
	return NULL;
}

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

static void test_every_route_documented(void **state)
{
	(void)state;
	json_t *doc = load_doc();
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "openapi")), "3.1.0");
	json_t *paths = json_object_get(doc, "paths");
	for (int i = 0; i < http_routes_len; i++) {
		char m[16];
		snprintf(m, sizeof(m), "%s", http_routes[i].method);
		lower(m);
		json_t *op = json_object_get(json_object_get(paths, http_routes[i].pattern), m);
		if (!op)
			fail_msg("route %s %s is not in openapi.json", http_routes[i].method, http_routes[i].pattern);
	}
	json_decref(doc);
}

static void test_every_operation_routed(void **state)
{
	(void)state;
	static const char *methods[] = { "get", "post", "put", "patch", "delete" };
	json_t *doc = load_doc();
	const char *path;
	json_t *item;
	int ops = 0;
	json_object_foreach(json_object_get(doc, "paths"), path, item) {
		for (size_t k = 0; k < 5; k++) {
			if (!json_object_get(item, methods[k]))
				continue;
			ops++;
			int found = 0;
			for (int i = 0; i < http_routes_len; i++) {
				char m[16];
				snprintf(m, sizeof(m), "%s", http_routes[i].method);
				lower(m);
				if (strcmp(m, methods[k]) == 0 && strcmp(http_routes[i].pattern, path) == 0)
					found = 1;
			}
			if (!found)
				fail_msg("openapi.json has %s %s but the router does not", methods[k], path);
		}
	}
	assert_int_equal(ops, http_routes_len);
	json_decref(doc);
}

static void test_router_matches(void **state)
{
	(void)state;
	bool mm = false;
	struct http_req req;
	memset(&req, 0, sizeof(req));
	int i = http_route_match("GET", "/api/v1/assets/shop", &req, &mm);
	assert_true(i >= 0);
	assert_string_equal(http_param(&req, "slug"), "shop");
	free(req.param_values[0]);
	assert_int_equal(http_route_match("GET", "/api/v1/assets/shop/extra", NULL, &mm), -1);
	assert_int_equal(http_route_match("DELETE", "/api/v1/assets/shop", NULL, &mm), -1);
	assert_true(mm);
	assert_int_equal(http_route_match("GET", "/api/v1/assets/", NULL, &mm), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_route_documented),
		cmocka_unit_test(test_every_operation_routed),
		cmocka_unit_test(test_router_matches),
	};
	return cmocka_run_group_tests_name("openapi", tests, NULL, NULL);
}
