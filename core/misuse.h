/*
 * misuse.h - what a library does when its caller breaks a contract.
 *
 * Libraries never exit on input an attacker controls: that returns an
 * error code.  A caller breaking a documented precondition (NULL where a
 * pointer is required, a length over an API maximum) is a bug in Ippyo
 * itself, and continuing would be worse than stopping: misuse() logs the
 * place and aborts.
 */
#ifndef IPPYO_CORE_MISUSE_H
#define IPPYO_CORE_MISUSE_H

#define MISUSE(why) misuse_abort(__FILE__, __LINE__, (why))

/* Aborts unless cond holds; for preconditions only, never for input. */
#define REQUIRE(cond) \
	do { if (!(cond)) misuse_abort(__FILE__, __LINE__, #cond); } while (0)

/*
 * Marks a condition the code believes can never be true; tests abort on
 * it, and release builds also abort rather than go on in a state the code
 * was not written for.
 */
#define NEVER(cond) ((cond) ? (misuse_abort(__FILE__, __LINE__, #cond), 1) : 0)

__attribute__((noreturn)) void misuse_abort(const char *file, int line,
    const char *why);

#endif /* IPPYO_CORE_MISUSE_H */
