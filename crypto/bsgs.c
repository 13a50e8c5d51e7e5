/*
 * bsgs.c - baby-step giant-step (see bsgs.h).
 */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/limits.h"
#include "crypto/bsgs.h"

struct bsgs_slot {
	uint64_t key;		/* group_encoded_key of j·G; 0 = empty */
	uint32_t j;		/* the baby step */
};

struct bsgs_table {
	uint64_t max;		/* largest plaintext */
	uint64_t s;		/* baby steps 0..s-1, giant stride s */
	size_t mask;		/* slots - 1 (power of two) */
	struct bsgs_slot *slot;	/* open addressing, linear probing */
	struct point *stride;	/* -s·G, the giant step */
};

#define BSGS_CHUNK 64

static uint64_t
isqrt_ceil(uint64_t v)
{
	uint64_t r = 1;

	while (r * r < v)
		r++;
	return r;
}

static size_t
slot_of(uint64_t key, size_t mask)
{
	return (size_t)((key * 0x9E3779B97F4A7C15ULL) >> 20) & mask;
}

int
bsgs_table_new(struct bsgs_table **out, uint64_t max)
{
	struct bsgs_table *t = NULL;
	struct point *pts[BSGS_CHUNK] = { 0 };
	uint8_t enc[BSGS_CHUNK * GROUP_POINT_LEN];
	struct point *cur = NULL, *g = NULL;
	struct scalar sc;
	size_t slots, i, n;
	uint64_t j;
	int r = ERR_INTERNAL;

	*out = NULL;
	if (max < 1 || max > LIMIT_VOTERS_MAX)
		return ERR_RANGE;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return ERR_NOMEM;
	t->max = max;
	t->s = isqrt_ceil(max + 1);
	for (slots = 16; slots < 2 * t->s; slots *= 2)
		;
	t->mask = slots - 1;
	if ((t->slot = calloc(slots, sizeof(*t->slot))) == NULL ||
	    (t->stride = group_point_new()) == NULL ||
	    (cur = group_point_new()) == NULL ||
	    (g = group_point_new()) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < BSGS_CHUNK; i++) {
		if ((pts[i] = group_point_new()) == NULL) {
			r = ERR_NOMEM;
			goto out;
		}
	}
	group_scalar_set_u64(&sc, t->s);
	if ((r = group_mul_g(t->stride, &sc)) != 0 ||
	    (r = group_point_neg(t->stride, t->stride)) != 0 ||
	    (r = group_point_set_generator(g)) != 0 ||
	    (r = group_point_set_infinity(cur)) != 0)
		goto out;
	/* baby steps j = 1 .. s-1, encoded BSGS_CHUNK at a time */
	for (j = 1; j < t->s; j += n) {
		n = t->s - j < BSGS_CHUNK ? (size_t)(t->s - j) : BSGS_CHUNK;
		for (i = 0; i < n; i++) {
			if ((r = group_point_add(cur, cur, g)) != 0 ||
			    (r = group_point_copy(pts[i], cur)) != 0)
				goto out;
		}
		if ((r = group_points_encode((const struct point *const *)pts,
		    n, enc)) != 0)
			goto out;
		for (i = 0; i < n; i++) {
			uint64_t key = group_encoded_key(enc +
			    i * GROUP_POINT_LEN) | 1ULL << 63;
			size_t at = slot_of(key, t->mask);

			while (t->slot[at].key != 0)
				at = (at + 1) & t->mask;
			t->slot[at].key = key;
			t->slot[at].j = (uint32_t)(j + i);
		}
	}
	*out = t;
	t = NULL;
	r = 0;
out:
	for (i = 0; i < BSGS_CHUNK; i++)
		group_point_free(pts[i]);
	group_point_free(cur);
	group_point_free(g);
	bsgs_table_free(t);
	return r;
}

void
bsgs_table_free(struct bsgs_table *t)
{
	if (t == NULL)
		return;
	free(t->slot);
	group_point_free(t->stride);
	free(t);
}

/* 1 when cand·G == T (cand <= max), 0 when not, negative on error. */
static int
confirm(const struct bsgs_table *t, uint64_t cand, const struct point *T,
    struct point *tmp)
{
	struct scalar sc;
	int r;

	if (cand > t->max)
		return 0;
	group_scalar_set_u64(&sc, cand);
	if ((r = group_mul_g(tmp, &sc)) != 0)
		return r;
	return group_point_eq(tmp, T);
}

int
bsgs_decode(const struct bsgs_table *t, const struct point *T, uint64_t *m)
{
	struct point *pts[BSGS_CHUNK] = { 0 }, *cur = NULL;
	uint8_t enc[BSGS_CHUNK * GROUP_POINT_LEN];
	uint64_t base, key, cand;
	size_t c, n, at;
	int r = ERR_INTERNAL, ok, any_inf;

	*m = 0;
	if ((cur = group_point_new()) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	for (c = 0; c < BSGS_CHUNK; c++)
		if ((pts[c] = group_point_new()) == NULL) {
			r = ERR_NOMEM;
			goto out;
		}
	/*
	 * Giant steps T - i·s·G for i = 0..s, BSGS_CHUNK at a time so that
	 * one batch encoding (one field inversion) serves the whole chunk.
	 */
	if ((r = group_point_copy(cur, T)) != 0)
		goto out;
	for (base = 0; base <= t->s; base += n) {
		n = t->s + 1 - base < BSGS_CHUNK ? (size_t)(t->s + 1 - base) :
		    BSGS_CHUNK;
		any_inf = 0;
		for (c = 0; c < n; c++) {
			if ((r = group_point_copy(pts[c], cur)) != 0 ||
			    (r = group_point_add(cur, cur, t->stride)) != 0)
				goto out;
			any_inf |= group_point_is_infinity(pts[c]);
		}
		if (any_inf) {
			/* T = i·s·G for some i in the chunk (rare): decide
			 * that one directly, encode the others singly */
			for (c = 0; c < n; c++) {
				if (!group_point_is_infinity(pts[c])) {
					if ((r = group_point_encode(pts[c],
					    enc + c * GROUP_POINT_LEN, 0)) != 0)
						goto out;
					continue;
				}
				memset(enc + c * GROUP_POINT_LEN, 0,
				    GROUP_POINT_LEN);
				cand = (base + c) * t->s;
				if ((ok = confirm(t, cand, T, pts[c])) < 0) {
					r = ok;
					goto out;
				}
				if (ok) {
					*m = cand;
					r = 0;
					goto out;
				}
				if ((r = group_point_set_infinity(pts[c])) != 0)
					goto out;
			}
		} else if ((r = group_points_encode(
		    (const struct point *const *)pts, n, enc)) != 0)
			goto out;
		for (c = 0; c < n; c++) {
			if (group_point_is_infinity(pts[c]))
				continue;
			key = group_encoded_key(enc + c * GROUP_POINT_LEN) |
			    1ULL << 63;
			for (at = slot_of(key, t->mask); t->slot[at].key != 0;
			    at = (at + 1) & t->mask) {
				if (t->slot[at].key != key)
					continue;
				cand = (base + c) * t->s + t->slot[at].j;
				/* pts[c] is no longer needed: scratch */
				if ((ok = confirm(t, cand, T, pts[c])) < 0) {
					r = ok;
					goto out;
				}
				if (ok) {
					*m = cand;
					r = 0;
					goto out;
				}
			}
		}
	}
	r = ERR_NOT_FOUND;
out:
	for (c = 0; c < BSGS_CHUNK; c++)
		group_point_free(pts[c]);
	group_point_free(cur);
	return r;
}
