/*
 * challenge.h - checks a Benaloh-challenged ballot: the voter's device
 * encrypted a ballot, then revealed its randomness instead of casting it
 * (`ippyo vote --challenge`, docs/PROTOCOL-ballot.md "Benaloh challenge").
 * Anyone can re-encrypt the stated selections with the revealed
 * randomness and see that the ballot says what the voter chose.
 */
#ifndef IPPYO_AUDIT_CHALLENGE_H
#define IPPYO_AUDIT_CHALLENGE_H

#include <stdio.h>

/*
 * Reads the challenge file at path and checks it: the ballot decodes,
 * its hash is the one stated, every ciphertext is the encryption of the
 * stated selection under the stated election key with the revealed
 * randomness, the proofs verify, and the context hash recomputes from
 * the manifest and key in the file.  A human-readable report goes to
 * out (the selections, labels from the manifest, each check).
 * 0 valid; ERR_VERIFY when a check fails; another error when the file is
 * unusable (unreadable, malformed, over its limits).
 */
int challenge_check_file(const char *path, FILE *out)
    __attribute__((warn_unused_result));

#endif /* IPPYO_AUDIT_CHALLENGE_H */
