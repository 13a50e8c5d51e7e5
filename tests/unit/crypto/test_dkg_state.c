/*
 * test_dkg_state.c - a trustee's DKG state exported and imported: the
 * round trip keeps every secret (a ceremony interrupted at each step
 * finishes and decrypts the same), and the importer refuses anything
 * but the exact layout.
 */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "crypto/dkg.h"
#include "crypto/elgamal.h"
#include "crypto/group.h"
#include "crypto/secret.h"
#include "tests/harness/mutate.h"
#include "tests/harness/test.h"

#define N 3
#define K 2

/* Exports t, frees it, imports the bytes back into *t. */
static int
reload(struct dkg_trustee **t)
{
	struct secret *s = NULL;
	int r;

	if ((r = dkg_trustee_export(*t, &s)) != 0)
		return r;
	dkg_trustee_free(*t);
	*t = NULL;
	r = dkg_trustee_import(s, t);
	secret_free(s);
	return r;
}

static int
import_bytes(const uint8_t *p, size_t len, void *ctx)
{
	struct dkg_trustee *t = NULL;
	struct secret *s = NULL;
	int r;

	(void)ctx;
	if (len == 0)
		return ERR_TRUNCATED;
	if ((r = secret_from(p, len, &s)) != 0)
		return r;
	r = dkg_trustee_import(s, &t);
	dkg_trustee_free(t);
	secret_free(s);
	return r;
}

TEST(dkg_state_round_trip_at_every_step)
{
	struct dkg_params p = { .n = N, .k = K };
	struct dkg_trustee *t[N] = { NULL };
	uint8_t *pub[N], sh[DKG_SHARE_LEN], pub2[4096];
	uint8_t ds[N][DKG_DSHARE_LEN], ctx[32];
	uint32_t qual[N] = { 1, 2, 3 }, idx[K] = { 1, 3 };
	const uint8_t *dsp[K];
	struct point *Kp = group_point_new(), *m = group_point_new();
	struct point *want = group_point_new();
	struct elgamal_key *key = NULL;
	struct elgamal_ciphertext *ct = elgamal_ciphertext_new();
	struct secret *e1 = NULL, *e2 = NULL;
	struct scalar v;
	size_t plen;
	int i, j;

	memset(p.context, 0x11, sizeof(p.context));
	memset(ctx, 0x22, sizeof(ctx));
	plen = dkg_public_len(&p);
	ASSERT_TRUE(plen <= sizeof(pub2));
	for (i = 0; i < N; i++) {
		ASSERT_OK(dkg_trustee_new(&t[i], &p, (uint32_t)i + 1));
		ASSERT_NOT_NULL(pub[i] = malloc(plen));
		ASSERT_OK(dkg_trustee_public(t[i], pub[i], plen));
		/* reloaded, it still publishes the same keys and commitments */
		ASSERT_OK(reload(&t[i]));
		ASSERT_OK(dkg_trustee_public(t[i], pub2, plen));
		ASSERT_OK(dkg_public_verify(&p, (uint32_t)i + 1, pub2, plen));
		/* Schnorr proofs and signature are randomised or
		 * deterministic; the keys and commitments are identical */
		ASSERT_MEM_EQ(pub2, pub[i], 65);
		for (j = 0; j <= K; j++)
			ASSERT_MEM_EQ(pub2 + (size_t)j * 162, pub[i] +
			    (size_t)j * 162, 65);
		ASSERT_MEM_EQ(pub2 + (K + 1) * 162, pub[i] + (K + 1) * 162, 32);
	}
	for (i = 0; i < N; i++)
		for (j = 0; j < N; j++) {
			if (i == j)
				continue;
			ASSERT_OK(dkg_trustee_share(t[i], (uint32_t)j + 1, pub[j],
			    plen, sh));
			ASSERT_OK(dkg_trustee_receive(t[j], (uint32_t)i + 1,
			    pub[i], plen, sh, sizeof(sh)));
			ASSERT_OK(reload(&t[j]));
		}
	for (i = 0; i < N; i++) {
		ASSERT_INT_EQ(dkg_trustee_finished(t[i]), 0);
		ASSERT_OK(dkg_trustee_finish(t[i], qual, N));
		ASSERT_OK(reload(&t[i]));
		ASSERT_INT_EQ(dkg_trustee_finished(t[i]), 1);
		ASSERT_INT_EQ(dkg_trustee_index(t[i]), i + 1);
		ASSERT_INT_EQ(dkg_trustee_params(t[i])->k, K);
	}
	/* export is deterministic: the same state gives the same bytes */
	ASSERT_OK(dkg_trustee_export(t[0], &e1));
	ASSERT_OK(reload(&t[0]));
	ASSERT_OK(dkg_trustee_export(t[0], &e2));
	ASSERT_INT_EQ(secret_len(e1), dkg_state_len(&p));
	ASSERT_MEM_EQ(secret_open(e1), secret_open(e2), secret_len(e1));
	secret_close(e1);
	secret_close(e2);
	/* and the reloaded trustees decrypt under the joint key */
	ASSERT_OK(dkg_joint_key(&p, (const uint8_t *const *)pub, qual, N, Kp));
	ASSERT_OK(elgamal_key_new(&key, Kp));
	ASSERT_OK(elgamal_encrypt(key, 7, NULL, NULL, ct));
	for (i = 0; i < N; i++)
		ASSERT_OK(dkg_decrypt_share(t[i], ctx, ct, ds[i]));
	dsp[0] = ds[0];
	dsp[1] = ds[2];
	ASSERT_OK(dkg_combine(&p, ct, idx, dsp, K, m));
	group_scalar_set_u64(&v, 7);
	ASSERT_OK(group_mul_g(want, &v));
	ASSERT_INT_EQ(group_point_eq(m, want), 1);
	secret_free(e1);
	secret_free(e2);
	for (i = 0; i < N; i++) {
		dkg_trustee_free(t[i]);
		free(pub[i]);
	}
	elgamal_key_free(key);
	elgamal_ciphertext_free(ct);
	group_point_free(Kp);
	group_point_free(m);
	group_point_free(want);
}

TEST(dkg_state_import_refuses_malformed)
{
	struct dkg_params p = { .n = N, .k = K };
	struct dkg_trustee *t = NULL, *u = NULL;
	struct secret *s = NULL, *bad = NULL;
	struct mutate_report rep;
	uint8_t *b, copy[1024];
	size_t len;

	memset(p.context, 0x33, sizeof(p.context));
	ASSERT_OK(dkg_trustee_new(&t, &p, 2));
	ASSERT_OK(dkg_trustee_export(t, &s));
	len = secret_len(s);
	ASSERT_TRUE(len <= sizeof(copy));
	b = secret_open(s);
	memcpy(copy, b, len);
	secret_close(s);
	/*
	 * Flips inside the context (any 32 bytes), the index (2 -> 3), the secret scalars (x,
	 * a_l) or the seed give another valid state; everything else (magic, version, parameters, index,
	 * flags, the zero s and recv of an unfinished state) is refused.
	 * Truncations and extensions are all refused.
	 */
	mutate_sweep(copy, len, MUTATE_TRUNCATE | MUTATE_EXTEND, import_bytes,
	    NULL, &rep);
	ASSERT_INT_EQ(rep.accepted, 0);
	{
		size_t o, bit, acc = 0, fixed_end = 8 + 1 + 32 + 12 + 1;

		for (o = 0; o < len; o++)
			for (bit = 0; bit < 8; bit++) {
				int r;

				copy[o] ^= (uint8_t)(1u << bit);
				r = import_bytes(copy, len, NULL);
				copy[o] ^= (uint8_t)(1u << bit);
				if (r == 0) {
					acc++;
					/* only context, index 2 -> 3, seed, x
					 * or a_l bytes */
					ASSERT_TRUE((o >= 9 && o < 41) || o == 52 ||
					    (o >= fixed_end && o < fixed_end + 64) ||
					    (o >= fixed_end + 96 &&
					    o < fixed_end + 96 + 32 * K));
				}
			}
		ASSERT_TRUE(acc > 0);
	}
	/* the wrong magic, version, n, index, flags */
	copy[0] ^= 1;
	ASSERT_ERR(import_bytes(copy, len, NULL), ERR_FORMAT);
	copy[0] ^= 1;
	copy[8] = 2;
	ASSERT_ERR(import_bytes(copy, len, NULL), ERR_UNSUPPORTED);
	copy[8] = 1;
	copy[8 + 1 + 32 + 3] = 40;	/* n = 40 */
	ASSERT_ERR(import_bytes(copy, len, NULL), ERR_RANGE);
	copy[8 + 1 + 32 + 3] = N;
	copy[8 + 1 + 32 + 11] = N + 1;	/* index > n */
	ASSERT_ERR(import_bytes(copy, len, NULL), ERR_RANGE);
	copy[8 + 1 + 32 + 11] = 2;
	copy[8 + 1 + 32 + 12] = 1;	/* finished without its own share */
	ASSERT_ERR(import_bytes(copy, len, NULL), ERR_FORMAT);
	copy[8 + 1 + 32 + 12] = 0;
	ASSERT_OK(import_bytes(copy, len, NULL));
	/* a state of other parameters has another length */
	ASSERT_OK(secret_from(copy, len - 1, &bad));
	ASSERT_ERR(dkg_trustee_import(bad, &u), ERR_TRUNCATED);
	ASSERT_NULL(u);
	secret_free(bad);
	secret_free(s);
	dkg_trustee_free(t);
}

TEST(dkg_share_signature_checked_alone)
{
	struct dkg_params p = { .n = N, .k = K };
	struct dkg_trustee *a = NULL, *b = NULL;
	uint8_t pa[4096], pb[4096], sh[DKG_SHARE_LEN];
	struct scalar s;
	size_t plen;

	memset(p.context, 0x44, sizeof(p.context));
	plen = dkg_public_len(&p);
	ASSERT_OK(dkg_trustee_new(&a, &p, 1));
	ASSERT_OK(dkg_trustee_new(&b, &p, 2));
	ASSERT_OK(dkg_trustee_public(a, pa, plen));
	ASSERT_OK(dkg_trustee_public(b, pb, plen));
	ASSERT_OK(dkg_trustee_share(a, 2, pb, plen, sh));
	ASSERT_OK(dkg_share_check_signature(&p, 1, 2, pa, plen, sh, sizeof(sh)));
	ASSERT_INT_EQ(dkg_trustee_has_share(b, 1), 0);
	ASSERT_OK(dkg_trustee_receive(b, 1, pa, plen, sh, sizeof(sh)));
	ASSERT_INT_EQ(dkg_trustee_has_share(b, 1), 1);
	ASSERT_INT_EQ(dkg_trustee_has_share(b, 0), 0);
	ASSERT_INT_EQ(dkg_trustee_has_share(b, N + 1), 0);
	/* moved to another recipient, or claimed by another sender */
	ASSERT_ERR(dkg_share_check_signature(&p, 1, 3, pa, plen, sh,
	    sizeof(sh)), ERR_VERIFY);
	ASSERT_ERR(dkg_share_check_signature(&p, 2, 1, pb, plen, sh,
	    sizeof(sh)), ERR_VERIFY);
	ASSERT_ERR(dkg_share_check_signature(&p, 1, 1, pa, plen, sh,
	    sizeof(sh)), ERR_INVALID_ARG);
	ASSERT_ERR(dkg_share_check_signature(&p, 1, 2, pa, plen, sh,
	    sizeof(sh) - 1), ERR_TRUNCATED);
	/* unsigned (encryption alone) */
	ASSERT_OK(group_scalar_random(&s));
	ASSERT_OK(dkg_share_encrypt(&p, 1, 2, &s, pb, plen, sh));
	ASSERT_ERR(dkg_share_check_signature(&p, 1, 2, pa, plen, sh,
	    sizeof(sh)), ERR_VERIFY);
	/* signed by the real sender: passes the relay, fails the receiver */
	ASSERT_OK(dkg_trustee_sign_share(a, 2, sh));
	ASSERT_OK(dkg_share_check_signature(&p, 1, 2, pa, plen, sh, sizeof(sh)));
	group_scalar_wipe(&s);
	dkg_trustee_free(a);
	dkg_trustee_free(b);
}
