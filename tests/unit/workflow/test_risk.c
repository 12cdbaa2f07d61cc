/* tests/unit/workflow/test_risk.c - risk composition: threat from KEV /
 * ExploitDB / neither, CR/IR/AR, internet exposure (and the asset flag that
 * keeps AV:N), manual override, 3.x-only and 2.0-only bases, every
 * explanation line. Expected scores come from scoring the expected composed
 * vector with cvss_score, which test_cvss checks against the official
 * calculators. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "common/rc.h"
#include "workflow/risk.h"

#define BASE4 "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
#define BASE31 "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"

static int score_of(const char *vec, enum ff_severity *sev)
{
	struct cvss_vector v;
	struct cvss_score sc;
	assert_int_equal(cvss_parse(vec, strlen(vec), &v, NULL), FF_OK);
	assert_int_equal(cvss_score(&v, &sc), FF_OK);
	if (sev)
		*sev = sc.severity;
	return sc.score10;
}

static void assert_lines(const struct risk_result *r, const char *const *want, size_t n)
{
	for (size_t i = 0; i < r->n_lines && i < n; i++)
		if (strcmp(r->lines[i], want[i]) != 0)
			fail_msg("line %zu:\n  got  '%s'\n  want '%s'", i, r->lines[i], want[i]);
	assert_int_equal(r->n_lines, n);
}

/* the result vector, version, score, text and severity agree with an
 * independent scoring of the expected vector */
static void assert_result(const struct risk_result *r, const char *vec, enum cvss_version ver)
{
	enum ff_severity sev;
	int s = score_of(vec, &sev);
	char t[5];
	cvss_score_text(s, t);
	assert_string_equal(r->vector, vec);
	assert_int_equal(r->version, ver);
	assert_int_equal(r->score10, s);
	assert_string_equal(r->score_text, t);
	assert_int_equal(r->severity, sev);
}

static void test_kev_v4(void **state)
{
	(void)state;
	struct risk_input in = {
		.base_vector = BASE4, .source = RISK_SRC_NVD, .base_date = "2024-01-10",
		.in_kev = true, .kev_date_added = "2024-03-02",
		.cr = RISK_REQ_HIGH, .ir = RISK_REQ_MEDIUM, .ar = RISK_REQ_LOW,
		.internet_exposed = true,
	};
	struct risk_result r;
	assert_int_equal(risk_compose(&in, &r), FF_OK);
	const char *vec = BASE4 "/E:A/CR:H/IR:M/AR:L";
	assert_result(&r, vec, CVSS_V4_0);
	assert_false(r.overridden);
	assert_string_equal(r.composed_vector, vec);
	char score_line[200];
	char t[5];
	cvss_score_text(r.score10, t);
	snprintf(score_line, sizeof(score_line), "CVSS 4.0 score %s (%s) for %s", t,
		 r.severity == FF_SEV_CRITICAL ? "Critical" : "High", vec);
	const char *want[] = {
		"Base metrics from NVD (2024-01-10): " BASE4 " (CVSS 4.0)",
		"Exploited in the wild: listed in CISA KEV since 2024-03-02 -> E:A",
		"Confidentiality requirement high (asset setting) -> CR:H",
		"Integrity requirement medium (asset setting) -> IR:M",
		"Availability requirement low (asset setting) -> AR:L",
		"Reachable from the internet (asset setting) -> AV:N unchanged",
		score_line,
	};
	assert_lines(&r, want, sizeof(want) / sizeof(want[0]));
}

