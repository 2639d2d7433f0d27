# ticker: three lines "ticker PID: tick N", sleeping TICKS timer ticks before each. Two tickers
# started together take turns; getpid tells them apart.
    .include "../guestos/syscalls.inc"

    .equ TICKS, 2
    .equ COUNT, 3

    .text
    .globl _start
_start:
    li      a7, SYS_GETPID
    ecall
    la      t0, pid_digit
    addi    a0, a0, '0'                 # pids 1..9
    sb      a0, 0(t0)
    li      s0, 1
1:  li      a0, TICKS
    li      a7, SYS_SLEEP_TICKS
    ecall
    la      t0, count_digit
    addi    t1, s0, '0'
    sb      t1, 0(t0)
    li      a0, STDOUT
    la      a1, line
    li      a2, line_end - line
    li      a7, SYS_WRITE
    ecall
    addi    s0, s0, 1
    li      t0, COUNT
    ble     s0, t0, 1b
    li      a0, 0
    li      a7, SYS_EXIT
    ecall

    .data
line:        .ascii "ticker "
pid_digit:   .ascii "?: tick "
count_digit: .ascii "?\n"
line_end:
