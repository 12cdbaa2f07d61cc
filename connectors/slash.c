/* Slash commands in ticket comments: a pure parser. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "common/rc.h"
#include "conn.h"

#define MAX_COMMENT ((size_t)64 << 10)

static const struct {
	const char *word;
	enum conn_slash_kind kind;
	int needs_arg;
	const char *missing;
} commands[] = {
	{ "accept", CONN_SLASH_ACCEPT, 1, "/accept needs a justification" },
	{ "false-positive", CONN_SLASH_FALSE_POSITIVE, 1, "/false-positive needs a justification" },
	{ "reopen", CONN_SLASH_REOPEN, 0, NULL },
	{ "comment", CONN_SLASH_COMMENT, 1, "/comment needs a text" },
};

const char *conn_slash_name(enum conn_slash_kind kind)
{
	static const char *const names[] = { "none", "accept", "false-positive", "reopen",
					     "comment", "unknown" };
	return (unsigned)kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "unknown";
}

static const char *skip_space(const char *p, const char *end)
{
	while (p < end && isspace((unsigned char)*p))
		p++;
	return p;
}

static const char *trim_end(const char *p, const char *end)
{
	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	return end;
}

/* strips one layer of a wrapper pair (Jira's {{ }}, backticks) around the
 * command word: "{{/accept}} why" and "{{/accept why}}" both occur */
static int unwrap(const char **pp, const char **endp, const char *open, const char *close)
{
	size_t lo = strlen(open), lc = strlen(close);
	const char *p = *pp, *end = *endp;
	if ((size_t)(end - p) < lo || strncmp(p, open, lo) != 0)
		return 0;
	const char *c = strstr(p + lo, close);
	if (!c || c >= end)
		return 0;
	*pp = p + lo;
	if (c + lc == end)
		*endp = c;
	else
		*endp = end; /* closing marker in the middle: dropped below */
	return 1;
}

static char *dup_without(const char *p, const char *end, const char *drop)
{
	char *s = xstrndup(p, (size_t)(end - p));
	size_t dl = strlen(drop);
	char *hit = strstr(s, drop);
	if (hit)
		memmove(hit, hit + dl, strlen(hit + dl) + 1);
	return s;
}

int conn_slash_parse(const char *text, struct conn_slash *out)
{
	memset(out, 0, sizeof(*out));
	if (!text)
		return FF_OK;
	size_t n = strnlen(text, MAX_COMMENT + 1);
	if (n > MAX_COMMENT) {
		snprintf(out->error, sizeof(out->error), "comment longer than %zu bytes", MAX_COMMENT);
		return FF_ETOOBIG;
	}
	const char *p = skip_space(text, text + n), *end = trim_end(p, text + n);
	const char *drop = "";
	if (unwrap(&p, &end, "{{", "}}"))
		drop = "}}";
	else if (unwrap(&p, &end, "`", "`"))
		drop = "`";
	p = skip_space(p, end);
	if (p >= end || *p != '/')
		return FF_OK;
	const char *w = p + 1, *we = w;
	while (we < end && (isalnum((unsigned char)*we) || *we == '-' || *we == '_'))
		we++;
	if (we == w || (we < end && !isspace((unsigned char)*we) && *we != '}' && *we != '`'))
		return FF_OK; /* "/path/to/file" or "/ " is text, not a command */
	out->kind = CONN_SLASH_UNKNOWN;
	char *rest = dup_without(we, end, drop);
	const char *a = skip_space(rest, rest + strlen(rest));
	const char *ae = trim_end(a, rest + strlen(rest));
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strlen(commands[i].word) != (size_t)(we - w) ||
		    strncmp(commands[i].word, w, (size_t)(we - w)) != 0)
			continue;
		out->kind = commands[i].kind;
		if (ae > a)
			out->arg = xstrndup(a, (size_t)(ae - a));
		if (commands[i].needs_arg && !out->arg) {
			snprintf(out->error, sizeof(out->error), "%s", commands[i].missing);
			free(rest);
			return FF_EINVAL;
		}
	}
	if (out->kind == CONN_SLASH_UNKNOWN)
		snprintf(out->error, sizeof(out->error), "unknown command /%.*s", (int)(we - w), w);
	free(rest);
	return FF_OK;
}

void conn_slash_free(struct conn_slash *s)
{
	if (!s)
		return;
	free(s->arg);
	s->arg = NULL;
}
