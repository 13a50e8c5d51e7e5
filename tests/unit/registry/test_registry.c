/*
 * test_registry.c - CSV, residents, eligibility, roll, nonces.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/log.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/limits.h"
#include "db/db.h"
#include "db/migrate.h"
#include "registry/csv.h"
#include "registry/nonce.h"
#include "registry/resident.h"
#include "registry/roll.h"
#include "tests/harness/mutate.h"
#include "tests/harness/test.h"
#include "tests/harness/testdb.h"

/* ---- CSV ---- */

TEST(csv_reads_plain_quoted_and_crlf_records)
{
	static const char in[] = "a,\"b,\"\"c\"\"\",\r\nx";
	struct csv_record rec;
	size_t used;

	ASSERT_OK(csv_read(in, strlen(in), 100, &rec, &used));
	ASSERT_INT_EQ(rec.n, 3);
	ASSERT_STR_EQ(rec.f[0], "a");
	ASSERT_STR_EQ(rec.f[1], "b,\"c\"");
	ASSERT_STR_EQ(rec.f[2], "");
	ASSERT_INT_EQ(used, 14);
	csv_record_clear(&rec);
	ASSERT_OK(csv_read(in + used, strlen(in) - used, 100, &rec, &used));
	ASSERT_INT_EQ(rec.n, 1);
	ASSERT_STR_EQ(rec.f[0], "x");
	ASSERT_INT_EQ(used, 1);
	csv_record_clear(&rec);
}

TEST(csv_refuses_malformed_records)
{
	static const char *const bad[] = {
		"a\"b,c\n", "\"abc\n", "\"a\"b,c\n", "a\rb\n", "a,b\r", "\"a\rb\"\n",
		"a\r\r\n",
	};
	struct csv_record rec;
	size_t used, i;
	char many[200];

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = csv_read(bad[i], strlen(bad[i]), 100, &rec, &used);

		if (r != ERR_FORMAT)
			test_fail(__FILE__, __LINE__, "record %zu: got %s", i, err_name(r));
	}
	ASSERT_ERR(csv_read("abcdef\n", 7, 5, &rec, &used), ERR_TOO_LARGE);
	memset(many, ',', sizeof(many));
	many[sizeof(many) - 1] = '\n';
	ASSERT_ERR(csv_read(many, sizeof(many), 1000, &rec, &used), ERR_TOO_LARGE);
}

/* ---- residents ---- */

static const char header[] = "resident_id,name,name_kana,address,"
    "municipality_code,date_of_birth,sex,nationality,resident_since,status,"
    "status_date\n";

TEST(resident_municipality_check_digit)
{
	ASSERT_TRUE(resident_municipality_ok("282227", 6));	/* Yabu */
	ASSERT_TRUE(resident_municipality_ok("282014", 6));	/* Himeji */
	ASSERT_TRUE(resident_municipality_ok("131016", 6));	/* Chiyoda */
	ASSERT_FALSE(resident_municipality_ok("282228", 6));
	ASSERT_FALSE(resident_municipality_ok("28222", 5));
	ASSERT_FALSE(resident_municipality_ok("2822a7", 6));
}

static int
fields_of(const char *line, struct csv_record *rec)
{
	size_t used;

	return csv_read(line, strlen(line), LIMIT_CSV_LINE_MAX, rec, &used);
}

