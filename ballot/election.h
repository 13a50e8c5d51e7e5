/*
 * election.h - election manifests, the context hash, and the lifecycle.
 *
 * A manifest names the election (Japanese and English), its municipality,
 * election day and roll reference date, the voting window, and its
 * contests: each with options and selection bounds [min, max] (a mayoral
 * race "choose 1 or leave blank" is min 0, max 1; a council race of many
 * candidates min 0, max 1 over many options; a referendum yes/no; the
 * Supreme Court review, where any number of judges may be marked, min 0,
 * max n).  Its canonical binary form (docs/PROTOCOL-ballot.md) is what is
 * stored and hashed; the JSON form is converted in web/.
 *
 * Lifecycle, enforced here and by a database trigger (forward only, one
 * step at a time): draft -> roll_frozen -> keys_ready -> open -> closed
 * -> tallied.  Every transition appends an audit entry in its
 * transaction.
 */
#ifndef IPPYO_BALLOT_ELECTION_H
#define IPPYO_BALLOT_ELECTION_H

#include <stddef.h>
#include <stdint.h>

#include "core/limits.h"
#include "core/vbuf.h"
#include "crypto/contest.h"
#include "crypto/elgamal.h"
#include "crypto/group.h"
#include "crypto/hash.h"
#include "db/db.h"

#define ELECTION_WUR __attribute__((warn_unused_result))

struct manifest_option {
	char id[LIMIT_ID_LEN_MAX + 1];		/* [a-z0-9][a-z0-9_-]* */
	char label_ja[LIMIT_NAME_LEN_MAX + 1];	/* as on the paper ballot */
	char label_en[LIMIT_NAME_LEN_MAX + 1];
};

struct manifest_contest {
	char id[LIMIT_ID_LEN_MAX + 1];
	char title_ja[LIMIT_NAME_LEN_MAX + 1];
	char title_en[LIMIT_NAME_LEN_MAX + 1];
	uint32_t min;				/* fewest marks (0 allows blank) */
	uint32_t max;				/* most marks */
	uint32_t noptions;			/* 1..LIMIT_OPTIONS_MAX */
	struct manifest_option *options;	/* noptions of them */
};

/* Election ids are shorter than other ids: "declare:" + id must fit a
 * 64-byte nonce purpose. */
#define ELECTION_ID_MAX 56

struct manifest {
	char id[LIMIT_ID_LEN_MAX + 1];		/* election id, <= ELECTION_ID_MAX */
	char name_ja[LIMIT_NAME_LEN_MAX + 1];
	char name_en[LIMIT_NAME_LEN_MAX + 1];
	char municipality[7];			/* 6-digit code */
	int32_t election_day;			/* days since 1970-01-01 */
	int32_t reference_date;			/* roll reference date */
	int64_t opens_us;			/* voting window, UTC */
	int64_t closes_us;
	uint32_t ncontests;			/* 1..LIMIT_CONTESTS_MAX */
	struct manifest_contest *contests;
};

/* An empty manifest with room for ncontests contests of noptions options. */
struct manifest *manifest_new(uint32_t ncontests, const uint32_t *noptions)
    ELECTION_WUR;
void manifest_free(struct manifest *m);

/*
 * Checks every rule: ids, text (one line of UTF-8, within limits), the
 * municipality check digit, reference date <= election day, opens <
 * closes, 1..LIMIT_CONTESTS_MAX contests of 1..LIMIT_OPTIONS_MAX options,
 * 0 <= min <= max <= options, unique ids.  0 or ERR_FORMAT / ERR_RANGE.
 */
int manifest_check(const struct manifest *m) ELECTION_WUR;

/* Appends the canonical encoding (after manifest_check). */
int manifest_encode(const struct manifest *m, struct vbuf *out) ELECTION_WUR;

/*
 * Decodes a canonical encoding; refuses anything else (ERR_FORMAT,
 * ERR_TRUNCATED, ERR_TRAILING_DATA, ERR_TOO_LARGE, ERR_UNSUPPORTED).
 * Safe on untrusted input.  Caller frees *out.
 */
int manifest_decode(const uint8_t *p, size_t len, struct manifest **out)
    ELECTION_WUR;

/* The crypto shape of contest i. */
void manifest_spec(const struct manifest *m, uint32_t i,
    struct contest_spec *spec);

enum election_state {
	ELECTION_DRAFT = 0,
	ELECTION_ROLL_FROZEN,
	ELECTION_KEYS_READY,
	ELECTION_OPEN,
	ELECTION_CLOSED,
	ELECTION_TALLIED
};

const char *election_state_str(enum election_state s);

/* A loaded election. */
struct election {
	struct manifest *manifest;		/* decoded */
	uint8_t *manifest_bytes;		/* canonical encoding */
	size_t manifest_len;
	enum election_state state;
	int test_single_key;			/* keys from the test-only setup */
	struct elgamal_key *key;		/* NULL before keys_ready */
	uint8_t context_hash[HASH_LEN];		/* zero before keys_ready */
};

/*
 * The election context hash every proof binds: the transcript hash (tag
 * ippyo/context/v1) of the manifest's canonical bytes, the election
 * public key (65 bytes) and the test-key flag.
 */
int election_context_hash(const uint8_t *manifest, size_t len,
    const uint8_t key[GROUP_POINT_LEN], int test_single_key,
    uint8_t out[HASH_LEN]) ELECTION_WUR;

/* Stores a new draft election.  ERR_EXISTS when the id is taken. */
int election_create(struct db *db, const struct manifest *m, const char *actor)
    ELECTION_WUR;

/*
 * The current state alone (a cheap read for servers that cache the rest:
 * manifest and key never change once the key is set).  ERR_NOT_FOUND.
 */
int election_load_state(struct db *db, const char *id,
    enum election_state *out) ELECTION_WUR;

/* Loads an election; ERR_NOT_FOUND.  Database rows are validated. */
int election_load(struct db *db, const char *id, struct election **out)
    ELECTION_WUR;
void election_free(struct election *e);

/*
 * draft -> roll_frozen: freezes the roll with the manifest's municipality
 * and dates (registry/roll.h).  ERR_WRONG_STATE from any other state.
 */
int election_freeze_roll(struct db *db, const char *id, const char *actor)
    ELECTION_WUR;

/*
 * roll_frozen -> keys_ready WITHOUT a trustee ceremony: a single key made
 * here, its secret returned to the caller.  FOR TESTS AND THE DEMO ONLY:
 * the election row is marked test_single_key, which the context hash
 * binds and every view shows; a real election gets its key from the
 * k-of-n ceremony (election_keys_from_ceremony).
 */
int election_keys_test_single(struct db *db, const char *id,
    const char *actor, struct scalar *secret) ELECTION_WUR;

/*
 * roll_frozen -> keys_ready with the joint key K (65 bytes) of a k-of-n
 * trustee ceremony, which the caller has run and checked
 * (tally/ceremony.h): stores K and its context hash with test_single_key
 * false and appends `election.keys_ceremony` (detail: what the ceremony
 * was, no secrets).  Runs inside the caller's transaction when one is
 * open, so the ceremony's own rows commit with the key; otherwise in its
 * own.  ERR_WRONG_STATE (not roll_frozen), ERR_RANGE or ERR_FORMAT (K
 * not a point of the group, or the identity).
 */
int election_keys_from_ceremony(struct db *db, const char *id,
    const uint8_t key[GROUP_POINT_LEN], const char *detail, const char *actor)
    ELECTION_WUR;

/* keys_ready -> open, open -> closed.  ERR_WRONG_STATE otherwise. */
int election_open(struct db *db, const char *id, const char *actor)
    ELECTION_WUR;
int election_close(struct db *db, const char *id, const char *actor)
    ELECTION_WUR;

/*
 * closed -> tallied, inside the caller's transaction (the tally stores
 * its results in the same one), with audit entry election.tallied.
 * ERR_WRONG_STATE unless the election is closed.
 */
int election_mark_tallied(struct db *db, const char *id, const char *actor)
    ELECTION_WUR;

#endif /* IPPYO_BALLOT_ELECTION_H */
