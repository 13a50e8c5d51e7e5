/*
 * recjson.c - strict JSON for the election record (recjson.h).
 */
#include <string.h>

#include "audit/recjson.h"
#include "core/err.h"
#include "core/misuse.h"
#include "crypto/ct.h"

/*
 * Nesting depth of JSON text, outside strings; refused past max before
 * jansson's recursive parser sees it.
 */
static int
depth_ok(const uint8_t *p, size_t len, unsigned max)
{
	unsigned depth = 0;
	int in_str = 0, esc = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		uint8_t c = p[i];

		if (in_str) {
			if (esc)
				esc = 0;
			else if (c == '\\')
				esc = 1;
			else if (c == '"')
				in_str = 0;
			continue;
		}
		if (c == '"')
			in_str = 1;
		else if (c == '[' || c == '{') {
			if (++depth > max)
				return 0;
		} else if ((c == ']' || c == '}') && depth > 0)
			depth--;
	}
	return 1;
}

int
rj_load(const uint8_t *text, size_t len, size_t max, json_t **out)
{
	json_error_t jerr;
	json_t *v;

	REQUIRE(out != NULL && (text != NULL || len == 0));
	*out = NULL;
	if (len > max)
		return ERR_TOO_LARGE;
	if (!depth_ok(text, len, RJ_DEPTH_MAX))
		return ERR_TOO_LARGE;
	/* No JSON_DECODE_ANY, no JSON_ALLOW_NUL, no JSON_DISABLE_EOF_CHECK. */
	v = json_loadb((const char *)text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (v == NULL)
		return ERR_FORMAT;
	*out = v;
	return 0;
}

int
rj_keys(const json_t *obj, const char *const *keys, size_t n)
{
	size_t i;

	if (!json_is_object(obj) || json_object_size(obj) != n)
		return ERR_FORMAT;
	for (i = 0; i < n; i++)
		if (json_object_get(obj, keys[i]) == NULL)
			return ERR_FORMAT;
	return 0;
}

int
rj_uint(const json_t *v, uint64_t max, uint64_t *out)
{
	json_int_t x;

	if (!json_is_integer(v))
		return ERR_FORMAT;
	x = json_integer_value(v);
	if (x < 0 || (uint64_t)x > max || (uint64_t)x > RJ_INT_MAX)
		return ERR_RANGE;
	*out = (uint64_t)x;
	return 0;
}

int
rj_get_uint(const json_t *obj, const char *key, uint64_t max, uint64_t *out)
{
	return rj_uint(json_object_get(obj, key), max, out);
}

int
rj_hex(const json_t *v, uint8_t *out, size_t n)
{
	const char *s;
	size_t len;

	if (!json_is_string(v))
		return ERR_FORMAT;
	s = json_string_value(v);
	len = json_string_length(v);
	if (len != 2 * n)
		return ERR_RANGE;
	return ct_hex_decode(s, len, out, n) == 0 ? 0 : ERR_FORMAT;
}

int
rj_get_hex(const json_t *obj, const char *key, uint8_t *out, size_t n)
{
	return rj_hex(json_object_get(obj, key), out, n);
}

int
rj_str(const json_t *v, size_t max, const char **s, size_t *len)
{
	if (!json_is_string(v))
		return ERR_FORMAT;
	*s = json_string_value(v);
	*len = json_string_length(v);
	if (*len == 0 || *len > max)
		return ERR_RANGE;
	if (memchr(*s, '\0', *len) != NULL)
		return ERR_FORMAT;
	return 0;
}

int
rj_get_str(const json_t *obj, const char *key, size_t max, const char **s,
    size_t *len)
{
	return rj_str(json_object_get(obj, key), max, s, len);
}

int
rj_get_bool(const json_t *obj, const char *key, int *b)
{
	const json_t *v = json_object_get(obj, key);

	if (!json_is_boolean(v))
		return ERR_FORMAT;
	*b = json_is_true(v);
	return 0;
}

int
rj_get_array(const json_t *obj, const char *key, json_t **arr)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_array(v))
		return ERR_FORMAT;
	*arr = v;
	return 0;
}
