/* NVD CVE API 2.0 records and pages, and the local readers: saved API
 * pages, single records ({"cve":...}, vunnel envelopes, bare cve objects)
 * and the fkie-cad/nvd-json-data-feeds tree (CVE-YYYY/CVE-YYYY-NNxx/...). */
#include <dirent.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/mem.h"
#include "common/rc.h"
#include "feeds_int.h"
#include "nvd_int.h"

#define NVD_MAX_RECORD_FILE ((size_t)64 << 20)
#define NVD_MAX_TREE_FILES 5000000

/* metric arrays in order of preference for the base */
static const struct {
	const char *key, *version;
} metric_keys[] = {
	{ "cvssMetricV40", "4.0" }, { "cvssMetricV31", "3.1" }, { "cvssMetricV30", "3.0" }, { "cvssMetricV2", "2.0" },
};

static int datetime_ok(const char *s)
{
	/* YYYY-MM-DDTHH:MM:SS[.fff][Z|offset] */
	if (!s || strlen(s) < 19 || s[10] != 'T' || s[13] != ':' || s[16] != ':')
		return 0;
	char d[11];
	memcpy(d, s, 10);
	d[10] = '\0';
	return feed_iso_date_ok(d);
}

static int metric(json_t *m, const char *version, struct feed_cvss *out)
{
	json_t *data = json_object_get(m, "cvssData");
	out->version = version;
	out->source = json_string_value(json_object_get(m, "source"));
	out->type = json_string_value(json_object_get(m, "type"));
	out->vector = json_string_value(json_object_get(data, "vectorString"));
	json_t *score = json_object_get(data, "baseScore");
	out->severity = json_string_value(json_object_get(data, "baseSeverity"));
	if (!out->severity)
		out->severity = json_string_value(json_object_get(m, "baseSeverity")); /* v2 */
	if (!out->source || !out->type || !out->vector || !json_is_number(score))
		return FF_EINVAL;
	out->score = json_number_value(score);
	return out->score >= 0.0 && out->score <= 10.0 ? FF_OK : FF_EINVAL;
}

static int metrics(json_t *cve, struct feed_cve *r, const char **bad)
{
	json_t *ms = json_object_get(cve, "metrics");
	if (!ms)
		return FF_OK;
	if (!json_is_object(ms))
		return *bad = "metrics", FF_EINVAL;
	for (size_t k = 0; k < sizeof(metric_keys) / sizeof(metric_keys[0]); k++) {
		json_t *a = json_object_get(ms, metric_keys[k].key), *m;
		size_t i;
		if (a && !json_is_array(a))
			return *bad = metric_keys[k].key, FF_EINVAL;
		json_array_foreach(a, i, m) {
			if (r->ncvss >= FEED_CVSS_MAX)
				break;
			if (metric(m, metric_keys[k].version, &r->cvss[r->ncvss]))
				return *bad = metric_keys[k].key, FF_EINVAL;
			r->ncvss++;
		}
	}
	return FF_OK;
}

static void choose_base(struct feed_cve *r)
{
	/* cvss[] is ordered 4.0, 3.1, 3.0, 2.0: the first version present wins,
	 * inside it the Primary (NVD) entry, else the first Secondary (CNA) */
	r->base = NULL;
	for (int i = 0; i < r->ncvss; i++) {
		if (r->base && strcmp(r->base->version, r->cvss[i].version) != 0)
			break;
		if (!r->base || strcmp(r->cvss[i].type, "Primary") == 0)
			if (!r->base || strcmp(r->base->type, "Primary") != 0)
				r->base = &r->cvss[i];
	}
}

static void add_cwe(struct feed_cve *r, const char *v)
{
	for (int i = 0; i < r->ncwe; i++)
		if (strcmp(r->cwe[i], v) == 0)
			return;
	if (r->ncwe < FEED_CWE_MAX)
		r->cwe[r->ncwe++] = v;
}

static int weaknesses(json_t *cve, struct feed_cve *r)
{
	json_t *ws = json_object_get(cve, "weaknesses"), *w, *d;
	size_t i, j;
	if (ws && !json_is_array(ws))
		return FF_EINVAL;
	json_array_foreach(ws, i, w) {
		json_t *desc = json_object_get(w, "description");
		if (!json_is_array(desc))
			return FF_EINVAL;
		json_array_foreach(desc, j, d) {
			const char *v = json_string_value(json_object_get(d, "value"));
			if (!v)
				return FF_EINVAL;
			add_cwe(r, v);
		}
	}
	return FF_OK;
}

