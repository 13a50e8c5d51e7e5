/*
 * verify_int.h - what the checks of ippyo-verify share (verify*.c only).
 */
#ifndef IPPYO_AUDIT_VERIFY_INT_H
#define IPPYO_AUDIT_VERIFY_INT_H

#include <stddef.h>
#include <stdint.h>

#include "audit/engine.h"
#include "audit/recjson.h"
#include "audit/recload.h"
#include "audit/recview.h"
#include "audit/verify.h"
#include "core/limits.h"

/* Lengths fixed by docs/PROTOCOL-crypto.md §8 (not taken from crypto/). */
#define V_DKG_ITEM_LEN		(65 + 97)	/* point || Schnorr proof */
#define V_DKG_SHARE_LEN		(65 + 32 + 16 + 64)
#define V_DKG_COMPLAINT_LEN	(65 + 162)
#define V_DSHARE_LEN		(65 + 162)
#define V_ALIAS_LEN		32		/* lowercase hex alias */
#define V_TIME_LEN		27		/* YYYY-MM-DDTHH:MM:SS.ffffffZ */
#define V_BALLOT_MAX		(16u * 1024 * 1024)

/* Check numbers (docs/VERIFY.md). */
enum {
	V_INDEX = 1, V_KEYS, V_ELECTION, V_CEREMONY, V_BALLOTS, V_CHAIN,
	V_PROOFS, V_CHECKPOINTS, V_COUNTED, V_AGGREGATES, V_DECRYPTION,
	V_RESULTS, V_AUDIT
};

struct ventry {				/* one entry of ballots.bin */
	uint64_t position;		/* as written */
	const uint8_t *alias;		/* as written (alias_len bytes) */
	size_t alias_len;
	const uint8_t *bhash;		/* 32 bytes, as written */
	const uint8_t *code;		/* 32 bytes, as written */
	const char *at;			/* received_at, at_len bytes */
	size_t at_len;
	const uint8_t *ballot;		/* the canonical ballot */
	size_t ballot_len;
};

/* Per-entry findings of the parallel pass (bits of vctx.bflags). */
#define VB_DECODE	0x01	/* ballot does not decode for the manifest */
#define VB_ELECTION	0x02	/* another election's id */
#define VB_CONTEXT	0x04	/* another context hash */
#define VB_ALIAS	0x08	/* alias differs from the entry's */
#define VB_HASH		0x10	/* ballot hash differs from the entry's */
#define VB_SUM		0x20	/* a counted ciphertext could not be summed */

struct vctx {
	const struct verify_opts *o;
	const struct engine_ops *eng;
	struct verify_report *rep;
	struct rec_set *rs;
	unsigned threads;		/* worker threads for the pass */
	int fatal;			/* first error that is not the
					   record's fault (ERR_NOMEM), or 0 */

	/* election.json (loaded before V1; V3 judges it) */
	int el_loaded;			/* parsed in full */
	int el_committee;		/* committee_key read (for V1) */
	char el_err[VERIFY_WHAT_MAX];	/* why it did not parse */
	char election_id[LIMIT_ID_LEN_MAX + 1];
	uint64_t created_us;
	uint8_t K[65];			/* the election key */
	uint8_t context[32];		/* stated context hash */
	int test_single;		/* TEST-ONLY single key */
	uint32_t n, k;			/* ceremony, or 1, 1 for a test key */
	uint8_t cctx[32];		/* stated ceremony context */
	uint32_t qual[LIMIT_TRUSTEES_MAX];	/* stated qualified set */
	size_t nqual;
	uint8_t box_key[32];
	uint8_t committee_key[32];
	uint64_t ballots_cast, ballots_counted;

	/* V3 */
	struct rv_manifest *m;		/* decoded manifest, or NULL */
	int key_ok;			/* K is a valid point */

	/* V4 */
	int vk_ok;			/* P[] holds the verification keys */
	uint8_t P[LIMIT_TRUSTEES_MAX + 1][65];	/* P_j, j in 1..n */
	uint8_t is_qual[LIMIT_TRUSTEES_MAX + 1];	/* j in the (own) Q */

	/* ballots.bin (V5 structure) */
	int box_ok;			/* the file's structure parsed */
	struct ventry *e;		/* entries, e[i] is position i + 1 */
	size_t ne;
	uint8_t *bflags;		/* VB_* per entry */
	uint32_t *proof_bad;		/* failing contests per entry (bits) */
	uint8_t (*chain)[32];		/* recomputed code(0..ne) */
	int chain_ok;			/* chain[] computed */

	/* counted.json (read for the pass; V9 judges it) */
	int counted_loaded;
	uint8_t *counted;		/* 1 per entry listed in counted.json */
	uint64_t ncounted;

	/* the pass: sums over counted ballots (V10) */
	int sums_ok;
	uint8_t *sums;			/* [contest][option] 130 bytes */
	size_t nsums;			/* options over all contests */
	size_t *sum_off;		/* first option of contest c in sums */

	/* tally.json (V10) */
	int tally_loaded;
	uint8_t *tally;			/* stated aggregates, as sums */

	/* decryption (V11) */
	uint32_t part[LIMIT_TRUSTEES_MAX];	/* participating trustees */
	size_t npart;
	uint8_t *shares[LIMIT_TRUSTEES_MAX];	/* [option] 227 bytes each */
};

/* Reporting (verify.c). */
void v_fail(struct vctx *v, int check, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void v_done(struct vctx *v, int check);
void v_skip(struct vctx *v, int check, int needs);
/* A check that could not run for a reason that is not the record's
 * (out of memory): marks it failed ("not checked: what") and makes the
 * run return err (ERR_INTERNAL if 0) with rep->unusable set: exit 2. */
void v_fatal(struct vctx *v, int check, int err, const char *what);
void v_warn(struct vctx *v, int check, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int v_failed(const struct vctx *v, int check);
void v_progress(struct vctx *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Helpers. */
int v_time_ok(const char *s, size_t len);
void v_hex(const uint8_t *p, size_t n, char *out, size_t outlen);
int v_load_json(struct vctx *v, int check, const char *path, json_t **root);

/* The checks. */
void v_check_ceremony(struct vctx *v);			/* V4 */
void v_box_parse(struct vctx *v);			/* V5 structure */
void v_counted_load(struct vctx *v);			/* for the pass */
void v_tally_load(struct vctx *v);			/* for V10-V12 */
int v_pass(struct vctx *v, size_t lo, size_t hi);	/* the pass */
void v_check_ballots(struct vctx *v);			/* V5 */
void v_check_chain(struct vctx *v);			/* V6 */
void v_check_proofs(struct vctx *v);			/* V7 */
void v_check_checkpoints(struct vctx *v);		/* V8 */
void v_check_counted(struct vctx *v);			/* V9 */
void v_check_aggregates(struct vctx *v);		/* V10 */
void v_check_decryption(struct vctx *v);		/* V11 */
void v_check_results(struct vctx *v);			/* V12 */
void v_check_audit(struct vctx *v);			/* V13 */

/* Tracking codes (verify_box.c). */
int v_seed(struct vctx *v, uint8_t out[32]);
int v_code(struct vctx *v, const uint8_t prev[32], uint64_t pos,
    const uint8_t bhash[32], const char *at, size_t at_len, uint8_t out[32]);
/* The message a box checkpoint signs (docs/PROTOCOL-record.md §8). */
size_t v_checkpoint_msg(const struct vctx *v, uint64_t pos,
    const uint8_t code[32], const char *at, size_t at_len, uint8_t *out,
    size_t max);

#endif /* IPPYO_AUDIT_VERIFY_INT_H */
