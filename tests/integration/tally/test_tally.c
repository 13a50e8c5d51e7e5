/*
 * test_tally.c - the tally against a real PostgreSQL: refusals before the
 * close and while a station is open; cancellation of voters admitted in
 * person; re-votes (the last counts); shares checked on import (forged,
 * foreign, duplicate, malformed refused, nothing stored); the published
 * result equal to the hand-computed one; a tampered box refused; the
 * record written with every file INDEX names.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/log.h"
#include "ballot/ballot.h"
#include "ballot/box.h"
#include "ballot/election.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/file.h"
#include "core/vbuf.h"
#include "crypto/ct.h"
#include "crypto/sign.h"
#include "db/db.h"
#include "db/migrate.h"
#include "registry/resident.h"
#include "tally/record.h"
#include "tally/tally.h"
#include "tests/harness/test.h"
#include "tests/harness/testdb.h"
#include "tests/harness/testprog.h"

#define VOTERS 12
#define ID "yabu-tally"

struct fixture {
	char name[64];
	struct db *db;
	struct election *e;
	struct scalar secret;
	struct sign_key *committee, *boxk;
	uint8_t box_pk[SIGN_PUBLIC_LEN];
	int64_t closes_us;
	int64_t pos;			/* the box's last position */
	uint8_t head[32];		/* and its tracking code */
	int64_t last_of[VOTERS];	/* each voter's last position */
};

static struct manifest *
manifest(void)
{
	static const uint32_t nopt[2] = { 3, 4 };
	struct manifest *m = manifest_new(2, nopt);
	int32_t d = (int32_t)(clock_now_us() / 1000000 / 86400);
	uint32_t i, j;

	ASSERT_NOT_NULL(m);
	snprintf(m->id, sizeof(m->id), ID);
	snprintf(m->name_ja, sizeof(m->name_ja), "養父市長選挙");
	snprintf(m->name_en, sizeof(m->name_en), "Yabu mayoral election");
	memcpy(m->municipality, "282227", 7);
	m->election_day = d + 1;
	m->reference_date = d;
	m->opens_us = clock_now_us() - 3600LL * 1000000;
	m->closes_us = clock_now_us() + 3600LL * 1000000;
	for (i = 0; i < 2; i++) {
		struct manifest_contest *c = &m->contests[i];

		snprintf(c->id, sizeof(c->id), "c%u", i);
		snprintf(c->title_ja, sizeof(c->title_ja), "選挙 %u", i);
		snprintf(c->title_en, sizeof(c->title_en), "Contest %u", i);
		for (j = 0; j < c->noptions; j++) {
			snprintf(c->options[j].id, sizeof(c->options[j].id), "o%u", j);
			snprintf(c->options[j].label_ja, sizeof(c->options[j].label_ja), "候補 %u", j);
			snprintf(c->options[j].label_en, sizeof(c->options[j].label_en), "Option %u", j);
		}
	}
	m->contests[0].min = 0;
	m->contests[0].max = 1;		/* one or blank */
	m->contests[1].min = 0;
	m->contests[1].max = 4;		/* any number */
	return m;
}

static void
setup(struct fixture *f)
{
	static const uint8_t s1[SIGN_SEED_LEN] = { 7 }, s2[SIGN_SEED_LEN] = { 9 };
	struct resident_import_result ir;
	struct vbuf *csv = vbuf_new(1 << 20);
	struct manifest *m;
	char line[256];
	int applied, i;

	memset(f, 0, sizeof(*f));
	f->db = testdb_new(f->name, sizeof(f->name));
	ASSERT_OK(migrate_apply(f->db, db_migrations, db_migrations_count, &applied));
	ASSERT_NOT_NULL(csv);
	snprintf(line, sizeof(line), "resident_id,name,name_kana,address,"
	    "municipality_code,date_of_birth,sex,nationality,resident_since,"
	    "status,status_date\n");
	ASSERT_OK(vbuf_put(csv, line, strlen(line)));
	for (i = 0; i < VOTERS; i++) {
		snprintf(line, sizeof(line), "%d,養父 %d,ヤブ タロウ,兵庫県養父市%d,282227,"
		    "1950-04-01,1,JP,1950-04-01,active,\n", 2001 + i, i, i);
		ASSERT_OK(vbuf_put(csv, line, strlen(line)));
	}
	i = resident_import(f->db, (const char *)vbuf_ptr(csv),
	    vbuf_len(csv), "clerk", &ir);
	if (i != 0)
		test_fail(__FILE__, __LINE__, "import: %s at line %lld (%s)",
		    err_str(i), (long long)ir.line, ir.field ? ir.field : "-");
	vbuf_free(csv);
	m = manifest();
	f->closes_us = m->closes_us;
	ASSERT_OK(election_create(f->db, m, "clerk"));
	manifest_free(m);
	ASSERT_OK(election_freeze_roll(f->db, ID, "clerk"));
	ASSERT_OK(election_keys_test_single(f->db, ID, "clerk", &f->secret));
	ASSERT_OK(election_open(f->db, ID, "clerk"));
	ASSERT_OK(election_load(f->db, ID, &f->e));
	ASSERT_OK(sign_key_from_seed(s1, &f->committee));
	ASSERT_OK(sign_key_from_seed(s2, &f->boxk));
	sign_key_public(f->boxk, f->box_pk);
}

static void
teardown(struct fixture *f)
{
	clock_unpin();
	election_free(f->e);
	sign_key_free(f->committee);
	sign_key_free(f->boxk);
	testdb_free(f->db, f->name);
}

static void
alias_of(struct fixture *f, int voter, char alias[33])
{
	char rid[16];
	struct db_param p = DB_TEXT(rid);
	struct db_result *res = NULL;
	const char *a;

	snprintf(rid, sizeof(rid), "%d", 2001 + voter);
	ASSERT_OK(db_exec(f->db, "SELECT alias FROM roll_entries WHERE "
	    "resident_id = $1", &p, 1, &res));
	ASSERT_OK(db_get_text(res, 0, 0, 32, &a));
	memcpy(alias, a, 33);
	db_result_free(res);
}

/* Casts for voter: mayor option `mayor` (or blank when < 0), and the
 * multi-mark contest's options in mask. */
static void
cast(struct fixture *f, int voter, int mayor, unsigned mask)
{
	uint8_t s0[3] = { 0 }, s1[4] = { 0 };
	const uint8_t *rows[2] = { s0, s1 };
	struct vbuf *b = vbuf_new(BALLOT_MAX);
	struct box_entry be;
	char alias[33], rid[16];
	int j;

	if (mayor >= 0)
		s0[mayor] = 1;
	for (j = 0; j < 4; j++)
		s1[j] = (mask >> j) & 1;
	alias_of(f, voter, alias);
	snprintf(rid, sizeof(rid), "%d", 2001 + voter);
	ASSERT_OK(ballot_encrypt(f->e, alias, rows, b));
	/* The box's append without the card binding it re-checks (these
	 * voters have no cards): the same row, chain and supersession. */
	(void)be;
	if (f->pos == 0)
		box_seed(f->e->context_hash, f->head);
	{
		uint8_t h[32], code[32];
		char at[CLOCK_TEXT_LEN];
		int64_t pos = f->pos + 1;
		struct db_param p[9];

		clock_format_us(clock_now_us(), at);
		ballot_hash(vbuf_ptr(b), vbuf_len(b), h);
		box_tracking_code(f->e->context_hash, f->head, pos, h, at, code);
		p[0] = (struct db_param)DB_TEXT(ID);
		p[1] = (struct db_param)DB_I64(pos);
		p[2] = (struct db_param)DB_TEXT(alias);
		p[3] = (struct db_param)DB_TEXT(rid);
		p[4] = (struct db_param)DB_BYTES(vbuf_ptr(b), vbuf_len(b));
		p[5] = (struct db_param)DB_BYTES(h, 32);
		p[6] = (struct db_param)DB_BYTES(f->head, 32);
		p[7] = (struct db_param)DB_BYTES(code, 32);
		p[8] = (struct db_param)DB_TEXT(at);
		ASSERT_OK(db_exec(f->db, "INSERT INTO ballots (election_id, "
		    "position, alias, voter_resident_id, ballot, ballot_hash, "
		    "prev_tracking, tracking_code, received_at) VALUES ($1, $2, "
		    "$3, $4, $5, $6, $7, $8, $9)", p, 9, NULL));
		if (f->last_of[voter] != 0) {
			struct db_param q[3] = {
				DB_TEXT(ID), DB_I64(f->last_of[voter]), DB_I64(pos)
			};

			ASSERT_OK(db_exec(f->db, "INSERT INTO ballot_superseded "
			    "(election_id, position, by_position, reason) VALUES ($1, "
			    "$2, $3, 'revote')", q, 3, NULL));
		}
		f->last_of[voter] = pos;
		f->pos = pos;
		memcpy(f->head, code, 32);
	}
	vbuf_free(b);
}

/*
 * The election's box: voters 0..11; voter 1 re-votes twice (the last
 * counts), voter 2 re-votes once, voter 3 was admitted in person (its
 * online ballot is cancelled), voter 11 never votes.
 * Expected (hand-computed):
 *   contest 0 (mayor): voter picks i % 3, except voter 1's last = 2,
 *     voter 2's last = blank, voter 3 cancelled, voter 11 absent.
 *     counted voters 0,1,2,4..10 -> 0:0, 1:2(last), 2:blank, 4:1, 5:2,
 *     6:0, 7:1, 8:2, 9:0, 10:1 => o0 = 3 (0, 6, 9), o1 = 3 (4, 7, 10),
 *     o2 = 3 (1, 5, 8).
 *   contest 1: mask = voter i's (i % 16), voter 1's last 0xf, voter 2's
 *     last 0x1.  Counted: 0:0, 1:f, 2:1, 4:4, 5:5, 6:6, 7:7, 8:8, 9:9,
 *     10:a.  bit0: 1,2,5,7,9 = 5; bit1: 1,6,7,10 = 4; bit2: 1,4,5,6,7 = 5;
 *     bit3: 1,8,9,10 = 4.
 */
static const uint64_t expected[7] = { 3, 3, 3, 5, 4, 5, 4 };

static void
fill_box(struct fixture *f)
{
	int i;

	for (i = 0; i < VOTERS - 1; i++)
		cast(f, i, i % 3, (unsigned)i % 16);
	cast(f, 1, 0, 0x3);
	cast(f, 2, -1, 0x1);
	cast(f, 1, 2, 0xf);
	/* Voter 3 is admitted at a station after voting online (the gate
	 * work will write this row; the tally must cancel the ballot). */
	ASSERT_OK(db_exec(f->db, "INSERT INTO admissions (election_id, "
	    "resident_id, station, admitted_at) VALUES ('" ID "', '2004', "
	    "'hall-1', '2027-01-01T00:00:00.000000Z')", NULL, 0, NULL));
	/* A periodic checkpoint by the server's key. */
	ASSERT_OK(box_checkpoint(f->db, f->e, f->boxk, 0, NULL));
}

static struct tally_opts
topts(struct fixture *f)
{
	struct tally_opts o;

	memset(&o, 0, sizeof(o));
	o.committee = f->committee;
	memcpy(o.box_key, f->box_pk, sizeof(o.box_key));
	o.threads = 2;
	o.actor = "committee";
	return o;
}

/* The station closed, the election closed, the clock past the close. */
static void
ready_to_tally(struct fixture *f)
{
	ASSERT_OK(tally_station_add(f->db, ID, "hall-1", "clerk"));
	ASSERT_OK(tally_station_close(f->db, ID, "hall-1", "clerk"));
	ASSERT_OK(election_close(f->db, ID, "clerk"));
	clock_pin_us(f->closes_us + 1000000);
}

static void
import_shares(struct fixture *f, struct vbuf **out)
{
	struct tally_state *t = NULL;
	struct vbuf *b = vbuf_new(1 << 20);

	ASSERT_OK(tally_load(f->db, ID, &t));
	ASSERT_OK(tally_share_test_key(t, &f->secret, b));
	tally_state_free(t);
	*out = b;
}

TEST(tally_refuses_before_close_and_with_open_station)
{
	struct fixture f;
	struct tally_opts o;
	struct tally_summary s;

	setup(&f);
	fill_box(&f);
	o = topts(&f);
	ASSERT_ERR(tally_start(f.db, ID, &o, &s), ERR_WRONG_STATE);
	ASSERT_INT_EQ(s.refusal, TALLY_NOT_CLOSED);
	ASSERT_OK(election_close(f.db, ID, "clerk"));
	/* Closed early by the committee: the official close is still ahead. */
	ASSERT_ERR(tally_start(f.db, ID, &o, &s), ERR_WRONG_STATE);
	ASSERT_INT_EQ(s.refusal, TALLY_BEFORE_CLOSE);
	clock_pin_us(f.closes_us + 1000000);
	/* hall-1 admitted a voter but never confirmed closure. */
	ASSERT_ERR(tally_start(f.db, ID, &o, &s), ERR_WRONG_STATE);
	ASSERT_INT_EQ(s.refusal, TALLY_STATIONS_OPEN);
	ASSERT_STR_EQ(s.station, "hall-1");
	ASSERT_ERR(tally_station_close(f.db, ID, "hall-1", "clerk"), ERR_NOT_FOUND);
	ASSERT_OK(tally_station_add(f.db, ID, "hall-1", "clerk"));
	ASSERT_OK(tally_station_add(f.db, ID, "hall-2", "clerk"));
	ASSERT_ERR(tally_station_add(f.db, ID, "hall-2", "clerk"), ERR_EXISTS);
	ASSERT_ERR(tally_station_add(f.db, ID, "Hall 3", "clerk"), ERR_FORMAT);
	ASSERT_OK(tally_station_close(f.db, ID, "hall-1", "clerk"));
	ASSERT_ERR(tally_start(f.db, ID, &o, &s), ERR_WRONG_STATE);
	ASSERT_STR_EQ(s.station, "hall-2");	/* registered, not closed */
	ASSERT_OK(tally_station_close(f.db, ID, "hall-2", "clerk"));
	/* Nothing of the refused attempts stayed. */
	ASSERT_INT_EQ(testdb_scalar(f.db, "SELECT count(*) FROM tally_runs"), 0);
	ASSERT_INT_EQ(testdb_scalar(f.db, "SELECT count(*) FROM "
	    "ballot_superseded WHERE reason = 'admitted_in_person'"), 0);
	ASSERT_INT_EQ(testdb_scalar(f.db, "SELECT count(*) FROM box_checkpoints "
	    "WHERE final"), 0);
	ASSERT_OK(tally_start(f.db, ID, &o, &s));
	ASSERT_INT_EQ(s.ballots_cast, 14);
	ASSERT_INT_EQ(s.ballots_counted, 10);
	ASSERT_INT_EQ(s.cancelled, 1);
	ASSERT_ERR(tally_start(f.db, ID, &o, &s), ERR_EXISTS);
	ASSERT_INT_EQ(s.refusal, TALLY_STARTED);
	/* The stations the tally checked are final. */
	ASSERT_ERR(tally_station_add(f.db, ID, "hall-3", "clerk"),
	    ERR_WRONG_STATE);
	ASSERT_INT_EQ(testdb_scalar(f.db, "SELECT count(*) FROM stations"), 2);
	ASSERT_INT_EQ(testdb_scalar(f.db, "SELECT count(*) FROM box_checkpoints "
	    "WHERE final"), 1);
	/* Write-once. */
	ASSERT_ERR(db_exec(f.db, "UPDATE tally_runs SET ballots_counted = 11",
	    NULL, 0, NULL), ERR_DB);
	ASSERT_ERR(db_exec(f.db, "DELETE FROM tally_runs", NULL, 0, NULL), ERR_DB);
	teardown(&f);
}

TEST(tally_counts_last_uncancelled_ballots)
{
	struct fixture f;
	struct tally_opts o;
	struct tally_summary s;
	struct tally_result res;
	struct vbuf *sh = NULL;
	uint32_t j;
	long bad;
	size_t i;

	setup(&f);
	fill_box(&f);
	ready_to_tally(&f);
	o = topts(&f);
	ASSERT_OK(tally_start(f.db, ID, &o, &s));
	/* No shares yet: publishing needs k of them. */
	ASSERT_ERR(tally_publish(f.db, ID, f.committee, "committee", &res),
	    ERR_RANGE);
	/* Only the key that froze the box publishes. */
	ASSERT_ERR(tally_publish(f.db, ID, f.boxk, "committee", &res),
	    ERR_MISMATCH);
	import_shares(&f, &sh);
	ASSERT_OK(tally_share_import(f.db, ID, vbuf_ptr(sh), vbuf_len(sh),
	    "committee", &j, &bad));
	ASSERT_INT_EQ(j, 1);
	ASSERT_ERR(tally_share_import(f.db, ID, vbuf_ptr(sh), vbuf_len(sh),
	    "committee", &j, &bad), ERR_EXISTS);
	vbuf_free(sh);
	ASSERT_OK(tally_publish(f.db, ID, f.committee, "committee", &res));
	ASSERT_INT_EQ(res.nagg, 7);
	for (i = 0; i < 7; i++)
		ASSERT_U64_EQ(res.votes[i], expected[i]);
	ASSERT_INT_EQ(res.ntrustees, 1);
	tally_result_clear(&res);
	ASSERT_INT_EQ(testdb_scalar(f.db, "SELECT count(*) FROM elections WHERE "
	    "state = 'tallied'"), 1);
	ASSERT_ERR(tally_publish(f.db, ID, f.committee, "committee", &res),
	    ERR_EXISTS);
	/* The audit log has the steps, and verifies. */
	ASSERT_INT_EQ(testdb_scalar(f.db, "SELECT count(*) FROM audit_log WHERE "
	    "action IN ('tally.start', 'tally.share', 'tally.publish', "
	    "'election.tallied', 'station.closed')"), 5);
	teardown(&f);
}

TEST(tally_share_refusals_store_nothing)
{
	struct fixture f;
	struct tally_opts o;
	struct tally_summary s;
	struct vbuf *sh = NULL;
	uint8_t *p;
	size_t n, k;
	uint32_t j;
	long bad;
	char *q;

	setup(&f);
	fill_box(&f);
	ready_to_tally(&f);
	o = topts(&f);
	ASSERT_OK(tally_start(f.db, ID, &o, &s));
	import_shares(&f, &sh);
	n = vbuf_len(sh);
	p = malloc(n + 1);
	ASSERT_NOT_NULL(p);
	/* A forged proof: one hex digit of the first share's last byte. */
	memcpy(p, vbuf_ptr(sh), n);
	p[n] = 0;
	q = strstr((char *)p, "\"shares\"");
	ASSERT_NOT_NULL(q);
	q = strchr(q, '"' );
	q = strchr(q + 1, '"');
	q = strchr(q + 1, '"');	/* opening quote of the first share */
	q += 2 * 227;		/* its last digit */
	*q = *q == '0' ? '1' : '0';
	ASSERT_ERR(tally_share_import(f.db, ID, p, n, "committee", &j, &bad),
	    ERR_VERIFY);
	ASSERT_INT_EQ(bad, 0);
	/* Another trustee's number: not in the qualified set. */
	memcpy(p, vbuf_ptr(sh), n);
	q = strstr((char *)p, "\"trustee\": 1");
	ASSERT_NOT_NULL(q);
	q[11] = '2';
	ASSERT_ERR(tally_share_import(f.db, ID, p, n, "committee", &j, &bad),
	    ERR_PERM);
	/* Malformed: truncated, a duplicate key, wrong types. */
	ASSERT_ERR(tally_share_import(f.db, ID, vbuf_ptr(sh), n / 2, "committee",
	    &j, &bad), ERR_FORMAT);
	ASSERT_ERR(tally_share_import(f.db, ID, (const uint8_t *)
	    "{\"trustee\": 1, \"trustee\": 1, \"shares\": []}", 44, "committee",
	    &j, &bad), ERR_FORMAT);
	ASSERT_ERR(tally_share_import(f.db, ID, (const uint8_t *)
	    "{\"trustee\": \"1\", \"shares\": []}", 31, "committee", &j, &bad),
	    ERR_FORMAT);
	ASSERT_ERR(tally_share_import(f.db, ID, (const uint8_t *)
	    "{\"trustee\": 1, \"shares\": [[\"00\"]]}", 34, "committee", &j,
	    &bad), ERR_FORMAT);
	/* A sweep: every single-byte change of the honest file is refused
	 * (sampled every 7th byte to keep it quick). */
	for (k = 0; k < n; k += 7) {
		int r;

		memcpy(p, vbuf_ptr(sh), n);
		p[k] ^= 0x01;
		r = tally_share_import(f.db, ID, p, n, "committee", &j, &bad);
		if (r == 0) {
			/* Only whitespace-insensitive changes may pass... and
			 * then the stored shares are the honest ones. */
			ASSERT_TRUE(p[k] == ' ' + 1 || p[k] == '\n' + 1 ||
			    p[k] == ' ' || p[k] == '\n' || p[k] == '\t');
			break;
		}
	}
	ASSERT_INT_EQ(testdb_scalar(f.db, "SELECT count(*) FROM tally_shares"),
	    k < n ? 1 : 0);
	free(p);
	vbuf_free(sh);
	teardown(&f);
}

TEST(tally_refuses_a_tampered_box)
{
	struct fixture f;
	struct tally_opts o;
	struct tally_summary s;

	setup(&f);
	fill_box(&f);
	ready_to_tally(&f);
	o = topts(&f);
	/* Someone with the owner's rights edits a stored ballot. */
	ASSERT_OK(db_exec(f.db, "ALTER TABLE ballots DISABLE TRIGGER "
	    "ballots_append_only", NULL, 0, NULL));
	ASSERT_OK(db_exec(f.db, "UPDATE ballots SET ballot = overlay(ballot "
	    "placing '\\x00'::bytea from 200) WHERE position = 5", NULL, 0,
	    NULL));
	ASSERT_ERR(tally_start(f.db, ID, &o, &s), ERR_VERIFY);
	ASSERT_INT_EQ(testdb_scalar(f.db, "SELECT count(*) FROM tally_runs"), 0);
	teardown(&f);
}

TEST(tally_refuses_stray_cancellation_and_forged_checkpoint)
{
	struct fixture f;
	struct tally_opts o;
	struct tally_summary s;

	setup(&f);
	fill_box(&f);
	ready_to_tally(&f);
	o = topts(&f);
	/* Someone with the owner's rights marks voter 0's only ballot as
	 * re-voted by another voter's ballot: a vote silently dropped. */
	ASSERT_OK(db_exec(f.db, "INSERT INTO ballot_superseded (election_id, "
	    "position, by_position, reason) VALUES ('" ID "', 1, 12, 'revote')",
	    NULL, 0, NULL));
	ASSERT_ERR(tally_start(f.db, ID, &o, &s), ERR_VERIFY);
	/* ... or as cancelled in person without an admission. */
	ASSERT_OK(db_exec(f.db, "ALTER TABLE ballot_superseded DISABLE TRIGGER "
	    "superseded_append_only", NULL, 0, NULL));
	ASSERT_OK(db_exec(f.db, "UPDATE ballot_superseded SET by_position = "
	    "NULL, reason = 'admitted_in_person' WHERE position = 1", NULL, 0,
	    NULL));
	ASSERT_ERR(tally_start(f.db, ID, &o, &s), ERR_VERIFY);
	ASSERT_OK(db_exec(f.db, "DELETE FROM ballot_superseded WHERE position "
	    "= 1", NULL, 0, NULL));
	/* A periodic checkpoint whose signature was altered. */
	ASSERT_OK(db_exec(f.db, "ALTER TABLE box_checkpoints DISABLE TRIGGER "
	    "checkpoints_append_only", NULL, 0, NULL));
	ASSERT_OK(db_exec(f.db, "UPDATE box_checkpoints SET signature = "
	    "set_byte(signature, 4, get_byte(signature, 4) # 1)", NULL, 0,
	    NULL));
	ASSERT_ERR(tally_start(f.db, ID, &o, &s), ERR_VERIFY);
	ASSERT_INT_EQ(testdb_scalar(f.db, "SELECT count(*) FROM tally_runs"), 0);
	ASSERT_INT_EQ(testdb_scalar(f.db, "SELECT count(*) FROM box_checkpoints "
	    "WHERE final"), 0);
	teardown(&f);
}

TEST(tally_refuses_foreign_checkpoint_key)
{
	struct fixture f;
	struct tally_opts o;
	struct tally_summary s;

	setup(&f);
	fill_box(&f);
	ready_to_tally(&f);
	o = topts(&f);
	o.box_key[0] ^= 1;
	ASSERT_ERR(tally_start(f.db, ID, &o, &s), ERR_MISMATCH);
	teardown(&f);
}

/* Runs ippyo-verify with args (at most 8, NULL-terminated); its exit
 * status, the output shown with IPPYO_TEST_VERBOSE. */
static int
run_verify(const char *const *args)
{
	static char out[1 << 14];
	const char *a[9] = { NULL };
	int i, r;

	for (i = 0; i < 8 && args[i] != NULL; i++)
		a[i] = args[i];
	r = testprog_run(NULL, NULL, out, sizeof(out), "ippyo-verify", a[0],
	    a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], (char *)NULL);
	if (getenv("IPPYO_TEST_VERBOSE") != NULL)
		fputs(out, stdout);
	return r;
}

TEST(tally_record_is_written_and_indexed)
{
	struct fixture f;
	struct tally_opts o;
	struct tally_summary s;
	struct tally_result res;
	struct vbuf *sh = NULL;
	char dir[128], path[256];
	uint8_t *idx = NULL;
	size_t n;
	uint32_t j;
	long bad;
	struct stat st;

	setup(&f);
	fill_box(&f);
	ready_to_tally(&f);
	o = topts(&f);
	ASSERT_OK(tally_start(f.db, ID, &o, &s));
	snprintf(dir, sizeof(dir), "/tmp/ippyo-rec-%d", (int)getpid());
	/* The full record needs the result first. */
	ASSERT_ERR(record_write(f.db, ID, dir, RECORD_FULL, f.committee),
	    ERR_WRONG_STATE);
	/* Not the tally's committee key. */
	ASSERT_ERR(record_write(f.db, ID, dir, RECORD_TRUSTEES, f.boxk),
	    ERR_MISMATCH);
	import_shares(&f, &sh);
	ASSERT_OK(tally_share_import(f.db, ID, vbuf_ptr(sh), vbuf_len(sh),
	    "committee", &j, &bad));
	vbuf_free(sh);
	ASSERT_OK(tally_publish(f.db, ID, f.committee, "committee", &res));
	tally_result_clear(&res);
	/* The municipality's log goes on after the tally (the desk binds a
	 * card, another election is made): the record, written later, must
	 * still verify; entries after its own checkpoint are not in it. */
	ASSERT_OK(audit_append(f.db, "clerk", "election.create", "later-2028",
	    "contests=1", NULL));
	ASSERT_OK(record_write(f.db, ID, dir, RECORD_FULL, f.committee));
	ASSERT_OK(audit_append(f.db, "clerk", "election.create", "later-2029",
	    "contests=1", NULL));
	ASSERT_ERR(record_write(f.db, ID, dir, RECORD_FULL, f.committee),
	    ERR_EXISTS);
	snprintf(path, sizeof(path), "%s/INDEX", dir);
	ASSERT_OK(file_read(path, 1 << 20, 0, &idx, &n));
	/* 13 files: election, manifest, ballots, superseded, admitted,
	 * counted, checkpoints, tally, one trustee's shares, results (2),
	 * audit... */
	ASSERT_NOT_NULL(memmem(idx, n, "  ballots.bin\n", 14));
	ASSERT_NOT_NULL(memmem(idx, n, "  decryption/trustee-01.json\n", 29));
	ASSERT_NOT_NULL(memmem(idx, n, "  results.txt\n", 14));
	ASSERT_NULL(memmem(idx, n, "INDEX.sig", 9));
	free(idx);
	snprintf(path, sizeof(path), "%s/INDEX.sig", dir);
	ASSERT_OK(stat(path, &st));
	/* The real tally's record, checked by the independent verifier with
	 * both engines and the keys pinned, as a directory and as the
	 * single-file archive; then one voter's check. */
	{
		char ck[65], bk[65], tar[160], code[65];
		uint8_t pk[SIGN_PUBLIC_LEN];
		const char *a1[] = { "--quiet", "--committee-key", ck, "--box-key",
		    bk, dir, NULL };
		const char *a2[] = { "--quiet", "--engine", "gcrypt",
		    "--committee-key", ck, "--box-key", bk, dir, NULL };
		const char *a3[] = { "--quiet", "--committee-key", ck, tar, NULL };
		const char *a4[] = { "--quiet", "--box-key", ck, dir, NULL };
		const char *a5[] = { "--quiet", "ballot", dir, code, NULL };
		struct db_result *dr = NULL;
		const char *tc;

		sign_key_public(f.committee, pk);
		ASSERT_OK(ct_hex_encode(pk, 32, ck, sizeof(ck)));
		ASSERT_OK(ct_hex_encode(f.box_pk, 32, bk, sizeof(bk)));
		snprintf(tar, sizeof(tar), "%s.tar", dir);
		ASSERT_OK(record_pack(dir, ID "-record", tar));
		ASSERT_INT_EQ(run_verify(a1), 0);
		ASSERT_INT_EQ(run_verify(a2), 0);
		ASSERT_INT_EQ(run_verify(a3), 0);
		/* A wrongly pinned box key: invalid. */
		ASSERT_INT_EQ(run_verify(a4), 1);
		ASSERT_OK(db_exec(f.db, "SELECT encode(tracking_code, 'hex') FROM "
		    "ballots WHERE position = 3", NULL, 0, &dr));
		ASSERT_OK(db_get_text(dr, 0, 0, 64, &tc));
		memcpy(code, tc, 65);
		db_result_free(dr);
		ASSERT_INT_EQ(run_verify(a5), 0);
		ASSERT_OK(unlink(tar));
	}
	{
		/* Leave no files behind. */
		static const char *const files[] = {
			"INDEX", "INDEX.sig", "election.json", "manifest.bin",
			"ballots.bin", "superseded.json", "admitted.json",
			"counted.json", "checkpoints.json", "tally.json",
			"decryption/trustee-01.json", "results.json",
			"results.txt", "audit.json", NULL
		};
		int i;

		for (i = 0; files[i] != NULL; i++) {
			snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
			ASSERT_OK(unlink(path));
		}
		snprintf(path, sizeof(path), "%s/decryption", dir);
		ASSERT_OK(rmdir(path));
		ASSERT_OK(rmdir(dir));
	}
	teardown(&f);
}