static const char *english(json_t *descs)
{
	json_t *d;
	size_t i;
	json_array_foreach(descs, i, d) {
		const char *lang = json_string_value(json_object_get(d, "lang"));
		if (lang && strcmp(lang, "en") == 0)
			return json_string_value(json_object_get(d, "value"));
	}
	return NULL;
}

int feed_nvd_cve_parse(json_t *cve, const char *where, struct feed_cve *r, struct feed_err *e)
{
	const char *bad = NULL;
	memset(r, 0, sizeof(*r));
	r->id = json_string_value(json_object_get(cve, "id"));
	if (!json_is_object(cve) || !feed_cve_id_ok(r->id))
		return feed_err_set(e, FF_EINVAL, "%s: record without a valid id", where);
	r->cna = json_string_value(json_object_get(cve, "sourceIdentifier"));
	r->published = json_string_value(json_object_get(cve, "published"));
	r->last_modified = json_string_value(json_object_get(cve, "lastModified"));
	r->vuln_status = json_string_value(json_object_get(cve, "vulnStatus"));
	if (!datetime_ok(r->published) || !datetime_ok(r->last_modified))
		bad = "published/lastModified";
	else if (!json_is_array(json_object_get(cve, "descriptions")))
		bad = "descriptions";
	else if (!json_is_array(json_object_get(cve, "references")))
		bad = "references";
	else if (json_object_get(cve, "vulnStatus") && !r->vuln_status)
		bad = "vulnStatus";
	else if (weaknesses(cve, r))
		bad = "weaknesses";
	else
		metrics(cve, r, &bad);
	if (bad)
		return feed_err_set(e, FF_EINVAL, "%s: %s: missing or invalid %s", where, r->id, bad);
	r->description = english(json_object_get(cve, "descriptions"));
	r->rejected = r->vuln_status && strcmp(r->vuln_status, "Rejected") == 0;
	choose_base(r);
	return FF_OK;
}

static int emit_cve(json_t *cve, const char *where, const struct feed_sink *s, struct feed_err *e)
{
	struct feed_cve r;
	int rc = feed_nvd_cve_parse(cve, where, &r, e);
	return rc ? rc : s->record(s->ctx, FEED_NVD, &r);
}

int nvd_page_check(const char *where, json_t *page, struct nvd_page *p, struct feed_err *e)
{
	json_t *rpp = json_object_get(page, "resultsPerPage"), *si = json_object_get(page, "startIndex");
	json_t *tr = json_object_get(page, "totalResults");
	p->vulns = json_object_get(page, "vulnerabilities");
	if (!json_is_integer(rpp) || !json_is_integer(si) || !json_is_integer(tr) || !json_is_array(p->vulns) ||
	    !json_is_string(json_object_get(page, "format")) || !json_is_string(json_object_get(page, "version")) ||
	    !json_is_string(json_object_get(page, "timestamp")))
		return feed_err_set(e, FF_EINVAL,
				    "%s: not an NVD API 2.0 page (resultsPerPage, startIndex, totalResults, format, "
				    "version, timestamp, vulnerabilities are required)",
				    where);
	p->results_per_page = json_integer_value(rpp);
	p->start_index = json_integer_value(si);
	p->total = json_integer_value(tr);
	long long left = p->total - p->start_index;
	long long expect = left < 0 ? 0 : (left < p->results_per_page ? left : p->results_per_page);
	if ((long long)json_array_size(p->vulns) != expect)
		return feed_err_set(e, FF_EINVAL,
				    "%s: page holds %zu records but totalResults %lld, startIndex %lld and "
				    "resultsPerPage %lld promise %lld (truncated or wrong totalResults)",
				    where, json_array_size(p->vulns), p->total, p->start_index, p->results_per_page, expect);
	return FF_OK;
}

int nvd_page_emit(const char *where, const struct nvd_page *p, const struct feed_sink *s, struct feed_err *e)
{
	json_t *v;
	size_t i;
	char at[600];
	json_array_foreach(p->vulns, i, v) {
		snprintf(at, sizeof(at), "%s: record %lld", where, p->start_index + (long long)i + 1);
		int rc = emit_cve(json_object_get(v, "cve"), at, s, e);
		if (rc)
			return rc;
	}
	return FF_OK;
}

/* one local file: a page, a {"cve":...} element, a vunnel envelope or a
 * bare cve object */
static int read_one_file(const char *path, const struct feed_opts *o, const struct feed_sink *s, struct feed_err *e,
			 int *is_page)
{
	struct buf b = { 0 };
	json_error_t je;
	json_t *root = NULL;
	struct nvd_page p;
	int rc = feed_read_file_all(path, o->max_file ? o->max_file : NVD_MAX_RECORD_FILE, &b, e);
	*is_page = 0;
	if (rc)
		goto out;
	root = json_loadb(b.data, b.len, 0, &je);
	if (!json_is_object(root)) {
		rc = feed_err_set(e, FF_EINVAL, "%s: line %d column %d: invalid JSON (truncated?): %s", path, je.line,
				  je.column, root ? "not an object" : je.text);
		goto out;
	}
	if (json_object_get(root, "vulnerabilities")) {
		*is_page = 1;
		rc = nvd_page_check(path, root, &p, e);
		if (!rc && s->total)
			s->total(s->ctx, p.total);
		rc = rc ? rc : nvd_page_emit(path, &p, s, e);
	} else if (json_object_get(root, "item")) {
		rc = emit_cve(json_object_get(json_object_get(root, "item"), "cve"), path, s, e);
	} else if (json_object_get(root, "cve")) {
		rc = emit_cve(json_object_get(root, "cve"), path, s, e);
	} else {
		rc = emit_cve(root, path, s, e);
	}
out:
	json_decref(root);
	buf_free(&b);
	return rc;
}

static int has_json_suffix(const char *name, size_t len)
{
	return (len > 5 && strcmp(name + len - 5, ".json") == 0) ||
	       (len > 8 && strcmp(name + len - 8, ".json.gz") == 0);
}

struct pathlist {
	char **v;
	size_t n, alloc;
};

static int collect(const char *dir, struct pathlist *l, int depth, struct feed_err *e)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int rc = FF_OK;
	if (!d)
		return feed_err_set(e, FF_EPERM, "%s: could not open the directory", dir);
	for (de = readdir(d); de && !rc; de = readdir(d)) {
		size_t len = strlen(de->d_name);
		struct stat st = { 0 };
		if (de->d_name[0] == '.')
			continue;
		char *p = xasprintf("%s/%s", dir, de->d_name);
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode) && depth < 4) {
			rc = collect(p, l, depth + 1, e);
		} else if (S_ISREG(st.st_mode) && has_json_suffix(de->d_name, len)) {
			if (l->n >= NVD_MAX_TREE_FILES) {
				rc = feed_err_set(e, FF_ETOOBIG, "%s: more than %d files", dir, NVD_MAX_TREE_FILES);
			} else {
				if (l->n == l->alloc) {
					l->alloc = l->alloc ? l->alloc * 2 : 1024;
					l->v = xrealloc(l->v, l->alloc * sizeof(*l->v));
				}
				l->v[l->n++] = p;
				p = NULL;
			}
		}
		free(p);
	}
	closedir(d);
	return rc;
}

static int cmp_path(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* a directory: every *.json below it; batches of o->batch_records records
 * from single-record files, one batch per page file */
static int read_tree(const char *dir, const struct feed_opts *o, const struct feed_sink *s, struct feed_err *e)
{
	struct pathlist l = { 0 };
	int rc = collect(dir, &l, 0, e), is_page = 0;
	long pending = 0, per = o->batch_records > 0 ? o->batch_records : 2000;
	if (l.n > 1) /* qsort wants a real array even for zero items */
		qsort(l.v, l.n, sizeof(*l.v), cmp_path);
	if (!rc && s->total)
		s->total(s->ctx, (long long)l.n);
	for (size_t i = 0; i < l.n && !rc; i++) {
		rc = read_one_file(l.v[i], o, s, e, &is_page);
		pending++;
		if (!rc && (is_page || pending >= per) && s->batch_done) {
			rc = s->batch_done(s->ctx, NULL);
			pending = 0;
		}
	}
	if (!rc && pending && s->batch_done)
		rc = s->batch_done(s->ctx, NULL);
	for (size_t i = 0; i < l.n; i++)
		free(l.v[i]);
	free(l.v);
	return rc;
}

int nvd_read_path(const char *path, const struct feed_opts *o, const struct feed_sink *s, struct feed_err *e)
{
	struct stat st;
	int is_page;
	if (stat(path, &st) != 0)
		return feed_err_set(e, FF_ENOTFOUND, "%s: no such file or directory", path);
	if (S_ISDIR(st.st_mode))
		return read_tree(path, o, s, e);
	int rc = read_one_file(path, o, s, e, &is_page);
	if (!rc && s->batch_done)
		rc = s->batch_done(s->ctx, NULL);
	return rc;
}
