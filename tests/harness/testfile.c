/*
 * testfile.c - the harness helpers that test suites and the programs
 * linked with progkit.c share (they fail through test_fail, which each
 * side defines in its own way).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/harness/test.h"

ptrdiff_t
test_memdiff(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	size_t i;

	for (i = 0; i < n; i++)
		if (x[i] != y[i])
			return (ptrdiff_t)i;
	return -1;
}

const char *
test_root(void)
{
	const char *r = getenv("IPPYO_ROOT");

	return r != NULL && *r != '\0' ? r : ".";
}

uint8_t *
test_read_file(const char *path, size_t *len)
{
	FILE *f;
	uint8_t *p = NULL;
	long n;

	if ((f = fopen(path, "rb")) == NULL)
		test_fail(__FILE__, __LINE__, "cannot open %s", path);
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 ||
	    (p = malloc((size_t)n + 1)) == NULL ||
	    fread(p, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(p);
		test_fail(__FILE__, __LINE__, "cannot read %s", path);
	}
	fclose(f);
	p[n] = '\0';
	*len = (size_t)n;
	return p;
}
