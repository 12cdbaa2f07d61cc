#include "scheduler.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include "common/cfg.h"
#include "common/fftime.h"
#include "common/log.h"
#include "common/rc.h"
#include "db/db.h"
#include "db/jobs.h"
#include "feeds_sync.h"
#include "tickets.h"
#include "wf_tasks.h"

#define SCHED_LOCK_KEY "7716150002"

static pthread_t g_thread;
static atomic_bool g_stop, g_leader, g_started;

/* drop finished jobs after a week so the queue table stays small */
static int task_job_cleanup(struct db *db)
{
	return db_cmd(db, "DELETE FROM job WHERE state = 'done' AND finished_at < now() - interval '7 days'", 0, NULL);
}

/* once a day every finding is rescored and every asset gets its risk
 * snapshot (the idempotency key makes it once a day across restarts and
 * daemons) */
static int task_daily_scoring(struct db *db)
{
	char key[40], day[11];
	ff_days_to_date(ff_now_ms() / 86400000, day);
	snprintf(key, sizeof(key), "score-all-%s", day);
	return job_enqueue(db, 1, "score.all", "{}", key, 0, 0, NULL);
}

const struct sched_task sched_tasks[] = {
	{ "job.cleanup", 3600, task_job_cleanup },
	{ "score.daily", 3600, task_daily_scoring },
	{ "feeds.daily", 60, feeds_task_daily },
	{ "workflow.due", 1, wf_task_due }, /* paced by cfg workflow_due_seconds */
	{ "workflow.remind", 1, wf_task_remind }, /* paced by cfg workflow_remind_seconds */
	{ "tickets.sync", 1, tickets_task_sync }, /* paced by cfg ticket_sync_seconds */
	{ NULL, 0, NULL },
};

#define NTASKS (sizeof(sched_tasks) / sizeof(sched_tasks[0]) - 1)

bool scheduler_is_leader(void)
{
	return atomic_load(&g_leader);
}

static bool try_lead(struct db *db)
{
	PGresult *r = db_exec(db, "SELECT pg_try_advisory_lock(" SCHED_LOCK_KEY ")", 0, NULL);
	if (!r)
		return false;
	bool got = PQgetvalue(r, 0, 0)[0] == 't';
	PQclear(r);
	return got;
}

static void *sched_main(void *arg)
{
	(void)arg;
	int64_t last[NTASKS] = { 0 };
	while (!atomic_load(&g_stop)) {
		struct db *db = db_thread();
		if (db && !atomic_load(&g_leader) && try_lead(db)) {
			atomic_store(&g_leader, true);
			log_info("scheduler", "this daemon now runs the scheduler");
		}
		if (db && PQstatus(db_pg(db)) != CONNECTION_OK)
			atomic_store(&g_leader, false); /* the session lock went with the connection */
		if (db && atomic_load(&g_leader)) {
			int64_t now = ff_now_ms();
			for (size_t i = 0; i < NTASKS; i++) {
				if (now - last[i] < (int64_t)sched_tasks[i].interval_seconds * 1000)
					continue;
				last[i] = now;
				int rc = sched_tasks[i].run(db);
				db_rollback(db);
				if (rc)
					log_warn("scheduler", "task failed name=%s error=%s", sched_tasks[i].name,
						 ff_rc_str(rc));
			}
		}
		for (int i = 0; i < 100 && !atomic_load(&g_stop); i++)
			ff_sleep_ms(10);
	}
	db_thread_close(); /* releases the advisory lock with the session */
	atomic_store(&g_leader, false);
	return NULL;
}

int scheduler_start(void)
{
	atomic_store(&g_stop, false);
	if (pthread_create(&g_thread, NULL, sched_main, NULL) != 0)
		return FF_EPERM;
	atomic_store(&g_started, true);
	return FF_OK;
}

void scheduler_stop(void)
{
	if (!atomic_load(&g_started))
		return;
	atomic_store(&g_stop, true);
	pthread_join(g_thread, NULL);
	atomic_store(&g_started, false);
}
