/*
 * api_core.c - the endpoints every deployment has: health and nonces,
 * and the helpers the others share.
 */
#include <stdlib.h>
#include <string.h>

#include "ballot/election.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/misuse.h"
#include "core/strparse.h"
#include "registry/nonce.h"
#include "web/server.h"

#define PURPOSE_MAX 64

int
server_body_json(struct http_request *req, struct json_doc **doc)
{
	const uint8_t *body;
	const char *what = NULL;
	size_t len;
	int r;

	REQUIRE(req != NULL && doc != NULL);
	*doc = NULL;
	body = http_request_body(req, &len);
	if (body == NULL) {
		http_request_note(req, "no body");
		return ERR_FORMAT;
	}
	if ((r = json_parse(body, len, LIMIT_HTTP_BODY_MAX, doc, &what)) != 0)
		http_request_note(req, what);
	return r;
}

int
server_json_fail(struct http_request *req, const struct json_doc *doc, int r)
{
	char note[HTTP_NOTE_MAX];
	const char *path = json_doc_error_path(doc);
	const char *what = json_doc_error_what(doc);
	size_t pl = strlen(path), wl = strlen(what);

	/* "$.token.nonce: not a string", cut to fit. */
	if (pl > sizeof(note) / 2)
		pl = sizeof(note) / 2;
	if (wl > sizeof(note) - pl - 3)
		wl = sizeof(note) - pl - 3;
	memcpy(note, path, pl);
	memcpy(note + pl, ": ", 2);
	memcpy(note + pl + 2, what, wl);
	note[pl + 2 + wl] = '\0';
	http_request_note(req, note);
	return r;
}

int
server_reply(struct http_response *res, int status, const struct json_build *b)
{
	char *s = NULL;
	size_t len;
	int r;

	if ((r = json_build_dump(b, &s, &len)) != 0)
		return r;
	r = http_response_json(res, status, s, len);
	free(s);
	return r;
}

int
server_rate_check(struct ratelimit *rl, const char *key,
    struct http_response *res)
{
	uint32_t retry = 0;
	int r;

	if ((r = ratelimit_hit(rl, key, &retry)) == ERR_RATE_LIMITED &&
	    http_response_retry_after(res, retry) != 0)
		log_warn("http.retry_after_failed");
	return r;
}

int
server_admit(struct http_request *req, struct http_response *res, void *app)
{
	struct server_app *a = app;

	if (strcmp(http_request_path(req), "/health") == 0)
		return 0;
	return server_rate_check(a->per_addr, http_request_client_key(req),
	    res);
}

int
api_health(struct http_request *req, struct http_response *res, void *app)
{
	static const char ok[] = "{\"status\":\"ok\"}";
	struct server_app *a = app;
	struct db_result *rs = NULL;
	struct db *db = NULL;
	int r;

	if ((r = dbpool_get(a->pool, &db)) != 0) {
		http_request_note(req, "database unreachable");
		return r == ERR_TIMEOUT ? r : ERR_DB_CONNECT;
	}
	r = db_exec(db, "SELECT 1", NULL, 0, &rs);
	db_result_free(rs);
	dbpool_put(a->pool, db, r);
	if (r != 0) {
		http_request_note(req, "database check failed");
		return ERR_DB_CONNECT;
	}
	return http_response_json(res, 200, ok, sizeof(ok) - 1);
}

int
server_purpose_ok(const char *p, size_t len)
{
	static const char *const prefixes[] = { "cast:", "declare:", "admit:",
	    NULL };
	size_t i, pl;

	if (len > PURPOSE_MAX)
		return 0;
	if ((len == 5 && memcmp(p, "login", 5) == 0) ||
	    (len == 4 && memcmp(p, "bind", 4) == 0))
		return 1;
	for (i = 0; prefixes[i] != NULL; i++) {
		pl = strlen(prefixes[i]);
		if (len > pl && memcmp(p, prefixes[i], pl) == 0)
			return strparse_ident(p + pl, len - pl,
			    PURPOSE_MAX - pl) == 0;
	}
	return 0;
}

int
api_nonce(struct http_request *req, struct http_response *res, void *app)
{
	static const char *const allowed[] = { "purpose", NULL };
	struct server_app *a = app;
	struct json_doc *doc = NULL;
	struct json_build *b = NULL;
	struct db *db = NULL;
	uint8_t nonce[LIMIT_NONCE_BYTES];
	const char *purpose, *eid;
	size_t plen;
	int r = ERR_INTERNAL;

	memset(nonce, 0, sizeof(nonce));
	if ((r = server_body_json(req, &doc)) != 0)
		goto out;
	if ((r = json_expect_object(doc, json_root(doc), allowed)) != 0 ||
	    (r = json_get_string(doc, json_root(doc), "purpose", PURPOSE_MAX,
	    &purpose, &plen)) != 0) {
		r = server_json_fail(req, doc, r);
		goto out;
	}
	if (!server_purpose_ok(purpose, plen)) {
		http_request_note(req, "$.purpose: not an allowed purpose");
		r = ERR_FORMAT;
		goto out;
	}
	if ((r = dbpool_get(a->pool, &db)) != 0)
		goto out;
	/* A purpose naming an election needs that election to exist; a
	 * cast nonce, that it is open (one for a draft or closed election
	 * could never be used: it is not stored). */
	if ((eid = strchr(purpose, ':')) != NULL) {
		enum election_state st;

		if ((r = election_load_state(db, eid + 1, &st)) == ERR_NOT_FOUND)
			http_request_note(req, "$.purpose: no such election");
		else if (r == 0 && eid - purpose == 4 && st != ELECTION_OPEN) {
			http_request_note(req, "$.purpose: the election is not "
			    "open for casting");
			r = ERR_WRONG_STATE;
		}
	}
	if (r == 0)
		r = nonce_issue(db, purpose, nonce);
	dbpool_put(a->pool, db, r);
	if (r != 0)
		goto out;
	if ((b = json_build_object()) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if ((r = json_build_set_base64(b, "nonce", nonce, sizeof(nonce))) != 0)
		goto out;
	r = server_reply(res, 200, b);
 out:
	json_build_free(b);
	json_doc_free(doc);
	return r;
}
