/*
 * test_recgen.c - the record generator (tests/harness/recgen.h): small
 * records checked for what is cheap to check here (INDEX matches the
 * files, its signature, the box chain and checkpoints, the ballots'
 * proofs, what counts, the results against the known votes, the same
 * bytes on any thread count, the archive form).  The full check of a
 * record is ippyo-verify's, not this file's.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "audit/archive.h"
#include "ballot/ballot.h"
#include "ballot/box.h"
#include "core/err.h"
#include "core/vbuf.h"
#include "crypto/contest.h"
#include "crypto/ct.h"
#include "crypto/digest.h"
#include "crypto/elgamal.h"
#include "crypto/sign.h"
#include "tests/harness/recgen.h"
#include "tests/harness/test.h"

static char *
tmpdir(void)
{
	static char dir[64];

	snprintf(dir, sizeof(dir), "/tmp/ippyo-recgen.XXXXXX");
	ASSERT_NOT_NULL(mkdtemp(dir));
	return dir;
}

static void
rm_rf(const char *dir)
{
	char p[512];
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			rm_rf(p);
		else
			unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

static json_t *
load_json(const char *dir, const char *rel)
{
	char p[512];
	json_error_t err;
	json_t *j;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	j = json_load_file(p, JSON_REJECT_DUPLICATES, &err);
	if (j == NULL)
		test_fail(__FILE__, __LINE__, "%s: %s", rel, err.text);
	return j;
}

static uint8_t *
load(const char *dir, const char *rel, size_t *len)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	return test_read_file(p, len);
}

static void
hex_field(json_t *o, const char *key, uint8_t *out, size_t n)
{
	json_t *v = json_object_get(o, key);

	ASSERT_TRUE(json_is_string(v));
	ASSERT_OK(ct_hex_decode(json_string_value(v), json_string_length(v),
	    out, n));
}

/* Counts the regular files under dir (recursively). */
static size_t
count_files(const char *dir)
{
	char p[512];
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	ASSERT_NOT_NULL(d);
	while ((e = readdir(d)) != NULL) {
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		ASSERT_INT_EQ(lstat(p, &st), 0);
		n += S_ISDIR(st.st_mode) ? count_files(p) : 1;
	}
	closedir(d);
	return n;
}

/* INDEX lists every other file with its hash, sorted; INDEX.sig signs it. */
static void
check_index(const char *dir, const struct recgen_result *res)
{
	uint8_t *idx, sig[64], pk[32];
	size_t len, lines = 0, off = 0;
	char prev[64] = "";
	json_t *s;

	idx = load(dir, "INDEX", &len);
	while (off < len) {
		const char *line = (const char *)idx + off;
		const char *nl = memchr(line, '\n', len - off);
		char rel[64], hex[65];
		uint8_t want[32], *data;
		size_t rl, dl;

		ASSERT_NOT_NULL(nl);
		ASSERT_TRUE(nl - line > 66 && line[64] == ' ' && line[65] == ' ');
		rl = (size_t)(nl - line) - 66;
		ASSERT_TRUE(rl < sizeof(rel));
		memcpy(rel, line + 66, rl);
		rel[rl] = '\0';
		ASSERT_TRUE(strcmp(prev, rel) < 0);
		memcpy(prev, rel, rl + 1);
		ASSERT_TRUE(archive_path_ok(rel));
		data = load(dir, rel, &dl);
		digest_sha256(data, dl, want);
		ASSERT_OK(ct_hex_encode(want, 32, hex, sizeof(hex)));
		ASSERT_MEM_EQ(line, hex, 64);
		free(data);
		lines++;
		off = (size_t)(nl - (const char *)idx) + 1;
	}
	ASSERT_INT_EQ(count_files(dir), lines + 2);
	s = load_json(dir, "INDEX.sig");
	ASSERT_INT_EQ(json_object_size(s), 2);
	hex_field(s, "public_key", pk, 32);
	hex_field(s, "signature", sig, 64);
	ASSERT_MEM_EQ(pk, res->committee_key, 32);
	ASSERT_OK(sign_verify(pk, "record-index", idx, len, sig));
	json_decref(s);
	free(idx);
}

static uint64_t
be(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

/*
 * ballots.bin: entries in order, hashes and the tracking chain recompute,
 * every proof verifies, and the final checkpoint signs the head.
 */
static void
check_box(const char *dir, const struct recgen_result *res,
    const struct recgen_opts *o)
{
	uint8_t *b, code[32], h[32], fcode[32], sig[64];
	size_t len, off = 17;
	struct elgamal_key *k = NULL;
	json_t *cps, *last;
	uint64_t p;

	ASSERT_OK(elgamal_key_decode(&k, res->public_key, 65));
	b = load(dir, "ballots.bin", &len);
	ASSERT_MEM_EQ(b, "IPPYOBOX\001", 9);
	ASSERT_U64_EQ(be(b + 9, 8), res->ballots_cast);
	box_seed(res->context_hash, code);
	for (p = 1; p <= res->ballots_cast; p++) {
		const uint8_t *alias, *bal, *q;
		char at[28];
		size_t al, tl, bl, c;

		ASSERT_TRUE(len - off > 12);
		ASSERT_U64_EQ(be(b + off, 8), p);
		al = (size_t)be(b + off + 8, 4);
		ASSERT_INT_EQ(al, 32);
		alias = b + off + 12;
		off += 12 + al;
		tl = (size_t)be(b + off + 64, 4);
		ASSERT_TRUE(tl == 27);
		memcpy(at, b + off + 68, tl);
		at[tl] = '\0';
		bl = (size_t)be(b + off + 68 + tl, 4);
		bal = b + off + 72 + tl;
		ballot_hash(bal, bl, h);
		ASSERT_MEM_EQ(b + off, h, 32);
		box_tracking_code(res->context_hash, code, (int64_t)p, h, at,
		    code);
		ASSERT_MEM_EQ(b + off + 32, code, 32);
		off += 72 + tl + bl;
		/* The ballot: header, then each contest's proofs. */
		q = bal + 9 + 4 + strlen(res->election_id);
		ASSERT_MEM_EQ(q, res->context_hash, 32);
		ASSERT_MEM_EQ(q + 36, alias, 32);
		q += 32 + 4 + 32 + 4;
		for (c = 0; c < res->ncontests; c++) {
			struct contest_spec spec = { (uint32_t)c, o->options,
			    o->min, o->max };
			size_t cl = (size_t)be(q + 4, 4);

			ASSERT_INT_EQ(cl, contest_len(&spec));
			ASSERT_OK(contest_verify(k, res->context_hash, alias, 32,
			    &spec, q + 8, cl));
			q += 8 + cl;
		}
		ASSERT_TRUE(q == bal + bl);
	}
	ASSERT_INT_EQ(off, len);
	cps = load_json(dir, "checkpoints.json");
	last = json_array_get(cps, json_array_size(cps) - 1);
	ASSERT_TRUE(json_is_true(json_object_get(last, "final")));
	ASSERT_U64_EQ(json_integer_value(json_object_get(last, "position")),
	    res->ballots_cast);
	hex_field(last, "tracking_code", fcode, 32);
	ASSERT_MEM_EQ(fcode, code, 32);
	hex_field(last, "signature", sig, 64);
	{
		const char *at = json_string_value(json_object_get(last, "at"));
		size_t il = strlen(res->election_id), n = 0;
		uint8_t msg[256];

		msg[n++] = 0;
		msg[n++] = 0;
		msg[n++] = 0;
		msg[n++] = (uint8_t)il;
		memcpy(msg + n, res->election_id, il);
		n += il;
		for (p = 0; p < 8; p++)
			msg[n++] = (uint8_t)(res->ballots_cast >> (56 - 8 * p));
		memcpy(msg + n, code, 32);
		n += 32;
		msg[n++] = 0;
		msg[n++] = 0;
		msg[n++] = 0;
		msg[n++] = (uint8_t)strlen(at);
		memcpy(msg + n, at, strlen(at));
		n += strlen(at);
		ASSERT_OK(sign_verify(res->committee_key, "box-final", msg, n,
		    sig));
	}
	json_decref(cps);
	elgamal_key_free(k);
	free(b);
}

/* What counts, and the results against the known votes. */
static void
check_counts(const char *dir, const struct recgen_result *res)
{
	json_t *sup = load_json(dir, "superseded.json");
	json_t *cnt = load_json(dir, "counted.json");
	json_t *adm = load_json(dir, "admitted.json");
	json_t *rj = load_json(dir, "results.json");
	json_t *ej = load_json(dir, "election.json");
	json_t *pos = json_object_get(cnt, "positions"), *cs;
	size_t i, j, nadm = 0;

	ASSERT_U64_EQ(json_array_size(pos), res->ballots_counted);
	ASSERT_U64_EQ(json_array_size(pos) + json_array_size(sup),
	    res->ballots_cast);
	for (i = 0; i < json_array_size(sup); i++) {
		json_t *e = json_array_get(sup, i);
		const char *why = json_string_value(json_object_get(e, "reason"));

		if (strcmp(why, "admitted_in_person") == 0) {
			ASSERT_TRUE(json_is_null(json_object_get(e, "by")));
			nadm++;
		} else {
			ASSERT_STR_EQ(why, "revote");
			ASSERT_TRUE(json_integer_value(json_object_get(e, "by")) >
			    json_integer_value(json_object_get(e, "position")));
		}
	}
	ASSERT_INT_EQ(json_array_size(adm), res->admitted);
	ASSERT_U64_EQ(json_integer_value(json_object_get(ej, "ballots_cast")),
	    res->ballots_cast);
	ASSERT_U64_EQ(json_integer_value(json_object_get(ej,
	    "ballots_counted")), res->ballots_counted);
	cs = json_object_get(rj, "contests");
	ASSERT_INT_EQ(json_array_size(cs), res->ncontests);
	for (i = 0; i < res->ncontests; i++) {
		json_t *ops = json_object_get(json_array_get(cs, i), "options");

		ASSERT_INT_EQ(json_array_size(ops), res->noptions);
		for (j = 0; j < res->noptions; j++)
			ASSERT_U64_EQ(json_integer_value(json_object_get(
			    json_array_get(ops, j), "votes")), res->votes[i][j]);
	}
	json_decref(sup);
	json_decref(cnt);
	json_decref(adm);
	json_decref(rj);
	json_decref(ej);
}

TEST(recgen_small_ceremony_record_is_consistent)
{
	struct recgen_opts o;
	struct recgen_result res;
	char *dir = tmpdir(), p[256];
	json_t *ej, *cer, *q, *cmp;
	uint64_t total = 0;
	size_t i;

	recgen_opts_default(&o);
	o.ballots = 20;
	o.trustees = 5;
	o.threshold = 3;
	o.absent = 1u << 2;		/* trustee 2 absent at the tally */
	o.cheater = 4;			/* and 4 excluded by a complaint */
	o.revote_pct = 20;
	o.admitted_pct = 10;
	o.admitted_extra = 1;
	o.contests = 2;
	o.options = 4;
	o.max = 2;
	o.threads = 2;
	ASSERT_OK(recgen_run(&o, dir, &res));
	ASSERT_U64_EQ(res.ballots_cast, 20);
	ASSERT_INT_EQ(res.voters, 16);
	ASSERT_INT_EQ(res.admitted, 2);		/* one online, one extra */
	ASSERT_INT_EQ(res.qualified, 4);
	ASSERT_INT_EQ(res.participating, 3);
	ASSERT_U64_EQ(res.ballots_counted, 15);
	for (i = 0; i < res.noptions; i++)
		total += res.votes[0][i];
	ASSERT_TRUE(total <= 2 * res.ballots_counted);
	check_index(dir, &res);
	check_box(dir, &res, &o);
	check_counts(dir, &res);
	ej = load_json(dir, "election.json");
	ASSERT_INT_EQ(json_object_size(ej), 12);
	ASSERT_TRUE(json_is_false(json_object_get(ej, "test_single_key")));
	cer = json_object_get(ej, "ceremony");
	q = json_object_get(cer, "qualified");
	ASSERT_INT_EQ(json_array_size(q), 4);
	ASSERT_INT_EQ(json_integer_value(json_array_get(q, 3)), 5);
	json_decref(ej);
	cmp = load_json(dir, "ceremony/complaints.json");
	ASSERT_INT_EQ(json_array_size(cmp), 1);
	ASSERT_INT_EQ(json_integer_value(json_object_get(json_array_get(cmp,
	    0), "accused")), 4);
	json_decref(cmp);
	/* Shares from 1, 3, 5: not the absent 2, not the excluded 4. */
	snprintf(p, sizeof(p), "%s/decryption/trustee-02.json", dir);
	ASSERT_TRUE(access(p, F_OK) != 0);
	snprintf(p, sizeof(p), "%s/decryption/trustee-04.json", dir);
	ASSERT_TRUE(access(p, F_OK) != 0);
	snprintf(p, sizeof(p), "%s/decryption/trustee-05.json", dir);
	ASSERT_INT_EQ(access(p, F_OK), 0);
	snprintf(p, sizeof(p), "%s/ceremony/public-04.bin", dir);
	ASSERT_INT_EQ(access(p, F_OK), 0);
	rm_rf(dir);
}

TEST(recgen_is_deterministic_and_writes_the_archive)
{
	struct recgen_opts o;
	struct recgen_result r1, r2;
	char *d = tmpdir(), d1[128], d2[128], tp[128];
	struct archive *a = NULL;
	uint8_t *i1, *i2, *sig;
	size_t l1, l2, sl, k, off;

	snprintf(d1, sizeof(d1), "%s/one", d);
	snprintf(d2, sizeof(d2), "%s/two", d);
	snprintf(tp, sizeof(tp), "%s/r.tar", d);
	recgen_opts_default(&o);
	o.ballots = 12;
	o.seed = "determinism";
	o.threads = 1;
	ASSERT_OK(recgen_run(&o, d1, &r1));
	o.threads = 3;
	ASSERT_OK(recgen_run(&o, d2, &r2));
	i1 = load(d1, "INDEX", &l1);
	i2 = load(d2, "INDEX", &l2);
	ASSERT_INT_EQ(l1, l2);
	ASSERT_MEM_EQ(i1, i2, l1);	/* INDEX hashes every file */
	ASSERT_MEM_EQ(r1.committee_key, r2.committee_key, 32);
	/* Another seed, another record. */
	o.seed = "other";
	o.tar = 1;
	ASSERT_OK(recgen_run(&o, tp, &r2));
	ASSERT_TRUE(memcmp(r1.public_key, r2.public_key, 65) != 0);
	o.seed = "determinism";
	unlink(tp);
	ASSERT_OK(recgen_run(&o, tp, &r2));
	ASSERT_OK(archive_read(tp, 1u << 30, &a));
	ASSERT_STR_EQ(a->top, "gen-2027-record");
	ASSERT_STR_EQ(a->entries[0].path, "INDEX");
	ASSERT_INT_EQ(a->entries[0].len, l1);
	ASSERT_MEM_EQ(a->entries[0].data, i1, l1);
	ASSERT_STR_EQ(a->entries[1].path, "INDEX.sig");
	sig = load(d1, "INDEX.sig", &sl);
	ASSERT_INT_EQ(a->entries[1].len, sl);
	ASSERT_MEM_EQ(a->entries[1].data, sig, sl);
	/* Then the files in INDEX order, each with its INDEX hash. */
	for (k = 2, off = 0; off < l1; k++) {
		const char *line = (const char *)i1 + off;
		const char *nl = memchr(line, '\n', l1 - off);
		uint8_t h[32];
		char hex[65];

		ASSERT_TRUE(k < a->count);
		ASSERT_INT_EQ(strlen(a->entries[k].path),
		    (size_t)(nl - line) - 66);
		ASSERT_MEM_EQ(a->entries[k].path, line + 66, (size_t)(nl - line)
		    - 66);
		digest_sha256(a->entries[k].data, a->entries[k].len, h);
		ASSERT_OK(ct_hex_encode(h, 32, hex, sizeof(hex)));
		ASSERT_MEM_EQ(line, hex, 64);
		off = (size_t)(nl - (const char *)i1) + 1;
	}
	ASSERT_INT_EQ(k, a->count);
	/* The temporary directory is gone. */
	snprintf(tp, sizeof(tp), "%s/r.tar.tmpdir", d);
	ASSERT_TRUE(access(tp, F_OK) != 0);
	archive_free(a);
	free(i1);
	free(i2);
	free(sig);
	rm_rf(d);
}

TEST(recgen_test_key_record)
{
	struct recgen_opts o;
	struct recgen_result res;
	char *dir = tmpdir(), p[256];
	json_t *ej, *tj;

	recgen_opts_default(&o);
	o.ballots = 6;
	o.test_key = 1;
	o.options = 3;
	o.min = 1;
	o.max = 3;
	ASSERT_OK(recgen_run(&o, dir, &res));
	check_index(dir, &res);
	check_box(dir, &res, &o);
	check_counts(dir, &res);
	ej = load_json(dir, "election.json");
	ASSERT_TRUE(json_is_true(json_object_get(ej, "test_single_key")));
	ASSERT_TRUE(json_is_null(json_object_get(ej, "ceremony")));
	json_decref(ej);
	snprintf(p, sizeof(p), "%s/ceremony", dir);
	ASSERT_TRUE(access(p, F_OK) != 0);
	tj = load_json(dir, "decryption/trustee-01.json");
	ASSERT_INT_EQ(json_integer_value(json_object_get(tj, "trustee")), 1);
	ASSERT_INT_EQ(json_string_length(json_array_get(json_array_get(
	    json_object_get(tj, "shares"), 0), 2)), 2 * 227);
	json_decref(tj);
	rm_rf(dir);
}

TEST(recgen_empty_box)
{
	struct recgen_opts o;
	struct recgen_result res;
	char *dir = tmpdir(), p[256];
	json_t *tj, *ct;
	uint8_t zero[130], got[130];

	recgen_opts_default(&o);
	o.ballots = 0;
	ASSERT_OK(recgen_run(&o, dir, &res));
	check_index(dir, &res);
	check_box(dir, &res, &o);
	snprintf(p, sizeof(p), "%s/decryption", dir);
	ASSERT_TRUE(access(p, F_OK) != 0);
	tj = load_json(dir, "tally.json");
	ct = json_array_get(json_object_get(json_array_get(json_object_get(tj,
	    "contests"), 0), "options"), 0);
	ASSERT_OK(ct_hex_decode(json_string_value(ct), json_string_length(ct),
	    got, sizeof(got)));
	memset(zero, 0, sizeof(zero));
	ASSERT_MEM_EQ(got, zero, sizeof(zero));
	json_decref(tj);
	rm_rf(dir);
}

TEST(recgen_refuses_bad_options)
{
	struct recgen_opts o;
	char *dir = tmpdir(), p[256];
	FILE *f;

	recgen_opts_default(&o);
	o.ballots = 1;
	o.absent = (1u << 1) | (1u << 2);	/* 2-of-3 with two absent */
	ASSERT_ERR(recgen_run(&o, dir, NULL), ERR_INVALID_ARG);
	o.absent = 1u << 4;			/* no trustee 4 */
	ASSERT_ERR(recgen_run(&o, dir, NULL), ERR_INVALID_ARG);
	o.absent = 0;
	o.threshold = 3;			/* n < 2k - 1 */
	ASSERT_ERR(recgen_run(&o, dir, NULL), ERR_INVALID_ARG);
	o.threshold = 2;
	o.cheater = 1;
	o.absent = 1u << 2;			/* only 3 left */
	ASSERT_ERR(recgen_run(&o, dir, NULL), ERR_INVALID_ARG);
	o.absent = 0;
	o.max = 11;				/* more than the options */
	ASSERT_ERR(recgen_run(&o, dir, NULL), ERR_INVALID_ARG);
	o.max = 1;
	o.election_id = "Bad Id";
	ASSERT_ERR(recgen_run(&o, dir, NULL), ERR_INVALID_ARG);
	o.election_id = NULL;
	o.test_key = 1;				/* no trustees to cheat */
	ASSERT_ERR(recgen_run(&o, dir, NULL), ERR_INVALID_ARG);
	o.test_key = 0;
	o.cheater = 0;
	snprintf(p, sizeof(p), "%s/x", dir);
	ASSERT_NOT_NULL(f = fopen(p, "w"));
	fclose(f);
	ASSERT_ERR(recgen_run(&o, dir, NULL), ERR_EXISTS);
	ASSERT_INT_EQ(access(p, F_OK), 0);	/* left alone */
	rm_rf(dir);
}
