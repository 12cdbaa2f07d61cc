/* templates/tpl.c: the Mustache subset, the escapers and the ticket
 * templates rendered from a finding as ticket.create builds it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/rc.h"
#include "templates/tpl.h"

static char *render(const char *tpl, const char *ctx_json, tpl_escape_fn esc, int want_rc, char *err, size_t errlen)
{
	json_t *ctx = json_loads(ctx_json, 0, NULL);
	assert_non_null(ctx);
	struct buf b;
	buf_init(&b, 4096);
	char e[256];
	int rc = tpl_render(tpl, ctx, esc, &b, err ? err : e, err ? errlen : sizeof(e));
	json_decref(ctx);
	assert_int_equal(rc, want_rc);
	return buf_steal(&b);
}

static void expect(const char *tpl, const char *ctx, tpl_escape_fn esc, const char *want)
{
	char *got = render(tpl, ctx, esc, FF_OK, NULL, 0);
	assert_string_equal(got, want);
	free(got);
}

static void test_variables_and_escaping(void **state)
{
	(void)state;
	expect("Hello {{name}}!", "{\"name\":\"<b>&'\\\"\"}", tpl_escape_html, "Hello &lt;b&gt;&amp;&#39;&quot;!");
	expect("{{{name}}} {{& name}}", "{\"name\":\"<b>\"}", tpl_escape_html, "<b> <b>");
	expect("[{{missing}}]", "{}", tpl_escape_html, "[]");
	expect("{{n}} {{r}} {{t}} {{f}} {{z}}", "{\"n\":42,\"r\":1.5,\"t\":true,\"f\":false,\"z\":null}", NULL,
	       "42 1.5 true  ");
	expect("{{a.b.c}}", "{\"a\":{\"b\":{\"c\":\"deep\"}}}", NULL, "deep");
	expect("{{ spaced }}", "{\"spaced\":\"ok\"}", NULL, "ok");
}

static void test_sections(void **state)
{
	(void)state;
	expect("{{#list}}<{{.}}>{{/list}}", "{\"list\":[\"a\",\"b\",\"c\"]}", NULL, "<a><b><c>");
	expect("{{#list}}{{name}}:{{outer}} {{/list}}", "{\"outer\":\"o\",\"list\":[{\"name\":\"x\"},{\"name\":\"y\"}]}",
	       NULL, "x:o y:o ");
	expect("{{#obj}}{{v}}{{/obj}}", "{\"obj\":{\"v\":\"inside\"}}", NULL, "inside");
	expect("{{#flag}}yes{{/flag}}{{^flag}}no{{/flag}}", "{\"flag\":true}", NULL, "yes");
	expect("{{#flag}}yes{{/flag}}{{^flag}}no{{/flag}}", "{\"flag\":false}", NULL, "no");
	expect("{{^list}}empty{{/list}}", "{\"list\":[]}", NULL, "empty");
	expect("{{^s}}blank{{/s}}", "{\"s\":\"\"}", NULL, "blank");
	expect("{{#a}}{{#a}}nested{{/a}}{{/a}}", "{\"a\":true}", NULL, "nested");
	expect("a{{! a comment }}b", "{}", NULL, "ab");
}

static void test_standalone_lines(void **state)
{
	(void)state;
	expect("top\n{{#l}}\n- {{.}}\n{{/l}}\nend\n", "{\"l\":[\"x\",\"y\"]}", NULL, "top\n- x\n- y\nend\n");
	expect("a\n  {{! note }}\nb", "{}", NULL, "a\nb");
	expect("a\n{{^l}}\nnone\n{{/l}}\nb", "{\"l\":[]}", NULL, "a\nnone\nb");
	/* not standalone: text on the line stays */
	expect("x {{#t}}y{{/t}} z\n", "{\"t\":true}", NULL, "x y z\n");
}

static void test_errors_name_the_offset(void **state)
{
	(void)state;
	char err[256];
	free(render("ab {{name", "{}", NULL, FF_EINVAL, err, sizeof(err)));
	assert_string_equal(err, "unclosed tag at offset 3");
	free(render("{{#s}}open", "{\"s\":true}", NULL, FF_EINVAL, err, sizeof(err)));
	assert_non_null(strstr(err, "without its closing tag at offset 0"));
	free(render("x{{/s}}", "{}", NULL, FF_EINVAL, err, sizeof(err)));
	assert_non_null(strstr(err, "offset 1"));
	free(render("{{}}", "{}", NULL, FF_EINVAL, err, sizeof(err)));
	assert_non_null(strstr(err, "empty tag name"));
	/* nesting deeper than the limit (each level pushes an object) */
	struct buf deep, ctx;
	buf_init(&deep, 0);
	buf_init(&ctx, 0);
	for (int i = 0; i < 20; i++) {
		buf_puts(&deep, "{{#a}}");
		buf_puts(&ctx, "{\"a\":");
	}
	buf_puts(&ctx, "1");
	for (int i = 0; i < 20; i++) {
		buf_puts(&deep, "{{/a}}");
		buf_puts(&ctx, "}");
	}
	free(render(deep.data, ctx.data, NULL, FF_EINVAL, err, sizeof(err)));
	buf_free(&deep);
	buf_free(&ctx);
	assert_non_null(strstr(err, "nested too deep"));
}

static void test_output_cap(void **state)
{
	(void)state;
	json_t *ctx = json_pack("{s:[s,s,s,s,s,s,s,s]}", "l", "0123456789", "0123456789", "0123456789", "0123456789",
				"0123456789", "0123456789", "0123456789", "0123456789");
	struct buf b;
	buf_init(&b, 50);
	char err[128];
	assert_int_equal(tpl_render("{{#l}}{{.}}{{/l}}", ctx, NULL, &b, err, sizeof(err)), FF_ETOOBIG);
	assert_non_null(strstr(err, "larger than 50 bytes"));
	buf_free(&b);
	json_decref(ctx);
}

static void test_markdown_escape(void **state)
{
	(void)state;
	/* scanner text cannot format, mention or run a quick action */
	expect("{{t}}", "{\"t\":\"/close now\\n/assign @boss *bold* [x](y) app/db.py\"}", tpl_escape_markdown,
	       "\\/close now\n\\/assign \\@boss \\*bold\\* \\[x\\](y) app/db.py");
}

static void test_ticket_templates(void **state)
{
	(void)state;
	const char *ctx =
		"{\"id\":17,\"title\":\"SQL injection\",\"severity_label\":\"High\",\"score\":\"8.1\","
		"\"description\":\"user input reaches *execute*\",\"package\":\"libpq\",\"version\":\"1.0\","
		"\"fixed_version\":null,\"file\":null,\"due_date\":\"2027-01-15\",\"has_explanation\":true,"
		"\"explanation\":[\"base 9.3 from NVD\",\"internet-exposed\"],\"has_references\":true,"
		"\"references\":[\"https://nvd.nist.gov/vuln/detail/CVE-2024-1\"],\"link\":\"https://ff/findings/17\"}";
	const char *title = tpl_file("title.mustache");
	const char *md = tpl_file("body.md.mustache");
	const char *txt = tpl_file("body.txt.mustache");
	assert_non_null(title);
	assert_non_null(md);
	assert_non_null(txt);
	assert_null(tpl_file("nope.mustache"));
	expect(title, ctx, NULL, "[High] SQL injection in libpq\n");
	char *body = render(md, ctx, tpl_escape_markdown, FF_OK, NULL, 0);
	assert_non_null(strstr(body, "**Severity:** High (score 8.1)\n"));
	assert_non_null(strstr(body, "user input reaches \\*execute\\*"));
	assert_non_null(strstr(body, "**Fixed in:** no fixed version known yet"));
	assert_non_null(strstr(body, "- base 9.3 from NVD\n- internet-exposed\n"));
	assert_non_null(strstr(body, "- https://nvd.nist.gov/vuln/detail/CVE-2024-1\n"));
	assert_non_null(strstr(body, "**Due date:** 2027-01-15"));
	assert_non_null(strstr(body, "Details and history: https://ff/findings/17"));
	assert_null(strstr(body, "**File:**"));
	assert_null(strstr(body, "{{"));
	free(body);
	body = render(txt, ctx, NULL, FF_OK, NULL, 0);
	assert_non_null(strstr(body, "Severity: High (score 8.1)\n"));
	assert_non_null(strstr(body, "Package: libpq 1.0\n"));
	free(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_variables_and_escaping), cmocka_unit_test(test_sections),
		cmocka_unit_test(test_standalone_lines),       cmocka_unit_test(test_errors_name_the_offset),
		cmocka_unit_test(test_output_cap),             cmocka_unit_test(test_markdown_escape),
		cmocka_unit_test(test_ticket_templates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
