/*
 * challenge.h - checks a Benaloh-challenged ballot: the voter's device
 * encrypted a ballot, then revealed its randomness instead of casting it
 * (`ippyo vote --challenge`, docs/PROTOCOL-ballot.md "Benaloh challenge").
 * Anyone can re-encrypt the stated selections with the revealed
 * randomness and see that the ballot says what the voter chose.
 */
#ifndef IPPYO_AUDIT_CHALLENGE_H
#define IPPYO_AUDIT_CHALLENGE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Reads the challenge file at path (at most LIMIT_CHALLENGE_FILE_MAX
 * bytes) and checks it: the ballot decodes,
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

/*
 * As challenge_check_file on the file's bytes p[0..len).  The errors of
 * an unusable file: ERR_TOO_LARGE (over the limit, nested too deep, a
 * value over its bound), ERR_TRUNCATED (the JSON or a hex value cut
 * short), ERR_TRAILING_DATA, ERR_DUPLICATE (a key twice), ERR_FORMAT
 * (syntax, a missing or unknown key, a wrong type, bad hex, contests
 * that do not follow the manifest), ERR_RANGE (a selection not 0 or 1,
 * a nonce not in 1..n-1), ERR_UNSUPPORTED (another "format"), and the
 * decoders' errors for the manifest, key and ballot.  Every check
 * failure is ERR_VERIFY; the report names each check and its verdict.
 */
int challenge_check(const uint8_t *p, size_t len, FILE *out)
    __attribute__((warn_unused_result));

#endif /* IPPYO_AUDIT_CHALLENGE_H */
