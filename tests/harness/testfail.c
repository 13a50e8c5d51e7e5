/*
 * testfail.c - allocation failure injection (see testfail.h).
 */
#include "tests/harness/testfail.h"

static int armed;		/* a failure is pending */
static unsigned long left;	/* allocations to let through first */
static int fired;		/* the pending failure happened */

void
testfail_after(unsigned long n)
{
	armed = 1;
	left = n;
	fired = 0;
}

void
testfail_off(void)
{
	armed = 0;
	fired = 0;
}

int
testfail_fired(void)
{
	return fired;
}

int
crypto_testkit_alloc_fails(void)
{
	if (!armed)
		return 0;
	if (left > 0) {
		left--;
		return 0;
	}
	armed = 0;
	fired = 1;
	return 1;
}
