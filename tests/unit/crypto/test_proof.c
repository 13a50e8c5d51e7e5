/*
 * test_proof.c - every proof: honest proofs verify; every field
 * perturbed, every binding changed, every misplaced proof fails; false
 * statements cannot be proven.
 */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "crypto/elgamal.h"
#include "crypto/group.h"
#include "crypto/hash.h"
#include "crypto/proof.h"
#include "crypto/rand.h"
#include "tests/harness/mutate.h"
#include "tests/harness/test.h"

static const uint8_t N_BE[32] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
	0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51
};

static struct elgamal_key *
pkey(struct scalar *sk)
{
	struct point *k = group_point_new();
	struct elgamal_key *key = NULL;

	if (k == NULL || group_scalar_random(sk) != 0 ||
	    group_mul_g(k, sk) != 0 || elgamal_key_new(&key, k) != 0)
		key = NULL;
	group_point_free(k);
	return key;
}

static void
bind_init(struct proof_binding *b, const char *alias)
{
	memset(b, 0, sizeof(*b));
	memset(b->election, 0xe1, sizeof(b->election));
	b->alias = (const uint8_t *)alias;
	b->alias_len = strlen(alias);
	b->contest = 2;
	b->option = 5;
}

/* G's encoding: a valid point that is wrong in any proof slot. */
static void
g_enc(uint8_t out[65])
{
	struct point *g = group_point_new();

	if (g == NULL || group_point_set_generator(g) != 0 ||
	    group_point_encode(g, out, 0) != 0)
		memset(out, 0, 65);
	group_point_free(g);
}

/* scalar field += 1 (mod n) in place */
static void
scalar_bump(uint8_t *p)
{
	struct scalar s, one;

	if (group_scalar_decode(&s, p) != 0)
		return;
	group_scalar_set_u64(&one, 1);
	group_scalar_add(&s, &s, &one);
	group_scalar_encode(&s, p);
}

struct p01 {
	const struct elgamal_key *k;
	const struct proof_binding *b;
	const uint8_t *ct;
};

static int
accept_p01(const uint8_t *p, size_t len, void *ctx)
{
	struct p01 *c = ctx;

	return proof01_verify(c->k, c->b, c->ct, ELGAMAL_CT_LEN, p, len);
}

