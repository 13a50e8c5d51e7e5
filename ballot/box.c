/*
 * box.c - chained ballot box, receipts, checkpoints.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ballot/ballot.h"
#include "ballot/box.h"
#include "ballot/election.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/misuse.h"
#include "crypto/ct.h"
#include "crypto/digest.h"
#include "crypto/sign.h"
#include "db/db.h"
#include "registry/binding.h"

#define TRACK_DOMAIN "ippyo-track-v1"

void
box_seed(const uint8_t context_hash[HASH_LEN], uint8_t out[32])
{
	struct digest *d = digest_new();

	if (d == NULL)
		MISUSE("out of memory");
	digest_put(d, TRACK_DOMAIN, sizeof(TRACK_DOMAIN) - 1);
	digest_put(d, context_hash, HASH_LEN);
	digest_final(d, out);
}

void
box_tracking_code(const uint8_t context_hash[HASH_LEN],
    const uint8_t prev[32], int64_t position,
    const uint8_t ballot_hash[BALLOT_HASH_LEN], const char *received_at,
    uint8_t out[32])
{
	struct digest *d = digest_new();

	if (d == NULL)
		MISUSE("out of memory");
	digest_put(d, TRACK_DOMAIN, sizeof(TRACK_DOMAIN) - 1);
	digest_put(d, context_hash, HASH_LEN);
	digest_put(d, prev, 32);
	digest_put_u64(d, (uint64_t)position);
	digest_put(d, ballot_hash, BALLOT_HASH_LEN);
	digest_put_string(d, received_at, strlen(received_at));
	digest_final(d, out);
}

/* The head of the box: last position and code (0 and the seed if empty). */
static int
head(struct db *db, const struct election *e, int64_t *pos, uint8_t code[32])
{
	struct db_param p = DB_TEXT(e->manifest->id);
	struct db_result *res = NULL;
	uint8_t *c = NULL;
	size_t cl = 0;
	int r;

	*pos = 0;
	box_seed(e->context_hash, code);
	if ((r = db_exec(db, "SELECT position, tracking_code FROM ballots "
	    "WHERE election_id = $1 ORDER BY position DESC LIMIT 1", &p, 1,
	    &res)) != 0)
		return r;
	if (db_result_rows(res) == 1) {
		if ((r = db_get_i64(res, 0, 0, pos)) != 0 ||
		    (r = db_get_bytes(res, 0, 1, 32, &c, &cl)) != 0)
			goto out;
		if (cl != 32) {
			r = ERR_FORMAT;
			goto out;
		}
		memcpy(code, c, 32);
	}
	r = 0;
 out:
	free(c);
	db_result_free(res);
	return r;
}

int
box_lock(struct db *db, const char *election_id)
{
	struct db_param p = DB_TEXT(election_id);

	return db_exec(db, "SELECT pg_advisory_xact_lock(hashtextextended("
	    "'ippyo-box:' || $1, 0))", &p, 1, NULL);
}

/*
 * Appends one ballot inside the caller's transaction, which holds the
 * election's box lock.  On failure the transaction may be aborted: the
 * caller rolls back (or back to a savepoint).  *out is set on success.
 * The group writer, which holds the binding lock already and knows the
 * head from the batch's last ballot for this election, passes
 * bind_locked = 1 and that ballot's entry as after; box_append passes
 * 0 and NULL, and both are read here.
 */
static int
append_locked(struct db *db, const struct election *e,
    const struct box_voter *v, const uint8_t *ballot, size_t len,
    int bind_locked, const struct box_entry *after, struct box_entry *out)
{
	const char *id = e->manifest->id;
	const char *resident_id = v->resident_id, *alias = v->alias;
	struct db_result *res = NULL;
	uint8_t prev[32];
	int64_t now;
	int r;

	memset(out, 0, sizeof(*out));
	ballot_hash(ballot, len, out->ballot_hash);
	/* The time is read under the lock: received_at never runs backwards
	 * along the chain, and a ballot that waited past the close is late. */
	now = clock_now_us();
	clock_format_us(now, out->received_at);
	/*
	 * Re-check under the locks what may have changed since validation,
	 * in the casting order: binding, roll, window, in person.  The
	 * binding lock (shared) keeps a status change from committing
	 * between this statement and our COMMIT.
	 */
	if (!bind_locked && (r = binding_lock_shared(db)) != 0)
		goto out;
	{
		struct db_param p[6] = {
			DB_TEXT(id), DB_I64(now), DB_TEXT(resident_id),
			DB_TEXT(v->auth_issuer), DB_TEXT(v->auth_serial),
			DB_TEXT(alias)
		};

		if ((r = db_exec(db, "SELECT (SELECT state = 'open' AND $2 >= "
		    "opens_us AND $2 < closes_us FROM elections WHERE election_id "
		    "= $1), EXISTS (SELECT 1 FROM admissions WHERE election_id = "
		    "$1 AND resident_id = $3), (SELECT max(position) FROM ballots "
		    "WHERE election_id = $1 AND voter_resident_id = $3), "
		    "EXISTS (SELECT 1 FROM card_bindings WHERE auth_issuer = $4 "
		    "AND auth_serial = $5 AND resident_id = $3 AND status = "
		    "'active'), EXISTS (SELECT 1 FROM roll_entries WHERE "
		    "election_id = $1 AND resident_id = $3 AND alias = $6)", p, 6,
		    &res)) != 0)
			goto out;
		{
			int open = 0, admitted = 0, bound = 0, listed = 0;

			if ((r = db_get_bool(res, 0, 3, &bound)) != 0 ||
			    (r = db_get_bool(res, 0, 4, &listed)) != 0)
				goto out;
			if (!bound) {
				r = ERR_NOT_BOUND;
				goto out;
			}
			if (!listed) {
				r = ERR_NOT_ELIGIBLE;
				goto out;
			}
			if (db_is_null(res, 0, 0) ||
			    (r = db_get_bool(res, 0, 0, &open)) != 0 || !open) {
				r = r != 0 ? r : ERR_WINDOW_CLOSED;
				goto out;
			}
			if ((r = db_get_bool(res, 0, 1, &admitted)) != 0)
				goto out;
			if (admitted) {
				r = ERR_ALREADY_ADMITTED;
				goto out;
			}
			if (!db_is_null(res, 0, 2) &&
			    (r = db_get_i64(res, 0, 2, &out->superseded)) != 0)
				goto out;
		}
		db_result_free(res);
		res = NULL;
	}
	if (after != NULL) {
		out->position = after->position;
		memcpy(prev, after->tracking_code, 32);
	} else if ((r = head(db, e, &out->position, prev)) != 0)
		goto out;
	out->position++;
	box_tracking_code(e->context_hash, prev, out->position,
	    out->ballot_hash, out->received_at, out->tracking_code);
	{
		struct db_param p[9] = {
			DB_TEXT(id), DB_I64(out->position), DB_TEXT(alias),
			DB_TEXT(resident_id), DB_BYTES(ballot, len),
			DB_BYTES(out->ballot_hash, BALLOT_HASH_LEN),
			DB_BYTES(prev, 32), DB_BYTES(out->tracking_code, 32),
			DB_TEXT(out->received_at)
		};

		if ((r = db_exec(db, "INSERT INTO ballots (election_id, position, "
		    "alias, voter_resident_id, ballot, ballot_hash, prev_tracking, "
		    "tracking_code, received_at) VALUES ($1, $2, $3, $4, $5, $6, "
		    "$7, $8, $9)", p, 9, NULL)) != 0) {
			if (r == ERR_DB_CONSTRAINT)
				r = ERR_DUPLICATE;
			goto out;
		}
	}
	if (out->superseded > 0) {
		struct db_param p[3] = {
			DB_TEXT(id), DB_I64(out->superseded), DB_I64(out->position)
		};

		if ((r = db_exec(db, "INSERT INTO ballot_superseded (election_id, "
		    "position, by_position, reason) VALUES ($1, $2, $3, 'revote')",
		    p, 3, NULL)) != 0)
			goto out;
	}
	r = 0;
 out:
	db_result_free(res);
	if (r != 0)
		memset(out, 0, sizeof(*out));
	return r;
}

