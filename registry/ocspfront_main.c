/*
 * ocspfront_main.c - `ippyo-ocspfront`: the test PKI's OCSP responder,
 * reachable on loopback only.
 *
 *	ippyo-ocspfront --port P --index INDEX --rsigner CERT --rkey KEY
 *	    --ca CACERT [--nmin N]
 *
 * OpenSSL 3.0's `openssl ocsp -port` takes a bare number and listens on
 * every interface.  This front listens on 127.0.0.1 only, reads one HTTP
 * POST at a time (bounded headers and body, a read deadline), and answers
 * it by running OpenSSL's own responder on that request
 * (`openssl ocsp -reqin ... -respout ...`), so the answer is exactly what
 * `openssl ocsp` signs, and the CA index is read afresh for every request
 * (revocations show at once).  For tests and the demo; a deployment uses
 * J-LIS's responder.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/err.h"
#include "core/limits.h"
#include "core/strparse.h"

#define HEAD_MAX 8192

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int
write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static void
reply(int fd, const char *status, const uint8_t *body, size_t len)
{
	char head[256];
	int n = snprintf(head, sizeof(head), "HTTP/1.0 %s\r\nContent-Type: "
	    "application/ocsp-response\r\nContent-Length: %zu\r\nConnection: "
	    "close\r\n\r\n", status, len);

	if (n > 0 && write_all(fd, head, (size_t)n) == 0 && len > 0)
		(void)write_all(fd, body, len);
}

/* Finds "Content-Length: N" (case-insensitive name) in the header block. */
static int
content_length(const char *head, size_t *len)
{
	const char *p = head;
	uint64_t v;

	while ((p = strchr(p, '\n')) != NULL) {
		const char *e;

		p++;
		if (strncasecmp(p, "Content-Length:", 15) != 0)
			continue;
		p += 15;
		while (*p == ' ')
			p++;
		for (e = p; *e >= '0' && *e <= '9'; e++)
			;
		if (strparse_u64_n(p, (size_t)(e - p), LIMIT_OCSP_RESPONSE_MAX,
		    &v) != 0)
			return -1;
		*len = (size_t)v;
		return 0;
	}
	return -1;
}

/* Runs openssl ocsp on reqfile, response into respfile. */
static int
respond(char *const argv[])
{
	pid_t pid = fork();
	int st, devnull;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if ((devnull = open("/dev/null", O_RDWR)) >= 0) {
			dup2(devnull, 1);
			dup2(devnull, 2);
		}
		execvp("openssl", argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static void
serve_one(int c, char *const *ocsp_args, int nargs)
{
	char head[HEAD_MAX + 1], reqf[] = "/tmp/ippyo-ocspreq.XXXXXX";
	char respf[sizeof(reqf) + 5];
	uint8_t *body = NULL, *resp = NULL;
	char *argv[32];
	size_t hl = 0, bl = 0, have, i;
	struct stat st;
	char *end;
	int fd = -1, r;

	/* Headers, up to the blank line, bounded. */
	while (hl < HEAD_MAX) {
		ssize_t k = read(c, head + hl, HEAD_MAX - hl);

		if (k <= 0)
			return;
		hl += (size_t)k;
		head[hl] = '\0';
		if ((end = strstr(head, "\r\n\r\n")) != NULL)
			break;
	}
	if ((end = strstr(head, "\r\n\r\n")) == NULL ||
	    strncmp(head, "POST ", 5) != 0 || content_length(head, &bl) != 0 ||
	    bl == 0) {
		reply(c, "400 Bad Request", NULL, 0);
		return;
	}
	if ((body = malloc(bl)) == NULL)
		return;
	have = hl - (size_t)(end + 4 - head);
	if (have > bl)
		have = bl;
	memcpy(body, end + 4, have);
	while (have < bl) {
		ssize_t k = read(c, body + have, bl - have);

		if (k <= 0)
			goto out;
		have += (size_t)k;
	}
	if ((fd = mkstemp(reqf)) < 0 || write_all(fd, body, bl) != 0)
		goto out;
	close(fd);
	fd = -1;
	snprintf(respf, sizeof(respf), "%s.resp", reqf);
	for (i = 0; i < (size_t)nargs && i < 24; i++)
		argv[i] = ocsp_args[i];
	argv[i++] = (char *)(uintptr_t)"-reqin";
	argv[i++] = reqf;
	argv[i++] = (char *)(uintptr_t)"-respout";
	argv[i++] = respf;
	argv[i] = NULL;
	r = respond(argv);
	if (r == 0 && stat(respf, &st) == 0 && st.st_size > 0 &&
	    st.st_size <= (off_t)LIMIT_OCSP_RESPONSE_MAX &&
	    (resp = malloc((size_t)st.st_size)) != NULL &&
	    (fd = open(respf, O_RDONLY)) >= 0 &&
	    read(fd, resp, (size_t)st.st_size) == st.st_size)
		reply(c, "200 OK", resp, (size_t)st.st_size);
	else
		reply(c, "500 Internal Server Error", NULL, 0);
	unlink(respf);
 out:
	if (fd >= 0)
		close(fd);
	unlink(reqf);
	free(body);
	free(resp);
}

int
main(int argc, char **argv)
{
	const char *index = NULL, *rsigner = NULL, *rkey = NULL, *ca = NULL;
	const char *nmin = "5";
	char *ocsp_args[16];
	struct sockaddr_in a;
	struct sigaction sa;
	uint64_t port = 0;
	int s, i, one = 1, n = 0;

	for (i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--port") == 0) {
			if (strparse_u64(argv[i + 1], 65535, &port) != 0)
				port = 0;
		} else if (strcmp(argv[i], "--index") == 0)
			index = argv[i + 1];
		else if (strcmp(argv[i], "--rsigner") == 0)
			rsigner = argv[i + 1];
		else if (strcmp(argv[i], "--rkey") == 0)
			rkey = argv[i + 1];
		else if (strcmp(argv[i], "--ca") == 0)
			ca = argv[i + 1];
		else if (strcmp(argv[i], "--nmin") == 0)
			nmin = argv[i + 1];
		else
			break;
	}
	if (i != argc || port == 0 || index == NULL || rsigner == NULL ||
	    rkey == NULL || ca == NULL) {
		fprintf(stderr, "usage: ippyo-ocspfront --port P --index INDEX "
		    "--rsigner CERT --rkey KEY --ca CACERT [--nmin N]\n");
		return 2;
	}
	ocsp_args[n++] = (char *)(uintptr_t)"openssl";
	ocsp_args[n++] = (char *)(uintptr_t)"ocsp";
	ocsp_args[n++] = (char *)(uintptr_t)"-index";
	ocsp_args[n++] = (char *)(uintptr_t)index;
	ocsp_args[n++] = (char *)(uintptr_t)"-rsigner";
	ocsp_args[n++] = (char *)(uintptr_t)rsigner;
	ocsp_args[n++] = (char *)(uintptr_t)"-rkey";
	ocsp_args[n++] = (char *)(uintptr_t)rkey;
	ocsp_args[n++] = (char *)(uintptr_t)"-CA";
	ocsp_args[n++] = (char *)(uintptr_t)ca;
	ocsp_args[n++] = (char *)(uintptr_t)"-nmin";
	ocsp_args[n++] = (char *)(uintptr_t)nmin;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return 1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);	/* loopback only */
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(s, 16) != 0) {
		fprintf(stderr, "ippyo-ocspfront: cannot listen on 127.0.0.1:%u\n",
		    (unsigned)port);
		return 1;
	}
	while (!stop) {
		struct timeval tv = { LIMIT_OCSP_TIMEOUT_S, 0 };
		int c = accept(s, NULL, NULL);

		if (c < 0)
			continue;
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		serve_one(c, ocsp_args, n);
		close(c);
	}
	close(s);
	return 0;
}
