#include "jobs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cfg.h"
#include "common/crypto.h"
#include "common/mem.h"
#include "common/rc.h"

void job_clear(struct job *j)
{
	free(j->payload);
	memset(j, 0, sizeof(*j));
}

int job_enqueue(struct db *db, long long org_id, const char *kind, const char *payload,
		const char *idem_key, long long delay_ms, int max_attempts, long long *id)
{
	char org[24], delay[24], max[16];
	snprintf(org, sizeof(org), "%lld", org_id);
	snprintf(delay, sizeof(delay), "%lld", delay_ms);
	snprintf(max, sizeof(max), "%d", max_attempts > 0 ? max_attempts : (int)cfg_int("job_max_attempts"));
	const char *p[] = { org, kind, payload ? payload : "{}", idem_key, delay, max };
	PGresult *r = db_exec(db,
		"WITH ins AS (INSERT INTO job (org_id, kind, payload, idempotency_key, run_at, max_attempts)"
		" VALUES ($1, $2, $3::jsonb, $4, now() + ($5::bigint * interval '1 millisecond'), $6)"
		" ON CONFLICT (org_id, kind, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING"
		" RETURNING id)"
		" SELECT id FROM ins UNION ALL"
		" SELECT id FROM job WHERE org_id = $1 AND kind = $2 AND idempotency_key = $4"
		" AND NOT EXISTS (SELECT 1 FROM ins)", 6, p);
	if (!r)
		return db_last_rc(db);
	if (PQntuples(r) < 1) {
		/* a concurrent insert of the same key is not yet visible; the caller retries */
		PQclear(r);
		return FF_ETEMP;
	}
	if (id)
		*id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	if (delay_ms <= 0)
		db_cmd(db, "SELECT pg_notify('ff_job', '')", 0, NULL);
	return FF_OK;
}

int job_claim(struct db *db, const char *worker, int lease_seconds, const char *kinds, struct job *out)
{
	char lease[16];
	snprintf(lease, sizeof(lease), "%d", lease_seconds);
	const char *p[] = { worker, lease, kinds };
	PGresult *r = db_exec(db,
		"UPDATE job SET state = 'running', locked_by = $1,"
		" locked_until = now() + ($2::int * interval '1 second'),"
		" attempts = attempts + 1, updated_at = now()"
		" WHERE id = (SELECT id FROM job WHERE ((state = 'queued' AND run_at <= now())"
		"   OR (state = 'running' AND locked_until < now())) AND kind = ANY ($3::text[])"
		"   ORDER BY run_at, id FOR UPDATE SKIP LOCKED LIMIT 1)"
		" RETURNING id, org_id, kind, payload::text, attempts, max_attempts", 3, p);
	if (!r)
		return db_last_rc(db);
	if (PQntuples(r) == 0) {
		PQclear(r);
		return FF_ENOTFOUND;
	}
	out->id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	out->org_id = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
	snprintf(out->kind, sizeof(out->kind), "%s", PQgetvalue(r, 0, 2));
	out->payload = xstrdup(PQgetvalue(r, 0, 3));
	out->attempts = (int)strtol(PQgetvalue(r, 0, 4), NULL, 10);
	out->max_attempts = (int)strtol(PQgetvalue(r, 0, 5), NULL, 10);
	PQclear(r);
	return FF_OK;
}

static int guarded(struct db *db, const char *sql, int n, const char *const *p)
{
	PGresult *r = db_exec(db, sql, n, p);
	if (!r)
		return db_last_rc(db);
	long changed = strtol(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return changed ? FF_OK : FF_ECONFLICT;
}

int job_done(struct db *db, long long id, const char *worker)
{
	char ids[24];
	snprintf(ids, sizeof(ids), "%lld", id);
	const char *p[] = { ids, worker };
	return guarded(db,
		       "UPDATE job SET state = 'done', locked_by = NULL, locked_until = NULL,"
		       " finished_at = now(), updated_at = now(), last_error = NULL"
		       " WHERE id = $1 AND state = 'running' AND locked_by = $2", 2, p);
}

int job_extend(struct db *db, long long id, const char *worker, int lease_seconds)
{
	char ids[24], lease[16];
	snprintf(ids, sizeof(ids), "%lld", id);
	snprintf(lease, sizeof(lease), "%d", lease_seconds);
	const char *p[] = { ids, worker, lease };
	return guarded(db,
		       "UPDATE job SET locked_until = now() + ($3::int * interval '1 second')"
		       " WHERE id = $1 AND state = 'running' AND locked_by = $2", 3, p);
}

long long job_backoff_ms(int attempts, long long base_ms, long long max_ms)
{
	long long d = base_ms;
	for (int i = 1; i < attempts && d < max_ms; i++)
		d *= 2;
	if (d > max_ms)
		d = max_ms;
	uint32_t r;
	ff_random(&r, sizeof(r));
	return d / 2 + (long long)((double)(d - d / 2) * ((double)r / 4294967295.0));
}

int job_retry(struct db *db, const struct job *j, const char *worker, const char *error, int permanent)
{
	char ids[24], delay[24];
	long long ms = job_backoff_ms(j->attempts, cfg_int("job_backoff_base_ms"),
				      cfg_int("job_backoff_max_seconds") * 1000);
	snprintf(ids, sizeof(ids), "%lld", j->id);
	snprintf(delay, sizeof(delay), "%lld", ms);
	const char *p[] = { ids, worker, error, delay, permanent ? "t" : "f" };
	return guarded(db,
		       "UPDATE job SET locked_by = NULL, locked_until = NULL, last_error = $3,"
		       " updated_at = now(),"
		       " state = CASE WHEN $5::bool OR attempts >= max_attempts THEN 'failed' ELSE 'queued' END,"
		       " finished_at = CASE WHEN $5::bool OR attempts >= max_attempts THEN now() END,"
		       " run_at = now() + ($4::bigint * interval '1 millisecond')"
		       " WHERE id = $1 AND state = 'running' AND locked_by = $2", 5, p);
}

int job_release(struct db *db, const char *worker)
{
	const char *p[] = { worker };
	PGresult *r = db_exec(db,
		"UPDATE job SET state = 'queued', locked_by = NULL, locked_until = NULL,"
		" attempts = greatest(attempts - 1, 0), updated_at = now()"
		" WHERE state = 'running' AND locked_by = $1", 1, p);
	if (!r)
		return db_last_rc(db);
	int n = (int)strtol(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return n;
}
