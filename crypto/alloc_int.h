/*
 * alloc_int.h - allocation with a failure-injection point for tests.
 * Not a public interface: crypto/ internals only.
 *
 * crypto_testkit_alloc_fails is a WEAK symbol defined only by the test
 * kit (tests/harness/testfail.c).  In a production binary it is
 * undefined, its address is NULL, and these wrappers are plain
 * malloc/calloc/realloc.  Tests use it to fail the n-th allocation of an
 * operation and check that nothing leaks and no half-made state stays
 * (the batch verifier: contest_batch_*, proof_batch_*).
 */
#ifndef IPPYO_CRYPTO_ALLOC_INT_H
#define IPPYO_CRYPTO_ALLOC_INT_H

#include <stdlib.h>

/* Test kit only: nonzero when this allocation is to fail. */
int crypto_testkit_alloc_fails(void) __attribute__((weak));

static inline int
crypto_alloc_injected(void)
{
	return crypto_testkit_alloc_fails != NULL &&
	    crypto_testkit_alloc_fails();
}

static inline void *
crypto_malloc(size_t n)
{
	return crypto_alloc_injected() ? NULL : malloc(n);
}

static inline void *
crypto_calloc(size_t n, size_t size)
{
	return crypto_alloc_injected() ? NULL : calloc(n, size);
}

static inline void *
crypto_realloc(void *p, size_t n)
{
	return crypto_alloc_injected() ? NULL : realloc(p, n);
}

#endif /* IPPYO_CRYPTO_ALLOC_INT_H */
