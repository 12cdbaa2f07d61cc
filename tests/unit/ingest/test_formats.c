/* Field-level checks per format: the expected values are read from the
 * fixture reports themselves (with jansson for JSON; for XML, from the
 * JSON twin of the same report or from the lines of the file quoted in
 * the comments). */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <strings.h>
#include <cmocka.h>

#include "ingest_test.h"

static json_t *load(const char *path)
{
	json_error_t e;
	json_t *j = json_load_file(path, 0, &e);
	if (!j)
		fprintf(stderr, "%s: %s\n", path, e.text);
	assert_non_null(j);
	return j;
}

static json_t *parse_ok(const char *path, enum ingest_format want)
{
	json_t *arr = NULL;
	struct ingest_result res;
	struct ingest_error err;
	int rc = parse_file(path, INGEST_FMT_UNKNOWN, "app", &arr, &res, &err);
	if (rc != FF_OK)
		fprintf(stderr, "%s: %s\n", path, err.msg);
	assert_int_equal(rc, FF_OK);
	assert_int_equal(res.format, want);
	return arr;
}

static void assert_str(const char *got, const char *want)
{
	if (!want) {
		assert_null(got);
		return;
	}
	if (!got)
		fprintf(stderr, "missing value, want '%s'\n", want);
	assert_non_null(got);
	assert_string_equal(got, want);
}

/* the tool's words mapped independently of the parser */
static const char *sev(const char *w)
{
	static const char *map[][2] = { { "critical", "critical" }, { "high", "high" }, { "medium", "medium" },
		{ "moderate", "medium" }, { "low", "low" }, { "negligible", "info" }, { "info", "info" },
		{ "unknown", "unknown" } };
	for (size_t i = 0; w && i < sizeof(map) / sizeof(map[0]); i++)
		if (strcasecmp(w, map[i][0]) == 0)
			return map[i][1];
	return "unknown";
}

static void test_sarif_codeql(void **state)
{
	(void)state;
	const char *p = FX "sarif/DefectDojo-django-DefectDojo/codeQL-output.sarif";
	json_t *doc = load(p), *arr = parse_ok(p, INGEST_FMT_SARIF);
	json_t *run = json_array_get(json_object_get(doc, "runs"), 0);
	json_t *rules = json_object_get(json_object_get(json_object_get(run, "tool"), "driver"), "rules");
	json_t *results = json_object_get(run, "results");
	size_t i, n_cwe = 0;
	json_t *r;
	assert_int_equal(json_array_size(arr), json_array_size(results));
	json_array_foreach(results, i, r) {
		json_t *f = json_array_get(arr, i);
		json_t *pl = json_object_get(json_array_get(json_object_get(r, "locations"), 0), "physicalLocation");
		json_t *rule = json_array_get(rules, (size_t)json_integer_value(json_object_get(r, "ruleIndex")));
		assert_str(sget(f, "rule_id"), sget(r, "ruleId"));
		assert_str(sget(f, "rule_id"), sget(rule, "id"));
		assert_str(sget(f, "file"), sget(json_object_get(pl, "artifactLocation"), "uri"));
		assert_int_equal(json_integer_value(json_object_get(f, "line")),
			json_integer_value(json_object_get(json_object_get(pl, "region"), "startLine")));
		assert_str(sget(f, "kind"), "sast");
		assert_str(sget(f, "tool"), "CodeQL");
		/* CWE tags of the rule ("external/cwe/cwe-079") */
		size_t k;
		json_t *t;
		json_array_foreach(json_object_get(json_object_get(rule, "properties"), "tags"), k, t) {
			const char *s = json_string_value(t);
			if (strncmp(s, "external/cwe/cwe-", 17) != 0)
				continue;
			char want[32];
			snprintf(want, sizeof(want), "CWE-%ld", strtol(s + 17, NULL, 10));
			assert_true(has_str(f, "cwes", want));
			n_cwe++;
		}
		/* level from the rule's default configuration: warning/error/note */
		const char *level = sget(json_object_get(rule, "defaultConfiguration"), "level");
		const char *want = !level || !strcmp(level, "warning") ? "medium" : !strcmp(level, "error") ? "high" : "low";
		assert_str(sget(f, "severity"), want);
	}
	assert_true(n_cwe > 0);
	json_decref(doc);
	json_decref(arr);
}

/* Trivy's SARIF and Trivy's JSON of the same image carry the same
 * packages, versions and fixed versions */
static void test_sarif_trivy_vs_json(void **state)
{
	(void)state;
	json_t *sarif = parse_ok(FX "sarif/aquasecurity-trivy/alpine-310.sarif", INGEST_FMT_SARIF);
	json_t *doc = load(FX "trivy/aquasecurity-trivy/alpine-310.json");
	size_t i, j, matched = 0;
	json_t *res, *v, *f;
	json_array_foreach(json_object_get(doc, "Results"), i, res) {
		json_array_foreach(json_object_get(res, "Vulnerabilities"), j, v) {
			size_t k;
			json_array_foreach(sarif, k, f) {
				if (strcmp(sget(f, "rule_id"), sget(v, "VulnerabilityID")) != 0
					|| strcmp(sget(f, "package"), sget(v, "PkgName")) != 0)
					continue;
				assert_str(sget(f, "version"), sget(v, "InstalledVersion"));
				assert_str(sget(f, "fixed"), sget(v, "FixedVersion"));
				assert_str(sget(f, "primary_id"), sget(v, "VulnerabilityID"));
				matched++;
			}
		}
	}
	assert_int_equal(matched, json_array_size(sarif));
	json_decref(doc);
	json_decref(sarif);
}

static void test_sarif_edge_cases(void **state)
{
	(void)state;
	/* blackduck: the CVE inside the rule id becomes the primary id */
	const char *p = FX "sarif/DefectDojo-django-DefectDojo/blackduck_nested_fingerprints.sarif";
	json_t *doc = load(p), *arr = parse_ok(p, INGEST_FMT_SARIF);
	const char *rid = sget(json_array_get(json_object_get(json_array_get(json_object_get(doc, "runs"), 0), "results"), 0), "ruleId");
	const char *cve = strstr(rid, "CVE-");
	char want[32];
	snprintf(want, sizeof(want), "%.*s", (int)strcspn(cve, ") "), cve);
	assert_str(sget(json_array_get(arr, 0), "primary_id"), want);
	json_decref(doc);
	json_decref(arr);
	/* Pysa: file:// URIs are made paths; two runs of the LGTM export */
	p = FX "sarif/DefectDojo-django-DefectDojo/taint-python-report.sarif";
	doc = load(p);
	arr = parse_ok(p, INGEST_FMT_SARIF);
	const char *uri = json_string_value(jp(doc, "runs.0.results.0.locations.0.physicalLocation.artifactLocation.uri"));
	assert_true(strncmp(uri, "file://", 7) == 0);
	assert_str(sget(json_array_get(arr, 0), "file"), uri + 7);
	json_decref(doc);
	json_decref(arr);
	p = FX "sarif/DefectDojo-django-DefectDojo/DefectDojo_django-DefectDojo__2020-12-11_13_42_10__export.sarif";
	doc = load(p);
	arr = parse_ok(p, INGEST_FMT_SARIF);
	size_t n0 = json_array_size(json_object_get(json_array_get(json_object_get(doc, "runs"), 0), "results"));
	const char *rule1 = sget(json_array_get(json_object_get(json_array_get(json_object_get(doc, "runs"), 1), "results"), 0), "ruleId");
	assert_str(sget(json_array_get(arr, n0), "rule_id"), rule1);
	json_decref(doc);
	json_decref(arr);
	/* gitleaks in SARIF is a secret finding */
	arr = parse_ok(FX "sarif/gitleaks-gitleaks/sarif_simple.sarif", INGEST_FMT_SARIF);
	assert_str(sget(json_array_get(arr, 0), "kind"), "secret");
	json_decref(arr);
}

