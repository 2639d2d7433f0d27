# priv: tries a privileged instruction from user mode. SPEC §3: it does nothing and raises
# PRIVILEGED_INSTRUCTION; the kernel kills the program.
    .include "../guestos/syscalls.inc"

    .text
    .globl _start, bad_instruction
_start:
    li      a0, STDOUT
    la      a1, message
    li      a2, message_end - message
    li      a7, SYS_WRITE
    ecall
bad_instruction:
    stpmar  zero                        # would turn translation off
    li      a0, 0                       # not reached
    li      a7, SYS_EXIT
    ecall

    .section .rodata
message:    .ascii "priv: trying stpmar in user mode\n"
message_end:
