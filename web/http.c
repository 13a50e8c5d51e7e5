/*
 * http.c - libmicrohttpd behind a small route table, with every limit.
 *
 * Life of a request, as libmicrohttpd (MHD) drives it:
 *
 *  1. The connection opens: conn_notify() starts a struct conn_track
 *     (socket, when its current request began, whether it is still
 *     being received) that the watchdog thread checks.
 *  2. The request line is in: uri_logged() allocates the struct
 *     http_request with the raw URI's length.
 *  3. Headers are in: access() is called the first time.  It refuses a
 *     long URL (414), finds the route (404, 405), checks Content-Type and
 *     the declared length (415, 413; 411 without one) and answers at once
 *     when refused: the body is never read.
 *  4. Body chunks: access() appends each to a bounded buffer (413 the
 *     moment it would pass the route's maximum) and checks the deadline.
 *  5. The last call: the handler runs; its answer (or the coarse error for
 *     the code it returned) is queued with the security headers.
 *  6. completed() logs one line and frees the request.
 *
 * The watchdog: MHD's own timeout is an idle timeout, reset by every byte,
 * so a client sending one header byte every few seconds would hold its
 * connection for ever.  Every 200 ms the watchdog shuts down (shutdown(2),
 * which makes MHD see end-of-file and close cleanly) each connection
 * whose current request has been arriving for longer than the timeout.
 * It works on the socket under the same mutex that conn_notify() takes to
 * forget a connection, and MHD reports the close before it closes the
 * socket, so a descriptor number is never shut down after reuse.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/misuse.h"
#include "core/strparse.h"
#include "core/text.h"
#include "core/vbuf.h"
#include "web/http.h"

#define WATCHDOG_TICK_MS 200

static const char *const security_headers[][2] = {
	{ "Content-Type", "application/json; charset=utf-8" },
	{ "X-Content-Type-Options", "nosniff" },
	{ "Cache-Control", "no-store" },
	{ "Content-Security-Policy", "default-src 'none'; "
	    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'" },
	{ "Referrer-Policy", "no-referrer" },
	{ "X-Frame-Options", "DENY" },
	{ NULL, NULL }
};

/* One open connection, as the watchdog sees it. */
struct conn_track {
	int fd;				/* the connection's socket */
	int64_t since_us;		/* current request began (or idle since) */
	int receiving;			/* 1 until the handler has the request */
	int cut;			/* the watchdog shut it down */
	struct conn_track *prev, *next;	/* the server's list */
};

struct http_header {
	char *name;			/* owned */
	char *value;			/* owned */
};

struct http_response {
	int status;			/* 0 until a handler sets one */
	char *body;			/* owned JSON text */
	size_t len;			/* its length */
	struct http_header h[HTTP_HEADERS_MAX];	/* extra headers */
	size_t n_h;			/* how many */
};

struct http_request {
	struct http_server *srv;	/* the server */
	struct MHD_Connection *conn;	/* valid during the request */
	struct conn_track *track;	/* the watchdog's entry, may be NULL */
	char id[40];			/* request id */
	int64_t t0_us;			/* when the request line arrived */
	size_t uri_len;			/* raw URI length, query included */
	int started;			/* access() ran once */
	int answered;			/* a response is queued */
	int err;			/* the handler's or framework's code */
	int status;			/* status sent */
	char method[16];		/* for the log, cut */
	char path[LIMIT_HTTP_URL_MAX + 1];	/* decoded path, cut */
	const struct http_route *route;	/* matched route */
	const char *pnames[HTTP_PARAMS_MAX];	/* {names} in the pattern */
	size_t pname_len[HTTP_PARAMS_MAX];	/* their lengths */
	char pvals[HTTP_PARAMS_MAX][LIMIT_ID_LEN_MAX + 1];	/* values */
	size_t n_params;		/* how many */
	struct vbuf *body;		/* bounded body buffer */
	char client[INET6_ADDRSTRLEN];	/* peer address */
	char client_key[INET6_ADDRSTRLEN + 4];	/* rate-limit key */
	char note[HTTP_NOTE_MAX];	/* handler's note for the log */
	struct http_response res;	/* the answer */
};

struct http_server {
	struct MHD_Daemon *d;		/* the daemon */
	const struct http_config *cfg;	/* caller's; outlives srv */
	unsigned timeout_s;		/* effective request deadline */
	char *cert, *key;		/* PEM copies (MHD keeps pointers) */
	uint16_t port;			/* bound port */
	pthread_mutex_t mu;		/* guards conns and tracks */
	struct conn_track *conns;	/* open connections */
	pthread_t watchdog;		/* the slow-loris cutter */
	int watchdog_running;		/* joined on stop */
	atomic_int stopping;		/* watchdog exit flag */
	atomic_long in_flight;		/* requests begun, not completed */
	atomic_ulong next_id;		/* request counter */
	char id_prefix[17];		/* per-process request id prefix */
};

int
http_tls_supported(void)
{
	return MHD_is_feature_supported(MHD_FEATURE_TLS) == MHD_YES;
}

int
http_status_for_err(int err, const char **word)
{
	const char *w = "internal";
	int s = 500;

	switch (err) {
	case ERR_FORMAT:
	case ERR_TRUNCATED:
	case ERR_TRAILING_DATA:
	case ERR_NOT_CANONICAL:
	case ERR_RANGE:
	case ERR_INVALID_ARG:
	case ERR_TOO_LARGE:	/* a field or count: the body size is 413 */
	case ERR_UNSUPPORTED:
		s = 400, w = "bad_request";
		break;
	case ERR_NONCE:
	case ERR_VERIFY:
	case ERR_CERT_INVALID:
	case ERR_CERT_EXPIRED:
	case ERR_CERT_REVOKED:
	case ERR_ORIGIN:
	case ERR_NOT_BOUND:
	case ERR_NOT_ELIGIBLE:
	case ERR_PERM:
	case ERR_MISMATCH:
		s = 403, w = "forbidden";
		break;
	case ERR_NOT_FOUND:
		s = 404, w = "not_found";
		break;
	case ERR_EXISTS:
	case ERR_DUPLICATE:	/* e.g. a ballot already in the box */
	case ERR_WRONG_STATE:
	case ERR_WINDOW_CLOSED:
	case ERR_ALREADY_ADMITTED:
		s = 409, w = "conflict";
		break;
	case ERR_RATE_LIMITED:
		s = 429, w = "rate_limited";
		break;
	case ERR_DB_CONNECT:
	case ERR_UNAVAILABLE:
	case ERR_REVOCATION_UNKNOWN:
	case ERR_TIMEOUT:
		s = 503, w = "unavailable";
		break;
	default:
		break;
	}
	if (word != NULL)
		*word = w;
	return s;
}

/* ---- the watchdog ---- */

static void *
watchdog_main(void *arg)
{
	struct http_server *srv = arg;
	struct timespec ts = { 0, WATCHDOG_TICK_MS * 1000000L };
	struct conn_track *t;
	int64_t now, limit = (int64_t)srv->timeout_s * 1000000;

	while (!atomic_load(&srv->stopping)) {
		nanosleep(&ts, NULL);
		now = clock_now_us();
		pthread_mutex_lock(&srv->mu);
		for (t = srv->conns; t != NULL; t = t->next) {
			if (t->receiving && !t->cut && now - t->since_us > limit) {
				/* MHD sees end-of-file and closes. */
				shutdown(t->fd, SHUT_RDWR);
				t->cut = 1;
				log_info("http.slow_client_cut",
				    LOG_I("after_ms", (now - t->since_us) / 1000));
			}
		}
		pthread_mutex_unlock(&srv->mu);
	}
	return NULL;
}

static void
track_set(struct http_server *srv, struct conn_track *t, int receiving)
{
	if (t == NULL)
		return;
	pthread_mutex_lock(&srv->mu);
	t->receiving = receiving;
	t->since_us = clock_now_us();
	pthread_mutex_unlock(&srv->mu);
}

static void
conn_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	struct http_server *srv = cls;
	struct conn_track *t;
	const union MHD_ConnectionInfo *ci;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		*socket_context = NULL;
		ci = MHD_get_connection_info(conn,
		    MHD_CONNECTION_INFO_CONNECTION_FD);
		if (ci == NULL || (t = calloc(1, sizeof(*t))) == NULL)
			return;		/* then only MHD's idle timeout */
		t->fd = ci->connect_fd;
		t->since_us = clock_now_us();
		t->receiving = 1;
		pthread_mutex_lock(&srv->mu);
		t->next = srv->conns;
		if (srv->conns != NULL)
			srv->conns->prev = t;
		srv->conns = t;
		pthread_mutex_unlock(&srv->mu);
		*socket_context = t;
		return;
	}
	/* MHD_CONNECTION_NOTIFY_CLOSED: before MHD closes the socket. */
	if ((t = *socket_context) == NULL)
		return;
	pthread_mutex_lock(&srv->mu);
	if (t->prev != NULL)
		t->prev->next = t->next;
	else
		srv->conns = t->next;
	if (t->next != NULL)
		t->next->prev = t->prev;
	pthread_mutex_unlock(&srv->mu);
	free(t);
	*socket_context = NULL;
}

/* ---- requests ---- */

static void
request_free(struct http_request *req)
{
	size_t i;

	if (req == NULL)
		return;
	vbuf_free(req->body);
	free(req->res.body);
	for (i = 0; i < req->res.n_h; i++) {
		free(req->res.h[i].name);
		free(req->res.h[i].value);
	}
	free(req);
}

static void
copy_cut(char *dst, size_t dstlen, const char *src)
{
	size_t n = strlen(src);

	if (n >= dstlen)
		n = dstlen - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Fills client and client_key from the peer address. */
static void
client_address(struct http_request *req)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;

	copy_cut(req->client, sizeof(req->client), "unknown");
	copy_cut(req->client_key, sizeof(req->client_key), "unknown");
	ci = MHD_get_connection_info(req->conn,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || (sa = ci->client_addr) == NULL)
		return;
	if (sa->sa_family == AF_INET) {
		struct sockaddr_in sin;

		memcpy(&sin, sa, sizeof(sin));
		if (inet_ntop(AF_INET, &sin.sin_addr, req->client,
		    sizeof(req->client)) != NULL)
			copy_cut(req->client_key, sizeof(req->client_key),
			    req->client);
	} else if (sa->sa_family == AF_INET6) {
		struct sockaddr_in6 sin6;
		struct in6_addr pfx;
		char buf[INET6_ADDRSTRLEN];
		int n;

		memcpy(&sin6, sa, sizeof(sin6));
		if (inet_ntop(AF_INET6, &sin6.sin6_addr, req->client,
		    sizeof(req->client)) == NULL)
			return;
		/* IPv4-mapped addresses count as the IPv4 address. */
		if (IN6_IS_ADDR_V4MAPPED(&sin6.sin6_addr)) {
			if (inet_ntop(AF_INET, &sin6.sin6_addr.s6_addr[12], buf,
			    sizeof(buf)) != NULL)
				copy_cut(req->client_key,
				    sizeof(req->client_key), buf);
			return;
		}
		pfx = sin6.sin6_addr;
		memset(&pfx.s6_addr[8], 0, 8);
		if (inet_ntop(AF_INET6, &pfx, buf, sizeof(buf)) == NULL)
			return;
		n = snprintf(req->client_key, sizeof(req->client_key),
		    "%s/64", buf);
		if (n < 0 || (size_t)n >= sizeof(req->client_key))
			copy_cut(req->client_key, sizeof(req->client_key),
			    "unknown");
	}
}

static void *
uri_logged(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct http_server *srv = cls;
	struct http_request *req;
	const union MHD_ConnectionInfo *ci;
	unsigned long n;

	if ((req = calloc(1, sizeof(*req))) == NULL)
		return NULL;	/* access() answers 500 without a request */
	req->srv = srv;
	req->conn = conn;
	req->t0_us = clock_now_us();
	req->uri_len = strlen(uri);
	n = atomic_fetch_add(&srv->next_id, 1);
	if (snprintf(req->id, sizeof(req->id), "%s-%lu", srv->id_prefix,
	    n) < 0)
		req->id[0] = '\0';
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	if (ci != NULL)
		req->track = ci->socket_context;
	atomic_fetch_add(&srv->in_flight, 1);
	return req;
}

