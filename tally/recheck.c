/*
 * recheck.c - a trustee's check of the tally-stage record (recheck.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ballot/ballot.h"
#include "ballot/box.h"
#include "ballot/election.h"
#include "core/err.h"
#include "core/clock.h"
#include "core/file.h"
#include "core/limits.h"
#include "core/vbuf.h"
#include "crypto/contest.h"
#include "crypto/ct.h"
#include "crypto/elgamal.h"
#include "crypto/hash.h"
#include "crypto/sign.h"
#include "tally/recheck.h"

#define JSON_FILE_MAX (256u * 1024 * 1024)
#define BOX_MAGIC "IPPYOBOX"

/* One entry of ballots.bin, pointing into the file. */
struct rentry {
	char alias[BALLOT_ALIAS_LEN + 1];
	struct ballot b;		/* contests point into the file */
	int counted;			/* in counted.json */
};

/* What parse_box matches of one checkpoint (checkpoints.json). */
struct rcp {
	uint64_t pos;			/* box position it signs */
	uint8_t code[32];		/* the chain's code there */
};

struct rctx {
	const char *dir;
	char *why;
	size_t whylen;
};

__attribute__((format(printf, 3, 4)))
static int
fail(struct rctx *x, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->why, x->whylen, fmt, ap);
	va_end(ap);
	return r;
}

static int
read_file(struct rctx *x, const char *name, size_t max, uint8_t **p,
    size_t *len)
{
	char path[4096];
	int r;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", x->dir, name) >=
	    sizeof(path))
		return fail(x, ERR_TOO_LARGE, "record path too long");
	if ((r = file_read(path, max, FILE_NOFOLLOW, p, len)) != 0)
		return fail(x, r, "%s: %s", name, err_str(r));
	return 0;
}

static int
read_json(struct rctx *x, const char *name, json_t **out)
{
	json_error_t jerr;
	uint8_t *p = NULL;
	size_t len = 0;
	int r;

	*out = NULL;
	if ((r = read_file(x, name, JSON_FILE_MAX, &p, &len)) != 0)
		return r;
	*out = json_loadb((const char *)p, len, JSON_REJECT_DUPLICATES, &jerr);
	free(p);
	if (*out == NULL)
		return fail(x, ERR_FORMAT, "%s: not valid JSON (line %d: %s)",
		    name, jerr.line, jerr.text);
	return 0;
}

/* 1 when obj has exactly the nkeys keys listed. */
static int
keys_exactly(const json_t *obj, const char *const *keys, size_t nkeys)
{
	size_t i;

	if (!json_is_object(obj) || json_object_size(obj) != nkeys)
		return 0;
	for (i = 0; i < nkeys; i++)
		if (json_object_get(obj, keys[i]) == NULL)
			return 0;
	return 1;
}

/* An integer in 0..max, or -1. */
static int64_t
get_uint(const json_t *obj, const char *key, int64_t max)
{
	const json_t *v = json_object_get(obj, key);
	json_int_t i;

	if (!json_is_integer(v))
		return -1;
	i = json_integer_value(v);
	return i < 0 || i > max ? -1 : (int64_t)i;
}

static int
get_hex(const json_t *obj, const char *key, uint8_t *out, size_t len)
{
	const json_t *v = json_object_get(obj, key);

	if (!json_is_string(v))
		return ERR_FORMAT;
	return ct_hex_decode(json_string_value(v), json_string_length(v), out,
	    len);
}

static int
check_election_json(struct rctx *x, const struct recheck_expect *w,
    struct recheck_tally *t, uint64_t *cast, uint64_t *counted)
{
	const struct election *e = t->e;
	static const char *const keys[] = { "format", "version", "election_id",
	    "created_us", "public_key", "context_hash", "test_single_key",
	    "ceremony", "box_key", "committee_key", "ballots_cast",
	    "ballots_counted" };
	static const char *const ckeys[] = { "n", "k", "context", "qualified" };
	json_t *root = NULL, *c, *q;
	uint8_t key[GROUP_POINT_LEN], ctx[HASH_LEN], cctx[HASH_LEN];
	const char *s;
	size_t i;
	int64_t a, b;
	int r;

	if ((r = read_json(x, "election.json", &root)) != 0)
		return r;
	r = ERR_FORMAT;
	if (!keys_exactly(root, keys, sizeof(keys) / sizeof(keys[0]))) {
		fail(x, r, "election.json: not the keys of the record format");
		goto out;
	}
	s = json_string_value(json_object_get(root, "format"));
	if (s == NULL || strcmp(s, "ippyo-record") != 0 ||
	    get_uint(root, "version", 1) != 1 ||
	    get_uint(root, "created_us", INT64_MAX) < 0 ||
	    get_hex(root, "box_key", t->box_key, 32) != 0 ||
	    get_hex(root, "committee_key", t->committee_key, 32) != 0) {
		fail(x, r, "election.json: format, version or keys malformed");
		goto out;
	}
	if (w->pin_box_key && memcmp(t->box_key, w->box_key, 32) != 0) {
		fail(x, r = ERR_MISMATCH, "election.json: box_key is not the "
		    "one you were given (--box-key)");
		goto out;
	}
	if (w->pin_committee_key && memcmp(t->committee_key,
	    w->committee_key, 32) != 0) {
		fail(x, r = ERR_MISMATCH, "election.json: committee_key is not "
		    "the one you were given (--committee-key)");
		goto out;
	}
	s = json_string_value(json_object_get(root, "election_id"));
	if (s == NULL || strcmp(s, w->election_id) != 0) {
		fail(x, r = ERR_MISMATCH, "election.json: another election");
		goto out;
	}
	if (!json_is_false(json_object_get(root, "test_single_key"))) {
		fail(x, r = ERR_MISMATCH, "election.json: a test-only single key, "
		    "not this ceremony's");
		goto out;
	}
	if (get_hex(root, "public_key", key, sizeof(key)) != 0 ||
	    memcmp(key, w->key, GROUP_POINT_LEN) != 0) {
		fail(x, r = ERR_MISMATCH, "election.json: the election key is not "
		    "the one this ceremony made");
		goto out;
	}
	if (get_hex(root, "context_hash", ctx, sizeof(ctx)) != 0 ||
	    memcmp(ctx, e->context_hash, HASH_LEN) != 0) {
		fail(x, r = ERR_MISMATCH, "election.json: context_hash is not the "
		    "manifest's and key's");
		goto out;
	}
	c = json_object_get(root, "ceremony");
	if (!keys_exactly(c, ckeys, 4) || get_uint(c, "n", 32) != w->p.n ||
	    get_uint(c, "k", 32) != w->p.k ||
	    get_hex(c, "context", cctx, HASH_LEN) != 0 ||
	    memcmp(cctx, w->p.context, HASH_LEN) != 0 ||
	    !json_is_array(q = json_object_get(c, "qualified")) ||
	    json_array_size(q) != w->nq) {
		fail(x, r = ERR_MISMATCH, "election.json: the ceremony (n, k, "
		    "context, qualified) is not the one you took part in");
		goto out;
	}
	for (i = 0; i < w->nq; i++) {
		const json_t *v = json_array_get(q, i);

		if (!json_is_integer(v) || json_integer_value(v) !=
		    (json_int_t)w->qual[i]) {
			fail(x, r = ERR_MISMATCH, "election.json: another "
			    "qualified set");
			goto out;
		}
	}
	if ((a = get_uint(root, "ballots_cast", INT64_MAX)) < 0 ||
	    (b = get_uint(root, "ballots_counted", INT64_MAX)) < 0 || b > a) {
		fail(x, r, "election.json: ballot counts malformed");
		goto out;
	}
	*cast = (uint64_t)a;
	*counted = (uint64_t)b;
	r = 0;
 out:
	json_decref(root);
	return r;
}

/*
 * Reads checkpoints.json (PROTOCOL-record §8): every entry as documented,
 * in order of position and time, signed under election.json's box_key
 * (tag box-checkpoint) or, for the final one, committee_key (tag
 * box-final); exactly one final, the last.  Positions and codes are
 * matched against the chain by parse_box.
 */
static int
read_checkpoints(struct rctx *x, const struct recheck_tally *t,
    struct rcp **out, size_t *count)
{
	static const char *const keys[] = { "position", "tracking_code", "at",
	    "final", "public_key", "signature" };
	json_t *root = NULL;
	struct rcp *cps = NULL;
	struct vbuf *m = NULL;
	const char *prev_at = NULL;
	size_t i, n = 0;
	int r;

	*out = NULL;
	*count = 0;
	if ((r = read_json(x, "checkpoints.json", &root)) != 0)
		return r;
	if (!json_is_array(root) || (n = json_array_size(root)) == 0) {
		r = fail(x, ERR_FORMAT, "checkpoints.json: not a non-empty array "
		    "(the box has no signed final checkpoint)");
		goto out;
	}
	if ((cps = calloc(n, sizeof(*cps))) == NULL ||
	    (m = vbuf_new(512)) == NULL) {
		r = fail(x, ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		const json_t *cp = json_array_get(root, i), *fin;
		uint8_t pk[SIGN_PUBLIC_LEN], sig[SIGN_SIG_LEN];
		const char *at;
		int64_t pos, us;
		int final;

		fin = json_object_get(cp, "final");
		at = json_string_value(json_object_get(cp, "at"));
		if (!keys_exactly(cp, keys, 6) ||
		    (pos = get_uint(cp, "position", INT64_MAX)) < 0 ||
		    get_hex(cp, "tracking_code", cps[i].code, 32) != 0 ||
		    at == NULL || strlen(at) != CLOCK_TEXT_LEN - 1 ||
		    clock_parse_us(at, strlen(at), &us) != 0 ||
		    !json_is_boolean(fin) ||
		    get_hex(cp, "public_key", pk, sizeof(pk)) != 0 ||
		    get_hex(cp, "signature", sig, sizeof(sig)) != 0) {
			r = fail(x, ERR_FORMAT, "checkpoints.json: checkpoint %zu "
			    "is not as documented", i + 1);
			goto out;
		}
		final = json_is_true(fin);
		cps[i].pos = (uint64_t)pos;
		if ((i > 0 && cps[i].pos < cps[i - 1].pos) ||
		    (prev_at != NULL && strcmp(at, prev_at) < 0)) {
			r = fail(x, ERR_FORMAT, "checkpoints.json: checkpoint %zu "
			    "goes back in position or time", i + 1);
			goto out;
		}
		prev_at = at;
		if (final != (i + 1 == n)) {
			r = fail(x, ERR_FORMAT, "checkpoints.json: %s",
			    final ? "a final checkpoint that is not the last" :
			    "the last checkpoint is not the final one");
			goto out;
		}
		if (memcmp(pk, final ? t->committee_key : t->box_key,
		    sizeof(pk)) != 0) {
			r = fail(x, ERR_MISMATCH, "checkpoints.json: checkpoint "
			    "%zu is signed by a key other than election.json's "
			    "%s", i + 1, final ? "committee_key" : "box_key");
			goto out;
		}
		vbuf_reset(m);
		if ((r = vbuf_put_cstring(m, t->e->manifest->id)) != 0 ||
		    (r = vbuf_put_u64(m, cps[i].pos)) != 0 ||
		    (r = vbuf_put(m, cps[i].code, 32)) != 0 ||
		    (r = vbuf_put_cstring(m, at)) != 0) {
			fail(x, r, "checkpoints.json: %s", err_str(r));
			goto out;
		}
		if (sign_verify(pk, final ? "box-final" : "box-checkpoint",
		    vbuf_ptr(m), vbuf_len(m), sig) != 0) {
			r = fail(x, ERR_VERIFY, "checkpoints.json: checkpoint %zu: "
			    "the signature does not verify", i + 1);
			goto out;
		}
	}
	*out = cps;
	cps = NULL;
	*count = n;
	r = 0;
 out:
	free(cps);
	vbuf_free(m);
	json_decref(root);
	return r;
}

/*
 * Checks the checkpoints at position pos against the chain's code there;
 * *ci is the next checkpoint to check.
 */
static int
match_checkpoints(struct rctx *x, const struct rcp *cps, size_t ncp,
    size_t *ci, uint64_t pos, const uint8_t code[32])
{
	for (; *ci < ncp && cps[*ci].pos == pos; (*ci)++)
		if (memcmp(cps[*ci].code, code, 32) != 0)
			return fail(x, ERR_MISMATCH, "checkpoints.json: checkpoint "
			    "%zu: its tracking code is not the box's at position "
			    "%llu", *ci + 1, (unsigned long long)pos);
	return 0;
}

/* Parses ballots.bin into entries (pointing into p). */
static int
parse_box(struct rctx *x, const struct election *e, const uint8_t *p,
    size_t len, const struct rcp *cps, size_t ncp, struct rentry **out,
    uint64_t *count, uint8_t head[32])
{
	size_t ci = 0;
	struct vbuf *b = NULL;
	struct rentry *ent = NULL;
	uint8_t code[32], hash[BALLOT_HASH_LEN], magic[8], v;
	uint64_t n, i;
	int r;

	*out = NULL;
	*count = 0;
	if ((b = vbuf_from(p, len)) == NULL)
		return fail(x, ERR_NOMEM, "out of memory");
	if ((r = vbuf_get(b, magic, 8)) != 0 || (r = vbuf_get_u8(b, &v)) != 0 ||
	    (r = vbuf_get_u64(b, &n)) != 0) {
		fail(x, r, "ballots.bin: header: %s", err_str(r));
		goto out;
	}
	if (memcmp(magic, BOX_MAGIC, 8) != 0 || v != 1) {
		fail(x, r = ERR_FORMAT, "ballots.bin: not a version 1 box");
		goto out;
	}
	/* each entry takes at least 8 + 4 + 32 + 32 + 4 + 4 bytes */
	if (n > len / 84) {
		fail(x, r = ERR_FORMAT, "ballots.bin: count larger than the file");
		goto out;
	}
	if (n > 0 && (ent = calloc(n, sizeof(*ent))) == NULL) {
		fail(x, r = ERR_NOMEM, "out of memory");
		goto out;
	}
	box_seed(e->context_hash, code);
	if ((r = match_checkpoints(x, cps, ncp, &ci, 0, code)) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		const uint8_t *alias, *at, *ballot, *eh, *ec;
		size_t alen, atlen, blen;
		uint64_t pos;
		char atext[CLOCK_TEXT_LEN];

		if ((r = vbuf_get_u64(b, &pos)) != 0 ||
		    (r = vbuf_get_string_direct(b, BALLOT_ALIAS_LEN, &alias,
		    &alen)) != 0 ||
		    (r = vbuf_get_direct(b, BALLOT_HASH_LEN, &eh)) != 0 ||
		    (r = vbuf_get_direct(b, 32, &ec)) != 0 ||
		    (r = vbuf_get_string_direct(b, CLOCK_TEXT_LEN - 1, &at,
		    &atlen)) != 0 ||
		    (r = vbuf_get_string_direct(b, LIMIT_STRING_MAX, &ballot,
		    &blen)) != 0) {
			fail(x, r, "ballots.bin: entry %llu: %s",
			    (unsigned long long)i + 1, err_str(r));
			goto out;
		}
		if (pos != i + 1 || alen != BALLOT_ALIAS_LEN) {
			fail(x, r = ERR_FORMAT, "ballots.bin: entry %llu: position "
			    "or alias malformed", (unsigned long long)i + 1);
			goto out;
		}
		memcpy(ent[i].alias, alias, alen);
		ent[i].alias[alen] = '\0';
		memcpy(atext, at, atlen);
		atext[atlen] = '\0';
		ballot_hash(ballot, blen, hash);
		if (memcmp(hash, eh, BALLOT_HASH_LEN) != 0) {
			fail(x, r = ERR_MISMATCH, "ballots.bin: position %llu: the "
			    "ballot hash is not the ballot's",
			    (unsigned long long)pos);
			goto out;
		}
		if ((r = ballot_decode(e, ballot, blen, &ent[i].b)) != 0 ||
		    strcmp(ent[i].b.alias, ent[i].alias) != 0) {
			fail(x, r = r != 0 ? r : ERR_MISMATCH, "ballots.bin: "
			    "position %llu: not a ballot of this election for "
			    "its alias", (unsigned long long)pos);
			goto out;
		}
		box_tracking_code(e->context_hash, code, (int64_t)pos, hash,
		    atext, code);
		if (memcmp(code, ec, 32) != 0) {
			fail(x, r = ERR_MISMATCH, "ballots.bin: position %llu: the "
			    "tracking-code chain breaks", (unsigned long long)pos);
			goto out;
		}
		if ((r = match_checkpoints(x, cps, ncp, &ci, pos, code)) != 0)
			goto out;
	}
	if ((r = vbuf_expect_end(b)) != 0) {
		fail(x, r, "ballots.bin: bytes after the last entry");
		goto out;
	}
	/* the final (last) checkpoint must sign the head: the whole box */
	if (ci != ncp || cps[ncp - 1].pos != n) {
		fail(x, r = ERR_MISMATCH, "checkpoints.json: the final checkpoint "
		    "is at position %llu, but the box holds %llu ballots",
		    (unsigned long long)cps[ncp - 1].pos, (unsigned long long)n);
		goto out;
	}
	memcpy(head, code, 32);
	*out = ent;
	ent = NULL;
	*count = n;
 out:
	free(ent);
	vbuf_free(b);
	return r;
}

static const struct rentry *sort_base;

static int
by_alias_then_position(const void *a, const void *b)
{
	uint64_t i = *(const uint64_t *)a, j = *(const uint64_t *)b;
	int c = strcmp(sort_base[i].alias, sort_base[j].alias);

	return c != 0 ? c : (i < j ? -1 : i > j);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Checks admitted.json, counted.json and superseded.json against §7's
 * rule and marks the counted entries.
 */
static int
check_counted(struct rctx *x, struct rentry *ent, uint64_t n,
    uint64_t *counted)
{
	json_t *adm = NULL, *cnt = NULL, *sup = NULL, *pos;
	const char **admitted = NULL;
	uint64_t *order = NULL, *next = NULL, i, nadm = 0, c = 0, s = 0;
	uint8_t *want = NULL;
	int r;

	*counted = 0;
	if ((r = read_json(x, "admitted.json", &adm)) != 0 ||
	    (r = read_json(x, "counted.json", &cnt)) != 0 ||
	    (r = read_json(x, "superseded.json", &sup)) != 0)
		goto out;
	r = ERR_FORMAT;
	if (!json_is_array(adm)) {
		fail(x, r, "admitted.json: not an array");
		goto out;
	}
	nadm = json_array_size(adm);
	if (nadm > 0 && (admitted = calloc(nadm, sizeof(*admitted))) == NULL) {
		fail(x, r = ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < nadm; i++) {
		const json_t *v = json_array_get(adm, i);
		uint8_t raw[16];

		if (!json_is_string(v) || ct_hex_decode(json_string_value(v),
		    json_string_length(v), raw, sizeof(raw)) != 0 ||
		    (i > 0 && strcmp(admitted[i - 1], json_string_value(v)) >= 0)) {
			fail(x, r, "admitted.json: entry %llu: not a sorted alias",
			    (unsigned long long)i);
			goto out;
		}
		admitted[i] = json_string_value(v);
	}
	/* the rule: each alias's last ballot counts unless admitted */
	if (n > 0 && ((order = calloc(n, sizeof(*order))) == NULL ||
	    (next = calloc(n, sizeof(*next))) == NULL ||
	    (want = calloc(n, 1)) == NULL)) {
		fail(x, r = ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		order[i] = i;
	sort_base = ent;
	if (n > 0)
		qsort(order, n, sizeof(*order), by_alias_then_position);
	for (i = 0; i < n; i++) {
		uint64_t me = order[i];
		int last = i + 1 == n || strcmp(ent[order[i + 1]].alias,
		    ent[me].alias) != 0;
		const char *key = ent[me].alias;

		next[me] = last ? 0 : order[i + 1] + 1;
		if (last && (nadm == 0 || bsearch(&key, admitted, nadm,
		    sizeof(*admitted), cmp_str) == NULL))
			want[me] = 1;
	}
	if (!json_is_object(cnt) || json_object_size(cnt) != 1 ||
	    !json_is_array(pos = json_object_get(cnt, "positions"))) {
		fail(x, r, "counted.json: not {\"positions\": [...]}");
		goto out;
	}
	for (i = 0; i < json_array_size(pos); i++) {
		const json_t *v = json_array_get(pos, i);
		json_int_t p;

		if (!json_is_integer(v) || (p = json_integer_value(v)) < 1 ||
		    (uint64_t)p > n || (p <= (json_int_t)c && c > 0)) {
			fail(x, r, "counted.json: entry %llu: not an ascending "
			    "position of the box", (unsigned long long)i);
			goto out;
		}
		c = (uint64_t)p;
		ent[p - 1].counted = 1;
	}
	for (i = 0; i < n; i++)
		if (ent[i].counted != want[i]) {
			fail(x, r = ERR_MISMATCH, "counted.json: position %llu %s; "
			    "the counted set must be each alias's last ballot, "
			    "unless admitted in person",
			    (unsigned long long)i + 1, ent[i].counted ?
			    "is counted but must not be" :
			    "must be counted but is not");
			goto out;
		}
	*counted = json_array_size(pos);
	/* superseded.json: exactly the others, each with its reason */
	if (!json_is_array(sup)) {
		fail(x, r, "superseded.json: not an array");
		goto out;
	}
	c = 0;
	for (i = 0; i < json_array_size(sup); i++) {
		static const char *const keys[] = { "position", "by", "reason" };
		const json_t *v = json_array_get(sup, i), *by;
		const char *reason;
		int64_t p;

		if (!keys_exactly(v, keys, 3) ||
		    (p = get_uint(v, "position", (int64_t)n)) < 1 ||
		    (uint64_t)p <= c ||
		    (reason = json_string_value(json_object_get(v,
		    "reason"))) == NULL) {
			fail(x, r, "superseded.json: entry %llu malformed or out of "
			    "order", (unsigned long long)i);
			goto out;
		}
		c = (uint64_t)p;
		by = json_object_get(v, "by");
		if (ent[p - 1].counted ||
		    (strcmp(reason, "revote") == 0 ? (next[p - 1] == 0 ||
		    !json_is_integer(by) || (uint64_t)json_integer_value(by) !=
		    next[p - 1]) : strcmp(reason, "admitted_in_person") != 0 ||
		    !json_is_null(by) || nadm == 0 || bsearch(&(const char *){
		    ent[p - 1].alias }, admitted, nadm, sizeof(*admitted),
		    cmp_str) == NULL)) {
			fail(x, r = ERR_MISMATCH, "superseded.json: position %lld "
			    "is counted, or its reason does not hold", (long long)p);
			goto out;
		}
		s++;
	}
	if (s + *counted != n) {
		fail(x, r = ERR_MISMATCH, "superseded.json: %llu entries, but %llu "
		    "ballots are not counted", (unsigned long long)s,
		    (unsigned long long)(n - *counted));
		goto out;
	}
	r = 0;
 out:
	free(admitted);
	free(order);
	free(next);
	free(want);
	json_decref(adm);
	json_decref(cnt);
	json_decref(sup);
	return r;
}

void
recheck_tally_free(struct recheck_tally *t)
{
	uint32_t c, o;

	if (t == NULL)
		return;
	for (c = 0; c < LIMIT_CONTESTS_MAX; c++) {
		if (t->sums[c] == NULL)
			continue;
		for (o = 0; t->e != NULL && o < t->e->manifest->contests[c].noptions;
		    o++)
			elgamal_ciphertext_free(t->sums[c][o]);
		free(t->sums[c]);
	}
	election_free(t->e);
	free(t);
}

/* Recomputes the sums and compares them with tally.json. */
static int
check_sums(struct rctx *x, struct recheck_tally *t, const struct rentry *ent,
    uint64_t n)
{
	const struct manifest *m = t->e->manifest;
	struct contest_tally *ct = NULL;
	json_t *root = NULL, *cs;
	uint32_t c, o;
	uint64_t i;
	int r;

	if ((r = read_json(x, "tally.json", &root)) != 0)
		return r;
	r = ERR_FORMAT;
	if (!json_is_object(root) || json_object_size(root) != 1 ||
	    !json_is_array(cs = json_object_get(root, "contests")) ||
	    json_array_size(cs) != m->ncontests) {
		fail(x, r, "tally.json: not one entry per contest");
		goto out;
	}
	for (c = 0; c < m->ncontests; c++) {
		static const char *const keys[] = { "index", "options" };
		const json_t *ce = json_array_get(cs, c), *opts;
		struct contest_spec spec;

		if (!keys_exactly(ce, keys, 2) || get_uint(ce, "index",
		    LIMIT_CONTESTS_MAX) != c || !json_is_array(opts =
		    json_object_get(ce, "options")) || json_array_size(opts) !=
		    m->contests[c].noptions) {
			fail(x, r = ERR_FORMAT, "tally.json: contest %u malformed", c);
			goto out;
		}
		manifest_spec(m, c, &spec);
		if ((r = contest_tally_new(&ct, spec.options)) != 0) {
			fail(x, r, "out of memory");
			goto out;
		}
		for (i = 0; i < n; i++)
			if (ent[i].counted && (r = contest_tally_add(ct, &spec,
			    ent[i].b.contest[c], ent[i].b.contest_len[c])) != 0) {
				fail(x, r, "ballots.bin: position %llu, contest %u: "
				    "%s", (unsigned long long)i + 1, c, err_str(r));
				goto out;
			}
		if ((t->sums[c] = calloc(spec.options, sizeof(*t->sums[c]))) ==
		    NULL) {
			fail(x, r = ERR_NOMEM, "out of memory");
			goto out;
		}
		for (o = 0; o < spec.options; o++) {
			const json_t *v = json_array_get(opts, o);
			const struct elgamal_ciphertext *sum;
			uint8_t got[ELGAMAL_CT_LEN], have[ELGAMAL_CT_LEN];

			if (!json_is_string(v) || ct_hex_decode(
			    json_string_value(v), json_string_length(v), got,
			    sizeof(got)) != 0) {
				fail(x, r = ERR_FORMAT, "tally.json: contest %u "
				    "option %u: not 130 bytes of hex", c, o);
				goto out;
			}
			if ((sum = contest_tally_sum(ct, o)) == NULL ||
			    (t->sums[c][o] = elgamal_ciphertext_new()) == NULL ||
			    (r = elgamal_ciphertext_copy(t->sums[c][o], sum)) != 0 ||
			    (r = elgamal_encode(sum, have,
			    GROUP_ALLOW_INFINITY)) != 0) {
				fail(x, r = r != 0 ? r : ERR_NOMEM, "aggregation "
				    "failed");
				goto out;
			}
			if (memcmp(got, have, sizeof(got)) != 0) {
				fail(x, r = ERR_MISMATCH, "tally.json: contest %u "
				    "option %u is not the sum of the counted "
				    "ballots; refusing to decrypt anything", c, o);
				goto out;
			}
		}
		contest_tally_free(ct);
		ct = NULL;
	}
	r = 0;
 out:
	contest_tally_free(ct);
	json_decref(root);
	return r;
}

int
recheck_tally(const char *dir, const struct recheck_expect *want,
    struct recheck_tally **out, char *why, size_t whylen)
{
	struct rctx x = { dir, why, whylen };
	struct recheck_tally *t = NULL;
	struct rentry *ent = NULL;
	struct rcp *cps = NULL;
	uint8_t *box = NULL, h[HASH_LEN];
	size_t ncp = 0;
	size_t boxlen = 0;
	uint64_t n = 0, cast = 0, counted_json = 0, counted = 0;
	int r;

	*out = NULL;
	if (whylen > 0)
		why[0] = '\0';
	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->e = calloc(1, sizeof(*t->e))) == NULL) {
		r = fail(&x, ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((r = read_file(&x, "manifest.bin", LIMIT_MANIFEST_MAX,
	    &t->e->manifest_bytes, &t->e->manifest_len)) != 0)
		goto out;
	hash_sha256(t->e->manifest_bytes, t->e->manifest_len, h);
	if (memcmp(h, want->manifest_hash, HASH_LEN) != 0) {
		r = fail(&x, ERR_MISMATCH, "manifest.bin: not the manifest of "
		    "your ceremony");
		goto out;
	}
	if ((r = manifest_decode(t->e->manifest_bytes, t->e->manifest_len,
	    &t->e->manifest)) != 0 || strcmp(t->e->manifest->id,
	    want->election_id) != 0) {
		r = fail(&x, r != 0 ? r : ERR_MISMATCH, "manifest.bin: does not "
		    "decode as this election's manifest");
		goto out;
	}
	t->e->state = ELECTION_TALLIED;
	if ((r = elgamal_key_decode(&t->e->key, want->key,
	    GROUP_POINT_LEN)) != 0 ||
	    (r = election_context_hash(t->e->manifest_bytes,
	    t->e->manifest_len, want->key, 0, t->e->context_hash)) != 0) {
		r = fail(&x, r, "the election key: %s", err_str(r));
		goto out;
	}
	if ((r = check_election_json(&x, want, t, &cast,
	    &counted_json)) != 0)
		goto out;
	if ((r = read_checkpoints(&x, t, &cps, &ncp)) != 0 ||
	    (r = read_file(&x, "ballots.bin", RECHECK_BALLOTS_MAX, &box,
	    &boxlen)) != 0 ||
	    (r = parse_box(&x, t->e, box, boxlen, cps, ncp, &ent, &n,
	    t->head)) != 0 ||
	    (r = check_counted(&x, ent, n, &counted)) != 0)
		goto out;
	if (n != cast || counted != counted_json) {
		r = fail(&x, ERR_MISMATCH, "election.json: ballots_cast or "
		    "ballots_counted differ from the files");
		goto out;
	}
	if ((r = check_sums(&x, t, ent, n)) != 0)
		goto out;
	t->cast = n;
	t->counted = counted;
	t->checkpoints = ncp;
	*out = t;
	t = NULL;
 out:
	free(cps);
	free(ent);
	free(box);
	recheck_tally_free(t);
	return r;
}
