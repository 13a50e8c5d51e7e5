/*
 * proof_int.h - batch internals shared by proof.c and contest.c.
 * Not a public interface.
 */
#ifndef IPPYO_CRYPTO_PROOF_INT_H
#define IPPYO_CRYPTO_PROOF_INT_H

#include "crypto/proof.h"

/*
 * A batch's state before an add: its slot count, equation count and the
 * G and K coefficients.  Rolling back to it undoes everything added
 * since, as long as nothing touched the coefficients of slots below
 * m->n (every public adder takes its mark before decoding its slots).
 */
struct proof_batch_mark {
	size_t n;		/* slots in use */
	size_t eqs;		/* equations */
	struct scalar g;	/* coefficient of G */
	struct scalar kc;	/* coefficient of K */
};

void proof_batch_mark(const struct proof_batch *b, struct proof_batch_mark *m);
void proof_batch_rollback(struct proof_batch *b,
    const struct proof_batch_mark *m);

/* Decodes a point into a new slot; returns its index in *slot. */
int proof_batch_slot_decode(struct proof_batch *b, const uint8_t *enc,
    size_t len, size_t *slot) __attribute__((warn_unused_result));

/* Adds the 0/1 proof with the ciphertext already in slots sa, sb. */
int proof01_batch_add_slots(struct proof_batch *b,
    const struct proof_binding *bind, const uint8_t *ct, size_t sa,
    size_t sb, const uint8_t *proof, size_t len)
    __attribute__((warn_unused_result));

/* Adds a range proof over ciphertexts already in slots sa[i], sb[i]. */
int proof_range_batch_add_slots(struct proof_batch *b,
    const struct proof_binding *bind, const uint8_t *cts, size_t n,
    const size_t *sa, const size_t *sb, uint32_t min, uint32_t max,
    const uint8_t *proof, size_t len) __attribute__((warn_unused_result));

/* ---- the 0/1 prover in steps (contest_encrypt batches encodings) ---- */

#define PROOF01_POINTS 7

/* One selection's secrets between proof01_points and proof01_finish. */
struct proof01_state {
	struct scalar r;	/* encryption nonce */
	struct scalar u;	/* real branch nonce */
	struct scalar t;	/* simulated branch nonce */
	struct scalar cf;	/* simulated branch challenge */
	uint64_t mask;		/* all ones when m = 1 */
};

void proof01_state_wipe(struct proof01_state *st);

/* Draws the secrets and computes the 7 points (alpha, rK, rK + G, uG,
 * uK, tG, tK + sG) into P; g is scratch.  Constant-time in m. */
int proof01_points(const struct elgamal_key *k, unsigned m,
    struct proof01_state *st, struct point *const P[PROOF01_POINTS],
    struct point *g) __attribute__((warn_unused_result));

/* From the 7 encodings E: writes ct and the proof.  t is scratch. */
int proof01_finish(const struct elgamal_key *k,
    const struct proof_binding *bind, struct proof01_state *st,
    struct hash_transcript *t, const uint8_t *E, uint8_t *ct,
    uint8_t *proof) __attribute__((warn_unused_result));

#endif /* IPPYO_CRYPTO_PROOF_INT_H */
