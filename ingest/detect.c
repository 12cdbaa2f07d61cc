/* ingest/detect.c - which format a report is, from its content only.
 * JSON: the keys of the root object (or of the objects in a root array)
 * decide; XML: the root element and its namespace. */
#include <stdbool.h>
#include <string.h>

#include "ingest_int.h"

#define DT_MAX_KEYS 48
#define DT_KEY_LEN 40

struct keys {
	char k[DT_MAX_KEYS][DT_KEY_LEN];
	size_t n;
	bool root_array;
};

static bool has(const struct keys *ks, const char *k)
{
	for (size_t i = 0; i < ks->n; i++)
		if (strcmp(ks->k[i], k) == 0)
			return true;
	return false;
}

static void add_key(struct keys *ks, const char *s, size_t n)
{
	if (ks->n >= DT_MAX_KEYS || n >= DT_KEY_LEN)
		return;
	memcpy(ks->k[ks->n], s, n);
	ks->k[ks->n][n] = '\0';
	if (!has(ks, ks->k[ks->n]))
		ks->n++;
}

static size_t skip_ws(const char *b, size_t i, size_t n)
{
	while (i < n && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r'))
		i++;
	return i;
}

/* keys at the depth of the root object's members (1) or, for a root array,
 * of its objects' members (2) */
static void scan_keys(const char *b, size_t n, struct keys *ks)
{
	size_t depth = 0, want = ks->root_array ? 2 : 1;
	for (size_t i = 0; i < n; i++) {
		char ch = b[i];
		if (ch == '"') {
			size_t s = ++i;
			while (i < n && b[i] != '"')
				i += (b[i] == '\\') ? 2 : 1;
			if (i >= n)
				return;
			size_t j = skip_ws(b, i + 1, n);
			if (depth == want && j < n && b[j] == ':')
				add_key(ks, b + s, i - s);
		} else if (ch == '{' || ch == '[') {
			depth++;
		} else if (ch == '}' || ch == ']') {
			depth--;
		}
	}
}

static enum ingest_format detect_xml(const char *b)
{
	if (strstr(b, "cyclonedx.org/schema/bom") || strstr(b, "<bom"))
		return INGEST_FMT_CYCLONEDX_XML;
	if (strstr(b, "DependencyCheck") || strstr(b, "dependency-check") || strstr(b, "<analysis"))
		return INGEST_FMT_DEPCHECK_XML;
	return INGEST_FMT_UNKNOWN;
}

static enum ingest_format detect_obj(const struct keys *k, const char *b)
{
	if (has(k, "bomFormat"))
		return INGEST_FMT_CYCLONEDX;
	if (has(k, "SchemaVersion") || has(k, "ArtifactName") || has(k, "ClusterName"))
		return INGEST_FMT_TRIVY;
	if (has(k, "auditReportVersion"))
		return INGEST_FMT_NPM_AUDIT7;
	if (has(k, "reportSchema") || (has(k, "scanInfo") && has(k, "dependencies")))
		return INGEST_FMT_DEPCHECK;
	if (has(k, "runs"))
		return INGEST_FMT_SARIF;
	if (has(k, "matches"))
		return INGEST_FMT_GRYPE;
	if (has(k, "advisories") || (has(k, "error") && strstr(b, "ENOAUDIT")))
		return INGEST_FMT_NPM_AUDIT;
	if (has(k, "results")) {
		if (has(k, "experimental_config") || strstr(b, "\"packages\""))
			return INGEST_FMT_OSV;
		if (has(k, "errors") || has(k, "paths") || strstr(b, "\"check_id\""))
			return INGEST_FMT_SEMGREP;
	}
	return INGEST_FMT_UNKNOWN;
}

static enum ingest_format detect_arr(const struct keys *k)
{
	if (has(k, "RuleID") || has(k, "offender") || (has(k, "Secret") && has(k, "Match")) || has(k, "leakURL"))
		return INGEST_FMT_GITLEAKS;
	if (has(k, "Target") && (has(k, "Vulnerabilities") || has(k, "Type")))
		return INGEST_FMT_TRIVY;
	return INGEST_FMT_UNKNOWN;
}

enum ingest_format ingest_detect(const char *buf, size_t n)
{
	struct keys ks = { 0 };
	size_t i = 0;
	if (n >= 3 && (unsigned char)buf[0] == 0xef && (unsigned char)buf[1] == 0xbb && (unsigned char)buf[2] == 0xbf)
		i = 3;
	i = skip_ws(buf, i, n);
	if (i >= n)
		return INGEST_FMT_UNKNOWN;
	if (buf[i] == '<')
		return detect_xml(buf + i);
	if (buf[i] != '{' && buf[i] != '[')
		return INGEST_FMT_UNKNOWN;
	ks.root_array = buf[i] == '[';
	scan_keys(buf + i, n - i, &ks);
	return ks.root_array ? detect_arr(&ks) : detect_obj(&ks, buf + i);
}
