/*
 * test_audit_log.c - the hash-chained audit log against PostgreSQL.
 */
#include <stdlib.h>
#include <string.h>

#include "audit/log.h"
#include "core/clock.h"
#include "core/err.h"
#include "db/db.h"
#include "db/migrate.h"
#include "tests/harness/test.h"
#include "tests/harness/testdb.h"

static struct db *
fresh(char *name, size_t n)
{
	struct db *db = testdb_new(name, n);
	int applied;

	ASSERT_OK(migrate_apply(db, db_migrations, db_migrations_count, &applied));
	return db;
}

TEST(audit_append_chains_and_verifies)
{
	char name[64];
	struct db *db = fresh(name, sizeof(name));
	int64_t seq = 0, count = -1, bad = -1;

	clock_pin_us(1795276800000000LL);
	ASSERT_OK(audit_append(db, "clerk", "roll.freeze", "election:e1", "entries=3", &seq));
	ASSERT_INT_EQ(seq, 1);
	ASSERT_OK(db_begin(db));
	ASSERT_OK(audit_append(db, "clerk", "election.open", "election:e1", "", &seq));
	ASSERT_OK(db_commit(db));
	ASSERT_INT_EQ(seq, 2);
	ASSERT_OK(audit_verify(db, &count, &bad));
	ASSERT_INT_EQ(count, 2);
	clock_unpin();
	testdb_free(db, name);
}

TEST(audit_entry_commits_only_with_the_change)
{
	char name[64];
	struct db *db = fresh(name, sizeof(name));
	int64_t seq;

	ASSERT_OK(db_begin(db));
	ASSERT_OK(audit_append(db, "clerk", "binding.create", "resident:1", "", &seq));
	db_rollback(db);
	ASSERT_INT_EQ(testdb_scalar(db, "SELECT count(*) FROM audit_log"), 0);
	testdb_free(db, name);
}

TEST(audit_refuses_bad_fields_and_writes_nothing)
{
	char name[64];
	struct db *db = fresh(name, sizeof(name));
	char big[AUDIT_DETAIL_MAX + 2];
	int64_t seq = 7;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ASSERT_ERR(audit_append(db, "", "a", "o", "", &seq), ERR_INVALID_ARG);
	ASSERT_INT_EQ(seq, 0);
	ASSERT_ERR(audit_append(db, "c", "Bad Action", "o", "", &seq), ERR_INVALID_ARG);
	ASSERT_ERR(audit_append(db, "c", "a", "o\nforged line", "", &seq), ERR_INVALID_ARG);
	ASSERT_ERR(audit_append(db, "c", "a", "o", "\xff", &seq), ERR_INVALID_ARG);
	ASSERT_ERR(audit_append(db, "c", "a", "o", big, &seq), ERR_INVALID_ARG);
	ASSERT_ERR(audit_append(db, "c", "a", "o", NULL, &seq), ERR_INVALID_ARG);
	ASSERT_INT_EQ(testdb_scalar(db, "SELECT count(*) FROM audit_log"), 0);
	testdb_free(db, name);
}

TEST(audit_log_is_append_only_even_for_its_owner)
{
	char name[64];
	struct db *db = fresh(name, sizeof(name));
	int64_t seq;

	ASSERT_OK(audit_append(db, "c", "a", "o", "d", &seq));
	ASSERT_ERR(db_exec(db, "UPDATE audit_log SET detail = 'x'", NULL, 0, NULL), ERR_DB);
	ASSERT_STR_EQ(db_last_sqlstate(db), "42501");
	ASSERT_ERR(db_exec(db, "DELETE FROM audit_log", NULL, 0, NULL), ERR_DB);
	ASSERT_ERR(db_exec(db, "TRUNCATE audit_log CASCADE", NULL, 0, NULL), ERR_DB);
	ASSERT_INT_EQ(testdb_scalar(db, "SELECT count(*) FROM audit_log"), 1);
	testdb_free(db, name);
}

/* Forgery that bypasses the triggers (as a superuser could) is caught. */
TEST(audit_verify_names_the_first_forged_entry)
{
	char name[64];
	struct db *db = fresh(name, sizeof(name));
	int64_t seq, count, bad;
	int i;

	for (i = 0; i < 5; i++)
		ASSERT_OK(audit_append(db, "c", "a", "o", "d", &seq));
	ASSERT_OK(db_exec(db, "ALTER TABLE audit_log DISABLE TRIGGER USER", NULL, 0, NULL));
	ASSERT_OK(db_exec(db, "UPDATE audit_log SET detail = 'forged' WHERE seq = 3", NULL, 0, NULL));
	ASSERT_ERR(audit_verify(db, &count, &bad), ERR_VERIFY);
	ASSERT_INT_EQ(bad, 3);
	ASSERT_OK(db_exec(db, "UPDATE audit_log SET detail = 'd' WHERE seq = 3", NULL, 0, NULL));
	ASSERT_OK(audit_verify(db, &count, &bad));
	ASSERT_OK(db_exec(db, "DELETE FROM audit_log WHERE seq = 2", NULL, 0, NULL));
	ASSERT_ERR(audit_verify(db, &count, &bad), ERR_VERIFY);
	ASSERT_INT_EQ(bad, 2);
	testdb_free(db, name);
}

TEST(audit_checkpoints_sign_the_head)
{
	static const uint8_t seed[SIGN_SEED_LEN] = { 9 };
	static const uint8_t other[SIGN_PUBLIC_LEN] = { 1 };
	char name[64];
	struct db *db = fresh(name, sizeof(name));
	struct sign_key *k = NULL;
	uint8_t pk[SIGN_PUBLIC_LEN];
	int64_t seq, bad;

	ASSERT_OK(sign_key_from_seed(seed, &k));
	sign_key_public(k, pk);
	ASSERT_ERR(audit_checkpoint(db, k, &seq), ERR_NOT_FOUND);
	ASSERT_OK(audit_append(db, "c", "a", "o", "d", &seq));
	ASSERT_OK(audit_append(db, "c", "a", "o", "d", &seq));
	ASSERT_OK(audit_checkpoint(db, k, &seq));
	ASSERT_INT_EQ(seq, 2);
	ASSERT_OK(audit_checkpoints_verify(db, pk, &bad));
	ASSERT_ERR(audit_checkpoints_verify(db, other, &bad), ERR_VERIFY);
	ASSERT_INT_EQ(bad, 2);
	ASSERT_OK(db_exec(db, "ALTER TABLE audit_checkpoints DISABLE TRIGGER USER", NULL, 0, NULL));
	ASSERT_OK(db_exec(db, "UPDATE audit_checkpoints SET at = '2000-01-01T00:00:00.000000Z'", NULL, 0, NULL));
	ASSERT_ERR(audit_checkpoints_verify(db, pk, &bad), ERR_VERIFY);
	sign_key_free(k);
	testdb_free(db, name);
}
