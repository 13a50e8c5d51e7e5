/*
 * testpki.h - a test JPKI PKI with live OCSP responders, for a suite.
 *
 * testpki_setup() makes the PKI once per process in /tmp/ippyo-pki.PID
 * with registry/testpki.sh, issues the named cards, starts the two
 * `openssl ocsp` responders on ports of this process's own, and stops
 * them at exit.  Failures fail the running test.
 */
#ifndef IPPYO_TESTS_HARNESS_TESTPKI_H
#define IPPYO_TESTS_HARNESS_TESTPKI_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/certcheck.h"

struct testpki_card {
	const char *id;		/* directory name under ee/ */
	const char *name;	/* basic 4 */
	const char *address;
	const char *birth;	/* YYYYMMDD */
	const char *sex;	/* 1, 2, 9 */
};

/* Creates the PKI and issues cards (NULL-id terminated list). */
void testpki_setup(const struct testpki_card *cards);

/* The PKI directory and the auth responder's port. */
const char *testpki_dir(void);
int testpki_port(void);

/* Runs registry/testpki.sh with up to 5 more arguments (NULL ends). */
void testpki_cmd(const char *verb, const char *a, const char *b,
    const char *c, const char *d, const char *e);

/* Reads ee/ID/WHICH.crt.der or .key.der (caller frees). */
uint8_t *testpki_cert(const char *id, const char *which, size_t *len);
uint8_t *testpki_key(const char *id, const char *which, size_t *len);

/* A validator trusting the CA of which ("auth"/"sign"), optionally its CRL. */
struct certcheck *testpki_checker(const char *which, int crl, int ocsp);

/*
 * Signs the 64-byte message m with card id's key ("auth" or "sign") as
 * the card does: RS256 (PKCS#1 v1.5 over the SHA-256 DigestInfo of m).
 * sig must hold 512 bytes.
 */
void testpki_card_sign(const char *id, const char *which, const uint8_t m[64],
    uint8_t *sig, size_t *siglen);

/*
 * Issues n user-authentication certificates (DER, caller frees each and
 * the arrays) for voters "<prefix>-0" .. "<prefix>-(n-1)", all carrying
 * the public key of card key_id's auth key and signed by the test auth
 * CA with the JPKI profile (key usage, policy): a fast path for load
 * tests that need hundreds of distinct bound certificates.  They are not
 * in the CA's database, so validate them with CRLs, not OCSP.
 */
void testpki_issue_bulk(const char *key_id, const char *prefix, int n,
    uint8_t ***ders, size_t **lens);

/*
 * A witnessed binding as the card desk makes it: a fresh "bind" nonce,
 * the card (key_id's auth key) signs over the certificate der, then
 * binding_bind_witnessed.  Returns its result.
 */
struct db;
struct binding_result;
int testpki_bind_witnessed(struct db *db, const struct certcheck *cc,
    const char *key_id, const uint8_t *der, size_t len, const char *resident,
    struct binding_result *res);

/* fork+exec helper: exit status, or -1. */
int testpki_run(const char *const argv[]);

#endif
