# rowrite: stores into its own code, which the kernel maps read-only (R+X). On the bare machine
# the store raises PAGE_FAULT_STORE and the kernel kills the program; a monitor must refuse it
# the same way. Prints "rowrite: storing into my code" first, and "rowrite: the store went
# through" if it does.
    .include "../../../guestos/syscalls.inc"

    .text
    .globl _start, bad_store
_start:
    li      a0, STDOUT
    la      a1, trying
    li      a2, trying_end - trying
    li      a7, SYS_WRITE
    ecall
    la      t0, _start
    lw      t1, 0(t0)
bad_store:
    sw      t1, 0(t0)                   # the same word: harmless, had it been allowed
    li      a0, STDOUT
    la      a1, through
    li      a2, through_end - through
    li      a7, SYS_WRITE
    ecall
    li      a0, 1
    li      a7, SYS_EXIT
    ecall

    .section .rodata
trying:      .ascii "rowrite: storing into my code\n"
trying_end:
through:     .ascii "rowrite: the store went through\n"
through_end:
