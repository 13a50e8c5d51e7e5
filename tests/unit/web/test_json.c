/*
 * test_json.c - strict JSON getters and their refusals; canonical output.
 */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/limits.h"
#include "tests/harness/mutate.h"
#include "tests/harness/test.h"
#include "web/json.h"

static struct json_doc *
parse_ok(const char *s)
{
	struct json_doc *d = NULL;
	const char *why = NULL;

	if (json_parse(s, strlen(s), LIMIT_HTTP_BODY_MAX, &d, &why) != 0)
		test_fail(__FILE__, __LINE__, "parse failed (%s): %s", why, s);
	return d;
}

static int
parse_err(const char *s)
{
	struct json_doc *d = NULL;
	int r = json_parse(s, strlen(s), LIMIT_HTTP_BODY_MAX, &d, NULL);

	if (r == 0 && d == NULL)
		return ERR_INTERNAL;
	if (r != 0 && d != NULL)
		return ERR_INTERNAL;
	json_doc_free(d);
	return r;
}

/* Nested arrays n deep with a 1 inside. */
static char *
nested(unsigned n, char open, char close)
{
	char *s = malloc(6 * (size_t)n + 16);
	size_t i, k = 0;

	if (s == NULL)
		abort();
	for (i = 0; i < n; i++) {
		if (open == '{' && i > 0) {
			memcpy(s + k, "\"a\":", 4);
			k += 4;
		}
		s[k++] = open;
	}
	if (open == '{') {
		memcpy(s + k, "\"a\":1", 5);
		k += 5;
	} else
		s[k++] = '1';
	for (i = 0; i < n; i++)
		s[k++] = close;
	s[k] = '\0';
	return s;
}

TEST(json_parses_object_and_reads_typed_members)
{
	struct json_doc *d = parse_ok("{\"purpose\":\"login\",\"n\":42,"
	    "\"ok\":true,\"list\":[1,2,3]}");
	const struct json_node *root = json_root(d), *arr, *it;
	const char *s;
	size_t len, count;
	int64_t v;
	int b;

	ASSERT_OK(json_get_string(d, root, "purpose", 64, &s, &len));
	ASSERT_STR_EQ(s, "login");
	ASSERT_INT_EQ(len, 5);
	ASSERT_OK(json_get_int(d, root, "n", 0, 100, &v));
	ASSERT_INT_EQ(v, 42);
	ASSERT_OK(json_get_bool(d, root, "ok", &b));
	ASSERT_INT_EQ(b, 1);
	ASSERT_OK(json_get_array(d, root, "list", 3, &arr, &count));
	ASSERT_INT_EQ(count, 3);
	ASSERT_OK(json_item(d, arr, 2, &it));
	ASSERT_OK(json_as_int(d, it, 0, 10, &v));
	ASSERT_INT_EQ(v, 3);
	ASSERT_ERR(json_item(d, arr, 3, &it), ERR_NOT_FOUND);
	ASSERT_TRUE(json_has(root, "ok"));
	ASSERT_FALSE(json_has(root, "nope"));
	json_doc_free(d);
}

TEST(json_refuses_duplicate_keys)
{
	ASSERT_ERR(parse_err("{\"a\":1,\"a\":2}"), ERR_FORMAT);
	ASSERT_ERR(parse_err("{\"x\":{\"a\":1,\"b\":2,\"a\":1}}"), ERR_FORMAT);
	/* Same key in two different objects is fine. */
	json_doc_free(parse_ok("[{\"a\":1},{\"a\":2}]"));
}

TEST(json_depth_limit_is_exact)
{
	char *ok_a = nested(LIMIT_JSON_DEPTH_MAX, '[', ']');
	char *bad_a = nested(LIMIT_JSON_DEPTH_MAX + 1, '[', ']');
	char *ok_o = nested(LIMIT_JSON_DEPTH_MAX, '{', '}');
	char *bad_o = nested(LIMIT_JSON_DEPTH_MAX + 1, '{', '}');

	json_doc_free(parse_ok(ok_a));
	json_doc_free(parse_ok(ok_o));
	ASSERT_ERR(parse_err(bad_a), ERR_TOO_LARGE);
	ASSERT_ERR(parse_err(bad_o), ERR_TOO_LARGE);
	free(ok_a);
	free(bad_a);
	free(ok_o);
	free(bad_o);
}

TEST(json_depth_check_survives_huge_nesting_and_ignores_strings)
{
	size_t n = 1000000, i;
	char *s = malloc(n);
	const char *what = NULL;
	struct json_doc *d = NULL;

	ASSERT_NOT_NULL(s);
	for (i = 0; i < n; i++)
		s[i] = '[';
	/* A million levels would overflow a recursive parser's stack. */
	ASSERT_ERR(json_parse(s, n, n, &d, &what), ERR_TOO_LARGE);
	ASSERT_NULL(d);
	ASSERT_STR_EQ(what, "nested too deep");
	free(s);
	/* Brackets in strings, and escaped quotes, do not count. */
	{
		static const char t[] = "[\"[[[[[[[[[[[[[[[[[[[[\\\"[[[[\"]";

		ASSERT_OK(json_depth_check(t, strlen(t), 1));
	}
	ASSERT_ERR(json_depth_check("[[", 2, 1), ERR_TOO_LARGE);
}

TEST(json_refuses_syntax_trailing_data_scalars_and_nul)
{
	ASSERT_ERR(parse_err(""), ERR_FORMAT);
	ASSERT_ERR(parse_err("{"), ERR_FORMAT);
	ASSERT_ERR(parse_err("{} {}"), ERR_FORMAT);
	ASSERT_ERR(parse_err("{}x"), ERR_FORMAT);
	ASSERT_ERR(parse_err("\"just a string\""), ERR_FORMAT);
	ASSERT_ERR(parse_err("42"), ERR_FORMAT);
	ASSERT_ERR(parse_err("{\"a\":\"x\\u0000y\"}"), ERR_FORMAT);
	ASSERT_ERR(parse_err("{\"a\":\"\xff\"}"), ERR_FORMAT);
	ASSERT_ERR(parse_err("{'a':1}"), ERR_FORMAT);
	ASSERT_ERR(parse_err("{\"a\":1,}"), ERR_FORMAT);
	{
		struct json_doc *d = NULL;

		ASSERT_ERR(json_parse("{}", 2, 1, &d, NULL), ERR_TOO_LARGE);
		ASSERT_NULL(d);
	}
}

TEST(json_wrong_types_are_format_errors_with_a_path)
{
	struct json_doc *d = parse_ok("{\"token\":{\"nonce\":5,\"s\":\"x\","
	    "\"f\":1.5,\"b\":\"true\",\"arr\":{}}}");
	const struct json_node *root = json_root(d), *tok, *n;
	const char *s;
	int64_t v;
	int b;
	size_t c;

	ASSERT_OK(json_member(d, root, "token", &tok));
	ASSERT_ERR(json_get_string(d, tok, "nonce", 64, &s, NULL), ERR_FORMAT);
	ASSERT_STR_EQ(json_doc_error_path(d), "$.token.nonce");
	ASSERT_STR_EQ(json_doc_error_what(d), "not a string");
	ASSERT_NULL(s);
	ASSERT_ERR(json_get_int(d, tok, "s", 0, 10, &v), ERR_FORMAT);
	ASSERT_ERR(json_get_int(d, tok, "f", 0, 10, &v), ERR_FORMAT);
	ASSERT_STR_EQ(json_doc_error_what(d), "not an integer");
	ASSERT_ERR(json_get_bool(d, tok, "b", &b), ERR_FORMAT);
	ASSERT_ERR(json_get_array(d, tok, "arr", 5, &n, &c), ERR_FORMAT);
	ASSERT_ERR(json_get_string(d, tok, "missing", 5, &s, NULL), ERR_FORMAT);
	ASSERT_STR_EQ(json_doc_error_path(d), "$.token.missing");
	ASSERT_STR_EQ(json_doc_error_what(d), "missing");
	ASSERT_ERR(json_get_string(d, n == NULL ? tok : n, "x", 5, &s, NULL),
	    ERR_FORMAT);
	json_doc_free(d);
}

TEST(json_bounds_strings_ints_arrays)
{
	struct json_doc *d = parse_ok("{\"s\":\"abcdef\",\"i\":-3,"
	    "\"big\":9223372036854775807,\"a\":[1,2,3,4]}");
	const struct json_node *root = json_root(d), *a;
	const char *s;
	int64_t v;
	size_t c;

	ASSERT_OK(json_get_string(d, root, "s", 6, &s, NULL));
	ASSERT_ERR(json_get_string(d, root, "s", 5, &s, NULL), ERR_TOO_LARGE);
	ASSERT_STR_EQ(json_doc_error_path(d), "$.s");
	ASSERT_ERR(json_get_int(d, root, "i", 0, 10, &v), ERR_RANGE);
	ASSERT_OK(json_get_int(d, root, "i", -3, -3, &v));
	ASSERT_INT_EQ(v, -3);
	ASSERT_ERR(json_get_int(d, root, "big", 0, INT64_MAX - 1, &v),
	    ERR_RANGE);
	ASSERT_OK(json_get_array(d, root, "a", 4, &a, &c));
	ASSERT_ERR(json_get_array(d, root, "a", 3, &a, &c), ERR_TOO_LARGE);
	ASSERT_INT_EQ(c, 0);
	json_doc_free(d);
	/* Integers past 64 bits do not parse at all. */
	ASSERT_ERR(parse_err("{\"i\":99999999999999999999}"), ERR_FORMAT);
}

TEST(json_unknown_members_refused)
{
	static const char *const allowed[] = { "purpose", NULL };
	struct json_doc *d = parse_ok("{\"purpose\":\"login\",\"x\":1}");
	struct json_doc *d2 = parse_ok("{\"purpose\":\"login\"}");
	struct json_doc *d3 = parse_ok("[1]");

	ASSERT_ERR(json_expect_object(d, json_root(d), allowed), ERR_FORMAT);
	ASSERT_STR_EQ(json_doc_error_what(d), "unknown member");
	ASSERT_OK(json_expect_object(d2, json_root(d2), allowed));
	ASSERT_ERR(json_expect_object(d3, json_root(d3), allowed), ERR_FORMAT);
	json_doc_free(d);
	json_doc_free(d2);
	json_doc_free(d3);
}

TEST(json_base64_canonical_exact_and_truncated)
{
	/* 32 bytes 0x00..0x1f. */
	struct json_doc *d = parse_ok("{"
	    "\"ok\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\","
	    "\"short\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd\","
	    "\"cut\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\","
	    "\"bits\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=\","
	    "\"long\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gIQ==\","
	    "\"ws\":\"AAEC AwQ\",\"mid\":\"AA==AAAA\",\"url\":\"-_-_\",\"num\":7}");
	const struct json_node *root = json_root(d);
	uint8_t buf[32], want[32];
	size_t len, i;

	for (i = 0; i < 32; i++)
		want[i] = (uint8_t)i;
	ASSERT_OK(json_get_base64_exact(d, root, "ok", buf, 32));
	ASSERT_MEM_EQ(buf, want, 32);
	ASSERT_OK(json_get_base64(d, root, "ok", buf, 32, &len));
	ASSERT_INT_EQ(len, 32);
	ASSERT_ERR(json_get_base64_exact(d, root, "short", buf, 32),
	    ERR_TRUNCATED);
	ASSERT_STR_EQ(json_doc_error_path(d), "$.short");
	ASSERT_ERR(json_get_base64_exact(d, root, "cut", buf, 32),
	    ERR_TRUNCATED);
	ASSERT_STR_EQ(json_doc_error_what(d), "base64 cut short");
	/* Non-zero unused bits: libsodium refuses them outright. */
	ASSERT_ERR(json_get_base64_exact(d, root, "bits", buf, 32),
	    ERR_FORMAT);
	ASSERT_ERR(json_get_base64_exact(d, root, "long", buf, 32),
	    ERR_TOO_LARGE);
	ASSERT_ERR(json_get_base64(d, root, "ws", buf, 32, &len), ERR_FORMAT);
	ASSERT_ERR(json_get_base64(d, root, "url", buf, 32, &len), ERR_FORMAT);
	ASSERT_ERR(json_get_base64(d, root, "mid", buf, 32, &len), ERR_FORMAT);
	ASSERT_ERR(json_get_base64(d, root, "num", buf, 32, &len), ERR_FORMAT);
	json_doc_free(d);
}

TEST(json_builder_writes_canonical_sorted_compact)
{
	struct json_build *o = json_build_object(), *a = json_build_array();
	static const uint8_t bytes[3] = { 0xff, 0x00, 0x10 };
	char *s = NULL;
	size_t len;

	ASSERT_NOT_NULL(o);
	ASSERT_NOT_NULL(a);
	ASSERT_OK(json_build_set_string(o, "zeta", "\"q\"\n日本"));
	ASSERT_OK(json_build_set_int(o, "alpha", -5));
	ASSERT_OK(json_build_set_bool(o, "m", 1));
	ASSERT_OK(json_build_set_base64(o, "b", bytes, 3));
	ASSERT_OK(json_build_append_int(a, 1));
	ASSERT_OK(json_build_append_string(a, "x"));
	ASSERT_OK(json_build_set(o, "arr", a));
	ASSERT_ERR(json_build_set_string(o, "bad", "\xc0\x80"), ERR_FORMAT);
	ASSERT_OK(json_build_dump(o, &s, &len));
	ASSERT_STR_EQ(s, "{\"alpha\":-5,\"arr\":[1,\"x\"],\"b\":\"/wAQ\","
	    "\"m\":true,\"zeta\":\"\\\"q\\\"\\n日本\"}");
	ASSERT_INT_EQ(len, strlen(s));
	free(s);
	json_build_free(o);
	json_build_free(NULL);
	json_doc_free(NULL);
}

/* Accepts only a document that reads back as exactly the original. */
static int
nonce_request_accept(const uint8_t *p, size_t len, void *ctx)
{
	static const char *const allowed[] = { "purpose", "n", NULL };
	struct json_doc *d = NULL;
	const char *s;
	int64_t v;
	int r;

	(void)ctx;
	if ((r = json_parse(p, len, LIMIT_HTTP_BODY_MAX, &d, NULL)) != 0)
		return r;
	if ((r = json_expect_object(d, json_root(d), allowed)) == 0 &&
	    (r = json_get_string(d, json_root(d), "purpose", 64, &s,
	    NULL)) == 0 &&
	    (r = json_get_int(d, json_root(d), "n", 0, 99, &v)) == 0)
		r = strcmp(s, "login") == 0 && v == 7 ? 0 : ERR_MISMATCH;
	json_doc_free(d);
	return r;
}

TEST(json_mutants_of_a_request_never_read_as_the_original)
{
	/* Whitespace-free, so no flip is a harmless reformatting. */
	static const char in[] = "{\"purpose\":\"login\",\"n\":7}";

	ASSERT_MUTANTS_REJECTED((const uint8_t *)in, strlen(in), MUTATE_ALL,
	    nonce_request_accept, NULL);
}
