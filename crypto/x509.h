/*
 * x509.h - X.509 certificates as the JPKI card carries them.
 *
 * Parsing only what the card client and the identity binding need: the
 * public key, subject, issuer, serial, validity, key usage, and the
 * signature certificate's personal data (subjectAltName otherNames
 * 1.2.392.200149.8.5.5.1-6: name, its substitute-character flags, sex,
 * date of birth, address, its flags).  Chain building, CRL and OCSP
 * validation belong in this module too and come later; nothing here says
 * a certificate is trustworthy, only what it contains.
 *
 * All parsers are safe on untrusted input (DER only: the input must be
 * exactly one certificate that re-encodes to the same bytes).  No
 * OpenSSL type crosses this header.  Not constant-time (public data).
 */
#ifndef IPPYO_CRYPTO_X509_H
#define IPPYO_CRYPTO_X509_H

#include <stddef.h>
#include <stdint.h>

#include "core/limits.h"
#include "crypto/rsa.h"

#define X509_WUR __attribute__((warn_unused_result))

struct x509_cert;

/*
 * Parses one DER certificate of at most LIMIT_CERT_DER_MAX bytes.
 * ERR_TOO_LARGE, ERR_CERT_INVALID (not a certificate, trailing bytes,
 * not DER).  Caller frees *out.
 */
int x509_cert_from_der(const uint8_t *der, size_t len, struct x509_cert **out)
    X509_WUR;

/* Frees a certificate.  Accepts NULL. */
void x509_cert_free(struct x509_cert *c);

/* The certificate's DER bytes (owned by c). */
void x509_cert_der(const struct x509_cert *c, const uint8_t **der,
    size_t *len);

/*
 * The subject public key as an RSA key (caller frees *out);
 * ERR_UNSUPPORTED when it is not RSA of an allowed size.
 */
int x509_cert_pubkey(const struct x509_cert *c, struct rsa_pub **out) X509_WUR;

/*
 * Subject and issuer as RFC 2253 text in UTF-8 (e.g. "CN=x,L=y,C=JP")
 * into out (room for outmax bytes incl. NUL).  ERR_TOO_LARGE when it
 * does not fit.
 */
int x509_cert_subject(const struct x509_cert *c, char *out, size_t outmax)
    X509_WUR;
int x509_cert_issuer(const struct x509_cert *c, char *out, size_t outmax)
    X509_WUR;

/* Serial number as lower-case hex without leading zeros ("1a2b"). */
int x509_cert_serial_hex(const struct x509_cert *c, char *out, size_t outmax)
    X509_WUR;

/* notBefore / notAfter as seconds since the epoch (UTC). */
int x509_cert_validity(const struct x509_cert *c, int64_t *not_before,
    int64_t *not_after) X509_WUR;

/* Key usage bits (X509_KU_* below) or ERR_NOT_FOUND when absent. */
#define X509_KU_DIGITAL_SIGNATURE	0x80
#define X509_KU_NON_REPUDIATION		0x40
#define X509_KU_KEY_CERT_SIGN		0x04
#define X509_KU_CRL_SIGN		0x02
int x509_cert_key_usage(const struct x509_cert *c, unsigned *bits) X509_WUR;

/*
 * Whether issuer's key verifies c's signature (and issuer's subject is
 * c's issuer).  0 or ERR_VERIFY.  A building block for chain validation,
 * not a chain validation.
 */
int x509_cert_check_issued_by(const struct x509_cert *c,
    const struct x509_cert *issuer) X509_WUR;

/* Personal data of a JPKI signature certificate, NUL-terminated UTF-8. */
struct x509_jpki_identity {
	char name[LIMIT_NAME_LEN_MAX + 1];		/* .5.5.1 氏名 */
	char name_subst[LIMIT_NAME_LEN_MAX + 1];	/* .5.5.2 per-char 0/1 */
	char sex[2];			/* .5.5.3 1 male, 2 female, 3 unknown */
	char birth[10];			/* .5.5.4 EYYYYMMDD (era digit) */
	char address[LIMIT_ADDRESS_LEN_MAX + 1];	/* .5.5.5 住所 */
	char address_subst[LIMIT_ADDRESS_LEN_MAX + 1];	/* .5.5.6 flags */
};

/*
 * Extracts the six otherNames from subjectAltName.  ERR_NOT_FOUND when
 * the certificate has no such names (an authentication certificate);
 * ERR_CERT_INVALID when one is missing, repeated, not a UTF8String,
 * too long, or breaks its format (sex one digit 1-3, birth era digit +
 * 8 digits, flags only 0/1).  *out is cleared on entry.
 */
int x509_cert_jpki_identity(const struct x509_cert *c,
    struct x509_jpki_identity *out) X509_WUR;

#endif /* IPPYO_CRYPTO_X509_H */
