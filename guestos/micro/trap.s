# Trap entry and exit: the only way into the microkernel after boot, and the only way out to a
# thread. The entry (save every register into the thread's entry) and the exit (restore them,
# rti) are guestos's (../trap.s), with its paravirtual variant: a thread's entry begins with
# guestos's process layout. What differs is the dispatch: the microkernel serves kernel calls
# and IPC itself, turns guestos system calls into IPC (kcall.s), sends a program's faults to
# the process manager as a message, and delivers the console interrupt as a message.
#
# On every trap the machine (SPEC §4) has set epc, PU <- U, PIE <- IE, U <- 0, IE <- 0, cause and
# tval, and jumped to tvec = trap_entry, translation still on with the interrupted thread's map,
# whose high half is the kernel.

    .include "micro.inc"

    .text
    .globl trap_entry
trap_entry:
.ifdef PARAVIRT
    lui     a7, %hi(current)            # a7 is free: the monitor saved it in VCPU_SCRATCH
    lw      a7, %lo(current)(a7)
    sw      t0, P_T0(a7)
    mv      t0, a7                      # t0 = the process that trapped
.else
    mtsr    scratch, t0
    lui     t0, %hi(current)
    lw      t0, %lo(current)(t0)        # t0 = the process that trapped
.endif
    sw      ra, P_RA(t0)
    sw      sp, P_SP(t0)
    sw      gp, P_GP(t0)
    sw      tp, P_TP(t0)
    sw      t1, P_T1(t0)
    sw      t2, P_T2(t0)
    sw      s0, P_S0(t0)
    sw      s1, P_S1(t0)
    sw      a0, P_A0(t0)
    sw      a1, P_A1(t0)
    sw      a2, P_A2(t0)
    sw      a3, P_A3(t0)
    sw      a4, P_A4(t0)
    sw      a5, P_A5(t0)
    sw      a6, P_A6(t0)
.ifndef PARAVIRT                        # para: a7 comes from the vcpu page, below
    sw      a7, P_A7(t0)
.endif
    sw      s2, P_S2(t0)
    sw      s3, P_S3(t0)
    sw      s4, P_S4(t0)
    sw      s5, P_S5(t0)
    sw      s6, P_S6(t0)
    sw      s7, P_S7(t0)
    sw      s8, P_S8(t0)
    sw      s9, P_S9(t0)
    sw      s10, P_S10(t0)
    sw      s11, P_S11(t0)
    sw      t3, P_T3(t0)
    sw      t4, P_T4(t0)
    sw      t5, P_T5(t0)
    sw      t6, P_T6(t0)
.ifdef PARAVIRT
    la      t2, vcpu_page               # boot.s; VCPU_* as the monitor wrote them at this trap
    lw      t1, VCPU_SCRATCH(t2)        # the interrupted a7
    sw      t1, P_A7(t0)
    lw      t1, VCPU_EPC(t2)            # SPEC §2 epc: the trapping instruction, or for an
    sw      t1, P_PC(t0)                # interrupt the next one to run
    la      sp, kstack_top
    mv      s0, t0
    lw      s1, VCPU_CAUSE(t2)
    lw      s2, VCPU_TVAL(t2)
    lw      t1, VCPU_PSW(t2)            # the psw after trap entry: PU says where it came from
.else
    mfsr    t1, scratch
    sw      t1, P_T0(t0)
    mfsr    t1, epc                     # SPEC §2: the trapping instruction, or for an
    sw      t1, P_PC(t0)                # interrupt the next one to run

    la      sp, kstack_top              # a fresh kernel stack: nothing in the kernel outlives
    mv      s0, t0                      # the trap that entered it
    mfsr    s1, cause
    mfsr    s2, tval
    mfsr    t1, psw
