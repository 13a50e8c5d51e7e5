/*
 * test_ceremony.c - a 3-of-5 trustee key ceremony through the real
 * programs (`ippyo ceremony ...` against PostgreSQL, `ippyo-trustee`
 * on files), with a cheating trustee detected, complained about and
 * excluded, forged, unsigned, replayed and duplicate posts refused,
 * junk and false complaints refused without taking the real one's
 * place, an undecodable share complained about, a wrong passphrase and
 * a tampered trustee file refused, and then the tally: the trustees
 * decrypt only the true sums of a small, signed box (forged or stale
 * checkpoints and unpinned keys refused), never over an existing file,
 * k of them give the right counts and k-1 cannot.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "ballot/ballot.h"
#include "ballot/box.h"
#include "ballot/election.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/file.h"
#include "core/vbuf.h"
#include "crypto/bsgs.h"
#include "crypto/contest.h"
#include "crypto/ct.h"
#include "crypto/dkg.h"
#include "crypto/elgamal.h"
#include "crypto/seal.h"
#include "crypto/secret.h"
#include "crypto/sign.h"
#include "db/db.h"
#include "db/migrate.h"
#include "registry/resident.h"
#include "tally/ceremony.h"
#include "tally/cfile.h"
#include "tests/harness/test.h"
#include "tests/harness/testdb.h"
#include "tests/harness/testprog.h"

#define ID "cer-2027"
#define N 5
#define K 3
#define PASS "correct horse battery staple"

static const char register_csv[] =
    "resident_id,name,name_kana,address,municipality_code,date_of_birth,sex,"
    "nationality,resident_since,status,status_date\n"
    "1001,養父 太郎,ヤブ タロウ,兵庫県養父市八鹿町八鹿1,282227,1950-04-01,1,JP,1950-04-01,active,\n";

/* Shared by the tests, which run in order. */
static struct {
	char name[64];
	char url[1024];
	char work[256];
	struct db *db;
	int finished;
} g;

static char out[65536];

/* Runs a program with the passphrase (if any) on fd 3; output in out. */
static int
run(const char *pass, const char *prog, ...)
{
	va_list ap;
	int r;

	va_start(ap, prog);
	r = testprog_runv(g.url, pass, out, sizeof(out), prog, ap);
	va_end(ap);
	return r;
}

#define OUT_HAS(s) do { if (strstr(out, (s)) == NULL) test_fail(__FILE__, \
	__LINE__, "output lacks \"%s\":\n%s", (s), out); } while (0)
#define RUN_OK(...) do { if (run(__VA_ARGS__, (char *)NULL) != 0) \
	test_fail(__FILE__, __LINE__, "failed:\n%s", out); } while (0)
#define RUN_FAILS(...) do { if (run(__VA_ARGS__, (char *)NULL) == 0) \
	test_fail(__FILE__, __LINE__, "should have failed:\n%s", out); } \
	while (0)

static const char *
p(const char *fmt, ...)
{
	static char bufs[8][512];
	static int i;
	va_list ap;
	char *b = bufs[i++ % 8];

	va_start(ap, fmt);
	vsnprintf(b, 512, fmt, ap);
	va_end(ap);
	return b;
}

static void
mkdirs(const char *sub, int i)
{
	char d[512];

	snprintf(d, sizeof(d), "%s/t%d%s", g.work, i, sub);
	ASSERT_INT_EQ(mkdir(d, 0700), 0);
}

static struct manifest *
small_manifest(void)
{
	static const uint32_t nopt[2] = { 3, 2 };
	struct manifest *m = manifest_new(2, nopt);
	uint32_t i, j;
	int32_t d = (int32_t)(clock_now_us() / 1000000 / 86400);

	ASSERT_NOT_NULL(m);
	snprintf(m->id, sizeof(m->id), "%s", ID);
	snprintf(m->name_ja, sizeof(m->name_ja), "養父市長選挙");
	snprintf(m->name_en, sizeof(m->name_en), "Yabu mayoral election");
	memcpy(m->municipality, "282227", 7);
	m->election_day = d + 10;
	m->reference_date = d;
	m->opens_us = clock_now_us() - 3600LL * 1000000;
	m->closes_us = (int64_t)(d + 10) * 86400 * 1000000;
	for (i = 0; i < 2; i++) {
		struct manifest_contest *c = &m->contests[i];

		snprintf(c->id, sizeof(c->id), "c%u", i);
		snprintf(c->title_ja, sizeof(c->title_ja), "選挙 %u", i);
		snprintf(c->title_en, sizeof(c->title_en), "Contest %u", i);
		for (j = 0; j < c->noptions; j++) {
			snprintf(c->options[j].id, sizeof(c->options[j].id), "o%u", j);
			snprintf(c->options[j].label_ja,
			    sizeof(c->options[j].label_ja), "候補 %u", j);
			snprintf(c->options[j].label_en,
			    sizeof(c->options[j].label_en), "Option %u", j);
		}
	}
	m->contests[0].min = 0;
	m->contests[0].max = 1;
	m->contests[1].min = 0;
	m->contests[1].max = 2;
	return m;
}

/*
 * Opens trustee i's sealed state the way the test plays a cheater: the
 * layout is docs/PROTOCOL-ceremony.md's; returns the DKG trustee.
 */
static struct dkg_trustee *
trustee_secrets(int i)
{
	struct secret *pw = NULL, *c = NULL, *d = NULL;
	struct dkg_trustee *t = NULL;
	struct vbuf *b;
	const uint8_t *x;
	size_t l;
	uint32_t np, nq;

	ASSERT_OK(secret_from(PASS, strlen(PASS), &pw));
	ASSERT_OK(seal_read_file(p("%s/t%d/state", g.work, i), "trustee-state",
	    pw, &c));
	ASSERT_NOT_NULL(b = vbuf_from(secret_open(c), secret_len(c)));
	ASSERT_OK(vbuf_consume(b, 8 + 1 + 1 + 1));
	ASSERT_OK(vbuf_get_string_direct(b, 64, &x, &l));
	ASSERT_OK(vbuf_consume(b, 64));
	ASSERT_OK(vbuf_get_u32(b, &np));
	ASSERT_OK(vbuf_consume(b, (size_t)np * 32 + 65));
	ASSERT_OK(vbuf_get_u32(b, &nq));
	ASSERT_OK(vbuf_consume(b, (size_t)nq * 4));
	ASSERT_OK(vbuf_get_string_direct(b, 1 << 20, &x, &l));
	ASSERT_OK(secret_from(x, l, &d));
	ASSERT_OK(dkg_trustee_import(d, &t));
	vbuf_free(b);
	secret_close(c);
	secret_free(c);
	secret_free(d);
	secret_free(pw);
	return t;
}

