/*
 * recgen.h - builds a valid election record (docs/PROTOCOL-record.md)
 * directly from the specification, for benchmarks and for the verifier's
 * tests: no database, no cards, no server.  docs/GENERATOR.md describes
 * what it builds; tests/tools/genrecord.c is the command-line front.
 *
 * A TEST TOOL: it plays every party at once (trustees, voters, the box
 * server, the committee), so it knows every secret key and every
 * plaintext vote.  A record it writes is valid but proves nothing about
 * any real election.
 *
 * Deterministic: the same options (whatever the thread count) give the
 * same bytes.  It installs the test random generator (crypto/rand.h)
 * seeded with opts->seed for its run and removes it afterwards, so do
 * not call it from a process that needs real randomness at the same
 * time.
 */
#ifndef IPPYO_TESTS_HARNESS_RECGEN_H
#define IPPYO_TESTS_HARNESS_RECGEN_H

#include <stdint.h>

#include "core/limits.h"

struct recgen_opts {
	const char *election_id;	/* NULL: "gen-2027" (an id, <= 56) */
	const char *seed;		/* NULL: "ippyo-genrecord" */
	uint64_t ballots;		/* entries in ballots.bin, re-votes
					   included; 0..10^8 */
	uint32_t contests;		/* 1..32 */
	uint32_t options;		/* per contest, 1..128 */
	uint32_t min, max;		/* selections, min <= max <= options */
	uint32_t trustees;		/* n, 2..32 (ignored with test_key) */
	uint32_t threshold;		/* k, n >= 2k - 1 */
	uint64_t absent;		/* bit i: trustee i gives no shares */
	uint32_t cheater;		/* 0, or a trustee who sends one bad
					   signed share, is complained about
					   and excluded from Q */
	int test_key;			/* one TEST-ONLY key, no ceremony */
	unsigned revote_pct;		/* share of ballots that are re-votes,
					   0..90 */
	unsigned admitted_pct;		/* voters admitted in person, 0..100 */
	uint32_t admitted_extra;	/* admitted voters who never voted
					   online */
	uint64_t checkpoint_every;	/* periodic checkpoints; 0: ~4 */
	unsigned threads;		/* encryption threads, 1..64 */
	int tar;			/* write the single-file form */
};

struct recgen_result {
	char election_id[LIMIT_ID_LEN_MAX + 1];
	uint8_t public_key[65];		/* election key K */
	uint8_t context_hash[32];
	uint8_t committee_key[32];	/* Ed25519: INDEX.sig, final
					   checkpoints, audit checkpoints */
	uint8_t box_key[32];		/* Ed25519: periodic box checkpoints */
	uint64_t ballots_cast;
	uint64_t ballots_counted;
	uint32_t voters;		/* distinct aliases that voted online */
	uint32_t admitted;		/* aliases in admitted.json */
	uint32_t qualified;		/* |Q| (1 with a test key) */
	uint32_t participating;		/* trustees who gave shares */
	uint32_t ncontests, noptions;
	/* The known plaintext result, which the record's decryption was
	 * checked against before it was written. */
	uint64_t votes[LIMIT_CONTESTS_MAX][LIMIT_OPTIONS_MAX];
};

/* Fills o with the defaults: 100 ballots, 1 contest of 10 options
 * (0..1), 2-of-3 trustees, 10 % re-votes, 0 admitted, 1 thread. */
void recgen_opts_default(struct recgen_opts *o);

/*
 * Writes the record to out: a new directory (or an existing empty one),
 * or with opts->tar the archive file out (built in a temporary directory
 * next to it, then removed).  Fills *res when not NULL.  Returns 0,
 * ERR_INVALID_ARG (options out of range, e.g. fewer than k trustees
 * left), ERR_EXISTS (out not empty), ERR_IO, ERR_NOMEM, or the error of
 * a failed step; ERR_INTERNAL if the decrypted result differs from the
 * votes cast (a bug: nothing valid is left behind).
 */
int recgen_run(const struct recgen_opts *opts, const char *out,
    struct recgen_result *res) __attribute__((warn_unused_result));

#endif /* IPPYO_TESTS_HARNESS_RECGEN_H */
