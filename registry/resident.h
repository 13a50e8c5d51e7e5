/*
 * resident.h - residents, their import, and the eligibility rules.
 *
 * The municipality's resident register arrives as a CSV extract (format
 * in docs/REGISTRY.md).  An import is all-or-nothing: the first bad row
 * stops it with its line number and what is wrong, and nothing already
 * stored changes.
 */
#ifndef IPPYO_REGISTRY_RESIDENT_H
#define IPPYO_REGISTRY_RESIDENT_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

#define RESIDENT_ID_MAX 32

enum resident_status {
	RESIDENT_ACTIVE = 0,	/* living here */
	RESIDENT_MOVED_OUT,	/* moved away on status_date */
	RESIDENT_DECEASED,	/* died on status_date */
	RESIDENT_DELETED	/* record removed (e.g. lost nationality) */
};

/* One row of the register.  Strings point into the parsed record. */
struct resident {
	const char *id;			/* resident number, [0-9A-Za-z-]{1,32} */
	const char *name;		/* as registered (kanji) */
	const char *name_kana;		/* katakana reading */
	const char *address;		/* full address */
	char municipality[7];		/* 6-digit code with check digit */
	int32_t date_of_birth;		/* days since 1970-01-01 */
	int sex;			/* ISO 5218: 0, 1, 2, 9 */
	char nationality[3];		/* ISO 3166-1 alpha-2 */
	int32_t resident_since;		/* start of continuous residence */
	enum resident_status status;	/* see above */
	int32_t status_date;		/* when status changed (not ACTIVE) */
};

/* 1 when code is 6 digits with a correct check digit (JIS X 0401/0402). */
int resident_municipality_ok(const char *code, size_t len);

/*
 * Validates and decodes one CSV record (fields in the documented order).
 * On ERR_FORMAT, *field names the offending column.  today bounds dates.
 */
int resident_from_fields(const char *const *f, const size_t *len, size_t n,
    int32_t today, struct resident *out, const char **field)
    __attribute__((warn_unused_result));

struct resident_import_result {
	int64_t rows;		/* data rows read */
	int64_t inserted;	/* new residents */
	int64_t updated;	/* changed residents */
	int64_t unchanged;	/* identical rows */
	int64_t line;		/* on error: the line (1 = header) */
	const char *field;	/* on error: the column, or NULL */
	int64_t audit_seq;	/* the audit entry of this import */
};

/*
 * Imports a CSV extract (at most LIMIT_CSV_ROWS_MAX rows) in one
 * transaction with one audit entry ("registry.import", with the file's
 * SHA-256 and the counts).  Returns 0; ERR_FORMAT (with line and field);
 * ERR_TOO_LARGE; ERR_DUPLICATE (a resident twice in one file); or a db
 * error.  On any error nothing changes.
 */
int resident_import(struct db *db, const char *csv, size_t len,
    const char *actor, struct resident_import_result *res)
    __attribute__((warn_unused_result));

/* Why a resident is or is not on a roll. */
enum eligibility {
	ELIGIBLE = 0,
	INELIGIBLE_NATIONALITY,		/* not a Japanese national */
	INELIGIBLE_AGE,			/* not 18 by election day */
	INELIGIBLE_RESIDENCE,		/* under 3 months' residence */
	INELIGIBLE_MOVED_OUT,		/* moved out 4 months or more ago */
	INELIGIBLE_DECEASED,
	INELIGIBLE_DELETED,
	INELIGIBLE_MUNICIPALITY		/* registered elsewhere */
};

/*
 * The Public Offices Election Act art. 9 and 21 rules, as
 * docs/REGISTRY.md states them: Japanese national; 18 or older on
 * election day (age is reached the day before the birthday); resident for
 * 3 continuous months by the reference date; or, moved out fewer than 4
 * months before the reference date after 3 months' residence.
 */
enum eligibility resident_eligibility(const struct resident *r,
    const char *municipality, int32_t election_day, int32_t reference_date);

const char *eligibility_str(enum eligibility e);

#endif /* IPPYO_REGISTRY_RESIDENT_H */