TEST(proof01_honest_and_every_field_perturbed)
{
	struct scalar sk, r;
	struct elgamal_key *key = pkey(&sk);
	struct proof_binding b, b2;
	uint8_t ct[130], pr[PROOF01_LEN], bad[PROOF01_LEN], g[65];
	unsigned m;
	int i;

	ASSERT_NOT_NULL(key);
	g_enc(g);
	bind_init(&b, "alias-A");
	for (m = 0; m <= 1; m++) {
		ASSERT_OK(proof01_encrypt(key, &b, m, &r, ct, pr));
		ASSERT_OK(proof01_verify(key, &b, ct, 130, pr, PROOF01_LEN));
		/* each commitment replaced by another valid point */
		for (i = 0; i < 4; i++) {
			memcpy(bad, pr, sizeof(bad));
			memcpy(bad + 65 * i, g, 65);
			ASSERT_ERR(proof01_verify(key, &b, ct, 130, bad,
			    PROOF01_LEN), ERR_VERIFY);
		}
		/* each scalar moved by one; each set to n */
		for (i = 0; i < 3; i++) {
			memcpy(bad, pr, sizeof(bad));
			scalar_bump(bad + 260 + 32 * i);
			ASSERT_ERR(proof01_verify(key, &b, ct, 130, bad,
			    PROOF01_LEN), ERR_VERIFY);
			memcpy(bad + 260 + 32 * i, N_BE, 32);
			ASSERT_ERR(proof01_verify(key, &b, ct, 130, bad,
			    PROOF01_LEN), ERR_RANGE);
		}
		/* each ciphertext point replaced */
		for (i = 0; i < 2; i++) {
			uint8_t c2[130];

			memcpy(c2, ct, 130);
			memcpy(c2 + 65 * i, g, 65);
			ASSERT_ERR(proof01_verify(key, &b, c2, 130, pr,
			    PROOF01_LEN), ERR_VERIFY);
		}
		/* every binding */
		b2 = b;
		b2.election[31] ^= 1;
		ASSERT_ERR(proof01_verify(key, &b2, ct, 130, pr, PROOF01_LEN),
		    ERR_VERIFY);
		b2 = b;
		b2.alias = (const uint8_t *)"alias-B";
		ASSERT_ERR(proof01_verify(key, &b2, ct, 130, pr, PROOF01_LEN),
		    ERR_VERIFY);
		b2 = b;
		b2.alias_len--;
		ASSERT_ERR(proof01_verify(key, &b2, ct, 130, pr, PROOF01_LEN),
		    ERR_VERIFY);
		b2 = b;
		b2.contest++;
		ASSERT_ERR(proof01_verify(key, &b2, ct, 130, pr, PROOF01_LEN),
		    ERR_VERIFY);
		b2 = b;
		b2.option++;
		ASSERT_ERR(proof01_verify(key, &b2, ct, 130, pr, PROOF01_LEN),
		    ERR_VERIFY);
		/* the tag: the same bytes are not a range proof [0,1] */
		ASSERT_INT_EQ(proof_range_len(0, 1), PROOF01_LEN);
		ASSERT_ERR(proof_range_verify(key, &b, ct, 1, 0, 1, pr,
		    PROOF01_LEN), ERR_VERIFY);
		/* another key */
		{
			struct scalar sk2;
			struct elgamal_key *k2 = pkey(&sk2);

			ASSERT_ERR(proof01_verify(k2, &b, ct, 130, pr,
			    PROOF01_LEN), ERR_VERIFY);
			elgamal_key_free(k2);
		}
	}
	/* lengths */
	ASSERT_ERR(proof01_verify(key, &b, ct, 130, pr, PROOF01_LEN - 1),
	    ERR_TRUNCATED);
	ASSERT_ERR(proof01_verify(key, &b, ct, 129, pr, PROOF01_LEN),
	    ERR_TRUNCATED);
	ASSERT_ERR(proof01_verify(key, &b, ct, 131, pr, PROOF01_LEN),
	    ERR_TRAILING_DATA);
	group_scalar_wipe(&r);
	elgamal_key_free(key);
}

TEST(proof01_moved_to_another_ciphertext_election_or_voter_fails)
{
	struct scalar sk, r;
	struct elgamal_key *key = pkey(&sk);
	struct proof_binding b, b2;
	uint8_t ct[130], pr[PROOF01_LEN], ct2[130], pr2[PROOF01_LEN];

	bind_init(&b, "voter-1");
	ASSERT_OK(proof01_encrypt(key, &b, 1, &r, ct, pr));
	ASSERT_OK(proof01_encrypt(key, &b, 1, &r, ct2, pr2));
	ASSERT_ERR(proof01_verify(key, &b, ct2, 130, pr, PROOF01_LEN),
	    ERR_VERIFY);
	ASSERT_ERR(proof01_verify(key, &b, ct, 130, pr2, PROOF01_LEN),
	    ERR_VERIFY);
	b2 = b;
	b2.alias = (const uint8_t *)"voter-2";
	ASSERT_ERR(proof01_verify(key, &b2, ct, 130, pr, PROOF01_LEN),
	    ERR_VERIFY);
	b2 = b;
	memset(b2.election, 0xe2, sizeof(b2.election));
	ASSERT_ERR(proof01_verify(key, &b2, ct, 130, pr, PROOF01_LEN),
	    ERR_VERIFY);
	elgamal_key_free(key);
}

TEST(proof01_mutation_sweep)
{
	struct scalar sk, r;
	struct elgamal_key *key = pkey(&sk);
	struct proof_binding b;
	uint8_t ct[130], pr[PROOF01_LEN];
	struct p01 c;

	bind_init(&b, "sweep");
	ASSERT_OK(proof01_encrypt(key, &b, 0, &r, ct, pr));
	c.k = key;
	c.b = &b;
	c.ct = ct;
	ASSERT_MUTANTS_REJECTED(pr, PROOF01_LEN, MUTATE_ALL, accept_p01, &c);
	elgamal_key_free(key);
}

/*
 * A prover that ignores the rules: runs the honest algorithm for a
 * ciphertext of 2, taking branch 1 as "real".  Built from the public
 * group and transcript API exactly as docs/PROTOCOL-crypto.md describes
 * the 0/1 proof, so it also pins down the documented layout (the same
 * code with m = 1 must verify).
 */
static void
cheat01(const struct elgamal_key *k, const struct proof_binding *b,
    uint64_t m, uint8_t ct[130], uint8_t pr[PROOF01_LEN])
{
	struct scalar r, u, t, c0, c, c1, v0, v1, x;
	struct point *P = group_point_new(), *Q = group_point_new();
	struct hash_transcript *h;
	int i;

	if (group_scalar_random(&r) || group_scalar_random(&u) ||
	    group_scalar_random(&t) || group_scalar_random(&c0))
		goto out;
	/* ct = (rG, mG + rK) */
	group_scalar_set_u64(&x, m);
	if (group_mul_g(P, &r) || group_point_encode(P, ct, 0) ||
	    group_mul(P, &r, elgamal_key_point(k)) || group_mul_g(Q, &x) ||
	    group_point_add(P, P, Q) || group_point_encode(P, ct + 65, 0))
		goto out;
	/* branch 1 "real": a1 = uG, b1 = uK */
	if (group_mul_g(P, &u) || group_point_encode(P, pr + 130, 0) ||
	    group_mul(P, &u, elgamal_key_point(k)) ||
	    group_point_encode(P, pr + 195, 0))
		goto out;
	/* branch 0 simulated: a0 = tG, b0 = tK - c0·m·G */
	group_scalar_mul(&x, &c0, &x);
	group_scalar_neg(&x, &x);
	if (group_mul_g(P, &t) || group_point_encode(P, pr, 0) ||
	    group_mul(P, &t, elgamal_key_point(k)) || group_mul_g(Q, &x) ||
	    group_point_add(P, P, Q) || group_point_encode(P, pr + 65, 0))
		goto out;
	if (hash_transcript_new(&h, HASH_TAG_PROOF01))
		goto out;
	if (hash_put(h, b->election, 32) || hash_put(h, b->alias, b->alias_len)
	    || hash_put_u32(h, b->contest) || hash_put_u32(h, b->option) ||
	    hash_put_point(h, elgamal_key_encoded(k)) ||
	    hash_put_point(h, ct) || hash_put_point(h, ct + 65))
		goto done;
	for (i = 0; i < 4; i++)
		if (hash_put_point(h, pr + 65 * i))
			goto done;
	hash_challenge(h, &c);
	group_scalar_sub(&c1, &c, &c0);
	group_scalar_mul(&x, &c0, &r);
	group_scalar_add(&v0, &t, &x);
	group_scalar_mul(&x, &c1, &r);
	group_scalar_add(&v1, &u, &x);
	group_scalar_encode(&c0, pr + 260);
	group_scalar_encode(&v0, pr + 292);
	group_scalar_encode(&v1, pr + 324);
done:
	hash_transcript_free(h);
out:
	group_point_free(P);
	group_point_free(Q);
}

TEST(proof01_of_two_cannot_verify_and_layout_matches_doc)
{
	struct scalar sk;
	struct elgamal_key *key = pkey(&sk);
	struct proof_binding b;
	uint8_t ct[130], pr[PROOF01_LEN];
	int i;

	bind_init(&b, "cheater");
	/* the independent prover is right for an honest 1 ... */
	cheat01(key, &b, 1, ct, pr);
	ASSERT_OK(proof01_verify(key, &b, ct, 130, pr, PROOF01_LEN));
	/* ... and cannot make 2 (or 3, or n-1) pass */
	for (i = 0; i < 5; i++) {
		cheat01(key, &b, 2, ct, pr);
		ASSERT_ERR(proof01_verify(key, &b, ct, 130, pr, PROOF01_LEN),
		    ERR_VERIFY);
	}
	cheat01(key, &b, 3, ct, pr);
	ASSERT_ERR(proof01_verify(key, &b, ct, 130, pr, PROOF01_LEN),
	    ERR_VERIFY);
	/* an honest proof of 1 with beta + G (now 2) fails too */
	{
		struct scalar r;
		struct point *p = group_point_new(), *g = group_point_new();

		ASSERT_OK(proof01_encrypt(key, &b, 1, &r, ct, pr));
		ASSERT_OK(group_point_decode(p, ct + 65, 65, 0));
		ASSERT_OK(group_point_set_generator(g));
		ASSERT_OK(group_point_add(p, p, g));
		ASSERT_OK(group_point_encode(p, ct + 65, 0));
		ASSERT_ERR(proof01_verify(key, &b, ct, 130, pr, PROOF01_LEN),
		    ERR_VERIFY);
		group_point_free(p);
		group_point_free(g);
	}
	elgamal_key_free(key);
}

/* n ciphertexts of the given values; R and S returned. */
static void
make_cts(const struct elgamal_key *k, const uint64_t *v, size_t n,
    uint8_t *cts, struct scalar *R, uint64_t *S)
{
	struct elgamal_ciphertext *c = elgamal_ciphertext_new();
	struct scalar r;
	size_t i;

	group_scalar_zero(R);
	*S = 0;
	for (i = 0; i < n; i++) {
		if (elgamal_encrypt(k, v[i], NULL, &r, c) ||
		    elgamal_encode(c, cts + 130 * i, 0))
			break;
		group_scalar_add(R, R, &r);
		*S += v[i];
	}
	elgamal_ciphertext_free(c);
}

TEST(proof_range_honest_perturbed_and_out_of_range)
{
	struct scalar sk, R;
	struct elgamal_key *key = pkey(&sk);
	struct proof_binding b, b2;
	uint64_t v[4] = { 1, 0, 1, 1 }, S;
	uint8_t cts[4 * 130], *pr, *bad, g[65];
	uint32_t min, max;
	size_t len, i;

	bind_init(&b, "range");
	g_enc(g);
	make_cts(key, v, 4, cts, &R, &S);
	ASSERT_U64_EQ(S, 3);
	for (min = 0; min <= 3; min++) {
		for (max = 3; max <= 4; max++) {
			len = proof_range_len(min, max);
			pr = malloc(len);
			bad = malloc(len);
			ASSERT_OK(proof_range_prove(key, &b, cts, 4, min, max,
			    &R, S, pr, len));
			ASSERT_OK(proof_range_verify(key, &b, cts, 4, min, max,
			    pr, len));
			/* other bounds, other bindings, fewer ciphertexts */
			if (max > min)
				ASSERT_INT_NE(proof_range_verify(key, &b, cts,
				    4, min + 1, max, pr, len), 0);
			b2 = b;
			b2.contest++;
			ASSERT_ERR(proof_range_verify(key, &b2, cts, 4, min,
			    max, pr, len), ERR_VERIFY);
			b2 = b;
			b2.election[0] ^= 0x80;
			ASSERT_ERR(proof_range_verify(key, &b2, cts, 4, min,
			    max, pr, len), ERR_VERIFY);
			b2 = b;
			b2.alias = (const uint8_t *)"rangf";
			ASSERT_ERR(proof_range_verify(key, &b2, cts, 4, min,
			    max, pr, len), ERR_VERIFY);
			ASSERT_ERR(proof_range_verify(key, &b, cts, 3, min,
			    max, pr, len), ERR_VERIFY);
			/* every point and every scalar perturbed */
			for (i = 0; i < 2 * (size_t)(max - min + 1); i++) {
				memcpy(bad, pr, len);
				memcpy(bad + 65 * i, g, 65);
				ASSERT_ERR(proof_range_verify(key, &b, cts, 4,
				    min, max, bad, len), ERR_VERIFY);
			}
			for (i = 2 * (size_t)(max - min + 1) * 65; i < len;
			    i += 32) {
				memcpy(bad, pr, len);
				scalar_bump(bad + i);
				ASSERT_ERR(proof_range_verify(key, &b, cts, 4,
				    min, max, bad, len), ERR_VERIFY);
				memcpy(bad + i, N_BE, 32);
				ASSERT_ERR(proof_range_verify(key, &b, cts, 4,
				    min, max, bad, len), ERR_RANGE);
			}
			free(pr);
			free(bad);
		}
	}
	/* S = 3 outside [min, max]: the prover refuses ... */
	len = proof_range_len(0, 2);
	pr = malloc(len);
	ASSERT_ERR(proof_range_prove(key, &b, cts, 4, 0, 2, &R, S, pr, len),
	    ERR_RANGE);				/* max + 1 */
	free(pr);
	len = proof_range_len(4, 4);
	pr = malloc(len);
	ASSERT_ERR(proof_range_prove(key, &b, cts, 4, 4, 4, &R, S, pr, len),
	    ERR_RANGE);				/* min - 1 */
	/* ... and lying about S gives a proof that fails */
	ASSERT_OK(proof_range_prove(key, &b, cts, 4, 4, 4, &R, 4, pr, len));
	ASSERT_ERR(proof_range_verify(key, &b, cts, 4, 4, 4, pr, len),
	    ERR_VERIFY);
	free(pr);
	len = proof_range_len(0, 2);
	pr = malloc(len);
	ASSERT_OK(proof_range_prove(key, &b, cts, 4, 0, 2, &R, 2, pr, len));
	ASSERT_ERR(proof_range_verify(key, &b, cts, 4, 0, 2, pr, len),
	    ERR_VERIFY);
	free(pr);
	elgamal_key_free(key);
}

/*
 * The range prover's blinding scalar rho (drawn from the OS, never the
 * test generator) changes how each branch is computed but not the proof:
 * under the same test seed two proofs are byte-identical, for every
 * position of the real branch.
 */
TEST(proof_range_blinding_does_not_change_the_proof)
{
	struct scalar sk, R;
	struct elgamal_key *key = pkey(&sk);
	struct proof_binding b;
	uint64_t v[4] = { 1, 1, 0, 1 }, S;
	uint8_t cts[4 * 130], *p1, *p2;
	uint32_t min;
	size_t len;

	bind_init(&b, "blind");
	make_cts(key, v, 4, cts, &R, &S);
	ASSERT_U64_EQ(S, 3);
	for (min = 0; min <= 3; min++) {
		len = proof_range_len(min, min + 3);
		p1 = malloc(len);
		p2 = malloc(len);
		rand_test_seed("blind", 5);
		ASSERT_OK(proof_range_prove(key, &b, cts, 4, min, min + 3, &R,
		    S, p1, len));
		rand_test_seed("blind", 5);
		ASSERT_OK(proof_range_prove(key, &b, cts, 4, min, min + 3, &R,
		    S, p2, len));
		rand_test_clear();
		ASSERT_INT_EQ(memcmp(p1, p2, len), 0);
		ASSERT_OK(proof_range_verify(key, &b, cts, 4, min, min + 3, p1,
		    len));
		free(p1);
		free(p2);
	}
	elgamal_key_free(key);
}

