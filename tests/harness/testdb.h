/*
 * testdb.h - a fresh database per test, in the runner's PostgreSQL.
 */
#ifndef IPPYO_TESTS_HARNESS_TESTDB_H
#define IPPYO_TESTS_HARNESS_TESTDB_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

/* Creates an empty database and connects to it; fails the test on error. */
struct db *testdb_new(char *name, size_t namelen);

/* The one integer a query returns (count(*) and the like); fails the test
 * otherwise. */
int64_t testdb_scalar(struct db *db, const char *sql);

/*
 * Copies database name (connected as db) into a new one, named into
 * copy: db is closed for the copy (PostgreSQL copies only an idle
 * database) and a new connection to name is returned.  Fails the test on
 * error.
 */
struct db *testdb_copy(struct db *db, const char *name, char *copy,
    size_t copylen);

/* Disconnects and drops the database. */
void testdb_free(struct db *db, const char *name);

#endif
