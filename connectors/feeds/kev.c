/* CISA KEV catalogue (JSON). Checked against the published schema's
 * required fields; "count" must equal the number of entries, since the
 * catalogue replaces the mirror as a whole and a short file would drop
 * entries. */
#include <jansson.h>
#include <string.h>

#include "common/buf.h"
#include "common/rc.h"
#include "feeds_int.h"

#define KEV_MAX_FILE ((size_t)64 << 20)

static const char *str_field(json_t *v, const char *k)
{
	return json_string_value(json_object_get(v, k));
}

static int cwes_join(json_t *v, struct buf *b)
{
	json_t *a = json_object_get(v, "cwes"), *it;
	size_t i;
	buf_reset(b);
	if (!a)
		return FF_OK;
	if (!json_is_array(a))
		return FF_EINVAL;
	json_array_foreach(a, i, it) {
		const char *s = json_string_value(it);
		if (!s || strncmp(s, "CWE-", 4) != 0)
			return FF_EINVAL;
		if ((i && buf_putc(b, ',')) || buf_puts(b, s))
			return FF_ETOOBIG;
	}
	return FF_OK;
}

static int entry(const char *path, size_t idx, json_t *v, struct buf *cw, const struct feed_sink *s,
		 struct feed_err *e)
{
	struct feed_kev r = {
		.cve_id = str_field(v, "cveID"), .vendor = str_field(v, "vendorProject"),
		.product = str_field(v, "product"), .name = str_field(v, "vulnerabilityName"),
		.date_added = str_field(v, "dateAdded"), .due_date = str_field(v, "dueDate"),
		.ransomware = str_field(v, "knownRansomwareCampaignUse"),
		.required_action = str_field(v, "requiredAction"),
		.short_description = str_field(v, "shortDescription"), .notes = str_field(v, "notes"),
	};
	const char *id = r.cve_id ? r.cve_id : "?";
	if (!json_is_object(v) || !feed_cve_id_ok(r.cve_id))
		return feed_err_set(e, FF_EINVAL, "%s: /vulnerabilities/%zu: missing or bad cveID", path, idx);
	if (!r.vendor || !r.product || !r.name || !r.required_action || !r.short_description)
		return feed_err_set(e, FF_EINVAL, "%s: /vulnerabilities/%zu (%s): a required field is missing", path, idx,
				    id);
	if (!feed_iso_date_ok(r.date_added) || !feed_iso_date_ok(r.due_date))
		return feed_err_set(e, FF_EINVAL, "%s: /vulnerabilities/%zu (%s): bad dateAdded or dueDate '%.20s'/'%.20s'",
				    path, idx, id, r.date_added ? r.date_added : "", r.due_date ? r.due_date : "");
	if (r.ransomware && strcmp(r.ransomware, "Known") && strcmp(r.ransomware, "Unknown"))
		return feed_err_set(e, FF_EINVAL, "%s: /vulnerabilities/%zu (%s): knownRansomwareCampaignUse '%.20s'",
				    path, idx, id, r.ransomware);
	if (cwes_join(v, cw))
		return feed_err_set(e, FF_EINVAL, "%s: /vulnerabilities/%zu (%s): bad cwes", path, idx, id);
	r.cwes = cw->data ? cw->data : "";
	if (!r.ransomware)
		r.ransomware = "Unknown";
	if (!r.notes)
		r.notes = "";
	return s->record(s->ctx, FEED_KEV, &r);
}

static int catalogue(const char *path, json_t *root, const struct feed_sink *s, struct feed_err *e)
{
	json_t *vulns = json_object_get(root, "vulnerabilities"), *v;
	json_t *count = json_object_get(root, "count");
	struct buf cw = { 0 };
	size_t i;
	int rc = FF_OK;
	if (!json_is_array(vulns) || !json_is_integer(count) || !str_field(root, "catalogVersion"))
		return feed_err_set(e, FF_EINVAL,
				    "%s: not a KEV catalogue (catalogVersion, count and vulnerabilities are required)", path);
	if ((size_t)json_integer_value(count) != json_array_size(vulns))
		return feed_err_set(e, FF_EINVAL, "%s: /count is %lld but the catalogue holds %zu entries (truncated?)",
				    path, (long long)json_integer_value(count), json_array_size(vulns));
	buf_init(&cw, 64 * 1024);
	if (s->total)
		s->total(s->ctx, (long long)json_array_size(vulns));
	json_array_foreach(vulns, i, v) {
		rc = entry(path, i, v, &cw, s, e);
		if (rc)
			break;
	}
	buf_free(&cw);
	if (rc == FF_OK && s->batch_done)
		rc = s->batch_done(s->ctx, NULL);
	return rc;
}

static int kev_read_path(const char *path, const struct feed_opts *o, const struct feed_sink *s, struct feed_err *e)
{
	struct buf b = { 0 };
	json_error_t je;
	json_t *root = NULL;
	int rc = feed_read_file_all(path, o->max_file ? o->max_file : KEV_MAX_FILE, &b, e);
	if (rc)
		goto out;
	root = json_loadb(b.data, b.len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		rc = feed_err_set(e, FF_EINVAL, "%s: line %d column %d: invalid JSON (truncated?): %s", path, je.line,
				  je.column, je.text);
		goto out;
	}
	rc = catalogue(path, root, s, e);
out:
	json_decref(root);
	buf_free(&b);
	return rc;
}

static int kev_read_url(const char *url, const struct feed_opts *o, const struct feed_sink *s, struct feed_err *e)
{
	return feed_read_via_download(&feed_kev_ops, url, o, s, e);
}

const struct feed_ops feed_kev_ops = {
	.name = "kev",
	.kind = FEED_KEV,
	.read_path = kev_read_path,
	.read_url = kev_read_url,
};
