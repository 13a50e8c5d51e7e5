/*
 * group.h - the election group: NIST P-256 through OpenSSL 3 (nistz256).
 *
 * Every OpenSSL EC call of the project lives in group.c; the rest of
 * crypto/ sees points and scalars only through this header.
 *
 * Scalars (struct scalar) are integers mod n, the group order, kept as
 * four 64-bit limbs.  Their arithmetic here is constant-time: fixed
 * loops, no secret-dependent branches or memory indices.  The wire form
 * is 32 bytes big-endian, and a decoder refuses values >= n.
 *
 * Points (struct point) stay in OpenSSL's internal form (Jacobian,
 * Montgomery field elements); they are encoded only for hashing and
 * output.  The wire form is uncompressed SEC1: 0x04 || X || Y, 65 bytes,
 * validated on decode (prefix 0x04 only, X < p, Y < p, on the curve).
 * The identity has no SEC1 form of that length; where a caller allows it
 * the identity is written as 65 zero bytes (GROUP_ALLOW_INFINITY).
 *
 * Multiplications:
 *  - group_mul_g, group_base_mul: fixed base (G's built-in comb table, or
 *    a table for an election key K), constant-time in the scalar;
 *  - group_mul: variable base, constant-time in the scalar (nistz256
 *    windowed method with masked table selects);
 *  - group_msm, group_msm_openssl, group_msm_vartime: many (scalar,
 *    point) pairs at once, for verification of public data only; the
 *    last is VARIABLE-TIME (see the WARNINGs there).
 *
 * Thread-safe: the curve is built once; each thread gets its own BN_CTX.
 */
#ifndef IPPYO_CRYPTO_GROUP_H
#define IPPYO_CRYPTO_GROUP_H

#include <stddef.h>
#include <stdint.h>

#define GROUP_POINT_LEN		65	/* uncompressed SEC1 */
#define GROUP_SCALAR_LEN	32	/* big-endian, < n */
#define GROUP_WIDE_LEN		64	/* big-endian, reduced mod n */

/* Decode flag: accept the 65-zero-byte identity. */
#define GROUP_ALLOW_INFINITY	0x1

#define GROUP_WUR __attribute__((warn_unused_result))

/*
 * An integer mod n.  A plain value type so it can live on the stack;
 * code outside group.c treats the limbs as opaque.  Secret scalars must
 * be wiped with group_scalar_wipe() on every path.
 */
struct scalar {
	uint64_t limb[4];	/* little-endian limbs, always < n */
};

/* A curve point in OpenSSL's internal form; opaque. */
struct point;

/* A fixed-base table for one public point (the election key K). */
struct group_base;

/* ---- scalars (all constant-time) ---- */

void group_scalar_zero(struct scalar *s);
void group_scalar_set_u64(struct scalar *s, uint64_t v);
/* Wipes s (use on every secret scalar before it goes out of scope). */
void group_scalar_wipe(struct scalar *s);

/*
 * Decodes 32 big-endian bytes.  Returns 0, or ERR_RANGE when the value
 * is >= n (s is then zero).  Safe on untrusted input.
 */
int group_scalar_decode(struct scalar *s, const uint8_t in[GROUP_SCALAR_LEN])
    GROUP_WUR;
void group_scalar_encode(const struct scalar *s, uint8_t out[GROUP_SCALAR_LEN]);

/* s = (64 big-endian bytes as an integer) mod n.  Never fails. */
void group_scalar_from_wide(struct scalar *s, const uint8_t in[GROUP_WIDE_LEN]);

/*
 * A uniform random scalar in [1, n) from rand_bytes(): 64 bytes reduced
 * mod n (bias < 2^-256), redrawn in the 2^-256 event of zero.
 * Returns 0 or ERR_RNG.
 */
int group_scalar_random(struct scalar *s) GROUP_WUR;

void group_scalar_add(struct scalar *r, const struct scalar *a,
    const struct scalar *b);
void group_scalar_sub(struct scalar *r, const struct scalar *a,
    const struct scalar *b);
void group_scalar_neg(struct scalar *r, const struct scalar *a);
void group_scalar_mul(struct scalar *r, const struct scalar *a,
    const struct scalar *b);
/* r = a^-1 mod n (Fermat, fixed exponent); 0 maps to 0. */
void group_scalar_inv(struct scalar *r, const struct scalar *a);
/* r = mask ? b : a, mask all-zero or all-one bits.  Constant-time. */
void group_scalar_select(struct scalar *r, const struct scalar *a,
    const struct scalar *b, uint64_t mask);
