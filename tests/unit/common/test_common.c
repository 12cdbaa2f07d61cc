/* common/: config table, bounded buffers, strings, dates, crypto helpers */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "common/buf.h"
#include "common/cfg.h"
#include "common/crypto.h"
#include "common/fftime.h"
#include "common/rc.h"
#include "common/str.h"

static void test_cfg_defaults_env_file(void **state)
{
	(void)state;
	char err[512];
	unsetenv("FLAWFIX_HTTP_THREADS");
	assert_int_equal(cfg_load(NULL, err, sizeof(err)), FF_OK);
	assert_int_equal(cfg_int("http_threads"), 4);
	assert_string_equal(cfg_str("listen"), "127.0.0.1:8080");
	/* file overrides defaults, environment overrides the file */
	char path[] = "/tmp/ffcfg-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	fprintf(f, "# comment\nhttp_threads = 9\nlisten = 0.0.0.0:9000\n");
	fclose(f);
	setenv("FLAWFIX_HTTP_THREADS", "12", 1);
	assert_int_equal(cfg_load(path, err, sizeof(err)), FF_OK);
	assert_int_equal(cfg_int("http_threads"), 12);
	assert_string_equal(cfg_str("listen"), "0.0.0.0:9000");
	unsetenv("FLAWFIX_HTTP_THREADS");
	unlink(path);
}

static void test_cfg_errors_name_the_setting(void **state)
{
	(void)state;
	char err[512];
	static const char *bad[][2] = {
		{ "FLAWFIX_HTTP_THREADS", "0" },      /* below min */
		{ "FLAWFIX_HTTP_THREADS", "4x" },     /* not an integer */
		{ "FLAWFIX_LOG_LEVEL", "loud" },      /* not in the enum */
		{ "FLAWFIX_SCHEDULER", "maybe" },     /* not a boolean */
		{ "FLAWFIX_LISTEN", "127.0.0.1" },    /* no port */
		{ "FLAWFIX_LISTEN", "h:99999" },      /* port out of range */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv(bad[i][0], bad[i][1], 1);
		assert_int_equal(cfg_load(NULL, err, sizeof(err)), FF_EINVAL);
		char name[64];
		snprintf(name, sizeof(name), "%s", bad[i][0] + 8);
		for (char *p = name; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		if (!strstr(err, name))
			fail_msg("error '%s' does not name %s", err, name);
		unsetenv(bad[i][0]);
	}
	assert_int_equal(cfg_set("nope", "1", err, sizeof(err)), FF_EINVAL);
	assert_non_null(strstr(err, "nope"));
}

static void test_cfg_redaction(void **state)
{
	(void)state;
	char out[256];
	cfg_redact_dsn("host=/x dbname=ff password=s3cret user=u", out, sizeof(out));
	assert_null(strstr(out, "s3cret"));
	assert_non_null(strstr(out, "user=u"));
	cfg_redact_dsn("postgresql://u:s3cret@h/db", out, sizeof(out));
	assert_null(strstr(out, "s3cret"));
	cfg_redact_dsn("host=h password='a b c' x=y", out, sizeof(out));
	assert_null(strstr(out, "a b c"));
	assert_non_null(strstr(out, "x=y"));
}

static void test_buf_cap(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 8);
	assert_int_equal(buf_puts(&b, "12345678"), FF_OK);
	assert_int_equal(buf_putc(&b, '9'), FF_ETOOBIG);
	assert_int_equal(b.len, 8);
	assert_string_equal(b.data, "12345678");
	buf_reset(&b);
	assert_int_equal(buf_printf(&b, "%d-%s", 42, "x"), FF_OK);
	assert_string_equal(b.data, "42-x");
	char *s = buf_steal(&b);
	assert_string_equal(s, "42-x");
	free(s);
	buf_free(&b);
}

static void test_str(void **state)
{
	(void)state;
	char slug[64];
	assert_int_equal(str_slugify("  Shop Backend (EU) ", slug, sizeof(slug)), strlen("shop-backend-eu"));
	assert_string_equal(slug, "shop-backend-eu");
	assert_int_equal(str_slugify("!!!", slug, sizeof(slug)), 0);
	long long v;
	assert_int_equal(str_to_ll("42", 0, 100, &v), FF_OK);
	assert_int_equal(v, 42);
	assert_int_equal(str_to_ll("42x", 0, 100, &v), FF_EINVAL);
	assert_int_equal(str_to_ll("101", 0, 100, &v), FF_EINVAL);
	assert_true(str_is_blank("  \t\n"));
	assert_false(str_is_blank(" a "));
	assert_true(str_utf8_valid("h\xc3\xa9llo", 6));
	assert_false(str_utf8_valid("\xc0\xaf", 2));       /* overlong */
	assert_false(str_utf8_valid("\xed\xa0\x80", 3));   /* surrogate */
	assert_false(str_utf8_valid("\xe2\x82", 2));       /* truncated */
}

static void test_dates(void **state)
{
	(void)state;
	int64_t d;
	char out[11];
	assert_int_equal(ff_date_parse("2024-02-29", &d), FF_OK);
	ff_days_to_date(d, out);
	assert_string_equal(out, "2024-02-29");
	assert_int_equal(ff_date_parse("2023-02-29", &d), FF_EINVAL);
	assert_int_equal(ff_date_parse("2027-13-01", &d), FF_EINVAL);
	assert_int_equal(ff_date_parse("2027-3-1", &d), FF_EINVAL);
	assert_int_equal(ff_date_parse("1970-01-01", &d), FF_OK);
	assert_int_equal(d, 0);
}

static void test_crypto(void **state)
{
	(void)state;
	assert_int_equal(ff_crypto_init(), FF_OK);
	char h[65];
	ff_sha256_hex("abc", 3, h);
	assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	char *t1 = ff_token_new("fft_"), *t2 = ff_token_new("fft_");
	assert_string_not_equal(t1, t2);
	assert_int_equal(strlen(t1), 47);
	free(t1);
	free(t2);
	char hash[128];
	assert_int_equal(ff_password_hash("correct horse battery", hash), FF_OK);
	assert_true(strncmp(hash, "$argon2id$", 10) == 0);
	assert_true(ff_password_verify(hash, "correct horse battery"));
	assert_false(ff_password_verify(hash, "wrong"));
	assert_true(ff_str_ct_equal("abc", "abc"));
	assert_false(ff_str_ct_equal("abc", "abd"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cfg_defaults_env_file), cmocka_unit_test(test_cfg_errors_name_the_setting),
		cmocka_unit_test(test_cfg_redaction),         cmocka_unit_test(test_buf_cap),
		cmocka_unit_test(test_str),                   cmocka_unit_test(test_dates),
		cmocka_unit_test(test_crypto),
	};
	return cmocka_run_group_tests_name("common", tests, NULL, NULL);
}
