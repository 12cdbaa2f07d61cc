/* Bad input: each case fails with the right result code and a position
 * (line/column and byte offset, JSON pointer where known), and quickly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <zlib.h>

#include "ingest_test.h"

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *p = malloc((size_t)len + 1);
	assert_int_equal(fread(p, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	*n = (size_t)len;
	return p;
}

static int run_mem(const char *p, size_t n, enum ingest_format fmt, const struct ingest_limits *lim,
	struct ingest_error *err, size_t *found)
{
	json_t *arr = NULL;
	struct ingest_result res;
	int rc = parse_mem(p, n, fmt, NULL, lim, &arr, &res, err);
	char m[600];
	ingest_error_format(err, m, sizeof(m));
	fprintf(stderr, "  -> rc=%d %s\n", rc, m);
	if (found)
		*found = json_array_size(arr);
	json_decref(arr);
	return rc;
}

static void test_truncated_json(void **state)
{
	(void)state;
	size_t n;
	char *p = slurp(FX "sarif/DefectDojo-django-DefectDojo/bash-report.sarif", &n);
	struct ingest_error err;
	assert_int_equal(run_mem(p, n / 2, INGEST_FMT_UNKNOWN, NULL, &err, NULL), FF_EINVAL);
	assert_non_null(strstr(err.msg, "invalid JSON"));
	assert_true(err.line > 1);
	assert_int_equal(err.offset, n / 2);
	assert_true(strncmp(err.pointer, "/runs/0/", 8) == 0);
	free(p);
}

static void test_truncated_xml(void **state)
{
	(void)state;
	size_t n;
	char *p = slurp(FX "cyclonedx/DefectDojo-django-DefectDojo/log4j.xml", &n);
	struct ingest_error err;
	assert_int_equal(run_mem(p, n / 2, INGEST_FMT_UNKNOWN, NULL, &err, NULL), FF_EINVAL);
	assert_non_null(strstr(err.msg, "invalid XML"));
	assert_true(err.line > 100);
	free(p);
}

static void test_wrong_declared_format(void **state)
{
	(void)state;
	size_t n;
	char *p = slurp(FX "trivy/aquasecurity-trivy/alpine-310.json", &n);
	struct ingest_error err;
	assert_int_equal(run_mem(p, n, INGEST_FMT_SARIF, NULL, &err, NULL), FF_EINVAL);
	assert_non_null(strstr(err.msg, "declared format sarif but the content is trivy"));
	free(p);
	/* content that detection cannot place: the declared parser refuses it */
	const char *other = "{\n  \"hello\": [1, 2, 3]\n}\n";
	size_t found = 1;
	assert_int_equal(run_mem(other, strlen(other), INGEST_FMT_GRYPE, NULL, &err, &found), FF_EINVAL);
	assert_non_null(strstr(err.msg, "not a Grype report"));
	assert_int_equal(found, 0);
	assert_int_equal(err.line, 4);
	/* a declared JSON format on XML */
	const char *xml = "<?xml version=\"1.0\"?>\n<bom/>\n";
	assert_int_equal(run_mem(xml, strlen(xml), INGEST_FMT_SEMGREP, NULL, &err, NULL), FF_EINVAL);
}

static void test_unknown_format(void **state)
{
	(void)state;
	struct ingest_error err;
	const char *j = "{\"hello\": \"world\"}";
	assert_int_equal(run_mem(j, strlen(j), INGEST_FMT_UNKNOWN, NULL, &err, NULL), FF_ENOTSUP);
	assert_non_null(strstr(err.msg, "unknown format"));
	const char bin[] = "\x7f" "ELF\x02\x01\x01\x00garbage";
	assert_int_equal(run_mem(bin, sizeof(bin) - 1, INGEST_FMT_UNKNOWN, NULL, &err, NULL), FF_ENOTSUP);
	assert_int_equal(run_mem("", 0, INGEST_FMT_UNKNOWN, NULL, &err, NULL), FF_ENOTSUP);
	assert_non_null(strstr(err.msg, "empty report"));
}

