/*
 * box.h - the ballot box: append-only, hash-chained, with receipts.
 *
 * Position n's tracking code (docs/PROTOCOL-ballot.md):
 *
 *	code(0) = SHA-256("ippyo-track-v1" | context_hash)
 *	code(n) = SHA-256("ippyo-track-v1" | context_hash | code(n-1)
 *	                  | u64 n | ballot_hash | str(received_at))
 *
 * so every code commits to the whole box before it.  A receipt is the
 * server's Ed25519 signature (tag "receipt") over
 *	str(election_id) | u64 position | ballot_hash | tracking_code
 *	| str(received_at)
 * and is issued only after the ballot's transaction committed.
 */
#ifndef IPPYO_BALLOT_BOX_H
#define IPPYO_BALLOT_BOX_H

#include <stdint.h>

#include "ballot/ballot.h"
#include "ballot/election.h"
#include "core/clock.h"
#include "crypto/sign.h"
#include "db/db.h"

struct box_entry {
	int64_t position;			/* 1, 2, ... */
	uint8_t ballot_hash[BALLOT_HASH_LEN];
	uint8_t tracking_code[32];
	char received_at[CLOCK_TEXT_LEN];
	int64_t superseded;			/* the voter's previous position, or 0 */
};

struct receipt {
	char election_id[LIMIT_ID_LEN_MAX + 1];
	struct box_entry entry;
	uint8_t public_key[SIGN_PUBLIC_LEN];
	uint8_t signature[SIGN_SIG_LEN];
};

/* code(0) for the election. */
void box_seed(const uint8_t context_hash[HASH_LEN], uint8_t out[32]);

/* code(n) from code(n-1). */
void box_tracking_code(const uint8_t context_hash[HASH_LEN],
    const uint8_t prev[32], int64_t position,
    const uint8_t ballot_hash[BALLOT_HASH_LEN], const char *received_at,
    uint8_t out[32]);

/* Who casts a validated ballot: re-checked when it is appended. */
struct box_voter {
	const char *resident_id;	/* the bound resident */
	const char *alias;		/* their alias on this election's roll */
	const char *auth_issuer;	/* the certificate that authenticated */
	const char *auth_serial;	/*   them (its binding), lowercase hex */
};

/*
 * Appends a validated ballot in one transaction, serialised per election:
 * re-checks, under the box lock and the shared binding lock, what may
 * have changed since validation: the certificate's binding to the
 * resident is still active (ERR_NOT_BOUND: suspended or replaced
 * meanwhile), the resident is on this election's roll with this alias
 * (ERR_NOT_ELIGIBLE), the election is open and the window current
 * (ERR_WINDOW_CLOSED), the voter was not admitted in person
 * (ERR_ALREADY_ADMITTED); refuses a ballot hash already in the box
 * (ERR_DUPLICATE), chains it, and marks the voter's previous ballot
 * superseded.  Nothing is written unless everything is.
 *
 * The binding lock (registry/binding.h) is taken shared; every change of
 * a binding's status takes it exclusively (a trigger, migration 0009), so
 * a suspension either commits before the re-check (and the ballot is
 * refused) or waits until the ballot is committed.
 */
int box_append(struct db *db, const struct election *e,
    const struct box_voter *v, const uint8_t *ballot, size_t len,
    struct box_entry *out) __attribute__((warn_unused_result));

/*
 * Group commit: a writer thread with its own connection that appends every
 * ballot queued meanwhile in one transaction (one COMMIT, one fsync, for
 * many), each under a savepoint so that one refused ballot rolls back
 * alone; the same checks as box_append, in queue order.  If the batch as
 * a whole fails, each ballot is appended alone.  box_writer_append blocks
 * until its ballot is committed (or refused) and is thread-safe.
 */
struct box_writer;

int box_writer_new(const char *database_url, struct box_writer **out)
    __attribute__((warn_unused_result));
/* Stops the writer after the queued ballots are written.  Accepts NULL. */
void box_writer_free(struct box_writer *w);
int box_writer_append(struct box_writer *w, const struct election *e,
    const struct box_voter *v, const uint8_t *ballot, size_t len,
    struct box_entry *out) __attribute__((warn_unused_result));

/*
 * Takes the election's box lock for the rest of the caller's transaction:
 * box appends and state changes of the election are serialised by it.
 */
int box_lock(struct db *db, const char *election_id)
    __attribute__((warn_unused_result));

/* Signs a receipt for a committed entry. */
int receipt_sign(struct sign_key *k, const char *election_id,
    const struct box_entry *entry, struct receipt *out)
    __attribute__((warn_unused_result));

/* Verifies a receipt under pk.  0 or ERR_VERIFY. */
int receipt_verify(const uint8_t pk[SIGN_PUBLIC_LEN], const struct receipt *r)
    __attribute__((warn_unused_result));

/*
 * Re-reads the box in order and checks every link, every tracking code,
 * every ballot hash, that each row's alias column is the alias inside its
 * ballot, and that every superseded row names an earlier ballot of the
 * same alias replaced by a later one (re-vote) or a voter admitted in
 * person.  *count = entries; on ERR_VERIFY *bad = the first bad position.
 */
int box_verify(struct db *db, const struct election *e, int64_t *count,
    int64_t *bad) __attribute__((warn_unused_result));

/*
 * Signs and stores a checkpoint of the head (tag "box-checkpoint", or
 * "box-final" when final), in the caller's transaction if one is open.
 */
int box_checkpoint(struct db *db, const struct election *e,
    struct sign_key *k, int final, int64_t *position)
    __attribute__((warn_unused_result));

/*
 * Checks every stored checkpoint of the election: signed (tag
 * box-checkpoint, or box-final) by pk, and its tracking code is the
 * chain's code at its position (the seed for position 0).  *count
 * receives how many; on ERR_VERIFY *bad is the failing position.
 */
int box_checkpoints_verify(struct db *db, const struct election *e,
    const uint8_t pk[SIGN_PUBLIC_LEN], int64_t *count, int64_t *bad)
    __attribute__((warn_unused_result));

#endif /* IPPYO_BALLOT_BOX_H */
