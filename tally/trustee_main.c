/*
 * trustee_main.c - `ippyo-trustee`, each trustee's offline tool for the
 * key ceremony and the tally (docs/PROTOCOL-ceremony.md, and its how-to
 * for trustees).  Files only: no database, no network.
 *
 *	ippyo-trustee init --ceremony FILE --index I --state STATE --out DIR
 *	ippyo-trustee shares --state STATE --publics DIR --out DIR
 *	ippyo-trustee receive --state STATE --publics DIR --shares DIR
 *	    [--complaints DIR]
 *	ippyo-trustee finish --state STATE --publics DIR --ceremony-result FILE
 *	ippyo-trustee decrypt --state STATE --record DIR --out FILE
 *	    [--box-key HEX] [--committee-key HEX]
 *	ippyo-trustee show --state STATE
 *
 * The state (the DKG secrets, and what this trustee has seen and
 * pinned) lives only in a file sealed under the trustee's passphrase
 * (crypto/seal.h, Argon2id + XChaCha20-Poly1305), rewritten atomically
 * after each step.  The passphrase is asked on the terminal without
 * echo, or read as one line from --passphrase-fd N (tests, automation);
 * never from the command line, never logged, wiped after use.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "core/err.h"
#include "core/file.h"
#include "core/limits.h"
#include "core/strparse.h"
#include "core/vbuf.h"
#include "crypto/ct.h"
#include "crypto/dkg.h"
#include "crypto/elgamal.h"
#include "crypto/group.h"
#include "crypto/hash.h"
#include "crypto/seal.h"
#include "crypto/secret.h"
#include "registry/card_cmd.h"
#include "tally/ceremony.h"
#include "tally/cfile.h"
#include "tally/recheck.h"

#define STATE_LABEL "trustee-state"
#define STATE_MAGIC "IPPYOTRS"
#define STATE_VERSION 1
#define PASSPHRASE_MIN 12

enum stage {
	STAGE_INIT = 1,		/* public message made */
	STAGE_SHARED = 2,	/* public messages pinned, shares sent */
	STAGE_FINISHED = 3	/* key share s_j made */
};

/* What the sealed state file holds (docs/PROTOCOL-ceremony.md). */
struct tstate {
	uint8_t stage;				/* enum stage */
	uint8_t test_kdf;			/* sealed with test parameters */
	char election_id[LIMIT_ID_LEN_MAX + 1];
	uint8_t manifest_hash[HASH_LEN];	/* SHA-256 of the manifest */
	uint8_t own_pub[HASH_LEN];		/* SHA-256 of own public msg */
	uint32_t npinned;			/* 0, or n once shared */
	uint8_t pinned[LIMIT_TRUSTEES_MAX][HASH_LEN]; /* public msgs seen */
	uint8_t key[GROUP_POINT_LEN];		/* K once finished */
	uint32_t nq;				/* Q once finished */
	uint32_t qual[LIMIT_TRUSTEES_MAX];
	struct dkg_trustee *t;			/* the DKG secrets */
};

struct opts {
	const char *ceremony, *state, *out, *publics, *shares, *complaints;
	const char *result, *record;
	const char *box_key, *committee_key;	/* decrypt's pins (hex) */
	uint64_t index;
	int pfd;
	int test_kdf;
};

static const char *prog = "ippyo-trustee";

static void
usage(void)
{
	fprintf(stderr, "usage:\n"
	    "  ippyo-trustee init --ceremony FILE --index I --state STATE "
	    "--out DIR\n"
	    "  ippyo-trustee shares --state STATE --publics DIR --out DIR\n"
	    "  ippyo-trustee receive --state STATE --publics DIR --shares DIR "
	    "[--complaints DIR]\n"
	    "  ippyo-trustee finish --state STATE --publics DIR "
	    "--ceremony-result FILE\n"
	    "  ippyo-trustee decrypt --state STATE --record DIR --out FILE\n"
	    "      [--box-key HEX] [--committee-key HEX]   (the keys "
	    "published before the election)\n"
	    "  ippyo-trustee show --state STATE\n"
	    "  (all take --passphrase-fd N to read the passphrase from a file "
	    "descriptor;\n   init takes --test-kdf, FOR TESTS ONLY: weak "
	    "passphrase hashing)\n");
}

static void
tstate_clear(struct tstate *s)
{
	dkg_trustee_free(s->t);
	secret_wipe(s, sizeof(*s));
}

/* Reads the passphrase (twice on a terminal when confirm). */
static int
ask_passphrase(int fd, int confirm, struct secret **out)
{
	char a[LIMIT_PASSPHRASE_MAX + 1], b[LIMIT_PASSPHRASE_MAX + 1];
	size_t la = 0, lb = 0;
	int r;

	*out = NULL;
	if ((r = card_ask_secret(fd, confirm ? "New passphrase for your "
	    "trustee file: " : "Passphrase of your trustee file: ", a,
	    sizeof(a), &la)) != 0) {
		fprintf(stderr, "%s: could not read the passphrase: %s\n", prog,
		    err_str(r));
		goto out;
	}
	if (confirm && la < PASSPHRASE_MIN) {
		fprintf(stderr, "%s: the passphrase must have at least %d "
		    "characters\n", prog, PASSPHRASE_MIN);
		r = ERR_RANGE;
		goto out;
	}
	if (confirm && fd < 0) {
		if ((r = card_ask_secret(fd, "The same passphrase again: ", b,
		    sizeof(b), &lb)) != 0)
			goto out;
		if (la != lb || memcmp(a, b, la) != 0) {
			fprintf(stderr, "%s: the two passphrases differ; nothing "
			    "was written\n", prog);
			r = ERR_MISMATCH;
			goto out;
		}
	}
	r = secret_from(a, la, out);
 out:
	secret_wipe(a, sizeof(a));
	secret_wipe(b, sizeof(b));
	return r;
}

