# hello: one line on the console, then exit(0).
    .include "../guestos/syscalls.inc"

    .text
    .globl _start
_start:
    li      a0, STDOUT
    la      a1, message
    li      a2, message_end - message
    li      a7, SYS_WRITE
    ecall
    li      a0, 0
    li      a7, SYS_EXIT
    ecall

    .section .rodata
message:
    .ascii  "Hello, world!\n"
message_end:
