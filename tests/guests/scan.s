# Hostile guest: scans all of its guest-physical memory. It writes a pattern into every word
# from the end of its image up to the first address with no memory behind it (a BUS_ERROR: the
# end of *its* RAM, whatever the host has beyond), reads every word back, then probes addresses
# far beyond its memory (other guests' and the monitor's host addresses, were they reachable)
# and the unused part of the device page, loading and storing: each must be a BUS_ERROR.
# Prints what it found; powers off with the number of probes that did not fault.
    .text
    .globl _start
_start:
    la      t0, handler
    mtsr    tvec, t0
    li      s1, 0x5ca77e44              # the pattern
    la      s0, image_end
    li      s11, 0
1:  sw      s1, 0(s0)                   # write everywhere until the memory ends
    bnez    s11, 2f
    addi    s0, s0, 4
    j       1b
2:  mv      s2, s0                      # s2 = end of memory
    la      a0, msg_end
    call    puts
    mv      a0, s2
    call    puthex
    li      a0, '\n'
    call    putc
    la      s0, image_end               # read it all back
    li      s3, 0                       # words that differ
3:  lw      t3, 0(s0)
    beq     t3, s1, 4f
    addi    s3, s3, 1
4:  addi    s0, s0, 4
    bltu    s0, s2, 3b
    la      a0, msg_bad
    call    puts
    mv      a0, s3
    call    puthex
    li      a0, '\n'
    call    putc
    la      s4, probes                  # s4 -> next probe address; s5 = probes that did not fault
    li      s5, 0
5:  lw      s6, 0(s4)
    beqz    s6, 7f
    la      a0, msg_probe
    call    puts
    mv      a0, s6
    call    puthex
    li      s11, 0
    lw      t3, 0(s6)                   # load
    mv      a0, s11
    bnez    s11, 6f
    addi    s5, s5, 1
6:  li      a0, ' '
    call    putc
    mv      a0, s11
    call    puthex
    li      s11, 0
    sw      s1, 0(s6)                   # store
    bnez    s11, 8f
    addi    s5, s5, 1
8:  li      a0, ' '
    call    putc
    mv      a0, s11
    call    puthex
    li      a0, '\n'
    call    putc
    addi    s4, s4, 4
    j       5b
7:  mv      a0, s5
    call    poweroff

# Every trap: remember the cause in s11 and skip the instruction.
handler:
    mfsr    s11, cause
    mfsr    t6, epc
    addi    t6, t6, 4
    mtsr    epc, t6
    rti

    .data
msg_end:    .asciz "memory ends at "
msg_bad:    .asciz "words not read back: "
msg_probe:  .asciz "probe "
    .p2align 2
probes:     .word 0x00100000, 0x00200000, 0x01000000, 0x01100000, 0x04000000, 0x10000000
            .word 0x80000000, 0xe0000000, 0xeffff000, 0xf0000100, 0xf0000ffc, 0xf0001000, 0xfffff000, 0
    .p2align 12
image_end:
