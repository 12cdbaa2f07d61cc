/* tests/unit/ingest/ingest_test.h - helpers shared by the ingest tests:
 * run the parser over a file or a memory buffer and collect the findings
 * as jansson objects. Included by each test (one executable per file). */
#ifndef FF_TESTS_INGEST_TEST_H
#define FF_TESTS_INGEST_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/rc.h"
#include "ingest/ingest.h"

#define FX "tests/fixtures/scanners/"

struct mem_src {
	const char *p;
	size_t n;
	size_t off;
};

static inline ssize_t mem_read(void *ud, void *buf, size_t n)
{
	struct mem_src *m = ud;
	size_t k = m->n - m->off;
	if (k > n)
		k = n;
	memcpy(buf, m->p + m->off, k);
	m->off += k;
	return (ssize_t)k;
}

static inline ssize_t fd_read_cb(void *ud, void *buf, size_t n)
{
	return read(*(int *)ud, buf, n);
}

static inline json_t *strs(char **l, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(l[i]));
	return a;
}

static inline void jput(json_t *o, const char *k, const char *v)
{
	if (v)
		json_object_set_new(o, k, json_string(v));
}

/* on_finding: append a JSON picture of the finding to the array ud */
static inline int collect(void *ud, const struct ingest_finding *f)
{
	json_t *o = json_object();
	jput(o, "fingerprint", f->fingerprint);
	jput(o, "kind", ingest_kind_name(f->kind));
	jput(o, "rule_id", f->rule_id);
	jput(o, "primary_id", f->primary_id);
	json_object_set_new(o, "ids", strs(f->vuln_ids, f->n_vuln_ids));
	json_object_set_new(o, "cwes", strs(f->cwes, f->n_cwes));
	jput(o, "severity", f->severity);
	jput(o, "tool_severity", f->tool_severity);
	jput(o, "title", f->title);
	jput(o, "package", f->pkg_name);
	jput(o, "purl", f->purl);
	jput(o, "version", f->version);
	jput(o, "fixed", f->fixed_version);
	jput(o, "file", f->file);
	jput(o, "snippet", f->snippet);
	jput(o, "target", f->target);
	jput(o, "tool", f->tool_name);
	jput(o, "tool_version", f->tool_version);
	jput(o, "vex_state", f->vex_state);
	jput(o, "vex_justification", f->vex_justification);
	json_object_set_new(o, "line", json_integer(f->start_line));
	json_object_set_new(o, "end_line", json_integer(f->end_line));
	json_t *cv = json_array();
	for (size_t i = 0; i < f->n_cvss; i++) {
		json_t *c = json_object();
		jput(c, "version", f->cvss[i].version);
		jput(c, "vector", f->cvss[i].vector);
		json_object_set_new(c, "score", json_real(f->cvss[i].score));
		json_array_append_new(cv, c);
	}
	json_object_set_new(o, "cvss", cv);
	json_array_append_new(ud, o);
	return FF_OK;
}

/* parse a memory buffer; *out gets the findings array (caller decrefs) */
static inline int parse_mem(const void *p, size_t n, enum ingest_format fmt, const char *target,
	const struct ingest_limits *lim, json_t **out, struct ingest_result *res, struct ingest_error *err)
{
	struct mem_src m = { .p = p, .n = n };
	json_t *arr = json_array();
	struct ingest_opts o = { .read = mem_read, .read_ud = &m, .format = fmt, .scope_target = target,
		.on_finding = collect, .finding_ud = arr };
	if (lim)
		o.limits = *lim;
	int rc = ingest_run(&o, res, err);
	*out = arr;
	return rc;
}

/* parse a file (path relative to the source tree) */
static inline int parse_file(const char *path, enum ingest_format fmt, const char *target, json_t **out,
	struct ingest_result *res, struct ingest_error *err)
{
	int fd = open(path, O_RDONLY);
	json_t *arr = json_array();
	*out = arr;
	if (fd < 0) {
		fprintf(stderr, "cannot open %s: %s\n", path, strerror(errno));
		return FF_ENOTFOUND;
	}
	struct ingest_opts o = { .read = fd_read_cb, .read_ud = &fd, .format = fmt, .scope_target = target,
		.on_finding = collect, .finding_ud = arr };
	int rc = ingest_run(&o, res, err);
	close(fd);
	return rc;
}

/* the finding of arr whose key equals value (first one), NULL if none */
static inline json_t *find_by(json_t *arr, const char *key, const char *value)
{
	size_t i;
	json_t *x;
	json_array_foreach(arr, i, x) {
		const char *v = json_string_value(json_object_get(x, key));
		if (v && strcmp(v, value) == 0)
			return x;
	}
	return NULL;
}

static inline const char *sget(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static inline bool has_str(json_t *o, const char *k, const char *v)
{
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(o, k), i, x) {
		if (json_string_value(x) && strcmp(json_string_value(x), v) == 0)
			return true;
	}
	return false;
}

/* jp: "a.0.b" path lookup with array indices */
static inline json_t *jp(json_t *o, const char *path)
{
	char seg[128];
	const char *p = path;
	while (o && *p) {
		size_t n = strcspn(p, ".");
		snprintf(seg, sizeof(seg), "%.*s", (int)n, p);
		if (json_is_array(o))
			o = json_array_get(o, (size_t)strtoul(seg, NULL, 10));
		else
			o = json_object_get(o, seg);
		p += n + (p[n] == '.');
	}
	return o;
}

#endif