/* 1 when equal, 0 otherwise; constant-time. */
int group_scalar_eq(const struct scalar *a, const struct scalar *b);
int group_scalar_is_zero(const struct scalar *a);

/* ---- points ---- */

/* A new point set to the identity, or NULL on allocation failure. */
struct point *group_point_new(void) GROUP_WUR;
/* Frees p (its coordinates are cleared first).  Accepts NULL. */
void group_point_free(struct point *p);
/* Frees n points of an array and the array.  Accepts NULL. */
void group_points_free(struct point **v, size_t n);
/* Allocates n identity points into a new array; NULL on failure. */
struct point **group_points_new(size_t n) GROUP_WUR;

int group_point_copy(struct point *dst, const struct point *src) GROUP_WUR;
int group_point_set_infinity(struct point *p) GROUP_WUR;
int group_point_set_generator(struct point *p) GROUP_WUR;
int group_point_is_infinity(const struct point *p);
/* 1 equal, 0 not equal, negative error.  Variable-time (public data). */
int group_point_eq(const struct point *a, const struct point *b);

/*
 * Decodes 65 bytes of uncompressed SEC1.  Returns 0; ERR_TRUNCATED /
 * ERR_TRAILING_DATA when len is not 65; ERR_FORMAT for a prefix other
 * than 0x04 (compressed and hybrid forms are refused); ERR_NOT_CANONICAL
 * for a coordinate >= p; ERR_VERIFY when the point is not on the curve;
 * ERR_RANGE for the identity unless flags has GROUP_ALLOW_INFINITY.
 * Safe on untrusted input; variable-time (public data).
 */
int group_point_decode(struct point *p, const uint8_t *in, size_t len,
    unsigned flags) GROUP_WUR;

/*
 * Encodes p as 65 bytes.  The identity is refused with ERR_RANGE unless
 * flags has GROUP_ALLOW_INFINITY (then 65 zero bytes).  The affine
 * conversion uses a constant-time field inversion.
 */
int group_point_encode(const struct point *p, uint8_t out[GROUP_POINT_LEN],
    unsigned flags) GROUP_WUR;

/*
 * Encodes n points at once with one shared field inversion (Montgomery's
 * trick); same output as n calls of group_point_encode.  No point may be
 * the identity (ERR_RANGE).
 */
int group_points_encode(const struct point *const *pts, size_t n,
    uint8_t *out) GROUP_WUR;

/* r = a + b, r = a - b, r = -a.  r may alias a or b.  Variable-time
 * only in the (negligible, public) identity and doubling cases. */
int group_point_add(struct point *r, const struct point *a,
    const struct point *b) GROUP_WUR;
int group_point_sub(struct point *r, const struct point *a,
    const struct point *b) GROUP_WUR;
int group_point_neg(struct point *r, const struct point *a) GROUP_WUR;

/* r = s·G, fixed-base comb; constant-time in s. */
int group_mul_g(struct point *r, const struct scalar *s) GROUP_WUR;
/* r = s·P, variable base; constant-time in s. */
int group_mul(struct point *r, const struct scalar *s, const struct point *p)
    GROUP_WUR;

/*
 * Builds a fixed-base table for P (about 25 ms, about 150 KiB).  P must
 * not be the identity.  Caller frees with group_base_free.
 */
int group_base_new(struct group_base **out, const struct point *p) GROUP_WUR;
void group_base_free(struct group_base *b);
/* The point the table was built for (owned by b). */
const struct point *group_base_point(const struct group_base *b);
/* r = s·P from the table; constant-time in s. */
int group_base_mul(const struct group_base *b, struct point *r,
    const struct scalar *s) GROUP_WUR;

/*
 * The project's own field code (aggregation, the batch encoder,
 * group_msm_vartime) runs a MULX/ADX product on x86-64 CPUs that have
 * BMI2 and ADX, the portable C product elsewhere or when
 * IPPYO_CRYPTO_PORTABLE=1 is set.  group_field_fast tells which;
 * group_field_force_portable(1) switches to the portable code and (0)
 * back to what the CPU allows: for tests and benchmarks only, not while
 * another thread uses the group.
 */
int group_field_fast(void);
void group_field_force_portable(int on);
/*
 * Tests only: compares the BMI2/ADX field code with the portable code on
 * `rounds` random and edge inputs from `seed` (product, square, sum,
 * difference, in place); 0 when all agree or the CPU lacks BMI2/ADX,
 * ERR_INTERNAL at the first difference.
 */
int group_field_selftest(uint64_t seed, size_t rounds) GROUP_WUR;

/*
 * r = g·G + sum s[i]·P[i].  g may be NULL (no G term).  n may be 0;
 * identity points and zero scalars are allowed (they add nothing).
 * Returns 0, ERR_NOMEM, or ERR_CRYPTO / ERR_INTERNAL on a library
 * failure.
 *
 * WARNING: for verification of public data only (batch proof checks,
 * DKG share checks against public commitments, combining published
 * decryption shares).  It runs group_msm_vartime where the fast field
 * code is in use (group_field_fast), group_msm_openssl elsewhere: the
 * time depends on the scalars and points, so never pass a secret scalar
 * (a nonce, a key share, a vote).  Encryption, proving
 * and decryption shares use group_mul_g, group_base_mul and group_mul,
 * which are constant-time.
 */
int group_msm(struct point *r, const struct scalar *g, size_t n,
    const struct point *const *p, const struct scalar *s) GROUP_WUR;

/*
 * The same sum through OpenSSL's EC_POINTs_mul (nistz256 multi-scalar
 * code, about 17.5 us per point).  The scalars pass through
 * variable-length BIGNUMs: public data only, like group_msm.
 */
int group_msm_openssl(struct point *r, const struct scalar *g, size_t n,
    const struct point *const *p, const struct scalar *s) GROUP_WUR;

/*
 * The same sum on the project's own 4x64-bit field code: Straus
 * interleaving of width-4/5 NAF digits over affine tables of odd
 * multiples (batch-inverted), a scalar above n/2 negated together with
 * its point.  Exact in every edge case (zero scalars, the identity,
 * repeated points, P and -P, cancellation to the identity), checked
 * against group_msm_openssl and single multiplications in
 * tests/unit/crypto/test_msm.c.  What group_msm runs on CPUs with
 * BMI2/ADX: there it takes about 0.6 of group_msm_openssl's time on a
 * contest's 66 points (docs/PERFORMANCE.md).
 *
 * WARNING: VARIABLE-TIME.  Running time and memory accesses depend on
 * the scalars (digit positions and lengths) and on the points.  That is
 * safe only because everything a verifier handles is already public
 * (ballots, proofs, published shares), and its batch weights need only
 * be unpredictable until the proofs are fixed.  Never pass a secret.
 */
int group_msm_vartime(struct point *r, const struct scalar *g, size_t n,
    const struct point *const *p, const struct scalar *s) GROUP_WUR;

/*
 * Derives a point from a public seed by try-and-increment:
 * for ctr = 0, 1, ...: x = SHA-256(u32be(len(label)) || label ||
 * u32be(ctr)) mod p interpreted as X; take the point with even Y if X is
 * on the curve.  Documented in docs/PROTOCOL-crypto.md so that anyone can
 * recompute it.  Nobody knows its discrete logarithm to base G.
 */
int group_hash_to_point(struct point *r, const char *label) GROUP_WUR;

/*
 * An accumulator for summing many encoded points fast (aggregation of
 * ballots): each group_acc_add_encoded validates the 65 bytes exactly as
 * group_point_decode without GROUP_ALLOW_INFINITY does (same error
 * codes) and adds the point; group_acc_get returns the sum.  About 10x
 * cheaper per point than decode + add.  Variable-time: public data only.
 */
struct group_acc;

int group_acc_new(struct group_acc **out) GROUP_WUR;
void group_acc_free(struct group_acc *a);
/* Back to the identity. */
void group_acc_reset(struct group_acc *a);
/* Validates and adds one encoded point; on error a is unchanged. */
int group_acc_add_encoded(struct group_acc *a, const uint8_t *in, size_t len)
    GROUP_WUR;
/* Validates both encodings (65 bytes each), then adds pa to a and pb
 * to b; on error neither changes. */
int group_acc_add_encoded2(struct group_acc *a, const uint8_t *pa,
    struct group_acc *b, const uint8_t *pb) GROUP_WUR;
/* out = the sum so far. */
int group_acc_get(const struct group_acc *a, struct point *out) GROUP_WUR;

/* The x coordinate's low 64 bits and y parity of an encoded point, for
 * hash tables (BSGS). */
uint64_t group_encoded_key(const uint8_t enc[GROUP_POINT_LEN]);

/* Constant-time byte comparison: 0 when equal. */
int group_ct_memcmp(const void *a, const void *b, size_t n);

#endif /* IPPYO_CRYPTO_GROUP_H */
