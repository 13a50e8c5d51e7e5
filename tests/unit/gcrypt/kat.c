/*
 * kat.c - see kat.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/harness/test.h"
#include "tests/unit/gcrypt/kat.h"

json_t *
kat_load(const char *name)
{
	char path[512];
	json_error_t e;
	json_t *j;
	uint8_t *buf;
	size_t len;
	int n;

	n = snprintf(path, sizeof(path), "%s/tests/vectors/crypto/%s.json",
	    test_root(), name);
	if (n < 0 || (size_t)n >= sizeof(path))
		test_fail(__FILE__, __LINE__, "path too long");
	buf = test_read_file(path, &len);
	j = json_loadb((const char *)buf, len, 0, &e);
	free(buf);
	if (j == NULL)
		test_fail(__FILE__, __LINE__, "%s: %s", path, e.text);
	return j;
}

static int
nib(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

void
kat_unhex(const char *s, uint8_t *out, size_t len)
{
	size_t i;

	if (s == NULL || strlen(s) != 2 * len)
		test_fail(__FILE__, __LINE__, "hex of %zu bytes expected", len);
	for (i = 0; i < len; i++) {
		int hi = nib(s[2 * i]), lo = nib(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			test_fail(__FILE__, __LINE__, "bad hex");
		out[i] = (uint8_t)(hi << 4 | lo);
	}
}

void
kat_hex(json_t *o, const char *key, uint8_t *out, size_t len)
{
	kat_unhex(json_string_value(json_object_get(o, key)), out, len);
}

uint8_t *
kat_hex_alloc(json_t *o, const char *key, size_t *len)
{
	const char *s = json_string_value(json_object_get(o, key));
	uint8_t *p;

	if (s == NULL || strlen(s) % 2 != 0)
		test_fail(__FILE__, __LINE__, "no hex at %s", key);
	*len = strlen(s) / 2;
	if ((p = malloc(*len + 1)) == NULL)
		test_fail(__FILE__, __LINE__, "out of memory");
	kat_unhex(s, p, *len);
	return p;
}

uint64_t
kat_int(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		test_fail(__FILE__, __LINE__, "no integer at %s", key);
	return (uint64_t)json_integer_value(v);
}
