/*
 * hash.c - transcript hashing (layout in hash.h and
 * docs/PROTOCOL-crypto.md).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "core/err.h"
#include "core/misuse.h"
#include "crypto/hash.h"

struct hash_transcript {
	uint8_t *buf;		/* the transcript bytes */
	size_t len;		/* bytes used */
	size_t cap;		/* bytes allocated */
};

#define HASH_INITIAL_CAP 1024
#define HASH_MAX_LEN (64u * 1024 * 1024)

static int
grow(struct hash_transcript *t, size_t need)
{
	size_t cap = t->cap;
	uint8_t *nb;

	if (need > HASH_MAX_LEN - t->len)
		return ERR_TOO_LARGE;
	if (t->len + need <= cap)
		return 0;
	while (cap < t->len + need)
		cap *= 2;
	if ((nb = realloc(t->buf, cap)) == NULL)
		return ERR_NOMEM;
	t->buf = nb;
	t->cap = cap;
	return 0;
}

static void
put_u32_raw(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int
hash_put(struct hash_transcript *t, const void *p, size_t n)
{
	int r;

	if (n > UINT32_MAX)
		return ERR_TOO_LARGE;
	if ((r = grow(t, 4 + n)) != 0)
		return r;
	put_u32_raw(t->buf + t->len, (uint32_t)n);
	if (n > 0)
		memcpy(t->buf + t->len + 4, p, n);
	t->len += 4 + n;
	return 0;
}

void
hash_transcript_reset(struct hash_transcript *t, const char *tag)
{
	t->len = 0;
	/* the initial capacity always holds domain + tag */
	REQUIRE(hash_put(t, HASH_DOMAIN, sizeof(HASH_DOMAIN) - 1) == 0);
	REQUIRE(hash_put(t, tag, strlen(tag)) == 0);
}

int
hash_transcript_new(struct hash_transcript **out, const char *tag)
{
	struct hash_transcript *t;

	*out = NULL;
	REQUIRE(strlen(tag) < 256);
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return ERR_NOMEM;
	if ((t->buf = malloc(HASH_INITIAL_CAP)) == NULL) {
		free(t);
		return ERR_NOMEM;
	}
	t->cap = HASH_INITIAL_CAP;
	hash_transcript_reset(t, tag);
	*out = t;
	return 0;
}

void
hash_transcript_free(struct hash_transcript *t)
{
	if (t == NULL)
		return;
	OPENSSL_cleanse(t->buf, t->cap);
	free(t->buf);
	free(t);
}

int
hash_put_u32(struct hash_transcript *t, uint32_t v)
{
	uint8_t b[4];

	put_u32_raw(b, v);
	return hash_put(t, b, sizeof(b));
}

int
hash_put_u64(struct hash_transcript *t, uint64_t v)
{
	uint8_t b[8];

	put_u32_raw(b, (uint32_t)(v >> 32));
	put_u32_raw(b + 4, (uint32_t)v);
	return hash_put(t, b, sizeof(b));
}

int
hash_put_point(struct hash_transcript *t, const uint8_t enc[GROUP_POINT_LEN])
{
	return hash_put(t, enc, GROUP_POINT_LEN);
}

int
hash_put_scalar(struct hash_transcript *t, const struct scalar *s)
{
	uint8_t b[GROUP_SCALAR_LEN];
	int r;

	group_scalar_encode(s, b);
	r = hash_put(t, b, sizeof(b));
	OPENSSL_cleanse(b, sizeof(b));
	return r;
}

void
hash_digest(const struct hash_transcript *t, uint8_t out[HASH_LEN])
{
	SHA256(t->buf, t->len, out);
}

void
hash_challenge(const struct hash_transcript *t, struct scalar *c)
{
	uint8_t d[HASH_LEN + 1], wide[GROUP_WIDE_LEN];

	hash_digest(t, d);
	d[HASH_LEN] = 0x00;
	SHA256(d, sizeof(d), wide);
	d[HASH_LEN] = 0x01;
	SHA256(d, sizeof(d), wide + 32);
	group_scalar_from_wide(c, wide);
}

const uint8_t *
hash_transcript_bytes(const struct hash_transcript *t, size_t *len)
{
	*len = t->len;
	return t->buf;
}

void
hash_sha256(const void *p, size_t n, uint8_t out[HASH_LEN])
{
	SHA256(p, n, out);
}
