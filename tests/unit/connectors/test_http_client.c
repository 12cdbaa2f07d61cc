/* http_client against tests/fakes/http_fake.py on a loopback port */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <string.h>
#include <time.h>

#include "common/rc.h"
#include "connectors/http_client.h"
#include "tests/fakes/fakeproc.h"

static struct fakeproc fake;

static int setup(void **state)
{
	(void)state;
	return fakeproc_start(&fake, "http_fake.py", NULL);
}

static int teardown(void **state)
{
	(void)state;
	fakeproc_stop(&fake);
	return 0;
}

static char *url(const char *path)
{
	static char u[256];
	snprintf(u, sizeof(u), "%s%s", fake.base, path);
	return u;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void test_get_ok(void **state)
{
	(void)state;
	struct hc_request req = { .method = "GET", .url = url("/ok") };
	struct hc_response r;
	assert_int_equal(hc_perform(&req, &r), FF_OK);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "hello");
	assert_int_equal(r.body_len, 5);
	assert_int_equal(r.attempts, 1);
	char ct[64];
	assert_true(hc_header_get(&r, "content-type", ct, sizeof(ct)));
	assert_string_equal(ct, "text/plain");
	assert_false(hc_header_get(&r, "X-Nope", ct, sizeof(ct)));
	hc_response_free(&r);
}

static void test_503_retry_after_then_200(void **state)
{
	(void)state;
	struct hc_request req = { .method = "GET", .url = url("/flaky/a?fail=2&status=503&retry_after=1"),
				  .max_attempts = 5 };
	struct hc_response r;
	long t0 = now_ms();
	assert_int_equal(hc_perform(&req, &r), FF_OK);
	long took = now_ms() - t0;
	assert_int_equal(r.status, 200);
	assert_int_equal(r.attempts, 3);
	assert_string_equal(r.body, "ok after 2");
	/* two waits of Retry-After: 1 s each */
	assert_true(took >= 1900);
	assert_true(took < 6000);
	hc_response_free(&r);
}

static void test_retry_after_http_date(void **state)
{
	(void)state;
	struct hc_request req = { .method = "GET", .url = url("/retry-date/d"), .max_attempts = 3 };
	struct hc_response r;
	assert_int_equal(hc_perform(&req, &r), FF_OK);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.attempts, 2);
	assert_string_equal(r.body, "ok after date");
	hc_response_free(&r);
}

static void test_429_exhausts_attempts(void **state)
{
	(void)state;
	struct hc_request req = { .method = "POST", .url = url("/always/429"), .body = "{}",
				  .body_len = 2, .max_attempts = 3, .max_backoff_ms = 50 };
	struct hc_response r;
	long t0 = now_ms();
	assert_int_equal(hc_perform(&req, &r), FF_ETEMP);
	assert_int_equal(r.status, 429);
	assert_int_equal(r.attempts, 3);
	assert_int_equal(r.retry_after_ms, 1000);
	/* the wait is capped by max_backoff_ms: uncapped, two Retry-After
	 * waits alone would take 2000 ms (margin for a loaded CI machine) */
	assert_true(now_ms() - t0 < 1900);
	hc_response_free(&r);
	struct hc_request h = { .method = "GET", .url = url("/hits/always-429") };
	assert_int_equal(hc_perform(&h, &r), FF_OK);
	assert_string_equal(r.body, "3");
	hc_response_free(&r);
}

static void test_post_not_repeated_on_500(void **state)
{
	(void)state;
	struct hc_request req = { .method = "POST", .url = url("/flaky/p?fail=1&status=500"),
				  .max_attempts = 3, .max_backoff_ms = 10 };
	struct hc_response r;
	assert_int_equal(hc_perform(&req, &r), FF_ETEMP);
	assert_int_equal(r.status, 500);
	assert_int_equal(r.attempts, 1);
	hc_response_free(&r);
	/* the same on PUT is retried */
	struct hc_request put = { .method = "PUT", .url = url("/flaky/q?fail=1&status=502"),
				  .max_attempts = 3, .max_backoff_ms = 10 };
	assert_int_equal(hc_perform(&put, &r), FF_OK);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.attempts, 2);
	hc_response_free(&r);
}

static void test_404_is_answer_not_retried(void **state)
{
	(void)state;
	struct hc_request req = { .method = "GET", .url = url("/nowhere"), .max_attempts = 4 };
	struct hc_response r;
	assert_int_equal(hc_perform(&req, &r), FF_OK);
	assert_int_equal(r.status, 404);
	assert_int_equal(r.attempts, 1);
	hc_response_free(&r);
}

