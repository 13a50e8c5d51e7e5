/*
 * server_main.c - `ippyo-server`: the HTTP API (docs/PROTOCOL-http.md).
 *
 *	ippyo-server [--config FILE]
 *
 * Configuration: FILE (or IPPYO_CONFIG), then IPPYO_* variables
 * (web/config.h).  Logs are JSON lines on stderr; bodies are never
 * logged.  SIGTERM or SIGINT: stop accepting, let requests in flight
 * finish (up to LIMIT_HTTP_TIMEOUT_S), exit 0.  Exit 1 when the server
 * cannot start, 2 for a usage or configuration error.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/limits.h"
#include "core/log.h"
#include "web/api_ballot.h"
#include "web/server.h"

#define PEM_MAX (64u * 1024)

/* The route table: method, pattern, handler, largest body accepted. */
static const struct http_route routes[] = {
	{ "GET", "/health", api_health, 0 },
	{ "POST", "/api/v1/nonce", api_nonce, 1024 },
	{ "GET", "/api/v1/receipt-key", api_receipt_key, 0 },
	{ "GET", "/api/v1/elections/{id}", api_election_get, 0 },
	{ "POST", "/api/v1/elections/{id}/ballots", api_ballot_cast,
	    LIMIT_HTTP_BODY_MAX },
	{ "POST", "/api/v1/elections/{id}/alias", api_alias, 16384 },
	{ "GET", "/api/v1/elections/{id}/board", api_board, 0 },
	{ "GET", "/api/v1/elections/{id}/board/{code}", api_board_code, 0 },
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: ippyo-server [--config FILE]\n\n"
	    "Serves the Ippyo HTTP API; see docs/PROTOCOL-http.md for the\n"
	    "configuration keys and IPPYO_* environment variables.\n");
}

/* Reads a PEM file (at most PEM_MAX bytes) into a NUL-terminated string. */
static int
read_pem(const char *path, char **out)
{
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd = -1, r = ERR_INTERNAL;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return ERR_IO;
	if ((buf = malloc(PEM_MAX + 1)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	for (;;) {
		n = read(fd, buf + len, PEM_MAX + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = ERR_IO;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > PEM_MAX) {
			r = ERR_TOO_LARGE;
			goto out;
		}
	}
	if (len == 0 || memchr(buf, '\0', len) != NULL) {
		r = ERR_FORMAT;
		goto out;
	}
	buf[len] = '\0';
	*out = buf;
	buf = NULL;
	r = 0;
 out:
	if (buf != NULL) {
		explicit_bzero(buf, PEM_MAX + 1);
		free(buf);
	}
	close(fd);
	return r;
}

static void
free_pem(char *p)
{
	if (p != NULL) {
		explicit_bzero(p, strlen(p));
		free(p);
	}
}

int
main(int argc, char **argv)
{
	struct config cfg;
	struct server_app app;
	struct http_config hc;
	struct http_server *srv = NULL;
	const char *cfg_path = getenv("IPPYO_CONFIG"), *why = NULL;
	char *cert = NULL, *key = NULL;
	sigset_t sigs;
	size_t line = 0;
	int i, sig = 0, rc = 1, r;

	memset(&app, 0, sizeof(app));
	memset(&hc, 0, sizeof(hc));
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			cfg_path = argv[++i];
			continue;
		}
		usage(stderr);
		return 2;
	}
	config_defaults(&cfg);
	if (cfg_path != NULL && (r = config_load(cfg_path, &cfg, &line)) != 0) {
		log_error("server.config_invalid", LOG_S("file", cfg_path),
		    LOG_I("line", line), LOG_E("err", r));
		fprintf(stderr, "ippyo-server: %s: line %zu: %s\n", cfg_path,
		    line, err_str(r));
		return 2;
	}
	if ((r = config_from_env(&cfg, &why)) != 0) {
		log_error("server.config_invalid", LOG_S("variable", why),
		    LOG_E("err", r));
		fprintf(stderr, "ippyo-server: %s: %s\n", why, err_str(r));
		return 2;
	}
	if ((r = config_check(&cfg, &why)) != 0) {
		fprintf(stderr, "ippyo-server: %s\n", why);
		return 2;
	}
	if (cfg.tls_cert[0] != '\0') {
		if ((r = read_pem(cfg.tls_cert, &cert)) != 0 ||
		    (r = read_pem(cfg.tls_key, &key)) != 0) {
			log_error("server.tls_files", LOG_E("err", r));
			fprintf(stderr, "ippyo-server: cannot read the TLS "
			    "certificate or key: %s\n", err_str(r));
			rc = 2;
			goto out;
		}
	}
	app.cfg = &cfg;
	if ((r = dbpool_new(cfg.database_url, LIMIT_HTTP_THREADS,
	    &app.pool)) != 0 ||
	    (r = ratelimit_new(SERVER_RATE_KEYS, cfg.rate_per_addr,
	    LIMIT_RATE_WINDOW_S, &app.per_addr)) != 0 ||
	    (r = ratelimit_new(SERVER_RATE_KEYS, LIMIT_RATE_BALLOTS_PER_VOTER,
	    LIMIT_RATE_WINDOW_S, &app.per_voter)) != 0) {
		log_error("server.init_failed", LOG_E("err", r));
		goto out;
	}
	/* Casting needs the trust settings and a receipt key; without them
	 * the ballot endpoint answers 503 and the rest still serve. */
	if ((r = api_ballot_init(cfg.origin)) != 0)
		log_warn("server.casting_disabled", LOG_E("err", r));
	else if ((r = api_ballot_checkpoints_start(cfg.database_url)) != 0)
		log_warn("server.no_checkpoints", LOG_E("err", r));

	/* Block the stop signals in every thread; main waits for them. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	hc.address = cfg.listen_address;
	hc.port = cfg.listen_port;
	hc.tls_cert_pem = cert;
	hc.tls_key_pem = key;
	hc.timeout_s = cfg.timeout_s;
	hc.routes = routes;
	hc.n_routes = sizeof(routes) / sizeof(routes[0]);
	hc.app = &app;
	hc.admit = server_admit;
	if ((r = http_server_start(&hc, &srv)) != 0) {
		log_error("server.start_failed", LOG_E("err", r));
		fprintf(stderr, "ippyo-server: cannot listen on %s port %u: "
		    "%s\n", cfg.listen_address, (unsigned)cfg.listen_port,
		    err_str(r));
		goto out;
	}
	log_info("server.ready", LOG_I("port", http_server_port(srv)),
	    LOG_B("tls", cert != NULL),
	    LOG_S("origin", cfg.origin[0] ? cfg.origin : NULL));
	while (sigwait(&sigs, &sig) != 0)
		;
	log_info("server.stopping", LOG_I("signal", sig));
	http_server_stop(srv, LIMIT_HTTP_TIMEOUT_S);
	srv = NULL;
	log_info("server.stopped");
	rc = 0;
 out:
	http_server_stop(srv, 0);
	api_ballot_fini();
	ratelimit_free(app.per_voter);
	ratelimit_free(app.per_addr);
	dbpool_free(app.pool);
	free_pem(cert);
	free_pem(key);
	explicit_bzero(&cfg, sizeof(cfg));
	return rc;
}
