/*
 * log.h - structured logging: one JSON object per line.
 *
 *	log_info("db.migrate", LOG_I("version", 3), LOG_S("name", n));
 *
 * writes
 *
 *	{"ts":"2026-11-21T15:30:00.123Z","level":"info","event":"db.migrate",
 *	 "version":3,"name":"init"}
 *
 * Values are escaped so that every line is valid JSON whatever the bytes
 * (invalid UTF-8 becomes U+FFFD).  There is deliberately no field type for
 * raw bytes: PINs, passphrases, key material and plaintext votes have no
 * way in.  Lines longer than LIMIT_LOG_LINE_MAX are cut at a field
 * boundary and marked "truncated":true.
 *
 * The log goes to stderr unless log_set_fd() says otherwise; the level
 * threshold comes from IPPYO_LOG_LEVEL (debug, info, warn, error) or
 * log_set_level().  Thread-safe: each line is one write(2).
 */
#ifndef IPPYO_CORE_LOG_H
#define IPPYO_CORE_LOG_H

#include <stdint.h>

enum log_level {
	LOG_DEBUG = 0,
	LOG_INFO = 1,
	LOG_WARN = 2,
	LOG_ERROR = 3
};

enum log_type {
	LOG_T_END = 0,		/* terminates the field list */
	LOG_T_STR,		/* text; escaped */
	LOG_T_INT,		/* signed 64-bit integer */
	LOG_T_BOOL,		/* true / false */
	LOG_T_ERR		/* an err code: written as its name */
};

struct log_field {
	const char *key;	/* field name; a literal */
	enum log_type type;	/* which member of v is set */
	union {
		const char *s;	/* LOG_T_STR (NULL writes null) */
		int64_t i;	/* LOG_T_INT, LOG_T_BOOL, LOG_T_ERR */
	} v;
};

#define LOG_S(k, x) ((struct log_field){ .key = (k), .type = LOG_T_STR, .v.s = (x) })
#define LOG_I(k, x) ((struct log_field){ .key = (k), .type = LOG_T_INT, .v.i = (int64_t)(x) })
#define LOG_B(k, x) ((struct log_field){ .key = (k), .type = LOG_T_BOOL, .v.i = !!(x) })
#define LOG_E(k, x) ((struct log_field){ .key = (k), .type = LOG_T_ERR, .v.i = (x) })
#define LOG_END_ ((struct log_field){ .key = 0, .type = LOG_T_END, .v.i = 0 })

#define log_debug(...) log_emit(LOG_DEBUG, __VA_ARGS__, LOG_END_)
#define log_info(...) log_emit(LOG_INFO, __VA_ARGS__, LOG_END_)
#define log_warn(...) log_emit(LOG_WARN, __VA_ARGS__, LOG_END_)
#define log_error(...) log_emit(LOG_ERROR, __VA_ARGS__, LOG_END_)

/* Writes one line: event name, then struct log_field values to LOG_END_. */
void log_emit(enum log_level level, const char *event, ...);

/*
 * Formats one line into out (at most outlen bytes including the NUL) with
 * the given fields and timestamp; returns the length.  Used by log_emit
 * and by tests.
 */
size_t log_format(char *out, size_t outlen, enum log_level level,
    const char *ts, const char *event, const struct log_field *f, int n);

void log_set_level(enum log_level level);
void log_set_fd(int fd);

/* For tests: a fixed timestamp instead of the clock (NULL restores it). */
void log_set_fixed_time(const char *ts);

#endif /* IPPYO_CORE_LOG_H */
