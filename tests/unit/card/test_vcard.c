/*
 * test_vcard.c - the virtual card's state machine driven directly (no
 * pcscd): PIN counters, blocking that survives a reload, re-select and
 * power events clearing the session, chunked READ BINARY, signing, the
 * card file format.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/limits.h"
#include "core/log.h"
#include "crypto/rsa.h"
#include "registry/apdu.h"
#include "registry/vcard.h"
#include "tests/harness/test.h"

/* One card's worth of inputs, generated once per run. */
static struct rsa_key *auth_key, *sign_key;
static uint8_t *auth_der, *sign_der;
static size_t auth_der_len, sign_der_len;
static uint8_t fake_cert[1300];	/* a DER-shaped blob: 30 82 05 10 ... */
static uint8_t fake_ca[700];

static void
fixtures(void)
{
	size_t i;

	if (auth_key != NULL)
		return;
	log_set_level(LOG_WARN);
	ASSERT_OK(rsa_key_generate(2048, &auth_key));
	ASSERT_OK(rsa_key_generate(2048, &sign_key));
	ASSERT_OK(rsa_key_to_der(auth_key, &auth_der, &auth_der_len));
	ASSERT_OK(rsa_key_to_der(sign_key, &sign_der, &sign_der_len));
	for (i = 0; i < sizeof(fake_cert); i++)
		fake_cert[i] = (uint8_t)(i * 7);
	fake_cert[0] = 0x30;
	fake_cert[1] = 0x82;
	fake_cert[2] = (uint8_t)((sizeof(fake_cert) - 4) >> 8);
	fake_cert[3] = (uint8_t)(sizeof(fake_cert) - 4);
	memset(fake_ca, 0xCA, sizeof(fake_ca));
	fake_ca[0] = 0x30;
	fake_ca[1] = 0x82;
	fake_ca[2] = (uint8_t)((sizeof(fake_ca) - 4) >> 8);
	fake_ca[3] = (uint8_t)(sizeof(fake_ca) - 4);
}

static uint8_t *card_bytes;	/* one built card, reloaded per test */
static size_t card_bytes_len;

static struct vcard *
build_card(void)
{
	static const uint8_t atr[] = { 0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31,
	    0xFE, 0x45, 0x14 };
	struct vcard_params p;
	struct vcard *c = NULL;

	fixtures();
	memset(&p, 0, sizeof(p));
	p.atr = atr;
	p.atr_len = sizeof(atr);
	p.auth_pin = "1234";
	p.sign_pin = "ABC123";
	p.text_pin = "5678";
	p.auth_key = auth_der;
	p.auth_key_len = auth_der_len;
	p.sign_key = sign_der;
	p.sign_key_len = sign_der_len;
	p.auth_cert = fake_cert;
	p.auth_cert_len = sizeof(fake_cert);
	p.sign_cert = fake_cert;
	p.sign_cert_len = sizeof(fake_cert);
	p.auth_ca = fake_ca;
	p.auth_ca_len = sizeof(fake_ca);
	p.sign_ca = fake_ca;
	p.sign_ca_len = sizeof(fake_ca);
	p.my_number = "123456789018";
	p.name = "山田\u3000花子";
	p.address = "東京都千代田区霞が関２丁目１番２号";
	p.birth = "19800217";
	p.sex = "2";
	ASSERT_OK(vcard_new(&p, &c));
	return c;
}

/* A fresh card (key generation is slow, so the bytes are built once). */
static struct vcard *
make_card(void)
{
	struct vcard *c = NULL;

	if (card_bytes == NULL) {
		c = build_card();
		ASSERT_OK(vcard_to_bytes(c, &card_bytes, &card_bytes_len));
		vcard_free(c);
	}
	ASSERT_OK(vcard_from_bytes(card_bytes, card_bytes_len, &c));
	return c;
}

