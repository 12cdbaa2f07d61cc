#include "db.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cfg.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/rc.h"

#define DB_PREPARED_MAX 32

struct db {
	struct db *next_thread; /* registry of db_thread() connections */
	PGconn *pg;
	const char *prepared[DB_PREPARED_MAX]; /* SQL texts (static) prepared as "ffp<i>" */
	int nprepared;
	int last_rc;
	char last_error[512];
	char sqlstate[6];
	long stmts;
};

static atomic_int g_open, g_busy;
static struct db *g_threads;
static pthread_mutex_t g_threads_mu = PTHREAD_MUTEX_INITIALIZER;

static void registry_add(struct db *db)
{
	pthread_mutex_lock(&g_threads_mu);
	db->next_thread = g_threads;
	g_threads = db;
	pthread_mutex_unlock(&g_threads_mu);
	atomic_fetch_add(&g_open, 1);
}

/* removes db from the registry; true when it was there */
static bool registry_remove(struct db *db)
{
	bool found = false;
	pthread_mutex_lock(&g_threads_mu);
	for (struct db **p = &g_threads; *p; p = &(*p)->next_thread) {
		if (*p == db) {
			*p = db->next_thread;
			found = true;
			break;
		}
	}
	pthread_mutex_unlock(&g_threads_mu);
	if (found)
		atomic_fetch_sub(&g_open, 1);
	return found;
}
static _Thread_local struct db *t_db;
static _Thread_local bool t_busy;

static void notice_quiet(void *arg, const char *msg)
{
	(void)arg;
	log_debug("db", "notice: %s", msg);
}

struct db *db_open(const char *dsn, char *err, size_t errlen)
{
	PGconn *pg = PQconnectdb(dsn);
	if (PQstatus(pg) != CONNECTION_OK) {
		char msg[512];
		snprintf(msg, sizeof(msg), "%s", PQerrorMessage(pg));
		size_t n = strlen(msg);
		while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
			msg[--n] = '\0';
		snprintf(err, errlen, "could not connect to the database: %s", msg);
		PQfinish(pg);
		return NULL;
	}
	PQsetNoticeProcessor(pg, notice_quiet, NULL);
	struct db *db = xcalloc(1, sizeof(*db));
	db->pg = pg;
	PGresult *r = PQexec(pg, "SET TIME ZONE 'UTC'");
	PQclear(r);
	return db;
}

void db_close(struct db *db)
{
	if (!db)
		return;
	PQfinish(db->pg);
	free(db);
}

PGconn *db_pg(struct db *db)
{
	return db->pg;
}

struct db *db_thread(void)
{
	if (t_db && PQstatus(t_db->pg) != CONNECTION_OK) {
		PQreset(t_db->pg);
		t_db->nprepared = 0; /* a new session has no prepared statements */
		if (PQstatus(t_db->pg) != CONNECTION_OK) {
			registry_remove(t_db);
			db_close(t_db);
			t_db = NULL;
		}
	}
	if (!t_db) {
		char err[512];
		t_db = db_open(cfg_str("database_url"), err, sizeof(err));
		if (!t_db) {
			log_error("db", "%s", err);
			return NULL;
		}
		registry_add(t_db);
	}
	return t_db;
}

void db_thread_close(void)
{
	if (t_db) {
		if (registry_remove(t_db))
			db_close(t_db);
		t_db = NULL;
	}
}

void db_pool_close_all(void)
{
	pthread_mutex_lock(&g_threads_mu);
	struct db *list = g_threads;
	g_threads = NULL;
	pthread_mutex_unlock(&g_threads_mu);
	while (list) {
		struct db *next = list->next_thread;
		db_close(list);
		atomic_fetch_sub(&g_open, 1);
		list = next;
	}
}

void db_mark_busy(bool busy)
{
	if (busy != t_busy) {
		t_busy = busy;
		atomic_fetch_add(&g_busy, busy ? 1 : -1);
	}
}

void db_pool_stats(int *open, int *busy)
{
	*open = atomic_load(&g_open);
	*busy = atomic_load(&g_busy);
}

static int map_state(const char *st)
{
	if (!st)
		return FF_ETEMP;
	if (strcmp(st, "23505") == 0 || strcmp(st, "23P01") == 0)
		return FF_ECONFLICT;
	if (strncmp(st, "08", 2) == 0 || strcmp(st, "40001") == 0 || strcmp(st, "40P01") == 0 ||
	    strcmp(st, "55P03") == 0 || strcmp(st, "57P01") == 0)
		return FF_ETEMP;
	if (strncmp(st, "22", 2) == 0 || strncmp(st, "23", 2) == 0)
		return FF_EINVAL;
	return FF_EPERM;
}

static void keep_error(struct db *db, PGresult *r)
{
	const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	snprintf(db->sqlstate, sizeof(db->sqlstate), "%s", st ? st : "08000");
	snprintf(db->last_error, sizeof(db->last_error), "%s",
		 msg ? msg : PQerrorMessage(db->pg));
	db->last_rc = (PQstatus(db->pg) != CONNECTION_OK) ? FF_ETEMP : map_state(st);
}

PGresult *db_exec(struct db *db, const char *sql, int n, const char *const *params)
{
	return db_exec_typed(db, sql, n, NULL, params);
}

PGresult *db_exec_typed(struct db *db, const char *sql, int n, const Oid *types, const char *const *params)
{
	db->stmts++;
	PGresult *r = PQexecParams(db->pg, sql, n, types, params, NULL, NULL, 0);
	ExecStatusType s = PQresultStatus(r);
	if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) {
		db->last_rc = FF_OK;
		return r;
	}
	keep_error(db, r);
	log_debug("db", "statement failed: %s sqlstate=%s", db->last_error, db->sqlstate);
	PQclear(r);
	return NULL;
}

PGresult *db_exec_hot(struct db *db, const char *sql, int n, const char *const *params)
{
	int i = 0;
	while (i < db->nprepared && db->prepared[i] != sql)
		i++;
	if (i == db->nprepared) {
		if (i == DB_PREPARED_MAX)
			return db_exec(db, sql, n, params);
		char name[16];
		snprintf(name, sizeof(name), "ffp%d", i);
		PGresult *p = PQprepare(db->pg, name, sql, n, NULL);
		ExecStatusType ps = PQresultStatus(p);
		if (ps != PGRES_COMMAND_OK) {
			keep_error(db, p);
			PQclear(p);
			return NULL;
		}
		PQclear(p);
		db->prepared[i] = sql;
		db->nprepared++;
	}
	char name[16];
	snprintf(name, sizeof(name), "ffp%d", i);
	db->stmts++;
	PGresult *r = PQexecPrepared(db->pg, name, n, params, NULL, NULL, 0);
	ExecStatusType s = PQresultStatus(r);
	if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) {
		db->last_rc = FF_OK;
		return r;
	}
	keep_error(db, r);
	PQclear(r);
	return NULL;
}

PGresult *db_exec_one(struct db *db, const char *sql, int n, const char *const *params, int *rc)
{
	PGresult *r = db_exec(db, sql, n, params);
	if (!r) {
		*rc = db->last_rc;
		return NULL;
	}
	if (PQntuples(r) != 1) {
		PQclear(r);
		*rc = FF_ENOTFOUND;
		return NULL;
	}
	*rc = FF_OK;
	return r;
}

int db_cmd(struct db *db, const char *sql, int n, const char *const *params)
{
	PGresult *r = db_exec(db, sql, n, params);
	if (!r)
		return db->last_rc;
	PQclear(r);
	return FF_OK;
}

int db_last_rc(struct db *db)
{
	return db->last_rc;
}

const char *db_last_error(struct db *db)
{
	return db->last_error;
}

const char *db_last_sqlstate(struct db *db)
{
	return db->sqlstate;
}

long db_stmt_count(struct db *db)
{
	return db->stmts;
}

int db_begin(struct db *db)
{
	return db_cmd(db, "BEGIN", 0, NULL);
}

int db_commit(struct db *db)
{
	return db_cmd(db, "COMMIT", 0, NULL);
}

void db_rollback(struct db *db)
{
	if (PQtransactionStatus(db->pg) != PQTRANS_IDLE)
		db_cmd(db, "ROLLBACK", 0, NULL);
}

int db_copy_begin(struct db *db, const char *sql)
{
	db->stmts++;
	PGresult *r = PQexec(db->pg, sql);
	if (PQresultStatus(r) == PGRES_COPY_IN) {
		PQclear(r);
		db->last_rc = FF_OK;
		return FF_OK;
	}
	keep_error(db, r);
	PQclear(r);
	return db->last_rc;
}

static int copy_failed(struct db *db, const char *what)
{
	snprintf(db->last_error, sizeof(db->last_error), "%s: %s", what, PQerrorMessage(db->pg));
	snprintf(db->sqlstate, sizeof(db->sqlstate), "08000");
	db->last_rc = FF_ETEMP;
	return db->last_rc;
}

int db_copy_put(struct db *db, const char *data, size_t len)
{
	while (len > 0) {
		int n = len > (1u << 30) ? 1 << 30 : (int)len;
		if (PQputCopyData(db->pg, data, n) != 1)
			return copy_failed(db, "could not send COPY rows");
		data += n;
		len -= (size_t)n;
	}
	return FF_OK;
}

/* the results after the end of a COPY: the first tells, the rest drain */
static int copy_result(struct db *db)
{
	PGresult *r = PQgetResult(db->pg);
	int rc = FF_OK;
	if (PQresultStatus(r) == PGRES_COMMAND_OK) {
		db->last_rc = FF_OK;
	} else {
		keep_error(db, r);
		rc = db->last_rc;
	}
	PQclear(r);
	while ((r = PQgetResult(db->pg)))
		PQclear(r);
	return rc;
}

int db_copy_end(struct db *db)
{
	if (PQputCopyEnd(db->pg, NULL) != 1)
		return copy_failed(db, "could not end COPY");
	return copy_result(db);
}

void db_copy_abort(struct db *db, const char *why)
{
	PQputCopyEnd(db->pg, why);
	PGresult *r;
	while ((r = PQgetResult(db->pg)))
		PQclear(r);
}