/* taxonomies (no fixture carries them): shaped as in SARIF 2.1.0 3.19.3
 * and 3.52 - a rule relationship by taxonomy name, a result taxon by
 * taxonomy index and taxon index */
static void test_sarif_taxonomies(void **state)
{
	(void)state;
	const char *doc = "{\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{\"name\":\"T\",\"rules\":[{\"id\":\"R1\","
		"\"relationships\":[{\"target\":{\"id\":\"89\",\"toolComponent\":{\"name\":\"CWE\"}},\"kinds\":[\"superset\"]}]}]}},"
		"\"taxonomies\":[{\"name\":\"CWE\",\"taxa\":[{\"id\":\"79\"},{\"id\":\"352\"}]}],"
		"\"results\":[{\"ruleId\":\"R1\",\"ruleIndex\":0,\"message\":{\"text\":\"m\"},"
		"\"taxa\":[{\"index\":1,\"toolComponent\":{\"index\":0}}],"
		"\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":\"a.c\"},\"region\":{\"startLine\":3}}}]}]}]}";
	json_t *arr = NULL;
	struct ingest_result res;
	struct ingest_error err;
	assert_int_equal(parse_mem(doc, strlen(doc), INGEST_FMT_UNKNOWN, NULL, NULL, &arr, &res, &err), FF_OK);
	json_t *f = json_array_get(arr, 0);
	assert_true(has_str(f, "cwes", "CWE-89"));
	assert_true(has_str(f, "cwes", "CWE-352"));
	assert_false(has_str(f, "cwes", "CWE-79"));
	json_decref(arr);
}

static void check_trivy_vulns(const char *p)
{
	json_t *doc = load(p), *arr = parse_ok(p, INGEST_FMT_TRIVY);
	size_t i, j, n = 0;
	json_t *res, *v;
	json_array_foreach(json_object_get(doc, "Results"), i, res) {
		json_array_foreach(json_object_get(res, "Vulnerabilities"), j, v) {
			json_t *f = json_array_get(arr, n++);
			assert_str(sget(f, "rule_id"), sget(v, "VulnerabilityID"));
			assert_str(sget(f, "package"), sget(v, "PkgName"));
			assert_str(sget(f, "version"), sget(v, "InstalledVersion"));
			assert_str(sget(f, "fixed"), sget(v, "FixedVersion"));
			assert_str(sget(f, "severity"), sev(sget(v, "Severity")));
			assert_str(sget(f, "target"), sget(res, "Target"));
			size_t k;
			json_t *c;
			json_array_foreach(json_object_get(v, "CweIDs"), k, c)
				assert_true(has_str(f, "cwes", json_string_value(c)));
		}
	}
	assert_int_equal(n, json_array_size(arr));
	json_decref(doc);
	json_decref(arr);
}

static void test_trivy(void **state)
{
	(void)state;
	check_trivy_vulns(FX "trivy/DefectDojo-django-DefectDojo/scheme_2_many_vulns.json");
	check_trivy_vulns(FX "trivy/DefectDojo-django-DefectDojo/all_statuses.json");
	check_trivy_vulns(FX "trivy/aquasecurity-trivy/spring4shell-jre11.json");
	/* CVSS v4 vectors are kept with their version */
	json_t *arr = parse_ok(FX "trivy/DefectDojo-django-DefectDojo/cvssv4_severity_source.json", INGEST_FMT_TRIVY);
	json_t *doc = load(FX "trivy/DefectDojo-django-DefectDojo/cvssv4_severity_source.json");
	size_t i, found = 0;
	json_t *c;
	json_t *v0 = json_array_get(json_object_get(json_array_get(json_object_get(doc, "Results"), 0), "Vulnerabilities"), 0);
	const char *src;
	json_t *e;
	json_object_foreach(json_object_get(v0, "CVSS"), src, e) {
		const char *want = sget(e, "V40Vector");
		if (!want)
			continue;
		json_array_foreach(json_object_get(json_array_get(arr, 0), "cvss"), i, c) {
			if (sget(c, "vector") && strcmp(sget(c, "vector"), want) == 0) {
				assert_str(sget(c, "version"), "4.0");
				found++;
			}
		}
	}
	assert_true(found > 0);
	json_decref(arr);
	json_decref(doc);
}

