/*
 * testprog.h - run one of the project's programs the way an operator
 * does, for the tests that drive the command-line tools.
 */
#ifndef IPPYO_TESTS_HARNESS_TESTPROG_H
#define IPPYO_TESTS_HARNESS_TESTPROG_H

#include <stdarg.h>
#include <stddef.h>

/*
 * Runs $IPPYO_BIN/prog (default bin/) with the NULL-terminated
 * arguments.  DATABASE_URL is set to url when it is not NULL; pass, when
 * not NULL, is written with a newline to the program's fd 3 (for
 * --passphrase-fd 3).  Standard output and error both go to out (at most
 * outlen - 1 bytes, NUL-terminated).  With IPPYO_TEST_VALGRIND set the
 * program runs under valgrind (its errors exit 9).  Returns the exit
 * status, or -1 when the program could not be run or did not exit.
 */
int testprog_run(const char *url, const char *pass, char *out, size_t outlen,
    const char *prog, ...) __attribute__((sentinel));
int testprog_runv(const char *url, const char *pass, char *out,
    size_t outlen, const char *prog, va_list ap);

#endif
