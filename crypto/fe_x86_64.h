/*
 * fe_x86_64.h - the field product and square mod p (P-256) with the
 * BMI2 and ADX instructions, for crypto/group.c only.
 *
 * Same contract as group.c's portable fe_mul: Montgomery form with
 * R = 2^256, inputs below p, output fully reduced below p, the output
 * may alias an input (every load happens before the first store).  No
 * branches and no secret-dependent memory access: the final subtraction
 * is a borrow and four conditional moves, so the constant-time callers
 * (the batch encoder, fe_inv) may use it as well.
 *
 * The reduction uses p = 2^256 - 2^224 + 2^192 + 2^96 - 1: with
 * -p^-1 = 1 mod 2^64 the Montgomery factor of a round is its low limb m,
 * and (t + m·p) / 2^64 adds m·2^32 (a shift) and m·0xffffffff00000001
 * (one MULX) to the limbs above m.  So a product takes 16 + 4 MULX,
 * a square 10 + 4.  MULX leaves the flags alone, so the products'
 * low and high halves accumulate on two carry chains (ADCX, ADOX).
 *
 * group.c includes this only on x86-64 and calls it only when CPUID
 * reports BMI2 and ADX (and IPPYO_CRYPTO_PORTABLE is not set); the
 * unit tests compare both paths on random and edge inputs.
 */
#ifndef IPPYO_CRYPTO_FE_X86_64_H
#define IPPYO_CRYPTO_FE_X86_64_H

static const uint64_t fe_p1 = 0x00000000FFFFFFFFULL, fe_p3 = 0xFFFFFFFF00000001ULL;

/* One round:  A0..A4 += a * b[off], carry into A5 (zeroed here); then
 * reduce by m = A0: the result is in A1..A5 */
#define FE_X_ROUND(off, A0, A1, A2, A3, A4, A5) \
	"movq " #off "(%[b]), %%rdx\n\t" \
	"xorl %%eax, %%eax\n\t" \
	"movq %%rax, %" #A5 "\n\t" \
	"mulxq 0(%[a]), %[t0], %[t1]\n\t" \
	"adcxq %[t0], %" #A0 "\n\t" \
	"adoxq %[t1], %" #A1 "\n\t" \
	"mulxq 8(%[a]), %[t0], %[t1]\n\t" \
	"adcxq %[t0], %" #A1 "\n\t" \
	"adoxq %[t1], %" #A2 "\n\t" \
	"mulxq 16(%[a]), %[t0], %[t1]\n\t" \
	"adcxq %[t0], %" #A2 "\n\t" \
	"adoxq %[t1], %" #A3 "\n\t" \
	"mulxq 24(%[a]), %[t0], %[t1]\n\t" \
	"adcxq %[t0], %" #A3 "\n\t" \
	"adoxq %[t1], %" #A4 "\n\t" \
	"adcxq %%rax, %" #A4 "\n\t" \
	"adoxq %%rax, %" #A5 "\n\t" \
	"adcxq %%rax, %" #A5 "\n\t" \
	FE_X_RED(A0, A1, A2, A3, A4, A5)

#define FE_X_RED(A0, A1, A2, A3, A4, A5) \
	"movq %" #A0 ", %%rdx\n\t" \
	"mulxq %[p3], %[t0], %[t1]\n\t" \
	"movq %%rdx, %%rax\n\t" \
	"shlq $32, %%rax\n\t" \
	"shrq $32, %%rdx\n\t" \
	"addq %%rax, %" #A1 "\n\t" \
	"adcq %%rdx, %" #A2 "\n\t" \
	"adcq %[t0], %" #A3 "\n\t" \
	"adcq %[t1], %" #A4 "\n\t" \
	"adcq $0, %" #A5 "\n\t"

