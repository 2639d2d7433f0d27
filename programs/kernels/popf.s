# popf: a guest kernel protects a critical section by turning interrupts off with `wrpsw`.
#
# A bare-machine KERNEL (not a guestos program): it is the whole image, runs in kernel mode
# from reset with translation off, and talks to the devices itself.
#   toyvm run build/programs/popf.elf                          (bare machine)
#   toyvm run --vmm --strategy S build/programs/popf.elf       (S = trap, bt, hw)
#   toyvm run --vmm --strategy para build/programs/popf-para.elf
#
# The program: a shared `counter`, incremented by the timer interrupt handler (one per tick)
# and by the main loop, ITERATIONS times, with a non-atomic read-modify-write (lw, addi, sw)
# inside `wrpsw zero` ... `wrpsw PSW_IE` brackets -- the TOY32 twin of x86's pushf/cli ... popf.
# The timer fires every PERIOD instructions (re-armed by the handler), so it comes due inside
# the section over and over. The handler also counts the ticks that found the `in_cs` flag set.
# At the end it prints, and powers off with 0 when both counts are 0, else 1:
#   popf: 1000 critical sections, T timer interrupts
#   interrupts inside the critical section: I
#   lost updates: L (counter C, expected 1000 + T)
#   result: right          (or: result: WRONG, the critical section was not protected)
#
# Bare machine, bt, hw, and para (-para image): wrpsw really disables interrupts, a tick that
# comes due inside the section stays pending until `wrpsw PSW_IE`: I = L = 0, exit status 0.
# Under --strategy trap the guest kernel runs in real user mode, where wrpsw is silently
# ignored (SPEC §3): the monitor never learns that the kernel wanted interrupts off, keeps the
# virtual IE on, and injects the virtual timer inside the section. I > 0, and L > 0 each time
# it lands between the lw and the sw. The timer counts instructions, so the numbers are the
# same on every run (exit status 1). With this image --strategy para behaves exactly like trap.
#
# Paravirtual build (toyasm build --defsym PARAVIRT=1, build/programs/popf-para.elf): the
# kernel is changed to bracket the section with the HC_WRPSW hypercall (isa/paravirt.py)
# instead of wrpsw, as a kernel ported to Xen does. Under --strategy para it prints exactly the
# bare machine's result.
# Anywhere else `hypercall` traps to the handler, which says so and powers off with status 2.
#
# The handler uses only t3-t6, which the rest of the program leaves alone: no saving needed.

    .equ    ITERATIONS, 1000
    .equ    PERIOD, 41              # instructions between timer interrupts

    .text
    .globl _start
_start:
    la      t0, handler
    mtsr    tvec, t0
    li      t0, TIMER_LOAD
    li      t1, PERIOD
    sw      t1, 0(t0)               # arm the timer
armed:                              # (armed, loop, loop_end, disarm: tests/test_demos.py's model)
    li      t0, PSW_IE
    mtsr    psw, t0                 # interrupts on (virtualizable: right everywhere)

    li      s0, ITERATIONS
    la      s1, counter
    la      s2, in_cs
    li      s3, PSW_IE
    li      s4, 1
# Both builds run the same number of instructions per iteration (the timer counts instructions,
# so the paravirtual build sees its ticks at the same points as the bare machine): the plain
# build pads its one-instruction bracket with a nop where the other loads the hypercall number.
loop:
    li      a0, 0                   # interrupts off (cli) ...
.ifdef PARAVIRT
    li      a7, HC_WRPSW            # ... by asking the monitor
    hypercall
.else
    nop
    wrpsw   a0                      # ... with the sensitive instruction
.endif
    sw      s4, 0(s2)               # in_cs = 1
    lw      t0, 0(s1)               # counter += 1, not atomically
    addi    t0, t0, 1
    sw      t0, 0(s1)
    sw      zero, 0(s2)             # in_cs = 0
    mv      a0, s3                  # interrupts on (sti): a pending tick is taken now
.ifdef PARAVIRT
    li      a7, HC_WRPSW
    hypercall
.else
    nop
    wrpsw   a0
.endif
    addi    s0, s0, -1
    bnez    s0, loop
loop_end:
    li      t0, TIMER_LOAD
