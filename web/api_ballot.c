/*
 * api_ballot.c - the election, ballot and bulletin-board endpoints
 * (docs/PROTOCOL-http.md, docs/PROTOCOL-ballot.md).
 *
 *	GET  /api/v1/elections/{id}			manifest, key, context
 *	POST /api/v1/elections/{id}/ballots		cast: ballot + token
 *	GET  /api/v1/elections/{id}/board		paged ?after=N&limit=M
 *	GET  /api/v1/elections/{id}/board/{code}	one tracking code (hex)
 *	GET  /api/v1/receipt-key			the receipts' public key
 *
 * Casting runs ballot/cast.h's pipeline in full; this file only turns
 * JSON into its inputs and its receipt into JSON.
 */
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "ballot/ballot.h"
#include "ballot/box.h"
#include "ballot/cast.h"
#include "ballot/election.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/misuse.h"
#include "core/strparse.h"
#include "crypto/certcheck.h"
#include "crypto/ct.h"
#include "crypto/rsa.h"
#include "crypto/seal.h"
#include "crypto/sign.h"
#include "registry/auth.h"
#include "registry/trust.h"
#include "web/api_ballot.h"
#include "web/server.h"

/* Set once by api_ballot_init before the server starts; read-only after. */
static struct certcheck *ballot_cc;
static struct sign_key *ballot_key;
static char ballot_origin[AUTH_ORIGIN_MAX + 1];
static int ballot_ready;

/*
 * Elections with a key are cached: their manifest and key never change
 * (a trigger refuses it), and loading one builds the key's fixed-base
 * table, far too costly per request.  Each request reads the state
 * (the cast endpoint may skip that read, see OPEN_FRESH_US), and gets a
 * view: a copy of the cached struct with that state, sharing its
 * (read-only) manifest and key.  The box re-checks state and window under
 * its lock anyway.
 */
#define ELECTION_CACHE_MAX 64

static struct election *election_cache[ELECTION_CACHE_MAX];
static pthread_mutex_t election_cache_mu = PTHREAD_MUTEX_INITIALIZER;

/*
 * The cast endpoint may skip the state read while a read less than
 * OPEN_FRESH_US ago found the election open: its answer only orders the
 * refusals, since the box re-reads state and window under its lock
 * before appending (a ballot for an election closed in that second is
 * refused there, after its proofs).  A state other than open is never
 * taken from here, so an election that has just opened is never refused
 * from a stale read.
 */
#define OPEN_FRESH_US 1000000
static int64_t election_open_at[ELECTION_CACHE_MAX];	/* 0: unknown */
static int64_t election_noted_at[ELECTION_CACHE_MAX];	/* last read noted */

/* Monotonic microseconds, for the freshness above (the wall clock may
 * step backwards). */
static int64_t
mono_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}
static pthread_mutex_t election_load_mu = PTHREAD_MUTEX_INITIALIZER;


int
api_ballot_init(const char *origin)
{
	const char *file = getenv("IPPYO_RECEIPT_KEY_FILE");
	const char *pass = getenv("IPPYO_RECEIPT_KEY_PASSPHRASE");
	struct secret *pw = NULL, *seed = NULL;
	int r;

	if (origin == NULL || !auth_origin_ok(origin)) {
		log_error("server.no_origin", LOG_S("need",
		    "origin = https://host[:port]"));
		return ERR_INVALID_ARG;
	}
	memcpy(ballot_origin, origin, strlen(origin) + 1);
	if ((r = trust_from_env(CERTCHECK_AUTH, &ballot_cc)) != 0) {
		log_error("server.no_trust", LOG_S("need", "IPPYO_AUTH_CA"));
		return r;
	}
	if (file != NULL && *file != '\0') {
		if (pass == NULL || (r = secret_from(pass, strlen(pass), &pw)) != 0 ||
		    (r = seal_read_file(file, "receipt-key", pw, &seed)) != 0 ||
		    secret_len(seed) != SIGN_SEED_LEN ||
		    (r = sign_key_from_seed(secret_open(seed), &ballot_key)) != 0) {
			if (seed != NULL)
				secret_close(seed);
			secret_free(seed);
			secret_free(pw);
			log_error("server.receipt_key", LOG_E("error", r));
			return r != 0 ? r : ERR_FORMAT;
		}
		secret_close(seed);
		secret_free(seed);
		secret_free(pw);
	} else {
		/* No key configured: receipts signed by a key of this run,
		 * published at /api/v1/receipt-key.  Fine for tests and the
		 * demo; a deployment configures a sealed key file. */
		if ((r = sign_key_generate(&ballot_key)) != 0)
			return r;
		log_warn("server.ephemeral_receipt_key");
	}
	ballot_ready = 1;
	return 0;
}

/* ---- periodic checkpoints of every open box ---- */

static pthread_t ckpt_thread;
static int ckpt_running;
static int ckpt_stop;
static pthread_mutex_t ckpt_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ckpt_cv = PTHREAD_COND_INITIALIZER;
static char ckpt_dburl[1024];
static struct box_writer *ballot_writer;
static unsigned ckpt_every_s;

static struct election *cache_find(const char *id);
static struct election *cache_put(struct election *e);

/* Signs the head of every open election's box once. */
static void
checkpoint_all(struct db *db)
{
	struct db_result *q = NULL;
	int i, rows;

	if (db_exec(db, "SELECT election_id FROM elections WHERE state = "
	    "'open'", NULL, 0, &q) != 0)
		return;
	rows = db_result_rows(q);
	for (i = 0; i < rows; i++) {
		struct election *e, *loaded = NULL;
		const char *id;
		int64_t pos;

		if (db_get_text(q, i, 0, LIMIT_ID_LEN_MAX, &id) != 0)
			continue;
		if ((e = cache_find(id)) == NULL) {
			if (election_load(db, id, &loaded) != 0)
				continue;
			if ((e = cache_put(loaded)) != loaded)
				election_free(loaded);
			if (e == NULL)
				continue;
		}
		if (box_checkpoint(db, e, ballot_key, 0, &pos) == 0)
			log_info("box.checkpoint", LOG_S("election", id),
			    LOG_I("position", pos));
		else
			log_warn("box.checkpoint_failed", LOG_S("election", id));
	}
	db_result_free(q);
}

static void *
checkpointer(void *arg)
{
	struct db *db = NULL;

	(void)arg;
	pthread_mutex_lock(&ckpt_mu);
	while (!ckpt_stop) {
		struct timespec until;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += ckpt_every_s;
		while (!ckpt_stop && pthread_cond_timedwait(&ckpt_cv, &ckpt_mu,
		    &until) == 0)
			;
		if (ckpt_stop)
			break;
		pthread_mutex_unlock(&ckpt_mu);
		if (db == NULL && db_open(ckpt_dburl, NULL, &db) != 0)
			db = NULL;
		if (db != NULL)
			checkpoint_all(db);
		pthread_mutex_lock(&ckpt_mu);
	}
	pthread_mutex_unlock(&ckpt_mu);
	db_close(db);
	return NULL;
}

int
api_ballot_checkpoints_start(const char *database_url)
{
	const char *v = getenv("IPPYO_CHECKPOINT_S");
	uint64_t s = 300;

	if (!ballot_ready || database_url == NULL ||
	    strlen(database_url) >= sizeof(ckpt_dburl))
		return ERR_UNAVAILABLE;
	if (v != NULL && *v != '\0' && (strparse_u64(v, 86400, &s) != 0 ||
	    s == 0))
		return ERR_USAGE;
	memcpy(ckpt_dburl, database_url, strlen(database_url) + 1);
	ckpt_every_s = (unsigned)s;
	/* Group commit for the box (without it, each cast commits alone). */
	if (box_writer_new(database_url, &ballot_writer) != 0)
		ballot_writer = NULL;
	ckpt_stop = 0;
	if (pthread_create(&ckpt_thread, NULL, checkpointer, NULL) != 0)
		return ERR_NOMEM;
	ckpt_running = 1;
	return 0;
}

void
api_ballot_fini(void)
{
	int i;

	if (ckpt_running) {
		pthread_mutex_lock(&ckpt_mu);
		ckpt_stop = 1;
		pthread_cond_signal(&ckpt_cv);
		pthread_mutex_unlock(&ckpt_mu);
		pthread_join(ckpt_thread, NULL);
		ckpt_running = 0;
	}
	box_writer_free(ballot_writer);
	ballot_writer = NULL;

	for (i = 0; i < ELECTION_CACHE_MAX; i++) {
		election_free(election_cache[i]);
		election_cache[i] = NULL;
		election_open_at[i] = 0;
		election_noted_at[i] = 0;
	}
	certcheck_free(ballot_cc);
	sign_key_free(ballot_key);
	ballot_cc = NULL;
	ballot_key = NULL;
	ballot_ready = 0;
}

static struct election *
cache_find(const char *id)
{
	struct election *e = NULL;
	int i;

	pthread_mutex_lock(&election_cache_mu);
	for (i = 0; i < ELECTION_CACHE_MAX && election_cache[i] != NULL; i++)
		if (strcmp(election_cache[i]->manifest->id, id) == 0) {
			e = election_cache[i];
			break;
		}
	pthread_mutex_unlock(&election_cache_mu);
	return e;
}

/* Keeps e (with a key) in the cache; returns the cached one (e or an
 * earlier copy) or NULL when the cache is full (caller keeps e). */
static struct election *
cache_put(struct election *e)
{
	struct election *have = NULL;
	int i;

	pthread_mutex_lock(&election_cache_mu);
	for (i = 0; i < ELECTION_CACHE_MAX; i++) {
		if (election_cache[i] == NULL) {
			election_cache[i] = have = e;
			election_open_at[i] = 0;
			election_noted_at[i] = 0;
			break;
		}
		if (strcmp(election_cache[i]->manifest->id, e->manifest->id) == 0) {
			have = election_cache[i];
			break;
		}
	}
	pthread_mutex_unlock(&election_cache_mu);
	return have;
}

/* Whether cached election e was found open less than OPEN_FRESH_US ago. */
static int
cache_open_fresh(const struct election *e, int64_t now)
{
	int i, fresh = 0;

	pthread_mutex_lock(&election_cache_mu);
	for (i = 0; i < ELECTION_CACHE_MAX; i++)
		if (election_cache[i] == e) {
			fresh = election_open_at[i] != 0 &&
			    now >= election_open_at[i] &&
			    now - election_open_at[i] < OPEN_FRESH_US;
			break;
		}
	pthread_mutex_unlock(&election_cache_mu);
	return fresh;
}

/*
 * Notes a state read that started at now for cached election e: "open"
 * stamps it, anything else clears the stamp.  A read that started before
 * the last noted one changes nothing (a slow reader must not replace a
 * newer "closed" with its older "open").
 */
static void
cache_note_state(const struct election *e, enum election_state st,
    int64_t now)
{
	int i;

	pthread_mutex_lock(&election_cache_mu);
	for (i = 0; i < ELECTION_CACHE_MAX; i++)
		if (election_cache[i] == e) {
			if (now >= election_noted_at[i]) {
				election_noted_at[i] = now;
				election_open_at[i] = st == ELECTION_OPEN ?
				    now : 0;
			}
			break;
		}
	pthread_mutex_unlock(&election_cache_mu);
}

/* Whether the cache has a free slot (a load is worth single-flighting). */
static int
cache_has_room(void)
{
	int room;

	pthread_mutex_lock(&election_cache_mu);
	room = election_cache[ELECTION_CACHE_MAX - 1] == NULL;
	pthread_mutex_unlock(&election_cache_mu);
	return room;
}

/*
 * The election of the request's {id} as *view; *owned is set when the
 * caller must election_free it (not cached), else view points at a
 * request-local copy in *copy.  open_may_be_cached: see OPEN_FRESH_US.
 */
static int
load_election(struct http_request *req, struct db *db, struct election *copy,
    struct election **view, struct election **owned, int open_may_be_cached)
{
	int64_t now = mono_us();
	const char *id = http_request_param(req, "id");
	struct election *e;
	enum election_state st;
	int r;

	*view = *owned = NULL;
	if (id == NULL || strparse_ident(id, strlen(id), LIMIT_ID_LEN_MAX) != 0)
		return ERR_NOT_FOUND;
	if ((e = cache_find(id)) == NULL) {
		struct election *loaded = NULL, *c;

		/*
		 * Not cached.  An unknown id, an election without a key
		 * (nothing to cache) or a full cache: load it here, in
		 * parallel with other requests, as the caller's own.
		 */
		if ((r = election_load_state(db, id, &st)) != 0)
			return r;
		if (st < ELECTION_KEYS_READY || !cache_has_room()) {
			if ((r = election_load(db, id, &loaded)) != 0)
				return r;
			if (loaded->key != NULL &&
			    (c = cache_put(loaded)) != NULL) {
				if (c != loaded)
					election_free(loaded);
				e = c;
				goto cached;
			}
			*view = *owned = loaded;
			return 0;
		}
		/* One loader at a time, and the cache filled before the
		 * next looks: when the first ballots of a newly opened
		 * election arrive together, one thread builds the key's
		 * table (about 25 ms) and the others wait for it. */
		pthread_mutex_lock(&election_load_mu);
		if ((e = cache_find(id)) == NULL) {
			if ((r = election_load(db, id, &loaded)) != 0) {
				pthread_mutex_unlock(&election_load_mu);
				return r;
			}
			/* No key yet, or the cache full: not cached, the
			 * caller owns it. */
			if (loaded->key == NULL ||
			    (c = cache_put(loaded)) == NULL) {
				pthread_mutex_unlock(&election_load_mu);
				*view = *owned = loaded;
				return 0;
			}
			st = loaded->state;	/* just read */
			if (c != loaded)
				election_free(loaded);	/* the checkpointer put one */
			e = c;
			pthread_mutex_unlock(&election_load_mu);
			cache_note_state(e, st, now);
			*copy = *e;
			copy->state = st;
			*view = copy;
			return 0;
		}
		pthread_mutex_unlock(&election_load_mu);
	}
 cached:
	if (open_may_be_cached && cache_open_fresh(e, now))
		st = ELECTION_OPEN;
	else if ((r = election_load_state(db, id, &st)) != 0)
		return r;
	else
		cache_note_state(e, st, now);
	*copy = *e;
	copy->state = st;
	*view = copy;
	return 0;
}

/* Sets key of b to {"ja": ja, "en": en}.  0, ERR_FORMAT or ERR_NOMEM. */
static int
set_names(struct json_build *b, const char *key, const char *ja,
    const char *en)
{
	struct json_build *n = json_build_object();
	int r;

	if (n == NULL)
		return ERR_NOMEM;
	if ((r = json_build_set_string(n, "ja", ja)) != 0 ||
	    (r = json_build_set_string(n, "en", en)) != 0) {
		json_build_free(n);
		return r;
	}
	return json_build_set(b, key, n);	/* owns n either way */
}

/* One contest as JSON into *out (caller owns it). */
static int
contest_json(const struct manifest_contest *c, struct json_build **out)
{
	struct json_build *cj = json_build_object(), *os = json_build_array();
	uint32_t j;
	int r = ERR_NOMEM;

	*out = NULL;
	if (cj == NULL || os == NULL)
		goto out;
	for (j = 0; j < c->noptions; j++) {
		struct json_build *o = json_build_object();

		if (o == NULL) {
			r = ERR_NOMEM;
			goto out;
		}
		if ((r = json_build_set_string(o, "id", c->options[j].id)) != 0 ||
		    (r = set_names(o, "label", c->options[j].label_ja,
		    c->options[j].label_en)) != 0) {
			json_build_free(o);
			goto out;
		}
		if ((r = json_build_append(os, o)) != 0)	/* owns o */
			goto out;
	}
	if ((r = json_build_set_string(cj, "id", c->id)) != 0 ||
	    (r = set_names(cj, "title", c->title_ja, c->title_en)) != 0 ||
	    (r = json_build_set_int(cj, "min", c->min)) != 0 ||
	    (r = json_build_set_int(cj, "max", c->max)) != 0)
		goto out;
	r = json_build_set(cj, "options", os);		/* owns os */
	os = NULL;
	if (r != 0)
		goto out;
	*out = cj;
	cj = NULL;
 out:
	json_build_free(os);
	json_build_free(cj);
	return r;
}

static int
manifest_json(const struct election *e, struct json_build **out)
{
	const struct manifest *m = e->manifest;
	struct json_build *b = json_build_object(), *cs = json_build_array();
	char opens[CLOCK_TEXT_LEN], closes[CLOCK_TEXT_LEN];
	uint32_t i;
	int r = ERR_NOMEM;

	*out = NULL;
	if (b == NULL || cs == NULL)
		goto out;
	clock_format_us(m->opens_us, opens);
	clock_format_us(m->closes_us, closes);
	if ((r = json_build_set_string(b, "id", m->id)) != 0 ||
	    (r = set_names(b, "name", m->name_ja, m->name_en)) != 0 ||
	    (r = json_build_set_string(b, "state", election_state_str(e->state))) != 0 ||
	    (r = json_build_set_bool(b, "test_single_key", e->test_single_key)) != 0 ||
	    (r = json_build_set_string(b, "opens", opens)) != 0 ||
	    (r = json_build_set_string(b, "closes", closes)) != 0 ||
	    (r = json_build_set_base64(b, "manifest", e->manifest_bytes,
	    e->manifest_len)) != 0 ||
	    (ballot_ready && (r = json_build_set_string(b, "origin",
	    ballot_origin)) != 0))
		goto out;
	if (e->key != NULL &&
	    ((r = json_build_set_base64(b, "public_key", elgamal_key_encoded(e->key),
	    GROUP_POINT_LEN)) != 0 ||
	    (r = json_build_set_base64(b, "context_hash", e->context_hash,
	    HASH_LEN)) != 0))
		goto out;
	for (i = 0; i < m->ncontests; i++) {
		struct json_build *cj;

		if ((r = contest_json(&m->contests[i], &cj)) != 0 ||
		    (r = json_build_append(cs, cj)) != 0)	/* owns cj */
			goto out;
	}
	r = json_build_set(b, "contests", cs);
	cs = NULL;
	if (r != 0)
		goto out;
	*out = b;
	b = NULL;
 out:
	json_build_free(cs);
	json_build_free(b);
	return r;
}

int
api_election_get(struct http_request *req, struct http_response *res,
    void *app)
{
	struct server_app *a = app;
	struct election copy, *e = NULL, *owned = NULL;
	struct json_build *b = NULL;
	struct db *db = NULL;
	int r;

	if ((r = dbpool_get(a->pool, &db)) != 0)
		return r;
	if ((r = load_election(req, db, &copy, &e, &owned, 0)) == 0 &&
	    (r = manifest_json(e, &b)) == 0)
		r = server_reply(res, 200, b);
	dbpool_put(a->pool, db, r);
	json_build_free(b);
	election_free(owned);
	return r;
}

static const char *const cast_keys[] = { "ballot", "token", NULL };
static const char *const alias_keys[] = { "token", NULL };
static const char *const token_keys[] = {
	"format", "algorithm", "certificate", "nonce", "signature", NULL
};

/* A token's decoded bytes, and the struct auth_token pointing at them. */
struct token_in {
	struct auth_token t;
	uint8_t cert[LIMIT_CERT_DER_MAX];
	uint8_t nonce[LIMIT_NONCE_BYTES];
	uint8_t sig[RSA_SIG_MAX];
};

/* Reads member "token" of obj into *ti (strings point into doc). */
static int
token_from_json(struct http_request *req, struct json_doc *doc,
    const struct json_node *obj, struct token_in *ti)
{
	const struct json_node *tok;
	size_t certlen = 0, siglen = 0;
	int r;

	memset(&ti->t, 0, sizeof(ti->t));
	if ((r = json_get_object(doc, obj, "token", token_keys, &tok)) != 0 ||
	    (r = json_get_string(doc, tok, "format", 32, &ti->t.format,
	    NULL)) != 0 ||
	    (r = json_get_string(doc, tok, "algorithm", 16, &ti->t.algorithm,
	    NULL)) != 0 ||
	    (r = json_get_base64(doc, tok, "certificate", ti->cert,
	    sizeof(ti->cert), &certlen)) != 0 ||
	    (r = json_get_base64_exact(doc, tok, "nonce", ti->nonce,
	    sizeof(ti->nonce))) != 0 ||
	    (r = json_get_base64(doc, tok, "signature", ti->sig, sizeof(ti->sig),
	    &siglen)) != 0)
		return server_json_fail(req, doc, r);
	ti->t.cert = ti->cert;
	ti->t.cert_len = certlen;
	ti->t.nonce = ti->nonce;
	ti->t.nonce_len = sizeof(ti->nonce);
	ti->t.sig = ti->sig;
	ti->t.sig_len = siglen;
	return 0;
}

