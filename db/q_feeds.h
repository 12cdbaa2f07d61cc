/* db/q_feeds.h - the feed mirrors (cve, kev, epss, exploit), their sync
 * state and the log of changed CVEs (migration 0003).
 *
 * Writes are set-based: a batch streams its rows with COPY into a
 * temporary staging table and ends with one merge statement, all in one
 * transaction; feeds_batch_abort() (or any error) rolls back, so a bad
 * batch commits nothing and the previous data stays in force. db/ does not
 * know the connector structs: rows arrive as text columns in the order of
 * the source's stage layout (below; NULL = SQL NULL). */
#ifndef FF_DB_Q_FEEDS_H
#define FF_DB_Q_FEEDS_H

#include "db.h"

enum feeds_src { FEEDS_NVD, FEEDS_KEV, FEEDS_EPSS, FEEDS_EXPLOITDB, FEEDS_NSRC };

/* columns of a row per source:
 * NVD (14): id, cna, published, last_modified, vuln_status, rejected (t/f),
 *   description, cwes (JSON array), metrics (JSON array), base_version,
 *   base_vector, base_score, base_source, base_type
 * KEV (11): cve_id, vendor, product, name, date_added, due_date, ransomware,
 *   required_action, short_description, notes, cwes (comma-separated)
 * EPSS (5): cve_id, score, percentile, model_version, score_date
 * EXPLOITDB (8): exploit_id, cve_id, file, description, type, platform,
 *   date_published ("" = none), verified (t/f) */
int feeds_src_ncols(enum feeds_src src);
/* feeds_src_parse: "nvd" | "kev" | "epss" | "exploitdb"; -1 when unknown */
int feeds_src_parse(const char *name);
const char *feeds_src_name(enum feeds_src src);

struct feeds_batch;

/* feeds_batch_begin opens the transaction and the COPY into the stage.
 * snapshot: the batch is the whole catalogue; rows of the mirror missing
 * from it are deleted at commit (KEV, EPSS, ExploitDB). */
int feeds_batch_begin(struct db *db, enum feeds_src src, int snapshot, struct feeds_batch **out);
/* feeds_batch_row adds one row of feeds_src_ncols(src) columns */
int feeds_batch_row(struct feeds_batch *b, const char *const *cols);
/* feeds_batch_commit merges the stage into the mirror, logs changed CVEs,
 * stores cursor_json (may be NULL) as the resume cursor, commits and frees
 * b. *written = rows inserted or changed, *changed = CVEs logged in
 * feed_change (either may be NULL). On error rolls back, frees b, and
 * writes the reason into err. */
int feeds_batch_commit(struct feeds_batch *b, const char *cursor_json, long long *written, long long *changed,
		       char *err, size_t errlen);
/* feeds_batch_abort rolls back and frees b (NULL is fine) */
void feeds_batch_abort(struct feeds_batch *b);

/* sync state: start (last_attempt), success (counts, mark, clears the
 * error and the cursor) and failure (keeps the cursor) */
int feeds_state_attempt(struct db *db, enum feeds_src src);
int feeds_state_success(struct db *db, enum feeds_src src, long long read, long long written, const char *sync_mark);
int feeds_state_error(struct db *db, enum feeds_src src, const char *msg);
/* feeds_state_get: the resume cursor and sync mark (either may be NULL
 * when not set; caller frees both) */
int feeds_state_get(struct db *db, enum feeds_src src, char **cursor_json, char **sync_mark);
/* feeds_status_json: *out = a JSON array, one object per source with
 * last_success, last_attempt, records, last_read, last_written, last_error,
 * last_error_at, resume_cursor (caller frees) */
int feeds_status_json(struct db *db, char **out);

/* feeds_due: *due = 1 when the UTC time of day is past hhmm ("03:00") and
 * some source has not been attempted since today's hhmm */
int feeds_due(struct db *db, const char *hhmm, int *due);

/* feeds_changed_since calls cb for every feed_change row with id > after_id
 * in id order (at most limit rows; 0 = all); *last_id gets the id of the
 * last row passed (after_id when none). For the scoring pipeline. */
typedef void (*feeds_change_cb)(void *ctx, long long id, const char *source, const char *cve_id, const char *reason);
int feeds_changed_since(struct db *db, long long after_id, long limit, feeds_change_cb cb, void *ctx,
			long long *last_id);

#endif
