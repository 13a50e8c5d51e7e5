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

/* One deterministic stream (docs/PROTOCOL-crypto.md §2). */
struct test_drbg {
	int on;				/* installed */
	uint8_t state[32];		/* SHA-256(label || seed) */
	uint64_t counter;		/* next block index */
	uint8_t block[32];		/* the current block */
	size_t used;			/* bytes of block consumed */
};

static pthread_mutex_t test_lock = PTHREAD_MUTEX_INITIALIZER;
static struct test_drbg test_global = { .used = 32 };	/* under test_lock */
/* The calling thread's own stream, which takes precedence. */
static _Thread_local struct test_drbg test_thread = { .used = 32 };

/*
 * Sets g to the stream of seed: state = SHA-256(label || seed).  Short
 * seeds are framed on the stack; on allocation failure g is unchanged.
 */
static void
drbg_seed(struct test_drbg *g, const void *seed, size_t len)
{
	uint8_t local[sizeof(TEST_DRBG_LABEL) - 1 + 64];
	uint8_t *buf = local;
	size_t ll = sizeof(TEST_DRBG_LABEL) - 1;

	if (len > sizeof(local) - ll &&
	    (buf = OPENSSL_malloc(ll + len)) == NULL)
		return;
	memcpy(buf, TEST_DRBG_LABEL, ll);
	if (len > 0)
		memcpy(buf + ll, seed, len);
	SHA256(buf, ll + len, g->state);
	OPENSSL_cleanse(buf, ll + len);
	if (buf != local)
		OPENSSL_free(buf);
	g->counter = 0;
	g->used = sizeof(g->block);
	g->on = 1;
}

static void
drbg_clear(struct test_drbg *g)
{
	OPENSSL_cleanse(g, sizeof(*g));
	g->used = sizeof(g->block);
}

void
rand_test_seed(const void *seed, size_t len)
{
	pthread_mutex_lock(&test_lock);
	drbg_seed(&test_global, seed, len);
	pthread_mutex_unlock(&test_lock);
}

void
rand_test_clear(void)
{
	pthread_mutex_lock(&test_lock);
	drbg_clear(&test_global);
	pthread_mutex_unlock(&test_lock);
}

void
rand_test_seed_thread(const void *seed, size_t len)
{
	drbg_seed(&test_thread, seed, len);
}

void
rand_test_clear_thread(void)
{
	drbg_clear(&test_thread);
}

int
rand_test_active(void)
{
	int on;

	if (test_thread.on)
		return 1;
	pthread_mutex_lock(&test_lock);
	on = test_global.on;
	pthread_mutex_unlock(&test_lock);
	return on;
}

/* Next n bytes of stream g. */
static void
test_fill(struct test_drbg *g, uint8_t *out, size_t n)
{
	uint8_t in[40];
	size_t take;
	int i;

	while (n > 0) {
		if (g->used == sizeof(g->block)) {
			memcpy(in, g->state, 32);
			for (i = 0; i < 8; i++)
				in[32 + i] = (uint8_t)(g->counter >> (56 - 8 * i));
			SHA256(in, sizeof(in), g->block);
			g->counter++;
			g->used = 0;
		}
		take = sizeof(g->block) - g->used;
		if (take > n)
			take = n;
		memcpy(out, g->block + g->used, take);
		g->used += take;
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
	if (test_thread.on) {
		test_fill(&test_thread, buf, n);
		return 0;
	}
	pthread_mutex_lock(&test_lock);
	if (test_global.on) {
		test_fill(&test_global, buf, n);
		pthread_mutex_unlock(&test_lock);
		return 0;
	}
	pthread_mutex_unlock(&test_lock);
	return rand_os_bytes(buf, n);
}
