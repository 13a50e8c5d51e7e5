/*
 * ceremony.c - the committee's relay of the key ceremony (ceremony.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "audit/log.h"
#include "ballot/election.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/misuse.h"
#include "crypto/ct.h"
#include "crypto/dkg.h"
#include "crypto/group.h"
#include "db/db.h"
#include "tally/ceremony.h"
#include "tally/cfile.h"

static const char *const kind_names[] = { "", "public", "share", "complaint" };

static int
write_flags(const char *path, const uint8_t *p, size_t len, int flags)
{
	size_t o = 0;
	int fd, r = 0;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW |
	    flags, 0644)) < 0)
		return errno == EEXIST && (flags & O_EXCL) ? ERR_EXISTS : ERR_IO;
	while (o < len) {
		ssize_t w = write(fd, p + o, len - o);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			r = ERR_IO;
			break;
		}
		o += (size_t)w;
	}
	if (r == 0 && fsync(fd) != 0)
		r = ERR_IO;
	if (close(fd) != 0 && r == 0)
		r = ERR_IO;
	/* a new file left half-written would block the next try */
	if (r != 0 && (flags & O_EXCL))
		(void)unlink(path);
	return r;
}

int
cfile_write(const char *path, const uint8_t *p, size_t len)
{
	return write_flags(path, p, len, O_TRUNC);
}

int
cfile_write_new(const char *path, const uint8_t *p, size_t len)
{
	return write_flags(path, p, len, O_EXCL);
}

/* Serialises the ceremony steps of one election. */
static int
ceremony_lock(struct db *db, const char *id)
{
	char key[LIMIT_ID_LEN_MAX + 16];
	struct db_param p = DB_TEXT(key);

	snprintf(key, sizeof(key), "ceremony:%s", id);
	return db_exec(db, "SELECT pg_advisory_xact_lock(hashtext($1))", &p, 1,
	    NULL);
}

/* The latest attempt: its number and parameters.  ERR_NOT_FOUND. */
static int
current_attempt(struct db *db, const char *id, int *attempt,
    struct dkg_params *p, int *finished)
{
	struct db_param q = DB_TEXT(id);
	struct db_result *res = NULL;
	uint8_t *ctx = NULL;
	size_t ctxlen = 0;
	int64_t a, n, k;
	int r;

	if ((r = db_exec(db, "SELECT c.attempt, c.n, c.k, c.context, "
	    "EXISTS (SELECT 1 FROM ceremony_results r WHERE r.election_id = "
	    "c.election_id AND r.attempt = c.attempt) FROM ceremonies c WHERE "
	    "c.election_id = $1 ORDER BY c.attempt DESC LIMIT 1", &q, 1,
	    &res)) != 0)
		return r;
	if (db_result_rows(res) != 1) {
		r = ERR_NOT_FOUND;
		goto out;
	}
	if ((r = db_get_i64(res, 0, 0, &a)) != 0 ||
	    (r = db_get_i64(res, 0, 1, &n)) != 0 ||
	    (r = db_get_i64(res, 0, 2, &k)) != 0 ||
	    (r = db_get_bytes(res, 0, 3, HASH_LEN, &ctx, &ctxlen)) != 0 ||
	    (r = db_get_bool(res, 0, 4, finished)) != 0)
		goto out;
	if (ctxlen != HASH_LEN || a < 1 || n < 2 || n > LIMIT_TRUSTEES_MAX ||
	    k < 2 || k > n) {
		r = ERR_FORMAT;
		goto out;
	}
	*attempt = (int)a;
	p->n = (uint32_t)n;
	p->k = (uint32_t)k;
	memcpy(p->context, ctx, HASH_LEN);
	if (!dkg_params_valid(p))
		r = ERR_FORMAT;
 out:
	free(ctx);
	db_result_free(res);
	return r;
}

