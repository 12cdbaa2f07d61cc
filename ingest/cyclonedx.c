/* ingest/cyclonedx.c - CycloneDX 1.4-1.6 JSON and XML (also the 1.x XML
 * vulnerability extension): vulnerabilities with ids and references
 * (aliases), ratings (severity, CVSS vectors), CWEs, affects resolved to
 * components (by bom-ref or purl, nested components too) and the VEX
 * analysis. One finding per vulnerability; its package is the first
 * affected component. Components are remembered by bom-ref only (name,
 * version, purl), so memory grows with the SBOM's component count, which
 * the result limit bounds. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/mem.h"
#include "common/rc.h"
#include "ingest_int.h"

struct cdx_st {
	json_t *comps; /* bom-ref -> {name, version, purl} */
	json_t *last;  /* XML: the enclosing component */
	size_t n_comps;
};

static struct cdx_st *st_of(struct ictx *c)
{
	struct cdx_st *s = c->st;
	if (!s) {
		s = xcalloc(1, sizeof(*s));
		s->comps = json_object();
		c->st = s;
	}
	return s;
}

static void cdx_free(struct ictx *c)
{
	struct cdx_st *s = c->st;
	if (!s)
		return;
	json_decref(s->comps);
	json_decref(s->last);
	free(s);
	c->st = NULL;
}

static json_t *comp_new(const char *name, const char *group, const char *version, const char *purl)
{
	json_t *o = json_object();
	char *full = group && *group ? xasprintf("%s:%s", group, name ? name : "") : xstrdup(name ? name : "");
	json_object_set_new(o, "name", json_string(full));
	free(full);
	if (version)
		json_object_set_new(o, "version", json_string(version));
	if (purl)
		json_object_set_new(o, "purl", json_string(purl));
	return o;
}

static int comp_add(struct ictx *c, const char *ref, const char *purl, json_t *o)
{
	struct cdx_st *s = st_of(c);
	if (++s->n_comps > c->lim.max_results) {
		json_decref(o);
		return ictx_fail(c, FF_ETOOBIG, "more than %zu components", c->lim.max_results);
	}
	if (ref)
		json_object_set(s->comps, ref, o);
	if (purl && (!ref || strcmp(ref, purl) != 0))
		json_object_set(s->comps, purl, o);
	json_decref(o);
	return FF_OK;
}

static int comp_json(struct ictx *c, const json_t *v)
{
	const char *purl = js(v, "purl");
	int rc = comp_add(c, js(v, "bom-ref"), purl, comp_new(js(v, "name"), js(v, "group"), js(v, "version"), purl));
	size_t i;
	json_t *x;
	json_array_foreach(jg(v, "components"), i, x) {
		if (rc == FF_OK)
			rc = comp_json(c, x);
	}
	return rc;
}

/* the package of an affects ref: a known component, else a purl ref */
static void set_package(struct ictx *c, const char *ref)
{
	struct ingest_finding *f = &c->f;
	if (!ref)
		return;
	/* a BOM-link "urn:cdx:serial/version#bom-ref" names a component of another BOM */
	const char *hash = strncmp(ref, "urn:cdx:", 8) == 0 ? strchr(ref, '#') : NULL;
	const char *key = hash ? hash + 1 : ref;
	json_t *comp = json_object_get(st_of(c)->comps, key);
	if (comp) {
		fnd_set(&f->pkg_name, js(comp, "name"));
		fnd_set(&f->version, js(comp, "version"));
		fnd_set(&f->purl, js(comp, "purl"));
	}
	if (!f->purl && strncmp(key, "pkg:", 4) == 0)
		fnd_set(&f->purl, key);
	purl_split(f->purl, &f->pkg_name, &f->version);
}

static const char *method_version(const char *m)
{
	if (!m)
		return NULL;
	if (strcasecmp(m, "CVSSv2") == 0)
		return "2.0";
	if (strcasecmp(m, "CVSSv3") == 0)
		return "3.0";
	if (strcasecmp(m, "CVSSv31") == 0)
		return "3.1";
	if (strcasecmp(m, "CVSSv4") == 0)
		return "4.0";
	return NULL;
}

