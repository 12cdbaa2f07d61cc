/* Scans end to end through the REST API with a real PostgreSQL: fixed,
 * reopened and partial-scan semantics, two scanners reporting one finding,
 * line drift, other refs, re-imports, every fixture report, bad input that
 * changes nothing, upload tokens, the CI client's --fail-on, and the SQL
 * statement budget of an import. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "tests/harness/th.h"

static struct th_daemon D;
static char DSN[512];
#define TRIVY "tests/fixtures/scanners/trivy/aquasecurity-trivy/alpine-310.json"
#define EMPTY_TRIVY "{\"SchemaVersion\": 2, \"ArtifactName\": \"alpine:3.10\", \"ArtifactType\": \"container_image\", \"Results\": []}"

static int setup(void **state)
{
	(void)state;
	snprintf(DSN, sizeof(DSN), "%s", th_db_new("scans"));
	const char *env[] = { "FLAWFIX_JOB_POLL_MS=20", "FLAWFIX_SCAN_WAIT_SECONDS=30", NULL };
	return th_daemon_start(&D, DSN, env);
}

static int teardown(void **state)
{
	(void)state;
	th_daemon_stop(&D, SIGTERM);
	return 0;
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot read %s", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)n + 1);
	if (fread(b, 1, (size_t)n, f) != (size_t)n)
		fail_msg("short read %s", path);
	b[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return b;
}

static void asset(const char *slug)
{
	char body[256];
	snprintf(body, sizeof(body), "{\"name\":\"%s\",\"slug\":\"%s\",\"kind\":\"application\",\"technical_owners\":[\"admin\"]}",
		 slug, slug);
	assert_int_equal(th_http(&D, "POST", "/api/v1/assets", D.token, body, NULL), 201);
}

/* uploads data; returns the status and the parsed answer */
static long upload(const char *slug, const char *query, const char *token, const char *data, size_t len, json_t **out)
{
	char path[512], *resp = NULL;
	snprintf(path, sizeof(path), "/api/v1/assets/%s/scans?%s", slug, query);
	long st = th_http_ct(&D, "POST", path, token ? token : D.token, "application/octet-stream", data, len, &resp);
	if (out) {
		*out = json_loads(resp, 0, NULL);
		if (!*out)
			fail_msg("not JSON (%ld): %s", st, resp);
	}
	free(resp);
	return st;
}

static long upload_file(const char *slug, const char *query, const char *file, json_t **out)
{
	size_t len;
	char *d = read_all(file, &len);
	long st = upload(slug, query, NULL, d, len, out);
	free(d);
	return st;
}

static long long diff_n(json_t *scan, const char *key)
{
	return (long long)json_integer_value(json_object_get(json_object_get(scan, "diff"), key));
}

static void expect_diff(json_t *scan, long long n, long long still, long long fixed, long long reopened)
{
	if (diff_n(scan, "new") != n || diff_n(scan, "still_present") != still || diff_n(scan, "fixed") != fixed ||
	    diff_n(scan, "reopened") != reopened) {
		char *s = json_dumps(json_object_get(scan, "diff"), JSON_COMPACT);
		fail_msg("diff %s, want new %lld still %lld fixed %lld reopened %lld", s, n, still, fixed, reopened);
	}
}

/* waits until no job is queued or running: the scoring job an import
 * enqueues writes events of its own, after the upload has answered */
static void settle(void)
{
	for (int i = 0; i < 400; i++) {
		char *n = th_sql(DSN, "SELECT count(*) FROM job WHERE state IN ('queued', 'running') AND run_at <= now()");
		bool idle = n && strcmp(n, "0") == 0;
		free(n);
		if (idle)
			return;
		usleep(50 * 1000);
	}
	fail_msg("jobs did not settle within 20 s");
}

static char *q(const char *fmt, const char *arg)
{
	char sql[1024];
	snprintf(sql, sizeof(sql), fmt, arg);
	return th_sql(DSN, sql);
}

static void test_fixed_reopened_partial(void **state)
{
	(void)state;
	json_t *s;
	asset("life");
	assert_int_equal(upload_file("life", "scanner=trivy&target=img", TRIVY, &s), 201);
	expect_diff(s, 4, 0, 0, 0);
	assert_string_equal(json_string_value(json_object_get(s, "status")), "done");
	json_decref(s);
	/* a partial scan without the findings fixes nothing */
	assert_int_equal(upload("life", "scanner=trivy&target=img&partial=true", NULL, EMPTY_TRIVY, strlen(EMPTY_TRIVY), &s), 201);
	expect_diff(s, 0, 0, 0, 0);
	json_decref(s);
	char *n = q("SELECT count(*) FROM finding f JOIN asset a ON a.id = f.asset_id WHERE a.slug = '%s' AND state = 'open'", "life");
	assert_string_equal(n, "4");
	free(n);
	/* a complete scan of another scope fixes nothing either */
	assert_int_equal(upload("life", "scanner=trivy&target=other", NULL, EMPTY_TRIVY, strlen(EMPTY_TRIVY), &s), 201);
	expect_diff(s, 0, 0, 0, 0);
	json_decref(s);
	/* the complete scan of the scope without them: fixed */
	assert_int_equal(upload("life", "scanner=trivy&target=img", NULL, EMPTY_TRIVY, strlen(EMPTY_TRIVY), &s), 201);
	expect_diff(s, 0, 0, 4, 0);
	json_decref(s);
	n = q("SELECT count(*) FROM finding f JOIN asset a ON a.id = f.asset_id WHERE a.slug = '%s' AND state = 'fixed'", "life");
	assert_string_equal(n, "4");
	free(n);
	/* back again: reopened */
	assert_int_equal(upload_file("life", "scanner=trivy&target=img", TRIVY, &s), 201);
	expect_diff(s, 0, 0, 0, 4);
	json_decref(s);
	/* every state change is an event: detect, resolve_by_scan, reappear per finding */
	n = q("SELECT string_agg(type || ':' || coalesce(from_state, '-') || '>' || to_state, ',' ORDER BY e.id)"
	      " FROM event e JOIN finding f ON f.id = e.finding_id JOIN asset a ON a.id = f.asset_id"
	      " WHERE a.slug = '%s' AND f.id = (SELECT min(id) FROM finding WHERE asset_id = a.id)", "life");
	assert_string_equal(n, "detect:->open,resolve_by_scan:open>fixed,reappear:fixed>open");
	free(n);
}

static void test_reimport_changes_only_last_seen(void **state)
{
	(void)state;
	json_t *s;
	asset("again");
	assert_int_equal(upload_file("again", "scanner=trivy", TRIVY, &s), 201);
	json_decref(s);
	settle();
	char *before = q("SELECT (SELECT count(*) FROM event) || '/' || string_agg(f.state || f.row_version || f.severity, ',' ORDER BY f.id)"
			 " FROM finding f JOIN asset a ON a.id = f.asset_id WHERE a.slug = '%s'", "again");
	char *seen = q("SELECT max(last_seen) FROM finding f JOIN asset a ON a.id = f.asset_id WHERE a.slug = '%s'", "again");
	assert_int_equal(upload_file("again", "scanner=trivy", TRIVY, &s), 201);
	expect_diff(s, 0, 4, 0, 0);
	json_decref(s);
	settle();
	char *after = q("SELECT (SELECT count(*) FROM event) || '/' || string_agg(f.state || f.row_version || f.severity, ',' ORDER BY f.id)"
			" FROM finding f JOIN asset a ON a.id = f.asset_id WHERE a.slug = '%s'", "again");
	char *seen2 = q("SELECT max(last_seen) FROM finding f JOIN asset a ON a.id = f.asset_id WHERE a.slug = '%s'", "again");
	assert_string_equal(before, after);
	assert_string_not_equal(seen, seen2);
	free(before);
	free(after);
	free(seen);
	free(seen2);
}

static void test_two_scanners_one_finding(void **state)
{
	(void)state;
	json_t *s;
	asset("two");
	/* trivy and grype scopes report the same CVEs in the same packages for target bar */
	assert_int_equal(upload_file("two", "scanner=trivy&target=bar", TRIVY, &s), 201);
	expect_diff(s, 4, 0, 0, 0);
	json_decref(s);
	assert_int_equal(upload_file("two", "scanner=grype&target=bar", TRIVY, &s), 201);
	expect_diff(s, 0, 4, 0, 0); /* the same findings, one more source each */
	json_decref(s);
	char *n = q("SELECT count(*) || '/' || (SELECT count(*) FROM finding_source fs JOIN finding f ON f.id = fs.finding_id"
		    " JOIN asset a ON a.id = f.asset_id WHERE a.slug = '%1$s') FROM finding f JOIN asset a ON a.id = f.asset_id"
		    " WHERE a.slug = '%1$s'", "two");
	assert_string_equal(n, "4/8");
	free(n);
	/* trivy no longer reports them: still reported by grype, so not fixed */
	assert_int_equal(upload("two", "scanner=trivy&target=bar", NULL, EMPTY_TRIVY, strlen(EMPTY_TRIVY), &s), 201);
	expect_diff(s, 0, 0, 0, 0);
	json_decref(s);
	/* grype's complete scan without them: now every scope agrees */
	assert_int_equal(upload("two", "scanner=grype&target=bar", NULL, EMPTY_TRIVY, strlen(EMPTY_TRIVY), &s), 201);
	expect_diff(s, 0, 0, 4, 0);
	json_decref(s);
	/* the detail names both sources */
	char *id = q("SELECT min(f.id) FROM finding f JOIN asset a ON a.id = f.asset_id WHERE a.slug = '%s'", "two");
	char path[64], *out = NULL;
	snprintf(path, sizeof(path), "/api/v1/findings/%s", id);
	assert_int_equal(th_http(&D, "GET", path, D.token, NULL, &out), 200);
	json_t *f = json_loads(out, 0, NULL);
	assert_int_equal(json_array_size(json_object_get(f, "sources")), 2);
	json_decref(f);
	free(out);
	free(id);
}

static const char *sarif_doc(int shift)
{
	static char buf[4096];
	snprintf(buf, sizeof(buf),
		 "{\"version\":\"2.1.0\",\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\",\"runs\":[{"
		 "\"tool\":{\"driver\":{\"name\":\"semgrep\",\"version\":\"1.0\",\"rules\":[{\"id\":\"sqli\"},{\"id\":\"xss\"}]}},"
		 "\"results\":["
		 "{\"ruleId\":\"sqli\",\"level\":\"error\",\"message\":{\"text\":\"SQL injection\"},\"locations\":[{\"physicalLocation\":"
		 "{\"artifactLocation\":{\"uri\":\"app/db.py\"},\"region\":{\"startLine\":%d,\"snippet\":{\"text\":\"cur.execute(q %% user)\"}}}}]},"
		 "{\"ruleId\":\"xss\",\"level\":\"warning\",\"message\":{\"text\":\"XSS\"},\"locations\":[{\"physicalLocation\":"
		 "{\"artifactLocation\":{\"uri\":\"app/views.py\"},\"region\":{\"startLine\":%d,\"snippet\":{\"text\":\"return html(name)\"}}}}]}"
		 "]}]}", 10 + shift, 40 + shift);
	return buf;
}

static void test_line_drift_keeps_identity(void **state)
{
	(void)state;
	json_t *s;
	asset("drift");
	const char *a = sarif_doc(0);
	assert_int_equal(upload("drift", "scanner=semgrep", NULL, a, strlen(a), &s), 201);
	expect_diff(s, 2, 0, 0, 0);
	json_decref(s);
	const char *b = sarif_doc(37);
	assert_int_equal(upload("drift", "scanner=semgrep", NULL, b, strlen(b), &s), 201);
	expect_diff(s, 0, 2, 0, 0);
	json_decref(s);
	/* and the stored line moved with the code */
	char *line = q("SELECT min(start_line) FROM finding f JOIN asset a ON a.id = f.asset_id WHERE a.slug = '%s'", "drift");
	assert_string_equal(line, "47");
	free(line);
}

static void test_other_ref_changes_nothing(void **state)
{
	(void)state;
	json_t *s;
	asset("branchy");
	settle();
	char *before = th_sql(DSN, "SELECT (SELECT count(*) FROM finding) || '/' || (SELECT count(*) FROM event)");
	assert_int_equal(upload_file("branchy", "scanner=trivy&ref=feature/x", TRIVY, &s), 201);
	expect_diff(s, 4, 0, 0, 0); /* against the default ref: all new */
	assert_false(json_is_true(json_object_get(s, "default_ref")));
	assert_int_equal(json_array_size(json_object_get(json_object_get(json_object_get(s, "diff"), "findings"), "new")), 4);
	json_decref(s);
	settle();
	char *after = th_sql(DSN, "SELECT (SELECT count(*) FROM finding) || '/' || (SELECT count(*) FROM event)");
	assert_string_equal(before, after);
	free(before);
	free(after);
}

/* distinct fingerprints of a report as flawfix parse sees them (format
 * NULL = detected) */
static long distinct_fingerprints(const char *file, const char *target, const char *format)
{
	const char *args[] = { "parse", "--json", "--target", target, file, format ? "--format" : NULL, format, NULL };
	char *out = NULL;
	if (th_run(NULL, args, NULL, NULL, &out, NULL) != 0) {
		free(out);
		return -1;
	}
	long n = 0;
	char *seen = strdup("");
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		json_t *o = json_loads(line, 0, NULL);
		const char *fp = json_string_value(json_object_get(o, "fingerprint"));
		if (fp && !strstr(seen, fp)) {
			size_t l = strlen(seen);
			seen = realloc(seen, l + strlen(fp) + 2);
			snprintf(seen + l, strlen(fp) + 2, "%s,", fp);
			n++;
		}
		json_decref(o);
	}
	free(seen);
	free(out);
	return n;
}

