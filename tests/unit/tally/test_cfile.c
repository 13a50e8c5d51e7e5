/*
 * test_cfile.c - the ceremony's file formats: round trips, the refusals
 * of each decoder, and mutation sweeps.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ballot/election.h"
#include "core/err.h"
#include "core/vbuf.h"
#include "crypto/dkg.h"
#include "crypto/group.h"
#include "tally/cfile.h"
#include "tests/harness/mutate.h"
#include "tests/harness/test.h"

static struct vbuf *
manifest_bytes(void)
{
	static const uint32_t nopt[1] = { 2 };
	struct manifest *m = manifest_new(1, nopt);
	struct vbuf *b = vbuf_new(1 << 20);

	ASSERT_NOT_NULL(m);
	snprintf(m->id, sizeof(m->id), "t-2027");
	snprintf(m->name_ja, sizeof(m->name_ja), "選挙");
	snprintf(m->name_en, sizeof(m->name_en), "Election");
	memcpy(m->municipality, "282227", 7);
	m->election_day = 20000;
	m->reference_date = 19990;
	m->opens_us = 1;
	m->closes_us = 2;
	snprintf(m->contests[0].id, sizeof(m->contests[0].id), "c");
	snprintf(m->contests[0].title_ja, sizeof(m->contests[0].title_ja), "c");
	snprintf(m->contests[0].title_en, sizeof(m->contests[0].title_en), "c");
	m->contests[0].max = 1;
	snprintf(m->contests[0].options[0].id, 8, "a");
	snprintf(m->contests[0].options[0].label_ja, 8, "a");
	snprintf(m->contests[0].options[0].label_en, 8, "a");
	snprintf(m->contests[0].options[1].id, 8, "b");
	snprintf(m->contests[0].options[1].label_ja, 8, "b");
	snprintf(m->contests[0].options[1].label_en, 8, "b");
	ASSERT_OK(manifest_encode(m, b));
	manifest_free(m);
	return b;
}

static int
desc_accept(const uint8_t *p, size_t len, void *ctx)
{
	struct ceremony_desc *d = NULL;
	int r;

	(void)ctx;
	r = ceremony_desc_decode(p, len, &d);
	ceremony_desc_free(d);
	return r;
}

TEST(ceremony_desc_round_trip_and_sweep)
{
	struct vbuf *m = manifest_bytes(), *b = vbuf_new(1 << 21);
	struct ceremony_desc *d = NULL;
	uint8_t cctx[32];

	ASSERT_OK(ceremony_desc_encode("t-2027", vbuf_ptr(m), vbuf_len(m), 5, 3,
	    b));
	ASSERT_OK(ceremony_desc_decode(vbuf_ptr(b), vbuf_len(b), &d));
	ASSERT_STR_EQ(d->election_id, "t-2027");
	ASSERT_INT_EQ(d->p.n, 5);
	ASSERT_INT_EQ(d->p.k, 3);
	ASSERT_OK(ceremony_context(vbuf_ptr(m), vbuf_len(m), 5, 3, cctx));
	ASSERT_MEM_EQ(d->p.context, cctx, 32);
	ceremony_desc_free(d);
	/* every byte is bound: the manifest and n, k by cctx, the id by the
	 * manifest */
	ASSERT_MUTANTS_REJECTED(vbuf_ptr(b), vbuf_len(b), MUTATE_ALL,
	    desc_accept, NULL);
	vbuf_reset(b);
	/* 1-of-n and n < 2k - 1 are refused */
	ASSERT_OK(ceremony_desc_encode("t-2027", vbuf_ptr(m), vbuf_len(m), 3, 1,
	    b));
	ASSERT_ERR(desc_accept(vbuf_ptr(b), vbuf_len(b), NULL), ERR_RANGE);
	vbuf_reset(b);
	ASSERT_OK(ceremony_desc_encode("t-2027", vbuf_ptr(m), vbuf_len(m), 4, 3,
	    b));
	ASSERT_ERR(desc_accept(vbuf_ptr(b), vbuf_len(b), NULL), ERR_RANGE);
	vbuf_reset(b);
	/* an id other than the manifest's */
	ASSERT_OK(ceremony_desc_encode("t-2028", vbuf_ptr(m), vbuf_len(m), 5, 3,
	    b));
	ASSERT_ERR(desc_accept(vbuf_ptr(b), vbuf_len(b), NULL), ERR_MISMATCH);
	vbuf_free(b);
	vbuf_free(m);
}

struct msg_ctx {
	struct dkg_params p;
	size_t body_off;	/* where the body starts */
	size_t body_len;
};

static int
msg_accept(const uint8_t *p, size_t len, void *ctx)
{
	struct msg_ctx *c = ctx;
	struct cmsg m;

	return cmsg_decode(p, len, &c->p, &m);
}

TEST(cmsg_round_trip_refusals_and_sweep)
{
	struct msg_ctx c;
	struct cmsg m, got;
	struct vbuf *b = vbuf_new(1 << 16);
	uint8_t body[DKG_SHARE_LEN + DKG_COMPLAINT_LEN];
	struct mutate_report rep;
	char name[48];
	size_t o, bit;

	memset(&c, 0, sizeof(c));
	memset(c.p.context, 7, 32);
	c.p.n = 5;
	c.p.k = 3;
	memset(body, 0xab, sizeof(body));
	memset(&m, 0, sizeof(m));
	m.kind = CMSG_COMPLAINT;
	m.p = c.p;
	m.from = 4;
	m.to = 2;
	m.body = body;
	m.body_len = sizeof(body);
	ASSERT_OK(cmsg_encode(&m, b));
	ASSERT_OK(cmsg_decode(vbuf_ptr(b), vbuf_len(b), &c.p, &got));
	ASSERT_INT_EQ(got.kind, CMSG_COMPLAINT);
	ASSERT_INT_EQ(got.from, 4);
	ASSERT_INT_EQ(got.to, 2);
	ASSERT_MEM_EQ(got.body, body, sizeof(body));
	/* truncations and extensions: all refused */
	mutate_sweep(vbuf_ptr(b), vbuf_len(b), MUTATE_TRUNCATE | MUTATE_EXTEND,
	    msg_accept, &c, &rep);
	ASSERT_INT_EQ(rep.accepted, 0);
	/* flips: only inside the body (the DKG checks it), or 4 <-> 5 in
	 * the sender and 2 -> 3 in the recipient */
	{
		uint8_t *q = malloc(vbuf_len(b));

		memcpy(q, vbuf_ptr(b), vbuf_len(b));
		for (o = 0; o < vbuf_len(b); o++)
			for (bit = 0; bit < 8; bit++) {
				q[o] ^= (uint8_t)(1u << bit);
				if (msg_accept(q, vbuf_len(b), &c) == 0)
					ASSERT_TRUE(o >= vbuf_len(b) - sizeof(body) ||
					    o == 9 + 1 + 32 + 8 + 3 ||
					    o == 9 + 1 + 32 + 12 + 3);
				q[o] ^= (uint8_t)(1u << bit);
			}
		free(q);
	}
	/* refusals */
	m.to = 4;
	vbuf_reset(b);
	ASSERT_ERR(cmsg_encode(&m, b), ERR_RANGE);
	m.to = 2;
	m.body_len = DKG_SHARE_LEN;
	ASSERT_ERR(cmsg_encode(&m, b), ERR_FORMAT);
	m.kind = CMSG_PUBLIC;
	m.to = 0;
	m.body_len = dkg_public_len(&c.p);
	{
		uint8_t *pb = calloc(1, m.body_len);

		m.body = pb;
		ASSERT_OK(cmsg_encode(&m, b));
		c.p.k = 2;	/* another ceremony */
		ASSERT_ERR(msg_accept(vbuf_ptr(b), vbuf_len(b), &c), ERR_MISMATCH);
		free(pb);
	}
	cmsg_filename(CMSG_SHARE, 2, 11, name, sizeof(name));
	ASSERT_STR_EQ(name, "share-02-to-11.bin");
	cmsg_filename(CMSG_COMPLAINT, 4, 2, name, sizeof(name));
	ASSERT_STR_EQ(name, "complaint-04-about-02.bin");
	vbuf_free(b);
}

static int
result_accept(const uint8_t *p, size_t len, void *ctx)
{
	struct ceremony_result r;

	(void)ctx;
	return ceremony_result_decode(p, len, &r);
}

TEST(ceremony_result_round_trip_and_refusals)
{
	struct ceremony_result r, got;
	struct vbuf *b = vbuf_new(4096);
	struct point *K = group_point_new();
	struct scalar s;
	struct mutate_report rep;

	memset(&r, 0, sizeof(r));
	snprintf(r.election_id, sizeof(r.election_id), "t-2027");
	memset(r.p.context, 9, 32);
	r.p.n = 5;
	r.p.k = 3;
	r.nq = 4;
	r.qual[0] = 1;
	r.qual[1] = 3;
	r.qual[2] = 4;
	r.qual[3] = 5;
	group_scalar_set_u64(&s, 12345);
	ASSERT_OK(group_mul_g(K, &s));
	ASSERT_OK(group_point_encode(K, r.key, 0));
	ASSERT_OK(ceremony_result_encode(&r, b));
	ASSERT_OK(ceremony_result_decode(vbuf_ptr(b), vbuf_len(b), &got));
	ASSERT_INT_EQ(got.nq, 4);
	ASSERT_INT_EQ(got.qual[1], 3);
	ASSERT_MEM_EQ(got.key, r.key, 65);
	mutate_sweep(vbuf_ptr(b), vbuf_len(b), MUTATE_TRUNCATE | MUTATE_EXTEND,
	    result_accept, NULL, &rep);
	ASSERT_INT_EQ(rep.accepted, 0);
	/* not ascending; |Q| < k; the identity as K */
	r.qual[1] = 1;
	vbuf_reset(b);
	ASSERT_OK(ceremony_result_encode(&r, b));
	ASSERT_ERR(result_accept(vbuf_ptr(b), vbuf_len(b), NULL), ERR_FORMAT);
	r.qual[1] = 3;
	r.nq = 2;
	vbuf_reset(b);
	ASSERT_OK(ceremony_result_encode(&r, b));
	ASSERT_ERR(result_accept(vbuf_ptr(b), vbuf_len(b), NULL), ERR_RANGE);
	r.nq = 4;
	memset(r.key, 0, 65);
	vbuf_reset(b);
	ASSERT_OK(ceremony_result_encode(&r, b));
	ASSERT_INT_NE(result_accept(vbuf_ptr(b), vbuf_len(b), NULL), 0);
	group_point_free(K);
	vbuf_free(b);
}