static void rating(struct ingest_finding *f, const char *sev, double score, const char *method, const char *vector,
	const char *source)
{
	if (sev && !f->tool_severity)
		fnd_set(&f->tool_severity, sev);
	const char *ver = method_version(method);
	if (ver || cvss_version_of(vector))
		fnd_add_cvss(f, cvss_version_of(vector) ? cvss_version_of(vector) : ver, vector, score, source);
	else if (!sev && score >= 0 && !f->tool_severity)
		fnd_set(&f->tool_severity, fnd_severity_score(score));
}

static void vuln_common(struct ictx *c)
{
	struct ingest_finding *f = &c->f;
	f->kind = INGEST_KIND_SCA;
	if (!f->title)
		fnd_set(&f->title, f->primary_id ? f->primary_id : f->rule_id);
	if (f->vex_state)
		for (char *p = f->vex_state; *p; p++)
			*p = (*p == '-') ? '_' : *p;
}

static int vuln_json(struct ictx *c, const json_t *v)
{
	struct ingest_finding *f = &c->f;
	size_t i;
	json_t *x;
	fnd_set(&f->rule_id, js(v, "id"));
	fnd_add_id(f, js(v, "id"));
	json_array_foreach(jg(v, "references"), i, x)
		fnd_add_id(f, js(x, "id"));
	json_array_foreach(jg(v, "ratings"), i, x)
		rating(f, js(x, "severity"), jd(x, "score", -1), js(x, "method"), js(x, "vector"), js(x, "source.name"));
	json_array_foreach(jg(v, "cwes"), i, x)
		fnd_add_cwe_num(f, json_integer_value(x));
	fnd_set(&f->description, js(v, "description"));
	if (!f->description)
		fnd_set(&f->description, js(v, "detail"));
	set_package(c, js(json_array_get(jg(v, "affects"), 0), "ref"));
	fnd_set(&f->vex_state, js(v, "analysis.state"));
	fnd_set(&f->vex_justification, js(v, "analysis.justification"));
	vuln_common(c);
	return ictx_emit(c);
}

static int cdx_value(struct ictx *c, const char *path, json_t *v)
{
	if (strcmp(path, "/vulnerabilities/*") == 0)
		return vuln_json(c, v);
	if (strcmp(path, "/components/*") == 0)
		return comp_json(c, v);
	if (strcmp(path, "/metadata") == 0) {
		json_t *comp = jg(v, "component");
		json_t *tool = json_array_get(jg(v, "tools"), 0);
		if (!tool)
			tool = json_array_get(jg(v, "tools.components"), 0);
		ictx_set_tool(c, js(tool, "name"), js(tool, "version"));
		return comp ? comp_json(c, comp) : FF_OK;
	}
	if (strcmp(path, "/bomFormat") == 0)
		c->seen_marker = true;
	else if (!*path)
		return ictx_fail(c, FF_EINVAL, "not a CycloneDX document: the root is not an object");
	return FF_OK;
}

static int cdx_finish(struct ictx *c)
{
	if (!c->seen_marker)
		return ictx_fail(c, FF_EINVAL, "not a CycloneDX document: no bomFormat");
	return FF_OK;
}

static const char *const cdx_stream[] = { "", "/components", "/vulnerabilities", NULL };

const struct jfmt ingest_cdx_fmt = {
	.stream = cdx_stream,
	.on_value = cdx_value,
	.finish = cdx_finish,
	.state_free = cdx_free,
};

/* ---- XML ---- */

static double xn_score(xmlNodePtr rating)
{
	xmlNodePtr sn = xn_child(rating, "score");
	if (!sn)
		return -1;
	char *t = xn_child(sn, "base") ? xn_text(sn, "base") : xn_text(sn, NULL);
	char *end = NULL;
	double d = t ? strtod(t, &end) : -1;
	if (t && end == t)
		d = -1;
	xmlFree(t);
	return d;
}

