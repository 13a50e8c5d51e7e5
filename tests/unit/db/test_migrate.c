/*
 * test_migrate.c - the migration runner against a real PostgreSQL.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

/* Runs sql on db and returns its SQLSTATE ("" on success). */
static const char *
state_of(struct db *db, const char *sql)
{
	if (db_exec(db, sql, NULL, 0, NULL) == 0)
		return "";
	return db_last_sqlstate(db);
}

/*
 * The server's login role (migration 0010, `ippyo migrate grant-server`):
 * a login role that is a member of ippyo_server only; connected as it,
 * the ballot box, the audit log and the registry cannot be changed
 * except by what the server must do; the function refuses reserved
 * names and roles with more rights, and PUBLIC may not call it.
 */
TEST(migrate_grant_server_login_role_is_confined)
{
	char name[64], role[48], url[512], sql[320];
	struct db *db = testdb_new(name, sizeof(name)), *srv = NULL;
	int applied;

	snprintf(role, sizeof(role), "ippyo_srv_t%ld", (long)getpid());
	ASSERT_OK(migrate_apply(db, db_migrations, db_migrations_count,
	    &applied));
	snprintf(sql, sizeof(sql), "SELECT ippyo_grant_server('%s')", role);
	ASSERT_STR_EQ(state_of(db, sql), "");
	ASSERT_STR_EQ(state_of(db, sql), "");	/* again: no change */
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM pg_auth_members m "
	    "JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = "
	    "m.member WHERE u.rolname = '%s' AND g.rolname = 'ippyo_server' AND "
	    "u.rolcanlogin AND NOT u.rolsuper", role);
	ASSERT_INT_EQ(testdb_scalar(db, sql), 1);
	/* refused: reserved names, malformed names, more rights */
	ASSERT_STR_EQ(state_of(db, "SELECT ippyo_grant_server('ippyo_admin')"),
	    "22023");
	ASSERT_STR_EQ(state_of(db, "SELECT ippyo_grant_server('Bad-Name')"),
	    "22023");
	ASSERT_STR_EQ(state_of(db, "SELECT ippyo_grant_server('pg_monitor')"),
	    "22023");
	ASSERT_STR_EQ(state_of(db, "SELECT ippyo_grant_server(current_user)"),
	    "42501");
	/* Connected as the role. */
	snprintf(url, sizeof(url), "%s dbname=%s user=%s", test_database_url(),
	    name, role);
	ASSERT_OK(db_open(url, NULL, &srv));
	ASSERT_INT_EQ(testdb_scalar(srv, "SELECT count(*) FROM elections"), 0);
	ASSERT_STR_EQ(state_of(srv, "UPDATE ballots SET alias = alias"), "42501");
	ASSERT_STR_EQ(state_of(srv, "DELETE FROM ballots"), "42501");
	ASSERT_STR_EQ(state_of(srv, "DELETE FROM ballot_superseded"), "42501");
	ASSERT_STR_EQ(state_of(srv, "TRUNCATE ballots"), "42501");
	ASSERT_STR_EQ(state_of(srv, "UPDATE elections SET state = 'open'"),
	    "42501");
	ASSERT_STR_EQ(state_of(srv, "DELETE FROM audit_log"), "42501");
	ASSERT_STR_EQ(state_of(srv, "INSERT INTO audit_log DEFAULT VALUES"),
	    "42501");
	ASSERT_STR_EQ(state_of(srv, "UPDATE card_bindings SET status = "
	    "'active'"), "42501");
	ASSERT_STR_EQ(state_of(srv, "SELECT name FROM residents"), "42501");
	ASSERT_STR_EQ(state_of(srv, "CREATE TABLE x (i int)"), "42501");
	/* and it cannot make itself (or anyone) more */
	ASSERT_STR_EQ(state_of(srv, "SELECT ippyo_grant_server('other')"),
	    "42501");
	ASSERT_STR_EQ(state_of(srv, "GRANT ippyo_admin TO CURRENT_USER"),
	    "42501");
	db_close(srv);
	/* A member of ippyo_admin is refused as a server login. */
	snprintf(sql, sizeof(sql), "GRANT ippyo_admin TO %s", role);
	ASSERT_STR_EQ(state_of(db, sql), "");
	snprintf(sql, sizeof(sql), "SELECT ippyo_grant_server('%s')", role);
	ASSERT_STR_EQ(state_of(db, sql), "42501");
	testdb_free(db, name);
	{
		struct db *c = NULL;

		ASSERT_OK(db_open(test_database_url(), NULL, &c));
		snprintf(sql, sizeof(sql), "DROP ROLE %s", role);
		ASSERT_STR_EQ(state_of(c, sql), "");
		db_close(c);
	}
}
