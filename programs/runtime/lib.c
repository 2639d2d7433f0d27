/* Helpers for C programs under guestos: sbrk on top of brk, decimal output, and the memory
 * functions clang may call by itself. */
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
