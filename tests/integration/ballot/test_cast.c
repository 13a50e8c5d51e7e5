/*
 * test_cast.c - casting ballots into the chained box: every check of the
 * casting order refuses its bad input and leaves the box unchanged; the
 * good paths (first vote, re-vote) store, chain and sign.  Real
 * PostgreSQL, real test PKI with CRLs; the card's signatures are made
 * with the card keys of the test PKI.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ballot/ballot.h"
#include "ballot/box.h"
#include "ballot/cast.h"
#include "ballot/election.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/limits.h"
#include "crypto/certcheck.h"
#include "crypto/rsa.h"
#include "crypto/sign.h"
#include "db/db.h"
#include "db/migrate.h"
#include "registry/auth.h"
#include "registry/binding.h"
#include "registry/nonce.h"
#include "registry/resident.h"
#include "registry/roll.h"
#include "tests/harness/test.h"
#include "tests/harness/testdb.h"
#include "tests/harness/testpki.h"

#define ORIGIN "https://vote.city.yabu.hyogo.jp"

static const struct testpki_card cards[] = {
	{ "alice", "養父 太郎", "兵庫県養父市八鹿町八鹿1", "19500401", "1" },
	{ "bob", "養父 花子", "兵庫県養父市大屋町1", "19600101", "2" },
	{ "carol", "養父 三郎", "兵庫県養父市関宮1", "20150101", "1" },
	{ "eve", "知らない 人", "東京都千代田区1", "19700101", "1" },
	{ NULL, NULL, NULL, NULL, NULL }
};

static const char register_csv[] =
    "resident_id,name,name_kana,address,municipality_code,date_of_birth,sex,"
    "nationality,resident_since,status,status_date\n"
    "1001,養父 太郎,ヤブ タロウ,兵庫県養父市八鹿町八鹿1,282227,1950-04-01,1,JP,1950-04-01,active,\n"
    "1002,養父 花子,ヤブ ハナコ,兵庫県養父市大屋町1,282227,1960-01-01,2,JP,1960-01-01,active,\n"
    "1003,養父 三郎,ヤブ サブロウ,兵庫県養父市関宮1,282227,2015-01-01,1,JP,2015-01-01,active,\n";

struct fixture {
	char name[64];
	struct db *db;
	struct election *e;
	struct certcheck *cc;
	struct sign_key *rk;
	struct cast_ctx ctx;
	struct scalar secret;
};

/* An election like a municipality's: 4 contests of the kinds the issue names. */
/* Where the voting window opens, relative to now (tests change it). */
static int64_t opens_in_us = -3600LL * 1000000;

static struct manifest *
yabu_manifest(const char *id)
{
	static const uint32_t nopt[4] = { 3, 8, 2, 5 };
	struct manifest *m = manifest_new(4, nopt);
	uint32_t i, j;
	int32_t d;

	ASSERT_NOT_NULL(m);
	snprintf(m->id, sizeof(m->id), "%s", id);
	snprintf(m->name_ja, sizeof(m->name_ja), "養父市長選挙・市議会議員選挙");
	snprintf(m->name_en, sizeof(m->name_en), "Yabu mayoral and council elections");
	memcpy(m->municipality, "282227", 7);
	/* Around the real date: the test CRLs are good for a week only, and
	 * certificate checks run against the clock. */
	d = (int32_t)(clock_now_us() / 1000000 / 86400);
	m->election_day = d + 10;
	m->reference_date = d;
	m->opens_us = clock_now_us() + opens_in_us;
	m->closes_us = (int64_t)(d + 10) * 86400 * 1000000;
	for (i = 0; i < 4; i++) {
		struct manifest_contest *c = &m->contests[i];

		snprintf(c->id, sizeof(c->id), "contest-%u", i);
		snprintf(c->title_ja, sizeof(c->title_ja), "選挙 %u", i);
		snprintf(c->title_en, sizeof(c->title_en), "Contest %u", i);
		for (j = 0; j < c->noptions; j++) {
			snprintf(c->options[j].id, sizeof(c->options[j].id), "o%u", j);
			snprintf(c->options[j].label_ja, sizeof(c->options[j].label_ja), "候補 %u", j);
			snprintf(c->options[j].label_en, sizeof(c->options[j].label_en), "Option %u", j);
		}
	}
	m->contests[0].min = 0;	m->contests[0].max = 1;	/* mayor: 1 or blank */
	m->contests[1].min = 0;	m->contests[1].max = 1;	/* council */
	m->contests[2].min = 0;	m->contests[2].max = 1;	/* referendum yes/no */
	m->contests[3].min = 0;	m->contests[3].max = 5;	/* Supreme Court review */
	return m;
}

static void
witness_bind(struct fixture *f, const char *card, const char *resident)
{
	struct binding_result br;
	uint8_t *d;
	size_t l;

	d = testpki_cert(card, "auth", &l);
	ASSERT_OK(testpki_bind_witnessed(f->db, f->cc, card, d, l, resident, &br));
	free(d);
}

