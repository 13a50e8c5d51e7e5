/*
 * roll.h - the electoral roll (選挙人名簿) frozen for one election.
 *
 * Freezing evaluates every resident of the municipality against the
 * eligibility rules (registry/resident.h), copies the eligible ones with a
 * fresh random alias per voter, records a digest of the whole roll, and
 * appends a "roll.freeze" audit entry — all in one transaction.  A frozen
 * roll never changes (triggers refuse UPDATE and DELETE).
 */
#ifndef IPPYO_REGISTRY_ROLL_H
#define IPPYO_REGISTRY_ROLL_H

#include <stdint.h>

#include "crypto/digest.h"
#include "db/db.h"
#include "registry/resident.h"

struct roll_params {
	const char *election_id;	/* [a-z0-9][a-z0-9_-]{0,63} */
	char municipality[7];		/* 6-digit code */
	int32_t election_day;		/* days since epoch */
	int32_t reference_date;		/* residence counted to here */
};

struct roll_result {
	int64_t considered;		/* residents of the municipality */
	int64_t entries;		/* put on the roll */
	int64_t excluded[8];		/* by enum eligibility */
	uint8_t digest[DIGEST_LEN];	/* the roll digest */
	int64_t audit_seq;		/* the freeze's audit entry */
};

/*
 * Freezes the roll.  Returns 0; ERR_EXISTS (already frozen: nothing
 * changes); ERR_INVALID_ARG (bad id, municipality or dates); or a db
 * error.
 */
int roll_freeze(struct db *db, const struct roll_params *p, const char *actor,
    struct roll_result *res) __attribute__((warn_unused_result));

/*
 * Recomputes the digest of a frozen roll from its rows and compares it
 * with the one recorded at the freeze.  Returns 0, ERR_NOT_FOUND,
 * ERR_VERIFY or a db error; *entries receives the row count.
 */
int roll_verify(struct db *db, const char *election_id, int64_t *entries)
    __attribute__((warn_unused_result));

/* `ippyo roll freeze|verify|show ...` */
int roll_main(int argc, char **argv);

/* `ippyo registry import FILE` */
int registry_main(int argc, char **argv);

#endif /* IPPYO_REGISTRY_ROLL_H */
