#include "str.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rc.h"

int str_to_ll(const char *s, long long min, long long max, long long *out)
{
	if (!s || !*s)
		return FF_EINVAL;
	char *end = NULL;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || !end || *end || v < min || v > max)
		return FF_EINVAL;
	*out = v;
	return FF_OK;
}

size_t str_slugify(const char *s, char *out, size_t outlen)
{
	size_t o = 0;
	bool dash = false;
	for (const unsigned char *p = (const unsigned char *)s; *p && o + 1 < outlen; p++) {
		if (isalnum(*p)) {
			if (dash && o > 0 && o + 2 < outlen)
				out[o++] = '-';
			dash = false;
			out[o++] = (char)tolower(*p);
		} else {
			dash = true;
		}
	}
	out[o] = '\0';
	return o;
}

bool str_starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_is_blank(const char *s)
{
	if (!s)
		return true;
	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			return false;
	return true;
}

bool str_utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < n) {
		unsigned c = s[i];
		size_t len;
		unsigned cp;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xE0) == 0xC0) {
			len = 2;
			cp = c & 0x1F;
		} else if ((c & 0xF0) == 0xE0) {
			len = 3;
			cp = c & 0x0F;
		} else if ((c & 0xF8) == 0xF0) {
			len = 4;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (i + len > n)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += len;
	}
	return true;
}
