/* common/embed.h - files compiled into the binary (cmake/embed.cmake).
 * Tables end with an entry whose name is NULL; data is NUL-terminated. */
#ifndef FF_COMMON_EMBED_H
#define FF_COMMON_EMBED_H

#include <stddef.h>

struct ff_embedded {
	const char *name;
	const char *data;
	size_t len;
};

#endif
