#include "th.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/mem.h"

static void die(const char *msg)
{
	fprintf(stderr, "test harness: %s\n", msg);
	exit(99);
}

const char *th_db_new(const char *prefix)
{
	static char dsn[512];
	const char *admin = getenv("FF_TEST_PG_ADMIN");
	if (!admin || !*admin)
		die("FF_TEST_PG_ADMIN is not set: run the suite with 'make test' (scripts/test.sh starts PostgreSQL)");
	char name[96];
	snprintf(name, sizeof(name), "ff_%s_%d_%ld", prefix, (int)getpid(), (long)(random() % 100000));
	PGconn *c = PQconnectdb(admin);
	if (PQstatus(c) != CONNECTION_OK)
		die(PQerrorMessage(c));
	char sql[160];
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
	PGresult *r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		die(PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
	/* admin is "... dbname=postgres ..."; replace the dbname */
	char base[400];
	snprintf(base, sizeof(base), "%s", admin);
	char *p = strstr(base, "dbname=");
	if (p) {
		char *e = strchr(p, ' ');
		if (e)
			memmove(p, e + 1, strlen(e + 1) + 1);
		else
			*p = '\0';
	}
	snprintf(dsn, sizeof(dsn), "%s dbname=%s", base, name);
	return dsn;
}

static PGresult *exec_sql(const char *dsn, const char *sql, PGconn **conn)
{
	*conn = PQconnectdb(dsn);
	if (PQstatus(*conn) != CONNECTION_OK) {
		fprintf(stderr, "th_sql: %s", PQerrorMessage(*conn));
		return NULL;
	}
	PGresult *r = PQexec(*conn, sql);
	ExecStatusType s = PQresultStatus(r);
	if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK) {
		fprintf(stderr, "th_sql: %s: %s", sql, PQerrorMessage(*conn));
		PQclear(r);
		return NULL;
	}
	return r;
}

char *th_sql(const char *dsn, const char *sql)
{
	PGconn *c;
	PGresult *r = exec_sql(dsn, sql, &c);
	char *out = NULL;
	if (r) {
		out = xstrdup(PQntuples(r) > 0 && PQnfields(r) > 0 ? PQgetvalue(r, 0, 0) : "");
		PQclear(r);
	}
	PQfinish(c);
	return out;
}

static char *vsqlf(const char *dsn, const char *fmt, va_list ap)
{
	char q[8192];
	vsnprintf(q, sizeof(q), fmt, ap);
	char *r = th_sql(dsn, q);
	if (!r)
		fail_msg("sql failed: %s", q);
	return r;
}

char *th_sqlf(const char *dsn, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *r = vsqlf(dsn, fmt, ap);
	va_end(ap);
	return r;
}

long long th_sql_ll(const char *dsn, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *r = vsqlf(dsn, fmt, ap);
	va_end(ap);
	long long v = strtoll(r, NULL, 10);
	free(r);
	return v;
}

void th_last_line(const char *out, char *dst, size_t n)
{
	size_t len = strlen(out);
	while (len > 0 && out[len - 1] == '\n')
		len--;
	size_t start = len;
	while (start > 0 && out[start - 1] != '\n')
		start--;
	snprintf(dst, n, "%.*s", (int)(len - start), out + start);
}

bool th_sql_ok(const char *dsn, const char *sql)
{
	char *v = th_sql(dsn, sql);
	bool ok = v != NULL;
	free(v);
	return ok;
}

static char *slurp_fd(int fd)
{
	struct buf b;
	buf_init(&b, 0);
	char tmp[8192];
	ssize_t n;
	while ((n = read(fd, tmp, sizeof(tmp))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0)
			buf_append(&b, tmp, (size_t)n);
	return buf_steal(&b);
}

int th_run(const char *dsn, const char *const *args, const char *const *env, const char *in, char **out,
	   char **err)
{
	char outp[] = "/tmp/ffth-out-XXXXXX", errp[] = "/tmp/ffth-err-XXXXXX", inp[] = "/tmp/ffth-in-XXXXXX";
	int ofd = mkstemp(outp), efd = mkstemp(errp), ifd = mkstemp(inp);
	if (in && write(ifd, in, strlen(in)) < 0)
		die("could not write stdin file");
	lseek(ifd, 0, SEEK_SET);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(ifd, 0);
		dup2(ofd, 1);
		dup2(efd, 2);
		if (dsn)
			setenv("FLAWFIX_DATABASE_URL", dsn, 1);
		for (const char *const *e = env; e && *e; e++)
			putenv(xstrdup(*e));
		const char *argv[64];
		int n = 0;
		argv[n++] = FF_BINARY;
		for (const char *const *a = args; *a && n < 63; a++)
			argv[n++] = *a;
		argv[n] = NULL;
		execv(FF_BINARY, (char *const *)argv);
		_exit(127);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	lseek(ofd, 0, SEEK_SET);
	lseek(efd, 0, SEEK_SET);
	char *o = slurp_fd(ofd), *e = slurp_fd(efd);
	close(ofd);
	close(efd);
	close(ifd);
	unlink(outp);
	unlink(errp);
	unlink(inp);
	if (out)
		*out = o;
	else
		free(o);
	if (err)
		*err = e;
	else
		free(e);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int th_free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || getsockname(fd, (struct sockaddr *)&sa, &len) != 0)
		die("could not find a free port");
	int port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	buf_append(ud, p, size * n);
	return size * n;
}

long th_http_ct(const struct th_daemon *d, const char *method, const char *path, const char *token,
		const char *ctype, const char *body, size_t len, char **out)
{
	CURL *c = curl_easy_init();
	struct buf b;
	buf_init(&b, 0);
	char url[512], auth[256], ct[128];
	snprintf(url, sizeof(url), "%s%s", d->url, path);
	struct curl_slist *h = NULL;
	if (token) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
		h = curl_slist_append(h, auth);
	}
	if (ctype) {
		snprintf(ct, sizeof(ct), "Content-Type: %s", ctype);
		h = curl_slist_append(h, ct);
	}
	h = curl_slist_append(h, "Expect:");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	}
	long status = 0;
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	if (out)
		*out = buf_steal(&b);
	else
		buf_free(&b);
	return status;
}

long th_http(const struct th_daemon *d, const char *method, const char *path, const char *token,
	     const char *body, char **out)
{
	return th_http_ct(d, method, path, token, body ? "application/json" : NULL, body, body ? strlen(body) : 0,
			  out);
}

static void trim_nl(char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

int th_daemon_start(struct th_daemon *d, const char *dsn, const char *const *env)
{
	if (!d->token[0]) {
		memset(d, 0, sizeof(*d));
		snprintf(d->dsn, sizeof(d->dsn), "%s", dsn);
		snprintf(d->dir, sizeof(d->dir), "/tmp/ffth-d-XXXXXX");
		if (!mkdtemp(d->dir))
			die("mkdtemp failed");
		snprintf(d->log, sizeof(d->log), "%s/serve.log", d->dir);
		const char *mig[] = { "migrate", NULL };
		if (th_run(dsn, mig, NULL, NULL, NULL, NULL) != 0)
			return -1;
		const char *add[] = { "user", "add", "admin", "--role", "admin", NULL };
		th_run(dsn, add, NULL, NULL, NULL, NULL);
		const char *tok[] = { "token", "create", "--user", "admin", NULL };
		char *t = NULL;
		if (th_run(dsn, tok, NULL, NULL, &t, NULL) != 0) {
			free(t);
			return -1;
		}
		trim_nl(t);
		snprintf(d->token, sizeof(d->token), "%s", t);
		free(t);
	}
	d->port = th_free_port();
	snprintf(d->url, sizeof(d->url), "http://127.0.0.1:%d", d->port);
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(d->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		dup2(fd, 1);
		dup2(fd, 2);
		int nul = open("/dev/null", O_RDONLY);
		dup2(nul, 0);
		char listen[64], key[192], mail[192];
		snprintf(listen, sizeof(listen), "127.0.0.1:%d", d->port);
		snprintf(key, sizeof(key), "%s/secret.key", d->dir);
		snprintf(mail, sizeof(mail), "%s/mail", d->dir);
		setenv("FLAWFIX_DATABASE_URL", d->dsn, 1);
		setenv("FLAWFIX_LISTEN", listen, 1);
		setenv("FLAWFIX_SECRET_KEY_FILE", key, 1);
		setenv("FLAWFIX_MAIL_MAILDIR", mail, 1);
		setenv("FLAWFIX_PUBLIC_URL", d->url, 1);
		/* no daily sync from the internet in tests (tests sync from files) */
		setenv("FLAWFIX_FEEDS_SYNC_TIME", "", 1);
		for (const char *const *e = env; e && *e; e++)
			putenv(xstrdup(*e));
		execl(FF_BINARY, FF_BINARY, "serve", (char *)NULL);
		_exit(127);
	}
	d->pid = pid;
	for (int i = 0; i < 300; i++) {
		if (th_http(d, "GET", "/healthz", NULL, NULL, NULL) == 200)
			return 0;
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid) {
			d->pid = 0;
			return -1;
		}
		usleep(20000);
	}
	return -1;
}

int th_daemon_stop(struct th_daemon *d, int sig)
{
	if (d->pid <= 0)
		return -1;
	kill(d->pid, sig);
	int st = 0;
	waitpid(d->pid, &st, 0);
	d->pid = 0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

char *th_read_file(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	char *s = slurp_fd(fd);
	close(fd);
	return s;
}

int th_wait_lines(const char *path, const char *needle, int n, int ms)
{
	int seen = 0;
	for (int waited = 0; waited <= ms; waited += 50) {
		char *s = th_read_file(path);
		seen = 0;
		for (char *p = s; p && (p = strstr(p, needle)); p += strlen(needle))
			seen++;
		free(s);
		if (seen >= n)
			break;
		usleep(50000);
	}
	return seen;
}

long th_http_h(const struct th_daemon *d, const char *method, const char *path, const char *const *headers,
	       const char *body, char **out, char **resp_headers)
{
	CURL *c = curl_easy_init();
	struct buf b, hb;
	buf_init(&b, 0);
	buf_init(&hb, 0);
	char url[512];
	snprintf(url, sizeof(url), "%s%s", d->url, path);
	struct curl_slist *h = NULL;
	for (const char *const *p = headers; p && *p; p++)
		h = curl_slist_append(h, *p);
	if (body)
		h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "Expect:");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &hb);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
	}
	long status = 0;
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	if (out)
		*out = buf_steal(&b);
	else
		buf_free(&b);
	if (resp_headers)
		*resp_headers = buf_steal(&hb);
	else
		buf_free(&hb);
	return status;
}
