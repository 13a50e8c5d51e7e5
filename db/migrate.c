/*
 * migrate.c - the migration runner.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/log.h"
#include "core/misuse.h"
#include "db/db.h"
#include "db/migrate.h"

/* An arbitrary constant naming the migration lock for pg_advisory_lock. */
#define MIGRATE_LOCK_KEY "7261696e79706f"

static const char sql_create[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version integer PRIMARY KEY CHECK (version > 0),"
    " name text NOT NULL,"
    " sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),"
    " applied_at timestamptz NOT NULL DEFAULT now())";
static const char sql_applied[] =
    "SELECT version, name, sha256 FROM schema_migrations ORDER BY version";
static const char sql_sha[] =
    "SELECT encode(sha256(convert_to($1, 'UTF8')), 'hex')";
static const char sql_record[] =
    "INSERT INTO schema_migrations (version, name, sha256) "
    "VALUES ($1, $2, encode(sha256(convert_to($3, 'UTF8')), 'hex'))";

static int
check_list(const struct migration *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (list[i].version != (int)i + 1 || list[i].sql == NULL ||
		    list[i].name == NULL) {
			log_error("migrate.bad_list", LOG_I("index", i));
			return ERR_MIGRATION;
		}
	}
	return 0;
}

static int
text_sha256(struct db *db, const char *sql, char hex[65])
{
	struct db_result *res = NULL;
	struct db_param p = DB_TEXT(sql);
	const char *h;
	int r;

	if ((r = db_exec(db, sql_sha, &p, 1, &res)) != 0)
		goto out;
	if ((r = db_get_text(res, 0, 0, 64, &h)) != 0 || strlen(h) != 64) {
		r = ERR_DB;
		goto out;
	}
	memcpy(hex, h, 65);
 out:
	db_result_free(res);
	return r;
}

/*
 * Checks every applied row against list; sets *current to the highest
 * applied version.  Must run under the lock.
 */
static int
check_applied(struct db *db, const struct migration *list, size_t n,
    int *current)
{
	struct db_result *res = NULL;
	int i, rows, r;

	*current = 0;
	if ((r = db_exec(db, sql_applied, NULL, 0, &res)) != 0)
		goto out;
	rows = db_result_rows(res);
	for (i = 0; i < rows; i++) {
		const char *name, *sha;
		char want[65];
		int64_t v;

		if ((r = db_get_i64(res, i, 0, &v)) != 0 ||
		    (r = db_get_text(res, i, 1, 256, &name)) != 0 ||
		    (r = db_get_text(res, i, 2, 64, &sha)) != 0)
			goto out;
		if (v != i + 1) {
			log_error("migrate.gap_in_database", LOG_I("version", v));
			r = ERR_MIGRATION;
			goto out;
		}
		if ((size_t)v > n) {
			log_error("migrate.database_newer", LOG_I("version", v),
			    LOG_S("name", name));
			r = ERR_MIGRATION;
			goto out;
		}
		if ((r = text_sha256(db, list[v - 1].sql, want)) != 0)
			goto out;
		if (strcmp(name, list[v - 1].name) != 0 ||
		    strcmp(sha, want) != 0) {
			log_error("migrate.altered", LOG_I("version", v),
			    LOG_S("name", name));
			r = ERR_MIGRATION;
			goto out;
		}
		*current = (int)v;
	}
	r = 0;
 out:
	db_result_free(res);
	return r;
}

static int
lock(struct db *db)
{
	int r;

	if ((r = db_exec(db, sql_create, NULL, 0, NULL)) != 0)
		return r;
	return db_exec(db, "SELECT pg_advisory_lock(x'" MIGRATE_LOCK_KEY
	    "'::bigint)", NULL, 0, NULL);
}

static void
unlock(struct db *db)
{
	int r = db_exec(db, "SELECT pg_advisory_unlock(x'" MIGRATE_LOCK_KEY
	    "'::bigint)", NULL, 0, NULL);

	(void)r;
}

int
migrate_status(struct db *db, const struct migration *list, size_t n,
    int *current, int *pending)
{
	int r;

	REQUIRE(db != NULL && current != NULL && pending != NULL);
	*current = *pending = 0;
	if ((r = check_list(list, n)) != 0)
		return r;
	if ((r = lock(db)) != 0)
		return r;
	r = check_applied(db, list, n, current);
	unlock(db);
	if (r == 0)
		*pending = (int)n - *current;
	return r;
}

