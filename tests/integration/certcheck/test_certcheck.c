/*
 * test_certcheck.c - certificate validation against a real test PKI, CRLs
 * and real `openssl ocsp` responders on loopback.
 *
 * The suite makes its own PKI (tests/harness/testpki.h) in a temporary
 * directory, starts the two responders on ports of its own, and stops
 * them at the end.  Extra listeners play a responder that is down, one
 * that never answers, and one that signs with a key the CA never
 * authorised.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/limits.h"
#include "crypto/certcheck.h"
#include "tests/harness/mutate.h"
#include "tests/harness/test.h"
#include "tests/harness/testpki.h"

static const struct testpki_card cards[] = {
	{ "alice", "養父 太郎", "兵庫県養父市八鹿町八鹿1", "19500401", "1" },
	{ "bob", "養父 次郎", "兵庫県養父市八鹿町八鹿2", "19520101", "1" },
	{ NULL, NULL, NULL, NULL, NULL }
};

static void
setup(void)
{
	testpki_setup(cards);
}

#define dir testpki_dir()
#define port testpki_port()
#define cert(who, which, len) testpki_cert((who), (which), (len))
#define checker(which, crl, ocsp) testpki_checker((which), (crl), (ocsp))
#define pki_cmd(a, b, c) testpki_cmd((a), (b), (c), NULL, NULL, NULL)

static int64_t
now_s(void)
{
	return (int64_t)time(NULL);
}

TEST(certcheck_good_certificate_passes_chain_crl_and_ocsp)
{
	struct certcheck_result res;
	struct certcheck *cc;
	uint8_t *der;
	size_t len;

	setup();
	cc = checker("auth", 1, 1);
	der = cert("alice", "auth", &len);
	ASSERT_OK(certcheck_verify(cc, der, len, CERTCHECK_AUTH, now_s(), &res));
	ASSERT_TRUE(res.ocsp_checked);
	ASSERT_TRUE(res.crl_checked);
	ASSERT_TRUE(strstr(res.issuer, "O=JPKI-TEST") != NULL);
	ASSERT_TRUE(strlen(res.serial) > 0);
	free(der);
	certcheck_free(cc);
	cc = checker("sign", 1, 1);
	der = cert("alice", "sign", &len);
	ASSERT_OK(certcheck_verify(cc, der, len, CERTCHECK_SIGN, now_s(), &res));
	free(der);
	certcheck_free(cc);
}

TEST(certcheck_refuses_wrong_purpose_wrong_ca_and_algorithm)
{
	struct certcheck_result res;
	struct certcheck *cc;
	uint8_t *der;
	size_t len;

	setup();
	cc = checker("auth", 0, 0);
	der = cert("alice", "auth", &len);
	ASSERT_ERR(certcheck_verify(cc, der, len, CERTCHECK_SIGN, now_s(), &res), ERR_CERT_INVALID);
	certcheck_set_algorithms(cc, CERTCHECK_ALG_ECDSA_P384_SHA384);
	ASSERT_ERR(certcheck_verify(cc, der, len, CERTCHECK_AUTH, now_s(), &res), ERR_UNSUPPORTED);
	certcheck_free(cc);
	/* The signature CA does not vouch for authentication certificates. */
	cc = checker("sign", 0, 0);
	ASSERT_ERR(certcheck_verify(cc, der, len, CERTCHECK_AUTH, now_s(), &res), ERR_CERT_INVALID);
	free(der);
	/* A signature certificate is not an authentication certificate. */
	der = cert("alice", "sign", &len);
	certcheck_free(cc);
	cc = checker("sign", 0, 0);
	ASSERT_ERR(certcheck_verify(cc, der, len, CERTCHECK_AUTH, now_s(), &res), ERR_CERT_INVALID);
	free(der);
	certcheck_free(cc);
}

TEST(certcheck_refuses_outside_validity)
{
	struct certcheck_result res;
	struct certcheck *cc;
	uint8_t *der;
	size_t len;

	setup();
	cc = checker("auth", 0, 0);
	der = cert("alice", "auth", &len);
	ASSERT_ERR(certcheck_verify(cc, der, len, CERTCHECK_AUTH, now_s() - 86400 * 2, &res), ERR_CERT_EXPIRED);
	ASSERT_ERR(certcheck_verify(cc, der, len, CERTCHECK_AUTH, now_s() + 86400LL * 365 * 6, &res), ERR_CERT_EXPIRED);
	free(der);
	certcheck_free(cc);
}

TEST(certcheck_stale_crl_fails_closed)
{
	struct certcheck_result res;
	struct certcheck *cc;
	uint8_t *der;
	size_t len;

	setup();
	cc = checker("auth", 1, 0);
	der = cert("alice", "auth", &len);
	/* The CRL is good for 7 days; 30 days on it is stale. */
	ASSERT_ERR(certcheck_verify(cc, der, len, CERTCHECK_AUTH, now_s() + 86400 * 30, &res), ERR_REVOCATION_UNKNOWN);
	free(der);
	certcheck_free(cc);
}

TEST(certcheck_ocsp_down_fails_closed)
{
	struct certcheck_result res;
	struct certcheck *cc;
	uint8_t *der;
	size_t len;
	char url[64];

	setup();
	cc = checker("auth", 0, 1);
	/* A port nobody listens on. */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port + 7);
	ASSERT_OK(certcheck_set_ocsp(cc, 1, url));
	der = cert("alice", "auth", &len);
	ASSERT_ERR(certcheck_verify(cc, der, len, CERTCHECK_AUTH, now_s(), &res), ERR_REVOCATION_UNKNOWN);
	free(der);
	certcheck_free(cc);
}

static int silent_fd = -1;

static void *
silent_server(void *arg)
{
	int c;

	(void)arg;
	/* Accept and read, never answer. */
	while ((c = accept(silent_fd, NULL, NULL)) >= 0) {
		char buf[4096];

		while (read(c, buf, sizeof(buf)) > 0)
			;
		close(c);
	}
	return NULL;
}

TEST(certcheck_ocsp_slow_fails_closed_within_the_deadline)
{
	struct certcheck_result res;
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	struct certcheck *cc;
	struct timespec t0, t1;
	pthread_t th;
	uint8_t *der;
	size_t len;
	char url[64];
	double secs;

	setup();
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	silent_fd = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_TRUE(silent_fd >= 0);
	ASSERT_INT_EQ(bind(silent_fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ASSERT_INT_EQ(listen(silent_fd, 4), 0);
	ASSERT_INT_EQ(getsockname(silent_fd, (struct sockaddr *)&a, &al), 0);
	ASSERT_INT_EQ(pthread_create(&th, NULL, silent_server, NULL), 0);
	pthread_detach(th);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", ntohs(a.sin_port));
	cc = checker("auth", 0, 1);
	ASSERT_OK(certcheck_set_ocsp(cc, 1, url));
	certcheck_set_ocsp_timeout_ms(cc, 1000);
	der = cert("alice", "auth", &len);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ASSERT_ERR(certcheck_verify(cc, der, len, CERTCHECK_AUTH, now_s(), &res), ERR_REVOCATION_UNKNOWN);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	/* Not a timing assertion on speed: the deadline must be honoured at all. */
	ASSERT_TRUE(secs < 10.0);
	free(der);
	certcheck_free(cc);
}

TEST(certcheck_ocsp_stale_answer_fails_closed)
{
	struct certcheck_result res;
	struct certcheck *cc;
	uint8_t *der;
	size_t len;

	setup();
	cc = checker("auth", 0, 1);
	der = cert("alice", "auth", &len);
	/* The responder's answer is fresh; our clock says it is 2 hours old. */
	clock_pin_us((now_s() + 7200) * 1000000);
	ASSERT_ERR(certcheck_verify(cc, der, len, CERTCHECK_AUTH, now_s(), &res), ERR_REVOCATION_UNKNOWN);
	/* And one from the future. */
	clock_pin_us((now_s() - 7200) * 1000000);
	ASSERT_ERR(certcheck_verify(cc, der, len, CERTCHECK_AUTH, now_s(), &res), ERR_REVOCATION_UNKNOWN);
	clock_unpin();
	ASSERT_OK(certcheck_verify(cc, der, len, CERTCHECK_AUTH, now_s(), &res));
	free(der);
	certcheck_free(cc);
}

TEST(certcheck_ocsp_answer_from_an_unauthorised_signer_fails_closed)
{
	struct certcheck_result res;
	struct certcheck *cc;
	char idx[256], rsigner[256], rkey[256], ca[256], pstr[16], url[64];
	const char *argv[16];
	uint8_t *der;
	size_t len;
	pid_t pid;

	setup();
	/* A responder that signs with Bob's own card key: a real key of the
	 * PKI, but not one the CA authorised for OCSP. */
	snprintf(idx, sizeof(idx), "%s/auth/index.txt", dir);
	snprintf(rsigner, sizeof(rsigner), "%s/ee/bob/auth.crt.pem", dir);
	snprintf(rkey, sizeof(rkey), "%s/ee/bob/auth.key.der", dir);
	snprintf(ca, sizeof(ca), "%s/auth/ca.crt.pem", dir);
	snprintf(pstr, sizeof(pstr), "%d", port + 5);
	{
		static char front[512];
		const char *bin = getenv("IPPYO_BIN");

		if (bin != NULL && *bin != '\0')
			snprintf(front, sizeof(front), "%s/ippyo-ocspfront", bin);
		else
			snprintf(front, sizeof(front), "%s/bin/ippyo-ocspfront",
			    test_root());
		argv[0] = front; argv[1] = "--port"; argv[2] = pstr;
		argv[3] = "--index"; argv[4] = idx; argv[5] = "--rsigner";
		argv[6] = rsigner; argv[7] = "--rkey"; argv[8] = rkey;
		argv[9] = "--ca"; argv[10] = ca; argv[11] = NULL;
	}
	if ((pid = fork()) == 0) {
		execv(argv[0], (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	ASSERT_TRUE(pid > 0);
	usleep(500000);
	cc = checker("auth", 0, 1);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port + 5);
	ASSERT_OK(certcheck_set_ocsp(cc, 1, url));
	der = cert("alice", "auth", &len);
	ASSERT_ERR(certcheck_verify(cc, der, len, CERTCHECK_AUTH, now_s(), &res), ERR_REVOCATION_UNKNOWN);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	free(der);
	certcheck_free(cc);
}

/*
 * A certificate the CA signed outside its database (as a compromised or
 * buggy CA might): the responder knows nothing of it and says "unknown",
 * which must fail closed.
 */
TEST(certcheck_ocsp_unknown_status_fails_closed)
{
	struct certcheck_result res;
	struct certcheck *cc;
	char csr[256], pem[256], der[256], key[256], ext[256], cacrt[256], cakey[256];
	const char *req[12], *sign[20], *conv[10];
	uint8_t *d;
	size_t len;

	setup();
	snprintf(key, sizeof(key), "%s/ee/alice/auth.key.der", dir);
	snprintf(csr, sizeof(csr), "%s/ghost.csr", dir);
	snprintf(pem, sizeof(pem), "%s/ghost.pem", dir);
	snprintf(der, sizeof(der), "%s/ghost.der", dir);
	snprintf(ext, sizeof(ext), "%s/ee/alice/ext.cnf", dir);
	snprintf(cacrt, sizeof(cacrt), "%s/auth/ca.crt.pem", dir);
	snprintf(cakey, sizeof(cakey), "%s/auth/ca.key.pem", dir);
	req[0] = "/usr/bin/openssl"; req[1] = "req"; req[2] = "-new";
	req[3] = "-key"; req[4] = key; req[5] = "-subj"; req[6] = "/CN=ghost";
	req[7] = "-out"; req[8] = csr; req[9] = NULL;
	ASSERT_INT_EQ(testpki_run(req), 0);
	sign[0] = "/usr/bin/openssl"; sign[1] = "x509"; sign[2] = "-req";
	sign[3] = "-in"; sign[4] = csr; sign[5] = "-CA"; sign[6] = cacrt;
	sign[7] = "-CAkey"; sign[8] = cakey; sign[9] = "-set_serial";
	sign[10] = "4242"; sign[11] = "-days"; sign[12] = "30";
	sign[13] = "-sha256"; sign[14] = "-extfile"; sign[15] = ext;
	sign[16] = "-extensions"; sign[17] = "auth"; sign[18] = "-out";
	sign[19] = pem;
	{
		const char *all[22];
		int i;

		for (i = 0; i < 20; i++)
			all[i] = sign[i];
		all[20] = NULL;
		ASSERT_INT_EQ(testpki_run(all), 0);
	}
	conv[0] = "/usr/bin/openssl"; conv[1] = "x509"; conv[2] = "-in";
	conv[3] = pem; conv[4] = "-outform"; conv[5] = "DER"; conv[6] = "-out";
	conv[7] = der; conv[8] = NULL;
	ASSERT_INT_EQ(testpki_run(conv), 0);
	d = test_read_file(der, &len);
	/* Chain, purpose and CRL are fine; OCSP answers "unknown". */
	cc = checker("auth", 1, 0);
	ASSERT_OK(certcheck_verify(cc, d, len, CERTCHECK_AUTH, now_s(), &res));
	certcheck_free(cc);
	cc = checker("auth", 1, 1);
	ASSERT_ERR(certcheck_verify(cc, d, len, CERTCHECK_AUTH, now_s(), &res), ERR_REVOCATION_UNKNOWN);
	free(d);
	certcheck_free(cc);
}

struct sweep {
	struct certcheck *cc;
};

static int
accept_cert(const uint8_t *p, size_t len, void *ctx)
{
	struct certcheck_result res;
	struct sweep *s = ctx;

	return certcheck_verify(s->cc, p, len, CERTCHECK_AUTH, now_s(), &res);
}

TEST(certcheck_mutation_sweep_and_size_limits)
{
	struct certcheck_result res;
	struct sweep s;
	uint8_t *der, *big;
	size_t len;

	setup();
	s.cc = checker("auth", 0, 0);
	der = cert("alice", "auth", &len);
	ASSERT_MUTANTS_REJECTED(der, len, MUTATE_ALL, accept_cert, &s);
	big = calloc(1, LIMIT_CERT_DER_MAX + 1);
	memcpy(big, der, len);
	ASSERT_ERR(certcheck_verify(s.cc, big, LIMIT_CERT_DER_MAX + 1, CERTCHECK_AUTH, now_s(), &res), ERR_TOO_LARGE);
	ASSERT_ERR(certcheck_verify(s.cc, big, len + 1, CERTCHECK_AUTH, now_s(), &res), ERR_CERT_INVALID);
	free(big);
	free(der);
	certcheck_free(s.cc);
}

/* Last: revocation changes the PKI for the rest of the run. */
TEST(certcheck_zz_revoked_certificate_refused_by_crl_and_by_ocsp)
{
	struct certcheck_result res;
	struct certcheck *cc;
	uint8_t *der;
	size_t len;

	setup();
	pki_cmd("revoke", "bob", "auth");
	der = cert("bob", "auth", &len);
	cc = checker("auth", 1, 0);
	ASSERT_ERR(certcheck_verify(cc, der, len, CERTCHECK_AUTH, now_s(), &res), ERR_CERT_REVOKED);
	certcheck_free(cc);
	usleep(1100000);	/* the responder re-reads its index */
	cc = checker("auth", 0, 1);
	ASSERT_ERR(certcheck_verify(cc, der, len, CERTCHECK_AUTH, now_s(), &res), ERR_CERT_REVOKED);
	free(der);
	/* Alice is untouched. */
	der = cert("alice", "auth", &len);
	ASSERT_OK(certcheck_verify(cc, der, len, CERTCHECK_AUTH, now_s(), &res));
	free(der);
	certcheck_free(cc);
}
