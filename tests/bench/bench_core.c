/*
 * bench_core.c - figures for core/: how cheap the bounded buffer is.
 *
 * Prints BENCH lines (docs/PERFORMANCE.md explains the format).  Each
 * figure is the best of several rounds, to keep a noisy machine's
 * slow outliers out of the number.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/err.h"
#include "core/vbuf.h"

static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int
main(void)
{
	enum { N = 1 << 20, ROUNDS = 5 };
	double best = 1e9;
	uint32_t v, sum = 0;
	struct vbuf *b;
	int i, k;

	if ((b = vbuf_new((size_t)N * 4)) == NULL)
		return 1;
	for (k = 0; k < ROUNDS; k++) {
		double t0, t;

		vbuf_reset(b);
		t0 = now_s();
		for (i = 0; i < N; i++)
			if (vbuf_put_u32(b, (uint32_t)i) != 0)
				return 1;
		for (i = 0; i < N; i++) {
			if (vbuf_get_u32(b, &v) != 0)
				return 1;
			sum += v;
		}
		t = (now_s() - t0) / (2.0 * N) * 1e9;
		if (t < best)
			best = t;
	}
	vbuf_free(b);
	printf("BENCH name=vbuf_u32_roundtrip_ns value=%.2f unit=ns\n", best);
	return sum == 0 ? 1 : 0;
}
