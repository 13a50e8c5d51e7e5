/*
 * http.h - the HTTP server framework of ippyo-server; the only room
 * libmicrohttpd lives in (docs/PROTOCOL-http.md).
 *
 * A server is libmicrohttpd with its internal thread pool
 * (LIMIT_HTTP_THREADS) and every limit of core/limits.h: connections in
 * total and per address, an idle timeout, a memory pool per connection,
 * the URL length (414), the request body (413 as soon as the declared or
 * received length passes the route's maximum, without reading the rest),
 * and a deadline for receiving a whole request: a client that trickles
 * its headers or body byte by byte (slow-loris) is cut off when the
 * timeout has passed since the request began, however active it looks.
 *
 * Requests are dispatched through a route table; a handler sees only the
 * opaque struct http_request and struct http_response below, never a
 * libmicrohttpd type.  Handlers run on the pool's threads, several at
 * once: whatever they share must be thread-safe.
 *
 * Every response carries the security headers (Content-Type with charset,
 * X-Content-Type-Options, Cache-Control: no-store, a Content-Security-
 * Policy that allows nothing, Referrer-Policy, X-Frame-Options) and an
 * X-Request-Id that matches the log line of the request.
 *
 * Errors: a handler returns an err code and the framework answers the
 * coarse JSON {"error": "..."} that http_status_for_err() maps it to; the
 * precise code, the request id and the handler's note go to the log.
 * Request bodies are never logged.
 */
#ifndef IPPYO_WEB_HTTP_H
#define IPPYO_WEB_HTTP_H

#include <stddef.h>
#include <stdint.h>

#define HTTP_WUR __attribute__((warn_unused_result))
#define HTTP_PARAMS_MAX 4		/* {params} in one route pattern */
#define HTTP_HEADERS_MAX 8		/* headers a handler may add */
#define HTTP_NOTE_MAX 128		/* handler's note for the log */

struct http_server;
struct http_request;
struct http_response;

/*
 * Handles one request; app is http_config.app.  Returns 0 after setting
 * the response (http_response_json), or an err code for the framework to
 * answer coarsely (and log precisely).  Returning 0 without a response is
 * a bug and answers 500.
 */
typedef int (*http_handler_fn)(struct http_request *req,
    struct http_response *res, void *app);

struct http_route {
	const char *method;		/* "GET", "POST", ... */
	const char *pattern;		/* "/api/v1/elections/{id}" */
	http_handler_fn handler;	/* runs when the whole body is in */
	size_t body_max;		/* 0: no body; <= LIMIT_HTTP_BODY_MAX */
};

struct http_config {
	const char *address;		/* numeric IPv4 or IPv6 to listen on */
	uint16_t port;			/* 0: any free port (tests) */
	const char *tls_cert_pem;	/* PEM text; NULL for plain HTTP */
	const char *tls_key_pem;	/* PEM text; both or neither */
	unsigned timeout_s;		/* 1..LIMIT_HTTP_TIMEOUT_S; 0: the limit */
	const struct http_route *routes; /* matched in order */
	size_t n_routes;
	void *app;			/* passed to every handler */
	/*
	 * Optional: runs for every request as soon as its headers are in,
	 * before routing and before the body is read (rate limits by
	 * address).  http_request_path() is set; route parameters are
	 * not.  A non-zero return is answered like a handler's error.
	 */
	http_handler_fn admit;
};

/* 1 when libmicrohttpd was built with TLS (MHD_FEATURE_TLS). */
int http_tls_supported(void);

/*
 * Starts listening and serving.  The config and route table must outlive
 * the server; the PEM texts are copied.  Returns 0, ERR_INVALID_ARG (bad
 * address, route or limit), ERR_UNSUPPORTED (TLS asked, not built in),
 * ERR_IO (cannot listen: port taken, bad certificate) or ERR_NOMEM.
 * Caller stops it with http_server_stop().
 */
int http_server_start(const struct http_config *cfg,
    struct http_server **out) HTTP_WUR;

/* The port actually bound (useful with port 0). */
uint16_t http_server_port(const struct http_server *srv);

/*
 * Stops accepting connections at once, lets requests already being
 * received or handled finish for up to grace_s seconds, then closes
 * everything and frees srv.  Accepts NULL.
 */
void http_server_stop(struct http_server *srv, unsigned grace_s);

/* ---- the request, for handlers ---- */

/* "GET", "POST", ... */
const char *http_request_method(const struct http_request *req);

/* The decoded path, without the query. */
const char *http_request_path(const struct http_request *req);

/* This request's id, as in the log and the X-Request-Id header. */
const char *http_request_id(const struct http_request *req);

/*
 * Value of path parameter {name} of the matched pattern, or NULL when the
 * pattern has none of that name.  Values are 1..LIMIT_ID_LEN_MAX bytes of
 * [A-Za-z0-9_.:-] (anything else does not match the route: 404).
 */
const char *http_request_param(const struct http_request *req,
    const char *name);

/*
 * Query parameter name.  Returns 0 and *out (valid during the request),
 * ERR_NOT_FOUND (absent), ERR_FORMAT (given twice, or not one line of
 * UTF-8 text) or ERR_TOO_LARGE (over max bytes).
 */
int http_request_query(const struct http_request *req, const char *name,
    size_t max, const char **out) HTTP_WUR;

/* Request header name: as http_request_query. */
int http_request_header(const struct http_request *req, const char *name,
    size_t max, const char **out) HTTP_WUR;

/* The body (*len bytes; NULL and 0 when there is none). */
const uint8_t *http_request_body(const struct http_request *req,
    size_t *len);

/* The client's address as text ("127.0.0.1", "2001:db8::1"). */
const char *http_request_client(const struct http_request *req);

/*
 * The key rate limits count by for this client: the IPv4 address, or the
 * IPv6 /64 prefix ("2001:db8:1:2::/64"), since one host commonly holds a
 * whole /64.
 */
const char *http_request_client_key(const struct http_request *req);

/*
 * Attaches a short note for the log line of this request (e.g. the JSON
 * path a getter refused); never put secrets or body contents here.
 * Longer notes are cut.
 */
void http_request_note(struct http_request *req, const char *note);

/* ---- the response, for handlers ---- */

/*
 * Sets the status and a JSON body (copied).  Returns 0, ERR_INVALID_ARG
 * (status outside 200..599) or ERR_NOMEM.
 */
int http_response_json(struct http_response *res, int status,
    const char *body, size_t len) HTTP_WUR;

/*
 * Adds a header (copied).  Names are tokens, values one line of printable
 * ASCII; the security headers cannot be replaced.  Returns 0,
 * ERR_FORMAT, ERR_TOO_LARGE (more than HTTP_HEADERS_MAX) or ERR_NOMEM.
 */
int http_response_header(struct http_response *res, const char *name,
    const char *value) HTTP_WUR;

/* Adds Retry-After: secs (for ERR_RATE_LIMITED and 503). */
int http_response_retry_after(struct http_response *res,
    unsigned secs) HTTP_WUR;

/*
 * The status code and coarse error word the framework answers for err:
 * 400 bad_request (ERR_TOO_LARGE included: a field or count over its
 * bound), 403 forbidden, 404 not_found, 409 conflict, 429 rate_limited,
 * 503 unavailable, 500 internal.  The framework itself also answers 405
 * method_not_allowed, 411 length_required (a body without Content-Length),
 * 413 too_large (body), 414 too_large (URL) and 415
 * unsupported_media_type.
 */
int http_status_for_err(int err, const char **word);

#endif /* IPPYO_WEB_HTTP_H */
