/*
 * election.c - manifests, context hash, lifecycle.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/log.h"
#include "ballot/box.h"
#include "ballot/election.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/misuse.h"
#include "core/strparse.h"
#include "core/text.h"
#include "core/vbuf.h"
#include "crypto/contest.h"
#include "crypto/elgamal.h"
#include "crypto/group.h"
#include "crypto/hash.h"
#include "db/db.h"
#include "registry/resident.h"
#include "registry/roll.h"

#define MANIFEST_MAGIC "IPPYOMAN"
#define MANIFEST_VERSION 1

static const char *const state_names[] = {
	"draft", "roll_frozen", "keys_ready", "open", "closed", "tallied"
};

const char *
election_state_str(enum election_state s)
{
	return (unsigned)s < 6 ? state_names[s] : "unknown";
}

struct manifest *
manifest_new(uint32_t ncontests, const uint32_t *noptions)
{
	struct manifest *m;
	uint32_t i;

	if (ncontests == 0 || ncontests > LIMIT_CONTESTS_MAX ||
	    (m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	if ((m->contests = calloc(ncontests, sizeof(*m->contests))) == NULL) {
		free(m);
		return NULL;
	}
	m->ncontests = ncontests;
	for (i = 0; i < ncontests; i++) {
		if (noptions[i] == 0 || noptions[i] > LIMIT_OPTIONS_MAX ||
		    (m->contests[i].options = calloc(noptions[i],
		    sizeof(struct manifest_option))) == NULL) {
			manifest_free(m);
			return NULL;
		}
		m->contests[i].noptions = noptions[i];
	}
	return m;
}

void
manifest_free(struct manifest *m)
{
	uint32_t i;

	if (m == NULL)
		return;
	for (i = 0; m->contests != NULL && i < m->ncontests; i++)
		free(m->contests[i].options);
	free(m->contests);
	free(m);
}

static int
ident_ok(const char *s)
{
	return strparse_ident(s, strnlen(s, LIMIT_ID_LEN_MAX + 1),
	    LIMIT_ID_LEN_MAX) == 0;
}

static int
text_ok(const char *s)
{
	size_t n = strnlen(s, LIMIT_NAME_LEN_MAX + 1);

	return n >= 1 && n <= LIMIT_NAME_LEN_MAX && text_is_line(s, n);
}

int
manifest_check(const struct manifest *m)
{
	uint32_t i, j, k;

	REQUIRE(m != NULL);
	if (!ident_ok(m->id) || strlen(m->id) > ELECTION_ID_MAX ||
	    !text_ok(m->name_ja) || !text_ok(m->name_en) ||
	    !resident_municipality_ok(m->municipality, strnlen(m->municipality, 7)))
		return ERR_FORMAT;
	if (m->reference_date > m->election_day || m->opens_us <= 0 ||
	    m->closes_us <= m->opens_us)
		return ERR_RANGE;
	if (m->ncontests == 0 || m->ncontests > LIMIT_CONTESTS_MAX)
		return ERR_RANGE;
	for (i = 0; i < m->ncontests; i++) {
		const struct manifest_contest *c = &m->contests[i];
		struct contest_spec spec;

		if (!ident_ok(c->id) || !text_ok(c->title_ja) ||
		    !text_ok(c->title_en))
			return ERR_FORMAT;
		for (k = 0; k < i; k++)
			if (strcmp(m->contests[k].id, c->id) == 0)
				return ERR_FORMAT;
		if (c->noptions == 0 || c->noptions > LIMIT_OPTIONS_MAX ||
		    c->min > c->max || c->max > c->noptions)
			return ERR_RANGE;
		manifest_spec(m, i, &spec);
		if (!contest_spec_valid(&spec))
			return ERR_RANGE;
		for (j = 0; j < c->noptions; j++) {
			const struct manifest_option *o = &c->options[j];

			if (!ident_ok(o->id) || !text_ok(o->label_ja) ||
			    !text_ok(o->label_en))
				return ERR_FORMAT;
			for (k = 0; k < j; k++)
				if (strcmp(c->options[k].id, o->id) == 0)
					return ERR_FORMAT;
		}
	}
	return 0;
}

void
manifest_spec(const struct manifest *m, uint32_t i, struct contest_spec *spec)
{
	REQUIRE(m != NULL && i < m->ncontests && spec != NULL);
	spec->index = i;
	spec->options = m->contests[i].noptions;
	spec->min = m->contests[i].min;
	spec->max = m->contests[i].max;
}

int
manifest_encode(const struct manifest *m, struct vbuf *b)
{
	char eday[11], ref[11];
	uint32_t i, j;
	int r;

	if ((r = manifest_check(m)) != 0)
		return r;
	clock_format_date(m->election_day, eday);
	clock_format_date(m->reference_date, ref);
	if ((r = vbuf_put(b, MANIFEST_MAGIC, 8)) != 0 ||
	    (r = vbuf_put_u8(b, MANIFEST_VERSION)) != 0 ||
	    (r = vbuf_put_cstring(b, m->id)) != 0 ||
	    (r = vbuf_put_cstring(b, m->name_ja)) != 0 ||
	    (r = vbuf_put_cstring(b, m->name_en)) != 0 ||
	    (r = vbuf_put_cstring(b, m->municipality)) != 0 ||
	    (r = vbuf_put_cstring(b, eday)) != 0 ||
	    (r = vbuf_put_cstring(b, ref)) != 0 ||
	    (r = vbuf_put_u64(b, (uint64_t)m->opens_us)) != 0 ||
	    (r = vbuf_put_u64(b, (uint64_t)m->closes_us)) != 0 ||
	    (r = vbuf_put_u32(b, m->ncontests)) != 0)
		return r;
	for (i = 0; i < m->ncontests; i++) {
		const struct manifest_contest *c = &m->contests[i];

		if ((r = vbuf_put_cstring(b, c->id)) != 0 ||
		    (r = vbuf_put_cstring(b, c->title_ja)) != 0 ||
		    (r = vbuf_put_cstring(b, c->title_en)) != 0 ||
		    (r = vbuf_put_u32(b, c->min)) != 0 ||
		    (r = vbuf_put_u32(b, c->max)) != 0 ||
		    (r = vbuf_put_u32(b, c->noptions)) != 0)
			return r;
		for (j = 0; j < c->noptions; j++)
			if ((r = vbuf_put_cstring(b, c->options[j].id)) != 0 ||
			    (r = vbuf_put_cstring(b, c->options[j].label_ja)) != 0 ||
			    (r = vbuf_put_cstring(b, c->options[j].label_en)) != 0)
				return r;
	}
	return 0;
}

/* Reads a length-prefixed string into a fixed field (max bytes + NUL). */
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

int
manifest_decode(const uint8_t *p, size_t len, struct manifest **out)
{
	struct manifest *m = NULL;
	struct vbuf *b = NULL;
	uint32_t nc, i, j, *nopt = NULL;
	char eday[11], ref[11], magic[8];
	uint64_t opens, closes;
	uint8_t version;
	size_t save;
	int r = ERR_INTERNAL;

	REQUIRE(p != NULL && out != NULL);
	*out = NULL;
	if (len > LIMIT_MANIFEST_MAX)
		return ERR_TOO_LARGE;
	if ((b = vbuf_from(p, len)) == NULL)
		return ERR_NOMEM;
	if ((r = vbuf_get(b, magic, 8)) != 0)
		goto out;
	if (memcmp(magic, MANIFEST_MAGIC, 8) != 0) {
		r = ERR_FORMAT;
		goto out;
	}
	if ((r = vbuf_get_u8(b, &version)) != 0)
		goto out;
	if (version != MANIFEST_VERSION) {
		r = ERR_UNSUPPORTED;
		goto out;
	}
	/* First pass for the shape: skip to the contest counts. */
	{
		char tmp[LIMIT_NAME_LEN_MAX + 1];
		struct vbuf *s = NULL;

		if ((r = vbuf_get_sub(b, vbuf_len(b), &s)) != 0)
			goto out;
		save = 0;
		if ((r = get_text(s, tmp, LIMIT_ID_LEN_MAX)) != 0 ||
		    (r = get_text(s, tmp, LIMIT_NAME_LEN_MAX)) != 0 ||
		    (r = get_text(s, tmp, LIMIT_NAME_LEN_MAX)) != 0 ||
		    (r = get_text(s, tmp, 6)) != 0 ||
		    (r = get_text(s, tmp, 10)) != 0 ||
		    (r = get_text(s, tmp, 10)) != 0 ||
		    (r = vbuf_consume(s, 16)) != 0 ||
		    (r = vbuf_get_u32(s, &nc)) != 0) {
			vbuf_free(s);
			goto out;
		}
		if (nc == 0 || nc > LIMIT_CONTESTS_MAX) {
			vbuf_free(s);
			r = ERR_RANGE;
			goto out;
		}
		if ((nopt = calloc(nc, sizeof(*nopt))) == NULL) {
			vbuf_free(s);
			r = ERR_NOMEM;
			goto out;
		}
		for (i = 0; i < nc; i++) {
			uint32_t mn, mx;

			if ((r = get_text(s, tmp, LIMIT_ID_LEN_MAX)) != 0 ||
			    (r = get_text(s, tmp, LIMIT_NAME_LEN_MAX)) != 0 ||
			    (r = get_text(s, tmp, LIMIT_NAME_LEN_MAX)) != 0 ||
			    (r = vbuf_get_u32(s, &mn)) != 0 ||
			    (r = vbuf_get_u32(s, &mx)) != 0 ||
			    (r = vbuf_get_u32(s, &nopt[i])) != 0) {
				vbuf_free(s);
				goto out;
			}
			if (nopt[i] == 0 || nopt[i] > LIMIT_OPTIONS_MAX) {
				vbuf_free(s);
				r = ERR_RANGE;
				goto out;
			}
			for (j = 0; j < nopt[i] * 3; j++)
				if ((r = get_text(s, tmp, LIMIT_NAME_LEN_MAX)) != 0) {
					vbuf_free(s);
					goto out;
				}
		}
		vbuf_free(s);
		(void)save;
	}
	/* Second pass fills the manifest. */
	vbuf_free(b);
	if ((b = vbuf_from(p, len)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if ((m = manifest_new(nc, nopt)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if ((r = vbuf_consume(b, 9)) != 0 ||
	    (r = get_text(b, m->id, LIMIT_ID_LEN_MAX)) != 0 ||
	    (r = get_text(b, m->name_ja, LIMIT_NAME_LEN_MAX)) != 0 ||
	    (r = get_text(b, m->name_en, LIMIT_NAME_LEN_MAX)) != 0 ||
	    (r = get_text(b, m->municipality, 6)) != 0 ||
	    (r = get_text(b, eday, 10)) != 0 ||
	    (r = get_text(b, ref, 10)) != 0 ||
	    (r = vbuf_get_u64(b, &opens)) != 0 ||
	    (r = vbuf_get_u64(b, &closes)) != 0 ||
	    (r = vbuf_consume(b, 4)) != 0)
		goto out;
	if (clock_parse_date(eday, strlen(eday), &m->election_day) != 0 ||
	    clock_parse_date(ref, strlen(ref), &m->reference_date) != 0 ||
	    opens > INT64_MAX || closes > INT64_MAX) {
		r = ERR_FORMAT;
		goto out;
	}
	m->opens_us = (int64_t)opens;
	m->closes_us = (int64_t)closes;
	for (i = 0; i < nc; i++) {
		struct manifest_contest *c = &m->contests[i];

		if ((r = get_text(b, c->id, LIMIT_ID_LEN_MAX)) != 0 ||
		    (r = get_text(b, c->title_ja, LIMIT_NAME_LEN_MAX)) != 0 ||
		    (r = get_text(b, c->title_en, LIMIT_NAME_LEN_MAX)) != 0 ||
		    (r = vbuf_get_u32(b, &c->min)) != 0 ||
		    (r = vbuf_get_u32(b, &c->max)) != 0 ||
		    (r = vbuf_consume(b, 4)) != 0)
			goto out;
		for (j = 0; j < c->noptions; j++)
			if ((r = get_text(b, c->options[j].id, LIMIT_ID_LEN_MAX)) != 0 ||
			    (r = get_text(b, c->options[j].label_ja, LIMIT_NAME_LEN_MAX)) != 0 ||
			    (r = get_text(b, c->options[j].label_en, LIMIT_NAME_LEN_MAX)) != 0)
				goto out;
	}
	if ((r = vbuf_expect_end(b)) != 0 || (r = manifest_check(m)) != 0)
		goto out;
	*out = m;
	m = NULL;
	r = 0;
 out:
	free(nopt);
	manifest_free(m);
	vbuf_free(b);
	return r;
}

int
election_context_hash(const uint8_t *manifest, size_t len,
    const uint8_t key[GROUP_POINT_LEN], int test_single_key,
    uint8_t out[HASH_LEN])
{
	struct hash_transcript *t = NULL;
	uint8_t flag = test_single_key ? 1 : 0;
	int r;

	if ((r = hash_transcript_new(&t, HASH_TAG_CONTEXT)) != 0)
		return r;
	if ((r = hash_put(t, manifest, len)) == 0 &&
	    (r = hash_put(t, key, GROUP_POINT_LEN)) == 0 &&
	    (r = hash_put(t, &flag, 1)) == 0)
		hash_digest(t, out);
	hash_transcript_free(t);
	return r;
}

int
election_create(struct db *db, const struct manifest *m, const char *actor)
{
	struct vbuf *b = NULL;
	char eday[11], ref[11], detail[128];
	int r;

	REQUIRE(db != NULL && m != NULL && actor != NULL);
	if ((b = vbuf_new(LIMIT_MANIFEST_MAX)) == NULL)
		return ERR_NOMEM;
	if ((r = manifest_encode(m, b)) != 0)
		goto out;
	clock_format_date(m->election_day, eday);
	clock_format_date(m->reference_date, ref);
	if ((r = db_begin(db)) != 0)
		goto out;
	{
		struct db_param p[7] = {
			DB_TEXT(m->id), DB_BYTES(vbuf_ptr(b), vbuf_len(b)),
			DB_TEXT(m->municipality), DB_TEXT(eday), DB_TEXT(ref),
			DB_I64(m->opens_us), DB_I64(m->closes_us)
		};

		if ((r = db_exec(db, "INSERT INTO elections (election_id, "
		    "manifest, municipality_code, election_day, reference_date, "
		    "opens_us, closes_us, state) VALUES ($1, $2, $3, $4::date, "
		    "$5::date, $6, $7, 'draft')", p, 7, NULL)) != 0) {
			if (r == ERR_DB_CONSTRAINT)
				r = ERR_EXISTS;
			goto rollback;
		}
	}
	snprintf(detail, sizeof(detail), "contests=%u bytes=%zu",
	    m->ncontests, vbuf_len(b));
	if ((r = audit_append(db, actor, "election.create", m->id, detail,
	    NULL)) != 0 || (r = db_commit(db)) != 0)
		goto rollback;
	goto out;
 rollback:
	db_rollback(db);
 out:
	vbuf_free(b);
	return r;
}

void
election_free(struct election *e)
{
	if (e == NULL)
		return;
	manifest_free(e->manifest);
	free(e->manifest_bytes);
	elgamal_key_free(e->key);
	free(e);
}

static int
state_from_text(const char *s, enum election_state *out)
{
	int i;

	for (i = 0; i < 6; i++)
		if (strcmp(s, state_names[i]) == 0) {
			*out = (enum election_state)i;
			return 0;
		}
	return ERR_FORMAT;
}

int
election_load_state(struct db *db, const char *id, enum election_state *out)
{
	struct db_param p = DB_TEXT(id);
	struct db_result *res = NULL;
	const char *state;
	int r;

	REQUIRE(db != NULL && id != NULL && out != NULL);
	if ((r = db_exec(db, "SELECT state FROM elections WHERE election_id = $1",
	    &p, 1, &res)) != 0)
		return r;
	if (db_result_rows(res) != 1)
		r = ERR_NOT_FOUND;
	else if ((r = db_get_text(res, 0, 0, 16, &state)) == 0)
		r = state_from_text(state, out);
	db_result_free(res);
	return r;
}

int
election_load(struct db *db, const char *id, struct election **out)
{
	struct db_param p = DB_TEXT(id);
	struct db_result *res = NULL;
	struct election *e = NULL;
	const char *state;
	uint8_t *key = NULL, *ctx = NULL, want[HASH_LEN];
	size_t keylen = 0, ctxlen = 0;
	int test, r;

	REQUIRE(db != NULL && id != NULL && out != NULL);
	*out = NULL;
	if ((r = db_exec(db, "SELECT manifest, state, public_key, "
	    "context_hash, test_single_key FROM elections WHERE election_id = $1",
	    &p, 1, &res)) != 0)
		return r;
	if (db_result_rows(res) != 1) {
		r = ERR_NOT_FOUND;
		goto out;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if ((r = db_get_bytes(res, 0, 0, LIMIT_MANIFEST_MAX, &e->manifest_bytes,
	    &e->manifest_len)) != 0 ||
	    (r = manifest_decode(e->manifest_bytes, e->manifest_len,
	    &e->manifest)) != 0 ||
	    (r = db_get_text(res, 0, 1, 16, &state)) != 0 ||
	    (r = db_get_bool(res, 0, 4, &test)) != 0)
		goto out;
	if (state_from_text(state, &e->state) != 0 ||
	    strcmp(e->manifest->id, id) != 0) {
		r = ERR_FORMAT;
		goto out;
	}
	e->test_single_key = test;
	if (!db_is_null(res, 0, 2)) {
		if ((r = db_get_bytes(res, 0, 2, GROUP_POINT_LEN, &key,
		    &keylen)) != 0 ||
		    (r = db_get_bytes(res, 0, 3, HASH_LEN, &ctx, &ctxlen)) != 0 ||
		    (r = elgamal_key_decode(&e->key, key, keylen)) != 0)
			goto out;
		/* The stored context hash must be the one its parts give. */
		if (ctxlen != HASH_LEN || (r = election_context_hash(
		    e->manifest_bytes, e->manifest_len, key, test, want)) != 0 ||
		    memcmp(want, ctx, HASH_LEN) != 0) {
			r = r != 0 ? r : ERR_MISMATCH;
			goto out;
		}
		memcpy(e->context_hash, ctx, HASH_LEN);
	}
	*out = e;
	e = NULL;
	r = 0;
 out:
	free(key);
	free(ctx);
	election_free(e);
	db_result_free(res);
	return r;
}

/* Moves id from `from` to `to` with an audit entry; ERR_WRONG_STATE. */
static int
transition(struct db *db, const char *id, enum election_state from,
    enum election_state to, const char *action, const char *actor)
{
	struct db_param p[3] = {
		DB_TEXT(id), DB_TEXT(state_names[from]), DB_TEXT(state_names[to])
	};
	struct db_result *res = NULL;
	int r;

	if ((r = db_begin(db)) != 0)
		return r;
	/* Closing waits for appends in flight (and they for it). */
	if ((r = box_lock(db, id)) != 0 ||
	    (r = db_exec(db, "UPDATE elections SET state = $3 WHERE "
	    "election_id = $1 AND state = $2 RETURNING 1", p, 3, &res)) != 0)
		goto out;
	if (db_result_rows(res) != 1) {
		r = ERR_WRONG_STATE;
		goto out;
	}
	if ((r = audit_append(db, actor, action, id, state_names[to],
	    NULL)) != 0 || (r = db_commit(db)) != 0)
		goto out;
	db_result_free(res);
	return 0;
 out:
	db_result_free(res);
	db_rollback(db);
	return r;
}

int
election_freeze_roll(struct db *db, const char *id, const char *actor)
{
	struct election *e = NULL;
	struct roll_params rp;
	struct roll_result rr;
	int64_t entries;
	int r;

	if ((r = election_load(db, id, &e)) != 0)
		return r;
	if (e->state != ELECTION_DRAFT) {
		r = ERR_WRONG_STATE;
		goto out;
	}
	memset(&rp, 0, sizeof(rp));
	rp.election_id = id;
	memcpy(rp.municipality, e->manifest->municipality, 7);
	rp.election_day = e->manifest->election_day;
	rp.reference_date = e->manifest->reference_date;
	r = roll_freeze(db, &rp, actor, &rr);
	/* A roll frozen by an interrupted earlier attempt is accepted when it
	 * was frozen for this election's municipality and dates and still
	 * verifies; the state move below is what was missing. */
	if (r == ERR_EXISTS) {
		char eday[11], ref[11];
		struct db_result *q = NULL;
		struct db_param p[4] = {
			DB_TEXT(id), DB_TEXT(rp.municipality), DB_TEXT(eday),
			DB_TEXT(ref)
		};

		clock_format_date(rp.election_day, eday);
		clock_format_date(rp.reference_date, ref);
		if ((r = db_exec(db, "SELECT 1 FROM rolls WHERE election_id = $1 "
		    "AND municipality_code = $2 AND election_day = $3::date AND "
		    "reference_date = $4::date", p, 4, &q)) == 0 &&
		    db_result_rows(q) != 1)
			r = ERR_MISMATCH;
		db_result_free(q);
		if (r == 0)
			r = roll_verify(db, id, &entries);
	}
	if (r != 0)
		goto out;
	r = transition(db, id, ELECTION_DRAFT, ELECTION_ROLL_FROZEN,
	    "election.roll_frozen", actor);
 out:
	election_free(e);
	return r;
}

int
election_keys_test_single(struct db *db, const char *id, const char *actor,
    struct scalar *secret)
{
	uint8_t key[GROUP_POINT_LEN], ctx[HASH_LEN];
	struct election *e = NULL;
	struct point *k = NULL;
	struct db_result *res = NULL;
	int r;

	REQUIRE(secret != NULL);
	group_scalar_zero(secret);
	if ((r = election_load(db, id, &e)) != 0)
		return r;
	if (e->state != ELECTION_ROLL_FROZEN) {
		r = ERR_WRONG_STATE;
		goto out;
	}
	if ((k = group_point_new()) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if ((r = group_scalar_random(secret)) != 0 ||
	    (r = group_mul_g(k, secret)) != 0 ||
	    (r = group_point_encode(k, key, 0)) != 0 ||
	    (r = election_context_hash(e->manifest_bytes, e->manifest_len, key,
	    1, ctx)) != 0)
		goto out;
	if ((r = db_begin(db)) != 0)
		goto out;
	{
		struct db_param p[3] = {
			DB_TEXT(id), DB_BYTES(key, sizeof(key)),
			DB_BYTES(ctx, sizeof(ctx))
		};

		if ((r = db_exec(db, "UPDATE elections SET state = 'keys_ready', "
		    "public_key = $2, context_hash = $3, test_single_key = true "
		    "WHERE election_id = $1 AND state = 'roll_frozen' RETURNING 1",
		    p, 3, &res)) != 0)
			goto rollback;
		if (db_result_rows(res) != 1) {
			r = ERR_WRONG_STATE;
			goto rollback;
		}
	}
	if ((r = audit_append(db, actor, "election.keys_test_single", id,
	    "TEST-ONLY single key: no trustee ceremony", NULL)) != 0 ||
	    (r = db_commit(db)) != 0)
		goto rollback;
	log_warn("election.test_single_key", LOG_S("election", id));
	goto out;
 rollback:
	db_rollback(db);
 out:
	if (r != 0)
		group_scalar_wipe(secret);
	db_result_free(res);
	group_point_free(k);
	election_free(e);
	return r;
}

int
election_keys_from_ceremony(struct db *db, const char *id,
    const uint8_t key[GROUP_POINT_LEN], const char *detail, const char *actor)
{
	uint8_t ctx[HASH_LEN];
	struct election *e = NULL;
	struct point *k = NULL;
	struct db_result *res = NULL;
	int r, own = !db_in_transaction(db);

	REQUIRE(db != NULL && id != NULL && key != NULL && detail != NULL &&
	    actor != NULL);
	if ((r = election_load(db, id, &e)) != 0)
		return r;
	if (e->state != ELECTION_ROLL_FROZEN) {
		r = ERR_WRONG_STATE;
		goto out;
	}
	if ((k = group_point_new()) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	/* a valid point, not the identity (refused without the flag) */
	if ((r = group_point_decode(k, key, GROUP_POINT_LEN, 0)) != 0 ||
	    (r = election_context_hash(e->manifest_bytes, e->manifest_len, key,
	    0, ctx)) != 0)
		goto out;
	if (own && (r = db_begin(db)) != 0)
		goto out;
	{
		struct db_param p[3] = {
			DB_TEXT(id), DB_BYTES(key, GROUP_POINT_LEN),
			DB_BYTES(ctx, sizeof(ctx))
		};

		if ((r = db_exec(db, "UPDATE elections SET state = 'keys_ready', "
		    "public_key = $2, context_hash = $3, test_single_key = false "
		    "WHERE election_id = $1 AND state = 'roll_frozen' RETURNING 1",
		    p, 3, &res)) != 0)
			goto rollback;
		if (db_result_rows(res) != 1) {
			r = ERR_WRONG_STATE;
			goto rollback;
		}
	}
	if ((r = audit_append(db, actor, "election.keys_ceremony", id, detail,
	    NULL)) != 0 || (own && (r = db_commit(db)) != 0))
		goto rollback;
	goto out;
 rollback:
	if (own)
		db_rollback(db);
 out:
	db_result_free(res);
	group_point_free(k);
	election_free(e);
	return r;
}

int
election_open(struct db *db, const char *id, const char *actor)
{
	return transition(db, id, ELECTION_KEYS_READY, ELECTION_OPEN,
	    "election.open", actor);
}

int
election_close(struct db *db, const char *id, const char *actor)
{
	return transition(db, id, ELECTION_OPEN, ELECTION_CLOSED,
	    "election.close", actor);
}

int
election_mark_tallied(struct db *db, const char *id, const char *actor)
{
	struct db_param p[3] = {
		DB_TEXT(id), DB_TEXT(state_names[ELECTION_CLOSED]),
		DB_TEXT(state_names[ELECTION_TALLIED])
	};
	struct db_result *res = NULL;
	int r;

	REQUIRE(db != NULL && id != NULL && actor != NULL);
	REQUIRE(db_in_transaction(db));
	if ((r = db_exec(db, "UPDATE elections SET state = $3 WHERE "
	    "election_id = $1 AND state = $2 RETURNING 1", p, 3, &res)) != 0)
		return r;
	r = db_result_rows(res) == 1 ? 0 : ERR_WRONG_STATE;
	db_result_free(res);
	if (r == 0)
		r = audit_append(db, actor, "election.tallied", id,
		    state_names[ELECTION_TALLIED], NULL);
	return r;
}
