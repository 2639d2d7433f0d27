# A small bare-machine kernel with a real bug, for docs/debugging.md: it builds a page map,
# turns translation on and calls a function -- whose first store, to the stack, faults.
# (Find the bug with gdb before reading the comment that gives it away below.)
    .text
    .globl _start
_start:
    la      t0, trap
    mtsr    tvec, t0
    la      sp, stack_top
    la      a0, hello
    call    puts
    la      s0, root                    # the page map: one root entry, one second-level table
    la      s1, table
    ori     t0, s1, PTE_V
    sw      t0, 0(s0)
    la      a0, _start                  # identity-map the kernel: code,
    li      a1, PTE_R | PTE_X
    call    map_page
    la      a0, table                   # the table itself (to edit it later),
    li      a1, PTE_R | PTE_W
    call    map_page
    la      a0, stack_bottom            # and its stack
    li      a1, PTE_R                   # the bug: a stack must be writable (PTE_R | PTE_W)
    call    map_page
    ori     t0, s0, PMAR_ON
    stpmar  t0                          # translation on
    li      a0, 6
    call    triangle                    # 6 + 5 + ... + 1
    mv      s2, a0
    stpmar  zero
    la      a0, result
    call    puts
    mv      a0, s2
    call    puthex
    li      a0, '\n'
    call    putc
    li      t0, POWER_OFF
    sw      zero, 0(t0)

map_page:                               # map_page(a0 = address, a1 = flags): identity, in table
    srli    t0, a0, 12
    andi    t0, t0, 0x3FF
    slli    t0, t0, 2
    add     t0, s1, t0                  # &table[second-level index]
    srli    t1, a0, 12
    slli    t1, t1, 12
    or      t1, t1, a1
    ori     t1, t1, PTE_V
    sw      t1, 0(t0)
    ret

triangle:                               # triangle(a0 = n): n + (n - 1) + ... + 1, recursively
    addi    sp, sp, -16
    sw      ra, 12(sp)
    sw      s0, 8(sp)
    mv      s0, a0
    beqz    a0, 1f
    addi    a0, a0, -1
    call    triangle
    add     a0, a0, s0
1:  lw      s0, 8(sp)
    lw      ra, 12(sp)
    addi    sp, sp, 16
    ret

trap:                                   # any trap is fatal here: report it and power off
    stpmar  zero                        # translation off: the console is reachable
    la      a0, panic
    call    puts
    mfsr    a0, cause
    call    puthex
    la      a0, at_pc
    call    puts
    mfsr    a0, epc
    call    puthex
    la      a0, at_tval
    call    puts
    mfsr    a0, tval
    call    puthex
    li      a0, '\n'
    call    putc
    li      t0, POWER_OFF
    li      t1, 3
    sw      t1, 0(t0)

putc:                                   # putc(a0 = byte)
    li      t0, CONSOLE_TX
    sw      a0, 0(t0)
    ret

puts:                                   # puts(a0 = NUL-terminated string)
    li      t0, CONSOLE_TX
1:  lbu     t1, 0(a0)
    beqz    t1, 2f
    sw      t1, 0(t0)
    addi    a0, a0, 1
    j       1b
2:  ret

puthex:                                 # puthex(a0): eight hex digits
    li      t0, CONSOLE_TX
    li      t1, 28
1:  srl     t2, a0, t1
    andi    t2, t2, 15
    addi    t2, t2, '0'
    li      t3, '9'
    ble     t2, t3, 2f
    addi    t2, t2, 'a' - '9' - 1
2:  sw      t2, 0(t0)
    addi    t1, t1, -4
    bgez    t1, 1b
    ret

hello:   .asciz "pagebug: paging on\n"
result:  .asciz "pagebug: triangle(6) = "
panic:   .asciz "pagebug: trap, cause="
at_pc:   .asciz " epc="
at_tval: .asciz " tval="

    .bss
    .balign 4096
root:         .space 4096
table:        .space 4096
stack_bottom: .space 4096
stack_top:
