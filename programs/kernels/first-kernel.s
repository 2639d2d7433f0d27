# first-kernel: the complete small kernel of docs/first-kernel.md -- a trap vector, a two-level
# page map with a kernel-only and a user region, a user program in user mode, two system calls,
# a timer interrupt, and power off. Built whole by `make programs` (build/programs/first-kernel.elf);
# `toyasm build --defsym STEP=n` builds it as it stands after step n of the tutorial (1..5).
#
# Memory (physical = virtual: the map is one to one, only the flags differ):
#   0x10000-0x23fff  kernel: code, data, page maps, kernel stack      RWX, kernel-only
#   0x100000         the user program (copied there by the kernel)    R-X + PTE_U
#   0x101000         the user stack                                   RW- + PTE_U
#   0xf0000000       the devices                                      RW-, kernel-only
# System calls (ecall, number in a7): SYS_PUTS (a0 = string) and SYS_EXIT (a0 = status).

    .ifndef STEP
    .equ    STEP, 5                 # the whole kernel
    .endif
    .equ    SYS_PUTS, 1
    .equ    SYS_EXIT, 2
    .equ    ROOT, 0x20000           # the root page map
    .equ    L2, 0x21000             # second-level map for va 0 .. 4 MiB
    .equ    L2DEV, 0x22000          # second-level map for the device page
    .equ    KSTACK_TOP, 0x24000     # the kernel stack: the page below
    .equ    KERNEL_END, 0x24000
    .equ    USER_CODE, 0x100000
    .equ    USER_STACK_TOP, 0x102000
    .equ    PERIOD, 3000            # instructions between timer interrupts
    .equ    DEVICES, CONSOLE_TX & ~0xfff   # the device page

    .text
    .globl _start
_start:
    la      a0, msg_hello           # step 1: say hello
    call    puts
.if STEP >= 2
    la      t0, trap_entry          # step 2: every trap goes to trap_entry
    mtsr    tvec, t0
.endif
.if STEP == 2
    ebreak                          # (step 2 only: a trap, to see the handler work)
.endif
.if STEP >= 3
    li      t0, ROOT                # step 3: the page map
    li      t1, L2 | PTE_V
    sw      t1, 0(t0)               # root[0] -> L2 (va 0 .. 4 MiB)
    li      t0, ROOT + (DEVICES >> 22 << 2)
    li      t1, L2DEV | PTE_V
    sw      t1, 0(t0)               # root[0x3c0] -> L2DEV
    li      t0, L2DEV
    li      t1, DEVICES | PTE_V | PTE_R | PTE_W
    sw      t1, 0(t0)               # the devices: kernel-only
    li      t0, 0x10000 | PTE_V | PTE_R | PTE_W | PTE_X
    li      t1, KERNEL_END
    li      t2, L2 + (0x10 << 2)
    li      t3, PAGE_SIZE
1:  sw      t0, 0(t2)               # the kernel's pages: no PTE_U
    add     t0, t0, t3
    addi    t2, t2, 4
    blt     t0, t1, 1b
    li      t2, L2 + (USER_CODE >> 12 << 2)
    li      t0, USER_CODE | PTE_V | PTE_R | PTE_W
    sw      t0, 0(t2)               # the user code page, writable by the kernel for now
    li      t0, (USER_STACK_TOP - PAGE_SIZE) | PTE_V | PTE_R | PTE_W | PTE_U
    sw      t0, 4(t2)               # the user stack
    li      t0, ROOT | PMAR_ON
    stpmar  t0                      # translation on
    la      a0, msg_paging
    call    puts
.endif
.if STEP >= 4
    la      t0, user_image          # step 4: copy the user program to its page ...
    la      t1, user_image_end
    li      t2, USER_CODE
2:  lw      t3, 0(t0)
    sw      t3, 0(t2)
    addi    t0, t0, 4
    addi    t2, t2, 4
    blt     t0, t1, 2b
    li      t2, L2 + (USER_CODE >> 12 << 2)
    li      t0, USER_CODE | PTE_V | PTE_R | PTE_X | PTE_U
    sw      t0, 0(t2)               # ... then make it the user's, read and execute only
    tlbflush                        # the old entry may be cached: drop it
.endif
.if STEP >= 5
    li      t0, TIMER_LOAD          # step 5: a timer interrupt every PERIOD instructions
    li      t1, PERIOD
    sw      t1, 0(t0)
.endif
.if STEP >= 4
    li      t0, USER_CODE
    mtsr    epc, t0
    li      t0, PSW_PU | PSW_PIE    # rti: to user mode, interrupts on
    mtsr    psw, t0
    li      sp, USER_STACK_TOP
    rti
.endif
    li      a0, 0
    j       power_off

.if STEP >= 2
trap_entry:
    mtsr    scratch, sp             # the user's sp, until rti
    li      sp, KSTACK_TOP
    addi    sp, sp, -16
    sw      ra, 0(sp)               # what the handler's calls use: ra, a0, t0, t1
    sw      a0, 4(sp)
    sw      t0, 8(sp)
    sw      t1, 12(sp)
    mfsr    t0, cause
    bltz    t0, timer               # interrupts have the top bit set
    li      t1, CAUSE_SVC
    bne     t0, t1, fatal
    mfsr    t0, epc                 # a system call: return after the ecall
    addi    t0, t0, 4
    mtsr    epc, t0
    li      t1, SYS_PUTS
    bne     a7, t1, 3f
    call    puts                    # SYS_PUTS: a0 = the string (the kernel may read user pages)
    j       trap_return
3:  li      t1, SYS_EXIT
    bne     a7, t1, fatal
    mv      s0, a0                  # SYS_EXIT: a0 = the status
    la      a0, msg_exit
    call    puts
    mv      a0, s0
    call    put_hex
    li      a0, '\n'
    call    putc
    mv      a0, s0
    j       power_off
timer:
    li      t0, TIMER_LOAD          # re-arm: this also clears the pending interrupt
    li      t1, PERIOD
    sw      t1, 0(t0)
    li      a0, '.'
    call    putc
trap_return:
    lw      ra, 0(sp)
    lw      a0, 4(sp)
    lw      t0, 8(sp)
    lw      t1, 12(sp)
    mfsr    sp, scratch
    rti
fatal:
    la      a0, msg_fatal           # anything else: say what and where, and stop
    call    puts
    mfsr    a0, cause
    call    put_hex
    la      a0, msg_epc
    call    puts
    mfsr    a0, epc
    call    put_hex
    li      a0, '\n'
    call    putc
    li      a0, 3
.endif
power_off:
    li      t0, POWER_OFF
    sw      a0, 0(t0)

puts:                               # a0 = string; uses t0, t1
    li      t0, CONSOLE_TX
1:  lbu     t1, 0(a0)
    beqz    t1, 2f
    sw      t1, 0(t0)
    addi    a0, a0, 1
    j       1b
2:  ret
putc:                               # a0 = character; uses t0
    li      t0, CONSOLE_TX
    sw      a0, 0(t0)
    ret
put_hex:                            # a0 = value, as 8 hex digits; uses t0-t3
    li      t0, CONSOLE_TX
    li      t1, 28
1:  srl     t2, a0, t1
    andi    t2, t2, 15
    addi    t3, t2, '0'
    li      t2, '9'
    ble     t3, t2, 2f
    addi    t3, t3, 'a' - '9' - 1
2:  sw      t3, 0(t0)
    addi    t1, t1, -4
    bgez    t1, 1b
    ret

# The user program, copied to USER_CODE: position-independent (la is pc-relative).
    .balign 4
user_image:
    la      a0, msg_user
    li      a7, SYS_PUTS
    ecall
    li      s0, 3                   # three rounds of work
1:  li      t0, 2000
2:  addi    t0, t0, -1
    bnez    t0, 2b
    la      a0, msg_work
    li      a7, SYS_PUTS
    ecall
    addi    s0, s0, -1
    bnez    s0, 1b
    li      a0, 0
    li      a7, SYS_EXIT
    ecall
msg_user:   .asciz "user: hello from user mode\n"
msg_work:   .asciz "user: working\n"
    .balign 4
user_image_end:

    .data
msg_hello:  .asciz "kernel: hello\n"
msg_paging: .asciz "kernel: paging on\n"
msg_exit:   .asciz "kernel: user exited with status "
msg_fatal:  .asciz "kernel: fatal trap, cause "
msg_epc:    .asciz " at epc "
