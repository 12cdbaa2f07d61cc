/* ingest/osv.c - OSV-Scanner JSON: results (one per scanned source) with
 * packages and their vulnerabilities (id, aliases, severity vectors,
 * database_specific severity and CWEs, the first fixed version). */
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "common/rc.h"
#include "ingest_int.h"

struct osv_st {
	char *source;
};

static struct osv_st *st_of(struct ictx *c)
{
	if (!c->st)
		c->st = xcalloc(1, sizeof(struct osv_st));
	return c->st;
}

static void osv_free(struct ictx *c)
{
	struct osv_st *s = c->st;
	if (!s)
		return;
	free(s->source);
	free(s);
	c->st = NULL;
}

static const char *first_fixed(const json_t *v)
{
	size_t i, j, k;
	json_t *a, *r, *e;
	json_array_foreach(jg(v, "affected"), i, a) {
		json_array_foreach(jg(a, "ranges"), j, r) {
			json_array_foreach(jg(r, "events"), k, e) {
				if (js(e, "fixed"))
					return js(e, "fixed");
			}
		}
	}
	return NULL;
}

static int on_vuln(struct ictx *c, const json_t *pkg, const json_t *v)
{
	struct ingest_finding *f = &c->f;
	size_t i;
	json_t *x;
	f->kind = INGEST_KIND_SCA;
	fnd_set(&f->rule_id, js(v, "id"));
	fnd_add_id(f, js(v, "id"));
	json_array_foreach(jg(v, "aliases"), i, x)
		fnd_add_id(f, json_string_value(x));
	fnd_set(&f->title, js(v, "summary"));
	fnd_set(&f->description, js(v, "details"));
	json_array_foreach(jg(v, "severity"), i, x)
		fnd_add_cvss(f, NULL, js(x, "score"), -1, js(x, "type"));
	fnd_set(&f->tool_severity, js(v, "database_specific.severity"));
	json_array_foreach(jg(v, "database_specific.cwe_ids"), i, x)
		fnd_add_cwe(f, json_string_value(x));
	const char *name = js(pkg, "package.name"), *ver = js(pkg, "package.version");
	fnd_set(&f->pkg_name, name);
	fnd_set(&f->version, ver);
	fnd_set(&f->fixed_version, first_fixed(v));
	f->purl = purl_from_type(js(pkg, "package.ecosystem"), name, ver);
	fnd_set(&f->target, st_of(c)->source);
	fnd_set(&f->file, st_of(c)->source);
	return ictx_emit(c);
}

static int osv_value(struct ictx *c, const char *path, json_t *v)
{
	if (!c->tool_name)
		ictx_set_tool(c, "osv-scanner", NULL);
	if (strcmp(path, "/results/*/packages/*") == 0) {
		size_t i;
		json_t *x;
		int rc = FF_OK;
		json_array_foreach(jg(v, "vulnerabilities"), i, x) {
			rc = on_vuln(c, v, x);
			if (rc != FF_OK)
				break;
		}
		return rc;
	}
	if (strcmp(path, "/results/*/source") == 0)
		fnd_set(&st_of(c)->source, js(v, "path"));
	else if (!*path)
		return ictx_fail(c, FF_EINVAL, "not an OSV-Scanner report: the root is not an object");
	return FF_OK;
}

static int osv_end(struct ictx *c, const char *path)
{
	if (strcmp(path, "/results") == 0)
		c->seen_marker = true;
	return FF_OK;
}

static int osv_finish(struct ictx *c)
{
	if (!c->seen_marker)
		return ictx_fail(c, FF_EINVAL, "not an OSV-Scanner report: no results");
	ictx_set_tool(c, "osv-scanner", NULL);
	return FF_OK;
}

static const char *const osv_stream[] = { "", "/results", "/results/*", "/results/*/packages", NULL };

const struct jfmt ingest_osv_fmt = {
	.stream = osv_stream,
	.on_value = osv_value,
	.on_end = osv_end,
	.finish = osv_finish,
	.state_free = osv_free,
};
