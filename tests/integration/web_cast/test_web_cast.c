/*
 * test_web_cast.c - casting through the real ippyo-server over HTTP on
 * loopback: election view, nonce, ballot + token, signed receipt, the
 * bulletin board, and refusals.  The voter's side (encryption, the card's
 * signature) is done here with the library and the test PKI's card keys.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ballot/ballot.h"
#include "ballot/box.h"
#include "ballot/election.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/limits.h"
#include "crypto/ct.h"
#include "crypto/rsa.h"
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

static const struct testpki_card cards[] = {
	{ "alice", "養父 太郎", "兵庫県養父市八鹿町八鹿1", "19500401", "1" },
	{ "bob", "養父 花子", "兵庫県養父市大屋町1", "19600101", "2" },
	{ NULL, NULL, NULL, NULL, NULL }
};

static const char register_csv[] =
    "resident_id,name,name_kana,address,municipality_code,date_of_birth,sex,"
    "nationality,resident_since,status,status_date\n"
    "1001,養父 太郎,ヤブ タロウ,兵庫県養父市八鹿町八鹿1,282227,1950-04-01,1,JP,1950-04-01,active,\n"
    "1002,養父 花子,ヤブ ハナコ,兵庫県養父市大屋町1,282227,1960-01-01,2,JP,1960-01-01,active,\n";

static char dbname[64];
static struct db *db;
static pid_t server = -1;
static int port;

static void
stop_server(void)
{
	testsrv_stop(server, 0);
	server = -1;
}

static void
start_server(void)
{
	static const char *const extra[] = { "IPPYO_CHECKPOINT_S=1", NULL };
	char url[512];

	snprintf(url, sizeof(url), "%s dbname=%s", test_database_url(), dbname);
	server = testsrv_start(port, url, ORIGIN, extra);
}

static struct manifest *
manifest(void)
{
	static const uint32_t nopt[2] = { 3, 2 };
	struct manifest *m = manifest_new(2, nopt);
	int32_t d = (int32_t)(clock_now_us() / 1000000 / 86400);
	uint32_t i, j;

	snprintf(m->id, sizeof(m->id), "web1");
	snprintf(m->name_ja, sizeof(m->name_ja), "養父市長選挙");
	snprintf(m->name_en, sizeof(m->name_en), "Yabu mayoral election");
	memcpy(m->municipality, "282227", 7);
	m->election_day = d + 10;
	m->reference_date = d;
	m->opens_us = clock_now_us() - 3600LL * 1000000;
	m->closes_us = (int64_t)(d + 10) * 86400 * 1000000;
	for (i = 0; i < 2; i++) {
		snprintf(m->contests[i].id, sizeof(m->contests[i].id), "c%u", i);
		snprintf(m->contests[i].title_ja, sizeof(m->contests[i].title_ja), "選挙%u", i);
		snprintf(m->contests[i].title_en, sizeof(m->contests[i].title_en), "Contest %u", i);
		m->contests[i].min = 0;
		m->contests[i].max = 1;
		for (j = 0; j < m->contests[i].noptions; j++) {
			snprintf(m->contests[i].options[j].id, LIMIT_ID_LEN_MAX, "o%u", j);
			snprintf(m->contests[i].options[j].label_ja, LIMIT_NAME_LEN_MAX, "候補%u", j);
			snprintf(m->contests[i].options[j].label_en, LIMIT_NAME_LEN_MAX, "Option %u", j);
		}
	}
	return m;
}

static void
drop_db(void)
{
	if (db != NULL)
		testdb_free(db, dbname);
	db = NULL;
}

static void
setup(void)
{
	struct resident_import_result ir;
	struct certcheck *cc;
	struct binding_result br;
	struct manifest *m;
	struct scalar s;
	uint8_t *d;
	size_t l;
	int applied;

	if (db != NULL)
		return;
	testpki_setup(cards);
	db = testdb_new(dbname, sizeof(dbname));
	atexit(drop_db);	/* runs after stop_server, registered below */
	ASSERT_OK(migrate_apply(db, db_migrations, db_migrations_count, &applied));
	ASSERT_OK(resident_import(db, register_csv, strlen(register_csv), "clerk", &ir));
	m = manifest();
	ASSERT_OK(election_create(db, m, "clerk"));
	manifest_free(m);
	ASSERT_OK(election_freeze_roll(db, "web1", "clerk"));
	ASSERT_OK(election_keys_test_single(db, "web1", "clerk", &s));
	group_scalar_wipe(&s);
	ASSERT_OK(election_open(db, "web1", "clerk"));
	cc = testpki_checker("auth", 1, 0);
	d = testpki_cert("alice", "auth", &l);
	ASSERT_OK(testpki_bind_witnessed(db, cc, "alice", d, l, "1001", &br));
	free(d);
	d = testpki_cert("bob", "auth", &l);
	ASSERT_OK(testpki_bind_witnessed(db, cc, "bob", d, l, "1002", &br));
	free(d);
	certcheck_free(cc);
	port = httpc_free_port();
	start_server();
	atexit(stop_server);
}

