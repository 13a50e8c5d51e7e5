/*
 * test_core.c - errors, strict parsing, structured logging.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/strparse.h"
#include "tests/harness/test.h"

TEST(err_every_code_has_text_and_name)
{
	int r;

	for (r = 0; r > ERR_LAST_; r--) {
		ASSERT_TRUE(strcmp(err_str(r), "unknown error") != 0);
		ASSERT_TRUE(strncmp(err_name(r), "ERR_", 4) == 0);
	}
	ASSERT_STR_EQ(err_name(ERR_FORMAT), "ERR_FORMAT");
	ASSERT_STR_EQ(err_str(ERR_TRUNCATED), "input truncated");
	ASSERT_STR_EQ(err_str(1), "unknown error");
	ASSERT_STR_EQ(err_str(ERR_LAST_), "unknown error");
	ASSERT_STR_EQ(err_name(-10000), "ERR_UNKNOWN");
}

/* Codes are stored and logged: their values may never move. */
TEST(err_codes_are_stable)
{
	ASSERT_INT_EQ(ERR_INTERNAL, -1);
	ASSERT_INT_EQ(ERR_TRAILING_DATA, -5);
	ASSERT_INT_EQ(ERR_VERIFY, -17);
	ASSERT_INT_EQ(ERR_PIN_BLOCKED, -32);
	ASSERT_INT_EQ(ERR_USAGE, -46);
}

TEST(strparse_accepts_only_plain_decimal)
{
	uint64_t v = 99;

	ASSERT_OK(strparse_u64("0", 10, &v));
	ASSERT_U64_EQ(v, 0);
	ASSERT_OK(strparse_u64("18446744073709551615", UINT64_MAX, &v));
	ASSERT_U64_EQ(v, UINT64_MAX);
	v = 7;
	ASSERT_ERR(strparse_u64("18446744073709551616", UINT64_MAX, &v), ERR_RANGE);
	ASSERT_ERR(strparse_u64("", 10, &v), ERR_FORMAT);
	ASSERT_ERR(strparse_u64("-1", 10, &v), ERR_FORMAT);
	ASSERT_ERR(strparse_u64("+1", 10, &v), ERR_FORMAT);
	ASSERT_ERR(strparse_u64(" 1", 10, &v), ERR_FORMAT);
	ASSERT_ERR(strparse_u64("1 ", 10, &v), ERR_FORMAT);
	ASSERT_ERR(strparse_u64("01", 10, &v), ERR_FORMAT);
	ASSERT_ERR(strparse_u64("0x1", 10, &v), ERR_FORMAT);
	ASSERT_ERR(strparse_u64("11", 10, &v), ERR_RANGE);
	ASSERT_ERR(strparse_u64("123456789012345678901", UINT64_MAX, &v), ERR_RANGE);
	ASSERT_U64_EQ(v, 7);	/* untouched on failure */
	ASSERT_OK(strparse_u64_n("42abc", 2, 100, &v));
	ASSERT_U64_EQ(v, 42);
}

TEST(strparse_ident_rules)
{
	ASSERT_OK(strparse_ident("yabu-2027_mayor", 15, 64));
	ASSERT_OK(strparse_ident("2027", 4, 64));
	ASSERT_ERR(strparse_ident("", 0, 64), ERR_FORMAT);
	ASSERT_ERR(strparse_ident("-a", 2, 64), ERR_FORMAT);
	ASSERT_ERR(strparse_ident("Abc", 3, 64), ERR_FORMAT);
	ASSERT_ERR(strparse_ident("a b", 3, 64), ERR_FORMAT);
	ASSERT_ERR(strparse_ident("a/b", 3, 64), ERR_FORMAT);
	ASSERT_ERR(strparse_ident("abcde", 5, 4), ERR_FORMAT);
}

TEST(log_format_writes_one_json_object)
{
	struct log_field f[] = {
		LOG_S("name", "init"), LOG_I("version", -3),
		LOG_B("ok", 1), LOG_E("error", ERR_FORMAT), LOG_S("none", NULL)
	};
	char line[512];
	size_t n;

	n = log_format(line, sizeof(line), LOG_INFO, "T", "db.migrate", f, 5);
	ASSERT_STR_EQ(line, "{\"ts\":\"T\",\"level\":\"info\",\"event\":"
	    "\"db.migrate\",\"name\":\"init\",\"version\":-3,\"ok\":true,"
	    "\"error\":\"ERR_FORMAT\",\"none\":null}\n");
	ASSERT_INT_EQ(n, strlen(line));
}

TEST(log_format_escapes_everything_hostile)
{
	struct log_field f[] = {
		LOG_S("v", "a\"b\\c\n\x01\x7f\xff\xc3\x28 \xe6\x97\xa5 \xed\xa0\x80")
	};
	char line[512];

	log_format(line, sizeof(line), LOG_WARN, "T", "x", f, 1);
	/* Quote and backslash escaped; controls as \u; bad UTF-8 (a lone
	 * 0xff, a broken pair, a surrogate) as U+FFFD; 日 kept. */
	ASSERT_STR_EQ(line, "{\"ts\":\"T\",\"level\":\"warn\",\"event\":\"x\","
	    "\"v\":\"a\\\"b\\\\c\\u000a\\u0001\\u007f\\ufffd\\ufffd( "
	    "\xe6\x97\xa5 \\ufffd\\ufffd\\ufffd\"}\n");
}

TEST(log_format_cuts_long_lines_at_a_field)
{
	char big[LIMIT_LOG_LINE_MAX * 2];
	char line[LIMIT_LOG_LINE_MAX];
	struct log_field f[2];
	size_t n;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	f[0] = LOG_I("a", 1);
	f[1] = LOG_S("b", big);
	n = log_format(line, sizeof(line), LOG_ERROR, "T", "x", f, 2);
	ASSERT_TRUE(n < sizeof(line));
	ASSERT_STR_EQ(line, "{\"ts\":\"T\",\"level\":\"error\",\"event\":\"x\","
	    "\"a\":1,\"truncated\":true}\n");
}

TEST(log_emit_writes_lines_at_or_above_level)
{
	char path[] = "/tmp/ippyo-log.XXXXXX", *text;
	int fd = mkstemp(path);
	size_t len;
	uint8_t *p;

	ASSERT_TRUE(fd >= 0);
	log_set_fd(fd);
	log_set_fixed_time("2026-11-21T00:00:00.000Z");
	log_set_level(LOG_INFO);
	log_debug("hidden", LOG_I("n", 1));
	log_info("shown");
	log_error("also", LOG_S("k", "v"));
	log_set_fd(2);
	log_set_fixed_time(NULL);
	close(fd);
	p = test_read_file(path, &len);
	unlink(path);
	text = (char *)p;
	ASSERT_STR_EQ(text,
	    "{\"ts\":\"2026-11-21T00:00:00.000Z\",\"level\":\"info\",\"event\":\"shown\"}\n"
	    "{\"ts\":\"2026-11-21T00:00:00.000Z\",\"level\":\"error\",\"event\":\"also\",\"k\":\"v\"}\n");
	free(p);
}