static void test_oversized_body(void **state)
{
	(void)state;
	struct hc_request req = { .method = "GET", .url = url("/big?n=200000"), .max_response = 100000 };
	struct hc_response r;
	assert_int_equal(hc_perform(&req, &r), FF_ETOOBIG);
	assert_non_null(strstr(r.error, "larger than 100000"));
	assert_true(r.body_len <= 100000);
	hc_response_free(&r);
	req.max_response = 300000;
	assert_int_equal(hc_perform(&req, &r), FF_OK);
	assert_int_equal(r.body_len, 200000);
	hc_response_free(&r);
}

static void test_slow_answer_times_out(void **state)
{
	(void)state;
	struct hc_request req = { .method = "GET", .url = url("/slow?ms=1500"), .timeout_ms = 300,
				  .max_attempts = 2, .max_backoff_ms = 10 };
	struct hc_response r;
	long t0 = now_ms();
	assert_int_equal(hc_perform(&req, &r), FF_ETEMP);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.attempts, 2);
	assert_true(r.error[0] != '\0');
	/* two attempts cut at 300 ms; waiting for the answers would take 3000 ms */
	assert_true(now_ms() - t0 < 2800);
	hc_response_free(&r);
	req.timeout_ms = 5000;
	req.url = url("/slow?ms=200");
	assert_int_equal(hc_perform(&req, &r), FF_OK);
	assert_string_equal(r.body, "slow ok");
	hc_response_free(&r);
}

static void test_connection_refused(void **state)
{
	(void)state;
	/* port 1 on loopback: nothing listens there */
	struct hc_request req = { .method = "POST", .url = "http://127.0.0.1:1/x",
				  .max_attempts = 2, .max_backoff_ms = 10 };
	struct hc_response r;
	assert_int_equal(hc_perform(&req, &r), FF_ETEMP);
	assert_int_equal(r.status, 0);
	/* refused connections never reached the server: retried even for POST */
	assert_int_equal(r.attempts, 2);
	hc_response_free(&r);
}

static void test_redirect_not_followed(void **state)
{
	(void)state;
	struct hc_request req = { .method = "GET", .url = url("/redirect") };
	struct hc_response r;
	assert_int_equal(hc_perform(&req, &r), FF_OK);
	assert_int_equal(r.status, 302);
	assert_string_equal(r.body, "moved");
	hc_response_free(&r);
}

static void test_headers_body_and_basic_auth_sent(void **state)
{
	(void)state;
	struct http_header h[] = { { "PRIVATE-TOKEN", "glpat-secret", 1 },
				   { "Content-Type", "application/json", 0 } };
	struct hc_request req = { .method = "PUT", .url = url("/echo"), .headers = h, .nheaders = 2,
				  .body = "{\"a\":1}", .body_len = 7, .basic_user = "me@example.com",
				  .basic_password = "tok" };
	struct hc_response r;
	assert_int_equal(hc_perform(&req, &r), FF_OK);
	json_t *j = json_loads(r.body, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "method")), "PUT");
	assert_string_equal(json_string_value(json_object_get(j, "body")), "{\"a\":1}");
	json_t *hd = json_object_get(j, "headers");
	assert_string_equal(json_string_value(json_object_get(hd, "private-token")), "glpat-secret");
	/* base64("me@example.com:tok") */
	assert_string_equal(json_string_value(json_object_get(hd, "authorization")),
			    "Basic bWVAZXhhbXBsZS5jb206dG9r");
	assert_null(json_object_get(hd, "expect"));
	json_decref(j);
	hc_response_free(&r);
}

static void test_delete_without_body(void **state)
{
	(void)state;
	struct hc_request req = { .method = "DELETE", .url = url("/echo") };
	struct hc_response r;
	assert_int_equal(hc_perform(&req, &r), FF_OK);
	json_t *j = json_loads(r.body, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(j, "method")), "DELETE");
	json_decref(j);
	hc_response_free(&r);
}

static void test_invalid_request(void **state)
{
	(void)state;
	struct hc_request req = { .method = NULL, .url = "http://x" };
	struct hc_response r;
	assert_int_equal(hc_perform(&req, &r), FF_EINVAL);
	hc_response_free(&r);
	struct hc_request ftp = { .method = "GET", .url = "file:///etc/passwd" };
	assert_int_equal(hc_perform(&ftp, &r), FF_EINVAL);
	assert_int_equal(r.status, 0);
	assert_null(strstr(r.body, "root"));
	hc_response_free(&r);
}

static void test_proxy(void **state)
{
	(void)state;
	/* the origin does not exist: only the proxy can answer */
	struct hc_request req = { .method = "GET", .url = "http://origin.invalid/ok", .proxy = fake.base };
	struct hc_response r;
	assert_int_equal(hc_perform(&req, &r), FF_OK);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "hello");
	hc_response_free(&r);
	struct hc_request h = { .method = "GET", .url = url("/hits/proxied") };
	assert_int_equal(hc_perform(&h, &r), FF_OK);
	assert_string_equal(r.body, "1");
	hc_response_free(&r);
}

