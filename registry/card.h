/*
 * card.h - the PC/SC client for the My Number Card (pcsclite).
 *
 * The only module that includes pcsclite.  It lists readers, waits for a
 * card, identifies it by selecting the JPKI AID (never by ATR), reads
 * certificates by their DER length, queries PIN tries without spending
 * one, verifies PINs, signs a SHA-256 digest with the auth or signature
 * key, and reads the basic-4 record with its integrity check.
 *
 * Every signature the card returns is verified against the certificate
 * read from the same card before it is handed out (ERR_VERIFY
 * otherwise).  PINs are checked for length and alphabet before anything
 * is sent (ERR_PIN_FORMAT: no try spent), and every internal copy of a
 * PIN is wiped; the caller wipes its own buffer.  Card answers go through
 * registry/apdu.h parsers; anything outside the protocol is
 * ERR_CARD_PROTOCOL.
 *
 * Errors: ERR_CARD_ABSENT (no card in the reader), ERR_CARD_REMOVED (card
 * pulled out during an operation), ERR_READER_GONE (reader or pcscd
 * vanished), ERR_PCSC (other PC/SC failures), ERR_TIMEOUT, ERR_PIN_WRONG
 * (*tries_left says how many remain), ERR_PIN_BLOCKED, ERR_PIN_FORMAT,
 * ERR_NOT_FOUND (not a JPKI card), ERR_PERM (file needs a PIN), ERR_WRONG_STATE
 * (another program reset the card during an operation: the handle is
 * reconnected and JPKI-AP re-selected, so retrying the operation works;
 * card_sign and card_read_basic4 reconnect by themselves when the reset
 * happened between operations).
 *
 * Not thread-safe per handle: use one struct card_ctx per thread.
 */
#ifndef IPPYO_REGISTRY_CARD_H
#define IPPYO_REGISTRY_CARD_H

#include <stddef.h>
#include <stdint.h>

#include "registry/apdu.h"

#define CARD_WUR __attribute__((warn_unused_result))

#define CARD_READER_NAME_MAX 128
#define CARD_READERS_MAX 16

struct card_ctx;	/* a PC/SC context */
struct card;		/* a connected JPKI card */

enum card_cert {
	CARD_CERT_AUTH = 1,	/* EF 000A, 利用者証明用 */
	CARD_CERT_AUTH_CA = 2,	/* EF 000B */
	CARD_CERT_SIGN = 3,	/* EF 0001, 署名用: needs the password first */
	CARD_CERT_SIGN_CA = 4	/* EF 0002 */
};

enum card_key {
	CARD_KEY_AUTH = 1,	/* key 0017 under PIN 0018 */
	CARD_KEY_SIGN = 2	/* key 001A under password 001B */
};

/* Opens a PC/SC context.  ERR_PCSC when pcscd is not reachable. */
int card_ctx_new(struct card_ctx **out) CARD_WUR;

/* Releases the context.  Accepts NULL. */
void card_ctx_free(struct card_ctx *ctx);

/*
 * Lists reader names into names[0..*n) (each NUL-terminated, at most
 * CARD_READER_NAME_MAX bytes, at most CARD_READERS_MAX readers).  No
 * readers is 0 with *n = 0.  ERR_READER_GONE when pcscd went away.
 */
int card_list_readers(struct card_ctx *ctx,
    char names[CARD_READERS_MAX][CARD_READER_NAME_MAX], size_t *n) CARD_WUR;

/*
 * Waits up to timeout_ms for a card in reader.  0 when present;
 * ERR_TIMEOUT; ERR_READER_GONE when the reader does not exist (any more).
 */
int card_wait(struct card_ctx *ctx, const char *reader, unsigned timeout_ms)
    CARD_WUR;

/*
 * Connects to the card in reader and identifies it by SELECTing the JPKI
 * AID.  ERR_CARD_ABSENT, ERR_NOT_FOUND (a card, but no JPKI-AP),
 * ERR_READER_GONE, ERR_PCSC.  Caller frees with card_close.
 */
int card_open(struct card_ctx *ctx, const char *reader, struct card **out)
    CARD_WUR;

/* Disconnects (leaving the card powered) and frees.  Accepts NULL. */
void card_close(struct card *c);

/*
 * Reads a certificate: the first 4 bytes give the DER length, then
 * READ BINARY in chunks of at most 256 bytes.  *der is malloc'd (caller
 * frees), at most LIMIT_CERT_DER_MAX bytes.  CARD_CERT_SIGN needs
 * card_verify_pin(APDU_PIN_SIGN) in this session first (else ERR_PERM).
 */
int card_read_cert(struct card *c, enum card_cert which, uint8_t **der,
    size_t *len) CARD_WUR;

/*
 * Tries left for a PIN (APDU_PIN_AUTH, APDU_PIN_SIGN in JPKI-AP;
 * APDU_PIN_TEXT in the text AP), asked with an empty VERIFY that spends
 * nothing.  0 with *tries = 0 means blocked.
 */
int card_pin_tries(struct card *c, enum apdu_pin_kind kind, unsigned *tries)
    CARD_WUR;

/*
 * Verifies pin (len bytes; the signature password is upper-cased on a
 * private copy first) after checking its format.  ERR_PIN_FORMAT (nothing
 * sent), ERR_PIN_WRONG with *tries_left, ERR_PIN_BLOCKED.  tries_left
 * may be NULL.  The verified state lasts until the card is reset,
 * removed, or the application re-selected.
 */
int card_verify_pin(struct card *c, enum apdu_pin_kind kind, const char *pin,
    size_t len, unsigned *tries_left) CARD_WUR;

/*
 * Signs a SHA-256 digest with key: in one PC/SC transaction, VERIFY the
 * key's PIN, COMPUTE DIGITAL SIGNATURE over the DigestInfo, read the
 * matching certificate and check the signature with it.  *sig is
 * malloc'd (caller frees), *sig_len its length (256 for RSA-2048).
 * Errors as card_verify_pin, plus ERR_VERIFY when the card's signature
 * does not verify under its own certificate.
 */
int card_sign(struct card *c, enum card_key key, const char *pin,
    size_t pin_len, const uint8_t digest[32], uint8_t **sig, size_t *sig_len,
    unsigned *tries_left) CARD_WUR;

/*
 * Reads the basic 4 from the card-info input support AP with its 4-digit
 * PIN: VERIFY 0011, read EF 0002 (length from its header) and EF 0003,
 * and check the integrity record's digest of EF 0002 (ERR_VERIFY when it
 * does not match).  The AP signature in EF 0003 is not checked (its key
 * is certified by a J-LIS CV certificate we do not model).  Re-selects
 * JPKI-AP afterwards, which ends every PIN session.
 */
int card_read_basic4(struct card *c, const char *pin, size_t pin_len,
    struct apdu_basic4 *out, unsigned *tries_left) CARD_WUR;

/* The card's ATR (informational only: never identify a card by it). */
int card_atr(struct card *c, uint8_t *atr, size_t max, size_t *len) CARD_WUR;

#endif /* IPPYO_REGISTRY_CARD_H */
