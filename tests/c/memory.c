/* Loads and stores of every width and sign, at every alignment the width allows. */
#include "crt0.h"

static unsigned char buf[64];
static volatile signed char *sb = (signed char *)buf;
static volatile short *sh = (short *)buf;
static volatile unsigned short *uh = (unsigned short *)buf;
static volatile int *sw = (int *)buf;

int main(void) {
    for (int i = 0; i < 64; i++) buf[i] = (unsigned char)(i * 37 + 0x80);
    for (int i = 0; i < 64; i++) { putdec(sb[i]); putdec(((volatile unsigned char *)buf)[i]); put(" ", 1); }
    put("\n", 1);
    for (int i = 0; i < 32; i++) { putdec(sh[i]); put(",", 1); putdec(uh[i]); put(" ", 1); }
    put("\n", 1);
    for (int i = 0; i < 16; i++) puthex(sw[i]);
    put("\n", 1);
    for (int i = 0; i < 16; i++) sw[i] = -i * 0x01010101;
    for (int i = 0; i < 32; i += 3) sh[i] = (short)(0x8000 + i);
    for (int i = 0; i < 64; i += 5) sb[i] = (signed char)(-i);
    for (int i = 0; i < 16; i++) puthex(sw[i]);
    put("\n", 1);
    unsigned sum = 0;
    for (int i = 0; i < 64; i++) sum += sb[i] * (i + 1);
    putdec(sum);
    put("\n", 1);
    return sum & 0xff;
}
