/*
 * test.c - the harness: registration, assertions, main.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "tests/harness/test.h"

#define TEST_MAX 4096

struct test_case {
	const char *name;	/* function name */
	test_fn fn;		/* body */
	const char *file;	/* source file, for the report */
};

static struct test_case tests[TEST_MAX];
static int ntests;
static jmp_buf test_jmp;
static const char *test_current;

void
test_register(const char *name, test_fn fn, const char *file)
{
	if (ntests == TEST_MAX) {
		fprintf(stderr, "harness: too many tests\n");
		abort();
	}
	tests[ntests].name = name;
	tests[ntests].fn = fn;
	tests[ntests].file = file;
	ntests++;
}

void
test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stdout, "FAIL %s\n  %s:%d: ", test_current, file, line);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
	longjmp(test_jmp, 1);
}

void
test_skip(const char *why)
{
	fprintf(stdout, "SKIP %s: %s\n", test_current, why);
	fflush(stdout);
	longjmp(test_jmp, 2);
}

const char *
test_database_url(void)
{
	const char *u = getenv("DATABASE_URL");

	if (u == NULL || *u == '\0')
		test_skip("no DATABASE_URL (run through tests/run)");
	return u;
}

/* Runs one test: 0 passed, 1 failed, 2 skipped.  Kept apart from main so
 * that no local of the loop lives across the longjmp. */
static int __attribute__((noinline))
run_one(const struct test_case *t)
{
	struct timespec t0, t1;
	double ms;
	int outcome;

	test_current = t->name;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((outcome = setjmp(test_jmp)) != 0)
		return outcome;
	t->fn();
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	fprintf(stdout, "ok   %s (%.1f ms)\n", t->name, ms);
	return 0;
}

int
main(int argc, char **argv)
{
	int i, passed = 0, failed = 0, skipped = 0, allow_skip;

	allow_skip = getenv("IPPYO_ALLOW_SKIP") != NULL;
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < ntests; i++) {
		int outcome;

		if (argc > 1 && strstr(tests[i].name, argv[1]) == NULL)
			continue;
		outcome = run_one(&tests[i]);
		if (outcome == 0)
			passed++;
		else if (outcome == 2) {
			skipped++;
			if (!allow_skip)
				failed++;
		} else
			failed++;
	}
	if (skipped > 0)
		fprintf(stdout, "%d passed, %d failed, %d skipped\n", passed,
		    failed, skipped);
	else
		fprintf(stdout, "%d passed, %d failed\n", passed, failed);
	return failed == 0 ? 0 : 1;
}
