# Synchronous IPC: the one way threads talk, and the way the kernel talks to them.
#
# A message is four words. The sender's waiting message sits in its T_MSG; it is copied into
# the receiver's saved a1..a4 (and the sender's id into its a0) the moment the receiver takes
# it -- at once when the receiver waits in recv (and the processor is handed to it), else when
# it next calls recv (the sender waits in the receiver's queue, first in first served). A call
# (MK_CALL, a forwarded system call, a fault) then waits for the receiver's reply; the reply
# goes where T_KIND says. Nothing is buffered in the kernel beyond the one message per thread,
# so no sender can exhaust kernel memory.
#
# The kernel itself sends in three cases: a guestos system call (kcall.s), a program's fault
# (to pm, below) and the console interrupt (to the console driver, below; held in T_IRQ when
# the driver is busy: an interrupt is a bit, not a queue).

    .include "micro.inc"

    .text
# ipc_send(s0 = sender, a0 = destination tid, a1 = K_*): the message is in T_MSG(s0).
# Returns only on error: a0 = -ESRCH (no such thread), -EPIPE (a dead server), -EDEADLK
# (itself). Otherwise the sender waits and the processor goes on elsewhere.
    .globl ipc_send
ipc_send:
    addi    sp, sp, -16
    sw      ra, 12(sp)
    sw      s1, 8(sp)
    sw      s2, 4(sp)
    mv      s1, a1
    call    thread_of                   # sched.s
    beqz    a0, 8f
    lw      t0, P_STATE(a0)
    beqz    t0, 8f                      # P_FREE: nobody there
    li      t1, T_DEAD
    beq     t0, t1, 7f
    beq     a0, s0, 6f
    mv      s2, a0
    sw      s2, T_PARTNER(s0)
    sw      s1, T_KIND(s0)
    li      t1, T_RECV
    bne     t0, t1, 1f
    mv      a0, s0                      # the receiver waits: hand the message and the
    mv      a1, s2                      # processor over
    call    deliver
    mv      a0, s2
    j       run_thread                  # sched.s
1:  li      t0, T_SEND                  # it is busy: queue up behind the others
    sw      t0, P_STATE(s0)
    sw      zero, T_QNEXT(s0)
    lw      t0, T_QTAIL(s2)
    beqz    t0, 2f
    sw      s0, T_QNEXT(t0)
    j       3f
2:  sw      s0, T_QHEAD(s2)
3:  sw      s0, T_QTAIL(s2)
    j       schedule
6:  li      a0, -EDEADLK
    j       9f
7:  li      a0, -EPIPE
    j       9f
8:  li      a0, -ESRCH
9:  lw      ra, 12(sp)
    lw      s1, 8(sp)
    lw      s2, 4(sp)
    addi    sp, sp, 16
    ret

# deliver(a0 = sender, a1 = receiver): the sender's message into the receiver's registers;
# the receiver becomes runnable, the sender too (a send: a0 = 0) or waits for the reply.
deliver:
    lw      t0, P_PID(a0)
    sw      t0, P_A0(a1)
    lw      t0, T_MSG(a0)
    sw      t0, P_A1(a1)
    lw      t0, T_MSG + 4(a0)
    sw      t0, P_A2(a1)
    lw      t0, T_MSG + 8(a0)
    sw      t0, P_A3(a1)
    lw      t0, T_MSG + 12(a0)
    sw      t0, P_A4(a1)
    li      t1, P_RUNNABLE
    sw      t1, P_STATE(a1)
    lw      t0, T_KIND(a0)
    bnez    t0, 1f                      # K_SEND: done
    sw      zero, P_A0(a0)
    sw      t1, P_STATE(a0)
    ret
1:  li      t0, T_REPLY
    sw      t0, P_STATE(a0)
    ret

# ipc_recv(s0 = receiver, a0 = thread to run if nothing waits, or 0): the next message -- a
# pending interrupt first, then the queue -- into the receiver's registers and run it; with
# none, the receiver waits and a0 (a replied-to client) or the scheduler gets the processor.
    .globl ipc_recv
ipc_recv:
    lw      t0, T_IRQ(s0)
    beqz    t0, 1f
    sw      zero, T_IRQ(s0)
    sw      zero, P_A0(s0)              # sender 0: the kernel
    li      t0, MSG_IRQ
    sw      t0, P_A1(s0)
    li      t0, CAUSE_CONSOLE
    sw      t0, P_A2(s0)
    sw      zero, P_A3(s0)
    sw      zero, P_A4(s0)
    j       3f
1:  lw      a1, T_QHEAD(s0)
    beqz    a1, 2f
    lw      t0, T_QNEXT(a1)
    sw      t0, T_QHEAD(s0)
    bnez    t0, 4f
    sw      zero, T_QTAIL(s0)
4:  mv      a0, a1
    mv      a1, s0
    call    deliver
3:  mv      a0, s0
    j       run_thread
2:  li      t0, T_RECV
    sw      t0, P_STATE(s0)
    bnez    a0, run_thread
    j       schedule

# ipc_reply(s0 = replier, a0 = client tid, a1..a4 = the reply) -> a0 = 0 and a1 = the client
# (now runnable), or a0 = -ESRCH when that thread does not wait for a reply from s0.
    .globl ipc_reply
