/*
 * secret.h - bytes that must not leak: keys, shares, passphrases, PINs.
 *
 * A struct secret lives in memory from sodium_malloc(): guard pages on
 * both sides, locked against swapping where the system allows, and
 * inaccessible (PROT_NONE) whenever it is not being used.  Access goes
 * through secret_open()/secret_close() pairs; secret_free() wipes it.
 * Other modules hold handles, never copies of the bytes: a temporary
 * derived from a secret is wiped on every path with secret_wipe().
 */
#ifndef IPPYO_CRYPTO_SECRET_H
#define IPPYO_CRYPTO_SECRET_H

#include <stddef.h>
#include <stdint.h>

struct secret;

/*
 * Allocates len zero bytes (len 1..LIMIT_SEALED_FILE_MAX).  Returns 0,
 * ERR_INVALID_ARG or ERR_NOMEM.  Caller frees *out.
 */
int secret_new(size_t len, struct secret **out)
    __attribute__((warn_unused_result));

/* Allocates a secret holding a copy of p[0..len).  As secret_new. */
int secret_from(const void *p, size_t len, struct secret **out)
    __attribute__((warn_unused_result));

/* Wipes and frees s.  Accepts NULL. */
void secret_free(struct secret *s);

/* Length in bytes. */
size_t secret_len(const struct secret *s);

/*
 * Makes the bytes readable and writable and returns them; pair with
 * secret_close().  Opens nest (a counter, thread-safe), so helpers may
 * open a secret their caller already opened, and threads may share one
 * (the bytes stay accessible until the last close).
 */
uint8_t *secret_open(struct secret *s);

/* Ends one secret_open(); the last close makes the bytes inaccessible. */
void secret_close(struct secret *s);

/* Wipes n bytes at p in a way the compiler cannot drop.  Accepts NULL. */
void secret_wipe(void *p, size_t n);

/* Initialises libsodium once; every crypto/ entry point that needs it calls this. */
int crypto_sodium_ready(void) __attribute__((warn_unused_result));

#endif /* IPPYO_CRYPTO_SECRET_H */
