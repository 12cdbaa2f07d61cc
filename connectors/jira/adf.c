#include <string.h>

#include "common/buf.h"
#include "common/mem.h"
#include "jira.h"

#define ADF_MAX_DEPTH 32
#define ADF_MAX_TEXT ((size_t)1 << 20)

static json_t *text_node(const char *s, size_t n, int link)
{
	json_t *t = json_pack("{s:s, s:s%}", "type", "text", "text", s, n);
	if (link) {
		json_t *href = json_stringn(s, n);
		json_object_set_new(t, "marks",
				    json_pack("[{s:s, s:{s:o}}]", "type", "link", "attrs", "href", href));
	}
	return t;
}

static size_t url_len(const char *p, size_t n)
{
	if (!(n > 7 && strncmp(p, "http://", 7) == 0) && !(n > 8 && strncmp(p, "https://", 8) == 0))
		return 0;
	size_t i = 0;
	while (i < n && p[i] != ' ' && p[i] != '\t' && p[i] != '\n' && p[i] != ')' && p[i] != '>')
		i++;
	return i;
}

/* one line into content: text runs and links */
static void add_line(json_t *content, const char *p, size_t n)
{
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		size_t u = (i == 0 || p[i - 1] == ' ' || p[i - 1] == '(') ? url_len(p + i, n - i) : 0;
		if (!u)
			continue;
		if (i > start)
			json_array_append_new(content, text_node(p + start, i - start, 0));
		json_array_append_new(content, text_node(p + i, u, 1));
		i += u - 1;
		start = i + 1;
	}
	if (n > start)
		json_array_append_new(content, text_node(p + start, n - start, 0));
}

static json_t *paragraph(const char *p, size_t n)
{
	json_t *content = json_array();
	size_t i = 0;
	while (i <= n) {
		size_t e = i;
		while (e < n && p[e] != '\n')
			e++;
		if (i > 0)
			json_array_append_new(content, json_pack("{s:s}", "type", "hardBreak"));
		size_t le = e;
		if (le > i && p[le - 1] == '\r')
			le--;
		add_line(content, p + i, le - i);
		i = e + 1;
	}
	return json_pack("{s:s, s:o}", "type", "paragraph", "content", content);
}

json_t *jira_adf_from_text(const char *text)
{
	json_t *content = json_array();
	const char *p = text ? text : "";
	while (*p) {
		while (*p == '\n' || *p == '\r')
			p++;
		if (!*p)
			break;
		const char *e = strstr(p, "\n\n");
		const char *e2 = strstr(p, "\r\n\r\n");
		if (e2 && (!e || e2 < e))
			e = e2;
		size_t n = e ? (size_t)(e - p) : strlen(p);
		json_array_append_new(content, paragraph(p, n));
		p += n;
	}
	return json_pack("{s:s, s:i, s:o}", "type", "doc", "version", 1, "content", content);
}

static const char *str_or_empty(const json_t *s)
{
	const char *v = json_string_value(s);
	return v ? v : "";
}

static void flatten(const json_t *node, struct buf *b, int depth)
{
	if (depth > ADF_MAX_DEPTH)
		return;
	if (json_is_string(node)) {
		buf_puts(b, json_string_value(node));
		return;
	}
	const char *type = json_string_value(json_object_get(node, "type"));
	if (!type)
		return;
	if (strcmp(type, "text") == 0) {
		buf_puts(b, str_or_empty(json_object_get(node, "text")));
		return;
	}
	if (strcmp(type, "hardBreak") == 0) {
		buf_putc(b, '\n');
		return;
	}
	if (strcmp(type, "mention") == 0 || strcmp(type, "emoji") == 0) {
		buf_puts(b, str_or_empty(json_object_get(json_object_get(node, "attrs"), "text")));
		return;
	}
	size_t i;
	json_t *child;
	json_array_foreach(json_object_get(node, "content"), i, child) flatten(child, b, depth + 1);
	if (strcmp(type, "paragraph") == 0 || strcmp(type, "heading") == 0 ||
	    strcmp(type, "codeBlock") == 0)
		buf_putc(b, '\n');
}

char *jira_adf_to_text(const json_t *node)
{
	struct buf b;
	buf_init(&b, ADF_MAX_TEXT);
	buf_puts(&b, "");
	flatten(node, &b, 0);
	while (b.len > 0 && b.data[b.len - 1] == '\n')
		b.data[--b.len] = '\0';
	return buf_steal(&b);
}