/* Reads a public message body from a file of trustee i's out dir. */
static uint8_t *
read_body(const char *path, struct cmsg *m, uint8_t **raw)
{
	size_t len = 0;

	ASSERT_OK(file_read(path, CFILE_MAX, 0, raw, &len));
	ASSERT_OK(cmsg_decode(*raw, len, NULL, m));
	return (uint8_t *)(uintptr_t)m->body;
}

static void
write_share(const char *path, const struct dkg_params *pp, uint32_t from,
    uint32_t to, const uint8_t *sh)
{
	struct cmsg m;
	struct vbuf *b = vbuf_new(CFILE_MAX);

	memset(&m, 0, sizeof(m));
	m.kind = CMSG_SHARE;
	m.p = *pp;
	m.from = from;
	m.to = to;
	m.body = sh;
	m.body_len = DKG_SHARE_LEN;
	ASSERT_OK(cmsg_encode(&m, b));
	ASSERT_OK(cfile_write(path, vbuf_ptr(b), vbuf_len(b)));
	vbuf_free(b);
}

static void
write_complaint(const char *path, const struct dkg_params *pp, uint32_t by,
    uint32_t about, const uint8_t *sh, const uint8_t *comp)
{
	uint8_t body[DKG_SHARE_LEN + DKG_COMPLAINT_LEN];
	struct cmsg m;
	struct vbuf *b = vbuf_new(CFILE_MAX);

	memcpy(body, sh, DKG_SHARE_LEN);
	memcpy(body + DKG_SHARE_LEN, comp, DKG_COMPLAINT_LEN);
	memset(&m, 0, sizeof(m));
	m.kind = CMSG_COMPLAINT;
	m.p = *pp;
	m.from = by;
	m.to = about;
	m.body = body;
	m.body_len = sizeof(body);
	ASSERT_OK(cmsg_encode(&m, b));
	ASSERT_OK(cfile_write(path, vbuf_ptr(b), vbuf_len(b)));
	vbuf_free(b);
}

/*
 * Trustee 3 first gets, from "2", a share whose E does not decode,
 * signed by 2: receive names it, writes a complaint that stands, and
 * still saves the shares it accepted in that run.
 */
static void
undecodable_share_to_3(void)
{
	struct dkg_trustee *t2 = trustee_secrets(2);
	struct cmsg pub2, pub3, cm;
	uint8_t *raw2 = NULL, *raw3 = NULL, *f = NULL, sh[DKG_SHARE_LEN];
	size_t l = 0;
	int i;

	mkdirs("/odd", 3);
	for (i = 1; i <= N; i++) {
		if (i == 2 || i == 3)
			continue;
		ASSERT_OK(file_read(p("%s/t3/in/share-%02d-to-03.bin", g.work, i),
		    CFILE_MAX, 0, &f, &l));
		ASSERT_OK(cfile_write(p("%s/t3/odd/share-%02d-to-03.bin", g.work,
		    i), f, l));
		free(f);
	}
	memset(sh, 0x5a, sizeof(sh));
	sh[0] = 0x07;			/* no SEC1 point starts so */
	ASSERT_OK(dkg_trustee_sign_share(t2, 3, sh));
	write_share(p("%s/t3/odd/share-02-to-03.bin", g.work),
	    dkg_trustee_params(t2), 2, 3, sh);
	RUN_FAILS(PASS, "ippyo-trustee", "receive", "--state",
	    p("%s/t3/state", g.work), "--publics", p("%s/t3/in", g.work),
	    "--shares", p("%s/t3/odd", g.work), "--passphrase-fd", "3");
	OUT_HAS("trustee  2: BAD SHARE, signed by them: complaint written");
	OUT_HAS("3 of 4 shares accepted, 1 complaints, 0 to ask again");
	/* the complaint stands (not posted: 4's excludes 2 already) */
	read_body(p("%s/t3/odd/complaint-03-about-02.bin", g.work), &cm, &f);
	read_body(p("%s/t2/out/public-02.bin", g.work), &pub2, &raw2);
	read_body(p("%s/t3/out/public-03.bin", g.work), &pub3, &raw3);
	ASSERT_INT_EQ(cm.body_len, DKG_SHARE_LEN + DKG_COMPLAINT_LEN);
	ASSERT_OK(dkg_complaint_check(dkg_trustee_params(t2), 2, 3, pub2.body,
	    pub3.body, cm.body, DKG_SHARE_LEN, cm.body + DKG_SHARE_LEN,
	    DKG_COMPLAINT_LEN));
	free(f);
	free(raw2);
	free(raw3);
	dkg_trustee_free(t2);
}

