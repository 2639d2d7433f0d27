# snoop: tries to read the kernel's memory, where the kernel also keeps every other process's
# pages (guestos maps all RAM, kernel-only, at 0x80000000 + physical address). The page is
# mapped but without PTE_U, so the load raises PAGE_FAULT_LOAD (SPEC §5) and the kernel kills it.
    .include "../guestos/syscalls.inc"

    .equ KERNEL_TEXT, 0x80010000        # where guestos is linked

    .text
    .globl _start, bad_load
_start:
    li      a0, STDOUT
    la      a1, message
    li      a2, message_end - message
    li      a7, SYS_WRITE
    ecall
    li      t0, KERNEL_TEXT
bad_load:
    lw      t1, 0(t0)
    li      a0, STDOUT                  # not reached: it would print what it read
    la      a1, leaked
    li      a2, leaked_end - leaked
    li      a7, SYS_WRITE
    ecall
    li      a0, 0
    li      a7, SYS_EXIT
    ecall

    .section .rodata
message:    .ascii "snoop: reading kernel memory at 0x80010000\n"
message_end:
leaked:     .ascii "snoop: read it!\n"
leaked_end:
