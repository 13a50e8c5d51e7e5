/*
 * test_dkg.c - threshold key generation, complaints, decryption shares
 * and combination from every k-subset.
 */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "crypto/bsgs.h"
#include "crypto/dkg.h"
#include "crypto/elgamal.h"
#include "crypto/group.h"
#include "tests/harness/mutate.h"
#include "tests/harness/test.h"

#define NT 5
#define KT 3

struct ceremony {
	struct dkg_params p;
	struct dkg_trustee *t[NT];
	uint8_t *pub[NT];
	struct elgamal_key *key;
	struct point *P[NT];		/* verification keys */
};

static void
ceremony_free(struct ceremony *c)
{
	int i;

	for (i = 0; i < NT; i++) {
		dkg_trustee_free(c->t[i]);
		free(c->pub[i]);
		group_point_free(c->P[i]);
	}
	elgamal_key_free(c->key);
}

/* A full honest ceremony; returns 0 or an error. */
static int
ceremony_run(struct ceremony *c)
{
	uint8_t sh[DKG_SHARE_LEN];
	uint32_t qual[NT];
	struct point *K = group_point_new();
	size_t plen;
	int i, j, r;

	memset(c, 0, sizeof(*c));
	memset(c->p.context, 0xcc, sizeof(c->p.context));
	c->p.n = NT;
	c->p.k = KT;
	plen = dkg_public_len(&c->p);
	for (i = 0; i < NT; i++) {
		if ((r = dkg_trustee_new(&c->t[i], &c->p, (uint32_t)i + 1)) != 0)
			return r;
		if ((c->pub[i] = malloc(plen)) == NULL)
			return ERR_NOMEM;
		if ((r = dkg_trustee_public(c->t[i], c->pub[i], plen)) != 0)
			return r;
		qual[i] = (uint32_t)i + 1;
	}
	for (i = 0; i < NT; i++)
		if ((r = dkg_public_verify(&c->p, (uint32_t)i + 1, c->pub[i],
		    plen)) != 0)
			return r;
	for (i = 0; i < NT; i++)
		for (j = 0; j < NT; j++) {
			if (i == j)
				continue;
			if ((r = dkg_trustee_share(c->t[i], (uint32_t)j + 1,
			    c->pub[j], plen, sh)) != 0 ||
			    (r = dkg_trustee_receive(c->t[j], (uint32_t)i + 1,
			    c->pub[i], plen, sh, sizeof(sh))) != 0)
				return r;
		}
	for (i = 0; i < NT; i++)
		if ((r = dkg_trustee_finish(c->t[i], qual, NT)) != 0)
			return r;
	if ((r = dkg_joint_key(&c->p, (const uint8_t *const *)c->pub, qual,
	    NT, K)) != 0 || (r = elgamal_key_new(&c->key, K)) != 0)
		return r;
	for (i = 0; i < NT; i++) {
		if ((c->P[i] = group_point_new()) == NULL)
			return ERR_NOMEM;
		if ((r = dkg_verification_key(&c->p,
		    (const uint8_t *const *)c->pub, qual, NT, (uint32_t)i + 1,
		    c->P[i])) != 0)
			return r;
	}
	group_point_free(K);
	return 0;
}

TEST(dkg_params_rules)
{
	struct dkg_params p = { .n = 5, .k = 3 };

	ASSERT_TRUE(dkg_params_valid(&p));
	p.k = 4;			/* 5 < 2·4 - 1 */
	ASSERT_FALSE(dkg_params_valid(&p));
	p.n = 1;
	p.k = 1;
	ASSERT_FALSE(dkg_params_valid(&p));
	p.n = 33;
	ASSERT_FALSE(dkg_params_valid(&p));
	p.n = 2;
	p.k = 1;
	ASSERT_TRUE(dkg_params_valid(&p));
	p.k = 0;
	ASSERT_FALSE(dkg_params_valid(&p));
}

TEST(dkg_every_k_subset_decrypts_the_same_and_k_minus_1_cannot)
{
	struct ceremony c;
	struct elgamal_ciphertext *ct = elgamal_ciphertext_new();
	uint8_t ds[NT][DKG_DSHARE_LEN], ctx[32];
	struct point *m = group_point_new(), *want = group_point_new();
	struct bsgs_table *tab;
	struct scalar v;
	uint64_t got;
	int i, subsets = 0;
	unsigned mask;

	ASSERT_OK(ceremony_run(&c));
	memset(ctx, 0x5a, 32);
	ASSERT_OK(bsgs_table_new(&tab, 1000));
	ASSERT_OK(elgamal_encrypt(c.key, 421, NULL, NULL, ct));
	group_scalar_set_u64(&v, 421);
	ASSERT_OK(group_mul_g(want, &v));
	for (i = 0; i < NT; i++) {
		ASSERT_OK(dkg_decrypt_share(c.t[i], ctx, ct, ds[i]));
		ASSERT_OK(dkg_decrypt_share_verify(ctx, (uint32_t)i + 1, c.P[i],
		    ct, ds[i], DKG_DSHARE_LEN));
		/* a share checked against another trustee's key fails */
		ASSERT_ERR(dkg_decrypt_share_verify(ctx, (uint32_t)i + 1,
		    c.P[(i + 1) % NT], ct, ds[i], DKG_DSHARE_LEN), ERR_VERIFY);
		ASSERT_ERR(dkg_decrypt_share_verify(ctx, (uint32_t)(i + 1) %
		    NT + 1, c.P[i], ct, ds[i], DKG_DSHARE_LEN), ERR_VERIFY);
	}
	/* every subset of size >= k gives the same m·G; size k-1 cannot */
	for (mask = 1; mask < (1u << NT); mask++) {
		uint32_t idx[NT];
		const uint8_t *sh[NT];
		size_t cnt = 0;

		for (i = 0; i < NT; i++)
			if (mask & (1u << i)) {
				idx[cnt] = (uint32_t)i + 1;
				sh[cnt++] = ds[i];
			}
		if (cnt < KT) {
			ASSERT_ERR(dkg_combine(&c.p, ct, idx, sh, cnt, m),
			    ERR_RANGE);
			if (cnt == KT - 1) {
				/* interpolating k-1 shares anyway: wrong */
				struct dkg_params p2 = c.p;

				p2.k = KT - 1;
				ASSERT_OK(dkg_combine(&p2, ct, idx, sh, cnt, m));
				ASSERT_INT_EQ(group_point_eq(m, want), 0);
			}
			continue;
		}
		ASSERT_OK(dkg_combine(&c.p, ct, idx, sh, cnt, m));
		ASSERT_INT_EQ(group_point_eq(m, want), 1);
		if (cnt == KT)
			subsets++;
	}
	ASSERT_INT_EQ(subsets, 10);
	ASSERT_OK(bsgs_decode(tab, m, &got));
	ASSERT_U64_EQ(got, 421);
	/* a repeated index is refused */
	{
		uint32_t idx[3] = { 1, 1, 2 };
		const uint8_t *sh[3] = { ds[0], ds[0], ds[1] };

		ASSERT_ERR(dkg_combine(&c.p, ct, idx, sh, 3, m), ERR_RANGE);
	}
	bsgs_table_free(tab);
	elgamal_ciphertext_free(ct);
	group_point_free(m);
	group_point_free(want);
	ceremony_free(&c);
}

TEST(dkg_cheating_trustee_is_detected_and_complaint_judged)
{
	struct ceremony c;
	uint8_t sh[DKG_SHARE_LEN], good[DKG_SHARE_LEN];
	uint8_t comp[DKG_COMPLAINT_LEN];
	struct scalar bogus;
	size_t plen;

	ASSERT_OK(ceremony_run(&c));
	plen = dkg_public_len(&c.p);
	/* trustee 2 sends trustee 4 a share off its polynomial, signed */
	ASSERT_OK(group_scalar_random(&bogus));
	ASSERT_OK(dkg_share_encrypt(&c.p, 2, 4, &bogus, c.pub[3], plen, sh));
	ASSERT_OK(dkg_trustee_sign_share(c.t[1], 4, sh));
	ASSERT_ERR(dkg_trustee_receive(c.t[3], 2, c.pub[1], plen, sh,
	    sizeof(sh)), ERR_VERIFY);
	ASSERT_OK(dkg_trustee_complain(c.t[3], 2, sh, sizeof(sh), comp));
	ASSERT_OK(dkg_complaint_check(&c.p, 2, 4, c.pub[1], c.pub[3], sh,
	    sizeof(sh), comp, sizeof(comp)));
	/* garbage ciphertext signed by 2: also the sender's fault */
	memcpy(good, sh, sizeof(good));
	good[70] ^= 1;
	/* altered after signing: refused, not complained about */
	ASSERT_ERR(dkg_trustee_receive(c.t[3], 2, c.pub[1], plen, good,
	    sizeof(good)), ERR_PERM);
	ASSERT_OK(dkg_trustee_complain(c.t[3], 2, good, sizeof(good), comp));
	ASSERT_ERR(dkg_complaint_check(&c.p, 2, 4, c.pub[1], c.pub[3], good,
	    sizeof(good), comp, sizeof(comp)), ERR_VERIFY);
	ASSERT_OK(dkg_trustee_sign_share(c.t[1], 4, good));
	ASSERT_ERR(dkg_trustee_receive(c.t[3], 2, c.pub[1], plen, good,
	    sizeof(good)), ERR_VERIFY);
	ASSERT_OK(dkg_trustee_complain(c.t[3], 2, good, sizeof(good), comp));
	ASSERT_OK(dkg_complaint_check(&c.p, 2, 4, c.pub[1], c.pub[3], good,
	    sizeof(good), comp, sizeof(comp)));
	/* a false complaint about a good share is rejected */
	ASSERT_OK(dkg_trustee_share(c.t[1], 4, c.pub[3], plen, good));
	ASSERT_OK(dkg_trustee_receive(c.t[3], 2, c.pub[1], plen, good,
	    sizeof(good)));
	ASSERT_OK(dkg_trustee_complain(c.t[3], 2, good, sizeof(good), comp));
	ASSERT_ERR(dkg_complaint_check(&c.p, 2, 4, c.pub[1], c.pub[3], good,
	    sizeof(good), comp, sizeof(comp)), ERR_VERIFY);
	/* a complaint with a forged ECDH point is rejected */
	ASSERT_OK(dkg_trustee_complain(c.t[3], 2, sh, sizeof(sh), comp));
	comp[64] ^= 1;
	ASSERT_INT_NE(dkg_complaint_check(&c.p, 2, 4, c.pub[1], c.pub[3], sh,
	    sizeof(sh), comp, sizeof(comp)), 0);
	/* trustee 5 cannot complain in 4's name */
	ASSERT_OK(dkg_trustee_complain(c.t[4], 2, sh, sizeof(sh), comp));
	ASSERT_ERR(dkg_complaint_check(&c.p, 2, 4, c.pub[1], c.pub[3], sh,
	    sizeof(sh), comp, sizeof(comp)), ERR_VERIFY);
	/* a share meant for 4 is refused by 3 (the signature names 4) */
	ASSERT_ERR(dkg_trustee_receive(c.t[2], 2, c.pub[1], plen, good,
	    sizeof(good)), ERR_PERM);
	ceremony_free(&c);
}

/*
 * A fresh share from 2 to 4 whose E does not decode, signed by 2: 4 is
 * told to complain, can (a zero complaint: nothing to prove), and the
 * complaint is justified.  dkg_complaint_judge tells a complaint that
 * cannot stand (ERR_PERM) from a false one (ERR_VERIFY).
 */
TEST(dkg_undecodable_share_is_complainable_and_verdicts_differ)
{
	struct ceremony c;
	uint8_t sh[DKG_SHARE_LEN], good[DKG_SHARE_LEN];
	uint8_t comp[DKG_COMPLAINT_LEN], zero[DKG_COMPLAINT_LEN];
	struct scalar bogus;
	size_t plen;

	ASSERT_OK(ceremony_run(&c));
	plen = dkg_public_len(&c.p);
	memset(zero, 0, sizeof(zero));
	ASSERT_OK(group_scalar_random(&bogus));
	ASSERT_OK(dkg_share_encrypt(&c.p, 2, 4, &bogus, c.pub[3], plen, sh));
	group_scalar_wipe(&bogus);
	sh[0] = 0x05;		/* no SEC1 prefix: E cannot decode */
	ASSERT_OK(dkg_trustee_sign_share(c.t[1], 4, sh));
	ASSERT_ERR(dkg_trustee_receive(c.t[3], 2, c.pub[1], plen, sh,
	    sizeof(sh)), ERR_VERIFY);
	memset(comp, 0xaa, sizeof(comp));
	ASSERT_OK(dkg_trustee_complain(c.t[3], 2, sh, sizeof(sh), comp));
	ASSERT_MEM_EQ(comp, zero, sizeof(comp));
	ASSERT_OK(dkg_complaint_judge(&c.p, 2, 4, c.pub[1], c.pub[3], sh,
	    sizeof(sh), comp, sizeof(comp)));
	ASSERT_OK(dkg_complaint_check(&c.p, 2, 4, c.pub[1], c.pub[3], sh,
	    sizeof(sh), comp, sizeof(comp)));
	/* unsigned (the signature zeroed): cannot stand */
	memset(sh + DKG_SHARE_LEN - 64, 0, 64);
	ASSERT_ERR(dkg_complaint_judge(&c.p, 2, 4, c.pub[1], c.pub[3], sh,
	    sizeof(sh), comp, sizeof(comp)), ERR_PERM);
	ASSERT_ERR(dkg_complaint_check(&c.p, 2, 4, c.pub[1], c.pub[3], sh,
	    sizeof(sh), comp, sizeof(comp)), ERR_VERIFY);
	/* a good share: 4's own complaint is false; 5's cannot stand */
	ASSERT_OK(dkg_trustee_share(c.t[1], 4, c.pub[3], plen, good));
	ASSERT_OK(dkg_trustee_complain(c.t[3], 2, good, sizeof(good), comp));
	ASSERT_ERR(dkg_complaint_judge(&c.p, 2, 4, c.pub[1], c.pub[3], good,
	    sizeof(good), comp, sizeof(comp)), ERR_VERIFY);
	ASSERT_OK(dkg_trustee_complain(c.t[4], 2, good, sizeof(good), comp));
	ASSERT_ERR(dkg_complaint_judge(&c.p, 2, 4, c.pub[1], c.pub[3], good,
	    sizeof(good), comp, sizeof(comp)), ERR_PERM);
	ASSERT_ERR(dkg_complaint_judge(&c.p, 2, 4, c.pub[1], c.pub[3], good,
	    sizeof(good), zero, sizeof(zero)), ERR_PERM);
	ceremony_free(&c);
}

TEST(dkg_disqualified_trustee_left_out)
{
	struct ceremony c;
	uint32_t qual[4] = { 1, 3, 4, 5 };	/* 2 disqualified */
	struct point *K = group_point_new(), *P = group_point_new();
	struct point *m = group_point_new(), *want = group_point_new();
	struct elgamal_key *key;
	struct elgamal_ciphertext *ct = elgamal_ciphertext_new();
	uint8_t ds[5][DKG_DSHARE_LEN], ctx[32] = { 0 };
	const uint8_t *sh[3];
	uint32_t idx[3] = { 1, 4, 5 };
	struct scalar v;
	int i;

	ASSERT_OK(ceremony_run(&c));
	for (i = 0; i < 5; i++)
		if (i != 1)
			ASSERT_OK(dkg_trustee_finish(c.t[i], qual, 4));
	ASSERT_ERR(dkg_trustee_finish(c.t[1], qual, 2), ERR_RANGE);
	ASSERT_OK(dkg_joint_key(&c.p, (const uint8_t *const *)c.pub, qual, 4,
	    K));
	ASSERT_OK(elgamal_key_new(&key, K));
	ASSERT_OK(elgamal_encrypt(key, 9, NULL, NULL, ct));
	group_scalar_set_u64(&v, 9);
	ASSERT_OK(group_mul_g(want, &v));
	for (i = 0; i < 3; i++) {
		ASSERT_OK(dkg_verification_key(&c.p,
		    (const uint8_t *const *)c.pub, qual, 4, idx[i], P));
		ASSERT_OK(dkg_decrypt_share(c.t[idx[i] - 1], ctx, ct, ds[i]));
		ASSERT_OK(dkg_decrypt_share_verify(ctx, idx[i], P, ct, ds[i],
		    DKG_DSHARE_LEN));
		sh[i] = ds[i];
	}
	ASSERT_OK(dkg_combine(&c.p, ct, idx, sh, 3, m));
	ASSERT_INT_EQ(group_point_eq(m, want), 1);
	elgamal_key_free(key);
	elgamal_ciphertext_free(ct);
	group_point_free(K);
	group_point_free(P);
	group_point_free(m);
	group_point_free(want);
	ceremony_free(&c);
}

struct pv {
	const struct dkg_params *p;
};

static int
accept_pub(const uint8_t *b, size_t len, void *ctx)
{
	struct pv *v = ctx;

	return dkg_public_verify(v->p, 1, b, len);
}

struct dv {
	const uint8_t *ctx;
	const struct point *P;
	const struct elgamal_ciphertext *ct;
};

static int
accept_dshare(const uint8_t *b, size_t len, void *ctx)
{
	struct dv *v = ctx;

	return dkg_decrypt_share_verify(v->ctx, 1, v->P, v->ct, b, len);
}

TEST(dkg_public_message_and_share_proofs_mutation_sweep)
{
	struct dkg_params p = { .n = 3, .k = 2 };
	struct dkg_trustee *t, *t2;
	uint8_t *pub;
	size_t plen = dkg_public_len(&p);
	struct pv v = { &p };
	uint32_t qual[1] = { 1 };

	memset(p.context, 1, 32);
	pub = malloc(plen);
	ASSERT_OK(dkg_trustee_new(&t, &p, 1));
	ASSERT_OK(dkg_trustee_public(t, pub, plen));
	ASSERT_OK(dkg_public_verify(&p, 1, pub, plen));
	ASSERT_ERR(dkg_public_verify(&p, 2, pub, plen), ERR_VERIFY);
	{
		struct dkg_params p2 = p;

		p2.context[0] ^= 1;
		ASSERT_ERR(dkg_public_verify(&p2, 1, pub, plen), ERR_VERIFY);
	}
	ASSERT_MUTANTS_REJECTED(pub, plen, MUTATE_ALL, accept_pub, &v);
	ASSERT_ERR(dkg_trustee_new(&t2, &p, 4), ERR_INVALID_ARG);
	/* decryption share sweep, with a 1-of-... toy finish */
	{
		struct dkg_params p1 = { .n = 2, .k = 1 };
		struct dkg_trustee *a;
		struct point *P = group_point_new(), *K = group_point_new();
		struct elgamal_key *key;
		struct elgamal_ciphertext *ct = elgamal_ciphertext_new();
		uint8_t ds[DKG_DSHARE_LEN], ctx[32] = { 3 }, *pb;
		size_t l1 = dkg_public_len(&p1);
		struct dv d;

		pb = malloc(l1);
		ASSERT_OK(dkg_trustee_new(&a, &p1, 1));
		ASSERT_OK(dkg_trustee_public(a, pb, l1));
		ASSERT_ERR(dkg_decrypt_share(a, ctx, ct, ds), ERR_WRONG_STATE);
		ASSERT_OK(dkg_trustee_finish(a, qual, 1));
		ASSERT_OK(dkg_joint_key(&p1, (const uint8_t *const *)&pb, qual,
		    1, K));
		ASSERT_OK(dkg_verification_key(&p1, (const uint8_t *const *)&pb,
		    qual, 1, 1, P));
		ASSERT_INT_EQ(group_point_eq(P, K), 1);	/* k = 1 */
		ASSERT_OK(elgamal_key_new(&key, K));
		ASSERT_OK(elgamal_encrypt(key, 1, NULL, NULL, ct));
		ASSERT_OK(dkg_decrypt_share(a, ctx, ct, ds));
		d.ctx = ctx;
		d.P = P;
		d.ct = ct;
		ASSERT_MUTANTS_REJECTED(ds, sizeof(ds), MUTATE_ALL,
		    accept_dshare, &d);
		dkg_trustee_free(a);
		elgamal_key_free(key);
		elgamal_ciphertext_free(ct);
		group_point_free(P);
		group_point_free(K);
		free(pb);
	}
	dkg_trustee_free(t);
	dkg_trustee_free(NULL);
	free(pub);
}

TEST(dkg_honest_trustee_cannot_be_framed)
{
	struct ceremony c;
	uint8_t sh[DKG_SHARE_LEN], z[DKG_SHARE_LEN], good[DKG_SHARE_LEN];
	uint8_t comp[DKG_COMPLAINT_LEN];
	struct scalar junk;
	size_t plen;

	ASSERT_OK(ceremony_run(&c));
	plen = dkg_public_len(&c.p);
	/*
	 * Trustee 4 builds a bad share "from 2" itself (it can: the key
	 * derives from its own X_4) and complains with an honest proof.
	 */
	ASSERT_OK(group_scalar_random(&junk));
	ASSERT_OK(dkg_share_encrypt(&c.p, 2, 4, &junk, c.pub[3], plen, sh));
	ASSERT_ERR(dkg_trustee_receive(c.t[3], 2, c.pub[1], plen, sh,
	    sizeof(sh)), ERR_PERM);
	ASSERT_OK(dkg_trustee_complain(c.t[3], 2, sh, sizeof(sh), comp));
	ASSERT_ERR(dkg_complaint_check(&c.p, 2, 4, c.pub[1], c.pub[3], sh,
	    sizeof(sh), comp, sizeof(comp)), ERR_VERIFY);
	/* signing it with its own key (as sender 4) does not help */
	ASSERT_ERR(dkg_trustee_sign_share(c.t[3], 4, sh), ERR_INVALID_ARG);
	ASSERT_OK(dkg_trustee_sign_share(c.t[3], 2, sh));
	ASSERT_ERR(dkg_complaint_check(&c.p, 2, 4, c.pub[1], c.pub[3], sh,
	    sizeof(sh), comp, sizeof(comp)), ERR_VERIFY);
	/* nor does another trustee's genuine signature on it */
	ASSERT_OK(dkg_trustee_sign_share(c.t[0], 4, sh));
	ASSERT_ERR(dkg_complaint_check(&c.p, 2, 4, c.pub[1], c.pub[3], sh,
	    sizeof(sh), comp, sizeof(comp)), ERR_VERIFY);
	/* i's signature on a share for another recipient does not carry */
	ASSERT_OK(dkg_trustee_sign_share(c.t[1], 5, sh));
	ASSERT_ERR(dkg_complaint_check(&c.p, 2, 4, c.pub[1], c.pub[3], sh,
	    sizeof(sh), comp, sizeof(comp)), ERR_VERIFY);
	/* the all-zero share (E does not decode) is not justified either */
	memset(z, 0, sizeof(z));
	ASSERT_ERR(dkg_complaint_check(&c.p, 2, 4, c.pub[1], c.pub[3], z,
	    sizeof(z), comp, sizeof(comp)), ERR_VERIFY);
	ASSERT_ERR(dkg_trustee_receive(c.t[3], 2, c.pub[1], plen, z,
	    sizeof(z)), ERR_PERM);
	/* ... but an undecodable E that 2 really signed is */
	ASSERT_OK(dkg_trustee_sign_share(c.t[1], 4, z));
	ASSERT_ERR(dkg_trustee_receive(c.t[3], 2, c.pub[1], plen, z,
	    sizeof(z)), ERR_VERIFY);
	ASSERT_OK(dkg_complaint_check(&c.p, 2, 4, c.pub[1], c.pub[3], z,
	    sizeof(z), comp, sizeof(comp)));
	/* a good share with its signature stripped is refused */
	ASSERT_OK(dkg_trustee_share(c.t[1], 4, c.pub[3], plen, good));
	memset(good + DKG_SHARE_LEN - SIGN_SIG_LEN, 0, SIGN_SIG_LEN);
	ASSERT_ERR(dkg_trustee_receive(c.t[3], 2, c.pub[1], plen, good,
	    sizeof(good)), ERR_PERM);
	/* a share checked against the wrong sender's message is refused */
	ASSERT_OK(dkg_trustee_share(c.t[1], 4, c.pub[3], plen, good));
	ASSERT_ERR(dkg_trustee_receive(c.t[3], 3, c.pub[2], plen, good,
	    sizeof(good)), ERR_PERM);
	ceremony_free(&c);
}

TEST(dkg_lagrange_weights)
{
	uint32_t idx[3] = { 1, 2, 3 };
	struct scalar w, sum, one;
	int j;

	/* weights at 0 for {1,2,3}: 3, -3, 1 ; they sum to 1 */
	group_scalar_zero(&sum);
	for (j = 1; j <= 3; j++) {
		ASSERT_OK(dkg_lagrange(idx, 3, (uint32_t)j, &w));
		group_scalar_add(&sum, &sum, &w);
	}
	group_scalar_set_u64(&one, 1);
	ASSERT_TRUE(group_scalar_eq(&sum, &one));
	ASSERT_OK(dkg_lagrange(idx, 3, 1, &w));
	group_scalar_set_u64(&one, 3);
	ASSERT_TRUE(group_scalar_eq(&w, &one));
	ASSERT_ERR(dkg_lagrange(idx, 3, 4, &w), ERR_RANGE);
	idx[1] = 1;
	ASSERT_ERR(dkg_lagrange(idx, 3, 3, &w), ERR_RANGE);
}

struct shv {
	struct ceremony *c;
	const uint8_t *share;
};

static int
accept_share(const uint8_t *b, size_t len, void *ctx)
{
	struct shv *v = ctx;

	return dkg_trustee_receive(v->c->t[3], 2, v->c->pub[1],
	    dkg_public_len(&v->c->p), b, len);
}

static int
accept_complaint(const uint8_t *b, size_t len, void *ctx)
{
	struct shv *v = ctx;

	return dkg_complaint_check(&v->c->p, 2, 4, v->c->pub[1], v->c->pub[3],
	    v->share, DKG_SHARE_LEN, b, len);
}

TEST(dkg_share_and_complaint_mutation_sweeps)
{
	struct ceremony c;
	uint8_t sh[DKG_SHARE_LEN], bad[DKG_SHARE_LEN];
	uint8_t comp[DKG_COMPLAINT_LEN];
	struct scalar bogus;
	struct shv v;
	size_t plen;

	ASSERT_OK(ceremony_run(&c));
	plen = dkg_public_len(&c.p);
	v.c = &c;
	/* every mutant of a good share is refused by its receiver */
	ASSERT_OK(dkg_trustee_share(c.t[1], 4, c.pub[3], plen, sh));
	ASSERT_OK(dkg_trustee_receive(c.t[3], 2, c.pub[1], plen, sh,
	    sizeof(sh)));
	ASSERT_OK(dkg_trustee_share(c.t[1], 4, c.pub[3], plen, sh));
	v.share = sh;
	ASSERT_MUTANTS_REJECTED(sh, sizeof(sh), MUTATE_ALL, accept_share, &v);
	/* a justified complaint: every mutant of it is not */
	ASSERT_OK(group_scalar_random(&bogus));
	ASSERT_OK(dkg_share_encrypt(&c.p, 2, 4, &bogus, c.pub[3], plen, bad));
	ASSERT_OK(dkg_trustee_sign_share(c.t[1], 4, bad));
	ASSERT_OK(dkg_trustee_complain(c.t[3], 2, bad, sizeof(bad), comp));
	v.share = bad;
	ASSERT_MUTANTS_REJECTED(comp, sizeof(comp), MUTATE_ALL,
	    accept_complaint, &v);
	/* a trustee does not take a share from itself */
	ASSERT_ERR(dkg_trustee_receive(c.t[3], 4, c.pub[3], plen, sh,
	    sizeof(sh)), ERR_INVALID_ARG);
	ceremony_free(&c);
}

/*
 * The identity alpha (an empty tally, or ballots whose nonces cancel)
 * has no decryption shares: its plaintext point is beta.  Making,
 * checking and combining shares for it is refused with ERR_RANGE.
 */
TEST(dkg_identity_alpha_refused_with_range)
{
	struct ceremony c;
	struct elgamal_ciphertext *ct = elgamal_ciphertext_new();
	struct elgamal_ciphertext *id = elgamal_ciphertext_new();
	uint8_t ds[NT][DKG_DSHARE_LEN], out[DKG_DSHARE_LEN], zero[130], ctx[32];
	uint32_t idx[KT] = { 1, 2, 3 };
	const uint8_t *sh[KT] = { ds[0], ds[1], ds[2] };
	struct point *m = group_point_new();
	int i;

	ASSERT_OK(ceremony_run(&c));
	memset(ctx, 0x5a, 32);
	ASSERT_OK(elgamal_encrypt(c.key, 3, NULL, NULL, ct));
	for (i = 0; i < KT; i++)
		ASSERT_OK(dkg_decrypt_share(c.t[i], ctx, ct, ds[i]));
	/* the empty tally: 130 zero bytes */
	memset(zero, 0, sizeof(zero));
	ASSERT_OK(elgamal_decode(id, zero, 130, GROUP_ALLOW_INFINITY));
	memset(out, 0xaa, sizeof(out));
	ASSERT_ERR(dkg_decrypt_share(c.t[0], ctx, id, out), ERR_RANGE);
	ASSERT_MEM_EQ(out, (const uint8_t[DKG_DSHARE_LEN]){ 0 }, sizeof(out));
	ASSERT_ERR(dkg_decrypt_share_verify(ctx, 1, c.P[0], id, ds[0],
	    DKG_DSHARE_LEN), ERR_RANGE);
	ASSERT_ERR(dkg_combine(&c.p, id, idx, sh, KT, m), ERR_RANGE);
	/* an identity alpha with a real beta (cancelled nonces) too */
	ASSERT_OK(group_point_copy(id->beta, ct->beta));
	ASSERT_ERR(dkg_decrypt_share(c.t[1], ctx, id, out), ERR_RANGE);
	ASSERT_ERR(dkg_decrypt_share_verify(ctx, 1, c.P[0], id, ds[0],
	    DKG_DSHARE_LEN), ERR_RANGE);
	ASSERT_ERR(dkg_combine(&c.p, id, idx, sh, KT, m), ERR_RANGE);
	/* the real ciphertext still combines */
	ASSERT_OK(dkg_combine(&c.p, ct, idx, sh, KT, m));
	elgamal_ciphertext_free(ct);
	elgamal_ciphertext_free(id);
	group_point_free(m);
	ceremony_free(&c);
}

/* Pointers without lengths: a missing one is refused, not followed. */
TEST(dkg_missing_buffers_refused)
{
	struct ceremony c;
	struct elgamal_ciphertext *ct = elgamal_ciphertext_new();
	uint8_t ds[KT][DKG_DSHARE_LEN], ctx[32];
	uint32_t qual[NT] = { 1, 2, 3, 4, 5 }, idx[KT] = { 1, 2, 3 };
	const uint8_t *pubs[NT], *sh[KT];
	struct point *K = group_point_new();
	int i;

	ASSERT_OK(ceremony_run(&c));
	memset(ctx, 0x11, 32);
	ASSERT_OK(elgamal_encrypt(c.key, 1, NULL, NULL, ct));
	for (i = 0; i < NT; i++)
		pubs[i] = c.pub[i];
	for (i = 0; i < KT; i++) {
		ASSERT_OK(dkg_decrypt_share(c.t[i], ctx, ct, ds[i]));
		sh[i] = ds[i];
	}
	/* only qualified entries are read: others may be NULL */
	pubs[4] = NULL;
	ASSERT_OK(dkg_joint_key(&c.p, pubs, qual, 4, K));
	ASSERT_ERR(dkg_joint_key(&c.p, pubs, qual, 5, K), ERR_INVALID_ARG);
	ASSERT_ERR(dkg_verification_key(&c.p, pubs, qual, 5, 1, K),
	    ERR_INVALID_ARG);
	ASSERT_ERR(dkg_joint_key(&c.p, NULL, qual, 5, K), ERR_INVALID_ARG);
	ASSERT_ERR(dkg_verification_key(&c.p, NULL, qual, 5, 1, K),
	    ERR_INVALID_ARG);
	sh[1] = NULL;
	ASSERT_ERR(dkg_combine(&c.p, ct, idx, sh, KT, K), ERR_INVALID_ARG);
	ASSERT_ERR(dkg_combine(&c.p, ct, idx, NULL, KT, K), ERR_INVALID_ARG);
	/* the wrong public message length where one is passed */
	{
		uint8_t out[DKG_SHARE_LEN];

		ASSERT_ERR(dkg_trustee_share(c.t[0], 2, c.pub[1],
		    dkg_public_len(&c.p) - 1, out), ERR_INVALID_ARG);
	}
	elgamal_ciphertext_free(ct);
	group_point_free(K);
	ceremony_free(&c);
}

/*
 * k = 1 is valid here (the ceremony layer refuses it for an election):
 * every trustee holds the whole secret and decrypts alone.
 */
TEST(dkg_k1_single_trustee_decrypts_alone)
{
	struct dkg_params p = { .n = 2, .k = 1 };
	struct dkg_trustee *t[2];
	uint8_t *pub[2], sh[DKG_SHARE_LEN], ds[DKG_DSHARE_LEN], ctx[32];
	uint32_t qual[2] = { 1, 2 }, idx[1];
	const uint8_t *one[1] = { ds };
	struct point *K = group_point_new(), *m = group_point_new();
	struct point *want = group_point_new();
	struct elgamal_key *key;
	struct elgamal_ciphertext *ct = elgamal_ciphertext_new();
	struct scalar v;
	size_t plen = dkg_public_len(&p);
	int i;

	memset(p.context, 0x33, 32);
	memset(ctx, 0x44, 32);
	for (i = 0; i < 2; i++) {
		ASSERT_OK(dkg_trustee_new(&t[i], &p, (uint32_t)i + 1));
		ASSERT_NOT_NULL(pub[i] = malloc(plen));
		ASSERT_OK(dkg_trustee_public(t[i], pub[i], plen));
	}
	for (i = 0; i < 2; i++) {
		ASSERT_OK(dkg_trustee_share(t[i], (uint32_t)(1 - i) + 1,
		    pub[1 - i], plen, sh));
		ASSERT_OK(dkg_trustee_receive(t[1 - i], (uint32_t)i + 1, pub[i],
		    plen, sh, sizeof(sh)));
	}
	for (i = 0; i < 2; i++)
		ASSERT_OK(dkg_trustee_finish(t[i], qual, 2));
	ASSERT_OK(dkg_joint_key(&p, (const uint8_t *const *)pub, qual, 2, K));
	ASSERT_OK(elgamal_key_new(&key, K));
	ASSERT_OK(elgamal_encrypt(key, 7, NULL, NULL, ct));
	group_scalar_set_u64(&v, 7);
	ASSERT_OK(group_mul_g(want, &v));
	for (i = 0; i < 2; i++) {
		idx[0] = (uint32_t)i + 1;
		ASSERT_OK(dkg_decrypt_share(t[i], ctx, ct, ds));
		ASSERT_OK(dkg_combine(&p, ct, idx, one, 1, m));
		ASSERT_INT_EQ(group_point_eq(m, want), 1);
	}
	for (i = 0; i < 2; i++) {
		dkg_trustee_free(t[i]);
		free(pub[i]);
	}
	elgamal_key_free(key);
	elgamal_ciphertext_free(ct);
	group_point_free(K);
	group_point_free(m);
	group_point_free(want);
}
