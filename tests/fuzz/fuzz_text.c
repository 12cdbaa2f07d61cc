/* libFuzzer: text that comes from people and scanners and is turned into
 * other text: Mustache templates (templates/, with a fixed context and
 * each escaping), ticket comments as slash commands, mail header values,
 * Jira ADF built from text and flattened back. The first byte picks. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/rc.h"
#include "connectors/conn.h"
#include "connectors/jira/jira.h"
#include "mail/mail.h"
#include "templates/tpl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static json_t *ctx;
	if (!ctx)
		ctx = json_pack("{s:s, s:i, s:[{s:s}, {s:s}], s:{s:s}, s:b, s:n}", "title", "SQL <injection> & *more*",
				"score", 9, "refs", "url", "https://a.example/1", "url", "x", "finding", "asset", "web",
				"yes", 1, "none");
	if (size < 1)
		return 0;
	char *text = malloc(size);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	struct buf out;
	buf_init(&out, 1 << 20);
	char err[256];
	switch (data[0] % 5) {
	case 0:
		tpl_render(text, ctx, tpl_escape_markdown, &out, err, sizeof(err));
		break;
	case 1:
		tpl_render(text, ctx, tpl_escape_html, &out, err, sizeof(err));
		break;
	case 2: {
		struct conn_slash s;
		conn_slash_parse(text, &s);
		conn_slash_free(&s);
		break;
	}
	case 3:
		mail_header_n(&out, "Subject", text, 250);
		if (strstr(out.data, "\r\n") != out.data + out.len - 2 && !strstr(out.data, "=?UTF-8?B?"))
			abort(); /* a header field that spans lines without encoded words */
		break;
	default: {
		json_t *adf = jira_adf_from_text(text);
		char *back = jira_adf_to_text(adf);
		free(back);
		json_decref(adf);
		break;
	}
	}
	buf_free(&out);
	free(text);
	return 0;
}
