/*
 * challenge.c - checks a Benaloh challenge file (docs/PROTOCOL-ballot.md
 * "Benaloh challenge").
 *
 * The file is read strictly (jansson with duplicate keys refused, the
 * nesting depth scanned on the raw bytes first, exactly the listed keys,
 * every value typed and bounded); the manifest and ballot are decoded by
 * audit/recview.h (not ballot/); the context hash is recomputed with
 * crypto/hash.h's transcript; each ciphertext is recomputed as
 * (r·G, m·G + r·K) with crypto/group.h's generic multiplication for r·K
 * (not the fixed-base table the encryptor used) and compared byte for
 * byte; the proofs are checked by crypto/contest.h.
 *
 * Every check runs and is reported, so a voter sees all that failed.
 * The file holds plaintext choices: the buffers read here are wiped
 * (jansson's own copies of the strings are freed, not wiped).  Strings
 * printed come only from validated fields (ids, manifest texts that are
 * one line of printable UTF-8), never raw file text.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "audit/challenge.h"
#include "audit/recview.h"
#include "core/err.h"
#include "core/file.h"
#include "core/limits.h"
#include "core/misuse.h"
#include "core/strparse.h"
#include "crypto/contest.h"
#include "crypto/ct.h"
#include "crypto/elgamal.h"
#include "crypto/group.h"
#include "crypto/hash.h"

#define CHALLENGE_FORMAT	"ippyo-challenge/1"
#define CHALLENGE_ID_MAX	56	/* election ids (PROTOCOL-ballot.md) */
#define CHALLENGE_BALLOT_MAX	LIMIT_HTTP_BODY_MAX

/* What the file says, decoded. */
struct claim_contest {
	char id[LIMIT_ID_LEN_MAX + 1];	/* the manifest's contest id */
	uint32_t n;			/* options (both arrays' length) */
	uint8_t sel[LIMIT_OPTIONS_MAX];	/* 0 or 1 per option */
	uint8_t nonce[LIMIT_OPTIONS_MAX][GROUP_SCALAR_LEN];	/* r_i */
};

struct claim {
	char election[LIMIT_ID_LEN_MAX + 1];	/* "election" */
	uint8_t *manifest;			/* canonical bytes */
	size_t manifest_len;
	uint8_t key[GROUP_POINT_LEN];		/* election key K */
	int test_single_key;			/* bound by the context */
	uint8_t context[HASH_LEN];		/* stated context hash */
	uint8_t *ballot;			/* ballot bytes */
	size_t ballot_len;
	uint8_t ballot_hash[HASH_LEN];		/* stated ballot hash */
	uint32_t ncontests;			/* entries of "contests" */
	struct claim_contest *contest;		/* LIMIT_CONTESTS_MAX */
};

static void
claim_free(struct claim *c)
{
	if (c->manifest != NULL) {
		explicit_bzero(c->manifest, c->manifest_len);
		free(c->manifest);
	}
	if (c->ballot != NULL) {
		explicit_bzero(c->ballot, c->ballot_len);
		free(c->ballot);
	}
	if (c->contest != NULL) {
		explicit_bzero(c->contest,
		    LIMIT_CONTESTS_MAX * sizeof(*c->contest));
		free(c->contest);
	}
	explicit_bzero(c, sizeof(*c));
}

/* ---- reading the JSON ---- */

/*
 * Nesting depth of JSON text, counted on the raw bytes (strings and
 * their escapes skipped) before jansson, whose parser recurses, sees it.
 */
static int
depth_ok(const uint8_t *p, size_t len, unsigned max)
{
	unsigned depth = 0;
	int in_str = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		uint8_t c = p[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
		} else if (c == '"')
			in_str = 1;
		else if (c == '[' || c == '{') {
			if (++depth > max)
				return 0;
		} else if ((c == ']' || c == '}') && depth > 0)
			depth--;
	}
	return 1;
}

/* Refuses members not in allowed and requires every one of them. */
static int
keys_exact(json_t *obj, const char *const *allowed)
{
	const char *k;
	json_t *v;
	size_t n = 0, i;

	if (!json_is_object(obj))
		return ERR_FORMAT;
	json_object_foreach(obj, k, v) {
		(void)v;
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(k, allowed[i]) == 0)
				break;
		if (allowed[i] == NULL)
			return ERR_FORMAT;
	}
	for (i = 0; allowed[i] != NULL; i++)
		n++;
	return json_object_size(obj) == n ? 0 : ERR_FORMAT;
}

/* A string member; ERR_FORMAT when missing or another type. */
static int
get_str(json_t *obj, const char *key, const char **s, size_t *len)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_string(v))
		return ERR_FORMAT;
	*s = json_string_value(v);
	*len = json_string_length(v);
	return 0;
}

/*
 * Lowercase hex of exactly want bytes: shorter ERR_TRUNCATED, longer
 * ERR_TOO_LARGE, anything but lowercase hex ERR_FORMAT.
 */
static int
hex_exact(json_t *v, uint8_t *out, size_t want)
{
	size_t n;

	if (!json_is_string(v))
		return ERR_FORMAT;
	n = json_string_length(v);
	if (n < 2 * want)
		return ERR_TRUNCATED;
	if (n > 2 * want)
		return ERR_TOO_LARGE;
	return ct_hex_decode(json_string_value(v), n, out, want) == 0 ?
	    0 : ERR_FORMAT;
}

/* Lowercase hex of 1..max bytes into a new buffer. */
static int
hex_alloc(json_t *v, size_t max, uint8_t **out, size_t *len)
{
	size_t n;

	*out = NULL;
	if (!json_is_string(v))
		return ERR_FORMAT;
	n = json_string_length(v);
	if (n > 2 * max)
		return ERR_TOO_LARGE;
	if (n == 0 || n % 2 != 0)
		return ERR_FORMAT;
	if ((*out = malloc(n / 2)) == NULL)
		return ERR_NOMEM;
	if (ct_hex_decode(json_string_value(v), n, *out, n / 2) != 0) {
		free(*out);
		*out = NULL;
		return ERR_FORMAT;
	}
	*len = n / 2;
	return 0;
}

static int
read_contest(json_t *o, struct claim_contest *cc)
{
	static const char *const keys[] = { "id", "selections", "nonces",
	    NULL };
	struct scalar r;
	json_t *sel, *non, *v;
	const char *s;
	size_t len, i;
	int rc;

	if ((rc = keys_exact(o, keys)) != 0 ||
	    (rc = get_str(o, "id", &s, &len)) != 0)
		return rc;
	if (len > LIMIT_ID_LEN_MAX)
		return ERR_TOO_LARGE;
	if (strparse_ident(s, len, LIMIT_ID_LEN_MAX) != 0)
		return ERR_FORMAT;
	memcpy(cc->id, s, len + 1);
	sel = json_object_get(o, "selections");
	non = json_object_get(o, "nonces");
	if (!json_is_array(sel) || !json_is_array(non))
		return ERR_FORMAT;
	if (json_array_size(sel) > LIMIT_OPTIONS_MAX ||
	    json_array_size(non) > LIMIT_OPTIONS_MAX)
		return ERR_TOO_LARGE;
	if (json_array_size(sel) == 0 ||
	    json_array_size(sel) != json_array_size(non))
		return ERR_FORMAT;
	cc->n = (uint32_t)json_array_size(sel);
	json_array_foreach(sel, i, v) {
		if (!json_is_integer(v))
			return ERR_FORMAT;
		if (json_integer_value(v) != 0 && json_integer_value(v) != 1)
			return ERR_RANGE;
		cc->sel[i] = (uint8_t)json_integer_value(v);
	}
	json_array_foreach(non, i, v) {
		if ((rc = hex_exact(v, cc->nonce[i], GROUP_SCALAR_LEN)) != 0)
			return rc;
		/* a nonce is a scalar in 1..n-1 */
		rc = group_scalar_decode(&r, cc->nonce[i]);
		if (rc == 0 && group_scalar_is_zero(&r))
			rc = ERR_RANGE;
		group_scalar_wipe(&r);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
read_claim(const uint8_t *p, size_t len, struct claim *c)
{
	static const char *const keys[] = { "format", "election", "manifest",
	    "public_key", "test_single_key", "context_hash", "ballot",
	    "ballot_hash", "contests", NULL };
	json_error_t jerr;
	json_t *root = NULL, *v, *cs;
	const char *s;
	size_t sl, i;
	int r = ERR_INTERNAL;

	if (len > LIMIT_CHALLENGE_FILE_MAX)
		return ERR_TOO_LARGE;
	if (!depth_ok(p, len, LIMIT_JSON_DEPTH_MAX))
		return ERR_TOO_LARGE;
	/* No JSON_DECODE_ANY (an object only), no JSON_ALLOW_NUL, no
	 * JSON_DISABLE_EOF_CHECK (trailing bytes fail). */
	if ((root = json_loadb((const char *)p, len, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL) {
		switch (json_error_code(&jerr)) {
		case json_error_premature_end_of_input:
			return ERR_TRUNCATED;
		case json_error_end_of_input_expected:
			return ERR_TRAILING_DATA;
		case json_error_duplicate_key:
			return ERR_DUPLICATE;
		case json_error_out_of_memory:
			return ERR_NOMEM;
		default:
			return ERR_FORMAT;
		}
	}
	if ((r = keys_exact(root, keys)) != 0 ||
	    (r = get_str(root, "format", &s, &sl)) != 0)
		goto out;
	if (sl != strlen(CHALLENGE_FORMAT) ||
	    memcmp(s, CHALLENGE_FORMAT, sl) != 0) {
		r = ERR_UNSUPPORTED;
		goto out;
	}
	if ((r = get_str(root, "election", &s, &sl)) != 0)
		goto out;
	if (sl > LIMIT_ID_LEN_MAX) {
		r = ERR_TOO_LARGE;
		goto out;
	}
	if (strparse_ident(s, sl, CHALLENGE_ID_MAX) != 0) {
		r = ERR_FORMAT;
		goto out;
	}
	memcpy(c->election, s, sl + 1);
	v = json_object_get(root, "test_single_key");
	if (!json_is_boolean(v)) {
		r = ERR_FORMAT;
		goto out;
	}
	c->test_single_key = json_is_true(v);
	if ((r = hex_alloc(json_object_get(root, "manifest"),
	    LIMIT_MANIFEST_MAX, &c->manifest, &c->manifest_len)) != 0 ||
	    (r = hex_exact(json_object_get(root, "public_key"), c->key,
	    GROUP_POINT_LEN)) != 0 ||
	    (r = hex_exact(json_object_get(root, "context_hash"), c->context,
	    HASH_LEN)) != 0 ||
	    (r = hex_alloc(json_object_get(root, "ballot"),
	    CHALLENGE_BALLOT_MAX, &c->ballot, &c->ballot_len)) != 0 ||
	    (r = hex_exact(json_object_get(root, "ballot_hash"),
	    c->ballot_hash, HASH_LEN)) != 0)
		goto out;
	cs = json_object_get(root, "contests");
	if (!json_is_array(cs)) {
		r = ERR_FORMAT;
		goto out;
	}
	if (json_array_size(cs) > LIMIT_CONTESTS_MAX) {
		r = ERR_TOO_LARGE;
		goto out;
	}
	if ((c->contest = calloc(LIMIT_CONTESTS_MAX,
	    sizeof(*c->contest))) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	c->ncontests = (uint32_t)json_array_size(cs);
	json_array_foreach(cs, i, v)
		if ((r = read_contest(v, &c->contest[i])) != 0)
			goto out;
	r = 0;
 out:
	json_decref(root);
	return r;
}

/* ---- the checks ---- */

static void
verdict(FILE *out, int ok, const char *what)
{
	fprintf(out, "  %-6s %s\n", ok ? "ok" : "FAILED", what);
}

/*
 * Is ct (130 bytes) = (r·G, m·G + r·K)?  1 yes, 0 no, < 0 an internal
 * error.
 */
static int
ciphertext_opens(const struct point *K, const uint8_t *ct, uint8_t m,
    const uint8_t nonce[GROUP_SCALAR_LEN])
{
	struct point *a = NULL, *b = NULL, *g = NULL;
	uint8_t ea[GROUP_POINT_LEN], eb[GROUP_POINT_LEN];
	struct scalar r;
	int ok = ERR_INTERNAL;

	if (group_scalar_decode(&r, nonce) != 0)
		return 0;	/* read_contest refused it already */
	if ((a = group_point_new()) == NULL || (b = group_point_new()) ==
	    NULL || (g = group_point_new()) == NULL) {
		ok = ERR_NOMEM;
		goto out;
	}
	if (group_mul_g(a, &r) != 0 || group_mul(b, &r, K) != 0 ||
	    group_point_set_generator(g) != 0 ||
	    (m == 1 && group_point_add(b, b, g) != 0))
		goto out;
	/* m = 0 with r·K, or m = 1 with r·K = -G, cannot encode (identity):
	 * no ballot holds the identity, so that is "does not open". */
	if (group_point_encode(a, ea, 0) != 0 ||
	    group_point_encode(b, eb, 0) != 0) {
		ok = 0;
		goto out;
	}
	ok = memcmp(ea, ct, GROUP_POINT_LEN) == 0 &&
	    memcmp(eb, ct + GROUP_POINT_LEN, GROUP_POINT_LEN) == 0;
 out:
	group_scalar_wipe(&r);
	group_point_free(a);
	group_point_free(b);
	group_point_free(g);
	return ok;
}

static int
context_of(const struct claim *c, uint8_t out[HASH_LEN])
{
	struct hash_transcript *t = NULL;
	uint8_t flag = c->test_single_key ? 1 : 0;
	int r;

	if ((r = hash_transcript_new(&t, HASH_TAG_CONTEXT)) != 0)
		return r;
	if ((r = hash_put(t, c->manifest, c->manifest_len)) == 0 &&
	    (r = hash_put(t, c->key, GROUP_POINT_LEN)) == 0 &&
	    (r = hash_put(t, &flag, 1)) == 0)
		hash_digest(t, out);
	hash_transcript_free(t);
	return r;
}

static void
hex_line(FILE *out, const char *label, const uint8_t *p, size_t n)
{
	char h[2 * HASH_LEN + 1];

	if (n <= HASH_LEN && ct_hex_encode(p, n, h, sizeof(h)) == 0)
		fprintf(out, "%s %s\n", label, h);
}

static int
check(const struct claim *c, FILE *out)
{
	struct rv_manifest *m = NULL;
	struct elgamal_key *k = NULL;
	struct rv_ballot b;
	uint8_t ctx[HASH_LEN], h[HASH_LEN];
	uint32_t i, j, marks;
	int r, ok, all = 1;

	if ((r = rv_manifest_decode(c->manifest, c->manifest_len, &m)) != 0)
		goto out;
	if ((r = elgamal_key_decode(&k, c->key, GROUP_POINT_LEN)) != 0)
		goto out;
	if ((r = rv_ballot_decode(m, c->ballot, c->ballot_len, &b)) != 0)
		goto out;
	/* The file's contests follow the manifest's, one for one. */
	if (c->ncontests != m->ncontests) {
		r = ERR_FORMAT;
		goto out;
	}
	for (i = 0; i < m->ncontests; i++)
		if (strcmp(c->contest[i].id, m->contests[i].id) != 0 ||
		    c->contest[i].n != m->contests[i].noptions) {
			r = ERR_FORMAT;
			goto out;
		}
	if ((r = context_of(c, ctx)) != 0)
		goto out;
	rv_ballot_hash(c->ballot, c->ballot_len, h);

	fprintf(out, "Benaloh challenge: election %s\n  %s\n  %s\n", m->id,
	    m->name_ja, m->name_en);
	if (c->test_single_key)
		fprintf(out, "  (a TEST-ONLY single election key)\n");
	hex_line(out, "ballot hash ", h, HASH_LEN);
	hex_line(out, "context hash", ctx, HASH_LEN);
	ok = strcmp(c->election, m->id) == 0 &&
	    b.election_id_len == strlen(m->id) &&
	    memcmp(b.election_id, m->id, b.election_id_len) == 0;
	all &= ok;
	verdict(out, ok, "the file, the manifest and the ballot name the "
	    "same election");
	ok = memcmp(ctx, c->context, HASH_LEN) == 0 &&
	    memcmp(ctx, b.context, HASH_LEN) == 0;
	all &= ok;
	verdict(out, ok, "the context hash recomputes from the manifest and "
	    "the election key, and the ballot carries it");
	ok = memcmp(h, c->ballot_hash, HASH_LEN) == 0;
	all &= ok;
	verdict(out, ok, "the ballot hash is the one stated");

	for (i = 0; i < m->ncontests; i++) {
		const struct rv_contest *mc = &m->contests[i];
		const struct claim_contest *cc = &c->contest[i];
		struct contest_spec spec = { i, mc->noptions, mc->min, mc->max };
		int opens = 1;

		fprintf(out, "\n%s  %s / %s  (%u to %u marks)\n", mc->id,
		    mc->title_ja, mc->title_en, mc->min, mc->max);
		for (marks = 0, j = 0; j < mc->noptions; j++) {
			if (cc->sel[j]) {
				marks++;
				fprintf(out, "  [x] %s  %s / %s\n",
				    mc->options[j].id, mc->options[j].label_ja,
				    mc->options[j].label_en);
			}
			if ((r = ciphertext_opens(elgamal_key_point(k),
			    b.contest[i] + (size_t)j * ELGAMAL_CT_LEN,
			    cc->sel[j], cc->nonce[j])) < 0)
				goto out;
			opens &= r;
		}
		if (marks == 0)
			fprintf(out, "  (blank: no option marked)\n");
		all &= opens;
		verdict(out, opens, "every ciphertext is Enc(selection; "
		    "revealed nonce) under the election key");
		ok = marks >= mc->min && marks <= mc->max;
		all &= ok;
		verdict(out, ok, "the selections keep the contest's bounds");
		r = contest_verify(k, b.context, b.alias, b.alias_len, &spec,
		    b.contest[i], b.contest_len[i]);
		if (r != 0 && r != ERR_VERIFY)
			goto out;
		all &= r == 0;
		verdict(out, r == 0, "the proofs verify");
	}
	if (all) {
		fprintf(out, "\nRESULT: this ballot encrypts exactly the choices "
		    "above.\nIt was challenged, not cast: its randomness is "
		    "public, so it must never be cast.\n");
		r = 0;
	} else {
		fprintf(out, "\nRESULT: FAILED: this ballot does NOT show the "
		    "choices above.\nKeep this file and report it to the "
		    "election committee.\n");
		r = ERR_VERIFY;
	}
 out:
	rv_manifest_free(m);
	elgamal_key_free(k);
	return r;
}

int
challenge_check(const uint8_t *p, size_t len, FILE *out)
{
	struct claim c;
	int r;

	REQUIRE(p != NULL && out != NULL);
	memset(&c, 0, sizeof(c));
	if ((r = read_claim(p, len, &c)) == 0)
		r = check(&c, out);
	claim_free(&c);
	return r;
}

int
challenge_check_file(const char *path, FILE *out)
{
	uint8_t *p = NULL;
	size_t len = 0;
	int r;

	REQUIRE(path != NULL && out != NULL);
	if ((r = file_read(path, LIMIT_CHALLENGE_FILE_MAX, 0, &p, &len)) != 0)
		return r;
	r = challenge_check(p, len, out);
	explicit_bzero(p, len);
	free(p);
	return r;
}
