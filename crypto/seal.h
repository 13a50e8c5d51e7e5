/*
 * seal.h - files sealed under a passphrase (trustee shares, server keys).
 *
 * Argon2id turns the passphrase and a random salt into a key;
 * XChaCha20-Poly1305 encrypts the contents with the whole header as
 * associated data, so no header field (version, parameters, salt, nonce,
 * label) can be changed without the file failing to open.  The byte layout
 * is in docs/PROTOCOL-secrets.md:
 *
 *	"IPPYOSEAL" (9) | u16 version = 1 | u8 kdf = 1 (Argon2id v1.3)
 *	| u8 aead = 1 (XChaCha20-Poly1305-IETF) | u32 opslimit
 *	| u32 memlimit KiB | salt (16) | nonce (24) | u16 label length | label
 *	| u32 ciphertext length | ciphertext (contents + 16-byte tag)
 *
 * The label says what the file holds ("trustee-share", "server-signing-key")
 * and must match on opening: a share file cannot be opened as a server key.
 */
#ifndef IPPYO_CRYPTO_SEAL_H
#define IPPYO_CRYPTO_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/vbuf.h"
#include "crypto/secret.h"

#define SEAL_LABEL_MAX 64

struct seal_params {
	uint32_t opslimit;	/* Argon2id passes */
	uint32_t memlimit_kib;	/* Argon2id memory, KiB */
};

/* For files people keep: ~1 s and 256 MiB on the reference machine. */
extern const struct seal_params seal_params_moderate;
/* For tests only: the smallest parameters the format accepts. */
extern const struct seal_params seal_params_test;

/*
 * Appends the sealed form of contents under passphrase to out.  label is
 * 1..SEAL_LABEL_MAX bytes of [a-z0-9-].  Returns 0, ERR_INVALID_ARG,
 * ERR_NOMEM, ERR_TOO_LARGE or ERR_CRYPTO.
 */
int seal_seal(const char *label, const struct secret *contents,
    const struct secret *passphrase, const struct seal_params *params,
    struct vbuf *out) __attribute__((warn_unused_result));

/*
 * Opens a sealed file of len bytes.  On success *contents is a new secret
 * (caller frees).  Returns 0; ERR_PASSPHRASE (wrong passphrase or any
 * tampering with header or contents); ERR_MISMATCH (another label);
 * ERR_UNSUPPORTED (unknown version or algorithm); ERR_RANGE (KDF
 * parameters outside what this program accepts, so a hostile file cannot
 * make it allocate gigabytes); ERR_FORMAT, ERR_TRUNCATED,
 * ERR_TRAILING_DATA, ERR_TOO_LARGE for malformed files.  Safe on
 * untrusted input.
 */
int seal_open(const uint8_t *file, size_t len, const char *label,
    const struct secret *passphrase, struct secret **contents)
    __attribute__((warn_unused_result));

/*
 * Writes a sealed file atomically (temporary file made by mkstemp in the
 * same directory, fsync, rename, mode 0600) and reads one back (at most
 * LIMIT_SEALED_FILE_MAX bytes).
 */
int seal_write_file(const char *path, const char *label,
    const struct secret *contents, const struct secret *passphrase,
    const struct seal_params *params) __attribute__((warn_unused_result));
/*
 * The same for a file that must not exist yet: created atomically, never
 * over an existing file, whenever that appeared (ERR_EXISTS, nothing
 * changed).  For new keys and trustee files.
 */
int seal_write_new_file(const char *path, const char *label,
    const struct secret *contents, const struct secret *passphrase,
    const struct seal_params *params) __attribute__((warn_unused_result));
int seal_read_file(const char *path, const char *label,
    const struct secret *passphrase, struct secret **contents)
    __attribute__((warn_unused_result));

#endif /* IPPYO_CRYPTO_SEAL_H */
