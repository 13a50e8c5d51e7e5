/*
 * test_secrets.c - secret memory, constant-time codecs, Ed25519, sealed files.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/limits.h"
#include "core/vbuf.h"
#include "crypto/ct.h"
#include "crypto/seal.h"
#include "crypto/secret.h"
#include "crypto/sign.h"
#include "tests/harness/mutate.h"
#include "tests/harness/test.h"

TEST(secret_new_is_zeroed_and_bounded)
{
	struct secret *s = NULL;
	uint8_t *p;

	ASSERT_ERR(secret_new(0, &s), ERR_INVALID_ARG);
	ASSERT_ERR(secret_new((size_t)LIMIT_SEALED_FILE_MAX + 1, &s),
	    ERR_INVALID_ARG);
	ASSERT_NULL(s);
	ASSERT_OK(secret_new(48, &s));
	ASSERT_INT_EQ(secret_len(s), 48);
	p = secret_open(s);
	ASSERT_TRUE(ct_is_zero(p, 48));
	/* Nested opens keep it accessible until the last close. */
	ASSERT_TRUE(secret_open(s) == p);
	secret_close(s);
	p[0] = 1;
	secret_close(s);
	secret_free(s);
	secret_free(NULL);
}

TEST(secret_from_copies)
{
	struct secret *s = NULL;

	ASSERT_OK(secret_from("1234", 4, &s));
	ASSERT_MEM_EQ(secret_open(s), "1234", 4);
	secret_close(s);
	secret_free(s);
}

TEST(ct_eq_and_is_zero)
{
	static const uint8_t z[8], a[8] = { 1 };

	ASSERT_TRUE(ct_eq("abc", "abc", 3));
	ASSERT_FALSE(ct_eq("abc", "abd", 3));
	ASSERT_TRUE(ct_eq(NULL, NULL, 0));
	ASSERT_TRUE(ct_is_zero(z, 8));
	ASSERT_FALSE(ct_is_zero(a, 8));
}

TEST(ct_hex_is_lowercase_and_exact)
{
	uint8_t out[3];
	char hex[7];

	ASSERT_OK(ct_hex_encode((const uint8_t *)"\x01\xab\xff", 3, hex, sizeof(hex)));
	ASSERT_STR_EQ(hex, "01abff");
	ASSERT_ERR(ct_hex_encode((const uint8_t *)"\x01\xab\xff", 3, hex, 6), ERR_TOO_LARGE);
	ASSERT_OK(ct_hex_decode("01abff", 6, out, 3));
	ASSERT_MEM_EQ(out, "\x01\xab\xff", 3);
	ASSERT_ERR(ct_hex_decode("01ABFF", 6, out, 3), ERR_FORMAT);
	ASSERT_ERR(ct_hex_decode("01abf", 5, out, 3), ERR_FORMAT);
	ASSERT_ERR(ct_hex_decode("01abzz", 6, out, 3), ERR_FORMAT);
	ASSERT_ERR(ct_hex_decode("01 bff", 6, out, 3), ERR_FORMAT);
	ASSERT_ERR(ct_hex_decode("01ab", 4, out, 3), ERR_RANGE);
	ASSERT_ERR(ct_hex_decode("01abffff", 8, out, 3), ERR_RANGE);
}

TEST(ct_base64_only_canonical)
{
	uint8_t out[16];
	char text[32];
	size_t len;

	ASSERT_OK(ct_base64_encode((const uint8_t *)"ab", 2, CT_B64_STD, text, sizeof(text)));
	ASSERT_STR_EQ(text, "YWI=");
	ASSERT_OK(ct_base64_decode("YWI=", 4, CT_B64_STD, out, sizeof(out), &len));
	ASSERT_INT_EQ(len, 2);
	ASSERT_MEM_EQ(out, "ab", 2);
	/* Unused bits set: other decoders give "ab" again; libsodium's
	 * decoder refuses it outright (our re-encoding check would too). */
	ASSERT_ERR(ct_base64_decode("YWJ=", 4, CT_B64_STD, out, sizeof(out), &len), ERR_FORMAT);
	ASSERT_ERR(ct_base64_decode("YWI", 3, CT_B64_STD, out, sizeof(out), &len), ERR_FORMAT);
	ASSERT_ERR(ct_base64_decode("YW I=", 5, CT_B64_STD, out, sizeof(out), &len), ERR_FORMAT);
	ASSERT_ERR(ct_base64_decode("YWI==", 5, CT_B64_STD, out, sizeof(out), &len), ERR_FORMAT);
	ASSERT_ERR(ct_base64_decode("Y-I=", 4, CT_B64_STD, out, sizeof(out), &len), ERR_FORMAT);
	ASSERT_OK(ct_base64_encode((const uint8_t *)"\xfb\xff", 2, CT_B64_URL, text, sizeof(text)));
	ASSERT_STR_EQ(text, "-_8");
	ASSERT_OK(ct_base64_decode("-_8", 3, CT_B64_URL, out, sizeof(out), &len));
	ASSERT_ERR(ct_base64_decode("-_8=", 4, CT_B64_URL, out, sizeof(out), &len), ERR_FORMAT);
	ASSERT_ERR(ct_base64_decode("AAAAAAAAAAAAAAAAAAAAAAAAAAAA", 28, CT_B64_STD, out, 16, &len), ERR_TOO_LARGE);
}

static const uint8_t seed1[SIGN_SEED_LEN] = { 1, 2, 3 };

TEST(sign_roundtrip_and_domain_separation)
{
	struct sign_key *k = NULL;
	uint8_t pk[SIGN_PUBLIC_LEN], sig[SIGN_SIG_LEN], seed[SIGN_SEED_LEN];

	ASSERT_OK(sign_key_from_seed(seed1, &k));
	sign_key_public(k, pk);
	sign_key_seed(k, seed);
	ASSERT_MEM_EQ(seed, seed1, SIGN_SEED_LEN);
	ASSERT_OK(sign_sign(k, "receipt", (const uint8_t *)"hello", 5, sig));
	ASSERT_OK(sign_verify(pk, "receipt", (const uint8_t *)"hello", 5, sig));
	ASSERT_ERR(sign_verify(pk, "checkpoint", (const uint8_t *)"hello", 5, sig), ERR_VERIFY);
	ASSERT_ERR(sign_verify(pk, "receipt", (const uint8_t *)"hellp", 5, sig), ERR_VERIFY);
	ASSERT_ERR(sign_verify(pk, "receipt", (const uint8_t *)"hell", 4, sig), ERR_VERIFY);
	ASSERT_ERR(sign_sign(k, "Bad Tag", (const uint8_t *)"x", 1, sig), ERR_INVALID_ARG);
	ASSERT_ERR(sign_sign(k, "", (const uint8_t *)"x", 1, sig), ERR_INVALID_ARG);
	ASSERT_ERR(sign_verify(pk, "", (const uint8_t *)"x", 1, sig), ERR_VERIFY);
	sign_key_free(k);
}

/* Ed25519 is deterministic: a fixed seed gives a fixed signature. */
TEST(sign_known_answer)
{
	struct sign_key *k = NULL;
	uint8_t pk[SIGN_PUBLIC_LEN], sig[SIGN_SIG_LEN], sig2[SIGN_SIG_LEN];
	struct sign_key *k2 = NULL;

	ASSERT_OK(sign_key_from_seed(seed1, &k));
	ASSERT_OK(sign_key_from_seed(seed1, &k2));
	sign_key_public(k, pk);
	ASSERT_OK(sign_sign(k, "t", (const uint8_t *)"m", 1, sig));
	ASSERT_OK(sign_sign(k2, "t", (const uint8_t *)"m", 1, sig2));
	ASSERT_MEM_EQ(sig, sig2, SIGN_SIG_LEN);
	sign_key_free(k);
	sign_key_free(k2);
}

struct sig_ctx {
	uint8_t pk[SIGN_PUBLIC_LEN];
};

/* Accepts "pk-less" input: 64-byte signature followed by the message. */
static int
sig_accept(const uint8_t *p, size_t len, void *ctx)
{
	struct sig_ctx *c = ctx;

	if (len < SIGN_SIG_LEN)
		return ERR_TRUNCATED;
	return sign_verify(c->pk, "receipt", p + SIGN_SIG_LEN,
	    len - SIGN_SIG_LEN, p);
}

TEST(sign_mutation_sweep_of_signature_and_message)
{
	struct sign_key *k = NULL;
	struct sig_ctx c;
	uint8_t buf[SIGN_SIG_LEN + 20];

	ASSERT_OK(sign_key_generate(&k));
	sign_key_public(k, c.pk);
	memcpy(buf + SIGN_SIG_LEN, "receipt body 1234567", 20);
	ASSERT_OK(sign_sign(k, "receipt", buf + SIGN_SIG_LEN, 20, buf));
	ASSERT_MUTANTS_REJECTED(buf, sizeof(buf), MUTATE_ALL, sig_accept, &c);
	sign_key_free(k);
}

TEST(sign_refuses_other_keys_and_small_order_keys)
{
	struct sign_key *k = NULL, *other = NULL;
	uint8_t pk[SIGN_PUBLIC_LEN], sig[SIGN_SIG_LEN];
	static const uint8_t zero_pk[SIGN_PUBLIC_LEN];
	static const uint8_t zero_sig[SIGN_SIG_LEN];
	uint8_t ident[SIGN_PUBLIC_LEN] = { 1 };	/* the neutral point */

	ASSERT_OK(sign_key_generate(&k));
	ASSERT_OK(sign_key_generate(&other));
	sign_key_public(other, pk);
	ASSERT_OK(sign_sign(k, "receipt", (const uint8_t *)"x", 1, sig));
	ASSERT_ERR(sign_verify(pk, "receipt", (const uint8_t *)"x", 1, sig), ERR_VERIFY);
	ASSERT_ERR(sign_verify(zero_pk, "receipt", (const uint8_t *)"x", 1, zero_sig), ERR_VERIFY);
	ASSERT_ERR(sign_verify(ident, "receipt", (const uint8_t *)"x", 1, zero_sig), ERR_VERIFY);
	sign_key_free(k);
	sign_key_free(other);
}

static struct vbuf *
sealed_sample(const char *pw, const char *contents)
{
	struct secret *c = NULL, *p = NULL;
	struct vbuf *b = vbuf_new(4096);

	ASSERT_OK(secret_from(contents, strlen(contents), &c));
	ASSERT_OK(secret_from(pw, strlen(pw), &p));
	ASSERT_OK(seal_seal("trustee-share", c, p, &seal_params_test, b));
	secret_free(c);
	secret_free(p);
	return b;
}

TEST(seal_roundtrip)
{
	struct vbuf *b = sealed_sample("correct horse", "share bytes");
	struct secret *p = NULL, *out = NULL;

	ASSERT_OK(secret_from("correct horse", 13, &p));
	ASSERT_OK(seal_open(vbuf_ptr(b), vbuf_len(b), "trustee-share", p, &out));
	ASSERT_INT_EQ(secret_len(out), 11);
	ASSERT_MEM_EQ(secret_open(out), "share bytes", 11);
	secret_close(out);
	secret_free(out);
	secret_free(p);
	vbuf_free(b);
}

TEST(seal_refuses_wrong_passphrase_and_label)
{
	struct vbuf *b = sealed_sample("correct horse", "share bytes");
	struct secret *p = NULL, *out = NULL;

	ASSERT_OK(secret_from("correct hors", 12, &p));
	ASSERT_ERR(seal_open(vbuf_ptr(b), vbuf_len(b), "trustee-share", p, &out), ERR_PASSPHRASE);
	ASSERT_NULL(out);
	secret_free(p);
	ASSERT_OK(secret_from("correct horse", 13, &p));
	ASSERT_ERR(seal_open(vbuf_ptr(b), vbuf_len(b), "server-key", p, &out), ERR_MISMATCH);
	ASSERT_ERR(seal_open(vbuf_ptr(b), vbuf_len(b), "BAD", p, &out), ERR_INVALID_ARG);
	secret_free(p);
	vbuf_free(b);
}

static int
seal_accept(const uint8_t *p, size_t len, void *ctx)
{
	struct secret *out = NULL;
	int r = seal_open(p, len, "trustee-share", ctx, &out);

	secret_free(out);
	return r;
}

/* Every bit of header and body is covered: no mutant opens. */
TEST(seal_mutation_sweep)
{
	struct vbuf *b = sealed_sample("pw", "x");
	struct secret *p = NULL;

	ASSERT_OK(secret_from("pw", 2, &p));
	ASSERT_MUTANTS_REJECTED(vbuf_ptr(b), vbuf_len(b), MUTATE_ALL, seal_accept, p);
	secret_free(p);
	vbuf_free(b);
}

/* Hostile headers are refused before any KDF work, with specific codes. */
TEST(seal_refuses_hostile_headers)
{
	struct vbuf *b = sealed_sample("pw", "x");
	struct secret *p = NULL, *out = NULL;
	uint8_t f[512];
	size_t n = vbuf_len(b);

	ASSERT_OK(secret_from("pw", 2, &p));
	memcpy(f, vbuf_ptr(b), n);
	f[10] = 2;	/* version 2 */
	ASSERT_ERR(seal_open(f, n, "trustee-share", p, &out), ERR_UNSUPPORTED);
	memcpy(f, vbuf_ptr(b), n);
	f[13] = 0x10; /* memlimit high byte: 256 GiB */
	ASSERT_ERR(seal_open(f, n, "trustee-share", p, &out), ERR_RANGE);
	memcpy(f, vbuf_ptr(b), n);
	f[0] = 'X';
	ASSERT_ERR(seal_open(f, n, "trustee-share", p, &out), ERR_FORMAT);
	memcpy(f, vbuf_ptr(b), n);
	ASSERT_ERR(seal_open(f, n - 1, "trustee-share", p, &out), ERR_TRUNCATED);
	f[n] = 0;
	ASSERT_ERR(seal_open(f, n + 1, "trustee-share", p, &out), ERR_TRAILING_DATA);
	ASSERT_ERR(seal_open(f, (size_t)LIMIT_SEALED_FILE_MAX + 1, "trustee-share", p, &out), ERR_TOO_LARGE);
	secret_free(p);
	vbuf_free(b);
}

TEST(seal_files_are_private_and_atomic)
{
	char dir[] = "/tmp/ippyo-seal.XXXXXX", path[256];
	struct secret *c = NULL, *p = NULL, *out = NULL;
	struct stat st;

	ASSERT_NOT_NULL(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/key.sealed", dir);
	ASSERT_OK(secret_from("k", 1, &c));
	ASSERT_OK(secret_from("pw", 2, &p));
	ASSERT_OK(seal_write_file(path, "server-key", c, p, &seal_params_test));
	ASSERT_INT_EQ(stat(path, &st), 0);
	ASSERT_INT_EQ(st.st_mode & 0777, 0600);
	ASSERT_OK(seal_read_file(path, "server-key", p, &out));
	ASSERT_MEM_EQ(secret_open(out), "k", 1);
	secret_close(out);
	secret_free(out);
	out = NULL;
	snprintf(path, sizeof(path), "%s/missing", dir);
	ASSERT_ERR(seal_read_file(path, "server-key", p, &out), ERR_NOT_FOUND);
	snprintf(path, sizeof(path), "%s/key.sealed", dir);
	unlink(path);
	rmdir(dir);
	secret_free(c);
	secret_free(p);
}

/*
 * seal_write_new_file never replaces a file, however late it appeared
 * (no check-then-write window: the file is linked into place, and link
 * fails on an existing name).  The existing file is left as it was, and
 * no temporary file is left behind either way.
 */
TEST(seal_new_file_never_overwrites)
{
	char dir[] = "/tmp/ippyo-sealnew.XXXXXX", path[256];
	struct secret *c = NULL, *c2 = NULL, *p = NULL, *out = NULL;
	struct dirent *de;
	DIR *d;
	int entries = 0;

	ASSERT_NOT_NULL(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/trustee.sealed", dir);
	ASSERT_OK(secret_from("first", 5, &c));
	ASSERT_OK(secret_from("second", 6, &c2));
	ASSERT_OK(secret_from("pw", 2, &p));
	ASSERT_OK(seal_write_new_file(path, "trustee", c, p, &seal_params_test));
	ASSERT_ERR(seal_write_new_file(path, "trustee", c2, p,
	    &seal_params_test), ERR_EXISTS);
	ASSERT_OK(seal_read_file(path, "trustee", p, &out));
	ASSERT_INT_EQ(secret_len(out), 5);
	ASSERT_MEM_EQ(secret_open(out), "first", 5);
	secret_close(out);
	secret_free(out);
	out = NULL;
	/* the replacing form still replaces */
	ASSERT_OK(seal_write_file(path, "trustee", c2, p, &seal_params_test));
	ASSERT_OK(seal_read_file(path, "trustee", p, &out));
	ASSERT_MEM_EQ(secret_open(out), "second", 6);
	secret_close(out);
	secret_free(out);
	/* only the one file in the directory: no temporary left over */
	ASSERT_NOT_NULL(d = opendir(dir));
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			entries++;
	closedir(d);
	ASSERT_INT_EQ(entries, 1);
	unlink(path);
	rmdir(dir);
	secret_free(c);
	secret_free(c2);
	secret_free(p);
}

struct signer_arg {
	struct sign_key *k;
	int failures;
};

static void *
signer(void *arg)
{
	struct signer_arg *a = arg;
	uint8_t pk[SIGN_PUBLIC_LEN], sig[SIGN_SIG_LEN];
	int i;

	sign_key_public(a->k, pk);
	for (i = 0; i < 2000; i++)
		if (sign_sign(a->k, "receipt", (const uint8_t *)"m", 1, sig) != 0 ||
		    sign_verify(pk, "receipt", (const uint8_t *)"m", 1, sig) != 0)
			a->failures++;
	return NULL;
}

/* A server's threads sign receipts with one key at once. */
TEST(sign_key_shared_by_threads)
{
	struct signer_arg a = { NULL, 0 };
	pthread_t th[4];
	int i;

	ASSERT_OK(sign_key_generate(&a.k));
	for (i = 0; i < 4; i++)
		ASSERT_INT_EQ(pthread_create(&th[i], NULL, signer, &a), 0);
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	ASSERT_INT_EQ(a.failures, 0);
	sign_key_free(a.k);
}
