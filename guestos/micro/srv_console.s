# The console driver, a user-mode server (servers.s maps it; the kernel gives it the I/O right).
#
# It serves guestos's write(fd, buf, n) and read(fd, buf, n) as messages (number, fd, buf, n)
# from the kernel, which forwards a program's system call, or from pm. It reaches the caller's
# buffer only through the kernel (MK_IO_OUTS from it, MK_CHECK and MK_COPY_OUT to it: the caller
# waits for its reply, so the kernel lets it), and the device only through MK_IO_* (the device
# page is kernel-only, SPEC §6).
#
# Input comes by interrupt: CONSOLE_RX_IRQ is set while the driver wants bytes; the kernel
# masks it when it fires (it is level-triggered, SPEC §4) and sends (MSG_IRQ, CAUSE_CONSOLE);
# the driver reads what waits into its buffer and unmasks it while there is room. A read with
# nothing buffered and no end of input waits for that (one reader at a time: a second gets
# -EAGAIN). All its state is in its data pages, so a restart (servers.s) starts it afresh.
#
# The driver has a whole buffer checked before any of it is used, as guestos does. One on a
# stack or heap page the program never touched is not mapped yet (pm maps such pages on demand):
# the driver then answers RETRY_TOUCH with the address, and the kernel has pm map it and runs
# the call again (abi.inc). The driver never calls pm itself,
# so pm, which calls the driver to print, and the driver never wait for each other.
#
# The fault-isolation demonstration (docs/microkernel.md): built with --defsym CONSOLE_BUG=1,
# the driver dereferences a bad pointer on every read, as guestos's in-kernel driver does with
# the same switch (../console.s); here only the driver dies.

    .include "abi.inc"

    .equ IN_BUF,   SERVER_DATA + 0x100    # buffered input: IN_HEAD .. IN_TAIL
    .equ IN_SIZE,  256
    .equ IN_HEAD,  SERVER_DATA + 0x200
    .equ IN_TAIL,  SERVER_DATA + 0x204
    .equ READER,   SERVER_DATA + 0x208    # the reader waiting for input (tid, buf, n), or 0
    .equ READER_BUF, SERVER_DATA + 0x20c
    .equ READER_N, SERVER_DATA + 0x210

    .text
    .balign PAGE_SIZE
    .globl console_start, console_end, console_main
console_start:
console_main:
    call    unmask
    li      a7, MK_RECV
    ecall
# a0 = sender (0: the kernel, an interrupt), a1..a4 = the message
serve:
    beqz    a0, on_irq
    mv      s0, a0
    li      t0, SYS_WRITE
    beq     a1, t0, on_write
    li      t0, SYS_READ
    beq     a1, t0, on_read
    li      a1, -ENOSYS
reply:                                  # reply a1 to s0, then the next message
    li      a2, 0
reply2:                                 # ... with a2 too
    mv      a0, s0
    li      a7, MK_REPLY_RECV
    ecall
    j       serve
next:                                   # no reply now: the next message
    li      a7, MK_RECV
    ecall
    j       serve

# write(fd = a2, buf = a3, n = a4) -> n, -EBADF, -EFAULT: the kernel stores the bytes to the
# console straight from the caller's buffer, checked whole first (MK_IO_OUTS)
on_write:
    li      t0, STDOUT
    beq     a2, t0, 1f
    li      t0, STDERR
    beq     a2, t0, 1f
    li      a1, -EBADF
    j       reply
1:  mv      s2, a3
    mv      s3, a4
    li      a0, CONSOLE_TX
    mv      a1, s0
    mv      a2, s2
    mv      a3, s3
    li      a7, MK_IO_OUTS              # SPEC §6: the low byte of each store is output
    ecall
    li      t0, -EFAULT
    bne     a0, t0, 2f
    mv      a2, a1                      # maybe a page never touched: see check
    li      a1, RETRY_TOUCH
    j       reply2
2:  mv      a1, a0
    j       reply

# check(s0 = client, s2 = its buffer, s3 = n, a3 = PTE_R or PTE_W): returns when the buffer is
# mapped with that permission; otherwise answers the call: -EFAULT, or RETRY_TOUCH with the
# first bad address (a stack or heap page never touched: pm maps it and the call runs again,
# or refuses and -EFAULT is its result; abi.inc).
check:
    mv      a0, s0
    mv      a1, s2
    mv      a2, s3
    li      a7, MK_CHECK
    ecall
    bnez    a0, 1f
    ret
1:  li      t0, -EFAULT
    bne     a0, t0, 2f
    mv      a2, a1
    li      a1, RETRY_TOUCH
    j       reply2
2:  mv      a1, a0
    j       reply

# read(fd = a2, buf = a3, n = a4) -> bytes read (at least 1), 0 at end of input, -EBADF, ...
on_read:
    beqz    a2, 1f                      # STDIN
    li      a1, -EBADF
    j       reply
1:
.ifdef CONSOLE_BUG
    li      t0, 0                       # the deliberate bug: a null pointer dereferenced
    lw      t0, 0(t0)
.endif
    mv      s2, a3
    mv      s3, a4
    li      a3, PTE_W                   # the whole buffer first, as guestos's user_check
    call    check
    li      a1, 0
    beqz    s3, reply
    li      t0, IN_HEAD
    lw      t1, 0(t0)
    lw      t2, 4(t0)
    bltu    t1, t2, give                # buffered input
    li      a0, CONSOLE_STATUS
    li      a7, MK_IO_READ
    ecall
    andi    t0, a0, CONSOLE_RX_READY
    bnez    t0, 2f
    andi    t0, a0, CONSOLE_EOF
    li      a1, 0
    bnez    t0, reply                   # end of input: 0
    li      t0, READER                  # nothing yet: wait for the interrupt
    lw      t1, 0(t0)
    li      a1, -EAGAIN
    bnez    t1, reply
    sw      s0, 0(t0)
    sw      s2, 4(t0)
    sw      s3, 8(t0)
    call    unmask
    j       next
2:  call    fill
    j       give

# the interrupt: take what waits; a waiting reader gets it
on_irq:
    call    fill
    li      t0, READER
    lw      s0, 0(t0)
    beqz    s0, next
    lw      t1, IN_HEAD - READER(t0)
    lw      t2, IN_TAIL - READER(t0)
    bgeu    t1, t2, next                # nothing after all: it waits on
    lw      s2, 4(t0)
    lw      s3, 8(t0)
    sw      zero, 0(t0)
    # fall through

# give: min(s3, buffered) bytes to s0's buffer at s2, then reply how many
give:
    li      t0, IN_HEAD
    lw      t1, 0(t0)
    lw      t2, 4(t0)
    sub     s5, t2, t1
    bleu    s5, s3, 1f
    mv      s5, s3
1:  mv      a0, s0
    mv      a1, s2
    li      a2, IN_BUF
    add     a2, a2, t1
    mv      a3, s5
    li      a7, MK_COPY_OUT
    ecall
    mv      a1, a0
    bltz    a0, reply                   # checked, so only if the client died meanwhile
    li      t0, IN_HEAD
    lw      t1, 0(t0)
    add     t1, t1, s5
    sw      t1, 0(t0)
    lw      t2, 4(t0)
    bltu    t1, t2, reply
    sw      zero, 0(t0)                 # all given: the buffer starts again empty
    sw      zero, 4(t0)
    call    unmask
    mv      a1, s5
    j       reply

# fill(): the input bytes that wait, into the buffer while it has room; unmask while it has
fill:
    mv      s6, ra
1:  li      t0, IN_TAIL
    lw      t1, 0(t0)
    li      t2, IN_SIZE
    bgeu    t1, t2, 2f                  # full: stay masked until it is read
    li      a0, CONSOLE_STATUS
    li      a7, MK_IO_READ
    ecall
    andi    a0, a0, CONSOLE_RX_READY
    beqz    a0, 3f
    li      a0, CONSOLE_RX
    li      a7, MK_IO_READ              # SPEC §6: reading CONSOLE_RX consumes the byte
    ecall
    li      t0, IN_TAIL
    lw      t1, 0(t0)
    li      t2, IN_BUF
    add     t2, t2, t1
    sb      a0, 0(t2)
    addi    t1, t1, 1
    sw      t1, 0(t0)
    j       1b
3:  call    unmask
2:  mv      ra, s6
    ret

# unmask(): CONSOLE interrupts on (the kernel masks them each time one fires)
unmask:
    li      a0, CONSOLE_CTRL
    li      a1, CONSOLE_RX_IRQ
    li      a7, MK_IO_WRITE
    ecall
    ret

    .balign PAGE_SIZE
console_end:
