# Kernel calls: what a thread asks of the microkernel with ecall (the numbers are in abi.inc).
#
# IPC (ipc.s); copying between a server and the client waiting for its reply, the only memory a
# server may touch outside its own (QNX's MsgRead/MsgWrite rule); the console registers for
# the thread holding the I/O right (TOY32's device page is kernel-only in user mode, SPEC §6, so
# a user-mode driver does its I/O through the kernel, as MINIX 3's drivers do with sys_devio);
# tasks and their pages for the thread holding the task right (pm).
#
# And guestos's system calls, so that its programs run unchanged: sched_yield and sleep_ticks
# are thread operations the kernel does itself; read and write become a call to the console
# driver, every other number a call to pm (which answers -ENOSYS to what it does not know).
# The message is (number, a0, a1, a2) and the reply's first word is the result (forward).
#
# Every argument is checked before use; a bad one gives a negative errno, never a kernel fault.

    .include "micro.inc"

    .text
# kcall(a0 = the calling thread) -> a0 = the result, when the caller goes on at once; otherwise
# it does not return. A handler has s0 = the caller and its a0..a5 as its own a0..a5.
    .globl kcall
kcall:
    addi    sp, sp, -16
    sw      ra, 12(sp)
    sw      s0, 8(sp)
    mv      s0, a0
    lw      t0, P_A7(s0)
    lw      a0, P_A0(s0)
    lw      a1, P_A1(s0)
    lw      a2, P_A2(s0)
    lw      a3, P_A3(s0)
    lw      a4, P_A4(s0)
    lw      a5, P_A5(s0)
    li      t1, MK_SEND
    sub     t2, t0, t1
    li      t1, KCALL_COUNT
    bgeu    t2, t1, 1f                  # not a kernel call
    slli    t2, t2, 2
    la      t1, kcall_table
    add     t1, t1, t2
    lw      t1, 0(t1)
    beqz    t1, 2f
    jalr    t1
    j       9f
1:  li      t1, SYS_SCHED_YIELD
    beq     t0, t1, k_yield
    li      t1, SYS_SLEEP_TICKS
    beq     t0, t1, k_sleep
    call    forward
    j       9f
2:  li      a0, -ENOSYS
9:  lw      ra, 12(sp)
    lw      s0, 8(sp)
    addi    sp, sp, 16
    ret

# forward(t0 = number, a0..a2 = its arguments): a guestos system call as a call to its server.
forward:
    sw      t0, T_MSG(s0)
    sw      a0, T_MSG + 4(s0)
    sw      a1, T_MSG + 8(s0)
    sw      a2, T_MSG + 12(s0)
    li      t1, SYS_READ
    beq     t0, t1, 1f
    li      t1, SYS_WRITE
    beq     t0, t1, 1f
    li      a0, TID_PM
    j       2f
1:  li      a0, TID_CONSOLE
2:  li      a1, K_SYSCALL
    j       ipc_send                    # returns only with an error: the call's result

# sched_yield() -> 0
k_yield:
    sw      zero, P_A0(s0)
    j       schedule

# sleep_ticks(n) -> 0 after n ticks of TICK instructions (0 = yield), -EINVAL if n > SLEEP_MAX
k_sleep:
    li      t0, SLEEP_MAX
    bleu    a0, t0, 1f
    li      a0, -EINVAL
    j       9b
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

# --- IPC ---------------------------------------------------------------------------------
k_send:
    li      t0, K_SEND
    j       1f
k_call:
    li      t0, K_CALL
1:  sw      a1, T_MSG(s0)
    sw      a2, T_MSG + 4(s0)
    sw      a3, T_MSG + 8(s0)
    sw      a4, T_MSG + 12(s0)
    mv      a1, t0
    j       ipc_send

k_recv:
    li      a0, 0
    j       ipc_recv

k_reply:
    j       ipc_reply

k_reply_recv:
    call    ipc_reply                   # never returns to kcall: ra may go
    beqz    a0, 1f
    li      a1, 0                       # a bad reply is the server's problem: just receive
1:  mv      a0, a1
    j       ipc_recv

# --- copying between a server and its client -------------------------------------------------
# copy_in(a0 = client, a1 = its va, a2 = my va, a3 = n), copy_out(the same) -> a0 = n, or
# -ESRCH (no such thread), -EPERM (it does not wait for my reply), -EFAULT (a range is not
# mapped for user access, readable at the source and writable at the destination; when it is
# the client's, a1 = its first address that is not: a page pm may still map on demand).
k_copy_in:
    li      a5, 0
    j       1f
k_copy_out:
    li      a5, 1
1:  addi    sp, sp, -32
    sw      ra, 28(sp)
    sw      s1, 24(sp)
    sw      s2, 20(sp)
    sw      s3, 16(sp)
    sw      s4, 12(sp)
    sw      s5, 8(sp)
    sw      s6, 4(sp)
    sw      a3, 0(sp)
    mv      s1, a1
    mv      s2, a2
    mv      s3, a3
    mv      s5, a5
    call    thread_of
    li      t2, -ESRCH
    beqz    a0, 8f
    li      t2, -EPERM
    lw      t0, P_STATE(a0)
    li      t1, T_REPLY
    bne     t0, t1, 8f
    lw      t0, T_PARTNER(a0)
    bne     t0, s0, 8f
    mv      s4, a0
    mv      a0, s0                      # my buffer: copy_in writes it, copy_out reads it
    mv      a1, s2
    mv      a2, s3
    li      a3, PTE_W
    beqz    s5, 2f
    li      a3, PTE_R
2:  call    uva_check
    bnez    a0, 9f
    mv      a0, s4                      # the client's: the other way round
    mv      a1, s1
    mv      a2, s3
    li      a3, PTE_R
    beqz    s5, 3f
    li      a3, PTE_W
3:  call    uva_check
    beqz    a0, 12f
    sw      a1, P_A1(s0)                # the caller learns where (trap.s stores only a0)
    j       9f
12: lw      s4, P_PMAR(s4)
    srli    s4, s4, PAGE_SHIFT
    slli    s4, s4, PAGE_SHIFT          # the client's root
    li      s6, 0                       # kernel address of the client's byte, once known
4:  beqz    s3, 7f
    beqz    s6, 5f
    slli    t0, s1, 32 - PAGE_SHIFT  # the low 12 bits
    srli    t0, t0, 32 - PAGE_SHIFT
    bnez    t0, 6f
5:  mv      a0, s4                      # a new page of the client's: find it
    mv      a1, s1
    call    uva_kaddr
    mv      s6, a0
6:  beqz    s5, 10f
    lbu     t0, 0(s2)                   # my pages: the live map
    sb      t0, 0(s6)
    j       11f
10: lbu     t0, 0(s6)
    sb      t0, 0(s2)
11: addi    s1, s1, 1
    addi    s2, s2, 1
    addi    s6, s6, 1
    addi    s3, s3, -1
    j       4b
7:  lw      a0, 0(sp)
    j       9f
8:  mv      a0, t2
9:  lw      ra, 28(sp)
    lw      s1, 24(sp)
    lw      s2, 20(sp)
    lw      s3, 16(sp)
    lw      s4, 12(sp)
    lw      s5, 8(sp)
    lw      s6, 4(sp)
    addi    sp, sp, 32
    ret

# check(a0 = client, a1 = its va, a2 = n, a3 = PTE_R or PTE_W) -> 0 when the client's range is
# mapped for user access with that permission; -ESRCH, -EPERM as for a copy, -EINVAL, or
# -EFAULT with a1 = the first address that is not. A driver checks a whole buffer first, so that
# a bad one is refused before any of it is used, as guestos's user_check does.
k_check:
    addi    sp, sp, -16
    sw      ra, 12(sp)
    sw      a1, 8(sp)
    sw      a2, 4(sp)
    sw      a3, 0(sp)
    call    thread_of
    li      t2, -ESRCH
    beqz    a0, 8f
    li      t2, -EPERM
    lw      t0, P_STATE(a0)
    li      t1, T_REPLY
    bne     t0, t1, 8f
    lw      t0, T_PARTNER(a0)
    bne     t0, s0, 8f
    lw      a3, 0(sp)
    li      t0, PTE_R
    beq     a3, t0, 1f
    li      t0, PTE_W
    li      t2, -EINVAL
    bne     a3, t0, 8f
