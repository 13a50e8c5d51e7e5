/*
 * test_e2e.c - one whole election, end to end, the way the
 * committee, the trustees, the voters and an observer run it:
 *
 *   - 300 residents imported (`ippyo registry import`), their cards bound
 *     at the desk (witnessed bindings of the test PKI's certificates);
 *   - the election created from its JSON manifest, the roll frozen, and a
 *     3-of-5 trustee key ceremony run through `ippyo ceremony` and five
 *     `ippyo-trustee`s; the election opened (`ippyo election ...`);
 *   - 283 voters cast through the real ippyo-server from three concurrent
 *     clients (ballots encrypted under the ceremony's joint key, the card
 *     signature checked by the server), 47 of them re-vote (9 twice), 17
 *     abstain;
 *     every receipt verifies under the server's key;
 *   - two voters who voted online and one who did not are admitted in
 *     person at a station (the gate work will write these rows; here
 *     SQL), the station confirms closure, the election closes;
 *   - `ippyo tally start` at the official close, `ippyo tally export` for
 *     the trustees, and `ippyo-trustee decrypt` by trustees 1, 2, 4 and 5
 *     (trustee 3 never comes);
 *   - the database is copied at that point, so the same election is then
 *     tallied twice: once with ONE trustee absent (shares of 1, 2, 4 and 5;
 *     the lowest three combine) and once with TWO absent (2, 4 and 5;
 *     with only two shares `publish` refuses);
 *   - both records are written (directory and tar), verified by
 *     `ippyo-verify` with the OpenSSL and the libgcrypt engine and the
 *     keys pinned, and their results equal the hand-computed ones below;
 *     three voters check their own ballots with `ippyo-verify ballot`.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ballot/ballot.h"
#include "ballot/box.h"
#include "ballot/election.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/file.h"
#include "core/vbuf.h"
#include "crypto/ct.h"
#include "crypto/rsa.h"
#include "db/db.h"
#include "db/migrate.h"
#include "registry/binding.h"
#include "tests/harness/test.h"
#include "tests/harness/testdb.h"
#include "tests/harness/testpki.h"
#include "tests/harness/testprog.h"
#include "tests/harness/testsrv.h"
#include "web/httpc.h"

#define ID "e2e-2027"
#define ORIGIN "https://vote.city.yabu.hyogo.jp"
#define VOTERS 300
#define N 5
#define K 3
#define CLIENTS 3
#define PASS "trustee passphrase, long enough"
#define KEYPASS "committee passphrase, long enough"
/* Seconds from creating the election to its official close: room for the
 * ceremony and the voting on a loaded 2-core machine; the test waits out
 * what is left before it starts the tally. */
#define WINDOW_S 45

/*
 * Who does what (v = 0 .. 299, resident 6000 + v):
 *   abstains:          v % 17 == 16                          (17 voters)
 *   votes in round 0:  everyone else                         (283)
 *   re-votes round 1:  v % 6 == 1, unless it abstains        (47)
 *   re-votes round 2:  v % 30 == 1, unless it abstains       (9)
 *   admitted in person: 5 (one online ballot), 7 (two: v % 6 == 1) and
 *                      16 (an abstainer online: nothing to cancel)
 * (67, 169 and 271 abstain.)  Ballots cast 283 + 47 + 9 = 339; cancelled
 * 2 (5's ballot and 7's last; 7's first was already superseded by its
 * re-vote); counted: each remaining voter's last ballot, 283 - 2 = 281.
 */
static int
abstains(int v)
{
	return v % 17 == 16;
}

static int
rounds_of(int v)
{
	return abstains(v) ? 0 : v % 30 == 1 ? 3 : v % 6 == 1 ? 2 : 1;
}

static int
admitted(int v)
{
	return v == 5 || v == 7 || v == 16;
}

/* Round r's choice: mayor (3 candidates, 3 = blank), council (6, 6 =
 * blank), judges (4, a mask of any number). */
static void
choice(int v, int r, uint8_t mayor[3], uint8_t council[6], uint8_t judges[4])
{
	int m = (v * 7 + r) % 4, c = (v * 5 + 3 * r) % 7, j = (v * 11 + r) % 16;
	int i;

	memset(mayor, 0, 3);
	memset(council, 0, 6);
	if (m < 3)
		mayor[m] = 1;
	if (c < 6)
		council[c] = 1;
	for (i = 0; i < 4; i++)
		judges[i] = (uint8_t)((j >> i) & 1);
}

