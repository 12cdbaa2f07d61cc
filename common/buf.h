/* common/buf.h - growing byte buffer with a hard cap.
 * A buf starts zeroed ({0}) or with buf_init(); the data is always
 * NUL-terminated; appends past the cap fail with FF_ETOOBIG and leave the
 * buffer as it was. buf_free() accepts a zeroed buffer. */
#ifndef FF_COMMON_BUF_H
#define FF_COMMON_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t alloc;
	size_t cap; /* 0 = no cap */
};

void buf_init(struct buf *b, size_t cap);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* buf_steal hands the data to the caller (free with free()) and resets b. */
char *buf_steal(struct buf *b);

#endif
