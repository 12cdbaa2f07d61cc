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

/* feeds_sync_daily is the scheduler's task: when feeds_due() says so for
 * cfg feeds_sync_time, syncs every source from its configured location
 * (each failure is logged and kept in feed_state). Meant for the
 * scheduler singleton or a job, not for a request thread: an NVD sync can
 * take minutes. Returns FF_OK when nothing was due or every source synced. */
int feeds_sync_daily(struct db *db);

#endif
