/*
 * db.c - libpq wrapper.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "core/err.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/misuse.h"
#include "core/strparse.h"
#include "db/db.h"

/*
 * The statement cache (db_set_statement_cache): the first execution of a
 * statement text on a connection prepares it under a name of its own
 * ("ippyo_<generation>_<i>"); later executions of the same text skip the
 * parser and, once PostgreSQL settles on a generic plan, the planner.  At
 * most DB_STMT_MAX texts per connection; texts past that run unprepared.
 */
#define DB_STMT_MAX	64

struct db_stmt {
	uint64_t hash;		/* FNV-1a of sql */
	char *sql;		/* the text, owned */
	int nparams;		/* parameters it was prepared with */
};

struct db {
	PGconn *conn;		/* the connection */
	char sqlstate[6];	/* last failure's SQLSTATE, NUL-terminated */
	int cache;		/* statement cache on */
	unsigned gen;		/* bumped when the cache is dropped */
	size_t nstmt;		/* entries in stmt */
	struct db_stmt stmt[DB_STMT_MAX];
};

struct db_result {
	PGresult *res;		/* owned */
};

/* Silence libpq's notices (they would go to stderr unstructured). */
static void
db_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

int
db_open(const char *conninfo, const char *dbname, struct db **out)
{
	const char *keys[3] = { "dbname", NULL, NULL };
	const char *vals[3] = { conninfo, NULL, NULL };
	struct db *db = NULL;
	int r = ERR_INTERNAL;

	REQUIRE(conninfo != NULL && out != NULL);
	*out = NULL;
	if ((db = calloc(1, sizeof(*db))) == NULL)
		return ERR_NOMEM;
	/* The first dbname is expanded as a connection string; a second one
	 * is a plain database name that overrides it. */
	if (dbname != NULL) {
		keys[1] = "dbname";
		vals[1] = dbname;
	}
	db->conn = PQconnectdbParams(keys, vals, 1);
	if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK) {
		log_error("db.connect_failed", LOG_S("message",
		    db->conn ? PQerrorMessage(db->conn) : "no memory"));
		r = ERR_DB_CONNECT;
		goto out;
	}
	PQsetNoticeProcessor(db->conn, db_notice, NULL);
	*out = db;
	db = NULL;
	r = 0;
 out:
	db_close(db);
	return r;
}

void
db_close(struct db *db)
{
	size_t i;

	if (db == NULL)
		return;
	if (db->conn != NULL)
		PQfinish(db->conn);
	for (i = 0; i < db->nstmt; i++)
		free(db->stmt[i].sql);
	free(db);
}

void
db_set_statement_cache(struct db *db, int on)
{
	REQUIRE(db != NULL);
	db->cache = on != 0;
}

/*
 * Forgets every cached statement after a failure that says the cache no
 * longer matches the server: a prepared statement gone (26000, after
 * DISCARD ALL) or a plan whose result type changed (0A000, after
 * ALTER TABLE under SELECT *).  The names are not reused (a new
 * generation), so nothing needs deallocating in a failed transaction.
 */
static void
stmt_drop_all(struct db *db)
{
	size_t i;

	for (i = 0; i < db->nstmt; i++)
		free(db->stmt[i].sql);
	db->nstmt = 0;
	db->gen++;
}

static uint64_t
stmt_hash(const char *sql)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *sql != '\0'; sql++)
		h = (h ^ (uint8_t)*sql) * 0x100000001b3ULL;
	return h;
}

/*
 * The cached statement for sql, prepared now if it is new and there is
 * room: its index, -1 to run it unprepared, or -2 when preparing failed
 * (*failed holds the result, for db_fail).
 */
static int
stmt_get(struct db *db, const char *sql, int n, PGresult **failed)
{
	uint64_t h = stmt_hash(sql);
	char name[48];
	PGresult *res;
	size_t i;

	*failed = NULL;
	for (i = 0; i < db->nstmt; i++)
		if (db->stmt[i].hash == h && db->stmt[i].nparams == n &&
		    strcmp(db->stmt[i].sql, sql) == 0)
			return (int)i;
	if (db->nstmt == DB_STMT_MAX)
		return -1;
	i = db->nstmt;
	snprintf(name, sizeof(name), "ippyo_%u_%zu", db->gen, i);
	res = PQprepare(db->conn, name, sql, n, NULL);
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
		*failed = res;
		return -2;
	}
	PQclear(res);
	if ((db->stmt[i].sql = strdup(sql)) == NULL) {
		/* Prepared but not remembered: deallocate, run unprepared. */
		snprintf(name, sizeof(name), "DEALLOCATE ippyo_%u_%zu",
		    db->gen, i);
		PQclear(PQexec(db->conn, name));
		return -1;
	}
	db->stmt[i].hash = h;
	db->stmt[i].nparams = n;
	db->nstmt++;
	return (int)i;
}

int
db_in_transaction(const struct db *db)
{
	REQUIRE(db != NULL);
	return PQtransactionStatus(db->conn) != PQTRANS_IDLE;
}

const char *
db_last_sqlstate(const struct db *db)
{
	return db->sqlstate;
}

/* Maps a failed result to an error code and logs the precise cause. */
static int
db_fail(struct db *db, const PGresult *res, const char *what)
{
	const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorField(res,
	    PG_DIAG_MESSAGE_PRIMARY) : NULL;

	snprintf(db->sqlstate, sizeof(db->sqlstate), "%s", st ? st : "");
	if (PQstatus(db->conn) != CONNECTION_OK) {
		log_error("db.connection_lost", LOG_S("during", what));
		return ERR_DB_CONNECT;
	}
	/* The primary message names the constraint, never the values. */
	log_warn("db.statement_failed", LOG_S("during", what),
	    LOG_S("sqlstate", db->sqlstate), LOG_S("message",
	    msg ? msg : PQerrorMessage(db->conn)));
	if (st != NULL && st[0] == '2' && st[1] == '3')
		return ERR_DB_CONSTRAINT;
	return ERR_DB;
}

static int
exec_fmt(struct db *db, const char *sql, const struct db_param *params,
    int n, struct db_result **out, int result_format)
{
	const char *values[LIMIT_SQL_PARAMS_MAX];
	int lengths[LIMIT_SQL_PARAMS_MAX], formats[LIMIT_SQL_PARAMS_MAX];
	char nums[LIMIT_SQL_PARAMS_MAX][24];
	PGresult *res = NULL;
	ExecStatusType st;
	int i, si, r = ERR_INTERNAL;

	REQUIRE(db != NULL && sql != NULL);
	REQUIRE(n >= 0 && n <= LIMIT_SQL_PARAMS_MAX);
	REQUIRE(n == 0 || params != NULL);
	if (out != NULL)
		*out = NULL;
	db->sqlstate[0] = '\0';
	for (i = 0; i < n; i++) {
		const struct db_param *p = &params[i];

		lengths[i] = 0;
		formats[i] = 0;
		switch (p->kind) {
		case DB_P_NULL:
			values[i] = NULL;
			break;
		case DB_P_TEXT:
			REQUIRE(p->p != NULL);
			values[i] = p->p;
			break;
		case DB_P_BYTES:
			REQUIRE(p->p != NULL || p->len == 0);
			if (p->len > LIMIT_DB_VALUE_MAX)
				return ERR_TOO_LARGE;
			values[i] = p->len ? p->p : "";
			lengths[i] = (int)p->len;
			formats[i] = 1;
			break;
		case DB_P_I64:
			snprintf(nums[i], sizeof(nums[i]), "%" PRId64, p->i);
			values[i] = nums[i];
			break;
		case DB_P_BOOL:
			values[i] = p->i ? "t" : "f";
			break;
		default:
			MISUSE("unknown db_param kind");
		}
	}
	si = db->cache ? stmt_get(db, sql, n, &res) : -1;
	if (si >= 0) {
		char name[48];

		snprintf(name, sizeof(name), "ippyo_%u_%d", db->gen, si);
		res = PQexecPrepared(db->conn, name, n, values, lengths,
		    formats, result_format);
	} else if (si == -1)
		res = PQexecParams(db->conn, sql, n, NULL, values, lengths,
		    formats, result_format);
	st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (si >= 0 && (st == PGRES_FATAL_ERROR || st == PGRES_NONFATAL_ERROR)) {
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		const char *msg = PQresultErrorField(res,
		    PG_DIAG_MESSAGE_PRIMARY);

		/* 0A000 is "feature not supported" in general: only the
		 * stale-plan case is the cache's.  (Recognised by its
		 * English text: under another lc_messages it is not, and
		 * the statement fails once with ERR_DB; the server's pool
		 * then drops that connection and its cache.) */
		if (state != NULL && (strcmp(state, "26000") == 0 ||
		    (strcmp(state, "0A000") == 0 && msg != NULL &&
		    strstr(msg, "cached plan") != NULL))) {
			stmt_drop_all(db);
			/* Outside a transaction nothing happened: run it
			 * again unprepared.  Inside, the error stands. */
			if (PQtransactionStatus(db->conn) == PQTRANS_IDLE) {
				PQclear(res);
				res = PQexecParams(db->conn, sql, n, NULL, values,
				    lengths, formats, result_format);
				st = res ? PQresultStatus(res) :
				    PGRES_FATAL_ERROR;
			}
		}
	}
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		r = db_fail(db, res, "exec");
		goto out;
	}
	if (out != NULL && st == PGRES_TUPLES_OK) {
		struct db_result *dr;

		if ((dr = calloc(1, sizeof(*dr))) == NULL) {
			r = ERR_NOMEM;
			goto out;
		}
		dr->res = res;
		res = NULL;
		*out = dr;
	}
	r = 0;
 out:
	if (res != NULL)
		PQclear(res);
	return r;
}

int
db_exec(struct db *db, const char *sql, const struct db_param *params,
    int n, struct db_result **out)
{
	return exec_fmt(db, sql, params, n, out, 0);
}

int
db_exec_binary(struct db *db, const char *sql, const struct db_param *params,
    int n, struct db_result **out)
{
	return exec_fmt(db, sql, params, n, out, 1);
}

int
db_exec_script(struct db *db, const char *sql)
{
	PGresult *res;
	ExecStatusType st;
	int r = 0;

	REQUIRE(db != NULL && sql != NULL);
	db->sqlstate[0] = '\0';
	res = PQexec(db->conn, sql);
	st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		r = db_fail(db, res, "script");
	if (res != NULL)
		PQclear(res);
	return r;
}

int
db_begin(struct db *db)
{
	return db_exec(db, "BEGIN", NULL, 0, NULL);
}

int
db_begin_serializable(struct db *db)
{
	return db_exec(db, "BEGIN ISOLATION LEVEL SERIALIZABLE", NULL, 0, NULL);
}

int
db_commit(struct db *db)
{
	return db_exec(db, "COMMIT", NULL, 0, NULL);
}

void
db_rollback(struct db *db)
{
	PGresult *res;

	if (db == NULL || db->conn == NULL)
		return;
	if (PQtransactionStatus(db->conn) == PQTRANS_IDLE)
		return;
	res = PQexec(db->conn, "ROLLBACK");
	if (res != NULL)
		PQclear(res);
}

int
db_result_rows(const struct db_result *res)
{
	return res == NULL ? 0 : PQntuples(res->res);
}

int
db_result_cols(const struct db_result *res)
{
	return res == NULL ? 0 : PQnfields(res->res);
}

void
db_result_free(struct db_result *res)
{
	if (res == NULL)
		return;
	PQclear(res->res);
	free(res);
}

static int
db_cell(const struct db_result *res, int row, int col)
{
	if (res == NULL || row < 0 || col < 0 || row >= PQntuples(res->res) ||
	    col >= PQnfields(res->res))
		return ERR_NOT_FOUND;
	return 0;
}

int
db_is_null(const struct db_result *res, int row, int col)
{
	return db_cell(res, row, col) != 0 || PQgetisnull(res->res, row, col);
}

int
db_get_text(const struct db_result *res, int row, int col, size_t max,
    const char **out)
{
	int r;

	REQUIRE(out != NULL);
	*out = NULL;
	if ((r = db_cell(res, row, col)) != 0)
		return r;
	if (PQgetisnull(res->res, row, col))
		return ERR_FORMAT;
	if ((size_t)PQgetlength(res->res, row, col) > max)
		return ERR_TOO_LARGE;
	*out = PQgetvalue(res->res, row, col);
	return 0;
}

int
db_get_i64(const struct db_result *res, int row, int col, int64_t *out)
{
	const char *s;
	uint64_t v;
	int neg, r;

	REQUIRE(out != NULL);
	*out = 0;
	if ((r = db_cell(res, row, col)) == 0 && PQfformat(res->res, col) == 1) {
		const uint8_t *b = (const uint8_t *)PQgetvalue(res->res, row, col);
		int i;

		/* Binary results: only int8, 8 bytes big-endian. */
		if (PQgetisnull(res->res, row, col) ||
		    PQgetlength(res->res, row, col) != 8)
			return ERR_FORMAT;
		for (v = 0, i = 0; i < 8; i++)
			v = v << 8 | b[i];
		*out = (int64_t)v;
		return 0;
	}
	if ((r = db_get_text(res, row, col, 20, &s)) != 0)
		return r == ERR_TOO_LARGE ? ERR_FORMAT : r;
	neg = s[0] == '-';
	if ((r = strparse_u64(s + neg, neg ? (uint64_t)INT64_MAX + 1 :
	    (uint64_t)INT64_MAX, &v)) != 0)
		return ERR_FORMAT;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

int
db_get_bool(const struct db_result *res, int row, int col, int *out)
{
	const char *s;
	int r;

	REQUIRE(out != NULL);
	*out = 0;
	if ((r = db_get_text(res, row, col, 1, &s)) != 0)
		return r == ERR_TOO_LARGE ? ERR_FORMAT : r;
	if (s[0] != 't' && s[0] != 'f')
		return ERR_FORMAT;
	*out = s[0] == 't';
	return 0;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
db_get_bytes(const struct db_result *res, int row, int col, size_t max,
    uint8_t **out, size_t *len)
{
	const char *s;
	uint8_t *b = NULL;
	size_t n, i;
	int r;

	REQUIRE(out != NULL && len != NULL);
	*out = NULL;
	*len = 0;
	if (db_cell(res, row, col) == 0 && PQfformat(res->res, col) == 1) {
		const uint8_t *p;

		if ((r = db_get_raw(res, row, col, max, &p, &n)) != 0)
			return r;
		if ((b = malloc(n ? n : 1)) == NULL)
			return ERR_NOMEM;
		memcpy(b, p, n);
		*out = b;
		*len = n;
		return 0;
	}
	/* Text-format bytea is "\x" followed by lowercase hex. */
	if (max > (LIMIT_DB_VALUE_MAX - 2) / 2)
		max = (LIMIT_DB_VALUE_MAX - 2) / 2;
	if ((r = db_get_text(res, row, col, 2 + 2 * max, &s)) != 0)
		return r;
	n = strlen(s);
	if (n < 2 || s[0] != '\\' || s[1] != 'x' || (n - 2) % 2 != 0)
		return ERR_FORMAT;
	n = (n - 2) / 2;
	if ((b = malloc(n ? n : 1)) == NULL)
		return ERR_NOMEM;
	for (i = 0; i < n; i++) {
		int hi = hexval(s[2 + 2 * i]), lo = hexval(s[3 + 2 * i]);

		if (hi < 0 || lo < 0) {
			free(b);
			return ERR_FORMAT;
		}
		b[i] = (uint8_t)(hi << 4 | lo);
	}
	*out = b;
	*len = n;
	return 0;
}

int
db_get_raw(const struct db_result *res, int row, int col, size_t max,
    const uint8_t **out, size_t *len)
{
	int r;

	REQUIRE(out != NULL && len != NULL);
	*out = NULL;
	*len = 0;
	if ((r = db_cell(res, row, col)) != 0)
		return r;
	if (PQfformat(res->res, col) != 1 || PQgetisnull(res->res, row, col))
		return ERR_FORMAT;
	if ((size_t)PQgetlength(res->res, row, col) > max)
		return ERR_TOO_LARGE;
	*out = (const uint8_t *)PQgetvalue(res->res, row, col);
	*len = (size_t)PQgetlength(res->res, row, col);
	return 0;
}
