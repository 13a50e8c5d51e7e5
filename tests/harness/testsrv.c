/*
 * testsrv.c - start and stop a real ippyo-server for tests.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ballot/ballot.h"
#include "ballot/box.h"
#include "core/limits.h"
#include "crypto/rsa.h"
#include "registry/auth.h"
#include "tests/harness/test.h"
#include "tests/harness/testpki.h"
#include "tests/harness/testsrv.h"
#include "web/httpc.h"
#include "web/json.h"

pid_t
testsrv_start(int port, const char *url, const char *origin,
    const char *const *extra)
{
	char bin[512], portstr[16], ca[256], crl[256];
	const char *b = getenv("IPPYO_BIN");
	pid_t pid;
	int i;

	snprintf(bin, sizeof(bin), "%s/ippyo-server", b != NULL ? b : "bin");
	snprintf(portstr, sizeof(portstr), "%d", port);
	snprintf(ca, sizeof(ca), "%s/auth/ca.crt.pem", testpki_dir());
	snprintf(crl, sizeof(crl), "%s/auth/crl.der", testpki_dir());
	if ((pid = fork()) == 0) {
		setenv("IPPYO_LISTEN_PORT", portstr, 1);
		setenv("IPPYO_DATABASE_URL", url, 1);
		setenv("IPPYO_ORIGIN", origin, 1);
		setenv("IPPYO_AUTH_CA", ca, 1);
		setenv("IPPYO_AUTH_CRL", crl, 1);
		setenv("IPPYO_OCSP", "off", 1);
		setenv("IPPYO_LOG_LEVEL", "error", 1);
		for (i = 0; extra != NULL && extra[i] != NULL; i++)
			putenv((char *)(uintptr_t)extra[i]);
		execl(bin, bin, (char *)NULL);
		_exit(127);
	}
	if (pid < 0)
		test_fail(__FILE__, __LINE__, "fork");
	for (i = 0; i < 200; i++) {
		struct httpc_reply rp;
		int up = httpc_request(port, "GET", "/health", NULL, &rp) == 0 &&
		    rp.status == 200;

		httpc_reply_free(&rp);
		if (up)
			return pid;
		usleep(50000);
	}
	testsrv_stop(pid, 1);
	test_fail(__FILE__, __LINE__, "ippyo-server did not come up");
}

void
testsrv_stop(pid_t pid, int hard)
{
	if (pid <= 0)
		return;
	kill(pid, hard ? SIGKILL : SIGTERM);
	waitpid(pid, NULL, 0);
}

/* A fresh nonce for purpose "cast:ELECTION"; 0, or -1. */
static int
cast_nonce(int port, const char *election, uint8_t nonce[LIMIT_NONCE_BYTES])
{
	struct json_doc *doc = NULL;
	struct httpc_reply rp;
	char body[128];
	int r = -1;

	snprintf(body, sizeof(body), "{\"purpose\":\"cast:%s\"}", election);
	if (httpc_request(port, "POST", "/api/v1/nonce", body, &rp) != 0)
		return -1;
	if (rp.status == 200 && json_parse(rp.body, rp.len, 4096, &doc,
	    NULL) == 0 && json_get_base64_exact(doc, json_root(doc), "nonce",
	    nonce, LIMIT_NONCE_BYTES) == 0)
		r = 0;
	json_doc_free(doc);
	httpc_reply_free(&rp);
	return r;
}

static int
receipt_parse(const struct httpc_reply *rp, const char *election,
    struct receipt *rc)
{
	struct json_doc *doc = NULL;
	const char *at;
	int64_t pos;
	int r = -2;

	memset(rc, 0, sizeof(*rc));
	if (json_parse(rp->body, rp->len, 65536, &doc, NULL) == 0 &&
	    json_get_int(doc, json_root(doc), "position", 1, INT64_MAX,
	    &pos) == 0 &&
	    json_get_base64_exact(doc, json_root(doc), "ballot_hash",
	    rc->entry.ballot_hash, 32) == 0 &&
	    json_get_base64_exact(doc, json_root(doc), "tracking_code",
	    rc->entry.tracking_code, 32) == 0 &&
	    json_get_string(doc, json_root(doc), "received_at", 27, &at,
	    NULL) == 0 &&
	    json_get_base64_exact(doc, json_root(doc), "public_key",
	    rc->public_key, 32) == 0 &&
	    json_get_base64_exact(doc, json_root(doc), "signature",
	    rc->signature, 64) == 0) {
		snprintf(rc->election_id, sizeof(rc->election_id), "%s",
		    election);
		rc->entry.position = pos;
		memcpy(rc->entry.received_at, at, strlen(at) + 1);
		r = 0;
	}
	json_doc_free(doc);
	return r;
}

int
testsrv_cast(int port, const char *origin, const char *election,
    const struct rsa_key *key, const uint8_t *cert, size_t cert_len,
    const uint8_t *ballot, size_t len, struct receipt *rc, int *status)
{
	uint8_t nonce[LIMIT_NONCE_BYTES], h[32], m[64];
	uint8_t di[RSA_DIGESTINFO_SHA256_LEN], hh[RSA_SHA256_LEN];
	uint8_t sig[RSA_SIG_MAX];
	struct httpc_reply rp;
	char *bb = NULL, *cb = NULL, *nb = NULL, *sb = NULL, *body = NULL;
	char path[160];
	size_t siglen, need;
	int r = -2;

	if (status != NULL)
		*status = 0;
	if (cast_nonce(port, election, nonce) != 0)
		return -1;
	ballot_hash(ballot, len, h);
	auth_message(origin, nonce, h, m);
	if (rsa_sha256(m, sizeof(m), hh) != 0)
		return -2;
	rsa_digestinfo_sha256(hh, di);
	if (rsa_sign_pkcs1(key, di, sizeof(di), sig, sizeof(sig), &siglen) != 0)
		return -2;
	bb = httpc_base64(ballot, len);
	cb = httpc_base64(cert, cert_len);
	nb = httpc_base64(nonce, sizeof(nonce));
	sb = httpc_base64(sig, siglen);
	if (bb == NULL || cb == NULL || nb == NULL || sb == NULL)
		goto out;
	need = strlen(bb) + strlen(cb) + strlen(nb) + strlen(sb) + 256;
	if ((body = malloc(need)) == NULL)
		goto out;
	snprintf(body, need, "{\"ballot\":\"%s\",\"token\":{\"format\":"
	    "\"%s\",\"algorithm\":\"RS256\",\"certificate\":\"%s\","
	    "\"nonce\":\"%s\",\"signature\":\"%s\"}}", bb, AUTH_FORMAT, cb,
	    nb, sb);
	snprintf(path, sizeof(path), "/api/v1/elections/%s/ballots", election);
	if (httpc_request(port, "POST", path, body, &rp) != 0) {
		r = -1;
		goto out;
	}
	if (status != NULL)
		*status = rp.status;
	if (rp.status == 409)
		r = 1;
	else if (rp.status == 429 || rp.status == 503)
		r = -1;
	else if (rp.status == 201)
		r = receipt_parse(&rp, election, rc);
	httpc_reply_free(&rp);
 out:
	free(bb);
	free(cb);
	free(nb);
	free(sb);
	free(body);
	return r;
}
