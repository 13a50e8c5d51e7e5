/*
 * audit_cmd.c - `ippyo audit verify`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit_cmd.h"
#include "audit/log.h"
#include "core/err.h"
#include "db/db.h"

int
audit_main(int argc, char **argv)
{
	const char *url = getenv("DATABASE_URL");
	struct db *db = NULL;
	int64_t count = 0, bad = 0, cbad = 0;
	int r, i;

	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--database") == 0 && i + 1 < argc)
			url = argv[++i];
		else
			argc = 0;
	}
	if (argc < 2 || strcmp(argv[1], "verify") != 0) {
		fprintf(stderr, "usage: ippyo audit verify [--database URL]\n"
		    "  Checks every link of the audit chain and every signed "
		    "checkpoint.\n");
		return 2;
	}
	if (url == NULL || *url == '\0') {
		fprintf(stderr, "ippyo audit: no database: set DATABASE_URL\n");
		return 2;
	}
	if ((r = db_open(url, NULL, &db)) != 0) {
		fprintf(stderr, "ippyo audit: %s\n", err_str(r));
		return 1;
	}
	r = audit_verify(db, &count, &bad);
	if (r == 0)
		r = audit_checkpoints_verify(db, NULL, &cbad);
	db_close(db);
	if (r == ERR_VERIFY) {
		if (bad > 0)
			printf("audit chain BROKEN at entry %lld\n", (long long)bad);
		else
			printf("audit checkpoint at entry %lld does NOT verify\n",
			    (long long)cbad);
		return 1;
	}
	if (r != 0) {
		fprintf(stderr, "ippyo audit: %s\n", err_str(r));
		return 1;
	}
	printf("audit chain intact: %lld entries\n", (long long)count);
	return 0;
}
