/*
 * group.c - P-256 through OpenSSL 3's nistz256 code, and constant-time
 * scalar arithmetic mod n.
 *
 * What constant-time rests on (OpenSSL 3.0, x86-64, named curve):
 *  - EC_POINT_mul(group, r, s, NULL, NULL) with the built-in G table and
 *    with a table from EC_GROUP_precompute_mult on a group whose
 *    generator is K runs ecp_nistz256_points_mul: a 7-bit comb with
 *    masked table gathers and branch-free affine additions;
 *  - EC_POINT_mul(group, r, NULL, P, s) runs ecp_nistz256_windowed_mul:
 *    a 5-bit window with masked gathers;
 *  - both read the scalar as 256 bits whatever its size.  The BIGNUM we
 *    pass is built by BN_bin2bn from 32 bytes, which trims leading zero
 *    words: that reveals whether the top 64 bits of a scalar are zero
 *    (probability 2^-64), which we accept;
 *  - the affine conversion for encoding uses a constant-time inversion
 *    (ecp_nistz256_get_affine: Fermat exponentiation).  Our batch
 *    encoder multiplies the Z coordinates together with its own
 *    constant-time field code and inverts the product once by Fermat on
 *    that same code (fe_inv: a fixed addition chain), see encode_batch.
 *    The coordinates leave OpenSSL as BIGNUMs (field_decode, then
 *    BN_bn2binpad); a BIGNUM's length trims leading zero words, which
 *    shows only when a coordinate's top 64 bits are zero (2^-64).
 * Point addition (EC_POINT_add, generic BN code) branches on the identity
 * and on equal inputs; callers only add points whose such coincidence has
 * negligible probability, or public points.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/sha.h>

#include "core/err.h"
#include "core/misuse.h"
#include "crypto/group.h"
#include "crypto/rand.h"

struct group_base {
	EC_GROUP *grp;		/* P-256 with generator P and its table */
	EC_POINT *p;		/* P itself, in the main group */
};

static EC_GROUP *curve;		/* the named P-256 group */
static const EC_POINT *gen;	/* its generator */
static pthread_once_t curve_once = PTHREAD_ONCE_INIT;
static pthread_key_t ctx_key;	/* per-thread BN_CTX */

/* n, little-endian limbs. */
static const uint64_t N[4] = {
	0xF3B9CAC2FC632551ULL, 0xBCE6FAADA7179E84ULL,
	0xFFFFFFFFFFFFFFFFULL, 0xFFFFFFFF00000000ULL
};
static uint64_t n0inv;		/* -n^-1 mod 2^64 */
static uint64_t R2[4];		/* 2^512 mod n */

/* p (the field prime), big-endian, for the canonical-coordinate check. */
static const uint8_t P_BE[32] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
};

typedef unsigned __int128 u128;

/*
 * The field and scalar inner loops hold no secrets on the stack beyond
 * what their callers wipe; skip the per-call hardening instrumentation
 * (stack canary, call-used register zeroing) that triples their cost.
 */
#define HOT __attribute__((no_stack_protector, zero_call_used_regs("skip")))
/* the field dispatchers and the BMI2/ADX code: inlined into the point formulas */
#define HOT_INLINE HOT __attribute__((always_inline)) inline

static void sc_add_raw(uint64_t r[4], const uint64_t a[4], const uint64_t b[4]);

static void
ctx_destroy(void *p)
{
	BN_CTX_free(p);
}

static void
curve_init(void)
{
	uint64_t inv = 1;
	uint64_t one[4] = { 1, 0, 0, 0 };
	int i;

	curve = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	if (curve == NULL)
		return;
	gen = EC_GROUP_get0_generator(curve);
	if (pthread_key_create(&ctx_key, ctx_destroy) != 0) {
		EC_GROUP_free(curve);
		curve = NULL;
		return;
	}
	/* Newton iteration for n^-1 mod 2^64. */
	for (i = 0; i < 6; i++)
		inv *= 2 - N[0] * inv;
	n0inv = (uint64_t)0 - inv;
	/* R2 = 2^512 mod n by 512 modular doublings of 1. */
	memcpy(R2, one, sizeof(R2));
	for (i = 0; i < 512; i++)
		sc_add_raw(R2, R2, R2);
}

static EC_GROUP *
grp(void)
{
	pthread_once(&curve_once, curve_init);
	if (curve == NULL)
		MISUSE("cannot build the P-256 group");
	return curve;
}

static BN_CTX *
bnctx(void)
{
	BN_CTX *c;

	(void)grp();
	c = pthread_getspecific(ctx_key);
	if (c == NULL) {
		c = BN_CTX_secure_new();
		if (c == NULL)
			return NULL;
		if (pthread_setspecific(ctx_key, c) != 0) {
			BN_CTX_free(c);
			return NULL;
		}
	}
	return c;
}

#define EP(x) ((EC_POINT *)(x))
#define CEP(x) ((const EC_POINT *)(x))

/* ---- scalars ------------------------------------------------------- */

/* r = a - b over 256 bits; returns the borrow (0 or 1). */
HOT static inline uint64_t
sub4(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
	u128 t;
	uint64_t borrow = 0;
	int i;

	for (i = 0; i < 4; i++) {
		t = (u128)a[i] - b[i] - borrow;
		r[i] = (uint64_t)t;
		borrow = (uint64_t)(t >> 64) & 1;
	}
	return borrow;
}

/* r = a + b over 256 bits; returns the carry. */
HOT static inline uint64_t
add4(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
	u128 t;
	uint64_t carry = 0;
	int i;

	for (i = 0; i < 4; i++) {
		t = (u128)a[i] + b[i] + carry;
		r[i] = (uint64_t)t;
		carry = (uint64_t)(t >> 64);
	}
	return carry;
}

/* r = (mask ? b : a) limb by limb. */
HOT static inline void
sel4(uint64_t r[4], const uint64_t a[4], const uint64_t b[4], uint64_t mask)
{
	int i;

	for (i = 0; i < 4; i++)
		r[i] = (a[i] & ~mask) | (b[i] & mask);
}

/* a, b < n: r = a + b mod n. */
static void
sc_add_raw(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
	uint64_t s[4], d[4], carry, borrow;

	carry = add4(s, a, b);
	borrow = sub4(d, s, N);
	/* keep s only when there was no carry and the subtraction borrowed */
	sel4(r, d, s, (uint64_t)0 - (borrow & (carry ^ 1)));
}

/* x < 2^256: r = x mod n (x < 2n because n > 2^255). */
static void
sc_reduce_once(uint64_t r[4], const uint64_t x[4])
{
	uint64_t d[4], borrow;

	borrow = sub4(d, x, N);
	sel4(r, d, x, (uint64_t)0 - borrow);
}

/* Montgomery product r = a·b·2^-256 mod M, for a, b < M < 2^256. */
HOT static void
montmul_mod(uint64_t r[4], const uint64_t a[4], const uint64_t b[4],
    const uint64_t M[4], uint64_t minv)
{
	uint64_t t[6] = { 0, 0, 0, 0, 0, 0 }, m, d[4], borrow;
	u128 c;
	int i, j;

	for (i = 0; i < 4; i++) {
		c = 0;
		for (j = 0; j < 4; j++) {
			c += (u128)a[j] * b[i] + t[j];
			t[j] = (uint64_t)c;
			c >>= 64;
		}
		c += t[4];
		t[4] = (uint64_t)c;
		t[5] = (uint64_t)(c >> 64);
		m = t[0] * minv;
		c = (u128)m * M[0] + t[0];
		c >>= 64;
		for (j = 1; j < 4; j++) {
			c += (u128)m * M[j] + t[j];
			t[j - 1] = (uint64_t)c;
			c >>= 64;
		}
		c += t[4];
		t[3] = (uint64_t)c;
		t[4] = t[5] + (uint64_t)(c >> 64);
	}
	/* t < 2M: subtract M unless that borrows past t[4]. */
	borrow = sub4(d, t, M);
	borrow = (borrow & (t[4] ^ 1)) & 1;
	sel4(r, d, t, (uint64_t)0 - borrow);
}

static void
sc_montmul(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
	montmul_mod(r, a, b, N, n0inv);
}

void
group_scalar_zero(struct scalar *s)
{
	memset(s, 0, sizeof(*s));
}

void
group_scalar_wipe(struct scalar *s)
{
	OPENSSL_cleanse(s, sizeof(*s));
}

void
group_scalar_set_u64(struct scalar *s, uint64_t v)
{
	memset(s, 0, sizeof(*s));
	s->limb[0] = v;		/* v < 2^64 < n */
}

static void
load_be(uint64_t r[4], const uint8_t in[32])
{
	int i, j;

	for (i = 0; i < 4; i++) {
		uint64_t w = 0;

		for (j = 0; j < 8; j++)
			w = (w << 8) | in[(3 - i) * 8 + j];
		r[i] = w;
	}
}