static void
setup(struct fixture *f, const char *id)
{
	static const uint8_t seed[SIGN_SEED_LEN] = { 42 };
	struct resident_import_result ir;
	struct manifest *m;
	int applied;

	memset(f, 0, sizeof(*f));
	testpki_setup(cards);
	f->db = testdb_new(f->name, sizeof(f->name));
	ASSERT_OK(migrate_apply(f->db, db_migrations, db_migrations_count, &applied));
	ASSERT_OK(resident_import(f->db, register_csv, strlen(register_csv), "clerk", &ir));
	m = yabu_manifest(id);
	ASSERT_OK(election_create(f->db, m, "clerk"));
	manifest_free(m);
	ASSERT_OK(election_freeze_roll(f->db, id, "clerk"));
	ASSERT_OK(election_keys_test_single(f->db, id, "clerk", &f->secret));
	ASSERT_OK(election_open(f->db, id, "clerk"));
	f->cc = testpki_checker("auth", 1, 0);
	witness_bind(f, "alice", "1001");
	witness_bind(f, "bob", "1002");
	witness_bind(f, "carol", "1003");	/* bound, but 12: not on the roll */
	ASSERT_OK(sign_key_from_seed(seed, &f->rk));
	ASSERT_OK(election_load(f->db, id, &f->e));
	f->ctx.db = f->db;
	f->ctx.cc = f->cc;
	f->ctx.origin = ORIGIN;
	f->ctx.receipt_key = f->rk;
}

static void
teardown(struct fixture *f)
{
	clock_unpin();
	election_free(f->e);
	sign_key_free(f->rk);
	certcheck_free(f->cc);
	testdb_free(f->db, f->name);
}

static void
alias_of(struct fixture *f, const char *resident, char alias[33])
{
	struct db_param p = DB_TEXT(resident);
	struct db_result *res = NULL;
	const char *a;

	ASSERT_OK(db_exec(f->db, "SELECT alias FROM roll_entries WHERE resident_id = $1", &p, 1, &res));
	ASSERT_OK(db_get_text(res, 0, 0, 32, &a));
	memcpy(alias, a, 33);
	db_result_free(res);
}

/* A ballot for `resident` choosing option `pick` in every contest. */
static struct vbuf *
make_ballot(struct fixture *f, const struct election *e, const char *resident, int pick)
{
	uint8_t sel[4][8];
	const uint8_t *rows[4] = { sel[0], sel[1], sel[2], sel[3] };
	struct vbuf *b = vbuf_new(BALLOT_MAX);
	char alias[33];

	memset(sel, 0, sizeof(sel));
	sel[0][pick % 3] = 1;
	sel[1][pick % 8] = 1;
	sel[2][pick % 2] = 1;
	sel[3][0] = sel[3][2] = 1;	/* two judges marked */
	alias_of(f, resident, alias);
	ASSERT_OK(ballot_encrypt(e, alias, rows, b));
	return b;
}

struct token {
	struct auth_token t;
	uint8_t nonce[LIMIT_NONCE_BYTES];
	uint8_t sig[RSA_SIG_MAX];
	uint8_t *cert;
};

static void
token_for(struct fixture *f, struct token *tk, const char *card,
    const uint8_t *ballot, size_t len)
{
	uint8_t h[BALLOT_HASH_LEN], m[64];
	char purpose[80];
	size_t cl;

	memset(tk, 0, sizeof(*tk));
	snprintf(purpose, sizeof(purpose), "cast:%s", f->e->manifest->id);
	ASSERT_OK(nonce_issue(f->db, purpose, tk->nonce));
	ballot_hash(ballot, len, h);
	auth_message(ORIGIN, tk->nonce, h, m);
	testpki_card_sign(card, "auth", m, tk->sig, &tk->t.sig_len);
	tk->cert = testpki_cert(card, "auth", &cl);
	tk->t.format = AUTH_FORMAT;
	tk->t.algorithm = "RS256";
	tk->t.cert = tk->cert;
	tk->t.cert_len = cl;
	tk->t.nonce = tk->nonce;
	tk->t.nonce_len = LIMIT_NONCE_BYTES;
	tk->t.sig = tk->sig;
}

static int
cast(struct fixture *f, const char *card, const uint8_t *ballot, size_t len,
    struct receipt *rc)
{
	struct token tk;
	int r;

	token_for(f, &tk, card, ballot, len);
	r = cast_ballot(&f->ctx, f->e, ballot, len, &tk.t, rc);
	free(tk.cert);
	return r;
}

static int64_t
box_count(struct fixture *f)
{
	return testdb_scalar(f->db, "SELECT count(*) FROM ballots");
}

