/*
 * bench_crypto.c - performance figures of crypto/ (make bench).
 *
 * Prints one line per figure:  BENCH name=... value=... unit=...
 * Each figure is the median of 3 or 5 timed runs, single-threaded.  Not a
 * test: nothing here fails on a slow machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "crypto/bsgs.h"
#include "crypto/contest.h"
#include "crypto/elgamal.h"
#include "crypto/group.h"
#include "crypto/hash.h"
#include "crypto/proof.h"

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median3(double a, double b, double c)
{
	double v[3] = { a, b, c };

	qsort(v, 3, sizeof(v[0]), cmp_double);
	return v[1];
}

static void
die(const char *what, int r)
{
	fprintf(stderr, "bench_crypto: %s: %s\n", what, err_name(r));
	exit(1);
}

#define CHECK(what, expr) do { int r_ = (expr); if (r_ != 0) die(what, r_); } while (0)

static void
report(const char *name, double value, const char *unit)
{
	printf("BENCH name=%s value=%.2f unit=%s\n", name, value, unit);
	fflush(stdout);
}

int
main(void)
{
	struct scalar s, x;
	struct point *p, *q, *k;
	struct elgamal_key *key;
	uint8_t election[HASH_LEN], alias[16] = "voter-0001";
	struct contest_spec spec = { .index = 0, .options = 10, .min = 0,
	    .max = 1 };
	uint8_t sel[10] = { 0, 0, 0, 1, 0, 0, 0, 0, 0, 0 };
	uint8_t *ballot;
	size_t blen, i;
	double t0, run[3], mul_var, mul_fixed, enc, ver;
	int rep;

	memset(election, 0x42, sizeof(election));
	p = group_point_new();
	q = group_point_new();
	k = group_point_new();
	if (p == NULL || q == NULL || k == NULL)
		die("alloc", ERR_NOMEM);
	CHECK("rand", group_scalar_random(&s));
	CHECK("rand", group_scalar_random(&x));
	CHECK("mul", group_mul_g(k, &x));
	CHECK("mul", group_mul_g(p, &s));
	CHECK("key", elgamal_key_new(&key, k));

	/*
	 * The verify/mul ratio is the machine-independent figure, and this
	 * kind of VM is noisy: measure the two side by side in each of 5
	 * rounds and report the median of the per-round ratios.
	 */
	blen = contest_len(&spec);
	if ((ballot = malloc(blen)) == NULL)
		die("alloc", ERR_NOMEM);
	CHECK("encrypt", contest_encrypt(key, election, alias, sizeof(alias),
	    &spec, sel, ballot, blen));
	{
		double mv[5], fx[5], en[5], ve[5], ra[5];

		for (rep = 0; rep < 5; rep++) {
			t0 = now_us();
			for (i = 0; i < 2000; i++)
				CHECK("mul", group_mul(q, &s, p));
			mv[rep] = (now_us() - t0) / 2000.0;
			t0 = now_us();
			for (i = 0; i < 10000; i++)
				CHECK("mul", group_mul_g(q, &s));
			fx[rep] = (now_us() - t0) / 10000.0;
			t0 = now_us();
			for (i = 0; i < 150; i++)
				CHECK("encrypt", contest_encrypt(key, election,
				    alias, sizeof(alias), &spec, sel, ballot,
				    blen));
			en[rep] = (now_us() - t0) / 150.0;
			t0 = now_us();
			for (i = 0; i < 150; i++)
				CHECK("verify", contest_verify(key, election,
				    alias, sizeof(alias), &spec, ballot, blen));
			ve[rep] = (now_us() - t0) / 150.0;
			ra[rep] = ve[rep] / mv[rep];
		}
		qsort(mv, 5, sizeof(double), cmp_double);
		qsort(fx, 5, sizeof(double), cmp_double);
		qsort(en, 5, sizeof(double), cmp_double);
		qsort(ve, 5, sizeof(double), cmp_double);
		qsort(ra, 5, sizeof(double), cmp_double);
		mul_var = mv[2];
		mul_fixed = fx[2];
		enc = en[2];
		ver = ve[2];
		report("p256_mul_var_us", mul_var, "us");
		report("p256_mul_fixed_us", mul_fixed, "us");
		report("encrypt_ballot10_us", enc, "us");
		report("verify_ballot10_us", ver, "us");
		report("verify_ballot10_ratio", ra[2], "x");
		report("encrypt_ballot10_per_fixed_mul", enc / mul_fixed, "x");
	}

	/*
	 * The verifier's multi-scalar multiplication alone, shaped like one
	 * contest of 10 options: 66 points, 22 with full-size coefficients
	 * (the ciphertexts) and 44 with 128-bit ones (the commitments,
	 * coefficient -z), plus a G term.  OpenSSL's EC_POINTs_mul against
	 * the variable-time Straus code (what group_msm runs when
	 * field_bmi2_adx is 1), alternated in each of 5 rounds.
	 */
	{
		enum { PTS = 66 };
		struct point **pts = group_points_new(PTS);
		struct scalar sc[PTS], gs;
		double mo[5], mt[5];

		if (pts == NULL)
			die("alloc", ERR_NOMEM);
		for (i = 0; i < PTS; i++) {
			CHECK("rand", group_scalar_random(&sc[i]));
			CHECK("mul", group_mul_g(pts[i], &sc[i]));
			CHECK("rand", group_scalar_random(&sc[i]));
			if (i % 3 != 0) {
				sc[i].limb[2] = sc[i].limb[3] = 0;
				group_scalar_neg(&sc[i], &sc[i]);
			}
		}
		CHECK("rand", group_scalar_random(&gs));
		for (rep = 0; rep < 5; rep++) {
			t0 = now_us();
			for (i = 0; i < 200; i++)
				CHECK("msm", group_msm_openssl(q, &gs, PTS,
				    (const struct point *const *)pts, sc));
			mo[rep] = (now_us() - t0) / 200.0;
			t0 = now_us();
			for (i = 0; i < 200; i++)
				CHECK("msm", group_msm_vartime(q, &gs, PTS,
				    (const struct point *const *)pts, sc));
			mt[rep] = (now_us() - t0) / 200.0;
		}
		qsort(mo, 5, sizeof(double), cmp_double);
		qsort(mt, 5, sizeof(double), cmp_double);
		report("field_bmi2_adx", group_field_fast(), "flag");
		report("msm66_openssl_us", mo[2], "us");
		report("msm66_vartime_us", mt[2], "us");
		group_points_free(pts, PTS);
	}

	/* 1,000,000 ciphertexts summed from their encoded form */
	{
		enum { DISTINCT = 1024, TOTAL = 1000000 };
		uint8_t *cts = malloc((size_t)DISTINCT * ELGAMAL_CT_LEN);
		struct elgamal_ciphertext *c = elgamal_ciphertext_new();
		struct elgamal_ciphertext *acc = elgamal_ciphertext_new();
		struct elgamal_ciphertext *tmp = elgamal_ciphertext_new();
		struct point *m = group_point_new();
		struct bsgs_table *tab;
		uint64_t got;
		double agg;

		if (cts == NULL || c == NULL || acc == NULL || tmp == NULL ||
		    m == NULL)
			die("alloc", ERR_NOMEM);
		for (i = 0; i < DISTINCT; i++) {
			CHECK("enc", elgamal_encrypt(key, i & 1, NULL, NULL, c));
			CHECK("enc", elgamal_encode(c,
			    cts + i * ELGAMAL_CT_LEN, 0));
		}
		CHECK("zero", elgamal_ciphertext_zero(acc));
		/* the generic path: decode + EC_POINT_add, 100k of them */
		t0 = now_us();
		for (i = 0; i < TOTAL / 10; i++)
			CHECK("add", elgamal_add_encoded(acc, tmp,
			    cts + (i % DISTINCT) * ELGAMAL_CT_LEN));
		report("aggregate_1m_generic_s", (now_us() - t0) / 1e5, "s");
		/* the tally path: the validating accumulator */
		{
			struct elgamal_acc *ea;

			CHECK("acc", elgamal_acc_new(&ea));
			t0 = now_us();
			for (i = 0; i < TOTAL; i++)
				CHECK("acc", elgamal_acc_add_encoded(ea,
				    cts + (i % DISTINCT) * ELGAMAL_CT_LEN));
			CHECK("acc", elgamal_acc_get(ea, acc));
			agg = (now_us() - t0) / 1e6;
			elgamal_acc_free(ea);
		}
		report("aggregate_1m_s", agg, "s");

		/* decode a plaintext near 10^6 with a 10^8 table */
		t0 = now_us();
		CHECK("bsgs", bsgs_table_new(&tab, 100000000));
		report("bsgs_table_1e8_build_ms", (now_us() - t0) / 1e3, "ms");
		group_scalar_set_u64(&s, 999983);
		CHECK("mul", group_mul_g(m, &s));
		for (rep = 0; rep < 3; rep++) {
			t0 = now_us();
			for (i = 0; i < 20; i++)
				CHECK("bsgs", bsgs_decode(tab, m, &got));
			run[rep] = (now_us() - t0) / 20.0;
		}
		if (got != 999983)
			die("bsgs wrong", ERR_INTERNAL);
		report("bsgs_decode_us", median3(run[0], run[1], run[2]), "us");
		group_scalar_set_u64(&s, 99999999);
		CHECK("mul", group_mul_g(m, &s));
		t0 = now_us();
		CHECK("bsgs", bsgs_decode(tab, m, &got));
		report("bsgs_decode_worst_1e8_us", now_us() - t0, "us");
		bsgs_table_free(tab);
		free(cts);
		elgamal_ciphertext_free(c);
		elgamal_ciphertext_free(acc);
		elgamal_ciphertext_free(tmp);
		group_point_free(m);
	}
	free(ballot);
	elgamal_key_free(key);
	group_point_free(p);
	group_point_free(q);
	group_point_free(k);
	return 0;
}