int
group_scalar_decode(struct scalar *s, const uint8_t in[GROUP_SCALAR_LEN])
{
	uint64_t x[4], d[4];

	load_be(x, in);
	if (sub4(d, x, N) == 0) {	/* x >= n */
		group_scalar_zero(s);
		return ERR_RANGE;
	}
	memcpy(s->limb, x, sizeof(x));
	return 0;
}

void
group_scalar_encode(const struct scalar *s, uint8_t out[GROUP_SCALAR_LEN])
{
	int i, j;

	for (i = 0; i < 4; i++)
		for (j = 0; j < 8; j++)
			out[(3 - i) * 8 + j] =
			    (uint8_t)(s->limb[i] >> (56 - 8 * j));
}

void
group_scalar_from_wide(struct scalar *s, const uint8_t in[GROUP_WIDE_LEN])
{
	uint64_t hi[4], lo[4];

	(void)grp();
	load_be(hi, in);
	load_be(lo, in + 32);
	sc_reduce_once(hi, hi);
	sc_reduce_once(lo, lo);
	sc_montmul(hi, hi, R2);		/* hi·2^256 mod n */
	sc_add_raw(s->limb, hi, lo);
	OPENSSL_cleanse(hi, sizeof(hi));
	OPENSSL_cleanse(lo, sizeof(lo));
}

int
group_scalar_random(struct scalar *s)
{
	uint8_t buf[GROUP_WIDE_LEN];
	int r;

	group_scalar_zero(s);
	do {
		if ((r = rand_bytes(buf, sizeof(buf))) != 0)
			break;
		group_scalar_from_wide(s, buf);
	} while (group_scalar_is_zero(s));
	OPENSSL_cleanse(buf, sizeof(buf));
	return r;
}

void
group_scalar_add(struct scalar *r, const struct scalar *a,
    const struct scalar *b)
{
	sc_add_raw(r->limb, a->limb, b->limb);
}

void
group_scalar_sub(struct scalar *r, const struct scalar *a,
    const struct scalar *b)
{
	uint64_t d[4], e[4], borrow;

	borrow = sub4(d, a->limb, b->limb);
	(void)add4(e, d, N);
	sel4(r->limb, d, e, (uint64_t)0 - borrow);
}

void
group_scalar_neg(struct scalar *r, const struct scalar *a)
{
	struct scalar z;

	group_scalar_zero(&z);
	group_scalar_sub(r, &z, a);
}

void
group_scalar_mul(struct scalar *r, const struct scalar *a,
    const struct scalar *b)
{
	uint64_t t[4];

	(void)grp();
	sc_montmul(t, a->limb, b->limb);
	sc_montmul(r->limb, t, R2);
	OPENSSL_cleanse(t, sizeof(t));
}

void
group_scalar_inv(struct scalar *r, const struct scalar *a)
{
	/* a^(n-2): work in Montgomery form, square-and-multiply always. */
	uint64_t e[4], x[4], acc[4], t[4], one[4] = { 1, 0, 0, 0 };
	int i, bit;

	(void)grp();
	e[0] = N[0] - 2;	/* n - 2, N[0] >= 2 so no borrow */
	e[1] = N[1];
	e[2] = N[2];
	e[3] = N[3];
	sc_montmul(x, a->limb, R2);		/* aR */
	sc_montmul(acc, one, R2);		/* 1·R */
	for (i = 255; i >= 0; i--) {
		sc_montmul(acc, acc, acc);
		sc_montmul(t, acc, x);
		bit = (int)((e[i / 64] >> (i % 64)) & 1);	/* public */
		sel4(acc, acc, t, (uint64_t)0 - (uint64_t)bit);
	}
	sc_montmul(r->limb, acc, one);		/* leave Montgomery form */
	OPENSSL_cleanse(x, sizeof(x));
	OPENSSL_cleanse(acc, sizeof(acc));
	OPENSSL_cleanse(t, sizeof(t));
}

void
group_scalar_select(struct scalar *r, const struct scalar *a,
    const struct scalar *b, uint64_t mask)
{
	sel4(r->limb, a->limb, b->limb, mask);
}

int
group_scalar_eq(const struct scalar *a, const struct scalar *b)
{
	uint64_t d = 0;
	int i;

	for (i = 0; i < 4; i++)
		d |= a->limb[i] ^ b->limb[i];
	return (int)((((d | ((uint64_t)0 - d)) >> 63) & 1) ^ 1);
}

int
group_scalar_is_zero(const struct scalar *a)
{
	struct scalar z;

	group_scalar_zero(&z);
	return group_scalar_eq(a, &z);
}

/* A BIGNUM from the thread's context holding s (flagged constant-time). */
static BIGNUM *
scalar_bn(BN_CTX *ctx, const struct scalar *s)
{
	uint8_t buf[GROUP_SCALAR_LEN];
	BIGNUM *b = BN_CTX_get(ctx);

	if (b == NULL)
		return NULL;
	group_scalar_encode(s, buf);
	BN_set_flags(b, BN_FLG_CONSTTIME);
	if (BN_bin2bn(buf, sizeof(buf), b) == NULL)
		b = NULL;
	OPENSSL_cleanse(buf, sizeof(buf));
	return b;
}

/* ---- P-256 field arithmetic (batch encoding, aggregation) ---------- */

/* b of the curve equation, big-endian */
static const uint8_t B_BE[32] = {
	0x5a, 0xc6, 0x35, 0xd8, 0xaa, 0x3a, 0x93, 0xe7,
	0xb3, 0xeb, 0xbd, 0x55, 0x76, 0x98, 0x86, 0xbc,
	0x65, 0x1d, 0x06, 0xb0, 0xcc, 0x53, 0xb0, 0xf6,
	0x3b, 0xce, 0x3c, 0x3e, 0x27, 0xd2, 0x60, 0x4b
};

struct fe_consts {
	uint64_t r2[4];		/* 2^512 mod p */
	uint64_t one[4];	/* 1 in Montgomery form */
	uint64_t b[4];		/* b in Montgomery form */
};
static struct fe_consts fec;
static pthread_once_t fe_once = PTHREAD_ONCE_INIT;

/*
 * Field arithmetic mod p, straight-line with the limbs in locals (no
 * arrays, no loops: under the project's hardening flags the loop forms
 * spilled to zero-initialised stack arrays and cost twice as much).
 * Branch-free: selections are masks, so the batch encoder may use them
 * on secret-derived coordinates.  fe_mul is the CIOS Montgomery product
 * with -p^-1 mod 2^64 = 1 (p = -1 mod 2^64) and the zero limb p[2]
 * skipped.
 */
/* the limbs of p (the third is zero) */
#define FP0 0xFFFFFFFFFFFFFFFFULL
#define FP1 0x00000000FFFFFFFFULL
#define FP3 0xFFFFFFFF00000001ULL

HOT static inline void
fe_add_c(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
	uint64_t s0, s1, s2, s3, d0, d1, d2, d3, c, bw, m;
	u128 t;

	t = (u128)a[0] + b[0];
	s0 = (uint64_t)t;
	t = (u128)a[1] + b[1] + (uint64_t)(t >> 64);
	s1 = (uint64_t)t;
	t = (u128)a[2] + b[2] + (uint64_t)(t >> 64);
	s2 = (uint64_t)t;
	t = (u128)a[3] + b[3] + (uint64_t)(t >> 64);
	s3 = (uint64_t)t;
	c = (uint64_t)(t >> 64);
	t = (u128)s0 - FP0;
	d0 = (uint64_t)t;
	t = (u128)s1 - FP1 - ((uint64_t)(t >> 64) & 1);
	d1 = (uint64_t)t;
	t = (u128)s2 - ((uint64_t)(t >> 64) & 1);
	d2 = (uint64_t)t;
	t = (u128)s3 - FP3 - ((uint64_t)(t >> 64) & 1);
	d3 = (uint64_t)t;
	bw = (uint64_t)(t >> 64) & 1;
	/* keep the sum when it did not carry and subtracting p borrowed */
	m = (uint64_t)0 - (bw & (c ^ 1));
	r[0] = (d0 & ~m) | (s0 & m);
	r[1] = (d1 & ~m) | (s1 & m);
	r[2] = (d2 & ~m) | (s2 & m);
	r[3] = (d3 & ~m) | (s3 & m);
}

HOT static inline void
fe_sub_c(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
	uint64_t d0, d1, d2, d3, m;
	u128 t;

	t = (u128)a[0] - b[0];
	d0 = (uint64_t)t;
	t = (u128)a[1] - b[1] - ((uint64_t)(t >> 64) & 1);
	d1 = (uint64_t)t;
	t = (u128)a[2] - b[2] - ((uint64_t)(t >> 64) & 1);
	d2 = (uint64_t)t;
	t = (u128)a[3] - b[3] - ((uint64_t)(t >> 64) & 1);
	d3 = (uint64_t)t;
	/* add p back when it borrowed */
	m = (uint64_t)0 - ((uint64_t)(t >> 64) & 1);
	t = (u128)d0 + (FP0 & m);
	r[0] = (uint64_t)t;
	t = (u128)d1 + (FP1 & m) + (uint64_t)(t >> 64);
	r[1] = (uint64_t)t;
	t = (u128)d2 + (uint64_t)(t >> 64);
	r[2] = (uint64_t)t;
	r[3] = d3 + (FP3 & m) + (uint64_t)(t >> 64);
}

#define MAC(lo, c, x, y) do { u128 t_ = (u128)(x) * (y) + (lo) + (c); \
	(lo) = (uint64_t)t_; (c) = (uint64_t)(t_ >> 64); } while (0)

/* one round: t += a·bi, then t = (t + t0·p) / 2^64 */
#define FE_ROUND(bi) do { \
	c = 0; \
	MAC(t0, c, a0, (bi)); \
	MAC(t1, c, a1, (bi)); \
	MAC(t2, c, a2, (bi)); \
	MAC(t3, c, a3, (bi)); \
	u = (u128)t4 + c; \
	t4 = (uint64_t)u; \
	t5 = (uint64_t)(u >> 64); \
	m = t0; \
	c = 0; \
	MAC(t0, c, m, FP0); \
	MAC(t1, c, m, FP1); \
	u = (u128)t2 + c; \
	t2 = (uint64_t)u; \
	c = (uint64_t)(u >> 64); \
	MAC(t3, c, m, FP3); \
	u = (u128)t4 + c; \
	t0 = t1; \
	t1 = t2; \
	t2 = t3; \
	t3 = (uint64_t)u; \
	t4 = t5 + (uint64_t)(u >> 64); \
} while (0)

/* The product before the final subtraction: T = a·b·2^-256 mod p, T < 2p, in t[0..4]. */
HOT static void
fe_mul_c_raw(uint64_t t[5], const uint64_t a[4], const uint64_t b[4])
{
	uint64_t t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0, t5, c, m;
	uint64_t a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
	uint64_t b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3];
	u128 u;

	FE_ROUND(b0);
	FE_ROUND(b1);
	FE_ROUND(b2);
	FE_ROUND(b3);
	t[0] = t0;
	t[1] = t1;
	t[2] = t2;
	t[3] = t3;
	t[4] = t4;
}

/* r = t - p unless that borrows past t4 (then r = t); t < 2p. */
HOT static inline void
fe_final(uint64_t r[4], uint64_t t0, uint64_t t1, uint64_t t2, uint64_t t3,
    uint64_t t4)
{
	uint64_t d0, d1, d2, d3, bw, m;
	u128 u;

	u = (u128)t0 - FP0;
	d0 = (uint64_t)u;
	u = (u128)t1 - FP1 - ((uint64_t)(u >> 64) & 1);
	d1 = (uint64_t)u;
	u = (u128)t2 - ((uint64_t)(u >> 64) & 1);
	d2 = (uint64_t)u;
	u = (u128)t3 - FP3 - ((uint64_t)(u >> 64) & 1);
	d3 = (uint64_t)u;
	bw = (uint64_t)(u >> 64) & 1;
	m = (uint64_t)0 - (bw & (t4 ^ 1));
	r[0] = (d0 & ~m) | (t0 & m);
	r[1] = (d1 & ~m) | (t1 & m);
	r[2] = (d2 & ~m) | (t2 & m);
	r[3] = (d3 & ~m) | (t3 & m);
}

/* The portable product: r = a·b·2^-256 mod p; a, b < p; r may alias. */
HOT static void
fe_mul_c(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
	uint64_t t[5];

	fe_mul_c_raw(t, a, b);
	fe_final(r, t[0], t[1], t[2], t[3], t[4]);
}

/*
 * The portable square: the six cross products once, doubled, plus the
 * four squares (10 products instead of 16), then the 512-bit value is
 * Montgomery-reduced: the low half by four rounds of m = t0 (as in
 * fe_mul_c_raw), to a value at most p, and the high half (below p,
 * since a^2 < p^2) added.  The sum is below 2p.
 */
HOT static void
fe_sqr_c(uint64_t r[4], const uint64_t a[4])
{
	uint64_t a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
	uint64_t t0, t1, t2, t3, t4, t5, t6, t7, c, m, k;
	u128 u, q;

	u = (u128)a0 * a1;
	t1 = (uint64_t)u;
	u = (u128)a0 * a2 + (uint64_t)(u >> 64);
	t2 = (uint64_t)u;
	u = (u128)a0 * a3 + (uint64_t)(u >> 64);
	t3 = (uint64_t)u;
	t4 = (uint64_t)(u >> 64);
	c = 0;
	MAC(t3, c, a1, a2);
	MAC(t4, c, a1, a3);
	t5 = c;
	c = 0;
	MAC(t5, c, a2, a3);
	t6 = c;
	t7 = t6 >> 63;
	t6 = (t6 << 1) | (t5 >> 63);
	t5 = (t5 << 1) | (t4 >> 63);
	t4 = (t4 << 1) | (t3 >> 63);
	t3 = (t3 << 1) | (t2 >> 63);
	t2 = (t2 << 1) | (t1 >> 63);
	t1 = t1 << 1;
	u = (u128)a0 * a0;
	t0 = (uint64_t)u;
	u = (u128)t1 + (uint64_t)(u >> 64);
	t1 = (uint64_t)u;
	u = (u128)a1 * a1 + t2 + (uint64_t)(u >> 64);
	t2 = (uint64_t)u;
	u = (u128)t3 + (uint64_t)(u >> 64);
	t3 = (uint64_t)u;
	u = (u128)a2 * a2 + t4 + (uint64_t)(u >> 64);
	t4 = (uint64_t)u;
	u = (u128)t5 + (uint64_t)(u >> 64);
	t5 = (uint64_t)u;
	u = (u128)a3 * a3 + t6 + (uint64_t)(u >> 64);
	t6 = (uint64_t)u;
	t7 += (uint64_t)(u >> 64);
	/* (A0..A3) -> (A1, A2, A3, A0): one round of m = A0 */
#define FE_RED4(A0, A1, A2, A3) do { \
	m = (A0); \
	q = (u128)m * FP3; \
	u = (u128)(A1) + (m << 32); \
	(A1) = (uint64_t)u; \
	u = (u128)(A2) + (m >> 32) + (uint64_t)(u >> 64); \
	(A2) = (uint64_t)u; \
	u = (u128)(A3) + (uint64_t)q + (uint64_t)(u >> 64); \
	(A3) = (uint64_t)u; \
	(A0) = (uint64_t)(q >> 64) + (uint64_t)(u >> 64); \
} while (0)
	FE_RED4(t0, t1, t2, t3);
	FE_RED4(t1, t2, t3, t0);
	FE_RED4(t2, t3, t0, t1);
	FE_RED4(t3, t0, t1, t2);
#undef FE_RED4
	u = (u128)t0 + t4;
	t0 = (uint64_t)u;
	u = (u128)t1 + t5 + (uint64_t)(u >> 64);
	t1 = (uint64_t)u;
	u = (u128)t2 + t6 + (uint64_t)(u >> 64);
	t2 = (uint64_t)u;
	u = (u128)t3 + t7 + (uint64_t)(u >> 64);
	t3 = (uint64_t)u;
	k = (uint64_t)(u >> 64);
	fe_final(r, t0, t1, t2, t3, k);
}

#if defined(__x86_64__) && defined(__GNUC__)
#include "crypto/fe_x86_64.h"
#define FE_HAVE_X86_64 1
#endif

/* 1 when fe_mul and fe_sqr run the BMI2/ADX code; set by fe_init. */
static int fe_fast;

/* r = a·b·2^-256 mod p (Montgomery form); a, b < p; r may alias. */
HOT_INLINE static void
fe_mul(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
#ifdef FE_HAVE_X86_64
	if (fe_fast) {
		fe_mul_x(r, a, b);
		return;
	}
#endif
	fe_mul_c(r, a, b);
}

/* r = a + b mod p; a, b < p; r may alias. */
HOT_INLINE static void
fe_add(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
#ifdef FE_HAVE_X86_64
	if (fe_fast) {
		fe_add_x(r, a, b);
		return;
	}
#endif
	fe_add_c(r, a, b);
}

/* r = a - b mod p; a, b < p; r may alias. */
HOT_INLINE static void
fe_sub(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
#ifdef FE_HAVE_X86_64
	if (fe_fast) {
		fe_sub_x(r, a, b);
		return;
	}
#endif
	fe_sub_c(r, a, b);
}

/* r = a^2·2^-256 mod p; the same contract as fe_mul. */
HOT_INLINE static void
fe_sqr(uint64_t r[4], const uint64_t a[4])
{
#ifdef FE_HAVE_X86_64
	if (fe_fast) {
		fe_sqr_x(r, a);
		return;
	}
#endif
	fe_sqr_c(r, a);
}

static int
fe_is_zero(const uint64_t a[4])
{
	return (a[0] | a[1] | a[2] | a[3]) == 0;
}

static int
fe_eq(const uint64_t a[4], const uint64_t b[4])
{
	return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) |
	    (a[3] ^ b[3])) == 0;
}

/*
 * Whether this CPU has BMI2 (MULX) and ADX (ADCX, ADOX): CPUID leaf 7,
 * EBX bits 8 and 19.  IPPYO_CRYPTO_PORTABLE=1 in the environment keeps
 * the portable code (for comparison runs).
 */
static int
fe_cpu_fast(void)
{
#ifdef FE_HAVE_X86_64
	uint32_t a, b, c, d;
	const char *env = getenv("IPPYO_CRYPTO_PORTABLE");

	if (env != NULL && strcmp(env, "1") == 0)
		return 0;
	__asm__ ("cpuid" : "=a" (a), "=b" (b), "=c" (c), "=d" (d) : "a" (0));
	if (a < 7)
		return 0;
	__asm__ ("cpuid" : "=a" (a), "=b" (b), "=c" (c), "=d" (d)
	    : "a" (7), "c" (0));
	return (b >> 8 & 1) && (b >> 19 & 1);
#else
	return 0;
#endif
}

static void
fe_init(void)
{
	uint64_t one[4] = { 1, 0, 0, 0 }, b[4];
	int i;

	fe_fast = fe_cpu_fast();

	memcpy(fec.r2, one, sizeof(one));
	for (i = 0; i < 512; i++)
		fe_add(fec.r2, fec.r2, fec.r2);
	fe_mul(fec.one, one, fec.r2);
	load_be(b, B_BE);
	fe_mul(fec.b, b, fec.r2);
}

static void
fe_ensure_init(void)
{
	pthread_once(&fe_once, fe_init);
}

void
group_field_force_portable(int on)
{
	fe_ensure_init();
	fe_fast = on ? 0 : fe_cpu_fast();
}

int
group_field_fast(void)
{
	fe_ensure_init();
	return fe_fast;
}

/* A field element below p from a xorshift stream, biased towards the
 * edges: p - 1 - small, all-ones limbs, zero limbs, small values. */
static void
fe_selftest_elem(uint64_t a[4], uint64_t *rs)
{
	static const uint64_t pm[4] = { FP0, FP1, 0, FP3 };
	uint64_t v, d[4];
	int i, kind;

	for (;;) {
		*rs ^= *rs << 13;
		*rs ^= *rs >> 7;
		*rs ^= *rs << 17;
		kind = (int)(*rs % 8);
		for (i = 0; i < 4; i++) {
			*rs ^= *rs << 13;
			*rs ^= *rs >> 7;
			*rs ^= *rs << 17;
			v = *rs;
			if (kind == 0)
				v = pm[i];
			else if (kind == 1)
				v = FP0;
			else if (kind == 2 || (kind == 3 && i > 0))
				v = 0;
			a[i] = v;
		}
		if (kind == 0)
			a[0] -= 1 + (*rs >> 60);
		if (sub4(d, a, pm) != 0)		/* a < p */
			return;
	}
}

int
group_field_selftest(uint64_t seed, size_t rounds)
{
#ifdef FE_HAVE_X86_64
	uint64_t a[4], b[4], c[4], x[4], rs = seed | 1;
	size_t i;

	fe_ensure_init();
	if (!fe_cpu_fast())
		return 0;
	for (i = 0; i < rounds; i++) {
		fe_selftest_elem(a, &rs);
		fe_selftest_elem(b, &rs);
		if (i % 5 == 0)
			memcpy(b, a, 32);
		fe_mul_c(c, a, b);
		fe_mul_x(x, a, b);
		if (!fe_eq(c, x))
			return ERR_INTERNAL;
		fe_mul_c(c, a, a);
		fe_sqr_c(x, a);
		if (!fe_eq(c, x))
			return ERR_INTERNAL;
		fe_sqr_x(x, a);
		if (!fe_eq(c, x))
			return ERR_INTERNAL;
		fe_add_c(c, a, b);
		fe_add_x(x, a, b);
		if (!fe_eq(c, x))
			return ERR_INTERNAL;
		fe_sub_c(c, a, b);
		fe_sub_x(x, a, b);
		if (!fe_eq(c, x))
			return ERR_INTERNAL;
		/* in place, as the point formulas call them */
		memcpy(x, a, 32);
		fe_mul_x(x, x, b);
		fe_mul_c(c, a, b);
		if (!fe_eq(c, x))
			return ERR_INTERNAL;
		memcpy(x, b, 32);
		fe_sub_x(x, a, x);
		fe_sub_c(c, a, b);
		if (!fe_eq(c, x))
			return ERR_INTERNAL;
	}
	return 0;
#else
	(void)seed;
	(void)rounds;
	return 0;
#endif
}

static void
store_be(uint8_t out[32], const uint64_t v[4])
{
	int i, j;

	for (i = 0; i < 4; i++)
		for (j = 0; j < 8; j++)
			out[(3 - i) * 8 + j] = (uint8_t)(v[i] >> (56 - 8 * j));
}

/* r = a^(2^k) (k squarings); r may alias a. */
static void
fe_sqr_n(uint64_t r[4], const uint64_t a[4], int k)
{
	int i;

	if (r != a)
		memcpy(r, a, 32);
	for (i = 0; i < k; i++)
		fe_sqr(r, r);
}

/*
 * r = a^(p-2) = a^-1 mod p (0 maps to 0), Montgomery form in and out.
 * Fermat's little theorem with a fixed addition chain for
 * p - 2 = 2^256 - 2^224 + 2^192 + 2^96 - 3: 255 squarings and 12
 * multiplications of the branch-free fe_mul, the same sequence for
 * every input, so it is constant-time in a (the batch encoder inverts
 * products of secret-derived Z coordinates with it).  x_k below is
 * a^(2^k - 1), k one bits.
 */
static void
fe_inv(uint64_t r[4], const uint64_t a[4])
{
	uint64_t x2[4], x3[4], x6[4], x12[4], x15[4], x30[4], x32[4], t[4];

	fe_sqr(x2, a);
	fe_mul(x2, x2, a);		/* 11 */
	fe_sqr(x3, x2);
	fe_mul(x3, x3, a);		/* 111 */
	fe_sqr_n(x6, x3, 3);
	fe_mul(x6, x6, x3);
	fe_sqr_n(x12, x6, 6);
	fe_mul(x12, x12, x6);
	fe_sqr_n(x15, x12, 3);
	fe_mul(x15, x15, x3);
	fe_sqr_n(x30, x15, 15);
	fe_mul(x30, x30, x15);
	fe_sqr_n(x32, x30, 2);
	fe_mul(x32, x32, x2);		/* ffffffff */
	fe_sqr_n(t, x32, 32);
	fe_mul(t, t, a);		/* ffffffff 00000001 */
	fe_sqr_n(t, t, 128);
	fe_mul(t, t, x32);		/* ... 00000000 x3 ffffffff */
	fe_sqr_n(t, t, 32);
	fe_mul(t, t, x32);		/* ... ffffffff */
	fe_sqr_n(t, t, 30);
	fe_mul(t, t, x30);		/* ... 30 ones */
	fe_sqr_n(t, t, 2);
	fe_mul(r, t, a);		/* ... 01: last word fffffffd */
	OPENSSL_cleanse(x2, sizeof(x2));
	OPENSSL_cleanse(x3, sizeof(x3));
	OPENSSL_cleanse(x6, sizeof(x6));
	OPENSSL_cleanse(x12, sizeof(x12));
	OPENSSL_cleanse(x15, sizeof(x15));
	OPENSSL_cleanse(x30, sizeof(x30));
	OPENSSL_cleanse(x32, sizeof(x32));
	OPENSSL_cleanse(t, sizeof(t));
}

/* ---- points -------------------------------------------------------- */

struct point *
group_point_new(void)
{
	return (struct point *)EC_POINT_new(grp());
}

void
group_point_free(struct point *p)
{
	EC_POINT_clear_free(EP(p));
}

void
group_points_free(struct point **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		group_point_free(v[i]);
	free(v);
}

struct point **
group_points_new(size_t n)
{
	struct point **v;
	size_t i;

	if (n == 0 || n > SIZE_MAX / sizeof(*v))
		return NULL;
	if ((v = calloc(n, sizeof(*v))) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if ((v[i] = group_point_new()) == NULL) {
			group_points_free(v, i);
			return NULL;
		}
	}
	return v;
}

int
group_point_copy(struct point *dst, const struct point *src)
{
	return EC_POINT_copy(EP(dst), CEP(src)) == 1 ? 0 : ERR_CRYPTO;
}

int
group_point_set_infinity(struct point *p)
{
	return EC_POINT_set_to_infinity(grp(), EP(p)) == 1 ? 0 : ERR_CRYPTO;
}

int
group_point_set_generator(struct point *p)
{
	return EC_POINT_copy(EP(p), (grp(), gen)) == 1 ? 0 : ERR_CRYPTO;
}

int
group_point_is_infinity(const struct point *p)
{
	return EC_POINT_is_at_infinity(grp(), CEP(p)) == 1;
}

int
group_point_eq(const struct point *a, const struct point *b)
{
	BN_CTX *ctx = bnctx();
	int c;

	if (ctx == NULL)
		return ERR_NOMEM;
	c = EC_POINT_cmp(grp(), CEP(a), CEP(b), ctx);
	if (c < 0)
		return ERR_CRYPTO;
	return c == 0;
}

