/*
 * vbuf.h - bounded byte buffers: the only way bytes from outside are read.
 *
 * Every byte that arrives from a socket, a file, a card or the database is
 * parsed through a vbuf.  A vbuf has a maximum size fixed at creation; it
 * never grows past it.  Getters are big-endian, each variable-length field
 * is read with an explicit maximum, and a parser finishes with
 * vbuf_expect_end() so that trailing bytes are an error rather than
 * silently ignored.
 *
 * A vbuf is either owned (vbuf_new: grows on put up to its maximum, wiped
 * when freed) or a read-only view over memory the caller keeps alive
 * (vbuf_from).  Reading consumes from the front; writing appends at the
 * back.
 *
 * All functions are safe on untrusted contents.  Passing NULL where a
 * buffer is required, or writing into a view, is a caller bug and aborts.
 * None of these functions is constant-time with respect to the contents.
 */
#ifndef IPPYO_CORE_VBUF_H
#define IPPYO_CORE_VBUF_H

#include <stddef.h>
#include <stdint.h>

#define WUR __attribute__((warn_unused_result))

struct vbuf;

/*
 * Returns an empty owned buffer that may hold at most max bytes, or NULL
 * if max is 0 or over LIMIT_BUF_MAX or memory ran out.  Caller frees.
 */
struct vbuf *vbuf_new(size_t max) WUR;

/*
 * Returns a read-only view of len bytes at p (no copy), or NULL on
 * allocation failure or len over LIMIT_BUF_MAX.  p must outlive the view.
 * Caller frees the view (not p).
 */
struct vbuf *vbuf_from(const void *p, size_t len) WUR;

/* Frees b, wiping owned contents first.  Accepts NULL. */
void vbuf_free(struct vbuf *b);

/* Bytes not yet read. */
size_t vbuf_len(const struct vbuf *b);

/* Pointer to the first unread byte; valid until the next put or free. */
const uint8_t *vbuf_ptr(const struct vbuf *b);

/* The maximum the buffer was created with. */
size_t vbuf_max(const struct vbuf *b);

/* Empties an owned buffer (wiping it) so it can be reused. */
void vbuf_reset(struct vbuf *b);

/*
 * Returns 0 when every byte has been read, ERR_TRAILING_DATA otherwise.
 * Every parser ends with this.
 */
int vbuf_expect_end(const struct vbuf *b) WUR;

/* ---- reading: each returns 0, ERR_TRUNCATED or ERR_TOO_LARGE ---- */

int vbuf_get_u8(struct vbuf *b, uint8_t *v) WUR;
int vbuf_get_u16(struct vbuf *b, uint16_t *v) WUR;
int vbuf_get_u32(struct vbuf *b, uint32_t *v) WUR;
int vbuf_get_u64(struct vbuf *b, uint64_t *v) WUR;
int vbuf_peek_u8(const struct vbuf *b, uint8_t *v) WUR;

/* Copies the next n bytes to out (out may be NULL to skip them). */
int vbuf_get(struct vbuf *b, void *out, size_t n) WUR;

/* Skips n bytes. */
int vbuf_consume(struct vbuf *b, size_t n) WUR;

/*
 * Reads n bytes in place: *p points into b, valid until b changes.  The
 * zero-copy path for large fields.
 */
int vbuf_get_direct(struct vbuf *b, size_t n, const uint8_t **p) WUR;

/*
 * Reads a string with a 32-bit big-endian length prefix, in place.  A
 * length over max is ERR_TOO_LARGE (and nothing is consumed).
 */
int vbuf_get_string_direct(struct vbuf *b, size_t max, const uint8_t **p,
    size_t *len) WUR;

/*
 * Reads a length-prefixed string into a new NUL-terminated C string.
 * ERR_FORMAT if it contains a NUL byte.  Caller frees *out.
 */
int vbuf_get_cstring(struct vbuf *b, size_t max, char **out) WUR;

/*
 * Takes the next n bytes as a new read-only view *sub (pointing into b,
 * which must outlive it) and consumes them from b.  For nested formats.
 * Caller frees *sub.
 */
int vbuf_get_sub(struct vbuf *b, size_t n, struct vbuf **sub) WUR;

/* ---- writing: each returns 0, ERR_TOO_LARGE or ERR_NOMEM ---- */

int vbuf_put(struct vbuf *b, const void *p, size_t n) WUR;
int vbuf_put_u8(struct vbuf *b, uint8_t v) WUR;
int vbuf_put_u16(struct vbuf *b, uint16_t v) WUR;
int vbuf_put_u32(struct vbuf *b, uint32_t v) WUR;
int vbuf_put_u64(struct vbuf *b, uint64_t v) WUR;

/* Appends a 32-bit length prefix and then p. */
int vbuf_put_string(struct vbuf *b, const void *p, size_t n) WUR;

/* Appends a C string as a length-prefixed string (no NUL). */
int vbuf_put_cstring(struct vbuf *b, const char *s) WUR;

/*
 * Makes room for n more bytes and returns a pointer to them in *dp; the
 * bytes count as written.  For encoders that fill in place.
 */
int vbuf_reserve(struct vbuf *b, size_t n, uint8_t **dp) WUR;

#endif /* IPPYO_CORE_VBUF_H */