1:  lw      a1, 8(sp)
    lw      a2, 4(sp)
    call    uva_check
    beqz    a0, 9f
    sw      a1, P_A1(s0)                # the caller learns where (trap.s stores only a0)
    j       9f
8:  mv      a0, t2
9:  lw      ra, 12(sp)
    addi    sp, sp, 16
    ret

# --- the console registers, for the I/O right ------------------------------------------------
# io_reg_check(a0 = register): returns to the handler when the caller has the I/O right and a0
# is one of the four console registers; else returns -EPERM / -EINVAL from the kernel call.
io_reg_check:
    lw      t0, T_FLAGS(s0)
    andi    t0, t0, F_IO
    beqz    t0, 1f
    li      t0, CONSOLE_TX
    sub     t1, a0, t0
    li      t2, CONSOLE_CTRL - CONSOLE_TX
    bgtu    t1, t2, 2f
    andi    t1, t1, 3
    bnez    t1, 2f
    ret
1:  li      a0, -EPERM
    j       3f
2:  li      a0, -EINVAL
3:  lw      ra, 12(sp)                  # kcall's frame: the kernel call ends here
    lw      s0, 8(sp)
    addi    sp, sp, 16
    ret

# io_read(a0 = register) -> its value
k_io_read:
    mv      t6, ra
    call    io_reg_check
    lw      a0, 0(a0)                   # SPEC §6: reading CONSOLE_RX consumes the byte
    jr      t6

# io_write(a0 = register, a1 = value) -> 0
k_io_write:
    mv      t6, ra
    call    io_reg_check
    sw      a1, 0(a0)
    li      a0, 0
    jr      t6

# io_outs(a0 = register, a1 = a client waiting for my reply, or 0 for me, a2 = its va, a3 = n)
# -> n: each byte of the buffer stored to the register, straight from the client's memory (no
# copy, so a driver's write is one kernel call: MINIX 3's sys_sdevio with a grant). The whole
# buffer is checked first (-EFAULT and a1 = the first bad address; -ESRCH, -EPERM as for a
# copy), so a bad one prints nothing, as under guestos.
k_io_outs:
    mv      t6, ra
    call    io_reg_check
    addi    sp, sp, -32
    sw      t6, 28(sp)
    sw      s1, 24(sp)
    sw      s2, 20(sp)
    sw      s3, 16(sp)
    sw      s4, 12(sp)
    sw      s5, 8(sp)
    mv      s1, a0
    mv      s2, a2
    mv      s3, a3
    mv      s4, s0                      # 0: my own buffer
    beqz    a1, 1f
    mv      a0, a1
    call    thread_of
    li      t2, -ESRCH
    beqz    a0, 8f
    li      t2, -EPERM
    lw      t0, P_STATE(a0)
    li      t1, T_REPLY
    bne     t0, t1, 8f
    lw      t0, T_PARTNER(a0)
    bne     t0, s0, 8f
    mv      s4, a0
1:  mv      a0, s4
    mv      a1, s2
    mv      a2, s3
    li      a3, PTE_R
    call    uva_check
    beqz    a0, 2f
    sw      a1, P_A1(s0)                # the caller learns where (trap.s stores only a0)
    j       9f
2:  lw      s4, P_PMAR(s4)
    srli    s4, s4, PAGE_SHIFT
    slli    s4, s4, PAGE_SHIFT          # its root
    li      s5, 0                       # kernel address of the next byte, once known
    sw      s3, 4(sp)                   # the result: n
3:  beqz    s3, 7f
    beqz    s5, 4f
    slli    t0, s2, 32 - PAGE_SHIFT
    bnez    t0, 5f
4:  mv      a0, s4                      # a new page: find it
    mv      a1, s2
    call    uva_kaddr
    mv      s5, a0
5:  lbu     t0, 0(s5)
    sw      t0, 0(s1)                   # SPEC §6: the low byte goes to the console
    addi    s2, s2, 1
    addi    s5, s5, 1
    addi    s3, s3, -1
    j       3b
7:  lw      a0, 4(sp)
    j       9f
8:  mv      a0, t2
9:  lw      ra, 28(sp)
    lw      s1, 24(sp)
    lw      s2, 20(sp)
    lw      s3, 16(sp)
    lw      s4, 12(sp)
    lw      s5, 8(sp)
    addi    sp, sp, 32
    ret

# --- tasks, for the task right (pm) ----------------------------------------------------------
# task_right(): returns to the handler when the caller has the task right, else ends the
# kernel call with -EPERM (kcall's frame).
task_right:
    lw      t0, T_FLAGS(s0)
    andi    t0, t0, F_TASK
    beqz    t0, 1f
    ret
1:  li      a0, -EPERM
    lw      ra, 12(sp)
    lw      s0, 8(sp)
    addi    sp, sp, 16
    ret

# task_of(a0 = tid) -> a0 = the program thread with that id (not a server, not free), or 0
task_of:
    addi    t0, a0, -TID_FIRST_USER
    li      t1, NTHREAD - (TID_FIRST_USER - 1)
    bgeu    t0, t1, 1f
    li      t1, THREAD_SIZE
    mul     t0, t0, t1
    la      t1, thread_table + (TID_FIRST_USER - 1) * THREAD_SIZE
    add     a0, t0, t1
    lw      t0, P_STATE(a0)
    beqz    t0, 1f
    ret
1:  li      a0, 0
    ret

# task_create(a0 = entry, a1 = sp) -> tid of a new thread in a new address space (only the
# kernel half mapped), not running yet; -EAGAIN without a free slot, -ENOMEM without memory.
k_task_create:
    mv      t6, ra
    call    task_right
    addi    sp, sp, -16
    sw      t6, 12(sp)
    sw      s1, 8(sp)
    sw      a0, 4(sp)
    sw      a1, 0(sp)
    la      s1, thread_table + (TID_FIRST_USER - 1) * THREAD_SIZE
    li      t2, NTHREAD - (TID_FIRST_USER - 1)
1:  lw      t0, P_STATE(s1)
    beqz    t0, 2f
    addi    s1, s1, THREAD_SIZE
    addi    t2, t2, -1
    bnez    t2, 1b
    li      a0, -EAGAIN
    j       9f
2:  call    uvm_create                  # ../vm.s
    bnez    a0, 3f
    li      a0, -ENOMEM
    j       9f
3:  ori     a0, a0, PMAR_ON
    sw      a0, P_PMAR(s1)
    lw      t0, 4(sp)
    sw      t0, P_PC(s1)
    lw      t0, 0(sp)
    sw      t0, P_SP(s1)
    li      t0, T_NEW
    sw      t0, P_STATE(s1)
    la      t0, thread_table
    sub     t0, s1, t0
    li      t1, THREAD_SIZE
    divu    t0, t0, t1
    addi    a0, t0, 1
    sw      a0, P_PID(s1)
9:  lw      ra, 12(sp)
    lw      s1, 8(sp)
    addi    sp, sp, 16
    ret

# map_args(a0 = tid, a1 = va, a2 = flags word) -> a0 = the thread, or ends the kernel call with
# -ESRCH / -EINVAL: va must be a page of the user half, the flags R/W/X only and not none.
map_args:
    mv      t5, ra
    call    task_of
    mv      ra, t5
    beqz    a0, 1f
    slli    t0, a1, 32 - PAGE_SHIFT  # the low 12 bits
    srli    t0, t0, 32 - PAGE_SHIFT
    bnez    t0, 2f
    li      t0, USER_TOP
    bgeu    a1, t0, 2f
    slli    t0, a2, 32 - PAGE_SHIFT  # the low 12 bits
    srli    t0, t0, 32 - PAGE_SHIFT
    andi    t1, t0, PTE_R | PTE_W | PTE_X
    bne     t0, t1, 2f
    beqz    t1, 2f
    ret
1:  li      a0, -ESRCH
    j       3f
2:  li      a0, -EINVAL
3:  lw      ra, 12(sp)
    lw      s0, 8(sp)
    addi    sp, sp, 16
    ret

# map(a0 = tid, a1 = va, a2 = pa | PTE_R/W/X) -> 0: a page of a boot module (nowhere else:
# not the kernel, not a page map), with PTE_V | PTE_U; -EINVAL when va is already mapped.
k_map:
    mv      t6, ra
    call    task_right
    call    map_args
    addi    sp, sp, -16
    sw      t6, 12(sp)
    sw      a0, 8(sp)
    sw      a1, 4(sp)
    sw      a2, 0(sp)
    mv      a0, a2
    call    module_page
    beqz    a0, 8f
    lw      a0, 8(sp)
    lw      a0, P_PMAR(a0)
    srli    a0, a0, PAGE_SHIFT
    slli    a0, a0, PAGE_SHIFT
    lw      a1, 4(sp)
    lw      a2, 0(sp)
    ori     a2, a2, PTE_V | PTE_U
    call    map_page                    # ../vm.s: -1 when mapped already or no memory
    beqz    a0, 9f
8:  li      a0, -EINVAL
9:  lw      ra, 12(sp)
    addi    sp, sp, 16
    ret

# map_zero(a0 = tid, a1 = va, a2 = PTE_R/W/X) -> 0: a fresh zeroed page; -ENOMEM, -EINVAL
k_map_zero:
    mv      t6, ra
    call    task_right
    call    map_args
    addi    sp, sp, -32
    sw      t6, 28(sp)
    sw      a0, 24(sp)                  # the thread
    sw      a1, 20(sp)                  # va
    sw      a2, 16(sp)                  # flags
    call    page_alloc                  # ../pages.s: zeroed
    bnez    a0, 1f
    li      a0, -ENOMEM
    j       9f
1:  sw      a0, 12(sp)                  # the page
    lw      a2, 16(sp)
    andi    a2, a2, PTE_R | PTE_W | PTE_X
    or      a2, a2, a0
    ori     a2, a2, PTE_V | PTE_U
    lw      a0, 24(sp)
    lw      a0, P_PMAR(a0)
    srli    a0, a0, PAGE_SHIFT
    slli    a0, a0, PAGE_SHIFT
    lw      a1, 20(sp)
    call    map_page
    beqz    a0, 9f
    lw      a0, 12(sp)                  # mapped already (or no memory for a map): give it back
    call    page_free
    li      a0, -EINVAL
9:  lw      ra, 28(sp)
    addi    sp, sp, 32
    ret

# unmap(a0 = tid, a1 = va) -> 0: the page at va, if any, unmapped and freed
k_unmap:
    mv      t6, ra
    call    task_right
    li      a2, PTE_R
    call    map_args
    addi    sp, sp, -16
    sw      t6, 12(sp)
    lw      a0, P_PMAR(a0)
    srli    a0, a0, PAGE_SHIFT
    slli    a0, a0, PAGE_SHIFT
    call    unmap_page                  # ../vm.s
    li      a0, 0
    lw      ra, 12(sp)
    addi    sp, sp, 16
    ret

# task_start(a0 = tid) -> 0, or -EBUSY when it is not a new task
k_task_start:
    mv      t6, ra
    call    task_right
    call    task_of
    beqz    a0, 1f
    lw      t0, P_STATE(a0)
    li      t1, T_NEW
    bne     t0, t1, 2f
    li      t1, P_RUNNABLE
    sw      t1, P_STATE(a0)
    li      a0, 0
    jr      t6
1:  li      a0, -ESRCH
    jr      t6
2:  li      a0, -EBUSY
    jr      t6

# task_kill(a0 = tid) -> 0: its pages, maps and slot freed. Only a task not started yet or one
# waiting for the caller's reply (its exit call, its fault): never one in another's queue. A
# thread that sends to it or waits for its reply gets -EPIPE.
k_task_kill:
    mv      t6, ra
    call    task_right
    call    task_of
    beqz    a0, 1f
    lw      t0, P_STATE(a0)
    li      t1, T_NEW
    beq     t0, t1, 3f
    li      t1, T_REPLY
    bne     t0, t1, 2f
    lw      t0, T_PARTNER(a0)
    bne     t0, s0, 2f
3:  addi    sp, sp, -16
    sw      t6, 12(sp)
    sw      a0, 8(sp)
    la      t3, thread_table            # whoever sends to it or waits for its reply: -EPIPE
    li      t4, NTHREAD
5:  lw      t0, P_STATE(t3)
    addi    t0, t0, -T_SEND
    li      t1, T_REPLY - T_SEND
    bgtu    t0, t1, 6f                  # neither T_SEND, T_RECV nor T_REPLY
    li      t1, T_RECV - T_SEND
    beq     t0, t1, 6f
    lw      t0, T_PARTNER(t3)
    bne     t0, a0, 6f
    li      t0, -EPIPE                  # its queue goes with it (the slot is cleared below)
    sw      t0, P_A0(t3)
    li      t0, P_RUNNABLE
    sw      t0, P_STATE(t3)
