/* Numbered SQL migrations (db/migrations/NNNN_name.sql, compiled into the
 * binary) applied in one transaction under an advisory lock, so two daemons
 * starting at once cannot race. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/embed.h"
#include "common/log.h"
#include "common/rc.h"
#include "common/str.h"
#include "db.h"

extern const struct ff_embedded ff_migration_files[];

#define MIGRATE_LOCK_KEY "7716150001" /* a constant unique to FlawFix */

static int version_of(const char *name)
{
	char num[8] = { 0 };
	long long v = 0;
	for (int i = 0; i < 4 && name[i]; i++)
		num[i] = name[i];
	if (str_to_ll(num, 1, 9999, &v) || name[4] != '_')
		return -1;
	return (int)v;
}

int db_migration_latest(void)
{
	int latest = 0;
	for (const struct ff_embedded *m = ff_migration_files; m->name; m++) {
		int v = version_of(m->name);
		if (v > latest)
			latest = v;
	}
	return latest;
}

/* applied versions as a set (versions are small numbers) */
#define MAX_VERSION 10000

static int applied_set(struct db *db, unsigned char *have)
{
	PGresult *r = db_exec(db, "SELECT version FROM schema_migration", 0, NULL);
	if (!r)
		return db_last_rc(db);
	for (int i = 0; i < PQntuples(r); i++) {
		int v = (int)strtol(PQgetvalue(r, i, 0), NULL, 10);
		if (v > 0 && v < MAX_VERSION)
			have[v] = 1;
	}
	PQclear(r);
	return FF_OK;
}

static int apply_one(struct db *db, const struct ff_embedded *m, int v, char *err, size_t errlen)
{
	PGresult *r = PQexec(db_pg(db), m->data);
	ExecStatusType s = PQresultStatus(r);
	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
		const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
		snprintf(err, errlen, "migration %s failed: %s", m->name, msg ? msg : "unknown error");
		PQclear(r);
		return FF_EPERM;
	}
	PQclear(r);
	char vs[16];
	snprintf(vs, sizeof(vs), "%d", v);
	const char *p[] = { vs, m->name };
	if (db_cmd(db, "INSERT INTO schema_migration (version, name) VALUES ($1, $2)", 2, p)) {
		snprintf(err, errlen, "could not record migration %s: %s", m->name, db_last_error(db));
		return FF_EPERM;
	}
	return FF_OK;
}

/* Every migration of the build that the database lacks is applied, in
 * number order: a gap left by a migration that arrives later (branches
 * merged in another order) is filled when it arrives. */
int db_migrate(struct db *db, int *applied, char *err, size_t errlen)
{
	int rc;
	unsigned char have[MAX_VERSION] = { 0 };
	*applied = 0;
	if ((rc = db_begin(db)))
		goto fail;
	if ((rc = db_cmd(db, "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK_KEY ")", 0, NULL)))
		goto fail;
	if ((rc = db_cmd(db, "CREATE TABLE IF NOT EXISTS schema_migration ("
			     " version int PRIMARY KEY, name text NOT NULL,"
			     " applied_at timestamptz NOT NULL DEFAULT now())", 0, NULL)))
		goto fail;
	if ((rc = applied_set(db, have)))
		goto fail;
	for (int v = 1; v <= db_migration_latest(); v++) {
		const struct ff_embedded *m = ff_migration_files;
		while (m->name && version_of(m->name) != v)
			m++;
		if (!m->name || have[v])
			continue;
		if (apply_one(db, m, v, err, errlen)) {
			db_rollback(db);
			return FF_EPERM;
		}
		log_info("db", "migration applied name=%s", m->name);
		(*applied)++;
	}
	if ((rc = db_commit(db)))
		goto fail;
	return FF_OK;
fail:
	snprintf(err, errlen, "could not migrate: %s", db_last_error(db));
	db_rollback(db);
	*applied = 0;
	return rc;
}

int db_migrations_current(struct db *db)
{
	unsigned char have[MAX_VERSION] = { 0 };
	if (applied_set(db, have))
		return db_last_rc(db) == FF_ETEMP ? FF_ETEMP : FF_ECONFLICT;
	for (const struct ff_embedded *m = ff_migration_files; m->name; m++) {
		int v = version_of(m->name);
		if (v > 0 && v < MAX_VERSION && !have[v])
			return FF_ECONFLICT;
	}
	return FF_OK;
}