static const char *format_of_dir(const char *dir)
{
	static const char *map[][2] = {
		{ "trivy", "trivy" }, { "sarif", "sarif" }, { "cyclonedx", "cyclonedx" }, { "grype", "grype" },
		{ "osv_scanner", "osv" }, { "npm_audit", "npm-audit" }, { "npm_audit_7_plus", "npm-audit-7" },
		{ "gitleaks", "gitleaks" }, { "semgrep", "semgrep" }, { "dependency_check", "dependency-check" },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i][0], dir) == 0)
			return map[i][1];
	return "unknown";
}

static void test_every_fixture_imports(void **state)
{
	(void)state;
	asset("fixtures");
	int files = 0;
	DIR *top = opendir("tests/fixtures/scanners");
	assert_non_null(top);
	struct dirent *fmt;
	while ((fmt = readdir(top))) {
		if (fmt->d_name[0] == '.')
			continue;
		char d1[512];
		snprintf(d1, sizeof(d1), "tests/fixtures/scanners/%s", fmt->d_name);
		DIR *src = opendir(d1);
		if (!src)
			continue;
		struct dirent *sd;
		while ((sd = readdir(src))) {
			char d2[1024];
			snprintf(d2, sizeof(d2), "%s/%s", d1, sd->d_name);
			DIR *fd = sd->d_name[0] == '.' ? NULL : opendir(d2);
			if (!fd)
				continue;
			struct dirent *fe;
			while ((fe = readdir(fd))) {
				const char *ext = strrchr(fe->d_name, '.');
				if (!ext || (strcmp(ext, ".json") && strcmp(ext, ".sarif") && strcmp(ext, ".xml")))
					continue;
				char file[1536], query[256];
				snprintf(file, sizeof(file), "%s/%s", d2, fe->d_name);
				snprintf(query, sizeof(query), "scanner=fx%d&target=t", files);
				struct stat sb;
				if (stat(file, &sb) == 0 && sb.st_size == 0) {
					/* a zero-byte report is refused on purpose (a scanner that
					 * printed nothing is a broken pipeline more often than a
					 * clean result, and a "complete scan" of nothing would mark
					 * every finding fixed); test_bad_input covers the 422 */
					continue;
				}
				long want = distinct_fingerprints(file, "t", NULL);
				if (want < 0) {
					/* e.g. Trivy's legacy empty report, the literal "null":
					 * nothing to detect from, so the format is given */
					const char *f = format_of_dir(fmt->d_name);
					want = distinct_fingerprints(file, "t", f);
					snprintf(query, sizeof(query), "scanner=fx%d&target=t&format=%s", files, f);
				}
				json_t *s = NULL;
				long st = upload_file("fixtures", query, file, &s);
				if (st != 201 || json_integer_value(json_object_get(s, "findings")) != want)
					fail_msg("%s: status %ld, %lld findings imported, %ld distinct in the report", file, st,
						 (long long)json_integer_value(json_object_get(s, "findings")), want);
				json_decref(s);
				files++;
			}
			closedir(fd);
		}
		closedir(src);
	}
	closedir(top);
	assert_true(files >= 90);
	const char *verify[] = { "audit", "verify", NULL };
	assert_int_equal(th_run(DSN, verify, NULL, NULL, NULL, NULL), 0);
}

static char *state_fingerprint(void)
{
	settle();
	return th_sql(DSN, "SELECT (SELECT count(*) FROM finding) || '/' || (SELECT count(*) FROM event) || '/' ||"
			   " (SELECT count(*) FROM finding_source) || '/' || (SELECT count(*) FROM scan_change) || '/' ||"
			   " (SELECT count(*) FROM scan WHERE status = 'done') || '/' ||"
			   " (SELECT coalesce(string_agg(state, ',' ORDER BY id), '') FROM finding)");
}

static char *gzip_bomb(size_t *len)
{
	/* 200 MB of zeros deflate to ~200 KB */
	z_stream z = { 0 };
	deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY);
	size_t cap = 1 << 20;
	char *out = malloc(cap);
	static char zeros[1 << 16];
	z.next_out = (Bytef *)out;
	z.avail_out = (uInt)cap;
	for (int i = 0; i < 3200; i++) {
		z.next_in = (Bytef *)zeros;
		z.avail_in = sizeof(zeros);
		deflate(&z, i == 3199 ? Z_FINISH : Z_NO_FLUSH);
	}
	*len = cap - z.avail_out;
	deflateEnd(&z);
	return out;
}

static void test_bad_input_changes_nothing(void **state)
{
	(void)state;
	json_t *s;
	asset("bad");
	assert_int_equal(upload_file("bad", "scanner=trivy&target=x", TRIVY, &s), 201);
	json_decref(s);
	char deep[30000];
	size_t dl = 0;
	for (int i = 0; i < 10000; i++)
		deep[dl++] = '[';
	deep[dl] = '\0';
	size_t bomb_len;
	char *bomb = gzip_bomb(&bomb_len);
	static const char *xxe = "<?xml version=\"1.0\"?><!DOCTYPE bom [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
				 "<bom xmlns=\"http://cyclonedx.org/schema/bom/1.4\"><components><component type=\"library\">"
				 "<name>&xxe;</name></component></components></bom>";
	static const char *laughs = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
				    "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
				    "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>"
				    "<bom xmlns=\"http://cyclonedx.org/schema/bom/1.4\"><components><component type=\"library\">"
				    "<name>&lol3;</name></component></components></bom>";
	struct { const char *what, *query, *data; size_t len; long status; } cases[] = {
		{ "truncated json", "scanner=trivy&target=x", "{\"SchemaVersion\": 2, \"Results\": [{\"Target\": \"a\", ", 0, 422 },
		{ "wrong declared format", "scanner=trivy&target=x&format=sarif", NULL, 0, 422 },
		{ "unknown format", "scanner=trivy&target=x", "{\"hello\": \"world\"}", 0, 422 },
		{ "unknown format name", "scanner=trivy&target=x&format=nessus", "{}", 0, 422 },
		{ "gzip bomb", "scanner=trivy&target=x", bomb, bomb_len, 422 },
		{ "deep nesting", "scanner=trivy&target=x", deep, 0, 422 },
		{ "xml external entity", "scanner=trivy&target=x", xxe, 0, 422 },
		{ "billion laughs", "scanner=trivy&target=x", laughs, 0, 422 },
		{ "invalid utf-8", "scanner=trivy&target=x", "{\"SchemaVersion\": 2, \"ArtifactName\": \"\xff\xfe\", \"Results\": []}", 0, 422 },
		{ "empty body", "scanner=trivy&target=x", "", 0, 422 },
		{ "no scanner", "target=x", "{}", 0, 422 },
		{ "bad partial", "scanner=trivy&partial=maybe", "{}", 0, 422 },
	};
	size_t tl;
	char *trivy = read_all(TRIVY, &tl);
	cases[1].data = trivy;
	cases[1].len = tl;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].data);
		char *before = state_fingerprint();
		long st = upload("bad", cases[i].query, NULL, cases[i].data, len, &s);
		char *after = state_fingerprint();
		if (st != cases[i].status)
			fail_msg("%s: status %ld, want %ld", cases[i].what, st, cases[i].status);
		assert_string_equal(before, after);
		assert_non_null(json_object_get(s, "title"));
		const char *detail = json_string_value(json_object_get(s, "detail"));
		assert_non_null(detail);
		/* report errors carry a position */
		if (json_object_get(s, "scan"))
			assert_non_null(strstr(detail, "byte"));
		json_decref(s);
		free(before);
		free(after);
	}
	free(trivy);
	free(bomb);
	/* a 100 MB string: limited by the configured string limit, positioned */
	size_t big = 100u << 20;
	char *str = malloc(big + 64);
	int hl = snprintf(str, 64, "{\"SchemaVersion\": 2, \"ArtifactName\": \"");
	memset(str + hl, 'a', big);
	memcpy(str + hl + big, "\"}", 3);
	char *before = state_fingerprint();
	long st = upload("bad", "scanner=trivy&target=x", NULL, str, (size_t)hl + big + 2, &s);
	char *after = state_fingerprint();
	assert_int_equal(st, 422);
	assert_string_equal(before, after);
	json_decref(s);
	free(before);
	free(after);
	free(str);
}

