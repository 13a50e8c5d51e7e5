/*
 * vpcd.c - the vpcd protocol, card side.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/vbuf.h"
#include "registry/vcard.h"
#include "registry/vpcd.h"

#define VPCD_CTRL_OFF	0x00
#define VPCD_CTRL_ON	0x01
#define VPCD_CTRL_RESET	0x02
#define VPCD_CTRL_ATR	0x04

struct vpcd_slot {
	struct vcard *card;		/* the card (not owned) */
	struct sockaddr_in addr;	/* where pcscd's vpcd listens */
	int fd;				/* connection, -1 when removed */
	uint8_t *frame;			/* VPCD_FRAME_MAX receive buffer */
	unsigned long apdus;		/* answered APDUs */
	enum vpcd_fault fault;		/* deliberate misbehaviour, tests only */
};

/* Room for the largest deliberately oversized answer. */
#define VPCD_FAULT_ANSWER_MAX 512

void
vpcd_slot_set_fault(struct vpcd_slot *s, enum vpcd_fault f)
{
	s->fault = f;
}

int
vpcd_fault_from_name(const char *name, enum vpcd_fault *out)
{
	static const struct { const char *name; enum vpcd_fault f; } t[] = {
		{ "none", VPCD_FAULT_NONE }, { "short", VPCD_FAULT_SHORT },
		{ "oversized", VPCD_FAULT_OVERSIZED },
		{ "extra", VPCD_FAULT_EXTRA },
		{ "bad-signature", VPCD_FAULT_BAD_SIGNATURE },
		{ "status-9000", VPCD_FAULT_STATUS_9000 }
	};
	size_t i;

	*out = VPCD_FAULT_NONE;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(name, t[i].name) == 0) {
			*out = t[i].f;
			return 0;
		}
	return ERR_INVALID_ARG;
}

int
vpcd_slot_new(struct vcard *c, const char *host, uint16_t port,
    struct vpcd_slot **out)
{
	struct vpcd_slot *s;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return ERR_NOMEM;
	s->fd = -1;
	s->card = c;
	s->addr.sin_family = AF_INET;
	s->addr.sin_port = htons(port);
	if (inet_pton(AF_INET, host, &s->addr.sin_addr) != 1) {
		free(s);
		return ERR_INVALID_ARG;
	}
	if ((s->frame = malloc(VPCD_FRAME_MAX)) == NULL) {
		free(s);
		return ERR_NOMEM;
	}
	*out = s;
	return 0;
}

void
vpcd_slot_free(struct vpcd_slot *s)
{
	if (s == NULL)
		return;
	vpcd_slot_disconnect(s);
	free(s->frame);
	free(s);
}

