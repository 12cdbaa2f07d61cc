/* feed parsers on the real fixtures (tests/fixtures/feeds/) and on broken
 * copies of them. Expected values are read from the fixture files with
 * jansson or plain text search, not copied into the test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "common/rc.h"
#include "connectors/feeds/feeds.h"

#define FX "tests/fixtures/feeds/"

/* what the collecting sink keeps: counts and a copy of one chosen record */
struct got {
	long n, batches, ransom_known, with_base, rejected;
	long long total;
	const char *want;           /* CVE id to keep */
	int found;
	char s1[512], s2[512], s3[128], s4[128], s5[128];
	double d1, d2;
	int ncvss;
	char vers[FEED_CVSS_MAX][8], types[FEED_CVSS_MAX][16], vecs[FEED_CVSS_MAX][256];
	long long id;
	int fail_at;                /* make record() fail at this count (0 = never) */
};

static void cp(char *dst, size_t n, const char *s)
{
	snprintf(dst, n, "%s", s ? s : "");
}

static void keep_cve(struct got *g, const struct feed_cve *c)
{
	cp(g->s1, sizeof(g->s1), c->base ? c->base->vector : "");
	cp(g->s2, sizeof(g->s2), c->cna);
	cp(g->s3, sizeof(g->s3), c->vuln_status);
	cp(g->s4, sizeof(g->s4), c->ncwe ? c->cwe[0] : "");
	cp(g->s5, sizeof(g->s5), c->base ? c->base->type : "");
	g->d1 = c->base ? c->base->score : -1;
	g->ncvss = c->ncvss;
	for (int i = 0; i < c->ncvss; i++) {
		cp(g->vers[i], sizeof(g->vers[i]), c->cvss[i].version);
		cp(g->types[i], sizeof(g->types[i]), c->cvss[i].type);
		cp(g->vecs[i], sizeof(g->vecs[i]), c->cvss[i].vector);
	}
}

static int on_record(void *ctx, enum feed_kind kind, const void *rec)
{
	struct got *g = ctx;
	const char *id = NULL;
	g->n++;
	if (g->fail_at && g->n == g->fail_at)
		return FF_EPERM;
	if (kind == FEED_NVD) {
		const struct feed_cve *c = rec;
		id = c->id;
		g->with_base += c->base != NULL;
		g->rejected += c->rejected;
		if (g->want && strcmp(id, g->want) == 0)
			keep_cve(g, c);
	} else if (kind == FEED_KEV) {
		const struct feed_kev *k = rec;
		id = k->cve_id;
		g->ransom_known += strcmp(k->ransomware, "Known") == 0;
		if (g->want && strcmp(id, g->want) == 0) {
			cp(g->s1, sizeof(g->s1), k->date_added);
			cp(g->s2, sizeof(g->s2), k->due_date);
			cp(g->s3, sizeof(g->s3), k->ransomware);
			cp(g->s4, sizeof(g->s4), k->cwes);
			cp(g->s5, sizeof(g->s5), k->vendor);
		}
	} else if (kind == FEED_EPSS) {
		const struct feed_epss *p = rec;
		id = p->cve_id;
		if (g->want && strcmp(id, g->want) == 0) {
			g->d1 = p->epss;
			g->d2 = p->percentile;
			cp(g->s3, sizeof(g->s3), p->model_version);
			cp(g->s4, sizeof(g->s4), p->score_date);
		}
	} else {
		const struct feed_exploit *x = rec;
		id = x->cve_id;
		if (g->want && strcmp(id, g->want) == 0) {
			g->id = x->id;
			cp(g->s1, sizeof(g->s1), x->description);
			cp(g->s3, sizeof(g->s3), x->date_published);
			cp(g->s4, sizeof(g->s4), x->platform);
		}
	}
	if (g->want && strcmp(id, g->want) == 0)
		g->found++;
	return FF_OK;
}

static int on_batch(void *ctx, const struct feed_cursor *cur)
{
	(void)cur;
	((struct got *)ctx)->batches++;
	return FF_OK;
}

static void on_total(void *ctx, long long t)
{
	((struct got *)ctx)->total = t;
}

static int run(const char *src, const char *path, struct got *g, struct feed_err *e)
{
	struct feed_sink s = { on_record, on_batch, on_total, g };
	struct feed_opts o = { .batch_records = 3 };
	return feed_read(feed_lookup(src), path, &o, &s, e);
}

/* ---- helpers writing broken copies ---- */

static char tmpdir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/fftest-feeds-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)n + 1);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	b[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return b;
}

static const char *tmpfile_with(const char *name, const char *data, size_t len)
{
	static char p[256];
	snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
	FILE *f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
	return p;
}

/* a copy of src with the first occurrence of from replaced by to */
static const char *tmp_replaced(const char *name, const char *src, const char *from, const char *to)
{
	size_t len;
	char *b = slurp(src, &len);
	char *at = strstr(b, from);
	assert_non_null(at);
	size_t out_len = len - strlen(from) + strlen(to);
	char *o = malloc(out_len + 1);
	size_t pre = (size_t)(at - b);
	memcpy(o, b, pre);
	memcpy(o + pre, to, strlen(to));
	memcpy(o + pre + strlen(to), at + strlen(from), len - pre - strlen(from));
	const char *p = tmpfile_with(name, o, out_len);
	free(b);
	free(o);
	return p;
}

static const char *tmp_truncated(const char *name, const char *src, double frac)
{
	size_t len;
	char *b = slurp(src, &len);
	const char *p = tmpfile_with(name, b, (size_t)((double)len * frac));
	free(b);
	return p;
}

static void assert_err_has(const struct feed_err *e, const char *needle)
{
	if (!strstr(e->msg, needle))
		fail_msg("error '%s' does not contain '%s'", e->msg, needle);
}

/* ---- KEV ---- */

#define KEV_JSON FX "kev/cisagov-kev-data/known_exploited_vulnerabilities.json"

static void test_kev_full_catalogue(void **state)
{
	(void)state;
	struct got g = { .want = "CVE-2021-44228" };
	struct feed_err e;
	json_t *root = json_load_file(KEV_JSON, 0, NULL);
	assert_non_null(root);
	assert_int_equal(run("kev", KEV_JSON, &g, &e), FF_OK);
	assert_int_equal(g.n, json_integer_value(json_object_get(root, "count")));
	assert_int_equal(g.total, g.n);
	assert_int_equal(g.batches, 1);
	/* the Known count, independently from the file */
	long known = 0;
	json_t *v, *want = NULL;
	size_t i;
	json_array_foreach(json_object_get(root, "vulnerabilities"), i, v) {
		known += strcmp(json_string_value(json_object_get(v, "knownRansomwareCampaignUse")), "Known") == 0;
		if (strcmp(json_string_value(json_object_get(v, "cveID")), "CVE-2021-44228") == 0)
			want = v;
	}
	assert_int_equal(g.ransom_known, known);
	assert_int_equal(g.found, 1);
	assert_non_null(want);
	assert_string_equal(g.s1, json_string_value(json_object_get(want, "dateAdded")));
	assert_string_equal(g.s2, json_string_value(json_object_get(want, "dueDate")));
	assert_string_equal(g.s3, json_string_value(json_object_get(want, "knownRansomwareCampaignUse")));
	assert_string_equal(g.s5, json_string_value(json_object_get(want, "vendorProject")));
	json_t *cw = json_array_get(json_object_get(want, "cwes"), 0);
	if (cw)
		assert_true(strncmp(g.s4, json_string_value(cw), strlen(json_string_value(cw))) == 0);
	json_decref(root);
}

