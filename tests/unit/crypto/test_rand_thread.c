/*
 * test_rand_thread.c - the per-thread test generator (crypto/rand.h):
 * the same stream as the process-wide one for the same seed, taking
 * precedence in its thread only, and independent of other threads.
 */
#include <pthread.h>
#include <string.h>

#include "core/err.h"
#include "crypto/rand.h"
#include "tests/harness/test.h"

struct draw {
	int thread_seed;	/* seed a stream of its own first */
	uint8_t out[96];	/* what it drew */
};

static void *
drawer(void *arg)
{
	struct draw *d = arg;

	if (d->thread_seed)
		rand_test_seed_thread("b", 1);
	if (rand_bytes(d->out, sizeof(d->out)) != 0)
		memset(d->out, 0, sizeof(d->out));
	rand_test_clear_thread();
	return NULL;
}

TEST(rand_thread_stream_matches_global_construction)
{
	uint8_t a[100], b[100];

	rand_test_seed("seed-x", 6);
	ASSERT_OK(rand_bytes(a, 37));
	ASSERT_OK(rand_bytes(a + 37, 63));
	rand_test_clear();
	rand_test_seed_thread("seed-x", 6);
	ASSERT_TRUE(rand_test_active());
	ASSERT_OK(rand_bytes(b, 100));
	rand_test_clear_thread();
	ASSERT_FALSE(rand_test_active());
	ASSERT_MEM_EQ(a, b, 100);
}

TEST(rand_thread_stream_is_per_thread)
{
	struct draw d1, d2, ref;
	pthread_t t1, t2;

	memset(&d1, 0, sizeof(d1));
	memset(&d2, 0, sizeof(d2));
	d1.thread_seed = 1;
	rand_test_seed("a", 1);
	/* This thread's stream does not disturb the global one. */
	rand_test_seed_thread("c", 1);
	ASSERT_INT_EQ(pthread_create(&t1, NULL, drawer, &d1), 0);
	ASSERT_INT_EQ(pthread_join(t1, NULL), 0);
	ASSERT_INT_EQ(pthread_create(&t2, NULL, drawer, &d2), 0);
	ASSERT_INT_EQ(pthread_join(t2, NULL), 0);
	rand_test_clear_thread();
	/* d2 read the global stream from its start. */
	rand_test_seed("a", 1);
	ASSERT_OK(rand_bytes(ref.out, sizeof(ref.out)));
	ASSERT_MEM_EQ(d2.out, ref.out, sizeof(ref.out));
	/* d1 read stream "b". */
	rand_test_seed("b", 1);
	ASSERT_OK(rand_bytes(ref.out, sizeof(ref.out)));
	ASSERT_MEM_EQ(d1.out, ref.out, sizeof(ref.out));
	rand_test_clear();
}
