/*
 * cast.c - the casting pipeline.
 */
#include <stdio.h>
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
#include "crypto/contest.h"
#include "db/db.h"
#include "registry/auth.h"
#include "registry/binding.h"

/* Step 5: the resident's alias on this election's roll. */
static int
roll_alias(struct db *db, const char *election_id, const char *resident,
    char alias[BALLOT_ALIAS_LEN + 1])
{
	struct db_param p[2] = { DB_TEXT(election_id), DB_TEXT(resident) };
	struct db_result *res = NULL;
	const char *a;
	int r;

	if ((r = db_exec(db, "SELECT alias FROM roll_entries WHERE "
	    "election_id = $1 AND resident_id = $2", p, 2, &res)) != 0)
		return r;
	if (db_result_rows(res) != 1)
		r = ERR_NOT_ELIGIBLE;
	else if ((r = db_get_text(res, 0, 0, BALLOT_ALIAS_LEN, &a)) == 0)
		memcpy(alias, a, strlen(a) + 1);
	db_result_free(res);
	return r;
}

/*
 * What steps 5, 7 and 8 need to know about the voter, in one statement:
 * the resident bound to the card (none: ERR_NOT_BOUND), the alias on
 * this election's roll (none: ERR_NOT_ELIGIBLE), whether the resident
 * was admitted in person, and the ballots cast in the rate window.  The
 * caller applies the checks in the casting order.
 */
struct voter_facts {
	char resident[33];
	char alias[BALLOT_ALIAS_LEN + 1];
	int admitted;
	int64_t recent;
};

static int
voter_facts(struct db *db, const char *election_id, const char *issuer,
    const char *serial, struct voter_facts *f)
{
	char since[CLOCK_TEXT_LEN];
	struct db_result *res = NULL;
	const char *t;
	int r;

	memset(f, 0, sizeof(*f));
	clock_format_us(clock_now_us() - (int64_t)LIMIT_RATE_WINDOW_S * 1000000,
	    since);
	{
		struct db_param p[4] = {
			DB_TEXT(election_id), DB_TEXT(issuer), DB_TEXT(serial),
			DB_TEXT(since)
		};

		if ((r = db_exec(db, "SELECT b.resident_id, r.alias, EXISTS "
		    "(SELECT 1 FROM admissions a WHERE a.election_id = $1 AND "
		    "a.resident_id = b.resident_id), (SELECT count(*) FROM ballots "
		    "x WHERE x.election_id = $1 AND x.voter_resident_id = "
		    "b.resident_id AND x.received_at >= $4) FROM card_bindings b "
		    "LEFT JOIN roll_entries r ON r.election_id = $1 AND "
		    "r.resident_id = b.resident_id WHERE b.auth_issuer = $2 AND "
		    "b.auth_serial = $3 AND b.status = 'active'", p, 4, &res)) != 0)
			return r;
	}
	if (db_result_rows(res) != 1) {
		r = ERR_NOT_BOUND;
		goto out;
	}
	if ((r = db_get_text(res, 0, 0, 32, &t)) != 0)
		goto out;
	memcpy(f->resident, t, strlen(t) + 1);
	if (db_is_null(res, 0, 1)) {
		r = ERR_NOT_ELIGIBLE;
		goto out;
	}
	if ((r = db_get_text(res, 0, 1, BALLOT_ALIAS_LEN, &t)) != 0 ||
	    (r = db_get_bool(res, 0, 2, &f->admitted)) != 0 ||
	    (r = db_get_i64(res, 0, 3, &f->recent)) != 0)
		goto out;
	memcpy(f->alias, t, strlen(t) + 1);
 out:
	db_result_free(res);
	return r;
}

/* Step 9: all proofs of all contests, batched. */
static int
check_proofs(const struct election *e, const struct ballot *b)
{
	struct contest_batch *batch = NULL;
	size_t id, bad[LIMIT_CONTESTS_MAX], nbad = 0;
	uint32_t i;
	int r;

	if ((r = contest_batch_new(&batch, e->key)) != 0)
		return r;
	for (i = 0; i < b->ncontests; i++) {
		struct contest_spec spec;

		manifest_spec(e->manifest, i, &spec);
		if ((r = contest_batch_add(batch, e->context_hash,
		    (const uint8_t *)b->alias, BALLOT_ALIAS_LEN, &spec,
		    b->contest[i], b->contest_len[i], &id)) != 0) {
			r = ERR_VERIFY;
			goto out;
		}
	}
	if ((r = contest_batch_check(batch, bad, LIMIT_CONTESTS_MAX,
	    &nbad)) != 0) {
		log_info("cast.proof_failed", LOG_I("contest",
		    nbad > 0 ? (int64_t)bad[0] : -1));
		r = ERR_VERIFY;
	}
 out:
	contest_batch_free(batch);
	return r;
}

int
cast_ballot(const struct cast_ctx *ctx, const struct election *e,
    const uint8_t *ballot, size_t len, const struct auth_token *token,
    struct receipt *receipt)
{
	char purpose[80];
	uint8_t h[BALLOT_HASH_LEN];
	struct auth_result ar;
	struct voter_facts vf;
	struct box_entry entry;
	struct box_voter voter;
	struct ballot b;
	int64_t now = clock_now_us();
	int r;

	REQUIRE(ctx != NULL && e != NULL && ballot != NULL && token != NULL &&
	    receipt != NULL);
	memset(receipt, 0, sizeof(*receipt));
	/* 1. Shape. */
	if (e->key == NULL) {
		r = ERR_WINDOW_CLOSED;	/* no key yet: nothing can be open */
		goto out;
	}
	if ((r = ballot_decode(e, ballot, len, &b)) != 0)
		goto out;
	ballot_hash(ballot, len, h);
	/* 2-4. Nonce, certificate, signature over nonce || ballot hash. */
	snprintf(purpose, sizeof(purpose), "cast:%s", e->manifest->id);
	if ((r = auth_verify(ctx->db, ctx->cc, token, ctx->origin, purpose, h,
	    &ar)) != 0)
		goto out;
	/* 5. Bound to a resident on this roll, with this ballot's alias. */
	if ((r = voter_facts(ctx->db, e->manifest->id, ar.issuer, ar.serial,
	    &vf)) != 0)
		goto out;
	if (strcmp(vf.alias, b.alias) != 0) {
		r = ERR_MISMATCH;	/* made for another voter */
		goto out;
	}
	/* 6. Window. */
	if (e->state != ELECTION_OPEN || now < e->manifest->opens_us ||
	    now >= e->manifest->closes_us) {
		r = ERR_WINDOW_CLOSED;
		goto out;
	}
	/* 7, 8. In person?  Re-voting rate. */
	if (vf.admitted) {
		r = ERR_ALREADY_ADMITTED;
		goto out;
	}
	if (vf.recent >= LIMIT_RATE_BALLOTS_PER_VOTER) {
		r = ERR_RATE_LIMITED;
		goto out;
	}
	/* 9. Proofs. */
	if ((r = check_proofs(e, &b)) != 0)
		goto out;
	/* One transaction; the receipt only after it committed.  The
	 * binding, roll, window and admission are re-checked there. */
	voter.resident_id = vf.resident;
	voter.alias = vf.alias;
	voter.auth_issuer = ar.issuer;
	voter.auth_serial = ar.serial;
	if ((r = ctx->writer != NULL ?
	    box_writer_append(ctx->writer, e, &voter, ballot, len, &entry) :
	    box_append(ctx->db, e, &voter, ballot, len, &entry)) != 0)
		goto out;
	if ((r = receipt_sign(ctx->receipt_key, e->manifest->id, &entry,
	    receipt)) != 0) {
		/* Stored but unsigned: the voter retries and the duplicate
		 * check answers; log loudly, this should never happen. */
		log_error("cast.receipt_failed", LOG_E("error", r));
		goto out;
	}
	log_info("cast.accepted", LOG_S("election", e->manifest->id),
	    LOG_I("position", entry.position), LOG_B("revote",
	    entry.superseded > 0));
	return 0;
 out:
	log_info("cast.refused", LOG_S("election", e->manifest->id),
	    LOG_E("error", r));
	memset(receipt, 0, sizeof(*receipt));
	return r;
}

int
cast_alias(const struct cast_ctx *ctx, const struct election *e,
    const struct auth_token *token, char alias[BALLOT_ALIAS_LEN + 1])
{
	char resident[33];
	struct auth_result ar;
	int r;

	REQUIRE(ctx != NULL && e != NULL && token != NULL && alias != NULL);
	alias[0] = '\0';
	if ((r = auth_verify(ctx->db, ctx->cc, token, ctx->origin, "login",
	    NULL, &ar)) != 0 ||
	    (r = binding_find(ctx->db, ar.issuer, ar.serial, resident)) != 0 ||
	    (r = roll_alias(ctx->db, e->manifest->id, resident, alias)) != 0) {
		log_info("cast.alias_refused", LOG_E("error", r));
		alias[0] = '\0';
		return r;
	}
	return 0;
}
