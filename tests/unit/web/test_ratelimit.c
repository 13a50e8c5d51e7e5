/*
 * test_ratelimit.c - fixed windows with a pinned clock; bounded memory.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/limits.h"
#include "tests/harness/test.h"
#include "web/ratelimit.h"

#define T0 1795000000000000LL	/* a pinned "now", microseconds */
#define SEC 1000000LL

TEST(ratelimit_allows_limit_then_refuses_with_retry_after)
{
	struct ratelimit *rl = NULL;
	uint32_t retry = 99;
	int i;

	clock_pin_us(T0);
	ASSERT_OK(ratelimit_new(16, LIMIT_RATE_BALLOTS_PER_VOTER,
	    LIMIT_RATE_WINDOW_S, &rl));
	for (i = 0; i < LIMIT_RATE_BALLOTS_PER_VOTER; i++) {
		ASSERT_OK(ratelimit_hit(rl, "serial:0a1b", &retry));
		ASSERT_INT_EQ(retry, 0);
	}
	ASSERT_ERR(ratelimit_hit(rl, "serial:0a1b", &retry), ERR_RATE_LIMITED);
	ASSERT_INT_EQ(retry, LIMIT_RATE_WINDOW_S);
	/* Another key is untouched. */
	ASSERT_OK(ratelimit_hit(rl, "serial:ffff", NULL));
	/* 20.5 s later: 40 s (rounded up) to wait. */
	clock_pin_us(T0 + 20 * SEC + SEC / 2);
	ASSERT_ERR(ratelimit_hit(rl, "serial:0a1b", &retry), ERR_RATE_LIMITED);
	ASSERT_INT_EQ(retry, LIMIT_RATE_WINDOW_S - 20);
	/* One microsecond before the window ends: still refused, 1 s. */
	clock_pin_us(T0 + LIMIT_RATE_WINDOW_S * SEC - 1);
	ASSERT_ERR(ratelimit_hit(rl, "serial:0a1b", &retry), ERR_RATE_LIMITED);
	ASSERT_INT_EQ(retry, 1);
	/* The window has passed: a full allowance again. */
	clock_pin_us(T0 + LIMIT_RATE_WINDOW_S * SEC);
	for (i = 0; i < LIMIT_RATE_BALLOTS_PER_VOTER; i++)
		ASSERT_OK(ratelimit_hit(rl, "serial:0a1b", NULL));
	ASSERT_ERR(ratelimit_hit(rl, "serial:0a1b", NULL), ERR_RATE_LIMITED);
	ratelimit_free(rl);
	clock_unpin();
}

TEST(ratelimit_refused_hits_are_not_counted)
{
	struct ratelimit *rl = NULL;
	int i;

	clock_pin_us(T0);
	ASSERT_OK(ratelimit_new(4, 2, 10, &rl));
	ASSERT_OK(ratelimit_hit(rl, "a", NULL));
	ASSERT_OK(ratelimit_hit(rl, "a", NULL));
	for (i = 0; i < 1000; i++)
		ASSERT_ERR(ratelimit_hit(rl, "a", NULL), ERR_RATE_LIMITED);
	clock_pin_us(T0 + 10 * SEC);
	ASSERT_OK(ratelimit_hit(rl, "a", NULL));
	ratelimit_free(rl);
	clock_unpin();
}

TEST(ratelimit_clock_stepping_back_starts_a_new_window)
{
	struct ratelimit *rl = NULL;

	clock_pin_us(T0);
	ASSERT_OK(ratelimit_new(4, 1, 60, &rl));
	ASSERT_OK(ratelimit_hit(rl, "a", NULL));
	ASSERT_ERR(ratelimit_hit(rl, "a", NULL), ERR_RATE_LIMITED);
	clock_pin_us(T0 - 5 * SEC);
	ASSERT_OK(ratelimit_hit(rl, "a", NULL));
	ratelimit_free(rl);
	clock_unpin();
}

TEST(ratelimit_memory_bounded_evicts_least_recent)
{
	struct ratelimit *rl = NULL;
	char key[32];
	int i;

	clock_pin_us(T0);
	ASSERT_OK(ratelimit_new(100, 1, 60, &rl));
	ASSERT_OK(ratelimit_hit(rl, "victim", NULL));
	for (i = 0; i < 99; i++) {
		snprintf(key, sizeof(key), "10.0.0.%d", i);
		ASSERT_OK(ratelimit_hit(rl, key, NULL));
	}
	ASSERT_INT_EQ(ratelimit_size(rl), 100);
	/* Touch "victim" so it is the most recent; then one new key evicts
	 * 10.0.0.0, the least recent, and never goes past 100. */
	ASSERT_ERR(ratelimit_hit(rl, "victim", NULL), ERR_RATE_LIMITED);
	ASSERT_OK(ratelimit_hit(rl, "newcomer", NULL));
	ASSERT_INT_EQ(ratelimit_size(rl), 100);
	ASSERT_ERR(ratelimit_hit(rl, "victim", NULL), ERR_RATE_LIMITED);
	ASSERT_ERR(ratelimit_hit(rl, "10.0.0.1", NULL), ERR_RATE_LIMITED);
	/* 10.0.0.0 was forgotten: it gets a fresh allowance. */
	ASSERT_OK(ratelimit_hit(rl, "10.0.0.0", NULL));
	for (i = 0; i < 100000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		ASSERT_OK(ratelimit_hit(rl, key, NULL));
	}
	ASSERT_INT_EQ(ratelimit_size(rl), 100);
	ratelimit_free(rl);
	clock_unpin();
}

TEST(ratelimit_refuses_bad_keys_and_arguments)
{
	struct ratelimit *rl = NULL;
	char key[RATELIMIT_KEY_MAX + 2];

	ASSERT_ERR(ratelimit_new(0, 1, 1, &rl), ERR_INVALID_ARG);
	ASSERT_ERR(ratelimit_new(1, 0, 1, &rl), ERR_INVALID_ARG);
	ASSERT_ERR(ratelimit_new(1, 1, 0, &rl), ERR_INVALID_ARG);
	ASSERT_NULL(rl);
	ASSERT_OK(ratelimit_new(4, 1, 1, &rl));
	ASSERT_ERR(ratelimit_hit(rl, "", NULL), ERR_INVALID_ARG);
	memset(key, 'x', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	ASSERT_ERR(ratelimit_hit(rl, key, NULL), ERR_INVALID_ARG);
	key[RATELIMIT_KEY_MAX] = '\0';
	ASSERT_OK(ratelimit_hit(rl, key, NULL));
	ratelimit_free(rl);
	ratelimit_free(NULL);
}

#define THREADS 4
#define HITS 5000

struct hammer {
	struct ratelimit *rl;	/* shared */
	int allowed;		/* this thread's successes */
};

static void *
hammer_main(void *arg)
{
	struct hammer *h = arg;
	int i;

	for (i = 0; i < HITS; i++)
		if (ratelimit_hit(h->rl, "shared", NULL) == 0)
			h->allowed++;
	return NULL;
}

TEST(ratelimit_is_exact_across_threads)
{
	struct ratelimit *rl = NULL;
	struct hammer h[THREADS];
	pthread_t t[THREADS];
	int i, total = 0;

	clock_pin_us(T0);
	ASSERT_OK(ratelimit_new(16, LIMIT_RATE_PER_ADDR, LIMIT_RATE_WINDOW_S,
	    &rl));
	for (i = 0; i < THREADS; i++) {
		h[i].rl = rl;
		h[i].allowed = 0;
		ASSERT_INT_EQ(pthread_create(&t[i], NULL, hammer_main, &h[i]), 0);
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		total += h[i].allowed;
	}
	ASSERT_INT_EQ(total, LIMIT_RATE_PER_ADDR);
	ratelimit_free(rl);
	clock_unpin();
}
