# Console helpers for the test guests (bare-machine kernels): kernel mode, devices reachable.
# They use only a0, a1, t0, t1, t2.
    .text
    .globl putc
putc:                           # putc(a0 = byte)
    li      t0, CONSOLE_TX
    sw      a0, 0(t0)
    ret

    .globl puts
puts:                           # puts(a0 = NUL-terminated string)
    li      t0, CONSOLE_TX
1:  lbu     t1, 0(a0)
    beqz    t1, 2f
    sw      t1, 0(t0)
    addi    a0, a0, 1
    j       1b
2:  ret

    .globl puthex
puthex:                         # puthex(a0): eight hex digits
    li      t0, CONSOLE_TX
    li      t1, 28
1:  srl     t2, a0, t1
    andi    t2, t2, 15
    addi    t2, t2, '0'
    li      a1, '9'
    ble     t2, a1, 2f
    addi    t2, t2, 'a' - '9' - 1
2:  sw      t2, 0(t0)
    addi    t1, t1, -4
    bgez    t1, 1b
    ret

    .globl poweroff
poweroff:                       # poweroff(a0 = status)
    li      t0, POWER_OFF
    sw      a0, 0(t0)
1:  j       1b