int
group_ct_memcmp(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) != 0;
}

/* Public big-endian compare: 1 when a < b (32 bytes). */
static int
less_be(const uint8_t *a, const uint8_t *b)
{
	size_t i;

	for (i = 0; i < 32; i++)
		if (a[i] != b[i])
			return a[i] < b[i];
	return 0;
}

int
group_point_decode(struct point *p, const uint8_t *in, size_t len,
    unsigned flags)
{
	static const uint8_t zero[GROUP_POINT_LEN];
	BN_CTX *ctx;

	if (len < GROUP_POINT_LEN)
		return ERR_TRUNCATED;
	if (len > GROUP_POINT_LEN)
		return ERR_TRAILING_DATA;
	if (in[0] == 0x00 && CRYPTO_memcmp(in, zero, sizeof(zero)) == 0) {
		if ((flags & GROUP_ALLOW_INFINITY) == 0)
			return ERR_RANGE;
		return group_point_set_infinity(p);
	}
	if (in[0] != 0x04)
		return ERR_FORMAT;
	if (!less_be(in + 1, P_BE) || !less_be(in + 33, P_BE))
		return ERR_NOT_CANONICAL;
	if ((ctx = bnctx()) == NULL)
		return ERR_NOMEM;
	/* oct2point checks the equation of the curve. */
	if (EC_POINT_oct2point(grp(), EP(p), in, len, ctx) != 1)
		return ERR_VERIFY;
	return 0;
}

int
group_point_encode(const struct point *p, uint8_t out[GROUP_POINT_LEN],
    unsigned flags)
{
	BN_CTX *ctx;

	if (group_point_is_infinity(p)) {
		memset(out, 0, GROUP_POINT_LEN);
		return (flags & GROUP_ALLOW_INFINITY) ? 0 : ERR_RANGE;
	}
	if ((ctx = bnctx()) == NULL)
		return ERR_NOMEM;
	if (EC_POINT_point2oct(grp(), CEP(p), POINT_CONVERSION_UNCOMPRESSED,
	    out, GROUP_POINT_LEN, ctx) != GROUP_POINT_LEN)
		return ERR_CRYPTO;
	return 0;
}


#define ENC_BATCH_MAX 128

/*
 * Batch affine conversion with one shared inversion (Montgomery's trick):
 * Jacobian X, Y, Z come out of OpenSSL, the products and the final
 * scaling use the constant-time 4x64-bit field code above, and so does
 * the one inversion (fe_inv, Fermat).
 */
static int
encode_batch(const struct point *const *pts, size_t n, uint8_t *out)
{
	uint64_t X[ENC_BATCH_MAX][4], Y[ENC_BATCH_MAX][4], Z[ENC_BATCH_MAX][4];
	uint64_t pre[ENC_BATCH_MAX][4], inv[4], zi[4], zi2[4], t[4];
	uint64_t one[4] = { 1, 0, 0, 0 };
	uint8_t buf[32];
	BN_CTX *ctx = bnctx();
	BIGNUM *bx, *by, *bz;
	size_t i;
	int r = ERR_CRYPTO;

	if (n == 0 || n > ENC_BATCH_MAX)
		return n == 0 ? 0 : ERR_INVALID_ARG;
	if (ctx == NULL)
		return ERR_NOMEM;
	BN_CTX_start(ctx);
	bx = BN_CTX_get(ctx);
	by = BN_CTX_get(ctx);
	bz = BN_CTX_get(ctx);
	if (bz == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (EC_POINT_is_at_infinity(grp(), CEP(pts[i]))) {
			r = ERR_RANGE;
			goto out;
		}
		if (EC_POINT_get_Jprojective_coordinates_GFp(grp(), CEP(pts[i]),
		    bx, by, bz, ctx) != 1 ||
		    BN_bn2binpad(bx, buf, 32) != 32)
			goto out;
		load_be(X[i], buf);
		if (BN_bn2binpad(by, buf, 32) != 32)
			goto out;
		load_be(Y[i], buf);
		if (BN_bn2binpad(bz, buf, 32) != 32)
			goto out;
		load_be(Z[i], buf);
		fe_mul(X[i], X[i], fec.r2);
		fe_mul(Y[i], Y[i], fec.r2);
		fe_mul(Z[i], Z[i], fec.r2);
		if (i == 0)
			memcpy(pre[0], Z[0], 32);
		else
			fe_mul(pre[i], pre[i - 1], Z[i]);
	}
	/*
	 * One inversion of the product, by Fermat on the same constant-time
	 * field code (fe_inv): no BIGNUM and no data-dependent loop.
	 */
	fe_inv(inv, pre[n - 1]);
	for (i = n; i-- > 0;) {
		if (i > 0) {
			fe_mul(zi, inv, pre[i - 1]);
			fe_mul(inv, inv, Z[i]);
		} else
			memcpy(zi, inv, 32);
		fe_sqr(zi2, zi);
		fe_mul(t, X[i], zi2);
		fe_mul(t, t, one);
		out[i * GROUP_POINT_LEN] = 0x04;
		store_be(out + i * GROUP_POINT_LEN + 1, t);
		fe_mul(zi2, zi2, zi);
		fe_mul(t, Y[i], zi2);
		fe_mul(t, t, one);
		store_be(out + i * GROUP_POINT_LEN + 33, t);
	}
	r = 0;
out:
	BN_clear(bx);
	BN_clear(by);
	BN_clear(bz);
	BN_CTX_end(ctx);
	OPENSSL_cleanse(X, sizeof(X));
	OPENSSL_cleanse(Y, sizeof(Y));
	OPENSSL_cleanse(Z, sizeof(Z));
	OPENSSL_cleanse(pre, sizeof(pre));
	OPENSSL_cleanse(inv, sizeof(inv));
	OPENSSL_cleanse(zi, sizeof(zi));
	OPENSSL_cleanse(zi2, sizeof(zi2));
	OPENSSL_cleanse(t, sizeof(t));
	OPENSSL_cleanse(buf, sizeof(buf));
	return r;
}

int
group_points_encode(const struct point *const *pts, size_t n, uint8_t *out)
{
	size_t done, m;
	int r;

	if (n == 0)
		return 0;
	if (n == 1)
		return group_point_encode(pts[0], out, 0);
	fe_ensure_init();
	for (done = 0; done < n; done += m) {
		m = n - done < ENC_BATCH_MAX ? n - done : ENC_BATCH_MAX;
		if ((r = encode_batch(pts + done, m,
		    out + done * GROUP_POINT_LEN)) != 0) {
			memset(out, 0, n * GROUP_POINT_LEN);
			return r;
		}
	}
	return 0;
}

int
group_point_add(struct point *r, const struct point *a, const struct point *b)
{
	BN_CTX *ctx = bnctx();

	if (ctx == NULL)
		return ERR_NOMEM;
	return EC_POINT_add(grp(), EP(r), CEP(a), CEP(b), ctx) == 1 ?
	    0 : ERR_CRYPTO;
}

int
group_point_neg(struct point *r, const struct point *a)
{
	BN_CTX *ctx = bnctx();

	if (ctx == NULL)
		return ERR_NOMEM;
	if (r != a && EC_POINT_copy(EP(r), CEP(a)) != 1)
		return ERR_CRYPTO;
	return EC_POINT_invert(grp(), EP(r), ctx) == 1 ? 0 : ERR_CRYPTO;
}

int
group_point_sub(struct point *r, const struct point *a, const struct point *b)
{
	EC_POINT *nb;
	int rc;

	if ((nb = EC_POINT_dup(CEP(b), grp())) == NULL)
		return ERR_NOMEM;
	rc = group_point_neg((struct point *)nb, (struct point *)nb);
	if (rc == 0)
		rc = group_point_add(r, a, (struct point *)nb);
	EC_POINT_free(nb);
	return rc;
}

int
group_mul_g(struct point *r, const struct scalar *s)
{
	BN_CTX *ctx = bnctx();
	BIGNUM *b;
	int rc = ERR_CRYPTO;

	if (ctx == NULL)
		return ERR_NOMEM;
	BN_CTX_start(ctx);
	if ((b = scalar_bn(ctx, s)) == NULL)
		rc = ERR_NOMEM;
	else if (EC_POINT_mul(grp(), EP(r), b, NULL, NULL, ctx) == 1)
		rc = 0;
	if (b != NULL)
		BN_clear(b);
	BN_CTX_end(ctx);
	return rc;
}

int
group_mul(struct point *r, const struct scalar *s, const struct point *p)
{
	BN_CTX *ctx = bnctx();
	BIGNUM *b;
	int rc = ERR_CRYPTO;

	if (ctx == NULL)
		return ERR_NOMEM;
	BN_CTX_start(ctx);
	if ((b = scalar_bn(ctx, s)) == NULL)
		rc = ERR_NOMEM;
	else if (EC_POINT_mul(grp(), EP(r), NULL, CEP(p), b, ctx) == 1)
		rc = 0;
	if (b != NULL)
		BN_clear(b);
	BN_CTX_end(ctx);
	return rc;
}

