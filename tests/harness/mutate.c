/*
 * mutate.c - bit-flip, truncation and extension sweeps.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/harness/mutate.h"

static void
note(struct mutate_report *rep, const char *what, size_t a, size_t b)
{
	rep->accepted++;
	if (rep->accepted == 1)
		snprintf(rep->first, sizeof(rep->first), "%s %zu %zu", what,
		    a, b);
}

void
mutate_sweep(const uint8_t *p, size_t len, unsigned what,
    mutate_accept_fn fn, void *ctx, struct mutate_report *rep)
{
	uint8_t *m;
	size_t i;
	int bit;

	memset(rep, 0, sizeof(*rep));
	if ((m = malloc(len + 1)) == NULL)
		abort();
	if (len > 0)
		memcpy(m, p, len);
	if (fn(m, len, ctx) != 0) {
		rep->accepted = (size_t)-1;
		snprintf(rep->first, sizeof(rep->first), "original rejected");
		free(m);
		return;
	}
	if (what & MUTATE_FLIP) {
		for (i = 0; i < len; i++) {
			for (bit = 0; bit < 8; bit++) {
				m[i] ^= (uint8_t)(1u << bit);
				rep->tried++;
				if (fn(m, len, ctx) == 0)
					note(rep, "flip byte/bit", i,
					    (size_t)bit);
				m[i] ^= (uint8_t)(1u << bit);
			}
		}
	}
	if (what & MUTATE_TRUNCATE) {
		for (i = 0; i < len; i++) {
			/* A fresh copy of exactly i bytes, so ASan sees reads past it. */
			uint8_t *t = malloc(i > 0 ? i : 1);

			if (t == NULL)
				abort();
			if (i > 0)
				memcpy(t, p, i);
			rep->tried++;
			if (fn(t, i, ctx) == 0)
				note(rep, "truncate to", i, 0);
			free(t);
		}
	}
	if (what & MUTATE_EXTEND) {
		m[len] = 0x00;
		rep->tried++;
		if (fn(m, len + 1, ctx) == 0)
			note(rep, "extend with", 0x00, len);
		m[len] = 0xff;
		rep->tried++;
		if (fn(m, len + 1, ctx) == 0)
			note(rep, "extend with", 0xff, len);
	}
	free(m);
}
