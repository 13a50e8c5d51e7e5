/*
 * roll.c - freezing and checking electoral rolls.
 *
 * The roll digest (docs/REGISTRY.md) is SHA-256 over
 *	"ippyo-roll-v1" | str(election_id) | str(municipality)
 *	| str(election_day) | str(reference_date) | u64 entries
 *	| for each entry in resident_id order:
 *	    str(resident_id) | str(alias) | str(name) | str(name_kana)
 *	    | str(address) | str(date_of_birth) | str(sex)
 * with str() a u32 length and the bytes, dates as YYYY-MM-DD.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/log.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/misuse.h"
#include "core/strparse.h"
#include "crypto/ct.h"
#include "crypto/digest.h"
#include "crypto/rand.h"
#include "db/db.h"
#include "registry/resident.h"
#include "registry/roll.h"

#define ROLL_DOMAIN "ippyo-roll-v1"

static const char sql_residents[] =
    "SELECT resident_id, name, name_kana, address, municipality_code, "
    "date_of_birth::text, sex::text, nationality, resident_since::text, "
    "status, coalesce(status_date::text, '') FROM residents "
    "WHERE municipality_code = $1 ORDER BY resident_id COLLATE \"C\"";

static void
put_str(struct digest *d, const char *s)
{
	digest_put_string(d, s, strlen(s));
}

static struct digest *
roll_digest_start(const char *id, const char *muni, const char *eday,
    const char *ref, int64_t entries)
{
	struct digest *d = digest_new();

	if (d == NULL)
		return NULL;
	digest_put(d, ROLL_DOMAIN, sizeof(ROLL_DOMAIN) - 1);
	put_str(d, id);
	put_str(d, muni);
	put_str(d, eday);
	put_str(d, ref);
	digest_put_u64(d, (uint64_t)entries);
	return d;
}

/*
 * Digest of the roll rows in table ("roll_entries", or the staging table
 * during a freeze); *n receives the row count.  table is one of two
 * literals, never input.
 */
