#include "worker.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cfg.h"
#include "common/fftime.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/rc.h"

#define MAX_WORKERS 64

static pthread_t *g_threads, g_keeper;
static int g_n;
static atomic_int g_running_threads;
static atomic_bool g_stop, g_keeper_stop;

/* what each worker runs now, for the lease keeper */
static pthread_mutex_t g_run_mu = PTHREAD_MUTEX_INITIALIZER;
static struct { long long job; char worker[128]; } g_running[MAX_WORKERS];

static void set_running(int slot, long long job, const char *worker)
{
	if (slot < 0 || slot >= MAX_WORKERS)
		return;
	pthread_mutex_lock(&g_run_mu);
	g_running[slot].job = job;
	snprintf(g_running[slot].worker, sizeof(g_running[slot].worker), "%s", worker);
	pthread_mutex_unlock(&g_run_mu);
}

/* renews the leases of running jobs every third of the lease, so a long
 * job is not taken over while its worker lives; when the daemon dies the
 * keeper dies with it and the lease runs out */
static void *keeper_main(void *arg)
{
	(void)arg;
	int lease = (int)cfg_int("job_lease_seconds");
	int64_t every_ms = lease * 1000 / 3;
	if (every_ms < 200)
		every_ms = 200;
	while (!atomic_load(&g_keeper_stop)) {
		for (int64_t slept = 0; slept < every_ms && !atomic_load(&g_keeper_stop); slept += 20)
			ff_sleep_ms(20);
		struct db *db = db_thread();
		if (!db)
			continue;
		for (int i = 0; i < MAX_WORKERS; i++) {
			long long job;
			char worker[128];
			pthread_mutex_lock(&g_run_mu);
			job = g_running[i].job;
			snprintf(worker, sizeof(worker), "%s", g_running[i].worker);
			pthread_mutex_unlock(&g_run_mu);
			if (job && job_extend(db, job, worker, lease) == FF_ECONFLICT)
				log_warn("worker", "lease of job id=%lld was lost", job);
		}
	}
	db_thread_close();
	return NULL;
}

static const struct job_kind *find_kind(const char *kind)
{
	for (const struct job_kind *k = job_kinds; k->kind; k++)
		if (strcmp(k->kind, kind) == 0)
			return k;
	return NULL;
}

/* the kinds this build runs, as a text[] literal for job_claim: a job of
 * another kind stays queued for a daemon that knows it (a newer one during
 * a rolling upgrade) instead of being failed here. Kind names are dotted
 * words and need no quoting. */
static char g_kinds[2048];
static pthread_once_t g_kinds_once = PTHREAD_ONCE_INIT;

static void build_kinds(void)
{
	size_t n = 0;
	g_kinds[n++] = '{';
	for (const struct job_kind *k = job_kinds; k->kind; k++) {
		int w = snprintf(g_kinds + n, sizeof(g_kinds) - n, "%s%s", k == job_kinds ? "" : ",", k->kind);
		if (w < 0 || (size_t)w >= sizeof(g_kinds) - n - 1)
			abort(); /* the table outgrew the literal: a build error in spirit */
		n += (size_t)w;
	}
	g_kinds[n++] = '}';
	g_kinds[n] = '\0';
}

static const char *known_kinds(void)
{
	pthread_once(&g_kinds_once, build_kinds);
	return g_kinds;
}

