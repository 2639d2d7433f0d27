long syscall3(long n, long a, long b, long c);
void put(const char *s, unsigned n);
void putstr(const char *s);
void putdec(long v);
void puthex(unsigned long v);
void *memset(void *d, int c, unsigned long n);
void *memcpy(void *d, const void *s, unsigned long n);
