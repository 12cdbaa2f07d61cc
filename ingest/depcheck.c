/* ingest/depcheck.c - OWASP Dependency-Check JSON and XML: dependencies
 * with their package ids (purl) and vulnerabilities (name, severity,
 * cvssV2/cvssV3 scores, CWEs). Suppressed vulnerabilities are not
 * findings. One dependency element is held at a time. */
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "common/rc.h"
#include "ingest_int.h"

static int emit_common(struct ictx *c, const char *file, const char *purl)
{
	struct ingest_finding *f = &c->f;
	f->kind = INGEST_KIND_SCA;
	fnd_set(&f->file, file);
	fnd_set(&f->purl, purl);
	purl_split(f->purl, &f->pkg_name, &f->version);
	if (!f->pkg_name)
		fnd_set(&f->pkg_name, file);
	if (!f->title)
		fnd_set(&f->title, f->rule_id);
	return ictx_emit(c);
}

static int vuln_json(struct ictx *c, const json_t *dep, const json_t *v)
{
	struct ingest_finding *f = &c->f;
	size_t i;
	json_t *x;
	fnd_set(&f->rule_id, js(v, "name"));
	fnd_add_id(f, js(v, "name"));
	fnd_set(&f->tool_severity, js(v, "severity"));
	fnd_set(&f->description, js(v, "description"));
	json_array_foreach(jg(v, "cwes"), i, x)
		fnd_add_cwe(f, json_string_value(x));
	fnd_add_cvss(f, "2.0", js(v, "cvssv2.vectorString"), jd(v, "cvssv2.score", -1), js(v, "source"));
	fnd_add_cvss(f, "3.x", js(v, "cvssv3.vectorString"), jd(v, "cvssv3.baseScore", -1), js(v, "source"));
	return emit_common(c, js(dep, "filePath") ? js(dep, "filePath") : js(dep, "fileName"),
		js(json_array_get(jg(dep, "packages"), 0), "id"));
}

static int dc_value(struct ictx *c, const char *path, json_t *v)
{
	if (!c->tool_name)
		ictx_set_tool(c, "dependency-check", NULL);
	if (strcmp(path, "/dependencies/*") == 0) {
		size_t i;
		json_t *x;
		int rc = FF_OK;
		json_array_foreach(jg(v, "vulnerabilities"), i, x) {
			rc = vuln_json(c, v, x);
			if (rc != FF_OK)
				break;
		}
		return rc;
	}
	if (strcmp(path, "/scanInfo") == 0)
		ictx_set_tool(c, NULL, js(v, "engineVersion"));
	else if (strcmp(path, "/reportSchema") == 0)
		c->seen_marker = true;
	else if (!*path)
		return ictx_fail(c, FF_EINVAL, "not a Dependency-Check report: the root is not an object");
	return FF_OK;
}

static int dc_end(struct ictx *c, const char *path)
{
	if (strcmp(path, "/dependencies") == 0)
		c->seen_marker = true;
	return FF_OK;
}

static int dc_finish(struct ictx *c)
{
	if (!c->seen_marker)
		return ictx_fail(c, FF_EINVAL, "not a Dependency-Check report: no dependencies");
	return FF_OK;
}

static const char *const dc_stream[] = { "", "/dependencies", NULL };

const struct jfmt ingest_depcheck_fmt = {
	.stream = dc_stream,
	.on_value = dc_value,
	.on_end = dc_end,
	.finish = dc_finish,
};

/* ---- XML ---- */

static double xn_double(xmlNodePtr n, const char *name)
{
	char *t = xn_text(n, name);
	char *end = NULL;
	double d = t ? strtod(t, &end) : -1;
	if (t && end == t)
		d = -1;
	xmlFree(t);
	return d;
}

static void xn_set(char **slot, xmlNodePtr n, const char *name)
{
	char *t = xn_text(n, name);
	fnd_set(slot, t);
	xmlFree(t);
}

static int vuln_xml(struct ictx *c, xmlNodePtr dep, xmlNodePtr v)
{
	struct ingest_finding *f = &c->f;
	xn_set(&f->rule_id, v, "name");
	fnd_add_id(f, f->rule_id);
	xn_set(&f->tool_severity, v, "severity");
	xn_set(&f->description, v, "description");
	char *cwe = xn_text(v, "cwe");
	fnd_add_cwe(f, cwe);
	xmlFree(cwe);
	for (xmlNodePtr w = xn_child(xn_child(v, "cwes"), "cwe"); w; w = w->next) {
		char *t = w->type == XML_ELEMENT_NODE ? xn_text(w, NULL) : NULL;
		fnd_add_cwe(f, t);
		xmlFree(t);
	}
	double s2 = xn_double(xn_child(v, "cvssV2"), "score");
	if (s2 < 0)
		s2 = xn_double(v, "cvssScore");
	fnd_add_cvss(f, "2.0", NULL, s2, NULL);
	fnd_add_cvss(f, "3.x", NULL, xn_double(xn_child(v, "cvssV3"), "baseScore"), NULL);
	char *file = xn_text(dep, "filePath"), *purl = NULL;
	xmlNodePtr pkg = xn_child(xn_child(dep, "identifiers"), "package");
	purl = xn_text(pkg, "id");
	if (!file)
		file = xn_text(dep, "fileName");
	int rc = emit_common(c, file, purl);
	xmlFree(file);
	xmlFree(purl);
	return rc;
}

static int dep_xml(struct ictx *c, xmlNodePtr dep)
{
	int rc = FF_OK;
	for (xmlNodePtr v = xn_child(xn_child(dep, "vulnerabilities"), "vulnerability"); v && rc == FF_OK;
		v = v->next)
		if (v->type == XML_ELEMENT_NODE && strcmp(xn_name(v), "vulnerability") == 0)
			rc = vuln_xml(c, dep, v);
	return rc;
}

static int dc_xml_element(struct ictx *c, xmlTextReaderPtr r, const char *name, int depth, bool *skip)
{
	if (!c->tool_name)
		ictx_set_tool(c, "dependency-check", NULL);
	if (depth == 0) {
		if (strcmp(name, "analysis") != 0)
			return ictx_fail(c, FF_EINVAL, "not a Dependency-Check report: root element <%s>", name);
		c->seen_marker = true;
		return FF_OK;
	}
	if (strcmp(name, "engineVersion") == 0) {
		xmlNodePtr n = xmlTextReaderExpand(r);
		char *t = n ? xn_text(n, NULL) : NULL;
		ictx_set_tool(c, NULL, t);
		xmlFree(t);
		*skip = true;
		return FF_OK;
	}
	if (strcmp(name, "dependency") != 0 || depth != 2)
		return FF_OK;
	xmlNodePtr n = xmlTextReaderExpand(r);
	if (!n)
		return ictx_fail(c, FF_EINVAL, "invalid XML in <dependency>");
	*skip = true;
	return dep_xml(c, n);
}

static int dc_xml_finish(struct ictx *c)
{
	if (!c->seen_marker)
		return ictx_fail(c, FF_EINVAL, "not a Dependency-Check report");
	return FF_OK;
}

const struct xfmt ingest_depcheck_xml_fmt = {
	.on_element = dc_xml_element,
	.finish = dc_xml_finish,
};
