/* daemon/scheduler.h - periodic tasks run by exactly one daemon: the one
 * that holds the scheduler's PostgreSQL advisory lock. */
#ifndef FF_DAEMON_SCHEDULER_H
#define FF_DAEMON_SCHEDULER_H

#include <stdbool.h>

struct db;

struct sched_task {
	const char *name;
	int interval_seconds;
	int (*run)(struct db *db);
};

extern const struct sched_task sched_tasks[]; /* NULL-terminated */

int scheduler_start(void);
void scheduler_stop(void);
/* true while this daemon holds the singleton lock (metrics, tests) */
bool scheduler_is_leader(void);

#endif
