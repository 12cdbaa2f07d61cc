/* The fakes themselves follow protocols.md section 7: raw HTTP checks of
 * the details the connectors depend on (error shapes, paging headers,
 * rate-limit headers, the removed Cloud search). */
#include "conn_common.h"

static struct fakeproc jc, jd, gl;

static int setup(void **state)
{
	(void)state;
	static const char *const ca[] = { "--mode", "cloud", NULL };
	static const char *const da[] = { "--mode", "dc", "--token", "pat", NULL };
	static const char *const ga[] = { "--token", "glpat-x", NULL };
	if (fakeproc_start(&jc, "jira_fake.py", ca) || fakeproc_start(&jd, "jira_fake.py", da) ||
	    fakeproc_start(&gl, "gitlab_fake.py", ga))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fakeproc_stop(&jc);
	fakeproc_stop(&jd);
	fakeproc_stop(&gl);
	return 0;
}

/* one raw request; returns the status, *out gets the response */
static long raw(const struct fakeproc *f, const char *method, const char *path, const char *auth_name,
		const char *auth_value, const char *body, struct hc_response *out)
{
	char u[512];
	snprintf(u, sizeof(u), "%s%s", f->base, path);
	struct http_header h[2] = { { auth_name, auth_value, 1 }, { "Content-Type", "application/json", 0 } };
	struct hc_request req = { .method = method, .url = u, .headers = h, .nheaders = auth_name ? 2 : 0,
				  .body = body, .body_len = body ? strlen(body) : 0 };
	if (!auth_name)
		req.headers = NULL;
	if (auth_name && strcmp(auth_name, "basic") == 0) {
		req.basic_user = "bot@example.com";
		req.basic_password = auth_value;
		h[0] = h[1];
		req.nheaders = 1;
	}
	hc_perform(&req, out);
	return out->status;
}

static json_t *jbody(const struct hc_response *r)
{
	json_t *j = json_loads(r->body, 0, NULL);
	assert_non_null(j);
	return j;
}

static void t_jira_errors(void **state)
{
	(void)state;
	struct hc_response r;
	/* no credentials: 401, not JSON on Cloud */
	assert_int_equal(raw(&jc, "GET", "/rest/api/3/myself", NULL, NULL, NULL, &r), 401);
	assert_null(json_loads(r.body, 0, NULL));
	hc_response_free(&r);
	/* Cloud does not take a Bearer token for an API token */
	assert_int_equal(raw(&jc, "GET", "/rest/api/3/myself", "Authorization", "Bearer jira-token", NULL, &r), 401);
	hc_response_free(&r);
	/* the old search is gone on Cloud */
	assert_int_equal(raw(&jc, "GET", "/rest/api/3/search?jql=project%3DSEC", "basic", "jira-token", NULL, &r), 410);
	json_t *j = jbody(&r);
	assert_non_null(strstr(json_string_value(json_array_get(json_object_get(j, "errorMessages"), 0)),
			       "/rest/api/3/search/jql"));
	assert_true(json_is_object(json_object_get(j, "errors")));
	json_decref(j);
	hc_response_free(&r);
	/* missing summary: errors by field */
	assert_int_equal(raw(&jc, "POST", "/rest/api/3/issue", "basic", "jira-token",
			     "{\"fields\":{\"project\":{\"key\":\"SEC\"},\"issuetype\":{\"name\":\"Bug\"}}}", &r), 400);
	j = jbody(&r);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "errors"), "summary")),
			    "You must specify a summary of the issue.");
	assert_int_equal(json_array_size(json_object_get(j, "errorMessages")), 0);
	json_decref(j);
	hc_response_free(&r);
	/* unknown issue */
	assert_int_equal(raw(&jd, "GET", "/rest/api/2/issue/SEC-999", "Authorization", "Bearer pat", NULL, &r), 404);
	j = jbody(&r);
	assert_non_null(strstr(json_string_value(json_array_get(json_object_get(j, "errorMessages"), 0)),
			       "does not exist"));
	json_decref(j);
	hc_response_free(&r);
	/* DC takes a string comment, not ADF */
	assert_int_equal(raw(&jd, "POST", "/rest/api/2/issue", "Authorization", "Bearer pat",
			     "{\"fields\":{\"project\":{\"key\":\"SEC\"},\"issuetype\":{\"name\":\"Bug\"},"
			     "\"summary\":\"s\",\"description\":{\"type\":\"doc\",\"version\":1,\"content\":[]}}}", &r), 400);
	hc_response_free(&r);
}

