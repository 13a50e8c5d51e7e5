/*
 * json.c - strict JSON reading and canonical writing over jansson.
 *
 * jansson types are cast to the opaque struct json_build and wrapped in
 * struct json_node here and nowhere else.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/limits.h"
#include "core/misuse.h"
#include "core/text.h"
#include "crypto/ct.h"
#include "web/json.h"

/* Nodes one document may hand out: far above what any endpoint reads
 * (contests x options), so only a runaway loop hits it. */
#define JSON_NODES_MAX 65536

struct json_node {
	json_t *v;			/* borrowed from the document */
	char path[JSON_PATH_MAX];	/* "$.a.b[2]", cut when too long */
	struct json_node *next;		/* the document's list */
};

struct json_doc {
	json_t *root;			/* owned */
	struct json_node *root_node;	/* its node */
	struct json_node *nodes;	/* every node handed out */
	size_t n_nodes;			/* length of that list */
	char err_path[JSON_PATH_MAX];	/* last failing value */
	const char *err_what;		/* and why (static text) */
};

int
json_depth_check(const void *text, size_t len, unsigned max)
{
	const unsigned char *p = text;
	unsigned depth = 0;
	int in_str = 0, esc = 0;
	size_t i;

	REQUIRE(text != NULL || len == 0);
	for (i = 0; i < len; i++) {
		unsigned char c = p[i];

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
				return ERR_TOO_LARGE;
		} else if ((c == ']' || c == '}') && depth > 0)
			depth--;
	}
	return 0;
}

/*
 * Writes parent.key, parent[index], parent itself (index SIZE_MAX) or "$"
 * (parent NULL) into out; a path too long for the log is cut.
 */
static void
path_join(char out[JSON_PATH_MAX], const char *parent, const char *key,
    size_t index)
{
	int n;

	if (parent == NULL)
		n = snprintf(out, JSON_PATH_MAX, "$");
	else if (key != NULL)
		n = snprintf(out, JSON_PATH_MAX, "%s.%s", parent, key);
	else if (index == SIZE_MAX)
		n = snprintf(out, JSON_PATH_MAX, "%s", parent);
	else
		n = snprintf(out, JSON_PATH_MAX, "%s[%zu]", parent, index);
	if (n < 0)
		out[0] = '\0';
}

static struct json_node *
node_new(struct json_doc *d, json_t *v, const char *parent, const char *key,
    size_t index)
{
	struct json_node *n;

	if (d->n_nodes >= JSON_NODES_MAX || (n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
	n->v = v;
	path_join(n->path, parent, key, index);
	n->next = d->nodes;
	d->nodes = n;
	d->n_nodes++;
	return n;
}

/* Records why a value was refused; returns r. */
static int
fail(struct json_doc *d, const char *path, const char *key, int r,
    const char *what)
{
	if (key != NULL)
		path_join(d->err_path, path, key, 0);
	else
		path_join(d->err_path, path, NULL, SIZE_MAX);
	d->err_what = what;
	return r;
}

int
json_parse(const void *text, size_t len, size_t max, struct json_doc **out,
    const char **errwhat)
{
	struct json_doc *d = NULL;
	json_error_t jerr;
	const char *what = "";
	int r = ERR_INTERNAL;

	REQUIRE(out != NULL && (text != NULL || len == 0));
	*out = NULL;
	if (len > max) {
		r = ERR_TOO_LARGE;
		what = "document too large";
		goto out;
	}
	/* Before jansson: its parser recurses once per level. */
	if (json_depth_check(text, len, LIMIT_JSON_DEPTH_MAX) != 0) {
		r = ERR_TOO_LARGE;
		what = "nested too deep";
		goto out;
	}
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	d->err_what = "";
	/* No JSON_DECODE_ANY (top level object or array only), no
	 * JSON_ALLOW_NUL, no JSON_DISABLE_EOF_CHECK (trailing bytes fail). */
	d->root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (d->root == NULL) {
		r = ERR_FORMAT;
		what = json_error_code(&jerr) == json_error_duplicate_key ?
		    "duplicate key" : "syntax";
		goto out;
	}
	if ((d->root_node = node_new(d, d->root, NULL, NULL, 0)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	*out = d;
	d = NULL;
	r = 0;
 out:
	if (errwhat != NULL)
		*errwhat = what;
	json_doc_free(d);
	return r;
}

void
json_doc_free(struct json_doc *d)
{
	struct json_node *n, *next;

	if (d == NULL)
		return;
	for (n = d->nodes; n != NULL; n = next) {
		next = n->next;
		free(n);
	}
	json_decref(d->root);
	free(d);
}

const struct json_node *
json_root(struct json_doc *d)
{
	REQUIRE(d != NULL);
	return d->root_node;
}

const char *
json_doc_error_path(const struct json_doc *d)
{
	return d == NULL ? "" : d->err_path;
}

const char *
json_doc_error_what(const struct json_doc *d)
{
	return d == NULL || d->err_what == NULL ? "" : d->err_what;
}

int
json_has(const struct json_node *obj, const char *key)
{
	REQUIRE(obj != NULL && key != NULL);
	return json_is_object(obj->v) && json_object_get(obj->v, key) != NULL;
}

int
json_expect_object(struct json_doc *d, const struct json_node *n,
    const char *const *allowed)
{
	const char *key;
	json_t *v;
	size_t i;

	REQUIRE(d != NULL && n != NULL && allowed != NULL);
	if (!json_is_object(n->v))
		return fail(d, n->path, NULL, ERR_FORMAT, "not an object");
	json_object_foreach(n->v, key, v) {
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(allowed[i], key) == 0)
				break;
		if (allowed[i] == NULL)
			return fail(d, n->path, NULL, ERR_FORMAT,
			    "unknown member");
	}
	return 0;
}

int
json_member(struct json_doc *d, const struct json_node *obj, const char *key,
    const struct json_node **out)
{
	struct json_node *n;
	json_t *v;

	REQUIRE(d != NULL && obj != NULL && key != NULL && out != NULL);
	*out = NULL;
	if (!json_is_object(obj->v))
		return fail(d, obj->path, NULL, ERR_FORMAT, "not an object");
	if ((v = json_object_get(obj->v, key)) == NULL)
		return fail(d, obj->path, key, ERR_FORMAT, "missing");
	if ((n = node_new(d, v, obj->path, key, 0)) == NULL)
		return ERR_NOMEM;
	*out = n;
	return 0;
}

int
json_as_array(struct json_doc *d, const struct json_node *n, size_t max,
    size_t *count)
{
	REQUIRE(d != NULL && n != NULL && count != NULL);
	*count = 0;
	if (!json_is_array(n->v))
		return fail(d, n->path, NULL, ERR_FORMAT, "not an array");
	if (json_array_size(n->v) > max)
		return fail(d, n->path, NULL, ERR_TOO_LARGE, "too many items");
	*count = json_array_size(n->v);
	return 0;
}

int
json_item(struct json_doc *d, const struct json_node *arr, size_t i,
    const struct json_node **out)
{
	struct json_node *n;

	REQUIRE(d != NULL && arr != NULL && out != NULL);
	*out = NULL;
	if (!json_is_array(arr->v))
		return fail(d, arr->path, NULL, ERR_FORMAT, "not an array");
	if (i >= json_array_size(arr->v))
		return fail(d, arr->path, NULL, ERR_NOT_FOUND, "no such item");
	if ((n = node_new(d, json_array_get(arr->v, i), arr->path, NULL,
	    i)) == NULL)
		return ERR_NOMEM;
	*out = n;
	return 0;
}

int
json_as_string(struct json_doc *d, const struct json_node *n, size_t max,
    const char **s, size_t *len)
{
	const char *v;
	size_t l;

	REQUIRE(d != NULL && n != NULL && s != NULL);
	*s = NULL;
	if (len != NULL)
		*len = 0;
	if (!json_is_string(n->v))
		return fail(d, n->path, NULL, ERR_FORMAT, "not a string");
	v = json_string_value(n->v);
	l = json_string_length(n->v);
	if (l > max)
		return fail(d, n->path, NULL, ERR_TOO_LARGE, "string too long");
	/* jansson refuses \u0000 and bad UTF-8 already; belt and braces. */
	if (strlen(v) != l || !text_is_utf8(v, l))
		return fail(d, n->path, NULL, ERR_FORMAT, "bad text");
	*s = v;
	if (len != NULL)
		*len = l;
	return 0;
}

int
json_as_int(struct json_doc *d, const struct json_node *n, int64_t min,
    int64_t max, int64_t *out)
{
	json_int_t v;

	REQUIRE(d != NULL && n != NULL && out != NULL && min <= max);
	*out = 0;
	if (!json_is_integer(n->v))
		return fail(d, n->path, NULL, ERR_FORMAT, "not an integer");
	v = json_integer_value(n->v);
	if (v < min || v > max)
		return fail(d, n->path, NULL, ERR_RANGE, "out of range");
	*out = (int64_t)v;
	return 0;
}

int
json_as_bool(struct json_doc *d, const struct json_node *n, int *out)
{
	REQUIRE(d != NULL && n != NULL && out != NULL);
	*out = 0;
	if (!json_is_boolean(n->v))
		return fail(d, n->path, NULL, ERR_FORMAT, "not a boolean");
	*out = json_is_true(n->v);
	return 0;
}

int
json_as_base64(struct json_doc *d, const struct json_node *n, uint8_t *out,
    size_t max, size_t *len)
{
	const char *s;
	size_t sl, pad;
	int r;

	REQUIRE(d != NULL && n != NULL && len != NULL);
	*len = 0;
	if (!json_is_string(n->v))
		return fail(d, n->path, NULL, ERR_FORMAT, "not a string");
	s = json_string_value(n->v);
	sl = json_string_length(n->v);
	/* Padded base64 comes in whole 4-character groups: anything else
	 * was cut short.  The size is known before decoding. */
	if (sl % 4 != 0)
		return fail(d, n->path, NULL, ERR_TRUNCATED, "base64 cut short");
	pad = (sl >= 1 && s[sl - 1] == '=') + (sl >= 2 && s[sl - 2] == '=');
	if (sl / 4 * 3 - pad > max)
		return fail(d, n->path, NULL, ERR_TOO_LARGE, "decoded too long");
	if ((r = ct_base64_decode(s, sl, CT_B64_STD, out, max, len)) != 0) {
		*len = 0;
		return fail(d, n->path, NULL, r, r == ERR_TOO_LARGE ?
		    "decoded too long" : r == ERR_NOT_CANONICAL ?
		    "base64 not canonical" : "bad base64");
	}
	return 0;
}

int
json_as_base64_exact(struct json_doc *d, const struct json_node *n,
    uint8_t *out, size_t want)
{
	size_t got = 0;
	int r;

	REQUIRE(out != NULL && want > 0);
	if ((r = json_as_base64(d, n, out, want, &got)) != 0)
		return r;
	if (got != want) {
		memset(out, 0, want);
		return fail(d, n->path, NULL, ERR_TRUNCATED,
		    "decoded too short");
	}
	return 0;
}

int
json_get_string(struct json_doc *d, const struct json_node *obj,
    const char *key, size_t max, const char **s, size_t *len)
{
	const struct json_node *n;
	int r;

	REQUIRE(s != NULL);
	*s = NULL;
	if (len != NULL)
		*len = 0;
	if ((r = json_member(d, obj, key, &n)) != 0)
		return r;
	return json_as_string(d, n, max, s, len);
}

int
json_get_int(struct json_doc *d, const struct json_node *obj,
    const char *key, int64_t min, int64_t max, int64_t *out)
{
	const struct json_node *n;
	int r;

	REQUIRE(out != NULL);
	*out = 0;
	if ((r = json_member(d, obj, key, &n)) != 0)
		return r;
	return json_as_int(d, n, min, max, out);
}

int
json_get_bool(struct json_doc *d, const struct json_node *obj,
    const char *key, int *out)
{
	const struct json_node *n;
	int r;

	REQUIRE(out != NULL);
	*out = 0;
	if ((r = json_member(d, obj, key, &n)) != 0)
		return r;
	return json_as_bool(d, n, out);
}

int
json_get_base64(struct json_doc *d, const struct json_node *obj,
    const char *key, uint8_t *out, size_t max, size_t *len)
{
	const struct json_node *n;
	int r;

	REQUIRE(len != NULL);
	*len = 0;
	if ((r = json_member(d, obj, key, &n)) != 0)
		return r;
	return json_as_base64(d, n, out, max, len);
}

int
json_get_base64_exact(struct json_doc *d, const struct json_node *obj,
    const char *key, uint8_t *out, size_t want)
{
	const struct json_node *n;
	int r;

	if ((r = json_member(d, obj, key, &n)) != 0)
		return r;
	return json_as_base64_exact(d, n, out, want);
}

int
json_get_array(struct json_doc *d, const struct json_node *obj,
    const char *key, size_t max, const struct json_node **out, size_t *count)
{
	const struct json_node *n;
	int r;

	REQUIRE(out != NULL && count != NULL);
	*out = NULL;
	*count = 0;
	if ((r = json_member(d, obj, key, &n)) != 0)
		return r;
	if ((r = json_as_array(d, n, max, count)) != 0)
		return r;
	*out = n;
	return 0;
}

int
json_get_object(struct json_doc *d, const struct json_node *obj,
    const char *key, const char *const *allowed, const struct json_node **out)
{
	const struct json_node *n;
	int r;

	REQUIRE(out != NULL);
	*out = NULL;
	if ((r = json_member(d, obj, key, &n)) != 0)
		return r;
	if ((r = json_expect_object(d, n, allowed)) != 0)
		return r;
	*out = n;
	return 0;
}

/* ---- writing ---- */

#define B(b) ((json_t *)(void *)(b))
#define CB(b) ((const json_t *)(const void *)(b))

struct json_build *
json_build_object(void)
{
	return (struct json_build *)(void *)json_object();
}

struct json_build *
json_build_array(void)
{
	return (struct json_build *)(void *)json_array();
}

void
json_build_free(struct json_build *b)
{
	if (b != NULL)
		json_decref(B(b));
}

/* Takes ownership of v (NULL means allocation failed). */
static int
set_new(struct json_build *b, const char *key, json_t *v)
{
	REQUIRE(b != NULL && key != NULL && json_is_object(B(b)));
	if (v == NULL)
		return ERR_NOMEM;
	if (!text_is_utf8(key, strlen(key))) {
		json_decref(v);
		return ERR_FORMAT;
	}
	return json_object_set_new(B(b), key, v) == 0 ? 0 : ERR_NOMEM;
}

static int
append_new(struct json_build *b, json_t *v)
{
	REQUIRE(b != NULL && json_is_array(B(b)));
	if (v == NULL)
		return ERR_NOMEM;
	return json_array_append_new(B(b), v) == 0 ? 0 : ERR_NOMEM;
}

int
json_build_set_string(struct json_build *b, const char *key, const char *s)
{
	REQUIRE(s != NULL);
	if (!text_is_utf8(s, strlen(s)))
		return ERR_FORMAT;
	return set_new(b, key, json_string(s));
}

int
json_build_set_int(struct json_build *b, const char *key, int64_t v)
{
	return set_new(b, key, json_integer((json_int_t)v));
}

int
json_build_set_bool(struct json_build *b, const char *key, int v)
{
	return set_new(b, key, json_boolean(v));
}

int
json_build_set_base64(struct json_build *b, const char *key,
    const uint8_t *p, size_t len)
{
	size_t n = ct_base64_len(len, CT_B64_STD);
	char *s;
	int r;

	REQUIRE(p != NULL || len == 0);
	if ((s = malloc(n)) == NULL)
		return ERR_NOMEM;
	if ((r = ct_base64_encode(p, len, CT_B64_STD, s, n)) == 0)
		r = set_new(b, key, json_string(s));
	free(s);
	return r;
}

int
json_build_set(struct json_build *b, const char *key, struct json_build *child)
{
	REQUIRE(child != NULL);
	return set_new(b, key, B(child));
}

int
json_build_append(struct json_build *b, struct json_build *child)
{
	REQUIRE(child != NULL);
	return append_new(b, B(child));
}

int
json_build_append_string(struct json_build *b, const char *s)
{
	REQUIRE(s != NULL);
	if (!text_is_utf8(s, strlen(s)))
		return ERR_FORMAT;
	return append_new(b, json_string(s));
}

int
json_build_append_int(struct json_build *b, int64_t v)
{
	return append_new(b, json_integer((json_int_t)v));
}

int
json_build_dump(const struct json_build *b, char **out, size_t *len)
{
	char *s;

	REQUIRE(b != NULL && out != NULL && len != NULL);
	*out = NULL;
	*len = 0;
	if ((s = json_dumps(CB(b), JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		return ERR_NOMEM;
	*out = s;
	*len = strlen(s);
	return 0;
}
