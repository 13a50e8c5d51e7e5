/*
 * card_main.c - `ippyo-card`, the virtual My Number Card.
 *
 *   ippyo-card new FILE --pki DIR --id ID --name N --address A
 *       --birth YYYYMMDD --sex 1|2|9 --my-number 12DIGITS
 *       [--pin 1234] [--password ABC123] [--text-pin 1234] [--atr HEX]
 *   ippyo-card serve [--host 127.0.0.1] [--port 35963] [--netns PATH]
 *       [--remove-after N] [--fault KIND] FILE...
 *   ippyo-card info FILE
 *   ippyo-card status [--reader NAME] [--wait MS] [--hold MS]
 *   ippyo-card sign [--reader NAME] [--wait MS] --key auth|sign --digest HEX
 *
 * `new` builds a card file from certificates and keys the test PKI issued
 * (registry/testpki.sh issue DIR ID ...).  `serve` connects each card to
 * pcscd's vpcd (FILE i goes to port+i, i.e. reader slot i) and answers as
 * the card until SIGTERM/SIGINT; SIGUSR1 pulls every card out, a second
 * SIGUSR1 puts them back.  --remove-after N pulls a card out after it
 * answered N APDUs (a card removed mid-operation, for tests).  --netns
 * joins a network namespace first (the private pcscd of tests/run).
 * --fault KIND makes the card misbehave on purpose (short, oversized,
 * extra, bad-signature, status-9000: see registry/vpcd.h), to test
 * clients.
 * `info` prints the retry counters of a card file.
 *
 * `status` and `sign` are the PC/SC client (registry/card.h) on the
 * command line, for tests and demos: status lists readers and shows the
 * card's PIN tries and certificates (--hold MS keeps the card open that
 * long before asking again: a reader may vanish meanwhile); sign reads
 * the PIN from the environment variable IPPYO_CARD_PIN (a test tool: a
 * real client asks the person) and prints the verified signature in hex.
 * Errors print "error: ERR_NAME (text)" and exit 1.
 *
 * The PINs given to `new` are test values on a test card; they are never
 * logged.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"
#include "core/strparse.h"
#include "crypto/x509.h"
#include "registry/apdu.h"
#include "registry/card.h"
#include "registry/vcard.h"
#include "registry/vpcd.h"

#define CARD_SLOTS_MAX 16
#define CARD_RETRY_MS 300

static volatile sig_atomic_t card_stop;
static volatile sig_atomic_t card_toggle;

static void
card_on_signal(int sig)
{
	if (sig == SIGUSR1)
		card_toggle = 1;
	else
		card_stop = 1;
}

static void
card_usage(FILE *f)
{
	fprintf(f,
	    "usage: ippyo-card new FILE --pki DIR --id ID --name NAME --address ADDR\n"
	    "           --birth YYYYMMDD --sex 1|2|9 --my-number DIGITS\n"
	    "           [--pin 1234] [--password ABC123] [--text-pin 1234] [--atr HEX]\n"
	    "       ippyo-card serve [--host 127.0.0.1] [--port 35963] [--netns PATH]\n"
	    "           [--remove-after N] [--fault KIND] FILE...\n"
	    "       ippyo-card info FILE\n"
	    "       ippyo-card status [--reader NAME] [--wait MS] [--hold MS]\n"
	    "       ippyo-card sign [--reader NAME] [--wait MS] --key auth|sign --digest HEX\n");
}

/* Reads a whole small file into a new buffer (caller frees). */
static int
card_read_file(const char *path, size_t max, uint8_t **out, size_t *len)
{
	int r = ERR_IO, fd;
	uint8_t *buf;
	size_t n = 0;

	*out = NULL;
	*len = 0;
	if ((buf = malloc(max + 1)) == NULL)
		return ERR_NOMEM;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		goto out;
	for (;;) {
		ssize_t k = read(fd, buf + n, max + 1 - n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			break;
		if (k == 0) {
			r = 0;
			break;
		}
		n += (size_t)k;
		if (n > max) {
			r = ERR_TOO_LARGE;
			break;
		}
	}
	close(fd);
	if (r == 0) {
		*out = buf;
		*len = n;
		buf = NULL;
	}
 out:
	if (buf != NULL)
		explicit_bzero(buf, max + 1);
	free(buf);
	return r;
}

static int
card_hex(const char *s, uint8_t *out, size_t max, size_t *len)
{
	size_t n = strlen(s), i;

	*len = 0;
	if (n == 0 || n % 2 != 0 || n / 2 > max)
		return ERR_FORMAT;
	for (i = 0; i < n; i++) {
		char c = s[i];
		int v = c >= '0' && c <= '9' ? c - '0' :
		    c >= 'a' && c <= 'f' ? c - 'a' + 10 :
		    c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

		if (v < 0)
			return ERR_FORMAT;
		if (i % 2 == 0)
			out[i / 2] = (uint8_t)(v << 4);
		else
			out[i / 2] |= (uint8_t)v;
	}
	*len = n / 2;
	return 0;
}

static int
card_new(int argc, char **argv)
{
	int r = ERR_INTERNAL, i;
	const char *file = NULL, *pki = NULL, *id = NULL;
	struct vcard_params p;
	/* The ATR OpenSC's JPKI driver knows (see docs/CARDS.md). */
	uint8_t atr[VCARD_ATR_MAX] = { 0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31,
	    0xFE, 0x45, 0x14 };
	char path[4096];
	uint8_t *bufs[6] = { NULL };
	size_t lens[6] = { 0 };
	/* What `testpki.sh issue` wrote: per card (ee/ID/...) or per CA. */
	static const struct { int per_card; const char *file; } files[6] = {
		{ 1, "auth.key.der" }, { 1, "auth.crt.der" },
		{ 0, "auth/ca.crt.der" }, { 1, "sign.key.der" },
		{ 1, "sign.crt.der" }, { 0, "sign/ca.crt.der" }
	};
	struct vcard *c = NULL;

	memset(&p, 0, sizeof(p));
	p.atr = atr;
	p.atr_len = 9;
	p.auth_pin = "1234";
	p.sign_pin = "ABC123";
	p.text_pin = "1234";
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (a[0] != '-') {
			if (file != NULL)
				goto usage;
			file = a;
			continue;
		}
		if (v == NULL)
			goto usage;
		i++;
		if (strcmp(a, "--pki") == 0) pki = v;
		else if (strcmp(a, "--id") == 0) id = v;
		else if (strcmp(a, "--name") == 0) p.name = v;
		else if (strcmp(a, "--address") == 0) p.address = v;
		else if (strcmp(a, "--birth") == 0) p.birth = v;
		else if (strcmp(a, "--sex") == 0) p.sex = v;
		else if (strcmp(a, "--my-number") == 0) p.my_number = v;
		else if (strcmp(a, "--pin") == 0) p.auth_pin = v;
		else if (strcmp(a, "--password") == 0) p.sign_pin = v;
		else if (strcmp(a, "--text-pin") == 0) p.text_pin = v;
		else if (strcmp(a, "--atr") == 0) {
			if (card_hex(v, atr, sizeof(atr), &p.atr_len) != 0) {
				fprintf(stderr, "ippyo-card: bad --atr\n");
				return 2;
			}
		} else
			goto usage;
	}
	if (file == NULL || pki == NULL || id == NULL || p.name == NULL ||
	    p.address == NULL || p.birth == NULL || p.sex == NULL ||
	    p.my_number == NULL)
		goto usage;
	if (strparse_ident(id, strlen(id), 32) != 0) {
		fprintf(stderr, "ippyo-card: bad --id\n");
		return 2;
	}
	for (i = 0; i < 6; i++) {
		int n = files[i].per_card ?
		    snprintf(path, sizeof(path), "%s/ee/%s/%s", pki, id,
		    files[i].file) :
		    snprintf(path, sizeof(path), "%s/%s", pki, files[i].file);

		if (n < 0 || (size_t)n >= sizeof(path))
			goto usage;
		if ((r = card_read_file(path, VCARD_KEY_DER_MAX, &bufs[i],
		    &lens[i])) != 0) {
			fprintf(stderr, "ippyo-card: %s: %s\n", path, err_str(r));
			goto out;
		}
	}
	p.auth_key = bufs[0];	p.auth_key_len = lens[0];
	p.auth_cert = bufs[1];	p.auth_cert_len = lens[1];
	p.auth_ca = bufs[2];	p.auth_ca_len = lens[2];
	p.sign_key = bufs[3];	p.sign_key_len = lens[3];
	p.sign_cert = bufs[4];	p.sign_cert_len = lens[4];
	p.sign_ca = bufs[5];	p.sign_ca_len = lens[5];
	if ((r = vcard_new(&p, &c)) != 0) {
		fprintf(stderr, "ippyo-card: cannot build the card: %s "
		    "(check PIN formats, My Number check digit, basic 4)\n",
		    err_str(r));
		goto out;
	}
	if ((r = vcard_save(c, file)) != 0) {
		fprintf(stderr, "ippyo-card: %s: %s\n", file, err_str(r));
		goto out;
	}
	r = 0;
 out:
	for (i = 0; i < 6; i++) {
		if (bufs[i] != NULL)
			explicit_bzero(bufs[i], lens[i]);
		free(bufs[i]);
	}
	vcard_free(c);
	return r == 0 ? 0 : 1;
 usage:
	card_usage(stderr);
	return 2;
}

