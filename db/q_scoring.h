/* db/q_scoring.h - inputs and outputs of the continuous risk scoring
 * (daemon/scoring.c does the arithmetic with workflow/risk.c): which
 * findings to score, everything their score depends on, and the
 * set-based write of the changed scores with one audit event each. */
#ifndef FF_DB_Q_SCORING_H
#define FF_DB_Q_SCORING_H

#include "db.h"

enum scoring_scope {
	SCORING_ASSET,      /* the findings of one asset (arg = asset id) */
	SCORING_FEEDS,      /* findings whose CVE changed in the feeds since the last run */
	SCORING_ALL,        /* every finding with a vulnerability id */
	SCORING_FINDING,    /* one finding (arg = finding id) */
};

/* columns of a scoring row (scoring_load) */
enum scoring_col {
	SC_ID, SC_ORG, SC_ASSET, SC_CVE, SC_NVD_VECTOR, SC_NVD_VERSION, SC_NVD_SOURCE, SC_NVD_DATE,
	SC_TOOL_VECTOR, SC_IN_KEV, SC_KEV_DATE, SC_EXPLOITS, SC_CR, SC_IR, SC_AR, SC_EXPOSED, SC_KEEP_AV,
	SC_OVERRIDE, SC_OVERRIDE_WHY, SC_COMPOSED, SC_SCORE10, SC_SEVERITY, SC_VERSION, SC_BASE_VECTOR,
	SC_BASE_SOURCE, SC_TOOL_SEVERITY, SC_REJECTED, SC_KEV_ID, SC_EXPLANATION, SC_FEED_REASON, SC_INPUTS, SC_NCOLS
};

/* scoring_feed_mark: the feed_change id up to which changes are included
 * in a SCORING_FEEDS run (read before loading) */
int scoring_feed_mark(struct db *db, long long *from, long long *to);
/* scoring_load returns up to limit rows (finding id > after) of the
 * scope whose scoring inputs changed since they were last scored (all of
 * them with force); the caller PQclear()s. For SCORING_FEEDS pass the
 * marks. *last_id gets the last finding id looked at (to continue from),
 * 0 when the scope is exhausted; *seen grows by the findings looked at. */
PGresult *scoring_load(struct db *db, enum scoring_scope scope, long long arg, long long from_mark,
		       long long to_mark, long long after, int limit, int force, long long *last_id, long long *seen);
/* scoring_mark_inputs records the inputs digest of findings whose score
 * did not change (JSON array [{id, inputs}]) */
int scoring_mark_inputs(struct db *db, const char *rows_json);
/* scoring_apply writes the rows of a JSON array [{id, org_id, asset_id, inputs,
 * score10, severity, version, composed, base_vector, base_source,
 * base_date, explanation, event, old_vector, old_score10, old_severity,
 * reason}] (event = true: the score, severity or vector changed and an
 * audit event is written) in one transaction. */
int scoring_apply(struct db *db, const char *rows_json);
/* scoring_feed_done moves the mark after a complete SCORING_FEEDS run */
int scoring_feed_done(struct db *db, long long to_mark);
/* risk_snapshot_write: today's snapshot of every asset (or one, asset_id > 0) */
int risk_snapshot_write(struct db *db, long long asset_id);

#endif