/* gzip of prefix + n_mb megabytes of the byte c, built in memory */
static unsigned char *gzip_of(const char *prefix, size_t n_mb, char c, size_t *outlen)
{
	z_stream z = { 0 };
	size_t cap = 1 << 20;
	unsigned char *out = malloc(cap), *in = malloc(1 << 20);
	memset(in, c, 1 << 20);
	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_out = out;
	z.avail_out = (uInt)cap;
	z.next_in = (unsigned char *)prefix;
	z.avail_in = (uInt)strlen(prefix);
	assert_int_equal(deflate(&z, Z_NO_FLUSH), Z_OK);
	for (size_t i = 0; i < n_mb; i++) {
		z.next_in = in;
		z.avail_in = 1 << 20;
		assert_int_equal(deflate(&z, i + 1 == n_mb ? Z_FINISH : Z_NO_FLUSH), i + 1 == n_mb ? Z_STREAM_END : Z_OK);
		assert_true(z.avail_out > 0);
	}
	*outlen = cap - z.avail_out;
	deflateEnd(&z);
	free(in);
	return out;
}

static void test_gzip_bomb(void **state)
{
	(void)state;
	size_t n;
	/* 256 MB of blanks inside a SARIF log, in ~250 KB */
	unsigned char *gz = gzip_of("{\"version\":\"2.1.0\",\"runs\":[", 256, ' ', &n);
	struct ingest_error err;
	struct ingest_limits lim = { .max_doc = 16 << 20 };
	fprintf(stderr, "gzip bomb: %zu bytes inflating to 256 MiB, cap 16 MiB\n", n);
	assert_true(n < 1 << 20);
	assert_int_equal(run_mem((const char *)gz, n, INGEST_FMT_UNKNOWN, &lim, &err, NULL), FF_ETOOBIG);
	assert_non_null(strstr(err.msg, "gzip bomb"));
	assert_int_equal(err.offset, lim.max_doc);
	assert_true(err.line >= 1);
	free(gz);
	/* blanks only, with a declared format: still read to the cap */
	gz = gzip_of("", 64, ' ', &n);
	assert_int_equal(run_mem((const char *)gz, n, INGEST_FMT_SARIF, &lim, &err, NULL), FF_ETOOBIG);
	free(gz);
}

static void test_gzip_report_parses(void **state)
{
	(void)state;
	size_t n, gzn;
	char *p = slurp(FX "grype/DefectDojo-django-DefectDojo/issue_9618.json", &n);
	uLongf cap = compressBound(n) + 64;
	unsigned char *gz = malloc(cap);
	z_stream z = { 0 };
	deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
	z.next_in = (unsigned char *)p;
	z.avail_in = (uInt)n;
	z.next_out = gz;
	z.avail_out = (uInt)cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	gzn = cap - z.avail_out;
	deflateEnd(&z);
	json_t *a = NULL, *b = NULL;
	struct ingest_result ra, rb;
	struct ingest_error err;
	assert_int_equal(parse_mem(p, n, INGEST_FMT_UNKNOWN, "t", NULL, &a, &ra, &err), FF_OK);
	assert_int_equal(parse_mem(gz, gzn, INGEST_FMT_UNKNOWN, "t", NULL, &b, &rb, &err), FF_OK);
	assert_int_equal(rb.format, INGEST_FMT_GRYPE);
	assert_true(json_equal(a, b));
	assert_true(json_array_size(a) > 0);
	/* truncated gzip: a clear error */
	assert_int_equal(run_mem((const char *)gz, gzn / 2, INGEST_FMT_UNKNOWN, NULL, &err, NULL), FF_EINVAL);
	json_decref(a);
	json_decref(b);
	free(gz);
	free(p);
}

