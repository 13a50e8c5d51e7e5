/*
 * err.c - text for the project's error codes.
 */
#include <stddef.h>

#include "core/err.h"

struct err_text {
	int code;		/* the enum value */
	const char *name;	/* its symbol, for logs */
	const char *text;	/* one line of English */
};

#define E(c, t) { c, #c, t }
static const struct err_text err_table[] = {
	E(ERR_OK, "success"),
	E(ERR_INTERNAL, "internal error"),
	E(ERR_NOMEM, "out of memory"),
	E(ERR_INVALID_ARG, "invalid argument"),
	E(ERR_TRUNCATED, "input truncated"),
	E(ERR_TRAILING_DATA, "trailing data after value"),
	E(ERR_TOO_LARGE, "input too large"),
	E(ERR_FORMAT, "malformed input"),
	E(ERR_NOT_CANONICAL, "non-canonical encoding"),
	E(ERR_RANGE, "value out of range"),
	E(ERR_IO, "input/output error"),
	E(ERR_NOT_FOUND, "not found"),
	E(ERR_EXISTS, "already exists"),
	E(ERR_DB, "database error"),
	E(ERR_DB_CONNECT, "cannot connect to database"),
	E(ERR_DB_CONSTRAINT, "database constraint violated"),
	E(ERR_MIGRATION, "schema migration failed"),
	E(ERR_VERIFY, "verification failed"),
	E(ERR_RNG, "random source failed"),
	E(ERR_CRYPTO, "cryptographic library failure"),
	E(ERR_PASSPHRASE, "wrong passphrase or damaged file"),
	E(ERR_TIMEOUT, "timed out"),
	E(ERR_WRONG_STATE, "not allowed in the current state"),
	E(ERR_PERM, "permission denied"),
	E(ERR_RATE_LIMITED, "too many requests"),
	E(ERR_UNSUPPORTED, "unsupported version or algorithm"),
	E(ERR_CARD_ABSENT, "no card in the reader"),
	E(ERR_CARD_REMOVED, "card removed during operation"),
	E(ERR_READER_GONE, "card reader disappeared"),
	E(ERR_CARD_PROTOCOL, "card protocol error"),
	E(ERR_PIN_FORMAT, "PIN has the wrong length or characters"),
	E(ERR_PIN_WRONG, "wrong PIN"),
	E(ERR_PIN_BLOCKED, "PIN blocked"),
	E(ERR_PCSC, "smart card service error"),
	E(ERR_CERT_INVALID, "certificate invalid"),
	E(ERR_CERT_EXPIRED, "certificate expired or not yet valid"),
	E(ERR_CERT_REVOKED, "certificate revoked"),
	E(ERR_REVOCATION_UNKNOWN, "revocation status unavailable"),
	E(ERR_NONCE, "nonce unknown, used or expired"),
	E(ERR_ORIGIN, "token for another origin"),
	E(ERR_NOT_BOUND, "card not bound to a resident"),
	E(ERR_NOT_ELIGIBLE, "not eligible in this election"),
	E(ERR_WINDOW_CLOSED, "voting window closed"),
	E(ERR_ALREADY_ADMITTED, "voter already admitted in person"),
	E(ERR_DUPLICATE, "duplicate submission"),
	E(ERR_MISMATCH, "data does not match"),
	E(ERR_USAGE, "usage error"),
	E(ERR_UNAVAILABLE, "service unavailable"),
};
#undef E

_Static_assert(sizeof(err_table) / sizeof(err_table[0]) == -ERR_LAST_,
    "every error code needs a line in err_table");

static const struct err_text *
err_lookup(int r)
{
	/* The table is dense and ordered: code -i sits at index i. */
	if (r > 0 || r <= ERR_LAST_)
		return NULL;
	return &err_table[-r];
}

const char *
err_str(int r)
{
	const struct err_text *e = err_lookup(r);

	return e != NULL ? e->text : "unknown error";
}

const char *
err_name(int r)
{
	const struct err_text *e = err_lookup(r);

	return e != NULL ? e->name : "ERR_UNKNOWN";
}
