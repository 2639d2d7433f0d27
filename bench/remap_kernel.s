# The remapping benchmark: a kernel-mode TOY32 program that runs with translation on and, in
# each of ROUNDS rounds, points a window of WINDOW virtual pages (at 0x40000000) at another
# WINDOW of a pool of POOL physical pages (round r maps page i onto pool page (r + i) mod POOL),
# runs tlbflush as SPEC §5 asks after editing a live map, and touches every page of the window
# (one load and one store). It stands for a kernel whose maps change all the time (mmap and
# munmap, fork and exit, buffers mapped in and out): every round invalidates every translation a
# shadow map holds. Prints a checksum and powers off with status 0.
    .equ DATA_VA, 0x40000000
    .equ DATA_PA, 0x00400000
    .equ WINDOW, 32
    .equ POOL, 64
    .equ ROUNDS, 300

    .text
    .globl _start
_start:
    la t0, fault
    mtsr tvec, t0
    # root entry 0 -> l2_low: identity map of the low 4 MiB (this program, its maps), kernel RWX
    la s0, root
    la s1, l2_low
    ori t0, s1, PTE_V
    sw t0, 0(s0)
    li t1, PTE_V | PTE_R | PTE_W | PTE_X
    li t2, 1024
1:  sw t1, 0(s1)
    addi s1, s1, 4
    li t3, PAGE_SIZE
    add t1, t1, t3
    addi t2, t2, -1
    bnez t2, 1b
    # root entry for DATA_VA -> l2_data, whose first WINDOW entries each round rewrites
    la s1, l2_data
    ori t0, s1, PTE_V
    li t3, (DATA_VA >> 22) * 4
    add t3, s0, t3
    sw t0, 0(t3)
    ori t0, s0, PMAR_ON
    stpmar t0

    li s2, 0                    # round
    li s3, 0                    # checksum
    li t4, PAGE_SIZE
round:
    la s1, l2_data
    li s5, 0                    # i
remap:
    add t0, s2, s5
    andi t0, t0, POOL - 1
    slli t0, t0, 12
    li t1, DATA_PA | PTE_V | PTE_R | PTE_W
    add t0, t0, t1
    sw t0, 0(s1)
    addi s1, s1, 4
    addi s5, s5, 1
    li t1, WINDOW
    bne s5, t1, remap
    tlbflush

    li s4, DATA_VA
    li s5, WINDOW
touch:
    lw t0, 0(s4)
    add t0, t0, s5
    xor s3, s3, t0
    slli t1, s3, 1
    srli t2, s3, 31
    or s3, t1, t2
    sw t0, 0(s4)
    add s4, s4, t4
    addi s5, s5, -1
    bnez s5, touch
    addi s2, s2, 1
    li t1, ROUNDS
    bne s2, t1, round

    # translation off (the device page is not mapped), print the checksum in hex, power off
    stpmar zero
    li a1, CONSOLE_TX
    li t2, 8
3:  srli t0, s3, 28
    slli s3, s3, 4
    li t1, 10
    blt t0, t1, 4f
    addi t0, t0, 'a' - '0' - 10
4:  addi t0, t0, '0'
    sw t0, 0(a1)
    addi t2, t2, -1
    bnez t2, 3b
    li t0, '\n'
    sw t0, 0(a1)
    li a1, POWER_OFF
    sw zero, 0(a1)
fault:
    halt

    .bss
    .p2align 12
root:    .space 4096
l2_low:  .space 4096
l2_data: .space 4096
