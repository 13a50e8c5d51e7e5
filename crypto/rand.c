/*
 * rand.c - the one random source: OpenSSL's private DRBG.
 *
 * The deterministic test generator is not here: it lives in the test kit
 * (tests/harness/testrand.c, linked only into tests and test tools).
 * rand_bytes() asks it first through rand_testkit_fill, a WEAK symbol:
 * in a binary without the test kit the symbol is undefined, its address
 * is NULL, and rand_bytes has no way to take bytes from anywhere but
 * RAND_priv_bytes.  Nothing in a production library can install it.
 */
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "core/err.h"
#include "crypto/rand.h"

/*
 * Defined only by the test kit: fills buf and returns 1 while a test
 * generator is installed, else returns 0 without touching buf.
 */
int rand_testkit_fill(void *buf, size_t n) __attribute__((weak));

int
rand_os_bytes(void *buf, size_t n)
{
	if (n == 0)
		return 0;
	if (n > 0x7fffffff || RAND_priv_bytes(buf, (int)n) != 1) {
		OPENSSL_cleanse(buf, n);
		return ERR_RNG;
	}
	return 0;
}

int
rand_bytes(void *buf, size_t n)
{
	if (rand_testkit_fill != NULL && rand_testkit_fill(buf, n))
		return 0;
	return rand_os_bytes(buf, n);
}
