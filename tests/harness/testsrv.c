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

#include "tests/harness/test.h"
#include "tests/harness/testpki.h"
#include "tests/harness/testsrv.h"
#include "web/httpc.h"

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