HOT_INLINE static void
fe_mul_x(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
	uint64_t r0, r1, r2, r3, r4, r5, t0, t1;

	__asm__ volatile (
	/* round 0: r0..r4 = a * b0 */
	"movq 0(%[b]), %%rdx\n\t"
	"mulxq 0(%[a]), %[r0], %[r1]\n\t"
	"mulxq 8(%[a]), %[t0], %[r2]\n\t"
	"addq %[t0], %[r1]\n\t"
	"mulxq 16(%[a]), %[t0], %[r3]\n\t"
	"adcq %[t0], %[r2]\n\t"
	"mulxq 24(%[a]), %[t0], %[r4]\n\t"
	"adcq %[t0], %[r3]\n\t"
	"adcq $0, %[r4]\n\t"
	"xorl %k[r5], %k[r5]\n\t"
	FE_X_RED([r0], [r1], [r2], [r3], [r4], [r5])
	FE_X_ROUND(8, [r1], [r2], [r3], [r4], [r5], [r0])
	FE_X_ROUND(16, [r2], [r3], [r4], [r5], [r0], [r1])
	FE_X_ROUND(24, [r3], [r4], [r5], [r0], [r1], [r2])
	/* value (r4 r5 r0 r1) + r2·2^256 < 2p: subtract p unless it borrows */
	"movq %[r4], %[t0]\n\t"
	"movq %[r5], %[t1]\n\t"
	"movq %[r0], %%rax\n\t"
	"movq %[r1], %%rdx\n\t"
	"subq $-1, %[t0]\n\t"
	"sbbq %[p1], %[t1]\n\t"
	"sbbq $0, %%rax\n\t"
	"sbbq %[p3], %%rdx\n\t"
	"sbbq $0, %[r2]\n\t"
	"cmovncq %[t0], %[r4]\n\t"
	"cmovncq %[t1], %[r5]\n\t"
	"cmovncq %%rax, %[r0]\n\t"
	"cmovncq %%rdx, %[r1]\n\t"
	"movq %[r4], 0(%[r])\n\t"
	"movq %[r5], 8(%[r])\n\t"
	"movq %[r0], 16(%[r])\n\t"
	"movq %[r1], 24(%[r])\n\t"
	: [r0] "=&r" (r0), [r1] "=&r" (r1), [r2] "=&r" (r2), [r3] "=&r" (r3),
	  [r4] "=&r" (r4), [r5] "=&r" (r5), [t0] "=&r" (t0), [t1] "=&r" (t1)
	: [a] "r" (a), [b] "r" (b), [r] "r" (r), [p1] "m" (fe_p1), [p3] "m" (fe_p3)
	: "rax", "rdx", "cc", "memory");
}

/* one reduction step of a 4-limb value: (A0..A3) -> (A1, A2, A3, A0) */
#define FE_X_RED4(A0, A1, A2, A3) \
	"movq %" #A0 ", %%rdx\n\t" \
	"mulxq %[p3], %%rax, %" #A0 "\n\t" \
	"movq %%rdx, %[x]\n\t" \
	"shlq $32, %[x]\n\t" \
	"shrq $32, %%rdx\n\t" \
	"addq %[x], %" #A1 "\n\t" \
	"adcq %%rdx, %" #A2 "\n\t" \
	"adcq %%rax, %" #A3 "\n\t" \
	"adcq $0, %" #A0 "\n\t"

HOT_INLINE static void
fe_sqr_x(uint64_t r[4], const uint64_t a[4])
{
	uint64_t t0, t1, t2, t3, t4, t5, t6, t7, x;

	__asm__ volatile (
	/* cross products a_i a_j, i < j, into t1..t6 */
	"movq 0(%[a]), %%rdx\n\t"
	"mulxq 8(%[a]), %[t1], %[t2]\n\t"
	"mulxq 16(%[a]), %%rax, %[t3]\n\t"
	"addq %%rax, %[t2]\n\t"
	"mulxq 24(%[a]), %%rax, %[t4]\n\t"
	"adcq %%rax, %[t3]\n\t"
	"adcq $0, %[t4]\n\t"
	"movq 8(%[a]), %%rdx\n\t"
	"mulxq 16(%[a]), %%rax, %[x]\n\t"
	"addq %%rax, %[t3]\n\t"
	"adcq %[x], %[t4]\n\t"
	"mulxq 24(%[a]), %%rax, %[t5]\n\t"
	"adcq $0, %[t5]\n\t"
	"addq %%rax, %[t4]\n\t"
	"adcq $0, %[t5]\n\t"
	"movq 16(%[a]), %%rdx\n\t"
	"mulxq 24(%[a]), %%rax, %[t6]\n\t"
	"addq %%rax, %[t5]\n\t"
	"adcq $0, %[t6]\n\t"
	/* double them */
	"xorl %k[t7], %k[t7]\n\t"
	"addq %[t1], %[t1]\n\t"
	"adcq %[t2], %[t2]\n\t"
	"adcq %[t3], %[t3]\n\t"
	"adcq %[t4], %[t4]\n\t"
	"adcq %[t5], %[t5]\n\t"
	"adcq %[t6], %[t6]\n\t"
	"adcq $0, %[t7]\n\t"
	/* add the squares a_i^2 */
	"movq 0(%[a]), %%rdx\n\t"
	"mulxq %%rdx, %[t0], %[x]\n\t"
	"addq %[x], %[t1]\n\t"
	"movq 8(%[a]), %%rdx\n\t"
	"mulxq %%rdx, %%rax, %[x]\n\t"
	"adcq %%rax, %[t2]\n\t"
	"adcq %[x], %[t3]\n\t"
	"movq 16(%[a]), %%rdx\n\t"
	"mulxq %%rdx, %%rax, %[x]\n\t"
	"adcq %%rax, %[t4]\n\t"
	"adcq %[x], %[t5]\n\t"
	"movq 24(%[a]), %%rdx\n\t"
	"mulxq %%rdx, %%rax, %[x]\n\t"
	"adcq %%rax, %[t6]\n\t"
	"adcq %[x], %[t7]\n\t"
	/* Montgomery-reduce the low half, then add the high half */
	FE_X_RED4([t0], [t1], [t2], [t3])
	FE_X_RED4([t1], [t2], [t3], [t0])
	FE_X_RED4([t2], [t3], [t0], [t1])
	FE_X_RED4([t3], [t0], [t1], [t2])
	"xorl %%eax, %%eax\n\t"
	"addq %[t4], %[t0]\n\t"
	"adcq %[t5], %[t1]\n\t"
	"adcq %[t6], %[t2]\n\t"
	"adcq %[t7], %[t3]\n\t"
	"adcq $0, %%rax\n\t"
	/* (t0..t3) + rax·2^256 < 2p: subtract p unless it borrows */
	"movq %[t0], %[t4]\n\t"
	"movq %[t1], %[t5]\n\t"
	"movq %[t2], %[t6]\n\t"
	"movq %[t3], %[t7]\n\t"
	"subq $-1, %[t4]\n\t"
	"sbbq %[p1], %[t5]\n\t"
	"sbbq $0, %[t6]\n\t"
	"sbbq %[p3], %[t7]\n\t"
	"sbbq $0, %%rax\n\t"
	"cmovncq %[t4], %[t0]\n\t"
	"cmovncq %[t5], %[t1]\n\t"
	"cmovncq %[t6], %[t2]\n\t"
	"cmovncq %[t7], %[t3]\n\t"
	"movq %[t0], 0(%[r])\n\t"
	"movq %[t1], 8(%[r])\n\t"
	"movq %[t2], 16(%[r])\n\t"
	"movq %[t3], 24(%[r])\n\t"
	: [t0] "=&r" (t0), [t1] "=&r" (t1), [t2] "=&r" (t2), [t3] "=&r" (t3),
	  [t4] "=&r" (t4), [t5] "=&r" (t5), [t6] "=&r" (t6), [t7] "=&r" (t7),
	  [x] "=&r" (x)
	: [a] "r" (a), [r] "r" (r), [p1] "m" (fe_p1), [p3] "m" (fe_p3)
	: "rax", "rdx", "cc", "memory");
}

