/*
 * verify.c - ippyo-verify's driver: reading the record, reporting, and
 * the checks on its index, keys and election (V1-V3).  docs/VERIFY.md
 * lists every check; docs/PROTOCOL-record.md is the format.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit/recjson.h"
#include "audit/recload.h"
#include "audit/recview.h"
#include "audit/verify.h"
#include "audit/verify_int.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/misuse.h"
#include "core/strparse.h"
#include "crypto/ct.h"

static const char *const check_names[VERIFY_CHECKS + 1] = {
	"", "index", "key pinning", "election", "ceremony", "ballots",
	"chain", "proofs", "checkpoints", "counted", "aggregates",
	"decryption", "results", "audit log"
};

const char *
verify_check_name(int n)
{
	return n >= 1 && n <= VERIFY_CHECKS ? check_names[n] : "?";
}

/* ---- reporting ---------------------------------------------------- */

void
v_fail(struct vctx *v, int check, const char *fmt, ...)
{
	struct verify_report *rep = v->rep;
	va_list ap;

	REQUIRE(check >= 1 && check <= VERIFY_CHECKS);
	if (rep->status[check] != VERIFY_FAIL) {
		rep->status[check] = VERIFY_FAIL;
		va_start(ap, fmt);
		vsnprintf(rep->what[check], VERIFY_WHAT_MAX, fmt, ap);
		va_end(ap);
		if (rep->first_fail == 0 || check < rep->first_fail)
			rep->first_fail = check;
	}
	rep->failures[check]++;
}

void
v_fatal(struct vctx *v, int check, int err, const char *what)
{
	struct verify_report *rep = v->rep;

	v_fail(v, check, "not checked: %s", what);
	if (v->fatal == 0) {
		v->fatal = err != 0 ? err : ERR_INTERNAL;
		snprintf(rep->unusable, sizeof(rep->unusable), "V%d: %s (%s)",
		    check, what, err_name(v->fatal));
	}
}

void
v_warn(struct vctx *v, int check, const char *fmt, ...)
{
	struct verify_report *rep = v->rep;
	va_list ap;

	if (rep->status[check] == VERIFY_FAIL)
		return;
	rep->status[check] = VERIFY_WARN;
	va_start(ap, fmt);
	vsnprintf(rep->what[check], VERIFY_WHAT_MAX, fmt, ap);
	va_end(ap);
}

int
v_failed(const struct vctx *v, int check)
{
	return v->rep->status[check] == VERIFY_FAIL ||
	    v->rep->status[check] == VERIFY_SKIP;
}

static void
print_line(struct vctx *v, int check)
{
	const struct verify_report *rep = v->rep;
	FILE *f = v->o->out;

	if (f == NULL)
		return;
	switch (rep->status[check]) {
	case VERIFY_PASS:
		fprintf(f, "V%d %s: pass\n", check, check_names[check]);
		break;
	case VERIFY_WARN:
		fprintf(f, "V%d %s: WARN %s\n", check, check_names[check],
		    rep->what[check]);
		break;
	case VERIFY_SKIP:
		fprintf(f, "V%d %s: skipped (%s)\n", check,
		    check_names[check], rep->what[check]);
		break;
	case VERIFY_FAIL:
		if (rep->failures[check] > 1)
			fprintf(f, "V%d %s: FAIL %s (%llu failures in all)\n",
			    check, check_names[check], rep->what[check],
			    rep->failures[check]);
		else
			fprintf(f, "V%d %s: FAIL %s\n", check,
			    check_names[check], rep->what[check]);
		break;
	default:
		break;
	}
	fflush(f);
}

void
v_done(struct vctx *v, int check)
{
	if (v->rep->status[check] == VERIFY_NOT_RUN)
		v->rep->status[check] = VERIFY_PASS;
	print_line(v, check);
}

void
v_skip(struct vctx *v, int check, int needs)
{
	v->rep->status[check] = VERIFY_SKIP;
	snprintf(v->rep->what[check], VERIFY_WHAT_MAX, "needs V%d", needs);
	print_line(v, check);
}

void
v_progress(struct vctx *v, const char *fmt, ...)
{
	va_list ap;

	if (v->o->progress == NULL)
		return;
	fputs("ippyo-verify: ", v->o->progress);
	va_start(ap, fmt);
	vfprintf(v->o->progress, fmt, ap);
	va_end(ap);
	fputc('\n', v->o->progress);
	fflush(v->o->progress);
}

/* ---- helpers ------------------------------------------------------ */

int
v_time_ok(const char *s, size_t len)
{
	int64_t us;

	return len == V_TIME_LEN && clock_parse_us(s, len, &us) == 0;
}

void
v_hex(const uint8_t *p, size_t n, char *out, size_t outlen)
{
	if (ct_hex_encode(p, n, out, outlen) != 0 && outlen > 0)
		out[0] = '\0';
}

static const char *
json_why(int r)
{
	switch (r) {
	case ERR_TOO_LARGE:
		return "too large or nested too deep";
	case ERR_NOMEM:
		return "out of memory";
	default:
		return "not strict JSON (syntax, a duplicate key, a NUL)";
	}
}

int
v_load_json(struct vctx *v, int check, const char *path, json_t **root)
{
	const struct rec_file *f = rec_find(v->rs, path);
	int r;

	*root = NULL;
	if (f == NULL) {
		v_fail(v, check, "%s is missing", path);
		return ERR_NOT_FOUND;
	}
	if ((r = rj_load(f->data, f->len, (size_t)rec_limit(path), root))
	    != 0)
		v_fail(v, check, "%s: %s", path, json_why(r));
	return r;
}

/* ---- election.json (read first; V3 judges it) --------------------- */

static int
el_parse(struct vctx *v, json_t *root)
{
	static const char *const keys[] = { "format", "version",
	    "election_id", "created_us", "public_key", "context_hash",
	    "test_single_key", "ceremony", "box_key", "committee_key",
	    "ballots_cast", "ballots_counted" };
	static const char *const ckeys[] = { "n", "k", "context",
	    "qualified" };
	const char *s;
	size_t len, i;
	uint64_t x;
	json_t *cer, *q;
	char *err = v->el_err;

#define EL_FAIL(...) do { snprintf(err, VERIFY_WHAT_MAX, __VA_ARGS__); \
	return ERR_FORMAT; } while (0)
	if (!json_is_object(root))
		EL_FAIL("election.json: not an object");
	if (rj_get_hex(root, "committee_key", v->committee_key, 32) == 0)
		v->el_committee = 1;
	if (rj_keys(root, keys, sizeof(keys) / sizeof(keys[0])) != 0)
		EL_FAIL("election.json: keys are not exactly the documented "
		    "ones");
	if (rj_get_str(root, "format", 64, &s, &len) != 0 ||
	    len != strlen("ippyo-record") || memcmp(s, "ippyo-record", len))
		EL_FAIL("election.json: format is not \"ippyo-record\"");
	if (rj_get_uint(root, "version", RJ_INT_MAX, &x) != 0 || x != 1)
		EL_FAIL("election.json: version is not 1");
	if (rj_get_str(root, "election_id", LIMIT_ID_LEN_MAX, &s, &len) != 0 ||
	    strparse_ident(s, len, LIMIT_ID_LEN_MAX) != 0)
		EL_FAIL("election.json: election_id is not an identifier");
	memcpy(v->election_id, s, len);
	v->election_id[len] = '\0';
	if (rj_get_uint(root, "created_us", RJ_INT_MAX, &v->created_us) != 0)
		EL_FAIL("election.json: created_us");
	if (rj_get_hex(root, "public_key", v->K, 65) != 0)
		EL_FAIL("election.json: public_key is not 65 bytes of hex");
	if (rj_get_hex(root, "context_hash", v->context, 32) != 0)
		EL_FAIL("election.json: context_hash is not 32 bytes of hex");
	if (rj_get_bool(root, "test_single_key", &v->test_single) != 0)
		EL_FAIL("election.json: test_single_key is not a boolean");
	if (rj_get_hex(root, "box_key", v->box_key, 32) != 0)
		EL_FAIL("election.json: box_key is not 32 bytes of hex");
	if (!v->el_committee)
		EL_FAIL("election.json: committee_key is not 32 bytes of hex");
	if (rj_get_uint(root, "ballots_cast", RJ_INT_MAX,
	    &v->ballots_cast) != 0 ||
	    rj_get_uint(root, "ballots_counted", RJ_INT_MAX,
	    &v->ballots_counted) != 0)
		EL_FAIL("election.json: ballots_cast or ballots_counted");
	cer = json_object_get(root, "ceremony");
	if (v->test_single) {
		if (!json_is_null(cer))
			EL_FAIL("election.json: a test-only key with a "
			    "ceremony");
		v->n = v->k = 1;
		v->qual[0] = 1;
		v->nqual = 1;
		return 0;
	}
	if (json_is_null(cer))
		EL_FAIL("election.json: no ceremony and no test-only key");
	if (rj_keys(cer, ckeys, sizeof(ckeys) / sizeof(ckeys[0])) != 0)
		EL_FAIL("election.json: ceremony keys are not exactly the "
		    "documented ones");
	if (rj_get_uint(cer, "n", LIMIT_TRUSTEES_MAX, &x) != 0 || x < 2)
		EL_FAIL("election.json: ceremony.n outside 2..%d",
		    LIMIT_TRUSTEES_MAX);
	v->n = (uint32_t)x;
	if (rj_get_uint(cer, "k", LIMIT_TRUSTEES_MAX, &x) != 0 || x < 1 ||
	    v->n < 2 * x - 1)
		EL_FAIL("election.json: ceremony.k outside 1..(n+1)/2");
	v->k = (uint32_t)x;
	if (rj_get_hex(cer, "context", v->cctx, 32) != 0)
		EL_FAIL("election.json: ceremony.context is not 32 bytes of "
		    "hex");
	if (rj_get_array(cer, "qualified", &q) != 0 ||
	    json_array_size(q) > v->n)
		EL_FAIL("election.json: ceremony.qualified");
	for (i = 0; i < json_array_size(q); i++) {
		if (rj_uint(json_array_get(q, i), v->n, &x) != 0 || x < 1 ||
		    (i > 0 && x <= v->qual[i - 1]))
			EL_FAIL("election.json: ceremony.qualified is not "
			    "ascending indices in 1..n");
		v->qual[i] = (uint32_t)x;
	}
	v->nqual = i;
	return 0;
#undef EL_FAIL
}

static void
el_load(struct vctx *v)
{
	const struct rec_file *f = rec_find(v->rs, "election.json");
	json_t *root = NULL;
	int r;

	if (f == NULL) {
		snprintf(v->el_err, VERIFY_WHAT_MAX, "election.json is "
		    "missing");
		return;
	}
	if ((r = rj_load(f->data, f->len, (size_t)rec_limit("election.json"),
	    &root)) != 0) {
		snprintf(v->el_err, VERIFY_WHAT_MAX, "election.json: %s",
		    json_why(r));
		return;
	}
	if (el_parse(v, root) == 0)
		v->el_loaded = 1;
	json_decref(root);
}

/* ---- V1: INDEX and INDEX.sig -------------------------------------- */

/* 1 when path may be in this record (given election.json). */
static int
expected_name(const struct vctx *v, const char *path, int *required)
{
	static const char *const fixed[] = { "election.json", "manifest.bin",
	    "ballots.bin", "superseded.json", "admitted.json",
	    "counted.json", "checkpoints.json", "tally.json",
	    "results.json", "results.txt", "audit.json" };
	unsigned nn;
	size_t i;

	*required = 0;
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (strcmp(path, fixed[i]) == 0) {
			*required = 1;
			return 1;
		}
	if (!v->el_loaded)
		return rec_limit(path) != 0;
	if (strcmp(path, "ceremony/complaints.json") == 0) {
		*required = !v->test_single;
		return !v->test_single;
	}
	if (strncmp(path, "ceremony/public-", 16) == 0 &&
	    rec_limit(path) != 0) {
		nn = (unsigned)(path[16] - '0') * 10 + (unsigned)(path[17] - '0');
		*required = !v->test_single && nn <= v->n;
		return *required;
	}
	if (strncmp(path, "decryption/trustee-", 19) == 0 &&
	    rec_limit(path) != 0) {
		nn = (unsigned)(path[19] - '0') * 10 + (unsigned)(path[20] - '0');
		return nn <= v->n;
	}
	return 0;
}

/*
 * The single-file form (PROTOCOL-record §2): the top directory is
 * "<election id>-record", and the
 * entries come INDEX, INDEX.sig, then the rest in INDEX's (bytewise)
 * order.  The headers' mode, owners and mtime are not judged: they do
 * not touch any file's bytes.
 */
static void
check_archive_form(struct vctx *v)
{
	const struct rec_set *s = v->rs;
	size_t i, il;

	if (!s->archive)
		return;
	if (v->el_loaded) {
		il = strlen(v->election_id);
		if (strncmp(s->top, v->election_id, il) != 0 ||
		    strcmp(s->top + il, "-record") != 0)
			v_fail(v, V_INDEX, "the archive's top directory is "
			    "not named after election %s", v->election_id);
	}
	if (s->norder < 2 || strcmp(s->order[0], "INDEX") != 0 ||
	    strcmp(s->order[1], "INDEX.sig") != 0) {
		v_fail(v, V_INDEX, "the archive does not start with INDEX "
		    "and INDEX.sig");
		return;
	}
	for (i = 3; i < s->norder; i++)
		if (strcmp(s->order[i - 1], s->order[i]) >= 0) {
			v_fail(v, V_INDEX, "the archive's entries are not in "
			    "INDEX order at entry %zu", i + 1);
			return;
		}
}

static void
check_index(struct vctx *v)
{
	static const char *const sigkeys[] = { "public_key", "signature" };
	const struct rec_file *idx = rec_find(v->rs, "INDEX"), *f;
	const struct rec_file *sigf = rec_find(v->rs, "INDEX.sig");
	uint8_t pk[32], sig[64], h[32], want[32];
	char prev[RECLOAD_PATH_MAX] = "", path[RECLOAD_PATH_MAX];
	json_t *root = NULL;
	size_t i, off, nlisted = 0;
	uint8_t *listed = NULL;
	int required, sig_unchecked = 0;

	check_archive_form(v);
	/* The signature over INDEX, under the committee's key. */
	if (idx == NULL || sigf == NULL)
		v_fail(v, V_INDEX, "%s is missing", idx == NULL ? "INDEX" :
		    "INDEX.sig");
	else if (rj_load(sigf->data, sigf->len, 4096, &root) != 0 ||
	    rj_keys(root, sigkeys, 2) != 0 ||
	    rj_get_hex(root, "public_key", pk, 32) != 0 ||
	    rj_get_hex(root, "signature", sig, 64) != 0)
		v_fail(v, V_INDEX, "INDEX.sig is not {public_key, signature} "
		    "of 32 and 64 bytes of hex");
	else if (!v->el_committee)
		sig_unchecked = 1;	/* V3 says why */
	else if (memcmp(pk, v->committee_key, 32) != 0)
		v_fail(v, V_INDEX, "INDEX.sig is signed by a key other than "
		    "election.json's committee_key");
	else if (v->eng->sig_verify(pk, "record-index", idx->len ? idx->data :
	    (const uint8_t *)"", idx->len, sig) != 0)
		v_fail(v, V_INDEX, "INDEX.sig: the signature over INDEX does "
		    "not verify");
	json_decref(root);
	if (idx == NULL)
		goto names;

	/* Each line: 64 hex, two spaces, a path, LF; sorted; files match. */
	if ((listed = calloc(v->rs->n ? v->rs->n : 1, 1)) == NULL) {
		v_fatal(v, V_INDEX, ERR_NOMEM, "out of memory");
		goto out;
	}
	for (off = 0; off < idx->len; ) {
		const uint8_t *line = idx->data + off, *nl;
		size_t ll, pl;

		nl = memchr(line, '\n', idx->len - off);
		if (nl == NULL) {
			v_fail(v, V_INDEX, "INDEX: the last line has no LF");
			break;
		}
		ll = (size_t)(nl - line);
		off += ll + 1;
		if (ll < 67 || line[64] != ' ' || line[65] != ' ' ||
		    ct_hex_decode((const char *)line, 64, want, 32) != 0 ||
		    (pl = ll - 66) >= RECLOAD_PATH_MAX) {
			v_fail(v, V_INDEX, "INDEX: line %zu is not "
			    "\"<64 lowercase hex>  <path>\"", nlisted + 1);
			continue;
		}
		memcpy(path, line + 66, pl);
		path[pl] = '\0';
		nlisted++;
		if (memchr(path, '\0', pl) != NULL || !rec_path_ok(path) ||
		    strcmp(path, "INDEX") == 0 ||
		    strcmp(path, "INDEX.sig") == 0) {
			v_fail(v, V_INDEX, "INDEX: line %zu names a path "
			    "outside the record's alphabet", nlisted);
			continue;
		}
		if (strcmp(prev, path) >= 0) {
			v_fail(v, V_INDEX, "INDEX: %s is out of order or "
			    "listed twice", path);
			continue;
		}
		memcpy(prev, path, pl + 1);
		if (!expected_name(v, path, &required)) {
			v_fail(v, V_INDEX, "INDEX lists %s, which is not a "
			    "file of this record", path);
			continue;
		}
		if ((f = rec_find(v->rs, path)) == NULL) {
			v_fail(v, V_INDEX, "%s is listed in INDEX but missing",
			    path);
			continue;
		}
		listed[(size_t)(f - v->rs->f)] = 1;
		{
			const uint8_t *parts[1] = { f->len ? f->data :
			    (const uint8_t *)"" };
			size_t lens[1] = { f->len };

			if (f->len > (1u << 26))
				v_progress(v, "hashing %s (%zu MB)", path,
				    f->len >> 20);
			if (v->eng->sha256(parts, lens, 1, h) != 0 ||
			    memcmp(h, want, 32) != 0)
				v_fail(v, V_INDEX, "%s does not match its "
				    "SHA-256 in INDEX", path);
		}
	}

 names:
	/* Nothing extra, nothing missing. */
	for (i = 0; i < v->rs->n; i++) {
		const struct rec_file *x = &v->rs->f[i];
		char safe[RECLOAD_PATH_MAX];
		size_t j;

		for (j = 0; x->path[j] != '\0'; j++)
			safe[j] = (x->path[j] > 0x20 && x->path[j] < 0x7f) ?
			    x->path[j] : '?';
		safe[j] = '\0';
		if (strcmp(x->path, "INDEX") == 0 ||
		    strcmp(x->path, "INDEX.sig") == 0)
			continue;
		if (!x->regular) {
			v_fail(v, V_INDEX, "%s is not a regular file", safe);
			continue;
		}
		if (!rec_path_ok(x->path) ||
		    !expected_name(v, x->path, &required)) {
			v_fail(v, V_INDEX, "%s is not a file of this record",
			    safe);
			continue;
		}
		if (listed != NULL && !listed[i])
			v_fail(v, V_INDEX, "%s is present but not in INDEX",
			    safe);
	}
	if (v->el_loaded) {
		static const char *const fixed[] = { "election.json",
		    "manifest.bin", "ballots.bin", "superseded.json",
		    "admitted.json", "counted.json", "checkpoints.json",
		    "tally.json", "results.json", "results.txt",
		    "audit.json" };
		uint32_t j;

		for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
			if (rec_find(v->rs, fixed[i]) == NULL)
				v_fail(v, V_INDEX, "%s is missing", fixed[i]);
		if (!v->test_single) {
			if (rec_find(v->rs, "ceremony/complaints.json") == NULL)
				v_fail(v, V_INDEX, "ceremony/complaints.json "
				    "is missing");
			for (j = 1; j <= v->n; j++) {
				snprintf(path, sizeof(path),
				    "ceremony/public-%02u.bin", j);
				if (rec_find(v->rs, path) == NULL)
					v_fail(v, V_INDEX, "%s is missing",
					    path);
			}
		}
	}
 out:
	free(listed);
	if (sig_unchecked && v->rep->status[V_INDEX] != VERIFY_FAIL) {
		/* Without election.json's committee_key the signature cannot
		 * be judged: V1 waits on V3. */
		v_skip(v, V_INDEX, V_ELECTION);
		return;
	}
	v_done(v, V_INDEX);
}