ipc_reply:
    mv      t2, a0
    addi    t2, t2, -1
    li      t0, NTHREAD
    bgeu    t2, t0, 9f
    li      t0, THREAD_SIZE
    mul     t2, t2, t0
    la      t0, thread_table
    add     t2, t2, t0                  # the client
    lw      t0, P_STATE(t2)
    li      t1, T_REPLY
    bne     t0, t1, 9f
    lw      t0, T_PARTNER(t2)
    bne     t0, s0, 9f
    lw      t0, T_KIND(t2)
    li      t1, K_FAULT
    beq     t0, t1, 2f
    li      t1, K_TOUCH
    beq     t0, t1, 3f
    li      t1, RETRY_TOUCH             # a call (system call or MK_CALL) whose buffer needs
    beq     a1, t1, touch               # a page mapped first: it runs again after pm's reply
    li      t1, K_SYSCALL
    beq     t0, t1, 1f
    sw      zero, P_A0(t2)              # K_CALL: the four words, and 0 for success
    sw      a1, P_A1(t2)
    sw      a2, P_A2(t2)
    sw      a3, P_A3(t2)
    sw      a4, P_A4(t2)
    j       2f
1:  sw      a1, P_A0(t2)                # a system call: its result
2:  li      t0, P_RUNNABLE              # a fault: it runs the instruction again
    sw      t0, P_STATE(t2)
    mv      a1, t2
    li      a0, 0
    ret
3:  beqz    a1, 2b                      # touched: run the system call again (its pc is
    sw      a1, P_A0(t2)                # the ecall); refused: that is its result
    lw      t0, P_PC(t2)
    addi    t0, t0, 4
    sw      t0, P_PC(t2)
    j       2b
9:  li      a0, -ESRCH
    ret

# touch (ipc_reply, t2 = the client): the driver answered RETRY_TOUCH, a2 = the address. The
# client sends pm (MSG_TOUCH, 0, pc, va) as if it had faulted there, and its call (its
# registers are still the call's) runs again when pm has mapped the page. The replier goes on (a1 = 0: no hand-over): nothing here
# makes the driver wait for pm, so two servers never wait for each other.
touch:
    lw      t0, P_PC(t2)
    addi    t0, t0, -4                  # back to the ecall
    sw      t0, P_PC(t2)
    li      t1, MSG_TOUCH
    sw      t1, T_MSG(t2)
    sw      zero, T_MSG + 4(t2)
    sw      t0, T_MSG + 8(t2)
    sw      a2, T_MSG + 12(t2)
    li      t0, K_TOUCH
    sw      t0, T_KIND(t2)
    la      a1, thread_table + (TID_PM - 1) * THREAD_SIZE
    sw      a1, T_PARTNER(t2)
    lw      t0, P_STATE(a1)
    li      t1, T_RECV
    bne     t0, t1, 4f
    mv      a0, t2                      # pm waits: the message is its now
    addi    sp, sp, -16
    sw      ra, 12(sp)
    call    deliver
    lw      ra, 12(sp)
    addi    sp, sp, 16
    j       6f
4:  li      t1, T_DEAD
    bne     t0, t1, 5f
    li      t0, -EPIPE                  # nobody maps pages any more
    sw      t0, P_A0(t2)
    lw      t0, P_PC(t2)
    addi    t0, t0, 4
    sw      t0, P_PC(t2)
    li      t0, P_RUNNABLE
    sw      t0, P_STATE(t2)
    j       6f
5:  li      t0, T_SEND                  # pm is busy: queue up
    sw      t0, P_STATE(t2)
    sw      zero, T_QNEXT(t2)
    lw      t0, T_QTAIL(a1)
    beqz    t0, 7f
    sw      t2, T_QNEXT(t0)
    j       8f
7:  sw      t2, T_QHEAD(a1)
8:  sw      t2, T_QTAIL(a1)
6:  li      a0, 0
    li      a1, 0
    ret

# thread_fault(a0 = thread, a1 = cause, a2 = pc, a3 = tval): an exception in user mode. A
# server's is the kernel's business (servers.s); a program's goes to pm as a message, which
# maps a page and replies, or kills the program. Never returns.
    .globl thread_fault
thread_fault:
    lw      t0, T_FLAGS(a0)
    andi    t0, t0, F_SERVER
    bnez    t0, server_died             # servers.s
    mv      s0, a0
    li      t0, MSG_FAULT
    sw      t0, T_MSG(s0)
    sw      a1, T_MSG + 4(s0)
    sw      a2, T_MSG + 8(s0)
    sw      a3, T_MSG + 12(s0)
    li      a0, TID_PM
    li      a1, K_FAULT
    call    ipc_send
    la      a0, msg_no_pm               # pm is dead: nobody can handle a fault
    j       panic

# irq_console(): the CONSOLE interrupt. It is level-triggered (SPEC §4: pending while input
# waits and CONSOLE_RX_IRQ is set), so the kernel masks it before returning, and the driver
# unmasks it when it wants more. The driver gets (MSG_IRQ, CAUSE_CONSOLE) from sender 0.
    .globl irq_console
irq_console:
    li      t0, CONSOLE_CTRL
    sw      zero, 0(t0)
    la      t0, thread_table + (TID_CONSOLE - 1) * THREAD_SIZE
    lw      t1, P_STATE(t0)
    li      t2, T_RECV
    beq     t1, t2, 1f
    li      t2, T_DEAD
    beq     t1, t2, 2f
    li      t1, 1                       # busy: it gets it at its next recv
    sw      t1, T_IRQ(t0)
    ret
1:  sw      zero, P_A0(t0)
    li      t1, MSG_IRQ
    sw      t1, P_A1(t0)
    li      t1, CAUSE_CONSOLE
    sw      t1, P_A2(t0)
    sw      zero, P_A3(t0)
    sw      zero, P_A4(t0)
    li      t1, P_RUNNABLE
    sw      t1, P_STATE(t0)
2:  ret

    .section .rodata
msg_no_pm: .asciz "a program faulted and pm, which handles faults, is dead"
