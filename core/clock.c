/*
 * clock.c - wall clock and calendar arithmetic.
 *
 * The civil-date conversions are Howard Hinnant's well-known algorithms
 * (public domain description), valid for the whole proleptic Gregorian
 * calendar.
 */
#include <stdio.h>
#include <time.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/misuse.h"

static int clock_pinned;
static int64_t clock_pinned_us;

int64_t
clock_now_us(void)
{
	struct timespec t;

	if (clock_pinned)
		return clock_pinned_us;
	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

int32_t
clock_today_jst(void)
{
	return (int32_t)((clock_now_us() / 1000000 + 9 * 3600) / 86400);
}

void
clock_pin_us(int64_t us)
{
	clock_pinned = 1;
	clock_pinned_us = us;
}

void
clock_unpin(void)
{
	clock_pinned = 0;
}

int
clock_is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned
days_in_month(int y, unsigned m)
{
	static const unsigned dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };

	return m == 2 && clock_is_leap(y) ? 29 : dm[m - 1];
}

int32_t
clock_days_from_civil(int y, unsigned m, unsigned d)
{
	int era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int32_t)(era * 146097 + (int)doe - 719468);
}

void
clock_civil_from_days(int32_t z, int *y, unsigned *m, unsigned *d)
{
	int era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)yoe + era * 400 + (*m <= 2);
}

int32_t
clock_add_months(int32_t days, int months)
{
	int y, total;
	unsigned m, d, dim;

	clock_civil_from_days(days, &y, &m, &d);
	total = y * 12 + (int)m - 1 + months;
	y = total / 12;
	m = (unsigned)(total % 12) + 1;
	dim = days_in_month(y, m);
	return clock_days_from_civil(y, m, d > dim ? dim : d);
}

/* Reads exactly n decimal digits. */
static int
digits(const char *s, int n, unsigned *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return ERR_FORMAT;
		*v = *v * 10 + (unsigned)(s[i] - '0');
	}
	return 0;
}

int
clock_parse_date(const char *s, size_t len, int32_t *days)
{
	unsigned y, m, d;

	REQUIRE(s != NULL && days != NULL);
	if (len != 10 || s[4] != '-' || s[7] != '-' ||
	    digits(s, 4, &y) != 0 || digits(s + 5, 2, &m) != 0 ||
	    digits(s + 8, 2, &d) != 0)
		return ERR_FORMAT;
	if (y < 1800 || m < 1 || m > 12 || d < 1 ||
	    d > days_in_month((int)y, m))
		return ERR_FORMAT;
	*days = clock_days_from_civil((int)y, m, d);
	return 0;
}

void
clock_format_date(int32_t days, char out[11])
{
	unsigned m, d;
	int y;

	clock_civil_from_days(days, &y, &m, &d);
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, m % 100, d % 100);
}

void
clock_format_us(int64_t us, char out[CLOCK_TEXT_LEN])
{
	int64_t secs = us / 1000000, frac = us % 1000000;
	int32_t days;
	unsigned m, d, sod;
	int y;

	if (frac < 0) {
		frac += 1000000;
		secs--;
	}
	days = (int32_t)(secs / 86400);
	if (secs % 86400 < 0)
		days--;
	sod = (unsigned)(secs - (int64_t)days * 86400);
	clock_civil_from_days(days, &y, &m, &d);
	snprintf(out, CLOCK_TEXT_LEN, "%04u-%02u-%02uT%02u:%02u:%02u.%06uZ",
	    (unsigned)y % 10000u, m % 100, d % 100, (sod / 3600) % 24, (sod / 60) % 60,
	    sod % 60, (unsigned)frac % 1000000);
}

int
clock_parse_us(const char *s, size_t len, int64_t *us)
{
	unsigned hh, mm, ss, ff;
	int32_t days;

	REQUIRE(s != NULL && us != NULL);
	if (len != CLOCK_TEXT_LEN - 1 || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':' || s[19] != '.' || s[26] != 'Z' ||
	    clock_parse_date(s, 10, &days) != 0 ||
	    digits(s + 11, 2, &hh) != 0 || digits(s + 14, 2, &mm) != 0 ||
	    digits(s + 17, 2, &ss) != 0 || digits(s + 20, 6, &ff) != 0 ||
	    hh > 23 || mm > 59 || ss > 59)
		return ERR_FORMAT;
	*us = ((int64_t)days * 86400 + hh * 3600 + mm * 60 + ss) * 1000000 + ff;
	return 0;
}
