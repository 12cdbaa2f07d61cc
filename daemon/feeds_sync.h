/* daemon/feeds_sync.h - one feed source synced into its mirror */
#ifndef FF_DAEMON_FEEDS_SYNC_H
#define FF_DAEMON_FEEDS_SYNC_H

#include "db/q_feeds.h"

struct feeds_sync_stats {
	long long read, written, changed;
	double seconds;
	char error[512];            /* set when the sync failed */
};

/* feeds_sync_source reads src from `from` (URL or path; NULL = the
 * configured nvd_url/kev_url/epss_url/exploitdb_url) into the mirror,
 * batch by batch, and records the outcome in feed_state. NVD from an API
 * URL resumes an interrupted sync from its cursor, else continues from the
 * last sync mark (a full download the first time). show_progress prints the
 * progress line on stderr. Returns FF_OK or the error kind with st->error
 * naming the bad record; a failed batch commits nothing. CVEs whose score
 * inputs changed are logged in feed_change (feeds_changed_since()). */
int feeds_sync_source(struct db *db, enum feeds_src src, const char *from, int show_progress,
		      struct feeds_sync_stats *st);

/* Daily sync in serve (the scheduler task "feeds.daily" and the job kind
 * "feeds.sync").
 *
 * feeds_task_daily, run by the scheduler singleton, enqueues one feeds.sync
 * job per day once cfg feeds_sync_time (UTC) has passed and some source was
 * not attempted since. job_feeds_sync syncs every source from its
 * configured location (a slow NVD sync runs in a worker, not in the
 * scheduler thread), then enqueues score.feeds, which rescores the
 * findings of the CVEs logged in feed_change. A failed source makes the job
 * fail temporarily (retried with backoff; NVD resumes from its cursor). */
struct job;
int feeds_task_daily(struct db *db);
int job_feeds_sync(struct db *db, const struct job *j, char *err, size_t errlen);

#endif
