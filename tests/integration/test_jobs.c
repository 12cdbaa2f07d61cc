/* The job queue against a real daemon: a job survives kill -9 of the
 * daemon and runs exactly once more after its lease expires; retries with
 * backoff then parking as failed; SIGTERM lets the running job and an
 * in-flight request finish and exits 0; the idempotency key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/cfg.h"
#include "common/fftime.h"
#include "db/db.h"
#include "db/jobs.h"
#include "tests/harness/th.h"

static long long enqueue(const char *dsn, const char *payload, const char *key, int max_attempts)
{
	char err[256];
	struct db *db = db_open(dsn, err, sizeof(err));
	assert_non_null(db);
	long long id = 0;
	assert_int_equal(job_enqueue(db, 1, "noop", payload, key, 0, max_attempts, &id), 0);
	db_close(db);
	return id;
}

static char *job_field(const char *dsn, long long id, const char *col)
{
	char sql[200];
	snprintf(sql, sizeof(sql), "SELECT %s FROM job WHERE id = %lld", col, id);
	return th_sql(dsn, sql);
}

static int wait_state(const char *dsn, long long id, const char *state, int ms)
{
	for (int w = 0; w < ms; w += 100) {
		char *s = job_field(dsn, id, "state");
		int ok = s && strcmp(s, state) == 0;
		free(s);
		if (ok)
			return 1;
		usleep(100000);
	}
	return 0;
}

static void test_kill9_job_runs_once_more(void **state)
{
	(void)state;
	char dsn[512];
	snprintf(dsn, sizeof(dsn), "%s", th_db_new("jobk"));
	struct th_daemon d = { 0 };
	const char *env[] = { "FLAWFIX_JOB_LEASE_SECONDS=2", "FLAWFIX_JOB_POLL_MS=50", "FLAWFIX_WORKERS=2", NULL };
	assert_int_equal(th_daemon_start(&d, dsn, env), 0);
	char log[256], payload[400];
	snprintf(log, sizeof(log), "%s/noop.log", d.dir);
	snprintf(payload, sizeof(payload), "{\"sleep_ms\": 3000, \"log\": \"%s\"}", log);
	long long id = enqueue(dsn, payload, NULL, 0);
	assert_int_equal(th_wait_lines(log, "start ", 1, 10000), 1);
	assert_int_equal(th_daemon_stop(&d, SIGKILL), 128 + SIGKILL);
	char *st = job_field(dsn, id, "state");
	assert_string_equal(st, "running"); /* the dead worker's lease is still there */
	free(st);
	assert_int_equal(th_daemon_start(&d, dsn, env), 0);
	assert_true(wait_state(dsn, id, "done", 20000));
	th_daemon_stop(&d, SIGTERM);
	/* it ran once more, and only once: two starts, one completion */
	assert_int_equal(th_wait_lines(log, "start ", 2, 0), 2);
	assert_int_equal(th_wait_lines(log, "done ", 1, 0), 1);
	char *att = job_field(dsn, id, "attempts");
	assert_string_equal(att, "2");
	free(att);
}

static void test_retry_backoff_then_failed(void **state)
{
	(void)state;
	char dsn[512];
	snprintf(dsn, sizeof(dsn), "%s", th_db_new("jobr"));
	struct th_daemon d = { 0 };
	const char *env[] = { "FLAWFIX_JOB_BACKOFF_BASE_MS=100", "FLAWFIX_JOB_POLL_MS=50", NULL };
	assert_int_equal(th_daemon_start(&d, dsn, env), 0);
	char log[256], p1[400], p2[400];
	snprintf(log, sizeof(log), "%s/noop.log", d.dir);
	snprintf(p1, sizeof(p1), "{\"fail_times\": 2, \"log\": \"%s\"}", log);
	snprintf(p2, sizeof(p2), "{\"fail_times\": 99, \"log\": \"%s\"}", log);
	long long ok = enqueue(dsn, p1, NULL, 5);
	long long bad = enqueue(dsn, p2, NULL, 3);
	assert_true(wait_state(dsn, ok, "done", 20000));
	assert_true(wait_state(dsn, bad, "failed", 20000));
	th_daemon_stop(&d, SIGTERM);
	char *a = job_field(dsn, ok, "attempts");
	assert_string_equal(a, "3");
	free(a);
	a = job_field(dsn, bad, "attempts");
	assert_string_equal(a, "3");
	free(a);
	char *e = job_field(dsn, bad, "last_error");
	assert_non_null(strstr(e, "asked to fail"));
	free(e);
	/* the backoff really waited: attempts of the good job are >= 50 ms apart */
	char *gap = job_field(dsn, ok, "(extract(epoch from updated_at - created_at) * 1000)::int >= 100");
	assert_string_equal(gap, "t");
	free(gap);
}

/* a job of a kind this build does not run (a newer daemon's, during a
 * rolling upgrade) is left queued for a daemon that knows it, untouched,
 * while the jobs this build knows run */
static void test_unknown_kind_waits(void **state)
{
	(void)state;
	char dsn[512];
	snprintf(dsn, sizeof(dsn), "%s", th_db_new("jobu"));
	struct th_daemon d = { 0 };
	const char *env[] = { "FLAWFIX_JOB_POLL_MS=50", NULL };
	assert_int_equal(th_daemon_start(&d, dsn, env), 0);
	char *fid = th_sql(dsn, "INSERT INTO job (org_id, kind, payload) VALUES (1, 'mail.future', '{}') RETURNING id");
	long long future = strtoll(fid, NULL, 10);
	free(fid);
	long long known = enqueue(dsn, "{}", NULL, 0);
	assert_true(wait_state(dsn, known, "done", 20000));
	usleep(500 * 1000); /* several more polls */
	char *st = job_field(dsn, future, "state || ':' || attempts || ':' || coalesce(last_error, '-')");
	assert_string_equal(st, "queued:0:-");
	free(st);
	th_daemon_stop(&d, SIGTERM);
}

static void test_idempotency_key(void **state)
{
	(void)state;
	char dsn[512];
	snprintf(dsn, sizeof(dsn), "%s", th_db_new("jobi"));
	const char *mig[] = { "migrate", NULL };
	assert_int_equal(th_run(dsn, mig, NULL, NULL, NULL, NULL), 0);
	long long a = enqueue(dsn, "{}", "ticket-42", 0);
	long long b = enqueue(dsn, "{}", "ticket-42", 0);
	long long c = enqueue(dsn, "{}", "ticket-43", 0);
	assert_int_equal(a, b);
	assert_true(c != a);
	char *n = th_sql(dsn, "SELECT count(*) FROM job");
	assert_string_equal(n, "2");
	free(n);
}

/* an HTTP request whose body is still arriving when SIGTERM comes */
static void test_sigterm_graceful(void **state)
{
	(void)state;
	char dsn[512];
	snprintf(dsn, sizeof(dsn), "%s", th_db_new("jobt"));
	struct th_daemon d = { 0 };
	const char *env[] = { "FLAWFIX_JOB_POLL_MS=50", NULL };
	assert_int_equal(th_daemon_start(&d, dsn, env), 0);
	char log[256], payload[400];
	snprintf(log, sizeof(log), "%s/noop.log", d.dir);
	snprintf(payload, sizeof(payload), "{\"sleep_ms\": 1500, \"log\": \"%s\"}", log);
	long long id = enqueue(dsn, payload, NULL, 0);
	assert_int_equal(th_wait_lines(log, "start ", 1, 10000), 1);

	const char *body = "{\"name\":\"Late\",\"kind\":\"application\",\"technical_owners\":[\"admin\"]}";
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)d.port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	char head[512];
	int hl = snprintf(head, sizeof(head),
			  "POST /api/v1/assets HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
			  "Content-Type: application/json\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
			  d.token, strlen(body));
	assert_int_equal(write(fd, head, (size_t)hl), hl);
	assert_int_equal(write(fd, body, 10), 10);
	usleep(200000);
	kill(d.pid, SIGTERM);
	usleep(300000);
	ssize_t rest = (ssize_t)strlen(body) - 10;
	assert_int_equal(write(fd, body + 10, (size_t)rest), rest);
	char resp[4096] = "";
	ssize_t n, got = 0;
	while ((n = read(fd, resp + got, sizeof(resp) - 1 - (size_t)got)) > 0)
		got += n;
	resp[got] = '\0';
	close(fd);
	assert_true(strncmp(resp, "HTTP/1.1 201", 12) == 0);
	/* exits 0 after the running job finished */
	int st = th_daemon_stop(&d, SIGTERM);
	assert_int_equal(st, 0);
	char *s = job_field(dsn, id, "state");
	assert_string_equal(s, "done");
	free(s);
	char *n2 = th_sql(dsn, "SELECT count(*) FROM asset WHERE slug = 'late'");
	assert_string_equal(n2, "1");
	free(n2);
}

/* a job longer than the shutdown grace does not hold the daemon: SIGTERM
 * exits 0 after the grace, the lease is given back, the job runs again */
static void test_sigterm_does_not_wait_forever(void **state)
{
	(void)state;
	char dsn[512];
	snprintf(dsn, sizeof(dsn), "%s", th_db_new("jobg"));
	struct th_daemon d = { 0 };
	const char *env[] = { "FLAWFIX_JOB_POLL_MS=50", "FLAWFIX_SHUTDOWN_GRACE_SECONDS=1", NULL };
	assert_int_equal(th_daemon_start(&d, dsn, env), 0);
	char log[256], payload[400];
	snprintf(log, sizeof(log), "%s/noop.log", d.dir);
	snprintf(payload, sizeof(payload), "{\"sleep_ms\": 20000, \"log\": \"%s\"}", log);
	long long id = enqueue(dsn, payload, NULL, 0);
	assert_int_equal(th_wait_lines(log, "start ", 1, 10000), 1);
	int64_t t0 = ff_mono_us();
	assert_int_equal(th_daemon_stop(&d, SIGTERM), 0);
	assert_true(ff_mono_us() - t0 < 8 * 1000000LL);
	char *st = job_field(dsn, id, "state || '/' || attempts");
	assert_string_equal(st, "queued/0"); /* released, the attempt does not count */
	free(st);
}

int main(void)
{
	char err[256];
	cfg_load(NULL, err, sizeof(err));
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kill9_job_runs_once_more),
		cmocka_unit_test(test_retry_backoff_then_failed),
		cmocka_unit_test(test_unknown_kind_waits),
		cmocka_unit_test(test_idempotency_key),
		cmocka_unit_test(test_sigterm_graceful),
		cmocka_unit_test(test_sigterm_does_not_wait_forever),
	};
	return cmocka_run_group_tests_name("jobs", tests, NULL, NULL);
}
