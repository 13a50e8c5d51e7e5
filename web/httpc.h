/*
 * httpc.h - a minimal HTTP/1.0 client: the reference voter client's
 * transport, and the tests'.  Plain HTTP to 127.0.0.1 only (a deployment
 * puts TLS in front, docs/PROTOCOL-http.md); the answer is bounded (1 MiB)
 * and the exchange has a 20-second deadline.
 */
#ifndef IPPYO_WEB_HTTPC_H
#define IPPYO_WEB_HTTPC_H

#include <stddef.h>

struct httpc_reply {
	int status;	/* 200, 404, ... */
	char *body;	/* NUL-terminated; caller frees (httpc_reply_free) */
	size_t len;
};

/*
 * One request to 127.0.0.1:port with a JSON body (or none); reads the
 * whole answer (at most 1 MiB, 20 s).  0, or -1 when no answer came.
 */
int httpc_request(int port, const char *method, const char *path,
    const char *body, struct httpc_reply *rp);
void httpc_reply_free(struct httpc_reply *rp);

/* A TCP port on 127.0.0.1 that was free a moment ago. */
int httpc_free_port(void);

/* Standard base64 of p (caller frees), or NULL. */
char *httpc_base64(const void *p, size_t n);

#endif
