/*
 * test_contest.c - encrypted contests: encrypt, verify alone and in
 * batches (naming the bad one), aggregate and decrypt.
 */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/limits.h"
#include "crypto/bsgs.h"
#include "crypto/contest.h"
#include "crypto/elgamal.h"
#include "crypto/group.h"
#include "crypto/rand.h"
#include "tests/harness/mutate.h"
#include "tests/harness/test.h"

static struct elgamal_key *
ckey(struct scalar *sk)
{
	struct point *k = group_point_new();
	struct elgamal_key *key = NULL;

	if (k == NULL || group_scalar_random(sk) != 0 ||
	    group_mul_g(k, sk) != 0 || elgamal_key_new(&key, k) != 0)
		key = NULL;
	group_point_free(k);
	return key;
}

static const uint8_t ELECTION[32] = { 1, 2, 3, 4, 5, 6, 7, 8 };

TEST(contest_spec_and_len)
{
	struct contest_spec s = { 0, 10, 0, 1 };

	ASSERT_TRUE(contest_spec_valid(&s));
	ASSERT_INT_EQ(contest_len(&s), 10 * (130 + 356) + 356);
	s.max = 11;
	ASSERT_FALSE(contest_spec_valid(&s));
	s.max = 0;
	s.min = 1;
	ASSERT_FALSE(contest_spec_valid(&s));
	s.min = 0;
	s.options = 0;
	ASSERT_FALSE(contest_spec_valid(&s));
	s.options = LIMIT_OPTIONS_MAX + 1;
	ASSERT_FALSE(contest_spec_valid(&s));
}

TEST(contest_encrypt_verify_and_refuse_bad_votes)
{
	struct scalar sk;
	struct elgamal_key *key = ckey(&sk);
	struct contest_spec s = { 3, 5, 1, 3 };
	uint8_t sel[5] = { 1, 0, 1, 0, 0 }, *b, *b2;
	size_t len = contest_len(&s);

	b = malloc(len);
	b2 = malloc(len);
	ASSERT_OK(contest_encrypt(key, ELECTION, (const uint8_t *)"v1", 2, &s,
	    sel, b, len));
	ASSERT_OK(contest_verify(key, ELECTION, (const uint8_t *)"v1", 2, &s, b,
	    len));
	/* another voter, election, contest index, bounds */
	ASSERT_ERR(contest_verify(key, ELECTION, (const uint8_t *)"v2", 2, &s,
	    b, len), ERR_VERIFY);
	{
		uint8_t e2[32];
		struct contest_spec s2 = s;

		memcpy(e2, ELECTION, 32);
		e2[31] = 1;
		ASSERT_ERR(contest_verify(key, e2, (const uint8_t *)"v1", 2, &s,
		    b, len), ERR_VERIFY);
		s2.index = 4;
		ASSERT_ERR(contest_verify(key, ELECTION, (const uint8_t *)"v1",
		    2, &s2, b, len), ERR_VERIFY);
		s2 = s;
		s2.min = 0;
		ASSERT_ERR(contest_verify(key, ELECTION, (const uint8_t *)"v1",
		    2, &s2, b, len), ERR_TRUNCATED);
	}
	/* two options' ciphertexts and proofs swapped: positions bound */
	memcpy(b2, b, len);
	memcpy(b2, b + 130, 130);
	memcpy(b2 + 130, b, 130);
	memcpy(b2 + 5 * 130, b + 5 * 130 + 356, 356);
	memcpy(b2 + 5 * 130 + 356, b + 5 * 130, 356);
	ASSERT_ERR(contest_verify(key, ELECTION, (const uint8_t *)"v1", 2, &s,
	    b2, len), ERR_VERIFY);
	/* bad votes are refused: 2 in a cell, too many, too few */
	sel[1] = 2;
	ASSERT_ERR(contest_encrypt(key, ELECTION, NULL, 0, &s, sel, b, len),
	    ERR_RANGE);
	memset(sel, 1, 4);
	sel[4] = 0;
	ASSERT_ERR(contest_encrypt(key, ELECTION, NULL, 0, &s, sel, b, len),
	    ERR_RANGE);
	memset(sel, 0, 5);
	ASSERT_ERR(contest_encrypt(key, ELECTION, NULL, 0, &s, sel, b, len),
	    ERR_RANGE);
	ASSERT_ERR(contest_encrypt(key, ELECTION, NULL, 0, &s, sel, b, len - 1),
	    ERR_INVALID_ARG);
	free(b);
	free(b2);
	elgamal_key_free(key);
}

struct cv {
	const struct elgamal_key *k;
	const struct contest_spec *s;
};

static int
accept_contest(const uint8_t *p, size_t len, void *ctx)
{
	struct cv *c = ctx;

	return contest_verify(c->k, ELECTION, (const uint8_t *)"m", 1, c->s, p,
	    len);
}

TEST(contest_mutation_sweep)
{
	struct scalar sk;
	struct elgamal_key *key = ckey(&sk);
	struct contest_spec s = { 0, 1, 0, 1 };
	uint8_t sel[1] = { 1 }, *b;
	size_t len = contest_len(&s);
	struct cv c = { key, &s };

	b = malloc(len);
	ASSERT_OK(contest_encrypt(key, ELECTION, (const uint8_t *)"m", 1, &s,
	    sel, b, len));
	ASSERT_MUTANTS_REJECTED(b, len, MUTATE_ALL, accept_contest, &c);
	free(b);
	elgamal_key_free(key);
}

TEST(contest_batch_names_the_bad_contests)
{
	struct scalar sk;
	struct elgamal_key *key = ckey(&sk);
	struct contest_spec s = { 1, 4, 0, 2 };
	struct contest_batch *cb;
	uint8_t sel[4] = { 0, 1, 1, 0 }, *b[6], alias[6][4];
	size_t len = contest_len(&s), id, bad[8], nbad;
	int i;

	ASSERT_OK(contest_batch_new(&cb, key));
	for (i = 0; i < 6; i++) {
		memcpy(alias[i], "v00", 3);
		alias[i][3] = (uint8_t)('0' + i);
		b[i] = malloc(len);
		sel[0] = (uint8_t)(i & 1) & (uint8_t)(i < 3);
		sel[2] = (uint8_t)(sel[0] ^ 1);
		ASSERT_OK(contest_encrypt(key, ELECTION, alias[i], 4, &s, sel,
		    b[i], len));
		ASSERT_OK(contest_batch_add(cb, ELECTION, alias[i], 4, &s, b[i],
		    len, &id));
		ASSERT_INT_EQ(id, (size_t)i);
	}
	ASSERT_OK(contest_batch_check(cb, bad, 8, &nbad));
	ASSERT_INT_EQ(nbad, 0);
	/* break contests 2 and 5 (a response, then a ciphertext swap) */
	b[2][len - 1] ^= 1;
	memcpy(b[5], b[4], 130);
	for (i = 0; i < 6; i++)
		ASSERT_OK(contest_batch_add(cb, ELECTION, alias[i], 4, &s, b[i],
		    len, &id));
	/* a malformed one is refused on add, batch stays consistent */
	ASSERT_ERR(contest_batch_add(cb, ELECTION, alias[0], 4, &s, b[0],
	    len - 1, &id), ERR_TRUNCATED);
	{
		uint8_t *m = malloc(len);

		memcpy(m, b[0], len);
		m[4 * 130 + 3 * 356 + 64] ^= 1;	/* a later option's point */
		ASSERT_INT_NE(contest_batch_add(cb, ELECTION, alias[0], 4, &s,
		    m, len, &id), 0);
		free(m);
	}
	ASSERT_ERR(contest_batch_check(cb, bad, 8, &nbad), ERR_VERIFY);
	ASSERT_INT_EQ(nbad, 2);
	ASSERT_INT_EQ(bad[0], 2);
	ASSERT_INT_EQ(bad[1], 5);
	/* after the partial add, the good ones still pass together */
	for (i = 0; i < 2; i++)
		ASSERT_OK(contest_batch_add(cb, ELECTION, alias[i], 4, &s, b[i],
		    len, &id));
	ASSERT_OK(contest_batch_check(cb, bad, 8, &nbad));
	for (i = 0; i < 6; i++)
		free(b[i]);
	contest_batch_free(cb);
	contest_batch_free(NULL);
	elgamal_key_free(key);
}

TEST(contest_tally_sums_and_decrypts)
{
	struct scalar sk;
	struct elgamal_key *key = ckey(&sk);
	struct contest_spec s = { 0, 3, 0, 2 };
	struct contest_tally *t;
	struct bsgs_table *tab;
	struct point *m = group_point_new();
	uint8_t sel[3], *b;
	uint64_t want[3] = { 0, 0, 0 }, got;
	size_t len = contest_len(&s);
	uint32_t i;
	int v;

	b = malloc(len);
	ASSERT_OK(bsgs_table_new(&tab, 100));
	ASSERT_OK(contest_tally_new(&t, 3));
	for (v = 0; v < 12; v++) {
		sel[0] = (uint8_t)(v % 2);
		sel[1] = (uint8_t)(v % 3 == 0);
		sel[2] = (uint8_t)(v % 4 == 0 && v % 2 == 1);
		for (i = 0; i < 3; i++)
			want[i] += sel[i];
		ASSERT_OK(contest_encrypt(key, ELECTION, NULL, 0, &s, sel, b,
		    len));
		ASSERT_OK(contest_tally_add(t, &s, b, len));
	}
	ASSERT_U64_EQ(contest_tally_count(t), 12);
	for (i = 0; i < 3; i++) {
		ASSERT_OK(elgamal_decrypt(&sk, contest_tally_sum(t, i), m));
		ASSERT_OK(bsgs_decode(tab, m, &got));
		ASSERT_U64_EQ(got, want[i]);
	}
	ASSERT_ERR(contest_tally_add(t, &s, b, len - 1), ERR_TRUNCATED);
	{
		struct contest_spec s4 = { 0, 4, 0, 2 };

		ASSERT_ERR(contest_tally_add(t, &s4, b, len), ERR_INVALID_ARG);
	}
	contest_tally_free(t);
	ASSERT_ERR(contest_tally_new(&t, 0), ERR_RANGE);
	contest_tally_free(NULL);
	bsgs_table_free(tab);
	group_point_free(m);
	free(b);
	elgamal_key_free(key);
}

/*
 * The empty aggregate is the identity pair, written as 130 zero bytes
 * (only with GROUP_ALLOW_INFINITY), the same whichever way it is made,
 * and it decrypts to 0.
 */
TEST(contest_empty_tally_is_the_identity_pair)
{
	struct scalar sk;
	struct elgamal_key *key = ckey(&sk);
	struct contest_tally *t;
	struct elgamal_acc *acc;
	struct elgamal_ciphertext *c = elgamal_ciphertext_new();
	struct elgamal_ciphertext *z = elgamal_ciphertext_new();
	struct point *m = group_point_new();
	struct bsgs_table *tab;
	uint8_t zero[130], e[130];
	uint64_t got = 99;
	uint32_t i;

	memset(zero, 0, sizeof(zero));
	ASSERT_OK(bsgs_table_new(&tab, 10));
	ASSERT_OK(contest_tally_new(&t, 3));
	ASSERT_U64_EQ(contest_tally_count(t), 0);
	for (i = 0; i < 3; i++) {
		const struct elgamal_ciphertext *s = contest_tally_sum(t, i);

		ASSERT_NOT_NULL(s);
		ASSERT_TRUE(group_point_is_infinity(s->alpha));
		ASSERT_TRUE(group_point_is_infinity(s->beta));
		ASSERT_OK(elgamal_encode(s, e, GROUP_ALLOW_INFINITY));
		ASSERT_MEM_EQ(e, zero, 130);
		/* without the flag: refused, and nothing half-written */
		memset(e, 0xaa, sizeof(e));
		ASSERT_ERR(elgamal_encode(s, e, 0), ERR_RANGE);
		ASSERT_MEM_EQ(e, zero, 130);
		ASSERT_OK(elgamal_decrypt(&sk, s, m));
		ASSERT_TRUE(group_point_is_infinity(m));
		ASSERT_OK(bsgs_decode(tab, m, &got));
		ASSERT_U64_EQ(got, 0);
	}
	/* the accumulator and elgamal_ciphertext_zero agree */
	ASSERT_OK(elgamal_acc_new(&acc));
	ASSERT_OK(elgamal_acc_get(acc, c));
	ASSERT_OK(elgamal_encode(c, e, GROUP_ALLOW_INFINITY));
	ASSERT_MEM_EQ(e, zero, 130);
	ASSERT_OK(elgamal_ciphertext_zero(z));
	ASSERT_OK(elgamal_encode(z, e, GROUP_ALLOW_INFINITY));
	ASSERT_MEM_EQ(e, zero, 130);
	/* 130 zero bytes decode to it only where allowed */
	ASSERT_OK(elgamal_decode(c, zero, 130, GROUP_ALLOW_INFINITY));
	ASSERT_TRUE(group_point_is_infinity(c->alpha));
	ASSERT_TRUE(group_point_is_infinity(c->beta));
	ASSERT_ERR(elgamal_decode(c, zero, 130, 0), ERR_RANGE);
	ASSERT_ERR(elgamal_acc_add_encoded(acc, zero), ERR_RANGE);
	elgamal_acc_free(acc);
	contest_tally_free(t);
	bsgs_table_free(tab);
	elgamal_ciphertext_free(c);
	elgamal_ciphertext_free(z);
	group_point_free(m);
	elgamal_key_free(key);
}

/*
 * Two ballots whose nonces cancel (r and n - r: only their makers can
 * arrange it) sum to an identity alpha with beta = m·G in the clear:
 * encoded as 65 zero bytes then beta.
 */
TEST(contest_cancelled_nonces_give_identity_alpha)
{
	struct scalar sk, r, nr;
	struct elgamal_key *key = ckey(&sk);
	struct elgamal_acc *acc;
	struct elgamal_ciphertext *c = elgamal_ciphertext_new();
	struct point *two = group_point_new();
	uint8_t e[130], zero[65], b2[65];

	memset(zero, 0, sizeof(zero));
	ASSERT_OK(elgamal_acc_new(&acc));
	ASSERT_OK(group_scalar_random(&r));
	group_scalar_neg(&nr, &r);
	ASSERT_OK(elgamal_encrypt(key, 1, &r, NULL, c));
	ASSERT_OK(elgamal_encode(c, e, 0));
	ASSERT_OK(elgamal_acc_add_encoded(acc, e));
	ASSERT_OK(elgamal_encrypt(key, 1, &nr, NULL, c));
	ASSERT_OK(elgamal_encode(c, e, 0));
	ASSERT_OK(elgamal_acc_add_encoded(acc, e));
	ASSERT_OK(elgamal_acc_get(acc, c));
	ASSERT_TRUE(group_point_is_infinity(c->alpha));
	ASSERT_OK(elgamal_encode(c, e, GROUP_ALLOW_INFINITY));
	ASSERT_MEM_EQ(e, zero, 65);
	group_scalar_set_u64(&r, 2);
	ASSERT_OK(group_mul_g(two, &r));
	ASSERT_OK(group_point_encode(two, b2, 0));
	ASSERT_MEM_EQ(e + 65, b2, 65);
	elgamal_acc_free(acc);
	elgamal_ciphertext_free(c);
	group_point_free(two);
	elgamal_key_free(key);
}

/* The Benaloh challenge's reveal: same bytes as contest_encrypt for the
 * same random stream, and each ciphertext is Enc(sel_i; r_i). */
TEST(contest_encrypt_reveal_same_bytes_and_nonces_open_ciphertexts)
{
	static const uint8_t seed[] = "ippyo/reveal-test";
	struct scalar sk, r;
	struct elgamal_key *key = ckey(&sk);
	struct contest_spec s = { 2, 4, 0, 2 };
	uint8_t sel[4] = { 0, 1, 1, 0 }, *a, *b, nonces[4 * 32], ct[130];
	struct elgamal_ciphertext *c = elgamal_ciphertext_new();
	size_t len = contest_len(&s), i;

	ASSERT_NOT_NULL(key);
	ASSERT_NOT_NULL(c);
	a = malloc(len);
	b = malloc(len);
	rand_test_seed(seed, sizeof(seed));
	ASSERT_OK(contest_encrypt(key, ELECTION, (const uint8_t *)"v1", 2, &s,
	    sel, a, len));
	rand_test_seed(seed, sizeof(seed));
	ASSERT_OK(contest_encrypt_reveal(key, ELECTION, (const uint8_t *)"v1",
	    2, &s, sel, b, len, nonces, sizeof(nonces)));
	rand_test_clear();
	ASSERT_MEM_EQ(a, b, len);
	for (i = 0; i < 4; i++) {
		ASSERT_OK(group_scalar_decode(&r, nonces + i * 32));
		ASSERT_OK(elgamal_encrypt(key, sel[i], &r, NULL, c));
		ASSERT_OK(elgamal_encode(c, ct, 0));
		ASSERT_MEM_EQ(ct, b + i * 130, 130);
		/* the other selection with the same nonce does not match */
		ASSERT_OK(elgamal_encrypt(key, 1 - sel[i], &r, NULL, c));
		ASSERT_OK(elgamal_encode(c, ct, 0));
		ASSERT_TRUE(memcmp(ct, b + i * 130, 130) != 0);
	}
	/* wrong nonce buffer size; a vote outside the bounds zeroes both */
	ASSERT_ERR(contest_encrypt_reveal(key, ELECTION, (const uint8_t *)"v1",
	    2, &s, sel, b, len, nonces, 3 * 32), ERR_INVALID_ARG);
	sel[0] = 1;
	ASSERT_ERR(contest_encrypt_reveal(key, ELECTION, (const uint8_t *)"v1",
	    2, &s, sel, b, len, nonces, sizeof(nonces)), ERR_RANGE);
	for (i = 0; i < sizeof(nonces); i++)
		ASSERT_INT_EQ(nonces[i], 0);
	group_scalar_wipe(&r);
	elgamal_ciphertext_free(c);
	elgamal_key_free(key);
	free(a);
	free(b);
}