TEST(cast_accepts_chains_signs_and_supersedes)
{
	struct fixture f;
	struct receipt rc, rc2;
	struct vbuf *b1, *b2;
	uint8_t pk[SIGN_PUBLIC_LEN];
	int64_t n, bad;

	setup(&f, "e1");
	sign_key_public(f.rk, pk);
	b1 = make_ballot(&f, f.e, "1001", 0);
	ASSERT_OK(cast(&f, "alice", vbuf_ptr(b1), vbuf_len(b1), &rc));
	ASSERT_INT_EQ(rc.entry.position, 1);
	ASSERT_OK(receipt_verify(pk, &rc));
	rc2 = rc;
	rc2.entry.position = 2;
	ASSERT_ERR(receipt_verify(pk, &rc2), ERR_VERIFY);
	/* Re-voting: the later ballot supersedes the earlier. */
	b2 = make_ballot(&f, f.e, "1001", 1);
	ASSERT_OK(cast(&f, "alice", vbuf_ptr(b2), vbuf_len(b2), &rc2));
	ASSERT_INT_EQ(rc2.entry.position, 2);
	ASSERT_INT_EQ(rc2.entry.superseded, 1);
	ASSERT_INT_EQ(testdb_scalar(f.db, "SELECT count(*) FROM ballot_superseded WHERE position = 1 AND by_position = 2"), 1);
	ASSERT_OK(box_verify(f.db, f.e, &n, &bad));
	ASSERT_INT_EQ(n, 2);
	ASSERT_OK(box_checkpoint(f.db, f.e, f.rk, 0, &n));
	ASSERT_INT_EQ(n, 2);
	/* The public columns carry no identity. */
	ASSERT_INT_EQ(testdb_scalar(f.db, "SELECT count(DISTINCT alias) FROM ballots"), 1);
	vbuf_free(b1);
	vbuf_free(b2);
	teardown(&f);
}

TEST(cast_refusals_leave_the_box_unchanged)
{
	struct fixture f;
	struct receipt rc;
	struct vbuf *good, *bobs;
	struct token tk;
	uint8_t *copy;
	size_t len;

	setup(&f, "e2");
	good = make_ballot(&f, f.e, "1001", 0);
	len = vbuf_len(good);
	ASSERT_OK(cast(&f, "alice", vbuf_ptr(good), len, &rc));
	ASSERT_INT_EQ(box_count(&f), 1);
	/* The same ballot again, with a fresh token: a duplicate. */
	ASSERT_ERR(cast(&f, "alice", vbuf_ptr(good), len, &rc), ERR_DUPLICATE);
	/* A token replayed. */
	{
		struct vbuf *b2 = make_ballot(&f, f.e, "1001", 2);

		token_for(&f, &tk, "alice", vbuf_ptr(b2), vbuf_len(b2));
		ASSERT_OK(cast_ballot(&f.ctx, f.e, vbuf_ptr(b2), vbuf_len(b2), &tk.t, &rc));
		ASSERT_ERR(cast_ballot(&f.ctx, f.e, vbuf_ptr(b2), vbuf_len(b2), &tk.t, &rc), ERR_NONCE);
		free(tk.cert);
		vbuf_free(b2);
	}
	ASSERT_INT_EQ(box_count(&f), 2);
	/* Alice's ballot submitted by Bob (a copied ballot): alias mismatch. */
	ASSERT_ERR(cast(&f, "bob", vbuf_ptr(good), len, &rc), ERR_MISMATCH);
	/* Bob's ballot carrying Alice's alias is the same case. */
	bobs = make_ballot(&f, f.e, "1002", 1);
	ASSERT_OK(cast(&f, "bob", vbuf_ptr(bobs), vbuf_len(bobs), &rc));
	/* A signature over another ballot. */
	token_for(&f, &tk, "bob", vbuf_ptr(good), len);
	ASSERT_ERR(cast_ballot(&f.ctx, f.e, vbuf_ptr(bobs), vbuf_len(bobs), &tk.t, &rc), ERR_VERIFY);
	free(tk.cert);
	/* An unbound card; a bound card not on the roll. */
	ASSERT_ERR(cast(&f, "eve", vbuf_ptr(good), len, &rc), ERR_NOT_BOUND);
	{
		struct vbuf *c = make_ballot(&f, f.e, "1001", 0);

		ASSERT_ERR(cast(&f, "carol", vbuf_ptr(c), vbuf_len(c), &rc), ERR_NOT_ELIGIBLE);
		vbuf_free(c);
	}
	/* Altered proof: one byte of the last contest's range proof. */
	copy = malloc(len);
	memcpy(copy, vbuf_ptr(good), len);
	copy[len - 5] ^= 0x01;
	ASSERT_ERR(cast(&f, "alice", copy, len, &rc), ERR_VERIFY);
	/* Truncated, oversized, trailing data, another election's ballot. */
	ASSERT_ERR(cast(&f, "alice", copy, len - 1, &rc), ERR_TRUNCATED);
	ASSERT_ERR(cast(&f, "alice", copy, 20, &rc), ERR_TRUNCATED);
	free(copy);
	copy = calloc(1, BALLOT_MAX + 1);
	memcpy(copy, vbuf_ptr(good), len);
	ASSERT_ERR(cast(&f, "alice", copy, len + 1, &rc), ERR_TRAILING_DATA);
	ASSERT_ERR(cast(&f, "alice", copy, BALLOT_MAX + 1, &rc), ERR_TOO_LARGE);
	free(copy);
	ASSERT_INT_EQ(box_count(&f), 3);
	vbuf_free(good);
	vbuf_free(bobs);
	teardown(&f);
}

TEST(cast_refuses_another_elections_ballot)
{
	struct fixture f, g;
	struct receipt rc;
	struct vbuf *b;

	setup(&f, "e3");
	setup(&g, "e4");
	/* g's database also holds e4; a ballot made for e4 sent to e3. */
	b = make_ballot(&g, g.e, "1001", 0);
	ASSERT_ERR(cast(&f, "alice", vbuf_ptr(b), vbuf_len(b), &rc), ERR_MISMATCH);
	ASSERT_INT_EQ(box_count(&f), 0);
	vbuf_free(b);
	teardown(&g);
	teardown(&f);
}

TEST(cast_window_admission_and_rate)
{
	struct fixture f;
	struct receipt rc;
	struct vbuf *b;
	int i, r;

	setup(&f, "e5");
	/* Re-voting is rate-limited per voter. */
	for (i = 0; i < LIMIT_RATE_BALLOTS_PER_VOTER; i++) {
		b = make_ballot(&f, f.e, "1001", i);
		ASSERT_OK(cast(&f, "alice", vbuf_ptr(b), vbuf_len(b), &rc));
		vbuf_free(b);
	}
	b = make_ballot(&f, f.e, "1001", 0);
	ASSERT_ERR(cast(&f, "alice", vbuf_ptr(b), vbuf_len(b), &rc), ERR_RATE_LIMITED);
	/* Admitted in person at an early-voting station: online is over. */
	ASSERT_OK(db_exec(f.db, "INSERT INTO admissions VALUES ('e5', '1002', "
	    "'八鹿庁舎', '2026-11-21T09:00:00.000000Z')", NULL, 0, NULL));
	vbuf_free(b);
	b = make_ballot(&f, f.e, "1002", 0);
	ASSERT_ERR(cast(&f, "bob", vbuf_ptr(b), vbuf_len(b), &rc), ERR_ALREADY_ADMITTED);
	/* Closed. */
	ASSERT_OK(election_close(f.db, "e5", "clerk"));
	election_free(f.e);
	ASSERT_OK(election_load(f.db, "e5", &f.e));
	r = cast(&f, "bob", vbuf_ptr(b), vbuf_len(b), &rc);
	ASSERT_ERR(r, ERR_WINDOW_CLOSED);
	ASSERT_INT_EQ(box_count(&f), LIMIT_RATE_BALLOTS_PER_VOTER);
	vbuf_free(b);
	teardown(&f);
}

TEST(cast_before_the_window_opens_is_refused)
{
	struct fixture f;
	struct receipt rc;
	struct vbuf *b;

	opens_in_us = 3600LL * 1000000;
	setup(&f, "e9");
	opens_in_us = -3600LL * 1000000;
	b = make_ballot(&f, f.e, "1001", 0);
	ASSERT_ERR(cast(&f, "alice", vbuf_ptr(b), vbuf_len(b), &rc), ERR_WINDOW_CLOSED);
	ASSERT_INT_EQ(box_count(&f), 0);
	vbuf_free(b);
	teardown(&f);
}

TEST(box_is_append_only_and_verify_names_tampering)
{
	struct fixture f;
	struct receipt rc;
	struct vbuf *b;
	int64_t n, bad;
	int i;

	setup(&f, "e6");
	for (i = 0; i < 3; i++) {
		b = make_ballot(&f, f.e, i == 1 ? "1002" : "1001", i);
		ASSERT_OK(cast(&f, i == 1 ? "bob" : "alice", vbuf_ptr(b), vbuf_len(b), &rc));
		vbuf_free(b);
	}
	ASSERT_ERR(db_exec(f.db, "UPDATE ballots SET alias = alias", NULL, 0, NULL), ERR_DB);
	ASSERT_ERR(db_exec(f.db, "DELETE FROM ballots WHERE position = 3", NULL, 0, NULL), ERR_DB);
	/* And by grants: as the server's role, even without the triggers'
	 * help, UPDATE and DELETE are refused; INSERT and SELECT are not;
	 * the observers' role cannot read the private column. */
	ASSERT_OK(db_exec(f.db, "SET ROLE ippyo_server", NULL, 0, NULL));
	ASSERT_ERR(db_exec(f.db, "UPDATE ballots SET alias = alias", NULL, 0, NULL), ERR_DB);
	ASSERT_STR_EQ(db_last_sqlstate(f.db), "42501");
	ASSERT_ERR(db_exec(f.db, "DELETE FROM ballot_superseded", NULL, 0, NULL), ERR_DB);
	ASSERT_STR_EQ(db_last_sqlstate(f.db), "42501");
	ASSERT_ERR(db_exec(f.db, "TRUNCATE ballots", NULL, 0, NULL), ERR_DB);
	ASSERT_INT_EQ(testdb_scalar(f.db, "SELECT count(*) FROM ballots"), 3);
	ASSERT_OK(db_exec(f.db, "RESET ROLE", NULL, 0, NULL));
	ASSERT_OK(db_exec(f.db, "SET ROLE ippyo_observer", NULL, 0, NULL));
	ASSERT_OK(db_exec(f.db, "SELECT position, alias, tracking_code FROM ballots", NULL, 0, NULL));
	ASSERT_ERR(db_exec(f.db, "SELECT voter_resident_id FROM ballots", NULL, 0, NULL), ERR_DB);
	ASSERT_STR_EQ(db_last_sqlstate(f.db), "42501");
	ASSERT_OK(db_exec(f.db, "RESET ROLE", NULL, 0, NULL));
	ASSERT_ERR(db_exec(f.db, "DELETE FROM ballot_superseded", NULL, 0, NULL), ERR_DB);
	ASSERT_OK(box_verify(f.db, f.e, &n, &bad));
	ASSERT_INT_EQ(n, 3);
	/* A forged "superseded" row: Bob (position 2) was never admitted in
	 * person and never re-voted, yet his ballot would stop counting. */
	ASSERT_OK(db_exec(f.db, "INSERT INTO ballot_superseded VALUES ('e6', 2, NULL, 'admitted_in_person')", NULL, 0, NULL));
	ASSERT_ERR(box_verify(f.db, f.e, &n, &bad), ERR_VERIFY);
	ASSERT_INT_EQ(bad, 2);
	ASSERT_OK(db_exec(f.db, "ALTER TABLE ballot_superseded DISABLE TRIGGER USER", NULL, 0, NULL));
	ASSERT_OK(db_exec(f.db, "DELETE FROM ballot_superseded WHERE position = 2", NULL, 0, NULL));
	ASSERT_OK(box_verify(f.db, f.e, &n, &bad));
	/* A changed field breaks the chain at its position. */
	ASSERT_OK(db_exec(f.db, "ALTER TABLE ballots DISABLE TRIGGER USER", NULL, 0, NULL));
	ASSERT_OK(db_exec(f.db, "UPDATE ballots SET received_at = '2026-01-01T00:00:00.000000Z' WHERE position = 2", NULL, 0, NULL));
	ASSERT_ERR(box_verify(f.db, f.e, &n, &bad), ERR_VERIFY);
	ASSERT_INT_EQ(bad, 2);
	teardown(&f);
}

/* ---- re-checks under the box lock (issue 6) ---- */

/* Alice's binding: issuer and serial of her certificate. */
static void
binding_of(struct fixture *f, const char *resident, char issuer[256],
    char serial[80])
{
	struct db_param p = DB_TEXT(resident);
	struct db_result *res = NULL;
	const char *a, *b;

	ASSERT_OK(db_exec(f->db, "SELECT auth_issuer, auth_serial FROM "
	    "card_bindings WHERE resident_id = $1 AND status = 'active'", &p, 1,
	    &res));
	ASSERT_OK(db_get_text(res, 0, 0, 255, &a));
	ASSERT_OK(db_get_text(res, 0, 1, 79, &b));
	snprintf(issuer, 256, "%s", a);
	snprintf(serial, 80, "%s", b);
	db_result_free(res);
}

static void
db_url(struct fixture *f, char *url, size_t n)
{
	snprintf(url, n, "%s dbname=%s", test_database_url(), f->name);
}

/* box_append and the group-commit writer refuse a voter whose binding
 * is no longer active, or who is not on the roll with that alias. */
TEST(box_append_rechecks_binding_and_roll)
{
	struct fixture f;
	struct box_writer *w = NULL;
	struct box_entry entry;
	struct box_voter v;
	char issuer[256], serial[80], alias[33], bob_alias[33], url[512];
	struct vbuf *b;

	setup(&f, "e9");
	b = make_ballot(&f, f.e, "1001", 0);
	binding_of(&f, "1001", issuer, serial);
	alias_of(&f, "1001", alias);
	alias_of(&f, "1002", bob_alias);
	v.resident_id = "1001";
	v.alias = alias;
	v.auth_issuer = issuer;
	v.auth_serial = serial;
	/* not on the roll with this alias; another resident's certificate */
	v.alias = bob_alias;
	ASSERT_ERR(box_append(f.db, f.e, &v, vbuf_ptr(b), vbuf_len(b), &entry),
	    ERR_NOT_ELIGIBLE);
	v.alias = alias;
	v.resident_id = "1002";
	ASSERT_ERR(box_append(f.db, f.e, &v, vbuf_ptr(b), vbuf_len(b), &entry),
	    ERR_NOT_BOUND);
	v.resident_id = "1001";
	/* Alice's binding suspended after her ballot was validated. */
	ASSERT_OK(db_exec(f.db, "UPDATE card_bindings SET status = 'suspended', "
	    "status_reason = 'revoked' WHERE resident_id = '1001' AND status = "
	    "'active'", NULL, 0, NULL));
	ASSERT_ERR(box_append(f.db, f.e, &v, vbuf_ptr(b), vbuf_len(b), &entry),
	    ERR_NOT_BOUND);
	ASSERT_INT_EQ(entry.position, 0);
	db_url(&f, url, sizeof(url));
	ASSERT_OK(box_writer_new(url, &w));
	ASSERT_ERR(box_writer_append(w, f.e, &v, vbuf_ptr(b), vbuf_len(b),
	    &entry), ERR_NOT_BOUND);
	ASSERT_INT_EQ(box_count(&f), 0);
	/* Bob, still bound and on the roll, goes in through both. */
	vbuf_free(b);
	b = make_ballot(&f, f.e, "1002", 1);
	binding_of(&f, "1002", issuer, serial);
	v.resident_id = "1002";
	v.alias = bob_alias;
	ASSERT_OK(box_writer_append(w, f.e, &v, vbuf_ptr(b), vbuf_len(b),
	    &entry));
	ASSERT_INT_EQ(entry.position, 1);
	box_writer_free(w);
	ASSERT_INT_EQ(box_count(&f), 1);
	vbuf_free(b);
	teardown(&f);
}

