/*
 * test_recview.c - the verifier's own manifest and ballot decoders
 * (audit/recview.h) against what ballot/ writes: field by field, every
 * refusal with its exact error, the contest length against
 * crypto/contest.h for every shape, and mutation sweeps that compare the
 * two decoders mutant by mutant.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/recview.h"
#include "ballot/ballot.h"
#include "ballot/election.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/vbuf.h"
#include "crypto/contest.h"
#include "crypto/elgamal.h"
#include "crypto/group.h"
#include "crypto/rand.h"
#include "tests/harness/mutate.h"
#include "tests/harness/test.h"

/* ---- fixtures ---- */

static struct manifest *
town_manifest(void)
{
	static const uint32_t nopt[4] = { 3, 8, 2, 5 };
	struct manifest *m = manifest_new(4, nopt);
	uint32_t i, j;

	ASSERT_NOT_NULL(m);
	snprintf(m->id, sizeof(m->id), "yabu-2027");
	snprintf(m->name_ja, sizeof(m->name_ja), "養父市長選挙・市議会議員選挙");
	snprintf(m->name_en, sizeof(m->name_en), "Yabu mayoral and council elections");
	memcpy(m->municipality, "282227", 7);
	ASSERT_OK(clock_parse_date("2027-04-25", 10, &m->election_day));
	ASSERT_OK(clock_parse_date("2027-04-17", 10, &m->reference_date));
	m->opens_us = 1808438400000000LL;
	m->closes_us = 1808474400000000LL;
	for (i = 0; i < 4; i++) {
		struct manifest_contest *c = &m->contests[i];

		snprintf(c->id, sizeof(c->id), "contest-%u", i);
		snprintf(c->title_ja, sizeof(c->title_ja), "選挙 %u", i);
		snprintf(c->title_en, sizeof(c->title_en), "Contest %u", i);
		for (j = 0; j < c->noptions; j++) {
			snprintf(c->options[j].id, sizeof(c->options[j].id), "o%u", j);
			snprintf(c->options[j].label_ja,
			    sizeof(c->options[j].label_ja), "候補 %u", j);
			snprintf(c->options[j].label_en,
			    sizeof(c->options[j].label_en), "Option %u", j);
		}
	}
	m->contests[0].min = 0;	m->contests[0].max = 1;
	m->contests[1].min = 0;	m->contests[1].max = 1;
	m->contests[2].min = 1;	m->contests[2].max = 1;
	m->contests[3].min = 0;	m->contests[3].max = 5;
	return m;
}

/* A small election (two small contests) for sweeps over ballots. */
static struct manifest *
small_manifest(void)
{
	static const uint32_t nopt[2] = { 1, 2 };
	struct manifest *m = manifest_new(2, nopt);

	ASSERT_NOT_NULL(m);
	snprintf(m->id, sizeof(m->id), "s1");
	snprintf(m->name_ja, sizeof(m->name_ja), "住民投票");
	snprintf(m->name_en, sizeof(m->name_en), "Referendum");
	memcpy(m->municipality, "282014", 7);
	ASSERT_OK(clock_parse_date("2027-04-25", 10, &m->election_day));
	m->reference_date = m->election_day;
	m->opens_us = 1;
	m->closes_us = 2;
	snprintf(m->contests[0].id, sizeof(m->contests[0].id), "a");
	snprintf(m->contests[0].title_ja, sizeof(m->contests[0].title_ja), "甲");
	snprintf(m->contests[0].title_en, sizeof(m->contests[0].title_en), "A");
	snprintf(m->contests[0].options[0].id, 8, "x");
	snprintf(m->contests[0].options[0].label_ja, 8, "X");
	snprintf(m->contests[0].options[0].label_en, 8, "X");
	m->contests[0].min = 0;
	m->contests[0].max = 1;
	snprintf(m->contests[1].id, sizeof(m->contests[1].id), "b");
	snprintf(m->contests[1].title_ja, sizeof(m->contests[1].title_ja), "乙");
	snprintf(m->contests[1].title_en, sizeof(m->contests[1].title_en), "B");
	snprintf(m->contests[1].options[0].id, 8, "yes");
	snprintf(m->contests[1].options[0].label_ja, 8, "賛成");
	snprintf(m->contests[1].options[0].label_en, 8, "Yes");
	snprintf(m->contests[1].options[1].id, 8, "no");
	snprintf(m->contests[1].options[1].label_ja, 8, "反対");
	snprintf(m->contests[1].options[1].label_en, 8, "No");
	m->contests[1].min = 1;
	m->contests[1].max = 1;
	return m;
}

static uint8_t *
encode_manifest(const struct manifest *m, size_t *len)
{
	struct vbuf *b = vbuf_new(LIMIT_MANIFEST_MAX);
	uint8_t *p;

	ASSERT_NOT_NULL(b);
	ASSERT_OK(manifest_encode(m, b));
	*len = vbuf_len(b);
	p = malloc(*len);
	ASSERT_NOT_NULL(p);
	memcpy(p, vbuf_ptr(b), *len);
	vbuf_free(b);
	return p;
}

/* An election held in memory (no database): manifest, key, context. */
struct mem_election {
	struct election e;
	struct manifest *m;
};

static void
mem_election(struct mem_election *me, struct manifest *m)
{
	struct scalar sk;
	struct point *k = group_point_new();

	memset(me, 0, sizeof(*me));
	me->m = m;
	me->e.manifest = m;
	me->e.manifest_bytes = encode_manifest(m, &me->e.manifest_len);
	me->e.state = ELECTION_OPEN;
	me->e.test_single_key = 1;
	ASSERT_NOT_NULL(k);
	ASSERT_OK(group_scalar_random(&sk));
	ASSERT_OK(group_mul_g(k, &sk));
	ASSERT_OK(elgamal_key_new(&me->e.key, k));
	group_point_free(k);
	ASSERT_OK(election_context_hash(me->e.manifest_bytes,
	    me->e.manifest_len, elgamal_key_encoded(me->e.key), 1,
	    me->e.context_hash));
}

static void
mem_election_free(struct mem_election *me)
{
	elgamal_key_free(me->e.key);
	free(me->e.manifest_bytes);
	manifest_free(me->m);
}

static const char ALIAS[] = "0123456789abcdef0123456789abcdef";

/* A ballot choosing the first min(1, max) options... of each contest. */
static uint8_t *
make_ballot(const struct election *e, size_t *len)
{
	uint8_t sel[LIMIT_CONTESTS_MAX][LIMIT_OPTIONS_MAX];
	const uint8_t *rows[LIMIT_CONTESTS_MAX];
	struct vbuf *b = vbuf_new(BALLOT_MAX);
	uint32_t i;
	uint8_t *p;

	ASSERT_NOT_NULL(b);
	memset(sel, 0, sizeof(sel));
	for (i = 0; i < e->manifest->ncontests; i++) {
		sel[i][0] = e->manifest->contests[i].max > 0;
		rows[i] = sel[i];
	}
	ASSERT_OK(ballot_encrypt(e, ALIAS, rows, b));
	*len = vbuf_len(b);
	p = malloc(*len);
	ASSERT_NOT_NULL(p);
	memcpy(p, vbuf_ptr(b), *len);
	vbuf_free(b);
	return p;
}

/* Field-by-field equality of ballot/'s and recview's manifests. */
static int
same_manifest(const struct manifest *a, const struct rv_manifest *b)
{
	char eday[11], ref[11];
	uint32_t i, j;

	clock_format_date(a->election_day, eday);
	clock_format_date(a->reference_date, ref);
	if (strcmp(a->id, b->id) || strcmp(a->name_ja, b->name_ja) ||
	    strcmp(a->name_en, b->name_en) ||
	    strcmp(a->municipality, b->municipality) ||
	    strcmp(eday, b->election_day) || strcmp(ref, b->reference_date) ||
	    (uint64_t)a->opens_us != b->opens_us ||
	    (uint64_t)a->closes_us != b->closes_us ||
	    a->ncontests != b->ncontests)
		return 0;
	for (i = 0; i < a->ncontests; i++) {
		const struct manifest_contest *x = &a->contests[i];
		const struct rv_contest *y = &b->contests[i];
		struct contest_spec spec;

		manifest_spec(a, i, &spec);
		if (strcmp(x->id, y->id) || strcmp(x->title_ja, y->title_ja) ||
		    strcmp(x->title_en, y->title_en) || x->min != y->min ||
		    x->max != y->max || x->noptions != y->noptions ||
		    contest_len(&spec) != y->ct_len)
			return 0;
		for (j = 0; j < x->noptions; j++)
			if (strcmp(x->options[j].id, y->options[j].id) ||
			    strcmp(x->options[j].label_ja, y->options[j].label_ja) ||
			    strcmp(x->options[j].label_en, y->options[j].label_en))
				return 0;
	}
	return 1;
}

/* Two recview manifests equal in every field. */
static int
same_rv(const struct rv_manifest *a, const struct rv_manifest *b)
{
	uint32_t i;

	if (strcmp(a->id, b->id) || strcmp(a->name_ja, b->name_ja) ||
	    strcmp(a->name_en, b->name_en) ||
	    strcmp(a->municipality, b->municipality) ||
	    strcmp(a->election_day, b->election_day) ||
	    strcmp(a->reference_date, b->reference_date) ||
	    a->opens_us != b->opens_us || a->closes_us != b->closes_us ||
	    a->ncontests != b->ncontests)
		return 0;
	for (i = 0; i < a->ncontests; i++) {
		const struct rv_contest *x = &a->contests[i], *y = &b->contests[i];

		if (strcmp(x->id, y->id) || strcmp(x->title_ja, y->title_ja) ||
		    strcmp(x->title_en, y->title_en) || x->min != y->min ||
		    x->max != y->max || x->noptions != y->noptions ||
		    x->ct_len != y->ct_len ||
		    memcmp(x->options, y->options,
		    x->noptions * sizeof(*x->options)) != 0)
			return 0;
	}
	return 1;
}

/* ---- a manifest writer with one field replaced ----
 *
 * Written from PROTOCOL-ballot.md so a refusal test can put any bytes in
 * any one field: a str() field's override is its content (the length
 * prefix follows it), a number's override is its raw bytes.
 */
struct override {
	const char *field;	/* "name_ja", "c1.max", "c0.o2.id", ... */
	const void *p;
	size_t len;
};

static void
put_str(struct vbuf *b, const struct override *o, const char *name,
    const char *dflt)
{
	if (o != NULL && strcmp(o->field, name) == 0)
		ASSERT_OK(vbuf_put_string(b, o->p, o->len));
	else
		ASSERT_OK(vbuf_put_cstring(b, dflt));
}

static void
put_raw(struct vbuf *b, const struct override *o, const char *name,
    const void *dflt, size_t n)
{
	if (o != NULL && strcmp(o->field, name) == 0)
		ASSERT_OK(vbuf_put(b, o->p, o->len));
	else
		ASSERT_OK(vbuf_put(b, dflt, n));
}

static void
be32(uint8_t out[4], uint32_t v)
{
	out[0] = (uint8_t)(v >> 24);
	out[1] = (uint8_t)(v >> 16);
	out[2] = (uint8_t)(v >> 8);
	out[3] = (uint8_t)v;
}

static void
be64(uint8_t out[8], uint64_t v)
{
	be32(out, (uint32_t)(v >> 32));
	be32(out + 4, (uint32_t)v);
}

static uint8_t *
write_manifest(const struct manifest *m, const struct override *o,
    size_t *len)
{
	struct vbuf *b = vbuf_new(LIMIT_BUF_MAX);
	char eday[11], ref[11], name[48];
	uint8_t n4[4], n8[8], *p;
	const uint8_t v1 = 1;
	uint32_t i, j;

	ASSERT_NOT_NULL(b);
	clock_format_date(m->election_day, eday);
	clock_format_date(m->reference_date, ref);
	put_raw(b, o, "magic", "IPPYOMAN", 8);
	put_raw(b, o, "version", &v1, 1);
	put_str(b, o, "id", m->id);
	put_str(b, o, "name_ja", m->name_ja);
	put_str(b, o, "name_en", m->name_en);
	put_str(b, o, "municipality", m->municipality);
	put_str(b, o, "election_day", eday);
	put_str(b, o, "reference_date", ref);
	be64(n8, (uint64_t)m->opens_us);
	put_raw(b, o, "opens", n8, 8);
	be64(n8, (uint64_t)m->closes_us);
	put_raw(b, o, "closes", n8, 8);
	be32(n4, m->ncontests);
	put_raw(b, o, "ncontests", n4, 4);
	for (i = 0; i < m->ncontests; i++) {
		const struct manifest_contest *c = &m->contests[i];

		snprintf(name, sizeof(name), "c%u.id", i);
		put_str(b, o, name, c->id);
		snprintf(name, sizeof(name), "c%u.title_ja", i);
		put_str(b, o, name, c->title_ja);
		snprintf(name, sizeof(name), "c%u.title_en", i);
		put_str(b, o, name, c->title_en);
		snprintf(name, sizeof(name), "c%u.min", i);
		be32(n4, c->min);
		put_raw(b, o, name, n4, 4);
		snprintf(name, sizeof(name), "c%u.max", i);
		be32(n4, c->max);
		put_raw(b, o, name, n4, 4);
		snprintf(name, sizeof(name), "c%u.noptions", i);
		be32(n4, c->noptions);
		put_raw(b, o, name, n4, 4);
		for (j = 0; j < c->noptions; j++) {
			snprintf(name, sizeof(name), "c%u.o%u.id", i, j);
			put_str(b, o, name, c->options[j].id);
			snprintf(name, sizeof(name), "c%u.o%u.label_ja", i, j);
			put_str(b, o, name, c->options[j].label_ja);
			snprintf(name, sizeof(name), "c%u.o%u.label_en", i, j);
			put_str(b, o, name, c->options[j].label_en);
		}
	}
	if (o != NULL && strcmp(o->field, "trailer") == 0)
		ASSERT_OK(vbuf_put(b, o->p, o->len));
	*len = vbuf_len(b);
	p = malloc(*len + 1);
	ASSERT_NOT_NULL(p);
	memcpy(p, vbuf_ptr(b), *len);
	vbuf_free(b);
	return p;
}

/* Decodes the manifest m with field replaced by (p, n) with recview and
 * with ballot/, checks both give the same answer, returns recview's. */
static int
try_manifest(const struct manifest *m, const char *field, const void *p,
    size_t n)
{
	struct override o = { field, p, n };
	struct rv_manifest *rv = NULL;
	struct manifest *bm = NULL;
	uint8_t *enc;
	size_t len;
	int r, rb;

	enc = write_manifest(m, &o, &len);
	r = rv_manifest_decode(enc, len, &rv);
	rb = manifest_decode(enc, len, &bm);
	free(enc);
	if (r == 0)
		ASSERT_NOT_NULL(rv);
	else
		ASSERT_NULL(rv);
	if (r == 0 && rb == 0 && !same_manifest(bm, rv))
		test_fail(__FILE__, __LINE__, "%s: decoders differ", field);
	rv_manifest_free(rv);
	manifest_free(bm);
	if (r != rb)
		test_fail(__FILE__, __LINE__, "%s: recview %s, ballot/ %s",
		    field, err_name(r), err_name(rb));
	return r;
}

#define TRY_STR(m, field, s) try_manifest((m), (field), (s), strlen(s))

/* ---- manifests ---- */

TEST(recview_manifest_field_by_field)
{
	struct manifest *m = town_manifest();
	struct rv_manifest *rv = NULL;
	uint8_t *enc, *mine;
	size_t len, mlen;

	enc = encode_manifest(m, &len);
	/* The test's own writer agrees with ballot/'s encoder. */
	mine = write_manifest(m, NULL, &mlen);
	ASSERT_INT_EQ(mlen, len);
	ASSERT_MEM_EQ(mine, enc, len);
	ASSERT_OK(rv_manifest_decode(enc, len, &rv));
	ASSERT_TRUE(same_manifest(m, rv));
	ASSERT_STR_EQ(rv->name_ja, "養父市長選挙・市議会議員選挙");
	ASSERT_STR_EQ(rv->election_day, "2027-04-25");
	ASSERT_STR_EQ(rv->reference_date, "2027-04-17");
	ASSERT_STR_EQ(rv->contests[1].options[7].label_ja, "候補 7");
	ASSERT_INT_EQ(rv->contests[0].ct_len, 3 * (130 + 356) + 356);
	ASSERT_INT_EQ(rv->contests[3].ct_len,
	    5 * (130 + 356) + 6 * 130 + 11 * 32);
	rv_manifest_free(rv);
	rv_manifest_free(NULL);
	free(enc);
	free(mine);
	manifest_free(m);
}

/* PROTOCOL-crypto.md §6 by recview against crypto/contest.h's
 * contest_len: every bound pair for up to 24 options, and the extreme
 * pairs for every option count up to the limit. */
TEST(recview_contest_length_every_shape)
{
	struct manifest *m = small_manifest();
	uint32_t n, lo, hi, k;

	m->ncontests = 1;	/* only the first contest, resized below */
	free(m->contests[1].options);
	m->contests[1].options = NULL;
	for (n = 1; n <= LIMIT_OPTIONS_MAX; n++) {
		struct manifest_contest *c = &m->contests[0];

		free(c->options);
		c->options = calloc(n, sizeof(*c->options));
		ASSERT_NOT_NULL(c->options);
		c->noptions = n;
		for (k = 0; k < n; k++) {
			snprintf(c->options[k].id, 8, "o%u", k);
			snprintf(c->options[k].label_ja, 8, "L%u", k);
			snprintf(c->options[k].label_en, 8, "L%u", k);
		}
		for (lo = 0; lo <= n; lo++) {
			for (hi = lo; hi <= n; hi++) {
				struct rv_manifest *rv = NULL;
				struct contest_spec spec = { 0, n, lo, hi };
				uint8_t *enc;
				size_t len;

				if (n > 24 && !(lo == 0 && (hi == 0 ||
				    hi == 1 || hi == n)) && !(lo == n) &&
				    !(lo == 1 && hi == n / 2))
					continue;
				c->min = lo;
				c->max = hi;
				enc = encode_manifest(m, &len);
				ASSERT_OK(rv_manifest_decode(enc, len, &rv));
				ASSERT_U64_EQ(rv->contests[0].ct_len,
				    contest_len(&spec));
				rv_manifest_free(rv);
				free(enc);
			}
		}
	}
	manifest_free(m);
}

TEST(recview_manifest_refuses_framing)
{
	struct manifest *m = town_manifest();
	uint8_t *enc, *big;
	static struct rv_manifest dummy;
	struct rv_manifest *rv = &dummy;
	size_t len, i;

	enc = encode_manifest(m, &len);
	/* Trailing bytes. */
	ASSERT_ERR(try_manifest(m, "trailer", "\0", 1), ERR_TRAILING_DATA);
	ASSERT_ERR(try_manifest(m, "trailer", "x", 1), ERR_TRAILING_DATA);
	/* Truncation at every length. */
	for (i = 0; i < len; i++) {
		ASSERT_ERR(rv_manifest_decode(enc, i, &rv), ERR_TRUNCATED);
		ASSERT_NULL(rv);
	}
	/* Over the document limit. */
	big = calloc(1, LIMIT_MANIFEST_MAX + 1);
	ASSERT_NOT_NULL(big);
	memcpy(big, enc, len);
	ASSERT_ERR(rv_manifest_decode(big, LIMIT_MANIFEST_MAX + 1, &rv),
	    ERR_TOO_LARGE);
	ASSERT_ERR(rv_manifest_decode(big, LIMIT_MANIFEST_MAX, &rv),
	    ERR_TRAILING_DATA);
	free(big);
	/* Magic and version. */
	ASSERT_ERR(try_manifest(m, "magic", "IPPYOBAL", 8), ERR_FORMAT);
	ASSERT_ERR(try_manifest(m, "version", "\2", 1), ERR_UNSUPPORTED);
	ASSERT_ERR(try_manifest(m, "version", "\0", 1), ERR_UNSUPPORTED);
	free(enc);
	manifest_free(m);
}

TEST(recview_manifest_refuses_over_limit_lengths)
{
	struct manifest *m = town_manifest();
	char s[LIMIT_NAME_LEN_MAX + 2];

	memset(s, 'a', sizeof(s));
	ASSERT_OK(try_manifest(m, "name_ja", s, LIMIT_NAME_LEN_MAX));
	ASSERT_ERR(try_manifest(m, "name_ja", s, LIMIT_NAME_LEN_MAX + 1),
	    ERR_TOO_LARGE);
	ASSERT_ERR(try_manifest(m, "name_en", s, LIMIT_NAME_LEN_MAX + 1),
	    ERR_TOO_LARGE);
	ASSERT_ERR(try_manifest(m, "id", s, LIMIT_ID_LEN_MAX + 1),
	    ERR_TOO_LARGE);
	ASSERT_ERR(try_manifest(m, "c2.id", s, LIMIT_ID_LEN_MAX + 1),
	    ERR_TOO_LARGE);
	ASSERT_OK(try_manifest(m, "c2.id", s, LIMIT_ID_LEN_MAX));
	ASSERT_ERR(try_manifest(m, "c1.o3.id", s, LIMIT_ID_LEN_MAX + 1),
	    ERR_TOO_LARGE);
	ASSERT_ERR(try_manifest(m, "c1.o3.label_en", s,
	    LIMIT_NAME_LEN_MAX + 1), ERR_TOO_LARGE);
	ASSERT_ERR(try_manifest(m, "c0.title_ja", s, LIMIT_NAME_LEN_MAX + 1),
	    ERR_TOO_LARGE);
	ASSERT_ERR(TRY_STR(m, "municipality", "2822270"), ERR_TOO_LARGE);
	ASSERT_ERR(TRY_STR(m, "election_day", "2027-04-250"), ERR_TOO_LARGE);
	/* A length prefix of 2^32 - 1. */
	{
		static const uint8_t huge[4] = { 0xff, 0xff, 0xff, 0xff };
		uint8_t *enc;
		size_t len;
		struct rv_manifest *rv = NULL;

		enc = write_manifest(m, NULL, &len);
		/* id's length prefix sits right after magic and version. */
		memcpy(enc + 9, huge, 4);
		ASSERT_ERR(rv_manifest_decode(enc, len, &rv), ERR_TOO_LARGE);
		free(enc);
	}
	manifest_free(m);
}

TEST(recview_manifest_refuses_counts)
{
	struct manifest *m = town_manifest();
	uint8_t n4[4];

	be32(n4, 0);
	ASSERT_ERR(try_manifest(m, "ncontests", n4, 4), ERR_RANGE);
	be32(n4, LIMIT_CONTESTS_MAX + 1);
	ASSERT_ERR(try_manifest(m, "ncontests", n4, 4), ERR_RANGE);
	be32(n4, 0xffffffffu);
	ASSERT_ERR(try_manifest(m, "ncontests", n4, 4), ERR_RANGE);
	be32(n4, 5);	/* one more than written */
	ASSERT_ERR(try_manifest(m, "ncontests", n4, 4), ERR_TRUNCATED);
	be32(n4, 3);	/* one fewer: the fourth is left over */
	ASSERT_ERR(try_manifest(m, "ncontests", n4, 4), ERR_TRAILING_DATA);
	be32(n4, 0);
	ASSERT_ERR(try_manifest(m, "c1.noptions", n4, 4), ERR_RANGE);
	be32(n4, LIMIT_OPTIONS_MAX + 1);
	ASSERT_ERR(try_manifest(m, "c1.noptions", n4, 4), ERR_RANGE);
	/* min > max, max > options */
	be32(n4, 2);
	ASSERT_ERR(try_manifest(m, "c0.min", n4, 4), ERR_RANGE);
	be32(n4, 4);
	ASSERT_ERR(try_manifest(m, "c0.max", n4, 4), ERR_RANGE);
	be32(n4, 3);
	ASSERT_OK(try_manifest(m, "c0.max", n4, 4));
	be32(n4, 0);
	ASSERT_OK(try_manifest(m, "c2.min", n4, 4));
	ASSERT_OK(try_manifest(m, "c3.max", n4, 4));
	manifest_free(m);
}

TEST(recview_manifest_refuses_bad_ids)
{
	struct manifest *m = town_manifest();
	char s[64];

	ASSERT_ERR(TRY_STR(m, "id", "Yabu"), ERR_FORMAT);
	ASSERT_ERR(TRY_STR(m, "id", "-yabu"), ERR_FORMAT);
	ASSERT_ERR(TRY_STR(m, "id", "ya bu"), ERR_FORMAT);
	ASSERT_ERR(TRY_STR(m, "id", ""), ERR_FORMAT);
	ASSERT_ERR(TRY_STR(m, "id", "yabu.2027"), ERR_FORMAT);
	/* election ids: at most 56 bytes */
	memset(s, 'e', sizeof(s));
	ASSERT_OK(try_manifest(m, "id", s, 56));
	ASSERT_ERR(try_manifest(m, "id", s, 57), ERR_FORMAT);
	ASSERT_ERR(try_manifest(m, "id", s, 64), ERR_FORMAT);
	ASSERT_ERR(TRY_STR(m, "c1.id", "Contest"), ERR_FORMAT);
	ASSERT_ERR(TRY_STR(m, "c1.id", "contest-0"), ERR_FORMAT);	/* dup */
	ASSERT_ERR(TRY_STR(m, "c3.id", "contest-2"), ERR_FORMAT);
	ASSERT_OK(TRY_STR(m, "c3.id", "contest_9"));
	ASSERT_ERR(TRY_STR(m, "c1.o5.id", "o2"), ERR_FORMAT);	/* dup */
	ASSERT_ERR(TRY_STR(m, "c1.o0.id", "_o"), ERR_FORMAT);
	ASSERT_ERR(TRY_STR(m, "c1.o0.id", ""), ERR_FORMAT);
	/* option ids are unique per contest only */
	ASSERT_OK(TRY_STR(m, "c1.o0.id", "o0"));
	manifest_free(m);
}

TEST(recview_manifest_refuses_bad_text)
{
	struct manifest *m = town_manifest();

	ASSERT_ERR(try_manifest(m, "name_ja", "ab\0c", 4), ERR_FORMAT);
	ASSERT_ERR(try_manifest(m, "c0.o0.label_ja", "\0", 1), ERR_FORMAT);
	ASSERT_ERR(try_manifest(m, "c2.title_en", "x\0", 2), ERR_FORMAT);
	ASSERT_ERR(try_manifest(m, "municipality", "28222\0", 6), ERR_FORMAT);
	ASSERT_ERR(TRY_STR(m, "name_en", "two\nlines"), ERR_FORMAT);
	ASSERT_ERR(TRY_STR(m, "name_en", "tab\there"), ERR_FORMAT);
	ASSERT_ERR(TRY_STR(m, "name_en", "del\x7f"), ERR_FORMAT);
	ASSERT_ERR(TRY_STR(m, "c0.o1.label_en", "\xc2\x85"), ERR_FORMAT);
	ASSERT_ERR(TRY_STR(m, "c0.o1.label_en", "\xe2\x80\xa8"), ERR_FORMAT);
	ASSERT_ERR(TRY_STR(m, "c0.o1.label_ja", "\xe5\x80"), ERR_FORMAT);
	ASSERT_ERR(TRY_STR(m, "c0.o1.label_ja", "\xc0\xaf"), ERR_FORMAT);
	ASSERT_ERR(TRY_STR(m, "c0.o1.label_ja", "\xed\xa0\x80"), ERR_FORMAT);
	ASSERT_ERR(TRY_STR(m, "c0.title_ja", ""), ERR_FORMAT);
	ASSERT_OK(TRY_STR(m, "c0.o1.label_ja", "候補 あ"));
	/* municipality: six digits with the check digit */
	ASSERT_ERR(TRY_STR(m, "municipality", "282228"), ERR_FORMAT);
	ASSERT_ERR(TRY_STR(m, "municipality", "28222"), ERR_FORMAT);
	ASSERT_ERR(TRY_STR(m, "municipality", "28222a"), ERR_FORMAT);
	ASSERT_OK(TRY_STR(m, "municipality", "282014"));
	ASSERT_OK(TRY_STR(m, "municipality", "131016"));
	manifest_free(m);
}

TEST(recview_manifest_refuses_bad_dates_and_times)
{
	struct manifest *m = town_manifest();
	uint8_t n8[8];

	ASSERT_ERR(TRY_STR(m, "election_day", "2027-02-29"), ERR_FORMAT);
	ASSERT_ERR(TRY_STR(m, "election_day", "2027-4-25"), ERR_FORMAT);
	ASSERT_ERR(TRY_STR(m, "election_day", "2027/04/25"), ERR_FORMAT);
	ASSERT_ERR(TRY_STR(m, "reference_date", "2027-13-01"), ERR_FORMAT);
	ASSERT_ERR(TRY_STR(m, "reference_date", "2027-04-26"), ERR_RANGE);
	ASSERT_OK(TRY_STR(m, "reference_date", "2027-04-25"));
	ASSERT_OK(TRY_STR(m, "election_day", "2028-02-29"));
	be64(n8, (uint64_t)m->closes_us);
	ASSERT_ERR(try_manifest(m, "opens", n8, 8), ERR_RANGE);
	be64(n8, 0);
	ASSERT_ERR(try_manifest(m, "opens", n8, 8), ERR_RANGE);
	ASSERT_ERR(try_manifest(m, "closes", n8, 8), ERR_RANGE);
	be64(n8, 0x8000000000000000ull);
	ASSERT_ERR(try_manifest(m, "closes", n8, 8), ERR_FORMAT);
	ASSERT_ERR(try_manifest(m, "opens", n8, 8), ERR_FORMAT);
	be64(n8, 1);
	ASSERT_OK(try_manifest(m, "opens", n8, 8));
	manifest_free(m);
}

/* ---- ballots ---- */

TEST(recview_ballot_field_by_field)
{
	struct mem_election me;
	struct rv_manifest *rv = NULL;
	struct rv_ballot rb;
	struct ballot bb;
	uint8_t *p, h1[32], h2[32];
	size_t len;
	uint32_t i;

	mem_election(&me, town_manifest());
	p = make_ballot(&me.e, &len);
	ASSERT_OK(rv_manifest_decode(me.e.manifest_bytes, me.e.manifest_len,
	    &rv));
	ASSERT_OK(rv_ballot_decode(rv, p, len, &rb));
	ASSERT_OK(ballot_decode(&me.e, p, len, &bb));
	ASSERT_INT_EQ(rb.election_id_len, strlen(bb.election_id));
	ASSERT_MEM_EQ(rb.election_id, bb.election_id, rb.election_id_len);
	ASSERT_MEM_EQ(rb.election_id, "yabu-2027", 9);
	ASSERT_MEM_EQ(rb.context, bb.context_hash, 32);
	ASSERT_MEM_EQ(rb.context, me.e.context_hash, 32);
	ASSERT_INT_EQ(rb.alias_len, 32);
	ASSERT_MEM_EQ(rb.alias, ALIAS, 32);
	ASSERT_INT_EQ(rb.ncontests, bb.ncontests);
	ASSERT_INT_EQ(rb.ncontests, 4);
	for (i = 0; i < rb.ncontests; i++) {
		struct contest_spec spec;

		ASSERT_TRUE(rb.contest[i] == bb.contest[i]);
		ASSERT_INT_EQ(rb.contest_len[i], bb.contest_len[i]);
		ASSERT_INT_EQ(rb.contest_len[i], rv->contests[i].ct_len);
		/* the bytes the decoder points at are a valid contest */
		manifest_spec(me.m, i, &spec);
		ASSERT_OK(contest_verify(me.e.key, rb.context, rb.alias,
		    rb.alias_len, &spec, rb.contest[i], rb.contest_len[i]));
	}
	rv_ballot_hash(p, len, h1);
	ballot_hash(p, len, h2);
	ASSERT_MEM_EQ(h1, h2, 32);
	rv_manifest_free(rv);
	free(p);
	mem_election_free(&me);
}

/* A ballot writer with one field replaced, as for manifests. */
static uint8_t *
write_ballot(const struct election *e, const uint8_t *orig, size_t olen,
    const struct override *o, size_t *len)
{
	struct ballot bb;
	struct vbuf *b = vbuf_new(LIMIT_BUF_MAX);
	char name[32];
	uint8_t n4[4], *p;
	const uint8_t v1 = 1;
	uint32_t i;

	ASSERT_NOT_NULL(b);
	ASSERT_OK(ballot_decode(e, orig, olen, &bb));
	put_raw(b, o, "magic", "IPPYOBAL", 8);
	put_raw(b, o, "version", &v1, 1);
	put_str(b, o, "id", bb.election_id);
	put_raw(b, o, "context", bb.context_hash, 32);
	put_str(b, o, "alias", bb.alias);
	be32(n4, bb.ncontests);
	put_raw(b, o, "ncontests", n4, 4);
	for (i = 0; i < bb.ncontests; i++) {
		snprintf(name, sizeof(name), "c%u.index", i);
		be32(n4, i);
		put_raw(b, o, name, n4, 4);
		snprintf(name, sizeof(name), "c%u", i);
		if (o != NULL && strcmp(o->field, name) == 0)
			ASSERT_OK(vbuf_put_string(b, o->p, o->len));
		else
			ASSERT_OK(vbuf_put_string(b, bb.contest[i],
			    bb.contest_len[i]));
	}
	if (o != NULL && strcmp(o->field, "trailer") == 0)
		ASSERT_OK(vbuf_put(b, o->p, o->len));
	*len = vbuf_len(b);
	p = malloc(*len + 1);
	ASSERT_NOT_NULL(p);
	memcpy(p, vbuf_ptr(b), *len);
	vbuf_free(b);
	return p;
}

static int
try_ballot(const struct election *e, const struct rv_manifest *rv,
    const uint8_t *orig, size_t olen, const char *field, const void *p,
    size_t n)
{
	struct override o = { field, p, n };
	struct rv_ballot rb;
	uint8_t *enc;
	size_t len;
	int r;

	enc = write_ballot(e, orig, olen, &o, &len);
	r = rv_ballot_decode(rv, enc, len, &rb);
	if (r != 0)
		ASSERT_INT_EQ(rb.ncontests, 0);
	free(enc);
	return r;
}

TEST(recview_ballot_refusals)
{
	struct mem_election me;
	struct rv_manifest *rv = NULL;
	struct rv_ballot rb;
	uint8_t *p, *big, n4[4];
	size_t len, i;

	mem_election(&me, town_manifest());
	p = make_ballot(&me.e, &len);
	ASSERT_OK(rv_manifest_decode(me.e.manifest_bytes, me.e.manifest_len,
	    &rv));
#define TB(field, q, n) try_ballot(&me.e, rv, p, len, (field), (q), (n))
	ASSERT_OK(TB("none", "", 0));
	/* trailing bytes, truncation at every length */
	ASSERT_ERR(TB("trailer", "\0", 1), ERR_TRAILING_DATA);
	for (i = 0; i < len; i++)
		ASSERT_ERR(rv_ballot_decode(rv, p, i, &rb), ERR_TRUNCATED);
	/* size limit */
	big = calloc(1, BALLOT_MAX + 1);
	ASSERT_NOT_NULL(big);
	memcpy(big, p, len);
	ASSERT_ERR(rv_ballot_decode(rv, big, BALLOT_MAX + 1, &rb),
	    ERR_TOO_LARGE);
	ASSERT_ERR(rv_ballot_decode(rv, big, BALLOT_MAX, &rb),
	    ERR_TRAILING_DATA);
	free(big);
	/* magic, version */
	ASSERT_ERR(TB("magic", "IPPYOMAN", 8), ERR_FORMAT);
	ASSERT_ERR(TB("version", "\2", 1), ERR_UNSUPPORTED);
	/* election id: over its limit, not an id */
	{
		char s[LIMIT_ID_LEN_MAX + 1];

		memset(s, 'e', sizeof(s));
		ASSERT_ERR(TB("id", s, LIMIT_ID_LEN_MAX + 1), ERR_TOO_LARGE);
		ASSERT_ERR(TB("id", s, 57), ERR_FORMAT);
		ASSERT_OK(TB("id", s, 56));	/* another election: caller's */
		ASSERT_ERR(TB("id", "", 0), ERR_FORMAT);
		ASSERT_ERR(TB("id", "Yabu-2027", 9), ERR_FORMAT);
		ASSERT_ERR(TB("id", "yabu\0", 5), ERR_FORMAT);
	}
	/* alias: exactly 32 lowercase hex */
	ASSERT_ERR(TB("alias", "0123456789abcdef0123456789abcdef0", 33),
	    ERR_TOO_LARGE);
	ASSERT_ERR(TB("alias", "0123456789abcdef0123456789abcde", 31),
	    ERR_FORMAT);
	ASSERT_ERR(TB("alias", "0123456789ABCDEF0123456789abcdef", 32),
	    ERR_FORMAT);
	ASSERT_ERR(TB("alias", "0123456789abcdeg0123456789abcdef", 32),
	    ERR_FORMAT);
	ASSERT_ERR(TB("alias", "0123456789abcdef0123456789abcde\0", 32),
	    ERR_FORMAT);
	/* contest count */
	be32(n4, 3);
	ASSERT_ERR(TB("ncontests", n4, 4), ERR_FORMAT);
	be32(n4, 5);
	ASSERT_ERR(TB("ncontests", n4, 4), ERR_FORMAT);
	be32(n4, 0);
	ASSERT_ERR(TB("ncontests", n4, 4), ERR_FORMAT);
	/* contest index */
	be32(n4, 2);
	ASSERT_ERR(TB("c1.index", n4, 4), ERR_FORMAT);
	be32(n4, 1);
	ASSERT_ERR(TB("c0.index", n4, 4), ERR_FORMAT);
	/* contest length: one byte short, one long, another shape's */
	{
		struct ballot bb;
		uint8_t *c;
		size_t cl;

		ASSERT_OK(ballot_decode(&me.e, p, len, &bb));
		cl = bb.contest_len[1];
		c = malloc(cl + 1);
		ASSERT_NOT_NULL(c);
		memcpy(c, bb.contest[1], cl);
		c[cl] = 0;
		ASSERT_ERR(TB("c1", c, cl - 1), ERR_FORMAT);
		ASSERT_ERR(TB("c1", c, cl + 1), ERR_FORMAT);
		ASSERT_ERR(TB("c1", bb.contest[0], bb.contest_len[0]),
		    ERR_FORMAT);
		ASSERT_ERR(TB("c3", c, cl), ERR_FORMAT);
		ASSERT_OK(TB("c1", c, cl));
		free(c);
	}
	/* a length prefix of 2^32 - 1 on the first contest */
	{
		static const uint8_t huge[4] = { 0xff, 0xff, 0xff, 0xff };
		uint8_t *q = malloc(len);
		size_t at = 8 + 1 + 4 + 9 + 32 + 4 + 32 + 4 + 4;

		ASSERT_NOT_NULL(q);
		memcpy(q, p, len);
		memcpy(q + at, huge, 4);
		ASSERT_ERR(rv_ballot_decode(rv, q, len, &rb), ERR_TOO_LARGE);
		free(q);
	}
#undef TB
	rv_manifest_free(rv);
	free(p);
	mem_election_free(&me);
}

/* ---- mutation sweeps ---- */

struct msweep {
	const struct rv_manifest *orig;	/* the unmutated decoding */
	size_t disagree;		/* mutants where the decoders differ */
	char first[96];
};

/* Differential: recview and ballot/ give the same answer on every
 * mutant, and the same fields when both accept.  Returns nonzero so
 * that the sweep feeds every mutant (acceptance counted here). */
static int
manifest_differ(const uint8_t *p, size_t len, void *ctx)
{
	struct msweep *s = ctx;
	struct rv_manifest *rv = NULL;
	struct manifest *bm = NULL;
	int r = rv_manifest_decode(p, len, &rv);
	int rb = manifest_decode(p, len, &bm);
	/*
	 * Both refuse, for different first reasons: ballot/ reads every
	 * option string with the text limit in a first pass, so an option
	 * id over 64 bytes fails there on what follows it; recview stops at
	 * the id's length (ERR_TOO_LARGE, as the page says).
	 */
	int excused = r == ERR_TOO_LARGE && rb != 0;

	if ((r != rb && !excused) || (r == 0 && !same_manifest(bm, rv))) {
		if (s->disagree++ == 0)
			snprintf(s->first, sizeof(s->first),
			    "len %zu: recview %s, ballot/ %s", len, err_name(r),
			    err_name(rb));
	}
	rv_manifest_free(rv);
	manifest_free(bm);
	return r;
}

/* Canonical: no mutant decodes to the same manifest. */
static int
manifest_same(const uint8_t *p, size_t len, void *ctx)
{
	const struct rv_manifest *orig = ctx;
	struct rv_manifest *rv = NULL;
	int r = rv_manifest_decode(p, len, &rv);

	if (r == 0 && !same_rv(orig, rv))
		r = ERR_MISMATCH;
	rv_manifest_free(rv);
	return r;
}

TEST(recview_manifest_mutation_sweep)
{
	struct manifest *m = town_manifest();
	struct rv_manifest *rv = NULL;
	struct mutate_report rep;
	struct msweep s;
	uint8_t *enc;
	size_t len;

	enc = encode_manifest(m, &len);
	ASSERT_OK(rv_manifest_decode(enc, len, &rv));
	ASSERT_MUTANTS_REJECTED(enc, len, MUTATE_ALL, manifest_same, rv);
	memset(&s, 0, sizeof(s));
	s.orig = rv;
	mutate_sweep(enc, len, MUTATE_ALL, manifest_differ, &s, &rep);
	if (s.disagree != 0)
		test_fail(__FILE__, __LINE__, "%zu mutants decoded differently;"
		    " first: %s", s.disagree, s.first);
	/* Text mutants (a letter for another) are valid manifests; the
	 * framing never is (the canonical sweep above). */
	ASSERT_TRUE(rep.accepted > 0 && rep.accepted < rep.tried / 2);
	rv_manifest_free(rv);
	free(enc);
	manifest_free(m);
}

struct bsweep {
	const struct election *e;
	const struct rv_manifest *rv;
	const struct rv_ballot *orig;
	size_t disagree;
	char first[96];
};

/* As ballot_decode asks: recview's decoding, then the caller's compare
 * of election id and context hash (ERR_MISMATCH). */
static int
rv_as_ballot(const struct election *e, const struct rv_manifest *rv,
    const uint8_t *p, size_t len, struct rv_ballot *out)
{
	int r = rv_ballot_decode(rv, p, len, out);

	if (r == 0 && (out->election_id_len != strlen(rv->id) ||
	    memcmp(out->election_id, rv->id, out->election_id_len) != 0 ||
	    memcmp(out->context, e->context_hash, 32) != 0))
		r = ERR_MISMATCH;
	return r;
}

static int
ballot_differ(const uint8_t *p, size_t len, void *ctx)
{
	struct bsweep *s = ctx;
	struct rv_ballot rb;
	struct ballot bb;
	int r = rv_as_ballot(s->e, s->rv, p, len, &rb);
	int rb_ = ballot_decode(s->e, p, len, &bb);
	uint32_t i;
	int same = r == rb_;

	/* recview refuses an election id that is not an id at once
	 * (ERR_FORMAT); ballot/ reads on and compares it with its own after
	 * the alias (ERR_MISMATCH), or fails on what it read meanwhile.
	 * Both refuse. */
	if (!same && r == ERR_FORMAT && rb_ != 0)
		same = 1;
	if (same && r == 0) {
		same = rb.ncontests == bb.ncontests &&
		    memcmp(rb.alias, bb.alias, 32) == 0;
		for (i = 0; same && i < rb.ncontests; i++)
			same = rb.contest[i] == bb.contest[i] &&
			    rb.contest_len[i] == bb.contest_len[i];
	}
	if (!same && s->disagree++ == 0)
		snprintf(s->first, sizeof(s->first),
		    "len %zu: recview %s, ballot/ %s", len, err_name(r),
		    err_name(rb_));
	return r;
}

/* Canonical: no mutant decodes to the same ballot (framing, id,
 * context, alias, every contest's bytes). */
static int
ballot_same(const uint8_t *p, size_t len, void *ctx)
{
	struct bsweep *s = ctx;
	struct rv_ballot rb;
	int r = rv_as_ballot(s->e, s->rv, p, len, &rb);
	uint32_t i;

	if (r != 0)
		return r;
	if (memcmp(rb.alias, s->orig->alias, 32) != 0)
		return ERR_MISMATCH;
	for (i = 0; i < rb.ncontests; i++)
		if (memcmp(rb.contest[i], s->orig->contest[i],
		    rb.contest_len[i]) != 0)
			return ERR_MISMATCH;
	return 0;
}

TEST(recview_ballot_mutation_sweep)
{
	struct mem_election me;
	struct rv_manifest *rv = NULL;
	struct mutate_report rep;
	struct rv_ballot orig;
	struct bsweep s;
	uint8_t *p;
	size_t len;

	mem_election(&me, small_manifest());
	p = make_ballot(&me.e, &len);
	ASSERT_OK(rv_manifest_decode(me.e.manifest_bytes, me.e.manifest_len,
	    &rv));
	ASSERT_OK(rv_ballot_decode(rv, p, len, &orig));
	memset(&s, 0, sizeof(s));
	s.e = &me.e;
	s.rv = rv;
	s.orig = &orig;
	ASSERT_MUTANTS_REJECTED(p, len, MUTATE_ALL, ballot_same, &s);
	mutate_sweep(p, len, MUTATE_ALL, ballot_differ, &s, &rep);
	ASSERT_TRUE(rep.tried > 8 * len);
	if (s.disagree != 0)
		test_fail(__FILE__, __LINE__, "%zu mutants decoded differently;"
		    " first: %s", s.disagree, s.first);
	rv_manifest_free(rv);
	free(p);
	mem_election_free(&me);
}
