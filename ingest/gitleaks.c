/* ingest/gitleaks.c - Gitleaks JSON: an array of leaks, in the v8 field
 * names (RuleID, File, StartLine, Secret, Match) or the older ones (rule,
 * file, lineNumber, offender, line); the literal null is an empty report. */
#include <string.h>

#include "common/rc.h"
#include "ingest_int.h"

static const char *either(const json_t *v, const char *a, const char *b)
{
	return js(v, a) ? js(v, a) : js(v, b);
}

static int on_leak(struct ictx *c, const json_t *v)
{
	struct ingest_finding *f = &c->f;
	f->kind = INGEST_KIND_SECRET;
	fnd_set(&f->rule_id, either(v, "RuleID", "rule"));
	fnd_set(&f->title, either(v, "Description", "rule"));
	if (!f->title)
		fnd_set(&f->title, f->rule_id);
	fnd_set(&f->file, either(v, "File", "file"));
	f->start_line = jl(v, "StartLine", jl(v, "lineNumber", 0));
	f->end_line = jl(v, "EndLine", f->start_line);
	fnd_set(&f->secret, either(v, "Secret", "offender"));
	if (!f->secret)
		fnd_set(&f->secret, either(v, "Match", "line"));
	fnd_set(&f->tool_severity, "high");
	fnd_add_cwe(f, "CWE-798");
	return ictx_emit(c);
}

static int gitleaks_value(struct ictx *c, const char *path, json_t *v)
{
	if (!c->tool_name)
		ictx_set_tool(c, "gitleaks", NULL);
	if (strcmp(path, "/*") == 0)
		return on_leak(c, v);
	if (!*path && !json_is_null(v))
		return ictx_fail(c, FF_EINVAL, "not a Gitleaks report: the root is not an array");
	c->seen_marker = true;
	return FF_OK;
}

static int gitleaks_end(struct ictx *c, const char *path)
{
	if (!*path)
		c->seen_marker = true;
	return FF_OK;
}

static int gitleaks_finish(struct ictx *c)
{
	if (!c->seen_marker)
		return ictx_fail(c, FF_EINVAL, "not a Gitleaks report");
	return FF_OK;
}

static const char *const gitleaks_stream[] = { "", NULL };

const struct jfmt ingest_gitleaks_fmt = {
	.stream = gitleaks_stream,
	.on_value = gitleaks_value,
	.on_end = gitleaks_end,
	.finish = gitleaks_finish,
};
