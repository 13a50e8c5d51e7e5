/*
 * auth.c - token validation.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/misuse.h"
#include "crypto/certcheck.h"
#include "crypto/digest.h"
#include "crypto/rsa.h"
#include "crypto/x509.h"
#include "db/db.h"
#include "registry/auth.h"
#include "registry/nonce.h"

int
auth_origin_ok(const char *o)
{
	size_t n, i;
	const char *h;
	int colon = 0, port_digits = 0;

	if (o == NULL || (n = strlen(o)) > AUTH_ORIGIN_MAX ||
	    strncmp(o, "https://", 8) != 0 || n == 8)
		return 0;
	for (h = o + 8, i = 0; h[i] != '\0'; i++) {
		char c = h[i];

		if (colon) {
			if (c < '0' || c > '9' || ++port_digits > 5)
				return 0;
			continue;
		}
		if (c == ':' && i > 0) {
			colon = 1;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '-'))
			return 0;
	}
	return !colon || port_digits > 0;
}

void
auth_message(const char *origin, const uint8_t nonce[LIMIT_NONCE_BYTES],
    const uint8_t *doc_hash, uint8_t m[64])
{
	struct digest *d;

	REQUIRE(origin != NULL && nonce != NULL && m != NULL);
	digest_sha256(origin, strlen(origin), m);
	if ((d = digest_new()) == NULL)
		MISUSE("out of memory hashing an auth payload");
	digest_put(d, nonce, LIMIT_NONCE_BYTES);
	if (doc_hash != NULL)
		digest_put(d, doc_hash, AUTH_DOC_HASH_LEN);
	digest_final(d, m + 32);
}

int
auth_verify(struct db *db, const struct certcheck *cc,
    const struct auth_token *t, const char *origin, const char *purpose,
    const uint8_t *doc_hash, struct auth_result *res)
{
	struct certcheck_result cr;
	struct x509_cert *x = NULL;
	struct rsa_pub *pub = NULL;
	uint8_t m[64];
	int r = ERR_INTERNAL;

	REQUIRE(db != NULL && cc != NULL && t != NULL && res != NULL);
	memset(res, 0, sizeof(*res));
	REQUIRE(auth_origin_ok(origin));
	REQUIRE(!db_in_transaction(db));
	/* 1. Shape and size, before anything costs the server work. */
	if (t->format == NULL || strcmp(t->format, AUTH_FORMAT) != 0)
		return ERR_FORMAT;
	if (t->algorithm == NULL || strcmp(t->algorithm, "RS256") != 0)
		return ERR_UNSUPPORTED;
	if (t->cert == NULL || t->cert_len == 0 || t->nonce == NULL ||
	    t->sig == NULL || t->nonce_len != LIMIT_NONCE_BYTES)
		return ERR_FORMAT;
	if (t->cert_len > LIMIT_CERT_DER_MAX || t->sig_len > RSA_SIG_MAX)
		return ERR_TOO_LARGE;
	/* 2. The nonce: used up now, whatever the rest says. */
	if ((r = nonce_consume(db, purpose, t->nonce)) != 0) {
		log_info("auth.refused", LOG_E("error", r));
		return r;
	}
	/* 3. Certificate: one DER certificate (parsed once, for the checks
	 * and the key), chain, validity, purpose, revocation. */
	if ((r = x509_cert_from_der(t->cert, t->cert_len, &x)) != 0) {
		if (r != ERR_NOMEM)
			r = ERR_CERT_INVALID;
		goto out;
	}
	if ((r = certcheck_verify_cert(cc, x, CERTCHECK_AUTH,
	    (int64_t)(clock_now_us() / 1000000), &cr)) != 0)
		goto out;
	/* 4. The signature over M, with the certificate's key. */
	auth_message(origin, t->nonce, doc_hash, m);
	if ((r = x509_cert_pubkey(x, &pub)) != 0)
		goto out;
	if ((r = rsa_verify_sha256(pub, m, sizeof(m), t->sig,
	    t->sig_len)) != 0) {
		r = ERR_VERIFY;
		goto out;
	}
	memcpy(res->issuer, cr.issuer, sizeof(res->issuer));
	memcpy(res->serial, cr.serial, sizeof(res->serial));
	r = 0;
 out:
	if (r != 0)
		log_info("auth.refused", LOG_E("error", r));
	rsa_pub_free(pub);
	x509_cert_free(x);
	return r;
}
