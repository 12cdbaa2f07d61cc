/* db/q_scan.h - scans, their stored reports and the import of normalised
 * findings: a staging table per import, set-based upserts, the diff
 * against the asset's state (new, still present, fixed, reopened) and the
 * audit events of every state change, all in one transaction. */
#ifndef FF_DB_Q_SCAN_H
#define FF_DB_Q_SCAN_H

#include <stddef.h>
#include <sys/types.h>

#include "audit.h"
#include "db.h"

struct scan_new {
	long long org_id, asset_id, user_id, token_id;
	const char *scanner, *target, *ref; /* ref NULL = the asset's default branch */
	int partial;
	const char *format;                  /* NULL = detect */
	int spool_fd;                        /* the report, read from offset 0 */
	size_t size;
};

/* scan_create stores the report (a large object), the scan row and its
 * scan.import job in one transaction. */
int scan_create(struct db *db, const struct scan_new *s, long long *scan_id);
/* scan_json: the scan with counts, diff and error; FF_ENOTFOUND when not in
 * org. *status gets a static copy of the status ("queued", ...). */
int scan_json(struct db *db, long long org_id, long long scan_id, char **out, char *status, size_t statuslen);
/* scan_asset_json: the scans of an asset, newest first (cursor = scan id) */
int scan_list_json(struct db *db, long long org_id, long long asset_id, long long before_id, int limit,
		   char **out);

/* the import job (driven by daemon/import.c) */
struct scan_import {
	long long scan_id, org_id, asset_id, scope_id;
	char scanner[72], target[520], ref[264], format[40];
	int partial, is_default_ref;
	unsigned int report_oid;
	int lo_fd;
	long statements;      /* SQL statements this import sent (budget tests) */
	char *chunk;          /* read buffer over the stored report */
	size_t chunk_len, chunk_pos;
};
/* scan_import_begin opens the transaction, takes the scan (FF_ENOTFOUND
 * when it is gone or already finished: the job is then done), creates the
 * staging table and opens the report for reading. */
int scan_import_begin(struct db *db, long long scan_id, struct scan_import *si);
/* reads the next part of the report; returns bytes, 0 at the end, -1 */
ssize_t scan_import_read(struct db *db, struct scan_import *si, void *buf, size_t n);
/* scan_import_stage adds rows in COPY text format (db_copy_field and
 * db_copy_text_array in db.h), one line per finding with the staging
 * columns in this order: fingerprint, kind, rule_id, primary_id, vuln_ids
 * (text[]), title, description, tool_severity, severity, tool_cvss (a JSON
 * array), pkg_name, purl, version, fixed_version, file, start_line,
 * end_line, snippet, cwes (text[]), image, layer, target, vex_state,
 * vex_justification, tool_name. A row the table refuses fails the import
 * with FF_EINVAL and the row named in db_last_error(). */
int scan_import_stage(struct db *db, struct scan_import *si, const char *rows, size_t len);
/* scan_import_finish applies the staged findings, writes the events and the
 * diff, marks the scan done and commits. Other refs than the default: the
 * diff is computed and kept, every change rolled back. */
int scan_import_finish(struct db *db, struct scan_import *si, const char *detected_format, const char *tool_name,
		       const char *tool_version);
/* scan_import_fail rolls back and records the error (JSON object text) on
 * the scan in a transaction of its own. */
int scan_import_fail(struct db *db, struct scan_import *si, const char *error_json);

#endif
