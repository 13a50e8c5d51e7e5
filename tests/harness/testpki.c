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
#include "crypto/rsa.h"
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