/* ---- V2: key pinning ---------------------------------------------- */

static void
check_keys(struct vctx *v)
{
	const struct verify_opts *o = v->o;

	if (!v->el_loaded) {
		v_skip(v, V_KEYS, V_ELECTION);
		return;
	}
	if (o->committee_key != NULL &&
	    memcmp(o->committee_key, v->committee_key, 32) != 0)
		v_fail(v, V_KEYS, "election.json's committee_key is not the "
		    "pinned --committee-key");
	if (o->box_key != NULL && memcmp(o->box_key, v->box_key, 32) != 0)
		v_fail(v, V_KEYS, "election.json's box_key is not the pinned "
		    "--box-key");
	if (o->committee_key == NULL && o->box_key == NULL)
		v_warn(v, V_KEYS, "keys not pinned (give --committee-key and "
		    "--box-key from an independent channel): the signatures "
		    "only show the record is consistent with itself");
	else if (o->committee_key == NULL)
		v_warn(v, V_KEYS, "committee key not pinned (--committee-key):"
		    " INDEX, the final checkpoint and the audit log are only "
		    "self-consistent");
	else if (o->box_key == NULL)
		v_warn(v, V_KEYS, "box key not pinned (--box-key): periodic "
		    "checkpoints are only self-consistent");
	v_done(v, V_KEYS);
}

/* ---- V3: election, manifest, context hash ------------------------- */

