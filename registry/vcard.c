/*
 * vcard.c - the virtual My Number Card.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/misuse.h"
#include "core/vbuf.h"
#include "crypto/rsa.h"
#include "registry/apdu.h"
#include "registry/vcard.h"

#define SW_MEMORY_FAILURE	0x6581	/* could not persist */
#define SW_SECURE_MESSAGING	0x6882	/* SM not supported */

/* PIN kinds in the file: the apdu_pin_kind values. */

struct vcard_pin {
	uint8_t app;		/* VCARD_APP_* */
	uint16_t fid;		/* key reference, e.g. 0x0018 */
	uint8_t kind;		/* enum apdu_pin_kind */
	uint8_t max_tries;	/* 3 or 5 */
	uint8_t tries;		/* tries left; 0 = blocked */
	char value[LIMIT_PIN_SIGN_LEN_MAX + 1];	/* the PIN, NUL-ended */
	size_t len;		/* strlen(value) */
};

struct vcard_key {
	uint8_t app;		/* VCARD_APP_* */
	uint16_t fid;		/* key EF, e.g. 0x0017 */
	uint16_t pin_fid;	/* PIN that opens it */
	uint8_t *der;		/* PKCS#8 DER, kept for saving */
	size_t der_len;
	struct rsa_key *key;	/* parsed */
};

struct vcard_ef {
	uint8_t app;		/* VCARD_APP_* */
	uint16_t fid;		/* EF id */
	uint16_t read_pin;	/* PIN fid needed to read, 0 = free */
	uint8_t *data;		/* contents */
	size_t len;
};

enum vcard_cur { CUR_NONE, CUR_EF, CUR_PIN, CUR_KEY };

struct vcard {
	char *path;		/* home file, NULL when in memory only */
	uint8_t atr[VCARD_ATR_MAX];	/* answer to reset */
	size_t atr_len;
	struct vcard_pin pins[VCARD_PINS_MAX];
	size_t npins;
	struct vcard_key keys[VCARD_KEYS_MAX];
	size_t nkeys;
	struct vcard_ef efs[VCARD_EFS_MAX];
	size_t nefs;
	/* volatile state, cleared on power events and AP selection */
	uint8_t app;		/* selected application, 0 none */
	enum vcard_cur cur;	/* kind of current EF */
	size_t cur_idx;		/* its index in pins/keys/efs */
	uint32_t verified;	/* bit i: pins[i] verified this session */
};

/* ---- helpers ---- */

static void
vcard_clear_volatile(struct vcard *c)
{
	c->app = 0;
	c->cur = CUR_NONE;
	c->cur_idx = 0;
	c->verified = 0;
}

static struct vcard_pin *
vcard_find_pin(struct vcard *c, uint8_t app, uint16_t fid, size_t *idx)
{
	size_t i;

	for (i = 0; i < c->npins; i++)
		if (c->pins[i].app == app && c->pins[i].fid == fid) {
			if (idx)
				*idx = i;
			return &c->pins[i];
		}
	return NULL;
}

static int
vcard_pin_verified(const struct vcard *c, uint8_t app, uint16_t fid)
{
	size_t i;

	for (i = 0; i < c->npins; i++)
		if (c->pins[i].app == app && c->pins[i].fid == fid)
			return (c->verified >> i) & 1;
	return 0;
}

/* Constant-time in the stored value; the length is not secret here. */
static int
vcard_pin_equal(const struct vcard_pin *p, const uint8_t *v, size_t n)
{
	volatile uint8_t d = 0;
	size_t i;

	if (n != p->len)
		return 0;
	for (i = 0; i < n; i++)
		d |= (uint8_t)(p->value[i] ^ v[i]);
	return d == 0;
}

/* My Number check digit (番号法施行令 §8). */
static int
vcard_my_number_ok(const char *s)
{
	unsigned sum = 0, n, q, rem, check;

	if (strlen(s) != 12)
		return 0;
	for (n = 0; n < 12; n++)
		if (s[n] < '0' || s[n] > '9')
			return 0;
	for (n = 1; n <= 11; n++) {
		q = n <= 6 ? n + 1 : n - 5;
		sum += (unsigned)(s[11 - n] - '0') * q;
	}
	rem = sum % 11;
	check = rem <= 1 ? 0 : 11 - rem;
	return (unsigned)(s[11] - '0') == check;
}

/* ---- the file format ---- */

