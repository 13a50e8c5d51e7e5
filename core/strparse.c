/*
 * strparse.c - strict number and identifier parsing.
 */
#include <string.h>

#include "core/err.h"
#include "core/misuse.h"
#include "core/strparse.h"

int
strparse_u64_n(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	REQUIRE(s != NULL && out != NULL);
	if (len == 0 || len > 20)
		return len == 0 ? ERR_FORMAT : ERR_RANGE;
	if (len > 1 && s[0] == '0')
		return ERR_FORMAT;
	for (i = 0; i < len; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return ERR_FORMAT;
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return ERR_RANGE;
		v = v * 10 + d;
	}
	if (v > max)
		return ERR_RANGE;
	*out = v;
	return 0;
}

int
strparse_u64(const char *s, uint64_t max, uint64_t *out)
{
	REQUIRE(s != NULL);
	return strparse_u64_n(s, strlen(s), max, out);
}

int
strparse_ident(const char *s, size_t len, size_t max)
{
	size_t i;

	REQUIRE(s != NULL);
	if (len == 0 || len > max)
		return ERR_FORMAT;
	for (i = 0; i < len; i++) {
		char c = s[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    (i > 0 && (c == '_' || c == '-'));

		if (!ok)
			return ERR_FORMAT;
	}
	return 0;
}
