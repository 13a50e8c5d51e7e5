/*
 * proof.h - the zero-knowledge proofs of the election, and their batch
 * verifier.
 *
 * All proofs are Chaum-Pedersen / Schnorr sigma protocols made
 * non-interactive by a strong Fiat-Shamir transcript (hash.h) that binds
 * the protocol tag, the election context hash, the voter alias (ballot
 * proofs), positions (contest and option index), the full statement and
 * every commitment.  Proofs carry their commitments, so a verifier can
 * add the equations of many proofs into one batch and check them all
 * with a single multi-scalar multiplication:
 *
 *	sum over equations e of z_e · (lhs_e - rhs_e) = identity
 *
 * with independent 128-bit weights z_e drawn from rand_os_bytes() after
 * the proofs are fixed.  A false equation passes with probability at most
 * 2^-128 (docs/PROTOCOL-crypto.md §7).  When a batch fails, the callers
 * re-check proof by proof to name the failing one.
 *
 * Byte layouts are in docs/PROTOCOL-crypto.md.  Provers are constant-time
 * in every secret (value, nonces, keys); verifiers work on public data
 * and are safe on untrusted input.  Every verifier returns 0 or
 * ERR_VERIFY for a false proof, or a decoding error (ERR_TRUNCATED,
 * ERR_TRAILING_DATA, ERR_FORMAT, ERR_NOT_CANONICAL, ERR_RANGE) for a
 * malformed one.
 */
#ifndef IPPYO_CRYPTO_PROOF_H
#define IPPYO_CRYPTO_PROOF_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/elgamal.h"
#include "crypto/group.h"
#include "crypto/hash.h"

#define PROOF_WUR __attribute__((warn_unused_result))

/* 0/1 proof: a0 b0 a1 b1 (4 points) || c0 || v0 || v1. */
#define PROOF01_LEN (4 * GROUP_POINT_LEN + 3 * GROUP_SCALAR_LEN)
/* Schnorr proof: h || v. */
#define PROOF_SCHNORR_LEN (GROUP_POINT_LEN + GROUP_SCALAR_LEN)
/* Chaum-Pedersen equality proof: a || b || v. */
#define PROOF_DLEQ_LEN (2 * GROUP_POINT_LEN + GROUP_SCALAR_LEN)
/* Longest voter alias a ballot proof binds. */
#define PROOF_ALIAS_MAX 256

/* What a ballot proof is bound to besides its statement. */
struct proof_binding {
	uint8_t election[HASH_LEN];	/* election context hash */
	const uint8_t *alias;		/* voter alias (may be NULL if len 0) */
	size_t alias_len;		/* <= PROOF_ALIAS_MAX */
	uint32_t contest;		/* contest index */
	uint32_t option;		/* option index (0/1 proofs) */
};

/* An accumulating batch of equations; opaque. */
struct proof_batch;

/*
 * A new empty batch.  k (may be NULL) is the election key whose table and
 * point serve the K terms of ballot proofs; it must outlive the batch.
 * Caller frees.
 */
int proof_batch_new(struct proof_batch **out, const struct elgamal_key *k)
    PROOF_WUR;
void proof_batch_free(struct proof_batch *b);
/* Forgets all equations (keeps memory). */
void proof_batch_clear(struct proof_batch *b);
/* Number of equations added since the last clear. */
size_t proof_batch_equations(const struct proof_batch *b);
/*
 * Checks every equation added since the last clear at once and clears
 * the batch.  0 when all hold (up to 2^-128), ERR_VERIFY otherwise.
 */
int proof_batch_check(struct proof_batch *b) PROOF_WUR;

/* ---- 0/1 proofs on one selection ---- */

/*
 * Encrypts m (0 or 1; REQUIREd) under k and proves the ciphertext holds
 * 0 or 1.  Writes ct (alpha || beta) and proof; stores the nonce in
 * *r_out (a secret; caller wipes).  Constant-time in m and all nonces.
 */
int proof01_encrypt(const struct elgamal_key *k,
    const struct proof_binding *bind, unsigned m, struct scalar *r_out,
    uint8_t ct[ELGAMAL_CT_LEN], uint8_t proof[PROOF01_LEN]) PROOF_WUR;

/* Adds a 0/1 proof's four equations to b (b must have the key). */
int proof01_batch_add(struct proof_batch *b, const struct proof_binding *bind,
    const uint8_t *ct, size_t ct_len, const uint8_t *proof, size_t len)
    PROOF_WUR;

/* Verifies one 0/1 proof on its own. */
int proof01_verify(const struct elgamal_key *k,
    const struct proof_binding *bind, const uint8_t *ct, size_t ct_len,
    const uint8_t *proof, size_t len) PROOF_WUR;

/* ---- range proofs on a contest's sum ---- */

/* Length of a range proof for [min, max]: L = max-min+1 branches
 * (max - min <= LIMIT_OPTIONS_MAX),
 * L·130 + (L-1)·32 + L·32 bytes.  min <= max REQUIREd. */
size_t proof_range_len(uint32_t min, uint32_t max);

/*
 * Proves that the sum of the n ciphertexts cts (n·130 encoded bytes)
 * encrypts S in [min, max], given the summed nonce R.  ERR_RANGE if S is
 * outside [min, max] (no proof of a false statement is ever written).
 * Constant-time in S and R (the position of the real branch).
 */
int proof_range_prove(const struct elgamal_key *k,
    const struct proof_binding *bind, const uint8_t *cts, size_t n,
    uint32_t min, uint32_t max, const struct scalar *R, uint64_t S,
    uint8_t *out, size_t out_len) PROOF_WUR;

/* Adds a range proof's equations to b. */
int proof_range_batch_add(struct proof_batch *b,
    const struct proof_binding *bind, const uint8_t *cts, size_t n,
    uint32_t min, uint32_t max, const uint8_t *proof, size_t len) PROOF_WUR;

int proof_range_verify(const struct elgamal_key *k,
    const struct proof_binding *bind, const uint8_t *cts, size_t n,
    uint32_t min, uint32_t max, const uint8_t *proof, size_t len) PROOF_WUR;

/* ---- Schnorr proof of knowledge of x with X = x·G ---- */

/*
 * Proves knowledge of x for X = x·G (X given encoded).  context is a
 * 32-byte hash (the election or ceremony context); label binds the
 * statement's role (e.g. trustee and coefficient index; at most 256
 * bytes).  Constant-time in x.
 */
int proof_schnorr_prove(const uint8_t context[HASH_LEN],
    const uint8_t *label, size_t label_len, const struct scalar *x,
    const uint8_t X[GROUP_POINT_LEN], uint8_t out[PROOF_SCHNORR_LEN])
    PROOF_WUR;
int proof_schnorr_batch_add(struct proof_batch *b,
    const uint8_t context[HASH_LEN], const uint8_t *label, size_t label_len,
    const uint8_t *X, size_t X_len, const uint8_t *proof, size_t len)
    PROOF_WUR;
int proof_schnorr_verify(const uint8_t context[HASH_LEN],
    const uint8_t *label, size_t label_len, const uint8_t *X, size_t X_len,
    const uint8_t *proof, size_t len) PROOF_WUR;

/* ---- Chaum-Pedersen: log_G P = log_A M ---- */

/*
 * Proves that P = s·G and M = s·A for the same secret s (all points
 * given encoded).  tag is HASH_TAG_DECRYPT for decryption shares or
 * HASH_TAG_DLEQ for DKG complaints.  Constant-time in s.
 */
int proof_dleq_prove(const char *tag, const uint8_t context[HASH_LEN],
    const uint8_t *label, size_t label_len, const struct scalar *s,
    const uint8_t P[GROUP_POINT_LEN], const uint8_t A[GROUP_POINT_LEN],
    const uint8_t M[GROUP_POINT_LEN], uint8_t out[PROOF_DLEQ_LEN]) PROOF_WUR;
int proof_dleq_batch_add(struct proof_batch *b, const char *tag,
    const uint8_t context[HASH_LEN], const uint8_t *label, size_t label_len,
    const uint8_t P[GROUP_POINT_LEN], const uint8_t A[GROUP_POINT_LEN],
    const uint8_t M[GROUP_POINT_LEN], const uint8_t *proof, size_t len)
    PROOF_WUR;
int proof_dleq_verify(const char *tag, const uint8_t context[HASH_LEN],
    const uint8_t *label, size_t label_len, const uint8_t P[GROUP_POINT_LEN],
    const uint8_t A[GROUP_POINT_LEN], const uint8_t M[GROUP_POINT_LEN],
    const uint8_t *proof, size_t len) PROOF_WUR;

#endif /* IPPYO_CRYPTO_PROOF_H */
