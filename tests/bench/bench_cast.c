/*
 * bench_cast.c - casting throughput and latency of the real ippyo-server.
 *
 *	BENCH name=cast_throughput_per_s	accepted ballots per second
 *	BENCH name=cast_p50_ms, cast_p99_ms	latency of one cast request
 *
 * The election has one contest of 10 options (choose at most 1).  Every
 * voter has a distinct bound certificate (one card key, like the
 * reliability test), CRL checks on, OCSP off (a responder on loopback
 * would measure openssl, not us).  All ballots, nonces and card
 * signatures are prepared before the clock starts; the timed phase is
 * only the POSTs, from CLIENTS concurrent connections on loopback, each
 * going through the server's full pipeline (token, certificate and CRL,
 * binding, roll, proofs, one transaction, receipt).  The server and
 * PostgreSQL share the machine's cores with the clients.  The voters
 * cast in ROUNDS timed rounds of VOTERS / ROUNDS each, one after the
 * other against the same server and box: the throughput printed is the
 * median round (a round lasts about 2 s, and one disturbance on a shared
 * VM moved a single round by a fifth); the latencies are over all
 * ballots.
 */
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ballot/ballot.h"
#include "ballot/election.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/strparse.h"
#include "crypto/rsa.h"
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

#define ORIGIN "https://vote.example.jp"
#define VOTERS 2400
#define ROUNDS 3
#define CLIENTS 8		/* BENCH_CAST_CLIENTS=N (1..64) for another count */
#define CLIENTS_MAX 64

/* ---- the benchmark ---- */

static const struct testpki_card cards[] = {
	{ "voter", "投票 者", "兵庫県養父市八鹿町1", "19700101", "1" },
	{ NULL, NULL, NULL, NULL, NULL }
};

static char *bodies[VOTERS];
static double latency_ms[VOTERS];
static int next, stop_at, port, accepted;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void *
client(void *arg)
{
	(void)arg;
	for (;;) {
		struct httpc_reply rp;
		double t0;
		int i;

		pthread_mutex_lock(&mu);
		i = next++;
		pthread_mutex_unlock(&mu);
		if (i >= stop_at)
			break;
		t0 = now_s();
		if (httpc_request(port, "POST", "/api/v1/elections/bench/ballots",
		    bodies[i], &rp) == 0 && rp.status == 201) {
			pthread_mutex_lock(&mu);
			accepted++;
			pthread_mutex_unlock(&mu);
		}
		latency_ms[i] = (now_s() - t0) * 1e3;
		httpc_reply_free(&rp);
	}
	return NULL;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(void)
{
	static const uint32_t nopt[1] = { 10 };
	char dbname[64], url[512];
	char csv[VOTERS * 128 + 512], *p;
	struct resident_import_result ir;
	struct binding_result br;
	struct certcheck *cc;
	struct election *e = NULL;
	struct manifest *m;
	struct rsa_key *key = NULL;
	struct scalar sk;
	struct db *db;
	pthread_t th[CLIENTS_MAX];
	int clients = CLIENTS;
	uint8_t **certs = NULL, *kd;
	size_t *cert_lens = NULL, kl;
	int32_t d = (int32_t)(clock_now_us() / 1000000 / 86400);
	double t0, rate[ROUNDS];
	pid_t server;
	int i, applied, round;

	if (getenv("BENCH_CAST_CLIENTS") != NULL) {
		uint64_t v;

		if (strparse_u64(getenv("BENCH_CAST_CLIENTS"), CLIENTS_MAX,
		    &v) != 0 || v < 1)
			test_fail(__FILE__, __LINE__, "BENCH_CAST_CLIENTS: 1..64");
		clients = (int)v;
	}
	testpki_setup(cards);
	testpki_issue_bulk("voter", "bench", VOTERS, &certs, &cert_lens);
	kd = testpki_key("voter", "auth", &kl);
	if (rsa_key_from_der(kd, kl, &key) != 0)
		test_fail(__FILE__, __LINE__, "card key");
	free(kd);
	db = testdb_new(dbname, sizeof(dbname));
	snprintf(url, sizeof(url), "%s dbname=%s%s", test_database_url(), dbname,
	    getenv("BENCH_CAST_ASYNC") ? " options='-c synchronous_commit=off'" : "");
	if (migrate_apply(db, db_migrations, db_migrations_count, &applied) != 0)
		test_fail(__FILE__, __LINE__, "migrate");
	p = csv;
	p += snprintf(p, 512, "resident_id,name,name_kana,address,municipality_code,"
	    "date_of_birth,sex,nationality,resident_since,status,status_date\n");
	for (i = 0; i < VOTERS; i++)
		p += snprintf(p, 128, "%d,投票 %d,トウヒョウ,兵庫県養父市%d,282227,"
		    "1970-01-01,1,JP,2000-01-01,active,\n", 9000 + i, i, i);
	if (resident_import(db, csv, strlen(csv), "bench", &ir) != 0)
		test_fail(__FILE__, __LINE__, "import");
	m = manifest_new(1, nopt);
	snprintf(m->id, sizeof(m->id), "bench");
	snprintf(m->name_ja, sizeof(m->name_ja), "ベンチマーク");
	snprintf(m->name_en, sizeof(m->name_en), "Benchmark");
	memcpy(m->municipality, "282227", 7);
	m->election_day = d + 10;
	m->reference_date = d;
	m->opens_us = clock_now_us() - 3600LL * 1000000;
	m->closes_us = (int64_t)(d + 10) * 86400 * 1000000;
	snprintf(m->contests[0].id, LIMIT_ID_LEN_MAX, "council");
	snprintf(m->contests[0].title_ja, LIMIT_NAME_LEN_MAX, "市議会");
	snprintf(m->contests[0].title_en, LIMIT_NAME_LEN_MAX, "Council");
	m->contests[0].max = 1;
	for (i = 0; i < 10; i++) {
		snprintf(m->contests[0].options[i].id, LIMIT_ID_LEN_MAX, "o%d", i);
		snprintf(m->contests[0].options[i].label_ja, LIMIT_NAME_LEN_MAX, "候補%d", i);
		snprintf(m->contests[0].options[i].label_en, LIMIT_NAME_LEN_MAX, "Option %d", i);
	}
	if (election_create(db, m, "bench") != 0 ||
	    election_freeze_roll(db, "bench", "bench") != 0 ||
	    election_keys_test_single(db, "bench", "bench", &sk) != 0 ||
	    election_open(db, "bench", "bench") != 0 ||
	    election_load(db, "bench", &e) != 0)
		test_fail(__FILE__, __LINE__, "election setup");
	manifest_free(m);
	group_scalar_wipe(&sk);
	cc = testpki_checker("auth", 1, 0);
	for (i = 0; i < VOTERS; i++) {
		char rid[16];

		snprintf(rid, sizeof(rid), "%d", 9000 + i);
		if (testpki_bind_witnessed(db, cc, "voter", certs[i], cert_lens[i],
		    rid, &br) != 0)
			test_fail(__FILE__, __LINE__, "binding %d", i);
	}
	certcheck_free(cc);
	/* The server. */
	{
		static const char *const extra[] = {
			"IPPYO_RATE_PER_ADDR=1000000", NULL
		};

		port = httpc_free_port();
		server = testsrv_start(port, url, ORIGIN, extra);
	}
	/* Prepare every request: ballot, nonce, the card's signature. */
	for (i = 0; i < VOTERS; i++) {
		struct db_param q = DB_I64(9000 + i);
		struct db_result *res = NULL;
		struct json_doc *doc = NULL;
		struct httpc_reply rp;
		struct vbuf *b = vbuf_new(BALLOT_MAX);
		uint8_t sel[10] = { 0 }, nonce[LIMIT_NONCE_BYTES], h[32], mm[64];
		uint8_t hh[RSA_SHA256_LEN], di[RSA_DIGESTINFO_SHA256_LEN];
		uint8_t sig[RSA_SIG_MAX];
		const uint8_t *rows[1] = { sel };
		const char *alias;
		char *bb, *cb, *nb, *sb;
		size_t siglen, need;

		if (db_exec(db, "SELECT alias FROM roll_entries WHERE resident_id "
		    "= $1::text", &q, 1, &res) != 0 ||
		    db_get_text(res, 0, 0, 32, &alias) != 0)
			test_fail(__FILE__, __LINE__, "alias");
		sel[i % 10] = 1;
		if (ballot_encrypt(e, alias, rows, b) != 0)
			test_fail(__FILE__, __LINE__, "encrypt");
		db_result_free(res);
		if (httpc_request(port, "POST", "/api/v1/nonce",
		    "{\"purpose\":\"cast:bench\"}", &rp) != 0 || rp.status != 200 ||
		    json_parse(rp.body, rp.len, 4096, &doc, NULL) != 0 ||
		    json_get_base64_exact(doc, json_root(doc), "nonce", nonce,
		    sizeof(nonce)) != 0)
			test_fail(__FILE__, __LINE__, "nonce");
		json_doc_free(doc);
		httpc_reply_free(&rp);
		ballot_hash(vbuf_ptr(b), vbuf_len(b), h);
		auth_message(ORIGIN, nonce, h, mm);
		if (rsa_sha256(mm, sizeof(mm), hh) != 0)
			test_fail(__FILE__, __LINE__, "sha256");
		rsa_digestinfo_sha256(hh, di);
		if (rsa_sign_pkcs1(key, di, sizeof(di), sig, sizeof(sig), &siglen) != 0)
			test_fail(__FILE__, __LINE__, "sign");
		bb = httpc_base64(vbuf_ptr(b), vbuf_len(b));
		cb = httpc_base64(certs[i], cert_lens[i]);
		nb = httpc_base64(nonce, sizeof(nonce));
		sb = httpc_base64(sig, siglen);
		need = strlen(bb) + strlen(cb) + strlen(nb) + strlen(sb) + 256;
		bodies[i] = malloc(need);
		snprintf(bodies[i], need, "{\"ballot\":\"%s\",\"token\":{\"format\":"
		    "\"%s\",\"algorithm\":\"RS256\",\"certificate\":\"%s\",\"nonce\":"
		    "\"%s\",\"signature\":\"%s\"}}", bb, AUTH_FORMAT, cb, nb, sb);
		free(bb);
		free(cb);
		free(nb);
		free(sb);
		vbuf_free(b);
	}
	/* The timed phase, in rounds. */
	for (round = 0; round < ROUNDS; round++) {
		next = round * (VOTERS / ROUNDS);
		stop_at = next + VOTERS / ROUNDS;
		t0 = now_s();
		for (i = 0; i < clients; i++)
			pthread_create(&th[i], NULL, client, NULL);
		for (i = 0; i < clients; i++)
			pthread_join(th[i], NULL);
		rate[round] = (VOTERS / ROUNDS) / (now_s() - t0);
	}
	testsrv_stop(server, 0);
	qsort(rate, ROUNDS, sizeof(double), cmp_double);
	if (accepted != VOTERS)
		test_fail(__FILE__, __LINE__, "only %d of %d accepted", accepted,
		    VOTERS);
	qsort(latency_ms, VOTERS, sizeof(double), cmp_double);
	{
		/* BENCH_CAST_ASYNC=1 is a diagnostic (synchronous_commit off):
		 * its figures carry another name and are never the target's. */
		const char *sfx = getenv("BENCH_CAST_ASYNC") ? "_async_diag" : "";

		printf("BENCH name=cast_throughput%s_per_s value=%.1f "
		    "unit=ballots/s\n", sfx, rate[ROUNDS / 2]);
		printf("BENCH name=cast_throughput_min%s_per_s value=%.1f "
		    "unit=ballots/s\n", sfx, rate[0]);
		printf("BENCH name=cast_throughput_max%s_per_s value=%.1f "
		    "unit=ballots/s\n", sfx, rate[ROUNDS - 1]);
		printf("BENCH name=cast_p50%s_ms value=%.2f unit=ms\n", sfx,
		    latency_ms[VOTERS / 2]);
		printf("BENCH name=cast_p99%s_ms value=%.2f unit=ms\n", sfx,
		    latency_ms[VOTERS * 99 / 100]);
	}
	for (i = 0; i < VOTERS; i++)
		free(bodies[i]);
	election_free(e);
	rsa_key_free(key);
	testdb_free(db, dbname);
	return 0;
}
