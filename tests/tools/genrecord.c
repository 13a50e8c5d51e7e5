/*
 * genrecord.c - writes a valid election record for benchmarks and the
 * verifier's tests (tests/harness/recgen.h, docs/GENERATOR.md).  A TEST
 * TOOL: it knows every key and every vote.
 *
 *	genrecord --out PATH [--tar] --ballots N [--contests C --options O
 *	    --min m --max M] [--trustees n --threshold k] [--absent LIST]
 *	    [--cheater i] [--test-key] [--revote-pct P] [--admitted-pct P]
 *	    [--admitted-extra A] [--checkpoint-every E] [--election-id ID]
 *	    [--seed S] [--threads T]
 *
 * Prints the keys a verifier pins (committee and box keys, the election
 * key and context hash), the counts and the time taken, as "name value"
 * lines on stdout.  Exit 0 on success, 2 on usage errors, 1 otherwise.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "core/strparse.h"
#include "crypto/ct.h"
#include "tests/harness/recgen.h"

static void
usage(void)
{
	fprintf(stderr, "usage: genrecord --out PATH [--tar] --ballots N "
	    "[--contests C] [--options O] [--min m] [--max M]\n"
	    "    [--trustees n] [--threshold k] [--absent i,j,...] "
	    "[--cheater i] [--test-key]\n"
	    "    [--revote-pct P] [--admitted-pct P] [--admitted-extra A]\n"
	    "    [--checkpoint-every E] [--election-id ID] [--seed S] "
	    "[--threads T]\n");
}

static int
num(const char *s, uint64_t max, uint64_t *out)
{
	if (s == NULL || strparse_u64(s, max, out) != 0) {
		fprintf(stderr, "genrecord: bad number: %s\n", s ? s : "(none)");
		return -1;
	}
	return 0;
}

/* "1,3,5" into a bit mask (bit i for trustee i). */
static int
absent_list(const char *s, uint64_t *mask)
{
	*mask = 0;
	if (s == NULL)
		return -1;
	while (*s != '\0') {
		const char *e = strchr(s, ',');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		uint64_t v;

		if (strparse_u64_n(s, n, 32, &v) != 0 || v == 0) {
			fprintf(stderr, "genrecord: bad --absent list\n");
			return -1;
		}
		*mask |= (uint64_t)1 << v;
		s += n;
		if (*s == ',')
			s++;
	}
	return 0;
}

static void
hexline(const char *name, const uint8_t *p, size_t n)
{
	char hex[2 * 65 + 1];

	if (ct_hex_encode(p, n, hex, sizeof(hex)) != 0)
		hex[0] = '\0';
	printf("%s %s\n", name, hex);
}

int
main(int argc, char **argv)
{
	struct recgen_opts o;
	struct recgen_result res;
	struct timespec t0, t1;
	const char *out = NULL;
	uint64_t v;
	int i, r;

	recgen_opts_default(&o);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--tar") == 0) {
			o.tar = 1;
			continue;
		}
		if (strcmp(a, "--test-key") == 0) {
			o.test_key = 1;
			continue;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage();
			return 0;
		}
		if (val == NULL) {
			usage();
			return 2;
		}
		i++;
		if (strcmp(a, "--out") == 0) {
			out = val;
		} else if (strcmp(a, "--seed") == 0) {
			o.seed = val;
		} else if (strcmp(a, "--election-id") == 0) {
			o.election_id = val;
		} else if (strcmp(a, "--absent") == 0) {
			if (absent_list(val, &o.absent) != 0)
				return 2;
		} else if (strcmp(a, "--ballots") == 0) {
			if (num(val, 100000000, &o.ballots) != 0)
				return 2;
		} else if (strcmp(a, "--checkpoint-every") == 0) {
			if (num(val, 100000000, &o.checkpoint_every) != 0)
				return 2;
		} else {
			if (num(val, 1000000, &v) != 0)
				return 2;
			if (strcmp(a, "--contests") == 0)
				o.contests = (uint32_t)v;
			else if (strcmp(a, "--options") == 0)
				o.options = (uint32_t)v;
			else if (strcmp(a, "--min") == 0)
				o.min = (uint32_t)v;
			else if (strcmp(a, "--max") == 0)
				o.max = (uint32_t)v;
			else if (strcmp(a, "--trustees") == 0)
				o.trustees = (uint32_t)v;
			else if (strcmp(a, "--threshold") == 0)
				o.threshold = (uint32_t)v;
			else if (strcmp(a, "--cheater") == 0)
				o.cheater = (uint32_t)v;
			else if (strcmp(a, "--revote-pct") == 0)
				o.revote_pct = (unsigned)v;
			else if (strcmp(a, "--admitted-pct") == 0)
				o.admitted_pct = (unsigned)v;
			else if (strcmp(a, "--admitted-extra") == 0)
				o.admitted_extra = (uint32_t)v;
			else if (strcmp(a, "--threads") == 0)
				o.threads = (unsigned)v;
			else {
				fprintf(stderr, "genrecord: unknown option %s\n",
				    a);
				usage();
				return 2;
			}
		}
	}
	if (out == NULL) {
		usage();
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((r = recgen_run(&o, out, &res)) != 0) {
		fprintf(stderr, "genrecord: %s (%s)\n", err_str(r), err_name(r));
		return r == ERR_INVALID_ARG ? 2 : 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("record %s\n", out);
	printf("election_id %s\n", res.election_id);
	hexline("committee_key", res.committee_key, sizeof(res.committee_key));
	hexline("box_key", res.box_key, sizeof(res.box_key));
	hexline("public_key", res.public_key, sizeof(res.public_key));
	hexline("context_hash", res.context_hash, sizeof(res.context_hash));
	printf("ballots_cast %llu\nballots_counted %llu\nvoters %u\n"
	    "admitted %u\nqualified %u\nparticipating %u\n",
	    (unsigned long long)res.ballots_cast,
	    (unsigned long long)res.ballots_counted, res.voters, res.admitted,
	    res.qualified, res.participating);
	printf("seconds %.3f\n", (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	if (o.test_key)
		fprintf(stderr, "genrecord: TEST-ONLY single key\n");
	return 0;
}