TEST(resident_fields_each_refusal_names_its_column)
{
	static const struct {
		const char *line;
		const char *column;
	} cases[] = {
		{ "a b,養父 太郎,ヤブ タロウ,兵庫県養父市八鹿町八鹿1,282227,1990-01-01,1,JP,1990-01-01,active,", "resident_id" },
		{ "1,,ヤブ タロウ,x,282227,1990-01-01,1,JP,1990-01-01,active,", "name" },
		{ "1,養父 太郎,やぶ たろう,x,282227,1990-01-01,1,JP,1990-01-01,active,", "name_kana" },
		{ "1,養父 太郎,ヤブ タロウ,,282227,1990-01-01,1,JP,1990-01-01,active,", "address" },
		{ "1,養父 太郎,ヤブ タロウ,x,282228,1990-01-01,1,JP,1990-01-01,active,", "municipality_code" },
		{ "1,養父 太郎,ヤブ タロウ,x,282227,1990-02-30,1,JP,1990-01-01,active,", "date_of_birth" },
		{ "1,養父 太郎,ヤブ タロウ,x,282227,2999-01-01,1,JP,2999-01-01,active,", "date_of_birth" },
		{ "1,養父 太郎,ヤブ タロウ,x,282227,1990-01-01,3,JP,1990-01-01,active,", "sex" },
		{ "1,養父 太郎,ヤブ タロウ,x,282227,1990-01-01,1,jp,1990-01-01,active,", "nationality" },
		{ "1,養父 太郎,ヤブ タロウ,x,282227,1990-01-01,1,JP,1989-12-31,active,", "resident_since" },
		{ "1,養父 太郎,ヤブ タロウ,x,282227,1990-01-01,1,JP,1990-01-01,gone,", "status" },
		{ "1,養父 太郎,ヤブ タロウ,x,282227,1990-01-01,1,JP,1990-01-01,active,2020-01-01", "status_date" },
		{ "1,養父 太郎,ヤブ タロウ,x,282227,1990-01-01,1,JP,1990-01-01,moved_out,", "status_date" },
	};
	int32_t today = clock_days_from_civil(2026, 11, 21);
	struct csv_record rec;
	struct resident r;
	const char *field;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ASSERT_OK(fields_of(cases[i].line, &rec));
		ASSERT_ERR(resident_from_fields(rec.f, rec.len, rec.n, today, &r,
		    &field), ERR_FORMAT);
		if (field == NULL || strcmp(field, cases[i].column) != 0)
			test_fail(__FILE__, __LINE__, "case %zu: column %s, want %s",
			    i, field ? field : "(none)", cases[i].column);
		csv_record_clear(&rec);
	}
	ASSERT_OK(fields_of("1,養父 太郎,ヤブ タロウ,x,282227,1990-01-01,1,JP,1990-01-01,active", &rec));
	ASSERT_ERR(resident_from_fields(rec.f, rec.len, rec.n, today, &r, &field), ERR_FORMAT);
	csv_record_clear(&rec);
}

static struct resident
person(const char *dob, const char *since, enum resident_status st,
    const char *sdate, const char *nat)
{
	struct resident r;

	memset(&r, 0, sizeof(r));
	memcpy(r.municipality, "282227", 7);
	memcpy(r.nationality, nat, 3);
	if (clock_parse_date(dob, 10, &r.date_of_birth) != 0 ||
	    clock_parse_date(since, 10, &r.resident_since) != 0 ||
	    (sdate != NULL && clock_parse_date(sdate, 10, &r.status_date) != 0))
		test_fail(__FILE__, __LINE__, "bad test date");
	r.status = st;
	return r;
}

static int32_t
day(const char *s)
{
	int32_t d = 0;

	if (clock_parse_date(s, 10, &d) != 0)
		test_fail(__FILE__, __LINE__, "bad date %s", s);
	return d;
}

TEST(eligibility_age_is_reached_the_day_before_the_birthday)
{
	int32_t e = day("2027-06-20"), ref = day("2027-06-01");
	struct resident a = person("2009-06-21", "2009-06-21", RESIDENT_ACTIVE, NULL, "JP");
	struct resident b = person("2009-06-22", "2009-06-22", RESIDENT_ACTIVE, NULL, "JP");
	/* Born 29 Feb: in a common year the birthday counts as 1 March. */
	struct resident c = person("2008-02-29", "2008-02-29", RESIDENT_ACTIVE, NULL, "JP");

	ASSERT_INT_EQ(resident_eligibility(&a, "282227", e, ref), ELIGIBLE);
	ASSERT_INT_EQ(resident_eligibility(&b, "282227", e, ref), INELIGIBLE_AGE);
	ASSERT_INT_EQ(resident_eligibility(&c, "282227", day("2026-02-28"), day("2026-02-01")), ELIGIBLE);
	ASSERT_INT_EQ(resident_eligibility(&c, "282227", day("2026-02-27"), day("2026-02-01")), INELIGIBLE_AGE);
}

TEST(eligibility_residence_and_moving_out)
{
	int32_t e = day("2027-06-20"), ref = day("2027-06-01");
	struct resident in3 = person("1970-01-01", "2027-03-01", RESIDENT_ACTIVE, NULL, "JP");
	struct resident in2 = person("1970-01-01", "2027-03-02", RESIDENT_ACTIVE, NULL, "JP");
	struct resident out_recent = person("1970-01-01", "2000-01-01", RESIDENT_MOVED_OUT, "2027-02-02", "JP");
	struct resident out_old = person("1970-01-01", "2000-01-01", RESIDENT_MOVED_OUT, "2027-02-01", "JP");
	struct resident out_short = person("1970-01-01", "2027-01-01", RESIDENT_MOVED_OUT, "2027-03-01", "JP");
	/* Moved out after the reference date: judged as a resident on it. */
	struct resident out_after_short = person("1970-01-01", "2027-03-15", RESIDENT_MOVED_OUT, "2027-06-10", "JP");
	struct resident out_after_long = person("1970-01-01", "2000-01-01", RESIDENT_MOVED_OUT, "2027-06-10", "JP");
	struct resident foreign = person("1970-01-01", "2000-01-01", RESIDENT_ACTIVE, NULL, "US");
	struct resident dead = person("1970-01-01", "2000-01-01", RESIDENT_DECEASED, "2027-01-01", "JP");
	struct resident elsewhere = person("1970-01-01", "2000-01-01", RESIDENT_ACTIVE, NULL, "JP");

	memcpy(elsewhere.municipality, "282014", 7);
	ASSERT_INT_EQ(resident_eligibility(&in3, "282227", e, ref), ELIGIBLE);
	ASSERT_INT_EQ(resident_eligibility(&in2, "282227", e, ref), INELIGIBLE_RESIDENCE);
	ASSERT_INT_EQ(resident_eligibility(&out_recent, "282227", e, ref), ELIGIBLE);
	ASSERT_INT_EQ(resident_eligibility(&out_old, "282227", e, ref), INELIGIBLE_MOVED_OUT);
	ASSERT_INT_EQ(resident_eligibility(&out_short, "282227", e, ref), INELIGIBLE_RESIDENCE);
	ASSERT_INT_EQ(resident_eligibility(&out_after_short, "282227", e, ref), INELIGIBLE_RESIDENCE);
	ASSERT_INT_EQ(resident_eligibility(&out_after_long, "282227", e, ref), ELIGIBLE);
	ASSERT_INT_EQ(resident_eligibility(&foreign, "282227", e, ref), INELIGIBLE_NATIONALITY);
	ASSERT_INT_EQ(resident_eligibility(&dead, "282227", e, ref), INELIGIBLE_DECEASED);
	ASSERT_INT_EQ(resident_eligibility(&elsewhere, "282227", e, ref), INELIGIBLE_MUNICIPALITY);
}

/* ---- database: import, roll, nonces ---- */

static struct db *
fresh(char *name, size_t n)
{
	struct db *db = testdb_new(name, n);
	int applied;

	ASSERT_OK(migrate_apply(db, db_migrations, db_migrations_count, &applied));
	clock_pin_us((int64_t)clock_days_from_civil(2027, 6, 1) * 86400 * 1000000);
	return db;
}

static const char good_csv[] =
    "resident_id,name,name_kana,address,municipality_code,date_of_birth,sex,"
    "nationality,resident_since,status,status_date\n"
    "1001,養父 太郎,ヤブ タロウ,\"兵庫県養父市八鹿町八鹿1番地, 2F\",282227,1950-04-01,1,JP,1950-04-01,active,\r\n"
    "1002,養父 花子,ヤブ ハナコ,兵庫県養父市八鹿町八鹿1番地,282227,1955-05-05,2,JP,1980-01-01,active,\n"
    "1003,若者 一郎,ワカモノ イチロウ,兵庫県養父市大屋町1,282227,2015-01-01,1,JP,2015-01-01,active,\n"
    "1004,転入 次郎,テンニュウ ジロウ,兵庫県養父市関宮1,282227,1980-01-01,1,JP,2027-04-01,active,\n"
    "1005,Smith John,スミス ジョン,兵庫県養父市関宮2,282227,1980-01-01,1,US,2000-01-01,active,\n"
    "1006,姫路 三郎,ヒメジ サブロウ,兵庫県姫路市本町68,282014,1980-01-01,1,JP,2000-01-01,active,\n"
    "1007,故 四郎,コ シロウ,兵庫県養父市八鹿町2,282227,1930-01-01,1,JP,1930-01-01,deceased,2026-01-01\n";

