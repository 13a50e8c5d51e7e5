/*
 * nonce.c - single-use, short-lived server nonces.
 */
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/misuse.h"
#include "crypto/ct.h"
#include "crypto/rand.h"
#include "db/db.h"
#include "registry/nonce.h"

static int
purpose_ok(const char *s)
{
	size_t i, n;

	if (s == NULL || (n = strlen(s)) == 0 || n > 64 || s[0] < 'a' ||
	    s[0] > 'z')
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '_' || c == '.' || c == ':' || c == '-'))
			return 0;
	}
	return 1;
}

int
nonce_issue(struct db *db, const char *purpose,
    uint8_t nonce[LIMIT_NONCE_BYTES])
{
	int64_t expires;
	int r;

	REQUIRE(db != NULL && nonce != NULL);
	memset(nonce, 0, LIMIT_NONCE_BYTES);
	if (!purpose_ok(purpose))
		return ERR_INVALID_ARG;
	/* Nonces must be unpredictable even in tests: OS randomness only. */
	if ((r = rand_os_bytes(nonce, LIMIT_NONCE_BYTES)) != 0)
		return r;
	expires = clock_now_us() + (int64_t)LIMIT_NONCE_TTL_S * 1000000;
	{
		struct db_param p[3] = {
			DB_BYTES(nonce, LIMIT_NONCE_BYTES), DB_TEXT(purpose),
			DB_I64(expires)
		};

		if ((r = db_exec(db, "INSERT INTO auth_nonces (nonce, purpose, "
		    "expires_us) VALUES ($1, $2, $3)", p, 3, NULL)) != 0) {
			memset(nonce, 0, LIMIT_NONCE_BYTES);
			return r;
		}
	}
	return 0;
}

int
nonce_consume(struct db *db, const char *purpose,
    const uint8_t nonce[LIMIT_NONCE_BYTES])
{
	struct db_param p = DB_BYTES(nonce, LIMIT_NONCE_BYTES);
	struct db_result *res = NULL;
	const char *got;
	int64_t expires;
	int r;

	REQUIRE(db != NULL && nonce != NULL);
	if (!purpose_ok(purpose))
		return ERR_NONCE;
	/* Get-and-remove: a second consumer finds nothing. */
	if ((r = db_exec(db, "DELETE FROM auth_nonces WHERE nonce = $1 "
	    "RETURNING purpose, expires_us", &p, 1, &res)) != 0)
		return r;
	if (db_result_rows(res) != 1 ||
	    db_get_text(res, 0, 0, 64, &got) != 0 ||
	    db_get_i64(res, 0, 1, &expires) != 0 ||
	    strlen(got) != strlen(purpose) ||
	    !ct_eq(got, purpose, strlen(purpose)) ||
	    clock_now_us() >= expires)
		r = ERR_NONCE;
	db_result_free(res);
	return r;
}

int
nonce_purge(struct db *db, int64_t *n)
{
	struct db_param p = DB_I64(clock_now_us());
	struct db_result *res = NULL;
	int r;

	REQUIRE(db != NULL && n != NULL);
	*n = 0;
	if ((r = db_exec(db, "WITH d AS (DELETE FROM auth_nonces WHERE "
	    "expires_us <= $1 RETURNING 1) SELECT count(*) FROM d", &p, 1,
	    &res)) != 0)
		return r;
	r = db_get_i64(res, 0, 0, n);
	db_result_free(res);
	return r;
}
