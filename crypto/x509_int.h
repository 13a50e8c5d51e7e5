/*
 * x509_int.h - private to crypto/: the OpenSSL certificate inside a
 * struct x509_cert, so certcheck.c can validate a certificate that
 * x509.c has already parsed (one parse per request, not two).
 */
#ifndef IPPYO_CRYPTO_X509_INT_H
#define IPPYO_CRYPTO_X509_INT_H

#include <openssl/x509.h>

#include "crypto/x509.h"

/* The parsed certificate (owned by c; no new reference). */
X509 *x509_cert_get0_ossl(const struct x509_cert *c);

#endif /* IPPYO_CRYPTO_X509_INT_H */
