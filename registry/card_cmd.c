/*
 * card_cmd.c - `ippyo card ...`: the committee's card desk.
 *
 *	ippyo card readers
 *	ippyo card bind --reader NAME
 *	ippyo card bind-witnessed --reader NAME --resident ID --witness NAME
 *	ippyo card sweep
 *
 * PINs are asked on the terminal without echo, or read one line each from
 * the file descriptor given by --pin-fd (authentication PIN, then the
 * signature password), for automation; they are wiped after use and
 * never logged.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "audit/log.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/strparse.h"
#include "crypto/certcheck.h"
#include "crypto/digest.h"
#include "db/db.h"
#include "registry/auth.h"
#include "registry/binding.h"
#include "registry/card.h"
#include "registry/card_cmd.h"
#include "registry/nonce.h"
#include "registry/trust.h"

#define SECRET_MAX 32

/* Reads one line (without its newline) from fd into buf; 0 or ERR_IO. */
static int
read_line_fd(int fd, char *buf, size_t max, size_t *len)
{
	size_t n = 0;
	char c;

	for (;;) {
		ssize_t k = read(fd, &c, 1);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			explicit_bzero(buf, max);
			return ERR_IO;
		}
		if (k == 0 || c == '\n')
			break;
		if (n + 1 >= max) {
			explicit_bzero(buf, max);
			return ERR_TOO_LARGE;
		}
		buf[n++] = c;
	}
	buf[n] = '\0';
	*len = n;
	return n > 0 ? 0 : ERR_IO;
}

int
card_ask_secret(int fd, const char *prompt, char *buf, size_t max,
    size_t *len)
{
	struct termios old, quiet;
	int tty, r;

	if (fd >= 0)
		return read_line_fd(fd, buf, max, len);
	if ((tty = open("/dev/tty", O_RDWR | O_CLOEXEC)) < 0)
		return ERR_IO;
	if (write(tty, prompt, strlen(prompt)) < 0 ||
	    tcgetattr(tty, &old) != 0) {
		close(tty);
		return ERR_IO;
	}
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	(void)tcsetattr(tty, TCSAFLUSH, &quiet);
	r = read_line_fd(tty, buf, max, len);
	(void)tcsetattr(tty, TCSAFLUSH, &old);
	if (write(tty, "\n", 1) < 0)
		r = r == 0 ? ERR_IO : r;
	close(tty);
	return r;
}

static int
open_card(const char *reader, struct card_ctx **ctx, struct card **card)
{
	int r;

	*ctx = NULL;
	*card = NULL;
	if ((r = card_ctx_new(ctx)) != 0)
		return r;
	if ((r = card_wait(*ctx, reader, 10000)) != 0 ||
	    (r = card_open(*ctx, reader, card)) != 0) {
		card_ctx_free(*ctx);
		*ctx = NULL;
	}
	return r;
}

static void
say_pin_error(int r, unsigned tries)
{
	if (r == ERR_PIN_WRONG)
		fprintf(stderr, "ippyo card: wrong PIN or password; %u tries "
		    "left before the card locks\n", tries);
	else if (r == ERR_PIN_BLOCKED)
		fprintf(stderr, "ippyo card: the PIN is blocked; the holder must "
		    "have it reset at the municipal office\n");
	else
		fprintf(stderr, "ippyo card: %s\n", err_str(r));
}

/*
 * Signs m (64 bytes) with key after asking for its secret.  For the
 * signature key, the certificate (readable only once the password has
 * been verified in this session) is read too, into *cert.
 */
static int
card_sign_m(struct card *c, enum card_key key, int pin_fd, const char *prompt,
    const uint8_t m[64], uint8_t **sig, size_t *sig_len, uint8_t **cert,
    size_t *cert_len)
{
	char pin[SECRET_MAX];
	uint8_t h[DIGEST_LEN];
	unsigned tries = 0;
	size_t plen = 0;
	int r;

	if ((r = card_ask_secret(pin_fd, prompt, pin, sizeof(pin), &plen)) != 0) {
		explicit_bzero(pin, sizeof(pin));
		fprintf(stderr, "ippyo card: could not read the PIN: %s\n",
		    err_str(r));
		return r;
	}
	digest_sha256(m, 64, h);
	if (cert != NULL) {
		if ((r = card_verify_pin(c, APDU_PIN_SIGN, pin, plen,
		    &tries)) == 0 &&
		    (r = card_read_cert(c, CARD_CERT_SIGN, cert, cert_len)) != 0) {
			fprintf(stderr, "ippyo card: reading the signature "
			    "certificate: %s\n", err_str(r));
			explicit_bzero(pin, sizeof(pin));
			return r;
		}
	}
	if (r == 0)
		r = card_sign(c, key, pin, plen, h, sig, sig_len, &tries);
	explicit_bzero(pin, sizeof(pin));
	if (r != 0)
		say_pin_error(r, tries);
	return r;
}

static int
cmd_bind(struct db *db, const char *reader, int pin_fd)
{
	struct certcheck *acc = NULL, *scc = NULL;
	struct card_ctx *ctx = NULL;
	struct card *c = NULL;
	struct binding_result res;
	uint8_t nonce[LIMIT_NONCE_BYTES], m[64];
	uint8_t *ad = NULL, *sd = NULL, *asig = NULL, *ssig = NULL;
	size_t al = 0, sl = 0, asl = 0, ssl = 0;
	int r;

	if ((r = trust_from_env(CERTCHECK_AUTH, &acc)) != 0 ||
	    (r = trust_from_env(CERTCHECK_SIGN, &scc)) != 0) {
		fprintf(stderr, "ippyo card: set IPPYO_AUTH_CA and IPPYO_SIGN_CA "
		    "(docs/REGISTRY.md)\n");
		goto out;
	}
	if ((r = open_card(reader, &ctx, &c)) != 0) {
		fprintf(stderr, "ippyo card: %s: %s\n", reader, err_str(r));
		goto out;
	}
	if ((r = card_read_cert(c, CARD_CERT_AUTH, &ad, &al)) != 0 ||
	    (r = nonce_issue(db, "bind", nonce)) != 0) {
		fprintf(stderr, "ippyo card bind: %s\n", err_str(r));
		goto out;
	}
	binding_message(nonce, ad, al, m);
	if ((r = card_sign_m(c, CARD_KEY_AUTH, pin_fd,
	    "利用者証明用 PIN (4 digits): ", m, &asig, &asl, NULL, NULL)) != 0 ||
	    (r = card_sign_m(c, CARD_KEY_SIGN, pin_fd,
	    "署名用パスワード (signature password): ", m, &ssig, &ssl, &sd,
	    &sl)) != 0)
		goto out;
	r = binding_bind_signature(db, acc, scc, ad, al, sd, sl, nonce, asig,
	    asl, ssig, ssl, audit_actor(), &res);
	if (r == 0)
		printf("card bound to resident %s (binding %lld%s)\n",
		    res.resident_id, (long long)res.binding_id,
		    res.replaced ? ", replacing the previous card" : "");
	else if (r == ERR_MISMATCH)
		fprintf(stderr, "ippyo card bind: the card's name, date of birth, "
		    "sex and address match no single resident; check the "
		    "register or bind with a witness\n");
	else if (r == ERR_EXISTS)
		fprintf(stderr, "ippyo card bind: this card is already bound\n");
	else
		fprintf(stderr, "ippyo card bind: %s\n", err_str(r));
 out:
	free(ad);
	free(sd);
	free(asig);
	free(ssig);
	card_close(c);
	card_ctx_free(ctx);
	certcheck_free(acc);
	certcheck_free(scc);
	return r;
}

static int
cmd_bind_witnessed(struct db *db, const char *reader, int pin_fd,
    const char *resident, const char *witness)
{
	struct certcheck *acc = NULL;
	struct card_ctx *ctx = NULL;
	struct card *c = NULL;
	struct binding_result res;
	uint8_t nonce[LIMIT_NONCE_BYTES], m[64];
	uint8_t *ad = NULL, *asig = NULL;
	size_t al = 0, asl = 0;
	int r;

	if ((r = trust_from_env(CERTCHECK_AUTH, &acc)) != 0) {
		fprintf(stderr, "ippyo card: set IPPYO_AUTH_CA (docs/REGISTRY.md)\n");
		goto out;
	}
	if ((r = open_card(reader, &ctx, &c)) != 0) {
		fprintf(stderr, "ippyo card: %s: %s\n", reader, err_str(r));
		goto out;
	}
	/* The holder proves the card is theirs with the PIN. */
	if ((r = card_read_cert(c, CARD_CERT_AUTH, &ad, &al)) != 0 ||
	    (r = nonce_issue(db, "bind", nonce)) != 0) {
		fprintf(stderr, "ippyo card bind-witnessed: %s\n", err_str(r));
		goto out;
	}
	binding_message(nonce, ad, al, m);
	if ((r = card_sign_m(c, CARD_KEY_AUTH, pin_fd,
	    "利用者証明用 PIN (4 digits): ", m, &asig, &asl, NULL, NULL)) != 0)
		goto out;
	/* The signature is checked against the certificate being bound. */
	r = binding_bind_witnessed(db, acc, ad, al, nonce, asig, asl, resident,
	    witness, audit_actor(), &res);
	if (r == 0)
		printf("card bound to resident %s by %s (binding %lld)\n",
		    res.resident_id, witness, (long long)res.binding_id);
	else
		fprintf(stderr, "ippyo card bind-witnessed: %s\n",
		    r == ERR_NOT_FOUND ? "no such active resident" :
		    r == ERR_EXISTS ? "this card is already bound" : err_str(r));
 out:
	free(ad);
	free(asig);
	card_close(c);
	card_ctx_free(ctx);
	certcheck_free(acc);
	return r;
}

static int
cmd_readers(void)
{
	char names[CARD_READERS_MAX][CARD_READER_NAME_MAX];
	struct card_ctx *ctx = NULL;
	size_t n = 0, i;
	int r;

	if ((r = card_ctx_new(&ctx)) != 0 ||
	    (r = card_list_readers(ctx, names, &n)) != 0) {
		fprintf(stderr, "ippyo card readers: %s\n", err_str(r));
		card_ctx_free(ctx);
		return r;
	}
	for (i = 0; i < n; i++)
		printf("%s\n", names[i]);
	card_ctx_free(ctx);
	return 0;
}

static void
card_usage(void)
{
	fprintf(stderr, "usage:\n"
	    "  ippyo card readers\n"
	    "  ippyo card bind --reader NAME [--pin-fd N]\n"
	    "  ippyo card bind-witnessed --reader NAME --resident ID --witness NAME [--pin-fd N]\n"
	    "  ippyo card sweep\n"
	    "  (all take --database URL; trust comes from IPPYO_AUTH_CA, IPPYO_SIGN_CA, ...)\n");
}

int
card_main(int argc, char **argv)
{
	const char *url = getenv("DATABASE_URL"), *reader = NULL;
	const char *resident = NULL, *witness = NULL;
	struct certcheck *cc = NULL;
	struct db *db = NULL;
	int64_t checked = 0, suspended = 0, unknown = 0;
	uint64_t fd = 0;
	int pin_fd = -1, i, r;

	if (argc < 2) {
		card_usage();
		return 2;
	}
	for (i = 2; i < argc; i++) {
		if (i + 1 >= argc) {
			card_usage();
			return 2;
		}
		if (strcmp(argv[i], "--database") == 0)
			url = argv[++i];
		else if (strcmp(argv[i], "--reader") == 0)
			reader = argv[++i];
		else if (strcmp(argv[i], "--resident") == 0)
			resident = argv[++i];
		else if (strcmp(argv[i], "--witness") == 0)
			witness = argv[++i];
		else if (strcmp(argv[i], "--pin-fd") == 0) {
			if (strparse_u64(argv[++i], 1024, &fd) != 0) {
				card_usage();
				return 2;
			}
			pin_fd = (int)fd;
		} else {
			card_usage();
			return 2;
		}
	}
	if (strcmp(argv[1], "readers") == 0)
		return cmd_readers() == 0 ? 0 : 1;
	if (url == NULL || *url == '\0') {
		fprintf(stderr, "ippyo card: no database: set DATABASE_URL\n");
		return 2;
	}
	if (strcmp(argv[1], "bind") == 0 && reader != NULL) {
		if ((r = db_open(url, NULL, &db)) == 0)
			r = cmd_bind(db, reader, pin_fd);
	} else if (strcmp(argv[1], "bind-witnessed") == 0 && reader != NULL &&
	    resident != NULL && witness != NULL) {
		if ((r = db_open(url, NULL, &db)) == 0)
			r = cmd_bind_witnessed(db, reader, pin_fd, resident,
			    witness);
	} else if (strcmp(argv[1], "sweep") == 0) {
		if ((r = trust_from_env(CERTCHECK_AUTH, &cc)) != 0)
			fprintf(stderr, "ippyo card sweep: set IPPYO_AUTH_CA\n");
		else if ((r = db_open(url, NULL, &db)) == 0 &&
		    (r = binding_sweep(db, cc, audit_actor(), &checked,
		    &suspended, &unknown)) == 0)
			printf("checked %lld bindings: %lld suspended, %lld with "
			    "unknown status\n", (long long)checked,
			    (long long)suspended, (long long)unknown);
		else
			fprintf(stderr, "ippyo card sweep: %s\n", err_str(r));
		certcheck_free(cc);
	} else {
		card_usage();
		return 2;
	}
	db_close(db);
	return r == 0 ? 0 : 1;
}
