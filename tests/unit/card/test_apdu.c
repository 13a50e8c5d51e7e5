/*
 * test_apdu.c - the pure APDU / TLV / record parsers and their refusals,
 * with mutation sweeps.
 */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/limits.h"
#include "core/vbuf.h"
#include "registry/apdu.h"
#include "tests/harness/mutate.h"
#include "tests/harness/test.h"

/* The synthetic basic-4 example of the reference note (§3.2), 101 bytes. */
static const uint8_t basic4_example[] = {
	0xFF, 0x20, 0x62,
	0xDF, 0x21, 0x08, 0x00, 0x0E, 0x00, 0x20, 0x00, 0x56, 0x00, 0x61,
	0xDF, 0x22, 0x0F, 0xE5, 0xB1, 0xB1, 0xE7, 0x94, 0xB0, 0xE3, 0x80, 0x80,
	0xE8, 0x8A, 0xB1, 0xE5, 0xAD, 0x90,
	0xDF, 0x23, 0x33, 0xE6, 0x9D, 0xB1, 0xE4, 0xBA, 0xAC, 0xE9, 0x83, 0xBD,
	0xE5, 0x8D, 0x83, 0xE4, 0xBB, 0xA3, 0xE7, 0x94, 0xB0, 0xE5, 0x8C, 0xBA,
	0xE9, 0x9C, 0x9E, 0xE3, 0x81, 0x8C, 0xE9, 0x96, 0xA2, 0xEF, 0xBC, 0x92,
	0xE4, 0xB8, 0x81, 0xE7, 0x9B, 0xAE, 0xEF, 0xBC, 0x91, 0xE7, 0x95, 0xAA,
	0xEF, 0xBC, 0x92, 0xE5, 0x8F, 0xB7,
	0xDF, 0x24, 0x08, 0x31, 0x39, 0x38, 0x30, 0x30, 0x32, 0x31, 0x37,
	0xDF, 0x25, 0x01, 0x32
};

TEST(apdu_cmd_parse_all_four_cases)
{
	struct apdu_cmd c;
	static const uint8_t case1[] = { 0x00, 0x20, 0x00, 0x80 };
	static const uint8_t case2[] = { 0x00, 0xB0, 0x01, 0x00, 0x00 };
	static const uint8_t case3[] = { 0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00,
	    0x18 };
	static const uint8_t case4[] = { 0x80, 0x2A, 0x00, 0x80, 0x02, 0xAA,
	    0xBB, 0x00 };

	ASSERT_OK(apdu_cmd_parse(case1, sizeof(case1), &c));
	ASSERT_INT_EQ(c.ins, 0x20);
	ASSERT_INT_EQ(c.lc, 0);
	ASSERT_INT_EQ(c.le, 0);
	ASSERT_OK(apdu_cmd_parse(case2, sizeof(case2), &c));
	ASSERT_INT_EQ(c.p1, 0x01);
	ASSERT_INT_EQ(c.le, 256);
	ASSERT_OK(apdu_cmd_parse(case3, sizeof(case3), &c));
	ASSERT_INT_EQ(c.lc, 2);
	ASSERT_INT_EQ(c.data[1], 0x18);
	ASSERT_INT_EQ(c.le, 0);
	ASSERT_OK(apdu_cmd_parse(case4, sizeof(case4), &c));
	ASSERT_INT_EQ(c.cla, 0x80);
	ASSERT_INT_EQ(c.lc, 2);
	ASSERT_INT_EQ(c.le, 256);
}

TEST(apdu_cmd_parse_refuses_bad_lengths)
{
	struct apdu_cmd c;
	static const uint8_t short3[] = { 0x00, 0xA4, 0x04 };
	static const uint8_t lc_short[] = { 0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3 };
	static const uint8_t extended[] = { 0x00, 0xB0, 0x00, 0x00, 0x00, 0x03,
	    0x53 };
	static const uint8_t trailing[] = { 0x00, 0xA4, 0x02, 0x0C, 0x01, 0x00,
	    0x00, 0x00 };
	uint8_t big[LIMIT_APDU_COMMAND_MAX + 1];

	memset(big, 0, sizeof(big));
	ASSERT_ERR(apdu_cmd_parse(short3, sizeof(short3), &c), ERR_TRUNCATED);
	ASSERT_ERR(apdu_cmd_parse(lc_short, sizeof(lc_short), &c), ERR_TRUNCATED);
	ASSERT_ERR(apdu_cmd_parse(extended, sizeof(extended), &c),
	    ERR_UNSUPPORTED);
	ASSERT_ERR(apdu_cmd_parse(trailing, sizeof(trailing), &c),
	    ERR_TRAILING_DATA);
	ASSERT_ERR(apdu_cmd_parse(big, sizeof(big), &c), ERR_TOO_LARGE);
	ASSERT_INT_EQ(c.lc, 0);
}

/* Build then parse gives back every field, for every case. */
TEST(apdu_cmd_build_roundtrip)
{
	uint8_t data[255], buf[LIMIT_APDU_COMMAND_MAX];
	size_t n, lc, le;
	struct apdu_cmd c, d;

	for (n = 0; n < sizeof(data); n++)
		data[n] = (uint8_t)n;
	for (lc = 0; lc <= 255; lc += 51) {
		for (le = 0; le <= 256; le += 128) {
			c = (struct apdu_cmd){ .cla = 0x80, .ins = 0x2A,
			    .p1 = 0, .p2 = 0x80, .data = lc ? data : NULL,
			    .lc = lc, .le = le };
			ASSERT_OK(apdu_cmd_build(&c, buf, sizeof(buf), &n));
			ASSERT_OK(apdu_cmd_parse(buf, n, &d));
			ASSERT_INT_EQ(d.lc, lc);
			ASSERT_INT_EQ(d.le, le);
			if (lc)
				ASSERT_MEM_EQ(d.data, data, lc);
		}
	}
	c.lc = 256;
	ASSERT_ERR(apdu_cmd_build(&c, buf, sizeof(buf), &n), ERR_INVALID_ARG);
	c.lc = 10;
	ASSERT_ERR(apdu_cmd_build(&c, buf, 10, &n), ERR_TOO_LARGE);
}

TEST(apdu_resp_parse_and_status_words)
{
	static const uint8_t ok[] = { 0x30, 0x82, 0x90, 0x00 };
	uint8_t big[LIMIT_APDU_RESPONSE_MAX + 1];
	const uint8_t *d;
	size_t n;
	uint16_t sw;

	memset(big, 0x90, sizeof(big));
	ASSERT_OK(apdu_resp_parse(ok, sizeof(ok), &d, &n, &sw));
	ASSERT_INT_EQ(n, 2);
	ASSERT_INT_EQ(sw, 0x9000);
	ASSERT_ERR(apdu_resp_parse(ok, 1, &d, &n, &sw), ERR_TRUNCATED);
	ASSERT_ERR(apdu_resp_parse(ok, 0, &d, &n, &sw), ERR_TRUNCATED);
	ASSERT_ERR(apdu_resp_parse(big, sizeof(big), &d, &n, &sw), ERR_TOO_LARGE);
	ASSERT_NULL(d);
	ASSERT_INT_EQ(n, 0);
	ASSERT_OK(apdu_resp_parse(big, LIMIT_APDU_RESPONSE_MAX, &d, &n, &sw));
	ASSERT_INT_EQ(n, 256);

	ASSERT_OK(apdu_sw_err(0x9000));
	ASSERT_ERR(apdu_sw_err(0x63C2), ERR_PIN_WRONG);
	ASSERT_ERR(apdu_sw_err(0x63C0), ERR_PIN_BLOCKED);
	ASSERT_ERR(apdu_sw_err(0x6984), ERR_PIN_BLOCKED);
	ASSERT_ERR(apdu_sw_err(0x6982), ERR_PERM);
	ASSERT_ERR(apdu_sw_err(0x6A82), ERR_NOT_FOUND);
	ASSERT_ERR(apdu_sw_err(0x6F00), ERR_CARD_PROTOCOL);
	ASSERT_ERR(apdu_sw_err(0x6100), ERR_CARD_PROTOCOL);
}

TEST(apdu_der_total_len_rules)
{
	size_t t;
	static const uint8_t c2[] = { 0x30, 0x82, 0x04, 0xE2 };
	static const uint8_t c1[] = { 0x30, 0x81, 0x90 };
	static const uint8_t s[] = { 0x30, 0x05 };
	static const uint8_t nonmin1[] = { 0x30, 0x81, 0x7F };
	static const uint8_t nonmin2[] = { 0x30, 0x82, 0x00, 0xFF };
	static const uint8_t indef[] = { 0x30, 0x80 };
	static const uint8_t big[] = { 0x30, 0x82, 0x10, 0x00 };
	static const uint8_t k3[] = { 0x30, 0x83, 0x00, 0x10, 0x00 };
	static const uint8_t tag[] = { 0x31, 0x82, 0x04, 0xE2 };

	ASSERT_OK(apdu_der_total_len(c2, 4, &t));
	ASSERT_INT_EQ(t, 0x4E2 + 4);
	ASSERT_OK(apdu_der_total_len(c1, 3, &t));
	ASSERT_INT_EQ(t, 0x93);
	ASSERT_OK(apdu_der_total_len(s, 2, &t));
	ASSERT_INT_EQ(t, 7);
	ASSERT_ERR(apdu_der_total_len(c2, 3, &t), ERR_TRUNCATED);
	ASSERT_ERR(apdu_der_total_len(c2, 1, &t), ERR_TRUNCATED);
	ASSERT_ERR(apdu_der_total_len(nonmin1, 3, &t), ERR_FORMAT);
	ASSERT_ERR(apdu_der_total_len(nonmin2, 4, &t), ERR_FORMAT);
	ASSERT_ERR(apdu_der_total_len(indef, 2, &t), ERR_FORMAT);
	ASSERT_ERR(apdu_der_total_len(big, 4, &t), ERR_TOO_LARGE);
	ASSERT_ERR(apdu_der_total_len(k3, 5, &t), ERR_TOO_LARGE);
	ASSERT_ERR(apdu_der_total_len(tag, 4, &t), ERR_FORMAT);
	ASSERT_INT_EQ(t, 0);
}

TEST(apdu_tlv_header_forms)
{
	static const uint8_t long82[] = { 0xFF, 0x40, 0x82, 0x00, 0x02, 1, 2 };
	static const uint8_t long81[] = { 0xDF, 0x22, 0x81, 0x01, 7 };
	static const uint8_t tag4[] = { 0xFF, 0xFF, 0xFF, 0x01, 0x00 };
	static const uint8_t indef[] = { 0x30, 0x80, 0x00, 0x00 };
	static const uint8_t k3[] = { 0x30, 0x83, 0x00, 0x00, 0x01, 0x00 };
	static const uint8_t over[] = { 0xDF, 0x22, 0x05, 1, 2 };
	struct vbuf *b;
	uint32_t tag;
	size_t h, n;

	b = vbuf_from(long82, sizeof(long82));
	ASSERT_OK(apdu_tlv_header(b, &tag, &h, &n));
	ASSERT_INT_EQ(tag, 0xFF40);
	ASSERT_INT_EQ(h, 5);
	ASSERT_INT_EQ(n, 2);
	vbuf_free(b);
	b = vbuf_from(long81, sizeof(long81));
	ASSERT_OK(apdu_tlv_header(b, &tag, &h, &n));
	ASSERT_INT_EQ(h, 4);
	vbuf_free(b);
	b = vbuf_from(tag4, sizeof(tag4));
	ASSERT_ERR(apdu_tlv_header(b, &tag, &h, &n), ERR_FORMAT);
	vbuf_free(b);
	b = vbuf_from(indef, sizeof(indef));
	ASSERT_ERR(apdu_tlv_header(b, &tag, &h, &n), ERR_FORMAT);
	vbuf_free(b);
	b = vbuf_from(k3, sizeof(k3));
	ASSERT_ERR(apdu_tlv_header(b, &tag, &h, &n), ERR_TOO_LARGE);
	vbuf_free(b);
	b = vbuf_from(over, sizeof(over));
	ASSERT_ERR(apdu_tlv_header(b, &tag, &h, &n), ERR_TRUNCATED);
	vbuf_free(b);
}

