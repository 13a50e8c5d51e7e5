/*
 * bench_tally.c - the tally of a large box, from PostgreSQL to results.
 *
 *	BENCH name=tally_1m_s		tally_start (read every ballot of the
 *					box in order, check the chain and every
 *					ballot hash, sum the counted ballots'
 *					10 ciphertexts, final checkpoint) + the
 *					decryption shares + publish (combine,
 *					decode), 2 threads
 *	BENCH name=tally_start_1m_s	the first part alone
 *
 * Filling the box: 1,000,000 ballots cannot be encrypted and signed by
 * cards in a benchmark's time, and the tally neither checks proofs nor
 * cards (casting did; the verifier does again).  So the box is built
 * directly: a pool of 512 contests encrypted for real under the election
 * key (one contest of 10 options, at most one mark), and ballots whose
 * bytes are the canonical form with a distinct alias each and a contest
 * from the pool.  Their proofs do not bind their alias (a verifier would
 * refuse them; the tally does not look); their hashes, tracking codes and
 * ciphertexts are real, so the tally does all its work.  The result is
 * compared with the sum of the pool's known selections.
 *
 * IPPYO_BENCH_TALLY_N sets the number of ballots (default 1,000,000; the
 * figure is scaled to 1M only in its name when it is not).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ballot/ballot.h"
#include "ballot/box.h"
#include "ballot/election.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/strparse.h"
#include "core/vbuf.h"
#include "crypto/contest.h"
#include "crypto/sign.h"
#include "db/db.h"
#include "db/migrate.h"
#include "tally/tally.h"
#include "tests/harness/test.h"
#include "tests/harness/testdb.h"

#define POOL 512
#define OPTIONS 10
#define BATCH 1000
#define ID "bench-tally"

/* ---- the benchmark ---- */

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define CHECK(expr) do { int r_ = (expr); if (r_ != 0) \
	test_fail(__FILE__, __LINE__, "%s: %s", #expr, err_str(r_)); } while (0)

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int
main(void)
{
	static const uint8_t s1[SIGN_SEED_LEN] = { 1 }, s2[SIGN_SEED_LEN] = { 2 };
	uint32_t nopt[1] = { OPTIONS };
	struct manifest *m = manifest_new(1, nopt);
	struct election *e = NULL;
	struct contest_spec spec;
	struct scalar secret;
	struct sign_key *committee = NULL, *boxk = NULL;
	struct tally_opts o;
	struct tally_summary sum;
	struct tally_state *t = NULL;
	struct tally_result res;
	struct vbuf *sh;
	struct db *db;
	char dbname[64];
	uint8_t *pool, sel[OPTIONS], prev[32];
	uint8_t *bal, *hashes, *prevs, *codes, *aliases;
	uint64_t expected[OPTIONS] = { 0 }, n = 1000000, pos;
	const char *env = getenv("IPPYO_BENCH_TALLY_N");
	size_t clen, hdr, blen, i;
	double t0, t1, t2;
	char at[CLOCK_TEXT_LEN];
	uint32_t j;
	long bad;
	int applied;

	if (env != NULL && strparse_u64(env, 100000000, &n) != 0)
		test_fail(__FILE__, __LINE__, "IPPYO_BENCH_TALLY_N");
	if (n < 1)
		n = 1;
	db = testdb_new(dbname, sizeof(dbname));
	CHECK(migrate_apply(db, db_migrations, db_migrations_count, &applied));
	snprintf(m->id, sizeof(m->id), ID);
	snprintf(m->name_ja, sizeof(m->name_ja), "ベンチマーク");
	snprintf(m->name_en, sizeof(m->name_en), "Benchmark");
	memcpy(m->municipality, "282227", 7);
	m->election_day = (int32_t)(clock_now_us() / 86400000000LL);
	m->reference_date = m->election_day;
	m->opens_us = clock_now_us() - 7200LL * 1000000;
	m->closes_us = clock_now_us() - 3600LL * 1000000;
	snprintf(m->contests[0].id, sizeof(m->contests[0].id), "mayor");
	snprintf(m->contests[0].title_ja, sizeof(m->contests[0].title_ja), "市長");
	snprintf(m->contests[0].title_en, sizeof(m->contests[0].title_en), "Mayor");
	m->contests[0].min = 0;
	m->contests[0].max = 1;
	for (j = 0; j < OPTIONS; j++) {
		struct manifest_option *op = &m->contests[0].options[j];

		snprintf(op->id, sizeof(op->id), "c%u", j);
		snprintf(op->label_ja, sizeof(op->label_ja), "候補 %u", j);
		snprintf(op->label_en, sizeof(op->label_en), "Candidate %u", j);
	}
	CHECK(election_create(db, m, "bench"));
	manifest_free(m);
	CHECK(election_freeze_roll(db, ID, "bench"));
	CHECK(election_keys_test_single(db, ID, "bench", &secret));
	CHECK(election_open(db, ID, "bench"));
	CHECK(election_load(db, ID, &e));
	manifest_spec(e->manifest, 0, &spec);
	clen = contest_len(&spec);
	/* The pool: real encryptions; selection p % 11 (10 = blank). */
	if ((pool = malloc(POOL * clen)) == NULL)
		test_fail(__FILE__, __LINE__, "memory");
	for (i = 0; i < POOL; i++) {
		memset(sel, 0, sizeof(sel));
		if (i % 11 < OPTIONS)
			sel[i % 11] = 1;
		CHECK(contest_encrypt(e->key, e->context_hash,
		    (const uint8_t *)"pool", 4, &spec, sel, pool + i * clen, clen));
	}
	for (pos = 0; pos < n; pos++)
		if ((pos % POOL) % 11 < OPTIONS)
			expected[(pos % POOL) % 11]++;
	/* Canonical ballot: header | u32 1 | u32 0 | str(contest). */
	hdr = 8 + 1 + 4 + strlen(ID) + 32 + 4 + 32;
	blen = hdr + 4 + 4 + 4 + clen;
	bal = malloc(BATCH * blen);
	hashes = malloc(BATCH * 32);
	prevs = malloc(BATCH * 32);
	codes = malloc(BATCH * 32);
	aliases = malloc(BATCH * 32);
	if (bal == NULL || hashes == NULL || prevs == NULL || codes == NULL ||
	    aliases == NULL)
		test_fail(__FILE__, __LINE__, "memory");
	box_seed(e->context_hash, prev);
	clock_format_us(clock_now_us() - 5000LL * 1000000, at);
	t0 = now_s();
	for (pos = 0; pos < n;) {
		uint64_t first = pos, cnt = n - pos < BATCH ? n - pos : BATCH, k;

		for (k = 0; k < cnt; k++, pos++) {
			uint8_t *b = bal + k * blen, *q = b;
			char alias[33];

			snprintf(alias, sizeof(alias), "%032llx",
			    (unsigned long long)(pos + 1));
			memcpy(q, "IPPYOBAL\x01", 9);
			q += 9;
			put32(q, (uint32_t)strlen(ID));
			memcpy(q + 4, ID, strlen(ID));
			q += 4 + strlen(ID);
			memcpy(q, e->context_hash, 32);
			q += 32;
			put32(q, 32);
			memcpy(q + 4, alias, 32);
			q += 36;
			put32(q, 1);
			put32(q + 4, 0);
			put32(q + 8, (uint32_t)clen);
			memcpy(q + 12, pool + (pos % POOL) * clen, clen);
			memcpy(aliases + k * 32, alias, 32);
			ballot_hash(b, blen, hashes + k * 32);
			memcpy(prevs + k * 32, prev, 32);
			box_tracking_code(e->context_hash, prev, (int64_t)pos + 1,
			    hashes + k * 32, at, codes + k * 32);
			memcpy(prev, codes + k * 32, 32);
		}
		{
			struct db_param p[10] = {
				DB_TEXT(ID), DB_I64((int64_t)first),
				DB_BYTES(aliases, cnt * 32),
				DB_BYTES(bal, cnt * blen), DB_I64((int64_t)blen),
				DB_BYTES(hashes, cnt * 32), DB_BYTES(prevs, cnt * 32),
				DB_BYTES(codes, cnt * 32), DB_TEXT(at),
				DB_I64((int64_t)cnt)
			};

			CHECK(db_exec(db, "INSERT INTO ballots (election_id, "
			    "position, alias, voter_resident_id, ballot, ballot_hash, "
			    "prev_tracking, tracking_code, received_at) SELECT $1, "
			    "$2::bigint + i + 1, convert_from(substring($3::bytea from i * 32 "
			    "+ 1 for 32), 'UTF8'), 'r' || ($2::bigint + i + 1), "
			    "substring($4::bytea from i * $5::int + 1 for $5::int), "
			    "substring($6::bytea from i * 32 + 1 for 32), substring($7::bytea from "
			    "i * 32 + 1 for 32), substring($8::bytea from i * 32 + 1 for 32), "
			    "$9 FROM generate_series(0, $10::int - 1) AS i", p, 10,
			    NULL));
		}
	}
	fprintf(stderr, "bench_tally: box of %llu ballots (%zu bytes each) "
	    "filled in %.1f s\n", (unsigned long long)n, blen, now_s() - t0);
	CHECK(db_exec(db, "VACUUM ANALYZE ballots", NULL, 0, NULL));
	CHECK(election_close(db, ID, "bench"));
	CHECK(sign_key_from_seed(s1, &committee));
	CHECK(sign_key_from_seed(s2, &boxk));
	memset(&o, 0, sizeof(o));
	o.committee = committee;
	sign_key_public(boxk, o.box_key);
	o.threads = 2;
	o.actor = "bench";

	t0 = now_s();
	CHECK(tally_start(db, ID, &o, &sum));
	t1 = now_s();
	CHECK(tally_load(db, ID, &t));
	if ((sh = vbuf_new(1 << 20)) == NULL)
		test_fail(__FILE__, __LINE__, "memory");
	CHECK(tally_share_test_key(t, &secret, sh));
	CHECK(tally_share_import(db, ID, vbuf_ptr(sh), vbuf_len(sh), "bench", &j,
	    &bad));
	CHECK(tally_publish(db, ID, committee, "bench", &res));
	t2 = now_s();
	for (j = 0; j < OPTIONS; j++)
		if (res.votes[j] != expected[j])
			test_fail(__FILE__, __LINE__, "option %u: %llu, expected %llu",
			    j, (unsigned long long)res.votes[j],
			    (unsigned long long)expected[j]);
	if ((uint64_t)sum.ballots_counted != n)
		test_fail(__FILE__, __LINE__, "counted %lld", (long long)
		    sum.ballots_counted);
	printf("BENCH name=tally_start%s_s value=%.2f unit=s\n",
	    n == 1000000 ? "_1m" : "_n", t1 - t0);
	printf("BENCH name=tally%s_s value=%.2f unit=s\n",
	    n == 1000000 ? "_1m" : "_n", t2 - t0);
	if (n != 1000000)
		printf("BENCH name=tally_ballots value=%llu unit=ballots\n",
		    (unsigned long long)n);
	tally_result_clear(&res);
	vbuf_free(sh);
	tally_state_free(t);
	group_scalar_wipe(&secret);
	sign_key_free(committee);
	sign_key_free(boxk);
	election_free(e);
	free(pool);
	free(bal);
	free(hashes);
	free(prevs);
	free(codes);
	free(aliases);
	testdb_free(db, dbname);
	return 0;
}
