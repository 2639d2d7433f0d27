"""Dispatch (the lecture's second function): every trap of the real machine comes here, and
each goes where it belongs -- handled by the monitor itself, or reflected to the guest.

Handled silently (the guest never knows):
  * a *hidden* page fault: the guest's own maps allow the access, the shadow just lacked the
    leaf -- fill it and run the instruction again;
  * a privileged instruction in virtual kernel mode: emulate it (emulate.py);
  * a device access in virtual kernel mode: emulate it on the guest's devices (vdevices.py).
Reflected to the guest's ``tvec`` with the virtual epc/cause/tval/psw the bare machine would set:
  * a *true* fault (the guest's maps refuse, or the address is beyond its memory: BUS_ERROR);
  * ecall, ebreak, misalignment, illegal words, privileged instructions in virtual user mode,
    hypercalls (until a strategy takes them).
Interrupts: each guest's virtual timer and console raise *virtual* interrupts, injected like a
trap between two guest instructions only while the guest's virtual IE is set (``deliver``).
"""
from __future__ import annotations

from isa.machine import CAUSE_BY_NAME, INTERRUPT_BIT, PSW_IE, PSW_U
from isa.privileged import ACCESS_OF_FAULT, EXEC, WalkFault, enter_trap

from ..machine import EXIT_CRASH, Stop
from ..machine.devices import RX_IRQ
from ..machine.errors import cause_name
from .emulate import emulate_privileged
from .guest import Guest
from .shadow import DEVICE_PAGE
from .vdevices import emulate_device_access

C = CAUSE_BY_NAME
PRIVILEGED_INSTRUCTION, VIRTUALIZATION_TRAP = C["PRIVILEGED_INSTRUCTION"], C["VIRTUALIZATION_TRAP"]
TRUE_FAULTS = {C["PAGE_FAULT_FETCH"], C["PAGE_FAULT_LOAD"], C["PAGE_FAULT_STORE"], C["BUS_ERROR"]}


class Dispatcher:
    """The monitor's trap handler (``machine.monitor``) for whichever guest is on the processor."""

    def __init__(self, machine):
        self.machine = machine
        self.guest: Guest | None = None        # the guest on the processor
        self.run_end = 0                       # real count at which the current run stops

    def on_trap(self, machine, cause: int, tval: int) -> None:
        guest = self.guest
        guest.stats.entries += 1
        events = guest.events
        if events is not None:      # watched (events.py): the handling between two events
            events.emit("trap", cause=cause, pc=machine.pc, tval=tval)
            self.handle(guest, machine, cause, tval)
            events.emit("resume", pc=machine.pc)
        else:
            self.handle(guest, machine, cause, tval)

    def handle(self, guest: Guest, machine, cause: int, tval: int) -> None:
        # LAB-HOLE begin dispatch
        # LAB: emulate a privileged instruction of the guest's virtual kernel mode (then deliver
        # LAB: what became pending), send page faults to page_fault and VIRTUALIZATION_TRAP to
        # LAB: virtualization_trap, reflect the rest
        # LAB-STUB self.reflect(guest, cause, tval)
        if cause == PRIVILEGED_INSTRUCTION and not guest.vcpu.psw & PSW_U:
            emulate_privileged(guest, machine, tval)
            if guest.vcpu.psw & PSW_IE or guest.devices.timer_deadline is not None:
                self.deliver(guest)
        elif cause in ACCESS_OF_FAULT:
            self.page_fault(guest, cause, tval)
        elif cause == VIRTUALIZATION_TRAP:
            self.virtualization_trap(guest, tval)
        else:
            self.reflect(guest, cause, tval)
        # LAB-HOLE end

    # --- the sensitive instructions: the one place a virtualization strategy plugs in ---------
    def virtualization_trap(self, guest: Guest, word: int) -> None:
        """``hypercall``; with hardware assist ``rdpsw``/``wrpsw`` in real user mode; under bt the
        word it patched in. The strategy (strategies/) serves what is its own; the rest is
        reflected, as the bare machine traps too."""
        if guest.strategy.virtualization_trap(self.machine, word):
            self.deliver(guest)
        else:
            self.reflect(guest, C["VIRTUALIZATION_TRAP"], word)

    # --- page faults ---------------------------------------------------------------------------
    def page_fault(self, guest: Guest, cause: int, va: int) -> None:
        access = ACCESS_OF_FAULT[cause]
        vcpu = guest.vcpu
        try:
            gpa, root, leaf = guest.translate(va, access)
        except WalkFault as fault:
            return self.reflect(guest, fault.cause, va)
        if gpa < guest.mmap.size and guest.strategy.page_fault(self.machine, access, va, gpa):
            guest.last_fill = None
            return self.deliver(guest)
        if gpa < guest.mmap.size:                              # hidden: the shadow lacked it
            here = (vcpu.count, self.machine.pc, va, cause)
            if here == guest.last_fill:
                return self.fail(guest, f"monitor: the shadow fill for {va:08x} did not resolve "
                                        f"{cause_name(cause)}")
            guest.last_fill = here
            guest.shadows.fill(guest.shadows.installed, va, gpa, root, leaf)
            guest.stats.hidden_faults += 1
            return None
        if gpa >> 12 != DEVICE_PAGE:
            return self.reflect(guest, C["BUS_ERROR"], va)
        if vcpu.user:                                          # devices are kernel-only
            return self.reflect(guest, cause, va)
        if access == EXEC:
            return self.reflect(guest, C["BUS_ERROR"], va)
        fault = emulate_device_access(guest, self.machine, gpa)
        if fault is not None:
            return self.reflect(guest, fault, va)
        self.deliver(guest)
        self.rebound(guest)
        return None

    # --- into the guest's trap handler ---------------------------------------------------------
    def reflect(self, guest: Guest, cause: int, tval: int) -> None:
        """SPEC §4 trap entry on the guest's virtual CPU, at the guest's tvec."""
        machine, vcpu, stats = self.machine, guest.vcpu, guest.stats
        stuck = guest.progress.on_exception(vcpu.count, machine.pc, cause, tval, vcpu.tvec)
        if stuck is not None:
            return self.fail(guest, stuck, (cause, tval))
        if cause & INTERRUPT_BIT:
            stats.interrupts[cause] += 1
        elif cause in TRUE_FAULTS:
            stats.true_faults[cause] += 1
        elif cause == C["SVC"] and vcpu.user:
            stats.syscalls += 1
        else:
            stats.reflected[cause] += 1
        if guest.events is not None:
            guest.events.emit("inject" if cause & INTERRUPT_BIT else "reflect", cause=cause, tval=tval,
                              pc=machine.pc, tvec=vcpu.tvec, user=vcpu.user)
        machine.pc = enter_trap(guest, machine.pc, cause, tval)
        guest.progress.entered(vcpu.count)
        guest.strategy.reflected(machine)
        return None

    def deliver(self, guest: Guest) -> None:
        """Between two guest instructions, as the bare machine's event check: the virtual timer
        comes due at its deadline; a pending interrupt is injected while the virtual IE is set."""
        devices, vcpu = guest.devices, guest.vcpu
        deadline = devices.timer_deadline
        count, limit = vcpu.count, guest.config.max_instructions
        if limit is not None and count >= limit:   # the bare machine checks its bound first
            return
        if deadline is not None and count >= deadline:
            devices.timer_tick(count)
        if vcpu.psw & PSW_IE and guest.exit is None:
            if devices.timer_pending:
                self.reflect(guest, C["TIMER"], 0)
            elif devices.console_ctrl & RX_IRQ and devices.console_irq(wait=not devices.console_in.interactive):
                self.reflect(guest, C["CONSOLE"], 0)

    def rebound(self, guest: Guest) -> None:
        """A device write moved the virtual timer before the end of the current run: end the run
        there so the scheduler can stop exactly at the new deadline."""
        deadline = guest.devices.timer_deadline
        if deadline is not None and guest.vcpu.to_real_count(deadline) < self.run_end:
            self.machine.stop(Stop("rebound"))

    def fail(self, guest: Guest, headline: str, fault: tuple[int, int] | None = None) -> None:
        guest.end(Stop("crash", EXIT_CRASH, guest.report(headline, fault)))
