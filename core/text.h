/*
 * text.h - checks on text from outside: UTF-8 validity and control bytes.
 *
 * Safe on untrusted input.  Not constant-time.
 */
#ifndef IPPYO_CORE_TEXT_H
#define IPPYO_CORE_TEXT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Length of the well-formed UTF-8 sequence at s (at most n bytes), or 0 if
 * none: overlong forms, surrogates and code points past U+10FFFF are not
 * well-formed.  *cp receives the code point when cp is not NULL.
 */
size_t text_utf8_char(const unsigned char *s, size_t n, uint32_t *cp);

/* 1 when s[0..n) is well-formed UTF-8 with no NUL. */
int text_is_utf8(const char *s, size_t n);

/*
 * 1 when s[0..n) is well-formed UTF-8 with no control characters (C0, DEL,
 * C1) and no line or paragraph separators: one line of printable text.
 */
int text_is_line(const char *s, size_t n);

#endif /* IPPYO_CORE_TEXT_H */
