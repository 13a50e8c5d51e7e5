/*
 * test_reliability.c - 200 voters cast (a quarter of them twice) from
 * four concurrent clients against the real ippyo-server and PostgreSQL;
 * midway the server is killed with SIGKILL and restarted.  Afterwards:
 * every receipt the server issued names a ballot that is stored at that
 * position with that ballot hash and tracking code, the receipt's
 * signature verifies, the chain verifies, every voter has a ballot, and
 * every stored ballot was either receipted or its receipt was lost in the
 * crash (the client saw the connection die, and its retry found the
 * ballot already in the box).  Nothing acknowledged is ever lost.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ballot/ballot.h"
#include "ballot/box.h"
#include "ballot/election.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/limits.h"
#include "crypto/ct.h"
#include "crypto/rsa.h"
#include "crypto/seal.h"
#include "crypto/secret.h"
#include "crypto/sign.h"
#include "db/db.h"
#include "db/migrate.h"
#include "registry/auth.h"
#include "registry/binding.h"
#include "registry/resident.h"
#include "web/httpc.h"
#include "tests/harness/test.h"
#include "tests/harness/testdb.h"
#include "tests/harness/testpki.h"
#include "tests/harness/testsrv.h"
#include "web/json.h"

#define ORIGIN "https://vote.city.yabu.hyogo.jp"
#define VOTERS 200
#define REVOTERS 50
#define CLIENTS 4
#define KILL_AFTER 120		/* accepted casts before the SIGKILL */

static const struct testpki_card cards[] = {
	{ "voter", "投票 者", "兵庫県養父市八鹿町1", "19700101", "1" },
	{ NULL, NULL, NULL, NULL, NULL }
};

static char dbname[64], url[512];
static struct db *db;
static pid_t server = -1;
static int port;
static uint8_t **certs;
static size_t *cert_lens;
static char aliases[VOTERS][33];
static struct rsa_key *voter_key;

/* What the clients saw. */
struct outcome {
	int receipted;			/* a 201 with a receipt */
	struct receipt rc;		/* its receipt */
	int lost;			/* a cast whose answer never came */
};
static struct outcome outcomes[VOTERS + REVOTERS];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int next_job, accepted;

static void
start_server(void)
{
	static char rk[300];
	const char *extra[3] = { rk, "IPPYO_RECEIPT_KEY_PASSPHRASE=receipt-pass",
	    NULL };

	snprintf(rk, sizeof(rk), "IPPYO_RECEIPT_KEY_FILE=%s", getenv("RK_FILE"));
	server = testsrv_start(port, url, ORIGIN, extra);
}

static void
stop_server(void)
{
	testsrv_stop(server, 0);
	server = -1;
}

static void
drop_db(void)
{
	if (db != NULL)
		testdb_free(db, dbname);
	db = NULL;
}

/* One cast attempt; 0 with a receipt, 1 duplicate, -1 no answer, -2 refused. */
static int
attempt(int voter, const uint8_t *ballot, size_t len, struct receipt *rc)
{
	return testsrv_cast(port, ORIGIN, "rel1", voter_key, certs[voter],
	    cert_lens[voter], ballot, len, rc, NULL);
}

/* A client: takes jobs (voter casts) until none are left. */
static void *
client(void *arg)
{
	struct election *e = arg;
	struct vbuf *b = vbuf_new(BALLOT_MAX);

	for (;;) {
		uint8_t sel[2][3];
		const uint8_t *rows[2] = { sel[0], sel[1] };
		int job, voter, tries, r;

		pthread_mutex_lock(&mu);
		job = next_job++;
		pthread_mutex_unlock(&mu);
		if (job >= VOTERS + REVOTERS)
			break;
		voter = job < VOTERS ? job : (job - VOTERS) * 4;
		memset(sel, 0, sizeof(sel));
		sel[0][(job * 7) % 3] = 1;
		sel[1][job % 2] = 1;
		vbuf_reset(b);
		if (ballot_encrypt(e, aliases[voter], rows, b) != 0)
			break;
		/* Retry through the crash: a new nonce and signature each
		 * time, the same ballot (so a stored one shows as duplicate). */
		for (tries = 0; tries < 150; tries++) {
			r = attempt(voter, vbuf_ptr(b), vbuf_len(b),
			    &outcomes[job].rc);
			if (r == 0) {
				outcomes[job].receipted = 1;
				pthread_mutex_lock(&mu);
				accepted++;
				pthread_mutex_unlock(&mu);
				break;
			}
			if (r == 1) {
				outcomes[job].lost = 1;
				break;
			}
			if (r == -2)
				break;
			usleep(tries < 10 ? 100000 : 500000);
		}
	}
	vbuf_free(b);
	return NULL;
}

