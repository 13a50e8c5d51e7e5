/*
 * nonce.h - server nonces for card authentication (docs/PROTOCOL-auth.md).
 *
 * A nonce is 32 random bytes (256 bits), stored with its purpose and an
 * expiry LIMIT_NONCE_TTL_S seconds ahead, and consumed by get-and-remove:
 * whatever the outcome of the check that follows, a nonce is used once.
 */
#ifndef IPPYO_REGISTRY_NONCE_H
#define IPPYO_REGISTRY_NONCE_H

#include <stdint.h>

#include "core/limits.h"
#include "db/db.h"

/*
 * Issues a nonce for purpose ([a-z][a-z0-9_.:-]{0,63}, e.g.
 * "cast:yabu-2027").  Returns 0, ERR_INVALID_ARG, ERR_RNG or a db error.
 */
int nonce_issue(struct db *db, const char *purpose,
    uint8_t nonce[LIMIT_NONCE_BYTES]) __attribute__((warn_unused_result));

/*
 * Consumes a nonce: 0 when it existed, had this purpose and had not
 * expired; ERR_NONCE otherwise (unknown, already used, expired, or issued
 * for another purpose — in every case it is gone afterwards).  Runs in
 * the caller's transaction when one is open.
 */
int nonce_consume(struct db *db, const char *purpose,
    const uint8_t nonce[LIMIT_NONCE_BYTES]) __attribute__((warn_unused_result));

/* Deletes expired nonces; *n receives how many. */
int nonce_purge(struct db *db, int64_t *n) __attribute__((warn_unused_result));

#endif /* IPPYO_REGISTRY_NONCE_H */
