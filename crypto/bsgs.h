/*
 * bsgs.h - recovering a small m from m·G by baby-step giant-step.
 *
 * A table for plaintexts 0..max holds the baby steps j·G for
 * j = 1..s-1, s = ceil(sqrt(max + 1)), keyed by 64 bits of X and the
 * parity of Y.  Decoding walks the giant steps T - i·s·G, i = 0..s, and
 * confirms a hit by recomputing m·G.  For max = LIMIT_VOTERS_MAX = 10^8:
 * s = 10,001, the table takes 512 KiB (32,768 slots) and ~30 ms to build, and a
 * decode takes at most s giant steps (docs/PERFORMANCE.md has measured
 * figures).  A value near 10^6 needs about 100 steps.
 *
 * Variable-time: the input (a decrypted tally) is public.  Thread-safe
 * once built (decode does not modify the table).
 */
#ifndef IPPYO_CRYPTO_BSGS_H
#define IPPYO_CRYPTO_BSGS_H

#include <stdint.h>

#include "crypto/group.h"

struct bsgs_table;

/*
 * Builds a table for plaintexts 0..max (1 <= max <= LIMIT_VOTERS_MAX).
 * Returns 0, ERR_RANGE or ERR_NOMEM.  Caller frees *out.
 */
int bsgs_table_new(struct bsgs_table **out, uint64_t max)
    __attribute__((warn_unused_result));
void bsgs_table_free(struct bsgs_table *t);

/*
 * Finds m in 0..max with m·G = T.  Returns 0 and sets *m, or
 * ERR_NOT_FOUND when no such m exists.
 */
int bsgs_decode(const struct bsgs_table *t, const struct point *T,
    uint64_t *m) __attribute__((warn_unused_result));

#endif /* IPPYO_CRYPTO_BSGS_H */
