/* hailstone: Collatz sequences in C (clang, rv32im) on guestos.
 * steps(n) = the number of 3n+1 / n/2 steps from n down to 1. The table of steps for every n
 * below LIMIT lives on the heap (sbrk: pages appear on first touch); each n reuses the entry of
 * the first smaller number its sequence reaches. Every line is written whole with one call. */
#include "guestos.h"

#define LIMIT 10000

static char line[80];
static int len;

static void add(const char *s) { while (*s) line[len++] = *s++; }

static void add_dec(unsigned long v) {
    char digits[12];
    int n = 0;
    do { digits[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (n) line[len++] = digits[--n];
}

static void put_line(void) {
    line[len++] = '\n';
    write(1, line, len);
    len = 0;
}

int main(void) {
    unsigned short *steps = sbrk(LIMIT * sizeof *steps);
    if (steps == (void *)-1) {
        putstr("hailstone: no memory\n");
        return 1;
    }
    unsigned best = 1;
    for (unsigned n = 2; n < LIMIT; n++) {
        unsigned long x = n;
        unsigned k = 0;
        while (x >= n) {
            x = (x & 1) ? 3 * x + 1 : x / 2;
            k++;
        }
        steps[n] = (unsigned short)(k + steps[x]);
        if (steps[n] > steps[best]) best = n;
    }
    add("hailstone: 27 takes ");
    add_dec(steps[27]);
    add(" steps");
    put_line();
    add("hailstone: below ");
    add_dec(LIMIT);
    add(" the longest is ");
    add_dec(best);
    add(" with ");
    add_dec(steps[best]);
    add(" steps");
    put_line();
    sbrk(-(long)(LIMIT * sizeof *steps));
    return 0;
}