static void
setup(void)
{
	char csv[VOTERS * 160 + 512], *p, rkpath[256];
	struct resident_import_result ir;
	struct binding_result br;
	struct certcheck *cc;
	static const uint8_t seed[SIGN_SEED_LEN] = { 7 };
	struct sign_key *k = NULL;
	struct secret *s = NULL, *pw = NULL;
	struct manifest *m;
	static const uint32_t nopt[2] = { 3, 2 };
	struct scalar sk;
	uint8_t *kd, sd[SIGN_SEED_LEN];
	const unsigned char *kp;
	int32_t d = (int32_t)(clock_now_us() / 1000000 / 86400);
	size_t kl;
	int applied, i, j;

	testpki_setup(cards);
	testpki_issue_bulk("voter", "voter", VOTERS, &certs, &cert_lens);
	kd = testpki_key("voter", "auth", &kl);
	kp = kd;
	ASSERT_OK(rsa_key_from_der(kp, kl, &voter_key));
	free(kd);
	db = testdb_new(dbname, sizeof(dbname));
	atexit(drop_db);
	snprintf(url, sizeof(url), "%s dbname=%s", test_database_url(), dbname);
	ASSERT_OK(migrate_apply(db, db_migrations, db_migrations_count, &applied));
	p = csv;
	p += snprintf(p, 512, "resident_id,name,name_kana,address,municipality_code,"
	    "date_of_birth,sex,nationality,resident_since,status,status_date\n");
	for (i = 0; i < VOTERS; i++)
		p += snprintf(p, 160, "%d,投票 %d,トウヒョウ,兵庫県養父市八鹿町%d,282227,"
		    "1970-01-01,1,JP,2000-01-01,active,\n", 5000 + i, i, i);
	ASSERT_OK(resident_import(db, csv, strlen(csv), "clerk", &ir));
	m = manifest_new(2, nopt);
	snprintf(m->id, sizeof(m->id), "rel1");
	snprintf(m->name_ja, sizeof(m->name_ja), "信頼性試験");
	snprintf(m->name_en, sizeof(m->name_en), "Reliability test");
	memcpy(m->municipality, "282227", 7);
	m->election_day = d + 10;
	m->reference_date = d;
	m->opens_us = clock_now_us() - 3600LL * 1000000;
	m->closes_us = (int64_t)(d + 10) * 86400 * 1000000;
	for (i = 0; i < 2; i++) {
		snprintf(m->contests[i].id, LIMIT_ID_LEN_MAX, "c%d", i);
		snprintf(m->contests[i].title_ja, LIMIT_NAME_LEN_MAX, "選挙%d", i);
		snprintf(m->contests[i].title_en, LIMIT_NAME_LEN_MAX, "Contest %d", i);
		m->contests[i].max = 1;
		for (j = 0; j < (int)m->contests[i].noptions; j++) {
			snprintf(m->contests[i].options[j].id, LIMIT_ID_LEN_MAX, "o%d", j);
			snprintf(m->contests[i].options[j].label_ja, LIMIT_NAME_LEN_MAX, "候補%d", j);
			snprintf(m->contests[i].options[j].label_en, LIMIT_NAME_LEN_MAX, "Option %d", j);
		}
	}
	ASSERT_OK(election_create(db, m, "clerk"));
	manifest_free(m);
	ASSERT_OK(election_freeze_roll(db, "rel1", "clerk"));
	ASSERT_OK(election_keys_test_single(db, "rel1", "clerk", &sk));
	group_scalar_wipe(&sk);
	ASSERT_OK(election_open(db, "rel1", "clerk"));
	cc = testpki_checker("auth", 1, 0);
	for (i = 0; i < VOTERS; i++) {
		char rid[16];
		struct db_param q = DB_TEXT(rid);
		struct db_result *res = NULL;
		const char *a;

		snprintf(rid, sizeof(rid), "%d", 5000 + i);
		ASSERT_OK(testpki_bind_witnessed(db, cc, "voter", certs[i],
		    cert_lens[i], rid, &br));
		ASSERT_OK(db_exec(db, "SELECT alias FROM roll_entries WHERE resident_id = $1", &q, 1, &res));
		ASSERT_OK(db_get_text(res, 0, 0, 32, &a));
		memcpy(aliases[i], a, 33);
		db_result_free(res);
	}
	certcheck_free(cc);
	/* A durable receipt key: the restarted server signs with the same. */
	snprintf(rkpath, sizeof(rkpath), "%s/receipt.key", testpki_dir());
	ASSERT_OK(sign_key_from_seed(seed, &k));
	sign_key_seed(k, sd);
	ASSERT_OK(secret_from(sd, sizeof(sd), &s));
	ASSERT_OK(secret_from("receipt-pass", 12, &pw));
	ASSERT_OK(seal_write_file(rkpath, "receipt-key", s, pw, &seal_params_test));
	secret_free(s);
	secret_free(pw);
	sign_key_free(k);
	setenv("RK_FILE", rkpath, 1);
	port = httpc_free_port();
	start_server();
	atexit(stop_server);
}

TEST(reliability_sigkill_under_load_loses_no_acknowledged_ballot)
{
	static const uint8_t seed[SIGN_SEED_LEN] = { 7 };
	struct election *es[CLIENTS];
	pthread_t th[CLIENTS];
	struct sign_key *k = NULL;
	uint8_t pk[SIGN_PUBLIC_LEN];
	int64_t n, bad, receipts = 0, lost = 0;
	int i, killed = 0;

	setup();
	ASSERT_OK(sign_key_from_seed(seed, &k));
	sign_key_public(k, pk);
	sign_key_free(k);
	for (i = 0; i < CLIENTS; i++) {
		ASSERT_OK(election_load(db, "rel1", &es[i]));
		ASSERT_INT_EQ(pthread_create(&th[i], NULL, client, es[i]), 0);
	}
	/* Kill the server in the middle of the load, then bring it back. */
	for (i = 0; i < 6000 && !killed; i++) {
		int a;

		pthread_mutex_lock(&mu);
		a = accepted;
		pthread_mutex_unlock(&mu);
		if (a >= KILL_AFTER) {
			testsrv_stop(server, 1);
			server = -1;
			killed = 1;
			usleep(300000);
			start_server();
		} else
			usleep(10000);
	}
	for (i = 0; i < CLIENTS; i++) {
		pthread_join(th[i], NULL);
		election_free(es[i]);
	}
	ASSERT_TRUE(killed);
	/* Every receipt names a stored ballot, exactly. */
	for (i = 0; i < VOTERS + REVOTERS; i++) {
		if (outcomes[i].lost)
			lost++;
		if (!outcomes[i].receipted)
			continue;
		receipts++;
		ASSERT_OK(receipt_verify(pk, &outcomes[i].rc));
		{
			struct db_param q[3] = {
				DB_I64(outcomes[i].rc.entry.position),
				DB_BYTES(outcomes[i].rc.entry.ballot_hash, 32),
				DB_BYTES(outcomes[i].rc.entry.tracking_code, 32)
			};
			struct db_result *res = NULL;

			ASSERT_OK(db_exec(db, "SELECT 1 FROM ballots WHERE election_id "
			    "= 'rel1' AND position = $1 AND ballot_hash = $2 AND "
			    "tracking_code = $3", q, 3, &res));
			ASSERT_INT_EQ(db_result_rows(res), 1);
			db_result_free(res);
		}
	}
	/* Every job ended in a receipt or a ballot already stored. */
	ASSERT_INT_EQ(receipts + lost, VOTERS + REVOTERS);
	ASSERT_INT_EQ(testdb_scalar(db, "SELECT count(*) FROM ballots WHERE election_id = 'rel1'"), VOTERS + REVOTERS);
	ASSERT_INT_EQ(testdb_scalar(db, "SELECT count(DISTINCT voter_resident_id) FROM ballots WHERE election_id = 'rel1'"), VOTERS);
	ASSERT_INT_EQ(testdb_scalar(db, "SELECT count(*) FROM ballot_superseded WHERE election_id = 'rel1'"), REVOTERS);
	{
		struct election *e = NULL;

		ASSERT_OK(election_load(db, "rel1", &e));
		ASSERT_OK(box_verify(db, e, &n, &bad));
		ASSERT_INT_EQ(n, VOTERS + REVOTERS);
		election_free(e);
	}
	printf("reliability: %lld receipts, %lld receipts lost in the crash "
	    "(ballot stored, found as duplicate on retry)\n", (long long)receipts,
	    (long long)lost);
}
