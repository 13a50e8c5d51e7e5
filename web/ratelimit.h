/*
 * ratelimit.h - fixed-window request limits by key, in bounded memory.
 *
 * Each key (a client address, a voter's certificate serial, ...) may be
 * hit `limit` times per window of `window_s` seconds; the window starts at
 * the key's first hit and the count resets when it has passed.  Refused
 * hits are not counted, so a client that waits for Retry-After gets its
 * full allowance back.
 *
 * Memory is bounded: at most `capacity` keys are kept; a new key beyond
 * that evicts the key hit least recently (whose window has usually ended).
 * Eviction can only forget counts, never invent them: under a flood of
 * distinct keys a limit errs towards letting a request through.  Key
 * hashing is seeded per process from the OS random source, so chains
 * cannot be flooded by chosen keys.
 *
 * Time comes from clock_now_us() (core/clock.h), which tests pin.
 * Thread-safe (one mutex).  Keys are untrusted text of at most
 * RATELIMIT_KEY_MAX bytes.  Not constant-time.
 */
#ifndef IPPYO_WEB_RATELIMIT_H
#define IPPYO_WEB_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#define RATELIMIT_KEY_MAX 127

struct ratelimit;

/*
 * A limiter for at most capacity keys (1..2^24), limit hits (>= 1) per
 * window_s seconds (>= 1).  Returns 0, ERR_INVALID_ARG, ERR_RNG or
 * ERR_NOMEM.  Caller frees *out.
 */
int ratelimit_new(size_t capacity, uint32_t limit, uint32_t window_s,
    struct ratelimit **out) __attribute__((warn_unused_result));

/* Frees rl.  Accepts NULL. */
void ratelimit_free(struct ratelimit *rl);

/*
 * Counts one hit for key.  Returns 0 (allowed), ERR_RATE_LIMITED (the
 * key's allowance for this window is used up; *retry_after_s, when not
 * NULL, receives the whole seconds until it resets, at least 1) or
 * ERR_INVALID_ARG (key empty or longer than RATELIMIT_KEY_MAX).
 */
int ratelimit_hit(struct ratelimit *rl, const char *key,
    uint32_t *retry_after_s) __attribute__((warn_unused_result));

/* Keys held now (for tests and metrics). */
size_t ratelimit_size(struct ratelimit *rl);

#endif /* IPPYO_WEB_RATELIMIT_H */