int
ceremony_start(struct db *db, const char *election_id, uint32_t n, uint32_t k,
    int restart, const char *actor, struct vbuf *desc)
{
	struct election *e = NULL;
	struct dkg_params p, old;
	struct db_result *res = NULL;
	char now[CLOCK_TEXT_LEN], detail[160], hex[2 * HASH_LEN + 1];
	int attempt = 0, finished = 0, r;

	REQUIRE(db != NULL && election_id != NULL && actor != NULL &&
	    desc != NULL);
	memset(&p, 0, sizeof(p));
	p.n = n;
	p.k = k;
	if (k < 2 || !dkg_params_valid(&p))
		return ERR_RANGE;
	if ((r = election_load(db, election_id, &e)) != 0)
		return r;
	if (e->state != ELECTION_ROLL_FROZEN) {
		r = ERR_WRONG_STATE;
		goto out;
	}
	if ((r = ceremony_context(e->manifest_bytes, e->manifest_len, n, k,
	    p.context)) != 0)
		goto out;
	if ((r = db_begin(db)) != 0)
		goto out;
	if ((r = ceremony_lock(db, election_id)) != 0)
		goto rollback;
	r = current_attempt(db, election_id, &attempt, &old, &finished);
	if (r == 0 && finished)
		r = ERR_WRONG_STATE;
	else if (r == 0 && !restart)
		r = ERR_EXISTS;
	else if (r == ERR_NOT_FOUND || r == 0)
		r = 0;
	if (r != 0)
		goto rollback;
	attempt++;
	clock_format_us(clock_now_us(), now);
	{
		struct db_param q[6] = {
			DB_TEXT(election_id), DB_I64(attempt), DB_I64(n), DB_I64(k),
			DB_BYTES(p.context, HASH_LEN), DB_TEXT(now)
		};

		if ((r = db_exec(db, "INSERT INTO ceremonies (election_id, "
		    "attempt, n, k, context, started_at) VALUES ($1, $2, $3, "
		    "$4, $5, $6)", q, 6, NULL)) != 0)
			goto rollback;
	}
	if ((r = ct_hex_encode(p.context, HASH_LEN, hex, sizeof(hex))) != 0)
		goto rollback;
	snprintf(detail, sizeof(detail), "attempt %d: n=%u k=%u cctx=%s%s",
	    attempt, n, k, hex, attempt > 1 ? " (restart)" : "");
	if ((r = audit_append(db, actor, "ceremony.start", election_id, detail,
	    NULL)) != 0 || (r = db_commit(db)) != 0)
		goto rollback;
	r = ceremony_desc_encode(election_id, e->manifest_bytes,
	    e->manifest_len, n, k, desc);
	goto out;
 rollback:
	db_rollback(db);
 out:
	db_result_free(res);
	election_free(e);
	return r;
}

/* The body of one stored message of the attempt; ERR_NOT_FOUND. */
static int
load_body(struct db *db, const char *id, int attempt, const char *kind,
    uint32_t from, uint32_t to, uint8_t **body, size_t *len)
{
	struct db_param q[5] = {
		DB_TEXT(id), DB_I64(attempt), DB_TEXT(kind), DB_I64(from),
		DB_I64(to)
	};
	struct db_result *res = NULL;
	int r;

	*body = NULL;
	*len = 0;
	if ((r = db_exec(db, "SELECT body FROM ceremony_messages WHERE "
	    "election_id = $1 AND attempt = $2 AND kind = $3 AND sender = $4 "
	    "AND recipient = $5", q, 5, &res)) != 0)
		return r;
	if (db_result_rows(res) != 1)
		r = ERR_NOT_FOUND;
	else
		r = db_get_bytes(res, 0, 0, CFILE_MAX, body, len);
	db_result_free(res);
	return r;
}

