/*
 * proof.c - Chaum-Pedersen family proofs and the batch verifier (see
 * proof.h; byte layouts in docs/PROTOCOL-crypto.md).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/err.h"
#include "core/limits.h"
#include "core/misuse.h"
#include "crypto/alloc_int.h"
#include "crypto/proof.h"
#include "crypto/proof_int.h"
#include "crypto/rand.h"

#define WEIGHT_LEN 16		/* 128-bit batch weights */
#define POOL_WEIGHTS 64

struct proof_batch {
	const struct elgamal_key *k;	/* for K terms; may be NULL */
	struct point **pts;		/* slot points (owned) */
	struct scalar *coef;		/* slot coefficients */
	size_t n;			/* slots in use */
	size_t cap;			/* slots allocated */
	struct scalar g;		/* coefficient of G */
	struct scalar kc;		/* coefficient of K */
	size_t eqs;			/* equations added */
	struct scalar z;		/* weight of the current equation */
	uint8_t pool[POOL_WEIGHTS * WEIGHT_LEN];	/* random weights */
	size_t pool_used;		/* weights taken from pool */
	struct hash_transcript *t;	/* reused transcript */
};

/* ---- the batch ------------------------------------------------------ */

int
proof_batch_new(struct proof_batch **out, const struct elgamal_key *k)
{
	struct proof_batch *b;
	int r;

	*out = NULL;
	if ((b = crypto_calloc(1, sizeof(*b))) == NULL)
		return ERR_NOMEM;
	b->k = k;
	b->pool_used = POOL_WEIGHTS;
	if ((r = hash_transcript_new(&b->t, HASH_TAG_PROOF01)) != 0) {
		free(b);
		return r;
	}
	*out = b;
	return 0;
}

void
proof_batch_free(struct proof_batch *b)
{
	if (b == NULL)
		return;
	group_points_free(b->pts, b->cap);
	free(b->coef);
	hash_transcript_free(b->t);
	free(b);
}

void
proof_batch_clear(struct proof_batch *b)
{
	b->n = 0;
	b->eqs = 0;
	group_scalar_zero(&b->g);
	group_scalar_zero(&b->kc);
}

size_t
proof_batch_equations(const struct proof_batch *b)
{
	return b->eqs;
}

void
proof_batch_mark(const struct proof_batch *b, struct proof_batch_mark *m)
{
	m->n = b->n;
	m->eqs = b->eqs;
	m->g = b->g;
	m->kc = b->kc;
}

void
proof_batch_rollback(struct proof_batch *b, const struct proof_batch_mark *m)
{
	/* slots >= m->n are forgotten (a new slot's coefficient starts at
	 * zero); the G and K coefficients and the count go back too */
	b->n = m->n;
	b->eqs = m->eqs;
	b->g = m->g;
	b->kc = m->kc;
}

/*
 * Makes room for `more` slots.  Invariant, also when it fails half-way:
 * b->coef and b->pts hold at least b->cap entries and exactly the first
 * b->cap points are allocated (the others are NULL), so a failure leaves
 * a batch that is smaller than asked but consistent.
 */
static int
batch_reserve(struct proof_batch *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 64, i;
	struct point **np;
	struct scalar *nc;

	if (more > SIZE_MAX / 2 - b->n)
		return ERR_NOMEM;
	if (b->n + more <= b->cap)
		return 0;
	while (cap < b->n + more)
		cap *= 2;
	if (cap > SIZE_MAX / sizeof(*nc))
		return ERR_NOMEM;
	if ((nc = crypto_realloc(b->coef, cap * sizeof(*nc))) == NULL)
		return ERR_NOMEM;
	b->coef = nc;
	if ((np = crypto_realloc(b->pts, cap * sizeof(*np))) == NULL)
		return ERR_NOMEM;
	b->pts = np;
	for (i = b->cap; i < cap; i++)
		np[i] = NULL;
	for (i = b->cap; i < cap; i++) {
		if ((np[i] = group_point_new()) == NULL) {
			b->cap = i;	/* keep what was allocated */
			return ERR_NOMEM;
		}
	}
	b->cap = cap;
	return 0;
}

int
proof_batch_slot_decode(struct proof_batch *b, const uint8_t *enc, size_t len,
    size_t *slot)
{
	int r;

	if ((r = batch_reserve(b, 1)) != 0)
		return r;
	if ((r = group_point_decode(b->pts[b->n], enc, len, 0)) != 0)
		return r;
	group_scalar_zero(&b->coef[b->n]);
	*slot = b->n++;
	return 0;
}

/* Starts an equation: draws its weight z. */
static int
eq_begin(struct proof_batch *b)
{
	const uint8_t *w;
	int r;

	if (b->pool_used == POOL_WEIGHTS) {
		if ((r = rand_os_bytes(b->pool, sizeof(b->pool))) != 0)
			return r;
		b->pool_used = 0;
	}
	w = b->pool + b->pool_used++ * WEIGHT_LEN;
	memset(&b->z, 0, sizeof(b->z));
	memcpy(&b->z.limb[0], w, 8);
	memcpy(&b->z.limb[1], w + 8, 8);
	b->eqs++;
	return 0;
}

/* acc += z·s */
static void
eq_acc(const struct proof_batch *b, struct scalar *acc, const struct scalar *s)
{
	struct scalar t;

	group_scalar_mul(&t, &b->z, s);
	group_scalar_add(acc, acc, &t);
}

static void
eq_term(struct proof_batch *b, size_t slot, const struct scalar *s)
{
	eq_acc(b, &b->coef[slot], s);
}

/* coef[slot] -= z (the commitment terms: coefficient -1). */
static void
eq_minus(struct proof_batch *b, size_t slot)
{
	group_scalar_sub(&b->coef[slot], &b->coef[slot], &b->z);
}

static void
eq_term_neg(struct proof_batch *b, size_t slot, const struct scalar *s)
{
	struct scalar t;

	group_scalar_mul(&t, &b->z, s);
	group_scalar_sub(&b->coef[slot], &b->coef[slot], &t);
}

int
proof_batch_check(struct proof_batch *b)
{
	const struct point **p = NULL;
	struct scalar *s = NULL;
	struct point *res = NULL;
	size_t n = b->n, i;
	int r = ERR_INTERNAL;

	if (b->eqs == 0) {
		proof_batch_clear(b);
		return 0;
	}
	if ((p = crypto_calloc(n + 1, sizeof(*p))) == NULL ||
	    (s = crypto_calloc(n + 1, sizeof(*s))) == NULL ||
	    (res = group_point_new()) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		p[i] = b->pts[i];
		s[i] = b->coef[i];
	}
	if (b->k != NULL && !group_scalar_is_zero(&b->kc)) {
		p[n] = elgamal_key_point(b->k);
		s[n] = b->kc;
		n++;
	}
	if ((r = group_msm(res, &b->g, n, (const struct point *const *)p,
	    s)) != 0)
		goto out;
	r = group_point_is_infinity(res) ? 0 : ERR_VERIFY;
out:
	proof_batch_clear(b);
	free(p);
	free(s);
	group_point_free(res);
	return r;
}

/* ---- helpers -------------------------------------------------------- */

/* out = mask ? b : a, n bytes, constant-time. */
static void
ct_select(uint8_t *out, const uint8_t *a, const uint8_t *bb, size_t n,
    uint64_t mask)
{
	uint8_t m = (uint8_t)mask;
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = (uint8_t)((a[i] & ~m) | (bb[i] & m));
}

static int
bind_put(struct hash_transcript *t, const struct proof_binding *bind,
    int with_option)
{
	int r;

	REQUIRE(bind->alias_len <= PROOF_ALIAS_MAX);
	REQUIRE(bind->alias != NULL || bind->alias_len == 0);
	if ((r = hash_put(t, bind->election, HASH_LEN)) != 0 ||
	    (r = hash_put(t, bind->alias, bind->alias_len)) != 0 ||
	    (r = hash_put_u32(t, bind->contest)) != 0)
		return r;
	if (with_option)
		r = hash_put_u32(t, bind->option);
	return r;
}

static int
scalar_at(struct scalar *s, const uint8_t *p)
{
	return group_scalar_decode(s, p);
}

/* ---- 0/1 proofs ------------------------------------------------------ */

/* Transcript of a 0/1 proof: the binding, K, the ciphertext and the
 * four commitments (a0 b0 a1 b1 as 260 consecutive bytes). */
static int
proof01_challenge(struct hash_transcript *t, const struct elgamal_key *k,
    const struct proof_binding *bind, const uint8_t *ct,
    const uint8_t *comm, struct scalar *c)
{
	int r, i;

	hash_transcript_reset(t, HASH_TAG_PROOF01);
	if ((r = bind_put(t, bind, 1)) != 0 ||
	    (r = hash_put_point(t, elgamal_key_encoded(k))) != 0 ||
	    (r = hash_put_point(t, ct)) != 0 ||
	    (r = hash_put_point(t, ct + GROUP_POINT_LEN)) != 0)
		return r;
	for (i = 0; i < 4; i++)
		if ((r = hash_put_point(t, comm + i * GROUP_POINT_LEN)) != 0)
			return r;
	hash_challenge(t, c);
	return 0;
}

/*
 * The prover in three steps so that contest_encrypt can encode the
 * points of all its selections in one batch (one field inversion):
 * proof01_points computes the 7 points of one selection, the caller
 * encodes them, proof01_finish places the encodings and computes the
 * challenge and the responses.
 */
void
proof01_state_wipe(struct proof01_state *st)
{
	OPENSSL_cleanse(st, sizeof(*st));
}

int
proof01_points(const struct elgamal_key *k, unsigned m,
    struct proof01_state *st, struct point *const P[PROOF01_POINTS],
    struct point *g)
{
	const struct group_base *kb = elgamal_key_base(k);
	struct scalar x;
	int rc;

	REQUIRE(m <= 1);
	memset(st, 0, sizeof(*st));
	st->mask = (uint64_t)0 - (uint64_t)m;
	if ((rc = group_scalar_random(&st->r)) != 0 ||
	    (rc = group_scalar_random(&st->u)) != 0 ||
	    (rc = group_scalar_random(&st->t)) != 0 ||
	    (rc = group_scalar_random(&st->cf)) != 0)
		goto out;
	/* s = m ? -cf : cf: the G term of the simulated branch's b */
	group_scalar_neg(&x, &st->cf);
	group_scalar_select(&x, &st->cf, &x, st->mask);
	if ((rc = group_point_set_generator(g)) != 0 ||
	    (rc = group_mul_g(P[0], &st->r)) != 0 ||		/* alpha */
	    (rc = group_base_mul(kb, P[1], &st->r)) != 0 ||	/* rK */
	    (rc = group_point_add(P[2], P[1], g)) != 0 ||	/* rK + G */
	    (rc = group_mul_g(P[3], &st->u)) != 0 ||		/* uG */
	    (rc = group_base_mul(kb, P[4], &st->u)) != 0 ||	/* uK */
	    (rc = group_mul_g(P[5], &st->t)) != 0 ||		/* tG */
	    (rc = group_base_mul(kb, P[6], &st->t)) != 0 ||	/* tK */
	    (rc = group_mul_g(g, &x)) != 0 ||			/* sG */
	    (rc = group_point_add(P[6], P[6], g)) != 0)		/* tK + sG */
		goto out;
	rc = 0;
out:
	group_scalar_wipe(&x);
	if (rc != 0)
		proof01_state_wipe(st);
	return rc;
}

int
proof01_finish(const struct elgamal_key *k, const struct proof_binding *bind,
    struct proof01_state *st, struct hash_transcript *t, const uint8_t *E,
    uint8_t *ct, uint8_t *proof)
{
	struct scalar c, creal, vreal, vsim, x;
	uint64_t mask = st->mask;
	int rc;

#define EI(i) (E + (i) * GROUP_POINT_LEN)
	memcpy(ct, EI(0), GROUP_POINT_LEN);
	ct_select(ct + GROUP_POINT_LEN, EI(1), EI(2), GROUP_POINT_LEN, mask);
	/* m = 0: (a0,b0) real = (uG,uK), (a1,b1) simulated; m = 1: swapped */
	ct_select(proof + 0 * GROUP_POINT_LEN, EI(3), EI(5), GROUP_POINT_LEN,
	    mask);
	ct_select(proof + 1 * GROUP_POINT_LEN, EI(4), EI(6), GROUP_POINT_LEN,
	    mask);
	ct_select(proof + 2 * GROUP_POINT_LEN, EI(5), EI(3), GROUP_POINT_LEN,
	    mask);
	ct_select(proof + 3 * GROUP_POINT_LEN, EI(6), EI(4), GROUP_POINT_LEN,
	    mask);
#undef EI
	if ((rc = proof01_challenge(t, k, bind, ct, proof, &c)) != 0)
		goto out;
	group_scalar_sub(&creal, &c, &st->cf);
	group_scalar_mul(&x, &creal, &st->r);
	group_scalar_add(&vreal, &st->u, &x);
	group_scalar_mul(&x, &st->cf, &st->r);
	group_scalar_add(&vsim, &st->t, &x);
	group_scalar_select(&x, &creal, &st->cf, mask);		/* c0 */
	group_scalar_encode(&x, proof + 4 * GROUP_POINT_LEN);
	group_scalar_select(&x, &vreal, &vsim, mask);		/* v0 */
	group_scalar_encode(&x, proof + 4 * GROUP_POINT_LEN + 32);
	group_scalar_select(&x, &vsim, &vreal, mask);		/* v1 */
	group_scalar_encode(&x, proof + 4 * GROUP_POINT_LEN + 64);
	rc = 0;
out:
	group_scalar_wipe(&creal);
	group_scalar_wipe(&vreal);
	group_scalar_wipe(&vsim);
	group_scalar_wipe(&x);
	return rc;
}

int
proof01_encrypt(const struct elgamal_key *k, const struct proof_binding *bind,
    unsigned m, struct scalar *r_out, uint8_t ct[ELGAMAL_CT_LEN],
    uint8_t proof[PROOF01_LEN])
{
	struct hash_transcript *t = NULL;
	struct point *P[PROOF01_POINTS] = { 0 }, *g = NULL;
	uint8_t E[PROOF01_POINTS * GROUP_POINT_LEN];
	struct proof01_state st;
	int rc = ERR_INTERNAL, i;

	group_scalar_zero(r_out);
	memset(&st, 0, sizeof(st));
	REQUIRE(m <= 1);
	for (i = 0; i < PROOF01_POINTS; i++)
		if ((P[i] = group_point_new()) == NULL) {
			rc = ERR_NOMEM;
			goto out;
		}
	if ((g = group_point_new()) == NULL ||
	    (rc = hash_transcript_new(&t, HASH_TAG_PROOF01)) != 0) {
		rc = rc ? rc : ERR_NOMEM;
		goto out;
	}
	if ((rc = proof01_points(k, m, &st, P, g)) != 0 ||
	    (rc = group_points_encode((const struct point *const *)P,
	    PROOF01_POINTS, E)) != 0 ||
	    (rc = proof01_finish(k, bind, &st, t, E, ct, proof)) != 0)
		goto out;
	*r_out = st.r;
	rc = 0;
out:
	if (rc != 0) {
		memset(ct, 0, ELGAMAL_CT_LEN);
		memset(proof, 0, PROOF01_LEN);
	}
	proof01_state_wipe(&st);
	OPENSSL_cleanse(E, sizeof(E));
	for (i = 0; i < PROOF01_POINTS; i++)
		group_point_free(P[i]);
	group_point_free(g);
	hash_transcript_free(t);
	return rc;
}

int
proof01_batch_add_slots(struct proof_batch *b, const struct proof_binding *bind,
    const uint8_t *ct, size_t sa, size_t sb, const uint8_t *proof, size_t len)
{
	struct proof_batch_mark mark;
	size_t s[4];
	struct scalar c, c0, c1, v0, v1;
	int r, i;

	proof_batch_mark(b, &mark);
	REQUIRE(b->k != NULL);
	if (len < PROOF01_LEN)
		return ERR_TRUNCATED;
	if (len > PROOF01_LEN)
		return ERR_TRAILING_DATA;
	for (i = 0; i < 4; i++)
		if ((r = proof_batch_slot_decode(b, proof + i * GROUP_POINT_LEN,
		    GROUP_POINT_LEN, &s[i])) != 0)
			goto fail;
	if ((r = scalar_at(&c0, proof + 4 * GROUP_POINT_LEN)) != 0 ||
	    (r = scalar_at(&v0, proof + 4 * GROUP_POINT_LEN + 32)) != 0 ||
	    (r = scalar_at(&v1, proof + 4 * GROUP_POINT_LEN + 64)) != 0)
		goto fail;
	if ((r = proof01_challenge(b->t, b->k, bind, ct, proof, &c)) != 0)
		goto fail;
	group_scalar_sub(&c1, &c, &c0);
	/* v0·G - a0 - c0·alpha = 0 */
	if ((r = eq_begin(b)) != 0)
		goto fail;
	eq_acc(b, &b->g, &v0);
	eq_minus(b, s[0]);
	eq_term_neg(b, sa, &c0);
	/* v0·K - b0 - c0·beta = 0 */
	if ((r = eq_begin(b)) != 0)
		goto fail;
	eq_acc(b, &b->kc, &v0);
	eq_minus(b, s[1]);
	eq_term_neg(b, sb, &c0);
	/* v1·G - a1 - c1·alpha = 0 */
	if ((r = eq_begin(b)) != 0)
		goto fail;
	eq_acc(b, &b->g, &v1);
	eq_minus(b, s[2]);
	eq_term_neg(b, sa, &c1);
	/* v1·K - b1 - c1·(beta - G) = 0 */
	if ((r = eq_begin(b)) != 0)
		goto fail;
	eq_acc(b, &b->kc, &v1);
	eq_minus(b, s[3]);
	eq_term_neg(b, sb, &c1);
	eq_acc(b, &b->g, &c1);
	return 0;
fail:
	/* undoes what this call added to slots >= mark and to G/K; the
	 * terms it put on sa and sb (slots of the caller) are undone by
	 * the caller's own rollback (proof01_batch_add, contest_add) */
	proof_batch_rollback(b, &mark);
	return r;
}

int
proof01_batch_add(struct proof_batch *b, const struct proof_binding *bind,
    const uint8_t *ct, size_t ct_len, const uint8_t *proof, size_t len)
{
	struct proof_batch_mark mark;
	size_t sa, sb;
	int r;

	proof_batch_mark(b, &mark);
	if (ct_len < ELGAMAL_CT_LEN)
		return ERR_TRUNCATED;
	if (ct_len > ELGAMAL_CT_LEN)
		return ERR_TRAILING_DATA;
	if ((r = proof_batch_slot_decode(b, ct, GROUP_POINT_LEN, &sa)) != 0 ||
	    (r = proof_batch_slot_decode(b, ct + GROUP_POINT_LEN,
	    GROUP_POINT_LEN, &sb)) != 0 ||
	    (r = proof01_batch_add_slots(b, bind, ct, sa, sb, proof, len)) != 0)
		proof_batch_rollback(b, &mark);
	return r;
}

int
proof01_verify(const struct elgamal_key *k, const struct proof_binding *bind,
    const uint8_t *ct, size_t ct_len, const uint8_t *proof, size_t len)
{
	struct proof_batch *b;
	int r;

	if ((r = proof_batch_new(&b, k)) != 0)
		return r;
	if ((r = proof01_batch_add(b, bind, ct, ct_len, proof, len)) == 0)
		r = proof_batch_check(b);
	proof_batch_free(b);
	return r;
}

/* ---- range proofs ---------------------------------------------------- */

size_t
proof_range_len(uint32_t min, uint32_t max)
{
	size_t L;

	REQUIRE(min <= max && max - min <= LIMIT_OPTIONS_MAX);
	L = (size_t)(max - min) + 1;
	return L * 2 * GROUP_POINT_LEN + (L - 1) * GROUP_SCALAR_LEN +
	    L * GROUP_SCALAR_LEN;
}

static int
range_challenge(struct hash_transcript *t, const struct elgamal_key *k,
    const struct proof_binding *bind, const uint8_t *cts, size_t n,
    uint32_t min, uint32_t max, const uint8_t *comm, struct scalar *c)
{
	size_t i, L = (size_t)(max - min) + 1;
	int r;

	hash_transcript_reset(t, HASH_TAG_RANGE);
	if ((r = bind_put(t, bind, 0)) != 0 ||
	    (r = hash_put_u32(t, min)) != 0 ||
	    (r = hash_put_u32(t, max)) != 0 ||
	    (r = hash_put_point(t, elgamal_key_encoded(k))) != 0 ||
	    (r = hash_put_u32(t, (uint32_t)n)) != 0)
		return r;
	for (i = 0; i < n; i++)
		if ((r = hash_put(t, cts + i * ELGAMAL_CT_LEN,
		    ELGAMAL_CT_LEN)) != 0)
			return r;
	for (i = 0; i < 2 * L; i++)
		if ((r = hash_put_point(t, comm + i * GROUP_POINT_LEN)) != 0)
			return r;
	hash_challenge(t, c);
	return 0;
}

int
proof_range_prove(const struct elgamal_key *k, const struct proof_binding *bind,
    const uint8_t *cts, size_t n, uint32_t min, uint32_t max,
    const struct scalar *R, uint64_t S, uint8_t *out, size_t out_len)
{
	const struct group_base *kb = elgamal_key_base(k);
	size_t L, i;
	struct point **P = NULL, *w = NULL, *H = NULL;
	struct scalar *tj = NULL, *cj = NULL, sS, jv, x, c, sum, creal, rho;
	struct hash_transcript *t = NULL;
	uint8_t *E = NULL, wide[GROUP_WIDE_LEN];
	int rc = ERR_INTERNAL;

	REQUIRE(n >= 1 && n <= LIMIT_OPTIONS_MAX);
	L = (size_t)(max - min) + 1;
	REQUIRE(out_len == proof_range_len(min, max));
	memset(out, 0, out_len);
	if (S < min || S > max)
		return ERR_RANGE;
	group_scalar_zero(&rho);
	group_scalar_zero(&sum);
	group_scalar_zero(&x);
	group_scalar_zero(&creal);
	if ((P = group_points_new(2 * L)) == NULL ||
	    (w = group_point_new()) == NULL || (H = group_point_new()) == NULL ||
	    (tj = calloc(L, sizeof(*tj))) == NULL ||
	    (cj = calloc(L, sizeof(*cj))) == NULL ||
	    (E = malloc(2 * L * GROUP_POINT_LEN)) == NULL ||
	    (rc = hash_transcript_new(&t, HASH_TAG_RANGE)) != 0) {
		rc = rc ? rc : ERR_NOMEM;
		goto out;
	}
	group_scalar_set_u64(&sS, S);
	/*
	 * Every branch j (value jv): a_j = t_j·G, b_j = t_j·K + c_j(jv-S)·G,
	 * computed as t_j·K + (c_j(jv-S) + rho)·G - H with H = rho·G for
	 * one random rho per proof.  Without rho the real branch (jv = S)
	 * would multiply G by the public scalar 1 (an affine result, a
	 * shorter addition, a one-word BIGNUM): a timing signal that gives
	 * away S.  With it every branch multiplies G by a uniform scalar and
	 * subtracts the same H, and no addition meets the identity except
	 * with negligible probability.  The real branch's c_j is replaced
	 * after hashing; its G term is 0 anyway.  b_j does not depend on
	 * rho, so the proof is unchanged; rho comes from the OS DRBG
	 * (rand_os_bytes), never the test hook, so the known-answer vectors
	 * see the same draws as before.
	 */
	do {
		if ((rc = rand_os_bytes(wide, sizeof(wide))) != 0)
			goto out;
		group_scalar_from_wide(&rho, wide);
	} while (group_scalar_is_zero(&rho));
	if ((rc = group_mul_g(H, &rho)) != 0)
		goto out;
	for (i = 0; i < L; i++) {
		if ((rc = group_scalar_random(&tj[i])) != 0 ||
		    (rc = group_scalar_random(&cj[i])) != 0)
			goto out;
		group_scalar_set_u64(&jv, (uint64_t)min + i);
		group_scalar_sub(&x, &jv, &sS);
		group_scalar_mul(&x, &x, &cj[i]);
		group_scalar_add(&x, &x, &rho);
		if ((rc = group_mul_g(P[2 * i], &tj[i])) != 0 ||
		    (rc = group_base_mul(kb, P[2 * i + 1], &tj[i])) != 0 ||
		    (rc = group_mul_g(w, &x)) != 0 ||
		    (rc = group_point_add(P[2 * i + 1], P[2 * i + 1], w)) != 0 ||
		    (rc = group_point_sub(P[2 * i + 1], P[2 * i + 1], H)) != 0)
			goto out;
	}
	if ((rc = group_points_encode((const struct point *const *)P, 2 * L,
	    E)) != 0)
		goto out;
	if ((rc = range_challenge(t, k, bind, cts, n, min, max, E, &c)) != 0)
		goto out;
	/* c_real = c - (sum of the others) */
	group_scalar_zero(&sum);
	for (i = 0; i < L; i++)
		group_scalar_add(&sum, &sum, &cj[i]);
	for (i = 0; i < L; i++) {
		uint64_t d = ((uint64_t)min + i) ^ S;
		uint64_t is_real = ((d | ((uint64_t)0 - d)) >> 63) ^ 1;

		/* creal = c - (sum - c_i), used only where i is real */
		group_scalar_sub(&creal, &sum, &cj[i]);
		group_scalar_sub(&creal, &c, &creal);
		group_scalar_select(&cj[i], &cj[i], &creal,
		    (uint64_t)0 - is_real);
	}
	memcpy(out, E, 2 * L * GROUP_POINT_LEN);
	for (i = 0; i + 1 < L; i++)
		group_scalar_encode(&cj[i], out + 2 * L * GROUP_POINT_LEN +
		    i * GROUP_SCALAR_LEN);
	for (i = 0; i < L; i++) {
		group_scalar_mul(&x, &cj[i], R);
		group_scalar_add(&x, &x, &tj[i]);
		group_scalar_encode(&x, out + 2 * L * GROUP_POINT_LEN +
		    (L - 1) * GROUP_SCALAR_LEN + i * GROUP_SCALAR_LEN);
	}
	rc = 0;
out:
	if (rc != 0)
		memset(out, 0, out_len);
	if (tj != NULL)
		for (i = 0; i < L; i++)
			group_scalar_wipe(&tj[i]);
	if (cj != NULL)
		for (i = 0; i < L; i++)
			group_scalar_wipe(&cj[i]);
	group_scalar_wipe(&sS);
	group_scalar_wipe(&x);
	group_scalar_wipe(&creal);
	group_scalar_wipe(&sum);
	group_scalar_wipe(&rho);
	OPENSSL_cleanse(wide, sizeof(wide));
	free(tj);
	free(cj);
	free(E);
	group_points_free(P, 2 * L);
	group_point_free(w);
	group_point_free(H);
	hash_transcript_free(t);
	return rc;
}

