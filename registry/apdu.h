/*
 * apdu.h - pure parsing and building of smart-card messages: ISO 7816-4
 * command and response APDUs, status words, BER-TLV, DER certificate
 * headers, the My Number Card's basic-4 and integrity records, and the
 * JPKI PIN rules.
 *
 * No I/O; the only allocations are short-lived vbuf views, and outputs
 * go to caller memory, so the module can be driven by a fuzzer or a
 * mutation sweep.  All parsers are
 * safe on untrusted input, read through a bounded vbuf and refuse trailing
 * data.  Nothing here is constant-time.
 *
 * Used by both sides: the virtual card parses commands and builds
 * responses; the PC/SC client builds commands and parses responses.
 */
#ifndef IPPYO_REGISTRY_APDU_H
#define IPPYO_REGISTRY_APDU_H

#include <stddef.h>
#include <stdint.h>

#include "core/limits.h"

struct vbuf;

#define APDU_WUR __attribute__((warn_unused_result))

/* ---- status words (ISO 7816-4 / JICSAP as the JPKI card uses them) ---- */
#define APDU_SW_OK		0x9000	/* success */
#define APDU_SW_WRONG_LENGTH	0x6700	/* Lc/Le not acceptable */
#define APDU_SW_SECURITY	0x6982	/* security status not satisfied */
#define APDU_SW_BLOCKED		0x6984	/* referenced PIN blocked */
#define APDU_SW_CONDITIONS	0x6985	/* conditions of use not satisfied */
#define APDU_SW_NO_EF		0x6986	/* command not allowed: no current EF */
#define APDU_SW_NOT_FOUND	0x6A82	/* file or application not found */
#define APDU_SW_BAD_P1P2	0x6A86	/* incorrect P1-P2 */
#define APDU_SW_OFFSET		0x6B00	/* offset beyond end of file */
#define APDU_SW_BAD_INS		0x6D00	/* instruction not supported */
#define APDU_SW_BAD_CLA		0x6E00	/* class not supported */
#define APDU_SW_TRIES(n)	(0x63C0 | ((n) & 0x0F)) /* wrong PIN, n left */

/* The JPKI and card-info-input-support application identifiers. */
#define APDU_AID_LEN 10
extern const uint8_t apdu_aid_jpki[APDU_AID_LEN];
extern const uint8_t apdu_aid_text[APDU_AID_LEN];

/* The SHA-256 DigestInfo prefix (RFC 8017), 19 bytes; a DigestInfo is 51. */
#define APDU_DIGESTINFO_SHA256_PREFIX_LEN 19
#define APDU_DIGESTINFO_SHA256_LEN 51
extern const uint8_t apdu_digestinfo_sha256_prefix[APDU_DIGESTINFO_SHA256_PREFIX_LEN];

/*
 * A parsed short command APDU.  data points into the parsed buffer (not a
 * copy).  le is the expected response length, 1..256 (Le byte 00 = 256),
 * or 0 when the command carries no Le.
 */
struct apdu_cmd {
	uint8_t cla;		/* class byte */
	uint8_t ins;		/* instruction */
	uint8_t p1;		/* parameter 1 */
	uint8_t p2;		/* parameter 2 */
	const uint8_t *data;	/* command data (NULL when lc == 0) */
	size_t lc;		/* command data length, 0..255 */
	size_t le;		/* expected length 0 (absent) or 1..256 */
};

/*
 * Parses a short command APDU (ISO 7816-4 cases 1-4) of len bytes.
 * Returns 0; ERR_TRUNCATED when shorter than 4 bytes or than Lc says;
 * ERR_TRAILING_DATA when bytes follow Le; ERR_UNSUPPORTED for an extended
 * length APDU (Lc byte 00 followed by more data); ERR_TOO_LARGE over
 * LIMIT_APDU_COMMAND_MAX.  *out is cleared on entry, set on success.
 */
int apdu_cmd_parse(const uint8_t *p, size_t len, struct apdu_cmd *out) APDU_WUR;

/*
 * Encodes c as a short APDU into out (room for outmax bytes); *outlen is
 * the encoded length.  ERR_INVALID_ARG when lc > 255, le > 256 or the
 * data pointer is missing; ERR_TOO_LARGE when outmax is too small.
 */
int apdu_cmd_build(const struct apdu_cmd *c, uint8_t *out, size_t outmax,
    size_t *outlen) APDU_WUR;

/*
 * Splits a response APDU into data and status word.  *data points into p.
 * ERR_TRUNCATED under 2 bytes, ERR_TOO_LARGE over LIMIT_APDU_RESPONSE_MAX.
 */
int apdu_resp_parse(const uint8_t *p, size_t len, const uint8_t **data,
    size_t *data_len, uint16_t *sw) APDU_WUR;

/*
 * Maps a status word that is not 9000 to the project error: 63Cx
 * ERR_PIN_WRONG (63C0 and 6984 ERR_PIN_BLOCKED), 6982 ERR_PERM, 6A82
 * ERR_NOT_FOUND, anything else ERR_CARD_PROTOCOL.  9000 maps to 0.
 */
int apdu_sw_err(uint16_t sw);

/* ---- BER-TLV ---- */

/*
 * Looks at one BER-TLV header at the front of b: a tag of 1..3 bytes
 * (returned as its bytes big-endian, e.g. 0xFF20, 0xDF21, 0x30) and a
 * definite length in short form or long form 81 xx / 82 xx xx (long forms
 * with a small value are accepted: real cards send 82 00 9F).  *hdr_len is
 * the header size.  Checks that the value fits in what is left of b;
 * consumes nothing.
 * ERR_TRUNCATED, ERR_FORMAT (indefinite length, tag over 3 bytes),
 * ERR_TOO_LARGE (length form 83 and above).
 */
int apdu_tlv_header(const struct vbuf *b, uint32_t *tag, size_t *hdr_len,
    size_t *len) APDU_WUR;

/*
 * From the first bytes of a file holding one BER-TLV (as read with a
 * short READ BINARY), computes the TLV's total size (header + value)
 * without needing the value.  ERR_TRUNCATED when the header is
 * incomplete, ERR_FORMAT / ERR_TOO_LARGE as apdu_tlv_header, and
 * ERR_TOO_LARGE over LIMIT_CARD_FILE_MAX.
 */
int apdu_tlv_total_len(const uint8_t *p, size_t len, size_t *total) APDU_WUR;

/*
 * Reads the next TLV from b, requiring its tag to be want: *val points
 * into b and *len is the value length; the TLV is consumed.  ERR_FORMAT
 * when the tag differs.
 */
int apdu_tlv_expect(struct vbuf *b, uint32_t want, const uint8_t **val,
    size_t *len) APDU_WUR;

/*
 * From the first bytes of a DER certificate (a SEQUENCE, tag 30, strict
 * DER length), computes the total encoded size.  Needs at least 2 bytes,
 * more for long forms (4 cover every certificate of up to 64 KiB).
 * ERR_TRUNCATED (header incomplete), ERR_FORMAT (other tag, indefinite or
 * non-minimal length), ERR_TOO_LARGE (over LIMIT_CERT_DER_MAX).
 */
int apdu_der_total_len(const uint8_t *p, size_t len, size_t *total) APDU_WUR;

/* ---- card records ---- */

/*
 * The basic 4 attributes (基本4情報) of the card-info input support AP,
 * EF 0002, as NUL-terminated UTF-8.
 */
struct apdu_basic4 {
	char name[LIMIT_NAME_LEN_MAX + 1];	  /* 氏名 */
	char address[LIMIT_ADDRESS_LEN_MAX + 1];  /* 住所 */
	char birth[9];		/* 生年月日, Gregorian YYYYMMDD */
	char sex[2];		/* 性別, ISO 5218 digit 0/1/2/9 */
	size_t body_off;	/* offset of the DF22 object in the file */
	size_t body_end;	/* end of the FF20 template in the file */
};

/*
 * Parses the basic-4 file: FF20 { DF21 offsets(8), DF22 name, DF23
 * address, DF24 birth(8), DF25 sex(1) }, followed only by filler bytes
 * FF or 00.  The offset table must point at the four objects exactly;
 * name and address must be valid UTF-8 without NUL or control
 * characters, birth 8 ASCII digits forming a plausible date, sex one of
 * 0/1/2/9.  Returns 0 or ERR_FORMAT / ERR_TRUNCATED / ERR_TOO_LARGE /
 * ERR_TRAILING_DATA.  *out is cleared on entry.
 */
int apdu_basic4_parse(const uint8_t *p, size_t len, struct apdu_basic4 *out)
    APDU_WUR;

/*
 * Encodes a basic-4 file (no filler) from the four values into out.
 * ERR_INVALID_ARG when a value breaks the rules apdu_basic4_parse checks,
 * ERR_TOO_LARGE when out is too small.
 */
int apdu_basic4_build(const char *name, const char *address,
    const char *birth, const char *sex, uint8_t *out, size_t outmax,
    size_t *outlen) APDU_WUR;

/* The integrity record (EF 0003): FF30 { DF31 32, DF32 32, DF33 sig }. */
struct apdu_integrity {
	uint8_t mynumber_sha256[32];	/* SHA-256 of EF 0001 (17 bytes) */
	uint8_t basic4_sha256[32];	/* SHA-256 of EF 0002 DF22..end */
	const uint8_t *sig;		/* AP signature, points into input */
	size_t sig_len;			/* 1..512 bytes */
};

/* Parses the integrity record, filler allowed after it as for basic-4. */
int apdu_integrity_parse(const uint8_t *p, size_t len,
    struct apdu_integrity *out) APDU_WUR;

/* Encodes an integrity record; ERR_INVALID_ARG / ERR_TOO_LARGE. */
int apdu_integrity_build(const uint8_t mynumber_sha256[32],
    const uint8_t basic4_sha256[32], const uint8_t *sig, size_t sig_len,
    uint8_t *out, size_t outmax, size_t *outlen) APDU_WUR;

/* ---- PIN rules ---- */

enum apdu_pin_kind {
	APDU_PIN_AUTH = 1,	/* 利用者証明用: exactly 4 digits, 3 tries */
	APDU_PIN_SIGN = 2,	/* 署名用: 6-16 of [A-Z0-9], 5 tries */
	APDU_PIN_TEXT = 3	/* 券面事項入力補助用: exactly 4 digits, 3 tries */
};

/*
 * Returns 0 when pin (len bytes) has the length and alphabet of kind,
 * ERR_PIN_FORMAT otherwise.  The signature password is checked as
 * given: callers upper-case first (apdu_pin_upcase) if they accept lower
 * case from a person.  Not constant-time in the length.
 */
int apdu_pin_check(enum apdu_pin_kind kind, const char *pin, size_t len)
    APDU_WUR;

/* Upper-cases ASCII a-z in place (for the signature password). */
void apdu_pin_upcase(char *pin, size_t len);

/* The card's retry maximum for kind (3 or 5). */
unsigned apdu_pin_max_tries(enum apdu_pin_kind kind);

#endif /* IPPYO_REGISTRY_APDU_H */