/* Sends hex-free byte APDUs; returns the SW, data into out. */
static uint16_t
send(struct vcard *c, const uint8_t *cmd, size_t len, uint8_t *out,
    size_t *outlen)
{
	uint8_t resp[LIMIT_APDU_RESPONSE_MAX];
	size_t n;

	ASSERT_OK(vcard_apdu(c, cmd, len, resp, sizeof(resp), &n));
	ASSERT_TRUE(n >= 2);
	if (out != NULL)
		memcpy(out, resp, n - 2);
	if (outlen != NULL)
		*outlen = n - 2;
	return (uint16_t)(resp[n - 2] << 8 | resp[n - 1]);
}

static uint16_t
select_app(struct vcard *c, const uint8_t *aid)
{
	uint8_t cmd[5 + APDU_AID_LEN] = { 0x00, 0xA4, 0x04, 0x0C, APDU_AID_LEN };

	memcpy(cmd + 5, aid, APDU_AID_LEN);
	return send(c, cmd, sizeof(cmd), NULL, NULL);
}

static uint16_t
select_ef(struct vcard *c, uint16_t fid)
{
	uint8_t cmd[7] = { 0x00, 0xA4, 0x02, 0x0C, 0x02, (uint8_t)(fid >> 8),
	    (uint8_t)fid };

	return send(c, cmd, sizeof(cmd), NULL, NULL);
}

static uint16_t
verify(struct vcard *c, const char *pin)
{
	uint8_t cmd[5 + 16] = { 0x00, 0x20, 0x00, 0x80 };
	size_t n = pin ? strlen(pin) : 0;

	if (n == 0)
		return send(c, cmd, 4, NULL, NULL);
	cmd[4] = (uint8_t)n;
	memcpy(cmd + 5, pin, n);
	return send(c, cmd, 5 + n, NULL, NULL);
}

static uint16_t
read_binary(struct vcard *c, size_t off, size_t le, uint8_t *out, size_t *n)
{
	uint8_t cmd[5] = { 0x00, 0xB0, (uint8_t)(off >> 8), (uint8_t)off,
	    (uint8_t)(le == 256 ? 0 : le) };

	return send(c, cmd, sizeof(cmd), out, n);
}

static uint16_t
sign(struct vcard *c, const uint8_t *di, size_t len, uint8_t *sig, size_t *n)
{
	uint8_t cmd[5 + 255 + 1] = { 0x80, 0x2A, 0x00, 0x80, (uint8_t)len };

	memcpy(cmd + 5, di, len);
	cmd[5 + len] = 0x00;
	return send(c, cmd, 6 + len, sig, n);
}

TEST(vcard_unknown_aid_ins_cla)
{
	struct vcard *c = make_card();
	static const uint8_t other_aid[APDU_AID_LEN] = { 0xA0, 0, 0, 0, 0x63 };
	static const uint8_t bad_ins[] = { 0x00, 0xCA, 0xDF, 0x30, 0x05 };
	static const uint8_t bad_cla[] = { 0x90, 0xA4, 0x04, 0x0C };
	static const uint8_t sm[] = { 0x0C, 0xB0, 0x00, 0x00, 0x04 };
	static const uint8_t ext[] = { 0x00, 0xB0, 0x00, 0x00, 0x00, 0x01, 0x00 };
	static const uint8_t tiny[] = { 0x00, 0xA4 };

	ASSERT_INT_EQ(select_app(c, other_aid), 0x6A82);
	ASSERT_INT_EQ(select_ef(c, 0x000A), 0x6A82);	/* no AP yet */
	ASSERT_INT_EQ(send(c, bad_ins, sizeof(bad_ins), NULL, NULL), 0x6D00);
	ASSERT_INT_EQ(send(c, bad_cla, sizeof(bad_cla), NULL, NULL), 0x6E00);
	ASSERT_INT_EQ(send(c, sm, sizeof(sm), NULL, NULL), 0x6882);
	ASSERT_INT_EQ(send(c, ext, sizeof(ext), NULL, NULL), 0x6700);
	ASSERT_INT_EQ(send(c, tiny, sizeof(tiny), NULL, NULL), 0x6700);
	ASSERT_INT_EQ(select_app(c, apdu_aid_jpki), 0x9000);
	ASSERT_INT_EQ(select_ef(c, 0x1234), 0x6A82);
	vcard_free(c);
}