6:  addi    t3, t3, THREAD_SIZE
    addi    t4, t4, -1
    bnez    t4, 5b
    lw      a0, P_PMAR(a0)              # not the live map: the caller's is
    srli    a0, a0, PAGE_SHIFT
    slli    a0, a0, PAGE_SHIFT
    call    uvm_free                    # ../vm.s
    lw      a0, 8(sp)
    li      t1, THREAD_SIZE
    add     t1, a0, t1
4:  sw      zero, 0(a0)                 # P_STATE = P_FREE, and a clean slot for the next
    addi    a0, a0, 4
    bltu    a0, t1, 4b
    li      a0, 0
    lw      ra, 12(sp)
    addi    sp, sp, 16
    ret
1:  li      a0, -ESRCH
    jr      t6
2:  li      a0, -EBUSY
    jr      t6

# poweroff(a0 = status): the machine stops with that status, or EXIT_KILLED if a server died
k_poweroff:
    mv      t6, ra
    call    task_right
    la      t0, exit_status
    lw      t0, 0(t0)
    bgeu    a0, t0, 1f
    mv      a0, t0
1:  li      t0, POWER_OFF
    sw      a0, 0(t0)                   # SPEC §6: stops the machine
2:  j       2b

# module_page(a0 = physical address) -> a0 = 1 when its page holds part of a boot module's
# segment (docs/boot.md), else 0. Bounded by the boot info: modules x BI_MAX_SEGS.
module_page:
    srli    a0, a0, PAGE_SHIFT
    slli    a0, a0, PAGE_SHIFT
    la      t0, bootinfo
    lw      t0, 0(t0)
    lw      t1, BI_NMODULES(t0)
    addi    t0, t0, BI_HEADER_SIZE
1:  beqz    t1, 6f
    lw      t2, BI_MOD_NSEGS(t0)
    li      t3, BI_MAX_SEGS
    bleu    t2, t3, 2f
    mv      t2, t3
2:  addi    t3, t0, BI_MOD_SEGS
3:  beqz    t2, 5f
    lw      t4, BI_SEG_PADDR(t3)
    lw      t5, BI_SEG_MEMSZ(t3)
    add     t5, t4, t5                  # end
    srli    t4, t4, PAGE_SHIFT
    slli    t4, t4, PAGE_SHIFT          # first page
    bltu    a0, t4, 4f
    bltu    a0, t5, 7f
4:  addi    t3, t3, BI_SEG_SIZE
    addi    t2, t2, -1
    j       3b
5:  addi    t0, t0, BI_MOD_SIZE
    addi    t1, t1, -1
    j       1b
6:  li      a0, 0
    ret
7:  li      a0, 1
    ret

    .section .rodata
    .balign 4
    .equ KCALL_COUNT, MK_POWEROFF - MK_SEND + 1
kcall_table:                            # handler of MK_SEND + i, 0: no such call
    .word k_send          # MK_SEND
    .word k_call          # MK_CALL
    .word k_recv          # MK_RECV
    .word k_reply         # MK_REPLY
    .word k_reply_recv    # MK_REPLY_RECV
    .word 0
    .word 0
    .word 0
    .word 0
    .word 0
    .word k_copy_in       # MK_COPY_IN
    .word k_copy_out      # MK_COPY_OUT
    .word k_check          # MK_CHECK
    .word 0
    .word 0
    .word 0
    .word 0
    .word 0
    .word 0
    .word 0
    .word k_io_read       # MK_IO_READ
    .word k_io_write      # MK_IO_WRITE
    .word k_io_outs       # MK_IO_OUTS
    .word 0
    .word 0
    .word 0
    .word 0
    .word 0
    .word 0
    .word 0
    .word k_task_create   # MK_TASK_CREATE
    .word k_map           # MK_MAP
    .word k_map_zero      # MK_MAP_ZERO
    .word k_unmap         # MK_UNMAP
    .word k_task_start    # MK_TASK_START
    .word k_task_kill     # MK_TASK_KILL
    .word k_poweroff      # MK_POWEROFF
