/*
 * verify_box.c - the ballot box: ballots.bin (V5), the tracking-code
 * chain (V6), every contest proof (V7), the box checkpoints (V8), what
 * counts (V9) and the aggregates (V10).  The per-ballot work (decoding,
 * ballot hashes, proofs, sums) is one parallel pass over the box.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/recjson.h"
#include "audit/recview.h"
#include "audit/verify_int.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/misuse.h"

#define TRACK_DOMAIN	"ippyo-track-v1"
#define BALLOT_DOMAIN	"ippyo-ballot-v1"
#define PASS_CHUNK	32	/* ballots per batch of proofs */
#define ENTRY_MIN	(8 + 4 + 32 + 32 + 4 + 4)	/* an empty entry */

/* ---- a bounded reader over ballots.bin ---------------------------- */

struct cur {
	const uint8_t *p;
	size_t len, off;
};

static int
cur_take(struct cur *c, size_t n, const uint8_t **out)
{
	if (n > c->len - c->off)
		return ERR_TRUNCATED;
	*out = c->p + c->off;
	c->off += n;
	return 0;
}

static int
cur_u64(struct cur *c, uint64_t *x)
{
	const uint8_t *p;
	int i;

	if (cur_take(c, 8, &p) != 0)
		return ERR_TRUNCATED;
	*x = 0;
	for (i = 0; i < 8; i++)
		*x = (*x << 8) | p[i];
	return 0;
}

static int
cur_str(struct cur *c, size_t max, const uint8_t **s, size_t *len)
{
	const uint8_t *p;
	uint32_t n;

	if (cur_take(c, 4, &p) != 0)
		return ERR_TRUNCATED;
	n = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
	if (n > max)
		return ERR_TOO_LARGE;
	*len = n;
	return cur_take(c, n, s);
}

void
v_box_parse(struct vctx *v)
{
	const struct rec_file *f = rec_find(v->rs, "ballots.bin");
	struct cur c;
	const uint8_t *p;
	uint64_t count, i;
	int r;

	if (f == NULL) {
		v_fail(v, V_BALLOTS, "ballots.bin is missing");
		return;
	}
	c.p = f->data;
	c.len = f->len;
	c.off = 0;
	if (cur_take(&c, 9, &p) != 0 || memcmp(p, "IPPYOBOX\x01", 9) != 0 ||
	    cur_u64(&c, &count) != 0) {
		v_fail(v, V_BALLOTS, "ballots.bin: no \"IPPYOBOX\" version 1 "
		    "header");
		return;
	}
	if (count > (c.len - c.off) / ENTRY_MIN) {
		v_fail(v, V_BALLOTS, "ballots.bin: a count of %llu entries "
		    "does not fit the file", (unsigned long long)count);
		return;
	}
	if ((v->e = calloc(count ? count : 1, sizeof(*v->e))) == NULL ||
	    (v->bflags = calloc(count ? count : 1, 1)) == NULL ||
	    (v->proof_bad = calloc(count ? count : 1, sizeof(uint32_t)))
	    == NULL ||
	    (v->chain = calloc(count + 1, 32)) == NULL) {
		v_fatal(v, V_BALLOTS, ERR_NOMEM, "out of memory for the "
		    "ballots' index");
		return;
	}
	for (i = 0; i < count; i++) {
		struct ventry *e = &v->e[i];
		const uint8_t *at;

		if ((r = cur_u64(&c, &e->position)) != 0 ||
		    (r = cur_str(&c, V_ALIAS_LEN, &e->alias,
		    &e->alias_len)) != 0 ||
		    (r = cur_take(&c, 32, &e->bhash)) != 0 ||
		    (r = cur_take(&c, 32, &e->code)) != 0 ||
		    (r = cur_str(&c, V_TIME_LEN, &at, &e->at_len)) != 0 ||
		    (r = cur_str(&c, V_BALLOT_MAX, &e->ballot,
		    &e->ballot_len)) != 0) {
			v_fail(v, V_BALLOTS, "ballots.bin: entry %llu is %s",
			    (unsigned long long)i + 1, r == ERR_TOO_LARGE ?
			    "over a length limit" : "truncated");
			return;
		}
		e->at = (const char *)at;
	}
	if (c.off != c.len) {
		v_fail(v, V_BALLOTS, "ballots.bin: bytes after the last "
		    "entry");
		return;
	}
	v->ne = (size_t)count;
	v->box_ok = 1;
}

/* ---- counted.json, read for the pass (V9 judges it) --------------- */

void
v_counted_load(struct vctx *v)
{
	static const char *const keys[] = { "positions" };
	const struct rec_file *f = rec_find(v->rs, "counted.json");
	json_t *root = NULL, *a;
	uint64_t p, prev = 0;
	size_t i;

	if (f == NULL || !v->box_ok)
		return;
	if (rj_load(f->data, f->len, (size_t)rec_limit("counted.json"),
	    &root) != 0 || rj_keys(root, keys, 1) != 0 ||
	    rj_get_array(root, "positions", &a) != 0)
		goto out;
	if ((v->counted = calloc(v->ne ? v->ne : 1, 1)) == NULL)
		goto out;
	for (i = 0; i < json_array_size(a); i++) {
		if (rj_uint(json_array_get(a, i), v->ne, &p) != 0 || p < 1 ||
		    p <= prev) {
			free(v->counted);
			v->counted = NULL;
			goto out;
		}
		v->counted[p - 1] = 1;
		prev = p;
	}
	v->ncounted = i;
	v->counted_loaded = 1;
 out:
	json_decref(root);
}

/* ---- tracking codes ----------------------------------------------- */

int
v_seed(struct vctx *v, uint8_t out[32])
{
	const uint8_t *parts[2] = { (const uint8_t *)TRACK_DOMAIN,
	    v->context };
	size_t lens[2] = { sizeof(TRACK_DOMAIN) - 1, 32 };

	return v->eng->sha256(parts, lens, 2, out);
}

static void
be32(uint8_t *p, uint32_t x)
{
	p[0] = (uint8_t)(x >> 24);
	p[1] = (uint8_t)(x >> 16);
	p[2] = (uint8_t)(x >> 8);
	p[3] = (uint8_t)x;
}

static void
be64(uint8_t *p, uint64_t x)
{
	be32(p, (uint32_t)(x >> 32));
	be32(p + 4, (uint32_t)x);
}

int
v_code(struct vctx *v, const uint8_t prev[32], uint64_t pos,
    const uint8_t bhash[32], const char *at, size_t at_len, uint8_t out[32])
{
	uint8_t pb[8], lb[4];
	const uint8_t *parts[8] = { (const uint8_t *)TRACK_DOMAIN, v->context,
	    prev, pb, bhash, lb, (const uint8_t *)at };
	size_t lens[8] = { sizeof(TRACK_DOMAIN) - 1, 32, 32, 8, 32, 4,
	    at_len };

	be64(pb, pos);
	be32(lb, (uint32_t)at_len);
	return v->eng->sha256(parts, lens, 7, out);
}

size_t
v_checkpoint_msg(const struct vctx *v, uint64_t pos, const uint8_t code[32],
    const char *at, size_t at_len, uint8_t *out, size_t max)
{
	size_t idl = strlen(v->election_id), n = 4 + idl + 8 + 32 + 4 + at_len;

	if (n > max)
		return 0;
	be32(out, (uint32_t)idl);
	memcpy(out + 4, v->election_id, idl);
	be64(out + 4 + idl, pos);
	memcpy(out + 12 + idl, code, 32);
	be32(out + 44 + idl, (uint32_t)at_len);
	memcpy(out + 48 + idl, at, at_len);
	return n;
}

/* ---- the parallel pass -------------------------------------------- */

struct pass {
	struct vctx *v;
	size_t lo, hi;			/* entries [lo, hi) */
	atomic_size_t next;		/* next chunk */
	atomic_size_t done;		/* ballots finished */
	int proofs;			/* 1: check proofs (K is valid) */
	int sums;			/* 1: sum counted ballots */
	pthread_mutex_t mu;
	int err;			/* first internal error */
	struct timespec last;		/* last progress line */
};

struct worker {
	struct pass *s;
	unsigned idx;			/* 0: prints progress */
	void *ctx;			/* engine context */
	void **sum;			/* [nsums] accumulators */
	int r;
	pthread_t th;
	int started;			/* th was created: join it */
};

static void
pass_error(struct pass *s, int r)
{
	pthread_mutex_lock(&s->mu);
	if (s->err == 0)
		s->err = r;
	pthread_mutex_unlock(&s->mu);
}

