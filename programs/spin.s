# spin: a long loop with no system call in it. It never yields, so the others get to run only
# because the timer preempts it. Prints a line before and after.
    .include "../guestos/syscalls.inc"

    .equ ITERATIONS, 200000

    .text
    .globl _start
_start:
    la      a1, started
    li      a2, started_end - started
    call    say
    li      t0, ITERATIONS
1:  addi    t0, t0, -1
    bnez    t0, 1b
    la      a1, done
    li      a2, done_end - done
    call    say
    li      a0, 0
    li      a7, SYS_EXIT
    ecall

say:                                    # write(STDOUT, a1, a2)
    li      a0, STDOUT
    li      a7, SYS_WRITE
    ecall
    ret

    .section .rodata
started:    .ascii "spin: started\n"
started_end:
done:       .ascii "spin: done\n"
done_end:
