/*
 * test_contest_batch.c - contest_batch_add and contest_batch_check are
 * all-or-nothing: a malformed contest at any field, or an allocation
 * failure at any point, leaves the batch exactly as it was (the same
 * queued contests, the same equations), and a check that cannot finish
 * names nobody.
 */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "crypto/contest.h"
#include "crypto/elgamal.h"
#include "crypto/group.h"
#include "crypto/proof.h"
#include "tests/harness/test.h"
#include "tests/harness/testfail.h"

static const uint8_t ELECTION[32] = { 9, 8, 7 };
/* 3 options, 1..2 selections: 3 ciphertexts, 3 0/1 proofs, a 2-branch
 * range proof */
static const struct contest_spec SPEC = { 5, 3, 1, 2 };

struct fixture {
	struct elgamal_key *key;
	size_t len;
	uint8_t *good[3];	/* valid for aliases "g0", "g1", "g2" */
	uint8_t *wrong;		/* well-formed, made for "x" but sent as "w" */
};

static void
fixture_new(struct fixture *f)
{
	struct point *K = group_point_new();
	struct scalar sk;
	uint8_t sel[3] = { 1, 0, 1 }, alias[2] = { 'g', '0' };
	int i;

	memset(f, 0, sizeof(*f));
	ASSERT_NOT_NULL(K);
	ASSERT_OK(group_scalar_random(&sk));
	ASSERT_OK(group_mul_g(K, &sk));
	ASSERT_OK(elgamal_key_new(&f->key, K));
	group_point_free(K);
	f->len = contest_len(&SPEC);
	for (i = 0; i < 3; i++) {
		alias[1] = (uint8_t)('0' + i);
		ASSERT_NOT_NULL(f->good[i] = malloc(f->len));
		ASSERT_OK(contest_encrypt(f->key, ELECTION, alias, 2, &SPEC,
		    sel, f->good[i], f->len));
	}
	ASSERT_NOT_NULL(f->wrong = malloc(f->len));
	ASSERT_OK(contest_encrypt(f->key, ELECTION, (const uint8_t *)"x", 1,
	    &SPEC, sel, f->wrong, f->len));
}

static void
fixture_free(struct fixture *f)
{
	int i;

	for (i = 0; i < 3; i++)
		free(f->good[i]);
	free(f->wrong);
	elgamal_key_free(f->key);
}

static int
add_good(struct contest_batch *cb, const struct fixture *f, int i,
    size_t *id)
{
	uint8_t alias[2] = { 'g', (uint8_t)('0' + i) };

	return contest_batch_add(cb, ELECTION, alias, 2, &SPEC, f->good[i],
	    f->len, id);
}

static int
add_wrong(struct contest_batch *cb, const struct fixture *f, size_t *id)
{
	return contest_batch_add(cb, ELECTION, (const uint8_t *)"w", 1, &SPEC,
	    f->wrong, f->len, id);
}

/*
 * Every field of the encoding made malformed in turn (points: a
 * compressed prefix; scalars: all ones, >= n), each refused with its
 * decoding error between good contests; the batch then holds exactly
 * the good ones and the one bad-but-well-formed one, and names it.
 */
TEST(contest_batch_malformed_at_every_field_leaves_batch_intact)
{
	struct fixture f;
	struct contest_batch *cb;
	uint8_t *m;
	size_t id, bad[4], nbad, off, npts, nsc, i, tried = 0;
	size_t ro;	/* where the range proof starts */

	fixture_new(&f);
	ASSERT_OK(contest_batch_new(&cb, f.key));
	ASSERT_NOT_NULL(m = malloc(f.len + 1));
	ro = SPEC.options * (ELGAMAL_CT_LEN + PROOF01_LEN);
	ASSERT_OK(add_good(cb, &f, 0, &id));
	ASSERT_INT_EQ(id, 0);
	/* ciphertext points, then each 0/1 proof's 4 points and 3 scalars,
	 * then the range proof's 4 points and 3 scalars */
	for (off = 0; off < f.len; ) {
		int point;
		size_t flen;

		if (off < SPEC.options * ELGAMAL_CT_LEN)
			point = 1;
		else if (off < ro)
			point = (off - SPEC.options * ELGAMAL_CT_LEN) %
			    PROOF01_LEN < 4 * GROUP_POINT_LEN;
		else
			point = off - ro < 4 * GROUP_POINT_LEN;
		flen = point ? GROUP_POINT_LEN : GROUP_SCALAR_LEN;
		memcpy(m, f.good[1], f.len);
		if (point)
			m[off] = 0x02;
		else
			memset(m + off, 0xff, flen);
		id = 77;
		ASSERT_ERR(contest_batch_add(cb, ELECTION,
		    (const uint8_t *)"g1", 2, &SPEC, m, f.len, &id),
		    point ? ERR_FORMAT : ERR_RANGE);
		ASSERT_INT_EQ(id, 0);
		off += flen;
		tried++;
	}
	npts = 3 * 2 + 3 * 4 + 4;
	nsc = 3 * 3 + 3;
	ASSERT_INT_EQ(tried, npts + nsc);
	/* wrong lengths, bad arguments */
	memcpy(m, f.good[1], f.len);
	m[f.len] = 0;
	ASSERT_ERR(contest_batch_add(cb, ELECTION, (const uint8_t *)"g1", 2,
	    &SPEC, m, f.len + 1, &id), ERR_TRAILING_DATA);
	for (i = 0; i < f.len; i += 97)
		ASSERT_ERR(contest_batch_add(cb, ELECTION,
		    (const uint8_t *)"g1", 2, &SPEC, m, i, &id),
		    ERR_TRUNCATED);
	ASSERT_ERR(contest_batch_add(cb, ELECTION, NULL, 2, &SPEC, m, f.len,
	    &id), ERR_INVALID_ARG);
	{
		struct contest_spec s2 = SPEC;

		s2.max = 4;
		ASSERT_ERR(contest_batch_add(cb, ELECTION,
		    (const uint8_t *)"g1", 2, &s2, m, f.len, &id),
		    ERR_INVALID_ARG);
	}
	/* what is queued: good 0, then wrong (id 1), then good 2 (id 2) */
	ASSERT_OK(add_wrong(cb, &f, &id));
	ASSERT_INT_EQ(id, 1);
	ASSERT_OK(add_good(cb, &f, 2, &id));
	ASSERT_INT_EQ(id, 2);
	ASSERT_ERR(contest_batch_check(cb, bad, 4, &nbad), ERR_VERIFY);
	ASSERT_INT_EQ(nbad, 1);
	ASSERT_INT_EQ(bad[0], 1);
	/* and with only good ones around the refusals the batch passes */
	ASSERT_OK(add_good(cb, &f, 0, &id));
	memcpy(m, f.good[1], f.len);
	m[ro + 4 * GROUP_POINT_LEN + 2 * GROUP_SCALAR_LEN] = 0xff;
	memset(m + ro + 4 * GROUP_POINT_LEN + 2 * GROUP_SCALAR_LEN, 0xff, 32);
	ASSERT_ERR(contest_batch_add(cb, ELECTION, (const uint8_t *)"g1", 2,
	    &SPEC, m, f.len, &id), ERR_RANGE);
	ASSERT_OK(add_good(cb, &f, 2, &id));
	ASSERT_INT_EQ(id, 1);
	ASSERT_OK(contest_batch_check(cb, bad, 4, &nbad));
	ASSERT_INT_EQ(nbad, 0);
	free(m);
	contest_batch_free(cb);
	fixture_free(&f);
}

/*
 * An allocation failure at every point of contest_batch_add: refused
 * with ERR_NOMEM and not queued, with no equation left behind (a
 * leftover equation of the refused bad contest would fail the batch of
 * good ones), and the batch grows again afterwards.
 */
TEST(contest_batch_add_allocation_failure_at_every_point)
{
	struct fixture f;
	struct contest_batch *cb;
	size_t id, bad[4], nbad;
	unsigned long n;
	int r, fired, failures = 0;

	fixture_new(&f);
	for (n = 0;; n++) {
		ASSERT_OK(contest_batch_new(&cb, f.key));
		/* 2 x 26 slots queued; the third needs the batch to grow */
		ASSERT_OK(add_good(cb, &f, 0, &id));
		ASSERT_OK(add_good(cb, &f, 1, &id));
		testfail_after(n);
		r = add_wrong(cb, &f, &id);
		fired = testfail_fired();
		testfail_off();
		if (!fired) {
			ASSERT_OK(r);
			ASSERT_INT_EQ(id, 2);
			ASSERT_ERR(contest_batch_check(cb, bad, 4, &nbad),
			    ERR_VERIFY);
			ASSERT_INT_EQ(nbad, 1);
			ASSERT_INT_EQ(bad[0], 2);
			contest_batch_free(cb);
			break;
		}
		failures++;
		ASSERT_ERR(r, ERR_NOMEM);
		ASSERT_INT_EQ(id, 0);
		/* the batch is usable and holds exactly the two good ones */
		ASSERT_OK(add_good(cb, &f, 2, &id));
		ASSERT_INT_EQ(id, 2);
		ASSERT_OK(contest_batch_check(cb, bad, 4, &nbad));
		ASSERT_INT_EQ(nbad, 0);
		contest_batch_free(cb);
	}
	/* the item array, the two copies, and the slot arrays' growth */
	ASSERT_TRUE(failures >= 4);
	fixture_free(&f);
}

/*
 * An allocation failure at every point of contest_batch_check: either
 * the verdict is complete (ERR_VERIFY naming exactly the bad contest) or
 * it is ERR_NOMEM naming nobody; a good contest is never named bad.
 */
TEST(contest_batch_check_allocation_failure_names_nobody_wrongly)
{
	struct fixture f;
	struct contest_batch *cb;
	size_t id, bad[4], nbad;
	unsigned long n;
	int r, fired, failures = 0;

	fixture_new(&f);
	for (n = 0;; n++) {
		ASSERT_OK(contest_batch_new(&cb, f.key));
		ASSERT_OK(add_good(cb, &f, 0, &id));
		ASSERT_OK(add_wrong(cb, &f, &id));
		ASSERT_OK(add_good(cb, &f, 2, &id));
		testfail_after(n);
		nbad = 99;
		r = contest_batch_check(cb, bad, 4, &nbad);
		fired = testfail_fired();
		testfail_off();
		if (!fired) {
			ASSERT_ERR(r, ERR_VERIFY);
			ASSERT_INT_EQ(nbad, 1);
			ASSERT_INT_EQ(bad[0], 1);
			contest_batch_free(cb);
			break;
		}
		failures++;
		ASSERT_ERR(r, ERR_NOMEM);
		ASSERT_INT_EQ(nbad, 0);
		/* emptied: good ones queued again pass */
		ASSERT_OK(add_good(cb, &f, 0, &id));
		ASSERT_INT_EQ(id, 0);
		ASSERT_OK(contest_batch_check(cb, bad, 4, &nbad));
		contest_batch_free(cb);
	}
	ASSERT_TRUE(failures >= 3);
	fixture_free(&f);
}

/* A lone proof's failed add leaves no equation behind either. */
TEST(proof_batch_failed_add_rolls_back_everything)
{
	struct fixture f;
	struct proof_batch *pb;
	struct proof_binding bind;
	uint8_t *bad01;
	unsigned long n;
	int r, fired;

	fixture_new(&f);
	memset(&bind, 0, sizeof(bind));
	memcpy(bind.election, ELECTION, 32);
	bind.alias = (const uint8_t *)"g0";
	bind.alias_len = 2;
	bind.contest = SPEC.index;
	ASSERT_NOT_NULL(bad01 = malloc(PROOF01_LEN));
	/* option 0's proof with its last response out of range */
	memcpy(bad01, f.good[0] + 3 * ELGAMAL_CT_LEN, PROOF01_LEN);
	memset(bad01 + PROOF01_LEN - 32, 0xff, 32);
	for (n = 0;; n++) {
		ASSERT_OK(proof_batch_new(&pb, f.key));
		bind.option = 0;
		ASSERT_ERR(proof01_batch_add(pb, &bind, f.good[0],
		    ELGAMAL_CT_LEN, bad01, PROOF01_LEN), ERR_RANGE);
		ASSERT_INT_EQ(proof_batch_equations(pb), 0);
		/* the range proof of g0 with the wrong bounds' length */
		ASSERT_ERR(proof_range_batch_add(pb, &bind, f.good[0], 3, 1, 3,
		    f.good[0] + 3 * (ELGAMAL_CT_LEN + PROOF01_LEN),
		    proof_range_len(1, 2)), ERR_TRUNCATED);
		/* a good proof with an allocation failure somewhere */
		bind.option = 1;
		testfail_after(n);
		r = proof01_batch_add(pb, &bind, f.good[0] + ELGAMAL_CT_LEN,
		    ELGAMAL_CT_LEN, f.good[0] + 3 * ELGAMAL_CT_LEN +
		    PROOF01_LEN, PROOF01_LEN);
		fired = testfail_fired();
		testfail_off();
		if (fired) {
			ASSERT_ERR(r, ERR_NOMEM);
			ASSERT_INT_EQ(proof_batch_equations(pb), 0);
		} else {
			ASSERT_OK(r);
			ASSERT_INT_EQ(proof_batch_equations(pb), 4);
		}
		ASSERT_OK(proof_batch_check(pb));
		proof_batch_free(pb);
		if (!fired)
			break;
	}
	free(bad01);
	fixture_free(&f);
}
