/*
 * testpki.c - the suite-wide test PKI.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/err.h"
#include "crypto/certcheck.h"
#include "registry/binding.h"
#include "registry/nonce.h"
#include "crypto/rsa.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include "tests/harness/test.h"
#include "tests/harness/testpki.h"

static char dir[64];
static int port;
static int ready;

int
testpki_run(const char *const argv[])
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execv(argv[0], (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

void
testpki_cmd(const char *verb, const char *a, const char *b, const char *c,
    const char *d, const char *e)
{
	char script[512];
	const char *argv[9] = { script, verb, dir, a, b, c, d, e, NULL };

	snprintf(script, sizeof(script), "%s/registry/testpki.sh", test_root());
	if (testpki_run(argv) != 0)
		test_fail(__FILE__, __LINE__, "testpki.sh %s failed", verb);
}

static void
stop_responders(void)
{
	char script[512];
	const char *argv[4] = { script, "ocsp-stop", dir, NULL };

	if (!ready)
		return;
	snprintf(script, sizeof(script), "%s/registry/testpki.sh", test_root());
	(void)testpki_run(argv);
}

void
testpki_setup(const struct testpki_card *cards)
{
	char p[16];
	int i;

	if (ready)
		return;
	snprintf(dir, sizeof(dir), "/tmp/ippyo-pki.%d", (int)getpid());
	port = 41000 + (int)(getpid() % 8000) * 2;
	snprintf(p, sizeof(p), "%d", port);
	testpki_cmd("init", p, NULL, NULL, NULL, NULL);
	for (i = 0; cards[i].id != NULL; i++)
		testpki_cmd("issue", cards[i].id, cards[i].name, cards[i].address,
		    cards[i].birth, cards[i].sex);
	testpki_cmd("ocsp-start", NULL, NULL, NULL, NULL, NULL);
	ready = 1;
	atexit(stop_responders);
	usleep(300000);
}

const char *
testpki_dir(void)
{
	return dir;
}

int
testpki_port(void)
{
	return port;
}

static uint8_t *
file_of(const char *id, const char *which, const char *kind, size_t *len)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/ee/%s/%s.%s.der", dir, id, which, kind);
	return test_read_file(path, len);
}

uint8_t *
testpki_cert(const char *id, const char *which, size_t *len)
{
	return file_of(id, which, "crt", len);
}

uint8_t *
testpki_key(const char *id, const char *which, size_t *len)
{
	return file_of(id, which, "key", len);
}

struct certcheck *
testpki_checker(const char *which, int crl, int ocsp)
{
	struct certcheck *cc = NULL;
	char path[256];

	ASSERT_OK(certcheck_new(&cc));
	snprintf(path, sizeof(path), "%s/%s/ca.crt.pem", dir, which);
	ASSERT_OK(certcheck_add_ca_file(cc, path));
	if (crl) {
		snprintf(path, sizeof(path), "%s/%s/crl.der", dir, which);
		ASSERT_OK(certcheck_add_crl_file(cc, path));
	}
	ASSERT_OK(certcheck_set_ocsp(cc, ocsp, NULL));
	certcheck_set_ocsp_timeout_ms(cc, 2000);
	return cc;
}

void
testpki_card_sign(const char *id, const char *which, const uint8_t m[64],
    uint8_t *sig, size_t *siglen)
{
	uint8_t h[RSA_SHA256_LEN], di[RSA_DIGESTINFO_SHA256_LEN], *kd;
	struct rsa_key *k = NULL;
	size_t kl;

	kd = testpki_key(id, which, &kl);
	ASSERT_OK(rsa_key_from_der(kd, kl, &k));
	ASSERT_OK(rsa_sha256(m, 64, h));
	rsa_digestinfo_sha256(h, di);
	ASSERT_OK(rsa_sign_pkcs1(k, di, sizeof(di), sig, RSA_SIG_MAX, siglen));
	rsa_key_free(k);
	free(kd);
}

static void
add_ext(X509 *x, X509 *ca, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	X509V3_set_ctx(&ctx, ca, x, NULL, NULL, 0);
	if ((e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL ||
	    X509_add_ext(x, e, -1) != 1)
		test_fail(__FILE__, __LINE__, "extension %d", nid);
	X509_EXTENSION_free(e);
}

void
testpki_issue_bulk(const char *key_id, const char *prefix, int n,
    uint8_t ***ders, size_t **lens)
{
	char path[256], cn[96];
	EVP_PKEY *cakey = NULL, *key = NULL;
	X509 *ca = NULL;
	const unsigned char *kp;
	uint8_t *kd;
	size_t kl;
	FILE *f;
	int i;

	*ders = calloc((size_t)n, sizeof(**ders));
	*lens = calloc((size_t)n, sizeof(**lens));
	snprintf(path, sizeof(path), "%s/auth/ca.key.pem", dir);
	if ((f = fopen(path, "r")) == NULL ||
	    (cakey = PEM_read_PrivateKey(f, NULL, NULL, NULL)) == NULL)
		test_fail(__FILE__, __LINE__, "CA key");
	fclose(f);
	snprintf(path, sizeof(path), "%s/auth/ca.crt.pem", dir);
	if ((f = fopen(path, "r")) == NULL ||
	    (ca = PEM_read_X509(f, NULL, NULL, NULL)) == NULL)
		test_fail(__FILE__, __LINE__, "CA certificate");
	fclose(f);
	kd = testpki_key(key_id, "auth", &kl);
	kp = kd;
	if ((key = d2i_AutoPrivateKey(NULL, &kp, (long)kl)) == NULL)
		test_fail(__FILE__, __LINE__, "card key");
	for (i = 0; i < n; i++) {
		X509 *x = X509_new();
		unsigned char *der = NULL;
		int len;

		snprintf(cn, sizeof(cn), "%s-%d", prefix, i);
		if (x == NULL || X509_set_version(x, 2) != 1 ||
		    ASN1_INTEGER_set(X509_get_serialNumber(x),
		    (long)(0x5000000 + (getpid() % 1000) * 100000 + i)) != 1 ||
		    X509_set_issuer_name(x, X509_get_subject_name(ca)) != 1 ||
		    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "C",
		    MBSTRING_UTF8, (const unsigned char *)"JP", -1, -1, 0) != 1 ||
		    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN",
		    MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0) != 1 ||
		    X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
		    X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365) == NULL ||
		    X509_set_pubkey(x, key) != 1)
			test_fail(__FILE__, __LINE__, "certificate %d", i);
		add_ext(x, ca, NID_basic_constraints, "critical,CA:false");
		add_ext(x, ca, NID_key_usage, "critical,digitalSignature");
		{
			CERTIFICATEPOLICIES *pol = CERTIFICATEPOLICIES_new();
			POLICYINFO *pi = POLICYINFO_new();

			if (pol == NULL || pi == NULL ||
			    (pi->policyid = OBJ_txt2obj("1.2.392.200149.8.5.1.3.30",
			    1)) == NULL || sk_POLICYINFO_push(pol, pi) == 0 ||
			    X509_add1_ext_i2d(x, NID_certificate_policies, pol, 0,
			    0) != 1)
				test_fail(__FILE__, __LINE__, "policy");
			CERTIFICATEPOLICIES_free(pol);
		}
		add_ext(x, ca, NID_authority_key_identifier, "keyid");
		if (X509_sign(x, cakey, EVP_sha256()) <= 0 ||
		    (len = i2d_X509(x, &der)) <= 0)
			test_fail(__FILE__, __LINE__, "signing %d", i);
		(*ders)[i] = malloc((size_t)len);
		memcpy((*ders)[i], der, (size_t)len);
		(*lens)[i] = (size_t)len;
		OPENSSL_free(der);
		X509_free(x);
	}
	EVP_PKEY_free(key);
	EVP_PKEY_free(cakey);
	X509_free(ca);
	free(kd);
}

int
testpki_bind_witnessed(struct db *db, const struct certcheck *cc,
    const char *key_id, const uint8_t *der, size_t len, const char *resident,
    struct binding_result *res)
{
	uint8_t nonce[32], m[64], sig[RSA_SIG_MAX];
	size_t siglen;

	ASSERT_OK(nonce_issue(db, "bind", nonce));
	binding_message(nonce, der, len, m);
	testpki_card_sign(key_id, "auth", m, sig, &siglen);
	return binding_bind_witnessed(db, cc, der, len, nonce, sig, siglen,
	    resident, "窓口 職員", "clerk", res);
}