static void xn_ratings(struct ingest_finding *f, xmlNodePtr v)
{
	for (xmlNodePtr r = xn_child(xn_child(v, "ratings"), "rating"); r; r = r->next) {
		if (r->type != XML_ELEMENT_NODE)
			continue;
		char *sev = xn_text(r, "severity"), *m = xn_text(r, "method"), *vec = xn_text(r, "vector");
		char *src = (char *)xmlGetProp(xn_child(r, "source"), (const xmlChar *)"name");
		if (!src)
			src = xn_text(xn_child(r, "source"), "name");
		rating(f, sev, xn_score(r), m, vec, src);
		xmlFree(sev);
		xmlFree(m);
		xmlFree(vec);
		xmlFree(src);
	}
}

static void xn_set(char **slot, xmlNodePtr n, const char *name)
{
	char *t = xn_text(n, name);
	fnd_set(slot, t);
	xmlFree(t);
}

static int vuln_xml(struct ictx *c, xmlNodePtr v)
{
	struct ingest_finding *f = &c->f;
	xn_set(&f->rule_id, v, "id");
	fnd_add_id(f, f->rule_id);
	for (xmlNodePtr r = xn_child(xn_child(v, "references"), "reference"); r; r = r->next) {
		char *id = r->type == XML_ELEMENT_NODE ? xn_text(r, "id") : NULL;
		fnd_add_id(f, id);
		xmlFree(id);
	}
	xn_ratings(f, v);
	for (xmlNodePtr w = xn_child(xn_child(v, "cwes"), "cwe"); w; w = w->next) {
		char *t = w->type == XML_ELEMENT_NODE ? xn_text(w, NULL) : NULL;
		fnd_add_cwe(f, t);
		xmlFree(t);
	}
	xn_set(&f->description, v, "description");
	xmlNodePtr an = xn_child(v, "analysis");
	xn_set(&f->vex_state, an, "state");
	xn_set(&f->vex_justification, an, "justification");
	char *ref = (char *)xmlGetProp(v, (const xmlChar *)"ref");
	if (!ref)
		ref = xn_text(xn_child(xn_child(v, "affects"), "target"), "ref");
	set_package(c, ref);
	json_t *last = st_of(c)->last;
	if (!f->version && last) {
		fnd_set(&f->pkg_name, js(last, "name"));
		fnd_set(&f->version, js(last, "version"));
		fnd_set(&f->purl, js(last, "purl"));
	}
	xmlFree(ref);
	vuln_common(c);
	return ictx_emit(c);
}

static int comp_xml(struct ictx *c, xmlNodePtr n)
{
	char *name = xn_text(n, "name"), *group = xn_text(n, "group"), *ver = xn_text(n, "version");
	char *purl = xn_text(n, "purl");
	char *ref = (char *)xmlGetProp(n, (const xmlChar *)"bom-ref");
	struct cdx_st *s = st_of(c);
	json_t *o = comp_new(name, group, ver, purl);
	json_decref(s->last);
	s->last = json_incref(o);
	int rc = comp_add(c, ref, purl, o);
	xmlFree(name);
	xmlFree(group);
	xmlFree(ver);
	xmlFree(purl);
	xmlFree(ref);
	return rc;
}

static int cdx_xml_element(struct ictx *c, xmlTextReaderPtr r, const char *name, int depth, bool *skip)
{
	if (depth == 0) {
		if (strcmp(name, "bom") != 0)
			return ictx_fail(c, FF_EINVAL, "not a CycloneDX document: root element <%s>", name);
		c->seen_marker = true;
		return FF_OK;
	}
	if (strcmp(name, "component") != 0 && strcmp(name, "vulnerability") != 0)
		return FF_OK;
	xmlNodePtr n = xmlTextReaderExpand(r);
	if (!n)
		return ictx_fail(c, FF_EINVAL, "invalid XML in <%s>", name);
	if (strcmp(name, "component") == 0)
		return comp_xml(c, n);
	*skip = true;
	return vuln_xml(c, n);
}

static int cdx_xml_finish(struct ictx *c)
{
	if (!c->seen_marker)
		return ictx_fail(c, FF_EINVAL, "not a CycloneDX document");
	return FF_OK;
}

const struct xfmt ingest_cdx_xml_fmt = {
	.on_element = cdx_xml_element,
	.finish = cdx_xml_finish,
	.state_free = cdx_free,
};
