/* daemon/worker.h - the job worker pool inside serve, and the job kinds.
 * A job kind is a function that does the side effect idempotently and
 * returns FF_OK (done), FF_ETEMP (retry with backoff) or another error
 * (parked as failed at once). */
#ifndef FF_DAEMON_WORKER_H
#define FF_DAEMON_WORKER_H

#include <stddef.h>

#include "db/jobs.h"

typedef int (*job_fn)(struct db *db, const struct job *job, char *err, size_t errlen);

struct job_kind {
	const char *kind;
	job_fn run;
};

/* the registry (daemon/jobs_registry.c); NULL-terminated */
extern const struct job_kind job_kinds[];

int worker_start(int n);
/* worker_stop asks workers to finish their current job and waits for them */
void worker_stop(void);
/* worker_run_one claims and runs one due job on db (tests, CLI);
 * FF_ENOTFOUND when none was due. */
int worker_run_one(struct db *db, const char *worker_id);

#endif