static int
card_info(int argc, char **argv)
{
	struct vcard *c = NULL;
	int r;

	if (argc != 2) {
		card_usage(stderr);
		return 2;
	}
	if ((r = vcard_load(argv[1], &c)) != 0) {
		fprintf(stderr, "ippyo-card: %s: %s\n", argv[1], err_str(r));
		return 1;
	}
	printf("auth_pin_tries=%d\nsign_password_tries=%d\ntext_pin_tries=%d\n",
	    vcard_pin_tries(c, VCARD_APP_JPKI, 0x0018),
	    vcard_pin_tries(c, VCARD_APP_JPKI, 0x001B),
	    vcard_pin_tries(c, VCARD_APP_TEXT, 0x0011));
	vcard_free(c);
	return 0;
}

static int
card_serve(int argc, char **argv)
{
	int r = ERR_INTERNAL, i, nfiles = 0, removed_all = 0;
	const char *host = "127.0.0.1", *netns = NULL;
	uint64_t port = 35963, remove_after = 0;
	struct vcard *cards[CARD_SLOTS_MAX] = { NULL };
	struct vpcd_slot *slots[CARD_SLOTS_MAX] = { NULL };
	int pulled[CARD_SLOTS_MAX] = { 0 };
	enum vpcd_fault fault = VPCD_FAULT_NONE;
	struct sigaction sa;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (a[0] != '-') {
			if (nfiles == CARD_SLOTS_MAX)
				goto usage;
			if ((r = vcard_load(a, &cards[nfiles])) != 0) {
				fprintf(stderr, "ippyo-card: %s: %s\n", a,
				    err_str(r));
				r = 1;
				goto out;
			}
			nfiles++;
			continue;
		}
		if (v == NULL)
			goto usage;
		i++;
		if (strcmp(a, "--host") == 0)
			host = v;
		else if (strcmp(a, "--netns") == 0)
			netns = v;
		else if (strcmp(a, "--port") == 0) {
			if (strparse_u64(v, 65535, &port) != 0)
				goto usage;
		} else if (strcmp(a, "--fault") == 0) {
			if (vpcd_fault_from_name(v, &fault) != 0)
				goto usage;
		} else if (strcmp(a, "--remove-after") == 0) {
			if (strparse_u64(v, 1000000, &remove_after) != 0)
				goto usage;
		} else
			goto usage;
	}
	if (nfiles == 0 || port + (uint64_t)nfiles - 1 > 65535)
		goto usage;
	if (netns != NULL) {
		int fd = open(netns, O_RDONLY | O_CLOEXEC);

		if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
			fprintf(stderr, "ippyo-card: cannot join %s: %s\n",
			    netns, strerror(errno));
			if (fd >= 0)
				close(fd);
			r = 1;
			goto out;
		}
		close(fd);
	}
	for (i = 0; i < nfiles; i++) {
		if ((r = vpcd_slot_new(cards[i], host, (uint16_t)(port +
		    (uint64_t)i), &slots[i])) != 0) {
			fprintf(stderr, "ippyo-card: bad --host: %s\n", host);
			r = 1;
			goto out;
		}
		vpcd_slot_set_fault(slots[i], fault);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = card_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	log_info("card.serve", LOG_S("host", host), LOG_I("port", port),
	    LOG_I("cards", nfiles));

	while (!card_stop) {
		struct pollfd pfd[CARD_SLOTS_MAX];
		int idx[CARD_SLOTS_MAX], n = 0, k;

		if (card_toggle) {
			card_toggle = 0;
			removed_all = !removed_all;
			for (i = 0; i < nfiles; i++)
				if (removed_all)
					vpcd_slot_disconnect(slots[i]);
		}
		for (i = 0; i < nfiles; i++) {
			if (removed_all || pulled[i])
				continue;
			if (vpcd_slot_fd(slots[i]) < 0 &&
			    vpcd_slot_connect(slots[i]) != 0)
				continue;	/* pcscd not there yet */
			pfd[n].fd = vpcd_slot_fd(slots[i]);
			pfd[n].events = POLLIN;
			pfd[n].revents = 0;
			idx[n++] = i;
		}
		k = poll(pfd, (nfds_t)n, CARD_RETRY_MS);
		if (k < 0 && errno != EINTR) {
			r = ERR_IO;
			break;
		}
		for (i = 0; k > 0 && i < n; i++) {
			int s = idx[i];

			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			/* On error the slot disconnects and reconnects later. */
			if (vpcd_slot_step(slots[s]) != 0)
				continue;
			if (remove_after > 0 &&
			    vpcd_slot_apdus(slots[s]) >= remove_after) {
				vpcd_slot_disconnect(slots[s]);
				pulled[s] = 1;
				log_info("card.pulled", LOG_I("slot", s));
			}
		}
	}
	r = 0;
 out:
	for (i = 0; i < CARD_SLOTS_MAX; i++) {
		vpcd_slot_free(slots[i]);
		vcard_free(cards[i]);
	}
	return r == 0 ? 0 : 1;
 usage:
	card_usage(stderr);
	r = 2;
	for (i = 0; i < CARD_SLOTS_MAX; i++)
		vcard_free(cards[i]);
	return r;
}

