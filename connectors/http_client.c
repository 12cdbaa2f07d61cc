#include "http_client.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/rc.h"

#define MOD "http"
#define DEF_TIMEOUT_MS 30000L
#define DEF_CONNECT_MS 10000L
#define DEF_MAX_BACKOFF_MS 60000L
#define DEF_MAX_RESPONSE ((size_t)16 << 20)
#define MAX_HEADER_BLOCK ((size_t)64 << 10)
#define BACKOFF_BASE_MS 500L

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ---- pure helpers ------------------------------------------------------ */

int hc_status_is_temporary(long status)
{
	if (status == 408 || status == 429)
		return 1;
	return status >= 500 && status <= 599 && status != 501 && status != 505;
}

long hc_backoff_ms(int attempt, long cap_ms, unsigned rnd)
{
	if (cap_ms <= 0)
		cap_ms = DEF_MAX_BACKOFF_MS;
	long ceiling = BACKOFF_BASE_MS;
	for (int i = 1; i < attempt && ceiling < cap_ms; i++)
		ceiling *= 2;
	if (ceiling > cap_ms)
		ceiling = cap_ms;
	/* full jitter, but never less than a tenth of the ceiling */
	long floor_ms = ceiling / 10;
	return floor_ms + (long)(rnd % (unsigned long)(ceiling - floor_ms + 1));
}

long hc_retry_after_ms(const char *value, long long now_s)
{
	if (!value)
		return -1;
	while (*value == ' ' || *value == '\t')
		value++;
	if (!*value)
		return -1;
	if (*value >= '0' && *value <= '9') {
		char *end = NULL;
		errno = 0;
		long long s = strtoll(value, &end, 10);
		while (end && (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n'))
			end++;
		if (errno || !end || *end || s < 0 || s > 86400LL * 7)
			return -1;
		return (long)(s * 1000);
	}
	time_t t = curl_getdate(value, NULL);
	if (t == (time_t)-1)
		return -1;
	if ((long long)t <= now_s)
		return 0;
	long long d = (long long)t - now_s;
	if (d > 86400LL * 7)
		d = 86400LL * 7;
	return (long)(d * 1000);
}

static int header_is_secret(const struct http_header *h)
{
	static const char *const names[] = { "authorization", "private-token",
		"x-redmine-api-key", "proxy-authorization", "cookie", "x-gitlab-token",
		"x-hub-signature", NULL };
	if (h->secret)
		return 1;
	for (size_t i = 0; names[i]; i++)
		if (strcasecmp(h->name, names[i]) == 0)
			return 1;
	return 0;
}

static int param_is_secret(const char *name, size_t n)
{
	static const char *const names[] = { "key", "token", "api_key", "private_token",
		"access_token", "password", NULL };
	for (size_t i = 0; names[i]; i++)
		if (strlen(names[i]) == n && strncasecmp(name, names[i], n) == 0)
			return 1;
	return 0;
}

/* copies url to b with the values of secret query parameters replaced */
static void url_redact(struct buf *b, const char *url)
{
	const char *q = strchr(url, '?');
	if (!q) {
		buf_puts(b, url);
		return;
	}
	buf_append(b, url, (size_t)(q - url) + 1);
	const char *p = q + 1;
	while (*p) {
		size_t plen = strcspn(p, "&#");
		size_t nlen = strcspn(p, "=&#");
		if (nlen < plen && param_is_secret(p, nlen)) {
			buf_append(b, p, nlen + 1);
			buf_puts(b, "***");
		} else {
			buf_append(b, p, plen);
		}
		p += plen;
		if (*p == '#') {
			buf_puts(b, p);
			break;
		}
		if (*p == '&') {
			buf_putc(b, '&');
			p++;
		}
	}
}

void hc_request_describe(const struct hc_request *req, char *out, size_t outlen)
{
	struct buf b;
	buf_init(&b, outlen ? outlen - 1 : 0);
	if (!outlen)
		return;
	buf_printf(&b, "%s ", req->method ? req->method : "?");
	if (req->url)
		url_redact(&b, req->url);
	for (int i = 0; i < req->nheaders; i++) {
		const struct http_header *h = &req->headers[i];
		buf_printf(&b, " %s=%s", h->name, header_is_secret(h) ? "***" : h->value);
	}
	if (req->basic_user)
		buf_puts(&b, " basic_auth=***");
	snprintf(out, outlen, "%s", b.data ? b.data : "");
	buf_free(&b);
}

char *hc_url_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	struct buf b = { 0 };
	buf_puts(&b, "");
	for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
		int keep = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			   (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' || *p == '~';
		if (keep) {
			buf_putc(&b, (char)*p);
		} else {
			char e[3] = { '%', hex[*p >> 4], hex[*p & 15] };
			buf_append(&b, e, 3);
		}
	}
	return buf_steal(&b);
}

int hc_header_get(const struct hc_response *resp, const char *name, char *out, size_t outlen)
{
	if (!resp || !resp->headers || !name)
		return 0;
	size_t nlen = strlen(name);
	const char *p = resp->headers;
	while (*p) {
		size_t llen = strcspn(p, "\r\n");
		if (llen > nlen && p[nlen] == ':' && strncasecmp(p, name, nlen) == 0) {
			const char *v = p + nlen + 1;
			const char *e = p + llen;
			while (v < e && (*v == ' ' || *v == '\t'))
				v++;
			while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
				e--;
			if (out && outlen)
				snprintf(out, outlen, "%.*s", (int)(e - v), v);
			return 1;
		}
		p += llen;
		while (*p == '\r' || *p == '\n')
			p++;
	}
	return 0;
}

void hc_response_free(struct hc_response *resp)
{
	if (!resp)
		return;
	free(resp->body);
	free(resp->headers);
	resp->body = NULL;
	resp->headers = NULL;
	resp->body_len = 0;
}

/* ---- one attempt ------------------------------------------------------- */

struct sink {
	struct buf body;
	struct buf head;
	int too_big;
};

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	struct sink *s = ud;
	if (buf_append(&s->body, p, size * n) != FF_OK) {
		s->too_big = 1;
		return 0;
	}
	return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	struct sink *s = ud;
	/* a new status line starts a new header block (100 Continue, proxies) */
	if (size * n >= 5 && strncmp(p, "HTTP/", 5) == 0)
		buf_reset(&s->head);
	if (buf_append(&s->head, p, size * n) != FF_OK) {
		s->too_big = 1;
		return 0;
	}
	return size * n;
}

static struct curl_slist *build_headers(const struct hc_request *req)
{
	struct curl_slist *l = NULL;
	for (int i = 0; i < req->nheaders; i++) {
		char *line = xasprintf("%s: %s", req->headers[i].name, req->headers[i].value);
		l = curl_slist_append(l, line);
		free(line);
	}
	/* no 100-continue round trip for our small bodies */
	l = curl_slist_append(l, "Expect:");
	return l;
}

static void set_method(CURL *c, const struct hc_request *req)
{
	if (strcmp(req->method, "GET") == 0) {
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
		return;
	}
	if (strcmp(req->method, "HEAD") == 0) {
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
		return;
	}
	if (strcmp(req->method, "POST") != 0)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
	if (req->body || strcmp(req->method, "DELETE") != 0) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body ? req->body : "");
	}
}

static void set_options(CURL *c, const struct hc_request *req, struct sink *s,
			struct curl_slist *hdrs, size_t cap)
{
	curl_easy_setopt(c, CURLOPT_URL, req->url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, req->timeout_ms > 0 ? req->timeout_ms : DEF_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
			 req->connect_timeout_ms > 0 ? req->connect_timeout_ms : DEF_CONNECT_MS);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)cap);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, s);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "FlawFix/0.1");
	if (req->proxy)
		curl_easy_setopt(c, CURLOPT_PROXY, req->proxy);
	if (req->basic_user) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, req->basic_user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, req->basic_password ? req->basic_password : "");
	}
	set_method(c, req);
}

/* transport errors after which the request was certainly not processed */
static int curl_not_sent(CURLcode cc)
{
	return cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_HOST ||
	       cc == CURLE_COULDNT_RESOLVE_PROXY;
}

enum attempt_result { AT_DONE, AT_RETRY_SAFE, AT_RETRY_IDEMPOTENT, AT_TOOBIG, AT_BAD };

