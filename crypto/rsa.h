/*
 * rsa.h - RSA PKCS#1 v1.5 as the JPKI card uses it.
 *
 * The card signs a DigestInfo that the host built (RFC 8017 §9.2 steps
 * 3-5 happen on the card: type-01 padding and the private operation);
 * the host verifies the returned signature against the certificate's
 * public key before using it.  This module gives both sides: signing with
 * a private key (the virtual card) and verification (the client, the
 * server).  OpenSSL 3 EVP underneath; no OpenSSL type crosses this header.
 *
 * Keys are RSA only, 2048 to 4096 bits, public exponent 65537 or 3 not
 * allowed below 65537.  Signing is OpenSSL's constant-time (blinded)
 * private operation; verification works on public data.
 */
#ifndef IPPYO_CRYPTO_RSA_H
#define IPPYO_CRYPTO_RSA_H

#include <stddef.h>
#include <stdint.h>

#define RSA_WUR __attribute__((warn_unused_result))

#define RSA_BITS_MIN 2048
#define RSA_BITS_MAX 4096
#define RSA_SIG_MAX (RSA_BITS_MAX / 8)
#define RSA_SHA256_LEN 32
#define RSA_DIGESTINFO_SHA256_LEN 51

/* A private key (the card's). */
struct rsa_key;
/* A public key (from a certificate or a key). */
struct rsa_pub;

/*
 * Reads a PKCS#8 DER private key.  ERR_FORMAT when it is not exactly one
 * DER RSA key, ERR_UNSUPPORTED for a size outside 2048..4096 bits or an
 * exponent under 65537.  Caller frees *out with rsa_key_free.
 */
int rsa_key_from_der(const uint8_t *der, size_t len, struct rsa_key **out)
    RSA_WUR;

/* Frees a key, wiping it.  Accepts NULL. */
void rsa_key_free(struct rsa_key *k);

/* Modulus size in bytes (the signature length). */
size_t rsa_key_size(const struct rsa_key *k);

/* The public half of k.  Caller frees *out. */
int rsa_key_pub(const struct rsa_key *k, struct rsa_pub **out) RSA_WUR;

/*
 * PKCS#1 v1.5 type-01 signature over in (inlen bytes, normally a
 * DigestInfo; at most rsa_key_size - 11).  Writes rsa_key_size bytes to
 * sig (room for sigmax).  ERR_INVALID_ARG when in is too long or empty,
 * ERR_TOO_LARGE when sig is too small, ERR_CRYPTO on library failure.
 */
int rsa_sign_pkcs1(const struct rsa_key *k, const uint8_t *in, size_t inlen,
    uint8_t *sig, size_t sigmax, size_t *siglen) RSA_WUR;

/*
 * Reads a DER SubjectPublicKeyInfo holding an RSA key (same size rules
 * as rsa_key_from_der).  Caller frees *out.
 */
int rsa_pub_from_der(const uint8_t *der, size_t len, struct rsa_pub **out)
    RSA_WUR;

/* Frees a public key.  Accepts NULL. */
void rsa_pub_free(struct rsa_pub *p);

/* Modulus size in bytes. */
size_t rsa_pub_size(const struct rsa_pub *p);

/*
 * Checks that sig is a PKCS#1 v1.5 signature by p over exactly the bytes
 * in (a DigestInfo).  0 or ERR_VERIFY (any failure, no detail; a
 * signature of the wrong length is ERR_VERIFY too).
 */
int rsa_verify_pkcs1(const struct rsa_pub *p, const uint8_t *in, size_t inlen,
    const uint8_t *sig, size_t siglen) RSA_WUR;

/* sha256WithRSAEncryption over msg: 0 or ERR_VERIFY. */
int rsa_verify_sha256(const struct rsa_pub *p, const uint8_t *msg,
    size_t len, const uint8_t *sig, size_t siglen) RSA_WUR;

/* SHA-256 of p (n bytes) into out.  0 or ERR_CRYPTO. */
int rsa_sha256(const void *p, size_t n, uint8_t out[RSA_SHA256_LEN]) RSA_WUR;

/* The SHA-256 DigestInfo (prefix ‖ hash), 51 bytes. */
void rsa_digestinfo_sha256(const uint8_t hash[RSA_SHA256_LEN],
    uint8_t out[RSA_DIGESTINFO_SHA256_LEN]);

/*
 * Generates a fresh RSA key of bits bits (tests and the card's own AP
 * key; the JPKI keys come from the test PKI).  Caller frees *out.
 */
int rsa_key_generate(unsigned bits, struct rsa_key **out) RSA_WUR;

/* The PKCS#8 DER of k into a new buffer *der (caller frees, wiping). */
int rsa_key_to_der(const struct rsa_key *k, uint8_t **der, size_t *len)
    RSA_WUR;

/* The SubjectPublicKeyInfo DER of p into a new buffer (caller frees). */
int rsa_pub_to_der(const struct rsa_pub *p, uint8_t **der, size_t *len)
    RSA_WUR;

#endif /* IPPYO_CRYPTO_RSA_H */
