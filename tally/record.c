/*
 * record.c - writing the election record, file by file, each hashed as it
 * is written; INDEX and its signature last.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "audit/archive.h"
#include "audit/log.h"
#include "ballot/ballot.h"
#include "ballot/election.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/file.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/misuse.h"
#include "core/vbuf.h"
#include "crypto/ct.h"
#include "crypto/digest.h"
#include "crypto/dkg.h"
#include "crypto/elgamal.h"
#include "tally/ceremony_keys.h"
#include "tally/record.h"
#include "tally/tally.h"

/* 11 fixed files, ceremony/complaints.json, INDEX.sig while it is
 * written, a public message and a decryption file per trustee; room to
 * spare. */
#define RECORD_FILES_MAX	(16 + 2 * LIMIT_TRUSTEES_MAX)
#define RECORD_PATH_MAX		64

struct indexed {
	char path[RECORD_PATH_MAX];
	uint8_t hash[DIGEST_LEN];
};

struct rec {
	struct db *db;
	const char *dir;
	struct tally_state *t;
	struct indexed files[RECORD_FILES_MAX];
	size_t nfiles;
	/* the file being written */
	FILE *f;
	struct digest *d;
	char cur[RECORD_PATH_MAX];
	int err;
};

static int
rec_open(struct rec *rc, const char *path)
{
	char full[4096];
	int n;

	REQUIRE(rc->f == NULL && rc->nfiles < RECORD_FILES_MAX);
	REQUIRE(strlen(path) < RECORD_PATH_MAX);
	n = snprintf(full, sizeof(full), "%s/%s", rc->dir, path);
	if (n < 0 || (size_t)n >= sizeof(full))
		return ERR_TOO_LARGE;
	if ((rc->d = digest_new()) == NULL)
		return ERR_NOMEM;
	if ((rc->f = fopen(full, "wbx")) == NULL) {
		digest_free(rc->d);
		rc->d = NULL;
		return errno == EEXIST ? ERR_EXISTS : ERR_IO;
	}
	memcpy(rc->cur, path, strlen(path) + 1);
	rc->err = 0;
	return 0;
}

static void
rec_put(struct rec *rc, const void *p, size_t n)
{
	if (rc->err != 0 || n == 0)
		return;
	if (fwrite(p, 1, n, rc->f) != n)
		rc->err = ERR_IO;
	digest_put(rc->d, p, n);
}

static void
rec_u64(struct rec *rc, uint64_t v)
{
	uint8_t b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (56 - 8 * i));
	rec_put(rc, b, 8);
}

static void
rec_str(struct rec *rc, const void *p, size_t n)
{
	uint8_t b[4] = {
		(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8),
		(uint8_t)n
	};

	rec_put(rc, b, 4);
	rec_put(rc, p, n);
}

static int
rec_close(struct rec *rc)
{
	int r = rc->err;

	if (fclose(rc->f) != 0 && r == 0)
		r = ERR_IO;
	rc->f = NULL;
	if (r == 0) {
		struct indexed *x = &rc->files[rc->nfiles++];

		memcpy(x->path, rc->cur, sizeof(x->path));
		digest_final(rc->d, x->hash);	/* frees the digest */
	} else
		digest_free(rc->d);
	rc->d = NULL;
	return r;
}

/* A whole file from memory. */
static int
rec_file(struct rec *rc, const char *path, const void *p, size_t n)
{
	int r;

	if ((r = rec_open(rc, path)) != 0)
		return r;
	rec_put(rc, p, n);
	return rec_close(rc);
}

static int
rec_put_file(void *arg, const char *path, const uint8_t *p, size_t n)
{
	return rec_file(arg, path, p, n);
}

/* A JSON value (stolen) as a file: two-space indent, keys in order. */
static int
rec_json(struct rec *rc, const char *path, json_t *v)
{
	char *text;
	int r;

	if (v == NULL)
		return ERR_NOMEM;
	text = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(v);
	if (text == NULL)
		return ERR_NOMEM;
	if ((r = rec_open(rc, path)) == 0) {
		rec_put(rc, text, strlen(text));
		rec_put(rc, "\n", 1);
		r = rec_close(rc);
	}
	free(text);
	return r;
}

static json_t *
jhex(const uint8_t *p, size_t n)
{
	char buf[2 * 512 + 1];

	if (2 * n + 1 > sizeof(buf) || ct_hex_encode(p, n, buf, sizeof(buf)))
		return NULL;
	return json_string(buf);
}

/* Sets k on o; 0 or -1 (a NULL value counts as a failure). */
static int
jset(json_t *o, const char *k, json_t *v)
{
	return v == NULL ? -1 : json_object_set_new(o, k, v);
}

static int
write_election(struct rec *rc, int64_t created_us)
{
	const struct tally_state *t = rc->t;
	const struct election *e = t->e;
	json_t *o = json_object(), *cer = NULL;
	uint32_t q;

	if (o == NULL)
		return ERR_NOMEM;
	if (t->trustees.test_single_key)
		cer = json_null();
	else {
		json_t *qa = json_array();

		cer = json_object();
		for (q = 0; qa != NULL && q < t->trustees.nqual; q++)
			if (json_array_append_new(qa, json_integer(
			    t->trustees.qual[q])) != 0)
				break;
		if (cer == NULL || qa == NULL ||
		    jset(cer, "n", json_integer(t->trustees.params.n)) ||
		    jset(cer, "k", json_integer(t->trustees.params.k)) ||
		    jset(cer, "context", jhex(t->trustees.params.context,
		    HASH_LEN)) || jset(cer, "qualified", qa)) {
			json_decref(cer);
			json_decref(o);
			return ERR_NOMEM;
		}
	}
	if (jset(o, "format", json_string("ippyo-record")) ||
	    jset(o, "version", json_integer(1)) ||
	    jset(o, "election_id", json_string(e->manifest->id)) ||
	    jset(o, "created_us", json_integer(created_us)) ||
	    jset(o, "public_key", jhex(elgamal_key_encoded(e->key),
	    GROUP_POINT_LEN)) ||
	    jset(o, "context_hash", jhex(e->context_hash, HASH_LEN)) ||
	    jset(o, "test_single_key", json_boolean(e->test_single_key)) ||
	    jset(o, "ceremony", cer) ||
	    jset(o, "box_key", jhex(t->box_key, 32)) ||
	    jset(o, "committee_key", jhex(t->committee_key, 32)) ||
	    jset(o, "ballots_cast", json_integer(t->final_position)) ||
	    jset(o, "ballots_counted", json_integer(t->ballots_counted))) {
		json_decref(o);
		return ERR_NOMEM;
	}
	return rec_json(rc, "election.json", o);
}

static int
write_ballots(struct rec *rc)
{
	static const char sql[] = "SELECT position, alias, ballot_hash, "
	    "tracking_code, received_at, ballot FROM ballots WHERE election_id "
	    "= $1 AND position > $2 AND position <= $3 ORDER BY position "
	    "LIMIT 2048";
	const char *id = rc->t->e->manifest->id;
	int64_t last = 0;
	int r;

	if ((r = rec_open(rc, "ballots.bin")) != 0)
		return r;
	rec_put(rc, "IPPYOBOX", 8);
	rec_put(rc, "\x01", 1);
	rec_u64(rc, (uint64_t)rc->t->final_position);
	while (last < rc->t->final_position && rc->err == 0) {
		struct db_param p[3] = {
			DB_TEXT(id), DB_I64(last), DB_I64(rc->t->final_position)
		};
		struct db_result *res = NULL;
		int i, rows;

		if ((r = db_exec_binary(rc->db, sql, p, 3, &res)) != 0)
			goto fail;
		if ((rows = db_result_rows(res)) == 0) {
			db_result_free(res);
			r = ERR_VERIFY;		/* the box lost a ballot */
			goto fail;
		}
		for (i = 0; i < rows; i++) {
			const uint8_t *bh, *tc, *bal;
			const char *alias, *at;
			size_t bhl, tcl, bl;
			int64_t pos = 0;

			if (db_get_i64(res, i, 0, &pos) != 0 || pos != last + 1 ||
			    db_get_text(res, i, 1, BALLOT_ALIAS_LEN, &alias) != 0 ||
			    db_get_raw(res, i, 2, 32, &bh, &bhl) != 0 || bhl != 32 ||
			    db_get_raw(res, i, 3, 32, &tc, &tcl) != 0 || tcl != 32 ||
			    db_get_text(res, i, 4, CLOCK_TEXT_LEN - 1, &at) != 0 ||
			    db_get_raw(res, i, 5, BALLOT_MAX, &bal, &bl) != 0) {
				db_result_free(res);
				r = ERR_FORMAT;
				goto fail;
			}
			rec_u64(rc, (uint64_t)pos);
			rec_str(rc, alias, strlen(alias));
			rec_put(rc, bh, 32);
			rec_put(rc, tc, 32);
			rec_str(rc, at, strlen(at));
			rec_str(rc, bal, bl);
			last = pos;
		}
		db_result_free(res);
	}
	return rec_close(rc);
 fail:
	rc->err = r;
	(void)rec_close(rc);
	return r;
}

/* One JSON value from row i of res, or NULL when the row is not as
 * expected (or memory ran out). */
typedef json_t *(*row_json_fn)(struct db_result *res, int i);

/* The rows of a query as a JSON array, written to file. */
static int
write_rows(struct rec *rc, const char *file, const char *sql,
    const struct db_param *p, int n, row_json_fn fn)
{
	struct db_result *res = NULL;
	json_t *a = json_array();
	int r, i, rows;

	if (a == NULL)
		return ERR_NOMEM;
	if ((r = db_exec(rc->db, sql, p, n, &res)) != 0) {
		json_decref(a);
		return r;
	}
	rows = db_result_rows(res);
	for (i = 0; i < rows; i++) {
		if (json_array_append_new(a, fn(res, i)) != 0) {
			db_result_free(res);
			json_decref(a);
			return ERR_FORMAT;
		}
	}
	db_result_free(res);
	return rec_json(rc, file, a);
}

static json_t *
superseded_row(struct db_result *res, int i)
{
	json_t *o = json_object();
	const char *reason;
	int64_t pos, by = 0;
	int null_by = db_is_null(res, i, 1);

	if (o == NULL || db_get_i64(res, i, 0, &pos) != 0 ||
	    (!null_by && db_get_i64(res, i, 1, &by) != 0) ||
	    db_get_text(res, i, 2, 32, &reason) != 0 ||
	    jset(o, "position", json_integer(pos)) ||
	    jset(o, "by", null_by ? json_null() : json_integer(by)) ||
	    jset(o, "reason", json_string(reason))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int
write_superseded(struct rec *rc)
{
	struct db_param p[2] = {
		DB_TEXT(rc->t->e->manifest->id), DB_I64(rc->t->final_position)
	};

	return write_rows(rc, "superseded.json", "SELECT position, "
	    "by_position, reason FROM ballot_superseded WHERE election_id = $1 "
	    "AND position <= $2 ORDER BY position", p, 2, superseded_row);
}

static json_t *
admitted_row(struct db_result *res, int i)
{
	const char *alias;

	if (db_get_text(res, i, 0, BALLOT_ALIAS_LEN, &alias) != 0)
		return NULL;
	return json_string(alias);
}

static int
write_admitted(struct rec *rc)
{
	struct db_param p = DB_TEXT(rc->t->e->manifest->id);

	return write_rows(rc, "admitted.json", "SELECT r.alias FROM admissions "
	    "a JOIN roll_entries r ON r.election_id = a.election_id AND "
	    "r.resident_id = a.resident_id WHERE a.election_id = $1 ORDER BY "
	    "r.alias", &p, 1, admitted_row);
}

static int
write_counted(struct rec *rc)
{
	const struct tally_state *t = rc->t;
	json_t *o = json_object(), *a = json_array();
	size_t i;

	if (o == NULL || a == NULL) {
		json_decref(o);
		json_decref(a);
		return ERR_NOMEM;
	}
	for (i = 0; i < t->ncounted; i++) {
		uint64_t v = 0;
		int b;

		for (b = 0; b < 8; b++)
			v = v << 8 | t->counted[i * 8 + b];
		if (json_array_append_new(a, json_integer((json_int_t)v)) != 0) {
			json_decref(o);
			json_decref(a);
			return ERR_NOMEM;
		}
	}
	if (jset(o, "positions", a)) {
		json_decref(o);
		return ERR_NOMEM;
	}
	return rec_json(rc, "counted.json", o);
}

static json_t *
checkpoint_row(struct db_result *res, int i)
{
	json_t *o = json_object();
	uint8_t *tc = NULL, *pk = NULL, *sig = NULL;
	size_t tcl = 0, pkl = 0, sigl = 0;
	const char *at;
	int64_t pos;
	int fin, ok;

	ok = o != NULL && db_get_i64(res, i, 0, &pos) == 0 &&
	    db_get_bytes(res, i, 1, 32, &tc, &tcl) == 0 && tcl == 32 &&
	    db_get_text(res, i, 2, CLOCK_TEXT_LEN - 1, &at) == 0 &&
	    db_get_bool(res, i, 3, &fin) == 0 &&
	    db_get_bytes(res, i, 4, 32, &pk, &pkl) == 0 && pkl == 32 &&
	    db_get_bytes(res, i, 5, 64, &sig, &sigl) == 0 && sigl == 64 &&
	    !jset(o, "position", json_integer(pos)) &&
	    !jset(o, "tracking_code", jhex(tc, 32)) &&
	    !jset(o, "at", json_string(at)) &&
	    !jset(o, "final", json_boolean(fin)) &&
	    !jset(o, "public_key", jhex(pk, 32)) &&
	    !jset(o, "signature", jhex(sig, 64));
	free(tc);
	free(pk);
	free(sig);
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int
write_checkpoints(struct rec *rc)
{
	struct db_param p = DB_TEXT(rc->t->e->manifest->id);

	return write_rows(rc, "checkpoints.json", "SELECT position, "
	    "tracking_code, at, final, public_key, signature FROM "
	    "box_checkpoints WHERE election_id = $1 ORDER BY final, at, "
	    "position", &p, 1, checkpoint_row);
}

static int
write_tally(struct rec *rc)
{
	const struct tally_state *t = rc->t;
	const struct manifest *m = t->e->manifest;
	json_t *o = json_object(), *cs = json_array();
	uint32_t c, k;

	if (o == NULL || cs == NULL || jset(o, "contests", cs)) {
		json_decref(o);
		return ERR_NOMEM;
	}
	for (c = 0; c < m->ncontests; c++) {
		json_t *jc = json_object(), *os = json_array();

		if (jc == NULL || os == NULL || json_array_append_new(cs, jc) ||
		    jset(jc, "index", json_integer(c)) || jset(jc, "options", os)) {
			json_decref(o);
			return ERR_NOMEM;
		}
		for (k = 0; k < m->contests[c].noptions; k++)
			if (json_array_append_new(os, jhex(t->aggregates +
			    (t->first[c] + k) * ELGAMAL_CT_LEN, ELGAMAL_CT_LEN))) {
				json_decref(o);
				return ERR_NOMEM;
			}
	}
	return rec_json(rc, "tally.json", o);
}

static int
write_shares(struct rec *rc)
{
	struct db_param p = DB_TEXT(rc->t->e->manifest->id);
	struct db_result *res = NULL;
	int r, i, rows;

	if ((r = db_exec(rc->db, "SELECT trustee, shares FROM tally_shares "
	    "WHERE election_id = $1 ORDER BY trustee", &p, 1, &res)) != 0)
		return r;
	rows = db_result_rows(res);
	for (i = 0; r == 0 && i < rows; i++) {
		struct vbuf *b = vbuf_new(LIMIT_BUF_MAX);
		uint8_t *sh = NULL;
		size_t shl = 0;
		char path[RECORD_PATH_MAX];
		int64_t j;

		if (b == NULL)
			r = ERR_NOMEM;
		else if ((r = db_get_i64(res, i, 0, &j)) == 0 &&
		    (r = db_get_bytes(res, i, 1, LIMIT_DB_VALUE_MAX, &sh,
		    &shl)) == 0) {
			if (j < 1 || j > LIMIT_TRUSTEES_MAX ||
			    shl != rc->t->nagg * DKG_DSHARE_LEN)
				r = ERR_FORMAT;
			else {
				snprintf(path, sizeof(path),
				    "decryption/trustee-%02d.json", (int)j);
				if ((r = tally_shares_json(rc->t, (uint32_t)j, sh,
				    b)) == 0)
					r = rec_file(rc, path, vbuf_ptr(b),
					    vbuf_len(b));
			}
		}
		free(sh);
		vbuf_free(b);
	}
	db_result_free(res);
	return r;
}

static int
write_results(struct rec *rc)
{
	struct db_param p = DB_TEXT(rc->t->e->manifest->id);
	struct db_result *res = NULL;
	struct vbuf *txt = NULL;
	uint64_t *votes = NULL;
	uint8_t *rj = NULL;
	size_t rjl = 0;
	json_t *root = NULL, *cs;
	json_error_t jerr;
	uint32_t c, o;
	int r;

	if ((r = db_exec(rc->db, "SELECT results FROM tally_results WHERE "
	    "election_id = $1", &p, 1, &res)) != 0)
		return r;
	if (db_result_rows(res) != 1) {
		db_result_free(res);
		return ERR_WRONG_STATE;
	}
	r = db_get_bytes(res, 0, 0, LIMIT_DB_VALUE_MAX, &rj, &rjl);
	db_result_free(res);
	if (r != 0)
		return r;
	if ((r = rec_file(rc, "results.json", rj, rjl)) != 0)
		goto out;
	/* results.txt from the stored numbers. */
	r = ERR_FORMAT;
	if ((votes = calloc(rc->t->nagg, sizeof(*votes))) == NULL ||
	    (txt = vbuf_new(LIMIT_BUF_MAX)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	root = json_loadb((const char *)rj, rjl, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL || !json_is_array(cs = json_object_get(root,
	    "contests")) || json_array_size(cs) != rc->t->e->manifest->ncontests)
		goto out;
	for (c = 0; c < rc->t->e->manifest->ncontests; c++) {
		json_t *os = json_object_get(json_array_get(cs, c), "options");

		if (!json_is_array(os) || json_array_size(os) !=
		    rc->t->e->manifest->contests[c].noptions)
			goto out;
		for (o = 0; o < rc->t->e->manifest->contests[c].noptions; o++) {
			json_t *v = json_object_get(json_array_get(os, o), "votes");

			if (!json_is_integer(v) || json_integer_value(v) < 0)
				goto out;
			votes[rc->t->first[c] + o] = (uint64_t)json_integer_value(v);
		}
	}
	if ((r = tally_results_text(rc->t, rc->t->final_position, votes,
	    txt)) == 0)
		r = rec_file(rc, "results.txt", vbuf_ptr(txt), vbuf_len(txt));
 out:
	json_decref(root);
	vbuf_free(txt);
	free(votes);
	free(rj);
	return r;
}

static int
write_audit(struct rec *rc, struct sign_key *committee, int full)
{
	static const char sql[] = "SELECT seq, at, actor, action, object, detail, "
	    "prev_hash, hash FROM audit_log WHERE seq > $1 AND seq <= $2 ORDER "
	    "BY seq LIMIT 4096";
	json_t *root = json_object(), *es = json_array(), *cps = json_array();
	struct db_result *res = NULL;
	int64_t last = 0, head = 0;
	int r = ERR_NOMEM, i, rows;

	if (root == NULL || es == NULL || cps == NULL ||
	    jset(root, "entries", es) || jset(root, "checkpoints", cps)) {
		json_decref(root);
		return ERR_NOMEM;
	}
	/*
	 * The log goes on after the tally (other elections, the card desk):
	 * writing the record is itself logged, the committee signs the head
	 * then, and the record holds the log up to that checkpoint, so its
	 * last entry is always one the committee signed.
	 */
	if ((r = audit_append(rc->db, audit_actor(), full ? "tally.record" :
	    "tally.export", rc->t->e->manifest->id, full ? "the election "
	    "record written" : "the record for the trustees written",
	    NULL)) != 0 || (r = audit_checkpoint(rc->db, committee,
	    &head)) != 0)
		goto out;
	for (;;) {
		struct db_param p[2] = { DB_I64(last), DB_I64(head) };

		if ((r = db_exec(rc->db, sql, p, 2, &res)) != 0)
			goto out;
		if ((rows = db_result_rows(res)) == 0)
			break;
		for (i = 0; i < rows; i++) {
			const char *at, *actor, *action, *object, *detail;
			uint8_t *ph = NULL, *h = NULL;
			size_t phl = 0, hl = 0;
			json_t *o = json_object();
			int64_t seq = 0;
			int ok, redact;

			ok = o != NULL && json_array_append_new(es, o) == 0 &&
			    db_get_i64(res, i, 0, &seq) == 0 &&
			    db_get_text(res, i, 1, 32, &at) == 0 &&
			    db_get_text(res, i, 2, AUDIT_ACTOR_MAX, &actor) == 0 &&
			    db_get_text(res, i, 3, 64, &action) == 0 &&
			    db_get_text(res, i, 4, AUDIT_OBJECT_MAX,
			    &object) == 0 &&
			    db_get_text(res, i, 5, AUDIT_DETAIL_MAX,
			    &detail) == 0 &&
			    db_get_bytes(res, i, 6, 32, &ph, &phl) == 0 &&
			    phl == 32 && db_get_bytes(res, i, 7, 32, &h, &hl) == 0 &&
			    hl == 32 && seq == last + 1;
			/* Entries naming a resident stay out of the public
			 * record: their hash and link only. */
			redact = ok && strncmp(action, "binding.", 8) == 0;
			ok = ok && !jset(o, "seq", json_integer(seq));
			if (ok && redact)
				ok = !jset(o, "redacted", json_true());
			else if (ok)
				ok = !jset(o, "at", json_string(at)) &&
				    !jset(o, "actor", json_string(actor)) &&
				    !jset(o, "action", json_string(action)) &&
				    !jset(o, "object", json_string(object)) &&
				    !jset(o, "detail", json_string(detail));
			ok = ok && !jset(o, "prev_hash", jhex(ph, 32)) &&
			    !jset(o, "hash", jhex(h, 32));
			free(ph);
			free(h);
			if (!ok) {
				r = ERR_FORMAT;
				goto out;
			}
			last = seq;
		}
		db_result_free(res);
		res = NULL;
	}
	db_result_free(res);
	res = NULL;
	{
		struct db_param p[2] = {
			DB_BYTES(rc->t->committee_key, 32), DB_I64(head)
		};

		if ((r = db_exec(rc->db, "SELECT seq, hash, at, public_key, "
		    "signature FROM audit_checkpoints WHERE public_key = $1 "
		    "AND seq <= $2 ORDER BY seq", p, 2, &res)) != 0)
			goto out;
		rows = db_result_rows(res);
		for (i = 0; i < rows; i++) {
			json_t *o = json_object();
			uint8_t *h = NULL, *pk = NULL, *sig = NULL;
			size_t hl = 0, pkl = 0, sigl = 0;
			const char *at;
			int64_t seq;
			int ok;

			ok = o != NULL && json_array_append_new(cps, o) == 0 &&
			    db_get_i64(res, i, 0, &seq) == 0 &&
			    db_get_bytes(res, i, 1, 32, &h, &hl) == 0 && hl == 32 &&
			    db_get_text(res, i, 2, 32, &at) == 0 &&
			    db_get_bytes(res, i, 3, 32, &pk, &pkl) == 0 &&
			    pkl == 32 && db_get_bytes(res, i, 4, 64, &sig,
			    &sigl) == 0 && sigl == 64 &&
			    !jset(o, "seq", json_integer(seq)) &&
			    !jset(o, "hash", jhex(h, 32)) &&
			    !jset(o, "at", json_string(at)) &&
			    !jset(o, "public_key", jhex(pk, 32)) &&
			    !jset(o, "signature", jhex(sig, 64));
			free(h);
			free(pk);
			free(sig);
			if (!ok) {
				r = ERR_FORMAT;
				goto out;
			}
		}
	}
	r = rec_json(rc, "audit.json", root);
	root = NULL;
 out:
	db_result_free(res);
	json_decref(root);
	return r;
}

static int
indexed_cmp(const void *a, const void *b)
{
	return strcmp(((const struct indexed *)a)->path,
	    ((const struct indexed *)b)->path);
}

static int
write_index(struct rec *rc, struct sign_key *committee)
{
	struct vbuf *b = vbuf_new(LIMIT_BUF_MAX);
	uint8_t sig[SIGN_SIG_LEN], pk[SIGN_PUBLIC_LEN];
	char hex[2 * DIGEST_LEN + 1];
	json_t *o;
	size_t i;
	int r = 0;

	if (b == NULL)
		return ERR_NOMEM;
	qsort(rc->files, rc->nfiles, sizeof(rc->files[0]), indexed_cmp);
	for (i = 0; r == 0 && i < rc->nfiles; i++) {
		if ((r = ct_hex_encode(rc->files[i].hash, DIGEST_LEN, hex,
		    sizeof(hex))) == 0 && (r = vbuf_put(b, hex, 64)) == 0 &&
		    (r = vbuf_put(b, "  ", 2)) == 0 &&
		    (r = vbuf_put(b, rc->files[i].path,
		    strlen(rc->files[i].path))) == 0)
			r = vbuf_put_u8(b, '\n');
	}
	if (r == 0 && (r = sign_sign(committee, "record-index", vbuf_ptr(b),
	    vbuf_len(b), sig)) == 0) {
		size_t n = rc->nfiles;

		r = rec_file(rc, "INDEX", vbuf_ptr(b), vbuf_len(b));
		rc->nfiles = n;		/* INDEX does not index itself */
	}
	vbuf_free(b);
	if (r != 0)
		return r;
	sign_key_public(committee, pk);
	if ((o = json_object()) == NULL || jset(o, "public_key", jhex(pk, 32)) ||
	    jset(o, "signature", jhex(sig, sizeof(sig)))) {
		json_decref(o);
		return ERR_NOMEM;
	}
	r = rec_json(rc, "INDEX.sig", o);
	rc->nfiles--;
	return r;
}

int
record_write(struct db *db, const char *id, const char *dir,
    enum record_stage stage, struct sign_key *committee)
{
	struct rec rc;
	uint8_t pk[SIGN_PUBLIC_LEN];
	char sub[4096];
	int r;

	REQUIRE(db != NULL && id != NULL && dir != NULL && committee != NULL);
	REQUIRE(stage == RECORD_TRUSTEES || stage == RECORD_FULL);
	memset(&rc, 0, sizeof(rc));
	rc.db = db;
	rc.dir = dir;
	if ((r = tally_load(db, id, &rc.t)) != 0)
		return r == ERR_NOT_FOUND ? ERR_WRONG_STATE : r;
	sign_key_public(committee, pk);
	if (!ct_eq(pk, rc.t->committee_key, sizeof(pk))) {
		r = ERR_MISMATCH;
		goto out;
	}
	if (stage == RECORD_FULL && rc.t->e->state != ELECTION_TALLIED) {
		r = ERR_WRONG_STATE;
		goto out;
	}
	if (mkdir(dir, 0755) != 0) {
		r = errno == EEXIST ? ERR_EXISTS : ERR_IO;
		goto out;
	}
	if ((r = write_election(&rc, clock_now_us())) != 0 ||
	    (r = rec_file(&rc, "manifest.bin", rc.t->e->manifest_bytes,
	    rc.t->e->manifest_len)) != 0)
		goto out;
	if (!rc.t->trustees.test_single_key) {
		snprintf(sub, sizeof(sub), "%s/ceremony", dir);
		if (mkdir(sub, 0755) != 0) {
			r = ERR_IO;
			goto out;
		}
		if ((r = ceremony_record_files(db, rc.t->e, rec_put_file,
		    &rc)) != 0)
			goto out;
	}
	if ((r = write_ballots(&rc)) != 0 || (r = write_superseded(&rc)) != 0 ||
	    (r = write_admitted(&rc)) != 0 || (r = write_counted(&rc)) != 0 ||
	    (r = write_checkpoints(&rc)) != 0 || (r = write_tally(&rc)) != 0)
		goto out;
	if (stage == RECORD_FULL) {
		snprintf(sub, sizeof(sub), "%s/decryption", dir);
		if (rc.t->ballots_counted > 0 && mkdir(sub, 0755) != 0) {
			r = ERR_IO;
			goto out;
		}
		if ((r = write_shares(&rc)) != 0 ||
		    (r = write_results(&rc)) != 0)
			goto out;
	}
	if ((r = write_audit(&rc, committee, stage == RECORD_FULL)) != 0 ||
	    (r = write_index(&rc, committee)) != 0)
		goto out;
 out:
	if (rc.f != NULL) {
		fclose(rc.f);
		digest_free(rc.d);
	}
	if (r != 0)
		log_error("record.write_failed", LOG_S("election", id),
		    LOG_S("file", rc.cur), LOG_E("error", r));
	tally_state_free(rc.t);
	return r;
}

int
record_pack(const char *dir, const char *top, const char *tar_path)
{
	struct archive_writer *w = NULL;
	uint8_t *index = NULL, *ej = NULL;
	size_t ilen = 0, elen = 0, i;
	char path[4096];
	json_t *root = NULL, *cu;
	json_error_t jerr;
	int64_t mtime = 0;
	FILE *f = NULL;
	int r;

	REQUIRE(dir != NULL && top != NULL && tar_path != NULL);
	snprintf(path, sizeof(path), "%s/INDEX", dir);
	if ((r = file_read(path, LIMIT_BUF_MAX, 0, &index, &ilen)) != 0)
		return r;
	snprintf(path, sizeof(path), "%s/election.json", dir);
	if ((r = file_read(path, LIMIT_BUF_MAX, 0, &ej, &elen)) != 0)
		goto out;
	root = json_loadb((const char *)ej, elen, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL || !json_is_integer(cu = json_object_get(root,
	    "created_us")) || json_integer_value(cu) < 0) {
		r = ERR_FORMAT;
		goto out;
	}
	mtime = (int64_t)(json_integer_value(cu) / 1000000);
	if ((f = fopen(tar_path, "wbx")) == NULL) {
		r = errno == EEXIST ? ERR_EXISTS : ERR_IO;
		goto out;
	}
	if ((r = archive_writer_new(f, top, mtime, &w)) != 0 ||
	    (r = archive_add(w, "INDEX", index, ilen)) != 0)
		goto out;
	snprintf(path, sizeof(path), "%s/INDEX.sig", dir);
	if ((r = archive_add_file(w, "INDEX.sig", path)) != 0)
		goto out;
	/* Then every file INDEX lists, in its order. */
	for (i = 0; i < ilen;) {
		size_t e = i;
		char name[RECORD_PATH_MAX];

		while (e < ilen && index[e] != '\n')
			e++;
		if (e - i < 67 || e - i - 66 >= sizeof(name)) {
			r = ERR_FORMAT;
			goto out;
		}
		memcpy(name, index + i + 66, e - i - 66);
		name[e - i - 66] = '\0';
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		if ((r = archive_add_file(w, name, path)) != 0)
			goto out;
		i = e + 1;
	}
	r = archive_finish(w);
	w = NULL;
 out:
	archive_writer_free(w);
	if (f != NULL && fclose(f) != 0 && r == 0)
		r = ERR_IO;
	json_decref(root);
	free(index);
	free(ej);
	return r;
}
