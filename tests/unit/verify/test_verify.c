/*
 * test_verify.c - ippyo-verify against records from the generator
 * (tests/harness/recgen.h): the honest record passes; every alteration
 * the issue lists makes it fail at the exact check (docs/VERIFY.md),
 * with INDEX re-signed by the committee's key (and the chain and the
 * checkpoints redone where needed) so that the deeper check is reached,
 * and unsigned tampering is caught by V1.
 */
#define _GNU_SOURCE	/* memmem */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "audit/archive.h"
#include "audit/engine.h"
#include "audit/log.h"
#include "audit/verify.h"
#include "core/err.h"
#include "core/file.h"
#include "crypto/ct.h"
#include "crypto/digest.h"
#include "crypto/rand.h"
#include "crypto/sign.h"
#include "tests/harness/recgen.h"
#include "tests/harness/test.h"

#define SEED "verify-tests"

struct base {
	int made;
	char dir[300];		/* the honest record */
	struct recgen_result res;
	struct sign_key *committee, *box;	/* the generator's keys */
};

static struct base ceremony_rec, test_rec, tiny_rec;
static char top[200];

/* ---- files ---------------------------------------------------------- */

static void
rm_rf(const char *dir)
{
	char p[1024];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			rm_rf(p);
		else
			unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

static uint8_t *
rd(const char *dir, const char *name, size_t *len)
{
	char p[1024];
	uint8_t *b = NULL;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if (file_read(p, 1u << 30, 0, &b, len) != 0)
		test_fail(__FILE__, __LINE__, "cannot read %s", p);
	return b;
}

static void
wr(const char *dir, const char *name, const void *data, size_t len)
{
	char p[1024];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if ((f = fopen(p, "wb")) == NULL ||
	    fwrite(data, 1, len, f) != len || fclose(f) != 0)
		test_fail(__FILE__, __LINE__, "cannot write %s", p);
}

/* Names of the record's files (two levels), sorted, without INDEX*. */
static size_t
list(const char *dir, char names[][128], size_t max)
{
	static const char *const subs[] = { "", "ceremony", "decryption" };
	size_t n = 0, i, j;

	for (i = 0; i < 3; i++) {
		char p[400];
		struct dirent *de;
		DIR *d;

		snprintf(p, sizeof(p), "%s%s%s", dir, subs[i][0] ? "/" : "",
		    subs[i]);
		if ((d = opendir(p)) == NULL)
			continue;
		while ((de = readdir(d)) != NULL && n < max) {
			struct stat st;
			char q[768];

			snprintf(q, sizeof(q), "%s/%s", p, de->d_name);
			if (de->d_name[0] == '.' || stat(q, &st) != 0 ||
			    !S_ISREG(st.st_mode))
				continue;
			if (i == 0 && (strcmp(de->d_name, "INDEX") == 0 ||
			    strcmp(de->d_name, "INDEX.sig") == 0))
				continue;
			if (strlen(de->d_name) > 100)
				continue;
			snprintf(names[n++], 128, "%s%s%.100s", subs[i],
			    subs[i][0] ? "/" : "", de->d_name);
		}
		closedir(d);
	}
	for (i = 1; i < n; i++)	/* insertion sort, bytewise */
		for (j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			char t[128];

			memcpy(t, names[j], 128);
			memcpy(names[j], names[j - 1], 128);
			memcpy(names[j - 1], t, 128);
		}
	return n;
}

static void
copy_rec(const char *src, const char *dst)
{
	char names[128][128], p[512];
	size_t n = list(src, names, 128), i, len;

	mkdir(dst, 0755);
	snprintf(p, sizeof(p), "%s/ceremony", dst);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/decryption", dst);
	mkdir(p, 0755);
	for (i = 0; i < n; i++) {
		uint8_t *b = rd(src, names[i], &len);

		wr(dst, names[i], b, len);
		free(b);
	}
	{
		uint8_t *b = rd(src, "INDEX", &len);

		wr(dst, "INDEX", b, len);
		free(b);
		b = rd(src, "INDEX.sig", &len);
		wr(dst, "INDEX.sig", b, len);
		free(b);
	}
}

/* Rewrites INDEX and signs it with key (the committee's unless given). */
static void
reseal_with(const struct base *b, const char *dir, struct sign_key *key)
{
	char names[128][128], hex[130], idx[128 * 200];
	uint8_t h[32], sig[64], pk[32];
	size_t n = list(dir, names, 128), i, len, off = 0;
	char js[400];

	for (i = 0; i < n; i++) {
		uint8_t *d = rd(dir, names[i], &len);

		digest_sha256(d, len, h);
		free(d);
		ASSERT_OK(ct_hex_encode(h, 32, hex, sizeof(hex)));
		off += (size_t)snprintf(idx + off, sizeof(idx) - off,
		    "%s  %s\n", hex, names[i]);
	}
	wr(dir, "INDEX", idx, off);
	ASSERT_OK(sign_sign(key ? key : b->committee, "record-index",
	    (const uint8_t *)idx, off, sig));
	sign_key_public(key ? key : b->committee, pk);
	ASSERT_OK(ct_hex_encode(pk, 32, hex, sizeof(hex)));
	off = (size_t)snprintf(js, sizeof(js), "{\"public_key\": \"%s\", ",
	    hex);
	ASSERT_OK(ct_hex_encode(sig, 64, hex, sizeof(hex)));
	off += (size_t)snprintf(js + off, sizeof(js) - off,
	    "\"signature\": \"%s\"}\n", hex);
	wr(dir, "INDEX.sig", js, off);
}

static void
reseal(const struct base *b, const char *dir)
{
	reseal_with(b, dir, NULL);
}

/* ---- ballots.bin ---------------------------------------------------- */

struct entry {
	size_t off, len;	/* the entry's bytes in ballots.bin */
	size_t bhash, code;	/* offsets of its ballot hash and code */
	size_t at, at_len;	/* received_at */
	size_t ballot, ballot_len;
};

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
put64(uint8_t *p, uint64_t x)
{
	int i;

	for (i = 7; i >= 0; i--, x >>= 8)
		p[i] = (uint8_t)x;
}

/* Splits ballots.bin (trusted: the generator wrote it). */
static size_t
entries(const uint8_t *b, size_t len, struct entry *e, size_t max)
{
	size_t off = 17, n = 0;

	while (off < len && n < max) {
		struct entry *x = &e[n++];

		x->off = off;
		off += 8;
		off += 4 + get32(b + off);
		x->bhash = off;
		off += 32;
		x->code = off;
		off += 32;
		x->at_len = get32(b + off);
		x->at = off + 4;
		off += 4 + x->at_len;
		x->ballot_len = get32(b + off);
		x->ballot = off + 4;
		off += 4 + x->ballot_len;
		x->len = off - x->off;
	}
	return n;
}

static void
be32(uint8_t *p, uint32_t x)
{
	p[0] = (uint8_t)(x >> 24);
	p[1] = (uint8_t)(x >> 16);
	p[2] = (uint8_t)(x >> 8);
	p[3] = (uint8_t)x;
}

/*
 * Recomputes every ballot hash and tracking code of ballots.bin and
 * re-signs checkpoints.json for the new chain: what a dishonest box
 * holding both keys would do to hide a changed ballot.
 */
static void
rechain(const struct base *bs, const char *dir)
{
	static struct entry e[4096];
	static uint8_t chain[4097][32];
	size_t len, n, i, clen, off = 0;
	uint8_t *b = rd(dir, "ballots.bin", &len);
	char *cp = (char *)rd(dir, "checkpoints.json", &clen), *s;
	char out[65536];
	struct digest *d;

	n = entries(b, len, e, 4096);
	d = digest_new();
	digest_put(d, "ippyo-track-v1", 14);
	digest_put(d, bs->res.context_hash, 32);
	digest_final(d, chain[0]);
	for (i = 0; i < n; i++) {
		d = digest_new();
		digest_put(d, "ippyo-ballot-v1", 15);
		digest_put(d, b + e[i].ballot, e[i].ballot_len);
		digest_final(d, b + e[i].bhash);
		d = digest_new();
		digest_put(d, "ippyo-track-v1", 14);
		digest_put(d, bs->res.context_hash, 32);
		digest_put(d, chain[i], 32);
		digest_put_u64(d, i + 1);
		digest_put(d, b + e[i].bhash, 32);
		digest_put_string(d, b + e[i].at, e[i].at_len);
		digest_final(d, chain[i + 1]);
		memcpy(b + e[i].code, chain[i + 1], 32);
	}
	wr(dir, "ballots.bin", b, len);
	free(b);
	/* Each checkpoint: same position, time and kind, new code. */
	off += (size_t)snprintf(out + off, sizeof(out) - off, "[");
	for (s = cp; (s = strstr(s, "\"position\": ")) != NULL; ) {
		uint8_t msg[256], sig[64], pk[32];
		char at[28], hexc[65], hexs[129], hexk[65];
		unsigned long long pos = strtoull(s + 12, NULL, 10);
		int fin;
		size_t il = strlen(bs->res.election_id), m = 0;
		char *a = strstr(s, "\"at\": \"");
		struct sign_key *k;

		memcpy(at, a + 7, 27);
		at[27] = '\0';
		fin = strncmp(strstr(s, "\"final\": ") + 9, "true", 4) == 0;
		k = fin ? bs->committee : bs->box;
		be32(msg, (uint32_t)il);
		memcpy(msg + 4, bs->res.election_id, il);
		m = 4 + il;
		put64(msg + m, pos);
		m += 8;
		memcpy(msg + m, chain[pos], 32);
		m += 32;
		be32(msg + m, 27);
		memcpy(msg + m + 4, at, 27);
		m += 31;
		ASSERT_OK(sign_sign(k, fin ? "box-final" : "box-checkpoint",
		    msg, m, sig));
		sign_key_public(k, pk);
		ASSERT_OK(ct_hex_encode(chain[pos], 32, hexc, sizeof(hexc)));
		ASSERT_OK(ct_hex_encode(sig, 64, hexs, sizeof(hexs)));
		ASSERT_OK(ct_hex_encode(pk, 32, hexk, sizeof(hexk)));
		off += (size_t)snprintf(out + off, sizeof(out) - off,
		    "%s\n {\"position\": %llu, \"tracking_code\": \"%s\", "
		    "\"at\": \"%s\", \"final\": %s, \"public_key\": \"%s\", "
		    "\"signature\": \"%s\"}", off > 1 ? "," : "", pos, hexc,
		    at, fin ? "true" : "false", hexk, hexs);
		s += 12;
	}
	off += (size_t)snprintf(out + off, sizeof(out) - off, "\n]\n");
	wr(dir, "checkpoints.json", out, off);
	free(cp);
}

/* ---- text edits ----------------------------------------------------- */

/* Replaces the first occurrence of from (after skip bytes) with to. */
static void
edit(const char *dir, const char *name, const char *from, const char *to)
{
	size_t len, fl = strlen(from), tl = strlen(to);
	char *b = (char *)rd(dir, name, &len), *p, *o;

	if ((p = memmem(b, len, from, fl)) == NULL)
		test_fail(__FILE__, __LINE__, "%s: no \"%s\"", name, from);
	o = malloc(len - fl + tl + 1);
	memcpy(o, b, (size_t)(p - b));
	memcpy(o + (p - b), to, tl);
	memcpy(o + (p - b) + tl, p + fl, len - (size_t)(p - b) - fl);
	wr(dir, name, o, len - fl + tl);
	free(o);
	free(b);
}

/* Changes one hex digit: the n-th after the first "key": "" */
static void
edit_hex(const char *dir, const char *name, const char *key, size_t n)
{
	size_t len;
	char *b = (char *)rd(dir, name, &len), *p;

	if (key[0] == '\0')
		p = b + n;	/* a bare hex digit at offset n */
	else if ((p = strstr(b, key)) == NULL)
		test_fail(__FILE__, __LINE__, "%s: no %s", name, key);
	else
		p = strchr(p + strlen(key), '"') + 1 + n;
	*p = *p == '0' ? '1' : '0';
	wr(dir, name, b, len);
	free(b);
}

/* ---- records -------------------------------------------------------- */

static void
make_base(struct base *b, const struct recgen_opts *o, const char *name)
{
	uint8_t s1[32], s2[32], pk[32];

	if (b->made)
		return;
	if (top[0] == '\0') {
		snprintf(top, sizeof(top), "/tmp/ippyo-verify-test.XXXXXX");
		if (mkdtemp(top) == NULL)
			test_fail(__FILE__, __LINE__, "mkdtemp");
	}
	snprintf(b->dir, sizeof(b->dir), "%s/%s", top, name);
	ASSERT_OK(recgen_run(o, b->dir, &b->res));
	/* The generator's first two draws are the committee's and the
	 * box's key seeds; checked against the keys it reports. */
	rand_test_seed(o->seed, strlen(o->seed));
	ASSERT_OK(rand_bytes(s1, 32));
	ASSERT_OK(rand_bytes(s2, 32));
	rand_test_clear();
	ASSERT_OK(sign_key_from_seed(s1, &b->committee));
	ASSERT_OK(sign_key_from_seed(s2, &b->box));
	sign_key_public(b->committee, pk);
	ASSERT_MEM_EQ(pk, b->res.committee_key, 32);
	sign_key_public(b->box, pk);
	ASSERT_MEM_EQ(pk, b->res.box_key, 32);
	b->made = 1;
}

/* 2-of-5 trustees, one excluded by a justified complaint, one absent. */
static struct base *
ceremony(void)
{
	struct recgen_opts o;

	recgen_opts_default(&o);
	o.seed = SEED "-ceremony";
	o.ballots = 40;
	o.contests = 2;
	o.options = 3;
	o.min = 0;
	o.max = 2;
	o.trustees = 5;
	o.threshold = 2;
	o.cheater = 2;
	o.absent = 1u << 1;
	o.revote_pct = 25;
	o.admitted_pct = 15;
	o.admitted_extra = 1;
	o.checkpoint_every = 10;
	make_base(&ceremony_rec, &o, "ceremony");
	return &ceremony_rec;
}

static struct base *
testkey(void)
{
	struct recgen_opts o;

	recgen_opts_default(&o);
	o.seed = SEED "-testkey";
	o.ballots = 12;
	o.test_key = 1;
	o.revote_pct = 20;
	make_base(&test_rec, &o, "testkey");
	return &test_rec;
}

/* The smallest: for the byte-by-byte sweep of a ballot. */
static struct base *
tiny(void)
{
	struct recgen_opts o;

	recgen_opts_default(&o);
	o.seed = SEED "-tiny";
	o.ballots = 3;
	o.options = 2;
	o.min = 0;
	o.max = 1;
	o.test_key = 1;
	o.revote_pct = 0;
	make_base(&tiny_rec, &o, "tiny");
	return &tiny_rec;
}

static int
run(const char *path, const struct verify_opts *in, struct verify_report *rep)
{
	struct verify_opts o;

	if (in != NULL)
		o = *in;
	else {
		memset(&o, 0, sizeof(o));
		o.threads = 2;
	}
	return verify_record(path, &o, rep);
}

/* A fresh copy of b to alter. */
static const char *
work(const struct base *b)
{
	static char dir[300];
	static unsigned n;

	snprintf(dir, sizeof(dir), "%s/work-%u", top, n++);
	copy_rec(b->dir, dir);
	return dir;
}

/* The record at dir fails, first at check want. */
#define EXPECT_FAIL(dir, want) do { struct verify_report rep_; \
	int r_ = run((dir), NULL, &rep_); \
	if (r_ != ERR_VERIFY || rep_.first_fail != (want)) \
		test_fail(__FILE__, __LINE__, "want V%d, got %s first V%d: %s", \
		    (want), err_name(r_), rep_.first_fail, \
		    rep_.first_fail ? rep_.what[rep_.first_fail] : ""); \
	rm_rf(dir); } while (0)

/* ... and the first failure of that check says text. */
#define EXPECT_FAIL_WHAT(dir, want, text) do { struct verify_report rep_; \
	int r_ = run((dir), NULL, &rep_); \
	if (r_ != ERR_VERIFY || rep_.first_fail != (want) || \
	    strstr(rep_.what[want], (text)) == NULL) \
		test_fail(__FILE__, __LINE__, "want V%d \"%s\", got %s first " \
		    "V%d: %s", (want), (text), err_name(r_), rep_.first_fail, \
		    rep_.first_fail ? rep_.what[rep_.first_fail] : ""); \
	rm_rf(dir); } while (0)

/* ---- the honest records --------------------------------------------- */

TEST(verify_honest_ceremony_record_passes)
{
	struct base *b = ceremony();
	struct verify_report rep;
	struct verify_opts o;
	int i;

	memset(&o, 0, sizeof(o));
	o.committee_key = b->res.committee_key;
	o.box_key = b->res.box_key;
	o.threads = 2;
	ASSERT_OK(run(b->dir, &o, &rep));
	for (i = 1; i <= VERIFY_CHECKS; i++)
		ASSERT_INT_EQ(rep.status[i], VERIFY_PASS);
	ASSERT_INT_EQ(rep.first_fail, 0);
	ASSERT_FALSE(rep.test_single_key);
}

TEST(verify_honest_record_one_thread_and_many)
{
	struct base *b = ceremony();
	struct verify_report rep;
	struct verify_opts o;

	memset(&o, 0, sizeof(o));
	o.threads = 1;
	ASSERT_OK(run(b->dir, &o, &rep));
	o.threads = 7;
	ASSERT_OK(run(b->dir, &o, &rep));
	/* Unpinned keys: a warning, not a failure. */
	ASSERT_INT_EQ(rep.status[2], VERIFY_WARN);
}

TEST(verify_honest_test_key_record_passes_and_says_test_only)
{
	struct base *b = testkey();
	struct verify_report rep;

	ASSERT_OK(run(b->dir, NULL, &rep));
	ASSERT_TRUE(rep.test_single_key);
	ASSERT_INT_EQ(rep.status[4], VERIFY_WARN);
	ASSERT_TRUE(strstr(rep.what[4], "TEST-ONLY") != NULL);
}

TEST(verify_honest_archive_passes)
{
	struct recgen_opts o;
	struct verify_report rep;
	char path[300];
	struct base *b = testkey();	/* makes top */

	(void)b;
	recgen_opts_default(&o);
	o.seed = SEED "-tar";
	o.ballots = 10;
	o.trustees = 3;
	o.threshold = 2;
	o.tar = 1;
	snprintf(path, sizeof(path), "%s/rec.tar", top);
	ASSERT_OK(recgen_run(&o, path, NULL));
	ASSERT_OK(run(path, NULL, &rep));
	/* A truncated archive is no record at all. */
	{
		size_t len;
		uint8_t *d = rd(top, "rec.tar", &len);

		wr(top, "cut.tar", d, len - 700);
		free(d);
		snprintf(path, sizeof(path), "%s/cut.tar", top);
		ASSERT_INT_NE(run(path, NULL, &rep), 0);
		ASSERT_INT_NE(run(path, NULL, &rep), ERR_VERIFY);
		ASSERT_TRUE(rep.unusable[0] != '\0');
	}
}

TEST(verify_honest_record_passes_gcrypt_when_built)
{
	struct base *b = ceremony();
	struct verify_report rep;
	struct verify_opts o;
	int i;

	memset(&o, 0, sizeof(o));
	o.engine = engine_by_name("gcrypt");
	if (o.engine == NULL) {
		fprintf(stderr, "NOTE: the gcrypt engine is not built here: "
		    "only the openssl engine was exercised\n");
		return;
	}
	o.threads = 2;
	ASSERT_OK(run(b->dir, &o, &rep));
	for (i = 1; i <= VERIFY_CHECKS; i++)
		ASSERT_INT_NE(rep.status[i], VERIFY_FAIL);
	/* And it fails a bad proof too. */
	{
		const char *d = work(b);
		size_t len;
		uint8_t *bb = rd(d, "ballots.bin", &len);
		struct entry e[64];

		entries(bb, len, e, 64);
		bb[e[3].ballot + e[3].ballot_len - 5] ^= 1;
		wr(d, "ballots.bin", bb, len);
		free(bb);
		rechain(b, d);
		reseal(b, d);
		ASSERT_ERR(run(d, &o, &rep), ERR_VERIFY);
		ASSERT_INT_EQ(rep.first_fail, 7);
		rm_rf(d);
	}
}

/*
 * Packs the record at dir into path under top: INDEX, INDEX.sig, then
 * the rest in INDEX order (reversed when reverse; with sig_first
 * INDEX.sig before INDEX).
 */
static void
pack(const char *dir, const char *path, const char *topdir, int sig_first,
    int reverse)
{
	char names[128][128], fp[700];
	size_t n = list(dir, names, 128), i;
	struct archive_writer *w = NULL;
	FILE *f = fopen(path, "wb");

	ASSERT_NOT_NULL(f);
	ASSERT_OK(archive_writer_new(f, topdir, 1700000000, &w));
	snprintf(fp, sizeof(fp), "%s/%s", dir, sig_first ? "INDEX.sig" :
	    "INDEX");
	ASSERT_OK(archive_add_file(w, sig_first ? "INDEX.sig" : "INDEX", fp));
	snprintf(fp, sizeof(fp), "%s/%s", dir, sig_first ? "INDEX" :
	    "INDEX.sig");
	ASSERT_OK(archive_add_file(w, sig_first ? "INDEX" : "INDEX.sig", fp));
	for (i = 0; i < n; i++) {
		const char *nm = names[reverse ? n - 1 - i : i];

		snprintf(fp, sizeof(fp), "%s/%s", dir, nm);
		ASSERT_OK(archive_add_file(w, nm, fp));
	}
	ASSERT_OK(archive_finish(w));
	ASSERT_INT_EQ(fclose(f), 0);
}

TEST(verify_archive_top_directory_and_order)
{
	struct base *b = testkey();
	struct verify_report rep;
	char path[400], top2[200];

	snprintf(path, sizeof(path), "%s/form.tar", top);
	/* "<id>-record", as both writers name it. */
	snprintf(top2, sizeof(top2), "%.100s-record", b->res.election_id);
	pack(b->dir, path, top2, 0, 0);
	ASSERT_OK(run(path, NULL, &rep));
	unlink(path);
	/* The bare id is not the documented name. */
	pack(b->dir, path, b->res.election_id, 0, 0);
	EXPECT_FAIL_WHAT(path, 1, "top directory is not named after "
	    "election");
	/* Another election's name. */
	pack(b->dir, path, "other-2027", 0, 0);
	EXPECT_FAIL_WHAT(path, 1, "top directory is not named after "
	    "election");
	snprintf(top2, sizeof(top2), "%.100s-recordx", b->res.election_id);
	pack(b->dir, path, top2, 0, 0);
	EXPECT_FAIL_WHAT(path, 1, "top directory is not named after "
	    "election");
	/* INDEX.sig first. */
	snprintf(top2, sizeof(top2), "%.100s-record", b->res.election_id);
	pack(b->dir, path, top2, 1, 0);
	EXPECT_FAIL_WHAT(path, 1, "does not start with INDEX and INDEX.sig");
	/* The rest not in INDEX order. */
	pack(b->dir, path, top2, 0, 1);
	EXPECT_FAIL_WHAT(path, 1, "not in INDEX order");
}

/* ---- not a record --------------------------------------------------- */

TEST(verify_unusable_inputs)
{
	struct verify_report rep;
	char p[300];

	ASSERT_ERR(run("/nonexistent/record", NULL, &rep), ERR_NOT_FOUND);
	testkey();
	snprintf(p, sizeof(p), "%s/empty", top);
	mkdir(p, 0755);
	ASSERT_ERR(run(p, NULL, &rep), ERR_FORMAT);
	ASSERT_TRUE(strstr(rep.unusable, "not an election record") != NULL);
	/* A file over its size limit. */
	{
		const char *d = work(testkey());
		char *big = calloc(1, 70000);

		memset(big, ' ', 70000);
		wr(d, "election.json", big, 70000);
		free(big);
		ASSERT_ERR(run(d, NULL, &rep), ERR_TOO_LARGE);
		ASSERT_TRUE(strstr(rep.unusable, "election.json") != NULL);
		rm_rf(d);
	}
}

/* ---- V1: INDEX and its signature ------------------------------------ */

TEST(verify_v1_unsigned_tampering)
{
	struct base *b = ceremony();
	static const char *const files[] = { "ballots.bin", "results.json",
	    "tally.json", "counted.json", "audit.json", "election.json",
	    "ceremony/public-03.bin", "decryption/trustee-04.json",
	    "results.txt", "manifest.bin" };
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		const char *d = work(b);
		size_t len;
		uint8_t *x = rd(d, files[i], &len);

		x[len / 2] ^= 0x01;
		wr(d, files[i], x, len);
		free(x);
		EXPECT_FAIL(d, 1);
	}
}

TEST(verify_v1_index_and_signature)
{
	struct base *b = ceremony();
	const char *d;
	size_t len;
	char *x;

	/* A hash line changed, INDEX not re-signed. */
	d = work(b);
	edit_hex(d, "INDEX", "", 0);
	EXPECT_FAIL(d, 1);
	/* The signature altered. */
	d = work(b);
	edit_hex(d, "INDEX.sig", "\"signature\": ", 10);
	EXPECT_FAIL(d, 1);
	/* Signed by another key (the box's). */
	d = work(b);
	reseal_with(b, d, b->box);
	EXPECT_FAIL(d, 1);
	/* An extra file, even listed and signed. */
	d = work(b);
	wr(d, "notes.txt", "hello\n", 6);
	reseal(b, d);
	EXPECT_FAIL(d, 1);
	/* An extra file not listed, under a name this record could have
	 * (trustee 2 was excluded and gave no shares). */
	d = work(b);
	wr(d, "decryption/trustee-02.json", "{}", 2);
	EXPECT_FAIL_WHAT(d, 1, "decryption/trustee-02.json is present but "
	    "not in INDEX");
	/* An extra directory, even empty, even with INDEX re-signed. */
	d = work(b);
	{
		char p[400];

		snprintf(p, sizeof(p), "%s/extra", d);
		ASSERT_INT_EQ(mkdir(p, 0755), 0);
	}
	reseal(b, d);
	EXPECT_FAIL_WHAT(d, 1, "extra is not a regular file");
	/* A file missing, INDEX re-signed without it. */
	d = work(b);
	{
		char p[400];

		snprintf(p, sizeof(p), "%s/results.txt", d);
		unlink(p);
	}
	reseal(b, d);
	EXPECT_FAIL(d, 1);
	/* INDEX out of order (two lines swapped), re-signed. */
	d = work(b);
	x = (char *)rd(d, "INDEX", &len);
	{
		char *l2 = strchr(x, '\n') + 1, *l3 = strchr(l2, '\n') + 1;
		size_t a = (size_t)(l2 - x), bl = (size_t)(l3 - l2);
		char *o = malloc(len);
		uint8_t sig[64];
		char hex[129], js[300];

		memcpy(o, l2, bl);
		memcpy(o + bl, x, a);
		memcpy(o + a + bl, l3, len - a - bl);
		wr(d, "INDEX", o, len);
		ASSERT_OK(sign_sign(b->committee, "record-index",
		    (uint8_t *)o, len, sig));
		ASSERT_OK(ct_hex_encode(sig, 64, hex, sizeof(hex)));
		{
			char pk[65];

			ASSERT_OK(ct_hex_encode(b->res.committee_key, 32, pk,
			    sizeof(pk)));
			snprintf(js, sizeof(js), "{\"public_key\": \"%s\", "
			    "\"signature\": \"%s\"}\n", pk, hex);
		}
		wr(d, "INDEX.sig", js, strlen(js));
		free(o);
	}
	free(x);
	EXPECT_FAIL(d, 1);
	/* A symbolic link in the record. */
	d = work(b);
	{
		char p[400];

		snprintf(p, sizeof(p), "%s/extra", d);
		ASSERT_INT_EQ(symlink("/etc/passwd", p), 0);
	}
	EXPECT_FAIL(d, 1);
}

/* ---- V2: pinned keys ------------------------------------------------ */

TEST(verify_v2_pinned_keys_must_match)
{
	struct base *b = ceremony();
	struct verify_report rep;
	struct verify_opts o;
	uint8_t other[32];

	memset(&o, 0, sizeof(o));
	memcpy(other, b->res.committee_key, 32);
	other[0] ^= 1;
	o.committee_key = other;
	ASSERT_ERR(run(b->dir, &o, &rep), ERR_VERIFY);
	ASSERT_INT_EQ(rep.first_fail, 2);
	o.committee_key = b->res.committee_key;
	o.box_key = other;
	ASSERT_ERR(run(b->dir, &o, &rep), ERR_VERIFY);
	ASSERT_INT_EQ(rep.first_fail, 2);
	/* A record re-signed by someone else's committee key passes V1
	 * (it is self-consistent) but fails the pinned key. */
	{
		const char *d = work(b);
		char hex[65], pk_new[65];
		uint8_t pk[32];

		ASSERT_OK(ct_hex_encode(b->res.committee_key, 32, hex,
		    sizeof(hex)));
		sign_key_public(b->box, pk);
		ASSERT_OK(ct_hex_encode(pk, 32, pk_new, sizeof(pk_new)));
		edit(d, "election.json", hex, pk_new);
		reseal_with(b, d, b->box);
		o.box_key = NULL;
		ASSERT_ERR(run(d, &o, &rep), ERR_VERIFY);
		ASSERT_INT_EQ(rep.status[1], VERIFY_PASS);
		ASSERT_INT_EQ(rep.status[2], VERIFY_FAIL);
		rm_rf(d);
	}
}

/* ---- V3: election and parameters ------------------------------------ */

TEST(verify_v3_election_parameters)
{
	struct base *b = ceremony(), *t = testkey();
	char hex[131], other[131];
	const char *d;

	/* Another (valid) public key. */
	ASSERT_OK(ct_hex_encode(b->res.public_key, 65, hex, sizeof(hex)));
	ASSERT_OK(ct_hex_encode(t->res.public_key, 65, other, sizeof(other)));
	d = work(b);
	edit(d, "election.json", hex, other);
	reseal(b, d);
	EXPECT_FAIL(d, 3);
	/* Not a point at all. */
	d = work(b);
	other[100] = other[100] == 'a' ? 'b' : 'a';
	edit(d, "election.json", hex, other);
	reseal(b, d);
	EXPECT_FAIL(d, 3);
	/* The context hash. */
	d = work(b);
	edit_hex(d, "election.json", "\"context_hash\": ", 5);
	reseal(b, d);
	EXPECT_FAIL(d, 3);
	/* Strict JSON: a duplicate key, an unknown key, a float, hex in
	 * upper case. */
	d = work(b);
	edit(d, "election.json", "\"version\": 1", "\"version\": 1, "
	    "\"version\": 1");
	reseal(b, d);
	EXPECT_FAIL(d, 3);
	d = work(b);
	edit(d, "election.json", "\"version\": 1", "\"version\": 1, "
	    "\"extra\": 0");
	reseal(b, d);
	EXPECT_FAIL(d, 3);
	d = work(b);
	edit(d, "election.json", "\"version\": 1", "\"version\": 1.0");
	reseal(b, d);
	EXPECT_FAIL(d, 3);
	d = work(b);
	edit(d, "election.json", "\"ballots_cast\": 40",
	    "\"ballots_cast\": 9007199254740992");
	reseal(b, d);
	EXPECT_FAIL(d, 3);
	/* test_single_key flipped on a ceremony record. */
	d = work(b);
	edit(d, "election.json", "\"test_single_key\": false",
	    "\"test_single_key\": true");
	reseal(b, d);
	EXPECT_FAIL(d, 3);	/* a test-only key with a ceremony */
	/* The manifest changed (its id kept): the context hash fails. */
	d = work(b);
	edit(d, "manifest.bin", "Contest 1", "Contest 9");
	reseal(b, d);
	EXPECT_FAIL(d, 3);
}

/* ---- V4: the ceremony ----------------------------------------------- */

TEST(verify_v4_ceremony)
{
	struct base *b = ceremony();
	const char *d;
	size_t len;
	uint8_t *x;

	/* A trustee's commitment C_30 changed. */
	d = work(b);
	x = rd(d, "ceremony/public-03.bin", &len);
	x[162 + 40] ^= 0x01;
	wr(d, "ceremony/public-03.bin", x, len);
	free(x);
	reseal(b, d);
	EXPECT_FAIL(d, 4);
	/* k changed (still n >= 2k - 1). */
	d = work(b);
	edit(d, "election.json", "\"k\": 2", "\"k\": 3");
	reseal(b, d);
	EXPECT_FAIL(d, 4);
	/* n changed: a public message missing. */
	d = work(b);
	edit(d, "election.json", "\"n\": 5", "\"n\": 6");
	reseal(b, d);
	EXPECT_FAIL(d, 1);
	/* n below a qualified index. */
	d = work(b);
	edit(d, "election.json", "\"n\": 5", "\"n\": 4");
	reseal(b, d);
	EXPECT_FAIL(d, 3);
	/* The stated qualified set keeps the cheater. */
	d = work(b);
	edit(d, "election.json", "[1, 3, 4, 5]", "[1, 2, 3, 4, 5]");
	reseal(b, d);
	EXPECT_FAIL(d, 4);
	/* The complaint removed: trustee 2 would be qualified. */
	d = work(b);
	wr(d, "ceremony/complaints.json", "[]\n", 3);
	reseal(b, d);
	EXPECT_FAIL(d, 4);
	/* The ceremony context. */
	d = work(b);
	edit_hex(d, "election.json", "\"context\": ", 3);
	reseal(b, d);
	EXPECT_FAIL(d, 4);
}

/* ---- V5-V7: the ballots, the chain, the proofs ---------------------- */

TEST(verify_v5_v6_box_entries)
{
	struct base *b = ceremony();
	static struct entry e[64];
	const char *d;
	size_t len, n;
	uint8_t *x;

	/* A dropped ballot (the last), count fixed. */
	d = work(b);
	x = rd(d, "ballots.bin", &len);
	n = entries(x, len, e, 64);
	put64(x + 9, n - 1);
	wr(d, "ballots.bin", x, e[n - 1].off);
	free(x);
	reseal(b, d);
	EXPECT_FAIL(d, 5);
	/* A dropped ballot in the middle: the chain breaks. */
	d = work(b);
	x = rd(d, "ballots.bin", &len);
	n = entries(x, len, e, 64);
	put64(x + 9, n - 1);
	memmove(x + e[5].off, x + e[6].off, len - e[6].off);
	wr(d, "ballots.bin", x, len - e[5].len);
	free(x);
	edit(d, "election.json", "\"ballots_cast\": 40",
	    "\"ballots_cast\": 39");
	reseal(b, d);
	EXPECT_FAIL(d, 6);
	/* A duplicated ballot, appended with the next position. */
	d = work(b);
	x = rd(d, "ballots.bin", &len);
	n = entries(x, len, e, 64);
	x = realloc(x, len + e[2].len);
	memcpy(x + len, x + e[2].off, e[2].len);
	put64(x + len, n + 1);
	put64(x + 9, n + 1);
	wr(d, "ballots.bin", x, len + e[2].len);
	free(x);
	edit(d, "election.json", "\"ballots_cast\": 40",
	    "\"ballots_cast\": 41");
	reseal(b, d);
	EXPECT_FAIL_WHAT(d, 5, "positions 3 and 41 hold the same ballot");
	/* Two entries swapped. */
	d = work(b);
	x = rd(d, "ballots.bin", &len);
	n = entries(x, len, e, 64);
	{
		uint8_t *o = malloc(len);
		size_t k = e[10].off;

		memcpy(o, x, e[10].off);
		memcpy(o + k, x + e[11].off, e[11].len);
		memcpy(o + k + e[11].len, x + e[10].off, e[10].len);
		memcpy(o + k + e[11].len + e[10].len, x + e[12].off,
		    len - e[12].off);
		wr(d, "ballots.bin", o, len);
		free(o);
	}
	free(x);
	reseal(b, d);
	EXPECT_FAIL(d, 6);
	/* A tracking code changed. */
	d = work(b);
	x = rd(d, "ballots.bin", &len);
	entries(x, len, e, 64);
	x[e[7].code + 3] ^= 0x40;
	wr(d, "ballots.bin", x, len);
	free(x);
	reseal(b, d);
	EXPECT_FAIL(d, 6);
	/* received_at moved backwards (the chain redone to hide it). */
	d = work(b);
	x = rd(d, "ballots.bin", &len);
	entries(x, len, e, 64);
	memcpy(x + e[8].at, "2027-06-10T00:00:00.000001Z", 27);
	wr(d, "ballots.bin", x, len);
	free(x);
	rechain(b, d);
	reseal(b, d);
	EXPECT_FAIL(d, 6);
	/* The first ballot received before the polls opened. */
	d = work(b);
	x = rd(d, "ballots.bin", &len);
	entries(x, len, e, 64);
	memcpy(x + e[0].at, "2020-01-01T00:00:00.000000Z", 27);
	wr(d, "ballots.bin", x, len);
	free(x);
	rechain(b, d);
	reseal(b, d);
	EXPECT_FAIL_WHAT(d, 6, "position 1: received outside the voting "
	    "window");
	/* The entry's ballot hash alone changed. */
	d = work(b);
	x = rd(d, "ballots.bin", &len);
	entries(x, len, e, 64);
	x[e[4].bhash] ^= 0x01;
	wr(d, "ballots.bin", x, len);
	free(x);
	reseal(b, d);
	EXPECT_FAIL(d, 5);
	/* A truncated box. */
	d = work(b);
	x = rd(d, "ballots.bin", &len);
	wr(d, "ballots.bin", x, len - 1);
	free(x);
	reseal(b, d);
	EXPECT_FAIL(d, 5);
}

TEST(verify_v7_proof_scalar_and_ciphertext_point)
{
	struct base *b = ceremony();
	static struct entry e[64];
	const char *d;
	size_t len;
	uint8_t *x;

	/* A proof scalar (the range proof's last v) changed. */
	d = work(b);
	x = rd(d, "ballots.bin", &len);
	entries(x, len, e, 64);
	x[e[9].ballot + e[9].ballot_len - 7] ^= 0x01;
	wr(d, "ballots.bin", x, len);
	free(x);
	rechain(b, d);
	reseal(b, d);
	EXPECT_FAIL(d, 7);
	/*
	 * A ciphertext point replaced by another valid point (contest 0's
	 * first alpha by its second), in a counted ballot: the proofs fail
	 * first, the sums after.
	 */
	d = work(b);
	x = rd(d, "ballots.bin", &len);
	entries(x, len, e, 64);
	{
		/* ballot: 8+1+4+8(id)+32+4+32+4 = 93, then u32 i, u32 len. */
		size_t c0 = e[0].ballot + 9 + 4 + strlen(b->res.election_id) +
		    32 + 4 + 32 + 4 + 8;

		memcpy(x + c0, x + c0 + 130, 65);
	}
	wr(d, "ballots.bin", x, len);
	free(x);
	rechain(b, d);
	reseal(b, d);
	{
		struct verify_report rep;

		ASSERT_ERR(run(d, NULL, &rep), ERR_VERIFY);
		ASSERT_INT_EQ(rep.first_fail, 7);
		ASSERT_TRUE(strstr(rep.what[7], "position 1 contest 0") !=
		    NULL);
		ASSERT_INT_EQ(rep.status[10], VERIFY_FAIL);
	}
	rm_rf(d);
}

/*
 * Every byte of a ballot altered, one at a time, with the box's hashes,
 * codes and checkpoints redone and INDEX re-signed: each is caught by
 * V5 (it no longer decodes for this election and voter) or V7 (a proof
 * fails).  The full sweep of every byte runs with IPPYO_VERIFY_SWEEP=all;
 * by default every byte of the header and every 31st byte of the contest.
 */
/*
 * Every contest of every ballot of a whole chunk of the pass (32
 * ballots x 6 contests) fails its proofs: each failure is named, none
 * lost for want of room.
 */
TEST(verify_v7_every_contest_of_a_chunk_fails)
{
	struct recgen_opts o;
	struct base *b = testkey();	/* makes top */
	static struct base many;
	static struct entry e[64];
	struct verify_report rep;
	const char *d;
	size_t len, n, i, c, at;
	uint8_t *x;

	(void)b;
	recgen_opts_default(&o);
	o.seed = SEED "-many";
	o.ballots = 33;
	o.contests = 6;
	o.options = 2;
	o.min = 0;
	o.max = 1;
	o.test_key = 1;
	o.revote_pct = 0;
	make_base(&many, &o, "many");
	d = work(&many);
	x = rd(d, "ballots.bin", &len);
	n = entries(x, len, e, 64);
	ASSERT_INT_EQ(n, 33);
	for (i = 0; i < 32; i++) {
		/* "IPPYOBAL" 1 str(id) ctx str(alias) u32 C, then contests:
		 * u32 index, u32 length, bytes; the last byte of each is
		 * the low byte of the range proof's last response. */
		at = e[i].ballot + 9;
		at += 4 + get32(x + at);
		at += 32;
		at += 4 + get32(x + at);
		at += 4;
		for (c = 0; c < 6; c++) {
			size_t cl = get32(x + at + 4);

			x[at + 8 + cl - 1] ^= 0x01;
			at += 8 + cl;
		}
	}
	wr(d, "ballots.bin", x, len);
	free(x);
	rechain(&many, d);
	reseal(&many, d);
	/* (Before: room for 128, the rest flagged as "contest 31".) */
	ASSERT_ERR(run(d, NULL, &rep), ERR_VERIFY);
	ASSERT_INT_EQ(rep.first_fail, 7);
	ASSERT_STR_EQ(rep.what[7], "position 1 contest 0: the proofs do not "
	    "verify");
	ASSERT_U64_EQ(rep.failures[7], 32 * 6);
	rm_rf(d);
	sign_key_free(many.committee);
	sign_key_free(many.box);
}

TEST(verify_ballot_byte_sweep)
{
	struct base *b = tiny();
	static struct entry e[8];
	size_t len, i, hdr, tried = 0;
	uint8_t *orig = rd(b->dir, "ballots.bin", &len);
	int all = getenv("IPPYO_VERIFY_SWEEP") != NULL;
	struct verify_opts o;
	const char *d = work(b);

	memset(&o, 0, sizeof(o));
	o.threads = 1;
	entries(orig, len, e, 8);
	hdr = 9 + 4 + strlen(b->res.election_id) + 32 + 4 + 32 + 4 + 8;
	for (i = 0; i < e[1].ballot_len; i++) {
		struct verify_report rep;
		uint8_t *x;
		int r;

		if (!all && i >= hdr && (i - hdr) % 31 != 0 &&
		    i + 1 != e[1].ballot_len)
			continue;
		x = malloc(len);
		memcpy(x, orig, len);
		x[e[1].ballot + i] ^= (uint8_t)(1u << (i % 8));
		wr(d, "ballots.bin", x, len);
		free(x);
		rechain(b, d);
		reseal(b, d);
		r = run(d, &o, &rep);
		if (r != ERR_VERIFY || (rep.first_fail != 5 &&
		    rep.first_fail != 7))
			test_fail(__FILE__, __LINE__, "byte %zu: %s, first V%d",
			    i, err_name(r), rep.first_fail);
		tried++;
	}
	ASSERT_TRUE(tried > 120);
	/* Unsigned, a sample: V1. */
	for (i = 0; i < e[1].ballot_len; i += 97) {
		struct verify_report rep;
		uint8_t *x = malloc(len);

		memcpy(x, orig, len);
		x[e[1].ballot + i] ^= 0x80;
		wr(d, "ballots.bin", x, len);
		free(x);
		ASSERT_ERR(run(d, &o, &rep), ERR_VERIFY);
		ASSERT_INT_EQ(rep.first_fail, 1);
	}
	free(orig);
	rm_rf(d);
}

/* ---- V8: checkpoints ------------------------------------------------ */

TEST(verify_v8_checkpoints)
{
	struct base *b = ceremony();
	const char *d;

	d = work(b);
	edit_hex(d, "checkpoints.json", "\"signature\": ", 7);
	reseal(b, d);
	EXPECT_FAIL(d, 8);
	/* The final one's signature. */
	d = work(b);
	edit(d, "checkpoints.json", "\"final\": true", "\"final\": false");
	reseal(b, d);
	EXPECT_FAIL(d, 8);
	/* A checkpoint's code. */
	d = work(b);
	edit_hex(d, "checkpoints.json", "\"tracking_code\": ", 0);
	reseal(b, d);
	EXPECT_FAIL(d, 8);
	/* No final checkpoint at all. */
	d = work(b);
	{
		size_t len;
		char *x = (char *)rd(d, "checkpoints.json", &len), *p;

		p = strstr(x, "\"final\": true");
		while (p > x && *p != '{')
			p--;
		while (p > x && *p != ',')
			p--;
		memcpy(p, "\n]\n", 3);
		wr(d, "checkpoints.json", x, (size_t)(p - x) + 3);
		free(x);
	}
	reseal(b, d);
	EXPECT_FAIL(d, 8);
	/* The first (periodic) checkpoint made final, re-signed by the
	 * committee: final but not the last, and two finals. */
	d = work(b);
	edit(d, "checkpoints.json", "\"final\": false", "\"final\": true");
	rechain(b, d);
	reseal(b, d);
	{
		struct verify_report rep;

		ASSERT_ERR(run(d, NULL, &rep), ERR_VERIFY);
		ASSERT_INT_EQ(rep.first_fail, 8);
		ASSERT_TRUE(strstr(rep.what[8], "checkpoint 1 is final but "
		    "not the last") != NULL);
		/* ... and at 0, not the whole box; 2 finals. */
		ASSERT_U64_EQ(rep.failures[8], 3);
		rm_rf(d);
	}
}

/* ---- V9: what counts ------------------------------------------------ */

/* The position in superseded.json of the first entry with reason. */
static unsigned long long
superseded_pos(const char *dir, const char *reason)
{
	size_t len;
	char *x = (char *)rd(dir, "superseded.json", &len), *p, *q;
	char want[64];
	unsigned long long pos;

	snprintf(want, sizeof(want), "\"reason\": \"%s\"", reason);
	p = strstr(x, want);
	if (p == NULL)
		test_fail(__FILE__, __LINE__, "no %s in superseded.json",
		    reason);
	while (p > x && *p != '{')
		p--;
	q = strstr(p, "\"position\": ");
	pos = strtoull(q + 12, NULL, 10);
	free(x);
	return pos;
}

/* Writes counted.json with position p added (ascending). */
static void
count_also(const char *dir, unsigned long long p)
{
	size_t len, off = 0;
	char *x = (char *)rd(dir, "counted.json", &len), *s;
	char out[65536];
	int added = 0;

	off += (size_t)snprintf(out, sizeof(out), "{\"positions\": [");
	for (s = strchr(x, '['); s != NULL && *s != ']'; ) {
		unsigned long long v;
		char *end;

		s++;
		while (*s == ' ' || *s == '\n')
			s++;
		if (*s == ']')
			break;
		v = strtoull(s, &end, 10);
		if (!added && p < v) {
			off += (size_t)snprintf(out + off, sizeof(out) - off,
			    "%s%llu", off > 15 ? ", " : "", p);
			added = 1;
		}
		off += (size_t)snprintf(out + off, sizeof(out) - off, "%s%llu",
		    off > 15 ? ", " : "", v);
		s = end;
	}
	if (!added)
		off += (size_t)snprintf(out + off, sizeof(out) - off,
		    "%s%llu", off > 15 ? ", " : "", p);
	off += (size_t)snprintf(out + off, sizeof(out) - off, "]}\n");
	wr(dir, "counted.json", out, off);
	free(x);
}

/* ballots_counted + 1 in election.json and results.json. */
static void
count_plus_one(const struct base *b, const char *dir)
{
	char from[64], to[64];

	snprintf(from, sizeof(from), "\"ballots_counted\": %llu",
	    (unsigned long long)b->res.ballots_counted);
	snprintf(to, sizeof(to), "\"ballots_counted\": %llu",
	    (unsigned long long)b->res.ballots_counted + 1);
	edit(dir, "election.json", from, to);
	edit(dir, "results.json", from, to);
}

/* Removes position p's entry from superseded.json. */
static void
drop_superseded(const char *dir, unsigned long long p)
{
	size_t len, k;
	char *x = (char *)rd(dir, "superseded.json", &len), *s, *e;
	char from[64];

	snprintf(from, sizeof(from), "{\"position\": %llu,", p);
	ASSERT_NOT_NULL(s = strstr(x, from));
	e = strchr(s, '}') + 1;
	if (*e == ',') {		/* not the last: drop "{...},\n " */
		e++;
		while (*e == '\n' || *e == ' ')
			e++;
	} else {			/* the last: drop ",\n {...}" */
		while (s > x && s[-1] != ',')
			s--;
		s--;
	}
	k = (size_t)(e - s);
	memmove(s, e, len - (size_t)(e - x));
	wr(dir, "superseded.json", x, len - k);
	free(x);
}

TEST(verify_v9_counted)
{
	struct base *b = ceremony();
	const char *d;
	unsigned long long p;
	char from[64], what[160];

	/* A superseded ballot counted too (the count kept consistent). */
	d = work(b);
	p = superseded_pos(d, "revote");
	count_also(d, p);
	count_plus_one(b, d);
	reseal(b, d);
	snprintf(what, sizeof(what), "position %llu is both counted and "
	    "superseded", p);
	EXPECT_FAIL_WHAT(d, 9, what);
	/* ... and also taken out of superseded.json. */
	d = work(b);
	p = superseded_pos(d, "revote");
	count_also(d, p);
	count_plus_one(b, d);
	drop_superseded(d, p);
	reseal(b, d);
	snprintf(what, sizeof(what), "position %llu is counted but the "
	    "voter cast a later", p);
	EXPECT_FAIL_WHAT(d, 9, what);
	/* A cancelled (admitted in person) voter's ballot counted. */
	d = work(b);
	p = superseded_pos(d, "admitted_in_person");
	count_also(d, p);
	count_plus_one(b, d);
	reseal(b, d);
	snprintf(what, sizeof(what), "position %llu is both counted and "
	    "superseded", p);
	EXPECT_FAIL_WHAT(d, 9, what);
	/* The voter taken off admitted.json: its ballot should count. */
	d = work(b);
	{
		size_t len;
		char *x = (char *)rd(d, "admitted.json", &len);
		char *q = strchr(x, '"');

		q[1] = q[1] == '0' ? '1' : '0';	/* another alias */
		wr(d, "admitted.json", x, len);
		free(x);
	}
	reseal(b, d);
	EXPECT_FAIL(d, 9);
	/* A revote pointing at the wrong later ballot ("by" + 1). */
	d = work(b);
	p = superseded_pos(d, "revote");
	{
		size_t len;
		char *x = (char *)rd(d, "superseded.json", &len), *q;
		unsigned long long by;

		snprintf(from, sizeof(from), "{\"position\": %llu, \"by\": ",
		    p);
		ASSERT_NOT_NULL(q = strstr(x, from));
		by = strtoull(q + strlen(from), NULL, 10);
		free(x);
		snprintf(from, sizeof(from), "{\"position\": %llu, \"by\": "
		    "%llu,", p, by);
		snprintf(what, sizeof(what), "{\"position\": %llu, \"by\": "
		    "%llu,", p, by + 1);
		edit(d, "superseded.json", from, what);
	}
	reseal(b, d);
	snprintf(what, sizeof(what), "position %llu: superseded by revote, "
	    "but \"by\" is not the voter's next ballot", p);
	EXPECT_FAIL_WHAT(d, 9, what);
	/* A revote relabelled as admitted in person (by kept). */
	d = work(b);
	edit(d, "superseded.json", "\"reason\": \"revote\"",
	    "\"reason\": \"admitted_in_person\"");
	reseal(b, d);
	EXPECT_FAIL_WHAT(d, 9, "admitted in person with a \"by\"");
}

/* ---- V10-V12: aggregates, shares, results --------------------------- */

TEST(verify_v10_aggregate_value)
{
	struct base *b = ceremony();
	const char *d = work(b);
	size_t len;
	char *x = (char *)rd(d, "tally.json", &len), *a, *c;

	/* Option 0's ciphertext replaced by option 1's. */
	a = strstr(x, "\"options\": [") + 12;
	a = strchr(a, '"') + 1;
	c = strchr(strchr(a, '"') + 1, '"') + 1;
	memcpy(a, c, 260);
	wr(d, "tally.json", x, len);
	free(x);
	reseal(b, d);
	EXPECT_FAIL(d, 10);
}

TEST(verify_v11_decryption_share)
{
	struct base *b = ceremony();
	const char *d;

	/* M_j changed. */
	d = work(b);
	edit_hex(d, "decryption/trustee-04.json", "[\n  ", 40);
	reseal(b, d);
	EXPECT_FAIL(d, 11);
	/* The proof's response changed. */
	d = work(b);
	edit_hex(d, "decryption/trustee-03.json", "[\n  ", 450);
	reseal(b, d);
	EXPECT_FAIL(d, 11);
	/* A share file from the excluded trustee. */
	d = work(b);
	{
		size_t len;
		uint8_t *x = rd(d, "decryption/trustee-03.json", &len);

		wr(d, "decryption/trustee-02.json", x, len);
		free(x);
		edit(d, "decryption/trustee-02.json", "\"trustee\": 3",
		    "\"trustee\": 2");
	}
	reseal(b, d);
	EXPECT_FAIL(d, 11);
}

/*
 * An option whose aggregate alpha is the identity (PROTOCOL-record §9):
 * every trustee's entry is "" and the plaintext point is beta.  No
 * generator can make such a record with valid ballots (the counted
 * nonces would have to cancel, and contest_encrypt draws its own), so
 * the aggregate of contest 0 option opt is replaced by (O, beta_votes·G)
 * and V10 fails as it must; V11 and V12 judge the stated aggregates and
 * are what is asserted.  keep_share: leave the trustees' shares as they
 * were instead of "".
 */
static const char *
alpha_identity_rec(const struct base *b, size_t opt, uint64_t beta_votes,
    int identity, int keep_share)
{
	const char *d = work(b);
	uint8_t pt[65];
	char hex[131], *x, *p;
	size_t len, i;
	uint32_t j;

	ASSERT_OK(engine_openssl.mul_g(beta_votes, pt));
	ASSERT_OK(ct_hex_encode(pt, 65, hex, sizeof(hex)));
	x = (char *)rd(d, "tally.json", &len);
	p = strstr(x, "\"options\": [") + 12;
	for (i = 0; i <= opt; i++) {
		p = strchr(p, '"') + 1;
		if (i < opt)
			p = strchr(p, '"') + 1;
	}
	if (identity)
		memset(p, '0', 130);
	memcpy(p + 130, hex, 130);
	wr(d, "tally.json", x, len);
	free(x);
	for (j = 1; j <= 32 && !keep_share; j++) {
		char name[64], from[600];

		snprintf(name, sizeof(name), "decryption/trustee-%02u.json", j);
		snprintf(from, sizeof(from), "%s/%s", d, name);
		if (access(from, F_OK) != 0)
			continue;
		x = (char *)rd(d, name, &len);
		p = strstr(x, "\"shares\": [") + 11;
		p = strchr(p, '[');
		for (i = 0; i <= opt; i++) {
			p = strchr(p, '"');
			if (i < opt)
				p = strchr(p + 1, '"') + 1;
		}
		ASSERT_TRUE(strchr(p + 1, '"') - p == 455);
		snprintf(from, sizeof(from), "%.456s", p);
		free(x);
		edit(d, name, from, "\"\"");
	}
	reseal(b, d);
	return d;
}

/* The first option of contest 0 with at least one vote. */
static size_t
voted_option(const struct base *b)
{
	size_t i;

	for (i = 0; i < b->res.noptions; i++)
		if (b->res.votes[0][i] > 0)
			return i;
	test_fail(__FILE__, __LINE__, "no option of contest 0 has votes");
	return 0;
}

TEST(verify_v11_v12_alpha_identity_means_no_share)
{
	struct base *bases[2] = { ceremony(), testkey() };
	struct verify_report rep;
	const char *d;
	size_t i, opt;
	uint64_t votes;

	for (i = 0; i < 2; i++) {
		const struct base *b = bases[i];

		opt = voted_option(b);
		votes = b->res.votes[0][opt];
		/* "" where alpha is the identity, beta = votes·G: V11 and
		 * V12 hold (V10 cannot: see alpha_identity_rec). */
		d = alpha_identity_rec(b, opt, votes, 1, 0);
		ASSERT_ERR(run(d, NULL, &rep), ERR_VERIFY);
		ASSERT_INT_EQ(rep.first_fail, 10);
		ASSERT_INT_EQ(rep.status[11], VERIFY_PASS);
		ASSERT_INT_EQ(rep.status[12], VERIFY_PASS);
		ASSERT_INT_EQ(rep.status[13], VERIFY_PASS);
		rm_rf(d);
		/* An option with no vote: beta is the identity too, the
		 * whole aggregate 130 zero bytes. */
		{
			size_t z;

			for (z = 0; z < b->res.noptions; z++)
				if (b->res.votes[0][z] == 0)
					break;
			/* (the test-key record has such options) */
			ASSERT_TRUE(z < b->res.noptions || i == 0);
			if (z < b->res.noptions) {
				d = alpha_identity_rec(b, z, 0, 1, 0);
				ASSERT_ERR(run(d, NULL, &rep), ERR_VERIFY);
				ASSERT_INT_EQ(rep.first_fail, 10);
				ASSERT_INT_EQ(rep.status[11], VERIFY_PASS);
				ASSERT_INT_EQ(rep.status[12], VERIFY_PASS);
				rm_rf(d);
			}
		}
		/* A share where alpha is the identity. */
		d = alpha_identity_rec(b, opt, votes, 1, 1);
		ASSERT_ERR(run(d, NULL, &rep), ERR_VERIFY);
		ASSERT_INT_EQ(rep.status[11], VERIFY_FAIL);
		ASSERT_TRUE(strstr(rep.what[11], "not \"\" where the "
		    "aggregate's alpha is the identity") != NULL);
		rm_rf(d);
		/* beta is not votes·G. */
		d = alpha_identity_rec(b, opt, votes + 1, 1, 0);
		ASSERT_ERR(run(d, NULL, &rep), ERR_VERIFY);
		ASSERT_INT_EQ(rep.status[11], VERIFY_PASS);
		ASSERT_INT_EQ(rep.status[12], VERIFY_FAIL);
		ASSERT_TRUE(strstr(rep.what[12], "is not what the shares "
		    "decrypt") != NULL);
		rm_rf(d);
		/* "" where alpha is not the identity (the aggregate kept). */
		d = alpha_identity_rec(b, opt, votes, 0, 0);
		ASSERT_ERR(run(d, NULL, &rep), ERR_VERIFY);
		ASSERT_INT_EQ(rep.status[11], VERIFY_FAIL);
		ASSERT_TRUE(strstr(rep.what[11], "not 227 bytes of hex") !=
		    NULL);
		rm_rf(d);
	}
}

TEST(verify_v12_result_number)
{
	struct base *b = ceremony();
	const char *d;
	size_t len;
	char *x, *p;
	unsigned long long v;
	char from[64], to[64];

	d = work(b);
	x = (char *)rd(d, "results.json", &len);
	p = strstr(x, "\"votes\": ");
	v = strtoull(p + 9, NULL, 10);
	free(x);
	snprintf(from, sizeof(from), "\"votes\": %llu}", v);
	snprintf(to, sizeof(to), "\"votes\": %llu}", v + 1);
	edit(d, "results.json", from, to);
	reseal(b, d);
	EXPECT_FAIL(d, 12);
	/* A label not the manifest's. */
	d = work(b);
	edit(d, "results.json", "Candidate 1-2", "Candidate 1-9");
	reseal(b, d);
	EXPECT_FAIL(d, 12);
}

/*
 * A contest's total over max x ballots counted, every option's number
 * matching its decryption: an option with no vote gets the aggregate
 * (O, counted·G) and "counted" votes (see alpha_identity_rec; V10 fails
 * there as it must, V12 is what is asserted).
 */
TEST(verify_v12_contest_total_outside_min_max)
{
	struct base *b = testkey();
	struct verify_report rep;
	uint64_t counted = b->res.ballots_counted, total = 0;
	char from[160], to[160], *x, *p, *q;
	const char *d;
	size_t z, len;

	for (z = 0; z < b->res.noptions; z++)
		total += b->res.votes[0][z];
	ASSERT_TRUE(total > 0);
	for (z = 0; z < b->res.noptions && b->res.votes[0][z] != 0; z++)
		;
	ASSERT_TRUE(z < b->res.noptions);
	d = alpha_identity_rec(b, z, counted, 1, 0);
	x = (char *)rd(d, "results.json", &len);
	snprintf(from, sizeof(from), "\"id\": \"o%03zu\"", z + 1);
	ASSERT_NOT_NULL(p = strstr(x, from));
	ASSERT_NOT_NULL(q = strstr(p, "\"votes\": 0}"));
	snprintf(from, sizeof(from), "%.*s", (int)(q - p + 11), p);
	snprintf(to, sizeof(to), "%.*s\"votes\": %llu}", (int)(q - p), p,
	    (unsigned long long)counted);
	free(x);
	edit(d, "results.json", from, to);
	reseal(b, d);
	ASSERT_ERR(run(d, NULL, &rep), ERR_VERIFY);
	ASSERT_INT_EQ(rep.first_fail, 10);
	ASSERT_INT_EQ(rep.status[11], VERIFY_PASS);
	ASSERT_INT_EQ(rep.status[12], VERIFY_FAIL);
	snprintf(to, sizeof(to), "contest 0: %llu selections in all, outside "
	    "[min, max] x ballots counted", (unsigned long long)(total +
	    counted));
	ASSERT_STR_EQ(rep.what[12], to);
	ASSERT_U64_EQ(rep.failures[12], 1);
	rm_rf(d);
}

/* ---- V13: the audit log --------------------------------------------- */

TEST(verify_v13_audit_log)
{
	struct base *b = ceremony();
	const char *d;

	d = work(b);
	edit(d, "audit.json", "\"actor\": \"clerk\"", "\"actor\": \"clerc\"");
	reseal(b, d);
	EXPECT_FAIL(d, 13);
	/* A checkpoint's signature. */
	d = work(b);
	edit_hex(d, "audit.json", "\"signature\": ", 3);
	reseal(b, d);
	EXPECT_FAIL(d, 13);
	/* A redacted entry's link. */
	d = work(b);
	edit_hex(d, "audit.json", "\"redacted\": true, \"prev_hash\": ", 1);
	reseal(b, d);
	EXPECT_FAIL(d, 13);
	/* The lifecycle out of order: "open" renamed (hash redone would
	 * need the chain; the hash check fails first either way). */
	d = work(b);
	edit(d, "audit.json", "\"election.open\"", "\"election.opem\"");
	reseal(b, d);
	EXPECT_FAIL(d, 13);
}

/*
 * The audit log rewritten consistently: edit changes the entries, then
 * every unredacted entry is renumbered, relinked and rehashed (a
 * redacted entry keeps its hash and takes the new link: its contents are
 * not in the record), and every checkpoint is re-signed by the committee
 * at its entry (clamped to the log, the last at the end); INDEX resealed.
 * So only the lifecycle rule under test can fail.
 */
static int audit_keep_last_cp;	/* audit_redo: no clamping to the end */

static void
audit_redo(const struct base *b, const char *d, void (*edit_fn)(json_t *))
{
	json_error_t je;
	char path[400], *text;
	json_t *root, *es, *cs, *e, *c;
	uint8_t prev[32], (*h)[32];
	size_t i, n;

	snprintf(path, sizeof(path), "%s/audit.json", d);
	ASSERT_NOT_NULL(root = json_load_file(path, 0, &je));
	es = json_object_get(root, "entries");
	cs = json_object_get(root, "checkpoints");
	edit_fn(es);
	n = json_array_size(es);
	ASSERT_NOT_NULL(h = calloc(n, 32));
	memset(prev, 0, sizeof(prev));
	json_array_foreach(es, i, e) {
		char hex[65];

		json_object_set_new(e, "seq", json_integer((json_int_t)i + 1));
		ASSERT_OK(ct_hex_encode(prev, 32, hex, sizeof(hex)));
		json_object_set_new(e, "prev_hash", json_string(hex));
		if (json_object_get(e, "redacted") != NULL) {
			const char *x = json_string_value(json_object_get(e,
			    "hash"));

			ASSERT_OK(ct_hex_decode(x, 64, h[i], 32));
		} else {
			struct audit_entry ae;

			memset(&ae, 0, sizeof(ae));
			ae.seq = (int64_t)i + 1;
			snprintf(ae.at, sizeof(ae.at), "%s", json_string_value(
			    json_object_get(e, "at")));
			ae.actor = json_string_value(json_object_get(e, "actor"));
			ae.action = json_string_value(json_object_get(e,
			    "action"));
			ae.object = json_string_value(json_object_get(e,
			    "object"));
			ae.detail = json_string_value(json_object_get(e,
			    "detail"));
			memcpy(ae.prev_hash, prev, 32);
			audit_entry_hash(&ae, h[i]);
			ASSERT_OK(ct_hex_encode(h[i], 32, hex, sizeof(hex)));
			json_object_set_new(e, "hash", json_string(hex));
		}
		memcpy(prev, h[i], 32);
	}
	json_array_foreach(cs, i, c) {
		uint8_t msg[8 + 32 + 4 + 64], sig[64];
		const char *at = json_string_value(json_object_get(c, "at"));
		size_t seq = (size_t)json_integer_value(json_object_get(c,
		    "seq")), al = strlen(at), k;
		char hex[129];

		if (seq > n || (i + 1 == json_array_size(cs) &&
		    !audit_keep_last_cp))
			seq = n;
		for (k = 0; k < 8; k++)
			msg[k] = (uint8_t)((uint64_t)seq >> (56 - 8 * k));
		memcpy(msg + 8, h[seq - 1], 32);
		for (k = 0; k < 4; k++)
			msg[40 + k] = (uint8_t)(al >> (24 - 8 * k));
		memcpy(msg + 44, at, al);
		ASSERT_OK(sign_sign(b->committee, "audit-checkpoint", msg, 44 + al,
		    sig));
		json_object_set_new(c, "seq", json_integer((json_int_t)seq));
		ASSERT_OK(ct_hex_encode(h[seq - 1], 32, hex, sizeof(hex)));
		json_object_set_new(c, "hash", json_string(hex));
		ASSERT_OK(ct_hex_encode(sig, 64, hex, sizeof(hex)));
		json_object_set_new(c, "signature", json_string(hex));
	}
	ASSERT_NOT_NULL(text = json_dumps(root, JSON_INDENT(1) |
	    JSON_PRESERVE_ORDER));
	wr(d, "audit.json", text, strlen(text));
	free(text);
	free(h);
	json_decref(root);
	reseal(b, d);
}

/* The index of the first entry with action a (after skip of them). */
static size_t
find_action(json_t *es, const char *a, int skip)
{
	json_t *e;
	size_t i;

	json_array_foreach(es, i, e) {
		const char *x = json_string_value(json_object_get(e, "action"));

		if (x != NULL && strcmp(x, a) == 0 && skip-- == 0)
			return i;
	}
	test_fail(__FILE__, __LINE__, "no %s in audit.json", a);
}

static void
drop_first_share(json_t *es)
{
	ASSERT_OK(json_array_remove(es, find_action(es, "tally.share", 0)));
}

static void
repeat_first_share(json_t *es)
{
	size_t i = find_action(es, "tally.share", 0);

	ASSERT_OK(json_array_insert_new(es, i + 1,
	    json_deep_copy(json_array_get(es, i))));
}

static void
share_of_trustee_9(json_t *es)
{
	json_t *e = json_array_get(es, find_action(es, "tally.share", 0));

	json_object_set_new(e, "detail", json_string("trustee 9: 9 shares "
	    "checked"));
}

static void
share_after_publish(json_t *es)
{
	size_t i = find_action(es, "tally.share", 0);
	json_t *e = json_deep_copy(json_array_get(es, i));

	ASSERT_OK(json_array_remove(es, i));
	ASSERT_OK(json_array_insert_new(es, find_action(es, "tally.publish",
	    0) + 1, e));
}

static void
publish_before_start(json_t *es)
{
	size_t s = find_action(es, "tally.start", 0);
	json_t *e = json_deep_copy(json_array_get(es, find_action(es,
	    "tally.publish", 0)));

	ASSERT_OK(json_array_remove(es, find_action(es, "tally.publish", 0)));
	ASSERT_OK(json_array_insert_new(es, s, e));
}

/* tally.start gone, and the shares with it (else they are out of
 * place first). */
static void
drop_start(json_t *es)
{
	json_t *e;
	size_t i;

	ASSERT_OK(json_array_remove(es, find_action(es, "tally.start", 0)));
	for (i = json_array_size(es); i-- > 0;) {
		e = json_array_get(es, i);
		if (json_is_string(json_object_get(e, "action")) &&
		    strcmp(json_string_value(json_object_get(e, "action")),
		    "tally.share") == 0)
			ASSERT_OK(json_array_remove(es, i));
	}
}

static void
no_edit(json_t *es)
{
	(void)es;
}

/* A copy of roll.freeze (no lifecycle step) appended at the end. */
static void
append_unrelated(json_t *es)
{
	ASSERT_OK(json_array_append_new(es, json_deep_copy(json_array_get(es,
	    find_action(es, "roll.freeze", 0)))));
}

TEST(verify_v13_tally_steps)
{
	struct base *b = ceremony();
	struct verify_report rep;
	const char *d;

	/* The rewrite itself keeps an honest log honest. */
	d = work(b);
	audit_redo(b, d, no_edit);
	ASSERT_OK(run(d, NULL, &rep));
	rm_rf(d);
	d = work(b);
	audit_redo(b, d, drop_first_share);
	EXPECT_FAIL_WHAT(d, 13, "the log does not show tally.share for "
	    "trustee");
	d = work(b);
	audit_redo(b, d, repeat_first_share);
	EXPECT_FAIL_WHAT(d, 13, "a second tally.share for trustee");
	d = work(b);
	audit_redo(b, d, share_of_trustee_9);
	EXPECT_FAIL_WHAT(d, 13, "tally.share does not name one of the");
	d = work(b);
	audit_redo(b, d, share_after_publish);
	EXPECT_FAIL_WHAT(d, 13, "tally.share outside the tally");
	d = work(b);
	audit_redo(b, d, publish_before_start);
	EXPECT_FAIL_WHAT(d, 13, "out of order or repeated");
	d = work(b);
	audit_redo(b, d, drop_start);
	EXPECT_FAIL_WHAT(d, 13, "the log does not show tally.start");
	/* An entry after the last checkpoint: the log's end unsigned.
	 * (Appended at the end the rewrite signs it; kept where it was,
	 * the last checkpoint no longer covers it.) */
	d = work(b);
	audit_redo(b, d, append_unrelated);
	ASSERT_OK(run(d, NULL, &rep));
	rm_rf(d);
	d = work(b);
	audit_keep_last_cp = 1;
	audit_redo(b, d, append_unrelated);
	audit_keep_last_cp = 0;
	EXPECT_FAIL_WHAT(d, 13, "the last checkpoint is at entry");
}

/* ---- one voter's check ---------------------------------------------- */

/* The tracking code at position p (1-based). */
static void
code_at(const struct base *b, size_t p, uint8_t code[32])
{
	static struct entry e[64];
	size_t len;
	uint8_t *x = rd(b->dir, "ballots.bin", &len);

	entries(x, len, e, 64);
	memcpy(code, x + e[p - 1].code, 32);
	free(x);
}

TEST(verify_ballot_counted_superseded_cancelled_unknown)
{
	struct base *b = ceremony();
	struct verify_report rep;
	struct verify_opts o;
	uint8_t code[32];
	unsigned long long p;
	size_t len;
	char *x;

	memset(&o, 0, sizeof(o));
	o.committee_key = b->res.committee_key;
	o.box_key = b->res.box_key;
	/* The first counted position. */
	x = (char *)rd(b->dir, "counted.json", &len);
	p = strtoull(strchr(x, '[') + 1 + strspn(strchr(x, '[') + 1, " \n"),
	    NULL, 10);
	free(x);
	code_at(b, (size_t)p, code);
	ASSERT_OK(verify_ballot(b->dir, code, &o, &rep));
	ASSERT_TRUE(rep.ballot_found);
	ASSERT_U64_EQ(rep.ballot_position, p);
	ASSERT_INT_EQ(rep.ballot_state, VERIFY_BALLOT_COUNTED);

	p = superseded_pos(b->dir, "revote");
	code_at(b, (size_t)p, code);
	ASSERT_OK(verify_ballot(b->dir, code, &o, &rep));
	ASSERT_INT_EQ(rep.ballot_state, VERIFY_BALLOT_SUPERSEDED);
	ASSERT_TRUE(rep.superseded_by > p);

	p = superseded_pos(b->dir, "admitted_in_person");
	code_at(b, (size_t)p, code);
	ASSERT_OK(verify_ballot(b->dir, code, &o, &rep));
	ASSERT_INT_EQ(rep.ballot_state, VERIFY_BALLOT_CANCELLED);

	code[0] ^= 1;
	ASSERT_ERR(verify_ballot(b->dir, code, &o, &rep), ERR_NOT_FOUND);
	ASSERT_FALSE(rep.ballot_found);
}

TEST(verify_ballot_with_a_bad_proof_fails)
{
	struct base *b = ceremony();
	static struct entry e[64];
	struct verify_report rep;
	struct verify_opts o;
	const char *d = work(b);
	size_t len;
	uint8_t *x = rd(d, "ballots.bin", &len), code[32];

	entries(x, len, e, 64);
	x[e[0].ballot + e[0].ballot_len - 3] ^= 0x01;
	wr(d, "ballots.bin", x, len);
	free(x);
	rechain(b, d);
	reseal(b, d);
	x = rd(d, "ballots.bin", &len);
	memcpy(code, x + e[0].code, 32);
	free(x);
	memset(&o, 0, sizeof(o));
	ASSERT_ERR(verify_ballot(d, code, &o, &rep), ERR_VERIFY);
	ASSERT_TRUE(rep.ballot_found);
	rm_rf(d);
}

TEST(verify_ballot_says_test_only)
{
	struct base *b = testkey();
	struct verify_report rep;
	struct verify_opts o;
	uint8_t code[32];
	char *text = NULL;
	size_t tl = 0;

	memset(&o, 0, sizeof(o));
	code_at(b, 1, code);
	ASSERT_NOT_NULL(o.out = open_memstream(&text, &tl));
	ASSERT_OK(verify_ballot(b->dir, code, &o, &rep));
	fclose(o.out);
	ASSERT_TRUE(rep.test_single_key);
	ASSERT_TRUE(strstr(text, "WARNING: TEST-ONLY record") != NULL);
	free(text);
	/* Not on a ceremony record. */
	text = NULL;
	code_at(ceremony(), 1, code);
	ASSERT_NOT_NULL(o.out = open_memstream(&text, &tl));
	ASSERT_OK(verify_ballot(ceremony()->dir, code, &o, &rep));
	fclose(o.out);
	ASSERT_TRUE(strstr(text, "TEST-ONLY") == NULL);
	free(text);
}

/* ---- failures that are not the record's ------------------------------ */

/* An engine whose contest_add fails with ERR_INTERNAL off the main
 * thread: a pass worker that ends with ERR_INTERNAL (-1). */
static pthread_t main_thread;

static int
contest_add_fails_off_main(void *ctx, const struct engine_contest *c,
    uint64_t id)
{
	if (!pthread_equal(pthread_self(), main_thread))
		return ERR_INTERNAL;
	return engine_openssl.contest_add(ctx, c, id);
}

/* The process's virtual size in KiB (/proc/self/status VmSize). */
static unsigned long
vm_kib(void)
{
	char line[256];
	unsigned long kib = 0;
	FILE *f = fopen("/proc/self/status", "r");

	ASSERT_NOT_NULL(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "VmSize:", 7) == 0)
			kib = strtoul(line + 7, NULL, 10);
	fclose(f);
	return kib;
}

TEST(verify_pass_joins_a_worker_that_failed_internally)
{
	struct base *b = ceremony();
	struct engine_ops e = engine_openssl;
	struct verify_report rep;
	struct verify_opts o;
	unsigned long before;
	int i, failed = 0;

	main_thread = pthread_self();
	e.contest_add = contest_add_fails_off_main;
	memset(&o, 0, sizeof(o));
	o.engine = &e;
	o.threads = 2;
	/* A worker left unjoined keeps its stack (8 MiB) mapped: ten of
	 * them would show.  One run first, for malloc's thread arena. */
	(void)run(b->dir, &o, &rep);
	before = vm_kib();
	for (i = 0; i < 10; i++) {
		int r = run(b->dir, &o, &rep);

		ASSERT_TRUE(r == 0 || r == ERR_INTERNAL);
		if (r == ERR_INTERNAL) {
			failed++;
			ASSERT_TRUE(strstr(rep.unusable, "ERR_INTERNAL") !=
			    NULL);
		}
	}
	if (failed < 3)
		test_fail(__FILE__, __LINE__, "the second worker took a "
		    "chunk in only %d of 10 runs", failed);
	if (vm_kib() > before + 4 * 8192)
		test_fail(__FILE__, __LINE__, "virtual size grew %lu KiB: "
		    "workers left unjoined", vm_kib() - before);
}

/*
 * calloc with one failure on demand: the armed call is the next one
 * asking for fail_n elements of fail_size bytes (after fail_skip such
 * calls).  The rest is glibc's malloc and memset.  Tests run one at a
 * time; the verifier is run with one thread while armed.
 */
static size_t fail_n, fail_size, fail_skip;
static int fail_fired;
static void *(*volatile plain_malloc)(size_t) = malloc;

void *
calloc(size_t n, size_t size)
{
	size_t total;
	void *p;

	if (size != 0 && n > SIZE_MAX / size)
		return NULL;
	if (fail_size != 0 && n == fail_n && size == fail_size) {
		if (fail_skip == 0) {
			fail_size = 0;
			fail_fired = 1;
			return NULL;
		}
		fail_skip--;
	}
	total = n * size;
	if (total == 0)
		total = 1;
	/* Through a volatile pointer: the compiler would turn malloc and
	 * memset back into a call to calloc (this one). */
	if ((p = plain_malloc(total)) != NULL)
		memset(p, 0, total);
	return p;
}

TEST(verify_out_of_memory_is_unusable_not_invalid)
{
	struct base *b = testkey();
	struct verify_report rep;
	struct verify_opts o;
	size_t nsums = b->res.ncontests * b->res.noptions;

	memset(&o, 0, sizeof(o));
	o.threads = 1;
	/* The trustee's shares (nsums x 227). */
	fail_n = nsums, fail_size = 227, fail_skip = 0, fail_fired = 0;
	ASSERT_ERR(run(b->dir, &o, &rep), ERR_NOMEM);
	ASSERT_TRUE(fail_fired);
	ASSERT_INT_EQ(rep.status[11], VERIFY_FAIL);
	ASSERT_TRUE(strstr(rep.what[11], "not checked: out of memory") !=
	    NULL);
	ASSERT_TRUE(strstr(rep.unusable, "out of memory") != NULL);
	/* The stated aggregates (nsums x 130; the sums come first). */
	fail_n = nsums, fail_size = 130, fail_skip = 1, fail_fired = 0;
	ASSERT_ERR(run(b->dir, &o, &rep), ERR_NOMEM);
	ASSERT_TRUE(fail_fired);
	ASSERT_INT_EQ(rep.status[10], VERIFY_FAIL);
	ASSERT_TRUE(strstr(rep.unusable, "tally.json") != NULL);
	fail_size = 0;
	ASSERT_OK(run(b->dir, &o, &rep));
}

/* ---- the program ---------------------------------------------------- */

static int
run_cli(char *const argv[])
{
	char prog[512];
	const char *bin = getenv("IPPYO_BIN");
	pid_t pid;
	int st;

	snprintf(prog, sizeof(prog), "%s/ippyo-verify", bin ? bin : "bin");
	if ((pid = fork()) == 0) {
		int fd = open("/dev/null", O_WRONLY);

		dup2(fd, 1);
		dup2(fd, 2);
		execv(prog, argv);
		_exit(99);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

TEST(verify_cli_exit_codes)
{
	struct base *b = ceremony();
	static char a_prog[] = "ippyo-verify", a_quiet[] = "--quiet",
	    a_ck[] = "--committee-key", a_none[] = "/nonexistent",
	    a_engine[] = "--engine", a_nosuch[] = "nosuch",
	    a_ballot[] = "ballot", a_00[] = "00";
	char hex[65], *argv[8], dcopy[300];
	const char *d;

	ASSERT_OK(ct_hex_encode(b->res.committee_key, 32, hex, sizeof(hex)));
	argv[0] = a_prog;
	argv[1] = a_quiet;
	argv[2] = a_ck;
	argv[3] = hex;
	argv[4] = b->dir;
	argv[5] = NULL;
	ASSERT_INT_EQ(run_cli(argv), 0);
	d = work(b);
	edit_hex(d, "results.json", "\"name_en\": ", 0);
	snprintf(dcopy, sizeof(dcopy), "%s", d);
	argv[4] = dcopy;
	ASSERT_INT_EQ(run_cli(argv), 1);
	rm_rf(d);
	argv[4] = a_none;
	ASSERT_INT_EQ(run_cli(argv), 2);
	argv[1] = a_engine;
	argv[2] = a_nosuch;
	argv[3] = b->dir;
	argv[4] = NULL;
	ASSERT_INT_EQ(run_cli(argv), 2);
	argv[1] = a_ballot;
	argv[2] = b->dir;
	argv[3] = a_00;
	ASSERT_INT_EQ(run_cli(argv), 2);
	argv[3] = hex;		/* not a tracking code of this box */
	ASSERT_INT_EQ(run_cli(argv), 1);
}

/* Last (tests run in file order): removes the records. */
TEST(verify_zz_cleanup)
{
	sign_key_free(ceremony_rec.committee);
	sign_key_free(ceremony_rec.box);
	sign_key_free(test_rec.committee);
	sign_key_free(test_rec.box);
	sign_key_free(tiny_rec.committee);
	sign_key_free(tiny_rec.box);
	if (top[0] != '\0')
		rm_rf(top);
}