struct rng {
	const struct elgamal_key *k;
	const struct proof_binding *b;
	const uint8_t *cts;
};

static int
accept_range(const uint8_t *p, size_t len, void *ctx)
{
	struct rng *c = ctx;

	return proof_range_verify(c->k, c->b, c->cts, 2, 0, 2, p, len);
}

TEST(proof_range_mutation_sweep)
{
	struct scalar sk, R;
	struct elgamal_key *key = pkey(&sk);
	struct proof_binding b;
	uint64_t v[2] = { 1, 0 }, S;
	uint8_t cts[2 * 130], *pr;
	size_t len = proof_range_len(0, 2);
	struct rng c;

	bind_init(&b, "sweep");
	make_cts(key, v, 2, cts, &R, &S);
	pr = malloc(len);
	ASSERT_OK(proof_range_prove(key, &b, cts, 2, 0, 2, &R, S, pr, len));
	c.k = key;
	c.b = &b;
	c.cts = cts;
	ASSERT_MUTANTS_REJECTED(pr, len, MUTATE_ALL, accept_range, &c);
	free(pr);
	elgamal_key_free(key);
}

struct sch {
	const uint8_t *ctx;
	const uint8_t *X;
};

static int
accept_schnorr(const uint8_t *p, size_t len, void *ctx)
{
	struct sch *c = ctx;

	return proof_schnorr_verify(c->ctx, (const uint8_t *)"L", 1, c->X, 65,
	    p, len);
}

TEST(proof_schnorr_honest_perturbed_and_moved)
{
	uint8_t ctx[32], ctx2[32], X[65], X2[65], pr[PROOF_SCHNORR_LEN];
	uint8_t bad[PROOF_SCHNORR_LEN], g[65];
	struct scalar x, x2;
	struct point *P = group_point_new();
	struct sch c;

	memset(ctx, 7, 32);
	memcpy(ctx2, ctx, 32);
	ctx2[5] ^= 1;
	g_enc(g);
	ASSERT_OK(group_scalar_random(&x));
	ASSERT_OK(group_mul_g(P, &x));
	ASSERT_OK(group_point_encode(P, X, 0));
	ASSERT_OK(group_scalar_random(&x2));
	ASSERT_OK(group_mul_g(P, &x2));
	ASSERT_OK(group_point_encode(P, X2, 0));
	ASSERT_OK(proof_schnorr_prove(ctx, (const uint8_t *)"L", 1, &x, X, pr));
	ASSERT_OK(proof_schnorr_verify(ctx, (const uint8_t *)"L", 1, X, 65, pr,
	    sizeof(pr)));
	ASSERT_ERR(proof_schnorr_verify(ctx2, (const uint8_t *)"L", 1, X, 65,
	    pr, sizeof(pr)), ERR_VERIFY);
	ASSERT_ERR(proof_schnorr_verify(ctx, (const uint8_t *)"M", 1, X, 65,
	    pr, sizeof(pr)), ERR_VERIFY);
	ASSERT_ERR(proof_schnorr_verify(ctx, (const uint8_t *)"L", 1, X2, 65,
	    pr, sizeof(pr)), ERR_VERIFY);
	memcpy(bad, pr, sizeof(bad));
	memcpy(bad, g, 65);
	ASSERT_ERR(proof_schnorr_verify(ctx, (const uint8_t *)"L", 1, X, 65,
	    bad, sizeof(bad)), ERR_VERIFY);
	memcpy(bad, pr, sizeof(bad));
	scalar_bump(bad + 65);
	ASSERT_ERR(proof_schnorr_verify(ctx, (const uint8_t *)"L", 1, X, 65,
	    bad, sizeof(bad)), ERR_VERIFY);
	memcpy(bad + 65, N_BE, 32);
	ASSERT_ERR(proof_schnorr_verify(ctx, (const uint8_t *)"L", 1, X, 65,
	    bad, sizeof(bad)), ERR_RANGE);
	/* a proof for a key one does not know: x2's statement, x's proof */
	ASSERT_OK(proof_schnorr_prove(ctx, (const uint8_t *)"L", 1, &x, X2,
	    pr));
	ASSERT_ERR(proof_schnorr_verify(ctx, (const uint8_t *)"L", 1, X2, 65,
	    pr, sizeof(pr)), ERR_VERIFY);
	ASSERT_OK(proof_schnorr_prove(ctx, (const uint8_t *)"L", 1, &x, X, pr));
	c.ctx = ctx;
	c.X = X;
	ASSERT_MUTANTS_REJECTED(pr, sizeof(pr), MUTATE_ALL, accept_schnorr, &c);
	group_point_free(P);
}

struct dq {
	const uint8_t *ctx, *P, *A, *M;
};

static int
accept_dleq(const uint8_t *p, size_t len, void *ctx)
{
	struct dq *c = ctx;

	return proof_dleq_verify(HASH_TAG_DECRYPT, c->ctx, NULL, 0, c->P, c->A,
	    c->M, p, len);
}

TEST(proof_dleq_honest_perturbed_and_wrong_share)
{
	uint8_t ctx[32], P[65], A[65], M[65], M2[65], pr[PROOF_DLEQ_LEN];
	uint8_t bad[PROOF_DLEQ_LEN], g[65];
	struct scalar s, a, one;
	struct point *pt = group_point_new(), *Ap = group_point_new();
	struct dq c;
	int i;

	memset(ctx, 9, 32);
	g_enc(g);
	ASSERT_OK(group_scalar_random(&s));
	ASSERT_OK(group_scalar_random(&a));
	ASSERT_OK(group_mul_g(pt, &s));
	ASSERT_OK(group_point_encode(pt, P, 0));
	ASSERT_OK(group_mul_g(Ap, &a));
	ASSERT_OK(group_point_encode(Ap, A, 0));
	ASSERT_OK(group_mul(pt, &s, Ap));
	ASSERT_OK(group_point_encode(pt, M, 0));
	ASSERT_OK(proof_dleq_prove(HASH_TAG_DECRYPT, ctx, NULL, 0, &s, P, A, M,
	    pr));
	ASSERT_OK(proof_dleq_verify(HASH_TAG_DECRYPT, ctx, NULL, 0, P, A, M, pr,
	    sizeof(pr)));
	/* the tag */
	ASSERT_ERR(proof_dleq_verify(HASH_TAG_DLEQ, ctx, NULL, 0, P, A, M, pr,
	    sizeof(pr)), ERR_VERIFY);
	/* the context, the label */
	ctx[0] ^= 1;
	ASSERT_ERR(proof_dleq_verify(HASH_TAG_DECRYPT, ctx, NULL, 0, P, A, M,
	    pr, sizeof(pr)), ERR_VERIFY);
	ctx[0] ^= 1;
	ASSERT_ERR(proof_dleq_verify(HASH_TAG_DECRYPT, ctx,
	    (const uint8_t *)"x", 1, P, A, M, pr, sizeof(pr)), ERR_VERIFY);
	/* each statement point */
	ASSERT_ERR(proof_dleq_verify(HASH_TAG_DECRYPT, ctx, NULL, 0, g, A, M,
	    pr, sizeof(pr)), ERR_VERIFY);
	ASSERT_ERR(proof_dleq_verify(HASH_TAG_DECRYPT, ctx, NULL, 0, P, g, M,
	    pr, sizeof(pr)), ERR_VERIFY);
	ASSERT_ERR(proof_dleq_verify(HASH_TAG_DECRYPT, ctx, NULL, 0, P, A, g,
	    pr, sizeof(pr)), ERR_VERIFY);
	for (i = 0; i < 2; i++) {
		memcpy(bad, pr, sizeof(bad));
		memcpy(bad + 65 * i, g, 65);
		ASSERT_ERR(proof_dleq_verify(HASH_TAG_DECRYPT, ctx, NULL, 0, P,
		    A, M, bad, sizeof(bad)), ERR_VERIFY);
	}
	memcpy(bad, pr, sizeof(bad));
	scalar_bump(bad + 130);
	ASSERT_ERR(proof_dleq_verify(HASH_TAG_DECRYPT, ctx, NULL, 0, P, A, M,
	    bad, sizeof(bad)), ERR_VERIFY);
	memcpy(bad + 130, N_BE, 32);
	ASSERT_ERR(proof_dleq_verify(HASH_TAG_DECRYPT, ctx, NULL, 0, P, A, M,
	    bad, sizeof(bad)), ERR_RANGE);
	/* a wrong share M' = (s+1)·A cannot be proven with s */
	group_scalar_set_u64(&one, 1);
	group_scalar_add(&a, &s, &one);
	ASSERT_OK(group_mul(pt, &a, Ap));
	ASSERT_OK(group_point_encode(pt, M2, 0));
	ASSERT_OK(proof_dleq_prove(HASH_TAG_DECRYPT, ctx, NULL, 0, &s, P, A, M2,
	    bad));
	ASSERT_ERR(proof_dleq_verify(HASH_TAG_DECRYPT, ctx, NULL, 0, P, A, M2,
	    bad, sizeof(bad)), ERR_VERIFY);
	c.ctx = ctx;
	c.P = P;
	c.A = A;
	c.M = M;
	ASSERT_MUTANTS_REJECTED(pr, sizeof(pr), MUTATE_ALL, accept_dleq, &c);
	group_point_free(pt);
	group_point_free(Ap);
}

