/*
 * apdu.c - pure parsing and building of smart-card messages.
 *
 * Every parser reads through a vbuf view and ends with vbuf_expect_end
 * (or an explicit filler check where the card pads a file).  Nothing here
 * talks to a card; see card.c (client) and vcard.c (emulator).
 */
#include <string.h>

#include "core/err.h"
#include "core/limits.h"
#include "core/vbuf.h"
#include "registry/apdu.h"

const uint8_t apdu_aid_jpki[APDU_AID_LEN] = {
	0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01
};
const uint8_t apdu_aid_text[APDU_AID_LEN] = {
	0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08
};
const uint8_t apdu_digestinfo_sha256_prefix[APDU_DIGESTINFO_SHA256_PREFIX_LEN] = {
	0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
	0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20
};

/* Tags of the card-info input support AP's records. */
#define TAG_BASIC4	0xFF20u
#define TAG_OFFSETS	0xDF21u
#define TAG_NAME	0xDF22u
#define TAG_ADDRESS	0xDF23u
#define TAG_BIRTH	0xDF24u
#define TAG_SEX		0xDF25u
#define TAG_INTEGRITY	0xFF30u
#define TAG_MN_HASH	0xDF31u
#define TAG_B4_HASH	0xDF32u
#define TAG_AP_SIG	0xDF33u
#define INTEGRITY_SIG_MAX 512

int
apdu_cmd_parse(const uint8_t *p, size_t len, struct apdu_cmd *out)
{
	int r = ERR_INTERNAL;
	struct vbuf *b = NULL;
	uint8_t hdr[4], n;

	memset(out, 0, sizeof(*out));
	if (len > LIMIT_APDU_COMMAND_MAX)
		return ERR_TOO_LARGE;
	if ((b = vbuf_from(p, len)) == NULL)
		return ERR_NOMEM;
	if ((r = vbuf_get(b, hdr, sizeof(hdr))) != 0)
		goto out;
	out->cla = hdr[0];
	out->ins = hdr[1];
	out->p1 = hdr[2];
	out->p2 = hdr[3];
	if (vbuf_len(b) == 0) {			/* case 1 */
		r = 0;
		goto out;
	}
	if ((r = vbuf_get_u8(b, &n)) != 0)
		goto out;
	if (vbuf_len(b) == 0) {			/* case 2: n is Le */
		out->le = n == 0 ? 256 : n;
		r = 0;
		goto out;
	}
	if (n == 0) {				/* extended length */
		r = ERR_UNSUPPORTED;
		goto out;
	}
	out->lc = n;				/* cases 3 and 4 */
	if ((r = vbuf_get_direct(b, n, &out->data)) != 0)
		goto out;
	if (vbuf_len(b) == 1) {
		if ((r = vbuf_get_u8(b, &n)) != 0)
			goto out;
		out->le = n == 0 ? 256 : n;
	}
	r = vbuf_expect_end(b);
 out:
	if (r != 0)
		memset(out, 0, sizeof(*out));
	vbuf_free(b);
	return r;
}

int
apdu_cmd_build(const struct apdu_cmd *c, uint8_t *out, size_t outmax,
    size_t *outlen)
{
	size_t n = 4;

	*outlen = 0;
	if (c->lc > 255 || c->le > 256 || (c->lc > 0 && c->data == NULL))
		return ERR_INVALID_ARG;
	n += c->lc > 0 ? 1 + c->lc : 0;
	n += c->le > 0 ? 1 : 0;
	if (n > outmax)
		return ERR_TOO_LARGE;
	out[0] = c->cla;
	out[1] = c->ins;
	out[2] = c->p1;
	out[3] = c->p2;
	n = 4;
	if (c->lc > 0) {
		out[n++] = (uint8_t)c->lc;
		memcpy(out + n, c->data, c->lc);
		n += c->lc;
	}
	if (c->le > 0)
		out[n++] = (uint8_t)(c->le == 256 ? 0 : c->le);
	*outlen = n;
	return 0;
}

int
apdu_resp_parse(const uint8_t *p, size_t len, const uint8_t **data,
    size_t *data_len, uint16_t *sw)
{
	*data = NULL;
	*data_len = 0;
	*sw = 0;
	if (len > LIMIT_APDU_RESPONSE_MAX)
		return ERR_TOO_LARGE;
	if (len < 2)
		return ERR_TRUNCATED;
	*data = len > 2 ? p : NULL;
	*data_len = len - 2;
	*sw = (uint16_t)((p[len - 2] << 8) | p[len - 1]);
	return 0;
}

int
apdu_sw_err(uint16_t sw)
{
	if (sw == APDU_SW_OK)
		return 0;
	if (sw == APDU_SW_BLOCKED || sw == APDU_SW_TRIES(0))
		return ERR_PIN_BLOCKED;
	if ((sw & 0xFFF0) == 0x63C0)
		return ERR_PIN_WRONG;
	if (sw == APDU_SW_SECURITY)
		return ERR_PERM;
	if (sw == APDU_SW_NOT_FOUND)
		return ERR_NOT_FOUND;
	return ERR_CARD_PROTOCOL;
}

/* ---- BER-TLV ---- */

int
apdu_tlv_header(const struct vbuf *b, uint32_t *tag, size_t *hdr_len,
    size_t *len)
{
	const uint8_t *p = vbuf_ptr(b);
	size_t avail = vbuf_len(b), i = 0, n;
	uint32_t t;

	*tag = 0;
	*hdr_len = 0;
	*len = 0;
	if (avail < 1)
		return ERR_TRUNCATED;
	t = p[i++];
	if ((t & 0x1F) == 0x1F) {		/* multi-byte tag */
		do {
			if (i >= avail)
				return ERR_TRUNCATED;
			if (i >= 3)
				return ERR_FORMAT;
			t = (t << 8) | p[i];
		} while (p[i++] & 0x80);
	}
	if (i >= avail)
		return ERR_TRUNCATED;
	n = p[i++];
	if (n == 0x80)
		return ERR_FORMAT;		/* indefinite */
	if (n == 0x81 || n == 0x82) {
		size_t k = n & 0x7F, j;

		if (avail - i < k)
			return ERR_TRUNCATED;
		for (n = 0, j = 0; j < k; j++)
			n = (n << 8) | p[i++];
	} else if (n > 0x82) {
		return ERR_TOO_LARGE;
	}
	if (avail - i < n)
		return ERR_TRUNCATED;
	*tag = t;
	*hdr_len = i;
	*len = n;
	return 0;
}

int
apdu_tlv_total_len(const uint8_t *p, size_t len, size_t *total)
{
	size_t i = 0, n, k, j;

	*total = 0;
	if (len < 1)
		return ERR_TRUNCATED;
	if ((p[i++] & 0x1F) == 0x1F) {		/* multi-byte tag */
		do {
			if (i >= len)
				return ERR_TRUNCATED;
			if (i >= 3)
				return ERR_FORMAT;
		} while (p[i++] & 0x80);
	}
	if (i >= len)
		return ERR_TRUNCATED;
	n = p[i++];
	if (n == 0x80)
		return ERR_FORMAT;
	if (n > 0x82)
		return ERR_TOO_LARGE;
	if (n & 0x80) {
		k = n & 0x7F;
		if (len - i < k)
			return ERR_TRUNCATED;
		for (n = 0, j = 0; j < k; j++)
			n = (n << 8) | p[i++];
	}
	if (n > LIMIT_CARD_FILE_MAX - i)
		return ERR_TOO_LARGE;
	*total = i + n;
	return 0;
}

int
apdu_tlv_expect(struct vbuf *b, uint32_t want, const uint8_t **val, size_t *len)
{
	int r = ERR_INTERNAL;
	uint32_t tag;
	size_t n, hdr;

	*val = NULL;
	*len = 0;
	if ((r = apdu_tlv_header(b, &tag, &hdr, &n)) != 0)
		return r;
	if (tag != want)
		return ERR_FORMAT;
	if ((r = vbuf_consume(b, hdr)) != 0)
		return r;
	if ((r = vbuf_get_direct(b, n, val)) != 0)
		return r;
	*len = n;
	return 0;
}

int
apdu_der_total_len(const uint8_t *p, size_t len, size_t *total)
{
	size_t n, k, i;

	*total = 0;
	if (len < 2)
		return ERR_TRUNCATED;
	if (p[0] != 0x30)
		return ERR_FORMAT;
	n = p[1];
	if (n < 0x80) {
		*total = 2 + n;
		return 0;
	}
	k = n & 0x7F;
	if (k == 0)
		return ERR_FORMAT;		/* indefinite: not DER */
	if (k > 2)
		return ERR_TOO_LARGE;
	if (len < 2 + k)
		return ERR_TRUNCATED;
	for (n = 0, i = 0; i < k; i++)
		n = (n << 8) | p[2 + i];
	if ((k == 1 && n < 0x80) || (k == 2 && n < 0x100))
		return ERR_FORMAT;		/* non-minimal */
	if (n > LIMIT_CERT_DER_MAX - 2 - k)
		return ERR_TOO_LARGE;
	*total = 2 + k + n;
	return 0;
}

/* ---- records ---- */

/* 1 when p[0..n) is valid UTF-8 without C0 controls, DEL or NUL. */
static int
apdu_utf8_ok(const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = p[i];
		uint32_t cp;
		size_t k, j;

		if (c < 0x20 || c == 0x7F)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			k = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			k = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			k = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (n - i - 1 < k)
			return 0;
		for (j = 1; j <= k; j++) {
			if ((p[i + j] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i + j] & 0x3F);
		}
		if ((k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
		    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) ||
		    (cp >= 0x80 && cp < 0xA0))
			return 0;
		i += k + 1;
	}
	return 1;
}

static int
apdu_digits_ok(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	return 1;
}

/* YYYYMMDD, year 1868..2199, month 1..12, day 1..31. */
static int
apdu_date_ok(const uint8_t *p, size_t n)
{
	unsigned y, m, d;

	if (n != 8 || !apdu_digits_ok(p, n))
		return 0;
	y = (p[0] - '0') * 1000u + (p[1] - '0') * 100u + (p[2] - '0') * 10u +
	    (p[3] - '0');
	m = (p[4] - '0') * 10u + (p[5] - '0');
	d = (p[6] - '0') * 10u + (p[7] - '0');
	return y >= 1868 && y <= 2199 && m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

static int
apdu_sex_ok(const uint8_t *p, size_t n)
{
	return n == 1 && (p[0] == '0' || p[0] == '1' || p[0] == '2' ||
	    p[0] == '9');
}

/* Bytes after a record: only FF or 00 filler. */
static int
apdu_filler_only(const struct vbuf *b)
{
	const uint8_t *p = vbuf_ptr(b);
	size_t i, n = vbuf_len(b);

	for (i = 0; i < n; i++)
		if (p[i] != 0xFF && p[i] != 0x00)
			return 0;
	return 1;
}

int
apdu_basic4_parse(const uint8_t *p, size_t len, struct apdu_basic4 *out)
{
	int r = ERR_INTERNAL;
	struct vbuf *b = NULL, *in = NULL;
	const uint8_t *tmpl, *v, *offs;
	size_t tlen, n, olen, i, start;
	const uint32_t tags[4] = { TAG_NAME, TAG_ADDRESS, TAG_BIRTH, TAG_SEX };
	size_t at[4];

	memset(out, 0, sizeof(*out));
	if (len > LIMIT_CARD_FILE_MAX)
		return ERR_TOO_LARGE;
	if ((b = vbuf_from(p, len)) == NULL)
		return ERR_NOMEM;
	if ((r = apdu_tlv_expect(b, TAG_BASIC4, &tmpl, &tlen)) != 0)
		goto out;
	if (!apdu_filler_only(b)) {
		r = ERR_TRAILING_DATA;
		goto out;
	}
	start = (size_t)(tmpl - p);
	if ((in = vbuf_from(tmpl, tlen)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if ((r = apdu_tlv_expect(in, TAG_OFFSETS, &offs, &olen)) != 0)
		goto out;
	if (olen != 8) {
		r = ERR_FORMAT;
		goto out;
	}
	for (i = 0; i < 4; i++) {
		at[i] = (size_t)(vbuf_ptr(in) - p);
		if ((r = apdu_tlv_expect(in, tags[i], &v, &n)) != 0)
			goto out;
		if (((size_t)offs[2 * i] << 8 | offs[2 * i + 1]) != at[i]) {
			r = ERR_FORMAT;
			goto out;
		}
		switch (i) {
		case 0:
			if (n == 0 || n > LIMIT_NAME_LEN_MAX || !apdu_utf8_ok(v, n))
				r = ERR_FORMAT;
			else
				memcpy(out->name, v, n);
			break;
		case 1:
			if (n == 0 || n > LIMIT_ADDRESS_LEN_MAX ||
			    !apdu_utf8_ok(v, n))
				r = ERR_FORMAT;
			else
				memcpy(out->address, v, n);
			break;
		case 2:
			if (!apdu_date_ok(v, n))
				r = ERR_FORMAT;
			else
				memcpy(out->birth, v, n);
			break;
		default:
			if (!apdu_sex_ok(v, n))
				r = ERR_FORMAT;
			else
				out->sex[0] = (char)v[0];
			break;
		}
		if (r != 0)
			goto out;
	}
	if ((r = vbuf_expect_end(in)) != 0)
		goto out;
	out->body_off = at[0];
	out->body_end = start + tlen;
	r = 0;
 out:
	if (r != 0)
		memset(out, 0, sizeof(*out));
	vbuf_free(in);
	vbuf_free(b);
	return r;
}

/* Appends a TLV with a 2-byte tag; value up to 65535 bytes. */
static int
apdu_put_tlv(uint8_t *out, size_t outmax, size_t *pos, uint32_t tag,
    const void *v, size_t n)
{
	size_t hl = 2 + (n < 0x80 ? 1 : n < 0x100 ? 2 : 3);

	if (n > 0xFFFF || outmax - *pos < hl || outmax - *pos - hl < n)
		return ERR_TOO_LARGE;
	out[(*pos)++] = (uint8_t)(tag >> 8);
	out[(*pos)++] = (uint8_t)tag;
	if (n >= 0x100) {
		out[(*pos)++] = 0x82;
		out[(*pos)++] = (uint8_t)(n >> 8);
	} else if (n >= 0x80) {
		out[(*pos)++] = 0x81;
	}
	out[(*pos)++] = (uint8_t)n;
	if (n > 0)
		memcpy(out + *pos, v, n);
	*pos += n;
	return 0;
}

/* The size of a 2-byte-tag TLV header for a value of n bytes. */
static size_t
apdu_hdr_len(size_t n)
{
	return 2 + (n < 0x80 ? 1 : n < 0x100 ? 2 : 3);
}

int
apdu_basic4_build(const char *name, const char *address, const char *birth,
    const char *sex, uint8_t *out, size_t outmax, size_t *outlen)
{
	int r = ERR_INTERNAL;
	const char *vals[4] = { name, address, birth, sex };
	const uint32_t tags[4] = { TAG_NAME, TAG_ADDRESS, TAG_BIRTH, TAG_SEX };
	size_t lens[4], body = 0, inner, pos = 0, i, off;
	uint8_t offs[8];

	*outlen = 0;
	for (i = 0; i < 4; i++)
		lens[i] = strlen(vals[i]);
	if (lens[0] == 0 || lens[0] > LIMIT_NAME_LEN_MAX ||
	    !apdu_utf8_ok((const uint8_t *)name, lens[0]) ||
	    lens[1] == 0 || lens[1] > LIMIT_ADDRESS_LEN_MAX ||
	    !apdu_utf8_ok((const uint8_t *)address, lens[1]) ||
	    !apdu_date_ok((const uint8_t *)birth, lens[2]) ||
	    !apdu_sex_ok((const uint8_t *)sex, lens[3]))
		return ERR_INVALID_ARG;
	for (i = 0; i < 4; i++)
		body += apdu_hdr_len(lens[i]) + lens[i];
	inner = apdu_hdr_len(8) + 8 + body;
	off = apdu_hdr_len(inner) + apdu_hdr_len(8) + 8;
	for (i = 0; i < 4; i++) {
		offs[2 * i] = (uint8_t)(off >> 8);
		offs[2 * i + 1] = (uint8_t)off;
		off += apdu_hdr_len(lens[i]) + lens[i];
	}
	if (outmax < apdu_hdr_len(inner) + inner)
		return ERR_TOO_LARGE;
	out[pos++] = 0xFF;
	out[pos++] = 0x20;
	if (inner >= 0x100) {
		out[pos++] = 0x82;
		out[pos++] = (uint8_t)(inner >> 8);
	} else if (inner >= 0x80) {
		out[pos++] = 0x81;
	}
	out[pos++] = (uint8_t)inner;
	if ((r = apdu_put_tlv(out, outmax, &pos, TAG_OFFSETS, offs, 8)) != 0)
		return r;
	for (i = 0; i < 4; i++)
		if ((r = apdu_put_tlv(out, outmax, &pos, tags[i], vals[i],
		    lens[i])) != 0)
			return r;
	*outlen = pos;
	return 0;
}

int
apdu_integrity_parse(const uint8_t *p, size_t len, struct apdu_integrity *out)
{
	int r = ERR_INTERNAL;
	struct vbuf *b = NULL, *in = NULL;
	const uint8_t *tmpl, *v;
	size_t tlen, n;

	memset(out, 0, sizeof(*out));
	if (len > LIMIT_CARD_FILE_MAX)
		return ERR_TOO_LARGE;
	if ((b = vbuf_from(p, len)) == NULL)
		return ERR_NOMEM;
	if ((r = apdu_tlv_expect(b, TAG_INTEGRITY, &tmpl, &tlen)) != 0)
		goto out;
	if (!apdu_filler_only(b)) {
		r = ERR_TRAILING_DATA;
		goto out;
	}
	if ((in = vbuf_from(tmpl, tlen)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if ((r = apdu_tlv_expect(in, TAG_MN_HASH, &v, &n)) != 0)
		goto out;
	if (n != 32) {
		r = ERR_FORMAT;
		goto out;
	}
	memcpy(out->mynumber_sha256, v, 32);
	if ((r = apdu_tlv_expect(in, TAG_B4_HASH, &v, &n)) != 0)
		goto out;
	if (n != 32) {
		r = ERR_FORMAT;
		goto out;
	}
	memcpy(out->basic4_sha256, v, 32);
	if ((r = apdu_tlv_expect(in, TAG_AP_SIG, &v, &n)) != 0)
		goto out;
	if (n == 0 || n > INTEGRITY_SIG_MAX) {
		r = ERR_FORMAT;
		goto out;
	}
	out->sig = v;
	out->sig_len = n;
	r = vbuf_expect_end(in);
 out:
	if (r != 0)
		memset(out, 0, sizeof(*out));
	vbuf_free(in);
	vbuf_free(b);
	return r;
}

int
apdu_integrity_build(const uint8_t mynumber_sha256[32],
    const uint8_t basic4_sha256[32], const uint8_t *sig, size_t sig_len,
    uint8_t *out, size_t outmax, size_t *outlen)
{
	int r = ERR_INTERNAL;
	size_t inner, pos = 0;

	*outlen = 0;
	if (sig_len == 0 || sig_len > INTEGRITY_SIG_MAX)
		return ERR_INVALID_ARG;
	inner = 2 * (apdu_hdr_len(32) + 32) + apdu_hdr_len(sig_len) + sig_len;
	if (outmax < apdu_hdr_len(inner) + inner)
		return ERR_TOO_LARGE;
	out[pos++] = 0xFF;
	out[pos++] = 0x30;
	if (inner >= 0x100) {
		out[pos++] = 0x82;
		out[pos++] = (uint8_t)(inner >> 8);
	} else if (inner >= 0x80) {
		out[pos++] = 0x81;
	}
	out[pos++] = (uint8_t)inner;
	if ((r = apdu_put_tlv(out, outmax, &pos, TAG_MN_HASH,
	    mynumber_sha256, 32)) != 0 ||
	    (r = apdu_put_tlv(out, outmax, &pos, TAG_B4_HASH,
	    basic4_sha256, 32)) != 0 ||
	    (r = apdu_put_tlv(out, outmax, &pos, TAG_AP_SIG, sig,
	    sig_len)) != 0)
		return r;
	*outlen = pos;
	return 0;
}

/* ---- PIN rules ---- */

int
apdu_pin_check(enum apdu_pin_kind kind, const char *pin, size_t len)
{
	size_t i;

	switch (kind) {
	case APDU_PIN_AUTH:
	case APDU_PIN_TEXT:
		if (len != LIMIT_PIN_AUTH_LEN ||
		    !apdu_digits_ok((const uint8_t *)pin, len))
			return ERR_PIN_FORMAT;
		return 0;
	case APDU_PIN_SIGN:
		if (len < LIMIT_PIN_SIGN_LEN_MIN || len > LIMIT_PIN_SIGN_LEN_MAX)
			return ERR_PIN_FORMAT;
		for (i = 0; i < len; i++)
			if (!((pin[i] >= '0' && pin[i] <= '9') ||
			    (pin[i] >= 'A' && pin[i] <= 'Z')))
				return ERR_PIN_FORMAT;
		return 0;
	}
	return ERR_PIN_FORMAT;
}

void
apdu_pin_upcase(char *pin, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (pin[i] >= 'a' && pin[i] <= 'z')
			pin[i] = (char)(pin[i] - 'a' + 'A');
}

unsigned
apdu_pin_max_tries(enum apdu_pin_kind kind)
{
	return kind == APDU_PIN_SIGN ? 5 : 3;
}