static enum attempt_result attempt_once(const struct hc_request *req, struct hc_response *resp,
					size_t cap)
{
	struct sink s;
	buf_init(&s.body, cap);
	buf_init(&s.head, MAX_HEADER_BLOCK);
	s.too_big = 0;
	buf_puts(&s.body, "");
	buf_puts(&s.head, "");
	enum attempt_result ar = AT_DONE;
	CURL *c = curl_easy_init();
	struct curl_slist *hdrs = build_headers(req);
	set_options(c, req, &s, hdrs, cap);
	CURLcode cc = curl_easy_perform(c);
	resp->status = 0;
	resp->error[0] = '\0';
	if (cc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	hc_response_free(resp);
	resp->body_len = s.body.len;
	resp->body = buf_steal(&s.body);
	resp->headers = buf_steal(&s.head);
	if (s.too_big || cc == CURLE_FILESIZE_EXCEEDED) {
		snprintf(resp->error, sizeof(resp->error), "response larger than %zu bytes", cap);
		ar = AT_TOOBIG;
	} else if (cc == CURLE_UNSUPPORTED_PROTOCOL || cc == CURLE_URL_MALFORMAT) {
		snprintf(resp->error, sizeof(resp->error), "%s", curl_easy_strerror(cc));
		ar = AT_BAD;
	} else if (cc != CURLE_OK) {
		snprintf(resp->error, sizeof(resp->error), "%s", curl_easy_strerror(cc));
		ar = curl_not_sent(cc) ? AT_RETRY_SAFE : AT_RETRY_IDEMPOTENT;
	} else if (resp->status == 429 || resp->status == 503) {
		ar = AT_RETRY_SAFE;
	} else if (hc_status_is_temporary(resp->status)) {
		ar = AT_RETRY_IDEMPOTENT;
	}
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	buf_free(&s.body);
	buf_free(&s.head);
	return ar;
}

/* ---- the retry loop ---------------------------------------------------- */

static unsigned jitter_rand(void)
{
	static _Thread_local unsigned long long st;
	if (!st) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		st = ((unsigned long long)ts.tv_nsec << 16) ^ (unsigned long long)ts.tv_sec ^
		     (unsigned long long)(uintptr_t)&ts;
		st |= 1;
	}
	st ^= st << 13;
	st ^= st >> 7;
	st ^= st << 17;
	return (unsigned)(st >> 11);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int may_retry(const struct hc_request *req, enum attempt_result ar)
{
	if (ar == AT_RETRY_SAFE)
		return 1;
	/* a POST that may have reached the server is not repeated here: the
	 * caller decides (connectors search for their key before creating) */
	return ar == AT_RETRY_IDEMPOTENT && strcmp(req->method, "POST") != 0;
}

static long wait_before_retry(const struct hc_request *req, const struct hc_response *resp,
			      int attempt)
{
	long cap = req->max_backoff_ms > 0 ? req->max_backoff_ms : DEF_MAX_BACKOFF_MS;
	long ms = resp->retry_after_ms;
	if (ms < 0)
		ms = hc_backoff_ms(attempt, cap, jitter_rand());
	return ms > cap ? cap : ms;
}

static void note_retry_after(struct hc_response *resp)
{
	char v[128];
	resp->retry_after_ms = -1;
	if (hc_header_get(resp, "Retry-After", v, sizeof(v)))
		resp->retry_after_ms = hc_retry_after_ms(v, (long long)time(NULL));
}

int hc_perform(const struct hc_request *req, struct hc_response *resp)
{
	int rc = FF_EINVAL;
	char desc[512];
	memset(resp, 0, sizeof(*resp));
	resp->retry_after_ms = -1;
	if (!req || !req->method || !req->url || (req->nheaders > 0 && !req->headers))
		goto out;
	pthread_once(&curl_once, curl_init_once);
	hc_request_describe(req, desc, sizeof(desc));
	size_t cap = req->max_response ? req->max_response : DEF_MAX_RESPONSE;
	int max = req->max_attempts > 0 ? req->max_attempts : 1;
	enum attempt_result ar = AT_DONE;
	for (int n = 1; n <= max; n++) {
		resp->attempts = n;
		ar = attempt_once(req, resp, cap);
		note_retry_after(resp);
		log_debug(MOD, "%s status=%ld attempt=%d error=%s", desc, resp->status, n,
			  resp->error[0] ? resp->error : "-");
		if (!may_retry(req, ar) || n == max)
			break;
		long ms = wait_before_retry(req, resp, n);
		log_info(MOD, "retrying in %ld ms status=%ld attempt=%d %s", ms, resp->status, n, desc);
		sleep_ms(ms);
	}
	if (ar == AT_TOOBIG)
		rc = FF_ETOOBIG;
	else if (ar == AT_BAD)
		rc = FF_EINVAL;
	else if (ar == AT_DONE)
		rc = FF_OK;
	else
		rc = FF_ETEMP;
out:
	if (!resp->body) {
		resp->body = xstrdup("");
		resp->headers = xstrdup("");
		snprintf(resp->error, sizeof(resp->error), "invalid request");
	}
	return rc;
}
