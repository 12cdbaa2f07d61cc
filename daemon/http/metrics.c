/* Prometheus metrics of the HTTP server: requests by route and status, a
 * latency histogram per route. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "http.h"

#define MAX_ROUTES 128
#define MAX_STATUS 12
static const double bounds[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };
#define NB ((int)(sizeof(bounds) / sizeof(bounds[0])))

struct route_stats {
	int status[MAX_STATUS];
	unsigned long long count[MAX_STATUS];
	unsigned long long buckets[NB];
	unsigned long long n;
	double sum;
};

static struct route_stats stats[MAX_ROUTES + 1]; /* last slot: unmatched */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

void http_metrics_observe(int route, int status, int64_t micros)
{
	if (route < 0 || route >= MAX_ROUTES)
		route = MAX_ROUTES;
	double s = (double)micros / 1e6;
	pthread_mutex_lock(&mu);
	struct route_stats *rs = &stats[route];
	for (int i = 0; i < MAX_STATUS; i++) {
		if (rs->status[i] == status || rs->status[i] == 0) {
			rs->status[i] = status;
			rs->count[i]++;
			break;
		}
	}
	for (int b = 0; b < NB; b++)
		if (s <= bounds[b])
			rs->buckets[b]++;
	rs->n++;
	rs->sum += s;
	pthread_mutex_unlock(&mu);
}

static const char *route_label(int i, char *buf, size_t n)
{
	if (i == MAX_ROUTES || i >= http_routes_len)
		return "unmatched";
	snprintf(buf, n, "%s %s", http_routes[i].method, http_routes[i].pattern);
	return buf;
}

void http_metrics_write(struct buf *out)
{
	char lbl[256];
	buf_puts(out, "# HELP flawfix_http_requests_total HTTP requests by route and status\n"
		      "# TYPE flawfix_http_requests_total counter\n");
	pthread_mutex_lock(&mu);
	for (int r = 0; r <= MAX_ROUTES; r++)
		for (int i = 0; i < MAX_STATUS && stats[r].status[i]; i++)
			buf_printf(out, "flawfix_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n",
				   route_label(r, lbl, sizeof(lbl)), stats[r].status[i], stats[r].count[i]);
	buf_puts(out, "# HELP flawfix_http_request_duration_seconds HTTP request latency\n"
		      "# TYPE flawfix_http_request_duration_seconds histogram\n");
	for (int r = 0; r <= MAX_ROUTES; r++) {
		if (!stats[r].n)
			continue;
		const char *l = route_label(r, lbl, sizeof(lbl));
		for (int b = 0; b < NB; b++)
			buf_printf(out, "flawfix_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n", l,
				   bounds[b], stats[r].buckets[b]);
		buf_printf(out, "flawfix_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n", l,
			   stats[r].n);
		buf_printf(out, "flawfix_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n", l, stats[r].sum);
		buf_printf(out, "flawfix_http_request_duration_seconds_count{route=\"%s\"} %llu\n", l, stats[r].n);
	}
	pthread_mutex_unlock(&mu);
	buf_printf(out, "# HELP flawfix_http_inflight requests being served\n# TYPE flawfix_http_inflight gauge\n"
			"flawfix_http_inflight %d\n", http_inflight());
}
