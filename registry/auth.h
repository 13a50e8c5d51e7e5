/*
 * auth.h - JPKI authentication tokens (docs/PROTOCOL-auth.md).
 *
 * The server issues a nonce (registry/nonce.h); the card signs, with its
 * user-authentication key after the 4-digit PIN,
 *
 *	M = SHA-256(origin) || SHA-256(payload)		64 bytes
 *
 * as an RS256 signature (PKCS#1 v1.5, SHA-256 DigestInfo of M), where
 * payload = nonce, or nonce || document hash when a ballot or declaration
 * is being signed.  The fixed-length hashes keep origin and payload apart.
 * The token carries the certificate, the algorithm, the nonce and the
 * signature; origin and document hash come from the server's own context,
 * never from the token.
 */
#ifndef IPPYO_REGISTRY_AUTH_H
#define IPPYO_REGISTRY_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "core/limits.h"
#include "crypto/certcheck.h"
#include "db/db.h"

#define AUTH_FORMAT "ippyo-jpki:1"
#define AUTH_ORIGIN_MAX 255
#define AUTH_DOC_HASH_LEN 32

/* A token as it arrives (decoded from JSON by web/).  Points into the caller's memory. */
struct auth_token {
	const char *format;		/* must be AUTH_FORMAT */
	const char *algorithm;		/* "RS256" */
	const uint8_t *cert;		/* user-authentication certificate, DER */
	size_t cert_len;
	const uint8_t *nonce;		/* the server nonce it answers */
	size_t nonce_len;		/* must be LIMIT_NONCE_BYTES */
	const uint8_t *sig;		/* the card's signature */
	size_t sig_len;
};

struct auth_result {
	char issuer[256];		/* the certificate's issuer (RFC 2253) */
	char serial[80];		/* its serial, lowercase hex */
};

/* 1 when origin is "https://host" or "https://host:port" (no path). */
int auth_origin_ok(const char *origin);

/*
 * Builds M for origin, nonce and optional document hash (NULL when none).
 */
void auth_message(const char *origin, const uint8_t nonce[LIMIT_NONCE_BYTES],
    const uint8_t *doc_hash, uint8_t m[64]);

/*
 * Validates a token, failing closed, in this order: shape and size
 * (ERR_FORMAT, ERR_TOO_LARGE, ERR_UNSUPPORTED); nonce (consumed whatever
 * follows: ERR_NONCE); certificate, chain and revocation (the
 * certcheck_verify errors); signature over M (ERR_VERIFY).  Fills *res on
 * success.  Must be called outside a transaction: the nonce is consumed
 * and committed at once, so that no later rollback can bring it back.
 */
int auth_verify(struct db *db, const struct certcheck *cc,
    const struct auth_token *t, const char *origin, const char *purpose,
    const uint8_t *doc_hash, struct auth_result *res)
    __attribute__((warn_unused_result));

#endif /* IPPYO_REGISTRY_AUTH_H */
