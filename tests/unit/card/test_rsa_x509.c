/*
 * test_rsa_x509.c - the RSA and certificate modules' refusals (the full
 * certificate paths run against the test PKI in tests/integration/card/).
 */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/limits.h"
#include "crypto/rsa.h"
#include "crypto/x509.h"
#include "tests/harness/mutate.h"
#include "tests/harness/test.h"

TEST(x509_refuses_garbage_and_oversize)
{
	uint8_t buf[LIMIT_CERT_DER_MAX + 1];
	struct x509_cert *x = NULL;

	memset(buf, 0x30, sizeof(buf));
	ASSERT_ERR(x509_cert_from_der(buf, sizeof(buf), &x), ERR_TOO_LARGE);
	ASSERT_ERR(x509_cert_from_der(buf, 100, &x), ERR_CERT_INVALID);
	ASSERT_ERR(x509_cert_from_der(buf, 0, &x), ERR_CERT_INVALID);
	ASSERT_NULL(x);
	x509_cert_free(NULL);
}

static struct rsa_key *key;

static int
accept_sig(const uint8_t *p, size_t len, void *ctx)
{
	struct rsa_pub *pub = ctx;
	uint8_t h[RSA_SHA256_LEN], di[RSA_DIGESTINFO_SHA256_LEN];

	if (rsa_sha256("msg", 3, h) != 0)
		return ERR_CRYPTO;
	rsa_digestinfo_sha256(h, di);
	return rsa_verify_pkcs1(pub, di, sizeof(di), p, len);
}

TEST(rsa_sign_verify_and_every_mutant_refused)
{
	struct rsa_pub *pub = NULL;
	uint8_t h[RSA_SHA256_LEN], di[RSA_DIGESTINFO_SHA256_LEN];
	uint8_t sig[RSA_SIG_MAX], *der = NULL;
	size_t n, dl;
	struct rsa_key *k2 = NULL;

	if (key == NULL)
		ASSERT_OK(rsa_key_generate(2048, &key));
	ASSERT_OK(rsa_key_pub(key, &pub));
	ASSERT_INT_EQ(rsa_key_size(key), 256);
	ASSERT_OK(rsa_sha256("msg", 3, h));
	rsa_digestinfo_sha256(h, di);
	ASSERT_OK(rsa_sign_pkcs1(key, di, sizeof(di), sig, sizeof(sig), &n));
	ASSERT_INT_EQ(n, 256);
	ASSERT_OK(rsa_verify_sha256(pub, (const uint8_t *)"msg", 3, sig, n));
	/* A signature over a prefix of the DigestInfo is not accepted. */
	ASSERT_ERR(rsa_verify_pkcs1(pub, di, sizeof(di) - 1, sig, n), ERR_VERIFY);
	ASSERT_MUTANTS_REJECTED(sig, n, MUTATE_ALL, accept_sig, pub);
	ASSERT_ERR(rsa_sign_pkcs1(key, di, 246, sig, sizeof(sig), &n),
	    ERR_INVALID_ARG);
	ASSERT_ERR(rsa_sign_pkcs1(key, di, sizeof(di), sig, 255, &n),
	    ERR_TOO_LARGE);
	/* PKCS#8 round trip; garbage and trailing bytes are refused. */
	ASSERT_OK(rsa_key_to_der(key, &der, &dl));
	ASSERT_OK(rsa_key_from_der(der, dl, &k2));
	rsa_key_free(k2);
	ASSERT_ERR(rsa_key_from_der(der, dl - 1, &k2), ERR_FORMAT);
	ASSERT_ERR(rsa_key_from_der(di, sizeof(di), &k2), ERR_FORMAT);
	ASSERT_NULL(k2);
	free(der);
	ASSERT_OK(rsa_pub_to_der(pub, &der, &dl));
	rsa_pub_free(pub);
	pub = NULL;
	ASSERT_OK(rsa_pub_from_der(der, dl, &pub));
	{
		struct rsa_pub *p2 = NULL;

		ASSERT_ERR(rsa_pub_from_der(der, dl - 1, &p2), ERR_FORMAT);
		ASSERT_NULL(p2);
	}
	free(der);
	rsa_pub_free(pub);
	rsa_key_free(NULL);
	rsa_pub_free(NULL);
}
