/* The NVD API 2.0 client against tests/fakes/nvd_fake.py: paging, 120-day
 * windows, the rate limit with backoff, 503 retries, a wrong totalResults,
 * the apiKey header, and resume from a cursor after the client process was
 * killed with SIGKILL. No database: the sink keeps what a caller would. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/rc.h"
#include "connectors/feeds/feeds.h"
#include "connectors/http_client.h"
#include "tests/fakes/fakeproc.h"

#define FKIE FF_SOURCE_DIR "/tests/fixtures/feeds/nvd/fkie-cad-nvd-json-data-feeds"
#define PAGE FF_SOURCE_DIR "/tests/fixtures/feeds/nvd/anchore-vunnel/full-page.json"

struct ids {
	char **v;
	long n, batches, committed;
	struct feed_cursor last;
	FILE *commit_log;           /* resume test: ids and cursors of committed batches */
	long pending_from;
};

static int on_record(void *ctx, enum feed_kind kind, const void *rec)
{
	struct ids *s = ctx;
	assert_int_equal(kind, FEED_NVD);
	s->v = realloc(s->v, (size_t)(s->n + 1) * sizeof(*s->v));
	s->v[s->n++] = strdup(((const struct feed_cve *)rec)->id);
	return FF_OK;
}

static int on_batch(void *ctx, const struct feed_cursor *cur)
{
	struct ids *s = ctx;
	s->batches++;
	if (cur)
		s->last = *cur;
	if (s->commit_log) {
		/* "commit": the batch's ids, then the cursor, flushed together */
		for (long i = s->pending_from; i < s->n; i++)
			fprintf(s->commit_log, "ID %s\n", s->v[i]);
		char *j = feed_cursor_to_json(cur);
		fprintf(s->commit_log, "CURSOR %s\n", j);
		free(j);
		fflush(s->commit_log);
		fsync(fileno(s->commit_log));
	}
	s->pending_from = s->n;
	s->committed = s->n;
	return FF_OK;
}

static void ids_free(struct ids *s)
{
	for (long i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* number of distinct ids */
static long distinct(struct ids *s)
{
	qsort(s->v, (size_t)s->n, sizeof(*s->v), cmp_str);
	long d = 0;
	for (long i = 0; i < s->n; i++)
		d += i == 0 || strcmp(s->v[i], s->v[i - 1]) != 0;
	return d;
}

static char api[128];
static struct fakeproc fake;

static void start_fake(const char *const *args)
{
	assert_int_equal(fakeproc_start(&fake, "nvd_fake.py", args), 0);
	snprintf(api, sizeof(api), "%s/rest/json/cves/2.0", fake.base);
}

/* the fake's request log as a jansson array (caller decrefs) */
static json_t *fake_log(void)
{
	char url[128];
	struct hc_request req = { .method = "GET", .url = url };
	struct hc_response r;
	snprintf(url, sizeof(url), "%s/_log", fake.base);
	assert_int_equal(hc_perform(&req, &r), FF_OK);
	json_t *a = json_array();
	char *save = NULL;
	for (char *line = strtok_r(r.body, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		json_array_append_new(a, json_loads(line, 0, NULL));
	hc_response_free(&r);
	return a;
}

static long log_count(json_t *log, long status)
{
	long n = 0;
	json_t *e;
	size_t i;
	json_array_foreach(log, i, e)
		n += json_object_get(e, "query") && json_integer_value(json_object_get(e, "status")) == status;
	return n;
}

static const char *q(json_t *e, const char *k)
{
	return json_string_value(json_object_get(json_object_get(e, "query"), k));
}

static long long ts_of(const char *s)
{
	struct tm tm = { 0 };
	assert_non_null(strptime(s, "%Y-%m-%dT%H:%M:%S", &tm));
	return (long long)timegm(&tm);
}

static struct feed_opts fast_opts(void)
{
	struct feed_opts o = { .results_per_page = 10, .rate_requests = 50, .rate_window_ms = 1000,
			       .backoff_ms = 100, .max_backoff_ms = 1000, .max_attempts = 6 };
	return o;
}

static void test_paging_full(void **state)
{
	(void)state;
	const char *args[] = { "--fixtures", FKIE, PAGE, "--generate", "57", "--rate", "1000", NULL };
	start_fake(args);
	struct ids s = { 0 };
	struct feed_sink sink = { on_record, on_batch, NULL, &s };
	struct feed_opts o = fast_opts();
	struct feed_err e;
	assert_int_equal(feed_read(&feed_nvd_ops, api, &o, &sink, &e), FF_OK);
	long expect = 7 + 38 + 57;
	assert_int_equal(s.n, expect);
	assert_int_equal(distinct(&s), expect);
	assert_int_equal(s.batches, (expect + 9) / 10);
	json_t *log = fake_log();
	assert_int_equal(json_array_size(log), (size_t)s.batches);
	for (size_t i = 0; i < json_array_size(log); i++) {
		char want[16];
		snprintf(want, sizeof(want), "%zu", i * 10);
		assert_string_equal(q(json_array_get(log, i), "startIndex"), want);
		assert_null(q(json_array_get(log, i), "lastModStartDate"));
	}
	json_decref(log);
	ids_free(&s);
	fakeproc_stop(&fake);
}

static void test_windows_120_days(void **state)
{
	(void)state;
	/* one generated record per day from 2024-01-01, 400 days */
	const char *args[] = { "--generate", "400", "--gen-step", "86400", "--rate", "1000", NULL };
	start_fake(args);
	struct ids s = { 0 };
	struct feed_sink sink = { on_record, on_batch, NULL, &s };
	struct feed_opts o = fast_opts();
	o.results_per_page = 50;
	o.since = "2024-01-01T00:00:00";
	o.until = "2024-12-31T00:00:00";
	struct feed_err e;
	assert_int_equal(feed_read(&feed_nvd_ops, api, &o, &sink, &e), FF_OK);
	/* 2024 is a leap year: Jan 1 to Dec 31 inclusive are 366 records; window
	 * edges are inclusive on both sides, so edge records may come twice */
	assert_int_equal(distinct(&s), 366);
	json_t *log = fake_log(), *ent;
	size_t i;
	long windows = 0;
	json_array_foreach(log, i, ent) {
		assert_int_equal(json_integer_value(json_object_get(ent, "status")), 200);
		long long a = ts_of(q(ent, "lastModStartDate")), z = ts_of(q(ent, "lastModEndDate"));
		assert_true(z - a <= 120LL * 86400);
		windows += strcmp(q(ent, "startIndex"), "0") == 0;
	}
	assert_int_equal(windows, 4); /* 120 + 120 + 120 + 5 days */
	assert_int_equal(s.last.next_index, s.last.total);
	json_decref(log);
	/* the fake refuses a longer window the way NVD does */
	char url[512];
	snprintf(url, sizeof(url), "%s?lastModStartDate=2024-01-01T00:00:00.000&lastModEndDate=2024-06-01T00:00:00.000",
		 api);
	struct hc_request req = { .method = "GET", .url = url };
	struct hc_response r;
	char msg[256];
	assert_int_equal(hc_perform(&req, &r), FF_OK);
	assert_int_equal(r.status, 404);
	assert_true(hc_header_get(&r, "message", msg, sizeof(msg)));
	assert_non_null(strstr(msg, "120"));
	hc_response_free(&r);
	ids_free(&s);
	fakeproc_stop(&fake);
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void test_rate_limit(void **state)
{
	(void)state;
	/* the fake allows 3 requests per 1.5 s without a key */
	const char *args[] = { "--generate", "80", "--rate", "3", "--rate-window", "1.5", NULL };
	start_fake(args);
	struct ids s = { 0 };
	struct feed_sink sink = { on_record, on_batch, NULL, &s };
	struct feed_opts o = fast_opts();
	o.rate_requests = 3;
	o.rate_window_ms = 1600;
	struct feed_err e;
	long t0 = now_ms();
	/* a well-behaved client: 8 pages, never refused, waits instead */
	assert_int_equal(feed_read(&feed_nvd_ops, api, &o, &sink, &e), FF_OK);
	long took = now_ms() - t0;
	assert_int_equal(distinct(&s), 80);
	json_t *log = fake_log();
	assert_int_equal(log_count(log, 403), 0);
	assert_int_equal(log_count(log, 200), 8);
	assert_true(took >= 2 * 1600 - 100); /* pages 4 and 7 had to wait a window */
	json_decref(log);
	ids_free(&s);
	/* a client that ignores the limit is refused with 403, backs off and
	 * still completes */
	o.rate_requests = 50;
	o.backoff_ms = 400;
	assert_int_equal(feed_read(&feed_nvd_ops, api, &o, &sink, &e), FF_OK);
	assert_int_equal(distinct(&s), 80);
	log = fake_log();
	assert_true(log_count(log, 403) > 0);
	assert_int_equal(log_count(log, 200), 16);
	json_decref(log);
	ids_free(&s);
	fakeproc_stop(&fake);
}

static void test_503_and_errors(void **state)
{
	(void)state;
	const char *args[] = { "--generate", "95", "--rate", "1000", "--fail-every", "3", NULL };
	start_fake(args);
	struct ids s = { 0 };
	struct feed_sink sink = { on_record, on_batch, NULL, &s };
	struct feed_opts o = fast_opts();
	struct feed_err e;
	assert_int_equal(feed_read(&feed_nvd_ops, api, &o, &sink, &e), FF_OK);
	assert_int_equal(s.n, 95); /* no page twice */
	assert_int_equal(distinct(&s), 95);
	json_t *log = fake_log();
	assert_true(log_count(log, 503) >= 4);
	assert_int_equal(log_count(log, 200), 10);
	json_decref(log);
	ids_free(&s);
	/* give up after max_attempts: every request fails */
	fakeproc_stop(&fake);
	const char *args2[] = { "--generate", "5", "--rate", "1000", "--fail-every", "1", NULL };
	start_fake(args2);
	o.max_attempts = 3;
	assert_int_equal(feed_read(&feed_nvd_ops, api, &o, &sink, &e), FF_ETEMP);
	assert_non_null(strstr(e.msg, "HTTP 503 after 3 attempts"));
	assert_int_equal(s.batches, 0);
	fakeproc_stop(&fake);
}

static void test_wrong_total_and_key(void **state)
{
	(void)state;
	const char *args[] = { "--generate", "25", "--rate", "1", "--rate-key", "100", "--lie-total", "7", NULL };
	start_fake(args);
	struct ids s = { 0 };
	struct feed_sink sink = { on_record, on_batch, NULL, &s };
	struct feed_opts o = fast_opts();
	o.api_key = "secret-key";
	struct feed_err e;
	/* the first page claims 32 results but then the pages run out */
	int rc = feed_read(&feed_nvd_ops, api, &o, &sink, &e);
	assert_int_equal(rc, FF_EINVAL);
	assert_non_null(strstr(e.msg, "totalResults"));
	json_t *log = fake_log(), *ent;
	size_t i;
	json_array_foreach(log, i, ent)
		assert_true(json_is_true(json_object_get(ent, "apiKey")));
	assert_int_equal(log_count(log, 403), 0); /* the key's limit applied */
	json_decref(log);
	ids_free(&s);
	fakeproc_stop(&fake);
}

struct counter {
	long n;
};

static int count_record(void *ctx, enum feed_kind kind, const void *rec)
{
	(void)kind;
	(void)rec;
	((struct counter *)ctx)->n++;
	return FF_OK;
}

/* KEV, EPSS (gzip) and ExploitDB read from a URL give what the same files
 * give from a path; a missing file is a clear error */
static void test_files_over_http(void **state)
{
	(void)state;
	char dir[] = "/tmp/fftest-static-XXXXXX", cmd[512];
	assert_non_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd),
		 "cp %s/tests/fixtures/feeds/kev/cisagov-kev-data/known_exploited_vulnerabilities.json %s/kev.json && "
		 "gzip -c %s/tests/fixtures/feeds/epss/lodestonesecurity-epss-data-history/epss_scores-current_excerpt.csv "
		 "> %s/epss.csv.gz && cp %s/tests/fixtures/feeds/exploitdb/Xhoenix-searchsploit/files_exploits_excerpt.csv "
		 "%s/x.csv",
		 FF_SOURCE_DIR, dir, FF_SOURCE_DIR, dir, FF_SOURCE_DIR, dir);
	assert_int_equal(system(cmd), 0);
	const char *args[] = { "--static", dir, NULL };
	start_fake(args);
	const char *names[] = { "kev", "epss", "exploitdb" }, *files[] = { "kev.json", "epss.csv.gz", "x.csv" };
	for (int i = 0; i < 3; i++) {
		struct counter by_url = { 0 }, by_path = { 0 };
		struct feed_sink su = { count_record, NULL, NULL, &by_url }, sp = { count_record, NULL, NULL, &by_path };
		struct feed_opts o = { 0 };
		struct feed_err e;
		char url[256], path[256];
		snprintf(url, sizeof(url), "%s/files/%s", fake.base, files[i]);
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		assert_int_equal(feed_read(feed_lookup(names[i]), url, &o, &su, &e), FF_OK);
		assert_int_equal(feed_read(feed_lookup(names[i]), path, &o, &sp, &e), FF_OK);
		assert_true(by_url.n > 100);
		assert_int_equal(by_url.n, by_path.n);
	}
	struct counter c = { 0 };
	struct feed_sink s = { count_record, NULL, NULL, &c };
	struct feed_err e;
	char url[256];
	snprintf(url, sizeof(url), "%s/files/nope.json", fake.base);
	assert_int_equal(feed_read(&feed_kev_ops, url, NULL, &s, &e), FF_ENOTFOUND);
	assert_non_null(strstr(e.msg, "HTTP 404"));
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* child: sync with a commit log, killed by the parent */
static void child_sync(const char *logpath)
{
	struct ids s = { 0 };
	s.commit_log = fopen(logpath, "w");
	struct feed_sink sink = { on_record, on_batch, NULL, &s };
	struct feed_opts o = fast_opts();
	o.since = "2024-01-01T00:00:00";
	o.until = "2024-12-31T00:00:00";
	struct feed_err e;
	int rc = feed_read(&feed_nvd_ops, api, &o, &sink, &e);
	_exit(rc == FF_OK ? 0 : 1);
}

static void test_resume_after_kill(void **state)
{
	(void)state;
	const char *args[] = { "--generate", "300", "--gen-step", "86400", "--rate", "1000", "--delay-ms", "60", NULL };
	start_fake(args);
	char logpath[] = "/tmp/fftest-nvd-commit-XXXXXX";
	int fd = mkstemp(logpath);
	assert_true(fd >= 0);
	close(fd);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		child_sync(logpath);
	/* let it complete some pages (more than one window's worth), then kill -9 */
	for (int i = 0; i < 200; i++) {
		json_t *l = fake_log();
		long served = log_count(l, 200);
		json_decref(l);
		if (served >= 15)
			break;
		usleep(20000);
	}
	kill(pid, SIGKILL);
	int st;
	waitpid(pid, &st, 0);
	assert_true(WIFSIGNALED(st));
	/* what was committed: ids and the last cursor */
	struct ids done = { 0 };
	struct feed_cursor cur;
	int have_cursor = 0;
	FILE *f = fopen(logpath, "r");
	char line[512];
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "ID ", 3) == 0) {
			done.v = realloc(done.v, (size_t)(done.n + 1) * sizeof(*done.v));
			done.v[done.n++] = strdup(line + 3);
		} else if (strncmp(line, "CURSOR ", 7) == 0) {
			assert_int_equal(feed_cursor_from_json(line + 7, &cur), FF_OK);
			have_cursor = 1;
		}
	}
	fclose(f);
	unlink(logpath);
	assert_true(have_cursor);
	assert_true(done.n >= 100);
	json_t *before = fake_log();
	size_t nbefore = json_array_size(before);
	json_decref(before);
	/* resume in this process from the persisted cursor */
	struct ids s = { 0 };
	struct feed_sink sink = { on_record, on_batch, NULL, &s };
	struct feed_opts o = fast_opts();
	o.resume = &cur;
	struct feed_err e;
	assert_int_equal(feed_read(&feed_nvd_ops, api, &o, &sink, &e), FF_OK);
	/* the first request after resume asks for exactly the cursor's page */
	json_t *log = fake_log();
	json_t *first = json_array_get(log, nbefore);
	char want[32];
	snprintf(want, sizeof(want), "%lld", cur.next_index);
	assert_string_equal(q(first, "startIndex"), want);
	assert_int_equal(ts_of(q(first, "lastModStartDate")), ts_of(cur.win_start));
	/* completed windows are not downloaded again */
	for (size_t i = nbefore; i < json_array_size(log); i++)
		assert_true(ts_of(q(json_array_get(log, i), "lastModStartDate")) >= ts_of(cur.win_start));
	json_decref(log);
	/* committed before the kill + after the resume = every record of 2024 */
	for (long i = 0; i < done.n; i++) {
		s.v = realloc(s.v, (size_t)(s.n + 1) * sizeof(*s.v));
		s.v[s.n++] = strdup(done.v[i]);
	}
	assert_int_equal(distinct(&s), 300);
	ids_free(&s);
	ids_free(&done);
	fakeproc_stop(&fake);
}

/* runs after every test, passed or failed: no fake outlives its test */
static int stop_fake(void **state)
{
	(void)state;
	fakeproc_stop(&fake);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_paging_full, stop_fake),
		cmocka_unit_test_teardown(test_windows_120_days, stop_fake),
		cmocka_unit_test_teardown(test_rate_limit, stop_fake),
		cmocka_unit_test_teardown(test_503_and_errors, stop_fake),
		cmocka_unit_test_teardown(test_wrong_total_and_key, stop_fake),
		cmocka_unit_test_teardown(test_resume_after_kill, stop_fake),
		cmocka_unit_test_teardown(test_files_over_http, stop_fake),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
