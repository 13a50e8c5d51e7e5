/*
 * testdb.c - throw-away databases for the db tests.
 */
#include <stdio.h>
#include <unistd.h>

#include "core/err.h"
#include "db/db.h"
#include "tests/harness/test.h"
#include "tests/harness/testdb.h"

static int seq;

struct db *
testdb_new(char *name, size_t namelen)
{
	const char *url = test_database_url();
	struct db *admin = NULL, *db = NULL;
	char sql[160];

	snprintf(name, namelen, "ippyo_test_%d_%d", (int)getpid(), ++seq);
	ASSERT_OK(db_open(url, NULL, &admin));
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", name);
	ASSERT_OK(db_exec(admin, sql, NULL, 0, NULL));
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
	ASSERT_OK(db_exec(admin, sql, NULL, 0, NULL));
	db_close(admin);
	ASSERT_OK(db_open(url, name, &db));
	return db;
}

struct db *
testdb_copy(struct db *db, const char *name, char *copy, size_t copylen)
{
	const char *url = test_database_url();
	struct db *admin = NULL;
	char sql[200];

	snprintf(copy, copylen, "ippyo_test_%d_%d", (int)getpid(), ++seq);
	db_close(db);
	ASSERT_OK(db_open(url, NULL, &admin));
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", copy);
	ASSERT_OK(db_exec(admin, sql, NULL, 0, NULL));
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s TEMPLATE %s", copy, name);
	ASSERT_OK(db_exec(admin, sql, NULL, 0, NULL));
	db_close(admin);
	db = NULL;
	ASSERT_OK(db_open(url, name, &db));
	return db;
}

void
testdb_free(struct db *db, const char *name)
{
	struct db *admin = NULL;
	char sql[160];

	db_close(db);
	if (db_open(test_database_url(), NULL, &admin) != 0)
		return;
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", name);
	if (db_exec(admin, sql, NULL, 0, NULL) != 0)
		fprintf(stderr, "testdb: could not drop %s\n", name);
	db_close(admin);
}

int64_t
testdb_scalar(struct db *db, const char *sql)
{
	struct db_result *res = NULL;
	int64_t v = -1;

	ASSERT_OK(db_exec(db, sql, NULL, 0, &res));
	ASSERT_OK(db_get_i64(res, 0, 0, &v));
	db_result_free(res);
	return v;
}