/* Asks the server for a nonce for purpose. */
static void
get_nonce(const char *purpose, uint8_t nonce[LIMIT_NONCE_BYTES])
{
	struct json_doc *doc = NULL;
	struct httpc_reply rp;
	char body[128];

	snprintf(body, sizeof(body), "{\"purpose\":\"%s\"}", purpose);
	ASSERT_INT_EQ(httpc_request(port, "POST", "/api/v1/nonce", body, &rp), 0);
	ASSERT_INT_EQ(rp.status, 200);
	ASSERT_OK(json_parse(rp.body, rp.len, 4096, &doc, NULL));
	ASSERT_OK(json_get_base64_exact(doc, json_root(doc), "nonce", nonce, LIMIT_NONCE_BYTES));
	json_doc_free(doc);
	httpc_reply_free(&rp);
}

/* The JSON body of a cast: ballot for resident, signed by card. */
static char *
cast_body(const char *card, const char *resident, int pick)
{
	struct election *e = NULL;
	struct vbuf *b = vbuf_new(BALLOT_MAX);
	uint8_t sel[2][3], nonce[LIMIT_NONCE_BYTES], h[32], m[64], sig[RSA_SIG_MAX];
	const uint8_t *rows[2] = { sel[0], sel[1] };
	struct db_result *res = NULL;
	struct db_param p = DB_TEXT(resident);
	const char *alias;
	char *bb, *cb, *nb, *sb, *out;
	uint8_t *cert;
	size_t cl, sl, need;

	ASSERT_OK(election_load(db, "web1", &e));
	ASSERT_OK(db_exec(db, "SELECT alias FROM roll_entries WHERE resident_id = $1", &p, 1, &res));
	ASSERT_OK(db_get_text(res, 0, 0, 32, &alias));
	memset(sel, 0, sizeof(sel));
	sel[0][pick % 3] = 1;
	sel[1][pick % 2] = 1;
	ASSERT_OK(ballot_encrypt(e, alias, rows, b));
	db_result_free(res);
	get_nonce("cast:web1", nonce);
	ballot_hash(vbuf_ptr(b), vbuf_len(b), h);
	auth_message(ORIGIN, nonce, h, m);
	testpki_card_sign(card, "auth", m, sig, &sl);
	cert = testpki_cert(card, "auth", &cl);
	bb = httpc_base64(vbuf_ptr(b), vbuf_len(b));
	cb = httpc_base64(cert, cl);
	nb = httpc_base64(nonce, sizeof(nonce));
	sb = httpc_base64(sig, sl);
	need = strlen(bb) + strlen(cb) + strlen(nb) + strlen(sb) + 256;
	out = malloc(need);
	snprintf(out, need, "{\"ballot\":\"%s\",\"token\":{\"format\":\"%s\","
	    "\"algorithm\":\"RS256\",\"certificate\":\"%s\",\"nonce\":\"%s\","
	    "\"signature\":\"%s\"}}", bb, AUTH_FORMAT, cb, nb, sb);
	free(bb);
	free(cb);
	free(nb);
	free(sb);
	free(cert);
	vbuf_free(b);
	election_free(e);
	return out;
}

TEST(web_election_view)
{
	struct httpc_reply rp;

	setup();
	ASSERT_INT_EQ(httpc_request(port, "GET", "/api/v1/elections/web1", NULL, &rp), 0);
	ASSERT_INT_EQ(rp.status, 200);
	ASSERT_TRUE(strstr(rp.body, "\"public_key\":") != NULL);
	ASSERT_TRUE(strstr(rp.body, "\"test_single_key\":true") != NULL);
	ASSERT_TRUE(strstr(rp.body, "養父市長選挙") != NULL);
	httpc_reply_free(&rp);
	ASSERT_INT_EQ(httpc_request(port, "GET", "/api/v1/elections/nope", NULL, &rp), 0);
	ASSERT_INT_EQ(rp.status, 404);
	httpc_reply_free(&rp);
}

