/* Calls: recursion, mutual recursion, function pointers, a switch jump table, structs by value,
 * and a recursive quicksort. */
#include "crt0.h"

struct pair { int a, b; long c; };

static int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
static int ack(int m, int n) { return m == 0 ? n + 1 : n == 0 ? ack(m - 1, 1) : ack(m - 1, ack(m, n - 1)); }
static int is_odd(unsigned n);
static int is_even(unsigned n) { return n == 0 ? 1 : is_odd(n - 1); }
static int is_odd(unsigned n) { return n == 0 ? 0 : is_even(n - 1); }
static struct pair swap(struct pair p) { struct pair q = {p.b, p.a, p.c * 3}; return q; }
static int add(int x, int y) { return x + y; }
static int sub(int x, int y) { return x - y; }
static int mul(int x, int y) { return x * y; }

static int classify(int x) {
    switch (x) {
    case 0: return 11; case 1: return 22; case 2: return 37; case 3: return 41;
    case 4: return 53; case 5: return 68; case 6: return 70; case 7: return 89;
    default: return -1;
    }
}

static void quicksort(int *v, int lo, int hi) {
    if (lo >= hi) return;
    int pivot = v[(lo + hi) / 2], i = lo, j = hi;
    while (i <= j) {
        while (v[i] < pivot) i++;
        while (v[j] > pivot) j--;
        if (i <= j) { int t = v[i]; v[i] = v[j]; v[j] = t; i++; j--; }
    }
    quicksort(v, lo, j);
    quicksort(v, i, hi);
}

int main(void) {
    int (*ops[])(int, int) = {add, sub, mul};
    int acc = 0;
    putdec(fib(18)); put(" ", 1);
    putdec(ack(2, 3)); put(" ", 1);
    putdec(is_even(301)); put(" ", 1);
    for (int i = 0; i < 30; i++) acc = ops[i % 3](acc, classify(i % 10)) + i;
    putdec(acc); put(" ", 1);
    struct pair p = swap((struct pair){3, -4, 1000});
    putdec(p.a); putdec(p.b); putdec(p.c); put("\n", 1);
    int v[200];
    unsigned x = 12345;
    for (int i = 0; i < 200; i++) { x = x * 1103515245 + 12345; v[i] = (int)(x >> 8) - (1 << 22); }
    quicksort(v, 0, 199);
    for (int i = 0; i < 200; i += 20) { putdec(v[i]); put(" ", 1); }
    put("\n", 1);
    return fib(10) + acc % 7;
}
