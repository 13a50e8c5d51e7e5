/*
 * tally.h - counting an election: freeze the box, build the counted set,
 * aggregate, collect decryption shares, decode, publish.
 *
 * The promise (docs/TALLY.md): the published result is exactly the sum
 * of the valid, last, not-cancelled ballots, and nothing here decrypts a
 * single ballot.  Only per-option sums over the counted set are ever
 * decrypted, by the trustees (ippyo-trustee), each share checked here
 * against the trustee's verification key before it is stored.
 *
 * Steps, each one transaction with its audit entry:
 *   tally_start    official close passed, state closed, every early-voting
 *                  station confirmed closed; cancels the online ballots of
 *                  voters admitted in person; signs the final checkpoint
 *                  (tag box-final, committee key); the counted set (each
 *                  voter's last ballot, minus those cancelled); per-option
 *                  sums in parallel; stored once (tally_runs).
 *   tally_share_import   one trustee's decryption shares, every share's
 *                  proof checked against its verification key.
 *   tally_publish  any k checked shares (the lowest indices) combined,
 *                  decoded, bounds checked; results stored; the election
 *                  becomes tallied; an audit checkpoint by the committee.
 * The election record (tally/record.h) is written from what these stored.
 */
#ifndef IPPYO_TALLY_TALLY_H
#define IPPYO_TALLY_TALLY_H

#include <stddef.h>
#include <stdint.h>

#include "ballot/election.h"
#include "core/vbuf.h"
#include "crypto/dkg.h"
#include "crypto/sign.h"
#include "db/db.h"

#define TALLY_WUR __attribute__((warn_unused_result))

/* Registers an early-voting station of the election / confirms its
 * closure (write-once; ERR_EXISTS the second time, ERR_NOT_FOUND for a
 * closure of an unregistered station). */
int tally_station_add(struct db *db, const char *election, const char *station,
    const char *actor) TALLY_WUR;
int tally_station_close(struct db *db, const char *election,
    const char *station, const char *actor) TALLY_WUR;

/* Why tally_start refused with ERR_WRONG_STATE. */
enum tally_refusal {
	TALLY_OK = 0,
	TALLY_NOT_CLOSED,	/* the election is not in state closed */
	TALLY_BEFORE_CLOSE,	/* closed early: the official close is later */
	TALLY_STATIONS_OPEN,	/* a station has not confirmed closure */
	TALLY_STARTED		/* a tally of this election exists (ERR_EXISTS) */
};

struct tally_opts {
	struct sign_key *committee;	/* signs the final checkpoint */
	uint8_t box_key[SIGN_PUBLIC_LEN];	/* the server's checkpoint key */
	unsigned threads;		/* aggregation threads, 1..16 */
	void (*progress)(void *arg, uint64_t done, uint64_t total);
	void *progress_arg;
	const char *actor;
};

struct tally_summary {
	enum tally_refusal refusal;
	int64_t ballots_cast;		/* the whole box */
	int64_t ballots_counted;
	int64_t cancelled;		/* ballots cancelled by this start */
	char station[LIMIT_ID_LEN_MAX + 1];	/* an open one, if refused so */
};

int tally_start(struct db *db, const char *id, const struct tally_opts *o,
    struct tally_summary *out) TALLY_WUR;

/* The trustees' public side, as the tally and the record see it. */
struct tally_trustees {
	int test_single_key;		/* one TEST-ONLY key: n = k = 1, P_1 = K */
	struct dkg_params params;	/* context = ceremony context */
	uint32_t nqual;
	uint32_t qual[LIMIT_TRUSTEES_MAX];
	uint8_t P[LIMIT_TRUSTEES_MAX][GROUP_POINT_LEN];	/* by index - 1 */
};

/* A started tally, loaded and checked. */
struct tally_state {
	struct election *e;
	int64_t final_position;
	uint8_t final_tracking[32];
	int64_t ballots_counted;
	uint8_t *aggregates;		/* per contest, per option, 130 bytes */
	size_t nagg;			/* options over all contests */
	size_t first[LIMIT_CONTESTS_MAX];	/* contest c's first option */
	uint8_t *counted;		/* u64 positions, ascending */
	size_t ncounted;
	uint8_t box_key[SIGN_PUBLIC_LEN];
	uint8_t committee_key[SIGN_PUBLIC_LEN];
	char started_at[32];
	struct tally_trustees trustees;
};

int tally_load(struct db *db, const char *id, struct tally_state **out)
    TALLY_WUR;
void tally_state_free(struct tally_state *t);

/*
 * The trustees of election e: from the ceremony, or the TEST-ONLY single
 * key.  ERR_NOT_FOUND when the election has no keys yet.
 */
int tally_trustees_load(struct db *db, const struct election *e,
    struct tally_trustees *out) TALLY_WUR;

/*
 * Imports decryption/trustee-NN.json (docs/PROTOCOL-record.md §9):
 * strict JSON, one share per option, each proof checked against the
 * trustee's verification key and the stored aggregate.  ERR_VERIFY names
 * nothing further (*bad_option receives the failing option's global
 * index, or -1); ERR_EXISTS when that trustee already posted; ERR_PERM
 * for a trustee outside the qualified set.
 */
int tally_share_import(struct db *db, const char *id, const uint8_t *json,
    size_t len, const char *actor, uint32_t *trustee, long *bad_option)
    TALLY_WUR;

/*
 * TEST-ONLY: the decryption shares of a single-key test election made
 * from its secret, in the trustee-01.json format (appended to out).
 */
int tally_share_test_key(const struct tally_state *t, const struct scalar *s,
    struct vbuf *out) TALLY_WUR;

/* Encodes shares (nagg of DKG_DSHARE_LEN) as trustee-NN.json. */
int tally_shares_json(const struct tally_state *t, uint32_t trustee,
    const uint8_t *shares, struct vbuf *out) TALLY_WUR;

struct tally_result {
	uint64_t *votes;		/* nagg counts, in tally_state order */
	size_t nagg;
	uint32_t trustees[LIMIT_TRUSTEES_MAX];	/* whose shares were used */
	uint32_t ntrustees;
};

/*
 * Combines, decodes and publishes.  ERR_RANGE when fewer than k shares
 * are stored; ERR_VERIFY when a plaintext does not decode within its
 * bounds; ERR_EXISTS when already published.
 */
int tally_publish(struct db *db, const char *id, struct sign_key *committee,
    const char *actor, struct tally_result *out) TALLY_WUR;
void tally_result_clear(struct tally_result *r);

/* results.json and results.txt from the stored result. */
int tally_results_json(const struct tally_state *t, int64_t ballots_cast,
    const uint64_t *votes, struct vbuf *out) TALLY_WUR;
int tally_results_text(const struct tally_state *t, int64_t ballots_cast,
    const uint64_t *votes, struct vbuf *out) TALLY_WUR;

#endif /* IPPYO_TALLY_TALLY_H */
