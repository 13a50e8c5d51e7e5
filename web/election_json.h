/*
 * election_json.h - the JSON form of an election manifest (the file the
 * committee writes; docs/PROTOCOL-ballot.md "Manifest JSON").
 */
#ifndef IPPYO_WEB_ELECTION_JSON_H
#define IPPYO_WEB_ELECTION_JSON_H

#include <stddef.h>

#include "ballot/election.h"

/*
 * Parses a manifest JSON document (at most LIMIT_MANIFEST_MAX bytes) and
 * checks it (manifest_check).  On failure *where (when not NULL) names the
 * bad field for the person who wrote the file ("$.contests[1].max").
 * Caller frees *out.  ERR_FORMAT, ERR_RANGE, ERR_TOO_LARGE.
 */
int election_manifest_from_json(const char *text, size_t len,
    struct manifest **out, char *where, size_t wherelen)
    __attribute__((warn_unused_result));

#endif