/* Serialises s into a new secret. */
static int
tstate_encode(const struct tstate *s, struct secret **out)
{
	struct secret *d = NULL;
	struct vbuf *b = NULL;
	uint32_t i;
	int r;

	*out = NULL;
	if ((r = dkg_trustee_export(s->t, &d)) != 0)
		return r;
	if ((b = vbuf_new(LIMIT_SEALED_FILE_MAX)) == NULL) {
		secret_free(d);
		return ERR_NOMEM;
	}
	if ((r = vbuf_put(b, STATE_MAGIC, 8)) != 0 ||
	    (r = vbuf_put_u8(b, STATE_VERSION)) != 0 ||
	    (r = vbuf_put_u8(b, s->stage)) != 0 ||
	    (r = vbuf_put_u8(b, s->test_kdf)) != 0 ||
	    (r = vbuf_put_cstring(b, s->election_id)) != 0 ||
	    (r = vbuf_put(b, s->manifest_hash, HASH_LEN)) != 0 ||
	    (r = vbuf_put(b, s->own_pub, HASH_LEN)) != 0 ||
	    (r = vbuf_put_u32(b, s->npinned)) != 0)
		goto out;
	for (i = 0; i < s->npinned; i++)
		if ((r = vbuf_put(b, s->pinned[i], HASH_LEN)) != 0)
			goto out;
	if ((r = vbuf_put(b, s->key, GROUP_POINT_LEN)) != 0 ||
	    (r = vbuf_put_u32(b, s->nq)) != 0)
		goto out;
	for (i = 0; i < s->nq; i++)
		if ((r = vbuf_put_u32(b, s->qual[i])) != 0)
			goto out;
	r = vbuf_put_string(b, secret_open(d), secret_len(d));
	secret_close(d);
	if (r == 0)
		r = secret_from(vbuf_ptr(b), vbuf_len(b), out);
 out:
	vbuf_free(b);
	secret_free(d);
	return r;
}