TEST(vcard_pin_status_spends_nothing_and_blocks_after_three)
{
	struct vcard *c = make_card();
	int i;

	ASSERT_INT_EQ(select_app(c, apdu_aid_jpki), 0x9000);
	ASSERT_INT_EQ(select_ef(c, 0x0018), 0x9000);
	for (i = 0; i < 5; i++)
		ASSERT_INT_EQ(verify(c, NULL), 0x63C3);
	ASSERT_INT_EQ(verify(c, "0000"), 0x63C2);
	ASSERT_INT_EQ(verify(c, NULL), 0x63C2);
	ASSERT_INT_EQ(verify(c, "1234"), 0x9000);	/* resets the counter */
	ASSERT_INT_EQ(verify(c, NULL), 0x63C3);	/* 63Cx, never 9000 */
	ASSERT_INT_EQ(verify(c, "1111"), 0x63C2);
	ASSERT_INT_EQ(verify(c, "2222"), 0x63C1);
	ASSERT_INT_EQ(verify(c, "3333"), 0x63C0);
	ASSERT_INT_EQ(verify(c, "1234"), 0x6984);	/* blocked for good */
	ASSERT_INT_EQ(verify(c, NULL), 0x63C0);
	ASSERT_INT_EQ(vcard_pin_tries(c, VCARD_APP_JPKI, 0x0018), 0);
	/* The signature password is separate and has 5 tries. */
	ASSERT_INT_EQ(select_ef(c, 0x001B), 0x9000);
	ASSERT_INT_EQ(verify(c, NULL), 0x63C5);
	ASSERT_INT_EQ(verify(c, "WRONG1"), 0x63C4);
	ASSERT_INT_EQ(verify(c, "ABC123"), 0x9000);
	vcard_free(c);
}

TEST(vcard_sign_password_five_tries)
{
	struct vcard *c = make_card();
	unsigned i;

	ASSERT_INT_EQ(select_app(c, apdu_aid_jpki), 0x9000);
	ASSERT_INT_EQ(select_ef(c, 0x001B), 0x9000);
	for (i = 0; i < 5; i++)
		ASSERT_INT_EQ(verify(c, "abc123"), 0x63C0 | (4 - i));
	ASSERT_INT_EQ(verify(c, "ABC123"), 0x6984);
	vcard_free(c);
}

TEST(vcard_blocked_pin_stays_blocked_across_reload)
{
	struct vcard *c = make_card();
	char path[] = "/tmp/ippyo-vcard-test.XXXXXX";
	int fd = mkstemp(path);

	ASSERT_TRUE(fd >= 0);
	close(fd);
	ASSERT_OK(vcard_save(c, path));
	ASSERT_INT_EQ(select_app(c, apdu_aid_jpki), 0x9000);
	ASSERT_INT_EQ(select_ef(c, 0x0018), 0x9000);
	ASSERT_INT_EQ(verify(c, "9999"), 0x63C2);
	vcard_free(c);
	/* A restart of the card process: the try is gone from the file. */
	ASSERT_OK(vcard_load(path, &c));
	ASSERT_INT_EQ(vcard_pin_tries(c, VCARD_APP_JPKI, 0x0018), 2);
	ASSERT_INT_EQ(select_app(c, apdu_aid_jpki), 0x9000);
	ASSERT_INT_EQ(select_ef(c, 0x0018), 0x9000);
	ASSERT_INT_EQ(verify(c, "9999"), 0x63C1);
	ASSERT_INT_EQ(verify(c, "9999"), 0x63C0);
	vcard_free(c);
	ASSERT_OK(vcard_load(path, &c));
	ASSERT_INT_EQ(select_app(c, apdu_aid_jpki), 0x9000);
	ASSERT_INT_EQ(select_ef(c, 0x0018), 0x9000);
	ASSERT_INT_EQ(verify(c, "1234"), 0x6984);
	ASSERT_INT_EQ(verify(c, NULL), 0x63C0);
	vcard_free(c);
	unlink(path);
}

TEST(vcard_reselect_and_power_clear_verified_state)
{
	struct vcard *c = make_card();
	uint8_t di[RSA_DIGESTINFO_SHA256_LEN], h[32], sig[256];
	size_t n;

	memset(h, 0x42, sizeof(h));
	rsa_digestinfo_sha256(h, di);
	ASSERT_INT_EQ(select_app(c, apdu_aid_jpki), 0x9000);
	ASSERT_INT_EQ(select_ef(c, 0x0018), 0x9000);
	ASSERT_INT_EQ(verify(c, "1234"), 0x9000);
	ASSERT_INT_EQ(select_app(c, apdu_aid_jpki), 0x9000);	/* logout */
	ASSERT_INT_EQ(select_ef(c, 0x0017), 0x9000);
	ASSERT_INT_EQ(sign(c, di, sizeof(di), sig, &n), 0x6982);
	ASSERT_INT_EQ(select_ef(c, 0x0018), 0x9000);
	ASSERT_INT_EQ(verify(c, "1234"), 0x9000);
	vcard_power(c, VCARD_POWER_RESET);
	ASSERT_INT_EQ(select_ef(c, 0x0017), 0x6A82);	/* no AP after reset */
	ASSERT_INT_EQ(select_app(c, apdu_aid_jpki), 0x9000);
	ASSERT_INT_EQ(select_ef(c, 0x0017), 0x9000);
	ASSERT_INT_EQ(sign(c, di, sizeof(di), sig, &n), 0x6982);
	vcard_free(c);
}

TEST(vcard_read_binary_chunks_and_eof)
{
	struct vcard *c = make_card();
	uint8_t buf[sizeof(fake_cert)], out[256];
	size_t off = 0, n;

	ASSERT_INT_EQ(select_app(c, apdu_aid_jpki), 0x9000);
	ASSERT_INT_EQ(select_ef(c, 0x000A), 0x9000);
	ASSERT_INT_EQ(read_binary(c, 0, 4, out, &n), 0x9000);
	ASSERT_INT_EQ(n, 4);
	ASSERT_MEM_EQ(out, fake_cert, 4);
	while (off < sizeof(buf)) {
		ASSERT_INT_EQ(read_binary(c, off, 256, out, &n), 0x9000);
		ASSERT_TRUE(n > 0 && n <= 256);
		memcpy(buf + off, out, n);
		off += n;
	}
	ASSERT_INT_EQ(off, sizeof(fake_cert));	/* short read at EOF */
	ASSERT_MEM_EQ(buf, fake_cert, sizeof(fake_cert));
	ASSERT_INT_EQ(read_binary(c, sizeof(fake_cert), 1, out, &n), 0x6B00);
	ASSERT_INT_EQ(read_binary(c, 0x7FFF, 1, out, &n), 0x6B00);
	/* The signature certificate needs the password. */
	ASSERT_INT_EQ(select_ef(c, 0x0001), 0x9000);
	ASSERT_INT_EQ(read_binary(c, 0, 4, out, &n), 0x6982);
	ASSERT_INT_EQ(select_ef(c, 0x001B), 0x9000);
	ASSERT_INT_EQ(verify(c, "ABC123"), 0x9000);
	ASSERT_INT_EQ(select_ef(c, 0x0001), 0x9000);
	ASSERT_INT_EQ(read_binary(c, 0, 4, out, &n), 0x9000);
	/* Token info and availability. */
	ASSERT_INT_EQ(select_ef(c, 0x0006), 0x9000);
	ASSERT_INT_EQ(read_binary(c, 0, 256, out, &n), 0x9000);
	ASSERT_INT_EQ(n, 160);
	ASSERT_MEM_EQ(out, "JPKIAPICCTOKEN2 ", 16);
	ASSERT_INT_EQ(select_ef(c, 0x0008), 0x9000);
	ASSERT_INT_EQ(read_binary(c, 0, 256, out, &n), 0x9000);
	ASSERT_INT_EQ(n, 3);
	ASSERT_INT_EQ(out[0], 0x8F);
	/* Short EF form: P1 = 80 | SFI. */
	{
		uint8_t cmd[5] = { 0x00, 0xB0, 0x80 | 0x0A, 0x00, 0x04 };

		ASSERT_INT_EQ(send(c, cmd, 5, out, &n), 0x9000);
		ASSERT_INT_EQ(n, 4);
	}
	vcard_free(c);
}

TEST(vcard_signs_pkcs1_over_the_digestinfo)
{
	struct vcard *c = make_card();
	uint8_t di[RSA_DIGESTINFO_SHA256_LEN], h[32], sig[256];
	size_t n;
	struct rsa_pub *pub = NULL;
	static const uint8_t p2_short[] = { 0x80, 0x2A, 0x00, 0x80 | 0x17,
	    0x03, 1, 2, 3, 0x00 };

	ASSERT_OK(rsa_sha256("ballot", 6, h));
	rsa_digestinfo_sha256(h, di);
	ASSERT_INT_EQ(select_app(c, apdu_aid_jpki), 0x9000);
	ASSERT_INT_EQ(sign(c, di, sizeof(di), sig, &n), 0x6986);	/* no EF */
	ASSERT_INT_EQ(select_ef(c, 0x0017), 0x9000);
	ASSERT_INT_EQ(sign(c, di, sizeof(di), sig, &n), 0x6982);	/* no PIN */
	ASSERT_INT_EQ(select_ef(c, 0x0018), 0x9000);
	ASSERT_INT_EQ(verify(c, "1234"), 0x9000);
	ASSERT_INT_EQ(select_ef(c, 0x0017), 0x9000);
	ASSERT_INT_EQ(sign(c, di, sizeof(di), sig, &n), 0x9000);
	ASSERT_INT_EQ(n, 256);
	ASSERT_OK(rsa_key_pub(auth_key, &pub));
	ASSERT_OK(rsa_verify_pkcs1(pub, di, sizeof(di), sig, n));
	ASSERT_OK(rsa_verify_sha256(pub, (const uint8_t *)"ballot", 6, sig, n));
	sig[10] ^= 1;
	ASSERT_ERR(rsa_verify_pkcs1(pub, di, sizeof(di), sig, n), ERR_VERIFY);
	rsa_pub_free(pub);
	/* The sign key stays closed: its password was not given. */
	ASSERT_INT_EQ(select_ef(c, 0x001A), 0x9000);
	ASSERT_INT_EQ(sign(c, di, sizeof(di), sig, &n), 0x6982);
	/* Key named in P2 (80 | SFI) without a SELECT. */
	ASSERT_INT_EQ(send(c, p2_short, sizeof(p2_short), sig, &n), 0x9000);
	ASSERT_INT_EQ(n, 256);
	/* Too long for the key: 6700. */
	{
		uint8_t big[250];

		memset(big, 1, sizeof(big));
		ASSERT_INT_EQ(select_ef(c, 0x0017), 0x9000);
		ASSERT_INT_EQ(sign(c, big, 246, sig, &n), 0x6700);
	}
	vcard_free(c);
}

