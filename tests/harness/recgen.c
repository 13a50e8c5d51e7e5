/*
 * recgen.c - a valid election record built from docs/PROTOCOL-record.md
 * (see recgen.h and docs/GENERATOR.md).  A test tool: it holds every
 * secret.
 *
 * Randomness: the process-wide test generator seeded with the seed text
 * drives everything done in order (keys, the ceremony, voters and the
 * box order, decryption proofs).  Each ballot p draws its selections and
 * encryption nonces from a per-thread stream seeded with
 * SHA-256("ippyo/genrecord/ballot/v1" | str(seed) | u64 p), so the bytes
 * do not depend on which thread encrypted it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/archive.h"
#include "audit/log.h"
#include "ballot/ballot.h"
#include "ballot/box.h"
#include "ballot/election.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/vbuf.h"
#include "crypto/contest.h"
#include "crypto/ct.h"
#include "crypto/digest.h"
#include "crypto/dkg.h"
#include "crypto/elgamal.h"
#include "crypto/group.h"
#include "crypto/hash.h"
#include "crypto/proof.h"
#include "crypto/rand.h"
#include "crypto/sign.h"
#include "tests/harness/recgen.h"

#define CEREMONY_TAG	"ippyo/ceremony/v1"
#define BALLOT_SEED_TAG	"ippyo/genrecord/ballot/v1"
#define ALIAS_LEN	32
#define MAX_FILES	(16 + 2 * LIMIT_TRUSTEES_MAX)
#define REL_MAX		48
#define US		1000000LL
#define DAY		(86400LL * US)

/* ---- output files, hashed as written ---- */

struct rg_index {
	char rel[REL_MAX];		/* path in the record */
	uint8_t hash[32];		/* SHA-256 of its bytes */
};

struct rg_file {
	FILE *f;			/* open for writing */
	struct digest *d;		/* running hash */
	char rel[REL_MAX];
	int err;			/* first write error */
};

struct gen {
	const struct recgen_opts *o;
	char dir[4096];			/* the directory being written */
	struct rg_index files[MAX_FILES];
	size_t nfiles;

	/* election */
	struct manifest *m;
	struct vbuf *mbytes;		/* canonical manifest */
	const char *id;
	int64_t opens_us, closes_us, created_us;
	uint8_t K[GROUP_POINT_LEN];
	struct elgamal_key *key;
	uint8_t ctx[HASH_LEN];		/* election context hash */
	struct sign_key *committee, *box;
	uint8_t committee_pk[SIGN_PUBLIC_LEN], box_pk[SIGN_PUBLIC_LEN];

	/* ceremony (or the single test key) */
	struct dkg_params prm;
	struct dkg_trustee *tr[LIMIT_TRUSTEES_MAX + 1];	/* 1-based */
	uint8_t *pubs[LIMIT_TRUSTEES_MAX];	/* pubs[i-1] */
	size_t pub_len;
	uint32_t qual[LIMIT_TRUSTEES_MAX], nq;
	uint32_t part[LIMIT_TRUSTEES_MAX], np;	/* participating, ascending */
	uint8_t complaint_share[DKG_SHARE_LEN];
	uint8_t complaint[DKG_COMPLAINT_LEN];
	uint32_t complaint_by;		/* 0: none */
	struct scalar test_secret;

	/* voters and the box */
	uint64_t n;			/* ballots */
	uint32_t voters, admitted_online, nadmitted;
	char (*alias)[ALIAS_LEN + 1];	/* voters, then admitted extras */
	uint8_t *is_admitted;		/* per alias */
	uint32_t *voter;		/* per position 1..n (index 0 unused) */
	uint64_t *next;			/* next position of the same voter, 0 */
	uint8_t *counted;		/* per position */
	uint64_t ncounted;
	size_t ballot_len;
	size_t clen[LIMIT_CONTESTS_MAX];
	uint64_t step_us;		/* between received_at times */

	/* results */
	struct elgamal_ciphertext *sum[LIMIT_CONTESTS_MAX][LIMIT_OPTIONS_MAX];
	uint64_t votes[LIMIT_CONTESTS_MAX][LIMIT_OPTIONS_MAX];
};

static int
rg_open(struct gen *g, const char *rel, struct rg_file *f)
{
	char path[4200];

	memset(f, 0, sizeof(*f));
	if (strlen(rel) >= sizeof(f->rel) || g->nfiles >= MAX_FILES)
		return ERR_INTERNAL;
	snprintf(f->rel, sizeof(f->rel), "%s", rel);
	snprintf(path, sizeof(path), "%s/%s", g->dir, rel);
	if ((f->d = digest_new()) == NULL)
		return ERR_NOMEM;
	if ((f->f = fopen(path, "wbx")) == NULL) {
		digest_free(f->d);
		f->d = NULL;
		return ERR_IO;
	}
	setvbuf(f->f, NULL, _IOFBF, 1 << 20);
	return 0;
}

static void
rg_write(struct rg_file *f, const void *p, size_t n)
{
	if (f->err != 0 || n == 0)
		return;
	digest_put(f->d, p, n);
	if (fwrite(p, 1, n, f->f) != n)
		f->err = ERR_IO;
}

__attribute__((format(printf, 2, 3)))
static void
rg_printf(struct rg_file *f, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf)) {
		if (f->err == 0)
			f->err = ERR_INTERNAL;
		return;
	}
	rg_write(f, buf, (size_t)n);
}

static void
rg_hex(struct rg_file *f, const uint8_t *p, size_t n)
{
	char buf[2 * 512 + 1];

	while (n > 0) {
		size_t take = n > 512 ? 512 : n;

		if (ct_hex_encode(p, take, buf, sizeof(buf)) != 0) {
			f->err = ERR_INTERNAL;
			return;
		}
		rg_write(f, buf, 2 * take);
		p += take;
		n -= take;
	}
}

/* "hex" with quotes. */
static void
rg_qhex(struct rg_file *f, const uint8_t *p, size_t n)
{
	rg_write(f, "\"", 1);
	rg_hex(f, p, n);
	rg_write(f, "\"", 1);
}

/* A JSON string (the texts are ours, but escape anyway). */
static void
rg_qstr(struct rg_file *f, const char *s)
{
	rg_write(f, "\"", 1);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			rg_printf(f, "\\%c", c);
		else if (c < 0x20)
			rg_printf(f, "\\u%04x", c);
		else
			rg_write(f, s, 1);
	}
	rg_write(f, "\"", 1);
}

static void
rg_u32(struct rg_file *f, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 8), (uint8_t)v };

	rg_write(f, b, 4);
}

static void
rg_u64(struct rg_file *f, uint64_t v)
{
	uint8_t b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (56 - 8 * i));
	rg_write(f, b, 8);
}

static void
rg_str(struct rg_file *f, const void *p, size_t n)
{
	rg_u32(f, (uint32_t)n);
	rg_write(f, p, n);
}

/* Closes f and, if all went well, records it for INDEX. */
static int
rg_close(struct gen *g, struct rg_file *f)
{
	int r = f->err;

	if (f->f != NULL && fclose(f->f) != 0 && r == 0)
		r = ERR_IO;
	f->f = NULL;
	if (f->d != NULL) {
		if (r == 0) {
			struct rg_index *e = &g->files[g->nfiles++];

			memcpy(e->rel, f->rel, sizeof(e->rel));
			digest_final(f->d, e->hash);
		} else {
			digest_free(f->d);
		}
	}
	f->d = NULL;
	return r;
}

/* Closes f after an error (nothing recorded). */
static void
rg_abort(struct rg_file *f)
{
	if (f->f != NULL)
		fclose(f->f);
	digest_free(f->d);
	f->f = NULL;
	f->d = NULL;
}

/* ---- small helpers ---- */

/* A uniform integer in [0, bound) from rand_bytes (bound >= 1). */
static int
rnd(uint64_t bound, uint64_t *out)
{
	uint64_t lim = UINT64_MAX - UINT64_MAX % bound, v;
	uint8_t b[8];
	int i, r;

	do {
		if ((r = rand_bytes(b, sizeof(b))) != 0)
			return r;
		v = 0;
		for (i = 0; i < 8; i++)
			v = (v << 8) | b[i];
	} while (v >= lim);
	*out = v % bound;
	return 0;
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
put_be64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static void
fmt_time(int64_t us, char out[CLOCK_TEXT_LEN])
{
	clock_format_us(us, out);
}

static int64_t
received_us(const struct gen *g, uint64_t p)
{
	return g->opens_us + (int64_t)(p * g->step_us);
}

/* ---- options ---- */

void
recgen_opts_default(struct recgen_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->ballots = 100;
	o->contests = 1;
	o->options = 10;
	o->min = 0;
	o->max = 1;
	o->trustees = 3;
	o->threshold = 2;
	o->revote_pct = 10;
	o->threads = 1;
}

static int
opts_check(const struct recgen_opts *o)
{
	uint32_t i, left = 0;

	if (o->ballots > LIMIT_VOTERS_MAX || o->contests < 1 ||
	    o->contests > LIMIT_CONTESTS_MAX || o->options < 1 ||
	    o->options > LIMIT_OPTIONS_MAX || o->min > o->max ||
	    o->max > o->options || o->revote_pct > 90 ||
	    o->admitted_pct > 100 || o->threads < 1 || o->threads > 64 ||
	    o->admitted_extra > 1000000)
		return ERR_INVALID_ARG;
	if (o->test_key)
		return o->absent != 0 || o->cheater != 0 ? ERR_INVALID_ARG : 0;
	if (o->trustees < 2 || o->trustees > LIMIT_TRUSTEES_MAX ||
	    o->threshold < 1 || o->trustees < 2 * o->threshold - 1 ||
	    o->cheater > o->trustees ||
	    (o->absent & ~(((uint64_t)2 << o->trustees) - 2)) != 0)
		return ERR_INVALID_ARG;
	for (i = 1; i <= o->trustees; i++)
		if (i != o->cheater && !(o->absent & ((uint64_t)1 << i)))
			left++;
	if (left < o->threshold ||
	    (o->cheater != 0 && o->trustees - 1 < o->threshold))
		return ERR_INVALID_ARG;
	return 0;
}

/* ---- the manifest ---- */

static int
make_manifest(struct gen *g)
{
	const struct recgen_opts *o = g->o;
	uint32_t nopt[LIMIT_CONTESTS_MAX], i, j;
	struct manifest *m;
	int r;

	for (i = 0; i < o->contests; i++)
		nopt[i] = o->options;
	if ((m = g->m = manifest_new(o->contests, nopt)) == NULL)
		return ERR_NOMEM;
	snprintf(m->id, sizeof(m->id), "%s",
	    o->election_id ? o->election_id : "gen-2027");
	snprintf(m->name_ja, sizeof(m->name_ja), "生成記録の試験選挙");
	snprintf(m->name_en, sizeof(m->name_en), "Generated test election");
	snprintf(m->municipality, sizeof(m->municipality), "282227");
	m->election_day = clock_days_from_civil(2027, 6, 20);
	m->reference_date = clock_days_from_civil(2027, 6, 1);
	m->opens_us = (int64_t)clock_days_from_civil(2027, 6, 10) * DAY;
	m->closes_us = (int64_t)m->election_day * DAY + 11 * 3600 * US;
	for (i = 0; i < o->contests; i++) {
		struct manifest_contest *c = &m->contests[i];

		snprintf(c->id, sizeof(c->id), "c%02u", i + 1);
		snprintf(c->title_ja, sizeof(c->title_ja), "選挙 %u", i + 1);
		snprintf(c->title_en, sizeof(c->title_en), "Contest %u", i + 1);
		c->min = o->min;
		c->max = o->max;
		for (j = 0; j < c->noptions; j++) {
			struct manifest_option *op = &c->options[j];

			snprintf(op->id, sizeof(op->id), "o%03u", j + 1);
			snprintf(op->label_ja, sizeof(op->label_ja),
			    "候補者 %u-%u", i + 1, j + 1);
			snprintf(op->label_en, sizeof(op->label_en),
			    "Candidate %u-%u", i + 1, j + 1);
		}
	}
	if ((r = manifest_check(m)) != 0)
		return r == ERR_FORMAT ? ERR_INVALID_ARG : r;
	if ((g->mbytes = vbuf_new(LIMIT_MANIFEST_MAX)) == NULL)
		return ERR_NOMEM;
	if ((r = manifest_encode(m, g->mbytes)) != 0)
		return r;
	g->id = m->id;
	g->opens_us = m->opens_us;
	g->closes_us = m->closes_us;
	g->created_us = m->closes_us + 3 * 3600 * US;
	return 0;
}

/* ---- keys ---- */

static int
make_sign_key(struct sign_key **k, uint8_t pk[SIGN_PUBLIC_LEN])
{
	uint8_t seed[SIGN_SEED_LEN];
	int r;

	if ((r = rand_bytes(seed, sizeof(seed))) != 0)
		return r;
	r = sign_key_from_seed(seed, k);
	explicit_bzero(seed, sizeof(seed));
	if (r == 0)
		sign_key_public(*k, pk);
	return r;
}

/* The k-of-n ceremony (PROTOCOL-record.md §5), or the single test key. */
static int
make_election_key(struct gen *g)
{
	const struct recgen_opts *o = g->o;
	struct hash_transcript *t = NULL;
	struct point *K = NULL;
	uint32_t i, j;
	int r;

	if ((K = group_point_new()) == NULL)
		return ERR_NOMEM;
	if (o->test_key) {
		if ((r = group_scalar_random(&g->test_secret)) != 0 ||
		    (r = group_mul_g(K, &g->test_secret)) != 0)
			goto out;
		g->qual[0] = g->part[0] = 1;
		g->nq = g->np = 1;
		goto encode;
	}
	g->prm.n = o->trustees;
	g->prm.k = o->threshold;
	if ((r = hash_transcript_new(&t, CEREMONY_TAG)) != 0 ||
	    (r = hash_put(t, vbuf_ptr(g->mbytes), vbuf_len(g->mbytes))) != 0 ||
	    (r = hash_put_u32(t, g->prm.n)) != 0 ||
	    (r = hash_put_u32(t, g->prm.k)) != 0)
		goto out;
	hash_digest(t, g->prm.context);
	g->pub_len = dkg_public_len(&g->prm);
	for (i = 1; i <= g->prm.n; i++) {
		if ((r = dkg_trustee_new(&g->tr[i], &g->prm, i)) != 0)
			goto out;
		if ((g->pubs[i - 1] = malloc(g->pub_len)) == NULL) {
			r = ERR_NOMEM;
			goto out;
		}
		if ((r = dkg_trustee_public(g->tr[i], g->pubs[i - 1],
		    g->pub_len)) != 0 ||
		    (r = dkg_public_verify(&g->prm, i, g->pubs[i - 1],
		    g->pub_len)) != 0)
			goto out;
	}
	/* Every share, in order; the cheater's first share is bad. */
	for (i = 1; i <= g->prm.n; i++) {
		for (j = 1; j <= g->prm.n; j++) {
			uint8_t share[DKG_SHARE_LEN];

			if (i == j)
				continue;
			if (i == o->cheater && g->complaint_by == 0) {
				struct scalar bad;

				if ((r = group_scalar_random(&bad)) != 0 ||
				    (r = dkg_share_encrypt(&g->prm, i, j, &bad,
				    g->pubs[j - 1], g->pub_len, share)) != 0 ||
				    (r = dkg_trustee_sign_share(g->tr[i], j,
				    share)) != 0)
					goto out;
				group_scalar_wipe(&bad);
				if (dkg_trustee_receive(g->tr[j], i,
				    g->pubs[i - 1], g->pub_len, share,
				    sizeof(share)) != ERR_VERIFY) {
					r = ERR_INTERNAL;
					goto out;
				}
				if ((r = dkg_trustee_complain(g->tr[j], i, share,
				    sizeof(share), g->complaint)) != 0)
					goto out;
				if (dkg_complaint_check(&g->prm, i, j,
				    g->pubs[i - 1], g->pubs[j - 1], share,
				    sizeof(share), g->complaint,
				    sizeof(g->complaint)) != 0) {
					r = ERR_INTERNAL;	/* must stand */
					goto out;
				}
				memcpy(g->complaint_share, share, sizeof(share));
				g->complaint_by = j;
				continue;
			}
			if ((r = dkg_trustee_share(g->tr[i], j, g->pubs[j - 1],
			    g->pub_len, share)) != 0 ||
			    (r = dkg_trustee_receive(g->tr[j], i, g->pubs[i - 1],
			    g->pub_len, share, sizeof(share))) != 0)
				goto out;
		}
	}
	for (i = 1; i <= g->prm.n; i++)
		if (i != o->cheater)
			g->qual[g->nq++] = i;
	for (i = 0; i < g->nq; i++) {
		uint32_t q = g->qual[i];

		if ((r = dkg_trustee_finish(g->tr[q], g->qual, g->nq)) != 0)
			goto out;
		if (!(o->absent & ((uint64_t)1 << q)))
			g->part[g->np++] = q;
	}
	if ((r = dkg_joint_key(&g->prm, (const uint8_t *const *)g->pubs,
	    g->qual, g->nq, K)) != 0)
		goto out;
 encode:
	if ((r = group_point_encode(K, g->K, 0)) != 0 ||
	    (r = elgamal_key_new(&g->key, K)) != 0 ||
	    (r = election_context_hash(vbuf_ptr(g->mbytes),
	    vbuf_len(g->mbytes), g->K, o->test_key, g->ctx)) != 0)
		goto out;
	r = 0;
 out:
	hash_transcript_free(t);
	group_point_free(K);
	return r;
}

/* ---- voters and the box order ---- */

static int
make_alias(char out[ALIAS_LEN + 1])
{
	uint8_t b[ALIAS_LEN / 2];
	int r;

	if ((r = rand_bytes(b, sizeof(b))) != 0)
		return r;
	return ct_hex_encode(b, sizeof(b), out, ALIAS_LEN + 1);
}

static int
make_voters(struct gen *g)
{
	const struct recgen_opts *o = g->o;
	uint64_t n = o->ballots, revotes, p, v, x;
	uint32_t *perm = NULL, i, *last = NULL;
	int r = ERR_NOMEM;

	revotes = n * o->revote_pct / 100;
	g->n = n;
	g->voters = (uint32_t)(n - revotes);
	g->admitted_online = (uint32_t)((uint64_t)g->voters *
	    o->admitted_pct / 100);
	g->nadmitted = g->admitted_online + o->admitted_extra;
	if ((g->alias = calloc((size_t)g->voters + o->admitted_extra + 1,
	    sizeof(*g->alias))) == NULL ||
	    (g->is_admitted = calloc((size_t)g->voters + o->admitted_extra + 1,
	    1)) == NULL ||
	    (g->voter = calloc(n + 1, sizeof(*g->voter))) == NULL ||
	    (g->next = calloc(n + 1, sizeof(*g->next))) == NULL ||
	    (g->counted = calloc(n + 1, 1)) == NULL ||
	    (perm = calloc((size_t)g->voters + 1, sizeof(*perm))) == NULL ||
	    (last = calloc((size_t)g->voters + 1, sizeof(*last))) == NULL)
		goto out;
	for (i = 0; i < g->voters + o->admitted_extra; i++)
		if ((r = make_alias(g->alias[i])) != 0)
			goto out;
	/* Each voter once, then the re-votes by random voters, shuffled. */
	for (p = 1; p <= g->voters; p++)
		g->voter[p] = (uint32_t)(p - 1);
	for (; p <= n; p++) {
		if ((r = rnd(g->voters, &v)) != 0)
			goto out;
		g->voter[p] = (uint32_t)v;
	}
	for (p = n; p > 1; p--) {
		uint32_t tmp;

		if ((r = rnd(p, &x)) != 0)
			goto out;
		tmp = g->voter[p];
		g->voter[p] = g->voter[x + 1];
		g->voter[x + 1] = tmp;
	}
	/* Admitted voters: the first of a random permutation, and extras. */
	for (i = 0; i < g->voters; i++)
		perm[i] = i;
	for (i = g->voters; i > 1; i--) {
		uint32_t tmp;

		if ((r = rnd(i, &x)) != 0)
			goto out;
		tmp = perm[i - 1];
		perm[i - 1] = perm[x];
		perm[x] = tmp;
	}
	for (i = 0; i < g->admitted_online; i++)
		g->is_admitted[perm[i]] = 1;
	for (i = 0; i < o->admitted_extra; i++)
		g->is_admitted[g->voters + i] = 1;
	/* Links: next ballot of the same voter; the last one counts. */
	for (p = 1; p <= n; p++) {
		uint32_t vv = g->voter[p];

		if (last[vv] != 0)
			g->next[last[vv]] = p;
		last[vv] = (uint32_t)p;
	}
	for (p = 1; p <= n; p++)
		if (g->next[p] == 0 && !g->is_admitted[g->voter[p]]) {
			g->counted[p] = 1;
			g->ncounted++;
		}
	g->step_us = (uint64_t)(g->closes_us - g->opens_us) / (n + 2);
	r = 0;
 out:
	free(perm);
	free(last);
	return r;
}

/* ---- ballots, in parallel ---- */

/*
 * The encryption pipeline: workers claim the next position (so a worker
 * that the scheduler holds back just does fewer), encrypt it into slot
 * p % nslots of a ring and mark it ready; the writer takes positions in
 * order, chains and writes them, and frees the slot.
 */
struct pipe {
	pthread_mutex_t mu;
	pthread_cond_t ready_cv;	/* a slot was filled */
	pthread_cond_t free_cv;		/* the writer consumed a slot */
	uint64_t next;			/* next position to claim */
	uint64_t consumed;		/* positions written so far */
	uint64_t *ready;		/* per slot: the position it holds */
	size_t nslots;
	uint8_t *slots;			/* nslots × ballot_len */
	uint8_t *hashes;		/* nslots × 32 */
	int err;			/* first worker error; stops all */
};

struct worker {
	struct gen *g;
	struct pipe *pp;
	struct contest_tally *tal[LIMIT_CONTESTS_MAX];	/* counted sums */
	uint64_t votes[LIMIT_CONTESTS_MAX][LIMIT_OPTIONS_MAX];
	int err;
};

/* Encrypts ballot p into out (g->ballot_len bytes). */
static int
encrypt_ballot(struct worker *w, uint64_t p, uint8_t *out)
{
	struct gen *g = w->g;
	const struct recgen_opts *o = g->o;
	const char *alias = g->alias[g->voter[p]];
	uint8_t seed[32], sel[LIMIT_CONTESTS_MAX][LIMIT_OPTIONS_MAX];
	uint8_t *q = out;
	uint32_t idx[LIMIT_OPTIONS_MAX], c, i;
	size_t il = strlen(g->id);
	struct digest *d;
	int r = 0;

	if ((d = digest_new()) == NULL)
		return ERR_NOMEM;
	digest_put(d, BALLOT_SEED_TAG, sizeof(BALLOT_SEED_TAG) - 1);
	digest_put_string(d, o->seed, strlen(o->seed));
	digest_put_u64(d, p);
	digest_final(d, seed);
	rand_test_seed_thread(seed, sizeof(seed));
	memset(sel, 0, sizeof(sel));
	for (c = 0; c < o->contests && r == 0; c++) {
		uint64_t s, x;

		if ((r = rnd((uint64_t)o->max - o->min + 1, &s)) != 0)
			break;
		s += o->min;
		for (i = 0; i < o->options; i++)
			idx[i] = i;
		for (i = 0; i < s && r == 0; i++) {
			uint32_t tmp;

			if ((r = rnd(o->options - i, &x)) != 0)
				break;
			tmp = idx[i];
			idx[i] = idx[i + x];
			idx[i + x] = tmp;
			sel[c][idx[i]] = 1;
		}
	}
	/* "IPPYOBAL" | 1 | str(id) | ctx | str(alias) | u32 C | contests */
	memcpy(q, "IPPYOBAL", 8);
	q[8] = 1;
	q += 9;
	put_be32(q, (uint32_t)il);
	memcpy(q + 4, g->id, il);
	q += 4 + il;
	memcpy(q, g->ctx, HASH_LEN);
	q += HASH_LEN;
	put_be32(q, ALIAS_LEN);
	memcpy(q + 4, alias, ALIAS_LEN);
	q += 4 + ALIAS_LEN;
	put_be32(q, o->contests);
	q += 4;
	for (c = 0; c < o->contests && r == 0; c++) {
		struct contest_spec spec;

		manifest_spec(g->m, c, &spec);
		put_be32(q, c);
		put_be32(q + 4, (uint32_t)g->clen[c]);
		q += 8;
		r = contest_encrypt(g->key, g->ctx, (const uint8_t *)alias,
		    ALIAS_LEN, &spec, sel[c], q, g->clen[c]);
		if (r == 0 && g->counted[p]) {
			r = contest_tally_add(w->tal[c], &spec, q, g->clen[c]);
			for (i = 0; i < o->options; i++)
				w->votes[c][i] += sel[c][i];
		}
		q += g->clen[c];
	}
	rand_test_clear_thread();
	explicit_bzero(sel, sizeof(sel));
	if (r == 0 && (size_t)(q - out) != g->ballot_len)
		r = ERR_INTERNAL;
	return r;
}

static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	struct pipe *pp = w->pp;
	uint64_t p;
	size_t k;

	for (;;) {
		pthread_mutex_lock(&pp->mu);
		p = ++pp->next;
		/* Wait until the slot's previous position was written. */
		while (pp->err == 0 && p <= w->g->n &&
		    p > pp->consumed + pp->nslots)
			pthread_cond_wait(&pp->free_cv, &pp->mu);
		if (pp->err != 0 || p > w->g->n) {
			pthread_mutex_unlock(&pp->mu);
			return NULL;
		}
		pthread_mutex_unlock(&pp->mu);
		k = (size_t)(p % pp->nslots);
		w->err = encrypt_ballot(w, p, pp->slots + k * w->g->ballot_len);
		if (w->err == 0)
			ballot_hash(pp->slots + k * w->g->ballot_len,
			    w->g->ballot_len, pp->hashes + 32 * k);
		pthread_mutex_lock(&pp->mu);
		if (w->err != 0 && pp->err == 0)
			pp->err = w->err;
		pp->ready[k] = p;
		pthread_cond_broadcast(&pp->ready_cv);
		if (pp->err != 0) {
			pthread_cond_broadcast(&pp->free_cv);
			pthread_mutex_unlock(&pp->mu);
			return NULL;
		}
		pthread_mutex_unlock(&pp->mu);
	}
}

/*
 * Box checkpoints: periodic ones (box key) at 0 and every `every`
 * positions below n, then the final one (committee key) at n.
 */
struct cp {
	uint64_t pos;
	uint8_t code[32];
	int64_t at_us;
	int final;
};

static int
write_checkpoints(struct gen *g, const struct cp *cps, size_t ncp)
{
	struct rg_file f;
	size_t i;
	int r;

	if ((r = rg_open(g, "checkpoints.json", &f)) != 0)
		return r;
	rg_printf(&f, "[");
	for (i = 0; i < ncp; i++) {
		uint8_t msg[256], sig[SIGN_SIG_LEN];
		char at[CLOCK_TEXT_LEN];
		size_t il = strlen(g->id), n = 0;

		fmt_time(cps[i].at_us, at);
		put_be32(msg, (uint32_t)il);
		memcpy(msg + 4, g->id, il);
		n = 4 + il;
		put_be64(msg + n, cps[i].pos);
		n += 8;
		memcpy(msg + n, cps[i].code, 32);
		n += 32;
		put_be32(msg + n, (uint32_t)strlen(at));
		memcpy(msg + n + 4, at, strlen(at));
		n += 4 + strlen(at);
		if ((r = sign_sign(cps[i].final ? g->committee : g->box,
		    cps[i].final ? "box-final" : "box-checkpoint", msg, n,
		    sig)) != 0) {
			rg_abort(&f);
			return r;
		}
		rg_printf(&f, "%s\n {\"position\": %llu, \"tracking_code\": ",
		    i ? "," : "", (unsigned long long)cps[i].pos);
		rg_qhex(&f, cps[i].code, 32);
		rg_printf(&f, ", \"at\": \"%s\", \"final\": %s, "
		    "\"public_key\": ", at, cps[i].final ? "true" : "false");
		rg_qhex(&f, cps[i].final ? g->committee_pk : g->box_pk,
		    SIGN_PUBLIC_LEN);
		rg_printf(&f, ", \"signature\": ");
		rg_qhex(&f, sig, SIGN_SIG_LEN);
		rg_printf(&f, "}");
	}
	rg_printf(&f, "\n]\n");
	return rg_close(g, &f);
}

static int
make_box(struct gen *g)
{
	const struct recgen_opts *o = g->o;
	struct worker *w = NULL;
	struct pipe pp;
	pthread_t th[64];
	uint8_t code[32];
	struct cp *cps = NULL;
	size_t ncp = 0, cpcap;
	uint64_t every, p;
	struct rg_file f;
	unsigned t, started = 0;
	uint32_t c, i;
	int r = ERR_NOMEM;

	memset(&f, 0, sizeof(f));
	memset(&pp, 0, sizeof(pp));
	pthread_mutex_init(&pp.mu, NULL);
	pthread_cond_init(&pp.ready_cv, NULL);
	pthread_cond_init(&pp.free_cv, NULL);
	g->ballot_len = 9 + 4 + strlen(g->id) + HASH_LEN + 4 + ALIAS_LEN + 4;
	for (c = 0; c < o->contests; c++) {
		struct contest_spec spec;

		manifest_spec(g->m, c, &spec);
		g->clen[c] = contest_len(&spec);
		g->ballot_len += 8 + g->clen[c];
	}
	every = o->checkpoint_every ? o->checkpoint_every :
	    (g->n / 4 > 0 ? g->n / 4 : 1);
	cpcap = (size_t)(g->n / every) + 3;
	pp.nslots = 16 * (size_t)o->threads;
	if ((w = calloc(o->threads, sizeof(*w))) == NULL ||
	    (pp.ready = calloc(pp.nslots, sizeof(*pp.ready))) == NULL ||
	    (pp.slots = malloc(pp.nslots * g->ballot_len)) == NULL ||
	    (pp.hashes = malloc(pp.nslots * 32)) == NULL ||
	    (cps = calloc(cpcap, sizeof(*cps))) == NULL)
		goto out;
	for (t = 0; t < o->threads; t++) {
		w[t].g = g;
		w[t].pp = &pp;
		for (c = 0; c < o->contests; c++)
			if ((r = contest_tally_new(&w[t].tal[c],
			    o->options)) != 0)
				goto out;
	}
	if ((r = rg_open(g, "ballots.bin", &f)) != 0)
		goto out;
	rg_write(&f, "IPPYOBOX", 8);
	rg_write(&f, "\001", 1);
	rg_u64(&f, g->n);
	box_seed(g->ctx, code);
	cps[ncp].pos = 0;
	memcpy(cps[ncp].code, code, 32);
	cps[ncp++].at_us = g->opens_us;
	/* Fewer threads than asked is slower, not wrong. */
	for (t = 0; t < o->threads; t++, started++)
		if (pthread_create(&th[t], NULL, worker_run, &w[t]) != 0)
			break;
	if (started == 0) {
		r = ERR_INTERNAL;
		goto out;
	}
	/* The writer: positions in order as they become ready. */
	for (p = 1; p <= g->n; p++) {
		size_t k = (size_t)(p % pp.nslots);
		char at[CLOCK_TEXT_LEN];
		uint8_t prev[32];

		pthread_mutex_lock(&pp.mu);
		while (pp.err == 0 && pp.ready[k] != p)
			pthread_cond_wait(&pp.ready_cv, &pp.mu);
		pthread_mutex_unlock(&pp.mu);
		if (pp.err != 0)
			break;
		fmt_time(received_us(g, p), at);
		memcpy(prev, code, 32);
		box_tracking_code(g->ctx, prev, (int64_t)p, pp.hashes + 32 * k,
		    at, code);
		rg_u64(&f, p);
		rg_str(&f, g->alias[g->voter[p]], ALIAS_LEN);
		rg_write(&f, pp.hashes + 32 * k, 32);
		rg_write(&f, code, 32);
		rg_str(&f, at, strlen(at));
		rg_str(&f, pp.slots + k * g->ballot_len, g->ballot_len);
		if (p % every == 0 && p < g->n && ncp < cpcap - 1) {
			cps[ncp].pos = p;
			memcpy(cps[ncp].code, code, 32);
			cps[ncp++].at_us = received_us(g, p) +
			    (int64_t)g->step_us / 2;
		}
		pthread_mutex_lock(&pp.mu);
		pp.consumed = p;
		if (f.err != 0 && pp.err == 0)
			pp.err = f.err;
		pthread_cond_broadcast(&pp.free_cv);
		pthread_mutex_unlock(&pp.mu);
	}
	for (t = 0; t < started; t++)
		pthread_join(th[t], NULL);
	if ((r = pp.err) != 0)
		goto out;
	if ((r = rg_close(g, &f)) != 0)
		goto out;
	cps[ncp].pos = g->n;
	memcpy(cps[ncp].code, code, 32);
	cps[ncp].at_us = g->closes_us + 60 * US;
	cps[ncp++].final = 1;
	if ((r = write_checkpoints(g, cps, ncp)) != 0)
		goto out;
	/* Merge the workers' sums and counts. */
	for (c = 0; c < o->contests; c++)
		for (i = 0; i < o->options; i++) {
			if ((g->sum[c][i] = elgamal_ciphertext_new()) == NULL) {
				r = ERR_NOMEM;
				goto out;
			}
			for (t = 0; t < o->threads; t++) {
				const struct elgamal_ciphertext *s =
				    contest_tally_sum(w[t].tal[c], i);

				if (s == NULL) {
					r = ERR_INTERNAL;
					goto out;
				}
				if ((r = elgamal_add(g->sum[c][i], g->sum[c][i],
				    s)) != 0)
					goto out;
				g->votes[c][i] += w[t].votes[c][i];
			}
		}
	r = 0;
 out:
	rg_abort(&f);
	if (w != NULL)
		for (t = 0; t < o->threads; t++)
			for (c = 0; c < o->contests; c++)
				contest_tally_free(w[t].tal[c]);
	free(w);
	free(pp.ready);
	free(pp.slots);
	free(pp.hashes);
	free(cps);
	pthread_mutex_destroy(&pp.mu);
	pthread_cond_destroy(&pp.ready_cv);
	pthread_cond_destroy(&pp.free_cv);
	return r;
}

/* ---- the small JSON files ---- */

static int
write_bytes_file(struct gen *g, const char *rel, const uint8_t *p, size_t n)
{
	struct rg_file f;
	int r;

	if ((r = rg_open(g, rel, &f)) != 0)
		return r;
	rg_write(&f, p, n);
	return rg_close(g, &f);
}

static int
cmp_alias(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
write_what_counts(struct gen *g)
{
	const char **adm = NULL;
	struct rg_file f;
	uint64_t p, k = 0;
	uint32_t i, na = 0;
	int r;

	/* superseded.json */
	if ((r = rg_open(g, "superseded.json", &f)) != 0)
		return r;
	rg_printf(&f, "[");
	for (p = 1; p <= g->n; p++) {
		if (g->counted[p])
			continue;
		if (g->next[p] != 0)
			rg_printf(&f, "%s\n {\"position\": %llu, \"by\": %llu, "
			    "\"reason\": \"revote\"}", k++ ? "," : "",
			    (unsigned long long)p,
			    (unsigned long long)g->next[p]);
		else
			rg_printf(&f, "%s\n {\"position\": %llu, \"by\": null, "
			    "\"reason\": \"admitted_in_person\"}",
			    k++ ? "," : "", (unsigned long long)p);
	}
	rg_printf(&f, "%s]\n", k ? "\n" : "");
	if ((r = rg_close(g, &f)) != 0)
		return r;

	/* admitted.json, sorted */
	if ((adm = calloc((size_t)g->nadmitted + 1, sizeof(*adm))) == NULL)
		return ERR_NOMEM;
	for (i = 0; i < g->voters + g->o->admitted_extra; i++)
		if (g->is_admitted[i])
			adm[na++] = g->alias[i];
	qsort(adm, na, sizeof(*adm), cmp_alias);
	if ((r = rg_open(g, "admitted.json", &f)) != 0) {
		free(adm);
		return r;
	}
	rg_printf(&f, "[");
	for (i = 0; i < na; i++)
		rg_printf(&f, "%s\n \"%s\"", i ? "," : "", adm[i]);
	rg_printf(&f, "%s]\n", na ? "\n" : "");
	free(adm);
	if ((r = rg_close(g, &f)) != 0)
		return r;

	/* counted.json */
	if ((r = rg_open(g, "counted.json", &f)) != 0)
		return r;
	rg_printf(&f, "{\"positions\": [");
	for (p = 1, k = 0; p <= g->n; p++) {
		if (!g->counted[p])
			continue;
		rg_printf(&f, "%s%s%llu", k ? "," : "",
		    k % 16 == 0 ? "\n " : " ", (unsigned long long)p);
		k++;
	}
	rg_printf(&f, "%s]}\n", k ? "\n" : "");
	return rg_close(g, &f);
}

static int
write_election(struct gen *g)
{
	struct rg_file f;
	uint32_t i;
	int r;

	if ((r = rg_open(g, "election.json", &f)) != 0)
		return r;
	rg_printf(&f, "{\n \"format\": \"ippyo-record\",\n \"version\": 1,\n"
	    " \"election_id\": ");
	rg_qstr(&f, g->id);
	rg_printf(&f, ",\n \"created_us\": %lld,\n \"public_key\": ",
	    (long long)g->created_us);
	rg_qhex(&f, g->K, sizeof(g->K));
	rg_printf(&f, ",\n \"context_hash\": ");
	rg_qhex(&f, g->ctx, sizeof(g->ctx));
	rg_printf(&f, ",\n \"test_single_key\": %s,\n \"ceremony\": ",
	    g->o->test_key ? "true" : "false");
	if (g->o->test_key) {
		rg_printf(&f, "null");
	} else {
		rg_printf(&f, "{\"n\": %u, \"k\": %u, \"context\": ", g->prm.n,
		    g->prm.k);
		rg_qhex(&f, g->prm.context, HASH_LEN);
		rg_printf(&f, ", \"qualified\": [");
		for (i = 0; i < g->nq; i++)
			rg_printf(&f, "%s%u", i ? ", " : "", g->qual[i]);
		rg_printf(&f, "]}");
	}
	rg_printf(&f, ",\n \"box_key\": ");
	rg_qhex(&f, g->box_pk, SIGN_PUBLIC_LEN);
	rg_printf(&f, ",\n \"committee_key\": ");
	rg_qhex(&f, g->committee_pk, SIGN_PUBLIC_LEN);
	rg_printf(&f, ",\n \"ballots_cast\": %llu,\n \"ballots_counted\": %llu\n"
	    "}\n", (unsigned long long)g->n, (unsigned long long)g->ncounted);
	return rg_close(g, &f);
}

static int
write_ceremony(struct gen *g)
{
	struct rg_file f;
	char rel[REL_MAX];
	uint32_t i;
	int r;

	if (g->o->test_key)
		return 0;
	for (i = 1; i <= g->prm.n; i++) {
		snprintf(rel, sizeof(rel), "ceremony/public-%02u.bin", i);
		if ((r = write_bytes_file(g, rel, g->pubs[i - 1],
		    g->pub_len)) != 0)
			return r;
	}
	if ((r = rg_open(g, "ceremony/complaints.json", &f)) != 0)
		return r;
	if (g->complaint_by == 0) {
		rg_printf(&f, "[]\n");
	} else {
		rg_printf(&f, "[\n {\"accused\": %u, \"by\": %u, \"share\": ",
		    g->o->cheater, g->complaint_by);
		rg_qhex(&f, g->complaint_share, DKG_SHARE_LEN);
		rg_printf(&f, ", \"complaint\": ");
		rg_qhex(&f, g->complaint, DKG_COMPLAINT_LEN);
		rg_printf(&f, "}\n]\n");
	}
	return rg_close(g, &f);
}

/* tally.json, the decryption shares, and the check of the result. */
static int
write_tally(struct gen *g)
{
	const struct recgen_opts *o = g->o;
	uint8_t *shares = NULL;		/* [part][contest][option] */
	struct point *pt = NULL, *want = NULL, *M = NULL, *Pj = NULL;
	struct elgamal_ciphertext *ct;
	struct rg_file f;
	size_t per = (size_t)o->contests * o->options;
	uint32_t c, i, j;
	int r;

	memset(&f, 0, sizeof(f));
	if ((r = rg_open(g, "tally.json", &f)) != 0)
		return r;
	rg_printf(&f, "{\"contests\": [");
	for (c = 0; c < o->contests; c++) {
		rg_printf(&f, "%s\n {\"index\": %u, \"options\": [", c ? "," : "",
		    c);
		for (i = 0; i < o->options; i++) {
			uint8_t enc[ELGAMAL_CT_LEN];

			if ((r = elgamal_encode(g->sum[c][i], enc,
			    GROUP_ALLOW_INFINITY)) != 0) {
				rg_abort(&f);
				return r;
			}
			rg_printf(&f, "%s\n  ", i ? "," : "");
			rg_qhex(&f, enc, sizeof(enc));
		}
		rg_printf(&f, "]}");
	}
	rg_printf(&f, "\n]}\n");
	if ((r = rg_close(g, &f)) != 0)
		return r;
	if (g->ncounted == 0)
		return 0;	/* identity sums: no decryption files */
	{
		char path[4200];

		snprintf(path, sizeof(path), "%s/decryption", g->dir);
		if (mkdir(path, 0755) != 0)
			return ERR_IO;
	}

	if ((shares = malloc((size_t)g->np * per * DKG_DSHARE_LEN)) == NULL ||
	    (pt = group_point_new()) == NULL ||
	    (want = group_point_new()) == NULL ||
	    (M = group_point_new()) == NULL ||
	    (Pj = group_point_new()) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	for (j = 0; j < g->np; j++) {
		uint32_t tj = g->part[j];
		char rel[REL_MAX];

		if (!o->test_key &&
		    (r = dkg_verification_key(&g->prm,
		    (const uint8_t *const *)g->pubs, g->qual, g->nq, tj,
		    Pj)) != 0)
			goto out;
		for (c = 0; c < o->contests; c++)
			for (i = 0; i < o->options; i++) {
				uint8_t *s = shares + ((size_t)j * per +
				    (size_t)c * o->options + i) * DKG_DSHARE_LEN;

				ct = g->sum[c][i];
				if (o->test_key) {
					uint8_t A[GROUP_POINT_LEN], label[4];

					put_be32(label, 1);
					if ((r = group_mul(M, &g->test_secret,
					    ct->alpha)) != 0 ||
					    (r = group_point_encode(M, s, 0)) != 0 ||
					    (r = group_point_encode(ct->alpha, A,
					    0)) != 0 ||
					    (r = proof_dleq_prove(HASH_TAG_DECRYPT,
					    g->ctx, label, 4, &g->test_secret,
					    g->K, A, s, s + GROUP_POINT_LEN)) != 0 ||
					    (r = proof_dleq_verify(HASH_TAG_DECRYPT,
					    g->ctx, label, 4, g->K, A, s,
					    s + GROUP_POINT_LEN,
					    PROOF_DLEQ_LEN)) != 0)
						goto out;
				} else if ((r = dkg_decrypt_share(g->tr[tj], g->ctx,
				    ct, s)) != 0 ||
				    (r = dkg_decrypt_share_verify(g->ctx, tj, Pj,
				    ct, s, DKG_DSHARE_LEN)) != 0) {
					goto out;
				}
			}
		snprintf(rel, sizeof(rel), "decryption/trustee-%02u.json", tj);
		if ((r = rg_open(g, rel, &f)) != 0)
			goto out;
		rg_printf(&f, "{\"trustee\": %u, \"shares\": [", tj);
		for (c = 0; c < o->contests; c++) {
			rg_printf(&f, "%s\n [", c ? "," : "");
			for (i = 0; i < o->options; i++) {
				rg_printf(&f, "%s\n  ", i ? "," : "");
				rg_qhex(&f, shares + ((size_t)j * per +
				    (size_t)c * o->options + i) * DKG_DSHARE_LEN,
				    DKG_DSHARE_LEN);
			}
			rg_printf(&f, "]");
		}
		rg_printf(&f, "\n]}\n");
		if ((r = rg_close(g, &f)) != 0)
			goto out;
	}
	/* The result from the lowest k participants must be the votes. */
	for (c = 0; c < o->contests; c++)
		for (i = 0; i < o->options; i++) {
			struct scalar v;

			ct = g->sum[c][i];
			if (o->test_key) {
				if ((r = elgamal_decrypt(&g->test_secret, ct,
				    pt)) != 0)
					goto out;
			} else {
				const uint8_t *sp[LIMIT_TRUSTEES_MAX];

				for (j = 0; j < g->prm.k; j++)
					sp[j] = shares + ((size_t)j * per +
					    (size_t)c * o->options + i) *
					    DKG_DSHARE_LEN;
				if ((r = dkg_combine(&g->prm, ct, g->part, sp,
				    g->prm.k, pt)) != 0)
					goto out;
			}
			group_scalar_set_u64(&v, g->votes[c][i]);
			if (g->votes[c][i] == 0) {
				if ((r = group_point_set_infinity(want)) != 0)
					goto out;
			} else if ((r = group_mul_g(want, &v)) != 0) {
				goto out;
			}
			if (!group_point_eq(pt, want)) {
				r = ERR_INTERNAL;
				goto out;
			}
		}
	r = 0;
 out:
	rg_abort(&f);
	free(shares);
	group_point_free(pt);
	group_point_free(want);
	group_point_free(M);
	group_point_free(Pj);
	return r;
}

static int
write_results(struct gen *g)
{
	const struct manifest *m = g->m;
	struct rg_file f;
	uint32_t c, i;
	int r;

	if ((r = rg_open(g, "results.json", &f)) != 0)
		return r;
	rg_printf(&f, "{\n \"election_id\": ");
	rg_qstr(&f, m->id);
	rg_printf(&f, ", \"name_ja\": ");
	rg_qstr(&f, m->name_ja);
	rg_printf(&f, ", \"name_en\": ");
	rg_qstr(&f, m->name_en);
	rg_printf(&f, ",\n \"ballots_cast\": %llu, \"ballots_counted\": %llu,\n"
	    " \"contests\": [", (unsigned long long)g->n,
	    (unsigned long long)g->ncounted);
	for (c = 0; c < m->ncontests; c++) {
		const struct manifest_contest *mc = &m->contests[c];

		rg_printf(&f, "%s\n  {\"id\": ", c ? "," : "");
		rg_qstr(&f, mc->id);
		rg_printf(&f, ", \"title_ja\": ");
		rg_qstr(&f, mc->title_ja);
		rg_printf(&f, ", \"title_en\": ");
		rg_qstr(&f, mc->title_en);
		rg_printf(&f, ", \"options\": [");
		for (i = 0; i < mc->noptions; i++) {
			rg_printf(&f, "%s\n   {\"id\": ", i ? "," : "");
			rg_qstr(&f, mc->options[i].id);
			rg_printf(&f, ", \"label_ja\": ");
			rg_qstr(&f, mc->options[i].label_ja);
			rg_printf(&f, ", \"label_en\": ");
			rg_qstr(&f, mc->options[i].label_en);
			rg_printf(&f, ", \"votes\": %llu}",
			    (unsigned long long)g->votes[c][i]);
		}
		rg_printf(&f, "]}");
	}
	rg_printf(&f, "\n ]\n}\n");
	if ((r = rg_close(g, &f)) != 0)
		return r;

	if ((r = rg_open(g, "results.txt", &f)) != 0)
		return r;
	rg_printf(&f, "%s (%s)\n投票数 %llu / 集計対象 %llu\n", m->name_ja, m->id,
	    (unsigned long long)g->n, (unsigned long long)g->ncounted);
	for (c = 0; c < m->ncontests; c++) {
		rg_printf(&f, "\n%s\n", m->contests[c].title_ja);
		for (i = 0; i < m->contests[c].noptions; i++)
			rg_printf(&f, "  %-24s %12llu 票\n",
			    m->contests[c].options[i].label_ja,
			    (unsigned long long)g->votes[c][i]);
	}
	rg_printf(&f, "\n%s (%s)\nBallots cast %llu / counted %llu\n",
	    m->name_en, m->id, (unsigned long long)g->n,
	    (unsigned long long)g->ncounted);
	for (c = 0; c < m->ncontests; c++) {
		rg_printf(&f, "\n%s\n", m->contests[c].title_en);
		for (i = 0; i < m->contests[c].noptions; i++)
			rg_printf(&f, "  %-24s %12llu votes\n",
			    m->contests[c].options[i].label_en,
			    (unsigned long long)g->votes[c][i]);
	}
	return rg_close(g, &f);
}

/* ---- audit.json ---- */

struct act {
	int64_t at_us;
	const char *actor, *action, *object;
	char detail[256];
	int redacted;
};

static int
audit_cp_json(struct gen *g, struct rg_file *f, int64_t seq,
    const uint8_t hash[32], int64_t at_us, int first)
{
	char at[CLOCK_TEXT_LEN];
	uint8_t msg[128], sig[SIGN_SIG_LEN];
	size_t al;
	int r;

	fmt_time(at_us, at);
	al = strlen(at);
	put_be64(msg, (uint64_t)seq);
	memcpy(msg + 8, hash, 32);
	put_be32(msg + 40, (uint32_t)al);
	memcpy(msg + 44, at, al);
	if ((r = sign_sign(g->committee, "audit-checkpoint", msg, 44 + al,
	    sig)) != 0)
		return r;
	rg_printf(f, "%s\n  {\"seq\": %lld, \"hash\": ", first ? "" : ",",
	    (long long)seq);
	rg_qhex(f, hash, 32);
	rg_printf(f, ", \"at\": \"%s\", \"public_key\": ", at);
	rg_qhex(f, g->committee_pk, SIGN_PUBLIC_LEN);
	rg_printf(f, ", \"signature\": ");
	rg_qhex(f, sig, SIGN_SIG_LEN);
	rg_printf(f, "}");
	return 0;
}

static int
write_audit(struct gen *g)
{
	const struct recgen_opts *o = g->o;
	struct act acts[12 + LIMIT_TRUSTEES_MAX];
	uint8_t hashes[12 + LIMIT_TRUSTEES_MAX][32], prev[32];
	struct rg_file f;
	size_t na = 0, i, nopt;
	int64_t open_seq = 0;
	int r;

#define ACT(t, who, what, obj, red, ...) do { \
	acts[na].at_us = (t); acts[na].actor = (who); \
	acts[na].action = (what); acts[na].object = (obj); \
	acts[na].redacted = (red); \
	snprintf(acts[na].detail, sizeof(acts[na].detail), __VA_ARGS__); \
	na++; } while (0)

	ACT(g->opens_us - 20 * DAY, "clerk", "election.create", g->id, 0,
	    "contests=%u bytes=%zu", o->contests, vbuf_len(g->mbytes));
	ACT(g->opens_us - 15 * DAY, "desk-1", "binding.create",
	    "resident-000123", 1, "method=desk issuer=test serial=01 "
	    "replaced=0");
	ACT(g->opens_us - 10 * DAY, "clerk", "roll.freeze", g->id, 0,
	    "entries=%u", g->voters + o->admitted_extra);
	ACT(g->opens_us - 10 * DAY + US, "clerk", "election.roll_frozen",
	    g->id, 0, "roll_frozen");
	if (o->test_key)
		ACT(g->opens_us - 5 * DAY, "clerk", "election.keys_test_single",
		    g->id, 0, "TEST-ONLY single key: no trustee ceremony");
	else
		ACT(g->opens_us - 5 * DAY, "committee", "election.keys_ceremony",
		    g->id, 0, "n=%u k=%u qualified=%u", g->prm.n, g->prm.k,
		    g->nq);
	ACT(g->opens_us, "clerk", "election.open", g->id, 0, "open");
	open_seq = (int64_t)na;
	ACT(g->closes_us, "clerk", "election.close", g->id, 0, "closed");
	/* The tally's steps as tally/ writes them (PROTOCOL-record §11). */
	ACT(g->created_us - 30 * 60 * US, "committee", "tally.start", g->id, 0,
	    "box frozen at position %llu; %llu counted; %u cancelled "
	    "(admitted in person)", (unsigned long long)g->n,
	    (unsigned long long)g->ncounted, (unsigned)g->admitted_online);
	for (i = 0, nopt = 0; i < g->m->ncontests; i++)
		nopt += g->m->contests[i].noptions;
	for (i = 0; i < g->np; i++)
		ACT(g->created_us - 20 * 60 * US + (int64_t)i * US, "committee",
		    "tally.share", g->id, 0, "trustee %u: %zu shares checked",
		    (unsigned)g->part[i], nopt);
	ACT(g->created_us - 10 * 60 * US, "committee", "tally.publish", g->id,
	    0, "results published from the shares of %u trustees; %llu "
	    "ballots counted", (unsigned)g->np, (unsigned long long)
	    g->ncounted);
	ACT(g->created_us - 10 * 60 * US + 1, "committee", "election.tallied",
	    g->id, 0, "tallied");
#undef ACT

	memset(prev, 0, sizeof(prev));
	for (i = 0; i < na; i++) {
		struct audit_entry e;

		memset(&e, 0, sizeof(e));
		e.seq = (int64_t)i + 1;
		fmt_time(acts[i].at_us, e.at);
		e.actor = acts[i].actor;
		e.action = acts[i].action;
		e.object = acts[i].object;
		e.detail = acts[i].detail;
		memcpy(e.prev_hash, prev, 32);
		audit_entry_hash(&e, hashes[i]);
		memcpy(prev, hashes[i], 32);
	}
	if ((r = rg_open(g, "audit.json", &f)) != 0)
		return r;
	rg_printf(&f, "{\"entries\": [");
	for (i = 0; i < na; i++) {
		char at[CLOCK_TEXT_LEN];

		rg_printf(&f, "%s\n  {\"seq\": %zu, ", i ? "," : "", i + 1);
		if (acts[i].redacted) {
			rg_printf(&f, "\"redacted\": true, ");
		} else {
			fmt_time(acts[i].at_us, at);
			rg_printf(&f, "\"at\": \"%s\", \"actor\": ", at);
			rg_qstr(&f, acts[i].actor);
			rg_printf(&f, ", \"action\": ");
			rg_qstr(&f, acts[i].action);
			rg_printf(&f, ", \"object\": ");
			rg_qstr(&f, acts[i].object);
			rg_printf(&f, ", \"detail\": ");
			rg_qstr(&f, acts[i].detail);
			rg_printf(&f, ", ");
		}
		rg_printf(&f, "\"prev_hash\": ");
		if (i == 0) {
			memset(prev, 0, sizeof(prev));
			rg_qhex(&f, prev, 32);
		} else {
			rg_qhex(&f, hashes[i - 1], 32);
		}
		rg_printf(&f, ", \"hash\": ");
		rg_qhex(&f, hashes[i], 32);
		rg_printf(&f, "}");
	}
	rg_printf(&f, "\n ],\n \"checkpoints\": [");
	/* One after the election opened, one after the tally's last step. */
	if ((r = audit_cp_json(g, &f, open_seq, hashes[open_seq - 1],
	    g->opens_us + US, 1)) != 0 ||
	    (r = audit_cp_json(g, &f, (int64_t)na, hashes[na - 1],
	    g->created_us - 5 * 60 * US, 0)) != 0) {
		rg_abort(&f);
		return r;
	}
	rg_printf(&f, "\n ]\n}\n");
	return rg_close(g, &f);
}

/* ---- INDEX, its signature, the archive ---- */

static int
cmp_index(const void *a, const void *b)
{
	return strcmp(((const struct rg_index *)a)->rel,
	    ((const struct rg_index *)b)->rel);
}

/* Writes INDEX (sorted by path) and INDEX.sig. */
static int
write_index(struct gen *g)
{
	struct vbuf *b = NULL;
	uint8_t sig[SIGN_SIG_LEN];
	struct rg_file f;
	char hex[65];
	size_t i;
	int r = ERR_NOMEM;

	qsort(g->files, g->nfiles, sizeof(g->files[0]), cmp_index);
	if ((b = vbuf_new(g->nfiles * (64 + 2 + REL_MAX + 1))) == NULL)
		return ERR_NOMEM;
	for (i = 0; i < g->nfiles; i++) {
		if ((r = ct_hex_encode(g->files[i].hash, 32, hex,
		    sizeof(hex))) != 0 ||
		    (r = vbuf_put(b, hex, 64)) != 0 ||
		    (r = vbuf_put(b, "  ", 2)) != 0 ||
		    (r = vbuf_put(b, g->files[i].rel,
		    strlen(g->files[i].rel))) != 0 ||
		    (r = vbuf_put(b, "\n", 1)) != 0)
			goto out;
	}
	if ((r = sign_sign(g->committee, "record-index", vbuf_ptr(b),
	    vbuf_len(b), sig)) != 0)
		goto out;
	/* INDEX and INDEX.sig are not in INDEX: open them by hand. */
	{
		char path[4200];
		FILE *fp;

		snprintf(path, sizeof(path), "%s/INDEX", g->dir);
		if ((fp = fopen(path, "wbx")) == NULL) {
			r = ERR_IO;
			goto out;
		}
		if (fwrite(vbuf_ptr(b), 1, vbuf_len(b), fp) != vbuf_len(b)) {
			fclose(fp);
			r = ERR_IO;
			goto out;
		}
		if (fclose(fp) != 0) {
			r = ERR_IO;
			goto out;
		}
	}
	memset(&f, 0, sizeof(f));
	{
		char path[4200];

		snprintf(path, sizeof(path), "%s/INDEX.sig", g->dir);
		if ((f.f = fopen(path, "wbx")) == NULL) {
			r = ERR_IO;
			goto out;
		}
	}
	if ((f.d = digest_new()) == NULL) {
		rg_abort(&f);
		r = ERR_NOMEM;
		goto out;
	}
	rg_printf(&f, "{\"public_key\": ");
	rg_qhex(&f, g->committee_pk, SIGN_PUBLIC_LEN);
	rg_printf(&f, ", \"signature\": ");
	rg_qhex(&f, sig, SIGN_SIG_LEN);
	rg_printf(&f, "}\n");
	r = f.err;
	if (fclose(f.f) != 0 && r == 0)
		r = ERR_IO;
	digest_free(f.d);
 out:
	vbuf_free(b);
	return r;
}

static int
write_archive(struct gen *g, const char *out)
{
	struct archive_writer *w = NULL;
	char top[LIMIT_ID_LEN_MAX + 16], path[4200];
	FILE *f;
	size_t i;
	int r;

	snprintf(top, sizeof(top), "%s-record", g->id);
	if ((f = fopen(out, "wbx")) == NULL)
		return errno == EEXIST ? ERR_EXISTS : ERR_IO;
	if ((r = archive_writer_new(f, top, g->created_us / US, &w)) != 0)
		goto out;
	snprintf(path, sizeof(path), "%s/INDEX", g->dir);
	if ((r = archive_add_file(w, "INDEX", path)) != 0)
		goto out;
	snprintf(path, sizeof(path), "%s/INDEX.sig", g->dir);
	if ((r = archive_add_file(w, "INDEX.sig", path)) != 0)
		goto out;
	for (i = 0; i < g->nfiles; i++) {
		snprintf(path, sizeof(path), "%s/%s", g->dir, g->files[i].rel);
		if ((r = archive_add_file(w, g->files[i].rel, path)) != 0)
			goto out;
	}
	r = archive_finish(w);
	w = NULL;
 out:
	archive_writer_free(w);
	if (fclose(f) != 0 && r == 0)
		r = ERR_IO;
	if (r != 0)
		unlink(out);
	return r;
}

/* Removes what was written into g->dir, and the directory. */
static void
remove_dir(struct gen *g)
{
	char path[4200];
	size_t i;

	for (i = 0; i < g->nfiles; i++) {
		snprintf(path, sizeof(path), "%s/%s", g->dir, g->files[i].rel);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/INDEX", g->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/INDEX.sig", g->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/ceremony", g->dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/decryption", g->dir);
	rmdir(path);
	rmdir(g->dir);
}

static int
make_dirs(struct gen *g)
{
	char path[4200];

	if (mkdir(g->dir, 0755) != 0) {
		/* An existing empty directory will do. */
		if (errno != EEXIST || rmdir(g->dir) != 0 ||
		    mkdir(g->dir, 0755) != 0)
			return errno == ENOTEMPTY || errno == EEXIST ?
			    ERR_EXISTS : ERR_IO;
	}
	if (!g->o->test_key) {
		snprintf(path, sizeof(path), "%s/ceremony", g->dir);
		if (mkdir(path, 0755) != 0)
			return ERR_IO;
	}
	return 0;
}

int
recgen_run(const struct recgen_opts *opts, const char *out,
    struct recgen_result *res)
{
	struct recgen_opts o = *opts;
	struct gen *g;
	int r, dir_made = 0;
	uint32_t i, c;

	if (o.seed == NULL)
		o.seed = "ippyo-genrecord";
	if ((r = opts_check(&o)) != 0)
		return r;
	if (strlen(out) + 64 > sizeof(g->dir))
		return ERR_INVALID_ARG;
	if (o.tar && access(out, F_OK) == 0)
		return ERR_EXISTS;	/* before an hour of work, not after */
	if ((g = calloc(1, sizeof(*g))) == NULL)
		return ERR_NOMEM;
	g->o = &o;
	if (o.tar)
		snprintf(g->dir, sizeof(g->dir), "%s.tmpdir", out);
	else
		snprintf(g->dir, sizeof(g->dir), "%s", out);
	rand_test_seed(o.seed, strlen(o.seed));
	if ((r = make_manifest(g)) != 0 || (r = make_dirs(g)) != 0)
		goto out;
	dir_made = 1;
	if ((r = make_sign_key(&g->committee, g->committee_pk)) != 0 ||
	    (r = make_sign_key(&g->box, g->box_pk)) != 0 ||
	    (r = make_election_key(g)) != 0 ||
	    (r = make_voters(g)) != 0 ||
	    (r = write_bytes_file(g, "manifest.bin", vbuf_ptr(g->mbytes),
	    vbuf_len(g->mbytes))) != 0 ||
	    (r = write_ceremony(g)) != 0 ||
	    (r = make_box(g)) != 0 ||
	    (r = write_what_counts(g)) != 0 ||
	    (r = write_tally(g)) != 0 ||
	    (r = write_results(g)) != 0 ||
	    (r = write_election(g)) != 0 ||
	    (r = write_audit(g)) != 0 ||
	    (r = write_index(g)) != 0)
		goto out;
	if (o.tar && (r = write_archive(g, out)) != 0)
		goto out;
	if (res != NULL) {
		memset(res, 0, sizeof(*res));
		snprintf(res->election_id, sizeof(res->election_id), "%s",
		    g->id);
		memcpy(res->public_key, g->K, sizeof(g->K));
		memcpy(res->context_hash, g->ctx, sizeof(g->ctx));
		memcpy(res->committee_key, g->committee_pk, SIGN_PUBLIC_LEN);
		memcpy(res->box_key, g->box_pk, SIGN_PUBLIC_LEN);
		res->ballots_cast = g->n;
		res->ballots_counted = g->ncounted;
		res->voters = g->voters;
		res->admitted = g->nadmitted;
		res->qualified = g->nq;
		res->participating = g->np;
		res->ncontests = o.contests;
		res->noptions = o.options;
		memcpy(res->votes, g->votes, sizeof(res->votes));
	}
	r = 0;
 out:
	rand_test_clear();
	if (dir_made && (o.tar || r != 0))
		remove_dir(g);
	for (i = 0; i <= LIMIT_TRUSTEES_MAX; i++)
		dkg_trustee_free(g->tr[i]);
	for (i = 0; i < LIMIT_TRUSTEES_MAX; i++)
		free(g->pubs[i]);
	for (c = 0; c < LIMIT_CONTESTS_MAX; c++)
		for (i = 0; i < LIMIT_OPTIONS_MAX; i++)
			elgamal_ciphertext_free(g->sum[c][i]);
	group_scalar_wipe(&g->test_secret);
	sign_key_free(g->committee);
	sign_key_free(g->box);
	elgamal_key_free(g->key);
	manifest_free(g->m);
	vbuf_free(g->mbytes);
	free(g->alias);
	free(g->is_admitted);
	free(g->voter);
	free(g->next);
	free(g->counted);
	explicit_bzero(g, sizeof(*g));
	free(g);
	return r;
}
