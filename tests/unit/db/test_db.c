/*
 * test_db.c - the libpq wrapper against a real PostgreSQL.
 */
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

TEST(db_constraint_errors_are_told_apart)
{
	char name[64];
	struct db *db = testdb_new(name, sizeof(name));
	struct db_param p = DB_I64(1);

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

TEST(db_transactions_commit_and_roll_back)
{
	char name[64];
	struct db *db = testdb_new(name, sizeof(name));
	struct db_result *res = NULL;
	int64_t n;

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

TEST(db_refuses_oversized_parameter)
{
	char name[64];
	struct db *db = testdb_new(name, sizeof(name));
	struct db_param p = DB_BYTES("", (size_t)LIMIT_DB_VALUE_MAX + 1);

	ASSERT_ERR(db_exec(db, "SELECT $1::bytea", &p, 1, NULL), ERR_TOO_LARGE);
	testdb_free(db, name);
}
