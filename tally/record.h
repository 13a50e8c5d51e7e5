/*
 * record.h - writes the election record (docs/PROTOCOL-record.md) from
 * what the box, the ceremony, the tally and the audit log stored.
 *
 * Two stages:
 *   RECORD_TRUSTEES  after tally_start: everything up to tally.json, what
 *                    a trustee checks (the aggregates are the sums of the
 *                    counted ballots) before making decryption shares;
 *   RECORD_FULL      after tally_publish: the whole record.
 * Both end with INDEX and INDEX.sig, signed by the committee key (which
 * must be the key that signed the final checkpoint).
 */
#ifndef IPPYO_TALLY_RECORD_H
#define IPPYO_TALLY_RECORD_H

#include "crypto/sign.h"
#include "db/db.h"

enum record_stage {
	RECORD_TRUSTEES = 1,
	RECORD_FULL = 2
};

/*
 * Writes the record of election id into dir, which must not exist (it is
 * created, mode 0755; files 0644).  ERR_WRONG_STATE when the tally has not
 * reached the stage; ERR_MISMATCH when committee is not the key of the
 * tally; ERR_EXISTS when dir exists.  On failure dir may hold a partial
 * record without INDEX.sig.
 */
int record_write(struct db *db, const char *id, const char *dir,
    enum record_stage stage, struct sign_key *committee)
    __attribute__((warn_unused_result));

/*
 * Packs a record directory written by record_write into the single-file
 * form (a ustar archive, docs/PROTOCOL-record.md §2) at tar_path, under
 * the top directory top (the protocol's name is "<election id>-record").
 */
int record_pack(const char *dir, const char *top, const char *tar_path)
    __attribute__((warn_unused_result));

#endif /* IPPYO_TALLY_RECORD_H */
