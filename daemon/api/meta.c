/* probes, metrics and the OpenAPI document */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "common/buf.h"
#include "common/embed.h"
#include "common/mem.h"
#include "common/rc.h"
#include "db/db.h"

extern const struct ff_embedded ff_api_files[];

void api_healthz(struct http_req *req, struct http_resp *resp, struct db *db)
{
	(void)req;
	(void)db;
	http_json_const(resp, 200, "{\"status\":\"ok\"}");
}

void api_readyz(struct http_req *req, struct http_resp *resp, struct db *db)
{
	(void)req;
	if (!db) {
		http_problem(resp, 503, "Not ready", NULL, "the database cannot be reached");
		return;
	}
	int rc = db_migrations_current(db);
	if (rc == FF_ECONFLICT)
		http_problem(resp, 503, "Not ready", NULL, "database migrations are not current (want %d)",
			     db_migration_latest());
	else if (rc)
		http_problem(resp, 503, "Not ready", NULL, "the database cannot be queried");
	else
		http_json(resp, 200, xasprintf("{\"status\":\"ready\",\"schema\":%d}", db_migration_latest()));
}

void api_metrics(struct http_req *req, struct http_resp *resp, struct db *db)
{
	(void)req;
	struct buf b;
	buf_init(&b, 0);
	http_metrics_write(&b);
	int open = 0, busy = 0;
	db_pool_stats(&open, &busy);
	buf_printf(&b, "# HELP flawfix_db_connections database connections held by the daemon\n"
		       "# TYPE flawfix_db_connections gauge\nflawfix_db_connections{state=\"open\"} %d\n"
		       "flawfix_db_connections{state=\"busy\"} %d\n", open, busy);
	buf_puts(&b, "# HELP flawfix_jobs jobs by kind and state\n# TYPE flawfix_jobs gauge\n");
	PGresult *r = db ? db_exec(db, "SELECT kind, state, count(*) FROM job GROUP BY 1, 2 ORDER BY 1, 2", 0, NULL)
			 : NULL;
	static const char *states[] = { "queued", "running", "done", "failed" };
	if (r) {
		for (int i = 0; i < PQntuples(r); i++)
			buf_printf(&b, "flawfix_jobs{kind=\"%s\",state=\"%s\"} %s\n", PQgetvalue(r, i, 0),
				   PQgetvalue(r, i, 1), PQgetvalue(r, i, 2));
		if (PQntuples(r) == 0)
			for (int s = 0; s < 4; s++)
				buf_printf(&b, "flawfix_jobs{kind=\"noop\",state=\"%s\"} 0\n", states[s]);
		PQclear(r);
	}
	buf_printf(&b, "# HELP flawfix_up 1 when the database answered this scrape\n# TYPE flawfix_up gauge\n"
		       "flawfix_up %d\n", r ? 1 : 0);
	size_t len = b.len;
	http_text(resp, 200, "text/plain; version=0.0.4", buf_steal(&b), len);
}

void api_openapi(struct http_req *req, struct http_resp *resp, struct db *db)
{
	(void)req;
	(void)db;
	for (const struct ff_embedded *f = ff_api_files; f->name; f++) {
		if (strcmp(f->name, "openapi.json") == 0) {
			http_text(resp, 200, "application/json", xstrndup(f->data, f->len), f->len);
			return;
		}
	}
	http_problem(resp, 500, "Internal error", NULL, "the OpenAPI document is missing from this build");
}
