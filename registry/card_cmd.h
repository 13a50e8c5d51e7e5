/* card_cmd.h - `ippyo card ...` (registry/card_cmd.c). */
#ifndef IPPYO_REGISTRY_CARD_CMD_H
#define IPPYO_REGISTRY_CARD_CMD_H

#include <stddef.h>

int card_main(int argc, char **argv);

/*
 * Asks for a PIN or password on the terminal without echo, or reads one
 * line from fd when fd >= 0.  buf holds max bytes; *len its length.
 * Returns 0, ERR_IO or ERR_TOO_LARGE; buf is wiped on failure.  The
 * caller wipes buf after use.
 */
int card_ask_secret(int fd, const char *prompt, char *buf, size_t max,
    size_t *len) __attribute__((warn_unused_result));

#endif
