/*
 * test_server.c - the pieces of ippyo-server that need no socket: the
 * error mapping and the nonce purposes.  The server itself is tested by
 * tests/integration/web_server.sh.
 */
#include <string.h>

#include "core/err.h"
#include "tests/harness/test.h"
#include "web/http.h"
#include "web/server.h"

static int
purpose(const char *s)
{
	return server_purpose_ok(s, strlen(s));
}

TEST(server_nonce_purposes)
{
	ASSERT_TRUE(purpose("login"));
	ASSERT_TRUE(purpose("bind"));
	ASSERT_TRUE(purpose("cast:yabu-2027"));
	ASSERT_TRUE(purpose("declare:yabu-2027"));
	ASSERT_TRUE(purpose("admit:e1"));
	ASSERT_FALSE(purpose(""));
	ASSERT_FALSE(purpose("Login"));
	ASSERT_FALSE(purpose("login "));
	ASSERT_FALSE(purpose("logins"));
	ASSERT_FALSE(purpose("cast:"));
	ASSERT_FALSE(purpose("cast:Yabu"));
	ASSERT_FALSE(purpose("cast:-x"));
	ASSERT_FALSE(purpose("cast:a:b"));
	ASSERT_FALSE(purpose("tally:x"));
	ASSERT_FALSE(purpose("declare:"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
	ASSERT_TRUE(purpose("declare:"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
	ASSERT_FALSE(server_purpose_ok("login\0x", 7));
}

TEST(server_errors_map_to_coarse_words)
{
	const char *w = NULL;

	ASSERT_INT_EQ(http_status_for_err(ERR_FORMAT, &w), 400);
	ASSERT_STR_EQ(w, "bad_request");
	ASSERT_INT_EQ(http_status_for_err(ERR_TOO_LARGE, &w), 400);
	ASSERT_INT_EQ(http_status_for_err(ERR_TRUNCATED, &w), 400);
	ASSERT_INT_EQ(http_status_for_err(ERR_NOT_CANONICAL, &w), 400);
	ASSERT_INT_EQ(http_status_for_err(ERR_VERIFY, &w), 403);
	ASSERT_STR_EQ(w, "forbidden");
	ASSERT_INT_EQ(http_status_for_err(ERR_NONCE, &w), 403);
	ASSERT_INT_EQ(http_status_for_err(ERR_CERT_REVOKED, &w), 403);
	ASSERT_INT_EQ(http_status_for_err(ERR_NOT_FOUND, &w), 404);
	ASSERT_STR_EQ(w, "not_found");
	ASSERT_INT_EQ(http_status_for_err(ERR_WINDOW_CLOSED, &w), 409);
	ASSERT_STR_EQ(w, "conflict");
	ASSERT_INT_EQ(http_status_for_err(ERR_RATE_LIMITED, &w), 429);
	ASSERT_STR_EQ(w, "rate_limited");
	ASSERT_INT_EQ(http_status_for_err(ERR_DB_CONNECT, &w), 503);
	ASSERT_STR_EQ(w, "unavailable");
	ASSERT_INT_EQ(http_status_for_err(ERR_REVOCATION_UNKNOWN, &w), 503);
	/* Anything unexpected says nothing more than "internal". */
	ASSERT_INT_EQ(http_status_for_err(ERR_DB, &w), 500);
	ASSERT_STR_EQ(w, "internal");
	ASSERT_INT_EQ(http_status_for_err(ERR_INTERNAL, &w), 500);
	ASSERT_INT_EQ(http_status_for_err(-9999, &w), 500);
}

TEST(server_tls_is_built_in)
{
	/* Debian's libmicrohttpd links GnuTLS; the HTTPS test needs it. */
	ASSERT_TRUE(http_tls_supported());
}
