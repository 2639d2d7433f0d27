"""The guest mode (SPEC §9), a VMX non-root analogue: the processor runs a guest's kernel in a
kernel mode of its own, on the guest's copies of the privileged state, and hands the processor
back to the monitor only for the events the monitor asked for, each with an exit reason.

The monitor sets up a ``GuestControl`` -- the control block -- and ``Machine.enter_guest``s it.
On entry to a run (``Machine.run``) the processor loads the guest's psw, epc, cause, tval, tvec
and scratch (and, with nested paging, pmar) from the block into its own registers, so mfsr,
mtsr, rti, ldpmar, stpmar, tlbflush, rdpsw and wrpsw act on them at full speed, as on the bare
machine; on every exit and at the end of the run it stores them back, where the monitor reads
and changes them (a VM exit saves the guest state to the VMCS, a VM entry loads it).

What exits (isa/privileged.py's ``instruction_exits`` and ``trap_exit_reason``): halt and
hypercall in the guest's kernel mode; MMAP_FAULT (a guest-physical address the machine map does
not back: guest RAM not yet given a host page, a device register, nothing); with shadow paging
stpmar, tlbflush and the page faults; a guest that can make no progress (SPEC §4's rules, kept
on the guest's own count); and the monitor's time slice (the bound of ``Machine.run``). Every
other trap of the guest -- its system calls, its own page faults, illegal words, privileged
instructions of its user mode -- goes to the guest's tvec by SPEC §4 trap entry, in hardware.

Interrupts: the guest's devices are the monitor's (device registers exit). Between two
instructions, whenever the guest's IE is 1, the processor asks the block's ``interrupt_line`` --
the guest's interrupt controller, the monitor's device models -- for the cause of a pending
interrupt (0: none) and takes it, as the bare machine takes its own. (Hardware does the same with
a virtual interrupt controller the processor reads itself, as APICv's virtual-interrupt delivery:
a guest that sets IE takes a waiting interrupt at once, with no exit.)
"""
from __future__ import annotations

from collections import Counter

from isa.machine import EXIT_STUCK, GUEST_STATE
from isa.privileged import enter_trap, trap_exit_reason

MASK = 0xFFFFFFFF
_COPIED = tuple(name for name in GUEST_STATE if name not in ("psw", "pmar"))


class GuestControl:
    """The control block: the guest's copies (``state``, an object with the GUEST_STATE fields
    and the guest's instruction ``count``), the controls, and what the last exit was."""

    def __init__(self, state, progress, *, nested: bool):
        self.state = state
        self.progress = progress        # SPEC §4's rules on the guest's count (isa/privileged.py)
        self.nested = nested            # pmar is the guest's own (walked under the mmap register)
        self.exit_reason = 0
        self.stuck: str | None = None   # the headline of an EXIT_STUCK
        self.exits: Counter = Counter()       # by reason
        self.delivered: Counter = Counter()   # the guest's own traps and interrupts, by cause

    def interrupt_line(self) -> int:
        """The cause of the guest's pending interrupt, or 0 (the monitor's devices say)."""
        return 0

    def load(self, machine) -> None:
        """Entry: the guest's copies into the processor."""
        state = self.state
        machine.set_psw(state.psw)
        for name in _COPIED:
            setattr(machine, name, getattr(state, name) & MASK)
        if self.nested and machine.pmar != state.pmar:
            machine.set_pmar(state.pmar)

    def save(self, machine) -> None:
        """Exit: the processor's copies back into the block."""
        state = self.state
        state.psw = machine.psw
        for name in _COPIED:
            setattr(state, name, getattr(machine, name))
        if self.nested:
            state.pmar = machine.pmar


class GuestMode:
    """The Machine's guest mode (a part of ``Machine``, kept apart for reading)."""

    guest_control: GuestControl | None = None

    def enter_guest(self, control: GuestControl) -> None:
        """Run ``control``'s guest from the next ``run`` on (the monitor's VMLAUNCH)."""
        self.guest_control = control

    def leave_guest(self) -> None:
        self.guest_control = None

    def _guest_trap(self, cause: int, tval: int) -> None:
        """A trap in the guest mode: to the guest's tvec in hardware, or an exit."""
        control = self.guest_control
        reason = trap_exit_reason(cause, control.nested)
        if reason is None:
            count = control.state.count
            control.stuck = control.progress.on_exception(count, self.pc, cause, tval, self.tvec)
            if control.stuck is None:
                control.delivered[cause] += 1
                self.pc = enter_trap(self, self.pc, cause, tval)
                control.progress.entered(count)
                return
            reason = EXIT_STUCK
        self._vm_exit(reason, cause, tval)

    def _vm_exit(self, reason: int, cause: int, tval: int) -> None:
        """Hand the processor to the monitor (its ``on_trap``, with ``exit_reason`` set), then
        enter the guest again with the state the monitor left in the block."""
        control = self.guest_control
        control.exit_reason = reason
        control.exits[reason] += 1
        control.save(self)
        self.monitor.on_trap(self, cause, tval)
        if self.guest_control is control:
            control.load(self)
