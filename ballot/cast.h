/*
 * cast.h - accepting a ballot: every check, in order, failing closed.
 *
 *  1. shape and size: the canonical ballot decodes for this election
 *     (ballot/ballot.h); the token's shape (registry/auth.h);
 *  2. nonce: single use, purpose "cast:ELECTION";
 *  3. certificate: chain, validity, purpose, revocation (CRL, OCSP);
 *  4. signature over SHA-256(origin) || SHA-256(nonce || ballot hash);
 *  5. binding: the certificate is bound to a resident who is on this
 *     election's frozen roll, and the ballot carries that voter's alias;
 *  6. window: the election is open and now is inside its window;
 *  7. the voter has not been admitted in person;
 *  8. re-voting rate: at most LIMIT_RATE_BALLOTS_PER_VOTER ballots per
 *     LIMIT_RATE_WINDOW_S;
 *  9. every proof of every contest, in one batched check;
 * then one transaction appends the ballot (box_append), re-checking 5-7
 * under the box and binding locks, and only after COMMIT is the receipt
 * signed.  Any refusal leaves the box unchanged.
 */
#ifndef IPPYO_BALLOT_CAST_H
#define IPPYO_BALLOT_CAST_H

#include <stddef.h>
#include <stdint.h>

#include "ballot/box.h"
#include "ballot/election.h"
#include "crypto/certcheck.h"
#include "crypto/sign.h"
#include "db/db.h"
#include "registry/auth.h"

struct cast_ctx {
	struct db *db;			/* this thread's connection */
	const struct certcheck *cc;	/* user-authentication trust */
	const char *origin;		/* the service origin tokens bind */
	struct sign_key *receipt_key;	/* signs receipts */
	struct box_writer *writer;	/* group commit, or NULL: box_append */
};

/*
 * Casts ballot (len bytes) with token into election e.  Fills *receipt on
 * success.  Errors: those of each step above (ERR_FORMAT, ERR_TOO_LARGE,
 * ERR_MISMATCH, ERR_NONCE, ERR_CERT_*, ERR_REVOCATION_UNKNOWN,
 * ERR_VERIFY, ERR_NOT_BOUND, ERR_NOT_ELIGIBLE, ERR_WINDOW_CLOSED,
 * ERR_ALREADY_ADMITTED, ERR_RATE_LIMITED, ERR_DUPLICATE) or a db error.
 */
int cast_ballot(const struct cast_ctx *ctx, const struct election *e,
    const uint8_t *ballot, size_t len, const struct auth_token *token,
    struct receipt *receipt) __attribute__((warn_unused_result));

/*
 * The voter's own alias in election e, for the voter's client to build a
 * ballot (the proofs bind it): token is a login token (purpose "login")
 * of a card bound to a resident on e's roll.  Steps 2-5 of the casting
 * order; ERR_NOT_BOUND, ERR_NOT_ELIGIBLE and the token's errors.
 */
int cast_alias(const struct cast_ctx *ctx, const struct election *e,
    const struct auth_token *token, char alias[BALLOT_ALIAS_LEN + 1])
    __attribute__((warn_unused_result));

#endif /* IPPYO_BALLOT_CAST_H */
