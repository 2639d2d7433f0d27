# echo: copy console input to console output until end of input (read returns 0).
    .include "../guestos/syscalls.inc"

    .equ BUFSIZE, 64

    .text
    .globl _start
_start:
1:  li      a0, STDIN
    la      a1, buffer
    li      a2, BUFSIZE
    li      a7, SYS_READ
    ecall
    blez    a0, 2f                      # 0: end of input (negative: an error)
    mv      a2, a0
    li      a0, STDOUT
    la      a1, buffer
    li      a7, SYS_WRITE
    ecall
    j       1b
2:  li      a0, 0
    li      a7, SYS_EXIT
    ecall

    .bss
buffer: .space BUFSIZE