static void test_trivy_misconf_secrets_k8s(void **state)
{
	(void)state;
	const char *p = FX "trivy/DefectDojo-django-DefectDojo/misconfigurations_and_secrets.json";
	json_t *doc = load(p), *arr = parse_ok(p, INGEST_FMT_TRIVY);
	size_t i, nv = 0, nm = 0, ns = 0;
	json_t *res, *f;
	json_array_foreach(json_object_get(doc, "Results"), i, res) {
		nv += json_array_size(json_object_get(res, "Vulnerabilities"));
		nm += json_array_size(json_object_get(res, "Misconfigurations"));
		ns += json_array_size(json_object_get(res, "Secrets"));
		json_t *s0 = json_array_get(json_object_get(res, "Secrets"), 0);
		if (s0) {
			json_t *fs = find_by(arr, "kind", "secret");
			assert_str(sget(fs, "rule_id"), sget(s0, "RuleID"));
		}
		json_t *m0 = json_array_get(json_object_get(res, "Misconfigurations"), 0);
		if (m0)
			assert_str(sget(find_by(arr, "kind", "iac"), "rule_id"), sget(m0, "ID"));
	}
	size_t kv = 0, km = 0, ks = 0;
	json_array_foreach(arr, i, f) {
		kv += !strcmp(sget(f, "kind"), "sca") || !strcmp(sget(f, "kind"), "container");
		km += !strcmp(sget(f, "kind"), "iac");
		ks += !strcmp(sget(f, "kind"), "secret");
	}
	assert_int_equal(kv, nv);
	assert_int_equal(km, nm);
	assert_int_equal(ks, ns);
	json_decref(doc);
	json_decref(arr);
	/* k8s: the resource names the target */
	p = FX "trivy/DefectDojo-django-DefectDojo/kubernetes.json";
	doc = load(p);
	arr = parse_ok(p, INGEST_FMT_TRIVY);
	json_t *r0 = json_array_get(json_object_get(doc, "Vulnerabilities"), 0);
	char want[512];
	snprintf(want, sizeof(want), "%s/%s/%s:%s", sget(r0, "Namespace"), sget(r0, "Kind"), sget(r0, "Name"),
		sget(json_array_get(json_object_get(r0, "Results"), 0), "Target"));
	assert_str(sget(json_array_get(arr, 0), "target"), want);
	json_decref(doc);
	json_decref(arr);
}

static void check_cdx_json(const char *p)
{
	json_t *doc = load(p), *arr = parse_ok(p, INGEST_FMT_CYCLONEDX);
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(doc, "vulnerabilities"), i, v) {
		json_t *f = json_array_get(arr, i);
		assert_str(sget(f, "rule_id"), sget(v, "id"));
		const char *ref = sget(json_array_get(json_object_get(v, "affects"), 0), "ref");
		/* the affected component: purl equal to the ref or found by bom-ref */
		size_t k;
		json_t *c, *comp = NULL;
		json_array_foreach(json_object_get(doc, "components"), k, c) {
			if ((sget(c, "bom-ref") && !strcmp(sget(c, "bom-ref"), ref)) || (sget(c, "purl") && !strcmp(sget(c, "purl"), ref)))
				comp = c;
		}
		if (comp) {
			assert_str(sget(f, "package"), sget(comp, "name"));
			assert_str(sget(f, "version"), sget(comp, "version"));
			assert_str(sget(f, "purl"), sget(comp, "purl"));
		}
		json_array_foreach(json_object_get(v, "cwes"), k, c) {
			char want[32];
			snprintf(want, sizeof(want), "CWE-%lld", (long long)json_integer_value(c));
			assert_true(has_str(f, "cwes", want));
		}
		json_t *an = json_object_get(v, "analysis");
		assert_str(sget(f, "vex_state"), sget(an, "state"));
		assert_str(sget(f, "vex_justification"), sget(an, "justification"));
	}
	json_decref(doc);
	json_decref(arr);
}

