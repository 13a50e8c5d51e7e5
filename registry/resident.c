/*
 * resident.c - register rows: validation, import, eligibility.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/log.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/misuse.h"
#include "core/text.h"
#include "crypto/ct.h"
#include "crypto/digest.h"
#include "db/db.h"
#include "registry/csv.h"
#include "registry/resident.h"

#define NFIELDS 11
static const char *const columns[NFIELDS] = {
	"resident_id", "name", "name_kana", "address", "municipality_code",
	"date_of_birth", "sex", "nationality", "resident_since", "status",
	"status_date"
};

static const char *const status_names[] = {
	"active", "moved_out", "deceased", "deleted"
};

int
resident_municipality_ok(const char *c, size_t len)
{
	static const int w[5] = { 6, 5, 4, 3, 2 };
	int i, sum = 0;

	if (len != 6)
		return 0;
	for (i = 0; i < 6; i++)
		if (c[i] < '0' || c[i] > '9')
			return 0;
	for (i = 0; i < 5; i++)
		sum += (c[i] - '0') * w[i];
	/* Check digit: last digit of 11 - (sum mod 11). */
	return (11 - sum % 11) % 10 == c[5] - '0';
}

/* Full-width katakana, the long-vowel mark, middle dot and spaces. */
static int
kana_ok(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k;
	uint32_t c;

	if (n == 0 || n > LIMIT_NAME_LEN_MAX)
		return 0;
	while (i < n) {
		if ((k = text_utf8_char(u + i, n - i, &c)) == 0)
			return 0;
		if (!((c >= 0x30a1 && c <= 0x30fa) || c == 0x30fb ||
		    c == 0x30fc || c == 0x3000 || c == ' '))
			return 0;
		i += k;
	}
	return 1;
}

static int
id_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > RESIDENT_ID_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z') || c == '-'))
			return 0;
	}
	return 1;
}

int
resident_from_fields(const char *const *f, const size_t *len, size_t n,
    int32_t today, struct resident *r, const char **field)
{
	size_t i;

	REQUIRE(f != NULL && len != NULL && r != NULL && field != NULL);
	memset(r, 0, sizeof(*r));
	*field = NULL;
	if (n != NFIELDS)
		return ERR_FORMAT;
#define BAD(i) do { *field = columns[i]; return ERR_FORMAT; } while (0)
	if (!id_ok(f[0], len[0]))
		BAD(0);
	if (len[1] == 0 || len[1] > LIMIT_NAME_LEN_MAX ||
	    !text_is_line(f[1], len[1]))
		BAD(1);
	if (!kana_ok(f[2], len[2]))
		BAD(2);
	if (len[3] == 0 || len[3] > LIMIT_ADDRESS_LEN_MAX ||
	    !text_is_line(f[3], len[3]))
		BAD(3);
	if (!resident_municipality_ok(f[4], len[4]))
		BAD(4);
	if (clock_parse_date(f[5], len[5], &r->date_of_birth) != 0 ||
	    r->date_of_birth > today)
		BAD(5);
	if (len[6] != 1 || (f[6][0] != '0' && f[6][0] != '1' &&
	    f[6][0] != '2' && f[6][0] != '9'))
		BAD(6);
	if (len[7] != 2 || f[7][0] < 'A' || f[7][0] > 'Z' || f[7][1] < 'A' ||
	    f[7][1] > 'Z')
		BAD(7);
	if (clock_parse_date(f[8], len[8], &r->resident_since) != 0 ||
	    r->resident_since < r->date_of_birth || r->resident_since > today)
		BAD(8);
	for (i = 0; i < 4; i++)
		if (len[9] == strlen(status_names[i]) &&
		    memcmp(f[9], status_names[i], len[9]) == 0)
			break;
	if (i == 4)
		BAD(9);
	r->status = (enum resident_status)i;
	if (r->status == RESIDENT_ACTIVE) {
		if (len[10] != 0)
			BAD(10);
	} else if (clock_parse_date(f[10], len[10], &r->status_date) != 0 ||
	    r->status_date < r->resident_since || r->status_date > today)
		BAD(10);
#undef BAD
	r->id = f[0];
	r->name = f[1];
	r->name_kana = f[2];
	r->address = f[3];
	memcpy(r->municipality, f[4], 6);
	r->sex = f[6][0] - '0';
	memcpy(r->nationality, f[7], 2);
	return 0;
}

/* The anniversary of birth y years on (Feb 29 falls on Mar 1). */
static int32_t
anniversary(int32_t dob, int years)
{
	unsigned m, d;
	int y;

	clock_civil_from_days(dob, &y, &m, &d);
	y += years;
	if (m == 2 && d == 29 && !clock_is_leap(y)) {
		m = 3;
		d = 1;
	}
	return clock_days_from_civil(y, m, d);
}

enum eligibility
resident_eligibility(const struct resident *r, const char *municipality,
    int32_t election_day, int32_t reference_date)
{
	REQUIRE(r != NULL && municipality != NULL);
	if (strncmp(r->municipality, municipality, 6) != 0)
		return INELIGIBLE_MUNICIPALITY;
	if (r->status == RESIDENT_DECEASED)
		return INELIGIBLE_DECEASED;
	if (r->status == RESIDENT_DELETED)
		return INELIGIBLE_DELETED;
	if (strcmp(r->nationality, "JP") != 0)
		return INELIGIBLE_NATIONALITY;
	/* Age is reached at the start of the day before the birthday, so an
	 * 18th birthday on the day after the election still counts. */
	if (anniversary(r->date_of_birth, 18) > election_day + 1)
		return INELIGIBLE_AGE;
	/* Someone who moved out after the reference date was still a resident
	 * on it: the ordinary rule applies. */
	if (r->status == RESIDENT_MOVED_OUT && r->status_date <= reference_date) {
		if (clock_add_months(r->resident_since, 3) > r->status_date)
			return INELIGIBLE_RESIDENCE;
		if (clock_add_months(r->status_date, 4) <= reference_date)
			return INELIGIBLE_MOVED_OUT;
		return ELIGIBLE;
	}
	if (clock_add_months(r->resident_since, 3) > reference_date)
		return INELIGIBLE_RESIDENCE;
	return ELIGIBLE;
}

const char *
eligibility_str(enum eligibility e)
{
	static const char *const s[] = {
		"eligible", "not a Japanese national", "under 18 on election day",
		"under 3 months' residence", "moved out 4 or more months ago",
		"deceased", "record deleted", "registered in another municipality"
	};

	return (unsigned)e < sizeof(s) / sizeof(s[0]) ? s[e] : "unknown";
}

static const char sql_upsert[] =
    "INSERT INTO residents AS r (resident_id, name, name_kana, address, "
    "municipality_code, date_of_birth, sex, nationality, resident_since, "
    "status, status_date, import_seq) VALUES ($1, $2, $3, $4, $5, "
    "$6::date, $7::smallint, $8, $9::date, $10, $11::date, $12) "
    "ON CONFLICT (resident_id) DO UPDATE SET name = EXCLUDED.name, "
    "name_kana = EXCLUDED.name_kana, address = EXCLUDED.address, "
    "municipality_code = EXCLUDED.municipality_code, "
    "date_of_birth = EXCLUDED.date_of_birth, sex = EXCLUDED.sex, "
    "nationality = EXCLUDED.nationality, "
    "resident_since = EXCLUDED.resident_since, status = EXCLUDED.status, "
    "status_date = EXCLUDED.status_date, import_seq = EXCLUDED.import_seq "
    "WHERE (r.name, r.name_kana, r.address, r.municipality_code, "
    "r.date_of_birth, r.sex, r.nationality, r.resident_since, r.status, "
    "r.status_date) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.name_kana, "
    "EXCLUDED.address, EXCLUDED.municipality_code, EXCLUDED.date_of_birth, "
    "EXCLUDED.sex, EXCLUDED.nationality, EXCLUDED.resident_since, "
    "EXCLUDED.status, EXCLUDED.status_date) "
    "RETURNING (xmax = 0)";

static int
header_ok(const struct csv_record *rec)
{
	size_t i;

	if (rec->n != NFIELDS)
		return 0;
	for (i = 0; i < NFIELDS; i++)
		if (strcmp(rec->f[i], columns[i]) != 0)
			return 0;
	return 1;
}

int
resident_import(struct db *db, const char *csv, size_t len,
    const char *actor, struct resident_import_result *res)
{
	uint8_t sha[DIGEST_LEN];
	char hex[2 * DIGEST_LEN + 1], detail[256];
	struct csv_record rec;
	struct db_result *dr = NULL;
	int32_t today;
	size_t off = 0, used;
	int64_t seq = 0;
	int r = ERR_INTERNAL;

	REQUIRE(db != NULL && csv != NULL && res != NULL && actor != NULL);
	memset(res, 0, sizeof(*res));
	memset(&rec, 0, sizeof(rec));
	today = clock_today_jst();
	/* A UTF-8 byte order mark, as spreadsheets write, is allowed. */
	if (len >= 3 && memcmp(csv, "\xef\xbb\xbf", 3) == 0)
		off = 3;
	res->line = 1;
	if ((r = csv_read(csv + off, len - off, LIMIT_CSV_LINE_MAX, &rec,
	    &used)) != 0)
		return r;
	if (!header_ok(&rec)) {
		csv_record_clear(&rec);
		return ERR_FORMAT;
	}
	csv_record_clear(&rec);
	off += used;
	digest_sha256(csv, len, sha);
	if ((r = ct_hex_encode(sha, sizeof(sha), hex, sizeof(hex))) != 0)
		return r;
	if ((r = db_begin(db)) != 0)
		return r;
	/* The audit entry first: every changed row records which import
	 * changed it.  Counts go into a second entry at the end. */
	snprintf(detail, sizeof(detail), "sha256=%s bytes=%zu", hex, len);
	if ((r = audit_append(db, actor, "registry.import.begin", "residents",
	    detail, &seq)) != 0)
		goto out;
	if ((r = db_exec(db, "CREATE TEMP TABLE import_seen (resident_id text "
	    "PRIMARY KEY) ON COMMIT DROP", NULL, 0, NULL)) != 0)
		goto out;
	while (off < len) {
		struct resident rs;
		struct db_param p[12];
		char dob[11], since[11], sdate[11], sex[2];
		int inserted;

		res->line++;
		if (res->rows == LIMIT_CSV_ROWS_MAX) {
			r = ERR_TOO_LARGE;
			goto out;
		}
		if ((r = csv_read(csv + off, len - off, LIMIT_CSV_LINE_MAX,
		    &rec, &used)) != 0)
			goto out;
		off += used;
		if ((r = resident_from_fields(rec.f, rec.len, rec.n, today, &rs,
		    &res->field)) != 0)
			goto out;
		res->rows++;
		{
			struct db_param q = DB_TEXT(rs.id);

			if ((r = db_exec(db, "INSERT INTO import_seen VALUES ($1)",
			    &q, 1, NULL)) != 0) {
				if (r == ERR_DB_CONSTRAINT) {
					res->field = columns[0];
					r = ERR_DUPLICATE;
				}
				goto out;
			}
		}
		clock_format_date(rs.date_of_birth, dob);
		clock_format_date(rs.resident_since, since);
		clock_format_date(rs.status_date, sdate);
		sex[0] = (char)('0' + rs.sex);
		sex[1] = '\0';
		p[0] = DB_TEXT(rs.id);
		p[1] = DB_TEXT(rs.name);
		p[2] = DB_TEXT(rs.name_kana);
		p[3] = DB_TEXT(rs.address);
		p[4] = DB_TEXT(rs.municipality);
		p[5] = DB_TEXT(dob);
		p[6] = DB_TEXT(sex);
		p[7] = DB_TEXT(rs.nationality);
		p[8] = DB_TEXT(since);
		p[9] = DB_TEXT(status_names[rs.status]);
		p[10] = rs.status == RESIDENT_ACTIVE ? DB_NULL : DB_TEXT(sdate);
		p[11] = DB_I64(seq);
		if ((r = db_exec(db, sql_upsert, p, 12, &dr)) != 0)
			goto out;
		if (db_result_rows(dr) == 0)
			res->unchanged++;
		else if ((r = db_get_bool(dr, 0, 0, &inserted)) != 0)
			goto out;
		else if (inserted)
			res->inserted++;
		else
			res->updated++;
		db_result_free(dr);
		dr = NULL;
		csv_record_clear(&rec);
	}
	snprintf(detail, sizeof(detail), "sha256=%s rows=%lld inserted=%lld "
	    "updated=%lld unchanged=%lld", hex, (long long)res->rows,
	    (long long)res->inserted, (long long)res->updated,
	    (long long)res->unchanged);
	if ((r = audit_append(db, actor, "registry.import", "residents",
	    detail, &res->audit_seq)) != 0)
		goto out;
	if ((r = db_commit(db)) != 0)
		goto out;
	log_info("registry.imported", LOG_I("rows", res->rows),
	    LOG_I("inserted", res->inserted), LOG_I("updated", res->updated));
	res->field = NULL;
	res->line = 0;
	return 0;
 out:
	db_result_free(dr);
	csv_record_clear(&rec);
	db_rollback(db);
	res->inserted = res->updated = res->unchanged = 0;
	return r;
}
