/*
 * archive.h - the election record as one file: a strict POSIX ustar
 * archive (docs/PROTOCOL-record.md §2), readable by any tar.
 *
 * The writer emits regular files only (mode 0644, uid/gid 0, owner names
 * empty, mtime fixed by the caller), in the order given, each name
 * "<dir>/<path>" under one top directory, padded to 512-byte blocks and
 * closed by two zero blocks; the same inputs give the same bytes.
 *
 * The reader accepts exactly that: ustar magic "ustar\0" version "00",
 * header checksums right, typeflag '0' (or NUL) only (no links, devices,
 * directories, pax or GNU extensions), octal fields well-formed, names
 * of the record's path alphabet ([a-z0-9._/-], no leading '/', no empty
 * or "." or ".." component, at most 255 bytes with the prefix field; the
 * two fixed names INDEX and INDEX.sig directly under the top), one
 * top directory shared by every entry, no name twice, sizes within
 * LIMIT_RECORD_FILE_MAX each and the caller's total, and nothing after
 * the end blocks but zero padding.  Anything else is refused with a
 * specific error (ERR_FORMAT, ERR_TRUNCATED, ERR_TRAILING_DATA,
 * ERR_TOO_LARGE, ERR_DUPLICATE, ERR_UNSUPPORTED; which for what: the
 * comment at the top of archive.c).  The writer refuses a bad path
 * (ERR_INVALID_ARG), one added twice (ERR_DUPLICATE) and a name ustar
 * cannot hold (ERR_TOO_LARGE).
 */
#ifndef IPPYO_AUDIT_ARCHIVE_H
#define IPPYO_AUDIT_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- writing ---- */

struct archive_writer;

/*
 * Starts an archive on f (not closed by the writer) whose entries live
 * under top/ (one path component of the record alphabet).  mtime is the
 * seconds-since-epoch written into every header.
 */
int archive_writer_new(FILE *f, const char *top, int64_t mtime,
    struct archive_writer **out) __attribute__((warn_unused_result));

/* Adds one regular file (path relative to top, record alphabet). */
int archive_add(struct archive_writer *w, const char *path,
    const uint8_t *data, size_t len) __attribute__((warn_unused_result));

/* Adds a file read from disk (bounded by LIMIT_RECORD_FILE_MAX). */
int archive_add_file(struct archive_writer *w, const char *path,
    const char *disk_path) __attribute__((warn_unused_result));

/* Writes the end blocks and frees w; 0 or the first error seen. */
int archive_finish(struct archive_writer *w)
    __attribute__((warn_unused_result));

/* Frees w without finishing (after an error). */
void archive_writer_free(struct archive_writer *w);

/* ---- reading ---- */

struct archive_entry {
	const char *path;		/* relative to the top directory */
	const uint8_t *data;		/* inside the mapped/read archive */
	size_t len;
};

struct archive {
	char top[256];			/* the top directory's name */
	struct archive_entry *entries;	/* in archive order */
	size_t count;
	/* private */
	uint8_t *buf;
	size_t buf_len;
};

/*
 * Reads and checks a whole archive file of at most max_total bytes.
 * Caller frees with archive_free.
 */
int archive_read(const char *path, uint64_t max_total, struct archive **out)
    __attribute__((warn_unused_result));

/* The same from bytes in memory (copied); for tests and sweeps. */
int archive_parse(const uint8_t *p, size_t len, struct archive **out)
    __attribute__((warn_unused_result));

/* The entry named path, or NULL. */
const struct archive_entry *archive_find(const struct archive *a,
    const char *path);

void archive_free(struct archive *a);

/* 1 when path (relative to top) is in the record's path alphabet or is
 * INDEX or INDEX.sig (rules above). */
int archive_path_ok(const char *path);

#endif /* IPPYO_AUDIT_ARCHIVE_H */
