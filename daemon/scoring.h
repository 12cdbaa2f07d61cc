/* daemon/scoring.h - continuous risk scoring: recomputes the composed CVSS
 * score (workflow/risk.c) of the findings whose inputs changed - the NVD
 * base metrics, CISA KEV, ExploitDB, the asset's requirements or exposure,
 * a manual override - and writes every change of score, severity or
 * vector with an audit event naming the reason. Findings without a vector
 * (no NVD record, none from the scanner) keep the tool's severity. */
#ifndef FF_DAEMON_SCORING_H
#define FF_DAEMON_SCORING_H

#include <stddef.h>

#include "db/jobs.h"
#include "db/q_scoring.h"

struct scoring_stats {
	long long visited;   /* findings of the scope looked at */
	long long scanned;   /* findings whose inputs changed (or all, forced) */
	long long written;   /* rows written (score or its explanation changed) */
	long long events;    /* score, severity or vector changed */
};

/* scoring_run scores the findings of the scope (arg: asset or finding id)
 * whose inputs changed since they were scored (every one with force);
 * reason goes into the events (for SCORING_FEEDS each event names the feed
 * records instead). FF_OK or the database error. */
int scoring_run(struct db *db, enum scoring_scope scope, long long arg, const char *reason, int force,
		struct scoring_stats *st);

/* job kinds: score.asset {"asset_id", "reason"}, score.feeds {},
 * score.all {} (also writes today's risk snapshots) */
int job_score_asset(struct db *db, const struct job *j, char *err, size_t errlen);
int job_score_feeds(struct db *db, const struct job *j, char *err, size_t errlen);
int job_score_all(struct db *db, const struct job *j, char *err, size_t errlen);

#endif
