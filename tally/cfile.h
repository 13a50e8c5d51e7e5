/*
 * cfile.h - the files of the trustee key ceremony, shared by the
 * committee (`ippyo ceremony`, tally/ceremony.h) and the trustees
 * (`ippyo-trustee`, tally/trustee_main.c).  Byte layouts:
 * docs/PROTOCOL-ceremony.md.
 *
 *  - the ceremony description (committee -> trustees): election id,
 *    manifest, n, k and the ceremony context cctx;
 *  - a ceremony message: a public message, an encrypted share or a
 *    complaint in an envelope naming its kind, cctx, n, k, sender and
 *    recipient (the DKG's own signatures and proofs bind all of those,
 *    so the envelope needs no signature of its own);
 *  - the ceremony result (committee -> trustees): the qualified set and
 *    the election key K.
 *
 * Every decoder is strict (canonical form only, vbuf_expect_end) and safe
 * on untrusted input.
 */
#ifndef IPPYO_TALLY_CFILE_H
#define IPPYO_TALLY_CFILE_H

#include <stddef.h>
#include <stdint.h>

#include "ballot/election.h"
#include "core/limits.h"
#include "core/vbuf.h"
#include "crypto/dkg.h"
#include "crypto/group.h"

#define CFILE_WUR __attribute__((warn_unused_result))

/* Largest file of the ceremony (a description holds a manifest). */
#define CFILE_MAX (LIMIT_MANIFEST_MAX + 4096)

/*
 * cctx = D(tag "ippyo/ceremony/v1"; manifest bytes, u32 n, u32 k)
 * (docs/PROTOCOL-record.md §5).
 */
int ceremony_context(const uint8_t *manifest, size_t len, uint32_t n,
    uint32_t k, uint8_t out[HASH_LEN]) CFILE_WUR;

/* The ceremony description. */
struct ceremony_desc {
	char election_id[LIMIT_ID_LEN_MAX + 1];	/* the manifest's id */
	uint8_t *manifest;			/* canonical bytes (owned) */
	size_t manifest_len;
	struct manifest *m;			/* decoded (owned) */
	struct dkg_params p;			/* n, k and context = cctx */
};

/* Appends the description of (manifest, n, k) to out. */
int ceremony_desc_encode(const char *election_id, const uint8_t *manifest,
    size_t manifest_len, uint32_t n, uint32_t k, struct vbuf *out) CFILE_WUR;

/*
 * Decodes a description: the manifest must decode and carry the id, n
 * and k must be valid with k >= 2, and cctx must be the one they give
 * (ERR_MISMATCH otherwise).  Caller frees *out.
 */
int ceremony_desc_decode(const uint8_t *p, size_t len,
    struct ceremony_desc **out) CFILE_WUR;
void ceremony_desc_free(struct ceremony_desc *d);

enum cmsg_kind {
	CMSG_PUBLIC = 1,	/* from: its public message; to = 0 */
	CMSG_SHARE = 2,		/* from i to j: the signed encrypted share */
	CMSG_COMPLAINT = 3	/* from j (complainer) about to = i:
				 * the signed share || the complaint */
};

struct cmsg {
	enum cmsg_kind kind;
	struct dkg_params p;		/* context = cctx, n, k */
	uint32_t from;			/* 1..n */
	uint32_t to;			/* 0 for a public message, else 1..n */
	const uint8_t *body;		/* points into the decoded input */
	size_t body_len;		/* fixed by kind and k */
};

/* The body length for kind under p. */
size_t cmsg_body_len(enum cmsg_kind kind, const struct dkg_params *p);

/* Appends m's envelope and body to out (m is checked like decode). */
int cmsg_encode(const struct cmsg *m, struct vbuf *out) CFILE_WUR;

/*
 * Decodes an envelope: known kind, valid n and k (k >= 2), sender and
 * recipient in range and distinct, the body of exactly the kind's
 * length.  When want is not NULL its context, n and k must match
 * (ERR_MISMATCH).  Nothing cryptographic is checked here.
 */
int cmsg_decode(const uint8_t *p, size_t len, const struct dkg_params *want,
    struct cmsg *out) CFILE_WUR;

/*
 * The conventional file name: public-NN.bin, share-II-to-JJ.bin,
 * complaint-JJ-about-II.bin (buf of at least 32 bytes).
 */
void cmsg_filename(enum cmsg_kind kind, uint32_t from, uint32_t to,
    char *buf, size_t len);

/* The ceremony result. */
struct ceremony_result {
	char election_id[LIMIT_ID_LEN_MAX + 1];
	struct dkg_params p;			/* context = cctx */
	uint32_t nq;				/* |Q| >= k */
	uint32_t qual[LIMIT_TRUSTEES_MAX];	/* ascending */
	uint8_t key[GROUP_POINT_LEN];		/* K = sum_{i in Q} C_i0 */
};

int ceremony_result_encode(const struct ceremony_result *r, struct vbuf *out)
    CFILE_WUR;
/* Strict: valid n, k >= 2, k <= nq <= n, Q ascending in 1..n, K a
 * valid point (not the identity). */
int ceremony_result_decode(const uint8_t *p, size_t len,
    struct ceremony_result *out) CFILE_WUR;

#endif /* IPPYO_TALLY_CFILE_H */