/*
 * The group writer with two elections and a refusal in its batches:
 * twelve appends from twelve threads at once (Alice and Bob, three
 * ballots each, into two boxes; Bob's three ballots for the first box
 * are one ballot three times: one goes in, two are refused as
 * duplicates, whichever comes first).  However the writer groups them,
 * each box ends with positions 1..n without gaps, its chain verifies,
 * and every accepted entry is the row stored at its position.
 */
struct bg_append {
	struct box_writer *w;
	const struct election *e;
	struct box_voter v;
	const uint8_t *ballot;
	size_t len;
	struct box_entry entry;
	int r;
};

static void *
bg_append_main(void *arg)
{
	struct bg_append *a = arg;

	a->r = box_writer_append(a->w, a->e, &a->v, a->ballot, a->len,
	    &a->entry);
	return NULL;
}

TEST(box_writer_batches_two_elections_and_a_refusal)
{
	struct fixture f;
	struct election *eb = NULL;
	struct box_writer *w = NULL;
	struct manifest *m;
	struct scalar sk;
	struct bg_append a[12];
	pthread_t th[12];
	struct vbuf *b[12];
	char iss[2][256], ser[2][80], al[2][2][33], url[512];
	int64_t n, bad, accepted[2] = { 0, 0 };
	int i;

	setup(&f, "ea");
	m = yabu_manifest("eb");
	ASSERT_OK(election_create(f.db, m, "clerk"));
	manifest_free(m);
	ASSERT_OK(election_freeze_roll(f.db, "eb", "clerk"));
	ASSERT_OK(election_keys_test_single(f.db, "eb", "clerk", &sk));
	group_scalar_wipe(&sk);
	ASSERT_OK(election_open(f.db, "eb", "clerk"));
	ASSERT_OK(election_load(f.db, "eb", &eb));
	binding_of(&f, "1001", iss[0], ser[0]);
	binding_of(&f, "1002", iss[1], ser[1]);
	for (i = 0; i < 2; i++) {
		struct db_param p[2] = {
			DB_TEXT(i == 0 ? "ea" : "eb"), DB_TEXT("1001")
		};
		struct db_result *res = NULL;
		const char *t;

		ASSERT_OK(db_exec(f.db, "SELECT alias FROM roll_entries WHERE "
		    "election_id = $1 AND resident_id = $2", p, 2, &res));
		ASSERT_OK(db_get_text(res, 0, 0, 32, &t));
		memcpy(al[i][0], t, strlen(t) + 1);
		db_result_free(res);
		p[1] = DB_TEXT("1002");
		ASSERT_OK(db_exec(f.db, "SELECT alias FROM roll_entries WHERE "
		    "election_id = $1 AND resident_id = $2", p, 2, &res));
		ASSERT_OK(db_get_text(res, 0, 0, 32, &t));
		memcpy(al[i][1], t, strlen(t) + 1);
		db_result_free(res);
	}
	db_url(&f, url, sizeof(url));
	ASSERT_OK(box_writer_new(url, &w));
	for (i = 0; i < 12; i++) {
		int el = i % 2, who = (i / 2) % 2;
		const struct election *e = el == 0 ? f.e : eb;
		uint8_t sel[4][8];
		const uint8_t *rows[4] = { sel[0], sel[1], sel[2], sel[3] };

		memset(sel, 0, sizeof(sel));
		sel[0][i % 3] = 1;
		sel[3][0] = 1;
		b[i] = vbuf_new(BALLOT_MAX);
		ASSERT_NOT_NULL(b[i]);
		if (who == 1 && i >= 4 && i % 4 == 2) {
			/* Bob again with the ballot four places back:
			 * already in that box (or about to be). */
			ASSERT_OK(vbuf_put(b[i], vbuf_ptr(b[i - 4]),
			    vbuf_len(b[i - 4])));
		} else
			ASSERT_OK(ballot_encrypt(e, al[el][who], rows, b[i]));
		memset(&a[i], 0, sizeof(a[i]));
		a[i].w = w;
		a[i].e = e;
		a[i].v.resident_id = who == 0 ? "1001" : "1002";
		a[i].v.alias = al[el][who];
		a[i].v.auth_issuer = iss[who];
		a[i].v.auth_serial = ser[who];
		a[i].ballot = vbuf_ptr(b[i]);
		a[i].len = vbuf_len(b[i]);
	}
	for (i = 0; i < 12; i++)
		ASSERT_INT_EQ(pthread_create(&th[i], NULL, bg_append_main, &a[i]), 0);
	for (i = 0; i < 12; i++)
		ASSERT_INT_EQ(pthread_join(th[i], NULL), 0);
	box_writer_free(w);
	for (i = 0; i < 12; i++) {
		int64_t pos;
		struct db_param p[3];

		if (a[i].r == ERR_DUPLICATE)
			continue;
		ASSERT_OK(a[i].r);
		accepted[i % 2]++;
		pos = a[i].entry.position;
		p[0] = DB_TEXT(i % 2 == 0 ? "ea" : "eb");
		p[1] = DB_I64(pos);
		p[2] = DB_BYTES(a[i].entry.tracking_code, 32);
		{
			struct db_result *res = NULL;
			int64_t c = -1;

			ASSERT_OK(db_exec(f.db, "SELECT count(*) FROM ballots "
			    "WHERE election_id = $1 AND position = $2 AND "
			    "tracking_code = $3", p, 3, &res));
			ASSERT_OK(db_get_i64(res, 0, 0, &c));
			db_result_free(res);
			ASSERT_INT_EQ(c, 1);
		}
	}
	/* of the three copies (i = 2, 6, 10) one went in */
	ASSERT_INT_EQ((a[2].r == ERR_DUPLICATE) + (a[6].r == ERR_DUPLICATE) +
	    (a[10].r == ERR_DUPLICATE), 2);
	ASSERT_INT_EQ(accepted[0], 4);
	ASSERT_INT_EQ(accepted[1], 6);
	ASSERT_OK(box_verify(f.db, f.e, &n, &bad));
	ASSERT_INT_EQ(n, 4);
	ASSERT_OK(box_verify(f.db, eb, &n, &bad));
	ASSERT_INT_EQ(n, 6);
	ASSERT_INT_EQ(testdb_scalar(f.db, "SELECT max(position) FROM ballots "
	    "WHERE election_id = 'ea'"), 4);
	ASSERT_INT_EQ(testdb_scalar(f.db, "SELECT max(position) FROM ballots "
	    "WHERE election_id = 'eb'"), 6);
	for (i = 0; i < 12; i++)
		vbuf_free(b[i]);
	election_free(eb);
	teardown(&f);
}

struct bg_cast {
	struct fixture *f;
	const uint8_t *ballot;
	size_t len;
	struct token tk;
	int r;
	volatile int done;
};

static void *
bg_cast_main(void *arg)
{
	struct bg_cast *c = arg;
	struct receipt rc;

	c->r = cast_ballot(&c->f->ctx, c->f->e, c->ballot, c->len, &c->tk.t,
	    &rc);
	c->done = 1;
	return NULL;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * The race the re-check closes: Alice's binding is suspended (not yet
 * committed) while her ballot is validated, which still sees the binding
 * active; the append waits for the binding lock, re-checks after the
 * suspension committed, and refuses.  Nothing is stored.
 */
TEST(cast_refuses_binding_suspended_between_validation_and_append)
{
	struct fixture f;
	struct db *admin = NULL;
	struct bg_cast c;
	pthread_t th;
	char url[512];
	struct vbuf *b;
	int i;

	setup(&f, "e10");
	db_url(&f, url, sizeof(url));
	ASSERT_OK(db_open(url, NULL, &admin));
	b = make_ballot(&f, f.e, "1001", 2);
	memset(&c, 0, sizeof(c));
	c.f = &f;
	c.ballot = vbuf_ptr(b);
	c.len = vbuf_len(b);
	token_for(&f, &c.tk, "alice", c.ballot, c.len);
	/* The suspension is under way: its transaction holds the lock. */
	ASSERT_OK(db_begin(admin));
	ASSERT_OK(db_exec(admin, "UPDATE card_bindings SET status = "
	    "'suspended', status_reason = 'revoked' WHERE resident_id = '1001' "
	    "AND status = 'active'", NULL, 0, NULL));
	ASSERT_INT_EQ(pthread_create(&th, NULL, bg_cast_main, &c), 0);
	/* Validation passes (the suspension is not committed) and the
	 * append blocks on the binding lock. */
	for (i = 0; i < 50 && !c.done; i++)
		sleep_ms(20);
	ASSERT_FALSE(c.done);
	ASSERT_OK(db_commit(admin));
	pthread_join(th, NULL);
	ASSERT_ERR(c.r, ERR_NOT_BOUND);
	ASSERT_INT_EQ(box_count(&f), 0);
	free(c.tk.cert);
	db_close(admin);
	vbuf_free(b);
	teardown(&f);
}

struct bg_update {
	const char *url;
	int r;
	volatile int done;
};

static void *
bg_suspend_main(void *arg)
{
	struct bg_update *u = arg;
	struct db *db = NULL;

	if ((u->r = db_open(u->url, NULL, &db)) == 0) {
		u->r = db_exec(db, "UPDATE card_bindings SET status = "
		    "'suspended', status_reason = 'revoked' WHERE resident_id = "
		    "'1002' AND status = 'active'", NULL, 0, NULL);
		db_close(db);
	}
	u->done = 1;
	return NULL;
}

/* The other order: while an append holds the binding lock, a status
 * change waits for it (the trigger of migration 0009). */
TEST(binding_status_change_waits_for_an_append)
{
	struct fixture f;
	struct bg_update u;
	pthread_t th;
	char url[512];
	int i;

	setup(&f, "e11");
	db_url(&f, url, sizeof(url));
	memset(&u, 0, sizeof(u));
	u.url = url;
	ASSERT_OK(db_begin(f.db));
	ASSERT_OK(binding_lock_shared(f.db));
	ASSERT_INT_EQ(pthread_create(&th, NULL, bg_suspend_main, &u), 0);
	for (i = 0; i < 25 && !u.done; i++)
		sleep_ms(20);
	ASSERT_FALSE(u.done);
	ASSERT_OK(db_commit(f.db));
	pthread_join(th, NULL);
	ASSERT_OK(u.r);
	ASSERT_INT_EQ(testdb_scalar(f.db, "SELECT count(*) FROM card_bindings "
	    "WHERE resident_id = '1002' AND status = 'suspended'"), 1);
	teardown(&f);
}

/* The election lifecycle only moves forward, one step at a time. */
TEST(election_lifecycle_is_enforced)
{
	char name[64];
	struct db *db;
	struct manifest *m;
	struct scalar s;
	int applied;

	testpki_setup(cards);
	db = testdb_new(name, sizeof(name));
	ASSERT_OK(migrate_apply(db, db_migrations, db_migrations_count, &applied));
	m = yabu_manifest("e7");
	ASSERT_OK(election_create(db, m, "clerk"));
	ASSERT_ERR(election_create(db, m, "clerk"), ERR_EXISTS);
	ASSERT_ERR(election_open(db, "e7", "clerk"), ERR_WRONG_STATE);
	ASSERT_ERR(election_keys_test_single(db, "e7", "clerk", &s), ERR_WRONG_STATE);
	/* A roll frozen beforehand for other dates is not adopted. */
	{
		struct roll_params rp;
		struct roll_result rr;
		struct manifest *m2 = yabu_manifest("e7b");

		ASSERT_OK(election_create(db, m2, "clerk"));
		memset(&rp, 0, sizeof(rp));
		rp.election_id = "e7b";
		memcpy(rp.municipality, "282227", 7);
		rp.election_day = m2->election_day;
		rp.reference_date = m2->reference_date - 1;
		ASSERT_OK(roll_freeze(db, &rp, "clerk", &rr));
		ASSERT_ERR(election_freeze_roll(db, "e7b", "clerk"), ERR_MISMATCH);
		manifest_free(m2);
	}
	ASSERT_OK(election_freeze_roll(db, "e7", "clerk"));
	ASSERT_ERR(election_freeze_roll(db, "e7", "clerk"), ERR_WRONG_STATE);
	ASSERT_ERR(db_exec(db, "TRUNCATE admissions", NULL, 0, NULL), ERR_DB);
	ASSERT_ERR(db_exec(db, "TRUNCATE elections CASCADE", NULL, 0, NULL), ERR_DB);
	ASSERT_OK(election_keys_test_single(db, "e7", "clerk", &s));
	ASSERT_ERR(election_close(db, "e7", "clerk"), ERR_WRONG_STATE);
	ASSERT_OK(election_open(db, "e7", "clerk"));
	ASSERT_OK(election_close(db, "e7", "clerk"));
	ASSERT_ERR(election_open(db, "e7", "clerk"), ERR_WRONG_STATE);
	/* The trigger refuses what the code would never try. */
	ASSERT_ERR(db_exec(db, "UPDATE elections SET state = 'open'", NULL, 0, NULL), ERR_DB_CONSTRAINT);
	ASSERT_ERR(db_exec(db, "UPDATE elections SET closes_us = closes_us + 1", NULL, 0, NULL), ERR_DB);
	ASSERT_INT_EQ(testdb_scalar(db, "SELECT count(*) FROM audit_log WHERE object = 'e7'"), 6);
	ASSERT_INT_EQ(testdb_scalar(db, "SELECT count(*) FROM elections WHERE election_id = 'e7b' AND state = 'draft'"), 1);
	group_scalar_wipe(&s);
	manifest_free(m);
	testdb_free(db, name);
}

struct sweep {
	struct election *e;
};

/* Decode + verify: what the cast pipeline does with the bytes. */
static int
accept_ballot(const uint8_t *p, size_t len, void *ctx)
{
	struct sweep *s = ctx;
	struct ballot b;
	uint32_t i;
	int r;

	if ((r = ballot_decode(s->e, p, len, &b)) != 0)
		return r;
	for (i = 0; i < b.ncontests; i++) {
		struct contest_spec spec;

		manifest_spec(s->e->manifest, i, &spec);
		if ((r = contest_verify(s->e->key, s->e->context_hash,
		    (const uint8_t *)b.alias, BALLOT_ALIAS_LEN, &spec,
		    b.contest[i], b.contest_len[i])) != 0)
			return r;
	}
	return 0;
}

/* Every header byte and a sample of every contest's bytes. */
TEST(ballot_mutation_sweep_sampled)
{
	struct fixture f;
	struct sweep s;
	struct vbuf *b;
	const uint8_t *p;
	uint8_t *m;
	size_t len, i, tried = 0, accepted = 0;

	setup(&f, "e8");
	s.e = f.e;
	b = make_ballot(&f, f.e, "1001", 0);
	p = vbuf_ptr(b);
	len = vbuf_len(b);
	ASSERT_OK(accept_ballot(p, len, &s));
	m = malloc(len);
	for (i = 0; i < len; i += (i < 128 ? 1 : 13)) {
		memcpy(m, p, len);
		m[i] ^= (uint8_t)(1u << (i % 8));
		tried++;
		if (accept_ballot(m, len, &s) == 0)
			accepted++;
	}
	for (i = 0; i < len; i += 97) {
		tried++;
		if (accept_ballot(p, i, &s) == 0)
			accepted++;
	}
	ASSERT_INT_EQ(accepted, 0);
	ASSERT_TRUE(tried > 300);
	free(m);
	vbuf_free(b);
	teardown(&f);
}
