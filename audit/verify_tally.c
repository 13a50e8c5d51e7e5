/*
 * verify_tally.c - the trustee ceremony (V4), the decryption shares (V11)
 * and the results (V12).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/recjson.h"
#include "audit/verify_int.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/text.h"

static void
be32(uint8_t *p, uint32_t x)
{
	p[0] = (uint8_t)(x >> 24);
	p[1] = (uint8_t)(x >> 16);
	p[2] = (uint8_t)(x >> 8);
	p[3] = (uint8_t)x;
}

/* ---- V4: the ceremony --------------------------------------------- */

void
v_check_ceremony(struct vctx *v)
{
	static const char *const keys[] = { "accused", "by", "share",
	    "complaint" };
	const struct rec_file *mf = rec_find(v->rs, "manifest.bin");
	const uint8_t *pubs[LIMIT_TRUSTEES_MAX] = { NULL };
	uint8_t pub_ok[LIMIT_TRUSTEES_MAX + 1] = { 0 };
	uint8_t excluded[LIMIT_TRUSTEES_MAX + 1] = { 0 };
	uint32_t q[LIMIT_TRUSTEES_MAX];
	uint8_t h[32], nb[4], kb[4], K[65];
	char path[64];
	json_t *root = NULL;
	size_t publen, nq = 0, i;
	uint32_t j;

	if (!v->el_loaded) {
		v_skip(v, V_CEREMONY, V_ELECTION);
		return;
	}
	if (v->test_single) {
		/* One trustee, index 1, k = 1, P_1 = K. */
		memcpy(v->P[1], v->K, 65);
		v->is_qual[1] = 1;
		v->vk_ok = v->key_ok;
		v_warn(v, V_CEREMONY, "TEST-ONLY single election key: no "
		    "trustee ceremony, one process made the key and can "
		    "decrypt every ballot");
		v_done(v, V_CEREMONY);
		return;
	}
	if (mf == NULL) {
		v_fail(v, V_CEREMONY, "manifest.bin is missing");
		goto out;
	}
	/* cctx = D("ippyo/ceremony/v1"; manifest, u32 n, u32 k). */
	{
		const uint8_t *fields[3] = { mf->data, nb, kb };
		size_t lens[3] = { mf->len, 4, 4 };

		be32(nb, v->n);
		be32(kb, v->k);
		if (v->eng->transcript("ippyo/ceremony/v1", fields, lens, 3,
		    h) != 0 || memcmp(h, v->cctx, 32) != 0)
			v_fail(v, V_CEREMONY, "ceremony.context does not "
			    "recompute from the manifest, n and k");
	}
	/* Every public message, with all its proofs and its signature. */
	publen = (size_t)(1 + v->k) * V_DKG_ITEM_LEN + 32 + 64;
	for (j = 1; j <= v->n; j++) {
		const struct rec_file *f;
		int r;

		snprintf(path, sizeof(path), "ceremony/public-%02u.bin", j);
		if ((f = rec_find(v->rs, path)) == NULL) {
			v_fail(v, V_CEREMONY, "%s is missing", path);
			continue;
		}
		if (f->len != publen) {
			v_fail(v, V_CEREMONY, "%s is %zu bytes, not %zu for "
			    "k = %u", path, f->len, publen, v->k);
			continue;
		}
		pubs[j - 1] = f->data;
		if ((r = v->eng->dkg_public_verify(v->n, v->k, v->cctx, j,
		    f->data, f->len)) != 0) {
			v_fail(v, V_CEREMONY, "trustee %u's public message "
			    "does not verify (%s)", j, err_name(r));
			continue;
		}
		pub_ok[j] = 1;
	}
	/* Complaints: each judged; a justified one excludes the accused. */
	if (v_load_json(v, V_CEREMONY, "ceremony/complaints.json", &root)
	    != 0)
		goto out;
	if (!json_is_array(root)) {
		v_fail(v, V_CEREMONY, "complaints.json is not an array");
		goto out;
	}
	for (i = 0; i < json_array_size(root); i++) {
		json_t *c = json_array_get(root, i);
		uint8_t share[V_DKG_SHARE_LEN], comp[V_DKG_COMPLAINT_LEN];
		uint64_t a, b;
		int r;

		if (rj_keys(c, keys, 4) != 0 ||
		    rj_get_uint(c, "accused", v->n, &a) != 0 || a < 1 ||
		    rj_get_uint(c, "by", v->n, &b) != 0 || b < 1 || a == b ||
		    rj_get_hex(c, "share", share, sizeof(share)) != 0 ||
		    rj_get_hex(c, "complaint", comp, sizeof(comp)) != 0) {
			v_fail(v, V_CEREMONY, "complaint %zu is not as "
			    "documented", i + 1);
			continue;
		}
		if (!pub_ok[a] || !pub_ok[b]) {
			v_fail(v, V_CEREMONY, "complaint %zu: cannot be judged "
			    "without both public messages", i + 1);
			continue;
		}
		r = v->eng->dkg_complaint_check(v->n, v->k, v->cctx,
		    (uint32_t)a, (uint32_t)b, pubs[a - 1], pubs[b - 1], share,
		    sizeof(share), comp, sizeof(comp));
		if (r == 0)
			excluded[a] = 1;
		else if (r != ERR_VERIFY)
			v_fail(v, V_CEREMONY, "complaint %zu: %s", i + 1,
			    err_name(r));
	}
	/* Q = {1..n} minus the justified; as stated; at least k. */
	for (j = 1; j <= v->n; j++)
		if (!excluded[j])
			q[nq++] = j;
	if (nq != v->nqual || memcmp(q, v->qual, nq * sizeof(*q)) != 0)
		v_fail(v, V_CEREMONY, "the qualified set is not the one the "
		    "complaints leave (%zu recomputed, %zu stated)", nq,
		    v->nqual);
	if (nq < v->k) {
		v_fail(v, V_CEREMONY, "only %zu qualified trustees, fewer "
		    "than k = %u", nq, v->k);
		goto out;
	}
	for (i = 0; i < nq; i++)
		if (!pub_ok[q[i]]) {
			v_fail(v, V_CEREMONY, "trustee %u is qualified but its "
			    "public message does not verify", q[i]);
			goto out;
		}
	if (v->eng->dkg_joint_key(v->n, v->k, pubs, q, nq, K) != 0 ||
	    memcmp(K, v->K, 65) != 0) {
		v_fail(v, V_CEREMONY, "public_key is not the sum of the "
		    "qualified trustees' C_i0");
		goto out;
	}
	for (i = 0; i < nq; i++) {
		if (v->eng->dkg_verification_key(v->n, v->k, pubs, q, nq, q[i],
		    v->P[q[i]]) != 0) {
			v_fail(v, V_CEREMONY, "trustee %u's verification key "
			    "cannot be computed", q[i]);
			goto out;
		}
		v->is_qual[q[i]] = 1;
	}
	v->vk_ok = 1;
 out:
	json_decref(root);
	v_done(v, V_CEREMONY);
}