static void test_retry_after_parse(void **state)
{
	(void)state;
	assert_int_equal(hc_retry_after_ms("2", 0), 2000);
	assert_int_equal(hc_retry_after_ms(" 120 ", 0), 120000);
	assert_int_equal(hc_retry_after_ms("-1", 0), -1);
	assert_int_equal(hc_retry_after_ms("soon", 0), -1);
	assert_int_equal(hc_retry_after_ms("", 0), -1);
	assert_int_equal(hc_retry_after_ms(NULL, 0), -1);
	assert_int_equal(hc_retry_after_ms("3x", 0), -1);
	/* Wed, 21 Oct 2015 07:28:00 GMT = 1445412480 */
	assert_int_equal(hc_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT", 1445412470LL), 10000);
	assert_int_equal(hc_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT", 1445412490LL), 0);
}

static void test_backoff(void **state)
{
	(void)state;
	for (unsigned r = 0; r < 2000; r += 7) {
		long a1 = hc_backoff_ms(1, 60000, r);
		long a4 = hc_backoff_ms(4, 60000, r);
		long a30 = hc_backoff_ms(30, 60000, r);
		assert_true(a1 >= 50 && a1 <= 500);
		assert_true(a4 >= 400 && a4 <= 4000);
		assert_true(a30 >= 6000 && a30 <= 60000);
		assert_true(hc_backoff_ms(10, 100, r) <= 100);
	}
	/* jitter: different random numbers give different waits */
	assert_int_not_equal(hc_backoff_ms(5, 60000, 1), hc_backoff_ms(5, 60000, 1234));
	assert_true(hc_status_is_temporary(503));
	assert_true(hc_status_is_temporary(429));
	assert_true(hc_status_is_temporary(500));
	assert_false(hc_status_is_temporary(501));
	assert_false(hc_status_is_temporary(404));
	assert_false(hc_status_is_temporary(200));
}

static void test_describe_redacts(void **state)
{
	(void)state;
	struct http_header h[] = { { "Authorization", "Bearer pat-123", 0 },
				   { "X-Redmine-API-Key", "rmkey", 0 },
				   { "X-Custom", "custom-secret", 1 },
				   { "Accept", "application/json", 0 } };
	struct hc_request req = { .method = "GET",
				  .url = "https://r.example/issues.json?key=abc&status_id=*&token=t2#frag",
				  .headers = h, .nheaders = 4, .basic_user = "u", .basic_password = "pw" };
	char d[512];
	hc_request_describe(&req, d, sizeof(d));
	assert_null(strstr(d, "pat-123"));
	assert_null(strstr(d, "rmkey"));
	assert_null(strstr(d, "custom-secret"));
	assert_null(strstr(d, "abc"));
	assert_null(strstr(d, "t2"));
	assert_null(strstr(d, "pw"));
	assert_non_null(strstr(d, "status_id=*"));
	assert_non_null(strstr(d, "key=***"));
	assert_non_null(strstr(d, "Accept=application/json"));
	assert_non_null(strstr(d, "#frag"));
	char small[16];
	hc_request_describe(&req, small, sizeof(small));
	assert_true(strlen(small) < sizeof(small));
}

static void test_url_escape(void **state)
{
	(void)state;
	char *e = hc_url_escape("project = SEC AND labels = \"a/b\"~_.-");
	assert_string_equal(e, "project%20%3D%20SEC%20AND%20labels%20%3D%20%22a%2Fb%22~_.-");
	free(e);
	e = hc_url_escape("");
	assert_string_equal(e, "");
	free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_ok),
		cmocka_unit_test(test_503_retry_after_then_200),
		cmocka_unit_test(test_retry_after_http_date),
		cmocka_unit_test(test_429_exhausts_attempts),
		cmocka_unit_test(test_post_not_repeated_on_500),
		cmocka_unit_test(test_404_is_answer_not_retried),
		cmocka_unit_test(test_oversized_body),
		cmocka_unit_test(test_slow_answer_times_out),
		cmocka_unit_test(test_connection_refused),
		cmocka_unit_test(test_redirect_not_followed),
		cmocka_unit_test(test_headers_body_and_basic_auth_sent),
		cmocka_unit_test(test_delete_without_body),
		cmocka_unit_test(test_invalid_request),
		cmocka_unit_test(test_proxy),
		cmocka_unit_test(test_retry_after_parse),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_describe_redacts),
		cmocka_unit_test(test_url_escape),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