static int run_one(struct db *db, const char *worker_id, int slot)
{
	struct job j = { 0 };
	int rc = job_claim(db, worker_id, (int)cfg_int("job_lease_seconds"), known_kinds(), &j);
	if (rc)
		return rc;
	char err[512] = "";
	const struct job_kind *k = find_kind(j.kind);
	int64_t t0 = ff_mono_us();
	int jrc;
	set_running(slot, j.id, worker_id);
	if (!k) {
		snprintf(err, sizeof(err), "no job kind '%s' in this build", j.kind);
		jrc = FF_ENOTSUP;
	} else {
		jrc = k->run(db, &j, err, sizeof(err));
	}
	db_rollback(db); /* never leave a job's transaction open */
	set_running(slot, 0, "");
	if (jrc == FF_OK) {
		rc = job_done(db, j.id, worker_id);
		log_info("worker", "job done id=%lld kind=%s attempt=%d ms=%lld", j.id, j.kind, j.attempts,
			 (long long)((ff_mono_us() - t0) / 1000));
	} else {
		rc = job_retry(db, &j, worker_id, err, jrc != FF_ETEMP);
		log_warn("worker", "job failed id=%lld kind=%s attempt=%d/%d error=%s", j.id, j.kind, j.attempts,
			 j.max_attempts, err);
	}
	if (rc == FF_ECONFLICT)
		log_warn("worker", "lost the lease of job id=%lld before finishing", j.id);
	job_clear(&j);
	return FF_OK;
}

int worker_run_one(struct db *db, const char *worker_id)
{
	return run_one(db, worker_id, -1);
}

static void *worker_main(void *arg)
{
	char id[128], host[64] = "localhost";
	gethostname(host, sizeof(host) - 1);
	snprintf(id, sizeof(id), "%s:%d:%d", host, (int)getpid(), (int)(intptr_t)arg);
	long long poll = cfg_int("job_poll_ms");
	while (!atomic_load(&g_stop)) {
		struct db *db = db_thread();
		int rc = db ? run_one(db, id, (int)(intptr_t)arg) : FF_ETEMP;
		if (rc == FF_OK)
			continue;
		for (long long slept = 0; slept < poll && !atomic_load(&g_stop); slept += 10)
			ff_sleep_ms(10);
	}
	struct db *db = db_thread();
	if (db) {
		int n = job_release(db, id);
		if (n > 0)
			log_info("worker", "released leases worker=%s count=%d", id, n);
	}
	db_thread_close();
	atomic_fetch_sub(&g_running_threads, 1);
	return NULL;
}

int worker_start(int n)
{
	atomic_store(&g_stop, false);
	atomic_store(&g_keeper_stop, false);
	if (n > MAX_WORKERS)
		n = MAX_WORKERS;
	g_threads = xcalloc((size_t)(n ? n : 1), sizeof(pthread_t));
	if (n > 0 && pthread_create(&g_keeper, NULL, keeper_main, NULL) != 0)
		return FF_EPERM;
	for (int i = 0; i < n; i++) {
		atomic_fetch_add(&g_running_threads, 1);
		if (pthread_create(&g_threads[i], NULL, worker_main, (void *)(intptr_t)i) != 0) {
			atomic_fetch_sub(&g_running_threads, 1);
			return FF_EPERM;
		}
		g_n++;
	}
	return FF_OK;
}

/* a job still running after the grace period (a slow tracker, a feed
 * sync in backoff) must not hold the daemon: its lease is given back from
 * here and the process exits; the job runs again (jobs are idempotent) */
static void release_stuck(void)
{
	char err[256], host[64] = "localhost";
	gethostname(host, sizeof(host) - 1);
	struct db *db = db_open(cfg_str("database_url"), err, sizeof(err));
	if (!db)
		return;
	for (int i = 0; i < g_n; i++) {
		char id[128];
		snprintf(id, sizeof(id), "%s:%d:%d", host, (int)getpid(), i);
		int n = job_release(db, id);
		if (n > 0)
			log_warn("worker", "job still running at shutdown; lease released worker=%s", id);
	}
	db_close(db);
}

bool worker_stop(int64_t grace_ms)
{
	atomic_store(&g_stop, true);
	int64_t until = ff_mono_us() + grace_ms * 1000;
	while (atomic_load(&g_running_threads) > 0 && ff_mono_us() < until)
		ff_sleep_ms(20);
	if (atomic_load(&g_running_threads) > 0) {
		release_stuck();
		return false; /* the threads end with the process */
	}
	for (int i = 0; i < g_n; i++)
		pthread_join(g_threads[i], NULL);
	if (g_n > 0) {
		atomic_store(&g_keeper_stop, true);
		pthread_join(g_keeper, NULL);
	}
	free(g_threads);
	g_threads = NULL;
	g_n = 0;
	return true;
}
