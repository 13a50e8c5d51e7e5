/*
 * vote_cmd.c - `ippyo vote`, the reference voter client.
 *
 *	ippyo vote --server http://127.0.0.1:PORT --election ID
 *	    --choose CONTEST=OPTION ... --reader NAME [--pin-fd N]
 *	    [--origin https://host] [--receipt-key HEX] [--challenge FILE]
 *
 * It does what a voter's device does: fetches the election and checks its
 * context hash against the manifest and key it was given; proves the
 * card (PIN) to learn the voter's alias; encrypts the selections with
 * every proof (ballot/ballot.h) on this machine; has the card sign the
 * ballot hash with a fresh nonce; posts ballot and token; checks the
 * receipt's signature and that it names this ballot; prints the tracking
 * code.  The server never sees the selections.  Contests not named are
 * left blank (refused when a contest requires a mark).
 *
 * With --challenge FILE it encrypts the same way and then, instead of
 * casting, reveals the encryption randomness in FILE (the Benaloh
 * challenge), checks FILE itself and casts nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/challenge.h"
#include "ballot/ballot.h"
#include "ballot/box.h"
#include "ballot/election.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/misuse.h"
#include "core/strparse.h"
#include "crypto/ct.h"
#include "crypto/digest.h"
#include "crypto/elgamal.h"
#include "crypto/secret.h"
#include "crypto/sign.h"
#include "registry/auth.h"
#include "registry/card.h"
#include "registry/card_cmd.h"
#include "web/httpc.h"
#include "web/json.h"
#include "web/vote_cmd.h"

#define CHOICES_MAX 256

struct vote_opts {
	int port;				/* server on 127.0.0.1 */
	const char *election;			/* election id */
	const char *reader;			/* PC/SC reader */
	const char *origin;			/* override of the server's */
	const char *receipt_key;		/* pinned, hex */
	int pin_fd;				/* -1: terminal */
	const char *choose[CHOICES_MAX];	/* CONTEST=OPTION */
	int nchoose;
	const char *challenge;			/* Benaloh: write here, cast nothing */
};

static void
usage(void)
{
	fprintf(stderr, "usage: ippyo vote --server http://127.0.0.1:PORT "
	    "--election ID --choose CONTEST=OPTION ...\n"
	    "           --reader NAME [--pin-fd N] [--origin https://HOST] "
	    "[--receipt-key HEX]\n"
	    "           [--challenge FILE]   encrypt, then reveal the randomness "
	    "in FILE\n"
	    "                                instead of casting (checked with "
	    "`ippyo audit challenge FILE`)\n");
}

/* The server's coarse error word, for the voter. */
static void
say_http(const char *what, const struct httpc_reply *rp)
{
	fprintf(stderr, "ippyo vote: %s refused: HTTP %d %s\n", what,
	    rp->status, rp->body ? rp->body : "");
}

