# Processes: made from the boot modules, ended by exit or by a fatal trap.
#
# A module's segments are already in RAM (docs/boot.md): each at the same offset within its
# page as its virtual address, with bytes beyond the file size zero. So a process is made by
# mapping those physical pages at the segment's virtual address, with the segment's R/W/X
# permissions plus PTE_U -- nothing is copied. Its stack and heap come later, on demand (vm.s).

    .include "kernel.inc"

    .text
# start_processes(): one process per module of the boot info, pid = module index + 1.
    .globl start_processes
start_processes:
    addi    sp, sp, -16
    sw      ra, 12(sp)
    sw      s0, 8(sp)
    sw      s1, 4(sp)
    sw      s2, 0(sp)
    la      t0, bootinfo
    lw      t0, 0(t0)
    lw      s1, BI_NMODULES(t0)
    addi    s0, t0, BI_HEADER_SIZE      # the first module record
    li      s2, 0                       # index
1:  bgeu    s2, s1, 3f
    li      t0, NPROC
    bgeu    s2, t0, 4f
    mv      a0, s0
    mv      a1, s2
    call    proc_create
    beqz    a0, 2f
    la      a0, msg_bad_module          # could not map it: say so, run the others
    call    kputs
    addi    a0, s0, BI_MOD_NAME
    call    kputs
    li      a0, '\n'
    call    kputc
    call    note_failure
2:  addi    s0, s0, BI_MOD_SIZE
    addi    s2, s2, 1
    j       1b
4:  la      a0, msg_too_many            # more modules than process slots
    call    kputs
    call    note_failure
3:  lw      ra, 12(sp)
    lw      s0, 8(sp)
    lw      s1, 4(sp)
    lw      s2, 0(sp)
    addi    sp, sp, 16
    ret

# proc_create(a0 = module record (kernel address), a1 = slot) -> a0 = 0, or -1 when a segment
# lies outside the user half or overlaps another, or memory ran out.
proc_create:
    addi    sp, sp, -48
    sw      ra, 44(sp)
    sw      s0, 40(sp)
    sw      s1, 36(sp)
    sw      s2, 32(sp)
    sw      s3, 28(sp)
    sw      s4, 24(sp)
    sw      s5, 20(sp)
    sw      s6, 16(sp)                  # 0(sp): the segment's pa - va
    mv      s0, a0
    la      s1, proc_table
    li      t0, PROC_SIZE
    mul     t0, a1, t0
    add     s1, s1, t0                  # s1 = the process (all zero: a fresh slot)
    addi    t0, a1, 1
    sw      t0, P_PID(s1)
    addi    t0, s0, BI_MOD_NAME
    sw      t0, P_NAME(s1)
    lw      t0, BI_MOD_ENTRY(s0)
    sw      t0, P_PC(s1)
    li      t0, USER_TOP - 16           # argc = 0, argv = envp = NULL above it (demand-zero)
    sw      t0, P_SP(s1)
    call    uvm_create
    beqz    a0, 9f
    ori     t0, a0, PMAR_ON
    sw      t0, P_PMAR(s1)

    lw      s2, BI_MOD_NSEGS(s0)
    addi    s3, s0, BI_MOD_SEGS         # segment record
    li      s6, 0                       # highest end so far
1:  beqz    s2, 5f
    lw      t0, BI_SEG_VADDR(s3)
    lw      t1, BI_SEG_MEMSZ(s3)
    add     t2, t0, t1                  # end
    bltu    t2, t0, 8f                  # wraps around
    li      t3, USER_TOP
    bgtu    t2, t3, 8f                  # not in the user half
    bleu    t2, s6, 2f
    mv      s6, t2
2:  srli    s4, t0, PAGE_SHIFT
    slli    s4, s4, PAGE_SHIFT          # s4 = first virtual page
    mv      s5, t2                      # s5 = end
    lw      t1, BI_SEG_PADDR(s3)
    sub     t1, t1, t0                  # pa - va: the same for every page of the segment
    sw      t1, 0(sp)