int
vpcd_slot_connect(struct vpcd_slot *s)
{
	struct timeval tv = { .tv_sec = VPCD_IO_TIMEOUT_S, .tv_usec = 0 };
	int fd, one = 1;

	if (s->fd >= 0)
		return 0;
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return ERR_IO;
	if (connect(fd, (const struct sockaddr *)&s->addr,
	    sizeof(s->addr)) != 0) {
		close(fd);
		return ERR_IO;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	s->fd = fd;
	vcard_power(s->card, VCARD_POWER_OFF);
	log_info("vpcd.inserted", LOG_I("port", ntohs(s->addr.sin_port)));
	return 0;
}

void
vpcd_slot_disconnect(struct vpcd_slot *s)
{
	if (s->fd < 0)
		return;
	close(s->fd);
	s->fd = -1;
	vcard_power(s->card, VCARD_POWER_OFF);
	log_info("vpcd.removed", LOG_I("port", ntohs(s->addr.sin_port)));
}

int
vpcd_slot_fd(const struct vpcd_slot *s)
{
	return s->fd;
}

unsigned long
vpcd_slot_apdus(const struct vpcd_slot *s)
{
	return s->apdus;
}

/* Reads exactly n bytes; ERR_IO on close/error, ERR_TIMEOUT on timeout. */
static int
vpcd_read_full(int fd, uint8_t *p, size_t n)
{
	size_t off = 0;

	while (off < n) {
		ssize_t k = recv(fd, p + off, n - off, 0);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return ERR_TIMEOUT;
		if (k <= 0)
			return ERR_IO;
		off += (size_t)k;
	}
	return 0;
}

static int
vpcd_send_frame(int fd, const uint8_t *p, size_t n)
{
	uint8_t buf[2 + VPCD_FAULT_ANSWER_MAX];
	size_t off = 0;

	if (n > VPCD_FAULT_ANSWER_MAX)
		return ERR_INTERNAL;
	buf[0] = (uint8_t)(n >> 8);
	buf[1] = (uint8_t)n;
	memcpy(buf + 2, p, n);
	n += 2;
	while (off < n) {
		ssize_t k = send(fd, buf + off, n - off, MSG_NOSIGNAL);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return ERR_IO;
		off += (size_t)k;
	}
	return 0;
}

/* Breaks a correct answer the way s->fault says (tests only). */
static void
vpcd_apply_fault(const struct vpcd_slot *s, size_t len, uint8_t *resp,
    size_t *rlen)
{
	uint8_t ins = len >= 2 ? s->frame[1] : 0;

	switch (s->fault) {
	case VPCD_FAULT_SHORT:
		if (ins == 0xB0)
			*rlen = 1;
		break;
	case VPCD_FAULT_OVERSIZED:
		if (ins == 0xB0) {
			memset(resp, 0x30, 300);
			resp[300] = 0x90;
			resp[301] = 0x00;
			*rlen = 302;
		}
		break;
	case VPCD_FAULT_EXTRA:
		if (ins == 0xB0 && *rlen >= 2 && *rlen < LIMIT_APDU_RESPONSE_MAX) {
			resp[*rlen - 2] = 0xEE;	/* one byte more than Le */
			resp[*rlen - 1] = 0x90;
			resp[*rlen] = 0x00;
			(*rlen)++;
		}
		break;
	case VPCD_FAULT_BAD_SIGNATURE:
		if (ins == 0x2A && *rlen > 2)
			resp[*rlen / 2] ^= 0x01;
		break;
	case VPCD_FAULT_STATUS_9000:
		if (ins == 0x20 && len == 4) {
			resp[0] = 0x90;
			resp[1] = 0x00;
			*rlen = 2;
		}
		break;
	case VPCD_FAULT_NONE:
		break;
	}
}

int
vpcd_slot_step(struct vpcd_slot *s)
{
	int r = ERR_INTERNAL;
	uint8_t hdr[2], resp[VPCD_FAULT_ANSWER_MAX];
	const uint8_t *atr;
	size_t len, rlen = 0;

	if (s->fd < 0)
		return ERR_IO;
	if ((r = vpcd_read_full(s->fd, hdr, 2)) != 0)
		goto out;
	len = (size_t)hdr[0] << 8 | hdr[1];
	if ((r = vpcd_read_full(s->fd, s->frame, len)) != 0)
		goto out;
	if (len == 1) {
		switch (s->frame[0]) {
		case VPCD_CTRL_OFF:
			vcard_power(s->card, VCARD_POWER_OFF);
			break;
		case VPCD_CTRL_ON:
			vcard_power(s->card, VCARD_POWER_ON);
			break;
		case VPCD_CTRL_RESET:
			vcard_power(s->card, VCARD_POWER_RESET);
			break;
		case VPCD_CTRL_ATR:
			rlen = vcard_atr(s->card, &atr);
			r = vpcd_send_frame(s->fd, atr, rlen);
			goto out;
		default:
			log_warn("vpcd.unknown_control", LOG_I("byte",
			    s->frame[0]));
			break;
		}
		r = 0;
		goto out;
	}
	if ((r = vcard_apdu(s->card, s->frame, len, resp, sizeof(resp),
	    &rlen)) != 0)
		goto out;
	if (s->fault != VPCD_FAULT_NONE)
		vpcd_apply_fault(s, len, resp, &rlen);
	if ((r = vpcd_send_frame(s->fd, resp, rlen)) != 0)
		goto out;
	s->apdus++;
	r = 0;
 out:
	if (r != 0)
		vpcd_slot_disconnect(s);
	return r;
}
