/* Every real report under tests/fixtures/scanners parses with the finding
 * count that its folder's README gives (the README tables are read here,
 * nothing is hard-coded), and the detected format is the folder's. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ingest_test.h"

struct folder_fmt {
	const char *folder;
	enum ingest_format a, b; /* JSON and XML flavours */
};

static const struct folder_fmt folders[] = {
	{ "cyclonedx", INGEST_FMT_CYCLONEDX, INGEST_FMT_CYCLONEDX_XML },
	{ "dependency_check", INGEST_FMT_DEPCHECK, INGEST_FMT_DEPCHECK_XML },
	{ "gitleaks", INGEST_FMT_GITLEAKS, INGEST_FMT_GITLEAKS },
	{ "grype", INGEST_FMT_GRYPE, INGEST_FMT_GRYPE },
	{ "npm_audit", INGEST_FMT_NPM_AUDIT, INGEST_FMT_NPM_AUDIT },
	{ "npm_audit_7_plus", INGEST_FMT_NPM_AUDIT7, INGEST_FMT_NPM_AUDIT7 },
	{ "osv_scanner", INGEST_FMT_OSV, INGEST_FMT_OSV },
	{ "sarif", INGEST_FMT_SARIF, INGEST_FMT_SARIF },
	{ "semgrep", INGEST_FMT_SEMGREP, INGEST_FMT_SEMGREP },
	{ "trivy", INGEST_FMT_TRIVY, INGEST_FMT_TRIVY },
};

static size_t n_checked, n_nonzero;

/* "| `file` | `upstream` | bytes | findings | what |" -> file, findings */
static bool table_row(const char *line, char *file, size_t fl, long *count)
{
	char cols[6][512];
	size_t c = 0, k = 0;
	if (strncmp(line, "| `", 3) != 0)
		return false;
	for (const char *p = line + 1; *p && c < 6; p++) {
		if (*p == '|') {
			cols[c][k] = '\0';
			c++;
			k = 0;
		} else if (*p != '`' && k + 1 < sizeof(cols[0]) && !(k == 0 && *p == ' ')) {
			cols[c][k++] = *p;
		}
	}
	if (c < 5)
		return false;
	for (size_t i = 0; i < 4; i++) {
		size_t n = strlen(cols[i]);
		while (n && cols[i][n - 1] == ' ')
			cols[i][--n] = '\0';
	}
	char *end = NULL;
	*count = strtol(cols[3], &end, 10);
	if (!*cols[3] || *end)
		return false;
	snprintf(file, fl, "%s", cols[0]);
	return true;
}

static void check_report(const struct folder_fmt *ff, const char *dir, const char *file, long want)
{
	char path[2048];
	json_t *arr = NULL;
	struct ingest_result res;
	struct ingest_error err;
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	/* declared format: the folder's (the encoding follows the content) */
	int rc = parse_file(path, ff->a, "t", &arr, &res, &err);
	if (rc != FF_OK || (long)json_array_size(arr) != want)
		fprintf(stderr, "%s: rc=%d (%s) got %zu want %ld\n", path, rc, err.msg, json_array_size(arr), want);
	assert_int_equal(rc, FF_OK);
	assert_int_equal(json_array_size(arr), want);
	assert_int_equal(res.findings, want);
	assert_true(res.format == ff->a || res.format == ff->b);
	json_decref(arr);
	/* detected: the same, whenever the report is not an empty literal */
	rc = parse_file(path, INGEST_FMT_UNKNOWN, "t", &arr, &res, &err);
	if (rc == FF_OK) {
		assert_int_equal(json_array_size(arr), want);
		assert_true(res.format == ff->a || res.format == ff->b
			|| (ff->a == INGEST_FMT_NPM_AUDIT && res.format == INGEST_FMT_NPM_AUDIT7));
	} else {
		/* only "null", "[]" and the zero-byte file cannot be told apart */
		assert_int_equal(want, 0);
		assert_int_equal(rc, FF_ENOTSUP);
	}
	json_decref(arr);
	n_checked++;
	if (want)
		n_nonzero++;
}

static void check_source(const struct folder_fmt *ff, const char *dir)
{
	char readme[2048], line[4096], file[512];
	snprintf(readme, sizeof(readme), "%s/README.md", dir);
	FILE *fp = fopen(readme, "r");
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp)) {
		long want = 0;
		if (table_row(line, file, sizeof(file), &want))
			check_report(ff, dir, file, want);
	}
	fclose(fp);
}

static void test_every_fixture_count(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(folders) / sizeof(folders[0]); i++) {
		char dir[512];
		snprintf(dir, sizeof(dir), FX "%s", folders[i].folder);
		DIR *d = opendir(dir);
		assert_non_null(d);
		for (struct dirent *e = readdir(d); e; e = readdir(d)) {
			if (e->d_name[0] == '.' || e->d_type != DT_DIR)
				continue;
			char sub[1024];
			snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
			check_source(&folders[i], sub);
		}
		closedir(d);
	}
	fprintf(stderr, "checked %zu reports (%zu with findings)\n", n_checked, n_nonzero);
	assert_int_equal(n_checked, 99);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_fixture_count),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
