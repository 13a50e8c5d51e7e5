/*
 * testsrv.h - a real ippyo-server for a test or benchmark.
 */
#ifndef IPPYO_TESTS_HARNESS_TESTSRV_H
#define IPPYO_TESTS_HARNESS_TESTSRV_H

#include <sys/types.h>

/*
 * Starts $IPPYO_BIN/ippyo-server on 127.0.0.1:port against database url
 * with the given origin, trusting the test PKI's auth CA with its CRL
 * (OCSP off), plus extra NAME=VALUE settings (NULL-terminated, may be
 * NULL).  Waits until /health answers; fails the test otherwise.
 */
pid_t testsrv_start(int port, const char *url, const char *origin,
    const char *const *extra);

/* SIGTERM (or SIGKILL when hard) and wait.  Accepts pid <= 0. */
void testsrv_stop(pid_t pid, int hard);

#endif
