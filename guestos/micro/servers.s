# The servers: made at boot from code linked into the kernel image, and what happens when one
# dies.
#
# A server's code (srv_*.s) is assembled with the kernel, between two page-aligned labels, and
# uses only pc-relative addresses, so the kernel maps those pages, read + execute + PTE_U, at
# SERVER_TEXT in the server's own address space; below them nothing else of the kernel is
# user-accessible (SPEC §5). Its data is SERVER_DATA_SIZE bytes of fresh zero pages at
# SERVER_DATA, its stack at the top. pm also sees the boot-info table, read-only, at
# BOOTINFO_VA, with its address in a0.
#
# A fault in a server is not sent anywhere: the kernel reports it, fails every call the server
# held (-EPIPE), and restarts it with its data zeroed when it is restartable (the console
# driver: it keeps nothing a restart loses but the input it had buffered), at most RESTART_MAX
# times; otherwise it stays dead and whatever is queued for it gets -EPIPE. pm is not
# restartable: it holds every program's state, so the machine stops.

    .include "micro.inc"

    .text
# start_processes(): called by boot (../boot.s) once translation is on: the two servers.
    .globl start_processes
start_processes:
    addi    sp, sp, -32
    sw      ra, 28(sp)
    sw      s0, 24(sp)
    sw      s1, 20(sp)
    sw      s2, 16(sp)
    sw      s3, 12(sp)
    li      a0, TID_PM - 1
    la      a1, pm_start
    la      a2, pm_end
    la      a3, pm_main
    li      a4, F_SERVER | F_TASK
    la      a5, name_pm
    call    make_server
    mv      s0, a0
    la      t0, bootinfo                # map the table, read-only, for pm
    lw      t0, 0(t0)
    li      t1, KERNBASE
    sub     t0, t0, t1                  # its physical address
    slli    t1, t0, 32 - PAGE_SHIFT  # the low 12 bits
    srli    t1, t1, 32 - PAGE_SHIFT
    li      t2, BOOTINFO_VA
    add     t1, t1, t2
    sw      t1, P_A0(s0)                # pm's a0: the table
    li      t1, KERNBASE
    add     t1, t0, t1
    lw      t1, BI_NMODULES(t1)
    li      t2, BI_MOD_SIZE
    mul     t1, t1, t2
    addi    t1, t1, BI_HEADER_SIZE
    add     s1, t0, t1                  # s1 = end of the table (physical)
    srli    s2, t0, PAGE_SHIFT
    slli    s2, s2, PAGE_SHIFT          # s2 = its first page
    li      s3, BOOTINFO_VA
1:  bgeu    s2, s1, 2f
    lw      a0, P_PMAR(s0)
    srli    a0, a0, PAGE_SHIFT
    slli    a0, a0, PAGE_SHIFT
    mv      a1, s3
    ori     a2, s2, PTE_V | PTE_R | PTE_U
    call    map_page
    bnez    a0, no_memory
    li      t0, PAGE_SIZE
    add     s2, s2, t0
    add     s3, s3, t0
    j       1b
2:  li      a0, TID_CONSOLE - 1
    la      a1, console_start
    la      a2, console_end
    la      a3, console_main
    li      a4, F_SERVER | F_IO | F_RESTART
    la      a5, name_console
    call    make_server
    lw      ra, 28(sp)
    lw      s0, 24(sp)
    lw      s1, 20(sp)
    lw      s2, 16(sp)
    lw      s3, 12(sp)
    addi    sp, sp, 32
    ret

# make_server(a0 = slot, a1 = first page of its code, a2 = end (page-aligned), a3 = entry,
# a4 = rights, a5 = name) -> a0 = its thread, runnable
make_server:
    addi    sp, sp, -32
    sw      ra, 28(sp)
    sw      s0, 24(sp)
    sw      s1, 20(sp)
    sw      s2, 16(sp)
    sw      s3, 12(sp)
    sw      a3, 8(sp)
    sw      a1, 4(sp)
    mv      s1, a1
    mv      s2, a2
    li      t0, THREAD_SIZE
    mul     t0, a0, t0
    la      s0, thread_table
    add     s0, s0, t0
    addi    t0, a0, 1
    sw      t0, P_PID(s0)
    sw      a4, T_FLAGS(s0)
    sw      a5, P_NAME(s0)
    call    uvm_create                  # ../vm.s
    beqz    a0, no_memory
    ori     a0, a0, PMAR_ON
    sw      a0, P_PMAR(s0)
    li      s3, SERVER_TEXT
1:  bgeu    s1, s2, 2f                  # its code: the kernel's pages, now user-readable too
    lw      a0, P_PMAR(s0)
    srli    a0, a0, PAGE_SHIFT
    slli    a0, a0, PAGE_SHIFT
    mv      a1, s3
    li      t0, KERNBASE
    sub     a2, s1, t0
    ori     a2, a2, PTE_V | PTE_R | PTE_X | PTE_U
    call    map_page
    bnez    a0, no_memory
    li      t0, PAGE_SIZE
    add     s1, s1, t0
    add     s3, s3, t0
    j       1b
2:  li      s3, SERVER_DATA
3:  li      t0, SERVER_DATA + SERVER_DATA_SIZE
    bgeu    s3, t0, 4f
    call    page_alloc                  # zeroed
    beqz    a0, no_memory
    ori     a2, a0, PTE_V | PTE_R | PTE_W | PTE_U
    lw      a0, P_PMAR(s0)
    srli    a0, a0, PAGE_SHIFT
    slli    a0, a0, PAGE_SHIFT
    mv      a1, s3
    call    map_page
    bnez    a0, no_memory
    li      t0, PAGE_SIZE
    add     s3, s3, t0
    j       3b
4:  lw      t0, 8(sp)                   # the entry, at its place in the server's map
    lw      t1, 4(sp)
    sub     t0, t0, t1
    li      t1, SERVER_TEXT
    add     t0, t0, t1
    sw      t0, T_ENTRY(s0)
    sw      t0, P_PC(s0)
    li      t0, SERVER_DATA + SERVER_DATA_SIZE
    sw      t0, P_SP(s0)
    li      t0, P_RUNNABLE
    sw      t0, P_STATE(s0)
    mv      a0, s0
    lw      ra, 28(sp)
    lw      s0, 24(sp)
    lw      s1, 20(sp)
    lw      s2, 16(sp)
    lw      s3, 12(sp)
    addi    sp, sp, 32
    ret

no_memory:
    la      a0, msg_no_memory
    j       panic

# server_died(a0 = thread, a1 = cause, a2 = pc, a3 = tval): a server faulted in user mode.
# "micro: server NAME (tid N) killed: CAUSE pc=0x... tval=0x..." then "micro: NAME restarted"
# or "micro: NAME not restarted". Never returns.
    .globl server_died
server_died:
    mv      s0, a0
    mv      s1, a1
    mv      s2, a2
    mv      s3, a3
    la      t0, exit_status             # the run will end with EXIT_KILLED
    li      t1, EXIT_KILLED
    sw      t1, 0(t0)
    la      a0, msg_server
    call    kputs                       # ../console.s: the kernel's own report, to the device
    lw      a0, P_NAME(s0)
    call    kputs
    la      a0, msg_tid
    call    kputs
    lw      a0, P_PID(s0)
    call    kputdec
    la      a0, msg_killed
    call    kputs
    mv      a0, s1
    mv      a1, s2
    mv      a2, s3
    call    put_trap                    # ../panic.s: "CAUSE pc=0x... tval=0x...\n"

    la      t3, thread_table            # every call it held fails
    li      t4, NTHREAD
