/*
 * ceremony_cmd.c - `ippyo ceremony ...`: the committee's desk for the
 * trustee key ceremony (tally/ceremony.h, docs/PROTOCOL-ceremony.md).
 *
 *	ippyo ceremony start ID --trustees N --threshold K --out FILE [--restart]
 *	ippyo ceremony post ID FILE...
 *	ippyo ceremony fetch ID --for J --out DIR
 *	ippyo ceremony status ID
 *	ippyo ceremony finish ID --out FILE
 *	ippyo ceremony export ID --out DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/log.h"
#include "core/err.h"
#include "core/file.h"
#include "core/limits.h"
#include "core/strparse.h"
#include "core/vbuf.h"
#include "crypto/ct.h"
#include "db/db.h"
#include "tally/ceremony.h"
#include "tally/ceremony_cmd.h"
#include "tally/cfile.h"

static void
usage(void)
{
	fprintf(stderr, "usage:\n"
	    "  ippyo ceremony start ID --trustees N --threshold K --out FILE "
	    "[--restart]\n"
	    "  ippyo ceremony post ID FILE...\n"
	    "  ippyo ceremony fetch ID --for J --out DIR\n"
	    "  ippyo ceremony status ID\n"
	    "  ippyo ceremony finish ID --out FILE\n"
	    "  ippyo ceremony export ID --out DIR   (record layout: "
	    "DIR/ceremony/)\n"
	    "  (all take --database URL; default DATABASE_URL)\n");
}

static int
write_vbuf(const char *path, struct vbuf *b)
{
	return cfile_write(path, vbuf_ptr(b), vbuf_len(b));
}

static int
cmd_start(struct db *db, const char *id, uint64_t n, uint64_t k, int restart,
    const char *out)
{
	struct vbuf *b = NULL;
	int r;

	if (k < 2) {
		fprintf(stderr, "ippyo ceremony start: a threshold of 1 would let "
		    "any single trustee decrypt alone; use --threshold 2 or "
		    "more\n");
		return ERR_RANGE;
	}
	if (n > LIMIT_TRUSTEES_MAX || n < 2 * k - 1) {
		fprintf(stderr, "ippyo ceremony start: need n >= 2k - 1 and n <= "
		    "%u (so any k of the n can decrypt while fewer than k "
		    "are a minority)\n", LIMIT_TRUSTEES_MAX);
		return ERR_RANGE;
	}
	if ((b = vbuf_new(CFILE_MAX)) == NULL)
		return ERR_NOMEM;
	r = ceremony_start(db, id, (uint32_t)n, (uint32_t)k, restart,
	    audit_actor(), b);
	if (r == ERR_EXISTS)
		fprintf(stderr, "ippyo ceremony start: %s: a ceremony is under "
		    "way; --restart abandons it and starts a new attempt\n", id);
	else if (r == ERR_WRONG_STATE)
		fprintf(stderr, "ippyo ceremony start: %s: the roll must be frozen "
		    "and the keys not yet made\n", id);
	else if (r != 0)
		fprintf(stderr, "ippyo ceremony start: %s: %s\n", id, err_str(r));
	else if ((r = write_vbuf(out, b)) != 0)
		fprintf(stderr, "ippyo ceremony start: writing %s: %s\n", out,
		    err_str(r));
	else
		printf("ceremony for %s started: %u-of-%u; give every trustee "
		    "%s and their number (1..%u)\n", id, (uint32_t)k,
		    (uint32_t)n, out, (uint32_t)n);
	vbuf_free(b);
	return r;
}

static const char *
post_error(int r, const struct ceremony_posted *res)
{
	int complaint = res->kind == CMSG_COMPLAINT;

	switch (r) {
	case ERR_DUPLICATE:
		return "already posted (a replay or a second version): refused";
	case ERR_VERIFY:
		if (complaint)
			return "complaint refused, nothing stored: the share it "
			    "is about is good (a false complaint; no one is "
			    "excluded)";
		return "does not verify (a public message whose proofs or "
		    "signature fail, or a share not signed by its sender: "
		    "unsigned, forged or altered; ask the sender again)";
	case ERR_PERM:
		return "complaint refused, nothing stored: it cannot be proven "
		    "(the share is not signed by the accused, or the "
		    "complainer's proof fails: not made by that trustee, or "
		    "altered); the trustee's own complaint can still be posted";
	case ERR_MISMATCH:
		return "belongs to another ceremony (election, n, k or "
		    "abandoned attempt)";
	case ERR_WRONG_STATE:
		return "not now: the sender's and recipient's public messages "
		    "come first, and nothing is taken once the ceremony has "
		    "finished or the election has left roll_frozen";
	case ERR_NOT_FOUND:
		return "no ceremony for this election";
	default:
		return err_str(r);
	}
}

static int
cmd_post(struct db *db, const char *id, int nfiles, char **files)
{
	struct ceremony_posted res;
	int i, r, bad = 0;

	for (i = 0; i < nfiles; i++) {
		uint8_t *raw = NULL;
		size_t len = 0;

		memset(&res, 0, sizeof(res));
		if ((r = file_read(files[i], CFILE_MAX, FILE_NOFOLLOW, &raw,
		    &len)) == 0)
			r = ceremony_post(db, id, raw, len, audit_actor(), &res);
		free(raw);
		if (r != 0) {
			fprintf(stderr, "refused  %s: %s\n", files[i],
			    post_error(r, &res));
			bad++;
			continue;
		}
		if (res.kind == CMSG_PUBLIC)
			printf("accepted %s: public message of trustee %u\n",
			    files[i], res.from);
		else if (res.kind == CMSG_SHARE)
			printf("accepted %s: share from trustee %u to trustee %u\n",
			    files[i], res.from, res.to);
		else
			printf("accepted %s: complaint by trustee %u about trustee "
			    "%u: JUSTIFIED, trustee excluded\n", files[i], res.from,
			    res.to);
	}
	return bad ? ERR_VERIFY : 0;
}

static void
print_status(const struct ceremony_status *st)
{
	uint32_t i, j, nq = 0;

	printf("attempt %d: %u-of-%u, %s\n", st->attempt, st->p.k, st->p.n,
	    st->finished ? "finished" : "under way");
	for (i = 1; i <= st->p.n; i++) {
		uint32_t sent = 0, got = 0;

		for (j = 1; j <= st->p.n; j++) {
			sent += st->has_share[i - 1][j - 1];
			got += st->has_share[j - 1][i - 1];
		}
		if (!st->excluded[i - 1])
			nq++;
		printf("  trustee %2u  public %-3s  shares sent %u/%u  received "
		    "%u/%u%s\n", i, st->has_public[i - 1] ? "yes" : "NO", sent,
		    st->p.n - 1, got, st->p.n - 1, st->excluded[i - 1] ?
		    "  EXCLUDED (justified complaint)" : "");
	}
	printf("  complaints  %u raised, %u justified\n", st->complaints,
	    st->justified);
	if (st->finished)
		return;
	for (i = 1; i <= st->p.n; i++)
		if (!st->has_public[i - 1])
			printf("  waiting for trustee %u's public message\n", i);
	for (i = 1; i <= st->p.n; i++)
		for (j = 1; j <= st->p.n; j++)
			if (i != j && !st->excluded[i - 1] &&
			    !st->excluded[j - 1] && !st->has_share[i - 1][j - 1])
				printf("  waiting for the share from trustee %u to "
				    "trustee %u\n", i, j);
	if (nq < st->p.k)
		printf("  fewer than %u trustees remain: restart the ceremony\n",
		    st->p.k);
}

/* How many public messages or shares between non-excluded are missing. */
static uint32_t
status_missing(const struct ceremony_status *st)
{
	uint32_t i, j, miss = 0;

	for (i = 1; i <= st->p.n; i++) {
		miss += !st->has_public[i - 1];
		for (j = 1; j <= st->p.n; j++)
			miss += i != j && !st->excluded[i - 1] &&
			    !st->excluded[j - 1] && !st->has_share[i - 1][j - 1];
	}
	return miss;
}

static int
cmd_finish(struct db *db, const char *id, const char *out)
{
	struct ceremony_status st;
	struct vbuf *b = NULL;
	int r;

	if ((b = vbuf_new(CFILE_MAX)) == NULL)
		return ERR_NOMEM;
	r = ceremony_finish(db, id, audit_actor(), &st, b);
	if (r == ERR_WRONG_STATE && st.attempt > 0 && !st.finished &&
	    status_missing(&st) == 0)
		fprintf(stderr, "ippyo ceremony finish: %s: the election is no "
		    "longer roll_frozen (it has moved on); a ceremony can only "
		    "finish while the roll is frozen and no key is set\n", id);
	else if (r == ERR_WRONG_STATE && st.attempt > 0 && !st.finished) {
		fprintf(stderr, "ippyo ceremony finish: %s: not complete; a "
		    "trustee who stays silent cannot be excluded, restart "
		    "without them (docs/PROTOCOL-ceremony.md)\n", id);
		print_status(&st);
	} else if (r == ERR_WRONG_STATE)
		fprintf(stderr, "ippyo ceremony finish: %s: %s\n", id,
		    st.finished ? "already finished" : "the election is not "
		    "roll_frozen");
	else if (r == ERR_RANGE)
		fprintf(stderr, "ippyo ceremony finish: %s: fewer than k trustees "
		    "remain after exclusions; restart the ceremony\n", id);
	else if (r != 0)
		fprintf(stderr, "ippyo ceremony finish: %s: %s\n", id, err_str(r));
	else if ((r = write_vbuf(out, b)) != 0)
		fprintf(stderr, "ippyo ceremony finish: writing %s: %s (the "
		    "ceremony is finished; `fetch` writes the result again)\n",
		    out, err_str(r));
	else {
		struct ceremony_result cr;

		if (ceremony_result_decode(vbuf_ptr(b), vbuf_len(b), &cr) == 0) {
			char hex[2 * GROUP_POINT_LEN + 1];
			uint32_t q;

			printf("ceremony for %s finished: election keys_ready; "
			    "qualified trustees", id);
			for (q = 0; q < cr.nq; q++)
				printf(" %u", cr.qual[q]);
			if (ct_hex_encode(cr.key, GROUP_POINT_LEN, hex,
			    sizeof(hex)) == 0)
				printf("\n  election key %s\n", hex);
			printf("  give every trustee %s\n", out);
		}
	}
	vbuf_free(b);
	return r;
}

int
ceremony_main(int argc, char **argv)
{
	const char *url = getenv("DATABASE_URL"), *out = NULL, *id;
	struct db *db = NULL;
	uint64_t n = 0, k = 0, j = 0;
	int i, r, restart = 0, nfiles = 0;
	char **files = NULL;

	if (argc < 3 || argv[2][0] == '-') {
		usage();
		return 2;
	}
	id = argv[2];
	if ((files = calloc((size_t)argc, sizeof(*files))) == NULL)
		return 1;
	for (i = 3; i < argc; i++) {
		int more = i + 1 < argc;

		if (strcmp(argv[i], "--restart") == 0)
			restart = 1;
		else if (strcmp(argv[i], "--database") == 0 && more)
			url = argv[++i];
		else if (strcmp(argv[i], "--out") == 0 && more)
			out = argv[++i];
		else if (strcmp(argv[i], "--trustees") == 0 && more &&
		    strparse_u64(argv[i + 1], 1000, &n) == 0)
			i++;
		else if (strcmp(argv[i], "--threshold") == 0 && more &&
		    strparse_u64(argv[i + 1], 1000, &k) == 0)
			i++;
		else if (strcmp(argv[i], "--for") == 0 && more &&
		    strparse_u64(argv[i + 1], LIMIT_TRUSTEES_MAX, &j) == 0)
			i++;
		else if (argv[i][0] != '-' && strcmp(argv[1], "post") == 0)
			files[nfiles++] = argv[i];
		else {
			free(files);
			usage();
			return 2;
		}
	}
	if (url == NULL || *url == '\0') {
		free(files);
		fprintf(stderr, "ippyo ceremony: no database: set DATABASE_URL\n");
		return 2;
	}
	if ((r = db_open(url, NULL, &db)) != 0) {
		free(files);
		fprintf(stderr, "ippyo ceremony: %s\n", err_str(r));
		return 1;
	}
	if (strcmp(argv[1], "start") == 0 && out != NULL && n > 0 && k > 0)
		r = cmd_start(db, id, n, k, restart, out);
	else if (strcmp(argv[1], "post") == 0 && nfiles > 0)
		r = cmd_post(db, id, nfiles, files);
	else if (strcmp(argv[1], "fetch") == 0 && out != NULL && j > 0) {
		size_t count = 0;

		if ((r = ceremony_fetch(db, id, (uint32_t)j, out, &count)) == 0)
			printf("%zu files for trustee %u in %s\n", count,
			    (uint32_t)j, out);
		else
			fprintf(stderr, "ippyo ceremony fetch: %s: %s\n", id,
			    r == ERR_RANGE ? "no such trustee" : err_str(r));
	} else if (strcmp(argv[1], "status") == 0) {
		struct ceremony_status st;

		if ((r = ceremony_status_get(db, id, &st)) == 0)
			print_status(&st);
		else
			fprintf(stderr, "ippyo ceremony status: %s: %s\n", id,
			    err_str(r));
	} else if (strcmp(argv[1], "finish") == 0 && out != NULL)
		r = cmd_finish(db, id, out);
	else if (strcmp(argv[1], "export") == 0 && out != NULL) {
		if ((r = ceremony_export(db, id, out)) == 0)
			printf("ceremony files of %s in %s/ceremony\n", id, out);
		else
			fprintf(stderr, "ippyo ceremony export: %s: %s\n", id,
			    r == ERR_WRONG_STATE ? "the ceremony has not finished" :
			    err_str(r));
	} else {
		db_close(db);
		free(files);
		usage();
		return 2;
	}
	db_close(db);
	free(files);
	return r == 0 ? 0 : 1;
}
