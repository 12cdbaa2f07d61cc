/* ingest/trivy.c - Trivy JSON: schema 2 (fs, image, repo, sbom) with
 * Vulnerabilities, Misconfigurations, Secrets and Licenses per result; the
 * legacy top-level array; the k8s reports (ClusterName with
 * Vulnerabilities/Misconfigurations lists of resources, or Resources). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/mem.h"
#include "common/rc.h"
#include "ingest_int.h"

struct trivy_st {
	char *artifact;
	char *artifact_type;
	char *resource; /* k8s "namespace/Kind/name" */
	char *ns, *kind, *name;
	char *target;
	char *type;
	char *class_;
};

static struct trivy_st *st_of(struct ictx *c)
{
	if (!c->st)
		c->st = xcalloc(1, sizeof(struct trivy_st));
	return c->st;
}

static void clear(char **p)
{
	free(*p);
	*p = NULL;
}

static void trivy_free(struct ictx *c)
{
	struct trivy_st *s = c->st;
	if (!s)
		return;
	char **all[] = { &s->artifact, &s->artifact_type, &s->resource, &s->ns, &s->kind, &s->name,
		&s->target, &s->type, &s->class_ };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		clear(all[i]);
	free(s);
	c->st = NULL;
}

static bool ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n >= m && strcmp(s + n - m, suf) == 0;
}

static void common(struct ictx *c, const json_t *v)
{
	struct trivy_st *s = st_of(c);
	struct ingest_finding *f = &c->f;
	if (s->resource && s->target) {
		char *t = xasprintf("%s:%s", s->resource, s->target);
		fnd_set(&f->target, t);
		free(t);
	} else {
		fnd_set(&f->target, s->resource ? s->resource : s->target);
	}
	if (s->artifact_type && strstr(s->artifact_type, "image"))
		fnd_set(&f->image, s->artifact);
	fnd_set(&f->title, js(v, "Title"));
	fnd_set(&f->description, js(v, "Description"));
	fnd_set(&f->tool_severity, js(v, "Severity"));
}

static void cvss_map(struct ingest_finding *f, const json_t *m)
{
	const char *src;
	json_t *e;
	json_object_foreach((json_t *)m, src, e) {
		fnd_add_cvss(f, "2.0", js(e, "V2Vector"), jd(e, "V2Score", -1), src);
		fnd_add_cvss(f, NULL, js(e, "V3Vector"), jd(e, "V3Score", -1), src);
		fnd_add_cvss(f, "4.0", js(e, "V40Vector"), jd(e, "V40Score", -1), src);
	}
}

static int on_vuln(struct ictx *c, const json_t *v)
{
	struct trivy_st *s = st_of(c);
	struct ingest_finding *f = &c->f;
	bool os = (s->class_ && strcmp(s->class_, "os-pkgs") == 0)
		|| (s->artifact_type && strstr(s->artifact_type, "image")) || s->resource;
	f->kind = os ? INGEST_KIND_CONTAINER : INGEST_KIND_SCA;
	common(c, v);
	const char *id = js(v, "VulnerabilityID");
	fnd_set(&f->rule_id, id);
	fnd_add_id(f, id);
	size_t i;
	json_t *x;
	json_array_foreach(jg(v, "VendorIDs"), i, x)
		fnd_add_id(f, json_string_value(x));
	fnd_set(&f->pkg_name, js(v, "PkgName"));
	fnd_set(&f->version, js(v, "InstalledVersion"));
	fnd_set(&f->fixed_version, js(v, "FixedVersion"));
	fnd_set(&f->purl, js(v, "PkgIdentifier.PURL"));
	if (!f->purl)
		f->purl = purl_from_type(s->type, f->pkg_name, f->version);
	fnd_set(&f->layer, js(v, "Layer.DiffID"));
	if (!f->layer)
		fnd_set(&f->layer, js(v, "Layer.Digest"));
	fnd_set(&f->file, js(v, "PkgPath"));
	json_array_foreach(jg(v, "CweIDs"), i, x)
		fnd_add_cwe(f, json_string_value(x));
	cvss_map(f, jg(v, "CVSS"));
	if (!f->title)
		fnd_set(&f->title, id);
	return ictx_emit(c);
}

static int on_misconf(struct ictx *c, const json_t *v)
{
	struct ingest_finding *f = &c->f;
	f->kind = INGEST_KIND_IAC;
	common(c, v);
	fnd_set(&f->rule_id, js(v, "ID"));
	if (!f->rule_id)
		fnd_set(&f->rule_id, js(v, "AVDID"));
	fnd_set(&f->file, f->target); /* k8s: prefixed with the resource */
	f->start_line = jl(v, "CauseMetadata.StartLine", 0);
	f->end_line = jl(v, "CauseMetadata.EndLine", 0);
	if (js(v, "Message"))
		fnd_set(&f->description, js(v, "Message"));
	/* identity: the check and the resource it names, not the line */
	const char *res = js(v, "CauseMetadata.Resource");
	fnd_set(&f->snippet, res ? res : js(v, "Message"));
	return ictx_emit(c);
}

