/*
 * ct.h - constant-time comparison and encodings for secret-bearing text.
 *
 * Comparisons of MACs, tokens, receipt codes and hashes an attacker can
 * probe use ct_eq(), whose time depends only on the length.  The hex and
 * base64 codecs are libsodium's branch-free ones, wrapped to accept only
 * the canonical form: lowercase hex; base64 of RFC 4648 (standard alphabet
 * with padding, or URL-safe without) whose unused bits are zero.  Anything
 * else is ERR_FORMAT or ERR_NOT_CANONICAL, so one value has one text.
 */
#ifndef IPPYO_CRYPTO_CT_H
#define IPPYO_CRYPTO_CT_H

#include <stddef.h>
#include <stdint.h>

/* 1 when a[0..n) equals b[0..n), else 0.  Constant-time in the contents. */
int ct_eq(const void *a, const void *b, size_t n);

/* 1 when all n bytes are zero.  Constant-time in the contents. */
int ct_is_zero(const void *p, size_t n);

/*
 * Writes 2*len lowercase hex digits and a NUL to out (outlen must be at
 * least 2*len+1).  Returns 0 or ERR_TOO_LARGE.
 */
int ct_hex_encode(const uint8_t *p, size_t len, char *out, size_t outlen)
    __attribute__((warn_unused_result));

/*
 * Decodes exactly textlen lowercase hex digits into out, which must hold
 * exactly textlen/2 == want bytes.  Returns 0, ERR_FORMAT (odd length,
 * a non-hex or uppercase digit) or ERR_RANGE (length differs from want).
 */
int ct_hex_decode(const char *text, size_t textlen, uint8_t *out,
    size_t want) __attribute__((warn_unused_result));

enum ct_b64 {
	CT_B64_STD = 0,		/* RFC 4648 §4, with '=' padding */
	CT_B64_URL = 1		/* RFC 4648 §5, no padding */
};

/* Encoded length of len bytes including the NUL. */
size_t ct_base64_len(size_t len, enum ct_b64 variant);

/* Writes base64 and a NUL; outlen at least ct_base64_len(). */
int ct_base64_encode(const uint8_t *p, size_t len, enum ct_b64 variant,
    char *out, size_t outlen) __attribute__((warn_unused_result));

/*
 * Decodes base64 text of textlen characters into out (at most max bytes),
 * setting *len.  No whitespace, no missing or extra padding, unused bits
 * zero.  Returns 0, ERR_FORMAT, ERR_NOT_CANONICAL or ERR_TOO_LARGE.
 */
int ct_base64_decode(const char *text, size_t textlen, enum ct_b64 variant,
    uint8_t *out, size_t max, size_t *len)
    __attribute__((warn_unused_result));

#endif /* IPPYO_CRYPTO_CT_H */
