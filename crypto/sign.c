/*
 * sign.c - domain-separated Ed25519 (libsodium).
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/err.h"
#include "core/misuse.h"
#include "crypto/secret.h"
#include "crypto/sign.h"

#define SIGN_DOMAIN "ippyo-sig-v1"

struct sign_key {
	struct secret *sk;	/* libsodium's 64-byte secret key (seed || pk) */
	uint8_t pk[SIGN_PUBLIC_LEN];	/* public key */
};

_Static_assert(crypto_sign_PUBLICKEYBYTES == SIGN_PUBLIC_LEN, "pk size");
_Static_assert(crypto_sign_BYTES == SIGN_SIG_LEN, "sig size");
_Static_assert(crypto_sign_SEEDBYTES == SIGN_SEED_LEN, "seed size");

static int
tag_ok(const char *tag)
{
	size_t i, n;

	if (tag == NULL || (n = strlen(tag)) == 0 || n > SIGN_TAG_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char c = tag[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

/* Builds the domain-separated message; caller frees *out. */
static int
framed(const char *tag, const uint8_t *msg, size_t len, uint8_t **out,
    size_t *outlen)
{
	size_t dl = sizeof(SIGN_DOMAIN) - 1, tl = strlen(tag), n;
	uint8_t *p;

	*out = NULL;
	if (len > SIZE_MAX - dl - 1 - tl)
		return ERR_TOO_LARGE;
	n = dl + 1 + tl + len;
	if ((p = malloc(n)) == NULL)
		return ERR_NOMEM;
	memcpy(p, SIGN_DOMAIN, dl);
	p[dl] = (uint8_t)tl;
	memcpy(p + dl + 1, tag, tl);
	if (len > 0)
		memcpy(p + dl + 1 + tl, msg, len);
	*out = p;
	*outlen = n;
	return 0;
}

int
sign_key_from_seed(const uint8_t seed[SIGN_SEED_LEN], struct sign_key **out)
{
	struct sign_key *k = NULL;
	int r = ERR_INTERNAL;

	REQUIRE(seed != NULL && out != NULL);
	*out = NULL;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return ERR_NOMEM;
	if ((r = secret_new(crypto_sign_SECRETKEYBYTES, &k->sk)) != 0)
		goto out;
	if (crypto_sign_seed_keypair(k->pk, secret_open(k->sk), seed) != 0) {
		secret_close(k->sk);
		r = ERR_CRYPTO;
		goto out;
	}
	secret_close(k->sk);
	*out = k;
	k = NULL;
	r = 0;
 out:
	sign_key_free(k);
	return r;
}

int
sign_key_generate(struct sign_key **out)
{
	uint8_t seed[SIGN_SEED_LEN];
	int r;

	REQUIRE(out != NULL);
	*out = NULL;
	if ((r = crypto_sodium_ready()) != 0)
		return r;
	randombytes_buf(seed, sizeof(seed));
	r = sign_key_from_seed(seed, out);
	secret_wipe(seed, sizeof(seed));
	return r;
}

void
sign_key_seed(struct sign_key *k, uint8_t seed[SIGN_SEED_LEN])
{
	REQUIRE(k != NULL && seed != NULL);
	/* libsodium's secret key is seed || public key. */
	memcpy(seed, secret_open(k->sk), SIGN_SEED_LEN);
	secret_close(k->sk);
}

void
sign_key_free(struct sign_key *k)
{
	if (k == NULL)
		return;
	secret_free(k->sk);
	free(k);
}

void
sign_key_public(const struct sign_key *k, uint8_t pk[SIGN_PUBLIC_LEN])
{
	REQUIRE(k != NULL && pk != NULL);
	memcpy(pk, k->pk, SIGN_PUBLIC_LEN);
}

int
sign_sign(struct sign_key *k, const char *tag, const uint8_t *msg,
    size_t len, uint8_t sig[SIGN_SIG_LEN])
{
	uint8_t *m = NULL;
	size_t mlen = 0;
	int r = ERR_INTERNAL;

	REQUIRE(k != NULL && sig != NULL && (msg != NULL || len == 0));
	memset(sig, 0, SIGN_SIG_LEN);
	if (!tag_ok(tag))
		return ERR_INVALID_ARG;
	if ((r = framed(tag, msg, len, &m, &mlen)) != 0)
		return r;
	r = crypto_sign_detached(sig, NULL, m, mlen, secret_open(k->sk)) == 0 ?
	    0 : ERR_CRYPTO;
	secret_close(k->sk);
	free(m);
	return r;
}

int
sign_verify(const uint8_t pk[SIGN_PUBLIC_LEN], const char *tag,
    const uint8_t *msg, size_t len, const uint8_t sig[SIGN_SIG_LEN])
{
	uint8_t *m = NULL;
	size_t mlen = 0;
	int r;

	REQUIRE(pk != NULL && sig != NULL && (msg != NULL || len == 0));
	if (!tag_ok(tag))
		return ERR_VERIFY;
	if (crypto_sodium_ready() != 0)
		return ERR_CRYPTO;
	if ((r = framed(tag, msg, len, &m, &mlen)) != 0)
		return r == ERR_NOMEM ? r : ERR_VERIFY;
	r = crypto_sign_verify_detached(sig, m, mlen, pk) == 0 ? 0 : ERR_VERIFY;
	free(m);
	return r;
}
