/*
 * migrate.h - ordered, immutable SQL migrations.
 *
 * Migrations are numbered 1, 2, 3 ... with no gaps; each runs in its own
 * transaction together with its row in schema_migrations (version, name,
 * SHA-256 of the text, time).  A migration that has been applied may never
 * change: a mismatch between the SHA-256 recorded in the database and the
 * text compiled into this binary stops the runner before it touches
 * anything.  A database that knows a version this binary does not is
 * refused too (the binary is older than the schema).  Concurrent runners
 * are serialised by an advisory lock.
 */
#ifndef IPPYO_DB_MIGRATE_H
#define IPPYO_DB_MIGRATE_H

#include <stddef.h>

#include "db/db.h"

struct migration {
	int version;		/* 1, 2, 3 ... */
	const char *name;	/* from the file name: 0001_<name>.sql */
	const char *sql;	/* the script, NUL-terminated */
};

/* The migrations compiled in from db/migrations/. */
extern const struct migration db_migrations[];
extern const size_t db_migrations_count;

/*
 * Applies every migration of list[0..n) not yet applied, in order.  Sets
 * *applied to how many it applied.  Returns 0, ERR_MIGRATION (list not
 * consecutive, an applied one altered or unknown, or one failed: that one
 * and all after it are left unapplied), or a db error.
 */
int migrate_apply(struct db *db, const struct migration *list, size_t n,
    int *applied) __attribute__((warn_unused_result));

/*
 * Reports the highest applied version in *current (0 for none) and how
 * many of list are pending; checks applied ones as migrate_apply does.
 */
int migrate_status(struct db *db, const struct migration *list, size_t n,
    int *current, int *pending) __attribute__((warn_unused_result));

/* `ippyo migrate [status] [--database URL]` */
int migrate_main(int argc, char **argv);

#endif /* IPPYO_DB_MIGRATE_H */
