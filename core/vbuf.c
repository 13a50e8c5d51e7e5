/*
 * vbuf.c - bounded byte buffers.
 *
 * Bounds are always checked in subtraction form (n > size - off), which
 * cannot overflow because off <= size is an invariant of the struct.
 */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/limits.h"
#include "core/misuse.h"
#include "core/vbuf.h"

struct vbuf {
	uint8_t *d;		/* storage (for views: the caller's bytes) */
	size_t off;		/* read position; off <= size */
	size_t size;		/* end of written data; size <= alloc */
	size_t alloc;		/* bytes allocated at d (0 for views) */
	size_t max;		/* hard cap on size */
	int readonly;		/* a view: never written, never freed */
};

static void
wipe(void *p, size_t n)
{
	if (p != NULL && n > 0)
		explicit_bzero(p, n);
}

struct vbuf *
vbuf_new(size_t max)
{
	struct vbuf *b;

	if (max == 0 || max > LIMIT_BUF_MAX)
		return NULL;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->max = max;
	return b;
}

struct vbuf *
vbuf_from(const void *p, size_t len)
{
	struct vbuf *b;

	if (len > LIMIT_BUF_MAX || (p == NULL && len != 0))
		return NULL;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	/* The cast is safe: readonly views are never written through. */
	b->d = (uint8_t *)(uintptr_t)p;
	b->size = len;
	b->max = len;
	b->readonly = 1;
	return b;
}

void
vbuf_free(struct vbuf *b)
{
	if (b == NULL)
		return;
	if (!b->readonly) {
		wipe(b->d, b->alloc);
		free(b->d);
	}
	wipe(b, sizeof(*b));
	free(b);
}

size_t
vbuf_len(const struct vbuf *b)
{
	REQUIRE(b != NULL);
	return b->size - b->off;
}

const uint8_t *
vbuf_ptr(const struct vbuf *b)
{
	REQUIRE(b != NULL);
	return b->d == NULL ? (const uint8_t *)"" : b->d + b->off;
}

size_t
vbuf_max(const struct vbuf *b)
{
	REQUIRE(b != NULL);
	return b->max;
}

void
vbuf_reset(struct vbuf *b)
{
	REQUIRE(b != NULL && !b->readonly);
	wipe(b->d, b->alloc);
	b->off = b->size = 0;
}

int
vbuf_expect_end(const struct vbuf *b)
{
	REQUIRE(b != NULL);
	return b->off == b->size ? 0 : ERR_TRAILING_DATA;
}

int
vbuf_get_direct(struct vbuf *b, size_t n, const uint8_t **p)
{
	REQUIRE(b != NULL);
	if (p != NULL)
		*p = NULL;
	if (n > b->size - b->off)
		return ERR_TRUNCATED;
	if (p != NULL)
		*p = b->d == NULL ? (const uint8_t *)"" : b->d + b->off;
	b->off += n;
	return 0;
}

int
vbuf_get(struct vbuf *b, void *out, size_t n)
{
	const uint8_t *p;
	int r;

	if ((r = vbuf_get_direct(b, n, &p)) != 0)
		return r;
	if (out != NULL && n > 0)
		memcpy(out, p, n);
	return 0;
}

int
vbuf_consume(struct vbuf *b, size_t n)
{
	return vbuf_get_direct(b, n, NULL);
}

int
vbuf_peek_u8(const struct vbuf *b, uint8_t *v)
{
	REQUIRE(b != NULL && v != NULL);
	*v = 0;
	if (b->size - b->off < 1)
		return ERR_TRUNCATED;
	*v = b->d[b->off];
	return 0;
}

int
vbuf_get_u8(struct vbuf *b, uint8_t *v)
{
	const uint8_t *p;
	int r;

	REQUIRE(v != NULL);
	*v = 0;
	if ((r = vbuf_get_direct(b, 1, &p)) != 0)
		return r;
	*v = p[0];
	return 0;
}

int
vbuf_get_u16(struct vbuf *b, uint16_t *v)
{
	const uint8_t *p;
	int r;

	REQUIRE(v != NULL);
	*v = 0;
	if ((r = vbuf_get_direct(b, 2, &p)) != 0)
		return r;
	*v = (uint16_t)((uint16_t)p[0] << 8 | p[1]);
	return 0;
}

int
vbuf_get_u32(struct vbuf *b, uint32_t *v)
{
	const uint8_t *p;
	int r;

	REQUIRE(v != NULL);
	*v = 0;
	if ((r = vbuf_get_direct(b, 4, &p)) != 0)
		return r;
	*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
	return 0;
}

int
vbuf_get_u64(struct vbuf *b, uint64_t *v)
{
	const uint8_t *p;
	uint64_t x = 0;
	int i, r;

	REQUIRE(v != NULL);
	*v = 0;
	if ((r = vbuf_get_direct(b, 8, &p)) != 0)
		return r;
	for (i = 0; i < 8; i++)
		x = x << 8 | p[i];
	*v = x;
	return 0;
}

int
vbuf_get_string_direct(struct vbuf *b, size_t max, const uint8_t **p,
    size_t *len)
{
	size_t save;
	uint32_t n;
	int r;

	REQUIRE(b != NULL && p != NULL && len != NULL);
	*p = NULL;
	*len = 0;
	save = b->off;
	if ((r = vbuf_get_u32(b, &n)) != 0)
		return r;
	if (n > max || n > LIMIT_STRING_MAX) {
		b->off = save;
		return ERR_TOO_LARGE;
	}
	if ((r = vbuf_get_direct(b, n, p)) != 0) {
		b->off = save;
		return r;
	}
	*len = n;
	return 0;
}

int
vbuf_get_cstring(struct vbuf *b, size_t max, char **out)
{
	const uint8_t *p;
	size_t len, save;
	char *s;
	int r;

	REQUIRE(b != NULL && out != NULL);
	*out = NULL;
	save = b->off;
	if ((r = vbuf_get_string_direct(b, max, &p, &len)) != 0)
		return r;
	if (len > 0 && memchr(p, '\0', len) != NULL) {
		b->off = save;
		return ERR_FORMAT;
	}
	if ((s = malloc(len + 1)) == NULL) {
		b->off = save;
		return ERR_NOMEM;
	}
	if (len > 0)
		memcpy(s, p, len);
	s[len] = '\0';
	*out = s;
	return 0;
}

int
vbuf_get_sub(struct vbuf *b, size_t n, struct vbuf **sub)
{
	const uint8_t *p;
	struct vbuf *v;
	int r;

	REQUIRE(sub != NULL);
	*sub = NULL;
	REQUIRE(b != NULL);
	if (n > b->size - b->off)
		return ERR_TRUNCATED;
	if ((v = vbuf_from(b->d == NULL ? (const uint8_t *)"" : b->d + b->off,
	    n)) == NULL)
		return ERR_NOMEM;
	if ((r = vbuf_get_direct(b, n, &p)) != 0) {
		vbuf_free(v);
		return r;
	}
	*sub = v;
	return 0;
}

/*
 * Grows the allocation to hold need bytes.  Copies rather than realloc()s
 * so that the old block can be wiped: buffers may carry secrets.
 */
static int
vbuf_grow(struct vbuf *b, size_t need)
{
	size_t nalloc;
	uint8_t *nd;

	if (need <= b->alloc)
		return 0;
	nalloc = b->alloc < 256 ? 256 : b->alloc;
	while (nalloc < need)
		nalloc = nalloc > b->max / 2 ? b->max : nalloc * 2;
	if (nalloc > b->max)
		nalloc = b->max;
	if ((nd = malloc(nalloc)) == NULL)
		return ERR_NOMEM;
	if (b->size > 0)
		memcpy(nd, b->d, b->size);
	wipe(b->d, b->alloc);
	free(b->d);
	b->d = nd;
	b->alloc = nalloc;
	return 0;
}

int
vbuf_reserve(struct vbuf *b, size_t n, uint8_t **dp)
{
	int r;

	REQUIRE(b != NULL && dp != NULL);
	REQUIRE(!b->readonly);
	*dp = NULL;
	if (n > b->max - b->size)
		return ERR_TOO_LARGE;
	/* Compact consumed bytes away before growing. */
	if (b->off > 0 && b->size + n > b->alloc) {
		memmove(b->d, b->d + b->off, b->size - b->off);
		wipe(b->d + (b->size - b->off), b->off);
		b->size -= b->off;
		b->off = 0;
	}
	if ((r = vbuf_grow(b, b->size + n)) != 0)
		return r;
	*dp = b->d + b->size;
	b->size += n;
	return 0;
}

int
vbuf_put(struct vbuf *b, const void *p, size_t n)
{
	uint8_t *dp;
	int r;

	REQUIRE(p != NULL || n == 0);
	if ((r = vbuf_reserve(b, n, &dp)) != 0)
		return r;
	if (n > 0)
		memcpy(dp, p, n);
	return 0;
}

int
vbuf_put_u8(struct vbuf *b, uint8_t v)
{
	return vbuf_put(b, &v, 1);
}

int
vbuf_put_u16(struct vbuf *b, uint16_t v)
{
	uint8_t p[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	return vbuf_put(b, p, sizeof(p));
}

int
vbuf_put_u32(struct vbuf *b, uint32_t v)
{
	uint8_t p[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 8), (uint8_t)v };

	return vbuf_put(b, p, sizeof(p));
}

int
vbuf_put_u64(struct vbuf *b, uint64_t v)
{
	uint8_t p[8];
	int i;

	for (i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
	return vbuf_put(b, p, sizeof(p));
}

int
vbuf_put_string(struct vbuf *b, const void *p, size_t n)
{
	int r;

	if (n > LIMIT_STRING_MAX || n > UINT32_MAX)
		return ERR_TOO_LARGE;
	/* Check room for prefix and body first: no half-written field. */
	REQUIRE(b != NULL);
	if (n + 4 > b->max - b->size)
		return ERR_TOO_LARGE;
	if ((r = vbuf_put_u32(b, (uint32_t)n)) != 0)
		return r;
	return vbuf_put(b, p, n);
}

int
vbuf_put_cstring(struct vbuf *b, const char *s)
{
	REQUIRE(s != NULL);
	return vbuf_put_string(b, s, strlen(s));
}