static double
since(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* Decodes, hashes and queues one entry; sums it when counted. */
static int
one_ballot(struct worker *w, size_t i)
{
	struct vctx *v = w->s->v;
	const struct ventry *e = &v->e[i];
	const struct rv_manifest *m = v->m;
	struct rv_ballot b;
	uint8_t h[32];
	const uint8_t *parts[2] = { (const uint8_t *)BALLOT_DOMAIN,
	    e->ballot };
	size_t lens[2] = { sizeof(BALLOT_DOMAIN) - 1, e->ballot_len };
	uint32_t c, o;
	int r;

	if ((r = v->eng->sha256(parts, lens, 2, h)) != 0)
		return r;
	if (memcmp(h, e->bhash, 32) != 0)
		v->bflags[i] |= VB_HASH;
	if (rv_ballot_decode(m, e->ballot, e->ballot_len, &b) != 0) {
		v->bflags[i] |= VB_DECODE;
		if (w->s->sums && v->counted[i])
			v->bflags[i] |= VB_SUM;
		return 0;
	}
	if (b.election_id_len != strlen(v->election_id) ||
	    memcmp(b.election_id, v->election_id, b.election_id_len) != 0)
		v->bflags[i] |= VB_ELECTION;
	if (memcmp(b.context, v->context, 32) != 0)
		v->bflags[i] |= VB_CONTEXT;
	if (b.alias_len != e->alias_len ||
	    memcmp(b.alias, e->alias, b.alias_len) != 0)
		v->bflags[i] |= VB_ALIAS;
	for (c = 0; c < m->ncontests && c < b.ncontests; c++) {
		const struct rv_contest *mc = &m->contests[c];

		if (w->s->proofs) {
			struct engine_contest ec;

			ec.context = v->context;
			ec.alias = b.alias;
			ec.alias_len = b.alias_len;
			ec.index = c;
			ec.options = mc->noptions;
			ec.min = mc->min;
			ec.max = mc->max;
			ec.bytes = b.contest[c];
			ec.len = b.contest_len[c];
			r = v->eng->contest_add(w->ctx, &ec,
			    (uint64_t)i * 32 + c);
			if (r == ERR_NOMEM || r == ERR_INTERNAL ||
			    r == ERR_CRYPTO)
				return r;
			if (r != 0)
				v->proof_bad[i] |= 1u << c;
		}
		if (w->s->sums && v->counted[i]) {
			for (o = 0; o < mc->noptions; o++) {
				if (b.contest_len[c] < (size_t)(o + 1) * 130 ||
				    v->eng->sum_add(w->sum[v->sum_off[c] + o],
				    b.contest[c] + (size_t)o * 130) != 0) {
					v->bflags[i] |= VB_SUM;
					break;
				}
			}
		}
	}
	return 0;
}

/* proof_bad holds one bit per contest. */
_Static_assert(LIMIT_CONTESTS_MAX <= 32, "proof_bad is 32 bits");

/* The proof_bad bits of every contest of the manifest. */
static uint32_t
all_contests(const struct vctx *v)
{
	return v->m->ncontests >= 32 ? 0xffffffffu :
	    (1u << v->m->ncontests) - 1;
}

static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	struct pass *s = w->s;
	struct vctx *v = s->v;
	/* Every contest of every ballot of a chunk can fail. */
	uint64_t bad[PASS_CHUNK * LIMIT_CONTESTS_MAX];
	size_t start, end, i, nb;
	int r;

	for (;;) {
		start = atomic_fetch_add(&s->next, PASS_CHUNK);
		if (start >= s->hi)
			break;
		end = start + PASS_CHUNK < s->hi ? start + PASS_CHUNK : s->hi;
		for (i = start; i < end; i++)
			if ((r = one_ballot(w, i)) != 0) {
				w->r = r;
				pass_error(s, r);
				return NULL;
			}
		if (s->proofs) {
			r = v->eng->contest_flush(w->ctx, bad,
			    sizeof(bad) / sizeof(bad[0]), &nb);
			if (r == ERR_VERIFY && nb > sizeof(bad) /
			    sizeof(bad[0]))
				r = ERR_INTERNAL;	/* the engine's bug */
			if (r == ERR_VERIFY && nb == 0) {
				/* The batch failed, yet each contest alone
				 * passed (2^-128): all stay rejected. */
				for (i = start; i < end; i++)
					v->proof_bad[i] |= all_contests(v);
			} else if (r == ERR_VERIFY) {
				for (i = 0; i < nb; i++) {
					if (bad[i] / 32 < start ||
					    bad[i] / 32 >= end) {
						r = ERR_INTERNAL;
						break;
					}
					v->proof_bad[bad[i] / 32] |=
					    1u << (bad[i] % 32);
				}
			}
			if (r != 0 && r != ERR_VERIFY) {
				w->r = r;
				pass_error(s, r);
				return NULL;
			}
		}
		atomic_fetch_add(&s->done, end - start);
		if (w->idx == 0 && v->o->progress != NULL) {
			struct timespec now;

			clock_gettime(CLOCK_MONOTONIC, &now);
			if (since(&s->last, &now) >= 2.0) {
				size_t d = atomic_load(&s->done);

				s->last = now;
				v_progress(v, "ballots %zu of %zu (%zu%%)", d,
				    s->hi - s->lo, (s->hi - s->lo) ?
				    d * 100 / (s->hi - s->lo) : 100);
			}
		}
	}
	return NULL;
}

static void
worker_free(const struct vctx *v, struct worker *w)
{
	size_t j;

	if (w->ctx != NULL)
		v->eng->close(w->ctx);
	if (w->sum != NULL)
		for (j = 0; j < v->nsums; j++)
			if (w->sum[j] != NULL)
				v->eng->sum_free(w->sum[j]);
	free(w->sum);
}

int
v_pass(struct vctx *v, size_t lo, size_t hi)
{
	struct worker *w = NULL;
	struct pass s;
	unsigned t, nt;
	size_t j;
	int r = 0;

	if (!v->box_ok || v->m == NULL || !v->el_loaded)
		return 0;
	memset(&s, 0, sizeof(s));
	s.v = v;
	s.lo = lo;
	s.hi = hi;
	atomic_init(&s.next, lo);
	atomic_init(&s.done, 0);
	s.proofs = v->key_ok;
	s.sums = v->counted_loaded && lo == 0 && hi == v->ne;
	pthread_mutex_init(&s.mu, NULL);
	clock_gettime(CLOCK_MONOTONIC, &s.last);

	if (v->sum_off == NULL) {
		r = ERR_INTERNAL;
		goto out;
	}
	nt = v->threads;
	if (nt > (hi - lo) / PASS_CHUNK + 1)
		nt = (unsigned)((hi - lo) / PASS_CHUNK + 1);
	if ((w = calloc(nt, sizeof(*w))) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	for (t = 0; t < nt; t++) {
		w[t].s = &s;
		w[t].idx = t;
		if (s.proofs && (r = v->eng->open(&w[t].ctx, v->K)) != 0)
			goto out;
		if (s.sums) {
			if ((w[t].sum = calloc(v->nsums ? v->nsums : 1,
			    sizeof(void *))) == NULL) {
				r = ERR_NOMEM;
				goto out;
			}
			for (j = 0; j < v->nsums; j++)
				if ((r = v->eng->sum_new(&w[t].sum[j])) != 0)
					goto out;
		}
	}
	v_progress(v, "checking %zu ballots on %u thread%s (%s engine)",
	    hi - lo, nt, nt == 1 ? "" : "s", v->eng->name);
	/* A thread that cannot be created is not needed: the others take
	 * its share (chunks are handed out as they are asked for). */
	for (t = 1; t < nt; t++)
		w[t].started = pthread_create(&w[t].th, NULL, worker_run,
		    &w[t]) == 0;
	worker_run(&w[0]);
	for (t = 1; t < nt; t++)
		if (w[t].started)
			pthread_join(w[t].th, NULL);
	if (s.err != 0) {
		r = s.err;
		goto out;
	}
	if (s.sums) {
		if ((v->sums = calloc(v->nsums ? v->nsums : 1, 130)) == NULL) {
			r = ERR_NOMEM;
			goto out;
		}
		for (j = 0; j < v->nsums; j++) {
			for (t = 1; t < nt; t++)
				if ((r = v->eng->sum_merge(w[0].sum[j],
				    w[t].sum[j])) != 0)
					goto out;
			if ((r = v->eng->sum_get(w[0].sum[j],
			    v->sums + j * 130)) != 0)
				goto out;
		}
		v->sums_ok = 1;
	}
 out:
	if (w != NULL)
		for (t = 0; t < nt; t++)
			worker_free(v, &w[t]);
	free(w);
	pthread_mutex_destroy(&s.mu);
	return r;
}

/* ---- V5: the ballots ---------------------------------------------- */

static int
cmp_hash_idx(const void *a, const void *b)
{
	const struct ventry *const *x = a, *const *y = b;
	int c = memcmp((*x)->bhash, (*y)->bhash, 32);

	return c != 0 ? c : (*x < *y ? -1 : *x > *y);
}

void
v_check_ballots(struct vctx *v)
{
	const struct ventry **sorted = NULL;
	size_t i;

	if (!v->box_ok)
		goto out;
	if (v->m == NULL || !v->el_loaded) {
		v_skip(v, V_BALLOTS, V_ELECTION);
		return;
	}
	for (i = 0; i < v->ne; i++) {
		uint8_t f = v->bflags[i];
		unsigned long long p = (unsigned long long)i + 1;

		if (v->e[i].alias_len != V_ALIAS_LEN)
			v_fail(v, V_BALLOTS, "position %llu: the alias is not "
			    "%d characters", p, V_ALIAS_LEN);
		if (f & VB_DECODE)
			v_fail(v, V_BALLOTS, "position %llu: the ballot does "
			    "not decode for the manifest", p);
		if (f & VB_ELECTION)
			v_fail(v, V_BALLOTS, "position %llu: the ballot names "
			    "another election", p);
		if (f & VB_CONTEXT)
			v_fail(v, V_BALLOTS, "position %llu: the ballot binds "
			    "another context hash", p);
		if (f & VB_ALIAS)
			v_fail(v, V_BALLOTS, "position %llu: the ballot's alias "
			    "is not the entry's", p);
		if (f & VB_HASH)
			v_fail(v, V_BALLOTS, "position %llu: the ballot hash "
			    "does not recompute", p);
	}
	/* No ballot twice (the box refuses a ballot hash it holds). */
	if (v->ne > 1) {
		if ((sorted = malloc(v->ne * sizeof(*sorted))) == NULL) {
			v_fatal(v, V_BALLOTS, ERR_NOMEM, "out of memory");
			goto out;
		}
		for (i = 0; i < v->ne; i++)
			sorted[i] = &v->e[i];
		qsort(sorted, v->ne, sizeof(*sorted), cmp_hash_idx);
		for (i = 1; i < v->ne; i++)
			if (memcmp(sorted[i - 1]->bhash, sorted[i]->bhash, 32)
			    == 0)
				v_fail(v, V_BALLOTS, "positions %zu and %zu "
				    "hold the same ballot",
				    (size_t)(sorted[i - 1] - v->e) + 1,
				    (size_t)(sorted[i] - v->e) + 1);
		free(sorted);
	}
	if ((uint64_t)v->ne != v->ballots_cast)
		v_fail(v, V_BALLOTS, "ballots.bin holds %zu ballots, "
		    "election.json says %llu", v->ne,
		    (unsigned long long)v->ballots_cast);
 out:
	v_done(v, V_BALLOTS);
}

/* ---- V6: the chain ------------------------------------------------ */

void
v_check_chain(struct vctx *v)
{
	const char *prev_at = NULL;
	size_t i;

	if (!v->box_ok) {
		v_skip(v, V_CHAIN, V_BALLOTS);
		return;
	}
	if (!v->el_loaded) {
		v_skip(v, V_CHAIN, V_ELECTION);
		return;
	}
	if (v_seed(v, v->chain[0]) != 0) {
		v_fail(v, V_CHAIN, "hash failure");
		goto out;
	}
	for (i = 0; i < v->ne; i++) {
		const struct ventry *e = &v->e[i];
		unsigned long long p = (unsigned long long)i + 1;

		if (e->position != i + 1)
			v_fail(v, V_CHAIN, "entry %llu says position %llu", p,
			    (unsigned long long)e->position);
		if (!v_time_ok(e->at, e->at_len))
			v_fail(v, V_CHAIN, "position %llu: received_at is not "
			    "a valid time", p);
		else {
			int64_t us = 0;

			if (v->m != NULL &&
			    clock_parse_us(e->at, e->at_len, &us) == 0 &&
			    (us < 0 || (uint64_t)us < v->m->opens_us ||
			    (uint64_t)us >= v->m->closes_us))
				v_fail(v, V_CHAIN, "position %llu: received "
				    "outside the voting window", p);
			if (prev_at != NULL && memcmp(e->at, prev_at,
			    V_TIME_LEN) < 0)
				v_fail(v, V_CHAIN, "position %llu: received_at "
				    "runs backwards", p);
			prev_at = e->at;
		}
		if (v_code(v, v->chain[i], i + 1, e->bhash, e->at, e->at_len,
		    v->chain[i + 1]) != 0) {
			v_fail(v, V_CHAIN, "hash failure");
			goto out;
		}
		if (memcmp(v->chain[i + 1], e->code, 32) != 0)
			v_fail(v, V_CHAIN, "position %llu: the tracking code "
			    "does not recompute from the chain", p);
	}
	v->chain_ok = 1;
 out:
	v_done(v, V_CHAIN);
}

/* ---- V7: proofs --------------------------------------------------- */

void
v_check_proofs(struct vctx *v)
{
	size_t i;
	uint32_t c;

	if (!v->box_ok) {
		v_skip(v, V_PROOFS, V_BALLOTS);
		return;
	}
	if (v->m == NULL || !v->key_ok) {
		v_skip(v, V_PROOFS, V_ELECTION);
		return;
	}
	for (i = 0; i < v->ne; i++) {
		if (v->bflags[i] & VB_DECODE)
			v_fail(v, V_PROOFS, "position %zu: not checked, the "
			    "ballot does not decode", i + 1);
		if (v->proof_bad[i] == 0)
			continue;
		for (c = 0; c < 32; c++)
			if (v->proof_bad[i] & (1u << c))
				v_fail(v, V_PROOFS, "position %zu contest %u: "
				    "the proofs do not verify", i + 1, c);
	}
	v_done(v, V_PROOFS);
}

/* ---- V8: checkpoints ---------------------------------------------- */

void
v_check_checkpoints(struct vctx *v)
{
	static const char *const keys[] = { "position", "tracking_code",
	    "at", "final", "public_key", "signature" };
	json_t *root = NULL;
	uint64_t prev_pos = 0;
	const char *prev_at = NULL;
	size_t i, n, finals = 0;

	if (!v->box_ok || !v->chain_ok) {
		v_skip(v, V_CHECKPOINTS, v->box_ok ? V_CHAIN : V_BALLOTS);
		return;
	}
	if (v_load_json(v, V_CHECKPOINTS, "checkpoints.json", &root) != 0)
		goto out;
	if (!json_is_array(root) || (n = json_array_size(root)) == 0) {
		v_fail(v, V_CHECKPOINTS, "checkpoints.json is not a non-empty "
		    "array");
		goto out;
	}
	for (i = 0; i < n; i++) {
		json_t *cp = json_array_get(root, i);
		uint8_t code[32], pk[32], sig[64], msg[512];
		const char *at;
		size_t at_len, ml;
		uint64_t pos;
		int fin;

		if (rj_keys(cp, keys, 6) != 0 ||
		    rj_get_uint(cp, "position", RJ_INT_MAX, &pos) != 0 ||
		    rj_get_hex(cp, "tracking_code", code, 32) != 0 ||
		    rj_get_str(cp, "at", V_TIME_LEN, &at, &at_len) != 0 ||
		    !v_time_ok(at, at_len) ||
		    rj_get_bool(cp, "final", &fin) != 0 ||
		    rj_get_hex(cp, "public_key", pk, 32) != 0 ||
		    rj_get_hex(cp, "signature", sig, 64) != 0) {
			v_fail(v, V_CHECKPOINTS, "checkpoint %zu is not as "
			    "documented", i + 1);
			continue;
		}
		if (pos > v->ne) {
			v_fail(v, V_CHECKPOINTS, "checkpoint %zu is at position "
			    "%llu, past the box", i + 1,
			    (unsigned long long)pos);
			continue;
		}
		if (pos < prev_pos || (prev_at != NULL &&
		    memcmp(at, prev_at, V_TIME_LEN) < 0))
			v_fail(v, V_CHECKPOINTS, "checkpoint %zu goes back in "
			    "position or time", i + 1);
		prev_pos = pos;
		prev_at = at;
		if (memcmp(code, v->chain[pos], 32) != 0)
			v_fail(v, V_CHECKPOINTS, "checkpoint %zu: its tracking "
			    "code is not the chain's at position %llu", i + 1,
			    (unsigned long long)pos);
		if (fin) {
			finals++;
			if (i + 1 != n)
				v_fail(v, V_CHECKPOINTS, "checkpoint %zu is "
				    "final but not the last", i + 1);
			if (pos != v->ne || pos != v->ballots_cast)
				v_fail(v, V_CHECKPOINTS, "the final checkpoint "
				    "is at position %llu, not the whole box",
				    (unsigned long long)pos);
		}
		if (memcmp(pk, fin ? v->committee_key : v->box_key, 32) != 0) {
			v_fail(v, V_CHECKPOINTS, "checkpoint %zu is signed by "
			    "a key other than election.json's %s", i + 1,
			    fin ? "committee_key" : "box_key");
			continue;
		}
		ml = v_checkpoint_msg(v, pos, code, at, at_len, msg,
		    sizeof(msg));
		if (ml == 0 || v->eng->sig_verify(pk, fin ? "box-final" :
		    "box-checkpoint", msg, ml, sig) != 0)
			v_fail(v, V_CHECKPOINTS, "checkpoint %zu: the signature "
			    "does not verify", i + 1);
	}
	if (finals != 1)
		v_fail(v, V_CHECKPOINTS, "%zu final checkpoints, not one",
		    finals);
 out:
	json_decref(root);
	v_done(v, V_CHECKPOINTS);
}

/* ---- V9: what counts ---------------------------------------------- */

static int
cmp_alias_pos(const void *a, const void *b)
{
	const struct ventry *x = *(const struct ventry *const *)a;
	const struct ventry *y = *(const struct ventry *const *)b;
	size_t l = x->alias_len < y->alias_len ? x->alias_len : y->alias_len;
	int c = memcmp(x->alias, y->alias, l);

	if (c != 0)
		return c;
	if (x->alias_len != y->alias_len)
		return x->alias_len < y->alias_len ? -1 : 1;
	return x < y ? -1 : x > y;
}

static int
same_alias(const struct ventry *x, const struct ventry *y)
{
	return x->alias_len == y->alias_len &&
	    memcmp(x->alias, y->alias, x->alias_len) == 0;
}

static int
is_hex32(const char *s, size_t len)
{
	size_t i;

	if (len != V_ALIAS_LEN)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' &&
		    s[i] <= 'f')))
			return 0;
	return 1;
}

static int
cmp_alias_str(const void *a, const void *b)
{
	return memcmp(*(const char *const *)a, *(const char *const *)b,
	    V_ALIAS_LEN);
}

void
v_check_counted(struct vctx *v)
{
	static const char *const skeys[] = { "position", "by", "reason" };
	static const char *const ckeys[] = { "positions" };
	json_t *sup = NULL, *adm = NULL, *cnt = NULL, *a;
	const char **admitted = NULL;
	const struct ventry **order = NULL;
	uint64_t *next = NULL, prev, p;
	uint8_t *state = NULL;	/* 1 counted.json, 2 superseded.json */
	size_t i, nadm = 0, ncnt = 0;

	if (!v->box_ok) {
		v_skip(v, V_COUNTED, V_BALLOTS);
		return;
	}
	if ((order = malloc((v->ne ? v->ne : 1) * sizeof(*order))) == NULL ||
	    (next = calloc(v->ne ? v->ne : 1, sizeof(*next))) == NULL ||
	    (state = calloc(v->ne ? v->ne : 1, 1)) == NULL) {
		v_fatal(v, V_COUNTED, ERR_NOMEM, "out of memory");
		goto out;
	}
	/* next[i]: the position of the next ballot of the same alias. */
	for (i = 0; i < v->ne; i++)
		order[i] = &v->e[i];
	qsort(order, v->ne, sizeof(*order), cmp_alias_pos);
	for (i = 0; i + 1 < v->ne; i++)
		if (same_alias(order[i], order[i + 1]))
			next[order[i] - v->e] =
			    (uint64_t)(order[i + 1] - v->e) + 1;

	/* admitted.json: sorted aliases. */
	if (v_load_json(v, V_COUNTED, "admitted.json", &adm) == 0) {
		if (!json_is_array(adm)) {
			v_fail(v, V_COUNTED, "admitted.json is not an array");
		} else if ((admitted = calloc(json_array_size(adm) + 1,
		    sizeof(*admitted))) == NULL) {
			v_fatal(v, V_COUNTED, ERR_NOMEM, "out of memory");
		} else {
			for (i = 0; i < json_array_size(adm); i++) {
				const char *s;
				size_t l;

				if (rj_str(json_array_get(adm, i), V_ALIAS_LEN,
				    &s, &l) != 0 || !is_hex32(s, l)) {
					v_fail(v, V_COUNTED, "admitted.json "
					    "entry %zu is not an alias", i + 1);
					continue;
				}
				if (nadm > 0 && memcmp(admitted[nadm - 1], s,
				    V_ALIAS_LEN) >= 0)
					v_fail(v, V_COUNTED, "admitted.json is "
					    "not sorted, or names an alias "
					    "twice");
				admitted[nadm++] = s;
			}
		}
	}

	/* superseded.json: by position, each with its reason. */
	if (v_load_json(v, V_COUNTED, "superseded.json", &sup) == 0) {
		if (!json_is_array(sup))
			v_fail(v, V_COUNTED, "superseded.json is not an "
			    "array");
		prev = 0;
		for (i = 0; json_is_array(sup) && i < json_array_size(sup);
		    i++) {
			json_t *s = json_array_get(sup, i), *by;
			const char *reason, *al;
			size_t rl;
			uint64_t q;

			if (rj_keys(s, skeys, 3) != 0 ||
			    rj_get_uint(s, "position", v->ne, &p) != 0 ||
			    p < 1 || rj_get_str(s, "reason", 32, &reason,
			    &rl) != 0) {
				v_fail(v, V_COUNTED, "superseded.json entry "
				    "%zu is not as documented", i + 1);
				continue;
			}
			if (p <= prev)
				v_fail(v, V_COUNTED, "superseded.json is not "
				    "sorted by position at %llu",
				    (unsigned long long)p);
			prev = p;
			state[p - 1] |= 2;
			by = json_object_get(s, "by");
			al = (const char *)v->e[p - 1].alias;
			if (rl == 6 && memcmp(reason, "revote", 6) == 0) {
				if (rj_uint(by, v->ne, &q) != 0 ||
				    q != next[p - 1] || q == 0)
					v_fail(v, V_COUNTED, "position %llu: "
					    "superseded by revote, but \"by\" "
					    "is not the voter's next ballot",
					    (unsigned long long)p);
			} else if (rl == 18 &&
			    memcmp(reason, "admitted_in_person", 18) == 0) {
				if (!json_is_null(by))
					v_fail(v, V_COUNTED, "position %llu: "
					    "admitted in person with a "
					    "\"by\"", (unsigned long long)p);
				if (admitted == NULL || v->e[p - 1].alias_len !=
				    V_ALIAS_LEN || bsearch(&al, admitted, nadm,
				    sizeof(*admitted), cmp_alias_str) == NULL)
					v_fail(v, V_COUNTED, "position %llu: "
					    "cancelled as admitted in person, "
					    "but the alias is not in "
					    "admitted.json",
					    (unsigned long long)p);
			} else
				v_fail(v, V_COUNTED, "position %llu: unknown "
				    "reason", (unsigned long long)p);
		}
	}

	/* counted.json: ascending positions. */
	if (v_load_json(v, V_COUNTED, "counted.json", &cnt) == 0) {
		if (rj_keys(cnt, ckeys, 1) != 0 ||
		    rj_get_array(cnt, "positions", &a) != 0) {
			v_fail(v, V_COUNTED, "counted.json is not "
			    "{\"positions\": [...]}");
		} else {
			prev = 0;
			for (i = 0; i < json_array_size(a); i++) {
				if (rj_uint(json_array_get(a, i), v->ne, &p)
				    != 0 || p < 1) {
					v_fail(v, V_COUNTED, "counted.json "
					    "entry %zu is not a position",
					    i + 1);
					continue;
				}
				if (p <= prev)
					v_fail(v, V_COUNTED, "counted.json is "
					    "not ascending at %llu",
					    (unsigned long long)p);
				prev = p;
				state[p - 1] |= 1;
				ncnt++;
			}
			if (ncnt != v->ballots_counted)
				v_fail(v, V_COUNTED, "counted.json lists %zu "
				    "positions, election.json says %llu "
				    "ballots counted", ncnt,
				    (unsigned long long)v->ballots_counted);
		}
	}

	/* The rule: each alias's last ballot counts unless admitted. */
	for (i = 0; i < v->ne; i++) {
		const char *al = (const char *)v->e[i].alias;
		int adm_i = admitted != NULL &&
		    v->e[i].alias_len == V_ALIAS_LEN &&
		    bsearch(&al, admitted, nadm, sizeof(*admitted),
		    cmp_alias_str) != NULL;
		int should = next[i] == 0 && !adm_i;

		if (state[i] == 3)
			v_fail(v, V_COUNTED, "position %zu is both counted "
			    "and superseded", i + 1);
		else if (should && state[i] != 1)
			v_fail(v, V_COUNTED, "position %zu should count (the "
			    "voter's last ballot, not admitted in person) but "
			    "is %s", i + 1, state[i] == 2 ? "superseded" :
			    "not counted");
		else if (!should && (state[i] & 1))
			v_fail(v, V_COUNTED, "position %zu is counted but %s",
			    i + 1, next[i] != 0 ? "the voter cast a later "
			    "ballot" : "the voter was admitted in person");
		else if (!should && state[i] == 0)
			v_fail(v, V_COUNTED, "position %zu is neither counted "
			    "nor in superseded.json", i + 1);
	}
 out:
	json_decref(sup);
	json_decref(adm);
	json_decref(cnt);
	free(admitted);
	free(order);
	free(next);
	free(state);
	v_done(v, V_COUNTED);
}

/* ---- tally.json and V10 ------------------------------------------- */

void
v_tally_load(struct vctx *v)
{
	static const char *const keys[] = { "contests" };
	static const char *const ckeys[] = { "index", "options" };
	json_t *root = NULL, *a, *o;
	uint64_t idx;
	size_t c, j;

	if (v->m == NULL || v->sum_off == NULL)
		return;
	if (v_load_json(v, V_AGGREGATES, "tally.json", &root) != 0)
		goto out;
	if (rj_keys(root, keys, 1) != 0 ||
	    rj_get_array(root, "contests", &a) != 0 ||
	    json_array_size(a) != v->m->ncontests) {
		v_fail(v, V_AGGREGATES, "tally.json is not one entry per "
		    "manifest contest");
		goto out;
	}
	if ((v->tally = calloc(v->nsums ? v->nsums : 1, 130)) == NULL) {
		v_fatal(v, V_AGGREGATES, ERR_NOMEM, "out of memory for "
		    "tally.json");
		goto out;
	}
	for (c = 0; c < v->m->ncontests; c++) {
		json_t *e = json_array_get(a, c);

		if (rj_keys(e, ckeys, 2) != 0 ||
		    rj_get_uint(e, "index", RJ_INT_MAX, &idx) != 0 ||
		    idx != c || rj_get_array(e, "options", &o) != 0 ||
		    json_array_size(o) != v->m->contests[c].noptions) {
			v_fail(v, V_AGGREGATES, "tally.json contest %zu: not "
			    "in the manifest's shape", c);
			goto out;
		}
		for (j = 0; j < json_array_size(o); j++)
			if (rj_hex(json_array_get(o, j), v->tally +
			    (v->sum_off[c] + j) * 130, 130) != 0) {
				v_fail(v, V_AGGREGATES, "tally.json contest "
				    "%zu option %zu: not 130 bytes of hex", c,
				    j);
				goto out;
			}
	}
	v->tally_loaded = 1;
 out:
	json_decref(root);
}

void
v_check_aggregates(struct vctx *v)
{
	size_t c, j, i;

	if (v->m == NULL) {
		v_skip(v, V_AGGREGATES, V_ELECTION);
		return;
	}
	if (!v->box_ok) {
		v_skip(v, V_AGGREGATES, V_BALLOTS);
		return;
	}
	if (!v->tally_loaded)
		goto out;
	if (!v->counted_loaded) {
		v_fail(v, V_AGGREGATES, "not checked: counted.json does not "
		    "list positions of the box");
		goto out;
	}
	for (i = 0; i < v->ne; i++)
		if (v->bflags[i] & VB_SUM)
			v_fail(v, V_AGGREGATES, "position %zu is counted but "
			    "its ciphertexts cannot be summed", i + 1);
	if (!v->sums_ok)
		goto out;
	for (c = 0; c < v->m->ncontests; c++)
		for (j = 0; j < v->m->contests[c].noptions; j++)
			if (memcmp(v->sums + (v->sum_off[c] + j) * 130,
			    v->tally + (v->sum_off[c] + j) * 130, 130) != 0)
				v_fail(v, V_AGGREGATES, "contest %zu option %zu: "
				    "tally.json is not the sum of the counted "
				    "ballots", c, j);
 out:
	v_done(v, V_AGGREGATES);
}