/* GETs the election and builds a checked struct election. */
static int
fetch_election(const struct vote_opts *o, struct election **out,
    char origin[AUTH_ORIGIN_MAX + 1])
{
	struct httpc_reply rp;
	struct json_doc *doc = NULL;
	struct election *e = NULL;
	uint8_t key[GROUP_POINT_LEN], ctx[HASH_LEN], want[HASH_LEN];
	const char *s;
	char path[128];
	size_t len = 0;
	int test = 0, r;

	*out = NULL;
	snprintf(path, sizeof(path), "/api/v1/elections/%s", o->election);
	if (httpc_request(o->port, "GET", path, NULL, &rp) != 0) {
		fprintf(stderr, "ippyo vote: the server does not answer\n");
		return ERR_IO;
	}
	if (rp.status != 200) {
		say_http("fetching the election", &rp);
		httpc_reply_free(&rp);
		return ERR_NOT_FOUND;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (e->manifest_bytes = malloc(LIMIT_MANIFEST_MAX)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if ((r = json_parse(rp.body, rp.len, LIMIT_MANIFEST_MAX * 2, &doc,
	    NULL)) != 0 ||
	    (r = json_get_base64(doc, json_root(doc), "manifest",
	    e->manifest_bytes, LIMIT_MANIFEST_MAX, &len)) != 0 ||
	    (r = json_get_base64_exact(doc, json_root(doc), "public_key", key,
	    sizeof(key))) != 0 ||
	    (r = json_get_base64_exact(doc, json_root(doc), "context_hash", ctx,
	    sizeof(ctx))) != 0 ||
	    (r = json_get_bool(doc, json_root(doc), "test_single_key",
	    &test)) != 0) {
		fprintf(stderr, "ippyo vote: the election is not open for "
		    "voting yet, or the server's answer is malformed\n");
		goto out;
	}
	e->manifest_len = len;
	if ((r = manifest_decode(e->manifest_bytes, len, &e->manifest)) != 0 ||
	    (r = elgamal_key_decode(&e->key, key, sizeof(key))) != 0 ||
	    (r = election_context_hash(e->manifest_bytes, len, key, test,
	    want)) != 0 || !ct_eq(want, ctx, HASH_LEN) ||
	    strcmp(e->manifest->id, o->election) != 0) {
		fprintf(stderr, "ippyo vote: the server's election does not "
		    "check out (manifest, key and context hash disagree)\n");
		r = ERR_MISMATCH;
		goto out;
	}
	memcpy(e->context_hash, ctx, HASH_LEN);
	e->test_single_key = test;
	e->state = ELECTION_OPEN;
	origin[0] = '\0';
	if (o->origin != NULL)
		snprintf(origin, AUTH_ORIGIN_MAX + 1, "%s", o->origin);
	else if (json_get_string(doc, json_root(doc), "origin",
	    AUTH_ORIGIN_MAX, &s, NULL) == 0)
		snprintf(origin, AUTH_ORIGIN_MAX + 1, "%s", s);
	if (!auth_origin_ok(origin)) {
		fprintf(stderr, "ippyo vote: no service origin (give --origin)\n");
		r = ERR_INVALID_ARG;
		goto out;
	}
	if (test)
		fprintf(stderr, "ippyo vote: NOTE: this election uses a "
		    "TEST-ONLY single key (no trustee ceremony)\n");
	*out = e;
	e = NULL;
	r = 0;
 out:
	election_free(e);
	json_doc_free(doc);
	httpc_reply_free(&rp);
	return r;
}

/* Turns --choose flags into selection rows. */
static int
selections(const struct vote_opts *o, const struct manifest *m,
    uint8_t sel[LIMIT_CONTESTS_MAX][LIMIT_OPTIONS_MAX])
{
	uint32_t c, j, marks;
	int i;

	memset(sel, 0, (size_t)LIMIT_CONTESTS_MAX * LIMIT_OPTIONS_MAX);
	for (i = 0; i < o->nchoose; i++) {
		const char *eq = strchr(o->choose[i], '=');
		size_t cl = eq ? (size_t)(eq - o->choose[i]) : 0;
		int found = 0;

		for (c = 0; eq != NULL && c < m->ncontests; c++) {
			if (strlen(m->contests[c].id) != cl ||
			    strncmp(m->contests[c].id, o->choose[i], cl) != 0)
				continue;
			for (j = 0; j < m->contests[c].noptions; j++)
				if (strcmp(m->contests[c].options[j].id, eq + 1) == 0) {
					sel[c][j] = 1;
					found = 1;
				}
		}
		if (!found) {
			fprintf(stderr, "ippyo vote: no such contest and option: "
			    "%s\n", o->choose[i]);
			return ERR_USAGE;
		}
	}
	for (c = 0; c < m->ncontests; c++) {
		for (marks = 0, j = 0; j < m->contests[c].noptions; j++)
			marks += sel[c][j];
		if (marks < m->contests[c].min || marks > m->contests[c].max) {
			fprintf(stderr, "ippyo vote: contest %s takes %u to %u "
			    "marks, not %u\n", m->contests[c].id,
			    m->contests[c].min, m->contests[c].max, marks);
			return ERR_USAGE;
		}
	}
	return 0;
}

/* POST /api/v1/nonce for purpose. */
static int
get_nonce(const struct vote_opts *o, const char *purpose,
    uint8_t nonce[LIMIT_NONCE_BYTES])
{
	struct json_build *b = json_build_object();
	struct httpc_reply rp;
	struct json_doc *doc = NULL;
	char *body = NULL;
	size_t len;
	int r;

	memset(&rp, 0, sizeof(rp));
	if (b == NULL || json_build_set_string(b, "purpose", purpose) != 0 ||
	    json_build_dump(b, &body, &len) != 0) {
		json_build_free(b);
		return ERR_NOMEM;
	}
	json_build_free(b);
	if (httpc_request(o->port, "POST", "/api/v1/nonce", body, &rp) != 0)
		r = ERR_IO;
	else if (rp.status != 200) {
		say_http("asking for a nonce", &rp);
		r = ERR_PERM;
	} else if ((r = json_parse(rp.body, rp.len, 4096, &doc, NULL)) == 0)
		r = json_get_base64_exact(doc, json_root(doc), "nonce", nonce,
		    LIMIT_NONCE_BYTES);
	json_doc_free(doc);
	httpc_reply_free(&rp);
	free(body);
	return r;
}

/* The card signs M = auth_message(origin, nonce, doc); a token as JSON. */
static int
token_json(struct card *c, const char *pin, size_t plen, const char *origin,
    const uint8_t nonce[LIMIT_NONCE_BYTES], const uint8_t *doc_hash,
    const uint8_t *cert, size_t certlen, struct json_build **out)
{
	struct json_build *t = json_build_object();
	uint8_t m[64], h[DIGEST_LEN], *sig = NULL;
	size_t siglen = 0;
	unsigned tries = 0;
	int r;

	*out = NULL;
	if (t == NULL)
		return ERR_NOMEM;
	auth_message(origin, nonce, doc_hash, m);
	digest_sha256(m, sizeof(m), h);
	if ((r = card_sign(c, CARD_KEY_AUTH, pin, plen, h, &sig, &siglen,
	    &tries)) != 0) {
		if (r == ERR_PIN_WRONG)
			fprintf(stderr, "ippyo vote: wrong PIN; %u tries left "
			    "before the card locks\n", tries);
		else
			fprintf(stderr, "ippyo vote: the card: %s\n", err_str(r));
		json_build_free(t);
		return r;
	}
	if ((r = json_build_set_string(t, "format", AUTH_FORMAT)) != 0 ||
	    (r = json_build_set_string(t, "algorithm", "RS256")) != 0 ||
	    (r = json_build_set_base64(t, "certificate", cert, certlen)) != 0 ||
	    (r = json_build_set_base64(t, "nonce", nonce, LIMIT_NONCE_BYTES)) != 0 ||
	    (r = json_build_set_base64(t, "signature", sig, siglen)) != 0) {
		json_build_free(t);
		free(sig);
		return r;
	}
	free(sig);
	*out = t;
	return 0;
}

/* POSTs {"token": t, ...extra} to path; the reply's JSON in *doc. */
static int
post_with_token(const struct vote_opts *o, const char *path,
    struct json_build *body, const char *what, int want,
    struct json_doc **doc)
{
	struct httpc_reply rp;
	char *text = NULL;
	size_t len;
	int r;

	*doc = NULL;
	memset(&rp, 0, sizeof(rp));
	if ((r = json_build_dump(body, &text, &len)) != 0)
		return r;
	if (httpc_request(o->port, "POST", path, text, &rp) != 0) {
		fprintf(stderr, "ippyo vote: %s: no answer from the server\n",
		    what);
		r = ERR_IO;
	} else if (rp.status != want) {
		say_http(what, &rp);
		r = rp.status == 409 ? ERR_DUPLICATE : ERR_PERM;
	} else
		r = json_parse(rp.body, rp.len, 65536, doc, NULL);
	httpc_reply_free(&rp);
	free(text);
	return r;
}

/* Writes len bytes to a new file (O_EXCL, 0600, no symbolic link). */
static int
write_new_private(const char *path, const char *p, size_t len)
{
	size_t off = 0;
	ssize_t n;
	int fd, r = 0;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) < 0)
		return errno == EEXIST ? ERR_EXISTS : ERR_IO;
	while (off < len) {
		if ((n = write(fd, p + off, len - off)) < 0) {
			if (errno == EINTR)
				continue;
			r = ERR_IO;
			break;
		}
		off += (size_t)n;
	}
	if (r == 0 && fsync(fd) != 0)
		r = ERR_IO;
	if (close(fd) != 0 && r == 0)
		r = ERR_IO;
	if (r != 0)
		(void)unlink(path);
	return r;
}

/* Lowercase hex of p[0..n) as member key of b. */
static int
set_hex(struct json_build *b, const char *key, const uint8_t *p, size_t n)
{
	char *h;
	int r;

	if ((h = malloc(2 * n + 1)) == NULL)
		return ERR_NOMEM;
	if ((r = ct_hex_encode(p, n, h, 2 * n + 1)) == 0)
		r = json_build_set_string(b, key, h);
	explicit_bzero(h, 2 * n + 1);
	free(h);
	return r;
}

/* The "contests" array: per contest its id, selections and nonces. */
static int
challenge_contests(const struct manifest *m, const uint8_t *const *sel,
    const uint8_t *nonces, struct json_build **out)
{
	struct json_build *arr = json_build_array(), *c = NULL, *s = NULL,
	    *nn = NULL;
	char h[2 * GROUP_SCALAR_LEN + 1];
	uint32_t i, j;
	int r = ERR_NOMEM;

	*out = NULL;
	if (arr == NULL)
		return ERR_NOMEM;
	for (i = 0; i < m->ncontests; i++) {
		const struct manifest_contest *mc = &m->contests[i];

		if ((c = json_build_object()) == NULL ||
		    (s = json_build_array()) == NULL ||
		    (nn = json_build_array()) == NULL) {
			r = ERR_NOMEM;
			goto fail;
		}
		for (j = 0; j < mc->noptions; j++) {
			if ((r = json_build_append_int(s, sel[i][j])) != 0 ||
			    (r = ct_hex_encode(nonces, GROUP_SCALAR_LEN, h,
			    sizeof(h))) != 0 ||
			    (r = json_build_append_string(nn, h)) != 0)
				goto fail;
			nonces += GROUP_SCALAR_LEN;
		}
		r = json_build_set_string(c, "id", mc->id);
		if (r == 0)
			r = json_build_set(c, "selections", s);
		else
			json_build_free(s);
		s = NULL;
		if (r == 0)
			r = json_build_set(c, "nonces", nn);
		else
			json_build_free(nn);
		nn = NULL;
		if (r == 0)
			r = json_build_append(arr, c);
		else
			json_build_free(c);
		c = NULL;
		if (r != 0)
			goto fail;
	}
	explicit_bzero(h, sizeof(h));
	*out = arr;
	return 0;
 fail:
	explicit_bzero(h, sizeof(h));
	json_build_free(c);
	json_build_free(s);
	json_build_free(nn);
	json_build_free(arr);
	return r;
}