static void test_cyclonedx(void **state)
{
	(void)state;
	check_cdx_json(FX "cyclonedx/DefectDojo-django-DefectDojo/log4j.json");
	check_cdx_json(FX "cyclonedx/DefectDojo-django-DefectDojo/jake2.json");
	check_cdx_json(FX "cyclonedx/CycloneDX-bom-examples/cisa-case1_vex-not_affected.json");
	check_cdx_json(FX "cyclonedx/CycloneDX-bom-examples/cisa-case2_vex.json");
	/* a VEX whose affects is a BOM-link into another BOM: the fragment is the purl */
	json_t *vdoc = load(FX "cyclonedx/CycloneDX-bom-examples/vex.json");
	json_t *varr = parse_ok(FX "cyclonedx/CycloneDX-bom-examples/vex.json", INGEST_FMT_CYCLONEDX);
	const char *link = json_string_value(jp(vdoc, "vulnerabilities.0.affects.0.ref"));
	const char *frag = strchr(link, '#') + 1;
	json_t *vf = json_array_get(varr, 0);
	assert_str(sget(vf, "purl"), frag);
	assert_non_null(strstr(frag, sget(vf, "package")));
	assert_non_null(strstr(frag, sget(vf, "version")));
	assert_str(sget(vf, "vex_state"), json_string_value(jp(vdoc, "vulnerabilities.0.analysis.state")));
	assert_str(sget(vf, "vex_justification"), json_string_value(jp(vdoc, "vulnerabilities.0.analysis.justification")));
	json_decref(vdoc);
	json_decref(varr);
	/* the XML twin of log4j.json: same ids and package per vulnerability */
	json_t *j = parse_ok(FX "cyclonedx/DefectDojo-django-DefectDojo/log4j.json", INGEST_FMT_CYCLONEDX);
	json_t *x = parse_ok(FX "cyclonedx/DefectDojo-django-DefectDojo/log4j.xml", INGEST_FMT_CYCLONEDX_XML);
	assert_int_equal(json_array_size(j), json_array_size(x));
	size_t i;
	json_t *f;
	json_array_foreach(x, i, f) {
		json_t *g = find_by(j, "rule_id", sget(f, "rule_id"));
		assert_non_null(g);
		assert_str(sget(f, "package"), sget(g, "package"));
		assert_str(sget(f, "version"), sget(g, "version"));
		assert_str(sget(f, "severity"), sget(g, "severity"));
	}
	json_decref(j);
	json_decref(x);
	/* spec1.xml (1.2 + vulnerability extension): <v:id>CVE-2018-7489</v:id>,
	 * ref pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.9,
	 * <v:severity>Critical</v:severity> score 9.8, <v:cwe>184</v:cwe> <v:cwe>502</v:cwe> */
	x = parse_ok(FX "cyclonedx/DefectDojo-django-DefectDojo/spec1.xml", INGEST_FMT_CYCLONEDX_XML);
	f = json_array_get(x, 0);
	assert_str(sget(f, "primary_id"), "CVE-2018-7489");
	assert_str(sget(f, "package"), "com.fasterxml.jackson.core:jackson-databind");
	assert_str(sget(f, "version"), "2.9.9");
	assert_str(sget(f, "purl"), "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.9");
	assert_str(sget(f, "severity"), "critical");
	assert_true(has_str(f, "cwes", "CWE-184") && has_str(f, "cwes", "CWE-502"));
	json_decref(x);
}