int
vcard_to_bytes(const struct vcard *c, uint8_t **out, size_t *len)
{
	int r = ERR_INTERNAL;
	struct vbuf *b = NULL;
	size_t i;

	*out = NULL;
	*len = 0;
	if ((b = vbuf_new(VCARD_FILE_MAX)) == NULL)
		return ERR_NOMEM;
	if ((r = vbuf_put(b, VCARD_MAGIC, 8)) != 0 ||
	    (r = vbuf_put_u16(b, VCARD_VERSION)) != 0 ||
	    (r = vbuf_put_u16(b, 0)) != 0 ||
	    (r = vbuf_put_string(b, c->atr, c->atr_len)) != 0 ||
	    (r = vbuf_put_u8(b, (uint8_t)c->npins)) != 0)
		goto out;
	for (i = 0; i < c->npins; i++) {
		const struct vcard_pin *p = &c->pins[i];

		if ((r = vbuf_put_u8(b, p->app)) != 0 ||
		    (r = vbuf_put_u16(b, p->fid)) != 0 ||
		    (r = vbuf_put_u8(b, p->kind)) != 0 ||
		    (r = vbuf_put_u8(b, p->max_tries)) != 0 ||
		    (r = vbuf_put_u8(b, p->tries)) != 0 ||
		    (r = vbuf_put_string(b, p->value, p->len)) != 0)
			goto out;
	}
	if ((r = vbuf_put_u8(b, (uint8_t)c->nkeys)) != 0)
		goto out;
	for (i = 0; i < c->nkeys; i++) {
		const struct vcard_key *k = &c->keys[i];

		if ((r = vbuf_put_u8(b, k->app)) != 0 ||
		    (r = vbuf_put_u16(b, k->fid)) != 0 ||
		    (r = vbuf_put_u16(b, k->pin_fid)) != 0 ||
		    (r = vbuf_put_string(b, k->der, k->der_len)) != 0)
			goto out;
	}
	if ((r = vbuf_put_u8(b, (uint8_t)c->nefs)) != 0)
		goto out;
	for (i = 0; i < c->nefs; i++) {
		const struct vcard_ef *e = &c->efs[i];

		if ((r = vbuf_put_u8(b, e->app)) != 0 ||
		    (r = vbuf_put_u16(b, e->fid)) != 0 ||
		    (r = vbuf_put_u16(b, e->read_pin)) != 0 ||
		    (r = vbuf_put_string(b, e->data, e->len)) != 0)
			goto out;
	}
	if ((*out = malloc(vbuf_len(b))) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	*len = vbuf_len(b);
	memcpy(*out, vbuf_ptr(b), *len);
	r = 0;
 out:
	vbuf_free(b);		/* wipes: the buffer held PINs and keys */
	return r;
}

static int
vcard_app_ok(uint8_t app)
{
	return app == VCARD_APP_JPKI || app == VCARD_APP_TEXT;
}

/* Checks the cross-references once everything is read. */
static int
vcard_check(const struct vcard *c)
{
	size_t i, j;

	for (i = 0; i < c->npins; i++)
		for (j = i + 1; j < c->npins; j++)
			if (c->pins[i].app == c->pins[j].app &&
			    c->pins[i].fid == c->pins[j].fid)
				return ERR_FORMAT;
	for (i = 0; i < c->nkeys; i++) {
		const struct vcard_key *k = &c->keys[i];
		const struct vcard_pin *p = NULL;

		for (j = 0; j < c->npins; j++)
			if (c->pins[j].app == k->app &&
			    c->pins[j].fid == k->pin_fid)
				p = &c->pins[j];
		if (p == NULL)
			return ERR_FORMAT;
	}
	for (i = 0; i < c->nefs; i++) {
		const struct vcard_ef *e = &c->efs[i];

		for (j = i + 1; j < c->nefs; j++)
			if (c->efs[j].app == e->app && c->efs[j].fid == e->fid)
				return ERR_FORMAT;
		if (e->read_pin == 0)
			continue;
		for (j = 0; j < c->npins; j++)
			if (c->pins[j].app == e->app &&
			    c->pins[j].fid == e->read_pin)
				break;
		if (j == c->npins)
			return ERR_FORMAT;
	}
	return 0;
}

int
vcard_from_bytes(const uint8_t *p, size_t len, struct vcard **out)
{
	int r = ERR_INTERNAL;
	struct vbuf *b = NULL;
	struct vcard *c = NULL;
	uint8_t magic[8], n;
	uint16_t version, flags;
	const uint8_t *s;
	size_t slen, i;

	*out = NULL;
	if (len > VCARD_FILE_MAX)
		return ERR_TOO_LARGE;
	if ((b = vbuf_from(p, len)) == NULL)
		return ERR_NOMEM;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if ((r = vbuf_get(b, magic, 8)) != 0)
		goto out;
	if (memcmp(magic, VCARD_MAGIC, 8) != 0) {
		r = ERR_FORMAT;
		goto out;
	}
	if ((r = vbuf_get_u16(b, &version)) != 0 ||
	    (r = vbuf_get_u16(b, &flags)) != 0)
		goto out;
	if (version != VCARD_VERSION) {
		r = ERR_UNSUPPORTED;
		goto out;
	}
	if (flags != 0) {
		r = ERR_FORMAT;
		goto out;
	}
	if ((r = vbuf_get_string_direct(b, VCARD_ATR_MAX, &s, &slen)) != 0)
		goto out;
	if (slen < 2 || s[0] != 0x3B) {
		r = ERR_FORMAT;
		goto out;
	}
	memcpy(c->atr, s, slen);
	c->atr_len = slen;

	if ((r = vbuf_get_u8(b, &n)) != 0)
		goto out;
	if (n > VCARD_PINS_MAX) {
		r = ERR_TOO_LARGE;
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct vcard_pin *pin = &c->pins[i];

		c->npins = i + 1;
		if ((r = vbuf_get_u8(b, &pin->app)) != 0 ||
		    (r = vbuf_get_u16(b, &pin->fid)) != 0 ||
		    (r = vbuf_get_u8(b, &pin->kind)) != 0 ||
		    (r = vbuf_get_u8(b, &pin->max_tries)) != 0 ||
		    (r = vbuf_get_u8(b, &pin->tries)) != 0 ||
		    (r = vbuf_get_string_direct(b, LIMIT_PIN_SIGN_LEN_MAX, &s,
		    &slen)) != 0)
			goto out;
		memcpy(pin->value, s, slen);
		pin->len = slen;
		if (!vcard_app_ok(pin->app) || pin->fid == 0 ||
		    (pin->kind != APDU_PIN_AUTH && pin->kind != APDU_PIN_SIGN &&
		    pin->kind != APDU_PIN_TEXT) ||
		    pin->max_tries != apdu_pin_max_tries(pin->kind) ||
		    pin->tries > pin->max_tries ||
		    apdu_pin_check(pin->kind, pin->value, pin->len) != 0) {
			r = ERR_FORMAT;
			goto out;
		}
	}

	if ((r = vbuf_get_u8(b, &n)) != 0)
		goto out;
	if (n > VCARD_KEYS_MAX) {
		r = ERR_TOO_LARGE;
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct vcard_key *k = &c->keys[i];

		c->nkeys = i + 1;
		if ((r = vbuf_get_u8(b, &k->app)) != 0 ||
		    (r = vbuf_get_u16(b, &k->fid)) != 0 ||
		    (r = vbuf_get_u16(b, &k->pin_fid)) != 0 ||
		    (r = vbuf_get_string_direct(b, VCARD_KEY_DER_MAX, &s,
		    &slen)) != 0)
			goto out;
		if (!vcard_app_ok(k->app) || k->fid == 0 || slen == 0) {
			r = ERR_FORMAT;
			goto out;
		}
		if ((k->der = malloc(slen)) == NULL) {
			r = ERR_NOMEM;
			goto out;
		}
		memcpy(k->der, s, slen);
		k->der_len = slen;
		if ((r = rsa_key_from_der(k->der, k->der_len, &k->key)) != 0) {
			r = r == ERR_NOMEM ? r : ERR_FORMAT;
			goto out;
		}
	}

	if ((r = vbuf_get_u8(b, &n)) != 0)
		goto out;
	if (n > VCARD_EFS_MAX) {
		r = ERR_TOO_LARGE;
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct vcard_ef *e = &c->efs[i];

		c->nefs = i + 1;
		if ((r = vbuf_get_u8(b, &e->app)) != 0 ||
		    (r = vbuf_get_u16(b, &e->fid)) != 0 ||
		    (r = vbuf_get_u16(b, &e->read_pin)) != 0 ||
		    (r = vbuf_get_string_direct(b, LIMIT_CARD_FILE_MAX, &s,
		    &slen)) != 0)
			goto out;
		if (!vcard_app_ok(e->app) || e->fid == 0 || slen == 0) {
			r = ERR_FORMAT;
			goto out;
		}
		if ((e->data = malloc(slen)) == NULL) {
			r = ERR_NOMEM;
			goto out;
		}
		memcpy(e->data, s, slen);
		e->len = slen;
	}
	if ((r = vbuf_expect_end(b)) != 0 || (r = vcard_check(c)) != 0)
		goto out;
	*out = c;
	c = NULL;
	r = 0;
 out:
	vcard_free(c);
	vbuf_free(b);
	return r;
}

void
vcard_free(struct vcard *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nkeys; i++) {
		rsa_key_free(c->keys[i].key);
		if (c->keys[i].der != NULL)
			explicit_bzero(c->keys[i].der, c->keys[i].der_len);
		free(c->keys[i].der);
	}
	for (i = 0; i < c->nefs; i++)
		free(c->efs[i].data);
	free(c->path);
	explicit_bzero(c, sizeof(*c));
	free(c);
}

