/*
 * testfail.h - allocation failure injection for crypto/'s batch code.
 *
 * crypto/alloc_int.h routes the batch verifier's allocations
 * (contest_batch_*, proof_batch_* and the proofs' batch adders) through
 * a weak hook that only this test-kit file defines.  A sweep:
 *
 *	for (n = 0;; n++) {
 *		testfail_after(n);
 *		r = operation();
 *		fired = testfail_fired();
 *		testfail_off();
 *		if (!fired) break;		// ran to the end: r == 0
 *		check r == ERR_NOMEM and the state is as before
 *	}
 *
 * Only allocations in crypto/ that go through crypto_malloc & co are
 * counted (not OpenSSL's).  Global, not thread-safe: one test at a time.
 */
#ifndef IPPYO_TESTS_HARNESS_TESTFAIL_H
#define IPPYO_TESTS_HARNESS_TESTFAIL_H

/* The n-th next checked allocation (0 = the very next) fails, and only it. */
void testfail_after(unsigned long n);

/* No allocation fails any more; the fired flag is cleared. */
void testfail_off(void);

/* 1 when the armed failure has happened since testfail_after. */
int testfail_fired(void);

/* The hook crypto/alloc_int.h calls (weak there).  Not for direct use. */
int crypto_testkit_alloc_fails(void);

#endif /* IPPYO_TESTS_HARNESS_TESTFAIL_H */