TEST(import_counts_and_audits_and_is_idempotent)
{
	char name[64];
	struct db *db = fresh(name, sizeof(name));
	struct resident_import_result res;

	ASSERT_OK(resident_import(db, good_csv, strlen(good_csv), "clerk", &res));
	ASSERT_INT_EQ(res.rows, 7);
	ASSERT_INT_EQ(res.inserted, 7);
	ASSERT_INT_EQ(res.updated, 0);
	ASSERT_INT_EQ(testdb_scalar(db, "SELECT count(*) FROM residents"), 7);
	ASSERT_INT_EQ(testdb_scalar(db, "SELECT count(*) FROM audit_log WHERE action = 'registry.import'"), 1);
	ASSERT_OK(resident_import(db, good_csv, strlen(good_csv), "clerk", &res));
	ASSERT_INT_EQ(res.unchanged, 7);
	ASSERT_INT_EQ(res.inserted + res.updated, 0);
	clock_unpin();
	testdb_free(db, name);
}

TEST(import_refuses_a_bad_row_and_changes_nothing)
{
	char name[64], *bad;
	struct db *db = fresh(name, sizeof(name));
	struct resident_import_result res;
	int64_t before;

	ASSERT_OK(resident_import(db, good_csv, strlen(good_csv), "clerk", &res));
	before = testdb_scalar(db, "SELECT count(*) FROM audit_log");
	/* A changed name on line 2 and a bad code on line 4. */
	bad = strdup(good_csv);
	memcpy(strstr(bad, "養父 花子"), "養父 華子", strlen("養父 華子"));
	memcpy(strstr(bad, "282227,2015"), "282228,2015", 11);
	ASSERT_ERR(resident_import(db, bad, strlen(bad), "clerk", &res), ERR_FORMAT);
	ASSERT_INT_EQ(res.line, 4);
	ASSERT_STR_EQ(res.field, "municipality_code");
	ASSERT_INT_EQ(testdb_scalar(db, "SELECT count(*) FROM residents WHERE name = '養父 花子'"), 1);
	ASSERT_INT_EQ(testdb_scalar(db, "SELECT count(*) FROM audit_log"), before);
	free(bad);
	clock_unpin();
	testdb_free(db, name);
}

TEST(import_refuses_duplicates_headers_and_garbage)
{
	char name[64], buf[2048];
	struct db *db = fresh(name, sizeof(name));
	struct resident_import_result res;
	static const char row[] = "1001,養父 太郎,ヤブ タロウ,x,282227,1950-04-01,1,JP,1950-04-01,active,\n";

	snprintf(buf, sizeof(buf), "%s%s%s", header, row, row);
	ASSERT_ERR(resident_import(db, buf, strlen(buf), "clerk", &res), ERR_DUPLICATE);
	ASSERT_INT_EQ(res.line, 3);
	ASSERT_ERR(resident_import(db, row, strlen(row), "clerk", &res), ERR_FORMAT);
	ASSERT_INT_EQ(res.line, 1);
	ASSERT_ERR(resident_import(db, "\x00\x01\xff", 3, "clerk", &res), ERR_FORMAT);
	ASSERT_INT_EQ(testdb_scalar(db, "SELECT count(*) FROM residents"), 0);
	ASSERT_INT_EQ(testdb_scalar(db, "SELECT count(*) FROM audit_log"), 0);
	clock_unpin();
	testdb_free(db, name);
}

struct sweep_ctx {
	struct db *db;
};

/* Every mutant of a one-row file must be refused or leave a valid row. */
static int
import_accept(const uint8_t *p, size_t len, void *ctx)
{
	struct sweep_ctx *c = ctx;
	struct resident_import_result res;
	int r = resident_import(c->db, (const char *)p, len, "sweep", &res);

	return r;
}

