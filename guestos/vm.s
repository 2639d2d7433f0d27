# Page maps (SPEC §5): user address spaces, demand-zero growth, checking user pointers.
#
# Every address space is a root map whose high half (root entries KERNEL_L1_FIRST..1023) is a
# copy of the kernel's, so the kernel, its stack and the devices stay mapped -- kernel-only, no
# PTE_U -- whichever process runs; the low half is the process's own. All page maps are reached
# through the direct map (KERNBASE + pa): these functions run with translation on.

    .include "kernel.inc"

    .text
# pte_find(a0 = root pa, a1 = user va, a2 = 1 to create a missing second-level map)
#   -> a0 = kernel address of the leaf entry for va, or 0 (no second-level map / no memory)
pte_find:
    li      t0, KERNBASE
    srli    t1, a1, L1_SHIFT
    slli    t1, t1, 2
    add     t1, t1, a0
    add     t1, t1, t0                  # &root[va >> 22]
    lw      t2, 0(t1)
    andi    t3, t2, PTE_V
    bnez    t3, 2f
    beqz    a2, 1f
    addi    sp, sp, -16
    sw      ra, 12(sp)
    sw      a1, 8(sp)
    sw      t1, 4(sp)
    call    page_alloc                  # zeroed: every entry invalid
    lw      ra, 12(sp)
    lw      a1, 8(sp)
    lw      t1, 4(sp)
    addi    sp, sp, 16
    beqz    a0, 1f
    ori     t2, a0, PTE_V               # V alone: a pointer to a second-level map
    sw      t2, 0(t1)
    li      t0, KERNBASE
2:  srli    t2, t2, PAGE_SHIFT
    slli    t2, t2, PAGE_SHIFT
    add     t2, t2, t0                  # the second-level map, through the direct map
    srli    t1, a1, PAGE_SHIFT
    andi    t1, t1, PT_INDEX_MASK
    slli    t1, t1, 2
    add     a0, t2, t1
    ret
1:  li      a0, 0
    ret

# map_page(a0 = root pa, a1 = page-aligned user va, a2 = leaf entry) -> a0 = 0, or -1 when
# memory is exhausted or va is already mapped. The caller flushes the TLB if the map is live.
    .globl map_page
map_page:
    addi    sp, sp, -16
    sw      ra, 12(sp)
    sw      a2, 8(sp)
    li      a2, 1
    call    pte_find
    lw      a2, 8(sp)
    lw      ra, 12(sp)
    addi    sp, sp, 16
    beqz    a0, 1f
    lw      t0, 0(a0)
    andi    t0, t0, PTE_V
    bnez    t0, 1f
    sw      a2, 0(a0)
    li      a0, 0
    ret
1:  li      a0, -1
    ret

# unmap_page(a0 = root pa, a1 = user va): free the page mapped at va, if any.
    .globl unmap_page
unmap_page:
    addi    sp, sp, -16
    sw      ra, 12(sp)
    li      a2, 0
    call    pte_find
    beqz    a0, 1f
    lw      t0, 0(a0)
    andi    t1, t0, PTE_V
    beqz    t1, 1f
    sw      zero, 0(a0)
    srli    a0, t0, PAGE_SHIFT
    slli    a0, a0, PAGE_SHIFT
    call    page_free
1:  lw      ra, 12(sp)
    addi    sp, sp, 16
    ret

# uvm_create() -> a0 = physical address of a new root map holding only the kernel half, or 0
    .globl uvm_create
uvm_create:
    addi    sp, sp, -16
    sw      ra, 12(sp)
    call    page_alloc
    beqz    a0, 2f
    li      t0, KERNBASE
    add     t1, a0, t0
    li      t0, KERNEL_L1_OFFSET
    add     t1, t1, t0                  # &new[KERNEL_L1_FIRST]
    la      t2, kernel_root
    add     t2, t2, t0
    li      t3, PAGE_SIZE
    add     t3, t1, t3                  # end of the new root
1:  lw      t4, 0(t2)
    sw      t4, 0(t1)
    addi    t1, t1, 4
    addi    t2, t2, 4
    bltu    t1, t3, 1b
2:  lw      ra, 12(sp)
    addi    sp, sp, 16
    ret

# uvm_free(a0 = root pa): free every page of the low half, its second-level maps and the root.
# The root must not be the live map (the caller has switched to the kernel's).
    .globl uvm_free
uvm_free:
    addi    sp, sp, -32
    sw      ra, 28(sp)
    sw      s0, 24(sp)
    sw      s1, 20(sp)
    sw      s2, 16(sp)
    sw      s3, 12(sp)
    mv      s3, a0
    li      t0, KERNBASE
    add     s0, a0, t0                  # &root[0]
    li      t0, KERNEL_L1_OFFSET
    add     s1, s0, t0                  # end of the user half
1:  bgeu    s0, s1, 4f
    lw      t0, 0(s0)
    andi    t1, t0, PTE_V
    beqz    t1, 3f
    srli    t0, t0, PAGE_SHIFT
    slli    s2, t0, PAGE_SHIFT          # the second-level map (pa)
    li      t1, KERNBASE
    add     s2, s2, t1                  # ... through the direct map
