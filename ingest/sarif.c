/* ingest/sarif.c - SARIF 2.1.0: every run, rules by ruleIndex/ruleId (also
 * in tool.extensions), level and properties.security-severity, CWE from
 * rule tags, relationships, result taxa and run taxonomies,
 * partialFingerprints/fingerprints. Results are streamed one by one. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/mem.h"
#include "common/rc.h"
#include "ingest_int.h"

struct sarif_st {
	json_t *tool;       /* the run's tool object (driver + extensions) */
	json_t *taxonomies; /* the run's taxonomies */
};

static struct sarif_st *st_of(struct ictx *c)
{
	if (!c->st)
		c->st = xcalloc(1, sizeof(struct sarif_st));
	return c->st;
}

static void run_reset(struct sarif_st *s)
{
	json_decref(s->tool);
	json_decref(s->taxonomies);
	s->tool = NULL;
	s->taxonomies = NULL;
}

static void sarif_free(struct ictx *c)
{
	if (!c->st)
		return;
	run_reset(c->st);
	free(c->st);
	c->st = NULL;
}

static json_t *rules_of(const struct sarif_st *s, const json_t *result)
{
	json_t *tc = jg(result, "rule.toolComponent");
	long long ext = jl(tc, "index", -1);
	if (ext >= 0)
		return jg(json_array_get(jg(s->tool, "extensions"), (size_t)ext), "rules");
	return jg(s->tool, "driver.rules");
}

static json_t *find_rule(const struct sarif_st *s, const json_t *r, const char *rule_id)
{
	json_t *rules = rules_of(s, r);
	long long idx = jl(r, "ruleIndex", jl(r, "rule.index", -1));
	if (idx >= 0 && json_array_get(rules, (size_t)idx))
		return json_array_get(rules, (size_t)idx);
	size_t i;
	json_t *x;
	json_array_foreach(rules, i, x) {
		if (rule_id && js(x, "id") && strcmp(js(x, "id"), rule_id) == 0)
			return x;
	}
	return NULL;
}

/* CVE-nnnn-nnnn and GHSA-xxxx-xxxx-xxxx tokens anywhere in s */
static void ids_from_text(struct ingest_finding *f, const char *s)
{
	for (const char *p = s; p && *p; p++) {
		size_t n = 0;
		if (strncasecmp(p, "CVE-", 4) == 0) {
			n = 4;
			while (isdigit((unsigned char)p[n]) || (p[n] == '-' && isdigit((unsigned char)p[n + 1])))
				n++;
		} else if (strncmp(p, "GHSA-", 5) == 0) {
			n = 5;
			while (isalnum((unsigned char)p[n]) || p[n] == '-')
				n++;
		}
		if (n > 8) {
			char *id = xstrndup(p, n);
			for (char *q = id; *q && *q != '-'; q++)
				*q = (char)toupper((unsigned char)*q);
			fnd_add_id(f, id);
			free(id);
			p += n - 1;
		}
	}
}

/* A reference to a taxon (result.taxa[] or a rule relationship target):
 * the taxonomy is named directly or by its index in run.taxonomies, the
 * taxon by id or by its index in that taxonomy's taxa. CWE ids only. */
static void cwe_from_ref(struct ingest_finding *f, const json_t *taxonomies, const json_t *ref)
{
	const char *comp = js(ref, "toolComponent.name");
	json_t *tax = NULL;
	long long ci = jl(ref, "toolComponent.index", -1);
	if (ci >= 0)
		tax = json_array_get(taxonomies, (size_t)ci);
	if (!comp)
		comp = js(tax, "name");
	if (!comp || strcasecmp(comp, "CWE") != 0)
		return;
	const char *id = js(ref, "id");
	long long ti = jl(ref, "index", -1);
	if (!id && ti >= 0)
		id = js(json_array_get(jg(tax, "taxa"), (size_t)ti), "id");
	if (id && !strcasestr(id, "cwe")) {
		char *full = xasprintf("CWE-%s", id);
		fnd_add_cwe(f, full);
		free(full);
	} else {
		fnd_add_cwe(f, id);
	}
}

