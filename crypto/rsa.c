/*
 * rsa.c - RSA PKCS#1 v1.5 signing and verification through OpenSSL 3 EVP.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "core/err.h"
#include "core/misuse.h"
#include "crypto/rsa.h"
#include "crypto/rsa_int.h"

static const uint8_t rsa_sha256_prefix[19] = {
	0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
	0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20
};

/* 0 when pkey is RSA of an allowed size with e >= 65537. */
static int
rsa_check_evp(const EVP_PKEY *pkey)
{
	int r = ERR_UNSUPPORTED, bits;
	BIGNUM *e = NULL;

	if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA)
		return ERR_UNSUPPORTED;
	bits = EVP_PKEY_get_bits(pkey);
	if (bits < RSA_BITS_MIN || bits > RSA_BITS_MAX)
		return ERR_UNSUPPORTED;
	if (!EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e))
		return ERR_CRYPTO;
	if (BN_is_odd(e) && BN_num_bits(e) >= 17)
		r = 0;
	BN_free(e);
	return r;
}

int
rsa_key_from_der(const uint8_t *der, size_t len, struct rsa_key **out)
{
	int r = ERR_INTERNAL;
	const unsigned char *p = der;
	EVP_PKEY *pkey = NULL;
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	struct rsa_key *k = NULL;

	*out = NULL;
	if (len == 0 || len > 16384)
		return ERR_FORMAT;
	if ((p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)len)) == NULL ||
	    p != der + len) {
		r = ERR_FORMAT;
		goto out;
	}
	if ((pkey = EVP_PKCS82PKEY(p8)) == NULL) {
		r = ERR_FORMAT;
		goto out;
	}
	if ((r = rsa_check_evp(pkey)) != 0)
		goto out;
	if ((k = calloc(1, sizeof(*k))) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	k->pkey = pkey;
	pkey = NULL;
	*out = k;
	r = 0;
 out:
	EVP_PKEY_free(pkey);
	PKCS8_PRIV_KEY_INFO_free(p8);
	return r;
}

void
rsa_key_free(struct rsa_key *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pkey);	/* OpenSSL clears RSA private material */
	free(k);
}

size_t
rsa_key_size(const struct rsa_key *k)
{
	return (size_t)EVP_PKEY_get_size(k->pkey);
}

int
rsa_pub_from_evp(EVP_PKEY *pkey, struct rsa_pub **out)
{
	int r = ERR_INTERNAL;
	struct rsa_pub *p;

	*out = NULL;
	if ((r = rsa_check_evp(pkey)) != 0)
		return r;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return ERR_NOMEM;
	if (!EVP_PKEY_up_ref(pkey)) {
		free(p);
		return ERR_CRYPTO;
	}
	p->pkey = pkey;
	*out = p;
	return 0;
}

int
rsa_key_pub(const struct rsa_key *k, struct rsa_pub **out)
{
	int r = ERR_INTERNAL;
	uint8_t *der = NULL;
	int n;

	*out = NULL;
	/* Round-trip through SPKI so the result holds no private part. */
	if ((n = i2d_PUBKEY(k->pkey, &der)) <= 0)
		return ERR_CRYPTO;
	r = rsa_pub_from_der(der, (size_t)n, out);
	OPENSSL_free(der);
	return r;
}

int
rsa_sign_pkcs1(const struct rsa_key *k, const uint8_t *in, size_t inlen,
    uint8_t *sig, size_t sigmax, size_t *siglen)
{
	int r = ERR_INTERNAL;
	EVP_PKEY_CTX *ctx = NULL;
	size_t ks = rsa_key_size(k), n = sigmax;

	*siglen = 0;
	if (inlen == 0 || inlen > ks - 11)
		return ERR_INVALID_ARG;
	if (sigmax < ks)
		return ERR_TOO_LARGE;
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL)) == NULL ||
	    EVP_PKEY_sign_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0 ||
	    EVP_PKEY_sign(ctx, sig, &n, in, inlen) <= 0 || n != ks) {
		r = ERR_CRYPTO;
		goto out;
	}
	*siglen = n;
	r = 0;
 out:
	EVP_PKEY_CTX_free(ctx);
	return r;
}

int
rsa_pub_from_der(const uint8_t *der, size_t len, struct rsa_pub **out)
{
	int r = ERR_INTERNAL;
	const unsigned char *p = der;
	EVP_PKEY *pkey = NULL;

	*out = NULL;
	if (len == 0 || len > 4096)
		return ERR_FORMAT;
	if ((pkey = d2i_PUBKEY(NULL, &p, (long)len)) == NULL ||
	    p != der + len) {
		r = ERR_FORMAT;
		goto out;
	}
	r = rsa_pub_from_evp(pkey, out);
 out:
	EVP_PKEY_free(pkey);
	return r;
}

void
rsa_pub_free(struct rsa_pub *p)
{
	if (p == NULL)
		return;
	EVP_PKEY_free(p->pkey);
	free(p);
}

size_t
rsa_pub_size(const struct rsa_pub *p)
{
	return (size_t)EVP_PKEY_get_size(p->pkey);
}

int
rsa_verify_pkcs1(const struct rsa_pub *p, const uint8_t *in, size_t inlen,
    const uint8_t *sig, size_t siglen)
{
	int r = ERR_VERIFY;
	EVP_PKEY_CTX *ctx = NULL;
	uint8_t rec[RSA_SIG_MAX];
	size_t n = sizeof(rec);

	/*
	 * Recover the padded-out message and compare it whole: OpenSSL
	 * checks the type-01 padding strictly; we check that what it
	 * covers is exactly in, not merely starts with it.
	 */
	if (siglen != rsa_pub_size(p) || inlen == 0 || inlen > sizeof(rec))
		return ERR_VERIFY;
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, p->pkey, NULL)) == NULL ||
	    EVP_PKEY_verify_recover_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0 ||
	    EVP_PKEY_verify_recover(ctx, rec, &n, sig, siglen) <= 0)
		goto out;
	if (n == inlen && CRYPTO_memcmp(rec, in, inlen) == 0)
		r = 0;
 out:
	OPENSSL_cleanse(rec, sizeof(rec));
	EVP_PKEY_CTX_free(ctx);
	return r;
}

int
rsa_verify_sha256(const struct rsa_pub *p, const uint8_t *msg, size_t len,
    const uint8_t *sig, size_t siglen)
{
	uint8_t h[RSA_SHA256_LEN], di[RSA_DIGESTINFO_SHA256_LEN];

	if (rsa_sha256(msg, len, h) != 0)
		return ERR_VERIFY;
	rsa_digestinfo_sha256(h, di);
	return rsa_verify_pkcs1(p, di, sizeof(di), sig, siglen);
}

int
rsa_sha256(const void *p, size_t n, uint8_t out[RSA_SHA256_LEN])
{
	unsigned int len = 0;

	if (!EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) ||
	    len != RSA_SHA256_LEN)
		return ERR_CRYPTO;
	return 0;
}

void
rsa_digestinfo_sha256(const uint8_t hash[RSA_SHA256_LEN],
    uint8_t out[RSA_DIGESTINFO_SHA256_LEN])
{
	memcpy(out, rsa_sha256_prefix, sizeof(rsa_sha256_prefix));
	memcpy(out + sizeof(rsa_sha256_prefix), hash, RSA_SHA256_LEN);
}

int
rsa_key_generate(unsigned bits, struct rsa_key **out)
{
	EVP_PKEY *pkey;
	struct rsa_key *k;

	*out = NULL;
	if (bits < RSA_BITS_MIN || bits > RSA_BITS_MAX)
		return ERR_INVALID_ARG;
	if ((pkey = EVP_RSA_gen(bits)) == NULL)
		return ERR_CRYPTO;
	if ((k = calloc(1, sizeof(*k))) == NULL) {
		EVP_PKEY_free(pkey);
		return ERR_NOMEM;
	}
	k->pkey = pkey;
	*out = k;
	return 0;
}

int
rsa_key_to_der(const struct rsa_key *k, uint8_t **der, size_t *len)
{
	int r = ERR_INTERNAL, n;
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	uint8_t *tmp = NULL;

	*der = NULL;
	*len = 0;
	if ((p8 = EVP_PKEY2PKCS8(k->pkey)) == NULL ||
	    (n = i2d_PKCS8_PRIV_KEY_INFO(p8, &tmp)) <= 0) {
		r = ERR_CRYPTO;
		goto out;
	}
	if ((*der = malloc((size_t)n)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	memcpy(*der, tmp, (size_t)n);
	*len = (size_t)n;
	r = 0;
 out:
	if (tmp != NULL)
		OPENSSL_clear_free(tmp, (size_t)n);
	PKCS8_PRIV_KEY_INFO_free(p8);
	return r;
}

int
rsa_pub_to_der(const struct rsa_pub *p, uint8_t **der, size_t *len)
{
	uint8_t *tmp = NULL;
	int n;

	*der = NULL;
	*len = 0;
	if ((n = i2d_PUBKEY(p->pkey, &tmp)) <= 0)
		return ERR_CRYPTO;
	if ((*der = malloc((size_t)n)) == NULL) {
		OPENSSL_free(tmp);
		return ERR_NOMEM;
	}
	memcpy(*der, tmp, (size_t)n);
	*len = (size_t)n;
	OPENSSL_free(tmp);
	return 0;
}
