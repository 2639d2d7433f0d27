"""Per-guest devices: each guest has its own console, timer and power switch.

The device page is kernel-only on the real machine and the guest kernel runs in real user mode,
so every device access of the guest faults into the monitor. The monitor decodes the faulting
load or store and performs it on the guest's own device model -- the very ``Devices`` class of
the bare machine, fed with the guest's instruction count -- so console bytes, TIMER_NOW, timer
deadlines and the power-off status are what the guest would see alone on the bare machine.
"""
from __future__ import annotations

from isa import decode
from isa.machine import CAUSE_BY_NAME, DEVICE_REGISTERS

from ..machine import Stop
from .guest import Guest

MASK = 0xFFFFFFFF
BUS_ERROR = CAUSE_BY_NAME["BUS_ERROR"]
REGISTER_NAMES = {d.address: d.name for d in DEVICE_REGISTERS}


def emulate_device_access(guest: Guest, machine, gpa: int) -> int | None:
    """Perform the load or store at ``machine.pc`` (virtual kernel mode) on the guest's device
    register at guest-physical ``gpa``. Returns None when done, or the cause to raise in the
    guest (BUS_ERROR: not an aligned word, or no register there), as the bare machine would."""
    d = decode(machine.peek_instruction(machine.pc))
    if d.instr.width != 4:
        return BUS_ERROR
    devices = guest.devices
    count = guest.vcpu.count
    if d.instr.kind == "load":
        value = devices.read(gpa, count)
        if value is None:
            return BUS_ERROR
        if d.rd:
            machine.regs[d.rd] = value & MASK
    elif not devices.write(gpa, machine.regs[d.rs2], count + 1):
        return BUS_ERROR
    guest.stats.devices[REGISTER_NAMES[gpa]] += 1
    guest.stats.emulated += 1
    if guest.events is not None:
        store = d.instr.kind != "load"
        guest.events.emit("device", pc=machine.pc, register=REGISTER_NAMES[gpa], store=store,
                          value=machine.regs[d.rs2 if store else d.rd] & MASK)
    machine.retire()
    machine.pc = (machine.pc + 4) & MASK
    if devices.power_off is not None:
        guest.end(Stop("power_off", devices.power_off))
    return None
