/*
 * recview.c - the verifier's own decoders of the canonical manifest and
 * ballot, written from docs/PROTOCOL-ballot.md (not from ballot/).
 *
 * The encrypted contest's length is computed here from
 * docs/PROTOCOL-crypto.md §6 and §5.2 (not by crypto/contest.h's
 * contest_len), so a wrong length in crypto/ would show as a refusal;
 * tests/unit/audit/test_recview.c compares the two over every shape.
 */
#include <stdlib.h>
#include <string.h>

#include "audit/recview.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/misuse.h"
#include "core/strparse.h"
#include "core/text.h"
#include "core/vbuf.h"
#include "crypto/digest.h"

#define RV_MANIFEST_MAGIC	"IPPYOMAN"
#define RV_BALLOT_MAGIC		"IPPYOBAL"
#define RV_VERSION		1
#define RV_BALLOT_DOMAIN	"ippyo-ballot-v1"
#define RV_ELECTION_ID_MAX	56	/* "declare:" + id fits 64 bytes */
#define RV_ALIAS_LEN		32
#define RV_BALLOT_MAX		LIMIT_HTTP_BODY_MAX
#define RV_POINT		65	/* PROTOCOL-crypto.md §1 */
#define RV_SCALAR		32
#define RV_CT			(2 * RV_POINT)			/* §4 */
#define RV_PROOF01		(4 * RV_POINT + 3 * RV_SCALAR)	/* §5.1 */

/*
 * §6: n ciphertexts, n 0/1 proofs, one range proof over [min, max];
 * §5.2: the range proof has L = max - min + 1 branches, 2L points,
 * L - 1 challenges and L responses.  Bounds are checked by the caller
 * (n <= 128, so nothing here overflows).
 */
static size_t
rv_ct_len(uint32_t n, uint32_t min, uint32_t max)
{
	size_t l = (size_t)max - min + 1;

	return (size_t)n * (RV_CT + RV_PROOF01) +
	    2 * l * RV_POINT + (2 * l - 1) * RV_SCALAR;
}

/* A str() field into a fixed buffer of max + 1 bytes; NUL refused. */
static int
get_text(struct vbuf *b, char *out, size_t max)
{
	const uint8_t *p;
	size_t n;
	int r;

	if ((r = vbuf_get_string_direct(b, max, &p, &n)) != 0)
		return r;
	if (memchr(p, '\0', n) != NULL)
		return ERR_FORMAT;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

static int
ident_ok(const char *s, size_t max)
{
	return strparse_ident(s, strlen(s), max) == 0;
}

/* One line of printable UTF-8, 1..LIMIT_NAME_LEN_MAX bytes. */
static int
line_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= LIMIT_NAME_LEN_MAX && text_is_line(s, n);
}

/*
 * 全国地方公共団体コード (docs/REGISTRY.md): six digits, the last the
 * check digit (11 - sum(d_i * w_i) mod 11) mod 10 with weights 6,5,4,3,2.
 */
static int
municipality_ok(const char *c)
{
	static const unsigned w[5] = { 6, 5, 4, 3, 2 };
	unsigned i, sum = 0;

	if (strlen(c) != 6)
		return 0;
	for (i = 0; i < 6; i++)
		if (c[i] < '0' || c[i] > '9')
			return 0;
	for (i = 0; i < 5; i++)
		sum += (unsigned)(c[i] - '0') * w[i];
	return (11 - sum % 11) % 10 == (unsigned)(c[5] - '0');
}

void
rv_manifest_free(struct rv_manifest *m)
{
	uint32_t i;

	if (m == NULL)
		return;
	for (i = 0; m->contests != NULL && i < m->ncontests; i++)
		free(m->contests[i].options);
	free(m->contests);
	free(m);
}

/* The rules of PROTOCOL-ballot.md "Manifest", after the bytes parsed. */
static int
manifest_rules(const struct rv_manifest *m)
{
	int32_t eday, ref;
	uint32_t i, j, k;

	if (!ident_ok(m->id, RV_ELECTION_ID_MAX) || !line_ok(m->name_ja) ||
	    !line_ok(m->name_en) || !municipality_ok(m->municipality) ||
	    clock_parse_date(m->election_day, strlen(m->election_day),
	    &eday) != 0 ||
	    clock_parse_date(m->reference_date, strlen(m->reference_date),
	    &ref) != 0 ||
	    m->opens_us > INT64_MAX || m->closes_us > INT64_MAX)
		return ERR_FORMAT;
	if (ref > eday || m->opens_us == 0 || m->closes_us <= m->opens_us)
		return ERR_RANGE;
	for (i = 0; i < m->ncontests; i++) {
		const struct rv_contest *c = &m->contests[i];

		if (!ident_ok(c->id, LIMIT_ID_LEN_MAX) || !line_ok(c->title_ja) ||
		    !line_ok(c->title_en))
			return ERR_FORMAT;
		for (k = 0; k < i; k++)
			if (strcmp(m->contests[k].id, c->id) == 0)
				return ERR_FORMAT;
		if (c->min > c->max || c->max > c->noptions)
			return ERR_RANGE;
		for (j = 0; j < c->noptions; j++) {
			const struct rv_option *o = &c->options[j];

			if (!ident_ok(o->id, LIMIT_ID_LEN_MAX) ||
			    !line_ok(o->label_ja) || !line_ok(o->label_en))
				return ERR_FORMAT;
			for (k = 0; k < j; k++)
				if (strcmp(c->options[k].id, o->id) == 0)
					return ERR_FORMAT;
		}
	}
	return 0;
}

int
rv_manifest_decode(const uint8_t *p, size_t len, struct rv_manifest **out)
{
	struct rv_manifest *m = NULL;
	struct vbuf *b = NULL;
	uint8_t magic[8], version;
	uint32_t i, j;
	int r = ERR_INTERNAL;

	REQUIRE(p != NULL && out != NULL);
	*out = NULL;
	if (len > LIMIT_MANIFEST_MAX)
		return ERR_TOO_LARGE;
	if ((b = vbuf_from(p, len)) == NULL ||
	    (m = calloc(1, sizeof(*m))) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if ((r = vbuf_get(b, magic, sizeof(magic))) != 0)
		goto out;
	if (memcmp(magic, RV_MANIFEST_MAGIC, sizeof(magic)) != 0) {
		r = ERR_FORMAT;
		goto out;
	}
	if ((r = vbuf_get_u8(b, &version)) != 0)
		goto out;
	if (version != RV_VERSION) {
		r = ERR_UNSUPPORTED;
		goto out;
	}
	if ((r = get_text(b, m->id, LIMIT_ID_LEN_MAX)) != 0 ||
	    (r = get_text(b, m->name_ja, LIMIT_NAME_LEN_MAX)) != 0 ||
	    (r = get_text(b, m->name_en, LIMIT_NAME_LEN_MAX)) != 0 ||
	    (r = get_text(b, m->municipality, 6)) != 0 ||
	    (r = get_text(b, m->election_day, 10)) != 0 ||
	    (r = get_text(b, m->reference_date, 10)) != 0 ||
	    (r = vbuf_get_u64(b, &m->opens_us)) != 0 ||
	    (r = vbuf_get_u64(b, &m->closes_us)) != 0 ||
	    (r = vbuf_get_u32(b, &m->ncontests)) != 0)
		goto out;
	if (m->ncontests == 0 || m->ncontests > LIMIT_CONTESTS_MAX) {
		m->ncontests = 0;
		r = ERR_RANGE;
		goto out;
	}
	if ((m->contests = calloc(m->ncontests, sizeof(*m->contests))) ==
	    NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < m->ncontests; i++) {
		struct rv_contest *c = &m->contests[i];

		if ((r = get_text(b, c->id, LIMIT_ID_LEN_MAX)) != 0 ||
		    (r = get_text(b, c->title_ja, LIMIT_NAME_LEN_MAX)) != 0 ||
		    (r = get_text(b, c->title_en, LIMIT_NAME_LEN_MAX)) != 0 ||
		    (r = vbuf_get_u32(b, &c->min)) != 0 ||
		    (r = vbuf_get_u32(b, &c->max)) != 0 ||
		    (r = vbuf_get_u32(b, &c->noptions)) != 0)
			goto out;
		if (c->noptions == 0 || c->noptions > LIMIT_OPTIONS_MAX) {
			c->noptions = 0;
			r = ERR_RANGE;
			goto out;
		}
		if ((c->options = calloc(c->noptions, sizeof(*c->options))) ==
		    NULL) {
			r = ERR_NOMEM;
			goto out;
		}
		for (j = 0; j < c->noptions; j++) {
			struct rv_option *o = &c->options[j];

			if ((r = get_text(b, o->id, LIMIT_ID_LEN_MAX)) != 0 ||
			    (r = get_text(b, o->label_ja,
			    LIMIT_NAME_LEN_MAX)) != 0 ||
			    (r = get_text(b, o->label_en,
			    LIMIT_NAME_LEN_MAX)) != 0)
				goto out;
		}
		/* Only meaningful once the rules below hold (min <= max). */
		c->ct_len = c->min <= c->max ?
		    rv_ct_len(c->noptions, c->min, c->max) : 0;
	}
	if ((r = vbuf_expect_end(b)) != 0 || (r = manifest_rules(m)) != 0)
		goto out;
	*out = m;
	m = NULL;
	r = 0;
 out:
	rv_manifest_free(m);
	vbuf_free(b);
	return r;
}

static int
alias_ok(const uint8_t *a, size_t n)
{
	size_t i;

	if (n != RV_ALIAS_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if (!((a[i] >= '0' && a[i] <= '9') || (a[i] >= 'a' && a[i] <= 'f')))
			return 0;
	return 1;
}

int
rv_ballot_decode(const struct rv_manifest *m, const uint8_t *p, size_t len,
    struct rv_ballot *out)
{
	struct vbuf *b = NULL;
	const uint8_t *s;
	uint8_t magic[8], version;
	uint32_t n, i, idx;
	size_t sl;
	int r = ERR_INTERNAL;

	REQUIRE(m != NULL && p != NULL && out != NULL);
	memset(out, 0, sizeof(*out));
	if (len > RV_BALLOT_MAX)
		return ERR_TOO_LARGE;
	if ((b = vbuf_from(p, len)) == NULL)
		return ERR_NOMEM;
	if ((r = vbuf_get(b, magic, sizeof(magic))) != 0)
		goto out;
	if (memcmp(magic, RV_BALLOT_MAGIC, sizeof(magic)) != 0) {
		r = ERR_FORMAT;
		goto out;
	}
	if ((r = vbuf_get_u8(b, &version)) != 0)
		goto out;
	if (version != RV_VERSION) {
		r = ERR_UNSUPPORTED;
		goto out;
	}
	if ((r = vbuf_get_string_direct(b, LIMIT_ID_LEN_MAX, &s, &sl)) != 0)
		goto out;
	if (sl == 0 || strparse_ident((const char *)s, sl,
	    RV_ELECTION_ID_MAX) != 0) {
		r = ERR_FORMAT;
		goto out;
	}
	out->election_id = s;
	out->election_id_len = sl;
	if ((r = vbuf_get_direct(b, 32, &out->context)) != 0 ||
	    (r = vbuf_get_string_direct(b, RV_ALIAS_LEN, &s, &sl)) != 0)
		goto out;
	if (!alias_ok(s, sl)) {
		r = ERR_FORMAT;
		goto out;
	}
	out->alias = s;
	out->alias_len = sl;
	if ((r = vbuf_get_u32(b, &n)) != 0)
		goto out;
	if (n != m->ncontests) {
		r = ERR_FORMAT;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if ((r = vbuf_get_u32(b, &idx)) != 0 ||
		    (r = vbuf_get_string_direct(b, RV_BALLOT_MAX, &s, &sl)) != 0)
			goto out;
		if (idx != i || sl != m->contests[i].ct_len) {
			r = ERR_FORMAT;
			goto out;
		}
		out->contest[i] = s;
		out->contest_len[i] = sl;
	}
	out->ncontests = n;
	r = vbuf_expect_end(b);
 out:
	if (r != 0)
		memset(out, 0, sizeof(*out));
	vbuf_free(b);
	return r;
}

void
rv_ballot_hash(const uint8_t *p, size_t len, uint8_t out[32])
{
	struct digest *d = digest_new();

	if (d == NULL)
		MISUSE("out of memory hashing a ballot");
	digest_put(d, RV_BALLOT_DOMAIN, sizeof(RV_BALLOT_DOMAIN) - 1);
	digest_put(d, p, len);
	digest_final(d, out);
}