static void test_upload_tokens(void **state)
{
	(void)state;
	asset("tok-a");
	asset("tok-b");
	const char *args[] = { "token", "create", "--asset", "tok-a", "--scope", "upload", NULL };
	char *tok = NULL;
	assert_int_equal(th_run(DSN, args, NULL, NULL, &tok, NULL), 0);
	tok[strcspn(tok, "\n")] = '\0';
	size_t len;
	char *d = read_all(TRIVY, &len);
	json_t *s;
	char *before = state_fingerprint();
	assert_int_equal(upload("tok-b", "scanner=trivy", tok, d, len, &s), 403);
	json_decref(s);
	char *after = state_fingerprint();
	assert_string_equal(before, after);
	assert_int_equal(upload("tok-a", "scanner=trivy", tok, d, len, &s), 201);
	long long id = (long long)json_integer_value(json_object_get(s, "id"));
	json_decref(s);
	/* the upload token reads its own scans, nothing else */
	char path[64];
	snprintf(path, sizeof(path), "/api/v1/scans/%lld", id);
	assert_int_equal(th_http(&D, "GET", path, tok, NULL, NULL), 200);
	assert_int_equal(th_http(&D, "GET", "/api/v1/findings", tok, NULL, NULL), 403);
	assert_int_equal(th_http(&D, "GET", "/api/v1/assets", tok, NULL, NULL), 403);
	free(d);
	free(before);
	free(after);
	free(tok);
}

static void test_ci_client_fail_on(void **state)
{
	(void)state;
	asset("ci");
	const char *args[] = { "token", "create", "--asset", "ci", "--scope", "upload", NULL };
	char *tok = NULL;
	assert_int_equal(th_run(DSN, args, NULL, NULL, &tok, NULL), 0);
	tok[strcspn(tok, "\n")] = '\0';
	char env_tok[256];
	snprintf(env_tok, sizeof(env_tok), "FLAWFIX_TOKEN=%s", tok);
	const char *env[] = { env_tok, NULL };
	/* alpine-310: four medium findings */
	const char *high[] = { "upload", "--server", D.url, "--asset", "ci", "--scanner", "trivy", "--fail-on", "high", TRIVY, NULL };
	const char *med[] = { "upload", "--server", D.url, "--asset", "ci", "--scanner", "trivy", "--fail-on", "medium", TRIVY, NULL };
	const char *js[] = { "upload", "--server", D.url, "--asset", "ci", "--scanner", "trivy", "--json", TRIVY, NULL };
	char *out = NULL;
	assert_int_equal(th_run(NULL, high, env, NULL, &out, NULL), 0);
	assert_non_null(strstr(out, "4 new"));
	free(out);
	assert_int_equal(th_run(NULL, med, env, NULL, &out, NULL), 1); /* still open and untreated */
	assert_non_null(strstr(out, "4 still present"));
	free(out);
	assert_int_equal(th_run(NULL, js, env, NULL, &out, NULL), 0);
	json_t *s = json_loads(out, 0, NULL);
	assert_non_null(s);
	json_decref(s);
	free(out);
	/* once accepted, they no longer fail the build */
	assert_true(th_sql_ok(DSN, "UPDATE finding SET state = 'accepted' WHERE asset_id = (SELECT id FROM asset WHERE slug = 'ci')"));
	assert_int_equal(th_run(NULL, med, env, NULL, NULL, NULL), 0);
	/* an unreadable report: exit 2 */
	const char *bad[] = { "upload", "--server", D.url, "--asset", "ci", "--scanner", "trivy", "tests/fixtures/README.md", NULL };
	assert_int_equal(th_run(NULL, bad, env, NULL, NULL, NULL), 2);
	free(tok);
}

static void test_statement_budget(void **state)
{
	(void)state;
	asset("budget");
	/* 2,500 distinct findings: a generated Trivy report */
	size_t cap = 2500 * 200 + 256, len = 0;
	char *d = malloc(cap);
	len += (size_t)snprintf(d + len, cap - len, "{\"SchemaVersion\": 2, \"ArtifactName\": \"gen\", \"ArtifactType\": \"filesystem\","
						    " \"Results\": [{\"Target\": \"go.sum\", \"Class\": \"lang-pkgs\", \"Type\": \"gomod\","
						    " \"Vulnerabilities\": [");
	for (int i = 0; i < 2500; i++)
		len += (size_t)snprintf(d + len, cap - len,
					"%s{\"VulnerabilityID\": \"CVE-2099-%05d\", \"PkgName\": \"example.com/p%d\","
					" \"InstalledVersion\": \"1.0.0\", \"Severity\": \"HIGH\"}", i ? "," : "", i, i);
	len += (size_t)snprintf(d + len, cap - len, "]}]}");
	json_t *s;
	assert_int_equal(upload("budget", "scanner=trivy", NULL, d, len, &s), 201);
	expect_diff(s, 2500, 0, 0, 0);
	long long stmts = (long long)json_integer_value(json_object_get(s, "sql_statements"));
	json_decref(s);
	/* fixed cost (about 20) + one staging COPY per 4 MB of rows + report
	 * reads: not one statement per finding */
	if (stmts <= 0 || stmts > 40)
		fail_msg("the import of 2,500 findings sent %lld SQL statements", stmts);
	assert_int_equal(upload("budget", "scanner=trivy", NULL, d, len, &s), 201);
	expect_diff(s, 0, 2500, 0, 0);
	assert_true(json_integer_value(json_object_get(s, "sql_statements")) <= 40);
	json_decref(s);
	free(d);
}

