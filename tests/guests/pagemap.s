# Hostile guest: page maps that point beyond its memory. With 1 MiB of guest memory it maps its
# own first MiB one to one, then second-level maps and leaves at addresses it has no memory at
# (just past its end, other guests' and the monitor's host addresses, were they reachable, the
# top of the address space), loads and stores through each and prints the cause (0 = no fault).
# Last it installs a root map beyond its memory: every fetch is then a BUS_ERROR, the handler
# cannot be fetched either, and the machine (or the guest) stops with a trap-loop crash.
    .equ    MEM, 0x00100000
    .equ    DEVICE_PAGE, CONSOLE_TX & ~0xfff
    .text
    .globl _start
_start:
    la      t0, handler
    mtsr    tvec, t0
    la      s0, root
    la      s1, l2
    ori     t0, s1, PTE_V
    sw      t0, 0(s0)                   # root[0] -> l2: va 0 .. 4 MiB
    li      t0, 0x00f00000 | PTE_V
    sw      t0, 4(s0)                   # root[1] -> beyond memory: va 4 .. 8 MiB
    li      t0, 0xeffff000 | PTE_V
    sw      t0, 8(s0)                   # root[2] -> just below the devices: va 8 .. 12 MiB
    la      t1, l2dev                   # root[0x3c0] -> l2dev: the devices stay where they are
    ori     t0, t1, PTE_V
    li      t2, 0x3c0 * 4
    add     t2, t2, s0
    sw      t0, 0(t2)
    li      t0, DEVICE_PAGE | PTE_V | PTE_R | PTE_W
    sw      t0, 0(t1)
    li      t0, 0                       # l2[i] = page i, RWX, for the first MiB
    li      t1, MEM >> 12
    mv      t2, s1
1:  slli    t3, t0, 12
    ori     t3, t3, PTE_V | PTE_R | PTE_W | PTE_X
    sw      t3, 0(t2)
    addi    t0, t0, 1
    addi    t2, t2, 4
    bne     t0, t1, 1b
    la      t0, leaves                  # l2[0x300 + i] = leaves[i]
    li      t2, 0x300 * 4
    add     t2, t2, s1
2:  lw      t3, 0(t0)
    beqz    t3, 3f
    sw      t3, 0(t2)
    addi    t0, t0, 4
    addi    t2, t2, 4
    j       2b
3:  li      t0, 0x0000c0de
    sw      t0, 0(zero)                 # guest-physical 0 holds a marker (read back at va 0x304000)
    ori     t0, s0, PMAR_ON
    stpmar  t0
    la      s4, probes
4:  lw      s6, 0(s4)
    beqz    s6, 6f
    la      a0, msg_probe
    call    puts
    mv      a0, s6
    call    puthex
    li      s11, 0
    li      s7, 0
    lw      s7, 0(s6)
    li      a0, ' '
    call    putc
    mv      a0, s11
    call    puthex
    li      a0, ' '
    call    putc
    mv      a0, s7
    call    puthex
    li      s11, 0
    li      t3, 'S'
    sw      t3, 0(s6)
    li      a0, ' '
    call    putc
    mv      a0, s11
    call    puthex
    li      a0, '\n'
    call    putc
    addi    s4, s4, 4
    j       4b
6:  la      a0, msg_last
    call    puts
    li      t0, 0x00f00000 | PMAR_ON
    stpmar  t0                          # a root map beyond memory: nothing can be fetched now
    li      a0, 1
    call    poweroff

handler:
    mfsr    s11, cause
    mfsr    t6, epc
    addi    t6, t6, 4
    mtsr    epc, t6
    rti

    .data
msg_probe:  .asciz "probe "
msg_last:   .asciz "root map beyond memory\n"
    .p2align 2
leaves:     .word 0x00100000 | PTE_V | PTE_R | PTE_W      # va 0x300000: just past the memory
            .word 0x01000000 | PTE_V | PTE_R | PTE_W      # va 0x301000
            .word 0xe0000000 | PTE_V | PTE_R | PTE_W      # va 0x302000
            .word 0xf0000000 | PTE_V | PTE_R | PTE_W      # va 0x303000: the device page (kernel may)
            .word 0x00000000 | PTE_V | PTE_R              # va 0x304000: its own page 0, read-only
            .word 0
probes:     .word 0x00300000, 0x00301000, 0x00302000, 0x00303000, 0x00304000, 0x00305000
            .word 0x00400000, 0x00800000, 0x00c00000, 0
    .p2align 12
root:       .space 4096
l2:         .space 4096
l2dev:      .space 4096
