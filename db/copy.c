/* Row encoding for COPY ... FROM STDIN, text format (db_copy_* in db.h):
 * backslash, tab, newline and carriage return escaped, \N for NULL, text[]
 * literals with their elements quoted. */
#include <string.h>

#include "common/buf.h"
#include "db.h"

static const char COPY_SPECIAL[] = "\\\t\n\r";

static void put_escaped(struct buf *o, const char *p, size_t n)
{
	const char *end = p + n;
	while (p < end) {
		size_t plain = strcspn(p, COPY_SPECIAL);
		if (p + plain > end)
			plain = (size_t)(end - p);
		buf_append(o, p, plain);
		p += plain;
		if (p >= end)
			break;
		buf_puts(o, *p == '\\' ? "\\\\" : *p == '\t' ? "\\t" : *p == '\n' ? "\\n" : "\\r");
		p++;
	}
}

void db_copy_field(struct buf *o, const char *s)
{
	if (!s)
		buf_puts(o, "\\N");
	else
		put_escaped(o, s, strlen(s));
}

/* {"a","b \"q\""}: inside the quotes " and \ take a backslash, which COPY
 * in turn doubles */
void db_copy_text_array(struct buf *o, char *const *v, size_t n)
{
	buf_putc(o, '{');
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_putc(o, ',');
		buf_putc(o, '"');
		for (const char *p = v[i] ? v[i] : ""; *p;) {
			size_t plain = strcspn(p, "\"\\\t\n\r");
			buf_append(o, p, plain);
			p += plain;
			if (!*p)
				break;
			if (*p == '"' || *p == '\\')
				buf_puts(o, "\\\\");
			put_escaped(o, p, 1);
			p++;
		}
		buf_putc(o, '"');
	}
	buf_putc(o, '}');
}
