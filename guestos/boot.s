# Boot: from reset to the first user process.
#
# At reset (SPEC §2) we run in kernel mode with interrupts off and translation off, at the
# *physical* address the kernel was loaded at (0x10000), although the kernel is linked at its
# high virtual address (KERNBASE + 0x10000). Until translation is on, the code below therefore
# uses only pc-relative addressing (la, call, branches): those give physical addresses now and
# virtual ones later. a0 holds the physical address of the boot-info table (docs/boot.md).
#
#   1. check the boot info, hand the free RAM to the page allocator
#   2. build the kernel page map: all RAM at KERNBASE + pa, the device page at its own address,
#      all kernel-only; plus, for a moment, the kernel at its physical address (identity)
#   3. stpmar: translation on; jump to the high address; drop the identity mapping
#   4. set tvec, make a process of every module, and let the scheduler run the first one
#
# The paravirtual build (toyasm build --defsym PARAVIRT=1, `make guestos-para`) does one thing
# before step 1: it registers its vcpu page with the monitor (isa/paravirt.py, HC_SET_VCPU), with
# tvec pointing at not_paravirtualized first, so that where no monitor serves the hypercall (bare
# machine, any other --strategy) the trap it raises ends the boot with a clear message.

    .include "kernel.inc"

    .text
    .globl _start
_start:                                 # first in the image: the kernel text starts here
.ifdef PARAVIRT
    # isa/paravirt.py: `hypercall` raises VIRTUALIZATION_TRAP at tvec wherever no monitor
    # serves it (bare machine, --strategy other than para), so catch that trap first.
    la      t0, not_paravirtualized     # physical, as every address until translation is on
    mtsr    tvec, t0
    mv      s0, a0                      # keep the boot-info address
    la      a0, vcpu_page               # pc-relative: its guest-PHYSICAL address, as wanted
    li      a7, HC_SET_VCPU             # from now on the monitor fills the page at every trap
    hypercall                           # it reflects, and saves the trapped a7 there
    bnez    a0, vcpu_refused            # a0 = 0: registered
    mv      a0, s0
.endif
    la      sp, kstack_top              # physical for now
    beqz    a0, no_bootinfo             # a0 = 0: the loader gave no modules
    lw      t0, BI_MAGIC(a0)
    li      t1, BOOTINFO_MAGIC
    bne     t0, t1, bad_bootinfo
    la      t0, bootinfo
    li      t1, KERNBASE
    add     t1, t1, a0
    sw      t1, 0(t0)                   # remember it by its direct-map address, used after step 3

    # The link address must be the load address + KERNBASE, or the direct map would not
    # contain the kernel where its code expects to be.
    li      t0, _start                  # absolute: the link (virtual) address
    la      t1, _start                  # pc-relative: where we really are
    sub     t0, t0, t1
    li      t1, KERNBASE
    bne     t0, t1, bad_link

    lw      a1, BI_RAM_SIZE(a0)
    lw      a0, BI_FREE(a0)
    call    page_init                   # pages.s: free RAM = BI_FREE .. RAM size

    call    kernel_map                  # a0 = physical address of the kernel root map
    mv      s0, a0

    # Identity-map the 4 MiB around this code, for the instructions between stpmar and the
    # jump: they are still fetched at physical addresses. The direct map's second-level map for
    # that region serves as it is (same physical pages, other virtual address).
    la      t0, _start
    srli    t0, t0, L1_SHIFT
    slli    t0, t0, 2
    add     s1, s0, t0                  # &root[pa >> 22]
    li      t0, KERNEL_L1_OFFSET
    add     t0, s1, t0
    lw      t2, 0(t0)                   # root[(KERNBASE + pa) >> 22]
    sw      t2, 0(s1)

    ori     t0, s0, PMAR_ON
    stpmar  t0                          # SPEC §3: translation on, cached translations flushed
    li      t0, high                    # absolute: the high virtual address
    jr      t0

high:
    la      sp, kstack_top              # now a virtual address
    li      t0, KERNBASE                # drop the identity mapping: only the high half is
    add     t0, s1, t0                  # the kernel's from now on
    sw      zero, 0(t0)
    tlbflush                            # SPEC §3: flush after editing a map in place
    la      t0, kernel_pmar
    ori     t1, s0, PMAR_ON
    sw      t1, 0(t0)

    la      t0, trap_entry
    mtsr    tvec, t0                    # SPEC §2: every trap enters here
    la      t0, current
    la      t1, idle_proc               # until a process runs, traps save into the idle frame
    sw      t1, 0(t0)

    call    start_processes             # proc.s: one process per module
    j       schedule                    # sched.s: never returns


# kernel_map() -> a0 = physical address of the kernel's root page map.
# Runs with translation off: every address here is physical, and page_alloc only hands out pages
# never touched since reset, which are zero (SPEC §2), so new maps start empty.
kernel_map:
    addi    sp, sp, -16
    sw      ra, 12(sp)
    sw      s0, 8(sp)
    sw      s1, 4(sp)
    sw      s2, 0(sp)
    la      s0, kernel_root
    # Direct map: page pa -> KERNBASE + pa, kernel-only (no PTE_U). The kernel's text and
    # read-only data are R+X, everything else R+W.
    li      s1, 0                       # pa
