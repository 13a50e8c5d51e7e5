/*
 * test_card_pcsc.c - the PC/SC client against virtual cards through the
 * real pcscd + vpcd that tests/run started (PCSCLITE_CSOCK_NAME,
 * IPPYO_VPCD_NETNS, IPPYO_VPCD_PORT, IPPYO_TEST_CARDS, IPPYO_TEST_PKI).
 *
 * Each test copies a card file, starts `ippyo-card serve` for it in
 * reader slot 0, and stops it at the end, so the card is inserted and
 * removed while pcscd runs.
 */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"
#include "crypto/rsa.h"
#include "crypto/x509.h"
#include "registry/apdu.h"
#include "registry/card.h"
#include "registry/vcard.h"
#include "tests/harness/test.h"

extern char **environ;

#define READER "Virtual PCD 00 00"

static const char *
env_or_skip(const char *name)
{
	const char *v = getenv(name);

	if (v == NULL)
		test_skip("card rig not running (tests/run starts it)");
	return v;
}

/* Copies the template card id into a fresh temporary file. */
static void
copy_card(const char *id, char *path, size_t max)
{
	char src[1024];
	uint8_t *p;
	size_t n;
	FILE *f;
	int fd;

	snprintf(src, sizeof(src), "%s/%s.card", env_or_skip("IPPYO_TEST_CARDS"),
	    id);
	p = test_read_file(src, &n);
	snprintf(path, max, "/tmp/ippyo-integ-card.XXXXXX");
	fd = mkstemp(path);
	ASSERT_TRUE(fd >= 0);
	f = fdopen(fd, "wb");
	ASSERT_NOT_NULL(f);
	ASSERT_INT_EQ(fwrite(p, 1, n, f), n);
	ASSERT_INT_EQ(fclose(f), 0);
	free(p);
}

static pid_t card_pid;	/* the card process running, for cleanup */
static int atexit_done;	/* kill_leftover_card registered */

static void
kill_leftover_card(void)
{
	int st;

	if (card_pid > 0) {
		kill(card_pid, SIGTERM);
		waitpid(card_pid, &st, 0);
		card_pid = 0;
	}
}

/*
 * Starts `ippyo-card serve` for path in slot 0; extra may be NULL.  A
 * card left over by a failed test is stopped first.
 */
static pid_t
start_card(const char *path, const char *extra_flag, const char *extra_val)
{
	char bin[1024], port[16];
	const char *ns = env_or_skip("IPPYO_VPCD_NETNS");
	char *argv[12];
	int i = 0;
	pid_t pid;
	posix_spawn_file_actions_t fa;

	snprintf(bin, sizeof(bin), "%s/ippyo-card", env_or_skip("IPPYO_BIN"));
	snprintf(port, sizeof(port), "%s", env_or_skip("IPPYO_VPCD_PORT"));
	argv[i++] = bin;
	argv[i++] = (char *)(uintptr_t)"serve";
	argv[i++] = (char *)(uintptr_t)"--port";
	argv[i++] = port;
	if (ns[0] != '\0') {
		argv[i++] = (char *)(uintptr_t)"--netns";
		argv[i++] = (char *)(uintptr_t)ns;
	}
	if (extra_flag != NULL) {
		argv[i++] = (char *)(uintptr_t)extra_flag;
		argv[i++] = (char *)(uintptr_t)extra_val;
	}
	argv[i++] = (char *)(uintptr_t)path;
	argv[i] = NULL;
	if (card_pid > 0) {
		kill_leftover_card();
		usleep(800000);		/* let pcscd see it go */
	} else if (!atexit_done) {
		atexit(kill_leftover_card);
		atexit_done = 1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", 1, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", 1, 0);
	ASSERT_INT_EQ(posix_spawn(&pid, bin, &fa, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	card_pid = pid;
	return pid;
}

/* Waits until pcscd sees no card in the reader (up to 5 s). */
static int
wait_absent(struct card_ctx *ctx)
{
	int i;

	for (i = 0; i < 50; i++) {
		if (card_wait(ctx, READER, 0) == ERR_TIMEOUT)
			return 0;
		usleep(100000);
	}
	return ERR_TIMEOUT;
}

/* Stops the card process and waits until pcscd has noticed. */
static void
stop_card(pid_t pid)
{
	struct card_ctx *ctx = NULL;
	int st;

	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	if (pid == card_pid)
		card_pid = 0;
	ASSERT_OK(card_ctx_new(&ctx));
	ASSERT_OK(wait_absent(ctx));
	card_ctx_free(ctx);
}

/* Opens a context and the card in slot 0, waiting for it. */
static void
open_card(struct card_ctx **ctx, struct card **c)
{
	ASSERT_OK(card_ctx_new(ctx));
	ASSERT_OK(card_wait(*ctx, READER, 8000));
	ASSERT_OK(card_open(*ctx, READER, c));
}

static void
sha256_of(const char *s, uint8_t h[32])
{
	ASSERT_OK(rsa_sha256(s, strlen(s), h));
}

TEST(card_lists_readers_and_reads_certificates)
{
	char path[256], names[CARD_READERS_MAX][CARD_READER_NAME_MAX];
	char text[512], ca_path[1024];
	struct card_ctx *ctx = NULL;
	struct card *c = NULL;
	size_t n, i, len, calen;
	int found = 0;
	uint8_t *der = NULL, *ca = NULL, *ca_pki, atr[40];
	struct x509_cert *x = NULL, *xca = NULL;
	struct x509_jpki_identity *id = calloc(1, sizeof(*id));
	unsigned ku;
	pid_t pid;

	log_set_level(LOG_WARN);
	ASSERT_NOT_NULL(id);
	copy_card("hanako", path, sizeof(path));
	ASSERT_OK(card_ctx_new(&ctx));
	ASSERT_OK(card_list_readers(ctx, names, &n));
	for (i = 0; i < n; i++)
		if (strcmp(names[i], READER) == 0)
			found = 1;
	ASSERT_TRUE(found);
	ASSERT_ERR(card_open(ctx, READER, &c), ERR_CARD_ABSENT);
	pid = start_card(path, NULL, NULL);
	ASSERT_OK(card_wait(ctx, READER, 8000));
	ASSERT_OK(card_open(ctx, READER, &c));
	ASSERT_OK(card_atr(c, atr, sizeof(atr), &len));
	ASSERT_INT_EQ(len, 9);
	ASSERT_INT_EQ(atr[0], 0x3B);
	ASSERT_OK(card_read_cert(c, CARD_CERT_AUTH, &der, &len));
	ASSERT_OK(x509_cert_from_der(der, len, &x));
	ASSERT_OK(x509_cert_subject(x, text, sizeof(text)));
	ASSERT_TRUE(strstr(text, "CN=hanako-auth") != NULL);
	ASSERT_OK(x509_cert_key_usage(x, &ku));
	ASSERT_INT_EQ(ku, X509_KU_DIGITAL_SIGNATURE);
	ASSERT_ERR(x509_cert_jpki_identity(x, id), ERR_NOT_FOUND);
	/* The CA on the card is the test PKI's, and it issued the cert. */
	ASSERT_OK(card_read_cert(c, CARD_CERT_AUTH_CA, &ca, &calen));
	snprintf(ca_path, sizeof(ca_path), "%s/auth/ca.crt.der",
	    env_or_skip("IPPYO_TEST_PKI"));
	ca_pki = test_read_file(ca_path, &n);
	ASSERT_INT_EQ(n, calen);
	ASSERT_MEM_EQ(ca, ca_pki, n);
	ASSERT_OK(x509_cert_from_der(ca, calen, &xca));
	ASSERT_OK(x509_cert_check_issued_by(x, xca));
	ASSERT_ERR(x509_cert_check_issued_by(xca, x), ERR_VERIFY);
	/* The signature certificate is closed until the password. */
	free(der);
	der = NULL;
	ASSERT_ERR(card_read_cert(c, CARD_CERT_SIGN, &der, &len), ERR_PERM);
	free(ca_pki);
	free(ca);
	free(id);
	x509_cert_free(x);
	x509_cert_free(xca);
	card_close(c);
	stop_card(pid);
	ASSERT_OK(wait_absent(ctx));
	card_ctx_free(ctx);
	unlink(path);
}

TEST(card_sign_with_auth_key_verifies)
{
	char path[256];
	struct card_ctx *ctx = NULL;
	struct card *c = NULL;
	uint8_t h[32], *sig = NULL, *der = NULL;
	size_t sl, len;
	unsigned tries, left;
	struct x509_cert *x = NULL;
	struct rsa_pub *pub = NULL;
	pid_t pid;

	copy_card("hanako", path, sizeof(path));
	pid = start_card(path, NULL, NULL);
	open_card(&ctx, &c);
	ASSERT_OK(card_pin_tries(c, APDU_PIN_AUTH, &tries));
	ASSERT_INT_EQ(tries, 3);
	sha256_of("nonce-1", h);
	ASSERT_OK(card_sign(c, CARD_KEY_AUTH, "1234", 4, h, &sig, &sl, &left));
	ASSERT_INT_EQ(sl, 256);
	ASSERT_OK(card_read_cert(c, CARD_CERT_AUTH, &der, &len));
	ASSERT_OK(x509_cert_from_der(der, len, &x));
	ASSERT_OK(x509_cert_pubkey(x, &pub));
	ASSERT_OK(rsa_verify_sha256(pub, (const uint8_t *)"nonce-1", 7, sig,
	    sl));
	ASSERT_ERR(rsa_verify_sha256(pub, (const uint8_t *)"nonce-2", 7, sig,
	    sl), ERR_VERIFY);
	/* The PIN session ended with the signature: no free signing. */
	ASSERT_OK(card_pin_tries(c, APDU_PIN_AUTH, &tries));
	ASSERT_INT_EQ(tries, 3);
	free(sig);
	free(der);
	rsa_pub_free(pub);
	x509_cert_free(x);
	card_close(c);
	card_ctx_free(ctx);
	stop_card(pid);
	unlink(path);
}

TEST(card_sign_key_identity_and_lowercase_password)
{
	char path[256];
	struct card_ctx *ctx = NULL;
	struct card *c = NULL;
	uint8_t h[32], *sig = NULL, *der = NULL;
	size_t sl, len;
	unsigned left;
	struct x509_cert *x = NULL;
	struct x509_jpki_identity *id = calloc(1, sizeof(*id));
	unsigned ku;
	pid_t pid;

	ASSERT_NOT_NULL(id);
	copy_card("hanako", path, sizeof(path));
	pid = start_card(path, NULL, NULL);
	open_card(&ctx, &c);
	/* Lower case is upper-cased by the client, not a wasted try. */
	ASSERT_OK(card_verify_pin(c, APDU_PIN_SIGN, "abc123", 6, &left));
	ASSERT_OK(card_read_cert(c, CARD_CERT_SIGN, &der, &len));
	ASSERT_OK(x509_cert_from_der(der, len, &x));
	ASSERT_OK(x509_cert_jpki_identity(x, id));
	ASSERT_STR_EQ(id->name, "山田\u3000花子");
	ASSERT_STR_EQ(id->address, "東京都千代田区霞が関２丁目１番２号");
	ASSERT_STR_EQ(id->birth, "319800217");
	ASSERT_STR_EQ(id->sex, "2");
	ASSERT_STR_EQ(id->name_subst, "00000");
	ASSERT_OK(x509_cert_key_usage(x, &ku));
	ASSERT_INT_EQ(ku, X509_KU_DIGITAL_SIGNATURE | X509_KU_NON_REPUDIATION);
	sha256_of("declaration", h);
	ASSERT_OK(card_sign(c, CARD_KEY_SIGN, "ABC123", 6, h, &sig, &sl, &left));
	ASSERT_INT_EQ(sl, 256);
	free(sig);
	free(der);
	free(id);
	x509_cert_free(x);
	card_close(c);
	card_ctx_free(ctx);
	stop_card(pid);
	unlink(path);
}

TEST(card_basic4_with_integrity_check)
{
	char path[256];
	struct card_ctx *ctx = NULL;
	struct card *c = NULL;
	struct apdu_basic4 *b4 = calloc(1, sizeof(*b4));
	unsigned left = 9, tries;
	pid_t pid;

	ASSERT_NOT_NULL(b4);
	copy_card("taro", path, sizeof(path));
	pid = start_card(path, NULL, NULL);
	open_card(&ctx, &c);
	ASSERT_ERR(card_read_basic4(c, "9999", 4, b4, &left), ERR_PIN_WRONG);
	ASSERT_INT_EQ(left, 2);
	ASSERT_OK(card_pin_tries(c, APDU_PIN_TEXT, &tries));
	ASSERT_INT_EQ(tries, 2);
	ASSERT_OK(card_read_basic4(c, "1234", 4, b4, &left));
	ASSERT_STR_EQ(b4->name, "佐藤\u3000太郎");
	ASSERT_STR_EQ(b4->birth, "19550630");
	ASSERT_STR_EQ(b4->sex, "1");
	ASSERT_OK(card_pin_tries(c, APDU_PIN_TEXT, &tries));
	ASSERT_INT_EQ(tries, 3);
	/* Still a JPKI session afterwards. */
	ASSERT_OK(card_pin_tries(c, APDU_PIN_AUTH, &tries));
	ASSERT_INT_EQ(tries, 3);
	free(b4);
	card_close(c);
	card_ctx_free(ctx);
	stop_card(pid);
	unlink(path);
}

TEST(card_pin_format_refused_before_sending)
{
	char path[256];
	struct card_ctx *ctx = NULL;
	struct card *c = NULL;
	uint8_t h[32], *sig = NULL;
	size_t sl;
	unsigned left, tries;
	struct apdu_basic4 *b4 = calloc(1, sizeof(*b4));
	pid_t pid;

	ASSERT_NOT_NULL(b4);
	copy_card("hanako", path, sizeof(path));
	pid = start_card(path, NULL, NULL);
	open_card(&ctx, &c);
	memset(h, 1, sizeof(h));
	ASSERT_ERR(card_verify_pin(c, APDU_PIN_AUTH, "123", 3, &left),
	    ERR_PIN_FORMAT);
	ASSERT_ERR(card_verify_pin(c, APDU_PIN_AUTH, "12345", 5, &left),
	    ERR_PIN_FORMAT);
	ASSERT_ERR(card_verify_pin(c, APDU_PIN_AUTH, "12a4", 4, &left),
	    ERR_PIN_FORMAT);
	ASSERT_ERR(card_sign(c, CARD_KEY_AUTH, "１２３４", 12, h, &sig, &sl,
	    &left), ERR_PIN_FORMAT);
	ASSERT_ERR(card_sign(c, CARD_KEY_SIGN, "ABC12", 5, h, &sig, &sl,
	    &left), ERR_PIN_FORMAT);
	ASSERT_ERR(card_sign(c, CARD_KEY_SIGN, "ABC-123", 7, h, &sig, &sl,
	    &left), ERR_PIN_FORMAT);
	ASSERT_ERR(card_sign(c, CARD_KEY_SIGN, "ABCDEFGHIJKLMNOPQ", 17, h, &sig,
	    &sl, &left), ERR_PIN_FORMAT);
	ASSERT_ERR(card_read_basic4(c, "12", 2, b4, &left), ERR_PIN_FORMAT);
	ASSERT_NULL(sig);
	/* Nothing was spent. */
	ASSERT_OK(card_pin_tries(c, APDU_PIN_AUTH, &tries));
	ASSERT_INT_EQ(tries, 3);
	ASSERT_OK(card_pin_tries(c, APDU_PIN_SIGN, &tries));
	ASSERT_INT_EQ(tries, 5);
	ASSERT_OK(card_pin_tries(c, APDU_PIN_TEXT, &tries));
	ASSERT_INT_EQ(tries, 3);
	free(b4);
	card_close(c);
	card_ctx_free(ctx);
	stop_card(pid);
	unlink(path);
}

TEST(card_wrong_pins_lock_and_stay_locked_across_restart)
{
	char path[256];
	struct card_ctx *ctx = NULL;
	struct card *c = NULL;
	uint8_t h[32], *sig = NULL;
	size_t sl;
	unsigned left = 9, tries = 9;
	pid_t pid;

	copy_card("taro", path, sizeof(path));
	pid = start_card(path, NULL, NULL);
	open_card(&ctx, &c);
	memset(h, 2, sizeof(h));
	ASSERT_ERR(card_sign(c, CARD_KEY_AUTH, "0000", 4, h, &sig, &sl, &left),
	    ERR_PIN_WRONG);
	ASSERT_INT_EQ(left, 2);
	ASSERT_ERR(card_verify_pin(c, APDU_PIN_AUTH, "1111", 4, &left),
	    ERR_PIN_WRONG);
	ASSERT_INT_EQ(left, 1);
	ASSERT_ERR(card_verify_pin(c, APDU_PIN_AUTH, "2222", 4, &left),
	    ERR_PIN_BLOCKED);
	ASSERT_ERR(card_verify_pin(c, APDU_PIN_AUTH, "1234", 4, &left),
	    ERR_PIN_BLOCKED);
	ASSERT_ERR(card_sign(c, CARD_KEY_AUTH, "1234", 4, h, &sig, &sl, &left),
	    ERR_PIN_BLOCKED);
	ASSERT_OK(card_pin_tries(c, APDU_PIN_AUTH, &tries));
	ASSERT_INT_EQ(tries, 0);
	card_close(c);
	/* Pull the card out, restart the card process on the same file. */
	stop_card(pid);
	ASSERT_OK(wait_absent(ctx));
	pid = start_card(path, NULL, NULL);
	ASSERT_OK(card_wait(ctx, READER, 8000));
	ASSERT_OK(card_open(ctx, READER, &c));
	ASSERT_OK(card_pin_tries(c, APDU_PIN_AUTH, &tries));
	ASSERT_INT_EQ(tries, 0);
	ASSERT_ERR(card_sign(c, CARD_KEY_AUTH, "1234", 4, h, &sig, &sl, &left),
	    ERR_PIN_BLOCKED);
	/* The signature password is a separate counter and still works. */
	ASSERT_OK(card_sign(c, CARD_KEY_SIGN, "ABC123", 6, h, &sig, &sl, &left));
	free(sig);
	card_close(c);
	card_ctx_free(ctx);
	stop_card(pid);
	unlink(path);
}

TEST(card_wrong_signature_password)
{
	char path[256];
	struct card_ctx *ctx = NULL;
	struct card *c = NULL;
	uint8_t h[32], *sig = NULL;
	size_t sl;
	unsigned left = 9, tries;
	pid_t pid;

	copy_card("jiro", path, sizeof(path));
	pid = start_card(path, NULL, NULL);
	open_card(&ctx, &c);
	memset(h, 3, sizeof(h));
	ASSERT_ERR(card_sign(c, CARD_KEY_SIGN, "WRONG1", 6, h, &sig, &sl,
	    &left), ERR_PIN_WRONG);
	ASSERT_INT_EQ(left, 4);
	ASSERT_NULL(sig);
	ASSERT_OK(card_pin_tries(c, APDU_PIN_SIGN, &tries));
	ASSERT_INT_EQ(tries, 4);
	ASSERT_OK(card_sign(c, CARD_KEY_SIGN, "ABC123", 6, h, &sig, &sl, &left));
	ASSERT_OK(card_pin_tries(c, APDU_PIN_SIGN, &tries));
	ASSERT_INT_EQ(tries, 5);
	free(sig);
	card_close(c);
	card_ctx_free(ctx);
	stop_card(pid);
	unlink(path);
}

TEST(card_pulled_out_mid_operation)
{
	char path[256];
	struct card_ctx *ctx = NULL;
	struct card *c = NULL;
	uint8_t h[32], *sig = NULL;
	size_t sl;
	unsigned left;
	int r;
	struct vcard *vc = NULL;
	pid_t pid;

	copy_card("sakura", path, sizeof(path));
	/* open = 1 APDU; card_sign sends SELECT AP, SELECT 0018, VERIFY,
	 * SELECT 0017, SIGN: the card goes after the third. */
	pid = start_card(path, "--remove-after", "3");
	open_card(&ctx, &c);
	memset(h, 4, sizeof(h));
	r = card_sign(c, CARD_KEY_AUTH, "1234", 4, h, &sig, &sl, &left);
	ASSERT_ERR(r, ERR_CARD_REMOVED);
	ASSERT_NULL(sig);
	card_close(c);
	ASSERT_OK(wait_absent(ctx));
	ASSERT_ERR(card_open(ctx, READER, &c), ERR_CARD_ABSENT);
	stop_card(pid);
	/* Nothing was lost: the correct PIN spent no try. */
	ASSERT_OK(vcard_load(path, &vc));
	ASSERT_INT_EQ(vcard_pin_tries(vc, VCARD_APP_JPKI, 0x0018), 3);
	vcard_free(vc);
	card_ctx_free(ctx);
	unlink(path);
}

TEST(card_insert_remove_while_pcscd_runs)
{
	char path[256];
	struct card_ctx *ctx = NULL;
	struct card *c = NULL;
	unsigned tries;
	int i;
	pid_t pid;

	copy_card("hanako", path, sizeof(path));
	ASSERT_OK(card_ctx_new(&ctx));
	ASSERT_ERR(card_wait(ctx, READER, 300), ERR_TIMEOUT);
	for (i = 0; i < 3; i++) {
		pid = start_card(path, NULL, NULL);
		ASSERT_OK(card_wait(ctx, READER, 8000));
		ASSERT_OK(card_open(ctx, READER, &c));
		ASSERT_OK(card_pin_tries(c, APDU_PIN_AUTH, &tries));
		stop_card(pid);		/* pulled out while connected */
		ASSERT_INT_NE(card_pin_tries(c, APDU_PIN_AUTH, &tries), 0);
		card_close(c);
		c = NULL;
		ASSERT_OK(wait_absent(ctx));
	}
	/* SIGUSR1 pulls the card out and puts it back. */
	pid = start_card(path, NULL, NULL);
	ASSERT_OK(card_wait(ctx, READER, 8000));
	kill(pid, SIGUSR1);
	ASSERT_OK(wait_absent(ctx));
	kill(pid, SIGUSR1);
	ASSERT_OK(card_wait(ctx, READER, 8000));
	ASSERT_OK(card_open(ctx, READER, &c));
	card_close(c);
	stop_card(pid);
	ASSERT_ERR(card_wait(ctx, "No Such Reader 00 00", 100), ERR_READER_GONE);
	card_ctx_free(ctx);
	unlink(path);
}

/* A card answering outside the protocol gets a clear error, not a crash,
 * and the client hands out nothing it could not check. */
TEST(card_faulty_answers_are_refused)
{
	char path[256];
	struct card_ctx *ctx = NULL;
	struct card *c = NULL;
	uint8_t h[32], *der = NULL, *sig = NULL;
	size_t len = 0, sl = 0;
	unsigned tries = 9, left;
	int r;
	pid_t pid;

	copy_card("jiro", path, sizeof(path));
	memset(h, 5, sizeof(h));

	pid = start_card(path, "--fault", "short");
	open_card(&ctx, &c);
	ASSERT_ERR(card_read_cert(c, CARD_CERT_AUTH, &der, &len),
	    ERR_CARD_PROTOCOL);
	ASSERT_NULL(der);
	card_close(c);
	card_ctx_free(ctx);
	stop_card(pid);

	pid = start_card(path, "--fault", "extra");
	open_card(&ctx, &c);
	ASSERT_ERR(card_read_cert(c, CARD_CERT_AUTH, &der, &len),
	    ERR_CARD_PROTOCOL);
	card_close(c);
	card_ctx_free(ctx);
	stop_card(pid);

	pid = start_card(path, "--fault", "oversized");
	open_card(&ctx, &c);
	r = card_read_cert(c, CARD_CERT_AUTH, &der, &len);
	ASSERT_TRUE(r == ERR_CARD_PROTOCOL || r == ERR_PCSC);
	ASSERT_NULL(der);
	card_close(c);
	card_ctx_free(ctx);
	stop_card(pid);

	pid = start_card(path, "--fault", "bad-signature");
	open_card(&ctx, &c);
	ASSERT_ERR(card_sign(c, CARD_KEY_AUTH, "1234", 4, h, &sig, &sl, &left),
	    ERR_VERIFY);
	ASSERT_NULL(sig);
	ASSERT_INT_EQ(sl, 0);
	card_close(c);
	card_ctx_free(ctx);
	stop_card(pid);

	pid = start_card(path, "--fault", "status-9000");
	open_card(&ctx, &c);
	ASSERT_ERR(card_pin_tries(c, APDU_PIN_AUTH, &tries), ERR_CARD_PROTOCOL);
	card_close(c);
	card_ctx_free(ctx);
	stop_card(pid);

	/* The card itself lost nothing: all counters full, signing works. */
	pid = start_card(path, NULL, NULL);
	open_card(&ctx, &c);
	ASSERT_OK(card_pin_tries(c, APDU_PIN_AUTH, &tries));
	ASSERT_INT_EQ(tries, 3);
	ASSERT_OK(card_sign(c, CARD_KEY_AUTH, "1234", 4, h, &sig, &sl, &left));
	free(sig);
	card_close(c);
	card_ctx_free(ctx);
	stop_card(pid);
	unlink(path);
}

/* Runs a command, waits for it; returns its exit status. */
static int
run_wait(char *const argv[])
{
	pid_t pid;
	int st = 0;
	posix_spawn_file_actions_t fa;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", 1, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", 1, 0);
	if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Another program (OpenSC) resets the card under our open handle: the
 * next exchange says so (ERR_WRONG_STATE), nothing verified survives,
 * and the handle works again, signing included. */
TEST(card_reset_by_another_program)
{
	char path[256];
	struct card_ctx *ctx = NULL;
	struct card *c = NULL;
	uint8_t h[32], *sig = NULL, *der = NULL;
	size_t sl, len;
	unsigned tries, left;
	int r;
	char *reset[] = { (char *)(uintptr_t)"opensc-tool", (char *)(uintptr_t)"-r",
	    (char *)(uintptr_t)"0", (char *)(uintptr_t)"--reset", NULL };
	pid_t pid;

	copy_card("hanako", path, sizeof(path));
	pid = start_card(path, NULL, NULL);
	open_card(&ctx, &c);
	ASSERT_OK(card_verify_pin(c, APDU_PIN_SIGN, "ABC123", 6, &left));
	ASSERT_INT_EQ(run_wait(reset), 0);
	r = card_read_cert(c, CARD_CERT_SIGN, &der, &len);
	ASSERT_TRUE(r == ERR_WRONG_STATE || r == ERR_PERM);
	free(der);
	der = NULL;
	/* The password is gone with the reset. */
	ASSERT_ERR(card_read_cert(c, CARD_CERT_SIGN, &der, &len), ERR_PERM);
	ASSERT_OK(card_pin_tries(c, APDU_PIN_AUTH, &tries));
	ASSERT_INT_EQ(tries, 3);
	ASSERT_INT_EQ(run_wait(reset), 0);
	memset(h, 6, sizeof(h));
	ASSERT_OK(card_sign(c, CARD_KEY_AUTH, "1234", 4, h, &sig, &sl, &left));
	free(sig);
	card_close(c);
	card_ctx_free(ctx);
	stop_card(pid);
	unlink(path);
}