/* ---- V11: decryption shares --------------------------------------- */

static int
identity_ct(const uint8_t ct[130])
{
	size_t i;

	for (i = 0; i < 130; i++)
		if (ct[i] != 0)
			return 0;
	return 1;
}

/* 1 when aggregate at's alpha is the identity (65 zero bytes): no
 * ballot counted, or the counted nonces cancel.  Then no trustee gives a
 * share for it and its plaintext point is beta (PROTOCOL-record §9). */
static int
alpha_identity(const struct vctx *v, size_t at)
{
	const uint8_t *a = v->tally + at * 130;
	size_t i;

	for (i = 0; i < 65; i++)
		if (a[i] != 0)
			return 0;
	return 1;
}

/* 1 when the JSON value is exactly the empty string. */
static int
is_empty_str(const json_t *s)
{
	return json_is_string(s) && json_string_length(s) == 0;
}

/*
 * Reads and checks decryption/trustee-NN.json; 0 when all valid.  An
 * entry is "" exactly where the aggregate's alpha is the identity (its
 * share is left zero and never used), else 227 bytes of hex whose DLEQ
 * proof verifies.  ERR_NOMEM is reported here (v_fatal).
 */
static int
one_trustee(struct vctx *v, uint32_t j, const char *path, uint8_t **out)
{
	static const char *const keys[] = { "trustee", "shares" };
	json_t *root = NULL, *a, *o;
	uint8_t *sh = NULL;
	uint64_t t;
	size_t c, i;
	int r = ERR_VERIFY, bad = 0;

	*out = NULL;
	if (v_load_json(v, V_DECRYPTION, path, &root) != 0)
		goto out;
	if (rj_keys(root, keys, 2) != 0 ||
	    rj_get_uint(root, "trustee", LIMIT_TRUSTEES_MAX, &t) != 0 ||
	    rj_get_array(root, "shares", &a) != 0) {
		v_fail(v, V_DECRYPTION, "%s is not {trustee, shares}", path);
		goto out;
	}
	if (t != j) {
		v_fail(v, V_DECRYPTION, "%s says trustee %llu", path,
		    (unsigned long long)t);
		goto out;
	}
	if (!v->is_qual[j]) {
		v_fail(v, V_DECRYPTION, "%s: trustee %u is not qualified",
		    path, j);
		goto out;
	}
	if (json_array_size(a) != v->m->ncontests) {
		v_fail(v, V_DECRYPTION, "%s: not one list of shares per "
		    "contest", path);
		goto out;
	}
	if ((sh = calloc(v->nsums ? v->nsums : 1, V_DSHARE_LEN)) == NULL) {
		r = ERR_NOMEM;
		v_fatal(v, V_DECRYPTION, r, "out of memory for the shares");
		goto out;
	}
	for (c = 0; c < v->m->ncontests; c++) {
		o = json_array_get(a, c);
		if (!json_is_array(o) ||
		    json_array_size(o) != v->m->contests[c].noptions) {
			v_fail(v, V_DECRYPTION, "%s contest %zu: not one share "
			    "per option", path, c);
			goto out;
		}
		for (i = 0; i < json_array_size(o); i++) {
			size_t at = v->sum_off[c] + i;
			uint8_t *s = sh + at * V_DSHARE_LEN;
			const json_t *e = json_array_get(o, i);

			if (alpha_identity(v, at)) {
				if (!is_empty_str(e)) {
					v_fail(v, V_DECRYPTION, "%s contest %zu "
					    "option %zu: not \"\" where the "
					    "aggregate's alpha is the "
					    "identity", path, c, i);
					bad = 1;
				}
				continue;
			}
			if (rj_hex(e, s, V_DSHARE_LEN) != 0) {
				v_fail(v, V_DECRYPTION, "%s contest %zu option "
				    "%zu: not %d bytes of hex", path, c, i,
				    V_DSHARE_LEN);
				bad = 1;
				continue;
			}
			if (v->eng->dshare_verify(v->context, j, v->P[j],
			    v->tally + at * 130, s, V_DSHARE_LEN) != 0) {
				v_fail(v, V_DECRYPTION, "trustee %u contest %zu "
				    "option %zu: the decryption share does not "
				    "verify", j, c, i);
				bad = 1;
			}
		}
	}
	if (!bad) {
		*out = sh;
		sh = NULL;
		r = 0;
	}
 out:
	free(sh);
	json_decref(root);
	return r;
}

void
v_check_decryption(struct vctx *v)
{
	char path[64];
	uint32_t j;
	size_t present = 0, c;

	if (v->m == NULL || !v->el_loaded) {
		v_skip(v, V_DECRYPTION, V_ELECTION);
		return;
	}
	if (!v->vk_ok) {
		v_skip(v, V_DECRYPTION, V_CEREMONY);
		return;
	}
	if (!v->tally_loaded) {
		v_skip(v, V_DECRYPTION, V_AGGREGATES);
		return;
	}
	for (j = 1; j <= LIMIT_TRUSTEES_MAX; j++) {
		snprintf(path, sizeof(path), "decryption/trustee-%02u.json", j);
		if (rec_find(v->rs, path) != NULL)
			present++;
	}
	if (v->ballots_counted == 0) {
		/* Nothing to decrypt: every sum is the identity pair. */
		for (c = 0; c < v->nsums; c++)
			if (!identity_ct(v->tally + c * 130))
				v_fail(v, V_DECRYPTION, "no ballot counted, yet "
				    "an aggregate is not the identity");
		if (present != 0)
			v_fail(v, V_DECRYPTION, "no ballot counted, yet there "
			    "are decryption files");
		goto out;
	}
	for (j = 1; j <= LIMIT_TRUSTEES_MAX; j++) {
		uint8_t *sh = NULL;

		snprintf(path, sizeof(path), "decryption/trustee-%02u.json", j);
		if (rec_find(v->rs, path) == NULL)
			continue;
		if (j > v->n) {
			v_fail(v, V_DECRYPTION, "%s: no trustee %u", path, j);
			continue;
		}
		if (one_trustee(v, j, path, &sh) == 0) {
			v->part[v->npart] = j;
			v->shares[v->npart++] = sh;
		}
	}
	if (v->npart < v->k)
		v_fail(v, V_DECRYPTION, "valid shares from %zu trustees, fewer "
		    "than k = %u", v->npart, v->k);
 out:
	v_done(v, V_DECRYPTION);
}

/* ---- V12: results ------------------------------------------------- */

/* 0 when obj[key] is the string want. */
static int
str_is(const json_t *obj, const char *key, const char *want)
{
	const char *s;
	size_t len;

	if (rj_get_str(obj, key, 4096, &s, &len) != 0)
		return ERR_FORMAT;
	return len == strlen(want) && memcmp(s, want, len) == 0 ? 0 :
	    ERR_MISMATCH;
}

void
v_check_results(struct vctx *v)
{
	static const char *const keys[] = { "election_id", "name_ja",
	    "name_en", "ballots_cast", "ballots_counted", "contests" };
	static const char *const ckeys[] = { "id", "title_ja", "title_en",
	    "options" };
	static const char *const okeys[] = { "id", "label_ja", "label_en",
	    "votes" };
	const struct rv_manifest *m = v->m;
	const struct rec_file *txt = rec_find(v->rs, "results.txt");
	json_t *root = NULL, *cs, *os;
	uint64_t x, cast, counted;
	size_t c, i, k;
	int can_combine;

	if (m == NULL || !v->el_loaded) {
		v_skip(v, V_RESULTS, V_ELECTION);
		return;
	}
	if (v_load_json(v, V_RESULTS, "results.json", &root) != 0)
		goto out;
	if (rj_keys(root, keys, 6) != 0 ||
	    rj_get_uint(root, "ballots_cast", RJ_INT_MAX, &cast) != 0 ||
	    rj_get_uint(root, "ballots_counted", RJ_INT_MAX, &counted) != 0 ||
	    rj_get_array(root, "contests", &cs) != 0) {
		v_fail(v, V_RESULTS, "results.json is not as documented");
		goto out;
	}
	if (str_is(root, "election_id", m->id) != 0 ||
	    str_is(root, "name_ja", m->name_ja) != 0 ||
	    str_is(root, "name_en", m->name_en) != 0)
		v_fail(v, V_RESULTS, "results.json: the election's id or "
		    "names are not the manifest's");
	if (cast != v->ballots_cast || (v->box_ok && cast != v->ne))
		v_fail(v, V_RESULTS, "results.json: ballots_cast is %llu, "
		    "not the box's", (unsigned long long)cast);
	if (counted != v->ballots_counted ||
	    (v->counted_loaded && counted != v->ncounted))
		v_fail(v, V_RESULTS, "results.json: ballots_counted is %llu, "
		    "not counted.json's", (unsigned long long)counted);
	if (json_array_size(cs) != m->ncontests) {
		v_fail(v, V_RESULTS, "results.json: not one entry per "
		    "manifest contest");
		goto out;
	}
	can_combine = v->tally_loaded && (counted == 0 ||
	    v->npart >= v->k);
	if (!can_combine && counted != 0)
		v_fail(v, V_RESULTS, "not checked: fewer than k valid "
		    "decryption shares (V11)");
	for (c = 0; c < m->ncontests; c++) {
		const struct rv_contest *mc = &m->contests[c];
		json_t *e = json_array_get(cs, c);
		uint64_t total = 0;

		if (rj_keys(e, ckeys, 4) != 0 ||
		    rj_get_array(e, "options", &os) != 0 ||
		    json_array_size(os) != mc->noptions) {
			v_fail(v, V_RESULTS, "results.json contest %zu is not "
			    "in the manifest's shape", c);
			continue;
		}
		if (str_is(e, "id", mc->id) != 0 ||
		    str_is(e, "title_ja", mc->title_ja) != 0 ||
		    str_is(e, "title_en", mc->title_en) != 0)
			v_fail(v, V_RESULTS, "contest %zu: id or title is not "
			    "the manifest's", c);
		for (i = 0; i < mc->noptions; i++) {
			json_t *o = json_array_get(os, i);
			size_t at = v->sum_off[c] + i;
			uint8_t pt[65], want[65];

			if (rj_keys(o, okeys, 4) != 0 ||
			    rj_get_uint(o, "votes", RJ_INT_MAX, &x) != 0) {
				v_fail(v, V_RESULTS, "contest %zu option %zu is "
				    "not as documented", c, i);
				continue;
			}
			if (str_is(o, "id", mc->options[i].id) != 0 ||
			    str_is(o, "label_ja", mc->options[i].label_ja)
			    != 0 ||
			    str_is(o, "label_en", mc->options[i].label_en)
			    != 0)
				v_fail(v, V_RESULTS, "contest %zu option %zu: "
				    "id or label is not the manifest's", c, i);
			if (x > counted) {
				v_fail(v, V_RESULTS, "contest %zu option %zu: "
				    "%llu votes, more than the ballots "
				    "counted", c, i, (unsigned long long)x);
				continue;
			}
			total += x;
			if (!can_combine)
				continue;
			if (counted == 0) {
				if (x != 0)
					v_fail(v, V_RESULTS, "contest %zu option "
					    "%zu: votes with no ballot counted",
					    c, i);
				continue;
			}
			{
				const uint8_t *sh[LIMIT_TRUSTEES_MAX];
				int cr;

				for (k = 0; k < v->k; k++)
					sh[k] = v->shares[k] + at * V_DSHARE_LEN;
				/* Alpha the identity: no shares, the
				 * plaintext point is beta itself. */
				if (alpha_identity(v, at)) {
					memcpy(pt, v->tally + at * 130 + 65, 65);
					cr = 0;
				} else
					cr = v->eng->combine(v->tally + at * 130,
					    v->part, sh, v->k, pt);
				if (cr != 0 || v->eng->mul_g(x, want) != 0 ||
				    memcmp(pt, want, 65) != 0)
					v_fail(v, V_RESULTS, "contest %zu option "
					    "%zu: %llu votes is not what the "
					    "shares decrypt", c, i,
					    (unsigned long long)x);
			}
		}
		if (total > (uint64_t)mc->max * counted ||
		    total < (uint64_t)mc->min * counted)
			v_fail(v, V_RESULTS, "contest %zu: %llu selections in "
			    "all, outside [min, max] x ballots counted", c,
			    (unsigned long long)total);
	}
	if (txt == NULL || !text_is_utf8((const char *)txt->data, txt->len))
		v_fail(v, V_RESULTS, "results.txt is missing or not UTF-8 "
		    "text");
 out:
	json_decref(root);
	v_done(v, V_RESULTS);
}
