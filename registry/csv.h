/*
 * csv.h - a strict RFC 4180 record reader for imports.
 *
 * Records end in LF or CRLF; a field is either unquoted (no '"', no CR or
 * LF) or quoted ('"' ... '"', with "" for a quote inside).  Line breaks
 * inside quoted fields are refused: every field of an import is one line.
 * Safe on untrusted input; never reads past len.
 */
#ifndef IPPYO_REGISTRY_CSV_H
#define IPPYO_REGISTRY_CSV_H

#include <stddef.h>

#define CSV_FIELDS_MAX 32

struct csv_record {
	size_t n;			/* fields in the record */
	const char *f[CSV_FIELDS_MAX];	/* NUL-terminated, into buf */
	size_t len[CSV_FIELDS_MAX];	/* their lengths */
	char *buf;			/* unescaped text (owned) */
};

/*
 * Reads one record from p[0..len) into rec, setting *used to the bytes it
 * took (including the line end).  A last record without a line end is
 * accepted.  Returns 0, ERR_FORMAT (bad quoting, bare CR, line break in a
 * field), ERR_TOO_LARGE (a line over max bytes or over CSV_FIELDS_MAX
 * fields) or ERR_NOMEM.  Call csv_record_clear() after each record.
 */
int csv_read(const char *p, size_t len, size_t max, struct csv_record *rec,
    size_t *used) __attribute__((warn_unused_result));

/* Frees what csv_read allocated.  Safe on a zeroed record. */
void csv_record_clear(struct csv_record *rec);

#endif /* IPPYO_REGISTRY_CSV_H */
