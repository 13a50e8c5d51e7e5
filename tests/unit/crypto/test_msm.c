/*
 * test_msm.c - the variable-time multi-scalar multiplication
 * (group_msm_vartime) against OpenSSL: EC_POINTs_mul (group_msm_openssl)
 * and, for small sizes, a sum of single constant-time multiplications.
 * Sizes 1, 2, 3, 17, 64, 300 and one past a chunk; zero scalars, n - 1,
 * (n - 1) / 2 and (n + 1) / 2 (the sign split), repeated points, P and
 * -P cancelling to the identity, the identity as an input, and equal
 * points meeting inside an addition (P + P).  Deterministic: scalars and
 * points come from a fixed xorshift stream.  The field code under it runs
 * the BMI2/ADX product where the CPU has it: the field self-test compares
 * that with the portable code, and the random sizes run on both.
 */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "crypto/group.h"
#include "tests/harness/test.h"

/* n, big-endian */
static const uint8_t N_BE[32] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
	0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51
};

static uint64_t msm_rs = 0x9e3779b97f4a7c15ULL;

static uint64_t
msm_next(void)
{
	msm_rs ^= msm_rs << 13;
	msm_rs ^= msm_rs >> 7;
	msm_rs ^= msm_rs << 17;
	return msm_rs;
}

/* A scalar: mostly uniform, sometimes 128-bit (the batch weights),
 * small, or one of the edge values. */
static void
msm_scalar(struct scalar *s)
{
	uint8_t w[GROUP_WIDE_LEN], b[GROUP_SCALAR_LEN];
	size_t i;
	int kind = (int)(msm_next() % 10);

	for (i = 0; i < sizeof(w); i++)
		w[i] = (uint8_t)msm_next();
	group_scalar_from_wide(s, w);
	if (kind == 0) {			/* 128 bits */
		s->limb[2] = 0;
		s->limb[3] = 0;
	} else if (kind == 1) {			/* small */
		group_scalar_set_u64(s, msm_next() % 40);
	} else if (kind == 2) {			/* n - 1 */
		memcpy(b, N_BE, sizeof(b));
		b[31]--;
		if (group_scalar_decode(s, b) != 0)
			abort();
	} else if (kind == 3) {			/* -(128 bits) */
		s->limb[2] = 0;
		s->limb[3] = 0;
		group_scalar_neg(s, s);
	}
}

/* r = sum s[i]·p[i] (+ g·G) by single multiplications and additions. */
static int
msm_naive(struct point *r, const struct scalar *g, size_t n,
    const struct point *const *p, const struct scalar *s)
{
	struct point *t = group_point_new();
	size_t i;
	int rc;

	if (t == NULL)
		return ERR_NOMEM;
	rc = group_point_set_infinity(r);
	if (rc == 0 && g != NULL && (rc = group_mul_g(t, g)) == 0)
		rc = group_point_add(r, r, t);
	for (i = 0; rc == 0 && i < n; i++) {
		if (group_point_is_infinity(p[i]))
			continue;
		if ((rc = group_mul(t, &s[i], p[i])) == 0)
			rc = group_point_add(r, r, t);
	}
	group_point_free(t);
	return rc;
}

/* Fails unless vartime == OpenSSL (== naive when asked). */
static void
msm_check(const struct scalar *g, size_t n, const struct point *const *p,
    const struct scalar *s, int naive)
{
	struct point *a = group_point_new(), *b = group_point_new();

	ASSERT_NOT_NULL(a);
	ASSERT_NOT_NULL(b);
	ASSERT_OK(group_msm_vartime(a, g, n, p, s));
	ASSERT_OK(group_msm_openssl(b, g, n, p, s));
	ASSERT_INT_EQ(group_point_eq(a, b), 1);
	if (naive) {
		ASSERT_OK(msm_naive(b, g, n, p, s));
		ASSERT_INT_EQ(group_point_eq(a, b), 1);
	}
	group_point_free(a);
	group_point_free(b);
}

/* n random points k·G. */
static struct point **
msm_points(size_t n)
{
	struct point **v = group_points_new(n);
	struct scalar k;
	size_t i;

	if (v == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		msm_scalar(&k);
		if (group_scalar_is_zero(&k))
			group_scalar_set_u64(&k, 7);
		if (group_mul_g(v[i], &k) != 0) {
			group_points_free(v, n);
			return NULL;
		}
	}
	return v;
}

/* Where the CPU lacks BMI2/ADX there is no second code to compare (the
 * selftest returns 0 at once): the MSM tests below cover the portable
 * code, which is then the only one. */
TEST(field_fast_equals_portable)
{
	ASSERT_OK(group_field_selftest(0x1234567887654321ULL, 1000000));
	ASSERT_OK(group_field_selftest(0x0f0f0f0f0f0f0f0fULL, 1000000));
}

static void
msm_random_sizes(void)
{
	static const size_t sizes[] = { 1, 2, 3, 17, 64, 300 };
	struct point **p;
	struct scalar *s, g;
	size_t k, i, n;

	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		n = sizes[k];
		ASSERT_NOT_NULL(p = msm_points(n));
		ASSERT_NOT_NULL(s = calloc(n, sizeof(*s)));
		for (i = 0; i < n; i++)
			msm_scalar(&s[i]);
		msm_scalar(&g);
		msm_check(NULL, n, (const struct point *const *)p, s, n <= 17);
		msm_check(&g, n, (const struct point *const *)p, s, n <= 17);
		group_points_free(p, n);
		free(s);
	}
}

TEST(msm_vartime_random_sizes)
{
	msm_random_sizes();
}

/* The same on the portable field code (the only code on CPUs without
 * BMI2/ADX). */
TEST(msm_vartime_random_sizes_portable)
{
	group_field_force_portable(1);
	msm_random_sizes();
	group_field_force_portable(0);
}

TEST(msm_vartime_edge_scalars)
{
	struct point **p;
	struct scalar s[8], one;
	uint8_t b[GROUP_SCALAR_LEN];
	size_t i;

	ASSERT_NOT_NULL(p = msm_points(8));
	group_scalar_set_u64(&one, 1);
	group_scalar_zero(&s[0]);			/* 0 */
	memcpy(b, N_BE, sizeof(b));
	b[31]--;
	ASSERT_OK(group_scalar_decode(&s[1], b));	/* n - 1 */
	memcpy(b, N_BE, sizeof(b));
	for (i = 31; i > 0; i--)			/* (n - 1) / 2 */
		b[i] = (uint8_t)((b[i] >> 1) | (b[i - 1] << 7));
	b[0] >>= 1;
	ASSERT_OK(group_scalar_decode(&s[2], b));
	group_scalar_add(&s[3], &s[2], &one);		/* (n + 1) / 2 */
	group_scalar_set_u64(&s[4], 1);
	group_scalar_set_u64(&s[5], 2);
	memset(b, 0, sizeof(b));
	b[0] = 0x80;					/* 2^255 */
	ASSERT_OK(group_scalar_decode(&s[6], b));
	memset(b, 0, sizeof(b));
	memset(b + 16, 0xff, 16);			/* 2^128 - 1 */
	ASSERT_OK(group_scalar_decode(&s[7], b));
	/* each alone, then all together, with and without a G term */
	for (i = 0; i < 8; i++) {
		msm_check(NULL, 1, (const struct point *const *)&p[i], &s[i], 1);
		msm_check(&s[i], 1, (const struct point *const *)&p[i], &s[i],
		    1);
	}
	msm_check(&s[1], 8, (const struct point *const *)p, s, 1);
	/* all scalars zero: the identity */
	{
		struct scalar z[3];
		struct point *r = group_point_new();

		ASSERT_NOT_NULL(r);
		memset(z, 0, sizeof(z));
		ASSERT_OK(group_msm_vartime(r, &z[0], 3,
		    (const struct point *const *)p, z));
		ASSERT_TRUE(group_point_is_infinity(r));
		ASSERT_OK(group_msm_vartime(r, NULL, 0, NULL, NULL));
		ASSERT_TRUE(group_point_is_infinity(r));
		group_point_free(r);
	}
	group_points_free(p, 8);
}

TEST(msm_vartime_identity_and_cancellation)
{
	struct point *p[6], *r;
	struct point **q;
	struct scalar s[6], t;

	ASSERT_NOT_NULL(q = msm_points(2));
	ASSERT_NOT_NULL(r = group_point_new());
	ASSERT_NOT_NULL(p[0] = group_point_new());	/* the identity */
	ASSERT_NOT_NULL(p[1] = group_point_new());	/* -Q0 */
	ASSERT_OK(group_point_neg(p[1], q[0]));
	p[2] = q[0];
	p[3] = q[1];
	p[4] = q[1];
	ASSERT_NOT_NULL(p[5] = group_point_new());	/* G */
	ASSERT_OK(group_point_set_generator(p[5]));

	/* the identity alone, with a nonzero scalar */
	msm_scalar(&s[0]);
	group_scalar_set_u64(&s[0], 12345);
	msm_check(NULL, 1, (const struct point *const *)p, s, 1);
	ASSERT_OK(group_msm_vartime(r, NULL, 1, (const struct point *const *)p,
	    s));
	ASSERT_TRUE(group_point_is_infinity(r));

	/* s·(-Q0) + s·Q0 = O, with the identity in the list too */
	msm_scalar(&s[1]);
	s[2] = s[1];
	ASSERT_OK(group_msm_vartime(r, NULL, 3, (const struct point *const *)p,
	    s));
	ASSERT_TRUE(group_point_is_infinity(r));
	msm_check(NULL, 3, (const struct point *const *)p, s, 1);

	/* s·Q1 + (n - s)·Q1 = O: the same point, opposite scalars */
	msm_scalar(&s[3]);
	group_scalar_neg(&s[4], &s[3]);
	ASSERT_OK(group_msm_vartime(r, NULL, 2,
	    (const struct point *const *)&p[3], &s[3]));
	ASSERT_TRUE(group_point_is_infinity(r));

	/* g·G + (-g)·G = O through the G term and G as a point */
	msm_scalar(&t);
	group_scalar_neg(&s[5], &t);
	ASSERT_OK(group_msm_vartime(r, &t, 1,
	    (const struct point *const *)&p[5], &s[5]));
	ASSERT_TRUE(group_point_is_infinity(r));

	/* all six together: every term cancels another */
	msm_scalar(&s[0]);
	msm_check(&t, 6, (const struct point *const *)p, s, 1);

	group_point_free(p[0]);
	group_point_free(p[1]);
	group_point_free(p[5]);
	group_points_free(q, 2);
	group_point_free(r);
}

TEST(msm_vartime_doubling_inside_additions)
{
	struct point **q, *p[4], *r, *want;
	struct scalar s[4];
	size_t i;

	ASSERT_NOT_NULL(q = msm_points(2));
	ASSERT_NOT_NULL(r = group_point_new());
	ASSERT_NOT_NULL(want = group_point_new());
	/* P + P: both digits land on the same position, the accumulator
	 * equals the table entry and the addition must double */
	p[0] = q[0];
	p[1] = q[0];
	group_scalar_set_u64(&s[0], 1);
	group_scalar_set_u64(&s[1], 1);
	ASSERT_OK(group_msm_vartime(r, NULL, 2, (const struct point *const *)p,
	    s));
	ASSERT_OK(group_point_add(want, q[0], q[0]));
	ASSERT_INT_EQ(group_point_eq(r, want), 1);
	/* two points, each twice, with the small scalars 1..4 */
	for (i = 0; i < 4; i++) {
		p[i] = q[i & 1 ? 0 : 1];
		group_scalar_set_u64(&s[i], i + 1);
	}
	msm_check(NULL, 4, (const struct point *const *)p, s, 1);
	/* G given as a point and as the G term with the same scalar */
	ASSERT_OK(group_point_set_generator(want));
	p[0] = want;
	group_scalar_set_u64(&s[0], 5);
	msm_check(&s[0], 1, (const struct point *const *)p, s, 1);
	/* the same point many times (64 copies, random scalars) */
	{
		struct point *rep[64];
		struct scalar rs[64];

		for (i = 0; i < 64; i++) {
			rep[i] = q[1];
			msm_scalar(&rs[i]);
		}
		msm_check(NULL, 64, (const struct point *const *)rep, rs, 1);
	}
	group_points_free(q, 2);
	group_point_free(r);
	group_point_free(want);
}

TEST(msm_vartime_across_chunks)
{
	enum { DISTINCT = 64, COUNT = 1100 };
	struct point **q, **p;
	struct scalar *s;
	size_t i;

	ASSERT_NOT_NULL(q = msm_points(DISTINCT));
	ASSERT_NOT_NULL(p = calloc(COUNT, sizeof(*p)));
	ASSERT_NOT_NULL(s = calloc(COUNT, sizeof(*s)));
	for (i = 0; i < COUNT; i++) {
		p[i] = q[i % DISTINCT];
		msm_scalar(&s[i]);
	}
	msm_check(&s[0], COUNT, (const struct point *const *)p, s, 0);
	free(p);
	free(s);
	group_points_free(q, DISTINCT);
}
