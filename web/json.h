/*
 * json.h - strict JSON in and canonical JSON out; the only room jansson
 * lives in.
 *
 * Reading: json_parse() refuses duplicate object keys, trailing bytes,
 * NUL characters in strings, invalid UTF-8, a top level that is not an
 * object or an array, and nesting deeper than LIMIT_JSON_DEPTH_MAX.  The
 * depth is checked by a scan of the raw bytes *before* jansson sees them,
 * so deep input cannot exhaust the stack.  Values are then read through
 * typed getters, each with an explicit bound, each returning a specific
 * error:
 *
 *	ERR_FORMAT		wrong type, missing member, syntax, duplicate key
 *	ERR_TOO_LARGE		string / array / decoded bytes over their bound,
 *				or nesting over LIMIT_JSON_DEPTH_MAX
 *	ERR_RANGE		integer outside [min, max]
 *	ERR_NOT_CANONICAL	base64 that is valid but not canonical
 *	ERR_TRUNCATED		base64 that decodes to fewer bytes than required
 *
 * When a getter fails, the document remembers a path naming the bad value
 * ("$.token.nonce", "$.contests[3]") and the reason: json_doc_error_path()
 * and json_doc_error_what() are for the log, never for the client.
 *
 * Nodes (struct json_node) are borrowed views owned by their document:
 * they stay valid until json_doc_free().  No jansson type appears here.
 * Everything is safe on untrusted input; nothing is constant-time.
 *
 * Writing: struct json_build builds a value and json_build_dump() writes
 * it canonically: compact, object keys sorted by bytes, integers only, no
 * floating point, UTF-8 as is.
 */
#ifndef IPPYO_WEB_JSON_H
#define IPPYO_WEB_JSON_H

#include <stddef.h>
#include <stdint.h>

#define JSON_WUR __attribute__((warn_unused_result))
#define JSON_PATH_MAX 128	/* error path kept for the log */

struct json_doc;
struct json_node;
struct json_build;

/* ---- reading ---- */

/*
 * Parses len bytes (not NUL-terminated).  Returns 0 and a document in
 * *out (caller frees with json_doc_free), ERR_TOO_LARGE (len over max, or
 * too deep), ERR_FORMAT (syntax, duplicate key, NUL, bad UTF-8, trailing
 * data, scalar top level) or ERR_NOMEM.  On failure *errwhat (when not
 * NULL) receives a short reason for the log (static text).
 */
int json_parse(const void *text, size_t len, size_t max,
    struct json_doc **out, const char **errwhat) JSON_WUR;

/* Frees the document and every node taken from it.  Accepts NULL. */
void json_doc_free(struct json_doc *d);

/* The top-level value. */
const struct json_node *json_root(struct json_doc *d);

/* Path of the value that made the last getter fail ("" when none). */
const char *json_doc_error_path(const struct json_doc *d);

/* Why it failed ("wrong type", "missing", ...; "" when none). */
const char *json_doc_error_what(const struct json_doc *d);

/*
 * Checks that n is an object whose member names are all in allowed (a
 * NULL-terminated list).  ERR_FORMAT for another type or an unknown
 * member (so clients cannot smuggle fields a later version would read).
 */
int json_expect_object(struct json_doc *d, const struct json_node *n,
    const char *const *allowed) JSON_WUR;

/* Member key of object obj.  ERR_FORMAT when obj is not an object or the
 * member is missing. */
int json_member(struct json_doc *d, const struct json_node *obj,
    const char *key, const struct json_node **out) JSON_WUR;

/* 1 when obj is an object with member key, else 0. */
int json_has(const struct json_node *obj, const char *key);

/*
 * Checks that n is an array of at most max items; *count receives its
 * length.  ERR_FORMAT, ERR_TOO_LARGE.
 */
int json_as_array(struct json_doc *d, const struct json_node *n, size_t max,
    size_t *count) JSON_WUR;

/* Item i of array arr.  ERR_FORMAT (not an array), ERR_NOT_FOUND. */
int json_item(struct json_doc *d, const struct json_node *arr, size_t i,
    const struct json_node **out) JSON_WUR;

/*
 * String value: *s points into the document (NUL-terminated, valid UTF-8,
 * no NUL inside), *len its length in bytes (len may be NULL).  A string
 * over max bytes is ERR_TOO_LARGE.
 */
int json_as_string(struct json_doc *d, const struct json_node *n,
    size_t max, const char **s, size_t *len) JSON_WUR;

/* Integer in [min, max]: ERR_FORMAT for any other type (reals too),
 * ERR_RANGE outside. */
int json_as_int(struct json_doc *d, const struct json_node *n, int64_t min,
    int64_t max, int64_t *out) JSON_WUR;

/* true or false. */
int json_as_bool(struct json_doc *d, const struct json_node *n,
    int *out) JSON_WUR;

/*
 * A base64 string (RFC 4648 standard alphabet with padding, canonical:
 * crypto/ct.h) decoded into out, at most max bytes; *len receives the
 * decoded length.  ERR_FORMAT, ERR_NOT_CANONICAL, ERR_TOO_LARGE.
 */
int json_as_base64(struct json_doc *d, const struct json_node *n,
    uint8_t *out, size_t max, size_t *len) JSON_WUR;

/*
 * As json_as_base64 for a field of exactly want bytes: fewer is
 * ERR_TRUNCATED, more ERR_TOO_LARGE.
 */
int json_as_base64_exact(struct json_doc *d, const struct json_node *n,
    uint8_t *out, size_t want) JSON_WUR;

/* Member shortcuts: json_member() then the json_as_*() of the same name. */
int json_get_string(struct json_doc *d, const struct json_node *obj,
    const char *key, size_t max, const char **s, size_t *len) JSON_WUR;
int json_get_int(struct json_doc *d, const struct json_node *obj,
    const char *key, int64_t min, int64_t max, int64_t *out) JSON_WUR;
int json_get_bool(struct json_doc *d, const struct json_node *obj,
    const char *key, int *out) JSON_WUR;
int json_get_base64(struct json_doc *d, const struct json_node *obj,
    const char *key, uint8_t *out, size_t max, size_t *len) JSON_WUR;
int json_get_base64_exact(struct json_doc *d, const struct json_node *obj,
    const char *key, uint8_t *out, size_t want) JSON_WUR;
int json_get_array(struct json_doc *d, const struct json_node *obj,
    const char *key, size_t max, const struct json_node **out,
    size_t *count) JSON_WUR;
int json_get_object(struct json_doc *d, const struct json_node *obj,
    const char *key, const char *const *allowed,
    const struct json_node **out) JSON_WUR;

/*
 * Checks the nesting depth of raw JSON text without parsing it: returns
 * 0 when no point is nested deeper than max arrays/objects, else
 * ERR_TOO_LARGE.  Brackets inside strings do not count.  Exposed for
 * tests; json_parse() calls it.
 */
int json_depth_check(const void *text, size_t len, unsigned max) JSON_WUR;

/* ---- writing ---- */

/* A new empty object or array, or NULL when memory ran out. */
struct json_build *json_build_object(void) JSON_WUR;
struct json_build *json_build_array(void) JSON_WUR;

/* Frees b and everything in it.  Accepts NULL. */
void json_build_free(struct json_build *b);

/*
 * Sets member key of object b (replacing any earlier value).  Strings
 * must be valid UTF-8 (ERR_FORMAT otherwise).  json_build_set() takes
 * ownership of child whatever the result.  Each returns 0, ERR_FORMAT or
 * ERR_NOMEM.
 */
int json_build_set_string(struct json_build *b, const char *key,
    const char *s) JSON_WUR;
int json_build_set_int(struct json_build *b, const char *key,
    int64_t v) JSON_WUR;
int json_build_set_bool(struct json_build *b, const char *key,
    int v) JSON_WUR;
int json_build_set_base64(struct json_build *b, const char *key,
    const uint8_t *p, size_t len) JSON_WUR;
int json_build_set(struct json_build *b, const char *key,
    struct json_build *child) JSON_WUR;

/* Appends to array b; json_build_append() takes ownership of child. */
int json_build_append(struct json_build *b, struct json_build *child) JSON_WUR;
int json_build_append_string(struct json_build *b, const char *s) JSON_WUR;
int json_build_append_int(struct json_build *b, int64_t v) JSON_WUR;

/*
 * Writes b canonically into a new NUL-terminated string *out (caller
 * frees with free()), *len its length.  0 or ERR_NOMEM.
 */
int json_build_dump(const struct json_build *b, char **out,
    size_t *len) JSON_WUR;

#endif /* IPPYO_WEB_JSON_H */
