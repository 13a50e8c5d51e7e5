/*
 * config.c - the strict `key = value` parser and the environment.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/limits.h"
#include "core/misuse.h"
#include "core/strparse.h"
#include "core/text.h"
#include "registry/auth.h"
#include "web/config.h"

enum config_key {
	K_LISTEN_ADDRESS, K_LISTEN_PORT, K_TLS_CERT, K_TLS_KEY,
	K_DATABASE_URL, K_ORIGIN, K_TIMEOUT_S, K_RATE_PER_ADDR, K_COUNT_
};

static const struct {
	const char *name;		/* in the file */
	const char *env;		/* its variable */
} keys[K_COUNT_] = {
	[K_LISTEN_ADDRESS] = { "listen_address", "IPPYO_LISTEN_ADDRESS" },
	[K_LISTEN_PORT] = { "listen_port", "IPPYO_LISTEN_PORT" },
	[K_TLS_CERT] = { "tls_cert", "IPPYO_TLS_CERT" },
	[K_TLS_KEY] = { "tls_key", "IPPYO_TLS_KEY" },
	[K_DATABASE_URL] = { "database_url", "IPPYO_DATABASE_URL" },
	[K_ORIGIN] = { "origin", "IPPYO_ORIGIN" },
	[K_TIMEOUT_S] = { "timeout_s", "IPPYO_HTTP_TIMEOUT_S" },
	[K_RATE_PER_ADDR] = { "rate_per_addr", "IPPYO_RATE_PER_ADDR" },
};

void
config_defaults(struct config *c)
{
	REQUIRE(c != NULL);
	memset(c, 0, sizeof(*c));
	memcpy(c->listen_address, "127.0.0.1", sizeof("127.0.0.1"));
	c->listen_port = 8080;
	c->timeout_s = LIMIT_HTTP_TIMEOUT_S;
	c->rate_per_addr = LIMIT_RATE_PER_ADDR;
}

static int
set_text(char *dst, size_t dstlen, const char *v, size_t n)
{
	if (n >= dstlen)
		return ERR_TOO_LARGE;
	memcpy(dst, v, n);
	dst[n] = '\0';
	return 0;
}

/* Sets key k from value v (n bytes, one line of text, not empty). */
static int
set_value(struct config *c, enum config_key k, const char *v, size_t n)
{
	char buf[CONFIG_VALUE_MAX + 1];
	uint64_t u;
	unsigned char addr[sizeof(struct in6_addr)];
	int r;

	if (n == 0 || n > CONFIG_VALUE_MAX)
		return n == 0 ? ERR_FORMAT : ERR_TOO_LARGE;
	if (!text_is_line(v, n))
		return ERR_FORMAT;
	memcpy(buf, v, n);
	buf[n] = '\0';
	switch (k) {
	case K_LISTEN_ADDRESS:
		if (inet_pton(AF_INET, buf, addr) != 1 &&
		    inet_pton(AF_INET6, buf, addr) != 1)
			return ERR_FORMAT;
		return set_text(c->listen_address, sizeof(c->listen_address),
		    buf, n);
	case K_LISTEN_PORT:
		if ((r = strparse_u64(buf, 65535, &u)) != 0)
			return r;
		c->listen_port = (uint16_t)u;
		return 0;
	case K_TIMEOUT_S:
		if ((r = strparse_u64(buf, LIMIT_HTTP_TIMEOUT_S, &u)) != 0)
			return r;
		if (u == 0)
			return ERR_RANGE;
		c->timeout_s = (unsigned)u;
		return 0;
	case K_RATE_PER_ADDR:
		if ((r = strparse_u64(buf, LIMIT_RATE_PER_ADDR_CONFIG_MAX, &u)) != 0)
			return r;
		if (u == 0)
			return ERR_RANGE;
		c->rate_per_addr = (unsigned)u;
		return 0;
	case K_ORIGIN:
		if (!auth_origin_ok(buf))
			return ERR_FORMAT;
		return set_text(c->origin, sizeof(c->origin), buf, n);
	case K_TLS_CERT:
		return set_text(c->tls_cert, sizeof(c->tls_cert), buf, n);
	case K_TLS_KEY:
		return set_text(c->tls_key, sizeof(c->tls_key), buf, n);
	case K_DATABASE_URL:
		return set_text(c->database_url, sizeof(c->database_url), buf,
		    n);
	default:
		return ERR_INTERNAL;
	}
}

/* Parses one line (without its '\n'). */
static int
parse_line(struct config *c, const char *s, size_t n)
{
	size_t i = 0, kl, vs;
	int k;

	if (n == 0 || s[0] == '#')
		return 0;
	while (i < n && ((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
		i++;
	kl = i;
	if (kl == 0)
		return ERR_FORMAT;
	for (k = 0; k < K_COUNT_; k++)
		if (strlen(keys[k].name) == kl &&
		    memcmp(keys[k].name, s, kl) == 0)
			break;
	if (k == K_COUNT_)
		return ERR_FORMAT;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i >= n || s[i] != '=')
		return ERR_FORMAT;
	i++;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	vs = i;
	if (vs == n || s[n - 1] == ' ' || s[n - 1] == '\t')
		return ERR_FORMAT;
	if (c->seen & (1u << k))
		return ERR_DUPLICATE;
	c->seen |= 1u << k;
	return set_value(c, (enum config_key)k, s + vs, n - vs);
}

int
config_parse(const char *text, size_t len, struct config *c, size_t *line)
{
	size_t pos = 0, ln = 0;
	const char *nl;
	int r;

	REQUIRE(text != NULL || len == 0);
	REQUIRE(c != NULL);
	if (line != NULL)
		*line = 0;
	if (len > CONFIG_FILE_MAX)
		return ERR_TOO_LARGE;
	c->seen = 0;
	while (pos < len) {
		ln++;
		nl = memchr(text + pos, '\n', len - pos);
		if (nl == NULL) {
			r = ERR_FORMAT;		/* no final newline */
			goto fail;
		}
		if (memchr(text + pos, '\0', (size_t)(nl - (text + pos))) !=
		    NULL) {
			r = ERR_FORMAT;
			goto fail;
		}
		if ((r = parse_line(c, text + pos,
		    (size_t)(nl - (text + pos)))) != 0)
			goto fail;
		pos = (size_t)(nl - text) + 1;
	}
	return 0;
 fail:
	if (line != NULL)
		*line = ln;
	return r;
}

int
config_load(const char *path, struct config *c, size_t *line)
{
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd = -1, r = ERR_INTERNAL;

	REQUIRE(path != NULL && c != NULL);
	if (line != NULL)
		*line = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		r = ERR_IO;
		goto out;
	}
	if ((buf = malloc(CONFIG_FILE_MAX + 1)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	for (;;) {
		n = read(fd, buf + len, CONFIG_FILE_MAX + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = ERR_IO;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > CONFIG_FILE_MAX) {
			r = ERR_TOO_LARGE;
			goto out;
		}
	}
	r = config_parse(buf, len, c, line);
 out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return r;
}

int
config_from_env(struct config *c, const char **var)
{
	const char *v;
	int k, r;

	REQUIRE(c != NULL);
	if (var != NULL)
		*var = NULL;
	for (k = 0; k < K_COUNT_; k++) {
		v = getenv(keys[k].env);
		if (v == NULL && k == K_DATABASE_URL &&
		    !(c->seen & (1u << K_DATABASE_URL)))
			v = getenv("DATABASE_URL");
		if (v == NULL)
			continue;
		if ((r = set_value(c, (enum config_key)k, v, strlen(v))) != 0) {
			if (var != NULL)
				*var = keys[k].env;
			return r;
		}
	}
	return 0;
}

int
config_check(const struct config *c, const char **why)
{
	const char *w = NULL;

	REQUIRE(c != NULL);
	if (c->database_url[0] == '\0')
		w = "no database_url (or IPPYO_DATABASE_URL, DATABASE_URL)";
	else if ((c->tls_cert[0] == '\0') != (c->tls_key[0] == '\0'))
		w = "tls_cert and tls_key go together";
	if (why != NULL)
		*why = w;
	return w == NULL ? 0 : ERR_USAGE;
}
