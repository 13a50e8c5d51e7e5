/*
 * httpc.c - loopback HTTP/1.0 client for tests.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "crypto/ct.h"
#include "web/httpc.h"

/* Writes all of buf; MSG_NOSIGNAL: a server that closed the connection
 * (or died) is an error return, not a SIGPIPE that kills the caller. */
static int
send_all(int s, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = send(s, buf, len, MSG_NOSIGNAL)) <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int
httpc_request(int port, const char *method, const char *path,
    const char *body, struct httpc_reply *rp)
{
	struct sockaddr_in a;
	struct timeval tv = { 20, 0 };
	char head[512], *buf, *p;
	size_t cap = 1 << 20, got = 0, blen = body ? strlen(body) : 0;
	int s, n;

	memset(rp, 0, sizeof(*rp));
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -1;
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(s, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(s);
		return -1;
	}
	n = snprintf(head, sizeof(head), "%s %s HTTP/1.0\r\nHost: 127.0.0.1\r\n"
	    "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
	    method, path, blen);
	if (n < 0 || (size_t)n >= sizeof(head) ||
	    send_all(s, head, (size_t)n) != 0 ||
	    (blen > 0 && send_all(s, body, blen) != 0)) {
		close(s);
		return -1;
	}
	if ((buf = malloc(cap + 1)) == NULL) {
		close(s);
		return -1;
	}
	while (got < cap && (n = (int)read(s, buf + got, cap - got)) > 0)
		got += (size_t)n;
	close(s);
	buf[got] = '\0';
	if (got < 12 || strncmp(buf, "HTTP/1.", 7) != 0) {
		free(buf);
		return -1;
	}
	rp->status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
	if ((p = strstr(buf, "\r\n\r\n")) != NULL &&
	    (rp->body = malloc(got - (size_t)(p + 4 - buf) + 1)) != NULL) {
		rp->len = got - (size_t)(p + 4 - buf);
		memcpy(rp->body, p + 4, rp->len);
		rp->body[rp->len] = '\0';
	}
	free(buf);
	return 0;
}

void
httpc_reply_free(struct httpc_reply *rp)
{
	free(rp->body);
	rp->body = NULL;
	rp->len = 0;
}

int
httpc_free_port(void)
{
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0), p = 0;

	if (s < 0)
		return 0;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(s, (struct sockaddr *)&a, &al) == 0)
		p = ntohs(a.sin_port);
	close(s);
	return p;
}

char *
httpc_base64(const void *p, size_t n)
{
	size_t cap = ct_base64_len(n, CT_B64_STD);
	char *s = malloc(cap);

	if (s != NULL && ct_base64_encode(p, n, CT_B64_STD, s, cap) != 0) {
		free(s);
		s = NULL;
	}
	return s;
}
