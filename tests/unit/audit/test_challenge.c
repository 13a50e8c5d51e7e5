/*
 * test_challenge.c - the Benaloh challenge: the voter client's writer
 * (web/vote_cmd.h vote_challenge_write) and the checker
 * (audit/challenge.h), round trip and every refusal with its error and
 * the check the report names.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/challenge.h"
#include "ballot/ballot.h"
#include "ballot/election.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/vbuf.h"
#include "crypto/ct.h"
#include "crypto/elgamal.h"
#include "crypto/group.h"
#include "crypto/rand.h"
#include "tests/harness/test.h"
#include "web/vote_cmd.h"

static const char ALIAS[] = "00112233445566778899aabbccddeeff";

static struct manifest *
town(void)
{
	static const uint32_t nopt[3] = { 3, 2, 4 };
	struct manifest *m = manifest_new(3, nopt);
	uint32_t i, j;

	ASSERT_NOT_NULL(m);
	snprintf(m->id, sizeof(m->id), "yabu-2027");
	snprintf(m->name_ja, sizeof(m->name_ja), "養父市長選挙");
	snprintf(m->name_en, sizeof(m->name_en), "Yabu mayoral election");
	memcpy(m->municipality, "282227", 7);
	ASSERT_OK(clock_parse_date("2027-04-25", 10, &m->election_day));
	ASSERT_OK(clock_parse_date("2027-04-17", 10, &m->reference_date));
	m->opens_us = 1808438400000000LL;
	m->closes_us = 1808474400000000LL;
	for (i = 0; i < 3; i++) {
		struct manifest_contest *c = &m->contests[i];

		snprintf(c->id, sizeof(c->id), "c%u", i);
		snprintf(c->title_ja, sizeof(c->title_ja), "選挙 %u", i);
		snprintf(c->title_en, sizeof(c->title_en), "Contest %u", i);
		for (j = 0; j < c->noptions; j++) {
			snprintf(c->options[j].id, sizeof(c->options[j].id), "o%u", j);
			snprintf(c->options[j].label_ja,
			    sizeof(c->options[j].label_ja), "候補 %u-%u", i, j);
			snprintf(c->options[j].label_en,
			    sizeof(c->options[j].label_en), "Candidate %u-%u", i, j);
		}
	}
	m->contests[0].min = 0;	m->contests[0].max = 1;	/* mayor */
	m->contests[1].min = 1;	m->contests[1].max = 1;	/* referendum */
	m->contests[2].min = 0;	m->contests[2].max = 4;	/* judges */
	return m;
}

struct fx {
	struct election e;
	uint8_t sel[LIMIT_CONTESTS_MAX][LIMIT_OPTIONS_MAX];
	const uint8_t *rows[LIMIT_CONTESTS_MAX];
	char dir[64];
	char path[128];
	uint8_t hash[HASH_LEN];
	char *text;		/* the file as written */
	size_t len;
};

/* One contest of two options, for the sweep (each mutant is checked in
 * full, proofs included). */
static struct manifest *
tiny(void)
{
	static const uint32_t nopt[1] = { 2 };
	struct manifest *m = manifest_new(1, nopt);

	ASSERT_NOT_NULL(m);
	snprintf(m->id, sizeof(m->id), "t1");
	snprintf(m->name_ja, sizeof(m->name_ja), "住民投票");
	snprintf(m->name_en, sizeof(m->name_en), "Referendum");
	memcpy(m->municipality, "282227", 7);
	ASSERT_OK(clock_parse_date("2027-04-25", 10, &m->election_day));
	m->reference_date = m->election_day;
	m->opens_us = 1;
	m->closes_us = 2;
	snprintf(m->contests[0].id, sizeof(m->contests[0].id), "q");
	snprintf(m->contests[0].title_ja, sizeof(m->contests[0].title_ja), "問");
	snprintf(m->contests[0].title_en, sizeof(m->contests[0].title_en), "Q");
	snprintf(m->contests[0].options[0].id, 8, "yes");
	snprintf(m->contests[0].options[0].label_ja, 8, "賛成");
	snprintf(m->contests[0].options[0].label_en, 8, "Yes");
	snprintf(m->contests[0].options[1].id, 8, "no");
	snprintf(m->contests[0].options[1].label_ja, 8, "反対");
	snprintf(m->contests[0].options[1].label_en, 8, "No");
	m->contests[0].min = 0;
	m->contests[0].max = 1;
	return m;
}

static void
fx_setup_with(struct fx *f, struct manifest *m)
{
	struct vbuf *b = vbuf_new(LIMIT_MANIFEST_MAX);
	struct scalar sk;
	struct point *k = group_point_new();
	uint32_t i;

	memset(f, 0, sizeof(*f));
	f->e.manifest = m;
	ASSERT_NOT_NULL(b);
	ASSERT_OK(manifest_encode(f->e.manifest, b));
	f->e.manifest_len = vbuf_len(b);
	f->e.manifest_bytes = malloc(f->e.manifest_len);
	ASSERT_NOT_NULL(f->e.manifest_bytes);
	memcpy(f->e.manifest_bytes, vbuf_ptr(b), f->e.manifest_len);
	vbuf_free(b);
	ASSERT_NOT_NULL(k);
	ASSERT_OK(group_scalar_random(&sk));
	ASSERT_OK(group_mul_g(k, &sk));
	ASSERT_OK(elgamal_key_new(&f->e.key, k));
	group_point_free(k);
	f->e.test_single_key = 1;
	f->e.state = ELECTION_OPEN;
	ASSERT_OK(election_context_hash(f->e.manifest_bytes, f->e.manifest_len,
	    elgamal_key_encoded(f->e.key), 1, f->e.context_hash));
	f->sel[0][1] = 1;			/* mayor: candidate 0-1 */
	f->sel[1][0] = 1;			/* referendum: yes */
	f->sel[2][0] = f->sel[2][3] = 1;	/* two judges */
	for (i = 0; i < LIMIT_CONTESTS_MAX; i++)
		f->rows[i] = f->sel[i];
	snprintf(f->dir, sizeof(f->dir), "/tmp/ippyo-challenge.XXXXXX");
	ASSERT_NOT_NULL(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/challenge.json", f->dir);
}

static void
fx_setup(struct fx *f)
{
	fx_setup_with(f, town());
}

/* Writes the challenge file through the client and reads it back. */
static void
fx_write(struct fx *f)
{
	FILE *dev = fopen("/dev/null", "w");

	ASSERT_NOT_NULL(dev);
	ASSERT_OK(vote_challenge_write(&f->e, ALIAS, f->rows, f->path, dev,
	    f->hash));
	fclose(dev);
	f->text = (char *)test_read_file(f->path, &f->len);
}

static void
fx_free(struct fx *f)
{
	unlink(f->path);
	rmdir(f->dir);
	free(f->text);
	manifest_free(f->e.manifest);
	free(f->e.manifest_bytes);
	elgamal_key_free(f->e.key);
}

/* Runs the checker on text; the report in *rep (caller frees). */
static int
run(const char *text, size_t len, char **rep)
{
	size_t n;
	FILE *m = open_memstream(rep, &n);
	int r;

	ASSERT_NOT_NULL(m);
	r = challenge_check((const uint8_t *)text, len, m);
	fclose(m);
	return r;
}

/* Checks text refused with want and, when check is given, the report
 * naming that check as FAILED. */
static void
expect(const char *text, size_t len, int want, const char *failed,
    const char *file, int line)
{
	char *rep = NULL, needle[160];
	int r = run(text, len, &rep);

	if (r != want)
		test_fail(file, line, "got %s, want %s\n%s", err_name(r),
		    err_name(want), rep ? rep : "");
	if (failed != NULL) {
		snprintf(needle, sizeof(needle), "FAILED %s", failed);
		if (rep == NULL || strstr(rep, needle) == NULL)
			test_fail(file, line, "report lacks \"%s\":\n%s",
			    needle, rep ? rep : "");
	}
	free(rep);
}
#define EXPECT(t, l, want, failed) expect((t), (l), (want), (failed), \
	__FILE__, __LINE__)

/* JSON editing for the refusal tests. */
static json_t *
load(const struct fx *f)
{
	json_t *j = json_loadb(f->text, f->len, 0, NULL);

	ASSERT_NOT_NULL(j);
	return j;
}

/* Dumps j (consumed) and expects the checker's verdict. */
static void
expect_json(json_t *j, int want, const char *failed, const char *file,
    int line)
{
	char *t = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);

	json_decref(j);
	ASSERT_NOT_NULL(t);
	expect(t, strlen(t), want, failed, file, line);
	free(t);
}
#define EXPECT_JSON(j, want, failed) expect_json((j), (want), (failed), \
	__FILE__, __LINE__)

static json_t *
contest(json_t *j, size_t i)
{
	return json_array_get(json_object_get(j, "contests"), i);
}

/* Bytes of a hex member; caller frees. */
static uint8_t *
hex_get(json_t *obj, const char *key, size_t *n)
{
	const char *s = json_string_value(json_object_get(obj, key));
	uint8_t *p;

	ASSERT_NOT_NULL(s);
	*n = strlen(s) / 2;
	p = malloc(*n + 1);
	ASSERT_NOT_NULL(p);
	ASSERT_OK(ct_hex_decode(s, strlen(s), p, *n));
	return p;
}

static void
hex_set(json_t *obj, const char *key, const uint8_t *p, size_t n)
{
	char *h = malloc(2 * n + 1);

	ASSERT_NOT_NULL(h);
	ASSERT_OK(ct_hex_encode(p, n, h, 2 * n + 1));
	ASSERT_INT_EQ(json_object_set_new(obj, key, json_string(h)), 0);
	free(h);
}

/* Replaces the ballot and restates its hash, so that only the checks
 * under test fail. */
static void
ballot_set(json_t *j, const uint8_t *b, size_t n)
{
	uint8_t h[32];

	hex_set(j, "ballot", b, n);
	ballot_hash(b, n, h);
	hex_set(j, "ballot_hash", h, 32);
}

/* Offset of contest i's bytes in the ballot. */
static size_t
contest_at(const struct fx *f, const uint8_t *b, size_t n, uint32_t i)
{
	struct ballot bb;

	ASSERT_OK(ballot_decode(&f->e, b, n, &bb));
	return (size_t)(bb.contest[i] - b);
}

/* ---- round trip ---- */

TEST(challenge_round_trip_through_the_client)
{
	struct fx f;
	struct stat st;
	char *rep = NULL;
	uint8_t *b, h[32];
	size_t n;
	json_t *j;

	fx_setup(&f);
	fx_write(&f);
	/* a private file */
	ASSERT_INT_EQ(stat(f.path, &st), 0);
	ASSERT_INT_EQ(st.st_mode & 0777, 0600);
	/* the report names the chosen options in both languages */
	ASSERT_OK(run(f.text, f.len, &rep));
	ASSERT_TRUE(strstr(rep, "[x] o1  候補 0-1 / Candidate 0-1") != NULL);
	ASSERT_TRUE(strstr(rep, "[x] o0  候補 1-0 / Candidate 1-0") != NULL);
	ASSERT_TRUE(strstr(rep, "[x] o3  候補 2-3 / Candidate 2-3") != NULL);
	ASSERT_TRUE(strstr(rep, "候補 0-0") == NULL);
	ASSERT_TRUE(strstr(rep, "養父市長選挙") != NULL);
	ASSERT_TRUE(strstr(rep, "FAILED") == NULL);
	ASSERT_TRUE(strstr(rep, "must never be cast") != NULL);
	if (getenv("IPPYO_SHOW_REPORT") != NULL)
		fputs(rep, stderr);
	free(rep);
	/* through the file too */
	{
		FILE *dev = fopen("/dev/null", "w");

		ASSERT_OK(challenge_check_file(f.path, dev));
		fclose(dev);
	}
	/* the ballot hash is the client's, and the ballot a real one */
	j = load(&f);
	b = hex_get(j, "ballot", &n);
	ballot_hash(b, n, h);
	ASSERT_MEM_EQ(h, f.hash, 32);
	{
		struct ballot bb;

		ASSERT_OK(ballot_decode(&f.e, b, n, &bb));
		ASSERT_MEM_EQ(bb.alias, ALIAS, 32);
	}
	free(b);
	json_decref(j);
	/* not over-writing: a second challenge to the same path is refused */
	{
		FILE *dev = fopen("/dev/null", "w");
		uint8_t h2[32];

		ASSERT_ERR(vote_challenge_write(&f.e, ALIAS, f.rows, f.path, dev,
		    h2), ERR_EXISTS);
		fclose(dev);
	}
	fx_free(&f);
}

/* The challenged ballot is encrypted exactly as a cast one: the same
 * random stream gives the same bytes as ballot_encrypt. */
TEST(challenge_encrypts_exactly_as_casting)
{
	static const uint8_t seed[] = "ippyo/challenge-same-bytes";
	struct fx f;
	struct vbuf *cast = vbuf_new(BALLOT_MAX);
	uint8_t *b;
	size_t n;
	json_t *j;

	fx_setup(&f);
	rand_test_seed(seed, sizeof(seed));
	ASSERT_OK(ballot_encrypt(&f.e, ALIAS, f.rows, cast));
	rand_test_seed(seed, sizeof(seed));
	fx_write(&f);
	rand_test_clear();
	j = load(&f);
	b = hex_get(j, "ballot", &n);
	ASSERT_INT_EQ(n, vbuf_len(cast));
	ASSERT_MEM_EQ(b, vbuf_ptr(cast), n);
	free(b);
	json_decref(j);
	vbuf_free(cast);
	fx_free(&f);
}

TEST(challenge_refuses_symlink_and_reports_io)
{
	struct fx f;
	char link[160];
	uint8_t h[32];
	FILE *dev = fopen("/dev/null", "w");

	fx_setup(&f);
	snprintf(link, sizeof(link), "%s/link.json", f.dir);
	ASSERT_INT_EQ(symlink("/tmp/ippyo-nowhere", link), 0);
	ASSERT_ERR(vote_challenge_write(&f.e, ALIAS, f.rows, link, dev, h),
	    ERR_EXISTS);
	unlink(link);
	ASSERT_ERR(challenge_check_file("/nonexistent/challenge.json", dev),
	    ERR_NOT_FOUND);
	fclose(dev);
	fx_free(&f);
}

/* ---- the checker: failed checks (ERR_VERIFY, the check named) ---- */

TEST(challenge_wrong_selection)
{
	struct fx f;
	json_t *j, *s;

	fx_setup(&f);
	fx_write(&f);
	/* mayor: claim candidate 0-2 instead of 0-1 (bounds still kept) */
	j = load(&f);
	s = json_object_get(contest(j, 0), "selections");
	json_array_set_new(s, 1, json_integer(0));
	json_array_set_new(s, 2, json_integer(1));
	EXPECT_JSON(j, ERR_VERIFY, "every ciphertext is Enc");
	/* judges: one more mark than the ballot holds */
	j = load(&f);
	s = json_object_get(contest(j, 2), "selections");
	json_array_set_new(s, 1, json_integer(1));
	EXPECT_JSON(j, ERR_VERIFY, "every ciphertext is Enc");
	/* referendum: blank, out of its bounds [1, 1] too */
	j = load(&f);
	s = json_object_get(contest(j, 1), "selections");
	json_array_set_new(s, 0, json_integer(0));
	EXPECT_JSON(j, ERR_VERIFY, "the selections keep the contest's bounds");
	fx_free(&f);
}

TEST(challenge_wrong_nonce)
{
	struct fx f;
	json_t *j, *nn;
	uint8_t r[32];

	fx_setup(&f);
	fx_write(&f);
	j = load(&f);
	nn = json_object_get(contest(j, 2), "nonces");
	/* another option's nonce */
	json_array_set(nn, 0, json_array_get(nn, 1));
	EXPECT_JSON(j, ERR_VERIFY, "every ciphertext is Enc");
	/* a fresh random scalar */
	j = load(&f);
	nn = json_object_get(contest(j, 0), "nonces");
	{
		struct scalar s;
		char h[65];

		ASSERT_OK(group_scalar_random(&s));
		group_scalar_encode(&s, r);
		ASSERT_OK(ct_hex_encode(r, 32, h, sizeof(h)));
		json_array_set_new(nn, 2, json_string(h));
	}
	EXPECT_JSON(j, ERR_VERIFY, "every ciphertext is Enc");
	fx_free(&f);
}

TEST(challenge_swapped_ciphertexts)
{
	struct fx f;
	json_t *j;
	uint8_t *b, tmp[130];
	size_t n, at;

	fx_setup(&f);
	fx_write(&f);
	j = load(&f);
	b = hex_get(j, "ballot", &n);
	at = contest_at(&f, b, n, 2);
	memcpy(tmp, b + at, 130);
	memcpy(b + at, b + at + 130, 130);
	memcpy(b + at + 130, tmp, 130);
	ballot_set(j, b, n);
	EXPECT_JSON(j, ERR_VERIFY, "every ciphertext is Enc");
	/* and the proofs no longer hold either */
	j = load(&f);
	ballot_set(j, b, n);
	EXPECT_JSON(j, ERR_VERIFY, "the proofs verify");
	/* the same swap with the old hash stated: that fails as well */
	j = load(&f);
	hex_set(j, "ballot", b, n);
	EXPECT_JSON(j, ERR_VERIFY, "the ballot hash is the one stated");
	free(b);
	fx_free(&f);
}

/* Ciphertexts that open to an over-vote: the bounds check and the
 * proofs fail, while each ciphertext does open to what is claimed. */
TEST(challenge_over_vote_opens_but_breaks_bounds)
{
	struct fx f;
	json_t *j, *s, *nn;
	uint8_t *b, r[32];
	struct elgamal_ciphertext *c = elgamal_ciphertext_new();
	struct scalar sc;
	size_t n, at;
	char h[65];
	char *rep = NULL, *t;

	fx_setup(&f);
	fx_write(&f);
	j = load(&f);
	b = hex_get(j, "ballot", &n);
	at = contest_at(&f, b, n, 0);
	/* mayor: both candidates 0-0 and 0-1 marked, max is 1 */
	ASSERT_OK(group_scalar_random(&sc));
	ASSERT_OK(elgamal_encrypt(f.e.key, 1, &sc, NULL, c));
	ASSERT_OK(elgamal_encode(c, b + at, 0));
	group_scalar_encode(&sc, r);
	ASSERT_OK(ct_hex_encode(r, 32, h, sizeof(h)));
	ballot_set(j, b, n);
	s = json_object_get(contest(j, 0), "selections");
	json_array_set_new(s, 0, json_integer(1));
	nn = json_object_get(contest(j, 0), "nonces");
	json_array_set_new(nn, 0, json_string(h));
	t = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	ASSERT_ERR(run(t, strlen(t), &rep), ERR_VERIFY);
	ASSERT_TRUE(strstr(rep, "FAILED the selections keep") != NULL);
	ASSERT_TRUE(strstr(rep, "FAILED the proofs verify") != NULL);
	ASSERT_TRUE(strstr(rep, "FAILED every ciphertext") == NULL);
	free(rep);
	free(t);
	json_decref(j);
	free(b);
	elgamal_ciphertext_free(c);
	fx_free(&f);
}

TEST(challenge_context_mismatch)
{
	struct fx f;
	json_t *j;
	uint8_t *mb, k2[65];
	size_t n;

	fx_setup(&f);
	fx_write(&f);
	/* another election key */
	{
		struct scalar s;
		struct point *p = group_point_new();

		ASSERT_OK(group_scalar_random(&s));
		ASSERT_OK(group_mul_g(p, &s));
		ASSERT_OK(group_point_encode(p, k2, 0));
		group_point_free(p);
	}
	j = load(&f);
	hex_set(j, "public_key", k2, 65);
	EXPECT_JSON(j, ERR_VERIFY, "the context hash recomputes");
	/* another manifest (one letter of the English name) */
	j = load(&f);
	mb = hex_get(j, "manifest", &n);
	{
		size_t k;

		for (k = 0; k + 4 <= n && memcmp(mb + k, "Yabu", 4) != 0; k++)
			;
		ASSERT_TRUE(k + 4 <= n);
		mb[k] = 'Z';
	}
	hex_set(j, "manifest", mb, n);
	free(mb);
	EXPECT_JSON(j, ERR_VERIFY, "the context hash recomputes");
	/* the test-key flag, and the stated hash itself */
	j = load(&f);
	json_object_set_new(j, "test_single_key", json_false());
	EXPECT_JSON(j, ERR_VERIFY, "the context hash recomputes");
	j = load(&f);
	{
		uint8_t *c = hex_get(j, "context_hash", &n);

		c[0] ^= 1;
		hex_set(j, "context_hash", c, n);
		free(c);
	}
	EXPECT_JSON(j, ERR_VERIFY, "the context hash recomputes");
	/* the stated ballot hash; the election named */
	j = load(&f);
	{
		uint8_t *c = hex_get(j, "ballot_hash", &n);

		c[31] ^= 0x80;
		hex_set(j, "ballot_hash", c, n);
		free(c);
	}
	EXPECT_JSON(j, ERR_VERIFY, "the ballot hash is the one stated");
	j = load(&f);
	json_object_set_new(j, "election", json_string("yabu-2028"));
	EXPECT_JSON(j, ERR_VERIFY, "the file, the manifest and the ballot");
	fx_free(&f);
}

/* ---- the checker: unusable files (their own errors) ---- */

TEST(challenge_refuses_bad_json)
{
	struct fx f;
	char *t;
	size_t i;

	fx_setup(&f);
	fx_write(&f);
	/* truncated: at every length, refused; in the middle, ERR_TRUNCATED */
	for (i = 0; i < f.len - 1; i++) {
		char *rep = NULL;
		int r = run(f.text, i, &rep);

		free(rep);
		if (r == 0)
			test_fail(__FILE__, __LINE__, "accepted cut at %zu", i);
	}
	EXPECT(f.text, f.len / 2, ERR_TRUNCATED, NULL);
	EXPECT(f.text, 0, ERR_TRUNCATED, NULL);
	EXPECT(f.text, f.len - 2, ERR_TRUNCATED, NULL);	/* no closing brace */
	/* trailing data */
	t = malloc(f.len + 2);
	memcpy(t, f.text, f.len);
	memcpy(t + f.len, "{}", 2);
	EXPECT(t, f.len + 2, ERR_TRAILING_DATA, NULL);
	free(t);
	/* duplicate key */
	t = malloc(f.len + 64);
	ASSERT_INT_EQ(f.text[0], '{');
	i = (size_t)snprintf(t, 64, "{\"format\":\"ippyo-challenge/1\",");
	memcpy(t + i, f.text + 1, f.len - 1);
	EXPECT(t, i + f.len - 1, ERR_DUPLICATE, NULL);
	free(t);
	/* not an object; syntax; deep nesting */
	EXPECT("[]", 2, ERR_FORMAT, NULL);
	EXPECT("{\"format\" \"x\"}", 14, ERR_FORMAT, NULL);
	{
		char deep[64];

		memset(deep, '[', 32);
		memset(deep + 32, ']', 32);
		EXPECT(deep, 64, ERR_TOO_LARGE, NULL);
	}
	/* over-long file */
	t = calloc(1, LIMIT_CHALLENGE_FILE_MAX + 1);
	ASSERT_NOT_NULL(t);
	memcpy(t, f.text, f.len);
	memset(t + f.len, ' ', LIMIT_CHALLENGE_FILE_MAX + 1 - f.len);
	EXPECT(t, LIMIT_CHALLENGE_FILE_MAX + 1, ERR_TOO_LARGE, NULL);
	{
		FILE *w = fopen(f.path, "w");
		FILE *dev = fopen("/dev/null", "w");

		ASSERT_NOT_NULL(w);
		ASSERT_INT_EQ(fwrite(t, 1, LIMIT_CHALLENGE_FILE_MAX + 1, w),
		    LIMIT_CHALLENGE_FILE_MAX + 1);
		fclose(w);
		ASSERT_ERR(challenge_check_file(f.path, dev), ERR_TOO_LARGE);
		fclose(dev);
	}
	free(t);
	fx_free(&f);
}

TEST(challenge_refuses_wrong_types_and_keys)
{
	struct fx f;
	json_t *j;

	fx_setup(&f);
	fx_write(&f);
	j = load(&f);
	json_object_set_new(j, "test_single_key", json_string("true"));
	EXPECT_JSON(j, ERR_FORMAT, NULL);
	j = load(&f);
	json_object_set_new(j, "public_key", json_integer(4));
	EXPECT_JSON(j, ERR_FORMAT, NULL);
	j = load(&f);
	json_object_set_new(j, "contests", json_object());
	EXPECT_JSON(j, ERR_FORMAT, NULL);
	j = load(&f);
	json_array_set_new(json_object_get(contest(j, 0), "selections"), 0,
	    json_true());
	EXPECT_JSON(j, ERR_FORMAT, NULL);
	j = load(&f);
	json_array_set_new(json_object_get(contest(j, 0), "selections"), 0,
	    json_real(0.0));
	EXPECT_JSON(j, ERR_FORMAT, NULL);
	j = load(&f);
	json_array_set_new(json_object_get(contest(j, 0), "nonces"), 0,
	    json_null());
	EXPECT_JSON(j, ERR_FORMAT, NULL);
	/* unknown and missing keys */
	j = load(&f);
	json_object_set_new(j, "comment", json_string("hello"));
	EXPECT_JSON(j, ERR_FORMAT, NULL);
	j = load(&f);
	json_object_del(j, "ballot_hash");
	EXPECT_JSON(j, ERR_FORMAT, NULL);
	j = load(&f);
	json_object_set_new(contest(j, 1), "label", json_string("x"));
	EXPECT_JSON(j, ERR_FORMAT, NULL);
	j = load(&f);
	json_object_del(contest(j, 1), "nonces");
	EXPECT_JSON(j, ERR_FORMAT, NULL);
	/* another format */
	j = load(&f);
	json_object_set_new(j, "format", json_string("ippyo-challenge/2"));
	EXPECT_JSON(j, ERR_UNSUPPORTED, NULL);
	fx_free(&f);
}

TEST(challenge_refuses_bad_values)
{
	struct fx f;
	json_t *j, *a;
	char h[200];
	size_t i;

	fx_setup(&f);
	fx_write(&f);
	/* hex fields: short, long, uppercase, not hex */
	j = load(&f);
	memset(h, 'a', sizeof(h));
	h[62] = '\0';
	json_object_set_new(j, "ballot_hash", json_string(h));
	EXPECT_JSON(j, ERR_TRUNCATED, NULL);
	j = load(&f);
	h[62] = 'a';
	h[66] = '\0';
	json_object_set_new(j, "ballot_hash", json_string(h));
	EXPECT_JSON(j, ERR_TOO_LARGE, NULL);
	j = load(&f);
	h[64] = '\0';
	h[3] = 'A';
	json_object_set_new(j, "context_hash", json_string(h));
	EXPECT_JSON(j, ERR_FORMAT, NULL);
	j = load(&f);
	h[3] = 'g';
	json_object_set_new(j, "context_hash", json_string(h));
	EXPECT_JSON(j, ERR_FORMAT, NULL);
	j = load(&f);
	json_object_set_new(j, "ballot", json_string("abc"));
	EXPECT_JSON(j, ERR_FORMAT, NULL);
	/* selections: not 0 or 1 */
	j = load(&f);
	json_array_set_new(json_object_get(contest(j, 2), "selections"), 1,
	    json_integer(2));
	EXPECT_JSON(j, ERR_RANGE, NULL);
	j = load(&f);
	json_array_set_new(json_object_get(contest(j, 2), "selections"), 1,
	    json_integer(-1));
	EXPECT_JSON(j, ERR_RANGE, NULL);
	/* nonces: zero, and n or more */
	j = load(&f);
	memset(h, '0', 64);
	h[64] = '\0';
	json_array_set_new(json_object_get(contest(j, 0), "nonces"), 1,
	    json_string(h));
	EXPECT_JSON(j, ERR_RANGE, NULL);
	j = load(&f);
	memset(h, 'f', 64);
	json_array_set_new(json_object_get(contest(j, 0), "nonces"), 1,
	    json_string(h));
	EXPECT_JSON(j, ERR_RANGE, NULL);
	/* election id: not an id, too long */
	j = load(&f);
	json_object_set_new(j, "election", json_string("Yabu"));
	EXPECT_JSON(j, ERR_FORMAT, NULL);
	j = load(&f);
	memset(h, 'e', 65);
	h[65] = '\0';
	json_object_set_new(j, "election", json_string(h));
	EXPECT_JSON(j, ERR_TOO_LARGE, NULL);
	/* arrays over their limits */
	j = load(&f);
	a = json_object_get(contest(j, 2), "selections");
	for (i = 0; i <= LIMIT_OPTIONS_MAX; i++)
		json_array_append_new(a, json_integer(0));
	EXPECT_JSON(j, ERR_TOO_LARGE, NULL);
	j = load(&f);
	a = json_object_get(j, "contests");
	for (i = 0; i <= LIMIT_CONTESTS_MAX; i++)
		json_array_append(a, json_array_get(a, 0));
	EXPECT_JSON(j, ERR_TOO_LARGE, NULL);
	/* contests that do not follow the manifest */
	j = load(&f);
	json_array_remove(json_object_get(j, "contests"), 2);
	EXPECT_JSON(j, ERR_FORMAT, NULL);
	j = load(&f);
	json_object_set_new(contest(j, 1), "id", json_string("c2"));
	EXPECT_JSON(j, ERR_FORMAT, NULL);
	j = load(&f);
	json_array_remove(json_object_get(contest(j, 2), "selections"), 3);
	json_array_remove(json_object_get(contest(j, 2), "nonces"), 3);
	EXPECT_JSON(j, ERR_FORMAT, NULL);
	j = load(&f);
	json_array_remove(json_object_get(contest(j, 2), "nonces"), 3);
	EXPECT_JSON(j, ERR_FORMAT, NULL);
	/* manifest and ballot bytes the decoders refuse */
	j = load(&f);
	{
		uint8_t *m;
		size_t n;

		m = hex_get(j, "manifest", &n);
		m = realloc(m, n + 1);
		m[n] = 0;
		hex_set(j, "manifest", m, n + 1);
		free(m);
	}
	EXPECT_JSON(j, ERR_TRAILING_DATA, NULL);
	j = load(&f);
	{
		uint8_t *b;
		size_t n;

		b = hex_get(j, "ballot", &n);
		ballot_set(j, b, n - 1);
		free(b);
	}
	EXPECT_JSON(j, ERR_TRUNCATED, NULL);
	j = load(&f);
	json_object_set_new(j, "public_key", json_string(
	    "05" "0000000000000000000000000000000000000000000000000000000000000000"
	    "0000000000000000000000000000000000000000000000000000000000000000"));
	EXPECT_JSON(j, ERR_FORMAT, NULL);
	fx_free(&f);
}

/* A sampled sweep over a whole challenge file: a bit flipped in every
 * ninth byte (the bit rotating; each mutant that parses costs a key
 * table, ~25 ms); no mutant checks out.  Every cut: challenge_refuses_bad_json. */
TEST(challenge_mutation_sweep_sampled)
{
	struct fx f;
	char *m;
	size_t i, tried = 0, accepted = 0;

	fx_setup_with(&f, tiny());
	f.sel[0][0] = 1;	/* yes (the town's choice of option 1 undone) */
	f.sel[0][1] = 0;
	fx_write(&f);
	m = malloc(f.len);
	ASSERT_NOT_NULL(m);
	for (i = 0; i < f.len; i += 9) {
		char *rep = NULL;

		memcpy(m, f.text, f.len);
		m[i] ^= (char)(1u << (i % 8));
		tried++;
		if (run(m, f.len, &rep) == 0 && accepted++ == 0)
			fprintf(stderr, "accepted: flip at %zu\n", i);
		free(rep);
	}
	free(m);
	ASSERT_TRUE(tried > 200);
	ASSERT_INT_EQ(accepted, 0);
	fx_free(&f);
}
