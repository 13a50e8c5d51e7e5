/*
 * rsa_int.h - private to crypto/: the insides of struct rsa_key and
 * struct rsa_pub, so x509.c can hand a certificate's key to rsa.c
 * without an OpenSSL type in any public header.
 */
#ifndef IPPYO_CRYPTO_RSA_INT_H
#define IPPYO_CRYPTO_RSA_INT_H

#include <openssl/evp.h>

struct rsa_key {
	EVP_PKEY *pkey;		/* the private key */
};

struct rsa_pub {
	EVP_PKEY *pkey;		/* public key only (a reference we own) */
};

/*
 * Wraps pkey (taking a new reference) after the size and exponent
 * checks of rsa.h.  ERR_UNSUPPORTED when it is not an acceptable RSA key.
 */
int rsa_pub_from_evp(EVP_PKEY *pkey, struct rsa_pub **out)
    __attribute__((warn_unused_result));

#endif /* IPPYO_CRYPTO_RSA_INT_H */
