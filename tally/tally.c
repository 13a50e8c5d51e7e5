/*
 * tally.c - counting: the frozen box, the counted set, per-option sums in
 * parallel, decryption shares, decoding and the published result.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "audit/log.h"
#include "ballot/ballot.h"
#include "ballot/box.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/misuse.h"
#include "crypto/bsgs.h"
#include "crypto/ct.h"
#include "crypto/digest.h"
#include "crypto/elgamal.h"
#include "crypto/proof.h"
#include "tally/ceremony_keys.h"
#include "tally/tally.h"

#define PAGE_ROWS	1024
#define QUEUE_DEPTH	4
#define THREADS_MAX	16

static int
station_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 64)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    (i > 0 && (c == '_' || c == '-'))))
			return 0;
	}
	return 1;
}

/* The one integer (count, max) a query about election id returns. */
static int
scalar_query(struct db *db, const char *sql, const char *id, int64_t *v)
{
	struct db_param p = DB_TEXT(id);
	struct db_result *res = NULL;
	int r;

	*v = 0;
	if ((r = db_exec(db, sql, &p, 1, &res)) != 0)
		return r;
	if (db_result_rows(res) == 1 && !db_is_null(res, 0, 0))
		r = db_get_i64(res, 0, 0, v);
	db_result_free(res);
	return r;
}

static int
station_step(struct db *db, const char *election, const char *station,
    const char *actor, int closing)
{
	char at[CLOCK_TEXT_LEN], obj[160];
	struct db_param p[3];
	enum election_state st;
	int64_t started = 0;
	int r;

	REQUIRE(db != NULL && election != NULL && station != NULL &&
	    actor != NULL);
	if (!station_ok(station))
		return ERR_FORMAT;
	if ((r = election_load_state(db, election, &st)) != 0)
		return r;
	if (st == ELECTION_TALLIED)
		return ERR_WRONG_STATE;
	clock_format_us(clock_now_us(), at);
	p[0] = (struct db_param)DB_TEXT(election);
	p[1] = (struct db_param)DB_TEXT(station);
	p[2] = (struct db_param)DB_TEXT(at);
	snprintf(obj, sizeof(obj), "%s/%s", election, station);
	if ((r = db_begin(db)) != 0)
		return r;
	/* Under the box lock: once the tally has started the set of stations
	 * it checked is final. */
	if ((r = box_lock(db, election)) != 0 || (r = scalar_query(db,
	    "SELECT count(*) FROM tally_runs WHERE election_id = $1", election,
	    &started)) != 0) {
		db_rollback(db);
		return r;
	}
	if (started != 0) {
		db_rollback(db);
		return ERR_WRONG_STATE;
	}
	r = db_exec(db, closing ? "INSERT INTO station_closures (election_id, "
	    "station, closed_at) VALUES ($1, $2, $3)" : "INSERT INTO stations "
	    "(election_id, station, registered_at) VALUES ($1, $2, $3)", p, 3,
	    NULL);
	if (r == ERR_DB_CONSTRAINT)
		r = strcmp(db_last_sqlstate(db), "23505") == 0 ? ERR_EXISTS :
		    ERR_NOT_FOUND;
	if (r == 0)
		r = audit_append(db, actor, closing ? "station.closed" :
		    "station.register", obj, at, NULL);
	if (r == 0)
		r = db_commit(db);
	if (r != 0)
		db_rollback(db);
	return r;
}

int
tally_station_add(struct db *db, const char *election, const char *station,
    const char *actor)
{
	return station_step(db, election, station, actor, 0);
}

int
tally_station_close(struct db *db, const char *election, const char *station,
    const char *actor)
{
	return station_step(db, election, station, actor, 1);
}

/* ---- the aggregation pass ---------------------------------------------- */

struct page {
	struct db_result *res;
	int rows;
	struct page *next;
};

struct pass {
	const struct election *e;
	size_t nagg;
	const size_t *first;
	pthread_mutex_t mu;
	pthread_cond_t cv_work, cv_room;
	struct page *head, *tail;
	int queued, done;
	int err;			/* first error */
	int64_t bad_position;
};

struct worker {
	struct pass *ps;
	struct elgamal_acc **acc;	/* nagg */
	pthread_t th;
};

static void
pass_fail(struct pass *ps, int err, int64_t pos)
{
	pthread_mutex_lock(&ps->mu);
	if (ps->err == 0) {
		ps->err = err;
		ps->bad_position = pos;
	}
	pthread_mutex_unlock(&ps->mu);
}

/* Columns: 0 position, 1 ballot, 2 ballot_hash, 3 counted (0/1). */
static int
page_work(struct worker *w, struct page *pg)
{
	const struct election *e = w->ps->e;
	int i;

	for (i = 0; i < pg->rows; i++) {
		const uint8_t *bal, *bh;
		size_t bl, bhl;
		uint8_t h[BALLOT_HASH_LEN];
		struct ballot bd;
		int64_t pos = 0, counted = 0;
		uint32_t c, o;
		int r;

		if ((r = db_get_i64(pg->res, i, 0, &pos)) != 0 ||
		    (r = db_get_raw(pg->res, i, 1, BALLOT_MAX, &bal, &bl)) != 0 ||
		    (r = db_get_raw(pg->res, i, 2, 32, &bh, &bhl)) != 0 ||
		    (r = db_get_i64(pg->res, i, 3, &counted)) != 0 || bhl != 32) {
			pass_fail(w->ps, r != 0 ? r : ERR_FORMAT, pos);
			return -1;
		}
		/* Every ballot, counted or not, must be the one its hash and
		 * so the chain names. */
		if ((r = ballot_decode(e, bal, bl, &bd)) != 0) {
			pass_fail(w->ps, r, pos);
			return -1;
		}
		ballot_hash(bal, bl, h);
		if (!ct_eq(h, bh, 32)) {
			pass_fail(w->ps, ERR_VERIFY, pos);
			return -1;
		}
		if (!counted)
			continue;
		for (c = 0; c < e->manifest->ncontests; c++) {
			uint32_t n = e->manifest->contests[c].noptions;

			for (o = 0; o < n; o++) {
				if ((r = elgamal_acc_add_encoded(
				    w->acc[w->ps->first[c] + o],
				    bd.contest[c] + (size_t)o * ELGAMAL_CT_LEN)) != 0) {
					pass_fail(w->ps, r, pos);
					return -1;
				}
			}
		}
	}
	return 0;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct pass *ps = w->ps;

	for (;;) {
		struct page *pg;
		int failed;

		pthread_mutex_lock(&ps->mu);
		while (ps->head == NULL && !ps->done)
			pthread_cond_wait(&ps->cv_work, &ps->mu);
		if ((pg = ps->head) == NULL) {
			pthread_mutex_unlock(&ps->mu);
			return NULL;
		}
		ps->head = pg->next;
		if (ps->head == NULL)
			ps->tail = NULL;
		ps->queued--;
		failed = ps->err != 0;
		pthread_cond_signal(&ps->cv_room);
		pthread_mutex_unlock(&ps->mu);
		if (!failed)
			(void)page_work(w, pg);
		db_result_free(pg->res);
		free(pg);
	}
}

static int
pass_push(struct pass *ps, struct db_result *res, int rows)
{
	struct page *pg;

	if ((pg = calloc(1, sizeof(*pg))) == NULL)
		return ERR_NOMEM;
	pg->res = res;
	pg->rows = rows;
	pthread_mutex_lock(&ps->mu);
	while (ps->queued >= QUEUE_DEPTH)
		pthread_cond_wait(&ps->cv_room, &ps->mu);
	if (ps->tail != NULL)
		ps->tail->next = pg;
	else
		ps->head = pg;
	ps->tail = pg;
	ps->queued++;
	pthread_cond_signal(&ps->cv_work);
	pthread_mutex_unlock(&ps->mu);
	return 0;
}

/*
 * Reads the whole box in order inside the caller's transaction: checks
 * positions, the tracking-code chain and (in the workers) every ballot's
 * hash and encoding; sums the counted ballots' ciphertexts per option.
 * out[nagg] receives the encoded sums (identity as zero bytes).
 */
static int
aggregate(struct db *db, const struct election *e, const size_t *first,
    size_t nagg, const struct tally_opts *o, int64_t total,
    uint8_t *out, int64_t *last_out, uint8_t last_code[32], int64_t *bad)
{
	static const char sql[] = "SELECT b.position, b.ballot, b.ballot_hash, "
	    "CASE WHEN s.position IS NULL THEN 1::int8 ELSE 0::int8 END, "
	    "b.tracking_code, b.received_at, b.prev_tracking FROM ballots b "
	    "LEFT JOIN ballot_superseded s ON s.election_id = b.election_id AND "
	    "s.position = b.position WHERE b.election_id = $1 AND b.position > $2 "
	    "ORDER BY b.position LIMIT 1024";
	struct pass ps;
	struct worker w[THREADS_MAX];
	unsigned nt = o->threads, t, started = 0;
	uint8_t prev[32];
	int64_t last = 0;
	size_t i;
	int r = 0, failed;

	if (nt < 1)
		nt = 1;
	if (nt > THREADS_MAX)
		nt = THREADS_MAX;
	memset(&ps, 0, sizeof(ps));
	memset(w, 0, sizeof(w));
	ps.e = e;
	ps.nagg = nagg;
	ps.first = first;
	pthread_mutex_init(&ps.mu, NULL);
	pthread_cond_init(&ps.cv_work, NULL);
	pthread_cond_init(&ps.cv_room, NULL);
	box_seed(e->context_hash, prev);
	for (t = 0; t < nt; t++) {
		w[t].ps = &ps;
		if ((w[t].acc = calloc(nagg, sizeof(*w[t].acc))) == NULL) {
			r = ERR_NOMEM;
			goto stop;
		}
		for (i = 0; i < nagg; i++)
			if ((r = elgamal_acc_new(&w[t].acc[i])) != 0)
				goto stop;
		if (pthread_create(&w[t].th, NULL, worker_main, &w[t]) != 0) {
			r = ERR_INTERNAL;
			goto stop;
		}
		started++;
	}
	for (;;) {
		struct db_param p[2] = { DB_TEXT(e->manifest->id), DB_I64(last) };
		struct db_result *res = NULL;
		int rows, k;

		if ((r = db_exec_binary(db, sql, p, 2, &res)) != 0)
			goto stop;
		if ((rows = db_result_rows(res)) == 0) {
			db_result_free(res);
			break;
		}
		/* The chain, here in order; the workers check the hashes. */
		for (k = 0; k < rows; k++) {
			const uint8_t *bh, *tc, *pt;
			const char *at;
			size_t bhl, tcl, ptl;
			uint8_t code[32];
			int64_t pos = 0;

			if (db_get_i64(res, k, 0, &pos) != 0 || pos != last + 1 ||
			    db_get_raw(res, k, 2, 32, &bh, &bhl) != 0 || bhl != 32 ||
			    db_get_raw(res, k, 4, 32, &tc, &tcl) != 0 || tcl != 32 ||
			    db_get_raw(res, k, 6, 32, &pt, &ptl) != 0 || ptl != 32 ||
			    db_get_text(res, k, 5, CLOCK_TEXT_LEN - 1, &at) != 0) {
				*bad = last + 1;
				r = ERR_VERIFY;
				db_result_free(res);
				goto stop;
			}
			box_tracking_code(e->context_hash, prev, pos, bh, at, code);
			if (!ct_eq(pt, prev, 32) || !ct_eq(code, tc, 32)) {
				*bad = pos;
				r = ERR_VERIFY;
				db_result_free(res);
				goto stop;
			}
			memcpy(prev, code, 32);
			last = pos;
		}
		if ((r = pass_push(&ps, res, rows)) != 0) {
			db_result_free(res);
			goto stop;
		}
		if (o->progress != NULL)
			o->progress(o->progress_arg, (uint64_t)last,
			    (uint64_t)total);
		pthread_mutex_lock(&ps.mu);
		failed = ps.err != 0;
		pthread_mutex_unlock(&ps.mu);
		if (failed)
			break;
	}
 stop:
	pthread_mutex_lock(&ps.mu);
	ps.done = 1;
	pthread_cond_broadcast(&ps.cv_work);
	pthread_mutex_unlock(&ps.mu);
	for (t = 0; t < started; t++)
		pthread_join(w[t].th, NULL);
	if (r == 0 && ps.err != 0) {
		r = ps.err;
		*bad = ps.bad_position;
	}
	if (r == 0 && last != total) {
		*bad = last + 1;
		r = ERR_VERIFY;
	}
	/* Merge the workers' sums. */
	if (r == 0) {
		struct elgamal_ciphertext *sum = elgamal_ciphertext_new();
		struct elgamal_ciphertext *part = elgamal_ciphertext_new();

		if (sum == NULL || part == NULL)
			r = ERR_NOMEM;
		for (i = 0; r == 0 && i < nagg; i++) {
			if ((r = elgamal_ciphertext_zero(sum)) != 0)
				break;
			for (t = 0; r == 0 && t < nt; t++)
				if ((r = elgamal_acc_get(w[t].acc[i], part)) == 0)
					r = elgamal_add(sum, sum, part);
			if (r == 0)
				r = elgamal_encode(sum, out + i * ELGAMAL_CT_LEN,
				    GROUP_ALLOW_INFINITY);
		}
		elgamal_ciphertext_free(sum);
		elgamal_ciphertext_free(part);
	}
	for (t = 0; t < nt; t++) {
		if (w[t].acc != NULL)
			for (i = 0; i < nagg; i++)
				elgamal_acc_free(w[t].acc[i]);
		free(w[t].acc);
	}
	while (ps.head != NULL) {
		struct page *pg = ps.head;

		ps.head = pg->next;
		db_result_free(pg->res);
		free(pg);
	}
	pthread_mutex_destroy(&ps.mu);
	pthread_cond_destroy(&ps.cv_work);
	pthread_cond_destroy(&ps.cv_room);
	*last_out = last;
	memcpy(last_code, prev, 32);
	return r;
}

