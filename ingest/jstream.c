/* ingest/jstream.c - the outer JSON document through yajl, one jansson
 * tree per element of the containers the format streams.
 *
 * A small byte pre-lexer runs over every chunk before yajl sees it: it
 * enforces the depth and string-length limits before yajl buffers anything
 * (yajl would otherwise hold a 100 MB string in memory) and keeps the
 * line/column for error positions. */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#include "common/mem.h"
#include "common/rc.h"
#include "ingest_int.h"

#define JS_CHUNK 65536

struct frame {
	json_t *node; /* NULL when streamed */
	bool streamed;
	bool is_obj;
	char *key;    /* pending key (objects) */
	size_t idx;   /* next index (arrays) */
	size_t plen;  /* path length of this frame (streamed frames) */
};

struct lex {
	bool in_str;
	bool esc;
	size_t depth;
	size_t str_len;
	unsigned long line;            /* newlines seen */
	unsigned long long line_start; /* offset of the current line's first byte */
	unsigned long long off;        /* offset of the next byte */
};

struct js {
	struct ictx *c;
	const struct jfmt *fmt;
	struct frame *st;
	size_t top; /* number of frames */
	size_t cap;
	struct buf path;
	bool root_done;
};

static bool matches(const struct jfmt *fmt, const char *path)
{
	for (size_t i = 0; fmt->stream && fmt->stream[i]; i++)
		if (fnmatch(fmt->stream[i], path, FNM_PATHNAME) == 0)
			return true;
	return false;
}

/* append the segment of the child about to be delivered under the top frame */
static void path_push_child(struct js *j)
{
	struct frame *p = &j->st[j->top - 1];
	buf_putc(&j->path, '/');
	if (!p->is_obj) {
		buf_putc(&j->path, '*');
		return;
	}
	for (const char *k = p->key ? p->key : ""; *k; k++) {
		if (*k == '~')
			buf_puts(&j->path, "~0");
		else if (*k == '/')
			buf_puts(&j->path, "~1");
		else
			buf_putc(&j->path, *k);
	}
}

static void path_trunc(struct js *j, size_t len)
{
	j->path.len = len;
	if (j->path.data)
		j->path.data[len] = '\0';
}

static void advance_parent(struct js *j)
{
	if (!j->top)
		return;
	struct frame *p = &j->st[j->top - 1];
	free(p->key);
	p->key = NULL;
	p->idx++;
}

/* a complete value: attach it to its parent or hand it to the format */
static int deliver(struct js *j, json_t *v)
{
	int rc = FF_OK;
	if (!j->top) {
		j->root_done = true;
		rc = j->fmt->on_value(j->c, "", v);
		json_decref(v);
		return rc;
	}
	struct frame *p = &j->st[j->top - 1];
	if (p->streamed) {
		path_push_child(j);
		rc = j->fmt->on_value(j->c, j->path.data, v);
		path_trunc(j, p->plen);
		json_decref(v);
	} else if (p->is_obj) {
		json_object_set_new(p->node, p->key ? p->key : "", v);
	} else {
		json_array_append_new(p->node, v);
	}
	if (rc == FF_OK) /* on failure the pointer names the element */
		advance_parent(j);
	return rc;
}

static int cb_value(struct js *j, json_t *v)
{
	if (!v)
		return 0;
	return deliver(j, v) == FF_OK;
}

static int cb_null(void *ctx)
{
	return cb_value(ctx, json_null());
}

static int cb_bool(void *ctx, int b)
{
	return cb_value(ctx, json_boolean(b));
}

static int cb_int(void *ctx, long long n)
{
	return cb_value(ctx, json_integer(n));
}

static int cb_double(void *ctx, double d)
{
	return cb_value(ctx, json_real(d));
}

static int cb_string(void *ctx, const unsigned char *s, size_t n)
{
	return cb_value(ctx, json_stringn_nocheck((const char *)s, n));
}

static int cb_key(void *ctx, const unsigned char *s, size_t n)
{
	struct js *j = ctx;
	struct frame *p = &j->st[j->top - 1];
	free(p->key);
	p->key = xstrndup((const char *)s, n);
	return 1;
}

static int push(struct js *j, bool is_obj)
{
	if (j->top >= j->cap) {
		ictx_fail(j->c, FF_ETOOBIG, "nesting deeper than %zu", j->c->lim.max_depth);
		return 0;
	}
	bool parent_streamed = !j->top || j->st[j->top - 1].streamed;
	bool streamed = false;
	size_t plen = j->path.len;
	if (parent_streamed) {
		if (j->top)
			path_push_child(j);
		streamed = matches(j->fmt, j->path.data ? j->path.data : "");
		if (streamed)
			plen = j->path.len;
		else if (j->top)
			path_trunc(j, j->st[j->top - 1].plen);
	}
	struct frame *f = &j->st[j->top++];
	memset(f, 0, sizeof(*f));
	f->streamed = streamed;
	f->is_obj = is_obj;
	f->plen = plen;
	if (!streamed)
		f->node = is_obj ? json_object() : json_array();
	return 1;
}

static int pop(struct js *j)
{
	struct frame f = j->st[--j->top];
	free(f.key);
	if (!f.streamed)
		return deliver(j, f.node) == FF_OK;
	int rc = FF_OK;
	if (j->fmt->on_end)
		rc = j->fmt->on_end(j->c, j->path.data ? j->path.data : "");
	path_trunc(j, j->top ? j->st[j->top - 1].plen : 0);
	if (!j->top)
		j->root_done = true;
	advance_parent(j);
	return rc == FF_OK;
}

static int cb_start_map(void *ctx)
{
	return push(ctx, true);
}

static int cb_end(void *ctx)
{
	return pop(ctx);
}

static int cb_start_array(void *ctx)
{
	return push(ctx, false);
}

static const yajl_callbacks js_cbs = {
	.yajl_null = cb_null,
	.yajl_boolean = cb_bool,
	.yajl_integer = cb_int,
	.yajl_double = cb_double,
	.yajl_string = cb_string,
	.yajl_start_map = cb_start_map,
	.yajl_map_key = cb_key,
	.yajl_end_map = cb_end,
	.yajl_start_array = cb_start_array,
	.yajl_end_array = cb_end,
};

/* bytes the pre-lexer must look at; everything else is skipped in bulk */
static const unsigned char lex_special[256] = {
	['"'] = 1, ['\\'] = 1, ['\n'] = 1, ['{'] = 1, ['['] = 1, ['}'] = 1, [']'] = 1,
};

static size_t lex_fail(struct ingest_error *err, size_t i, const char *what, size_t limit)
{
	err->rc = FF_ETOOBIG;
	snprintf(err->msg, sizeof(err->msg), "%s %zu%s", what, limit, strstr(what, "string") ? " bytes" : "");
	return i;
}

/* one special byte (or an escaped one); returns false past a limit */
static bool lex_byte(struct lex *l, unsigned char ch, unsigned long long at, const struct ingest_limits *lim)
{
	if (ch == '\n') {
		l->line++;
		l->line_start = at + 1;
	}
	if (l->in_str) {
		if (l->esc)
			l->esc = false;
		else if (ch == '\\')
			l->esc = true;
		else if (ch == '"')
			l->in_str = false;
		if (!l->in_str)
			return true;
		return ++l->str_len <= lim->max_string;
	}
	if (ch == '"') {
		l->in_str = true;
		l->str_len = 0;
	} else if (ch == '{' || ch == '[') {
		return ++l->depth <= lim->max_depth;
	} else if ((ch == '}' || ch == ']') && l->depth) {
		l->depth--;
	}
	return true;
}

/* pre-lex n bytes; returns how many are fine (n when all), filling err at
 * the first byte past a limit */
static size_t prelex(struct lex *l, const unsigned char *p, size_t n, const struct ingest_limits *lim,
	struct ingest_error *err)
{
	size_t i = 0;
	while (i < n) {
		if (!l->esc) {
			size_t j = i;
			while (j < n && !lex_special[p[j]])
				j++;
			if (l->in_str && l->str_len + (j - i) > lim->max_string)
				return lex_fail(err, i + (lim->max_string - l->str_len), "string longer than", lim->max_string);
			if (l->in_str)
				l->str_len += j - i;
			i = j;
			if (i == n)
				break;
		}
		if (!lex_byte(l, p[i], l->off + i, lim))
			return lex_fail(err, i, l->in_str ? "string longer than" : "nesting deeper than",
				l->in_str ? lim->max_string : lim->max_depth);
		i++;
	}
	l->off += n;
	return n;
}

/* line/col of byte k of the chunk starting at off, from the lexer state
 * at the chunk start */
static void pos_in_chunk(const unsigned char *p, size_t k, unsigned long long off, unsigned long line,
	unsigned long long line_start, struct ingest_error *err)
{
	for (size_t i = 0; i < k; i++) {
		if (p[i] == '\n') {
			line++;
			line_start = off + i + 1;
		}
	}
	err->line = line + 1;
	err->col = (unsigned long)(off + k - line_start + 1);
}

static void fill_pointer(struct js *j, struct ingest_error *err)
{
	struct buf b;
	buf_init(&b, sizeof(err->pointer) - 1);
	for (size_t i = 0; i < j->top; i++) {
		const struct frame *f = &j->st[i];
		int rc = f->is_obj ? buf_printf(&b, "/%s", f->key ? f->key : "") : buf_printf(&b, "/%zu", f->idx);
		if (rc != FF_OK)
			break;
	}
	snprintf(err->pointer, sizeof(err->pointer), "%s", b.data ? b.data : "");
	buf_free(&b);
}

static void js_free(struct js *j)
{
	while (j->top) {
		struct frame *f = &j->st[--j->top];
		free(f->key);
		json_decref(f->node);
	}
	free(j->st);
	buf_free(&j->path);
}

/* yajl's messages end in a newline and may span lines */
static void one_line(char *m)
{
	size_t n = strlen(m);
	while (n && (m[n - 1] == '\n' || m[n - 1] == ' ' || m[n - 1] == '.'))
		m[--n] = '\0';
	for (char *p = m; *p; p++)
		if (*p == '\n')
			*p = ' ';
}

/* feed one chunk; on failure err is filled with the position */
static int feed(struct js *j, yajl_handle h, struct lex *l, const unsigned char *p, size_t n,
	unsigned long long off)
{
	struct ingest_error *err = j->c->err;
	unsigned long line0 = l->line;
	unsigned long long start0 = l->line_start;
	size_t ok = prelex(l, p, n, &j->c->lim, err);
	yajl_status st = n ? yajl_parse(h, p, ok) : yajl_complete_parse(h);
	size_t at = ok;
	if (st != yajl_status_ok) {
		at = n ? yajl_get_bytes_consumed(h) : 0;
		if (at && st == yajl_status_error)
			at--; /* yajl counts the offending byte as consumed */
		if (st == yajl_status_error) {
			unsigned char *m = yajl_get_error(h, 0, p, n);
			err->rc = FF_EINVAL;
			snprintf(err->msg, sizeof(err->msg), "invalid JSON: %s", m ? (char *)m : "parse error");
			yajl_free_error(h, m);
			one_line(err->msg);
		}
	} else if (ok == n) {
		return FF_OK;
	}
	if (!err->rc)
		err->rc = FF_EINVAL;
	err->offset = off + at;
	pos_in_chunk(p, at, off, line0, start0, err);
	fill_pointer(j, err);
	return err->rc;
}

int json_stream_run(struct ictx *c, struct src *s, const struct jfmt *fmt)
{
	struct js j = { .c = c, .fmt = fmt };
	struct lex l = { 0 };
	unsigned long long off = 0;
	unsigned char *chunk = xmalloc(JS_CHUNK);
	int rc = FF_OK;
	j.cap = c->lim.max_depth + 1;
	j.st = xcalloc(j.cap, sizeof(*j.st));
	buf_init(&j.path, 0);
	buf_puts(&j.path, "");
	yajl_handle h = yajl_alloc(&js_cbs, NULL, &j);
	for (;;) {
		long n = src_read(s, chunk, JS_CHUNK, c->err);
		if (n < 0) {
			rc = (int)n;
			c->err->line = l.line + 1;
			c->err->col = (unsigned long)(l.off - l.line_start + 1);
			goto out;
		}
		size_t skip = 0;
		if (off == 0 && n >= 3 && memcmp(chunk, "\xef\xbb\xbf", 3) == 0) {
			skip = 3; /* a UTF-8 byte order mark (Windows tools write one) */
			l.off = l.line_start = 3;
		}
		if (n > 0 && (size_t)n == skip) {
			off += skip;
			continue;
		}
		rc = feed(&j, h, &l, chunk + skip, (size_t)n - skip, off + skip);
		if (rc != FF_OK || n == 0)
			break;
		off += (unsigned long long)n;
	}
	if (rc == FF_OK && !j.root_done)
		rc = ictx_fail(c, FF_EINVAL, "empty report");
	if (rc == FF_OK && fmt->finish)
		rc = fmt->finish(c);
	if (rc != FF_OK && !c->err->line) {
		c->err->offset = off;
		c->err->line = l.line + 1;
		c->err->col = (unsigned long)(l.off - l.line_start + 1);
	}
out:
	yajl_free(h);
	js_free(&j);
	free(chunk);
	return rc;
}
