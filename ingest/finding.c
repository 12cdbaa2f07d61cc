/* ingest/finding.c - building a normalised finding, shared helpers. */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/mem.h"
#include "common/rc.h"
#include "ingest_int.h"

#define FD_MAX_LIST 256 /* ids, CWEs, vectors per finding: more is noise */

void fnd_set(char **slot, const char *s)
{
	if (!s || !*s)
		return;
	free(*slot);
	*slot = xstrdup(s);
}

void fnd_setn(char **slot, const char *s, size_t n)
{
	if (!s || !n)
		return;
	free(*slot);
	*slot = xstrndup(s, n);
}

static bool list_has(char **l, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(l[i], s) == 0)
			return true;
	return false;
}

static void list_add(char ***l, size_t *n, const char *s)
{
	if (list_has(*l, *n, s) || *n >= FD_MAX_LIST)
		return;
	*l = xrealloc(*l, (*n + 1) * sizeof(**l));
	(*l)[(*n)++] = xstrdup(s);
}

void fnd_add_id(struct ingest_finding *f, const char *id)
{
	if (!id || !*id)
		return;
	list_add(&f->vuln_ids, &f->n_vuln_ids, id);
}

void fnd_add_cwe_num(struct ingest_finding *f, long long n)
{
	char b[32];
	if (n <= 0)
		return;
	snprintf(b, sizeof(b), "CWE-%lld", n);
	list_add(&f->cwes, &f->n_cwes, b);
}

/* one "cwe" occurrence: "cwe-079", "CWE_79", "cwe: 79" */
static long long cwe_at(const char *p)
{
	p += 3;
	while (*p == '-' || *p == '_' || *p == ' ' || *p == ':')
		p++;
	long long n = 0;
	for (int i = 0; i < 9 && isdigit((unsigned char)p[i]); i++)
		n = n * 10 + (p[i] - '0');
	return n;
}

void fnd_add_cwe(struct ingest_finding *f, const char *cwe)
{
	if (!cwe)
		return;
	if (isdigit((unsigned char)*cwe)) {
		fnd_add_cwe_num(f, strtoll(cwe, NULL, 10));
		return;
	}
	for (const char *p = strcasestr(cwe, "cwe"); p; p = strcasestr(p + 3, "cwe")) {
		long long n = cwe_at(p);
		if (n > 0) {
			fnd_add_cwe_num(f, n);
			return;
		}
	}
}

void fnd_add_cvss(struct ingest_finding *f, const char *version, const char *vector, double score, const char *source)
{
	if ((!vector || !*vector) && score < 0)
		return;
	for (size_t i = 0; vector && i < f->n_cvss; i++)
		if (f->cvss[i].vector && strcmp(f->cvss[i].vector, vector) == 0)
			return;
	if (f->n_cvss >= FD_MAX_LIST)
		return;
	f->cvss = xrealloc(f->cvss, (f->n_cvss + 1) * sizeof(*f->cvss));
	struct ingest_cvss *c = &f->cvss[f->n_cvss++];
	memset(c, 0, sizeof(*c));
	if (!version)
		version = cvss_version_of(vector);
	c->version = xstrdup(version);
	c->vector = (vector && *vector) ? xstrdup(vector) : NULL;
	c->score = score;
	c->source = (source && *source) ? xstrdup(source) : NULL;
}

const char *cvss_version_of(const char *vector)
{
	if (!vector)
		return NULL;
	if (strncmp(vector, "CVSS:4.0", 8) == 0)
		return "4.0";
	if (strncmp(vector, "CVSS:3.1", 8) == 0)
		return "3.1";
	if (strncmp(vector, "CVSS:3.0", 8) == 0)
		return "3.0";
	if (strstr(vector, "Au:"))
		return "2.0";
	if (strstr(vector, "AV:") && strstr(vector, "PR:"))
		return "3.x";
	return NULL;
}

