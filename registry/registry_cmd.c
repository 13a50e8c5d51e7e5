/*
 * registry_cmd.c - `ippyo registry ...` and `ippyo roll ...`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/log.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/file.h"
#include "core/limits.h"
#include "crypto/ct.h"
#include "db/db.h"
#include "registry/resident.h"
#include "registry/roll.h"

/* Largest import file: rows times the longest line. */
#define IMPORT_FILE_MAX ((size_t)256 * 1024 * 1024)

static int
open_db(const char *url, struct db **db)
{
	int r;

	if (url == NULL || *url == '\0') {
		fprintf(stderr, "ippyo: no database: set DATABASE_URL or pass "
		    "--database\n");
		return ERR_USAGE;
	}
	if ((r = db_open(url, NULL, db)) != 0)
		fprintf(stderr, "ippyo: %s\n", err_str(r));
	return r;
}

int
registry_main(int argc, char **argv)
{
	struct resident_import_result res;
	const char *url = getenv("DATABASE_URL"), *file = NULL;
	struct db *db = NULL;
	uint8_t *raw = NULL;
	char *csv = NULL;
	size_t len = 0;
	int i, r;

	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--database") == 0 && i + 1 < argc)
			url = argv[++i];
		else if (file == NULL && argv[i][0] != '-')
			file = argv[i];
		else
			file = NULL, i = argc + 1;
	}
	if (argc < 3 || strcmp(argv[1], "import") != 0 || file == NULL ||
	    i > argc) {
		fprintf(stderr, "usage: ippyo registry import FILE.csv "
		    "[--database URL]\n  Imports the resident register extract "
		    "(format: docs/REGISTRY.md).\n");
		return 2;
	}
	if ((r = file_read(file, IMPORT_FILE_MAX, 0, &raw, &len)) != 0) {
		fprintf(stderr, "ippyo registry import: %s: %s\n", file,
		    err_str(r));
		return 1;
	}
	csv = (char *)raw;
	if (open_db(url, &db) != 0) {
		free(csv);
		return 1;
	}
	r = resident_import(db, csv, len, audit_actor(), &res);
	db_close(db);
	free(csv);
	if (r != 0) {
		if (res.line > 0)
			fprintf(stderr, "ippyo registry import: %s line %lld%s%s: "
			    "%s; nothing was imported\n", file,
			    (long long)res.line, res.field ? ", column " : "",
			    res.field ? res.field : "", err_str(r));
		else
			fprintf(stderr, "ippyo registry import: %s; nothing was "
			    "imported\n", err_str(r));
		return 1;
	}
	printf("imported %lld residents: %lld new, %lld changed, %lld "
	    "unchanged (audit entry %lld)\n", (long long)res.rows,
	    (long long)res.inserted, (long long)res.updated,
	    (long long)res.unchanged, (long long)res.audit_seq);
	return 0;
}

static void
roll_usage(void)
{
	fprintf(stderr, "usage:\n"
	    "  ippyo roll freeze ELECTION --municipality CODE "
	    "--election-day YYYY-MM-DD\n"
	    "                   --reference-date YYYY-MM-DD [--database URL]\n"
	    "  ippyo roll verify ELECTION [--database URL]\n");
}

int
roll_main(int argc, char **argv)
{
	struct roll_params p;
	struct roll_result res;
	const char *url = getenv("DATABASE_URL"), *muni = NULL;
	const char *eday = NULL, *ref = NULL;
	struct db *db = NULL;
	char hex[2 * DIGEST_LEN + 1];
	int64_t entries = 0;
	int i, r, freeze;

	if (argc < 3 || (strcmp(argv[1], "freeze") != 0 &&
	    strcmp(argv[1], "verify") != 0)) {
		roll_usage();
		return 2;
	}
	freeze = strcmp(argv[1], "freeze") == 0;
	memset(&p, 0, sizeof(p));
	p.election_id = argv[2];
	for (i = 3; i < argc; i++) {
		if (i + 1 >= argc) {
			roll_usage();
			return 2;
		}
		if (strcmp(argv[i], "--database") == 0)
			url = argv[++i];
		else if (freeze && strcmp(argv[i], "--municipality") == 0)
			muni = argv[++i];
		else if (freeze && strcmp(argv[i], "--election-day") == 0)
			eday = argv[++i];
		else if (freeze && strcmp(argv[i], "--reference-date") == 0)
			ref = argv[++i];
		else {
			roll_usage();
			return 2;
		}
	}
	if (freeze) {
		if (muni == NULL || eday == NULL || ref == NULL) {
			roll_usage();
			return 2;
		}
		if (strlen(muni) != 6 || !resident_municipality_ok(muni, 6)) {
			fprintf(stderr, "ippyo roll freeze: %s is not a municipality "
			    "code (6 digits with check digit)\n", muni);
			return 2;
		}
		memcpy(p.municipality, muni, 7);
		if (clock_parse_date(eday, strlen(eday), &p.election_day) != 0 ||
		    clock_parse_date(ref, strlen(ref), &p.reference_date) != 0) {
			fprintf(stderr, "ippyo roll freeze: dates are YYYY-MM-DD\n");
			return 2;
		}
	}
	if (open_db(url, &db) != 0)
		return 1;
	if (freeze) {
		r = roll_freeze(db, &p, audit_actor(), &res);
		if (r == 0 && ct_hex_encode(res.digest, DIGEST_LEN, hex,
		    sizeof(hex)) == 0) {
			printf("roll %s frozen: %lld voters of %lld residents; "
			    "digest %s\n", p.election_id, (long long)res.entries,
			    (long long)res.considered, hex);
			for (i = 1; i < 8; i++)
				if (res.excluded[i] > 0)
					printf("  excluded, %s: %lld\n",
					    eligibility_str((enum eligibility)i),
					    (long long)res.excluded[i]);
		}
	} else {
		r = roll_verify(db, p.election_id, &entries);
		if (r == 0)
			printf("roll %s: %lld entries, digest matches\n",
			    p.election_id, (long long)entries);
	}
	db_close(db);
	if (r != 0) {
		fprintf(stderr, "ippyo roll %s %s: %s\n", argv[1], p.election_id,
		    r == ERR_EXISTS ? "already frozen; nothing changed" :
		    r == ERR_VERIFY ? "the roll does not match its recorded digest" :
		    err_str(r));
		return 1;
	}
	return 0;
}