TEST(apdu_basic4_parse_reference_example)
{
	struct apdu_basic4 *b4 = calloc(1, sizeof(*b4));
	uint8_t padded[sizeof(basic4_example) + 20];

	ASSERT_NOT_NULL(b4);
	ASSERT_OK(apdu_basic4_parse(basic4_example, sizeof(basic4_example), b4));
	ASSERT_STR_EQ(b4->name, "山田\u3000花子");
	ASSERT_STR_EQ(b4->address, "東京都千代田区霞が関２丁目１番２号");
	ASSERT_STR_EQ(b4->birth, "19800217");
	ASSERT_STR_EQ(b4->sex, "2");
	ASSERT_INT_EQ(b4->body_off, 0x0E);
	ASSERT_INT_EQ(b4->body_end, sizeof(basic4_example));
	/* Filler after the template is the card's physical file size. */
	memcpy(padded, basic4_example, sizeof(basic4_example));
	memset(padded + sizeof(basic4_example), 0xFF, 20);
	ASSERT_OK(apdu_basic4_parse(padded, sizeof(padded), b4));
	padded[sizeof(padded) - 1] = 0x41;
	ASSERT_ERR(apdu_basic4_parse(padded, sizeof(padded), b4),
	    ERR_TRAILING_DATA);
	ASSERT_INT_EQ(b4->name[0], 0);
	free(b4);
}

TEST(apdu_basic4_build_matches_reference_bytes)
{
	uint8_t out[512];
	size_t n;

	ASSERT_OK(apdu_basic4_build("山田\u3000花子",
	    "東京都千代田区霞が関２丁目１番２号", "19800217", "2", out,
	    sizeof(out), &n));
	ASSERT_INT_EQ(n, sizeof(basic4_example));
	ASSERT_MEM_EQ(out, basic4_example, n);
	ASSERT_ERR(apdu_basic4_build("a", "b", "19801317", "2", out,
	    sizeof(out), &n), ERR_INVALID_ARG);
	ASSERT_ERR(apdu_basic4_build("a", "b", "19800101", "5", out,
	    sizeof(out), &n), ERR_INVALID_ARG);
	ASSERT_ERR(apdu_basic4_build("a\x01", "b", "19800101", "1", out,
	    sizeof(out), &n), ERR_INVALID_ARG);
	ASSERT_ERR(apdu_basic4_build("a", "b", "19800101", "1", out, 20, &n),
	    ERR_TOO_LARGE);
}

/* Long names need the 81/82 length forms; the offsets follow them. */
TEST(apdu_basic4_long_values_roundtrip)
{
	char name[LIMIT_NAME_LEN_MAX + 1], addr[LIMIT_ADDRESS_LEN_MAX + 1];
	uint8_t out[2048];
	size_t n;
	struct apdu_basic4 *b4 = calloc(1, sizeof(*b4));

	ASSERT_NOT_NULL(b4);
	memset(name, 'N', LIMIT_NAME_LEN_MAX);
	name[LIMIT_NAME_LEN_MAX] = 0;
	memset(addr, 'A', LIMIT_ADDRESS_LEN_MAX);
	addr[LIMIT_ADDRESS_LEN_MAX] = 0;
	ASSERT_OK(apdu_basic4_build(name, addr, "20000229", "9", out,
	    sizeof(out), &n));
	ASSERT_OK(apdu_basic4_parse(out, n, b4));
	ASSERT_STR_EQ(b4->name, name);
	ASSERT_STR_EQ(b4->address, addr);
	free(b4);
}

struct sweep_ctx {
	size_t value_lo[4];	/* value regions a flip may legitimately hit */
	size_t value_hi[4];
};

static int
accept_basic4(const uint8_t *p, size_t len, void *ctx)
{
	struct apdu_basic4 *b4 = calloc(1, sizeof(*b4));
	int r;

	(void)ctx;
	if (b4 == NULL)
		return ERR_NOMEM;
	r = apdu_basic4_parse(p, len, b4);
	free(b4);
	return r;
}

/*
 * Basic-4 has free-text fields, so some bit flips inside the values stay
 * valid (another kanji, another digit).  Every structural byte - tags,
 * lengths, offsets - must be rejected on any flip, every truncation must
 * be rejected, and an appended byte only when it is not filler.
 */
