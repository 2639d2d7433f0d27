/* Helpers for C programs under guestos: sbrk on top of brk, decimal output, the memory and
 * string functions clang may call by itself (a struct copy, a loop it recognises), and the
 * 64-bit division rv32im has no instruction for (clang calls __udivdi3 and friends, which
 * -nostdlib leaves out with the rest of compiler-rt). */
#include "guestos.h"

void *sbrk(long increment) {
    static char *end;
    if (!end) end = (char *)brk(0);
    char *old = end;
    char *want = old + increment;
    if ((char *)brk(want) != want) return (void *)-1;
    end = want;
    return old;
}

size_t strlen(const char *s) {
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

void putstr(const char *s) { write(1, s, strlen(s)); }

void putdec(long v) {
    char buf[12];
    int i = sizeof buf;
    unsigned long u = v < 0 ? -(unsigned long)v : (unsigned long)v;
    do { buf[--i] = (char)('0' + u % 10); u /= 10; } while (u);
    if (v < 0) buf[--i] = '-';
    write(1, buf + i, sizeof buf - i);
}

void *memset(void *d, int c, size_t n) {
    unsigned char *p = d;
    while (n--) *p++ = (unsigned char)c;
    return d;
}

void *memcpy(void *d, const void *s, size_t n) {
    unsigned char *p = d;
    const unsigned char *q = s;
    while (n--) *p++ = *q++;
    return d;
}

void *memmove(void *d, const void *s, size_t n) {
    unsigned char *p = d;
    const unsigned char *q = s;
    if (p < q || p >= q + n) {
        while (n--) *p++ = *q++;
    } else {                            /* overlapping, destination above: copy from the end */
        p += n;
        q += n;
        while (n--) *--p = *--q;
    }
    return d;
}

int memcmp(const void *a, const void *b, size_t n) {
    const unsigned char *p = a, *q = b;
    for (; n; n--, p++, q++)
        if (*p != *q) return *p - *q;
    return 0;
}

int strcmp(const char *a, const char *b) {
    while (*a && *a == *b) a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}

/* Unsigned 64-bit division by shift and subtract: one quotient bit per step, at most 64 steps.
 * Division by zero gives the all-ones quotient and the dividend as remainder, as RISC-V's divu
 * and remu do for 32 bits. */
static unsigned long long divmod64(unsigned long long n, unsigned long long d, unsigned long long *rem) {
    if (d == 0) {
        *rem = n;
        return ~0ULL;
    }
    unsigned long long q = 0, r = 0;
    for (int i = 63; i >= 0; i--) {
        r = (r << 1) | ((n >> i) & 1);
        if (r >= d) {
            r -= d;
            q |= 1ULL << i;
        }
    }
    *rem = r;
    return q;
}

unsigned long long __udivdi3(unsigned long long n, unsigned long long d) {
    unsigned long long r;
    return divmod64(n, d, &r);
}

unsigned long long __umoddi3(unsigned long long n, unsigned long long d) {
    unsigned long long r;
    divmod64(n, d, &r);
    return r;
}

long long __divdi3(long long n, long long d) {       /* rounds toward zero, as C does */
    unsigned long long r, q = divmod64(n < 0 ? -(unsigned long long)n : (unsigned long long)n,
                                       d < 0 ? -(unsigned long long)d : (unsigned long long)d, &r);
    return (n < 0) != (d < 0) ? -(long long)q : (long long)q;
}

long long __moddi3(long long n, long long d) {       /* takes the dividend's sign, as C does */
    unsigned long long r;
    divmod64(n < 0 ? -(unsigned long long)n : (unsigned long long)n,
             d < 0 ? -(unsigned long long)d : (unsigned long long)d, &r);
    return n < 0 ? -(long long)r : (long long)r;
}
