/*
 * err.h - the one error enum of the project.
 *
 * Every fallible function returns an int: 0 (ERR_OK) on success or one of
 * the negative codes below.  The list is append-only: a code is never
 * renumbered or reused, retired codes stay reserved, so logs and stored
 * values keep their meaning across versions.
 *
 * Errors that leave the process (HTTP answers, CLI exit text) are coarse;
 * the precise code goes to the log.  Every failed cryptographic check maps
 * to ERR_VERIFY with no further detail, so that an attacker learns nothing
 * about which equation failed.
 */
#ifndef IPPYO_CORE_ERR_H
#define IPPYO_CORE_ERR_H

enum err {
	ERR_OK = 0,
	ERR_INTERNAL = -1,		/* a bug or an impossible state */
	ERR_NOMEM = -2,			/* allocation failed */
	ERR_INVALID_ARG = -3,		/* caller passed a bad argument */
	ERR_TRUNCATED = -4,		/* input ended before the value did */
	ERR_TRAILING_DATA = -5,		/* bytes left over after a parse */
	ERR_TOO_LARGE = -6,		/* a size over its limit */
	ERR_FORMAT = -7,		/* malformed encoding */
	ERR_NOT_CANONICAL = -8,		/* valid value, non-canonical bytes */
	ERR_RANGE = -9,			/* number outside its allowed range */
	ERR_IO = -10,			/* read/write/file system failure */
	ERR_NOT_FOUND = -11,		/* no such object */
	ERR_EXISTS = -12,		/* object already exists */
	ERR_DB = -13,			/* database error */
	ERR_DB_CONNECT = -14,		/* cannot reach the database */
	ERR_DB_CONSTRAINT = -15,	/* a constraint refused the change */
	ERR_MIGRATION = -16,		/* migration failed or was altered */
	ERR_VERIFY = -17,		/* a cryptographic check failed */
	ERR_RNG = -18,			/* the random source failed */
	ERR_CRYPTO = -19,		/* a crypto library call failed */
	ERR_PASSPHRASE = -20,		/* sealed file: wrong passphrase */
	ERR_TIMEOUT = -21,		/* an operation took too long */
	ERR_WRONG_STATE = -22,		/* not allowed in the current state */
	ERR_PERM = -23,			/* not permitted for this caller */
	ERR_RATE_LIMITED = -24,		/* too many requests */
	ERR_UNSUPPORTED = -25,		/* version or algorithm not supported */
	ERR_CARD_ABSENT = -26,		/* no card in the reader */
	ERR_CARD_REMOVED = -27,		/* card pulled out mid-operation */
	ERR_READER_GONE = -28,		/* reader disappeared */
	ERR_CARD_PROTOCOL = -29,	/* card answered outside the protocol */
	ERR_PIN_FORMAT = -30,		/* PIN of wrong length/alphabet */
	ERR_PIN_WRONG = -31,		/* card refused the PIN */
	ERR_PIN_BLOCKED = -32,		/* PIN blocked (no tries left) */
	ERR_PCSC = -33,			/* PC/SC service failure */
	ERR_CERT_INVALID = -34,		/* certificate chain/profile invalid */
	ERR_CERT_EXPIRED = -35,		/* certificate outside validity */
	ERR_CERT_REVOKED = -36,		/* certificate revoked */
	ERR_REVOCATION_UNKNOWN = -37,	/* revocation status unobtainable */
	ERR_NONCE = -38,		/* nonce unknown, used or expired */
	ERR_ORIGIN = -39,		/* token bound to another origin */
	ERR_NOT_BOUND = -40,		/* card not bound to a resident */
	ERR_NOT_ELIGIBLE = -41,		/* not on this election's roll */
	ERR_WINDOW_CLOSED = -42,	/* outside the voting window */
	ERR_ALREADY_ADMITTED = -43,	/* voter admitted in person */
	ERR_DUPLICATE = -44,		/* same submission seen before */
	ERR_MISMATCH = -45,		/* data does not match its reference */
	ERR_USAGE = -46,		/* command line misuse */
	ERR_UNAVAILABLE = -47,		/* a service is not configured or up */
	/* Append new codes here; never renumber. */
	ERR_LAST_ = -48
};

/*
 * Returns a short English description of an error code.  Never NULL; an
 * unknown code yields "unknown error".  The string is static.
 */
const char *err_str(int r);

/* Returns the symbolic name ("ERR_FORMAT") of a code, for logs. */
const char *err_name(int r);

#endif /* IPPYO_CORE_ERR_H */
