/* ingest/ingest.c - one report in: detection, dispatch to the parser of
 * its format, limits, positioned errors. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/crypto.h"
#include "common/rc.h"
#include "ingest_int.h"

#define PEEK_BYTES 65536

struct fmt_entry {
	const char *name;
	const struct jfmt *json;
	const struct xfmt *xml;
};

static const struct fmt_entry formats[INGEST_FMT_COUNT_] = {
	[INGEST_FMT_UNKNOWN] = { "unknown", NULL, NULL },
	[INGEST_FMT_SARIF] = { "sarif", &ingest_sarif_fmt, NULL },
	[INGEST_FMT_TRIVY] = { "trivy", &ingest_trivy_fmt, NULL },
	[INGEST_FMT_CYCLONEDX] = { "cyclonedx", &ingest_cdx_fmt, NULL },
	[INGEST_FMT_CYCLONEDX_XML] = { "cyclonedx-xml", NULL, &ingest_cdx_xml_fmt },
	[INGEST_FMT_GRYPE] = { "grype", &ingest_grype_fmt, NULL },
	[INGEST_FMT_OSV] = { "osv", &ingest_osv_fmt, NULL },
	[INGEST_FMT_NPM_AUDIT] = { "npm-audit", &ingest_npm6_fmt, NULL },
	[INGEST_FMT_NPM_AUDIT7] = { "npm-audit-7", &ingest_npm7_fmt, NULL },
	[INGEST_FMT_GITLEAKS] = { "gitleaks", &ingest_gitleaks_fmt, NULL },
	[INGEST_FMT_SEMGREP] = { "semgrep", &ingest_semgrep_fmt, NULL },
	[INGEST_FMT_DEPCHECK] = { "dependency-check", &ingest_depcheck_fmt, NULL },
	[INGEST_FMT_DEPCHECK_XML] = { "dependency-check-xml", NULL, &ingest_depcheck_xml_fmt },
};

const char *ingest_format_name(enum ingest_format f)
{
	if ((unsigned)f >= INGEST_FMT_COUNT_)
		return "unknown";
	return formats[f].name;
}

enum ingest_format ingest_format_parse(const char *name)
{
	if (!name)
		return INGEST_FMT_UNKNOWN;
	for (int i = 1; i < INGEST_FMT_COUNT_; i++)
		if (strcasecmp(formats[i].name, name) == 0)
			return (enum ingest_format)i;
	if (strcasecmp(name, "npm") == 0 || strcasecmp(name, "npm-audit-6") == 0)
		return INGEST_FMT_NPM_AUDIT;
	if (strcasecmp(name, "osv-scanner") == 0)
		return INGEST_FMT_OSV;
	if (strcasecmp(name, "depcheck") == 0)
		return INGEST_FMT_DEPCHECK;
	return INGEST_FMT_UNKNOWN;
}

void ingest_limits_default(struct ingest_limits *l)
{
	l->max_doc = 1024UL * 1024 * 1024;
	l->max_depth = 128;
	l->max_string = 4UL * 1024 * 1024;
	l->max_results = 2000000;
}

static void limits_fill(struct ingest_limits *out, const struct ingest_limits *in)
{
	struct ingest_limits d;
	ingest_limits_default(&d);
	out->max_doc = in->max_doc ? in->max_doc : d.max_doc;
	out->max_depth = in->max_depth ? in->max_depth : d.max_depth;
	out->max_string = in->max_string ? in->max_string : d.max_string;
	out->max_results = in->max_results ? in->max_results : d.max_results;
}

void ingest_error_format(const struct ingest_error *e, char *out, size_t outlen)
{
	int n = snprintf(out, outlen, "%s", e->msg[0] ? e->msg : ff_rc_str(e->rc));
	if (n < 0 || (size_t)n >= outlen)
		return;
	if (e->line)
		n += snprintf(out + n, outlen - (size_t)n, " at line %lu, column %lu", e->line, e->col);
	if (n < 0 || (size_t)n >= outlen)
		return;
	n += snprintf(out + n, outlen - (size_t)n, " (byte %llu%s%s)", e->offset,
		e->pointer[0] ? ", pointer " : "", e->pointer);
}

/* the encoding variant of a declared format follows the content */
static enum ingest_format same_family(enum ingest_format declared, enum ingest_format seen)
{
	if (declared == INGEST_FMT_CYCLONEDX && seen == INGEST_FMT_CYCLONEDX_XML)
		return seen;
	if (declared == INGEST_FMT_DEPCHECK && seen == INGEST_FMT_DEPCHECK_XML)
		return seen;
	if (declared == INGEST_FMT_NPM_AUDIT && seen == INGEST_FMT_NPM_AUDIT7)
		return seen;
	return declared;
}

#define FF_EMPTY_REPORT 1 /* internal: a declared format with no content */

static bool blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\n' && p[i] != '\r' && p[i] != '\t')
			return false;
	return true;
}

static int choose(struct ictx *c, struct src *s, enum ingest_format *out)
{
	const char *p = NULL;
	size_t n = 0;
	int rc = src_peek(s, PEEK_BYTES, &p, &n, c->err);
	if (rc != FF_OK)
		return rc;
	enum ingest_format seen = ingest_detect(p, n);
	enum ingest_format want = c->o->format;
	if (want == INGEST_FMT_UNKNOWN) {
		if (seen == INGEST_FMT_UNKNOWN)
			return ictx_fail(c, FF_ENOTSUP, "%s: cannot tell the report format from its content%s",
				n ? "unknown format" : "empty report", n ? " (pass the format explicitly)" : "");
		*out = seen;
		return FF_OK;
	}
	if (n < PEEK_BYTES && blank(p, n)) {
		/* some tools write nothing when they find nothing (osv-scanner) */
		*out = want;
		return FF_EMPTY_REPORT;
	}
	want = same_family(want, seen);
	if (seen != INGEST_FMT_UNKNOWN && seen != want)
		return ictx_fail(c, FF_EINVAL, "declared format %s but the content is %s",
			ingest_format_name(want), ingest_format_name(seen));
	*out = want;
	return FF_OK;
}

int ingest_run(const struct ingest_opts *o, struct ingest_result *res, struct ingest_error *err)
{
	struct ictx c = { .o = o, .res = res, .err = err };
	struct src *s = NULL;
	enum ingest_format f = INGEST_FMT_UNKNOWN;
	int rc;
	memset(res, 0, sizeof(*res));
	memset(err, 0, sizeof(*err));
	limits_fill(&c.lim, &o->limits);
	ff_crypto_init();
	s = src_new(o, &c.lim);
	rc = choose(&c, s, &f);
	if (rc == FF_EMPTY_REPORT) {
		res->format = f;
		rc = FF_OK;
		goto out;
	}
	if (rc != FF_OK)
		goto out;
	res->format = f;
	if (formats[f].json)
		rc = json_stream_run(&c, s, formats[f].json);
	else
		rc = xml_stream_run(&c, s, formats[f].xml);
	void (*sfree)(struct ictx *) = formats[f].json ? formats[f].json->state_free : formats[f].xml->state_free;
	if (sfree)
		sfree(&c);
out:
	snprintf(res->tool_name, sizeof(res->tool_name), "%s", c.tool_name ? c.tool_name : "");
	snprintf(res->tool_version, sizeof(res->tool_version), "%s", c.tool_version ? c.tool_version : "");
	fnd_reset(&c.f);
	free(c.tool_name);
	free(c.tool_version);
	src_free(s);
	if (rc != FF_OK && !err->rc)
		err->rc = rc;
	return rc;
}
