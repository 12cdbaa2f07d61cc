/* The Mustache subset: {{name}}, {{{name}}}, {{&name}}, {{#name}} sections
 * (lists iterate, objects push, truthy values render once),
 * {{^name}} inverted sections, {{! comments}}, dotted names and {{.}}.
 * Section, inverted, closing and comment tags alone on a line take the line
 * with them (Mustache "standalone" rule). No partials, no delimiter change.
 * Recursive descent over the template text: a section renders its body by
 * re-entering render() on the slice between its open and close tags. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "common/rc.h"
#include "tpl.h"

#define TPL_MAX_DEPTH 16
#define TPL_MAX_NAME 128

struct rstate {
	const char *tpl;              /* whole template, for positions */
	const json_t *stack[TPL_MAX_DEPTH + 1];
	int depth;
	tpl_escape_fn esc;
	struct buf *out;
	char *err;
	size_t errlen;
};

struct tag {
	char type;                    /* 'v' variable, 'r' raw, '#', '^', '/', '!' */
	char name[TPL_MAX_NAME];
	const char *start, *end;      /* the tag text [start, end) */
	const char *line_start;       /* when standalone: the bytes [line_start, line_end) go */
	const char *line_end;
	int standalone;
};

static int fail(struct rstate *st, const char *at, const char *what)
{
	snprintf(st->err, st->errlen, "%s at offset %ld", what, (long)(at - st->tpl));
	return FF_EINVAL;
}

static void trim_name(const char *s, const char *e, char *out, size_t n)
{
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	size_t len = (size_t)(e - s) < n - 1 ? (size_t)(e - s) : n - 1;
	memcpy(out, s, len);
	out[len] = '\0';
}

/* a standalone tag: only blanks before it on its line and after it up to
 * the newline (or the end) */
static void mark_standalone(const char *tpl, const char *lim, struct tag *t)
{
	const char *ls = t->start;
	while (ls > tpl && (ls[-1] == ' ' || ls[-1] == '\t'))
		ls--;
	if (ls > tpl && ls[-1] != '\n')
		return;
	const char *le = t->end;
	while (le < lim && (*le == ' ' || *le == '\t'))
		le++;
	if (le < lim && *le == '\r' && le + 1 < lim && le[1] == '\n')
		le++;
	if (le < lim && *le != '\n')
		return;
	t->standalone = 1;
	t->line_start = ls;
	t->line_end = le < lim ? le + 1 : le;
}

/* next_tag finds the next tag in [p, lim); 0 when none, 1 found, <0 error */
static int next_tag(struct rstate *st, const char *p, const char *lim, struct tag *t)
{
	const char *o = NULL;
	for (const char *q = p; q + 1 < lim; q++)
		if (q[0] == '{' && q[1] == '{') {
			o = q;
			break;
		}
	if (!o)
		return 0;
	memset(t, 0, sizeof(*t));
	t->start = o;
	const char *s = o + 2;
	const char *close = "}}";
	t->type = 'v';
	if (s < lim && strchr("#^/!&{", *s)) {
		t->type = *s == '{' ? 'r' : *s == '&' ? 'r' : *s;
		if (*s == '{')
			close = "}}}";
		s++;
	}
	size_t cl = strlen(close);
	const char *e = NULL;
	for (const char *q = s; q + cl <= lim; q++)
		if (memcmp(q, close, cl) == 0) {
			e = q;
			break;
		}
	if (!e)
		return fail(st, o, "unclosed tag");
	trim_name(s, e, t->name, sizeof(t->name));
	t->end = e + cl;
	if (t->type != 'v' && t->type != 'r')
		mark_standalone(st->tpl, lim, t);
	if (t->type != '!' && !t->name[0])
		return fail(st, o, "empty tag name");
	return 1;
}

static const json_t *lookup(const struct rstate *st, const char *name)
{
	if (strcmp(name, ".") == 0)
		return st->stack[st->depth];
	char first[TPL_MAX_NAME];
	const char *dot = strchr(name, '.');
	size_t n = dot ? (size_t)(dot - name) : strlen(name);
	memcpy(first, name, n);
	first[n] = '\0';
	const json_t *v = NULL;
	for (int i = st->depth; i >= 0 && !v; i--)
		v = json_is_object(st->stack[i]) ? json_object_get(st->stack[i], first) : NULL;
	while (v && dot) {
		const char *next = strchr(dot + 1, '.');
		n = next ? (size_t)(next - dot - 1) : strlen(dot + 1);
		memcpy(first, dot + 1, n);
		first[n] = '\0';
		v = json_is_object(v) ? json_object_get(v, first) : NULL;
		dot = next;
	}
	return v;
}

static int truthy(const json_t *v)
{
	if (!v || json_is_null(v) || json_is_false(v))
		return 0;
	if (json_is_array(v))
		return json_array_size(v) > 0;
	if (json_is_string(v))
		return json_string_length(v) > 0;
	return 1;
}

