/*
 * log.c - one JSON object per line.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/text.h"

static int log_fd = 2;
static int log_level_set = -1;		/* -1: read IPPYO_LOG_LEVEL once */
static const char *log_fixed_ts;

static const char *const level_names[] = { "debug", "info", "warn", "error" };

void
log_set_level(enum log_level level)
{
	log_level_set = (int)level;
}

void
log_set_fd(int fd)
{
	log_fd = fd;
}

void
log_set_fixed_time(const char *ts)
{
	log_fixed_ts = ts;
}

static int
log_threshold(void)
{
	const char *e;
	int i;

	if (log_level_set >= 0)
		return log_level_set;
	log_level_set = LOG_INFO;
	if ((e = getenv("IPPYO_LOG_LEVEL")) != NULL) {
		for (i = 0; i < 4; i++)
			if (strcmp(e, level_names[i]) == 0)
				log_level_set = i;
	}
	return log_level_set;
}

/* A small bounded writer: never overruns, remembers overflow. */
struct out {
	char *p;		/* destination */
	size_t cap;		/* bytes available including NUL */
	size_t len;		/* bytes written so far */
	int full;		/* something did not fit */
};

static void
out_bytes(struct out *o, const char *s, size_t n)
{
	if (o->full || n > o->cap - 1 - o->len) {
		o->full = 1;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

static void
out_str(struct out *o, const char *s)
{
	out_bytes(o, s, strlen(s));
}

static void
out_json_string(struct out *o, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, k;
	char esc[8];

	out_bytes(o, "\"", 1);
	while (i < n) {
		unsigned char c = u[i];

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			out_bytes(o, esc, 2);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			out_bytes(o, esc, 6);
			i++;
		} else if ((k = text_utf8_char(u + i, n - i, NULL)) == 0) {
			out_str(o, "\\ufffd");
			i++;
		} else {
			out_bytes(o, s + i, k);
			i += k;
		}
	}
	out_bytes(o, "\"", 1);
}

static void
out_field(struct out *o, const struct log_field *f)
{
	char num[32];

	out_bytes(o, ",", 1);
	out_json_string(o, f->key != NULL ? f->key : "?");
	out_bytes(o, ":", 1);
	switch (f->type) {
	case LOG_T_STR:
		if (f->v.s == NULL)
			out_str(o, "null");
		else
			out_json_string(o, f->v.s);
		break;
	case LOG_T_INT:
		snprintf(num, sizeof(num), "%" PRId64, f->v.i);
		out_str(o, num);
		break;
	case LOG_T_BOOL:
		out_str(o, f->v.i ? "true" : "false");
		break;
	case LOG_T_ERR:
		out_json_string(o, err_name((int)f->v.i));
		break;
	default:
		out_str(o, "null");
		break;
	}
}

size_t
log_format(char *buf, size_t buflen, enum log_level level, const char *ts,
    const char *event, const struct log_field *f, int n)
{
	static const char tail_cut[] = ",\"truncated\":true}\n";
	struct out o = { buf, buflen, 0, 0 };
	int i;

	if (buflen < 64)
		return 0;
	/* Reserve room for the truncation tail so a cut line is valid JSON. */
	o.cap = buflen - (sizeof(tail_cut) - 1);
	buf[0] = '\0';
	out_str(&o, "{\"ts\":");
	out_json_string(&o, ts);
	out_str(&o, ",\"level\":");
	out_json_string(&o, level_names[(unsigned)level & 3]);
	out_str(&o, ",\"event\":");
	out_json_string(&o, event != NULL ? event : "?");
	if (o.full) {
		buf[0] = '\0';
		return 0;
	}
	for (i = 0; i < n; i++) {
		size_t save = o.len;

		out_field(&o, &f[i]);
		if (o.full) {
			/* Drop the partial field and mark the line cut. */
			o.len = save;
			buf[o.len] = '\0';
			o.cap = buflen;
			o.full = 0;
			out_str(&o, tail_cut);
			return o.len;
		}
	}
	o.cap = buflen;
	out_str(&o, "}\n");
	return o.len;
}

static void
log_now(char *ts, size_t len)
{
	struct timespec now;
	struct tm tm;

	if (log_fixed_ts != NULL) {
		snprintf(ts, len, "%s", log_fixed_ts);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	snprintf(ts, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, now.tv_nsec / 1000000);
}

void
log_emit(enum log_level level, const char *event, ...)
{
	struct log_field f[LIMIT_LOG_FIELDS_MAX];
	char line[LIMIT_LOG_LINE_MAX], ts[96];
	struct log_field x;
	va_list ap;
	size_t len;
	int n = 0;
	ssize_t w;

	if ((int)level < log_threshold())
		return;
	va_start(ap, event);
	for (;;) {
		x = va_arg(ap, struct log_field);
		if (x.type == LOG_T_END || n == LIMIT_LOG_FIELDS_MAX)
			break;
		f[n++] = x;
	}
	va_end(ap);
	log_now(ts, sizeof(ts));
	len = log_format(line, sizeof(line), level, ts, event, f, n);
	if (len == 0)
		return;
	/* One write per line keeps lines whole across threads. */
	w = write(log_fd, line, len);
	(void)w;
}
