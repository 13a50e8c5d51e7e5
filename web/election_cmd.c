/*
 * election_cmd.c - `ippyo election ...`: the committee's election desk.
 *
 *	ippyo election create MANIFEST.json
 *	ippyo election show ID
 *	ippyo election freeze-roll ID
 *	ippyo election test-key ID --sealed-secret FILE [--passphrase-fd N]
 *	ippyo election open ID
 *	ippyo election close ID
 *	ippyo election box ID		(counts and chain verification)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/log.h"
#include "ballot/box.h"
#include "ballot/election.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/file.h"
#include "core/limits.h"
#include "core/strparse.h"
#include "crypto/ct.h"
#include "crypto/group.h"
#include "crypto/seal.h"
#include "crypto/sign.h"
#include "crypto/secret.h"
#include "db/db.h"
#include "web/election_cmd.h"
#include "web/election_json.h"

static void
usage(void)
{
	fprintf(stderr, "usage:\n"
	    "  ippyo election create MANIFEST.json\n"
	    "  ippyo election show ID\n"
	    "  ippyo election freeze-roll ID\n"
	    "  ippyo election test-key ID --sealed-secret FILE [--passphrase-fd N]\n"
	    "  ippyo election open ID | close ID\n"
	    "  ippyo election box ID [--key HEX]   (checkpoints against the server's key)\n"
	    "  (all take --database URL; default DATABASE_URL)\n");
}

static int
cmd_create(struct db *db, const char *file)
{
	struct manifest *m = NULL;
	char where[256], *text = NULL;
	uint8_t *raw = NULL;
	size_t len = 0;
	int r;

	if ((r = file_read(file, LIMIT_MANIFEST_MAX, 0, &raw, &len)) != 0) {
		fprintf(stderr, "ippyo election create: %s: %s\n", file,
		    err_str(r));
		return r;
	}
	text = (char *)raw;
	if ((r = election_manifest_from_json(text, len, &m, where,
	    sizeof(where))) != 0) {
		fprintf(stderr, "ippyo election create: %s: %s at %s; nothing "
		    "was created\n", file, err_str(r), where);
		goto out;
	}
	if ((r = election_create(db, m, audit_actor())) != 0) {
		fprintf(stderr, "ippyo election create: %s\n", r == ERR_EXISTS ?
		    "an election with this id exists" : err_str(r));
		goto out;
	}
	printf("election %s created (draft): %u contests\n", m->id,
	    m->ncontests);
 out:
	manifest_free(m);
	free(text);
	return r;
}

static int64_t
count(struct db *db, const char *sql, const char *id)
{
	struct db_param p = DB_TEXT(id);
	struct db_result *res = NULL;
	int64_t v = -1;

	if (db_exec(db, sql, &p, 1, &res) == 0 &&
	    db_get_i64(res, 0, 0, &v) != 0)
		v = -1;
	db_result_free(res);
	return v;
}

static int
cmd_show(struct db *db, const char *id, int box, const char *keyhex)
{
	struct election *e = NULL;
	char opens[CLOCK_TEXT_LEN], closes[CLOCK_TEXT_LEN], hex[65];
	int64_t n = 0, bad = 0;
	uint32_t i;
	int r;

	if ((r = election_load(db, id, &e)) != 0) {
		fprintf(stderr, "ippyo election: %s: %s\n", id, err_str(r));
		return r;
	}
	clock_format_us(e->manifest->opens_us, opens);
	clock_format_us(e->manifest->closes_us, closes);
	printf("%s  %s / %s\n", id, e->manifest->name_ja, e->manifest->name_en);
	printf("  state        %s%s\n", election_state_str(e->state),
	    e->test_single_key ? "  (TEST-ONLY single key, no ceremony)" : "");
	printf("  window       %s .. %s\n", opens, closes);
	if (e->key != NULL && ct_hex_encode(e->context_hash, HASH_LEN, hex,
	    sizeof(hex)) == 0)
		printf("  context      %s\n", hex);
	for (i = 0; i < e->manifest->ncontests; i++)
		printf("  contest %-3u  %s / %s: %u options, choose %u..%u\n", i,
		    e->manifest->contests[i].title_ja,
		    e->manifest->contests[i].title_en,
		    e->manifest->contests[i].noptions, e->manifest->contests[i].min,
		    e->manifest->contests[i].max);
	printf("  roll         %lld voters\n", (long long)count(db,
	    "SELECT count(*) FROM roll_entries WHERE election_id = $1", id));
	printf("  ballots      %lld cast by %lld voters, %lld superseded\n",
	    (long long)count(db, "SELECT count(*) FROM ballots WHERE "
	    "election_id = $1", id), (long long)count(db, "SELECT count(DISTINCT "
	    "voter_resident_id) FROM ballots WHERE election_id = $1", id),
	    (long long)count(db, "SELECT count(*) FROM ballot_superseded WHERE "
	    "election_id = $1", id));
	printf("  admitted     %lld in person\n", (long long)count(db,
	    "SELECT count(*) FROM admissions WHERE election_id = $1", id));
	if (box && e->key != NULL) {
		r = box_verify(db, e, &n, &bad);
		if (r == 0)
			printf("  box chain    intact: %lld ballots\n", (long long)n);
		else if (r == ERR_VERIFY)
			printf("  box chain    BROKEN at position %lld\n",
			    (long long)bad);
		else
			printf("  box chain    not checked: %s\n", err_str(r));
		if (r == 0 && keyhex != NULL) {
			uint8_t pk[SIGN_PUBLIC_LEN];

			if (ct_hex_decode(keyhex, strlen(keyhex), pk, sizeof(pk)) != 0)
				r = ERR_USAGE;
			else if ((r = box_checkpoints_verify(db, e, pk, &n,
			    &bad)) == 0)
				printf("  checkpoints  %lld, all signed by the key "
				    "and on the chain\n", (long long)n);
			else
				printf("  checkpoints  at position %lld do NOT "
				    "verify\n", (long long)bad);
		}
	}
	election_free(e);
	return r;
}

static int
cmd_test_key(struct db *db, const char *id, const char *file, int fd)
{
	struct secret *pw = NULL, *sec = NULL;
	uint8_t enc[GROUP_SCALAR_LEN];
	struct scalar s;
	char buf[LIMIT_PASSPHRASE_MAX + 1];
	size_t n = 0;
	int r;

	group_scalar_zero(&s);
	/* The passphrase: one line from fd, else IPPYO_TEST_KEY_PASSPHRASE. */
	if (fd >= 0) {
		ssize_t k;

		while (n < LIMIT_PASSPHRASE_MAX && (k = read(fd, buf + n, 1)) == 1 &&
		    buf[n] != '\n')
			n++;
	} else if (getenv("IPPYO_TEST_KEY_PASSPHRASE") != NULL) {
		n = strnlen(getenv("IPPYO_TEST_KEY_PASSPHRASE"), LIMIT_PASSPHRASE_MAX);
		memcpy(buf, getenv("IPPYO_TEST_KEY_PASSPHRASE"), n);
	}
	if (n == 0) {
		fprintf(stderr, "ippyo election test-key: a passphrase is needed "
		    "to seal the secret (--passphrase-fd)\n");
		return ERR_USAGE;
	}
	r = secret_from(buf, n, &pw);
	explicit_bzero(buf, sizeof(buf));
	if (r != 0)
		return r;
	if ((r = election_keys_test_single(db, id, audit_actor(), &s)) != 0) {
		fprintf(stderr, "ippyo election test-key: %s\n", r ==
		    ERR_WRONG_STATE ? "the roll must be frozen first (and keys "
		    "not yet made)" : err_str(r));
		goto out;
	}
	group_scalar_encode(&s, enc);
	if ((r = secret_from(enc, sizeof(enc), &sec)) != 0 ||
	    (r = seal_write_file(file, "test-election-key", sec, pw,
	    &seal_params_moderate)) != 0) {
		fprintf(stderr, "ippyo election test-key: sealing %s: %s (the "
		    "election is keys_ready but its secret is lost)\n", file,
		    err_str(r));
		goto out;
	}
	printf("election %s: keys_ready with a TEST-ONLY single key; secret "
	    "sealed in %s\n", id, file);
 out:
	explicit_bzero(enc, sizeof(enc));
	group_scalar_wipe(&s);
	secret_free(sec);
	secret_free(pw);
	return r;
}

int
election_main(int argc, char **argv)
{
	const char *url = getenv("DATABASE_URL"), *sealed = NULL, *arg;
	const char *keyhex = NULL;
	struct db *db = NULL;
	uint64_t fdv = 0;
	int i, r, pfd = -1;

	if (argc < 3) {
		usage();
		return 2;
	}
	arg = argv[2];
	for (i = 3; i < argc; i++) {
		if (i + 1 >= argc) {
			usage();
			return 2;
		}
		if (strcmp(argv[i], "--database") == 0)
			url = argv[++i];
		else if (strcmp(argv[i], "--sealed-secret") == 0)
			sealed = argv[++i];
		else if (strcmp(argv[i], "--key") == 0)
			keyhex = argv[++i];
		else if (strcmp(argv[i], "--passphrase-fd") == 0 &&
		    strparse_u64(argv[i + 1], 1024, &fdv) == 0) {
			pfd = (int)fdv;
			i++;
		} else {
			usage();
			return 2;
		}
	}
	if (url == NULL || *url == '\0') {
		fprintf(stderr, "ippyo election: no database: set DATABASE_URL\n");
		return 2;
	}
	if ((r = db_open(url, NULL, &db)) != 0) {
		fprintf(stderr, "ippyo election: %s\n", err_str(r));
		return 1;
	}
	if (strcmp(argv[1], "create") == 0)
		r = cmd_create(db, arg);
	else if (strcmp(argv[1], "show") == 0)
		r = cmd_show(db, arg, 0, NULL);
	else if (strcmp(argv[1], "box") == 0)
		r = cmd_show(db, arg, 1, keyhex);
	else if (strcmp(argv[1], "freeze-roll") == 0) {
		if ((r = election_freeze_roll(db, arg, audit_actor())) == 0)
			printf("election %s: roll frozen\n", arg);
	} else if (strcmp(argv[1], "test-key") == 0 && sealed != NULL)
		r = cmd_test_key(db, arg, sealed, pfd);
	else if (strcmp(argv[1], "open") == 0) {
		if ((r = election_open(db, arg, audit_actor())) == 0)
			printf("election %s: open\n", arg);
	} else if (strcmp(argv[1], "close") == 0) {
		if ((r = election_close(db, arg, audit_actor())) == 0)
			printf("election %s: closed\n", arg);
	} else {
		db_close(db);
		usage();
		return 2;
	}
	if (r != 0 && r != ERR_VERIFY && (strcmp(argv[1], "freeze-roll") == 0 ||
	    strcmp(argv[1], "open") == 0 || strcmp(argv[1], "close") == 0))
		fprintf(stderr, "ippyo election %s %s: %s\n", argv[1], arg,
		    r == ERR_WRONG_STATE ? "not allowed in the election's current "
		    "state" : err_str(r));
	db_close(db);
	return r == 0 ? 0 : 1;
}
