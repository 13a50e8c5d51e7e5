/*
 * recjson.h - the verifier's strict reading of the election record's JSON
 * files (docs/PROTOCOL-record.md): jansson with duplicate keys refused,
 * nesting bounded before jansson sees the text, exact key sets, integers
 * in 0..2^53-1, lowercase hex of exact lengths.
 *
 * json_t stays inside audit/ (the verifier's own files).  Every function
 * is safe on untrusted input.  Errors: ERR_FORMAT (syntax, a duplicate
 * key, a wrong type, an unknown or missing key, bad hex), ERR_RANGE (a
 * number or length outside its range), ERR_TOO_LARGE (document over its
 * size, nesting too deep), ERR_NOMEM.
 */
#ifndef IPPYO_AUDIT_RECJSON_H
#define IPPYO_AUDIT_RECJSON_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define RJ_INT_MAX	((1ull << 53) - 1)	/* JSON integers in the record */
#define RJ_DEPTH_MAX	8			/* the record's deepest is 4 */

/*
 * Parses text (len bytes, at most max) into *out: an object or array at
 * the top, nothing after it, no NUL escapes.  Caller json_decref()s.
 */
int rj_load(const uint8_t *text, size_t len, size_t max, json_t **out)
    __attribute__((warn_unused_result));

/*
 * 0 when obj is an object whose keys are exactly keys[0..n) (each once,
 * none other); ERR_FORMAT otherwise.
 */
int rj_keys(const json_t *obj, const char *const *keys, size_t n)
    __attribute__((warn_unused_result));

/* An integer member in 0..max (max <= RJ_INT_MAX). */
int rj_uint(const json_t *v, uint64_t max, uint64_t *out)
    __attribute__((warn_unused_result));
int rj_get_uint(const json_t *obj, const char *key, uint64_t max,
    uint64_t *out) __attribute__((warn_unused_result));

/* Lowercase hex of exactly 2n digits into out[0..n). */
int rj_hex(const json_t *v, uint8_t *out, size_t n)
    __attribute__((warn_unused_result));
int rj_get_hex(const json_t *obj, const char *key, uint8_t *out, size_t n)
    __attribute__((warn_unused_result));

/* A string of 1..max bytes (no NUL); *s points into the document. */
int rj_str(const json_t *v, size_t max, const char **s, size_t *len)
    __attribute__((warn_unused_result));
int rj_get_str(const json_t *obj, const char *key, size_t max,
    const char **s, size_t *len) __attribute__((warn_unused_result));

/* A boolean. */
int rj_get_bool(const json_t *obj, const char *key, int *b)
    __attribute__((warn_unused_result));

/* An array member (borrowed reference). */
int rj_get_array(const json_t *obj, const char *key, json_t **arr)
    __attribute__((warn_unused_result));

#endif /* IPPYO_AUDIT_RECJSON_H */
