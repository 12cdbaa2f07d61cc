/* libFuzzer: tracker webhooks (connectors/): the body of a delivery as
 * Jira, GitLab or Redmine would send it, verified and parsed by each
 * backend; the first byte picks the backend. No network: the instances
 * are opened on an address nobody listens on and never called. */
#include <stddef.h>
#include <stdint.h>

#include "common/rc.h"
#include "connectors/conn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct conn *open_kind(const char *kind, enum conn_mode mode)
{
	struct conn_config cfg = { .kind = kind, .base_url = "http://127.0.0.1:9", .mode = mode, .token = "t",
				   .user = mode == CONN_MODE_CLOUD ? "bot@example.com" : NULL,
				   .project = "SEC", .webhook_secret = "s", .timeout_ms = 10, .max_attempts = 1 };
	struct conn *c = NULL;
	char err[256];
	return conn_open(&cfg, &c, err, sizeof(err)) == FF_OK ? c : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct conn *cs[4];
	static int opened;
	if (!opened) {
		opened = 1;
		cs[0] = open_kind("jira", CONN_MODE_CLOUD);
		cs[1] = open_kind("jira", CONN_MODE_DC);
		cs[2] = open_kind("gitlab", CONN_MODE_DEFAULT);
		cs[3] = open_kind("redmine", CONN_MODE_DEFAULT);
	}
	if (size < 1)
		return 0;
	struct conn *c = cs[data[0] % 4];
	if (!c)
		return 0;
	const struct http_header h[] = {
		{ "X-Hub-Signature", "sha256=00", 0 }, { "X-Gitlab-Token", "s", 0 }, { "X-Gitlab-Event", "Note Hook", 0 },
		{ "X-Atlassian-Webhook-Identifier", "1", 0 }, { "X-Redmine-Signature-256", "sha256=00", 0 },
	};
	struct conn_webhook_in in = { .headers = h, .nheaders = 5, .body = (const char *)data + 1, .body_len = size - 1 };
	conn_webhook_verify(c, &in);
	struct conn_event ev = { 0 };
	if (conn_webhook_parse(c, &in, &ev) == FF_OK && ev.text) {
		struct conn_slash s;
		conn_slash_parse(ev.text, &s);
		conn_slash_free(&s);
	}
	conn_event_free(&ev);
	return 0;
}
