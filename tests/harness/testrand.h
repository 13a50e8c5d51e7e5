/*
 * testrand.h - the deterministic random generator of the test kit.
 *
 * Test and tool code only (tests/unit, tests/integration, tests/bench,
 * tests/tools, tests/harness): this file and tests/harness/testrand.c
 * are linked into test programs and libippyo_testkit.a, never into a
 * module library or a production binary.
 *
 * While a generator is installed, every crypto/rand.h rand_bytes() call
 * of the process is served from it (through the weak hook
 * rand_testkit_fill that crypto/rand.c consults); rand_os_bytes() never
 * is.  Layout (docs/PROTOCOL-crypto.md §2):
 *
 *	state   = SHA-256("ippyo/test-drbg/v1" || seed)
 *	block i = SHA-256(state || u64be(i)), i = 0, 1, ...
 *	output  = block 0 || block 1 || ..., consumed in order
 *
 * The same three functions are declared by crypto/rand.h when
 * IPPYO_TESTKIT is defined, which the Makefile does for every object
 * under tests/; including either header is enough.  Thread-safe.
 */
#ifndef IPPYO_TESTS_HARNESS_TESTRAND_H
#define IPPYO_TESTS_HARNESS_TESTRAND_H

#include <stddef.h>

/*
 * Installs the generator seeded with seed[0..len) (seed may be NULL when
 * len is 0), replacing any installed before.  Never call it in a program
 * that handles real secrets.
 */
void rand_test_seed(const void *seed, size_t len);

/* Removes the generator; rand_bytes goes back to the OS DRBG. */
void rand_test_clear(void);

/* Nonzero while a generator is installed. */
int rand_test_active(void);

/*
 * The same generator for the calling thread only, taking precedence over
 * the process-wide one there (a multi-threaded tool seeds one stream per
 * unit of work so its output does not depend on scheduling).
 */
void rand_test_seed_thread(const void *seed, size_t len);
void rand_test_clear_thread(void);

/*
 * The hook crypto/rand.c calls (weak there): while a generator is
 * installed, fills buf with the next n bytes and returns 1; otherwise
 * returns 0.  Not for direct use.
 */
int rand_testkit_fill(void *buf, size_t n);

#endif /* IPPYO_TESTS_HARNESS_TESTRAND_H */
