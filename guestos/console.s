# The console device (SPEC §6): kernel output and input, one aligned word access per register.
# The device page is mapped kernel-only at its own address in every address space (boot.s).
# Console input is polled, never by interrupt: CONSOLE_CTRL keeps CONSOLE_RX_IRQ clear.

    .include "kernel.inc"

    .text
# kputc(a0 = byte)
    .globl kputc
kputc:
    li      t0, CONSOLE_TX
    sw      a0, 0(t0)
    ret

# kputs(a0 = NUL-terminated string)
    .globl kputs
kputs:
    li      t0, CONSOLE_TX
1:  lbu     t1, 0(a0)
    beqz    t1, 2f
    sw      t1, 0(t0)
    addi    a0, a0, 1
    j       1b
2:  ret

# kputhex(a0 = value): "0x" and 8 hex digits
    .globl kputhex
kputhex:
    li      t0, CONSOLE_TX
    li      t1, '0'
    sw      t1, 0(t0)
    li      t1, 'x'
    sw      t1, 0(t0)
    li      t2, 28                      # shift of the next digit
1:  srl     t1, a0, t2
    andi    t1, t1, 0xf
    addi    t1, t1, '0'
    li      t3, '9'
    bleu    t1, t3, 2f
    addi    t1, t1, 'a' - '9' - 1
2:  sw      t1, 0(t0)
    addi    t2, t2, -4
    bgez    t2, 1b
    ret

# kputdec(a0 = unsigned value): decimal digits
    .globl kputdec
kputdec:
    addi    sp, sp, -16                 # the digits, last first
    mv      t2, sp
    li      t3, 10
1:  remu    t1, a0, t3
    addi    t1, t1, '0'
    sb      t1, 0(t2)
    addi    t2, t2, 1
    divu    a0, a0, t3
    bnez    a0, 1b
    li      t0, CONSOLE_TX
2:  addi    t2, t2, -1
    lbu     t1, 0(t2)
    sw      t1, 0(t0)
    bne     t2, sp, 2b
    addi    sp, sp, 16
    ret

# console_status() -> a0 = CONSOLE_STATUS (CONSOLE_RX_READY, CONSOLE_EOF)
    .globl console_status
console_status:
    li      t0, CONSOLE_STATUS
    lw      a0, 0(t0)
    ret

# console_getc() -> a0 = the next input byte; call only when CONSOLE_RX_READY is set
    .globl console_getc
console_getc:
.ifdef CONSOLE_BUG                      # the fault-isolation demonstration (docs/microkernel.md):
    li      t0, 0                       # built with --defsym CONSOLE_BUG=1, the driver dereferences
    lw      t0, 0(t0)                   # a null pointer on every input byte; in the kernel, a panic
.endif
    li      t0, CONSOLE_RX
    lw      a0, 0(t0)
    ret
