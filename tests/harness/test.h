/*
 * test.h - a small test harness.
 *
 *	TEST(vbuf_get_u32_truncated)
 *	{
 *		ASSERT_INT_EQ(vbuf_get_u32(b, &v), ERR_TRUNCATED);
 *	}
 *
 * Tests register themselves; the harness main runs them all (or those
 * whose name contains argv[1]), reports each failing assertion with its
 * file and line, and ends with the line "N passed, N failed".  A failed
 * assertion ends that test only.  Exit status is 0 only when nothing
 * failed.
 *
 * Helpers for services: test_database_url() returns the DATABASE_URL the
 * runner exported, or skips the test (counted as a failure unless
 * IPPYO_ALLOW_SKIP is set: a test that cannot run has not passed).
 */
#ifndef IPPYO_TESTS_HARNESS_TEST_H
#define IPPYO_TESTS_HARNESS_TEST_H

#include <stddef.h>
#include <stdint.h>

typedef void (*test_fn)(void);

void test_register(const char *name, test_fn fn, const char *file);

#define TEST(name) \
	static void name(void); \
	__attribute__((constructor)) static void name##_register_(void) \
	{ test_register(#name, name, __FILE__); } \
	static void name(void)

/* Fails the running test with a message; does not return. */
__attribute__((noreturn, format(printf, 3, 4)))
void test_fail(const char *file, int line, const char *fmt, ...);

/* Marks the running test as skipped with a reason; does not return. */
__attribute__((noreturn)) void test_skip(const char *why);

#define ASSERT_TRUE(c) do { if (!(c)) \
	test_fail(__FILE__, __LINE__, "expected true: %s", #c); } while (0)
#define ASSERT_FALSE(c) do { if (c) \
	test_fail(__FILE__, __LINE__, "expected false: %s", #c); } while (0)
#define ASSERT_NULL(p) do { if ((p) != NULL) \
	test_fail(__FILE__, __LINE__, "expected NULL: %s", #p); } while (0)
#define ASSERT_NOT_NULL(p) do { if ((p) == NULL) \
	test_fail(__FILE__, __LINE__, "expected non-NULL: %s", #p); } while (0)
#define ASSERT_INT_EQ(a, b) do { long long a_ = (long long)(a), \
	b_ = (long long)(b); if (a_ != b_) test_fail(__FILE__, __LINE__, \
	"%s == %s: %lld != %lld", #a, #b, a_, b_); } while (0)
#define ASSERT_INT_NE(a, b) do { long long a_ = (long long)(a), \
	b_ = (long long)(b); if (a_ == b_) test_fail(__FILE__, __LINE__, \
	"%s != %s: both %lld", #a, #b, a_); } while (0)
#define ASSERT_U64_EQ(a, b) do { unsigned long long a_ = (a), b_ = (b); \
	if (a_ != b_) test_fail(__FILE__, __LINE__, "%s == %s: %llu != %llu", \
	#a, #b, a_, b_); } while (0)
/* Checks an error code and prints both names on mismatch. */
#define ASSERT_ERR(expr, want) do { int got_ = (expr), want_ = (want); \
	if (got_ != want_) test_fail(__FILE__, __LINE__, "%s: got %s, want %s", \
	#expr, err_name(got_), err_name(want_)); } while (0)
#define ASSERT_OK(expr) ASSERT_ERR(expr, 0)
#define ASSERT_STR_EQ(a, b) do { const char *a_ = (a), *b_ = (b); \
	if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0) \
	test_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a, #b, \
	a_ ? a_ : "(null)", b_ ? b_ : "(null)"); } while (0)
#define ASSERT_MEM_EQ(a, b, n) do { if (test_memdiff((a), (b), (n)) >= 0) \
	test_fail(__FILE__, __LINE__, "%s == %s: differ at byte %zd", #a, #b, \
	test_memdiff((a), (b), (n))); } while (0)

/* Index of the first differing byte, or -1 when equal. */
ptrdiff_t test_memdiff(const void *a, const void *b, size_t n);

/* The database the runner prepared, or skip. */
const char *test_database_url(void);

/* Reads a whole file into a malloc'd buffer; fails the test on error. */
uint8_t *test_read_file(const char *path, size_t *len);

/* The repository root (IPPYO_ROOT or "."), for fixtures. */
const char *test_root(void);

#endif /* IPPYO_TESTS_HARNESS_TEST_H */
