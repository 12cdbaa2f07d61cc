/* Header fields of outgoing mail: no header injection through values, and
 * non-ASCII text as RFC 2047 encoded-words that decode back to the value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "mail/mail.h"

static char *header(const char *name, const char *value, size_t max)
{
	struct buf b;
	buf_init(&b, 0);
	mail_header_n(&b, name, value, max);
	return buf_steal(&b);
}

/* decodes "Name: =?UTF-8?B?...?=\r\n =?UTF-8?B?...?=\r\n" back to text */
static char *decode(const char *h)
{
	static char out[4096];
	size_t n = 0;
	for (const char *p = strstr(h, "=?UTF-8?B?"); p; p = strstr(p, "=?UTF-8?B?")) {
		p += 10;
		const char *e = strstr(p, "?=");
		assert_non_null(e);
		assert_true(e - p <= 60);
		size_t got = 0;
		assert_int_equal(sodium_base642bin((unsigned char *)out + n, sizeof(out) - 1 - n, p, (size_t)(e - p), NULL,
						   &got, NULL, sodium_base64_VARIANT_ORIGINAL), 0);
		n += got;
		p = e + 2;
	}
	out[n] = '\0';
	return out;
}

static void test_ascii_passes(void **state)
{
	(void)state;
	char *h = header("Subject", "[FlawFix] acceptance review due 2027-01-05: SQL injection", 0);
	assert_string_equal(h, "Subject: [FlawFix] acceptance review due 2027-01-05: SQL injection\r\n");
	free(h);
}

static void test_no_injection(void **state)
{
	(void)state;
	char *h = header("Subject", "title\r\nBcc: everyone@example.org\r\n\r\nbody\tx\x01", 0);
	assert_string_equal(h, "Subject: title  Bcc: everyone@example.org    body x \r\n");
	/* one line: the only CRLF ends the field */
	assert_ptr_equal(strstr(h, "\r\n"), h + strlen(h) - 2);
	free(h);
	/* the same in non-ASCII text: the encoded words carry spaces, not CRLF */
	h = header("Subject", "Überlauf\r\nBcc: x@example.org", 0);
	assert_null(strstr(h, "Bcc"));
	assert_string_equal(decode(h), "Überlauf  Bcc: x@example.org");
	free(h);
}

static void test_utf8_round_trip_and_folding(void **state)
{
	(void)state;
	const char *v = "Débordement de tampon dans libxml2 — « entités » ✓ 漏洞 ünïcödé ünïcödé ünïcödé ünïcödé";
	char *h = header("Subject", v, 0);
	assert_true(strncmp(h, "Subject: =?UTF-8?B?", 19) == 0);
	assert_string_equal(decode(h), v);
	/* folded: no line over 76 characters (RFC 2047) */
	for (const char *line = h, *e; *line; line = e + 2) {
		e = strstr(line, "\r\n");
		assert_non_null(e);
		assert_true(e - line <= 76);
	}
	free(h);
}

static void test_cut_at_character_boundary(void **state)
{
	(void)state;
	/* "ü" is two bytes: a cut at 2 must not keep half of it */
	char *h = header("Subject", "aüb", 2);
	assert_string_equal(h, "Subject: a\r\n");
	free(h);
	h = header("Subject", "aüb", 3);
	assert_string_equal(decode(h), "aü");
	free(h);
	h = header("X-Empty", NULL, 0);
	assert_string_equal(h, "X-Empty: \r\n");
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ascii_passes),
		cmocka_unit_test(test_no_injection),
		cmocka_unit_test(test_utf8_round_trip_and_folding),
		cmocka_unit_test(test_cut_at_character_boundary),
	};
	return cmocka_run_group_tests_name("mail_header", tests, NULL, NULL);
}
