/*
 * csv.c - strict CSV records.
 */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/misuse.h"
#include "registry/csv.h"

void
csv_record_clear(struct csv_record *rec)
{
	if (rec == NULL)
		return;
	free(rec->buf);
	memset(rec, 0, sizeof(*rec));
}

int
csv_read(const char *p, size_t len, size_t max, struct csv_record *rec,
    size_t *used)
{
	size_t i = 0, eol, o = 0;
	char *out;
	int r = ERR_INTERNAL;

	REQUIRE(p != NULL && rec != NULL && used != NULL);
	memset(rec, 0, sizeof(*rec));
	*used = 0;
	/* Find the end of the line first; bound it before any work. */
	for (eol = 0; eol < len && p[eol] != '\n'; eol++)
		if (eol >= max)
			return ERR_TOO_LARGE;
	if (eol > max)
		return ERR_TOO_LARGE;
	if ((out = malloc(eol + 1)) == NULL)
		return ERR_NOMEM;
	rec->buf = out;
	for (;;) {
		size_t start = o;

		if (rec->n == CSV_FIELDS_MAX) {
			r = ERR_TOO_LARGE;
			goto out;
		}
		if (i < eol && p[i] == '"') {
			i++;
			for (;;) {
				if (i >= eol) {
					r = ERR_FORMAT;	/* unterminated */
					goto out;
				}
				if (p[i] == '"') {
					if (i + 1 < eol && p[i + 1] == '"') {
						out[o++] = '"';
						i += 2;
						continue;
					}
					i++;
					break;
				}
				if (p[i] == '\r') {
					r = ERR_FORMAT;
					goto out;
				}
				out[o++] = p[i++];
			}
		} else {
			while (i < eol && p[i] != ',' && p[i] != '"' &&
			    p[i] != '\r')
				out[o++] = p[i++];
			if (i < eol && p[i] == '"') {
				r = ERR_FORMAT;	/* quote inside a bare field */
				goto out;
			}
		}
		rec->f[rec->n] = out + start;
		rec->len[rec->n] = o - start;
		rec->n++;
		out[o++] = '\0';
		if (i < eol && p[i] == ',') {
			i++;
			continue;
		}
		/* End of record: nothing, LF, or CR LF. */
		if (i < eol && p[i] == '\r' && i + 1 == eol && eol < len)
			i++;
		if (i != eol) {
			r = ERR_FORMAT;
			goto out;
		}
		break;
	}
	*used = eol < len ? eol + 1 : eol;
	return 0;
 out:
	csv_record_clear(rec);
	return r;
}
