/*
 * log.c - append, verify and checkpoint the audit chain.
 */
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/log.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/misuse.h"
#include "core/text.h"
#include "crypto/ct.h"
#include "crypto/digest.h"
#include "crypto/sign.h"
#include "db/db.h"

#define AUDIT_DOMAIN "ippyo-audit-v1"
#define AUDIT_SIG_TAG "audit-checkpoint"
/* Advisory lock key serialising appenders ("audit" in ASCII). */
#define AUDIT_LOCK "x'6175646974'::bigint"

static int
field_ok(const char *s, size_t max)
{
	size_t n;

	return s != NULL && (n = strlen(s)) >= 1 && n <= max &&
	    text_is_line(s, n);
}

static int
action_ok(const char *s)
{
	size_t i, n;

	if (s == NULL || (n = strlen(s)) == 0 || n > 64 || s[0] < 'a' ||
	    s[0] > 'z')
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '_' || c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

void
audit_entry_hash(const struct audit_entry *e, uint8_t out[DIGEST_LEN])
{
	struct digest *d = digest_new();

	if (d == NULL)
		MISUSE("out of memory hashing an audit entry");
	digest_put(d, AUDIT_DOMAIN, sizeof(AUDIT_DOMAIN) - 1);
	digest_put_u64(d, (uint64_t)e->seq);
	digest_put(d, e->prev_hash, DIGEST_LEN);
	digest_put_string(d, e->at, strlen(e->at));
	digest_put_string(d, e->actor, strlen(e->actor));
	digest_put_string(d, e->action, strlen(e->action));
	digest_put_string(d, e->object, strlen(e->object));
	digest_put_string(d, e->detail, strlen(e->detail));
	digest_final(d, out);
}

/* Reads the head (seq, hash); seq 0 and zero hash for an empty log. */
static int
head(struct db *db, int64_t *seq, uint8_t hash[DIGEST_LEN])
{
	struct db_result *res = NULL;
	uint8_t *h = NULL;
	size_t hl;
	int r;

	*seq = 0;
	memset(hash, 0, DIGEST_LEN);
	if ((r = db_exec(db, "SELECT seq, hash FROM audit_log ORDER BY seq "
	    "DESC LIMIT 1", NULL, 0, &res)) != 0)
		goto out;
	if (db_result_rows(res) == 0) {
		r = 0;
		goto out;
	}
	if ((r = db_get_i64(res, 0, 0, seq)) != 0 ||
	    (r = db_get_bytes(res, 0, 1, DIGEST_LEN, &h, &hl)) != 0)
		goto out;
	if (hl != DIGEST_LEN) {
		r = ERR_FORMAT;
		goto out;
	}
	memcpy(hash, h, DIGEST_LEN);
	r = 0;
 out:
	free(h);
	db_result_free(res);
	return r;
}

int
audit_append(struct db *db, const char *actor, const char *action,
    const char *object, const char *detail, int64_t *seqp)
{
	struct audit_entry e;
	int own = 0, r = ERR_INTERNAL;

	REQUIRE(db != NULL);
	if (seqp != NULL)
		*seqp = 0;
	if (!field_ok(actor, AUDIT_ACTOR_MAX) || !action_ok(action) ||
	    !field_ok(object, AUDIT_OBJECT_MAX) || detail == NULL ||
	    strlen(detail) > AUDIT_DETAIL_MAX ||
	    !text_is_line(detail, strlen(detail)))
		return ERR_INVALID_ARG;
	if (!db_in_transaction(db)) {
		if ((r = db_begin(db)) != 0)
			return r;
		own = 1;
	}
	/* Held until the transaction ends: appenders take turns. */
	if ((r = db_exec(db, "SELECT pg_advisory_xact_lock(" AUDIT_LOCK ")",
	    NULL, 0, NULL)) != 0)
		goto out;
	memset(&e, 0, sizeof(e));
	if ((r = head(db, &e.seq, e.prev_hash)) != 0)
		goto out;
	e.seq++;
	clock_format_us(clock_now_us(), e.at);
	e.actor = actor;
	e.action = action;
	e.object = object;
	e.detail = detail;
	audit_entry_hash(&e, e.hash);
	{
		struct db_param p[8] = {
			DB_I64(e.seq), DB_TEXT(e.at), DB_TEXT(actor),
			DB_TEXT(action), DB_TEXT(object), DB_TEXT(detail),
			DB_BYTES(e.prev_hash, DIGEST_LEN),
			DB_BYTES(e.hash, DIGEST_LEN)
		};

		if ((r = db_exec(db, "INSERT INTO audit_log (seq, at, actor, "
		    "action, object, detail, prev_hash, hash) VALUES ($1, $2, "
		    "$3, $4, $5, $6, $7, $8)", p, 8, NULL)) != 0)
			goto out;
	}
	if (own && (r = db_commit(db)) != 0)
		goto out;
	own = 0;
	if (seqp != NULL)
		*seqp = e.seq;
	r = 0;
 out:
	if (own)
		db_rollback(db);
	return r;
}

int
audit_verify(struct db *db, int64_t *count, int64_t *bad)
{
	static const char sql[] = "SELECT seq, at, actor, action, object, "
	    "detail, prev_hash, hash FROM audit_log WHERE seq > $1 "
	    "ORDER BY seq LIMIT 10000";
	uint8_t prev[DIGEST_LEN], want[DIGEST_LEN];
	struct db_result *res = NULL;
	int64_t last = 0;
	int i, rows, r = ERR_INTERNAL;

	REQUIRE(db != NULL && count != NULL && bad != NULL);
	*count = 0;
	*bad = 0;
	memset(prev, 0, sizeof(prev));
	for (;;) {
		struct db_param p = DB_I64(last);

		db_result_free(res);
		res = NULL;
		if ((r = db_exec(db, sql, &p, 1, &res)) != 0)
			goto out;
		if ((rows = db_result_rows(res)) == 0)
			break;
		for (i = 0; i < rows; i++) {
			struct audit_entry e;
			const char *at;
			uint8_t *ph = NULL, *h = NULL;
			size_t phl = 0, hl = 0;

			memset(&e, 0, sizeof(e));
			if ((r = db_get_i64(res, i, 0, &e.seq)) != 0 ||
			    (r = db_get_text(res, i, 1, 27, &at)) != 0 ||
			    (r = db_get_text(res, i, 2, AUDIT_ACTOR_MAX, &e.actor)) != 0 ||
			    (r = db_get_text(res, i, 3, 64, &e.action)) != 0 ||
			    (r = db_get_text(res, i, 4, AUDIT_OBJECT_MAX, &e.object)) != 0 ||
			    (r = db_get_text(res, i, 5, AUDIT_DETAIL_MAX, &e.detail)) != 0 ||
			    (r = db_get_bytes(res, i, 6, DIGEST_LEN, &ph, &phl)) != 0 ||
			    (r = db_get_bytes(res, i, 7, DIGEST_LEN, &h, &hl)) != 0) {
				free(ph);
				free(h);
				*bad = last + 1;
				r = ERR_VERIFY;
				goto out;
			}
			memcpy(e.at, at, strlen(at) + 1);
			memcpy(e.prev_hash, ph, phl == DIGEST_LEN ? DIGEST_LEN : 0);
			audit_entry_hash(&e, want);
			r = 0;
			if (e.seq != last + 1 || phl != DIGEST_LEN ||
			    hl != DIGEST_LEN || !ct_eq(ph, prev, DIGEST_LEN) ||
			    !ct_eq(h, want, DIGEST_LEN))
				r = ERR_VERIFY;
			if (r == 0)
				memcpy(prev, h, DIGEST_LEN);
			free(ph);
			free(h);
			if (r != 0) {
				*bad = last + 1;
				log_warn("audit.chain_broken", LOG_I("seq", last + 1));
				goto out;
			}
			last = e.seq;
		}
	}
	*count = last;
	r = 0;
 out:
	db_result_free(res);
	return r;
}

/* The message a checkpoint signs. */
static void
checkpoint_message(int64_t seq, const uint8_t hash[DIGEST_LEN],
    const char *at, uint8_t *m, size_t *mlen)
{
	size_t n = strlen(at), i;

	for (i = 0; i < 8; i++)
		m[i] = (uint8_t)((uint64_t)seq >> (56 - 8 * i));
	memcpy(m + 8, hash, DIGEST_LEN);
	m[40] = (uint8_t)(n >> 24);
	m[41] = (uint8_t)(n >> 16);
	m[42] = (uint8_t)(n >> 8);
	m[43] = (uint8_t)n;
	memcpy(m + 44, at, n);
	*mlen = 44 + n;
}

int
audit_checkpoint(struct db *db, struct sign_key *key, int64_t *seqp)
{
	uint8_t hash[DIGEST_LEN], sig[SIGN_SIG_LEN], pk[SIGN_PUBLIC_LEN];
	uint8_t m[64 + CLOCK_TEXT_LEN];
	char at[CLOCK_TEXT_LEN];
	int64_t seq = 0;
	size_t mlen;
	int r;

	REQUIRE(db != NULL && key != NULL);
	if (seqp != NULL)
		*seqp = 0;
	if ((r = db_begin(db)) != 0)
		return r;
	if ((r = db_exec(db, "SELECT pg_advisory_xact_lock(" AUDIT_LOCK ")",
	    NULL, 0, NULL)) != 0 || (r = head(db, &seq, hash)) != 0)
		goto out;
	if (seq == 0) {
		r = ERR_NOT_FOUND;
		goto out;
	}
	clock_format_us(clock_now_us(), at);
	checkpoint_message(seq, hash, at, m, &mlen);
	if ((r = sign_sign(key, AUDIT_SIG_TAG, m, mlen, sig)) != 0)
		goto out;
	sign_key_public(key, pk);
	{
		struct db_param p[5] = {
			DB_I64(seq), DB_BYTES(hash, DIGEST_LEN), DB_TEXT(at),
			DB_BYTES(pk, SIGN_PUBLIC_LEN), DB_BYTES(sig, SIGN_SIG_LEN)
		};

		if ((r = db_exec(db, "INSERT INTO audit_checkpoints (seq, hash, "
		    "at, public_key, signature) VALUES ($1, $2, $3, $4, $5)",
		    p, 5, NULL)) != 0)
			goto out;
	}
	if ((r = db_commit(db)) != 0)
		goto out;
	if (seqp != NULL)
		*seqp = seq;
	return 0;
 out:
	db_rollback(db);
	return r;
}

int
audit_checkpoints_verify(struct db *db, const uint8_t *want_pk, int64_t *bad)
{
	struct db_result *res = NULL;
	int i, rows, r;

	REQUIRE(db != NULL && bad != NULL);
	*bad = 0;
	if ((r = db_exec(db, "SELECT c.seq, c.hash, c.at, c.public_key, "
	    "c.signature, l.hash FROM audit_checkpoints c JOIN audit_log l "
	    "USING (seq) ORDER BY c.seq", NULL, 0, &res)) != 0)
		return r;
	rows = db_result_rows(res);
	for (i = 0; i < rows && r == 0; i++) {
		uint8_t *h = NULL, *pk = NULL, *sig = NULL, *lh = NULL;
		size_t hl = 0, pkl = 0, sigl = 0, lhl = 0, mlen;
		uint8_t m[64 + CLOCK_TEXT_LEN];
		const char *at = NULL;
		int64_t seq = 0;

		if (db_get_i64(res, i, 0, &seq) != 0 ||
		    db_get_bytes(res, i, 1, DIGEST_LEN, &h, &hl) != 0 ||
		    db_get_text(res, i, 2, CLOCK_TEXT_LEN - 1, &at) != 0 ||
		    db_get_bytes(res, i, 3, SIGN_PUBLIC_LEN, &pk, &pkl) != 0 ||
		    db_get_bytes(res, i, 4, SIGN_SIG_LEN, &sig, &sigl) != 0 ||
		    db_get_bytes(res, i, 5, DIGEST_LEN, &lh, &lhl) != 0 ||
		    hl != DIGEST_LEN || pkl != SIGN_PUBLIC_LEN ||
		    sigl != SIGN_SIG_LEN || lhl != DIGEST_LEN ||
		    !ct_eq(h, lh, DIGEST_LEN) ||
		    (want_pk != NULL && !ct_eq(pk, want_pk, SIGN_PUBLIC_LEN)))
			r = ERR_VERIFY;
		if (r == 0) {
			checkpoint_message(seq, h, at, m, &mlen);
			r = sign_verify(pk, AUDIT_SIG_TAG, m, mlen, sig);
		}
		if (r != 0)
			*bad = seq;
		free(h);
		free(pk);
		free(sig);
		free(lh);
	}
	db_result_free(res);
	return r;
}

const char *
audit_actor(void)
{
	static char name[64];
	const char *a = getenv("IPPYO_ACTOR");
	struct passwd *pw;

	if (a != NULL && *a != '\0' && field_ok(a, AUDIT_ACTOR_MAX))
		return a;
	if ((pw = getpwuid(geteuid())) != NULL && pw->pw_name != NULL &&
	    strlen(pw->pw_name) < sizeof(name)) {
		memcpy(name, pw->pw_name, strlen(pw->pw_name) + 1);
		return name;
	}
	return "unknown";
}
