/* daemon/worker.h - the job worker pool inside serve, and the job kinds.
 * A job kind is a function that does the side effect idempotently and
 * returns FF_OK (done), FF_ETEMP (retry with backoff) or another error
 * (parked as failed at once). */
#ifndef FF_DAEMON_WORKER_H
#define FF_DAEMON_WORKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/jobs.h"

typedef int (*job_fn)(struct db *db, const struct job *job, char *err, size_t errlen);

struct job_kind {
	const char *kind;
	job_fn run;
};

/* the registry (daemon/jobs_registry.c); NULL-terminated */
extern const struct job_kind job_kinds[];

int worker_start(int n);
/* worker_stop asks workers to finish their current job and waits for them
 * up to grace_ms; jobs still running then get their leases released (they
 * run again later) and the threads are left to end with the process:
 * returns false then, and the caller must exit without closing the
 * database connections those threads still hold */
bool worker_stop(int64_t grace_ms);
/* worker_run_one claims and runs one due job on db (tests, CLI);
 * FF_ENOTFOUND when none was due. */
int worker_run_one(struct db *db, const char *worker_id);

#endif
