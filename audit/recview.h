/*
 * recview.h - the verifier's own reading of the canonical manifest and
 * ballot (docs/PROTOCOL-ballot.md), written from that page and not by
 * calling ballot/ (which sits above audit/ and is what is being checked).
 *
 * Both decoders are strict (the same rules as the page: every length
 * within its limit, ids and texts as specified, no trailing bytes) and
 * safe on untrusted input.  Errors: ERR_FORMAT, ERR_TRUNCATED,
 * ERR_TRAILING_DATA, ERR_TOO_LARGE, ERR_UNSUPPORTED, ERR_RANGE, ERR_NOMEM.
 */
#ifndef IPPYO_AUDIT_RECVIEW_H
#define IPPYO_AUDIT_RECVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "core/limits.h"

struct rv_option {
	char id[LIMIT_ID_LEN_MAX + 1];
	char label_ja[LIMIT_NAME_LEN_MAX + 1];
	char label_en[LIMIT_NAME_LEN_MAX + 1];
};

struct rv_contest {
	char id[LIMIT_ID_LEN_MAX + 1];
	char title_ja[LIMIT_NAME_LEN_MAX + 1];
	char title_en[LIMIT_NAME_LEN_MAX + 1];
	uint32_t min, max, noptions;
	struct rv_option *options;
	size_t ct_len;		/* the encrypted contest's length for this shape
				   (docs/PROTOCOL-crypto.md §6) */
};

struct rv_manifest {
	char id[LIMIT_ID_LEN_MAX + 1];
	char name_ja[LIMIT_NAME_LEN_MAX + 1];
	char name_en[LIMIT_NAME_LEN_MAX + 1];
	char municipality[7];
	char election_day[11];		/* YYYY-MM-DD */
	char reference_date[11];
	uint64_t opens_us, closes_us;
	uint32_t ncontests;
	struct rv_contest *contests;
};

int rv_manifest_decode(const uint8_t *p, size_t len, struct rv_manifest **out)
    __attribute__((warn_unused_result));
void rv_manifest_free(struct rv_manifest *m);

/* A decoded ballot: pointers into the caller's bytes (no copies). */
struct rv_ballot {
	const uint8_t *election_id;	/* not NUL-terminated */
	size_t election_id_len;
	const uint8_t *context;		/* 32 bytes */
	const uint8_t *alias;		/* 32 lowercase hex chars */
	size_t alias_len;
	uint32_t ncontests;
	const uint8_t *contest[LIMIT_CONTESTS_MAX];	/* encrypted contests */
	size_t contest_len[LIMIT_CONTESTS_MAX];
};

/*
 * Decodes a ballot for manifest m: contest count, indices in order and
 * each contest's exact length for its shape are checked here; the
 * election id and context are returned for the caller to compare.
 */
int rv_ballot_decode(const struct rv_manifest *m, const uint8_t *p,
    size_t len, struct rv_ballot *out) __attribute__((warn_unused_result));

/* SHA-256("ippyo-ballot-v1" | bytes), through crypto/digest. */
void rv_ballot_hash(const uint8_t *p, size_t len, uint8_t out[32]);

#endif /* IPPYO_AUDIT_RECVIEW_H */
