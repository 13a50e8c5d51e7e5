/*
 * text.c - UTF-8 validation.
 */
#include "core/misuse.h"
#include "core/text.h"

size_t
text_utf8_char(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t need, i;
	uint32_t c;

	if (n == 0)
		return 0;
	if (s[0] < 0x80) {
		c = s[0];
		need = 1;
	} else if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		need = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 4;
		c = s[0] & 0x07;
	} else
		return 0;
	if (need > n)
		return 0;
	for (i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((need == 3 && c < 0x800) || (need == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	if (cp != NULL)
		*cp = c;
	return need;
}

int
text_is_utf8(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k;

	REQUIRE(s != NULL || n == 0);
	while (i < n) {
		if (u[i] == 0 || (k = text_utf8_char(u + i, n - i, NULL)) == 0)
			return 0;
		i += k;
	}
	return 1;
}

int
text_is_line(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k;
	uint32_t c;

	REQUIRE(s != NULL || n == 0);
	while (i < n) {
		if ((k = text_utf8_char(u + i, n - i, &c)) == 0)
			return 0;
		if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 ||
		    c == 0x2029)
			return 0;
		i += k;
	}
	return 1;
}