static void
check_election(struct vctx *v)
{
	const struct rec_file *mf = rec_find(v->rs, "manifest.bin");
	uint8_t flag, h[32];
	const uint8_t *fields[3];
	size_t lens[3], i;
	void *ctx = NULL;
	int r;

	if (!v->el_loaded) {
		v_fail(v, V_ELECTION, "%s", v->el_err);
		goto out;
	}
	if ((r = v->eng->open(&ctx, v->K)) != 0)
		v_fail(v, V_ELECTION, "election.json: public_key is not a "
		    "valid P-256 point (%s)", err_name(r));
	else
		v->key_ok = 1;
	if (ctx != NULL)
		v->eng->close(ctx);
	if (mf == NULL) {
		v_fail(v, V_ELECTION, "manifest.bin is missing");
		goto out;
	}
	if ((r = rv_manifest_decode(mf->data, mf->len, &v->m)) != 0) {
		v_fail(v, V_ELECTION, "manifest.bin does not decode (%s)",
		    err_name(r));
		v->m = NULL;
		goto out;
	}
	/* Where each contest's options sit in the per-option arrays. */
	if ((v->sum_off = calloc(v->m->ncontests + 1, sizeof(size_t)))
	    == NULL) {
		v_fatal(v, V_ELECTION, ERR_NOMEM, "out of memory");
		rv_manifest_free(v->m);
		v->m = NULL;
		goto out;
	}
	for (i = 0; i < v->m->ncontests; i++)
		v->sum_off[i + 1] = v->sum_off[i] + v->m->contests[i].noptions;
	v->nsums = v->sum_off[v->m->ncontests];
	if (strcmp(v->m->id, v->election_id) != 0)
		v_fail(v, V_ELECTION, "election.json's election_id is not the "
		    "manifest's");
	flag = v->test_single ? 1 : 0;
	fields[0] = mf->data;
	lens[0] = mf->len;
	fields[1] = v->K;
	lens[1] = 65;
	fields[2] = &flag;
	lens[2] = 1;
	if (v->eng->transcript("ippyo/context/v1", fields, lens, 3, h) != 0 ||
	    memcmp(h, v->context, 32) != 0)
		v_fail(v, V_ELECTION, "context_hash does not recompute from "
		    "the manifest, the key and the test flag");
 out:
	v_done(v, V_ELECTION);
}

/* ---- the runs ----------------------------------------------------- */

static unsigned
online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > VERIFY_THREADS_MAX ? VERIFY_THREADS_MAX :
	    (unsigned)n;
}

static int
ctx_open(struct vctx *v, const char *path, const struct verify_opts *o,
    struct verify_report *rep)
{
	char why[160];
	int r;

	memset(v, 0, sizeof(*v));
	memset(rep, 0, sizeof(*rep));
	v->o = o;
	v->rep = rep;
	v->eng = o->engine != NULL ? o->engine : &engine_openssl;
	v->threads = o->threads ? o->threads : online_cpus();
	if (v->threads > VERIFY_THREADS_MAX)
		v->threads = VERIFY_THREADS_MAX;
	v_progress(v, "reading %s", path);
	if ((r = rec_open(path, &v->rs, why, sizeof(why))) != 0) {
		snprintf(rep->unusable, sizeof(rep->unusable), "%s (%s)", why,
		    err_name(r));
		return r;
	}
	if (rec_find(v->rs, "INDEX") == NULL &&
	    rec_find(v->rs, "election.json") == NULL) {
		snprintf(rep->unusable, sizeof(rep->unusable), "not an "
		    "election record: neither INDEX nor election.json");
		return ERR_FORMAT;
	}
	el_load(v);
	rep->test_single_key = v->el_loaded && v->test_single;
	return 0;
}

static void
ctx_close(struct vctx *v)
{
	size_t i;

	rec_close(v->rs);
	rv_manifest_free(v->m);
	free(v->e);
	free(v->bflags);
	free(v->proof_bad);
	free(v->chain);
	free(v->counted);
	free(v->sums);
	free(v->sum_off);
	free(v->tally);
	for (i = 0; i < LIMIT_TRUSTEES_MAX; i++)
		free(v->shares[i]);
}

/* The TEST-ONLY warning, after the verdict, whenever the record says
 * it has a single test key. */
static void
test_only_line(FILE *f, const struct verify_report *rep)
{
	if (f != NULL && rep->test_single_key)
		fprintf(f, "WARNING: TEST-ONLY record: one election key made "
		    "by one process, no trustee ceremony; never use it for "
		    "a real election\n");
}

static struct verify_report *
rep_or(struct verify_report *rep)
{
	return rep != NULL ? rep : calloc(1, sizeof(*rep));
}

int
verify_record(const char *path, const struct verify_opts *o,
    struct verify_report *rep_in)
{
	struct verify_report *rep = rep_or(rep_in);
	struct vctx v;
	int r, i;

	REQUIRE(path != NULL && o != NULL);
	if (rep == NULL)
		return ERR_NOMEM;
	if ((r = ctx_open(&v, path, o, rep)) != 0)
		goto out;
	v_progress(&v, "V1: hashing every file");
	check_index(&v);
	check_keys(&v);
	check_election(&v);
	v_check_ceremony(&v);
	v_box_parse(&v);
	v_counted_load(&v);
	if ((r = v_pass(&v, 0, v.ne)) != 0) {
		snprintf(rep->unusable, sizeof(rep->unusable), "the pass over "
		    "the ballots stopped (%s)", err_name(r));
		goto out;
	}
	v_check_ballots(&v);
	v_check_chain(&v);
	v_check_proofs(&v);
	v_check_checkpoints(&v);
	v_check_counted(&v);
	v_tally_load(&v);
	v_check_aggregates(&v);
	v_check_decryption(&v);
	v_check_results(&v);
	v_check_audit(&v);
	r = 0;
	for (i = 1; i <= VERIFY_CHECKS; i++)
		if (rep->status[i] == VERIFY_FAIL ||
		    rep->status[i] == VERIFY_SKIP ||
		    rep->status[i] == VERIFY_NOT_RUN)
			r = ERR_VERIFY;
	if (v.fatal != 0) {
		/* Not the record's fault: no verdict on it. */
		r = v.fatal;
		if (o->out != NULL)
			fprintf(o->out, "record NOT VERIFIED: %s\n",
			    rep->unusable);
		goto out;
	}
	if (o->out != NULL) {
		if (r == 0)
			fprintf(o->out, "record valid: election %s, %zu ballots "
			    "cast, %llu counted\n", v.election_id, v.ne,
			    (unsigned long long)v.ballots_counted);
		else
			fprintf(o->out, "record INVALID: first failing check "
			    "V%d (%s)\n", rep->first_fail,
			    verify_check_name(rep->first_fail));
		test_only_line(o->out, rep);
	}
 out:
	ctx_close(&v);
	if (rep != rep_in)
		free(rep);
	return r;
}

/* ---- one voter's check -------------------------------------------- */

/* What superseded.json says of position p: 0 nothing, 1 revote, 2
 * admitted in person; -1 when it cannot be read. */
static int
superseded_of(struct vctx *v, uint64_t p, uint64_t *by)
{
	const struct rec_file *f = rec_find(v->rs, "superseded.json");
	json_t *root = NULL;
	const char *reason;
	uint64_t q;
	size_t i, rl;
	int r = -1;

	*by = 0;
	if (f == NULL || rj_load(f->data, f->len,
	    (size_t)rec_limit("superseded.json"), &root) != 0 ||
	    !json_is_array(root))
		goto out;
	r = 0;
	for (i = 0; i < json_array_size(root); i++) {
		json_t *e = json_array_get(root, i);

		if (rj_get_uint(e, "position", RJ_INT_MAX, &q) != 0 || q != p)
			continue;
		if (rj_get_str(e, "reason", 32, &reason, &rl) != 0)
			r = -1;
		else if (rl == 6 && memcmp(reason, "revote", 6) == 0 &&
		    rj_get_uint(e, "by", RJ_INT_MAX, by) == 0)
			r = 1;
		else if (rl == 18 &&
		    memcmp(reason, "admitted_in_person", 18) == 0)
			r = 2;
		else
			r = -1;
		break;
	}
 out:
	json_decref(root);
	return r;
}

static void
ballot_line(FILE *f, const char *name, int ok, const char *what)
{
	if (f != NULL)
		fprintf(f, "%s: %s%s%s\n", name, ok ? "pass" : "FAIL",
		    what[0] ? " " : "", what);
}

