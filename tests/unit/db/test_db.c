/*
 * test_db.c - the libpq wrapper against a real PostgreSQL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/limits.h"
#include "db/db.h"
#include "tests/harness/test.h"
#include "tests/harness/testdb.h"

TEST(db_open_refuses_unreachable_server)
{
	struct db *db = (struct db *)1;

	ASSERT_ERR(db_open("host=/nonexistent/socket dbname=x user=x "
	    "connect_timeout=2", NULL, &db), ERR_DB_CONNECT);
	ASSERT_NULL(db);
}

TEST(db_params_roundtrip_every_kind)
{
	char name[64];
	struct db *db = testdb_new(name, sizeof(name));
	struct db_result *res = NULL;
	static const uint8_t bin[] = { 0, 1, 0xff, '\'', ';', 0 };
	struct db_param p[5] = {
		DB_TEXT("O'Brien; DROP TABLE x; --"), DB_I64(-9007199254740993LL),
		DB_BYTES(bin, sizeof(bin)), DB_BOOL(1), DB_NULL
	};
	const char *s;
	int64_t i;
	int b;
	uint8_t *bytes;
	size_t len;

	ASSERT_OK(db_exec(db, "SELECT $1::text, $2::bigint, $3::bytea, "
	    "$4::boolean, $5::text", p, 5, &res));
	ASSERT_INT_EQ(db_result_rows(res), 1);
	ASSERT_INT_EQ(db_result_cols(res), 5);
	ASSERT_OK(db_get_text(res, 0, 0, 100, &s));
	ASSERT_STR_EQ(s, "O'Brien; DROP TABLE x; --");
	ASSERT_OK(db_get_i64(res, 0, 1, &i));
	ASSERT_TRUE(i == -9007199254740993LL);
	ASSERT_OK(db_get_bytes(res, 0, 2, 64, &bytes, &len));
	ASSERT_INT_EQ(len, sizeof(bin));
	ASSERT_MEM_EQ(bytes, bin, sizeof(bin));
	free(bytes);
	ASSERT_OK(db_get_bool(res, 0, 3, &b));
	ASSERT_INT_EQ(b, 1);
	ASSERT_TRUE(db_is_null(res, 0, 4));
	ASSERT_ERR(db_get_text(res, 0, 4, 100, &s), ERR_FORMAT);
	db_result_free(res);
	testdb_free(db, name);
}

/* Values from the database are input too: typed getters refuse misfits. */
TEST(db_getters_refuse_wrong_shapes)
{
	char name[64];
	struct db *db = testdb_new(name, sizeof(name));
	struct db_result *res = NULL;
	const char *s;
	int64_t i;
	int b;
	uint8_t *bytes;
	size_t len;

	ASSERT_OK(db_exec(db, "SELECT 'abc'::text, '9223372036854775808'::numeric, "
	    "'-9223372036854775808'::bigint, '\\x0102'::bytea", NULL, 0, &res));
	ASSERT_ERR(db_get_i64(res, 0, 0, &i), ERR_FORMAT);
	ASSERT_ERR(db_get_i64(res, 0, 1, &i), ERR_FORMAT);	/* overflow */
	ASSERT_OK(db_get_i64(res, 0, 2, &i));
	ASSERT_TRUE(i == INT64_MIN);
	ASSERT_ERR(db_get_bool(res, 0, 0, &b), ERR_FORMAT);
	ASSERT_ERR(db_get_bytes(res, 0, 0, 64, &bytes, &len), ERR_FORMAT);
	ASSERT_NULL(bytes);
	ASSERT_ERR(db_get_bytes(res, 0, 3, 1, &bytes, &len), ERR_TOO_LARGE);
	ASSERT_ERR(db_get_text(res, 0, 0, 2, &s), ERR_TOO_LARGE);
	ASSERT_ERR(db_get_text(res, 1, 0, 10, &s), ERR_NOT_FOUND);
	ASSERT_ERR(db_get_text(res, 0, 9, 10, &s), ERR_NOT_FOUND);
	ASSERT_ERR(db_get_text(res, -1, 0, 10, &s), ERR_NOT_FOUND);
	db_result_free(res);
	testdb_free(db, name);
}

static void
constraint_errors(int cache)
{
	char name[64];
	struct db *db = testdb_new(name, sizeof(name));
	struct db_param p = DB_I64(1);

	db_set_statement_cache(db, cache);
	ASSERT_OK(db_exec(db, "CREATE TABLE t (id int PRIMARY KEY)", NULL, 0, NULL));
	ASSERT_OK(db_exec(db, "INSERT INTO t VALUES ($1)", &p, 1, NULL));
	ASSERT_ERR(db_exec(db, "INSERT INTO t VALUES ($1)", &p, 1, NULL),
	    ERR_DB_CONSTRAINT);
	ASSERT_STR_EQ(db_last_sqlstate(db), "23505");
	ASSERT_ERR(db_exec(db, "SELEC 1", NULL, 0, NULL), ERR_DB);
	ASSERT_STR_EQ(db_last_sqlstate(db), "42601");
	ASSERT_OK(db_exec(db, "SELECT 1", NULL, 0, NULL));
	ASSERT_STR_EQ(db_last_sqlstate(db), "");
	testdb_free(db, name);
}

TEST(db_constraint_errors_are_told_apart)
{
	constraint_errors(0);
}

TEST(db_constraint_errors_are_told_apart_with_statement_cache)
{
	constraint_errors(1);
}

