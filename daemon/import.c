/* The scan.import job: streams the stored report through the parsers
 * (ingest/), stages the normalised findings in batches and lets db/ apply
 * them set-based in the same transaction. A report that cannot be read
 * changes nothing: the scan is marked failed with the positioned error. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/cfg.h"
#include "common/fftime.h"
#include "common/log.h"
#include "common/rc.h"
#include "db/q_scan.h"
#include "import.h"
#include "ingest/ingest.h"

/* staged rows go to the database in pieces of about this size */
#define STAGE_FLUSH_BYTES (4 << 20)

struct import_ctx {
	struct db *db;
	struct scan_import *si;
	struct buf rows;
	int db_rc;
};

static ssize_t read_report(void *ud, void *buf, size_t n)
{
	struct import_ctx *c = ud;
	return scan_import_read(c->db, c->si, buf, n);
}

static void col(struct buf *o, const char *s)
{
	db_copy_field(o, s);
	buf_putc(o, '\t');
}

static void col_int(struct buf *o, long v)
{
	if (v > 0)
		buf_printf(o, "%ld\t", v);
	else
		buf_puts(o, "\\N\t");
}

/* the tool's CVSS ratings as the JSON array of the tool_cvss column */
static char *cvss_json(const struct ingest_finding *f)
{
	json_t *cv = json_array();
	for (size_t i = 0; i < f->n_cvss; i++) {
		const struct ingest_cvss *c = &f->cvss[i];
		json_t *e = json_object();
		json_object_set_new(e, "version", c->version ? json_string(c->version) : json_null());
		json_object_set_new(e, "vector", c->vector ? json_string(c->vector) : json_null());
		json_object_set_new(e, "score", c->score >= 0 ? json_real(c->score) : json_null());
		json_object_set_new(e, "source", c->source ? json_string(c->source) : json_null());
		json_array_append_new(cv, e);
	}
	char *s = json_dumps(cv, JSON_COMPACT);
	json_decref(cv);
	return s;
}

/* the finding as a staging row (see scan_import_stage for the columns) */
void import_finding_row(struct buf *o, const struct ingest_finding *f)
{
	const char *sev = f->severity ? f->severity : "unknown";
	if (strcmp(sev, "info") == 0)
		sev = "none";
	col(o, f->fingerprint);
	col(o, ingest_kind_name(f->kind));
	col(o, f->rule_id);
	col(o, f->primary_id);
	db_copy_text_array(o, f->vuln_ids, f->n_vuln_ids);
	buf_putc(o, '\t');
	col(o, f->title);
	col(o, f->description);
	col(o, f->tool_severity);
	col(o, sev);
	if (f->n_cvss) {
		char *cv = cvss_json(f);
		col(o, cv);
		free(cv);
	} else {
		col(o, "[]");
	}
	col(o, f->pkg_name);
	col(o, f->purl);
	col(o, f->version);
	col(o, f->fixed_version);
	col(o, f->file);
	col_int(o, f->start_line);
	col_int(o, f->end_line);
	col(o, f->snippet);
	db_copy_text_array(o, f->cwes, f->n_cwes);
	buf_putc(o, '\t');
	col(o, f->image);
	col(o, f->layer);
	col(o, f->target);
	col(o, f->vex_state);
	col(o, f->vex_justification);
	db_copy_field(o, f->tool_name);
	buf_putc(o, '\n');
}

static int flush(struct import_ctx *c)
{
	if (c->rows.len == 0)
		return FF_OK;
	int rc = scan_import_stage(c->db, c->si, c->rows.data, c->rows.len);
	buf_reset(&c->rows);
	return rc;
}

static int on_finding(void *ud, const struct ingest_finding *f)
{
	struct import_ctx *c = ud;
	import_finding_row(&c->rows, f);
	if (c->rows.len >= STAGE_FLUSH_BYTES) {
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

/* The database failed, not the report: retried, unless the database
 * refused the data (a retry changes nothing) or this was the last attempt;
 * then the scan is marked failed with the reason, so that no upload waits
 * on a scan that stays "running" for ever. */
static int db_failed(struct db *db, struct scan_import *si, const struct job *j, int rc, const char *what, char *err,
		     size_t errlen)
{
	snprintf(err, errlen, "%s of scan %lld failed in the database: %s", what, si->scan_id, db_last_error(db));
	db_rollback(db);
	if (rc != FF_EINVAL && j->attempts < j->max_attempts) {
		free(si->chunk);
		si->chunk = NULL;
		return FF_ETEMP;
	}
	log_warn("import", "giving up scan=%lld attempt=%d/%d: %s", si->scan_id, j->attempts, j->max_attempts, err);
	json_t *o = json_pack("{s:s, s:s}", "message", err, "reason", "database");
	char *ej = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	int frc = scan_import_fail(db, si, ej);
	free(ej);
	return frc ? FF_ETEMP : FF_EPERM;
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
	struct import_ctx c = { .db = db, .si = &si };
	buf_init(&c.rows, 0);
	struct ingest_opts o = {
		.read = read_report, .read_ud = &c, .on_finding = on_finding, .finding_ud = &c,
		.scope_target = si.target,
		.format = si.format[0] ? ingest_format_parse(si.format) : INGEST_FMT_UNKNOWN,
	};
	import_limits(&o.limits);
	struct ingest_result res = { 0 };
	struct ingest_error ie = { 0 };
	int64_t t0 = ff_mono_us();
	rc = ingest_run(&o, &res, &ie);
	if (!rc && !c.db_rc)
		rc = flush(&c);
	buf_free(&c.rows);
	if (c.db_rc || (rc && ie.rc == 0))
		return db_failed(db, &si, j, c.db_rc ? c.db_rc : rc, "import", err, errlen);
	if (rc) {
		char *ej = error_json(&ie, ingest_format_name(res.format));
		log_warn("import", "report rejected scan=%lld error=%s", scan_id, ie.msg);
		rc = scan_import_fail(db, &si, ej);
		free(ej);
		return rc ? FF_ETEMP : FF_OK;
	}
	int64_t t1 = ff_mono_us();
	rc = scan_import_finish(db, &si, ingest_format_name(res.format), res.tool_name[0] ? res.tool_name : NULL,
				res.tool_version[0] ? res.tool_version : NULL);
	if (rc)
		return db_failed(db, &si, j, rc, "applying", err, errlen);
	log_info("import", "scan imported scan=%lld findings=%zu statements=%ld read_ms=%lld apply_ms=%lld", scan_id,
		 res.findings, si.statements, (long long)(t1 - t0) / 1000, (long long)(ff_mono_us() - t1) / 1000);
	return FF_OK;
}