static int
voter_ok(const struct box_voter *v)
{
	return v != NULL && v->resident_id != NULL && v->alias != NULL &&
	    v->auth_issuer != NULL && v->auth_serial != NULL;
}

int
box_append(struct db *db, const struct election *e, const struct box_voter *v,
    const uint8_t *ballot, size_t len, struct box_entry *out)
{
	int r;

	REQUIRE(db != NULL && e != NULL && voter_ok(v) && ballot != NULL &&
	    out != NULL);
	memset(out, 0, sizeof(*out));
	if ((r = db_begin(db)) != 0)
		return r;
	if ((r = box_lock(db, e->manifest->id)) != 0 ||
	    (r = append_locked(db, e, v, ballot, len, 0, NULL, out)) != 0 ||
	    (r = db_commit(db)) != 0) {
		db_rollback(db);
		memset(out, 0, sizeof(*out));
		return r;
	}
	return 0;
}

/* ---- group commit ---- */

#define WRITER_BATCH_MAX 256

struct box_job {
	const struct election *e;	/* borrowed until done */
	const struct box_voter *v;	/* borrowed until done */
	const uint8_t *ballot;
	size_t len;
	struct box_entry *out;
	int r;				/* result */
	int done;			/* set by the writer */
	struct box_job *next;
};

struct box_writer {
	pthread_mutex_t mu;		/* guards everything below */
	pthread_cond_t work;		/* jobs queued, or stop */
	pthread_cond_t done;		/* a batch finished */
	struct box_job *head, *tail;	/* the queue */
	int stop;			/* shutting down */
	pthread_t thread;		/* the writer */
	struct db *db;			/* its connection */
	char url[1024];			/* to reconnect */
};

static int
same_election(const struct box_job *a, const struct box_job *b)
{
	return a->e == b->e ||
	    strcmp(a->e->manifest->id, b->e->manifest->id) == 0;
}

