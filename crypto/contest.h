/*
 * contest.h - the ballot-level API: one contest's encrypted selections
 * with all their proofs, verified alone or in batches, and aggregated.
 *
 * An encrypted contest of n options with selection bounds [min, max]:
 *
 *	ct_0 .. ct_{n-1}		n x 130 bytes (elgamal.h)
 *	proof01_0 .. proof01_{n-1}	n x 356 bytes (proof.h)
 *	range proof on the sum		proof_range_len(min, max) bytes
 *
 * Each 0/1 proof binds (election, alias, contest index, option index);
 * the range proof binds (election, alias, contest index, min, max, all n
 * ciphertexts).  Layout details: docs/PROTOCOL-crypto.md §6.
 *
 * Encryption is constant-time in the selections; verification and
 * aggregation work on public data and are safe on untrusted input.
 */
#ifndef IPPYO_CRYPTO_CONTEST_H
#define IPPYO_CRYPTO_CONTEST_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/elgamal.h"
#include "crypto/hash.h"

#define CONTEST_WUR __attribute__((warn_unused_result))

/* The public shape of a contest (from the manifest). */
struct contest_spec {
	uint32_t index;		/* contest index in the election */
	uint32_t options;	/* n, 1..LIMIT_OPTIONS_MAX */
	uint32_t min;		/* fewest selections allowed */
	uint32_t max;		/* most selections allowed, <= options */
};

/* 1 when spec is well-formed (bounds as documented above). */
int contest_spec_valid(const struct contest_spec *spec);

/* Encoded length of a contest of this shape (spec must be valid). */
size_t contest_len(const struct contest_spec *spec);

/*
 * Encrypts the selection vector sel[0..options) (each 0 or 1, their sum
 * in [min, max]; otherwise ERR_RANGE) for voter alias under k, writing
 * contest_len(spec) bytes to out.  Returns 0, ERR_RANGE, ERR_INVALID_ARG
 * (bad spec or out_len), ERR_RNG, ERR_NOMEM or ERR_CRYPTO.
 */
int contest_encrypt(const struct elgamal_key *k,
    const uint8_t election[HASH_LEN], const uint8_t *alias, size_t alias_len,
    const struct contest_spec *spec, const uint8_t *sel, uint8_t *out,
    size_t out_len) CONTEST_WUR;

/*
 * As contest_encrypt, and also writes each option's encryption nonce r_i
 * (ct_i = (r_i·G, sel_i·G + r_i·K)) to nonces: options x 32 bytes, the
 * scalars' encodings in option order (nonces_len must be exactly that,
 * else ERR_INVALID_ARG).  For the Benaloh challenge only: a contest whose
 * nonces are known reveals its selections, so it must never be cast.
 * The nonces are secret until the contest is discarded: the caller wipes
 * them (crypto/secret.h).  Same random draws as contest_encrypt, so the
 * same random stream gives the same contest bytes.  On error both
 * outputs are zeroed.
 */
int contest_encrypt_reveal(const struct elgamal_key *k,
    const uint8_t election[HASH_LEN], const uint8_t *alias, size_t alias_len,
    const struct contest_spec *spec, const uint8_t *sel, uint8_t *out,
    size_t out_len, uint8_t *nonces, size_t nonces_len) CONTEST_WUR;

/* Verifies one encrypted contest (its proofs checked together). */
int contest_verify(const struct elgamal_key *k,
    const uint8_t election[HASH_LEN], const uint8_t *alias, size_t alias_len,
    const struct contest_spec *spec, const uint8_t *in, size_t len)
    CONTEST_WUR;

/* Many contests (of many ballots) checked in one multi-scalar check. */
struct contest_batch;

int contest_batch_new(struct contest_batch **out, const struct elgamal_key *k)
    CONTEST_WUR;
void contest_batch_free(struct contest_batch *b);

/*
 * Queues one encrypted contest (copied).  A malformed encoding is
 * refused here with its decoding error and not queued.  *id receives the
 * contest's position in the batch (0, 1, ...).  All or nothing: on any
 * error (ERR_INVALID_ARG, a decoding error, ERR_NOMEM, ERR_RNG) the batch
 * keeps exactly the contests and equations it had, and nothing leaks.
 */
int contest_batch_add(struct contest_batch *b,
    const uint8_t election[HASH_LEN], const uint8_t *alias, size_t alias_len,
    const struct contest_spec *spec, const uint8_t *in, size_t len,
    size_t *id) CONTEST_WUR;

/*
 * Checks every queued contest at once.  0 if all are valid.  Otherwise
 * ERR_VERIFY, and each contest is re-checked alone: the ids of those
 * that fail are written to bad[0..bad_max) and their count to *n_bad
 * (0 only in the 2^-128 event that the batch fails and every contest
 * passes alone: then all stay rejected).  Any other error (ERR_NOMEM,
 * ERR_RNG, ERR_CRYPTO) means nothing was decided: *n_bad is 0, no
 * contest counts as verified, queue them again.  The batch is emptied
 * either way.
 */
int contest_batch_check(struct contest_batch *b, size_t *bad, size_t bad_max,
    size_t *n_bad) CONTEST_WUR;

/* ---- aggregation ---- */

/* Per-option sums of many contests of one shape; opaque. */
struct contest_tally;

int contest_tally_new(struct contest_tally **out, uint32_t options)
    CONTEST_WUR;
void contest_tally_free(struct contest_tally *t);
/*
 * Adds the n ciphertexts of an encoded contest (proofs are not checked
 * here: verify before counting).  ERR_* decoding errors leave t as it
 * was only for the options not yet added: verify first.
 */
int contest_tally_add(struct contest_tally *t, const struct contest_spec *spec,
    const uint8_t *in, size_t len) CONTEST_WUR;
/* The running sum for option i (owned by t; valid until the next call
 * on t), or NULL on an internal failure. */
const struct elgamal_ciphertext *contest_tally_sum(
    const struct contest_tally *t, uint32_t i);
/* Number of contests added. */
uint64_t contest_tally_count(const struct contest_tally *t);

#endif /* IPPYO_CRYPTO_CONTEST_H */
