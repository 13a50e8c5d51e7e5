/*
 * test_rand.c - the random source and where its test generator lives.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "crypto/hash.h"
#include "crypto/rand.h"
#include "tests/harness/test.h"
#include "tests/harness/testrand.h"

/* 1 when needle occurs in the file (which must exist). */
static int
file_contains(const char *path, const char *needle)
{
	size_t len, nl = strlen(needle) + 1, i;	/* with its NUL */
	uint8_t *p = test_read_file(path, &len);
	int hit = 0;

	for (i = 0; len >= nl && i <= len - nl && !hit; i++)
		hit = memcmp(p + i, needle, nl) == 0;
	free(p);
	return hit;
}

static void
assert_no_test_generator(const char *path)
{
	if (file_contains(path, "rand_test_seed") ||
	    file_contains(path, "ippyo/test-drbg/v1"))
		test_fail(__FILE__, __LINE__, "%s contains the test random "
		    "generator", path);
}

/*
 * The module library and every production program are free of the test
 * generator: neither its code (the label it hashes) nor its entry point
 * is there, so nothing but the test kit can make rand_bytes predictable.
 */
TEST(rand_production_has_no_test_generator)
{
	const char *b = getenv("IPPYO_BUILD"), *bin = getenv("IPPYO_BIN");
	char path[4096];
	struct dirent *e;
	DIR *d;
	int progs = 0;

	if (b != NULL && *b != '\0')
		snprintf(path, sizeof(path), "%s/lib/libippyo_crypto.a", b);
	else
		snprintf(path, sizeof(path), "%s/build/lib/libippyo_crypto.a",
		    test_root());
	assert_no_test_generator(path);
	if (bin == NULL || *bin == '\0')
		return;		/* run outside tests/run: the library only */
	ASSERT_NOT_NULL(d = opendir(bin));
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, "ippyo", 5) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", bin, e->d_name);
		assert_no_test_generator(path);
		progs++;
	}
	closedir(d);
	ASSERT_TRUE(progs > 0);
}

/* The stream is the documented one: SHA-256 in counter mode. */
TEST(rand_test_stream_follows_its_layout)
{
	static const char label[] = "ippyo/test-drbg/v1";
	uint8_t in[64], state[32], want[70], got[70];
	uint64_t i;
	int k;

	memcpy(in, label, sizeof(label) - 1);
	memcpy(in + sizeof(label) - 1, "seed", 4);
	hash_sha256(in, sizeof(label) - 1 + 4, state);
	for (i = 0; i < 3; i++) {
		uint8_t blk[40], h[32];

		memcpy(blk, state, 32);
		for (k = 0; k < 8; k++)
			blk[32 + k] = (uint8_t)(i >> (56 - 8 * k));
		hash_sha256(blk, sizeof(blk), h);
		memcpy(want + 32 * i, h, i < 2 ? 32 : 6);
	}
	rand_test_seed("seed", 4);
	/* uneven reads cross the block boundaries */
	ASSERT_OK(rand_bytes(got, 5));
	ASSERT_OK(rand_bytes(got + 5, 40));
	ASSERT_OK(rand_bytes(got + 45, 25));
	rand_test_clear();
	ASSERT_MEM_EQ(got, want, sizeof(want));
	/* cleared: back to the OS source */
	ASSERT_FALSE(rand_test_active());
	ASSERT_OK(rand_bytes(got, 32));
	ASSERT_TRUE(test_memdiff(got, want, 32) >= 0);
}