static size_t
option_layout(const struct manifest *m, size_t first[LIMIT_CONTESTS_MAX])
{
	size_t n = 0;
	uint32_t c;

	for (c = 0; c < m->ncontests; c++) {
		first[c] = n;
		n += m->contests[c].noptions;
	}
	return n;
}

int
tally_start(struct db *db, const char *id, const struct tally_opts *o,
    struct tally_summary *out)
{
	struct election *e = NULL;
	struct db_result *res = NULL;
	size_t first[LIMIT_CONTESTS_MAX], nagg;
	uint8_t *agg = NULL, *counted = NULL, code[32], cpk[SIGN_PUBLIC_LEN];
	int64_t total = 0, ncounted = 0, last = 0, bad = 0, fpos = 0, v;
	char at[CLOCK_TEXT_LEN], detail[256];
	enum election_state st;
	int r, i, rows;

	REQUIRE(db != NULL && id != NULL && o != NULL && out != NULL);
	REQUIRE(o->committee != NULL && o->actor != NULL);
	memset(out, 0, sizeof(*out));
	if ((r = election_load(db, id, &e)) != 0)
		return r;
	if (e->state != ELECTION_CLOSED) {
		out->refusal = e->state == ELECTION_TALLIED ? TALLY_STARTED :
		    TALLY_NOT_CLOSED;
		r = e->state == ELECTION_TALLIED ? ERR_EXISTS : ERR_WRONG_STATE;
		goto done;
	}
	if (clock_now_us() < e->manifest->closes_us) {
		out->refusal = TALLY_BEFORE_CLOSE;
		r = ERR_WRONG_STATE;
		goto done;
	}
	nagg = option_layout(e->manifest, first);
	if ((agg = calloc(nagg, ELGAMAL_CT_LEN)) == NULL) {
		r = ERR_NOMEM;
		goto done;
	}
	if ((r = db_begin(db)) != 0)
		goto done;
	/* The box lock: no append, admission or state change meanwhile. */
	if ((r = box_lock(db, id)) != 0 ||
	    (r = election_load_state(db, id, &st)) != 0)
		goto fail;
	if (st != ELECTION_CLOSED) {
		out->refusal = TALLY_NOT_CLOSED;
		r = ERR_WRONG_STATE;
		goto fail;
	}
	if ((r = scalar_query(db, "SELECT count(*) FROM tally_runs WHERE "
	    "election_id = $1", id, &v)) != 0)
		goto fail;
	if (v != 0) {
		out->refusal = TALLY_STARTED;
		r = ERR_EXISTS;
		goto fail;
	}
	/* Every station registered or named by an admission has closed. */
	{
		struct db_param p = DB_TEXT(id);
		const char *s;

		if ((r = db_exec(db, "SELECT x.station FROM (SELECT station FROM "
		    "stations WHERE election_id = $1 UNION SELECT station FROM "
		    "admissions WHERE election_id = $1) x WHERE NOT EXISTS (SELECT "
		    "1 FROM station_closures c WHERE c.election_id = $1 AND "
		    "c.station = x.station) ORDER BY 1 LIMIT 1", &p, 1, &res)) != 0)
			goto fail;
		if (db_result_rows(res) > 0) {
			if (db_get_text(res, 0, 0, LIMIT_ID_LEN_MAX, &s) == 0)
				snprintf(out->station, sizeof(out->station), "%s", s);
			out->refusal = TALLY_STATIONS_OPEN;
			r = ERR_WRONG_STATE;
			goto fail;
		}
		db_result_free(res);
		res = NULL;
	}
	/* Cancel the online ballots of voters admitted in person. */
	if ((r = scalar_query(db, "WITH ins AS (INSERT INTO ballot_superseded "
	    "(election_id, position, by_position, reason) SELECT b.election_id, "
	    "b.position, NULL, 'admitted_in_person' FROM ballots b JOIN "
	    "admissions a ON a.election_id = b.election_id AND a.resident_id = "
	    "b.voter_resident_id WHERE b.election_id = $1 AND NOT EXISTS (SELECT "
	    "1 FROM ballot_superseded s WHERE s.election_id = b.election_id AND "
	    "s.position = b.position) RETURNING 1) SELECT count(*) FROM ins", id,
	    &out->cancelled)) != 0)
		goto fail;
	/* What is left uncancelled must be each voter's last ballot: an
	 * earlier one not superseded means the box is inconsistent. */
	if ((r = scalar_query(db, "SELECT count(*) FROM ballots b WHERE "
	    "b.election_id = $1 AND NOT EXISTS (SELECT 1 FROM ballot_superseded "
	    "s WHERE s.election_id = b.election_id AND s.position = b.position) "
	    "AND EXISTS (SELECT 1 FROM ballots l WHERE l.election_id = "
	    "b.election_id AND l.alias = b.alias AND l.position > b.position)",
	    id, &v)) != 0)
		goto fail;
	if (v != 0) {
		log_error("tally.box_inconsistent", LOG_S("election", id),
		    LOG_I("uncounted_earlier", v));
		r = ERR_VERIFY;
		goto fail;
	}
	/* And each cancellation must be one the rules make: a re-vote names
	 * the same voter's next ballot, an in-person cancellation a voter
	 * with an admission.  A stray row would silently drop a vote. */
	/* (Per cancellation, through the index on the voter: the cost
	 * follows the re-votes, not the size of the box.) */
	if ((r = scalar_query(db, "SELECT count(*) FROM ballot_superseded s "
	    "JOIN ballots b ON b.election_id = s.election_id AND b.position = "
	    "s.position WHERE s.election_id = $1 AND NOT coalesce((s.reason = "
	    "'revote' AND s.by_position = (SELECT min(l.position) FROM ballots "
	    "l WHERE l.election_id = b.election_id AND l.voter_resident_id = "
	    "b.voter_resident_id AND l.alias = b.alias AND l.position > "
	    "b.position)) OR (s.reason = 'admitted_in_person' AND s.by_position "
	    "IS NULL AND EXISTS (SELECT 1 FROM admissions a WHERE a.election_id "
	    "= s.election_id AND a.resident_id = b.voter_resident_id)), false)",
	    id, &v)) != 0)
		goto fail;
	if (v != 0) {
		log_error("tally.box_inconsistent", LOG_S("election", id),
		    LOG_I("stray_cancellations", v));
		r = ERR_VERIFY;
		goto fail;
	}
	/* Periodic checkpoints must all be the server's key's. */
	{
		struct db_param p[2] = { DB_TEXT(id), DB_BYTES(o->box_key, 32) };

		if ((r = db_exec(db, "SELECT count(*) FROM box_checkpoints WHERE "
		    "election_id = $1 AND (final OR public_key <> $2)", p, 2,
		    &res)) != 0 || (r = db_get_i64(res, 0, 0, &v)) != 0)
			goto fail;
		db_result_free(res);
		res = NULL;
		if (v != 0) {
			log_error("tally.checkpoint_key", LOG_S("election", id),
			    LOG_I("foreign", v));
			r = ERR_MISMATCH;
			goto fail;
		}
		/* ... each signed, and on the chain. */
		if ((r = box_checkpoints_verify(db, e, o->box_key, &v,
		    &bad)) != 0) {
			log_error("tally.checkpoint_invalid", LOG_S("election",
			    id), LOG_I("position", bad), LOG_E("error", r));
			goto fail;
		}
	}
	if ((r = scalar_query(db, "SELECT max(position) FROM ballots WHERE "
	    "election_id = $1", id, &total)) != 0)
		goto fail;
	if ((r = aggregate(db, e, first, nagg, o, total, agg, &last, code,
	    &bad)) != 0) {
		log_error("tally.box_broken", LOG_S("election", id),
		    LOG_I("position", bad), LOG_E("error", r));
		goto fail;
	}
	/* The counted set, and the final checkpoint of the whole box. */
	{
		struct db_param p = DB_TEXT(id);

		if ((r = db_exec_binary(db, "SELECT b.position FROM ballots b "
		    "WHERE b.election_id = $1 AND NOT EXISTS (SELECT 1 FROM "
		    "ballot_superseded s WHERE s.election_id = b.election_id AND "
		    "s.position = b.position) ORDER BY 1", &p, 1, &res)) != 0)
			goto fail;
		rows = db_result_rows(res);
		if ((counted = malloc(rows ? (size_t)rows * 8 : 1)) == NULL) {
			r = ERR_NOMEM;
			goto fail;
		}
		for (i = 0; i < rows; i++) {
			int64_t pos;
			int b;

			if ((r = db_get_i64(res, i, 0, &pos)) != 0)
				goto fail;
			for (b = 0; b < 8; b++)
				counted[(size_t)i * 8 + b] =
				    (uint8_t)((uint64_t)pos >> (56 - 8 * b));
		}
		ncounted = rows;
		db_result_free(res);
		res = NULL;
	}
	if ((r = box_checkpoint(db, e, o->committee, 1, &fpos)) != 0)
		goto fail;
	if (fpos != last) {
		r = ERR_INTERNAL;
		goto fail;
	}
	sign_key_public(o->committee, cpk);
	clock_format_us(clock_now_us(), at);
	{
		struct db_param p[9] = {
			DB_TEXT(id), DB_TEXT(at), DB_I64(last), DB_BYTES(code, 32),
			DB_I64(ncounted), DB_BYTES(counted, (size_t)ncounted * 8),
			DB_BYTES(agg, nagg * ELGAMAL_CT_LEN),
			DB_BYTES(o->box_key, 32), DB_BYTES(cpk, 32)
		};

		if ((r = db_exec(db, "INSERT INTO tally_runs (election_id, "
		    "started_at, final_position, final_tracking, ballots_counted, "
		    "counted, aggregates, box_key, committee_key) VALUES ($1, $2, "
		    "$3, $4, $5, $6, $7, $8, $9)", p, 9, NULL)) != 0)
			goto fail;
	}
	snprintf(detail, sizeof(detail), "box frozen at position %lld; %lld "
	    "counted; %lld cancelled (admitted in person)", (long long)last,
	    (long long)ncounted, (long long)out->cancelled);
	if ((r = audit_append(db, o->actor, "tally.start", id, detail,
	    NULL)) != 0 || (r = db_commit(db)) != 0)
		goto fail;
	out->ballots_cast = last;
	out->ballots_counted = ncounted;
	log_info("tally.started", LOG_S("election", id), LOG_I("cast", last),
	    LOG_I("counted", ncounted));
	goto done;
 fail:
	db_rollback(db);
 done:
	db_result_free(res);
	free(agg);
	free(counted);
	election_free(e);
	return r;
}

/* ---- the stored tally --------------------------------------------------- */

int
tally_trustees_load(struct db *db, const struct election *e,
    struct tally_trustees *out)
{
	REQUIRE(db != NULL && e != NULL && out != NULL);
	memset(out, 0, sizeof(*out));
	if (e->key == NULL)
		return ERR_NOT_FOUND;
	if (e->test_single_key) {
		out->test_single_key = 1;
		out->params.n = 1;
		out->params.k = 1;
		out->nqual = 1;
		out->qual[0] = 1;
		memcpy(out->P[0], elgamal_key_encoded(e->key), GROUP_POINT_LEN);
		return 0;
	}
	return ceremony_trustee_keys(db, e, &out->params, out->qual,
	    &out->nqual, out->P);
}

void
tally_state_free(struct tally_state *t)
{
	if (t == NULL)
		return;
	election_free(t->e);
	free(t->aggregates);
	free(t->counted);
	free(t);
}

int
tally_load(struct db *db, const char *id, struct tally_state **out)
{
	struct tally_state *t;
	struct db_param p = DB_TEXT(id);
	struct db_result *res = NULL;
	uint8_t *ft = NULL, *bk = NULL, *ck = NULL;
	size_t ftl = 0, bkl = 0, ckl = 0, agl = 0, cl = 0;
	const char *at;
	int r;

	REQUIRE(db != NULL && id != NULL && out != NULL);
	*out = NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return ERR_NOMEM;
	if ((r = election_load(db, id, &t->e)) != 0)
		goto out;
	t->nagg = option_layout(t->e->manifest, t->first);
	/* Binary: the counted set is 8 bytes per counted ballot, up to the
	 * LIMIT_DB_VALUE_MAX tally_start could store (hex text would halve
	 * what can be read back). */
	if ((r = db_exec_binary(db, "SELECT started_at, final_position, "
	    "final_tracking, ballots_counted, counted, aggregates, box_key, "
	    "committee_key FROM tally_runs WHERE election_id = $1", &p, 1,
	    &res)) != 0)
		goto out;
	if (db_result_rows(res) != 1) {
		r = ERR_NOT_FOUND;
		goto out;
	}
	if ((r = db_get_text(res, 0, 0, sizeof(t->started_at) - 1, &at)) != 0 ||
	    (r = db_get_i64(res, 0, 1, &t->final_position)) != 0 ||
	    (r = db_get_bytes(res, 0, 2, 32, &ft, &ftl)) != 0 ||
	    (r = db_get_i64(res, 0, 3, &t->ballots_counted)) != 0 ||
	    (r = db_get_bytes(res, 0, 4, LIMIT_DB_VALUE_MAX, &t->counted,
	    &cl)) != 0 ||
	    (r = db_get_bytes(res, 0, 5, LIMIT_DB_VALUE_MAX, &t->aggregates,
	    &agl)) != 0 ||
	    (r = db_get_bytes(res, 0, 6, 32, &bk, &bkl)) != 0 ||
	    (r = db_get_bytes(res, 0, 7, 32, &ck, &ckl)) != 0)
		goto out;
	if (ftl != 32 || bkl != 32 || ckl != 32 || agl != t->nagg *
	    ELGAMAL_CT_LEN || cl % 8 != 0 || t->ballots_counted < 0 ||
	    (uint64_t)t->ballots_counted != cl / 8) {
		r = ERR_FORMAT;
		goto out;
	}
	snprintf(t->started_at, sizeof(t->started_at), "%s", at);
	t->ncounted = cl / 8;
	memcpy(t->final_tracking, ft, 32);
	memcpy(t->box_key, bk, 32);
	memcpy(t->committee_key, ck, 32);
	if ((r = tally_trustees_load(db, t->e, &t->trustees)) != 0)
		goto out;
	*out = t;
	t = NULL;
 out:
	db_result_free(res);
	free(ft);
	free(bk);
	free(ck);
	tally_state_free(t);
	return r;
}

/* ---- decryption shares -------------------------------------------------- */

static int
trustee_slot(const struct tally_trustees *tr, uint32_t j)
{
	uint32_t q;

	for (q = 0; q < tr->nqual; q++)
		if (tr->qual[q] == j)
			return 1;
	return 0;
}

/*
 * 1 when aggregate i's alpha is the identity (no ballot counted, or
 * nonces that cancel): its plaintext point is beta and no trustee share
 * exists for it (docs/PROTOCOL-record.md §9).
 */
static int
alpha_is_identity(const struct tally_state *t, size_t i)
{
	return ct_is_zero(t->aggregates + i * ELGAMAL_CT_LEN, GROUP_POINT_LEN);
}

/* Checks share (DKG_DSHARE_LEN bytes) of trustee j on aggregate i. */
static int
share_check(const struct tally_state *t, uint32_t j, size_t i,
    const uint8_t *share)
{
	struct elgamal_ciphertext *c;
	struct point *P;
	int r;

	if (alpha_is_identity(t, i))
		return ct_is_zero(share, DKG_DSHARE_LEN) ? 0 : ERR_FORMAT;
	c = elgamal_ciphertext_new();
	P = group_point_new();
	if (c == NULL || P == NULL)
		r = ERR_NOMEM;
	else if ((r = elgamal_decode(c, t->aggregates + i * ELGAMAL_CT_LEN,
	    ELGAMAL_CT_LEN, 0)) == 0 &&
	    (r = group_point_decode(P, t->trustees.P[j - 1], GROUP_POINT_LEN,
	    0)) == 0)
		r = dkg_decrypt_share_verify(t->e->context_hash, j, P, c, share,
		    DKG_DSHARE_LEN);
	elgamal_ciphertext_free(c);
	group_point_free(P);
	return r;
}

int
tally_shares_json(const struct tally_state *t, uint32_t trustee,
    const uint8_t *shares, struct vbuf *out)
{
	json_t *root = NULL, *arr = NULL;
	char hex[2 * DKG_DSHARE_LEN + 1], *text = NULL;
	uint32_t c, o;
	int r = ERR_NOMEM;

	if ((root = json_object()) == NULL || (arr = json_array()) == NULL ||
	    json_object_set_new(root, "trustee", json_integer(trustee)) != 0)
		goto out;
	for (c = 0; c < t->e->manifest->ncontests; c++) {
		json_t *row = json_array();

		if (row == NULL || json_array_append_new(arr, row) != 0)
			goto out;
		for (o = 0; o < t->e->manifest->contests[c].noptions; o++) {
			const uint8_t *sh = shares + (t->first[c] + o) *
			    DKG_DSHARE_LEN;

			/* No share where alpha is the identity: "". */
			if (ct_is_zero(sh, DKG_DSHARE_LEN))
				hex[0] = '\0';
			else if (ct_hex_encode(sh, DKG_DSHARE_LEN, hex,
			    sizeof(hex)) != 0)
				goto out;
			if (json_array_append_new(row, json_string(hex)) != 0)
				goto out;
		}
	}
	if (json_object_set_new(root, "shares", arr) != 0) {
		arr = NULL;
		goto out;
	}
	arr = NULL;
	if ((text = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER)) ==
	    NULL)
		goto out;
	r = vbuf_put(out, text, strlen(text));
	if (r == 0)
		r = vbuf_put_u8(out, '\n');
 out:
	free(text);
	json_decref(arr);
	json_decref(root);
	return r;
}

int
tally_share_test_key(const struct tally_state *t, const struct scalar *s,
    struct vbuf *out)
{
	struct elgamal_ciphertext *c = elgamal_ciphertext_new();
	struct point *M = group_point_new();
	uint8_t *shares = NULL, A[GROUP_POINT_LEN], lab[4] = { 0, 0, 0, 1 };
	size_t i;
	int r = ERR_NOMEM;