TEST(proof_batch_many_proofs_one_check_and_one_bad)
{
	struct scalar sk, r;
	struct elgamal_key *key = pkey(&sk);
	struct proof_batch *pb;
	struct proof_binding b;
	uint8_t ct[8][130], pr[8][PROOF01_LEN];
	int i;

	bind_init(&b, "batch");
	ASSERT_OK(proof_batch_new(&pb, key));
	for (i = 0; i < 8; i++) {
		b.option = (uint32_t)i;
		ASSERT_OK(proof01_encrypt(key, &b, (unsigned)(i & 1), &r, ct[i],
		    pr[i]));
		ASSERT_OK(proof01_batch_add(pb, &b, ct[i], 130, pr[i],
		    PROOF01_LEN));
	}
	ASSERT_INT_EQ(proof_batch_equations(pb), 32);
	ASSERT_OK(proof_batch_check(pb));
	ASSERT_INT_EQ(proof_batch_equations(pb), 0);
	/* swap two proofs' responses: each alone and the batch fail */
	memcpy(pr[3] + 292, pr[4] + 292, 32);
	for (i = 0; i < 8; i++) {
		b.option = (uint32_t)i;
		ASSERT_OK(proof01_batch_add(pb, &b, ct[i], 130, pr[i],
		    PROOF01_LEN));
	}
	ASSERT_ERR(proof_batch_check(pb), ERR_VERIFY);
	/* a malformed proof is refused at add time and leaves the batch
	 * usable */
	b.option = 0;
	ASSERT_OK(proof01_batch_add(pb, &b, ct[0], 130, pr[0], PROOF01_LEN));
	ASSERT_ERR(proof01_batch_add(pb, &b, ct[0], 130, pr[0],
	    PROOF01_LEN - 1), ERR_TRUNCATED);
	ASSERT_OK(proof_batch_check(pb));
	/* an empty batch holds */
	ASSERT_OK(proof_batch_check(pb));
	proof_batch_free(pb);
	proof_batch_free(NULL);
	elgamal_key_free(key);
}
