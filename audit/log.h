/*
 * log.h - the audit log: every administrative act, hash-chained.
 *
 * Roll freezes, election state changes, ceremony and tally steps, card
 * binding changes and imports each append one entry, in the same
 * transaction as the change itself, so an act and its record commit or
 * fail together.  Entry n's hash is
 *
 *	SHA-256("ippyo-audit-v1" | u64 n | prev_hash | str(at) | str(actor)
 *	        | str(action) | str(object) | str(detail))
 *
 * with str() a u32 length and the bytes, and prev_hash 32 zero bytes for
 * entry 1 (docs/PROTOCOL-audit.md).  Signed checkpoints pin the head.
 * Never put a secret (PIN, passphrase, key, plaintext vote) in an entry:
 * the log is published in the election record.
 */
#ifndef IPPYO_AUDIT_LOG_H
#define IPPYO_AUDIT_LOG_H

#include <stdint.h>

#include "crypto/digest.h"
#include "crypto/sign.h"
#include "db/db.h"

#define AUDIT_ACTOR_MAX		128
#define AUDIT_OBJECT_MAX	256
#define AUDIT_DETAIL_MAX	4096

struct audit_entry {
	int64_t seq;			/* 1, 2, 3 ... */
	char at[28];			/* clock_format_us() text */
	const char *actor;		/* who (OS user, role, "system") */
	const char *action;		/* what kind ("roll.freeze") */
	const char *object;		/* on what ("election:yabu-2027") */
	const char *detail;		/* free text, no secrets */
	uint8_t prev_hash[DIGEST_LEN];	/* previous entry's hash */
	uint8_t hash[DIGEST_LEN];	/* this entry's hash */
};

/*
 * Appends an entry, stamped with clock_now_us().  Runs inside the
 * caller's transaction when one is open (so it commits with the change),
 * otherwise in its own.  Serialised against other appenders.  Sets *seq
 * when not NULL.  Returns 0, ERR_INVALID_ARG (a field empty, too long, not
 * UTF-8 text, or action not [a-z][a-z0-9_.-]*), or a db error.
 */
int audit_append(struct db *db, const char *actor, const char *action,
    const char *object, const char *detail, int64_t *seq)
    __attribute__((warn_unused_result));

/* Computes an entry's hash from its fields (the verifier's view). */
void audit_entry_hash(const struct audit_entry *e, uint8_t out[DIGEST_LEN]);

/*
 * Re-reads the whole chain and checks every link and hash.  Sets *count
 * to the number of entries and, on ERR_VERIFY, *bad to the first entry
 * that does not verify.  Returns 0, ERR_VERIFY or a db error.
 */
int audit_verify(struct db *db, int64_t *count, int64_t *bad)
    __attribute__((warn_unused_result));

/*
 * Signs the current head with key (tag "audit-checkpoint"; message u64 seq
 * | hash | str(at)) and stores the checkpoint.  ERR_NOT_FOUND on an empty
 * log.
 */
int audit_checkpoint(struct db *db, struct sign_key *key, int64_t *seq)
    __attribute__((warn_unused_result));

/*
 * Checks every stored checkpoint: its signature under the key it names
 * and that its hash equals the chain's hash at its seq.  When pk is not
 * NULL, checkpoints must also be signed by that key.  Returns 0,
 * ERR_VERIFY (with *bad the failing seq) or a db error.
 */
int audit_checkpoints_verify(struct db *db, const uint8_t *pk, int64_t *bad)
    __attribute__((warn_unused_result));

/* The actor name for this process: $IPPYO_ACTOR, else the login name. */
const char *audit_actor(void);

#endif /* IPPYO_AUDIT_LOG_H */