/* Checks m against what is stored; sets *justified for a complaint. */
static int
check_message(struct db *db, const char *id, int attempt, const struct cmsg *m,
    int *justified)
{
	uint8_t *pi = NULL, *pj = NULL;
	size_t li = 0, lj = 0;
	int r;

	*justified = 0;
	if (m->kind == CMSG_PUBLIC)
		return dkg_public_verify(&m->p, m->from, m->body, m->body_len) ==
		    0 ? 0 : ERR_VERIFY;
	if (m->kind == CMSG_SHARE) {
		/* the sender's public message carries its signing key */
		if ((r = load_body(db, id, attempt, "public", m->from, 0, &pi,
		    &li)) != 0) {
			r = r == ERR_NOT_FOUND ? ERR_WRONG_STATE : r;
			goto out;
		}
		r = dkg_share_check_signature(&m->p, m->from, m->to, pi, li,
		    m->body, m->body_len) == 0 ? 0 : ERR_VERIFY;
		goto out;
	}
	/* a complaint by from about to: accused i = to, complainer j = from */
	if ((r = load_body(db, id, attempt, "public", m->to, 0, &pi,
	    &li)) != 0 || (r = load_body(db, id, attempt, "public", m->from, 0,
	    &pj, &lj)) != 0) {
		r = r == ERR_NOT_FOUND ? ERR_WRONG_STATE : r;
		goto out;
	}
	if (li != dkg_public_len(&m->p) || lj != li) {
		r = ERR_FORMAT;
		goto out;
	}
	/*
	 * Only a justified complaint is stored.  The envelope is not signed
	 * by the complainer, so anyone can post "a complaint by j": one that
	 * cannot stand (ERR_PERM) or is false (ERR_VERIFY) is refused and
	 * leaves no row, so it cannot take j's place and block j's real
	 * complaint (the table keeps one per complainer and accused).
	 */
	r = dkg_complaint_judge(&m->p, m->to, m->from, pi, pj, m->body,
	    DKG_SHARE_LEN, m->body + DKG_SHARE_LEN, DKG_COMPLAINT_LEN);
	if (r == 0)
		*justified = 1;
 out:
	free(pi);
	free(pj);
	return r;
}

int
ceremony_post(struct db *db, const char *election_id, const uint8_t *file,
    size_t len, const char *actor, struct ceremony_posted *out)
{
	struct dkg_params p;
	struct cmsg m;
	struct db_result *res = NULL;
	enum election_state st;
	char now[CLOCK_TEXT_LEN], detail[160];
	int attempt = 0, finished = 0, justified = 0, r;
	int64_t seq = 0;

	REQUIRE(db != NULL && election_id != NULL && file != NULL &&
	    actor != NULL && out != NULL);
	memset(out, 0, sizeof(*out));
	if ((r = db_begin(db)) != 0)
		return r;
	if ((r = ceremony_lock(db, election_id)) != 0 ||
	    (r = current_attempt(db, election_id, &attempt, &p,
	    &finished)) != 0 ||
	    (r = election_load_state(db, election_id, &st)) != 0)
		goto rollback;
	if (finished || st != ELECTION_ROLL_FROZEN) {
		r = ERR_WRONG_STATE;
		goto rollback;
	}
	if ((r = cmsg_decode(file, len, &p, &m)) != 0)
		goto rollback;
	/* what it is, also for the caller's message when it is refused */
	out->kind = m.kind;
	out->from = m.from;
	out->to = m.to;
	{
		struct db_param q[5] = {
			DB_TEXT(election_id), DB_I64(attempt),
			DB_TEXT(kind_names[m.kind]), DB_I64(m.from), DB_I64(m.to)
		};

		if ((r = db_exec(db, "SELECT 1 FROM ceremony_messages WHERE "
		    "election_id = $1 AND attempt = $2 AND kind = $3 AND "
		    "sender = $4 AND recipient = $5", q, 5, &res)) != 0)
			goto rollback;
		if (db_result_rows(res) != 0) {
			r = ERR_DUPLICATE;
			goto rollback;
		}
		db_result_free(res);
		res = NULL;
	}
	/*
	 * A restart with the same n and k has the same cctx, so a public
	 * message of an abandoned attempt would verify again: refuse the
	 * replay (shares and complaints are bound to the public messages).
	 */
	if (m.kind == CMSG_PUBLIC) {
		struct db_param q[2] = {
			DB_TEXT(election_id), DB_BYTES(m.body, m.body_len)
		};

		if ((r = db_exec(db, "SELECT 1 FROM ceremony_messages WHERE "
		    "election_id = $1 AND kind = 'public' AND body = $2", q, 2,
		    &res)) != 0)
			goto rollback;
		if (db_result_rows(res) != 0) {
			r = ERR_DUPLICATE;
			goto rollback;
		}
		db_result_free(res);
		res = NULL;
	}
	if ((r = check_message(db, election_id, attempt, &m, &justified)) != 0)
		goto rollback;
	{
		struct db_param q[2] = { DB_TEXT(election_id), DB_I64(attempt) };

		if ((r = db_exec(db, "SELECT coalesce(max(seq), 0) + 1 FROM "
		    "ceremony_messages WHERE election_id = $1 AND attempt = $2",
		    q, 2, &res)) != 0 || (r = db_get_i64(res, 0, 0, &seq)) != 0)
			goto rollback;
	}
	clock_format_us(clock_now_us(), now);
	{
		struct db_param q[9] = {
			DB_TEXT(election_id), DB_I64(attempt), DB_I64(seq),
			DB_TEXT(kind_names[m.kind]), DB_I64(m.from), DB_I64(m.to),
			DB_BYTES(m.body, m.body_len),
			m.kind == CMSG_COMPLAINT ? DB_BOOL(justified) : DB_NULL,
			DB_TEXT(now)
		};

		if ((r = db_exec(db, "INSERT INTO ceremony_messages (election_id, "
		    "attempt, seq, kind, sender, recipient, body, justified, "
		    "posted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
		    q, 9, NULL)) != 0)
			goto rollback;
	}
	if (m.kind == CMSG_PUBLIC)
		snprintf(detail, sizeof(detail), "attempt %d: public message of "
		    "trustee %u", attempt, m.from);
	else if (m.kind == CMSG_SHARE)
		snprintf(detail, sizeof(detail), "attempt %d: share from trustee "
		    "%u to trustee %u", attempt, m.from, m.to);
	else
		snprintf(detail, sizeof(detail), "attempt %d: trustee %u "
		    "complains about trustee %u: %s", attempt, m.from, m.to,
		    justified ? "justified, trustee excluded" : "not justified");
	if ((r = audit_append(db, actor, m.kind == CMSG_COMPLAINT ?
	    "ceremony.complaint" : "ceremony.post", election_id, detail,
	    NULL)) != 0 || (r = db_commit(db)) != 0)
		goto rollback;
	out->kind = m.kind;
	out->from = m.from;
	out->to = m.to;
	out->justified = justified;
	db_result_free(res);
	return 0;
 rollback:
	db_result_free(res);
	db_rollback(db);
	return r;
}

int
ceremony_status_get(struct db *db, const char *election_id,
    struct ceremony_status *st)
{
	struct db_result *res = NULL;
	int r, i, rows;

	REQUIRE(db != NULL && election_id != NULL && st != NULL);
	memset(st, 0, sizeof(*st));
	if ((r = current_attempt(db, election_id, &st->attempt, &st->p,
	    &st->finished)) != 0)
		return r;
	{
		struct db_param q[2] = { DB_TEXT(election_id),
		    DB_I64(st->attempt) };

		if ((r = db_exec(db, "SELECT kind, sender, recipient, "
		    "coalesce(justified, false) FROM ceremony_messages WHERE "
		    "election_id = $1 AND attempt = $2", q, 2, &res)) != 0)
			return r;
	}
	rows = db_result_rows(res);
	for (i = 0; i < rows; i++) {
		const char *kind;
		int64_t from, to;
		int just;

		if ((r = db_get_text(res, i, 0, 16, &kind)) != 0 ||
		    (r = db_get_i64(res, i, 1, &from)) != 0 ||
		    (r = db_get_i64(res, i, 2, &to)) != 0 ||
		    (r = db_get_bool(res, i, 3, &just)) != 0)
			goto out;
		if (from < 1 || from > st->p.n || to < 0 || to > st->p.n) {
			r = ERR_FORMAT;
			goto out;
		}
		if (strcmp(kind, "public") == 0)
			st->has_public[from - 1] = 1;
		else if (strcmp(kind, "share") == 0 && to >= 1)
			st->has_share[from - 1][to - 1] = 1;
		else if (strcmp(kind, "complaint") == 0 && to >= 1) {
			st->complaints++;
			if (just) {
				st->justified++;
				st->excluded[to - 1] = 1;
			}
		} else {
			r = ERR_FORMAT;
			goto out;
		}
	}
 out:
	db_result_free(res);
	return r;
}

int
cmsg_write_file(const char *dir, const struct dkg_params *p, enum cmsg_kind kind,
    uint32_t from, uint32_t to, const uint8_t *body, size_t len)
{
	struct cmsg m;
	struct vbuf *b = NULL;
	char name[48], path[4096];
	int r;

	memset(&m, 0, sizeof(m));
	m.kind = kind;
	m.p = *p;
	m.from = from;
	m.to = to;
	m.body = body;
	m.body_len = len;
	cmsg_filename(kind, from, to, name, sizeof(name));
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		return ERR_TOO_LARGE;
	if ((b = vbuf_new(CFILE_MAX)) == NULL)
		return ERR_NOMEM;
	if ((r = cmsg_encode(&m, b)) == 0)
		r = cfile_write(path, vbuf_ptr(b), vbuf_len(b));
	vbuf_free(b);
	return r;
}

/* The stored result of the election's ceremony as its file. */
static int
load_result(struct db *db, const char *id, struct ceremony_result *cr)
{
	struct db_param q = DB_TEXT(id);
	struct db_result *res = NULL;
	uint8_t *key = NULL;
	const char *qual;
	size_t keylen = 0;
	int r;

	if ((r = db_exec(db, "SELECT array_to_string(qualified, ','), "
	    "public_key FROM ceremony_results WHERE election_id = $1", &q, 1,
	    &res)) != 0)
		return r;
	if (db_result_rows(res) != 1) {
		r = ERR_NOT_FOUND;
		goto out;
	}
	if ((r = db_get_text(res, 0, 0, 256, &qual)) != 0 ||
	    (r = db_get_bytes(res, 0, 1, GROUP_POINT_LEN, &key, &keylen)) != 0)
		goto out;
	if (keylen != GROUP_POINT_LEN) {
		r = ERR_FORMAT;
		goto out;
	}
	memcpy(cr->key, key, GROUP_POINT_LEN);
	cr->nq = 0;
	while (*qual != '\0' && cr->nq < LIMIT_TRUSTEES_MAX) {
		uint32_t v = 0;

		while (*qual >= '0' && *qual <= '9' && v < 1000)
			v = v * 10 + (uint32_t)(*qual++ - '0');
		cr->qual[cr->nq++] = v;
		if (*qual == ',')
			qual++;
		else if (*qual != '\0') {
			r = ERR_FORMAT;
			goto out;
		}
	}
 out:
	free(key);
	db_result_free(res);
	return r;
}

int
ceremony_fetch(struct db *db, const char *election_id, uint32_t j,
    const char *dir, size_t *count)
{
	struct ceremony_status st;
	struct db_result *res = NULL;
	int r, i, rows;

	REQUIRE(db != NULL && election_id != NULL && dir != NULL &&
	    count != NULL);
	*count = 0;
	if ((r = ceremony_status_get(db, election_id, &st)) != 0)
		return r;
	if (j < 1 || j > st.p.n)
		return ERR_RANGE;
	{
		struct db_param q[3] = { DB_TEXT(election_id),
		    DB_I64(st.attempt), DB_I64(j) };

		if ((r = db_exec(db, "SELECT kind, sender, recipient, body FROM "
		    "ceremony_messages WHERE election_id = $1 AND attempt = $2 "
		    "AND (kind = 'public' OR (kind = 'share' AND recipient = $3)) "
		    "ORDER BY seq", q, 3, &res)) != 0)
			return r;
	}
	rows = db_result_rows(res);
	for (i = 0; i < rows; i++) {
		const char *kind;
		int64_t from, to;
		uint8_t *body = NULL;
		size_t len = 0;

		if ((r = db_get_text(res, i, 0, 16, &kind)) != 0 ||
		    (r = db_get_i64(res, i, 1, &from)) != 0 ||
		    (r = db_get_i64(res, i, 2, &to)) != 0 ||
		    (r = db_get_bytes(res, i, 3, CFILE_MAX, &body, &len)) != 0)
			goto out;
		r = cmsg_write_file(dir, &st.p, strcmp(kind, "public") == 0 ?
		    CMSG_PUBLIC : CMSG_SHARE, (uint32_t)from, (uint32_t)to, body,
		    len);
		free(body);
		if (r != 0)
			goto out;
		(*count)++;
	}
	if (st.finished) {
		struct ceremony_result cr;
		struct vbuf *b = NULL;
		char path[4096];

		memset(&cr, 0, sizeof(cr));
		if ((r = load_result(db, election_id, &cr)) != 0)
			goto out;
		snprintf(cr.election_id, sizeof(cr.election_id), "%s",
		    election_id);
		cr.p = st.p;
		if ((size_t)snprintf(path, sizeof(path), "%s/ceremony-result.bin",
		    dir) >= sizeof(path)) {
			r = ERR_TOO_LARGE;
			goto out;
		}
		if ((b = vbuf_new(CFILE_MAX)) == NULL) {
			r = ERR_NOMEM;
			goto out;
		}
		if ((r = ceremony_result_encode(&cr, b)) == 0)
			r = cfile_write(path, vbuf_ptr(b), vbuf_len(b));
		vbuf_free(b);
		if (r != 0)
			goto out;
		(*count)++;
	}
	r = 0;
 out:
	db_result_free(res);
	return r;
}

/* Loads every public message of the attempt into pubs[0..n). */
static int
load_publics(struct db *db, const char *id, int attempt,
    const struct dkg_params *p, uint8_t **pubs)
{
	uint32_t i;
	size_t len;
	int r;

	for (i = 1; i <= p->n; i++) {
		if ((r = load_body(db, id, attempt, "public", i, 0, &pubs[i - 1],
		    &len)) != 0)
			return r;
		if (len != dkg_public_len(p))
			return ERR_FORMAT;
	}
	return 0;
}

int
ceremony_finish(struct db *db, const char *election_id, const char *actor,
    struct ceremony_status *st, struct vbuf *result)
{
	struct ceremony_result cr;
	uint8_t *pubs[LIMIT_TRUSTEES_MAX] = { NULL };
	struct point *K = NULL;
	char now[CLOCK_TEXT_LEN], detail[512], qtext[160], hex[2 * HASH_LEN + 1];
	enum election_state es;
	uint32_t i, j;
	size_t o = 0;
	int r;

	REQUIRE(db != NULL && election_id != NULL && actor != NULL &&
	    st != NULL && result != NULL);
	memset(&cr, 0, sizeof(cr));
	memset(st, 0, sizeof(*st));
	if ((r = db_begin(db)) != 0)
		return r;
	if ((r = ceremony_lock(db, election_id)) != 0 ||
	    (r = ceremony_status_get(db, election_id, st)) != 0 ||
	    (r = election_load_state(db, election_id, &es)) != 0)
		goto rollback;
	if (st->finished || es != ELECTION_ROLL_FROZEN) {
		r = ERR_WRONG_STATE;
		goto rollback;
	}
	for (i = 1; i <= st->p.n; i++)
		if (!st->has_public[i - 1]) {
			r = ERR_WRONG_STATE;	/* a silent trustee */
			goto rollback;
		}
	for (i = 1; i <= st->p.n; i++)
		if (!st->excluded[i - 1])
			cr.qual[cr.nq++] = i;
	if (cr.nq < st->p.k) {
		r = ERR_RANGE;
		goto rollback;
	}
	for (i = 0; i < cr.nq; i++)
		for (j = 0; j < cr.nq; j++)
			if (i != j && !st->has_share[cr.qual[i] - 1][cr.qual[j] -
			    1]) {
				r = ERR_WRONG_STATE;
				goto rollback;
			}
	if ((r = load_publics(db, election_id, st->attempt, &st->p,
	    pubs)) != 0)
		goto rollback;
	if ((K = group_point_new()) == NULL) {
		r = ERR_NOMEM;
		goto rollback;
	}
	if ((r = dkg_joint_key(&st->p, (const uint8_t *const *)pubs, cr.qual,
	    cr.nq, K)) != 0 ||
	    (r = group_point_encode(K, cr.key, 0)) != 0)
		goto rollback;
	qtext[0] = '\0';
	for (i = 0; i < cr.nq; i++)
		o += (size_t)snprintf(qtext + o, sizeof(qtext) - o, "%s%u",
		    i ? "," : "", cr.qual[i]);
	clock_format_us(clock_now_us(), now);
	{
		char arr[170];
		struct db_param q[5] = {
			DB_TEXT(election_id), DB_I64(st->attempt), DB_TEXT(arr),
			DB_BYTES(cr.key, GROUP_POINT_LEN), DB_TEXT(now)
		};

		snprintf(arr, sizeof(arr), "{%s}", qtext);
		if ((r = db_exec(db, "INSERT INTO ceremony_results (election_id, "
		    "attempt, qualified, public_key, finished_at) VALUES ($1, "
		    "$2, $3::integer[], $4, $5)", q, 5, NULL)) != 0)
			goto rollback;
	}
	if ((r = ct_hex_encode(st->p.context, HASH_LEN, hex, sizeof(hex))) != 0)
		goto rollback;
	snprintf(detail, sizeof(detail), "trustee ceremony attempt %d: n=%u "
	    "k=%u qualified=%s cctx=%s", st->attempt, st->p.n, st->p.k, qtext,
	    hex);
	if ((r = election_keys_from_ceremony(db, election_id, cr.key, detail,
	    actor)) != 0)
		goto rollback;
	snprintf(detail, sizeof(detail), "attempt %d: qualified %s of %u "
	    "(threshold %u), %u complaints, %u justified", st->attempt, qtext,
	    st->p.n, st->p.k, st->complaints, st->justified);
	if ((r = audit_append(db, actor, "ceremony.finish", election_id, detail,
	    NULL)) != 0 || (r = db_commit(db)) != 0)
		goto rollback;
	st->finished = 1;
	snprintf(cr.election_id, sizeof(cr.election_id), "%s", election_id);
	cr.p = st->p;
	r = ceremony_result_encode(&cr, result);
	goto out;
 rollback:
	db_rollback(db);
 out:
	for (i = 0; i < LIMIT_TRUSTEES_MAX; i++)
		free(pubs[i]);
	group_point_free(K);
	return r;
}

int
ceremony_export(struct db *db, const char *election_id, const char *dir)
{
	struct ceremony_status st;
	struct db_result *res = NULL;
	json_t *arr = NULL;
	char path[4096], *text = NULL;
	uint8_t *pubs[LIMIT_TRUSTEES_MAX] = { NULL };
	uint32_t i;
	int r, row, rows;

	REQUIRE(db != NULL && election_id != NULL && dir != NULL);
	if ((r = ceremony_status_get(db, election_id, &st)) != 0)
		return r;
	if (!st.finished)
		return ERR_WRONG_STATE;
	if ((size_t)snprintf(path, sizeof(path), "%s/ceremony", dir) >=
	    sizeof(path) - 32)
		return ERR_TOO_LARGE;
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		return ERR_IO;
	if ((r = load_publics(db, election_id, st.attempt, &st.p, pubs)) != 0)
		goto out;
	for (i = 1; i <= st.p.n; i++) {
		snprintf(path, sizeof(path), "%s/ceremony/public-%02u.bin", dir, i);
		if ((r = cfile_write(path, pubs[i - 1],
		    dkg_public_len(&st.p))) != 0)
			goto out;
	}
	{
		struct db_param q[2] = { DB_TEXT(election_id),
		    DB_I64(st.attempt) };

		if ((r = db_exec(db, "SELECT sender, recipient, body FROM "
		    "ceremony_messages WHERE election_id = $1 AND attempt = $2 "
		    "AND kind = 'complaint' ORDER BY seq", q, 2, &res)) != 0)
			goto out;
	}
	if ((arr = json_array()) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	rows = db_result_rows(res);
	for (row = 0; row < rows; row++) {
		char sh[2 * DKG_SHARE_LEN + 1], co[2 * DKG_COMPLAINT_LEN + 1];
		int64_t by, accused;
		uint8_t *body = NULL;
		size_t len = 0;
		json_t *o;

		if ((r = db_get_i64(res, row, 0, &by)) != 0 ||
		    (r = db_get_i64(res, row, 1, &accused)) != 0 ||
		    (r = db_get_bytes(res, row, 2, CFILE_MAX, &body, &len)) != 0)
			goto out;
		if (len != DKG_SHARE_LEN + DKG_COMPLAINT_LEN ||
		    ct_hex_encode(body, DKG_SHARE_LEN, sh, sizeof(sh)) != 0 ||
		    ct_hex_encode(body + DKG_SHARE_LEN, DKG_COMPLAINT_LEN, co,
		    sizeof(co)) != 0) {
			free(body);
			r = ERR_FORMAT;
			goto out;
		}
		free(body);
		if ((o = json_pack("{s:I, s:I, s:s, s:s}", "accused",
		    (json_int_t)accused, "by", (json_int_t)by, "share", sh,
		    "complaint", co)) == NULL || json_array_append_new(arr,
		    o) != 0) {
			r = ERR_NOMEM;
			goto out;
		}
	}
	if ((text = json_dumps(arr, JSON_COMPACT)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	snprintf(path, sizeof(path), "%s/ceremony/complaints.json", dir);
	r = cfile_write(path, (const uint8_t *)text, strlen(text));
 out:
	free(text);
	json_decref(arr);
	db_result_free(res);
	for (i = 0; i < LIMIT_TRUSTEES_MAX; i++)
		free(pubs[i]);
	return r;
}
