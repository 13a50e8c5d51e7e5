/*
 * verify_audit.c - the audit log in the record (V13): every link, every
 * hash that can be recomputed (redacted entries show only theirs), the
 * committee's checkpoints, and this election's lifecycle in order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/recjson.h"
#include "audit/verify_int.h"
#include "core/err.h"

#define AUDIT_DOMAIN	"ippyo-audit-v1"
#define ACTOR_MAX	128
#define OBJECT_MAX	256
#define DETAIL_MAX	4096

static void
be32(uint8_t *p, uint32_t x)
{
	p[0] = (uint8_t)(x >> 24);
	p[1] = (uint8_t)(x >> 16);
	p[2] = (uint8_t)(x >> 8);
	p[3] = (uint8_t)x;
}

static void
be64(uint8_t *p, uint64_t x)
{
	be32(p, (uint32_t)(x >> 32));
	be32(p + 4, (uint32_t)x);
}

/* A string field of an entry: 0..max bytes (empty allowed). */
static int
field(const json_t *e, const char *key, size_t max, const char **s,
    size_t *len)
{
	const json_t *x = json_object_get(e, key);

	if (!json_is_string(x))
		return ERR_FORMAT;
	*s = json_string_value(x);
	*len = json_string_length(x);
	if (*len > max || memchr(*s, '\0', *len) != NULL)
		return ERR_RANGE;
	return 0;
}

static int
action_ok(const char *s, size_t len)
{
	size_t i;

	if (len < 1 || len > 64 || s[0] < 'a' || s[0] > 'z')
		return 0;
	for (i = 1; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' &&
		    s[i] <= '9') || s[i] == '_' || s[i] == '.' || s[i] == '-'))
			return 0;
	return 1;
}

/* The lifecycle steps, in order (docs/PROTOCOL-record.md §11). */
enum { L_CREATE, L_ROLL, L_KEYS, L_OPEN, L_CLOSE, L_TSTART, L_TPUBLISH,
    L_TALLIED, L_N };

static int
step_of(const struct vctx *v, const char *a, size_t len)
{
#define IS(lit) (len == sizeof(lit) - 1 && memcmp(a, lit, len) == 0)
	if (IS("election.create"))
		return L_CREATE;
	if (IS("election.roll_frozen"))
		return L_ROLL;
	if (IS("election.keys_test_single"))
		return v->test_single ? L_KEYS : -2;
	if (len > 13 && memcmp(a, "election.keys", 13) == 0)
		return v->test_single ? -2 : L_KEYS;
	if (IS("election.open"))
		return L_OPEN;
	if (IS("election.close"))
		return L_CLOSE;
	if (IS("tally.start"))
		return L_TSTART;
	if (IS("tally.publish"))
		return L_TPUBLISH;
	if (IS("election.tallied"))
		return L_TALLIED;
	return -1;
#undef IS
}

/*
 * A tally.share entry: its detail starts "trustee J:" (J in 1..n), once
 * per trustee, after tally.start and before tally.publish.
 */
static void
share_step(struct vctx *v, size_t at, const char *detail, size_t len,
    int step, uint8_t *shared)
{
	unsigned long j = 0;
	size_t i = 8;

	if (len < 10 || memcmp(detail, "trustee ", 8) != 0 ||
	    detail[8] < '1' || detail[8] > '9') {
		v_fail(v, V_AUDIT, "entry %zu: tally.share does not name its "
		    "trustee", at);
		return;
	}
	while (i < len && i < 12 && detail[i] >= '0' && detail[i] <= '9')
		j = j * 10 + (unsigned long)(detail[i++] - '0');
	if (i >= len || detail[i] != ':' || j > v->n ||
	    j > LIMIT_TRUSTEES_MAX) {
		v_fail(v, V_AUDIT, "entry %zu: tally.share does not name one "
		    "of the %u trustees", at, v->n);
		return;
	}
	if (step != L_TSTART)
		v_fail(v, V_AUDIT, "entry %zu: tally.share outside the tally "
		    "(after tally.start, before tally.publish)", at);
	if (shared[j])
		v_fail(v, V_AUDIT, "entry %zu: a second tally.share for "
		    "trustee %lu", at, j);
	shared[j] = 1;
}

void
v_check_audit(struct vctx *v)
{
	static const char *const fkeys[] = { "seq", "at", "actor", "action",
	    "object", "detail", "prev_hash", "hash" };
	static const char *const rkeys[] = { "seq", "redacted", "prev_hash",
	    "hash" };
	static const char *const ckeys[] = { "seq", "hash", "at",
	    "public_key", "signature" };
	static const char *const names[L_N] = { "election.create",
	    "election.roll_frozen", "the key step", "election.open",
	    "election.close", "tally.start", "tally.publish",
	    "election.tallied" };
	static const char *const tkeys[] = { "entries", "checkpoints" };
	json_t *root = NULL, *es, *cs;
	uint8_t (*hashes)[32] = NULL, prev[32], h[32];
	uint64_t seq, last_cp = 0;
	size_t n, i, idl;
	int seen[L_N] = { 0 }, step = -1, s;
	uint8_t shared[LIMIT_TRUSTEES_MAX + 1] = { 0 };

	if (!v->el_loaded) {
		v_skip(v, V_AUDIT, V_ELECTION);
		return;
	}
	idl = strlen(v->election_id);
	if (v_load_json(v, V_AUDIT, "audit.json", &root) != 0)
		goto out;
	if (rj_keys(root, tkeys, 2) != 0 ||
	    rj_get_array(root, "entries", &es) != 0 ||
	    rj_get_array(root, "checkpoints", &cs) != 0) {
		v_fail(v, V_AUDIT, "audit.json is not {entries, checkpoints}");
		goto out;
	}
	n = json_array_size(es);
	if (n == 0) {
		v_fail(v, V_AUDIT, "the audit log is empty");
		goto out;
	}
	if ((hashes = calloc(n, 32)) == NULL) {
		v_fatal(v, V_AUDIT, ERR_NOMEM, "out of memory");
		goto out;
	}
	memset(prev, 0, sizeof(prev));
	for (i = 0; i < n; i++) {
		json_t *e = json_array_get(es, i);
		const char *at, *actor, *action, *object, *detail;
		size_t atl, acl, anl, obl, del;
		uint8_t ph[32];
		int red = 0, ours;

		if (json_object_get(e, "redacted") != NULL) {
			if (rj_keys(e, rkeys, 4) != 0 ||
			    rj_get_bool(e, "redacted", &red) != 0 || !red) {
				v_fail(v, V_AUDIT, "entry %zu: a redacted "
				    "entry is not as documented", i + 1);
				goto out;
			}
		} else if (rj_keys(e, fkeys, 8) != 0) {
			v_fail(v, V_AUDIT, "entry %zu is not as documented",
			    i + 1);
			goto out;
		}
		if (rj_get_uint(e, "seq", RJ_INT_MAX, &seq) != 0 ||
		    seq != i + 1 ||
		    rj_get_hex(e, "prev_hash", ph, 32) != 0 ||
		    rj_get_hex(e, "hash", hashes[i], 32) != 0) {
			v_fail(v, V_AUDIT, "entry %zu: seq, prev_hash or hash "
			    "is wrong or malformed", i + 1);
			goto out;
		}
		if (memcmp(ph, prev, 32) != 0)
			v_fail(v, V_AUDIT, "entry %zu does not link to the "
			    "entry before it", i + 1);
		if (!red) {
			uint8_t sb[8], l1[4], l2[4], l3[4], l4[4], l5[4];
			const uint8_t *parts[13];
			size_t lens[13];

			if (field(e, "at", V_TIME_LEN, &at, &atl) != 0 ||
			    !v_time_ok(at, atl) ||
			    field(e, "actor", ACTOR_MAX, &actor, &acl) != 0 ||
			    field(e, "action", 64, &action, &anl) != 0 ||
			    !action_ok(action, anl) ||
			    field(e, "object", OBJECT_MAX, &object, &obl)
			    != 0 ||
			    field(e, "detail", DETAIL_MAX, &detail, &del)
			    != 0) {
				v_fail(v, V_AUDIT, "entry %zu: a field is "
				    "malformed", i + 1);
				memcpy(prev, hashes[i], 32);
				continue;
			}
			be64(sb, seq);
			be32(l1, (uint32_t)atl);
			be32(l2, (uint32_t)acl);
			be32(l3, (uint32_t)anl);
			be32(l4, (uint32_t)obl);
			be32(l5, (uint32_t)del);
			parts[0] = (const uint8_t *)AUDIT_DOMAIN;
			lens[0] = sizeof(AUDIT_DOMAIN) - 1;
			parts[1] = sb; lens[1] = 8;
			parts[2] = ph; lens[2] = 32;
			parts[3] = l1; lens[3] = 4;
			parts[4] = (const uint8_t *)at; lens[4] = atl;
			parts[5] = l2; lens[5] = 4;
			parts[6] = (const uint8_t *)actor; lens[6] = acl;
			parts[7] = l3; lens[7] = 4;
			parts[8] = (const uint8_t *)action; lens[8] = anl;
			parts[9] = l4; lens[9] = 4;
			parts[10] = (const uint8_t *)object; lens[10] = obl;
			parts[11] = l5; lens[11] = 4;
			parts[12] = (const uint8_t *)detail; lens[12] = del;
			if (v->eng->sha256(parts, lens, 13, h) != 0 ||
			    memcmp(h, hashes[i], 32) != 0)
				v_fail(v, V_AUDIT, "entry %zu: the hash does "
				    "not recompute", i + 1);
			/* This election's lifecycle, in order. */
			ours = obl == idl && memcmp(object, v->election_id,
			    idl) == 0;
			if (ours && anl == 11 && memcmp(action, "tally.share",
			    11) == 0)
				share_step(v, i + 1, detail, del, step, shared);
			else if (ours && (s = step_of(v, action, anl)) != -1) {
				if (s == -2)
					v_fail(v, V_AUDIT, "entry %zu: a key "
					    "step that contradicts "
					    "test_single_key", i + 1);
				else if (seen[s] || s <= step)
					v_fail(v, V_AUDIT, "entry %zu: %s out "
					    "of order or repeated", i + 1,
					    names[s]);
				else {
					seen[s] = 1;
					step = s;
				}
			}
		}
		memcpy(prev, hashes[i], 32);
	}
	for (s = 0; s < L_N; s++)
		if (!seen[s])
			v_fail(v, V_AUDIT, "the log does not show %s for this "
			    "election", names[s]);
	/* A tally.share for each trustee whose shares the record holds, and
	 * for no other (V11 read decryption/). */
	for (i = 0; i < v->npart; i++)
		if (!shared[v->part[i]])
			v_fail(v, V_AUDIT, "the log does not show tally.share "
			    "for trustee %u, whose shares the record holds",
			    (unsigned)v->part[i]);
	for (i = 1; i <= LIMIT_TRUSTEES_MAX; i++) {
		size_t q;

		for (q = 0; q < v->npart && v->part[q] != i; q++)
			;
		if (shared[i] && q == v->npart)
			v_fail(v, V_AUDIT, "the log shows tally.share for "
			    "trustee %zu, whose shares the record lacks", i);
	}

	/* Checkpoints: the committee's, on the chain, the last at the end. */
	if (json_array_size(cs) == 0)
		v_fail(v, V_AUDIT, "no checkpoint signs the log");
	for (i = 0; i < json_array_size(cs); i++) {
		json_t *c = json_array_get(cs, i);
		uint8_t ch[32], pk[32], sig[64], msg[8 + 32 + 4 + V_TIME_LEN];
		const char *at;
		size_t atl;

		if (rj_keys(c, ckeys, 5) != 0 ||
		    rj_get_uint(c, "seq", n, &seq) != 0 || seq < 1 ||
		    rj_get_hex(c, "hash", ch, 32) != 0 ||
		    rj_get_str(c, "at", V_TIME_LEN, &at, &atl) != 0 ||
		    !v_time_ok(at, atl) ||
		    rj_get_hex(c, "public_key", pk, 32) != 0 ||
		    rj_get_hex(c, "signature", sig, 64) != 0) {
			v_fail(v, V_AUDIT, "checkpoint %zu is not as "
			    "documented (or past the log)", i + 1);
			continue;
		}
		if (seq < last_cp)
			v_fail(v, V_AUDIT, "checkpoint %zu goes backwards",
			    i + 1);
		last_cp = seq;
		if (memcmp(ch, hashes[seq - 1], 32) != 0)
			v_fail(v, V_AUDIT, "checkpoint %zu: its hash is not "
			    "entry %llu's", i + 1, (unsigned long long)seq);
		if (memcmp(pk, v->committee_key, 32) != 0) {
			v_fail(v, V_AUDIT, "checkpoint %zu is not signed by "
			    "the committee_key", i + 1);
			continue;
		}
		be64(msg, seq);
		memcpy(msg + 8, ch, 32);
		be32(msg + 40, (uint32_t)atl);
		memcpy(msg + 44, at, atl);
		if (v->eng->sig_verify(pk, "audit-checkpoint", msg, 44 + atl,
		    sig) != 0)
			v_fail(v, V_AUDIT, "checkpoint %zu: the signature does "
			    "not verify", i + 1);
	}
	if (last_cp != n)
		v_fail(v, V_AUDIT, "the last checkpoint is at entry %llu, not "
		    "the end of the log (%zu)", (unsigned long long)last_cp, n);
 out:
	free(hashes);
	json_decref(root);
	v_done(v, V_AUDIT);
}
