"""The guest kernel's quiet mfsr/mtsr, performed without leaving the translated code.

The guest kernel runs in real user mode, where every mfsr and mtsr traps. Most of them (a trap
handler saving and restoring epc, cause, tval, scratch) only move a value between a general
register and the virtual CPU: handling the trap changes no mode, map or pc. Through
Machine.emulate_in_line, translated code asks the monitor to perform them in place, counted
exactly as the trap would be (a monitor entry, a PRIVILEGED_INSTRUCTION trap of the machine, one
emulated instruction of its mnemonic), so the guest and the statistics see what they saw; only
the time differs (one call instead of leaving the region, the trap path and a new region).
mtsr psw is performed in line only when it keeps the virtual kernel mode with IE = 0 (a trap
handler's return path sets PU and PIE for its rti): one that switches the mode or may let an
interrupt in traps, so the monitor switches shadow maps or delivers the interrupt.

They decline (and the instruction traps as before) when the guest is in virtual user mode (the
trap is reflected to it), while the run is watched (an event trace, a tracer, a debugger), so
that every monitor entry is seen, and in the hardware guest mode, which has its own rules.
"""
from __future__ import annotations

from isa.machine import CAUSE_BY_NAME, PSW_IE, PSW_U
from isa.privileged import SR_PSW

PRIVILEGED_INSTRUCTION = CAUSE_BY_NAME["PRIVILEGED_INSTRUCTION"]


def in_line_emulation(dispatcher):
    """(read_sr, write_sr) for Machine.emulate_in_line, for whichever guest ``dispatcher`` runs."""
    machine = dispatcher.machine

    def guest_kernel():
        guest = dispatcher.guest
        if (guest.vcpu.psw & PSW_U or guest.events is not None or machine.tracer is not None
                or machine.debugger is not None or machine.guest_control is not None):
            return None
        traps = machine.stats.traps
        traps[PRIVILEGED_INSTRUCTION] = traps.get(PRIVILEGED_INSTRUCTION, 0) + 1
        stats = guest.stats
        stats.entries += 1
        stats.emulated += 1
        return guest

    def read_sr(number: int) -> int | None:
        guest = guest_kernel()            # isa/privileged.py's mfsr: rd = the special register
        if guest is None:
            return None
        guest.stats.privileged["mfsr"] += 1
        return guest.read_sr(number)

    def write_sr(number: int, value: int) -> bool:
        if number == SR_PSW and value & (PSW_U | PSW_IE):
            return False
        guest = guest_kernel()            # isa/privileged.py's mtsr: the special register = rs1
        if guest is None:
            return False
        guest.stats.privileged["mtsr"] += 1
        guest.write_sr(number, value)
        return True

    return read_sr, write_sr
