# When things go wrong: the kernel's panic, and the trap description shared by the report of a
# killed process and of a kernel trap.

    .include "kernel.inc"

    .text
# panic(a0 = message): print "guestos: panic: MESSAGE" and power off. Never returns.
# Works with translation off too (only pc-relative and device addresses).
    .globl panic
panic:
    mv      s0, a0
    la      a0, msg_panic
    call    kputs
    mv      a0, s0
    call    kputs
    li      a0, '\n'
    call    kputc
    li      t0, POWER_OFF
    li      t1, EXIT_PANIC
    sw      t1, 0(t0)                   # SPEC §6: stops the machine
1:  j       1b

# kernel_trap_panic(a0 = cause, a1 = pc, a2 = tval): the kernel itself trapped. Never returns.
    .globl kernel_trap_panic
kernel_trap_panic:
    mv      s0, a0
    mv      s1, a1
    mv      s2, a2
    la      a0, msg_kernel_trap
    call    kputs
    mv      a0, s0
    mv      a1, s1
    mv      a2, s2
    call    put_trap
    li      t0, POWER_OFF
    li      t1, EXIT_PANIC
    sw      t1, 0(t0)
1:  j       1b

# put_trap(a0 = cause, a1 = pc, a2 = tval): print "CAUSE pc=0x... tval=0x...\n"
    .globl put_trap
put_trap:
    addi    sp, sp, -16
    sw      ra, 12(sp)
    sw      s0, 8(sp)
    sw      s1, 4(sp)
    mv      s0, a1
    mv      s1, a2
    la      t0, cause_names             # find the cause's name
1:  lw      t2, 4(t0)
    beqz    t2, 2f                      # end of the table: print the number
    lw      t1, 0(t0)
    beq     t1, a0, 3f
    addi    t0, t0, 8
    j       1b
2:  la      a0, msg_cause
    sw      a0, 0(sp)
    call    kputs
    lw      a0, 0(sp)
    call    kputhex
    j       4f
3:  mv      a0, t2
    call    kputs
4:  la      a0, msg_pc
    call    kputs
    mv      a0, s0
    call    kputhex
    la      a0, msg_tval
    call    kputs
    mv      a0, s1
    call    kputhex
    li      a0, '\n'
    call    kputc
    lw      ra, 12(sp)
    lw      s0, 8(sp)
    lw      s1, 4(sp)
    addi    sp, sp, 16
    ret

    .section .rodata
    .balign 4
cause_names:                            # (cause, name) pairs; SPEC §4 names, isa/ numbers
    .word CAUSE_MISALIGNED_FETCH, n_misaligned_fetch
    .word CAUSE_PAGE_FAULT_FETCH, n_page_fault_fetch
    .word CAUSE_ILLEGAL_INSTRUCTION, n_illegal_instruction
    .word CAUSE_BREAKPOINT, n_breakpoint
    .word CAUSE_MISALIGNED_LOAD, n_misaligned_load
    .word CAUSE_PAGE_FAULT_LOAD, n_page_fault_load
    .word CAUSE_MISALIGNED_STORE, n_misaligned_store
    .word CAUSE_PAGE_FAULT_STORE, n_page_fault_store
    .word CAUSE_SVC, n_svc
    .word CAUSE_PRIVILEGED_INSTRUCTION, n_privileged_instruction
    .word CAUSE_BUS_ERROR, n_bus_error
    .word CAUSE_VIRTUALIZATION_TRAP, n_virtualization_trap
    .word CAUSE_TIMER, n_timer
    .word CAUSE_CONSOLE, n_console
    .word 0, 0
n_misaligned_fetch:       .asciz "MISALIGNED_FETCH"
n_page_fault_fetch:       .asciz "PAGE_FAULT_FETCH"
n_illegal_instruction:    .asciz "ILLEGAL_INSTRUCTION"
n_breakpoint:             .asciz "BREAKPOINT"
n_misaligned_load:        .asciz "MISALIGNED_LOAD"
n_page_fault_load:        .asciz "PAGE_FAULT_LOAD"
n_misaligned_store:       .asciz "MISALIGNED_STORE"
n_page_fault_store:       .asciz "PAGE_FAULT_STORE"
n_svc:                    .asciz "SVC"
n_privileged_instruction: .asciz "PRIVILEGED_INSTRUCTION"
n_bus_error:              .asciz "BUS_ERROR"
n_virtualization_trap:    .asciz "VIRTUALIZATION_TRAP"
n_timer:                  .asciz "TIMER"
n_console:                .asciz "CONSOLE"
msg_panic:       .asciz "guestos: panic: "
msg_kernel_trap: .asciz "guestos: panic: kernel trap: "
msg_cause:       .asciz "cause "
msg_pc:          .asciz " pc="
msg_tval:        .asciz " tval="
