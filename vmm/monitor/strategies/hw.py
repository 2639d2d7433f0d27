"""``--strategy hw``: hardware assist (VT-x, AMD-V). The machine option of SPEC §3 makes rdpsw and
wrpsw raise VIRTUALIZATION_TRAP in user mode, and the monitor emulates them on the virtual psw."""
from __future__ import annotations

from isa import decode

from .base import TrapAndEmulate, emulate_sensitive


class HardwareAssist(TrapAndEmulate):
    """``--strategy hw``: the machine traps them, the monitor emulates them."""
    name = "hw"
    hw_assist = True

    def virtualization_trap(self, machine, word: int) -> bool:
        d = decode(word)
        if d is None or d.instr.kind != "sensitive":
            return False                 # a hypercall: the guest's own business
        emulate_sensitive(self.guest, machine, word)
        return True