static void test_grype(void **state)
{
	(void)state;
	const char *p = FX "grype/DefectDojo-django-DefectDojo/check_all_fields.json";
	json_t *doc = load(p), *arr = parse_ok(p, INGEST_FMT_GRYPE);
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(doc, "matches"), i, m) {
		json_t *f = json_array_get(arr, i), *v = json_object_get(m, "vulnerability"), *a = json_object_get(m, "artifact");
		assert_str(sget(f, "rule_id"), sget(v, "id"));
		assert_str(sget(f, "package"), sget(a, "name"));
		assert_str(sget(f, "version"), sget(a, "version"));
		assert_str(sget(f, "purl"), sget(a, "purl"));
		assert_str(sget(f, "fixed"), json_string_value(json_array_get(json_object_get(json_object_get(v, "fix"), "versions"), 0)));
		assert_str(sget(f, "severity"), sev(sget(v, "severity")));
		size_t k;
		json_t *rv;
		json_array_foreach(json_object_get(m, "relatedVulnerabilities"), k, rv)
			assert_true(has_str(f, "ids", sget(rv, "id")));
	}
	json_decref(doc);
	json_decref(arr);
}

static void test_osv(void **state)
{
	(void)state;
	const char *p = FX "osv_scanner/google-osv-scanner/test-vuln-results-a.json";
	json_t *doc = load(p), *arr = parse_ok(p, INGEST_FMT_OSV);
	size_t i, j, k, n = 0;
	json_t *r, *pk, *v;
	json_array_foreach(json_object_get(doc, "results"), i, r) {
		json_array_foreach(json_object_get(r, "packages"), j, pk) {
			json_array_foreach(json_object_get(pk, "vulnerabilities"), k, v) {
				json_t *f = json_array_get(arr, n++), *pkg = json_object_get(pk, "package");
				assert_str(sget(f, "rule_id"), sget(v, "id"));
				assert_str(sget(f, "package"), sget(pkg, "name"));
				assert_str(sget(f, "version"), sget(pkg, "version"));
				assert_str(sget(f, "file"), sget(json_object_get(r, "source"), "path"));
				size_t a;
				json_t *al;
				json_array_foreach(json_object_get(v, "aliases"), a, al) {
					assert_true(has_str(f, "ids", json_string_value(al)));
					if (!strncmp(json_string_value(al), "CVE-", 4))
						assert_str(sget(f, "primary_id"), json_string_value(al));
				}
			}
		}
	}
	assert_int_equal(n, json_array_size(arr));
	json_decref(doc);
	json_decref(arr);
}

static void test_npm_audit(void **state)
{
	(void)state;
	const char *p = FX "npm_audit/DefectDojo-django-DefectDojo/multiple_cwes2.json";
	json_t *doc = load(p), *arr = parse_ok(p, INGEST_FMT_NPM_AUDIT);
	const char *key;
	json_t *a;
	size_t n = 0;
	json_object_foreach(json_object_get(doc, "advisories"), key, a) {
		json_t *f = json_array_get(arr, n++);
		assert_str(sget(f, "package"), sget(a, "module_name"));
		assert_str(sget(f, "fixed"), sget(a, "patched_versions"));
		assert_str(sget(f, "severity"), sev(sget(a, "severity")));
		assert_str(sget(f, "version"), sget(json_array_get(json_object_get(a, "findings"), 0), "version"));
		size_t k;
		json_t *c;
		json_array_foreach(json_object_get(a, "cves"), k, c)
			assert_true(has_str(f, "ids", json_string_value(c)));
		json_array_foreach(json_object_get(a, "cwe"), k, c)
			assert_true(has_str(f, "cwes", json_string_value(c)));
	}
	json_decref(doc);
	json_decref(arr);
	p = FX "npm_audit_7_plus/DefectDojo-django-DefectDojo/one_vuln.json";
	doc = load(p);
	arr = parse_ok(p, INGEST_FMT_NPM_AUDIT7);
	json_t *v = json_object_get(json_object_get(doc, "vulnerabilities"), "debug");
	json_t *f = json_array_get(arr, 0), *via0 = json_array_get(json_object_get(v, "via"), 0);
	assert_str(sget(f, "package"), sget(v, "name"));
	assert_str(sget(f, "severity"), sev(sget(v, "severity")));
	assert_true(has_str(f, "ids", strstr(sget(via0, "url"), "GHSA-")));
	assert_true(has_str(f, "cwes", json_string_value(json_array_get(json_object_get(via0, "cwe"), 0))));
	json_decref(doc);
	json_decref(arr);
}

