/*
 * test_elgamal.c - transcript hashing, exponential ElGamal and
 * baby-step giant-step.
 */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "crypto/bsgs.h"
#include "crypto/elgamal.h"
#include "crypto/group.h"
#include "crypto/hash.h"
#include "tests/harness/mutate.h"
#include "tests/harness/test.h"

TEST(hash_transcript_layout_is_length_prefixed)
{
	struct hash_transcript *t;
	const uint8_t *b;
	size_t len;
	static const uint8_t want[] = {
		0, 0, 0, 19, 'i', 'p', 'p', 'y', 'o', '/', 't', 'r', 'a', 'n',
		's', 'c', 'r', 'i', 'p', 't', '/', 'v', '1',
		0, 0, 0, 3, 't', 'a', 'g',
		0, 0, 0, 2, 'a', 'b',
		0, 0, 0, 0,
		0, 0, 0, 4, 0, 0, 1, 2,
		0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 7
	};

	ASSERT_OK(hash_transcript_new(&t, "tag"));
	ASSERT_OK(hash_put(t, "ab", 2));
	ASSERT_OK(hash_put(t, NULL, 0));
	ASSERT_OK(hash_put_u32(t, 0x102));
	ASSERT_OK(hash_put_u64(t, 7));
	b = hash_transcript_bytes(t, &len);
	ASSERT_INT_EQ(len, sizeof(want));
	ASSERT_MEM_EQ(b, want, sizeof(want));
	hash_transcript_reset(t, "tag");
	b = hash_transcript_bytes(t, &len);
	ASSERT_INT_EQ(len, 30);
	hash_transcript_free(t);
	hash_transcript_free(NULL);
}

TEST(hash_field_boundaries_and_tags_matter)
{
	struct hash_transcript *a, *b;
	uint8_t da[32], db[32];
	struct scalar ca, cb;

	ASSERT_OK(hash_transcript_new(&a, "tag"));
	ASSERT_OK(hash_transcript_new(&b, "tag"));
	ASSERT_OK(hash_put(a, "ab", 2));
	ASSERT_OK(hash_put(a, "c", 1));
	ASSERT_OK(hash_put(b, "a", 1));
	ASSERT_OK(hash_put(b, "bc", 2));
	hash_digest(a, da);
	hash_digest(b, db);
	ASSERT_TRUE(test_memdiff(da, db, 32) >= 0);
	hash_challenge(a, &ca);
	hash_challenge(b, &cb);
	ASSERT_FALSE(group_scalar_eq(&ca, &cb));
	hash_transcript_reset(a, "tag1");
	hash_transcript_reset(b, "tag2");
	hash_digest(a, da);
	hash_digest(b, db);
	ASSERT_TRUE(test_memdiff(da, db, 32) >= 0);
	/* challenge = (SHA-256(D||0) || SHA-256(D||1)) mod n, recomputed */
	{
		uint8_t d[33], wide[64];
		struct scalar c;

		hash_digest(a, d);
		d[32] = 0;
		hash_sha256(d, 33, wide);
		d[32] = 1;
		hash_sha256(d, 33, wide + 32);
		group_scalar_from_wide(&c, wide);
		hash_challenge(a, &ca);
		ASSERT_TRUE(group_scalar_eq(&c, &ca));
	}
	hash_transcript_free(a);
	hash_transcript_free(b);
}

static struct elgamal_key *
test_key(struct scalar *sk)
{
	struct point *k = group_point_new();
	struct elgamal_key *key = NULL;

	if (k == NULL || group_scalar_random(sk) != 0 ||
	    group_mul_g(k, sk) != 0 || elgamal_key_new(&key, k) != 0)
		key = NULL;
	group_point_free(k);
	return key;
}

TEST(elgamal_roundtrip_and_homomorphism)
{
	struct scalar sk, r;
	struct elgamal_key *key = test_key(&sk);
	struct elgamal_ciphertext *a = elgamal_ciphertext_new();
	struct elgamal_ciphertext *b = elgamal_ciphertext_new();
	struct elgamal_ciphertext *c = elgamal_ciphertext_new();
	struct bsgs_table *tab;
	struct point *m = group_point_new();
	uint64_t got, vals[] = { 0, 1, 2, 7, 1000, 4095 };
	size_t i;

	ASSERT_NOT_NULL(key);
	ASSERT_OK(bsgs_table_new(&tab, 10000));
	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		ASSERT_OK(elgamal_encrypt(key, vals[i], NULL, &r, a));
		ASSERT_FALSE(group_scalar_is_zero(&r));
		ASSERT_OK(elgamal_decrypt(&sk, a, m));
		ASSERT_OK(bsgs_decode(tab, m, &got));
		ASSERT_U64_EQ(got, vals[i]);
	}
	/* Enc(3) + Enc(4) = Enc(7) */
	ASSERT_OK(elgamal_encrypt(key, 3, NULL, NULL, a));
	ASSERT_OK(elgamal_encrypt(key, 4, NULL, NULL, b));
	ASSERT_OK(elgamal_add(c, a, b));
	ASSERT_OK(elgamal_decrypt(&sk, c, m));
	ASSERT_OK(bsgs_decode(tab, m, &got));
	ASSERT_U64_EQ(got, 7);
	/* re-randomisation keeps the value, changes the bytes */
	{
		uint8_t e1[130], e2[130];

		ASSERT_OK(elgamal_rerandomize(key, c, NULL, NULL, b));
		ASSERT_OK(elgamal_encode(c, e1, 0));
		ASSERT_OK(elgamal_encode(b, e2, 0));
		ASSERT_TRUE(test_memdiff(e1, e2, 130) >= 0);
		ASSERT_OK(elgamal_decrypt(&sk, b, m));
		ASSERT_OK(bsgs_decode(tab, m, &got));
		ASSERT_U64_EQ(got, 7);
	}
	/* a given nonce gives a given ciphertext: (rG, mG + rK) */
	{
		struct point *t = group_point_new(), *u = group_point_new();
		struct scalar five;

		ASSERT_OK(group_scalar_random(&r));
		ASSERT_OK(elgamal_encrypt(key, 5, &r, NULL, a));
		ASSERT_OK(group_mul_g(t, &r));
		ASSERT_INT_EQ(group_point_eq(t, a->alpha), 1);
		ASSERT_OK(group_mul(t, &r, elgamal_key_point(key)));
		group_scalar_set_u64(&five, 5);
		ASSERT_OK(group_mul_g(u, &five));
		ASSERT_OK(group_point_add(t, t, u));
		ASSERT_INT_EQ(group_point_eq(t, a->beta), 1);
		group_point_free(t);
		group_point_free(u);
	}
	bsgs_table_free(tab);
	elgamal_ciphertext_free(a);
	elgamal_ciphertext_free(b);
	elgamal_ciphertext_free(c);
	elgamal_ciphertext_free(NULL);
	group_point_free(m);
	elgamal_key_free(key);
	elgamal_key_free(NULL);
}

static int
accept_ct(const uint8_t *p, size_t len, void *ctx)
{
	return elgamal_decode(ctx, p, len, 0);
}

static int
accept_key(const uint8_t *p, size_t len, void *ctx)
{
	struct elgamal_key *k;
	int r;

	(void)ctx;
	r = elgamal_key_decode(&k, p, len);
	elgamal_key_free(k);
	return r;
}

TEST(elgamal_decode_refuses_and_mutation_sweep)
{
	struct scalar sk;
	struct elgamal_key *key = test_key(&sk), *k2;
	struct elgamal_ciphertext *a = elgamal_ciphertext_new();
	struct elgamal_ciphertext *b = elgamal_ciphertext_new();
	uint8_t e[131], f[130];

	ASSERT_OK(elgamal_encrypt(key, 1, NULL, NULL, a));
	ASSERT_OK(elgamal_encode(a, e, 0));
	ASSERT_OK(elgamal_decode(b, e, 130, 0));
	ASSERT_OK(elgamal_encode(b, f, 0));
	ASSERT_MEM_EQ(e, f, 130);
	ASSERT_ERR(elgamal_decode(b, e, 129, 0), ERR_TRUNCATED);
	e[130] = 0;
	ASSERT_ERR(elgamal_decode(b, e, 131, 0), ERR_TRAILING_DATA);
	ASSERT_MUTANTS_REJECTED(e, 130, MUTATE_ALL, accept_ct, b);
	/* an identity component is refused unless allowed */
	memset(f, 0, 65);
	ASSERT_ERR(elgamal_decode(b, f, 130, 0), ERR_RANGE);
	ASSERT_OK(elgamal_decode(b, f, 130, GROUP_ALLOW_INFINITY));
	/* keys: valid one decodes, identity and mutants refused */
	ASSERT_OK(elgamal_key_decode(&k2, elgamal_key_encoded(key), 65));
	ASSERT_INT_EQ(group_point_eq(elgamal_key_point(k2),
	    elgamal_key_point(key)), 1);
	elgamal_key_free(k2);
	ASSERT_ERR(elgamal_key_decode(&k2, f, 65), ERR_RANGE);
	ASSERT_NULL(k2);
	ASSERT_MUTANTS_REJECTED(elgamal_key_encoded(key), 65, MUTATE_ALL,
	    accept_key, NULL);
	elgamal_ciphertext_free(a);
	elgamal_ciphertext_free(b);
	elgamal_key_free(key);
}

TEST(elgamal_add_encoded_accumulates)
{
	struct scalar sk;
	struct elgamal_key *key = test_key(&sk);
	struct elgamal_ciphertext *a = elgamal_ciphertext_new();
	struct elgamal_ciphertext *acc = elgamal_ciphertext_new();
	struct elgamal_ciphertext *tmp = elgamal_ciphertext_new();
	struct point *m = group_point_new();
	struct bsgs_table *tab;
	uint8_t e[130];
	uint64_t got, want = 0;
	int i;

	ASSERT_OK(bsgs_table_new(&tab, 1000));
	ASSERT_OK(elgamal_ciphertext_zero(acc));
	for (i = 0; i < 40; i++) {
		ASSERT_OK(elgamal_encrypt(key, (uint64_t)(i % 3), NULL, NULL, a));
		want += (uint64_t)(i % 3);
		ASSERT_OK(elgamal_encode(a, e, 0));
		ASSERT_OK(elgamal_add_encoded(acc, tmp, e));
	}
	e[64] ^= 1;
	ASSERT_ERR(elgamal_add_encoded(acc, tmp, e), ERR_VERIFY);
	ASSERT_OK(elgamal_decrypt(&sk, acc, m));
	ASSERT_OK(bsgs_decode(tab, m, &got));
	ASSERT_U64_EQ(got, want);
	bsgs_table_free(tab);
	elgamal_ciphertext_free(a);
	elgamal_ciphertext_free(acc);
	elgamal_ciphertext_free(tmp);
	group_point_free(m);
	elgamal_key_free(key);
}

TEST(bsgs_bounds)
{
	struct bsgs_table *tab;
	struct point *p = group_point_new();
	struct scalar s;
	uint64_t got, max = 12345, v[] = { 0, 1, 110, 111, 112, 12320, 12344,
	    12345 };
	size_t i;

	ASSERT_ERR(bsgs_table_new(&tab, 0), ERR_RANGE);
	ASSERT_NULL(tab);
	ASSERT_ERR(bsgs_table_new(&tab, 100000001ULL), ERR_RANGE);
	ASSERT_OK(bsgs_table_new(&tab, max));
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		group_scalar_set_u64(&s, v[i]);
		if (v[i] == 0)
			ASSERT_OK(group_point_set_infinity(p));
		else
			ASSERT_OK(group_mul_g(p, &s));
		ASSERT_OK(bsgs_decode(tab, p, &got));
		ASSERT_U64_EQ(got, v[i]);
	}
	/* max + 1 and a negative value are not found */
	group_scalar_set_u64(&s, max + 1);
	ASSERT_OK(group_mul_g(p, &s));
	ASSERT_ERR(bsgs_decode(tab, p, &got), ERR_NOT_FOUND);
	group_scalar_set_u64(&s, 1);
	group_scalar_neg(&s, &s);
	ASSERT_OK(group_mul_g(p, &s));
	ASSERT_ERR(bsgs_decode(tab, p, &got), ERR_NOT_FOUND);
	bsgs_table_free(tab);
	bsgs_table_free(NULL);
	group_point_free(p);
}

TEST(elgamal_acc_matches_add_and_is_atomic)
{
	struct scalar sk;
	struct elgamal_key *key = test_key(&sk);
	struct elgamal_ciphertext *a = elgamal_ciphertext_new();
	struct elgamal_ciphertext *sum = elgamal_ciphertext_new();
	struct elgamal_ciphertext *got = elgamal_ciphertext_new();
	struct elgamal_acc *acc;
	uint8_t e[130];
	int i;

	ASSERT_OK(elgamal_acc_new(&acc));
	ASSERT_OK(elgamal_ciphertext_zero(sum));
	for (i = 0; i < 30; i++) {
		ASSERT_OK(elgamal_encrypt(key, (uint64_t)i, NULL, NULL, a));
		ASSERT_OK(elgamal_encode(a, e, 0));
		ASSERT_OK(elgamal_acc_add_encoded(acc, e));
		ASSERT_OK(elgamal_add(sum, sum, a));
	}
	/* a bad beta: nothing added, not even alpha */
	e[129] ^= 1;
	ASSERT_ERR(elgamal_acc_add_encoded(acc, e), ERR_VERIFY);
	ASSERT_OK(elgamal_acc_get(acc, got));
	ASSERT_INT_EQ(group_point_eq(got->alpha, sum->alpha), 1);
	ASSERT_INT_EQ(group_point_eq(got->beta, sum->beta), 1);
	elgamal_acc_free(acc);
	elgamal_acc_free(NULL);
	elgamal_ciphertext_free(a);
	elgamal_ciphertext_free(sum);
	elgamal_ciphertext_free(got);
	elgamal_key_free(key);
}

TEST(elgamal_copy_and_hash_put_scalar)
{
	struct scalar sk, s;
	struct elgamal_key *key = test_key(&sk);
	struct elgamal_ciphertext *a = elgamal_ciphertext_new();
	struct elgamal_ciphertext *b = elgamal_ciphertext_new();
	struct hash_transcript *t;
	const uint8_t *bytes;
	uint8_t e[32];
	size_t len;

	ASSERT_OK(elgamal_encrypt(key, 3, NULL, NULL, a));
	ASSERT_OK(elgamal_ciphertext_copy(b, a));
	ASSERT_INT_EQ(group_point_eq(a->alpha, b->alpha), 1);
	ASSERT_INT_EQ(group_point_eq(a->beta, b->beta), 1);
	ASSERT_INT_EQ(group_point_eq(group_base_point(elgamal_key_base(key)),
	    elgamal_key_point(key)), 1);
	ASSERT_OK(group_scalar_random(&s));
	group_scalar_encode(&s, e);
	ASSERT_OK(hash_transcript_new(&t, "t"));
	ASSERT_OK(hash_put_scalar(t, &s));
	bytes = hash_transcript_bytes(t, &len);
	ASSERT_INT_EQ(len, 4 + 19 + 4 + 1 + 4 + 32);
	ASSERT_MEM_EQ(bytes + len - 32, e, 32);
	ASSERT_INT_EQ(bytes[len - 33], 32);
	hash_transcript_free(t);
	elgamal_ciphertext_free(a);
	elgamal_ciphertext_free(b);
	elgamal_key_free(key);
}
