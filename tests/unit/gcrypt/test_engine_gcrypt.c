/*
 * test_engine_gcrypt.c - the verifier's gcrypt engine against the
 * known-answer vectors and against crypto/ (here, in the test only: the
 * engine never calls crypto/).  Honest data verifies and every forgery
 * is refused, with the exact error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/engine.h"
#include "core/err.h"
#include "crypto/contest.h"
#include "crypto/dkg.h"
#include "crypto/elgamal.h"
#include "crypto/group.h"
#include "crypto/hash.h"
#include "crypto/proof.h"
#include "crypto/rand.h"
#include "crypto/sign.h"
#include "tests/harness/mutate.h"
#include "tests/harness/test.h"
#include "tests/unit/gcrypt/kat.h"

#define E (&engine_gcrypt)

static const uint8_t N_BE[32] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
	0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51
};
static const uint8_t P_BE[32] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
};

static double
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* G's encoding: a valid point that is wrong in any proof slot. */
static void
g_enc(uint8_t out[65])
{
	ASSERT_OK(E->mul_g(1, out));
}

/* scalar field += 1 (mod n) in place */
static void
scalar_bump(uint8_t *p)
{
	struct scalar s, one;

	ASSERT_OK(group_scalar_decode(&s, p));
	group_scalar_set_u64(&one, 1);
	group_scalar_add(&s, &s, &one);
	group_scalar_encode(&s, p);
}

/* A fresh election key (crypto/), its encoding in Ke. */
static struct elgamal_key *
new_key(uint8_t Ke[65])
{
	struct scalar sk;
	struct point *k = group_point_new();
	struct elgamal_key *key = NULL;

	ASSERT_NOT_NULL(k);
	ASSERT_OK(group_scalar_random(&sk));
	ASSERT_OK(group_mul_g(k, &sk));
	ASSERT_OK(elgamal_key_new(&key, k));
	memcpy(Ke, elgamal_key_encoded(key), 65);
	group_scalar_wipe(&sk);
	group_point_free(k);
	return key;
}

/* One contest for the engine; add it and flush: 0, a decode error or
 * ERR_VERIFY. */
static int
check_contest(void *ctx, const struct engine_contest *c)
{
	uint64_t bad[4] = { 0 };
	size_t nb = 99;
	int r;

	if ((r = E->contest_add(ctx, c, 77)) != 0) {
		/* nothing queued: the next flush is clean */
		ASSERT_OK(E->contest_flush(ctx, bad, 4, &nb));
		ASSERT_INT_EQ(nb, 0);
		return r;
	}
	r = E->contest_flush(ctx, bad, 4, &nb);
	if (r == 0)
		ASSERT_INT_EQ(nb, 0);
	else {
		ASSERT_ERR(r, ERR_VERIFY);
		ASSERT_INT_EQ(nb, 1);
		ASSERT_U64_EQ(bad[0], 77);
	}
	return r;
}

/* ---- group, hash and ElGamal vectors -------------------------------- */

static int
err_by_name(const char *name)
{
	int r;

	for (r = 0; r > ERR_LAST_; r--)
		if (strcmp(err_name(r), name) == 0)
			return r;
	test_fail(__FILE__, __LINE__, "unknown error %s", name);
}

TEST(gcrypt_group_vectors_mul_g_and_refused_encodings)
{
	json_t *j = kat_load("group"), *a, *o;
	uint8_t pt[65], got[65], ct[130], z[65];
	struct point *P = group_point_new();
	struct scalar s;
	void *ctx;
	size_t i;
	uint64_t m;

	ASSERT_NOT_NULL(P);
	a = json_object_get(j, "mul_g");
	json_array_foreach(a, i, o) {
		const char *name = json_string_value(json_object_get(o,
		    "name"));

		kat_hex(o, "point", pt, 65);
		/* every listed point is a valid key */
		ASSERT_OK(E->open(&ctx, pt));
		E->close(ctx);
		if (strcmp(name, "1") == 0 || strcmp(name, "2") == 0 ||
		    strcmp(name, "3") == 0) {
			ASSERT_OK(E->mul_g((uint64_t)(name[0] - '0'), got));
			ASSERT_MEM_EQ(got, pt, 65);
		}
	}
	ASSERT_OK(E->mul_g(0, got));
	memset(z, 0, sizeof(z));
	ASSERT_MEM_EQ(got, z, 65);
	/* random counts against crypto/ */
	for (i = 0; i < 8; i++) {
		ASSERT_OK(rand_bytes((uint8_t *)&m, sizeof(m)));
		if (i == 0)
			m = UINT64_MAX;
		group_scalar_set_u64(&s, m);
		ASSERT_OK(group_mul_g(P, &s));
		ASSERT_OK(group_point_encode(P, pt, 0));
		ASSERT_OK(E->mul_g(m, got));
		ASSERT_MEM_EQ(got, pt, 65);
	}
	/* the refused encodings, with their codes, wherever a point goes */
	a = json_object_get(j, "invalid_points");
	ASSERT_TRUE(json_array_size(a) >= 4);
	json_array_foreach(a, i, o) {
		int want = err_by_name(json_string_value(json_object_get(o,
		    "error")));
		void *acc;

		kat_hex(o, "bytes", pt, 65);
		ASSERT_ERR(E->open(&ctx, pt), want);
		ASSERT_NULL(ctx);
		ASSERT_OK(E->sum_new(&acc));
		ASSERT_OK(E->mul_g(7, ct));
		memcpy(ct + 65, pt, 65);
		ASSERT_ERR(E->sum_add(acc, ct), want);
		memcpy(ct + 65, ct, 65);
		memcpy(ct, pt, 65);
		ASSERT_ERR(E->sum_add(acc, ct), want);
		/* nothing was added */
		ASSERT_OK(E->sum_get(acc, ct));
		ASSERT_MEM_EQ(ct, z, 65);
		ASSERT_MEM_EQ(ct + 65, z, 65);
		E->sum_free(acc);
	}
	/* more: hybrid prefix, Y = p, X = p, a point with Y negated wrongly */
	ASSERT_OK(E->mul_g(5, pt));
	pt[0] = 0x06;
	ASSERT_ERR(E->open(&ctx, pt), ERR_FORMAT);
	pt[0] = 0x03;
	ASSERT_ERR(E->open(&ctx, pt), ERR_FORMAT);
	pt[0] = 0x04;
	memcpy(got, pt, 65);
	memcpy(got + 33, P_BE, 32);
	ASSERT_ERR(E->open(&ctx, got), ERR_NOT_CANONICAL);
	memcpy(got, pt, 65);
	memcpy(got + 1, P_BE, 32);
	ASSERT_ERR(E->open(&ctx, got), ERR_NOT_CANONICAL);
	memset(got, 0, 65);
	got[0] = 0x04;
	ASSERT_ERR(E->open(&ctx, got), ERR_VERIFY);	/* (0, 0) */
	memset(got, 0, 65);
	got[64] = 1;
	ASSERT_ERR(E->open(&ctx, got), ERR_FORMAT);	/* 00..01 */
	group_point_free(P);
	json_decref(j);
}

