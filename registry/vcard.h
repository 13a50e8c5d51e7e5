/*
 * vcard.h - the virtual My Number Card: its file format and the card
 * state machine that answers APDUs the way the JPKI card does.
 *
 * One card per file.  The file holds everything the card holds: ATR,
 * PINs with their retry counters, private keys, and every EF byte for
 * byte (see docs/CARDS.md for the format).  Retry counters are written
 * back to the file atomically (temporary file, fsync, rename, fsync of
 * the directory) *before* the card answers a VERIFY, so a blocked card
 * stays blocked across restarts and a crash cannot give a try back.
 *
 * Applications: JPKI-AP (D392F000260100000001) and the card-info input
 * support AP (D3921000310001010408).  Commands: SELECT (P1 04 by AID,
 * P1 02 by FID), READ BINARY (15-bit offset or short EF), VERIFY (with
 * data; without data = status 63Cx without spending a try), CHANGE
 * REFERENCE DATA (00 24 01 80), COMPUTE DIGITAL SIGNATURE (80 2A 00 80 or
 * 80 2A 00 80|SFI).  Volatile state (selected AP and EF, verified PINs)
 * is cleared by power off, reset and any SELECT of an application.
 *
 * Safe on untrusted input: a card file is parsed through a bounded vbuf
 * and refused whole when any field breaks the format; an APDU of any
 * bytes gets a status word, never a crash.  PIN comparison is
 * constant-time in the stored PIN's content.
 */
#ifndef IPPYO_REGISTRY_VCARD_H
#define IPPYO_REGISTRY_VCARD_H

#include <stddef.h>
#include <stdint.h>

#define VCARD_WUR __attribute__((warn_unused_result))

/* Format constants of the card file (version 1). */
#define VCARD_MAGIC		"IPPYCARD"	/* 8 bytes */
#define VCARD_VERSION		1
#define VCARD_FILE_MAX		(64u * 1024)	/* whole card file */
#define VCARD_ATR_MAX		33
#define VCARD_PINS_MAX		8
#define VCARD_KEYS_MAX		4
#define VCARD_EFS_MAX		32
#define VCARD_KEY_DER_MAX	4096

/* Applications inside the card file. */
#define VCARD_APP_JPKI		1
#define VCARD_APP_TEXT		2

struct vcard;

/* What `ippyo-card new` puts on a card. All strings NUL-terminated. */
struct vcard_params {
	const uint8_t *atr;		/* ATR bytes */
	size_t atr_len;			/* 2..VCARD_ATR_MAX */
	const char *auth_pin;		/* 4 digits (JPKI 0018) */
	const char *sign_pin;		/* 6-16 [A-Z0-9] (JPKI 001B) */
	const char *text_pin;		/* 4 digits (text AP 0011) */
	const uint8_t *auth_key;	/* PKCS#8 DER (JPKI 0017) */
	size_t auth_key_len;
	const uint8_t *auth_cert;	/* DER (JPKI 000A) */
	size_t auth_cert_len;
	const uint8_t *auth_ca;		/* DER (JPKI 000B) */
	size_t auth_ca_len;
	const uint8_t *sign_key;	/* PKCS#8 DER (JPKI 001A) */
	size_t sign_key_len;
	const uint8_t *sign_cert;	/* DER (JPKI 0001, password) */
	size_t sign_cert_len;
	const uint8_t *sign_ca;		/* DER (JPKI 0002) */
	size_t sign_ca_len;
	const char *my_number;		/* 12 digits (text AP 0001) */
	const char *name;		/* basic 4 (text AP 0002) */
	const char *address;
	const char *birth;		/* YYYYMMDD */
	const char *sex;		/* "1", "2", "9" or "0" */
};

/*
 * Builds a new card from p (a fresh AP key signs the integrity record).
 * ERR_INVALID_ARG when a value breaks its rule (PIN format, My Number
 * check digit, basic-4 rules, key not RSA, size limits).  Caller frees.
 */
int vcard_new(const struct vcard_params *p, struct vcard **out) VCARD_WUR;

/*
 * Loads a card file.  ERR_IO, ERR_TOO_LARGE, ERR_FORMAT, ERR_UNSUPPORTED
 * (other version), ERR_TRUNCATED, ERR_TRAILING_DATA.  Counter changes are
 * saved back to path.  Caller frees.
 */
int vcard_load(const char *path, struct vcard **out) VCARD_WUR;

/* Writes c to path atomically and makes path its home.  0 or ERR_IO. */
int vcard_save(struct vcard *c, const char *path) VCARD_WUR;

/* Parses / encodes the file format in memory (no path; for tests). */
int vcard_from_bytes(const uint8_t *p, size_t len, struct vcard **out)
    VCARD_WUR;
int vcard_to_bytes(const struct vcard *c, uint8_t **out, size_t *len)
    VCARD_WUR;

/* Frees c, wiping PINs and keys.  Accepts NULL. */
void vcard_free(struct vcard *c);

/* The ATR; pointer valid while c lives. */
size_t vcard_atr(const struct vcard *c, const uint8_t **atr);

/* Power events from the reader: all clear the volatile state. */
enum vcard_power { VCARD_POWER_OFF, VCARD_POWER_ON, VCARD_POWER_RESET };
void vcard_power(struct vcard *c, enum vcard_power ev);

/*
 * Answers one command APDU: writes response data + SW1 SW2 to resp (room
 * for respmax >= LIMIT_APDU_RESPONSE_MAX).  Always answers (malformed
 * commands get 6700 / 6E00 / 6D00 / 6A86...); returns 0, or an error only
 * when the caller broke the contract (respmax too small).  A failure to
 * persist a counter answers 6581 (memory failure) and logs.
 */
int vcard_apdu(struct vcard *c, const uint8_t *cmd, size_t len, uint8_t *resp,
    size_t respmax, size_t *resplen) VCARD_WUR;

/* Tries left for the PIN at (app, fid), or ERR_NOT_FOUND.  For tests. */
int vcard_pin_tries(const struct vcard *c, int app, uint16_t fid);

#endif /* IPPYO_REGISTRY_VCARD_H */
