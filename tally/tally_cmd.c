/*
 * tally_cmd.c - `ippyo tally ...` and `ippyo key ...`.
 *
 *	ippyo key new FILE --label LABEL [--passphrase-fd N]
 *	ippyo key show FILE --label LABEL [--passphrase-fd N]
 *	ippyo tally station add|close ELECTION STATION
 *	ippyo tally start ELECTION --committee-key FILE --box-key HEX [--threads N]
 *	ippyo tally export ELECTION --committee-key FILE --out DIR
 *	ippyo tally test-share ELECTION --sealed-secret FILE --out FILE
 *	ippyo tally share ELECTION FILE
 *	ippyo tally publish ELECTION --committee-key FILE
 *	ippyo tally record ELECTION --committee-key FILE --out DIR [--tar FILE]
 *	ippyo tally show ELECTION
 *
 * Passphrases come from --passphrase-fd N (one line), else the terminal
 * with echo off; never from the command line.  IPPYO_KEY_PASSPHRASE is
 * read when there is neither (tests, the demo).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/log.h"
#include "core/err.h"
#include "core/file.h"
#include "core/limits.h"
#include "core/strparse.h"
#include "core/vbuf.h"
#include "crypto/ct.h"
#include "crypto/seal.h"
#include "crypto/secret.h"
#include "crypto/sign.h"
#include "registry/card_cmd.h"
#include "tally/record.h"
#include "tally/tally.h"
#include "tally/tally_cmd.h"

struct opts {
	const char *url, *key_file, *label, *box_hex, *out, *tar, *sealed;
	int pfd;
	unsigned threads;
};

static int
ask_passphrase(int fd, const char *prompt, struct secret **out)
{
	char buf[LIMIT_PASSPHRASE_MAX + 1];
	const char *env = getenv("IPPYO_KEY_PASSPHRASE");
	size_t n = 0;
	int r;

	*out = NULL;
	if (fd < 0 && env != NULL && *env != '\0') {
		n = strnlen(env, LIMIT_PASSPHRASE_MAX);
		memcpy(buf, env, n);
	} else if ((r = card_ask_secret(fd, prompt, buf, LIMIT_PASSPHRASE_MAX,
	    &n)) != 0)
		return r;
	if (n == 0) {
		explicit_bzero(buf, sizeof(buf));
		return ERR_USAGE;
	}
	r = secret_from(buf, n, out);
	explicit_bzero(buf, sizeof(buf));
	return r;
}

static int
load_key(const struct opts *o, const char *label, struct sign_key **out)
{
	struct secret *pw = NULL, *seed = NULL;
	int r;

	*out = NULL;
	if (o->key_file == NULL)
		return ERR_USAGE;
	if ((r = ask_passphrase(o->pfd, "key passphrase: ", &pw)) != 0)
		return r;
	if ((r = seal_read_file(o->key_file, label, pw, &seed)) == 0) {
		if (secret_len(seed) != SIGN_SEED_LEN) {
			r = ERR_FORMAT;
		} else {
			r = sign_key_from_seed(secret_open(seed), out);
			secret_close(seed);
		}
	}
	secret_free(seed);
	secret_free(pw);
	return r;
}

static int
label_ok(const char *l)
{
	return l != NULL && (strcmp(l, "committee-key") == 0 ||
	    strcmp(l, "receipt-key") == 0);
}

static void
print_public(const struct sign_key *k)
{
	uint8_t pk[SIGN_PUBLIC_LEN];
	char hex[2 * SIGN_PUBLIC_LEN + 1];

	sign_key_public(k, pk);
	if (ct_hex_encode(pk, sizeof(pk), hex, sizeof(hex)) == 0)
		printf("%s\n", hex);
}

static void
key_usage(void)
{
	fprintf(stderr, "usage:\n"
	    "  ippyo key new FILE --label committee-key|receipt-key "
	    "[--passphrase-fd N]\n"
	    "  ippyo key show FILE --label committee-key|receipt-key "
	    "[--passphrase-fd N]\n"
	    "Makes (or opens) an Ed25519 key sealed under a passphrase and "
	    "prints its public key in hex.\n");
}

static int
parse_opts(int argc, char **argv, int from, struct opts *o)
{
	uint64_t v;
	int i;

	for (i = from; i < argc; i++) {
		const char *a = argv[i];

		if (i + 1 >= argc)
			return ERR_USAGE;
		if (strcmp(a, "--database") == 0)
			o->url = argv[++i];
		else if (strcmp(a, "--committee-key") == 0 ||
		    strcmp(a, "--key-file") == 0)
			o->key_file = argv[++i];
		else if (strcmp(a, "--label") == 0)
			o->label = argv[++i];
		else if (strcmp(a, "--box-key") == 0)
			o->box_hex = argv[++i];
		else if (strcmp(a, "--out") == 0)
			o->out = argv[++i];
		else if (strcmp(a, "--tar") == 0)
			o->tar = argv[++i];
		else if (strcmp(a, "--sealed-secret") == 0)
			o->sealed = argv[++i];
		else if (strcmp(a, "--passphrase-fd") == 0 &&
		    strparse_u64(argv[i + 1], 1024, &v) == 0) {
			o->pfd = (int)v;
			i++;
		} else if (strcmp(a, "--threads") == 0 &&
		    strparse_u64(argv[i + 1], 16, &v) == 0 && v >= 1) {
			o->threads = (unsigned)v;
			i++;
		} else
			return ERR_USAGE;
	}
	return 0;
}

int
key_main(int argc, char **argv)
{
	struct opts o = { .pfd = -1 };
	struct sign_key *k = NULL;
	struct secret *pw = NULL, *seed = NULL;
	uint8_t s[SIGN_SEED_LEN];
	int r;

	if (argc < 3 || parse_opts(argc, argv, 3, &o) != 0 ||
	    !label_ok(o.label)) {
		key_usage();
		return 2;
	}
	o.key_file = argv[2];
	if (strcmp(argv[1], "show") == 0) {
		if ((r = load_key(&o, o.label, &k)) != 0) {
			fprintf(stderr, "ippyo key show: %s\n", r == ERR_PASSPHRASE ?
			    "wrong passphrase (or not a key of that label)" :
			    err_str(r));
			return 1;
		}
		print_public(k);
		sign_key_free(k);
		return 0;
	}
	if (strcmp(argv[1], "new") != 0) {
		key_usage();
		return 2;
	}
	if (access(o.key_file, F_OK) == 0) {
		fprintf(stderr, "ippyo key new: %s exists; refusing to overwrite "
		    "a key\n", o.key_file);
		return 1;
	}
	if ((r = ask_passphrase(o.pfd, "new key passphrase: ", &pw)) != 0 ||
	    (r = sign_key_generate(&k)) != 0) {
		fprintf(stderr, "ippyo key new: %s\n", r == ERR_USAGE ?
		    "a passphrase is needed (--passphrase-fd or the terminal)" :
		    err_str(r));
		secret_free(pw);
		return 1;
	}
	sign_key_seed(k, s);
	r = secret_from(s, sizeof(s), &seed);
	explicit_bzero(s, sizeof(s));
	if (r == 0)
		r = seal_write_new_file(o.key_file, o.label, seed, pw,
		    &seal_params_moderate);
	secret_free(seed);
	secret_free(pw);
	if (r != 0) {
		fprintf(stderr, "ippyo key new: %s: %s\n", o.key_file, err_str(r));
		sign_key_free(k);
		return 1;
	}
	print_public(k);
	sign_key_free(k);
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage:\n"
	    "  ippyo tally station add|close ELECTION STATION\n"
	    "  ippyo tally start ELECTION --committee-key FILE --box-key HEX "
	    "[--threads N]\n"
	    "  ippyo tally export ELECTION --committee-key FILE --out DIR\n"
	    "  ippyo tally test-share ELECTION --sealed-secret FILE --out FILE\n"
	    "  ippyo tally share ELECTION FILE\n"
	    "  ippyo tally publish ELECTION --committee-key FILE\n"
	    "  ippyo tally record ELECTION --committee-key FILE --out DIR "
	    "[--tar FILE]\n"
	    "  ippyo tally show ELECTION\n"
	    "Key passphrases: --passphrase-fd N, else the terminal.\n");
}

static void
progress(void *arg, uint64_t done, uint64_t total)
{
	static uint64_t shown;

	(void)arg;
	if (!isatty(STDERR_FILENO) && done != total && done - shown < 100000)
		return;
	shown = done;
	fprintf(stderr, "\r  read %llu of %llu ballots", (unsigned long long)done,
	    (unsigned long long)total);
	if (done == total)
		fputc('\n', stderr);
}

static const char *
refusal_text(const struct tally_summary *s)
{
	switch (s->refusal) {
	case TALLY_NOT_CLOSED:
		return "the election is not closed";
	case TALLY_BEFORE_CLOSE:
		return "the official close of voting has not passed yet";
	case TALLY_STATIONS_OPEN:
		return "an early-voting station has not confirmed closure";
	case TALLY_STARTED:
		return "this election's tally has already started";
	default:
		return NULL;
	}
}

static int
cmd_start(struct db *db, const char *id, const struct opts *o)
{
	struct tally_opts to;
	struct tally_summary s;
	int r;

	memset(&to, 0, sizeof(to));
	if (o->box_hex == NULL || ct_hex_decode(o->box_hex, strlen(o->box_hex),
	    to.box_key, sizeof(to.box_key)) != 0) {
		fprintf(stderr, "ippyo tally start: --box-key HEX (the server's "
		    "checkpoint key, 64 hex digits) is needed\n");
		return ERR_USAGE;
	}
	if ((r = load_key(o, "committee-key", &to.committee)) != 0) {
		fprintf(stderr, "ippyo tally start: committee key: %s\n",
		    err_str(r));
		return r;
	}
	to.threads = o->threads ? o->threads : 2;
	to.progress = progress;
	to.actor = audit_actor();
	r = tally_start(db, id, &to, &s);
	sign_key_free(to.committee);
	if (r != 0) {
		const char *why = refusal_text(&s);

		fprintf(stderr, "ippyo tally start %s: %s%s%s\n", id,
		    why ? why : err_str(r), s.refusal == TALLY_STATIONS_OPEN ?
		    ": " : "", s.refusal == TALLY_STATIONS_OPEN ? s.station : "");
		return r;
	}
	printf("election %s: box frozen at %lld ballots; %lld counted "
	    "(%lld cancelled: admitted in person)\n", id,
	    (long long)s.ballots_cast, (long long)s.ballots_counted,
	    (long long)s.cancelled);
	return 0;
}

/* Writes a new file (never over an existing one). */
static int
write_new(const char *path, const uint8_t *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	size_t off = 0;

	if (fd < 0)
		return ERR_IO;
	while (off < n) {
		ssize_t w = write(fd, p + off, n - off);

		if (w <= 0) {
			close(fd);
			return ERR_IO;
		}
		off += (size_t)w;
	}
	return close(fd) == 0 ? 0 : ERR_IO;
}

static int
cmd_test_share(struct db *db, const char *id, const struct opts *o)
{
	struct tally_state *t = NULL;
	struct secret *pw = NULL, *sec = NULL;
	struct vbuf *b = NULL;
	struct scalar s;
	int r;

	if (o->sealed == NULL || o->out == NULL)
		return ERR_USAGE;
	group_scalar_zero(&s);
	if ((r = tally_load(db, id, &t)) != 0 ||
	    (r = ask_passphrase(o->pfd, "test key passphrase: ", &pw)) != 0 ||
	    (r = seal_read_file(o->sealed, "test-election-key", pw, &sec)) != 0)
		goto out;
	if (secret_len(sec) != GROUP_SCALAR_LEN) {
		r = ERR_FORMAT;
	} else {
		r = group_scalar_decode(&s, secret_open(sec));
		secret_close(sec);
	}
	if (r != 0)
		goto out;
	if ((b = vbuf_new(LIMIT_BUF_MAX)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if ((r = tally_share_test_key(t, &s, b)) != 0 ||
	    (r = write_new(o->out, vbuf_ptr(b), vbuf_len(b))) != 0)
		goto out;
	printf("TEST-ONLY decryption shares written to %s\n", o->out);
 out:
	if (r != 0)
		fprintf(stderr, "ippyo tally test-share %s: %s\n", id, err_str(r));
	group_scalar_wipe(&s);
	vbuf_free(b);
	secret_free(sec);
	secret_free(pw);
	tally_state_free(t);
	return r;
}

static int
cmd_share(struct db *db, const char *id, const char *file)
{
	uint8_t *p = NULL;
	size_t n = 0;
	uint32_t j = 0;
	long bad = -1;
	int r;

	if ((r = file_read(file, LIMIT_SEALED_FILE_MAX * 16, 0, &p, &n)) != 0) {
		fprintf(stderr, "ippyo tally share: %s: %s\n", file, err_str(r));
		return r;
	}
	r = tally_share_import(db, id, p, n, audit_actor(), &j, &bad);
	free(p);
	if (r == 0)
		printf("election %s: decryption shares of trustee %u checked and "
		    "stored\n", id, (unsigned)j);
	else if (r == ERR_VERIFY && bad >= 0)
		fprintf(stderr, "ippyo tally share: trustee %u's share for option "
		    "%ld does NOT verify; nothing stored\n", (unsigned)j, bad);
	else
		fprintf(stderr, "ippyo tally share: %s\n", r == ERR_EXISTS ?
		    "this trustee's shares are already stored" : r == ERR_PERM ?
		    "not a qualified trustee of this election" :
		    r == ERR_WRONG_STATE ? "nothing to decrypt in this state" :
		    err_str(r));
	return r;
}

static int
cmd_publish(struct db *db, const char *id, const struct opts *o)
{
	struct sign_key *k = NULL;
	struct tally_result res;
	uint32_t q;
	int r;

	if ((r = load_key(o, "committee-key", &k)) != 0) {
		fprintf(stderr, "ippyo tally publish: committee key: %s\n",
		    err_str(r));
		return r;
	}
	r = tally_publish(db, id, k, audit_actor(), &res);
	sign_key_free(k);
	if (r != 0) {
		fprintf(stderr, "ippyo tally publish %s: %s\n", id, r == ERR_RANGE ?
		    "fewer than k trustees' shares are stored" : r == ERR_EXISTS ?
		    "already published" : err_str(r));
		return r;
	}
	printf("election %s: tallied from the shares of trustee%s", id,
	    res.ntrustees == 1 ? "" : "s");
	for (q = 0; q < res.ntrustees; q++)
		printf(" %u", (unsigned)res.trustees[q]);
	printf("\n");
	tally_result_clear(&res);
	return 0;
}

static int
cmd_record(struct db *db, const char *id, const struct opts *o,
    enum record_stage stage)
{
	struct sign_key *k = NULL;
	int r;

	if (o->out == NULL)
		return ERR_USAGE;
	if ((r = load_key(o, "committee-key", &k)) != 0) {
		fprintf(stderr, "ippyo tally: committee key: %s\n", err_str(r));
		return r;
	}
	r = record_write(db, id, o->out, stage, k);
	sign_key_free(k);
	if (r == 0 && o->tar != NULL) {
		char top[LIMIT_ID_LEN_MAX + 8];

		snprintf(top, sizeof(top), "%s-record", id);
		r = record_pack(o->out, top, o->tar);
	}
	if (r != 0) {
		fprintf(stderr, "ippyo tally: record of %s: %s\n", id,
		    r == ERR_WRONG_STATE ? "the tally has not reached that step" :
		    r == ERR_MISMATCH ? "not the key that signed the tally" :
		    r == ERR_EXISTS ? "the output exists" : err_str(r));
		return r;
	}
	printf("record of %s written to %s%s%s\n", id, o->out,
	    o->tar ? " and " : "", o->tar ? o->tar : "");
	return 0;
}

static int
cmd_show(struct db *db, const char *id)
{
	struct tally_state *t = NULL;
	struct db_param p = DB_TEXT(id);
	struct db_result *res = NULL;
	uint8_t *rj = NULL;
	size_t n = 0;
	int r;

	if ((r = tally_load(db, id, &t)) != 0) {
		fprintf(stderr, "ippyo tally show: %s\n", r == ERR_NOT_FOUND ?
		    "no tally of this election" : err_str(r));
		return r;
	}
	printf("election %s: box frozen at %lld ballots, %lld counted (started "
	    "%s)\n", id, (long long)t->final_position,
	    (long long)t->ballots_counted, t->started_at);
	if ((r = db_exec(db, "SELECT results FROM tally_results WHERE "
	    "election_id = $1", &p, 1, &res)) == 0 && db_result_rows(res) == 1 &&
	    (r = db_get_bytes(res, 0, 0, LIMIT_DB_VALUE_MAX, &rj, &n)) == 0)
		fwrite(rj, 1, n, stdout);
	else if (r == 0)
		printf("no result published yet\n");
	free(rj);
	db_result_free(res);
	tally_state_free(t);
	return r;
}

int
tally_main(int argc, char **argv)
{
	struct opts o = { .pfd = -1 };
	struct db *db = NULL;
	const char *cmd, *id;
	int r, from = 3;

	if (argc < 3) {
		usage();
		return 2;
	}
	cmd = argv[1];
	id = argv[2];
	if (strcmp(cmd, "station") == 0 || strcmp(cmd, "share") == 0)
		from = strcmp(cmd, "station") == 0 ? 5 : 4;
	if (argc < from || parse_opts(argc, argv, from, &o) != 0) {
		usage();
		return 2;
	}
	if (o.url == NULL)
		o.url = getenv("DATABASE_URL");
	if (o.url == NULL || *o.url == '\0') {
		fprintf(stderr, "ippyo tally: no database: set DATABASE_URL\n");
		return 2;
	}
	if ((r = db_open(o.url, NULL, &db)) != 0) {
		fprintf(stderr, "ippyo tally: %s\n", err_str(r));
		return 1;
	}
	if (strcmp(cmd, "station") == 0) {
		const char *e = argv[3], *st = argv[4];

		if (strcmp(id, "add") == 0)
			r = tally_station_add(db, e, st, audit_actor());
		else if (strcmp(id, "close") == 0)
			r = tally_station_close(db, e, st, audit_actor());
		else
			r = ERR_USAGE;
		if (r == 0)
			printf("election %s: station %s %s\n", e, st,
			    strcmp(id, "add") == 0 ? "registered" :
			    "confirmed closed");
		else if (r != ERR_USAGE)
			fprintf(stderr, "ippyo tally station: %s\n", r == ERR_EXISTS ?
			    "already recorded" : r == ERR_NOT_FOUND ?
			    "no such election or station" : r == ERR_FORMAT ?
			    "station names are [a-z0-9][a-z0-9_-]*" :
			    err_str(r));
	} else if (strcmp(cmd, "start") == 0)
		r = cmd_start(db, id, &o);
	else if (strcmp(cmd, "export") == 0)
		r = cmd_record(db, id, &o, RECORD_TRUSTEES);
	else if (strcmp(cmd, "test-share") == 0)
		r = cmd_test_share(db, id, &o);
	else if (strcmp(cmd, "share") == 0)
		r = cmd_share(db, id, argv[3]);
	else if (strcmp(cmd, "publish") == 0)
		r = cmd_publish(db, id, &o);
	else if (strcmp(cmd, "record") == 0)
		r = cmd_record(db, id, &o, RECORD_FULL);
	else if (strcmp(cmd, "show") == 0)
		r = cmd_show(db, id);
	else
		r = ERR_USAGE;
	db_close(db);
	if (r == ERR_USAGE) {
		usage();
		return 2;
	}
	return r == 0 ? 0 : 1;
}