static void
completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct http_server *srv = cls;
	struct http_request *req = *con_cls;
	static const char *const ends[] = {
		"completed", "error", "timeout", "daemon_shutdown",
		"read_error", "client_abort"
	};
	const char *end = (unsigned)toe < sizeof(ends) / sizeof(ends[0]) ?
	    ends[toe] : "other";

	(void)conn;
	if (req == NULL)
		return;
	*con_cls = NULL;
	if (!req->answered && req->err == 0)
		req->err = toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ?
		    ERR_TIMEOUT : ERR_IO;
	if (req->started || req->answered)
		/* Refusals by the rate limit are logged at debug level so a
		 * flood cannot fill the disk with its own refusals. */
		log_emit(req->status >= 500 ? LOG_WARN :
		    req->status == 429 ? LOG_DEBUG : LOG_INFO,
		    "http.request", LOG_S("id", req->id),
		    LOG_S("method", req->method), LOG_S("path", req->path),
		    LOG_I("status", req->status), LOG_E("err", req->err),
		    LOG_S("note", req->note[0] ? req->note : NULL),
		    LOG_S("client", req->client), LOG_S("end", end),
		    LOG_I("us", clock_now_us() - req->t0_us), LOG_END_);
	else
		/* Dropped before the headers were in (slow or broken). */
		log_info("http.dropped", LOG_S("id", req->id),
		    LOG_S("end", end), LOG_E("err", req->err),
		    LOG_I("us", clock_now_us() - req->t0_us));
	/* Idle time between keep-alive requests counts as receiving. */
	track_set(srv, req->track, 1);
	atomic_fetch_sub(&srv->in_flight, 1);
	request_free(req);
}