static void test_deep_nesting(void **state)
{
	(void)state;
	size_t n = 10000;
	char *p = malloc(2 * n + 16);
	memcpy(p, "{\"runs\":", 8);
	memset(p + 8, '[', n);
	memset(p + 8 + n, ']', n);
	p[8 + 2 * n] = '}';
	struct ingest_error err;
	assert_int_equal(run_mem(p, 2 * n + 9, INGEST_FMT_UNKNOWN, NULL, &err, NULL), FF_ETOOBIG);
	assert_non_null(strstr(err.msg, "nesting deeper than 128"));
	/* the 128th '[' is depth 129 with the root object */
	assert_int_equal(err.offset, 8 + 127);
	assert_int_equal(err.line, 1);
	assert_int_equal(err.col, 8 + 128);
	assert_true(strncmp(err.pointer, "/runs/0/0/0", 11) == 0);
	free(p);
}

/* a 100 MB string streamed from a generator, never held in memory */
struct gen {
	const char *pre, *post;
	size_t body, off;
};

static ssize_t gen_read(void *ud, void *buf, size_t n)
{
	struct gen *g = ud;
	size_t pre = strlen(g->pre), post = strlen(g->post), total = pre + g->body + post, k = 0;
	char *b = buf;
	while (k < n && g->off < total) {
		size_t o = g->off;
		b[k++] = o < pre ? g->pre[o] : o < pre + g->body ? 'a' : g->post[o - pre - g->body];
		g->off++;
	}
	return (ssize_t)k;
}

static void test_huge_string(void **state)
{
	(void)state;
	struct gen g = { .pre = "{\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{\"name\":\"x\"}},\"results\":[{\"ruleId\":\"",
		.post = "\"}]}]}", .body = 100u << 20 };
	struct ingest_opts o = { .read = gen_read, .read_ud = &g };
	struct ingest_result res;
	struct ingest_error err;
	int rc = ingest_run(&o, &res, &err);
	char m[600];
	ingest_error_format(&err, m, sizeof(m));
	fprintf(stderr, "  -> %s\n", m);
	assert_int_equal(rc, FF_ETOOBIG);
	assert_non_null(strstr(err.msg, "string longer than"));
	assert_int_equal(err.offset, strlen(g.pre) + (4u << 20));
	assert_string_equal(err.pointer, "/runs/0/results/0/ruleId");
	assert_true(g.off < (8u << 20)); /* stopped early, did not read 100 MB */
}

static void test_xml_external_entity(void **state)
{
	(void)state;
	const char *x = "<?xml version=\"1.0\"?>\n"
		"<!DOCTYPE bom [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n"
		"<bom xmlns=\"http://cyclonedx.org/schema/bom/1.4\"><vulnerabilities><vulnerability>"
		"<id>&xxe;</id></vulnerability></vulnerabilities></bom>\n";
	struct ingest_error err;
	size_t found = 1;
	assert_int_equal(run_mem(x, strlen(x), INGEST_FMT_CYCLONEDX, NULL, &err, &found), FF_EINVAL);
	assert_int_equal(found, 0);
	assert_non_null(strstr(err.msg, "DTD"));
	assert_true(err.line >= 2);
}

static void test_billion_laughs(void **state)
{
	(void)state;
	const char *x = "<?xml version=\"1.0\"?>\n"
		"<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n"
		" <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
		" <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
		" <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
		" <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
		" <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
		" <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
		" <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
		" <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
		" <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
		"]>\n<analysis><dependencies><dependency><fileName>&lol9;</fileName></dependency></dependencies></analysis>\n";
	struct ingest_error err;
	size_t found = 1;
	assert_int_equal(run_mem(x, strlen(x), INGEST_FMT_UNKNOWN, NULL, &err, &found), FF_EINVAL);
	assert_int_equal(found, 0);
	assert_non_null(strstr(err.msg, "DTD"));
	assert_int_equal(err.line, 2);
	assert_int_equal(err.col, 1);
}

