/* GET /api/v1/queues/{name}: the work lists of the workflow -
 * acceptance-review, false-positive-revalidation, approvals, sla-breaches.
 * ?within_days=N limits review / revalidation dates to the next N days. */
#include <stdio.h>

#include "api.h"
#include "common/rc.h"
#include "common/str.h"
#include "daemon/auth/auth.h"
#include "db/q_workflow.h"

void api_queue_get(struct http_req *req, struct http_resp *resp, struct db *db)
{
	const char *name = http_param(req, "name");
	long long within = -1;
	const char *w = http_query(req, "within_days");
	if (w && str_to_ll(w, 0, 3650, &within)) {
		http_problem(resp, 422, "Validation failed", "/within_days", "within_days must be 0..3650");
		return;
	}
	int limit = api_limit(req, resp, 100, 1000);
	long long after = limit < 0 ? -1 : api_cursor(req, resp);
	if (after < 0)
		return;
	char *out = NULL;
	int rc = workflow_queue_json(db, req->who.org_id, name, auth_role_in(req, "member") ? req->who.user_id : 0,
				     (int)within, after, limit, &out);
	if (rc == FF_ENOTFOUND)
		http_problem(resp, 404, "Not found", NULL, "no queue '%s'; queues are acceptance-review,"
			     " false-positive-revalidation, approvals, sla-breaches", name);
	else if (rc)
		http_db_error(resp, rc, db);
	else
		http_json(resp, 200, out);
}
