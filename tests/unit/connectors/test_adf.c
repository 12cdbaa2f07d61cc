/* Atlassian Document Format helpers of the Jira backend */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/jira/jira.h"

static void test_paragraphs_and_breaks(void **state)
{
	(void)state;
	json_t *d = jira_adf_from_text("first line\nsecond line\n\nnext paragraph");
	assert_string_equal(json_string_value(json_object_get(d, "type")), "doc");
	assert_int_equal(json_integer_value(json_object_get(d, "version")), 1);
	json_t *content = json_object_get(d, "content");
	assert_int_equal(json_array_size(content), 2);
	json_t *p1 = json_object_get(json_array_get(content, 0), "content");
	assert_int_equal(json_array_size(p1), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(p1, 0), "text")), "first line");
	assert_string_equal(json_string_value(json_object_get(json_array_get(p1, 1), "type")), "hardBreak");
	assert_string_equal(json_string_value(json_object_get(json_array_get(p1, 2), "text")), "second line");
	char *back = jira_adf_to_text(d);
	assert_string_equal(back, "first line\nsecond line\nnext paragraph");
	free(back);
	json_decref(d);
}

static void test_links(void **state)
{
	(void)state;
	json_t *d = jira_adf_from_text("See https://ff.example/f/42 now");
	json_t *p = json_object_get(json_array_get(json_object_get(d, "content"), 0), "content");
	assert_int_equal(json_array_size(p), 3);
	json_t *link = json_array_get(p, 1);
	assert_string_equal(json_string_value(json_object_get(link, "text")), "https://ff.example/f/42");
	json_t *mark = json_array_get(json_object_get(link, "marks"), 0);
	assert_string_equal(json_string_value(json_object_get(mark, "type")), "link");
	assert_string_equal(json_string_value(json_object_get(json_object_get(mark, "attrs"), "href")),
			    "https://ff.example/f/42");
	assert_null(json_object_get(json_array_get(p, 0), "marks"));
	json_decref(d);
	/* "http" inside a word is not a link */
	d = jira_adf_from_text("nothttp://x");
	p = json_object_get(json_array_get(json_object_get(d, "content"), 0), "content");
	assert_int_equal(json_array_size(p), 1);
	json_decref(d);
}

static void test_empty_and_crlf(void **state)
{
	(void)state;
	json_t *d = jira_adf_from_text(NULL);
	assert_int_equal(json_array_size(json_object_get(d, "content")), 0);
	json_decref(d);
	d = jira_adf_from_text("\n\n\n");
	assert_int_equal(json_array_size(json_object_get(d, "content")), 0);
	json_decref(d);
	d = jira_adf_from_text("a\r\nb\r\n\r\nc");
	char *t = jira_adf_to_text(d);
	assert_string_equal(t, "a\nb\nc");
	free(t);
	json_decref(d);
}

static void test_to_text_of_real_shapes(void **state)
{
	(void)state;
	/* a comment body as Jira Cloud stores it, with a mention */
	const char *adf = "{\"type\":\"doc\",\"version\":1,\"content\":[{\"type\":\"paragraph\",\"content\":["
			  "{\"type\":\"mention\",\"attrs\":{\"id\":\"557058:x\",\"text\":\"@Paula\"}},"
			  "{\"type\":\"text\",\"text\":\" /accept ok\",\"marks\":[{\"type\":\"code\"}]}]}]}";
	json_t *d = json_loads(adf, 0, NULL);
	char *t = jira_adf_to_text(d);
	assert_string_equal(t, "@Paula /accept ok");
	free(t);
	json_decref(d);
	/* v2 payloads carry strings */
	json_t *s = json_string("{{/reopen}}");
	t = jira_adf_to_text(s);
	assert_string_equal(t, "{{/reopen}}");
	free(t);
	json_decref(s);
	t = jira_adf_to_text(NULL);
	assert_string_equal(t, "");
	free(t);
}

static void test_depth_bound(void **state)
{
	(void)state;
	json_t *root = json_pack("{s:s, s:s}", "type", "text", "text", "deep");
	for (int i = 0; i < 100; i++)
		root = json_pack("{s:s, s:[o]}", "type", "blockquote", "content", root);
	char *t = jira_adf_to_text(root);
	assert_string_equal(t, ""); /* deeper than 32 levels is not read */
	free(t);
	json_decref(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paragraphs_and_breaks),
		cmocka_unit_test(test_links),
		cmocka_unit_test(test_empty_and_crlf),
		cmocka_unit_test(test_to_text_of_real_shapes),
		cmocka_unit_test(test_depth_bound),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
