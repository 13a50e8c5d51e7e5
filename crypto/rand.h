/*
 * rand.h - the one random source of the election cryptography.
 *
 * In production every byte comes from OpenSSL's private DRBG
 * (RAND_priv_bytes), which is seeded from the operating system.  Tests
 * and the known-answer vectors install a deterministic generator with
 * rand_test_seed(): SHA-256 in counter mode over a seed (layout in
 * docs/PROTOCOL-crypto.md §2), so that a run from the same seed produces
 * the same ciphertexts and proofs byte for byte.
 *
 * rand_os_bytes() never uses the test generator: batch-verification
 * weights come from it, so that a prover can never know them in advance
 * and verification never disturbs a deterministic test stream.
 *
 * Thread-safe.  Not constant-time with respect to anything secret except
 * that the output bytes themselves are never branched on.
 */
#ifndef IPPYO_CRYPTO_RAND_H
#define IPPYO_CRYPTO_RAND_H

#include <stddef.h>
#include <stdint.h>

/*
 * Fills buf with n random bytes (from the test generator when one is
 * installed).  Returns 0 or ERR_RNG; on error buf is zeroed.
 */
int rand_bytes(void *buf, size_t n) __attribute__((warn_unused_result));

/* As rand_bytes but always from the OS-seeded DRBG; never the test hook. */
int rand_os_bytes(void *buf, size_t n) __attribute__((warn_unused_result));

/*
 * Installs the deterministic test generator seeded with seed[0..len).
 * For tests and vector generation only: never call in a program that
 * handles real secrets.  Replaces any generator installed before.
 */
void rand_test_seed(const void *seed, size_t len);

/* Removes the test generator; rand_bytes goes back to the OS DRBG. */
void rand_test_clear(void);

/*
 * The same generator for the calling thread only: while installed,
 * rand_bytes in this thread reads this stream (no lock) and ignores the
 * process-wide one.  The process-wide stream is shared by every thread,
 * so several threads drawing from it get an order that depends on
 * scheduling; a multi-threaded test tool instead seeds each unit of work
 * here with a seed derived from its own (tests/harness/recgen.c: one per
 * ballot), so its output does not depend on the number of threads.
 * Tests only, like rand_test_seed.
 */
void rand_test_seed_thread(const void *seed, size_t len);

/* Removes the calling thread's generator. */
void rand_test_clear_thread(void);

/* Nonzero while a test generator is installed (for this thread or all). */
int rand_test_active(void);

#endif /* IPPYO_CRYPTO_RAND_H */
