/*
 * server.h - what ippyo-server's endpoints share: the application state
 * handed to every handler, and helpers for JSON in and out.
 *
 * Adding an endpoint: write a handler (web/api_*.c)
 *
 *	int api_thing(struct http_request *req, struct http_response *res,
 *	    void *app);
 *
 * declare it below, and add a line to the route table in
 * web/server_main.c.  In the handler: read the body with
 * server_body_json(), JSON values with the getters of web/json.h (pass
 * every failure through server_json_fail() so the log names the field),
 * borrow a database connection with dbpool_get()/dbpool_put(), and answer
 * with server_reply().  Return an err code for anything refused; the
 * framework answers it coarsely (web/http.h) and logs it precisely.
 */
#ifndef IPPYO_WEB_SERVER_H
#define IPPYO_WEB_SERVER_H

#include "web/config.h"
#include "web/dbpool.h"
#include "web/http.h"
#include "web/json.h"
#include "web/ratelimit.h"

#define SERVER_RATE_KEYS 65536	/* keys each rate limiter remembers */

struct server_app {
	const struct config *cfg;	/* the configuration */
	struct dbpool *pool;		/* LIMIT_HTTP_THREADS connections */
	struct ratelimit *per_addr;	/* LIMIT_RATE_PER_ADDR per window */
	struct ratelimit *per_voter;	/* LIMIT_RATE_BALLOTS_PER_VOTER */
};

/*
 * Parses the request body as JSON (object or array) into *doc (caller
 * frees).  Errors as json_parse(); the reason is noted for the log.
 */
int server_body_json(struct http_request *req, struct json_doc **doc)
    __attribute__((warn_unused_result));

/* Notes doc's error path and reason on req; returns r. */
int server_json_fail(struct http_request *req, const struct json_doc *doc,
    int r);

/* Answers status with b written canonically; 0 or ERR_NOMEM. */
int server_reply(struct http_response *res, int status,
    const struct json_build *b) __attribute__((warn_unused_result));

/*
 * Counts a hit for key in rl; when refused, adds Retry-After to res and
 * returns ERR_RATE_LIMITED.
 */
int server_rate_check(struct ratelimit *rl, const char *key,
    struct http_response *res) __attribute__((warn_unused_result));

/* The admission hook: per-address rate limit for every route but /health. */
int server_admit(struct http_request *req, struct http_response *res,
    void *app);

/* GET /health */
int api_health(struct http_request *req, struct http_response *res,
    void *app);

/* POST /api/v1/nonce */
int api_nonce(struct http_request *req, struct http_response *res,
    void *app);

/*
 * 1 when purpose may be asked for over HTTP: "login", "bind", or
 * "cast:", "declare:", "admit:" followed by an election id (lowercase
 * identifier, core/strparse.h) with the whole at most 64 bytes.
 */
int server_purpose_ok(const char *purpose, size_t len);

#endif /* IPPYO_WEB_SERVER_H */