TEST(import_mutation_sweep_never_stores_a_malformed_row)
{
	char name[64], buf[512];
	struct db *db = fresh(name, sizeof(name));
	struct sweep_ctx c = { db };
	struct mutate_report rep;
	static const char row[] = "7,太郎,タロウ,x,282227,1950-04-01,1,JP,1950-04-01,active,\n";

	snprintf(buf, sizeof(buf), "%s%s", header, row);
	mutate_sweep((const uint8_t *)buf, strlen(buf), MUTATE_ALL, import_accept, &c, &rep);
	/* Some mutants are other valid files: a flipped bit that turns the
	 * id 7 into 5, 6, 3 or w, a kana into another kana, a date into
	 * another real date, a dropped final newline.  The count is pinned:
	 * a change in what the importer accepts shows up here.  And no
	 * stored row may break a rule. */
	ASSERT_INT_EQ(rep.accepted, 88);
	ASSERT_INT_EQ(testdb_scalar(db, "SELECT count(*) FROM residents WHERE "
	    "municipality_code !~ '^[0-9]{6}$' OR sex NOT IN (0,1,2,9) OR "
	    "nationality !~ '^[A-Z]{2}$'"), 0);
	clock_unpin();
	testdb_free(db, name);
}

TEST(roll_freeze_applies_the_rules_once)
{
	char name[64];
	struct db *db = fresh(name, sizeof(name));
	struct resident_import_result ir;
	struct roll_params p;
	struct roll_result rr, rr2;
	int64_t n, audit_before;

	ASSERT_OK(resident_import(db, good_csv, strlen(good_csv), "clerk", &ir));
	memset(&p, 0, sizeof(p));
	p.election_id = "yabu-2027-mayor";
	memcpy(p.municipality, "282227", 7);
	p.election_day = day("2027-06-20");
	p.reference_date = day("2027-06-01");
	ASSERT_OK(roll_freeze(db, &p, "clerk", &rr));
	ASSERT_INT_EQ(rr.considered, 6);	/* 1006 lives in Himeji */
	ASSERT_INT_EQ(rr.entries, 2);		/* 1001, 1002 */
	ASSERT_INT_EQ(rr.excluded[INELIGIBLE_AGE], 1);
	ASSERT_INT_EQ(rr.excluded[INELIGIBLE_RESIDENCE], 1);
	ASSERT_INT_EQ(rr.excluded[INELIGIBLE_NATIONALITY], 1);
	ASSERT_INT_EQ(rr.excluded[INELIGIBLE_DECEASED], 1);
	ASSERT_INT_EQ(testdb_scalar(db, "SELECT count(*) FROM roll_entries"), 2);
	ASSERT_INT_EQ(testdb_scalar(db, "SELECT count(DISTINCT alias) FROM roll_entries"), 2);
	ASSERT_OK(roll_verify(db, "yabu-2027-mayor", &n));
	ASSERT_INT_EQ(n, 2);
	/* A second freeze is refused and changes nothing. */
	audit_before = testdb_scalar(db, "SELECT count(*) FROM audit_log");
	ASSERT_ERR(roll_freeze(db, &p, "clerk", &rr2), ERR_EXISTS);
	ASSERT_INT_EQ(testdb_scalar(db, "SELECT count(*) FROM audit_log"), audit_before);
	ASSERT_INT_EQ(testdb_scalar(db, "SELECT count(*) FROM roll_entries"), 2);
	/* Frozen means frozen: no entry leaves, none changes, none joins. */
	ASSERT_ERR(db_exec(db, "DELETE FROM roll_entries", NULL, 0, NULL), ERR_DB);
	ASSERT_ERR(db_exec(db, "INSERT INTO roll_entries SELECT election_id, "
	    "'1005', 'ffffffffffffffffffffffffffffffff', name, name_kana, address, "
	    "date_of_birth, sex FROM roll_entries LIMIT 1", NULL, 0, NULL), ERR_DB);
	ASSERT_STR_EQ(db_last_sqlstate(db), "42501");
	ASSERT_ERR(db_exec(db, "TRUNCATE card_bindings", NULL, 0, NULL), ERR_DB);
	ASSERT_ERR(db_exec(db, "UPDATE rolls SET entries = 3", NULL, 0, NULL), ERR_DB);
	ASSERT_ERR(roll_verify(db, "no-such", &n), ERR_NOT_FOUND);
	clock_unpin();
	testdb_free(db, name);
}