static void free_list(char **l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

void fnd_reset(struct ingest_finding *f)
{
	char **strs[] = { &f->rule_id, &f->primary_id, &f->title, &f->description, &f->tool_severity,
		&f->pkg_name, &f->purl, &f->version, &f->fixed_version, &f->file, &f->snippet, &f->image,
		&f->layer, &f->target, &f->tool_name, &f->tool_version, &f->vex_state, &f->vex_justification,
		&f->tool_fingerprint, &f->secret };
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		free(*strs[i]);
	free_list(f->vuln_ids, f->n_vuln_ids);
	free_list(f->cwes, f->n_cwes);
	for (size_t i = 0; i < f->n_cvss; i++) {
		free(f->cvss[i].version);
		free(f->cvss[i].vector);
		free(f->cvss[i].source);
	}
	free(f->cvss);
	memset(f, 0, sizeof(*f));
}

struct sev_word {
	const char *word;
	const char *sev;
};

static const struct sev_word sev_words[] = {
	{ "critical", "critical" }, { "very high", "critical" }, { "high", "high" }, { "error", "high" },
	{ "important", "high" }, { "medium", "medium" }, { "moderate", "medium" }, { "warning", "medium" },
	{ "low", "low" }, { "note", "low" }, { "negligible", "info" }, { "info", "info" },
	{ "informational", "info" }, { "none", "info" }, { "unknown", "unknown" },
};

const char *fnd_severity(const char *raw)
{
	if (!raw)
		return "unknown";
	for (size_t i = 0; i < sizeof(sev_words) / sizeof(sev_words[0]); i++)
		if (strcasecmp(raw, sev_words[i].word) == 0)
			return sev_words[i].sev;
	return "unknown";
}

const char *fnd_severity_score(double s)
{
	if (s >= 9.0)
		return "critical";
	if (s >= 7.0)
		return "high";
	if (s >= 4.0)
		return "medium";
	if (s > 0.0)
		return "low";
	if (s == 0.0)
		return "info";
	return "unknown";
}

int ictx_fail(struct ictx *c, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err->msg, sizeof(c->err->msg), fmt, ap);
	va_end(ap);
	c->err->rc = rc;
	return rc;
}

void ictx_set_tool(struct ictx *c, const char *name, const char *version)
{
	fnd_set(&c->tool_name, name);
	fnd_set(&c->tool_version, version);
}

static void pick_primary(struct ingest_finding *f)
{
	if (f->primary_id)
		return;
	for (size_t i = 0; i < f->n_vuln_ids; i++)
		if (strncasecmp(f->vuln_ids[i], "CVE-", 4) == 0) {
			fnd_set(&f->primary_id, f->vuln_ids[i]);
			return;
		}
	if (f->n_vuln_ids)
		fnd_set(&f->primary_id, f->vuln_ids[0]);
}

static const char *severity_of(const struct ingest_finding *f)
{
	const char *s = fnd_severity(f->tool_severity);
	if (strcmp(s, "unknown") != 0)
		return s;
	for (size_t i = 0; i < f->n_cvss; i++)
		if (f->cvss[i].score >= 0)
			return fnd_severity_score(f->cvss[i].score);
	return "unknown";
}

int ictx_emit(struct ictx *c)
{
	struct ingest_finding *f = &c->f;
	int rc = FF_OK;
	if (c->res->findings >= c->lim.max_results) {
		rc = ictx_fail(c, FF_ETOOBIG, "report has more than %zu findings", c->lim.max_results);
		goto out;
	}
	pick_primary(f);
	if (!f->severity)
		f->severity = severity_of(f);
	if (!f->tool_name)
		fnd_set(&f->tool_name, c->tool_name);
	if (!f->tool_version)
		fnd_set(&f->tool_version, c->tool_version);
	/* a line past 2^31 is no line of a source file (and no database
	 * integer): the report is wrong, say so instead of storing it */
	if (f->start_line > INT32_MAX || f->end_line > INT32_MAX || f->start_line < 0 || f->end_line < 0) {
		rc = ictx_fail(c, FF_EINVAL, "line number %ld is out of range (1 to %d)",
			       f->start_line > INT32_MAX || f->start_line < 0 ? f->start_line : f->end_line, INT32_MAX);
		goto out;
	}
	if (f->end_line < f->start_line)
		f->end_line = f->start_line;
	ingest_fingerprint(f, c->o->scope_target);
	c->res->findings++;
	if (c->o->on_finding) {
		rc = c->o->on_finding(c->o->finding_ud, f);
		if (rc != FF_OK)
			ictx_fail(c, rc, "the finding consumer stopped the parse (%s)", ff_rc_str(rc));
	}
out:
	fnd_reset(f);
	return rc;
}

json_t *jg(const json_t *o, const char *path)
{
	char seg[128];
	const char *p = path;
	json_t *cur = (json_t *)o;
	while (cur && *p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		if (n >= sizeof(seg) || !json_is_object(cur))
			return NULL;
		memcpy(seg, p, n);
		seg[n] = '\0';
		cur = json_object_get(cur, seg);
		p += n + (dot ? 1 : 0);
	}
	return cur;
}

const char *js(const json_t *o, const char *path)
{
	json_t *v = jg(o, path);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

long long jl(const json_t *o, const char *path, long long dflt)
{
	json_t *v = jg(o, path);
	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_real(v))
		return (long long)json_real_value(v);
	if (json_is_string(v)) {
		char *end = NULL;
		long long n = strtoll(json_string_value(v), &end, 10);
		if (end && end != json_string_value(v) && !*end)
			return n;
	}
	return dflt;
}

double jd(const json_t *o, const char *path, double dflt)
{
	json_t *v = jg(o, path);
	if (json_is_number(v))
		return json_number_value(v);
	if (json_is_string(v)) {
		char *end = NULL;
		double d = strtod(json_string_value(v), &end);
		if (end && end != json_string_value(v) && !*end)
			return d;
	}
	return dflt;
}
