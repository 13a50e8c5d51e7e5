/*
 * card.c - the PC/SC client (the only includer of pcsclite).
 */
#include <stdlib.h>
#include <string.h>

#include <winscard.h>

#include "core/err.h"
#include "core/limits.h"
#include "core/log.h"
#include "crypto/rsa.h"
#include "crypto/x509.h"
#include "registry/apdu.h"
#include "registry/card.h"

/* Answer to a re-sent command: one GET RESPONSE / Le fix-up at most. */
#define CARD_RETRIES 2
/* How long a failed exchange waits for pcscd to report a removal. */
#define CARD_REMOVAL_GRACE_MS 1500

struct card_ctx {
	SCARDCONTEXT h;		/* pcsclite context */
};

struct card {
	struct card_ctx *ctx;	/* the context it was opened in (not owned) */
	SCARDHANDLE h;		/* connection */
	DWORD proto;		/* active protocol (T=0 / T=1) */
	char reader[CARD_READER_NAME_MAX];	/* reader name */
};

/* Maps a PC/SC status to the project error. */
static int
card_err(LONG rv, int absent)
{
	switch (rv) {
	case SCARD_S_SUCCESS:
		return 0;
	case SCARD_W_REMOVED_CARD:
	case SCARD_E_NO_SMARTCARD:
	case SCARD_W_RESET_CARD:
	case SCARD_W_UNPOWERED_CARD:
	case SCARD_W_UNRESPONSIVE_CARD:
		return absent ? ERR_CARD_ABSENT : ERR_CARD_REMOVED;
	case SCARD_E_NO_SERVICE:
	case SCARD_E_SERVICE_STOPPED:
	case SCARD_E_READER_UNAVAILABLE:
	case SCARD_E_UNKNOWN_READER:
	case SCARD_E_NO_READERS_AVAILABLE:
	case SCARD_E_INVALID_HANDLE:
		return ERR_READER_GONE;
	case SCARD_E_TIMEOUT:
		return ERR_TIMEOUT;
	case SCARD_E_INSUFFICIENT_BUFFER:
		return ERR_CARD_PROTOCOL;	/* answer larger than allowed */
	default:
		return ERR_PCSC;
	}
}

int
card_ctx_new(struct card_ctx **out)
{
	struct card_ctx *ctx;
	LONG rv;

	*out = NULL;
	if ((ctx = calloc(1, sizeof(*ctx))) == NULL)
		return ERR_NOMEM;
	rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx->h);
	if (rv != SCARD_S_SUCCESS) {
		log_warn("card.context", LOG_S("pcsc", pcsc_stringify_error(rv)));
		free(ctx);
		return ERR_PCSC;
	}
	*out = ctx;
	return 0;
}

void
card_ctx_free(struct card_ctx *ctx)
{
	if (ctx == NULL)
		return;
	(void)SCardReleaseContext(ctx->h);
	free(ctx);
}

int
card_list_readers(struct card_ctx *ctx,
    char names[CARD_READERS_MAX][CARD_READER_NAME_MAX], size_t *n)
{
	char buf[CARD_READERS_MAX * CARD_READER_NAME_MAX + 1];
	DWORD len = sizeof(buf);
	LONG rv;
	size_t off = 0;

	*n = 0;
	rv = SCardListReaders(ctx->h, NULL, buf, &len);
	if (rv == SCARD_E_NO_READERS_AVAILABLE)
		return 0;
	if (rv != SCARD_S_SUCCESS)
		return card_err(rv, 0);
	if (len == 0 || len > sizeof(buf))
		return ERR_PCSC;
	buf[len - 1] = '\0';	/* the multi-string ends with two NULs */
	while (off < len - 1 && buf[off] != '\0') {
		size_t l = strnlen(buf + off, len - off);

		if (*n == CARD_READERS_MAX || l >= CARD_READER_NAME_MAX)
			return ERR_TOO_LARGE;
		memcpy(names[*n], buf + off, l + 1);
		(*n)++;
		off += l + 1;
	}
	return 0;
}

int
card_wait(struct card_ctx *ctx, const char *reader, unsigned timeout_ms)
{
	SCARD_READERSTATE st;
	LONG rv;

	memset(&st, 0, sizeof(st));
	st.szReader = reader;
	st.dwCurrentState = SCARD_STATE_UNAWARE;
	rv = SCardGetStatusChange(ctx->h, 0, &st, 1);
	if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT)
		return card_err(rv, 1);
	for (;;) {
		if (st.dwEventState & (SCARD_STATE_UNKNOWN | SCARD_STATE_IGNORE))
			return ERR_READER_GONE;
		if (st.dwEventState & SCARD_STATE_PRESENT &&
		    !(st.dwEventState & SCARD_STATE_MUTE))
			return 0;
		st.dwCurrentState = st.dwEventState;
		rv = SCardGetStatusChange(ctx->h, timeout_ms, &st, 1);
		if (rv == SCARD_E_TIMEOUT)
			return ERR_TIMEOUT;
		if (rv != SCARD_S_SUCCESS)
			return card_err(rv, 1);
	}
}

/*
 * A failed transmit: the reader driver reports a vanished card as a
 * communication error, so ask pcscd whether the card is still there.
 */
static int
card_transmit_err(struct card *c, LONG rv)
{
	DWORD state = 0, proto = 0, alen = MAX_ATR_SIZE, rlen = 0;
	BYTE atr[MAX_ATR_SIZE];
	LONG st;
	int r = card_err(rv, 0);

	if (r != ERR_PCSC)
		return r;
	st = SCardStatus(c->h, NULL, &rlen, &state, &proto, atr, &alen);
	if (st != SCARD_S_SUCCESS) {
		r = card_err(st, 0);
		return r == ERR_PCSC ? ERR_CARD_REMOVED : r;
	}
	if (!(state & (SCARD_PRESENT | SCARD_SPECIFIC | SCARD_POWERED)))
		return ERR_CARD_REMOVED;
	/*
	 * pcscd notices a vanished card only at its next presence poll
	 * (about 0.4 s for vpcd): give it that long before calling the
	 * failure something other than a removal.
	 */
	{
		SCARD_READERSTATE rs;

		memset(&rs, 0, sizeof(rs));
		rs.szReader = c->reader;
		rs.dwCurrentState = SCARD_STATE_PRESENT;
		st = SCardGetStatusChange(c->ctx->h, CARD_REMOVAL_GRACE_MS, &rs, 1);
		if (st == SCARD_S_SUCCESS &&
		    (rs.dwEventState & (SCARD_STATE_EMPTY | SCARD_STATE_UNKNOWN)))
			return ERR_CARD_REMOVED;
		if (st != SCARD_S_SUCCESS && st != SCARD_E_TIMEOUT)
			return card_err(st, 0) == ERR_PCSC ? ERR_PCSC :
			    card_err(st, 0);
	}
	log_warn("card.transmit", LOG_S("pcsc", pcsc_stringify_error(rv)));
	return ERR_PCSC;
}

/* Reconnects after another program reset the card (state is lost). */
static int
card_reconnect(struct card *c)
{
	LONG rv = SCardReconnect(c->h, SCARD_SHARE_SHARED,
	    SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, SCARD_LEAVE_CARD, &c->proto);

	log_info("card.reconnect", LOG_S("reader", c->reader));
	return card_err(rv, 0);
}

/* SELECT JPKI-AP straight through PC/SC, answer ignored (after reset). */
static void
card_select_app_raw(struct card *c)
{
	uint8_t cmd[5 + APDU_AID_LEN] = { 0x00, 0xA4, 0x04, 0x0C, APDU_AID_LEN };
	uint8_t resp[LIMIT_APDU_RESPONSE_MAX];
	DWORD n = sizeof(resp);

	memcpy(cmd + 5, apdu_aid_jpki, APDU_AID_LEN);
	(void)SCardTransmit(c->h, c->proto == SCARD_PROTOCOL_T0 ?
	    SCARD_PCI_T0 : SCARD_PCI_T1, cmd, sizeof(cmd), NULL, resp, &n);
}

/*
 * Sends one command and parses the answer.  Copies the response data to
 * data (room for LIMIT_APDU_RESPONSE_MAX - 2), sets *dlen and *sw.
 * Follows 61xx (GET RESPONSE) and 6Cxx (resend with the right Le) once.
 */
static int
card_transmit(struct card *c, const struct apdu_cmd *cmd, uint8_t *data,
    size_t *dlen, uint16_t *sw)
{
	int r = ERR_INTERNAL, tries;
	uint8_t out[LIMIT_APDU_COMMAND_MAX], in[LIMIT_APDU_RESPONSE_MAX];
	struct apdu_cmd cur = *cmd;
	const uint8_t *d;
	size_t olen, n;
	DWORD ilen;
	LONG rv;

	*dlen = 0;
	*sw = 0;
	for (tries = 0; tries <= CARD_RETRIES; tries++) {
		if ((r = apdu_cmd_build(&cur, out, sizeof(out), &olen)) != 0)
			goto out;
		ilen = sizeof(in);
		rv = SCardTransmit(c->h, c->proto == SCARD_PROTOCOL_T0 ?
		    SCARD_PCI_T0 : SCARD_PCI_T1, out, (DWORD)olen, NULL, in,
		    &ilen);
		if (rv == SCARD_W_RESET_CARD) {
			/* Another program reset the card: the selected AP and
			 * any verified PIN are gone, so this exchange cannot
			 * continue; the next operation works again. */
			r = card_reconnect(c);
			if (r == 0)
				(void)card_select_app_raw(c);
			r = r == 0 ? ERR_WRONG_STATE : r;
			goto out;
		}
		if (rv != SCARD_S_SUCCESS) {
			r = card_transmit_err(c, rv);
			goto out;
		}
		if ((r = apdu_resp_parse(in, ilen, &d, &n, sw)) != 0) {
			r = ERR_CARD_PROTOCOL;
			goto out;
		}
		if ((*sw & 0xFF00) == 0x6100 && tries < CARD_RETRIES) {
			cur = (struct apdu_cmd){ .cla = 0x00, .ins = 0xC0,
			    .le = (*sw & 0xFF) == 0 ? 256 : (*sw & 0xFF) };
			continue;
		}
		if ((*sw & 0xFF00) == 0x6C00 && tries < CARD_RETRIES) {
			cur.le = (*sw & 0xFF) == 0 ? 256 : (*sw & 0xFF);
			continue;
		}
		/* More data than asked for is outside the protocol. */
		if (cur.le > 0 ? n > cur.le : n > 0) {
			r = ERR_CARD_PROTOCOL;
			goto out;
		}
		if (n > 0)
			memcpy(data, d, n);
		*dlen = n;
		r = 0;
		goto out;
	}
	r = ERR_CARD_PROTOCOL;
 out:
	explicit_bzero(out, sizeof(out));	/* may have held a PIN */
	explicit_bzero(in, sizeof(in));
	return r;
}

/* Sends a command that must answer 9000 with no data. */
static int
card_simple(struct card *c, const struct apdu_cmd *cmd)
{
	uint8_t d[LIMIT_APDU_RESPONSE_MAX];
	size_t n;
	uint16_t sw;
	int r;

	if ((r = card_transmit(c, cmd, d, &n, &sw)) != 0)
		return r;
	if (sw != APDU_SW_OK)
		return apdu_sw_err(sw);
	return n == 0 ? 0 : ERR_CARD_PROTOCOL;
}

static int
card_select_app(struct card *c, const uint8_t aid[APDU_AID_LEN])
{
	struct apdu_cmd cmd = { .cla = 0x00, .ins = 0xA4, .p1 = 0x04,
	    .p2 = 0x0C, .data = aid, .lc = APDU_AID_LEN };

	return card_simple(c, &cmd);
}

