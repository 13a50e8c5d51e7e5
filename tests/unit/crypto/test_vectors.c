/*
 * test_vectors.c - the known-answer vectors in tests/vectors/crypto/.
 *
 * Each test regenerates one vector file from the fixed seed (the test
 * random generator of crypto/rand.h) and compares it byte for byte with
 * the committed file, so any change to an encoding, a transcript or the
 * order of random draws fails here.  To rewrite the files after an
 * intended change:  IPPYO_REGEN_VECTORS=1 build/.../unit-crypto vectors
 * (then review the diff: these files are the contract with the browser
 * implementation).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "crypto/bsgs.h"
#include "crypto/contest.h"
#include "crypto/dkg.h"
#include "crypto/elgamal.h"
#include "crypto/group.h"
#include "crypto/hash.h"
#include "crypto/proof.h"
#include "crypto/rand.h"
#include "tests/harness/test.h"

#define KAT_SEED "ippyo/kat/v1"

/* ---- a tiny JSON writer ---- */

struct out {
	char *s;	/* text */
	size_t len;	/* used */
	size_t cap;	/* allocated */
	int first;	/* no comma needed before the next item */
};

static void
put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(o->s + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			abort();
		if ((size_t)n < o->cap - o->len)
			break;
		o->cap = 2 * o->cap + (size_t)n + 64;
		if ((o->s = realloc(o->s, o->cap)) == NULL)
			abort();
	}
	o->len += (size_t)n;
}

static void
sep(struct out *o)
{
	if (!o->first)
		put(o, ",");
	put(o, "\n");
	o->first = 0;
}

static void
key(struct out *o, const char *k)
{
	sep(o);
	put(o, "\"%s\": ", k);
}

static void
hex(struct out *o, const char *k, const uint8_t *p, size_t n)
{
	size_t i;

	key(o, k);
	put(o, "\"");
	for (i = 0; i < n; i++)
		put(o, "%02x", p[i]);
	put(o, "\"");
}

static void
str(struct out *o, const char *k, const char *v)
{
	key(o, k);
	put(o, "\"%s\"", v);
}

static void
num(struct out *o, const char *k, unsigned long long v)
{
	key(o, k);
	put(o, "%llu", v);
}

static void
obj_begin(struct out *o, const char *k)
{
	if (k != NULL)
		key(o, k);
	else
		sep(o);
	put(o, "{");
	o->first = 1;
}

static void
obj_end(struct out *o)
{
	put(o, "\n}");
	o->first = 0;
}

static void
arr_begin(struct out *o, const char *k)
{
	key(o, k);
	put(o, "[");
	o->first = 1;
}

static void
arr_end(struct out *o)
{
	put(o, "\n]");
	o->first = 0;
}

static void
sc_hex(struct out *o, const char *k, const struct scalar *s)
{
	uint8_t b[32];

	group_scalar_encode(s, b);
	hex(o, k, b, 32);
}

static void
pt_hex(struct out *o, const char *k, const struct point *p)
{
	uint8_t b[65];

	if (group_point_encode(p, b, GROUP_ALLOW_INFINITY) != 0)
		memset(b, 0xee, sizeof(b));
	hex(o, k, b, 65);
}

static void
file_begin(struct out *o, const char *what)
{
	memset(o, 0, sizeof(*o));
	put(o, "{");
	o->first = 1;
	str(o, "description", what);
	str(o, "seed", KAT_SEED);
	str(o, "spec", "docs/PROTOCOL-crypto.md");
	rand_test_seed(KAT_SEED, strlen(KAT_SEED));
}

/* Compares (or with IPPYO_REGEN_VECTORS=1 writes) the file. */
static void
file_end(struct out *o, const char *name)
{
	char path[1024];
	uint8_t *old;
	size_t len;
	const char *regen = getenv("IPPYO_REGEN_VECTORS");

	rand_test_clear();
	put(o, "\n}\n");
	snprintf(path, sizeof(path), "%s/tests/vectors/crypto/%s",
	    test_root(), name);
	if (regen != NULL && strcmp(regen, "1") == 0) {
		FILE *f = fopen(path, "wb");

		if (f == NULL || fwrite(o->s, 1, o->len, f) != o->len ||
		    fclose(f) != 0)
			test_fail(__FILE__, __LINE__, "cannot write %s", path);
	}
	old = test_read_file(path, &len);
	if (len != o->len || test_memdiff(old, o->s, len) >= 0)
		test_fail(__FILE__, __LINE__, "%s differs from the regenerated "
		    "vectors (byte %zd); an encoding changed", name,
		    len != o->len ? (ptrdiff_t)(len < o->len ? len : o->len) :
		    test_memdiff(old, o->s, len));
	free(old);
	free(o->s);
}

/* ---- the files ---- */

TEST(vectors_group)
{
	static const char *names[] = { "1", "2", "3", "n-1", "random" };
	struct out o;
	struct point *p = group_point_new();
	struct scalar s;
	uint8_t w[64];
	int i;

	file_begin(&o, "P-256 scalars and points: k·G, reductions, "
	    "hash-to-point, and encodings a decoder must refuse");
	arr_begin(&o, "mul_g");
	for (i = 0; i < 5; i++) {
		obj_begin(&o, NULL);
		str(&o, "name", names[i]);
		if (i < 3)
			group_scalar_set_u64(&s, (uint64_t)i + 1);
		else if (i == 3) {
			group_scalar_set_u64(&s, 1);
			group_scalar_neg(&s, &s);
		} else
			ASSERT_OK(group_scalar_random(&s));
		sc_hex(&o, "k", &s);
		ASSERT_OK(group_mul_g(p, &s));
		pt_hex(&o, "point", p);
		obj_end(&o);
	}
	arr_end(&o);
	arr_begin(&o, "scalar_from_wide");
	for (i = 0; i < 3; i++) {
		if (i == 0)
			memset(w, 0xff, 64);
		else if (rand_bytes(w, 64) != 0)
			ASSERT_TRUE(0);
		group_scalar_from_wide(&s, w);
		obj_begin(&o, NULL);
		hex(&o, "wide", w, 64);
		sc_hex(&o, "reduced", &s);
		obj_end(&o);
	}
	arr_end(&o);
	obj_begin(&o, "hash_to_point");
	str(&o, "label", "ippyo/test-generator");
	ASSERT_OK(group_hash_to_point(p, "ippyo/test-generator"));
	pt_hex(&o, "point", p);
	obj_end(&o);
	arr_begin(&o, "invalid_points");
	{
		uint8_t e[65];

		ASSERT_OK(group_point_set_generator(p));
		ASSERT_OK(group_point_encode(p, e, 0));
		obj_begin(&o, NULL);
		str(&o, "why", "compressed prefix");
		e[0] = 0x02;
		hex(&o, "bytes", e, 65);
		str(&o, "error", "ERR_FORMAT");
		obj_end(&o);
		e[0] = 0x04;
		e[64] ^= 1;
		obj_begin(&o, NULL);
		str(&o, "why", "not on the curve");
		hex(&o, "bytes", e, 65);
		str(&o, "error", "ERR_VERIFY");
		obj_end(&o);
		memset(e + 1, 0xff, 64);
		obj_begin(&o, NULL);
		str(&o, "why", "coordinate not below p");
		hex(&o, "bytes", e, 65);
		str(&o, "error", "ERR_NOT_CANONICAL");
		obj_end(&o);
		memset(e, 0, 65);
		obj_begin(&o, NULL);
		str(&o, "why", "identity where not allowed");
		hex(&o, "bytes", e, 65);
		str(&o, "error", "ERR_RANGE");
		obj_end(&o);
	}
	arr_end(&o);
	file_end(&o, "group.json");
	group_point_free(p);
}

TEST(vectors_hash)
{
	struct out o;
	struct hash_transcript *t;
	const uint8_t *b;
	uint8_t d[32];
	struct scalar c;
	size_t len;
	int i;

	file_begin(&o, "transcript hash: layout, digest, challenge");
	arr_begin(&o, "transcripts");
	for (i = 0; i < 3; i++) {
		const char *tag = i == 0 ? "tag" : i == 1 ? HASH_TAG_PROOF01 :
		    HASH_TAG_RANGE;
		uint8_t f[40];

		ASSERT_OK(hash_transcript_new(&t, tag));
		obj_begin(&o, NULL);
		str(&o, "tag", tag);
		arr_begin(&o, "fields");
		if (i == 0) {
			ASSERT_OK(hash_put(t, "ab", 2));
			ASSERT_OK(hash_put(t, NULL, 0));
			sep(&o); put(&o, "\"6162\"");
			sep(&o); put(&o, "\"\"");
		} else {
			int j;

			for (j = 0; j < i + 1; j++) {
				size_t k;

				ASSERT_OK(rand_bytes(f, sizeof(f)));
				ASSERT_OK(hash_put(t, f, (size_t)(13 * j + 1)));
				sep(&o);
				put(&o, "\"");
				for (k = 0; k < (size_t)(13 * j + 1); k++)
					put(&o, "%02x", f[k]);
				put(&o, "\"");
			}
		}
		arr_end(&o);
		b = hash_transcript_bytes(t, &len);
		hex(&o, "transcript", b, len);
		hash_digest(t, d);
		hex(&o, "digest", d, 32);
		hash_challenge(t, &c);
		sc_hex(&o, "challenge", &c);
		obj_end(&o);
		hash_transcript_free(t);
	}
	arr_end(&o);
	file_end(&o, "hash.json");
}

/* the election key of the vectors */
static struct elgamal_key *
kat_key(struct out *o, struct scalar *sk)
{
	struct point *K = group_point_new();
	struct elgamal_key *key = NULL;

	if (group_scalar_random(sk) == 0 && group_mul_g(K, sk) == 0 &&
	    elgamal_key_new(&key, K) == 0) {
		sc_hex(o, "secret_key", sk);
		hex(o, "public_key", elgamal_key_encoded(key), 65);
	}
	group_point_free(K);
	return key;
}

TEST(vectors_elgamal)
{
	struct out o;
	struct scalar sk, r;
	struct elgamal_key *key;
	struct elgamal_ciphertext *c = elgamal_ciphertext_new();
	struct elgamal_ciphertext *acc = elgamal_ciphertext_new();
	uint8_t e[130];
	uint64_t m[] = { 0, 1, 2, 1000000 };
	int i;

	file_begin(&o, "exponential ElGamal: Enc(m; r) = (rG, mG + rK)");
	key = kat_key(&o, &sk);
	ASSERT_NOT_NULL(key);
	ASSERT_OK(elgamal_ciphertext_zero(acc));
	arr_begin(&o, "encryptions");
	for (i = 0; i < 4; i++) {
		ASSERT_OK(group_scalar_random(&r));
		ASSERT_OK(elgamal_encrypt(key, m[i], &r, NULL, c));
		ASSERT_OK(elgamal_add(acc, acc, c));
		ASSERT_OK(elgamal_encode(c, e, 0));
		obj_begin(&o, NULL);
		num(&o, "m", m[i]);
		sc_hex(&o, "r", &r);
		hex(&o, "ciphertext", e, 130);
		obj_end(&o);
	}
	arr_end(&o);
	ASSERT_OK(elgamal_encode(acc, e, 0));
	hex(&o, "sum_of_all", e, 130);
	num(&o, "sum_plaintext", 1000003);
	file_end(&o, "elgamal.json");
	elgamal_ciphertext_free(c);
	elgamal_ciphertext_free(acc);
	elgamal_key_free(key);
}

static void
binding_out(struct out *o, const struct proof_binding *b)
{
	hex(o, "election", b->election, 32);
	hex(o, "alias", b->alias, b->alias_len);
	num(o, "contest", b->contest);
}

TEST(vectors_proofs)
{
	struct out o;
	struct scalar sk, r, R, x;
	struct elgamal_key *key;
	struct proof_binding b;
	uint8_t ct[4 * 130], pr[PROOF01_LEN], *rp, X[65], sp[PROOF_SCHNORR_LEN];
	uint8_t ctx[32], dq[PROOF_DLEQ_LEN], A[65], M[65];
	struct point *P = group_point_new(), *Q = group_point_new();
	size_t len;
	unsigned m;

	file_begin(&o, "proofs: 0/1, range, Schnorr, Chaum-Pedersen");
	key = kat_key(&o, &sk);
	ASSERT_NOT_NULL(key);
	memset(&b, 0, sizeof(b));
	ASSERT_OK(rand_bytes(b.election, 32));
	b.alias = (const uint8_t *)"alias-0001";
	b.alias_len = 10;
	b.contest = 1;
	arr_begin(&o, "proof01");
	for (m = 0; m <= 1; m++) {
		b.option = m + 2;
		ASSERT_OK(proof01_encrypt(key, &b, m, &r, ct, pr));
		ASSERT_OK(proof01_verify(key, &b, ct, 130, pr, PROOF01_LEN));
		obj_begin(&o, NULL);
		binding_out(&o, &b);
		num(&o, "option", b.option);
		num(&o, "m", m);
		sc_hex(&o, "r", &r);
		hex(&o, "ciphertext", ct, 130);
		hex(&o, "proof", pr, PROOF01_LEN);
		obj_end(&o);
	}
	arr_end(&o);
	/* range: three ciphertexts of 1, 0, 1 in [1, 3] */
	{
		uint64_t v[3] = { 1, 0, 1 };
		struct elgamal_ciphertext *c = elgamal_ciphertext_new();
		int i;

		group_scalar_zero(&R);
		for (i = 0; i < 3; i++) {
			ASSERT_OK(elgamal_encrypt(key, v[i], NULL, &r, c));
			ASSERT_OK(elgamal_encode(c, ct + 130 * i, 0));
			group_scalar_add(&R, &R, &r);
		}
		elgamal_ciphertext_free(c);
		len = proof_range_len(1, 3);
		rp = malloc(len);
		ASSERT_OK(proof_range_prove(key, &b, ct, 3, 1, 3, &R, 2, rp,
		    len));
		ASSERT_OK(proof_range_verify(key, &b, ct, 3, 1, 3, rp, len));
		obj_begin(&o, "range");
		binding_out(&o, &b);
		num(&o, "min", 1);
		num(&o, "max", 3);
		hex(&o, "ciphertexts", ct, 3 * 130);
		num(&o, "sum", 2);
		hex(&o, "proof", rp, len);
		obj_end(&o);
		free(rp);
	}
	/* Schnorr and Chaum-Pedersen */
	ASSERT_OK(rand_bytes(ctx, 32));
	ASSERT_OK(group_scalar_random(&x));
	ASSERT_OK(group_mul_g(P, &x));
	ASSERT_OK(group_point_encode(P, X, 0));
	ASSERT_OK(proof_schnorr_prove(ctx, (const uint8_t *)"label", 5, &x, X,
	    sp));
	ASSERT_OK(proof_schnorr_verify(ctx, (const uint8_t *)"label", 5, X, 65,
	    sp, sizeof(sp)));
	obj_begin(&o, "schnorr");
	hex(&o, "context", ctx, 32);
	hex(&o, "label", (const uint8_t *)"label", 5);
	sc_hex(&o, "x", &x);
	hex(&o, "X", X, 65);
	hex(&o, "proof", sp, sizeof(sp));
	obj_end(&o);
	ASSERT_OK(group_scalar_random(&r));
	ASSERT_OK(group_mul_g(Q, &r));
	ASSERT_OK(group_point_encode(Q, A, 0));
	ASSERT_OK(group_mul(Q, &x, Q));
	ASSERT_OK(group_point_encode(Q, M, 0));
	ASSERT_OK(proof_dleq_prove(HASH_TAG_DECRYPT, ctx, (const uint8_t *)"j",
	    1, &x, X, A, M, dq));
	ASSERT_OK(proof_dleq_verify(HASH_TAG_DECRYPT, ctx, (const uint8_t *)"j",
	    1, X, A, M, dq, sizeof(dq)));
	obj_begin(&o, "dleq");
	str(&o, "tag", HASH_TAG_DECRYPT);
	hex(&o, "context", ctx, 32);
	hex(&o, "label", (const uint8_t *)"j", 1);
	hex(&o, "P", X, 65);
	hex(&o, "A", A, 65);
	hex(&o, "M", M, 65);
	hex(&o, "proof", dq, sizeof(dq));
	obj_end(&o);
	file_end(&o, "proofs.json");
	group_point_free(P);
	group_point_free(Q);
	elgamal_key_free(key);
}

TEST(vectors_contest)
{
	struct out o;
	struct scalar sk;
	struct elgamal_key *key;
	struct contest_spec s = { 2, 4, 1, 2 };
	uint8_t sel[4] = { 0, 1, 0, 1 }, election[32], *enc;
	size_t len = contest_len(&s);

	file_begin(&o, "one encrypted contest (4 options, 1..2 selections)");
	key = kat_key(&o, &sk);
	ASSERT_NOT_NULL(key);
	ASSERT_OK(rand_bytes(election, 32));
	enc = malloc(len);
	ASSERT_OK(contest_encrypt(key, election, (const uint8_t *)"alias-7", 7,
	    &s, sel, enc, len));
	ASSERT_OK(contest_verify(key, election, (const uint8_t *)"alias-7", 7,
	    &s, enc, len));
	hex(&o, "election", election, 32);
	hex(&o, "alias", (const uint8_t *)"alias-7", 7);
	num(&o, "contest", s.index);
	num(&o, "options", s.options);
	num(&o, "min", s.min);
	num(&o, "max", s.max);
	hex(&o, "selections", sel, 4);
	hex(&o, "encoded", enc, len);
	file_end(&o, "contest.json");
	free(enc);
	elgamal_key_free(key);
}

TEST(vectors_dkg)
{
	struct out o;
	struct dkg_params p = { .n = 3, .k = 2 };
	struct dkg_trustee *t[3];
	uint8_t *pub[3], sh[DKG_SHARE_LEN], ds[3][DKG_DSHARE_LEN], ctx[32];
	uint32_t qual[3] = { 1, 2, 3 }, idx[2] = { 1, 3 };
	const uint8_t *two[2];
	struct point *K = group_point_new(), *P = group_point_new();
	struct point *m = group_point_new();
	struct elgamal_key *key;
	struct elgamal_ciphertext *c = elgamal_ciphertext_new();
	size_t plen;
	int i, j;

	file_begin(&o, "a 2-of-3 key ceremony, decryption shares and "
	    "combination from trustees 1 and 3");
	ASSERT_OK(rand_bytes(p.context, 32));
	plen = dkg_public_len(&p);
	hex(&o, "context", p.context, 32);
	num(&o, "n", p.n);
	num(&o, "k", p.k);
	arr_begin(&o, "public");
	for (i = 0; i < 3; i++) {
		pub[i] = malloc(plen);
		ASSERT_OK(dkg_trustee_new(&t[i], &p, (uint32_t)i + 1));
		ASSERT_OK(dkg_trustee_public(t[i], pub[i], plen));
		sep(&o);
		put(&o, "\"");
		for (j = 0; j < (int)plen; j++)
			put(&o, "%02x", pub[i][j]);
		put(&o, "\"");
	}
	arr_end(&o);
	arr_begin(&o, "shares");
	for (i = 0; i < 3; i++)
		for (j = 0; j < 3; j++) {
			if (i == j)
				continue;
			ASSERT_OK(dkg_trustee_share(t[i], (uint32_t)j + 1,
			    pub[j], plen, sh));
			ASSERT_OK(dkg_trustee_receive(t[j], (uint32_t)i + 1,
			    pub[i], plen, sh, sizeof(sh)));
			obj_begin(&o, NULL);
			num(&o, "from", (unsigned)i + 1);
			num(&o, "to", (unsigned)j + 1);
			hex(&o, "encrypted", sh, sizeof(sh));
			obj_end(&o);
		}
	arr_end(&o);
	for (i = 0; i < 3; i++)
		ASSERT_OK(dkg_trustee_finish(t[i], qual, 3));
	ASSERT_OK(dkg_joint_key(&p, (const uint8_t *const *)pub, qual, 3, K));
	pt_hex(&o, "joint_key", K);
	ASSERT_OK(elgamal_key_new(&key, K));
	ASSERT_OK(rand_bytes(ctx, 32));
	ASSERT_OK(elgamal_encrypt(key, 5, NULL, NULL, c));
	hex(&o, "election", ctx, 32);
	{
		uint8_t e[130];

		ASSERT_OK(elgamal_encode(c, e, 0));
		hex(&o, "ciphertext", e, 130);
	}
	arr_begin(&o, "trustees");
	for (i = 0; i < 3; i++) {
		ASSERT_OK(dkg_verification_key(&p, (const uint8_t *const *)pub,
		    qual, 3, (uint32_t)i + 1, P));
		ASSERT_OK(dkg_decrypt_share(t[i], ctx, c, ds[i]));
		ASSERT_OK(dkg_decrypt_share_verify(ctx, (uint32_t)i + 1, P, c,
		    ds[i], DKG_DSHARE_LEN));
		obj_begin(&o, NULL);
		num(&o, "index", (unsigned)i + 1);
		pt_hex(&o, "verification_key", P);
		hex(&o, "decryption_share", ds[i], DKG_DSHARE_LEN);
		obj_end(&o);
	}
	arr_end(&o);
	two[0] = ds[0];
	two[1] = ds[2];
	ASSERT_OK(dkg_combine(&p, c, idx, two, 2, m));
	pt_hex(&o, "combined_mG", m);
	num(&o, "plaintext", 5);
	file_end(&o, "dkg.json");
	for (i = 0; i < 3; i++) {
		dkg_trustee_free(t[i]);
		free(pub[i]);
	}
	elgamal_key_free(key);
	elgamal_ciphertext_free(c);
	group_point_free(K);
	group_point_free(P);
	group_point_free(m);
}
