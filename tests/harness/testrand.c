/*
 * testrand.c - the deterministic test generator (see testrand.h).
 *
 * Lives in the test kit so that no production binary contains it: the
 * only way in is rand_testkit_fill, which crypto/rand.c declares weak.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/hash.h"
#include "crypto/rand.h"
#include "tests/harness/testrand.h"

#define TEST_DRBG_LABEL "ippyo/test-drbg/v1"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int on;			/* a generator is installed */
static uint8_t state[32];	/* SHA-256(label || seed) */
static uint64_t counter;	/* next block index */
static uint8_t block[32];	/* the current block */
static size_t used = 32;	/* bytes of block consumed */

/* The calling thread's own stream (rand_test_seed_thread), taking
 * precedence over the shared one; same construction, no lock. */
static _Thread_local int t_on;
static _Thread_local uint8_t t_state[32], t_block[32];
static _Thread_local uint64_t t_counter;
static _Thread_local size_t t_used = 32;


void
rand_test_seed(const void *seed, size_t len)
{
	size_t ll = sizeof(TEST_DRBG_LABEL) - 1;
	uint8_t *buf = malloc(ll + len);

	if (buf == NULL)
		abort();	/* a test cannot go on without its stream */
	memcpy(buf, TEST_DRBG_LABEL, ll);
	if (len > 0)
		memcpy(buf + ll, seed, len);
	pthread_mutex_lock(&lock);
	hash_sha256(buf, ll + len, state);
	counter = 0;
	used = sizeof(block);
	on = 1;
	pthread_mutex_unlock(&lock);
	free(buf);
}

void
rand_test_clear(void)
{
	pthread_mutex_lock(&lock);
	on = 0;
	memset(state, 0, sizeof(state));
	memset(block, 0, sizeof(block));
	used = sizeof(block);
	pthread_mutex_unlock(&lock);
}

int
rand_test_active(void)
{
	int r;

	if (t_on)
		return 1;
	pthread_mutex_lock(&lock);
	r = on;
	pthread_mutex_unlock(&lock);
	return r;
}

void
rand_test_seed_thread(const void *seed, size_t len)
{
	size_t ll = sizeof(TEST_DRBG_LABEL) - 1;
	uint8_t *buf = malloc(ll + len);

	if (buf == NULL)
		abort();
	memcpy(buf, TEST_DRBG_LABEL, ll);
	if (len > 0)
		memcpy(buf + ll, seed, len);
	hash_sha256(buf, ll + len, t_state);
	free(buf);
	t_counter = 0;
	t_used = sizeof(t_block);
	t_on = 1;
}

void
rand_test_clear_thread(void)
{
	t_on = 0;
	memset(t_state, 0, sizeof(t_state));
	memset(t_block, 0, sizeof(t_block));
	t_used = sizeof(t_block);
}

static void
stream_fill(const uint8_t st[32], uint64_t *ctr, uint8_t blk[32],
    size_t *usedp, uint8_t *out, size_t n)
{
	uint8_t in[40];
	size_t take;
	int i;

	while (n > 0) {
		if (*usedp == 32) {
			memcpy(in, st, 32);
			for (i = 0; i < 8; i++)
				in[32 + i] = (uint8_t)(*ctr >> (56 - 8 * i));
			hash_sha256(in, sizeof(in), blk);
			(*ctr)++;
			*usedp = 0;
		}
		take = 32 - *usedp;
		if (take > n)
			take = n;
		memcpy(out, blk + *usedp, take);
		*usedp += take;
		out += take;
		n -= take;
	}
}

int
rand_testkit_fill(void *buf, size_t n)
{
	uint8_t in[40], *out = buf;
	size_t take;
	int i;

	if (t_on) {
		stream_fill(t_state, &t_counter, t_block, &t_used, buf, n);
		return 1;
	}
	pthread_mutex_lock(&lock);
	if (!on) {
		pthread_mutex_unlock(&lock);
		return 0;
	}
	while (n > 0) {
		if (used == sizeof(block)) {
			memcpy(in, state, 32);
			for (i = 0; i < 8; i++)
				in[32 + i] = (uint8_t)(counter >> (56 - 8 * i));
			hash_sha256(in, sizeof(in), block);
			counter++;
			used = 0;
		}
		take = sizeof(block) - used;
		if (take > n)
			take = n;
		memcpy(out, block + used, take);
		used += take;
		out += take;
		n -= take;
	}
	pthread_mutex_unlock(&lock);
	return 1;
}
