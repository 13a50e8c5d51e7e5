/*
 * ct.c - constant-time compare, canonical hex and base64.
 */
#include <stdlib.h>

#include <sodium.h>

#include "core/err.h"
#include "core/misuse.h"
#include "crypto/ct.h"
#include "crypto/secret.h"

int
ct_eq(const void *a, const void *b, size_t n)
{
	REQUIRE((a != NULL && b != NULL) || n == 0);
	if (n == 0)
		return 1;
	return sodium_memcmp(a, b, n) == 0;
}

int
ct_is_zero(const void *p, size_t n)
{
	REQUIRE(p != NULL || n == 0);
	return n == 0 || sodium_is_zero(p, n);
}

int
ct_hex_encode(const uint8_t *p, size_t len, char *out, size_t outlen)
{
	REQUIRE(out != NULL && (p != NULL || len == 0));
	if (len > (SIZE_MAX - 1) / 2 || outlen < 2 * len + 1)
		return ERR_TOO_LARGE;
	sodium_bin2hex(out, outlen, p != NULL ? p : (const uint8_t *)"", len);
	return 0;
}

int
ct_hex_decode(const char *text, size_t textlen, uint8_t *out, size_t want)
{
	size_t got = 0, i;
	const char *end = NULL;

	REQUIRE(text != NULL && (out != NULL || want == 0));
	if (textlen % 2 != 0)
		return ERR_FORMAT;
	if (textlen / 2 != want)
		return ERR_RANGE;
	/* Uppercase is valid hex but not canonical here: one value, one text. */
	for (i = 0; i < textlen; i++)
		if (text[i] >= 'A' && text[i] <= 'F')
			return ERR_FORMAT;
	if (sodium_hex2bin(out, want, text, textlen, NULL, &got, &end) != 0 ||
	    got != want || end != text + textlen)
		return ERR_FORMAT;
	return 0;
}

static int
sodium_variant(enum ct_b64 v)
{
	return v == CT_B64_URL ? sodium_base64_VARIANT_URLSAFE_NO_PADDING :
	    sodium_base64_VARIANT_ORIGINAL;
}

size_t
ct_base64_len(size_t len, enum ct_b64 variant)
{
	return sodium_base64_encoded_len(len, sodium_variant(variant));
}

int
ct_base64_encode(const uint8_t *p, size_t len, enum ct_b64 variant,
    char *out, size_t outlen)
{
	REQUIRE(out != NULL && (p != NULL || len == 0));
	if (len > SIZE_MAX / 2 || outlen < ct_base64_len(len, variant))
		return ERR_TOO_LARGE;
	sodium_bin2base64(out, outlen, p != NULL ? p : (const uint8_t *)"",
	    len, sodium_variant(variant));
	return 0;
}

int
ct_base64_decode(const char *text, size_t textlen, enum ct_b64 variant,
    uint8_t *out, size_t max, size_t *len)
{
	const char *end = NULL;
	size_t got = 0, need;
	char *again = NULL;
	int r = ERR_INTERNAL;

	REQUIRE(text != NULL && len != NULL && (out != NULL || max == 0));
	*len = 0;
	if (textlen > SIZE_MAX / 2)
		return ERR_TOO_LARGE;
	/* Padding removes at most 2 bytes from textlen * 3 / 4: anything
	 * whose smallest possible size exceeds max is refused unread. */
	if (textlen / 4 * 3 > max + 2)
		return ERR_TOO_LARGE;
	if (sodium_base642bin(out, max, text, textlen, NULL, &got, &end,
	    sodium_variant(variant)) != 0 || end != text + textlen)
		return ERR_FORMAT;
	/* Canonical: re-encoding must give the same text (unused bits zero,
	 * exact padding). */
	need = ct_base64_len(got, variant);
	if (need != textlen + 1)
		return ERR_NOT_CANONICAL;
	if ((again = malloc(need)) == NULL)
		return ERR_NOMEM;
	sodium_bin2base64(again, need, out, got, sodium_variant(variant));
	if (!ct_eq(again, text, textlen)) {
		r = ERR_NOT_CANONICAL;
		goto out;
	}
	*len = got;
	r = 0;
 out:
	free(again);
	return r;
}
