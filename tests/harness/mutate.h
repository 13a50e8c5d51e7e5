/*
 * mutate.h - mutation sweeps for parsers and verifiers.
 *
 * Given an input a parser accepts, a sweep feeds it every single-bit flip,
 * every truncation (each shorter length), and the input with one extra
 * byte appended, and counts how many of those mutants the parser still
 * accepts.  A strict parser of a canonical, authenticated or checksummed
 * format accepts none; a format with free-text fields may legitimately
 * accept some, which a test then pins down exactly.
 */
#ifndef IPPYO_TESTS_HARNESS_MUTATE_H
#define IPPYO_TESTS_HARNESS_MUTATE_H

#include <stddef.h>
#include <stdint.h>

/* Returns 0 when the parser accepts p, any error code otherwise. */
typedef int (*mutate_accept_fn)(const uint8_t *p, size_t len, void *ctx);

#define MUTATE_FLIP	0x1	/* every bit of every byte */
#define MUTATE_TRUNCATE	0x2	/* every length 0..len-1 */
#define MUTATE_EXTEND	0x4	/* one trailing byte (0x00 and 0xff) */
#define MUTATE_ALL	(MUTATE_FLIP | MUTATE_TRUNCATE | MUTATE_EXTEND)

struct mutate_report {
	size_t tried;		/* mutants fed to the parser */
	size_t accepted;	/* mutants it accepted */
	/* The first accepted mutant, for the failure message. */
	char first[96];
};

/*
 * Runs the sweep; fills *rep.  The unmutated input is also checked and
 * must be accepted, or the sweep reports it as "original rejected" with
 * accepted = SIZE_MAX (a sweep over bad input proves nothing).
 */
void mutate_sweep(const uint8_t *p, size_t len, unsigned what,
    mutate_accept_fn fn, void *ctx, struct mutate_report *rep);

/* Fails the test unless every mutant is rejected. */
#define ASSERT_MUTANTS_REJECTED(p, len, what, fn, ctx) do { \
	struct mutate_report rep_; \
	mutate_sweep((p), (len), (what), (fn), (ctx), &rep_); \
	if (rep_.accepted != 0) test_fail(__FILE__, __LINE__, \
	    "%zu of %zu mutants accepted; first: %s", rep_.accepted, \
	    rep_.tried, rep_.first); } while (0)

#endif /* IPPYO_TESTS_HARNESS_MUTATE_H */