static int on_secret(struct ictx *c, const json_t *v)
{
	struct ingest_finding *f = &c->f;
	f->kind = INGEST_KIND_SECRET;
	common(c, v);
	fnd_set(&f->rule_id, js(v, "RuleID"));
	fnd_set(&f->file, st_of(c)->target);
	f->start_line = jl(v, "StartLine", 0);
	f->end_line = jl(v, "EndLine", 0);
	fnd_set(&f->secret, js(v, "Match"));
	return ictx_emit(c);
}

static int on_license(struct ictx *c, const json_t *v)
{
	struct ingest_finding *f = &c->f;
	f->kind = INGEST_KIND_OTHER;
	common(c, v);
	char *rule = xasprintf("license:%s", js(v, "Name") ? js(v, "Name") : "unknown");
	fnd_set(&f->rule_id, rule);
	free(rule);
	fnd_set(&f->title, js(v, "Name"));
	fnd_set(&f->pkg_name, js(v, "PkgName"));
	fnd_set(&f->file, js(v, "FilePath"));
	fnd_set(&f->snippet, js(v, "PkgName"));
	return ictx_emit(c);
}

struct handler {
	const char *suffix;
	int (*fn)(struct ictx *c, const json_t *v);
};

static const struct handler handlers[] = {
	{ "/Vulnerabilities/*", on_vuln },
	{ "/Misconfigurations/*", on_misconf },
	{ "/Secrets/*", on_secret },
	{ "/Licenses/*", on_license },
};

/* scalar context: which field of which level */
static void context(struct ictx *c, const char *path, const json_t *v)
{
	struct trivy_st *s = st_of(c);
	const char *val = json_string_value(v);
	if (strcmp(path, "/ArtifactName") == 0)
		fnd_set(&s->artifact, val);
	else if (strcmp(path, "/ArtifactType") == 0)
		fnd_set(&s->artifact_type, val);
	else if (ends_with(path, "/Target"))
		fnd_set(&s->target, val);
	else if (ends_with(path, "/Type"))
		fnd_set(&s->type, val);
	else if (ends_with(path, "/Class"))
		fnd_set(&s->class_, val);
	else if (ends_with(path, "/*/Namespace"))
		fnd_set(&s->ns, val);
	else if (ends_with(path, "/*/Kind"))
		fnd_set(&s->kind, val);
	else if (ends_with(path, "/*/Name"))
		fnd_set(&s->name, val);
	else if (strcmp(path, "/Trivy") == 0)
		ictx_set_tool(c, NULL, js(v, "Version"));
	if (ends_with(path, "/*/Name") && s->kind) {
		clear(&s->resource);
		s->resource = xasprintf("%s/%s/%s", s->ns ? s->ns : "", s->kind, s->name ? s->name : "");
	}
}

static int trivy_value(struct ictx *c, const char *path, json_t *v)
{
	if (!c->tool_name)
		ictx_set_tool(c, "trivy", NULL);
	if (!*path) {
		if (json_is_null(v)) {
			c->seen_marker = true; /* legacy empty report */
			return FF_OK;
		}
		return ictx_fail(c, FF_EINVAL, "not a Trivy report");
	}
	for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++)
		if (ends_with(path, handlers[i].suffix)) {
			c->seen_marker = true;
			return handlers[i].fn(c, v);
		}
	if (strcmp(path, "/SchemaVersion") == 0 || strcmp(path, "/ClusterName") == 0 || ends_with(path, "/Target"))
		c->seen_marker = true;
	context(c, path, v);
	return FF_OK;
}

static int trivy_end(struct ictx *c, const char *path)
{
	struct trivy_st *s = st_of(c);
	if (ends_with(path, "/Results/*") || strcmp(path, "/*") == 0) {
		clear(&s->target);
		clear(&s->type);
		clear(&s->class_);
	}
	if (!ends_with(path, "/Results/*") && strncmp(path, "/", 1) == 0 && strchr(path + 1, '/')
		&& ends_with(path, "/*") && !strchr(strchr(path + 1, '/') + 1, '/')) {
		clear(&s->resource); /* the end of a k8s resource, "/X/N" with N an index */
		clear(&s->ns);
		clear(&s->kind);
		clear(&s->name);
	}
	return FF_OK;
}

static int trivy_finish(struct ictx *c)
{
	if (!c->seen_marker)
		return ictx_fail(c, FF_EINVAL, "not a Trivy report: no SchemaVersion, Results or Target");
	if (!c->tool_name)
		ictx_set_tool(c, "trivy", NULL);
	return FF_OK;
}

static const char *const trivy_stream[] = {
	"", "/*", "/*/*", "/*/Vulnerabilities", "/*/Misconfigurations", "/*/Secrets", "/*/Licenses",
	"/*/*/Vulnerabilities", "/*/*/Misconfigurations", "/*/*/Secrets", "/*/*/Licenses",
	"/*/*/Results", "/*/*/Results/*", "/*/*/Results/*/Vulnerabilities", "/*/*/Results/*/Misconfigurations",
	"/*/*/Results/*/Secrets", "/*/*/Results/*/Licenses", NULL,
};

const struct jfmt ingest_trivy_fmt = {
	.stream = trivy_stream,
	.on_value = trivy_value,
	.on_end = trivy_end,
	.finish = trivy_finish,
	.state_free = trivy_free,
};
