# The scheduler: round-robin over the process table, preemptive through the timer.
#
# The timer counts instructions (SPEC §6), so every run interleaves its processes the same way.
# Each process gets QUANTUM instructions from the moment it is switched to; a system call that
# returns to its caller does not re-arm the timer, so calling the kernel often buys no extra
# time. When no process can run but some sleep, the kernel idles with interrupts on until the
# first one is due; when none is left at all, it powers the machine off.

    .include "kernel.inc"

    .text
# schedule(): pick the next runnable process after the last one that ran and switch to it.
# Jumped to (never returns), from a fresh kernel stack or on one nothing else will come back to.
    .globl schedule
schedule:
    la      sp, kstack_top              # whatever led here is finished
    call    wake_sleepers
    la      s0, last_index
    lw      s1, 0(s0)                   # s1 = index of the process that ran last
    li      s2, NPROC                   # tries left
    la      s3, proc_table
1:  addi    s1, s1, 1
    li      t0, NPROC
    bltu    s1, t0, 2f
    li      s1, 0
2:  li      t0, PROC_SIZE
    mul     t0, s1, t0
    add     a0, s3, t0
    lw      t1, P_STATE(a0)
    li      t2, P_RUNNABLE
    beq     t1, t2, switch_to
    addi    s2, s2, -1
    bnez    s2, 1b
    j       idle                        # nobody can run now

# switch_to(a0 = process, s0 = &last_index, s1 = its index): give it a fresh time slice
switch_to:
    sw      s1, 0(s0)
    la      t0, current
    lw      t1, 0(t0)
    beq     t1, a0, 1f                  # same address space: keep the TLB
    sw      a0, 0(t0)
    lw      t1, P_PMAR(a0)
    stpmar  t1                          # SPEC §3: switch maps (and flush cached translations)
1:  li      t0, TIMER_LOAD
    li      t1, QUANTUM
    sw      t1, 0(t0)                   # SPEC §6: TIMER after QUANTUM more instructions
    j       user_return                 # trap.s

# idle: no process is runnable. Sleepers left: wait for the first with interrupts on. None left:
# power off, EXIT_KILLED if any process was killed.
idle:
    la      a0, current                 # traps now save into the idle frame
    la      t0, idle_proc
    sw      t0, 0(a0)
    li      t0, TIMER_NOW
    lw      t0, 0(t0)                   # now
    li      t1, 0x7fffffff              # shortest wait so far
    li      t2, 0                       # a sleeper seen?
    la      t3, proc_table
    li      t4, NPROC
1:  lw      t5, P_STATE(t3)
    li      t6, P_SLEEPING
    bne     t5, t6, 2f
    li      t2, 1
    lw      t5, P_WAKE(t3)
    sub     t5, t5, t0                  # instructions until it is due
    bge     t5, t1, 2f
    mv      t1, t5
2:  addi    t3, t3, PROC_SIZE
    addi    t4, t4, -1
    bnez    t4, 1b
    beqz    t2, power_off
    blez    t1, schedule                # due already
    li      t0, TIMER_LOAD
    sw      t1, 0(t0)
    li      t0, PSW_IE                  # SPEC §4: interrupts are taken between instructions
    mtsr    psw, t0                     # while IE = 1; kernel mode stays (U = 0)
3:  j       3b                          # the TIMER trap leads to schedule (trap.s)

power_off:
    la      t0, exit_status
    lw      t1, 0(t0)
    li      t0, POWER_OFF
    sw      t1, 0(t0)                   # SPEC §6: stops the machine
4:  j       4b

# wake_sleepers(): every sleeping process whose time has come becomes runnable.
wake_sleepers:
    li      t0, TIMER_NOW
    lw      t0, 0(t0)
    la      t3, proc_table
    li      t4, NPROC
1:  lw      t5, P_STATE(t3)
    li      t6, P_SLEEPING
    bne     t5, t6, 2f
    lw      t5, P_WAKE(t3)
    sub     t5, t0, t5                  # signed: TIMER_NOW wraps after 2^32 instructions
    bltz    t5, 2f
    li      t5, P_RUNNABLE
    sw      t5, P_STATE(t3)
2:  addi    t3, t3, PROC_SIZE
    addi    t4, t4, -1
    bnez    t4, 1b
    ret

    .data
    .globl current, exit_status
current:     .word 0                    # the process whose state the next trap saves
last_index:  .word NPROC - 1            # so that the first choice is process 0
exit_status: .word EXIT_OK              # EXIT_KILLED once a process was killed

    .bss
    .balign 4
    .globl proc_table, idle_proc
proc_table:  .space NPROC * PROC_SIZE
idle_proc:   .space PROC_SIZE           # where the idle loop's registers go on a trap
