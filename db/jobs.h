/* db/jobs.h - the job queue: rows claimed with FOR UPDATE SKIP LOCKED and a
 * lease, retried with exponential backoff and jitter, parked as failed after
 * max attempts; an idempotency key per job. */
#ifndef FF_DB_JOBS_H
#define FF_DB_JOBS_H

#include "db.h"

struct job {
	long long id;
	long long org_id;
	char kind[64];
	char *payload;     /* JSON text, owned; free with job_clear() */
	int attempts;      /* including the current one */
	int max_attempts;
};

void job_clear(struct job *j);

/* job_enqueue adds a job inside the caller's transaction (or alone).
 * idem_key may be NULL; a second enqueue with the same (org, kind, key)
 * returns the first job's id and adds nothing. delay_ms delays the first
 * run. max_attempts <= 0 takes cfg job_max_attempts. */
int job_enqueue(struct db *db, long long org_id, const char *kind, const char *payload,
		const char *idem_key, long long delay_ms, int max_attempts, long long *id);
/* job_claim takes the next due job (or one whose lease expired) for
 * worker, among the kinds this build can run (kinds: a text[] literal such
 * as "{noop,scan.import}"); a job of another kind waits for a daemon that
 * knows it (a newer one, during a rolling upgrade). FF_ENOTFOUND when none
 * is due. */
int job_claim(struct db *db, const char *worker, int lease_seconds, const char *kinds, struct job *out);
/* job_done marks it done, only while worker still holds the lease
 * (FF_ECONFLICT otherwise). */
int job_done(struct db *db, long long id, const char *worker);
/* job_retry records error; queued again after backoff, or failed when
 * attempts are used up or permanent is set. */
int job_retry(struct db *db, const struct job *j, const char *worker, const char *error, int permanent);
/* job_extend renews the lease of a job worker still runs (the lease
 * keeper calls it so long jobs are not taken over); FF_ECONFLICT when the
 * lease was lost. */
int job_extend(struct db *db, long long id, const char *worker, int lease_seconds);
/* job_release gives back every lease worker holds (shutdown); the attempt
 * it was on does not count. Returns the number released or a negative rc. */
int job_release(struct db *db, const char *worker);
/* job_backoff_ms: delay before attempt n+1 after n failed attempts, with
 * jitter in [50%, 100%] of min(base * 2^(n-1), max). */
long long job_backoff_ms(int attempts, long long base_ms, long long max_ms);

#endif
