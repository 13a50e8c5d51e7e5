/*
 * bench_verify.c - how long ippyo-verify takes on a whole record
 * (docs/VERIFY.md "Performance"):
 *
 *	verify_record_10k_s	10,000 ballots, one contest of 10 options
 *	verify_record_100k_s	100,000 ballots, the same (target <= 75 s
 *				on 2 cores)
 *
 * Records come from the generator (tests/harness/recgen.h; 10 % re-votes,
 * a 2-of-3 ceremony) and are cached under $IPPYO_BUILD/bench-cache (or
 * /tmp/ippyo-bench-cache), since making 100,000 encrypted ballots takes
 * longer than checking them.  The timed part is verify_record with every
 * check, threads = online CPUs, progress off.  Also prints the cost per
 * ballot.  IPPYO_BENCH_VERIFY_N=N runs one size only (e.g. a quick 2000).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit/verify.h"
#include "core/err.h"
#include "core/strparse.h"
#include "tests/harness/recgen.h"

static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The cached record of n ballots, generated when missing. */
static int
record(uint64_t n, char *path, size_t len)
{
	const char *b = getenv("IPPYO_BUILD");
	char cache[200], tmp[400];
	struct recgen_opts o;
	struct stat st;
	double t0;
	int r;

	snprintf(cache, sizeof(cache), "%s", b != NULL && b[0] ?
	    b : "/tmp");
	snprintf(cache + strlen(cache), sizeof(cache) - strlen(cache), "%s",
	    b != NULL && b[0] ? "/bench-cache" : "/ippyo-bench-cache");
	mkdir(cache, 0755);
	snprintf(path, len, "%s/verify-%llu", cache, (unsigned long long)n);
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (stat(tmp, &st) == 0) {
		fprintf(stderr, "bench_verify: remove the partial %s\n", tmp);
		return ERR_EXISTS;
	}
	recgen_opts_default(&o);
	o.ballots = n;
	o.contests = 1;
	o.options = 10;
	o.min = 0;
	o.max = 1;
	o.trustees = 3;
	o.threshold = 2;
	o.revote_pct = 10;
	o.threads = (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
	fprintf(stderr, "bench_verify: generating %llu ballots into %s\n",
	    (unsigned long long)n, path);
	t0 = now_s();
	if ((r = recgen_run(&o, tmp, NULL)) != 0) {
		fprintf(stderr, "bench_verify: generator: %s\n", err_str(r));
		return r;
	}
	if (rename(tmp, path) != 0)
		return ERR_IO;
	fprintf(stderr, "bench_verify: generated in %.1f s\n", now_s() - t0);
	return 0;
}

static int
one(uint64_t n, const char *name)
{
	struct verify_opts o;
	struct verify_report rep;
	char path[300];
	double t0, t;
	int r;

	if ((r = record(n, path, sizeof(path))) != 0)
		return r;
	memset(&o, 0, sizeof(o));
	t0 = now_s();
	r = verify_record(path, &o, &rep);
	t = now_s() - t0;
	if (r != 0) {
		fprintf(stderr, "bench_verify: %s does not verify (%s, V%d: "
		    "%s)\n", path, err_name(r), rep.first_fail,
		    rep.what[rep.first_fail]);
		return r;
	}
	printf("BENCH name=verify_record_%s_s value=%.2f unit=s\n", name, t);
	printf("BENCH name=verify_record_%s_per_ballot_ms value=%.3f unit=ms\n",
	    name, t * 1000.0 / (double)n);
	fflush(stdout);
	return 0;
}

int
main(void)
{
	const char *only = getenv("IPPYO_BENCH_VERIFY_N");
	uint64_t n;
	char name[32];

	if (only != NULL) {
		if (strparse_u64(only, 10000000, &n) != 0 || n == 0) {
			fprintf(stderr, "bench_verify: IPPYO_BENCH_VERIFY_N\n");
			return 2;
		}
		snprintf(name, sizeof(name), "%llu", (unsigned long long)n);
		return one(n, name) == 0 ? 0 : 1;
	}
	if (one(10000, "10k") != 0 || one(100000, "100k") != 0)
		return 1;
	return 0;
}