static void test_kev_bad_inputs(void **state)
{
	(void)state;
	struct got g = { 0 };
	struct feed_err e;
	/* count disagrees with the array (the vunnel partial catalogue) */
	assert_int_equal(run("kev", FX "kev/anchore-vunnel/valid-catalog-1.json", &g, &e), FF_EINVAL);
	assert_err_has(&e, "/count is 1273 but the catalogue holds 3");
	assert_int_equal(g.batches, 0);
	/* a lone entry is not a catalogue */
	assert_int_equal(run("kev", FX "kev/anchore-vunnel/single-entry-example1.json", &g, &e), FF_EINVAL);
	assert_err_has(&e, "not a KEV catalogue");
	/* truncated */
	const char *p = tmp_truncated("kev-trunc.json", KEV_JSON, 0.5);
	memset(&g, 0, sizeof(g));
	assert_int_equal(run("kev", p, &g, &e), FF_EINVAL);
	assert_err_has(&e, "invalid JSON");
	assert_int_equal(g.n, 0);
	assert_int_equal(g.batches, 0);
	/* a bad date in entry 0 (CVE-2025-48384 added 2025-08-25) */
	p = tmp_replaced("kev-date.json", KEV_JSON, "\"dateAdded\": \"2025-08-25\"", "\"dateAdded\": \"2025-02-30\"");
	memset(&g, 0, sizeof(g));
	assert_int_equal(run("kev", p, &g, &e), FF_EINVAL);
	assert_err_has(&e, "/vulnerabilities/0 (CVE-2025-48384): bad dateAdded");
	assert_int_equal(g.batches, 0);
	/* schema violation: a required field missing */
	p = tmp_replaced("kev-req.json", KEV_JSON, "\"vendorProject\"", "\"vendorProjectX\"");
	memset(&g, 0, sizeof(g));
	assert_int_equal(run("kev", p, &g, &e), FF_EINVAL);
	assert_err_has(&e, "(CVE-2025-48384): a required field is missing");
	/* missing file */
	assert_int_equal(run("kev", "/nonexistent/kev.json", &g, &e), FF_ENOTFOUND);
}

/* ---- EPSS ---- */

#define EPSS_CSV FX "epss/lodestonesecurity-epss-data-history/epss_scores-current_excerpt.csv"

/* the data line of id in a CSV file, found with plain text search */
static void csv_line_of(const char *path, const char *prefix, char *out, size_t n)
{
	size_t len;
	char *b = slurp(path, &len);
	char *at = strstr(b, prefix);
	assert_non_null(at);
	size_t l = strcspn(at, "\r\n");
	snprintf(out, n, "%.*s", (int)l, at);
	free(b);
}

static long count_lines(const char *path)
{
	size_t len;
	long n = 0;
	char *b = slurp(path, &len);
	for (size_t i = 0; i < len; i++)
		n += b[i] == '\n';
	free(b);
	return n;
}

static void test_epss_excerpt(void **state)
{
	(void)state;
	struct got g = { .want = "CVE-2021-44228" };
	struct feed_err e;
	char line[128], first[256];
	assert_int_equal(run("epss", EPSS_CSV, &g, &e), FF_OK);
	assert_int_equal(g.n, count_lines(EPSS_CSV) - 2);
	assert_int_equal(g.found, 1);
	csv_line_of(EPSS_CSV, "CVE-2021-44228,", line, sizeof(line));
	char *c1 = strchr(line, ','), *c2 = strchr(c1 + 1, ',');
	assert_true(g.d1 == strtod(c1 + 1, NULL));
	assert_true(g.d2 == strtod(c2 + 1, NULL));
	csv_line_of(EPSS_CSV, "#model_version:", first, sizeof(first));
	char want_model[64];
	snprintf(want_model, sizeof(want_model), "%.*s", (int)strcspn(first + 15, ","), first + 15);
	assert_string_equal(g.s3, want_model);
	assert_true(strncmp(strstr(first, "score_date:") + 11, g.s4, 10) == 0);
}

static void test_epss_gzip(void **state)
{
	(void)state;
	size_t len;
	char *b = slurp(FX "epss/anchore-vunnel/example-1.csv", &len);
	char p[256];
	snprintf(p, sizeof(p), "%s/epss.csv.gz", tmpdir);
	gzFile z = gzopen(p, "wb");
	assert_int_equal(gzwrite(z, b, (unsigned)len), (int)len);
	gzclose(z);
	struct got g = { .want = "CVE-1999-0005" };
	struct feed_err e;
	assert_int_equal(run("epss", p, &g, &e), FF_OK);
	assert_int_equal(g.n, count_lines(FX "epss/anchore-vunnel/example-1.csv") - 2);
	assert_int_equal(g.found, 1);
	char line[128];
	csv_line_of(FX "epss/anchore-vunnel/example-1.csv", "CVE-1999-0005,", line, sizeof(line));
	assert_true(g.d1 == strtod(strchr(line, ',') + 1, NULL));
	/* a truncated gzip file */
	size_t zl;
	char *zb = slurp(p, &zl);
	const char *tp = tmpfile_with("epss-trunc.csv.gz", zb, zl - 12);
	memset(&g, 0, sizeof(g));
	assert_int_not_equal(run("epss", tp, &g, &e), FF_OK);
	assert_int_equal(g.batches, 0);
	free(zb);
	free(b);
}

static void test_epss_bad_inputs(void **state)
{
	(void)state;
	struct got g = { 0 };
	struct feed_err e;
	assert_int_equal(run("epss", FX "epss/anchore-vunnel/invalid-header.csv", &g, &e), FF_EINVAL);
	assert_err_has(&e, "line 2: expected the header 'cve,epss,percentile'");
	assert_int_equal(run("epss", FX "epss/anchore-vunnel/missing-date.csv", &g, &e), FF_EINVAL);
	assert_err_has(&e, "line 1: expected '#model_version");
	/* a bad score date */
	const char *p = tmp_replaced("epss-baddate.csv", FX "epss/anchore-vunnel/example-1.csv", "2025-02-20",
				     "2025-02-31");
	assert_int_equal(run("epss", p, &g, &e), FF_EINVAL);
	/* a row with a missing column: line 5 is CVE-1999-0003 */
	p = tmp_replaced("epss-col.csv", FX "epss/anchore-vunnel/example-1.csv", "CVE-1999-0003,0.04409,",
			 "CVE-1999-0003,");
	memset(&g, 0, sizeof(g));
	assert_int_equal(run("epss", p, &g, &e), FF_EINVAL);
	assert_err_has(&e, "line 5: expected 3 columns");
	assert_int_equal(g.batches, 0);
	/* a score out of range */
	p = tmp_replaced("epss-range.csv", FX "epss/anchore-vunnel/example-1.csv", "0.01328", "1.5");
	assert_int_equal(run("epss", p, &g, &e), FF_EINVAL);
	assert_err_has(&e, "line 4: CVE-1999-0002");
	/* truncated inside a row */
	p = tmp_truncated("epss-trunc.csv", FX "epss/anchore-vunnel/example-1.csv", 0.8);
	memset(&g, 0, sizeof(g));
	assert_int_equal(run("epss", p, &g, &e), FF_EINVAL);
	assert_int_equal(g.batches, 0);
}

/* ---- ExploitDB ---- */

#define XDB_CSV FX "exploitdb/Xhoenix-searchsploit/files_exploits_excerpt.csv"

static void test_exploitdb_excerpt(void **state)
{
	(void)state;
	struct got g = { .want = "CVE-2021-44228" };
	struct feed_err e;
	assert_int_equal(run("exploitdb", XDB_CSV, &g, &e), FF_OK);
	assert_int_equal(g.batches, 1);
	/* every CVE id in the file is one record: count "CVE-" tokens in codes
	 * independently (the descriptions of this excerpt name no CVE ids) */
	size_t len;
	char *b = slurp(XDB_CSV, &len);
	long cves = 0, log4 = 0;
	for (char *p = strstr(b, "CVE-"); p; p = strstr(p + 4, "CVE-"))
		cves++;
	for (char *p = strstr(b, "CVE-2021-44228"); p; p = strstr(p + 4, "CVE-2021-44228"))
		log4++;
	assert_int_equal(g.n, cves);
	assert_int_equal(g.found, log4);
	/* the quoted "CVE-2000-0437 ;OSVDB-322" value yields CVE-2000-0437 */
	struct got g2 = { .want = "CVE-2000-0437" };
	assert_int_equal(run("exploitdb", XDB_CSV, &g2, &e), FF_OK);
	assert_int_equal(g2.found, 1);
	/* CVE-2012-2926: the row's id and date from the text */
	struct got g3 = { .want = "CVE-2012-2926" };
	assert_int_equal(run("exploitdb", XDB_CSV, &g3, &e), FF_OK);
	assert_int_equal(g3.found, 1);
	char *at = strstr(b, "CVE-2012-2926");
	while (at > b && at[-1] != '\n')
		at--;
	assert_int_equal(g3.id, strtoll(at, NULL, 10));
	free(b);
}

