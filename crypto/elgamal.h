/*
 * elgamal.h - exponential ElGamal on P-256.
 *
 *	Enc(m; r) = (alpha, beta) = (r·G, m·G + r·K)
 *
 * K is the election public key.  Ciphertexts add homomorphically
 * (componentwise point addition); decryption with the secret s gives the
 * point m·G = beta - s·alpha, and the small integer m is then recovered
 * by baby-step giant-step (bsgs.h).
 *
 * Wire form of a ciphertext: alpha || beta, 65 + 65 bytes of
 * uncompressed SEC1 (group.h), validated on decode.
 *
 * Encryption and decryption are constant-time in m, r and s (fixed-base
 * or nistz256 multiplications; see group.h).  Addition and decoding work
 * on public data.
 */
#ifndef IPPYO_CRYPTO_ELGAMAL_H
#define IPPYO_CRYPTO_ELGAMAL_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/group.h"

#define ELGAMAL_CT_LEN (2 * GROUP_POINT_LEN)

/* The election public key K with its fixed-base table; opaque. */
struct elgamal_key;

/* A ciphertext; both points are owned by it. */
struct elgamal_ciphertext {
	struct point *alpha;	/* r·G */
	struct point *beta;	/* m·G + r·K */
};

/*
 * Makes a key from K (copied), building K's fixed-base table (~25 ms).
 * ERR_RANGE if K is the identity.  Caller frees *out.
 */
int elgamal_key_new(struct elgamal_key **out, const struct point *k)
    __attribute__((warn_unused_result));
/* As elgamal_key_new from 65 encoded bytes; safe on untrusted input. */
int elgamal_key_decode(struct elgamal_key **out, const uint8_t *in, size_t len)
    __attribute__((warn_unused_result));
void elgamal_key_free(struct elgamal_key *k);
const struct point *elgamal_key_point(const struct elgamal_key *k);
/* K's 65-byte encoding (owned by k). */
const uint8_t *elgamal_key_encoded(const struct elgamal_key *k);
const struct group_base *elgamal_key_base(const struct elgamal_key *k);

/* A new ciphertext (identity, identity), or NULL.  Caller frees. */
struct elgamal_ciphertext *elgamal_ciphertext_new(void)
    __attribute__((warn_unused_result));
void elgamal_ciphertext_free(struct elgamal_ciphertext *c);
int elgamal_ciphertext_copy(struct elgamal_ciphertext *dst,
    const struct elgamal_ciphertext *src) __attribute__((warn_unused_result));
/* Sets c to the encryption of 0 with nonce 0 (the identity pair). */
int elgamal_ciphertext_zero(struct elgamal_ciphertext *c)
    __attribute__((warn_unused_result));

/*
 * Encrypts m.  If r is NULL a fresh random nonce is drawn; if r_out is
 * not NULL the nonce used is stored there (a secret: wipe it).
 * Constant-time in m and r.  Returns 0, ERR_RNG or ERR_CRYPTO.
 */
int elgamal_encrypt(const struct elgamal_key *k, uint64_t m,
    const struct scalar *r, struct scalar *r_out,
    struct elgamal_ciphertext *out) __attribute__((warn_unused_result));

/* out = a + b (may alias). */
int elgamal_add(struct elgamal_ciphertext *out,
    const struct elgamal_ciphertext *a, const struct elgamal_ciphertext *b)
    __attribute__((warn_unused_result));

/*
 * out = c + Enc(0; r): a fresh-looking ciphertext of the same value.  r
 * as in elgamal_encrypt.
 */
int elgamal_rerandomize(const struct elgamal_key *k,
    const struct elgamal_ciphertext *c, const struct scalar *r,
    struct scalar *r_out, struct elgamal_ciphertext *out)
    __attribute__((warn_unused_result));

/* out = beta - s·alpha = m·G.  Constant-time in s. */
int elgamal_decrypt(const struct scalar *s, const struct elgamal_ciphertext *c,
    struct point *out) __attribute__((warn_unused_result));

/*
 * Encodes / decodes alpha || beta.  flags as in group.h
 * (GROUP_ALLOW_INFINITY for aggregates; never for ballots).  Decoding is
 * safe on untrusted input and returns group_point_decode's errors.
 */
int elgamal_encode(const struct elgamal_ciphertext *c,
    uint8_t out[ELGAMAL_CT_LEN], unsigned flags)
    __attribute__((warn_unused_result));
int elgamal_decode(struct elgamal_ciphertext *c, const uint8_t *in,
    size_t len, unsigned flags) __attribute__((warn_unused_result));

/*
 * acc += decode(in): the aggregation step.  tmp is scratch space the
 * caller keeps across calls (saves two allocations per ciphertext).
 * Rejects an invalid encoding like elgamal_decode (acc unchanged).
 */
int elgamal_add_encoded(struct elgamal_ciphertext *acc,
    struct elgamal_ciphertext *tmp, const uint8_t in[ELGAMAL_CT_LEN])
    __attribute__((warn_unused_result));

/*
 * A fast running sum of encoded ciphertexts (the tally's inner loop):
 * validates each as elgamal_decode does and adds it, ~10x cheaper than
 * decode + add (group.h, group_acc).  Public data only; variable-time.
 */
struct elgamal_acc;

int elgamal_acc_new(struct elgamal_acc **out)
    __attribute__((warn_unused_result));
void elgamal_acc_free(struct elgamal_acc *a);
/* Adds one encoded ciphertext; on error (decoding errors) a is unchanged. */
int elgamal_acc_add_encoded(struct elgamal_acc *a,
    const uint8_t in[ELGAMAL_CT_LEN]) __attribute__((warn_unused_result));
/* out = the sum so far. */
int elgamal_acc_get(const struct elgamal_acc *a,
    struct elgamal_ciphertext *out) __attribute__((warn_unused_result));

#endif /* IPPYO_CRYPTO_ELGAMAL_H */