disarm:
    sw      zero, 0(t0)             # disarm (and drop a pending tick): the counts are final

    # lost updates = ITERATIONS + ticks - counter
    lw      s5, ticks
    lw      s6, inside
    lw      s7, counter
    li      s8, ITERATIONS
    add     s8, s8, s5              # the counter's right value
    sub     s9, s8, s7              # lost updates

    la      a0, msg_head
    call    puts
    li      a0, ITERATIONS
    call    put_dec
    la      a0, msg_sections
    call    puts
    mv      a0, s5
    call    put_dec
    la      a0, msg_ticks
    call    puts
    mv      a0, s6
    call    put_dec
    la      a0, msg_lost
    call    puts
    mv      a0, s9
    call    put_dec
    la      a0, msg_counter
    call    puts
    mv      a0, s7
    call    put_dec
    la      a0, msg_expected
    call    puts
    li      a0, ITERATIONS
    call    put_dec
    la      a0, msg_plus
    call    puts
    mv      a0, s5
    call    put_dec
    la      a0, msg_close
    call    puts

    or      t0, s6, s9
    bnez    t0, wrong
    la      a0, msg_right
    call    puts
    li      a1, 0
    j       power_off
wrong:
    la      a0, msg_wrong
    call    puts
    li      a1, 1
power_off:
    li      t0, POWER_OFF
    sw      a1, 0(t0)
    halt                            # not reached: POWER_OFF stops the machine

# The trap handler: a timer tick updates the counter and re-arms the timer. Uses t3-t6 only.
handler:
    mfsr    t3, cause
.ifdef PARAVIRT
    li      t4, CAUSE_VIRTUALIZATION_TRAP
    beq     t3, t4, not_paravirtualized
.endif
    li      t4, CAUSE_TIMER
    bne     t3, t4, unexpected
    la      t3, ticks
    lw      t4, 0(t3)
    addi    t4, t4, 1
    sw      t4, 0(t3)
    lw      t4, in_cs
    beqz    t4, 1f
    la      t3, inside
    lw      t4, 0(t3)
    addi    t4, t4, 1
    sw      t4, 0(t3)
1:
    la      t3, counter             # the interrupt's own update of the shared counter
    lw      t4, 0(t3)
    addi    t4, t4, 1
    sw      t4, 0(t3)
    li      t3, TIMER_LOAD
    li      t4, PERIOD
    sw      t4, 0(t3)               # next tick (also clears a pending one)
    rti
.ifdef PARAVIRT
not_paravirtualized:                # the hypercall trapped: no monitor serves it
    la      a0, msg_no_monitor
    j       1f
.endif
unexpected:                         # any other trap: say so, power off with 2
    la      a0, msg_unexpected
1:
    call    puts
    li      t0, POWER_OFF
    li      a1, 2
    sw      a1, 0(t0)
    halt

# puts(a0 = a NUL-terminated string): to the console. Uses t0, t1.
puts:
    li      t0, CONSOLE_TX
1:
    lbu     t1, 0(a0)
    beqz    t1, 2f
    sw      t1, 0(t0)
    addi    a0, a0, 1
    j       1b
2:
    ret

# put_dec(a0 = an unsigned number): in decimal. Uses a0, t0-t2 and the digits buffer.
put_dec:
    la      t1, digits_end
    li      t2, 10
1:
    remu    t0, a0, t2
    addi    t0, t0, '0'
    addi    t1, t1, -1
    sb      t0, 0(t1)
    divu    a0, a0, t2
    bnez    a0, 1b
    li      t0, CONSOLE_TX
2:
    lbu     t2, 0(t1)
    sw      t2, 0(t0)
    addi    t1, t1, 1
    la      t2, digits_end
    bltu    t1, t2, 2b
    ret

    .data
counter:    .word 0                 # shared by the loop and the handler
in_cs:      .word 0                 # 1 while the loop is inside its critical section
ticks:      .word 0                 # timer interrupts taken
inside:     .word 0                 # ... of which found in_cs set
digits:     .space 12
digits_end:

    .section .rodata
msg_head:       .asciz "popf: "
msg_sections:   .asciz " critical sections, "
msg_ticks:      .asciz " timer interrupts\ninterrupts inside the critical section: "
msg_lost:       .asciz "\nlost updates: "
msg_counter:    .asciz " (counter "
msg_expected:   .asciz ", expected "
msg_plus:       .asciz " + "
msg_close:      .asciz ")\n"
msg_right:      .asciz "result: right\n"
msg_wrong:      .asciz "result: WRONG, the critical section was not protected\n"
msg_unexpected: .asciz "popf: unexpected trap\n"
.ifdef PARAVIRT
msg_no_monitor: .asciz "popf-para: hypercall trapped (VIRTUALIZATION_TRAP): this kernel is paravirtualized and runs only under toyvm run --vmm --strategy para\n"
.endif