static void test_exploitdb_bad_inputs(void **state)
{
	(void)state;
	struct got g = { 0 };
	struct feed_err e;
	const char *p = tmp_replaced("x-col.csv", XDB_CSV, ",codes,", ",kodes,");
	assert_int_equal(run("exploitdb", p, &g, &e), FF_EINVAL);
	assert_err_has(&e, "line 1: missing column 'codes'");
	/* bad date on the first data row (id 16929, line 2) */
	p = tmp_replaced("x-date.csv", XDB_CSV, ",2010-11-11,Metasploit,", ",2010-11-31,Metasploit,");
	memset(&g, 0, sizeof(g));
	assert_int_equal(run("exploitdb", p, &g, &e), FF_EINVAL);
	assert_err_has(&e, "line 2: exploit 16929: bad date_published");
	assert_int_equal(g.batches, 0);
	/* a row with a missing column */
	p = tmp_replaced("x-short.csv", XDB_CSV, ",dos,aix,,", ",dos,aix,");
	assert_int_equal(run("exploitdb", p, &g, &e), FF_EINVAL);
	assert_err_has(&e, "line 2: expected 17 columns, found 16");
	/* truncated in the middle of a quoted description */
	p = tmp_replaced("x-trunc.csv", XDB_CSV, "\"AppleShare IP Mail", "\"AppleShare IP Mail\n");
	{
		size_t len;
		char *b = slurp(p, &len);
		char *cut = strstr(b, "\"AppleShare IP Mail") + 10;
		tmpfile_with("x-trunc.csv", b, (size_t)(cut - b));
		free(b);
	}
	memset(&g, 0, sizeof(g));
	assert_int_equal(run("exploitdb", p, &g, &e), FF_EINVAL);
	assert_err_has(&e, "unterminated quoted field");
	assert_int_equal(g.batches, 0);
}

/* ---- NVD ---- */

#define FKIE FX "nvd/fkie-cad-nvd-json-data-feeds/"

/* the metric entries of a record file, with jansson, in 4.0/3.1/3.0/2.0 order */
static int metric_count(const char *path)
{
	json_t *r = json_load_file(path, 0, NULL), *m;
	assert_non_null(r);
	json_t *cve = json_object_get(r, "item") ? json_object_get(json_object_get(r, "item"), "cve") : r;
	cve = json_object_get(cve, "cve") ? json_object_get(cve, "cve") : cve;
	m = json_object_get(cve, "metrics");
	int n = 0;
	const char *keys[] = { "cvssMetricV40", "cvssMetricV31", "cvssMetricV30", "cvssMetricV2" };
	for (int i = 0; i < 4; i++)
		n += (int)json_array_size(json_object_get(m, keys[i]));
	json_decref(r);
	return n;
}

static void check_first_vector(const char *path, const char *key, const struct got *g)
{
	json_t *r = json_load_file(path, 0, NULL);
	json_t *cve = json_object_get(r, "cve") ? json_object_get(r, "cve") : r;
	json_t *m = json_array_get(json_object_get(json_object_get(cve, "metrics"), key), 0);
	assert_string_equal(g->s1, json_string_value(json_object_get(json_object_get(m, "cvssData"), "vectorString")));
	assert_string_equal(g->s5, json_string_value(json_object_get(m, "type")));
	assert_string_equal(g->s2, json_string_value(json_object_get(cve, "sourceIdentifier")));
	assert_string_equal(g->s3, json_string_value(json_object_get(cve, "vulnStatus")));
	json_decref(r);
}

static void test_nvd_v40_both_namings(void **state)
{
	(void)state;
	struct feed_err e;
	struct got g = { .want = "CVE-2025-0108" };
	assert_int_equal(run("nvd", FKIE "CVE-2025-0108.json", &g, &e), FF_OK);
	assert_int_equal(g.found, 1);
	assert_string_equal(g.vers[0], "4.0");
	check_first_vector(FKIE "CVE-2025-0108.json", "cvssMetricV40", &g);
	assert_int_equal(g.ncvss, metric_count(FKIE "CVE-2025-0108.json"));
	struct got g2 = { .want = "CVE-2025-34085" };
	assert_int_equal(run("nvd", FKIE "CVE-2025-34085.json", &g2, &e), FF_OK);
	assert_int_equal(g2.found, 1);
	assert_string_equal(g2.vers[0], "4.0");
	check_first_vector(FKIE "CVE-2025-34085.json", "cvssMetricV40", &g2);
	/* 4.0 + 3.1 (grype): 4.0 is the base even though it is Secondary */
	struct got g3 = { .want = "CVE-2026-25076" };
	assert_int_equal(run("nvd", FX "nvd/anchore-grype/CVE-2026-25076.json", &g3, &e), FF_OK);
	assert_int_equal(g3.ncvss, metric_count(FX "nvd/anchore-grype/CVE-2026-25076.json"));
	check_first_vector(FX "nvd/anchore-grype/CVE-2026-25076.json", "cvssMetricV40", &g3);
	assert_string_equal(g3.vers[g3.ncvss - 1], "3.1");
}

static void test_nvd_versions_and_sources(void **state)
{
	(void)state;
	struct feed_err e;
	/* Primary + Secondary 3.1 and 2.0: the Primary 3.1 is the base */
	struct got g = { .want = "CVE-2022-22965" };
	assert_int_equal(run("nvd", FKIE "CVE-2022-22965.json", &g, &e), FF_OK);
	assert_int_equal(g.ncvss, metric_count(FKIE "CVE-2022-22965.json"));
	assert_string_equal(g.s5, "Primary");
	assert_string_equal(g.vers[0], "3.1");
	assert_string_equal(g.vers[g.ncvss - 1], "2.0");
	/* 3.0 + 2.0 only: 3.0 is the base */
	struct got g2 = { .want = "CVE-2017-7542" };
	assert_int_equal(run("nvd", FX "nvd/vehemont-nvdlib/CVE-2017-7542.json", &g2, &e), FF_OK);
	assert_string_equal(g2.vers[0], "3.0");
	assert_true(strncmp(g2.s1, "CVSS:3.0/", 9) == 0);
	/* 2.0 only */
	struct got g3 = { .want = "CVE-2015-0312" };
	assert_int_equal(run("nvd", FX "nvd/DependencyTrack-dependency-track/cve-2015-0312.json", &g3, &e), FF_OK);
	assert_int_equal(g3.ncvss, 1);
	assert_string_equal(g3.vers[0], "2.0");
	/* none, deferred; CWE of Sonatype Nexus is NVD-CWE-noinfo per its file */
	struct got g4 = { .want = "CVE-2004-0377" };
	assert_int_equal(run("nvd", FX "nvd/anchore-grype/CVE-2004-0377.json", &g4, &e), FF_OK);
	assert_int_equal(g4.with_base, 0);
	assert_string_equal(g4.s3, "Deferred");
	struct got g5 = { .want = "CVE-2019-7238" };
	assert_int_equal(run("nvd", FKIE "CVE-2019-7238.json", &g5, &e), FF_OK);
	json_t *r = json_load_file(FKIE "CVE-2019-7238.json", 0, NULL);
	json_t *w = json_array_get(json_object_get(json_array_get(json_object_get(r, "weaknesses"), 0), "description"), 0);
	assert_string_equal(g5.s4, json_string_value(json_object_get(w, "value")));
	json_decref(r);
	/* vunnel envelope */
	struct got g6 = { .want = "CVE-2016-10228" };
	assert_int_equal(run("nvd", FX "nvd/anchore-grype/cve-2016-10228.json", &g6, &e), FF_OK);
	assert_int_equal(g6.found, 1);
	assert_int_equal(g6.ncvss, metric_count(FX "nvd/anchore-grype/cve-2016-10228.json"));
	assert_string_equal(g6.vers[0], "3.0");
}

static void test_nvd_rejected(void **state)
{
	(void)state;
	struct feed_err e;
	struct got g = { .want = "CVE-2023-2248" };
	assert_int_equal(run("nvd", FKIE "CVE-2023-2248.json", &g, &e), FF_OK);
	assert_int_equal(g.rejected, 1);
	assert_int_equal(g.with_base, 0);
	struct got g2 = { .want = "CVE-2023-0115" };
	assert_int_equal(run("nvd", FKIE "CVE-2023-0115.json", &g2, &e), FF_OK);
	assert_int_equal(g2.rejected, 0); /* deferred, whatever the description says */
}

static void test_nvd_pages(void **state)
{
	(void)state;
	struct feed_err e;
	const char *pages[] = { FX "nvd/anchore-vunnel/full-page.json", FX "nvd/vehemont-nvdlib/search_full_page.json",
				FX "nvd/vehemont-nvdlib/simple_search.json" };
	for (int i = 0; i < 3; i++) {
		struct got g = { 0 };
		json_t *r = json_load_file(pages[i], 0, NULL);
		assert_int_equal(run("nvd", pages[i], &g, &e), FF_OK);
		assert_int_equal(g.n, json_array_size(json_object_get(r, "vulnerabilities")));
		assert_int_equal(g.total, json_integer_value(json_object_get(r, "totalResults")));
		assert_int_equal(g.batches, 1);
		/* records with a base = records with any metric */
		long with = 0;
		json_t *v;
		size_t k;
		json_array_foreach(json_object_get(r, "vulnerabilities"), k, v)
			with += json_object_size(json_object_get(json_object_get(v, "cve"), "metrics")) > 0;
		assert_int_equal(g.with_base, with);
		json_decref(r);
	}
}

static void test_nvd_tree(void **state)
{
	(void)state;
	/* the fkie-cad layout: CVE-YYYY/CVE-YYYY-NNxx/CVE-....json */
	const char *files[] = { "CVE-2025-0108", "CVE-2025-34085", "CVE-2024-3400", "CVE-2023-2248",
				"CVE-2023-0115", "CVE-2022-22965", "CVE-2019-7238" };
	char root[128], cmd[1024];
	snprintf(root, sizeof(root), "%s/tree", tmpdir);
	for (int i = 0; i < 7; i++) {
		const char *id = files[i];
		size_t n = strlen(id);
		snprintf(cmd, sizeof(cmd), "mkdir -p %s/%.8s/%.*sxx && cp %s%s.json %s/%.8s/%.*sxx/", root, id,
			 (int)(n - 2), id, FKIE, id, root, id, (int)(n - 2), id);
		assert_int_equal(system(cmd), 0);
	}
	struct got g = { .want = "CVE-2024-3400" };
	struct feed_err e;
	assert_int_equal(run("nvd", root, &g, &e), FF_OK);
	assert_int_equal(g.n, 7);
	assert_int_equal(g.total, 7);
	assert_int_equal(g.batches, 3); /* batch_records 3: 3 + 3 + 1 */
	assert_int_equal(g.found, 1);
	check_first_vector(FKIE "CVE-2024-3400.json", "cvssMetricV31", &g);
	assert_string_equal(g.s5, "Secondary");
	/* a broken record inside the tree stops it, naming the file */
	snprintf(cmd, sizeof(cmd), "%s/CVE-2023/CVE-2023-01xx/CVE-2023-0115.json", root);
	FILE *f = fopen(cmd, "w");
	fputs("{\"id\": \"CVE-2023-0115\", \"published\": \"2023", f);
	fclose(f);
	memset(&g, 0, sizeof(g));
	assert_int_equal(run("nvd", root, &g, &e), FF_EINVAL);
	assert_err_has(&e, "CVE-2023-0115.json");
	assert_err_has(&e, "invalid JSON");
}

static void test_nvd_bad_inputs(void **state)
{
	(void)state;
	struct feed_err e;
	struct got g = { 0 };
	/* wrong totalResults: the trimmed yearly feed */
	assert_int_equal(run("nvd", FX "nvd/DependencyTrack-dependency-track/nvdcve-2.0-2022.json", &g, &e), FF_EINVAL);
	assert_err_has(&e, "page holds 3 records but totalResults 26716");
	assert_int_equal(g.batches, 0);
	/* truncated page */
	const char *p = tmp_truncated("page-trunc.json", FX "nvd/anchore-vunnel/full-page.json", 0.7);
	memset(&g, 0, sizeof(g));
	assert_int_equal(run("nvd", p, &g, &e), FF_EINVAL);
	assert_err_has(&e, "invalid JSON");
	assert_int_equal(g.batches, 0);
	/* schema violation in the 2nd record of a page: published missing */
	p = tmp_replaced("page-schema.json", FX "nvd/vehemont-nvdlib/simple_search.json", "\"published\"", "\"publishedX\"");
	memset(&g, 0, sizeof(g));
	assert_int_equal(run("nvd", p, &g, &e), FF_EINVAL);
	assert_err_has(&e, "record 1: CVE-2021-25992: missing or invalid published/lastModified");
	assert_int_equal(g.batches, 0);
	/* a metric without a vectorString */
	p = tmp_replaced("rec-vec.json", FKIE "CVE-2025-0108.json", "\"vectorString\"", "\"vectorStrin\"");
	assert_int_equal(run("nvd", p, &g, &e), FF_EINVAL);
	assert_err_has(&e, "CVE-2025-0108: missing or invalid cvssMetricV40");
	/* a failing sink stops the read with its error */
	struct got g2 = { .fail_at = 5 };
	assert_int_equal(run("nvd", FX "nvd/anchore-vunnel/full-page.json", &g2, &e), FF_EPERM);
	assert_int_equal(g2.batches, 0);
}

static void test_cursor_json(void **state)
{
	(void)state;
	struct feed_cursor c = { .next_index = 4000, .total = 12345 }, d;
	snprintf(c.win_start, sizeof(c.win_start), "2024-01-01T00:00:00.000+00:00");
	snprintf(c.win_end, sizeof(c.win_end), "2024-04-30T00:00:00.000+00:00");
	snprintf(c.final_end, sizeof(c.final_end), "2024-06-01T00:00:00.000+00:00");
	char *s = feed_cursor_to_json(&c);
	assert_int_equal(feed_cursor_from_json(s, &d), FF_OK);
	assert_memory_equal(&c, &d, sizeof(c));
	free(s);
	assert_int_equal(feed_cursor_from_json("{\"win_start\":1}", &d), FF_EINVAL);
	assert_int_equal(feed_cursor_from_json("nope", &d), FF_EINVAL);
}

static void test_registry(void **state)
{
	(void)state;
	for (int i = 0; feed_names[i]; i++)
		assert_string_equal(feed_lookup(feed_names[i])->name, feed_names[i]);
	assert_null(feed_lookup("osv"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_kev_full_catalogue),
		cmocka_unit_test(test_kev_bad_inputs),
		cmocka_unit_test(test_epss_excerpt),
		cmocka_unit_test(test_epss_gzip),
		cmocka_unit_test(test_epss_bad_inputs),
		cmocka_unit_test(test_exploitdb_excerpt),
		cmocka_unit_test(test_exploitdb_bad_inputs),
		cmocka_unit_test(test_nvd_v40_both_namings),
		cmocka_unit_test(test_nvd_versions_and_sources),
		cmocka_unit_test(test_nvd_rejected),
		cmocka_unit_test(test_nvd_pages),
		cmocka_unit_test(test_nvd_tree),
		cmocka_unit_test(test_nvd_bad_inputs),
		cmocka_unit_test(test_cursor_json),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
