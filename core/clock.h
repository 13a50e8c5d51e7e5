/*
 * clock.h - the wall clock, injectable for tests.
 *
 * Time is microseconds since the Unix epoch, UTC.  Everything that
 * stamps or checks a time (nonce expiry, audit entries, voting windows)
 * asks clock_now_us(), so tests can pin or advance it.
 */
#ifndef IPPYO_CORE_CLOCK_H
#define IPPYO_CORE_CLOCK_H

#include <stddef.h>
#include <stdint.h>

#define CLOCK_TEXT_LEN 28	/* "2026-11-21T15:30:00.123456Z" + NUL */

/* Now, or the fixed time set for a test. */
int64_t clock_now_us(void);

/* Today's date in Japan (UTC+9, no daylight saving), days since epoch. */
int32_t clock_today_jst(void);

/* Tests: pin the clock (clock_unpin() restores the real one). */
void clock_pin_us(int64_t us);
void clock_unpin(void);

/* Formats us as "YYYY-MM-DDTHH:MM:SS.ffffffZ" (always 27 characters). */
void clock_format_us(int64_t us, char out[CLOCK_TEXT_LEN]);

/*
 * Parses exactly that form back.  Returns 0 or ERR_FORMAT; every field is
 * range-checked (no 25:00, no Feb 30).
 */
int clock_parse_us(const char *s, size_t len, int64_t *us)
    __attribute__((warn_unused_result));

/*
 * Calendar dates "YYYY-MM-DD" as days since 1970-01-01 (proleptic
 * Gregorian).  Parse returns 0 or ERR_FORMAT (bad shape or no such date).
 */
int clock_parse_date(const char *s, size_t len, int32_t *days)
    __attribute__((warn_unused_result));
void clock_format_date(int32_t days, char out[11]);
int32_t clock_days_from_civil(int y, unsigned m, unsigned d);
void clock_civil_from_days(int32_t days, int *y, unsigned *m, unsigned *d);
int clock_is_leap(int y);

/* The date `months` calendar months after `days`, clamped to month end. */
int32_t clock_add_months(int32_t days, int months);

#endif /* IPPYO_CORE_CLOCK_H */
