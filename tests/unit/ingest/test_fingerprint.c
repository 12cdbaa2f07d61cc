/* Fingerprints: line drift keeps identity (SARIF with and without tool
 * fingerprints, Semgrep), a changed snippet does not; the same CVE in the
 * same package from Trivy and Grype for one target is one fingerprint;
 * secrets hash the secret; package upgrades keep the identity. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ingest_test.h"

static json_t *load(const char *path)
{
	json_t *j = json_load_file(path, 0, NULL);
	assert_non_null(j);
	return j;
}

/* parse a jansson document given as the report */
static json_t *parse_doc(json_t *doc, enum ingest_format fmt, const char *target)
{
	char *s = json_dumps(doc, JSON_COMPACT);
	json_t *arr = NULL;
	struct ingest_result res;
	struct ingest_error err;
	int rc = parse_mem(s, strlen(s), fmt, target, NULL, &arr, &res, &err);
	if (rc != FF_OK)
		fprintf(stderr, "parse: %s\n", err.msg);
	assert_int_equal(rc, FF_OK);
	free(s);
	return arr;
}

/* add delta to every integer member named in keys, everywhere */
static void shift(json_t *j, const char *const *keys, long delta)
{
	const char *k;
	json_t *v;
	size_t i;
	if (json_is_array(j)) {
		json_array_foreach(j, i, v)
			shift(v, keys, delta);
		return;
	}
	json_object_foreach(j, k, v) {
		for (size_t n = 0; keys[n]; n++)
			if (!strcmp(k, keys[n]) && json_is_integer(v))
				json_integer_set(v, json_integer_value(v) + delta);
		shift(v, keys, delta);
	}
}

/* drop every member named key, everywhere */
static void drop(json_t *j, const char *key)
{
	const char *k;
	json_t *v;
	void *tmp;
	size_t i;
	if (json_is_array(j)) {
		json_array_foreach(j, i, v)
			drop(v, key);
		return;
	}
	json_object_del(j, key);
	json_object_foreach_safe(j, tmp, k, v)
		drop(v, key);
}

static void assert_same_fps(json_t *a, json_t *b)
{
	assert_int_equal(json_array_size(a), json_array_size(b));
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *x = json_array_get(a, i), *y = json_array_get(b, i);
		assert_int_not_equal(json_integer_value(json_object_get(x, "line")), json_integer_value(json_object_get(y, "line")));
		assert_string_equal(sget(x, "fingerprint"), sget(y, "fingerprint"));
	}
}

static const char *const sarif_lines[] = { "startLine", "endLine", NULL };
static const char *const semgrep_lines[] = { "line", "offset", NULL };

static void drift(const char *path, enum ingest_format fmt, const char *const *keys, const char *strip)
{
	json_t *doc = load(path);
	if (strip)
		drop(doc, strip);
	json_t *a = parse_doc(doc, fmt, NULL);
	shift(doc, keys, 17);
	json_t *b = parse_doc(doc, fmt, NULL);
	assert_true(json_array_size(a) > 0);
	assert_same_fps(a, b);
	json_decref(a);
	json_decref(b);
	json_decref(doc);
}

static void test_line_drift_sarif(void **state)
{
	(void)state;
	/* with the tool's partialFingerprints */
	drift(FX "sarif/DefectDojo-django-DefectDojo/bash-report.sarif", INGEST_FMT_SARIF, sarif_lines, NULL);
	drift(FX "sarif/DefectDojo-django-DefectDojo/codeQL-output.sarif", INGEST_FMT_SARIF, sarif_lines, NULL);
	/* without them: rule + file + snippet */
	drift(FX "sarif/DefectDojo-django-DefectDojo/codeQL-output.sarif", INGEST_FMT_SARIF, sarif_lines, "partialFingerprints");
	drift(FX "sarif/DefectDojo-django-DefectDojo/bash-report.sarif", INGEST_FMT_SARIF, sarif_lines, "partialFingerprints");
	drift(FX "sarif/DefectDojo-django-DefectDojo/njsscan.sarif", INGEST_FMT_SARIF, sarif_lines, "partialFingerprints");
}