int
migrate_apply(struct db *db, const struct migration *list, size_t n,
    int *applied)
{
	int current = 0, r;
	size_t i;

	REQUIRE(db != NULL && applied != NULL);
	*applied = 0;
	if ((r = check_list(list, n)) != 0)
		return r;
	if ((r = lock(db)) != 0)
		return r;
	if ((r = check_applied(db, list, n, &current)) != 0)
		goto out;
	for (i = (size_t)current; i < n; i++) {
		struct db_param p[3] = {
			DB_I64(list[i].version), DB_TEXT(list[i].name),
			DB_TEXT(list[i].sql)
		};

		if ((r = db_begin(db)) != 0)
			goto out;
		if ((r = db_exec_script(db, list[i].sql)) != 0 ||
		    (r = db_exec(db, sql_record, p, 3, NULL)) != 0 ||
		    (r = db_commit(db)) != 0) {
			db_rollback(db);
			log_error("migrate.failed", LOG_I("version",
			    list[i].version), LOG_S("name", list[i].name),
			    LOG_S("sqlstate", db_last_sqlstate(db)));
			r = ERR_MIGRATION;
			goto out;
		}
		log_info("migrate.applied", LOG_I("version", list[i].version),
		    LOG_S("name", list[i].name));
		(*applied)++;
	}
	r = 0;
 out:
	unlock(db);
	return r;
}

static void
migrate_usage(void)
{
	fprintf(stderr, "usage: ippyo migrate [status] [--database URL]\n"
	    "       ippyo migrate grant-server ROLE [--database URL]\n"
	    "  Applies the schema migrations compiled into this program.\n"
	    "  grant-server makes ROLE (created as a login role when missing)\n"
	    "  a member of ippyo_server, the rights the HTTP server needs;\n"
	    "  the server then connects with user=ROLE, never as the owner.\n"
	    "  The database comes from --database or DATABASE_URL.\n");
}

/* [a-z_][a-z0-9_]{0,62}: checked here and again by the database. */
static int
role_name_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 63 || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' &&
		    s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

/* SELECT ippyo_grant_server(role): migration 0010. */
static int
grant_server(struct db *db, const char *role)
{
	struct db_param p = DB_TEXT(role);
	int r;

	r = db_exec(db, "SELECT ippyo_grant_server($1)", &p, 1, NULL);
	if (r == ERR_DB && strcmp(db_last_sqlstate(db), "22023") == 0)
		r = ERR_INVALID_ARG;
	else if (r == ERR_DB && strcmp(db_last_sqlstate(db), "42501") == 0)
		r = ERR_PERM;
	return r;
}

int
migrate_main(int argc, char **argv)
{
	const char *url = getenv("DATABASE_URL");
	const char *role = NULL;
	struct db *db = NULL;
	int status = 0, i, r, applied = 0, current = 0, pending = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "status") == 0 && role == NULL)
			status = 1;
		else if (strcmp(argv[i], "grant-server") == 0 && i + 1 < argc &&
		    !status && role == NULL && role_name_ok(argv[i + 1]))
			role = argv[++i];
		else if (strcmp(argv[i], "--database") == 0 && i + 1 < argc)
			url = argv[++i];
		else {
			migrate_usage();
			return 2;
		}
	}
	if (url == NULL || *url == '\0') {
		fprintf(stderr, "ippyo migrate: no database: set DATABASE_URL "
		    "or pass --database\n");
		return 2;
	}
	if ((r = db_open(url, NULL, &db)) != 0) {
		fprintf(stderr, "ippyo migrate: %s\n", err_str(r));
		return 1;
	}
	if (role != NULL) {
		if ((r = grant_server(db, role)) == 0)
			printf("role %s is a member of ippyo_server; the server "
			    "connects with user=%s\n", role, role);
		else if (r == ERR_PERM)
			fprintf(stderr, "ippyo migrate: role %s holds more "
			    "rights than the server may (superuser, CREATEROLE, "
			    "another role's membership, a database's owner), or "
			    "this connection may not grant roles\n", role);
	} else if (status) {
		r = migrate_status(db, db_migrations, db_migrations_count,
		    &current, &pending);
		if (r == 0)
			printf("schema version %d, %d pending, %zu known\n",
			    current, pending, db_migrations_count);
	} else {
		r = migrate_apply(db, db_migrations, db_migrations_count,
		    &applied);
		if (r == 0)
			printf("applied %d migration%s; schema version %zu\n",
			    applied, applied == 1 ? "" : "s",
			    db_migrations_count);
	}
	db_close(db);
	if (r != 0) {
		fprintf(stderr, "ippyo migrate: %s\n", err_str(r));
		return 1;
	}
	return 0;
}
