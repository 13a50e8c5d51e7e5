/*
 * engine_openssl.c - the verifier's engine on crypto/ (OpenSSL's
 * nistz256 for the group, libsodium for Ed25519): the fast engine, and
 * the same code that made the proofs.  docs/VERIFY.md says what a second
 * engine adds.
 *
 * Contests are queued in a contest_batch (crypto/contest.h) and decided
 * together at flush: one multi-scalar check for all of them, then each
 * alone only when the batch fails, to name the bad ones.
 */
#include <stdlib.h>
#include <string.h>

#include "audit/engine.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/misuse.h"
#include "crypto/contest.h"
#include "crypto/digest.h"
#include "crypto/dkg.h"
#include "crypto/elgamal.h"
#include "crypto/group.h"
#include "crypto/hash.h"
#include "crypto/sign.h"

struct ossl_ctx {
	struct elgamal_key *key;	/* K with its fixed-base table */
	struct contest_batch *batch;	/* queued contests */
	uint64_t *ids;			/* caller's id of batch entry i */
	size_t nids;			/* entries queued */
	size_t cap;			/* room in ids */
	size_t *bad;			/* scratch for contest_batch_check */
};

struct ossl_sum {
	struct elgamal_acc *acc;	/* fast running sum of ballots */
	struct elgamal_ciphertext *merged;	/* sums merged in */
};

static void
ossl_close(void *vctx)
{
	struct ossl_ctx *c = vctx;

	if (c == NULL)
		return;
	contest_batch_free(c->batch);
	elgamal_key_free(c->key);
	free(c->ids);
	free(c->bad);
	free(c);
}

static int
ossl_open(void **out, const uint8_t K[ENGINE_POINT_LEN])
{
	struct ossl_ctx *c;
	int r;

	REQUIRE(out != NULL && K != NULL);
	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return ERR_NOMEM;
	if ((r = elgamal_key_decode(&c->key, K, ENGINE_POINT_LEN)) != 0 ||
	    (r = contest_batch_new(&c->batch, c->key)) != 0) {
		ossl_close(c);
		return r;
	}
	*out = c;
	return 0;
}

static int
ossl_sha256(const uint8_t *const *parts, const size_t *lens, size_t nparts,
    uint8_t out[ENGINE_HASH_LEN])
{
	struct digest *d;
	size_t i;

	if ((d = digest_new()) == NULL)
		return ERR_NOMEM;
	for (i = 0; i < nparts; i++)
		digest_put(d, parts[i], lens[i]);
	digest_final(d, out);
	return 0;
}

static int
ossl_transcript(const char *tag, const uint8_t *const *fields,
    const size_t *lens, size_t nfields, uint8_t out[ENGINE_HASH_LEN])
{
	struct hash_transcript *t = NULL;
	size_t i;
	int r;

	if (tag == NULL || strlen(tag) >= 256)
		return ERR_INVALID_ARG;
	if ((r = hash_transcript_new(&t, tag)) != 0)
		return r;
	for (i = 0; i < nfields && r == 0; i++)
		r = hash_put(t, fields[i], lens[i]);
	if (r == 0)
		hash_digest(t, out);
	hash_transcript_free(t);
	return r;
}

static int
ossl_sig_verify(const uint8_t pk[32], const char *tag, const uint8_t *msg,
    size_t len, const uint8_t sig[64])
{
	return sign_verify(pk, tag, msg, len, sig) == 0 ? 0 : ERR_VERIFY;
}

static int
ossl_contest_add(void *vctx, const struct engine_contest *ec, uint64_t id)
{
	struct ossl_ctx *c = vctx;
	struct contest_spec spec;
	size_t pos = 0;
	int r;

	spec.index = ec->index;
	spec.options = ec->options;
	spec.min = ec->min;
	spec.max = ec->max;
	if (!contest_spec_valid(&spec))
		return ERR_RANGE;
	if (ec->alias_len > 256)
		return ERR_TOO_LARGE;
	if (c->nids == c->cap) {
		size_t ncap = c->cap ? 2 * c->cap : 64;
		uint64_t *n;

		if ((n = realloc(c->ids, ncap * sizeof(*n))) == NULL)
			return ERR_NOMEM;
		c->ids = n;
		c->cap = ncap;
	}
	if ((r = contest_batch_add(c->batch, ec->context, ec->alias,
	    ec->alias_len, &spec, ec->bytes, ec->len, &pos)) != 0)
		return r;
	if (pos != c->nids)
		return ERR_INTERNAL;
	c->ids[c->nids++] = id;
	return 0;
}