TEST(gcrypt_transcript_vectors)
{
	json_t *j = kat_load("hash"), *a, *o, *f, *x;
	uint8_t want[32], got[32], *tb, *fields[8];
	const uint8_t *fp[8], *parts[3];
	size_t i, k, lens[8], plens[3], tlen;

	a = json_object_get(j, "transcripts");
	ASSERT_TRUE(json_array_size(a) >= 3);
	json_array_foreach(a, i, o) {
		const char *tag = json_string_value(json_object_get(o, "tag"));

		kat_hex(o, "digest", want, 32);
		f = json_object_get(o, "fields");
		ASSERT_TRUE(json_array_size(f) <= 8);
		json_array_foreach(f, k, x) {
			const char *s = json_string_value(x);

			lens[k] = strlen(s) / 2;
			fields[k] = malloc(lens[k] + 1);
			ASSERT_NOT_NULL(fields[k]);
			kat_unhex(s, fields[k], lens[k]);
			fp[k] = fields[k];
		}
		ASSERT_OK(E->transcript(tag, fp, lens, json_array_size(f),
		    got));
		ASSERT_MEM_EQ(got, want, 32);
		/* sha256 over the transcript bytes, in three parts */
		tb = kat_hex_alloc(o, "transcript", &tlen);
		parts[0] = tb;
		plens[0] = 3;
		parts[1] = tb + 3;
		plens[1] = 0;
		parts[2] = tb + 3;
		plens[2] = tlen - 3;
		ASSERT_OK(E->sha256(parts, plens, 3, got));
		ASSERT_MEM_EQ(got, want, 32);
		/* a field moved across a boundary changes the digest */
		if (json_array_size(f) >= 2 && lens[0] > 0) {
			lens[0]--;
			fp[1] = fields[0] + lens[0];
			ASSERT_OK(E->transcript(tag, fp, lens, 1, got));
			ASSERT_INT_NE(test_memdiff(got, want, 32), -1);
		}
		free(tb);
		for (k = 0; k < json_array_size(f); k++)
			free(fields[k]);
	}
	json_decref(j);
}

TEST(gcrypt_elgamal_sum_vector_merge_and_cancel)
{
	json_t *j = kat_load("elgamal"), *a, *o;
	uint8_t ct[130], want[130], got[130], zero[130];
	void *acc, *a1, *a2;
	struct point *P = group_point_new();
	size_t i;

	ASSERT_NOT_NULL(P);
	memset(zero, 0, sizeof(zero));
	kat_hex(j, "sum_of_all", want, 130);
	a = json_object_get(j, "encryptions");
	ASSERT_OK(E->sum_new(&acc));
	ASSERT_OK(E->sum_new(&a1));
	ASSERT_OK(E->sum_new(&a2));
	ASSERT_OK(E->sum_get(acc, got));
	ASSERT_MEM_EQ(got, zero, 130);
	json_array_foreach(a, i, o) {
		kat_hex(o, "ciphertext", ct, 130);
		ASSERT_OK(E->sum_add(acc, ct));
		ASSERT_OK(E->sum_add(i % 2 ? a1 : a2, ct));
	}
	ASSERT_OK(E->sum_get(acc, got));
	ASSERT_MEM_EQ(got, want, 130);
	ASSERT_OK(E->sum_merge(a1, a2));
	ASSERT_OK(E->sum_get(a1, got));
	ASSERT_MEM_EQ(got, want, 130);
	/* adding the negation of the sum gives the identity (00..00) */
	ASSERT_OK(group_point_decode(P, want, 65, 0));
	ASSERT_OK(group_point_neg(P, P));
	ASSERT_OK(group_point_encode(P, ct, 0));
	ASSERT_OK(group_point_decode(P, want + 65, 65, 0));
	ASSERT_OK(group_point_neg(P, P));
	ASSERT_OK(group_point_encode(P, ct + 65, 0));
	ASSERT_OK(E->sum_add(acc, ct));
	ASSERT_OK(E->sum_get(acc, got));
	ASSERT_MEM_EQ(got, zero, 130);
	/* and a doubling (same ciphertext twice) matches crypto/ */
	ASSERT_OK(E->sum_add(acc, want));
	ASSERT_OK(E->sum_add(acc, want));
	ASSERT_OK(group_point_decode(P, want, 65, 0));
	ASSERT_OK(group_point_add(P, P, P));
	ASSERT_OK(group_point_encode(P, ct, 0));
	ASSERT_OK(E->sum_get(acc, got));
	ASSERT_MEM_EQ(got, ct, 65);
	E->sum_free(acc);
	E->sum_free(a1);
	E->sum_free(a2);
	E->sum_free(NULL);
	group_point_free(P);
	json_decref(j);
}

/* ---- contests -------------------------------------------------------- */

TEST(gcrypt_contest_vector_verifies)
{
	json_t *j = kat_load("contest");
	uint8_t K[65], el[32], *alias, *bytes;
	struct engine_contest c;
	size_t alen, len;
	void *ctx;

	kat_hex(j, "public_key", K, 65);
	kat_hex(j, "election", el, 32);
	alias = kat_hex_alloc(j, "alias", &alen);
	bytes = kat_hex_alloc(j, "encoded", &len);
	memset(&c, 0, sizeof(c));
	c.context = el;
	c.alias = alias;
	c.alias_len = alen;
	c.index = (uint32_t)kat_int(j, "contest");
	c.options = (uint32_t)kat_int(j, "options");
	c.min = (uint32_t)kat_int(j, "min");
	c.max = (uint32_t)kat_int(j, "max");
	c.bytes = bytes;
	c.len = len;
	ASSERT_INT_EQ(len, 4 * (130 + 356) + 2 * 130 + 32 + 64);
	ASSERT_OK(E->open(&ctx, K));
	ASSERT_OK(check_contest(ctx, &c));
	/* another contest index, another voter, another election: no */
	c.index++;
	ASSERT_ERR(check_contest(ctx, &c), ERR_VERIFY);
	c.index--;
	c.alias_len--;
	ASSERT_ERR(check_contest(ctx, &c), ERR_VERIFY);
	c.alias_len++;
	el[31] ^= 1;
	ASSERT_ERR(check_contest(ctx, &c), ERR_VERIFY);
	el[31] ^= 1;
	/* another shape: the length no longer fits */
	c.max = 3;
	ASSERT_ERR(check_contest(ctx, &c), ERR_TRUNCATED);
	c.max = 2;
	c.min = 0;
	ASSERT_ERR(check_contest(ctx, &c), ERR_TRUNCATED);
	c.min = 2;
	ASSERT_ERR(check_contest(ctx, &c), ERR_TRAILING_DATA);
	c.min = 1;
	ASSERT_OK(check_contest(ctx, &c));
	E->close(ctx);
	free(alias);
	free(bytes);
	json_decref(j);
}

struct shape {
	uint32_t options, min, max;
};

/* Random selections within the shape's bounds. */
static void
random_sel(const struct shape *s, uint8_t *sel)
{
	uint32_t want, have = 0, i;
	uint8_t b;

	ASSERT_OK(rand_bytes(&b, 1));
	want = s->min + b % (s->max - s->min + 1);
	memset(sel, 0, s->options);
	while (have < want) {
		ASSERT_OK(rand_bytes(&b, 1));
		i = b % s->options;
		if (!sel[i]) {
			sel[i] = 1;
			have++;
		}
	}
}

TEST(gcrypt_accepts_crypto_contests_and_sums_agree)
{
	static const struct shape shapes[] = {
		{ 1, 0, 1 }, { 1, 1, 1 }, { 3, 1, 2 }, { 5, 0, 5 },
		{ 4, 2, 2 }, { 10, 0, 1 }, { 10, 1, 3 },
	};
	uint8_t Ke[65], el[32], *bytes, sel[16], got[130], want[130];
	struct elgamal_key *key = new_key(Ke);
	struct engine_contest c;
	struct contest_spec sp;
	struct contest_tally *tal;
	void *ctx, *acc[16], *all;
	uint64_t bad[8];
	size_t si, v, o, len, nb;
	const char *alias = "voter-0042";
	double t0, t10 = 0;
	int n10 = 0;

	memset(el, 0x5a, sizeof(el));
	ASSERT_OK(E->open(&ctx, Ke));
	for (si = 0; si < sizeof(shapes) / sizeof(shapes[0]); si++) {
		sp.index = (uint32_t)si;
		sp.options = shapes[si].options;
		sp.min = shapes[si].min;
		sp.max = shapes[si].max;
		len = contest_len(&sp);
		bytes = malloc(len);
		ASSERT_NOT_NULL(bytes);
		ASSERT_OK(contest_tally_new(&tal, sp.options));
		for (o = 0; o < sp.options; o++)
			ASSERT_OK(E->sum_new(&acc[o]));
		for (v = 0; v < 3; v++) {
			random_sel(&shapes[si], sel);
			ASSERT_OK(contest_encrypt(key, el,
			    (const uint8_t *)alias, strlen(alias), &sp, sel,
			    bytes, len));
			ASSERT_OK(contest_verify(key, el, (const uint8_t *)alias,
			    strlen(alias), &sp, bytes, len));
			memset(&c, 0, sizeof(c));
			c.context = el;
			c.alias = (const uint8_t *)alias;
			c.alias_len = strlen(alias);
			c.index = sp.index;
			c.options = sp.options;
			c.min = sp.min;
			c.max = sp.max;
			c.bytes = bytes;
			c.len = len;
			t0 = now_ms();
			ASSERT_OK(E->contest_add(ctx, &c, v));
			if (sp.options == 10 && sp.max == 1) {
				t10 += now_ms() - t0;
				n10++;
			}
			ASSERT_OK(contest_tally_add(tal, &sp, bytes, len));
			for (o = 0; o < sp.options; o++)
				ASSERT_OK(E->sum_add(acc[o], bytes + 130 * o));
		}
		ASSERT_OK(E->contest_flush(ctx, bad, 8, &nb));
		ASSERT_INT_EQ(nb, 0);
		/* per-option sums: crypto/'s tally and the engine agree */
		ASSERT_OK(E->sum_new(&all));
		for (o = 0; o < sp.options; o++) {
			ASSERT_OK(elgamal_encode(contest_tally_sum(tal,
			    (uint32_t)o), want, 0));
			ASSERT_OK(E->sum_get(acc[o], got));
			ASSERT_MEM_EQ(got, want, 130);
			ASSERT_OK(E->sum_merge(all, acc[o]));
			E->sum_free(acc[o]);
		}
		E->sum_free(all);
		contest_tally_free(tal);
		free(bytes);
	}
	fprintf(stderr, "gcrypt engine: a 10-option [0,1] contest verifies "
	    "in %.1f ms\n", t10 / n10);
	E->close(ctx);
	elgamal_key_free(key);
}

/* One fixed contest to forge on. */
struct forge {
	struct elgamal_key *key;
	uint8_t Ke[65];
	uint8_t el[32];
	struct contest_spec sp;
	uint8_t *bytes;
	size_t len;
	struct engine_contest c;
	void *ctx;
};

static void
forge_init(struct forge *f, uint32_t options, uint32_t min, uint32_t max,
    const uint8_t *sel)
{
	memset(f, 0, sizeof(*f));
	f->key = new_key(f->Ke);
	memset(f->el, 0xe1, sizeof(f->el));
	f->sp.index = 3;
	f->sp.options = options;
	f->sp.min = min;
	f->sp.max = max;
	f->len = contest_len(&f->sp);
	f->bytes = malloc(f->len);
	ASSERT_NOT_NULL(f->bytes);
	ASSERT_OK(contest_encrypt(f->key, f->el, (const uint8_t *)"forger", 6,
	    &f->sp, sel, f->bytes, f->len));
	f->c.context = f->el;
	f->c.alias = (const uint8_t *)"forger";
	f->c.alias_len = 6;
	f->c.index = 3;
	f->c.options = options;
	f->c.min = min;
	f->c.max = max;
	f->c.bytes = f->bytes;
	f->c.len = f->len;
	ASSERT_OK(E->open(&f->ctx, f->Ke));
}

static void
forge_free(struct forge *f)
{
	E->close(f->ctx);
	elgamal_key_free(f->key);
	free(f->bytes);
}

/* The contest with bytes [off, off + n) replaced by rep. */
static int
with_field(struct forge *f, size_t off, const uint8_t *rep, size_t n)
{
	uint8_t *save = malloc(n);
	int r;

	ASSERT_NOT_NULL(save);
	memcpy(save, f->bytes + off, n);
	memcpy(f->bytes + off, rep, n);
	r = check_contest(f->ctx, &f->c);
	memcpy(f->bytes + off, save, n);
	free(save);
	return r;
}

TEST(gcrypt_contest_every_field_forged)
{
	static const uint8_t sel[3] = { 1, 0, 1 };
	struct forge f;
	uint8_t g[65], buf[65], zero[65];
	size_t n = 3, L = 2, i, off, p01, rp;
	uint32_t save;

	forge_init(&f, 3, 1, 2, sel);
	ASSERT_OK(check_contest(f.ctx, &f.c));
	g_enc(g);
	memset(zero, 0, sizeof(zero));
	p01 = n * 130;
	rp = p01 + n * 356;
	/* each proof point replaced by G: a valid point, a false proof */
	for (i = 0; i < n; i++)
		for (off = 0; off < 4; off++)
			ASSERT_ERR(with_field(&f, p01 + 356 * i + 65 * off, g,
			    65), ERR_VERIFY);
	for (off = 0; off < 2 * L; off++)
		ASSERT_ERR(with_field(&f, rp + 65 * off, g, 65), ERR_VERIFY);
	/* each ciphertext point replaced by G */
	for (off = 0; off < 2 * n; off++)
		ASSERT_ERR(with_field(&f, 65 * off, g, 65), ERR_VERIFY);
	/* two ciphertexts (with their proofs) swapped */
	{
		uint8_t a[130 + 356];

		memcpy(a, f.bytes, 130);
		memcpy(a + 130, f.bytes + p01, 356);
		memcpy(f.bytes, f.bytes + 130, 130);
		memcpy(f.bytes + p01, f.bytes + p01 + 356, 356);
		memcpy(f.bytes + 130, a, 130);
		memcpy(f.bytes + p01 + 356, a + 130, 356);
		ASSERT_ERR(check_contest(f.ctx, &f.c), ERR_VERIFY);
		memcpy(a, f.bytes, 130);
		memcpy(a + 130, f.bytes + p01, 356);
		memcpy(f.bytes, f.bytes + 130, 130);
		memcpy(f.bytes + p01, f.bytes + p01 + 356, 356);
		memcpy(f.bytes + 130, a, 130);
		memcpy(f.bytes + p01 + 356, a + 130, 356);
		ASSERT_OK(check_contest(f.ctx, &f.c));
	}
	/* each scalar moved by one (ERR_VERIFY) or set to n (ERR_RANGE) */
	for (i = 0; i < n; i++)
		for (off = 0; off < 3; off++) {
			size_t at = p01 + 356 * i + 260 + 32 * off;

			memcpy(buf, f.bytes + at, 32);
			scalar_bump(buf);
			ASSERT_ERR(with_field(&f, at, buf, 32), ERR_VERIFY);
			ASSERT_ERR(with_field(&f, at, N_BE, 32), ERR_RANGE);
		}
	for (off = 0; off < 2 * L - 1; off++) {
		size_t at = rp + 2 * L * 65 + 32 * off;

		memcpy(buf, f.bytes + at, 32);
		scalar_bump(buf);
		ASSERT_ERR(with_field(&f, at, buf, 32), ERR_VERIFY);
		ASSERT_ERR(with_field(&f, at, N_BE, 32), ERR_RANGE);
	}
	/* points off the curve, at infinity, not canonical, compressed */
	for (off = 0; off < 2 * n + 4 * n + 2 * L; off++) {
		size_t at = off < 2 * n ? 65 * off : off < 6 * n ?
		    p01 + 356 * ((off - 2 * n) / 4) + 65 * ((off - 2 * n) % 4) :
		    rp + 65 * (off - 6 * n);

		memcpy(buf, f.bytes + at, 65);
		buf[64] ^= 1;
		ASSERT_ERR(with_field(&f, at, buf, 65), ERR_VERIFY);
		ASSERT_ERR(with_field(&f, at, zero, 65), ERR_RANGE);
		memcpy(buf, f.bytes + at, 65);
		memcpy(buf + 1, P_BE, 32);
		ASSERT_ERR(with_field(&f, at, buf, 65), ERR_NOT_CANONICAL);
		memcpy(buf, f.bytes + at, 65);
		buf[0] = 0x02;
		ASSERT_ERR(with_field(&f, at, buf, 65), ERR_FORMAT);
	}
	/* the binding: context, alias, contest index, shape */
	f.el[0] ^= 0x80;
	ASSERT_ERR(check_contest(f.ctx, &f.c), ERR_VERIFY);
	f.el[0] ^= 0x80;
	f.c.alias = (const uint8_t *)"forgeR";
	ASSERT_ERR(check_contest(f.ctx, &f.c), ERR_VERIFY);
	f.c.alias = (const uint8_t *)"forger";
	f.c.alias_len = 0;
	ASSERT_ERR(check_contest(f.ctx, &f.c), ERR_VERIFY);
	f.c.alias_len = 6;
	save = f.c.index;
	f.c.index = 4;
	ASSERT_ERR(check_contest(f.ctx, &f.c), ERR_VERIFY);
	f.c.index = save;
	ASSERT_OK(check_contest(f.ctx, &f.c));
	/* lengths and shapes */
	f.c.len = f.len - 1;
	ASSERT_ERR(check_contest(f.ctx, &f.c), ERR_TRUNCATED);
	f.c.len = f.len + 1;
	ASSERT_ERR(check_contest(f.ctx, &f.c), ERR_TRAILING_DATA);
	f.c.len = 0;
	ASSERT_ERR(check_contest(f.ctx, &f.c), ERR_TRUNCATED);
	f.c.len = f.len;
	f.c.options = 0;
	ASSERT_ERR(check_contest(f.ctx, &f.c), ERR_INVALID_ARG);
	f.c.options = 129;
	ASSERT_ERR(check_contest(f.ctx, &f.c), ERR_INVALID_ARG);
	f.c.options = 3;
	f.c.min = 3;
	ASSERT_ERR(check_contest(f.ctx, &f.c), ERR_INVALID_ARG);
	f.c.min = 1;
	f.c.max = 4;
	ASSERT_ERR(check_contest(f.ctx, &f.c), ERR_INVALID_ARG);
	f.c.max = 2;
	f.c.alias_len = 257;
	ASSERT_ERR(check_contest(f.ctx, &f.c), ERR_INVALID_ARG);
	f.c.alias_len = 6;
	/* under another election key */
	{
		uint8_t K2[65];
		void *ctx2;

		ASSERT_OK(E->mul_g(12345, K2));
		ASSERT_OK(E->open(&ctx2, K2));
		ASSERT_ERR(check_contest(ctx2, &f.c), ERR_VERIFY);
		E->close(ctx2);
	}
	ASSERT_OK(check_contest(f.ctx, &f.c));
	forge_free(&f);
}

TEST(gcrypt_contest_batch_names_the_failing_ones)
{
	static const uint8_t sel[2] = { 0, 1 };
	struct forge f;
	uint64_t bad[2];
	size_t nb, i;

	forge_init(&f, 2, 0, 1, sel);
	/* ids 10..15, 11 and 14 forged (a scalar bumped) */
	for (i = 10; i < 16; i++) {
		uint8_t save[32];

		memcpy(save, f.bytes + 2 * 130 + 260, 32);
		if (i == 11 || i == 14)
			scalar_bump(f.bytes + 2 * 130 + 260);
		ASSERT_OK(E->contest_add(f.ctx, &f.c, i));
		memcpy(f.bytes + 2 * 130 + 260, save, 32);
	}
	/* a decode error is returned at once and not queued */
	f.c.len--;
	ASSERT_ERR(E->contest_add(f.ctx, &f.c, 99), ERR_TRUNCATED);
	f.c.len++;
	ASSERT_ERR(E->contest_flush(f.ctx, bad, 2, &nb), ERR_VERIFY);
	ASSERT_INT_EQ(nb, 2);
	ASSERT_U64_EQ(bad[0], 11);
	ASSERT_U64_EQ(bad[1], 14);
	/* the queue is empty afterwards; bad_max smaller than the count */
	ASSERT_OK(E->contest_flush(f.ctx, bad, 2, &nb));
	ASSERT_INT_EQ(nb, 0);
	f.el[3] ^= 1;
	for (i = 0; i < 3; i++)
		ASSERT_OK(E->contest_add(f.ctx, &f.c, i));
	ASSERT_ERR(E->contest_flush(f.ctx, bad, 1, &nb), ERR_VERIFY);
	ASSERT_INT_EQ(nb, 3);
	ASSERT_U64_EQ(bad[0], 0);
	f.el[3] ^= 1;
	ASSERT_OK(check_contest(f.ctx, &f.c));
	forge_free(&f);
}

/*
 * A prover that ignores the rules (as in tests/unit/crypto): the honest
 * algorithm for a ciphertext of m, taking branch 1 as "real".  Right
 * for m = 1; for m = 2 the proof must fail.  *r_out gets the nonce.
 */
static void
cheat01(const struct elgamal_key *k, const struct proof_binding *b,
    uint64_t m, uint8_t ct[130], uint8_t pr[PROOF01_LEN],
    struct scalar *r_out)
{
	struct scalar r, u, t, c0, c, c1, v0, v1, x;
	struct point *P = group_point_new(), *Q = group_point_new();
	struct hash_transcript *h;
	int i;

	ASSERT_TRUE(P != NULL && Q != NULL);
	ASSERT_OK(group_scalar_random(&r));
	ASSERT_OK(group_scalar_random(&u));
	ASSERT_OK(group_scalar_random(&t));
	ASSERT_OK(group_scalar_random(&c0));
	group_scalar_set_u64(&x, m);
	ASSERT_OK(group_mul_g(P, &r));
	ASSERT_OK(group_point_encode(P, ct, 0));
	ASSERT_OK(group_mul(P, &r, elgamal_key_point(k)));
	ASSERT_OK(group_mul_g(Q, &x));
	ASSERT_OK(group_point_add(P, P, Q));
	ASSERT_OK(group_point_encode(P, ct + 65, 0));
	ASSERT_OK(group_mul_g(P, &u));
	ASSERT_OK(group_point_encode(P, pr + 130, 0));
	ASSERT_OK(group_mul(P, &u, elgamal_key_point(k)));
	ASSERT_OK(group_point_encode(P, pr + 195, 0));
	group_scalar_mul(&x, &c0, &x);
	group_scalar_neg(&x, &x);
	ASSERT_OK(group_mul_g(P, &t));
	ASSERT_OK(group_point_encode(P, pr, 0));
	ASSERT_OK(group_mul(P, &t, elgamal_key_point(k)));
	ASSERT_OK(group_mul_g(Q, &x));
	ASSERT_OK(group_point_add(P, P, Q));
	ASSERT_OK(group_point_encode(P, pr + 65, 0));
	ASSERT_OK(hash_transcript_new(&h, HASH_TAG_PROOF01));
	ASSERT_OK(hash_put(h, b->election, 32));
	ASSERT_OK(hash_put(h, b->alias, b->alias_len));
	ASSERT_OK(hash_put_u32(h, b->contest));
	ASSERT_OK(hash_put_u32(h, b->option));
	ASSERT_OK(hash_put_point(h, elgamal_key_encoded(k)));
	ASSERT_OK(hash_put_point(h, ct));
	ASSERT_OK(hash_put_point(h, ct + 65));
	for (i = 0; i < 4; i++)
		ASSERT_OK(hash_put_point(h, pr + 65 * i));
	hash_challenge(h, &c);
	group_scalar_sub(&c1, &c, &c0);
	group_scalar_mul(&x, &c0, &r);
	group_scalar_add(&v0, &t, &x);
	group_scalar_mul(&x, &c1, &r);
	group_scalar_add(&v1, &u, &x);
	group_scalar_encode(&c0, pr + 260);
	group_scalar_encode(&v0, pr + 292);
	group_scalar_encode(&v1, pr + 324);
	*r_out = r;
	hash_transcript_free(h);
	group_point_free(P);
	group_point_free(Q);
}

/*
 * A 2-option contest [0, max] whose option 1 holds m1 (proven by
 * cheat01) and option 0 holds 0 (honest), with an honest range proof
 * on the true sum m1 claimed as S.
 */
static int
two_option_contest(struct forge *f, uint64_t m1, uint32_t max, uint64_t S)
{
	struct proof_binding b;
	struct scalar r0, r1, R;
	uint8_t *out;
	size_t len;
	int r;

	memset(&b, 0, sizeof(b));
	memcpy(b.election, f->el, 32);
	b.alias = (const uint8_t *)"forger";
	b.alias_len = 6;
	b.contest = 3;
	f->sp.options = 2;
	f->sp.min = 0;
	f->sp.max = max;
	len = contest_len(&f->sp);
	out = malloc(len);
	ASSERT_NOT_NULL(out);
	b.option = 0;
	ASSERT_OK(proof01_encrypt(f->key, &b, 0, &r0, out, out + 260));
	b.option = 1;
	cheat01(f->key, &b, m1, out + 130, out + 260 + 356, &r1);
	group_scalar_add(&R, &r0, &r1);
	ASSERT_OK(proof_range_prove(f->key, &b, out, 2, 0, max, &R, S,
	    out + 260 + 712, len - 260 - 712));
	f->c.options = 2;
	f->c.min = 0;
	f->c.max = max;
	f->c.bytes = out;
	f->c.len = len;
	r = check_contest(f->ctx, &f->c);
	f->c.bytes = f->bytes;
	free(out);
	return r;
}

TEST(gcrypt_proof01_of_two_and_range_out_of_bounds_fail)
{
	static const uint8_t sel[2] = { 0, 1 };
	struct forge f;
	struct proof_binding b;
	uint8_t *out;
	uint8_t s3[3];
	struct scalar R, r;
	size_t len, i;
	int k;

	forge_init(&f, 2, 0, 1, sel);
	/* the independent prover is right for an honest 1 ... */
	ASSERT_OK(two_option_contest(&f, 1, 2, 1));
	/* ... and a "1" that is 2 fails, however the sum is proven */
	for (k = 0; k < 3; k++)
		ASSERT_ERR(two_option_contest(&f, 2, 2, 2), ERR_VERIFY);
	ASSERT_ERR(two_option_contest(&f, 3, 2, 2), ERR_VERIFY);
	/*
	 * Range lies: 3 options [1, 2], honest 0/1 proofs, sums of
	 * max + 1 and min - 1 claimed inside the range.
	 */
	memset(&b, 0, sizeof(b));
	memcpy(b.election, f.el, 32);
	b.alias = (const uint8_t *)"forger";
	b.alias_len = 6;
	b.contest = 3;
	f.sp.options = 3;
	f.sp.min = 1;
	f.sp.max = 2;
	len = contest_len(&f.sp);
	out = malloc(len);
	ASSERT_NOT_NULL(out);
	for (k = 0; k < 2; k++) {
		memset(s3, k == 0 ? 1 : 0, 3);	/* sum 3 = max+1, 0 = min-1 */
		group_scalar_zero(&R);
		for (i = 0; i < 3; i++) {
			b.option = (uint32_t)i;
			ASSERT_OK(proof01_encrypt(f.key, &b, s3[i], &r,
			    out + 130 * i, out + 390 + 356 * i));
			group_scalar_add(&R, &R, &r);
		}
		/* the honest prover refuses; a lying one is caught */
		ASSERT_ERR(proof_range_prove(f.key, &b, out, 3, 1, 2, &R,
		    k == 0 ? 3 : 0, out + 390 + 3 * 356, len - 390 - 3 * 356),
		    ERR_RANGE);
		ASSERT_OK(proof_range_prove(f.key, &b, out, 3, 1, 2, &R,
		    k == 0 ? 2 : 1, out + 390 + 3 * 356, len - 390 - 3 * 356));
		f.c.options = 3;
		f.c.min = 1;
		f.c.max = 2;
		f.c.bytes = out;
		f.c.len = len;
		ASSERT_ERR(check_contest(f.ctx, &f.c), ERR_VERIFY);
		/* the same ciphertexts pass with bounds that hold */
		f.sp.min = k == 0 ? 3 : 0;
		f.sp.max = k == 0 ? 3 : 0;
		{
			size_t l2 = contest_len(&f.sp);
			uint8_t *o2 = malloc(l2);

			ASSERT_NOT_NULL(o2);
			memcpy(o2, out, 390 + 3 * 356);
			ASSERT_OK(proof_range_prove(f.key, &b, out, 3,
			    f.sp.min, f.sp.max, &R, k == 0 ? 3 : 0,
			    o2 + 390 + 3 * 356, l2 - 390 - 3 * 356));
			f.c.min = f.sp.min;
			f.c.max = f.sp.max;
			f.c.bytes = o2;
			f.c.len = l2;
			ASSERT_OK(check_contest(f.ctx, &f.c));
			free(o2);
		}
		f.sp.min = 1;
		f.sp.max = 2;
	}
	free(out);
	f.c.bytes = f.bytes;
	forge_free(&f);
}

static int
accept_contest(const uint8_t *p, size_t len, void *vf)
{
	struct forge *f = vf;
	struct engine_contest c = f->c;
	uint64_t bad[1];
	size_t nb;
	int r;

	c.bytes = p;
	c.len = len;
	if ((r = E->contest_add(f->ctx, &c, 1)) != 0)
		return r;
	return E->contest_flush(f->ctx, bad, 1, &nb);
}

TEST(gcrypt_contest_mutation_sweep)
{
	static const uint8_t sel[1] = { 1 };
	json_t *j = kat_load("contest");
	struct forge f, v;
	uint8_t *alias;
	size_t alen, i, refused = 0;
	double t0 = now_ms();

	/* every bit flip, truncation and extension of a 1-option contest */
	forge_init(&f, 1, 0, 1, sel);
	ASSERT_MUTANTS_REJECTED(f.bytes, f.len, MUTATE_ALL, accept_contest,
	    &f);
	forge_free(&f);
	/* every byte of the 4-option vector changed once */
	memset(&v, 0, sizeof(v));
	kat_hex(j, "public_key", v.Ke, 65);
	kat_hex(j, "election", v.el, 32);
	alias = kat_hex_alloc(j, "alias", &alen);
	v.bytes = kat_hex_alloc(j, "encoded", &v.len);
	v.c.context = v.el;
	v.c.alias = alias;
	v.c.alias_len = alen;
	v.c.index = (uint32_t)kat_int(j, "contest");
	v.c.options = (uint32_t)kat_int(j, "options");
	v.c.min = (uint32_t)kat_int(j, "min");
	v.c.max = (uint32_t)kat_int(j, "max");
	v.c.bytes = v.bytes;
	v.c.len = v.len;
	ASSERT_OK(E->open(&v.ctx, v.Ke));
	ASSERT_OK(accept_contest(v.bytes, v.len, &v));
	for (i = 0; i < v.len; i++) {
		uint8_t save = v.bytes[i];

		v.bytes[i] ^= (uint8_t)(1u << (i % 8)) | (uint8_t)(i & 0x30);
		if (accept_contest(v.bytes, v.len, &v) != 0)
			refused++;
		v.bytes[i] = save;
	}
	ASSERT_INT_EQ(refused, v.len);
	fprintf(stderr, "gcrypt engine: mutation sweeps took %.0f ms\n",
	    now_ms() - t0);
	E->close(v.ctx);
	free(alias);
	free(v.bytes);
	json_decref(j);
}

/* ---- Ed25519 ---------------------------------------------------------- */

TEST(gcrypt_sig_verify_strict)
{
	static const uint8_t L_LE[32] = {
		0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58,
		0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10
	};
	struct sign_key *sk;
	uint8_t seed[32], pk[32], sig[64], bad[64], msg[40];
	unsigned carry;
	int i;

	memset(seed, 7, sizeof(seed));
	memset(msg, 0x33, sizeof(msg));
	ASSERT_OK(sign_key_from_seed(seed, &sk));
	sign_key_public(sk, pk);
	ASSERT_OK(sign_sign(sk, "receipt", msg, sizeof(msg), sig));
	ASSERT_OK(E->sig_verify(pk, "receipt", msg, sizeof(msg), sig));
	ASSERT_OK(sign_verify(pk, "receipt", msg, sizeof(msg), sig));
	/* another tag, another message, another key */
	ASSERT_ERR(E->sig_verify(pk, "receipts", msg, sizeof(msg), sig),
	    ERR_VERIFY);
	ASSERT_ERR(E->sig_verify(pk, "receipt", msg, sizeof(msg) - 1, sig),
	    ERR_VERIFY);
	msg[5] ^= 1;
	ASSERT_ERR(E->sig_verify(pk, "receipt", msg, sizeof(msg), sig),
	    ERR_VERIFY);
	msg[5] ^= 1;
	pk[3] ^= 1;
	ASSERT_ERR(E->sig_verify(pk, "receipt", msg, sizeof(msg), sig),
	    ERR_VERIFY);
	pk[3] ^= 1;
	/* bad tags are refused before anything */
	ASSERT_ERR(E->sig_verify(pk, "Receipt", msg, sizeof(msg), sig),
	    ERR_VERIFY);
	ASSERT_ERR(E->sig_verify(pk, "", msg, sizeof(msg), sig), ERR_VERIFY);
	/* every bit of the signature */
	for (i = 0; i < 512; i++) {
		memcpy(bad, sig, 64);
		bad[i / 8] ^= (uint8_t)(1u << (i % 8));
		ASSERT_ERR(E->sig_verify(pk, "receipt", msg, sizeof(msg), bad),
		    ERR_VERIFY);
	}
	/* S + L: the same point equation, a non-canonical S */
	memcpy(bad, sig, 64);
	carry = 0;
	for (i = 0; i < 32; i++) {
		carry += (unsigned)bad[32 + i] + L_LE[i];
		bad[32 + i] = (uint8_t)carry;
		carry >>= 8;
	}
	ASSERT_INT_EQ(carry, 0);	/* S + L < 2^256 for this S */
	ASSERT_ERR(E->sig_verify(pk, "receipt", msg, sizeof(msg), bad),
	    ERR_VERIFY);
	ASSERT_ERR(sign_verify(pk, "receipt", msg, sizeof(msg), bad),
	    ERR_VERIFY);
	/* the all-zero key */
	memset(bad, 0, 32);
	ASSERT_ERR(E->sig_verify(bad, "receipt", msg, sizeof(msg), sig),
	    ERR_VERIFY);
	/* an empty message signs and verifies too */
	ASSERT_OK(sign_sign(sk, "dkg-share", NULL, 0, sig));
	ASSERT_OK(E->sig_verify(pk, "dkg-share", NULL, 0, sig));
	sign_key_free(sk);
}

/* ---- the ceremony ------------------------------------------------------ */

TEST(gcrypt_dkg_vector)
{
	json_t *j = kat_load("dkg"), *a, *o;
	uint8_t cctx[32], el[32], ct[130], K[65], want[65], got[65], *pubs[3];
	uint8_t VK[3][65], DS[3][227], bad[227], g[65];
	const uint8_t *shp[3];
	uint32_t qual[3] = { 1, 2, 3 }, idx[3];
	size_t i, len, n = 3, k = 2;

	ASSERT_INT_EQ(kat_int(j, "n"), 3);
	ASSERT_INT_EQ(kat_int(j, "k"), 2);
	kat_hex(j, "context", cctx, 32);
	kat_hex(j, "election", el, 32);
	kat_hex(j, "ciphertext", ct, 130);
	a = json_object_get(j, "public");
	for (i = 0; i < n; i++) {
		pubs[i] = malloc(3 * 162 + 96);
		ASSERT_NOT_NULL(pubs[i]);
		kat_unhex(json_string_value(json_array_get(a, i)), pubs[i],
		    3 * 162 + 96);
		ASSERT_OK(E->dkg_public_verify(3, 2, cctx, (uint32_t)i + 1,
		    pubs[i], 3 * 162 + 96));
		/* as another trustee, or another ceremony: no */
		ASSERT_ERR(E->dkg_public_verify(3, 2, cctx, (uint32_t)(i + 1) %
		    3 + 1, pubs[i], 3 * 162 + 96), ERR_VERIFY);
		ASSERT_ERR(E->dkg_public_verify(5, 2, cctx, (uint32_t)i + 1,
		    pubs[i], 3 * 162 + 96), ERR_VERIFY);
	}
	ASSERT_ERR(E->dkg_public_verify(3, 2, cctx, 1, pubs[0], 3 * 162 + 95),
	    ERR_TRUNCATED);
	ASSERT_ERR(E->dkg_public_verify(3, 2, cctx, 1, pubs[0], 3 * 162 + 97),
	    ERR_TRAILING_DATA);
	ASSERT_ERR(E->dkg_public_verify(3, 3, cctx, 1, pubs[0], 3 * 162 + 96),
	    ERR_INVALID_ARG);		/* n < 2k - 1 */
	ASSERT_ERR(E->dkg_public_verify(3, 2, cctx, 4, pubs[0], 3 * 162 + 96),
	    ERR_INVALID_ARG);
	ASSERT_ERR(E->dkg_public_verify(3, 2, cctx, 0, pubs[0], 3 * 162 + 96),
	    ERR_INVALID_ARG);
	/* every byte of a public message is covered (signature first) */
	for (i = 0; i < 3 * 162 + 96; i++) {
		pubs[1][i] ^= 0x10;
		ASSERT_ERR(E->dkg_public_verify(3, 2, cctx, 2, pubs[1],
		    3 * 162 + 96), ERR_VERIFY);
		pubs[1][i] ^= 0x10;
	}
	/* joint key and verification keys */
	kat_hex(j, "joint_key", want, 65);
	ASSERT_OK(E->dkg_joint_key(3, 2, (const uint8_t *const *)pubs, qual,
	    3, K));
	ASSERT_MEM_EQ(K, want, 65);
	ASSERT_ERR(E->dkg_joint_key(3, 2, (const uint8_t *const *)pubs, qual,
	    1, K), ERR_RANGE);		/* fewer than k */
	idx[0] = 1;
	idx[1] = 1;
	ASSERT_ERR(E->dkg_joint_key(3, 2, (const uint8_t *const *)pubs, idx,
	    2, K), ERR_RANGE);		/* repeated */
	idx[1] = 4;
	ASSERT_ERR(E->dkg_joint_key(3, 2, (const uint8_t *const *)pubs, idx,
	    2, K), ERR_RANGE);		/* out of 1..n */
	a = json_object_get(j, "trustees");
	json_array_foreach(a, i, o) {
		uint32_t t = (uint32_t)kat_int(o, "index");

		ASSERT_INT_EQ(t, i + 1);
		kat_hex(o, "verification_key", VK[i], 65);
		kat_hex(o, "decryption_share", DS[i], 227);
		ASSERT_OK(E->dkg_verification_key(3, 2,
		    (const uint8_t *const *)pubs, qual, 3, t, got));
		ASSERT_MEM_EQ(got, VK[i], 65);
		ASSERT_OK(E->dshare_verify(el, t, VK[i], ct, DS[i], 227));
	}
	ASSERT_ERR(E->dkg_verification_key(3, 2, (const uint8_t *const *)pubs,
	    qual, 3, 4, got), ERR_RANGE);
	ASSERT_ERR(E->dkg_verification_key(3, 2, (const uint8_t *const *)pubs,
	    qual, 3, 0, got), ERR_RANGE);
	/* bad decryption shares */
	g_enc(g);
	ASSERT_ERR(E->dshare_verify(el, 2, VK[0], ct, DS[0], 227), ERR_VERIFY);
	ASSERT_ERR(E->dshare_verify(el, 1, VK[1], ct, DS[0], 227), ERR_VERIFY);
	ASSERT_ERR(E->dshare_verify(cctx, 1, VK[0], ct, DS[0], 227),
	    ERR_VERIFY);
	memcpy(bad, DS[0], 227);
	memcpy(bad, g, 65);			/* M_j replaced */
	ASSERT_ERR(E->dshare_verify(el, 1, VK[0], ct, bad, 227), ERR_VERIFY);
	for (i = 1; i < 3; i++) {		/* a, b replaced */
		memcpy(bad, DS[0], 227);
		memcpy(bad + 65 * i, g, 65);
		ASSERT_ERR(E->dshare_verify(el, 1, VK[0], ct, bad, 227),
		    ERR_VERIFY);
	}
	memcpy(bad, DS[0], 227);
	scalar_bump(bad + 195);
	ASSERT_ERR(E->dshare_verify(el, 1, VK[0], ct, bad, 227), ERR_VERIFY);
	memcpy(bad + 195, N_BE, 32);
	ASSERT_ERR(E->dshare_verify(el, 1, VK[0], ct, bad, 227), ERR_RANGE);
	memcpy(bad, DS[0], 227);
	bad[64] ^= 1;
	ASSERT_ERR(E->dshare_verify(el, 1, VK[0], ct, bad, 227), ERR_VERIFY);
	memset(bad, 0, 65);
	ASSERT_ERR(E->dshare_verify(el, 1, VK[0], ct, bad, 227), ERR_RANGE);
	ASSERT_ERR(E->dshare_verify(el, 1, VK[0], ct, DS[0], 226),
	    ERR_TRUNCATED);
	ASSERT_ERR(E->dshare_verify(el, 1, VK[0], ct, DS[0], 228),
	    ERR_TRAILING_DATA);
	ASSERT_ERR(E->dshare_verify(el, 0, VK[0], ct, DS[0], 227), ERR_RANGE);
	/* another ciphertext (same alpha, other beta): beta is not bound */
	{
		uint8_t ct2[130];

		memcpy(ct2, ct, 130);
		memset(ct2 + 65, 0, 65);	/* identity beta: allowed */
		ASSERT_OK(E->dshare_verify(el, 1, VK[0], ct2, DS[0], 227));
		memcpy(ct2 + 65, g, 65);
		ASSERT_OK(E->dshare_verify(el, 1, VK[0], ct2, DS[0], 227));
		memset(ct2, 0, 65);		/* identity alpha: refused */
		ASSERT_ERR(E->dshare_verify(el, 1, VK[0], ct2, DS[0], 227),
		    ERR_RANGE);
		memcpy(ct2, g, 65);
		ASSERT_ERR(E->dshare_verify(el, 1, VK[0], ct2, DS[0], 227),
		    ERR_VERIFY);
	}
	/* combination: from 1 and 3 as in the vector, and every other set */
	kat_hex(j, "combined_mG", want, 65);
	ASSERT_OK(E->mul_g(kat_int(j, "plaintext"), got));
	ASSERT_MEM_EQ(got, want, 65);
	idx[0] = 1;
	idx[1] = 3;
	shp[0] = DS[0];
	shp[1] = DS[2];
	ASSERT_OK(E->combine(ct, idx, shp, 2, got));
	ASSERT_MEM_EQ(got, want, 65);
	idx[0] = 3;
	idx[1] = 1;
	shp[0] = DS[2];
	shp[1] = DS[0];
	ASSERT_OK(E->combine(ct, idx, shp, 2, got));
	ASSERT_MEM_EQ(got, want, 65);
	idx[0] = 2;
	shp[0] = DS[1];
	ASSERT_OK(E->combine(ct, idx, shp, 2, got));
	ASSERT_MEM_EQ(got, want, 65);
	for (i = 0; i < 3; i++) {
		idx[i] = (uint32_t)i + 1;
		shp[i] = DS[i];
	}
	ASSERT_OK(E->combine(ct, idx, shp, 3, got));
	ASSERT_MEM_EQ(got, want, 65);
	/* k - 1 shares interpolate to a wrong point */
	ASSERT_OK(E->combine(ct, idx, shp, 1, got));
	ASSERT_INT_NE(test_memdiff(got, want, 65), -1);
	/* index sets refused */
	idx[1] = 1;
	ASSERT_ERR(E->combine(ct, idx, shp, 2, got), ERR_RANGE);
	idx[1] = 0;
	ASSERT_ERR(E->combine(ct, idx, shp, 2, got), ERR_RANGE);
	ASSERT_ERR(E->combine(ct, idx, shp, 0, got), ERR_RANGE);
	idx[1] = 33;
	ASSERT_ERR(E->combine(ct, idx, shp, 2, got), ERR_RANGE);
	(void)k;
	(void)len;
	for (i = 0; i < n; i++)
		free(pubs[i]);
	json_decref(j);
}

#define NT 3
#define KT 2

struct ceremony {
	struct dkg_params p;
	struct dkg_trustee *t[NT];
	uint8_t *pub[NT];
	size_t plen;
};

static void
ceremony_run(struct ceremony *c)
{
	uint8_t sh[DKG_SHARE_LEN];
	uint32_t qual[NT];
	int i, j;

	memset(c, 0, sizeof(*c));
	memset(c->p.context, 0xcc, sizeof(c->p.context));
	c->p.n = NT;
	c->p.k = KT;
	c->plen = dkg_public_len(&c->p);
	for (i = 0; i < NT; i++) {
		ASSERT_OK(dkg_trustee_new(&c->t[i], &c->p, (uint32_t)i + 1));
		c->pub[i] = malloc(c->plen);
		ASSERT_NOT_NULL(c->pub[i]);
		ASSERT_OK(dkg_trustee_public(c->t[i], c->pub[i], c->plen));
		qual[i] = (uint32_t)i + 1;
	}
	for (i = 0; i < NT; i++)
		for (j = 0; j < NT; j++) {
			if (i == j)
				continue;
			ASSERT_OK(dkg_trustee_share(c->t[i], (uint32_t)j + 1,
			    c->pub[j], c->plen, sh));
			ASSERT_OK(dkg_trustee_receive(c->t[j], (uint32_t)i + 1,
			    c->pub[i], c->plen, sh, sizeof(sh)));
		}
	for (i = 0; i < NT; i++)
		ASSERT_OK(dkg_trustee_finish(c->t[i], qual, NT));
}

static void
ceremony_free(struct ceremony *c)
{
	int i;

	for (i = 0; i < NT; i++) {
		dkg_trustee_free(c->t[i]);
		free(c->pub[i]);
	}
}

/* The engine and crypto/ judge the complaint alike; returns the verdict. */
static int
judge(struct ceremony *c, uint32_t i, uint32_t j, const uint8_t *sh,
    const uint8_t *comp)
{
	int r = E->dkg_complaint_check(NT, KT, c->p.context, i, j,
	    c->pub[i - 1], c->pub[j - 1], sh, DKG_SHARE_LEN, comp,
	    DKG_COMPLAINT_LEN);

	ASSERT_ERR(dkg_complaint_check(&c->p, i, j, c->pub[i - 1],
	    c->pub[j - 1], sh, DKG_SHARE_LEN, comp, DKG_COMPLAINT_LEN), r);
	return r;
}

TEST(gcrypt_dkg_ceremony_complaints_and_decryption)
{
	struct ceremony c;
	uint8_t sh[DKG_SHARE_LEN], good[DKG_SHARE_LEN], z[DKG_SHARE_LEN];
	uint8_t comp[DKG_COMPLAINT_LEN], comp2[DKG_COMPLAINT_LEN];
	uint8_t K[65], Kc[65], P[65], Pc[65];
	uint8_t ds[NT][DKG_DSHARE_LEN], ctb[130], out[65], outc[65];
	const uint8_t *shp[NT];
	uint32_t qual[NT] = { 1, 2, 3 };
	struct point *pt = group_point_new();
	struct elgamal_key *key = NULL;
	struct elgamal_ciphertext *ct = elgamal_ciphertext_new();
	struct scalar bogus, r;
	uint32_t i;

	ASSERT_TRUE(pt != NULL && ct != NULL);
	ceremony_run(&c);
	for (i = 1; i <= NT; i++)
		ASSERT_OK(E->dkg_public_verify(NT, KT, c.p.context, i,
		    c.pub[i - 1], c.plen));
	/* an honest share, complained about: not justified */
	ASSERT_OK(dkg_trustee_share(c.t[1], 3, c.pub[2], c.plen, good));
	ASSERT_OK(dkg_trustee_complain(c.t[2], 2, good, sizeof(good), comp));
	ASSERT_ERR(judge(&c, 2, 3, good, comp), ERR_VERIFY);
	/* a signed bad share: justified */
	ASSERT_OK(group_scalar_random(&bogus));
	ASSERT_OK(dkg_share_encrypt(&c.p, 2, 3, &bogus, c.pub[2], c.plen, sh));
	ASSERT_OK(dkg_trustee_sign_share(c.t[1], 3, sh));
	ASSERT_OK(dkg_trustee_complain(c.t[2], 2, sh, sizeof(sh), comp));
	ASSERT_OK(judge(&c, 2, 3, sh, comp));
	/* the same bad share unsigned, or signed by someone else: not */
	memcpy(z, sh, sizeof(z));
	memset(z + DKG_SHARE_LEN - 64, 0, 64);
	ASSERT_ERR(judge(&c, 2, 3, z, comp), ERR_VERIFY);
	ASSERT_OK(dkg_trustee_sign_share(c.t[0], 3, z));
	ASSERT_ERR(judge(&c, 2, 3, z, comp), ERR_VERIFY);
	/* a forged ECDH point, or a complaint in another's name: not */
	memcpy(comp2, comp, sizeof(comp));
	comp2[64] ^= 1;
	ASSERT_ERR(judge(&c, 2, 3, sh, comp2), ERR_VERIFY);
	ASSERT_OK(dkg_trustee_complain(c.t[0], 2, sh, sizeof(sh), comp2));
	ASSERT_ERR(judge(&c, 2, 3, sh, comp2), ERR_VERIFY);
	/* signed garbage ciphertext, signed undecodable E: justified */
	memcpy(z, sh, sizeof(z));
	z[70] ^= 1;
	ASSERT_OK(dkg_trustee_sign_share(c.t[1], 3, z));
	ASSERT_OK(dkg_trustee_complain(c.t[2], 2, z, sizeof(z), comp));
	ASSERT_OK(judge(&c, 2, 3, z, comp));
	memset(z, 0, sizeof(z));
	ASSERT_OK(dkg_trustee_sign_share(c.t[1], 3, z));
	ASSERT_OK(judge(&c, 2, 3, z, comp));
	/* arguments */
	ASSERT_ERR(E->dkg_complaint_check(NT, KT, c.p.context, 2, 2, c.pub[1],
	    c.pub[1], sh, sizeof(sh), comp, sizeof(comp)), ERR_INVALID_ARG);
	ASSERT_ERR(E->dkg_complaint_check(NT, KT, c.p.context, 2, 4, c.pub[1],
	    c.pub[2], sh, sizeof(sh), comp, sizeof(comp)), ERR_INVALID_ARG);
	ASSERT_ERR(E->dkg_complaint_check(NT, KT, c.p.context, 2, 3, c.pub[1],
	    c.pub[2], sh, sizeof(sh) - 1, comp, sizeof(comp)), ERR_TRUNCATED);
	ASSERT_ERR(E->dkg_complaint_check(NT, KT, c.p.context, 2, 3, c.pub[1],
	    c.pub[2], sh, sizeof(sh), comp, sizeof(comp) + 1),
	    ERR_TRAILING_DATA);
	/* keys agree with crypto/ */
	ASSERT_OK(E->dkg_joint_key(NT, KT, (const uint8_t *const *)c.pub,
	    qual, NT, K));
	ASSERT_OK(dkg_joint_key(&c.p, (const uint8_t *const *)c.pub, qual, NT,
	    pt));
	ASSERT_OK(group_point_encode(pt, Kc, 0));
	ASSERT_MEM_EQ(K, Kc, 65);
	ASSERT_OK(elgamal_key_new(&key, pt));
	/* decrypt an encryption of 42 with trustees 1..3 */
	ASSERT_OK(elgamal_encrypt(key, 42, NULL, &r, ct));
	ASSERT_OK(elgamal_encode(ct, ctb, 0));
	for (i = 1; i <= NT; i++) {
		ASSERT_OK(E->dkg_verification_key(NT, KT,
		    (const uint8_t *const *)c.pub, qual, NT, i, P));
		ASSERT_OK(dkg_verification_key(&c.p,
		    (const uint8_t *const *)c.pub, qual, NT, i, pt));
		ASSERT_OK(group_point_encode(pt, Pc, 0));
		ASSERT_MEM_EQ(P, Pc, 65);
		ASSERT_OK(dkg_decrypt_share(c.t[i - 1], c.p.context, ct,
		    ds[i - 1]));
		ASSERT_OK(E->dshare_verify(c.p.context, i, P, ctb, ds[i - 1],
		    DKG_DSHARE_LEN));
		shp[i - 1] = ds[i - 1];
	}
	ASSERT_OK(E->combine(ctb, qual, shp, NT, out));
	ASSERT_OK(dkg_combine(&c.p, ct, qual, shp, NT, pt));
	ASSERT_OK(group_point_encode(pt, outc, 0));
	ASSERT_MEM_EQ(out, outc, 65);
	ASSERT_OK(E->mul_g(42, outc));
	ASSERT_MEM_EQ(out, outc, 65);
	/* a disqualified trustee: Q = {1, 3} */
	qual[1] = 3;
	ASSERT_OK(E->dkg_joint_key(NT, KT, (const uint8_t *const *)c.pub,
	    qual, 2, K));
	ASSERT_OK(dkg_joint_key(&c.p, (const uint8_t *const *)c.pub, qual, 2,
	    pt));
	ASSERT_OK(group_point_encode(pt, Kc, 0));
	ASSERT_MEM_EQ(K, Kc, 65);
	elgamal_ciphertext_free(ct);
	elgamal_key_free(key);
	group_point_free(pt);
	ceremony_free(&c);
}
