# System call wrappers for C (prototypes in guestos.h): the arguments are already in a0..a5,
# the number goes in a7, the result comes back in a0 (syscalls.inc).
    .include "syscalls.inc"

    .macro SYSCALL name, number
    .text
    .globl \name
\name:
    li      a7, \number
    ecall
    ret
    .endm

    SYSCALL read, SYS_READ
    SYSCALL write, SYS_WRITE
    SYSCALL exit, SYS_EXIT
    SYSCALL sched_yield, SYS_SCHED_YIELD
    SYSCALL getpid, SYS_GETPID
    SYSCALL brk, SYS_BRK
    SYSCALL sleep_ticks, SYS_SLEEP_TICKS