/*
 * The expected result, worked out from the rule above once by hand (a
 * separate script, not this code) and pinned here; the test recomputes
 * it from choice() as well, and both must agree.  281 counted ballots:
 *   mayor    Tanaka 89, Suzuki 53, Sato 89 (50 blank)
 *   council  c1 41, c2 40, c3 39, c4 39, c5 40, c6 40 (42 blank)
 *   judges   j1 103, j2 139, j3 139, j4 141
 */
static const uint64_t expected[13] = {
	89, 53, 89, 41, 40, 39, 39, 40, 40, 103, 139, 139, 141
};

static const struct testpki_card cards[] = {
	{ "voter", "投票 者", "兵庫県養父市八鹿町1", "19700101", "1" },
	{ NULL, NULL, NULL, NULL, NULL }
};

static struct {
	char name[64], copy[64];
	char url[512], url_copy[512];
	char work[256];
	struct db *db;
	uint8_t **certs;
	size_t *cert_lens;
	struct rsa_key *voter_key;
	char aliases[VOTERS][33];
	char committee_hex[65], box_hex[65];
	int64_t closes_us;
	pid_t server;
	int port;
	int stage;		/* how far the tests in order got */
	/* receipts: each voter's first and last */
	struct receipt first[VOTERS], last[VOTERS];
	int casts[VOTERS];
} g;

static char out[1 << 16];

static int
run_in(const char *url, const char *pass, const char *prog, ...)
{
	va_list ap;
	int r;

	va_start(ap, prog);
	r = testprog_runv(url, pass, out, sizeof(out), prog, ap);
	va_end(ap);
	return r;
}

#define OUT_HAS(s) do { if (strstr(out, (s)) == NULL) test_fail(__FILE__, \
	__LINE__, "output lacks \"%s\":\n%s", (s), out); } while (0)
#define RUN_OK(...) do { if (run_in(g.url, __VA_ARGS__, (char *)NULL) != 0) \
	test_fail(__FILE__, __LINE__, "failed:\n%s", out); } while (0)
#define RUN_OK_IN(url, ...) do { if (run_in((url), __VA_ARGS__, \
	(char *)NULL) != 0) test_fail(__FILE__, __LINE__, "failed:\n%s", \
	out); } while (0)
#define RUN_FAILS_IN(url, ...) do { if (run_in((url), __VA_ARGS__, \
	(char *)NULL) == 0) test_fail(__FILE__, __LINE__, \
	"should have failed:\n%s", out); } while (0)

static const char *
p(const char *fmt, ...)
{
	static char bufs[16][512];
	static int i;
	va_list ap;
	char *b = bufs[i++ % 16];

	va_start(ap, fmt);
	vsnprintf(b, 512, fmt, ap);
	va_end(ap);
	return b;
}

static void
put_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ASSERT_NOT_NULL(f);
	ASSERT_INT_EQ(fputs(text, f) >= 0, 1);
	ASSERT_INT_EQ(fclose(f), 0);
}

static void
day_text(int64_t us, char out10[11])
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out10, 11, "%Y-%m-%d", &tm);
}

static void
cleanup(void)
{
	testsrv_stop(g.server, 1);
	g.server = -1;
	if (g.db != NULL)
		testdb_free(g.db, g.name);
	g.db = NULL;
	if (g.copy[0] != '\0') {
		struct db *d = NULL;

		if (db_open(test_database_url(), g.copy, &d) == 0)
			testdb_free(d, g.copy);
		g.copy[0] = '\0';
	}
	if (g.work[0] != '\0' && getenv("IPPYO_TEST_KEEP") == NULL) {
		pid_t pid = fork();

		if (pid == 0) {
			execl("/bin/rm", "rm", "-rf", g.work, (char *)NULL);
			_exit(127);
		}
		if (pid > 0)
			waitpid(pid, NULL, 0);
	}
}

/* ---- 1: residents, cards, election, ceremony ------------------------ */

static void
import_and_bind(void)
{
	struct vbuf *csv = vbuf_new(1 << 20);
	struct binding_result br;
	struct certcheck *cc;
	uint8_t *kd;
	const unsigned char *kp;
	size_t kl;
	char line[256];
	int applied, v;

	testpki_setup(cards);
	testpki_issue_bulk("voter", "e2e", VOTERS, &g.certs, &g.cert_lens);
	kd = testpki_key("voter", "auth", &kl);
	kp = kd;
	ASSERT_OK(rsa_key_from_der(kp, kl, &g.voter_key));
	free(kd);
	g.db = testdb_new(g.name, sizeof(g.name));
	snprintf(g.url, sizeof(g.url), "%s dbname=%s", test_database_url(),
	    g.name);
	ASSERT_OK(migrate_apply(g.db, db_migrations, db_migrations_count,
	    &applied));
	ASSERT_NOT_NULL(csv);
	snprintf(line, sizeof(line), "resident_id,name,name_kana,address,"
	    "municipality_code,date_of_birth,sex,nationality,resident_since,"
	    "status,status_date\n");
	ASSERT_OK(vbuf_put(csv, line, strlen(line)));
	for (v = 0; v < VOTERS; v++) {
		snprintf(line, sizeof(line), "%d,投票 %d,トウヒョウ,"
		    "兵庫県養父市八鹿町%d,282227,1970-01-01,%d,JP,2000-01-01,"
		    "active,\n", 6000 + v, v, v, 1 + v % 2);
		ASSERT_OK(vbuf_put(csv, line, strlen(line)));
	}
	ASSERT_OK(vbuf_put_u8(csv, 0));
	put_text(p("%s/register.csv", g.work), (const char *)vbuf_ptr(csv));
	vbuf_free(csv);
	RUN_OK(NULL, "ippyo", "registry", "import", p("%s/register.csv",
	    g.work));
	ASSERT_INT_EQ(testdb_scalar(g.db, "SELECT count(*) FROM residents"),
	    VOTERS);
	/* The card desk: each voter's card bound to their resident row. */
	cc = testpki_checker("auth", 1, 0);
	for (v = 0; v < VOTERS; v++) {
		char rid[16];

		snprintf(rid, sizeof(rid), "%d", 6000 + v);
		ASSERT_OK(testpki_bind_witnessed(g.db, cc, "voter", g.certs[v],
		    g.cert_lens[v], rid, &br));
	}
	certcheck_free(cc);
}

static void
create_election(void)
{
	char opens[CLOCK_TEXT_LEN], closes[CLOCK_TEXT_LEN], day[11], ref[11];
	char json[4096];
	int64_t now = clock_now_us();

	g.closes_us = (now / 1000000 + WINDOW_S) * 1000000;
	clock_format_us(now - 3600LL * 1000000, opens);
	clock_format_us(g.closes_us, closes);
	day_text(g.closes_us + 86400LL * 1000000, day);
	day_text(now, ref);
	snprintf(json, sizeof(json),
	    "{\"version\":1,\"id\":\"" ID "\",\n"
	    " \"name\":{\"ja\":\"養父市長選挙・市議会議員選挙\","
	    "\"en\":\"Yabu City mayoral and council elections\"},\n"
	    " \"municipality\":\"282227\",\"election_day\":\"%s\","
	    "\"reference_date\":\"%s\",\n \"opens\":\"%s\",\"closes\":\"%s\",\n"
	    " \"contests\":[\n"
	    "  {\"id\":\"mayor\",\"title\":{\"ja\":\"市長\",\"en\":\"Mayor\"},"
	    "\"min\":0,\"max\":1,\"options\":[\n"
	    "   {\"id\":\"tanaka\",\"label\":{\"ja\":\"田中 一郎\",\"en\":\"Ichiro Tanaka\"}},\n"
	    "   {\"id\":\"suzuki\",\"label\":{\"ja\":\"鈴木 花子\",\"en\":\"Hanako Suzuki\"}},\n"
	    "   {\"id\":\"sato\",\"label\":{\"ja\":\"佐藤 健\",\"en\":\"Ken Sato\"}}]},\n"
	    "  {\"id\":\"council\",\"title\":{\"ja\":\"市議会議員\",\"en\":\"City council\"},"
	    "\"min\":0,\"max\":1,\"options\":[\n"
	    "   {\"id\":\"c1\",\"label\":{\"ja\":\"青木 誠\",\"en\":\"Makoto Aoki\"}},\n"
	    "   {\"id\":\"c2\",\"label\":{\"ja\":\"井上 美咲\",\"en\":\"Misaki Inoue\"}},\n"
	    "   {\"id\":\"c3\",\"label\":{\"ja\":\"上田 大輔\",\"en\":\"Daisuke Ueda\"}},\n"
	    "   {\"id\":\"c4\",\"label\":{\"ja\":\"江口 恵\",\"en\":\"Megumi Eguchi\"}},\n"
	    "   {\"id\":\"c5\",\"label\":{\"ja\":\"小川 翔\",\"en\":\"Sho Ogawa\"}},\n"
	    "   {\"id\":\"c6\",\"label\":{\"ja\":\"加藤 由美\",\"en\":\"Yumi Kato\"}}]},\n"
	    "  {\"id\":\"judges\",\"title\":{\"ja\":\"最高裁判所裁判官国民審査\","
	    "\"en\":\"Supreme Court review\"},\"min\":0,\"max\":4,\"options\":[\n"
	    "   {\"id\":\"j1\",\"label\":{\"ja\":\"裁判官 甲\",\"en\":\"Judge A\"}},\n"
	    "   {\"id\":\"j2\",\"label\":{\"ja\":\"裁判官 乙\",\"en\":\"Judge B\"}},\n"
	    "   {\"id\":\"j3\",\"label\":{\"ja\":\"裁判官 丙\",\"en\":\"Judge C\"}},\n"
	    "   {\"id\":\"j4\",\"label\":{\"ja\":\"裁判官 丁\",\"en\":\"Judge D\"}}]}\n"
	    " ]}\n", day, ref, opens, closes);
	put_text(p("%s/manifest.json", g.work), json);
	RUN_OK(NULL, "ippyo", "election", "create", p("%s/manifest.json",
	    g.work));
	RUN_OK(NULL, "ippyo", "election", "freeze-roll", ID);
	ASSERT_INT_EQ(testdb_scalar(g.db, "SELECT count(*) FROM roll_entries "
	    "WHERE election_id = '" ID "'"), VOTERS);
}

static void
ceremony(void)
{
	int i, j;

	RUN_OK(NULL, "ippyo", "ceremony", "start", ID, "--trustees", "5",
	    "--threshold", "3", "--out", p("%s/ceremony.bin", g.work));
	OUT_HAS("3-of-5");
	for (i = 1; i <= N; i++) {
		ASSERT_INT_EQ(mkdir(p("%s/t%d", g.work, i), 0700), 0);
		ASSERT_INT_EQ(mkdir(p("%s/t%d/out", g.work, i), 0700), 0);
		ASSERT_INT_EQ(mkdir(p("%s/t%d/in", g.work, i), 0700), 0);
		RUN_OK(PASS, "ippyo-trustee", "init", "--ceremony",
		    p("%s/ceremony.bin", g.work), "--index", p("%d", i),
		    "--state", p("%s/t%d/state", g.work, i), "--out",
		    p("%s/t%d/out", g.work, i), "--passphrase-fd", "3",
		    "--test-kdf");
		RUN_OK(NULL, "ippyo", "ceremony", "post", ID,
		    p("%s/t%d/out/public-%02d.bin", g.work, i, i));
	}
	for (i = 1; i <= N; i++) {
		RUN_OK(NULL, "ippyo", "ceremony", "fetch", ID, "--for",
		    p("%d", i), "--out", p("%s/t%d/in", g.work, i));
		RUN_OK(PASS, "ippyo-trustee", "shares", "--state",
		    p("%s/t%d/state", g.work, i), "--publics",
		    p("%s/t%d/in", g.work, i), "--out",
		    p("%s/t%d/out", g.work, i), "--passphrase-fd", "3");
		OUT_HAS("4 shares written");
	}
	for (i = 1; i <= N; i++)
		for (j = 1; j <= N; j++)
			if (i != j)
				RUN_OK(NULL, "ippyo", "ceremony", "post", ID,
				    p("%s/t%d/out/share-%02d-to-%02d.bin", g.work,
				    i, i, j));
	for (i = 1; i <= N; i++) {
		RUN_OK(NULL, "ippyo", "ceremony", "fetch", ID, "--for",
		    p("%d", i), "--out", p("%s/t%d/in", g.work, i));
		RUN_OK(PASS, "ippyo-trustee", "receive", "--state",
		    p("%s/t%d/state", g.work, i), "--publics",
		    p("%s/t%d/in", g.work, i), "--shares",
		    p("%s/t%d/in", g.work, i), "--passphrase-fd", "3");
		OUT_HAS("4 of 4 shares accepted");
	}
	RUN_OK(NULL, "ippyo", "ceremony", "finish", ID, "--out",
	    p("%s/result.bin", g.work));
	OUT_HAS("qualified trustees 1 2 3 4 5");
	for (i = 1; i <= N; i++) {
		RUN_OK(NULL, "ippyo", "ceremony", "fetch", ID, "--for",
		    p("%d", i), "--out", p("%s/t%d/in", g.work, i));
		RUN_OK(PASS, "ippyo-trustee", "finish", "--state",
		    p("%s/t%d/state", g.work, i), "--publics",
		    p("%s/t%d/in", g.work, i), "--ceremony-result",
		    p("%s/t%d/in/ceremony-result.bin", g.work, i),
		    "--passphrase-fd", "3");
		OUT_HAS("your key share for " ID " is made");
	}
	ASSERT_INT_EQ(testdb_scalar(g.db, "SELECT count(*) FROM elections "
	    "WHERE state = 'keys_ready' AND NOT test_single_key"), 1);
}

/* `ippyo key new` prints the public key in hex on its last line. */
static void
new_key(const char *file, const char *label, char hex[65])
{
	char *nl;

	RUN_OK(KEYPASS, "ippyo", "key", "new", file, "--label", label,
	    "--passphrase-fd", "3");
	nl = out + strlen(out);
	while (nl > out && (nl[-1] == '\n' || nl[-1] == '\r'))
		*--nl = '\0';
	while (nl > out && nl[-1] != '\n')
		nl--;
	ASSERT_INT_EQ(strlen(nl), 64);
	memcpy(hex, nl, 65);
}

TEST(e2e_1_residents_cards_election_and_a_3_of_5_ceremony)
{
	int v;

	atexit(cleanup);
	snprintf(g.work, sizeof(g.work), "/tmp/ippyo-e2e.XXXXXX");
	ASSERT_NOT_NULL(mkdtemp(g.work));
	import_and_bind();
	create_election();
	ceremony();
	RUN_OK(NULL, "ippyo", "election", "open", ID);
	new_key(p("%s/committee.key", g.work), "committee-key",
	    g.committee_hex);
	new_key(p("%s/receipt.key", g.work), "receipt-key", g.box_hex);
	for (v = 0; v < VOTERS; v++) {
		char rid[16];
		struct db_param q = DB_TEXT(rid);
		struct db_result *res = NULL;
		const char *a;

		snprintf(rid, sizeof(rid), "%d", 6000 + v);
		ASSERT_OK(db_exec(g.db, "SELECT alias FROM roll_entries WHERE "
		    "election_id = '" ID "' AND resident_id = $1", &q, 1, &res));
		ASSERT_OK(db_get_text(res, 0, 0, 32, &a));
		memcpy(g.aliases[v], a, 33);
		db_result_free(res);
	}
	g.stage = 1;
}

/* ---- 2: voting through the server ----------------------------------- */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int next_voter, round_now, failures;
static char failure[512];

static void *
client(void *arg)
{
	struct election *e = arg;
	struct vbuf *b = vbuf_new(BALLOT_MAX);

	for (;;) {
		uint8_t mayor[3], council[6], judges[4];
		const uint8_t *rows[3] = { mayor, council, judges };
		struct receipt rc;
		int v, tries, r = -1, status = 0;

		pthread_mutex_lock(&mu);
		while (next_voter < VOTERS && rounds_of(next_voter) <= round_now)
			next_voter++;
		v = next_voter++;
		pthread_mutex_unlock(&mu);
		if (v >= VOTERS)
			break;
		choice(v, round_now, mayor, council, judges);
		vbuf_reset(b);
		if (ballot_encrypt(e, g.aliases[v], rows, b) != 0) {
			r = -3;
		} else {
			for (tries = 0; tries < 40; tries++) {
				r = testsrv_cast(g.port, ORIGIN, ID, g.voter_key,
				    g.certs[v], g.cert_lens[v], vbuf_ptr(b),
				    vbuf_len(b), &rc, &status);
				if (r != -1)
					break;
				usleep(250000);	/* the re-vote rate limit */
			}
		}
		pthread_mutex_lock(&mu);
		if (r == 0) {
			if (g.casts[v] == 0)
				g.first[v] = rc;
			g.last[v] = rc;
			g.casts[v]++;
		} else if (failures++ == 0) {
			snprintf(failure, sizeof(failure), "voter %d round %d: "
			    "cast result %d, HTTP %d", v, round_now, r, status);
		}
		pthread_mutex_unlock(&mu);
	}
	vbuf_free(b);
	return NULL;
}

TEST(e2e_2_voters_cast_and_revote_through_the_server)
{
	static char rk[300];
	const char *extra[] = { rk, "IPPYO_RECEIPT_KEY_PASSPHRASE=" KEYPASS,
	    "IPPYO_CHECKPOINT_S=1", "IPPYO_RATE_PER_ADDR=100000", NULL };
	struct election *es[CLIENTS];
	pthread_t th[CLIENTS];
	uint8_t pk[32];
	int64_t top;
	int i, v, want = 0;

	if (g.stage != 1)
		test_fail(__FILE__, __LINE__, "the setup did not finish");
	snprintf(rk, sizeof(rk), "IPPYO_RECEIPT_KEY_FILE=%s/receipt.key",
	    g.work);
	g.port = httpc_free_port();
	g.server = testsrv_start(g.port, g.url, ORIGIN, extra);
	for (i = 0; i < CLIENTS; i++)
		ASSERT_OK(election_load(g.db, ID, &es[i]));
	for (round_now = 0; round_now < 3; round_now++) {
		next_voter = 0;
		for (i = 0; i < CLIENTS; i++)
			ASSERT_INT_EQ(pthread_create(&th[i], NULL, client, es[i]),
			    0);
		for (i = 0; i < CLIENTS; i++)
			pthread_join(th[i], NULL);
		if (failures != 0)
			test_fail(__FILE__, __LINE__, "%d casts failed; first: %s",
			    failures, failure);
	}
	for (i = 0; i < CLIENTS; i++)
		election_free(es[i]);
	ASSERT_OK(ct_hex_decode(g.box_hex, 64, pk, sizeof(pk)));
	for (v = 0; v < VOTERS; v++) {
		ASSERT_INT_EQ(g.casts[v], rounds_of(v));
		want += rounds_of(v);
		if (g.casts[v] != 0) {
			ASSERT_OK(receipt_verify(pk, &g.first[v]));
			ASSERT_OK(receipt_verify(pk, &g.last[v]));
		}
	}
	ASSERT_INT_EQ(want, 339);
	ASSERT_INT_EQ(testdb_scalar(g.db, "SELECT count(*) FROM ballots"), 339);
	ASSERT_INT_EQ(testdb_scalar(g.db, "SELECT count(*) FROM "
	    "ballot_superseded WHERE reason = 'revote'"), 56);
	/* The server's periodic checkpoint reaches the top of the box. */
	top = testdb_scalar(g.db, "SELECT max(position) FROM ballots");
	for (i = 0; i < 100 && testdb_scalar(g.db, "SELECT coalesce(max("
	    "position), 0) FROM box_checkpoints") < top; i++)
		usleep(100000);
	ASSERT_INT_EQ(testdb_scalar(g.db, "SELECT max(position) FROM "
	    "box_checkpoints"), top);
	testsrv_stop(g.server, 0);
	g.server = -1;
	g.stage = 2;
}

/* ---- 3: close, tally start, the trustees' shares -------------------- */

TEST(e2e_3_close_start_the_tally_and_trustees_decrypt)
{
	int64_t now;
	int j;

	if (g.stage != 2)
		test_fail(__FILE__, __LINE__, "the voting did not finish");
	RUN_OK(NULL, "ippyo", "tally", "station", "add", ID, "hall-1");
	/* Voters 5, 7 and 16 come to the early-voting station. */
	ASSERT_OK(db_exec(g.db, "INSERT INTO admissions (election_id, "
	    "resident_id, station, admitted_at) VALUES ('" ID "', '6005', "
	    "'hall-1', '2027-01-01T00:00:00.000000Z'), ('" ID "', '6007', "
	    "'hall-1', '2027-01-01T00:00:01.000000Z'), ('" ID "', '6016', "
	    "'hall-1', '2027-01-01T00:00:02.000000Z')", NULL, 0, NULL));
	RUN_OK(NULL, "ippyo", "election", "close", ID);
	/* The station has not confirmed closure yet. */
	now = clock_now_us();
	if (now < g.closes_us) {
		printf("election: waiting %.1f s for the official close\n",
		    (double)(g.closes_us - now) / 1e6);
		RUN_FAILS_IN(g.url, KEYPASS, "ippyo", "tally", "start", ID,
		    "--committee-key", p("%s/committee.key", g.work),
		    "--box-key", g.box_hex, "--passphrase-fd", "3");
		OUT_HAS("the official close of voting has not passed yet");
		usleep((useconds_t)(g.closes_us - now) + 200000);
	} else {
		test_fail(__FILE__, __LINE__, "the voting took longer than the "
		    "%d s window; raise WINDOW_S", WINDOW_S);
	}
	RUN_FAILS_IN(g.url, KEYPASS, "ippyo", "tally", "start", ID,
	    "--committee-key", p("%s/committee.key", g.work), "--box-key",
	    g.box_hex, "--passphrase-fd", "3");
	OUT_HAS("an early-voting station has not confirmed closure: hall-1");
	RUN_OK(NULL, "ippyo", "tally", "station", "close", ID, "hall-1");
	RUN_OK(KEYPASS, "ippyo", "tally", "start", ID, "--committee-key",
	    p("%s/committee.key", g.work), "--box-key", g.box_hex,
	    "--passphrase-fd", "3");
	OUT_HAS("box frozen at 339 ballots; 281 counted (2 cancelled: "
	    "admitted in person)");
	RUN_OK(KEYPASS, "ippyo", "tally", "export", ID, "--committee-key",
	    p("%s/committee.key", g.work), "--out", p("%s/for-trustees",
	    g.work), "--passphrase-fd", "3");
	/* Trustee 3 never comes; the others decrypt the aggregate only. */
	for (j = 1; j <= N; j++) {
		if (j == 3)
			continue;
		RUN_OK(PASS, "ippyo-trustee", "decrypt", "--state",
		    p("%s/t%d/state", g.work, j), "--record",
		    p("%s/for-trustees", g.work), "--out",
		    p("%s/share-%d.json", g.work, j), "--passphrase-fd", "3");
		OUT_HAS("339 ballots cast, 281 counted, every aggregate is their "
		    "sum");
	}
	/* The same election, to be tallied a second time with two absent. */
	g.db = testdb_copy(g.db, g.name, g.copy, sizeof(g.copy));
	snprintf(g.url_copy, sizeof(g.url_copy), "%s dbname=%s",
	    test_database_url(), g.copy);
	g.stage = 3;
}

/* ---- 4: publish, record, verify ------------------------------------- */

/* Reads results.json's votes in manifest order; returns their count. */
static size_t
results_votes(const char *path, uint64_t *votes, size_t max)
{
	json_error_t e;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &e);
	json_t *cs, *c, *o;
	size_t i, j, n = 0;

	if (root == NULL)
		test_fail(__FILE__, __LINE__, "%s: %s", path, e.text);
	cs = json_object_get(root, "contests");
	ASSERT_INT_EQ(json_integer_value(json_object_get(root,
	    "ballots_cast")), 339);
	ASSERT_INT_EQ(json_integer_value(json_object_get(root,
	    "ballots_counted")), 281);
	json_array_foreach(cs, i, c) {
		json_array_foreach(json_object_get(c, "options"), j, o) {
			ASSERT_TRUE(n < max);
			votes[n++] = (uint64_t)json_integer_value(
			    json_object_get(o, "votes"));
		}
	}
	json_decref(root);
	return n;
}

/* The expected result from the rule of who votes what. */
static void
recompute(uint64_t want[13])
{
	uint8_t mayor[3], council[6], judges[4];
	int v, i;

	memset(want, 0, 13 * sizeof(*want));
	for (v = 0; v < VOTERS; v++) {
		if (rounds_of(v) == 0 || admitted(v))
			continue;
		choice(v, rounds_of(v) - 1, mayor, council, judges);
		for (i = 0; i < 3; i++)
			want[i] += mayor[i];
		for (i = 0; i < 6; i++)
			want[3 + i] += council[i];
		for (i = 0; i < 4; i++)
			want[9 + i] += judges[i];
	}
}

static void
verify_record(const char *dir, const char *engine)
{
	int rc = run_in(NULL, NULL, "ippyo-verify", "--quiet", "--engine",
	    engine, "--threads", "2", "--committee-key", g.committee_hex,
	    "--box-key", g.box_hex, dir, (char *)NULL);

	if (rc != 0)
		test_fail(__FILE__, __LINE__, "ippyo-verify --engine %s %s: exit "
		    "%d\n%s", engine, dir, rc, out);
}

static void
hex32(const uint8_t b[32], char hex[65])
{
	ASSERT_OK(ct_hex_encode(b, 32, hex, 65));
}

TEST(e2e_4_one_trustee_absent_result_record_and_both_verifiers)
{
	uint64_t want[13], got[13];
	char code[65];
	int j;

	if (g.stage != 3)
		test_fail(__FILE__, __LINE__, "the tally did not start");
	recompute(want);
	if (getenv("IPPYO_E2E_PRINT") != NULL)
		for (j = 0; j < 13; j++)
			printf("expected[%d] = %llu\n", j,
			    (unsigned long long)want[j]);
	ASSERT_MEM_EQ(want, expected, sizeof(want));
	for (j = 1; j <= N; j++) {
		if (j == 3)
			continue;
		RUN_OK(NULL, "ippyo", "tally", "share", ID,
		    p("%s/share-%d.json", g.work, j));
		OUT_HAS(p("decryption shares of trustee %d checked", j));
	}
	RUN_OK(KEYPASS, "ippyo", "tally", "publish", ID, "--committee-key",
	    p("%s/committee.key", g.work), "--passphrase-fd", "3");
	OUT_HAS("tallied from the shares of trustees 1 2 4");
	RUN_OK(KEYPASS, "ippyo", "tally", "record", ID, "--committee-key",
	    p("%s/committee.key", g.work), "--out", p("%s/recA", g.work),
	    "--tar", p("%s/recA.tar", g.work), "--passphrase-fd", "3");
	ASSERT_INT_EQ(results_votes(p("%s/recA/results.json", g.work), got,
	    13), 13);
	ASSERT_MEM_EQ(got, expected, sizeof(got));
	verify_record(p("%s/recA", g.work), "openssl");
	verify_record(p("%s/recA.tar", g.work), "openssl");
	verify_record(p("%s/recA", g.work), "gcrypt");
	/* Three voters check their own ballots. */
	hex32(g.last[0].entry.tracking_code, code);
	RUN_OK_IN(NULL, NULL, "ippyo-verify", "ballot", p("%s/recA", g.work),
	    code);
	OUT_HAS("COUNTED");
	hex32(g.first[1].entry.tracking_code, code);	/* re-voted twice */
	RUN_OK_IN(NULL, NULL, "ippyo-verify", "ballot", p("%s/recA", g.work),
	    code);
	OUT_HAS(p("NOT COUNTED: superseded by the same voter's later ballot "
	    "at position %lld", (long long)
	    testdb_scalar(g.db, "SELECT by_position FROM ballot_superseded s "
	    "JOIN ballots b USING (election_id, position) WHERE "
	    "b.voter_resident_id = '6001' ORDER BY position LIMIT 1")));
	hex32(g.last[5].entry.tracking_code, code);
	RUN_OK_IN(NULL, NULL, "ippyo-verify", "ballot", p("%s/recA", g.work),
	    code);
	OUT_HAS("NOT COUNTED: cancelled, the voter was admitted in person");
	/* The results table names the election in both languages. */
	{
		uint8_t *t = NULL;
		size_t l = 0;

		ASSERT_OK(file_read(p("%s/recA/results.txt", g.work), 1 << 20, 0,
		    &t, &l));
		ASSERT_NOT_NULL(memmem(t, l, "鈴木 花子", strlen("鈴木 花子")));
		ASSERT_NOT_NULL(memmem(t, l, "Hanako Suzuki", 13));
		/* Blank ballots of the one-mark contests: 50 and 42. */
		ASSERT_NOT_NULL(memmem(t, l, "          50  （白票）\n",
		    strlen("          50  （白票）\n")));
		ASSERT_NOT_NULL(memmem(t, l, "          42  (blank)\n",
		    strlen("          42  (blank)\n")));
		free(t);
	}
	g.stage = 4;
}

TEST(e2e_5_two_trustees_absent_same_result)
{
	uint64_t got[13];
	uint8_t *a = NULL, *b = NULL;
	size_t la = 0, lb = 0;

	if (g.stage != 4)
		test_fail(__FILE__, __LINE__, "the first tally did not finish");
	RUN_OK_IN(g.url_copy, NULL, "ippyo", "tally", "share", ID,
	    p("%s/share-4.json", g.work));
	RUN_OK_IN(g.url_copy, NULL, "ippyo", "tally", "share", ID,
	    p("%s/share-2.json", g.work));
	/* Two of three: refused, and nothing is published. */
	RUN_FAILS_IN(g.url_copy, KEYPASS, "ippyo", "tally", "publish", ID,
	    "--committee-key", p("%s/committee.key", g.work), "--passphrase-fd",
	    "3");
	OUT_HAS("fewer than k trustees' shares are stored");
	RUN_OK_IN(g.url_copy, NULL, "ippyo", "tally", "share", ID,
	    p("%s/share-5.json", g.work));
	RUN_OK_IN(g.url_copy, KEYPASS, "ippyo", "tally", "publish", ID,
	    "--committee-key", p("%s/committee.key", g.work), "--passphrase-fd",
	    "3");
	OUT_HAS("tallied from the shares of trustees 2 4 5");
	RUN_OK_IN(g.url_copy, KEYPASS, "ippyo", "tally", "record", ID,
	    "--committee-key", p("%s/committee.key", g.work), "--out",
	    p("%s/recB", g.work), "--passphrase-fd", "3");
	ASSERT_INT_EQ(results_votes(p("%s/recB/results.json", g.work), got,
	    13), 13);
	ASSERT_MEM_EQ(got, expected, sizeof(got));
	ASSERT_OK(file_read(p("%s/recA/results.json", g.work), 1 << 20, 0, &a,
	    &la));
	ASSERT_OK(file_read(p("%s/recB/results.json", g.work), 1 << 20, 0, &b,
	    &lb));
	ASSERT_INT_EQ(la, lb);
	ASSERT_MEM_EQ(a, b, la);
	free(a);
	free(b);
	verify_record(p("%s/recB", g.work), "openssl");
	verify_record(p("%s/recB", g.work), "gcrypt");
	printf("election: 339 ballots cast, 281 counted; the result with "
	    "trustees 1 2 4 and with 2 4 5 is the hand-computed one; both "
	    "records verify with both engines\n");
}
