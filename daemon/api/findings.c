/* /api/v1/findings: list with filters, one finding in detail, its events */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "common/rc.h"
#include "common/str.h"
#include "daemon/auth/auth.h"
#include "db/q_finding.h"

static long long visible_to(const struct http_req *req)
{
	return auth_role_in(req, "member") ? req->who.user_id : 0;
}

static bool list_ok(const char *csv, const char *allowed)
{
	char tmp[256];
	snprintf(tmp, sizeof(tmp), "%s", csv);
	for (char *p = tmp, *e; p && *p; p = e ? e + 1 : NULL) {
		e = strchr(p, ',');
		if (e)
			*e = '\0';
		char pat[300];
		snprintf(pat, sizeof(pat), "|%s|", p);
		if (!strstr(allowed, pat))
			return false;
	}
	return true;
}

void api_finding_list(struct http_req *req, struct http_resp *resp, struct db *db)
{
	static const char *states = "|open|accepted|acceptance_requested|mitigating|verifying|transferred|avoided|false_positive|fixed|";
	static const char *sevs = "|unknown|none|low|medium|high|critical|";
	static const char *kinds = "|sca|container|sast|secret|iac|dast|other|";
	struct finding_filter f = {
		.asset = http_query(req, "asset"), .state = http_query(req, "state"),
		.severity = http_query(req, "severity"), .kind = http_query(req, "kind"),
		.cve = http_query(req, "cve"), .scanner = http_query(req, "scanner"), .q = http_query(req, "q"),
		.sort = http_query(req, "sort"), .cursor = http_query(req, "cursor"),
		.restrict_user_id = visible_to(req),
	};
	if (f.state && !list_ok(f.state, states)) {
		http_problem(resp, 422, "Validation failed", NULL, "state must be a comma-separated list of %s", states);
		return;
	}
	if (f.severity && !list_ok(f.severity, sevs)) {
		http_problem(resp, 422, "Validation failed", NULL, "severity must be a comma-separated list of %s", sevs);
		return;
	}
	if (f.kind && !list_ok(f.kind, kinds)) {
		http_problem(resp, 422, "Validation failed", NULL, "kind must be one of %s", kinds);
		return;
	}
	if (f.sort && strcmp(f.sort, "id") && strcmp(f.sort, "score") && strcmp(f.sort, "age")) {
		http_problem(resp, 422, "Validation failed", NULL, "sort must be id, score or age");
		return;
	}
	if ((f.limit = api_limit(req, resp, 50, 1000)) < 0)
		return;
	char *out = NULL;
	int rc = finding_list_json(db, req->who.org_id, &f, &out);
	if (rc == FF_EINVAL)
		http_problem(resp, 422, "Validation failed", NULL, "cursor is not a next_cursor of this sort order");
	else if (rc)
		http_db_error(resp, rc, db);
	else
		http_json(resp, 200, out);
}

typedef int (*finding_reader)(struct db *db, long long org_id, long long id, long long restrict_user_id, char **out);

static void answer_finding(struct http_req *req, struct http_resp *resp, struct db *db, finding_reader read)
{
	long long id = api_id_param(req, resp, "finding");
	if (id < 0)
		return;
	char *out = NULL;
	int rc = read(db, req->who.org_id, id, visible_to(req), &out);
	if (rc == FF_ENOTFOUND)
		http_problem(resp, 404, "Not found", NULL, "no finding %lld", id);
	else if (rc)
		http_db_error(resp, rc, db);
	else
		http_json(resp, 200, out);
}

void api_finding_get(struct http_req *req, struct http_resp *resp, struct db *db)
{
	answer_finding(req, resp, db, finding_get_json);
}

void api_finding_events(struct http_req *req, struct http_resp *resp, struct db *db)
{
	answer_finding(req, resp, db, finding_events_json);
}
