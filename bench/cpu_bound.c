/* The CPU-bound benchmark: a sieve, an integer matrix multiply and a heap sort, repeated.
 * Prints a checksum so a run can be compared with qemu-riscv32's. */
#include "crt0.h"

#ifndef ROUNDS
#define ROUNDS 6
#endif
#define SIEVE 20000
#define MAT 24
#define SORT 3000

static unsigned char composite[SIEVE];
static int a[MAT][MAT], b[MAT][MAT], c[MAT][MAT];
static unsigned v[SORT];

static unsigned sieve(void) {
    unsigned count = 0;
    memset(composite, 0, sizeof composite);
    for (unsigned i = 2; i < SIEVE; i++) {
        if (composite[i]) continue;
        count++;
        for (unsigned j = i * 2; j < SIEVE; j += i) composite[j] = 1;
    }
    return count;
}

static unsigned matmul(unsigned seed) {
    for (int i = 0; i < MAT; i++)
        for (int j = 0; j < MAT; j++) {
            seed = seed * 1664525 + 1013904223;
            a[i][j] = (int)(seed >> 20) - 2048;
            b[j][i] = (int)(seed & 0xfff) - 2048;
        }
    unsigned h = 0;
    for (int i = 0; i < MAT; i++)
        for (int j = 0; j < MAT; j++) {
            int s = 0;
            for (int k = 0; k < MAT; k++) s += a[i][k] * b[k][j];
            c[i][j] = s;
            h = h * 33 ^ (unsigned)s;
        }
    return h;
}

static void sift(unsigned *x, int start, int end) {
    int root = start;
    while (2 * root + 1 <= end) {
        int child = 2 * root + 1;
        if (child + 1 <= end && x[child] < x[child + 1]) child++;
        if (x[root] >= x[child]) return;
        unsigned t = x[root]; x[root] = x[child]; x[child] = t;
        root = child;
    }
}

static unsigned heapsort(unsigned seed) {
    for (int i = 0; i < SORT; i++) { seed = seed * 22695477 + 1; v[i] = seed % 100000; }
    for (int s = (SORT - 2) / 2; s >= 0; s--) sift(v, s, SORT - 1);
    for (int end = SORT - 1; end > 0; end--) {
        unsigned t = v[0]; v[0] = v[end]; v[end] = t;
        sift(v, 0, end - 1);
    }
    unsigned h = 0;
    for (int i = 0; i < SORT; i++) h = h * 31 + v[i];
    return h;
}

int main(void) {
    unsigned h = 0;
    for (int r = 0; r < ROUNDS; r++) {
        h += sieve();
        h ^= matmul(h + r);
        h += heapsort(h);
    }
    puthex(h);
    put("\n", 1);
    return 0;
}
