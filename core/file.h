/*
 * file.h - reading a whole file, bounded.
 */
#ifndef IPPYO_CORE_FILE_H
#define IPPYO_CORE_FILE_H

#include <stddef.h>
#include <stdint.h>

#define FILE_NOFOLLOW 0x1	/* refuse a symbolic link as the last component */

/*
 * Reads the regular file path, at most max bytes, into a new buffer *out
 * (caller frees) with a NUL after the *len bytes (so text can be used as
 * a C string; the NUL is not counted).  Returns 0, ERR_NOT_FOUND, ERR_IO
 * (unreadable, not a regular file, a link with FILE_NOFOLLOW),
 * ERR_TOO_LARGE or ERR_NOMEM.
 */
int file_read(const char *path, size_t max, unsigned flags, uint8_t **out,
    size_t *len) __attribute__((warn_unused_result));

#endif /* IPPYO_CORE_FILE_H */
