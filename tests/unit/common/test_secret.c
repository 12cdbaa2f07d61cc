/* common/crypto.c: secrets at rest (secretbox) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "common/crypto.h"

static void test_seal_open(void **state)
{
	(void)state;
	uint8_t key[32], other[32];
	ff_crypto_init();
	ff_random(key, sizeof(key));
	ff_random(other, sizeof(other));
	char *a = ff_secret_seal(key, "glpat-secret-token");
	char *b = ff_secret_seal(key, "glpat-secret-token");
	assert_int_equal(strncmp(a, "v1:", 3), 0);
	assert_null(strstr(a, "glpat"));
	assert_string_not_equal(a, b); /* a fresh nonce each time */
	char *p = ff_secret_open(key, a);
	assert_string_equal(p, "glpat-secret-token");
	free(p);
	assert_null(ff_secret_open(other, a)); /* wrong key */
	a[10] = a[10] == 'A' ? 'B' : 'A';      /* tampered */
	assert_null(ff_secret_open(key, a));
	assert_null(ff_secret_open(key, "plain text"));
	assert_null(ff_secret_open(key, "v1:!!!"));
	assert_null(ff_secret_open(key, "v1:AAAA"));
	char *e = ff_secret_seal(key, "");
	p = ff_secret_open(key, e);
	assert_string_equal(p, "");
	free(p);
	free(e);
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_seal_open) };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
