/*
 * cfile.c - the ceremony's files (cfile.h; docs/PROTOCOL-ceremony.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ballot/election.h"
#include "core/err.h"
#include "core/misuse.h"
#include "core/vbuf.h"
#include "crypto/dkg.h"
#include "crypto/group.h"
#include "crypto/hash.h"
#include "tally/cfile.h"

#define DESC_MAGIC "IPPYOCER"
#define MSG_MAGIC "IPPYOCMS"
#define RESULT_MAGIC "IPPYOCRS"
#define CFILE_VERSION 1
#define CEREMONY_TAG "ippyo/ceremony/v1"

int
ceremony_context(const uint8_t *manifest, size_t len, uint32_t n, uint32_t k,
    uint8_t out[HASH_LEN])
{
	struct hash_transcript *t = NULL;
	int r;

	if ((r = hash_transcript_new(&t, CEREMONY_TAG)) != 0)
		return r;
	if ((r = hash_put(t, manifest, len)) == 0 &&
	    (r = hash_put_u32(t, n)) == 0 &&
	    (r = hash_put_u32(t, k)) == 0)
		hash_digest(t, out);
	hash_transcript_free(t);
	return r;
}

/* dkg_params_valid and k >= 2 (a 1-of-n key is one person's key). */
static int
params_ok(const struct dkg_params *p)
{
	return p->k >= 2 && dkg_params_valid(p);
}

static int
get_magic(struct vbuf *b, const char *magic)
{
	char m[8];
	uint8_t v;
	int r;

	if ((r = vbuf_get(b, m, 8)) != 0)
		return r;
	if (memcmp(m, magic, 8) != 0)
		return ERR_FORMAT;
	if ((r = vbuf_get_u8(b, &v)) != 0)
		return r;
	return v == CFILE_VERSION ? 0 : ERR_UNSUPPORTED;
}

/* A length-prefixed election id into out (ident rules). */
static int
get_id(struct vbuf *b, char out[LIMIT_ID_LEN_MAX + 1])
{
	const uint8_t *p;
	size_t n;
	int r;

	if ((r = vbuf_get_string_direct(b, ELECTION_ID_MAX, &p, &n)) != 0)
		return r;
	if (n == 0 || memchr(p, '\0', n) != NULL)
		return ERR_FORMAT;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

int
ceremony_desc_encode(const char *election_id, const uint8_t *manifest,
    size_t manifest_len, uint32_t n, uint32_t k, struct vbuf *out)
{
	uint8_t cctx[HASH_LEN];
	int r;

	if ((r = ceremony_context(manifest, manifest_len, n, k, cctx)) != 0)
		return r;
	if ((r = vbuf_put(out, DESC_MAGIC, 8)) != 0 ||
	    (r = vbuf_put_u8(out, CFILE_VERSION)) != 0 ||
	    (r = vbuf_put_cstring(out, election_id)) != 0 ||
	    (r = vbuf_put_string(out, manifest, manifest_len)) != 0 ||
	    (r = vbuf_put_u32(out, n)) != 0 ||
	    (r = vbuf_put_u32(out, k)) != 0 ||
	    (r = vbuf_put(out, cctx, HASH_LEN)) != 0)
		return r;
	return 0;
}

void
ceremony_desc_free(struct ceremony_desc *d)
{
	if (d == NULL)
		return;
	free(d->manifest);
	manifest_free(d->m);
	free(d);
}

int
ceremony_desc_decode(const uint8_t *p, size_t len, struct ceremony_desc **out)
{
	struct ceremony_desc *d = NULL;
	struct vbuf *b = NULL;
	const uint8_t *mp;
	uint8_t cctx[HASH_LEN], want[HASH_LEN];
	int r;

	*out = NULL;
	if (len > CFILE_MAX)
		return ERR_TOO_LARGE;
	if ((b = vbuf_from(p, len)) == NULL ||
	    (d = calloc(1, sizeof(*d))) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if ((r = get_magic(b, DESC_MAGIC)) != 0 ||
	    (r = get_id(b, d->election_id)) != 0 ||
	    (r = vbuf_get_string_direct(b, LIMIT_MANIFEST_MAX, &mp,
	    &d->manifest_len)) != 0 ||
	    (r = vbuf_get_u32(b, &d->p.n)) != 0 ||
	    (r = vbuf_get_u32(b, &d->p.k)) != 0 ||
	    (r = vbuf_get(b, cctx, HASH_LEN)) != 0 ||
	    (r = vbuf_expect_end(b)) != 0)
		goto out;
	if (!params_ok(&d->p)) {
		r = ERR_RANGE;
		goto out;
	}
	if (d->manifest_len == 0 ||
	    (d->manifest = malloc(d->manifest_len)) == NULL) {
		r = d->manifest_len == 0 ? ERR_FORMAT : ERR_NOMEM;
		goto out;
	}
	memcpy(d->manifest, mp, d->manifest_len);
	if ((r = manifest_decode(d->manifest, d->manifest_len, &d->m)) != 0)
		goto out;
	if (strcmp(d->m->id, d->election_id) != 0) {
		r = ERR_MISMATCH;
		goto out;
	}
	if ((r = ceremony_context(d->manifest, d->manifest_len, d->p.n,
	    d->p.k, want)) != 0)
		goto out;
	if (memcmp(want, cctx, HASH_LEN) != 0) {
		r = ERR_MISMATCH;
		goto out;
	}
	memcpy(d->p.context, cctx, HASH_LEN);
	*out = d;
	d = NULL;
	r = 0;
 out:
	ceremony_desc_free(d);
	vbuf_free(b);
	return r;
}

size_t
cmsg_body_len(enum cmsg_kind kind, const struct dkg_params *p)
{
	switch (kind) {
	case CMSG_PUBLIC:
		return dkg_public_len(p);
	case CMSG_SHARE:
		return DKG_SHARE_LEN;
	case CMSG_COMPLAINT:
		return DKG_SHARE_LEN + DKG_COMPLAINT_LEN;
	}
	return 0;
}

/* The envelope's rules on kind, parameters and indices. */
static int
cmsg_check(const struct cmsg *m)
{
	if (m->kind != CMSG_PUBLIC && m->kind != CMSG_SHARE &&
	    m->kind != CMSG_COMPLAINT)
		return ERR_FORMAT;
	if (!params_ok(&m->p))
		return ERR_RANGE;
	if (m->from < 1 || m->from > m->p.n)
		return ERR_RANGE;
	if (m->kind == CMSG_PUBLIC ? m->to != 0 :
	    (m->to < 1 || m->to > m->p.n || m->to == m->from))
		return ERR_RANGE;
	if (m->body_len != cmsg_body_len(m->kind, &m->p))
		return ERR_FORMAT;
	return 0;
}

int
cmsg_encode(const struct cmsg *m, struct vbuf *out)
{
	int r;

	if ((r = cmsg_check(m)) != 0)
		return r;
	if ((r = vbuf_put(out, MSG_MAGIC, 8)) != 0 ||
	    (r = vbuf_put_u8(out, CFILE_VERSION)) != 0 ||
	    (r = vbuf_put_u8(out, (uint8_t)m->kind)) != 0 ||
	    (r = vbuf_put(out, m->p.context, HASH_LEN)) != 0 ||
	    (r = vbuf_put_u32(out, m->p.n)) != 0 ||
	    (r = vbuf_put_u32(out, m->p.k)) != 0 ||
	    (r = vbuf_put_u32(out, m->from)) != 0 ||
	    (r = vbuf_put_u32(out, m->to)) != 0 ||
	    (r = vbuf_put_string(out, m->body, m->body_len)) != 0)
		return r;
	return 0;
}

int
cmsg_decode(const uint8_t *p, size_t len, const struct dkg_params *want,
    struct cmsg *out)
{
	struct vbuf *b = NULL;
	uint8_t kind;
	int r;

	memset(out, 0, sizeof(*out));
	if (len > CFILE_MAX)
		return ERR_TOO_LARGE;
	if ((b = vbuf_from(p, len)) == NULL)
		return ERR_NOMEM;
	if ((r = get_magic(b, MSG_MAGIC)) != 0 ||
	    (r = vbuf_get_u8(b, &kind)) != 0 ||
	    (r = vbuf_get(b, out->p.context, HASH_LEN)) != 0 ||
	    (r = vbuf_get_u32(b, &out->p.n)) != 0 ||
	    (r = vbuf_get_u32(b, &out->p.k)) != 0 ||
	    (r = vbuf_get_u32(b, &out->from)) != 0 ||
	    (r = vbuf_get_u32(b, &out->to)) != 0 ||
	    (r = vbuf_get_string_direct(b, CFILE_MAX, &out->body,
	    &out->body_len)) != 0 ||
	    (r = vbuf_expect_end(b)) != 0)
		goto out;
	out->kind = (enum cmsg_kind)kind;
	if ((r = cmsg_check(out)) != 0)
		goto out;
	if (want != NULL && (want->n != out->p.n || want->k != out->p.k ||
	    memcmp(want->context, out->p.context, HASH_LEN) != 0))
		r = ERR_MISMATCH;
 out:
	vbuf_free(b);
	if (r != 0)
		memset(out, 0, sizeof(*out));
	return r;
}

void
cmsg_filename(enum cmsg_kind kind, uint32_t from, uint32_t to, char *buf,
    size_t len)
{
	REQUIRE(len >= 32);
	if (kind == CMSG_PUBLIC)
		snprintf(buf, len, "public-%02u.bin", from);
	else if (kind == CMSG_SHARE)
		snprintf(buf, len, "share-%02u-to-%02u.bin", from, to);
	else
		snprintf(buf, len, "complaint-%02u-about-%02u.bin", from, to);
}

int
ceremony_result_encode(const struct ceremony_result *res, struct vbuf *out)
{
	uint32_t q;
	int r;

	if ((r = vbuf_put(out, RESULT_MAGIC, 8)) != 0 ||
	    (r = vbuf_put_u8(out, CFILE_VERSION)) != 0 ||
	    (r = vbuf_put_cstring(out, res->election_id)) != 0 ||
	    (r = vbuf_put(out, res->p.context, HASH_LEN)) != 0 ||
	    (r = vbuf_put_u32(out, res->p.n)) != 0 ||
	    (r = vbuf_put_u32(out, res->p.k)) != 0 ||
	    (r = vbuf_put_u32(out, res->nq)) != 0)
		return r;
	for (q = 0; q < res->nq && q < LIMIT_TRUSTEES_MAX; q++)
		if ((r = vbuf_put_u32(out, res->qual[q])) != 0)
			return r;
	return vbuf_put(out, res->key, GROUP_POINT_LEN);
}

int
ceremony_result_decode(const uint8_t *p, size_t len,
    struct ceremony_result *out)
{
	struct vbuf *b = NULL;
	struct point *K = NULL;
	uint32_t q;
	int r;

	memset(out, 0, sizeof(*out));
	if (len > CFILE_MAX)
		return ERR_TOO_LARGE;
	if ((b = vbuf_from(p, len)) == NULL)
		return ERR_NOMEM;
	if ((r = get_magic(b, RESULT_MAGIC)) != 0 ||
	    (r = get_id(b, out->election_id)) != 0 ||
	    (r = vbuf_get(b, out->p.context, HASH_LEN)) != 0 ||
	    (r = vbuf_get_u32(b, &out->p.n)) != 0 ||
	    (r = vbuf_get_u32(b, &out->p.k)) != 0 ||
	    (r = vbuf_get_u32(b, &out->nq)) != 0)
		goto out;
	if (!params_ok(&out->p) || out->nq < out->p.k || out->nq > out->p.n) {
		r = ERR_RANGE;
		goto out;
	}
	for (q = 0; q < out->nq; q++) {
		if ((r = vbuf_get_u32(b, &out->qual[q])) != 0)
			goto out;
		if (out->qual[q] < 1 || out->qual[q] > out->p.n ||
		    (q > 0 && out->qual[q] <= out->qual[q - 1])) {
			r = ERR_FORMAT;
			goto out;
		}
	}
	if ((r = vbuf_get(b, out->key, GROUP_POINT_LEN)) != 0 ||
	    (r = vbuf_expect_end(b)) != 0)
		goto out;
	if ((K = group_point_new()) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	r = group_point_decode(K, out->key, GROUP_POINT_LEN, 0);
 out:
	group_point_free(K);
	vbuf_free(b);
	if (r != 0)
		memset(out, 0, sizeof(*out));
	return r;
}