static int
card_select_ef(struct card *c, uint16_t fid)
{
	uint8_t f[2] = { (uint8_t)(fid >> 8), (uint8_t)fid };
	struct apdu_cmd cmd = { .cla = 0x00, .ins = 0xA4, .p1 = 0x02,
	    .p2 = 0x0C, .data = f, .lc = 2 };

	return card_simple(c, &cmd);
}

int
card_open(struct card_ctx *ctx, const char *reader, struct card **out)
{
	int r = ERR_INTERNAL;
	struct card *c = NULL;
	size_t rl = strlen(reader);
	LONG rv;

	*out = NULL;
	if (rl >= CARD_READER_NAME_MAX)
		return ERR_INVALID_ARG;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return ERR_NOMEM;
	c->ctx = ctx;
	memcpy(c->reader, reader, rl + 1);
	rv = SCardConnect(ctx->h, reader, SCARD_SHARE_SHARED,
	    SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &c->h, &c->proto);
	if (rv != SCARD_S_SUCCESS) {
		r = card_err(rv, 1);
		free(c);
		return r;
	}
	/* Identify by the JPKI AID, never by the ATR. */
	if ((r = card_select_app(c, apdu_aid_jpki)) != 0) {
		if (r == ERR_PIN_WRONG || r == ERR_PIN_BLOCKED || r == ERR_PERM)
			r = ERR_CARD_PROTOCOL;
		card_close(c);
		return r;
	}
	*out = c;
	return 0;
}

void
card_close(struct card *c)
{
	if (c == NULL)
		return;
	(void)SCardDisconnect(c->h, SCARD_LEAVE_CARD);
	explicit_bzero(c, sizeof(*c));
	free(c);
}

int
card_atr(struct card *c, uint8_t *atr, size_t max, size_t *len)
{
	BYTE buf[MAX_ATR_SIZE];
	DWORD alen = sizeof(buf), state, proto, rlen = 0;
	LONG rv;

	*len = 0;
	rv = SCardStatus(c->h, NULL, &rlen, &state, &proto, buf, &alen);
	if (rv != SCARD_S_SUCCESS)
		return card_err(rv, 0);
	if (alen > max)
		return ERR_TOO_LARGE;
	memcpy(atr, buf, alen);
	*len = alen;
	return 0;
}

/*
 * Reads the current EF in full: total size from the first bytes (a DER
 * certificate when der, a BER-TLV record otherwise), then chunks.
 */
static int
card_read_current(struct card *c, int der, uint8_t **out, size_t *len)
{
	int r = ERR_INTERNAL;
	uint8_t d[LIMIT_APDU_RESPONSE_MAX], *buf = NULL;
	size_t n, total = 0, off = 0, want;
	uint16_t sw;
	struct apdu_cmd cmd = { .cla = 0x00, .ins = 0xB0, .le = der ? 4 : 7 };

	*out = NULL;
	*len = 0;
	if ((r = card_transmit(c, &cmd, d, &n, &sw)) != 0)
		return r;
	if (sw != APDU_SW_OK)
		return apdu_sw_err(sw);
	r = der ? apdu_der_total_len(d, n, &total) :
	    apdu_tlv_total_len(d, n, &total);
	if (r != 0)
		return r == ERR_TOO_LARGE ? ERR_TOO_LARGE : ERR_CARD_PROTOCOL;
	if ((buf = malloc(total)) == NULL)
		return ERR_NOMEM;
	while (off < total) {
		want = total - off < 256 ? total - off : 256;
		cmd = (struct apdu_cmd){ .cla = 0x00, .ins = 0xB0,
		    .p1 = (uint8_t)(off >> 8), .p2 = (uint8_t)off, .le = want };
		if (off > 0x7FFF) {
			r = ERR_TOO_LARGE;
			goto out;
		}
		if ((r = card_transmit(c, &cmd, d, &n, &sw)) != 0)
			goto out;
		if (sw != APDU_SW_OK) {
			r = sw == APDU_SW_OFFSET ? ERR_CARD_PROTOCOL :
			    apdu_sw_err(sw);
			goto out;
		}
		if (n == 0) {		/* the file is shorter than it says */
			r = ERR_CARD_PROTOCOL;
			goto out;
		}
		memcpy(buf + off, d, n);
		off += n;
	}
	*out = buf;
	*len = total;
	buf = NULL;
	r = 0;
 out:
	free(buf);
	return r;
}

