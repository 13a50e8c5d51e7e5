/*
 * testdb.h - a fresh database per test, in the runner's PostgreSQL.
 */
#ifndef IPPYO_TESTS_HARNESS_TESTDB_H
#define IPPYO_TESTS_HARNESS_TESTDB_H

#include "db/db.h"

/* Creates an empty database and connects to it; fails the test on error. */
struct db *testdb_new(char *name, size_t namelen);

/* Disconnects and drops the database. */
void testdb_free(struct db *db, const char *name);

#endif