TEST(ceremony_3_of_5_with_a_cheater_through_the_programs)
{
	struct resident_import_result ir;
	struct manifest *m;
	struct dkg_trustee *t2;
	struct cmsg pub4, m2;
	uint8_t *raw4 = NULL, *raw2 = NULL, bad[DKG_SHARE_LEN];
	uint8_t *before = NULL, *after = NULL;
	size_t lb = 0, la = 0;
	struct scalar bogus;
	int applied, i, j;

	snprintf(g.work, sizeof(g.work), "/tmp/ippyo-cer.XXXXXX");
	ASSERT_NOT_NULL(mkdtemp(g.work));
	g.db = testdb_new(g.name, sizeof(g.name));
	snprintf(g.url, sizeof(g.url), "%s dbname=%s", test_database_url(),
	    g.name);
	ASSERT_OK(migrate_apply(g.db, db_migrations, db_migrations_count,
	    &applied));
	ASSERT_OK(resident_import(g.db, register_csv, strlen(register_csv),
	    "clerk", &ir));
	m = small_manifest();
	ASSERT_OK(election_create(g.db, m, "clerk"));
	manifest_free(m);
	/* no ceremony before the roll is frozen */
	RUN_FAILS(NULL, "ippyo", "ceremony", "start", ID, "--trustees", "5",
	    "--threshold", "3", "--out", p("%s/ceremony.bin", g.work));
	OUT_HAS("the roll must be frozen");
	ASSERT_OK(election_freeze_roll(g.db, ID, "clerk"));
	/* a 1-of-n "threshold" and n < 2k - 1 are refused */
	RUN_FAILS(NULL, "ippyo", "ceremony", "start", ID, "--trustees", "5",
	    "--threshold", "1", "--out", p("%s/ceremony.bin", g.work));
	OUT_HAS("a threshold of 1 would let any single trustee decrypt alone");
	RUN_FAILS(NULL, "ippyo", "ceremony", "start", ID, "--trustees", "4",
	    "--threshold", "3", "--out", p("%s/ceremony.bin", g.work));
	OUT_HAS("need n >= 2k - 1");
	RUN_OK(NULL, "ippyo", "ceremony", "start", ID, "--trustees", "5",
	    "--threshold", "3", "--out", p("%s/ceremony.bin", g.work));
	OUT_HAS("3-of-5");
	RUN_FAILS(NULL, "ippyo", "ceremony", "start", ID, "--trustees", "5",
	    "--threshold", "3", "--out", p("%s/ceremony2.bin", g.work));
	OUT_HAS("a ceremony is under way");

	/* every trustee makes its state and public message */
	for (i = 1; i <= N; i++) {
		mkdirs("", i);
		mkdirs("/out", i);
		mkdirs("/in", i);
		RUN_OK(PASS, "ippyo-trustee", "init", "--ceremony",
		    p("%s/ceremony.bin", g.work), "--index", p("%d", i),
		    "--state", p("%s/t%d/state", g.work, i), "--out",
		    p("%s/t%d/out", g.work, i), "--passphrase-fd", "3",
		    "--test-kdf");
		OUT_HAS(p("you are trustee %d of 5; any 3 together", i));
		OUT_HAS("ceremony fingerprint");
	}
	/* a trustee file is never overwritten; a short passphrase refused */
	RUN_FAILS(PASS, "ippyo-trustee", "init", "--ceremony",
	    p("%s/ceremony.bin", g.work), "--index", "1", "--state",
	    p("%s/t1/state", g.work), "--out", p("%s/t1/out", g.work),
	    "--passphrase-fd", "3", "--test-kdf");
	OUT_HAS("is never overwritten");
	RUN_FAILS("short", "ippyo-trustee", "init", "--ceremony",
	    p("%s/ceremony.bin", g.work), "--index", "1", "--state",
	    p("%s/x-state", g.work), "--out", g.work, "--passphrase-fd", "3",
	    "--test-kdf");
	OUT_HAS("at least 12 characters");
	/* shares before every public message is there: refused */
	RUN_FAILS(PASS, "ippyo-trustee", "shares", "--state",
	    p("%s/t1/state", g.work), "--publics", p("%s/t1/in", g.work),
	    "--out", p("%s/t1/out", g.work), "--passphrase-fd", "3");
	OUT_HAS("public message (public-01.bin) is missing");
	for (i = 1; i <= N; i++) {
		RUN_OK(NULL, "ippyo", "ceremony", "post", ID,
		    p("%s/t%d/out/public-%02d.bin", g.work, i, i));
		OUT_HAS(p("public message of trustee %d", i));
	}
	/* a replayed public message */
	RUN_FAILS(NULL, "ippyo", "ceremony", "post", ID,
	    p("%s/t1/out/public-01.bin", g.work));
	OUT_HAS("already posted");
	for (i = 1; i <= N; i++) {
		RUN_OK(NULL, "ippyo", "ceremony", "fetch", ID, "--for",
		    p("%d", i), "--out", p("%s/t%d/in", g.work, i));
		OUT_HAS("5 files");
		RUN_OK(PASS, "ippyo-trustee", "shares", "--state",
		    p("%s/t%d/state", g.work, i), "--publics",
		    p("%s/t%d/in", g.work, i), "--out",
		    p("%s/t%d/out", g.work, i), "--passphrase-fd", "3");
		OUT_HAS("4 shares written");
	}

	/* trustee 2 cheats: a share off its polynomial, signed, to 4 */
	t2 = trustee_secrets(2);
	read_body(p("%s/t4/out/public-04.bin", g.work), &pub4, &raw4);
	ASSERT_OK(group_scalar_random(&bogus));
	ASSERT_OK(dkg_share_encrypt(dkg_trustee_params(t2), 2, 4, &bogus,
	    pub4.body, pub4.body_len, bad));
	/* unsigned: the relay refuses it */
	write_share(p("%s/unsigned.bin", g.work), dkg_trustee_params(t2), 2, 4,
	    bad);
	RUN_FAILS(NULL, "ippyo", "ceremony", "post", ID,
	    p("%s/unsigned.bin", g.work));
	OUT_HAS("does not verify");
	/* forged: trustee 3's good share to 5 claimed as trustee 2's */
	read_body(p("%s/t3/out/share-03-to-05.bin", g.work), &m2, &raw2);
	write_share(p("%s/forged.bin", g.work), dkg_trustee_params(t2), 2, 5,
	    m2.body);
	RUN_FAILS(NULL, "ippyo", "ceremony", "post", ID,
	    p("%s/forged.bin", g.work));
	OUT_HAS("does not verify");
	free(raw2);
	/* signed bad share: the relay cannot tell; it is accepted */
	ASSERT_OK(dkg_trustee_sign_share(t2, 4, bad));
	write_share(p("%s/bad-02-to-04.bin", g.work), dkg_trustee_params(t2), 2,
	    4, bad);
	RUN_OK(NULL, "ippyo", "ceremony", "post", ID,
	    p("%s/bad-02-to-04.bin", g.work));
	/* the honest version afterwards is a second version: refused */
	RUN_FAILS(NULL, "ippyo", "ceremony", "post", ID,
	    p("%s/t2/out/share-02-to-04.bin", g.work));
	OUT_HAS("already posted");
	free(raw4);
	dkg_trustee_free(t2);
	for (i = 1; i <= N; i++)
		for (j = 1; j <= N; j++)
			if (i != j && !(i == 2 && j == 4))
				RUN_OK(NULL, "ippyo", "ceremony", "post", ID,
				    p("%s/t%d/out/share-%02d-to-%02d.bin", g.work,
				    i, i, j));
	/* before the complaint the ceremony cannot finish: 4 lacks no
	 * share in the database, but a trustee is not yet excluded */
	for (i = 1; i <= N; i++)
		RUN_OK(NULL, "ippyo", "ceremony", "fetch", ID, "--for",
		    p("%d", i), "--out", p("%s/t%d/in", g.work, i));
	/* trustee 5 first sees an unsigned share "from 1": ask again */
	mkdirs("/odd", 5);
	for (i = 2; i <= 4; i++) {
		uint8_t *f = NULL;
		size_t l = 0;

		ASSERT_OK(file_read(p("%s/t5/in/share-%02d-to-05.bin", g.work, i),
		    CFILE_MAX, 0, &f, &l));
		ASSERT_OK(cfile_write(p("%s/t5/odd/share-%02d-to-05.bin", g.work,
		    i), f, l));
		free(f);
	}
	{
		struct dkg_trustee *t1 = trustee_secrets(1);
		struct cmsg pub5;
		uint8_t *raw5 = NULL, sh[DKG_SHARE_LEN];

		read_body(p("%s/t5/out/public-05.bin", g.work), &pub5, &raw5);
		ASSERT_OK(dkg_share_encrypt(dkg_trustee_params(t1), 1, 5, &bogus,
		    pub5.body, pub5.body_len, sh));
		write_share(p("%s/t5/odd/share-01-to-05.bin", g.work),
		    dkg_trustee_params(t1), 1, 5, sh);
		free(raw5);
		dkg_trustee_free(t1);
	}
	group_scalar_wipe(&bogus);
	RUN_FAILS(PASS, "ippyo-trustee", "receive", "--state",
	    p("%s/t5/state", g.work), "--publics", p("%s/t5/in", g.work),
	    "--shares", p("%s/t5/odd", g.work), "--passphrase-fd", "3");
	OUT_HAS("trustee  1: share refused (not signed by them)");
	OUT_HAS("ask them to send it again (no complaint)");
	OUT_HAS("3 of 4 shares accepted, 0 complaints, 1 to ask again");
	undecodable_share_to_3();
	for (i = 1; i <= N; i++) {
		int rc = run(PASS, "ippyo-trustee", "receive", "--state",
		    p("%s/t%d/state", g.work, i), "--publics",
		    p("%s/t%d/in", g.work, i), "--shares",
		    p("%s/t%d/in", g.work, i), "--passphrase-fd", "3",
		    (char *)NULL);

		if (i == 4) {
			ASSERT_INT_NE(rc, 0);
			OUT_HAS("trustee  2: BAD SHARE, signed by them");
			OUT_HAS("3 of 4 shares accepted, 1 complaints");
		} else {
			if (rc != 0)
				test_fail(__FILE__, __LINE__, "receive %d:\n%s", i,
				    out);
			OUT_HAS("4 of 4 shares accepted");
			if (i == 3)	/* saved despite the bad share */
				OUT_HAS("trustee  1: accepted earlier");
		}
	}
	/*
	 * Complaints in trustee 4's name about 2 that do not stand (the
	 * signed bad share with a zero proof; a good share with 4's
	 * proof): refused, nothing stored, so they cannot squat on 4's
	 * real complaint.  Trustee 3's false complaint about 1's good
	 * share is refused too.
	 */
	{
		struct dkg_trustee *t3 = trustee_secrets(3);
		uint8_t zc[DKG_COMPLAINT_LEN], cc[DKG_COMPLAINT_LEN];
		uint8_t *rawg = NULL;
		struct cmsg mg;

		memset(zc, 0, sizeof(zc));
		write_complaint(p("%s/junk-04-about-02.bin", g.work),
		    dkg_trustee_params(t3), 4, 2, bad, zc);
		RUN_FAILS(NULL, "ippyo", "ceremony", "post", ID,
		    p("%s/junk-04-about-02.bin", g.work));
		OUT_HAS("complaint refused, nothing stored: it cannot be proven");
		read_body(p("%s/t3/in/share-01-to-03.bin", g.work), &mg, &rawg);
		ASSERT_OK(dkg_trustee_complain(t3, 1, mg.body, mg.body_len, cc));
		write_complaint(p("%s/false-03-about-01.bin", g.work),
		    dkg_trustee_params(t3), 3, 1, mg.body, cc);
		RUN_FAILS(NULL, "ippyo", "ceremony", "post", ID,
		    p("%s/false-03-about-01.bin", g.work));
		OUT_HAS("complaint refused, nothing stored: the share it is "
		    "about is good");
		free(rawg);
		dkg_trustee_free(t3);
		ASSERT_INT_EQ(testdb_scalar(g.db, "SELECT count(*) FROM "
		    "ceremony_messages WHERE kind = 'complaint'"), 0);
	}
	RUN_OK(NULL, "ippyo", "ceremony", "post", ID,
	    p("%s/t4/in/complaint-04-about-02.bin", g.work));
	OUT_HAS("complaint by trustee 4 about trustee 2: JUSTIFIED");
	RUN_FAILS(NULL, "ippyo", "ceremony", "post", ID,
	    p("%s/t4/in/complaint-04-about-02.bin", g.work));
	OUT_HAS("already posted");
	RUN_OK(NULL, "ippyo", "ceremony", "status", ID);
	OUT_HAS("trustee  2  public yes");
	OUT_HAS("EXCLUDED (justified complaint)");
	OUT_HAS("1 raised, 1 justified");

	/* wrong passphrase, tampered file: refused, file unchanged */
	ASSERT_OK(file_read(p("%s/t1/state", g.work), 1 << 20, 0, &before, &lb));
	RUN_FAILS("not the passphrase", "ippyo-trustee", "show", "--state",
	    p("%s/t1/state", g.work), "--passphrase-fd", "3");
	OUT_HAS("wrong passphrase, or the file was altered; nothing was changed");
	RUN_FAILS("not the passphrase", "ippyo-trustee", "receive", "--state",
	    p("%s/t1/state", g.work), "--publics", p("%s/t1/in", g.work),
	    "--shares", p("%s/t1/in", g.work), "--passphrase-fd", "3");
	ASSERT_OK(file_read(p("%s/t1/state", g.work), 1 << 20, 0, &after, &la));
	ASSERT_INT_EQ(la, lb);
	ASSERT_MEM_EQ(before, after, lb);
	before[lb / 2] ^= 0x20;
	ASSERT_OK(cfile_write(p("%s/tampered", g.work), before, lb));
	RUN_FAILS(PASS, "ippyo-trustee", "show", "--state",
	    p("%s/tampered", g.work), "--passphrase-fd", "3");
	OUT_HAS("wrong passphrase, or the file was altered");
	free(before);
	free(after);
	RUN_OK(PASS, "ippyo-trustee", "show", "--state",
	    p("%s/t1/state", g.work), "--passphrase-fd", "3");
	OUT_HAS("shares sent, receiving");

	/* finish: Q = {1, 3, 4, 5}; the election is keys_ready */
	RUN_OK(NULL, "ippyo", "ceremony", "finish", ID, "--out",
	    p("%s/result.bin", g.work));
	OUT_HAS("qualified trustees 1 3 4 5");
	ASSERT_INT_EQ(testdb_scalar(g.db, "SELECT count(*) FROM elections WHERE "
	    "state = 'keys_ready' AND NOT test_single_key"), 1);
	ASSERT_INT_EQ(testdb_scalar(g.db, "SELECT count(*) FROM audit_log WHERE "
	    "action = 'election.keys_ceremony'"), 1);
	ASSERT_INT_EQ(testdb_scalar(g.db, "SELECT count(*) FROM audit_log WHERE "
	    "action = 'ceremony.start'"), 1);
	ASSERT_INT_EQ(testdb_scalar(g.db, "SELECT count(*) FROM audit_log WHERE "
	    "action = 'ceremony.post'"), 5 + 20);
	ASSERT_INT_EQ(testdb_scalar(g.db, "SELECT count(*) FROM audit_log WHERE "
	    "action = 'ceremony.complaint'"), 1);
	ASSERT_INT_EQ(testdb_scalar(g.db, "SELECT count(*) FROM audit_log WHERE "
	    "action = 'ceremony.finish'"), 1);
	RUN_FAILS(NULL, "ippyo", "ceremony", "post", ID,
	    p("%s/t1/out/share-01-to-02.bin", g.work));
	OUT_HAS("not now");
	RUN_FAILS(NULL, "ippyo", "ceremony", "finish", ID, "--out",
	    p("%s/result2.bin", g.work));
	/* the append-only tables refuse changes */
	ASSERT_INT_NE(db_exec(g.db, "DELETE FROM ceremony_messages", NULL, 0,
	    NULL), 0);
	ASSERT_INT_EQ(testdb_scalar(g.db, "SELECT count(*) FROM "
	    "ceremony_messages"), 5 + 20 + 1);

	for (i = 1; i <= N; i++) {
		RUN_OK(NULL, "ippyo", "ceremony", "fetch", ID, "--for",
		    p("%d", i), "--out", p("%s/t%d/in", g.work, i));
		if (i == 2) {
			RUN_FAILS(PASS, "ippyo-trustee", "finish", "--state",
			    p("%s/t2/state", g.work), "--publics",
			    p("%s/t2/in", g.work), "--ceremony-result",
			    p("%s/t2/in/ceremony-result.bin", g.work),
			    "--passphrase-fd", "3");
			OUT_HAS("the committee excluded you (trustee 2)");
			continue;
		}
		RUN_OK(PASS, "ippyo-trustee", "finish", "--state",
		    p("%s/t%d/state", g.work, i), "--publics",
		    p("%s/t%d/in", g.work, i), "--ceremony-result",
		    p("%s/t%d/in/ceremony-result.bin", g.work, i),
		    "--passphrase-fd", "3");
		OUT_HAS("your key share for cer-2027 is made");
	}
	/* the record's ceremony files */
	ASSERT_OK(ceremony_export(g.db, ID, g.work));
	{
		uint8_t *f = NULL;
		size_t l = 0;

		ASSERT_OK(file_read(p("%s/ceremony/complaints.json", g.work),
		    1 << 20, 0, &f, &l));
		ASSERT_NOT_NULL(strstr((char *)f, "\"accused\":2,\"by\":4"));
		free(f);
		ASSERT_OK(file_read(p("%s/ceremony/public-05.bin", g.work),
		    1 << 20, 0, &f, &l));
		ASSERT_INT_EQ(l, (1 + K) * 162 + 96);
		free(f);
	}
	g.finished = 1;
}

/* ---- the tally: a small tally-stage record ---- */

static void
put_file(const char *name, const void *data, size_t len)
{
	ASSERT_OK(cfile_write(p("%s/rec/%s", g.work, name), data, len));
}

static void
put_text(const char *name, const char *text)
{
	put_file(name, text, strlen(text));
}

static void
hex_of(const uint8_t *b, size_t n, char *hex)
{
	ASSERT_OK(ct_hex_encode(b, n, hex, 2 * n + 1));
}

/* Positions: 1 A (o0), 2 A again (o1), 3 B (o1), 4 C (o2, admitted). */
static const char *const aliases[4] = {
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "cccccccccccccccccccccccccccccccc"
};
static const uint8_t choice0[4][3] = { {1, 0, 0}, {0, 1, 0}, {0, 1, 0},
    {0, 0, 1} };
static const uint8_t choice1[4][2] = { {1, 1}, {0, 1}, {1, 0}, {1, 1} };

static struct election *rec_e;
static struct sign_key *rec_box_key, *rec_committee_key;
static uint8_t rec_codes[5][32];	/* the chain: seed, positions 1..4 */
static char rec_at[5][CLOCK_TEXT_LEN];	/* entry times (and [0]) */
static uint8_t rec_ballot1[1 << 16];	/* position 1's contest 0 */
static size_t rec_ballot1_len;