TEST(web_cast_receipt_board_and_replay)
{
	struct json_doc *doc = NULL, *kdoc = NULL;
	struct httpc_reply rp, kr;
	struct receipt rc;
	uint8_t pk[SIGN_PUBLIC_LEN];
	const char *at;
	char path[256], hex[65], *body;
	int64_t pos;
	int rv;

	setup();
	body = cast_body("alice", "1001", 0);
	ASSERT_INT_EQ(httpc_request(port, "POST", "/api/v1/elections/web1/ballots", body, &rp), 0);
	ASSERT_INT_EQ(rp.status, 201);
	/* The receipt verifies under the server's published key. */
	ASSERT_OK(json_parse(rp.body, rp.len, 65536, &doc, NULL));
	memset(&rc, 0, sizeof(rc));
	snprintf(rc.election_id, sizeof(rc.election_id), "web1");
	ASSERT_OK(json_get_int(doc, json_root(doc), "position", 1, INT64_MAX, &pos));
	rc.entry.position = pos;
	ASSERT_OK(json_get_base64_exact(doc, json_root(doc), "ballot_hash", rc.entry.ballot_hash, 32));
	ASSERT_OK(json_get_base64_exact(doc, json_root(doc), "tracking_code", rc.entry.tracking_code, 32));
	ASSERT_OK(json_get_string(doc, json_root(doc), "received_at", 27, &at, NULL));
	memcpy(rc.entry.received_at, at, strlen(at) + 1);
	ASSERT_OK(json_get_base64_exact(doc, json_root(doc), "public_key", rc.public_key, 32));
	ASSERT_OK(json_get_base64_exact(doc, json_root(doc), "signature", rc.signature, 64));
	ASSERT_OK(json_get_bool(doc, json_root(doc), "revote", &rv));
	ASSERT_INT_EQ(rv, 0);
	ASSERT_INT_EQ(httpc_request(port, "GET", "/api/v1/receipt-key", NULL, &kr), 0);
	ASSERT_OK(json_parse(kr.body, kr.len, 4096, &kdoc, NULL));
	ASSERT_OK(json_get_base64_exact(kdoc, json_root(kdoc), "public_key", pk, 32));
	ASSERT_OK(receipt_verify(pk, &rc));
	/* The same request again: its nonce is spent. */
	httpc_reply_free(&rp);
	ASSERT_INT_EQ(httpc_request(port, "POST", "/api/v1/elections/web1/ballots", body, &rp), 0);
	ASSERT_TRUE(rp.status >= 400 && rp.status < 500);
	ASSERT_TRUE(strstr(rp.body, "\"error\"") != NULL);
	httpc_reply_free(&rp);
	/* The board shows it, by page and by tracking code. */
	ASSERT_INT_EQ(httpc_request(port, "GET", "/api/v1/elections/web1/board?after=0&limit=10", NULL, &rp), 0);
	ASSERT_INT_EQ(rp.status, 200);
	ASSERT_TRUE(strstr(rp.body, "\"position\":1") != NULL);
	ASSERT_TRUE(strstr(rp.body, "1001") == NULL);	/* no identity */
	httpc_reply_free(&rp);
	ASSERT_OK(ct_hex_encode(rc.entry.tracking_code, 32, hex, sizeof(hex)));
	snprintf(path, sizeof(path), "/api/v1/elections/web1/board/%s", hex);
	ASSERT_INT_EQ(httpc_request(port, "GET", path, NULL, &rp), 0);
	ASSERT_INT_EQ(rp.status, 200);
	httpc_reply_free(&rp);
	hex[0] = hex[0] == '0' ? '1' : '0';
	snprintf(path, sizeof(path), "/api/v1/elections/web1/board/%s", hex);
	ASSERT_INT_EQ(httpc_request(port, "GET", path, NULL, &rp), 0);
	ASSERT_INT_EQ(rp.status, 404);
	httpc_reply_free(&rp);
	httpc_reply_free(&kr);
	json_doc_free(doc);
	json_doc_free(kdoc);
	free(body);
}

TEST(web_cast_refusals)
{
	struct httpc_reply rp;
	char *body, *p;

	setup();
	/* Bob's card, Alice's ballot: refused, box unchanged. */
	body = cast_body("bob", "1001", 1);
	ASSERT_INT_EQ(httpc_request(port, "POST", "/api/v1/elections/web1/ballots", body, &rp), 0);
	ASSERT_TRUE(rp.status >= 400 && rp.status < 500);
	httpc_reply_free(&rp);
	free(body);
	/* Truncated base64 in the ballot field. */
	body = cast_body("bob", "1002", 1);
	p = strstr(body, "\",\"token\"");
	memmove(p - 2, p, strlen(p) + 1);
	ASSERT_INT_EQ(httpc_request(port, "POST", "/api/v1/elections/web1/ballots", body, &rp), 0);
	ASSERT_INT_EQ(rp.status, 400);
	httpc_reply_free(&rp);
	free(body);
	/* Unknown member, wrong type. */
	ASSERT_INT_EQ(httpc_request(port, "POST", "/api/v1/elections/web1/ballots", "{\"ballot\":1,\"token\":{}}", &rp), 0);
	ASSERT_INT_EQ(rp.status, 400);
	httpc_reply_free(&rp);
	ASSERT_INT_EQ(httpc_request(port, "POST", "/api/v1/elections/web1/ballots", "{\"x\":1}", &rp), 0);
	ASSERT_INT_EQ(rp.status, 400);
	httpc_reply_free(&rp);
	ASSERT_INT_EQ(testdb_scalar(db, "SELECT count(*) FROM ballots WHERE election_id = 'web1' AND voter_resident_id = '1002'"), 0);
	/* The board refuses bad paging and tracking codes. */
	{
		static const char *const bad[] = {
			"/api/v1/elections/web1/board?limit=0",
			"/api/v1/elections/web1/board?limit=1001",
			"/api/v1/elections/web1/board?after=-1",
			"/api/v1/elections/web1/board?after=1&after=2",
			"/api/v1/elections/web1/board/zz",
			"/api/v1/elections/web1/board/ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789",
		};
		size_t i;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			ASSERT_INT_EQ(httpc_request(port, "GET", bad[i], NULL, &rp), 0);
			if (rp.status != 400)
				test_fail(__FILE__, __LINE__, "%s: %d", bad[i], rp.status);
			httpc_reply_free(&rp);
		}
	}
}

/* The server signs the head of every open box periodically. */
TEST(web_checkpoints_signed_and_verifiable)
{
	static const uint8_t other[SIGN_PUBLIC_LEN] = { 1 };
	struct json_doc *kdoc = NULL;
	struct httpc_reply kr;
	struct election *e = NULL;
	uint8_t pk[SIGN_PUBLIC_LEN];
	int64_t n = 0, bad = 0;
	int i;

	setup();
	ASSERT_INT_EQ(httpc_request(port, "GET", "/api/v1/receipt-key", NULL, &kr), 0);
	ASSERT_OK(json_parse(kr.body, kr.len, 4096, &kdoc, NULL));
	ASSERT_OK(json_get_base64_exact(kdoc, json_root(kdoc), "public_key", pk, 32));
	ASSERT_OK(election_load(db, "web1", &e));
	for (i = 0; i < 50 && n == 0; i++) {
		usleep(100000);
		ASSERT_OK(box_checkpoints_verify(db, e, pk, &n, &bad));
	}
	ASSERT_TRUE(n >= 1);
	ASSERT_ERR(box_checkpoints_verify(db, e, other, &n, &bad), ERR_VERIFY);
	election_free(e);
	json_doc_free(kdoc);
	httpc_reply_free(&kr);
}

/*
 * Closing while the server has just seen the election open: the cast
 * endpoint may take "open" from a read less than a second old, so the
 * ballot reaches the box, which re-reads state and window under its
 * lock and refuses it.  Same answer as a fresh read would give (409,
 * "conflict"; the log says the window is closed), nothing stored.  Runs last: it closes web1.
 */
TEST(web_cast_right_after_close_refused_by_the_box)
{
	struct httpc_reply rp;
	char *first, *second;
	int64_t before;

	setup();
	first = cast_body("alice", "1001", 2);
	second = cast_body("bob", "1002", 2);
	ASSERT_INT_EQ(httpc_request(port, "POST", "/api/v1/elections/web1/ballots", first, &rp), 0);
	ASSERT_INT_EQ(rp.status, 201);
	httpc_reply_free(&rp);
	before = testdb_scalar(db, "SELECT count(*) FROM ballots");
	ASSERT_OK(election_close(db, "web1", "clerk"));
	ASSERT_INT_EQ(httpc_request(port, "POST", "/api/v1/elections/web1/ballots", second, &rp), 0);
	ASSERT_INT_EQ(rp.status, 409);
	ASSERT_TRUE(strstr(rp.body, "conflict") != NULL);
	httpc_reply_free(&rp);
	ASSERT_INT_EQ(testdb_scalar(db, "SELECT count(*) FROM ballots"), before);
	free(first);
	free(second);
}
