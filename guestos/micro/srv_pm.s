# pm, the process and memory manager: a user-mode server (servers.s maps it; the kernel gives
# it the task right). It does in user mode what guestos's kernel does in proc.s and vm.s:
#
#   - at start, one program per boot module: a task (MK_TASK_CREATE), each segment's pages
#     mapped in place from the boot-info table the kernel mapped for it (MK_MAP), started;
#   - getpid, brk, exit and every other guestos system call the kernel forwards (-ENOSYS for
#     numbers it does not know), with guestos's limits (../kernel.inc: HEAP_MAX, STACK_MAX);
#   - a program's page faults, which the kernel sends it as (MSG_FAULT, cause, pc, tval):
#     in the stack area or below the break, a fresh zero page (MK_MAP_ZERO) and a reply that
#     resumes the program; anything else, guestos's report line (through the console driver)
#     and the program's end (MK_TASK_KILL);
#   - when the last program is gone, MK_POWEROFF with guestos's status: 0, or 1 when a program
#     was killed or could not be loaded.

    .include "../kernel.inc"
    .include "abi.inc"

    .equ PROCS,     SERVER_DATA         # per thread id: pid, heap start, break, name (its va)
    .equ PROC_PID,  0
    .equ PROC_HEAP, 4
    .equ PROC_BRK,  8
    .equ PROC_NAME, 12
    .equ PROC_ENTRY_SIZE, 16
    .equ LIVE,      SERVER_DATA + 0x200 # programs not ended yet
    .equ STATUS,    SERVER_DATA + 0x204 # the power-off status
    .equ LINE,      SERVER_DATA + 0x300 # a report line being built (at most ~120 bytes)

    .text
    .balign PAGE_SIZE
    .globl pm_start, pm_end, pm_main
pm_start:
# pm_main(a0 = the boot-info table, at BOOTINFO_VA)
pm_main:
    mv      s0, a0
    lw      s1, BI_NMODULES(s0)
    addi    s2, s0, BI_HEADER_SIZE      # the module record
    li      s3, 0                       # its index
1:  bgeu    s3, s1, 3f
    li      t0, NPROC
    bgeu    s3, t0, 2f
    mv      a0, s2
    addi    a1, s3, 1                   # pid: the module's position
    call    load
    addi    s2, s2, BI_MOD_SIZE
    addi    s3, s3, 1
    j       1b
2:  la      a1, msg_too_many            # more modules than program slots
    li      a0, LINE
    call    cat_str
    call    say
    call    failed
3:  li      t0, LIVE
    lw      t0, 0(t0)
    beqz    t0, power_off
    li      a7, MK_RECV
    ecall

# a0 = sender, a1..a4 = the message
serve:
    mv      s0, a0
    beqz    a0, next                    # pm takes no interrupts
    li      t0, MSG_FAULT
    beq     a1, t0, on_fault
    li      t0, MSG_TOUCH
    beq     a1, t0, on_touch
    li      t0, SYS_GETPID
    beq     a1, t0, on_getpid
    li      t0, SYS_BRK
    beq     a1, t0, on_brk
    li      t0, SYS_EXIT
    beq     a1, t0, on_exit
    li      t0, SYS_EXIT_GROUP
    beq     a1, t0, on_exit
    li      a1, -ENOSYS
reply:                                  # reply a1 to s0, then the next message
    mv      a0, s0
    li      a7, MK_REPLY_RECV
    ecall
    j       serve
next:
    li      a7, MK_RECV
    ecall
    j       serve

# getpid() -> pid (0 for a thread that is not a program)
on_getpid:
    mv      a0, s0
    call    proc_of
    lw      a1, PROC_PID(a0)
    j       reply

# brk(addr = a2) -> the new end of the heap, or the unchanged one when addr is 0 or out of
# bounds (Linux's convention, as guestos's sys_brk); shrinking unmaps the pages above the end.
on_brk:
    mv      s2, a2
    mv      a0, s0
    call    proc_of
    mv      s1, a0
    lw      t0, PROC_HEAP(s1)
    beqz    t0, 3f                      # not a program
    bltu    s2, t0, 3f
    li      t1, HEAP_MAX
    add     t1, t0, t1
    bgtu    s2, t1, 3f
    li      t1, USER_TOP - STACK_MAX
    bgtu    s2, t1, 3f
    lw      s3, PROC_BRK(s1)
    sw      s2, PROC_BRK(s1)
    bgeu    s2, s3, 2f                  # growing: pages come on first touch
    li      t2, PAGE_SIZE - 1
    add     s4, s2, t2
    srli    s4, s4, PAGE_SHIFT
    slli    s4, s4, PAGE_SHIFT          # first page to free
    add     s3, s3, t2                  # end of the old heap, rounded up
1:  bgeu    s4, s3, 2f
    mv      a0, s0
    mv      a1, s4
    li      a7, MK_UNMAP
    ecall
    li      t0, PAGE_SIZE
    add     s4, s4, t0
    j       1b
2:  mv      a1, s2
    j       reply
3:  lw      a1, PROC_BRK(s1)
    j       reply

# exit(status): the status is not kept (as in guestos)
on_exit:
    mv      a0, s0
    call    end
    j       next

# (MSG_FAULT, cause = a2, pc = a3, tval = a4)
on_fault:
    mv      s2, a2
    mv      s3, a3
    mv      s4, a4
    mv      a0, s0
    call    proc_of
    mv      s1, a0
    lw      t0, PROC_PID(s1)
    beqz    t0, next                    # not a program's
    li      t0, CAUSE_PAGE_FAULT_LOAD
    beq     s2, t0, 1f
    li      t0, CAUSE_PAGE_FAULT_STORE
    bne     s2, t0, kill
1:  li      t0, USER_TOP
    bgeu    s4, t0, kill
    li      t0, USER_TOP - STACK_MAX
    bgeu    s4, t0, 2f                  # the stack: USER_TOP - STACK_MAX .. USER_TOP
    lw      t0, PROC_HEAP(s1)           # the heap: start .. break
    bltu    s4, t0, kill
    lw      t0, PROC_BRK(s1)
    bgeu    s4, t0, kill
2:  mv      a0, s0
    srli    a1, s4, PAGE_SHIFT
    slli    a1, a1, PAGE_SHIFT
    li      a2, PTE_R | PTE_W
    li      a7, MK_MAP_ZERO
    ecall
    bnez    a0, kill                    # no memory (or mapped already: a real fault)
    li      a1, 0
    j       reply                       # the program runs the instruction again

# (MSG_TOUCH, 0, pc = a3, va = a4): a system call's buffer page, for a driver (abi.inc). In
# the stack area or below the break: a fresh zero page, reply 0 (the call runs again); else
# -EFAULT, its result -- as guestos's user_check maps stack and heap pages on demand.
on_touch:
    mv      s4, a4
    mv      a0, s0
    call    proc_of
    mv      s1, a0
    li      a1, -EFAULT
    lw      t0, PROC_PID(s1)
    beqz    t0, reply
    li      t0, USER_TOP
    bgeu    s4, t0, reply
    li      t0, USER_TOP - STACK_MAX
    bgeu    s4, t0, 1f
    lw      t0, PROC_HEAP(s1)
    bltu    s4, t0, reply
    lw      t0, PROC_BRK(s1)
    bgeu    s4, t0, reply
1:  mv      a0, s0
    srli    a1, s4, PAGE_SHIFT
    slli    a1, a1, PAGE_SHIFT
    li      a2, PTE_R | PTE_W
    li      a7, MK_MAP_ZERO
    ecall
    li      a1, 0
    beqz    a0, reply
    li      a1, -EFAULT                 # mapped already, with too few rights: a real fault
    j       reply

# "guestos: pid N (NAME) killed: CAUSE pc=0x... tval=0x...", as guestos prints it (proc.s)
kill:
    li      a0, LINE
    la      a1, msg_pid
    call    cat_str
    lw      a1, PROC_PID(s1)
    call    cat_dec
    la      a1, msg_open
    call    cat_str
    lw      a1, PROC_NAME(s1)
    call    cat_str
    la      a1, msg_killed
    call    cat_str
    la      t0, cause_names
1:  lw      t1, 0(t0)                   # (cause, offset of its name) pairs, ended by 0, 0
    lw      t2, 4(t0)
    beqz    t2, 2f
    beq     t1, s2, 3f
    addi    t0, t0, 8
    j       1b
2:  la      a1, msg_cause
    call    cat_str
    mv      a1, s2
    call    cat_hex
    j       4f
3:  la      a1, cause_names
    add     a1, a1, t2
    call    cat_str
4:  la      a1, msg_pc
    call    cat_str
    mv      a1, s3
    call    cat_hex
    la      a1, msg_tval
    call    cat_str
    mv      a1, s4
    call    cat_hex
    call    say
    call    failed
    mv      a0, s0
    call    end
    j       next

# load(a0 = module record, a1 = pid): the module as a task, or "guestos: cannot load module"
load:
    addi    sp, sp, -32
    sw      ra, 28(sp)
    sw      s4, 24(sp)
    sw      s5, 20(sp)
    sw      s6, 16(sp)
    sw      s7, 12(sp)
    sw      s8, 8(sp)
    sw      s9, 4(sp)
    sw      s10, 0(sp)
    mv      s4, a0
    mv      s5, a1
    lw      a0, BI_MOD_ENTRY(s4)
    li      a1, USER_TOP - 16           # argc = 0, argv = envp = NULL above it (demand-zero)
    li      a7, MK_TASK_CREATE
    ecall
    bltz    a0, 9f
    mv      s6, a0                      # the tid
    lw      s7, BI_MOD_NSEGS(s4)
    li      t0, BI_MAX_SEGS
    bleu    s7, t0, 1f
    mv      s7, t0