static void test_gitleaks_semgrep(void **state)
{
	(void)state;
	const char *p = FX "gitleaks/DefectDojo-django-DefectDojo/gitleaks8_many.json";
	json_t *doc = load(p), *arr = parse_ok(p, INGEST_FMT_GITLEAKS);
	size_t i;
	json_t *l;
	json_array_foreach(doc, i, l) {
		json_t *f = json_array_get(arr, i);
		assert_str(sget(f, "rule_id"), sget(l, "RuleID"));
		assert_str(sget(f, "file"), sget(l, "File"));
		assert_int_equal(json_integer_value(json_object_get(f, "line")), json_integer_value(json_object_get(l, "StartLine")));
		assert_str(sget(f, "kind"), "secret");
	}
	json_decref(doc);
	json_decref(arr);
	p = FX "gitleaks/DefectDojo-django-DefectDojo/data_many.json";
	doc = load(p);
	arr = parse_ok(p, INGEST_FMT_GITLEAKS);
	assert_str(sget(json_array_get(arr, 1), "rule_id"), sget(json_array_get(doc, 1), "rule"));
	assert_str(sget(json_array_get(arr, 1), "file"), sget(json_array_get(doc, 1), "file"));
	json_decref(doc);
	json_decref(arr);
	p = FX "semgrep/DefectDojo-django-DefectDojo/cwe_list.json";
	doc = load(p);
	arr = parse_ok(p, INGEST_FMT_SEMGREP);
	json_t *r = json_array_get(json_object_get(doc, "results"), 0), *f = json_array_get(arr, 0);
	assert_str(sget(f, "rule_id"), sget(r, "check_id"));
	assert_str(sget(f, "file"), sget(r, "path"));
	assert_int_equal(json_integer_value(json_object_get(f, "line")),
		json_integer_value(json_object_get(json_object_get(r, "start"), "line")));
	const char *cwe = json_string_value(json_array_get(json_object_get(json_object_get(json_object_get(r, "extra"), "metadata"), "cwe"), 0));
	char want[32];
	snprintf(want, sizeof(want), "CWE-%ld", strtol(cwe + 4, NULL, 10));
	assert_true(has_str(f, "cwes", want));
	json_decref(doc);
	json_decref(arr);
	/* semgrep's words: ERROR, WARNING, INFO (this file, despite its name
	 * and README, holds three LOW results) */
	p = FX "semgrep/DefectDojo-django-DefectDojo/high-medium-low-severities.json";
	doc = load(p);
	arr = parse_ok(p, INGEST_FMT_SEMGREP);
	json_array_foreach(json_object_get(doc, "results"), i, r) {
		const char *s = sget(json_object_get(r, "extra"), "severity");
		const char *w = !strcmp(s, "ERROR") ? "high" : !strcmp(s, "WARNING") ? "medium" : sev(s);
		assert_str(sget(json_array_get(arr, i), "severity"), w);
	}
	json_decref(doc);
	json_decref(arr);
}

