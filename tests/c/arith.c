/* Integer corner cases: every RV32IM arithmetic operation over signed/unsigned extremes,
 * division by zero and the one overflowing division. */
#include "crt0.h"

static volatile int vals[] = {0, 1, -1, 2, -2, 7, -7, 31, 32, 0x7fffffff, (int)0x80000000, (int)0x80000001,
                              12345, -98765, 0x55555555, (int)0xaaaaaaaa};
#define N (int)(sizeof vals / sizeof vals[0])

int main(void) {
    unsigned h = 0;
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < N; j++) {
            int a = vals[i], b = vals[j];
            unsigned ua = a, ub = b;
            long long p = (long long)a * b;
            unsigned long long up = (unsigned long long)ua * ub;
            long long su = (long long)a * (unsigned long long)ub;
            puthex(a + b); puthex(a - b); puthex(ua * ub);
            puthex((unsigned)(p >> 32)); puthex((unsigned)(up >> 32)); puthex((unsigned)(su >> 32));
            puthex(a / b); puthex(a % b); puthex(ua / ub); puthex(ua % ub);
            puthex(a << (b & 31)); puthex(a >> (b & 31)); puthex(ua >> (b & 31));
            puthex(a < b); puthex(ua < ub); puthex(a & b); puthex(a | b); puthex(a ^ b);
            put("\n", 1);
            h = h * 31 + (a / b) + (ua % ub);
        }
    }
    putdec(h);
    put("\n", 1);
    return h & 0x7f;
}