TEST(apdu_basic4_mutation_sweep)
{
	uint8_t m[sizeof(basic4_example) + 1];
	size_t i, bit, len = sizeof(basic4_example), accepted = 0;
	/* value regions: name 17..31, address 35..85, birth 89..96, sex 100 */
	static const size_t lo[4] = { 17, 35, 89, 100 };
	static const size_t hi[4] = { 32, 86, 97, 101 };

	for (i = 0; i < len; i++) {
		int in_value = 0, k;

		for (k = 0; k < 4; k++)
			if (i >= lo[k] && i < hi[k])
				in_value = 1;
		for (bit = 0; bit < 8; bit++) {
			memcpy(m, basic4_example, len);
			m[i] ^= (uint8_t)(1u << bit);
			if (accept_basic4(m, len, NULL) == 0) {
				accepted++;
				if (!in_value)
					test_fail(__FILE__, __LINE__,
					    "structural flip accepted at byte %zu bit %zu",
					    i, bit);
			}
		}
	}
	ASSERT_TRUE(accepted > 0);	/* some text flips are valid text */
	ASSERT_TRUE(accepted < len * 8 / 2);
	for (i = 0; i < len; i++)
		ASSERT_INT_NE(accept_basic4(basic4_example, i, NULL), 0);
	memcpy(m, basic4_example, len);
	m[len] = 0xFF;
	ASSERT_OK(accept_basic4(m, len + 1, NULL));
	m[len] = 0x01;
	ASSERT_ERR(accept_basic4(m, len + 1, NULL), ERR_TRAILING_DATA);
}

static int
accept_integrity(const uint8_t *p, size_t len, void *ctx)
{
	struct apdu_integrity in;

	(void)ctx;
	return apdu_integrity_parse(p, len, &in);
}

TEST(apdu_integrity_roundtrip_and_sweep)
{
	uint8_t h1[32], h2[32], sig[256], out[512], m[512];
	size_t n, i, bit;
	struct apdu_integrity in;

	memset(h1, 0x11, sizeof(h1));
	memset(h2, 0x22, sizeof(h2));
	memset(sig, 0x33, sizeof(sig));
	ASSERT_OK(apdu_integrity_build(h1, h2, sig, sizeof(sig), out,
	    sizeof(out), &n));
	ASSERT_INT_EQ(n, 336);	/* the size real cards show */
	ASSERT_OK(apdu_integrity_parse(out, n, &in));
	ASSERT_MEM_EQ(in.mynumber_sha256, h1, 32);
	ASSERT_MEM_EQ(in.basic4_sha256, h2, 32);
	ASSERT_INT_EQ(in.sig_len, 256);
	/* Structure bytes: flips must be refused (the values are opaque). */
	for (i = 0; i < n; i++) {
		int structural = i < 8 || (i >= 40 && i < 43) ||
		    (i >= 75 && i < 80);

		if (!structural)
			continue;
		for (bit = 0; bit < 8; bit++) {
			memcpy(m, out, n);
			m[i] ^= (uint8_t)(1u << bit);
			if (accept_integrity(m, n, NULL) == 0)
				test_fail(__FILE__, __LINE__,
				    "flip accepted at byte %zu bit %zu", i, bit);
		}
	}
	for (i = 0; i < n; i++)
		ASSERT_INT_NE(accept_integrity(out, i, NULL), 0);
}

static int
accept_cmd(const uint8_t *p, size_t len, void *ctx)
{
	struct apdu_cmd c;
	const struct apdu_cmd *want = ctx;
	int r;

	if ((r = apdu_cmd_parse(p, len, &c)) != 0)
		return r;
	/* "Accepted" = parsed to the same command: a mutant that parses to
	 * a different command is a different command, not an error. */
	if (c.lc != want->lc || c.le != want->le || c.ins != want->ins ||
	    c.cla != want->cla || c.p1 != want->p1 || c.p2 != want->p2 ||
	    (c.lc && memcmp(c.data, want->data, c.lc) != 0))
		return ERR_MISMATCH;
	return 0;
}

/* No mutant of a command parses back to the same command. */
TEST(apdu_cmd_mutation_sweep)
{
	static const uint8_t sign[] = { 0x80, 0x2A, 0x00, 0x80, 0x03, 0x30,
	    0x31, 0x30, 0x00 };
	struct apdu_cmd want;

	ASSERT_OK(apdu_cmd_parse(sign, sizeof(sign), &want));
	ASSERT_MUTANTS_REJECTED(sign, sizeof(sign), MUTATE_ALL, accept_cmd,
	    &want);
}

static int
accept_cert_len(const uint8_t *p, size_t len, void *ctx)
{
	size_t t;
	int r;

	if ((r = apdu_der_total_len(p, len, &t)) != 0)
		return r;
	return t == *(const size_t *)ctx ? 0 : ERR_MISMATCH;
}

TEST(apdu_der_total_len_mutation_sweep)
{
	static const uint8_t hdr[] = { 0x30, 0x82, 0x04, 0xE2 };
	size_t want = 0x4E6;

	ASSERT_MUTANTS_REJECTED(hdr, sizeof(hdr), MUTATE_FLIP | MUTATE_TRUNCATE,
	    accept_cert_len, &want);
}

TEST(apdu_pin_rules)
{
	ASSERT_OK(apdu_pin_check(APDU_PIN_AUTH, "1234", 4));
	ASSERT_ERR(apdu_pin_check(APDU_PIN_AUTH, "123", 3), ERR_PIN_FORMAT);
	ASSERT_ERR(apdu_pin_check(APDU_PIN_AUTH, "12345", 5), ERR_PIN_FORMAT);
	ASSERT_ERR(apdu_pin_check(APDU_PIN_AUTH, "12a4", 4), ERR_PIN_FORMAT);
	ASSERT_ERR(apdu_pin_check(APDU_PIN_TEXT, "12 4", 4), ERR_PIN_FORMAT);
	ASSERT_OK(apdu_pin_check(APDU_PIN_SIGN, "ABC123", 6));
	ASSERT_OK(apdu_pin_check(APDU_PIN_SIGN, "ABCDEFGHIJ123456", 16));
	ASSERT_ERR(apdu_pin_check(APDU_PIN_SIGN, "ABC12", 5), ERR_PIN_FORMAT);
	ASSERT_ERR(apdu_pin_check(APDU_PIN_SIGN, "ABCDEFGHIJ1234567", 17),
	    ERR_PIN_FORMAT);
	ASSERT_ERR(apdu_pin_check(APDU_PIN_SIGN, "abc123", 6), ERR_PIN_FORMAT);
	ASSERT_ERR(apdu_pin_check(APDU_PIN_SIGN, "ABC-12", 6), ERR_PIN_FORMAT);
	ASSERT_ERR(apdu_pin_check(APDU_PIN_SIGN, "ＡBC123", 8), ERR_PIN_FORMAT);
	{
		char pw[] = "abc123";

		apdu_pin_upcase(pw, 6);
		ASSERT_STR_EQ(pw, "ABC123");
	}
	ASSERT_INT_EQ(apdu_pin_max_tries(APDU_PIN_AUTH), 3);
	ASSERT_INT_EQ(apdu_pin_max_tries(APDU_PIN_SIGN), 5);
}

TEST(apdu_tlv_total_len_from_a_short_read)
{
	size_t t;
	static const uint8_t b4[] = { 0xFF, 0x20, 0x62, 0xDF, 0x21, 0x08, 0x00 };
	static const uint8_t integ[] = { 0xFF, 0x30, 0x82, 0x01, 0x4B, 0xDF, 0x31 };
	static const uint8_t l81[] = { 0xFF, 0x20, 0x81, 0x90 };
	static const uint8_t big[] = { 0xFF, 0x20, 0x82, 0x20, 0x00 };
	static const uint8_t indef[] = { 0xFF, 0x20, 0x80 };
	static const uint8_t l83[] = { 0xFF, 0x20, 0x83, 0, 0, 1 };
	static const uint8_t tag4[] = { 0xFF, 0xFF, 0xFF, 0x01, 0x00 };

	ASSERT_OK(apdu_tlv_total_len(b4, sizeof(b4), &t));
	ASSERT_INT_EQ(t, 101);
	ASSERT_OK(apdu_tlv_total_len(integ, sizeof(integ), &t));
	ASSERT_INT_EQ(t, 336);
	ASSERT_OK(apdu_tlv_total_len(l81, sizeof(l81), &t));
	ASSERT_INT_EQ(t, 4 + 0x90);
	ASSERT_ERR(apdu_tlv_total_len(integ, 4, &t), ERR_TRUNCATED);
	ASSERT_ERR(apdu_tlv_total_len(integ, 2, &t), ERR_TRUNCATED);
	ASSERT_ERR(apdu_tlv_total_len(integ, 0, &t), ERR_TRUNCATED);
	ASSERT_ERR(apdu_tlv_total_len(big, sizeof(big), &t), ERR_TOO_LARGE);
	ASSERT_ERR(apdu_tlv_total_len(indef, sizeof(indef), &t), ERR_FORMAT);
	ASSERT_ERR(apdu_tlv_total_len(l83, sizeof(l83), &t), ERR_TOO_LARGE);
	ASSERT_ERR(apdu_tlv_total_len(tag4, sizeof(tag4), &t), ERR_FORMAT);
	ASSERT_INT_EQ(t, 0);
}