static void test_dependency_check(void **state)
{
	(void)state;
	const char *p = FX "dependency_check/jenkinsci-analysis-model/dependency-check-report.json";
	json_t *doc = load(p), *arr = parse_ok(p, INGEST_FMT_DEPCHECK);
	size_t i, k, n = 0;
	json_t *d, *v;
	json_array_foreach(json_object_get(doc, "dependencies"), i, d) {
		json_array_foreach(json_object_get(d, "vulnerabilities"), k, v) {
			json_t *f = json_array_get(arr, n++);
			assert_str(sget(f, "rule_id"), sget(v, "name"));
			assert_str(sget(f, "purl"), sget(json_array_get(json_object_get(d, "packages"), 0), "id"));
			assert_str(sget(f, "severity"), sev(sget(v, "severity")));
			assert_true(has_str(f, "cwes", json_string_value(json_array_get(json_object_get(v, "cwes"), 0))));
		}
	}
	assert_int_equal(n, json_array_size(arr));
	json_decref(doc);
	json_decref(arr);
	/* version-6.5.3.xml: <name>CVE-2020-9488</name> <severity>LOW</severity>,
	 * cvssV2 score 4.3, cvssV3 baseScore 3.7, <cwe>CWE-295</cwe>,
	 * package pkg:maven/org.apache.logging.log4j/log4j-api@2.12.4 */
	arr = parse_ok(FX "dependency_check/DefectDojo-django-DefectDojo/version-6.5.3.xml", INGEST_FMT_DEPCHECK_XML);
	json_t *f = json_array_get(arr, 0);
	assert_str(sget(f, "primary_id"), "CVE-2020-9488");
	assert_str(sget(f, "severity"), "low");
	assert_str(sget(f, "purl"), "pkg:maven/org.apache.logging.log4j/log4j-api@2.12.4");
	assert_str(sget(f, "package"), "log4j-api");
	assert_str(sget(f, "version"), "2.12.4");
	assert_true(has_str(f, "cwes", "CWE-295"));
	json_t *cv = json_object_get(f, "cvss");
	assert_int_equal(json_array_size(cv), 2);
	assert_true(json_real_value(json_object_get(json_array_get(cv, 0), "score")) == 4.3);
	assert_true(json_real_value(json_object_get(json_array_get(cv, 1), "score")) == 3.7);
	json_decref(arr);
}

/* a UTF-8 byte order mark before the JSON is accepted */
static void test_utf8_bom(void **state)
{
	(void)state;
	const char *p = FX "semgrep/DefectDojo-django-DefectDojo/many_findings.json";
	json_t *plain = parse_ok(p, INGEST_FMT_SEMGREP);
	FILE *fp = fopen(p, "rb");
	assert_non_null(fp);
	char *buf = malloc(1 << 20);
	memcpy(buf, "\xef\xbb\xbf", 3);
	size_t n = fread(buf + 3, 1, (1 << 20) - 3, fp) + 3;
	fclose(fp);
	json_t *arr = NULL;
	struct ingest_result res;
	struct ingest_error err;
	assert_int_equal(parse_mem(buf, n, INGEST_FMT_UNKNOWN, "app", NULL, &arr, &res, &err), FF_OK);
	assert_true(json_equal(arr, plain));
	json_decref(arr);
	/* a bare BOM is a JSON document that ends before it starts */
	assert_int_equal(parse_mem(buf, 3, INGEST_FMT_SEMGREP, "app", NULL, &arr, &res, &err), FF_EINVAL);
	assert_non_null(strstr(err.msg, "premature EOF"));
	assert_int_equal(err.offset, 3);
	json_decref(arr);
	json_decref(plain);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sarif_codeql),
		cmocka_unit_test(test_sarif_trivy_vs_json),
		cmocka_unit_test(test_sarif_edge_cases),
		cmocka_unit_test(test_sarif_taxonomies),
		cmocka_unit_test(test_trivy),
		cmocka_unit_test(test_trivy_misconf_secrets_k8s),
		cmocka_unit_test(test_cyclonedx),
		cmocka_unit_test(test_grype),
		cmocka_unit_test(test_osv),
		cmocka_unit_test(test_npm_audit),
		cmocka_unit_test(test_gitleaks_semgrep),
		cmocka_unit_test(test_dependency_check),
		cmocka_unit_test(test_utf8_bom),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