3:  bgeu    s4, s5, 4f
    lw      t1, 0(sp)
    add     a2, s4, t1                  # the page's physical address
    lw      t0, BI_SEG_FLAGS(s3)        # BI_SEG_R/W/X are PTE_R/W/X (isa/boot.py)
    or      a2, a2, t0
    ori     a2, a2, PTE_V | PTE_U
    lw      a0, P_PMAR(s1)
    srli    a0, a0, PAGE_SHIFT
    slli    a0, a0, PAGE_SHIFT
    mv      a1, s4
    call    map_page
    bnez    a0, 8f
    li      t0, PAGE_SIZE
    add     s4, s4, t0
    j       3b
4:  addi    s3, s3, BI_SEG_SIZE
    addi    s2, s2, -1
    j       1b

5:  li      t0, PAGE_SIZE - 1           # the heap starts on the page after the program
    add     s6, s6, t0
    srli    s6, s6, PAGE_SHIFT
    slli    s6, s6, PAGE_SHIFT
    sw      s6, P_HEAP(s1)
    sw      s6, P_BRK(s1)
    li      t0, P_RUNNABLE
    sw      t0, P_STATE(s1)
    li      a0, 0
    j       10f

8:  lw      a0, P_PMAR(s1)              # give back what was built
    srli    a0, a0, PAGE_SHIFT
    slli    a0, a0, PAGE_SHIFT
    call    uvm_free
9:  li      a0, -1
10: lw      ra, 44(sp)
    lw      s0, 40(sp)
    lw      s1, 36(sp)
    lw      s2, 32(sp)
    lw      s3, 28(sp)
    lw      s4, 24(sp)
    lw      s5, 20(sp)
    lw      s6, 16(sp)
    addi    sp, sp, 48
    ret

# proc_kill(a0 = process, a1 = cause, a2 = pc, a3 = tval): a fatal trap in user mode.
# Prints "guestos: pid N (NAME) killed: CAUSE pc=0x... tval=0x..." and ends the process.
    .globl proc_kill
proc_kill:
    mv      s0, a0
    mv      s1, a1
    mv      s2, a2
    mv      s3, a3
    la      a0, msg_pid
    call    kputs
    lw      a0, P_PID(s0)
    call    kputdec
    la      a0, msg_open
    call    kputs
    lw      a0, P_NAME(s0)
    call    kputs
    la      a0, msg_killed
    call    kputs
    mv      a0, s1
    mv      a1, s2
    mv      a2, s3
    call    put_trap                    # panic.s
    call    note_failure
    mv      a0, s0                      # fall through to proc_exit

# proc_exit(a0 = process): free its memory and its slot, run the others. Never returns.
    .globl proc_exit
proc_exit:
    mv      s0, a0
    la      t0, kernel_pmar             # leave its address space before freeing it
    lw      t0, 0(t0)
    stpmar  t0
    la      t0, current
    la      t1, idle_proc
    sw      t1, 0(t0)
    lw      a0, P_PMAR(s0)
    srli    a0, a0, PAGE_SHIFT
    slli    a0, a0, PAGE_SHIFT
    call    uvm_free
    mv      a0, s0                      # clear the slot for good
    addi    t1, a0, PROC_SIZE
1:  sw      zero, 0(a0)
    addi    a0, a0, 4
    bltu    a0, t1, 1b                  # P_STATE = P_FREE
    j       schedule

# note_failure(): the machine will power off with EXIT_KILLED.
note_failure:
    la      t0, exit_status
    li      t1, EXIT_KILLED
    sw      t1, 0(t0)
    ret

    .section .rodata
msg_pid:        .asciz "guestos: pid "
msg_open:       .asciz " ("
msg_killed:     .asciz ") killed: "
msg_bad_module: .asciz "guestos: cannot load module "
msg_too_many:   .asciz "guestos: too many modules\n"