static int
digest_table(struct db *db, const char *table, const char *id,
    const char *muni, const char *eday, const char *ref, int64_t *n,
    uint8_t out[DIGEST_LEN])
{
	struct db_param p = DB_TEXT(id);
	struct db_result *res = NULL;
	struct digest *d = NULL;
	char sql[256];
	int i, c, rows, r;

	REQUIRE(strcmp(table, "roll_entries") == 0 ||
	    strcmp(table, "roll_entries_new") == 0);
	snprintf(sql, sizeof(sql), "SELECT resident_id, alias, name, "
	    "name_kana, address, date_of_birth::text, sex::text FROM %s "
	    "WHERE election_id = $1 ORDER BY resident_id COLLATE \"C\"", table);
	if ((r = db_exec(db, sql, &p, 1, &res)) != 0)
		return r;
	rows = db_result_rows(res);
	if ((d = roll_digest_start(id, muni, eday, ref, rows)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < rows; i++) {
		for (c = 0; c < 7; c++) {
			const char *s;

			if ((r = db_get_text(res, i, c, 1024, &s)) != 0)
				goto out;
			put_str(d, s);
		}
	}
	digest_final(d, out);
	d = NULL;
	*n = rows;
	r = 0;
 out:
	digest_free(d);
	db_result_free(res);
	return r;
}

/* Copies one eligible resident row into the staging table with a fresh alias. */
static int
stage_entry(struct db *db, const char *election_id, const char *const *f)
{
	uint8_t alias[16];
	char ahex[33];
	int r;

	/* A random alias: unlinkable to the resident and across elections;
	 * only roll_entries holds the mapping. */
	if ((r = rand_bytes(alias, sizeof(alias))) != 0 ||
	    (r = ct_hex_encode(alias, sizeof(alias), ahex, sizeof(ahex))) != 0)
		return r;
	{
		struct db_param q[8] = {
			DB_TEXT(election_id), DB_TEXT(f[0]), DB_TEXT(ahex),
			DB_TEXT(f[1]), DB_TEXT(f[2]), DB_TEXT(f[3]), DB_TEXT(f[5]),
			DB_TEXT(f[6])
		};

		return db_exec(db, "INSERT INTO roll_new (election_id, "
		    "resident_id, alias, name, name_kana, address, date_of_birth, "
		    "sex) VALUES ($1, $2, $3, $4, $5, $6, $7::date, $8::smallint)",
		    q, 8, NULL);
	}
}

int
roll_freeze(struct db *db, const struct roll_params *prm, const char *actor,
    struct roll_result *res)
{
	char eday[11], ref[11], detail[512], hex[2 * DIGEST_LEN + 1];
	char frozen_at[CLOCK_TEXT_LEN];
	struct db_result *rs = NULL;
	int32_t today;
	int64_t n = 0;
	int i, rows, r = ERR_INTERNAL;

	REQUIRE(db != NULL && prm != NULL && actor != NULL && res != NULL);
	memset(res, 0, sizeof(*res));
	if (prm->election_id == NULL || strparse_ident(prm->election_id,
	    strlen(prm->election_id), 64) != 0 ||
	    !resident_municipality_ok(prm->municipality, 6) ||
	    prm->reference_date > prm->election_day)
		return ERR_INVALID_ARG;
	today = clock_today_jst();
	clock_format_date(prm->election_day, eday);
	clock_format_date(prm->reference_date, ref);
	clock_format_us(clock_now_us(), frozen_at);
	/* READ COMMITTED: the audit append takes its lock and must see the
	 * entries committed while it waited (a SERIALIZABLE snapshot would
	 * not).  The primary key on rolls settles concurrent freezes. */
	if ((r = db_begin(db)) != 0)
		return r;
	{
		struct db_param p = DB_TEXT(prm->election_id);

		if ((r = db_exec(db, "SELECT 1 FROM rolls WHERE election_id = $1",
		    &p, 1, &rs)) != 0)
			goto out;
		if (db_result_rows(rs) != 0) {
			r = ERR_EXISTS;
			goto out;
		}
		db_result_free(rs);
		rs = NULL;
	}
	/* Entries are staged first: the roll row, written once and complete,
	 * needs their count and digest, and must exist before them. */
	if ((r = db_exec(db, "CREATE TEMP TABLE roll_new (LIKE roll_entries) "
	    "ON COMMIT DROP", NULL, 0, NULL)) != 0)
		goto out;
	{
		struct db_param p = DB_TEXT(prm->municipality);

		if ((r = db_exec(db, sql_residents, &p, 1, &rs)) != 0)
			goto out;
	}
	rows = db_result_rows(rs);
	res->considered = rows;
	for (i = 0; i < rows; i++) {
		const char *f[11], *field;
		size_t len[11];
		struct resident rv;
		enum eligibility e;
		int c;

		for (c = 0; c < 11; c++) {
			if ((r = db_get_text(rs, i, c, 1024, &f[c])) != 0)
				goto out;
			len[c] = strlen(f[c]);
		}
		/* Database rows are input too: the same checks as an import. */
		if ((r = resident_from_fields(f, len, 11, today, &rv,
		    &field)) != 0) {
			log_error("roll.bad_resident_row", LOG_S("resident", f[0]),
			    LOG_S("field", field));
			goto out;
		}
		e = resident_eligibility(&rv, prm->municipality,
		    prm->election_day, prm->reference_date);
		if (e != ELIGIBLE) {
			res->excluded[e]++;
			continue;
		}
		if ((r = stage_entry(db, prm->election_id, f)) != 0)
			goto out;
		n++;
	}
	/* Digest the staged entries exactly as roll_verify reads them back. */
	if ((r = db_exec(db, "ALTER TABLE roll_new RENAME TO roll_entries_new",
	    NULL, 0, NULL)) != 0)
		goto out;
	if ((r = digest_table(db, "roll_entries_new", prm->election_id,
	    prm->municipality, eday, ref, &res->entries, res->digest)) != 0)
		goto out;
	if (res->entries != n) {
		r = ERR_INTERNAL;
		goto out;
	}
	if ((r = ct_hex_encode(res->digest, DIGEST_LEN, hex, sizeof(hex))) != 0)
		goto out;
	snprintf(detail, sizeof(detail), "municipality=%s election_day=%s "
	    "reference_date=%s considered=%lld entries=%lld digest=%s",
	    prm->municipality, eday, ref, (long long)res->considered,
	    (long long)n, hex);
	if ((r = audit_append(db, actor, "roll.freeze", prm->election_id,
	    detail, &res->audit_seq)) != 0)
		goto out;
	/* Entries first, then the roll row: once that exists no entry can
	 * be added (a trigger), and the entries' foreign key is checked at
	 * COMMIT. */
	if ((r = db_exec(db, "INSERT INTO roll_entries SELECT * FROM "
	    "roll_entries_new", NULL, 0, NULL)) != 0)
		goto out;
	{
		struct db_param q[8] = {
			DB_TEXT(prm->election_id), DB_TEXT(prm->municipality),
			DB_TEXT(eday), DB_TEXT(ref), DB_TEXT(frozen_at), DB_I64(n),
			DB_BYTES(res->digest, DIGEST_LEN), DB_I64(res->audit_seq)
		};

		if ((r = db_exec(db, "INSERT INTO rolls (election_id, "
		    "municipality_code, election_day, reference_date, frozen_at, "
		    "entries, digest, audit_seq) VALUES ($1, $2, $3::date, "
		    "$4::date, $5, $6, $7, $8)", q, 8, NULL)) != 0 ||
		    (r = db_commit(db)) != 0)
			goto out;
	}
	db_result_free(rs);
	log_info("roll.frozen", LOG_S("election", prm->election_id),
	    LOG_I("entries", n));
	return 0;
 out:
	db_result_free(rs);
	db_rollback(db);
	/* A concurrent freeze of the same election loses on the key. */
	if (r == ERR_DB_CONSTRAINT && strcmp(db_last_sqlstate(db), "23505") == 0)
		r = ERR_EXISTS;
	res->entries = 0;
	return r;
}

int
roll_verify(struct db *db, const char *election_id, int64_t *entries)
{
	struct db_param p = DB_TEXT(election_id);
	struct db_result *res = NULL;
	uint8_t want[DIGEST_LEN], *got = NULL;
	const char *muni, *eday, *ref;
	int64_t stored = 0, n = 0;
	size_t gl = 0;
	int r;

	REQUIRE(db != NULL && election_id != NULL && entries != NULL);
	*entries = 0;
	if ((r = db_exec(db, "SELECT municipality_code, election_day::text, "
	    "reference_date::text, entries, digest FROM rolls WHERE "
	    "election_id = $1", &p, 1, &res)) != 0)
		return r;
	if (db_result_rows(res) != 1) {
		r = ERR_NOT_FOUND;
		goto out;
	}
	if ((r = db_get_text(res, 0, 0, 6, &muni)) != 0 ||
	    (r = db_get_text(res, 0, 1, 10, &eday)) != 0 ||
	    (r = db_get_text(res, 0, 2, 10, &ref)) != 0 ||
	    (r = db_get_i64(res, 0, 3, &stored)) != 0 ||
	    (r = db_get_bytes(res, 0, 4, DIGEST_LEN, &got, &gl)) != 0)
		goto out;
	if ((r = digest_table(db, "roll_entries", election_id, muni, eday, ref,
	    &n, want)) != 0)
		goto out;
	*entries = n;
	r = (n == stored && gl == DIGEST_LEN && ct_eq(got, want, DIGEST_LEN)) ?
	    0 : ERR_VERIFY;
 out:
	free(got);
	db_result_free(res);
	return r;
}
