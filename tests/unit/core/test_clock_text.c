/*
 * test_clock_text.c - calendar arithmetic, timestamps, UTF-8 checks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/file.h"
#include "core/text.h"
#include "tests/harness/test.h"

TEST(clock_dates_roundtrip_and_refuse_impossible_days)
{
	int32_t d;
	char out[11];

	ASSERT_OK(clock_parse_date("1970-01-01", 10, &d));
	ASSERT_INT_EQ(d, 0);
	ASSERT_OK(clock_parse_date("2024-02-29", 10, &d));
	clock_format_date(d, out);
	ASSERT_STR_EQ(out, "2024-02-29");
	ASSERT_ERR(clock_parse_date("2023-02-29", 10, &d), ERR_FORMAT);
	ASSERT_ERR(clock_parse_date("2023-13-01", 10, &d), ERR_FORMAT);
	ASSERT_ERR(clock_parse_date("2023-04-31", 10, &d), ERR_FORMAT);
	ASSERT_ERR(clock_parse_date("2023-4-01", 9, &d), ERR_FORMAT);
	ASSERT_ERR(clock_parse_date("2023/04/01", 10, &d), ERR_FORMAT);
	ASSERT_ERR(clock_parse_date("2023-04-0a", 10, &d), ERR_FORMAT);
	ASSERT_ERR(clock_parse_date("2023-04-011", 11, &d), ERR_FORMAT);
	ASSERT_ERR(clock_parse_date("2100-02-29", 10, &d), ERR_FORMAT);
	ASSERT_OK(clock_parse_date("2000-02-29", 10, &d));
}

TEST(clock_add_months_clamps_to_month_end)
{
	int32_t d, e;
	char out[11];

	ASSERT_OK(clock_parse_date("2027-01-31", 10, &d));
	e = clock_add_months(d, 1);
	clock_format_date(e, out);
	ASSERT_STR_EQ(out, "2027-02-28");
	ASSERT_OK(clock_parse_date("2027-11-10", 10, &d));
	clock_format_date(clock_add_months(d, 3), out);
	ASSERT_STR_EQ(out, "2028-02-10");
	clock_format_date(clock_add_months(d, -12), out);
	ASSERT_STR_EQ(out, "2026-11-10");
}

TEST(clock_timestamps_roundtrip)
{
	char t[CLOCK_TEXT_LEN];
	int64_t us;

	clock_format_us(1795219200123456LL, t);
	ASSERT_STR_EQ(t, "2026-11-21T00:00:00.123456Z");
	ASSERT_OK(clock_parse_us(t, strlen(t), &us));
	ASSERT_TRUE(us == 1795219200123456LL);
	ASSERT_ERR(clock_parse_us("2026-11-21T24:00:00.000000Z", 27, &us), ERR_FORMAT);
	ASSERT_ERR(clock_parse_us("2026-11-21 00:00:00.000000Z", 27, &us), ERR_FORMAT);
	ASSERT_ERR(clock_parse_us("2026-11-21T00:00:00.00000Z", 26, &us), ERR_FORMAT);
	clock_pin_us(42);
	ASSERT_TRUE(clock_now_us() == 42);
	clock_unpin();
	ASSERT_TRUE(clock_now_us() > 1700000000000000LL);
}

TEST(text_utf8_and_line_checks)
{
	ASSERT_TRUE(text_is_utf8("養父市 abc", strlen("養父市 abc")));
	ASSERT_FALSE(text_is_utf8("a\0b", 3));
	ASSERT_FALSE(text_is_utf8("\xc0\x80", 2));	/* overlong NUL */
	ASSERT_FALSE(text_is_utf8("\xed\xa0\x80", 3));	/* surrogate */
	ASSERT_FALSE(text_is_utf8("\xf4\x90\x80\x80", 4));	/* > U+10FFFF */
	ASSERT_FALSE(text_is_utf8("\xe3\x81", 2));	/* cut short */
	ASSERT_TRUE(text_is_line("ヤブ タロウ", strlen("ヤブ タロウ")));
	ASSERT_FALSE(text_is_line("a\nb", 3));
	ASSERT_FALSE(text_is_line("a\x7f", 2));
	ASSERT_FALSE(text_is_line("a\xc2\x85", 3));	/* NEL (C1) */
	ASSERT_FALSE(text_is_line("a\xe2\x80\xa8", 4));	/* U+2028 */
}

TEST(file_read_bounds_and_refusals)
{
	char dir[] = "/tmp/ippyo-file.XXXXXX", path[256], link[256];
	uint8_t *p = (uint8_t *)1;
	size_t len = 9;
	FILE *f;

	ASSERT_NOT_NULL(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a", dir);
	snprintf(link, sizeof(link), "%s/l", dir);
	ASSERT_ERR(file_read(path, 10, 0, &p, &len), ERR_NOT_FOUND);
	ASSERT_NULL(p);
	ASSERT_INT_EQ(len, 0);
	f = fopen(path, "w");
	ASSERT_NOT_NULL(f);
	fputs("hello", f);
	fclose(f);
	ASSERT_OK(file_read(path, 5, 0, &p, &len));
	ASSERT_INT_EQ(len, 5);
	ASSERT_STR_EQ((char *)p, "hello");
	free(p);
	ASSERT_ERR(file_read(path, 4, 0, &p, &len), ERR_TOO_LARGE);
	ASSERT_ERR(file_read(dir, 100, 0, &p, &len), ERR_IO);
	ASSERT_INT_EQ(symlink(path, link), 0);
	ASSERT_OK(file_read(link, 10, 0, &p, &len));
	free(p);
	ASSERT_ERR(file_read(link, 10, FILE_NOFOLLOW, &p, &len), ERR_IO);
	unlink(link);
	unlink(path);
	rmdir(dir);
}
