# Looking into another thread's address space (SPEC §5 page maps), for the kernel calls that
# take a user address: a server's copy to or from its client, a driver's output buffer. The
# maps are reached through the kernel's direct map (KERNBASE + pa); building and freeing them
# is guestos's code (../vm.s). Nothing is mapped on demand here: that is pm's policy.

    .include "micro.inc"

    .text
# uva_leaf(a0 = root pa, a1 = user va) -> a0 = the leaf entry for va, or 0. Uses t0..t3 only.
    .globl uva_leaf
uva_leaf:
    li      t0, KERNBASE
    srli    t1, a1, L1_SHIFT
    slli    t1, t1, 2
    add     t1, t1, a0
    add     t1, t1, t0                  # &root[va >> 22]
    lw      t2, 0(t1)
    andi    t3, t2, PTE_V
    beqz    t3, 1f
    srli    t2, t2, PAGE_SHIFT
    slli    t2, t2, PAGE_SHIFT
    add     t2, t2, t0                  # the second-level map, through the direct map
    srli    t1, a1, PAGE_SHIFT
    andi    t1, t1, PT_INDEX_MASK
    slli    t1, t1, 2
    add     t2, t2, t1
    lw      a0, 0(t2)
    ret
1:  li      a0, 0
    ret

# uva_check(a0 = thread, a1 = va, a2 = length, a3 = PTE_R or PTE_W) -> a0 = 0 when every byte
# of va .. va+length lies in the user half and is mapped with PTE_V | PTE_U and that
# permission in the thread's map, else -EFAULT and a1 = the first address that is not. One walk
# per page: bounded by the length.
    .globl uva_check
uva_check:
    beqz    a2, 3f
    add     t4, a1, a2                  # end
    bltu    t4, a1, 4f                  # wraps around
    li      t0, USER_TOP
    bgtu    t4, t0, 4f
    addi    sp, sp, -16
    sw      ra, 12(sp)
    lw      a0, P_PMAR(a0)
    srli    a0, a0, PAGE_SHIFT
    slli    t5, a0, PAGE_SHIFT          # t5 = root
    srli    a1, a1, PAGE_SHIFT
    slli    t6, a1, PAGE_SHIFT          # t6 = page
    ori     a4, a3, PTE_V | PTE_U       # the bits the leaf must have
1:  bgeu    t6, t4, 2f
    mv      a0, t5
    mv      a1, t6
    call    uva_leaf
    and     a0, a0, a4
    bne     a0, a4, 5f
    li      t0, PAGE_SIZE
    add     t6, t6, t0
    j       1b
2:  lw      ra, 12(sp)
    addi    sp, sp, 16
3:  li      a0, 0
    ret
5:  lw      ra, 12(sp)
    addi    sp, sp, 16
    mv      a1, t6                      # the page that failed (out of range: va itself)
4:  li      a0, -EFAULT
    ret

# uva_kaddr(a0 = root pa, a1 = user va) -> a0 = the kernel (direct-map) address of that byte.
# Only for a va that uva_check has accepted.
    .globl uva_kaddr
uva_kaddr:
    addi    sp, sp, -16
    sw      ra, 12(sp)
    sw      a1, 8(sp)
    call    uva_leaf
    lw      a1, 8(sp)
    srli    a0, a0, PAGE_SHIFT
    slli    a0, a0, PAGE_SHIFT
    li      t0, KERNBASE
    add     a0, a0, t0
    slli    a1, a1, 32 - PAGE_SHIFT   # the offset in the page
    srli    a1, a1, 32 - PAGE_SHIFT
    add     a0, a0, a1
    lw      ra, 12(sp)
    addi    sp, sp, 16
    ret
