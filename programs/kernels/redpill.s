# redpill: a guest kernel asks "am I in kernel mode?" twice and compares the answers.
#
# A bare-machine KERNEL (not a guestos program): it is the whole image, runs in kernel mode
# from reset with translation off, and talks to the devices itself.
#   toyvm run build/programs/redpill.elf                       (bare machine)
#   toyvm run --vmm --strategy S build/programs/redpill.elf    (S = trap, bt, hw)
#   toyvm run --vmm --strategy para build/programs/redpill-para.elf
#
# It reads the psw with `rdpsw` (sensitive but unprivileged: never traps) and with `mfsr psw`
# (privileged: traps in user mode, so a monitor emulates it on the virtual psw), and prints
# what the U bit of each says, then its conclusion:
#   bare, bt, hw:                      rdpsw says: kernel   mfsr psw says: kernel
#                                       redpill: not virtualized               exit status 0
#   trap (and para with this image):   rdpsw says: user     mfsr psw says: kernel
#                                       redpill: caught: running in a VM!      exit status 1
# Under trap-and-emulate the guest kernel really runs in user mode: rdpsw reads the real psw
# and leaks U=1, while mfsr psw traps and the monitor answers with the virtual psw (U=0).
# That disagreement is the red pill (after Rutkowska's 2004 x86 one, which used SIDT).
#
# Paravirtual build (toyasm build --defsym PARAVIRT=1, build/programs/redpill-para.elf): the
# kernel is changed not to use rdpsw at all -- it asks the monitor with the HC_RDPSW hypercall
# (isa/paravirt.py), as a kernel ported to Xen does. Under --strategy para it says kernel/kernel
# (exit status 0). Anywhere else -- the bare machine, or a monitor that serves no hypercalls --
# `hypercall` traps to the kernel's tvec, which says so and powers off with status 2.
#
# The exit status is whether the two answers agree: 0 (faithful), 1 (caught).

    .text
    .globl _start
_start:
.ifdef PARAVIRT
    la      t0, not_paravirtualized # where the hypercall traps when no monitor serves it
    mtsr    tvec, t0
    li      a7, HC_RDPSW            # paravirtual: ask the monitor instead of rdpsw
    hypercall
    mv      s1, a0
.else
    rdpsw   s1                      # the sensitive, unprivileged way
.endif
    mfsr    s2, psw                 # the privileged way

    la      a0, first_label
    call    puts
    mv      a0, s1
    call    put_mode
    la      a0, second_label
    call    puts
    mv      a0, s2
    call    put_mode
    la      a0, newline
    call    puts

    xor     t0, s1, s2
    andi    t0, t0, PSW_U
    bnez    t0, caught
    la      a0, not_virtualized
    call    puts
    li      a1, 0
    j       power_off
caught:
    la      a0, in_a_vm
    call    puts
    li      a1, 1
power_off:
    li      t0, POWER_OFF
    sw      a1, 0(t0)
    halt                            # not reached: POWER_OFF stops the machine

.ifdef PARAVIRT
not_paravirtualized:                # the hypercall trapped: no monitor serves it
    la      a0, no_monitor
    call    puts
    li      a1, 2
    j       power_off
.endif

# put_mode(a0 = a psw value): "kernel" or "user  " after its U bit.
put_mode:
    andi    a0, a0, PSW_U
    bnez    a0, 1f
    la      a0, kernel_word
    j       puts
1:
    la      a0, user_word
    # fall through: puts returns to put_mode's caller

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

    .section .rodata
first_label:
.ifdef PARAVIRT
    .asciz  "hypercall HC_RDPSW says: "
.else
    .asciz  "rdpsw says: "
.endif
second_label:
    .asciz  "   mfsr psw says: "
kernel_word:
    .asciz  "kernel"
user_word:
    .asciz  "user  "
newline:
    .asciz  "\n"
not_virtualized:
    .asciz  "redpill: not virtualized\n"
in_a_vm:
    .asciz  "redpill: caught: running in a VM!\n"
.ifdef PARAVIRT
no_monitor:
    .asciz  "redpill-para: hypercall trapped (VIRTUALIZATION_TRAP): this kernel is paravirtualized and runs only under toyvm run --vmm --strategy para\n"
.endif
