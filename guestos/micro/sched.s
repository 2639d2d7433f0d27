# The scheduler: round-robin over the thread table, preemptive through the timer, as guestos's
# (../sched.s), with one addition: IPC hands the processor straight to the partner
# (run_thread) without a new time slice, so a server works on its client's time and a
# program that calls servers all the time is still preempted when its slice is over.

    .include "micro.inc"

    .text
# schedule(): the next runnable thread after the one scheduled last, with a fresh time slice.
# Jumped to, never returns.
    .globl schedule
schedule:
    la      sp, kstack_top              # whatever led here is finished
    call    wake_sleepers
    la      s0, last_index
    lw      s1, 0(s0)
    li      s2, NTHREAD                 # tries left
    la      s3, thread_table
1:  addi    s1, s1, 1
    li      t0, NTHREAD
    bltu    s1, t0, 2f
    li      s1, 0
2:  li      t0, THREAD_SIZE
    mul     t0, s1, t0
    add     a0, s3, t0
    lw      t1, P_STATE(a0)
    li      t2, P_RUNNABLE
    beq     t1, t2, 3f
    addi    s2, s2, -1
    bnez    s2, 1b
    j       idle
3:  sw      s1, 0(s0)
    li      t0, TIMER_LOAD
    li      t1, QUANTUM
    sw      t1, 0(t0)                   # SPEC §6: TIMER after QUANTUM more instructions
    # fall through

# run_thread(a0 = thread): continue it in user mode, in its address space. Never returns.
    .globl run_thread
run_thread:
    la      t0, current
    lw      t1, 0(t0)
    beq     t1, a0, 1f                  # same address space: keep the TLB
    sw      a0, 0(t0)
    lw      t1, P_PMAR(a0)
    stpmar  t1                          # SPEC §3: switch maps (and flush cached translations)
1:  j       user_return                 # trap.s

# idle: nothing can run. Wait with interrupts on for the first sleeper, or, when a program
# waits for a server that waits for an interrupt (a console read), for that interrupt. When
# every thread waits for a message that cannot come, say so and power off.
idle:
    la      a0, current
    la      t0, idle_proc
    sw      t0, 0(a0)
    li      t0, TIMER_NOW
    lw      t0, 0(t0)
    li      t1, 0x7fffffff              # shortest wait so far
    li      t2, 0                       # a sleeper seen?
    li      a1, 0                       # a thread waiting for the console's reply seen?
    la      t3, thread_table
    addi    a2, t3, THREAD_SIZE         # the console server (tid 2)
    li      t4, NTHREAD
1:  lw      t5, P_STATE(t3)
    li      t6, T_REPLY
    bne     t5, t6, 4f
    lw      t6, T_PARTNER(t3)
    bne     t6, a2, 4f
    li      a1, 1
4:  li      t6, P_SLEEPING
    bne     t5, t6, 2f
    li      t2, 1
    lw      t5, P_WAKE(t3)
    sub     t5, t5, t0
    bge     t5, t1, 2f
    mv      t1, t5
2:  addi    t3, t3, THREAD_SIZE
    addi    t4, t4, -1
    bnez    t4, 1b
    bnez    t2, 5f
    li      t0, CONSOLE_CTRL            # no sleeper: only the console can wake anyone
    lw      t0, 0(t0)
    beqz    t0, deadlock
    beqz    a1, deadlock
    li      t1, 0                       # no timer: wait for CONSOLE alone
5:  blez    t2, 6f
    blez    t1, schedule                # due already
6:  li      t0, TIMER_LOAD
    sw      t1, 0(t0)
    li      t0, PSW_IE                  # SPEC §4: interrupts are taken between instructions
    mtsr    psw, t0                     # while IE = 1; kernel mode stays (U = 0)
3:  j       3b                          # TIMER or CONSOLE leads to schedule (trap.s)

deadlock:
    la      a0, msg_deadlock
    j       panic

# wake_sleepers(): every sleeping thread whose time has come becomes runnable.
wake_sleepers:
    li      t0, TIMER_NOW
    lw      t0, 0(t0)
    la      t3, thread_table
    li      t4, NTHREAD
1:  lw      t5, P_STATE(t3)
    li      t6, P_SLEEPING
    bne     t5, t6, 2f
    lw      t5, P_WAKE(t3)
    sub     t5, t0, t5                  # signed: TIMER_NOW wraps after 2^32 instructions
    bltz    t5, 2f
    li      t5, P_RUNNABLE
    sw      t5, P_STATE(t3)
2:  addi    t3, t3, THREAD_SIZE
    addi    t4, t4, -1
    bnez    t4, 1b
    ret

# thread_of(a0 = thread id) -> a0 = its entry, or 0 when there is no such slot
    .globl thread_of
thread_of:
    addi    a0, a0, -1
    li      t0, NTHREAD
    bgeu    a0, t0, 1f                  # also tid 0 (unsigned -1)
    li      t0, THREAD_SIZE
    mul     a0, a0, t0
    la      t0, thread_table
    add     a0, a0, t0
    ret
1:  li      a0, 0
    ret

    .section .rodata
msg_deadlock: .asciz "every thread waits for a message that cannot come"

    .data
    .globl current, exit_status
current:     .word 0                    # the thread whose state the next trap saves
last_index:  .word NTHREAD - 1          # so that the first choice is slot 0
exit_status: .word EXIT_OK              # EXIT_KILLED once a server died

    .bss
    .balign 4
    .globl thread_table, idle_proc
thread_table: .space NTHREAD * THREAD_SIZE
idle_proc:    .space THREAD_SIZE        # where the idle loop's registers go on a trap