static void test_invalid_utf8(void **state)
{
	(void)state;
	const char *j = "{\"version\":\"2.1.0\",\n\"runs\":[{\"results\":[{\"ruleId\":\"ab\xff\xfe\"}]}]}";
	struct ingest_error err;
	assert_int_equal(run_mem(j, strlen(j), INGEST_FMT_UNKNOWN, NULL, &err, NULL), FF_EINVAL);
	assert_non_null(strstr(err.msg, "UTF8"));
	assert_int_equal(err.line, 2);
	assert_true(err.offset > 20);
	assert_string_equal(err.pointer, "/runs/0/results/0/ruleId");
	const char *x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<bom xmlns=\"http://cyclonedx.org/schema/bom/1.4\">\n"
		"<components><component><name>\xc3\x28</name></component></components></bom>\n";
	assert_int_equal(run_mem(x, strlen(x), INGEST_FMT_UNKNOWN, NULL, &err, NULL), FF_EINVAL);
	assert_int_equal(err.line, 3);
}

/* a line number no source file has (and no database integer holds): the
 * report is refused at that result, not stored or retried */
static void test_line_out_of_range(void **state)
{
	(void)state;
	const char *j = "{\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{\"name\":\"t\"}},\"results\":[\n"
			"{\"ruleId\":\"a\",\"message\":{\"text\":\"m\"},\"locations\":[{\"physicalLocation\":"
			"{\"artifactLocation\":{\"uri\":\"a.c\"},\"region\":{\"startLine\":7}}}]},\n"
			"{\"ruleId\":\"b\",\"message\":{\"text\":\"m\"},\"locations\":[{\"physicalLocation\":"
			"{\"artifactLocation\":{\"uri\":\"b.c\"},\"region\":{\"startLine\":3000000000}}}]}]}]}";
	struct ingest_error err;
	assert_int_equal(run_mem(j, strlen(j), INGEST_FMT_UNKNOWN, NULL, &err, NULL), FF_EINVAL);
	assert_non_null(strstr(err.msg, "line number 3000000000 is out of range (1 to 2147483647)"));
	assert_int_equal(err.line, 3);
	/* the largest line a database integer holds is fine */
	char ok[1024];
	snprintf(ok, sizeof(ok), "%.*s2147483647}}}]}]}]}", (int)(strstr(j, "3000000000") - j), j);
	size_t found = 0;
	assert_int_equal(run_mem(ok, strlen(ok), INGEST_FMT_UNKNOWN, NULL, &err, &found), FF_OK);
	assert_int_equal(found, 2);
}

static void test_limits(void **state)
{
	(void)state;
	size_t n, found = 0;
	char *p = slurp(FX "sarif/DefectDojo-django-DefectDojo/suppression_test.sarif", &n);
	struct ingest_error err;
	struct ingest_limits lim = { .max_results = 3 };
	assert_int_equal(run_mem(p, n, INGEST_FMT_UNKNOWN, &lim, &err, &found), FF_ETOOBIG);
	assert_int_equal(found, 3);
	assert_non_null(strstr(err.msg, "more than 3 findings"));
	assert_true(strncmp(err.pointer, "/runs/0/results/3", 17) == 0);
	struct ingest_limits small = { .max_doc = 1000 };
	assert_int_equal(run_mem(p, n, INGEST_FMT_UNKNOWN, &small, &err, NULL), FF_ETOOBIG);
	assert_non_null(strstr(err.msg, "exceeds the limit of 1000 bytes"));
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_truncated_json),
		cmocka_unit_test(test_truncated_xml),
		cmocka_unit_test(test_wrong_declared_format),
		cmocka_unit_test(test_unknown_format),
		cmocka_unit_test(test_gzip_bomb),
		cmocka_unit_test(test_gzip_report_parses),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_huge_string),
		cmocka_unit_test(test_xml_external_entity),
		cmocka_unit_test(test_billion_laughs),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_line_out_of_range),
		cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