static char *
tally_json(int cheat)
{
	static char buf[8192];
	struct contest_tally *ct;
	size_t o = 0;
	uint32_t c, op;
	int i;

	o += (size_t)snprintf(buf + o, sizeof(buf) - o, "{\"contests\":[");
	for (c = 0; c < 2; c++) {
		struct contest_spec spec;

		manifest_spec(rec_e->manifest, c, &spec);
		ASSERT_OK(contest_tally_new(&ct, spec.options));
		for (i = 1; i <= 2; i++) {	/* positions 2 and 3 count */
			struct ballot b;
			uint8_t *f = NULL;
			size_t l = 0;

			ASSERT_OK(file_read(p("%s/ballot-%d", g.work, i + 1),
			    1 << 20, 0, &f, &l));
			ASSERT_OK(ballot_decode(rec_e, f, l, &b));
			ASSERT_OK(contest_tally_add(ct, &spec, b.contest[c],
			    b.contest_len[c]));
			free(f);
		}
		o += (size_t)snprintf(buf + o, sizeof(buf) - o,
		    "%s{\"index\":%u,\"options\":[", c ? "," : "", c);
		for (op = 0; op < spec.options; op++) {
			uint8_t enc[ELGAMAL_CT_LEN];
			char hex[2 * ELGAMAL_CT_LEN + 1];

			ASSERT_OK(elgamal_encode(contest_tally_sum(ct, op), enc,
			    GROUP_ALLOW_INFINITY));
			/* the cheat: one voter's ciphertext as "the sum" */
			if (cheat && c == 0 && op == 0)
				memcpy(enc, rec_ballot1, ELGAMAL_CT_LEN);
			hex_of(enc, sizeof(enc), hex);
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s\"%s\"",
			    op ? "," : "", hex);
		}
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "]}");
		contest_tally_free(ct);
	}
	snprintf(buf + o, sizeof(buf) - o, "]}");
	return buf;
}

/* One checkpoint as PROTOCOL-record §8 has it, signed; appended to o. */
static size_t
checkpoint_json(char *buf, size_t o, size_t max, uint64_t pos,
    const uint8_t code[32], int final, int forge)
{
	struct sign_key *k = final ? rec_committee_key : rec_box_key;
	struct vbuf *m = vbuf_new(512);
	uint8_t pk[32], sig[64];
	char ch[65], pkh[65], sh[129];

	ASSERT_OK(vbuf_put_cstring(m, ID));
	ASSERT_OK(vbuf_put_u64(m, pos));
	ASSERT_OK(vbuf_put(m, code, 32));
	ASSERT_OK(vbuf_put_cstring(m, rec_at[4]));
	ASSERT_OK(sign_sign(k, final ? "box-final" : "box-checkpoint",
	    vbuf_ptr(m), vbuf_len(m), sig));
	vbuf_free(m);
	if (forge)
		sig[10] ^= 1;
	sign_key_public(k, pk);
	hex_of(code, 32, ch);
	hex_of(pk, 32, pkh);
	hex_of(sig, 64, sh);
	return o + (size_t)snprintf(buf + o, max - o, "%s{\"position\":%llu,"
	    "\"tracking_code\":\"%s\",\"at\":\"%s\",\"final\":%s,"
	    "\"public_key\":\"%s\",\"signature\":\"%s\"}", o > 1 ? "," : "",
	    (unsigned long long)pos, ch, rec_at[4], final ? "true" : "false",
	    pkh, sh);
}

