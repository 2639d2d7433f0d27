"""What every strategy shares: ``TrapAndEmulate`` (``--strategy trap``), the base the others
refine, and ``emulate_sensitive``, what a strategy that catches rdpsw/wrpsw owes the guest kernel.

A strategy object is per guest. The dispatcher asks it at the few points where strategies differ:
a VIRTUALIZATION_TRAP, a page fault the guest's maps allow, the flags of a shadow leaf, and
after a trap was reflected into the guest.
"""
from __future__ import annotations

from isa import decode
from isa.privileged import execute_sensitive

from ..events import cpu_state, effect


class TrapAndEmulate:
    """``--strategy trap``: the base every other strategy refines."""
    name = "trap"
    hw_assist = False           # the real machine's option of SPEC §3

    def __init__(self, guest):
        self.guest = guest

    def virtualization_trap(self, machine, word: int) -> bool:
        """A VIRTUALIZATION_TRAP at machine.pc: handled here (True), or reflected to the guest."""
        return False

    def page_fault(self, machine, access: int, va: int, gpa: int) -> bool:
        """A page fault the guest's own maps allow, at guest-physical gpa (inside its memory):
        True when the strategy dealt with it (the instruction runs again or was emulated);
        False for the ordinary shadow fill."""
        return False

    def leaf_flags(self, gppn: int, flags: int, kernel_view: bool) -> int:
        """The R/W/X a shadow leaf for guest-physical page gppn may carry (``kernel_view``: the
        shadow of virtual kernel mode, or of guest translation off)."""
        return flags

    def reflected(self, machine) -> None:
        """A trap or interrupt was just delivered to the guest (virtual trap entry done)."""

    def loaded(self, machine) -> None:
        """The guest was just put on the processor (a world switch; vt enters the guest mode)."""

    def original_word(self, gpa: int) -> int:
        """The aligned word at guest-physical gpa as the guest wrote it (reports show this)."""
        return self.guest.mmap.read_word(gpa & ~3)


def emulate_sensitive(guest, machine, word: int) -> None:
    """Perform ``rdpsw``/``wrpsw`` at machine.pc on the guest's *virtual* psw, as the bare machine
    does on the real one (SPEC §3): what a fixed machine (or monitor) owes the guest kernel."""
    d = decode(word)
    guest.stats.sensitive[d.mnemonic] += 1
    guest.stats.count_emulated(guest.vcpu.user)
    events, pc = guest.events, machine.pc
    before = cpu_state(guest) if events is not None else None
    machine.retire()
    machine.pc = execute_sensitive(guest, d, machine.regs, machine.pc)
    if events is not None:
        events.emit("sensitive", pc=pc, word=word, effect=effect(guest, before))
