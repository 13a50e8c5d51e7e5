/*
 * ceremony_keys.h - what the tally needs from a finished trustee
 * ceremony: its parameters, the qualified set and each qualified
 * trustee's verification key P_j (docs/PROTOCOL-crypto.md §8).
 */
#ifndef IPPYO_TALLY_CEREMONY_KEYS_H
#define IPPYO_TALLY_CEREMONY_KEYS_H

#include <stdint.h>

#include "ballot/election.h"
#include "crypto/dkg.h"
#include "db/db.h"

/*
 * Fills params (n, k, ceremony context), qual[0..*nqual) ascending and
 * P[j-1] for every qualified j, from the stored ceremony of e, checked
 * again (public messages verify, the joint key is e's key).
 * ERR_NOT_FOUND when e has no finished ceremony.
 */
int ceremony_trustee_keys(struct db *db, const struct election *e,
    struct dkg_params *params, uint32_t *qual, uint32_t *nqual,
    uint8_t P[][GROUP_POINT_LEN]) __attribute__((warn_unused_result));

/* Receives one record file (path relative to the record). */
typedef int (*ceremony_put_fn)(void *arg, const char *path, const uint8_t *p,
    size_t len);

/*
 * The ceremony's files of the election record (docs/PROTOCOL-record.md
 * §5): ceremony/public-NN.bin for every trustee and
 * ceremony/complaints.json, each handed to put.
 */
int ceremony_record_files(struct db *db, const struct election *e,
    ceremony_put_fn put, void *arg) __attribute__((warn_unused_result));

#endif /* IPPYO_TALLY_CEREMONY_KEYS_H */