/*
 * checkpoints.json: a periodic checkpoint (position p1, code c1) under
 * the box key, then the final one (p2, c2) under the committee key;
 * forge names one whose signature is altered ("periodic").
 */
static char *
checkpoints_json(uint64_t p1, const uint8_t *c1, uint64_t p2,
    const uint8_t *c2, const char *forge)
{
	static char buf[4096];
	size_t o = 1;

	buf[0] = '[';
	o = checkpoint_json(buf, o, sizeof(buf), p1, c1, 0, forge != NULL);
	o = checkpoint_json(buf, o, sizeof(buf), p2, c2, 1, 0);
	snprintf(buf + o, sizeof(buf) - o, "]");
	return buf;
}

/*
 * ballots.bin from the files ballot-1..4 (times rec_at), the chain in
 * rec_codes, and checkpoints.json signing it.
 */
static void
write_box(void)
{
	struct vbuf *box = vbuf_new(1 << 22);
	uint8_t code[32], hash[32];
	int i;

	ASSERT_OK(vbuf_put(box, "IPPYOBOX", 8));
	ASSERT_OK(vbuf_put_u8(box, 1));
	ASSERT_OK(vbuf_put_u64(box, 4));
	box_seed(rec_e->context_hash, code);
	memcpy(rec_codes[0], code, 32);
	for (i = 0; i < 4; i++) {
		uint8_t *f = NULL;
		size_t l = 0;

		ASSERT_OK(file_read(p("%s/ballot-%d", g.work, i + 1), 1 << 20, 0,
		    &f, &l));
		ballot_hash(f, l, hash);
		box_tracking_code(rec_e->context_hash, code, i + 1, hash,
		    rec_at[i + 1], code);
		memcpy(rec_codes[i + 1], code, 32);
		ASSERT_OK(vbuf_put_u64(box, (uint64_t)i + 1));
		ASSERT_OK(vbuf_put_cstring(box, aliases[i]));
		ASSERT_OK(vbuf_put(box, hash, 32));
		ASSERT_OK(vbuf_put(box, code, 32));
		ASSERT_OK(vbuf_put_cstring(box, rec_at[i + 1]));
		ASSERT_OK(vbuf_put_string(box, f, l));
		free(f);
	}
	put_file("ballots.bin", vbuf_ptr(box), vbuf_len(box));
	vbuf_free(box);
	/* a periodic checkpoint at 2, the final one at the head (4) */
	put_text("checkpoints.json", checkpoints_json(2, rec_codes[2], 4,
	    rec_codes[4], NULL));
}

static void
build_record(void)
{
	uint8_t cctx[32];
	char kh[131], ch[65], cch[65], js[4096], bkh[65], ckh[65];
	uint8_t bpk[32], cpk[32];
	int i;

	ASSERT_OK(election_load(g.db, ID, &rec_e));
	ASSERT_INT_EQ(mkdir(p("%s/rec", g.work), 0700), 0);
	put_file("manifest.bin", rec_e->manifest_bytes, rec_e->manifest_len);
	for (i = 0; i < 4; i++) {
		const uint8_t *sel[2] = { choice0[i], choice1[i] };
		struct vbuf *b = vbuf_new(1 << 20);
		struct ballot bd;

		clock_format_us(clock_now_us(), rec_at[i + 1]);
		ASSERT_OK(ballot_encrypt(rec_e, aliases[i], sel, b));
		ASSERT_OK(cfile_write(p("%s/ballot-%d", g.work, i + 1),
		    vbuf_ptr(b), vbuf_len(b)));
		if (i == 0) {
			ASSERT_OK(ballot_decode(rec_e, vbuf_ptr(b), vbuf_len(b),
			    &bd));
			memcpy(rec_ballot1, bd.contest[0], ELGAMAL_CT_LEN);
			rec_ballot1_len = ELGAMAL_CT_LEN;
		}
		vbuf_free(b);
	}
	ASSERT_OK(sign_key_generate(&rec_box_key));
	ASSERT_OK(sign_key_generate(&rec_committee_key));
	write_box();
	put_text("superseded.json", "[{\"position\":1,\"by\":2,\"reason\":"
	    "\"revote\"},{\"position\":4,\"by\":null,\"reason\":"
	    "\"admitted_in_person\"}]");
	put_text("admitted.json", "[\"cccccccccccccccccccccccccccccccc\"]");
	put_text("counted.json", "{\"positions\":[2,3]}");
	sign_key_public(rec_box_key, bpk);
	sign_key_public(rec_committee_key, cpk);
	hex_of(bpk, 32, bkh);
	hex_of(cpk, 32, ckh);
	hex_of(elgamal_key_encoded(rec_e->key), 65, kh);
	hex_of(rec_e->context_hash, 32, ch);
	ASSERT_OK(ceremony_context(rec_e->manifest_bytes, rec_e->manifest_len,
	    N, K, cctx));
	hex_of(cctx, 32, cch);
	snprintf(js, sizeof(js), "{\"format\":\"ippyo-record\",\"version\":1,"
	    "\"election_id\":\"%s\",\"created_us\":1,\"public_key\":\"%s\","
	    "\"context_hash\":\"%s\",\"test_single_key\":false,\"ceremony\":"
	    "{\"n\":5,\"k\":3,\"context\":\"%s\",\"qualified\":[1,3,4,5]},"
	    "\"box_key\":\"%s\",\"committee_key\":\"%s\","
	    "\"ballots_cast\":4,\"ballots_counted\":2}", ID, kh, ch, cch, bkh,
	    ckh);
	put_text("election.json", js);
	put_text("tally.json", tally_json(0));
}

/* Trustee j's shares from its decryption file: [contest][option]. */
static void
load_dshares(int j, uint8_t ds[2][3][DKG_DSHARE_LEN])
{
	json_error_t e;
	json_t *root = json_load_file(p("%s/rec/trustee-%02d.json", g.work, j),
	    JSON_REJECT_DUPLICATES, &e), *sh;
	size_t c, o;

	ASSERT_NOT_NULL(root);
	ASSERT_INT_EQ(json_integer_value(json_object_get(root, "trustee")), j);
	sh = json_object_get(root, "shares");
	ASSERT_INT_EQ(json_array_size(sh), 2);
	for (c = 0; c < 2; c++)
		for (o = 0; o < json_array_size(json_array_get(sh, c)); o++) {
			const json_t *v = json_array_get(json_array_get(sh, c), o);

			ASSERT_OK(ct_hex_decode(json_string_value(v),
			    json_string_length(v), ds[c][o], DKG_DSHARE_LEN));
		}
	json_decref(root);
}

