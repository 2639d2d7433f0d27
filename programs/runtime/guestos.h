/* The C side of guestos's system calls (guestos/syscalls.inc) and a few helpers (lib.c). */
#ifndef GUESTOS_H
#define GUESTOS_H

typedef unsigned long size_t;

long read(int fd, void *buf, size_t n);
long write(int fd, const void *buf, size_t n);
__attribute__((noreturn)) void exit(int status);
long sched_yield(void);
long getpid(void);
long brk(void *addr);              /* the new end of the heap (the old one on failure) */
long sleep_ticks(unsigned long n);

void *sbrk(long increment);        /* (void *)-1 when the heap cannot grow */
size_t strlen(const char *s);
void putstr(const char *s);        /* to standard output */
void putdec(long v);
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
int strcmp(const char *a, const char *b);

#endif
