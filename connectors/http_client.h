/* connectors/http_client.h - the one HTTP client of FlawFix (libcurl).
 *
 * Timeouts, retries on 429/503/5xx and connection errors honouring
 * Retry-After (seconds or HTTP date) with exponential backoff and jitter, a
 * response size cap, TLS verification always on, proxy from the
 * environment or the request, redirects off, and secrets never logged
 * (header values of Authorization, PRIVATE-TOKEN, X-Redmine-API-Key and
 * any header marked secret are redacted in logs). */
#ifndef FF_CONNECTORS_HTTP_CLIENT_H
#define FF_CONNECTORS_HTTP_CLIENT_H

#include <stddef.h>

struct http_header {
	const char *name;
	const char *value;
	int secret;                 /* never logged */
};

struct hc_request {
	const char *method;         /* "GET", "POST", "PUT", "DELETE" */
	const char *url;
	const struct http_header *headers;
	int nheaders;
	const char *body;           /* may be NULL */
	size_t body_len;
	long timeout_ms;            /* whole request; 0 = 30000 */
	long connect_timeout_ms;    /* 0 = 10000 */
	int max_attempts;           /* 0 = 1 (no retry); retries only on temporary failures */
	long max_backoff_ms;        /* cap of one wait; 0 = 60000 */
	size_t max_response;        /* 0 = 16 MiB */
	const char *proxy;          /* NULL = libcurl's environment handling */
	const char *basic_user;     /* HTTP Basic credentials, or NULL */
	const char *basic_password; /* secret */
};

struct hc_response {
	long status;                /* 0 when no HTTP answer was received */
	char *body;                 /* NUL-terminated, owned */
	size_t body_len;
	char *headers;              /* raw header block of the final answer, owned */
	int attempts;               /* how many tries were made */
	long retry_after_ms;        /* from the last answer's Retry-After, -1 if none */
	char error[256];            /* transport error, empty when an answer came */
};

/* hc_perform sends req. Returns FF_OK when an HTTP answer was received
 * (any status; the caller decides), FF_ETEMP for a transport failure or a
 * temporary status (429, 5xx) still failing after the last attempt,
 * FF_ETOOBIG when the response exceeded max_response, FF_EINVAL for a bad
 * request (missing method or URL, a scheme other than http/https).
 * The response is filled in every case; free it with hc_response_free().
 * Retries: 429, 503 and refused connections are retried for every method
 * (the server did not act); other 5xx, 408 and transport errors such as
 * timeouts only for methods other than POST, because a POST may have been
 * processed (callers make creation idempotent by searching first).
 * Waits follow Retry-After when given, else hc_backoff_ms(); each wait is
 * capped by max_backoff_ms. TLS peer and host verification are always on;
 * only http and https URLs are accepted; redirects are never followed. */
int hc_perform(const struct hc_request *req, struct hc_response *resp);
void hc_response_free(struct hc_response *resp);
/* hc_header_get finds a header of the response (case-insensitive) and
 * copies its value into out; returns 1 when found. */
int hc_header_get(const struct hc_response *resp, const char *name, char *out, size_t outlen);
/* hc_url_escape returns a newly allocated percent-encoded copy of s
 * (everything but RFC 3986 unreserved characters is encoded) */
char *hc_url_escape(const char *s);

/* Helpers hc_perform uses, public so they can be tested on their own. */

/* hc_retry_after_ms parses a Retry-After value: delta seconds ("120") or
 * an HTTP date ("Wed, 21 Oct 2015 07:28:00 GMT", compared with now_s).
 * Returns milliseconds to wait (0 for a date in the past) or -1 when the
 * value is missing or unreadable. */
long hc_retry_after_ms(const char *value, long long now_s);
/* hc_backoff_ms is the wait before retry number attempt (1 = first retry)
 * when the server gave no Retry-After: full jitter over
 * min(cap_ms, 500 ms * 2^(attempt-1)); rnd is a uniform random number. */
long hc_backoff_ms(int attempt, long cap_ms, unsigned rnd);
/* hc_status_is_temporary: 408, 429 and 5xx except 501 and 505 */
int hc_status_is_temporary(long status);
/* hc_request_describe writes a one-line description of req for logs:
 * method, URL with the values of secret-looking query parameters (key,
 * token, api_key, private_token, access_token, password) replaced by
 * "***", and the header names with secret values redacted. */
void hc_request_describe(const struct hc_request *req, char *out, size_t outlen);

#endif
