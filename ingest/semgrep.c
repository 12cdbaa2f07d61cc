/* ingest/semgrep.c - Semgrep JSON: results with check_id, path, start/end,
 * extra.message/severity/lines/fingerprint and metadata.cwe (string or
 * list). extra.fingerprint is used unless it is the "requires login"
 * placeholder of the logged-out CLI. */
#include <string.h>

#include "common/rc.h"
#include "ingest_int.h"

static int on_result(struct ictx *c, const json_t *r)
{
	struct ingest_finding *f = &c->f;
	size_t i;
	json_t *x;
	f->kind = INGEST_KIND_SAST;
	fnd_set(&f->rule_id, js(r, "check_id"));
	fnd_set(&f->file, js(r, "path"));
	f->start_line = jl(r, "start.line", 0);
	f->end_line = jl(r, "end.line", 0);
	fnd_set(&f->title, js(r, "extra.message"));
	fnd_set(&f->description, js(r, "extra.message"));
	fnd_set(&f->tool_severity, js(r, "extra.severity"));
	const char *lines = js(r, "extra.lines");
	if (lines && strcmp(lines, "requires login") != 0)
		fnd_set(&f->snippet, lines);
	const char *fp = js(r, "extra.fingerprint");
	if (fp && strcmp(fp, "requires login") != 0)
		fnd_set(&f->tool_fingerprint, fp);
	json_t *cwe = jg(r, "extra.metadata.cwe");
	if (json_is_string(cwe))
		fnd_add_cwe(f, json_string_value(cwe));
	json_array_foreach(cwe, i, x)
		fnd_add_cwe(f, json_string_value(x));
	return ictx_emit(c);
}

static int semgrep_value(struct ictx *c, const char *path, json_t *v)
{
	if (!c->tool_name)
		ictx_set_tool(c, "semgrep", NULL);
	if (strcmp(path, "/results/*") == 0)
		return on_result(c, v);
	if (strcmp(path, "/version") == 0)
		ictx_set_tool(c, NULL, json_string_value(v));
	else if (!*path)
		return ictx_fail(c, FF_EINVAL, "not a Semgrep report: the root is not an object");
	return FF_OK;
}

static int semgrep_end(struct ictx *c, const char *path)
{
	if (strcmp(path, "/results") == 0)
		c->seen_marker = true;
	return FF_OK;
}

static int semgrep_finish(struct ictx *c)
{
	if (!c->seen_marker)
		return ictx_fail(c, FF_EINVAL, "not a Semgrep report: no results");
	return FF_OK;
}

static const char *const semgrep_stream[] = { "", "/results", NULL };

const struct jfmt ingest_semgrep_fmt = {
	.stream = semgrep_stream,
	.on_value = semgrep_value,
	.on_end = semgrep_end,
	.finish = semgrep_finish,
};
