/*
 * audit_cmd.c - `ippyo audit verify`, `ippyo audit challenge FILE`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit_cmd.h"
#include "audit/challenge.h"
#include "audit/log.h"
#include "core/err.h"
#include "crypto/ct.h"
#include "crypto/sign.h"
#include "db/db.h"

int
audit_main(int argc, char **argv)
{
	const char *url = getenv("DATABASE_URL"), *keyhex = NULL;
	uint8_t pk[SIGN_PUBLIC_LEN];
	struct db *db = NULL;
	struct db_result *res = NULL;
	int64_t count = 0, bad = 0, cbad = 0, ncp = 0;
	int r, i;

	if (argc == 3 && strcmp(argv[1], "challenge") == 0) {
		/* A Benaloh challenge file (ippyo vote --challenge). */
		if ((r = challenge_check_file(argv[2], stdout)) == 0)
			return 0;
		if (r != ERR_VERIFY)
			fprintf(stderr, "ippyo audit: %s: not a usable "
			    "challenge file: %s\n", argv[2], err_str(r));
		return 1;
	}
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--database") == 0 && i + 1 < argc)
			url = argv[++i];
		else if (strcmp(argv[i], "--key") == 0 && i + 1 < argc)
			keyhex = argv[++i];
		else
			argc = 0;
	}
	if (argc < 2 || strcmp(argv[1], "verify") != 0 || (keyhex != NULL &&
	    ct_hex_decode(keyhex, strlen(keyhex), pk, sizeof(pk)) != 0)) {
		fprintf(stderr, "usage: ippyo audit verify [--key HEX] "
		    "[--database URL]\n"
		    "       ippyo audit challenge FILE\n"
		    "  Checks every link of the audit chain, and every signed "
		    "checkpoint\n  against the committee's public key (64 hex "
		    "digits).\n  challenge: checks a Benaloh challenge file "
		    "written by `ippyo vote --challenge`.\n");
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
	if (r == 0 && (r = db_exec(db, "SELECT count(*) FROM audit_checkpoints",
	    NULL, 0, &res)) == 0)
		r = db_get_i64(res, 0, 0, &ncp);
	db_result_free(res);
	/* A checkpoint proves something only under a key fixed beforehand:
	 * anyone who can write the table can sign one with their own key. */
	if (r == 0 && ncp > 0 && keyhex == NULL) {
		db_close(db);
		printf("audit chain intact: %lld entries; %lld checkpoints NOT "
		    "checked: give the committee's key with --key\n",
		    (long long)count, (long long)ncp);
		return 1;
	}
	if (r == 0 && ncp > 0)
		r = audit_checkpoints_verify(db, pk, &cbad);
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
