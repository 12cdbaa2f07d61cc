/* Treatment policies (workflow/policy.h keys): GET / PUT /api/v1/policy
 * for the organisation (admins change it), GET / PUT
 * /api/v1/assets/{slug}/policy for an asset's overrides (admins and
 * security). GET answers the effective policy. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "common/rc.h"
#include "daemon/auth/auth.h"
#include "db/q_asset.h"
#include "db/q_workflow.h"

static long long asset_of(struct http_req *req, struct http_resp *resp, struct db *db)
{
	const char *slug = http_param(req, "slug");
	if (!slug)
		return 0;
	long long id = 0;
	int archived = 0;
	int rc = asset_lookup(db, req->who.org_id, slug, &id, &archived);
	if (rc == FF_ENOTFOUND)
		http_problem(resp, 404, "Not found", NULL, "no asset '%s'", slug);
	else if (rc)
		http_db_error(resp, rc, db);
	if (rc == FF_OK && !api_asset_access(req, resp, db, id, false))
		return -1;
	return rc ? -1 : id;
}

void api_policy_get(struct http_req *req, struct http_resp *resp, struct db *db)
{
	long long asset = asset_of(req, resp, db);
	if (asset < 0)
		return;
	char *out = NULL;
	int rc = workflow_policy_json(db, req->who.org_id, asset, &out);
	if (rc)
		http_db_error(resp, rc, db);
	else
		http_json(resp, 200, out);
}

void api_policy_put(struct http_req *req, struct http_resp *resp, struct db *db)
{
	bool for_asset = http_param(req, "slug") != NULL;
	if (!auth_role_in(req, for_asset ? "admin|security" : "admin")) {
		auth_forbid(resp, for_asset ? "changing an asset's policy needs the admin or security role"
					    : "changing the organisation's policy needs the admin role");
		return;
	}
	long long asset = asset_of(req, resp, db);
	if (asset < 0)
		return;
	json_t *body = api_body_object(req, resp);
	if (!body)
		return;
	char *text = json_dumps(body, JSON_COMPACT), bad[200] = "", idbuf[24];
	struct audit_actor actor;
	auth_actor(req, &actor, idbuf, sizeof(idbuf));
	int rc = workflow_policy_put(db, req->who.org_id, asset, text, &actor, bad, sizeof(bad));
	if (rc == FF_EINVAL) {
		char key[100], ptr[110];
		snprintf(key, sizeof(key), "%.*s", (int)(strchr(bad, ':') ? strchr(bad, ':') - bad : 0), bad);
		api_pointer(ptr, sizeof(ptr), key);
		http_problem(resp, 422, "Validation failed", ptr, "%s", bad);
	} else if (rc) {
		http_db_error(resp, rc, db);
	} else {
		api_policy_get(req, resp, db);
	}
	free(text);
	json_decref(body);
}
