/*
 * vpcd.h - the card side of the vsmartcard vpcd protocol.
 *
 * pcscd's vpcd driver (libifdvpcd) listens on TCP port P + slot; a
 * virtual card connects to it and then answers frames: a 2-byte
 * big-endian length and that many bytes.  A 1-byte frame is a control
 * message (00 power off, 01 power on, 02 reset, 04 "send your ATR"); any
 * other length is a command APDU, answered with response data + SW.  A
 * closed connection means "card removed".
 *
 * One struct vpcd_slot is one card in one reader slot.  Not thread-safe;
 * drive all slots from one poll loop.  Bytes from the socket are
 * untrusted: frames are bounded (VPCD_FRAME_MAX) and handed to the card,
 * which answers any bytes with a status word.
 */
#ifndef IPPYO_REGISTRY_VPCD_H
#define IPPYO_REGISTRY_VPCD_H

#include <stddef.h>
#include <stdint.h>

#include "registry/vcard.h"

#define VPCD_WUR __attribute__((warn_unused_result))

#define VPCD_PORT_DEFAULT	35963		/* 0x8C7B, slot 0 */
#define VPCD_FRAME_MAX		0xFFFF		/* the 16-bit length */
#define VPCD_IO_TIMEOUT_S	5		/* a frame arrives whole by then */

struct vpcd_slot;

/*
 * A slot for card c (not owned) that will connect to host:port.  host is
 * a numeric IPv4 address.  Caller frees with vpcd_slot_free.
 */
int vpcd_slot_new(struct vcard *c, const char *host, uint16_t port,
    struct vpcd_slot **out) VPCD_WUR;

/* Closes the connection (the card is "removed") and frees.  NULL ok. */
void vpcd_slot_free(struct vpcd_slot *s);

/*
 * Connects ("inserts" the card).  0, or ERR_IO when nothing listens
 * (pcscd not running yet: callers retry).  Connecting twice is a no-op.
 */
int vpcd_slot_connect(struct vpcd_slot *s) VPCD_WUR;

/* Closes the connection ("removes" the card); the card powers off. */
void vpcd_slot_disconnect(struct vpcd_slot *s);

/* The socket to poll for input, or -1 when not connected. */
int vpcd_slot_fd(const struct vpcd_slot *s);

/*
 * Reads one frame and answers it.  0; ERR_IO when pcscd closed the
 * connection or it failed (the slot is then disconnected); ERR_TIMEOUT
 * when a frame did not arrive whole (also disconnected).
 */
int vpcd_slot_step(struct vpcd_slot *s) VPCD_WUR;

/*
 * Deliberately broken answers, to test clients against a faulty card.
 * Each applies to one kind of command; everything else stays correct.
 */
enum vpcd_fault {
	VPCD_FAULT_NONE = 0,
	VPCD_FAULT_SHORT,	/* READ BINARY answered with 1 byte (no SW) */
	VPCD_FAULT_OVERSIZED,	/* READ BINARY answered with 300 bytes + 9000 */
	VPCD_FAULT_EXTRA,	/* READ BINARY answered with Le + 1 bytes */
	VPCD_FAULT_BAD_SIGNATURE,	/* 80 2A: one signature bit flipped */
	VPCD_FAULT_STATUS_9000	/* empty VERIFY answered 9000, not 63Cx */
};

/* Sets the fault mode of a slot (VPCD_FAULT_NONE by default). */
void vpcd_slot_set_fault(struct vpcd_slot *s, enum vpcd_fault f);

/* Parses a fault name ("short", "oversized", "extra", "bad-signature",
 * "status-9000"); 0 or ERR_INVALID_ARG. */
int vpcd_fault_from_name(const char *name, enum vpcd_fault *out) VPCD_WUR;

/* APDUs answered since the slot was created. */
unsigned long vpcd_slot_apdus(const struct vpcd_slot *s);

#endif /* IPPYO_REGISTRY_VPCD_H */