1:  la      t0, ram_end
    lw      t0, 0(t0)
    bgeu    s1, t0, 4f
    srli    t0, s1, L1_SHIFT
    addi    t0, t0, KERNEL_L1_FIRST
    slli    t0, t0, 2
    add     s2, s0, t0                  # &root[(KERNBASE + pa) >> 22]
    lw      t0, 0(s2)
    bnez    t0, 2f
    call    page_alloc                  # a new second-level map for this 4 MiB
    beqz    a0, out_of_memory
    ori     t0, a0, PTE_V               # V alone: a pointer to a second-level map (SPEC §5)
    sw      t0, 0(s2)
2:  srli    s2, t0, PAGE_SHIFT
    slli    s2, s2, PAGE_SHIFT          # the second-level map
    srli    t0, s1, PAGE_SHIFT
    andi    t0, t0, PT_INDEX_MASK
    slli    t0, t0, 2
    add     s2, s2, t0                  # &leaf
    li      t2, PTE_V | PTE_R | PTE_W
    la      t0, _start
    la      t1, kernel_data_start
    bltu    s1, t0, 3f
    bgeu    s1, t1, 3f
    li      t2, PTE_V | PTE_R | PTE_X
3:  or      t0, s1, t2
    sw      t0, 0(s2)
    li      t0, PAGE_SIZE
    add     s1, s1, t0
    j       1b

    # The device page at its own address, kernel-only: users never reach a device (SPEC §6).
4:  call    page_alloc
    beqz    a0, out_of_memory
    li      t0, DEVICE_PAGE >> L1_SHIFT
    slli    t0, t0, 2
    add     t0, s0, t0
    ori     t1, a0, PTE_V
    sw      t1, 0(t0)
    li      t0, (DEVICE_PAGE >> PAGE_SHIFT) & PT_INDEX_MASK
    slli    t0, t0, 2
    add     t0, a0, t0
    li      t1, DEVICE_PAGE | PTE_V | PTE_R | PTE_W
    sw      t1, 0(t0)

    mv      a0, s0
    lw      ra, 12(sp)
    lw      s0, 8(sp)
    lw      s1, 4(sp)
    lw      s2, 0(sp)
    addi    sp, sp, 16
    ret

no_bootinfo:
    la      a0, msg_no_bootinfo
    j       panic
bad_bootinfo:
    la      a0, msg_bad_bootinfo
    j       panic
bad_link:
    la      a0, msg_bad_link
    j       panic
out_of_memory:
    la      a0, msg_no_memory
    j       panic
.ifdef PARAVIRT
vcpu_refused:
    la      a0, msg_vcpu_refused
    j       panic

# The trap of the HC_SET_VCPU hypercall above where nothing serves it: say so and power off
# (EXIT_PANIC). Runs with translation off, like panic: pc-relative and device addresses only.
not_paravirtualized:
    la      a0, msg_not_paravirtualized
    call    kputs                       # console.s
    li      t0, POWER_OFF
    li      t1, EXIT_PANIC
    sw      t1, 0(t0)                   # SPEC §6: stops the machine
1:  j       1b
.endif

    .section .rodata
msg_no_bootinfo: .asciz "no boot-info table (a0 = 0): give programs with --module"
msg_bad_bootinfo: .asciz "a0 does not point at a boot-info table"
msg_bad_link:    .asciz "the kernel must be linked at KERNBASE + its load address"
msg_no_memory:   .asciz "out of memory for the kernel page map"
.ifdef PARAVIRT
msg_vcpu_refused: .asciz "the monitor refused the vcpu page (HC_SET_VCPU)"
msg_not_paravirtualized:
    .ascii "guestos-para: hypercall trapped (VIRTUALIZATION_TRAP): this kernel is paravirtualized "
    .asciz "and runs only under the monitor: toyvm run --vmm --strategy para ...\n"
.endif

    .data
kernel_data_start:                      # first in the data segment: the end of text + rodata
    .globl bootinfo, kernel_pmar, kernel_root
bootinfo:    .word 0                    # direct-map address of the boot-info table
kernel_pmar: .word 0                    # the kernel page map, as stpmar wants it

    .bss
    .balign PAGE_SIZE
kernel_root: .space PAGE_SIZE           # its high half is shared by every address space
.ifdef PARAVIRT
    .balign PAGE_SIZE
    .globl vcpu_page
vcpu_page:   .space PAGE_SIZE           # page-aligned, zero at reset: the monitor writes the
                                        # VCPU_* words of each trap it reflects (isa/paravirt.py)
.endif
    .balign 16
kstack:      .space KSTACK_SIZE         # one kernel stack: the kernel never sleeps mid-call
    .globl kstack_top
kstack_top:
