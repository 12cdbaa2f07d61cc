/* tests/unit/workflow/test_cvss.c - CVSS 4.0 / 3.1 / 3.0 / 2.0 against the
 * official reference scores in tests/fixtures/cvss (see its README):
 * every 4.0 Base vector, 20,000 full 4.0 vectors, the 4,818 rounding ties,
 * Red Hat's v4 and v3 sets and FIRST's random v3.x sets; then malformed
 * vectors with their positioned errors, canonical form and metric access. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "common/rc.h"
#include "workflow/cvss.h"

#define FX FF_SOURCE_DIR "/tests/fixtures/cvss/"

/* "8.6" -> 86; -1 when it is not a score */
static int tenths(const char *s)
{
	int whole = 0, frac = 0;
	char dot = 0;
	if (sscanf(s, "%d%c%d", &whole, &dot, &frac) != 3 || dot != '.' || frac < 0 || frac > 9)
		return -1;
	return whole * 10 + frac;
}

/* splits line at tabs into at most n fields (in place); returns the count */
static int split_tabs(char *line, char **f, int n)
{
	int k = 0;
	line[strcspn(line, "\r\n")] = '\0';
	f[k++] = line;
	for (char *p = line; *p && k < n; p++) {
		if (*p == '\t') {
			*p = '\0';
			f[k++] = p + 1;
		}
	}
	return k;
}

static void score_str(const char *vec, struct cvss_score *sc, struct cvss_vector *v)
{
	struct cvss_error err;
	int rc = cvss_parse(vec, strlen(vec), v, &err);
	if (rc != FF_OK)
		fail_msg("%s rejected at %zu (%s): %s", vec, err.offset, err.metric, err.what);
	assert_int_equal(cvss_score(v, sc), FF_OK);
}

/* v4 TSV: vector, score, severity, macrovector; returns mismatches */
static void check_v4_tsv(const char *path, long expect_rows, bool canonical_in)
{
	gzFile gz = gzopen(path, "rb");
	assert_non_null(gz);
	char line[1024];
	long rows = 0, bad = 0, canon_bad = 0;
	while (gzgets(gz, line, sizeof(line))) {
		char *f[4];
		if (split_tabs(line, f, 4) != 4)
			continue;
		rows++;
		struct cvss_vector v;
		struct cvss_score sc;
		score_str(f[0], &sc, &v);
		bool ok = sc.score10 == tenths(f[1]) && strcasecmp(ff_severity_name(sc.severity), f[2]) == 0 &&
			  strcmp(sc.macrovector, f[3]) == 0;
		if (!ok && bad++ < 5)
			print_error("mismatch %s: got %d %s %s, want %s %s %s\n", f[0], sc.score10,
				    ff_severity_name(sc.severity), sc.macrovector, f[1], f[2], f[3]);
		char canon[CVSS_VECTOR_MAX];
		assert_true(cvss_format(&v, canon, sizeof(canon)) > 0);
		if (canonical_in && strcmp(canon, f[0]) != 0)
			canon_bad++;
		/* the canonical form scores the same */
		struct cvss_vector v2;
		struct cvss_score sc2;
		score_str(canon, &sc2, &v2);
		if (sc2.score10 != sc.score10 || strcmp(sc2.macrovector, sc.macrovector) != 0)
			canon_bad++;
	}
	gzclose(gz);
	assert_int_equal(rows, expect_rows);
	assert_int_equal(bad, 0);
	assert_int_equal(canon_bad, 0);
}

static void test_v4_base_all(void **state)
{
	(void)state;
	check_v4_tsv(FX "v4-base-all.tsv.gz", 104976, true);
}

static void test_v4_full_random(void **state)
{
	(void)state;
	check_v4_tsv(FX "v4-full-random.tsv.gz", 20000, false);
}

/* Supplemental metrics never change the score: strip them and compare */
static void test_v4_supplemental_not_scored(void **state)
{
	(void)state;
	gzFile gz = gzopen(FX "v4-full-random.tsv.gz", "rb");
	assert_non_null(gz);
	char line[1024];
	long with_supp = 0, bad = 0;
	static const char *supp[] = { "S", "AU", "R", "V", "RE", "U" };
	while (gzgets(gz, line, sizeof(line))) {
		char *f[4];
		if (split_tabs(line, f, 4) != 4)
			continue;
		struct cvss_vector v;
		struct cvss_score a, b;
		score_str(f[0], &a, &v);
		bool any = false;
		for (size_t i = 0; i < sizeof(supp) / sizeof(supp[0]); i++) {
			any = any || cvss_get(&v, supp[i]);
			assert_int_equal(cvss_set(&v, supp[i], "X"), FF_OK);
		}
		with_supp += any;
		assert_int_equal(cvss_score(&v, &b), FF_OK);
		if (a.score10 != b.score10 || strcmp(a.macrovector, b.macrovector) != 0)
			bad++;
	}
	gzclose(gz);
	assert_true(with_supp > 19000);
	assert_int_equal(bad, 0);
}

static void test_v4_rounding_ties(void **state)
{
	(void)state;
	gzFile gz = gzopen(FX "v4-base-rounding-ties.tsv.gz", "rb");
	assert_non_null(gz);
	char line[1024];
	long rows = 0, bad = 0, naive_differs = 0;
	while (gzgets(gz, line, sizeof(line))) {
		char *f[3];
		if (split_tabs(line, f, 3) != 3)
			continue;
		rows++;
		struct cvss_vector v;
		struct cvss_score sc;
		score_str(f[0], &sc, &v);
		if (sc.score10 != tenths(f[1]) && bad++ < 5)
			print_error("tie %s: got %d want %s\n", f[0], sc.score10, f[1]);
		naive_differs += tenths(f[1]) != tenths(f[2]);
	}
	gzclose(gz);
	assert_int_equal(rows, 4818);
	assert_int_equal(naive_differs, 522); /* the file really exercises the ties */
	assert_int_equal(bad, 0);
}

/* Red Hat / FIRST reference lines: "VECTOR - (a, b, c)", "VECTOR - (a,)" or
 * "VECTOR - a"; fills up to 3 scores in tenths, returns their count */
static int parse_ref(char *line, char **vec, int *s)
{
	line[strcspn(line, "\r\n")] = '\0';
	char *sep = strstr(line, " - ");
	if (!sep)
		return 0;
	*sep = '\0';
	*vec = line;
	int n = 0;
	for (char *p = sep + 3; *p && n < 3;) {
		p += strspn(p, "(), ");
		if (!*p)
			break;
		s[n++] = tenths(p);
		p += strcspn(p, ",)");
	}
	return n;
}

static long check_ref_file(const char *path, int want_scores, long expect_rows)
{
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s", path);
	char line[1024];
	long rows = 0, bad = 0;
	while (fgets(line, sizeof(line), f)) {
		char *vec;
		int s[3];
		if (parse_ref(line, &vec, s) != want_scores)
			continue;
		rows++;
		struct cvss_vector v;
		struct cvss_score sc;
		score_str(vec, &sc, &v);
		int got[3] = { want_scores == 1 ? sc.score10 : sc.base10, sc.temporal10, sc.environmental10 };
		for (int i = 0; i < want_scores; i++) {
			if (got[i] != s[i]) {
				if (bad++ < 5)
					print_error("%s: %s score %d, want %d\n", vec, i == 0 ? "base" : i == 1 ? "temporal" : "environmental", got[i], s[i]);
				break;
			}
		}
	}
	fclose(f);
	assert_int_equal(rows, expect_rows);
	return bad;
}

static void test_v4_redhat(void **state)
{
	(void)state;
	assert_int_equal(check_ref_file(FX "v4-redhat/vectors_simple4", 1, 1058), 0);
	assert_int_equal(check_ref_file(FX "v4-redhat/vectors_security4", 1, 54), 0);
	assert_int_equal(check_ref_file(FX "v4-redhat/vectors_supplemental4", 1, 576), 0);
	assert_int_equal(check_ref_file(FX "v4-redhat/vectors_threat4", 1, 6), 0);
}

static void test_v31_sets(void **state)
{
	(void)state;
	assert_int_equal(check_ref_file(FX "v31/vectors_simple31", 3, 2592), 0);
	assert_int_equal(check_ref_file(FX "v31/first-random31", 3, 10000), 0);
}

static void test_v30_sets(void **state)
{
	(void)state;
	assert_int_equal(check_ref_file(FX "v31/vectors_simple3", 3, 2592), 0);
	assert_int_equal(check_ref_file(FX "v31/vectors_calculator3", 3, 2), 0);
	assert_int_equal(check_ref_file(FX "v31/vectors_cvsslib3", 3, 29), 0);
	assert_int_equal(check_ref_file(FX "v31/first-random3", 3, 5000), 0);
}

static void test_v20_base(void **state)
{
	(void)state;
	/* v2 scores as NVD publishes them (e.g. 5.0 for CVE-2014-0160) */
	static const struct { const char *vec; int score10; enum ff_severity sev; } cases[] = {
		{ "AV:N/AC:L/Au:N/C:P/I:P/A:P", 75, FF_SEV_HIGH },
		{ "AV:N/AC:L/Au:N/C:C/I:C/A:C", 100, FF_SEV_HIGH },
		{ "AV:N/AC:L/Au:N/C:P/I:N/A:N", 50, FF_SEV_MEDIUM },    /* CVE-2014-0160 */
		{ "AV:N/AC:M/Au:N/C:N/I:P/A:N", 43, FF_SEV_MEDIUM },
		{ "AV:L/AC:L/Au:N/C:C/I:C/A:C", 72, FF_SEV_HIGH },
		{ "AV:N/AC:H/Au:N/C:N/I:N/A:N", 0, FF_SEV_LOW },
		{ "CVSS:2.0/AV:L/AC:H/Au:N/C:C/I:C/A:C", 62, FF_SEV_MEDIUM },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cvss_vector v;
		struct cvss_score sc;
		score_str(cases[i].vec, &sc, &v);
		assert_int_equal(v.version, CVSS_V2_0);
		assert_int_equal(sc.score10, cases[i].score10);
		assert_int_equal(sc.severity, cases[i].sev);
	}
}

#define B4 "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H"
#define B31 "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"

struct bad_case {
	const char *vec;
	size_t offset;
	const char *metric;
	const char *what; /* substring of the message */
};

static const struct bad_case bad_cases[] = {
	{ "", 0, "", "empty vector" },
	{ "CVSS:4.0", 8, "", "nothing but the prefix" },
	{ "CVSS:4.0/", 9, "", "trailing '/'" },
	{ "CVSS:4.1/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 0, "", "unknown prefix" },
	{ "CVSS:40/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 0, "", "unknown prefix" },
	{ "cvss:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 0, "", "case-sensitive: expected CVSS:4.0" },
	{ "CVSS 4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 4, "", "blank" },
	{ " " B4, 0, "", "leading blank" },
	{ B4 " ", 63, "", "trailing blank" },
	{ B4 "\r", 63, "", "trailing blank" },
	{ B4 "\n", 63, "", "trailing blank" },
	{ "CVSS:4.0/AV:N\t/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 13, "", "blank" },
	{ "hello", 0, "", "expected the prefix" },
	{ "AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 10, "AT", "unknown metric" },
	/* missing Base metrics: at the end, in the middle, first, before T/E metrics */
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H", 58, "SA", "missing Base metric SA" },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H", 48, "SC", "missing Base metric SC" },
	{ "CVSS:4.0/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 9, "AV", "missing Base metric AV" },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VA:H/SC:H/SI:H/SA:H", 39, "VI", "missing Base metric VI" },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/E:A", 59, "SA", "missing Base metric SA" },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SI:H/SC:H/SA:H", 49, "SC", "missing Base metric SC" },
	/* duplicates */
	{ "CVSS:4.0/AV:N/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 14, "AV", "duplicate metric AV" },
	{ B4 "/E:A/E:P", 68, "E", "duplicate metric E" },
	{ B4 "/SA:H", 64, "SA", "duplicate metric SA" },
	/* unknown metrics and values */
	{ B4 "/XX:Y", 64, "XX", "unknown metric" },
	{ B4 "/e:A", 64, "E", "case-sensitive: expected E" },
	{ "CVSS:4.0/AV:Q/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 12, "AV", "invalid value 'Q' for AV: expected N, A, L or P" },
	{ "CVSS:4.0/AV:X/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 12, "AV", "cannot be X" },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:S/SA:H", 57, "SI", "invalid value 'S' for SI" },
	{ B4 "/MSC:S", 68, "MSC", "invalid value 'S' for MSC" },
	{ "CVSS:4.0/AV:n/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 12, "AV", "case-sensitive" },
	{ B4 "/U:clear", 66, "U", "case-sensitive" },
	{ B4 "/MSI:s", 68, "MSI", "case-sensitive" },
	{ B4 "/E:Z", 66, "E", "expected A, P, U or X" },
	{ B4 "/AVV:N", 64, "AVV", "unknown metric" },
	/* order */
	{ B4 "/CR:H/E:A", 69, "E", "out of order" },
	{ B4 "/U:Red/S:N", 70, "S", "out of order" },
	{ B4 "/MAV:N/E:A", 70, "E", "out of order" },
	/* syntax */
	{ "CVSS:4.0/AV:N//AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 14, "", "empty component" },
	{ B4 "/", 64, "", "trailing '/'" },
	{ B4 "/E", 64, "", "has no ':'" },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:L:H/SC:H/SI:H/SA:H", 48, "VA", "more than one ':'" },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:L:H", 48, "VA", "more than one ':'" },
	{ B4 "/E:", 66, "E", "empty value" },
	{ B4 "/:A", 64, "", "empty metric name" },
	{ B4 "/E:\xc3\xa4", 66, "", "byte 0xc3" },
	/* 3.x and 2.0 */
	{ "CVSS:3.1", 8, "", "nothing but the prefix" },
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H", 40, "A", "missing Base metric A" },
	{ "CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 14, "AV", "duplicate metric AV" },
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:X/C:H/I:H/A:H", 31, "S", "cannot be X" },
	{ B31 "/AT:N", 45, "AT", "unknown metric" },
	{ "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:A", 47, "E", "invalid value 'A' for E" },
	{ B31 "/RL:o", 48, "RL", "case-sensitive" },
	{ "CVSS:3.1/", 9, "", "trailing '/'" },
	{ "AV:N/AC:L/Au:N/C:P/I:P", 22, "A", "missing Base metric A" },
	{ "AV:N/AC:L/AU:N/C:P/I:P/A:P", 10, "Au", "case-sensitive" },
	{ "AV:N/AC:L/Au:N/C:P/I:P/A:P/E:F", 27, "E", "unknown metric" },
};

static void test_malformed(void **state)
{
	(void)state;
	assert_true(sizeof(bad_cases) / sizeof(bad_cases[0]) >= 40);
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct cvss_vector v;
		struct cvss_error err;
		memset(&err, 0, sizeof(err));
		int rc = cvss_parse(c->vec, strlen(c->vec), &v, &err);
		if (rc != FF_EINVAL || err.offset != c->offset || strcmp(err.metric, c->metric) != 0 ||
		    !strstr(err.what, c->what))
			fail_msg("case %zu '%s': rc %d offset %zu metric '%s' what '%s'; want offset %zu metric '%s' what ~'%s'",
				 i, c->vec, rc, err.offset, err.metric, err.what, c->offset, c->metric, c->what);
	}
}

static void test_too_long(void **state)
{
	(void)state;
	char big[CVSS_INPUT_MAX + 100];
	memset(big, 'A', sizeof(big));
	memcpy(big, B4, strlen(B4));
	struct cvss_vector v;
	struct cvss_error err;
	assert_int_equal(cvss_parse(big, sizeof(big), &v, &err), FF_EINVAL);
	assert_int_equal(err.offset, CVSS_INPUT_MAX);
	assert_non_null(strstr(err.what, "longer than"));
	assert_int_equal(cvss_parse(big, sizeof(big), &v, NULL), FF_EINVAL); /* err may be NULL */
}

static void test_canonical_and_access(void **state)
{
	(void)state;
	struct cvss_vector v;
	struct cvss_score sc;
	char canon[CVSS_VECTOR_MAX];
	/* explicit X is the same as absent and leaves the canonical form */
	score_str(B4 "/E:X/CR:X/IR:X/AR:X/MAV:X/U:X", &sc, &v);
	assert_true(cvss_format(&v, canon, sizeof(canon)) > 0);
	assert_string_equal(canon, B4);
	assert_int_equal(sc.score10, 100);
	/* 3.x in any order comes out in specification order */
	score_str("CVSS:3.1/A:H/I:H/C:H/S:U/UI:N/PR:N/AC:L/AV:N/E:X/CR:H", &sc, &v);
	cvss_format(&v, canon, sizeof(canon));
	assert_string_equal(canon, B31 "/CR:H");
	assert_string_equal(cvss_get(&v, "AV"), "N");
	assert_null(cvss_get(&v, "E"));
	assert_null(cvss_get(&v, "AT"));
	assert_int_equal(cvss_set(&v, "E", "F"), FF_OK);
	assert_int_equal(cvss_set(&v, "AV", "X"), FF_EINVAL);
	assert_int_equal(cvss_set(&v, "E", "A"), FF_EINVAL);
	assert_int_equal(cvss_set(&v, "ZZ", "A"), FF_EINVAL);
	cvss_format(&v, canon, sizeof(canon));
	assert_string_equal(canon, B31 "/E:F/CR:H");
	/* too small a buffer gives 0 and "" */
	assert_int_equal(cvss_format(&v, canon, 10), 0);
	assert_string_equal(canon, "");
	/* versions and score text */
	assert_string_equal(cvss_version_name(CVSS_V4_0), "4.0");
	assert_string_equal(cvss_version_name(CVSS_V3_0), "3.0");
	char t[5];
	cvss_score_text(73, t);
	assert_string_equal(t, "7.3");
	cvss_score_text(100, t);
	assert_string_equal(t, "10.0");
	cvss_score_text(0, t);
	assert_string_equal(t, "0.0");
	/* an incomplete (hand-made) vector is not scored */
	struct cvss_vector empty = { .version = CVSS_V4_0 };
	assert_int_equal(cvss_score(&empty, &sc), FF_EINVAL);
}

/* Safety and all-N rules of the README, on hand-picked vectors */
static void test_v4_rules(void **state)
{
	(void)state;
	struct cvss_vector v;
	struct cvss_score a, b;
	score_str("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", &a, &v);
	assert_int_equal(a.score10, 0);
	assert_int_equal(a.severity, FF_SEV_NONE);
	score_str("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/MSI:S", &b, &v);
	assert_int_equal(b.macrovector[3], '0'); /* Safety puts EQ4 at 0 */
	assert_true(b.score10 > 0);
	/* E absent = E:X = E:A; CR/IR/AR:X = H */
	score_str(B4, &a, &v);
	score_str(B4 "/E:A/CR:H/IR:H/AR:H", &b, &v);
	assert_int_equal(a.score10, b.score10);
	assert_string_equal(a.macrovector, b.macrovector);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v4_base_all),
		cmocka_unit_test(test_v4_full_random),
		cmocka_unit_test(test_v4_supplemental_not_scored),
		cmocka_unit_test(test_v4_rounding_ties),
		cmocka_unit_test(test_v4_redhat),
		cmocka_unit_test(test_v31_sets),
		cmocka_unit_test(test_v30_sets),
		cmocka_unit_test(test_v20_base),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_canonical_and_access),
		cmocka_unit_test(test_v4_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