static int
card_fail(int r)
{
	fprintf(stderr, "error: %s (%s)\n", err_name(r), err_str(r));
	return 1;
}

/* Opens the card in reader (or the first reader holding one). */
static int
card_client_open(struct card_ctx *ctx, const char *reader, uint64_t wait_ms,
    struct card **out)
{
	char names[CARD_READERS_MAX][CARD_READER_NAME_MAX];
	size_t n, i;
	int r;

	*out = NULL;
	if ((r = card_list_readers(ctx, names, &n)) != 0)
		return r;
	if (n == 0)
		return ERR_READER_GONE;
	if (reader == NULL) {
		for (i = 0; i < n; i++)
			if (card_wait(ctx, names[i], 0) == 0)
				break;
		reader = names[i < n ? i : 0];
	}
	if ((r = card_wait(ctx, reader, (unsigned)wait_ms)) != 0)
		return r == ERR_TIMEOUT ? ERR_CARD_ABSENT : r;
	return card_open(ctx, reader, out);
}

static int
card_status(int argc, char **argv)
{
	int r = ERR_INTERNAL, i;
	const char *reader = NULL;
	uint64_t wait_ms = 0, hold_ms = 0;
	struct card_ctx *ctx = NULL;
	struct card *c = NULL;
	char names[CARD_READERS_MAX][CARD_READER_NAME_MAX], text[512];
	size_t n, k, len = 0;
	unsigned tries;
	uint8_t *der = NULL;
	struct x509_cert *x = NULL;

	for (i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--reader") == 0)
			reader = argv[i + 1];
		else if (strcmp(argv[i], "--wait") == 0 &&
		    strparse_u64(argv[i + 1], 600000, &wait_ms) == 0)
			continue;
		else if (strcmp(argv[i], "--hold") == 0 &&
		    strparse_u64(argv[i + 1], 600000, &hold_ms) == 0)
			continue;
		else
			break;
	}
	if (i != argc) {
		card_usage(stderr);
		return 2;
	}
	if ((r = card_ctx_new(&ctx)) != 0 ||
	    (r = card_list_readers(ctx, names, &n)) != 0)
		goto out;
	for (k = 0; k < n; k++)
		printf("reader: %s%s\n", names[k],
		    card_wait(ctx, names[k], 0) == 0 ? " (card)" : "");
	if ((r = card_client_open(ctx, reader, wait_ms, &c)) != 0)
		goto out;
	printf("card: JPKI\n");
	if ((r = card_pin_tries(c, APDU_PIN_AUTH, &tries)) != 0)
		goto out;
	printf("auth_pin_tries: %u\n", tries);
	if ((r = card_pin_tries(c, APDU_PIN_SIGN, &tries)) != 0)
		goto out;
	printf("sign_password_tries: %u\n", tries);
	if ((r = card_read_cert(c, CARD_CERT_AUTH, &der, &len)) != 0)
		goto out;
	if ((r = x509_cert_from_der(der, len, &x)) != 0 ||
	    (r = x509_cert_subject(x, text, sizeof(text))) != 0)
		goto out;
	printf("auth_cert_subject: %s\n", text);
	if ((r = x509_cert_serial_hex(x, text, sizeof(text))) != 0)
		goto out;
	printf("auth_cert_serial: %s\n", text);
	fflush(stdout);
	if (hold_ms > 0) {
		usleep((useconds_t)(hold_ms * 1000));
		if ((r = card_pin_tries(c, APDU_PIN_AUTH, &tries)) != 0)
			goto out;
		printf("auth_pin_tries: %u\n", tries);
	}
	r = 0;
 out:
	x509_cert_free(x);
	free(der);
	card_close(c);
	card_ctx_free(ctx);
	return r == 0 ? 0 : card_fail(r);
}

