/*
 * progkit.c - the harness functions the test kit calls (test_fail and
 * friends, tests/harness/test.h), for a program that is not a test suite:
 * a benchmark or a test tool.  A failure prints where and exits 1.
 *
 * It is only in the test kit's archive, where a benchmark's link takes
 * it; test suites link test.c, which defines the same functions.
 */
#define _GNU_SOURCE	/* program_invocation_short_name */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/harness/test.h"

void
test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: %s:%d: ", program_invocation_short_name, file,
	    line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

void
test_skip(const char *why)
{
	fprintf(stderr, "%s: skipped: %s\n", program_invocation_short_name,
	    why);
	exit(1);
}

const char *
test_database_url(void)
{
	const char *u = getenv("DATABASE_URL");

	if (u == NULL || *u == '\0')
		test_fail(__FILE__, __LINE__, "no DATABASE_URL (run make bench)");
	return u;
}
