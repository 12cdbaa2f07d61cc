/* common/str.h - small string helpers that replace the banned functions. */
#ifndef FF_COMMON_STR_H
#define FF_COMMON_STR_H

#include <stdbool.h>
#include <stddef.h>

/* str_to_ll parses a whole decimal string into *out within [min, max];
 * returns FF_OK or FF_EINVAL. */
int str_to_ll(const char *s, long long min, long long max, long long *out);
/* str_slugify writes a lower-case [a-z0-9-] slug of at most outlen-1 bytes;
 * returns the length (0 when nothing usable was in s). */
size_t str_slugify(const char *s, char *out, size_t outlen);
bool str_starts_with(const char *s, const char *prefix);
/* str_is_blank: NULL, empty or only whitespace */
bool str_is_blank(const char *s);
/* str_utf8_valid checks n bytes for valid UTF-8 (no overlongs, no surrogates) */
bool str_utf8_valid(const char *s, size_t n);

#endif
