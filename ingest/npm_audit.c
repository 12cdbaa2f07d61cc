/* ingest/npm_audit.c - npm audit JSON: npm 6 ("advisories" keyed by id,
 * one finding per advisory) and npm 7+ (auditReportVersion 2,
 * "vulnerabilities" keyed by package, one finding per package; "via" mixes
 * advisory objects and names of other vulnerable packages). */
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "common/rc.h"
#include "ingest_int.h"

static void cwe_any(struct ingest_finding *f, const json_t *cwe)
{
	size_t i;
	json_t *x;
	if (json_is_string(cwe))
		fnd_add_cwe(f, json_string_value(cwe));
	json_array_foreach(cwe, i, x)
		fnd_add_cwe(f, json_string_value(x));
}

static void npm_package(struct ingest_finding *f, const char *name, const char *version)
{
	fnd_set(&f->pkg_name, name);
	fnd_set(&f->version, version);
	f->purl = purl_from_type("npm", name, version);
	fnd_set(&f->file, "package-lock.json");
}

static int on_advisory(struct ictx *c, const json_t *a)
{
	struct ingest_finding *f = &c->f;
	size_t i;
	json_t *x;
	f->kind = INGEST_KIND_SCA;
	char *id = xasprintf("npm-%lld", jl(a, "id", 0));
	fnd_set(&f->rule_id, id);
	free(id);
	json_array_foreach(jg(a, "cves"), i, x)
		fnd_add_id(f, json_string_value(x));
	fnd_add_id(f, js(a, "github_advisory_id"));
	fnd_add_id(f, f->rule_id);
	fnd_set(&f->title, js(a, "title"));
	fnd_set(&f->description, js(a, "overview"));
	fnd_set(&f->tool_severity, js(a, "severity"));
	fnd_add_cvss(f, NULL, js(a, "cvss.vectorString"), jd(a, "cvss.score", -1), "npm");
	cwe_any(f, jg(a, "cwe"));
	npm_package(f, js(a, "module_name"), js(json_array_get(jg(a, "findings"), 0), "version"));
	fnd_set(&f->fixed_version, js(a, "patched_versions"));
	return ictx_emit(c);
}

static bool is_advisories_child(const char *path)
{
	return strncmp(path, "/advisories/", 12) == 0 && !strchr(path + 12, '/');
}

static int npm6_value(struct ictx *c, const char *path, json_t *v)
{
	if (!c->tool_name)
		ictx_set_tool(c, "npm audit", NULL);
	if (is_advisories_child(path))
		return on_advisory(c, v);
	if (strcmp(path, "/error") == 0)
		c->seen_marker = true; /* npm's own error report: no advisories */
	else if (!*path)
		return ictx_fail(c, FF_EINVAL, "not an npm audit report: the root is not an object");
	return FF_OK;
}

static int npm6_end(struct ictx *c, const char *path)
{
	if (strcmp(path, "/advisories") == 0)
		c->seen_marker = true;
	return FF_OK;
}

static int npm_finish(struct ictx *c)
{
	if (!c->seen_marker)
		return ictx_fail(c, FF_EINVAL, "not an npm audit report: no advisories or vulnerabilities");
	return FF_OK;
}

static const char *const npm6_stream[] = { "", "/advisories", NULL };

const struct jfmt ingest_npm6_fmt = {
	.stream = npm6_stream,
	.on_value = npm6_value,
	.on_end = npm6_end,
	.finish = npm_finish,
};

/* the GHSA id at the end of an advisory URL */
static void id_from_url(struct ingest_finding *f, const char *url)
{
	const char *p = url ? strstr(url, "GHSA-") : NULL;
	fnd_add_id(f, p);
}

static int on_vuln7(struct ictx *c, const json_t *v)
{
	struct ingest_finding *f = &c->f;
	size_t i;
	json_t *x;
	f->kind = INGEST_KIND_SCA;
	const char *name = js(v, "name");
	json_array_foreach(jg(v, "via"), i, x) {
		if (!json_is_object(x))
			continue;
		id_from_url(f, js(x, "url"));
		if (!f->title)
			fnd_set(&f->title, js(x, "title"));
		fnd_add_cvss(f, NULL, js(x, "cvss.vectorString"), jd(x, "cvss.score", -1), "npm");
		cwe_any(f, jg(x, "cwe"));
	}
	if (!f->title) {
		char *t = xasprintf("%s is vulnerable through its dependencies", name ? name : "package");
		fnd_set(&f->title, t);
		free(t);
	}
	char *rule = xasprintf("npm:%s", name ? name : "");
	fnd_set(&f->rule_id, rule);
	free(rule);
	fnd_set(&f->tool_severity, js(v, "severity"));
	npm_package(f, name, NULL);
	fnd_set(&f->description, js(v, "range"));
	if (json_is_object(jg(v, "fixAvailable")) && js(v, "fixAvailable.name") && name
		&& strcmp(js(v, "fixAvailable.name"), name) == 0)
		fnd_set(&f->fixed_version, js(v, "fixAvailable.version"));
	fnd_set(&f->target, js(json_array_get(jg(v, "nodes"), 0), ""));
	return ictx_emit(c);
}

static int npm7_value(struct ictx *c, const char *path, json_t *v)
{
	if (!c->tool_name)
		ictx_set_tool(c, "npm audit", NULL);
	if (strncmp(path, "/vulnerabilities/", 17) == 0 && !strchr(path + 17, '/'))
		return on_vuln7(c, v);
	if (strcmp(path, "/auditReportVersion") == 0)
		c->seen_marker = true;
	else if (!*path)
		return ictx_fail(c, FF_EINVAL, "not an npm audit report: the root is not an object");
	return FF_OK;
}

static const char *const npm7_stream[] = { "", "/vulnerabilities", NULL };

const struct jfmt ingest_npm7_fmt = {
	.stream = npm7_stream,
	.on_value = npm7_value,
	.finish = npm_finish,
};
