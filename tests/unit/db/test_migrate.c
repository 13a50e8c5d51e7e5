/*
 * test_migrate.c - the migration runner against a real PostgreSQL.
 */
#include <string.h>

#include "core/err.h"
#include "db/db.h"
#include "db/migrate.h"
#include "tests/harness/test.h"
#include "tests/harness/testdb.h"

static const struct migration two[] = {
	{ 1, "a", "CREATE TABLE a (id int PRIMARY KEY);" },
	{ 2, "b", "CREATE TABLE b (id int); INSERT INTO b VALUES (1), (2);" },
};

TEST(migrate_applies_in_order_once)
{
	char name[64];
	struct db *db = testdb_new(name, sizeof(name));
	int applied = -1, cur = -1, pend = -1;

	ASSERT_OK(migrate_status(db, two, 2, &cur, &pend));
	ASSERT_INT_EQ(cur, 0);
	ASSERT_INT_EQ(pend, 2);
	ASSERT_OK(migrate_apply(db, two, 1, &applied));
	ASSERT_INT_EQ(applied, 1);
	ASSERT_OK(migrate_apply(db, two, 2, &applied));
	ASSERT_INT_EQ(applied, 1);
	ASSERT_OK(migrate_apply(db, two, 2, &applied));
	ASSERT_INT_EQ(applied, 0);
	ASSERT_OK(migrate_status(db, two, 2, &cur, &pend));
	ASSERT_INT_EQ(cur, 2);
	ASSERT_INT_EQ(pend, 0);
	ASSERT_INT_EQ(testdb_scalar(db, "SELECT count(*) FROM schema_migrations"), 2);
	ASSERT_INT_EQ(testdb_scalar(db, "SELECT count(*) FROM b"), 2);
	ASSERT_INT_EQ(testdb_scalar(db, "SELECT count(*) FROM schema_migrations "
	    "WHERE sha256 = encode(sha256(convert_to('CREATE TABLE a (id int "
	    "PRIMARY KEY);', 'UTF8')), 'hex')"), 1);
	testdb_free(db, name);
}

TEST(migrate_refuses_an_altered_migration_and_changes_nothing)
{
	char name[64];
	struct db *db = testdb_new(name, sizeof(name));
	struct migration changed[3] = {
		{ 1, "a", "CREATE TABLE a (id bigint PRIMARY KEY);" },
		two[1],
		{ 3, "c", "CREATE TABLE c (id int);" },
	};
	int applied = -1, cur, pend;

	ASSERT_OK(migrate_apply(db, two, 1, &applied));
	ASSERT_ERR(migrate_apply(db, changed, 3, &applied), ERR_MIGRATION);
	ASSERT_INT_EQ(applied, 0);
	ASSERT_ERR(migrate_status(db, changed, 3, &cur, &pend), ERR_MIGRATION);
	/* A renamed one is altered too. */
	changed[0] = two[0];
	changed[0].name = "renamed";
	ASSERT_ERR(migrate_apply(db, changed, 3, &applied), ERR_MIGRATION);
	ASSERT_INT_EQ(testdb_scalar(db, "SELECT count(*) FROM schema_migrations"), 1);
	ASSERT_INT_EQ(testdb_scalar(db, "SELECT count(*) FROM pg_tables WHERE "
	    "tablename IN ('b', 'c')"), 0);
	testdb_free(db, name);
}

TEST(migrate_failed_script_is_rolled_back_whole)
{
	char name[64];
	struct db *db = testdb_new(name, sizeof(name));
	const struct migration bad[3] = {
		two[0], two[1],
		{ 3, "broken", "CREATE TABLE c (id int); INSERT INTO nope VALUES (1);" },
	};
	int applied = -1;

	ASSERT_ERR(migrate_apply(db, bad, 3, &applied), ERR_MIGRATION);
	ASSERT_INT_EQ(applied, 2);
	ASSERT_INT_EQ(testdb_scalar(db, "SELECT max(version) FROM schema_migrations"), 2);
	ASSERT_INT_EQ(testdb_scalar(db, "SELECT count(*) FROM pg_tables WHERE "
	    "tablename = 'c'"), 0);
	testdb_free(db, name);
}

TEST(migrate_refuses_gaps_and_a_newer_database)
{
	char name[64];
	struct db *db = testdb_new(name, sizeof(name));
	const struct migration gap[2] = { two[0], { 3, "c", "SELECT 1;" } };
	int applied = -1;

	ASSERT_ERR(migrate_apply(db, gap, 2, &applied), ERR_MIGRATION);
	ASSERT_OK(migrate_apply(db, two, 2, &applied));
	/* This binary knows only version 1; the database has 2. */
	ASSERT_ERR(migrate_apply(db, two, 1, &applied), ERR_MIGRATION);
	ASSERT_INT_EQ(applied, 0);
	testdb_free(db, name);
}

TEST(migrate_project_migrations_apply_cleanly_twice)
{
	char name[64];
	struct db *db = testdb_new(name, sizeof(name));
	int applied = -1;

	ASSERT_TRUE(db_migrations_count >= 1);
	ASSERT_OK(migrate_apply(db, db_migrations, db_migrations_count, &applied));
	ASSERT_INT_EQ(applied, (int)db_migrations_count);
	ASSERT_OK(migrate_apply(db, db_migrations, db_migrations_count, &applied));
	ASSERT_INT_EQ(applied, 0);
	ASSERT_INT_EQ(testdb_scalar(db, "SELECT count(*) FROM pg_roles WHERE rolname "
	    "IN ('ippyo_server', 'ippyo_admin', 'ippyo_observer')"), 3);
	testdb_free(db, name);
}