	REQUIRE(t != NULL && s != NULL && out != NULL);
	if (!t->trustees.test_single_key) {
		r = ERR_WRONG_STATE;
		goto out;
	}
	if (t->ballots_counted == 0) {
		r = ERR_RANGE;		/* nothing to decrypt */
		goto out;
	}
	if (c == NULL || M == NULL ||
	    (shares = calloc(t->nagg, DKG_DSHARE_LEN)) == NULL)
		goto out;
	for (i = 0; i < t->nagg; i++) {
		uint8_t *sh = shares + i * DKG_DSHARE_LEN;

		if (alpha_is_identity(t, i))
			continue;		/* no share: left zero */
		if ((r = elgamal_decode(c, t->aggregates + i * ELGAMAL_CT_LEN,
		    ELGAMAL_CT_LEN, 0)) != 0 ||
		    (r = group_mul(M, s, c->alpha)) != 0 ||
		    (r = group_point_encode(M, sh, 0)) != 0 ||
		    (r = group_point_encode(c->alpha, A, 0)) != 0 ||
		    (r = proof_dleq_prove(HASH_TAG_DECRYPT, t->e->context_hash,
		    lab, sizeof(lab), s, t->trustees.P[0], A, sh,
		    sh + GROUP_POINT_LEN)) != 0)
			goto out;
	}
	r = tally_shares_json(t, 1, shares, out);
 out:
	free(shares);
	elgamal_ciphertext_free(c);
	group_point_free(M);
	return r;
}

/* Parses trustee-NN.json strictly into nagg shares. */
static int
shares_parse(const struct tally_state *t, const uint8_t *p, size_t len,
    uint32_t *trustee, uint8_t *shares)
{
	json_error_t jerr;
	json_t *root, *tj, *arr;
	json_int_t j;
	uint32_t c, o;
	int r = ERR_FORMAT;

	if (len > (size_t)LIMIT_DB_VALUE_MAX)
		return ERR_TOO_LARGE;
	root = json_loadb((const char *)p, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return ERR_FORMAT;
	if (!json_is_object(root) || json_object_size(root) != 2 ||
	    !json_is_integer(tj = json_object_get(root, "trustee")) ||
	    !json_is_array(arr = json_object_get(root, "shares")) ||
	    json_array_size(arr) != t->e->manifest->ncontests)
		goto out;
	j = json_integer_value(tj);
	if (j < 1 || j > LIMIT_TRUSTEES_MAX) {
		r = ERR_RANGE;
		goto out;
	}
	*trustee = (uint32_t)j;
	for (c = 0; c < t->e->manifest->ncontests; c++) {
		json_t *row = json_array_get(arr, c);

		if (!json_is_array(row) || json_array_size(row) !=
		    t->e->manifest->contests[c].noptions)
			goto out;
		for (o = 0; o < t->e->manifest->contests[c].noptions; o++) {
			json_t *h = json_array_get(row, o);
			size_t gi = t->first[c] + o;

			if (!json_is_string(h))
				goto out;
			/* "" exactly where alpha is the identity. */
			if (alpha_is_identity(t, gi)) {
				if (json_string_length(h) != 0)
					goto out;
				continue;
			}
			if (ct_hex_decode(json_string_value(h),
			    json_string_length(h), shares + gi * DKG_DSHARE_LEN,
			    DKG_DSHARE_LEN) != 0)
				goto out;
		}
	}
	r = 0;
 out:
	json_decref(root);
	return r;
}

int
tally_share_import(struct db *db, const char *id, const uint8_t *json,
    size_t len, const char *actor, uint32_t *trustee, long *bad_option)
{
	struct tally_state *t = NULL;
	uint8_t *shares = NULL;
	char at[CLOCK_TEXT_LEN], detail[64];
	enum election_state st;
	int64_t v;
	size_t i;
	int r;

	REQUIRE(db != NULL && id != NULL && json != NULL && actor != NULL &&
	    trustee != NULL && bad_option != NULL);
	*trustee = 0;
	*bad_option = -1;
	if ((r = tally_load(db, id, &t)) != 0)
		return r;
	if (t->ballots_counted == 0) {
		r = ERR_WRONG_STATE;	/* nothing to decrypt */
		goto out;
	}
	if ((shares = calloc(t->nagg, DKG_DSHARE_LEN)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if ((r = shares_parse(t, json, len, trustee, shares)) != 0)
		goto out;
	if (!trustee_slot(&t->trustees, *trustee)) {
		r = ERR_PERM;
		goto out;
	}
	for (i = 0; i < t->nagg; i++) {
		if ((r = share_check(t, *trustee, i, shares + i *
		    DKG_DSHARE_LEN)) != 0) {
			*bad_option = (long)i;
			log_warn("tally.share_refused", LOG_S("election", id),
			    LOG_I("trustee", *trustee), LOG_I("option", (int64_t)i));
			goto out;
		}
	}
	clock_format_us(clock_now_us(), at);
	if ((r = db_begin(db)) != 0)
		goto out;
	if ((r = box_lock(db, id)) != 0 ||
	    (r = election_load_state(db, id, &st)) != 0)
		goto fail;
	if (st != ELECTION_CLOSED) {
		r = ERR_WRONG_STATE;
		goto fail;
	}
	if ((r = scalar_query(db, "SELECT count(*) FROM tally_results WHERE "
	    "election_id = $1", id, &v)) != 0)
		goto fail;
	if (v != 0) {
		r = ERR_WRONG_STATE;
		goto fail;
	}
	{
		struct db_param p[4] = {
			DB_TEXT(id), DB_I64(*trustee),
			DB_BYTES(shares, t->nagg * DKG_DSHARE_LEN), DB_TEXT(at)
		};

		r = db_exec(db, "INSERT INTO tally_shares (election_id, trustee, "
		    "shares, posted_at) VALUES ($1, $2, $3, $4)", p, 4, NULL);
		if (r == ERR_DB_CONSTRAINT)
			r = ERR_EXISTS;
		if (r != 0)
			goto fail;
	}
	snprintf(detail, sizeof(detail), "trustee %u: %zu shares checked",
	    (unsigned)*trustee, t->nagg);
	if ((r = audit_append(db, actor, "tally.share", id, detail, NULL)) != 0 ||
	    (r = db_commit(db)) != 0)
		goto fail;
	goto out;
 fail:
	db_rollback(db);
 out:
	free(shares);
	tally_state_free(t);
	return r;
}

/* ---- combining and publishing ------------------------------------------- */

void
tally_result_clear(struct tally_result *r)
{
	if (r == NULL)
		return;
	free(r->votes);
	memset(r, 0, sizeof(*r));
}

/* Decodes every option from the shares of trustees idx[0..cnt). */
static int
combine_all(const struct tally_state *t, const uint32_t *idx,
    uint8_t *const *shares, size_t cnt, uint64_t *votes)
{
	struct elgamal_ciphertext *c = elgamal_ciphertext_new();
	struct point *m = group_point_new(), *M = group_point_new();
	struct bsgs_table *tab = NULL;
	const uint8_t *sp[LIMIT_TRUSTEES_MAX];
	size_t i, q;
	int r = ERR_NOMEM;

	if (c == NULL || m == NULL || M == NULL)
		goto out;
	if ((r = bsgs_table_new(&tab, (uint64_t)t->ballots_counted)) != 0)
		goto out;
	for (i = 0; i < t->nagg; i++) {
		if ((r = elgamal_decode(c, t->aggregates + i * ELGAMAL_CT_LEN,
		    ELGAMAL_CT_LEN, GROUP_ALLOW_INFINITY)) != 0)
			goto out;
		if (group_point_is_infinity(c->alpha)) {
			/* Nonces that cancel: the plaintext is beta itself. */
			if ((r = group_point_copy(m, c->beta)) != 0)
				goto out;
			goto decode;
		}
		for (q = 0; q < cnt; q++)
			sp[q] = shares[q] + i * DKG_DSHARE_LEN;
		if (t->trustees.test_single_key) {
			if ((r = group_point_decode(M, sp[0], GROUP_POINT_LEN,
			    0)) != 0 || (r = group_point_sub(m, c->beta, M)) != 0)
				goto out;
		} else if ((r = dkg_combine(&t->trustees.params, c, idx, sp, cnt,
		    m)) != 0)
			goto out;
 decode:
		if ((r = bsgs_decode(tab, m, &votes[i])) != 0) {
			log_error("tally.decode_failed", LOG_I("option",
			    (int64_t)i));
			r = ERR_VERIFY;
			goto out;
		}
	}
	r = 0;
 out:
	bsgs_table_free(tab);
	elgamal_ciphertext_free(c);
	group_point_free(m);
	group_point_free(M);
	return r;
}

/* Per contest: sum of votes within [min, max] times the counted. */
static int
bounds_ok(const struct tally_state *t, const uint64_t *votes)
{
	uint64_t n = (uint64_t)t->ballots_counted;
	uint32_t c, o;

	for (c = 0; c < t->e->manifest->ncontests; c++) {
		const struct manifest_contest *mc = &t->e->manifest->contests[c];
		uint64_t sum = 0;

		for (o = 0; o < mc->noptions; o++) {
			uint64_t v = votes[t->first[c] + o];

			if (v > n)
				return 0;
			sum += v;
		}
		if (sum < (uint64_t)mc->min * n || sum > (uint64_t)mc->max * n)
			return 0;
	}
	return 1;
}

int
tally_publish(struct db *db, const char *id, struct sign_key *committee,
    const char *actor, struct tally_result *out)
{
	struct tally_state *t = NULL;
	struct db_param p = DB_TEXT(id);
	struct db_result *res = NULL;
	uint8_t *shares[LIMIT_TRUSTEES_MAX] = { 0 };
	uint32_t idx[LIMIT_TRUSTEES_MAX];
	size_t cnt = 0, q;
	struct vbuf *rj = NULL;
	char at[CLOCK_TEXT_LEN], detail[512], tl[8 * LIMIT_TRUSTEES_MAX];
	uint8_t cpk[SIGN_PUBLIC_LEN];
	enum election_state st;
	int64_t v;
	int r, i, rows;

	REQUIRE(db != NULL && id != NULL && committee != NULL && actor != NULL &&
	    out != NULL);
	memset(out, 0, sizeof(*out));
	if ((r = tally_load(db, id, &t)) != 0)
		return r;
	/* Only the key that froze the box publishes (and signs the log). */
	sign_key_public(committee, cpk);
	if (!ct_eq(cpk, t->committee_key, sizeof(cpk))) {
		r = ERR_MISMATCH;
		goto out;
	}
	if ((out->votes = calloc(t->nagg, sizeof(*out->votes))) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	out->nagg = t->nagg;
	if (t->ballots_counted > 0) {
		/* The shares of the qualified trustees, lowest indices first:
		 * k of them.  Each was checked when imported; check again, the
		 * database is not trusted. */
		if ((r = db_exec(db, "SELECT trustee, shares FROM tally_shares "
		    "WHERE election_id = $1 ORDER BY trustee", &p, 1, &res)) != 0)
			goto out;
		rows = db_result_rows(res);
		for (i = 0; i < rows && cnt < t->trustees.params.k; i++) {
			uint8_t *b = NULL;
			size_t bl = 0, k;

			if ((r = db_get_i64(res, i, 0, &v)) != 0 ||
			    (r = db_get_bytes(res, i, 1, LIMIT_DB_VALUE_MAX, &b,
			    &bl)) != 0)
				goto out;
			if (v < 1 || v > LIMIT_TRUSTEES_MAX || bl != t->nagg *
			    DKG_DSHARE_LEN || !trustee_slot(&t->trustees,
			    (uint32_t)v)) {
				free(b);
				r = ERR_FORMAT;
				goto out;
			}
			for (k = 0; k < t->nagg; k++)
				if ((r = share_check(t, (uint32_t)v, k, b + k *
				    DKG_DSHARE_LEN)) != 0) {
					free(b);
					goto out;
				}
			idx[cnt] = (uint32_t)v;
			shares[cnt++] = b;
		}
		db_result_free(res);
		res = NULL;
		if (cnt < t->trustees.params.k) {
			r = ERR_RANGE;
			goto out;
		}
		if ((r = combine_all(t, idx, shares, cnt, out->votes)) != 0)
			goto out;
		if (!bounds_ok(t, out->votes)) {
			log_error("tally.out_of_bounds", LOG_S("election", id));
			r = ERR_VERIFY;
			goto out;
		}
	}
	memcpy(out->trustees, idx, cnt * sizeof(idx[0]));
	out->ntrustees = (uint32_t)cnt;
	if ((rj = vbuf_new(LIMIT_BUF_MAX)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if ((r = tally_results_json(t, t->final_position, out->votes, rj)) != 0)
		goto out;
	tl[0] = '{';
	tl[1] = '\0';
	for (q = 0; q < cnt; q++) {
		size_t n = strlen(tl);

		snprintf(tl + n, sizeof(tl) - n, "%s%u", q ? "," : "",
		    (unsigned)idx[q]);
	}
	snprintf(tl + strlen(tl), sizeof(tl) - strlen(tl), "}");
	clock_format_us(clock_now_us(), at);
	if ((r = db_begin(db)) != 0)
		goto out;
	if ((r = box_lock(db, id)) != 0 ||
	    (r = election_load_state(db, id, &st)) != 0)
		goto fail;
	if (st != ELECTION_CLOSED) {
		r = st == ELECTION_TALLIED ? ERR_EXISTS : ERR_WRONG_STATE;
		goto fail;
	}
	{
		struct db_param pp[4] = {
			DB_TEXT(id), DB_TEXT(tl),
			DB_BYTES(vbuf_ptr(rj), vbuf_len(rj)), DB_TEXT(at)
		};

		r = db_exec(db, "INSERT INTO tally_results (election_id, "
		    "trustees, results, published_at) VALUES ($1, $2::integer[], "
		    "$3, $4)", pp, 4, NULL);
		if (r == ERR_DB_CONSTRAINT)
			r = ERR_EXISTS;
		if (r != 0)
			goto fail;
	}
	snprintf(detail, sizeof(detail), "results published from the shares "
	    "of trustees %s; %lld ballots counted", tl,
	    (long long)t->ballots_counted);
	if ((r = audit_append(db, actor, "tally.publish", id, detail,
	    NULL)) != 0 || (r = election_mark_tallied(db, id, actor)) != 0 ||
	    (r = db_commit(db)) != 0)
		goto fail;
	/* The committee's checkpoint covers the whole log, tally included. */
	if ((r = audit_checkpoint(db, committee, NULL)) != 0)
		log_error("tally.audit_checkpoint", LOG_E("error", r));
	goto out;
 fail:
	db_rollback(db);
 out:
	db_result_free(res);
	for (q = 0; q < cnt; q++)
		free(shares[q]);
	vbuf_free(rj);
	tally_state_free(t);
	if (r != 0)
		tally_result_clear(out);
	return r;
}

/* ---- results.json and results.txt --------------------------------------- */

static int
jset(json_t *o, const char *k, json_t *v)
{
	return v == NULL ? -1 : json_object_set_new(o, k, v);
}

int
tally_results_json(const struct tally_state *t, int64_t ballots_cast,
    const uint64_t *votes, struct vbuf *out)
{
	const struct manifest *m = t->e->manifest;
	json_t *root = json_object(), *cs = json_array();
	char *text = NULL;
	uint32_t c, o;
	int r = ERR_NOMEM;

	if (root == NULL || cs == NULL)
		goto out;
	if (jset(root, "election_id", json_string(m->id)) ||
	    jset(root, "name_ja", json_string(m->name_ja)) ||
	    jset(root, "name_en", json_string(m->name_en)) ||
	    jset(root, "ballots_cast", json_integer(ballots_cast)) ||
	    jset(root, "ballots_counted", json_integer(t->ballots_counted)))
		goto out;
	for (c = 0; c < m->ncontests; c++) {
		const struct manifest_contest *mc = &m->contests[c];
		json_t *jc = json_object(), *os = json_array();

		if (jc == NULL || os == NULL) {
			json_decref(jc);
			json_decref(os);
			goto out;
		}
		/* Both _new calls take the reference, even when they fail. */
		if (json_array_append_new(cs, jc) != 0) {
			json_decref(os);
			goto out;
		}
		if (jset(jc, "options", os) ||
		    jset(jc, "id", json_string(mc->id)) ||
		    jset(jc, "title_ja", json_string(mc->title_ja)) ||
		    jset(jc, "title_en", json_string(mc->title_en)))
			goto out;
		for (o = 0; o < mc->noptions; o++) {
			json_t *jo = json_object();

			if (jo == NULL || json_array_append_new(os, jo) ||
			    jset(jo, "id", json_string(mc->options[o].id)) ||
			    jset(jo, "label_ja", json_string(mc->options[o].label_ja)) ||
			    jset(jo, "label_en", json_string(mc->options[o].label_en)) ||
			    jset(jo, "votes", json_integer((json_int_t)
			    votes[t->first[c] + o])))
				goto out;
		}
	}
	if (jset(root, "contests", cs)) {
		cs = NULL;
		goto out;
	}
	cs = NULL;
	if ((text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) ==
	    NULL)
		goto out;
	if ((r = vbuf_put(out, text, strlen(text))) == 0)
		r = vbuf_put_u8(out, '\n');
 out:
	free(text);
	json_decref(cs);
	json_decref(root);
	return r;
}

static int
putf(struct vbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
putf(struct vbuf *b, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line))
		return ERR_TOO_LARGE;
	return vbuf_put(b, line, (size_t)n);
}

int
tally_results_text(const struct tally_state *t, int64_t ballots_cast,
    const uint64_t *votes, struct vbuf *out)
{
	const struct manifest *m = t->e->manifest;
	uint64_t sum;
	uint32_t c, o;
	int r, lang;

	for (lang = 0; lang < 2; lang++) {
		if ((r = putf(out, lang == 0 ? "%s 開票結果\n投票数 %lld 票、"
		    "うち集計対象 %lld 票\n" : "%s: result\n%lld ballots cast, "
		    "%lld counted\n", lang == 0 ? m->name_ja : m->name_en,
		    (long long)ballots_cast, (long long)t->ballots_counted)) != 0)
			return r;
		if (t->trustees.test_single_key && (r = putf(out, lang == 0 ?
		    "※ 試験用の単一鍵による選挙（本番では無効）\n" :
		    "NOTE: TEST-ONLY single-key election (not valid for real "
		    "use)\n")) != 0)
			return r;
		for (c = 0; c < m->ncontests; c++) {
			const struct manifest_contest *mc = &m->contests[c];

			if ((r = putf(out, "\n%s\n", lang == 0 ? mc->title_ja :
			    mc->title_en)) != 0)
				return r;
			for (o = 0, sum = 0; o < mc->noptions; o++) {
				sum += votes[t->first[c] + o];
				if ((r = putf(out, "  %10llu  %s\n",
				    (unsigned long long)votes[t->first[c] + o],
				    lang == 0 ? mc->options[o].label_ja :
				    mc->options[o].label_en)) != 0)
					return r;
			}
			/* One mark at most: every counted ballot without one is
			 * blank (publish checked sum <= counted). */
			if (mc->max == 1 && sum <= (uint64_t)t->ballots_counted &&
			    (r = putf(out, "  %10llu  %s\n", (unsigned long long)
			    ((uint64_t)t->ballots_counted - sum), lang == 0 ?
			    "（白票）" : "(blank)")) != 0)
				return r;
		}
		if ((r = putf(out, "\n")) != 0)
			return r;
	}
	return 0;
}