static void t_jira_rate_limit_headers(void **state)
{
	(void)state;
	struct fakeproc save = tracker;
	tracker = jc;
	ctl_fail(429, 1, "2");
	tracker = save;
	struct hc_response r;
	assert_int_equal(raw(&jc, "GET", "/rest/api/3/myself", "basic", "jira-token", NULL, &r), 429);
	char v[64];
	assert_true(hc_header_get(&r, "Retry-After", v, sizeof(v)));
	assert_string_equal(v, "2");
	assert_true(hc_header_get(&r, "X-RateLimit-Remaining", v, sizeof(v)));
	assert_string_equal(v, "0");
	assert_true(hc_header_get(&r, "RateLimit-Reason", v, sizeof(v)));
	assert_true(hc_header_get(&r, "X-RateLimit-Reset", v, sizeof(v)));
	assert_int_equal(r.retry_after_ms, 2000);
	hc_response_free(&r);
	assert_int_equal(raw(&jc, "GET", "/rest/api/3/myself", "basic", "jira-token", NULL, &r), 200);
	hc_response_free(&r);
}

static void t_jira_cloud_search_tokens(void **state)
{
	(void)state;
	struct hc_response r;
	for (int i = 0; i < 3; i++) {
		char b[200];
		snprintf(b, sizeof(b), "{\"fields\":{\"project\":{\"key\":\"SEC\"},\"issuetype\":{\"name\":\"Bug\"},"
			 "\"summary\":\"s%d\",\"labels\":[\"pg\"]}}", i);
		assert_int_equal(raw(&jc, "POST", "/rest/api/3/issue", "basic", "jira-token", b, &r), 201);
		hc_response_free(&r);
	}
	/* no fields: ids only; a token while more remain; none on the last page */
	assert_int_equal(raw(&jc, "GET", "/rest/api/3/search/jql?jql=labels%20%3D%20pg&maxResults=2",
			     "basic", "jira-token", NULL, &r), 200);
	json_t *j = jbody(&r);
	json_t *first = json_array_get(json_object_get(j, "issues"), 0);
	assert_int_equal(json_object_size(first), 1);
	assert_non_null(json_object_get(first, "id"));
	assert_true(json_is_false(json_object_get(j, "isLast")));
	char path[256];
	snprintf(path, sizeof(path), "/rest/api/3/search/jql?jql=labels%%20%%3D%%20pg&maxResults=2&nextPageToken=%s",
		 json_string_value(json_object_get(j, "nextPageToken")));
	json_decref(j);
	hc_response_free(&r);
	assert_int_equal(raw(&jc, "GET", path, "basic", "jira-token", NULL, &r), 200);
	j = jbody(&r);
	assert_int_equal(json_array_size(json_object_get(j, "issues")), 1);
	assert_true(json_is_true(json_object_get(j, "isLast")));
	assert_null(json_object_get(j, "nextPageToken")); /* absent, not null */
	json_decref(j);
	hc_response_free(&r);
}