1:  addi    s8, s4, BI_MOD_SEGS         # the segment record
    li      s9, 0                       # highest end so far
2:  beqz    s7, 5f
    lw      t0, BI_SEG_VADDR(s8)
    lw      t1, BI_SEG_MEMSZ(s8)
    add     t2, t0, t1                  # end
    bltu    t2, t0, 8f                  # wraps around
    li      t3, USER_TOP
    bgtu    t2, t3, 8f                  # not in the user half
    bleu    t2, s9, 3f
    mv      s9, t2
3:  srli    s10, t0, PAGE_SHIFT
    slli    s10, s10, PAGE_SHIFT        # the page
4:  lw      t0, BI_SEG_VADDR(s8)
    lw      t1, BI_SEG_MEMSZ(s8)
    add     t2, t0, t1
    bgeu    s10, t2, 6f
    lw      t1, BI_SEG_PADDR(s8)
    sub     t1, t1, t0                  # pa - va: the same for every page of the segment
    add     a2, s10, t1
    lw      t0, BI_SEG_FLAGS(s8)        # BI_SEG_R/W/X are PTE_R/W/X (isa/boot.py)
    or      a2, a2, t0
    mv      a0, s6
    mv      a1, s10
    li      a7, MK_MAP
    ecall
    bnez    a0, 8f
    li      t0, PAGE_SIZE
    add     s10, s10, t0
    j       4b
6:  addi    s8, s8, BI_SEG_SIZE
    addi    s7, s7, -1
    j       2b
5:  mv      a0, s6
    call    proc_of
    sw      s5, PROC_PID(a0)
    li      t0, PAGE_SIZE - 1           # the heap starts on the page after the program
    add     s9, s9, t0
    srli    s9, s9, PAGE_SHIFT
    slli    s9, s9, PAGE_SHIFT
    sw      s9, PROC_HEAP(a0)
    sw      s9, PROC_BRK(a0)
    addi    t0, s4, BI_MOD_NAME
    sw      t0, PROC_NAME(a0)
    li      t0, LIVE
    lw      t1, 0(t0)
    addi    t1, t1, 1
    sw      t1, 0(t0)
    mv      a0, s6
    li      a7, MK_TASK_START
    ecall
    j       10f
8:  mv      a0, s6                      # give back what was built
    li      a7, MK_TASK_KILL
    ecall
9:  li      a0, LINE
    la      a1, msg_bad_module
    call    cat_str
    addi    a1, s4, BI_MOD_NAME
    call    cat_str
    call    say
    call    failed
10: lw      ra, 28(sp)
    lw      s4, 24(sp)
    lw      s5, 20(sp)
    lw      s6, 16(sp)
    lw      s7, 12(sp)
    lw      s8, 8(sp)
    lw      s9, 4(sp)
    lw      s10, 0(sp)
    addi    sp, sp, 32
    ret

# end(a0 = tid): the program's task killed, its entry cleared; power off after the last one
end:
    addi    sp, sp, -16
    sw      ra, 12(sp)
    sw      a0, 8(sp)
    li      a7, MK_TASK_KILL
    ecall
    bnez    a0, 1f                      # not a task we may end: nothing to do
    lw      a0, 8(sp)
    call    proc_of
    sw      zero, PROC_PID(a0)
    sw      zero, PROC_HEAP(a0)
    sw      zero, PROC_BRK(a0)
    sw      zero, PROC_NAME(a0)
    li      t0, LIVE
    lw      t1, 0(t0)
    addi    t1, t1, -1
    sw      t1, 0(t0)
    beqz    t1, power_off
1:  lw      ra, 12(sp)
    addi    sp, sp, 16
    ret

power_off:
    li      t0, STATUS
    lw      a0, 0(t0)
    li      a7, MK_POWEROFF
    ecall
1:  j       1b                          # not reached

# failed(): the run ends with EXIT_KILLED
failed:
    li      t0, STATUS
    li      t1, EXIT_KILLED
    sw      t1, 0(t0)
    ret

# proc_of(a0 = tid) -> a0 = its entry in PROCS (tids come from the kernel: 1 .. MAX_TID)
proc_of:
    slli    a0, a0, 4                   # PROC_ENTRY_SIZE
    li      t0, PROCS
    add     a0, a0, t0
    ret

