/*
 * rand.c - OS randomness with a deterministic hook for tests.
 *
 * Test generator: state = SHA-256("ippyo/test-drbg/v1" || seed); block i
 * (i = 0, 1, ...) = SHA-256(state || u64be(i)); output is the
 * concatenation of the blocks.  Trivial to reimplement in JavaScript.
 */
#include <pthread.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "core/err.h"
#include "crypto/rand.h"

#define TEST_DRBG_LABEL "ippyo/test-drbg/v1"

static pthread_mutex_t test_lock = PTHREAD_MUTEX_INITIALIZER;
static int test_on;			/* a test generator is installed */
static uint8_t test_state[32];		/* SHA-256(label || seed) */
static uint64_t test_counter;		/* next block index */
static uint8_t test_block[32];		/* the current block */
static size_t test_used = 32;		/* bytes of test_block consumed */

void
rand_test_seed(const void *seed, size_t len)
{
	uint8_t *buf = OPENSSL_malloc(sizeof(TEST_DRBG_LABEL) - 1 + len + 1);

	if (buf == NULL)
		return;
	memcpy(buf, TEST_DRBG_LABEL, sizeof(TEST_DRBG_LABEL) - 1);
	if (len > 0)
		memcpy(buf + sizeof(TEST_DRBG_LABEL) - 1, seed, len);
	pthread_mutex_lock(&test_lock);
	SHA256(buf, sizeof(TEST_DRBG_LABEL) - 1 + len, test_state);
	test_counter = 0;
	test_used = sizeof(test_block);
	test_on = 1;
	pthread_mutex_unlock(&test_lock);
	OPENSSL_free(buf);
}

void
rand_test_clear(void)
{
	pthread_mutex_lock(&test_lock);
	test_on = 0;
	OPENSSL_cleanse(test_state, sizeof(test_state));
	OPENSSL_cleanse(test_block, sizeof(test_block));
	test_used = sizeof(test_block);
	pthread_mutex_unlock(&test_lock);
}

int
rand_test_active(void)
{
	int on;

	pthread_mutex_lock(&test_lock);
	on = test_on;
	pthread_mutex_unlock(&test_lock);
	return on;
}

/* Next n bytes of the test stream; called with test_lock held. */
static void
test_fill(uint8_t *out, size_t n)
{
	uint8_t in[40];
	size_t take;
	int i;

	while (n > 0) {
		if (test_used == sizeof(test_block)) {
			memcpy(in, test_state, 32);
			for (i = 0; i < 8; i++)
				in[32 + i] = (uint8_t)(test_counter >> (56 - 8 * i));
			SHA256(in, sizeof(in), test_block);
			test_counter++;
			test_used = 0;
		}
		take = sizeof(test_block) - test_used;
		if (take > n)
			take = n;
		memcpy(out, test_block + test_used, take);
		test_used += take;
		out += take;
		n -= take;
	}
}

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
	pthread_mutex_lock(&test_lock);
	if (test_on) {
		test_fill(buf, n);
		pthread_mutex_unlock(&test_lock);
		return 0;
	}
	pthread_mutex_unlock(&test_lock);
	return rand_os_bytes(buf, n);
}
