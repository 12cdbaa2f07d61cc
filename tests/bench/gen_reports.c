/* tests/bench/gen_reports - large reports built from real fixture records.
 *
 *   gen_reports sarif N OUT [FIXTURE_DIR]   N results (CodeQL records)
 *   gen_reports trivy N OUT [FIXTURE_DIR]   N vulnerabilities (Trivy records)
 *
 * Records are taken round-robin from the fixtures and varied (file paths and
 * partialFingerprints for SARIF, package names for Trivy) so that every
 * finding has its own fingerprint. The output is written record by record. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *load(const char *dir, const char *rel)
{
	char path[1024];
	json_error_t e;
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	json_t *j = json_load_file(path, 0, &e);
	if (!j) {
		fprintf(stderr, "gen_reports: %s: %s\n", path, e.text);
		exit(2);
	}
	return j;
}

static void put(FILE *out, json_t *v)
{
	if (json_dumpf(v, out, JSON_COMPACT) != 0) {
		fprintf(stderr, "gen_reports: write failed\n");
		exit(2);
	}
}

static int gen_sarif(long n, FILE *out, const char *dir)
{
	json_t *doc = load(dir, "sarif/DefectDojo-django-DefectDojo/codeQL-output.sarif");
	json_t *run = json_array_get(json_object_get(doc, "runs"), 0);
	json_t *results = json_object_get(run, "results");
	size_t nr = json_array_size(results);
	fputs("{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\",\"version\":\"2.1.0\",\"runs\":[{\"tool\":", out);
	put(out, json_object_get(run, "tool"));
	fputs(",\"results\":[", out);
	for (long i = 0; i < n; i++) {
		json_t *r = json_deep_copy(json_array_get(results, (size_t)i % nr));
		json_t *loc = json_array_get(json_object_get(r, "locations"), 0);
		json_t *al = json_object_get(json_object_get(loc, "physicalLocation"), "artifactLocation");
		char buf[1024];
		snprintf(buf, sizeof(buf), "gen/%ld/%s", i / (long)nr, json_string_value(json_object_get(al, "uri")));
		json_object_set_new(al, "uri", json_string(buf));
		const char *k;
		json_t *v;
		json_object_foreach(json_object_get(r, "partialFingerprints"), k, v) {
			snprintf(buf, sizeof(buf), "%s-%ld", json_string_value(v), i);
			json_string_set(v, buf);
		}
		if (i)
			fputc(',', out);
		fputc('\n', out);
		put(out, r);
		json_decref(r);
	}
	fputs("]}]}\n", out);
	json_decref(doc);
	return 0;
}

static void add_vulns(json_t *all, const char *dir, const char *rel)
{
	json_t *doc = load(dir, rel);
	size_t i, j;
	json_t *res, *v;
	json_array_foreach(json_object_get(doc, "Results"), i, res) {
		json_array_foreach(json_object_get(res, "Vulnerabilities"), j, v)
			json_array_append(all, v);
	}
	json_decref(doc);
}

static int gen_trivy(long n, FILE *out, const char *dir)
{
	json_t *all = json_array();
	add_vulns(all, dir, "trivy/DefectDojo-django-DefectDojo/issue_9333.json");
	add_vulns(all, dir, "trivy/DefectDojo-django-DefectDojo/all_statuses.json");
	size_t nv = json_array_size(all);
	fputs("{\"SchemaVersion\":2,\"ArtifactName\":\"bench/app:1\",\"ArtifactType\":\"container_image\","
	      "\"Metadata\":{\"OS\":{\"Family\":\"debian\",\"Name\":\"10.13\"}},\"Results\":[{\"Target\":"
	      "\"bench/app:1 (debian 10.13)\",\"Class\":\"os-pkgs\",\"Type\":\"debian\",\"Vulnerabilities\":[", out);
	for (long i = 0; i < n; i++) {
		json_t *v = json_deep_copy(json_array_get(all, (size_t)i % nv));
		char buf[512];
		snprintf(buf, sizeof(buf), "%s-g%ld", json_string_value(json_object_get(v, "PkgName")), i);
		json_object_set_new(v, "PkgName", json_string(buf));
		json_object_del(v, "PkgIdentifier"); /* the purl follows the new name */
		json_object_del(v, "PkgID");
		if (i)
			fputc(',', out);
		fputc('\n', out);
		put(out, v);
		json_decref(v);
	}
	fputs("]}]}\n", out);
	json_decref(all);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: gen_reports sarif|trivy N OUT [FIXTURE_DIR]\n");
		return 2;
	}
	char *end = NULL;
	long n = strtol(argv[2], &end, 10);
	if (!end || *end || n <= 0) {
		fprintf(stderr, "gen_reports: bad count '%s'\n", argv[2]);
		return 2;
	}
	const char *dir = argc > 4 ? argv[4] : "tests/fixtures/scanners";
	FILE *out = fopen(argv[3], "w");
	if (!out) {
		perror(argv[3]);
		return 2;
	}
	int rc = strcmp(argv[1], "sarif") == 0 ? gen_sarif(n, out, dir)
		: strcmp(argv[1], "trivy") == 0 ? gen_trivy(n, out, dir) : 2;
	if (fclose(out) != 0)
		rc = 2;
	return rc;
}