1:  lw      t0, P_STATE(t3)
    li      t1, T_REPLY
    bne     t0, t1, 2f
    lw      t0, T_PARTNER(t3)
    bne     t0, s0, 2f
    li      t0, -EPIPE
    sw      t0, P_A0(t3)
    li      t0, P_RUNNABLE
    sw      t0, P_STATE(t3)
2:  addi    t3, t3, THREAD_SIZE
    addi    t4, t4, -1
    bnez    t4, 1b

    la      a0, msg_micro
    call    kputs
    lw      a0, P_NAME(s0)
    call    kputs
    lw      t0, T_FLAGS(s0)
    andi    t0, t0, F_RESTART
    beqz    t0, 5f
    lw      t0, T_RESTARTS(s0)
    li      t1, RESTART_MAX
    bgeu    t0, t1, 5f
    addi    t0, t0, 1
    sw      t0, T_RESTARTS(s0)
    la      a0, msg_restarted
    call    kputs
    mv      a0, s0
    call    restart
    j       schedule                    # sched.s

5:  la      a0, msg_not_restarted       # dead: its queue is told so
    call    kputs
    li      t0, T_DEAD
    sw      t0, P_STATE(s0)
    lw      t3, T_QHEAD(s0)
6:  beqz    t3, 7f
    li      t0, -EPIPE
    sw      t0, P_A0(t3)
    li      t0, P_RUNNABLE
    sw      t0, P_STATE(t3)
    lw      t3, T_QNEXT(t3)
    j       6b
7:  sw      zero, T_QHEAD(s0)
    sw      zero, T_QTAIL(s0)
    lw      t0, T_FLAGS(s0)
    andi    t0, t0, F_TASK
    beqz    t0, 8f
    la      a0, msg_pm_dead             # nobody left to run or end the programs
    j       panic
8:  j       schedule

# restart(a0 = server thread): its registers cleared, its data pages zeroed, from its entry
restart:
    addi    sp, sp, -16
    sw      ra, 12(sp)
    sw      s0, 8(sp)
    sw      s1, 4(sp)
    mv      s0, a0
    addi    t0, s0, P_REGS
    addi    t1, s0, P_REGS + 32 * 4
1:  sw      zero, 0(t0)
    addi    t0, t0, 4
    bltu    t0, t1, 1b
    lw      t0, T_ENTRY(s0)
    sw      t0, P_PC(s0)
    li      t0, SERVER_DATA + SERVER_DATA_SIZE
    sw      t0, P_SP(s0)
    sw      zero, T_IRQ(s0)
    li      s1, SERVER_DATA
2:  li      t0, SERVER_DATA + SERVER_DATA_SIZE
    bgeu    s1, t0, 4f
    lw      a0, P_PMAR(s0)
    srli    a0, a0, PAGE_SHIFT
    slli    a0, a0, PAGE_SHIFT
    mv      a1, s1
    call    uva_kaddr                   # uvm.s: through the direct map
    li      t1, PAGE_SIZE
    add     t1, a0, t1
3:  sw      zero, 0(a0)
    addi    a0, a0, 4
    bltu    a0, t1, 3b
    li      t0, PAGE_SIZE
    add     s1, s1, t0
    j       2b
4:  li      t0, P_RUNNABLE
    sw      t0, P_STATE(s0)
    lw      ra, 12(sp)
    lw      s0, 8(sp)
    lw      s1, 4(sp)
    addi    sp, sp, 16
    ret

    .section .rodata
name_pm:           .asciz "pm"
name_console:      .asciz "console"
msg_no_memory:     .asciz "out of memory for the servers"
msg_server:        .asciz "micro: server "
msg_tid:           .asciz " (tid "
msg_killed:        .asciz ") killed: "
msg_micro:         .asciz "micro: "
msg_restarted:     .asciz " restarted\n"
msg_not_restarted: .asciz " not restarted\n"
msg_pm_dead:       .asciz "pm is dead: nobody can run or end the programs"
