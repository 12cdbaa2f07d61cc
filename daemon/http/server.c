/* The HTTP server: libmicrohttpd with an internal thread pool (epoll); each
 * pool thread keeps its own database connection (db_thread()). */
#include <arpa/inet.h>
#include <errno.h>
#include <unistd.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/cfg.h"
#include "common/fftime.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/rc.h"
#include "common/str.h"
#include "daemon/auth/auth.h"
#include "db/db.h"
#include "http.h"

static struct MHD_Daemon *g_mhd;
static atomic_int g_inflight;

int http_inflight(void)
{
	return atomic_load(&g_inflight);
}

static void req_free(struct http_req *req)
{
	if (!req)
		return;
	buf_free(&req->body);
	if (req->pp)
		MHD_destroy_post_processor(req->pp);
	if (req->spool_fd >= 0)
		close(req->spool_fd);
	for (int i = 0; i < req->nform; i++) {
		free(req->form_keys[i]);
		free(req->form_values[i]);
	}
	for (int i = 0; i < req->nparams; i++)
		free(req->param_values[i]);
	free(req);
}

static enum MHD_Result send_resp(struct http_req *req, struct http_resp *r)
{
	struct MHD_Response *mr;
	if (!r->body) {
		r->body = xstrdup("");
		r->len = 0;
	}
	mr = MHD_create_response_from_buffer(r->len, r->body, MHD_RESPMEM_MUST_FREE);
	r->body = NULL;
	if (r->content_type)
		MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
	MHD_add_response_header(mr, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(mr, "Cache-Control", "no-store");
	if (r->location)
		MHD_add_response_header(mr, MHD_HTTP_HEADER_LOCATION, r->location);
	if (r->extra_header_name)
		MHD_add_response_header(mr, r->extra_header_name, r->extra_header_value);
	enum MHD_Result ok = MHD_queue_response(req->conn, (unsigned)r->status, mr);
	MHD_destroy_response(mr);
	free(r->location);
	free(r->extra_header_name);
	free(r->extra_header_value);
	return ok;
}

static size_t limit_for(const struct route *rt)
{
	if (rt && rt->body_mode == BODY_SPOOL)
		return (size_t)cfg_int("max_report_body");
	return (size_t)cfg_int("max_json_body");
}

static void dispatch(struct http_req *req, struct http_resp *resp)
{
	if (!req->route) {
		if (req->route_index == -2)
			http_problem(resp, 405, "Method not allowed", NULL, "%s is not allowed on %s", req->method,
				     req->url);
		else
			http_problem(resp, 404, "Not found", NULL, "no resource at %s", req->url);
		return;
	}
	if (req->spool_error) {
		http_problem(resp, 503, "Upload not stored", NULL, "the upload could not be spooled to disk; try again");
		return;
	}
	if (req->body_too_big) {
		http_problem(resp, 413, "Request body too large", NULL,
			     "the request body is larger than the limit of %zu bytes", req->body_limit);
		return;
	}
	struct db *db = NULL;
	if (req->route->auth != AUTH_NONE || strncmp(req->url, "/readyz", 7) == 0 ||
	    strncmp(req->url, "/metrics", 8) == 0 || strncmp(req->url, "/api/", 5) == 0) {
		db = db_thread();
		if (!db && req->route->auth != AUTH_NONE) {
			http_problem(resp, 503, "Database unavailable", NULL,
				     "the database cannot be reached; try again later");
			return;
		}
	}
	if (req->route->auth != AUTH_NONE && !auth_check(req, resp, db))
		return;
	if (db)
		db_mark_busy(true);
	req->route->handler(req, resp, db);
	if (db) {
		db_rollback(db); /* a handler that failed midway leaves no open transaction */
		db_mark_busy(false);
	}
}

static int spool_write(struct http_req *req, const char *data, size_t n)
{
	if (req->spool_size + n > req->body_limit) {
		req->body_too_big = true;
		return -1;
	}
	if (req->spool_fd < 0) {
		char path[] = "/tmp/flawfix-upload-XXXXXX";
		req->spool_fd = mkstemp(path);
		if (req->spool_fd < 0) {
			req->spool_error = true;
			return -1;
		}
		unlink(path);
	}
	while (n) {
		ssize_t w = write(req->spool_fd, data, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			req->spool_error = true;
			return -1;
		}
		data += w;
		n -= (size_t)w;
		req->spool_size += (size_t)w;
	}
	return 0;
}

static enum MHD_Result on_form(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
			       const char *ctype, const char *encoding, const char *data, uint64_t off, size_t size)
{
	(void)kind;
	(void)ctype;
	(void)encoding;
	struct http_req *req = cls;
	if (filename || strcmp(key, "file") == 0 || strcmp(key, "report") == 0)
		return spool_write(req, data, size) == 0 ? MHD_YES : MHD_NO;
	int i = 0;
	while (i < req->nform && strcmp(req->form_keys[i], key) != 0)
		i++;
	if (i == req->nform) {
		if (req->nform >= HTTP_MAX_FORM)
			return MHD_YES; /* ignore extra fields */
		req->form_keys[i] = xstrdup(key);
		req->form_values[i] = xstrdup("");
		req->nform++;
	}
	size_t have = strlen(req->form_values[i]);
	if (off + size > 4096)
		return MHD_YES; /* form fields are short; the rest is dropped */
	req->form_values[i] = xrealloc(req->form_values[i], have + size + 1);
	memcpy(req->form_values[i] + have, data, size);
	req->form_values[i][have + size] = '\0';
	return MHD_YES;
}

static void take_upload(struct http_req *req, const char *data, size_t n)
{
	if (req->body_too_big || req->spool_error)
		return;
	if (!req->route || req->route->body_mode != BODY_SPOOL) {
		if (buf_append(&req->body, data, n) != FF_OK)
			req->body_too_big = true;
		return;
	}
	if (req->pp) {
		if (MHD_post_process(req->pp, data, n) != MHD_YES && !req->body_too_big)
			req->spool_error = true;
		return;
	}
	spool_write(req, data, n);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_size, void **con_cls)
{
	(void)cls;
	(void)version;
	struct http_req *req = *con_cls;
	if (!req) {
		req = xcalloc(1, sizeof(*req));
		req->start_us = ff_mono_us();
		req->method = method;
		req->url = url;
		req->conn = conn;
		bool mismatch = false;
		req->route_index = http_route_match(method, url, req, &mismatch);
		if (req->route_index >= 0)
			req->route = &http_routes[req->route_index];
		else if (mismatch)
			req->route_index = -2;
		req->body_limit = limit_for(req->route);
		req->spool_fd = -1;
		buf_init(&req->body, req->body_limit);
		const char *ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
		if (req->route && req->route->body_mode == BODY_SPOOL && ct &&
		    strncasecmp(ct, "multipart/form-data", 19) == 0)
			req->pp = MHD_create_post_processor(conn, 65536, on_form, req);
		*con_cls = req;
		atomic_fetch_add(&g_inflight, 1);
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && strtoull(cl, NULL, 10) > req->body_limit)
			req->body_too_big = true;
		return MHD_YES;
	}
	if (*upload_size) {
		take_upload(req, upload_data, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	struct http_resp resp = { .status = 500 };
	dispatch(req, &resp);
	req->status = resp.status;
	return send_resp(req, &resp);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	struct http_req *req = *con_cls;
	if (!req)
		return;
	int status = req->status ? req->status : 499; /* 499: never answered, client went away */
	http_metrics_observe(req->route_index, status, ff_mono_us() - req->start_us);
	log_debug("http", "%s %s status=%d us=%lld", req->method, req->url, status,
		  (long long)(ff_mono_us() - req->start_us));
	req_free(req);
	*con_cls = NULL;
	atomic_fetch_sub(&g_inflight, 1);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char line[512];
	vsnprintf(line, sizeof(line), fmt, ap);
	size_t n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = '\0';
	log_warn("http", "%s", line);
}

int http_start(const char *listen, int threads, char *err, size_t errlen)
{
	char host[256];
	const char *colon = strrchr(listen, ':');
	long long port = 0;
	if (!colon || str_to_ll(colon + 1, 1, 65535, &port) != FF_OK) {
		snprintf(err, errlen, "setting listen: '%s' is not host:port with a port from 1 to 65535", listen);
		return FF_EINVAL;
	}
	snprintf(host, sizeof(host), "%.*s", (int)(colon - listen), listen);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		snprintf(err, errlen, "setting listen: '%s' is not an IPv4 address", host);
		return FF_EINVAL;
	}
	g_mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG,
				 (uint16_t)port, NULL, NULL, on_request, NULL,
				 MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
				 MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
				 MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads,
				 MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg_int("http_max_connections"),
				 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg_int("http_timeout_seconds"),
				 MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
				 MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
				 MHD_OPTION_END);
	if (!g_mhd) {
		snprintf(err, errlen, "could not listen on %s (address in use or not permitted)", listen);
		return FF_EPERM;
	}
	return FF_OK;
}

void http_stop(int64_t grace_ms)
{
	if (!g_mhd)
		return;
	MHD_quiesce_daemon(g_mhd);
	int64_t until = ff_mono_us() + grace_ms * 1000;
	while (http_inflight() > 0 && ff_mono_us() < until)
		ff_sleep_ms(20);
	if (http_inflight() > 0)
		log_warn("http", "stopping with requests in flight count=%d", http_inflight());
	MHD_stop_daemon(g_mhd);
	g_mhd = NULL;
}
