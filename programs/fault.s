# fault: dereferences a null pointer. The kernel kills it (PAGE_FAULT_LOAD at bad_load,
# tval 0) and the other programs go on.
    .include "../guestos/syscalls.inc"

    .text
    .globl _start, bad_load
_start:
    li      a0, STDOUT
    la      a1, message
    li      a2, message_end - message
    li      a7, SYS_WRITE
    ecall
    li      t0, 0
bad_load:
    lw      t1, 0(t0)                   # nothing is mapped at address 0
    li      a0, 0                       # not reached
    li      a7, SYS_EXIT
    ecall

    .section .rodata
message:    .ascii "fault: reading address 0\n"
message_end:
