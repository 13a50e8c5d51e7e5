/*
 * engine_gcrypt.c - the verifier's second engine (engine.h) on libgcrypt.
 *
 * Written from docs/PROTOCOL-crypto.md and docs/PROTOCOL-secrets.md
 * alone; it never calls crypto/, so a bug there (or in OpenSSL or
 * libsodium) cannot hide in both engines.
 *
 *	group		gcry_mpi_ec_* on "NIST P-256"; points decoded exactly as
 *			§1 says (65 bytes, 0x04, X and Y below p, on the curve,
 *			not the identity unless the field is an aggregate)
 *	scalars		gcry_mpi arithmetic mod n
 *	hashes		gcry_md SHA-256 (transcripts, §3)
 *	signatures	gcry_pk_verify (EdDSA, Ed25519) plus the checks of
 *			libsodium's strict mode that libgcrypt does not make
 *	DKG shares	HMAC-SHA256 (gcry_mac) for HKDF, AES-256-GCM
 *			(gcry_cipher)
 *
 * Every proof is checked equation by equation, as written in the
 * protocol (v·P = A + c·Q computed and compared in affine coordinates),
 * never batched: slower than the OpenSSL engine, but a different way of
 * checking the same statements.  contest_add verifies a contest at once
 * and remembers the ids of those that fail; contest_flush reports them.
 *
 * Everything here works on public data and is variable-time.  The one
 * secret-looking value, a DKG share decrypted to judge a complaint, is
 * public by then (the complainer published what decrypts it); it is
 * wiped all the same.
 */
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <gcrypt.h>

#include "audit/engine.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/misuse.h"

#define PT		ENGINE_POINT_LEN	/* 65 */
#define SC		32			/* a scalar */
#define P01_LEN		(4 * PT + 3 * SC)	/* 0/1 proof, 356 */
#define SCHNORR_LEN	(PT + SC)		/* h || v, 97 */
#define DLEQ_LEN	(2 * PT + SC)		/* a || b || v, 162 */
#define PUB_ITEM	(PT + SCHNORR_LEN)	/* point and its proof */
#define ED_PK_LEN	32
#define ED_SIG_LEN	64
#define SHARE_LEN	(PT + SC + 16 + ED_SIG_LEN)	/* 177 */
#define SHARE_BODY	(SHARE_LEN - ED_SIG_LEN)	/* E || ct || tag */
#define COMPLAINT_LEN	(PT + DLEQ_LEN)			/* 227 */
#define DSHARE_LEN	(PT + DLEQ_LEN)			/* 227 */
#define ALIAS_MAX	256
#define COMM_KEY_LABEL	0xffffffffu

#define TR_DOMAIN	"ippyo/transcript/v1"
#define TAG_PROOF01	"ippyo/proof01/v1"
#define TAG_RANGE	"ippyo/range/v1"
#define TAG_SCHNORR	"ippyo/schnorr/v1"
#define TAG_DECRYPT	"ippyo/decrypt/v1"
#define TAG_DLEQ	"ippyo/dleq/v1"
#define SHARE_INFO	"ippyo/dkg-share/v1"
#define SIG_DOMAIN	"ippyo-sig-v1"
#define SIG_TAG_MAX	64

/* The oldest libgcrypt whose P-256 and EdDSA code this was tested on. */
#define GC_NEED_VERSION	"1.10.0"

/* P-256's p and n, big-endian. */
static const uint8_t P256_P[32] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
};
static const uint8_t P256_N[32] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
	0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51
};
/* Ed25519: the field prime 2^255 - 19 and the group order L, big-endian. */
static const uint8_t ED_P[32] = {
	0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xed
};
static const uint8_t ED_L[32] = {
	0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x14, 0xde, 0xf9, 0xde, 0xa2, 0xf7, 0x9c, 0xd6,
	0x58, 0x12, 0x63, 0x1a, 0x5c, 0xf5, 0xd3, 0xed
};

/* ---- library start ------------------------------------------------- */

static pthread_once_t gc_once = PTHREAD_ONCE_INIT;
static int gc_ready;		/* set once by gc_start */

static void
gc_start(void)
{
	/* someone in this process may have set libgcrypt up already */
	if (gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P)) {
		gc_ready = gcry_check_version(GC_NEED_VERSION) != NULL;
		return;
	}
	if (gcry_check_version(GC_NEED_VERSION) == NULL)
		return;
	/* no secret is handled here: no secure memory needed */
	gcry_control(GCRYCTL_DISABLE_SECMEM, 0);
	gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
	gc_ready = 1;
}

static int
gc_init(void)
{
	if (pthread_once(&gc_once, gc_start) != 0)
		return ERR_CRYPTO;
	return gc_ready ? 0 : ERR_CRYPTO;
}

static int
gc_err(gcry_error_t e)
{
	if (e == 0)
		return 0;
	return gcry_err_code(e) == GPG_ERR_ENOMEM ? ERR_NOMEM : ERR_CRYPTO;
}

static void
put_u32(uint8_t b[4], uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

/* ---- the group ------------------------------------------------------ */

/* One P-256 context with scratch values; one thread at a time. */
struct grp {
	gcry_ctx_t ec;			/* libgcrypt's curve context */
	gcry_mpi_t n;			/* group order */
	gcry_mpi_t p;			/* field prime */
	gcry_mpi_point_t G;		/* generator */
	gcry_mpi_point_t nG;		/* -G */
	gcry_mpi_t x1, y1, x2, y2;	/* affine scratch */
	gcry_mpi_t z;			/* Z coordinate scratch */
	gcry_mpi_point_t t1, t2, t3;	/* point scratch */
	gcry_md_hd_t md;		/* SHA-256, for transcripts */
};

static void
grp_done(struct grp *g)
{
	gcry_mpi_point_release(g->t3);
	gcry_mpi_point_release(g->t2);
	gcry_mpi_point_release(g->t1);
	gcry_mpi_release(g->z);
	gcry_mpi_release(g->y2);
	gcry_mpi_release(g->x2);
	gcry_mpi_release(g->y1);
	gcry_mpi_release(g->x1);
	gcry_mpi_point_release(g->nG);
	gcry_mpi_point_release(g->G);
	gcry_mpi_release(g->p);
	gcry_mpi_release(g->n);
	gcry_ctx_release(g->ec);
	gcry_md_close(g->md);
	memset(g, 0, sizeof(*g));
}

static void pt_neg(struct grp *g, gcry_mpi_point_t out, gcry_mpi_point_t in);

static int
grp_init(struct grp *g)
{
	int r;

	memset(g, 0, sizeof(*g));
	if ((r = gc_init()) != 0)
		return r;
	if ((r = gc_err(gcry_mpi_ec_new(&g->ec, NULL, "NIST P-256"))) != 0 ||
	    (r = gc_err(gcry_md_open(&g->md, GCRY_MD_SHA256, 0))) != 0)
		goto fail;
	g->n = gcry_mpi_ec_get_mpi("n", g->ec, 1);
	g->p = gcry_mpi_ec_get_mpi("p", g->ec, 1);
	g->G = gcry_mpi_ec_get_point("g", g->ec, 1);
	g->nG = gcry_mpi_point_new(0);
	g->x1 = gcry_mpi_new(256);
	g->y1 = gcry_mpi_new(256);
	g->x2 = gcry_mpi_new(256);
	g->y2 = gcry_mpi_new(256);
	g->z = gcry_mpi_new(256);
	g->t1 = gcry_mpi_point_new(0);
	g->t2 = gcry_mpi_point_new(0);
	g->t3 = gcry_mpi_point_new(0);
	if (g->n == NULL || g->p == NULL || g->G == NULL || g->nG == NULL ||
	    g->x1 == NULL || g->y1 == NULL || g->x2 == NULL || g->y2 == NULL ||
	    g->z == NULL ||
	    g->t1 == NULL || g->t2 == NULL || g->t3 == NULL) {
		r = ERR_NOMEM;
		goto fail;
	}
	pt_neg(g, g->nG, g->G);
	return 0;
fail:
	grp_done(g);
	return r;
}

/* The identity: Jacobian (1, 1, 0). */
static void
pt_set_inf(gcry_mpi_point_t p)
{
	gcry_mpi_point_snatch_set(p, gcry_mpi_set_ui(NULL, 1),
	    gcry_mpi_set_ui(NULL, 1), gcry_mpi_set_ui(NULL, 0));
}

/*
 * out = -in.  libgcrypt 1.10 has no subtraction for Weierstrass curves
 * (gcry_mpi_ec_sub aborts), so every "P - Q" here is P + (-Q), with -Q
 * = (X, p - Y, Z) in Jacobian coordinates.
 */
static void
pt_neg(struct grp *g, gcry_mpi_point_t out, gcry_mpi_point_t in)
{
	gcry_mpi_t x = gcry_mpi_new(0), y = gcry_mpi_new(0),
	    z = gcry_mpi_new(0);

	gcry_mpi_point_get(x, y, z, in);
	gcry_mpi_mod(y, y, g->p);
	if (gcry_mpi_cmp_ui(y, 0) != 0)
		gcry_mpi_sub(y, g->p, y);
	gcry_mpi_point_snatch_set(out, x, y, z);
}

/* 1 when a < b, both 32 bytes big-endian. */
static int
be_less(const uint8_t *a, const uint8_t *b)
{
	return memcmp(a, b, 32) < 0;
}

/* 32 big-endian bytes as a new MPI (NULL when out of memory). */
static gcry_mpi_t
mpi_from_be(const uint8_t *b)
{
	gcry_mpi_t m = NULL;

	if (gcry_mpi_scan(&m, GCRYMPI_FMT_USG, b, 32, NULL) != 0)
		return NULL;
	return m;
}

/* m (0 <= m < 2^256) as 32 bytes big-endian. */
static int
mpi_to_be(gcry_mpi_t m, uint8_t out[32])
{
	uint8_t buf[32];
	size_t nw = 0;

	if (gcry_mpi_cmp_ui(m, 0) == 0) {
		memset(out, 0, 32);
		return 0;
	}
	if (gcry_mpi_print(GCRYMPI_FMT_USG, buf, sizeof(buf), &nw, m) != 0 ||
	    nw > 32)
		return ERR_CRYPTO;
	memset(out, 0, 32 - nw);
	memcpy(out + 32 - nw, buf, nw);
	return 0;
}

/*
 * Decodes a point as PROTOCOL-crypto.md §1 says: 65 zero bytes are the
 * identity (ERR_RANGE unless allow_id), then 0x04 (ERR_FORMAT), X and Y
 * below p (ERR_NOT_CANONICAL), on the curve (ERR_VERIFY).
 */
static int
pt_decode(struct grp *g, gcry_mpi_point_t out, const uint8_t in[PT],
    int allow_id)
{
	static const uint8_t zero[PT];
	gcry_mpi_t x, y;

	if (memcmp(in, zero, PT) == 0) {
		if (!allow_id)
			return ERR_RANGE;
		pt_set_inf(out);
		return 0;
	}
	if (in[0] != 0x04)
		return ERR_FORMAT;
	if (!be_less(in + 1, P256_P) || !be_less(in + 33, P256_P))
		return ERR_NOT_CANONICAL;
	if ((x = mpi_from_be(in + 1)) == NULL)
		return ERR_NOMEM;
	if ((y = mpi_from_be(in + 33)) == NULL) {
		gcry_mpi_release(x);
		return ERR_NOMEM;
	}
	gcry_mpi_point_snatch_set(out, x, y, gcry_mpi_set_ui(NULL, 1));
	if (!gcry_mpi_ec_curve_point(out, g->ec))
		return ERR_VERIFY;
	return 0;
}

/* Encodes p; the identity is 65 zero bytes if allow_id, else ERR_RANGE. */
static int
pt_encode(struct grp *g, gcry_mpi_point_t p, uint8_t out[PT], int allow_id)
{
	int r;

	memset(out, 0, PT);
	if (gcry_mpi_ec_get_affine(g->x1, g->y1, p, g->ec) != 0)
		return allow_id ? 0 : ERR_RANGE;
	out[0] = 0x04;
	if ((r = mpi_to_be(g->x1, out + 1)) != 0 ||
	    (r = mpi_to_be(g->y1, out + 33)) != 0) {
		memset(out, 0, PT);
		return r;
	}
	return 0;
}

/* 1 when a and b are the same point (the identity included). */
static int
pt_eq(struct grp *g, gcry_mpi_point_t a, gcry_mpi_point_t b)
{
	int ia = gcry_mpi_ec_get_affine(g->x1, g->y1, a, g->ec) != 0;
	int ib = gcry_mpi_ec_get_affine(g->x2, g->y2, b, g->ec) != 0;

	if (ia || ib)
		return ia && ib;
	return gcry_mpi_cmp(g->x1, g->x2) == 0 &&
	    gcry_mpi_cmp(g->y1, g->y2) == 0;
}

/*
 * out = s·P.  libgcrypt's gcry_mpi_ec_mul is not defined for the point
 * at infinity as input (it tries to invert Z = 0 and returns garbage),
 * and aggregates here can be the identity: handle it, and s = 0, first.
 */
static void
pt_mul(struct grp *g, gcry_mpi_point_t out, gcry_mpi_t s, gcry_mpi_point_t P)
{
	gcry_mpi_point_get(NULL, NULL, g->z, P);
	if (gcry_mpi_cmp_ui(g->z, 0) == 0 || gcry_mpi_cmp_ui(s, 0) == 0) {
		pt_set_inf(out);
		return;
	}
	gcry_mpi_ec_mul(out, s, P, g->ec);
}

/*
 * 1 when v·P == A + c·Q, the form of every verification equation in
 * PROTOCOL-crypto.md §5 (Q may be the identity).
 */
static int
eq_holds(struct grp *g, gcry_mpi_t v, gcry_mpi_point_t P, gcry_mpi_point_t A,
    gcry_mpi_t c, gcry_mpi_point_t Q)
{
	pt_mul(g, g->t1, v, P);
	pt_mul(g, g->t2, c, Q);
	gcry_mpi_ec_add(g->t3, g->t2, A, g->ec);
	return pt_eq(g, g->t1, g->t3);
}

/* A scalar field: 32 bytes big-endian below n (ERR_RANGE), never reduced. */
static int
sc_decode(const uint8_t in[SC], gcry_mpi_t *out)
{
	*out = NULL;
	if (!be_less(in, P256_N))
		return ERR_RANGE;
	if ((*out = mpi_from_be(in)) == NULL)
		return ERR_NOMEM;
	return 0;
}

/* ---- SHA-256 and the transcript (§3) ------------------------------- */

static void
tr_raw_u32(gcry_md_hd_t md, uint32_t v)
{
	uint8_t b[4];

	put_u32(b, v);
	gcry_md_write(md, b, 4);
}

/* One length-prefixed field. */
static void
tr_put(gcry_md_hd_t md, const void *p, size_t n)
{
	tr_raw_u32(md, (uint32_t)n);
	if (n > 0)
		gcry_md_write(md, p, n);
}

static void
tr_put_u32(gcry_md_hd_t md, uint32_t v)
{
	uint8_t b[4];

	put_u32(b, v);
	tr_put(md, b, 4);
}

static void
tr_begin(gcry_md_hd_t md, const char *tag)
{
	gcry_md_reset(md);
	tr_put(md, TR_DOMAIN, sizeof(TR_DOMAIN) - 1);
	tr_put(md, tag, strlen(tag));
}

static void
tr_digest(gcry_md_hd_t md, uint8_t out[32])
{
	memcpy(out, gcry_md_read(md, GCRY_MD_SHA256), 32);
}

/* challenge = (H(D || 00) || H(D || 01)) mod n; *c is a new MPI. */
static int
tr_challenge(struct grp *g, gcry_mpi_t *c)
{
	uint8_t d[33], wide[64];
	gcry_mpi_t w = NULL;

	*c = NULL;
	tr_digest(g->md, d);
	d[32] = 0x00;
	gcry_md_hash_buffer(GCRY_MD_SHA256, wide, d, sizeof(d));
	d[32] = 0x01;
	gcry_md_hash_buffer(GCRY_MD_SHA256, wide + 32, d, sizeof(d));
	if (gcry_mpi_scan(&w, GCRYMPI_FMT_USG, wide, sizeof(wide), NULL) != 0)
		return ERR_NOMEM;
	gcry_mpi_mod(w, w, g->n);
	*c = w;
	return 0;
}

static int
g_sha256(const uint8_t *const *parts, const size_t *lens, size_t nparts,
    uint8_t out[ENGINE_HASH_LEN])
{
	gcry_md_hd_t md;
	size_t i;
	int r;

	memset(out, 0, ENGINE_HASH_LEN);
	if ((r = gc_init()) != 0 ||
	    (r = gc_err(gcry_md_open(&md, GCRY_MD_SHA256, 0))) != 0)
		return r;
	for (i = 0; i < nparts; i++)
		if (lens[i] > 0)
			gcry_md_write(md, parts[i], lens[i]);
	memcpy(out, gcry_md_read(md, GCRY_MD_SHA256), ENGINE_HASH_LEN);
	gcry_md_close(md);
	return 0;
}

static int
g_transcript(const char *tag, const uint8_t *const *fields,
    const size_t *lens, size_t nfields, uint8_t out[ENGINE_HASH_LEN])
{
	gcry_md_hd_t md;
	size_t i;
	int r;

	memset(out, 0, ENGINE_HASH_LEN);
	if (tag == NULL)
		return ERR_INVALID_ARG;
	for (i = 0; i < nfields; i++)
		if (lens[i] > UINT32_MAX)
			return ERR_TOO_LARGE;
	if ((r = gc_init()) != 0 ||
	    (r = gc_err(gcry_md_open(&md, GCRY_MD_SHA256, 0))) != 0)
		return r;
	tr_begin(md, tag);
	for (i = 0; i < nfields; i++)
		tr_put(md, fields[i], lens[i]);
	tr_digest(md, out);
	gcry_md_close(md);
	return 0;
}

/* ---- Ed25519, strict (PROTOCOL-secrets.md) -------------------------- */

/* y of an Ed25519 encoding (sign bit cleared), big-endian. */
static void
ed_y(const uint8_t enc[32], uint8_t y[32])
{
	int i;

	for (i = 0; i < 32; i++)
		y[i] = enc[31 - i];
	y[0] &= 0x7f;
}

/*
 * 0 when enc is a canonical encoding (y < p) of a curve point whose order
 * is not small (8·P is not the identity).  This is what libsodium's
 * strict mode asks of the public key, and of R (for R a non-canonical
 * or off-curve encoding can never equal the recomputed R anyway).
 * libgcrypt checks none of it.
 */
static int
ed_point_ok(gcry_ctx_t ed, const uint8_t enc[32])
{
	uint8_t y[32], pm1[32];
	gcry_mpi_t v = NULL, x = NULL, yy = NULL, p = NULL;
	gcry_mpi_point_t P = NULL, Q = NULL;
	int r = ERR_VERIFY, i;

	ed_y(enc, y);
	if (!be_less(y, ED_P))
		return ERR_VERIFY;		/* non-canonical */
	/*
	 * y = 0, 1, p - 1 (points of order 4, 1, 2) with either x sign: the
	 * sign bit of x = 0 is meaningless, so refuse these before decoding.
	 */
	for (i = 0; i < 31 && y[i] == 0; i++)
		;
	if (i == 31 && y[31] <= 1)
		return ERR_VERIFY;
	memcpy(pm1, ED_P, 32);
	pm1[31] -= 1;
	if (memcmp(y, pm1, 32) == 0)
		return ERR_VERIFY;
	if ((v = gcry_mpi_set_opaque_copy(NULL, enc, 256)) == NULL ||
	    (P = gcry_mpi_point_new(0)) == NULL ||
	    (Q = gcry_mpi_point_new(0)) == NULL ||
	    (x = gcry_mpi_new(0)) == NULL || (yy = gcry_mpi_new(0)) == NULL ||
	    (p = gcry_mpi_ec_get_mpi("p", ed, 1)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if (gcry_mpi_ec_decode_point(P, v, ed) != 0 ||
	    !gcry_mpi_ec_curve_point(P, ed))
		goto out;			/* not on the curve */
	/* 8·P: small order when it is the identity (0, 1) */
	gcry_mpi_ec_dup(Q, P, ed);
	gcry_mpi_ec_dup(P, Q, ed);
	gcry_mpi_ec_dup(Q, P, ed);
	if (gcry_mpi_ec_get_affine(x, yy, Q, ed) != 0)
		goto out;
	gcry_mpi_mod(x, x, p);
	if (gcry_mpi_cmp_ui(x, 0) == 0)
		goto out;
	r = 0;
out:
	gcry_mpi_release(v);
	gcry_mpi_release(x);
	gcry_mpi_release(yy);
	gcry_mpi_release(p);
	gcry_mpi_point_release(P);
	gcry_mpi_point_release(Q);
	return r;
}

static int
sig_tag_ok(const char *tag)
{
	size_t i, n;

	if (tag == NULL || (n = strlen(tag)) == 0 || n > SIG_TAG_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char c = tag[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

static int
g_sig_verify(const uint8_t pk[32], const char *tag, const uint8_t *msg,
    size_t len, const uint8_t sig[64])
{
	gcry_sexp_t skey = NULL, sdata = NULL, ssig = NULL;
	gcry_ctx_t ed = NULL;
	uint8_t *m = NULL, s_be[32];
	size_t dl = sizeof(SIG_DOMAIN) - 1, tl, mlen, i;
	int r;

	REQUIRE(pk != NULL && sig != NULL && (msg != NULL || len == 0));
	if (!sig_tag_ok(tag))
		return ERR_VERIFY;
	if ((r = gc_init()) != 0)
		return r;
	tl = strlen(tag);
	if (len > (size_t)INT_MAX - dl - 1 - tl)
		return ERR_TOO_LARGE;	/* libgcrypt's %b takes an int */
	/* S below L (libgcrypt would take S and S + L alike) */
	for (i = 0; i < 32; i++)
		s_be[i] = sig[63 - i];
	if (!be_less(s_be, ED_L))
		return ERR_VERIFY;
	if ((r = gc_err(gcry_mpi_ec_new(&ed, NULL, "Ed25519"))) != 0)
		return r;
	if ((r = ed_point_ok(ed, pk)) != 0 || (r = ed_point_ok(ed, sig)) != 0)
		goto out;
	mlen = dl + 1 + tl + len;
	if ((m = malloc(mlen)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	memcpy(m, SIG_DOMAIN, dl);
	m[dl] = (uint8_t)tl;
	memcpy(m + dl + 1, tag, tl);
	if (len > 0)
		memcpy(m + dl + 1 + tl, msg, len);
	if (gcry_sexp_build(&skey, NULL,
	    "(public-key(ecc(curve Ed25519)(flags eddsa)(q %b)))",
	    ED_PK_LEN, pk) != 0 ||
	    gcry_sexp_build(&sdata, NULL,
	    "(data(flags eddsa)(hash-algo sha512)(value %b))",
	    (int)mlen, m) != 0 ||
	    gcry_sexp_build(&ssig, NULL, "(sig-val(eddsa(r %b)(s %b)))",
	    32, sig, 32, sig + 32) != 0) {
		r = ERR_NOMEM;
		goto out;
	}
	r = gcry_pk_verify(ssig, sdata, skey) == 0 ? 0 : ERR_VERIFY;
out:
	gcry_sexp_release(skey);
	gcry_sexp_release(sdata);
	gcry_sexp_release(ssig);
	gcry_ctx_release(ed);
	free(m);
	return r;
}

/* ---- proofs (§5) ---------------------------------------------------- */

/* w = a + b, never aliasing libgcrypt's output with an input. */
static void
pt_add_into(struct grp *g, gcry_mpi_point_t *acc, gcry_mpi_point_t b)
{
	gcry_mpi_point_t t;

	gcry_mpi_ec_add(g->t3, *acc, b, g->ec);
	t = *acc;
	*acc = g->t3;
	g->t3 = t;
}

/*
 * Schnorr (§5.3): v·G = h + c·X, c over context || label || X || h.
 * X is decoded already (Xe its encoding).
 */
static int
schnorr_check(struct grp *g, const uint8_t *context, const uint8_t *label,
    size_t label_len, gcry_mpi_point_t X, const uint8_t *Xe,
    const uint8_t proof[SCHNORR_LEN])
{
	gcry_mpi_point_t h = NULL;
	gcry_mpi_t v = NULL, c = NULL;
	int r;

	if ((h = gcry_mpi_point_new(0)) == NULL)
		return ERR_NOMEM;
	if ((r = pt_decode(g, h, proof, 0)) != 0 ||
	    (r = sc_decode(proof + PT, &v)) != 0)
		goto out;
	tr_begin(g->md, TAG_SCHNORR);
	tr_put(g->md, context, ENGINE_HASH_LEN);
	tr_put(g->md, label, label_len);
	tr_put(g->md, Xe, PT);
	tr_put(g->md, proof, PT);
	if ((r = tr_challenge(g, &c)) != 0)
		goto out;
	r = eq_holds(g, v, g->G, h, c, X) ? 0 : ERR_VERIFY;
out:
	gcry_mpi_release(v);
	gcry_mpi_release(c);
	gcry_mpi_point_release(h);
	return r;
}

/*
 * Chaum-Pedersen (§5.4): v·G = a + c·P and v·A = b + c·M, c over
 * context || label || P || A || M || a || b.  P, A, M decoded already.
 */
static int
dleq_check(struct grp *g, const char *tag, const uint8_t *context,
    const uint8_t *label, size_t label_len, gcry_mpi_point_t P,
    const uint8_t *Pe, gcry_mpi_point_t A, const uint8_t *Ae,
    gcry_mpi_point_t M, const uint8_t *Me, const uint8_t proof[DLEQ_LEN])
{
	gcry_mpi_point_t a = NULL, b = NULL;
	gcry_mpi_t v = NULL, c = NULL;
	int r;

	if ((a = gcry_mpi_point_new(0)) == NULL ||
	    (b = gcry_mpi_point_new(0)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if ((r = pt_decode(g, a, proof, 0)) != 0 ||
	    (r = pt_decode(g, b, proof + PT, 0)) != 0 ||
	    (r = sc_decode(proof + 2 * PT, &v)) != 0)
		goto out;
	tr_begin(g->md, tag);
	tr_put(g->md, context, ENGINE_HASH_LEN);
	tr_put(g->md, label, label_len);
	tr_put(g->md, Pe, PT);
	tr_put(g->md, Ae, PT);
	tr_put(g->md, Me, PT);
	tr_put(g->md, proof, PT);
	tr_put(g->md, proof + PT, PT);
	if ((r = tr_challenge(g, &c)) != 0)
		goto out;
	r = eq_holds(g, v, g->G, a, c, P) && eq_holds(g, v, A, b, c, M) ?
	    0 : ERR_VERIFY;
out:
	gcry_mpi_release(v);
	gcry_mpi_release(c);
	gcry_mpi_point_release(a);
	gcry_mpi_point_release(b);
	return r;
}

/* ---- contexts and encrypted contests (§6) --------------------------- */

struct gctx {
	struct grp g;			/* curve, scratch, hash */
	gcry_mpi_point_t K;		/* election key */
	uint8_t Ke[PT];			/* its encoding */
	gcry_mpi_point_t *pts;		/* decoded points, reused */
	size_t npts;			/* how many allocated */
	uint64_t *bad;			/* ids of failed contests */
	size_t nbad;			/* how many */
	size_t badcap;			/* allocated */
};

static void
g_close(void *vctx)
{
	struct gctx *c = vctx;
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->npts; i++)
		gcry_mpi_point_release(c->pts[i]);
	free(c->pts);
	free(c->bad);
	gcry_mpi_point_release(c->K);
	grp_done(&c->g);
	free(c);
}

static int
g_open(void **out, const uint8_t K[ENGINE_POINT_LEN])
{
	struct gctx *c;
	int r;

	REQUIRE(out != NULL && K != NULL);
	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return ERR_NOMEM;
	if ((r = grp_init(&c->g)) != 0) {
		free(c);
		return r;
	}
	if ((c->K = gcry_mpi_point_new(0)) == NULL) {
		r = ERR_NOMEM;
		goto fail;
	}
	if ((r = pt_decode(&c->g, c->K, K, 0)) != 0)
		goto fail;
	memcpy(c->Ke, K, PT);
	*out = c;
	return 0;
fail:
	g_close(c);
	return r;
}

static int
pts_reserve(struct gctx *c, size_t need)
{
	gcry_mpi_point_t *np;

	if (need <= c->npts)
		return 0;
	if ((np = realloc(c->pts, need * sizeof(*np))) == NULL)
		return ERR_NOMEM;
	c->pts = np;
	while (c->npts < need) {
		if ((np[c->npts] = gcry_mpi_point_new(0)) == NULL)
			return ERR_NOMEM;
		c->npts++;
	}
	return 0;
}

/* Range proof length for [min, max] (max - min <= LIMIT_OPTIONS_MAX). */
static size_t
range_len(uint32_t min, uint32_t max)
{
	size_t L = (size_t)(max - min) + 1;

	return L * 2 * PT + (L - 1) * SC + L * SC;
}

/*
 * Decodes every field of the contest (points into c->pts: alpha_i,
 * beta_i at 2i, 2i+1; option i's a0 b0 a1 b1 at 2n + 4i; the range
 * proof's points after them), in the order of the encoding.
 */
static int
contest_decode(struct gctx *c, const struct engine_contest *ec, size_t L)
{
	const uint8_t *p01 = ec->bytes + (size_t)ec->options * ENGINE_CT_LEN;
	const uint8_t *rp = p01 + (size_t)ec->options * P01_LEN;
	size_t n = ec->options, i, k;
	int r;

	for (i = 0; i < n; i++) {
		const uint8_t *ct = ec->bytes + i * ENGINE_CT_LEN;
		const uint8_t *pr = p01 + i * P01_LEN;

		if ((r = pt_decode(&c->g, c->pts[2 * i], ct, 0)) != 0 ||
		    (r = pt_decode(&c->g, c->pts[2 * i + 1], ct + PT, 0)) != 0)
			return r;
		for (k = 0; k < 4; k++)
			if ((r = pt_decode(&c->g, c->pts[2 * n + 4 * i + k],
			    pr + k * PT, 0)) != 0)
				return r;
		for (k = 0; k < 3; k++)
			if (!be_less(pr + 4 * PT + k * SC, P256_N))
				return ERR_RANGE;
	}
	for (k = 0; k < 2 * L; k++)
		if ((r = pt_decode(&c->g, c->pts[6 * n + k], rp + k * PT,
		    0)) != 0)
			return r;
	for (k = 0; k < 2 * L - 1; k++)
		if (!be_less(rp + 2 * L * PT + k * SC, P256_N))
			return ERR_RANGE;
	return 0;
}

/* What a ballot proof is bound to (§5). */
struct gbind {
	const uint8_t *context;		/* election context hash, 32 bytes */
	const uint8_t *alias;		/* voter alias */
	size_t alias_len;		/* <= ALIAS_MAX */
	uint32_t contest;		/* contest index */
};

/*
 * The 0/1 proof pr (§5.1) on ciphertext ct (decoded: alpha, beta) for
 * option `option`; P holds pr's decoded a0 b0 a1 b1 and bmg is scratch.
 * pr's scalars are checked below n here too.
 */
static int
p01_check(struct gctx *c, const struct gbind *bd, uint32_t option,
    const uint8_t *ct, gcry_mpi_point_t alpha, gcry_mpi_point_t beta,
    const uint8_t *pr, gcry_mpi_point_t *P, gcry_mpi_point_t bmg)
{
	struct grp *g = &c->g;
	gcry_mpi_t ch = NULL, c0 = NULL, c1 = NULL, v0 = NULL, v1 = NULL;
	int r, k;

	tr_begin(g->md, TAG_PROOF01);
	tr_put(g->md, bd->context, ENGINE_HASH_LEN);
	tr_put(g->md, bd->alias, bd->alias_len);
	tr_put_u32(g->md, bd->contest);
	tr_put_u32(g->md, option);
	tr_put(g->md, c->Ke, PT);
	tr_put(g->md, ct, PT);
	tr_put(g->md, ct + PT, PT);
	for (k = 0; k < 4; k++)
		tr_put(g->md, pr + k * PT, PT);
	if ((r = tr_challenge(g, &ch)) != 0 ||
	    (r = sc_decode(pr + 4 * PT, &c0)) != 0 ||
	    (r = sc_decode(pr + 4 * PT + SC, &v0)) != 0 ||
	    (r = sc_decode(pr + 4 * PT + 2 * SC, &v1)) != 0)
		goto out;
	if ((c1 = gcry_mpi_new(256)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	gcry_mpi_subm(c1, ch, c0, g->n);
	/* beta - G */
	gcry_mpi_ec_add(bmg, beta, g->nG, g->ec);
	r = eq_holds(g, v0, g->G, P[0], c0, alpha) &&
	    eq_holds(g, v0, c->K, P[1], c0, beta) &&
	    eq_holds(g, v1, g->G, P[2], c1, alpha) &&
	    eq_holds(g, v1, c->K, P[3], c1, bmg) ? 0 : ERR_VERIFY;
out:
	gcry_mpi_release(ch);
	gcry_mpi_release(c0);
	gcry_mpi_release(c1);
	gcry_mpi_release(v0);
	gcry_mpi_release(v1);
	return r;
}

/*
 * The range proof rp (§5.2) on the sum of the n ciphertexts cts, decoded
 * in ab (alpha_i, beta_i at 2i, 2i + 1); Pr holds rp's 2L decoded
 * points; S is scratch for three points (A, B, B_j).
 */
static int
range_check(struct gctx *c, const struct gbind *bd, const uint8_t *cts,
    size_t n, gcry_mpi_point_t *ab, uint32_t min, uint32_t max,
    const uint8_t *rp, gcry_mpi_point_t *Pr, gcry_mpi_point_t *S)
{
	struct grp *g = &c->g;
	size_t L = (size_t)(max - min) + 1, i;
	const uint8_t *cs = rp + 2 * L * PT, *vs = cs + (L - 1) * SC;
	gcry_mpi_point_t *A = S, *B = S + 1, *Bj = S + 2;
	gcry_mpi_t ch = NULL, cj = NULL, v = NULL, sum = NULL, m = NULL;
	int r = ERR_NOMEM;

	if ((sum = gcry_mpi_set_ui(NULL, 0)) == NULL ||
	    (m = gcry_mpi_set_ui(NULL, min)) == NULL)
		goto out;
	/* A = sum alpha_i, B = sum beta_i; either may be the identity */
	pt_set_inf(*A);
	pt_set_inf(*B);
	for (i = 0; i < n; i++) {
		pt_add_into(g, A, ab[2 * i]);
		pt_add_into(g, B, ab[2 * i + 1]);
	}
	tr_begin(g->md, TAG_RANGE);
	tr_put(g->md, bd->context, ENGINE_HASH_LEN);
	tr_put(g->md, bd->alias, bd->alias_len);
	tr_put_u32(g->md, bd->contest);
	tr_put_u32(g->md, min);
	tr_put_u32(g->md, max);
	tr_put(g->md, c->Ke, PT);
	tr_put_u32(g->md, (uint32_t)n);
	for (i = 0; i < n; i++)
		tr_put(g->md, cts + i * ENGINE_CT_LEN, ENGINE_CT_LEN);
	for (i = 0; i < 2 * L; i++)
		tr_put(g->md, rp + i * PT, PT);
	if ((r = tr_challenge(g, &ch)) != 0)
		goto out;
	for (i = 0; i + 1 < L; i++) {
		if ((r = sc_decode(cs + i * SC, &cj)) != 0)
			goto out;
		gcry_mpi_addm(sum, sum, cj, g->n);
		gcry_mpi_release(cj);
		cj = NULL;
	}
	/* B_j = B - j·G, from j = min upwards */
	pt_mul(g, *Bj, m, g->nG);
	pt_add_into(g, Bj, *B);
	for (i = 0; i < L; i++) {
		if (i + 1 < L) {
			if ((r = sc_decode(cs + i * SC, &cj)) != 0)
				goto out;
		} else {
			if ((cj = gcry_mpi_new(256)) == NULL) {
				r = ERR_NOMEM;
				goto out;
			}
			gcry_mpi_subm(cj, ch, sum, g->n);	/* c_max */
		}
		if ((r = sc_decode(vs + i * SC, &v)) != 0)
			goto out;
		if (!eq_holds(g, v, g->G, Pr[2 * i], cj, *A) ||
		    !eq_holds(g, v, c->K, Pr[2 * i + 1], cj, *Bj)) {
			r = ERR_VERIFY;
			goto out;
		}
		gcry_mpi_release(cj);
		gcry_mpi_release(v);
		cj = v = NULL;
		pt_add_into(g, Bj, g->nG);
	}
	r = 0;
out:
	gcry_mpi_release(ch);
	gcry_mpi_release(cj);
	gcry_mpi_release(v);
	gcry_mpi_release(sum);
	gcry_mpi_release(m);
	return r;
}

/*
 * Decodes and checks one contest: a decoding error, or 0 with *valid
 * telling whether every proof holds.
 */
static int
contest_check(struct gctx *c, const struct engine_contest *ec, int *valid)
{
	struct gbind bd;
	const uint8_t *p01;
	size_t n, L, want, i;
	int r;

	*valid = 0;
	REQUIRE(ec != NULL && ec->context != NULL &&
	    (ec->alias != NULL || ec->alias_len == 0) &&
	    (ec->bytes != NULL || ec->len == 0));
	if (ec->options < 1 || ec->options > LIMIT_OPTIONS_MAX ||
	    ec->min > ec->max || ec->max > ec->options ||
	    ec->alias_len > ALIAS_MAX)
		return ERR_INVALID_ARG;
	n = ec->options;
	L = (size_t)(ec->max - ec->min) + 1;
	want = n * (ENGINE_CT_LEN + P01_LEN) + range_len(ec->min, ec->max);
	if (ec->len < want)
		return ERR_TRUNCATED;
	if (ec->len > want)
		return ERR_TRAILING_DATA;
	/* 6n + 2L decoded points, then A, B, B_j and beta - G */
	if ((r = pts_reserve(c, 6 * n + 2 * L + 4)) != 0 ||
	    (r = contest_decode(c, ec, L)) != 0)
		return r;
	bd.context = ec->context;
	bd.alias = ec->alias;
	bd.alias_len = ec->alias_len;
	bd.contest = ec->index;
	p01 = ec->bytes + n * ENGINE_CT_LEN;
	for (i = 0; i < n; i++) {
		r = p01_check(c, &bd, (uint32_t)i, ec->bytes + i * ENGINE_CT_LEN,
		    c->pts[2 * i], c->pts[2 * i + 1], p01 + i * P01_LEN,
		    c->pts + 2 * n + 4 * i, c->pts[6 * n + 2 * L + 3]);
		if (r == ERR_VERIFY)
			return 0;
		if (r != 0)
			return r;
	}
	r = range_check(c, &bd, ec->bytes, n, c->pts, ec->min, ec->max,
	    p01 + n * P01_LEN, c->pts + 6 * n, c->pts + 6 * n + 2 * L);
	if (r == ERR_VERIFY)
		return 0;
	if (r != 0)
		return r;
	*valid = 1;
	return 0;
}

static int
g_contest_add(void *vctx, const struct engine_contest *ec, uint64_t id)
{
	struct gctx *c = vctx;
	uint64_t *nb;
	size_t cap;
	int r, valid;

	REQUIRE(c != NULL);
	if ((r = contest_check(c, ec, &valid)) != 0)
		return r;
	if (valid)
		return 0;
	if (c->nbad == c->badcap) {
		cap = c->badcap ? 2 * c->badcap : 16;
		if ((nb = realloc(c->bad, cap * sizeof(*nb))) == NULL)
			return ERR_NOMEM;
		c->bad = nb;
		c->badcap = cap;
	}
	c->bad[c->nbad++] = id;
	return 0;
}

static int
g_contest_flush(void *vctx, uint64_t *bad, size_t bad_max, size_t *n_bad)
{
	struct gctx *c = vctx;
	size_t i;

	REQUIRE(c != NULL && n_bad != NULL && (bad != NULL || bad_max == 0));
	*n_bad = c->nbad;
	for (i = 0; i < c->nbad && i < bad_max; i++)
		bad[i] = c->bad[i];
	c->nbad = 0;
	return *n_bad == 0 ? 0 : ERR_VERIFY;
}

/* ---- homomorphic sums ---------------------------------------------- */

struct gsum {
	struct grp g;			/* its own curve context */
	gcry_mpi_point_t A;		/* sum of alphas */
	gcry_mpi_point_t B;		/* sum of betas */
	gcry_mpi_point_t a, b;		/* decoding scratch */
};

static void
g_sum_free(void *acc)
{
	struct gsum *s = acc;

	if (s == NULL)
		return;
	gcry_mpi_point_release(s->A);
	gcry_mpi_point_release(s->B);
	gcry_mpi_point_release(s->a);
	gcry_mpi_point_release(s->b);
	grp_done(&s->g);
	free(s);
}

static int
g_sum_new(void **acc)
{
	struct gsum *s;
	int r;

	REQUIRE(acc != NULL);
	*acc = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return ERR_NOMEM;
	if ((r = grp_init(&s->g)) != 0) {
		free(s);
		return r;
	}
	if ((s->A = gcry_mpi_point_new(0)) == NULL ||
	    (s->B = gcry_mpi_point_new(0)) == NULL ||
	    (s->a = gcry_mpi_point_new(0)) == NULL ||
	    (s->b = gcry_mpi_point_new(0)) == NULL) {
		g_sum_free(s);
		return ERR_NOMEM;
	}
	pt_set_inf(s->A);
	pt_set_inf(s->B);
	*acc = s;
	return 0;
}

static int
g_sum_add(void *acc, const uint8_t ct[ENGINE_CT_LEN])
{
	struct gsum *s = acc;
	int r;

	REQUIRE(s != NULL && ct != NULL);
	/* both decoded before either is added: an error leaves acc as is */
	if ((r = pt_decode(&s->g, s->a, ct, 0)) != 0 ||
	    (r = pt_decode(&s->g, s->b, ct + PT, 0)) != 0)
		return r;
	pt_add_into(&s->g, &s->A, s->a);
	pt_add_into(&s->g, &s->B, s->b);
	return 0;
}

static int
g_sum_merge(void *acc, const void *other)
{
	struct gsum *s = acc;
	const struct gsum *o = other;

	REQUIRE(s != NULL && o != NULL && s != o);
	pt_add_into(&s->g, &s->A, o->A);
	pt_add_into(&s->g, &s->B, o->B);
	return 0;
}

static int
g_sum_get(const void *acc, uint8_t out[ENGINE_CT_LEN])
{
	const struct gsum *s = acc;
	struct grp *g;
	int r;

	REQUIRE(s != NULL && out != NULL);
	/* the scratch of a const accumulator: encoding changes no value */
	g = (struct grp *)(uintptr_t)&s->g;
	if ((r = pt_encode(g, s->A, out, 1)) != 0 ||
	    (r = pt_encode(g, s->B, out + PT, 1)) != 0)
		memset(out, 0, ENGINE_CT_LEN);
	return r;
}

/* ---- the ceremony (§8) ---------------------------------------------- */

static int
dkg_params_ok(uint32_t n, uint32_t k)
{
	return n >= 2 && n <= LIMIT_TRUSTEES_MAX && k >= 1 && k <= n &&
	    n >= 2 * k - 1;
}

static size_t
dkg_items_len(uint32_t k)
{
	return (size_t)(1 + k) * PUB_ITEM;
}

static size_t
dkg_pub_len(uint32_t k)
{
	return dkg_items_len(k) + ED_PK_LEN + ED_SIG_LEN;
}

/* 1 when idx[0..cnt) are distinct and in 1..max. */
static int
index_set_ok(const uint32_t *idx, size_t cnt, uint32_t max)
{
	size_t a, b;

	for (a = 0; a < cnt; a++) {
		if (idx[a] < 1 || idx[a] > max)
			return 0;
		for (b = 0; b < a; b++)
			if (idx[a] == idx[b])
				return 0;
	}
	return 1;
}

static int
g_dkg_public_verify(uint32_t n, uint32_t k, const uint8_t *cctx, uint32_t i,
    const uint8_t *pub, size_t len)
{
	struct grp g;
	gcry_mpi_point_t X = NULL;
	uint8_t *m = NULL, lab[16];
	size_t want, body, mlen;
	uint32_t l;
	int r;

	REQUIRE(cctx != NULL && (pub != NULL || len == 0));
	if (!dkg_params_ok(n, k) || i < 1 || i > n)
		return ERR_INVALID_ARG;
	want = dkg_pub_len(k);
	if (len < want)
		return ERR_TRUNCATED;
	if (len > want)
		return ERR_TRAILING_DATA;
	/* V_i signs context || n || k || i || every byte before sig */
	body = dkg_items_len(k) + ED_PK_LEN;
	mlen = ENGINE_HASH_LEN + 12 + body;
	if ((m = malloc(mlen)) == NULL)
		return ERR_NOMEM;
	memcpy(m, cctx, ENGINE_HASH_LEN);
	put_u32(m + 32, n);
	put_u32(m + 36, k);
	put_u32(m + 40, i);
	memcpy(m + 44, pub, body);
	r = g_sig_verify(pub + dkg_items_len(k), "dkg-public", m, mlen,
	    pub + body);
	free(m);
	if (r != 0)
		return r;
	if ((r = grp_init(&g)) != 0)
		return r;
	if ((X = gcry_mpi_point_new(0)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	for (l = 0; l <= k; l++) {
		const uint8_t *item = pub + (size_t)l * PUB_ITEM;

		put_u32(lab, n);
		put_u32(lab + 4, k);
		put_u32(lab + 8, i);
		put_u32(lab + 12, l == 0 ? COMM_KEY_LABEL : l - 1);
		if ((r = pt_decode(&g, X, item, 0)) != 0 ||
		    (r = schnorr_check(&g, cctx, lab, sizeof(lab), X, item,
		    item + PT)) != 0)
			goto out;
	}
	r = 0;
out:
	gcry_mpi_point_release(X);
	grp_done(&g);
	return r;
}

/* HKDF-SHA256 (RFC 5869) with one output block, from HMAC-SHA256. */
static int
hkdf32(const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
    size_t ikm_len, const uint8_t *info, size_t info_len, uint8_t out[32])
{
	gcry_mac_hd_t h = NULL;
	uint8_t prk[32], one = 0x01;
	size_t ol = sizeof(prk);
	int r;

	if ((r = gc_err(gcry_mac_open(&h, GCRY_MAC_HMAC_SHA256, 0,
	    NULL))) != 0)
		return r;
	if (gcry_mac_setkey(h, salt, salt_len) != 0 ||
	    gcry_mac_write(h, ikm, ikm_len) != 0 ||
	    gcry_mac_read(h, prk, &ol) != 0 || ol != 32 ||
	    gcry_mac_reset(h) != 0 ||
	    gcry_mac_setkey(h, prk, sizeof(prk)) != 0 ||
	    gcry_mac_write(h, info, info_len) != 0 ||
	    gcry_mac_write(h, &one, 1) != 0 ||
	    gcry_mac_read(h, out, &ol) != 0 || ol != 32)
		r = ERR_CRYPTO;
	gcry_mac_close(h);
	explicit_bzero(prk, sizeof(prk));
	return r;
}

/*
 * Opens the share from i to j with Z: 0 and the plaintext in pt, or
 * ERR_VERIFY when the tag does not verify.
 */
static int
share_open(uint32_t n, uint32_t k, const uint8_t *cctx, uint32_t i,
    uint32_t j, const uint8_t *Z, const uint8_t *Xj, const uint8_t *share,
    uint8_t pt[SC])
{
	static const uint8_t iv[12];
	uint8_t info[sizeof(SHARE_INFO) - 1 + 16 + 2 * PT], aad[8 + PT];
	uint8_t key[32];
	gcry_cipher_hd_t h = NULL;
	gcry_error_t e;
	size_t o = sizeof(SHARE_INFO) - 1;
	int r;

	memcpy(info, SHARE_INFO, o);
	put_u32(info + o, n);
	put_u32(info + o + 4, k);
	put_u32(info + o + 8, i);
	put_u32(info + o + 12, j);
	memcpy(info + o + 16, share, PT);		/* E */
	memcpy(info + o + 16 + PT, Xj, PT);
	put_u32(aad, i);
	put_u32(aad + 4, j);
	memcpy(aad + 8, share, PT);
	if ((r = hkdf32(cctx, ENGINE_HASH_LEN, Z, PT, info, sizeof(info),
	    key)) != 0)
		return r;
	if ((r = gc_err(gcry_cipher_open(&h, GCRY_CIPHER_AES256,
	    GCRY_CIPHER_MODE_GCM, 0))) != 0)
		goto out;
	if (gcry_cipher_setkey(h, key, sizeof(key)) != 0 ||
	    gcry_cipher_setiv(h, iv, sizeof(iv)) != 0 ||
	    gcry_cipher_authenticate(h, aad, sizeof(aad)) != 0 ||
	    gcry_cipher_decrypt(h, pt, SC, share + PT, SC) != 0) {
		r = ERR_CRYPTO;
		goto out;
	}
	e = gcry_cipher_checktag(h, share + PT + SC, 16);
	if (e != 0)
		r = gcry_err_code(e) == GPG_ERR_CHECKSUM ? ERR_VERIFY :
		    ERR_CRYPTO;
out:
	if (r != 0)
		explicit_bzero(pt, SC);
	gcry_cipher_close(h);
	explicit_bzero(key, sizeof(key));
	return r;
}

/*
 * 1 when s·G = sum_l j^l·C_il (the commitments in pub_i), 0 when not,
 * or a decoding error.  Horner: C_0 + j·(C_1 + j·(...)).
 */
static int
share_matches(struct grp *g, uint32_t k, const uint8_t *pub_i, uint32_t j,
    gcry_mpi_t s)
{
	gcry_mpi_point_t acc = NULL, C = NULL, t = NULL;
	gcry_mpi_t jm = NULL;
	uint32_t l;
	int r = ERR_NOMEM;

	if ((acc = gcry_mpi_point_new(0)) == NULL ||
	    (C = gcry_mpi_point_new(0)) == NULL ||
	    (t = gcry_mpi_point_new(0)) == NULL ||
	    (jm = gcry_mpi_set_ui(NULL, j)) == NULL)
		goto out;
	pt_set_inf(acc);
	for (l = k; l-- > 0;) {
		if ((r = pt_decode(g, C, pub_i + (size_t)(1 + l) * PUB_ITEM,
		    0)) != 0)
			goto out;
		pt_mul(g, t, jm, acc);
		gcry_mpi_ec_add(acc, t, C, g->ec);
	}
	pt_mul(g, t, s, g->G);
	r = pt_eq(g, t, acc);
out:
	gcry_mpi_point_release(acc);
	gcry_mpi_point_release(C);
	gcry_mpi_point_release(t);
	gcry_mpi_release(jm);
	return r;
}

/*
 * Judges j's complaint about i's share (§8): 0 when justified (i signed
 * a share that is bad), ERR_VERIFY when not (not signed by i, the
 * complaint's proof fails, or the share is good), as dkg_complaint_check.
 */
static int
g_dkg_complaint_check(uint32_t n, uint32_t k, const uint8_t *cctx,
    uint32_t i, uint32_t j, const uint8_t *pub_i, const uint8_t *pub_j,
    const uint8_t *share, size_t share_len, const uint8_t *complaint,
    size_t complaint_len)
{
	struct grp g;
	gcry_mpi_point_t E = NULL, Xj = NULL, Z = NULL;
	gcry_mpi_t s = NULL;
	uint8_t m[ENGINE_HASH_LEN + 16 + SHARE_BODY], lab[8], pt[SC];
	int r, g_open_ = 0;

	REQUIRE(cctx != NULL && pub_i != NULL && pub_j != NULL);
	REQUIRE((share != NULL || share_len == 0) &&
	    (complaint != NULL || complaint_len == 0));
	if (!dkg_params_ok(n, k) || i < 1 || i > n || j < 1 || j > n ||
	    i == j)
		return ERR_INVALID_ARG;
	if (share_len < SHARE_LEN)
		return ERR_TRUNCATED;
	if (share_len > SHARE_LEN)
		return ERR_TRAILING_DATA;
	if (complaint_len < COMPLAINT_LEN)
		return ERR_TRUNCATED;
	if (complaint_len > COMPLAINT_LEN)
		return ERR_TRAILING_DATA;
	/* 1. i's signature over context || n || k || i || j || body */
	memcpy(m, cctx, ENGINE_HASH_LEN);
	put_u32(m + 32, n);
	put_u32(m + 36, k);
	put_u32(m + 40, i);
	put_u32(m + 44, j);
	memcpy(m + 48, share, SHARE_BODY);
	if ((r = g_sig_verify(pub_i + dkg_items_len(k), "dkg-share", m,
	    sizeof(m), share + SHARE_BODY)) != 0)
		return r == ERR_NOMEM || r == ERR_CRYPTO ? r : ERR_VERIFY;
	if ((r = grp_init(&g)) != 0)
		return r;
	g_open_ = 1;
	if ((E = gcry_mpi_point_new(0)) == NULL ||
	    (Xj = gcry_mpi_point_new(0)) == NULL ||
	    (Z = gcry_mpi_point_new(0)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	/* 2. i signed an E that does not decode: justified */
	if (pt_decode(&g, E, share, 0) != 0) {
		r = 0;
		goto out;
	}
	/* 3. Z = x_j·E, proven against X_j */
	put_u32(lab, i);
	put_u32(lab + 4, j);
	if (pt_decode(&g, Xj, pub_j, 0) != 0 ||
	    pt_decode(&g, Z, complaint, 0) != 0) {
		r = ERR_VERIFY;
		goto out;
	}
	r = dleq_check(&g, TAG_DLEQ, cctx, lab, sizeof(lab), Xj, pub_j, E,
	    share, Z, complaint, complaint + PT);
	if (r != 0) {
		r = r == ERR_NOMEM || r == ERR_CRYPTO ? r : ERR_VERIFY;
		goto out;
	}
	/* then decrypt and check against i's commitments */
	r = share_open(n, k, cctx, i, j, complaint, pub_j, share, pt);
	if (r == ERR_VERIFY) {
		r = 0;			/* does not decrypt: justified */
		goto out;
	}
	if (r != 0)
		goto out;
	if (!be_less(pt, P256_N)) {
		r = 0;			/* not a scalar: justified */
		goto out;
	}
	if ((s = mpi_from_be(pt)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	r = share_matches(&g, k, pub_i, j, s);
	if (r == 1)
		r = ERR_VERIFY;		/* the share was good */
	else if (r == 0)
		r = 0;			/* it misses the commitments */
out:
	explicit_bzero(pt, sizeof(pt));
	gcry_mpi_release(s);
	gcry_mpi_point_release(E);
	gcry_mpi_point_release(Xj);
	gcry_mpi_point_release(Z);
	if (g_open_)
		grp_done(&g);
	return r;
}

static int
g_dkg_joint_key(uint32_t n, uint32_t k, const uint8_t *const *pubs,
    const uint32_t *qual, size_t nq, uint8_t K[ENGINE_POINT_LEN])
{
	struct grp g;
	gcry_mpi_point_t acc = NULL, C = NULL;
	size_t q;
	int r;

	REQUIRE(pubs != NULL && (qual != NULL || nq == 0) && K != NULL);
	memset(K, 0, PT);
	if (!dkg_params_ok(n, k) || nq < k || nq > n ||
	    !index_set_ok(qual, nq, n))
		return ERR_RANGE;
	if ((r = grp_init(&g)) != 0)
		return r;
	if ((acc = gcry_mpi_point_new(0)) == NULL ||
	    (C = gcry_mpi_point_new(0)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	pt_set_inf(acc);
	for (q = 0; q < nq; q++) {
		REQUIRE(pubs[qual[q] - 1] != NULL);
		if ((r = pt_decode(&g, C, pubs[qual[q] - 1] + PUB_ITEM,
		    0)) != 0)
			goto out;
		pt_add_into(&g, &acc, C);
	}
	r = pt_encode(&g, acc, K, 0);	/* the identity: ERR_RANGE */
out:
	gcry_mpi_point_release(acc);
	gcry_mpi_point_release(C);
	grp_done(&g);
	return r;
}

static int
g_dkg_verification_key(uint32_t n, uint32_t k, const uint8_t *const *pubs,
    const uint32_t *qual, size_t nq, uint32_t j, uint8_t P[ENGINE_POINT_LEN])
{
	struct grp g;
	gcry_mpi_point_t *S = NULL, acc = NULL, C = NULL, t = NULL;
	gcry_mpi_t jm = NULL;
	size_t q;
	uint32_t l;
	int r = ERR_NOMEM;

	REQUIRE(pubs != NULL && (qual != NULL || nq == 0) && P != NULL);
	memset(P, 0, PT);
	if (!dkg_params_ok(n, k) || nq < k || nq > n ||
	    !index_set_ok(qual, nq, n) || j < 1 || j > n)
		return ERR_RANGE;
	if ((r = grp_init(&g)) != 0)
		return r;
	r = ERR_NOMEM;
	if ((S = calloc(k, sizeof(*S))) == NULL ||
	    (acc = gcry_mpi_point_new(0)) == NULL ||
	    (C = gcry_mpi_point_new(0)) == NULL ||
	    (t = gcry_mpi_point_new(0)) == NULL ||
	    (jm = gcry_mpi_set_ui(NULL, j)) == NULL)
		goto out;
	/* S_l = sum over Q of C_il; then P_j = sum_l j^l·S_l (Horner) */
	for (l = 0; l < k; l++) {
		if ((S[l] = gcry_mpi_point_new(0)) == NULL)
			goto out;
		pt_set_inf(S[l]);
		for (q = 0; q < nq; q++) {
			REQUIRE(pubs[qual[q] - 1] != NULL);
			if ((r = pt_decode(&g, C, pubs[qual[q] - 1] +
			    (size_t)(1 + l) * PUB_ITEM, 0)) != 0)
				goto out;
			pt_add_into(&g, &S[l], C);
		}
	}
	pt_set_inf(acc);
	for (l = k; l-- > 0;) {
		pt_mul(&g, t, jm, acc);
		gcry_mpi_ec_add(acc, t, S[l], g.ec);
	}
	r = pt_encode(&g, acc, P, 0);	/* the identity: ERR_RANGE */
out:
	if (S != NULL)
		for (l = 0; l < k; l++)
			gcry_mpi_point_release(S[l]);
	free(S);
	gcry_mpi_point_release(acc);
	gcry_mpi_point_release(C);
	gcry_mpi_point_release(t);
	gcry_mpi_release(jm);
	grp_done(&g);
	return r;
}

/*
 * Trustee j's decryption share of ct: M_j || dleq(P_j, alpha, M_j),
 * tag ippyo/decrypt/v1, label u32(j).  alpha is in the statement and
 * must be a proper point; beta is not, and may be the identity (an
 * aggregate).
 */
static int
g_dshare_verify(const uint8_t context[ENGINE_HASH_LEN], uint32_t j,
    const uint8_t P[ENGINE_POINT_LEN], const uint8_t ct[ENGINE_CT_LEN],
    const uint8_t *share, size_t len)
{
	struct grp g;
	gcry_mpi_point_t Pp = NULL, A = NULL, B = NULL, M = NULL;
	uint8_t lab[4];
	int r;

	REQUIRE(context != NULL && P != NULL && ct != NULL &&
	    (share != NULL || len == 0));
	if (len < DSHARE_LEN)
		return ERR_TRUNCATED;
	if (len > DSHARE_LEN)
		return ERR_TRAILING_DATA;
	if (j < 1 || j > LIMIT_TRUSTEES_MAX)
		return ERR_RANGE;
	if ((r = grp_init(&g)) != 0)
		return r;
	if ((Pp = gcry_mpi_point_new(0)) == NULL ||
	    (A = gcry_mpi_point_new(0)) == NULL ||
	    (B = gcry_mpi_point_new(0)) == NULL ||
	    (M = gcry_mpi_point_new(0)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if ((r = pt_decode(&g, Pp, P, 0)) != 0 ||
	    (r = pt_decode(&g, A, ct, 0)) != 0 ||
	    (r = pt_decode(&g, B, ct + PT, 1)) != 0 ||
	    (r = pt_decode(&g, M, share, 0)) != 0)
		goto out;
	put_u32(lab, j);
	r = dleq_check(&g, TAG_DECRYPT, context, lab, sizeof(lab), Pp, P, A,
	    ct, M, share, share + PT);
out:
	gcry_mpi_point_release(Pp);
	gcry_mpi_point_release(A);
	gcry_mpi_point_release(B);
	gcry_mpi_point_release(M);
	grp_done(&g);
	return r;
}

/* beta - sum_j w_j·M_j, w_j = prod_{l != j} l / (l - j) mod n. */
static int
g_combine(const uint8_t ct[ENGINE_CT_LEN], const uint32_t *idx,
    const uint8_t *const *shares, size_t cnt, uint8_t out[ENGINE_POINT_LEN])
{
	struct grp g;
	gcry_mpi_point_t acc = NULL, M = NULL, t = NULL, B = NULL;
	gcry_mpi_t num = NULL, den = NULL, a = NULL, w = NULL;
	size_t q, o;
	int r;

	REQUIRE(ct != NULL && out != NULL && (cnt == 0 ||
	    (idx != NULL && shares != NULL)));
	memset(out, 0, PT);
	if (cnt < 1 || cnt > LIMIT_TRUSTEES_MAX ||
	    !index_set_ok(idx, cnt, LIMIT_TRUSTEES_MAX))
		return ERR_RANGE;
	if ((r = grp_init(&g)) != 0)
		return r;
	r = ERR_NOMEM;
	if ((acc = gcry_mpi_point_new(0)) == NULL ||
	    (M = gcry_mpi_point_new(0)) == NULL ||
	    (t = gcry_mpi_point_new(0)) == NULL ||
	    (B = gcry_mpi_point_new(0)) == NULL ||
	    (num = gcry_mpi_new(256)) == NULL ||
	    (den = gcry_mpi_new(256)) == NULL ||
	    (a = gcry_mpi_new(256)) == NULL || (w = gcry_mpi_new(256)) == NULL)
		goto out;
	/* alpha is not used, but the ciphertext must be well-formed */
	if ((r = pt_decode(&g, t, ct, 1)) != 0 ||
	    (r = pt_decode(&g, B, ct + PT, 1)) != 0)
		goto out;
	pt_set_inf(acc);
	for (q = 0; q < cnt; q++) {
		REQUIRE(shares[q] != NULL);
		if ((r = pt_decode(&g, M, shares[q], 0)) != 0)
			goto out;
		gcry_mpi_set_ui(num, 1);
		gcry_mpi_set_ui(den, 1);
		for (o = 0; o < cnt; o++) {
			if (o == q)
				continue;
			gcry_mpi_set_ui(a, idx[o]);
			gcry_mpi_mulm(num, num, a, g.n);
			/* l - j mod n (l != j: the set is distinct) */
			gcry_mpi_set_ui(w, idx[q]);
			gcry_mpi_subm(a, a, w, g.n);
			gcry_mpi_mulm(den, den, a, g.n);
		}
		if (!gcry_mpi_invm(den, den, g.n)) {
			r = ERR_INTERNAL;
			goto out;
		}
		gcry_mpi_mulm(w, num, den, g.n);
		pt_mul(&g, t, w, M);
		pt_add_into(&g, &acc, t);
	}
	pt_neg(&g, t, acc);
	gcry_mpi_ec_add(acc, B, t, g.ec);
	r = pt_encode(&g, acc, out, 1);
out:
	gcry_mpi_point_release(acc);
	gcry_mpi_point_release(M);
	gcry_mpi_point_release(t);
	gcry_mpi_point_release(B);
	gcry_mpi_release(num);
	gcry_mpi_release(den);
	gcry_mpi_release(a);
	gcry_mpi_release(w);
	grp_done(&g);
	return r;
}

static int
g_mul_g(uint64_t m, uint8_t out[ENGINE_POINT_LEN])
{
	struct grp g;
	gcry_mpi_t s = NULL;
	uint8_t b[8];
	int r;

	REQUIRE(out != NULL);
	memset(out, 0, PT);
	if (m == 0)
		return 0;
	if ((r = grp_init(&g)) != 0)
		return r;
	put_u32(b, (uint32_t)(m >> 32));
	put_u32(b + 4, (uint32_t)m);
	if (gcry_mpi_scan(&s, GCRYMPI_FMT_USG, b, sizeof(b), NULL) != 0) {
		r = ERR_NOMEM;
		goto out;
	}
	pt_mul(&g, g.t1, s, g.G);
	r = pt_encode(&g, g.t1, out, 0);
out:
	gcry_mpi_release(s);
	grp_done(&g);
	return r;
}

const struct engine_ops engine_gcrypt = {
	.name = "gcrypt",
	.open = g_open,
	.close = g_close,
	.sha256 = g_sha256,
	.transcript = g_transcript,
	.sig_verify = g_sig_verify,
	.contest_add = g_contest_add,
	.contest_flush = g_contest_flush,
	.sum_new = g_sum_new,
	.sum_add = g_sum_add,
	.sum_merge = g_sum_merge,
	.sum_get = g_sum_get,
	.sum_free = g_sum_free,
	.dkg_public_verify = g_dkg_public_verify,
	.dkg_complaint_check = g_dkg_complaint_check,
	.dkg_joint_key = g_dkg_joint_key,
	.dkg_verification_key = g_dkg_verification_key,
	.dshare_verify = g_dshare_verify,
	.combine = g_combine,
	.mul_g = g_mul_g,
};
