/*
 * kat.h - reading the known-answer vectors (tests/vectors/crypto/, JSON)
 * for the gcrypt engine's tests.  Every helper fails the running test
 * on a missing file, key or malformed hex.
 */
#ifndef IPPYO_TESTS_UNIT_GCRYPT_KAT_H
#define IPPYO_TESTS_UNIT_GCRYPT_KAT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* tests/vectors/crypto/<name>.json, parsed; caller json_decref()s. */
json_t *kat_load(const char *name);

/* Hex string s into exactly len bytes. */
void kat_unhex(const char *s, uint8_t *out, size_t len);

/* o[key] (a hex string) into exactly len bytes. */
void kat_hex(json_t *o, const char *key, uint8_t *out, size_t len);

/* o[key] (a hex string) into a new buffer; *len gets its length. */
uint8_t *kat_hex_alloc(json_t *o, const char *key, size_t *len);

/* o[key] as an integer. */
uint64_t kat_int(json_t *o, const char *key);

#endif /* IPPYO_TESTS_UNIT_GCRYPT_KAT_H */
