/*
 * verify_main.c - bin/ippyo-verify: checks an election record
 * (docs/VERIFY.md).
 *
 *	ippyo-verify [OPTIONS] RECORD
 *	ippyo-verify [OPTIONS] ballot RECORD TRACKING_CODE_HEX
 *	ippyo-verify challenge FILE
 *
 * Exit status: 0 valid, 1 invalid (a check failed, or no such ballot),
 * 2 unusable input (unreadable, not a record, over a limit) or usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/challenge.h"
#include "audit/engine.h"
#include "audit/verify.h"
#include "core/err.h"
#include "core/strparse.h"
#include "crypto/ct.h"

static int
usage(void)
{
	fprintf(stderr,
	    "usage: ippyo-verify [OPTIONS] RECORD\n"
	    "       ippyo-verify [OPTIONS] ballot RECORD TRACKING_CODE_HEX\n"
	    "       ippyo-verify challenge FILE\n"
	    "  RECORD is the record's directory or its .tar archive.\n"
	    "options:\n"
	    "  --engine openssl|gcrypt   the arithmetic library (default "
	    "openssl)\n"
	    "  --committee-key HEX       pin the committee's Ed25519 key "
	    "(64 hex digits)\n"
	    "  --box-key HEX             pin the ballot box's Ed25519 key\n"
	    "  --threads N               worker threads (default: online "
	    "CPUs)\n"
	    "  --quiet                   no progress lines on stderr\n"
	    "exit: 0 valid, 1 invalid, 2 unusable input\n");
	return 2;
}

static int
key_arg(const char *hex, uint8_t out[32])
{
	return ct_hex_decode(hex, strlen(hex), out, 32);
}

int
main(int argc, char **argv)
{
	struct verify_opts o;
	struct verify_report rep;
	uint8_t ck[32], bk[32], code[32];
	const char *engine = "openssl";
	uint64_t t;
	int i, r;

	memset(&o, 0, sizeof(o));
	o.out = stdout;
	o.progress = stderr;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--engine") == 0 && i + 1 < argc)
			engine = argv[++i];
		else if (strcmp(argv[i], "--committee-key") == 0 &&
		    i + 1 < argc) {
			if (key_arg(argv[++i], ck) != 0) {
				fprintf(stderr, "ippyo-verify: --committee-key "
				    "needs 64 lowercase hex digits\n");
				return 2;
			}
			o.committee_key = ck;
		} else if (strcmp(argv[i], "--box-key") == 0 && i + 1 < argc) {
			if (key_arg(argv[++i], bk) != 0) {
				fprintf(stderr, "ippyo-verify: --box-key needs "
				    "64 lowercase hex digits\n");
				return 2;
			}
			o.box_key = bk;
		} else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
			if (strparse_u64(argv[++i], VERIFY_THREADS_MAX, &t)
			    != 0 || t == 0) {
				fprintf(stderr, "ippyo-verify: --threads takes "
				    "1..%d\n", VERIFY_THREADS_MAX);
				return 2;
			}
			o.threads = (unsigned)t;
		} else if (strcmp(argv[i], "--quiet") == 0)
			o.progress = NULL;
		else
			return usage();
	}
	if ((o.engine = engine_by_name(engine)) == NULL) {
		fprintf(stderr, "ippyo-verify: engine \"%s\" is %s\n", engine,
		    strcmp(engine, "gcrypt") == 0 ? "not built into this "
		    "program" : "unknown (openssl or gcrypt)");
		return 2;
	}
	argc -= i;
	argv += i;
	if (argc == 2 && strcmp(argv[0], "challenge") == 0) {
		r = challenge_check_file(argv[1], stdout);
		if (r != 0 && r != ERR_VERIFY)
			fprintf(stderr, "ippyo-verify: %s: %s\n", argv[1],
			    err_str(r));
		return r == 0 ? 0 : r == ERR_VERIFY ? 1 : 2;
	}
	if (argc == 3 && strcmp(argv[0], "ballot") == 0) {
		if (ct_hex_decode(argv[2], strlen(argv[2]), code, 32) != 0) {
			fprintf(stderr, "ippyo-verify: a tracking code is 64 "
			    "lowercase hex digits\n");
			return 2;
		}
		r = verify_ballot(argv[1], code, &o, &rep);
	} else if (argc == 1)
		r = verify_record(argv[0], &o, &rep);
	else
		return usage();
	if (r == 0)
		return 0;
	/* ERR_NOT_FOUND is "no such ballot" only when the record was
	 * read; an unreadable record says why in rep.unusable. */
	if (r == ERR_VERIFY || (r == ERR_NOT_FOUND && rep.unusable[0] == '\0'))
		return 1;
	fprintf(stderr, "ippyo-verify: unusable input: %s\n",
	    rep.unusable[0] ? rep.unusable : err_str(r));
	return 2;
}
