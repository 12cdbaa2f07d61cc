/* NVD CVE API 2.0 client: incremental by lastModStartDate/lastModEndDate in
 * windows of at most 120 days, startIndex/resultsPerPage paging, the apiKey
 * header, the published rate limit (5 requests per rolling 30 s, 50 with a
 * key) and backoff on 403/429/503. After each page the sink gets the
 * cursor of the next page, so a killed sync resumes where it stopped. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "common/fftime.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/rc.h"
#include "connectors/http_client.h"
#include "feeds_int.h"
#include "nvd_int.h"

#define NVD_WINDOW_DAYS 120
#define NVD_MAX_PAGE_BYTES ((size_t)256 << 20)
#define RATE_MAX 64

struct nvd_run {
	const char *base;
	const struct feed_opts *o;
	const struct feed_sink *s;
	struct feed_err *e;
	struct feed_cursor cur;
	int64_t sent[RATE_MAX];     /* monotonic ms of recent requests, ring */
	int nsent, rate_n;
	long rate_window;
	long long done;             /* records read in this run */
	long long win_total;        /* totalResults seen in this window in this run, -1 = none yet */
};

/* "YYYY-MM-DDTHH:MM:SS..." (UTC) to epoch seconds */
static int ts_parse(const char *s, time_t *out)
{
	struct tm tm = { 0 };
	char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end)
		return FF_EINVAL;
	*out = timegm(&tm);
	return FF_OK;
}

static void ts_format(time_t t, char out[32])
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%S.000+00:00", &tm);
}

/* the window after win_start: at most 120 days, not past final_end */
static int window_from(struct feed_cursor *c, const char *start)
{
	time_t a, z;
	if (ts_parse(start, &a) || ts_parse(c->final_end, &z))
		return FF_EINVAL;
	time_t b = a + (time_t)NVD_WINDOW_DAYS * 86400;
	ts_format(a, c->win_start);
	ts_format(b < z ? b : z, c->win_end);
	c->next_index = 0;
	c->total = -1;
	return FF_OK;
}

static int cursor_init(struct nvd_run *r)
{
	const struct feed_opts *o = r->o;
	if (o->resume) {
		r->cur = *o->resume;
		return FF_OK;
	}
	memset(&r->cur, 0, sizeof(r->cur));
	r->cur.total = -1;
	time_t until;
	if (o->until) {
		if (ts_parse(o->until, &until))
			return feed_err_set(r->e, FF_EINVAL, "nvd: bad end date '%s'", o->until);
	} else {
		until = time(NULL);
	}
	ts_format(until, r->cur.final_end);
	if (!o->since)
		return FF_OK; /* full download: no window */
	if (window_from(&r->cur, o->since))
		return feed_err_set(r->e, FF_EINVAL, "nvd: bad start date '%s'", o->since);
	return FF_OK;
}

static void rate_wait(struct nvd_run *r)
{
	if (r->nsent >= r->rate_n) {
		int64_t oldest = r->sent[r->nsent % r->rate_n];
		int64_t wait = oldest + r->rate_window - ff_mono_us() / 1000;
		if (wait > 0) {
			log_debug("feeds", "nvd rate limit: waiting %lld ms", (long long)wait);
			ff_sleep_ms(wait);
		}
	}
	r->sent[r->nsent % r->rate_n] = ff_mono_us() / 1000;
	r->nsent++;
}

static char *page_url(const struct nvd_run *r, int per_page)
{
	struct buf b = { 0 };
	buf_printf(&b, "%s%sstartIndex=%lld&resultsPerPage=%d", r->base, strchr(r->base, '?') ? "&" : "?",
		   r->cur.next_index, per_page);
	if (r->cur.win_start[0]) {
		char *a = hc_url_escape(r->cur.win_start), *z = hc_url_escape(r->cur.win_end);
		buf_printf(&b, "&lastModStartDate=%s&lastModEndDate=%s", a, z);
		free(a);
		free(z);
	}
	return buf_steal(&b);
}

static int retryable(int rc, long status)
{
	return rc == FF_ETEMP || status == 403 || status == 429 || status == 503 || status == 502 || status == 504 ||
	       status == 500;
}

static long backoff(const struct nvd_run *r, int attempt, long retry_after)
{
	long base = r->o->backoff_ms > 0 ? r->o->backoff_ms : 6000;
	long cap = r->o->max_backoff_ms > 0 ? r->o->max_backoff_ms : 60000;
	long w = base;
	for (int i = 1; i < attempt && w < cap; i++)
		w *= 2;
	if (retry_after > w)
		w = retry_after;
	return w < cap ? w : cap;
}