/*
 * The counted ballots' nonces cancel for contest 0, option 2 (ballot 3's
 * alpha there made -alpha of ballot 2's; proofs are not the trustee's
 * check): that sum has the identity alpha and decrypt writes "" for it
 * (PROTOCOL-record §9) instead of failing.
 */
static void
identity_alpha_gets_no_share(void)
{
	struct point *a = group_point_new();
	struct ballot b2, b3;
	uint8_t *f2 = NULL, *f3 = NULL;
	size_t l2 = 0, l3 = 0, c, o;
	json_error_t e;
	json_t *root, *sh;

	ASSERT_OK(file_read(p("%s/ballot-2", g.work), 1 << 20, 0, &f2, &l2));
	ASSERT_OK(file_read(p("%s/ballot-3", g.work), 1 << 20, 0, &f3, &l3));
	ASSERT_OK(ballot_decode(rec_e, f2, l2, &b2));
	ASSERT_OK(ballot_decode(rec_e, f3, l3, &b3));
	ASSERT_OK(group_point_decode(a, b2.contest[0] + 2 * ELGAMAL_CT_LEN,
	    GROUP_POINT_LEN, 0));
	ASSERT_OK(group_point_neg(a, a));
	ASSERT_OK(group_point_encode(a, (uint8_t *)(uintptr_t)b3.contest[0] +
	    2 * ELGAMAL_CT_LEN, 0));
	ASSERT_OK(cfile_write(p("%s/ballot-3", g.work), f3, l3));
	write_box();
	put_text("tally.json", tally_json(0));
	RUN_OK(PASS, "ippyo-trustee", "decrypt", "--state",
	    p("%s/t3/state", g.work), "--record", p("%s/rec", g.work), "--out",
	    p("%s/rec/identity-03.json", g.work), "--passphrase-fd", "3");
	root = json_load_file(p("%s/rec/identity-03.json", g.work),
	    JSON_REJECT_DUPLICATES, &e);
	ASSERT_NOT_NULL(root);
	sh = json_object_get(root, "shares");
	for (c = 0; c < 2; c++)
		for (o = 0; o < json_array_size(json_array_get(sh, c)); o++)
			ASSERT_INT_EQ(json_string_length(json_array_get(
			    json_array_get(sh, c), o)), c == 0 && o == 2 ? 0 :
			    2 * DKG_DSHARE_LEN);
	json_decref(root);
	free(f2);
	free(f3);
	group_point_free(a);
}

