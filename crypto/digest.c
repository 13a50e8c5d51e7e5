/*
 * digest.c - SHA-256 through libsodium.
 */
#include <stdlib.h>

#include <sodium.h>

#include "core/misuse.h"
#include "crypto/digest.h"

struct digest {
	crypto_hash_sha256_state st;	/* running state */
};

struct digest *
digest_new(void)
{
	struct digest *d;

	if (sodium_init() < 0 || (d = malloc(sizeof(*d))) == NULL)
		return NULL;
	crypto_hash_sha256_init(&d->st);
	return d;
}

void
digest_put(struct digest *d, const void *p, size_t n)
{
	REQUIRE(d != NULL && (p != NULL || n == 0));
	if (n > 0)
		crypto_hash_sha256_update(&d->st, p, n);
}

void
digest_put_u32(struct digest *d, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 8), (uint8_t)v };

	digest_put(d, b, sizeof(b));
}

void
digest_put_u64(struct digest *d, uint64_t v)
{
	digest_put_u32(d, (uint32_t)(v >> 32));
	digest_put_u32(d, (uint32_t)v);
}

void
digest_put_string(struct digest *d, const void *p, size_t n)
{
	REQUIRE(n <= UINT32_MAX);
	digest_put_u32(d, (uint32_t)n);
	digest_put(d, p, n);
}

void
digest_final(struct digest *d, uint8_t out[DIGEST_LEN])
{
	REQUIRE(d != NULL && out != NULL);
	crypto_hash_sha256_final(&d->st, out);
	free(d);
}

void
digest_free(struct digest *d)
{
	if (d == NULL)
		return;
	sodium_memzero(d, sizeof(*d));
	free(d);
}

void
digest_sha256(const void *p, size_t n, uint8_t out[DIGEST_LEN])
{
	REQUIRE(out != NULL && (p != NULL || n == 0));
	if (sodium_init() < 0)
		MISUSE("libsodium failed to initialise");
	crypto_hash_sha256(out, p != NULL ? p : (const void *)"", n);
}