static void cwe_from_rule(struct ingest_finding *f, const json_t *rule, const json_t *taxonomies)
{
	size_t i;
	json_t *x;
	json_array_foreach(jg(rule, "properties.tags"), i, x) {
		const char *t = json_string_value(x);
		if (t && strcasestr(t, "cwe"))
			fnd_add_cwe(f, t);
	}
	json_array_foreach(jg(rule, "relationships"), i, x)
		cwe_from_ref(f, taxonomies, jg(x, "target"));
	const char *cwe = js(rule, "properties.cwe");
	if (cwe)
		fnd_add_cwe(f, cwe);
}

static void cwe_from_taxa(struct ingest_finding *f, const json_t *r, const json_t *taxonomies)
{
	size_t i;
	json_t *x;
	json_array_foreach(jg(r, "taxa"), i, x)
		cwe_from_ref(f, taxonomies, x);
}

/* "Package: x\nInstalled Version: y\nFixed Version: z" as Trivy writes */
static void pkg_from_message(struct ingest_finding *f, const char *m)
{
	static const struct {
		const char *label;
		size_t off;
	} fields[] = {
		{ "Package: ", offsetof(struct ingest_finding, pkg_name) },
		{ "Installed Version: ", offsetof(struct ingest_finding, version) },
		{ "Fixed Version: ", offsetof(struct ingest_finding, fixed_version) },
	};
	for (size_t i = 0; m && i < sizeof(fields) / sizeof(fields[0]); i++) {
		const char *p = strstr(m, fields[i].label);
		if (!p || (p != m && p[-1] != '\n'))
			continue;
		p += strlen(fields[i].label);
		fnd_setn((char **)((char *)f + fields[i].off), p, strcspn(p, "\n"));
	}
}

/* the tool's fingerprints as one canonical string; whole-file hashes
 * (Pysa/ShellCheck "scanFileHash") are left out: any edit elsewhere in the
 * file would change them, which is what a fingerprint must survive */
static char *fp_canon(const json_t *fp)
{
	json_t *keep = json_object();
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)fp, k, v) {
		if (!strcasestr(k, "filehash"))
			json_object_set(keep, k, v);
	}
	char *s = json_object_size(keep) ? json_dumps(keep, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
	json_decref(keep);
	return s;
}

static char *fingerprint_of(const json_t *r)
{
	char *s = NULL;
	json_t *fp = jg(r, "partialFingerprints");
	if (json_is_object(fp))
		s = fp_canon(fp);
	fp = jg(r, "fingerprints");
	if (!s && json_is_object(fp))
		s = fp_canon(fp);
	return s;
}

static void location(struct ingest_finding *f, const json_t *r)
{
	json_t *pl = jg(json_array_get(jg(r, "locations"), 0), "physicalLocation");
	const char *uri = js(pl, "artifactLocation.uri");
	if (uri && strncmp(uri, "file://", 7) == 0)
		uri += 7;
	fnd_set(&f->file, uri);
	f->start_line = jl(pl, "region.startLine", 0);
	f->end_line = jl(pl, "region.endLine", f->start_line);
	fnd_set(&f->snippet, js(pl, "region.snippet.text"));
	if (!f->snippet)
		fnd_set(&f->snippet, js(pl, "contextRegion.snippet.text"));
}

static const char *level_severity(const char *level)
{
	if (!level || strcmp(level, "warning") == 0)
		return "medium";
	if (strcmp(level, "error") == 0)
		return "high";
	if (strcmp(level, "note") == 0)
		return "low";
	return "info";
}

static enum ingest_kind kind_of(const struct ictx *c, const struct ingest_finding *f)
{
	const char *tool = c->tool_name ? c->tool_name : "";
	if (strcasestr(tool, "gitleaks") || strcasestr(tool, "secret"))
		return INGEST_KIND_SECRET;
	if (f->n_vuln_ids || strcasestr(tool, "dependency-check"))
		return strcasestr(tool, "trivy") ? INGEST_KIND_CONTAINER : INGEST_KIND_SCA;
	return INGEST_KIND_SAST;
}

static void severity(struct ingest_finding *f, const json_t *r, const json_t *rule)
{
	const char *level = js(r, "level");
	if (!level)
		level = js(rule, "defaultConfiguration.level");
	const char *ss = js(r, "properties.security-severity");
	if (!ss)
		ss = js(rule, "properties.security-severity");
	char *end = NULL;
	double score = ss ? strtod(ss, &end) : -1;
	if (ss && end != ss) {
		fnd_set(&f->tool_severity, ss);
		f->severity = fnd_severity_score(score);
	} else {
		fnd_set(&f->tool_severity, level ? level : "warning");
		f->severity = level_severity(level);
	}
}

static int on_result(struct ictx *c, const json_t *r)
{
	struct sarif_st *s = st_of(c);
	struct ingest_finding *f = &c->f;
	const char *rule_id = js(r, "ruleId") ? js(r, "ruleId") : js(r, "rule.id");
	json_t *rule = find_rule(s, r, rule_id);
	if (!rule_id)
		rule_id = js(rule, "id");
	fnd_set(&f->rule_id, rule_id);
	ids_from_text(f, rule_id);
	const char *msg = js(r, "message.text");
	fnd_set(&f->title, js(rule, "shortDescription.text"));
	if (!f->title)
		fnd_set(&f->title, msg ? msg : js(rule, "name"));
	fnd_set(&f->description, msg);
	if (!f->description)
		fnd_set(&f->description, js(rule, "fullDescription.text"));
	severity(f, r, rule);
	cwe_from_rule(f, rule, s->taxonomies);
	cwe_from_taxa(f, r, s->taxonomies);
	location(f, r);
	pkg_from_message(f, msg);
	f->tool_fingerprint = fingerprint_of(r);
	f->kind = kind_of(c, f);
	if (f->kind == INGEST_KIND_SECRET)
		fnd_set(&f->secret, f->snippet ? f->snippet : msg);
	return ictx_emit(c);
}

static int sarif_value(struct ictx *c, const char *path, json_t *v)
{
	struct sarif_st *s = st_of(c);
	if (strcmp(path, "/runs/*/results/*") == 0)
		return on_result(c, v);
	if (strcmp(path, "/runs/*/tool") == 0) {
		json_decref(s->tool);
		s->tool = json_incref(v);
		ictx_set_tool(c, js(v, "driver.name"), js(v, "driver.version"));
		if (!js(v, "driver.version"))
			ictx_set_tool(c, NULL, js(v, "driver.semanticVersion"));
	} else if (strcmp(path, "/runs/*/taxonomies") == 0) {
		json_decref(s->taxonomies);
		s->taxonomies = json_incref(v);
	} else if (strcmp(path, "") == 0) {
		return ictx_fail(c, FF_EINVAL, "not a SARIF log: the root is not an object");
	}
	return FF_OK;
}

static int sarif_end(struct ictx *c, const char *path)
{
	if (strcmp(path, "/runs/*") == 0)
		run_reset(st_of(c));
	else if (strcmp(path, "/runs") == 0)
		c->seen_marker = true;
	return FF_OK;
}

static int sarif_finish(struct ictx *c)
{
	if (!c->seen_marker)
		return ictx_fail(c, FF_EINVAL, "not a SARIF log: no runs array");
	return FF_OK;
}

static const char *const sarif_stream[] = { "", "/runs", "/runs/*", "/runs/*/results", NULL };

const struct jfmt ingest_sarif_fmt = {
	.stream = sarif_stream,
	.on_value = sarif_value,
	.on_end = sarif_end,
	.finish = sarif_finish,
	.state_free = sarif_free,
};