/* the staging rows go through COPY's text format: every character a
 * scanner may write survives the trip, and "\N" text is not SQL NULL */
static void test_staging_keeps_every_character(void **state)
{
	(void)state;
	asset("chars");
	static const char report[] =
		"{\"SchemaVersion\": 2, \"ArtifactName\": \"gen\", \"ArtifactType\": \"filesystem\","
		" \"Results\": [{\"Target\": \"go.sum\", \"Class\": \"lang-pkgs\", \"Type\": \"gomod\","
		" \"Vulnerabilities\": [{\"VulnerabilityID\": \"CVE-2099-0001\","
		" \"VendorIDs\": [\"GHSA-\\\"q\\\"\", \"a\\\\b,{c}\", \"NULL\", \"tab\\there\"],"
		" \"PkgName\": \"p\\tkg\", \"InstalledVersion\": \"1.0\", \"Severity\": \"HIGH\","
		" \"Title\": \"tab\\t \\\"quoted\\\" back\\\\slash\\nline\\r\\n \\u00fcn\\u00efcode \\u2713\","
		" \"Description\": \"\\\\N\"}]}]}";
	json_t *s;
	assert_int_equal(upload("chars", "scanner=trivy", NULL, report, strlen(report), &s), 201);
	expect_diff(s, 1, 0, 0, 0);
	json_decref(s);
	char *got = q("SELECT title || '|' || description || '|' || pkg_name || '|' || (description IS NULL)"
		      " || '|' || array_length(vuln_ids, 1) FROM finding f JOIN asset a ON a.id = f.asset_id"
		      " WHERE a.slug = '%s'", "chars");
	assert_string_equal(got, "tab\t \"quoted\" back\\slash\nline\r\n \u00fcn\u00efcode \u2713|\\N|p\tkg|false|5");
	free(got);
	got = q("SELECT vuln_ids[2] || '#' || vuln_ids[3] || '#' || vuln_ids[4] || '#' || vuln_ids[5] FROM finding f"
		" JOIN asset a ON a.id = f.asset_id WHERE a.slug = '%s'", "chars");
	assert_string_equal(got, "GHSA-\"q\"#a\\b,{c}#NULL#tab\there");
	free(got);
}

/* the database refuses what the import writes (here a constraint added for
 * the test): the scan fails at once with the reason, no retries, nothing
 * of the report stays */
static void test_database_refusal_fails_scan(void **state)
{
	(void)state;
	asset("refused");
	assert_true(th_sql_ok(DSN, "ALTER TABLE finding ADD CONSTRAINT test_refuse CHECK (title IS DISTINCT FROM"
				   " 'refuse me')"));
	static const char report[] =
		"{\"SchemaVersion\": 2, \"ArtifactName\": \"gen\", \"ArtifactType\": \"filesystem\","
		" \"Results\": [{\"Target\": \"go.sum\", \"Class\": \"lang-pkgs\", \"Type\": \"gomod\","
		" \"Vulnerabilities\": [{\"VulnerabilityID\": \"CVE-2099-0002\", \"PkgName\": \"p\","
		" \"InstalledVersion\": \"1.0\", \"Severity\": \"HIGH\", \"Title\": \"refuse me\"}]}]}";
	char *out = NULL;
	long st = th_http_ct(&D, "POST", "/api/v1/assets/refused/scans?scanner=trivy", D.token, "application/json", report,
			     strlen(report), &out);
	assert_true(th_sql_ok(DSN, "ALTER TABLE finding DROP CONSTRAINT test_refuse"));
	if (st != 500 || !strstr(out, "import failed in the database") || !strstr(out, "test_refuse"))
		fail_msg("upload: %ld %s", st, out);
	free(out);
	/* the scan is failed when the upload answers; the job is marked a moment later */
	char *s = NULL;
	for (int i = 0; i < 100; i++) {
		free(s);
		s = q("SELECT s.status || ':' || j.state || ':' || j.attempts || ':' || (SELECT count(*) FROM finding f"
		      " WHERE f.asset_id = s.asset_id) FROM scan s JOIN job j ON j.kind = 'scan.import'"
		      " AND (j.payload->>'scan_id')::bigint = s.id JOIN asset a ON a.id = s.asset_id WHERE a.slug = '%s'",
		      "refused");
		if (s && strcmp(s, "failed:running:1:0") != 0)
			break;
		usleep(50 * 1000);
	}
	assert_string_equal(s, "failed:failed:1:0");
	free(s);
}

static json_t *get_json(const char *path)
{
	char *out = NULL;
	long st = th_http(&D, "GET", path, D.token, NULL, &out);
	if (st != 200)
		fail_msg("GET %s: %ld %s", path, st, out);
	json_t *j = json_loads(out, 0, NULL);
	free(out);
	return j;
}

static void test_findings_read_api(void **state)
{
	(void)state;
	json_t *s;
	asset("reader");
	assert_int_equal(upload_file("reader", "scanner=trivy&target=img", TRIVY, &s), 201);
	json_decref(s);
	assert_true(th_sql_ok(DSN, "UPDATE finding SET score10 = 40 + id % 7 WHERE asset_id = (SELECT id FROM asset WHERE slug = 'reader')"));
	json_t *l = get_json("/api/v1/findings?asset=reader&cve=CVE-2019-1549");
	assert_int_equal(json_array_size(json_object_get(l, "items")), 2);
	json_decref(l);
	l = get_json("/api/v1/findings?asset=reader&scanner=trivy&severity=medium,high&state=open&kind=container");
	assert_int_equal(json_array_size(json_object_get(l, "items")), 4);
	json_decref(l);
	l = get_json("/api/v1/findings?asset=reader&q=libssl");
	assert_int_equal(json_array_size(json_object_get(l, "items")), 2);
	json_decref(l);
	l = get_json("/api/v1/findings?asset=reader&scanner=grype");
	assert_int_equal(json_array_size(json_object_get(l, "items")), 0);
	json_decref(l);
	/* sort by score, highest first, across pages of 1: each once, in order */
	double last = 11;
	int seen = 0;
	char path[256] = "/api/v1/findings?asset=reader&sort=score&limit=1";
	for (;;) {
		l = get_json(path);
		json_t *it = json_array_get(json_object_get(l, "items"), 0);
		if (it) {
			double sc = json_number_value(json_object_get(it, "score"));
			assert_true(sc <= last);
			last = sc;
			seen++;
		}
		const char *cur = json_string_value(json_object_get(l, "next_cursor"));
		if (!cur) {
			json_decref(l);
			break;
		}
		snprintf(path, sizeof(path), "/api/v1/findings?asset=reader&sort=score&limit=1&cursor=%s", cur);
		json_decref(l);
	}
	assert_int_equal(seen, 4);
	/* bad filters are refused */
	assert_int_equal(th_http(&D, "GET", "/api/v1/findings?state=closed", D.token, NULL, NULL), 422);
	assert_int_equal(th_http(&D, "GET", "/api/v1/findings?sort=random", D.token, NULL, NULL), 422);
	assert_int_equal(th_http(&D, "GET", "/api/v1/findings?sort=score&cursor=12", D.token, NULL, NULL), 422);
	assert_int_equal(th_http(&D, "GET", "/api/v1/findings/999999", D.token, NULL, NULL), 404);
	assert_int_equal(th_http(&D, "GET", "/api/v1/findings/abc", D.token, NULL, NULL), 404);
	/* the asset's scans, newest first */
	l = get_json("/api/v1/assets/reader/scans");
	assert_int_equal(json_array_size(json_object_get(l, "items")), 1);
	json_decref(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed_reopened_partial),
		cmocka_unit_test(test_reimport_changes_only_last_seen),
		cmocka_unit_test(test_two_scanners_one_finding),
		cmocka_unit_test(test_line_drift_keeps_identity),
		cmocka_unit_test(test_other_ref_changes_nothing),
		cmocka_unit_test(test_bad_input_changes_nothing),
		cmocka_unit_test(test_upload_tokens),
		cmocka_unit_test(test_ci_client_fail_on),
		cmocka_unit_test(test_statement_budget),
		cmocka_unit_test(test_staging_keeps_every_character),
		cmocka_unit_test(test_database_refusal_fails_scan),
		cmocka_unit_test(test_findings_read_api),
		cmocka_unit_test(test_every_fixture_imports),
	};
	return cmocka_run_group_tests_name("scans", tests, setup, teardown);
}
