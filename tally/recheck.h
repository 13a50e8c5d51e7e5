/*
 * recheck.h - what a trustee checks before it lends its key share to a
 * tally: that the aggregates it is asked to decrypt are the sums of the
 * ballots that count, recomputed from the tally-stage election record
 * (docs/PROTOCOL-record.md §4, §6, §7, §9), and nothing else.
 *
 * A dishonest tally could otherwise hand a trustee one voter's ballot as
 * an "aggregate" and learn that vote from k trustees' shares.  The check
 * reads manifest.bin, election.json, ballots.bin, checkpoints.json,
 * superseded.json, admitted.json, counted.json and tally.json, and
 * refuses with a reason (for people) on the first rule broken.  Ballot
 * proofs are not checked here (the tally and the verifier do that); the
 * box chain, the box's signed checkpoints, the ballots' encodings, the
 * counted set and every sum are.
 *
 * The box is authenticated only as far as its keys are: every checkpoint
 * must be signed by election.json's box_key (periodic) or committee_key
 * (the final one, at the last position), and match the chain.  A tally
 * that controls the committee key can sign a fabricated box's final
 * checkpoint, so the trustee must compare the keys (or pin them, see
 * recheck_expect) and the final tracking code and ballot count with the
 * public bulletin board.
 */
#ifndef IPPYO_TALLY_RECHECK_H
#define IPPYO_TALLY_RECHECK_H

#include <stddef.h>
#include <stdint.h>

#include "ballot/election.h"
#include "core/limits.h"
#include "crypto/dkg.h"
#include "crypto/elgamal.h"

/* Largest ballots.bin a trustee reads (it is read whole). */
#define RECHECK_BALLOTS_MAX (1024ull * 1024 * 1024)

/* What the trustee knows from its own ceremony. */
struct recheck_expect {
	char election_id[LIMIT_ID_LEN_MAX + 1];
	uint8_t manifest_hash[HASH_LEN];	/* SHA-256 of the manifest */
	struct dkg_params p;			/* cctx, n, k */
	uint32_t nq;				/* the qualified set */
	uint32_t qual[LIMIT_TRUSTEES_MAX];
	uint8_t key[GROUP_POINT_LEN];		/* the election key K */
	int pin_box_key;			/* box_key must be ... */
	uint8_t box_key[32];			/* ... this */
	int pin_committee_key;			/* committee_key must be ... */
	uint8_t committee_key[32];		/* ... this */
};

/* The checked aggregates. */
struct recheck_tally {
	struct election *e;		/* manifest, key, context hash */
	uint64_t cast;			/* ballots in the box */
	uint64_t counted;		/* ballots that count */
	uint8_t box_key[32];		/* election.json's, checked */
	uint8_t committee_key[32];	/* election.json's, checked */
	uint8_t head[32];		/* tracking code at the last position */
	uint64_t checkpoints;		/* signed checkpoints checked */
	/* sums[c][o]: contest c, option o (identity pairs when none) */
	struct elgamal_ciphertext **sums[LIMIT_CONTESTS_MAX];
};

/*
 * Checks the record in dir against want and recomputes every aggregate.
 * 0 and *out (caller frees) when tally.json holds exactly the sums of
 * the counted ballots; otherwise an error (ERR_MISMATCH, ERR_FORMAT,
 * ERR_VERIFY, ERR_NOT_FOUND, ...) and why[0..whylen) says which rule
 * failed, for the trustee to read.
 */
int recheck_tally(const char *dir, const struct recheck_expect *want,
    struct recheck_tally **out, char *why, size_t whylen)
    __attribute__((warn_unused_result));
void recheck_tally_free(struct recheck_tally *t);

#endif /* IPPYO_TALLY_RECHECK_H */