TEST(trustees_decrypt_only_the_true_sums)
{
	static const uint64_t want[2][3] = { { 0, 2, 0 }, { 1, 1, 0 } };
	uint8_t ds[6][2][3][DKG_DSHARE_LEN];
	uint8_t *pubs[N], *f;
	struct dkg_params pp;
	struct bsgs_table *tab = NULL;
	struct point *mG = group_point_new(), *Pj = group_point_new();
	uint32_t qual[4] = { 1, 3, 4, 5 }, c, o;
	size_t l;
	int j;

	if (!g.finished)
		test_fail(__FILE__, __LINE__, "the ceremony test did not finish");
	build_record();
	/* a tally that is not the sum (one voter's ciphertext): refused */
	put_text("tally.json", tally_json(1));
	RUN_FAILS(PASS, "ippyo-trustee", "decrypt", "--state",
	    p("%s/t1/state", g.work), "--record", p("%s/rec", g.work), "--out",
	    p("%s/rec/trustee-01.json", g.work), "--passphrase-fd", "3");
	OUT_HAS("refusing to decrypt: tally.json: contest 0 option 0 is not the "
	    "sum of the counted ballots");
	ASSERT_INT_NE(access(p("%s/rec/trustee-01.json", g.work), F_OK), 0);
	put_text("tally.json", tally_json(0));
	/* a counted set against the rule: refused */
	put_text("counted.json", "{\"positions\":[1,2,3]}");
	RUN_FAILS(PASS, "ippyo-trustee", "decrypt", "--state",
	    p("%s/t1/state", g.work), "--record", p("%s/rec", g.work), "--out",
	    p("%s/rec/trustee-01.json", g.work), "--passphrase-fd", "3");
	OUT_HAS("counted.json: position 1 is counted but must not be");
	put_text("counted.json", "{\"positions\":[2,3]}");
	/*
	 * The box must be the one its keys signed: a forged checkpoint
	 * signature; a final checkpoint that is not the box's head (a box
	 * changed or cut after it was signed); keys other than the pinned.
	 */
	put_text("checkpoints.json", checkpoints_json(2, rec_codes[2], 4,
	    rec_codes[4], "periodic"));
	RUN_FAILS(PASS, "ippyo-trustee", "decrypt", "--state",
	    p("%s/t1/state", g.work), "--record", p("%s/rec", g.work), "--out",
	    p("%s/rec/trustee-01.json", g.work), "--passphrase-fd", "3");
	OUT_HAS("refusing to decrypt: checkpoints.json: checkpoint 1: the "
	    "signature does not verify");
	put_text("checkpoints.json", checkpoints_json(2, rec_codes[2], 4,
	    rec_codes[3], NULL));
	RUN_FAILS(PASS, "ippyo-trustee", "decrypt", "--state",
	    p("%s/t1/state", g.work), "--record", p("%s/rec", g.work), "--out",
	    p("%s/rec/trustee-01.json", g.work), "--passphrase-fd", "3");
	OUT_HAS("checkpoints.json: checkpoint 2: its tracking code is not the "
	    "box's at position 4");
	put_text("checkpoints.json", checkpoints_json(2, rec_codes[2], 3,
	    rec_codes[3], NULL));
	RUN_FAILS(PASS, "ippyo-trustee", "decrypt", "--state",
	    p("%s/t1/state", g.work), "--record", p("%s/rec", g.work), "--out",
	    p("%s/rec/trustee-01.json", g.work), "--passphrase-fd", "3");
	OUT_HAS("checkpoints.json: the final checkpoint is at position 3, but "
	    "the box holds 4 ballots");
	put_text("checkpoints.json", checkpoints_json(2, rec_codes[2], 4,
	    rec_codes[4], NULL));
	{
		uint8_t bpk[32], cpk[32];
		char bkh[65], ckh[65];

		sign_key_public(rec_box_key, bpk);
		sign_key_public(rec_committee_key, cpk);
		hex_of(bpk, 32, bkh);
		hex_of(cpk, 32, ckh);
		RUN_FAILS(PASS, "ippyo-trustee", "decrypt", "--state",
		    p("%s/t1/state", g.work), "--record", p("%s/rec", g.work),
		    "--out", p("%s/rec/trustee-01.json", g.work),
		    "--passphrase-fd", "3", "--box-key", bkh, "--committee-key",
		    bkh);
		OUT_HAS("refusing to decrypt: election.json: committee_key is "
		    "not the one you were given (--committee-key)");
		RUN_FAILS(PASS, "ippyo-trustee", "decrypt", "--state",
		    p("%s/t1/state", g.work), "--record", p("%s/rec", g.work),
		    "--out", p("%s/rec/trustee-01.json", g.work),
		    "--passphrase-fd", "3", "--box-key", ckh);
		OUT_HAS("election.json: box_key is not the one you were given");
		ASSERT_INT_NE(access(p("%s/rec/trustee-01.json", g.work), F_OK),
		    0);
		/* trustee 1 pins both and decrypts */
		RUN_OK(PASS, "ippyo-trustee", "decrypt", "--state",
		    p("%s/t1/state", g.work), "--record", p("%s/rec", g.work),
		    "--out", p("%s/rec/trustee-01.json", g.work),
		    "--passphrase-fd", "3", "--box-key", bkh, "--committee-key",
		    ckh);
		OUT_HAS(p("box key (server)     %s  (= --box-key)", bkh));
		OUT_HAS(p("committee key        %s  (= --committee-key)", ckh));
		OUT_HAS("the box: 4 ballots, 2 signed checkpoints");
		hex_of(rec_codes[4], 32, bkh);
		OUT_HAS(p("final tracking code  %s", bkh));
		OUT_HAS("COMPARE the ballot count and final tracking code with "
		    "the public bulletin board");
		load_dshares(1, ds[1]);
	}
	/* --out naming an existing file (here the trustee file): refused,
	 * the file untouched */
	{
		uint8_t *b0 = NULL, *b1 = NULL;
		size_t l0 = 0, l1 = 0;

		ASSERT_OK(file_read(p("%s/t1/state", g.work), 1 << 20, 0, &b0,
		    &l0));
		RUN_FAILS(PASS, "ippyo-trustee", "decrypt", "--state",
		    p("%s/t1/state", g.work), "--record", p("%s/rec", g.work),
		    "--out", p("%s/t1/state", g.work), "--passphrase-fd", "3");
		OUT_HAS("already exists");
		OUT_HAS("never replaces one");
		ASSERT_OK(file_read(p("%s/t1/state", g.work), 1 << 20, 0, &b1,
		    &l1));
		ASSERT_INT_EQ(l1, l0);
		ASSERT_MEM_EQ(b0, b1, l0);
		free(b0);
		free(b1);
	}
	/* the excluded trustee has no share to give */
	RUN_FAILS(PASS, "ippyo-trustee", "decrypt", "--state",
	    p("%s/t2/state", g.work), "--record", p("%s/rec", g.work), "--out",
	    p("%s/rec/trustee-02.json", g.work), "--passphrase-fd", "3");
	OUT_HAS("the ceremony is not finished for you");
	for (j = 3; j <= N; j++) {
		RUN_OK(PASS, "ippyo-trustee", "decrypt", "--state",
		    p("%s/t%d/state", g.work, j), "--record", p("%s/rec", g.work),
		    "--out", p("%s/rec/trustee-%02d.json", g.work, j),
		    "--passphrase-fd", "3");
		OUT_HAS("4 ballots cast, 2 counted, every aggregate is their sum");
		load_dshares(j, ds[j]);
	}
	/* every share verifies against P_j from the exported commitments */
	memset(&pp, 0, sizeof(pp));
	pp.n = N;
	pp.k = K;
	ASSERT_OK(ceremony_context(rec_e->manifest_bytes, rec_e->manifest_len,
	    N, K, pp.context));
	for (j = 1; j <= N; j++)
		ASSERT_OK(file_read(p("%s/ceremony/public-%02d.bin", g.work, j),
		    1 << 20, 0, &pubs[j - 1], &l));
	ASSERT_OK(bsgs_table_new(&tab, 100));
	for (c = 0; c < 2; c++) {
		struct contest_tally *ct;
		struct contest_spec spec;

		manifest_spec(rec_e->manifest, c, &spec);
		ASSERT_OK(contest_tally_new(&ct, spec.options));
		for (j = 2; j <= 3; j++) {
			struct ballot b;

			ASSERT_OK(file_read(p("%s/ballot-%d", g.work, j), 1 << 20, 0,
			    &f, &l));
			ASSERT_OK(ballot_decode(rec_e, f, l, &b));
			ASSERT_OK(contest_tally_add(ct, &spec, b.contest[c],
			    b.contest_len[c]));
			free(f);
		}
		for (o = 0; o < spec.options; o++) {
			const struct elgamal_ciphertext *sum = contest_tally_sum(ct, o);
			uint32_t idx3[3] = { 1, 4, 5 }, idx2[2] = { 3, 5 };
			const uint8_t *s3[3] = { ds[1][c][o], ds[4][c][o],
			    ds[5][c][o] };
			const uint8_t *s2[2] = { ds[3][c][o], ds[5][c][o] };
			struct dkg_params p2 = pp;
			uint64_t v = 0;

			for (j = 1; j <= N; j++) {
				if (j == 2)
					continue;
				ASSERT_OK(dkg_verification_key(&pp,
				    (const uint8_t *const *)pubs, qual, 4,
				    (uint32_t)j, Pj));
				ASSERT_OK(dkg_decrypt_share_verify(rec_e->context_hash,
				    (uint32_t)j, Pj, sum, ds[j][c][o],
				    DKG_DSHARE_LEN));
			}
			ASSERT_OK(dkg_combine(&pp, sum, idx3, s3, 3, mG));
			ASSERT_OK(bsgs_decode(tab, mG, &v));
			ASSERT_U64_EQ(v, want[c][o]);
			/* k - 1 = 2 trustees: refused, and forced they are wrong */
			ASSERT_ERR(dkg_combine(&pp, sum, idx2, s2, 2, mG),
			    ERR_RANGE);
			p2.k = 2;
			ASSERT_OK(dkg_combine(&p2, sum, idx2, s2, 2, mG));
			if (bsgs_decode(tab, mG, &v) == 0)
				ASSERT_TRUE(v != want[c][o]);
		}
		contest_tally_free(ct);
	}
	identity_alpha_gets_no_share();
	for (j = 0; j < N; j++)
		free(pubs[j]);
	bsgs_table_free(tab);
	group_point_free(mG);
	group_point_free(Pj);
	election_free(rec_e);
	sign_key_free(rec_box_key);
	sign_key_free(rec_committee_key);
	testdb_free(g.db, g.name);
	/* the work directory holds only test files */
	{
		pid_t pid = fork();
		int st;

		if (pid == 0) {
			execl("/bin/rm", "rm", "-rf", g.work, (char *)NULL);
			_exit(127);
		}
		waitpid(pid, &st, 0);
	}
}