static uint16_t
card_cert_fid(enum card_cert which)
{
	switch (which) {
	case CARD_CERT_AUTH:
		return 0x000A;
	case CARD_CERT_AUTH_CA:
		return 0x000B;
	case CARD_CERT_SIGN:
		return 0x0001;
	case CARD_CERT_SIGN_CA:
		return 0x0002;
	}
	return 0;
}

int
card_read_cert(struct card *c, enum card_cert which, uint8_t **der,
    size_t *len)
{
	uint16_t fid = card_cert_fid(which);
	int r;

	*der = NULL;
	*len = 0;
	if (fid == 0)
		return ERR_INVALID_ARG;
	if ((r = card_select_ef(c, fid)) != 0)
		return r;
	return card_read_current(c, 1, der, len);
}

/* Selects the PIN EF of kind in the current application. */
static int
card_select_pin(struct card *c, enum apdu_pin_kind kind)
{
	switch (kind) {
	case APDU_PIN_AUTH:
		return card_select_ef(c, 0x0018);
	case APDU_PIN_SIGN:
		return card_select_ef(c, 0x001B);
	case APDU_PIN_TEXT:
		return card_select_ef(c, 0x0011);
	}
	return ERR_INVALID_ARG;
}

/* Empty VERIFY of the selected PIN: tries from 63Cx. */
static int
card_tries_selected(struct card *c, unsigned *tries)
{
	struct apdu_cmd cmd = { .cla = 0x00, .ins = 0x20, .p1 = 0x00,
	    .p2 = 0x80 };
	uint8_t d[LIMIT_APDU_RESPONSE_MAX];
	size_t n;
	uint16_t sw;
	int r;

	*tries = 0;
	if ((r = card_transmit(c, &cmd, d, &n, &sw)) != 0)
		return r;
	if ((sw & 0xFFF0) == 0x63C0 && n == 0) {
		*tries = sw & 0x0F;
		return 0;
	}
	if (sw == APDU_SW_BLOCKED)
		return 0;
	return ERR_CARD_PROTOCOL;	/* 9000 to an empty VERIFY, etc. */
}

int
card_pin_tries(struct card *c, enum apdu_pin_kind kind, unsigned *tries)
{
	int r;

	*tries = 0;
	if (kind == APDU_PIN_TEXT) {
		if ((r = card_select_app(c, apdu_aid_text)) != 0)
			return r;
		r = card_select_pin(c, kind);
		if (r == 0)
			r = card_tries_selected(c, tries);
		/* Back to JPKI-AP, as after card_open. */
		{
			int r2 = card_select_app(c, apdu_aid_jpki);

			if (r == 0)
				r = r2;
		}
		return r;
	}
	if ((r = card_select_pin(c, kind)) != 0)
		return r;
	return card_tries_selected(c, tries);
}

/* VERIFY of the selected PIN with pin (already format-checked). */
static int
card_verify_selected(struct card *c, const char *pin, size_t len,
    unsigned *tries_left)
{
	struct apdu_cmd cmd = { .cla = 0x00, .ins = 0x20, .p1 = 0x00,
	    .p2 = 0x80, .data = (const uint8_t *)pin, .lc = len };
	uint8_t d[LIMIT_APDU_RESPONSE_MAX];
	size_t n;
	uint16_t sw;
	int r;

	if ((r = card_transmit(c, &cmd, d, &n, &sw)) != 0)
		return r;
	if (n != 0)
		return ERR_CARD_PROTOCOL;
	if ((sw & 0xFFF0) == 0x63C0 && tries_left != NULL)
		*tries_left = sw & 0x0F;
	return apdu_sw_err(sw);
}

/*
 * Format check on a private copy (upper-cased for the signature
 * password), select, verify.  The copy is wiped on every path.
 */
static int
card_verify_in_app(struct card *c, enum apdu_pin_kind kind, const char *pin,
    size_t len, unsigned *tries_left)
{
	char copy[LIMIT_PIN_SIGN_LEN_MAX];
	int r = ERR_INTERNAL;

	if (tries_left != NULL)
		*tries_left = 0;
	if (len > sizeof(copy))
		return ERR_PIN_FORMAT;
	memcpy(copy, pin, len);
	if (kind == APDU_PIN_SIGN)
		apdu_pin_upcase(copy, len);
	if ((r = apdu_pin_check(kind, copy, len)) != 0)
		goto out;
	if ((r = card_select_pin(c, kind)) != 0)
		goto out;
	r = card_verify_selected(c, copy, len, tries_left);
 out:
	explicit_bzero(copy, sizeof(copy));
	return r;
}

int
card_verify_pin(struct card *c, enum apdu_pin_kind kind, const char *pin,
    size_t len, unsigned *tries_left)
{
	if (kind == APDU_PIN_TEXT)
		return ERR_INVALID_ARG;	/* use card_read_basic4 */
	return card_verify_in_app(c, kind, pin, len, tries_left);
}

/*
 * Begins a transaction.  Every transaction starts from SELECT of an
 * application, so a card reset by someone else since the last one is
 * simply reconnected.
 */
static int
card_begin(struct card *c)
{
	LONG rv = SCardBeginTransaction(c->h);
	int r;

	if (rv == SCARD_W_RESET_CARD) {
		if ((r = card_reconnect(c)) != 0)
			return r;
		rv = SCardBeginTransaction(c->h);
	}
	return card_err(rv, 0);
}

static void
card_end(struct card *c)
{
	(void)SCardEndTransaction(c->h, SCARD_LEAVE_CARD);
}

int
card_sign(struct card *c, enum card_key key, const char *pin, size_t pin_len,
    const uint8_t digest[32], uint8_t **sig, size_t *sig_len,
    unsigned *tries_left)
{
	int r = ERR_INTERNAL, began = 0;
	enum apdu_pin_kind kind = key == CARD_KEY_SIGN ? APDU_PIN_SIGN :
	    APDU_PIN_AUTH;
	uint8_t di[RSA_DIGESTINFO_SHA256_LEN], d[LIMIT_APDU_RESPONSE_MAX];
	uint8_t *cert = NULL, *out = NULL;
	size_t n, certlen = 0;
	uint16_t sw;
	struct x509_cert *x = NULL;
	struct rsa_pub *pub = NULL;
	struct apdu_cmd cmd;

	*sig = NULL;
	*sig_len = 0;
	if (tries_left != NULL)
		*tries_left = 0;
	if (key != CARD_KEY_AUTH && key != CARD_KEY_SIGN)
		return ERR_INVALID_ARG;
	/* Refuse a malformed PIN before touching the card. */
	{
		char copy[LIMIT_PIN_SIGN_LEN_MAX];

		if (pin_len > sizeof(copy))
			return ERR_PIN_FORMAT;
		memcpy(copy, pin, pin_len);
		if (kind == APDU_PIN_SIGN)
			apdu_pin_upcase(copy, pin_len);
		r = apdu_pin_check(kind, copy, pin_len);
		explicit_bzero(copy, sizeof(copy));
		if (r != 0)
			return r;
	}
	if ((r = card_begin(c)) != 0)
		return r;
	began = 1;
	/* A fresh session: re-select the AP so no older state counts. */
	if ((r = card_select_app(c, apdu_aid_jpki)) != 0 ||
	    (r = card_verify_in_app(c, kind, pin, pin_len, tries_left)) != 0 ||
	    (r = card_select_ef(c, key == CARD_KEY_SIGN ? 0x001A : 0x0017)) != 0)
		goto out;
	rsa_digestinfo_sha256(digest, di);
	cmd = (struct apdu_cmd){ .cla = 0x80, .ins = 0x2A, .p1 = 0x00,
	    .p2 = 0x80, .data = di, .lc = sizeof(di), .le = 256 };
	if ((r = card_transmit(c, &cmd, d, &n, &sw)) != 0)
		goto out;
	if (sw != APDU_SW_OK) {
		r = apdu_sw_err(sw);
		if (r == ERR_PIN_WRONG || r == ERR_PIN_BLOCKED)
			r = ERR_CARD_PROTOCOL;
		goto out;
	}
	/* Check the signature with the card's own certificate. */
	if ((r = card_read_cert(c, key == CARD_KEY_SIGN ? CARD_CERT_SIGN :
	    CARD_CERT_AUTH, &cert, &certlen)) != 0)
		goto out;
	if ((r = x509_cert_from_der(cert, certlen, &x)) != 0 ||
	    (r = x509_cert_pubkey(x, &pub)) != 0) {
		r = ERR_CARD_PROTOCOL;
		goto out;
	}
	if (rsa_verify_pkcs1(pub, di, sizeof(di), d, n) != 0) {
		log_warn("card.sign_unverified", LOG_S("reader", c->reader));
		r = ERR_VERIFY;
		goto out;
	}
	if ((out = malloc(n)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	memcpy(out, d, n);
	*sig = out;
	*sig_len = n;
	r = 0;
 out:
	if (began) {
		/* End the PIN session: re-select the AP (logout). */
		if (r != ERR_CARD_REMOVED && r != ERR_READER_GONE)
			(void)card_select_app(c, apdu_aid_jpki);
		card_end(c);
	}
	rsa_pub_free(pub);
	x509_cert_free(x);
	free(cert);
	return r;
}

int
card_read_basic4(struct card *c, const char *pin, size_t pin_len,
    struct apdu_basic4 *out, unsigned *tries_left)
{
	int r = ERR_INTERNAL;
	uint8_t *b4 = NULL, *integ = NULL, h[32];
	size_t b4len = 0, integlen = 0;
	struct apdu_integrity in;

	memset(out, 0, sizeof(*out));
	if (tries_left != NULL)
		*tries_left = 0;
	{
		char copy[LIMIT_PIN_AUTH_LEN + 1];

		if (pin_len != LIMIT_PIN_AUTH_LEN)
			return ERR_PIN_FORMAT;
		memcpy(copy, pin, pin_len);
		r = apdu_pin_check(APDU_PIN_TEXT, copy, pin_len);
		explicit_bzero(copy, sizeof(copy));
		if (r != 0)
			return r;
	}
	if ((r = card_begin(c)) != 0)
		return r;
	if ((r = card_select_app(c, apdu_aid_text)) != 0 ||
	    (r = card_verify_in_app(c, APDU_PIN_TEXT, pin, pin_len,
	    tries_left)) != 0 ||
	    (r = card_select_ef(c, 0x0002)) != 0 ||
	    (r = card_read_current(c, 0, &b4, &b4len)) != 0 ||
	    (r = card_select_ef(c, 0x0003)) != 0 ||
	    (r = card_read_current(c, 0, &integ, &integlen)) != 0)
		goto out;
	if (apdu_basic4_parse(b4, b4len, out) != 0 ||
	    apdu_integrity_parse(integ, integlen, &in) != 0) {
		r = ERR_CARD_PROTOCOL;
		goto out;
	}
	if ((r = rsa_sha256(b4 + out->body_off, out->body_end - out->body_off,
	    h)) != 0)
		goto out;
	if (memcmp(h, in.basic4_sha256, sizeof(h)) != 0) {
		r = ERR_VERIFY;
		goto out;
	}
	r = 0;
 out:
	if (r != 0)
		memset(out, 0, sizeof(*out));
	if (r != ERR_CARD_REMOVED && r != ERR_READER_GONE)
		(void)card_select_app(c, apdu_aid_jpki);
	card_end(c);
	if (b4 != NULL)
		explicit_bzero(b4, b4len);
	free(b4);
	free(integ);
	return r;
}
