/*
 * dkg.c - threshold key generation and decryption (see dkg.h; byte
 * layouts in docs/PROTOCOL-crypto.md §8).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "core/err.h"
#include "core/limits.h"
#include "core/misuse.h"
#include "crypto/dkg.h"
#include "crypto/rand.h"
#include "crypto/secret.h"
#include "crypto/sign.h"

#define SHARE_INFO "ippyo/dkg-share/v1"
#define PUB_ITEM (GROUP_POINT_LEN + PROOF_SCHNORR_LEN)

/* The fixed lengths dkg.h promises (docs/PROTOCOL-crypto.md §8). */
_Static_assert(DKG_SHARE_LEN == 177, "share: E || enc || tag || sig");
_Static_assert(DKG_COMPLAINT_LEN == 227, "complaint: Z || dleq");
_Static_assert(DKG_DSHARE_LEN == 227, "decryption share: M || dleq");
_Static_assert(PUB_ITEM == 162, "public item: point || schnorr");
#define COMM_KEY_LABEL 0xffffffffu
#define PUB_SIG_TAG "dkg-public"
#define SHARE_SIG_TAG "dkg-share"
/* The encrypted share without its signature: E || ciphertext || tag. */
#define SHARE_BODY_LEN (DKG_SHARE_LEN - SIGN_SIG_LEN)
/* What a share signature covers: context || n || k || i || j || body. */
#define SHARE_MSG_LEN (HASH_LEN + 16 + SHARE_BODY_LEN)

/* A trustee's secrets, kept in one sodium_malloc'd struct secret. */
struct dkg_secrets {
	struct scalar x;			/* communication secret key */
	struct scalar s;			/* final key share (after finish) */
	struct scalar a[LIMIT_TRUSTEES_MAX];	/* coefficients a_0..a_k-1 */
	struct scalar recv[LIMIT_TRUSTEES_MAX];	/* recv[i-1] = f_i(j) */
};

struct dkg_trustee {
	struct dkg_params p;		/* ceremony parameters */
	uint32_t index;			/* j, 1..n */
	uint8_t X[GROUP_POINT_LEN];	/* x·G, the communication key */
	struct secret *sec;		/* struct dkg_secrets */
	struct sign_key *sk;		/* signs the public message, shares */
	uint8_t spk[SIGN_PUBLIC_LEN];	/* its public key */
	uint8_t have[LIMIT_TRUSTEES_MAX]; /* share from i accepted */
	int finished;			/* s is set */
};

/* Opens the trustee's secrets; pair with sec_close. */
static struct dkg_secrets *
sec_open(const struct dkg_trustee *t)
{
	uint8_t *p = secret_open(t->sec);

	REQUIRE(p != NULL && ((uintptr_t)p % sizeof(uint64_t)) == 0);
	return (struct dkg_secrets *)(void *)p;
}

static void
sec_close(const struct dkg_trustee *t)
{
	secret_close(t->sec);
}

int
dkg_params_valid(const struct dkg_params *p)
{
	return p->n >= 2 && p->n <= LIMIT_TRUSTEES_MAX && p->k >= 1 &&
	    p->n >= 2 * p->k - 1 && p->k <= p->n;
}

size_t
dkg_public_len(const struct dkg_params *p)
{
	REQUIRE(dkg_params_valid(p));
	return (size_t)(1 + p->k) * PUB_ITEM + SIGN_PUBLIC_LEN + SIGN_SIG_LEN;
}

/* Offset of the signing key in a public message (the items before it). */
static size_t
pub_items_len(const struct dkg_params *p)
{
	return (size_t)(1 + p->k) * PUB_ITEM;
}

static void
u32be(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

/*
 * What the public message's signature covers:
 * context || n || k || i || items || spk (all of the message before the
 * signature).  Caller frees *out.
 */
static int
pub_sig_msg(const struct dkg_params *p, uint32_t i, const uint8_t *pub,
    uint8_t **out, size_t *out_len)
{
	size_t body = pub_items_len(p) + SIGN_PUBLIC_LEN;
	uint8_t *m;

	*out = NULL;
	*out_len = 0;
	if ((m = malloc(HASH_LEN + 12 + body)) == NULL)
		return ERR_NOMEM;
	memcpy(m, p->context, HASH_LEN);
	u32be(m + HASH_LEN, p->n);
	u32be(m + HASH_LEN + 4, p->k);
	u32be(m + HASH_LEN + 8, i);
	memcpy(m + HASH_LEN + 12, pub, body);
	*out = m;
	*out_len = HASH_LEN + 12 + body;
	return 0;
}

/* The message a share signature covers (see SHARE_MSG_LEN). */
static void
share_sig_msg(const struct dkg_params *p, uint32_t i, uint32_t j,
    const uint8_t *share, uint8_t m[SHARE_MSG_LEN])
{
	memcpy(m, p->context, HASH_LEN);
	u32be(m + HASH_LEN, p->n);
	u32be(m + HASH_LEN + 4, p->k);
	u32be(m + HASH_LEN + 8, i);
	u32be(m + HASH_LEN + 12, j);
	memcpy(m + HASH_LEN + 16, share, SHARE_BODY_LEN);
}

/*
 * 0 when share carries trustee i's signature under the key in i's
 * public message pub_i; ERR_VERIFY when not (unsigned, forged, altered).
 */
static int
share_sig_check(const struct dkg_params *p, uint32_t i, uint32_t j,
    const uint8_t *pub_i, const uint8_t *share)
{
	uint8_t m[SHARE_MSG_LEN];

	share_sig_msg(p, i, j, share, m);
	return sign_verify(pub_i + pub_items_len(p), SHARE_SIG_TAG, m,
	    sizeof(m), share + SHARE_BODY_LEN) == 0 ? 0 : ERR_VERIFY;
}

/* Schnorr label: n || k || i || l (l = 0xffffffff: communication key). */
static void
pok_label(const struct dkg_params *p, uint32_t i, uint32_t l, uint8_t lab[16])
{
	u32be(lab, p->n);
	u32be(lab + 4, p->k);
	u32be(lab + 8, i);
	u32be(lab + 12, l);
}

void
dkg_trustee_free(struct dkg_trustee *t)
{
	if (t == NULL)
		return;
	secret_free(t->sec);
	sign_key_free(t->sk);
	OPENSSL_cleanse(t, sizeof(*t));
	free(t);
}

int
dkg_trustee_new(struct dkg_trustee **out, const struct dkg_params *p,
    uint32_t index)
{
	struct dkg_trustee *t;
	struct dkg_secrets *z;
	struct point *X = NULL;
	uint8_t seed[SIGN_SEED_LEN];
	uint32_t l;
	int r = ERR_INTERNAL;

	*out = NULL;
	if (!dkg_params_valid(p) || index < 1 || index > p->n)
		return ERR_INVALID_ARG;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return ERR_NOMEM;
	t->p = *p;
	t->index = index;
	/* a multiple of 64 bytes keeps sodium_malloc's pointer aligned */
	if ((r = secret_new((sizeof(struct dkg_secrets) + 63) & ~(size_t)63,
	    &t->sec)) != 0)
		goto out;
	if ((X = group_point_new()) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	z = sec_open(t);
	if ((r = group_scalar_random(&z->x)) == 0 &&
	    (r = group_mul_g(X, &z->x)) == 0 &&
	    (r = group_point_encode(X, t->X, 0)) == 0)
		for (l = 0; l < p->k && r == 0; l++)
			r = group_scalar_random(&z->a[l]);
	sec_close(t);
	if (r != 0)
		goto out;
	/*
	 * The ceremony signing key, drawn last from rand_bytes (the test
	 * hook makes the known-answer vectors reproducible).
	 */
	if ((r = rand_bytes(seed, sizeof(seed))) != 0 ||
	    (r = sign_key_from_seed(seed, &t->sk)) != 0)
		goto out;
	sign_key_public(t->sk, t->spk);
	*out = t;
	t = NULL;
	r = 0;
out:
	OPENSSL_cleanse(seed, sizeof(seed));
	group_point_free(X);
	dkg_trustee_free(t);
	return r;
}

uint32_t
dkg_trustee_index(const struct dkg_trustee *t)
{
	return t->index;
}

int
dkg_trustee_public(const struct dkg_trustee *t, uint8_t *out, size_t len)
{
	struct dkg_secrets *z;
	struct point *C = NULL;
	uint8_t lab[16], *m = NULL;
	size_t mlen;
	uint32_t l;
	int r = ERR_INTERNAL;

	if (len != dkg_public_len(&t->p))
		return ERR_INVALID_ARG;
	memset(out, 0, len);
	if ((C = group_point_new()) == NULL)
		return ERR_NOMEM;
	z = sec_open(t);
	memcpy(out, t->X, GROUP_POINT_LEN);
	pok_label(&t->p, t->index, COMM_KEY_LABEL, lab);
	if ((r = proof_schnorr_prove(t->p.context, lab, sizeof(lab), &z->x,
	    t->X, out + GROUP_POINT_LEN)) != 0)
		goto out;
	for (l = 0; l < t->p.k; l++) {
		uint8_t *item = out + (size_t)(1 + l) * PUB_ITEM;

		pok_label(&t->p, t->index, l, lab);
		if ((r = group_mul_g(C, &z->a[l])) != 0 ||
		    (r = group_point_encode(C, item, 0)) != 0 ||
		    (r = proof_schnorr_prove(t->p.context, lab, sizeof(lab),
		    &z->a[l], item, item + GROUP_POINT_LEN)) != 0)
			goto out;
	}
	memcpy(out + pub_items_len(&t->p), t->spk, SIGN_PUBLIC_LEN);
	if ((r = pub_sig_msg(&t->p, t->index, out, &m, &mlen)) != 0 ||
	    (r = sign_sign(t->sk, PUB_SIG_TAG, m, mlen, out +
	    pub_items_len(&t->p) + SIGN_PUBLIC_LEN)) != 0)
		goto out;
	r = 0;
out:
	sec_close(t);
	if (r != 0)
		memset(out, 0, len);
	free(m);
	group_point_free(C);
	return r;
}

int
dkg_public_verify(const struct dkg_params *p, uint32_t i, const uint8_t *pub,
    size_t len)
{
	struct proof_batch *b = NULL;
	uint8_t lab[16], *m = NULL;
	uint32_t l;
	size_t want, mlen;
	int r;

	if (!dkg_params_valid(p) || i < 1 || i > p->n)
		return ERR_INVALID_ARG;
	want = dkg_public_len(p);
	if (len < want)
		return ERR_TRUNCATED;
	if (len > want)
		return ERR_TRAILING_DATA;
	/* the signing key signs the whole message (strict Ed25519) */
	if ((r = pub_sig_msg(p, i, pub, &m, &mlen)) != 0)
		return r;
	r = sign_verify(pub + pub_items_len(p), PUB_SIG_TAG, m, mlen,
	    pub + pub_items_len(p) + SIGN_PUBLIC_LEN);
	free(m);
	if (r != 0)
		return ERR_VERIFY;
	if ((r = proof_batch_new(&b, NULL)) != 0)
		return r;
	for (l = 0; l <= p->k; l++) {
		const uint8_t *item = pub + (size_t)l * PUB_ITEM;

		pok_label(p, i, l == 0 ? COMM_KEY_LABEL : l - 1, lab);
		if ((r = proof_schnorr_batch_add(b, p->context, lab, sizeof(lab),
		    item, GROUP_POINT_LEN, item + GROUP_POINT_LEN,
		    PROOF_SCHNORR_LEN)) != 0)
			goto out;
	}
	r = proof_batch_check(b);
out:
	proof_batch_free(b);
	return r;
}

/* f(j) by Horner's rule (constant-time in the coefficients). */
static void
poly_eval(const struct scalar *a, uint32_t k, uint32_t j, struct scalar *out)
{
	struct scalar x;
	uint32_t l;

	group_scalar_set_u64(&x, j);
	*out = a[k - 1];
	for (l = k - 1; l-- > 0;) {
		group_scalar_mul(out, out, &x);
		group_scalar_add(out, out, &a[l]);
	}
}

/* 1 when s·G == sum_l j^l·C_l (commitments in pub), 0 when not. */
static int
share_matches(const struct dkg_params *p, const uint8_t *pub, uint32_t j,
    const struct scalar *s)
{
	struct point **C = NULL, *lhs = NULL, *rhs = NULL;
	struct scalar *pw = NULL, x;
	uint32_t l;
	int r = ERR_NOMEM;

	if ((C = group_points_new(p->k)) == NULL ||
	    (pw = calloc(p->k, sizeof(*pw))) == NULL ||
	    (lhs = group_point_new()) == NULL ||
	    (rhs = group_point_new()) == NULL)
		goto out;
	group_scalar_set_u64(&x, j);
	for (l = 0; l < p->k; l++) {
		if ((r = group_point_decode(C[l], pub + (size_t)(1 + l) *
		    PUB_ITEM, GROUP_POINT_LEN, 0)) != 0)
			goto out;
		if (l == 0)
			group_scalar_set_u64(&pw[0], 1);
		else
			group_scalar_mul(&pw[l], &pw[l - 1], &x);
	}
	if ((r = group_mul_g(lhs, s)) != 0 ||
	    (r = group_msm(rhs, NULL, p->k, (const struct point *const *)C,
	    pw)) != 0)
		goto out;
	r = group_point_eq(lhs, rhs);
out:
	group_points_free(C, p->k);
	free(pw);
	group_point_free(lhs);
	group_point_free(rhs);
	return r;
}

/* The AEAD key for the share from i to j. */
static int
share_key(const struct dkg_params *p, uint32_t i, uint32_t j,
    const uint8_t Z[GROUP_POINT_LEN], const uint8_t E[GROUP_POINT_LEN],
    const uint8_t Xj[GROUP_POINT_LEN], uint8_t key[32])
{
	uint8_t info[sizeof(SHARE_INFO) - 1 + 16 + 2 * GROUP_POINT_LEN];
	uint8_t ikm[GROUP_POINT_LEN], salt[HASH_LEN];
	EVP_KDF *kdf = NULL;
	EVP_KDF_CTX *kctx = NULL;
	OSSL_PARAM params[5], *q = params;
	size_t o = 0;
	int r = ERR_CRYPTO;

	memcpy(info, SHARE_INFO, sizeof(SHARE_INFO) - 1);
	o = sizeof(SHARE_INFO) - 1;
	u32be(info + o, p->n);
	u32be(info + o + 4, p->k);
	u32be(info + o + 8, i);
	u32be(info + o + 12, j);
	o += 16;
	memcpy(info + o, E, GROUP_POINT_LEN);
	memcpy(info + o + GROUP_POINT_LEN, Xj, GROUP_POINT_LEN);
	memcpy(ikm, Z, sizeof(ikm));
	memcpy(salt, p->context, sizeof(salt));
	if ((kdf = EVP_KDF_fetch(NULL, "HKDF", NULL)) == NULL ||
	    (kctx = EVP_KDF_CTX_new(kdf)) == NULL)
		goto out;
	*q++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    (char *)(uintptr_t)"SHA256", 0);
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, ikm,
	    sizeof(ikm));
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt,
	    sizeof(salt));
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info,
	    sizeof(info));
	*q = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(kctx, key, 32, params) == 1)
		r = 0;