int
api_alias(struct http_request *req, struct http_response *res, void *app)
{
	struct server_app *a = app;
	struct election copy, *e = NULL, *owned = NULL;
	struct json_doc *doc = NULL;
	struct json_build *b = NULL;
	struct token_in *ti = NULL;
	struct cast_ctx ctx;
	struct db *db = NULL;
	char alias[BALLOT_ALIAS_LEN + 1];
	int r;

	if (!ballot_ready)
		return ERR_UNAVAILABLE;
	if ((r = server_body_json(req, &doc)) != 0)
		return r;
	if ((ti = malloc(sizeof(*ti))) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if ((r = json_expect_object(doc, json_root(doc), alias_keys)) != 0) {
		r = server_json_fail(req, doc, r);
		goto out;
	}
	if ((r = token_from_json(req, doc, json_root(doc), ti)) != 0 ||
	    (r = dbpool_get(a->pool, &db)) != 0 ||
	    (r = load_election(req, db, &copy, &e, &owned, 0)) != 0)
		goto out;
	ctx.db = db;
	ctx.cc = ballot_cc;
	ctx.origin = ballot_origin;
	ctx.receipt_key = ballot_key;
	ctx.writer = NULL;
	if ((r = cast_alias(&ctx, e, &ti->t, alias)) != 0)
		goto out;
	if ((b = json_build_object()) == NULL ||
	    (r = json_build_set_string(b, "alias", alias)) != 0) {
		r = r != 0 ? r : ERR_NOMEM;
		goto out;
	}
	r = server_reply(res, 200, b);
 out:
	if (db != NULL)
		dbpool_put(a->pool, db, r);
	json_build_free(b);
	election_free(owned);
	json_doc_free(doc);
	free(ti);
	return r;
}

int
api_ballot_cast(struct http_request *req, struct http_response *res,
    void *app)
{
	struct server_app *a = app;
	struct json_doc *doc = NULL;
	const struct json_node *root;
	struct election copy, *e = NULL, *owned = NULL;
	struct json_build *b = NULL;
	struct token_in *ti = NULL;
	struct receipt rc;
	struct cast_ctx ctx;
	struct db *db = NULL;
	uint8_t *ballot = NULL;
	size_t blen = 0;
	int r;

	if (!ballot_ready)
		return ERR_UNAVAILABLE;
	if ((r = server_body_json(req, &doc)) != 0)
		return r;
	if ((ballot = malloc(BALLOT_MAX)) == NULL ||
	    (ti = malloc(sizeof(*ti))) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	root = json_root(doc);
	if ((r = json_expect_object(doc, root, cast_keys)) != 0 ||
	    (r = json_get_base64(doc, root, "ballot", ballot, BALLOT_MAX,
	    &blen)) != 0) {
		r = server_json_fail(req, doc, r);
		goto out;
	}
	if ((r = token_from_json(req, doc, root, ti)) != 0)
		goto out;
	if ((r = dbpool_get(a->pool, &db)) != 0)
		goto out;
	if ((r = load_election(req, db, &copy, &e, &owned, 1)) != 0)
		goto out;
	ctx.db = db;
	ctx.cc = ballot_cc;
	ctx.origin = ballot_origin;
	ctx.receipt_key = ballot_key;
	ctx.writer = ballot_writer;
	if ((r = cast_ballot(&ctx, e, ballot, blen, &ti->t, &rc)) != 0)
		goto out;
	if ((b = json_build_object()) == NULL ||
	    (r = json_build_set_int(b, "position", rc.entry.position)) != 0 ||
	    (r = json_build_set_base64(b, "ballot_hash", rc.entry.ballot_hash,
	    BALLOT_HASH_LEN)) != 0 ||
	    (r = json_build_set_base64(b, "tracking_code",
	    rc.entry.tracking_code, 32)) != 0 ||
	    (r = json_build_set_string(b, "received_at",
	    rc.entry.received_at)) != 0 ||
	    (r = json_build_set_bool(b, "revote", rc.entry.superseded > 0)) != 0 ||
	    (r = json_build_set_base64(b, "public_key", rc.public_key,
	    SIGN_PUBLIC_LEN)) != 0 ||
	    (r = json_build_set_base64(b, "signature", rc.signature,
	    SIGN_SIG_LEN)) != 0) {
		r = r != 0 ? r : ERR_NOMEM;
		goto out;
	}
	r = server_reply(res, 201, b);
 out:
	if (db != NULL)
		dbpool_put(a->pool, db, r);
	json_build_free(b);
	election_free(owned);
	json_doc_free(doc);
	free(ballot);
	free(ti);
	return r;
}

/* One board row as JSON: what anyone may see (no identity). */
static int
board_row(struct db_result *q, int i, struct json_build *arr)
{
	struct json_build *o = json_build_object();
	uint8_t *h = NULL, *tc = NULL;
	size_t hl = 0, tl = 0;
	const char *alias, *at;
	int64_t pos;
	int sup, r;

	if (o == NULL)
		return ERR_NOMEM;
	if ((r = db_get_i64(q, i, 0, &pos)) != 0 ||
	    (r = db_get_text(q, i, 1, 32, &alias)) != 0 ||
	    (r = db_get_bytes(q, i, 2, 32, &h, &hl)) != 0 ||
	    (r = db_get_bytes(q, i, 3, 32, &tc, &tl)) != 0 ||
	    (r = db_get_text(q, i, 4, CLOCK_TEXT_LEN - 1, &at)) != 0 ||
	    (r = db_get_bool(q, i, 5, &sup)) != 0 ||
	    (r = json_build_set_int(o, "position", pos)) != 0 ||
	    (r = json_build_set_string(o, "alias", alias)) != 0 ||
	    (r = json_build_set_base64(o, "ballot_hash", h, hl)) != 0 ||
	    (r = json_build_set_base64(o, "tracking_code", tc, tl)) != 0 ||
	    (r = json_build_set_string(o, "received_at", at)) != 0 ||
	    (r = json_build_set_bool(o, "superseded", sup)) != 0) {
		json_build_free(o);
		goto out;
	}
	r = json_build_append(arr, o);
 out:
	free(h);
	free(tc);
	return r;
}

#define BOARD_SELECT "SELECT b.position, b.alias, b.ballot_hash, " \
    "b.tracking_code, b.received_at, s.position IS NOT NULL FROM ballots b " \
    "LEFT JOIN ballot_superseded s USING (election_id, position) "

/*
 * Answers {"election": id, "entries": [...]} with the board rows the
 * query selects (its WHERE clause and parameters); with one set, exactly
 * one row must match (else ERR_NOT_FOUND).
 */
static int
board_answer(struct server_app *a, struct http_response *res,
    const char *id, const char *where, const struct db_param *p, int n,
    int one)
{
	struct json_build *b = NULL, *arr = NULL;
	struct db_result *q = NULL;
	struct db *db = NULL;
	char sql[512];
	int i, rows, r;

	snprintf(sql, sizeof(sql), "%s%s", BOARD_SELECT, where);
	if ((r = dbpool_get(a->pool, &db)) != 0)
		return r;
	if ((r = db_exec(db, sql, p, n, &q)) != 0)
		goto out;
	rows = db_result_rows(q);
	if (one && rows != 1) {
		r = ERR_NOT_FOUND;
		goto out;
	}
	if ((b = json_build_object()) == NULL ||
	    (arr = json_build_array()) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < rows; i++)
		if ((r = board_row(q, i, arr)) != 0)
			goto out;
	/* json_build_set owns arr from here, whatever it returns. */
	r = json_build_set(b, "entries", arr);
	arr = NULL;
	if (r != 0 || (r = json_build_set_string(b, "election", id)) != 0)
		goto out;
	r = server_reply(res, 200, b);
 out:
	dbpool_put(a->pool, db, r);
	db_result_free(q);
	json_build_free(arr);
	json_build_free(b);
	return r;
}

int
api_board(struct http_request *req, struct http_response *res, void *app)
{
	const char *id = http_request_param(req, "id"), *v;
	uint64_t after = 0, limit = 100;
	int r;

	if (id == NULL || strparse_ident(id, strlen(id), LIMIT_ID_LEN_MAX) != 0)
		return ERR_NOT_FOUND;
	if (((r = http_request_query(req, "after", 20, &v)) == 0 &&
	    strparse_u64(v, INT64_MAX, &after) != 0) ||
	    (r != 0 && r != ERR_NOT_FOUND))
		return ERR_FORMAT;
	if (((r = http_request_query(req, "limit", 5, &v)) == 0 &&
	    (strparse_u64(v, LIMIT_BOARD_PAGE_MAX, &limit) != 0 || limit == 0)) ||
	    (r != 0 && r != ERR_NOT_FOUND))
		return ERR_FORMAT;
	{
		struct db_param p[3] = { DB_TEXT(id), DB_I64(after), DB_I64(limit) };

		return board_answer(app, res, id, "WHERE b.election_id = $1 AND "
		    "b.position > $2 ORDER BY b.position LIMIT $3", p, 3, 0);
	}
}

int
api_board_code(struct http_request *req, struct http_response *res,
    void *app)
{
	const char *id = http_request_param(req, "id");
	const char *code = http_request_param(req, "code");
	uint8_t tc[32];

	if (id == NULL || code == NULL ||
	    strparse_ident(id, strlen(id), LIMIT_ID_LEN_MAX) != 0)
		return ERR_NOT_FOUND;
	if (ct_hex_decode(code, strlen(code), tc, sizeof(tc)) != 0)
		return ERR_FORMAT;
	{
		struct db_param p[2] = { DB_TEXT(id), DB_BYTES(tc, sizeof(tc)) };

		return board_answer(app, res, id, "WHERE b.election_id = $1 AND "
		    "b.tracking_code = $2", p, 2, 1);
	}
}

int
api_receipt_key(struct http_request *req, struct http_response *res,
    void *app)
{
	uint8_t pk[SIGN_PUBLIC_LEN];
	struct json_build *b = json_build_object();
	int r;

	(void)req;
	(void)app;
	if (!ballot_ready) {
		json_build_free(b);
		return ERR_UNAVAILABLE;
	}
	if (b == NULL)
		return ERR_NOMEM;
	sign_key_public(ballot_key, pk);
	if ((r = json_build_set_base64(b, "public_key", pk, sizeof(pk))) == 0)
		r = server_reply(res, 200, b);
	json_build_free(b);
	return r;
}
