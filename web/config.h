/*
 * config.h - ippyo-server's configuration: a file, then the environment.
 *
 * The file is lines of `key = value` (docs/PROTOCOL-http.md lists the
 * keys).  Blank lines and lines starting with '#' are ignored; everything
 * else must be exactly one known key at the start of the line, '=' with
 * optional spaces or tabs around it, and a non-empty value of printable
 * UTF-8 with no trailing space.  Every line, the last included, ends with
 * '\n'.  An unknown key, a key given twice, a bad value or a CR is an
 * error naming the line: a typo never silently falls back to a default.
 *
 * Environment variables then override the file, each with the same
 * checks: IPPYO_LISTEN_ADDRESS, IPPYO_LISTEN_PORT, IPPYO_TLS_CERT,
 * IPPYO_TLS_KEY, IPPYO_DATABASE_URL (else DATABASE_URL), IPPYO_ORIGIN,
 * IPPYO_HTTP_TIMEOUT_S.  The JPKI trust settings are read by
 * registry/trust.h from their own variables.
 *
 * Safe on untrusted input; the struct is plain values, no ownership.
 */
#ifndef IPPYO_WEB_CONFIG_H
#define IPPYO_WEB_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define CONFIG_FILE_MAX (64u * 1024)	/* configuration file */
#define CONFIG_VALUE_MAX 1024		/* one value, bytes */

struct config {
	char listen_address[64];	/* numeric IPv4/IPv6; 127.0.0.1 */
	uint16_t listen_port;		/* 0 = any free port; 8080 */
	char tls_cert[CONFIG_VALUE_MAX + 1];	/* PEM file; "" = no TLS */
	char tls_key[CONFIG_VALUE_MAX + 1];	/* PEM file; with tls_cert */
	char database_url[CONFIG_VALUE_MAX + 1];	/* libpq conninfo */
	char origin[256];		/* https://host[:port] for tokens */
	unsigned timeout_s;		/* 1..LIMIT_HTTP_TIMEOUT_S */
	unsigned rate_per_addr;		/* requests per address per window */
	unsigned seen;			/* keys set from the file (bitmask) */
};

/* The defaults: 127.0.0.1:8080, no TLS, the LIMIT_HTTP_TIMEOUT_S. */
void config_defaults(struct config *c);

/*
 * Applies the file text (len bytes) onto *c.  Returns 0, ERR_FORMAT
 * (syntax, unknown key, bad value), ERR_DUPLICATE (a key twice),
 * ERR_RANGE (a number out of range) or ERR_TOO_LARGE (text over
 * CONFIG_FILE_MAX or a value over its field); *line (may be NULL)
 * receives the 1-based line of the error, 0 when none.  On error *c is
 * left partly updated: discard it.
 */
int config_parse(const char *text, size_t len, struct config *c,
    size_t *line) __attribute__((warn_unused_result));

/* Reads and parses a file.  Adds ERR_IO (unreadable). */
int config_load(const char *path, struct config *c, size_t *line)
    __attribute__((warn_unused_result));

/*
 * Applies the IPPYO_* variables onto *c.  On error *var (may be NULL)
 * names the variable.
 */
int config_from_env(struct config *c, const char **var)
    __attribute__((warn_unused_result));

/*
 * Final checks: a database URL is set, tls_cert and tls_key are both set
 * or both empty.  Returns 0 or ERR_USAGE; *why (may be NULL) says what.
 */
int config_check(const struct config *c, const char **why)
    __attribute__((warn_unused_result));

#endif /* IPPYO_WEB_CONFIG_H */
