/*
 * ballot.c - canonical ballots.
 */
#include <stdlib.h>
#include <string.h>

#include "ballot/ballot.h"
#include "ballot/election.h"
#include "core/err.h"
#include "core/misuse.h"
#include "core/vbuf.h"
#include "crypto/contest.h"
#include "crypto/digest.h"
#include "crypto/group.h"
#include "crypto/secret.h"

#define BALLOT_MAGIC "IPPYOBAL"
#define BALLOT_VERSION 1
#define BALLOT_DOMAIN "ippyo-ballot-v1"

static int
alias_ok(const char *a, size_t n)
{
	size_t i;

	if (n != BALLOT_ALIAS_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if (!((a[i] >= '0' && a[i] <= '9') || (a[i] >= 'a' && a[i] <= 'f')))
			return 0;
	return 1;
}

void
ballot_hash(const uint8_t *p, size_t len, uint8_t out[BALLOT_HASH_LEN])
{
	struct digest *d = digest_new();

	if (d == NULL)
		MISUSE("out of memory hashing a ballot");
	digest_put(d, BALLOT_DOMAIN, sizeof(BALLOT_DOMAIN) - 1);
	digest_put(d, p, len);
	digest_final(d, out);
}

int
ballot_decode(const struct election *e, const uint8_t *p, size_t len,
    struct ballot *out)
{
	const struct manifest *m;
	const uint8_t *s;
	struct vbuf *b = NULL;
	uint8_t magic[8], version;
	uint32_t n, i, idx;
	size_t sl;
	int r = ERR_INTERNAL;

	REQUIRE(e != NULL && p != NULL && out != NULL);
	memset(out, 0, sizeof(*out));
	m = e->manifest;
	if (len > BALLOT_MAX)
		return ERR_TOO_LARGE;
	if ((b = vbuf_from(p, len)) == NULL)
		return ERR_NOMEM;
	if ((r = vbuf_get(b, magic, 8)) != 0 || (r = vbuf_get_u8(b, &version)) != 0)
		goto out;
	if (memcmp(magic, BALLOT_MAGIC, 8) != 0) {
		r = ERR_FORMAT;
		goto out;
	}
	if (version != BALLOT_VERSION) {
		r = ERR_UNSUPPORTED;
		goto out;
	}
	if ((r = vbuf_get_string_direct(b, LIMIT_ID_LEN_MAX, &s, &sl)) != 0)
		goto out;
	memcpy(out->election_id, s, sl);
	out->election_id[sl] = '\0';
	if ((r = vbuf_get(b, out->context_hash, HASH_LEN)) != 0 ||
	    (r = vbuf_get_string_direct(b, BALLOT_ALIAS_LEN, &s, &sl)) != 0)
		goto out;
	if (!alias_ok((const char *)s, sl)) {
		r = ERR_FORMAT;
		goto out;
	}
	memcpy(out->alias, s, sl);
	out->alias[sl] = '\0';
	if (strlen(out->election_id) != strlen(m->id) ||
	    strcmp(out->election_id, m->id) != 0 ||
	    memcmp(out->context_hash, e->context_hash, HASH_LEN) != 0) {
		r = ERR_MISMATCH;
		goto out;
	}
	if ((r = vbuf_get_u32(b, &n)) != 0)
		goto out;
	if (n != m->ncontests) {
		r = ERR_FORMAT;
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct contest_spec spec;

		manifest_spec(m, i, &spec);
		if ((r = vbuf_get_u32(b, &idx)) != 0 ||
		    (r = vbuf_get_string_direct(b, BALLOT_MAX, &s, &sl)) != 0)
			goto out;
		if (idx != i || sl != contest_len(&spec)) {
			r = ERR_FORMAT;
			goto out;
		}
		out->contest[i] = s;
		out->contest_len[i] = sl;
	}
	out->ncontests = n;
	if ((r = vbuf_expect_end(b)) != 0)
		goto out;
	r = 0;
 out:
	if (r != 0)
		memset(out, 0, sizeof(*out));
	vbuf_free(b);
	return r;
}

/* nonces, when not NULL, receives every option's nonce (see .h). */
static int
encrypt(const struct election *e, const char *alias,
    const uint8_t *const *sel, struct vbuf *out, uint8_t *nonces)
{
	const struct manifest *m;
	uint8_t *dp;
	uint32_t i;
	int r;

	REQUIRE(e != NULL && alias != NULL && sel != NULL && out != NULL);
	m = e->manifest;
	if (e->key == NULL)
		return ERR_WRONG_STATE;
	if (!alias_ok(alias, strlen(alias)))
		return ERR_INVALID_ARG;
	if ((r = vbuf_put(out, BALLOT_MAGIC, 8)) != 0 ||
	    (r = vbuf_put_u8(out, BALLOT_VERSION)) != 0 ||
	    (r = vbuf_put_cstring(out, m->id)) != 0 ||
	    (r = vbuf_put(out, e->context_hash, HASH_LEN)) != 0 ||
	    (r = vbuf_put_cstring(out, alias)) != 0 ||
	    (r = vbuf_put_u32(out, m->ncontests)) != 0)
		return r;
	for (i = 0; i < m->ncontests; i++) {
		struct contest_spec spec;
		size_t n;

		manifest_spec(m, i, &spec);
		n = contest_len(&spec);
		if ((r = vbuf_put_u32(out, i)) != 0 ||
		    (r = vbuf_put_u32(out, (uint32_t)n)) != 0 ||
		    (r = vbuf_reserve(out, n, &dp)) != 0)
			return r;
		if (nonces == NULL)
			r = contest_encrypt(e->key, e->context_hash,
			    (const uint8_t *)alias, BALLOT_ALIAS_LEN, &spec,
			    sel[i], dp, n);
		else {
			size_t nl = (size_t)spec.options * GROUP_SCALAR_LEN;

			r = contest_encrypt_reveal(e->key, e->context_hash,
			    (const uint8_t *)alias, BALLOT_ALIAS_LEN, &spec,
			    sel[i], dp, n, nonces, nl);
			nonces += nl;
		}
		if (r != 0)
			return r;
	}
	return 0;
}

int
ballot_encrypt(const struct election *e, const char *alias,
    const uint8_t *const *sel, struct vbuf *out)
{
	return encrypt(e, alias, sel, out, NULL);
}

size_t
ballot_nonces_len(const struct manifest *m)
{
	size_t n = 0;
	uint32_t i;

	for (i = 0; i < m->ncontests; i++)
		n += (size_t)m->contests[i].noptions * GROUP_SCALAR_LEN;
	return n;
}

int
ballot_encrypt_reveal(const struct election *e, const char *alias,
    const uint8_t *const *sel, struct vbuf *out, struct secret **nonces)
{
	struct secret *s = NULL;
	int r;

	REQUIRE(e != NULL && nonces != NULL);
	*nonces = NULL;
	if ((r = secret_new(ballot_nonces_len(e->manifest), &s)) != 0)
		return r;
	r = encrypt(e, alias, sel, out, secret_open(s));
	secret_close(s);
	if (r != 0) {
		secret_free(s);
		return r;
	}
	*nonces = s;
	return 0;
}
