/*
 * contest.c - encrypted contests (see contest.h).
 */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/limits.h"
#include "core/misuse.h"
#include "crypto/alloc_int.h"
#include "crypto/contest.h"
#include "crypto/proof.h"
#include "crypto/proof_int.h"
#include "crypto/secret.h"

int
contest_spec_valid(const struct contest_spec *spec)
{
	return spec->options >= 1 && spec->options <= LIMIT_OPTIONS_MAX &&
	    spec->min <= spec->max && spec->max <= spec->options;
}

size_t
contest_len(const struct contest_spec *spec)
{
	REQUIRE(contest_spec_valid(spec));
	return (size_t)spec->options * (ELGAMAL_CT_LEN + PROOF01_LEN) +
	    proof_range_len(spec->min, spec->max);
}

static void
binding(struct proof_binding *bind, const uint8_t election[HASH_LEN],
    const uint8_t *alias, size_t alias_len, uint32_t contest)
{
	memcpy(bind->election, election, HASH_LEN);
	bind->alias = alias;
	bind->alias_len = alias_len;
	bind->contest = contest;
	bind->option = 0;
}

/*
 * contest_encrypt and contest_encrypt_reveal: reveal, when not NULL,
 * receives each option's nonce r_i after the proofs are made.  Revealing
 * draws nothing more from the random source, so the contest's bytes are
 * the same either way.
 */
static int
encrypt(const struct elgamal_key *k, const uint8_t election[HASH_LEN],
    const uint8_t *alias, size_t alias_len, const struct contest_spec *spec,
    const uint8_t *sel, uint8_t *out, size_t out_len, uint8_t *reveal,
    size_t reveal_len)
{
	struct proof_binding bind;
	struct proof01_state *st = NULL;
	struct hash_transcript *t = NULL;
	struct point **P = NULL, *g = NULL;
	uint8_t *E = NULL, *proofs, bad = 0;
	struct scalar R;
	uint64_t S = 0;
	size_t n, i, np = 0;
	int rc = ERR_INTERNAL;

	if (!contest_spec_valid(spec) || alias_len > PROOF_ALIAS_MAX)
		return ERR_INVALID_ARG;
	if (out_len != contest_len(spec) || (reveal != NULL &&
	    reveal_len != (size_t)spec->options * GROUP_SCALAR_LEN))
		return ERR_INVALID_ARG;
	memset(out, 0, out_len);
	if (reveal != NULL)
		memset(reveal, 0, reveal_len);
	n = spec->options;
	for (i = 0; i < n; i++) {
		bad |= (uint8_t)(sel[i] >> 1);	/* any value above 1 */
		S += sel[i] & 1;
	}
	/* a vote outside the rules is refused; that refusal may show */
	if (bad != 0 || S < spec->min || S > spec->max)
		return ERR_RANGE;
	binding(&bind, election, alias, alias_len, spec->index);
	group_scalar_zero(&R);
	np = n * PROOF01_POINTS;
	if ((st = calloc(n, sizeof(*st))) == NULL ||
	    (P = group_points_new(np)) == NULL ||
	    (g = group_point_new()) == NULL ||
	    (E = malloc(np * GROUP_POINT_LEN)) == NULL ||
	    (rc = hash_transcript_new(&t, HASH_TAG_PROOF01)) != 0) {
		rc = rc ? rc : ERR_NOMEM;
		goto out;
	}
	/* all points of all selections, then one batch encoding */
	for (i = 0; i < n; i++)
		if ((rc = proof01_points(k, sel[i] & 1, &st[i],
		    P + i * PROOF01_POINTS, g)) != 0)
			goto out;
	if ((rc = group_points_encode((const struct point *const *)P, np,
	    E)) != 0)
		goto out;
	proofs = out + n * ELGAMAL_CT_LEN;
	for (i = 0; i < n; i++) {
		bind.option = (uint32_t)i;
		if ((rc = proof01_finish(k, &bind, &st[i], t,
		    E + i * PROOF01_POINTS * GROUP_POINT_LEN,
		    out + i * ELGAMAL_CT_LEN, proofs + i * PROOF01_LEN)) != 0)
			goto out;
		group_scalar_add(&R, &R, &st[i].r);
	}
	rc = proof_range_prove(k, &bind, out, n, spec->min, spec->max, &R, S,
	    proofs + n * PROOF01_LEN, proof_range_len(spec->min, spec->max));
	if (rc == 0 && reveal != NULL)
		for (i = 0; i < n; i++)
			group_scalar_encode(&st[i].r,
			    reveal + i * GROUP_SCALAR_LEN);
out:
	if (rc != 0) {
		memset(out, 0, out_len);
		if (reveal != NULL)
			secret_wipe(reveal, reveal_len);
	}
	if (st != NULL) {
		for (i = 0; i < n; i++)
			proof01_state_wipe(&st[i]);
		free(st);
	}
	if (E != NULL) {
		memset(E, 0, np * GROUP_POINT_LEN);
		free(E);
	}
	group_points_free(P, np);
	group_point_free(g);
	hash_transcript_free(t);
	group_scalar_wipe(&R);
	S = 0;
	return rc;
}

int
contest_encrypt(const struct elgamal_key *k, const uint8_t election[HASH_LEN],
    const uint8_t *alias, size_t alias_len, const struct contest_spec *spec,
    const uint8_t *sel, uint8_t *out, size_t out_len)
{
	return encrypt(k, election, alias, alias_len, spec, sel, out, out_len,
	    NULL, 0);
}

int
contest_encrypt_reveal(const struct elgamal_key *k,
    const uint8_t election[HASH_LEN], const uint8_t *alias, size_t alias_len,
    const struct contest_spec *spec, const uint8_t *sel, uint8_t *out,
    size_t out_len, uint8_t *nonces, size_t nonces_len)
{
	REQUIRE(nonces != NULL);
	return encrypt(k, election, alias, alias_len, spec, sel, out, out_len,
	    nonces, nonces_len);
}

/* Adds all equations of one contest to pb. */
static int
contest_add(struct proof_batch *pb, const uint8_t election[HASH_LEN],
    const uint8_t *alias, size_t alias_len, const struct contest_spec *spec,
    const uint8_t *in, size_t len)
{
	struct proof_binding bind;
	size_t sa[LIMIT_OPTIONS_MAX], sb[LIMIT_OPTIONS_MAX];
	struct proof_batch_mark mark;
	size_t n, i, want;
	const uint8_t *proofs;
	int r = ERR_INTERNAL;

	proof_batch_mark(pb, &mark);
	if (!contest_spec_valid(spec) || alias_len > PROOF_ALIAS_MAX)
		return ERR_INVALID_ARG;
	want = contest_len(spec);
	if (len < want)
		return ERR_TRUNCATED;
	if (len > want)
		return ERR_TRAILING_DATA;
	n = spec->options;
	binding(&bind, election, alias, alias_len, spec->index);
	proofs = in + n * ELGAMAL_CT_LEN;
	for (i = 0; i < n; i++) {
		const uint8_t *ct = in + i * ELGAMAL_CT_LEN;

		bind.option = (uint32_t)i;
		if ((r = proof_batch_slot_decode(pb, ct, GROUP_POINT_LEN,
		    &sa[i])) != 0 ||
		    (r = proof_batch_slot_decode(pb, ct + GROUP_POINT_LEN,
		    GROUP_POINT_LEN, &sb[i])) != 0 ||
		    (r = proof01_batch_add_slots(pb, &bind, ct, sa[i], sb[i],
		    proofs + i * PROOF01_LEN, PROOF01_LEN)) != 0)
			goto fail;
	}
	if ((r = proof_range_batch_add_slots(pb, &bind, in, n, sa, sb,
	    spec->min, spec->max, proofs + n * PROOF01_LEN,
	    proof_range_len(spec->min, spec->max))) != 0)
		goto fail;
	return 0;
fail:
	/* pb goes back to exactly what it was: no partial contest stays */
	proof_batch_rollback(pb, &mark);
	return r;
}

int
contest_verify(const struct elgamal_key *k, const uint8_t election[HASH_LEN],
    const uint8_t *alias, size_t alias_len, const struct contest_spec *spec,
    const uint8_t *in, size_t len)
{
	struct proof_batch *pb;
	int r;

	if ((r = proof_batch_new(&pb, k)) != 0)
		return r;
	if ((r = contest_add(pb, election, alias, alias_len, spec, in,
	    len)) == 0)
		r = proof_batch_check(pb);
	proof_batch_free(pb);
	return r;
}

/* ---- batches ------------------------------------------------------- */

struct contest_item {
	uint8_t election[HASH_LEN];	/* election context hash */
	uint8_t *alias;			/* voter alias (copy) */
	size_t alias_len;		/* its length */
	struct contest_spec spec;	/* the contest's shape */
	uint8_t *bytes;			/* the encoded contest (copy) */
	size_t len;			/* its length */
};

struct contest_batch {
	const struct elgamal_key *k;	/* election key */
	struct proof_batch *pb;		/* all queued equations */
	struct contest_item *item;	/* queued contests */
	size_t n;			/* how many */
	size_t cap;			/* allocated */
};

int
contest_batch_new(struct contest_batch **out, const struct elgamal_key *k)
{
	struct contest_batch *b;
	int r;

	*out = NULL;
	if ((b = crypto_calloc(1, sizeof(*b))) == NULL)
		return ERR_NOMEM;
	b->k = k;
	if ((r = proof_batch_new(&b->pb, k)) != 0) {
		free(b);
		return r;
	}
	*out = b;
	return 0;
}

static void
items_clear(struct contest_batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		free(b->item[i].alias);
		free(b->item[i].bytes);
	}
	b->n = 0;
}

void
contest_batch_free(struct contest_batch *b)
{
	if (b == NULL)
		return;
	items_clear(b);
	free(b->item);
	proof_batch_free(b->pb);
	free(b);
}

/*
 * All-or-nothing: the item's copies are made first, then the equations
 * are added (contest_add rolls pb back on any error), and only then is
 * the item counted.  On every error b is exactly as before (same items,
 * same equations, nothing leaked).
 */
int
contest_batch_add(struct contest_batch *b, const uint8_t election[HASH_LEN],
    const uint8_t *alias, size_t alias_len, const struct contest_spec *spec,
    const uint8_t *in, size_t len, size_t *id)
{
	struct contest_item it;
	int r;

	*id = 0;
	if (!contest_spec_valid(spec) || alias_len > PROOF_ALIAS_MAX ||
	    (alias == NULL && alias_len > 0) || in == NULL)
		return ERR_INVALID_ARG;
	if (len < contest_len(spec))
		return ERR_TRUNCATED;
	if (len > contest_len(spec))
		return ERR_TRAILING_DATA;
	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 16;
		struct contest_item *ni;

		if (cap > SIZE_MAX / sizeof(*ni) ||
		    (ni = crypto_realloc(b->item, cap * sizeof(*ni))) == NULL)
			return ERR_NOMEM;
		b->item = ni;
		b->cap = cap;
	}
	memset(&it, 0, sizeof(it));
	memcpy(it.election, election, HASH_LEN);
	it.spec = *spec;
	it.len = len;
	it.alias_len = alias_len;
	if ((it.bytes = crypto_malloc(len)) == NULL ||
	    (alias_len > 0 && (it.alias = crypto_malloc(alias_len)) == NULL)) {
		free(it.bytes);
		return ERR_NOMEM;
	}
	memcpy(it.bytes, in, len);
	if (alias_len > 0)
		memcpy(it.alias, alias, alias_len);
	if ((r = contest_add(b->pb, it.election, it.alias, it.alias_len,
	    &it.spec, it.bytes, it.len)) != 0) {
		free(it.bytes);
		free(it.alias);
		return r;
	}
	b->item[b->n] = it;
	*id = b->n++;
	return 0;
}

int
contest_batch_check(struct contest_batch *b, size_t *bad, size_t bad_max,
    size_t *n_bad)
{
	size_t i;
	int r;

	*n_bad = 0;
	r = proof_batch_check(b->pb);
	if (r == ERR_VERIFY) {
		/* name the culprits: each contest alone */
		for (i = 0; i < b->n; i++) {
			struct contest_item *it = &b->item[i];
			int ri = contest_verify(b->k, it->election, it->alias,
			    it->alias_len, &it->spec, it->bytes, it->len);

			if (ri == ERR_VERIFY) {
				if (*n_bad < bad_max)
					bad[*n_bad] = i;
				(*n_bad)++;
			} else if (ri != 0) {
				/* could not re-check (memory): name nobody
				 * rather than a contest that may be valid */
				*n_bad = 0;
				r = ri;
				break;
			}
		}
	}
	items_clear(b);
	return r;
}

/* ---- tallies ------------------------------------------------------- */

struct contest_tally {
	uint32_t options;			/* n */
	struct elgamal_acc **acc;		/* per-option running sums */
	struct elgamal_ciphertext **sum;	/* per-option results */
	uint64_t count;				/* contests added */
};

int
contest_tally_new(struct contest_tally **out, uint32_t options)
{
	struct contest_tally *t;
	uint32_t i;
	int r = ERR_NOMEM;

	*out = NULL;
	if (options < 1 || options > LIMIT_OPTIONS_MAX)
		return ERR_RANGE;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return ERR_NOMEM;
	t->options = options;
	if ((t->sum = calloc(options, sizeof(*t->sum))) == NULL ||
	    (t->acc = calloc(options, sizeof(*t->acc))) == NULL)
		goto fail;
	for (i = 0; i < options; i++) {
		if ((t->sum[i] = elgamal_ciphertext_new()) == NULL)
			goto fail;
		if ((r = elgamal_ciphertext_zero(t->sum[i])) != 0 ||
		    (r = elgamal_acc_new(&t->acc[i])) != 0)
			goto fail;
	}
	*out = t;
	return 0;
fail:
	contest_tally_free(t);
	return r;
}

void
contest_tally_free(struct contest_tally *t)
{
	uint32_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->options; i++) {
		if (t->sum != NULL)
			elgamal_ciphertext_free(t->sum[i]);
		if (t->acc != NULL)
			elgamal_acc_free(t->acc[i]);
	}
	free(t->sum);
	free(t->acc);
	free(t);
}

int
contest_tally_add(struct contest_tally *t, const struct contest_spec *spec,
    const uint8_t *in, size_t len)
{
	uint32_t i;
	int r;

	if (!contest_spec_valid(spec) || spec->options != t->options)
		return ERR_INVALID_ARG;
	if (len < contest_len(spec))
		return ERR_TRUNCATED;
	if (len > contest_len(spec))
		return ERR_TRAILING_DATA;
	for (i = 0; i < t->options; i++)
		if ((r = elgamal_acc_add_encoded(t->acc[i],
		    in + (size_t)i * ELGAMAL_CT_LEN)) != 0)
			return r;
	t->count++;
	return 0;
}

const struct elgamal_ciphertext *
contest_tally_sum(const struct contest_tally *t, uint32_t i)
{
	REQUIRE(i < t->options);
	/* the cached result is refreshed on every read */
	if (elgamal_acc_get(t->acc[i], t->sum[i]) != 0)
		return NULL;
	return t->sum[i];
}

uint64_t
contest_tally_count(const struct contest_tally *t)
{
	return t->count;
}
