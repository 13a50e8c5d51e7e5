/*
 * recload.h - the verifier's view of an election record's files, read
 * from the directory or the ustar archive (docs/PROTOCOL-record.md §1-2).
 *
 * Every name found is listed (so "nothing else may be present" can be
 * checked), but only the record's own names are read, each bounded by
 * its own maximum (rec_limit); a file over it makes the record unusable
 * (ERR_TOO_LARGE).  In a directory, symbolic links and other non-regular
 * entries are listed and never followed or read.
 */
#ifndef IPPYO_AUDIT_RECLOAD_H
#define IPPYO_AUDIT_RECLOAD_H

#include <stddef.h>
#include <stdint.h>

#define RECLOAD_PATH_MAX	256		/* one name, with its NUL */
#define RECLOAD_FILES_MAX	256		/* names in one record */
#define RECLOAD_TOTAL_MAX	(8ull * 1024 * 1024 * 1024)	/* archive */

struct rec_file {
	char path[RECLOAD_PATH_MAX];	/* relative, '/'-separated */
	const uint8_t *data;		/* contents; NULL if not read */
	size_t len;			/* length of data */
	int regular;			/* 1: a regular file */
	int loaded;			/* 1: data holds its contents */
	uint8_t *own;			/* our copy (directory form) */
};

struct rec_set {
	struct rec_file *f;		/* every name found, sorted */
	size_t n;			/* how many */
	int archive;			/* 1: read from a .tar */
	void *ar;			/* the archive (struct archive) */
	char top[RECLOAD_PATH_MAX];	/* archive: its top directory */
	const char **order;		/* archive: entry paths in archive
					   order (into ar), norder of them */
	size_t norder;
	char why[160];			/* after an error: what went wrong */
};

/*
 * Reads the record at path (a directory, or a regular file taken as the
 * archive).  Returns 0; ERR_NOT_FOUND / ERR_IO (unreadable); ERR_TOO_LARGE
 * (a file over its maximum, too many names); an archive error; ERR_NOMEM.
 * On error (*out NULL) set->why says what; the caller passes a
 * stack struct for it: why is written to why[0..why_len).
 */
int rec_open(const char *path, struct rec_set **out, char *why,
    size_t why_len) __attribute__((warn_unused_result));
void rec_close(struct rec_set *s);

/* The file named path if it was read, else NULL. */
const struct rec_file *rec_find(const struct rec_set *s, const char *path);

/*
 * The maximum size of a file of the record named path, or 0 when path is
 * none of the record's names (docs/VERIFY.md "Limits").
 */
uint64_t rec_limit(const char *path);

/* 1 when path is in the record's alphabet ([a-z0-9._/-], no empty, "."
 * or ".." component, no leading or trailing '/'). */
int rec_path_ok(const char *path);

#endif /* IPPYO_AUDIT_RECLOAD_H */