/* Queues status with body (or the coarse error body), with all headers. */
static enum MHD_Result
answer(struct http_request *req, int status, const char *body, size_t len,
    const struct http_header *extra, size_t n_extra)
{
	struct MHD_Response *r;
	enum MHD_Result ok;
	size_t i;

	r = MHD_create_response_from_buffer(len, (void *)(uintptr_t)body,
	    MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	for (i = 0; security_headers[i][0] != NULL; i++)
		MHD_add_response_header(r, security_headers[i][0],
		    security_headers[i][1]);
	if (req->srv->cfg->tls_cert_pem != NULL)
		MHD_add_response_header(r, "Strict-Transport-Security",
		    "max-age=31536000");
	MHD_add_response_header(r, "X-Request-Id", req->id);
	for (i = 0; i < n_extra; i++)
		MHD_add_response_header(r, extra[i].name, extra[i].value);
	ok = MHD_queue_response(req->conn, (unsigned)status, r);
	MHD_destroy_response(r);
	req->answered = 1;
	req->status = status;
	track_set(req->srv, req->track, 0);
	return ok;
}

/* The coarse error answer for err (status given, or mapped from err). */
static enum MHD_Result
answer_error(struct http_request *req, int status, const char *word, int err)
{
	char body[64];
	int n;

	req->err = err;
	if (status == 0)
		status = http_status_for_err(err, &word);
	n = snprintf(body, sizeof(body), "{\"error\":\"%s\"}", word);
	if (n < 0 || (size_t)n >= sizeof(body))
		return MHD_NO;
	return answer(req, status, body, (size_t)n, req->res.h, req->res.n_h);
}

/*
 * Matches path against pattern; fills the request's params on success.
 * Returns 1 on a match.
 */
static int
route_match(const char *pattern, const char *path, struct http_request *req)
{
	const char *p = pattern, *u = path;
	size_t n = 0;

	while (*p != '\0' && *u != '\0') {
		if (*p == '{') {
			const char *close = strchr(p, '}');
			size_t vl = strcspn(u, "/"), i;

			if (close == NULL || n >= HTTP_PARAMS_MAX || vl == 0 ||
			    vl > LIMIT_ID_LEN_MAX)
				return 0;
			for (i = 0; i < vl; i++) {
				char c = u[i];

				if (!((c >= 'a' && c <= 'z') ||
				    (c >= 'A' && c <= 'Z') ||
				    (c >= '0' && c <= '9') || c == '_' ||
				    c == '.' || c == ':' || c == '-'))
					return 0;
			}
			if (req != NULL) {
				req->pnames[n] = p + 1;
				req->pname_len[n] = (size_t)(close - p - 1);
				memcpy(req->pvals[n], u, vl);
				req->pvals[n][vl] = '\0';
			}
			n++;
			p = close + 1;
			u += vl;
			continue;
		}
		if (*p != *u)
			return 0;
		p++;
		u++;
	}
	if (*p != '\0' || *u != '\0')
		return 0;
	if (req != NULL)
		req->n_params = n;
	return 1;
}

/* 1 when the Content-Type is JSON (with an optional UTF-8 charset). */
static int
json_content_type(const char *ct)
{
	if (ct == NULL)
		return 0;
	return strcasecmp(ct, "application/json") == 0 ||
	    strcasecmp(ct, "application/json; charset=utf-8") == 0 ||
	    strcasecmp(ct, "application/json;charset=utf-8") == 0;
}

/* First call: headers are in.  Refuse early or get ready for the body. */
static enum MHD_Result
access_first(struct http_request *req, const char *url, const char *method)
{
	const struct http_config *cfg = req->srv->cfg;
	const struct http_route *route = NULL;
	const char *cl, *te;
	int path_known = 0;
	uint64_t declared = 0;
	size_t i;

	req->started = 1;
	copy_cut(req->method, sizeof(req->method), method);
	copy_cut(req->path, sizeof(req->path), url);
	client_address(req);
	if (req->uri_len > LIMIT_HTTP_URL_MAX) {
		req->path[0] = '\0';	/* do not log 2 kB of junk */
		return answer_error(req, 414, "too_large", ERR_TOO_LARGE);
	}
	if (!text_is_line(url, strlen(url)))
		return answer_error(req, 400, "bad_request", ERR_FORMAT);
	/* Before routing, so 404s and 405s count too (scanners). */
	if (cfg->admit != NULL) {
		int r = cfg->admit(req, &req->res, cfg->app);

		if (r != 0)
			return answer_error(req, 0, NULL, r);
	}
	for (i = 0; i < cfg->n_routes; i++) {
		if (!route_match(cfg->routes[i].pattern, url, NULL))
			continue;
		path_known = 1;
		if (strcmp(cfg->routes[i].method, method) == 0) {
			route = &cfg->routes[i];
			break;
		}
	}
	if (route == NULL && path_known) {
		char allow[64] = "";
		size_t al = 0;

		for (i = 0; i < cfg->n_routes; i++) {
			size_t ml = strlen(cfg->routes[i].method);

			if (!route_match(cfg->routes[i].pattern, url, NULL) ||
			    al + ml + 3 > sizeof(allow))
				continue;
			if (al > 0) {
				memcpy(allow + al, ", ", 2);
				al += 2;
			}
			memcpy(allow + al, cfg->routes[i].method, ml);
			al += ml;
			allow[al] = '\0';
		}
		req->res.h[0].name = strdup("Allow");
		req->res.h[0].value = strdup(allow);
		if (req->res.h[0].name != NULL && req->res.h[0].value != NULL)
			req->res.n_h = 1;
		return answer_error(req, 405, "method_not_allowed",
		    ERR_NOT_FOUND);
	}
	if (route == NULL)
		return answer_error(req, 404, "not_found", ERR_NOT_FOUND);
	req->route = route;
	(void)route_match(route->pattern, url, req);

	cl = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);
	te = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_TRANSFER_ENCODING);
	if (cl != NULL && strparse_u64(cl, UINT64_MAX, &declared) != 0)
		return answer_error(req, 400, "bad_request", ERR_FORMAT);
	if (declared > route->body_max) {
		/* Answered before a byte of the body is read. */
		snprintf(req->note, sizeof(req->note), "declared %llu",
		    (unsigned long long)declared);
		return answer_error(req, 413, "too_large", ERR_TOO_LARGE);
	}
	/* A body must announce its length, so that one too large is
	 * refused with a proper 413 before any of it is read (MHD cannot
	 * answer in mid-body; a chunked body would just be cut). */
	if (te != NULL)
		return answer_error(req, 411, "length_required", ERR_FORMAT);
	if (declared > 0) {
		if (route->body_max == 0)
			return answer_error(req, 413, "too_large",
			    ERR_TOO_LARGE);
		if (!json_content_type(MHD_lookup_connection_value(req->conn,
		    MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE)))
			return answer_error(req, 415, "unsupported_media_type",
			    ERR_UNSUPPORTED);
	}
	if (route->body_max > 0 &&
	    (req->body = vbuf_new(route->body_max)) == NULL)
		return answer_error(req, 500, "internal", ERR_NOMEM);
	return MHD_YES;
}

/* Last call: the whole request is in; run the handler. */
static enum MHD_Result
access_last(struct http_request *req)
{
	int r;

	track_set(req->srv, req->track, 0);
	r = req->route->handler(req, &req->res, req->srv->cfg->app);
	if (r == 0 && req->res.status == 0)
		r = ERR_INTERNAL;	/* handler forgot to answer */
	if (r != 0)
		return answer_error(req, 0, NULL, r);
	return answer(req, req->res.status, req->res.body, req->res.len,
	    req->res.h, req->res.n_h);
}

static enum MHD_Result
on_access(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct http_server *srv = cls;
	struct http_request *req = *con_cls;
	int r;

	(void)conn;
	(void)version;
	if (req == NULL)
		return MHD_NO;		/* no memory for the request: drop */
	if (!req->started)
		return access_first(req, url, method);
	if (req->answered) {
		/* Refused early: do not read the rest of what was sent. */
		return *upload_data_size == 0 ? MHD_YES : MHD_NO;
	}
	if (*upload_data_size > 0) {
		if (clock_now_us() - req->t0_us >
		    (int64_t)srv->timeout_s * 1000000) {
			copy_cut(req->note, sizeof(req->note), "body too slow");
			req->err = ERR_TIMEOUT;
			req->status = 408;
			return MHD_NO;
		}
		if (req->body == NULL ||
		    (r = vbuf_put(req->body, upload_data,
		    *upload_data_size)) != 0) {
			/* Cannot happen while MHD holds the client to its
			 * Content-Length (checked in access_first); if it
			 * does, drop the connection: MHD cannot answer in
			 * mid-body. */
			copy_cut(req->note, sizeof(req->note),
			    "body over the limit");
			req->err = ERR_TOO_LARGE;
			return MHD_NO;
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	return access_last(req);
}

__attribute__((format(printf, 2, 0)))
static void
mhd_logger(void *cls, const char *fmt, va_list ap)
{
	char buf[256];
	size_t n;

	(void)cls;
	if (vsnprintf(buf, sizeof(buf), fmt, ap) < 0)
		return;
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	log_warn("http.mhd", LOG_S("message", buf));
}

/* ---- start and stop ---- */

static int
routes_ok(const struct http_config *cfg)
{
	size_t i;

	if (cfg->routes == NULL || cfg->n_routes == 0)
		return 0;
	for (i = 0; i < cfg->n_routes; i++) {
		const struct http_route *r = &cfg->routes[i];

		if (r->method == NULL || r->pattern == NULL ||
		    r->handler == NULL || r->pattern[0] != '/' ||
		    r->body_max > LIMIT_HTTP_BODY_MAX ||
		    strlen(r->method) >= 16)
			return 0;
	}
	return 1;
}

int
http_server_start(const struct http_config *cfg, struct http_server **out)
{
	struct http_server *srv = NULL;
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	    MHD_USE_ITC;
	const union MHD_DaemonInfo *di;
	int tls, mu_init = 0;
	int r = ERR_INTERNAL;

	REQUIRE(cfg != NULL && out != NULL);
	*out = NULL;
	memset(&ss, 0, sizeof(ss));
	if (cfg->address == NULL || !routes_ok(cfg) ||
	    cfg->timeout_s > LIMIT_HTTP_TIMEOUT_S ||
	    (cfg->tls_cert_pem == NULL) != (cfg->tls_key_pem == NULL)) {
		r = ERR_INVALID_ARG;
		goto out;
	}
	if (inet_pton(AF_INET, cfg->address, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(cfg->port);
	} else if (inet_pton(AF_INET6, cfg->address, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(cfg->port);
		flags |= MHD_USE_IPv6;
	} else {
		r = ERR_INVALID_ARG;
		goto out;
	}
	tls = cfg->tls_cert_pem != NULL;
	if (tls && !http_tls_supported()) {
		r = ERR_UNSUPPORTED;
		goto out;
	}
	if ((srv = calloc(1, sizeof(*srv))) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	srv->cfg = cfg;
	srv->timeout_s = cfg->timeout_s == 0 ? LIMIT_HTTP_TIMEOUT_S :
	    cfg->timeout_s;
	if (snprintf(srv->id_prefix, sizeof(srv->id_prefix), "%llx",
	    (unsigned long long)(clock_now_us() & 0xffffffffffffULL)) < 0)
		srv->id_prefix[0] = '\0';
	if (pthread_mutex_init(&srv->mu, NULL) != 0)
		goto out;
	mu_init = 1;
	if (tls) {
		flags |= MHD_USE_TLS;
		if ((srv->cert = strdup(cfg->tls_cert_pem)) == NULL ||
		    (srv->key = strdup(cfg->tls_key_pem)) == NULL) {
			r = ERR_NOMEM;
			goto out;
		}
	}
	srv->d = MHD_start_daemon(flags, 0, NULL, NULL, on_access, srv,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)LIMIT_HTTP_THREADS,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)LIMIT_HTTP_CONNECTIONS_MAX,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (unsigned)LIMIT_HTTP_PER_IP_CONNECTIONS,
	    MHD_OPTION_CONNECTION_TIMEOUT, srv->timeout_s,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)LIMIT_HTTP_MEMORY_PER_CONN,
	    MHD_OPTION_STRICT_FOR_CLIENT, (int)1,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, srv,
	    MHD_OPTION_URI_LOG_CALLBACK, uri_logged, srv,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, srv,
	    MHD_OPTION_NOTIFY_CONNECTION, conn_notify, srv,
	    tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, srv->cert,
	    MHD_OPTION_HTTPS_MEM_KEY, srv->key,
	    MHD_OPTION_HTTPS_PRIORITIES,
	    "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2",
	    MHD_OPTION_END);
	if (srv->d == NULL) {
		log_error("http.start_failed", LOG_S("address", cfg->address),
		    LOG_I("port", cfg->port), LOG_B("tls", tls));
		r = ERR_IO;
		goto out;
	}
	di = MHD_get_daemon_info(srv->d, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = di != NULL ? di->port : cfg->port;
	if (pthread_create(&srv->watchdog, NULL, watchdog_main, srv) != 0)
		goto out;
	srv->watchdog_running = 1;
	log_info("http.listening", LOG_S("address", cfg->address),
	    LOG_I("port", srv->port), LOG_B("tls", tls),
	    LOG_I("timeout_s", srv->timeout_s));
	*out = srv;
	srv = NULL;
	r = 0;
 out:
	if (srv != NULL) {
		if (srv->d != NULL)
			MHD_stop_daemon(srv->d);
		if (mu_init)
			pthread_mutex_destroy(&srv->mu);
		free(srv->cert);
		free(srv->key);
		free(srv);
	}
	return r;
}

uint16_t
http_server_port(const struct http_server *srv)
{
	REQUIRE(srv != NULL);
	return srv->port;
}

void
http_server_stop(struct http_server *srv, unsigned grace_s)
{
	struct timespec ts = { 0, 50 * 1000000L };
	MHD_socket lfd;
	int64_t until;

	if (srv == NULL)
		return;
	/* Stop accepting: the listening socket is ours to close now. */
	lfd = MHD_quiesce_daemon(srv->d);
	if (lfd != MHD_INVALID_SOCKET)
		close(lfd);
	until = clock_now_us() + (int64_t)grace_s * 1000000;
	while (atomic_load(&srv->in_flight) > 0 && clock_now_us() < until)
		nanosleep(&ts, NULL);
	log_info("http.stopping",
	    LOG_I("unfinished", atomic_load(&srv->in_flight)));
	atomic_store(&srv->stopping, 1);
	if (srv->watchdog_running)
		pthread_join(srv->watchdog, NULL);
	MHD_stop_daemon(srv->d);
	pthread_mutex_destroy(&srv->mu);
	free(srv->cert);
	if (srv->key != NULL)
		explicit_bzero(srv->key, strlen(srv->key));
	free(srv->key);
	free(srv);
}

/* ---- handler API ---- */

const char *
http_request_method(const struct http_request *req)
{
	REQUIRE(req != NULL);
	return req->method;
}

const char *
http_request_path(const struct http_request *req)
{
	REQUIRE(req != NULL);
	return req->path;
}

const char *
http_request_id(const struct http_request *req)
{
	REQUIRE(req != NULL);
	return req->id;
}

const char *
http_request_param(const struct http_request *req, const char *name)
{
	size_t i, n;

	REQUIRE(req != NULL && name != NULL);
	n = strlen(name);
	for (i = 0; i < req->n_params; i++)
		if (req->pname_len[i] == n &&
		    memcmp(req->pnames[i], name, n) == 0)
			return req->pvals[i];
	return NULL;
}

struct count_ctx {
	const char *name;	/* key looked for */
	unsigned n;		/* times seen */
};

static enum MHD_Result
count_key(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct count_ctx *c = cls;

	(void)kind;
	(void)value;
	if (key != NULL && strcasecmp(key, c->name) == 0)
		c->n++;
	return MHD_YES;
}

static int
lookup(const struct http_request *req, enum MHD_ValueKind kind,
    const char *name, size_t max, const char **out)
{
	struct count_ctx c = { name, 0 };
	const char *v;
	size_t n;

	REQUIRE(req != NULL && name != NULL && out != NULL);
	*out = NULL;
	(void)MHD_get_connection_values(req->conn, kind, count_key, &c);
	if (c.n == 0 ||
	    (v = MHD_lookup_connection_value(req->conn, kind, name)) == NULL)
		return ERR_NOT_FOUND;
	if (c.n > 1)
		return ERR_FORMAT;
	n = strlen(v);
	if (n > max)
		return ERR_TOO_LARGE;
	if (!text_is_line(v, n))
		return ERR_FORMAT;
	*out = v;
	return 0;
}

int
http_request_query(const struct http_request *req, const char *name,
    size_t max, const char **out)
{
	return lookup(req, MHD_GET_ARGUMENT_KIND, name, max, out);
}

int
http_request_header(const struct http_request *req, const char *name,
    size_t max, const char **out)
{
	return lookup(req, MHD_HEADER_KIND, name, max, out);
}

const uint8_t *
http_request_body(const struct http_request *req, size_t *len)
{
	REQUIRE(req != NULL && len != NULL);
	*len = 0;
	if (req->body == NULL || vbuf_len(req->body) == 0)
		return NULL;
	*len = vbuf_len(req->body);
	return vbuf_ptr(req->body);
}

const char *
http_request_client(const struct http_request *req)
{
	REQUIRE(req != NULL);
	return req->client;
}

const char *
http_request_client_key(const struct http_request *req)
{
	REQUIRE(req != NULL);
	return req->client_key;
}

void
http_request_note(struct http_request *req, const char *note)
{
	REQUIRE(req != NULL && note != NULL);
	copy_cut(req->note, sizeof(req->note), note);
}

int
http_response_json(struct http_response *res, int status, const char *body,
    size_t len)
{
	char *copy;

	REQUIRE(res != NULL && (body != NULL || len == 0));
	if (status < 200 || status > 599)
		return ERR_INVALID_ARG;
	if ((copy = malloc(len + 1)) == NULL)
		return ERR_NOMEM;
	if (len > 0)
		memcpy(copy, body, len);
	copy[len] = '\0';
	free(res->body);
	res->body = copy;
	res->len = len;
	res->status = status;
	return 0;
}

static int
header_name_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	for (i = 0; security_headers[i][0] != NULL; i++)
		if (strcasecmp(s, security_headers[i][0]) == 0)
			return 0;
	return strcasecmp(s, "X-Request-Id") != 0;
}

int
http_response_header(struct http_response *res, const char *name,
    const char *value)
{
	size_t i, n;

	REQUIRE(res != NULL && name != NULL && value != NULL);
	if (!header_name_ok(name))
		return ERR_FORMAT;
	n = strlen(value);
	if (n > 1024)
		return ERR_TOO_LARGE;
	for (i = 0; i < n; i++)
		if (value[i] < 0x20 || value[i] > 0x7e)
			return ERR_FORMAT;
	if (res->n_h >= HTTP_HEADERS_MAX)
		return ERR_TOO_LARGE;
	res->h[res->n_h].name = strdup(name);
	res->h[res->n_h].value = strdup(value);
	if (res->h[res->n_h].name == NULL || res->h[res->n_h].value == NULL) {
		free(res->h[res->n_h].name);
		free(res->h[res->n_h].value);
		res->h[res->n_h].name = res->h[res->n_h].value = NULL;
		return ERR_NOMEM;
	}
	res->n_h++;
	return 0;
}

int
http_response_retry_after(struct http_response *res, unsigned secs)
{
	char v[16];

	if (snprintf(v, sizeof(v), "%u", secs) < 0)
		return ERR_INTERNAL;
	return http_response_header(res, "Retry-After", v);
}