int
vote_challenge_write(const struct election *e, const char *alias,
    const uint8_t *const *sel, const char *path, FILE *report,
    uint8_t hash_out[HASH_LEN])
{
	struct json_build *doc = NULL, *cs = NULL;
	struct secret *nonces = NULL;
	struct vbuf *ballot = NULL;
	char *text = NULL;
	size_t len = 0;
	int r;

	REQUIRE(e != NULL && alias != NULL && sel != NULL && path != NULL &&
	    report != NULL && hash_out != NULL);
	memset(hash_out, 0, HASH_LEN);
	if ((ballot = vbuf_new(BALLOT_MAX)) == NULL)
		return ERR_NOMEM;
	if ((r = ballot_encrypt_reveal(e, alias, sel, ballot, &nonces)) != 0)
		goto out;
	ballot_hash(vbuf_ptr(ballot), vbuf_len(ballot), hash_out);
	if ((doc = json_build_object()) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	r = challenge_contests(e->manifest, sel, secret_open(nonces), &cs);
	secret_close(nonces);
	if (r != 0 ||
	    (r = json_build_set(doc, "contests", cs)) != 0 ||
	    (r = json_build_set_string(doc, "format",
	    "ippyo-challenge/1")) != 0 ||
	    (r = json_build_set_string(doc, "election",
	    e->manifest->id)) != 0 ||
	    (r = set_hex(doc, "manifest", e->manifest_bytes,
	    e->manifest_len)) != 0 ||
	    (r = set_hex(doc, "public_key", elgamal_key_encoded(e->key),
	    GROUP_POINT_LEN)) != 0 ||
	    (r = json_build_set_bool(doc, "test_single_key",
	    e->test_single_key)) != 0 ||
	    (r = set_hex(doc, "context_hash", e->context_hash,
	    HASH_LEN)) != 0 ||
	    (r = set_hex(doc, "ballot", vbuf_ptr(ballot),
	    vbuf_len(ballot))) != 0 ||
	    (r = set_hex(doc, "ballot_hash", hash_out, HASH_LEN)) != 0 ||
	    (r = json_build_dump(doc, &text, &len)) != 0)
		goto out;
	cs = NULL;
	/* The nonces are in the text now; the secret goes at once. */
	secret_free(nonces);
	nonces = NULL;
	if (len + 1 > LIMIT_CHALLENGE_FILE_MAX) {
		r = ERR_TOO_LARGE;
		goto out;
	}
	text[len] = '\n';	/* the NUL becomes the final newline */
	if ((r = write_new_private(path, text, len + 1)) != 0)
		goto out;
	r = challenge_check_file(path, report);
 out:
	if (text != NULL) {
		explicit_bzero(text, len + 1);
		free(text);
	}
	json_build_free(doc);
	secret_free(nonces);
	vbuf_free(ballot);	/* the challenged ballot: discarded, wiped */
	return r;
}

static void
say_cannot_write(const char *path, int e)
{
	fprintf(stderr, "ippyo vote: cannot write %s: %s\n", path,
	    e != 0 ? strerror(e) : err_str(ERR_IO));
}

/*
 * Before the card and the PIN: the challenge file must not exist yet
 * and its folder must take a new file.  Only a courtesy to the voter:
 * write_new_private still creates the file with O_EXCL and O_NOFOLLOW.
 * 0, ERR_EXISTS or ERR_IO, with the message printed.
 */
static int
challenge_path_usable(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	struct stat st;
	size_t n;

	if (lstat(path, &st) == 0) {
		fprintf(stderr, "ippyo vote: %s exists; give a new file name\n",
		    path);
		return ERR_EXISTS;
	}
	if (errno != ENOENT) {
		say_cannot_write(path, errno);
		return ERR_IO;
	}
	/* The folder: up to the last slash ("/" for "/f"), else ".". */
	n = slash == NULL ? 0 : slash == path ? 1 : (size_t)(slash - path);
	if (n >= sizeof(dir)) {
		say_cannot_write(path, ENAMETOOLONG);
		return ERR_IO;
	}
	memcpy(dir, n == 0 ? "." : path, n == 0 ? 1 : n);
	dir[n == 0 ? 1 : n] = '\0';
	if (stat(dir, &st) != 0) {
		say_cannot_write(path, errno);
		return ERR_IO;
	}
	if (!S_ISDIR(st.st_mode)) {
		say_cannot_write(path, ENOTDIR);
		return ERR_IO;
	}
	if (access(dir, W_OK | X_OK) != 0) {
		say_cannot_write(path, errno);
		return ERR_IO;
	}
	return 0;
}

static int
vote(const struct vote_opts *o)
{
	static uint8_t sel[LIMIT_CONTESTS_MAX][LIMIT_OPTIONS_MAX];
	const uint8_t *rows[LIMIT_CONTESTS_MAX];
	char origin[AUTH_ORIGIN_MAX + 1], pin[32], path[128], purpose[80];
	char alias[BALLOT_ALIAS_LEN + 1], hex[65];
	uint8_t nonce[LIMIT_NONCE_BYTES], h[BALLOT_HASH_LEN], pk[SIGN_PUBLIC_LEN];
	struct election *e = NULL;
	struct card_ctx *ctx = NULL;
	struct card *c = NULL;
	struct json_build *body = NULL, *tok = NULL;
	struct json_doc *doc = NULL;
	struct vbuf *ballot = NULL;
	struct receipt rc;
	uint8_t *cert = NULL;
	size_t certlen = 0, plen = 0;
	const char *s;
	int64_t pos;
	uint32_t i;
	int r;

	memset(pin, 0, sizeof(pin));
	if (o->challenge != NULL &&
	    (r = challenge_path_usable(o->challenge)) != 0)
		return r;
	if ((r = fetch_election(o, &e, origin)) != 0 ||
	    (r = selections(o, e->manifest, sel)) != 0)
		goto out;
	if ((r = card_ctx_new(&ctx)) != 0 ||
	    (r = card_wait(ctx, o->reader, 10000)) != 0 ||
	    (r = card_open(ctx, o->reader, &c)) != 0 ||
	    (r = card_read_cert(c, CARD_CERT_AUTH, &cert, &certlen)) != 0) {
		fprintf(stderr, "ippyo vote: %s: %s\n", o->reader, err_str(r));
		goto out;
	}
	if ((r = card_ask_secret(o->pin_fd, "利用者証明用 PIN (4 digits): ",
	    pin, sizeof(pin), &plen)) != 0) {
		fprintf(stderr, "ippyo vote: could not read the PIN\n");
		goto out;
	}
	/* 1. Who am I in this election: the alias, after the PIN. */
	snprintf(path, sizeof(path), "/api/v1/elections/%s/alias", o->election);
	if ((r = get_nonce(o, "login", nonce)) != 0 ||
	    (r = token_json(c, pin, plen, origin, nonce, NULL, cert, certlen,
	    &tok)) != 0 || (body = json_build_object()) == NULL ||
	    (r = json_build_set(body, "token", tok)) != 0) {
		tok = NULL;
		r = r != 0 ? r : ERR_NOMEM;
		goto out;
	}
	tok = NULL;
	if ((r = post_with_token(o, path, body, "identifying the voter", 200,
	    &doc)) != 0 ||
	    (r = json_get_string(doc, json_root(doc), "alias", BALLOT_ALIAS_LEN,
	    &s, NULL)) != 0)
		goto out;
	memcpy(alias, s, strlen(s) + 1);
	json_doc_free(doc);
	doc = NULL;
	json_build_free(body);
	body = NULL;
	/* 2. Encrypt here, with every proof. */
	for (i = 0; i < LIMIT_CONTESTS_MAX; i++)
		rows[i] = sel[i];
	if (o->challenge != NULL) {
		/* 2'. The Benaloh challenge: reveal instead of casting. */
		errno = 0;
		r = vote_challenge_write(e, alias, rows, o->challenge, stdout,
		    h);
		if (r == ERR_EXISTS)
			fprintf(stderr, "ippyo vote: %s exists; give a new "
			    "file name\n", o->challenge);
		else if (r == ERR_IO)	/* the file system, not the client */
			say_cannot_write(o->challenge, errno);
		else if (r == ERR_NOMEM)
			fprintf(stderr, "ippyo vote: the challenge: %s\n",
			    err_str(r));
		else if (r != 0)
			fprintf(stderr, "ippyo vote: the challenge FAILED (%s): "
			    "do not use this client to vote; report it\n",
			    err_str(r));
		else
			fprintf(stderr, "ippyo vote: CHALLENGED, NOT CAST.  %s "
			    "holds your choices in plaintext (mode 0600): keep "
			    "it private, or delete it once checked.\n"
			    "ippyo vote: that ballot can never be cast (its "
			    "randomness is public); to vote, run ippyo vote "
			    "again without --challenge: it encrypts anew with "
			    "fresh randomness.\n", o->challenge);
		goto out;
	}
	if ((ballot = vbuf_new(BALLOT_MAX)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if ((r = ballot_encrypt(e, alias, rows, ballot)) != 0)
		goto out;
	ballot_hash(vbuf_ptr(ballot), vbuf_len(ballot), h);
	/* 3. The card signs this ballot's hash with a fresh nonce. */
	snprintf(purpose, sizeof(purpose), "cast:%s", o->election);
	snprintf(path, sizeof(path), "/api/v1/elections/%s/ballots",
	    o->election);
	if ((r = get_nonce(o, purpose, nonce)) != 0 ||
	    (r = token_json(c, pin, plen, origin, nonce, h, cert, certlen,
	    &tok)) != 0 || (body = json_build_object()) == NULL ||
	    (r = json_build_set(body, "token", tok)) != 0) {
		tok = NULL;
		r = r != 0 ? r : ERR_NOMEM;
		goto out;
	}
	tok = NULL;
	explicit_bzero(pin, sizeof(pin));
	if ((r = json_build_set_base64(body, "ballot", vbuf_ptr(ballot),
	    vbuf_len(ballot))) != 0 ||
	    (r = post_with_token(o, path, body, "casting", 201, &doc)) != 0)
		goto out;
	/* 4. The receipt must be signed and name this very ballot. */
	memset(&rc, 0, sizeof(rc));
	snprintf(rc.election_id, sizeof(rc.election_id), "%s", o->election);
	if ((r = json_get_int(doc, json_root(doc), "position", 1, INT64_MAX,
	    &pos)) != 0 ||
	    (r = json_get_base64_exact(doc, json_root(doc), "ballot_hash",
	    rc.entry.ballot_hash, 32)) != 0 ||
	    (r = json_get_base64_exact(doc, json_root(doc), "tracking_code",
	    rc.entry.tracking_code, 32)) != 0 ||
	    (r = json_get_string(doc, json_root(doc), "received_at",
	    CLOCK_TEXT_LEN - 1, &s, NULL)) != 0 ||
	    (r = json_get_base64_exact(doc, json_root(doc), "public_key",
	    rc.public_key, 32)) != 0 ||
	    (r = json_get_base64_exact(doc, json_root(doc), "signature",
	    rc.signature, 64)) != 0)
		goto out;
	rc.entry.position = pos;
	memcpy(rc.entry.received_at, s, strlen(s) + 1);
	memcpy(pk, rc.public_key, sizeof(pk));
	if (o->receipt_key != NULL && ct_hex_decode(o->receipt_key,
	    strlen(o->receipt_key), pk, sizeof(pk)) != 0) {
		r = ERR_USAGE;
		goto out;
	}
	if (!ct_eq(rc.entry.ballot_hash, h, sizeof(h)) ||
	    receipt_verify(pk, &rc) != 0) {
		fprintf(stderr, "ippyo vote: the RECEIPT DOES NOT VERIFY: keep "
		    "this output and report it to the election committee\n");
		r = ERR_VERIFY;
		goto out;
	}
	if ((r = ct_hex_encode(rc.entry.tracking_code, 32, hex,
	    sizeof(hex))) != 0)
		goto out;
	printf("ballot cast: position %lld\ntracking code %s\n",
	    (long long)pos, hex);
	if (o->receipt_key == NULL)
		fprintf(stderr, "ippyo vote: the receipt was checked against the "
		    "key the server sent; pin it with --receipt-key\n");
 out:
	explicit_bzero(pin, sizeof(pin));
	json_build_free(tok);
	json_build_free(body);
	json_doc_free(doc);
	vbuf_free(ballot);
	free(cert);
	card_close(c);
	card_ctx_free(ctx);
	election_free(e);
	return r;
}

int
vote_main(int argc, char **argv)
{
	struct vote_opts o;
	uint64_t v;
	int i;

	memset(&o, 0, sizeof(o));
	o.pin_fd = -1;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (val == NULL) {
			usage();
			return 2;
		}
		i++;
		if (strcmp(a, "--server") == 0) {
			if (strncmp(val, "http://127.0.0.1:", 17) != 0 ||
			    strparse_u64(val + 17, 65535, &v) != 0 || v == 0) {
				fprintf(stderr, "ippyo vote: --server takes "
				    "http://127.0.0.1:PORT (TLS comes from a front "
				    "proxy; docs/PROTOCOL-http.md)\n");
				return 2;
			}
			o.port = (int)v;
		} else if (strcmp(a, "--election") == 0 &&
		    strparse_ident(val, strlen(val), ELECTION_ID_MAX) == 0)
			o.election = val;
		else if (strcmp(a, "--reader") == 0)
			o.reader = val;
		else if (strcmp(a, "--origin") == 0)
			o.origin = val;
		else if (strcmp(a, "--receipt-key") == 0)
			o.receipt_key = val;
		else if (strcmp(a, "--pin-fd") == 0 &&
		    strparse_u64(val, 1024, &v) == 0)
			o.pin_fd = (int)v;
		else if (strcmp(a, "--choose") == 0 && o.nchoose < CHOICES_MAX)
			o.choose[o.nchoose++] = val;
		else if (strcmp(a, "--challenge") == 0 && *val != '\0')
			o.challenge = val;
		else {
			usage();
			return 2;
		}
	}
	if (o.port == 0 || o.election == NULL || o.reader == NULL) {
		usage();
		return 2;
	}
	return vote(&o) == 0 ? 0 : 1;
}
