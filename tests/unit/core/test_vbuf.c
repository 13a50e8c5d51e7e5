/*
 * test_vbuf.c - the bounded buffer, and every way it refuses.
 */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/limits.h"
#include "core/vbuf.h"
#include "tests/harness/mutate.h"
#include "tests/harness/test.h"

TEST(vbuf_new_refuses_zero_and_oversized_max)
{
	ASSERT_NULL(vbuf_new(0));
	ASSERT_NULL(vbuf_new(LIMIT_BUF_MAX + 1));
	struct vbuf *b = vbuf_new(LIMIT_BUF_MAX);
	ASSERT_NOT_NULL(b);
	vbuf_free(b);
	vbuf_free(NULL);
}

TEST(vbuf_from_refuses_oversized_and_null)
{
	static const uint8_t x[1];

	ASSERT_NULL(vbuf_from(x, (size_t)LIMIT_BUF_MAX + 1));
	ASSERT_NULL(vbuf_from(NULL, 1));
	struct vbuf *b = vbuf_from(NULL, 0);
	ASSERT_NOT_NULL(b);
	ASSERT_INT_EQ(vbuf_len(b), 0);
	ASSERT_OK(vbuf_expect_end(b));
	vbuf_free(b);
}

TEST(vbuf_roundtrip_integers_big_endian)
{
	struct vbuf *b = vbuf_new(64);
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;
	static const uint8_t want[] = {
		0xab, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef,
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08
	};

	ASSERT_NOT_NULL(b);
	ASSERT_OK(vbuf_put_u8(b, 0xab));
	ASSERT_OK(vbuf_put_u16(b, 0x1234));
	ASSERT_OK(vbuf_put_u32(b, 0xdeadbeef));
	ASSERT_OK(vbuf_put_u64(b, 0x0102030405060708ull));
	ASSERT_INT_EQ(vbuf_len(b), sizeof(want));
	ASSERT_MEM_EQ(vbuf_ptr(b), want, sizeof(want));
	ASSERT_OK(vbuf_get_u8(b, &u8));
	ASSERT_OK(vbuf_get_u16(b, &u16));
	ASSERT_OK(vbuf_get_u32(b, &u32));
	ASSERT_OK(vbuf_get_u64(b, &u64));
	ASSERT_INT_EQ(u8, 0xab);
	ASSERT_INT_EQ(u16, 0x1234);
	ASSERT_U64_EQ(u32, 0xdeadbeef);
	ASSERT_U64_EQ(u64, 0x0102030405060708ull);
	ASSERT_OK(vbuf_expect_end(b));
	vbuf_free(b);
}

/* Each getter, one byte short, fails with ERR_TRUNCATED and consumes nothing. */
TEST(vbuf_every_getter_truncated)
{
	static const uint8_t p[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t u8, tmp[8];
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;
	const uint8_t *d;
	struct vbuf *b;

	b = vbuf_from(p, 0);
	ASSERT_ERR(vbuf_get_u8(b, &u8), ERR_TRUNCATED);
	ASSERT_ERR(vbuf_peek_u8(b, &u8), ERR_TRUNCATED);
	vbuf_free(b);
	b = vbuf_from(p, 1);
	ASSERT_ERR(vbuf_get_u16(b, &u16), ERR_TRUNCATED);
	ASSERT_INT_EQ(u16, 0);
	ASSERT_INT_EQ(vbuf_len(b), 1);
	vbuf_free(b);
	b = vbuf_from(p, 3);
	ASSERT_ERR(vbuf_get_u32(b, &u32), ERR_TRUNCATED);
	ASSERT_INT_EQ(vbuf_len(b), 3);
	vbuf_free(b);
	b = vbuf_from(p, 7);
	ASSERT_ERR(vbuf_get_u64(b, &u64), ERR_TRUNCATED);
	ASSERT_ERR(vbuf_get(b, tmp, 8), ERR_TRUNCATED);
	ASSERT_ERR(vbuf_consume(b, 8), ERR_TRUNCATED);
	ASSERT_ERR(vbuf_get_direct(b, 8, &d), ERR_TRUNCATED);
	ASSERT_NULL(d);
	ASSERT_ERR(vbuf_consume(b, (size_t)-1), ERR_TRUNCATED);
	ASSERT_INT_EQ(vbuf_len(b), 7);
	ASSERT_OK(vbuf_consume(b, 7));
	ASSERT_OK(vbuf_expect_end(b));
	vbuf_free(b);
}

TEST(vbuf_expect_end_refuses_trailing_data)
{
	static const uint8_t p[3] = { 0, 1, 2 };
	struct vbuf *b = vbuf_from(p, sizeof(p));
	uint16_t v;

	ASSERT_OK(vbuf_get_u16(b, &v));
	ASSERT_ERR(vbuf_expect_end(b), ERR_TRAILING_DATA);
	vbuf_free(b);
}

TEST(vbuf_put_stops_at_max)
{
	struct vbuf *b = vbuf_new(5);
	uint8_t *dp;

	ASSERT_OK(vbuf_put_u32(b, 1));
	ASSERT_ERR(vbuf_put_u16(b, 1), ERR_TOO_LARGE);
	ASSERT_ERR(vbuf_put_u64(b, 1), ERR_TOO_LARGE);
	ASSERT_ERR(vbuf_put(b, "xy", 2), ERR_TOO_LARGE);
	ASSERT_ERR(vbuf_reserve(b, (size_t)-1, &dp), ERR_TOO_LARGE);
	ASSERT_NULL(dp);
	ASSERT_INT_EQ(vbuf_len(b), 4);	/* nothing half-written */
	ASSERT_OK(vbuf_put_u8(b, 9));
	ASSERT_ERR(vbuf_put_u8(b, 9), ERR_TOO_LARGE);
	ASSERT_INT_EQ(vbuf_len(b), 5);
	vbuf_free(b);
}

TEST(vbuf_string_roundtrip_and_limits)
{
	struct vbuf *b = vbuf_new(128);
	const uint8_t *p;
	size_t len;
	char *s;

	ASSERT_OK(vbuf_put_string(b, "hello", 5));
	ASSERT_OK(vbuf_put_cstring(b, "world"));
	/* A maximum below the length refuses and consumes nothing. */
	ASSERT_ERR(vbuf_get_string_direct(b, 4, &p, &len), ERR_TOO_LARGE);
	ASSERT_INT_EQ(vbuf_len(b), 18);
	ASSERT_OK(vbuf_get_string_direct(b, 5, &p, &len));
	ASSERT_INT_EQ(len, 5);
	ASSERT_MEM_EQ(p, "hello", 5);
	ASSERT_OK(vbuf_get_cstring(b, 16, &s));
	ASSERT_STR_EQ(s, "world");
	free(s);
	ASSERT_OK(vbuf_expect_end(b));
	/* A string whose prefix does not fit at all. */
	vbuf_free(b);
	b = vbuf_new(6);
	ASSERT_ERR(vbuf_put_string(b, "abc", 3), ERR_TOO_LARGE);
	ASSERT_INT_EQ(vbuf_len(b), 0);
	vbuf_free(b);
}

TEST(vbuf_string_length_beyond_data_is_truncated)
{
	/* Claims 16 bytes, carries 3. */
	static const uint8_t p[] = { 0, 0, 0, 16, 'a', 'b', 'c' };
	struct vbuf *b = vbuf_from(p, sizeof(p));
	const uint8_t *d;
	size_t len;

	ASSERT_ERR(vbuf_get_string_direct(b, 64, &d, &len), ERR_TRUNCATED);
	ASSERT_INT_EQ(vbuf_len(b), sizeof(p));	/* restored */
	ASSERT_NULL(d);
	ASSERT_INT_EQ(len, 0);
	vbuf_free(b);
}

TEST(vbuf_string_huge_length_is_too_large)
{
	static const uint8_t p[] = { 0xff, 0xff, 0xff, 0xff, 'a' };
	struct vbuf *b = vbuf_from(p, sizeof(p));
	const uint8_t *d;
	size_t len;

	ASSERT_ERR(vbuf_get_string_direct(b, (size_t)-1, &d, &len),
	    ERR_TOO_LARGE);
	vbuf_free(b);
}

TEST(vbuf_cstring_refuses_embedded_nul)
{
	static const uint8_t p[] = { 0, 0, 0, 3, 'a', 0, 'c' };
	struct vbuf *b = vbuf_from(p, sizeof(p));
	char *s = (char *)1;

	ASSERT_ERR(vbuf_get_cstring(b, 16, &s), ERR_FORMAT);
	ASSERT_NULL(s);
	ASSERT_INT_EQ(vbuf_len(b), sizeof(p));
	vbuf_free(b);
}

TEST(vbuf_sub_views_nested_data)
{
	static const uint8_t p[] = { 1, 2, 3, 4, 5 };
	struct vbuf *b = vbuf_from(p, sizeof(p)), *s = NULL;
	uint16_t v;

	ASSERT_ERR(vbuf_get_sub(b, 6, &s), ERR_TRUNCATED);
	ASSERT_NULL(s);
	ASSERT_OK(vbuf_get_sub(b, 3, &s));
	ASSERT_INT_EQ(vbuf_len(b), 2);
	ASSERT_OK(vbuf_get_u16(s, &v));
	ASSERT_INT_EQ(v, 0x0102);
	ASSERT_ERR(vbuf_get_u16(s, &v), ERR_TRUNCATED);	/* not into parent */
	ASSERT_ERR(vbuf_expect_end(s), ERR_TRAILING_DATA);
	vbuf_free(s);
	vbuf_free(b);
}

TEST(vbuf_grows_and_compacts)
{
	struct vbuf *b = vbuf_new(100000);
	uint32_t i, v;

	for (i = 0; i < 10000; i++)
		ASSERT_OK(vbuf_put_u32(b, i));
	for (i = 0; i < 5000; i++) {
		ASSERT_OK(vbuf_get_u32(b, &v));
		ASSERT_U64_EQ(v, i);
	}
	for (i = 10000; i < 15000; i++)
		ASSERT_OK(vbuf_put_u32(b, i));
	for (i = 5000; i < 15000; i++) {
		ASSERT_OK(vbuf_get_u32(b, &v));
		ASSERT_U64_EQ(v, i);
	}
	ASSERT_OK(vbuf_expect_end(b));
	vbuf_reset(b);
	ASSERT_INT_EQ(vbuf_len(b), 0);
	vbuf_free(b);
}

/* A toy strict format for the sweep: u8 tag 7, string, u16 checksum. */
static int
toy_parse(const uint8_t *p, size_t len, void *ctx)
{
	struct vbuf *b = vbuf_from(p, len);
	const uint8_t *s;
	size_t n, i;
	uint8_t tag;
	uint16_t sum, want = 0;
	int r;

	(void)ctx;
	if (b == NULL)
		return ERR_NOMEM;
	if ((r = vbuf_get_u8(b, &tag)) != 0 ||
	    (r = vbuf_get_string_direct(b, 32, &s, &n)) != 0 ||
	    (r = vbuf_get_u16(b, &sum)) != 0 ||
	    (r = vbuf_expect_end(b)) != 0)
		goto out;
	for (i = 0; i < n; i++)
		want = (uint16_t)(want * 31 + s[i]);
	r = tag == 7 && sum == want ? 0 : ERR_FORMAT;
 out:
	vbuf_free(b);
	return r;
}

TEST(vbuf_mutation_sweep_of_a_strict_format)
{
	static const uint8_t good[] = { 7, 0, 0, 0, 2, 'h', 'i',
	    (uint16_t)('h' * 31 + 'i') >> 8, (uint8_t)('h' * 31 + 'i') };
	struct mutate_report rep;

	ASSERT_MUTANTS_REJECTED(good, sizeof(good), MUTATE_ALL, toy_parse, NULL);
	mutate_sweep(good, sizeof(good), MUTATE_ALL, toy_parse, NULL, &rep);
	ASSERT_INT_EQ(rep.tried, sizeof(good) * 8 + sizeof(good) + 2);
}

/* The sweep itself must notice a lax parser. */
static int
lax_parse(const uint8_t *p, size_t len, void *ctx)
{
	(void)p;
	(void)ctx;
	return len >= 1 ? 0 : ERR_TRUNCATED;
}

TEST(mutate_sweep_reports_accepted_mutants)
{
	static const uint8_t in[] = { 1, 2 };
	struct mutate_report rep;

	mutate_sweep(in, sizeof(in), MUTATE_ALL, lax_parse, NULL, &rep);
	/* 16 flips + truncation to 1 + 2 extensions are accepted. */
	ASSERT_INT_EQ(rep.accepted, 19);
	ASSERT_STR_EQ(rep.first, "flip byte/bit 0 0");
	mutate_sweep(in, 0, MUTATE_ALL, lax_parse, NULL, &rep);
	ASSERT_U64_EQ(rep.accepted, (size_t)-1);
	ASSERT_STR_EQ(rep.first, "original rejected");
}
