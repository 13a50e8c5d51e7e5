/*
 * elgamal.c - exponential ElGamal (see elgamal.h).
 */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/misuse.h"
#include "crypto/elgamal.h"

struct elgamal_key {
	struct point *k;		/* K */
	struct group_base *base;	/* K's fixed-base table */
	uint8_t enc[GROUP_POINT_LEN];	/* K's encoding */
};

int
elgamal_key_new(struct elgamal_key **out, const struct point *k)
{
	struct elgamal_key *key = NULL;
	int r = ERR_INTERNAL;

	*out = NULL;
	if (group_point_is_infinity(k))
		return ERR_RANGE;
	if ((key = calloc(1, sizeof(*key))) == NULL)
		return ERR_NOMEM;
	if ((key->k = group_point_new()) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if ((r = group_point_copy(key->k, k)) != 0 ||
	    (r = group_point_encode(k, key->enc, 0)) != 0 ||
	    (r = group_base_new(&key->base, k)) != 0)
		goto out;
	*out = key;
	key = NULL;
	r = 0;
out:
	elgamal_key_free(key);
	return r;
}

int
elgamal_key_decode(struct elgamal_key **out, const uint8_t *in, size_t len)
{
	struct point *p;
	int r;

	*out = NULL;
	if ((p = group_point_new()) == NULL)
		return ERR_NOMEM;
	if ((r = group_point_decode(p, in, len, 0)) == 0)
		r = elgamal_key_new(out, p);
	group_point_free(p);
	return r;
}

void
elgamal_key_free(struct elgamal_key *k)
{
	if (k == NULL)
		return;
	group_point_free(k->k);
	group_base_free(k->base);
	free(k);
}

const struct point *
elgamal_key_point(const struct elgamal_key *k)
{
	return k->k;
}

const uint8_t *
elgamal_key_encoded(const struct elgamal_key *k)
{
	return k->enc;
}

const struct group_base *
elgamal_key_base(const struct elgamal_key *k)
{
	return k->base;
}

struct elgamal_ciphertext *
elgamal_ciphertext_new(void)
{
	struct elgamal_ciphertext *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->alpha = group_point_new()) == NULL ||
	    (c->beta = group_point_new()) == NULL) {
		elgamal_ciphertext_free(c);
		return NULL;
	}
	return c;
}

void
elgamal_ciphertext_free(struct elgamal_ciphertext *c)
{
	if (c == NULL)
		return;
	group_point_free(c->alpha);
	group_point_free(c->beta);
	free(c);
}

int
elgamal_ciphertext_copy(struct elgamal_ciphertext *dst,
    const struct elgamal_ciphertext *src)
{
	int r;

	if ((r = group_point_copy(dst->alpha, src->alpha)) != 0)
		return r;
	return group_point_copy(dst->beta, src->beta);
}

int
elgamal_ciphertext_zero(struct elgamal_ciphertext *c)
{
	int r;

	if ((r = group_point_set_infinity(c->alpha)) != 0)
		return r;
	return group_point_set_infinity(c->beta);
}

/*
 * out = (r·G, m·G + r·K) without branching on m: m·G is computed as
 * (m+1)·G - G so that no operand is the identity (m+1 >= 1 and r != 0),
 * whatever m is.
 */
int
elgamal_encrypt(const struct elgamal_key *k, uint64_t m,
    const struct scalar *r_in, struct scalar *r_out,
    struct elgamal_ciphertext *out)
{
	struct scalar r, m1, one;
	struct point *t = NULL, *g = NULL;
	int rc = ERR_INTERNAL;

	if (r_out != NULL)
		group_scalar_zero(r_out);
	REQUIRE(m < UINT64_MAX);
	if (r_in != NULL)
		r = *r_in;
	else if ((rc = group_scalar_random(&r)) != 0)
		goto out;
	if ((t = group_point_new()) == NULL ||
	    (g = group_point_new()) == NULL) {
		rc = ERR_NOMEM;
		goto out;
	}
	group_scalar_set_u64(&m1, m + 1);
	group_scalar_set_u64(&one, 1);
	if ((rc = group_mul_g(out->alpha, &r)) != 0 ||
	    (rc = group_base_mul(k->base, out->beta, &r)) != 0 ||
	    (rc = group_mul_g(t, &m1)) != 0 ||
	    (rc = group_point_add(out->beta, out->beta, t)) != 0 ||
	    (rc = group_point_set_generator(g)) != 0 ||
	    (rc = group_point_sub(out->beta, out->beta, g)) != 0)
		goto out;
	if (r_out != NULL)
		*r_out = r;
	rc = 0;
out:
	group_scalar_wipe(&r);
	group_scalar_wipe(&m1);
	group_point_free(t);
	group_point_free(g);
	return rc;
}

int
elgamal_add(struct elgamal_ciphertext *out, const struct elgamal_ciphertext *a,
    const struct elgamal_ciphertext *b)
{
	int r;

	if ((r = group_point_add(out->alpha, a->alpha, b->alpha)) != 0)
		return r;
	return group_point_add(out->beta, a->beta, b->beta);
}

int
elgamal_rerandomize(const struct elgamal_key *k,
    const struct elgamal_ciphertext *c, const struct scalar *r_in,
    struct scalar *r_out, struct elgamal_ciphertext *out)
{
	struct elgamal_ciphertext *z = NULL;
	struct scalar r;
	int rc = ERR_INTERNAL;

	if (r_out != NULL)
		group_scalar_zero(r_out);
	if (r_in != NULL)
		r = *r_in;
	else if ((rc = group_scalar_random(&r)) != 0)
		goto out;
	if ((z = elgamal_ciphertext_new()) == NULL) {
		rc = ERR_NOMEM;
		goto out;
	}
	if ((rc = group_mul_g(z->alpha, &r)) != 0 ||
	    (rc = group_base_mul(k->base, z->beta, &r)) != 0 ||
	    (rc = elgamal_add(out, c, z)) != 0)
		goto out;
	if (r_out != NULL)
		*r_out = r;
	rc = 0;
out:
	group_scalar_wipe(&r);
	elgamal_ciphertext_free(z);
	return rc;
}

int
elgamal_decrypt(const struct scalar *s, const struct elgamal_ciphertext *c,
    struct point *out)
{
	struct point *t;
	int r;

	if ((t = group_point_new()) == NULL)
		return ERR_NOMEM;
	if ((r = group_mul(t, s, c->alpha)) == 0)
		r = group_point_sub(out, c->beta, t);
	group_point_free(t);
	return r;
}

int
elgamal_encode(const struct elgamal_ciphertext *c, uint8_t out[ELGAMAL_CT_LEN],
    unsigned flags)
{
	int r;

	if ((r = group_point_encode(c->alpha, out, flags)) != 0 ||
	    (r = group_point_encode(c->beta, out + GROUP_POINT_LEN,
	    flags)) != 0)
		memset(out, 0, ELGAMAL_CT_LEN);
	return r;
}

int
elgamal_decode(struct elgamal_ciphertext *c, const uint8_t *in, size_t len,
    unsigned flags)
{
	int r;

	if (len < ELGAMAL_CT_LEN)
		return ERR_TRUNCATED;
	if (len > ELGAMAL_CT_LEN)
		return ERR_TRAILING_DATA;
	if ((r = group_point_decode(c->alpha, in, GROUP_POINT_LEN, flags)) != 0)
		return r;
	return group_point_decode(c->beta, in + GROUP_POINT_LEN,
	    GROUP_POINT_LEN, flags);
}

int
elgamal_add_encoded(struct elgamal_ciphertext *acc,
    struct elgamal_ciphertext *tmp, const uint8_t in[ELGAMAL_CT_LEN])
{
	int r;

	if ((r = elgamal_decode(tmp, in, ELGAMAL_CT_LEN, 0)) != 0)
		return r;
	return elgamal_add(acc, acc, tmp);
}

struct elgamal_acc {
	struct group_acc *alpha;	/* sum of the alphas */
	struct group_acc *beta;		/* sum of the betas */
};

int
elgamal_acc_new(struct elgamal_acc **out)
{
	struct elgamal_acc *a;
	int r;

	*out = NULL;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return ERR_NOMEM;
	if ((r = group_acc_new(&a->alpha)) != 0 ||
	    (r = group_acc_new(&a->beta)) != 0) {
		elgamal_acc_free(a);
		return r;
	}
	*out = a;
	return 0;
}

void
elgamal_acc_free(struct elgamal_acc *a)
{
	if (a == NULL)
		return;
	group_acc_free(a->alpha);
	group_acc_free(a->beta);
	free(a);
}

int
elgamal_acc_add_encoded(struct elgamal_acc *a, const uint8_t in[ELGAMAL_CT_LEN])
{
	return group_acc_add_encoded2(a->alpha, in, a->beta,
	    in + GROUP_POINT_LEN);
}

int
elgamal_acc_get(const struct elgamal_acc *a, struct elgamal_ciphertext *out)
{
	int r;

	if ((r = group_acc_get(a->alpha, out->alpha)) != 0)
		return r;
	return group_acc_get(a->beta, out->beta);
}