/* r = a + b mod p; a, b < p; r may alias. */
HOT_INLINE static void
fe_add_x(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
	uint64_t s0, s1, s2, s3, d0, d1, d2, d3, top;

	__asm__ volatile (
	"xorl %k[top], %k[top]\n\t"
	"movq 0(%[a]), %[s0]\n\t"
	"movq 8(%[a]), %[s1]\n\t"
	"movq 16(%[a]), %[s2]\n\t"
	"movq 24(%[a]), %[s3]\n\t"
	"addq 0(%[b]), %[s0]\n\t"
	"adcq 8(%[b]), %[s1]\n\t"
	"adcq 16(%[b]), %[s2]\n\t"
	"adcq 24(%[b]), %[s3]\n\t"
	"adcq $0, %[top]\n\t"
	/* the sum minus p, kept unless that borrows past the carry */
	"movq %[s0], %[d0]\n\t"
	"movq %[s1], %[d1]\n\t"
	"movq %[s2], %[d2]\n\t"
	"movq %[s3], %[d3]\n\t"
	"subq $-1, %[d0]\n\t"
	"sbbq %[p1], %[d1]\n\t"
	"sbbq $0, %[d2]\n\t"
	"sbbq %[p3], %[d3]\n\t"
	"sbbq $0, %[top]\n\t"
	"cmovcq %[s0], %[d0]\n\t"
	"cmovcq %[s1], %[d1]\n\t"
	"cmovcq %[s2], %[d2]\n\t"
	"cmovcq %[s3], %[d3]\n\t"
	"movq %[d0], 0(%[r])\n\t"
	"movq %[d1], 8(%[r])\n\t"
	"movq %[d2], 16(%[r])\n\t"
	"movq %[d3], 24(%[r])\n\t"
	: [s0] "=&r" (s0), [s1] "=&r" (s1), [s2] "=&r" (s2), [s3] "=&r" (s3),
	  [d0] "=&r" (d0), [d1] "=&r" (d1), [d2] "=&r" (d2), [d3] "=&r" (d3),
	  [top] "=&r" (top)
	: [a] "r" (a), [b] "r" (b), [r] "r" (r), [p1] "m" (fe_p1),
	  [p3] "m" (fe_p3)
	: "cc", "memory");
}

/* r = a - b mod p; a, b < p; r may alias. */
HOT_INLINE static void
fe_sub_x(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
	uint64_t d0, d1, d2, d3, m, m1, m3;

	__asm__ volatile (
	"movq 0(%[a]), %[d0]\n\t"
	"movq 8(%[a]), %[d1]\n\t"
	"movq 16(%[a]), %[d2]\n\t"
	"movq 24(%[a]), %[d3]\n\t"
	"subq 0(%[b]), %[d0]\n\t"
	"sbbq 8(%[b]), %[d1]\n\t"
	"sbbq 16(%[b]), %[d2]\n\t"
	"sbbq 24(%[b]), %[d3]\n\t"
	/* m = all ones when it borrowed: then add p back */
	"sbbq %[m], %[m]\n\t"
	"movq %[m], %[m1]\n\t"
	"movq %[m], %[m3]\n\t"
	"andq %[p1], %[m1]\n\t"
	"andq %[p3], %[m3]\n\t"
	"addq %[m], %[d0]\n\t"
	"adcq %[m1], %[d1]\n\t"
	"adcq $0, %[d2]\n\t"
	"adcq %[m3], %[d3]\n\t"
	"movq %[d0], 0(%[r])\n\t"
	"movq %[d1], 8(%[r])\n\t"
	"movq %[d2], 16(%[r])\n\t"
	"movq %[d3], 24(%[r])\n\t"
	: [d0] "=&r" (d0), [d1] "=&r" (d1), [d2] "=&r" (d2), [d3] "=&r" (d3),
	  [m] "=&r" (m), [m1] "=&r" (m1), [m3] "=&r" (m3)
	: [a] "r" (a), [b] "r" (b), [r] "r" (r), [p1] "m" (fe_p1),
	  [p3] "m" (fe_p3)
	: "cc", "memory");
}

#endif /* IPPYO_CRYPTO_FE_X86_64_H */