2:  lw      t0, 0(s2)
    andi    t1, t0, PTE_V
    beqz    t1, 5f
    srli    a0, t0, PAGE_SHIFT
    slli    a0, a0, PAGE_SHIFT
    call    page_free
5:  addi    s2, s2, 4
    slli    t0, s2, 32 - PAGE_SHIFT
    bnez    t0, 2b                      # until the end of the second-level map
    li      t1, KERNBASE + PAGE_SIZE
    sub     a0, s2, t1
    call    page_free
3:  addi    s0, s0, 4
    j       1b
4:  mv      a0, s3
    call    page_free
    lw      ra, 28(sp)
    lw      s0, 24(sp)
    lw      s1, 20(sp)
    lw      s2, 16(sp)
    lw      s3, 12(sp)
    addi    sp, sp, 32
    ret

# demand_zero(a0 = process, a1 = user va) -> a0 = 0 when va lies in the process's stack or heap
# and a fresh zero page is now mapped there; -1 otherwise (not a growth area, already mapped,
# or no memory). The process's map is live, so the TLB is flushed.
    .globl demand_zero
demand_zero:
    li      t0, USER_TOP
    bgeu    a1, t0, 9f
    li      t1, USER_TOP - STACK_MAX
    bgeu    a1, t1, 1f                  # the stack: USER_TOP - STACK_MAX .. USER_TOP
    lw      t0, P_HEAP(a0)              # the heap: P_HEAP .. P_BRK
    bltu    a1, t0, 9f
    lw      t0, P_BRK(a0)
    bgeu    a1, t0, 9f
# LAB-HOLE begin demand-zero
# LAB: va is in the stack or the heap: give it a fresh zeroed page (page_alloc), mapped at va's
# LAB: page in the process's page map (map_page) for user reads and writes; the live map changed,
# LAB: so flush the TLB; a0 = 0. Out of memory, or already mapped: free the page, a0 = -1.
# LAB-STUB 1:  li      a0, -1
# LAB-STUB     ret
1:  addi    sp, sp, -16
    sw      ra, 12(sp)
    sw      s0, 8(sp)
    sw      s1, 4(sp)
    sw      s2, 0(sp)
    mv      s0, a0
    srli    s1, a1, PAGE_SHIFT
    slli    s1, s1, PAGE_SHIFT
    call    page_alloc
    beqz    a0, 7f
    mv      s2, a0
    ori     a2, a0, PTE_V | PTE_R | PTE_W | PTE_U
    lw      a0, P_PMAR(s0)
    srli    a0, a0, PAGE_SHIFT
    slli    a0, a0, PAGE_SHIFT
    mv      a1, s1
    call    map_page
    bnez    a0, 6f
    tlbflush                            # SPEC §3: the live map changed in place
    li      a0, 0
    j       8f
6:  mv      a0, s2                      # already mapped (or no memory for a map): give it back
    call    page_free
7:  li      a0, -1
8:  lw      ra, 12(sp)
    lw      s0, 8(sp)
    lw      s1, 4(sp)
    lw      s2, 0(sp)
    addi    sp, sp, 16
    ret
# LAB-HOLE end
9:  li      a0, -1
    ret

# user_check(a0 = process, a1 = user va, a2 = length, a3 = PTE_R or PTE_W)
#   -> a0 = 0 when every byte of va .. va+length is in the user half and mapped for user access
#   with that permission (mapping stack and heap pages on demand), else -EFAULT.
# A system call checks a user buffer with this before touching it, never after.
    .globl user_check
user_check:
    beqz    a2, 6f
    add     t0, a1, a2                  # end
    bltu    t0, a1, 7f                  # wraps around
    li      t1, USER_TOP
    bgtu    t0, t1, 7f
    addi    sp, sp, -32
    sw      ra, 28(sp)
    sw      s0, 24(sp)
    sw      s1, 20(sp)
    sw      s2, 16(sp)
    sw      s3, 12(sp)
    mv      s0, a0
    srli    s1, a1, PAGE_SHIFT
    slli    s1, s1, PAGE_SHIFT          # page
    mv      s2, t0                      # end
    ori     s3, a3, PTE_V | PTE_U       # the bits the leaf must have
1:  bgeu    s1, s2, 5f
    lw      a0, P_PMAR(s0)
    srli    a0, a0, PAGE_SHIFT
    slli    a0, a0, PAGE_SHIFT
    mv      a1, s1
    li      a2, 0
    call    pte_find
    beqz    a0, 2f
    lw      t0, 0(a0)
    andi    t1, t0, PTE_V
    bnez    t1, 3f
2:  mv      a0, s0                      # not mapped: maybe stack or heap not touched yet
    mv      a1, s1
    call    demand_zero
    bnez    a0, 4f
    j       1b                          # look again, now mapped
3:  and     t0, t0, s3
    bne     t0, s3, 4f
    li      t0, PAGE_SIZE
    add     s1, s1, t0
    j       1b
4:  li      a0, -EFAULT
    j       8f
5:  li      a0, 0
8:  lw      ra, 28(sp)
    lw      s0, 24(sp)
    lw      s1, 20(sp)
    lw      s2, 16(sp)
    lw      s3, 12(sp)
    addi    sp, sp, 32
    ret
6:  li      a0, 0
    ret
7:  li      a0, -EFAULT
    ret
