/*
 * sign.h - Ed25519 signatures for receipts, checkpoints and audit entries.
 *
 * Every signature is domain-separated: what is signed is
 *
 *	"ippyo-sig-v1" || u8 len(tag) || tag || message
 *
 * so a receipt signature can never be replayed as a checkpoint signature
 * (docs/PROTOCOL-secrets.md).  Verification is libsodium's strict
 * Ed25519: non-canonical S, small-order or non-canonical public keys are
 * refused.  Signing keys live in secret memory (crypto/secret.h).
 */
#ifndef IPPYO_CRYPTO_SIGN_H
#define IPPYO_CRYPTO_SIGN_H

#include <stddef.h>
#include <stdint.h>

#define SIGN_PUBLIC_LEN	32
#define SIGN_SEED_LEN	32
#define SIGN_SIG_LEN	64
#define SIGN_TAG_MAX	64

struct sign_key;

/* A fresh key from the OS random source.  Caller frees *out. */
int sign_key_generate(struct sign_key **out)
    __attribute__((warn_unused_result));

/* The key of a 32-byte seed (key files, tests).  Caller frees *out. */
int sign_key_from_seed(const uint8_t seed[SIGN_SEED_LEN],
    struct sign_key **out) __attribute__((warn_unused_result));

/* Copies the seed out (for sealing into a key file); wipe it after. */
void sign_key_seed(struct sign_key *k, uint8_t seed[SIGN_SEED_LEN]);

/* Wipes and frees.  Accepts NULL. */
void sign_key_free(struct sign_key *k);

/* The public key. */
void sign_key_public(const struct sign_key *k, uint8_t pk[SIGN_PUBLIC_LEN]);

/*
 * Signs msg under tag (1..SIGN_TAG_MAX bytes of [a-z0-9.-]).  Returns 0,
 * ERR_INVALID_ARG (bad tag) or ERR_NOMEM.
 */
int sign_sign(struct sign_key *k, const char *tag, const uint8_t *msg,
    size_t len, uint8_t sig[SIGN_SIG_LEN]) __attribute__((warn_unused_result));

/*
 * Verifies.  Returns 0 or ERR_VERIFY (any failure: bad key, bad signature,
 * other tag).  Safe on untrusted input; not constant-time (public data).
 */
int sign_verify(const uint8_t pk[SIGN_PUBLIC_LEN], const char *tag,
    const uint8_t *msg, size_t len, const uint8_t sig[SIGN_SIG_LEN])
    __attribute__((warn_unused_result));

#endif /* IPPYO_CRYPTO_SIGN_H */
