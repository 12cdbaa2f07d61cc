/* tests/harness/th.h - helpers for integration tests: throwaway databases
 * in the cluster scripts/test.sh starts once per run (FF_TEST_PG_ADMIN),
 * the flawfix binary as a subprocess, HTTP calls with libcurl. */
#ifndef FF_TESTS_TH_H
#define FF_TESTS_TH_H

#include <stdbool.h>
#include <sys/types.h>

/* th_db_new creates an empty database and returns its libpq string
 * (static storage, valid until the next call). Aborts the test run with a
 * message when FF_TEST_PG_ADMIN is not set. */
const char *th_db_new(const char *prefix);
/* th_sql runs sql on dsn and returns the first column of the first row
 * (newly allocated, "" when no row); NULL on error (message printed). */
char *th_sql(const char *dsn, const char *sql);
/* th_sqlf: th_sql with a printf format; a failing query fails the test
 * (cmocka), so the result is never NULL */
char *th_sqlf(const char *dsn, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* th_sql_ll: the first value of the query as a number; a failing query
 * fails the test */
long long th_sql_ll(const char *dsn, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* th_last_line copies the last line of a command's output into dst */
void th_last_line(const char *out, char *dst, size_t n);
/* th_sql_ok runs sql and returns true on success */
bool th_sql_ok(const char *dsn, const char *sql);

/* th_run runs FF_BINARY with args (NULL-terminated, without argv[0]) and
 * extra environment "NAME=value" strings (NULL-terminated, may be NULL) and
 * dsn as FLAWFIX_DATABASE_URL; stdin from in (may be NULL). Captures
 * stdout/stderr (allocated) and returns the exit status (or 128+signal). */
int th_run(const char *dsn, const char *const *args, const char *const *env, const char *in, char **out,
	   char **err);

struct th_daemon {
	pid_t pid;
	int port;
	char url[64];
	char dsn[512];
	char dir[128];      /* scratch dir: key file, maildir, log */
	char log[192];
	char token[128];    /* admin write token created before start */
};

/* th_daemon_start migrates dsn, creates user "admin" (role admin) with a
 * write token (when not done already), starts `flawfix serve` on a free
 * port with the extra env, and waits for /healthz. Returns 0 or -1. */
int th_daemon_start(struct th_daemon *d, const char *dsn, const char *const *env);
/* th_daemon_stop sends sig (SIGTERM or SIGKILL) and waits; returns the
 * exit status (or 128+signal). */
int th_daemon_stop(struct th_daemon *d, int sig);

/* th_http: method on d->url + path with bearer token (NULL = none) and a
 * JSON body (NULL = none); returns the status and the body in *out. */
long th_http(const struct th_daemon *d, const char *method, const char *path, const char *token,
	     const char *body, char **out);
/* th_http_ct: same with an explicit Content-Type (NULL = none) and body length */
long th_http_ct(const struct th_daemon *d, const char *method, const char *path, const char *token,
		const char *ctype, const char *body, size_t len, char **out);

/* th_http_h: method on d->url + path with extra request headers ("Name:
 * value", NULL-terminated, may be NULL) and a JSON body (NULL = none);
 * the body and the response headers (raw) are returned when asked. */
long th_http_h(const struct th_daemon *d, const char *method, const char *path, const char *const *headers,
	       const char *body, char **out, char **resp_headers);

/* th_free_port returns a loopback TCP port that was free a moment ago */
int th_free_port(void);
/* th_wait_file_lines waits up to ms for path to hold >= n lines containing
 * needle; returns the count seen */
int th_wait_lines(const char *path, const char *needle, int n, int ms);
/* th_read_file returns a file's content (allocated) or NULL */
char *th_read_file(const char *path);

#endif
