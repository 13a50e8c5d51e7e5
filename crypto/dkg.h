/*
 * dkg.h - k-of-n threshold keys: distributed key generation with Feldman
 * commitments, shares encrypted to each trustee, verifiable complaints,
 * decryption shares with proofs, and Lagrange combination.
 *
 * Ceremony (n trustees numbered 1..n, threshold k, n >= 2k - 1):
 *  1. each trustee i makes a communication key X_i = x_i·G, an Ed25519
 *     ceremony signing key V_i and a secret polynomial f_i of degree k-1;
 *     it publishes X_i and the commitments C_il = a_il·G (l = 0..k-1),
 *     each with a Schnorr proof of knowledge, then V_i, all signed by V_i
 *     (dkg_trustee_public; checked by dkg_public_verify);
 *  2. for every j != i it sends f_i(j) encrypted to X_j and signed by V_i
 *     (dkg_trustee_share: ECDH on P-256, HKDF-SHA256, AES-256-GCM,
 *     Ed25519 over the parameters, i, j and every byte of the ciphertext);
 *  3. j decrypts and checks f_i(j)·G = sum_l j^l·C_il
 *     (dkg_trustee_receive).  On failure j publishes the signed share and
 *     a complaint: the ECDH point with a proof that it used its own key
 *     (dkg_trustee_complain); anyone can then check i's signature, decrypt
 *     the share and see who lied (dkg_complaint_check).  Only a share
 *     signed by i can get i excluded, so j cannot frame an honest i.
 *     A trustee with a justified
 *     complaint is left out of the qualified set Q;
 *  4. each j sums its shares from Q: s_j = sum_{i in Q} f_i(j)
 *     (dkg_trustee_finish).  The election key is K = sum_{i in Q} C_i0;
 *     trustee j's public verification key is P_j = s_j·G, computable by
 *     anyone from the commitments (dkg_verification_key).
 * Tally: trustee j gives M_j = s_j·A with a Chaum-Pedersen proof
 * (dkg_decrypt_share); any k valid shares give A·s = sum w_j·M_j with
 * Lagrange weights w_j, and m·G = B - A·s (dkg_combine).
 *
 * Byte layouts: docs/PROTOCOL-crypto.md §8.  Secrets (polynomials,
 * communication keys, shares) are constant-time and wiped; the public
 * checks are safe on untrusted input.
 *
 * Buffers without a length argument.  Several functions take a pointer
 * whose length is fixed by the protocol instead of passed in; the caller
 * guarantees that many bytes (readable, or writable for outputs), and
 * the functions cannot check it.  Each says which below:
 *	context		HASH_LEN (32)
 *	a public message	dkg_public_len(p) = (1 + k)·162 + 96
 *	out of dkg_trustee_share / dkg_share_encrypt,
 *	  share of dkg_trustee_sign_share	DKG_SHARE_LEN (177)
 *	out of dkg_trustee_complain	DKG_COMPLAINT_LEN (227)
 *	out of dkg_decrypt_share,
 *	  each shares[i] of dkg_combine	DKG_DSHARE_LEN (227)
 * Where a length IS passed (pub_len, len, share_len) it is checked
 * exactly: ERR_INVALID_ARG for a public message of the wrong length,
 * ERR_TRUNCATED / ERR_TRAILING_DATA for shares, complaints and
 * decryption shares.  NULL where a buffer is required is ERR_INVALID_ARG
 * where documented, otherwise a crash: do not pass it.
 *
 * The identity alpha.  A tally whose alpha is the identity (no ballot
 * counted: the identity pair, 65 + 65 zero bytes; or ballots whose
 * nonces cancel, which only their makers can arrange) needs no
 * decryption: its plaintext point is beta.  dkg_decrypt_share,
 * dkg_decrypt_share_verify and dkg_combine refuse it with ERR_RANGE; the
 * tally layer decodes beta directly and asks no trustee for a share.
 */
#ifndef IPPYO_CRYPTO_DKG_H
#define IPPYO_CRYPTO_DKG_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/elgamal.h"
#include "crypto/group.h"
#include "crypto/hash.h"
#include "crypto/proof.h"
#include "crypto/sign.h"

#define DKG_WUR __attribute__((warn_unused_result))

