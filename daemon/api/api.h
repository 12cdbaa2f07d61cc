/* daemon/api/api.h - REST handlers, one file per resource. */
#ifndef FF_DAEMON_API_API_H
#define FF_DAEMON_API_API_H

#include <jansson.h>
#include <stdbool.h>

#include "daemon/http/http.h"

/* meta.c */
void api_healthz(struct http_req *req, struct http_resp *resp, struct db *db);
void api_readyz(struct http_req *req, struct http_resp *resp, struct db *db);
void api_metrics(struct http_req *req, struct http_resp *resp, struct db *db);
void api_openapi(struct http_req *req, struct http_resp *resp, struct db *db);

/* assets.c */
void api_asset_create(struct http_req *req, struct http_resp *resp, struct db *db);
void api_asset_list(struct http_req *req, struct http_resp *resp, struct db *db);
void api_asset_get(struct http_req *req, struct http_resp *resp, struct db *db);
void api_asset_patch(struct http_req *req, struct http_resp *resp, struct db *db);
void api_asset_archive(struct http_req *req, struct http_resp *resp, struct db *db);

/* scans.c */
void api_scan_upload(struct http_req *req, struct http_resp *resp, struct db *db);
void api_scan_get(struct http_req *req, struct http_resp *resp, struct db *db);
void api_scan_list(struct http_req *req, struct http_resp *resp, struct db *db);
/* api_asset_access: may the caller upload for (write) or read the asset's
 * scans and findings; answers 403 and returns false when not */
bool api_asset_access(struct http_req *req, struct http_resp *resp, struct db *db, long long asset_id, bool write);

/* findings.c */
void api_finding_list(struct http_req *req, struct http_resp *resp, struct db *db);
void api_finding_get(struct http_req *req, struct http_resp *resp, struct db *db);
void api_finding_events(struct http_req *req, struct http_resp *resp, struct db *db);

/* actions.c: workflow commands on one finding / a selection */
void api_finding_action(struct http_req *req, struct http_resp *resp, struct db *db);
void api_finding_bulk_action(struct http_req *req, struct http_resp *resp, struct db *db);

/* events.c, queues.c, policy.c */
void api_event_list(struct http_req *req, struct http_resp *resp, struct db *db);
void api_queue_get(struct http_req *req, struct http_resp *resp, struct db *db);
void api_policy_get(struct http_req *req, struct http_resp *resp, struct db *db);
void api_policy_put(struct http_req *req, struct http_resp *resp, struct db *db);

/* session.c: login (public), who am I, logout */
void api_session_create(struct http_req *req, struct http_resp *resp, struct db *db);
void api_session_get(struct http_req *req, struct http_resp *resp, struct db *db);
void api_session_delete(struct http_req *req, struct http_resp *resp, struct db *db);

/* trackers.c: tracker instances, identities, the asset binding, webhooks */
void api_tracker_create(struct http_req *req, struct http_resp *resp, struct db *db);
void api_tracker_list(struct http_req *req, struct http_resp *resp, struct db *db);
void api_tracker_get(struct http_req *req, struct http_resp *resp, struct db *db);
void api_tracker_patch(struct http_req *req, struct http_resp *resp, struct db *db);
void api_tracker_test(struct http_req *req, struct http_resp *resp, struct db *db);
void api_tracker_identities(struct http_req *req, struct http_resp *resp, struct db *db);
void api_tracker_identity_put(struct http_req *req, struct http_resp *resp, struct db *db);
void api_tracker_identity_match(struct http_req *req, struct http_resp *resp, struct db *db);
void api_asset_tracker(struct http_req *req, struct http_resp *resp, struct db *db);
void api_webhook_jira(struct http_req *req, struct http_resp *resp, struct db *db);
void api_webhook_gitlab(struct http_req *req, struct http_resp *resp, struct db *db);
void api_webhook_redmine(struct http_req *req, struct http_resp *resp, struct db *db);

/* users.c: the organisation's users and roles */
void api_user_list(struct http_req *req, struct http_resp *resp, struct db *db);
void api_user_get(struct http_req *req, struct http_resp *resp, struct db *db);
void api_user_create(struct http_req *req, struct http_resp *resp, struct db *db);
void api_user_patch(struct http_req *req, struct http_resp *resp, struct db *db);

/* body.c: JSON request bodies. api_body_object parses the body as one JSON
 * object (duplicates rejected); on error it writes a 400/415/422 problem
 * with the position and returns NULL. The caller json_decref()s. */
json_t *api_body_object(struct http_req *req, struct http_resp *resp);
/* api_check_fields: every key of obj must be in allowed (NULL-terminated);
 * otherwise 422 with a pointer to the unknown field. */
int api_check_fields(json_t *obj, const char *const *allowed, struct http_resp *resp);
/* api_pointer_escape writes "/" + key with ~ and / escaped (RFC 6901). */
void api_pointer(char *out, size_t n, const char *key);
/* api_limit reads ?limit= (default def, 1..max) or answers 422 and returns -1 */
int api_limit(struct http_req *req, struct http_resp *resp, int def, int max);
/* api_id_param reads the {id} path parameter (a positive integer) or
 * answers 404 naming what was looked for, and returns -1 */
long long api_id_param(struct http_req *req, struct http_resp *resp, const char *what);
/* api_cursor reads ?cursor= (an id from next_cursor) or answers 422 and returns -1 */
long long api_cursor(struct http_req *req, struct http_resp *resp);

#endif
