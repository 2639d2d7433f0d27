# Hostile guest: executes garbage. It fills 16 KiB with pseudo-random words (a fixed LCG, so every
# run is the same; words of the sensitive rdpsw/wrpsw are left out, they are issue 6's subject),
# and jumps into them with every register scrambled. Its trap handler skips whatever trapped
# and counts; after 300 traps it powers off with the last cause. The garbage may well destroy
# the handler or the page it runs in first: the guest then crashes. Whatever happens, it
# happens the same on the bare machine and under the monitor, and to this guest alone.
    .equ    WORDS, 4096
    .text
    .globl _start
_start:
    la      t0, handler
    mtsr    tvec, t0
    mtsr    scratch, zero
    la      s0, garbage
    li      s1, WORDS
    li      s2, 0x2545f491              # LCG state
    li      s3, 1664525
    li      s4, 1013904223
1:  mul     s2, s2, s3
    add     s2, s2, s4
    andi    t0, s2, 0x7f
    li      t1, 0x0b                    # custom-0: keep out funct3 3 and 4 (rdpsw, wrpsw)
    bne     t0, t1, 2f
    srli    t0, s2, 12
    andi    t0, t0, 7
    li      t1, 3
    blt     t0, t1, 2f
    li      t1, 4
    bgt     t0, t1, 2f
    xori    s2, s2, 0x7f                # make it some other opcode
2:  sw      s2, 0(s0)
    addi    s0, s0, 4
    addi    s1, s1, -1
    bnez    s1, 1b
    la      ra, garbage
    li      t0, 0x9e3779b9              # scramble every register
    mv      x3, t0
    mul     x4, x3, t0
    mul     x5, x4, t0
    mul     x6, x5, t0
    mul     x7, x6, t0
    mul     x8, x7, t0
    mul     x9, x8, t0
    mul     x10, x9, t0
    mul     x11, x10, t0
    mul     x12, x11, t0
    mul     x13, x12, t0
    mul     x14, x13, t0
    mul     x15, x14, t0
    mul     x16, x15, t0
    mul     x17, x16, t0
    mul     x18, x17, t0
    mul     x19, x18, t0
    mul     x20, x19, t0
    mul     x21, x20, t0
    mul     x22, x21, t0
    mul     x23, x22, t0
    mul     x24, x23, t0
    mul     x25, x24, t0
    mul     x26, x25, t0
    mul     x27, x26, t0
    mul     x28, x27, t0
    mul     x29, x28, t0
    mul     x30, x29, t0
    mul     x31, x30, t0
    mul     x2, x31, t0
    jr      ra

handler:
    mfsr    x31, scratch
    addi    x31, x31, 1
    mtsr    scratch, x31
    li      x30, 300
    bge     x31, x30, 1f
    mfsr    x31, epc
    addi    x31, x31, 4
    mtsr    epc, x31
    rti
1:  mfsr    a0, cause
    call    poweroff

    .data
    .p2align 12
garbage:    .space WORDS * 4