TEST(roll_verify_catches_a_changed_entry)
{
	char name[64];
	struct db *db = fresh(name, sizeof(name));
	struct resident_import_result ir;
	struct roll_params p;
	struct roll_result rr;
	int64_t n;

	ASSERT_OK(resident_import(db, good_csv, strlen(good_csv), "clerk", &ir));
	memset(&p, 0, sizeof(p));
	p.election_id = "e1";
	memcpy(p.municipality, "282227", 7);
	p.election_day = day("2027-06-20");
	p.reference_date = day("2027-06-01");
	ASSERT_OK(roll_freeze(db, &p, "clerk", &rr));
	ASSERT_OK(db_exec(db, "ALTER TABLE roll_entries DISABLE TRIGGER USER", NULL, 0, NULL));
	ASSERT_OK(db_exec(db, "UPDATE roll_entries SET address = 'elsewhere' WHERE resident_id = '1002'", NULL, 0, NULL));
	ASSERT_ERR(roll_verify(db, "e1", &n), ERR_VERIFY);
	clock_unpin();
	testdb_free(db, name);
}

TEST(roll_freeze_refuses_bad_parameters)
{
	char name[64];
	struct db *db = fresh(name, sizeof(name));
	struct roll_params p;
	struct roll_result rr;

	memset(&p, 0, sizeof(p));
	p.election_id = "Bad Id";
	memcpy(p.municipality, "282227", 7);
	p.election_day = day("2027-06-20");
	p.reference_date = day("2027-06-01");
	ASSERT_ERR(roll_freeze(db, &p, "clerk", &rr), ERR_INVALID_ARG);
	p.election_id = "e1";
	memcpy(p.municipality, "282228", 7);
	ASSERT_ERR(roll_freeze(db, &p, "clerk", &rr), ERR_INVALID_ARG);
	memcpy(p.municipality, "282227", 7);
	p.reference_date = day("2027-06-21");
	ASSERT_ERR(roll_freeze(db, &p, "clerk", &rr), ERR_INVALID_ARG);
	ASSERT_INT_EQ(testdb_scalar(db, "SELECT count(*) FROM rolls"), 0);
	clock_unpin();
	testdb_free(db, name);
}

TEST(nonce_is_single_use_purpose_bound_and_short_lived)
{
	char name[64];
	struct db *db = fresh(name, sizeof(name));
	uint8_t n1[LIMIT_NONCE_BYTES], n2[LIMIT_NONCE_BYTES], n3[LIMIT_NONCE_BYTES];
	uint8_t unknown[LIMIT_NONCE_BYTES] = { 1 };
	int64_t t0 = clock_now_us(), purged;

	ASSERT_OK(nonce_issue(db, "cast:e1", n1));
	ASSERT_OK(nonce_issue(db, "cast:e1", n2));
	ASSERT_OK(nonce_issue(db, "cast:e1", n3));
	ASSERT_TRUE(memcmp(n1, n2, sizeof(n1)) != 0);
	ASSERT_OK(nonce_consume(db, "cast:e1", n1));
	ASSERT_ERR(nonce_consume(db, "cast:e1", n1), ERR_NONCE);	/* replay */
	ASSERT_ERR(nonce_consume(db, "cast:e2", n2), ERR_NONCE);	/* other purpose */
	ASSERT_ERR(nonce_consume(db, "cast:e1", n2), ERR_NONCE);	/* and it is gone */
	ASSERT_ERR(nonce_consume(db, "cast:e1", unknown), ERR_NONCE);
	clock_pin_us(t0 + (int64_t)LIMIT_NONCE_TTL_S * 1000000);
	ASSERT_ERR(nonce_consume(db, "cast:e1", n3), ERR_NONCE);	/* expired */
	ASSERT_OK(nonce_issue(db, "login", n1));
	clock_pin_us(t0 + (int64_t)LIMIT_NONCE_TTL_S * 2000000);
	ASSERT_OK(nonce_purge(db, &purged));
	ASSERT_INT_EQ(purged, 1);
	ASSERT_ERR(nonce_issue(db, "Bad Purpose", n1), ERR_INVALID_ARG);
	clock_unpin();
	testdb_free(db, name);
}
