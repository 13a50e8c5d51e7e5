/*
 * digest.h - SHA-256 for the layers above crypto/ (audit chains, roll
 * digests, file hashes).  Incremental or one-shot; public data only.
 */
#ifndef IPPYO_CRYPTO_DIGEST_H
#define IPPYO_CRYPTO_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define DIGEST_LEN 32

struct digest;

/* Starts a SHA-256 computation.  Returns NULL when memory ran out. */
struct digest *digest_new(void) __attribute__((warn_unused_result));

/* Adds bytes. */
void digest_put(struct digest *d, const void *p, size_t n);

/* Adds a big-endian u32 / u64. */
void digest_put_u32(struct digest *d, uint32_t v);
void digest_put_u64(struct digest *d, uint64_t v);

/* Adds u32 length then the bytes: the framing every chain hash uses. */
void digest_put_string(struct digest *d, const void *p, size_t n);

/* Writes the hash and frees d. */
void digest_final(struct digest *d, uint8_t out[DIGEST_LEN]);

/* Frees without a result.  Accepts NULL. */
void digest_free(struct digest *d);

/* One-shot SHA-256. */
void digest_sha256(const void *p, size_t n, uint8_t out[DIGEST_LEN]);

#endif /* IPPYO_CRYPTO_DIGEST_H */
