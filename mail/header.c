/* Header fields of outgoing mail (RFC 5322, RFC 2047). Values come from
 * scanners and users: a title with a line break must never start a header
 * of its own, and non-ASCII text must reach the reader intact. */
#include <string.h>

#include "common/buf.h"
#include "common/crypto.h"
#include "mail.h"

/* UTF-8 bytes of an encoded-word: 39 bytes are 52 base64 characters, a
 * word of 64, so "Subject: " and the first word stay within the 76
 * characters RFC 2047 allows a line with encoded-words */
#define WORD_BYTES 39

/* the length of s cut to at most max bytes without splitting a character */
static size_t utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	size_t n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return n;
}

void mail_header_n(struct buf *b, const char *name, const char *value, size_t max_bytes)
{
	const char *v = value ? value : "";
	size_t len = strlen(v);
	if (max_bytes && len > max_bytes)
		len = utf8_cut(v, len, max_bytes);
	/* control characters (CR, LF, TAB, NUL..US, DEL) become spaces */
	struct buf t;
	buf_init(&t, 0);
	int ascii = 1;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)v[i];
		if (ch < 0x20 || ch == 0x7F)
			ch = ' ';
		if (ch >= 0x80)
			ascii = 0;
		buf_putc(&t, (char)ch);
	}
	const char *c = t.data ? t.data : "";
	buf_printf(b, "%s: ", name);
	if (ascii) {
		buf_append(b, c, t.len);
	} else {
		size_t off = 0;
		while (off < t.len) {
			size_t n = utf8_cut(c + off, t.len - off, WORD_BYTES);
			if (n == 0) /* a broken sequence longer than a word: cut anyway */
				n = t.len - off < WORD_BYTES ? t.len - off : WORD_BYTES;
			char enc[4 * ((WORD_BYTES + 2) / 3) + 1];
			ff_base64(enc, sizeof(enc), c + off, n);
			buf_printf(b, "%s=?UTF-8?B?%s?=", off ? "\r\n " : "", enc);
			off += n;
		}
	}
	buf_puts(b, "\r\n");
	buf_free(&t);
}

void mail_header(struct buf *b, const char *name, const char *value)
{
	mail_header_n(b, name, value, 0);
}
