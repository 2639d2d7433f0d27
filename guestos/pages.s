# Physical page allocator: every page from the boot info's BI_FREE to the end of RAM.
#
# Pages never handed out yet come from a bump pointer; they are zero because all memory is zero
# at reset (SPEC §2), so boot code may allocate with translation off. Freed pages go on a list
# linked through their first word (reached through the direct map, so only with translation on)
# and are zeroed when handed out again.

    .include "kernel.inc"

    .text
# page_init(a0 = first free physical address (page-aligned), a1 = RAM size)
    .globl page_init
page_init:
    la      t0, next_fresh
    sw      a0, 0(t0)
    srli    a1, a1, PAGE_SHIFT          # whole pages only
    slli    a1, a1, PAGE_SHIFT
    li      t1, DEVICE_PAGE - KERNBASE  # the direct map must stop below the device page
    bleu    a1, t1, 1f
    mv      a1, t1
1:  la      t0, ram_end
    sw      a1, 0(t0)
    ret

# page_alloc() -> a0 = physical address of a zeroed page, or 0 when memory is exhausted
    .globl page_alloc
page_alloc:
    la      t0, free_list
    lw      a0, 0(t0)
    beqz    a0, 2f
    li      t1, KERNBASE
    add     t1, a0, t1                  # the page through the direct map
    lw      t2, 0(t1)
    sw      t2, 0(t0)                   # free_list = next
    li      t2, PAGE_SIZE
    add     t2, t1, t2
1:  sw      zero, 0(t1)
    addi    t1, t1, 4
    bltu    t1, t2, 1b
    ret
2:  la      t0, next_fresh
    lw      a0, 0(t0)
    la      t1, ram_end
    lw      t1, 0(t1)
    bgeu    a0, t1, 3f
    li      t1, PAGE_SIZE
    add     t1, a0, t1
    sw      t1, 0(t0)
    ret
3:  li      a0, 0
    ret

# page_free(a0 = physical address of a page)
    .globl page_free
page_free:
    li      t1, KERNBASE
    add     t1, a0, t1
    la      t0, free_list
    lw      t2, 0(t0)
    sw      t2, 0(t1)                   # page.next = free_list
    sw      a0, 0(t0)
    ret

    .data
    .globl ram_end
next_fresh: .word 0                     # the bump pointer
ram_end:    .word 0                     # end of usable RAM (physical)
free_list:  .word 0                     # physical address of the first freed page, or 0