int
group_base_new(struct group_base **out, const struct point *p)
{
	struct group_base *b = NULL;
	BN_CTX *ctx = bnctx();
	int r = ERR_INTERNAL;

	*out = NULL;
	if (ctx == NULL)
		return ERR_NOMEM;
	if (group_point_is_infinity(p))
		return ERR_RANGE;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return ERR_NOMEM;
	if ((b->grp = EC_GROUP_dup(grp())) == NULL ||
	    (b->p = EC_POINT_dup(CEP(p), grp())) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if (EC_GROUP_set_generator(b->grp, CEP(p), EC_GROUP_get0_order(grp()),
	    EC_GROUP_get0_cofactor(grp())) != 1 ||
	    EC_GROUP_precompute_mult(b->grp, ctx) != 1) {
		r = ERR_CRYPTO;
		goto out;
	}
	*out = b;
	b = NULL;
	r = 0;
out:
	group_base_free(b);
	return r;
}

void
group_base_free(struct group_base *b)
{
	if (b == NULL)
		return;
	EC_GROUP_free(b->grp);
	EC_POINT_free(b->p);
	free(b);
}

const struct point *
group_base_point(const struct group_base *b)
{
	return (const struct point *)b->p;
}

int
group_base_mul(const struct group_base *b, struct point *r,
    const struct scalar *s)
{
	BN_CTX *ctx = bnctx();
	BIGNUM *bn;
	int rc = ERR_CRYPTO;

	if (ctx == NULL)
		return ERR_NOMEM;
	BN_CTX_start(ctx);
	if ((bn = scalar_bn(ctx, s)) == NULL)
		rc = ERR_NOMEM;
	else if (EC_POINT_mul(b->grp, EP(r), bn, NULL, NULL, ctx) == 1)
		rc = 0;
	if (bn != NULL)
		BN_clear(bn);
	BN_CTX_end(ctx);
	return rc;
}

#define MSM_CHUNK 2048

int
group_msm_openssl(struct point *r, const struct scalar *g, size_t n,
    const struct point *const *p, const struct scalar *s)
{
	BN_CTX *ctx = bnctx();
	BIGNUM *gb = NULL, **bv = NULL;
	EC_POINT *part = NULL;
	size_t done = 0, m, i;
	int rc = ERR_INTERNAL, first = 1;

	if (ctx == NULL)
		return ERR_NOMEM;
	m = n < MSM_CHUNK ? n : MSM_CHUNK;
	if ((bv = calloc(m + 1, sizeof(*bv))) == NULL)
		return ERR_NOMEM;
	if ((part = EC_POINT_new(grp())) == NULL) {
		free(bv);
		return ERR_NOMEM;
	}
	BN_CTX_start(ctx);
	if (g != NULL && (gb = scalar_bn(ctx, g)) == NULL) {
		rc = ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < m; i++) {
		if ((bv[i] = BN_CTX_get(ctx)) == NULL) {
			rc = ERR_NOMEM;
			goto out;
		}
	}
	do {
		uint8_t buf[GROUP_SCALAR_LEN];

		m = n - done < MSM_CHUNK ? n - done : MSM_CHUNK;
		for (i = 0; i < m; i++) {
			group_scalar_encode(&s[done + i], buf);
			if (BN_bin2bn(buf, sizeof(buf), bv[i]) == NULL) {
				rc = ERR_CRYPTO;
				goto out;
			}
		}
		if (EC_POINTs_mul(grp(), first ? EP(r) : part,
		    first ? gb : NULL, m, (const EC_POINT **)(uintptr_t)(p + done),
		    (const BIGNUM **)(uintptr_t)bv, ctx) != 1) {
			rc = ERR_CRYPTO;
			goto out;
		}
		if (!first && EC_POINT_add(grp(), EP(r), EP(r), part, ctx) != 1) {
			rc = ERR_CRYPTO;
			goto out;
		}
		first = 0;
		done += m;
	} while (done < n);
	rc = 0;
out:
	BN_CTX_end(ctx);
	EC_POINT_free(part);
	free(bv);
	return rc;
}

int
group_hash_to_point(struct point *r, const char *label)
{
	uint8_t in[4 + 256 + 4], h[32];
	size_t len = strlen(label);
	BN_CTX *ctx = bnctx();
	BIGNUM *x;
	uint32_t ctr;
	int rc = ERR_CRYPTO;

	REQUIRE(len <= 256);
	if (ctx == NULL)
		return ERR_NOMEM;
	in[0] = (uint8_t)(len >> 24);
	in[1] = (uint8_t)(len >> 16);
	in[2] = (uint8_t)(len >> 8);
	in[3] = (uint8_t)len;
	memcpy(in + 4, label, len);
	BN_CTX_start(ctx);
	if ((x = BN_CTX_get(ctx)) == NULL) {
		rc = ERR_NOMEM;
		goto out;
	}
	for (ctr = 0; ctr < 1000; ctr++) {
		in[4 + len] = (uint8_t)(ctr >> 24);
		in[5 + len] = (uint8_t)(ctr >> 16);
		in[6 + len] = (uint8_t)(ctr >> 8);
		in[7 + len] = (uint8_t)ctr;
		SHA256(in, len + 8, h);
		if (!less_be(h, P_BE))
			continue;	/* x must be < p; no reduction */
		if (BN_bin2bn(h, sizeof(h), x) == NULL)
			goto out;
		if (EC_POINT_set_compressed_coordinates(grp(), EP(r), x, 0,
		    ctx) == 1) {
			rc = 0;
			goto out;
		}
	}
out:
	BN_CTX_end(ctx);
	return rc;
}

uint64_t
group_encoded_key(const uint8_t enc[GROUP_POINT_LEN])
{
	uint64_t k = 0;
	int i;

	for (i = 0; i < 8; i++)
		k = (k << 8) | enc[25 + i];	/* low 64 bits of X */
	return (k << 1) | (enc[64] & 1);
}

/* ---- fast accumulation of encoded points (aggregation) -------------- */

/*
 * Summing a million ciphertexts through EC_POINT_oct2point and
 * EC_POINT_add costs ~2.7 us per point, mostly BIGNUM overhead.  The
 * accumulator below validates each encoding and adds it with a small
 * field implementation of its own (4x64-bit Montgomery arithmetic mod p,
 * Jacobian coordinates, mixed addition "madd-2007-bl" and doubling
 * "dbl-2001-b" from the Explicit-Formulas Database), about 0.3 us per
 * point.  It works on public data only (ballots being counted) and is
 * variable-time.  Its result is handed back to OpenSSL through
 * EC_POINT_oct2point, which checks it again; the unit tests compare it
 * with EC_POINT_add on random, equal and opposite points.
 */

struct group_acc {
	uint64_t x[4], y[4], z[4];	/* Jacobian, Montgomery form */
	int inf;			/* the sum is the identity */
};

int
group_acc_new(struct group_acc **out)
{
	(void)grp();
	fe_ensure_init();
	if ((*out = calloc(1, sizeof(**out))) == NULL)
		return ERR_NOMEM;
	(*out)->inf = 1;
	return 0;
}

void
group_acc_free(struct group_acc *a)
{
	free(a);
}

void
group_acc_reset(struct group_acc *a)
{
	memset(a, 0, sizeof(*a));
	a->inf = 1;
}

static void
acc_double(struct group_acc *a)
{
	uint64_t delta[4], gamma[4], beta[4], alpha[4], t[4], u[4];

	if (a->inf || fe_is_zero(a->y)) {
		a->inf = 1;
		return;
	}
	fe_sqr(delta, a->z);
	fe_sqr(gamma, a->y);
	fe_mul(beta, a->x, gamma);
	fe_sub(t, a->x, delta);
	fe_add(u, a->x, delta);
	fe_mul(alpha, t, u);
	fe_add(t, alpha, alpha);
	fe_add(alpha, alpha, t);		/* 3(x - d)(x + d) */
	/* z3 = (y + z)^2 - gamma - delta */
	fe_add(t, a->y, a->z);
	fe_sqr(t, t);
	fe_sub(t, t, gamma);
	fe_sub(a->z, t, delta);
	/* x3 = alpha^2 - 8 beta */
	fe_add(beta, beta, beta);
	fe_add(beta, beta, beta);		/* 4 beta */
	fe_sqr(t, alpha);
	fe_sub(t, t, beta);
	fe_sub(a->x, t, beta);
	/* y3 = alpha (4 beta - x3) - 8 gamma^2 */
	fe_sub(u, beta, a->x);
	fe_mul(u, alpha, u);
	fe_sqr(gamma, gamma);
	fe_add(gamma, gamma, gamma);
	fe_add(gamma, gamma, gamma);
	fe_add(gamma, gamma, gamma);
	fe_sub(a->y, u, gamma);
}

/* a += (x2, y2) affine, Montgomery form. */
static void
acc_add_affine(struct group_acc *a, const uint64_t x2[4], const uint64_t y2[4])
{
	uint64_t z1z1[4], u2[4], s2[4], h[4], hh[4], i4[4], j[4], r[4], v[4];
	uint64_t t[4];

	if (a->inf) {
		memcpy(a->x, x2, 32);
		memcpy(a->y, y2, 32);
		memcpy(a->z, fec.one, 32);
		a->inf = 0;
		return;
	}
	fe_sqr(z1z1, a->z);
	fe_mul(u2, x2, z1z1);
	fe_mul(s2, y2, a->z);
	fe_mul(s2, s2, z1z1);
	fe_sub(h, u2, a->x);
	fe_sub(r, s2, a->y);
	if (fe_is_zero(h)) {
		if (fe_is_zero(r))
			acc_double(a);		/* same point */
		else
			a->inf = 1;		/* opposite points */
		return;
	}
	fe_add(r, r, r);
	fe_sqr(hh, h);
	fe_add(i4, hh, hh);
	fe_add(i4, i4, i4);
	fe_mul(j, h, i4);
	fe_mul(v, a->x, i4);
	/* x3 = r^2 - j - 2v */
	fe_sqr(t, r);
	fe_sub(t, t, j);
	fe_sub(t, t, v);
	fe_sub(t, t, v);
	/* y3 = r (v - x3) - 2 y1 j */
	fe_sub(v, v, t);
	fe_mul(v, r, v);
	fe_mul(j, a->y, j);
	fe_add(j, j, j);
	fe_sub(a->y, v, j);
	memcpy(a->x, t, 32);
	/* z3 = (z1 + h)^2 - z1z1 - hh */
	fe_add(t, a->z, h);
	fe_sqr(t, t);
	fe_sub(t, t, z1z1);
	fe_sub(a->z, t, hh);
}

/* The identity is refused here (a ballot never holds it): ERR_RANGE
 * for the 65 zero bytes, ERR_FORMAT for any other bad prefix. */
static int
zero_or_format(const uint8_t *in)
{
	static const uint8_t zero[GROUP_POINT_LEN];

	return CRYPTO_memcmp(in, zero, sizeof(zero)) == 0 ? ERR_RANGE :
	    ERR_FORMAT;
}

/* Parses and validates one encoding into Montgomery affine (x, y). */
static int
acc_parse(const uint8_t *in, size_t len, uint64_t x[4], uint64_t y[4])
{
	uint64_t lhs[4], rhs[4], t[4];

	if (len < GROUP_POINT_LEN)
		return ERR_TRUNCATED;
	if (len > GROUP_POINT_LEN)
		return ERR_TRAILING_DATA;
	if (in[0] != 0x04)
		return zero_or_format(in);
	if (!less_be(in + 1, P_BE) || !less_be(in + 33, P_BE))
		return ERR_NOT_CANONICAL;
	load_be(x, in + 1);
	load_be(y, in + 33);
	fe_mul(x, x, fec.r2);
	fe_mul(y, y, fec.r2);
	/* y^2 = x^3 - 3x + b */
	fe_sqr(lhs, y);
	fe_sqr(rhs, x);
	fe_mul(rhs, rhs, x);
	fe_add(t, x, x);
	fe_add(t, t, x);
	fe_sub(rhs, rhs, t);
	fe_add(rhs, rhs, fec.b);
	if (!fe_eq(lhs, rhs))
		return ERR_VERIFY;
	return 0;
}

int
group_acc_add_encoded(struct group_acc *a, const uint8_t *in, size_t len)
{
	uint64_t x[4], y[4];
	int r;

	if ((r = acc_parse(in, len, x, y)) != 0)
		return r;
	acc_add_affine(a, x, y);
	return 0;
}

int
group_acc_add_encoded2(struct group_acc *a, const uint8_t *pa,
    struct group_acc *b, const uint8_t *pb)
{
	uint64_t xa[4], ya[4], xb[4], yb[4];
	int r;

	if ((r = acc_parse(pa, GROUP_POINT_LEN, xa, ya)) != 0 ||
	    (r = acc_parse(pb, GROUP_POINT_LEN, xb, yb)) != 0)
		return r;
	acc_add_affine(a, xa, ya);
	acc_add_affine(b, xb, yb);
	return 0;
}

int
group_acc_get(const struct group_acc *a, struct point *out)
{
	uint64_t zi[4], zi2[4], x[4], y[4], one[4] = { 1, 0, 0, 0 };
	uint8_t enc[GROUP_POINT_LEN];
	struct scalar sx, sy;
	int r;

	if (a->inf || fe_is_zero(a->z))
		return group_point_set_infinity(out);
	fe_inv(zi, a->z);
	fe_sqr(zi2, zi);
	fe_mul(x, a->x, zi2);
	fe_mul(zi2, zi2, zi);
	fe_mul(y, a->y, zi2);
	fe_mul(x, x, one);		/* leave Montgomery form */
	fe_mul(y, y, one);
	memcpy(sx.limb, x, 32);
	memcpy(sy.limb, y, 32);
	enc[0] = 0x04;
	group_scalar_encode(&sx, enc + 1);	/* plain 32-byte big-endian */
	group_scalar_encode(&sy, enc + 33);
	r = group_point_decode(out, enc, sizeof(enc), 0);
	return r == 0 ? 0 : ERR_INTERNAL;
}

/* ---- variable-time multi-scalar multiplication (verification) ------- */

/*
 * group_msm_vartime: Straus interleaving with width-w NAF digits on the field
 * code above, for public inputs only.  Steps:
 *  1. each point comes out of OpenSSL as Jacobian (X, Y, Z) and all are
 *     made affine with one shared inversion (Montgomery's trick);
 *  2. a scalar above n/2 is replaced by n - s and its point by -P, so no
 *     scalar exceeds 255 bits and the batch verifier's -z coefficients
 *     (commitments) become 128-bit;
 *  3. each point gets a table of its odd multiples P, 3P, ..., (2^(w-1)
 *     - 1)P: 2P is computed and made affine for all points at once,
 *     then the multiples are chained with mixed additions and made
 *     affine together (one more shared inversion);
 *  4. one accumulator runs from the top digit down: a doubling per
 *     digit position, a mixed addition of +-table[|d| / 2] per nonzero
 *     digit.
 * Every addition goes through acc_add_affine, which handles the
 * identity, equal points (doubling) and opposite points; so repeated
 * inputs, P and -P and cancellation to the identity are all exact.
 * Time depends on the scalars (digit positions, lengths) and on the
 * points: that is why it is for public data only.
 */

#define MSM_VT_CHUNK	1024	/* terms per pass (about 800 B each) */
#define MSM_WMAX	5	/* widest window */
#define MSM_TAB		(1 << (MSM_WMAX - 2))	/* odd multiples kept */
#define MSM_DIGITS	257	/* wNAF of a value < 2^256 */

struct msm_term {
	uint64_t k[4];			/* |scalar|, at most (n - 1) / 2 */
	uint64_t tab[MSM_TAB][2][4];	/* (2e + 1)P, affine Montgomery */
	int8_t digit[MSM_DIGITS];	/* wNAF, least significant first */
	int w;				/* window width, 4 or 5 */
	int len;			/* digits in use */
};

/* r = -a mod p. */
static void
fe_neg(uint64_t r[4], const uint64_t a[4])
{
	static const uint64_t zero[4];

	fe_sub(r, zero, a);
}

/* Bit length of k (0 for k = 0). */
static int
msm_bits(const uint64_t k[4])
{
	int i;

	for (i = 3; i >= 0; i--)
		if (k[i] != 0)
			return 64 * i + 64 - __builtin_clzll(k[i]);
	return 0;
}

/* The n <= 8 bits of k from bit position i up (0 beyond bit 255). */
static unsigned int
msm_bits_at(const uint64_t k[4], int i, int n)
{
	uint64_t v;
	int w = i >> 6, sh = i & 63;

	if (w > 3)
		return 0;
	v = k[w] >> sh;
	if (sh + n > 64 && w < 3)
		v |= k[w + 1] << (64 - sh);
	return (unsigned int)(v & ((1u << n) - 1));
}

/*
 * Width-w NAF of k < 2^255: digits odd and |d| < 2^(w-1), at least w-1
 * zeros after each nonzero digit.  Scans the bits without changing k:
 * a run of bits equal to the carry is skipped; otherwise the next w bits
 * plus the carry make an odd digit, taken negative (carry 1) when it is
 * 2^(w-1) or more.  Returns the number of digits (last nonzero + 1).
 */
static int
msm_wnaf(int8_t digit[MSM_DIGITS], const uint64_t k[4], int w)
{
	int bit = 0, carry = 0, len = 0, now, d;

	memset(digit, 0, MSM_DIGITS);
	while (bit < MSM_DIGITS) {
		if ((int)msm_bits_at(k, bit, 1) == carry) {
			bit++;
			continue;
		}
		now = MSM_DIGITS - bit < w ? MSM_DIGITS - bit : w;
		d = (int)msm_bits_at(k, bit, now) + carry;
		carry = (d >> (w - 1)) & 1;
		d -= carry << w;
		digit[bit] = (int8_t)d;
		len = bit + 1;
		bit += now;
	}
	REQUIRE(carry == 0);
	return len;
}

/* Makes m Jacobian points affine in place (z = 1) with one inversion.
 * None may be the identity.  pre is scratch of m entries. */
static int
msm_batch_affine(struct group_acc *v, size_t m, uint64_t (*pre)[4])
{
	uint64_t inv[4], zi[4], zi2[4];
	size_t i;

	if (m == 0)
		return 0;
	for (i = 0; i < m; i++) {
		if (v[i].inf || fe_is_zero(v[i].z))
			return ERR_INTERNAL;
		if (i == 0)
			memcpy(pre[0], v[0].z, 32);
		else
			fe_mul(pre[i], pre[i - 1], v[i].z);
	}
	fe_inv(inv, pre[m - 1]);
	for (i = m; i-- > 0;) {
		if (i > 0) {
			fe_mul(zi, inv, pre[i - 1]);
			fe_mul(inv, inv, v[i].z);
		} else
			memcpy(zi, inv, 32);
		fe_sqr(zi2, zi);
		fe_mul(v[i].x, v[i].x, zi2);
		fe_mul(zi2, zi2, zi);
		fe_mul(v[i].y, v[i].y, zi2);
		memcpy(v[i].z, fec.one, 32);
	}
	return 0;
}

/* Loads an OpenSSL point (not the identity) as Jacobian Montgomery. */
static int
msm_load(const EC_POINT *p, struct group_acc *out, BN_CTX *ctx, BIGNUM *bx,
    BIGNUM *by, BIGNUM *bz)
{
	uint8_t buf[32];

	if (EC_POINT_get_Jprojective_coordinates_GFp(grp(), p, bx, by, bz,
	    ctx) != 1 || BN_bn2binpad(bx, buf, 32) != 32)
		return ERR_CRYPTO;
	load_be(out->x, buf);
	if (BN_bn2binpad(by, buf, 32) != 32)
		return ERR_CRYPTO;
	load_be(out->y, buf);
	if (BN_bn2binpad(bz, buf, 32) != 32)
		return ERR_CRYPTO;
	load_be(out->z, buf);
	fe_mul(out->x, out->x, fec.r2);
	fe_mul(out->y, out->y, fec.r2);
	fe_mul(out->z, out->z, fec.r2);
	out->inf = 0;
	return 0;
}

/* r = g·G + sum s[i]·P[i] for n <= MSM_VT_CHUNK. */
static int
msm_chunk(struct point *r, const struct scalar *g, size_t n,
    const struct point *const *p, const struct scalar *s)
{
	struct msm_term *t = NULL;
	struct group_acc *jac = NULL, *dbl = NULL, acc;
	uint64_t (*pre)[4] = NULL, half[4], ny[4], d[4];
	BN_CTX *ctx = bnctx();
	BIGNUM *bx, *by, *bz;
	size_t m = 0, cnt, i, j;
	int rc = ERR_INTERNAL, e, top = 0, dg;

	if (ctx == NULL)
		return ERR_NOMEM;
	if ((t = calloc(n + 1, sizeof(*t))) == NULL ||
	    (dbl = calloc(n + 1, sizeof(*dbl))) == NULL ||
	    (jac = calloc((n + 1) * MSM_TAB, sizeof(*jac))) == NULL ||
	    (pre = calloc((n + 1) * MSM_TAB, sizeof(*pre))) == NULL) {
		free(t);
		free(dbl);
		free(jac);
		return ERR_NOMEM;
	}
	BN_CTX_start(ctx);
	bx = BN_CTX_get(ctx);
	by = BN_CTX_get(ctx);
	bz = BN_CTX_get(ctx);
	if (bz == NULL) {
		rc = ERR_NOMEM;
		goto out;
	}
	/* 1. the terms that contribute, loaded as Jacobian points */
	if (g != NULL && !group_scalar_is_zero(g)) {
		if ((rc = msm_load(gen, &jac[m], ctx, bx, by, bz)) != 0)
			goto out;
		memcpy(t[m++].k, g->limb, 32);
	}
	for (i = 0; i < n; i++) {
		if (group_scalar_is_zero(&s[i]) || group_point_is_infinity(p[i]))
			continue;
		if ((rc = msm_load(CEP(p[i]), &jac[m], ctx, bx, by, bz)) != 0)
			goto out;
		memcpy(t[m++].k, s[i].limb, 32);
	}
	if ((rc = msm_batch_affine(jac, m, pre)) != 0)
		goto out;
	/* 2. sign normalisation and digits; 3a. 2P for every term */
	for (i = 0; i < 4; i++)
		half[i] = (N[i] >> 1) | (i < 3 ? N[i + 1] << 63 : 0);
	for (j = 0; j < m; j++) {
		memcpy(t[j].tab[0][0], jac[j].x, 32);
		memcpy(t[j].tab[0][1], jac[j].y, 32);
		if (sub4(d, half, t[j].k) != 0) {	/* k > (n - 1) / 2 */
			(void)sub4(t[j].k, N, t[j].k);
			fe_neg(t[j].tab[0][1], t[j].tab[0][1]);
		}
		t[j].w = msm_bits(t[j].k) > 192 ? 5 : 4;
		t[j].len = msm_wnaf(t[j].digit, t[j].k, t[j].w);
		if (t[j].len > top)
			top = t[j].len;
		dbl[j] = jac[j];
		memcpy(dbl[j].y, t[j].tab[0][1], 32);
		acc_double(&dbl[j]);
	}
	if ((rc = msm_batch_affine(dbl, m, pre)) != 0)
		goto out;
	/* 3b. odd multiples (2e + 1)P = (2e - 1)P + 2P, then affine */
	cnt = 0;
	for (j = 0; j < m; j++) {
		memset(&acc, 0, sizeof(acc));
		memcpy(acc.x, t[j].tab[0][0], 32);
		memcpy(acc.y, t[j].tab[0][1], 32);
		memcpy(acc.z, fec.one, 32);
		for (e = 1; e < 1 << (t[j].w - 2); e++) {
			acc_add_affine(&acc, dbl[j].x, dbl[j].y);
			jac[cnt++] = acc;
		}
	}
	if ((rc = msm_batch_affine(jac, cnt, pre)) != 0)
		goto out;
	cnt = 0;
	for (j = 0; j < m; j++) {
		for (e = 1; e < 1 << (t[j].w - 2); e++, cnt++) {
			memcpy(t[j].tab[e][0], jac[cnt].x, 32);
			memcpy(t[j].tab[e][1], jac[cnt].y, 32);
		}
	}
	/* 4. interleaved double-and-add over the digits */
	memset(&acc, 0, sizeof(acc));
	acc.inf = 1;
	for (i = (size_t)top; i-- > 0;) {
		acc_double(&acc);
		for (j = 0; j < m; j++) {
			if ((dg = t[j].digit[i]) == 0)
				continue;
			if (dg > 0) {
				acc_add_affine(&acc, t[j].tab[dg >> 1][0],
				    t[j].tab[dg >> 1][1]);
			} else {
				fe_neg(ny, t[j].tab[(-dg) >> 1][1]);
				acc_add_affine(&acc, t[j].tab[(-dg) >> 1][0],
				    ny);
			}
		}
	}
	rc = group_acc_get(&acc, r);
out:
	BN_CTX_end(ctx);
	free(t);
	free(dbl);
	free(jac);
	free(pre);
	return rc;
}

int
group_msm_vartime(struct point *r, const struct scalar *g, size_t n,
    const struct point *const *p, const struct scalar *s)
{
	struct point *part = NULL;
	size_t done, m;
	int rc;

	(void)grp();
	fe_ensure_init();
	m = n < MSM_VT_CHUNK ? n : MSM_VT_CHUNK;
	if ((rc = msm_chunk(r, g, m, p, s)) != 0 || m == n)
		return rc;
	if ((part = group_point_new()) == NULL)
		return ERR_NOMEM;
	for (done = m; done < n; done += m) {
		m = n - done < MSM_VT_CHUNK ? n - done : MSM_VT_CHUNK;
		if ((rc = msm_chunk(part, NULL, m, p + done, s + done)) != 0 ||
		    (rc = group_point_add(r, r, part)) != 0)
			break;
	}
	group_point_free(part);
	return rc;
}

/*
 * group_msm runs the variable-time Straus code: with the BMI2/ADX field
 * product it takes about 0.55-0.6 of the time of nistz256's
 * constant-time EC_POINTs_mul on a contest's 66 points (measured side by
 * side, docs/PERFORMANCE.md).  On CPUs without BMI2/ADX the portable
 * field code is slower than EC_POINTs_mul, so there it stays on OpenSSL.
 */
int
group_msm(struct point *r, const struct scalar *g, size_t n,
    const struct point *const *p, const struct scalar *s)
{
	fe_ensure_init();
	if (fe_fast)
		return group_msm_vartime(r, g, n, p, s);
	return group_msm_openssl(r, g, n, p, s);
}
