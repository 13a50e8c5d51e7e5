/*
 * db.h - the thin PostgreSQL layer: the only code that knows libpq.
 *
 * Queries take parameters only: there is no way to splice a value into
 * SQL text.  Results are read through typed getters that bound and
 * validate what the database returns (database rows are input too).
 * Neither a PGconn nor a PGresult ever leaves this module.
 *
 * Errors: ERR_DB_CONNECT (cannot connect), ERR_DB_CONSTRAINT (SQLSTATE
 * class 23: unique, foreign key, check), ERR_DB (anything else).  The
 * precise SQLSTATE and server message go to the log, and
 * db_last_sqlstate() gives the code to callers that must tell cases apart.
 *
 * A struct db is one connection; use it from one thread at a time.
 */
#ifndef IPPYO_DB_DB_H
#define IPPYO_DB_DB_H

#include <stddef.h>
#include <stdint.h>

#define DB_WUR __attribute__((warn_unused_result))

struct db;
struct db_result;

enum db_param_kind {
	DB_P_NULL = 0,		/* SQL NULL */
	DB_P_TEXT,		/* NUL-terminated UTF-8 text */
	DB_P_BYTES,		/* binary (bytea) */
	DB_P_I64,		/* integer, sent as text */
	DB_P_BOOL		/* boolean, sent as text */
};

struct db_param {
	enum db_param_kind kind;	/* which members are set */
	const void *p;			/* DB_P_TEXT, DB_P_BYTES */
	size_t len;			/* DB_P_BYTES length */
	int64_t i;			/* DB_P_I64, DB_P_BOOL */
};

#define DB_NULL ((struct db_param){ .kind = DB_P_NULL })
#define DB_TEXT(s) ((struct db_param){ .kind = DB_P_TEXT, .p = (s) })
#define DB_BYTES(b, n) ((struct db_param){ .kind = DB_P_BYTES, .p = (b), .len = (n) })
#define DB_I64(x) ((struct db_param){ .kind = DB_P_I64, .i = (int64_t)(x) })
#define DB_BOOL(x) ((struct db_param){ .kind = DB_P_BOOL, .i = !!(x) })

/*
 * Connects.  conninfo is a libpq connection string or URL; when dbname is
 * not NULL it overrides the database named there.  Caller frees *out with
 * db_close().  Returns 0 or ERR_DB_CONNECT.
 */
int db_open(const char *conninfo, const char *dbname, struct db **out) DB_WUR;

/* Closes the connection.  Accepts NULL. */
void db_close(struct db *db);

/*
 * Runs one statement with n parameters ($1..$n).  When out is not NULL
 * and the statement returns rows, *out receives the result (caller frees
 * with db_result_free).  n is at most LIMIT_SQL_PARAMS_MAX.
 */
int db_exec(struct db *db, const char *sql, const struct db_param *params,
    int n, struct db_result **out) DB_WUR;

/*
 * The same with every result column in binary form: bytea arrives as raw
 * bytes (no hex round trip), for bulk reads of the ballot box.  Read
 * them with db_get_raw / db_get_bytes (bytea) and db_get_i64 (int8 only);
 * db_get_text returns a binary value as it is.
 */
int db_exec_binary(struct db *db, const char *sql,
    const struct db_param *params, int n, struct db_result **out) DB_WUR;

/*
 * Runs a multi-statement SQL script with no parameters.  Only for text
 * compiled into the program (migrations); never for anything built at
 * run time.
 */
int db_exec_script(struct db *db, const char *sql) DB_WUR;

/*
 * Statement cache, off by default: with it on, each distinct statement
 * text given to db_exec / db_exec_binary is prepared on this connection
 * the first time (at most 64 texts; later ones run unprepared), so that
 * PostgreSQL parses it once and may reuse a generic plan.  For
 * long-lived connections that run the same statements many times (the
 * server's pool and box writer).  Results and errors are the same either
 * way, except: a statement that fails to parse fails when it is first
 * prepared; and a cached statement outlived by a schema change (its
 * result type changed, 0A000 "cached plan must not change result type")
 * or by DISCARD ALL (26000) empties the cache and, outside a
 * transaction, runs again unprepared, but inside one fails (the
 * transaction is aborted, as for any error there).
 */
void db_set_statement_cache(struct db *db, int on);

/* Transactions.  db_begin_serializable() is SERIALIZABLE isolation. */
int db_begin(struct db *db) DB_WUR;
int db_begin_serializable(struct db *db) DB_WUR;
int db_commit(struct db *db) DB_WUR;
/* Rolls back; safe to call when no transaction is open.  Never fails. */
void db_rollback(struct db *db);

/* 1 when a transaction is open on db. */
int db_in_transaction(const struct db *db);

/* SQLSTATE of the last failed statement ("" when none). */
const char *db_last_sqlstate(const struct db *db);

/* ---- results ---- */

int db_result_rows(const struct db_result *res);
int db_result_cols(const struct db_result *res);
void db_result_free(struct db_result *res);

/* 1 when the value is SQL NULL. */
int db_is_null(const struct db_result *res, int row, int col);

/*
 * Typed getters.  Each returns 0, ERR_NOT_FOUND (row/col out of range),
 * ERR_FORMAT (NULL or not of that type) or ERR_TOO_LARGE (over max).
 * db_get_text points into res (valid until db_result_free); the others
 * copy.  db_get_bytes allocates *out (caller frees).
 */
int db_get_text(const struct db_result *res, int row, int col, size_t max,
    const char **out) DB_WUR;
int db_get_i64(const struct db_result *res, int row, int col,
    int64_t *out) DB_WUR;
int db_get_bool(const struct db_result *res, int row, int col,
    int *out) DB_WUR;
int db_get_bytes(const struct db_result *res, int row, int col, size_t max,
    uint8_t **out, size_t *len) DB_WUR;
/*
 * A binary-format bytea value in place (valid until db_result_free):
 * ERR_FORMAT for NULL or a text-format result.
 */
int db_get_raw(const struct db_result *res, int row, int col, size_t max,
    const uint8_t **out, size_t *len) DB_WUR;

#endif /* IPPYO_DB_DB_H */