/* one page with the rate limit and retries; *body gets the answer */
static int fetch(struct nvd_run *r, const char *url, struct hc_response *resp)
{
	struct http_header h[1] = { { "apiKey", r->o->api_key, 1 } };
	struct hc_request req = {
		.method = "GET", .url = url, .headers = h, .nheaders = r->o->api_key && *r->o->api_key ? 1 : 0,
		.timeout_ms = 300000, .max_attempts = 1, .max_response = NVD_MAX_PAGE_BYTES,
	};
	int max = r->o->max_attempts > 0 ? r->o->max_attempts : 6;
	char msg[256] = "";
	for (int attempt = 1;; attempt++) {
		rate_wait(r);
		int rc = hc_perform(&req, resp);
		if (rc == FF_OK && resp->status == 200)
			return FF_OK;
		if (!hc_header_get(resp, "message", msg, sizeof(msg)))
			snprintf(msg, sizeof(msg), "%s", resp->error[0] ? resp->error : ff_rc_str(rc));
		if (!retryable(rc, resp->status) || attempt >= max) {
			int kind = retryable(rc, resp->status) ? FF_ETEMP : FF_EPERM;
			rc = feed_err_set(r->e, kind, "nvd: %s: HTTP %ld after %d attempts: %s", url, resp->status, attempt,
					  msg);
			return rc;
		}
		long w = backoff(r, attempt, resp->retry_after_ms);
		log_warn("feeds", "nvd answered %ld (%s), retrying in %ld ms attempt=%d", resp->status, msg, w, attempt);
		hc_response_free(resp);
		memset(resp, 0, sizeof(*resp));
		ff_sleep_ms(w);
	}
}

/* advance the cursor past a page of n records; returns 1 when the sync is done */
static int advance(struct nvd_run *r, long long n, long long total)
{
	r->cur.next_index += n;
	r->cur.total = total;
	if (r->cur.next_index < total && n > 0)
		return 0;
	if (!r->cur.win_start[0] || strcmp(r->cur.win_end, r->cur.final_end) >= 0)
		return 1;
	char start[32];
	memcpy(start, r->cur.win_end, sizeof(start));
	return window_from(&r->cur, start) ? 1 : 0;
}

static int one_page(struct nvd_run *r, int per_page, int *finished)
{
	struct hc_response resp = { 0 };
	json_t *page = NULL;
	json_error_t je;
	struct nvd_page p;
	char *url = page_url(r, per_page);
	int rc = fetch(r, url, &resp);
	if (rc)
		goto out;
	page = json_loadb(resp.body, resp.body_len, 0, &je);
	if (!page) {
		rc = feed_err_set(r->e, FF_EINVAL, "nvd: %s: line %d column %d: invalid JSON (truncated?): %s", url,
				  je.line, je.column, je.text);
		goto out;
	}
	rc = nvd_page_check(url, page, &p, r->e);
	if (!rc && p.start_index != r->cur.next_index)
		rc = feed_err_set(r->e, FF_EINVAL, "nvd: %s: page starts at %lld, asked for %lld", url, p.start_index,
				  r->cur.next_index);
	if (!rc && r->win_total >= 0 && p.total != r->win_total)
		rc = feed_err_set(r->e, FF_EINVAL, "nvd: %s: totalResults changed from %lld to %lld within the window",
				  url, r->win_total, p.total);
	if (!rc && r->s->total)
		r->s->total(r->s->ctx, r->done + p.total - p.start_index);
	rc = rc ? rc : nvd_page_emit(url, &p, r->s, r->e);
	if (rc)
		goto out;
	r->done += (long long)json_array_size(p.vulns);
	r->win_total = p.total;
	*finished = advance(r, (long long)json_array_size(p.vulns), p.total);
	if (r->cur.next_index == 0)
		r->win_total = -1; /* a new window */
	if (r->s->batch_done)
		rc = r->s->batch_done(r->s->ctx, &r->cur);
out:
	json_decref(page);
	hc_response_free(&resp);
	free(url);
	return rc;
}

static int nvd_read_url(const char *url, const struct feed_opts *o, const struct feed_sink *s, struct feed_err *e)
{
	struct nvd_run *r = xcalloc(1, sizeof(*r));
	int per_page = o->results_per_page > 0 ? o->results_per_page : 2000, finished = 0;
	r->base = url;
	r->o = o;
	r->s = s;
	r->e = e;
	r->rate_n = o->rate_requests > 0 ? o->rate_requests : (o->api_key && *o->api_key ? 50 : 5);
	if (r->rate_n > RATE_MAX)
		r->rate_n = RATE_MAX;
	r->rate_window = o->rate_window_ms > 0 ? o->rate_window_ms : 30000;
	r->win_total = -1;
	int rc = cursor_init(r);
	while (!rc && !finished)
		rc = one_page(r, per_page, &finished);
	free(r);
	return rc;
}

const struct feed_ops feed_nvd_ops = {
	.name = "nvd",
	.kind = FEED_NVD,
	.read_path = nvd_read_path,
	.read_url = nvd_read_url,
};
