/*
 * hash.h - the Fiat-Shamir transcript hash and derived digests.
 *
 * A transcript is a byte string built as
 *
 *	u32be(len(DOMAIN)) || DOMAIN || u32be(len(tag)) || tag
 *	|| for each field: u32be(len(field)) || field
 *
 * with DOMAIN = "ippyo/transcript/v1" and tag naming the protocol (one
 * tag per use, HASH_TAG_*).  Every field is length-prefixed, so no two
 * different field sequences give the same bytes.  From it:
 *
 *	digest    D = SHA-256(transcript)
 *	challenge c = (SHA-256(D || 0x00) || SHA-256(D || 0x01)) mod n
 *
 * i.e. a 512-bit value reduced mod n (bias < 2^-256).  The exact layout
 * of each protocol's fields is in docs/PROTOCOL-crypto.md.
 *
 * Not constant-time in field lengths (public); contents are hashed
 * without branching on them.
 */
#ifndef IPPYO_CRYPTO_HASH_H
#define IPPYO_CRYPTO_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/group.h"

#define HASH_LEN 32
#define HASH_DOMAIN "ippyo/transcript/v1"

/* Protocol tags: one per use of the transcript. */
#define HASH_TAG_PROOF01	"ippyo/proof01/v1"	/* 0/1 selection proof */
#define HASH_TAG_RANGE		"ippyo/range/v1"	/* contest range proof */
#define HASH_TAG_SCHNORR	"ippyo/schnorr/v1"	/* proof of knowledge */
#define HASH_TAG_DECRYPT	"ippyo/decrypt/v1"	/* decryption share */
#define HASH_TAG_DLEQ		"ippyo/dleq/v1"		/* DKG complaint key */
#define HASH_TAG_CONTEXT	"ippyo/context/v1"	/* election context */
#define HASH_TAG_SHAREKEY	"ippyo/dkg-share/v1"	/* share encryption */

struct hash_transcript;

/*
 * Starts a transcript for tag (a NUL-terminated literal).  Returns 0 or
 * ERR_NOMEM; caller frees *out.
 */
int hash_transcript_new(struct hash_transcript **out, const char *tag)
    __attribute__((warn_unused_result));
void hash_transcript_free(struct hash_transcript *t);

/*
 * Restarts t with a new tag, keeping its memory (for verifiers hashing
 * many proofs).
 */
void hash_transcript_reset(struct hash_transcript *t, const char *tag);

/* Appends one length-prefixed field.  Returns 0 or ERR_NOMEM. */
int hash_put(struct hash_transcript *t, const void *p, size_t n)
    __attribute__((warn_unused_result));
/* Appends a u32be / u64be as a 4- / 8-byte field (with its prefix). */
int hash_put_u32(struct hash_transcript *t, uint32_t v)
    __attribute__((warn_unused_result));
int hash_put_u64(struct hash_transcript *t, uint64_t v)
    __attribute__((warn_unused_result));
/* Appends an encoded point / scalar as a 65- / 32-byte field. */
int hash_put_point(struct hash_transcript *t,
    const uint8_t enc[GROUP_POINT_LEN]) __attribute__((warn_unused_result));
int hash_put_scalar(struct hash_transcript *t, const struct scalar *s)
    __attribute__((warn_unused_result));

/* D = SHA-256 of the transcript so far. */
void hash_digest(const struct hash_transcript *t, uint8_t out[HASH_LEN]);

/* The challenge scalar of the transcript so far (see above). */
void hash_challenge(const struct hash_transcript *t, struct scalar *c);

/* The bytes so far (for tests and the known-answer vectors). */
const uint8_t *hash_transcript_bytes(const struct hash_transcript *t,
    size_t *len);

/* Plain SHA-256 (for HKDF salts, context hashes of documents). */
void hash_sha256(const void *p, size_t n, uint8_t out[HASH_LEN]);

#endif /* IPPYO_CRYPTO_HASH_H */