int
proof_range_batch_add_slots(struct proof_batch *b,
    const struct proof_binding *bind, const uint8_t *cts, size_t n,
    const size_t *sa, const size_t *sb, uint32_t min, uint32_t max,
    const uint8_t *proof, size_t len)
{
	struct proof_batch_mark mark;
	size_t L, i, want, *sl = NULL;
	struct scalar c, csum, cl, ca, cb, x, v, jv, *cj = NULL;
	const uint8_t *cs, *vs;
	int r = ERR_INTERNAL;

	proof_batch_mark(b, &mark);
	REQUIRE(b->k != NULL);
	if (min > max || max - min > LIMIT_OPTIONS_MAX)
		return ERR_RANGE;
	want = proof_range_len(min, max);
	if (len < want)
		return ERR_TRUNCATED;
	if (len > want)
		return ERR_TRAILING_DATA;
	L = (size_t)(max - min) + 1;
	cs = proof + 2 * L * GROUP_POINT_LEN;
	vs = cs + (L - 1) * GROUP_SCALAR_LEN;
	if ((sl = crypto_calloc(2 * L, sizeof(*sl))) == NULL ||
	    (cj = crypto_calloc(L, sizeof(*cj))) == NULL) {
		r = ERR_NOMEM;
		goto fail;
	}
	for (i = 0; i < 2 * L; i++)
		if ((r = proof_batch_slot_decode(b, proof + i * GROUP_POINT_LEN,
		    GROUP_POINT_LEN, &sl[i])) != 0)
			goto fail;
	group_scalar_zero(&csum);
	for (i = 0; i + 1 < L; i++) {
		if ((r = scalar_at(&cj[i], cs + i * GROUP_SCALAR_LEN)) != 0)
			goto fail;
		group_scalar_add(&csum, &csum, &cj[i]);
	}
	for (i = 0; i < L; i++)
		if ((r = scalar_at(&x, vs + i * GROUP_SCALAR_LEN)) != 0)
			goto fail;
	if ((r = range_challenge(b->t, b->k, bind, cts, n, min, max, proof,
	    &c)) != 0)
		goto fail;
	group_scalar_sub(&cl, &c, &csum);
	cj[L - 1] = cl;
	/*
	 * Branch j: v_j·G - a_j - c_j·sum(alpha) = 0 and
	 * v_j·K - b_j - c_j·sum(beta) + c_j·jv·G = 0.  The alpha and beta
	 * coefficients are the same for every ciphertext: accumulate them.
	 */
	group_scalar_zero(&ca);
	group_scalar_zero(&cb);
	for (i = 0; i < L; i++) {
		(void)scalar_at(&v, vs + i * GROUP_SCALAR_LEN);
		if ((r = eq_begin(b)) != 0)
			goto fail;
		eq_acc(b, &b->g, &v);
		eq_minus(b, sl[2 * i]);
		eq_acc(b, &ca, &cj[i]);
		if ((r = eq_begin(b)) != 0)
			goto fail;
		eq_acc(b, &b->kc, &v);
		eq_minus(b, sl[2 * i + 1]);
		eq_acc(b, &cb, &cj[i]);
		group_scalar_set_u64(&jv, (uint64_t)min + i);
		group_scalar_mul(&x, &cj[i], &jv);
		eq_acc(b, &b->g, &x);
	}
	for (i = 0; i < n; i++) {
		group_scalar_sub(&b->coef[sa[i]], &b->coef[sa[i]], &ca);
		group_scalar_sub(&b->coef[sb[i]], &b->coef[sb[i]], &cb);
	}
	free(sl);
	free(cj);
	return 0;
fail:
	proof_batch_rollback(b, &mark);
	free(sl);
	free(cj);
	return r;
}

int
proof_range_batch_add(struct proof_batch *b, const struct proof_binding *bind,
    const uint8_t *cts, size_t n, uint32_t min, uint32_t max,
    const uint8_t *proof, size_t len)
{
	struct proof_batch_mark mark;
	size_t *sa = NULL, *sb = NULL, i;
	int r = ERR_INTERNAL;

	proof_batch_mark(b, &mark);
	if (n < 1 || n > LIMIT_OPTIONS_MAX)
		return ERR_RANGE;
	if ((sa = crypto_calloc(n, sizeof(*sa))) == NULL ||
	    (sb = crypto_calloc(n, sizeof(*sb))) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < n; i++)
		if ((r = proof_batch_slot_decode(b, cts + i * ELGAMAL_CT_LEN,
		    GROUP_POINT_LEN, &sa[i])) != 0 ||
		    (r = proof_batch_slot_decode(b, cts + i * ELGAMAL_CT_LEN +
		    GROUP_POINT_LEN, GROUP_POINT_LEN, &sb[i])) != 0)
			goto out;
	r = proof_range_batch_add_slots(b, bind, cts, n, sa, sb, min, max,
	    proof, len);
out:
	if (r != 0)
		proof_batch_rollback(b, &mark);
	free(sa);
	free(sb);
	return r;
}

int
proof_range_verify(const struct elgamal_key *k, const struct proof_binding *bind,
    const uint8_t *cts, size_t n, uint32_t min, uint32_t max,
    const uint8_t *proof, size_t len)
{
	struct proof_batch *b;
	int r;

	if ((r = proof_batch_new(&b, k)) != 0)
		return r;
	if ((r = proof_range_batch_add(b, bind, cts, n, min, max, proof,
	    len)) == 0)
		r = proof_batch_check(b);
	proof_batch_free(b);
	return r;
}

/* ---- Schnorr --------------------------------------------------------- */

static int
schnorr_challenge(struct hash_transcript *t, const uint8_t context[HASH_LEN],
    const uint8_t *label, size_t label_len, const uint8_t *X,
    const uint8_t *h, struct scalar *c)
{
	int r;

	REQUIRE(label_len <= 256);
	hash_transcript_reset(t, HASH_TAG_SCHNORR);
	if ((r = hash_put(t, context, HASH_LEN)) != 0 ||
	    (r = hash_put(t, label, label_len)) != 0 ||
	    (r = hash_put_point(t, X)) != 0 ||
	    (r = hash_put_point(t, h)) != 0)
		return r;
	hash_challenge(t, c);
	return 0;
}

int
proof_schnorr_prove(const uint8_t context[HASH_LEN], const uint8_t *label,
    size_t label_len, const struct scalar *x, const uint8_t X[GROUP_POINT_LEN],
    uint8_t out[PROOF_SCHNORR_LEN])
{
	struct hash_transcript *t = NULL;
	struct point *h = NULL;
	struct scalar u, c, v;
	int r = ERR_INTERNAL;

	memset(out, 0, PROOF_SCHNORR_LEN);
	group_scalar_zero(&u);
	if ((h = group_point_new()) == NULL ||
	    (r = hash_transcript_new(&t, HASH_TAG_SCHNORR)) != 0) {
		r = r ? r : ERR_NOMEM;
		goto out;
	}
	if ((r = group_scalar_random(&u)) != 0 ||
	    (r = group_mul_g(h, &u)) != 0 ||
	    (r = group_point_encode(h, out, 0)) != 0 ||
	    (r = schnorr_challenge(t, context, label, label_len, X, out,
	    &c)) != 0)
		goto out;
	group_scalar_mul(&v, &c, x);
	group_scalar_add(&v, &v, &u);
	group_scalar_encode(&v, out + GROUP_POINT_LEN);
	r = 0;
out:
	if (r != 0)
		memset(out, 0, PROOF_SCHNORR_LEN);
	group_scalar_wipe(&u);
	group_scalar_wipe(&v);
	group_point_free(h);
	hash_transcript_free(t);
	return r;
}

int
proof_schnorr_batch_add(struct proof_batch *b, const uint8_t context[HASH_LEN],
    const uint8_t *label, size_t label_len, const uint8_t *X, size_t X_len,
    const uint8_t *proof, size_t len)
{
	struct proof_batch_mark mark;
	size_t sx, sh;
	struct scalar c, v;
	int r;

	proof_batch_mark(b, &mark);
	if (len < PROOF_SCHNORR_LEN)
		return ERR_TRUNCATED;
	if (len > PROOF_SCHNORR_LEN)
		return ERR_TRAILING_DATA;
	if ((r = proof_batch_slot_decode(b, X, X_len, &sx)) != 0 ||
	    (r = proof_batch_slot_decode(b, proof, GROUP_POINT_LEN, &sh)) != 0 ||
	    (r = scalar_at(&v, proof + GROUP_POINT_LEN)) != 0 ||
	    (r = schnorr_challenge(b->t, context, label, label_len, X, proof,
	    &c)) != 0 ||
	    (r = eq_begin(b)) != 0)
		goto fail;
	/* v·G - h - c·X = 0 */
	eq_acc(b, &b->g, &v);
	eq_minus(b, sh);
	eq_term_neg(b, sx, &c);
	return 0;
fail:
	proof_batch_rollback(b, &mark);
	return r;
}

int
proof_schnorr_verify(const uint8_t context[HASH_LEN], const uint8_t *label,
    size_t label_len, const uint8_t *X, size_t X_len, const uint8_t *proof,
    size_t len)
{
	struct proof_batch *b;
	int r;

	if ((r = proof_batch_new(&b, NULL)) != 0)
		return r;
	if ((r = proof_schnorr_batch_add(b, context, label, label_len, X, X_len,
	    proof, len)) == 0)
		r = proof_batch_check(b);
	proof_batch_free(b);
	return r;
}

/* ---- Chaum-Pedersen equality of logarithms ---------------------------- */

static int
dleq_challenge(struct hash_transcript *t, const char *tag,
    const uint8_t context[HASH_LEN], const uint8_t *label, size_t label_len,
    const uint8_t *P, const uint8_t *A, const uint8_t *M, const uint8_t *ab,
    struct scalar *c)
{
	int r;

