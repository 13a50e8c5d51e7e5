/* vote_cmd.h - `ippyo vote`, the reference voter client (web/vote_cmd.c). */
#ifndef IPPYO_WEB_VOTE_CMD_H
#define IPPYO_WEB_VOTE_CMD_H

#include <stdint.h>
#include <stdio.h>

#include "ballot/election.h"

int vote_main(int argc, char **argv);

/*
 * The Benaloh challenge (docs/PROTOCOL-ballot.md): encrypts sel exactly
 * as casting would (ballot_encrypt_reveal, for the voter's alias), writes
 * the challenge file at path (a new file, mode 0600: it holds the
 * plaintext choices; ERR_EXISTS if path exists, and a symbolic link is
 * refused), checks it with audit/challenge.h (the report to report), and
 * discards the ballot: nothing is sent, and the nonces are wiped here.
 * ballot_hash receives the challenged ballot's hash.  0, ERR_VERIFY
 * (the file written does not check out: a bug, the voter must not trust
 * this client), ERR_IO, ERR_EXISTS, ERR_NOMEM or an encryption error.
 */
int vote_challenge_write(const struct election *e, const char *alias,
    const uint8_t *const *sel, const char *path, FILE *report,
    uint8_t ballot_hash[HASH_LEN]) __attribute__((warn_unused_result));

#endif