static void t_gitlab_shapes(void **state)
{
	(void)state;
	struct hc_response r;
	assert_int_equal(raw(&gl, "GET", "/api/v4/user", NULL, NULL, NULL, &r), 401);
	json_t *j = jbody(&r);
	assert_string_equal(json_string_value(json_object_get(j, "message")), "401 Unauthorized");
	json_decref(j);
	hc_response_free(&r);
	assert_int_equal(raw(&gl, "GET", "/api/v4/projects/99/issues", "PRIVATE-TOKEN", "glpat-x", NULL, &r), 404);
	j = jbody(&r);
	assert_string_equal(json_string_value(json_object_get(j, "message")), "404 Project Not Found");
	json_decref(j);
	hc_response_free(&r);
	assert_int_equal(raw(&gl, "POST", "/api/v4/projects/4/issues", "PRIVATE-TOKEN", "glpat-x", "{}", &r), 400);
	j = jbody(&r);
	assert_string_equal(json_string_value(json_object_get(j, "error")), "title is missing");
	json_decref(j);
	hc_response_free(&r);
	/* three issues, labels as a comma string; pages of two */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(raw(&gl, "POST", "/api/v4/projects/acme%2Fweb/issues", "Authorization",
				     "Bearer glpat-x", "{\"title\":\"t\",\"labels\":\"a,b\"}", &r), 201);
		hc_response_free(&r);
	}
	char v[512];
	assert_int_equal(raw(&gl, "GET", "/api/v4/projects/4/issues?per_page=2&labels=a", "PRIVATE-TOKEN",
			     "glpat-x", NULL, &r), 200);
	assert_true(hc_header_get(&r, "x-next-page", v, sizeof(v)));
	assert_string_equal(v, "2");
	assert_true(hc_header_get(&r, "x-total", v, sizeof(v)));
	assert_string_equal(v, "3");
	assert_true(hc_header_get(&r, "Link", v, sizeof(v)));
	assert_non_null(strstr(v, "rel=\"next\""));
	hc_response_free(&r);
	assert_int_equal(raw(&gl, "GET", "/api/v4/projects/4/issues?per_page=2&page=2&labels=a", "PRIVATE-TOKEN",
			     "glpat-x", NULL, &r), 200);
	assert_true(hc_header_get(&r, "x-next-page", v, sizeof(v)));
	assert_string_equal(v, ""); /* empty on the last page */
	assert_true(hc_header_get(&r, "Link", v, sizeof(v)));
	assert_null(strstr(v, "rel=\"next\""));
	hc_response_free(&r);
	/* closing adds a system note */
	assert_int_equal(raw(&gl, "PUT", "/api/v4/projects/4/issues/1", "PRIVATE-TOKEN", "glpat-x",
			     "{\"state_event\":\"close\"}", &r), 200);
	j = jbody(&r);
	assert_string_equal(json_string_value(json_object_get(j, "state")), "closed");
	json_decref(j);
	hc_response_free(&r);
	assert_int_equal(raw(&gl, "GET", "/api/v4/projects/4/issues/1/notes", "PRIVATE-TOKEN", "glpat-x",
			     NULL, &r), 200);
	j = jbody(&r);
	assert_true(json_is_true(json_object_get(json_array_get(j, 0), "system")));
	json_decref(j);
	hc_response_free(&r);
}

static void t_gitlab_rate_limit(void **state)
{
	(void)state;
	struct fakeproc save = tracker;
	tracker = gl;
	ctl_fail(429, 1, "3");
	tracker = save;
	struct hc_response r;
	assert_int_equal(raw(&gl, "GET", "/api/v4/user", "PRIVATE-TOKEN", "glpat-x", NULL, &r), 429);
	char v[64];
	assert_string_equal(r.body, "Retry later\n");
	assert_true(hc_header_get(&r, "RateLimit-Remaining", v, sizeof(v)));
	assert_string_equal(v, "0");
	assert_true(hc_header_get(&r, "RateLimit-Reset", v, sizeof(v)));
	assert_true(hc_header_get(&r, "RateLimit-ResetTime", v, sizeof(v)));
	assert_int_equal(r.retry_after_ms, 3000);
	hc_response_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_jira_errors),
		cmocka_unit_test(t_jira_rate_limit_headers),
		cmocka_unit_test(t_jira_cloud_search_tokens),
		cmocka_unit_test(t_gitlab_shapes),
		cmocka_unit_test(t_gitlab_rate_limit),
	};
	return cmocka_run_group_tests_name("fakes", tests, setup, teardown);
}
