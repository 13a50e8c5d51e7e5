/*
 * certcheck.h - is this JPKI certificate valid, for this use, right now?
 *
 * The checks, in order, each failing closed:
 *   1. shape: one DER certificate of at most LIMIT_CERT_DER_MAX bytes
 *      that re-encodes to the same bytes;
 *   2. algorithm: public key and signature in the configured set
 *      (RSA-2048..4096 with SHA-256 today; ECDSA P-384 with SHA-384 when
 *      enabled for the next-generation card);
 *   3. chain to a configured CA (the CAs are the trust anchors), every
 *      certificate valid at the given time;
 *   4. purpose: key usage digitalSignature (authentication) or
 *      nonRepudiation (signature), and the JPKI certificate policy of that
 *      purpose;
 *   5. revocation by CRL (when CRLs are configured: the issuer's CRL must
 *      be present and current) and by OCSP (when enabled): a request with a
 *      nonce to the certificate's AIA URL (or a configured one), within
 *      LIMIT_OCSP_TIMEOUT_S; the response must be successful, signed by the
 *      CA or a responder the CA authorised for OCSP signing, echo the
 *      nonce, name exactly this certificate, be fresh (thisUpdate at most
 *      LIMIT_OCSP_MAX_AGE_S old and not in the future beyond a 5-minute
 *      skew, nextUpdate not past), and say "good".  No answer, a slow
 *      answer, an unsigned or stale answer: ERR_REVOCATION_UNKNOWN.
 *
 * Safe on untrusted certificates and untrusted OCSP responses.  Not
 * constant-time (public data).  A struct certcheck may be shared by
 * threads once configured (verification does not modify it).
 */
#ifndef IPPYO_CRYPTO_CERTCHECK_H
#define IPPYO_CRYPTO_CERTCHECK_H

#include <stddef.h>
#include <stdint.h>

#define CERTCHECK_WUR __attribute__((warn_unused_result))

/* JPKI certificate policies (J-LIS; jpki-card.md §7). */
#define CERTCHECK_POLICY_AUTH "1.2.392.200149.8.5.1.3.30"
#define CERTCHECK_POLICY_SIGN "1.2.392.200149.8.5.1.1.20"

enum certcheck_purpose {
	CERTCHECK_AUTH = 0,	/* 利用者証明用: digitalSignature */
	CERTCHECK_SIGN = 1	/* 署名用: nonRepudiation */
};

/* Algorithm set bits. */
#define CERTCHECK_ALG_RSA_SHA256	0x1
#define CERTCHECK_ALG_ECDSA_P384_SHA384	0x2

struct certcheck;
struct x509_cert;

struct certcheck_result {
	char issuer[256];	/* RFC 2253 issuer name */
	char serial[80];	/* serial, lowercase hex, no leading zeros */
	int64_t not_after;	/* seconds since the epoch */
	int ocsp_checked;	/* 1 when an OCSP answer said "good" */
	int crl_checked;	/* 1 when a CRL was consulted */
};

/* A validator with no CA yet; RSA-SHA256 allowed, OCSP on, CRL off. */
int certcheck_new(struct certcheck **out) CERTCHECK_WUR;
void certcheck_free(struct certcheck *cc);

/* Adds a trust anchor (PEM or DER file).  ERR_IO, ERR_FORMAT. */
int certcheck_add_ca_file(struct certcheck *cc, const char *path)
    CERTCHECK_WUR;

/* Adds a CRL (PEM or DER) and turns CRL checking on. */
int certcheck_add_crl_file(struct certcheck *cc, const char *path)
    CERTCHECK_WUR;

/* OCSP on or off; url overrides the certificate's AIA (NULL: use AIA). */
int certcheck_set_ocsp(struct certcheck *cc, int on, const char *url)
    CERTCHECK_WUR;

/* Allowed algorithms (CERTCHECK_ALG_* bits). */
void certcheck_set_algorithms(struct certcheck *cc, unsigned algs);

/* The OCSP deadline in milliseconds (default LIMIT_OCSP_TIMEOUT_S). */
void certcheck_set_ocsp_timeout_ms(struct certcheck *cc, int ms);

/*
 * Validates der for purpose at time at_s (seconds since the epoch; OCSP
 * freshness is judged against clock_now_us()).  Fills *res on success.
 * Returns 0; ERR_TOO_LARGE; ERR_CERT_INVALID (malformed, untrusted chain,
 * wrong purpose or policy); ERR_UNSUPPORTED (algorithm not allowed);
 * ERR_CERT_EXPIRED (outside validity); ERR_CERT_REVOKED;
 * ERR_REVOCATION_UNKNOWN (no usable CRL or OCSP answer).
 */
int certcheck_verify(const struct certcheck *cc, const uint8_t *der,
    size_t len, enum certcheck_purpose purpose, int64_t at_s,
    struct certcheck_result *res) CERTCHECK_WUR;

/*
 * The same checks on a certificate that x509_cert_from_der has parsed
 * (it has already refused anything but one canonical DER certificate),
 * for a caller that needs the certificate's key as well: parsing a
 * certificate is a large part of a cast's cost, so it is done once.
 */
int certcheck_verify_cert(const struct certcheck *cc,
    const struct x509_cert *c, enum certcheck_purpose purpose, int64_t at_s,
    struct certcheck_result *res) CERTCHECK_WUR;

#endif /* IPPYO_CRYPTO_CERTCHECK_H */
