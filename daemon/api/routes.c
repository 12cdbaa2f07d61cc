/* The route table: every route the daemon serves. The OpenAPI document
 * (daemon/api/openapi.json) describes exactly these; a test compares them. */
#include "api.h"

const struct route http_routes[] = {
	{ "GET", "/healthz", api_healthz, AUTH_NONE, 0 },
	{ "GET", "/readyz", api_readyz, AUTH_NONE, 0 },
	{ "GET", "/metrics", api_metrics, AUTH_NONE, 0 },
	{ "GET", "/api/v1/openapi.json", api_openapi, AUTH_NONE, 0 },
	{ "GET", "/api/v1/assets", api_asset_list, AUTH_READ, 0 },
	{ "POST", "/api/v1/assets", api_asset_create, AUTH_WRITE, 0 },
	{ "GET", "/api/v1/assets/{slug}", api_asset_get, AUTH_READ, 0 },
	{ "PATCH", "/api/v1/assets/{slug}", api_asset_patch, AUTH_WRITE, 0 },
	{ "POST", "/api/v1/assets/{slug}/archive", api_asset_archive, AUTH_WRITE, 0 },
	{ "POST", "/api/v1/assets/{slug}/scans", api_scan_upload, AUTH_UPLOAD, BODY_SPOOL },
	{ "GET", "/api/v1/assets/{slug}/scans", api_scan_list, AUTH_READ, 0 },
	{ "GET", "/api/v1/scans/{id}", api_scan_get, AUTH_READ_UPLOAD, 0 },
	{ "GET", "/api/v1/findings", api_finding_list, AUTH_READ, 0 },
	{ "GET", "/api/v1/findings/{id}", api_finding_get, AUTH_READ, 0 },
	{ "GET", "/api/v1/findings/{id}/events", api_finding_events, AUTH_READ, 0 },
	{ "POST", "/api/v1/findings/{id}/actions", api_finding_action, AUTH_WRITE, 0 },
	{ "POST", "/api/v1/findings/actions", api_finding_bulk_action, AUTH_WRITE, 0 },
	{ "GET", "/api/v1/events", api_event_list, AUTH_READ, 0 },
	{ "GET", "/api/v1/queues/{name}", api_queue_get, AUTH_READ, 0 },
	{ "GET", "/api/v1/policy", api_policy_get, AUTH_READ, 0 },
	{ "PUT", "/api/v1/policy", api_policy_put, AUTH_WRITE, 0 },
	{ "GET", "/api/v1/assets/{slug}/policy", api_policy_get, AUTH_READ, 0 },
	{ "PUT", "/api/v1/assets/{slug}/policy", api_policy_put, AUTH_WRITE, 0 },
	{ "POST", "/api/v1/session", api_session_create, AUTH_NONE, 0 },
	{ "GET", "/api/v1/session", api_session_get, AUTH_READ, 0 },
	{ "DELETE", "/api/v1/session", api_session_delete, AUTH_READ, 0 },
};

const int http_routes_len = (int)(sizeof(http_routes) / sizeof(http_routes[0]));
