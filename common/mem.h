/* common/mem.h - allocation that aborts on out-of-memory (STYLE.md habit 6).
 * Callers never check for NULL; every returned pointer is freed with free(). */
#ifndef FF_COMMON_MEM_H
#define FF_COMMON_MEM_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
/* xstrdup(NULL) returns NULL. */
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* xasprintf formats into newly allocated memory. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
