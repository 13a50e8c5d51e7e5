/*
 * strparse.h - strict parsing of numbers and words from text.
 *
 * Replaces atoi/strtol/sscanf, which accept junk silently.  A number is
 * accepted only when the whole string is decimal digits, with no sign, no
 * spaces, no leading zeros (except "0" itself) and a value <= max.  Safe on
 * untrusted input.
 */
#ifndef IPPYO_CORE_STRPARSE_H
#define IPPYO_CORE_STRPARSE_H

#include <stddef.h>
#include <stdint.h>

/* Returns 0, ERR_FORMAT or ERR_RANGE; *out is set only on success. */
int strparse_u64(const char *s, uint64_t max, uint64_t *out)
    __attribute__((warn_unused_result));

/* As strparse_u64 over exactly len bytes (need not be NUL-terminated). */
int strparse_u64_n(const char *s, size_t len, uint64_t max, uint64_t *out)
    __attribute__((warn_unused_result));

/*
 * Returns 0 when s (len bytes) is an identifier: 1..max bytes of
 * [a-z0-9_-], starting with a letter or digit.  ERR_FORMAT otherwise.
 */
int strparse_ident(const char *s, size_t len, size_t max)
    __attribute__((warn_unused_result));

#endif /* IPPYO_CORE_STRPARSE_H */
