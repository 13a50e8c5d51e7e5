/*
 * test_http.c - the framework's handler API through a real server on a
 * loopback port: path parameters, query parameters, headers, the body,
 * error mapping, handler bugs.  Hostile clients are the business of
 * tests/integration/web_server.sh.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/limits.h"
#include "core/log.h"
#include "tests/harness/test.h"
#include "web/http.h"

static int
h_echo(struct http_request *req, struct http_response *res, void *app)
{
	char out[512];
	const char *q = NULL, *hd = NULL, *id = http_request_param(req, "id");
	const char *sub = http_request_param(req, "sub");
	int rq, rh, n;
	size_t blen;

	(void)app;
	rq = http_request_query(req, "q", 8, &q);
	rh = http_request_header(req, "X-Test", 16, &hd);
	(void)http_request_body(req, &blen);
	n = snprintf(out, sizeof(out), "{\"id\":\"%s\",\"sub\":\"%s\","
	    "\"q\":\"%s\",\"rq\":\"%s\",\"h\":\"%s\",\"rh\":\"%s\","
	    "\"body\":%zu,\"client\":\"%s\",\"key\":\"%s\"}",
	    id ? id : "-", sub ? sub : "-", q ? q : "-", err_name(rq),
	    hd ? hd : "-", err_name(rh), blen, http_request_client(req),
	    http_request_client_key(req));
	if (n < 0 || (size_t)n >= sizeof(out))
		return ERR_INTERNAL;
	if (http_response_header(res, "X-Echo", "yes") != 0)
		return ERR_INTERNAL;
	return http_response_json(res, 200, out, (size_t)n);
}

static int
h_fail(struct http_request *req, struct http_response *res, void *app)
{
	const char *code = http_request_param(req, "code");

	(void)app;
	if (strcmp(code, "limited") == 0) {
		if (http_response_retry_after(res, 42) != 0)
			return ERR_INTERNAL;
		return ERR_RATE_LIMITED;
	}
	if (strcmp(code, "verify") == 0)
		return ERR_VERIFY;
	if (strcmp(code, "forgot") == 0)
		return 0;	/* a bug: no response set */
	if (strcmp(code, "header") == 0)
		return http_response_header(res, "Content-Type", "text/html");
	return ERR_DB;
}

static const struct http_route routes[] = {
	{ "GET", "/e/{id}", h_echo, 0 },
	{ "GET", "/e/{id}/x/{sub}", h_echo, 0 },
	{ "POST", "/e/{id}", h_echo, 64 },
	{ "GET", "/fail/{code}", h_fail, 0 },
};

static struct http_server *
start(void)
{
	static struct http_config cfg;
	struct http_server *srv = NULL;

	log_set_level(LOG_ERROR);	/* one line per request otherwise */
	memset(&cfg, 0, sizeof(cfg));
	cfg.address = "127.0.0.1";
	cfg.port = 0;
	cfg.timeout_s = 5;
	cfg.routes = routes;
	cfg.n_routes = sizeof(routes) / sizeof(routes[0]);
	if (http_server_start(&cfg, &srv) != 0)
		test_fail(__FILE__, __LINE__, "server did not start");
	return srv;
}

/* Sends raw and reads the whole answer into out (NUL-terminated). */
static void
exchange(uint16_t port, const char *raw, char *out, size_t outlen)
{
	struct sockaddr_in sa;
	struct timeval tv = { 5, 0 };
	size_t got = 0;
	ssize_t n;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	out[0] = '\0';
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		test_fail(__FILE__, __LINE__, "socket");
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    write(fd, raw, strlen(raw)) != (ssize_t)strlen(raw)) {
		close(fd);
		test_fail(__FILE__, __LINE__, "connect/write");
	}
	while (got + 1 < outlen &&
	    (n = read(fd, out + got, outlen - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(fd);
}

static void
get(uint16_t port, const char *target, const char *extra, char *out,
    size_t outlen)
{
	char raw[1024];

	snprintf(raw, sizeof(raw), "GET %s HTTP/1.1\r\nHost: localhost\r\n"
	    "Connection: close\r\n%s\r\n", target, extra);
	exchange(port, raw, out, outlen);
}

TEST(http_path_params_query_headers_and_client)
{
	struct http_server *srv = start();
	uint16_t port = http_server_port(srv);
	char out[4096];

	ASSERT_TRUE(port != 0);
	get(port, "/e/yabu-2027?q=abc", "X-Test: hello\r\n", out, sizeof(out));
	ASSERT_TRUE(strncmp(out, "HTTP/1.1 200", 12) == 0);
	ASSERT_NOT_NULL(strstr(out, "\"id\":\"yabu-2027\""));
	ASSERT_NOT_NULL(strstr(out, "\"sub\":\"-\""));
	ASSERT_NOT_NULL(strstr(out, "\"q\":\"abc\",\"rq\":\"ERR_OK\""));
	ASSERT_NOT_NULL(strstr(out, "\"h\":\"hello\",\"rh\":\"ERR_OK\""));
	ASSERT_NOT_NULL(strstr(out, "\"client\":\"127.0.0.1\""));
	ASSERT_NOT_NULL(strstr(out, "\"key\":\"127.0.0.1\""));
	ASSERT_NOT_NULL(strstr(out, "X-Echo: yes"));
	ASSERT_NOT_NULL(strstr(out, "X-Content-Type-Options: nosniff"));

	get(port, "/e/a/x/b.c", "", out, sizeof(out));
	ASSERT_NOT_NULL(strstr(out, "\"id\":\"a\",\"sub\":\"b.c\""));
	/* Query: absent, too long, given twice. */
	get(port, "/e/a", "", out, sizeof(out));
	ASSERT_NOT_NULL(strstr(out, "\"rq\":\"ERR_NOT_FOUND\""));
	ASSERT_NOT_NULL(strstr(out, "\"rh\":\"ERR_NOT_FOUND\""));
	get(port, "/e/a?q=123456789", "", out, sizeof(out));
	ASSERT_NOT_NULL(strstr(out, "\"rq\":\"ERR_TOO_LARGE\""));
	get(port, "/e/a?q=1&q=2", "", out, sizeof(out));
	ASSERT_NOT_NULL(strstr(out, "\"rq\":\"ERR_FORMAT\""));
	http_server_stop(srv, 1);
}

TEST(http_params_outside_their_alphabet_do_not_route)
{
	struct http_server *srv = start();
	uint16_t port = http_server_port(srv);
	char out[4096];

	get(port, "/e/a%20b", "", out, sizeof(out));
	ASSERT_TRUE(strncmp(out, "HTTP/1.1 404", 12) == 0);
	get(port, "/e/", "", out, sizeof(out));
	ASSERT_TRUE(strncmp(out, "HTTP/1.1 404", 12) == 0);
	get(port, "/e/a/", "", out, sizeof(out));
	ASSERT_TRUE(strncmp(out, "HTTP/1.1 404", 12) == 0);
	get(port, "/e/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    "", out, sizeof(out));	/* 65 bytes: over LIMIT_ID_LEN_MAX */
	ASSERT_TRUE(strncmp(out, "HTTP/1.1 404", 12) == 0);
	get(port, "/e/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    "", out, sizeof(out));
	ASSERT_TRUE(strncmp(out, "HTTP/1.1 200", 12) == 0);
	http_server_stop(srv, 1);
}

TEST(http_handler_errors_are_coarse)
{
	struct http_server *srv = start();
	uint16_t port = http_server_port(srv);
	char out[4096];

	get(port, "/fail/limited", "", out, sizeof(out));
	ASSERT_TRUE(strncmp(out, "HTTP/1.1 429", 12) == 0);
	ASSERT_NOT_NULL(strstr(out, "Retry-After: 42"));
	ASSERT_NOT_NULL(strstr(out, "{\"error\":\"rate_limited\"}"));
	get(port, "/fail/verify", "", out, sizeof(out));
	ASSERT_TRUE(strncmp(out, "HTTP/1.1 403", 12) == 0);
	ASSERT_NOT_NULL(strstr(out, "{\"error\":\"forbidden\"}"));
	get(port, "/fail/db", "", out, sizeof(out));
	ASSERT_TRUE(strncmp(out, "HTTP/1.1 500", 12) == 0);
	ASSERT_NOT_NULL(strstr(out, "{\"error\":\"internal\"}"));
	get(port, "/fail/forgot", "", out, sizeof(out));
	ASSERT_TRUE(strncmp(out, "HTTP/1.1 500", 12) == 0);
	/* A handler cannot replace a security header. */
	get(port, "/fail/header", "", out, sizeof(out));
	ASSERT_TRUE(strncmp(out, "HTTP/1.1 400", 12) == 0);
	ASSERT_NULL(strstr(out, "text/html"));
	http_server_stop(srv, 1);
}

TEST(http_body_reaches_the_handler_within_its_limit)
{
	struct http_server *srv = start();
	uint16_t port = http_server_port(srv);
	char out[4096];

	exchange(port, "POST /e/a HTTP/1.1\r\nHost: localhost\r\n"
	    "Connection: close\r\nContent-Type: application/json\r\n"
	    "Content-Length: 10\r\n\r\n{\"a\":123}\n", out, sizeof(out));
	ASSERT_TRUE(strncmp(out, "HTTP/1.1 200", 12) == 0);
	ASSERT_NOT_NULL(strstr(out, "\"body\":10"));
	exchange(port, "POST /e/a HTTP/1.1\r\nHost: localhost\r\n"
	    "Connection: close\r\nContent-Type: application/json\r\n"
	    "Content-Length: 65\r\n\r\n", out, sizeof(out));
	ASSERT_TRUE(strncmp(out, "HTTP/1.1 413", 12) == 0);
	exchange(port, "POST /e/a HTTP/1.1\r\nHost: localhost\r\n"
	    "Connection: close\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 2\r\n\r\n{}", out, sizeof(out));
	ASSERT_TRUE(strncmp(out, "HTTP/1.1 415", 12) == 0);
	/* GET routes take no body. */
	exchange(port, "GET /e/a HTTP/1.1\r\nHost: localhost\r\n"
	    "Connection: close\r\nContent-Type: application/json\r\n"
	    "Content-Length: 2\r\n\r\n{}", out, sizeof(out));
	ASSERT_TRUE(strncmp(out, "HTTP/1.1 413", 12) == 0);
	http_server_stop(srv, 1);
}

TEST(http_start_refuses_bad_configuration)
{
	struct http_config cfg;
	struct http_server *srv = NULL;

	memset(&cfg, 0, sizeof(cfg));
	cfg.address = "localhost";	/* numeric only */
	cfg.routes = routes;
	cfg.n_routes = 1;
	ASSERT_ERR(http_server_start(&cfg, &srv), ERR_INVALID_ARG);
	cfg.address = "127.0.0.1";
	cfg.timeout_s = LIMIT_HTTP_TIMEOUT_S + 1;
	ASSERT_ERR(http_server_start(&cfg, &srv), ERR_INVALID_ARG);
	cfg.timeout_s = 0;
	cfg.tls_cert_pem = "x";
	ASSERT_ERR(http_server_start(&cfg, &srv), ERR_INVALID_ARG);
	cfg.tls_key_pem = "not a key";
	ASSERT_ERR(http_server_start(&cfg, &srv), ERR_IO);
	ASSERT_NULL(srv);
	http_server_stop(NULL, 0);
}