/*
 * An encrypted share: E || AES-256-GCM(f_i(j)) || tag || sig, where sig
 * is i's Ed25519 signature (tag "dkg-share") over
 * context || n || k || i || j || E || ciphertext || tag.
 */
#define DKG_SHARE_LEN (GROUP_POINT_LEN + GROUP_SCALAR_LEN + 16 + SIGN_SIG_LEN)
/* A complaint: Z = x_j·E || DLEQ proof (X_j, E, Z). */
#define DKG_COMPLAINT_LEN (GROUP_POINT_LEN + PROOF_DLEQ_LEN)
/* A decryption share: M_j || DLEQ proof (P_j, A, M_j). */
#define DKG_DSHARE_LEN (GROUP_POINT_LEN + PROOF_DLEQ_LEN)

/* The public parameters of one ceremony. */
struct dkg_params {
	uint8_t context[HASH_LEN];	/* ceremony / election context hash */
	uint32_t n;			/* trustees, 2..LIMIT_TRUSTEES_MAX */
	uint32_t k;			/* threshold, n >= 2k - 1, k >= 1 */
};

/*
 * 1 when n and k satisfy the rules above.  k = 1 is valid at this layer
 * (the math holds: every trustee gets the whole secret; tests use it),
 * but it means any single trustee can decrypt alone, so the ceremony
 * layer built on this header must refuse k < 2 for an election.
 */
int dkg_params_valid(const struct dkg_params *p);

/*
 * Length of a trustee's public message: (1 + k)·(65 + 97) + 32 + 64
 * (the items, the ceremony signing key V_i, V_i's signature).
 */
size_t dkg_public_len(const struct dkg_params *p);

/* One trustee's private state; opaque. */
struct dkg_trustee;

/*
 * A new trustee index (1..n) with a fresh communication key and
 * polynomial.  Caller frees (secrets wiped).
 */
int dkg_trustee_new(struct dkg_trustee **out, const struct dkg_params *p,
    uint32_t index) DKG_WUR;
void dkg_trustee_free(struct dkg_trustee *t);

/* Writes the trustee's public message (dkg_public_len bytes). */
int dkg_trustee_public(const struct dkg_trustee *t, uint8_t *out,
    size_t len) DKG_WUR;

/*
 * Checks trustee i's public message (encodings, all its proofs, and the
 * signature by the signing key it carries).  The message itself must
 * reach everyone authentically (the bulletin board): that is what makes
 * V_i trustee i's key.
 */
int dkg_public_verify(const struct dkg_params *p, uint32_t i,
    const uint8_t *pub, size_t len) DKG_WUR;

/*
 * Encrypts t's share f_t(j) to trustee j, whose (verified) public
 * message is pub_j (pub_len must be dkg_public_len, else
 * ERR_INVALID_ARG), and signs it with t's ceremony key.  out: exactly
 * DKG_SHARE_LEN writable bytes.
 */
int dkg_trustee_share(const struct dkg_trustee *t, uint32_t j,
    const uint8_t *pub_j, size_t pub_len, uint8_t out[DKG_SHARE_LEN])
    DKG_WUR;

/*
 * The encryption step alone: share s from i to j under j's public
 * message, with the signature field left zero (unsigned: receivers
 * refuse it, complaints about it fail).  dkg_trustee_share uses it;
 * tests use it to play a cheater or a framer.  out: DKG_SHARE_LEN bytes.
 */
int dkg_share_encrypt(const struct dkg_params *p, uint32_t i, uint32_t j,
    const struct scalar *s, const uint8_t *pub_j, size_t pub_len,
    uint8_t out[DKG_SHARE_LEN]) DKG_WUR;

/*
 * Signs the first DKG_SHARE_LEN - 64 bytes of share as sent by t to j,
 * writing the last 64 (share: DKG_SHARE_LEN bytes, read and written).
 * dkg_trustee_share uses it; tests use it to play a trustee that signs
 * a bad share.
 */
int dkg_trustee_sign_share(const struct dkg_trustee *t, uint32_t j,
    uint8_t share[DKG_SHARE_LEN]) DKG_WUR;

/*
 * t (trustee j) takes the share sent by trustee i (public message
 * pub_i).  0: accepted and kept.  ERR_PERM: not signed by i (unsigned,
 * forged or altered in transit); a complaint would not stand, so ask i
 * to send it again.  ERR_VERIFY: signed by i but it does not decrypt or
 * does not match i's commitments; j should complain.
 */
int dkg_trustee_receive(struct dkg_trustee *t, uint32_t i,
    const uint8_t *pub_i, size_t pub_len, const uint8_t *share, size_t len)
    DKG_WUR;

/*
 * Checks only that share (from i to j) carries i's signature under the
 * key in i's (verified) public message: what a relay can check without
 * any secret.  0, ERR_VERIFY (unsigned, forged, altered), ERR_TRUNCATED,
 * ERR_TRAILING_DATA, ERR_INVALID_ARG.  Safe on untrusted input.
 */
int dkg_share_check_signature(const struct dkg_params *p, uint32_t i,
    uint32_t j, const uint8_t *pub_i, size_t pub_len, const uint8_t *share,
    size_t len) DKG_WUR;

/* 1 when t (trustee j) has accepted the share from i (or i == j after
 * finish), else 0. */
int dkg_trustee_has_share(const struct dkg_trustee *t, uint32_t i);

/*
 * t (trustee j) writes a complaint against the share it got from i
 * (share of len bytes, checked).  out: DKG_COMPLAINT_LEN bytes.  For a
 * share whose E does not decode there is nothing to prove (i's signature
 * on it is the evidence) and the complaint is DKG_COMPLAINT_LEN zero
 * bytes; dkg_complaint_check does not read it in that case.
 */
int dkg_trustee_complain(const struct dkg_trustee *t, uint32_t i,
    const uint8_t *share, size_t len, uint8_t out[DKG_COMPLAINT_LEN])
    DKG_WUR;

/*
 * Judges j's complaint about i's share, from public data only.  pub_i
 * and pub_j are the two public messages, already checked with
 * dkg_public_verify; there is no length argument: each must be exactly
 * dkg_public_len(p) readable bytes.  share and complaint have lengths
 * (checked).  i's signature on the share is checked first.
 * 0: justified (i signed a bad share: exclude i; for a signed share
 * whose E does not decode the complaint's bytes are not read).
 * ERR_PERM: the complaint cannot stand (the share is not signed by i,
 * or the proof that Z = x_j·E fails: not made by j, or altered).
 * ERR_VERIFY: the proof holds and the share is good (a false
 * complaint).  Safe on untrusted input.
 */
int dkg_complaint_judge(const struct dkg_params *p, uint32_t i, uint32_t j,
    const uint8_t *pub_i, const uint8_t *pub_j, const uint8_t *share,
    size_t share_len, const uint8_t *complaint, size_t len) DKG_WUR;

/*
 * dkg_complaint_judge with both refusals as ERR_VERIFY: 0 justified,
 * ERR_VERIFY not justified (the share is not signed by i, the
 * complaint's proof fails, or the share is good).  The verifier's
 * second engine (audit/) gives the same answers.
 */
int dkg_complaint_check(const struct dkg_params *p, uint32_t i, uint32_t j,
    const uint8_t *pub_i, const uint8_t *pub_j, const uint8_t *share,
    size_t share_len, const uint8_t *complaint, size_t len) DKG_WUR;

/*
 * Sums the shares from the qualified trustees qual[0..nq) (which must
 * include t itself, all received and accepted).  ERR_WRONG_STATE when one is
 * missing; ERR_RANGE when nq < k.
 */
int dkg_trustee_finish(struct dkg_trustee *t, const uint32_t *qual,
    size_t nq) DKG_WUR;

/*
 * K = sum of C_i0 over qual.  pubs is an array of n pointers indexed by
 * trustee index - 1; pubs[i-1] is trustee i's public message, exactly
 * dkg_public_len(p) readable bytes (no length argument).  Only the
 * qualified entries are read; the others may be NULL.  ERR_RANGE for a
 * bad index set (an index outside 1..n, a repeat, nq < k) or if K is
 * the identity; ERR_INVALID_ARG if pubs or a qualified entry is NULL.
 */
int dkg_joint_key(const struct dkg_params *p, const uint8_t *const *pubs,
    const uint32_t *qual, size_t nq, struct point *K) DKG_WUR;

/* P_j = sum over i in qual of sum_l j^l·C_il.  pubs, qual as in
 * dkg_joint_key (same errors); j in 1..n, else ERR_RANGE. */
int dkg_verification_key(const struct dkg_params *p,
    const uint8_t *const *pubs, const uint32_t *qual, size_t nq, uint32_t j,
    struct point *Pj) DKG_WUR;

/*
 * Trustee t's decryption share of ciphertext c (after finish):
 * M_j = s_j·alpha, with a proof bound to context (the election context
 * hash, HASH_LEN bytes) and j.  out: DKG_DSHARE_LEN bytes (zeroed on
 * error).  ERR_WRONG_STATE before dkg_trustee_finish; ERR_RANGE when
 * alpha is the identity (see above).  Constant-time in s_j.
 */
int dkg_decrypt_share(const struct dkg_trustee *t,
    const uint8_t context[HASH_LEN], const struct elgamal_ciphertext *c,
    uint8_t out[DKG_DSHARE_LEN]) DKG_WUR;

/*
 * Checks trustee j's decryption share (len bytes, checked) against P_j
 * and c; context is HASH_LEN bytes.  0, ERR_VERIFY, a decoding error, or
 * ERR_RANGE when alpha (or P_j) is the identity.
 */
int dkg_decrypt_share_verify(const uint8_t context[HASH_LEN], uint32_t j,
    const struct point *Pj, const struct elgamal_ciphertext *c,
    const uint8_t *share, size_t len) DKG_WUR;

/*
 * w_j = prod_{l in idx, l != j} l / (l - j) mod n, the Lagrange weight
 * of j at 0 for the index set idx[0..cnt).  ERR_RANGE when an index is
 * 0 or repeats, or j is not in the set.
 */
int dkg_lagrange(const uint32_t *idx, size_t cnt, uint32_t j,
    struct scalar *w) DKG_WUR;

/*
 * Combines cnt >= k decryption shares (shares[i] from trustee idx[i],
 * each already verified) into m·G = beta - sum w_j·M_j.  idx and shares
 * have cnt entries; each shares[i] points to DKG_DSHARE_LEN bytes (no
 * length argument; only M_j, the first 65, is read).  ERR_RANGE when
 * cnt < k, an index repeats or is out of 1..n, or alpha is the identity
 * (no shares exist for it: m·G is beta); ERR_INVALID_ARG when shares or
 * an entry is NULL; a decoding error for a malformed M_j.
 */
int dkg_combine(const struct dkg_params *p, const struct elgamal_ciphertext *c,
    const uint32_t *idx, const uint8_t *const *shares, size_t cnt,
    struct point *out) DKG_WUR;

/* The trustee's index and public verification key (after finish). */
uint32_t dkg_trustee_index(const struct dkg_trustee *t);

/* 1 once dkg_trustee_finish has set the key share s_j. */
int dkg_trustee_finished(const struct dkg_trustee *t);

/* The trustee's ceremony parameters. */
const struct dkg_params *dkg_trustee_params(const struct dkg_trustee *t);

struct secret;

/*
 * Length of an exported state for these parameters:
 * 8 + 1 + 32 + 12 + 1 + 32 + 32 + 32 + 32·k + n + 32·n bytes.
 */
size_t dkg_state_len(const struct dkg_params *p);

/*
 * Serialises the whole private state (parameters, index, communication
 * key, ceremony signing key's seed, polynomial, received shares and
 * which were accepted, the final share) into a new secret (caller
 * frees; seal it, never write it in the clear).  Layout:
 * docs/PROTOCOL-crypto.md §8 "Trustee state".
 */
int dkg_trustee_export(const struct dkg_trustee *t, struct secret **out)
    DKG_WUR;

/*
 * Rebuilds a trustee from dkg_trustee_export's bytes: the exact layout,
 * valid parameters, canonical scalars, flags 0 or 1, a finished state
 * only with its own share.  ERR_FORMAT (magic, flags, scalars),
 * ERR_UNSUPPORTED (version), ERR_RANGE (parameters), ERR_TRUNCATED,
 * ERR_TRAILING_DATA.  No copy of the secret bytes outlives the call.
 * Caller frees *out.
 */
int dkg_trustee_import(struct secret *in, struct dkg_trustee **out) DKG_WUR;

#endif /* IPPYO_CRYPTO_DKG_H */
