/*
 * secret.c - guarded memory for secrets.
 */
#include <pthread.h>
#include <string.h>

#include <sodium.h>

#include "core/err.h"
#include "core/limits.h"
#include "core/misuse.h"
#include "crypto/secret.h"

struct secret {
	uint8_t *p;		/* sodium_malloc'd bytes */
	size_t len;		/* their number */
	int opens;		/* open handles, from all threads */
	pthread_mutex_t mu;	/* guards opens and the page protection */
};

int
crypto_sodium_ready(void)
{
	/* sodium_init() is thread-safe and returns 1 once initialised. */
	return sodium_init() < 0 ? ERR_CRYPTO : 0;
}

int
secret_new(size_t len, struct secret **out)
{
	struct secret *s = NULL;
	int r = ERR_INTERNAL;

	REQUIRE(out != NULL);
	*out = NULL;
	if (len == 0 || len > LIMIT_SEALED_FILE_MAX)
		return ERR_INVALID_ARG;
	if ((r = crypto_sodium_ready()) != 0)
		return r;
	if ((s = sodium_malloc(sizeof(*s))) == NULL)
		return ERR_NOMEM;
	s->len = len;
	s->opens = 0;
	if (pthread_mutex_init(&s->mu, NULL) != 0) {
		sodium_free(s);
		return ERR_NOMEM;
	}
	if ((s->p = sodium_malloc(len)) == NULL) {
		pthread_mutex_destroy(&s->mu);
		sodium_free(s);
		return ERR_NOMEM;
	}
	sodium_memzero(s->p, len);
	sodium_mprotect_noaccess(s->p);
	*out = s;
	return 0;
}

int
secret_from(const void *p, size_t len, struct secret **out)
{
	struct secret *s = NULL;
	int r;

	REQUIRE(p != NULL && out != NULL);
	*out = NULL;
	if ((r = secret_new(len, &s)) != 0)
		return r;
	memcpy(secret_open(s), p, len);
	secret_close(s);
	*out = s;
	return 0;
}

void
secret_free(struct secret *s)
{
	if (s == NULL)
		return;
	/* sodium_free() wipes before releasing; it needs write access. */
	sodium_mprotect_readwrite(s->p);
	sodium_free(s->p);
	pthread_mutex_destroy(&s->mu);
	sodium_free(s);
}

size_t
secret_len(const struct secret *s)
{
	REQUIRE(s != NULL);
	return s->len;
}

uint8_t *
secret_open(struct secret *s)
{
	REQUIRE(s != NULL);
	/* Threads share long-lived keys (the server's receipt key): the page
	 * stays readable while any of them has it open. */
	pthread_mutex_lock(&s->mu);
	if (s->opens++ == 0)
		sodium_mprotect_readwrite(s->p);
	pthread_mutex_unlock(&s->mu);
	return s->p;
}

void
secret_close(struct secret *s)
{
	REQUIRE(s != NULL);
	pthread_mutex_lock(&s->mu);
	REQUIRE(s->opens > 0);
	if (--s->opens == 0)
		sodium_mprotect_noaccess(s->p);
	pthread_mutex_unlock(&s->mu);
}

void
secret_wipe(void *p, size_t n)
{
	if (p != NULL && n > 0)
		sodium_memzero(p, n);
}