int
verify_ballot(const char *path, const uint8_t code[32],
    const struct verify_opts *o, struct verify_report *rep_in)
{
	struct verify_report *rep = rep_or(rep_in);
	struct verify_opts quiet;
	struct vctx v;
	char what[VERIFY_WHAT_MAX], hex[65];
	size_t i, at = SIZE_MAX;
	uint64_t by = 0;
	int r, ok, sup, bad = 0;

	REQUIRE(path != NULL && code != NULL && o != NULL);
	if (rep == NULL)
		return ERR_NOMEM;
	if ((r = ctx_open(&v, path, o, rep)) != 0)
		goto out;
	check_index(&v);
	check_keys(&v);
	check_election(&v);
	v_box_parse(&v);
	v_counted_load(&v);
	/* Whole-box checks that cost little, reported as usual. */
	if (!v.box_ok)
		v_done(&v, V_BALLOTS);
	v_check_chain(&v);
	v_check_checkpoints(&v);
	v_check_counted(&v);
	for (i = 1; i <= VERIFY_CHECKS; i++)
		if (rep->status[i] == VERIFY_FAIL ||
		    rep->status[i] == VERIFY_SKIP)
			bad = 1;

	/* B1: the code is in the box. */
	v_hex(code, 32, hex, sizeof(hex));
	for (i = 0; v.box_ok && i < v.ne; i++)
		if (memcmp(v.e[i].code, code, 32) == 0) {
			at = i;
			break;
		}
	if (at == SIZE_MAX) {
		snprintf(what, sizeof(what), "no ballot in the box has "
		    "tracking code %s", hex);
		ballot_line(o->out, "B1 in the box", 0, what);
		r = ERR_NOT_FOUND;
		goto out;
	}
	rep->ballot_found = 1;
	rep->ballot_position = (unsigned long long)at + 1;
	snprintf(what, sizeof(what), "position %zu of %zu, received %.*s", at +
	    1, v.ne, (int)v.e[at].at_len, v.e[at].at);
	ballot_line(o->out, "B1 in the box", 1, what);

	/* B2: well-formed, the hash recomputes, valid proofs. */
	quiet = *o;
	quiet.progress = NULL;
	v.o = &quiet;
	if ((r = v_pass(&v, at, at + 1)) != 0) {
		snprintf(rep->unusable, sizeof(rep->unusable), "the pass over "
		    "the ballots stopped (%s)", err_name(r));
		goto out;
	}
	v.o = o;
	ok = v.m != NULL && v.key_ok && v.bflags[at] == 0 &&
	    v.proof_bad[at] == 0 && v.e[at].alias_len == V_ALIAS_LEN;
	snprintf(what, sizeof(what), "%s", ok ? "" : v.m == NULL ||
	    !v.key_ok ? "not checked: the election does not verify (V3)" :
	    v.bflags[at] & VB_DECODE ? "the ballot does not decode" :
	    v.bflags[at] & VB_HASH ? "the ballot hash does not recompute" :
	    v.bflags[at] ? "the ballot belongs to another election, "
	    "context or voter" : "a proof does not verify");
	ballot_line(o->out, "B2 ballot well-formed, proofs valid", ok, what);
	bad |= !ok;

	/* B3: chained, and covered by the final checkpoint. */
	ok = v.chain_ok && memcmp(v.chain[at + 1], code, 32) == 0 &&
	    rep->status[V_CHECKPOINTS] == VERIFY_PASS;
	snprintf(what, sizeof(what), "%s", ok ? "" : !v.chain_ok ?
	    "the chain cannot be recomputed" : memcmp(v.chain[at + 1], code,
	    32) != 0 ? "the code does not recompute from the start of the "
	    "box" : "the box's checkpoints do not verify (V8)");
	ballot_line(o->out, "B3 chained and sealed", ok, what);
	bad |= !ok;

	/* B4: counted, or why not. */
	sup = superseded_of(&v, at + 1, &by);
	ok = 1;
	if (v.counted_loaded && v.counted[at] && sup == 0) {
		rep->ballot_state = VERIFY_BALLOT_COUNTED;
		snprintf(what, sizeof(what), "COUNTED");
	} else if (!(v.counted_loaded && v.counted[at]) && sup == 1) {
		rep->ballot_state = VERIFY_BALLOT_SUPERSEDED;
		rep->superseded_by = (unsigned long long)by;
		snprintf(what, sizeof(what), "NOT COUNTED: superseded by the "
		    "same voter's later ballot at position %llu (the last "
		    "ballot counts)", (unsigned long long)by);
	} else if (!(v.counted_loaded && v.counted[at]) && sup == 2) {
		rep->ballot_state = VERIFY_BALLOT_CANCELLED;
		snprintf(what, sizeof(what), "NOT COUNTED: cancelled, the "
		    "voter was admitted in person at a polling station");
	} else {
		ok = 0;
		snprintf(what, sizeof(what), "the record does not say "
		    "consistently whether it counted");
	}
	if (rep->status[V_COUNTED] != VERIFY_PASS && ok) {
		ok = 0;
		snprintf(what + strlen(what), sizeof(what) - strlen(what),
		    " (but the counted set does not verify: V9)");
	}
	ballot_line(o->out, "B4 status", ok, what);
	bad |= !ok;
	r = bad ? ERR_VERIFY : 0;
	if (v.fatal != 0)
		r = v.fatal;	/* not the record's fault: no verdict */
 out:
	test_only_line(o->out, rep);
	ctx_close(&v);
	if (rep != rep_in)
		free(rep);
	return r;
}