static int
cmp_id(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Takes the box lock of every election in the batch once, in the order
 * of the ids: two writers (two servers on one database) then take them in
 * the same order and cannot deadlock.
 */
static int
lock_boxes(struct db *db, struct box_job *jobs)
{
	const char *ids[WRITER_BATCH_MAX];
	struct box_job *j, *k;
	size_t n = 0, i;
	int r;

	for (j = jobs; j != NULL; j = j->next) {
		for (k = jobs; k != j && !same_election(k, j); k = k->next)
			;
		if (k == j) {
			REQUIRE(n < WRITER_BATCH_MAX);
			ids[n++] = j->e->manifest->id;
		}
	}
	qsort(ids, n, sizeof(ids[0]), cmp_id);
	for (i = 0; i < n; i++)
		if ((r = box_lock(db, ids[i])) != 0)
			return r;
	return 0;
}

/* Appends a batch in one transaction, one savepoint per ballot. */
static void
write_batch(struct box_writer *w, struct box_job *jobs)
{
	struct box_job *j, *k;
	int r;

	if (w->db == NULL) {
		if (db_open(w->url, NULL, &w->db) != 0) {
			w->db = NULL;
			for (j = jobs; j != NULL; j = j->next)
				j->r = ERR_DB_CONNECT;
			return;
		}
		db_set_statement_cache(w->db, 1);
	}
	if ((r = db_begin(w->db)) != 0)
		goto fail;
	/*
	 * The locks first, outside the savepoints so that no rollback to one
	 * lets them go: each election's box lock (in the order of the
	 * batch, once), then the binding lock, the order box_append takes
	 * them in.  Holding the box lock, the writer is the only one
	 * appending, so a ballot's predecessor is the batch's last accepted
	 * ballot for that election, or the head read from the table.
	 */
	if ((r = lock_boxes(w->db, jobs)) != 0 ||
	    (r = binding_lock_shared(w->db)) != 0)
		goto fail;
	for (j = jobs; j != NULL; j = j->next) {
		const struct box_entry *after = NULL;

		for (k = jobs; k != j; k = k->next)
			if (k->r == 0 && same_election(k, j))
				after = k->out;
		if ((r = db_exec(w->db, "SAVEPOINT one", NULL, 0, NULL)) != 0)
			goto fail;
		j->r = append_locked(w->db, j->e, j->v, j->ballot, j->len, 1,
		    after, j->out);
		if ((r = db_exec(w->db, j->r == 0 ? "RELEASE SAVEPOINT one" :
		    "ROLLBACK TO SAVEPOINT one", NULL, 0, NULL)) != 0)
			goto fail;
	}
	if ((r = db_commit(w->db)) != 0)
		goto fail;
	return;
 fail:
	/* Something beyond one ballot went wrong: each alone, as before. */
	db_rollback(w->db);
	log_warn("box.batch_failed", LOG_E("error", r));
	for (j = jobs; j != NULL; j = j->next)
		j->r = box_append(w->db, j->e, j->v, j->ballot, j->len,
		    j->out);
	if (r == ERR_DB_CONNECT) {
		db_close(w->db);
		w->db = NULL;
	}
}

static void *
writer_main(void *arg)
{
	struct box_writer *w = arg;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		struct box_job *batch, *j, *last;
		int n;

		while (!w->stop && w->head == NULL)
			pthread_cond_wait(&w->work, &w->mu);
		if (w->head == NULL)
			break;
		/* Take up to WRITER_BATCH_MAX jobs off the queue. */
		batch = w->head;
		for (n = 1, last = batch; last->next != NULL &&
		    n < WRITER_BATCH_MAX; n++)
			last = last->next;
		w->head = last->next;
		if (w->head == NULL)
			w->tail = NULL;
		last->next = NULL;
		pthread_mutex_unlock(&w->mu);
		write_batch(w, batch);
		pthread_mutex_lock(&w->mu);
		for (j = batch; j != NULL; j = j->next)
			j->done = 1;
		pthread_cond_broadcast(&w->done);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int
box_writer_new(const char *database_url, struct box_writer **out)
{
	struct box_writer *w;

	REQUIRE(database_url != NULL && out != NULL);
	*out = NULL;
	if (strlen(database_url) >= sizeof(w->url) ||
	    (w = calloc(1, sizeof(*w))) == NULL)
		return ERR_NOMEM;
	memcpy(w->url, database_url, strlen(database_url) + 1);
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->work, NULL);
	pthread_cond_init(&w->done, NULL);
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		free(w);
		return ERR_NOMEM;
	}
	*out = w;
	return 0;
}

void
box_writer_free(struct box_writer *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = 1;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	db_close(w->db);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->work);
	pthread_cond_destroy(&w->done);
	free(w);
}

int
box_writer_append(struct box_writer *w, const struct election *e,
    const struct box_voter *v, const uint8_t *ballot, size_t len,
    struct box_entry *out)
{
	struct box_job job;

	REQUIRE(w != NULL && e != NULL && voter_ok(v) && ballot != NULL &&
	    out != NULL);
	memset(&job, 0, sizeof(job));
	job.e = e;
	job.v = v;
	job.ballot = ballot;
	job.len = len;
	job.out = out;
	pthread_mutex_lock(&w->mu);
	if (w->stop) {
		pthread_mutex_unlock(&w->mu);
		return ERR_UNAVAILABLE;
	}
	if (w->tail != NULL)
		w->tail->next = &job;
	else
		w->head = &job;
	w->tail = &job;
	pthread_cond_signal(&w->work);
	while (!job.done)
		pthread_cond_wait(&w->done, &w->mu);
	pthread_mutex_unlock(&w->mu);
	return job.r;
}

static size_t
receipt_message(const char *election_id, const struct box_entry *e,
    uint8_t *m, size_t max)
{
	struct vbuf *b = vbuf_new(max);
	size_t n = 0;

	if (b == NULL)
		return 0;
	if (vbuf_put_cstring(b, election_id) == 0 &&
	    vbuf_put_u64(b, (uint64_t)e->position) == 0 &&
	    vbuf_put(b, e->ballot_hash, BALLOT_HASH_LEN) == 0 &&
	    vbuf_put(b, e->tracking_code, 32) == 0 &&
	    vbuf_put_cstring(b, e->received_at) == 0) {
		n = vbuf_len(b);
		memcpy(m, vbuf_ptr(b), n);
	}
	vbuf_free(b);
	return n;
}

/*
 * A checkpoint's message (docs/PROTOCOL-ballot.md, PROTOCOL-record.md §8):
 * str(election_id) | u64 position | tracking_code | str(at).  Unlike a
 * receipt it names no ballot.
 */
static size_t
checkpoint_message(const char *election_id, const struct box_entry *e,
    uint8_t *m, size_t max)
{
	struct vbuf *b = vbuf_new(max);
	size_t n = 0;

	if (b == NULL)
		return 0;
	if (vbuf_put_cstring(b, election_id) == 0 &&
	    vbuf_put_u64(b, (uint64_t)e->position) == 0 &&
	    vbuf_put(b, e->tracking_code, 32) == 0 &&
	    vbuf_put_cstring(b, e->received_at) == 0) {
		n = vbuf_len(b);
		memcpy(m, vbuf_ptr(b), n);
	}
	vbuf_free(b);
	return n;
}

int
receipt_sign(struct sign_key *k, const char *election_id,
    const struct box_entry *entry, struct receipt *out)
{
	uint8_t m[256];
	size_t n;

	REQUIRE(k != NULL && election_id != NULL && entry != NULL && out != NULL);
	memset(out, 0, sizeof(*out));
	if ((n = receipt_message(election_id, entry, m, sizeof(m))) == 0)
		return ERR_INVALID_ARG;
	memcpy(out->election_id, election_id, strlen(election_id) + 1);
	out->entry = *entry;
	sign_key_public(k, out->public_key);
	return sign_sign(k, "receipt", m, n, out->signature);
}

int
receipt_verify(const uint8_t pk[SIGN_PUBLIC_LEN], const struct receipt *rc)
{
	uint8_t m[256];
	size_t n;

	REQUIRE(pk != NULL && rc != NULL);
	if (!ct_eq(pk, rc->public_key, SIGN_PUBLIC_LEN) ||
	    (n = receipt_message(rc->election_id, &rc->entry, m, sizeof(m))) == 0)
		return ERR_VERIFY;
	return sign_verify(pk, "receipt", m, n, rc->signature);
}

int
box_verify(struct db *db, const struct election *e, int64_t *count,
    int64_t *bad)
{
	static const char sql[] = "SELECT position, ballot, ballot_hash, "
	    "prev_tracking, tracking_code, received_at, alias FROM ballots WHERE "
	    "election_id = $1 AND position > $2 ORDER BY position LIMIT 2000";
	uint8_t prev[32], h[BALLOT_HASH_LEN], code[32];
	struct db_result *res = NULL;
	int64_t last = 0;
	int i, rows, r;

	REQUIRE(db != NULL && e != NULL && count != NULL && bad != NULL);
	*count = *bad = 0;
	box_seed(e->context_hash, prev);
	for (;;) {
		struct db_param p[2] = { DB_TEXT(e->manifest->id), DB_I64(last) };

		db_result_free(res);
		res = NULL;
		if ((r = db_exec(db, sql, p, 2, &res)) != 0)
			return r;
		if ((rows = db_result_rows(res)) == 0)
			break;
		for (i = 0; i < rows; i++) {
			uint8_t *bal = NULL, *bh = NULL, *pt = NULL, *tc = NULL;
			size_t bl = 0, bhl = 0, ptl = 0, tcl = 0;
			const char *at = NULL, *alias = NULL;
			struct ballot bd;
			int64_t pos = 0;
			int ok;

			ok = db_get_i64(res, i, 0, &pos) == 0 &&
			    db_get_bytes(res, i, 1, BALLOT_MAX, &bal, &bl) == 0 &&
			    db_get_bytes(res, i, 2, 32, &bh, &bhl) == 0 &&
			    db_get_bytes(res, i, 3, 32, &pt, &ptl) == 0 &&
			    db_get_bytes(res, i, 4, 32, &tc, &tcl) == 0 &&
			    db_get_text(res, i, 5, CLOCK_TEXT_LEN - 1, &at) == 0 &&
			    db_get_text(res, i, 6, BALLOT_ALIAS_LEN, &alias) == 0 &&
			    pos == last + 1 && bhl == 32 && ptl == 32 && tcl == 32 &&
			    ballot_decode(e, bal, bl, &bd) == 0 &&
			    strcmp(bd.alias, alias) == 0;
			if (ok) {
				ballot_hash(bal, bl, h);
				box_tracking_code(e->context_hash, prev, pos, h, at,
				    code);
				ok = ct_eq(h, bh, 32) && ct_eq(pt, prev, 32) &&
				    ct_eq(tc, code, 32);
			}
			free(bal);
			free(bh);
			free(pt);
			free(tc);
			if (!ok) {
				*bad = last + 1;
				db_result_free(res);
				log_warn("box.chain_broken", LOG_S("election",
				    e->manifest->id), LOG_I("position", last + 1));
				return ERR_VERIFY;
			}
			memcpy(prev, code, 32);
			last = pos;
		}
	}
	db_result_free(res);
	res = NULL;
	/* The superseded list decides what counts and no code covers it:
	 * each row must be an earlier ballot of the same alias replaced by a
	 * later one, or a ballot of a voter admitted in person. */
	{
		struct db_param p = DB_TEXT(e->manifest->id);
		int64_t v;

		if ((r = db_exec(db, "SELECT min(s.position) FROM ballot_superseded "
		    "s JOIN ballots b USING (election_id, position) LEFT JOIN ballots "
		    "n ON n.election_id = s.election_id AND n.position = "
		    "s.by_position WHERE s.election_id = $1 AND NOT ("
		    "(s.reason = 'revote' AND n.position > s.position AND n.alias = "
		    "b.alias) OR (s.reason = 'admitted_in_person' AND EXISTS (SELECT "
		    "1 FROM admissions a WHERE a.election_id = s.election_id AND "
		    "a.resident_id = b.voter_resident_id)))", &p, 1, &res)) != 0)
			return r;
		if (!db_is_null(res, 0, 0) && db_get_i64(res, 0, 0, &v) == 0) {
			*bad = v;
			db_result_free(res);
			log_warn("box.superseded_forged", LOG_S("election",
			    e->manifest->id), LOG_I("position", v));
			return ERR_VERIFY;
		}
		db_result_free(res);
	}
	*count = last;
	return 0;
}

int
box_checkpoint(struct db *db, const struct election *e, struct sign_key *k,
    int final, int64_t *position)
{
	uint8_t code[32], m[256], sig[SIGN_SIG_LEN], pk[SIGN_PUBLIC_LEN];
	char at[CLOCK_TEXT_LEN];
	struct box_entry be;
	int64_t pos = 0;
	size_t n;
	int own, r;

	REQUIRE(db != NULL && e != NULL && k != NULL);
	if (position != NULL)
		*position = 0;
	/* Inside the caller's transaction when one is open (the tally's). */
	own = !db_in_transaction(db);
	if (own && (r = db_begin(db)) != 0)
		return r;
	if ((r = box_lock(db, e->manifest->id)) != 0 ||
	    (r = head(db, e, &pos, code)) != 0)
		goto out;
	clock_format_us(clock_now_us(), at);
	memset(&be, 0, sizeof(be));
	be.position = pos;
	memcpy(be.tracking_code, code, 32);
	memcpy(be.received_at, at, sizeof(at));
	if ((n = checkpoint_message(e->manifest->id, &be, m, sizeof(m))) == 0) {
		r = ERR_INTERNAL;
		goto out;
	}
	if ((r = sign_sign(k, final ? "box-final" : "box-checkpoint", m, n,
	    sig)) != 0)
		goto out;
	sign_key_public(k, pk);
	{
		struct db_param p[7] = {
			DB_TEXT(e->manifest->id), DB_I64(pos), DB_BYTES(code, 32),
			DB_TEXT(at), DB_BOOL(final), DB_BYTES(pk, sizeof(pk)),
			DB_BYTES(sig, sizeof(sig))
		};

		if ((r = db_exec(db, "INSERT INTO box_checkpoints (election_id, "
		    "position, tracking_code, at, final, public_key, signature) "
		    "VALUES ($1, $2, $3, $4, $5, $6, $7)", p, 7, NULL)) != 0)
			goto out;
	}
	if (own && (r = db_commit(db)) != 0)
		goto out;
	if (position != NULL)
		*position = pos;
	return 0;
 out:
	if (own)
		db_rollback(db);
	return r;
}

int
box_checkpoints_verify(struct db *db, const struct election *e,
    const uint8_t pk[SIGN_PUBLIC_LEN], int64_t *count, int64_t *bad)
{
	struct db_param p = DB_TEXT(e->manifest->id);
	struct db_result *res = NULL;
	int i, rows, r;

	REQUIRE(db != NULL && e != NULL && pk != NULL && count != NULL &&
	    bad != NULL);
	*count = *bad = 0;
	if ((r = db_exec(db, "SELECT c.position, c.tracking_code, c.at, c.final, "
	    "c.public_key, c.signature, b.tracking_code FROM box_checkpoints c "
	    "LEFT JOIN ballots b ON b.election_id = c.election_id AND "
	    "b.position = c.position WHERE c.election_id = $1 ORDER BY "
	    "c.position, c.at", &p, 1, &res)) != 0)
		return r;
	rows = db_result_rows(res);
	for (i = 0; i < rows && r == 0; i++) {
		uint8_t *tc = NULL, *cpk = NULL, *sig = NULL, *chain = NULL;
		size_t tcl = 0, pkl = 0, sigl = 0, chl = 0, n;
		uint8_t want[32], m[256];
		struct box_entry be;
		const char *at = NULL;
		int64_t pos = 0;
		int final = 0;

		if (db_get_i64(res, i, 0, &pos) != 0 ||
		    db_get_bytes(res, i, 1, 32, &tc, &tcl) != 0 ||
		    db_get_text(res, i, 2, CLOCK_TEXT_LEN - 1, &at) != 0 ||
		    db_get_bool(res, i, 3, &final) != 0 ||
		    db_get_bytes(res, i, 4, SIGN_PUBLIC_LEN, &cpk, &pkl) != 0 ||
		    db_get_bytes(res, i, 5, SIGN_SIG_LEN, &sig, &sigl) != 0 ||
		    tcl != 32 || pkl != SIGN_PUBLIC_LEN || sigl != SIGN_SIG_LEN ||
		    !ct_eq(cpk, pk, SIGN_PUBLIC_LEN))
			r = ERR_VERIFY;
		if (r == 0) {
			if (pos == 0)
				box_seed(e->context_hash, want);
			else if (db_is_null(res, i, 6) ||
			    db_get_bytes(res, i, 6, 32, &chain, &chl) != 0 ||
			    chl != 32)
				r = ERR_VERIFY;
			else
				memcpy(want, chain, 32);
		}
		if (r == 0 && !ct_eq(want, tc, 32))
			r = ERR_VERIFY;
		if (r == 0) {
			memset(&be, 0, sizeof(be));
			be.position = pos;
			memcpy(be.tracking_code, tc, 32);
			memcpy(be.received_at, at, strlen(at) + 1);
			if ((n = checkpoint_message(e->manifest->id, &be, m,
			    sizeof(m))) == 0 || sign_verify(pk, final ? "box-final" :
			    "box-checkpoint", m, n, sig) != 0)
				r = ERR_VERIFY;
		}
		if (r != 0)
			*bad = pos;
		else
			(*count)++;
		free(tc);
		free(cpk);
		free(sig);
		free(chain);
	}
	db_result_free(res);
	return r;
}
