/* ingest/grype.c - Grype JSON: matches with the vulnerability, related
 * vulnerabilities (aliases), CVSS (both the cvss[] list and the older
 * cvssV2/cvssV3 blocks), fix versions and the artifact (purl, locations). */
#include <string.h>

#include "common/rc.h"
#include "ingest_int.h"

static void cvss_list(struct ingest_finding *f, const json_t *v)
{
	size_t i;
	json_t *x;
	json_array_foreach(jg(v, "cvss"), i, x) {
		const char *ver = js(x, "version");
		fnd_add_cvss(f, cvss_version_of(js(x, "vector")) ? NULL : ver, js(x, "vector"),
			jd(x, "metrics.baseScore", -1), js(x, "source"));
	}
	fnd_add_cvss(f, "2.0", js(v, "cvssV2.vector"), jd(v, "cvssV2.baseScore", -1), NULL);
	fnd_add_cvss(f, NULL, js(v, "cvssV3.vector"), jd(v, "cvssV3.baseScore", -1), NULL);
}

static int on_match(struct ictx *c, const json_t *m)
{
	struct ingest_finding *f = &c->f;
	json_t *v = jg(m, "vulnerability"), *a = jg(m, "artifact");
	size_t i;
	json_t *x;
	f->kind = INGEST_KIND_SCA;
	fnd_set(&f->rule_id, js(v, "id"));
	fnd_add_id(f, js(v, "id"));
	json_array_foreach(jg(m, "relatedVulnerabilities"), i, x) {
		fnd_add_id(f, js(x, "id"));
		if (!f->description)
			fnd_set(&f->description, js(x, "description"));
		cvss_list(f, x);
	}
	fnd_set(&f->description, js(v, "description"));
	fnd_set(&f->tool_severity, js(v, "severity"));
	cvss_list(f, v);
	json_t *fixes = jg(v, "fix.versions");
	fnd_set(&f->fixed_version, json_string_value(json_array_get(fixes, 0)));
	fnd_set(&f->pkg_name, js(a, "name"));
	fnd_set(&f->version, js(a, "version"));
	fnd_set(&f->purl, js(a, "purl"));
	if (!f->purl)
		f->purl = purl_from_type(js(a, "type"), f->pkg_name, f->version);
	json_t *loc = json_array_get(jg(a, "locations"), 0);
	fnd_set(&f->file, js(loc, "path"));
	fnd_set(&f->layer, js(loc, "layerID"));
	fnd_set(&f->title, js(v, "id"));
	return ictx_emit(c);
}

static int grype_value(struct ictx *c, const char *path, json_t *v)
{
	if (!c->tool_name)
		ictx_set_tool(c, "grype", NULL);
	if (strcmp(path, "/matches/*") == 0)
		return on_match(c, v);
	if (strcmp(path, "/descriptor") == 0)
		ictx_set_tool(c, js(v, "name"), js(v, "version"));
	else if (!*path)
		return ictx_fail(c, FF_EINVAL, "not a Grype report: the root is not an object");
	return FF_OK;
}

static int grype_end(struct ictx *c, const char *path)
{
	if (strcmp(path, "/matches") == 0)
		c->seen_marker = true;
	return FF_OK;
}

static int grype_finish(struct ictx *c)
{
	if (!c->seen_marker)
		return ictx_fail(c, FF_EINVAL, "not a Grype report: no matches");
	if (!c->tool_name)
		ictx_set_tool(c, "grype", NULL);
	return FF_OK;
}

static const char *const grype_stream[] = { "", "/matches", NULL };

const struct jfmt ingest_grype_fmt = {
	.stream = grype_stream,
	.on_value = grype_value,
	.on_end = grype_end,
	.finish = grype_finish,
};