.endif
    andi    t1, t1, PSW_PU              # trapped from user mode?
    beqz    t1, kernel_trap

    li      t0, CAUSE_SVC
    beq     s1, t0, trap_syscall
    li      t0, CAUSE_TIMER
    beq     s1, t0, trap_timer
    li      t0, CAUSE_CONSOLE
    beq     s1, t0, trap_console
    mv      a0, s0                      # any other exception: a fault of this thread
    mv      a1, s1
    lw      a2, P_PC(s0)
    mv      a3, s2
    j       thread_fault                # ipc.s: to pm, or a server's death (servers.s)

trap_syscall:
    lw      t0, P_PC(s0)                # epc is the ecall itself: resume after it
    addi    t0, t0, 4
    sw      t0, P_PC(s0)
    mv      a0, s0
    call    kcall                       # kcall.s: returns when the caller goes on running
    sw      a0, P_A0(s0)                # ... with this result
    mv      a0, s0
    j       user_return

trap_timer:                             # preempted: the thread stays runnable
    j       schedule                    # sched.s

trap_console:                           # SPEC §6: input waits and CONSOLE_RX_IRQ is set
    call    irq_console                 # ipc.s: masked, and a message for the driver
    mv      a0, s0
    j       user_return

kernel_trap:
    # The kernel runs with IE = 0, except in the idle loop (sched.s), which waits for the
    # timer or the console: either means "look for work again". Anything else is a kernel bug.
    li      t0, CAUSE_TIMER
    beq     s1, t0, trap_timer
    li      t0, CAUSE_CONSOLE
    bne     s1, t0, 1f
    call    irq_console
    j       schedule
1:  mv      a0, s1
    lw      a1, P_PC(s0)
    mv      a2, s2
    j       kernel_trap_panic           # ../panic.s

# user_return(a0 = thread): resume it in user mode exactly where its saved state says.
    .globl user_return
user_return:
    mv      t0, a0
.ifdef PARAVIRT
    la      t2, vcpu_page               # HC_RTI takes epc and psw from the vcpu page ...
    lw      t1, P_PC(t0)
    sw      t1, VCPU_EPC(t2)
    li      t1, PSW_PU | PSW_PIE        # ... (rti: U <- PU = 1 and IE <- PIE = 1) ...
    sw      t1, VCPU_PSW(t2)
    lw      t1, P_A7(t0)                # ... and restores a7 from VCPU_SCRATCH, as a7
    sw      t1, VCPU_SCRATCH(t2)        # carries the hypercall number
.else
    lw      t1, P_PC(t0)
    mtsr    epc, t1
    li      t1, PSW_PU | PSW_PIE        # rti (SPEC §3): U <- PU = 1 and IE <- PIE = 1,
    mtsr    psw, t1                     # so the process runs in user mode, interruptible
.endif
    lw      ra, P_RA(t0)
    lw      sp, P_SP(t0)
    lw      gp, P_GP(t0)
    lw      tp, P_TP(t0)
    lw      t1, P_T1(t0)
    lw      t2, P_T2(t0)
    lw      s0, P_S0(t0)
    lw      s1, P_S1(t0)
    lw      a0, P_A0(t0)
    lw      a1, P_A1(t0)
    lw      a2, P_A2(t0)
    lw      a3, P_A3(t0)
    lw      a4, P_A4(t0)
    lw      a5, P_A5(t0)
    lw      a6, P_A6(t0)
.ifndef PARAVIRT                        # para: HC_RTI restores a7
    lw      a7, P_A7(t0)
.endif
    lw      s2, P_S2(t0)
    lw      s3, P_S3(t0)
    lw      s4, P_S4(t0)
    lw      s5, P_S5(t0)
    lw      s6, P_S6(t0)
    lw      s7, P_S7(t0)
    lw      s8, P_S8(t0)
    lw      s9, P_S9(t0)
    lw      s10, P_S10(t0)
    lw      s11, P_S11(t0)
    lw      t3, P_T3(t0)
    lw      t4, P_T4(t0)
    lw      t5, P_T5(t0)
    lw      t6, P_T6(t0)
    lw      t0, P_T0(t0)                # the base register last
.ifdef PARAVIRT
    li      a7, HC_RTI                  # epc, psw, rti and a7 in one monitor entry
    hypercall                           # never comes back here
.else
    rti
.endif