out:
	OPENSSL_cleanse(ikm, sizeof(ikm));
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	return r;
}

/* AES-256-GCM, zero nonce (each key encrypts one message), AAD i||j||E. */
static int
aead(int enc, const uint8_t key[32], uint32_t i, uint32_t j,
    const uint8_t E[GROUP_POINT_LEN], const uint8_t *in, uint8_t *out,
    uint8_t tag[16])
{
	static const uint8_t iv[12];
	uint8_t aad[8 + GROUP_POINT_LEN];
	EVP_CIPHER_CTX *c;
	int len, r = ERR_CRYPTO;

	u32be(aad, i);
	u32be(aad + 4, j);
	memcpy(aad + 8, E, GROUP_POINT_LEN);
	if ((c = EVP_CIPHER_CTX_new()) == NULL)
		return ERR_NOMEM;
	if (EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, key, iv, enc) != 1 ||
	    EVP_CipherUpdate(c, NULL, &len, aad, sizeof(aad)) != 1 ||
	    EVP_CipherUpdate(c, out, &len, in, GROUP_SCALAR_LEN) != 1)
		goto out;
	if (!enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16,
	    tag) != 1)
		goto out;
	if (EVP_CipherFinal_ex(c, out + len, &len) != 1) {
		r = enc ? ERR_CRYPTO : ERR_VERIFY;
		goto out;
	}
	if (enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag) != 1)
		goto out;
	r = 0;
out:
	EVP_CIPHER_CTX_free(c);
	return r;
}

int
dkg_share_encrypt(const struct dkg_params *p, uint32_t i, uint32_t j,
    const struct scalar *s, const uint8_t *pub_j, size_t pub_len,
    uint8_t out[DKG_SHARE_LEN])
{
	struct point *Xj = NULL, *P = NULL;
	uint8_t Z[GROUP_POINT_LEN], key[32], pt[GROUP_SCALAR_LEN];
	struct scalar e;
	int r = ERR_INTERNAL;

	memset(out, 0, DKG_SHARE_LEN);
	group_scalar_zero(&e);
	if (!dkg_params_valid(p) || i < 1 || i > p->n || j < 1 || j > p->n ||
	    pub_len != dkg_public_len(p))
		return ERR_INVALID_ARG;
	if ((Xj = group_point_new()) == NULL || (P = group_point_new()) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if ((r = group_point_decode(Xj, pub_j, GROUP_POINT_LEN, 0)) != 0 ||
	    (r = group_scalar_random(&e)) != 0 ||
	    (r = group_mul_g(P, &e)) != 0 ||
	    (r = group_point_encode(P, out, 0)) != 0 ||
	    (r = group_mul(P, &e, Xj)) != 0 ||
	    (r = group_point_encode(P, Z, 0)) != 0 ||
	    (r = share_key(p, i, j, Z, out, pub_j, key)) != 0)
		goto out;
	group_scalar_encode(s, pt);
	/* the signature field stays zero: unsigned */
	r = aead(1, key, i, j, out, pt, out + GROUP_POINT_LEN,
	    out + GROUP_POINT_LEN + GROUP_SCALAR_LEN);
out:
	if (r != 0)
		memset(out, 0, DKG_SHARE_LEN);
	group_scalar_wipe(&e);
	OPENSSL_cleanse(Z, sizeof(Z));
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(pt, sizeof(pt));
	group_point_free(Xj);
	group_point_free(P);
	return r;
}

int
dkg_trustee_sign_share(const struct dkg_trustee *t, uint32_t j,
    uint8_t share[DKG_SHARE_LEN])
{
	uint8_t m[SHARE_MSG_LEN];
	int r;

	if (j < 1 || j > t->p.n || j == t->index)
		return ERR_INVALID_ARG;
	share_sig_msg(&t->p, t->index, j, share, m);
	if ((r = sign_sign(t->sk, SHARE_SIG_TAG, m, sizeof(m),
	    share + SHARE_BODY_LEN)) != 0)
		memset(share + SHARE_BODY_LEN, 0, SIGN_SIG_LEN);
	return r;
}

int
dkg_trustee_share(const struct dkg_trustee *t, uint32_t j, const uint8_t *pub_j,
    size_t pub_len, uint8_t out[DKG_SHARE_LEN])
{
	struct dkg_secrets *z;
	struct scalar s;
	int r;

	memset(out, 0, DKG_SHARE_LEN);
	if (j < 1 || j > t->p.n || j == t->index)
		return ERR_INVALID_ARG;
	z = sec_open(t);
	poly_eval(z->a, t->p.k, j, &s);
	sec_close(t);
	r = dkg_share_encrypt(&t->p, t->index, j, &s, pub_j, pub_len, out);
	group_scalar_wipe(&s);
	if (r == 0 && (r = dkg_trustee_sign_share(t, j, out)) != 0)
		memset(out, 0, DKG_SHARE_LEN);
	return r;
}

/*
 * Opens the share from i to j given the ECDH point Z; checks it against
 * i's commitments.  0 good (s set), ERR_VERIFY bad, other errors.
 */
static int
share_open(const struct dkg_params *p, uint32_t i, uint32_t j,
    const uint8_t *pub_i, const uint8_t *Xj, const uint8_t Z[GROUP_POINT_LEN],
    const uint8_t *share, struct scalar *s)
{
	uint8_t key[32], pt[GROUP_SCALAR_LEN], tag[16];
	int r;

	group_scalar_zero(s);
	if ((r = share_key(p, i, j, Z, share, Xj, key)) != 0)
		return r;
	memcpy(tag, share + GROUP_POINT_LEN + GROUP_SCALAR_LEN, 16);
	r = aead(0, key, i, j, share, share + GROUP_POINT_LEN, pt, tag);
	OPENSSL_cleanse(key, sizeof(key));
	if (r == 0 && group_scalar_decode(s, pt) != 0)
		r = ERR_VERIFY;
	OPENSSL_cleanse(pt, sizeof(pt));
	if (r != 0)
		return r;
	r = share_matches(p, pub_i, j, s);
	if (r == 1)
		return 0;
	group_scalar_wipe(s);
	return r == 0 ? ERR_VERIFY : r;
}

static int
check_share_args(const struct dkg_params *p, uint32_t i, const uint8_t *pub_i,
    size_t pub_len, size_t share_len)
{
	if (i < 1 || i > p->n)
		return ERR_INVALID_ARG;
	if (pub_len != dkg_public_len(p))
		return ERR_INVALID_ARG;
	(void)pub_i;
	if (share_len < DKG_SHARE_LEN)
		return ERR_TRUNCATED;
	if (share_len > DKG_SHARE_LEN)
		return ERR_TRAILING_DATA;
	return 0;
}

int
dkg_trustee_receive(struct dkg_trustee *t, uint32_t i, const uint8_t *pub_i,
    size_t pub_len, const uint8_t *share, size_t len)
{
	struct dkg_secrets *z;
	struct point *E = NULL;
	uint8_t Z[GROUP_POINT_LEN];
	struct scalar s;
	int r;

	if (i == t->index)
		return ERR_INVALID_ARG;
	if ((r = check_share_args(&t->p, i, pub_i, pub_len, len)) != 0)
		return r;
	/* not provably from i: refuse, but a complaint would not stand */
	if (share_sig_check(&t->p, i, t->index, pub_i, share) != 0)
		return ERR_PERM;
	group_scalar_zero(&s);
	if ((E = group_point_new()) == NULL)
		return ERR_NOMEM;
	/* an undecodable E is the sender's fault: complain */
	if (group_point_decode(E, share, GROUP_POINT_LEN, 0) != 0) {
		r = ERR_VERIFY;
		goto out;
	}
	z = sec_open(t);
	r = group_mul(E, &z->x, E);
	sec_close(t);
	if (r != 0 || (r = group_point_encode(E, Z, 0)) != 0)
		goto out;
	if ((r = share_open(&t->p, i, t->index, pub_i, t->X, Z, share,
	    &s)) != 0)
		goto out;
	z = sec_open(t);
	z->recv[i - 1] = s;
	sec_close(t);
	t->have[i - 1] = 1;
out:
	group_scalar_wipe(&s);
	OPENSSL_cleanse(Z, sizeof(Z));
	group_point_free(E);
	return r;
}

int
dkg_share_check_signature(const struct dkg_params *p, uint32_t i, uint32_t j,
    const uint8_t *pub_i, size_t pub_len, const uint8_t *share, size_t len)
{
	int r;

	if (!dkg_params_valid(p) || j < 1 || j > p->n || i == j)
		return ERR_INVALID_ARG;
	if ((r = check_share_args(p, i, pub_i, pub_len, len)) != 0)
		return r;
	return share_sig_check(p, i, j, pub_i, share);
}

int
dkg_trustee_has_share(const struct dkg_trustee *t, uint32_t i)
{
	return i >= 1 && i <= t->p.n && t->have[i - 1];
}

int
dkg_trustee_complain(const struct dkg_trustee *t, uint32_t i,
    const uint8_t *share, size_t len, uint8_t out[DKG_COMPLAINT_LEN])
{
	struct dkg_secrets *z;
	struct point *E = NULL;
	uint8_t lab[8];
	int r;

	memset(out, 0, DKG_COMPLAINT_LEN);
	if (i < 1 || i > t->p.n)
		return ERR_INVALID_ARG;
	if (len != DKG_SHARE_LEN)
		return len < DKG_SHARE_LEN ? ERR_TRUNCATED : ERR_TRAILING_DATA;
	if ((E = group_point_new()) == NULL)
		return ERR_NOMEM;
	/*
	 * An E that does not decode: there is no ECDH point to prove, and
	 * i's signature on it is the whole case (dkg_complaint_check finds
	 * it justified without reading the complaint), so the complaint is
	 * DKG_COMPLAINT_LEN zero bytes.
	 */
	if (group_point_decode(E, share, GROUP_POINT_LEN, 0) != 0) {
		group_point_free(E);
		return 0;
	}
	u32be(lab, i);
	u32be(lab + 4, t->index);
	z = sec_open(t);
	if ((r = group_mul(E, &z->x, E)) != 0 ||
	    (r = group_point_encode(E, out, 0)) != 0 ||
	    (r = proof_dleq_prove(HASH_TAG_DLEQ, t->p.context, lab, sizeof(lab),
	    &z->x, t->X, share, out, out + GROUP_POINT_LEN)) != 0)
		memset(out, 0, DKG_COMPLAINT_LEN);
	sec_close(t);
	group_point_free(E);
	return r;
}

int
dkg_complaint_judge(const struct dkg_params *p, uint32_t i, uint32_t j,
    const uint8_t *pub_i, const uint8_t *pub_j, const uint8_t *share,
    size_t share_len, const uint8_t *complaint, size_t len)
{
	struct point *E = NULL;
	struct scalar s;
	uint8_t lab[8];
	int r;

	if (!dkg_params_valid(p) || j < 1 || j > p->n || i == j)
		return ERR_INVALID_ARG;
	if ((r = check_share_args(p, i, pub_i, dkg_public_len(p),
	    share_len)) != 0)
		return r;
	if (len < DKG_COMPLAINT_LEN)
		return ERR_TRUNCATED;
	if (len > DKG_COMPLAINT_LEN)
		return ERR_TRAILING_DATA;
	/*
	 * First: the share must carry i's signature.  Without it nothing
	 * shows i sent these bytes (j can encrypt anything "from i" to
	 * itself), so the complaint cannot stand.
	 */
	if (share_sig_check(p, i, j, pub_i, share) != 0)
		return ERR_PERM;
	if ((E = group_point_new()) == NULL)
		return ERR_NOMEM;
	/* i signed an E that does not even decode: justified */
	if (group_point_decode(E, share, GROUP_POINT_LEN, 0) != 0) {
		r = 0;
		goto out;
	}
	/* the complainer must prove Z = x_j·E for its published X_j */
	u32be(lab, i);
	u32be(lab + 4, j);
	if ((r = proof_dleq_verify(HASH_TAG_DLEQ, p->context, lab, sizeof(lab),
	    pub_j, share, complaint, complaint + GROUP_POINT_LEN,
	    PROOF_DLEQ_LEN)) != 0) {
		r = ERR_PERM;
		goto out;
	}
	r = share_open(p, i, j, pub_i, pub_j, complaint, share, &s);
	group_scalar_wipe(&s);
	if (r == 0)
		r = ERR_VERIFY;		/* the share was good */
	else if (r == ERR_VERIFY)
		r = 0;			/* it was bad: justified */
out:
	group_point_free(E);
	return r;
}

int
dkg_complaint_check(const struct dkg_params *p, uint32_t i, uint32_t j,
    const uint8_t *pub_i, const uint8_t *pub_j, const uint8_t *share,
    size_t share_len, const uint8_t *complaint, size_t len)
{
	int r = dkg_complaint_judge(p, i, j, pub_i, pub_j, share, share_len,
	    complaint, len);

	return r == ERR_PERM ? ERR_VERIFY : r;
}

/* 1 when qual[0..nq) are distinct indices in 1..n. */
static int
index_set_ok(const struct dkg_params *p, const uint32_t *qual, size_t nq)
{
	size_t a, b;

	for (a = 0; a < nq; a++) {
		if (qual[a] < 1 || qual[a] > p->n)
			return 0;
		for (b = 0; b < a; b++)
			if (qual[a] == qual[b])
				return 0;
	}
	return 1;
}

int
dkg_trustee_finish(struct dkg_trustee *t, const uint32_t *qual, size_t nq)
{
	struct dkg_secrets *z;
	size_t q;
	int self = 0;

	if (nq < t->p.k || !index_set_ok(&t->p, qual, nq))
		return ERR_RANGE;
	for (q = 0; q < nq; q++) {
		if (qual[q] == t->index)
			self = 1;
		else if (!t->have[qual[q] - 1])
			return ERR_WRONG_STATE;
	}
	if (!self)
		return ERR_WRONG_STATE;
	z = sec_open(t);
	poly_eval(z->a, t->p.k, t->index, &z->recv[t->index - 1]);
	t->have[t->index - 1] = 1;
	group_scalar_zero(&z->s);
	for (q = 0; q < nq; q++)
		group_scalar_add(&z->s, &z->s, &z->recv[qual[q] - 1]);
	sec_close(t);
	t->finished = 1;
	return 0;
}

/* 1 when the public message of every qualified trustee is given. */
static int
pubs_present(const uint8_t *const *pubs, const uint32_t *qual, size_t nq)
{
	size_t q;

	if (pubs == NULL)
		return 0;
	for (q = 0; q < nq; q++)
		if (pubs[qual[q] - 1] == NULL)
			return 0;
	return 1;
}

int
dkg_joint_key(const struct dkg_params *p, const uint8_t *const *pubs,
    const uint32_t *qual, size_t nq, struct point *K)
{
	struct point *C;
	size_t q;
	int r = 0;

	if (!dkg_params_valid(p) || nq < p->k || !index_set_ok(p, qual, nq))
		return ERR_RANGE;
	if (!pubs_present(pubs, qual, nq))
		return ERR_INVALID_ARG;
	if ((C = group_point_new()) == NULL)
		return ERR_NOMEM;
	if ((r = group_point_set_infinity(K)) != 0)
		goto out;
	for (q = 0; q < nq; q++) {
		if ((r = group_point_decode(C, pubs[qual[q] - 1] + PUB_ITEM,
		    GROUP_POINT_LEN, 0)) != 0 ||
		    (r = group_point_add(K, K, C)) != 0)
			goto out;
	}
	if (group_point_is_infinity(K))
		r = ERR_RANGE;
out:
	group_point_free(C);
	return r;
}

int
dkg_verification_key(const struct dkg_params *p, const uint8_t *const *pubs,
    const uint32_t *qual, size_t nq, uint32_t j, struct point *Pj)
{
	struct point **C = NULL;
	struct scalar *w = NULL, x, pw;
	size_t q, m = 0;
	uint32_t l;
	int r = ERR_NOMEM;

	if (!dkg_params_valid(p) || nq < p->k || !index_set_ok(p, qual, nq) ||
	    j < 1 || j > p->n)
		return ERR_RANGE;
	if (!pubs_present(pubs, qual, nq))
		return ERR_INVALID_ARG;
	if ((C = group_points_new(nq * p->k)) == NULL ||
	    (w = calloc(nq * p->k, sizeof(*w))) == NULL)
		goto out;
	group_scalar_set_u64(&x, j);
	for (q = 0; q < nq; q++) {
		group_scalar_set_u64(&pw, 1);
		for (l = 0; l < p->k; l++, m++) {
			if ((r = group_point_decode(C[m], pubs[qual[q] - 1] +
			    (size_t)(1 + l) * PUB_ITEM, GROUP_POINT_LEN,
			    0)) != 0)
				goto out;
			w[m] = pw;
			group_scalar_mul(&pw, &pw, &x);
		}
	}
	r = group_msm(Pj, NULL, m, (const struct point *const *)C, w);
out:
	group_points_free(C, nq * p->k);
	free(w);
	return r;
}

int
dkg_decrypt_share(const struct dkg_trustee *t, const uint8_t context[HASH_LEN],
    const struct elgamal_ciphertext *c, uint8_t out[DKG_DSHARE_LEN])
{
	struct dkg_secrets *z;
	struct point *P = NULL;
	uint8_t Pe[GROUP_POINT_LEN], Ae[GROUP_POINT_LEN], lab[4];
	int r;

	memset(out, 0, DKG_DSHARE_LEN);
	if (!t->finished)
		return ERR_WRONG_STATE;
	/* an identity alpha (empty or cancelled aggregate) is decrypted
	 * by nobody: its plaintext point is beta itself */
	if (group_point_is_infinity(c->alpha))
		return ERR_RANGE;
	if ((P = group_point_new()) == NULL)
		return ERR_NOMEM;
	u32be(lab, t->index);
	z = sec_open(t);
	if ((r = group_mul_g(P, &z->s)) != 0 ||
	    (r = group_point_encode(P, Pe, 0)) != 0 ||
	    (r = group_point_encode(c->alpha, Ae, 0)) != 0 ||
	    (r = group_mul(P, &z->s, c->alpha)) != 0 ||
	    (r = group_point_encode(P, out, 0)) != 0 ||
	    (r = proof_dleq_prove(HASH_TAG_DECRYPT, context, lab, sizeof(lab),
	    &z->s, Pe, Ae, out, out + GROUP_POINT_LEN)) != 0)
		memset(out, 0, DKG_DSHARE_LEN);
	sec_close(t);
	group_point_free(P);
	return r;
}

int
dkg_decrypt_share_verify(const uint8_t context[HASH_LEN], uint32_t j,
    const struct point *Pj, const struct elgamal_ciphertext *c,
    const uint8_t *share, size_t len)
{
	uint8_t Pe[GROUP_POINT_LEN], Ae[GROUP_POINT_LEN], lab[4];
	int r;

	if (len < DKG_DSHARE_LEN)
		return ERR_TRUNCATED;
	if (len > DKG_DSHARE_LEN)
		return ERR_TRAILING_DATA;
	if (group_point_is_infinity(c->alpha))
		return ERR_RANGE;
	u32be(lab, j);
	if ((r = group_point_encode(Pj, Pe, 0)) != 0 ||
	    (r = group_point_encode(c->alpha, Ae, 0)) != 0)
		return r;
	return proof_dleq_verify(HASH_TAG_DECRYPT, context, lab, sizeof(lab),
	    Pe, Ae, share, share + GROUP_POINT_LEN, PROOF_DLEQ_LEN);
}

int
dkg_lagrange(const uint32_t *idx, size_t cnt, uint32_t j, struct scalar *w)
{
	struct scalar num, den, a, b;
	size_t q;
	int found = 0;

	group_scalar_set_u64(&num, 1);
	group_scalar_set_u64(&den, 1);
	for (q = 0; q < cnt; q++) {
		size_t o;

		if (idx[q] == 0)
			return ERR_RANGE;
		for (o = 0; o < q; o++)
			if (idx[o] == idx[q])
				return ERR_RANGE;
		if (idx[q] == j) {
			found = 1;
			continue;
		}
		group_scalar_set_u64(&a, idx[q]);
		group_scalar_set_u64(&b, j);
		group_scalar_mul(&num, &num, &a);
		group_scalar_sub(&a, &a, &b);
		if (group_scalar_is_zero(&a))
			return ERR_RANGE;
		group_scalar_mul(&den, &den, &a);
	}
	if (!found)
		return ERR_RANGE;
	group_scalar_inv(&den, &den);
	group_scalar_mul(w, &num, &den);
	return 0;
}

int
dkg_combine(const struct dkg_params *p, const struct elgamal_ciphertext *c,
    const uint32_t *idx, const uint8_t *const *shares, size_t cnt,
    struct point *out)
{
	struct point **M = NULL, *sum = NULL;
	struct scalar *w = NULL;
	size_t q;
	int r = ERR_NOMEM;

	if (!dkg_params_valid(p) || cnt < p->k || !index_set_ok(p, idx, cnt))
		return ERR_RANGE;
	/* no share exists for an identity alpha: m·G is beta */
	if (group_point_is_infinity(c->alpha))
		return ERR_RANGE;
	if (shares == NULL)
		return ERR_INVALID_ARG;
	for (q = 0; q < cnt; q++)
		if (shares[q] == NULL)
			return ERR_INVALID_ARG;
	if ((M = group_points_new(cnt)) == NULL ||
	    (w = calloc(cnt, sizeof(*w))) == NULL ||
	    (sum = group_point_new()) == NULL)
		goto out;
	for (q = 0; q < cnt; q++) {
		if ((r = group_point_decode(M[q], shares[q], GROUP_POINT_LEN,
		    0)) != 0 ||
		    (r = dkg_lagrange(idx, cnt, idx[q], &w[q])) != 0)
			goto out;
	}
	if ((r = group_msm(sum, NULL, cnt, (const struct point *const *)M,
	    w)) != 0)
		goto out;
	r = group_point_sub(out, c->beta, sum);
out:
	group_points_free(M, cnt);
	free(w);
	group_point_free(sum);
	return r;
}

int
dkg_trustee_finished(const struct dkg_trustee *t)
{
	return t->finished;
}

const struct dkg_params *
dkg_trustee_params(const struct dkg_trustee *t)
{
	return &t->p;
}

#define STATE_MAGIC "IPPYODKG"
#define STATE_VERSION 1
/* magic, version, context, n, k, index, finished, seed, x, s */
#define STATE_FIXED (8 + 1 + HASH_LEN + 12 + 1 + SIGN_SEED_LEN + \
	2 * GROUP_SCALAR_LEN)

size_t
dkg_state_len(const struct dkg_params *p)
{
	REQUIRE(dkg_params_valid(p));
	return STATE_FIXED + (size_t)p->k * GROUP_SCALAR_LEN + p->n +
	    (size_t)p->n * GROUP_SCALAR_LEN;
}

static uint32_t
get_u32be(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | b[3];
}

int
dkg_trustee_export(const struct dkg_trustee *t, struct secret **out)
{
	struct dkg_secrets *z;
	struct secret *s = NULL;
	uint8_t *b;
	size_t o = 0, len;
	uint32_t l;
	int r;

	*out = NULL;
	len = dkg_state_len(&t->p);
	if ((r = secret_new(len, &s)) != 0)
		return r;
	b = secret_open(s);
	memcpy(b, STATE_MAGIC, 8);
	b[8] = STATE_VERSION;
	o = 9;
	memcpy(b + o, t->p.context, HASH_LEN);
	o += HASH_LEN;
	u32be(b + o, t->p.n);
	u32be(b + o + 4, t->p.k);
	u32be(b + o + 8, t->index);
	o += 12;
	b[o++] = t->finished ? 1 : 0;
	sign_key_seed(t->sk, b + o);
	o += SIGN_SEED_LEN;
	z = sec_open(t);
	group_scalar_encode(&z->x, b + o);
	o += GROUP_SCALAR_LEN;
	if (t->finished)
		group_scalar_encode(&z->s, b + o);
	o += GROUP_SCALAR_LEN;
	for (l = 0; l < t->p.k; l++, o += GROUP_SCALAR_LEN)
		group_scalar_encode(&z->a[l], b + o);
	for (l = 0; l < t->p.n; l++)
		b[o++] = t->have[l] ? 1 : 0;
	for (l = 0; l < t->p.n; l++, o += GROUP_SCALAR_LEN)
		if (t->have[l])
			group_scalar_encode(&z->recv[l], b + o);
	sec_close(t);
	secret_close(s);
	REQUIRE(o == len);
	*out = s;
	return 0;
}

int
dkg_trustee_import(struct secret *in, struct dkg_trustee **out)
{
	struct dkg_trustee *t = NULL;
	struct dkg_secrets *z;
	struct point *X = NULL;
	struct dkg_params p;
	const uint8_t *b;
	size_t len, o, want;
	uint32_t index, l;
	int r = ERR_INTERNAL, zopen = 0;

	*out = NULL;
	len = secret_len(in);
	b = secret_open(in);
	if (len < 9 + HASH_LEN + 12) {
		r = ERR_TRUNCATED;
		goto out;
	}
	if (CRYPTO_memcmp(b, STATE_MAGIC, 8) != 0) {
		r = ERR_FORMAT;
		goto out;
	}
	if (b[8] != STATE_VERSION) {
		r = ERR_UNSUPPORTED;
		goto out;
	}
	memcpy(p.context, b + 9, HASH_LEN);
	o = 9 + HASH_LEN;
	p.n = get_u32be(b + o);
	p.k = get_u32be(b + o + 4);
	index = get_u32be(b + o + 8);
	o += 12;
	if (!dkg_params_valid(&p) || index < 1 || index > p.n) {
		r = ERR_RANGE;
		goto out;
	}
	want = dkg_state_len(&p);
	if (len != want) {
		r = len < want ? ERR_TRUNCATED : ERR_TRAILING_DATA;
		goto out;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	t->p = p;
	t->index = index;
	if ((r = secret_new((sizeof(struct dkg_secrets) + 63) & ~(size_t)63,
	    &t->sec)) != 0)
		goto out;
	if (b[o] > 1) {
		r = ERR_FORMAT;
		goto out;
	}
	t->finished = b[o++];
	if ((r = sign_key_from_seed(b + o, &t->sk)) != 0)
		goto out;
	sign_key_public(t->sk, t->spk);
	o += SIGN_SEED_LEN;
	z = sec_open(t);
	zopen = 1;
	r = ERR_FORMAT;
	if (group_scalar_decode(&z->x, b + o) != 0 ||
	    group_scalar_is_zero(&z->x) ||
	    group_scalar_decode(&z->s, b + o + GROUP_SCALAR_LEN) != 0)
		goto out;
	o += 2 * GROUP_SCALAR_LEN;
	for (l = 0; l < p.k; l++, o += GROUP_SCALAR_LEN)
		if (group_scalar_decode(&z->a[l], b + o) != 0)
			goto out;
	for (l = 0; l < p.n; l++) {
		if (b[o + l] > 1)
			goto out;
		t->have[l] = b[o + l];
	}
	o += p.n;
	for (l = 0; l < p.n; l++, o += GROUP_SCALAR_LEN)
		if (group_scalar_decode(&z->recv[l], b + o) != 0 ||
		    t->have[l] == group_scalar_is_zero(&z->recv[l]))
			goto out;
	/* a finished state holds its own share; an unfinished one no s */
	if (t->finished ? !t->have[index - 1] :
	    !group_scalar_is_zero(&z->s))
		goto out;
	if ((X = group_point_new()) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if ((r = group_mul_g(X, &z->x)) != 0 ||
	    (r = group_point_encode(X, t->X, 0)) != 0)
		goto out;
	sec_close(t);
	zopen = 0;
	*out = t;
	t = NULL;
	r = 0;
out:
	if (zopen)
		sec_close(t);
	secret_close(in);
	group_point_free(X);
	dkg_trustee_free(t);
	return r;
}