static int
ossl_contest_flush(void *vctx, uint64_t *bad, size_t bad_max, size_t *n_bad)
{
	struct ossl_ctx *c = vctx;
	size_t nb = 0, i, want = c->nids ? c->nids : 1;
	int r;

	*n_bad = 0;
	free(c->bad);
	if ((c->bad = calloc(want, sizeof(*c->bad))) == NULL) {
		/* contest_batch_check empties the batch either way. */
		size_t dummy = 0;

		r = contest_batch_check(c->batch, NULL, 0, &dummy);
		c->nids = 0;
		return r == 0 ? ERR_NOMEM : r;
	}
	r = contest_batch_check(c->batch, c->bad, want, &nb);
	if (r == ERR_VERIFY) {
		for (i = 0; i < nb && i < want; i++) {
			if (c->bad[i] >= c->nids) {
				r = ERR_INTERNAL;
				break;
			}
			if (i < bad_max)
				bad[i] = c->ids[c->bad[i]];
		}
		*n_bad = nb;
	}
	c->nids = 0;
	return r;
}

static void
ossl_sum_free(void *vs)
{
	struct ossl_sum *s = vs;

	if (s == NULL)
		return;
	elgamal_acc_free(s->acc);
	elgamal_ciphertext_free(s->merged);
	free(s);
}

static int
ossl_sum_new(void **out)
{
	struct ossl_sum *s;
	int r;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return ERR_NOMEM;
	if ((r = elgamal_acc_new(&s->acc)) != 0) {
		ossl_sum_free(s);
		return r;
	}
	if ((s->merged = elgamal_ciphertext_new()) == NULL) {
		ossl_sum_free(s);
		return ERR_NOMEM;
	}
	*out = s;
	return 0;
}

static int
ossl_sum_add(void *vs, const uint8_t ct[ENGINE_CT_LEN])
{
	struct ossl_sum *s = vs;

	return elgamal_acc_add_encoded(s->acc, ct);
}

/* out = the whole sum of s (running sum plus merged parts). */
static int
sum_total(const struct ossl_sum *s, struct elgamal_ciphertext *out)
{
	int r;

	if ((r = elgamal_acc_get(s->acc, out)) != 0)
		return r;
	return elgamal_add(out, out, s->merged);
}

static int
ossl_sum_merge(void *vs, const void *vother)
{
	struct ossl_sum *s = vs;
	const struct ossl_sum *o = vother;
	struct elgamal_ciphertext *t;
	int r;

	if ((t = elgamal_ciphertext_new()) == NULL)
		return ERR_NOMEM;
	if ((r = sum_total(o, t)) == 0)
		r = elgamal_add(s->merged, s->merged, t);
	elgamal_ciphertext_free(t);
	return r;
}

static int
ossl_sum_get(const void *vs, uint8_t out[ENGINE_CT_LEN])
{
	const struct ossl_sum *s = vs;
	struct elgamal_ciphertext *t;
	int r;

	if ((t = elgamal_ciphertext_new()) == NULL)
		return ERR_NOMEM;
	if ((r = sum_total(s, t)) == 0)
		r = elgamal_encode(t, out, GROUP_ALLOW_INFINITY);
	elgamal_ciphertext_free(t);
	return r;
}

static int
params_set(struct dkg_params *p, uint32_t n, uint32_t k, const uint8_t *cctx)
{
	memset(p, 0, sizeof(*p));
	p->n = n;
	p->k = k;
	if (cctx != NULL)
		memcpy(p->context, cctx, HASH_LEN);
	return dkg_params_valid(p) ? 0 : ERR_RANGE;
}

static int
ossl_dkg_public_verify(uint32_t n, uint32_t k, const uint8_t *cctx,
    uint32_t i, const uint8_t *pub, size_t len)
{
	struct dkg_params p;
	int r;

	if ((r = params_set(&p, n, k, cctx)) != 0)
		return r;
	if (i < 1 || i > n)
		return ERR_RANGE;
	return dkg_public_verify(&p, i, pub, len);
}

static int
ossl_dkg_complaint_check(uint32_t n, uint32_t k, const uint8_t *cctx,
    uint32_t i, uint32_t j, const uint8_t *pub_i, const uint8_t *pub_j,
    const uint8_t *share, size_t share_len, const uint8_t *complaint,
    size_t complaint_len)
{
	struct dkg_params p;
	int r;

	if ((r = params_set(&p, n, k, cctx)) != 0)
		return r;
	if (i < 1 || i > n || j < 1 || j > n || i == j)
		return ERR_RANGE;
	return dkg_complaint_check(&p, i, j, pub_i, pub_j, share, share_len,
	    complaint, complaint_len);
}

static int
ossl_dkg_joint_key(uint32_t n, uint32_t k, const uint8_t *const *pubs,
    const uint32_t *qual, size_t nq, uint8_t K[ENGINE_POINT_LEN])
{
	struct dkg_params p;
	struct point *pt;
	int r;

	if ((r = params_set(&p, n, k, NULL)) != 0)
		return r;
	if ((pt = group_point_new()) == NULL)
		return ERR_NOMEM;
	if ((r = dkg_joint_key(&p, pubs, qual, nq, pt)) == 0)
		r = group_point_encode(pt, K, 0);
	group_point_free(pt);
	return r;
}

static int
ossl_dkg_verification_key(uint32_t n, uint32_t k, const uint8_t *const *pubs,
    const uint32_t *qual, size_t nq, uint32_t j, uint8_t P[ENGINE_POINT_LEN])
{
	struct dkg_params p;
	struct point *pt;
	int r;

	if ((r = params_set(&p, n, k, NULL)) != 0)
		return r;
	if (j < 1 || j > n)
		return ERR_RANGE;
	if ((pt = group_point_new()) == NULL)
		return ERR_NOMEM;
	if ((r = dkg_verification_key(&p, pubs, qual, nq, j, pt)) == 0)
		r = group_point_encode(pt, P, 0);
	group_point_free(pt);
	return r;
}

static int
ossl_dshare_verify(const uint8_t context[ENGINE_HASH_LEN], uint32_t j,
    const uint8_t P[ENGINE_POINT_LEN], const uint8_t ct[ENGINE_CT_LEN],
    const uint8_t *share, size_t len)
{
	struct elgamal_ciphertext *c = NULL;
	struct point *pj = NULL;
	int r;

	if ((pj = group_point_new()) == NULL ||
	    (c = elgamal_ciphertext_new()) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if ((r = group_point_decode(pj, P, ENGINE_POINT_LEN, 0)) != 0 ||
	    (r = elgamal_decode(c, ct, ENGINE_CT_LEN,
	    GROUP_ALLOW_INFINITY)) != 0)
		goto out;
	r = dkg_decrypt_share_verify(context, j, pj, c, share, len);
 out:
	group_point_free(pj);
	elgamal_ciphertext_free(c);
	return r;
}

static int
ossl_combine(const uint8_t ct[ENGINE_CT_LEN], const uint32_t *idx,
    const uint8_t *const *shares, size_t cnt, uint8_t out[ENGINE_POINT_LEN])
{
	struct elgamal_ciphertext *c = NULL;
	struct point **M = NULL, *sum = NULL;
	struct scalar *w = NULL;
	size_t q;
	int r = ERR_NOMEM;

	if (cnt == 0 || cnt > LIMIT_TRUSTEES_MAX)
		return ERR_RANGE;
	if ((c = elgamal_ciphertext_new()) == NULL ||
	    (M = group_points_new(cnt)) == NULL ||
	    (w = calloc(cnt, sizeof(*w))) == NULL ||
	    (sum = group_point_new()) == NULL)
		goto out;
	if ((r = elgamal_decode(c, ct, ENGINE_CT_LEN,
	    GROUP_ALLOW_INFINITY)) != 0)
		goto out;
	for (q = 0; q < cnt; q++) {
		if ((r = group_point_decode(M[q], shares[q], GROUP_POINT_LEN,
		    0)) != 0 ||
		    (r = dkg_lagrange(idx, cnt, idx[q], &w[q])) != 0)
			goto out;
	}
	if ((r = group_msm(sum, NULL, cnt, (const struct point *const *)M,
	    w)) != 0 ||
	    (r = group_point_sub(sum, c->beta, sum)) != 0)
		goto out;
	r = group_point_encode(sum, out, GROUP_ALLOW_INFINITY);
 out:
	elgamal_ciphertext_free(c);
	group_points_free(M, cnt);
	free(w);
	group_point_free(sum);
	return r;
}

static int
ossl_mul_g(uint64_t m, uint8_t out[ENGINE_POINT_LEN])
{
	struct point *p;
	struct scalar s;
	int r;

	if ((p = group_point_new()) == NULL)
		return ERR_NOMEM;
	group_scalar_set_u64(&s, m);
	if ((r = group_mul_g(p, &s)) == 0)
		r = group_point_encode(p, out, GROUP_ALLOW_INFINITY);
	group_point_free(p);
	return r;
}

const struct engine_ops engine_openssl = {
	.name = "openssl",
	.open = ossl_open,
	.close = ossl_close,
	.sha256 = ossl_sha256,
	.transcript = ossl_transcript,
	.sig_verify = ossl_sig_verify,
	.contest_add = ossl_contest_add,
	.contest_flush = ossl_contest_flush,
	.sum_new = ossl_sum_new,
	.sum_add = ossl_sum_add,
	.sum_merge = ossl_sum_merge,
	.sum_get = ossl_sum_get,
	.sum_free = ossl_sum_free,
	.dkg_public_verify = ossl_dkg_public_verify,
	.dkg_complaint_check = ossl_dkg_complaint_check,
	.dkg_joint_key = ossl_dkg_joint_key,
	.dkg_verification_key = ossl_dkg_verification_key,
	.dshare_verify = ossl_dshare_verify,
	.combine = ossl_combine,
	.mul_g = ossl_mul_g,
};