static int
vcard_write_atomic(const char *path, const uint8_t *p, size_t len)
{
	int r = ERR_IO, fd = -1, dfd = -1;
	char tmp[4096], dir[4096];
	size_t off = 0;
	const char *slash;
	int n;

	n = snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return ERR_INVALID_ARG;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
		goto out;
	while (off < len) {
		ssize_t w = write(fd, p + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto out;
		off += (size_t)w;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto out;
	slash = strrchr(path, '/');
	if (slash == NULL) {
		dir[0] = '.';
		dir[1] = '\0';
	} else {
		size_t dl = (size_t)(slash - path);

		if (dl >= sizeof(dir))
			goto out;
		memcpy(dir, path, dl == 0 ? 1 : dl);
		dir[dl == 0 ? 1 : dl] = '\0';
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    fsync(dfd) != 0)
		goto out;
	r = 0;
 out:
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	if (dfd >= 0)
		close(dfd);
	return r;
}

int
vcard_save(struct vcard *c, const char *path)
{
	int r = ERR_INTERNAL;
	uint8_t *p = NULL;
	size_t len = 0;
	char *dup = NULL;

	if (path != NULL && (c->path == NULL || strcmp(path, c->path) != 0)) {
		if ((dup = strdup(path)) == NULL)
			return ERR_NOMEM;
	}
	if ((r = vcard_to_bytes(c, &p, &len)) != 0)
		goto out;
	if ((r = vcard_write_atomic(path != NULL ? path : c->path, p, len)) != 0)
		goto out;
	if (dup != NULL) {
		free(c->path);
		c->path = dup;
		dup = NULL;
	}
	r = 0;
 out:
	if (p != NULL)
		explicit_bzero(p, len);
	free(p);
	free(dup);
	return r;
}

int
vcard_load(const char *path, struct vcard **out)
{
	int r = ERR_IO, fd = -1;
	uint8_t *buf = NULL;
	size_t len = 0;
	struct vcard *c = NULL;

	*out = NULL;
	if ((buf = malloc(VCARD_FILE_MAX + 1)) == NULL)
		return ERR_NOMEM;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		goto out;
	for (;;) {
		ssize_t n = read(fd, buf + len, VCARD_FILE_MAX + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto out;
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > VCARD_FILE_MAX) {
			r = ERR_TOO_LARGE;
			goto out;
		}
	}
	if ((r = vcard_from_bytes(buf, len, &c)) != 0)
		goto out;
	if ((c->path = strdup(path)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	*out = c;
	c = NULL;
	r = 0;
 out:
	if (fd >= 0)
		close(fd);
	explicit_bzero(buf, VCARD_FILE_MAX + 1);
	free(buf);
	vcard_free(c);
	return r;
}

/* Saves after a counter change; 0 when in memory only. */
static int
vcard_persist(struct vcard *c)
{
	int r;

	if (c->path == NULL)
		return 0;
	if ((r = vcard_save(c, NULL)) != 0)
		log_error("vcard.persist", LOG_S("path", c->path), LOG_E("err", r));
	return r;
}

/* ---- building a card ---- */

static int
vcard_add_ef(struct vcard *c, uint8_t app, uint16_t fid, uint16_t read_pin,
    const uint8_t *data, size_t len)
{
	struct vcard_ef *e;

	if (c->nefs >= VCARD_EFS_MAX || len == 0 || len > LIMIT_CARD_FILE_MAX)
		return ERR_INVALID_ARG;
	e = &c->efs[c->nefs];
	if ((e->data = malloc(len)) == NULL)
		return ERR_NOMEM;
	memcpy(e->data, data, len);
	e->len = len;
	e->app = app;
	e->fid = fid;
	e->read_pin = read_pin;
	c->nefs++;
	return 0;
}

static int
vcard_add_pin(struct vcard *c, uint8_t app, uint16_t fid,
    enum apdu_pin_kind kind, const char *value)
{
	struct vcard_pin *p;
	size_t n = strlen(value);

	if (c->npins >= VCARD_PINS_MAX || apdu_pin_check(kind, value, n) != 0)
		return ERR_INVALID_ARG;
	p = &c->pins[c->npins];
	p->app = app;
	p->fid = fid;
	p->kind = (uint8_t)kind;
	p->max_tries = (uint8_t)apdu_pin_max_tries(kind);
	p->tries = p->max_tries;
	memcpy(p->value, value, n);
	p->len = n;
	c->npins++;
	return 0;
}

static int
vcard_add_key(struct vcard *c, uint8_t app, uint16_t fid, uint16_t pin_fid,
    const uint8_t *der, size_t len)
{
	struct vcard_key *k;
	int r;

	if (c->nkeys >= VCARD_KEYS_MAX || len == 0 || len > VCARD_KEY_DER_MAX)
		return ERR_INVALID_ARG;
	k = &c->keys[c->nkeys];
	if ((r = rsa_key_from_der(der, len, &k->key)) != 0)
		return r == ERR_NOMEM ? r : ERR_INVALID_ARG;
	if ((k->der = malloc(len)) == NULL) {
		rsa_key_free(k->key);
		k->key = NULL;
		return ERR_NOMEM;
	}
	memcpy(k->der, der, len);
	k->der_len = len;
	k->app = app;
	k->fid = fid;
	k->pin_fid = pin_fid;
	c->nkeys++;
	return 0;
}

/* EF 0006: a 160-byte CK_TOKEN_INFO-like record (label JPKIAPICCTOKEN2). */
static void
vcard_token_info(uint8_t out[160])
{
	static const char label[] = "JPKIAPICCTOKEN2";
	static const char manuf[] = "Ippyo virtual card";
	static const char model[] = "IPPYO-VC1";
	size_t o = 0;

	memset(out, ' ', 32 + 32 + 16 + 16);
	memcpy(out, label, sizeof(label) - 1);
	memcpy(out + 32, manuf, sizeof(manuf) - 1);
	memcpy(out + 64, model, sizeof(model) - 1);
	memcpy(out + 80, "0000000000000000", 16);
	o = 96;
	/* flags 0x040D, then session counts, PIN lengths, memory fields. */
	memset(out + o, 0, 160 - o);
	out[o + 2] = 0x04;
	out[o + 3] = 0x0D;
	o += 4 + 16;			/* flags, 4 session counters */
	out[o + 3] = 16;		/* maxPinLen */
	out[o + 7] = 6;			/* minPinLen */
	o += 8;
	memset(out + o, 0xFF, 16);	/* memory fields */
	o += 16;
	memcpy(out + o, "03010301", 8);	/* hardware / firmware versions */
}

int
vcard_new(const struct vcard_params *p, struct vcard **out)
{
	int r = ERR_INTERNAL;
	struct vcard *c = NULL;
	struct rsa_key *ap = NULL;
	uint8_t mn[17], b4[2048], integ[1024], h1[32], h2[32], hh[64], hs[32];
	uint8_t di[RSA_DIGESTINFO_SHA256_LEN], sig[RSA_SIG_MAX], token[160];
	static const uint8_t avail[3] = { 0x8F, 0x8F, 0x00 };
	size_t b4len, integlen, siglen;
	struct apdu_basic4 *parsed = NULL;

	*out = NULL;
	if (p->atr_len < 2 || p->atr_len > VCARD_ATR_MAX || p->atr[0] != 0x3B ||
	    !vcard_my_number_ok(p->my_number))
		return ERR_INVALID_ARG;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return ERR_NOMEM;
	if ((parsed = calloc(1, sizeof(*parsed))) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	memcpy(c->atr, p->atr, p->atr_len);
	c->atr_len = p->atr_len;
	if ((r = vcard_add_pin(c, VCARD_APP_JPKI, 0x0018, APDU_PIN_AUTH,
	    p->auth_pin)) != 0 ||
	    (r = vcard_add_pin(c, VCARD_APP_JPKI, 0x001B, APDU_PIN_SIGN,
	    p->sign_pin)) != 0 ||
	    (r = vcard_add_pin(c, VCARD_APP_TEXT, 0x0011, APDU_PIN_TEXT,
	    p->text_pin)) != 0 ||
	    (r = vcard_add_key(c, VCARD_APP_JPKI, 0x0017, 0x0018, p->auth_key,
	    p->auth_key_len)) != 0 ||
	    (r = vcard_add_key(c, VCARD_APP_JPKI, 0x001A, 0x001B, p->sign_key,
	    p->sign_key_len)) != 0)
		goto out;

	/* JPKI-AP EFs. */
	vcard_token_info(token);
	if ((r = vcard_add_ef(c, VCARD_APP_JPKI, 0x000A, 0, p->auth_cert,
	    p->auth_cert_len)) != 0 ||
	    (r = vcard_add_ef(c, VCARD_APP_JPKI, 0x000B, 0, p->auth_ca,
	    p->auth_ca_len)) != 0 ||
	    (r = vcard_add_ef(c, VCARD_APP_JPKI, 0x0001, 0x001B, p->sign_cert,
	    p->sign_cert_len)) != 0 ||
	    (r = vcard_add_ef(c, VCARD_APP_JPKI, 0x0002, 0, p->sign_ca,
	    p->sign_ca_len)) != 0 ||
	    (r = vcard_add_ef(c, VCARD_APP_JPKI, 0x0006, 0, token,
	    sizeof(token))) != 0 ||
	    (r = vcard_add_ef(c, VCARD_APP_JPKI, 0x0008, 0, avail,
	    sizeof(avail))) != 0)
		goto out;

	/* Card-info input support AP: My Number, basic 4, integrity. */
	mn[0] = 0xFF;
	mn[1] = 0x10;
	mn[2] = 0x0C;
	memcpy(mn + 3, p->my_number, 12);
	mn[15] = 0xFF;
	mn[16] = 0xFF;
	if ((r = apdu_basic4_build(p->name, p->address, p->birth, p->sex, b4,
	    sizeof(b4), &b4len)) != 0 ||
	    (r = apdu_basic4_parse(b4, b4len, parsed)) != 0) {
		r = ERR_INVALID_ARG;
		goto out;
	}
	if ((r = rsa_sha256(mn, sizeof(mn), h1)) != 0 ||
	    (r = rsa_sha256(b4 + parsed->body_off,
	    parsed->body_end - parsed->body_off, h2)) != 0)
		goto out;
	memcpy(hh, h1, 32);
	memcpy(hh + 32, h2, 32);
	/* The AP signature: our own choice of what it covers (DF31 ‖ DF32);
	 * the real card's is not public, and no client can check it. */
	if ((r = rsa_key_generate(2048, &ap)) != 0 ||
	    (r = rsa_sha256(hh, sizeof(hh), hs)) != 0)
		goto out;
	rsa_digestinfo_sha256(hs, di);
	if ((r = rsa_sign_pkcs1(ap, di, sizeof(di), sig, sizeof(sig),
	    &siglen)) != 0)
		goto out;
	if ((r = apdu_integrity_build(h1, h2, sig, siglen, integ,
	    sizeof(integ), &integlen)) != 0)
		goto out;
	if ((r = vcard_add_ef(c, VCARD_APP_TEXT, 0x0001, 0x0011, mn,
	    sizeof(mn))) != 0 ||
	    (r = vcard_add_ef(c, VCARD_APP_TEXT, 0x0002, 0x0011, b4, b4len)) != 0 ||
	    (r = vcard_add_ef(c, VCARD_APP_TEXT, 0x0003, 0x0011, integ,
	    integlen)) != 0)
		goto out;
	*out = c;
	c = NULL;
	r = 0;
 out:
	explicit_bzero(mn, sizeof(mn));
	rsa_key_free(ap);
	free(parsed);
	vcard_free(c);
	return r;
}

/* ---- the card ---- */

size_t
vcard_atr(const struct vcard *c, const uint8_t **atr)
{
	*atr = c->atr;
	return c->atr_len;
}

void
vcard_power(struct vcard *c, enum vcard_power ev)
{
	(void)ev;		/* every event ends the session */
	vcard_clear_volatile(c);
}

int
vcard_pin_tries(const struct vcard *c, int app, uint16_t fid)
{
	size_t i;

	for (i = 0; i < c->npins; i++)
		if (c->pins[i].app == app && c->pins[i].fid == fid)
			return c->pins[i].tries;
	return ERR_NOT_FOUND;
}

/* SELECT: returns the status word. */
static uint16_t
vcard_select(struct vcard *c, const struct apdu_cmd *a)
{
	size_t i;
	uint16_t fid;

	if (a->p2 != 0x0C && a->p2 != 0x00)
		return APDU_SW_BAD_P1P2;
	if (a->p1 == 0x04) {
		uint8_t app = 0;

		if (a->lc == APDU_AID_LEN &&
		    memcmp(a->data, apdu_aid_jpki, APDU_AID_LEN) == 0)
			app = VCARD_APP_JPKI;
		else if (a->lc == APDU_AID_LEN &&
		    memcmp(a->data, apdu_aid_text, APDU_AID_LEN) == 0)
			app = VCARD_APP_TEXT;
		if (app == 0)
			return APDU_SW_NOT_FOUND;
		/* Selecting an application ends the PIN session. */
		vcard_clear_volatile(c);
		c->app = app;
		return APDU_SW_OK;
	}
	if (a->p1 != 0x02)
		return APDU_SW_BAD_P1P2;
	if (a->lc != 2)
		return APDU_SW_WRONG_LENGTH;
	if (c->app == 0)
		return APDU_SW_NOT_FOUND;
	fid = (uint16_t)(a->data[0] << 8 | a->data[1]);
	for (i = 0; i < c->nefs; i++)
		if (c->efs[i].app == c->app && c->efs[i].fid == fid) {
			c->cur = CUR_EF;
			c->cur_idx = i;
			return APDU_SW_OK;
		}
	for (i = 0; i < c->npins; i++)
		if (c->pins[i].app == c->app && c->pins[i].fid == fid) {
			c->cur = CUR_PIN;
			c->cur_idx = i;
			return APDU_SW_OK;
		}
	for (i = 0; i < c->nkeys; i++)
		if (c->keys[i].app == c->app && c->keys[i].fid == fid) {
			c->cur = CUR_KEY;
			c->cur_idx = i;
			return APDU_SW_OK;
		}
	return APDU_SW_NOT_FOUND;
}

static uint16_t
vcard_read_binary(struct vcard *c, const struct apdu_cmd *a, uint8_t *resp,
    size_t *n)
{
	const struct vcard_ef *e;
	size_t off, i, take;

	*n = 0;
	if (a->lc != 0)
		return APDU_SW_WRONG_LENGTH;
	if (a->le == 0)
		return APDU_SW_WRONG_LENGTH;
	if (c->app == 0)
		return APDU_SW_NO_EF;
	if (a->p1 & 0x80) {			/* short EF identifier */
		uint16_t fid = a->p1 & 0x1F;

		for (i = 0; i < c->nefs; i++)
			if (c->efs[i].app == c->app && c->efs[i].fid == fid)
				break;
		if ((a->p1 & 0x60) != 0 || i == c->nefs)
			return APDU_SW_NOT_FOUND;
		c->cur = CUR_EF;
		c->cur_idx = i;
		off = a->p2;
	} else {
		if (c->cur != CUR_EF)
			return APDU_SW_NO_EF;
		off = (size_t)a->p1 << 8 | a->p2;
	}
	e = &c->efs[c->cur_idx];
	if (e->read_pin != 0 && !vcard_pin_verified(c, e->app, e->read_pin))
		return APDU_SW_SECURITY;
	if (off >= e->len)
		return APDU_SW_OFFSET;
	take = e->len - off < a->le ? e->len - off : a->le;
	memcpy(resp, e->data + off, take);
	*n = take;
	return APDU_SW_OK;
}

static uint16_t
vcard_verify(struct vcard *c, const struct apdu_cmd *a)
{
	struct vcard_pin *p;
	size_t idx;
	uint16_t sw;

	if (a->p1 != 0x00)
		return APDU_SW_BAD_P1P2;
	if (a->p2 == 0x80) {
		if (c->cur != CUR_PIN)
			return APDU_SW_NO_EF;
		idx = c->cur_idx;
		p = &c->pins[idx];
	} else if ((a->p2 & 0xE0) == 0x80 && c->app != 0) {
		if ((p = vcard_find_pin(c, c->app, a->p2 & 0x1F, &idx)) == NULL)
			return APDU_SW_NOT_FOUND;
	} else {
		return APDU_SW_BAD_P1P2;
	}
	if (a->lc == 0)				/* status, no try spent */
		return APDU_SW_TRIES(p->tries);
	if (p->tries == 0)
		return APDU_SW_BLOCKED;
	if (vcard_pin_equal(p, a->data, a->lc)) {
		c->verified |= 1u << idx;
		if (p->tries != p->max_tries) {
			p->tries = p->max_tries;
			if (vcard_persist(c) != 0)
				return SW_MEMORY_FAILURE;
		}
		return APDU_SW_OK;
	}
	c->verified &= ~(1u << idx);
	p->tries--;
	sw = APDU_SW_TRIES(p->tries);
	/* The try is gone from the file before the card answers. */
	if (vcard_persist(c) != 0)
		return SW_MEMORY_FAILURE;
	log_info("vcard.pin_wrong", LOG_I("fid", p->fid),
	    LOG_I("tries_left", p->tries));
	return sw;
}

static uint16_t
vcard_change_pin(struct vcard *c, const struct apdu_cmd *a)
{
	struct vcard_pin *p;
	char old[LIMIT_PIN_SIGN_LEN_MAX + 1];
	size_t oldlen;

	if (a->p1 != 0x01 || a->p2 != 0x80)
		return APDU_SW_BAD_P1P2;
	if (c->cur != CUR_PIN)
		return APDU_SW_NO_EF;
	p = &c->pins[c->cur_idx];
	if (p->tries == 0)
		return APDU_SW_BLOCKED;
	if (!((c->verified >> c->cur_idx) & 1))
		return APDU_SW_SECURITY;
	if (apdu_pin_check(p->kind, (const char *)a->data, a->lc) != 0)
		return APDU_SW_WRONG_LENGTH;
	memcpy(old, p->value, sizeof(old));
	oldlen = p->len;
	memset(p->value, 0, sizeof(p->value));
	memcpy(p->value, a->data, a->lc);
	p->len = a->lc;
	if (vcard_persist(c) != 0) {
		memcpy(p->value, old, sizeof(old));
		p->len = oldlen;
		explicit_bzero(old, sizeof(old));
		return SW_MEMORY_FAILURE;
	}
	explicit_bzero(old, sizeof(old));
	return APDU_SW_OK;
}

static uint16_t
vcard_sign(struct vcard *c, const struct apdu_cmd *a, uint8_t *resp,
    size_t *n)
{
	const struct vcard_key *k;
	size_t i, siglen = 0;

	*n = 0;
	if (a->p1 != 0x00)
		return APDU_SW_BAD_P1P2;
	if (a->p2 == 0x80) {
		if (c->cur != CUR_KEY)
			return APDU_SW_NO_EF;
		k = &c->keys[c->cur_idx];
	} else if ((a->p2 & 0xE0) == 0x80 && c->app != 0) {
		for (i = 0; i < c->nkeys; i++)
			if (c->keys[i].app == c->app &&
			    c->keys[i].fid == (a->p2 & 0x1F))
				break;
		if (i == c->nkeys)
			return APDU_SW_NOT_FOUND;
		k = &c->keys[i];
	} else {
		return APDU_SW_BAD_P1P2;
	}
	if (!vcard_pin_verified(c, k->app, k->pin_fid))
		return APDU_SW_SECURITY;
	if (a->lc == 0 || a->lc > rsa_key_size(k->key) - 11)
		return APDU_SW_WRONG_LENGTH;
	if (rsa_key_size(k->key) > LIMIT_APDU_RESPONSE_MAX - 2)
		return APDU_SW_CONDITIONS;
	if (rsa_sign_pkcs1(k->key, a->data, a->lc, resp,
	    LIMIT_APDU_RESPONSE_MAX - 2, &siglen) != 0)
		return APDU_SW_CONDITIONS;
	*n = siglen;
	return APDU_SW_OK;
}

int
vcard_apdu(struct vcard *c, const uint8_t *cmd, size_t len, uint8_t *resp,
    size_t respmax, size_t *resplen)
{
	struct apdu_cmd a;
	uint16_t sw;
	size_t n = 0;
	int r;

	REQUIRE(respmax >= LIMIT_APDU_RESPONSE_MAX);
	*resplen = 0;
	if ((r = apdu_cmd_parse(cmd, len, &a)) != 0) {
		sw = APDU_SW_WRONG_LENGTH;
		goto answer;
	}
	if (a.cla & 0x0C) {
		sw = SW_SECURE_MESSAGING;
		goto answer;
	}
	if (a.cla == 0x80 && a.ins == 0x2A) {
		sw = vcard_sign(c, &a, resp, &n);
		goto answer;
	}
	if (a.cla != 0x00 && a.cla != 0x80) {
		sw = APDU_SW_BAD_CLA;
		goto answer;
	}
	if (a.cla == 0x80) {
		sw = APDU_SW_BAD_INS;
		goto answer;
	}
	switch (a.ins) {
	case 0xA4:
		sw = vcard_select(c, &a);
		break;
	case 0xB0:
		sw = vcard_read_binary(c, &a, resp, &n);
		break;
	case 0x20:
		sw = vcard_verify(c, &a);
		break;
	case 0x24:
		sw = vcard_change_pin(c, &a);
		break;
	default:
		sw = APDU_SW_BAD_INS;
		break;
	}
 answer:
	if (sw != APDU_SW_OK)
		n = 0;
	resp[n] = (uint8_t)(sw >> 8);
	resp[n + 1] = (uint8_t)sw;
	*resplen = n + 2;
	return 0;
}
