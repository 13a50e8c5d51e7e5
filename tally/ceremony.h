/*
 * ceremony.h - the committee's side of the trustee key ceremony: it
 * relays the trustees' files through the database, checks each on
 * arrival, judges complaints, and finishes with the election key.
 *
 * The committee never holds a secret: every file it stores is public
 * (public messages, encrypted and signed shares, complaints), and the
 * election key K = sum_{i in Q} C_i0 is computed from commitments.  The
 * secret key is never assembled anywhere.  Flow, files and what each
 * check guarantees: docs/PROTOCOL-ceremony.md.  Every step appends an
 * audit entry in its transaction (ceremony.start, ceremony.post,
 * ceremony.complaint, ceremony.finish; election.keys_ceremony).
 *
 * A trustee who never posts cannot be excluded by the cryptography
 * (PROTOCOL-crypto.md §8): finish refuses while a public message or a
 * share between qualified trustees is missing, and the committee
 * restarts the ceremony without that trustee (ceremony_start with
 * restart, as a new attempt with new n).
 */
#ifndef IPPYO_TALLY_CEREMONY_H
#define IPPYO_TALLY_CEREMONY_H

#include <stddef.h>
#include <stdint.h>

#include "core/limits.h"
#include "core/vbuf.h"
#include "crypto/dkg.h"
#include "db/db.h"
#include "tally/cfile.h"

#define CEREMONY_WUR __attribute__((warn_unused_result))

/*
 * Starts the ceremony of an election in roll_frozen with n trustees and
 * threshold k (2 <= k, n >= 2k - 1, n <= LIMIT_TRUSTEES_MAX) and appends
 * the ceremony description (cfile.h) to desc.  When an unfinished
 * ceremony exists: ERR_EXISTS, unless restart, which abandons it and
 * starts the next attempt.  ERR_NOT_FOUND (no election), ERR_WRONG_STATE
 * (not roll_frozen, or already finished), ERR_RANGE (n, k).
 */
int ceremony_start(struct db *db, const char *election_id, uint32_t n,
    uint32_t k, int restart, const char *actor, struct vbuf *desc)
    CEREMONY_WUR;

/* What one post was (kind, from, to also when refused after decoding). */
struct ceremony_posted {
	enum cmsg_kind kind;
	uint32_t from;			/* sender / complainer */
	uint32_t to;			/* recipient / accused; 0: public */
	int justified;			/* complaints: always 1 once accepted */
};

/*
 * Posts one ceremony message file (cfile.h envelope) to the current
 * attempt, checked on arrival:
 *  - a public message with dkg_public_verify;
 *  - a share: the sender's public message must be there, and the share
 *    must carry the sender's signature (dkg_share_check_signature);
 *  - a complaint: both public messages must be there; it is judged with
 *    dkg_complaint_judge and stored only when justified.  The envelope
 *    is not signed by the complainer, so a complaint that does not stand
 *    is refused without a row: a junk complaint posted in j's name
 *    cannot take the place of j's real one.
 * ERR_NOT_FOUND (no ceremony), ERR_WRONG_STATE (finished, or the
 * election has left roll_frozen; or a share/complaint before the public
 * messages it needs), ERR_MISMATCH (another ceremony or attempt),
 * ERR_DUPLICATE (this kind from this sender to this recipient is already
 * there: replays and second versions are refused), ERR_VERIFY (a public
 * message or a share signature does not verify; a complaint about a
 * share that is good), ERR_PERM (a complaint that cannot stand: the
 * share is not signed by the accused, or the complainer's proof fails),
 * decoding errors.  Once the envelope decodes, out->kind, from and to
 * are set even when the post is refused.
 */
int ceremony_post(struct db *db, const char *election_id, const uint8_t *file,
    size_t len, const char *actor, struct ceremony_posted *out) CEREMONY_WUR;

/* Where the current attempt stands. */
struct ceremony_status {
	int attempt;				/* 1, 2, ... */
	struct dkg_params p;			/* n, k, cctx */
	int finished;				/* the result exists */
	uint8_t has_public[LIMIT_TRUSTEES_MAX];	/* [i-1] */
	/* [i-1][j-1]: the share from i to j is there */
	uint8_t has_share[LIMIT_TRUSTEES_MAX][LIMIT_TRUSTEES_MAX];
	/* [i-1]: some complaint about i was justified */
	uint8_t excluded[LIMIT_TRUSTEES_MAX];
	uint32_t complaints;			/* raised */
	uint32_t justified;			/* of which justified */
};

/* ERR_NOT_FOUND when the election has no ceremony. */
int ceremony_status_get(struct db *db, const char *election_id,
    struct ceremony_status *out) CEREMONY_WUR;

/*
 * Writes into dir what trustee j needs now: every public message posted
 * (public-NN.bin), every share addressed to j (share-II-to-JJ.bin), and
 * when the ceremony has finished the result (ceremony-result.bin).
 * *count is the number of files written.
 */
int ceremony_fetch(struct db *db, const char *election_id, uint32_t j,
    const char *dir, size_t *count) CEREMONY_WUR;

/*
 * Finishes: Q = {1..n} minus every trustee with a justified complaint.
 * Refuses with ERR_WRONG_STATE while a public message or a share between
 * two members of Q is missing (st tells which), with ERR_RANGE when
 * |Q| < k.  Computes K, moves the election to keys_ready
 * (election_keys_from_ceremony) and stores the result in one
 * transaction, and appends the result file (cfile.h) to result.
 */
int ceremony_finish(struct db *db, const char *election_id, const char *actor,
    struct ceremony_status *st, struct vbuf *result) CEREMONY_WUR;

/*
 * Writes the finished ceremony in the record's layout
 * (docs/PROTOCOL-record.md §5): dir/ceremony/public-NN.bin (the raw
 * public messages) and dir/ceremony/complaints.json (every complaint of
 * the finished attempt, in the order raised).  ERR_WRONG_STATE when the
 * ceremony has not finished.
 */
int ceremony_export(struct db *db, const char *election_id, const char *dir)
    CEREMONY_WUR;

/* Writes len bytes to path (created or replaced, mode 0644, fsync'd). */
int cfile_write(const char *path, const uint8_t *p, size_t len) CEREMONY_WUR;

/*
 * Writes one ceremony message (kind, from, to and body in its envelope
 * for p) as dir/<cmsg_filename>, through cfile_write.  ERR_TOO_LARGE when
 * the path does not fit; the codec's and cfile_write's errors.
 */
int cmsg_write_file(const char *dir, const struct dkg_params *p,
    enum cmsg_kind kind, uint32_t from, uint32_t to, const uint8_t *body,
    size_t len) CEREMONY_WUR;

/*
 * Writes len bytes to a NEW file path (mode 0644, fsync'd): ERR_EXISTS
 * when anything is there already (even a dangling symbolic link), which
 * is left untouched; on a write error the new file is removed.
 */
int cfile_write_new(const char *path, const uint8_t *p, size_t len)
    CEREMONY_WUR;

#endif /* IPPYO_TALLY_CEREMONY_H */
