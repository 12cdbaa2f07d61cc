/* GET /api/v1/events: the audit log for auditors, with filters (type,
 * actor, asset, finding, since, until) and cursor pagination; ?format=csv
 * is the auditors' export (up to 10000 lines a page, X-Next-Cursor names
 * the next page). Members see
 * the events of the assets they belong to. */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "common/fftime.h"
#include "common/mem.h"
#include "common/rc.h"
#include "common/str.h"
#include "daemon/auth/auth.h"
#include "db/q_workflow.h"

/* a date (YYYY-MM-DD) or an ISO timestamp starting with one */
static bool time_ok(const char *s)
{
	char day[11];
	int64_t d;
	if (strlen(s) < 10 || strlen(s) > 40)
		return false;
	snprintf(day, sizeof(day), "%.10s", s);
	if (ff_date_parse(day, &d))
		return false;
	for (const char *p = s + 10; *p; p++)
		if (!strchr("0123456789T:.+-Z ", *p))
			return false;
	return true;
}

void api_event_list(struct http_req *req, struct http_resp *resp, struct db *db)
{
	struct event_filter f = {
		.type = http_query(req, "type"), .actor = http_query(req, "actor"), .asset = http_query(req, "asset"),
		.since = http_query(req, "since"), .until = http_query(req, "until"),
		.restrict_user_id = auth_role_in(req, "member") ? req->who.user_id : 0,
	};
	const char *fid = http_query(req, "finding");
	if (fid && str_to_ll(fid, 1, 9223372036854775807LL, &f.finding_id)) {
		http_problem(resp, 422, "Validation failed", "/finding", "finding must be a finding id");
		return;
	}
	if (f.since && !time_ok(f.since)) {
		http_problem(resp, 422, "Validation failed", "/since", "since must be a date (YYYY-MM-DD) or an ISO timestamp");
		return;
	}
	if (f.until && !time_ok(f.until)) {
		http_problem(resp, 422, "Validation failed", "/until", "until must be a date (YYYY-MM-DD) or an ISO timestamp");
		return;
	}
	const char *format = http_query(req, "format");
	if (format && strcmp(format, "json") && strcmp(format, "csv")) {
		http_problem(resp, 422, "Validation failed", "/format", "format must be json or csv");
		return;
	}
	f.csv = format && strcmp(format, "csv") == 0;
	if ((f.limit = api_limit(req, resp, 100, f.csv ? 10000 : 1000)) < 0 || (f.after_id = api_cursor(req, resp)) < 0)
		return;
	char *out = NULL, next[32] = "";
	f.next_cursor = next;
	f.next_cursor_len = sizeof(next);
	int rc = workflow_events_json(db, req->who.org_id, &f, &out);
	if (rc) {
		http_db_error(resp, rc, db);
	} else if (f.csv) {
		http_text(resp, 200, "text/csv; charset=utf-8", out, strlen(out));
		if (next[0]) { /* the next page of the export */
			resp->extra_header_name = xstrdup("X-Next-Cursor");
			resp->extra_header_value = xstrdup(next);
		}
	} else {
		http_json(resp, 200, out);
	}
}