static int
card_sign_cmd(int argc, char **argv)
{
	int r = ERR_INTERNAL, i;
	const char *reader = NULL, *key = NULL, *digest = NULL, *pin;
	uint64_t wait_ms = 0;
	struct card_ctx *ctx = NULL;
	struct card *c = NULL;
	uint8_t h[32], *sig = NULL;
	size_t hl, sl = 0, k;
	unsigned left = 0;

	for (i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--reader") == 0)
			reader = argv[i + 1];
		else if (strcmp(argv[i], "--key") == 0)
			key = argv[i + 1];
		else if (strcmp(argv[i], "--digest") == 0)
			digest = argv[i + 1];
		else if (strcmp(argv[i], "--wait") == 0 &&
		    strparse_u64(argv[i + 1], 600000, &wait_ms) == 0)
			continue;
		else
			break;
	}
	pin = getenv("IPPYO_CARD_PIN");
	if (i != argc || key == NULL || digest == NULL || pin == NULL ||
	    (strcmp(key, "auth") != 0 && strcmp(key, "sign") != 0) ||
	    card_hex(digest, h, sizeof(h), &hl) != 0 || hl != sizeof(h)) {
		card_usage(stderr);
		fprintf(stderr, "(the PIN comes from IPPYO_CARD_PIN)\n");
		return 2;
	}
	if ((r = card_ctx_new(&ctx)) != 0 ||
	    (r = card_client_open(ctx, reader, wait_ms, &c)) != 0)
		goto out;
	r = card_sign(c, strcmp(key, "sign") == 0 ? CARD_KEY_SIGN :
	    CARD_KEY_AUTH, pin, strlen(pin), h, &sig, &sl, &left);
	if (r == ERR_PIN_WRONG)
		fprintf(stderr, "tries_left: %u\n", left);
	if (r != 0)
		goto out;
	for (k = 0; k < sl; k++)
		printf("%02x", sig[k]);
	printf("\n");
	r = 0;
 out:
	free(sig);
	card_close(c);
	card_ctx_free(ctx);
	return r == 0 ? 0 : card_fail(r);
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		card_usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "new") == 0)
		return card_new(argc - 1, argv + 1);
	if (strcmp(argv[1], "serve") == 0)
		return card_serve(argc - 1, argv + 1);
	if (strcmp(argv[1], "info") == 0)
		return card_info(argc - 1, argv + 1);
	if (strcmp(argv[1], "status") == 0)
		return card_status(argc - 1, argv + 1);
	if (strcmp(argv[1], "sign") == 0)
		return card_sign_cmd(argc - 1, argv + 1);
	if (strcmp(argv[1], "--help") == 0) {
		card_usage(stdout);
		return 0;
	}
	card_usage(stderr);
	return 2;
}