TEST(vcard_text_ap_basic4_and_integrity)
{
	struct vcard *c = make_card();
	uint8_t buf[1024], out[256], h[32];
	size_t n, len = 0;
	struct apdu_basic4 *b4 = calloc(1, sizeof(*b4));
	struct apdu_integrity in;

	ASSERT_NOT_NULL(b4);
	ASSERT_INT_EQ(select_app(c, apdu_aid_text), 0x9000);
	ASSERT_INT_EQ(select_ef(c, 0x0002), 0x9000);
	ASSERT_INT_EQ(read_binary(c, 0, 7, out, &n), 0x6982);
	ASSERT_INT_EQ(select_ef(c, 0x0011), 0x9000);
	ASSERT_INT_EQ(verify(c, "1234"), 0x63C2);	/* its own PIN */
	ASSERT_INT_EQ(verify(c, "5678"), 0x9000);
	ASSERT_INT_EQ(select_ef(c, 0x0002), 0x9000);
	ASSERT_INT_EQ(read_binary(c, 0, 256, buf, &len), 0x9000);
	ASSERT_OK(apdu_basic4_parse(buf, len, b4));
	ASSERT_STR_EQ(b4->birth, "19800217");
	ASSERT_OK(rsa_sha256(buf + b4->body_off, b4->body_end - b4->body_off, h));
	ASSERT_INT_EQ(select_ef(c, 0x0003), 0x9000);
	ASSERT_INT_EQ(read_binary(c, 0, 256, buf, &n), 0x9000);
	ASSERT_INT_EQ(read_binary(c, 256, 256, buf + 256, &len), 0x9000);
	ASSERT_OK(apdu_integrity_parse(buf, n + len, &in));
	ASSERT_MEM_EQ(in.basic4_sha256, h, 32);
	ASSERT_INT_EQ(select_ef(c, 0x0001), 0x9000);
	ASSERT_INT_EQ(read_binary(c, 0, 17, out, &n), 0x9000);
	ASSERT_INT_EQ(n, 17);
	ASSERT_MEM_EQ(out, "\xFF\x10\x0C" "123456789018\xFF\xFF", 17);
	/* JPKI PINs are not the text AP's: 0018 is not found here. */
	ASSERT_INT_EQ(select_ef(c, 0x0018), 0x6A82);
	free(b4);
	vcard_free(c);
}

TEST(vcard_change_reference_data)
{
	struct vcard *c = make_card();
	static const uint8_t change[] = { 0x00, 0x24, 0x01, 0x80, 0x04, '4',
	    '3', '2', '1' };
	static const uint8_t bad[] = { 0x00, 0x24, 0x01, 0x80, 0x03, '4', '3',
	    '2' };

	ASSERT_INT_EQ(select_app(c, apdu_aid_jpki), 0x9000);
	ASSERT_INT_EQ(select_ef(c, 0x0018), 0x9000);
	ASSERT_INT_EQ(send(c, change, sizeof(change), NULL, NULL), 0x6982);
	ASSERT_INT_EQ(verify(c, "1234"), 0x9000);
	ASSERT_INT_EQ(send(c, bad, sizeof(bad), NULL, NULL), 0x6700);
	ASSERT_INT_EQ(send(c, change, sizeof(change), NULL, NULL), 0x9000);
	ASSERT_INT_EQ(verify(c, "1234"), 0x63C2);
	ASSERT_INT_EQ(verify(c, "4321"), 0x9000);
	vcard_free(c);
}

TEST(vcard_new_refuses_bad_values)
{
	static const uint8_t atr[] = { 0x3B, 0x80, 0x80, 0x01, 0x01 };
	struct vcard_params p;
	struct vcard *c = NULL;

	fixtures();
	memset(&p, 0, sizeof(p));
	p.atr = atr;
	p.atr_len = sizeof(atr);
	p.auth_pin = "1234";
	p.sign_pin = "ABC123";
	p.text_pin = "1234";
	p.auth_key = auth_der;
	p.auth_key_len = auth_der_len;
	p.sign_key = sign_der;
	p.sign_key_len = sign_der_len;
	p.auth_cert = p.sign_cert = fake_cert;
	p.auth_cert_len = p.sign_cert_len = sizeof(fake_cert);
	p.auth_ca = p.sign_ca = fake_ca;
	p.auth_ca_len = p.sign_ca_len = sizeof(fake_ca);
	p.my_number = "123456789019";		/* bad check digit */
	p.name = "A";
	p.address = "B";
	p.birth = "19800217";
	p.sex = "1";
	ASSERT_ERR(vcard_new(&p, &c), ERR_INVALID_ARG);
	p.my_number = "123456789018";
	p.auth_pin = "12345";
	ASSERT_ERR(vcard_new(&p, &c), ERR_INVALID_ARG);
	p.auth_pin = "1234";
	p.sign_pin = "abc123";
	ASSERT_ERR(vcard_new(&p, &c), ERR_INVALID_ARG);
	p.sign_pin = "ABC123";
	p.auth_key = fake_ca;
	p.auth_key_len = sizeof(fake_ca);
	ASSERT_ERR(vcard_new(&p, &c), ERR_INVALID_ARG);
	p.auth_key = auth_der;
	p.auth_key_len = auth_der_len;
	ASSERT_OK(vcard_new(&p, &c));
	vcard_free(c);
}

TEST(vcard_file_roundtrip_and_refusals)
{
	struct vcard *c = make_card(), *d = NULL;
	uint8_t *b = NULL, *b2 = NULL, *m = NULL;
	size_t n, n2, i, bit;

	ASSERT_OK(vcard_to_bytes(c, &b, &n));
	ASSERT_OK(vcard_from_bytes(b, n, &d));
	ASSERT_OK(vcard_to_bytes(d, &b2, &n2));
	ASSERT_INT_EQ(n, n2);
	ASSERT_MEM_EQ(b, b2, n);
	vcard_free(d);
	/* Truncations are refused: every length in the header and the last
	 * 512 bytes, every 37th in between (each parse decodes the RSA keys,
	 * which makes a full sweep slow under the sanitizers).  Any
	 * appended byte is refused. */
	for (i = 0; i < n; i++) {
		if (i >= 256 && i + 512 < n && i % 37 != 0)
			continue;
		ASSERT_INT_NE(vcard_from_bytes(b, i, &d), 0);
		ASSERT_NULL(d);
	}
	m = malloc(n + 1);
	ASSERT_NOT_NULL(m);
	memcpy(m, b, n);
	m[n] = 0;
	ASSERT_ERR(vcard_from_bytes(m, n + 1, &d), ERR_TRAILING_DATA);
	/* Every flip in the header (magic, version, flags, ATR length and
	 * first ATR byte, PIN count) is refused. */
	for (i = 0; i < 8 + 2 + 2 + 4 + 1; i++) {
		for (bit = 0; bit < 8; bit++) {
			memcpy(m, b, n);
			m[i] ^= (uint8_t)(1u << bit);
			if (vcard_from_bytes(m, n, &d) == 0) {
				vcard_free(d);
				test_fail(__FILE__, __LINE__,
				    "flip accepted at byte %zu bit %zu", i, bit);
			}
		}
	}
	memcpy(m, b, n);
	m[9] = 2;		/* version 2 */
	ASSERT_ERR(vcard_from_bytes(m, n, &d), ERR_UNSUPPORTED);
	ASSERT_ERR(vcard_from_bytes(b, VCARD_FILE_MAX + 1, &d), ERR_TOO_LARGE);
	free(m);
	free(b);
	free(b2);
	vcard_free(c);
}

/* Any bytes get a status word: a deterministic sweep of odd APDUs. */
TEST(vcard_answers_every_malformed_apdu)
{
	struct vcard *c = make_card();
	uint8_t cmd[LIMIT_APDU_COMMAND_MAX + 8], resp[LIMIT_APDU_RESPONSE_MAX];
	uint32_t x = 12345;
	size_t i, len, n, k;

	for (i = 0; i < 20000; i++) {
		x = x * 1103515245u + 12345u;
		len = (x >> 8) % sizeof(cmd);
		for (k = 0; k < len; k++) {
			x = x * 1103515245u + 12345u;
			cmd[k] = (uint8_t)(x >> 16);
		}
		if (len > 0 && (i & 3) == 0)
			cmd[0] = (i & 4) ? 0x80 : 0x00;
		if (len > 1 && (i & 1))
			cmd[1] = (uint8_t[]){ 0xA4, 0xB0, 0x20, 0x24, 0x2A }[i % 5];
		ASSERT_OK(vcard_apdu(c, cmd, len, resp, sizeof(resp), &n));
		ASSERT_TRUE(n >= 2 && n <= LIMIT_APDU_RESPONSE_MAX);
	}
	vcard_free(c);
}
