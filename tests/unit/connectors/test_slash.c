/* slash commands in ticket comments */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "common/rc.h"
#include "connectors/conn.h"

struct row {
	const char *text;
	int rc;
	enum conn_slash_kind kind;
	const char *arg;           /* NULL = none expected */
};

static const struct row rows[] = {
	{ "/accept vendor fix in Q3", FF_OK, CONN_SLASH_ACCEPT, "vendor fix in Q3" },
	{ "  \n/accept   spaced out  \n", FF_OK, CONN_SLASH_ACCEPT, "spaced out" },
	{ "/accept\nmulti\nline", FF_OK, CONN_SLASH_ACCEPT, "multi\nline" },
	{ "/accept", FF_EINVAL, CONN_SLASH_ACCEPT, NULL },
	{ "/accept    ", FF_EINVAL, CONN_SLASH_ACCEPT, NULL },
	{ "/false-positive not reachable", FF_OK, CONN_SLASH_FALSE_POSITIVE, "not reachable" },
	{ "/false-positive", FF_EINVAL, CONN_SLASH_FALSE_POSITIVE, NULL },
	{ "/reopen", FF_OK, CONN_SLASH_REOPEN, NULL },
	{ "/reopen still there in 2.1", FF_OK, CONN_SLASH_REOPEN, "still there in 2.1" },
	{ "/comment looks fine", FF_OK, CONN_SLASH_COMMENT, "looks fine" },
	{ "/comment", FF_EINVAL, CONN_SLASH_COMMENT, NULL },
	/* Jira wiki markup wraps text that starts with a slash */
	{ "{{/accept}} risk owner agreed", FF_OK, CONN_SLASH_ACCEPT, "risk owner agreed" },
	{ "{{/accept risk owner agreed}}", FF_OK, CONN_SLASH_ACCEPT, "risk owner agreed" },
	{ "{{/reopen}}", FF_OK, CONN_SLASH_REOPEN, NULL },
	{ "`/false-positive` test code only", FF_OK, CONN_SLASH_FALSE_POSITIVE, "test code only" },
	/* not commands */
	{ "please /accept this", FF_OK, CONN_SLASH_NONE, NULL },
	{ "/usr/lib/libssl.so is affected", FF_OK, CONN_SLASH_NONE, NULL },
	{ "/ nothing", FF_OK, CONN_SLASH_NONE, NULL },
	{ "", FF_OK, CONN_SLASH_NONE, NULL },
	{ "plain text", FF_OK, CONN_SLASH_NONE, NULL },
	{ "{{code}}", FF_OK, CONN_SLASH_NONE, NULL },
	/* unknown and near misses */
	{ "/approve now", FF_OK, CONN_SLASH_UNKNOWN, NULL },
	{ "/Accept upper", FF_OK, CONN_SLASH_UNKNOWN, NULL },
	{ "/acceptance later", FF_OK, CONN_SLASH_UNKNOWN, NULL },
};

static void test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct conn_slash s;
		int rc = conn_slash_parse(rows[i].text, &s);
		if (rc != rows[i].rc || s.kind != rows[i].kind)
			fail_msg("row %zu \"%s\": rc %d kind %s", i, rows[i].text, rc,
				 conn_slash_name(s.kind));
		if (rows[i].arg)
			assert_string_equal(s.arg, rows[i].arg);
		else if (rows[i].kind != CONN_SLASH_UNKNOWN)
			assert_null(s.arg);
		if (rc == FF_EINVAL)
			assert_non_null(strstr(s.error, "needs"));
		conn_slash_free(&s);
	}
}

static void test_unknown_names_command(void **state)
{
	(void)state;
	struct conn_slash s;
	assert_int_equal(conn_slash_parse("/approve now", &s), FF_OK);
	assert_string_equal(s.error, "unknown command /approve");
	conn_slash_free(&s);
	assert_int_equal(conn_slash_parse(NULL, &s), FF_OK);
	assert_int_equal(s.kind, CONN_SLASH_NONE);
	assert_string_equal(conn_slash_name(CONN_SLASH_FALSE_POSITIVE), "false-positive");
	assert_string_equal(conn_slash_name((enum conn_slash_kind)99), "unknown");
}

static void test_size_limit(void **state)
{
	(void)state;
	size_t n = (64u << 10) + 10;
	char *big = malloc(n + 1);
	memset(big, 'a', n);
	memcpy(big, "/comment ", 9);
	big[n] = '\0';
	struct conn_slash s;
	assert_int_equal(conn_slash_parse(big, &s), FF_ETOOBIG);
	assert_null(s.arg);
	big[60000] = '\0';
	assert_int_equal(conn_slash_parse(big, &s), FF_OK);
	assert_int_equal(strlen(s.arg), 60000 - 9);
	conn_slash_free(&s);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_unknown_names_command),
		cmocka_unit_test(test_size_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