	REQUIRE(label_len <= 256);
	hash_transcript_reset(t, tag);
	if ((r = hash_put(t, context, HASH_LEN)) != 0 ||
	    (r = hash_put(t, label, label_len)) != 0 ||
	    (r = hash_put_point(t, P)) != 0 ||
	    (r = hash_put_point(t, A)) != 0 ||
	    (r = hash_put_point(t, M)) != 0 ||
	    (r = hash_put_point(t, ab)) != 0 ||
	    (r = hash_put_point(t, ab + GROUP_POINT_LEN)) != 0)
		return r;
	hash_challenge(t, c);
	return 0;
}

int
proof_dleq_prove(const char *tag, const uint8_t context[HASH_LEN],
    const uint8_t *label, size_t label_len, const struct scalar *s,
    const uint8_t P[GROUP_POINT_LEN], const uint8_t A[GROUP_POINT_LEN],
    const uint8_t M[GROUP_POINT_LEN], uint8_t out[PROOF_DLEQ_LEN])
{
	struct hash_transcript *t = NULL;
	struct point *a = NULL, *pa = NULL;
	struct scalar u, c, v;
	int r = ERR_INTERNAL;

	memset(out, 0, PROOF_DLEQ_LEN);
	group_scalar_zero(&u);
	if ((a = group_point_new()) == NULL ||
	    (pa = group_point_new()) == NULL ||
	    (r = hash_transcript_new(&t, tag)) != 0) {
		r = r ? r : ERR_NOMEM;
		goto out;
	}
	if ((r = group_point_decode(pa, A, GROUP_POINT_LEN, 0)) != 0 ||
	    (r = group_scalar_random(&u)) != 0 ||
	    (r = group_mul_g(a, &u)) != 0 ||
	    (r = group_point_encode(a, out, 0)) != 0 ||
	    (r = group_mul(a, &u, pa)) != 0 ||
	    (r = group_point_encode(a, out + GROUP_POINT_LEN, 0)) != 0 ||
	    (r = dleq_challenge(t, tag, context, label, label_len, P, A, M, out,
	    &c)) != 0)
		goto out;
	group_scalar_mul(&v, &c, s);
	group_scalar_add(&v, &v, &u);
	group_scalar_encode(&v, out + 2 * GROUP_POINT_LEN);
	r = 0;
out:
	if (r != 0)
		memset(out, 0, PROOF_DLEQ_LEN);
	group_scalar_wipe(&u);
	group_scalar_wipe(&v);
	group_point_free(a);
	group_point_free(pa);
	hash_transcript_free(t);
	return r;
}

int
proof_dleq_batch_add(struct proof_batch *b, const char *tag,
    const uint8_t context[HASH_LEN], const uint8_t *label, size_t label_len,
    const uint8_t P[GROUP_POINT_LEN], const uint8_t A[GROUP_POINT_LEN],
    const uint8_t M[GROUP_POINT_LEN], const uint8_t *proof, size_t len)
{
	struct proof_batch_mark mark;
	size_t sp, sA, sM, sa, sb;
	struct scalar c, v;
	int r;

	proof_batch_mark(b, &mark);
	if (len < PROOF_DLEQ_LEN)
		return ERR_TRUNCATED;
	if (len > PROOF_DLEQ_LEN)
		return ERR_TRAILING_DATA;
	if ((r = proof_batch_slot_decode(b, P, GROUP_POINT_LEN, &sp)) != 0 ||
	    (r = proof_batch_slot_decode(b, A, GROUP_POINT_LEN, &sA)) != 0 ||
	    (r = proof_batch_slot_decode(b, M, GROUP_POINT_LEN, &sM)) != 0 ||
	    (r = proof_batch_slot_decode(b, proof, GROUP_POINT_LEN, &sa)) != 0 ||
	    (r = proof_batch_slot_decode(b, proof + GROUP_POINT_LEN,
	    GROUP_POINT_LEN, &sb)) != 0 ||
	    (r = scalar_at(&v, proof + 2 * GROUP_POINT_LEN)) != 0 ||
	    (r = dleq_challenge(b->t, tag, context, label, label_len, P, A, M,
	    proof, &c)) != 0)
		goto fail;
	/* v·G - a - c·P = 0 */
	if ((r = eq_begin(b)) != 0)
		goto fail;
	eq_acc(b, &b->g, &v);
	eq_minus(b, sa);
	eq_term_neg(b, sp, &c);
	/* v·A - b - c·M = 0 */
	if ((r = eq_begin(b)) != 0)
		goto fail;
	eq_term(b, sA, &v);
	eq_minus(b, sb);
	eq_term_neg(b, sM, &c);
	return 0;
fail:
	proof_batch_rollback(b, &mark);
	return r;
}

int
proof_dleq_verify(const char *tag, const uint8_t context[HASH_LEN],
    const uint8_t *label, size_t label_len, const uint8_t P[GROUP_POINT_LEN],
    const uint8_t A[GROUP_POINT_LEN], const uint8_t M[GROUP_POINT_LEN],
    const uint8_t *proof, size_t len)
{
	struct proof_batch *b;
	int r;

	if ((r = proof_batch_new(&b, NULL)) != 0)
		return r;
	if ((r = proof_dleq_batch_add(b, tag, context, label, label_len, P, A,
	    M, proof, len)) == 0)
		r = proof_batch_check(b);
	proof_batch_free(b);
	return r;
}