static void test_exploitdb_v4(void **state)
{
	(void)state;
	const char *ids[] = { "51234", "51235" };
	struct risk_input in = {
		.base_vector = BASE4, .source = RISK_SRC_SCANNER,
		.exploitdb_ids = ids, .n_exploitdb = 2, .internet_exposed = true,
	};
	struct risk_result r;
	assert_int_equal(risk_compose(&in, &r), FF_OK);
	assert_result(&r, BASE4 "/E:P", CVSS_V4_0);
	assert_string_equal(r.lines[0], "Base metrics from scanner report: " BASE4 " (CVSS 4.0)");
	assert_string_equal(r.lines[1], "Public exploit code: ExploitDB entries 51234, 51235 -> E:P");
	assert_string_equal(r.lines[2], "Confidentiality requirement not defined (asset setting) -> CR:X");
	assert_string_equal(r.lines[3], "Integrity requirement not defined (asset setting) -> IR:X");
	assert_string_equal(r.lines[4], "Availability requirement not defined (asset setting) -> AR:X");
	/* one entry, and KEV wins over ExploitDB */
	in.n_exploitdb = 1;
	assert_int_equal(risk_compose(&in, &r), FF_OK);
	assert_string_equal(r.lines[1], "Public exploit code: ExploitDB entry 51234 -> E:P");
	in.in_kev = true;
	assert_int_equal(risk_compose(&in, &r), FF_OK);
	assert_string_equal(r.lines[1], "Exploited in the wild: listed in CISA KEV -> E:A");
	assert_result(&r, BASE4 "/E:A", CVSS_V4_0);
}

static void test_no_threat_lowers_score(void **state)
{
	(void)state;
	struct risk_input in = { .base_vector = BASE4, .source = RISK_SRC_NVD, .internet_exposed = true };
	struct risk_result none, kev;
	assert_int_equal(risk_compose(&in, &none), FF_OK);
	assert_result(&none, BASE4 "/E:U", CVSS_V4_0);
	assert_string_equal(none.lines[1], "No known exploitation: not listed in CISA KEV, no ExploitDB entry -> E:U");
	in.in_kev = true;
	assert_int_equal(risk_compose(&in, &kev), FF_OK);
	assert_true(none.score10 < kev.score10);
}

static void test_each_requirement(void **state)
{
	(void)state;
	static const struct { enum risk_req r; const char *word, *val; } reqs[] = {
		{ RISK_REQ_NOT_DEFINED, "not defined", "X" }, { RISK_REQ_LOW, "low", "L" },
		{ RISK_REQ_MEDIUM, "medium", "M" }, { RISK_REQ_HIGH, "high", "H" },
	};
	static const struct { const char *metric, *what; size_t line; } which[] = {
		{ "CR", "Confidentiality", 2 }, { "IR", "Integrity", 3 }, { "AR", "Availability", 4 },
	};
	for (size_t w = 0; w < 3; w++) {
		for (size_t i = 0; i < 4; i++) {
			struct risk_input in = { .base_vector = BASE4, .in_kev = true, .internet_exposed = true };
			enum risk_req *slot = w == 0 ? &in.cr : w == 1 ? &in.ir : &in.ar;
			*slot = reqs[i].r;
			struct risk_result r;
			assert_int_equal(risk_compose(&in, &r), FF_OK);
			char want[128], vec[200];
			snprintf(want, sizeof(want), "%s requirement %s (asset setting) -> %s:%s", which[w].what,
				 reqs[i].word, which[w].metric, reqs[i].val);
			assert_string_equal(r.lines[which[w].line], want);
			if (reqs[i].r == RISK_REQ_NOT_DEFINED)
				snprintf(vec, sizeof(vec), "%s/E:A", BASE4);
			else
				snprintf(vec, sizeof(vec), "%s/E:A/%s:%s", BASE4, which[w].metric, reqs[i].val);
			assert_result(&r, vec, CVSS_V4_0);
		}
	}
	/* a low requirement on every impacted property lowers the score */
	struct risk_input lo = { .base_vector = BASE4, .in_kev = true, .internet_exposed = true,
				 .cr = RISK_REQ_LOW, .ir = RISK_REQ_LOW, .ar = RISK_REQ_LOW };
	struct risk_input hi = lo;
	hi.cr = hi.ir = hi.ar = RISK_REQ_HIGH;
	struct risk_result a, b;
	assert_int_equal(risk_compose(&lo, &a), FF_OK);
	assert_int_equal(risk_compose(&hi, &b), FF_OK);
	assert_true(a.score10 < b.score10);
}

