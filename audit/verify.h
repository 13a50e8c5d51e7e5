/*
 * verify.h - ippyo-verify: the independent check of an election record
 * (docs/VERIFY.md), written against docs/PROTOCOL-record.md and never
 * calling ballot/ or tally/ (which sit above audit/ and are what is being
 * checked).  Every group operation, proof, signature and hash goes
 * through an engine (audit/engine.h), so the whole run can be repeated
 * on a second library.
 *
 * The checks are numbered V1..V13 (VERIFY_CHECKS); each is reported as
 * one line "V<n> <name>: pass" or "V<n> <name>: FAIL <what>" (or "skipped"
 * when a check it needs failed, or "WARN" for V2 when no key is pinned).
 *
 * Everything read is untrusted: every file is bounded (recload.h), JSON
 * is strict (recjson.h), binary formats are read with explicit bounds.
 */
#ifndef IPPYO_AUDIT_VERIFY_H
#define IPPYO_AUDIT_VERIFY_H

#include <stdint.h>
#include <stdio.h>

#include "audit/engine.h"

#define VERIFY_CHECKS		13	/* V1..V13 */
#define VERIFY_THREADS_MAX	64
#define VERIFY_WHAT_MAX		200	/* one failure's description */

enum verify_status {
	VERIFY_NOT_RUN = 0,	/* not reached */
	VERIFY_PASS,		/* the check holds */
	VERIFY_FAIL,		/* the check does not hold */
	VERIFY_SKIP,		/* not run: a check it needs failed */
	VERIFY_WARN		/* holds, with a caveat (V2: keys not pinned) */
};

enum verify_ballot_state {
	VERIFY_BALLOT_UNKNOWN = 0,	/* not found, or the record disagrees */
	VERIFY_BALLOT_COUNTED,		/* in counted.json */
	VERIFY_BALLOT_SUPERSEDED,	/* the voter voted again later */
	VERIFY_BALLOT_CANCELLED		/* the voter was admitted in person */
};

struct verify_opts {
	const struct engine_ops *engine;	/* NULL: openssl */
	const uint8_t *committee_key;	/* 32 bytes pinned, or NULL */
	const uint8_t *box_key;		/* 32 bytes pinned, or NULL */
	unsigned threads;		/* 0: the online CPUs */
	FILE *out;			/* the check lines; NULL: none */
	FILE *progress;			/* progress lines; NULL: quiet */
};

struct verify_report {
	enum verify_status status[VERIFY_CHECKS + 1];	/* [1..13] */
	char what[VERIFY_CHECKS + 1][VERIFY_WHAT_MAX];	/* first failure */
	unsigned long long failures[VERIFY_CHECKS + 1];	/* how many */
	int first_fail;			/* lowest failing check, 0 if none */
	int test_single_key;		/* the record says TEST-ONLY key */
	char unusable[200];		/* why the input is unusable */
	/* verify_ballot only: */
	int ballot_found;		/* the code is in the box */
	unsigned long long ballot_position;	/* where */
	enum verify_ballot_state ballot_state;	/* what became of it */
	unsigned long long superseded_by;	/* revote: the later ballot */
};

/* The short name of check n (1..VERIFY_CHECKS), e.g. "index". */
const char *verify_check_name(int n);

/*
 * Verifies the record at path (its directory or its .tar).  Writes the
 * check lines to o->out.  Returns 0 when every check passes (V2 may
 * warn), ERR_VERIFY when one fails, or another error when the input is
 * unusable (unreadable, not a record, over its limits: rep->unusable
 * says why); rep may be NULL.
 */
int verify_record(const char *path, const struct verify_opts *o,
    struct verify_report *rep) __attribute__((warn_unused_result));

/*
 * One voter's check: the ballot with tracking code code is in the box
 * of the record at path, is well-formed with valid proofs, is chained
 * (its code recomputes from the start of the box and the final
 * checkpoint covers it), and counted, or superseded or cancelled (and
 * why).  Before that, V1-V3 run as in verify_record.  Returns 0 when the
 * ballot is found and every check holds (whether or not it counted),
 * ERR_NOT_FOUND when no ballot has that code, ERR_VERIFY when a check
 * fails, or another error when the input is unusable.
 */
int verify_ballot(const char *path, const uint8_t code[32],
    const struct verify_opts *o, struct verify_report *rep)
    __attribute__((warn_unused_result));

#endif /* IPPYO_AUDIT_VERIFY_H */
