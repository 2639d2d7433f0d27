# heap: what the kernel's page-fault handler (demand_zero) must give a program. Grows the heap by
# three pages with brk; each page reads zero at first touch and keeps what is written; then
# shrinks the heap to nothing and grows it again: a page given again reads zero (a fresh page, not
# the old one); then touches the stack three pages below where it starts. Prints "heap: ok", or
# what went wrong, and exits with 0 (ok) or 1.
    .include "../../../guestos/syscalls.inc"

    .equ PAGES, 3
    .equ PAGE, 4096

    .text
    .globl _start
_start:
    li      a0, 0
    li      a7, SYS_BRK
    ecall                               # a0 = the heap's end, its start while empty
    mv      s0, a0
    li      s3, PAGE - 4                # a page's last word, from its start
    li      t0, PAGES * PAGE
    add     a0, s0, t0
    li      a7, SYS_BRK
    ecall
    li      t0, PAGES * PAGE
    add     t0, s0, t0
    la      a1, no_brk
    bne     a0, t0, fail
    li      s1, 0
1:  slli    t0, s1, 12                  # page s1: zero, then s1 + 0x55 at both ends
    add     t0, s0, t0
    lw      t1, 0(t0)
    la      a1, not_zero
    bnez    t1, fail
    addi    t1, s1, 0x55
    sw      t1, 0(t0)
    add     t0, t0, s3
    sw      t1, 0(t0)
    addi    s1, s1, 1
    li      t2, PAGES
    blt     s1, t2, 1b
    li      s1, 0
2:  slli    t0, s1, 12                  # every page kept its words
    add     t0, s0, t0
    lw      t1, 0(t0)
    add     t0, t0, s3
    lw      t3, 0(t0)
    addi    t2, s1, 0x55
    la      a1, not_kept
    bne     t1, t2, fail
    bne     t3, t2, fail
    addi    s1, s1, 1
    li      t2, PAGES
    blt     s1, t2, 2b
    mv      a0, s0                      # shrink to nothing, grow again
    li      a7, SYS_BRK
    ecall
    li      t0, PAGES * PAGE
    add     a0, s0, t0
    li      a7, SYS_BRK
    ecall
    li      s1, 0
3:  slli    t0, s1, 12                  # fresh pages again
    add     t0, s0, t0
    add     t0, t0, s3
    lw      t1, 0(t0)
    la      a1, stale
    bnez    t1, fail
    addi    s1, s1, 1
    li      t2, PAGES
    blt     s1, t2, 3b
    li      t0, 3 * PAGE + 16           # the stack, three pages down
    sub     t1, sp, t0
    sw      t0, 0(t1)
    lw      t2, 0(t1)
    la      a1, no_stack
    bne     t2, t0, fail
    la      a1, ok
    li      s2, 0
    j       say
fail:
    li      s2, 1
say:                                    # a1 = a line ended by a newline
    mv      t0, a1
4:  lbu     t1, 0(t0)
    addi    t0, t0, 1
    li      t2, '\n'
    bne     t1, t2, 4b
    sub     a2, t0, a1
    li      a0, STDOUT
    li      a7, SYS_WRITE
    ecall
    mv      a0, s2
    li      a7, SYS_EXIT
    ecall

    .section .rodata
ok:         .ascii "heap: ok\n"
no_brk:     .ascii "heap: brk did not grow the heap\n"
not_zero:   .ascii "heap: a new heap page is not zero\n"
not_kept:   .ascii "heap: a heap page lost what was written to it\n"
stale:      .ascii "heap: a page given again after brk shrank the heap is not zero\n"
no_stack:   .ascii "heap: the stack did not grow\n"