static int
tstate_decode(struct secret *in, struct tstate *s)
{
	const struct dkg_params *p;
	struct secret *d = NULL;
	struct vbuf *b = NULL;
	const uint8_t *dp, *idp;
	uint8_t magic[8], v;
	size_t dl, idl;
	uint32_t i;
	int r;

	memset(s, 0, sizeof(*s));
	if ((b = vbuf_from(secret_open(in), secret_len(in))) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if ((r = vbuf_get(b, magic, 8)) != 0 || (r = vbuf_get_u8(b, &v)) != 0)
		goto out;
	if (memcmp(magic, STATE_MAGIC, 8) != 0 || v != STATE_VERSION) {
		r = ERR_FORMAT;
		goto out;
	}
	if ((r = vbuf_get_u8(b, &s->stage)) != 0 ||
	    (r = vbuf_get_u8(b, &s->test_kdf)) != 0 ||
	    (r = vbuf_get_string_direct(b, ELECTION_ID_MAX, &idp, &idl)) != 0 ||
	    (r = vbuf_get(b, s->manifest_hash, HASH_LEN)) != 0 ||
	    (r = vbuf_get(b, s->own_pub, HASH_LEN)) != 0 ||
	    (r = vbuf_get_u32(b, &s->npinned)) != 0)
		goto out;
	if (s->stage < STAGE_INIT || s->stage > STAGE_FINISHED ||
	    s->test_kdf > 1 || idl == 0 || memchr(idp, '\0', idl) != NULL ||
	    s->npinned > LIMIT_TRUSTEES_MAX) {
		r = ERR_FORMAT;
		goto out;
	}
	memcpy(s->election_id, idp, idl);
	for (i = 0; i < s->npinned; i++)
		if ((r = vbuf_get(b, s->pinned[i], HASH_LEN)) != 0)
			goto out;
	if ((r = vbuf_get(b, s->key, GROUP_POINT_LEN)) != 0 ||
	    (r = vbuf_get_u32(b, &s->nq)) != 0)
		goto out;
	if (s->nq > LIMIT_TRUSTEES_MAX) {
		r = ERR_FORMAT;
		goto out;
	}
	for (i = 0; i < s->nq; i++)
		if ((r = vbuf_get_u32(b, &s->qual[i])) != 0)
			goto out;
	if ((r = vbuf_get_string_direct(b, LIMIT_SEALED_FILE_MAX, &dp,
	    &dl)) != 0 || (r = vbuf_expect_end(b)) != 0)
		goto out;
	if ((r = secret_from(dp, dl, &d)) != 0 ||
	    (r = dkg_trustee_import(d, &s->t)) != 0)
		goto out;
	p = dkg_trustee_params(s->t);
	/* the stages' invariants */
	if ((s->stage >= STAGE_SHARED) != (s->npinned == p->n) ||
	    (s->stage == STAGE_FINISHED) != dkg_trustee_finished(s->t) ||
	    (s->stage == STAGE_FINISHED) != (s->nq >= p->k) ||
	    s->nq > p->n)
		r = ERR_FORMAT;
 out:
	vbuf_free(b);
	secret_close(in);
	secret_free(d);
	if (r != 0)
		tstate_clear(s);
	return r;
}

static int
state_load(const struct opts *o, struct secret **pw, struct tstate *s)
{
	struct secret *c = NULL;
	int r;

	memset(s, 0, sizeof(*s));
	if (o->state == NULL)
		return ERR_USAGE;
	if ((r = ask_passphrase(o->pfd, 0, pw)) != 0)
		return r;
	if ((r = seal_read_file(o->state, STATE_LABEL, *pw, &c)) != 0) {
		if (r == ERR_PASSPHRASE)
			fprintf(stderr, "%s: %s: wrong passphrase, or the file "
			    "was altered; nothing was changed\n", prog, o->state);
		else
			fprintf(stderr, "%s: %s: cannot open the trustee file: "
			    "%s\n", prog, o->state, err_str(r));
		return r;
	}
	r = tstate_decode(c, s);
	secret_free(c);
	if (r != 0)
		fprintf(stderr, "%s: %s: not a valid trustee file: %s\n", prog,
		    o->state, err_str(r));
	else if (s->test_kdf)
		fprintf(stderr, "%s: WARNING: this trustee file uses the TEST "
		    "passphrase hashing; never use it in an election\n", prog);
	return r;
}

static int
state_save(const char *path, const struct tstate *s, struct secret *pw,
    int new_file)
{
	const struct seal_params *sp = s->test_kdf ? &seal_params_test :
	    &seal_params_moderate;
	struct secret *c = NULL;
	int r;

	/* A new trustee file never replaces one that appeared meanwhile. */
	if ((r = tstate_encode(s, &c)) == 0)
		r = new_file ? seal_write_new_file(path, STATE_LABEL, c, pw, sp) :
		    seal_write_file(path, STATE_LABEL, c, pw, sp);
	secret_free(c);
	if (r != 0)
		fprintf(stderr, "%s: %s: could not save the trustee file: %s\n",
		    prog, path, err_str(r));
	return r;
}

static void
print_fingerprint(const uint8_t cctx[HASH_LEN])
{
	char hex[2 * HASH_LEN + 1];
	int i;

	if (ct_hex_encode(cctx, HASH_LEN, hex, sizeof(hex)) != 0)
		return;
	printf("  ceremony fingerprint  ");
	for (i = 0; i < 16; i += 4)
		printf("%.4s%s", hex + i, i < 12 ? "-" : "\n");
	printf("  (compare it aloud with the committee and the other trustees)\n");
}

/* cmsg_write_file, saying which file when it fails. */
static int
write_msg(const char *dir, const struct dkg_params *p, enum cmsg_kind kind,
    uint32_t from, uint32_t to, const uint8_t *body, size_t len)
{
	char name[48];
	int r;

	if ((r = cmsg_write_file(dir, p, kind, from, to, body, len)) != 0) {
		cmsg_filename(kind, from, to, name, sizeof(name));
		fprintf(stderr, "%s: writing %s/%s: %s\n", prog, dir, name,
		    err_str(r));
	}
	return r;
}

/*
 * Reads one message file dir/name of the given kind, from and to; *raw
 * holds the file (caller frees), m points into it.  ERR_NOT_FOUND when
 * absent.
 */
static int
read_msg(const char *dir, const struct dkg_params *p, enum cmsg_kind kind,
    uint32_t from, uint32_t to, uint8_t **raw, struct cmsg *m)
{
	char name[48], path[4096];
	size_t len = 0;
	int r;

	*raw = NULL;
	cmsg_filename(kind, from, to, name, sizeof(name));
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		return ERR_TOO_LARGE;
	if ((r = file_read(path, CFILE_MAX, FILE_NOFOLLOW, raw, &len)) != 0)
		return r;
	if ((r = cmsg_decode(*raw, len, p, m)) == 0 &&
	    (m->kind != kind || m->from != from || m->to != to))
		r = ERR_MISMATCH;
	if (r != 0) {
		free(*raw);
		*raw = NULL;
	}
	return r;
}

static void
free_publics(uint8_t **raw)
{
	int i;

	for (i = 0; i < LIMIT_TRUSTEES_MAX; i++) {
		free(raw[i]);
		raw[i] = NULL;
	}
}

/*
 * Reads and verifies all n public messages in dir; pubs[i-1] points into
 * raw[i-1].  The trustee's own must be the one it made; when the state
 * has pinned them, all must be the pinned ones.
 */
static int
load_publics(const char *dir, const struct tstate *s, uint8_t **raw,
    const uint8_t **pubs)
{
	const struct dkg_params *p = dkg_trustee_params(s->t);
	uint32_t i, me = dkg_trustee_index(s->t), missing = 0;
	uint8_t h[HASH_LEN];
	struct cmsg m;
	int r;

	for (i = 1; i <= p->n; i++) {
		r = read_msg(dir, p, CMSG_PUBLIC, i, 0, &raw[i - 1], &m);
		if (r == ERR_NOT_FOUND) {
			fprintf(stderr, "%s: %s: trustee %u's public message "
			    "(public-%02u.bin) is missing\n", prog, dir, i, i);
			missing++;
			continue;
		}
		if (r != 0) {
			fprintf(stderr, "%s: %s: public-%02u.bin: %s\n", prog, dir,
			    i, r == ERR_MISMATCH ? "belongs to another ceremony" :
			    err_str(r));
			return r;
		}
		if (dkg_public_verify(p, i, m.body, m.body_len) != 0) {
			fprintf(stderr, "%s: %s: trustee %u's public message does "
			    "not verify; tell the committee\n", prog, dir, i);
			return ERR_VERIFY;
		}
		hash_sha256(m.body, m.body_len, h);
		if (i == me && memcmp(h, s->own_pub, HASH_LEN) != 0) {
			fprintf(stderr, "%s: %s: the public message under YOUR "
			    "number %u is not the one you made: stop and tell the "
			    "committee\n", prog, dir, i);
			return ERR_MISMATCH;
		}
		if (s->npinned == p->n && memcmp(h, s->pinned[i - 1],
		    HASH_LEN) != 0) {
			fprintf(stderr, "%s: %s: trustee %u's public message is not "
			    "the one you saw before: stop and tell the committee\n",
			    prog, dir, i);
			return ERR_MISMATCH;
		}
		pubs[i - 1] = m.body;
	}
	return missing ? ERR_NOT_FOUND : 0;
}

static int
cmd_init(const struct opts *o)
{
	struct ceremony_desc *d = NULL;
	struct secret *pw = NULL;
	struct tstate s;
	uint8_t *raw = NULL, *pub = NULL;
	size_t len = 0, plen;
	int r;

	memset(&s, 0, sizeof(s));
	if (o->ceremony == NULL || o->state == NULL || o->out == NULL ||
	    o->index == 0) {
		usage();
		return ERR_USAGE;
	}
	if ((r = file_read(o->ceremony, CFILE_MAX, 0, &raw, &len)) != 0 ||
	    (r = ceremony_desc_decode(raw, len, &d)) != 0) {
		fprintf(stderr, "%s: %s: not a ceremony description: %s\n", prog,
		    o->ceremony, err_str(r));
		goto out;
	}
	if (o->index > d->p.n) {
		fprintf(stderr, "%s: this ceremony has trustees 1..%u\n", prog,
		    d->p.n);
		r = ERR_RANGE;
		goto out;
	}
	if (access(o->state, F_OK) == 0) {
		fprintf(stderr, "%s: %s exists; a trustee file is never "
		    "overwritten\n", prog, o->state);
		r = ERR_EXISTS;
		goto out;
	}
	printf("election  %s  %s / %s\n", d->election_id, d->m->name_ja,
	    d->m->name_en);
	printf("  you are trustee %u of %u; any %u together can decrypt\n",
	    (uint32_t)o->index, d->p.n, d->p.k);
	print_fingerprint(d->p.context);
	fflush(stdout);
	if ((r = ask_passphrase(o->pfd, 1, &pw)) != 0)
		goto out;
	s.stage = STAGE_INIT;
	s.test_kdf = o->test_kdf ? 1 : 0;
	memcpy(s.election_id, d->election_id, sizeof(s.election_id));
	hash_sha256(d->manifest, d->manifest_len, s.manifest_hash);
	plen = dkg_public_len(&d->p);
	if ((pub = malloc(plen)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if ((r = dkg_trustee_new(&s.t, &d->p, (uint32_t)o->index)) != 0 ||
	    (r = dkg_trustee_public(s.t, pub, plen)) != 0) {
		fprintf(stderr, "%s: %s\n", prog, err_str(r));
		goto out;
	}
	hash_sha256(pub, plen, s.own_pub);
	/* the state first: a public message without its secrets is useless */
	if ((r = state_save(o->state, &s, pw, 1)) != 0 ||
	    (r = write_msg(o->out, &d->p, CMSG_PUBLIC, (uint32_t)o->index, 0,
	    pub, plen)) != 0)
		goto out;
	printf("trustee file sealed in %s; give the committee %s/public-%02u.bin\n",
	    o->state, o->out, (uint32_t)o->index);
 out:
	free(raw);
	free(pub);
	ceremony_desc_free(d);
	secret_free(pw);
	tstate_clear(&s);
	return r;
}

static int
cmd_shares(const struct opts *o)
{
	struct secret *pw = NULL;
	struct tstate s;
	uint8_t *raw[LIMIT_TRUSTEES_MAX] = { NULL }, sh[DKG_SHARE_LEN];
	const uint8_t *pubs[LIMIT_TRUSTEES_MAX] = { NULL };
	const struct dkg_params *p;
	uint32_t i, me;
	int r;

	if (o->publics == NULL || o->out == NULL) {
		usage();
		return ERR_USAGE;
	}
	if ((r = state_load(o, &pw, &s)) != 0)
		goto out;
	if (s.stage == STAGE_FINISHED) {
		fprintf(stderr, "%s: the ceremony is over for you; nothing to "
		    "send\n", prog);
		r = ERR_WRONG_STATE;
		goto out;
	}
	p = dkg_trustee_params(s.t);
	me = dkg_trustee_index(s.t);
	if ((r = load_publics(o->publics, &s, raw, pubs)) != 0)
		goto out;
	for (i = 1; i <= p->n; i++)
		hash_sha256(pubs[i - 1], dkg_public_len(p), s.pinned[i - 1]);
	s.npinned = p->n;
	s.stage = STAGE_SHARED;
	if ((r = state_save(o->state, &s, pw, 0)) != 0)
		goto out;
	for (i = 1; i <= p->n; i++) {
		if (i == me)
			continue;
		if ((r = dkg_trustee_share(s.t, i, pubs[i - 1],
		    dkg_public_len(p), sh)) != 0) {
			fprintf(stderr, "%s: could not make the share for trustee "
			    "%u: %s; nothing more was written\n", prog, i,
			    err_str(r));
			goto out;
		}
		if ((r = write_msg(o->out, p, CMSG_SHARE, me, i, sh,
		    sizeof(sh))) != 0)
			goto out;
	}
	printf("all %u public messages verified; %u shares written to %s "
	    "(give them to the committee)\n", p->n, p->n - 1, o->out);
 out:
	free_publics(raw);
	secret_free(pw);
	tstate_clear(&s);
	return r;
}

static int
cmd_receive(const struct opts *o)
{
	struct secret *pw = NULL;
	struct tstate s;
	uint8_t *raw[LIMIT_TRUSTEES_MAX] = { NULL };
	const uint8_t *pubs[LIMIT_TRUSTEES_MAX] = { NULL };
	const struct dkg_params *p;
	const char *cdir = o->complaints != NULL ? o->complaints : o->shares;
	uint32_t i, me, ok = 0, bad = 0, again = 0, wait = 0, failed = 0;
	int r;

	if (o->publics == NULL || o->shares == NULL) {
		usage();
		return ERR_USAGE;
	}
	if ((r = state_load(o, &pw, &s)) != 0)
		goto out;
	if (s.stage != STAGE_SHARED) {
		fprintf(stderr, "%s: %s\n", prog, s.stage == STAGE_INIT ?
		    "send your shares first (ippyo-trustee shares)" :
		    "the ceremony is over for you");
		r = ERR_WRONG_STATE;
		goto out;
	}
	p = dkg_trustee_params(s.t);
	me = dkg_trustee_index(s.t);
	if ((r = load_publics(o->publics, &s, raw, pubs)) != 0)
		goto out;
	for (i = 1; i <= p->n; i++) {
		uint8_t *f = NULL, comp[DKG_COMPLAINT_LEN];
		uint8_t body[DKG_SHARE_LEN + DKG_COMPLAINT_LEN];
		struct cmsg m;

		if (i == me)
			continue;
		if (dkg_trustee_has_share(s.t, i)) {
			printf("  trustee %2u: accepted earlier\n", i);
			ok++;
			continue;
		}
		r = read_msg(o->shares, p, CMSG_SHARE, i, me, &f, &m);
		if (r == ERR_NOT_FOUND) {
			printf("  trustee %2u: no share yet\n", i);
			wait++;
			continue;
		}
		if (r == 0)
			r = dkg_trustee_receive(s.t, i, pubs[i - 1],
			    dkg_public_len(p), m.body, m.body_len);
		if (r == 0) {
			printf("  trustee %2u: share accepted\n", i);
			ok++;
		} else if (r == ERR_VERIFY) {
			/*
			 * A failure here must not lose the shares accepted
			 * above: say so, count it, and still save the state.
			 */
			if ((r = dkg_trustee_complain(s.t, i, m.body, m.body_len,
			    comp)) != 0)
				fprintf(stderr, "%s: trustee %u's share is bad but "
				    "the complaint could not be made: %s; tell the "
				    "committee\n", prog, i, err_str(r));
			else {
				memcpy(body, m.body, DKG_SHARE_LEN);
				memcpy(body + DKG_SHARE_LEN, comp, sizeof(comp));
				r = write_msg(cdir, p, CMSG_COMPLAINT, me, i, body,
				    sizeof(body));
			}
			if (r != 0) {
				printf("  trustee %2u: BAD SHARE, signed by them; NO "
				    "complaint written (see the error above)\n", i);
				failed++;
			} else {
				printf("  trustee %2u: BAD SHARE, signed by them: "
				    "complaint written to %s/complaint-%02u-about-"
				    "%02u.bin; give it to the committee\n", i, cdir,
				    me, i);
				bad++;
			}
		} else {
			printf("  trustee %2u: share refused (%s): not provably "
			    "from them; ask them to send it again (no complaint)\n",
			    i, r == ERR_PERM ? "not signed by them" : err_str(r));
			again++;
		}
		free(f);
	}
	if ((r = state_save(o->state, &s, pw, 0)) != 0)
		goto out;
	printf("%u of %u shares accepted, %u complaints, %u to ask again, %u "
	    "not yet received%s\n", ok, p->n - 1, bad, again, wait,
	    failed ? ", SOME COMPLAINTS NOT WRITTEN (see above)" : "");
	r = ok == p->n - 1 ? 0 : ERR_WRONG_STATE;
 out:
	free_publics(raw);
	secret_free(pw);
	tstate_clear(&s);
	return r;
}

/* Checks the key share against P_j: a decryption share of (G, G). */
static int
self_check(const struct tstate *s, const uint8_t *const *pubs)
{
	const struct dkg_params *p = dkg_trustee_params(s->t);
	struct elgamal_ciphertext *c = NULL;
	struct point *Pj = NULL;
	uint8_t ds[DKG_DSHARE_LEN], ctx[HASH_LEN];
	int r = ERR_NOMEM;

	memset(ctx, 0, sizeof(ctx));
	if ((c = elgamal_ciphertext_new()) == NULL ||
	    (Pj = group_point_new()) == NULL)
		goto out;
	if ((r = group_point_set_generator(c->alpha)) != 0 ||
	    (r = group_point_set_generator(c->beta)) != 0 ||
	    (r = dkg_verification_key(p, pubs, s->qual, s->nq,
	    dkg_trustee_index(s->t), Pj)) != 0 ||
	    (r = dkg_decrypt_share(s->t, ctx, c, ds)) != 0)
		goto out;
	r = dkg_decrypt_share_verify(ctx, dkg_trustee_index(s->t), Pj, c, ds,
	    sizeof(ds));
 out:
	elgamal_ciphertext_free(c);
	group_point_free(Pj);
	return r;
}

static int
cmd_finish(const struct opts *o)
{
	struct ceremony_result cr;
	struct secret *pw = NULL;
	struct tstate s;
	uint8_t *raw[LIMIT_TRUSTEES_MAX] = { NULL }, *f = NULL;
	uint8_t key[GROUP_POINT_LEN];
	const uint8_t *pubs[LIMIT_TRUSTEES_MAX] = { NULL };
	const struct dkg_params *p;
	struct point *K = NULL;
	uint32_t q, me;
	size_t len = 0;
	int r, in = 0;

	if (o->publics == NULL || o->result == NULL) {
		usage();
		return ERR_USAGE;
	}
	if ((r = state_load(o, &pw, &s)) != 0)
		goto out;
	if (s.stage != STAGE_SHARED) {
		fprintf(stderr, "%s: %s\n", prog, s.stage == STAGE_INIT ?
		    "send and receive the shares first" :
		    "your key share is already made");
		r = ERR_WRONG_STATE;
		goto out;
	}
	p = dkg_trustee_params(s.t);
	me = dkg_trustee_index(s.t);
	if ((r = file_read(o->result, CFILE_MAX, 0, &f, &len)) != 0 ||
	    (r = ceremony_result_decode(f, len, &cr)) != 0) {
		fprintf(stderr, "%s: %s: not a ceremony result: %s\n", prog,
		    o->result, err_str(r));
		goto out;
	}
	if (strcmp(cr.election_id, s.election_id) != 0 || cr.p.n != p->n ||
	    cr.p.k != p->k || memcmp(cr.p.context, p->context, HASH_LEN) != 0) {
		fprintf(stderr, "%s: %s: the result of another ceremony\n", prog,
		    o->result);
		r = ERR_MISMATCH;
		goto out;
	}
	for (q = 0; q < cr.nq; q++)
		in |= cr.qual[q] == me;
	if (!in) {
		fprintf(stderr, "%s: the committee excluded you (trustee %u) "
		    "from the qualified set; you hold no key share\n", prog, me);
		r = ERR_PERM;
		goto out;
	}
	if ((r = load_publics(o->publics, &s, raw, pubs)) != 0)
		goto out;
	if ((K = group_point_new()) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if ((r = dkg_joint_key(p, pubs, cr.qual, cr.nq, K)) != 0 ||
	    (r = group_point_encode(K, key, 0)) != 0)
		goto out;
	if (memcmp(key, cr.key, GROUP_POINT_LEN) != 0) {
		fprintf(stderr, "%s: the election key in %s is not the sum of the "
		    "qualified trustees' commitments: do not continue; tell the "
		    "committee\n", prog, o->result);
		r = ERR_MISMATCH;
		goto out;
	}
	if ((r = dkg_trustee_finish(s.t, cr.qual, cr.nq)) != 0) {
		fprintf(stderr, "%s: you have not accepted a share from every "
		    "trustee in the qualified set:", prog);
		for (q = 0; q < cr.nq; q++)
			if (cr.qual[q] != me && !dkg_trustee_has_share(s.t,
			    cr.qual[q]))
				fprintf(stderr, " %u", cr.qual[q]);
		fprintf(stderr, "; do not continue; tell the committee\n");
		goto out;
	}
	s.nq = cr.nq;
	memcpy(s.qual, cr.qual, sizeof(s.qual));
	memcpy(s.key, cr.key, GROUP_POINT_LEN);
	if ((r = self_check(&s, pubs)) != 0) {
		fprintf(stderr, "%s: your key share does not match the public "
		    "commitments (%s); tell the committee\n", prog, err_str(r));
		goto out;
	}
	s.stage = STAGE_FINISHED;
	if ((r = state_save(o->state, &s, pw, 0)) != 0)
		goto out;
	printf("your key share for %s is made and sealed in %s\n"
	    "keep the file and your passphrase safe until the tally\n",
	    s.election_id, o->state);
 out:
	free(f);
	free_publics(raw);
	group_point_free(K);
	secret_free(pw);
	tstate_clear(&s);
	return r;
}

/* A pinned key from the command line: 64 hex digits, or absent. */
static int
pin_key(const char *hex, const char *opt, int *pinned, uint8_t key[32])
{
	*pinned = 0;
	if (hex == NULL)
		return 0;
	if (ct_hex_decode(hex, strlen(hex), key, 32) != 0) {
		fprintf(stderr, "%s: %s must be 64 hex digits (a 32-byte "
		    "Ed25519 public key)\n", prog, opt);
		return ERR_USAGE;
	}
	*pinned = 1;
	return 0;
}

/*
 * What the trustee must compare with the public bulletin board: the
 * checks prove the box is the one these keys signed, not that these are
 * the election's keys (the committee signs the final checkpoint).
 */
static void
print_box(const struct recheck_tally *t, const struct recheck_expect *w)
{
	char code[65], bk[65], ck[65];

	if (ct_hex_encode(t->head, 32, code, sizeof(code)) != 0 ||
	    ct_hex_encode(t->box_key, 32, bk, sizeof(bk)) != 0 ||
	    ct_hex_encode(t->committee_key, 32, ck, sizeof(ck)) != 0)
		return;
	printf("the box: %llu ballots, %llu signed checkpoints, all matching "
	    "its chain\n  final tracking code  %s\n  box key (server)     %s"
	    "%s\n  committee key        %s%s\n", (unsigned long long)t->cast,
	    (unsigned long long)t->checkpoints, code, bk, w->pin_box_key ?
	    "  (= --box-key)" : "", ck, w->pin_committee_key ?
	    "  (= --committee-key)" : "");
	printf("COMPARE the ballot count and final tracking code with the "
	    "public bulletin board, and both keys with the ones published "
	    "before the election%s\n", w->pin_box_key &&
	    w->pin_committee_key ? " (the keys: done, pinned)" :
	    " (or pin them: --box-key HEX --committee-key HEX)");
}

static void
out_exists(const char *path)
{
	fprintf(stderr, "%s: %s already exists (or cannot be checked): "
	    "decrypt writes only a new file and never replaces one (is it your "
	    "trustee file, or an earlier output?); choose a new name\n", prog,
	    path);
}

static int
cmd_decrypt(const struct opts *o)
{
	struct recheck_expect w;
	struct recheck_tally *t = NULL;
	struct secret *pw = NULL;
	struct tstate s;
	json_t *root = NULL, *contests = NULL;
	char why[512], *text = NULL;
	uint32_t c, op;
	int r;

	if (o->record == NULL || o->out == NULL) {
		usage();
		return ERR_USAGE;
	}
	/* before the passphrase: --out swapped with --state would destroy it */
	memset(&s, 0, sizeof(s));
	if (access(o->out, F_OK) == 0 || errno != ENOENT) {
		out_exists(o->out);
		return ERR_EXISTS;
	}
	if ((r = state_load(o, &pw, &s)) != 0)
		goto out;
	if (s.stage != STAGE_FINISHED) {
		fprintf(stderr, "%s: the ceremony is not finished for you\n",
		    prog);
		r = ERR_WRONG_STATE;
		goto out;
	}
	memset(&w, 0, sizeof(w));
	memcpy(w.election_id, s.election_id, sizeof(w.election_id));
	memcpy(w.manifest_hash, s.manifest_hash, HASH_LEN);
	w.p = *dkg_trustee_params(s.t);
	w.nq = s.nq;
	memcpy(w.qual, s.qual, sizeof(w.qual));
	memcpy(w.key, s.key, GROUP_POINT_LEN);
	if ((r = pin_key(o->box_key, "--box-key", &w.pin_box_key,
	    w.box_key)) != 0 || (r = pin_key(o->committee_key,
	    "--committee-key", &w.pin_committee_key, w.committee_key)) != 0)
		goto out;
	if ((r = recheck_tally(o->record, &w, &t, why, sizeof(why))) != 0) {
		fprintf(stderr, "%s: refusing to decrypt: %s\n", prog, why);
		goto out;
	}
	print_box(t, &w);
	if (t->counted == 0) {
		fprintf(stderr, "%s: no ballot counts; there is nothing to "
		    "decrypt\n", prog);
		r = ERR_WRONG_STATE;
		goto out;
	}
	if ((contests = json_array()) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	for (c = 0; c < t->e->manifest->ncontests; c++) {
		json_t *opts = json_array();

		if (opts == NULL || json_array_append_new(contests, opts) != 0) {
			r = ERR_NOMEM;
			goto out;
		}
		for (op = 0; op < t->e->manifest->contests[c].noptions; op++) {
			uint8_t ds[DKG_DSHARE_LEN];
			char hex[2 * DKG_DSHARE_LEN + 1];

			/*
			 * An identity alpha (the nonces of the counted
			 * ballots cancel) needs no share: its plaintext is
			 * beta, and the entry is "" (PROTOCOL-record §9).
			 */
			hex[0] = '\0';
			if (group_point_is_infinity(t->sums[c][op]->alpha))
				;
			else if ((r = dkg_decrypt_share(s.t,
			    t->e->context_hash, t->sums[c][op], ds)) != 0 ||
			    (r = ct_hex_encode(ds, sizeof(ds), hex,
			    sizeof(hex))) != 0) {
				fprintf(stderr, "%s: decryption share of contest "
				    "%u option %u failed: %s; nothing was "
				    "written\n", prog, c + 1, op + 1, err_str(r));
				goto out;
			}
			if (json_array_append_new(opts, json_string(hex)) != 0) {
				r = ERR_NOMEM;
				goto out;
			}
		}
	}
	if ((root = json_pack("{s:I, s:O}", "trustee",
	    (json_int_t)dkg_trustee_index(s.t), "shares", contests)) == NULL ||
	    (text = json_dumps(root, JSON_COMPACT)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if ((r = cfile_write_new(o->out, (const uint8_t *)text,
	    strlen(text))) != 0) {
		if (r == ERR_EXISTS)
			out_exists(o->out);
		else
			fprintf(stderr, "%s: writing %s: %s\n", prog, o->out,
			    err_str(r));
		goto out;
	}
	printf("checked: %llu ballots cast, %llu counted, every aggregate is "
	    "their sum\ndecryption shares of trustee %u written to %s\n",
	    (unsigned long long)t->cast, (unsigned long long)t->counted,
	    dkg_trustee_index(s.t), o->out);
 out:
	free(text);
	json_decref(root);
	json_decref(contests);
	recheck_tally_free(t);
	secret_free(pw);
	tstate_clear(&s);
	return r;
}

static int
cmd_show(const struct opts *o)
{
	static const char *const stages[] = { "", "public message made",
	    "shares sent, receiving", "key share made" };
	struct secret *pw = NULL;
	struct tstate s;
	const struct dkg_params *p;
	int r;

	if ((r = state_load(o, &pw, &s)) != 0)
		goto out;
	p = dkg_trustee_params(s.t);
	printf("election  %s\n  trustee %u of %u, threshold %u\n  stage     %s\n",
	    s.election_id, dkg_trustee_index(s.t), p->n, p->k, stages[s.stage]);
	print_fingerprint(p->context);
 out:
	secret_free(pw);
	tstate_clear(&s);
	return r;
}

int
main(int argc, char **argv)
{
	struct opts o;
	uint64_t fd;
	int i, r;

	memset(&o, 0, sizeof(o));
	o.pfd = -1;
	if (argc < 2 || strcmp(argv[1], "--help") == 0) {
		usage();
		return argc < 2 ? 2 : 0;
	}
	for (i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--test-kdf") == 0) {
			o.test_kdf = 1;
			continue;
		}
		if (v == NULL) {
			usage();
			return 2;
		}
		i++;
		if (strcmp(a, "--ceremony") == 0)
			o.ceremony = v;
		else if (strcmp(a, "--state") == 0)
			o.state = v;
		else if (strcmp(a, "--out") == 0)
			o.out = v;
		else if (strcmp(a, "--publics") == 0)
			o.publics = v;
		else if (strcmp(a, "--shares") == 0)
			o.shares = v;
		else if (strcmp(a, "--complaints") == 0)
			o.complaints = v;
		else if (strcmp(a, "--ceremony-result") == 0)
			o.result = v;
		else if (strcmp(a, "--record") == 0)
			o.record = v;
		else if (strcmp(a, "--box-key") == 0)
			o.box_key = v;
		else if (strcmp(a, "--committee-key") == 0)
			o.committee_key = v;
		else if (strcmp(a, "--index") == 0 &&
		    strparse_u64(v, LIMIT_TRUSTEES_MAX, &o.index) == 0 &&
		    o.index > 0)
			;
		else if (strcmp(a, "--passphrase-fd") == 0 &&
		    strparse_u64(v, 1024, &fd) == 0)
			o.pfd = (int)fd;
		else {
			usage();
			return 2;
		}
	}
	if (crypto_sodium_ready() != 0)
		return 1;
	if (strcmp(argv[1], "init") == 0)
		r = cmd_init(&o);
	else if (strcmp(argv[1], "shares") == 0)
		r = cmd_shares(&o);
	else if (strcmp(argv[1], "receive") == 0)
		r = cmd_receive(&o);
	else if (strcmp(argv[1], "finish") == 0)
		r = cmd_finish(&o);
	else if (strcmp(argv[1], "decrypt") == 0)
		r = cmd_decrypt(&o);
	else if (strcmp(argv[1], "show") == 0)
		r = cmd_show(&o);
	else {
		usage();
		return 2;
	}
	return r == 0 ? 0 : 1;
}
