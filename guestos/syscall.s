# System calls (the ABI is in syscalls.inc): number in a7, arguments in a0..a5, result in a0.
#
# trap.s has saved the caller's registers in its process entry and moved its pc past the ecall.
# Throughout this file s0 is the calling process. A handler gets the caller's a0..a5 as its own
# a0..a5 and returns the result in a0; handlers that give the processor to someone else (exit,
# yield, sleep, a read that has to wait) store the result themselves and jump to schedule.
#
# User pointers are checked with user_check (vm.s) -- in the user half, mapped with PTE_U and
# the needed permission -- before the kernel touches them; then the kernel uses them directly,
# which SPEC §5 allows: kernel mode may use any valid page, PTE_U or not, and the caller's page
# map is the live one.

    .include "kernel.inc"

    .text
# syscall(a0 = the calling process): run the call, store its result in the caller's a0.
    .globl syscall
syscall:
    addi    sp, sp, -16
    sw      ra, 12(sp)
    sw      s0, 8(sp)
    mv      s0, a0
    lw      t0, P_A7(s0)
    la      t1, syscall_table
1:  lw      t2, 4(t1)
    beqz    t2, 2f                      # not in the table
    lw      t3, 0(t1)
    beq     t3, t0, 3f
    addi    t1, t1, 8
    j       1b
2:  li      a0, -ENOSYS
    j       4f
3:  lw      a0, P_A0(s0)
    lw      a1, P_A1(s0)
    lw      a2, P_A2(s0)
    lw      a3, P_A3(s0)
    lw      a4, P_A4(s0)
    lw      a5, P_A5(s0)
    jalr    t2
4:  sw      a0, P_A0(s0)
    lw      ra, 12(sp)
    lw      s0, 8(sp)
    addi    sp, sp, 16
    ret

# write(fd, buf, n) -> n, -EBADF, -EFAULT
sys_write:
    addi    t0, a0, -STDOUT
    addi    t1, a0, -STDERR
    beqz    t0, 1f
    beqz    t1, 1f
    li      a0, -EBADF
    ret
1:  addi    sp, sp, -16
    sw      ra, 12(sp)
    sw      s1, 8(sp)
    sw      s2, 4(sp)
    mv      s1, a1
    mv      s2, a2
    mv      a0, s0
    li      a3, PTE_R
    call    user_check
    bnez    a0, 3f
    li      t0, CONSOLE_TX
    add     t1, s1, s2                  # end
2:  beq     s1, t1, 4f
    lbu     t2, 0(s1)
    sw      t2, 0(t0)                   # SPEC §6: the low byte goes to the console
    addi    s1, s1, 1
    j       2b
4:  mv      a0, s2
3:  lw      ra, 12(sp)
    lw      s1, 8(sp)
    lw      s2, 4(sp)
    addi    sp, sp, 16
    ret

# read(fd, buf, n) -> bytes read (at least 1), 0 at end of input, -EBADF, -EFAULT.
# With nothing to read yet the caller waits: its pc goes back to the ecall and it yields, so it
# asks again on its next turn (the timer and the other processes go on meanwhile).
sys_read:
    beqz    a0, 1f                      # STDIN
    li      a0, -EBADF
    ret
1:  addi    sp, sp, -16
    sw      ra, 12(sp)
    sw      s1, 8(sp)
    sw      s2, 4(sp)
    sw      s3, 0(sp)
    mv      s1, a1
    mv      s2, a2
    mv      a0, s0
    li      a3, PTE_W
    call    user_check
    bnez    a0, 5f
    li      s3, 0                       # bytes read
    beqz    s2, 4f
    call    console_status
    andi    t0, a0, CONSOLE_RX_READY
    bnez    t0, 2f
    andi    t0, a0, CONSOLE_EOF
    bnez    t0, 4f                      # end of input: 0
    lw      t0, P_PC(s0)                # nothing yet: wait
    addi    t0, t0, -4
    sw      t0, P_PC(s0)
    j       schedule
2:  call    console_getc
    add     t0, s1, s3
    sb      a0, 0(t0)
    addi    s3, s3, 1
    beq     s3, s2, 4f
    call    console_status
    andi    t0, a0, CONSOLE_RX_READY
    bnez    t0, 2b
4:  mv      a0, s3
5:  lw      ra, 12(sp)
    lw      s1, 8(sp)
    lw      s2, 4(sp)
    lw      s3, 0(sp)
    addi    sp, sp, 16
    ret

# exit(status), exit_group(status): the status is not kept (no parent to read it).
sys_exit:
    mv      a0, s0
    j       proc_exit

# sched_yield() -> 0
sys_yield:
    sw      zero, P_A0(s0)
    j       schedule

# getpid() -> pid
sys_getpid:
    lw      a0, P_PID(s0)
    ret

# brk(addr) -> the new end of the heap, or the unchanged one when addr is 0 or out of bounds
# (Linux's convention). The heap may grow HEAP_MAX bytes and never into the stack's area;
# pages appear on first touch (vm.s: demand_zero); shrinking frees the pages above the new end.
sys_brk:
    lw      t0, P_HEAP(s0)
    bltu    a0, t0, 3f                  # below the heap (0 asks for the current end)
    li      t1, HEAP_MAX
    add     t1, t0, t1
    bgtu    a0, t1, 3f
    li      t1, USER_TOP - STACK_MAX
    bgtu    a0, t1, 3f
    lw      t1, P_BRK(s0)
    sw      a0, P_BRK(s0)
    bgeu    a0, t1, 4f                  # growing: nothing to do until it is touched
    addi    sp, sp, -16                 # shrinking: unmap the pages wholly above the new end
    sw      ra, 12(sp)
    sw      s1, 8(sp)
    sw      s2, 4(sp)
    sw      a0, 0(sp)
    li      t2, PAGE_SIZE - 1
    add     s1, a0, t2
    srli    s1, s1, PAGE_SHIFT
    slli    s1, s1, PAGE_SHIFT          # first page to free
    add     s2, t1, t2                  # end of the old heap, rounded up
1:  bgeu    s1, s2, 2f
    lw      a0, P_PMAR(s0)
    srli    a0, a0, PAGE_SHIFT
    slli    a0, a0, PAGE_SHIFT
    mv      a1, s1
    call    unmap_page
    li      t0, PAGE_SIZE
    add     s1, s1, t0
    j       1b
2:  tlbflush                            # SPEC §3: the live map changed in place
    lw      a0, 0(sp)
    lw      ra, 12(sp)
    lw      s1, 8(sp)
    lw      s2, 4(sp)
    addi    sp, sp, 16
    ret
3:  lw      a0, P_BRK(s0)
4:  ret

# LAB-HOLE begin sleep
# LAB: sleep_ticks(n): refuse n > SLEEP_MAX with -EINVAL; else set the caller's wake-up time (P_WAKE:
# LAB: TIMER_NOW + n * TICK), make it P_SLEEPING, store its result 0 and give the processor away
# LAB: (schedule). The table at the end of this file must name the handler too.
# sleep_ticks(n) -> 0 after n ticks of TICK instructions (0 = yield), -EINVAL if n > SLEEP_MAX
sys_sleep:
    li      t0, SLEEP_MAX
    bleu    a0, t0, 1f
    li      a0, -EINVAL
    ret
1:  li      t0, TICK
    mul     t0, a0, t0
    li      t1, TIMER_NOW
    lw      t1, 0(t1)
    add     t0, t0, t1
    sw      t0, P_WAKE(s0)
    li      t0, P_SLEEPING
    sw      t0, P_STATE(s0)
    sw      zero, P_A0(s0)
    j       schedule
# LAB-HOLE end

    .section .rodata
    .balign 4
syscall_table:                          # (number, handler) pairs, ended by a 0 handler
    .word SYS_READ, sys_read
    .word SYS_WRITE, sys_write
    .word SYS_EXIT, sys_exit
    .word SYS_EXIT_GROUP, sys_exit
    .word SYS_SCHED_YIELD, sys_yield
    .word SYS_GETPID, sys_getpid
    .word SYS_BRK, sys_brk
# LAB-HOLE begin sleep-table
    .word SYS_SLEEP_TICKS, sys_sleep
# LAB-HOLE end
    .word 0, 0
