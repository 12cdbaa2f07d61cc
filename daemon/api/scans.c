/* Scans: upload (raw body or multipart; the report is spooled, stored and
 * imported by a job; the answer waits a few seconds for the diff, else 202
 * with the scan's URL), read one, list an asset's. */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "common/cfg.h"
#include "common/fftime.h"
#include "common/mem.h"
#include "common/rc.h"
#include "common/str.h"
#include "daemon/auth/auth.h"
#include "db/q_asset.h"
#include "db/q_scan.h"
#include "ingest/ingest.h"

static bool name_ok(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '.' && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

/* may the caller upload for / read the scans of this asset? */
bool api_asset_access(struct http_req *req, struct http_resp *resp, struct db *db, long long asset_id, bool write)
{
	if (strcmp(req->who.scope, "upload") == 0) {
		if (req->who.asset_id != asset_id)
			return auth_forbid(resp, "this upload token belongs to another asset");
		return true;
	}
	if (auth_role_in(req, "admin|security") || (!write && auth_role_in(req, "auditor")))
		return true;
	int tech = 0, risk = 0;
	int rc = asset_user_relation(db, asset_id, req->who.user_id, &tech, &risk);
	if (rc) {
		http_db_error(resp, rc, db);
		return false;
	}
	if (tech || (!write && risk))
		return true;
	return auth_forbid(resp, write ? "uploading needs the admin or security role, technical ownership of the asset,"
					 " or an upload token for it"
				       : "you are not an owner of this asset");
}

static int parse_params(struct http_req *req, struct http_resp *resp, struct scan_new *s)
{
	const char *partial = http_form(req, "partial");
	s->scanner = http_form(req, "scanner");
	s->target = http_form(req, "target");
	s->ref = http_form(req, "ref");
	s->format = http_form(req, "format");
	if (!s->scanner || !name_ok(s->scanner, 64)) {
		http_problem(resp, 422, "Validation failed", "/scanner",
			     "scanner is required: a name of 1-64 letters, digits, '.', '_' or '-' (e.g. trivy)");
		return -1;
	}
	if (s->target && (strlen(s->target) > 512 || !str_utf8_valid(s->target, strlen(s->target)))) {
		http_problem(resp, 422, "Validation failed", "/target", "target must be valid UTF-8 of at most 512 bytes");
		return -1;
	}
	if (s->ref && (strlen(s->ref) == 0 || strlen(s->ref) > 255)) {
		http_problem(resp, 422, "Validation failed", "/ref", "ref must be 1-255 characters");
		return -1;
	}
	if (partial && strcmp(partial, "true") && strcmp(partial, "false") && strcmp(partial, "1") && strcmp(partial, "0")) {
		http_problem(resp, 422, "Validation failed", "/partial", "partial must be true or false, not '%s'", partial);
		return -1;
	}
	s->partial = partial && (strcmp(partial, "true") == 0 || strcmp(partial, "1") == 0);
	if (s->format && ingest_format_parse(s->format) == INGEST_FMT_UNKNOWN) {
		http_problem(resp, 422, "Validation failed", "/format",
			     "unknown format '%s'; known: sarif, trivy, cyclonedx, grype, osv, npm-audit, npm-audit-7,"
			     " gitleaks, semgrep, dependency-check (or leave it out to detect)", s->format);
		return -1;
	}
	return 0;
}

static void answer_failed(struct http_resp *resp, char *scan)
{
	json_t *j = json_loads(scan, 0, NULL);
	json_t *e = json_object_get(j, "error");
	json_t *p = json_object();
	/* the report was fine but the database gave up on it: our failure */
	const char *reason = json_string_value(json_object_get(e, "reason"));
	int status = reason && strcmp(reason, "database") == 0 ? 500 : 422;
	json_object_set_new(p, "type", json_string(status == 500 ? "https://flawfix.dev/problems/import-failed"
								 : "https://flawfix.dev/problems/unreadable-report"));
	json_object_set_new(p, "title", json_string(status == 500 ? "The import failed in the database"
								  : "The report could not be read"));
	json_object_set_new(p, "status", json_integer(status));
	json_object_set(p, "detail", json_object_get(e, "message"));
	json_object_set(p, "scan", json_object_get(j, "id"));
	json_object_set(p, "format", json_object_get(e, "format"));
	static const char *pos[] = { "offset", "line", "column" };
	for (int i = 0; i < 3; i++)
		json_object_set(p, pos[i], json_object_get(e, pos[i]));
	json_object_set(p, "report_pointer", json_object_get(e, "pointer"));
	char *s = json_dumps(p, JSON_COMPACT);
	json_decref(p);
	json_decref(j);
	free(scan);
	http_json(resp, status, s);
	resp->content_type = "application/problem+json";
}

void api_scan_upload(struct http_req *req, struct http_resp *resp, struct db *db)
{
	long long asset_id;
	int archived = 0;
	const char *slug = http_param(req, "slug");
	int rc = asset_lookup(db, req->who.org_id, slug, &asset_id, &archived);
	if (rc == FF_ENOTFOUND) {
		http_problem(resp, 404, "Not found", NULL, "no asset with slug '%s'", slug);
		return;
	}
	if (rc) {
		http_db_error(resp, rc, db);
		return;
	}
	if (!api_asset_access(req, resp, db, asset_id, true))
		return;
	if (archived) {
		http_problem(resp, 409, "Conflict", NULL, "asset '%s' is archived; unarchive it to upload scans", slug);
		return;
	}
	struct scan_new s = { .org_id = req->who.org_id, .asset_id = asset_id, .user_id = req->who.user_id,
			      .token_id = req->who.token_id, .spool_fd = req->spool_fd, .size = req->spool_size };
	if (parse_params(req, resp, &s))
		return;
	if (req->spool_fd < 0 || req->spool_size == 0) {
		http_problem(resp, 422, "Validation failed", "", "the report is empty: send it as the body or as the"
								 " multipart field 'file'");
		return;
	}
	long long id;
	if ((rc = scan_create(db, &s, &id))) {
		http_db_error(resp, rc, db);
		return;
	}
	char *scan = NULL, status[16] = "";
	int64_t until = ff_mono_us() + cfg_int("scan_wait_seconds") * 1000000;
	/* small reports are answered within a few ms; a long import is asked
	 * about five times a second, not forty, so the waiting does not compete
	 * with the import for the database */
	int pause_ms = 5;
	for (;;) {
		free(scan);
		scan = NULL;
		if ((rc = scan_json(db, req->who.org_id, id, &scan, status, sizeof(status)))) {
			http_db_error(resp, rc, db);
			return;
		}
		if (strcmp(status, "done") == 0 || strcmp(status, "failed") == 0 || ff_mono_us() >= until)
			break;
		ff_sleep_ms(pause_ms);
		pause_ms = pause_ms * 3 / 2 > 200 ? 200 : pause_ms * 3 / 2;
	}
	resp->location = xasprintf("/api/v1/scans/%lld", id);
	if (strcmp(status, "failed") == 0)
		answer_failed(resp, scan);
	else
		http_json(resp, strcmp(status, "done") == 0 ? 201 : 202, scan);
}

void api_scan_get(struct http_req *req, struct http_resp *resp, struct db *db)
{
	long long id = api_id_param(req, resp, "scan");
	if (id < 0)
		return;
	char *scan = NULL;
	int rc = scan_json(db, req->who.org_id, id, &scan, NULL, 0);
	if (rc == FF_ENOTFOUND) {
		http_problem(resp, 404, "Not found", NULL, "no scan %lld", id);
		return;
	}
	if (rc) {
		http_db_error(resp, rc, db);
		return;
	}
	json_t *j = json_loads(scan, 0, NULL);
	long long asset_id = 0;
	int archived = 0;
	asset_lookup(db, req->who.org_id, json_string_value(json_object_get(j, "asset")), &asset_id, &archived);
	json_decref(j);
	if (!api_asset_access(req, resp, db, asset_id, false)) {
		free(scan);
		/* do not tell another asset's token that the scan exists */
		http_problem(resp, 404, "Not found", NULL, "no scan %lld", id);
		return;
	}
	http_json(resp, 200, scan);
}

void api_scan_list(struct http_req *req, struct http_resp *resp, struct db *db)
{
	long long asset_id;
	int archived;
	const char *slug = http_param(req, "slug");
	int rc = asset_lookup(db, req->who.org_id, slug, &asset_id, &archived);
	if (rc) {
		http_problem(resp, 404, "Not found", NULL, "no asset with slug '%s'", slug);
		return;
	}
	if (!api_asset_access(req, resp, db, asset_id, false))
		return;
	int limit = api_limit(req, resp, 50, 500);
	long long before = api_cursor(req, resp);
	if (limit < 0 || before < 0)
		return;
	char *out = NULL;
	if ((rc = scan_list_json(db, req->who.org_id, asset_id, before, limit, &out)))
		http_db_error(resp, rc, db);
	else
		http_json(resp, 200, out);
}