static int put_value(struct rstate *st, const json_t *v, int raw)
{
	char num[64];
	const char *s = NULL;
	if (json_is_string(v))
		s = json_string_value(v);
	else if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		s = num;
	} else if (json_is_real(v)) {
		snprintf(num, sizeof(num), "%g", json_real_value(v));
		s = num;
	} else if (json_is_true(v))
		s = "true";
	if (!s)
		return FF_OK;
	return raw || !st->esc ? buf_puts(st->out, s) : st->esc(st->out, s);
}

static int render(struct rstate *st, const char *p, const char *lim);

/* find_close: the matching {{/name}} of a section opened before p */
static int find_close(struct rstate *st, const char *p, const char *lim, const struct tag *open, struct tag *close)
{
	int level = 1;
	struct tag t;
	int rc;
	while ((rc = next_tag(st, p, lim, &t)) == 1) {
		if ((t.type == '#' || t.type == '^') && strcmp(t.name, open->name) == 0)
			level++;
		if (t.type == '/' && strcmp(t.name, open->name) == 0 && --level == 0) {
			*close = t;
			return FF_OK;
		}
		p = t.end;
	}
	return rc < 0 ? rc : fail(st, open->start, "section without its closing tag");
}

static int push_render(struct rstate *st, const json_t *ctx, const char *b, const char *e, const char *at)
{
	if (st->depth >= TPL_MAX_DEPTH)
		return fail(st, at, "sections nested too deep");
	st->stack[++st->depth] = ctx;
	int rc = render(st, b, e);
	st->depth--;
	return rc;
}

static int section(struct rstate *st, const struct tag *open, const char *body, const char *body_end)
{
	const json_t *v = lookup(st, open->name);
	int rc = FF_OK;
	if (open->type == '^')
		return truthy(v) ? FF_OK : render(st, body, body_end);
	if (!truthy(v))
		return FF_OK;
	if (json_is_array(v)) {
		for (size_t i = 0; i < json_array_size(v) && !rc; i++)
			rc = push_render(st, json_array_get(v, i), body, body_end, open->start);
		return rc;
	}
	if (json_is_object(v))
		return push_render(st, v, body, body_end, open->start);
	return render(st, body, body_end);
}

static int render(struct rstate *st, const char *p, const char *lim)
{
	struct tag t, c;
	int rc;
	while ((rc = next_tag(st, p, lim, &t)) == 1) {
		const char *text_end = t.standalone ? t.line_start : t.start;
		if ((rc = buf_append(st->out, p, (size_t)(text_end - p))))
			return rc;
		p = t.standalone ? t.line_end : t.end;
		if (t.type == '!')
			continue;
		if (t.type == '/')
			return fail(st, t.start, "closing tag without its section");
		if (t.type == 'v' || t.type == 'r') {
			if ((rc = put_value(st, lookup(st, t.name), t.type == 'r')))
				return rc;
			continue;
		}
		if ((rc = find_close(st, p, lim, &t, &c)))
			return rc;
		const char *body_end = c.standalone ? c.line_start : c.start;
		if ((rc = section(st, &t, p, body_end)))
			return rc;
		p = c.standalone ? c.line_end : c.end;
	}
	if (rc < 0)
		return rc;
	return buf_append(st->out, p, (size_t)(lim - p));
}

int tpl_render(const char *tpl, const json_t *ctx, tpl_escape_fn esc, struct buf *out, char *err, size_t errlen)
{
	struct rstate st = { .tpl = tpl, .esc = esc, .out = out, .err = err, .errlen = errlen };
	st.stack[0] = ctx;
	if (errlen)
		err[0] = '\0';
	int rc = render(&st, tpl, tpl + strlen(tpl));
	if (rc == FF_ETOOBIG && errlen)
		snprintf(err, errlen, "rendered text larger than %zu bytes", out->cap);
	return rc;
}

int tpl_escape_markdown(struct buf *out, const char *s)
{
	static const char special[] = "\\`*_[]<>#|~@!";
	for (const char *p = s; *p; p++) {
		/* a slash starts a quick action only at the start of a line */
		int cmd = *p == '/' && (p == s || p[-1] == '\n');
		int rc = cmd || strchr(special, *p) ? buf_putc(out, '\\') : FF_OK;
		if (rc || (rc = buf_putc(out, *p)))
			return rc;
	}
	return FF_OK;
}

extern const struct ff_embedded ff_template_files[];

const char *tpl_file(const char *name)
{
	for (const struct ff_embedded *f = ff_template_files; f->name; f++) {
		const char *base = strrchr(f->name, '/');
		base = base ? base + 1 : f->name;
		if (strcmp(base, name) == 0)
			return f->data;
	}
	return NULL;
}