static void
transactions(int cache)
{
	char name[64];
	struct db *db = testdb_new(name, sizeof(name));
	struct db_result *res = NULL;
	int64_t n;

	db_set_statement_cache(db, cache);
	ASSERT_OK(db_exec(db, "CREATE TABLE t (id int PRIMARY KEY)", NULL, 0, NULL));
	ASSERT_OK(db_begin(db));
	ASSERT_OK(db_exec(db, "INSERT INTO t VALUES (1)", NULL, 0, NULL));
	db_rollback(db);
	ASSERT_OK(db_begin_serializable(db));
	ASSERT_OK(db_exec(db, "INSERT INTO t VALUES (2)", NULL, 0, NULL));
	ASSERT_OK(db_commit(db));
	/* A failed statement poisons the transaction until rollback. */
	ASSERT_OK(db_begin(db));
	ASSERT_ERR(db_exec(db, "INSERT INTO t VALUES (2)", NULL, 0, NULL),
	    ERR_DB_CONSTRAINT);
	ASSERT_ERR(db_exec(db, "INSERT INTO t VALUES (3)", NULL, 0, NULL), ERR_DB);
	db_rollback(db);
	db_rollback(db);	/* harmless when idle */
	ASSERT_OK(db_exec(db, "SELECT count(*), min(id) FROM t", NULL, 0, &res));
	ASSERT_OK(db_get_i64(res, 0, 0, &n));
	ASSERT_INT_EQ(n, 1);
	ASSERT_OK(db_get_i64(res, 0, 1, &n));
	ASSERT_INT_EQ(n, 2);
	db_result_free(res);
	testdb_free(db, name);
}

TEST(db_transactions_commit_and_roll_back)
{
	transactions(0);
}

TEST(db_transactions_commit_and_roll_back_with_statement_cache)
{
	transactions(1);
}

/* More distinct texts than the cache holds: all run, twice, right. */
TEST(db_statement_cache_past_its_size)
{
	char name[64], sql[64];
	struct db *db = testdb_new(name, sizeof(name));
	struct db_result *res = NULL;
	int64_t v;
	int k, rep;

	db_set_statement_cache(db, 1);
	for (rep = 0; rep < 2; rep++) {
		for (k = 0; k < 80; k++) {
			struct db_param p = DB_I64(1000 * rep);

			snprintf(sql, sizeof(sql), "SELECT $1::bigint + %d", k);
			ASSERT_OK(db_exec(db, sql, &p, 1, &res));
			ASSERT_OK(db_get_i64(res, 0, 0, &v));
			ASSERT_INT_EQ(v, 1000 * rep + k);
			db_result_free(res);
		}
	}
	testdb_free(db, name);
}

/*
 * A cached statement outlived by the server's state: its plan's result
 * type changed (ALTER TABLE under SELECT *, 0A000), or it was discarded
 * (DISCARD ALL, 26000).  Outside a transaction it is run again
 * unprepared and answers as without the cache; inside, the error stands
 * and the next transaction works again.
 */
TEST(db_statement_cache_after_alter_and_discard)
{
	char name[64];
	struct db *db = testdb_new(name, sizeof(name));
	struct db_result *res = NULL;

	db_set_statement_cache(db, 1);
	ASSERT_OK(db_exec(db, "CREATE TABLE t (a int)", NULL, 0, NULL));
	ASSERT_OK(db_exec(db, "INSERT INTO t VALUES (1)", NULL, 0, NULL));
	ASSERT_OK(db_exec(db, "SELECT * FROM t", NULL, 0, &res));
	ASSERT_INT_EQ(db_result_cols(res), 1);
	db_result_free(res);
	ASSERT_OK(db_exec(db, "ALTER TABLE t ADD COLUMN b int", NULL, 0, NULL));
	ASSERT_OK(db_exec(db, "SELECT * FROM t", NULL, 0, &res));
	ASSERT_INT_EQ(db_result_cols(res), 2);
	db_result_free(res);
	ASSERT_OK(db_exec_script(db, "DISCARD ALL"));
	ASSERT_OK(db_exec(db, "SELECT * FROM t", NULL, 0, &res));
	ASSERT_INT_EQ(db_result_cols(res), 2);
	db_result_free(res);
	/* inside a transaction */
	ASSERT_OK(db_exec(db, "ALTER TABLE t ADD COLUMN c int", NULL, 0, NULL));
	ASSERT_OK(db_begin(db));
	ASSERT_ERR(db_exec(db, "SELECT * FROM t", NULL, 0, &res), ERR_DB);
	ASSERT_STR_EQ(db_last_sqlstate(db), "0A000");
	db_rollback(db);
	ASSERT_OK(db_begin(db));
	ASSERT_OK(db_exec(db, "SELECT * FROM t", NULL, 0, &res));
	ASSERT_INT_EQ(db_result_cols(res), 3);
	db_result_free(res);
	ASSERT_OK(db_commit(db));
	testdb_free(db, name);
}

TEST(db_refuses_oversized_parameter)
{
	char name[64];
	struct db *db = testdb_new(name, sizeof(name));
	struct db_param p = DB_BYTES("", (size_t)LIMIT_DB_VALUE_MAX + 1);

	ASSERT_ERR(db_exec(db, "SELECT $1::bytea", &p, 1, NULL), ERR_TOO_LARGE);
	testdb_free(db, name);
}
