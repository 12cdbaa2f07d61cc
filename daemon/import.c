/* The scan.import job: streams the stored report through the parsers
 * (ingest/), stages the normalised findings in batches and lets db/ apply
 * them set-based in the same transaction. A report that cannot be read
 * changes nothing: the scan is marked failed with the positioned error. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cfg.h"
#include "common/log.h"
#include "common/rc.h"
#include "db/q_scan.h"
#include "import.h"
#include "ingest/ingest.h"

#define STAGE_BATCH 1000

struct import_ctx {
	struct db *db;
	struct scan_import *si;
	json_t *batch;
	int db_rc;
};

static ssize_t read_report(void *ud, void *buf, size_t n)
{
	struct import_ctx *c = ud;
	return scan_import_read(c->db, c->si, buf, n);
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *str_array(char **v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

/* the finding as a staging row (see scan_import_stage) */
json_t *import_finding_json(const struct ingest_finding *f)
{
	json_t *o = json_object();
	const char *sev = f->severity ? f->severity : "unknown";
	if (strcmp(sev, "info") == 0)
		sev = "none";
	json_object_set_new(o, "fingerprint", json_string(f->fingerprint));
	json_object_set_new(o, "kind", json_string(ingest_kind_name(f->kind)));
	json_object_set_new(o, "rule_id", str_or_null(f->rule_id));
	json_object_set_new(o, "primary_id", str_or_null(f->primary_id));
	json_object_set_new(o, "vuln_ids", str_array(f->vuln_ids, f->n_vuln_ids));
	json_object_set_new(o, "title", str_or_null(f->title));
	json_object_set_new(o, "description", str_or_null(f->description));
	json_object_set_new(o, "tool_severity", str_or_null(f->tool_severity));
	json_object_set_new(o, "severity", json_string(sev));
	json_t *cv = json_array();
	for (size_t i = 0; i < f->n_cvss; i++) {
		const struct ingest_cvss *c = &f->cvss[i];
		json_t *e = json_object();
		json_object_set_new(e, "version", str_or_null(c->version));
		json_object_set_new(e, "vector", str_or_null(c->vector));
		json_object_set_new(e, "score", c->score >= 0 ? json_real(c->score) : json_null());
		json_object_set_new(e, "source", str_or_null(c->source));
		json_array_append_new(cv, e);
	}
	json_object_set_new(o, "tool_cvss", cv);
	json_object_set_new(o, "pkg_name", str_or_null(f->pkg_name));
	json_object_set_new(o, "purl", str_or_null(f->purl));
	json_object_set_new(o, "version", str_or_null(f->version));
	json_object_set_new(o, "fixed_version", str_or_null(f->fixed_version));
	json_object_set_new(o, "file", str_or_null(f->file));
	json_object_set_new(o, "start_line", f->start_line > 0 ? json_integer(f->start_line) : json_null());
	json_object_set_new(o, "end_line", f->end_line > 0 ? json_integer(f->end_line) : json_null());
	json_object_set_new(o, "snippet", str_or_null(f->snippet));
	json_object_set_new(o, "cwes", str_array(f->cwes, f->n_cwes));
	json_object_set_new(o, "image", str_or_null(f->image));
	json_object_set_new(o, "layer", str_or_null(f->layer));
	json_object_set_new(o, "target", str_or_null(f->target));
	json_object_set_new(o, "vex_state", str_or_null(f->vex_state));
	json_object_set_new(o, "vex_justification", str_or_null(f->vex_justification));
	json_object_set_new(o, "tool_name", str_or_null(f->tool_name));
	return o;
}

static int flush(struct import_ctx *c)
{
	if (json_array_size(c->batch) == 0)
		return FF_OK;
	char *rows = json_dumps(c->batch, JSON_COMPACT);
	int rc = scan_import_stage(c->db, c->si, rows);
	free(rows);
	json_array_clear(c->batch);
	return rc;
}

static int on_finding(void *ud, const struct ingest_finding *f)
{
	struct import_ctx *c = ud;
	json_array_append_new(c->batch, import_finding_json(f));
	if (json_array_size(c->batch) >= STAGE_BATCH) {
		int rc = flush(c);
		if (rc) {
			c->db_rc = rc;
			return rc;
		}
	}
	return FF_OK;
}

static char *error_json(const struct ingest_error *e, const char *format)
{
	json_t *o = json_object();
	char line[512];
	ingest_error_format(e, line, sizeof(line));
	json_object_set_new(o, "message", json_string(line));
	json_object_set_new(o, "reason", json_string(e->msg));
	json_object_set_new(o, "offset", json_integer((json_int_t)e->offset));
	json_object_set_new(o, "line", json_integer((json_int_t)e->line));
	json_object_set_new(o, "column", json_integer((json_int_t)e->col));
	json_object_set_new(o, "pointer", json_string(e->pointer));
	json_object_set_new(o, "format", json_string(format));
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

void import_limits(struct ingest_limits *l)
{
	ingest_limits_default(l);
	l->max_doc = (size_t)cfg_int("max_report_inflated");
	l->max_depth = (size_t)cfg_int("ingest_max_depth");
	l->max_string = (size_t)cfg_int("ingest_max_string");
	l->max_results = (size_t)cfg_int("ingest_max_results");
}

int job_scan_import(struct db *db, const struct job *j, char *err, size_t errlen)
{
	json_t *p = json_loads(j->payload, 0, NULL);
	long long scan_id = (long long)json_integer_value(json_object_get(p, "scan_id"));
	json_decref(p);
	struct scan_import si;
	int rc = scan_import_begin(db, scan_id, &si);
	if (rc == FF_ENOTFOUND)
		return FF_OK; /* gone or finished by an earlier attempt */
	if (rc) {
		snprintf(err, errlen, "could not start the import of scan %lld: %s", scan_id, db_last_error(db));
		return FF_ETEMP;
	}
	struct import_ctx c = { .db = db, .si = &si, .batch = json_array() };
	struct ingest_opts o = {
		.read = read_report, .read_ud = &c, .on_finding = on_finding, .finding_ud = &c,
		.scope_target = si.target,
		.format = si.format[0] ? ingest_format_parse(si.format) : INGEST_FMT_UNKNOWN,
	};
	import_limits(&o.limits);
	struct ingest_result res = { 0 };
	struct ingest_error ie = { 0 };
	rc = ingest_run(&o, &res, &ie);
	if (!rc && !c.db_rc)
		rc = flush(&c);
	json_decref(c.batch);
	if (c.db_rc || (rc && ie.rc == 0)) {
		/* the database failed, not the report: retry later */
		db_rollback(db);
		free(si.chunk);
		snprintf(err, errlen, "import of scan %lld failed in the database: %s", scan_id, db_last_error(db));
		return FF_ETEMP;
	}
	if (rc) {
		char *ej = error_json(&ie, ingest_format_name(res.format));
		log_warn("import", "report rejected scan=%lld error=%s", scan_id, ie.msg);
		rc = scan_import_fail(db, &si, ej);
		free(ej);
		return rc ? FF_ETEMP : FF_OK;
	}
	rc = scan_import_finish(db, &si, ingest_format_name(res.format), res.tool_name[0] ? res.tool_name : NULL,
				res.tool_version[0] ? res.tool_version : NULL);
	if (rc) {
		snprintf(err, errlen, "could not apply scan %lld: %s", scan_id, db_last_error(db));
		return FF_ETEMP;
	}
	log_info("import", "scan imported scan=%lld findings=%zu statements=%ld", scan_id, res.findings, si.statements);
	return FF_OK;
}
