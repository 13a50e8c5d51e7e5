/*
 * testprog.c - run one of the project's programs for a test.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/harness/testprog.h"

#define ARGS_MAX 40

int
testprog_runv(const char *url, const char *pass, char *out, size_t outlen,
    const char *prog, va_list ap)
{
	const char *bin = getenv("IPPYO_BIN");
	char path[512], *argv[ARGS_MAX];
	int pp[2], op[2], st = 0, n = 0;
	size_t got = 0;
	ssize_t k;
	pid_t pid;

	if (outlen == 0)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", bin != NULL ? bin : "bin", prog);
	if (getenv("IPPYO_TEST_VALGRIND") != NULL) {
		argv[n++] = (char *)(uintptr_t)"/usr/bin/valgrind";
		argv[n++] = (char *)(uintptr_t)"-q";
		argv[n++] = (char *)(uintptr_t)"--leak-check=full";
		argv[n++] = (char *)(uintptr_t)"--errors-for-leak-kinds=definite";
		argv[n++] = (char *)(uintptr_t)"--error-exitcode=9";
	}
	argv[n++] = path;
	while (n < ARGS_MAX - 1 && (argv[n] = va_arg(ap, char *)) != NULL)
		n++;
	argv[n] = NULL;
	if (pipe(pp) != 0)
		return -1;
	if (pipe(op) != 0) {
		close(pp[0]);
		close(pp[1]);
		return -1;
	}
	/* A passphrase is far below the pipe's buffer: write it now. */
	if (pass != NULL && (write(pp[1], pass, strlen(pass)) < 0 ||
	    write(pp[1], "\n", 1) < 0)) {
		close(pp[0]);
		close(pp[1]);
		close(op[0]);
		close(op[1]);
		return -1;
	}
	close(pp[1]);
	if ((pid = fork()) == 0) {
		dup2(pp[0], 3);
		dup2(op[1], 1);
		dup2(op[1], 2);
		close(op[0]);
		if (url != NULL)
			setenv("DATABASE_URL", url, 1);
		setenv("IPPYO_LOG_LEVEL", "error", 1);
		setenv("IPPYO_ACTOR", "test-committee", 1);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pp[0]);
	close(op[1]);
	if (pid < 0) {
		close(op[0]);
		return -1;
	}
	while ((k = read(op[0], out + got, outlen - 1 - got)) > 0)
		if ((got += (size_t)k) + 1 >= outlen)
			break;
	out[got] = '\0';
	/* Drain what did not fit, so the program never blocks on a pipe. */
	{
		char sink[4096];

		while (read(op[0], sink, sizeof(sink)) > 0)
			;
	}
	close(op[0]);
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int
testprog_run(const char *url, const char *pass, char *out, size_t outlen,
    const char *prog, ...)
{
	va_list ap;
	int r;

	va_start(ap, prog);
	r = testprog_runv(url, pass, out, outlen, prog, ap);
	va_end(ap);
	return r;
}
