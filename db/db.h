/* db/db.h - PostgreSQL access: connections, transactions, migrations.
 * SQL lives in db/ only and is always parameterised (STYLE.md habit 18).
 *
 * A struct db is one libpq connection; it is not thread-safe. Threads of
 * serve each get their own through db_thread() (lazily connected, reused,
 * reconnected after a broken connection). */
#ifndef FF_DB_DB_H
#define FF_DB_DB_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

struct db;

/* db_open connects with a libpq string; on failure returns NULL and writes
 * the reason (without the password) into err. */
struct db *db_open(const char *dsn, char *err, size_t errlen);
void db_close(struct db *db);
PGconn *db_pg(struct db *db);

/* db_thread returns this thread's connection to cfg database_url, or NULL
 * (logged) when the database is unreachable. Freed by db_thread_close(). */
struct db *db_thread(void);
void db_thread_close(void);
/* db_pool_close_all closes the connections of threads that are gone (the
 * HTTP server's pool); only once no thread uses its connection any more. */
void db_pool_close_all(void);
/* connections opened / in use by db_thread, for /metrics */
void db_pool_stats(int *open, int *busy);
void db_mark_busy(bool busy);

/* db_exec runs one parameterised statement (params may be NULL entries =
 * SQL NULL). Returns the result (caller PQclear()s) or NULL on error, with
 * the error kept for db_last_rc()/db_last_error(). */
PGresult *db_exec(struct db *db, const char *sql, int n, const char *const *params);
/* db_exec_typed: the same with declared parameter types (OIDs: 20 int8,
 * 16 bool, 25 text); every declared parameter may stay unused */
PGresult *db_exec_typed(struct db *db, const char *sql, int n, const Oid *types, const char *const *params);
/* db_exec_hot: db_exec for the hot paths (auth, lists): sql must be a
 * string literal (its address is the cache key); it is prepared once per
 * connection, so the planner's work is not repeated per request */
PGresult *db_exec_hot(struct db *db, const char *sql, int n, const char *const *params);
/* db_exec_one: db_exec for a statement that must give exactly one row;
 * NULL with *rc = the mapped error, or FF_ENOTFOUND for no row */
PGresult *db_exec_one(struct db *db, const char *sql, int n, const char *const *params, int *rc);
/* db_cmd runs a statement whose rows are not needed; returns FF_OK or the
 * mapped error (unique violation = FF_ECONFLICT, connection or
 * serialisation failure = FF_ETEMP, other = FF_EPERM). */
int db_cmd(struct db *db, const char *sql, int n, const char *const *params);
int db_last_rc(struct db *db);
const char *db_last_error(struct db *db);
const char *db_last_sqlstate(struct db *db);
/* db_stmt_count: statements sent on this connection (import budget tests) */
long db_stmt_count(struct db *db);

int db_begin(struct db *db);
int db_commit(struct db *db);
void db_rollback(struct db *db);

/* COPY ... FROM STDIN in text format (the bulk path of imports and feeds):
 * db_copy_begin starts it (counted as one statement), db_copy_put sends
 * rows, db_copy_end finishes it and returns FF_OK or the mapped error with
 * db_last_error() naming the rejected row; db_copy_abort discards what was
 * sent. Nothing else may run on the connection in between. Rows are built
 * with db_copy_field (escaped; NULL = SQL NULL) and db_copy_text_array (a
 * text[] literal), separated by '\t', ended by '\n'. */
struct buf;
int db_copy_begin(struct db *db, const char *sql);
int db_copy_put(struct db *db, const char *data, size_t len);
int db_copy_end(struct db *db);
void db_copy_abort(struct db *db, const char *why);
void db_copy_field(struct buf *o, const char *s);
void db_copy_text_array(struct buf *o, char *const *v, size_t n);

/* migrations (db/migrate.c): apply every pending one in one transaction
 * under an advisory lock; *applied gets the number applied. */
int db_migrate(struct db *db, int *applied, char *err, size_t errlen);
/* db_migrations_current: FF_OK when the schema has every migration, else
 * FF_ECONFLICT (or the error reaching the database). */
int db_migrations_current(struct db *db);
int db_migration_latest(void);

#endif
