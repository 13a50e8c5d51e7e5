/*
 * testsrv.h - a real ippyo-server for a test or benchmark.
 */
#ifndef IPPYO_TESTS_HARNESS_TESTSRV_H
#define IPPYO_TESTS_HARNESS_TESTSRV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Starts $IPPYO_BIN/ippyo-server on 127.0.0.1:port against database url
 * with the given origin, trusting the test PKI's auth CA with its CRL
 * (OCSP off), plus extra NAME=VALUE settings (NULL-terminated, may be
 * NULL).  Waits until /health answers; fails the test otherwise.
 */
pid_t testsrv_start(int port, const char *url, const char *origin,
    const char *const *extra);

/*
 * One cast as the voter's phone makes it: a fresh "cast:ELECTION" nonce,
 * the card's RS256 signature (made with key, the virtual card's auth key)
 * over SHA-256(origin) || SHA-256(nonce || ballot hash) as
 * PROTOCOL-auth.md says, and the POST of the ballot with the token.
 * On 201 the receipt is parsed into rc.  Returns 0 (receipted), 1 (409:
 * this ballot is already in the box), -1 (no answer, 429 or 503: worth a
 * retry) or -2 (refused; the status is in *status when not NULL).
 */
struct rsa_key;
struct receipt;
int testsrv_cast(int port, const char *origin, const char *election,
    const struct rsa_key *key, const uint8_t *cert, size_t cert_len,
    const uint8_t *ballot, size_t len, struct receipt *rc, int *status);

/* SIGTERM (or SIGKILL when hard) and wait.  Accepts pid <= 0. */
void testsrv_stop(pid_t pid, int hard);

#endif
