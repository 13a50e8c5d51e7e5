/*
 * engine.h - the verifier's arithmetic, behind one interface, so that
 * every group operation of a check can be re-run on a second library.
 *
 * ippyo-verify (docs/VERIFY.md) does all its hashing of record files,
 * parsing and bookkeeping itself, and asks an engine for everything that
 * touches the group, a proof or a signature.  Two engines exist:
 *
 *	"openssl"	crypto/ (OpenSSL's nistz256, batched proofs, libsodium
 *			for Ed25519): fast, and the same code that made the proofs
 *	"gcrypt"	libgcrypt's EC arithmetic, SHA-256, Ed25519, AES-GCM and
 *			HKDF, written from docs/PROTOCOL-crypto.md and
 *			docs/PROTOCOL-secrets.md alone (it never calls crypto/)
 *
 * so a bug in one library (or in crypto/) cannot hide in both.
 *
 * Every input is untrusted bytes from a record.  Every function validates
 * what it is given as PROTOCOL-crypto.md §1 says (a point is 65 bytes
 * 04||X||Y on the curve, not the identity, coordinates below p; a scalar
 * below n; an aggregate may be the identity, written as 65 zero bytes)
 * and returns 0 when the statement holds, ERR_VERIFY when it does not,
 * a decoding error (ERR_FORMAT, ERR_RANGE, ERR_NOT_CANONICAL,
 * ERR_TRUNCATED) for a malformed encoding, ERR_NOMEM or ERR_CRYPTO.
 *
 * A context (void *) is used by one thread at a time; a verifier running
 * on several threads opens one per thread.
 */
#ifndef IPPYO_AUDIT_ENGINE_H
#define IPPYO_AUDIT_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#define ENGINE_POINT_LEN	65	/* SEC1 uncompressed */
#define ENGINE_CT_LEN		130	/* alpha || beta */
#define ENGINE_HASH_LEN		32

struct engine_contest {			/* one encrypted contest to check */
	const uint8_t *context;		/* election context hash, 32 bytes */
	const uint8_t *alias;		/* the ballot's alias (as bound) */
	size_t alias_len;
	uint32_t index;			/* contest index in the manifest */
	uint32_t options;		/* its shape */
	uint32_t min;
	uint32_t max;
	const uint8_t *bytes;		/* the encrypted contest */
	size_t len;
};

struct engine_ops {
	const char *name;

	/* A context for verifying under election key K (65 bytes). */
	int (*open)(void **ctx, const uint8_t K[ENGINE_POINT_LEN]);
	void (*close)(void *ctx);

	/*
	 * SHA-256 of the concatenation of parts[0..nparts), and the
	 * transcript hash D of PROTOCOL-crypto.md §3 (tag, then each field
	 * length-prefixed).  Stateless; ctx may be NULL.
	 */
	int (*sha256)(const uint8_t *const *parts, const size_t *lens,
	    size_t nparts, uint8_t out[ENGINE_HASH_LEN]);
	int (*transcript)(const char *tag, const uint8_t *const *fields,
	    const size_t *lens, size_t nfields, uint8_t out[ENGINE_HASH_LEN]);

	/*
	 * Ed25519 over the domain-separated message of PROTOCOL-secrets.md
	 * ("ippyo-sig-v1" | u8 len(tag) | tag | msg), strict verification.
	 */
	int (*sig_verify)(const uint8_t pk[32], const char *tag,
	    const uint8_t *msg, size_t len, const uint8_t sig[64]);

	/*
	 * Encrypted contests (PROTOCOL-crypto.md §6): contest_add checks the
	 * encoding at once (a decoding error is returned and nothing is
	 * queued) and may verify the proofs now or queue them; id is the
	 * caller's name for the contest.  contest_flush decides every
	 * queued contest: 0 when all hold; otherwise ERR_VERIFY, with the
	 * ids of the failing ones in bad[0..bad_max) and their number in
	 * *n_bad.  The queue is empty afterwards either way.
	 */
	int (*contest_add)(void *ctx, const struct engine_contest *c,
	    uint64_t id);
	int (*contest_flush)(void *ctx, uint64_t *bad, size_t bad_max,
	    size_t *n_bad);

	/*
	 * Homomorphic sums: acc starts as the identity (0, 0); sum_add adds
	 * one encoded ciphertext (neither point may be the identity: it
	 * comes from a ballot); sum_merge adds another accumulator (of the
	 * same engine); sum_get encodes (identity as 65 zero bytes).
	 */
	int (*sum_new)(void **acc);
	int (*sum_add)(void *acc, const uint8_t ct[ENGINE_CT_LEN]);
	int (*sum_merge)(void *acc, const void *other);
	int (*sum_get)(const void *acc, uint8_t out[ENGINE_CT_LEN]);
	void (*sum_free)(void *acc);

	/*
	 * The ceremony (PROTOCOL-crypto.md §8), n trustees, threshold k,
	 * ceremony context cctx (32 bytes).  pubs[i-1] is trustee i's public
	 * message (its length is fixed by k).  qual[0..nq) lists the
	 * qualified trustees.
	 */
	int (*dkg_public_verify)(uint32_t n, uint32_t k, const uint8_t *cctx,
	    uint32_t i, const uint8_t *pub, size_t len);
	int (*dkg_complaint_check)(uint32_t n, uint32_t k, const uint8_t *cctx,
	    uint32_t i, uint32_t j, const uint8_t *pub_i, const uint8_t *pub_j,
	    const uint8_t *share, size_t share_len, const uint8_t *complaint,
	    size_t complaint_len);
	int (*dkg_joint_key)(uint32_t n, uint32_t k,
	    const uint8_t *const *pubs, const uint32_t *qual, size_t nq,
	    uint8_t K[ENGINE_POINT_LEN]);
	int (*dkg_verification_key)(uint32_t n, uint32_t k,
	    const uint8_t *const *pubs, const uint32_t *qual, size_t nq,
	    uint32_t j, uint8_t P[ENGINE_POINT_LEN]);

	/*
	 * Trustee j's decryption share of ct (227 bytes: M_j || proof, tag
	 * ippyo/decrypt/v1, bound to the election context) against its
	 * verification key P_j.  ct may have identity points only if the
	 * share's statement allows it (PROTOCOL-crypto.md §8).
	 */
	int (*dshare_verify)(const uint8_t context[ENGINE_HASH_LEN],
	    uint32_t j, const uint8_t P[ENGINE_POINT_LEN],
	    const uint8_t ct[ENGINE_CT_LEN], const uint8_t *share,
	    size_t len);

	/*
	 * beta - sum_j w_j·M_j over the (already verified) shares from the
	 * trustees idx[0..cnt), w_j the Lagrange weights at 0; out is the
	 * plaintext point m·G, encoded (identity as 65 zero bytes).
	 */
	int (*combine)(const uint8_t ct[ENGINE_CT_LEN], const uint32_t *idx,
	    const uint8_t *const *shares, size_t cnt,
	    uint8_t out[ENGINE_POINT_LEN]);

	/* m·G for a public count m (identity as 65 zero bytes for m = 0). */
	int (*mul_g)(uint64_t m, uint8_t out[ENGINE_POINT_LEN]);
};

/* The engines; NULL when name is unknown. */
const struct engine_ops *engine_by_name(const char *name);
extern const struct engine_ops engine_openssl;
extern const struct engine_ops engine_gcrypt;

#endif /* IPPYO_AUDIT_ENGINE_H */
