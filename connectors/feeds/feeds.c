/* Feed registry, error helpers, downloads and the cursor codec. */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fftime.h"
#include "common/mem.h"
#include "common/rc.h"
#include "common/str.h"
#include "connectors/http_client.h"
#include "feeds_int.h"

static const struct feed_ops *const registry[] = {
	&feed_nvd_ops, &feed_kev_ops, &feed_epss_ops, &feed_exploitdb_ops,
};

const char *const feed_names[] = { "nvd", "kev", "epss", "exploitdb", NULL };

const struct feed_ops *feed_lookup(const char *name)
{
	for (size_t i = 0; name && i < sizeof(registry) / sizeof(registry[0]); i++)
		if (strcmp(registry[i]->name, name) == 0)
			return registry[i];
	return NULL;
}

int feed_err_set(struct feed_err *e, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return rc;
}

int feed_is_url(const char *where)
{
	return str_starts_with(where, "http://") || str_starts_with(where, "https://");
}

int feed_read(const struct feed_ops *ops, const char *where, const struct feed_opts *o,
	      const struct feed_sink *s, struct feed_err *e)
{
	static const struct feed_opts none;
	if (!o)
		o = &none;
	e->msg[0] = '\0';
	if (feed_is_url(where)) {
		if (!ops->read_url)
			return feed_err_set(e, FF_ENOTSUP, "%s: reading from a URL is not supported", ops->name);
		return ops->read_url(where, o, s, e);
	}
	return ops->read_path(where, o, s, e);
}

int feed_iso_date_ok(const char *s)
{
	int64_t d;
	return s && strlen(s) == 10 && ff_date_parse(s, &d) == FF_OK;
}

int feed_cve_id_ok(const char *s)
{
	if (!s || strncmp(s, "CVE-", 4) != 0)
		return 0;
	for (int i = 4; i < 8; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	if (s[8] != '-')
		return 0;
	size_t n = 0;
	for (const char *p = s + 9; *p; p++, n++)
		if (*p < '0' || *p > '9')
			return 0;
	return n >= 4 && n <= 19;
}

int feed_read_file_all(const char *path, size_t max, struct buf *out, struct feed_err *e)
{
	int rc = FF_OK;
	gzFile f = gzopen(path, "rb");
	if (!f)
		return feed_err_set(e, errno == ENOENT ? FF_ENOTFOUND : FF_EPERM, "%s: could not open: %s", path,
				    strerror(errno));
	buf_init(out, max ? max : (size_t)512 << 20);
	char chunk[65536];
	for (;;) {
		int n = gzread(f, chunk, sizeof(chunk));
		if (n < 0) {
			int zerr;
			rc = feed_err_set(e, FF_EINVAL, "%s: could not read: %s", path, gzerror(f, &zerr));
			goto out;
		}
		if (n == 0)
			break;
		if (buf_append(out, chunk, (size_t)n)) {
			rc = feed_err_set(e, FF_ETOOBIG, "%s: larger than %zu bytes", path, out->cap);
			goto out;
		}
	}
	int zerr = Z_OK;
	const char *zmsg = gzerror(f, &zerr);
	if (zerr != Z_OK && zerr != Z_STREAM_END)
		rc = feed_err_set(e, FF_EINVAL, "%s: truncated or corrupt gzip data: %s", path, zmsg);
out:
	gzclose(f);
	return rc;
}

int feed_download(const char *url, const struct feed_opts *o, char **path, struct feed_err *e)
{
	int rc, fd = -1;
	struct hc_response resp = { 0 };
	const char *td = o->tmpdir ? o->tmpdir : getenv("TMPDIR");
	char *tmpl = xasprintf("%s/flawfix-feed-XXXXXX", td && *td ? td : "/tmp");
	struct hc_request req = {
		.method = "GET", .url = url, .timeout_ms = 600000, .max_attempts = 4,
		.max_response = o->max_file ? o->max_file : (size_t)512 << 20,
	};
	*path = NULL;
	rc = hc_perform(&req, &resp);
	if (rc) {
		rc = feed_err_set(e, rc, "%s: download failed: %s", url, resp.error[0] ? resp.error : ff_rc_str(rc));
		goto out;
	}
	if (resp.status != 200) {
		rc = feed_err_set(e, resp.status == 404 ? FF_ENOTFOUND : FF_ETEMP, "%s: download failed: HTTP %ld", url,
				  resp.status);
		goto out;
	}
	fd = mkstemp(tmpl);
	if (fd < 0 || write(fd, resp.body, resp.body_len) != (ssize_t)resp.body_len) {
		rc = feed_err_set(e, FF_EPERM, "%s: could not write a temporary file: %s", tmpl, strerror(errno));
		goto out;
	}
	*path = tmpl;
	tmpl = NULL;
out:
	if (fd >= 0)
		close(fd);
	if (tmpl && fd >= 0)
		unlink(tmpl);
	free(tmpl);
	hc_response_free(&resp);
	return rc;
}

int feed_read_via_download(const struct feed_ops *ops, const char *url, const struct feed_opts *o,
			   const struct feed_sink *s, struct feed_err *e)
{
	char *path = NULL;
	int rc = feed_download(url, o, &path, e);
	if (rc)
		return rc;
	rc = ops->read_path(path, o, s, e);
	unlink(path);
	free(path);
	return rc;
}

char *feed_cursor_to_json(const struct feed_cursor *c)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:I}", "win_start", c->win_start, "win_end", c->win_end,
			      "final_end", c->final_end, "next_index", (json_int_t)c->next_index, "total",
			      (json_int_t)c->total);
	char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	char *r = xstrdup(s);
	free(s);
	return r;
}

static int copy_str(json_t *o, const char *k, char *out, size_t outlen)
{
	const char *v = json_string_value(json_object_get(o, k));
	if (!v || strlen(v) >= outlen)
		return FF_EINVAL;
	memcpy(out, v, strlen(v) + 1);
	return FF_OK;
}

int feed_cursor_from_json(const char *s, struct feed_cursor *c)
{
	int rc = FF_EINVAL;
	json_t *o = json_loads(s ? s : "", 0, NULL);
	memset(c, 0, sizeof(*c));
	if (!json_is_object(o))
		goto out;
	if (copy_str(o, "win_start", c->win_start, sizeof(c->win_start)) ||
	    copy_str(o, "win_end", c->win_end, sizeof(c->win_end)) ||
	    copy_str(o, "final_end", c->final_end, sizeof(c->final_end)))
		goto out;
	json_t *ni = json_object_get(o, "next_index"), *tot = json_object_get(o, "total");
	if (!json_is_integer(ni) || json_integer_value(ni) < 0)
		goto out;
	c->next_index = json_integer_value(ni);
	c->total = json_is_integer(tot) ? json_integer_value(tot) : -1;
	rc = FF_OK;
out:
	json_decref(o);
	return rc;
}
