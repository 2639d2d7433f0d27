/* A tiny C runtime for freestanding rv32im programs run with Linux system calls
 * (qemu-riscv32, or `toyvm run --syscalls linux`): _start calls main and exits with its
 * result; a few output helpers and the memory functions clang may call at -O2. */
#include "crt0.h"

__asm__(".globl _start\n"
        "_start:\n"
        "    call main\n"
        "    li a7, 93\n"
        "    ecall\n");

long syscall3(long n, long a, long b, long c) {
    register long a0 __asm__("a0") = a;
    register long a1 __asm__("a1") = b;
    register long a2 __asm__("a2") = c;
    register long a7 __asm__("a7") = n;
    __asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a7) : "memory");
    return a0;
}

void put(const char *s, unsigned n) { syscall3(64, 1, (long)s, n); }

void putstr(const char *s) {
    unsigned n = 0;
    while (s[n]) n++;
    put(s, n);
}

void putdec(long v) {
    char buf[16];
    int i = 16;
    unsigned long u = v < 0 ? -(unsigned long)v : (unsigned long)v;
    do { buf[--i] = '0' + u % 10; u /= 10; } while (u);
    if (v < 0) buf[--i] = '-';
    put(buf + i, 16 - i);
}

void puthex(unsigned long v) {
    char buf[9];
    for (int i = 7; i >= 0; i--, v >>= 4) buf[i] = "0123456789abcdef"[v & 15];
    buf[8] = ' ';
    put(buf, 9);
}

void *memset(void *d, int c, unsigned long n) {
    unsigned char *p = d;
    while (n--) *p++ = (unsigned char)c;
    return d;
}

void *memcpy(void *d, const void *s, unsigned long n) {
    unsigned char *p = d;
    const unsigned char *q = s;
    while (n--) *p++ = *q++;
    return d;
}

void *memmove(void *d, const void *s, unsigned long n) {
    unsigned char *p = d;
    const unsigned char *q = s;
    if (p < q) while (n--) *p++ = *q++;
    else while (n--) p[n] = q[n];
    return d;
}
