/*
 * ratelimit.c - fixed windows in a hash table with an LRU list.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/misuse.h"
#include "crypto/rand.h"
#include "web/ratelimit.h"

#define RATELIMIT_CAPACITY_MAX (1u << 24)

struct rl_entry {
	char key[RATELIMIT_KEY_MAX + 1];	/* NUL-terminated */
	uint64_t hash;			/* of key */
	int64_t start_us;		/* window began */
	uint32_t count;			/* hits in this window */
	struct rl_entry *chain;		/* next in the bucket */
	struct rl_entry *newer, *older;	/* LRU list */
};

struct ratelimit {
	pthread_mutex_t mu;		/* guards everything below */
	struct rl_entry **buckets;	/* n_buckets chains */
	size_t n_buckets;		/* a power of two */
	size_t capacity;		/* most entries kept */
	size_t n;			/* entries kept */
	uint32_t limit;			/* hits per window */
	int64_t window_us;		/* window length */
	uint64_t seed;			/* hash key */
	struct rl_entry *newest, *oldest;	/* LRU ends */
};

/* FNV-1a over the seed and the key, then a final mix. */
static uint64_t
key_hash(uint64_t seed, const char *key, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ seed;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (uint8_t)key[i];
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

int
ratelimit_new(size_t capacity, uint32_t limit, uint32_t window_s,
    struct ratelimit **out)
{
	struct ratelimit *rl = NULL;
	int r = ERR_INTERNAL;

	REQUIRE(out != NULL);
	*out = NULL;
	if (capacity == 0 || capacity > RATELIMIT_CAPACITY_MAX || limit == 0 ||
	    window_s == 0)
		return ERR_INVALID_ARG;
	if ((rl = calloc(1, sizeof(*rl))) == NULL)
		return ERR_NOMEM;
	rl->n_buckets = 16;
	while (rl->n_buckets < capacity)
		rl->n_buckets <<= 1;
	if ((rl->buckets = calloc(rl->n_buckets, sizeof(*rl->buckets))) ==
	    NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if ((r = rand_os_bytes(&rl->seed, sizeof(rl->seed))) != 0)
		goto out;
	if (pthread_mutex_init(&rl->mu, NULL) != 0) {
		r = ERR_INTERNAL;
		goto out;
	}
	rl->capacity = capacity;
	rl->limit = limit;
	rl->window_us = (int64_t)window_s * 1000000;
	*out = rl;
	rl = NULL;
	r = 0;
 out:
	if (rl != NULL) {
		free(rl->buckets);
		free(rl);
	}
	return r;
}

void
ratelimit_free(struct ratelimit *rl)
{
	struct rl_entry *e, *next;

	if (rl == NULL)
		return;
	for (e = rl->newest; e != NULL; e = next) {
		next = e->older;
		free(e);
	}
	pthread_mutex_destroy(&rl->mu);
	free(rl->buckets);
	free(rl);
}

static void
lru_unlink(struct ratelimit *rl, struct rl_entry *e)
{
	if (e->newer != NULL)
		e->newer->older = e->older;
	else
		rl->newest = e->older;
	if (e->older != NULL)
		e->older->newer = e->newer;
	else
		rl->oldest = e->newer;
	e->newer = e->older = NULL;
}

static void
lru_push(struct ratelimit *rl, struct rl_entry *e)
{
	e->older = rl->newest;
	e->newer = NULL;
	if (rl->newest != NULL)
		rl->newest->newer = e;
	rl->newest = e;
	if (rl->oldest == NULL)
		rl->oldest = e;
}

static void
evict_oldest(struct ratelimit *rl)
{
	struct rl_entry *e = rl->oldest, **pp;

	if (e == NULL)
		return;
	lru_unlink(rl, e);
	for (pp = &rl->buckets[e->hash & (rl->n_buckets - 1)]; *pp != NULL;
	    pp = &(*pp)->chain) {
		if (*pp == e) {
			*pp = e->chain;
			break;
		}
	}
	free(e);
	rl->n--;
}

int
ratelimit_hit(struct ratelimit *rl, const char *key, uint32_t *retry_after_s)
{
	struct rl_entry *e;
	uint64_t h;
	int64_t now, left;
	size_t n;
	int r = ERR_INTERNAL;

	REQUIRE(rl != NULL && key != NULL);
	if (retry_after_s != NULL)
		*retry_after_s = 0;
	n = strlen(key);
	if (n == 0 || n > RATELIMIT_KEY_MAX)
		return ERR_INVALID_ARG;
	h = key_hash(rl->seed, key, n);
	now = clock_now_us();
	pthread_mutex_lock(&rl->mu);
	for (e = rl->buckets[h & (rl->n_buckets - 1)]; e != NULL;
	    e = e->chain)
		if (e->hash == h && strcmp(e->key, key) == 0)
			break;
	if (e == NULL) {
		if (rl->n >= rl->capacity)
			evict_oldest(rl);
		if ((e = calloc(1, sizeof(*e))) == NULL) {
			r = ERR_NOMEM;
			goto out;
		}
		memcpy(e->key, key, n + 1);
		e->hash = h;
		e->start_us = now;
		e->chain = rl->buckets[h & (rl->n_buckets - 1)];
		rl->buckets[h & (rl->n_buckets - 1)] = e;
		rl->n++;
	} else
		lru_unlink(rl, e);
	lru_push(rl, e);
	/* A clock stepped back also starts a new window. */
	if (now - e->start_us >= rl->window_us || now < e->start_us) {
		e->start_us = now;
		e->count = 0;
	}
	if (e->count >= rl->limit) {
		left = e->start_us + rl->window_us - now;
		if (retry_after_s != NULL)
			*retry_after_s = (uint32_t)((left + 999999) / 1000000);
		r = ERR_RATE_LIMITED;
		goto out;
	}
	e->count++;
	r = 0;
 out:
	pthread_mutex_unlock(&rl->mu);
	return r;
}

size_t
ratelimit_size(struct ratelimit *rl)
{
	size_t n;

	REQUIRE(rl != NULL);
	pthread_mutex_lock(&rl->mu);
	n = rl->n;
	pthread_mutex_unlock(&rl->mu);
	return n;
}
