/*
 * binding.h - tying a card to a resident, and keeping that tie honest.
 *
 * The user-authentication certificate carries no personal data, so the
 * first binding comes either from the card's signature certificate, whose
 * subjectAltName carries name, date of birth, sex and address (matched
 * against the register after the normalisation in docs/REGISTRY.md; no
 * match, or more than one, is a refusal, never a guess), or from staff
 * who checked the person in front of them (a witnessed binding).  After
 * renewal a new binding replaces the old one.  The revocation sweep
 * suspends bindings whose certificate is revoked or expired.  Every change
 * appends an audit entry in the same transaction.
 */
#ifndef IPPYO_REGISTRY_BINDING_H
#define IPPYO_REGISTRY_BINDING_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/certcheck.h"
#include "db/db.h"

#define BINDING_NORM_MAX 1024

/*
 * Normalises a name or address for comparison: full-width ASCII letters,
 * digits and signs become half-width, every kind of space and dash
 * variant is folded (spaces removed, dashes to '-').  Nothing else: kanji
 * variants (異体字) are left alone, so they refuse rather than guess.
 * Returns 0 or ERR_FORMAT (not UTF-8) / ERR_TOO_LARGE.
 */
int binding_normalise(const char *in, char *out, size_t outmax)
    __attribute__((warn_unused_result));

struct binding_result {
	int64_t binding_id;	/* the new binding */
	char resident_id[33];	/* whom it binds */
	int64_t replaced;	/* earlier active binding replaced, or 0 */
	int64_t audit_seq;	/* the audit entry */
};

/*
 * Binds by signature certificate.  auth_der and sign_der are the card's
 * two certificates.  Both keys sign, RS256, the same message
 *
 *	M = SHA-256("ippyo-bind-v1") || SHA-256(nonce || SHA-256(auth_der))
 *
 * auth_sig with the authentication key (after the PIN) and sign_sig with
 * the signature key (after the signature password).  Both signatures over
 * one fresh nonce show that both keys were present together: without the
 * authentication signature, anyone could bind someone else's (public)
 * authentication certificate to their own identity.
 * The nonce (purpose "bind") is consumed.  Both certificates are
 * validated (purposes, chains, revocation).  Returns 0; ERR_NONCE;
 * certificate errors; ERR_VERIFY (either signature); ERR_MISMATCH (no
 * resident or more than one matches the basic 4 items); ERR_EXISTS (this
 * certificate is already bound); a db error.
 */
int binding_bind_signature(struct db *db, const struct certcheck *auth_cc,
    const struct certcheck *sign_cc, const uint8_t *auth_der, size_t auth_len,
    const uint8_t *sign_der, size_t sign_len, const uint8_t nonce[32],
    const uint8_t *auth_sig, size_t auth_sig_len, const uint8_t *sign_sig,
    size_t sign_sig_len, const char *actor, struct binding_result *res)
    __attribute__((warn_unused_result));

/* The message binding_bind_signature expects the signature key to sign. */
void binding_message(const uint8_t nonce[32], const uint8_t *auth_der,
    size_t auth_len, uint8_t m[64]);

/*
 * Binds after an in-person check by witness (staff member's name).  The
 * card proves it holds the key of the certificate being bound: auth_sig
 * is its RS256 signature over binding_message(nonce, auth_der) with a
 * fresh nonce of purpose "bind" (consumed here).  The certificate is
 * validated; the resident must exist and be active.  Errors as
 * binding_bind_signature, plus ERR_NOT_FOUND (no such active resident).
 */
int binding_bind_witnessed(struct db *db, const struct certcheck *auth_cc,
    const uint8_t *auth_der, size_t auth_len, const uint8_t nonce[32],
    const uint8_t *auth_sig, size_t auth_sig_len, const char *resident_id,
    const char *witness, const char *actor, struct binding_result *res)
    __attribute__((warn_unused_result));

/*
 * Takes the binding lock shared for the rest of the caller's transaction
 * (a PostgreSQL advisory lock, so any role may take it).  Every change of
 * a binding's status takes it exclusively (trigger card_bindings_status_lock,
 * db/migrations/0009_binding_lock.sql): a transaction that re-checks a
 * binding under the shared lock (the ballot box's append) knows that no
 * suspension or replacement commits before it does.
 */
int binding_lock_shared(struct db *db) __attribute__((warn_unused_result));

/*
 * The resident an authentication certificate (issuer, serial) is actively
 * bound to.  ERR_NOT_BOUND when none.
 */
int binding_find(struct db *db, const char *issuer, const char *serial,
    char resident_id[33]) __attribute__((warn_unused_result));

/*
 * Re-validates every active binding's certificate (CRL/OCSP as cc is
 * configured) and suspends those revoked or expired.  *checked, *suspended
 * count them; *unknown counts those whose status could not be learnt (left
 * active: authentication fails closed on them anyway).
 */
int binding_sweep(struct db *db, const struct certcheck *cc,
    const char *actor, int64_t *checked, int64_t *suspended,
    int64_t *unknown) __attribute__((warn_unused_result));

#endif /* IPPYO_REGISTRY_BINDING_H */