static void test_line_drift_semgrep(void **state)
{
	(void)state;
	drift(FX "semgrep/DefectDojo-django-DefectDojo/semgrep_version_1_30_0_line_26.json", INGEST_FMT_SEMGREP,
		semgrep_lines, "fingerprint");
	drift(FX "semgrep/DefectDojo-django-DefectDojo/many_findings.json", INGEST_FMT_SEMGREP, semgrep_lines,
		"fingerprint");
	/* the real rescan pair: line 31 then line 24 */
	json_t *a = NULL, *b = NULL;
	struct ingest_result res;
	struct ingest_error err;
	assert_int_equal(parse_file(FX "semgrep/DefectDojo-django-DefectDojo/close_old_findings_report_line31.json",
		INGEST_FMT_UNKNOWN, NULL, &a, &res, &err), FF_OK);
	assert_int_equal(parse_file(FX "semgrep/DefectDojo-django-DefectDojo/close_old_findings_report_second_run_line24.json",
		INGEST_FMT_UNKNOWN, NULL, &b, &res, &err), FF_OK);
	assert_same_fps(a, b);
	json_decref(a);
	json_decref(b);
}

/* the identity does change when the code does */
static void test_snippet_change_is_new(void **state)
{
	(void)state;
	json_t *doc = load(FX "sarif/DefectDojo-django-DefectDojo/codeQL-output.sarif");
	drop(doc, "partialFingerprints");
	json_t *a = parse_doc(doc, INGEST_FMT_SARIF, NULL);
	json_t *snip = jp(doc, "runs.0.results.0.locations.0.physicalLocation.contextRegion.snippet");
	json_object_set_new(snip, "text", json_string("    try:\n        os.remove(other)\n    except OSError:\n        pass\n"));
	json_t *b = parse_doc(doc, INGEST_FMT_SARIF, NULL);
	assert_string_not_equal(sget(json_array_get(a, 0), "fingerprint"), sget(json_array_get(b, 0), "fingerprint"));
	assert_string_equal(sget(json_array_get(a, 1), "fingerprint"), sget(json_array_get(b, 1), "fingerprint"));
	json_decref(a);
	json_decref(b);
	json_decref(doc);
}

/* the rescan pair: the subset's findings are among the full report's */
static void test_rescan_subset(void **state)
{
	(void)state;
	json_t *a = NULL, *b = NULL;
	struct ingest_result res;
	struct ingest_error err;
	assert_int_equal(parse_file(FX "sarif/DefectDojo-django-DefectDojo/bash-report-fabricated-no-internal-dupes.sarif",
		INGEST_FMT_UNKNOWN, NULL, &a, &res, &err), FF_OK);
	assert_int_equal(parse_file(FX "sarif/DefectDojo-django-DefectDojo/bash-report-fabricated-no-internal-dupes-subset.sarif",
		INGEST_FMT_UNKNOWN, NULL, &b, &res, &err), FF_OK);
	size_t i, common = 0;
	json_t *f;
	json_array_foreach(b, i, f) {
		if (find_by(a, "fingerprint", sget(f, "fingerprint")))
			common++;
	}
	assert_int_equal(common, json_array_size(b));
	assert_true(json_array_size(a) > json_array_size(b));
	json_decref(a);
	json_decref(b);
}

static json_t *parse_path(const char *p, const char *target)
{
	json_t *arr = NULL;
	struct ingest_result res;
	struct ingest_error err;
	assert_int_equal(parse_file(p, INGEST_FMT_UNKNOWN, target, &arr, &res, &err), FF_OK);
	return arr;
}

/* same CVE, same package (purl without version/qualifiers), same target */
static size_t cross_matches(json_t *trivy, json_t *grype, bool want_equal)
{
	size_t i, j, n = 0;
	json_t *t, *g;
	json_array_foreach(trivy, i, t) {
		char bt[512], bg[512];
		if (!sget(t, "purl") || !ingest_purl_base(sget(t, "purl"), bt, sizeof(bt)))
			continue;
		json_array_foreach(grype, j, g) {
			if (!sget(g, "purl") || !ingest_purl_base(sget(g, "purl"), bg, sizeof(bg)))
				continue;
			if (strcmp(bt, bg) != 0 || strcmp(sget(t, "primary_id"), sget(g, "primary_id")) != 0)
				continue;
			if (want_equal)
				assert_string_equal(sget(t, "fingerprint"), sget(g, "fingerprint"));
			else
				assert_string_not_equal(sget(t, "fingerprint"), sget(g, "fingerprint"));
			n++;
		}
	}
	return n;
}

static void test_trivy_grype_same_finding(void **state)
{
	(void)state;
	const char *tp = FX "trivy/DefectDojo-django-DefectDojo/issue_9333.json";
	const char *gp = FX "grype/DefectDojo-django-DefectDojo/many_vulns2.json";
	json_t *t = parse_path(tp, "registry/app:1"), *g = parse_path(gp, "registry/app:1");
	size_t n = cross_matches(t, g, true);
	fprintf(stderr, "trivy/grype pairs with one fingerprint: %zu\n", n);
	assert_true(n > 0);
	json_decref(g);
	/* another upload target is another finding */
	g = parse_path(gp, "registry/other:1");
	assert_int_equal(cross_matches(t, g, false), n);
	json_decref(t);
	json_decref(g);
}

static void test_upgrade_keeps_identity(void **state)
{
	(void)state;
	json_t *doc = load(FX "trivy/DefectDojo-django-DefectDojo/scheme_2_many_vulns.json");
	json_t *a = parse_doc(doc, INGEST_FMT_TRIVY, "x");
	json_t *v = jp(doc, "Results.0.Vulnerabilities.0");
	json_object_set_new(v, "InstalledVersion", json_string("99.0-r0"));
	json_t *b = parse_doc(doc, INGEST_FMT_TRIVY, "x");
	assert_string_not_equal(sget(json_array_get(a, 0), "version"), sget(json_array_get(b, 0), "version"));
	assert_string_equal(sget(json_array_get(a, 0), "fingerprint"), sget(json_array_get(b, 0), "fingerprint"));
	json_decref(a);
	json_decref(b);
	json_decref(doc);
}

static void test_secret_fingerprint(void **state)
{
	(void)state;
	json_t *doc = load(FX "gitleaks/gitleaks-gitleaks/json_simple.json");
	json_t *a = parse_doc(doc, INGEST_FMT_GITLEAKS, NULL);
	json_t *l = json_array_get(doc, 0);
	json_object_set_new(l, "StartLine", json_integer(json_integer_value(json_object_get(l, "StartLine")) + 40));
	json_t *b = parse_doc(doc, INGEST_FMT_GITLEAKS, NULL);
	assert_string_equal(sget(json_array_get(a, 0), "fingerprint"), sget(json_array_get(b, 0), "fingerprint"));
	json_object_set_new(l, "Secret", json_string("another secret"));
	json_t *c = parse_doc(doc, INGEST_FMT_GITLEAKS, NULL);
	assert_string_not_equal(sget(json_array_get(a, 0), "fingerprint"), sget(json_array_get(c, 0), "fingerprint"));
	json_decref(a);
	json_decref(b);
	json_decref(c);
	json_decref(doc);
}

static void test_purl_base(void **state)
{
	(void)state;
	char b[256];
	assert_true(ingest_purl_base("pkg:DEB/debian/apt@1.8.2.2?arch=amd64&distro=debian-10", b, sizeof(b)));
	assert_string_equal(b, "pkg:deb/debian/apt");
	assert_true(ingest_purl_base("pkg:npm/%40scope/name@1.0.0#sub/path", b, sizeof(b)));
	assert_string_equal(b, "pkg:npm/%40scope/name");
	assert_false(ingest_purl_base("cpe:2.3:a:x", b, sizeof(b)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_drift_sarif),
		cmocka_unit_test(test_line_drift_semgrep),
		cmocka_unit_test(test_snippet_change_is_new),
		cmocka_unit_test(test_rescan_subset),
		cmocka_unit_test(test_trivy_grype_same_finding),
		cmocka_unit_test(test_upgrade_keeps_identity),
		cmocka_unit_test(test_secret_fingerprint),
		cmocka_unit_test(test_purl_base),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
