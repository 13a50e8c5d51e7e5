/*
 * dbpool.h - a few database connections shared by the server's threads.
 *
 * A struct db is one libpq connection and may be used by one thread at a
 * time; the HTTP pool runs LIMIT_HTTP_THREADS handlers at once, so the
 * server keeps that many connections and lends one per request.
 * Connections are opened lazily (the server starts, and /health answers
 * 503, while the database is down) and a connection on which a statement
 * failed is closed and reopened on next use.  Thread-safe.
 */
#ifndef IPPYO_WEB_DBPOOL_H
#define IPPYO_WEB_DBPOOL_H

#include <stddef.h>

#include "db/db.h"

#define DBPOOL_WAIT_S 5		/* longest wait for a free connection */

struct dbpool;

/*
 * A pool of n (1..64) connections to conninfo (copied).  Connects
 * nothing yet.  Returns 0, ERR_INVALID_ARG or ERR_NOMEM.
 */
int dbpool_new(const char *conninfo, size_t n, struct dbpool **out)
    __attribute__((warn_unused_result));

/* Closes every connection (none may be lent out).  Accepts NULL. */
void dbpool_free(struct dbpool *p);

/*
 * Lends a connection, connecting if needed.  Returns 0, ERR_TIMEOUT (none
 * free within DBPOOL_WAIT_S) or ERR_DB_CONNECT.  Give it back with
 * dbpool_put().
 */
int dbpool_get(struct dbpool *p, struct db **out)
    __attribute__((warn_unused_result));

/*
 * Returns db to the pool.  last_err is the result of the last statement
 * run on it: a database error (ERR_DB, ERR_DB_CONNECT) closes the
 * connection so the next borrower gets a fresh one.  An open transaction
 * is rolled back.  Accepts db NULL.
 */
void dbpool_put(struct dbpool *p, struct db *db, int last_err);

#endif /* IPPYO_WEB_DBPOOL_H */