static void test_exposure(void **state)
{
	(void)state;
	struct risk_input in = { .base_vector = BASE4, .in_kev = true, .internet_exposed = false };
	struct risk_result r;
	/* not exposed + AV:N -> MAV:A */
	assert_int_equal(risk_compose(&in, &r), FF_OK);
	assert_string_equal(r.lines[5], "Not reachable from the internet (asset setting) -> MAV:A");
	assert_result(&r, BASE4 "/E:A/MAV:A", CVSS_V4_0);
	int internal = r.score10;
	/* the asset flag turns it off */
	in.keep_network_av = true;
	assert_int_equal(risk_compose(&in, &r), FF_OK);
	assert_string_equal(r.lines[5], "Not reachable from the internet, but the asset keeps the network "
					"attack vector (asset setting) -> AV:N unchanged");
	assert_result(&r, BASE4 "/E:A", CVSS_V4_0);
	assert_true(internal < r.score10);
	/* exposed */
	in.keep_network_av = false;
	in.internet_exposed = true;
	assert_int_equal(risk_compose(&in, &r), FF_OK);
	assert_string_equal(r.lines[5], "Reachable from the internet (asset setting) -> AV:N unchanged");
	assert_result(&r, BASE4 "/E:A", CVSS_V4_0);
	/* not exposed, but the base is already local */
	in.internet_exposed = false;
	in.base_vector = "CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
	assert_int_equal(risk_compose(&in, &r), FF_OK);
	assert_string_equal(r.lines[5], "Not reachable from the internet (asset setting), but the attack "
					"vector is already AV:L -> unchanged");
	assert_result(&r, "CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A", CVSS_V4_0);
}

static void test_manual_override(void **state)
{
	(void)state;
	const char *ov = "CVSS:4.0/AV:L/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N";
	struct risk_input in = {
		.base_vector = BASE4, .source = RISK_SRC_NVD, .base_date = "2024-01-10",
		.in_kev = true, .internet_exposed = true,
		.override_vector = ov, .override_justification = "only reachable from the build network",
	};
	struct risk_result r;
	assert_int_equal(risk_compose(&in, &r), FF_OK);
	assert_true(r.overridden);
	assert_result(&r, ov, CVSS_V4_0);
	/* the composition stays beside it */
	assert_string_equal(r.composed_vector, BASE4 "/E:A");
	assert_int_equal(r.composed_score10, score_of(BASE4 "/E:A", NULL));
	assert_int_equal(r.composed_version, CVSS_V4_0);
	assert_int_equal(r.n_lines, 8);
	char want[400], t[5], ct[5];
	cvss_score_text(r.score10, t);
	cvss_score_text(r.composed_score10, ct);
	snprintf(want, sizeof(want),
		 "Manual override (justification: \"only reachable from the build network\"): %s, CVSS 4.0 "
		 "score %s (Low), replaces the composed score %s (Critical)", ov, t, ct);
	assert_int_equal(r.severity, FF_SEV_LOW);
	assert_int_equal(r.composed_severity, FF_SEV_CRITICAL);
	assert_string_equal(r.lines[7], want);
	/* no justification: refused */
	in.override_justification = "  ";
	assert_int_equal(risk_compose(&in, &r), FF_EINVAL);
	assert_string_equal(r.err_field, "override_justification");
	/* invalid override vector: refused with its position */
	in.override_justification = "x";
	in.override_vector = "CVSS:4.0/AV:L/AC:H";
	assert_int_equal(risk_compose(&in, &r), FF_EINVAL);
	assert_string_equal(r.err_field, "override_vector");
	assert_int_equal(r.err.offset, 18);
	assert_string_equal(r.err.metric, "AT");
}

static void test_v31_only(void **state)
{
	(void)state;
	struct risk_input in = {
		.base_vector = BASE31, .source = RISK_SRC_NVD, .base_date = "2021-12-10",
		.in_kev = true, .kev_date_added = "2021-12-10", .cr = RISK_REQ_HIGH,
		.internet_exposed = false,
	};
	struct risk_result r;
	assert_int_equal(risk_compose(&in, &r), FF_OK);
	const char *vec = BASE31 "/E:H/CR:H/MAV:A";
	assert_result(&r, vec, CVSS_V3_1);
	/* the score is the 3.1 environmental one */
	struct cvss_vector v;
	struct cvss_score sc;
	assert_int_equal(cvss_parse(vec, strlen(vec), &v, NULL), FF_OK);
	cvss_score(&v, &sc);
	assert_int_equal(r.score10, sc.environmental10);
	assert_true(sc.environmental10 != sc.base10);
	char want[300], t[5];
	cvss_score_text(r.score10, t);
	snprintf(want, sizeof(want), "Only CVSS 3.1 is available: CVSS 3.1 environmental score %s (High) for %s", t, vec);
	const char *lines[] = {
		"Base metrics from NVD (2021-12-10): " BASE31 " (CVSS 3.1)",
		"Exploited in the wild: listed in CISA KEV since 2021-12-10 -> E:H",
		"Confidentiality requirement high (asset setting) -> CR:H",
		"Integrity requirement not defined (asset setting) -> IR:X",
		"Availability requirement not defined (asset setting) -> AR:X",
		"Not reachable from the internet (asset setting) -> MAV:A",
		want,
	};
	assert_int_equal(r.severity, FF_SEV_HIGH);
	assert_lines(&r, lines, sizeof(lines) / sizeof(lines[0]));
	/* ExploitDB -> E:F, neither -> E:U, in 3.0 as well */
	const char *ids[] = { "50592" };
	struct risk_input e = { .base_vector = "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
				.exploitdb_ids = ids, .n_exploitdb = 1, .internet_exposed = true };
	assert_int_equal(risk_compose(&e, &r), FF_OK);
	assert_result(&r, "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:F", CVSS_V3_0);
	assert_string_equal(r.lines[1], "Public exploit code: ExploitDB entry 50592 -> E:F");
	e.n_exploitdb = 0;
	assert_int_equal(risk_compose(&e, &r), FF_OK);
	assert_result(&r, "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U", CVSS_V3_0);
}

static void test_v20_only_and_bad_base(void **state)
{
	(void)state;
	struct risk_input in = { .base_vector = "AV:N/AC:L/Au:N/C:P/I:P/A:P", .source = RISK_SRC_NVD,
				 .in_kev = true };
	struct risk_result r;
	assert_int_equal(risk_compose(&in, &r), FF_OK);
	assert_result(&r, "AV:N/AC:L/Au:N/C:P/I:P/A:P", CVSS_V2_0);
	const char *lines[] = {
		"Base metrics from NVD: AV:N/AC:L/Au:N/C:P/I:P/A:P (CVSS 2.0)",
		"CVSS 2.0 is scored as Base only: threat, requirements and exposure are not applied",
		"Only CVSS 2.0 is available: CVSS 2.0 base score 7.5 (High) for AV:N/AC:L/Au:N/C:P/I:P/A:P",
	};
	assert_lines(&r, lines, 3);
	in.base_vector = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:Q/SC:N/SI:N/SA:N";
	assert_int_equal(risk_compose(&in, &r), FF_EINVAL);
	assert_string_equal(r.err_field, "base_vector");
	assert_int_equal(r.err.offset, 47);
	assert_string_equal(r.err.metric, "VA");
	in.base_vector = NULL;
	assert_int_equal(risk_compose(&in, &r), FF_EINVAL);
	assert_string_equal(risk_source_name(RISK_SRC_MANUAL), "manual reassessment");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kev_v4),
		cmocka_unit_test(test_exploitdb_v4),
		cmocka_unit_test(test_no_threat_lowers_score),
		cmocka_unit_test(test_each_requirement),
		cmocka_unit_test(test_exposure),
		cmocka_unit_test(test_manual_override),
		cmocka_unit_test(test_v31_only),
		cmocka_unit_test(test_v20_only_and_bad_base),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