# say(a0 = end of the line built at LINE): "\n" appended, written with one call to the console
# driver, so that the line stays whole
say:
    li      t0, '\n'
    sb      t0, 0(a0)
    addi    a0, a0, 1
    li      a4, LINE
    sub     a4, a0, a4                  # n
    li      a3, LINE                    # buf
    li      a2, STDOUT
    li      a1, SYS_WRITE
    li      a0, TID_CONSOLE
    li      a7, MK_CALL
    ecall
    ret

# cat_str(a0 = end of the line so far, a1 = NUL-terminated string) -> a0 = the new end.
# At most 64 bytes: names and messages are short, and the line must fit.
cat_str:
    addi    t2, a1, 64
1:  lbu     t0, 0(a1)
    beqz    t0, 2f
    bgeu    a1, t2, 2f
    sb      t0, 0(a0)
    addi    a0, a0, 1
    addi    a1, a1, 1
    j       1b
2:  ret

# cat_dec(a0 = end, a1 = unsigned value) -> a0 = the new end
cat_dec:
    mv      t2, a0
    li      t3, 10
1:  remu    t0, a1, t3                  # digits, last first
    addi    t0, t0, '0'
    sb      t0, 0(t2)
    addi    t2, t2, 1
    divu    a1, a1, t3
    bnez    a1, 1b
    mv      t0, a0                      # reverse them
    addi    t1, t2, -1
2:  bgeu    t0, t1, 3f
    lbu     t3, 0(t0)
    lbu     t4, 0(t1)
    sb      t4, 0(t0)
    sb      t3, 0(t1)
    addi    t0, t0, 1
    addi    t1, t1, -1
    j       2b
3:  mv      a0, t2
    ret

# cat_hex(a0 = end, a1 = value) -> a0 = the new end: "0x" and 8 hex digits
cat_hex:
    li      t0, '0'
    sb      t0, 0(a0)
    li      t0, 'x'
    sb      t0, 1(a0)
    addi    a0, a0, 2
    li      t2, 28                      # shift of the next digit
1:  srl     t1, a1, t2
    andi    t1, t1, 0xf
    addi    t1, t1, '0'
    li      t3, '9'
    bleu    t1, t3, 2f
    addi    t1, t1, 'a' - '9' - 1
2:  sb      t1, 0(a0)
    addi    a0, a0, 1
    addi    t2, t2, -4
    bgez    t2, 1b
    ret

# Constants live with the code: pm's pages are its code (read + execute) and its zero data.
    .balign 4
cause_names:                            # (cause, name - cause_names): pc-relative, no relocation
    .word CAUSE_MISALIGNED_FETCH, n_misaligned_fetch - cause_names
    .word CAUSE_PAGE_FAULT_FETCH, n_page_fault_fetch - cause_names
    .word CAUSE_ILLEGAL_INSTRUCTION, n_illegal_instruction - cause_names
    .word CAUSE_BREAKPOINT, n_breakpoint - cause_names
    .word CAUSE_MISALIGNED_LOAD, n_misaligned_load - cause_names
    .word CAUSE_PAGE_FAULT_LOAD, n_page_fault_load - cause_names
    .word CAUSE_MISALIGNED_STORE, n_misaligned_store - cause_names
    .word CAUSE_PAGE_FAULT_STORE, n_page_fault_store - cause_names
    .word CAUSE_SVC, n_svc - cause_names
    .word CAUSE_PRIVILEGED_INSTRUCTION, n_privileged_instruction - cause_names
    .word CAUSE_BUS_ERROR, n_bus_error - cause_names
    .word CAUSE_VIRTUALIZATION_TRAP, n_virtualization_trap - cause_names
    .word 0, 0
n_misaligned_fetch:       .asciz "MISALIGNED_FETCH"
n_page_fault_fetch:       .asciz "PAGE_FAULT_FETCH"
n_illegal_instruction:    .asciz "ILLEGAL_INSTRUCTION"
n_breakpoint:             .asciz "BREAKPOINT"
n_misaligned_load:        .asciz "MISALIGNED_LOAD"
n_page_fault_load:        .asciz "PAGE_FAULT_LOAD"
n_misaligned_store:       .asciz "MISALIGNED_STORE"
n_page_fault_store:       .asciz "PAGE_FAULT_STORE"
n_svc:                    .asciz "SVC"
n_privileged_instruction: .asciz "PRIVILEGED_INSTRUCTION"
n_bus_error:              .asciz "BUS_ERROR"
n_virtualization_trap:    .asciz "VIRTUALIZATION_TRAP"
msg_pid:        .asciz "guestos: pid "
msg_open:       .asciz " ("
msg_killed:     .asciz ") killed: "
msg_cause:      .asciz "cause "
msg_pc:         .asciz " pc="
msg_tval:       .asciz " tval="
msg_bad_module: .asciz "guestos: cannot load module "
msg_too_many:   .asciz "guestos: too many modules"

    .balign PAGE_SIZE
pm_end:
