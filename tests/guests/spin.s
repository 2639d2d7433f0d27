# Hostile guest: turns interrupts off for good and spins. Only the monitor's own time slices
# (and --max-instructions) get the processor back.
    .text
    .globl _start
_start:
    li      t0, TIMER_LOAD              # even a timer armed for it never gets through (IE = 0)
    li      t1, 100
    sw      t1, 0(t0)
    mtsr    psw, zero
1:  addi    s0, s0, 1
    j       1b
